//! From annotated variants and biomarkers to tiered findings and the expert-panel triage.
//! Shared by `report` and `retier`, so a re-tier with the same KB reproduces a report exactly.

use super::kb::matcher::intron_offsets;
use super::kb::Kb;
use super::oncotree::OncoTree;
use super::tier::{
    tier_observed, Alteration, AlterationOrigin, Finding, FindingKind, Level, Observed,
};
use crate::types::cnv::{CnCall, CopyNumberResult};
use crate::types::msi::MsiStatus;
use crate::types::report::{GermlineFinding, Priority, ReportVariant, Triage, PANEL_STATEMENT};
use crate::types::results::{IdentityStatus, QcResult, QcVerdict};
use crate::types::sv::{Fusion, SvResult};

/// What a report tiers: variants, copy number, fusions and biomarkers.
#[derive(Clone, Copy, Debug, Default)]
pub struct TierInput<'a> {
    /// Annotated PASS variants.
    pub variants: &'a [ReportVariant],
    /// Copy number (gene calls), when assessed.
    pub copy_number: Option<&'a CopyNumberResult>,
    /// Structural variants and fusions, when assessed.
    pub structural: Option<&'a SvResult>,
    /// TMB per Mb, when evaluable (a TMB that is not evaluable is not tiered).
    pub tmb: Option<f64>,
    /// MSI status, when evaluable.
    pub msi: Option<MsiStatus>,
    /// QC verdict.
    pub qc_verdict: Option<QcVerdict>,
    /// The run's QC (failed rules, identity), when known.
    pub qc: Option<&'a QcResult>,
    /// Purity estimate, when known.
    pub purity: Option<f64>,
    /// Biomarkers that are not evaluable, with the reason (for the triage).
    pub not_evaluable: &'a [String],
    /// A matched normal was examined: a somatic call's VAF says nothing about germline origin
    /// then (germline alleles are filtered, and reported as germline findings).
    pub paired: bool,
    /// Germline findings from the matched normal (tiered with origin germline).
    pub germline: &'a [GermlineFinding],
}

/// Genes whose germline variants predispose to cancer: a germline-like VAF there sends the case
/// to the expert panel (secondary-findings review).
pub(crate) const PREDISPOSITION: &[&str] = &[
    "BRCA1", "BRCA2", "MLH1", "MSH2", "MSH6", "PMS2", "EPCAM", "TP53", "APC", "PALB2", "ATM",
    "CHEK2", "PTEN", "RB1", "VHL", "STK11", "CDH1", "MEN1", "RET", "NF1",
];

/// METHOD: a VAF in 0.35-0.65 (heterozygous) or >= 0.90 (homozygous / LOH) looks germline.
pub const GERMLINE_LIKE_HET: (f64, f64) = (0.35, 0.65);
/// See [`GERMLINE_LIKE_HET`].
pub(crate) const GERMLINE_LIKE_HOM: f64 = 0.90;

/// The alteration an annotated variant is matched as.
pub fn variant_alteration(a: &crate::types::transcript::Annotation) -> Alteration {
    Alteration::Variant {
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
    }
}

/// Whether an annotated variant is something tiering can match: protein-changing, at a splice
/// site, or an intronic change within 30 bases of an exon (the acceptor-region deletions of MET
/// exon 14 skipping reach -30).
fn tierable(a: &crate::types::transcript::Annotation) -> bool {
    a.hgvs_p.is_some()
        || a.consequence.is_splice()
        || intron_offsets(&a.hgvs_c).iter().any(|o| o.abs() <= 30)
}

/// Gene-level copy-number calls and fusions (see [`fusion_alterations`]) as alterations, with
/// the note each carries.
fn structural_alterations(input: &TierInput<'_>) -> Vec<(Alteration, Option<String>)> {
    let mut alts = Vec::new();
    if let Some(cn) = input.copy_number {
        for g in &cn.genes {
            match g.call {
                CnCall::Amplification => alts.push((
                    Alteration::Amplification {
                        gene: g.gene.clone(),
                    },
                    None,
                )),
                CnCall::DeepDeletion => alts.push((
                    Alteration::Deletion {
                        gene: g.gene.clone(),
                    },
                    None,
                )),
                _ => {}
            }
        }
    }
    if let Some(sv) = input.structural {
        alts.extend(fusion_alterations(&sv.fusions));
    }
    alts
}

