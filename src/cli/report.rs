//! `oncostream report`: annotate and tier any somatic VCF (ours, Mutect2, Strelka2, DRAGEN)
//! for a cancer type, and write `report.json` + `report.html`.

use std::{io::Read, path::PathBuf};

use anyhow::Result;
use clap::Args;

use crate::clinical::{
    annotate::{annotate_at, base_at, from_csq},
    kb,
    oncotree::OncoTree,
    tier::{tier, Alteration},
};
use crate::error::{fail, ExitKind};
use crate::io::{
    gff::{read_models, read_transcript_list},
    output::{md5_file, write_atomic},
    reference::Reference,
};
use crate::log;
use crate::report::clinical::{render_html, Report, ReportVariant, Triage, SCHEMA_VERSION};

/// Genes whose germline variants predispose to cancer: a germline-like VAF there sends the case
/// to the expert panel (secondary-findings review).
pub const PREDISPOSITION: &[&str] = &[
    "BRCA1", "BRCA2", "MLH1", "MSH2", "MSH6", "PMS2", "EPCAM", "TP53", "APC", "PALB2", "ATM",
    "CHEK2", "PTEN", "RB1", "VHL", "STK11", "CDH1", "MEN1", "RET", "NF1",
];

/// Flags of `oncostream report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Somatic VCF(.gz).
    #[arg(long)]
    pub vcf: PathBuf,
    /// Reference FASTA (the VCF's contigs).
    #[arg(long, short = 'r')]
    pub reference: PathBuf,
    /// GFF3 transcript models (without it, variants are reported unannotated and only
    /// biomarkers can be tiered).
    #[arg(long)]
    pub gff: Option<PathBuf>,
    /// Preferred transcripts (TSV: gene, accession), e.g. a MANE Select list.
    #[arg(long)]
    pub transcripts: Option<PathBuf>,
    /// Cancer type (OncoTree code, e.g. LUAD).
    #[arg(long)]
    pub cancer_type: String,
    /// Knowledge base (default: the bundled starter KB).
    #[arg(long)]
    pub kb: Option<PathBuf>,
    /// TMB (mutations/Mb) when not taken from --results.
    #[arg(long)]
    pub tmb: Option<f64>,
    /// MSI status (MSI-H, MSS, indeterminate) when not taken from --results.
    #[arg(long)]
    pub msi_status: Option<String>,
    /// results.json of `oncostream run` (TMB, MSI, purity, QC, warnings).
    #[arg(long)]
    pub results: Option<PathBuf>,
    /// Output directory.
    #[arg(long)]
    pub outdir: PathBuf,
}

fn read_vcf(path: &std::path::Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot read VCF '{}': {e}", path.display()),
        )
    })?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .map_err(|e| {
                fail(
                    ExitKind::Data,
                    format!("'{}' is not valid gzip/BGZF text: {e}", path.display()),
                )
            })?;
        Ok(s)
    } else {
        String::from_utf8(bytes)
            .map_err(|_| fail(ExitKind::Data, format!("'{}' is not text", path.display())))
    }
}

