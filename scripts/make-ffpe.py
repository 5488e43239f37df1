#!/usr/bin/env python3
"""Adds formalin (FFPE) deamination damage to a BAM, strand of origin preserved.

usage: make-ffpe.py IN.bam OUT.bam [--rate 0.01] [--oxog-rate 0] [--seed 1]

Model (the chemistry, not the caller's filter): formalin deaminates cytosine to uracil on one
strand of the original molecule; the polymerase copies U as T, so the damage is seen as C>T on
the strand it hit. In a standard paired-end library read 1 starts on one original strand, so a
C deaminated on the strand read by read 1 shows as C>T in reads of F1R2 pairs (read 1 forward)
and, when the hit strand is the reverse one, as G>A in F2R1 pairs. Every cytosine of that strand
of every fragment is hit independently with probability --rate, and both mates of the pair show
the same change (they copy the same molecule). --oxog-rate does the same for 8-oxoguanine
(G>T in F1R2, C>A in F2R1). Decisions are a hash of (template name, position, seed), so the two
mates agree without holding pairs in memory and the output does not depend on record order.
Unpaired reads count as F1R2 when forward. Base qualities are kept (damage is not a sequencing
error). Needs samtools on PATH; writes OUT.bam and its index, and prints the number of bases
changed.
"""
import argparse
import re
import subprocess
import sys
import zlib

CIGAR = re.compile(r"(\d+)([MIDNSHP=X])")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--rate", type=float, default=0.01)
    ap.add_argument("--oxog-rate", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    scale = 2**32
    deam = int(a.rate * scale)
    oxog = int(a.oxog_rate * scale)
    src = subprocess.Popen(["samtools", "view", "-h", a.inp], stdout=subprocess.PIPE, text=True)
    dst = subprocess.Popen(["samtools", "view", "-b", "-o", a.out, "-"], stdin=subprocess.PIPE, text=True)
    changed = {"C>T": 0, "G>A": 0, "G>T": 0, "C>A": 0}
    seed = str(a.seed)
    for line in src.stdout:
        if line[0] == "@":
            dst.stdin.write(line)
            continue
        f = line.split("\t", 11)
        flag = int(f[1])
        if flag & 4 or f[9] == "*":
            dst.stdin.write(line)
            continue
        reverse = bool(flag & 16)
        second = bool(flag & 128) and bool(flag & 1)
        f1r2 = reverse == second  # read 1 forward or read 2 reverse
        # the strand read by read 1 is the top strand in F1R2 pairs: C>T / G>T there;
        # otherwise the bottom strand, seen on the top as G>A / C>A
        deam_from, deam_to = ("C", "T") if f1r2 else ("G", "A")
        ox_from, ox_to = ("G", "T") if f1r2 else ("C", "A")
        name = f[0]
        read = f[9]
        seq = list(read)
        ref = int(f[3])
        q = 0
        for n, op in CIGAR.findall(f[5]):
            n = int(n)
            if op in "M=X":
                for base, to, rate, tag in ((deam_from, deam_to, deam, "d"), (ox_from, ox_to, oxog, "o")):
                    if not rate:
                        continue
                    i = read.find(base, q, q + n)
                    while i >= 0:
                        pos = ref + (i - q)
                        if zlib.crc32(f"{name}:{pos}:{seed}:{tag}".encode()) < rate:
                            seq[i] = to
                            changed[f"{base}>{to}"] += 1
                        i = read.find(base, i + 1, q + n)
                q += n
                ref += n
            elif op in "IS":
                q += n
            elif op in "DN":
                ref += n
        f[9] = "".join(seq)
        dst.stdin.write("\t".join(f))
    dst.stdin.close()
    if src.wait() or dst.wait():
        sys.exit("samtools failed")
    subprocess.run(["samtools", "index", a.out], check=True)
    print("\t".join(f"{k}={v}" for k, v in changed.items()))


if __name__ == "__main__":
    main()
