#!/usr/bin/env python3
"""A germline resource at gnomAD density for a simulated pair, to benchmark resource lookups.

One record every ~10 bp of each contig of the FASTA index (gnomAD af-only over GRCh38 has
~270 M records for 3.1 Gb), about 1 in 8 multi-allelic, INFO AF Number=A; plus every variant of
the simulator's germline truth (so they are filtered as germline). Writes plain VCF text to
stdout; bench-wgs.sh bgzips and tabix-indexes it. REF is the reference base (read from REF.fa,
next to its index): `run` refuses a resource whose REF disagrees with the reference (a resource
of another genome build), so random REFs would be refused, not benchmarked.
Usage: make-bench-resource.py REF.fa.fai GERMLINE.vcf > resource.vcf
"""
import random
import sys


def sequences(fasta):
    """Uppercase sequence per contig name."""
    seqs, name, parts = {}, None, []
    for line in open(fasta):
        if line.startswith(">"):
            if name is not None:
                seqs[name] = "".join(parts).upper()
            name, parts = line[1:].split()[0], []
        else:
            parts.append(line.strip())
    if name is not None:
        seqs[name] = "".join(parts).upper()
    return seqs


def main():
    fai, germline = sys.argv[1], sys.argv[2]
    seqs = sequences(fai[: -len(".fai")])
    rng = random.Random(7)
    contigs = [line.split("\t")[:2] for line in open(fai)]
    truth = {}
    for line in open(germline):
        if line.startswith("#"):
            continue
        f = line.split("\t")
        truth[(f[0], int(f[1]))] = (f[3], f[4])
    out = sys.stdout
    out.write("##fileformat=VCFv4.2\n")
    for name, length in contigs:
        out.write(f"##contig=<ID={name},length={length}>\n")
    out.write('##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">\n')
    out.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    bases = "ACGT"
    for name, length in contigs:
        length = int(length)
        pos = rng.randint(1, 20)
        keys = sorted(k[1] for k in truth if k[0] == name)
        ti = 0
        while pos < length:
            while ti < len(keys) and keys[ti] <= pos:
                p = keys[ti]
                ref, alt = truth[(name, p)]
                out.write(f"{name}\t{p}\t.\t{ref}\t{alt}\t.\tPASS\tAF=0.25\n")
                ti += 1
            ref = seqs[name][pos - 1]
            if ref not in bases:
                pos += rng.randint(1, 19)
                continue
            alts = [b for b in bases if b != ref]
            n = 2 if rng.random() < 0.125 else 1
            alt = ",".join(rng.sample(alts, n))
            af = ",".join(f"{rng.random() ** 3:.6f}" for _ in range(n))
            out.write(f"{name}\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\tAF={af}\n")
            pos += rng.randint(1, 19)


if __name__ == "__main__":
    main()
