#!/usr/bin/env python3
"""Checks data/transcripts/mane_select_grch38.gff3.gz against independent truth.

1. Known codon positions (GRCh38, from CIViC / ClinVar HGVS): BRAF c.1799 = chr7:140753336,
   EGFR c.2573 = chr7:55191822, KRAS c.35 = chr12:25245350, and the other fixed points below.
2. For the 14 genes of ../shared/fixtures/annotation (real GRCh38 sequence of the locus, from
   LRG records): the MANE CDS read from that sequence starts with ATG, ends with a stop, has no
   internal stop; its CDS segments are compared with the LRG RefSeq transcript of the fixture,
   and its exons with the fixture's older RefSeq and Ensembl 77 versions of the same transcript
   (same exon count, every splice site equal; only transcript ends may move between versions).
3. Every CIViC SNV of those genes whose representative transcript is the MANE one (same
   unversioned RefSeq or Ensembl accession): the c. position, the reference base and the
   protein residue computed from the MANE model and the real sequence equal CIViC's HGVS.

Standard library only; reads ../shared (a comparison script, not a test).

usage: check_mane_models.py [--gff data/transcripts/mane_select_grch38.gff3.gz]
       [--fixtures ../shared/fixtures/annotation]
"""

import argparse
import collections
import gzip
import re
import sys

# (gene, c. position, chromosome, GRCh38 position, source of the fact)
FIXED_POINTS = [
    ("BRAF", 1799, "chr7", 140753336, "BRAF V600E c.1799T>A, CIViC VID12"),
    ("EGFR", 2573, "chr7", 55191822, "EGFR L858R c.2573T>G, CIViC VID33"),
    ("KRAS", 35, "chr12", 25245350, "KRAS G12D c.35G>A, dbSNP rs121913529"),
    ("KRAS", 34, "chr12", 25245351, "KRAS G12C c.34G>T, dbSNP rs121913530"),
    ("PIK3CA", 3140, "chr3", 179234297, "PIK3CA H1047R c.3140A>G, CIViC VID107"),
    ("PIK3CA", 1633, "chr3", 179218303, "PIK3CA E545K c.1633G>A, CIViC VID104"),
    ("IDH1", 395, "chr2", 208248388, "IDH1 R132H c.395G>A, CIViC VID420"),
    ("NRAS", 182, "chr1", 114713908, "NRAS Q61L c.182A>T, CIViC VID95"),
    ("TP53", 524, "chr17", 7675088, "TP53 R175H c.524G>A, CIViC VID116"),
]
CODON = {a + b + c: aa for (a, b, c), aa in zip(
    [(x, y, z) for x in "TCAG" for y in "TCAG" for z in "TCAG"],
    "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG")}
AA3 = dict(A="Ala", R="Arg", N="Asn", D="Asp", C="Cys", Q="Gln", E="Glu", G="Gly", H="His",
           I="Ile", L="Leu", K="Lys", M="Met", F="Phe", P="Pro", S="Ser", T="Thr", W="Trp",
           Y="Tyr", V="Val")
COMP = str.maketrans("ACGTN", "TGCAN")


def read_models(path):
    """Transcripts of a GFF3 the way src/io/gff.rs groups them: id -> dict."""
    genes, txs = {}, {}
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        for line in f:
            if line.startswith("#"):
                continue
            c = line.rstrip("\n").split("\t")
            a = dict(kv.split("=", 1) for kv in c[8].split(";"))
            if c[2] == "gene":
                genes[a["ID"]] = a["Name"]
            elif c[2] == "mRNA":
                txs[a["ID"]] = dict(id=a["transcript_id"], ens=a["ensembl_transcript_id"],
                                    gene=genes[a["Parent"]], chrom=c[0], strand=c[6],
                                    exons=[], cds=[], tag=a.get("tag", ""))
            elif c[2] in ("exon", "CDS"):
                txs[a["Parent"]]["exons" if c[2] == "exon" else "cds"].append(
                    (int(c[3]), int(c[4])))
    return {t["gene"]: t for t in txs.values()}


