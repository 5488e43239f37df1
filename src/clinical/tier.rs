//! Tiering: match alterations and biomarkers to the knowledge base and assign C-CAT-style
//! evidence levels for the patient's cancer type, one level per drug.
//!
//! METHOD (JSMO/JSCO/JCA guidance ed. 2.1 and C-CAT, see docs/knowledge-base.md): for each alteration, every
//! matching item gives a level to its regimen:
//! - an approval in Japan, an FDA approval or a guideline recommendation covering the patient's
//!   cancer type → A (`approved in Japan` / `FDA-approved` / `guideline`); the same for another
//!   cancer type → C ("approved in another cancer type"); an explicitly excluded type → nothing;
//! - CIViC sensitivity evidence A/B in the patient's type → B (A only through an approval or
//!   guideline row), in another type → C; level C (case reports) → D; D and E (preclinical,
//!   inferential) → E;
//! - resistance (guideline rows; CIViC A/B) in the patient's type → a separate R finding;
//! - real-world caveats (`low_benefit`, `greater_benefit`) in the patient's type become notes on
//!   the regimen they concern; prognostic and diagnostic items become their own findings (CIViC
//!   A/B in the patient's type → B, C → D, D/E → E; the cohort-study statements of
//!   `guidelines.tsv` → B).
//!
//! A regimen's level is its best item; a finding lists every regimen with its own level and
//! approval status (a drug approved in Japan and another only FDA-approved both show).

use std::collections::BTreeMap;

pub use super::kb::{matcher::matches, Alteration};
use super::kb::{Applies, Direction, EvidenceType, Item, Kb, SourceKind};
use super::oncotree::OncoTree;
pub use crate::types::report::{Citation, Finding, FindingKind, Level, Therapy};

fn citation(i: &Item) -> Citation {
    Citation {
        id: i.id.clone(),
        source: i.source_text.clone(),
        url: i.url.clone(),
        verified: i.verified.clone(),
        cancer_types: i.cancer.display(),
        statement: i.statement.clone(),
    }
}

/// The regimen's key: components in a fixed order (`trametinib+dabrafenib` is
/// `dabrafenib+trametinib`).
fn regimen_key(r: &str) -> String {
    let mut v: Vec<&str> = r.split('+').map(str::trim).collect();
    v.sort_unstable();
    v.join("+")
}

/// The level an item gives for the patient's cancer type (None: it does not apply).
fn item_level(i: &Item, here: Applies) -> Option<Level> {
    match (i.source, here) {
        (_, Applies::Excluded) => None,
        // prognostic and diagnostic statements of `guidelines.tsv` come from large cohort studies
        // (C-CAT real-world data), not from a practice guideline: B, never A
        (SourceKind::Guideline, Applies::Here) if i.evidence_type != EvidenceType::Predictive => {
            Some(Level::B)
        }
        (
            SourceKind::ApprovalJp | SourceKind::ApprovalUs | SourceKind::Guideline,
            Applies::Here,
        ) => Some(Level::A),
        (
            SourceKind::ApprovalJp | SourceKind::ApprovalUs | SourceKind::Guideline,
            Applies::Elsewhere,
        ) => Some(Level::C),
        (SourceKind::Civic, a) => match (i.civic_level, a) {
            (Some('A' | 'B'), Applies::Here) => Some(Level::B),
            (Some('A' | 'B'), _) => Some(Level::C),
            (Some('C'), _) => Some(Level::D),
            _ => Some(Level::E),
        },
    }
}

#[derive(Default)]
struct Acc<'a> {
    regimen: String,
    level: Option<Level>,
    jp: bool,
    us: bool,
    guideline: bool,
    elsewhere: Vec<String>,
    notes: Vec<String>,
    items: Vec<(&'a Item, Level)>,
}

fn label(level: Level, jp: bool, us: bool, guideline: bool) -> String {
    match level {
        Level::A if jp => "A (approved in Japan)".into(),
        Level::A if us => "A (FDA-approved)".into(),
        Level::A if guideline => "A (guideline)".into(),
        l => l.as_str().to_string(),
    }
}

