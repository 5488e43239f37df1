//! Tiering: match alterations and biomarkers to the knowledge base and assign C-CAT-style
//! evidence levels for the patient's cancer type.
//!
//! METHOD (JSMO/JSCO/JCA guidance ed. 2.1 and C-CAT, see README): an item for the patient's
//! cancer type (the item's OncoTree code is the type or one of its ancestors, or `*`) keeps
//! its level; an A or B item for ANOTHER cancer type counts as C ("approved or strong evidence
//! in another cancer type"); C, D, E stay; resistance (R) items apply only to the patient's
//! type. A finding's level is its best level (A > B > C > D > E); `approved_in_japan` is true
//! when a level-A item for this cancer type is approved in Japan. Resistance is reported as
//! its own finding with level R.

use serde::{Deserialize, Serialize};

use super::kb::{Evidence, Kb, Matcher};
use super::oncotree::OncoTree;
pub use crate::types::report::{Finding, Level};

/// Something found in the sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Alteration {
    /// A small variant with its annotation.
    Variant {
        /// Gene.
        gene: String,
        /// Short protein change (`V600E`), if coding.
        protein_change: Option<String>,
        /// Consequence (SO term, `&`-joined).
        consequence: String,
        /// Exon number, when exonic.
        exon: Option<u32>,
        /// Intron number, when intronic.
        intron: Option<u32>,
    },
    /// Copy-number amplification.
    Amplification {
        /// Gene.
        gene: String,
    },
    /// Deep (homozygous) deletion.
    Deletion {
        /// Gene.
        gene: String,
    },
    /// A gene fusion (`five::three`).
    Fusion {
        /// 5' gene.
        five: String,
        /// 3' gene.
        three: String,
    },
    /// MSI-H status.
    MsiHigh,
    /// Tumor mutation burden (mutations per Mb).
    Tmb(f64),
}

impl Alteration {
    /// The gene as a finding shows it (`EML4::ALK` for a fusion, `*` for biomarkers).
    fn gene(&self) -> String {
        match self {
            Alteration::Variant { gene, .. }
            | Alteration::Amplification { gene }
            | Alteration::Deletion { gene } => gene.clone(),
            Alteration::Fusion { five, three } => format!("{five}::{three}"),
            _ => "*".into(),
        }
    }

    /// Whether a KB item's gene column names this alteration's gene (either partner of a fusion).
    fn has_gene(&self, g: &str) -> bool {
        match self {
            Alteration::Variant { gene, .. }
            | Alteration::Amplification { gene }
            | Alteration::Deletion { gene } => gene == g,
            Alteration::Fusion { five, three } => five == g || three == g,
            _ => false,
        }
    }

    /// Display name (`V600E`, `amplification`, `deletion`, `fusion`, `MSI-H`, `TMB-high`).
    pub fn display(&self) -> String {
        match self {
            Alteration::Variant {
                protein_change,
                consequence,
                ..
            } => protein_change
                .clone()
                .unwrap_or_else(|| consequence.clone()),
            Alteration::Amplification { .. } => "amplification".into(),
            Alteration::Deletion { .. } => "deletion".into(),
            Alteration::Fusion { .. } => "fusion".into(),
            Alteration::MsiHigh => "MSI-H".into(),
            Alteration::Tmb(_) => "TMB-high".into(),
        }
    }
}

