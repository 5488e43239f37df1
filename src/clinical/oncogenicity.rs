//! Oncogenicity of a somatic variant: oncogenic, likely oncogenic, VUS or not classified, from
//! rules that need no online database.
//!
//! METHOD (after the AMP/ASCO/CAP somatic tiers and the OncoKB classes, simplified to what the
//! shipped data supports; every class names its rule and source):
//! - oncogenic: a missense or in-frame change at a cancerhotspots.org v3 residue (Chang et al.
//!   2018; `data/hotspots/`; the reference amino acid must agree, which guards against another
//!   isoform's numbering; MANE Select annotations only), at a residue or in an exon class with CIViC
//!   evidence (`civic_known.tsv`), or a truncating variant (stop, frameshift, canonical splice,
//!   start loss) in a gene whose loss of function is its oncogenic mechanism (`civic_known.tsv`,
//!   `known_curated.tsv`);
//! - likely oncogenic: a variant that a knowledge-base item with sensitivity evidence matches
//!   (e.g. MET exon 14 skipping classes), or a truncating variant in a gene whose loss of function
//!   a knowledge-base item makes actionable (HRR genes, VHL, ...);
//! - VUS: any other protein-altering or splice-site variant;
//! - not classified: no protein change (synonymous, intronic, UTR, non-coding).
//!
//! Germline pathogenicity (ACMG/AMP) is a different question, answered by a clinical germline
//! test; these classes describe the tumour.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use super::kb::matcher::{codon_of, TRUNCATING};
use super::kb::{Alteration, Direction, EvidenceType, Kb, Matcher};
use crate::types::report::{Oncogenicity, OncogenicityClass};
use crate::types::transcript::{Consequence, SoTerm};

/// The shipped hotspot table (ODbL 1.0, cancerhotspots.org).
const HOTSPOTS: &str = include_str!("../../data/hotspots/cancerhotspots_v3.tsv");

/// (gene, position) → (reference amino acid, tumours with a mutation there).
fn hotspots() -> &'static BTreeMap<(String, u32), (char, u32)> {
    static H: OnceLock<BTreeMap<(String, u32), (char, u32)>> = OnceLock::new();
    H.get_or_init(|| {
        HOTSPOTS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("gene\t"))
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                let aa = f[2].chars().next()?;
                Some((
                    (f[0].to_string(), f[1].parse().ok()?),
                    (aa, f[3].parse().unwrap_or(0)),
                ))
            })
            .collect()
    })
}

const PROTEIN_ALTERING: &[SoTerm] = &[
    SoTerm::MissenseVariant,
    SoTerm::InframeDeletion,
    SoTerm::InframeInsertion,
    SoTerm::ProteinAlteringVariant,
    SoTerm::StopLost,
];

fn has(consequence: &Consequence, terms: &[SoTerm]) -> bool {
    consequence.any(terms)
}

/// Genes whose loss of function a KB item makes actionable (`loss_of_function` matchers).
fn actionable_lof_genes(kb: &Kb) -> BTreeSet<&str> {
    kb.items
        .iter()
        .filter(|i| i.matcher == Matcher::LossOfFunction)
        .filter_map(|i| i.gene.as_deref())
        .collect()
}

