#!/usr/bin/env python3
"""A held-out tumor/normal pair made by another simulator and aligner than ../shared/sim:
haplotype sequences with germline and somatic variants and structural events, reads from
`wgsim` (samtools' read simulator; uniform substitution errors, base qualities set to Q30),
aligned with `bwa mem` and sorted with samtools. Nothing about the alignment is designed: split
reads, soft clips, MAPQ and discordant pairs are whatever bwa makes of the reads.

usage: heldout_pair.py --ref FA --region chr2:S-E --out DIR [--purity P] [--seed N]
       [--tumor-depth X] [--normal-depth X] [--snvs N] [--indels N] [--germline-rate F]
       [--event TYPE:S-E ...] [--no-normal]

Events (1-based inclusive reference coordinates, on haplotype A of the tumor cells):
  del:S-E     one-copy deletion of S..E (junction S-1 + / E+1 -)
  homdel:S-E  both copies deleted (the same junction on both haplotypes)
  dup:S-E     tandem duplication of S..E on one copy (junction E + / S -)
  inv:S-E     inversion of S..E on one copy (junctions S-1 + / E + and S - / E+1 -)
  loh:S-E     copy-neutral loss of heterozygosity (haplotype B replaced by A; no junction)
  amp:S-E:K   K extra tandem copies of S..E on one copy (one duplication junction)
Writes tumor.bam, normal.bam (+ .bai), truth.vcf (somatic, INFO VAF as ../shared/sim),
germline.vcf, germline_resource.vcf.gz (every 10th germline variant left out, AF=0.25),
sv_truth.tsv (junctions with the leftmost placement along their homology and its length),
cnv_truth.bed (0-based; copy number, major, minor) and params.json.
Needs python3, wgsim, bwa, samtools, bgzip and tabix.
"""
import argparse, gzip, json, os, random, subprocess, sys

COMP = str.maketrans('ACGTN', 'TGCAN')


def revcomp(s):
    return s.translate(COMP)[::-1]


def read_region(ref, chrom, start, end):
    out = subprocess.run(['samtools', 'faidx', ref, f'{chrom}:{start}-{end}'],
                         check=True, capture_output=True, text=True).stdout
    return ''.join(out.split('\n')[1:]).upper()


def parse_event(s):
    kind, rest = s.split(':', 1)
    parts = rest.split(':')
    a, b = parts[0].split('-')
    extra = int(parts[1]) if len(parts) > 1 else None
    return dict(kind=kind, start=int(a), end=int(b), k=extra)


class Genome:
    """Reference of the region with per-base replacement tokens (small variants)."""

    def __init__(self, seq, offset):
        self.seq = seq
        self.offset = offset  # 1-based position of seq[0]

    def tokens(self, variants):
        tok = list(self.seq)
        for pos, ref, alt in variants:
            i = pos - self.offset
            for k in range(len(ref)):
                tok[i + k] = ''
            tok[i] = alt
        return tok


def materialise(tok, pieces, offset):
    """Pieces are (start, end, strand) in 1-based inclusive reference coordinates."""
    out = []
    for s, e, strand in pieces:
        part = ''.join(tok[s - offset:e - offset + 1])
        out.append(part if strand == '+' else revcomp(part))
    return ''.join(out)


def base(seq, offset, pos):
    return seq[pos - offset]


def homology(seq, off, a, oa, b, ob):
    """Shifts a junction (a, oa) / (b, ob) along its homology: returns the placement with the
    smallest a and the number of equivalent placements minus one (the homology length)."""
    def lo(a, b):
        # one base left in a: the condition and the new b (see sv.rs `shift_left`)
        try:
            if (oa, ob) == ('+', '-'):
                return base(seq, off, a) == base(seq, off, b - 1), b - 1
            if (oa, ob) == ('-', '+'):
                return base(seq, off, a - 1) == base(seq, off, b), b - 1
            if (oa, ob) == ('+', '+'):
                return base(seq, off, a) == base(seq, off, b + 1).translate(COMP), b + 1
            return base(seq, off, a - 1) == base(seq, off, b).translate(COMP), b + 1
        except IndexError:
            return False, b

    def hi(a, b):
        if (oa, ob) == ('+', '-'):
            return base(seq, off, a + 1) == base(seq, off, b), b + 1
        if (oa, ob) == ('-', '+'):
            return base(seq, off, a) == base(seq, off, b + 1), b + 1
        if (oa, ob) == ('+', '+'):
            return base(seq, off, a + 1) == base(seq, off, b).translate(COMP), b - 1
        return base(seq, off, a) == base(seq, off, b - 1).translate(COMP), b - 1

    while True:
        ok, nb = lo(a, b)
        if not ok or abs(nb - a) < 2:
            break
        a, b = a - 1, nb
    h = 0
    x, y = a, b
    while h < 500:
        ok, ny = hi(x, y)
        if not ok:
            break
        x, y, h = x + 1, ny, h + 1
    return a, b, h