/// Japan's access routes to a drug (C-CAT findings; JSMO/JSCO/JCA guidance ed. 2.1, Table 4).
pub const ACCESS_APPROVED: &str = "approved in Japan for this cancer type (insurance-covered)";
/// See [`ACCESS_APPROVED`].
pub const ACCESS_OFF_LABEL: &str = "approved in Japan for another cancer type: off-label use through a clinical trial, patient-proposed healthcare or advanced medical care";
/// See [`ACCESS_APPROVED`].
pub const ACCESS_ABROAD: &str = "not approved in Japan (approved abroad or recommended in guidelines): clinical trial or patient-proposed healthcare";
/// See [`ACCESS_APPROVED`].
pub const ACCESS_INVESTIGATIONAL: &str = "investigational: clinical trial";
/// See [`ACCESS_APPROVED`].
pub const ACCESS_RESISTANCE: &str = "expected to be ineffective (resistance)";

/// METHOD: the access route of a regimen, from its approvals here and elsewhere.
fn access(level: Level, jp_here: bool, abroad_here: bool, elsewhere: &[String]) -> String {
    if level == Level::R {
        ACCESS_RESISTANCE
    } else if jp_here {
        ACCESS_APPROVED
    } else if elsewhere.iter().any(|e| e.ends_with("(Japan)")) {
        ACCESS_OFF_LABEL
    } else if abroad_here || !elsewhere.is_empty() {
        ACCESS_ABROAD
    } else {
        ACCESS_INVESTIGATIONAL
    }
    .to_string()
}