def c_pos(t, pos):
    """The c. number of a genomic position inside the CDS, else None."""
    segs = sorted(t["cds"], reverse=(t["strand"] == "-"))
    done = 0
    for s, e in segs:
        if s <= pos <= e:
            return done + (pos - s + 1 if t["strand"] == "+" else e - pos + 1)
        done += e - s + 1
    return None


def read_slices(fixtures):
    """Real GRCh38 sequence of the fixture loci: chrom -> [(start, sequence)]."""
    seqs = collections.defaultdict(list)
    name, parts = None, []
    with open(f"{fixtures}/grch38/cancer_genes.GRCh38.slices.fa") as f:
        for line in list(f) + [">end"]:
            if line.startswith(">"):
                if name:
                    m = re.search(r"__(chr\w+)_(\d+)_(\d+)$", name)
                    seqs[m.group(1)].append((int(m.group(2)), "".join(parts).upper()))
                name, parts = line[1:].strip(), []
            else:
                parts.append(line.strip())
    return seqs


def base(seqs, chrom, pos):
    for start, s in seqs.get(chrom, []):
        if start <= pos < start + len(s):
            return s[pos - start]
    return None


def cds_seq(t, seqs):
    """The CDS sequence (transcript strand) or None when the locus is not in the fixture."""
    bases = []
    for s, e in sorted(t["cds"]):
        for p in range(s, e + 1):
            b = base(seqs, t["chrom"], p)
            if b is None:
                return None
            bases.append(b)
    seq = "".join(bases)
    return seq if t["strand"] == "+" else seq.translate(COMP)[::-1]


def fixture_parts(fixtures, kind, files=("refseq_lrg",)):
    """`kind` (exon or CDS) segments of the fixture transcripts, by transcript id."""
    parts = collections.defaultdict(list)
    for name in files:
        with open(f"{fixtures}/grch38/cancer_genes.GRCh38.chrom.{name}.gff3") as f:
            for line in f:
                c = line.rstrip("\n").split("\t")
                if len(c) == 9 and c[2] == kind:
                    parent = re.search(r"Parent=transcript:([^;]+)", c[8]).group(1)
                    parts[parent].append((int(c[3]), int(c[4])))
    return parts


def check_exons(models, fixtures):
    """Against the fixture's older RefSeq (LRG) and Ensembl 77 versions of the same transcript:
    same exon count and every splice site equal (only the outer transcript ends, i.e. UTR ends,
    may differ between versions)."""
    old = fixture_parts(fixtures, "exon", ("refseq_lrg", "ensembl77"))
    bad = 0
    for gene in FIXTURE_GENES:
        t = models[gene]
        mine = sorted(t["exons"])
        for acc in (t["id"], t["ens"]):
            for k, v in sorted(old.items()):
                if k.split(".")[0] != acc.split(".")[0]:
                    continue
                v = sorted(v)
                ok = len(v) == len(mine) and mine[1:] and \
                    [e for _, e in mine[:-1]] == [e for _, e in v[:-1]] and \
                    [s for s, _ in mine[1:]] == [s for s, _ in v[1:]]
                bad += not ok
                print(f"{'ok ' if ok else 'BAD'} {gene} {acc} vs {k}: {len(mine)} exons, splice "
                      f"sites equal = {ok}, identical = {mine == v}")
    return bad


def check_fixed(models):
    bad = 0
    for gene, c, chrom, pos, src in FIXED_POINTS:
        t = models.get(gene)
        got = c_pos(t, pos) if t and t["chrom"] == chrom else None
        ok = got == c
        bad += not ok
        print(f"{'ok ' if ok else 'BAD'} {gene} {chrom}:{pos} -> c.{got} (expected c.{c}; {src})")
    return bad