def apply_events(events, start, end):
    """Per tumor haplotype, the pieces; the junctions; the copy-number segments."""
    hap = {'A': [(start, end, '+')], 'B': [(start, end, '+')]}
    junctions, segs = [], []
    loh = []
    for ev in sorted(events, key=lambda e: e['start']):
        s, e, k = ev['start'], ev['end'], ev['kind']
        def cut(pieces, fn):
            out = []
            for ps, pe, st in pieces:
                if pe < s or ps > e:
                    out.append((ps, pe, st))
                    continue
                if ps < s:
                    out.append((ps, s - 1, st))
                out.extend(fn(max(ps, s), min(pe, e)))
                if pe > e:
                    out.append((e + 1, pe, st))
            return out
        if k in ('del', 'homdel'):
            for h in (['A', 'B'] if k == 'homdel' else ['A']):
                hap[h] = cut(hap[h], lambda a, b: [])
            junctions.append(('DEL', s - 1, '+', e + 1, '-'))
            segs.append((s - 1, e, 0 if k == 'homdel' else 1, 1 if k == 'del' else 0, 0))
        elif k in ('dup', 'amp'):
            n = 1 if k == 'dup' else ev['k']
            hap['A'] = cut(hap['A'], lambda a, b: [(a, b, '+')] * (n + 1))
            junctions.append(('DUP', s, '-', e, '+'))
            segs.append((s - 1, e, 2 + n, 1 + n, 1))
        elif k == 'inv':
            hap['A'] = cut(hap['A'], lambda a, b: [(a, b, '-')])
            junctions.append(('INV', s - 1, '+', e, '+'))
            junctions.append(('INV', s, '-', e + 1, '-'))
        elif k == 'loh':
            loh.append((s, e))
            segs.append((s - 1, e, 2, 2, 0))
        else:
            sys.exit(f'unknown event {k}')
    return hap, junctions, segs, loh


def place_small(rng, seq, off, n, blocked, indel_share, rate_pos=None):
    """Random SNVs/indels (left-normalised deletions of 1-6 bp, insertions of 1-6 bp) away from
    blocked intervals and each other."""
    out, used = [], set()
    tries = 0
    while len(out) < n and tries < n * 50:
        tries += 1
        pos = rng.randint(off + 50, off + len(seq) - 60)
        if any(a - 600 <= pos <= b + 600 for a, b in blocked) or any(abs(pos - u) < 20 for u in used):
            continue
        r = base(seq, off, pos)
        if r not in 'ACGT':
            continue
        if rng.random() < indel_share:
            L = rng.randint(1, 6)
            if rng.random() < 0.5:
                ref = seq[pos - off:pos - off + L + 1]
                if 'N' in ref:
                    continue
                alt = ref[0]
            else:
                ins = ''.join(rng.choice('ACGT') for _ in range(L))
                ref, alt = r, r + ins
        else:
            ref, alt = r, rng.choice([b for b in 'ACGT' if b != r])
        if any(abs(pos - u) < 20 for u in used):
            continue
        used.add(pos)
        out.append((pos, ref, alt))
    return sorted(out)


def left_normalise(seq, off, v):
    """The leftmost representation of an indel (as the VCF rule and the callers write it)."""
    pos, ref, alt = v
    if len(ref) == len(alt):
        return v
    while pos - 1 - off >= 0:
        if len(ref) > len(alt) and seq[pos - off] == ref[-1]:
            pos -= 1
            ref = seq[pos - off] + ref[:-1]
            alt = ref[0]
        elif len(alt) > len(ref) and seq[pos - off] == alt[-1]:
            pos -= 1
            alt = seq[pos - off] + alt[:-1]
            ref = alt[0]
        else:
            break
    return (pos, ref, alt)


