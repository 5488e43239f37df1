#!/usr/bin/env python3
"""Simulates a cell-free DNA (plasma) BAM with UMIs for tumor-informed monitoring tests.

usage: make-cfdna.py -r REF.fa -o OUTDIR --tumor-fraction F
           (--truth truth.vcf [--germline germline.vcf] | --random-snvs N --region CHR:START-END)
           [--molecules 1200] [--family-mean 3] [--duplex] [--no-umi] [--seed 1] ...

What is made (the model, stated so tests can be read against it):
- Sites. With --truth, the SNVs of a baseline pair's truth VCF (the shared simulator's
  truth.vcf: INFO CCF, MULT, TCN, HAP) are the tumor's mutations; --germline adds the pair's
  phased germline variants (GT a|b) to the two parental haplotypes. With --random-snvs, N
  clonal heterozygous SNVs (CCF 1, MULT 1, TCN 2) are placed at least 2 kb apart in --region
  and written to OUTDIR/baseline.vcf (the patient's somatic variants for `monitor --variants`).
- Molecules. Around each site, --molecules double-stranded fragments whose span covers the site
  (start uniform so that the site is inside). Length: 85% Normal(167, 10) (the mononucleosome),
  15% Normal(145, 15), truncated to [100, 260]. A fragment comes from the tumor with probability
  f*TCN / (f*TCN + 2*(1-f)) (f = --tumor-fraction, cells' DNA share at two copies); a tumor
  fragment carries the site's alt with probability CCF*MULT/TCN; every fragment takes parental
  haplotype A or B (50/50) for the germline alleles in its span.
- UMIs and strands. Each molecule gets two random UMIs (alpha at its left end, beta at its
  right end). With --duplex each strand of the molecule is sequenced with probability
  --strand-recovery (at least one): the top strand as read 1 forward from the left end with
  RX alpha-beta, the bottom strand as read 1 reverse from the right end with RX beta-alpha
  (the paired-UMI convention of duplex libraries). Without --duplex one strand is sequenced
  (either, 50/50) with RX alpha. --no-umi writes no RX tag and marks duplicates instead (0x400
  on every pair but the first with the same read-1 end, strand and TLEN, as MarkDuplicates
  groups them).
- PCR families. A strand family has 1 + Poisson(g) read pairs, g ~ Gamma(2, (m-1)/2) with
  m = --family-mean (over-dispersed family sizes). Every read pair is an independent copy:
  its own base qualities (80% Q37, 15% Q32, 5% Q25 per base), its own sequencing errors (each base
  wrong with probability 10^(-Q/10)), its own UMI errors (each UMI base wrong with probability
  --umi-error). A strand family also carries errors shared by all its copies (an early PCR
  error) at rate --strand-error per base: consensus cannot remove those; duplex can.
- Reads: 2 x --read-length (mates overlap on short fragments; a read is the whole fragment when
  the fragment is shorter), MAPQ 60, proper pairs with TLEN and MC, sorted and indexed by
  samtools.

Outputs OUTDIR/plasma.bam (+ .bai), OUTDIR/params.json (arguments, counts) and, with
--random-snvs, OUTDIR/baseline.vcf. Standard library only; samtools on PATH. The same
arguments give the same reads (one seeded generator; samtools sort is deterministic).
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys

BASES = "ACGT"
COMP = str.maketrans("ACGTN", "TGCAN")
QUALS = ((37, 0.80), (32, 0.15), (25, 0.05))


def read_fai(path):
    fai = {}
    order = []
    with open(path + ".fai") as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            fai[f[0]] = (int(f[1]), int(f[2]), int(f[3]), int(f[4]))
            order.append(f[0])
    return fai, order


class Fasta:
    def __init__(self, path):
        self.path = path
        self.fai, self.order = read_fai(path)
        self.fh = open(path, "rb")

    def fetch(self, chrom, start, end):
        """0-based half-open, uppercase."""
        length, offset, bases, width = self.fai[chrom]
        start, end = max(0, start), min(length, end)
        out = []
        pos = start
        while pos < end:
            line, col = divmod(pos, bases)
            take = min(bases - col, end - pos)
            self.fh.seek(offset + line * width + col)
            out.append(self.fh.read(take).decode())
            pos += take
        return "".join(out).upper()


def info_value(info, key, default):
    for kv in info.split(";"):
        if kv.startswith(key + "="):
            return kv.split("=", 1)[1]
    return default


def read_truth(path):
    sites = []
    with open(path) as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            ref, alt = f[3], f[4]
            if len(ref) != 1 or len(alt) != 1 or f[6] not in ("PASS", "."):
                continue
            sites.append({
                "chrom": f[0], "pos": int(f[1]) - 1, "ref": ref, "alt": alt,
                "ccf": float(info_value(f[7], "CCF", "1")),
                "mult": int(info_value(f[7], "MULT", "1")),
                "tcn": int(info_value(f[7], "TCN", "2")),
            })
    return sites


def read_germline(path):
    """(chrom, pos0) -> (ref, alt, on_a, on_b) for phased SNVs."""
    out = {}
    with open(path) as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            if len(f[3]) != 1 or len(f[4]) != 1:
                continue
            gt = f[9].split(":")[0].replace("/", "|").split("|")
            if len(gt) != 2:
                continue
            out[(f[0], int(f[1]) - 1)] = (f[3], f[4], gt[0] == "1", gt[1] == "1")
    return out


def random_sites(fa, region, n, rng):
    chrom, span = region.split(":")
    lo, hi = (int(x.replace(",", "")) for x in span.split("-"))
    lo -= 1
    if hi - lo < n * 2000:
        sys.exit(f"make-cfdna: region {region} is too short for {n} sites 2 kb apart")
    step = (hi - lo) // n
    sites = []
    for i in range(n):
        for _ in range(50):
            p = lo + i * step + 500 + rng.randrange(max(1, step - 1000))
            ctx = fa.fetch(chrom, p - 300, p + 300)
            if "N" not in ctx and ctx[300] in BASES:
                ref = ctx[300]
                alt = rng.choice([b for b in BASES if b != ref])
                sites.append({"chrom": chrom, "pos": p, "ref": ref, "alt": alt,
                              "ccf": 1.0, "mult": 1, "tcn": 2})
                break
    return sites


def write_baseline_vcf(path, fa, sites):
    with open(path, "w") as out:
        out.write("##fileformat=VCFv4.2\n")
        out.write("##source=make-cfdna.py (random clonal heterozygous SNVs)\n")
        for c in fa.order:
            out.write(f"##contig=<ID={c},length={fa.fai[c][0]}>\n")
        out.write('##INFO=<ID=CCF,Number=1,Type=Float,Description="Cancer cell fraction">\n')
        out.write('##INFO=<ID=MULT,Number=1,Type=Integer,Description="Mutated copies">\n')
        out.write('##INFO=<ID=TCN,Number=1,Type=Integer,Description="Tumor copy number">\n')
        out.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for i, s in enumerate(sorted(sites, key=lambda s: (fa.order.index(s["chrom"]), s["pos"]))):
            out.write(f"{s['chrom']}\t{s['pos'] + 1}\tS{i + 1}\t{s['ref']}\t{s['alt']}\t.\tPASS\t"
                      f"CCF={s['ccf']};MULT={s['mult']};TCN={s['tcn']}\n")


def parse_spikes(specs):
    out = []
    for s in specs:
        chrom, pos, alt, vaf = s.split(":")
        out.append({"chrom": chrom, "pos": int(pos) - 1, "alt": alt.upper(), "vaf": float(vaf)})
    return out


class Sim:
    def __init__(self, a, fa, germline, rng):
        self.a, self.fa, self.germline, self.rng = a, fa, germline, rng
        self.lines = []
        self.markdup = set()
        self.counts = {"molecules": 0, "tumor_molecules": 0, "alt_molecules": 0,
                       "strand_families": 0, "read_pairs": 0}
        # quality templates: per template the qualities and the cumulative error weights
        self.templates = []
        for _ in range(256):
            qs = [self.draw_q() for _ in range(a.read_length)]
            cum, acc = [], 0.0
            for q in qs:
                acc += 10 ** (-q / 10)
                cum.append(acc)
            self.templates.append((qs, cum, "".join(chr(q + 33) for q in qs)))

    def draw_q(self):
        x = self.rng.random()
        acc = 0.0
        for q, w in QUALS:
            acc += w
            if x < acc:
                return q
        return QUALS[-1][0]

    def frag_len(self):
        r = self.rng
        for _ in range(100):
            L = r.gauss(167, 10) if r.random() < 0.85 else r.gauss(145, 15)
            if 100 <= L <= 260:
                return int(round(L))
        return 167

    def umi(self):
        return "".join(self.rng.choice(BASES) for _ in range(self.a.umi_length))

    def umi_copy(self, u):
        e = self.a.umi_error
        if e <= 0:
            return u
        out = list(u)
        for i in range(len(out)):
            if self.rng.random() < e:
                out[i] = self.rng.choice([b for b in BASES if b != out[i]])
        return "".join(out)

    def mutate(self, seq, rate):
        """Substitutes each base with probability `rate` (Poisson count, uniform positions)."""
        lam = rate * len(seq)
        k = poisson(self.rng, lam)
        if k == 0:
            return seq
        s = list(seq)
        for _ in range(k):
            i = self.rng.randrange(len(s))
            s[i] = self.rng.choice([b for b in BASES if b != s[i]])
        return "".join(s)

    def read_copy(self, bases):
        """Qualities and independent sequencing errors for one read of `bases`."""
        n = len(bases)
        qs, cum, qstr = self.templates[self.rng.randrange(len(self.templates))]
        # as many errors as the qualities say (Poisson), placed in proportion to 10^(-Q/10)
        k = poisson(self.rng, cum[n - 1])
        if k == 0:
            return bases, qstr[:n]
        s = list(bases)
        for i in self.rng.choices(range(n), cum_weights=cum[:n], k=k):
            s[i] = self.rng.choice([b for b in BASES if b != s[i]])
        return "".join(s), qstr[:n]

    def fragment(self, site, start, L, allele_alt, hap):
        chrom = site["chrom"]
        seq = list(self.fa.fetch(chrom, start, start + L))
        for p in range(start, start + L):
            g = self.germline.get((chrom, p))
            if g and (g[2] if hap == 0 else g[3]):
                seq[p - start] = g[1]
        if allele_alt is not None:
            seq[site["pos"] - start] = allele_alt
        return "".join(seq)

    def emit_family(self, chrom, start, L, frag, top, rx, size):
        a = self.a
        R = min(a.read_length, L)
        shared = self.mutate(frag, a.strand_error)
        left, right = shared[:R], shared[L - R:]
        lpos, rpos = start, start + L - R
        self.counts["strand_families"] += 1
        for c in range(size):
            name = f"m{self.counts['molecules']}{'t' if top else 'b'}c{c}"
            lseq, lq = self.read_copy(left)
            rseq, rq = self.read_copy(right)
            # top strand: read 1 forward at the left end; bottom: read 1 reverse at the right end
            r1_left = top
            dup = 0
            if a.no_umi:
                key = (chrom, lpos if r1_left else rpos + R, r1_left, L)
                if key in self.markdup:
                    dup = 0x400
                self.markdup.add(key)
            tags = f"\tMC:Z:{R}M"
            if rx is not None:
                tags += f"\tRX:Z:{self.umi_copy_pair(rx)}"
            base = 0x1 | 0x2 | dup
            lflag = base | 0x20 | (0x40 if r1_left else 0x80)
            rflag = base | 0x10 | (0x80 if r1_left else 0x40)
            self.lines.append(f"{name}\t{lflag}\t{chrom}\t{lpos + 1}\t60\t{R}M\t=\t{rpos + 1}\t{L}\t"
                              f"{lseq}\t{lq}\tRG:Z:rg1{tags}\n")
            self.lines.append(f"{name}\t{rflag}\t{chrom}\t{rpos + 1}\t60\t{R}M\t=\t{lpos + 1}\t{-L}\t"
                              f"{rseq}\t{rq}\tRG:Z:rg1{tags}\n")
            self.counts["read_pairs"] += 1

    def umi_copy_pair(self, rx):
        # one copy's UMI read: each half read with its own errors (both mates carry the same RX)
        return "-".join(self.umi_copy(x) for x in rx.split("-"))

    def family_size(self):
        m = self.a.family_mean
        if m <= 1:
            return 1
        g = self.rng.gammavariate(2.0, (m - 1) / 2.0)
        return 1 + poisson(self.rng, g)

    def molecule(self, site, spike):
        a, r = self.a, self.rng
        L = self.frag_len()
        start = site["pos"] - r.randrange(L)
        f = a.tumor_fraction
        w = f * site["tcn"]
        tumor = r.random() < w / (w + 2 * (1 - f)) if f > 0 else False
        alt = None
        if tumor:
            self.counts["tumor_molecules"] += 1
            if r.random() < site["ccf"] * site["mult"] / site["tcn"]:
                alt = site["alt"]
        if spike is not None and r.random() < spike["vaf"]:
            alt = spike["alt"]
        if alt is not None:
            self.counts["alt_molecules"] += 1
        frag = self.fragment(site, start, L, alt, r.randrange(2))
        alpha, beta = self.umi(), self.umi()
        if a.duplex:
            strands = []
            while not strands:
                strands = [s for s in (True, False) if r.random() < a.strand_recovery]
        else:
            strands = [r.random() < 0.5]
        for top in strands:
            if a.no_umi:
                rx = None
            elif a.duplex:
                rx = f"{alpha}-{beta}" if top else f"{beta}-{alpha}"
            else:
                rx = alpha
            self.emit_family(site["chrom"], start, L, frag, top, rx, self.family_size())
        self.counts["molecules"] += 1


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    L, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= L:
            return k
        k += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-r", "--reference", required=True)
    ap.add_argument("-o", "--outdir", required=True)
    ap.add_argument("--tumor-fraction", type=float, required=True)
    ap.add_argument("--truth")
    ap.add_argument("--germline")
    ap.add_argument("--random-snvs", type=int)
    ap.add_argument("--region")
    ap.add_argument("--max-sites", type=int, default=0, help="use the first N sites only")
    ap.add_argument("--spike", action="append", default=[],
                    help="CHR:POS:ALT:VAF, a new variant in plasma (its own molecules)")
    ap.add_argument("--molecules", type=int, default=1200, help="molecules per site")
    ap.add_argument("--family-mean", type=float, default=3.0)
    ap.add_argument("--read-length", type=int, default=100)
    ap.add_argument("--umi-length", type=int, default=8)
    ap.add_argument("--umi-error", type=float, default=0.005)
    ap.add_argument("--strand-error", type=float, default=2e-6)
    ap.add_argument("--duplex", action="store_true")
    ap.add_argument("--strand-recovery", type=float, default=0.7)
    ap.add_argument("--no-umi", action="store_true")
    ap.add_argument("--sample", default="PLASMA")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if not 0 <= a.tumor_fraction <= 1:
        sys.exit("make-cfdna: --tumor-fraction must be in [0, 1]")
    rng = random.Random(a.seed)
    fa = Fasta(a.reference)
    os.makedirs(a.outdir, exist_ok=True)
    if a.truth:
        sites = read_truth(a.truth)
    elif a.random_snvs and a.region:
        sites = random_sites(fa, a.region, a.random_snvs, rng)
        write_baseline_vcf(os.path.join(a.outdir, "baseline.vcf"), fa, sites)
    else:
        sys.exit("make-cfdna: give --truth, or --random-snvs with --region")
    if a.max_sites:
        sites = sites[: a.max_sites]
    germline = read_germline(a.germline) if a.germline else {}
    sim = Sim(a, fa, germline, rng)
    for s in sites:
        for _ in range(a.molecules):
            sim.molecule(s, None)
    for sp in parse_spikes(a.spike):
        ref = fa.fetch(sp["chrom"], sp["pos"], sp["pos"] + 1)
        site = {"chrom": sp["chrom"], "pos": sp["pos"], "ref": ref, "alt": sp["alt"],
                "ccf": 0.0, "mult": 1, "tcn": 2}
        for _ in range(a.molecules):
            sim.molecule(site, sp)
    header = ["@HD\tVN:1.6\tSO:unsorted\n"]
    header += [f"@SQ\tSN:{c}\tLN:{fa.fai[c][0]}\n" for c in fa.order]
    header.append(f"@RG\tID:rg1\tSM:{a.sample}\tPL:ILLUMINA\tLB:cfdna\n")
    header.append("@PG\tID:make-cfdna\tPN:make-cfdna.py\n")
    bam = os.path.join(a.outdir, "plasma.bam")
    sort = subprocess.Popen(["samtools", "sort", "--no-PG", "-l", "6", "-m", "500M", "-o", bam, "-"],
                            stdin=subprocess.PIPE, text=True)
    sort.stdin.write("".join(header))
    for chunk in range(0, len(sim.lines), 100000):
        sort.stdin.write("".join(sim.lines[chunk:chunk + 100000]))
    sort.stdin.close()
    if sort.wait() != 0:
        sys.exit("make-cfdna: samtools sort failed")
    subprocess.run(["samtools", "index", bam], check=True)
    params = {"arguments": {k: v for k, v in vars(a).items()}, "sites": len(sites), **sim.counts}
    with open(os.path.join(a.outdir, "params.json"), "w") as out:
        json.dump(params, out, indent=1, sort_keys=True)
        out.write("\n")
    print(json.dumps(sim.counts))


if __name__ == "__main__":
    main()
