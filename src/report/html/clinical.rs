//! The clinical sections of the page: biomarkers, the expert panel, the findings by evidence
//! level (with label conditions and companion diagnostics), transcripts and rules not
//! evaluated, the level definitions, and the localized limitations.

use super::{esc, Page};
use crate::report::i18n::{self, Msg};
use crate::types::report::{
    AccessRoute, AlterationOrigin, ApprovalCountry, Citation, Finding, FindingKind, LabelOrigin,
    Lang, Level, Priority, Therapy, TmbSummary, ValueSource,
};

/// Up to this many source links show in a table cell; the rest fold into a `<details>`.
const SOURCES_SHOWN: usize = 4;

pub(super) fn sources(p: &Page<'_>, cs: &[Citation]) -> String {
    let links: Vec<String> = cs
        .iter()
        .map(|c| {
            format!(
                "<a href=\"{}\" title=\"{}{}\">{}</a>",
                super::href(&c.url),
                esc(&c.source),
                if c.verified == "knowledge" {
                    p.t(Msg::CuratorKnowledge)
                } else {
                    String::new()
                },
                esc(&c.id)
            )
        })
        .collect();
    if links.len() <= SOURCES_SHOWN + 1 {
        return links.join(" ");
    }
    format!(
        "{} <details><summary>{}</summary>{}</details>",
        links[..SOURCES_SHOWN].join(" "),
        p.f(Msg::MoreSources, &[&(links.len() - SOURCES_SHOWN)]),
        links[SOURCES_SHOWN..].join(" ")
    )
}

fn src(p: &Page<'_>, s: ValueSource) -> String {
    p.t(match s {
        ValueSource::Measured => Msg::Measured,
        ValueSource::UserSupplied => Msg::UserSupplied,
    })
}

/// The TMB rows of the biomarker table: the headline value, its basis and components, and, when
/// evaluable, the TMB without microsatellite indels.
fn tmb_rows(p: &Page<'_>, t: &TmbSummary) -> String {
    use crate::types::results::TmbClass;
    let result = match (t.evaluability.evaluable, t.class) {
        (true, Some(c)) => p.f(
            Msg::TmbValue,
            &[
                &format!("{:.1}", t.per_mb),
                &i18n::t(
                    p.lang,
                    match c {
                        TmbClass::Low => Msg::TmbLow,
                        TmbClass::High => Msg::TmbHigh,
                        TmbClass::VeryHigh => Msg::TmbVeryHigh,
                        TmbClass::NotEvaluable => Msg::NotEvaluable,
                    },
                ),
            ],
        ),
        _ => p.t(Msg::NotEvaluable),
    };
    let mut basis = Vec::new();
    if t.evaluability.evaluable {
        if let Some(mb) = t.callable_mb {
            basis.push(p.f(Msg::CallableMb, &[&format!("{mb:.3}")]));
        }
        if let Some(ci) = t.ci95 {
            basis.push(p.f(
                Msg::Ci95,
                &[&format!("{:.1}", ci[0]), &format!("{:.1}", ci[1])],
            ));
        }
    }
    if let Some(reason) = &t.evaluability.reason {
        basis.push(limitation(p, reason));
    }
    let components = t.components.as_ref().filter(|_| t.evaluability.evaluable);
    if let Some(c) = components {
        basis.push(p.f(
            Msg::TmbComponents,
            &[
                &format!("{:.1}", c.snv_per_mb),
                &format!("{:.1}", c.other_indels_per_mb),
                &format!("{:.1}", c.ms_indels_per_mb),
                &c.snv,
                &c.other_indels,
                &c.ms_indels,
            ],
        ));
    }
    let mut h = format!(
        "<tr><td>{}</td><td>{result}</td><td>{}</td><td>{}</td></tr>",
        p.t(Msg::Tmb),
        basis.join("; "),
        src(p, t.source)
    );
    if let Some(c) = components {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            p.t(Msg::TmbWithoutMs),
            p.f(
                Msg::TmbValue,
                &[&format!("{:.1}", c.per_mb_without_ms_indels), &""]
            )
            .replace("（）", "")
            .replace(" ()", ""),
            p.t(Msg::TmbWithoutMsBasis),
            src(p, t.source)
        ));
    }
    h
}

