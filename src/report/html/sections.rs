//! The other sections of the page: quality control, copy number, structural variants and
//! fusions, germline findings and trials, the variant appendix and the references.

use super::{esc, Page};
use crate::report::i18n::Msg;
use crate::types::report::{GermlineStatus, OncogenicityClass};

/// Quality control: the verdict with every failed rule, per-sample metrics, identity, damage.
pub(super) fn qc(p: &Page<'_>) -> String {
    use crate::types::results::{IdentityStatus, QcVerdict};
    let r = p.r;
    let verdict = |v: QcVerdict| {
        p.t(match v {
            QcVerdict::Pass => Msg::Pass,
            QcVerdict::Fail => Msg::Fail,
        })
    };
    let mut h = p.h2(Msg::QualityControl);
    let Some(q) = &r.qc else {
        let v = r
            .qc_verdict
            .map(verdict)
            .unwrap_or_else(|| p.t(Msg::NotGiven));
        h.push_str(&format!("<p>{}</p>", p.f_html(Msg::QcNoMetrics, &[&v])));
        return h;
    };
    h.push_str(&format!(
        "<p><b>{}</b></p>",
        p.f_html(Msg::QcVerdict, &[&verdict(q.verdict)])
    ));
    if !q.reasons.is_empty() {
        h.push_str("<ul>");
        for reason in &q.reasons {
            h.push_str(&format!(
                "<li class=\"fail\">{}</li>",
                p.f_html(Msg::FailedRule, &[&p.en(reason)])
            ));
        }
        h.push_str("</ul>");
    }
    h.push_str("<table>");
    h.push_str(&p.header(&[
        Msg::Sample,
        Msg::MeanDepth,
        Msg::MedianDepth,
        Msg::Ge20x,
        Msg::Ge100x,
        Msg::Uniformity,
        Msg::Duplicates,
        Msg::Mapped,
        Msg::MedianInsert,
    ]));
    for s in &q.samples {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{:.1}</td><td>{}</td><td>{:.1}%</td><td>{:.1}%</td><td>{:.1}%</td><td>{:.1}%</td><td>{:.1}%</td><td>{}</td></tr>",
            esc(&s.sample),
            s.mean_depth,
            s.median_depth,
            s.pct_ge_20x,
            s.pct_ge_100x,
            s.pct_ge_0_2x_mean,
            s.duplicate_rate * 100.0,
            s.mapped_rate * 100.0,
            s.insert_size_median.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
        ));
    }
    h.push_str("</table>");
    match &q.identity {
        Some(id) => h.push_str(&format!(
            "<p>{}</p>",
            p.f(
                Msg::Identity,
                &[
                    &crate::report::i18n::t(
                        p.lang,
                        match id.status {
                            IdentityStatus::Match => Msg::IdentitySame,
                            IdentityStatus::Mismatch => Msg::IdentityMismatch,
                            IdentityStatus::InsufficientSites => Msg::IdentityTooFew,
                        }
                    ),
                    &id.shared,
                    &id.sites,
                    &id.concordance
                        .map(|c| crate::report::i18n::f(
                            p.lang,
                            Msg::Concordance,
                            &[&format!("{c:.3}")]
                        ))
                        .unwrap_or_default(),
                ]
            )
        )),
        None => h.push_str(&format!("<p>{}</p>", p.t(Msg::IdentityNotChecked))),
    }
    h.push_str(&damage_table(p, &q.samples));
    h
}

/// The excess of the damaged orientation per million bases; none below 0.5 (a negative
/// excess is the other orientation's, not damage).
fn excess(p: &Page<'_>, e: f64) -> String {
    if e < 0.5 {
        p.t(Msg::NoneValue)
    } else {
        format!("{e:.0}")
    }
}