fn codon_of(pc: &str) -> Option<u32> {
    let digits: String = pc
        .chars()
        .skip(1)
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// True when `item` matches `alt`.
pub fn matches(item: &Evidence, alt: &Alteration) -> bool {
    if item.gene != "*" && !alt.has_gene(&item.gene) {
        return false;
    }
    match (&item.matcher, alt) {
        (
            Matcher::Protein(p),
            Alteration::Variant {
                protein_change: Some(pc),
                ..
            },
        ) => p == pc,
        (
            Matcher::Codon(n),
            Alteration::Variant {
                protein_change: Some(pc),
                ..
            },
        ) => codon_of(pc) == Some(*n),
        (
            Matcher::Exon(a, b, class),
            Alteration::Variant {
                consequence,
                exon,
                intron,
                ..
            },
        ) => {
            let within = |x: &Option<u32>| x.is_some_and(|v| v >= *a && v <= *b);
            (within(exon) || (within(intron) && class.starts_with("splice")))
                && consequence.split('&').any(|c| c == class)
        }
        (Matcher::Truncating, Alteration::Variant { consequence, .. }) => {
            consequence.split('&').any(|c| {
                matches!(
                    c,
                    "stop_gained"
                        | "frameshift_variant"
                        | "splice_donor_variant"
                        | "splice_acceptor_variant"
                        | "start_lost"
                )
            })
        }
        (Matcher::Amplification, Alteration::Amplification { .. }) => true,
        (Matcher::Deletion, Alteration::Deletion { .. }) => true,
        // a fusion matches by EITHER partner: `ALK fusion:*` matches EML4::ALK; a named partner
        // must be the other gene (`ALK fusion:EML4`)
        (Matcher::Fusion(p), Alteration::Fusion { five, three }) => {
            p == "*"
                || (item.gene == *five && p == three)
                || (item.gene == *three && p == five)
                || (item.gene == "*" && (p == five || p == three))
        }
        (Matcher::MsiHigh, Alteration::MsiHigh) => true,
        (Matcher::TmbAtLeast(t), Alteration::Tmb(v)) => v >= t,
        _ => false,
    }
}

/// Whether an item's cancer type covers the patient's.
fn applies(item: &Evidence, cancer: &str, tree: &OncoTree) -> bool {
    let ct = item.cancer_type.as_str();
    if let Some(rest) = ct.strip_prefix('*') {
        let excluded = rest
            .trim_start_matches('-')
            .split(',')
            .filter(|c| !c.is_empty());
        return !excluded.into_iter().any(|x| tree.is_within(cancer, x));
    }
    tree.is_within(cancer, ct)
}

/// Tiers `alts` for `cancer` (an OncoTree code). Findings are sorted by level, then gene.
pub fn tier(kb: &Kb, tree: &OncoTree, cancer: &str, alts: &[Alteration]) -> Vec<Finding> {
    let mut out = Vec::new();
    for alt in alts {
        let hits: Vec<&Evidence> = kb.items.iter().filter(|i| matches(i, alt)).collect();
        // sensitivity
        let mut best: Option<Level> = None;
        let mut used: Vec<(&Evidence, Level)> = Vec::new();
        for i in hits.iter().filter(|i| !i.resistant) {
            let here = applies(i, cancer, tree);
            let lvl = if here {
                i.level
            } else if matches!(i.level, Level::A | Level::B) {
                Level::C
            } else {
                i.level
            };
            used.push((i, lvl));
            if best.is_none_or(|b| lvl.rank() < b.rank()) {
                best = Some(lvl);
            }
        }
        if let Some(b) = best {
            let at: Vec<&(&Evidence, Level)> = used.iter().filter(|(_, l)| *l == b).collect();
            let jp = b == Level::A
                && at
                    .iter()
                    .any(|(i, _)| i.approved_japan && applies(i, cancer, tree));
            let mut drugs: Vec<String> = at.iter().flat_map(|(i, _)| i.drugs.clone()).collect();
            drugs.sort();
            drugs.dedup();
            out.push(Finding {
                gene: alt.gene(),
                alteration: alt.display(),
                level: b,
                approved_in_japan: jp,
                level_label: match (b, jp) {
                    (Level::A, true) => "A (approved in Japan)".into(),
                    (Level::A, false) => "A (US-approved / guideline)".into(),
                    (l, _) => l.as_str().to_string(),
                },
                drugs,
                citations: at.iter().map(|(i, _)| i.citation.clone()).collect(),
                kb_lines: at.iter().map(|(i, _)| i.line).collect(),
            });
        }
        // resistance, for this cancer type only
        let res: Vec<&&Evidence> = hits
            .iter()
            .filter(|i| i.resistant && applies(i, cancer, tree))
            .collect();
        if !res.is_empty() {
            let mut drugs: Vec<String> = res.iter().flat_map(|i| i.drugs.clone()).collect();
            drugs.sort();
            drugs.dedup();
            out.push(Finding {
                gene: alt.gene(),
                alteration: alt.display(),
                level: Level::R,
                approved_in_japan: false,
                level_label: "R (resistance)".into(),
                drugs,
                citations: res.iter().map(|i| i.citation.clone()).collect(),
                kb_lines: res.iter().map(|i| i.line).collect(),
            });
        }
    }
    out.sort_by(|a, b| {
        let (ra, rb) = (a.level.rank(), b.level.rank());
        (ra, !a.approved_in_japan, &a.gene, &a.alteration).cmp(&(
            rb,
            !b.approved_in_japan,
            &b.gene,
            &b.alteration,
        ))
    });
    out
}
