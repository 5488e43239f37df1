//! GFF3 transcript models (Ensembl/RefSeq conventions): genes, transcripts, exons, CDS.

use std::{
    collections::HashMap,
    fs::File,
    io::{BufRead, BufReader},
    path::Path,
};

use anyhow::Result;

use crate::error::{fail, ExitKind};
use crate::types::transcript::Transcript;
use crate::types::{Pos1, Span};

/// Largest coordinate accepted: no assembled chromosome is longer, and BAM/VCF positions stop
/// at 2^31 - 1 (a CDS end of 4294967296 allocated 4.2 GB and aborted).
pub const MAX_COORDINATE: u64 = (1 << 31) - 1;

/// Feature types whose strand decides the annotation.
const STRANDED: &[&str] = &[
    "gene",
    "mRNA",
    "transcript",
    "ncRNA",
    "lnc_RNA",
    "NMD_transcript_variant",
    "exon",
    "CDS",
    "stop_codon",
];

/// METHOD: every feature line of a GFF3/GTF is checked before it is used: exactly nine
/// tab-separated columns; start and end whole numbers with 1 <= start <= end <=
/// [`MAX_COORDINATE`]; and for the features the annotation uses (genes, transcripts, exons,
/// CDS) a strand of `+` or `-` (a strand `.` was read as `+`, which turned BRAF V600E into a
/// synonymous change and dropped a level-A melanoma finding). Coordinates are checked against
/// the reference's contigs by [`check_against_contigs`]. The 1-based closed `start..=end` is
/// returned as the 0-based half-open [`Span`] the program works with: this is the one place a
/// model's coordinates change convention.
fn feature_line<'a>(
    name: &str,
    ln: usize,
    line: &'a str,
    what: &str,
) -> Result<(Vec<&'a str>, Span)> {
    let bad = |why: String| fail(ExitKind::Data, format!("{name}:{ln}: {why}"));
    let f: Vec<&str> = line.split('\t').collect();
    if f.len() != 9 {
        return Err(bad(format!(
            "{} tab-separated columns where {what} has 9",
            f.len()
        )));
    }
    let num = |s: &str, col: &str| -> Result<Pos1> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(format!("{col} '{s}' is not a whole number")));
        }
        s.parse::<u64>()
            .ok()
            .filter(|v| *v <= MAX_COORDINATE)
            .and_then(Pos1::new)
            .ok_or_else(|| bad(format!("{col} {s} is outside 1..{MAX_COORDINATE}")))
    };
    let (start, end) = (num(f[3], "start")?, num(f[4], "end")?);
    if start > end {
        return Err(bad(format!("start {start} is after end {end}")));
    }
    if STRANDED.contains(&f[2]) && f[6] != "+" && f[6] != "-" {
        return Err(bad(format!(
            "{} feature with strand '{}': the strand of a gene, transcript, exon or CDS must be + or -",
            f[2], f[6]
        )));
    }
    Ok((f, Span::from_closed1(start, end)))
}

/// Refuses transcript models that reach past the end of a contig of the reference (contigs the
/// reference lacks are not checked: their models are never used).
pub fn check_against_contigs(
    models: &[Transcript],
    path: &Path,
    contigs: &[(String, u64)],
) -> Result<()> {
    for t in models {
        let Some((_, len)) = contigs.iter().find(|(n, _)| *n == t.contig) else {
            continue;
        };
        // the exclusive 0-based end is the 1-based last base: the number the file wrote
        let end = t
            .exons
            .iter()
            .chain(&t.cds)
            .map(|s| s.end.get())
            .max()
            .unwrap_or(0);
        if end > *len {
            return Err(fail(
                ExitKind::Data,
                format!(
                    "'{}': transcript {} ends at {}:{end}, past the end of {} in the reference ({len} bp): the models are of another genome build",
                    path.display(),
                    t.id,
                    t.contig,
                    t.contig
                ),
            ));
        }
    }
    Ok(())
}

fn attrs(s: &str) -> HashMap<&str, &str> {
    s.split(';').filter_map(|kv| kv.split_once('=')).collect()
}

