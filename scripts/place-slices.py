#!/usr/bin/env python3
"""Writes a FASTA whose contigs are whole GRCh38 chromosomes at their true lengths, every base N
except the gene loci of the annotation fixture's slices, which are copied to their GRCh38
coordinates (each slice is named GENE__LRG_n__chrC_START_END, 1-based inclusive).

Reads aligned to such a reference carry real chromosome names and positions, so the GRCh38 models
shipped in the binary apply and cBioPortal/IGV see real coordinates (fixtures/sim_placed).

usage: place-slices.py SLICES.fa OUT.fa CHROM [CHROM ...]
"""
import sys

# GRCh38 primary assembly lengths (GCA_000001405.15) of the chromosomes the slices lie on.
GRCH38 = {
    "chr1": 248956422, "chr2": 242193529, "chr3": 198295559, "chr7": 159345973,
    "chr10": 133797422, "chr12": 133275309, "chr13": 114364328, "chr15": 101991189,
    "chr17": 83257441,
}


def slices(path):
    name, parts = None, []
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith(">"):
            if name:
                yield name, "".join(parts)
            name, parts = line[1:].split()[0], []
        else:
            parts.append(line)
    if name:
        yield name, "".join(parts)


def main():
    src, out, chroms = sys.argv[1], sys.argv[2], sys.argv[3:]
    if not chroms or any(c not in GRCH38 for c in chroms):
        sys.exit(f"usage: place-slices.py SLICES.fa OUT.fa CHROM... (one of {sorted(GRCH38)})")
    seqs = {c: bytearray(b"N" * GRCH38[c]) for c in chroms}
    for name, seq in slices(src):
        chrom, start, end = name.split("__")[2].rsplit("_", 2)
        start, end = int(start), int(end)
        if len(seq) != end - start + 1:
            sys.exit(f"{name}: {len(seq)} bases, the name says {end - start + 1}")
        if chrom in seqs:
            seqs[chrom][start - 1:end] = seq.upper().encode()
            print(f"place-slices: {name} -> {chrom}:{start}-{end}", file=sys.stderr)
    with open(out, "wb") as f:
        for c in chroms:
            s = seqs[c]
            f.write(b">" + c.encode() + b"\n")
            for i in range(0, len(s), 60):
                f.write(s[i:i + 60] + b"\n")


if __name__ == "__main__":
    main()
