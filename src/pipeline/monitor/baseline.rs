//! The baseline of `monitor`: an oncostream run directory or a VCF, read and checked into the
//! tracked sites (SNVs with their weights), before any BAM record is read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::error::{fail, ExitKind};
use crate::io::json::read_document;
use crate::io::reference::Reference;
use crate::io::vcf_input::read_input_vcf;
use crate::somatic::mrd::assess::TrackedSite;
use crate::somatic::mrd::model::baseline_copies;
use crate::types::monitor::{
    BaselineInfo, BaselineSource, NotTracked, NotTrackedReason, TrackedStatus, WeightBasis,
};
use crate::types::report::Report;
use crate::types::results::RunResults;
use crate::types::{Contig, Pos1};

/// Share of tracked SNVs whose REF may disagree with the reference before the baseline is
/// refused as aligned to another genome.
const MAX_REF_MISMATCH_SHARE: f64 = 0.05;

/// One baseline variant before it is checked.
struct Candidate {
    chrom: String,
    pos: Pos1,
    ref_allele: String,
    alt: String,
    alt_reads: Option<u32>,
    depth: Option<u32>,
}

/// The baseline, read.
pub(crate) struct Baseline {
    /// What the document says about it.
    pub info: BaselineInfo,
    /// The tracked SNVs (ids 0..n).
    pub sites: Vec<TrackedSite>,
    /// The baseline run's transcript models (its `--gff`), when still readable.
    pub gff: Option<PathBuf>,
    /// The baseline run's reference digest.
    pub reference_digest: Option<String>,
}

fn run_documents(dir: &Path) -> Result<(RunResults, Option<Report>)> {
    if !dir.is_dir() {
        return Err(fail(
            ExitKind::NoInput,
            format!(
                "--baseline '{}' is not a directory: pass an oncostream run directory (with results.json), or the VCF with --variants",
                dir.display()
            ),
        ));
    }
    let results: RunResults = read_document(&dir.join("results.json"))?;
    let report_path = dir.join("report.json");
    let report = if report_path.exists() {
        Some(read_document::<Report>(&report_path)?)
    } else {
        None
    };
    Ok((results, report))
}

fn copy_number_at(results: &RunResults, chrom: &str, pos: Pos1) -> Option<f64> {
    let cn = results.copy_number.as_ref()?;
    cn.segments
        .iter()
        .find(|s| s.chrom == chrom && s.span().contains(pos.to_pos0()))
        .and_then(|s| s.copy_number.or(s.total_cn.map(|c| c as f64)))
        .map(|c| c.max(0.5))
}