/// METHOD (reciprocal fusions): the fusions between two genes, each gene pair once. A balanced
/// rearrangement makes both products, A::B and its reciprocal B::A; when exactly one of the
/// two is in the known-fusion list (CIViC), only that one is tiered and it names the
/// reciprocal in a note (the reciprocal stays listed with the structural variants): the same
/// event would otherwise be two findings with the same therapies for the panel to discuss.
/// When neither or both are known, both are tiered: orientation alone does not say which
/// product drives the tumor, and dropping one could hide the one that does.
fn fusion_alterations(fusions: &[Fusion]) -> Vec<(Alteration, Option<String>)> {
    let fusions: Vec<&Fusion> = fusions.iter().filter(|f| !f.intragenic).collect();
    let pair = |f: &Fusion| (f.five_prime.gene.clone(), f.three_prime.gene.clone());
    let known: std::collections::BTreeSet<(String, String)> = fusions
        .iter()
        .filter(|f| f.known_fusion)
        .map(|f| pair(f))
        .collect();
    let present: std::collections::BTreeSet<(String, String)> =
        fusions.iter().map(|f| pair(f)).collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut alts = Vec::new();
    for f in fusions {
        let (five, three) = pair(f);
        if !seen.insert((five.clone(), three.clone())) {
            continue;
        }
        let reciprocal = (three.clone(), five.clone());
        let has_reciprocal = five != three && present.contains(&reciprocal);
        let this_known = known.contains(&(five.clone(), three.clone()));
        let other_known = known.contains(&reciprocal);
        if has_reciprocal && other_known && !this_known {
            continue;
        }
        let note = (has_reciprocal && this_known && !other_known).then(|| {
            format!(
                "with its reciprocal {three}::{five} (the other product of the same rearrangement, listed with the structural variants and not tiered separately)"
            )
        });
        alts.push((Alteration::Fusion { five, three }, note));
    }
    alts
}

/// METHOD: what tiering matches, with where it was found: annotated PASS variants (somatic in
/// a tumor-normal analysis, of unknown origin otherwise), amplified and deeply deleted genes,
/// fusions and biomarkers (tumour-level: somatic), and the germline findings of the matched
/// normal (germline).
pub fn observed(input: &TierInput<'_>) -> Vec<Observed> {
    let variant_origin = if input.paired {
        AlterationOrigin::Somatic
    } else {
        AlterationOrigin::Unknown
    };
    let mut out: Vec<Observed> = input
        .variants
        .iter()
        .filter_map(|v| match &v.mane_mapping {
            // METHOD: a variant mapped onto the MANE transcript the models lack is tiered on
            // MANE numbering (`clinical::transcripts`), with the mapping as a note
            Some(m) => Some((&m.annotation, Some(m.note.clone()))),
            None => v.annotation.as_ref().map(|a| (a, None)),
        })
        .filter(|(a, _)| tierable(a))
        .map(|(a, note)| Observed {
            alt: variant_alteration(a),
            origin: variant_origin,
            note,
        })
        .collect();
    let mut somatic = structural_alterations(input);
    if input.msi == Some(MsiStatus::MsiH) {
        somatic.push((Alteration::MsiHigh, None));
    }
    if let Some(t) = input.tmb {
        somatic.push((Alteration::Tmb(t), None));
    }
    out.extend(somatic.into_iter().map(|(alt, note)| Observed {
        alt,
        origin: AlterationOrigin::Somatic,
        note,
    }));
    out.extend(
        input
            .germline
            .iter()
            .filter_map(|g| g.annotation.as_ref())
            .filter(|a| tierable(a))
            .map(|a| Observed {
                alt: variant_alteration(a),
                origin: AlterationOrigin::Germline,
                note: None,
            }),
    );
    out
}

/// The alterations tiering can match (see [`observed`]), without their origin.
pub fn alterations(input: &TierInput<'_>) -> Vec<Alteration> {
    observed(input).into_iter().map(|o| o.alt).collect()
}