def write_truth(out, chrom, seq, start, som, som_info, germ, germ_gt, p):
    hdr = '##fileformat=VCFv4.2\n##INFO=<ID=VAF,Number=1,Type=Float,Description="expected tumor alt fraction">\n'
    with open(os.path.join(out, 'truth.vcf'), 'w') as f:
        f.write(hdr + '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n')
        for i, v in enumerate(som):
            vaf = p * som_info[v][1] / 2
            n = left_normalise(seq, start, v)
            f.write(f'{chrom}\t{n[0]}\tSOM{i}\t{n[1]}\t{n[2]}\t.\tPASS\tVAF={vaf:.4f}\n')
    with open(os.path.join(out, 'germline.vcf'), 'w') as f:
        f.write('##fileformat=VCFv4.2\n##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        f.write('#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\n')
        for v in germ:
            n = left_normalise(seq, start, v)
            f.write(f'{chrom}\t{n[0]}\t.\t{n[1]}\t{n[2]}\t.\tPASS\t.\tGT\t{germ_gt[v]}\n')
    res = os.path.join(out, 'germline_resource.vcf')
    with open(res, 'w') as f:
        f.write('##fileformat=VCFv4.2\n##INFO=<ID=AF,Number=A,Type=Float,Description="synthetic population AF">\n')
        f.write('#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n')
        rows = []
        for i, v in enumerate(germ):
            if (i + 1) % 10:
                rows.append(left_normalise(seq, start, v))
        for n in sorted(rows):
            f.write(f'{chrom}\t{n[0]}\t.\t{n[1]}\t{n[2]}\t.\tPASS\tAF=0.25\n')
    subprocess.run(['bgzip', '-f', res], check=True)
    subprocess.run(['tabix', '-f', '-p', 'vcf', res + '.gz'], check=True)


def wgsim(fa_seq, name, pairs, seed, tmp, prefix):
    if pairs <= 0:
        return []
    fa = os.path.join(tmp, f'{prefix}.fa')
    with open(fa, 'w') as f:
        f.write(f'>{name}\n')
        for i in range(0, len(fa_seq), 80):
            f.write(fa_seq[i:i + 80] + '\n')
    r1, r2 = os.path.join(tmp, f'{prefix}_1.fq'), os.path.join(tmp, f'{prefix}_2.fq')
    subprocess.run(['wgsim', '-e', '0.002', '-d', '350', '-s', '60', '-N', str(pairs), '-1', '150',
                    '-2', '150', '-r', '0', '-R', '0', '-X', '0', '-A', '1', '-S', str(seed),
                    fa, r1, r2], check=True, capture_output=True)
    return [(r1, r2, prefix)]


def write_fastq(parts, out1, out2):
    with open(out1, 'w') as o1, open(out2, 'w') as o2:
        for r1, r2, prefix in parts:
            for src, dst in ((r1, o1), (r2, o2)):
                with open(src) as f:
                    for i, line in enumerate(f):
                        m = i % 4
                        if m == 0:
                            dst.write('@' + prefix + '_' + line[1:])
                        elif m == 3:
                            dst.write('?' * (len(line) - 1) + '\n')
                        else:
                            dst.write(line)


def align(ref, r1, r2, sample, rg, out, threads):
    bwa = subprocess.Popen(['bwa', 'mem', '-t', str(threads), '-R', f'@RG\\tID:{rg}\\tSM:{sample}',
                            ref, r1, r2], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    subprocess.run(['samtools', 'sort', '-@', str(threads), '-o', out, '-'], stdin=bwa.stdout,
                   check=True, stderr=subprocess.DEVNULL)
    if bwa.wait() != 0:
        sys.exit('bwa mem failed')
    subprocess.run(['samtools', 'index', out], check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--ref', required=True)
    ap.add_argument('--region', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--purity', type=float, default=0.7)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--tumor-depth', type=float, default=60)
    ap.add_argument('--normal-depth', type=float, default=30)
    ap.add_argument('--snvs', type=int, default=0)
    ap.add_argument('--indels', type=int, default=0)
    ap.add_argument('--germline-rate', type=float, default=0.001)
    ap.add_argument('--event', action='append', default=[])
    ap.add_argument('--no-normal', action='store_true')
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    chrom, rest = a.region.split(':')
    start, end = (int(x) for x in rest.replace(',', '').split('-'))
    os.makedirs(a.out, exist_ok=True)
    tmp = os.path.join(a.out, 'tmp')
    os.makedirs(tmp, exist_ok=True)
    ref_dir = os.path.join(a.out, 'bwa')
    os.makedirs(ref_dir, exist_ok=True)
    bref = os.path.join(ref_dir, 'ref.fa')
    if not os.path.exists(bref + '.bwt'):
        subprocess.run(['cp', a.ref, bref], check=True)
        subprocess.run(['bwa', 'index', bref], check=True, capture_output=True)
    seq = read_region(a.ref, chrom, start, end)
    g = Genome(seq, start)
    events = [parse_event(e) for e in a.event]
    hap, junctions, segs, loh = apply_events(events, start, end)
    blocked = [(e['start'], e['end']) if e['kind'] not in ('del', 'homdel', 'loh') else (e['start'], e['start'])
               for e in events]
    blocked += [(e['end'], e['end']) for e in events]
    # germline variants: 62% heterozygous (A or B), the rest homozygous; 12% indels
    n_germ = int(len(seq) * a.germline_rate)
    germ = place_small(rng, seq, start, n_germ, blocked, 0.12)
    germ_gt = {v: (rng.choice(['1|0', '0|1']) if rng.random() < 0.62 else '1|1') for v in germ}
    # somatic: clonal (60%) or subclonal at CCF 0.5, on tumor haplotype A or B, away from events
    # and from the germline variants
    som_block = blocked + [(p, p) for p, _, _ in germ]
    som = place_small(rng, seq, start, a.snvs + a.indels, [(x - 0, y) for x, y in som_block],
                      a.indels / max(1, a.snvs + a.indels))
    som_info = {v: (rng.choice('AB'), 1.0 if rng.random() < 0.6 else 0.5) for v in som}
    def hv(h, extra):
        vs = [v for v in germ if germ_gt[v][0 if h == 'A' else 2] == '1']
        return sorted(set(vs) | set(extra))
    normal_tok = {h: g.tokens(hv(h, [])) for h in 'AB'}
    p = a.purity
    ev_segments = {'A': hap['A'], 'B': hap['B']}
    tumor_haps = []  # (sequence, weight)
    for clone, share in (('trunk', 0.5), ('sub', 0.5)):
        for h in 'AB':
            src = 'A' if (h == 'B' and any(True for _ in loh)) else h
            extra = [v for v in som if som_info[v][0] == h and (som_info[v][1] == 1.0 or clone == 'sub')]
            tok = g.tokens(hv(h, extra))
            if h == 'B' and loh:
                ta = g.tokens(hv('A', [v for v in som if som_info[v][0] == 'A' and (som_info[v][1] == 1.0 or clone == 'sub')]))
                for s_, e_ in loh:
                    for i in range(s_ - start, e_ - start + 1):
                        tok[i] = ta[i]
            tumor_haps.append((materialise(tok, ev_segments[h], start), p * share))
    normal_haps = [(materialise(normal_tok[h], [(start, end, '+')], start), 1.0) for h in 'AB']
    # reads: depth D per diploid genome means D/2 per haplotype copy
    def reads(haps_weights, depth, sample, seed):
        parts = []
        for i, (s, w) in enumerate(haps_weights):
            pairs = int(round(depth / 2 * w * len(s) / 300))
            parts += wgsim(s, f'{sample}{i}', pairs, seed * 100 + i, tmp, f'{sample}{i}')
        return parts
    t_parts = reads(tumor_haps + [(s, (1 - p)) for s, _ in normal_haps], a.tumor_depth, 't', a.seed)
    write_fastq(t_parts, os.path.join(tmp, 't1.fq'), os.path.join(tmp, 't2.fq'))
    align(bref, os.path.join(tmp, 't1.fq'), os.path.join(tmp, 't2.fq'), 'TUMOR', 'tumor',
          os.path.join(a.out, 'tumor.bam'), a.threads)
    if not a.no_normal:
        n_parts = reads(normal_haps, a.normal_depth, 'n', a.seed + 7)
        write_fastq(n_parts, os.path.join(tmp, 'n1.fq'), os.path.join(tmp, 'n2.fq'))
        align(bref, os.path.join(tmp, 'n1.fq'), os.path.join(tmp, 'n2.fq'), 'NORMAL', 'normal',
              os.path.join(a.out, 'normal.bam'), a.threads)
    subprocess.run(['rm', '-rf', tmp], check=True)
    write_truth(a.out, chrom, seq, start, som, som_info, germ, germ_gt, p)
    json.dump(dict(som=som, som_info={f'{k[0]}:{k[1]}>{k[2]}': v for k, v in som_info.items()}, germ=germ, gt=[germ_gt[v] for v in germ]), open(os.path.join(a.out, 'variants.json'), 'w'))
    with open(os.path.join(a.out, 'sv_truth.tsv'), 'w') as f:
        f.write('type\tchrom\tpos1\tori1\tpos2\tori2\thomlen\n')
        for t, p1, o1, p2, o2 in junctions:
            q1, q2, h = homology(seq, start, p1, o1, p2, o2)
            f.write(f'{t}\t{chrom}\t{q1}\t{o1}\t{q2}\t{o2}\t{h}\n')
    with open(os.path.join(a.out, 'cnv_truth.bed'), 'w') as f:
        f.write('#chrom\tstart\tend\tcopy_number\tmajor_cn\tminor_cn\n')
        for s_, e_, cn, ma, mi in sorted(segs):
            f.write(f'{chrom}\t{s_}\t{e_}\t{cn}\t{ma}\t{mi}\n')
    json.dump(dict(args=vars(a), junctions=len(junctions), germline=len(germ), somatic=len(som)),
              open(os.path.join(a.out, 'params.json'), 'w'), indent=1)


if __name__ == '__main__':
    main()