/// Reads the transcripts of a GFF3 (exons and CDS grouped by `Parent`); gene names come from
/// the parent gene's `Name`. Tags `tag=MANE_Select`/`Ensembl_canonical` and `lrg_transcript`
/// are kept for canonical-transcript choice.
pub fn read_gff3(path: &Path) -> Result<Vec<Transcript>> {
    let name = path.display().to_string();
    let file = File::open(path)
        .map_err(|e| fail(ExitKind::NoInput, format!("cannot open GFF3 '{name}': {e}")))?;
    parse_gff3(BufReader::new(file), &name)
}

/// [`read_gff3`] on text from any reader (`name` labels its errors), e.g. the transcript
/// models compiled into the binary.
pub(crate) fn parse_gff3(reader: impl BufRead, name: &str) -> Result<Vec<Transcript>> {
    let mut genes: HashMap<String, String> = HashMap::new();
    let mut txs: Vec<Transcript> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut parts: Vec<(String, &'static str, Span)> = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line?;
        if line.starts_with("##FASTA") {
            // sequences follow the features
            break;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (f, span) = feature_line(name, i + 1, &line, "a GFF3 feature")?;
        let a = attrs(f[8]);
        match f[2] {
            "gene" => {
                if let (Some(id), Some(n)) = (a.get("ID"), a.get("Name")) {
                    genes.insert(id.to_string(), n.to_string());
                }
            }
            "mRNA" | "transcript" | "ncRNA" | "lnc_RNA" | "NMD_transcript_variant" => {
                let Some(id) = a.get("ID") else { continue };
                let tags = a.get("tag").copied().unwrap_or("");
                let t = Transcript {
                    id: a
                        .get("transcript_id")
                        .copied()
                        .unwrap_or(id.trim_start_matches("transcript:"))
                        .to_string(),
                    gene: a.get("Parent").copied().unwrap_or("").to_string(),
                    contig: f[0].to_string(),
                    strand: if f[6] == "-" { -1 } else { 1 },
                    exons: Vec::new(),
                    cds: Vec::new(),
                    coding: a.get("biotype").is_some_and(|b| *b == "protein_coding")
                        || f[2] == "mRNA",
                    mane: tags.contains("MANE_Select"),
                    canonical: tags.contains("Ensembl_canonical") || tags.contains("canonical"),
                    lrg_primary: a.get("lrg_transcript").is_some_and(|t| t.ends_with("t1")),
                };
                index.insert(id.to_string(), txs.len());
                txs.push(t);
            }
            "exon" => {
                if let Some(p) = a.get("Parent") {
                    parts.push((p.to_string(), "exon", span));
                }
            }
            "CDS" => {
                if let Some(p) = a.get("Parent") {
                    parts.push((p.to_string(), "CDS", span));
                }
            }
            _ => {}
        }
    }
    for (parent, kind, span) in parts {
        for p in parent.split(',') {
            if let Some(&k) = index.get(p) {
                if kind == "exon" {
                    txs[k].exons.push(span);
                } else {
                    txs[k].cds.push(span);
                }
            }
        }
    }
    for t in &mut txs {
        t.gene = genes
            .get(&t.gene)
            .cloned()
            .unwrap_or_else(|| t.gene.trim_start_matches("gene:").to_string());
    }
    Ok(finish(txs))
}

fn gtf_attrs(s: &str) -> Vec<(&str, &str)> {
    s.split(';')
        .filter_map(|kv| {
            let kv = kv.trim();
            let (k, v) = kv.split_once(' ')?;
            Some((k, v.trim().trim_matches('"')))
        })
        .collect()
}

/// Reads the transcripts of a GTF (Ensembl/GENCODE conventions). GTF `CDS` excludes the stop
/// codon; `stop_codon` features are merged back so that models equal the GFF3 ones.
pub fn read_gtf(path: &Path) -> Result<Vec<Transcript>> {
    let name = path.display().to_string();
    let file = File::open(path)
        .map_err(|e| fail(ExitKind::NoInput, format!("cannot open GTF '{name}': {e}")))?;
    let mut txs: Vec<Transcript> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut parts: Vec<(String, bool, Span)> = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (f, span) = feature_line(&name, i + 1, &line, "a GTF feature")?;
        let a = gtf_attrs(f[8]);
        let get = |k: &str| a.iter().find(|(x, _)| *x == k).map(|(_, v)| *v);
        let Some(tid) = get("transcript_id") else {
            continue;
        };
        match f[2] {
            "transcript" => {
                let tags: Vec<&str> = a
                    .iter()
                    .filter(|(k, _)| *k == "tag")
                    .map(|(_, v)| *v)
                    .collect();
                index.insert(tid.to_string(), txs.len());
                txs.push(Transcript {
                    id: tid.to_string(),
                    gene: get("gene_name")
                        .or(get("gene_id"))
                        .unwrap_or("")
                        .to_string(),
                    contig: f[0].to_string(),
                    strand: if f[6] == "-" { -1 } else { 1 },
                    exons: Vec::new(),
                    cds: Vec::new(),
                    coding: get("transcript_biotype")
                        .or(get("transcript_type"))
                        .is_some_and(|b| b == "protein_coding"),
                    mane: tags.iter().any(|t| t.contains("MANE_Select")),
                    canonical: tags
                        .iter()
                        .any(|t| t.contains("Ensembl_canonical") || *t == "canonical"),
                    lrg_primary: get("transcript_name")
                        .is_some_and(|n| n.starts_with("LRG_") && n.ends_with("t1")),
                });
            }
            "exon" => parts.push((tid.to_string(), false, span)),
            "CDS" | "stop_codon" => parts.push((tid.to_string(), true, span)),
            _ => {}
        }
    }
    for (tid, cds, span) in parts {
        if let Some(&k) = index.get(&tid) {
            if cds {
                txs[k].cds.push(span);
            } else {
                txs[k].exons.push(span);
            }
        }
    }
    Ok(finish(txs))
}

