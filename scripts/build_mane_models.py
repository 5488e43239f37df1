#!/usr/bin/env python3
"""Builds data/transcripts/mane_select_grch38.gff3.gz: the GRCh38 MANE Select (v1.4) transcript
models of every gene the knowledge base names, in the GFF3 dialect `src/io/gff.rs` reads.

Python standard library only. Deterministic: the same inputs give byte-identical output.

Where each part of a model comes from (see data/transcripts/README.md for origins and sha256):
  --summary  MANE.GRCh38.v1.4.summary.txt (NCBI/EMBL-EBI MANE release 1.4): which transcript is
             the MANE Select of a gene (RefSeq NM_/NP_ and Ensembl ENST/ENSP accessions with
             versions), its chromosome, strand and genomic span.
  --exons    a BED of GENCODE MANE Select exons (0-based starts; columns contig, start, end,
             exon_id, gene_name, exon_number, transcript_id with version).
  --utr5/--utr3
             tables of GENCODE five_prime_UTR / three_prime_UTR segments of MANE transcripts
             (1-based inclusive; columns chrom, start, end, exon_number, symbol, refseq, ensembl
             transcript id with version, strand).
A model is built only from rows whose versioned Ensembl transcript id equals the MANE v1.4 one
(an Ensembl transcript's version changes whenever its exons or sequence change, so equal
versions mean equal models). CDS = exons minus UTR segments, stop codon included (GFF3
convention). Every model must pass the checks of `check_model` or it is left out, with the
reason written to --genes-out.

usage: build_mane_models.py --summary S --exons E.bed.gz --utr5 U5 --utr3 U3 --kb-dir data/kb
       --mane-tsv data/kb/mane_select.tsv --out data/transcripts/mane_select_grch38.gff3.gz
       --genes-out data/transcripts/genes.tsv [--extra-tsv data/germline/x.tsv ...]
       [--source-note TEXT ...]
"""

import argparse
import collections
import glob
import gzip
import io
import os
import sys

# GRCh38 primary assembly: RefSeq chromosome accession -> (UCSC-style name, length).
GRCH38 = {
    **{f"NC_0000{n:02d}.{v}": (f"chr{n}", ln) for n, v, ln in [
        (1, 11, 248956422), (2, 12, 242193529), (3, 12, 198295559), (4, 12, 190214555),
        (5, 10, 181538259), (6, 12, 170805979), (7, 14, 159345973), (8, 11, 145138636),
        (9, 12, 138394717), (10, 11, 133797422), (11, 10, 135086622), (12, 12, 133275309),
        (13, 11, 114364328), (14, 9, 107043718), (15, 10, 101991189), (16, 10, 90338345),
        (17, 11, 83257441), (18, 10, 80373285), (19, 10, 58617616), (20, 11, 64444167),
        (21, 9, 46709983), (22, 11, 50818468)]},
    "NC_000023.11": ("chrX", 156040895),
    "NC_000024.10": ("chrY", 57227415),
    "NC_012920.1": ("chrM", 16569),
}
CHROM_ORDER = {name: i for i, (name, _) in enumerate(GRCH38.values())}
CHROM_LEN = dict(GRCH38.values())

# Spellings in the shipped tables that are not current HGNC symbols: previous (or alias)
# symbol -> current approved symbol (HGNC renames: MGEA5 -> OGA 2017, FAM58A -> CCNQ 2017, the
# 2020 histone renaming, PAK7 -> PAK5, TCEB1 -> ELOC, WHSC1 -> NSD2, ZNF198 -> ZMYM2; ABL is an
# alias of ABL1). The model is shipped under the current symbol, with the old one as `Alias`.
PREVIOUS_SYMBOLS = {
    "MGEA5": "OGA", "FAM58A": "CCNQ", "H3F3A": "H3-3A", "HIST1H1C": "H1-2", "HIST1H3B": "H3C2",
    "HIST1H3C": "H3C3", "HIST1H3H": "H3C10", "PAK7": "PAK5", "TCEB1": "ELOC", "WHSC1": "NSD2",
    "ZNF198": "ZMYM2", "ABL": "ABL1",
}
NOT_A_GENE = {
    "NUTM2": "names the NUTM2 gene family (NUTM2A, NUTM2B, NUTM2D, ...), not one HGNC gene; "
             "CIViC's YWHAE::NUTM2 fusion cannot be placed on one transcript",
    "IGH": "the immunoglobulin heavy-chain locus (IG gene segments), which has no MANE Select "
           "protein-coding transcript",
}


