//! The curation policy of the knowledge base, as code: what a therapy table may name, how a
//! CIViC evidence item's strength becomes a C-CAT evidence level, and which items may make a
//! resistance (R) finding. `kb build --civic` applies it, `kb validate` enforces it on every
//! file (docs/knowledge-base.md, "Curation policy"; data/kb/README.md).
//!
//! METHOD (C-CAT evidence levels as defined in note 9 of the National Cancer Center / Keio press
//! release of 2026-01-08 on 54,185 C-CAT cases, following the JSMO/JSCO/JCA guidance ed. 2.1):
//! - B: in the patient's cancer type, statistically reliable clinical trials or meta-analyses
//!   with expert consensus — a CIViC A item (validated association) or a CIViC B item whose
//!   statement names a randomised, phase 3, registrational or meta-analytic design, for a
//!   specific cancer type (not CIViC's pan-cancer diseases);
//! - C: the same in another cancer type, or a small clinical trial in any cancer type — every
//!   other CIViC A/B item (single-arm phase 1/2, retrospective series, pan-cancer baskets);
//! - D: case reports (CIViC C); E: preclinical evidence (CIViC D) and CIViC E (inferential);
//! - R only from a guideline row (which include the approvals' contraindications, such as the
//!   RAS wild-type condition of anti-EGFR antibodies) or a CIViC item at level B by the rule
//!   above (strong evidence in that cancer type); a regimen that is A or B for the same
//!   alteration and cancer type is never R: the resistance item becomes a note on the regimen
//!   (the conflict is shown, not resolved), and `kb validate` refuses such a KB.

use super::{Applies, CancerSet, Item, Kb, Matcher, SourceKind};
use crate::clinical::kb::matcher::{codon_of, CodonClass, ExonClass};
use crate::clinical::oncotree::OncoTree;

/// Words that make a regimen component a procedure or a drug class, not a drug.
pub const NON_DRUG_WORDS: &[&str] = &[
    "chemotherapy",
    "surgery",
    "resection",
    "radiation",
    "radiotherapy",
    "radioactive",
    "inhibitor",
    "antibody",
    "compound",
    "therapy",
    "protocol",
    "regimen",
    "lymphocytes",
    "oligonucleotide",
    "transplant",
    "vaccine",
];

/// Why a regimen component is not a drug a therapy table may name: a procedure or drug class
/// (one of [`NON_DRUG_WORDS`]), or a compound code (a name with a digit: INNs have none).
pub fn non_drug(component: &str) -> Option<&'static str> {
    let c = component.trim();
    if c.split(|ch: char| !ch.is_ascii_alphanumeric())
        .any(|w| NON_DRUG_WORDS.contains(&w))
    {
        return Some("a procedure or drug class, not a drug");
    }
    if c.chars().any(|ch| ch.is_ascii_digit()) {
        return Some("a compound code without a drug name");
    }
    None
}

/// The first non-drug component of a regimen (`+`-joined), with the reason.
pub(crate) fn non_drug_regimen(regimen: &str) -> Option<(String, &'static str)> {
    regimen
        .split('+')
        .find_map(|d| non_drug(d).map(|why| (d.trim().to_string(), why)))
}

/// Study designs that make a CIViC B item "statistically reliable" (C-CAT level B) when its
/// statement names one.
pub(crate) const STRONG_DESIGNS: &[&str] = &[
    "randomized",
    "randomised",
    "phase iii",
    "phase 3",
    "phase ii/iii",
    "meta-analysis",
    "meta-analyses",
    "registrational",
    "pivotal",
];

/// METHOD: the C-CAT level of a CIViC item in the cancer type it was observed in, and why
/// (see the module documentation). `pan_cancer`: the item's disease is CIViC's "Cancer" /
/// "Solid Tumor" (crosswalk `*`).
pub fn ccat_level(civic_level: &str, statement: &str, pan_cancer: bool) -> (char, String) {
    let s = statement.to_ascii_lowercase();
    let design = STRONG_DESIGNS.iter().find(|d| s.contains(*d));
    match civic_level {
        "A" | "B" if pan_cancer => (
            'C',
            format!("CIViC {civic_level}, pan-cancer (not specific to a cancer type): C-CAT C"),
        ),
        "A" => (
            'B',
            "CIViC A (validated association) in this cancer type: C-CAT B".into(),
        ),
        "B" => match design {
            Some(d) => (
                'B',
                format!("CIViC B, statement names a {d} design in this cancer type: C-CAT B"),
            ),
            None => (
                'C',
                "CIViC B without a randomised, phase 3 or meta-analytic design (small trial or series): C-CAT C".into(),
            ),
        },
        "C" => ('D', "CIViC C (case study): C-CAT D".into()),
        _ => (
            'E',
            format!("CIViC {civic_level} (preclinical or inferential): C-CAT E"),
        ),
    }
}