/// Biomarkers: TMB and MSI with their evaluability (MSI with its site count, a low-confidence
/// MSI-H marked); user-supplied values marked.
pub(super) fn biomarkers(p: &Page<'_>) -> String {
    let r = p.r;
    let mut h = p.h2(Msg::Biomarkers);
    h.push_str("<table>");
    h.push_str(&p.header(&[Msg::Biomarker, Msg::Result, Msg::Basis, Msg::Source]));
    match &r.tmb {
        Some(t) => h.push_str(&tmb_rows(p, t)),
        None => h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td></td><td></td></tr>",
            p.t(Msg::Tmb),
            p.t(Msg::NotAssessed)
        )),
    }
    match &r.msi {
        Some(m) => {
            use crate::types::msi::MsiStatus;
            let mut result = match (m.evaluability.evaluable, m.status) {
                (true, Some(MsiStatus::Indeterminate)) => p.t(Msg::MsiIndeterminateValue),
                (true, Some(s)) => esc(s.as_str()),
                _ => p.t(Msg::NotEvaluable),
            };
            if m.low_confidence {
                result = format!("{result} ({})", p.t(Msg::LowConfidence));
            }
            let mut basis = Vec::new();
            if let (Some(sc), Some(n)) = (m.score, m.sites_tested) {
                basis.push(p.f(Msg::MsiScore, &[&format!("{sc:.1}"), &n]));
            }
            if let Some(reason) = &m.evaluability.reason {
                basis.push(limitation(p, reason));
            }
            h.push_str(&format!(
                "<tr{}><td>{}</td><td>{result}</td><td>{}</td><td>{}</td></tr>",
                if m.low_confidence {
                    " class=\"warn\""
                } else {
                    ""
                },
                p.t(Msg::Msi),
                basis.join("; "),
                src(p, m.source)
            ));
        }
        None => h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td></td><td></td></tr>",
            p.t(Msg::Msi),
            p.t(Msg::NotAssessed)
        )),
    }
    h.push_str("</table>");
    h
}

/// The expert-panel statement, priority and reasons.
pub(super) fn panel(p: &Page<'_>) -> String {
    let e = &p.r.expert_panel;
    let mut h = p.h2(Msg::ExpertPanel);
    h.push_str(&format!(
        "<p>{}</p><p><b>{}</b></p><ul>",
        p.t(Msg::PanelStatement),
        p.t(match e.priority {
            Priority::QcRetest => Msg::PriorityQcRetest,
            Priority::DiscussFirst => Msg::PriorityDiscussFirst,
            Priority::Routine => Msg::PriorityRoutine,
        })
    ));
    for reason in &e.reasons {
        h.push_str(&format!("<li>{}</li>", limitation(p, reason)));
    }
    h.push_str("</ul>");
    h
}

/// The level label of a therapy, from its typed fields.
fn level_label(p: &Page<'_>, t: &Therapy) -> String {
    match t.level {
        Level::A if t.approved_in_japan => p.t(Msg::LevelAJapan),
        Level::A if t.approved_us => p.t(Msg::LevelAFda),
        Level::A if t.guideline => p.t(Msg::LevelAGuideline),
        Level::R => p.t(Msg::LevelR),
        l => l.as_str().to_string(),
    }
}

fn access(p: &Page<'_>, a: AccessRoute) -> String {
    p.t(match a {
        AccessRoute::Approved => Msg::AccessApproved,
        AccessRoute::Standard => Msg::AccessStandard,
        AccessRoute::OffLabel => Msg::AccessOffLabel,
        AccessRoute::Abroad => Msg::AccessAbroad,
        AccessRoute::Investigational => Msg::AccessInvestigational,
        AccessRoute::Resistance => Msg::AccessResistance,
    })
}