/// Tiers the annotated variants and biomarkers for `cancer_type` and applies the triage rules.
pub(crate) fn tier_and_triage(
    k: &Kb,
    tree: &OncoTree,
    cancer_type: &str,
    input: &TierInput<'_>,
) -> (Vec<Finding>, Triage) {
    let mut findings = tier_observed(k, tree, cancer_type, &observed(input));
    // a low-confidence MSI-H is tiered with its reason on every finding of it
    for r in input
        .not_evaluable
        .iter()
        .filter(|r| r.starts_with(MSI_LOW_CONFIDENCE))
    {
        for f in findings.iter_mut().filter(|f| f.alteration == "MSI-H") {
            f.notes.insert(0, r.clone());
        }
    }
    let triage = triage(&findings, input);
    (findings, triage)
}

/// How the reason of a low-confidence MSI-H call begins (`pipeline::report::measured_msi`).
pub(crate) const MSI_LOW_CONFIDENCE: &str = "MSI-H low confidence";

/// METHOD: expert-panel triage. Every case goes to the panel; the priority only orders the
/// discussion, in three classes. `qc_retest` ("QC failed: re-test") when QC failed (each failed
/// rule) or the tumor/normal identity mismatches: the findings cannot be relied on. Else
/// `discuss_first` ("actionable: discuss first") when the panel must judge a finding: a
/// resistance (R) finding; without a matched normal, a variant in a cancer-predisposition gene
/// at a germline-like VAF; a finding that calls for germline testing (MSI-H: Lynch syndrome);
/// therapeutic options that are only off-label or investigational in Japan (germline findings
/// are added by [`add_germline_reasons`]). Else `routine` ("routine review"). Caveats — purity
/// below 0.30, a biomarker that is not evaluable or of low confidence — are listed as reasons
/// in every class but do not raise it (a sample with no finding stays routine).
pub fn triage(findings: &[Finding], input: &TierInput<'_>) -> Triage {
    let qc = qc_reasons(input);
    let mut actionable = resistance_reasons(findings);
    actionable.extend(possibly_germline_reasons(input));
    actionable.extend(germline_testing_reasons(findings));
    actionable.extend(off_label_reasons(findings));
    let caveats = caveat_reasons(input);
    let priority = if !qc.is_empty() {
        Priority::QcRetest
    } else if !actionable.is_empty() {
        Priority::DiscussFirst
    } else {
        Priority::Routine
    };
    let mut reasons: Vec<String> = qc.into_iter().chain(actionable).collect();
    if priority == Priority::Routine {
        let therapeutic = findings.iter().any(|f| f.kind == FindingKind::Therapeutic);
        reasons.push(if therapeutic {
            "every alteration with therapeutic evidence has an option approved in Japan for this cancer type".into()
        } else {
            "no alteration with therapeutic evidence".into()
        });
    }
    reasons.extend(caveats);
    Triage {
        priority,
        reasons,
        statement: PANEL_STATEMENT.into(),
    }
}

/// Resistance findings, each a reason.
fn resistance_reasons(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.kind == FindingKind::Resistance)
        .map(|f| {
            format!(
                "{} {}: resistance to {}",
                f.gene,
                f.alteration,
                f.drugs.join(", ")
            )
        })
        .collect()
}

/// Why the findings cannot be relied on: each failed QC rule, a tumor/normal identity mismatch.
fn qc_reasons(input: &TierInput<'_>) -> Vec<String> {
    let mut reasons = Vec::new();
    if input.qc_verdict == Some(QcVerdict::Fail) {
        match input.qc.filter(|q| !q.reasons.is_empty()) {
            Some(q) => reasons.extend(q.reasons.iter().map(|r| format!("QC failed: {r}"))),
            None => reasons.push("QC failed".into()),
        }
    }
    if let Some(id) = input.qc.and_then(|q| q.identity.as_ref()) {
        if id.status == IdentityStatus::Mismatch {
            reasons.push(format!(
                "tumor/normal identity mismatch ({} of {} germline sites shared): another person's normal or swapped samples",
                id.shared, id.sites
            ));
        }
    }
    reasons
}

/// What does not change the priority but the panel must know: low purity, biomarkers that are
/// not evaluable or of low confidence.
fn caveat_reasons(input: &TierInput<'_>) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Some(p) = input
        .purity
        .filter(|p| *p < crate::somatic::biomarkers::LOW_PURITY)
    {
        reasons.push(format!(
            "tumor purity {:.0}% (< 30%): TMB is underestimated and variants at low allele fraction may be missed",
            p * 100.0
        ));
    }
    reasons.extend(input.not_evaluable.iter().cloned());
    reasons
}