/// The level an item gives a sensitive regimen in its own cancer types (None: below B, or not
/// a sensitivity item).
fn strong_level(i: &Item) -> Option<char> {
    match i.source {
        SourceKind::ApprovalJp | SourceKind::ApprovalUs | SourceKind::Guideline => Some('A'),
        SourceKind::Civic => i.ccat_level.filter(|l| *l == 'B'),
    }
}

fn class_overlaps(a: ExonClass, b: ExonClass) -> bool {
    use ExonClass::*;
    a == b
        || a == Any
        || b == Any
        || (a == InframeIndel && matches!(b, InframeDeletion | InframeInsertion))
        || (b == InframeIndel && matches!(a, InframeDeletion | InframeInsertion))
}

fn is_missense(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() >= 3
        && b[b.len() - 1].is_ascii_uppercase()
        && p[1..p.len() - 1].chars().all(|c| c.is_ascii_digit())
}

/// Whether two matchers of the same gene can match one alteration, as far as the matchers
/// alone tell (a protein change and an exon range need the transcript: not decided here, the
/// tiering shows such conflicts as notes).
pub(crate) fn matchers_overlap(gene: Option<&str>, a: &Matcher, b: &Matcher, kb: &Kb) -> bool {
    use Matcher::*;
    let g = gene.unwrap_or("");
    let known_codon = |c: u32| kb.known.residues.contains(&(g.to_string(), c));
    let one_way = |a: &Matcher, b: &Matcher| -> bool {
        match (a, b) {
            (Protein(p), Protein(q)) => p == q,
            (Protein(p), Codon(n, class)) => {
                codon_of(p) == Some(*n) && (*class == CodonClass::Any || is_missense(p))
            }
            (Codon(n, _), Codon(m, _)) => n == m,
            (Exon(a1, b1, c1), Exon(a2, b2, c2)) => {
                a1 <= b2 && a2 <= b1 && class_overlaps(*c1, *c2)
            }
            (ExonSkipping(n), ExonSkipping(m)) => n == m,
            (OncogenicMutation, OncogenicMutation) => true,
            (OncogenicMutation, Protein(p)) => {
                codon_of(p).is_some_and(known_codon)
                    || (kb.known.loss_of_function.contains(g)
                        && (p.ends_with('*') || p.contains("fs")))
            }
            (OncogenicMutation, Codon(n, _)) => known_codon(*n),
            (OncogenicMutation, Exon(a, b, c)) => kb
                .known
                .exon_classes
                .iter()
                .any(|(kg, e, kc)| kg == g && a <= e && e <= b && class_overlaps(*c, *kc)),
            (OncogenicMutation, LossOfFunction) => kb.known.loss_of_function.contains(g),
            (ActivatingMutation, x) => kb
                .known
                .activating
                .iter()
                .filter(|(kg, _)| kg == g)
                .any(|(_, m)| m == x || matchers_overlap(gene, m, x, kb)),
            (LossOfFunction, LossOfFunction | Deletion) => true,
            (LossOfFunction, Protein(p)) => p.ends_with('*') || p.contains("fs"),
            (Amplification, Amplification) | (Deletion, Deletion) => true,
            (Fusion(p), Fusion(q)) => p.is_none() || q.is_none() || p == q,
            (MsiHigh, MsiHigh) => true,
            (TmbAtLeast(_), TmbAtLeast(_) | TmbRange(..)) => true,
            (TmbRange(l1, h1), TmbRange(l2, h2)) => l1 < h2 && l2 < h1,
            _ => false,
        }
    };
    // ActivatingMutation expands into concrete matchers: never recurse on it twice
    if matches!(b, ActivatingMutation) && !matches!(a, ActivatingMutation) {
        return one_way(b, a);
    }
    one_way(a, b) || one_way(b, a)
}

/// Whether two cancer-type sets share a cancer type.
pub(crate) fn cancers_overlap(a: &CancerSet, b: &CancerSet, tree: &OncoTree) -> bool {
    if a.any && b.any {
        return true;
    }
    a.codes
        .iter()
        .chain(b.codes.iter())
        .any(|c| a.applies(tree, c) == Applies::Here && b.applies(tree, c) == Applies::Here)
}

/// The regimen key (components sorted).
pub(crate) fn regimen_key(r: &str) -> String {
    let mut v: Vec<&str> = r.split('+').map(str::trim).collect();
    v.sort_unstable();
    v.join("+")
}