/// The label condition, companion diagnostic, line and required origin of each approval.
fn approval_terms(p: &Page<'_>, t: &Therapy) -> String {
    t.approvals
        .iter()
        .map(|a| {
            let mut parts = vec![format!(
                "<b>{} {}</b>",
                p.t(match a.country {
                    ApprovalCountry::Japan => Msg::JapanLabel,
                    ApprovalCountry::Us => Msg::UsLabel,
                }),
                esc(&a.id)
            )];
            if let Some(l) = &a.label_condition {
                parts.push(format!("{}: {}", p.t(Msg::LabelCondition), p.en(l)));
            }
            match a.origin {
                LabelOrigin::Germline => parts.push(p.t(Msg::LabelGermline)),
                LabelOrigin::SomaticOrGermline => parts.push(p.t(Msg::LabelSomaticOrGermline)),
                LabelOrigin::Somatic => {}
            }
            if let Some(c) = &a.companion_diagnostic {
                parts.push(format!("{}: {}", p.t(Msg::CompanionDiagnostic), p.en(c)));
            }
            if let Some(l) = &a.line_of_therapy {
                parts.push(format!("{}: {}", p.t(Msg::LineOfTherapy), p.en(l)));
            }
            parts.join("; ")
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

/// The alteration cell: name, origin, notes of the finding.
fn alteration_cell(p: &Page<'_>, f: &Finding) -> String {
    let mut h = esc(&f.alteration);
    match f.origin {
        AlterationOrigin::Germline => {
            h.push_str(&format!("<br><b>{}</b>", p.t(Msg::OriginGermline)))
        }
        AlterationOrigin::Unknown if f.gene != "*" => h.push_str(&format!(
            "<br><span class=\"muted\">{}</span>",
            p.t(Msg::OriginUnknown)
        )),
        _ => {}
    }
    for n in &f.notes {
        h.push_str(&format!("<div class=\"note\">{}</div>", limitation(p, n)));
    }
    h
}

fn therapy_row(p: &Page<'_>, f: &Finding, t: &Therapy) -> String {
    let mut status = Vec::new();
    if t.approved_in_japan {
        status.push(p.t(Msg::ApprovedInJapan));
    }
    if t.approved_us {
        status.push(p.t(Msg::FdaApproved));
    }
    if t.guideline {
        status.push(p.t(Msg::GuidelineStatus));
    }
    // where else it is approved matters when it is not approved in Japan here (the off-label
    // route the panel discusses)
    if !t.approved_in_japan && !t.approved_elsewhere.is_empty() {
        status.push(p.f_html(
            Msg::ApprovedElsewhere,
            &[&p.en(&t.approved_elsewhere.join("; "))],
        ));
    }
    let notes: Vec<String> = t.notes.iter().map(|n| p.en(n)).collect();
    format!(
        "<tr class=\"lv{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        t.level.as_str(),
        level_label(p, t),
        esc(&f.gene),
        alteration_cell(p, f),
        esc(&t.regimen),
        status.join("; "),
        access(p, t.access),
        approval_terms(p, t),
        notes.join("; "),
        sources(p, &t.citations)
    )
}

/// Findings: one row per drug with its own level, approval status, label condition and
/// companion diagnostic; resistance; prognostic and diagnostic statements.
pub(super) fn findings(p: &Page<'_>) -> String {
    let r = p.r;
    let mut h = p.h2(Msg::Alterations);
    h.push_str("<table>");
    h.push_str(&p.header(&[
        Msg::Level,
        Msg::Gene,
        Msg::Alteration,
        Msg::Drug,
        Msg::StatusHere,
        Msg::AccessRoute,
        Msg::LabelCdx,
        Msg::Notes,
        Msg::Sources,
    ]));
    let mut any = false;
    for f in r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Therapeutic)
    {
        for t in &f.therapies {
            any = true;
            h.push_str(&therapy_row(p, f, t));
        }
    }
    if !any {
        h.push_str(&format!(
            "<tr><td colspan=\"9\">{}</td></tr>",
            p.t(Msg::NoTherapeutic)
        ));
    }
    h.push_str("</table>");
    let res: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Resistance)
        .collect();
    if !res.is_empty() {
        h.push_str(&p.h2(Msg::Resistance));
        h.push_str("<table>");
        h.push_str(&p.header(&[Msg::Gene, Msg::Alteration, Msg::Drug, Msg::Sources]));
        for f in res {
            for t in &f.therapies {
                h.push_str(&format!(
                    "<tr class=\"lvR\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&f.gene),
                    alteration_cell(p, f),
                    esc(&t.regimen),
                    sources(p, &t.citations)
                ));
            }
        }
        h.push_str("</table>");
    }
    h.push_str(&other_findings(p));
    h
}

fn other_findings(p: &Page<'_>) -> String {
    let other: Vec<&Finding> =
        p.r.findings
            .iter()
            .filter(|f| matches!(f.kind, FindingKind::Prognostic | FindingKind::Diagnostic))
            .collect();
    if other.is_empty() {
        return String::new();
    }
    let mut h = p.h2(Msg::PrognosticDiagnostic);
    h.push_str("<table>");
    h.push_str(&p.header(&[
        Msg::Level,
        Msg::Gene,
        Msg::Alteration,
        Msg::Statement,
        Msg::Sources,
    ]));
    for f in other {
        let label = p.f(
            if f.kind == FindingKind::Prognostic {
                Msg::LevelPrognostic
            } else {
                Msg::LevelDiagnostic
            },
            &[&f.level.as_str()],
        );
        h.push_str(&format!(
            "<tr><td>{label}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&f.gene),
            esc(&f.alteration),
            p.en(&f.statements.join("; ")),
            sources(p, &f.citations)
        ));
    }
    h.push_str("</table>");
    h
}

/// Genes whose preferred transcript was absent, and every rule that could not be evaluated.
pub(super) fn transcripts(p: &Page<'_>) -> String {
    let t = &p.r.transcripts;
    if t.preferred_absent.is_empty() && t.rules_not_evaluated.is_empty() {
        return String::new();
    }
    let mut h = p.h2(Msg::TranscriptsHeading);
    if !t.preferred_absent.is_empty() {
        h.push_str(&format!("<p>{}</p><ul>", p.t(Msg::PreferredAbsent)));
        for a in &t.preferred_absent {
            h.push_str(&format!(
                "<li>{}</li>",
                p.f(
                    Msg::PreferredAbsentItem,
                    &[
                        &a.gene,
                        &a.preferred,
                        &a.models.join(", "),
                        &i18n::t(
                            p.lang,
                            if a.mapped_by_structure {
                                Msg::MappedByStructure
                            } else {
                                Msg::NotMapped
                            }
                        ),
                    ]
                )
            ));
        }
        h.push_str("</ul>");
    }
    if !t.rules_not_evaluated.is_empty() {
        h.push_str(&format!(
            "<p class=\"warn\">{}</p><ul>",
            p.t(Msg::RulesNotEvaluated)
        ));
        for n in &t.rules_not_evaluated {
            h.push_str(&format!(
                "<li>{}</li>",
                p.f_html(
                    Msg::RulesNotEvaluatedItem,
                    &[
                        &esc(&n.gene),
                        &esc(&n.variant),
                        &p.en(&n.reason),
                        &esc(&n.rules.join(", "))
                    ]
                )
            ));
        }
        h.push_str("</ul>");
    }
    h
}

/// The evidence-level definitions.
pub(super) fn level_definitions(p: &Page<'_>) -> String {
    let mut h = p.h2(Msg::LevelDefinitions);
    h.push_str("<table>");
    for (label, def) in [
        (Msg::LevelAJapan, Msg::DefA),
        (Msg::LevelAAbroad, Msg::DefAAbroad),
    ] {
        h.push_str(&format!(
            "<tr><th>{}</th><td>{}</td></tr>",
            p.t(label),
            p.t(def)
        ));
    }
    for (l, def) in [
        ("B", Msg::DefB),
        ("C", Msg::DefC),
        ("D", Msg::DefD),
        ("E", Msg::DefE),
    ] {
        h.push_str(&format!("<tr><th>{l}</th><td>{}</td></tr>", p.t(def)));
    }
    h.push_str(&format!(
        "<tr><th>{}</th><td>{}</td></tr></table>",
        p.t(Msg::LevelR),
        p.t(Msg::DefR)
    ));
    h
}

/// A limitation, banner or reason: in the page's language when it is one the report writes
/// itself through a message key (the same key and arguments give the English the report
/// stored), otherwise as stored (English, marked).
pub(crate) fn limitation(p: &Page<'_>, text: &str) -> String {
    if p.lang == Lang::En {
        return esc(text);
    }
    for (en, local) in known_notices(p) {
        if en == text {
            return esc(&local);
        }
        if let Some(rest) = text.strip_prefix(&en) {
            return format!("{}{}", esc(&local), p.en(rest));
        }
    }
    p.en(text)
}

/// The notices a report writes itself (English, and in the page's language), from its typed
/// fields: biomarker evaluability, tumor-only, low purity, failed QC rules, REF mismatches.
fn known_notices(p: &Page<'_>) -> Vec<(String, String)> {
    use crate::somatic::biomarkers::{
        MIN_MSI_SITES, MIN_RELIABLE_CALLABLE_MB, MSI_CONFIDENT_SITES,
    };
    let r = p.r;
    let both = |g: &dyn Fn(Lang) -> String| (g(Lang::En), g(p.lang));
    let mut out = Vec::new();
    if let Some(t) = &r.tmb {
        if let (Some(mb), Some(ci)) = (t.callable_mb, t.ci95) {
            out.push(both(&|l| {
                i18n::tmb_not_evaluable(l, mb, MIN_RELIABLE_CALLABLE_MB, t.per_mb, ci)
            }));
        }
    }
    if let (Some(m), Some(n)) = (&r.msi, r.msi.as_ref().and_then(|m| m.sites_tested)) {
        let score = m.score.unwrap_or(0.0);
        out.push(both(&|l| i18n::msi_not_evaluable(l, n, MIN_MSI_SITES)));
        out.push(both(&|l| {
            i18n::msi_low_confidence(l, score, n, MSI_CONFIDENT_SITES)
        }));
        out.push(both(&|l| i18n::msi_indeterminate(l, score, n)));
    }
    out.push(both(&|l| i18n::t(l, Msg::LimitTumorOnly).to_string()));
    if let Some(pur) = r.purity {
        out.push(both(&|l| i18n::low_purity(l, pur)));
    }
    out.push(both(&|l| i18n::t(l, Msg::LimitQcFailed).replace("{0}", "")));
    for v in r.variants.iter().filter(|v| v.ref_mismatch.is_some()) {
        let g = v.ref_mismatch.clone().unwrap_or_default();
        out.push(both(&|l| {
            i18n::ref_mismatch(l, &v.chrom, v.pos.get(), &v.ref_allele, &g)
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::report::{Evaluability, TmbComponents};

    /// The golden germline report with the fields the golden leaves out (they change from
    /// run to run) filled in.
    fn page(lang: Lang) -> crate::types::report::Report {
        let mut v: serde_json::Value = serde_json::from_str(include_str!(
            "../../../fixtures/golden/report_germline.json"
        ))
        .expect("golden report");
        let file = serde_json::json!({"path": "x", "size": 0});
        let o = v.as_object_mut().expect("an object");
        o.insert("report_date".into(), "2026-12-01".into());
        o.insert("software".into(), "oncostream test".into());
        o.insert(
            "kb".into(),
            serde_json::json!({"path": "builtin", "version": "v", "date": "d", "md5": "m"}),
        );
        o.insert(
            "inputs".into(),
            serde_json::json!({"vcf": file, "gff": null, "reference": {"path": "r.fa", "size": 0,
                "bgzipped": false, "contigs": 1, "digest": "d", "digest_source": "computed"}}),
        );
        let mut r: crate::types::report::Report = serde_json::from_value(v).expect("golden report");
        r.lang = lang;
        r
    }

    #[test]
    fn an_evaluable_tmb_is_shown_with_and_without_microsatellite_indels() {
        let r = page(Lang::En);
        let p = Page {
            r: &r,
            lang: Lang::En,
        };
        let mut t = TmbSummary {
            per_mb: 937.68,
            class: None,
            source: ValueSource::Measured,
            callable_mb: Some(0.016),
            ci95: Some([524.8, 1546.5]),
            evaluability: Evaluability {
                evaluable: false,
                reason: Some("TMB not evaluable: 0.016 Mb".into()),
            },
            components: Some(TmbComponents {
                snv: 13,
                snv_per_mb: 812.65,
                ms_indels: 0,
                ms_indels_per_mb: 0.0,
                other_indels: 2,
                other_indels_per_mb: 125.02,
                per_mb_without_ms_indels: 937.68,
            }),
        };
        let h = tmb_rows(&p, &t);
        assert!(
            h.contains("not evaluable") && !h.contains("without microsatellite"),
            "{h}"
        );
        t.evaluability.evaluable = true;
        t.class = Some(crate::types::results::TmbClass::VeryHigh);
        let h = tmb_rows(&p, &t);
        assert!(
            h.contains("TMB without microsatellite indels</td><td>937.7 mut/Mb"),
            "{h}"
        );
        assert!(
            h.contains("microsatellite indels 0.0/Mb (13 / 2 / 0)"),
            "{h}"
        );
    }

    #[test]
    fn the_notices_the_report_writes_are_localized_by_key() {
        let r = page(Lang::Ja);
        let p = Page {
            r: &r,
            lang: Lang::Ja,
        };
        let en = crate::report::i18n::t(Lang::En, Msg::LimitTumorOnly);
        assert_eq!(
            limitation(&p, en),
            esc(crate::report::i18n::t(Lang::Ja, Msg::LimitTumorOnly))
        );
        assert!(
            limitation(&p, "QC failed: tumor mean depth 3.1x < 30x").starts_with("品質不合格：")
        );
        assert!(limitation(&p, "a run warning").contains("lang=\"en\""));
        assert!(crate::report::i18n::t(Lang::En, Msg::MsiLowConfidence)
            .starts_with(crate::clinical::triage::MSI_LOW_CONFIDENCE));
    }
}