/// Without a matched normal: variants in cancer-predisposition genes at a germline-like VAF.
fn possibly_germline_reasons(input: &TierInput<'_>) -> Vec<String> {
    let mut reasons = Vec::new();
    for v in input.variants.iter().filter(|_| !input.paired) {
        if let (Some(a), Some(vaf)) = (&v.annotation, v.vaf) {
            let (lo, hi) = GERMLINE_LIKE_HET;
            if PREDISPOSITION.contains(&a.gene.as_str())
                && ((lo..=hi).contains(&vaf) || vaf >= GERMLINE_LIKE_HOM)
            {
                reasons.push(format!(
                    "{} {} at VAF {vaf:.2}: possibly germline, in a cancer-predisposition gene (confirm with a clinical germline test)",
                    a.gene,
                    a.protein_change.clone().unwrap_or_else(|| a.hgvs_c.clone())
                ));
            }
        }
    }
    reasons
}

/// Notes that call for germline testing (MSI-H: Lynch syndrome), once per alteration.
fn germline_testing_reasons(findings: &[Finding]) -> Vec<String> {
    let mut reasons: Vec<String> = findings
        .iter()
        .flat_map(|f| {
            f.notes
                .iter()
                .filter(|n| n.starts_with(super::tier::GERMLINE_TESTING))
                .map(move |n| format!("{} {}: {n}", f.gene, f.alteration))
        })
        .collect();
    reasons.dedup();
    reasons
}

/// Therapeutic findings without an option approved in Japan for this cancer type.
fn off_label_reasons(findings: &[Finding]) -> Vec<String> {
    let approved_here = |f: &Finding| {
        f.therapies
            .iter()
            .any(|t| t.level == Level::A && t.approved_in_japan)
    };
    findings
        .iter()
        .filter(|f| f.kind == FindingKind::Therapeutic && !approved_here(f))
        .map(|f| {
            let best = &f.therapies[0];
            format!(
                "{} {}{}: only off-label or investigational options in Japan ({} regimen(s); best: {}, level {})",
                f.gene,
                f.alteration,
                if f.origin == AlterationOrigin::Germline {
                    " (germline)"
                } else {
                    ""
                },
                f.therapies.len(),
                best.regimen,
                best.level_label
            )
        })
        .collect()
}

/// Germline findings make a routine case `discuss_first` (each one a reason; a QC re-test
/// stays one).
pub fn add_germline_reasons(t: &mut Triage, g: &crate::types::report::GermlineResult) {
    if g.findings.is_empty() && g.possibly_germline.is_empty() {
        return;
    }
    if t.priority == Priority::Routine {
        t.priority = Priority::DiscussFirst;
        // the routine sentence goes; the caveats stay
        t.reasons.retain(|r| {
            r != "no alteration with therapeutic evidence"
                && !r.starts_with("every alteration with therapeutic evidence")
        });
    }
    for f in &g.findings {
        t.reasons.push(format!(
            "germline finding {} {} ({}, {}): confirm with a clinical germline test; genetic counselling",
            f.gene,
            f.hgvs_p.clone().unwrap_or_else(|| f.hgvs_c.clone()),
            f.class,
            f.zygosity
        ));
    }
    for f in &g.possibly_germline {
        t.reasons.push(format!(
            "{} {} (tumor VAF {:.2}): possibly germline, {} if germline (tumor-only; confirm with a clinical germline test)",
            f.gene,
            f.hgvs_p.clone().unwrap_or_else(|| f.hgvs_c.clone()),
            f.normal_vaf,
            f.class
        ));
    }
}