/// Reads the baseline: `run_dir` (results.json, report.json) and/or `vcf`.
pub(crate) fn read_baseline(
    run_dir: Option<&Path>,
    vcf: Option<&Path>,
    reference: &Reference,
    contigs: &[Contig],
) -> Result<Baseline> {
    let docs = run_dir.map(run_documents).transpose()?;
    let (results, report) = match &docs {
        Some((r, rep)) => (Some(r), rep.as_ref()),
        None => (None, None),
    };
    let input_vcf = vcf.map(read_input_vcf).transpose()?;
    let candidates: Vec<Candidate> = match (&input_vcf, results) {
        (Some(v), _) => v
            .variants
            .iter()
            .map(|x| Candidate {
                chrom: x.chrom.clone(),
                pos: x.pos,
                ref_allele: x.ref_allele.to_ascii_uppercase(),
                alt: x.alt.to_ascii_uppercase(),
                alt_reads: match (x.vaf, x.depth) {
                    (Some(f), Some(d)) => Some((f * d as f64).round() as u32),
                    _ => None,
                },
                depth: x.depth,
            })
            .collect(),
        (None, Some(r)) => r
            .variants
            .iter()
            .map(|x| Candidate {
                chrom: x.chrom.clone(),
                pos: x.pos,
                ref_allele: x.ref_allele.to_ascii_uppercase(),
                alt: x.alt.to_ascii_uppercase(),
                alt_reads: Some(x.tumor_alt),
                depth: Some(x.tumor_depth),
            })
            .collect(),
        (None, None) => {
            return Err(fail(
                ExitKind::Usage,
                "monitor needs --baseline RUN_DIR (an oncostream run) or --variants VCF (the patient's somatic variants)",
            ))
        }
    };
    let genes: HashMap<(String, u64, String, String), String> = report
        .map(|rep| {
            rep.variants
                .iter()
                .filter_map(|v| {
                    let g = v.annotation.as_ref()?.gene.clone();
                    Some((
                        (
                            v.chrom.clone(),
                            v.pos.get(),
                            v.ref_allele.clone(),
                            v.alt.clone(),
                        ),
                        g,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let purity = results.and_then(|r| r.purity.estimate);
    let (sites, not_tracked) =
        tracked_sites(&candidates, results, purity, &genes, reference, contigs)?;
    let path = run_dir.or(vcf).expect("one of them").display().to_string();
    let info = BaselineInfo {
        source: if run_dir.is_some() {
            BaselineSource::RunDirectory
        } else {
            BaselineSource::Vcf
        },
        path,
        run_id: results
            .map(|r| r.run_id.clone())
            .or_else(|| input_vcf.as_ref().and_then(|v| v.run_id.clone())),
        tumor_sample: results
            .map(|r| r.samples.tumor.clone())
            .or_else(|| input_vcf.as_ref().and_then(|v| v.tumor_sample.clone())),
        purity,
        cancer_type: report.map(|r| r.sample.cancer_type.clone()),
        variants: candidates.len(),
        tracked: sites.len(),
        not_tracked,
    };
    Ok(Baseline {
        info,
        sites,
        gff: results
            .and_then(|r| r.provenance.gff.as_ref())
            .map(|g| PathBuf::from(&g.path))
            .filter(|p| p.exists()),
        reference_digest: results.map(|r| r.provenance.reference.digest.clone()),
    })
}

fn is_base(s: &str) -> bool {
    s.len() == 1 && matches!(s.as_bytes()[0], b'A' | b'C' | b'G' | b'T')
}

/// The SNVs on the sample's contigs, with their weights; the others as not tracked. Refuses a
/// baseline without any SNV to track, or whose REF bases disagree with the reference.
fn tracked_sites(
    candidates: &[Candidate],
    results: Option<&RunResults>,
    purity: Option<f64>,
    genes: &HashMap<(String, u64, String, String), String>,
    reference: &Reference,
    contigs: &[Contig],
) -> Result<(Vec<TrackedSite>, Vec<NotTracked>)> {
    let mut sites = Vec::new();
    let mut not_tracked = Vec::new();
    let mut mismatches = Vec::new();
    let mut buf = Vec::new();
    for c in candidates {
        let skip = |reason| NotTracked {
            chrom: c.chrom.clone(),
            pos: c.pos,
            ref_allele: c.ref_allele.clone(),
            alt: c.alt.clone(),
            reason,
        };
        if !is_base(&c.ref_allele) || !is_base(&c.alt) {
            not_tracked.push(skip(NotTrackedReason::NotAnSnv));
            continue;
        }
        if !contigs.iter().any(|k| k.name == c.chrom) || reference.get(&c.chrom).is_none() {
            not_tracked.push(skip(NotTrackedReason::ContigNotInSample));
            continue;
        }
        let p = c.pos.get();
        buf.clear();
        reference.fetch_into(
            reference.get(&c.chrom).unwrap(),
            p.saturating_sub(2),
            p + 1,
            &mut buf,
        );
        let tri = if p >= 2 && buf.len() == 3 {
            [buf[0], buf[1], buf[2]]
        } else {
            [b'N', buf.first().copied().unwrap_or(b'N'), b'N']
        };
        let ref_base = c.ref_allele.as_bytes()[0];
        let excluded = (tri[1] != ref_base).then(|| {
            mismatches.push(format!("{}:{} {}", c.chrom, p, c.ref_allele));
            TrackedStatus::ReferenceMismatch
        });
        let cn = results
            .and_then(|r| copy_number_at(r, &c.chrom, c.pos))
            .unwrap_or(2.0);
        let (mc, basis) = match (purity, c.alt_reads, c.depth) {
            (Some(pur), Some(a), Some(d)) => baseline_copies(a, d, pur, cn),
            _ => (1.0, WeightBasis::AssumedClonal),
        };
        sites.push(TrackedSite {
            id: sites.len() as u32,
            chrom: c.chrom.clone(),
            pos: c.pos,
            ref_base,
            alt_base: c.alt.as_bytes()[0],
            tri,
            gene: genes
                .get(&(c.chrom.clone(), p, c.ref_allele.clone(), c.alt.clone()))
                .cloned(),
            mc,
            cn,
            basis,
            excluded,
        });
    }
    if sites.is_empty() {
        return Err(fail(
            ExitKind::Data,
            format!(
                "the baseline has no SNV to track ({} variant(s): {} not SNVs, {} on contigs the sample lacks); monitoring tracks the baseline's somatic SNVs",
                candidates.len(),
                not_tracked.iter().filter(|n| n.reason == NotTrackedReason::NotAnSnv).count(),
                not_tracked.iter().filter(|n| n.reason == NotTrackedReason::ContigNotInSample).count()
            ),
        ));
    }
    if mismatches.len() as f64 > MAX_REF_MISMATCH_SHARE * sites.len() as f64 {
        return Err(fail(
            ExitKind::Data,
            format!(
                "{} of {} baseline SNVs have a REF base that the reference '{}' does not have (e.g. {}): the baseline and the samples are on different references; pass the reference the baseline was called on",
                mismatches.len(),
                sites.len(),
                reference.path.display(),
                mismatches.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    Ok((sites, not_tracked))
}