/// Classifies one annotated variant (an [`Alteration::Variant`]); other alterations are not
/// classified.
pub fn classify(alt: &Alteration, kb: &Kb) -> Oncogenicity {
    let one = |class, rule: String| Oncogenicity { class, rule };
    let Alteration::Variant {
        gene,
        transcript,
        protein_change,
        consequence,
        exon,
        ..
    } = alt
    else {
        return one(
            OncogenicityClass::NotClassified,
            "not a small variant".into(),
        );
    };
    let truncating = has(consequence, TRUNCATING);
    let altering = has(consequence, PROTEIN_ALTERING);
    let on_mane = kb.mane.get(gene).is_some_and(|m| {
        let u = transcript.split('.').next().unwrap_or(transcript);
        m.iter().any(|x| x.split('.').next() == Some(u))
    });
    let codon = protein_change.as_deref().and_then(codon_of);
    if altering && on_mane {
        if let Some(c) = codon {
            let ref_aa = protein_change.as_deref().and_then(|p| p.chars().next());
            if let Some((_, n)) = hotspots()
                .get(&(gene.clone(), c))
                .filter(|(aa, _)| Some(*aa) == ref_aa)
            {
                return one(
                    OncogenicityClass::Oncogenic,
                    format!("hotspot residue {gene} {c} (cancerhotspots.org v3: {n} tumours)"),
                );
            }
            if kb.known.residues.contains(&(gene.clone(), c)) {
                return one(
                    OncogenicityClass::Oncogenic,
                    format!("residue {gene} {c} with CIViC evidence (civic_known.tsv)"),
                );
            }
        }
        if let Some(e) = exon {
            if kb
                .known
                .exon_classes
                .iter()
                .any(|(g, ke, _)| g == gene && ke == e)
                && has(
                    consequence,
                    &[SoTerm::InframeDeletion, SoTerm::InframeInsertion],
                )
            {
                return one(
                    OncogenicityClass::Oncogenic,
                    format!("in-frame change in {gene} exon {e}, a class with CIViC evidence"),
                );
            }
        }
    }
    if truncating && kb.known.loss_of_function.contains(gene) {
        return one(
            OncogenicityClass::Oncogenic,
            format!("truncating variant in {gene}, a tumour suppressor (civic_known.tsv / known_curated.tsv)"),
        );
    }
    let kb_hit = kb.items.iter().find(|i| {
        i.evidence_type == EvidenceType::Predictive
            && i.direction == Direction::Sensitive
            && super::kb::matcher::matches(i.gene.as_deref(), &i.matcher, &i.mane, &kb.known, alt)
    });
    if let Some(i) = kb_hit {
        return one(
            OncogenicityClass::LikelyOncogenic,
            format!("matches knowledge-base item {} ({})", i.id, i.alteration),
        );
    }
    if truncating && actionable_lof_genes(kb).contains(gene.as_str()) {
        return one(
            OncogenicityClass::LikelyOncogenic,
            format!("truncating variant in {gene}, whose loss of function is actionable (knowledge base)"),
        );
    }
    if altering || truncating || consequence.is_splice() {
        return one(
            OncogenicityClass::Vus,
            "protein-altering or splice variant without a rule that classifies it".into(),
        );
    }
    one(OncogenicityClass::NotClassified, "no protein change".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clinical::kb;
    use crate::clinical::oncotree::OncoTree;

    fn var(gene: &str, tx: &str, pc: Option<&str>, csq: &str, exon: Option<u32>) -> Alteration {
        Alteration::Variant {
            gene: gene.into(),
            transcript: tx.into(),
            protein_change: pc.map(String::from),
            consequence: Consequence::parse(csq),
            exon,
            intron: None,
            hgvs_c: "c.1A>G".into(),
        }
    }

    #[test]
    fn classes_follow_the_documented_rules() {
        let k = kb::builtin(&OncoTree::bundled()).unwrap();
        let c = |a: &Alteration| classify(a, &k).class;
        // a cancerhotspots residue on the MANE transcript
        let braf = var(
            "BRAF",
            "NM_004333.6",
            Some("V600E"),
            "missense_variant",
            Some(15),
        );
        assert_eq!(c(&braf), OncogenicityClass::Oncogenic);
        assert!(classify(&braf, &k).rule.contains("cancerhotspots"));
        // the same change on another transcript is not matched by position
        let other = var(
            "BRAF",
            "NM_001354609.2",
            Some("V600E"),
            "missense_variant",
            Some(15),
        );
        assert_ne!(c(&other), OncogenicityClass::Oncogenic);
        // a residue whose amino acid disagrees with the hotspot's is not the hotspot
        let wrong = var(
            "BRAF",
            "NM_004333.6",
            Some("A600T"),
            "missense_variant",
            Some(15),
        );
        assert!(!classify(&wrong, &k).rule.contains("cancerhotspots"));
        // truncating in a tumour suppressor
        let tp53 = var("TP53", "NM_000546.6", Some("R196*"), "stop_gained", Some(6));
        assert_eq!(c(&tp53), OncogenicityClass::Oncogenic);
        // truncating in an actionable loss-of-function gene (ATM: olaparib in prostate)
        let atm = var(
            "ATM",
            "NM_000051.4",
            Some("R1882*"),
            "stop_gained",
            Some(38),
        );
        assert_eq!(c(&atm), OncogenicityClass::LikelyOncogenic);
        // a missense elsewhere in BRAF: VUS
        let vus = var(
            "BRAF",
            "NM_004333.6",
            Some("A123T"),
            "missense_variant",
            Some(3),
        );
        assert_eq!(c(&vus), OncogenicityClass::Vus);
        let syn = var(
            "BRAF",
            "NM_004333.6",
            Some("V600="),
            "synonymous_variant",
            Some(15),
        );
        assert_eq!(c(&syn), OncogenicityClass::NotClassified);
    }
}