/// Read-orientation damage per sample (FFPE deamination, oxoG): share of the damage class's
/// substitutions in the damaged orientation, excess per million bases, calls filtered.
fn damage_table(p: &Page<'_>, samples: &[crate::types::results::SampleQcResult]) -> String {
    let rows: Vec<String> = samples
        .iter()
        .filter_map(|s| s.orientation_bias.as_ref().map(|b| (s, b)))
        .flat_map(|(s, b)| {
            [(Msg::Deamination, &b.deamination), (Msg::Oxog, &b.oxog)]
                .into_iter()
                .map(move |(name, m)| {
                    let status = if m.damaged {
                        p.t(Msg::DamageDetected)
                    } else if m.artifact_orientation + m.other_orientation
                        < crate::types::results::DAMAGE_MIN_BASES
                    {
                        p.f(
                            Msg::DamageNotEvaluable,
                            &[&crate::types::results::DAMAGE_MIN_BASES],
                        )
                    } else {
                        p.t(Msg::DamageNotDetected)
                    };
                    format!(
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td{}>{status}</td><td>{}</td></tr>",
                        esc(&s.sample),
                        p.t(name),
                        m.orientation_ratio
                            .map(|r| format!("{:.1}%", 100.0 * r))
                            .unwrap_or_else(|| "-".into()),
                        m.excess_per_million
                            .map(|e| excess(p, e))
                            .unwrap_or_else(|| "-".into()),
                        if m.damaged { " class=\"fail\"" } else { "" },
                        m.calls_filtered
                    )
                })
        })
        .collect();
    if rows.is_empty() {
        return format!("<p class=\"muted\">{}</p>", p.t(Msg::DamageNotMeasured));
    }
    format!(
        "<h3>{}</h3><table>{}{}</table><p class=\"muted\">{}</p>",
        p.t(Msg::DamageHeading),
        p.header(&[
            Msg::Sample,
            Msg::DamageClass,
            Msg::DamagedOrientation,
            Msg::ExcessPerMillion,
            Msg::Status,
            Msg::CallsFiltered
        ]),
        rows.join(""),
        p.t(Msg::DamageExplain)
    )
}

fn cn_call(p: &Page<'_>, c: crate::types::cnv::CnCall) -> String {
    use crate::types::cnv::CnCall;
    p.t(match c {
        CnCall::DeepDeletion => Msg::CnCallDeepDeletion,
        CnCall::Loss => Msg::CnCallLoss,
        CnCall::Neutral => Msg::CnCallNeutral,
        CnCall::Gain => Msg::CnCallGain,
        CnCall::Amplification => Msg::CnCallAmplification,
    })
}

/// A gene's call: relative to the fitted ploidy and, when the copy number is known, against
/// the two copies of a normal cell; else the depth ratio's call, said to be one.
fn gene_call_label(
    p: &Page<'_>,
    g: &crate::types::cnv::GeneCopyNumber,
    ploidy: Option<f64>,
) -> String {
    use crate::types::cnv::CnCallBasis;
    match (g.call_basis, ploidy, g.absolute_call) {
        (CnCallBasis::FittedPloidy, Some(psi), Some(abs)) => p.f(
            Msg::CnVsPloidy,
            &[&cn_call(p, g.call), &format!("{psi:.1}"), &cn_call(p, abs)],
        ),
        _ => p.f(Msg::CnDepthOnly, &[&cn_call(p, g.call)]),
    }
}