def check_fixture_genes(models, seqs, lrg):
    bad = 0
    for gene in FIXTURE_GENES:
        t = models.get(gene)
        if t is None:
            print(f"BAD {gene}: no model")
            bad += 1
            continue
        seq = cds_seq(t, seqs)
        if seq is None:
            print(f"-- {gene}: CDS not inside the fixture locus")
            continue
        prot = "".join(CODON.get(seq[i:i + 3], "X") for i in range(0, len(seq) - 2, 3))
        ok = seq.startswith("ATG") and prot.endswith("*") and "*" not in prot[:-1] \
            and len(seq) % 3 == 0
        same = [nm for nm, segs in lrg.items() if nm.split(".")[0] == t["id"].split(".")[0]
                and sorted(segs) == sorted(t["cds"])]
        other = [nm for nm in lrg if nm.split(".")[0] == t["id"].split(".")[0]]
        print(f"{'ok ' if ok else 'BAD'} {gene} {t['id']}: {len(prot) - 1} aa, ATG start, stop end, "
              f"no internal stop = {ok}; CDS segments equal to LRG {other or '(none)'}: "
              f"{bool(same)}")
        bad += not ok
    return bad


def check_civic(models, seqs, fixtures):
    """CIViC SNVs on the MANE transcript: c. number, reference base and residue."""
    agree = disagree = skipped = 0
    with open(f"{fixtures}/expected/civic_01-Aug-2024_variants_in_fixture_genes.tsv") as f:
        header = next(f).rstrip("\n").split("\t")
        rows = [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f]
    for r in rows:
        t = models.get(r["gene"])
        if r["kind"] != "SNV" or t is None:
            skipped += 1
            continue
        accs = {t["id"].split(".")[0], t["ens"].split(".")[0]}
        hit = [h for h in r["civic_hgvs_c"].split("|") if h.split(".")[0] in accs]
        m = re.match(r"[^:]+:c\.(\d+)([ACGT])>([ACGT])$", hit[0]) if hit else None
        if not m:
            skipped += 1
            continue
        pos = int(r["grch38_start"])
        c = c_pos(t, pos)
        ref = base(seqs, t["chrom"], pos)
        ref_t = ref.translate(COMP) if ref and t["strand"] == "-" else ref
        seq = cds_seq(t, seqs)
        pm = re.search(r"p\.([A-Z][a-z]{2})(\d+)", r["civic_hgvs_p"])
        aa_ok = True
        if seq and pm and c:
            k = (c - 1) // 3
            aa_ok = int(pm.group(2)) == k + 1 and AA3.get(CODON.get(seq[3 * k:3 * k + 3])) \
                == pm.group(1)
        ok = c == int(m.group(1)) and ref_t == m.group(2) and aa_ok
        agree += ok
        disagree += not ok
        if not ok:
            print(f"BAD CIViC {r['civic_variant_id']} {r['gene']} {hit[0]} {r['civic_hgvs_p']}: "
                  f"model c.{c} ref {ref_t}")
    print(f"CIViC SNVs on the MANE transcript: {agree} agree, {disagree} disagree "
          f"({skipped} not comparable: not an SNV, other transcript or no c. HGVS)")
    return disagree


FIXTURE_GENES = ["BRAF", "NRAS", "EGFR", "PIK3CA", "ALK", "RET", "NTRK1", "MET", "IDH1", "IDH2",
                 "TP53", "BRCA1", "BRCA2", "ETV6"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gff", default="data/transcripts/mane_select_grch38.gff3.gz")
    ap.add_argument("--fixtures", default="../shared/fixtures/annotation")
    a = ap.parse_args()
    models = read_models(a.gff)
    print(f"{len(models)} models, all tagged MANE_Select: "
          f"{all(t['tag'] == 'MANE_Select' for t in models.values())}")
    seqs = read_slices(a.fixtures)
    bad = check_fixed(models)
    bad += check_fixture_genes(models, seqs, fixture_parts(a.fixtures, "CDS"))
    bad += check_exons(models, a.fixtures)
    bad += check_civic(models, seqs, a.fixtures)
    print("all checks passed" if bad == 0 else f"{bad} checks failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
