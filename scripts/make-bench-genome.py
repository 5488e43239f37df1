#!/usr/bin/env python3
"""A deterministic ~28 Mb benchmark genome from real sequence.

Twelve contigs chr1..chr12, each a copy of the 2.33 Mb hg38 chr2 slice of ../shared/fixtures
(real base composition, repeats and microsatellites) with 0.5% seeded substitutions, so that the
copies differ. Writes FASTA + .fai. Usage: make-bench-genome.py SLICE.fa OUT.fa [N_CONTIGS]
"""
import random
import sys


def read_fasta(path):
    seq = []
    with open(path) as f:
        for line in f:
            if not line.startswith(">"):
                seq.append(line.strip().upper())
    return "".join(seq)


def main():
    src, out = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    base = read_fasta(src)
    rng = random.Random(2026)
    width = 60
    offset = 0
    fai = []
    with open(out, "w") as f:
        for k in range(1, n + 1):
            s = list(base)
            for _ in range(len(s) // 200):
                i = rng.randrange(len(s))
                if s[i] in "ACGT":
                    s[i] = rng.choice([b for b in "ACGT" if b != s[i]])
            s = "".join(s)
            name = f"chr{k}"
            header = f">{name}\n"
            f.write(header)
            offset += len(header)
            fai.append(f"{name}\t{len(s)}\t{offset}\t{width}\t{width + 1}\n")
            for i in range(0, len(s), width):
                line = s[i : i + width] + "\n"
                f.write(line)
                offset += len(line)
    with open(out + ".fai", "w") as f:
        f.writelines(fai)


if __name__ == "__main__":
    main()
