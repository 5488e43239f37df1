//! Tiering: match alterations and biomarkers to the knowledge base and assign C-CAT-style
//! evidence levels for the patient's cancer type, one level per drug.
//!
//! METHOD (JSMO/JSCO/JCA guidance ed. 2.1 and C-CAT, see docs/knowledge-base.md): for each alteration, every
//! matching item gives a level to its regimen:
//! - an approval in Japan, an FDA approval or a guideline recommendation covering the patient's
//!   cancer type → A (`approved in Japan` / `FDA-approved` / `guideline`); the same for another
//!   cancer type → C ("approved in another cancer type"); an explicitly excluded type → nothing;
//! - a CIViC item gives its C-CAT level (`ccat_level`, set by `kb::policy::ccat_level` from the
//!   CIViC level, the study design and whether the item is specific to a cancer type) in the
//!   patient's cancer type; in another type a B is C (D and E stay);
//! - resistance (guideline rows; CIViC items at C-CAT B) in the patient's type → a separate R
//!   finding, unless the same regimen is A or B for the alteration here: then the resistance
//!   item is a note on the regimen ("conflicting evidence"), never an R (curation policy);
//! - variant origin: an approval whose label requires a germline variant (olaparib in breast
//!   cancer) applies to a germline finding, or, with a "confirm germline origin" note, to a
//!   variant of unknown origin (tumor-only); a variant shown to be somatic does not meet the
//!   label condition (C, "approved for germline variants only"), and CIViC evidence from
//!   germline carriers counts as evidence from elsewhere for it (B → C); a germline finding is
//!   in the tumour too, so every item applies to it (its findings show origin `germline`);
//! - real-world caveats (`low_benefit`, `greater_benefit`) in the patient's type become notes on
//!   the regimen they concern; prognostic and diagnostic items become their own findings (by
//!   their C-CAT level; the cohort-study statements of `guidelines.tsv` → B); `germline_testing`
//!   items (MSI-H: Lynch syndrome) become notes on every finding of the alteration;
//! - access: a regimen not approved in Japan for this alteration whose every drug is approved in
//!   Japan for this cancer type without a biomarker condition (`standard_jp.tsv`) is reached
//!   through its standard approval, never "investigational".
//!
//! A regimen's level is its best item; a finding lists every regimen with its own level and
//! approval status (a drug approved in Japan and another only FDA-approved both show).

use std::collections::BTreeMap;

pub use super::kb::{matcher::matches, Alteration};
use super::kb::{policy::regimen_key, Applies, Direction, EvidenceType, Item, Kb, SourceKind};
use super::oncotree::OncoTree;
pub use crate::types::report::{
    AccessRoute, AlterationOrigin, ApprovalCountry, ApprovalTerms, Citation, Finding, FindingKind,
    LabelOrigin, Level, Therapy,
};

/// How a note from a `germline_testing` item begins (an expert-panel reason as well).
pub(crate) const GERMLINE_TESTING: &str = "germline testing: ";

/// An alteration with where it was found.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// The alteration.
    pub alt: Alteration,
    /// Somatic, germline (matched normal) or unknown (tumor-only).
    pub origin: AlterationOrigin,
    /// A note every finding of it carries (e.g. how it was mapped onto the MANE transcript).
    pub note: Option<String>,
}

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

/// How an item's required origin meets the alteration's origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OriginFit {
    /// The item applies.
    Fits,
    /// The item applies, but its label needs a germline variant whose origin is not known.
    ConfirmGermline,
    /// The item is about germline variants and this one is somatic: its label condition is not
    /// met (approvals), its evidence is from another population (CIViC): as elsewhere.
    GermlineOnly,
}

