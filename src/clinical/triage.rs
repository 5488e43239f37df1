//! From annotated variants and biomarkers to tiered findings and the expert-panel triage.
//! Shared by `report` and `retier`, so a re-tier with the same KB reproduces a report exactly.

use super::kb::matcher::intron_offsets;
use super::kb::Kb;
use super::oncotree::OncoTree;
use super::tier::{tier, Alteration, Finding, FindingKind, Level};
use crate::types::cnv::{CnCall, CopyNumberResult};
use crate::types::msi::MsiStatus;
use crate::types::report::{ReportVariant, Triage};
use crate::types::results::QcVerdict;
use crate::types::sv::SvResult;

/// What a report tiers: variants, copy number, fusions and biomarkers.
#[derive(Clone, Copy, Debug, Default)]
pub struct TierInput<'a> {
    /// Annotated PASS variants.
    pub variants: &'a [ReportVariant],
    /// Copy number (gene calls), when assessed.
    pub copy_number: Option<&'a CopyNumberResult>,
    /// Structural variants and fusions, when assessed.
    pub structural: Option<&'a SvResult>,
    /// TMB per Mb.
    pub tmb: Option<f64>,
    /// MSI status.
    pub msi: Option<MsiStatus>,
    /// QC verdict.
    pub qc_verdict: Option<QcVerdict>,
}

/// Genes whose germline variants predispose to cancer: a germline-like VAF there sends the case
/// to the expert panel (secondary-findings review).
pub const PREDISPOSITION: &[&str] = &[
    "BRCA1", "BRCA2", "MLH1", "MSH2", "MSH6", "PMS2", "EPCAM", "TP53", "APC", "PALB2", "ATM",
    "CHEK2", "PTEN", "RB1", "VHL", "STK11", "CDH1", "MEN1", "RET", "NF1",
];

/// METHOD: a VAF in 0.35-0.65 (heterozygous) or >= 0.90 (homozygous / LOH) looks germline.
pub const GERMLINE_LIKE_HET: (f64, f64) = (0.35, 0.65);
/// See [`GERMLINE_LIKE_HET`].
pub const GERMLINE_LIKE_HOM: f64 = 0.90;

/// The alterations tiering can match: annotated variants (protein-changing, at a splice site or
/// near one), amplified and deeply deleted genes, fusions (each gene pair once), biomarkers.
pub fn alterations(input: &TierInput<'_>) -> Vec<Alteration> {
    let mut alts: Vec<Alteration> = input
        .variants
        .iter()
        .filter_map(|v| v.annotation.as_ref())
        .filter(|a| {
            // protein-changing, at a splice site, or an intronic change within 30 bases of an
            // exon (the acceptor-region deletions of MET exon 14 skipping reach -30)
            a.hgvs_p.is_some()
                || a.consequence.contains("splice")
                || intron_offsets(&a.hgvs_c).iter().any(|o| o.abs() <= 30)
        })
        .map(|a| Alteration::Variant {
            gene: a.gene.clone(),
            transcript: a.transcript.clone(),
            protein_change: a.protein_change.clone(),
            consequence: a.consequence.clone(),
            exon: a.exon,
            intron: a
                .location
                .as_deref()
                .and_then(|l| l.strip_prefix("intron "))
                .and_then(|x| x.split('/').next())
                .and_then(|x| x.parse().ok()),
            hgvs_c: a.hgvs_c.clone(),
        })
        .collect();
    if let Some(cn) = input.copy_number {
        for g in &cn.genes {
            match g.call {
                CnCall::Amplification => alts.push(Alteration::Amplification {
                    gene: g.gene.clone(),
                }),
                CnCall::DeepDeletion => alts.push(Alteration::Deletion {
                    gene: g.gene.clone(),
                }),
                _ => {}
            }
        }
    }
    if let Some(sv) = input.structural {
        let mut seen = std::collections::BTreeSet::new();
        for f in sv.fusions.iter().filter(|f| !f.intragenic) {
            let pair = (f.five_prime.gene.clone(), f.three_prime.gene.clone());
            if seen.insert(pair.clone()) {
                alts.push(Alteration::Fusion {
                    five: pair.0,
                    three: pair.1,
                });
            }
        }
    }
    if input.msi == Some(MsiStatus::MsiH) {
        alts.push(Alteration::MsiHigh);
    }
    if let Some(t) = input.tmb {
        alts.push(Alteration::Tmb(t));
    }
    alts
}

/// Tiers the annotated variants and biomarkers for `cancer_type` and applies the triage rules.
pub fn tier_and_triage(
    k: &Kb,
    tree: &OncoTree,
    cancer_type: &str,
    input: &TierInput<'_>,
) -> (Vec<Finding>, Triage) {
    let findings = tier(k, tree, cancer_type, &alterations(input));
    let (variants, qc_verdict) = (input.variants, input.qc_verdict);
    // METHOD: expert-panel triage (documented rules, README)
    let mut reasons = Vec::new();
    for f in &findings {
        if f.kind != FindingKind::Therapeutic {
            continue;
        }
        // one reason per alteration: its options without a Japanese approval for this cancer
        // type, counted, with the best of them named
        let open: Vec<_> = f
            .therapies
            .iter()
            .filter(|t| !(t.level == Level::A && t.approved_in_japan))
            .collect();
        if let Some(best) = open.first() {
            reasons.push(format!(
                "{} {}: {} off-label or investigational option(s) (best: {}, level {})",
                f.gene,
                f.alteration,
                open.len(),
                best.regimen,
                best.level_label
            ));
        }
    }
    for v in variants {
        if let (Some(a), Some(vaf)) = (&v.annotation, v.vaf) {
            let (lo, hi) = GERMLINE_LIKE_HET;
            if PREDISPOSITION.contains(&a.gene.as_str())
                && ((lo..=hi).contains(&vaf) || vaf >= GERMLINE_LIKE_HOM)
            {
                reasons.push(format!(
                    "{} {} at VAF {vaf:.2}: possible germline variant in a cancer-predisposition gene (confirmatory germline testing)",
                    a.gene,
                    a.protein_change.clone().unwrap_or_else(|| a.hgvs_c.clone())
                ));
            }
        }
    }
    if qc_verdict == Some(QcVerdict::Fail) {
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

/// The highest therapeutic level among findings, as its label.
pub fn highest_level(findings: &[Finding]) -> Option<String> {
    findings
        .iter()
        .filter(|f| f.kind == FindingKind::Therapeutic)
        .min_by_key(|f| (f.level.rank(), !f.approved_in_japan))
        .map(|f| f.level_label.clone())
}
