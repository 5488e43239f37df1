#!/usr/bin/env python3
"""Plants a heterozygous germline SNV into an aligned tumor/normal BAM pair (our own generator,
used by scripts/make-germline-fixture.sh): every read of a fragment on the carrier haplotype
that has an aligned base at POS gets ALT there. The carrier haplotype is chosen per fragment
name (md5 parity), so both mates agree and tumor and normal carry the allele at ~50%.
MD/NM tags of edited reads are dropped (they would be stale). Standard library + samtools only.

usage: inject_germline.py IN.bam OUT.bam CONTIG POS REF ALT
"""
import hashlib
import subprocess
import sys


def main():
    bam_in, bam_out, contig, pos, ref, alt = sys.argv[1:7]
    pos = int(pos)
    sam = subprocess.run(["samtools", "view", "-h", bam_in], check=True,
                         capture_output=True, text=True).stdout.splitlines()
    out, edited = [], 0
    for line in sam:
        if line.startswith("@"):
            out.append(line)
            continue
        f = line.split("\t")
        flag, rname, start, cigar = int(f[1]), f[2], int(f[3]), f[5]
        carrier = int(hashlib.md5(f[0].encode()).hexdigest(), 16) % 2 == 0
        if rname != contig or flag & 4 or cigar == "*" or not carrier:
            out.append(line)
            continue
        # walk the CIGAR to the read offset of POS
        r, q, num, hit = start, 0, "", None
        for ch in cigar:
            if ch.isdigit():
                num += ch
                continue
            n, num = int(num), ""
            if ch in "M=X":
                if r <= pos < r + n:
                    hit = q + (pos - r)
                r, q = r + n, q + n
            elif ch in "IS":
                q += n
            elif ch in "DN":
                r += n
        if hit is None or f[9][hit] != ref:
            out.append(line)
            continue
        seq = f[9]
        f[9] = seq[:hit] + alt + seq[hit + 1:]
        f = f[:11] + [t for t in f[11:] if not t.startswith(("MD:", "NM:"))]
        out.append("\t".join(f))
        edited += 1
    subprocess.run(["samtools", "view", "-b", "-o", bam_out, "-"], check=True,
                   input="\n".join(out) + "\n", text=True)
    subprocess.run(["samtools", "index", bam_out], check=True)
    print(f"{bam_in}: {edited} reads carry {contig}:{pos} {ref}>{alt}", file=sys.stderr)


if __name__ == "__main__":
    main()