/// METHOD: the origin rules of the module documentation. A germline variant is in the tumour
/// too, so every item about the tumour genotype applies to it.
fn origin_fit(i: &Item, origin: AlterationOrigin) -> OriginFit {
    let germline_only = i.origin.as_deref() == Some("germline");
    let approval = matches!(i.source, SourceKind::ApprovalJp | SourceKind::ApprovalUs);
    match origin {
        AlterationOrigin::Somatic if germline_only => OriginFit::GermlineOnly,
        AlterationOrigin::Unknown if germline_only && approval => OriginFit::ConfirmGermline,
        _ => OriginFit::Fits,
    }
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
        (SourceKind::Civic, a) => match (i.ccat_level, a) {
            (Some('B'), Applies::Here) => Some(Level::B),
            (Some('B' | 'C'), _) => Some(Level::C),
            (Some('D'), _) => Some(Level::D),
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
    approvals: Vec<ApprovalTerms>,
}

impl<'a> Acc<'a> {
    fn raise(&mut self, regimen: &str, level: Level) {
        if self.regimen.is_empty() {
            self.regimen = regimen.to_string();
        }
        if self.level.is_none_or(|b| level.rank() < b.rank()) {
            self.level = Some(level);
        }
    }
}

fn label(level: Level, jp: bool, us: bool, guideline: bool) -> String {
    match level {
        Level::A if jp => "A (approved in Japan)".into(),
        Level::A if us => "A (FDA-approved)".into(),
        Level::A if guideline => "A (guideline)".into(),
        l => l.as_str().to_string(),
    }
}

/// Whether every drug of a regimen is approved in Japan for the patient's cancer type without
/// a biomarker condition (`standard_jp.tsv`).
fn standard_here(kb: &Kb, tree: &OncoTree, cancer: &str, regimen: &str) -> bool {
    !kb.standard_jp.is_empty()
        && regimen.split('+').all(|d| {
            kb.standard_jp
                .iter()
                .any(|s| s.drug == d.trim() && s.cancer.applies(tree, cancer) == Applies::Here)
        })
}

/// METHOD: the access route of a regimen, from its approvals here and elsewhere.
fn access(a: &Acc<'_>, level: Level, elsewhere: &[String], standard: bool) -> AccessRoute {
    if level == Level::R {
        AccessRoute::Resistance
    } else if a.jp {
        AccessRoute::Approved
    } else if standard {
        AccessRoute::Standard
    } else if elsewhere.iter().any(|e| e.ends_with("(Japan)")) {
        AccessRoute::OffLabel
    } else if a.us || a.guideline || !elsewhere.is_empty() {
        AccessRoute::Abroad
    } else {
        AccessRoute::Investigational
    }
}

/// The tiering context of one patient.
struct Ctx<'a> {
    kb: &'a Kb,
    tree: &'a OncoTree,
    cancer: &'a str,
}