/// Puts exons and CDS in transcript order (CDS segments that touch are merged: GTF lists the
/// stop codon apart from the CDS), drops CDS-less "coding" flags and exon-less records.
fn finish(mut txs: Vec<Transcript>) -> Vec<Transcript> {
    for t in &mut txs {
        t.exons.sort();
        t.cds.sort();
        let mut merged: Vec<Span> = Vec::new();
        for s in t.cds.drain(..) {
            match merged.last_mut() {
                // touching (half-open: the next starts at this one's end) or overlapping
                Some(last) if s.start <= last.end => *last = last.hull(s),
                _ => merged.push(s),
            }
        }
        t.cds = merged;
        if t.strand < 0 {
            t.exons.reverse();
            t.cds.reverse();
        }
        t.coding = t.coding && !t.cds.is_empty();
    }
    txs.retain(|t| !t.exons.is_empty());
    txs
}

/// Reads a list of preferred transcript accessions (TSV `gene<TAB>accession`, `#` comments),
/// e.g. MANE Select, as unversioned accessions; an empty set without a path.
pub fn read_transcript_list(path: Option<&Path>) -> Result<std::collections::HashSet<String>> {
    let Some(path) = path else {
        return Ok(Default::default());
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot read transcript list '{}': {e}", path.display()),
        )
    })?;
    Ok(text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').nth(1))
        .map(|a| a.split('.').next().unwrap_or(a).to_string())
        .collect())
}

/// The text of a gzip-compressed GFF3 held in memory (the transcript models compiled into the
/// binary); `name` labels its errors.
pub(crate) fn gff3_gz_text(bytes: &[u8], name: &str) -> Result<String> {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_string(&mut text)
        .map_err(|e| {
            fail(
                ExitKind::Data,
                format!("'{name}' is not gzip-compressed text: {e}"),
            )
        })?;
    Ok(text)
}

/// What a GFF3 says beside its transcripts: the `##sequence-region` lengths and, per gene
/// (`Name`), its previous symbols (`Alias`) and NCBI Gene id (`ncbi_gene_id=GeneID:<n>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GffGenes {
    /// Contig and length of each `##sequence-region` line.
    pub sequence_regions: Vec<(String, u64)>,
    /// (previous symbol, current symbol).
    pub aliases: Vec<(String, String)>,
    /// (symbol, NCBI Gene id).
    pub entrez: Vec<(String, u32)>,
    /// (transcript id, Ensembl transcript id) of the mRNAs that name both
    /// (`transcript_id`, `ensembl_transcript_id`).
    pub ensembl: Vec<(String, String)>,
    /// (transcript id, protein id) of the mRNAs that name both (`protein_id`).
    pub protein: Vec<(String, String)>,
    /// (symbol, HGNC id `HGNC:<n>`).
    pub hgnc: Vec<(String, String)>,
}

