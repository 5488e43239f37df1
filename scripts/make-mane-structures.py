#!/usr/bin/env python3
"""Writes data/kb/mane_structures.tsv: the exon structure of each gene's MANE Select transcript,
relative to its start codon, for the transcript fallback of tiering (clinical::kb::structure).

Source: the LRG records (public NCBI RefSeqGene / EMBL-EBI data) of the shared fixture collection,
../shared/fixtures/annotation/lrg_xml/LRG_<n>.xml.gz: their NCBI annotation set lists the RefSeq
transcript models (exons and protein product in LRG coordinates, gene orientation) of every gene
on the locus, including the MANE Select accession of data/kb/mane_select.tsv (at the 2014-2015
version the record carries; the script refuses a gene whose MANE accession is absent).

Each exon is written as start..end relative to the first base of the start codon (c.1 = 0) in
transcript direction; cds_end is the relative position of the stop codon's last base.

Usage: scripts/make-mane-structures.py [LRG_DIR] > data/kb/mane_structures.tsv
"""
import gzip
import os
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LRG_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "fixtures", "annotation", "lrg_xml")


def mane():
    out = {}
    for line in open(os.path.join(ROOT, "data", "kb", "mane_select.tsv")):
        if line.startswith("#") or line.startswith("gene\t"):
            continue
        f = line.rstrip("\n").split("\t")
        out[f[1].split(".")[0]] = (f[0], f[1])
    return out


def coords(el, system):
    for c in el.findall("coordinates"):
        if c.get("coord_system") == system:
            return int(c.get("start")), int(c.get("end"))
    return None


def main():
    accessions = mane()
    rows = []
    for name in sorted(os.listdir(LRG_DIR)):
        if not name.endswith(".xml.gz"):
            continue
        lrg = name[: -len(".xml.gz")]
        root = ET.fromstring(gzip.open(os.path.join(LRG_DIR, name)).read())
        for aset in root.iter("annotation_set"):
            if aset.get("type") != "ncbi":
                continue
            for tx in aset.iter("transcript"):
                acc = tx.get("accession") or ""
                if tx.get("source") != "RefSeq" or acc.split(".")[0] not in accessions:
                    continue
                gene, mane_acc = accessions[acc.split(".")[0]]
                exons = [coords(e, lrg) for e in tx.findall("exon")]
                prot = tx.find("protein_product")
                cds = coords(prot, lrg) if prot is not None else None
                if not exons or None in exons or cds is None:
                    continue
                exons.sort()
                atg = cds[0]
                rel = ",".join(f"{s - atg}..{e - atg}" for s, e in exons)
                rows.append((gene, mane_acc, acc, lrg, len(exons), rel, cds[1] - atg))
    print("# file: mane_structures.tsv")
    print("# version: 2026.12.1")
    print("# date: 2026-12-01")
    print("# licence: public reference data (NCBI RefSeq transcript models as carried by the LRG records; no restriction on reuse)")
    print("# made by scripts/make-mane-structures.py from the LRG records of the shared fixture collection (LRG XML, 2015 snapshot)")
    print("# exons: start..end of each exon relative to the first base of the start codon (0), transcript direction; cds_end: the stop codon's last base")
    print("gene\tmane\tmodel\tsource\texons\tcds_end")
    seen = set()
    for gene, mane_acc, acc, lrg, n, rel, cds_end in sorted(rows):
        if gene in seen:
            continue
        seen.add(gene)
        print(f"{gene}\t{mane_acc}\t{acc}\t{lrg}\t{rel}\t{cds_end}")


main()
