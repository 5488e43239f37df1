//! GFF3 transcript models (Ensembl/RefSeq conventions): genes, transcripts, exons, CDS.

use std::{
    collections::HashMap,
    fs::File,
    io::{BufRead, BufReader},
    path::Path,
};

use anyhow::Result;

use crate::clinical::annotate::Transcript;
use crate::error::{fail, ExitKind};

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
    let mut genes: HashMap<String, String> = HashMap::new();
    let mut txs: Vec<Transcript> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut parts: Vec<(String, &'static str, u64, u64)> = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 9 {
            return Err(fail(
                ExitKind::Data,
                format!("{name}:{}: fewer than 9 GFF3 columns", i + 1),
            ));
        }
        let a = attrs(f[8]);
        let (start, end): (u64, u64) = match (f[3].parse(), f[4].parse()) {
            (Ok(s), Ok(e)) => (s, e),
            _ => {
                return Err(fail(
                    ExitKind::Data,
                    format!("{name}:{}: start/end are not numbers", i + 1),
                ))
            }
        };
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
                    parts.push((p.to_string(), "exon", start, end));
                }
            }
            "CDS" => {
                if let Some(p) = a.get("Parent") {
                    parts.push((p.to_string(), "CDS", start, end));
                }
            }
            _ => {}
        }
    }
    for (parent, kind, s, e) in parts {
        for p in parent.split(',') {
            if let Some(&k) = index.get(p) {
                if kind == "exon" {
                    txs[k].exons.push((s, e));
                } else {
                    txs[k].cds.push((s, e));
                }
            }
        }
    }
    for t in &mut txs {
        t.gene = genes
            .get(&t.gene)
            .cloned()
            .unwrap_or_else(|| t.gene.trim_start_matches("gene:").to_string());
        t.exons.sort();
        t.cds.sort();
        if t.strand < 0 {
            t.exons.reverse();
            t.cds.reverse();
        }
        t.coding = t.coding && !t.cds.is_empty();
    }
    txs.retain(|t| !t.exons.is_empty());
    Ok(txs)
}