/// `kb validate`: every resistance item whose regimen is A or B for the same alteration and
/// cancer type in another item, as `file:line: reason`.
pub fn conflicts(kb: &Kb, tree: &OncoTree) -> Vec<String> {
    use super::{Direction, EvidenceType};
    let predictive = |d: Direction| {
        move |i: &&Item| i.evidence_type == EvidenceType::Predictive && i.direction == d
    };
    let sensitive: Vec<&Item> = kb
        .items
        .iter()
        .filter(predictive(Direction::Sensitive))
        .filter(|i| strong_level(i).is_some())
        .collect();
    let mut out = Vec::new();
    for r in kb.items.iter().filter(predictive(Direction::Resistant)) {
        let key = regimen_key(r.regimen.as_deref().unwrap_or(""));
        for s in &sensitive {
            if s.gene != r.gene || regimen_key(s.regimen.as_deref().unwrap_or("")) != key {
                continue;
            }
            if matchers_overlap(r.gene.as_deref(), &r.matcher, &s.matcher, kb)
                && cancers_overlap(&r.cancer, &s.cancer, tree)
            {
                out.push(format!(
                    "{}:{}: {} gives '{}' R for {} '{}' in {}, but {} ({}:{}) gives it level {} for the same alteration and cancer type: a regimen is never both (write the resistance as a caveat, or fix the scope of one item)",
                    r.file,
                    r.line,
                    r.id,
                    key,
                    r.gene.as_deref().unwrap_or("-"),
                    r.alteration,
                    r.cancer.display(),
                    s.id,
                    s.file,
                    s.line,
                    strong_level(s).unwrap_or('?'),
                ));
            }
        }
    }
    out
}

/// `kb validate`: CIViC items must carry the C-CAT level the policy gives their CIViC level
/// (B only from CIViC A/B; C from A/B; D from C; E from D/E), and a CIViC resistance item must
/// be at C-CAT B.
pub(crate) fn civic_level_problem(civic: char, ccat: char, resistant: bool) -> Option<String> {
    let allowed: &[char] = match civic {
        'A' | 'B' => &['B', 'C'],
        'C' => &['D'],
        _ => &['E'],
    };
    if !allowed.contains(&ccat) {
        return Some(format!(
            "ccat_level '{ccat}' does not follow from civic_level '{civic}' (the curation policy allows {})",
            allowed.iter().map(char::to_string).collect::<Vec<_>>().join(" or ")
        ));
    }
    if resistant && ccat != 'B' {
        return Some(format!(
            "a CIViC resistance item must be at C-CAT level B (strong evidence in its cancer type) to make an R finding; this one is {ccat}"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drugs_procedures_classes_and_codes() {
        for drug in [
            "olaparib",
            "trastuzumab deruxtecan",
            "cyproterone acetate",
            "aspirin",
        ] {
            assert_eq!(non_drug(drug), None, "{drug}");
        }
        for (x, why) in [
            ("chemotherapy", "class"),
            ("cytoreductive surgery", "class"),
            ("anti-egfr monoclonal antibody", "class"),
            (
                "epidermal growth factor receptor tyrosine kinase inhibitor",
                "class",
            ),
            ("radioactive iodine", "class"),
            ("folfox-4 regimen", "class"),
            ("pd173074", "code"),
            ("gdc-0879", "code"),
            ("2", "code"),
        ] {
            let got = non_drug(x).unwrap_or("");
            assert!(
                (why == "class" && got.contains("class"))
                    || (why == "code" && got.contains("code")),
                "{x}: {got}"
            );
        }
        assert_eq!(
            non_drug_regimen("cetuximab+chemotherapy").map(|x| x.0),
            Some("chemotherapy".to_string())
        );
    }

    #[test]
    fn civic_strength_maps_to_ccat_levels() {
        assert_eq!(ccat_level("A", "", false).0, 'B');
        assert_eq!(ccat_level("A", "", true).0, 'C');
        assert_eq!(
            ccat_level("B", "In a randomized phase II trial of 120 patients", false).0,
            'B'
        );
        assert_eq!(ccat_level("B", "Meta-Analysis of 12 studies", false).0, 'B');
        assert_eq!(
            ccat_level("B", "In a study of 26 patients with breast cancer", false).0,
            'C'
        );
        assert_eq!(
            ccat_level("B", "phase 3 in several cancers", true).0,
            'C',
            "pan-cancer is never B"
        );
        assert_eq!(ccat_level("C", "case", false).0, 'D');
        assert_eq!(ccat_level("D", "mice", false).0, 'E');
        assert_eq!(ccat_level("E", "", false).0, 'E');
        assert!(civic_level_problem('B', 'C', true).is_some());
        assert!(civic_level_problem('C', 'B', false).is_some());
        assert!(civic_level_problem('A', 'B', true).is_none());
    }
}