/// The highest therapeutic level among findings, as its label.
pub fn highest_level(findings: &[Finding]) -> Option<String> {
    findings
        .iter()
        .filter(|f| f.kind == FindingKind::Therapeutic)
        .min_by_key(|f| (f.level.rank(), !f.approved_in_japan))
        .map(|f| f.level_label.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fusion as results.json writes it (the ETV6::NTRK1 translocation of
    /// fixtures/sim_placed: both products found, ETV6::NTRK1 in CIViC's list).
    fn fusion(five: &str, three: &str, known: bool) -> Fusion {
        let partner = |gene: &str, chrom: &str, pos: u64| {
            serde_json::json!({"gene": gene, "transcript": "NM_0", "chrom": chrom, "pos": pos,
                "strand": "+", "location": "intron 5/7", "exon": 5, "exonic": false})
        };
        let (a, b) = (
            partner(five, "chr12", 11876853),
            partner(three, "chr1", 156874489),
        );
        serde_json::from_value(serde_json::json!({
            "name": format!("{five}::{three}"), "five_prime": a, "three_prime": b,
            "frame": "in_frame", "sv_id": "SV1", "tumor": {"split_reads": 6, "discordant_pairs": 3},
            "intragenic": false, "known_fusion": known,
            "known_source": if known { Some("https://civicdb.org/links/variants/3700") } else { None }
        }))
        .unwrap()
    }

    fn names(alts: &[(Alteration, Option<String>)]) -> Vec<String> {
        alts.iter().map(|(a, _)| a.gene()).collect()
    }

    #[test]
    fn a_reciprocal_of_a_known_fusion_is_not_a_second_finding() {
        // both products, one known: the known one, naming its reciprocal
        let alts = fusion_alterations(&[
            fusion("NTRK1", "ETV6", false),
            fusion("ETV6", "NTRK1", true),
        ]);
        assert_eq!(names(&alts), ["ETV6::NTRK1"]);
        assert!(alts[0]
            .1
            .as_deref()
            .unwrap()
            .contains("reciprocal NTRK1::ETV6"));
        // only the unknown orientation found: tiered (never hidden)
        let alts = fusion_alterations(&[fusion("NTRK1", "ETV6", false)]);
        assert_eq!(names(&alts), ["NTRK1::ETV6"]);
        assert!(alts[0].1.is_none());
        // neither or both known: both tiered, no note
        for known in [false, true] {
            let alts = fusion_alterations(&[
                fusion("NTRK1", "ETV6", known),
                fusion("ETV6", "NTRK1", known),
            ]);
            assert_eq!(names(&alts), ["NTRK1::ETV6", "ETV6::NTRK1"]);
            assert!(alts.iter().all(|(_, n)| n.is_none()));
        }
        // one gene pair twice (two junctions): once
        let alts =
            fusion_alterations(&[fusion("ETV6", "NTRK1", true), fusion("ETV6", "NTRK1", true)]);
        assert_eq!(names(&alts), ["ETV6::NTRK1"]);
    }

    #[test]
    fn the_priority_separates_retests_actionable_and_routine_cases() {
        // no finding, a TMB that is not evaluable and low purity: caveats, still routine
        let caveat = ["TMB not evaluable: 0.016 Mb of callable sequence".to_string()];
        let input = TierInput {
            not_evaluable: &caveat,
            purity: Some(0.2),
            ..Default::default()
        };
        let t = triage(&[], &input);
        assert_eq!(t.priority, Priority::Routine);
        assert_eq!(t.priority.as_str(), "routine review");
        assert_eq!(t.reasons[0], "no alteration with therapeutic evidence");
        assert!(t.reasons.iter().any(|r| r.starts_with("TMB not evaluable")));
        assert!(t.reasons.iter().any(|r| r.starts_with("tumor purity 20%")));
        // QC failed: a re-test, whatever else holds
        let t = triage(
            &[],
            &TierInput {
                qc_verdict: Some(QcVerdict::Fail),
                ..input
            },
        );
        assert_eq!(t.priority, Priority::QcRetest);
        assert_eq!(t.priority.as_str(), "QC failed: re-test");
        assert_eq!(t.reasons[0], "QC failed");
        // the agenda order and the words round-trip
        let order: Vec<u8> = [
            Priority::QcRetest,
            Priority::DiscussFirst,
            Priority::Routine,
        ]
        .map(|p| p.rank())
        .to_vec();
        assert_eq!(order, [0, 1, 2]);
        for p in [
            Priority::QcRetest,
            Priority::DiscussFirst,
            Priority::Routine,
        ] {
            assert_eq!(Priority::parse(p.as_str()), Some(p));
        }
    }
}