/// Copy number: the fit (or the other pipeline's file), the plot, the gene table.
fn copy_number(p: &Page<'_>) -> String {
    use crate::types::cnv::{CnCall, CnCallBasis};
    let mut h = p.h2(Msg::CopyNumber);
    let Some(cn) = &p.r.copy_number else {
        h.push_str(&format!("<p>{}</p>", p.t(Msg::NotAssessedSeeBelow)));
        return h;
    };
    let num = |x: Option<f64>| x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".into());
    let depth_ratio_only = cn
        .segments
        .iter()
        .any(|s| s.call_basis == CnCallBasis::DepthRatio)
        || cn
            .genes
            .iter()
            .any(|g| g.call_basis == CnCallBasis::DepthRatio);
    let sentence = match &cn.external {
        Some(src) if depth_ratio_only => p.f(
            Msg::CnExternalDepthRatio,
            &[&src, &format!("{:.1}", cn.amplification_threshold)],
        ),
        Some(src) => p.f(
            Msg::CnExternal,
            &[
                &src,
                &num(cn.purity),
                &num(cn.ploidy),
                &format!("{:.1}", cn.amplification_threshold),
            ],
        ),
        None => {
            let mut s = p.f(
                Msg::CnPurityPloidy,
                &[
                    &num(cn.purity),
                    &num(cn.ploidy),
                    &cn.bins_used,
                    &cn.bins_total,
                    &cn.bin_size,
                    &format!("{:.2}", cn.noise),
                    &format!("{:.1}", cn.amplification_threshold),
                ],
            );
            s.push(' ');
            s.push_str(&p.t(Msg::CnExplainCalls));
            if let Some((a, b)) = cn.fit.as_ref().and_then(|f| f.genome_doubled_alternative) {
                s.push(' ');
                s.push_str(&p.f(
                    Msg::CnGenomeDoubled,
                    &[&format!("{a:.2}"), &format!("{b:.2}")],
                ));
            }
            s
        }
    };
    h.push_str(&format!("<p>{sentence}</p>"));
    if cn.external.is_none() {
        h.push_str(&crate::report::cnv_plot::cnv_plot(cn));
    }
    h.push_str("<table>");
    h.push_str(&p.header(&[
        Msg::Gene,
        Msg::CnCallHeader,
        Msg::CnRange,
        Msg::MinorCn,
        Msg::Loh,
        Msg::Region,
    ]));
    for g in &cn.genes {
        let class = match g.call {
            CnCall::Amplification => " class=\"lvA\"",
            CnCall::DeepDeletion => " class=\"lvR\"",
            _ => "",
        };
        h.push_str(&format!(
            "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}:{}-{}</td></tr>",
            esc(&g.gene),
            gene_call_label(p, g, cn.ploidy),
            match (g.min_copy_number, g.max_copy_number) {
                (Some(a), Some(b)) => format!("{a:.1}-{b:.1}"),
                _ => format!("log2 {:.2}", g.min_log2_ratio),
            },
            g.minor_cn.map(|m| m.to_string()).unwrap_or_default(),
            if g.loh { p.t(Msg::Yes) } else { String::new() },
            esc(&g.chrom),
            g.start.to_pos1(),
            g.end
        ));
    }
    if cn.genes.is_empty() {
        h.push_str(&format!(
            "<tr><td colspan=\"6\">{}</td></tr>",
            p.f(Msg::CnNoGene, &[&cn.genes_evaluated])
        ));
    }
    h.push_str("</table>");
    h
}