fn therapies(accs: BTreeMap<String, Acc<'_>>) -> Vec<Therapy> {
    let mut out: Vec<Therapy> = accs
        .into_values()
        .filter_map(|a| {
            let level = a.level?;
            let mut items = a.items;
            items.sort_by(|x, y| {
                (x.1.rank(), x.0.source, &x.0.id).cmp(&(y.1.rank(), y.0.source, &y.0.id))
            });
            let mut elsewhere = a.elsewhere;
            elsewhere.sort();
            elsewhere.dedup();
            let mut notes = a.notes;
            notes.sort();
            notes.dedup();
            Some(Therapy {
                access: access(level, a.jp, a.us || a.guideline, &elsewhere),
                level_label: label(level, a.jp, a.us, a.guideline),
                regimen: a.regimen,
                level,
                approved_in_japan: a.jp,
                approved_us: a.us,
                guideline: a.guideline,
                approved_elsewhere: elsewhere,
                notes,
                citations: items.iter().map(|(i, _)| citation(i)).collect(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (
            a.level.rank(),
            !a.approved_in_japan,
            !a.approved_us,
            &a.regimen,
        )
            .cmp(&(
                b.level.rank(),
                !b.approved_in_japan,
                !b.approved_us,
                &b.regimen,
            ))
    });
    out
}

fn finding(alt: &Alteration, kind: FindingKind, therapies: Vec<Therapy>) -> Option<Finding> {
    let best = therapies.first()?;
    Some(Finding {
        gene: alt.gene(),
        alteration: alt.display(),
        kind,
        level: best.level,
        approved_in_japan: therapies
            .iter()
            .any(|t| t.level == Level::A && t.approved_in_japan),
        level_label: best.level_label.clone(),
        drugs: therapies.iter().map(|t| t.regimen.clone()).collect(),
        therapies,
        statements: Vec::new(),
        citations: Vec::new(),
    })
}

/// Tiers `alts` for `cancer` (an OncoTree code). Findings are sorted by kind, level, then gene.
pub fn tier(kb: &Kb, tree: &OncoTree, cancer: &str, alts: &[Alteration]) -> Vec<Finding> {
    let mut out = Vec::new();
    for alt in alts {
        let hits: Vec<&Item> = kb
            .items
            .iter()
            .filter(|i| matches(i.gene.as_deref(), &i.matcher, &i.mane, &kb.known, alt))
            .collect();
        let mut sens: BTreeMap<String, Acc<'_>> = BTreeMap::new();
        let mut res: BTreeMap<String, Acc<'_>> = BTreeMap::new();
        let mut caveats: Vec<&Item> = Vec::new();
        let mut other: Vec<(&Item, Level)> = Vec::new();
        for i in hits {
            let here = i.cancer.applies(tree, cancer);
            let Some(level) = item_level(i, here) else {
                continue;
            };
            match (i.evidence_type, i.direction) {
                (EvidenceType::Predictive, Direction::Sensitive) => {
                    let r = i.regimen.clone().unwrap_or_default();
                    let a = sens.entry(regimen_key(&r)).or_default();
                    if a.regimen.is_empty() {
                        a.regimen = r;
                    }
                    if a.level.is_none_or(|b| level.rank() < b.rank()) {
                        a.level = Some(level);
                    }
                    let a_here = here == Applies::Here;
                    a.jp |= a_here && i.source == SourceKind::ApprovalJp;
                    a.us |= a_here && i.source == SourceKind::ApprovalUs;
                    a.guideline |= a_here && i.source == SourceKind::Guideline;
                    if !a_here
                        && matches!(i.source, SourceKind::ApprovalJp | SourceKind::ApprovalUs)
                    {
                        let who = if i.source == SourceKind::ApprovalJp {
                            "Japan"
                        } else {
                            "US"
                        };
                        a.elsewhere.push(format!("{} ({who})", i.cancer.display()));
                    }
                    if a_here {
                        if let Some(l) = &i.line_of_therapy {
                            a.notes.push(format!("{}: {l}", i.id));
                        }
                    }
                    a.items.push((i, level));
                }
                (EvidenceType::Predictive, Direction::Resistant) => {
                    // resistance counts only in the patient's cancer type, from strong evidence
                    if here != Applies::Here {
                        continue;
                    }
                    let r = i.regimen.clone().unwrap_or_default();
                    let a = res.entry(regimen_key(&r)).or_default();
                    if a.regimen.is_empty() {
                        a.regimen = r;
                    }
                    a.level = Some(Level::R);
                    a.guideline |= i.source == SourceKind::Guideline;
                    a.items.push((i, Level::R));
                }
                (EvidenceType::Predictive, _) => {
                    if here == Applies::Here {
                        caveats.push(i);
                    }
                }
                _ => {
                    if here == Applies::Here {
                        other.push((i, level));
                    }
                }
            }
        }
        // caveats attach to the regimen they concern
        for c in caveats {
            let key = regimen_key(c.regimen.as_deref().unwrap_or(""));
            if let Some(a) = sens.get_mut(&key) {
                let what = if c.direction == Direction::LowBenefit {
                    "caveat (less benefit)"
                } else {
                    "note (more benefit)"
                };
                a.notes.push(format!(
                    "{what}: {} [{}]",
                    c.statement.as_deref().unwrap_or(""),
                    c.id
                ));
                a.items.push((c, a.level.unwrap_or(Level::E)));
            }
        }
        if let Some(f) = finding(alt, FindingKind::Therapeutic, therapies(sens)) {
            out.push(f);
        }
        if let Some(f) = finding(alt, FindingKind::Resistance, therapies(res)) {
            out.push(f);
        }
        for kind in [FindingKind::Prognostic, FindingKind::Diagnostic] {
            let mut these: Vec<&(&Item, Level)> = other
                .iter()
                .filter(|(i, _)| {
                    (kind == FindingKind::Prognostic)
                        == (i.evidence_type == EvidenceType::Prognostic)
                })
                .collect();
            if these.is_empty() {
                continue;
            }
            these.sort_by(|x, y| (x.1.rank(), &x.0.id).cmp(&(y.1.rank(), &y.0.id)));
            let level = these[0].1;
            let mut statements: Vec<String> = these
                .iter()
                .map(|(i, _)| {
                    let d = match i.direction {
                        Direction::PoorPrognosis => "poor prognosis",
                        Direction::GoodPrognosis => "better prognosis",
                        _ => "supports diagnosis",
                    };
                    format!("{d}: {}", i.statement.as_deref().unwrap_or("-"))
                })
                .collect();
            statements.dedup();
            out.push(Finding {
                gene: alt.gene(),
                alteration: alt.display(),
                kind,
                level,
                approved_in_japan: false,
                level_label: format!(
                    "{} ({})",
                    level.as_str(),
                    if kind == FindingKind::Prognostic {
                        "prognostic"
                    } else {
                        "diagnostic"
                    }
                ),
                therapies: Vec::new(),
                statements,
                drugs: Vec::new(),
                citations: these.iter().map(|(i, _)| citation(i)).collect(),
            });
        }
    }
    out.sort_by(|a, b| {
        (
            a.kind,
            a.level.rank(),
            !a.approved_in_japan,
            &a.gene,
            &a.alteration,
        )
            .cmp(&(
                b.kind,
                b.level.rank(),
                !b.approved_in_japan,
                &b.gene,
                &b.alteration,
            ))
    });
    out
}