/// Reads [`GffGenes`] from a GFF3 text.
pub(crate) fn gff3_genes(text: &str) -> GffGenes {
    let mut g = GffGenes::default();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("##sequence-region") {
            let f: Vec<&str> = rest.split_whitespace().collect();
            if let (Some(c), Some(Ok(end))) = (f.first(), f.get(2).map(|e| e.parse::<u64>())) {
                g.sequence_regions.push((c.to_string(), end));
            }
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 9 {
            continue;
        }
        let a = attrs(f[8]);
        if f[2] == "mRNA" {
            if let Some(t) = a.get("transcript_id") {
                if let Some(e) = a.get("ensembl_transcript_id") {
                    g.ensembl.push((t.to_string(), e.to_string()));
                }
                if let Some(p) = a.get("protein_id") {
                    g.protein.push((t.to_string(), p.to_string()));
                }
            }
            continue;
        }
        if f[2] != "gene" {
            continue;
        }
        let Some(name) = a.get("Name") else { continue };
        if let Some(alias) = a.get("Alias") {
            for old in alias.split(',') {
                g.aliases.push((old.to_string(), name.to_string()));
            }
        }
        if let Some(h) = a.get("hgnc_id") {
            g.hgnc.push((name.to_string(), h.to_string()));
        }
        if let Some(Ok(id)) = a
            .get("ncbi_gene_id")
            .map(|v| v.trim_start_matches("GeneID:").parse::<u32>())
        {
            g.entrez.push((name.to_string(), id));
        }
    }
    g
}

/// Reads transcript models from a GFF3 or GTF (by file extension).
pub(crate) fn read_models(path: &Path) -> Result<Vec<Transcript>> {
    if path.to_string_lossy().ends_with(".gtf") {
        read_gtf(path)
    } else {
        read_gff3(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Pos0;

    const ONE_BASE_EXON: &str = "##gff-version 3\n\
        c1\tt\tgene\t1\t30\t.\t+\t.\tID=gene:G;Name=G\n\
        c1\tt\tmRNA\t1\t30\t.\t+\t.\tID=transcript:T.1;Parent=gene:G;transcript_id=T.1\n\
        c1\tt\texon\t1\t1\t.\t+\t.\tParent=transcript:T.1\n\
        c1\tt\texon\t10\t30\t.\t+\t.\tParent=transcript:T.1\n\
        c1\tt\tCDS\t10\t30\t.\t+\t0\tParent=transcript:T.1\n";

    fn span(a: u64, b: u64) -> Span {
        Span::new(Pos0::new(a), Pos0::new(b))
    }

    #[test]
    fn a_one_base_exon_at_the_contig_start_is_the_span_0_1() {
        let t = parse_gff3(ONE_BASE_EXON.as_bytes(), "t.gff3").unwrap();
        assert_eq!(t.len(), 1);
        // 1-based closed 1..=1 and 10..=30
        assert_eq!(t[0].exons, vec![span(0, 1), span(9, 30)]);
        assert_eq!(t[0].cds, vec![span(9, 30)]);
        assert_eq!(t[0].exons[0].len(), 1);
        assert!(t[0].exons[0].contains(Pos0::new(0)) && !t[0].exons[0].contains(Pos0::new(1)));
        assert_eq!(t[0].span(), span(0, 30));
        assert_eq!(t[0].cds_len(), 21);
        // the last base, 1-based 30, fits a contig of 30 bases and not one of 29
        let p = Path::new("t.gff3");
        assert!(check_against_contigs(&t, p, &[("c1".into(), 30)]).is_ok());
        let e = check_against_contigs(&t, p, &[("c1".into(), 29)]).unwrap_err();
        assert!(e.to_string().contains("ends at c1:30"), "{e}");
    }

    #[test]
    fn a_start_of_0_is_refused_with_its_line() {
        let bad = ONE_BASE_EXON.replace("exon\t1\t1", "exon\t0\t1");
        let e = parse_gff3(bad.as_bytes(), "t.gff3").unwrap_err();
        assert!(
            e.to_string().contains("t.gff3:4: start 0 is outside"),
            "{e}"
        );
    }
}