/// Copy number, rearrangements and fusions, and what was not assessed.
pub(super) fn structural(p: &Page<'_>) -> String {
    use crate::types::sv::Frame;
    let r = p.r;
    let mut h = copy_number(p);
    h.push_str(&p.h2(Msg::Structural));
    match &r.structural_variants {
        Some(sv) => {
            h.push_str("<table>");
            h.push_str(&p.header(&[
                Msg::Fusion,
                Msg::FivePrime,
                Msg::ThreePrime,
                Msg::Frame,
                Msg::SplitPairs,
                Msg::Known,
            ]));
            for f in &sv.fusions {
                h.push_str(&format!(
                    "<tr><td>{}{}</td><td>{} {} ({}:{})</td><td>{} {} ({}:{})</td><td>{}</td><td>{} / {}</td><td>{}</td></tr>",
                    esc(&f.name),
                    if f.intragenic { p.t(Msg::Intragenic) } else { String::new() },
                    esc(&f.five_prime.transcript),
                    esc(&f.five_prime.location),
                    esc(&f.five_prime.chrom),
                    f.five_prime.pos,
                    esc(&f.three_prime.transcript),
                    esc(&f.three_prime.location),
                    esc(&f.three_prime.chrom),
                    f.three_prime.pos,
                    p.t(match f.frame {
                        Frame::InFrame => Msg::FrameInFrame,
                        Frame::OutOfFrame => Msg::FrameOutOfFrame,
                        Frame::NotCoding => Msg::FrameNotCoding,
                        Frame::Unknown => Msg::FrameUnknown,
                    }),
                    f.tumor.split_reads,
                    f.tumor.discordant_pairs,
                    match &f.known_source {
                        Some(u) => format!("<a href=\"{}\">CIViC</a>", super::href(u)),
                        None => String::new(),
                    }
                ));
            }
            if sv.fusions.is_empty() {
                h.push_str(&format!(
                    "<tr><td colspan=\"6\">{}</td></tr>",
                    p.t(Msg::NoFusion)
                ));
            }
            h.push_str("</table>");
            let summary = match &sv.external {
                Some(src) => p.f(Msg::SvExternal, &[&sv.variants.len(), &src]),
                None => p.f(
                    Msg::SvSummary,
                    &[&sv.variants.len(), &sv.germline_filtered, &sv.low_support],
                ),
            };
            h.push_str(&format!("<p class=\"muted\">{summary}</p>"));
        }
        None => h.push_str(&format!("<p>{}</p>", p.t(Msg::NotAssessedSeeBelow))),
    }
    if !r.not_assessed.is_empty() {
        h.push_str(&p.h2(Msg::NotAssessedHeading));
        h.push_str("<ul>");
        for n in &r.not_assessed {
            h.push_str(&format!("<li>{}</li>", p.en(&n.reason)));
        }
        h.push_str("</ul>");
    }
    h
}

fn zygosity(p: &Page<'_>, z: &str) -> String {
    match z {
        "heterozygous" => p.t(Msg::Heterozygous),
        "homozygous" => p.t(Msg::Homozygous),
        other => esc(other),
    }
}

/// Germline findings: what was and was not assessed.
fn germline(p: &Page<'_>) -> String {
    let r = p.r;
    let g = &r.germline;
    let mut h = p.h2(Msg::Germline);
    h.push_str(&format!("<p>{}.</p>", p.en(&g.note)));
    if g.status == GermlineStatus::Examined {
        h.push_str(&format!(
            "<p class=\"muted\">{}</p>",
            p.f_html(Msg::GenesExamined, &[&p.en(&g.gene_list)])
        ));
        if g.findings.is_empty() {
            h.push_str(&format!("<p>{}</p>", p.t(Msg::NoGermlineFinding)));
        } else {
            h.push_str("<table>");
            h.push_str(&p.header(&[
                Msg::Gene,
                Msg::Variant,
                Msg::Zygosity,
                Msg::Class,
                Msg::Disorder,
                Msg::DisclosureGrade,
                Msg::Basis,
            ]));
            for f in &g.findings {
                h.push_str(&format!(
                    "<tr class=\"lvR\"><td>{}</td><td>{}:{}<br>{}</td><td>{} ({:.2}, {})</td><td>{}</td><td>{}</td><td>{}</td><td>{} <a href=\"{}\">{}</a></td></tr>",
                    esc(&f.gene),
                    esc(&f.transcript),
                    esc(&f.hgvs_c),
                    esc(f.hgvs_p.as_deref().unwrap_or("")),
                    zygosity(p, &f.zygosity),
                    f.normal_vaf,
                    f.normal_depth,
                    p.en(&f.class),
                    p.en(&f.disorder),
                    esc(&f.disclosure_grade),
                    p.en(&f.rule),
                    super::href(&f.source_url),
                    p.t(Msg::Source)
                ));
            }
            h.push_str(&format!(
                "</table><p><b>{}</b></p>",
                p.t(Msg::ConfirmGermline)
            ));
        }
    }
    if !g.possibly_germline.is_empty() {
        h.push_str(&format!("<p>{}</p><ul>", p.t(Msg::PossiblyGermline)));
        for f in &g.possibly_germline {
            h.push_str(&format!(
                "<li>{}</li>",
                p.f(
                    Msg::PossiblyGermlineItem,
                    &[
                        &f.gene,
                        &f.hgvs_c,
                        &f.hgvs_p.as_deref().unwrap_or(""),
                        &format!("{:.2}", f.normal_vaf),
                        &f.class,
                        &f.disorder,
                        &f.disclosure_grade
                    ]
                )
            ));
        }
        h.push_str("</ul>");
    }
    let flagged: Vec<&String> = r
        .expert_panel
        .reasons
        .iter()
        .filter(|x| x.contains("possibly germline"))
        .collect();
    if !flagged.is_empty() {
        h.push_str(&format!("<p>{}</p><ul>", p.t(Msg::SomaticMayBeGermline)));
        for f in flagged {
            h.push_str(&format!("<li>{}</li>", p.en(f)));
        }
        h.push_str("</ul>");
    }
    h
}

