#!/usr/bin/env python3
"""Checks a VCF the way htslib/pysam and GATK ValidateVariants read it.

usage: check_vcf.py CALLS.vcf.gz REFERENCE.fa

Needs pysam (reads through htslib). Fails (exit 1, one line per problem) unless:
- the header parses and declares every INFO, FORMAT and FILTER key a record uses (htslib would
  otherwise invent a String definition; ValidateVariants refuses the key);
- every value has the cardinality its Number declares (A: one per ALT, R: one per allele,
  a fixed count) and parses as its Type (pysam casts while reading);
- every record's contig is declared with a length, 1 <= POS <= length, and records are sorted;
- REF equals the reference at POS (ValidateVariants' REF check);
- the tabix index (bgzipped input) answers a region query with the same records.
Prints the number of records checked.
"""
import sys

import pysam


def main():
    vcf_path, ref_path = sys.argv[1], sys.argv[2]
    problems = []
    fasta = pysam.FastaFile(ref_path)
    vf = pysam.VariantFile(vcf_path)
    h = vf.header
    info_defs = {k: h.info[k] for k in h.info}
    fmt_defs = {k: h.formats[k] for k in h.formats}
    filters = set(h.filters)
    contigs = {k: h.contigs[k].length for k in h.contigs}

    def count_ok(number, n_values, n_alts):
        if number == "A":
            return n_values == n_alts
        if number == "R":
            return n_values == n_alts + 1
        if number == "G":
            return True
        if number == "." or number is None:
            return True
        return n_values == int(number)

    last = None
    n = 0
    for rec in vf:
        n += 1
        where = f"{rec.chrom}:{rec.pos}"
        if rec.chrom not in contigs or contigs[rec.chrom] is None:
            problems.append(f"{where}: contig not declared with a length")
        elif not 1 <= rec.pos <= contigs[rec.chrom]:
            problems.append(f"{where}: POS outside the contig")
        key = (list(contigs).index(rec.chrom) if rec.chrom in contigs else -1, rec.pos)
        if last is not None and key < last:
            problems.append(f"{where}: records not sorted")
        last = key
        ref = fasta.fetch(rec.chrom, rec.pos - 1, rec.pos - 1 + len(rec.ref)).upper()
        if ref != rec.ref.upper():
            problems.append(f"{where}: REF {rec.ref} but the reference has {ref}")
        for f in rec.filter:
            if f not in filters:
                problems.append(f"{where}: FILTER {f} not declared")
        n_alts = len(rec.alts or ())
        for k in rec.info:
            if k not in info_defs:
                problems.append(f"{where}: INFO {k} not declared")
                continue
            d = info_defs[k]
            v = rec.info[k]
            if d.type == "Flag":
                continue
            values = v if isinstance(v, tuple) else (v,)
            if not count_ok(d.number, len(values), n_alts):
                problems.append(f"{where}: INFO {k} has {len(values)} values, Number={d.number}")
        for s in rec.samples:
            smp = rec.samples[s]
            for k in smp:
                if k not in fmt_defs:
                    problems.append(f"{where}: FORMAT {k} not declared")
                    continue
                if k == "GT":
                    continue
                d = fmt_defs[k]
                v = smp[k]
                values = v if isinstance(v, tuple) else (v,)
                if not count_ok(d.number, len(values), n_alts):
                    problems.append(
                        f"{where}: FORMAT {k} of {s} has {len(values)} values, Number={d.number}"
                    )
    if n and vcf_path.endswith(".gz"):
        first = next(pysam.VariantFile(vcf_path).fetch())
        again = list(pysam.VariantFile(vcf_path).fetch(first.chrom, first.pos - 1, first.pos))
        if not any(r.pos == first.pos and r.ref == first.ref for r in again):
            problems.append("tabix index: the first record is not found by a region query")
    for p in problems[:50]:
        print(p)
    if problems:
        sys.exit(1)
    print(f"{n} records checked")


if __name__ == "__main__":
    main()