fn therapies(ctx: &Ctx<'_>, accs: BTreeMap<String, Acc<'_>>) -> Vec<Therapy> {
    let mut out: Vec<Therapy> = accs
        .into_values()
        .filter_map(|mut a| {
            let level = a.level?;
            a.items.sort_by(|x, y| {
                (x.1.rank(), x.0.source, &x.0.id).cmp(&(y.1.rank(), y.0.source, &y.0.id))
            });
            a.elsewhere.sort();
            a.elsewhere.dedup();
            a.notes.sort();
            a.notes.dedup();
            a.approvals.sort_by(|x, y| x.id.cmp(&y.id));
            a.approvals.dedup();
            let standard = standard_here(ctx.kb, ctx.tree, ctx.cancer, &a.regimen);
            Some(Therapy {
                access: access(&a, level, &a.elsewhere, standard),
                level_label: label(level, a.jp, a.us, a.guideline),
                level,
                approved_in_japan: a.jp,
                approved_us: a.us,
                guideline: a.guideline,
                citations: a.items.iter().map(|(i, _)| citation(i)).collect(),
                regimen: a.regimen,
                approved_elsewhere: a.elsewhere,
                notes: a.notes,
                approvals: a.approvals,
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

fn finding(
    o: &Observed,
    kind: FindingKind,
    therapies: Vec<Therapy>,
    notes: &[String],
) -> Option<Finding> {
    let best = therapies.first()?;
    Some(Finding {
        gene: o.alt.gene(),
        alteration: o.alt.display(),
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
        origin: o.origin,
        notes: notes.to_vec(),
    })
}

/// The items matching one alteration, sorted into what they become.
#[derive(Default)]
struct Collected<'a> {
    sens: BTreeMap<String, Acc<'a>>,
    res: BTreeMap<String, Acc<'a>>,
    caveats: Vec<&'a Item>,
    other: Vec<(&'a Item, Level)>,
    notes: Vec<String>,
}

/// The approval terms an approval row gives in the patient's cancer type.
fn terms(i: &Item) -> Option<ApprovalTerms> {
    let country = match i.source {
        SourceKind::ApprovalJp => ApprovalCountry::Japan,
        SourceKind::ApprovalUs => ApprovalCountry::Us,
        _ => return None,
    };
    Some(ApprovalTerms {
        id: i.id.clone(),
        country,
        label_condition: i.statement.clone(),
        companion_diagnostic: i.companion_diagnostic.clone(),
        line_of_therapy: i.line_of_therapy.clone(),
        origin: i
            .origin
            .as_deref()
            .and_then(LabelOrigin::parse)
            .unwrap_or(LabelOrigin::Somatic),
    })
}

impl<'a> Collected<'a> {
    /// A sensitivity item: its regimen's level, approval status here and elsewhere, terms.
    fn sensitive(&mut self, i: &'a Item, level: Level, here: Applies, fit: OriginFit) {
        let r = i.regimen.clone().unwrap_or_default();
        let a = self.sens.entry(regimen_key(&r)).or_default();
        a.raise(&r, level);
        let a_here = here == Applies::Here;
        a.jp |= a_here && i.source == SourceKind::ApprovalJp;
        a.us |= a_here && i.source == SourceKind::ApprovalUs;
        a.guideline |= a_here && i.source == SourceKind::Guideline;
        let approval = matches!(i.source, SourceKind::ApprovalJp | SourceKind::ApprovalUs);
        let who = if i.source == SourceKind::ApprovalJp {
            "Japan"
        } else {
            "US"
        };
        if fit == OriginFit::GermlineOnly && approval {
            a.elsewhere.push(format!(
                "{} for germline variants only: this variant is somatic, the label condition is not met ({who})",
                i.cancer.display()
            ));
        } else if !a_here && approval {
            a.elsewhere.push(format!("{} ({who})", i.cancer.display()));
        }
        if a_here {
            if let Some(l) = &i.line_of_therapy {
                a.notes.push(format!("{}: {l}", i.id));
            }
            if fit == OriginFit::ConfirmGermline {
                a.notes.push(format!(
                    "{}: the label requires a germline variant; this analysis cannot tell germline from somatic origin: confirm with a clinical germline test",
                    i.id
                ));
            }
            a.approvals.extend(terms(i));
        }
        a.items.push((i, level));
    }

    /// Sorts one matching item into sensitivity, resistance, caveats and other findings.
    fn add(&mut self, ctx: &Ctx<'_>, i: &'a Item, origin: AlterationOrigin) {
        let fit = origin_fit(i, origin);
        let mut here = i.cancer.applies(ctx.tree, ctx.cancer);
        if fit == OriginFit::GermlineOnly && here == Applies::Here {
            here = Applies::Elsewhere;
        }
        let Some(level) = item_level(i, here) else {
            return;
        };
        match (i.evidence_type, i.direction) {
            (EvidenceType::Predictive, Direction::Sensitive) => self.sensitive(i, level, here, fit),
            (EvidenceType::Predictive, Direction::Resistant) => {
                // resistance counts only in the patient's cancer type, from strong evidence
                if here == Applies::Here {
                    let r = i.regimen.clone().unwrap_or_default();
                    let a = self.res.entry(regimen_key(&r)).or_default();
                    a.raise(&r, Level::R);
                    a.guideline |= i.source == SourceKind::Guideline;
                    a.items.push((i, Level::R));
                }
            }
            (EvidenceType::Predictive, _) => {
                if here == Applies::Here {
                    self.caveats.push(i);
                }
            }
            (_, Direction::GermlineTesting) => {
                if here == Applies::Here {
                    self.notes.push(format!(
                        "{GERMLINE_TESTING}{} [{}]",
                        i.statement.as_deref().unwrap_or(""),
                        i.id
                    ));
                    self.other.push((i, level));
                }
            }
            _ => {
                if here == Applies::Here {
                    self.other.push((i, level));
                }
            }
        }
    }

    /// Caveats attach to the regimen they concern.
    fn attach_caveats(&mut self) {
        for c in std::mem::take(&mut self.caveats) {
            let key = regimen_key(c.regimen.as_deref().unwrap_or(""));
            if let Some(a) = self.sens.get_mut(&key) {
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
    }

    /// METHOD (curation policy): a regimen at A or B for this alteration here is never R; its
    /// resistance items become a "conflicting evidence" note on it, cited.
    fn resolve_conflicts(&mut self) {
        let keys: Vec<String> = self.res.keys().cloned().collect();
        for key in keys {
            let Some(s) = self.sens.get_mut(&key) else {
                continue;
            };
            let Some(l) = s.level.filter(|l| matches!(l, Level::A | Level::B)) else {
                continue;
            };
            let r = self.res.remove(&key).expect("key listed");
            for (i, _) in r.items {
                s.notes.push(format!(
                    "conflicting evidence: {} reports resistance ({}); not an R finding because the regimen is level {} for this alteration in this cancer type: for the panel to weigh",
                    i.id,
                    i.statement.as_deref().unwrap_or("no statement"),
                    l.as_str()
                ));
                s.items.push((i, Level::R));
            }
        }
    }
}

/// Prognostic and diagnostic findings of one alteration.
fn other_findings(o: &Observed, other: &[(&Item, Level)], notes: &[String]) -> Vec<Finding> {
    let mut out = Vec::new();
    for kind in [FindingKind::Prognostic, FindingKind::Diagnostic] {
        let mut these: Vec<&(&Item, Level)> = other
            .iter()
            .filter(|(i, _)| {
                (kind == FindingKind::Prognostic) == (i.evidence_type == EvidenceType::Prognostic)
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
                    Direction::GermlineTesting => "germline testing",
                    _ => "supports diagnosis",
                };
                format!("{d}: {}", i.statement.as_deref().unwrap_or("-"))
            })
            .collect();
        statements.dedup();
        let what = if kind == FindingKind::Prognostic {
            "prognostic"
        } else {
            "diagnostic"
        };
        out.push(Finding {
            gene: o.alt.gene(),
            alteration: o.alt.display(),
            kind,
            level,
            approved_in_japan: false,
            level_label: format!("{} ({what})", level.as_str()),
            therapies: Vec::new(),
            statements,
            drugs: Vec::new(),
            citations: these.iter().map(|(i, _)| citation(i)).collect(),
            origin: o.origin,
            notes: notes.to_vec(),
        });
    }
    out
}

/// The findings of one alteration.
fn tier_one(ctx: &Ctx<'_>, o: &Observed) -> Vec<Finding> {
    let mut c = Collected::default();
    for i in ctx.kb.items.iter().filter(|i| {
        matches(
            i.gene.as_deref(),
            &i.matcher,
            &i.mane,
            &ctx.kb.known,
            &o.alt,
        )
    }) {
        c.add(ctx, i, o.origin);
    }
    c.attach_caveats();
    c.resolve_conflicts();
    c.notes.sort();
    c.notes.dedup();
    if let Some(n) = &o.note {
        c.notes.insert(0, n.clone());
    }
    let mut out = Vec::new();
    let sens = std::mem::take(&mut c.sens);
    let res = std::mem::take(&mut c.res);
    out.extend(finding(
        o,
        FindingKind::Therapeutic,
        therapies(ctx, sens),
        &c.notes,
    ));
    out.extend(finding(
        o,
        FindingKind::Resistance,
        therapies(ctx, res),
        &c.notes,
    ));
    out.extend(other_findings(o, &c.other, &c.notes));
    out
}

/// Findings sorted by kind, level, approval in Japan, gene, alteration, origin.
fn sort_findings(out: &mut [Finding]) {
    out.sort_by(|a, b| {
        (
            a.kind,
            a.level.rank(),
            !a.approved_in_japan,
            &a.gene,
            &a.alteration,
            a.origin,
        )
            .cmp(&(
                b.kind,
                b.level.rank(),
                !b.approved_in_japan,
                &b.gene,
                &b.alteration,
                b.origin,
            ))
    });
}

/// Tiers `alts` for `cancer` (an OncoTree code), their origin unknown (as a tumor-only
/// analysis sees them). Findings are sorted by kind, level, then gene.
pub fn tier(kb: &Kb, tree: &OncoTree, cancer: &str, alts: &[Alteration]) -> Vec<Finding> {
    let obs: Vec<Observed> = alts
        .iter()
        .map(|a| Observed {
            alt: a.clone(),
            origin: AlterationOrigin::Unknown,
            note: None,
        })
        .collect();
    tier_observed(kb, tree, cancer, &obs)
}

/// Tiers alterations with their origins (somatic, germline from the matched normal, unknown).
pub fn tier_observed(kb: &Kb, tree: &OncoTree, cancer: &str, obs: &[Observed]) -> Vec<Finding> {
    let ctx = Ctx { kb, tree, cancer };
    let mut out: Vec<Finding> = obs.iter().flat_map(|o| tier_one(&ctx, o)).collect();
    sort_findings(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clinical::kb::parse_files;

    const MANE: &str = "# file: mane_select.tsv\n# version: t\n# date: 2026-01-01\n# licence: x\ngene\trefseq\tensembl\tmane_status\nBRCA2\tNM_000059.4\tENST00000380152.8\tMANE Select\nEGFR\tNM_005228.5\tENST00000275493.7\tMANE Select\n";
    const APPROVAL_HEAD: &str = "# file: approvals_jp.tsv\n# version: t\n# date: 2026-01-01\n# licence: x\nid\tgene\talteration\tcancer_types\texclude\tregimen\tapproval_date\tline_of_therapy\tlabel_condition\tcompanion_diagnostic\torigin\tsource\tsource_url\tverified\tnotes\n";
    const CIVIC_HEAD: &str = "# file: civic.tsv\n# version: t\n# date: 2026-01-01\n# licence: x\nid\tgene\talteration\tcancer_types\texclude\tevidence_type\tregimen\tdirection\tcivic_level\tccat_level\tsignificance\torigin\tdisease\tstatement\tsource\tsource_url\tverified\tnotes\n";

    fn kb(jp: &str, civic: &str) -> (Kb, OncoTree) {
        let tree = OncoTree::bundled();
        let k = parse_files(
            &[
                ("m".into(), MANE.into()),
                ("jp".into(), format!("{APPROVAL_HEAD}{jp}")),
                ("c".into(), format!("{CIVIC_HEAD}{civic}")),
            ],
            &tree,
        )
        .unwrap();
        (k, tree)
    }

    fn brca2(origin: AlterationOrigin) -> Observed {
        Observed {
            alt: Alteration::Variant {
                gene: "BRCA2".into(),
                transcript: "NM_000059.3".into(),
                protein_change: Some("R2494*".into()),
                consequence: crate::types::transcript::SoTerm::StopGained.into(),
                exon: Some(15),
                intron: None,
                hgvs_c: "c.7480C>T".into(),
            },
            origin,
            note: None,
        }
    }

    const GERMLINE_ROW: &str = "JP-0001\tBRCA2\tloss_of_function\tBRCA\t-\tolaparib\t2018-07-02\tsecond+\tgermline BRCA, HER2-negative\tBRACAnalysis\tgermline\tPackage insert of Lynparza\thttps://www.pmda.go.jp/\tsearch\t-\n";

    #[test]
    fn a_germline_only_label_meets_germline_findings_only() {
        let (k, tree) = kb(GERMLINE_ROW, "");
        let germ = tier_observed(&k, &tree, "BRCA", &[brca2(AlterationOrigin::Germline)]);
        let t = &germ[0].therapies[0];
        assert_eq!((t.level, t.approved_in_japan), (Level::A, true));
        assert_eq!(germ[0].origin, AlterationOrigin::Germline);
        assert_eq!(t.approvals[0].origin, LabelOrigin::Germline);
        assert_eq!(
            t.approvals[0].companion_diagnostic.as_deref(),
            Some("BRACAnalysis")
        );
        let som = tier_observed(&k, &tree, "BRCA", &[brca2(AlterationOrigin::Somatic)]);
        let t = &som[0].therapies[0];
        assert_eq!((t.level, t.approved_in_japan), (Level::C, false), "{t:?}");
        assert!(t.approved_elsewhere[0].contains("label condition is not met"));
        let unknown = tier_observed(&k, &tree, "BRCA", &[brca2(AlterationOrigin::Unknown)]);
        let t = &unknown[0].therapies[0];
        assert_eq!(t.level, Level::A);
        assert!(t
            .notes
            .iter()
            .any(|n| n.contains("confirm with a clinical germline test")));
    }

    #[test]
    fn a_germline_finding_meets_tumour_genotype_items_too() {
        let row = GERMLINE_ROW.replace("\tgermline\t", "\tsomatic\t");
        let (k, tree) = kb(&row, "");
        let f = tier_observed(&k, &tree, "BRCA", &[brca2(AlterationOrigin::Germline)]);
        assert_eq!(f[0].level, Level::A);
        assert_eq!(f[0].origin, AlterationOrigin::Germline);
    }

    #[test]
    fn resistance_never_overrides_a_level_a_regimen() {
        let res = "CIVIC-EID1\tBRCA2\tloss_of_function\tOVT\t-\tpredictive\tolaparib\tresistant\tA\tB\tResistance\tsomatic\tOvarian\tsmall study\tCIViC evidence item EID1 (PMID 1)\thttps://civicdb.org/links/evidence_items/1\tcivic\t-\n";
        let row = GERMLINE_ROW
            .replace("\tBRCA\t", "\tBRCA,OVT\t")
            .replace("\tgermline\t", "\tsomatic_or_germline\t");
        // kb validate refuses the pair (same alteration, overlapping cancer types) ...
        let tree = OncoTree::bundled();
        let e = parse_files(
            &[
                ("m".into(), MANE.into()),
                ("jp".into(), format!("{APPROVAL_HEAD}{row}")),
                ("c".into(), format!("{CIVIC_HEAD}{res}")),
            ],
            &tree,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("c:6: CIVIC-EID1 gives 'olaparib' R"), "{e}");
        // ... and the tiering, for items it cannot see as one alteration, shows a note
        let (k, tree) = kb(&GERMLINE_ROW.replace("\tgermline\t", "\tsomatic\t"), "");
        let mut k = k;
        let mut r = k.items[0].clone();
        r.id = "CIVIC-EID1".into();
        r.source = SourceKind::Civic;
        r.direction = Direction::Resistant;
        r.ccat_level = Some('B');
        k.items.push(r);
        let f = tier_observed(&k, &tree, "BRCA", &[brca2(AlterationOrigin::Somatic)]);
        assert!(f.iter().all(|x| x.kind != FindingKind::Resistance), "{f:?}");
        assert!(f[0].therapies[0]
            .notes
            .iter()
            .any(|n| n.starts_with("conflicting evidence: CIVIC-EID1")));
    }

    #[test]
    fn civic_levels_follow_the_ccat_level_of_the_item() {
        let row = |id: &str, ccat: &str| {
            format!("CIVIC-EID{id}\tEGFR\tp.L858R\tNSCLC\t-\tpredictive\tgefitinib\tsensitive\tB\t{ccat}\tSensitivity\tsomatic\tNSCLC\tstudy\tCIViC evidence item EID{id} (PMID 1)\thttps://civicdb.org/links/evidence_items/{id}\tcivic\t-\n")
        };
        let l858r = Alteration::Variant {
            gene: "EGFR".into(),
            transcript: "NM_005228.5".into(),
            protein_change: Some("L858R".into()),
            consequence: crate::types::transcript::SoTerm::MissenseVariant.into(),
            exon: Some(21),
            intron: None,
            hgvs_c: "c.2573T>G".into(),
        };
        let (k, tree) = kb("", &row("1", "C"));
        let f = tier(&k, &tree, "LUAD", std::slice::from_ref(&l858r));
        assert_eq!(f[0].level, Level::C, "a small trial here is C");
        assert_eq!(f[0].therapies[0].access, AccessRoute::Investigational);
        let (k, tree) = kb("", &row("2", "B"));
        assert_eq!(
            tier(&k, &tree, "LUAD", std::slice::from_ref(&l858r))[0].level,
            Level::B
        );
        assert_eq!(
            tier(&k, &tree, "COAD", &[l858r])[0].level,
            Level::C,
            "B elsewhere is C"
        );
    }
}