/// Runs the command.
pub fn run(args: &ReportArgs) -> Result<()> {
    let tree = OncoTree::bundled();
    if !tree.contains(&args.cancer_type) {
        return Err(fail(
            ExitKind::Usage,
            format!(
                "--cancer-type '{}' is not an OncoTree code (e.g. LUAD, COADREAD, MEL, BRCA)",
                args.cancer_type
            ),
        ));
    }
    let kb_path = args.kb.clone().unwrap_or_else(super::kb::default_kb);
    let k = kb::load(&kb_path, &tree)?;
    let reference = Reference::open(&args.reference)?;
    let txs = match &args.gff {
        Some(g) => read_models(g)?,
        None => Vec::new(),
    };
    let preferred = read_transcript_list(args.transcripts.as_deref())?;
    let results: Option<serde_json::Value> = match &args.results {
        Some(p) => Some(
            serde_json::from_str(&std::fs::read_to_string(p)?).map_err(|e| {
                fail(
                    ExitKind::Data,
                    format!("'{}' is not a results.json: {e}", p.display()),
                )
            })?,
        ),
        None => None,
    };
    let text = read_vcf(&args.vcf)?;
    let mut tumor_name = String::new();
    let mut samples: Vec<String> = Vec::new();
    let mut variants: Vec<ReportVariant> = Vec::new();
    let mut seq_cache: Option<(String, Vec<u8>)> = None;
    // VEP CSQ / SnpEff ANN field names, when the VCF is already annotated
    let mut csq: Option<(String, Vec<String>, bool)> = None;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("##INFO=<ID=CSQ,") || line.starts_with("##INFO=<ID=ANN,") {
            let snpeff = line.starts_with("##INFO=<ID=ANN,");
            let fields: Vec<String> = if snpeff {
                [
                    "Allele",
                    "Annotation",
                    "Annotation_Impact",
                    "Gene_Name",
                    "Gene_ID",
                    "Feature_Type",
                    "Feature_ID",
                    "Transcript_BioType",
                    "Rank",
                    "HGVS.c",
                    "HGVS.p",
                ]
                .iter()
                .map(|x| x.to_string())
                .collect()
            } else {
                line.split("Format: ")
                    .nth(1)
                    .unwrap_or("")
                    .trim_end_matches("\">")
                    .trim_end_matches('"')
                    .trim_end_matches('>')
                    .trim_end_matches('"')
                    .split('|')
                    .map(|x| x.trim().to_string())
                    .collect()
            };
            csq = Some((
                if snpeff { "ANN" } else { "CSQ" }.to_string(),
                fields,
                snpeff,
            ));
            continue;
        }
        if let Some(t) = line.strip_prefix("##tumor_sample=") {
            tumor_name = t.to_string();
            continue;
        }
        if let Some(h) = line.strip_prefix("#CHROM") {
            samples = h.split('\t').skip(9).map(String::from).collect();
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 8 {
            return Err(fail(
                ExitKind::Data,
                format!("{}:{}: fewer than 8 VCF columns", args.vcf.display(), i + 1),
            ));
        }
        if f[6] != "PASS" && f[6] != "." {
            continue;
        }
        let pos: u64 = f[1].parse().map_err(|_| {
            fail(
                ExitKind::Data,
                format!("{}:{}: POS is not a number", args.vcf.display(), i + 1),
            )
        })?;
        let info = |k: &str| {
            f[7].split(';')
                .find_map(|kv| kv.strip_prefix(&format!("{k}=")).map(String::from))
        };
        // tumor column: ##tumor_sample, else the last sample
        let tcol = samples
            .iter()
            .position(|s| *s == tumor_name)
            .or(if samples.is_empty() {
                None
            } else {
                Some(samples.len() - 1)
            });
        let fmt = |key: &str| -> Option<String> {
            let keys: Vec<&str> = f.get(8)?.split(':').collect();
            let vals: Vec<&str> = f.get(9 + tcol?)?.split(':').collect();
            keys.iter()
                .position(|k| *k == key)
                .and_then(|i| vals.get(i).map(|v| v.to_string()))
        };
        let vaf = info("TAF")
            .or_else(|| fmt("AF"))
            .and_then(|v| v.split(',').next()?.parse::<f64>().ok());
        let depth = info("TDP")
            .or_else(|| fmt("DP"))
            .and_then(|v| v.parse::<u32>().ok());
        let chrom = f[0].to_string();
        if seq_cache.as_ref().is_none_or(|(c, _)| *c != chrom) {
            seq_cache = Some((chrom.clone(), reference.fetch_contig(&chrom)));
        }
        let seq = &seq_cache.as_ref().expect("set").1;
        let at = |p: u64| base_at(seq, p);
        for alt in f[4].split(',') {
            let mut annotation = annotate_at(&txs, &preferred, &chrom, pos, f[3], alt, &at);
            if annotation.is_none() {
                if let Some((key, fields, snpeff)) = &csq {
                    if let Some(v) = info(key) {
                        annotation = from_csq(&v, fields, alt, *snpeff);
                    }
                }
            }
            variants.push(ReportVariant {
                chrom: chrom.clone(),
                pos,
                ref_allele: f[3].into(),
                alt: alt.into(),
                vaf,
                depth,
                annotation,
            });
        }
    }
    // biomarkers
    let tmb = args
        .tmb
        .or_else(|| results.as_ref().and_then(|r| r["tmb"]["per_mb"].as_f64()));
    let msi = args.msi_status.clone().or_else(|| {
        results
            .as_ref()
            .and_then(|r| r["msi"]["status"].as_str().map(String::from))
    });
    let purity = results
        .as_ref()
        .and_then(|r| r["purity"]["estimate"].as_f64());
    let qc_verdict = results
        .as_ref()
        .and_then(|r| r["qc"]["verdict"].as_str().map(String::from));
    let (findings, expert_panel) = tier_and_triage(
        &k,
        &tree,
        &args.cancer_type,
        &variants,
        tmb,
        msi.as_deref(),
        qc_verdict.as_deref(),
    );
    let mut limitations: Vec<String> = results
        .as_ref()
        .and_then(|r| {
            r["warnings"].as_array().map(|a| {
                a.iter()
                    .filter_map(|w| w.as_str().map(String::from))
                    .collect()
            })
        })
        .unwrap_or_default();
    if text.contains("##oncostream_mode=tumor-only")
        && !limitations.iter().any(|l| l.contains("tumor-only"))
    {
        limitations.push(
            "tumor-only analysis: germline variants may remain among the reported variants".into(),
        );
    }
    let highest = findings
        .iter()
        .find(|f| f.level != "R")
        .map(|f| f.level_label.clone());
    let report = Report {
        schema_version: SCHEMA_VERSION,
        software: format!("oncostream {}", env!("CARGO_PKG_VERSION")),
        kb: serde_json::json!({"path": k.path, "version": k.version, "date": k.date, "md5": md5_file(&kb_path)?}),
        sample: serde_json::json!({
            "tumor": if tumor_name.is_empty() { samples.last().cloned().unwrap_or_default() } else { tumor_name.clone() },
            "cancer_type": args.cancer_type,
            "cancer_type_name": tree.name(&args.cancer_type).unwrap_or(""),
        }),
        inputs: serde_json::json!({
            "vcf": {"path": args.vcf.display().to_string(), "md5": md5_file(&args.vcf)?},
            "reference": {"path": args.reference.display().to_string(), "md5": md5_file(&args.reference)?},
            "gff": match &args.gff {
                Some(g) => serde_json::json!({"path": g.display().to_string(), "md5": md5_file(g)?}),
                None => serde_json::Value::Null,
            },
        }),
        tmb: tmb.map(|t| serde_json::json!({"per_mb": t, "class": if t >= 20.0 { "very_high" } else if t >= 10.0 { "high" } else { "low" }})),
        msi_status: msi,
        purity,
        qc_verdict,
        highest_level: highest,
        findings,
        variants,
        expert_panel,
        limitations,
    };
    std::fs::create_dir_all(&args.outdir).map_err(|e| {
        fail(
            ExitKind::CantCreate,
            format!("cannot create '{}': {e}", args.outdir.display()),
        )
    })?;
    let mut js = serde_json::to_string_pretty(&report)?;
    js.push('\n');
    write_atomic(&args.outdir.join("report.json"), js.as_bytes())?;
    write_atomic(
        &args.outdir.join("report.html"),
        render_html(&report).as_bytes(),
    )?;
    log::info(&format!(
        "{} findings; highest level {}; expert panel {}",
        report.findings.len(),
        report.highest_level.as_deref().unwrap_or("none"),
        if report.expert_panel.recommended {
            "recommended"
        } else {
            "not required"
        }
    ));
    Ok(())
}