/// Germline findings and clinical trials.
pub(super) fn germline_and_trials(p: &Page<'_>) -> String {
    let r = p.r;
    let mut h = germline(p);
    h.push_str(&p.h2(Msg::Trials));
    match &r.trials.list {
        None => h.push_str(&format!("<p>{}</p>", p.t(Msg::NoTrialList))),
        Some(list) if r.trials.matches.is_empty() => {
            h.push_str(&format!("<p>{}</p>", p.f(Msg::NoTrialMatch, &[list])))
        }
        Some(list) => {
            h.push_str(&format!(
                "<p class=\"muted\">{}</p><table>",
                p.f(Msg::TrialListFrom, &[list])
            ));
            h.push_str(&p.header(&[
                Msg::Trial,
                Msg::TrialTitle,
                Msg::Phase,
                Msg::Status,
                Msg::Sites,
                Msg::PatientsAlteration,
                Msg::Criterion,
            ]));
            for t in &r.trials.matches {
                h.push_str(&format!(
                    "<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td></tr>",
                    super::href(&t.url),
                    esc(&t.id),
                    p.en(&t.title),
                    esc(&t.phase),
                    p.en(&t.status),
                    p.en(&t.sites),
                    esc(&t.gene),
                    esc(&t.alteration),
                    esc(&t.criterion)
                ));
            }
            h.push_str("</table>");
        }
    }
    h
}

fn oncogenicity(p: &Page<'_>, v: &crate::types::report::ReportVariant) -> String {
    match &v.oncogenicity {
        Some(o) => format!(
            "{} <span class=\"muted\">({})</span>",
            p.t(match o.class {
                OncogenicityClass::Oncogenic => Msg::OncOncogenic,
                OncogenicityClass::LikelyOncogenic => Msg::OncLikely,
                OncogenicityClass::Vus => Msg::OncVus,
                OncogenicityClass::NotClassified => Msg::OncNotClassified,
            }),
            p.en(&o.rule)
        ),
        None => p.t(Msg::NotAnnotated),
    }
}