def read_tsv(path):
    """Rows of a TSV with `#` comment lines and one header line, as dicts."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    header = None
    rows = []
    for line in lines:
        if line.startswith("#") and header is None and "\t" in line and rows == [] and \
                line.lstrip("#").split("\t")[0] in ("contig", "chrom", "NCBI_GeneID"):
            header = line.lstrip("#").split("\t")
            continue
        if line.startswith("#"):
            continue
        if header is None:
            header = line.split("\t")
            continue
        rows.append(dict(zip(header, line.split("\t"))))
    return rows


def kb_genes(kb_dir, extra):
    """Every gene the knowledge base names (`gene` columns, `fusion:PARTNER` alterations), plus
    the genes of the other shipped tables in `extra` (`gene`, `five_prime`, `three_prime`)."""
    named = collections.defaultdict(set)
    paths = sorted(glob.glob(os.path.join(kb_dir, "*.tsv"))) + list(extra)
    for path in paths:
        name = os.path.basename(path)
        for row in read_tsv(path):
            for col in ("gene", "five_prime", "three_prime"):
                gene = row.get(col, "-")
                if gene and gene != "-":
                    named[gene].add(name)
            alt = row.get("alteration", "")
            if alt.startswith("fusion:"):
                for partner in alt[len("fusion:"):].split("::"):
                    if partner and partner not in ("*", "any"):
                        named[partner].add(name + " (fusion partner)")
    return named


def load_mane(summary_path):
    """MANE Select rows of the summary, keyed by gene symbol."""
    select = {}
    for row in read_tsv(summary_path):
        if row["MANE_status"] == "MANE Select":
            select[row["symbol"]] = row
    return select


def load_exons(path):
    """GENCODE MANE exons by versioned transcript id: [(start1, end1, exon_number, contig)]."""
    exons = collections.defaultdict(list)
    for row in read_tsv(path):
        exons[row["transcript_id"]].append(
            (int(row["start"]) + 1, int(row["end"]), int(row["exon_number"]), row["contig"]))
    return exons


def load_utrs(path):
    """UTR segments by versioned transcript id: [(start1, end1, contig, strand, refseq)]."""
    utrs = collections.defaultdict(list)
    for row in read_tsv(path):
        utrs[row["ensembl"]].append(
            (int(row["start"]), int(row["end"]), row["chrom"], row["strand"], row["refseq"]))
    return utrs


def subtract(exon, cuts):
    """The part of `exon` (s, e) outside the `cuts` intervals; must be one interval or none."""
    s, e = exon
    left = [c for c in cuts if c[0] <= s]
    right = [c for c in cuts if c[0] > s]
    for cs, ce in sorted(left):
        if cs <= s <= ce:
            s = ce + 1
    for cs, ce in sorted(right, reverse=True):
        if cs <= e <= ce:
            e = cs - 1
    inner = [c for c in cuts if s <= c[0] <= e or s <= c[1] <= e]
    if inner:
        raise ValueError(f"UTR segment inside the coding part of exon {exon}")
    return (s, e) if s <= e else None


def build_model(mane, exons, utr5, utr3):
    """One transcript model (dict) or raises ValueError with the reason."""
    enst = mane["Ensembl_nuc"]
    if mane["GRCh38_chr"] not in GRCH38:
        raise ValueError(f"chromosome {mane['GRCh38_chr']} is not a GRCh38 primary chromosome")
    chrom = GRCH38[mane["GRCh38_chr"]][0]
    strand = mane["chr_strand"]
    rows = exons.get(enst)
    if not rows:
        raise ValueError(f"{enst} (the MANE v1.4 version) not in the GENCODE exon table")
    if any(r[3] != chrom for r in rows):
        raise ValueError(f"{enst}: exon table puts it off {chrom}")
    by_pos = sorted(rows)
    ranks = [r[2] for r in by_pos]
    expect = list(range(1, len(rows) + 1))
    if ranks != (expect if strand == "+" else expect[::-1]):
        raise ValueError(f"{enst}: exon numbers {ranks} do not follow strand {strand}")
    ex = [(r[0], r[1]) for r in by_pos]
    cuts = [(u[0], u[1]) for u in utr5.get(enst, []) + utr3.get(enst, [])]
    if not cuts:
        raise ValueError(f"{enst}: no UTR segment in the UTR tables (a UTR-less MANE transcript "
                         "cannot be told from a missing one)")
    for u in utr5.get(enst, []) + utr3.get(enst, []):
        if u[2] != chrom or u[3] != strand:
            raise ValueError(f"{enst}: UTR segment on {u[2]}{u[3]}, transcript on {chrom}{strand}")
        if u[4] != mane["RefSeq_nuc"]:
            raise ValueError(f"{enst}: UTR table pairs it with {u[4]}, MANE v1.4 with "
                             f"{mane['RefSeq_nuc']}")
        if not any(s <= u[0] and u[1] <= e for s, e in ex):
            raise ValueError(f"{enst}: UTR segment {u[0]}-{u[1]} lies in no exon")
    cds = [c for c in (subtract(x, [k for k in cuts if k[1] >= x[0] and k[0] <= x[1]])
                       for x in ex) if c]
    return {"chrom": chrom, "strand": strand, "exons": ex, "cds": cds, "mane": mane,
            "utr5": sorted((u[0], u[1]) for u in utr5.get(enst, [])),
            "utr3": sorted((u[0], u[1]) for u in utr3.get(enst, []))}


def check_model(m):
    """Structural checks every shipped model passes; raises ValueError on the first failure."""
    mane, ex, cds, strand = m["mane"], m["exons"], m["cds"], m["strand"]
    enst = mane["Ensembl_nuc"]
    if ex[0][0] != int(mane["chr_start"]) or ex[-1][1] != int(mane["chr_end"]):
        raise ValueError(f"{enst}: exons span {ex[0][0]}-{ex[-1][1]}, MANE v1.4 says "
                         f"{mane['chr_start']}-{mane['chr_end']}")
    for (s1, e1), (s2, _) in zip(ex, ex[1:]):
        if s2 <= e1 + 1:
            raise ValueError(f"{enst}: exons {s1}-{e1} and next touch or overlap")
    if not cds:
        raise ValueError(f"{enst}: no CDS left after removing UTRs")
    coding = [i for i, x in enumerate(ex) if any(x[0] <= c[0] and c[1] <= x[1] for c in cds)]
    if coding != list(range(coding[0], coding[-1] + 1)):
        raise ValueError(f"{enst}: coding exons are not consecutive")
    inner = cds[1:-1]
    if any(c not in ex for c in inner):
        raise ValueError(f"{enst}: an inner coding exon is not wholly coding")
    five, three = (m["utr5"], m["utr3"]) if strand == "+" else (m["utr3"], m["utr5"])
    if any(u[1] >= cds[0][0] for u in five) or any(u[0] <= cds[-1][1] for u in three):
        raise ValueError(f"{enst}: a UTR segment lies on the wrong side of the CDS")
    length = sum(e - s + 1 for s, e in cds)
    if length % 3:
        raise ValueError(f"{enst}: CDS length {length} is not a multiple of 3")


def attr(pairs):
    """GFF3 column 9 from (key, value) pairs, escaping the reserved characters; a list value
    becomes a comma-separated multi-value."""
    esc = {";": "%3B", "=": "%3D", "&": "%26", ",": "%2C", "\t": "%09", "%": "%25"}
    one = (lambda v: "".join(esc.get(ch, ch) for ch in v))
    return ";".join(f"{k}={','.join(map(one, v)) if isinstance(v, list) else one(v)}"
                    for k, v in pairs)


def gff_lines(gene, m):
    """The gene, mRNA, exon and CDS lines of one model (positions ascending)."""
    mane, chrom, strand = m["mane"], m["chrom"], m["strand"]
    aliases = sorted(old for old, new in PREVIOUS_SYMBOLS.items() if new == gene)
    nm, start, end = mane["RefSeq_nuc"], m["exons"][0][0], m["exons"][-1][1]
    src = "MANE_v1.4"
    out = [[chrom, src, "gene", start, end, ".", strand, ".", attr([
        ("ID", f"gene:{gene}"), ("Name", gene), ("biotype", "protein_coding"),
        ("gene_id", mane["Ensembl_Gene"]), ("ncbi_gene_id", mane["NCBI_GeneID"]),
        ("hgnc_id", mane["HGNC_ID"])] + ([("Alias", aliases)] if aliases else []))]]
    out.append([chrom, src, "mRNA", start, end, ".", strand, ".", attr([
        ("ID", f"transcript:{nm}"), ("Parent", f"gene:{gene}"), ("Name", nm),
        ("transcript_id", nm), ("ensembl_transcript_id", mane["Ensembl_nuc"]),
        ("protein_id", mane["RefSeq_prot"]), ("ensembl_protein_id", mane["Ensembl_prot"]),
        ("biotype", "protein_coding"), ("tag", "MANE_Select")])])
    n = len(m["exons"])
    for i, (s, e) in enumerate(m["exons"]):
        rank = i + 1 if strand == "+" else n - i
        out.append([chrom, src, "exon", s, e, ".", strand, ".",
                    attr([("Parent", f"transcript:{nm}"), ("rank", str(rank))])])
    done = 0
    order = m["cds"] if strand == "+" else m["cds"][::-1]
    phases = {}
    for s, e in order:
        phases[(s, e)] = (3 - done % 3) % 3
        done += e - s + 1
    for s, e in m["cds"]:
        out.append([chrom, src, "CDS", s, e, ".", strand, str(phases[(s, e)]), attr([
            ("ID", f"CDS:{mane['RefSeq_prot']}"), ("Parent", f"transcript:{nm}"),
            ("protein_id", mane["RefSeq_prot"])])])
    return out


def resolve(named, select, mane_tsv):
    """Gene -> (status, model symbol, reason) for every named gene, sorted."""
    listed = {r["gene"]: r for r in read_tsv(mane_tsv)}
    report = {}
    for gene in sorted(set(named) | set(listed)):
        if gene in NOT_A_GENE:
            report[gene] = ("not_a_gene", "-", NOT_A_GENE[gene])
            continue
        symbol = PREVIOUS_SYMBOLS.get(gene, gene)
        row = select.get(symbol)
        if row is None:
            report[gene] = ("no_mane_select", "-", "no MANE Select transcript in MANE v1.4")
            continue
        kb = listed.get(gene) or listed.get(symbol)
        if kb and (kb["refseq"], kb["ensembl"]) != (row["RefSeq_nuc"], row["Ensembl_nuc"]):
            report[gene] = ("mismatch", symbol, f"mane_select.tsv has {kb['refseq']}/"
                            f"{kb['ensembl']}, the summary {row['RefSeq_nuc']}/"
                            f"{row['Ensembl_nuc']}")
            continue
        note = f"previous symbol or alias of {symbol} (HGNC)" if symbol != gene else ""
        report[gene] = ("todo", symbol, note)
    return report


def build_all(report, select, exons, utr5, utr3):
    """Builds and checks the models; updates `report` in place; returns symbol -> model."""
    models = {}
    for gene, (status, symbol, note) in sorted(report.items()):
        if status != "todo":
            continue
        try:
            m = models.get(symbol) or build_model(select[symbol], exons, utr5, utr3)
            check_model(m)
        except ValueError as err:
            report[gene] = ("not_built", symbol, str(err))
            continue
        models[symbol] = m
        mane = m["mane"]
        report[gene] = ("shipped", symbol, "; ".join(x for x in [
            f"{mane['RefSeq_nuc']} {mane['Ensembl_nuc']} {m['chrom']}:{mane['chr_start']}-"
            f"{mane['chr_end']}{m['strand']}", note] if x))
    return models


def render(models, notes):
    """The GFF3 text: header, sequence regions, models sorted by chromosome and start."""
    buf = io.StringIO()
    buf.write("##gff-version 3\n#!genome-build GRCh38\n")
    for line in notes:
        buf.write(f"# {line}\n")
    used = sorted({m["chrom"] for m in models.values()}, key=CHROM_ORDER.get)
    for chrom in used:
        buf.write(f"##sequence-region {chrom} 1 {CHROM_LEN[chrom]}\n")
    key = (lambda kv: (CHROM_ORDER[kv[1]["chrom"]], kv[1]["exons"][0][0], kv[0]))
    for gene, m in sorted(models.items(), key=key):
        for cols in gff_lines(gene, m):
            buf.write("\t".join(str(c) for c in cols) + "\n")
        buf.write("###\n")
    return buf.getvalue()


def write_gz(path, text):
    """gzip -n -9 equivalent: no name, mtime 0, so the bytes depend on the text only."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as gz:
            gz.write(text.encode("utf-8"))
    os.replace(tmp, path)