/// Tiers the annotated variants and biomarkers and applies the expert-panel triage rules
/// (shared by `report` and `retier`, so a re-tier reproduces a report exactly).
pub fn tier_and_triage(
    k: &kb::Kb,
    tree: &OncoTree,
    cancer_type: &str,
    variants: &[ReportVariant],
    tmb: Option<f64>,
    msi: Option<&str>,
    qc_verdict: Option<&str>,
) -> (Vec<crate::clinical::tier::Finding>, Triage) {
    let mut alts: Vec<Alteration> = variants
        .iter()
        .filter_map(|v| v.annotation.as_ref())
        .filter(|a| a.hgvs_p.is_some() || a.consequence.contains("splice"))
        .map(|a| Alteration::Variant {
            gene: a.gene.clone(),
            protein_change: a.protein_change.clone(),
            consequence: a.consequence.clone(),
            exon: a.exon,
            intron: a
                .location
                .as_deref()
                .and_then(|l| l.strip_prefix("intron "))
                .and_then(|x| x.split('/').next())
                .and_then(|x| x.parse().ok()),
        })
        .collect();
    if msi == Some("MSI-H") {
        alts.push(Alteration::MsiHigh);
    }
    if let Some(t) = tmb {
        alts.push(Alteration::Tmb(t));
    }
    let findings = tier(k, tree, cancer_type, &alts);
    // METHOD: expert-panel triage (documented rules, README)
    let mut reasons = Vec::new();
    for f in &findings {
        if f.level != "R" && !(f.level == "A" && f.approved_in_japan) {
            reasons.push(format!(
                "{} {}: level {} (off-label or investigational option)",
                f.gene, f.alteration, f.level_label
            ));
        }
    }
    for v in variants {
        if let (Some(a), Some(vaf)) = (&v.annotation, v.vaf) {
            if PREDISPOSITION.contains(&a.gene.as_str())
                && ((0.35..=0.65).contains(&vaf) || vaf >= 0.9)
            {
                reasons.push(format!(
                    "{} {} at VAF {vaf:.2}: possible germline variant in a cancer-predisposition gene (confirmatory germline testing)",
                    a.gene,
                    a.protein_change.clone().unwrap_or_else(|| a.hgvs_c.clone())
                ));
            }
        }
    }
    if qc_verdict == Some("fail") {
        reasons.push("QC failed (see limitations)".into());
    }
    let recommended = !reasons.is_empty();
    if !recommended {
        reasons.push(if findings.is_empty() {
            "no reportable alteration with evidence".into()
        } else {
            "only level-A alterations with a drug approved in Japan for this cancer type".into()
        });
    }
    (
        findings,
        Triage {
            recommended,
            reasons,
        },
    )
}