/// Appendix: every PASS somatic variant, annotated, with its oncogenicity and evidence.
pub(super) fn appendix(p: &Page<'_>) -> String {
    let r = p.r;
    let mut h = p.h2(Msg::Appendix);
    h.push_str("<table><thead>");
    h.push_str(&p.header(&[
        Msg::Gene,
        Msg::Position,
        Msg::Hgvs,
        Msg::Consequence,
        Msg::Location,
        Msg::Vaf,
        Msg::Depth,
        Msg::Oncogenicity,
        Msg::Evidence,
    ]));
    h.push_str("</thead>");
    if r.variants.is_empty() {
        h.push_str(&format!(
            "<tr><td colspan=\"9\">{}</td></tr>",
            p.t(Msg::NoPassVariant)
        ));
    }
    for v in &r.variants {
        let pos = format!("{}:{} {}>{}", v.chrom, v.pos.get(), v.ref_allele, v.alt);
        let (vaf, depth) = (
            v.vaf.map(|x| format!("{x:.3}")).unwrap_or_default(),
            v.depth.map(|x| x.to_string()).unwrap_or_default(),
        );
        let onc = oncogenicity(p, v);
        let Some(a) = &v.annotation else {
            let what = match &v.ref_mismatch {
                Some(g) => p.f(Msg::RefMismatchCell, &[g]),
                None => p.t(Msg::OutsideModels),
            };
            h.push_str(&format!(
                "<tr><td></td><td>{}</td><td></td><td>{what}</td><td></td><td>{vaf}</td><td>{depth}</td><td>{onc}</td><td></td></tr>",
                esc(&pos)
            ));
            continue;
        };
        let ev: Vec<String> = r
            .findings
            .iter()
            .filter(|f| {
                f.gene == a.gene
                    && (Some(&f.alteration) == a.protein_change.as_ref()
                        || v.mane_mapping.as_ref().is_some_and(|m| {
                            Some(&f.alteration) == m.annotation.protein_change.as_ref()
                                || f.alteration == m.annotation.hgvs_c
                        }))
            })
            .map(|f| {
                let best: Vec<String> = f
                    .therapies
                    .iter()
                    .take(3)
                    .map(|t| format!("{} {}", t.regimen, t.level.as_str()))
                    .collect();
                if best.is_empty() {
                    f.level.as_str().to_string()
                } else {
                    best.join(", ")
                }
            })
            .collect();
        let mapped = v
            .mane_mapping
            .as_ref()
            .map(|m| {
                format!(
                    "<br><span class=\"note\">{}:{} {}</span>",
                    esc(&m.annotation.transcript),
                    esc(&m.annotation.hgvs_c),
                    esc(m.annotation.location.as_deref().unwrap_or(""))
                )
            })
            .unwrap_or_default();
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}:{}<br>{}{mapped}</td><td>{}</td><td>{}</td><td>{vaf}</td><td>{depth}</td><td>{onc}</td><td>{}</td></tr>",
            esc(&a.gene),
            esc(&pos),
            esc(&a.transcript),
            esc(&a.hgvs_c),
            esc(a.hgvs_p.as_deref().unwrap_or("")),
            esc(&a.consequence.to_string()),
            esc(a.location.as_deref().unwrap_or("")),
            esc(&ev.join("; "))
        ));
    }
    h.push_str("</table>");
    h
}

/// References: every KB item cited by a finding, once.
pub(super) fn references(p: &Page<'_>) -> String {
    let r = p.r;
    let mut seen = std::collections::BTreeMap::new();
    for f in &r.findings {
        for c in f
            .citations
            .iter()
            .chain(f.therapies.iter().flat_map(|t| t.citations.iter()))
        {
            seen.entry(c.id.clone()).or_insert(c);
        }
    }
    let mut h = format!("<h2>{}</h2>", p.f(Msg::ReferencesCount, &[&seen.len()]));
    if seen.is_empty() {
        return h + "<p>-</p>";
    }
    h.push_str(&format!(
        "<details><summary>{}</summary><ol>",
        p.t(Msg::ShowAll)
    ));
    for (id, c) in seen {
        h.push_str(&format!(
            "<li>{}: <a href=\"{}\">{}</a>{}</li>",
            esc(&id),
            super::href(&c.url),
            p.en(&c.source),
            if c.verified == "knowledge" {
                p.t(Msg::CuratorKnowledge)
            } else {
                String::new()
            }
        ));
    }
    h.push_str("</ol></details>");
    h
}