def write_report(path, report, named):
    """Gene report TSV: every gene, whether it ships, and why not."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("gene\tstatus\tmodel_symbol\tnamed_in\tdetail\n")
        for gene, (status, symbol, note) in sorted(report.items()):
            where = ",".join(sorted(named.get(gene, {"mane_select.tsv"})))
            f.write(f"{gene}\t{status}\t{symbol}\t{where}\t{note or '-'}\n")
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for flag in ("--summary", "--exons", "--utr5", "--utr3", "--kb-dir", "--mane-tsv", "--out",
                 "--genes-out"):
        ap.add_argument(flag, required=True)
    ap.add_argument("--extra-tsv", action="append", default=[],
                    help="another shipped table whose gene columns to cover (repeatable)")
    ap.add_argument("--source-note", action="append", default=[],
                    help="a line for the GFF3 header (repeatable)")
    a = ap.parse_args()
    named = kb_genes(a.kb_dir, a.extra_tsv)
    select = load_mane(a.summary)
    report = resolve(named, select, a.mane_tsv)
    models = build_all(report, select, load_exons(a.exons), load_utrs(a.utr5), load_utrs(a.utr3))
    write_gz(a.out, render(models, a.source_note))
    write_report(a.genes_out, report, named)
    counts = collections.Counter(s for s, _, _ in report.values())
    print(f"genes named: {len(report)}; models shipped: {len(models)}; "
          + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), file=sys.stderr)


if __name__ == "__main__":
    main()
