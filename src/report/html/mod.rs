//! `report.html`: the typed [`Report`] rendered as a self-contained page. The renderer formats;
//! it never recomputes. Every string from an input file is escaped. Every fixed text is a
//! message key of `report::i18n`, looked up in the report's language at render time; text from
//! the knowledge base and the run's own warnings stays English (marked `lang="en"`).

mod clinical;
mod sections;

use super::escape::{esc, href};
use super::i18n::{self, Msg};
use crate::types::report::{Lang, Report};
use crate::types::results::FileRecord;

/// Evidence-level labels and their English definitions (the batch summary orders levels by
/// this list; the page renders the definitions of `report::i18n`).
pub const LEVELS: &[(&str, &str)] = &[
    ("A (approved in Japan)", "A drug targeting this alteration is approved in Japan for this cancer type."),
    ("A (US-approved / guideline)", "Approved by the US FDA, or recommended in clinical-practice guidelines, for this cancer type; not approved in Japan."),
    ("B", "Statistically reliable clinical trials or meta-analyses with expert consensus in this cancer type."),
    ("C", "Approved or strong evidence in another cancer type, or small clinical trials in any cancer type."),
    ("D", "Case reports."),
    ("E", "Preclinical evidence."),
    ("R", "Evidence of resistance to the drug(s) listed."),
];

/// The CSS of the page. The font stack names Japanese fonts of Windows, macOS and Linux
/// (Noto Sans CJK JP / IPAexGothic from the distributions' font packages) before the generic
/// family, so a server without one of them still prints Japanese rather than empty boxes.
pub const CSS: &str = "body{font-family:\"Hiragino Sans\",\"Hiragino Kaku Gothic ProN\",\"Yu Gothic\",\"YuGothic\",Meiryo,\"Noto Sans CJK JP\",\"Noto Sans JP\",\"IPAexGothic\",\"IPAGothic\",\"TakaoGothic\",\"VL Gothic\",sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}h1{font-size:1.5em}h2{border-bottom:2px solid #4a7ab5;padding-bottom:.2em;font-size:1.15em}table{border-collapse:collapse;width:100%;font-size:.9em}td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top;overflow-wrap:anywhere;word-break:break-word}code{overflow-wrap:anywhere}svg{max-width:100%;height:auto}details summary{cursor:pointer;color:#4a7ab5}th{background:#eef3f9}.lvA{background:#d4efdf}.lvB{background:#e8f6d4}.lvC{background:#fdf2d0}.lvR{background:#f8d7da}.warn{background:#fff3cd;border:1px solid #e0c36c;padding:.6em;margin:.5em 0}.muted{color:#666;font-size:.85em}.note{font-size:.85em;color:#444}.signoff{table-layout:fixed}.signoff th{width:11em}.signoff td{height:3.2em}.signoff tr.comments td{height:9em}@page{size:A4;margin:14mm}@media print{body{max-width:none;margin:0;font-size:10pt}h2{break-after:avoid}tr,svg,.warn{break-inside:avoid}thead{display:table-header-group}a{color:#222;text-decoration:none}}";

/// The page being rendered: the report and its language.
pub(crate) struct Page<'a> {
    r: &'a Report,
    lang: Lang,
}

impl<'a> Page<'a> {
    /// A key's text, escaped.
    fn t(&self, m: Msg) -> String {
        esc(i18n::t(self.lang, m))
    }

    /// A key's text with arguments, escaped.
    fn f(&self, m: Msg, args: &[&dyn std::fmt::Display]) -> String {
        esc(&i18n::f(self.lang, m, args))
    }

    /// A key's text with arguments, not escaped (the arguments are HTML already).
    fn f_html(&self, m: Msg, args: &[&dyn std::fmt::Display]) -> String {
        let template = esc(i18n::t(self.lang, m));
        let mut out = template;
        for (i, a) in args.iter().enumerate() {
            out = out.replace(&format!("{{{i}}}"), &a.to_string());
        }
        out
    }

    /// English text from the KB or the run, escaped (marked as English on a Japanese page).
    fn en(&self, s: &str) -> String {
        if self.lang == Lang::Ja && s.bytes().any(|b| b.is_ascii_alphabetic()) {
            format!("<span lang=\"en\">{}</span>", esc(s))
        } else {
            esc(s)
        }
    }

    /// A heading.
    fn h2(&self, m: Msg) -> String {
        format!("<h2>{}</h2>", self.t(m))
    }

    /// A table header row.
    fn header(&self, cols: &[Msg]) -> String {
        let mut h = String::from("<tr>");
        for c in cols {
            h.push_str(&format!("<th>{}</th>", self.t(*c)));
        }
        h.push_str("</tr>");
        h
    }
}

/// The VAF histogram as inline SVG, with purity/2 (the expected clonal VAF) marked.
fn vaf_plot(p: &Page<'_>) -> String {
    let r = p.r;
    let vafs: Vec<f64> = r.variants.iter().filter_map(|v| v.vaf).collect();
    let bins = 20usize;
    let mut h = vec![0usize; bins];
    for v in &vafs {
        h[((v * bins as f64) as usize).min(bins - 1)] += 1;
    }
    let maxc = h.iter().copied().max().unwrap_or(0).max(1);
    let (w, ht, pad) = (480.0, 200.0, 30.0);
    let bw = (w - 2.0 * pad) / bins as f64;
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"{}\" width=\"{w}\" height=\"{}\" viewBox=\"0 0 {w} {}\" xmlns=\"http://www.w3.org/2000/svg\">",
        p.t(Msg::VafHeading),
        ht + 40.0,
        ht + 40.0
    );
    for (i, c) in h.iter().enumerate() {
        let bh = (ht - pad) * (*c as f64) / maxc as f64;
        svg.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#4a7ab5\"><title>{:.2}-{:.2}: {c}</title></rect>",
            pad + i as f64 * bw + 1.0,
            ht - bh,
            bw - 2.0,
            bh,
            i as f64 / bins as f64,
            (i + 1) as f64 / bins as f64
        ));
    }
    svg.push_str(&format!(
        "<line x1=\"{pad}\" y1=\"{ht}\" x2=\"{}\" y2=\"{ht}\" stroke=\"#333\"/>",
        w - pad
    ));
    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{t}</text>",
            pad + t * (w - 2.0 * pad),
            ht + 15.0
        ));
    }
    svg.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
        w / 2.0,
        ht + 32.0,
        p.f(Msg::VafAxis, &[&vafs.len()])
    ));
    if let Some(pur) = r.purity {
        let x = pad + (pur / 2.0) * (w - 2.0 * pad);
        svg.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"10\" x2=\"{x:.1}\" y2=\"{ht}\" stroke=\"#c0392b\" stroke-dasharray=\"4 3\"/><text x=\"{:.1}\" y=\"20\" font-size=\"11\" fill=\"#c0392b\">purity {pur:.2} / 2</text>",
            x + 4.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn or_not_given(p: &Page<'_>, v: &Option<String>) -> String {
    v.as_ref()
        .map(|x| esc(x))
        .unwrap_or_else(|| p.t(Msg::NotGiven))
}

/// Basic items, in the C-CAT order: patient, specimen, test, cancer type.
fn basic_items(p: &Page<'_>) -> String {
    let (r, c) = (p.r, &p.r.case);
    let mut h = p.h2(Msg::BasicItems);
    h.push_str("<table>");
    let pct = |x: f64| format!("{x:.0}");
    let content = match (c.pathology_tumor_content, r.purity) {
        (Some(a), Some(e)) => p.f(Msg::ContentBoth, &[&pct(a), &pct(e * 100.0)]),
        (Some(a), None) => p.f(Msg::ContentPathologyOnly, &[&pct(a)]),
        (None, Some(e)) => p.f(Msg::ContentEstimateOnly, &[&pct(e * 100.0)]),
        (None, None) => p.t(Msg::ContentNeither),
    };
    let mode = match r.sample.mode.as_deref() {
        Some("tumor-normal") => p.t(Msg::ModeTumorNormal),
        Some("tumor-only") => p.t(Msg::ModeTumorOnly),
        Some(other) => esc(other),
        None => p.t(Msg::NotStated),
    };
    for (k, v) in [
        (Msg::PatientId, or_not_given(p, &c.patient_id)),
        (Msg::Institution, or_not_given(p, &c.institution)),
        (Msg::SpecimenId, or_not_given(p, &c.specimen_id)),
        (Msg::SpecimenType, or_not_given(p, &c.specimen_type)),
        (Msg::CollectionDate, or_not_given(p, &c.collection_date)),
        (Msg::Test, or_not_given(p, &c.test_name)),
        (Msg::GenomeBuild, or_not_given(p, &c.genome_build)),
        (
            Msg::SampleIdLabel,
            esc(r.sample.id.as_deref().unwrap_or(&r.sample.tumor)),
        ),
        (Msg::TumorReadGroup, esc(&r.sample.tumor)),
        (
            Msg::MatchedNormal,
            r.sample
                .normal
                .as_ref()
                .map(|n| esc(n))
                .unwrap_or_else(|| p.t(Msg::NoneValue)),
        ),
        (Msg::Analysis, mode),
        (
            Msg::CancerType,
            p.f(
                Msg::CancerTypeValue,
                &[&r.sample.cancer_type_name, &r.sample.cancer_type],
            ),
        ),
        (Msg::TumorContent, content),
        (
            Msg::RunId,
            r.run_id
                .as_ref()
                .map(|x| esc(x))
                .unwrap_or_else(|| p.t(Msg::RunIdNone)),
        ),
    ] {
        h.push_str(&format!("<tr><th>{}</th><td>{v}</td></tr>", p.t(k)));
    }
    h.push_str("</table>");
    h
}

/// Software, knowledge base and inputs with checksums.
fn software_table(p: &Page<'_>) -> String {
    let r = p.r;
    let mut h = p.h2(Msg::SoftwareInputs);
    h.push_str("<table>");
    h.push_str(&p.header(&[Msg::Item, Msg::File, Msg::Size, Msg::Md5]));
    let row = |h: &mut String, what: String, f: &FileRecord| {
        h.push_str(&format!(
            "<tr><td>{what}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&f.path),
            f.size,
            esc(f.md5.as_deref().unwrap_or("-"))
        ));
    };
    h.push_str(&format!(
        "<tr><td>{}</td><td>{}</td><td></td><td></td></tr>",
        p.t(Msg::Software),
        esc(&r.software)
    ));
    h.push_str(&format!(
        "<tr><td>{}</td><td>{}</td><td></td><td><code>{}</code></td></tr>",
        p.f(Msg::KnowledgeBase, &[&r.kb.version, &r.kb.date]),
        esc(&r.kb.path),
        esc(&r.kb.md5)
    ));
    row(&mut h, p.t(Msg::SomaticVcf), &r.inputs.vcf);
    h.push_str(&format!(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>digest {}</code></td></tr>",
        p.f(
            Msg::ReferenceFasta,
            &[
                &r.inputs.reference.contigs,
                &if r.inputs.reference.bgzipped {
                    ", bgzip"
                } else {
                    ""
                }
            ]
        ),
        esc(&r.inputs.reference.path),
        r.inputs.reference.size,
        esc(&r.inputs.reference.digest)
    ));
    if let Some(g) = &r.inputs.gff {
        row(&mut h, p.t(Msg::TranscriptModels), g);
    }
    if let Some(x) = &r.inputs.results {
        row(&mut h, p.t(Msg::RunResults), x);
    }
    for x in &r.inputs.structural {
        row(&mut h, p.t(Msg::StructuralInputs), x);
    }
    h.push_str("</table>");
    h
}

/// Limitations (each localized when it is one the report writes itself), the disclaimer and
/// the sign-off fields.
fn closing(p: &Page<'_>) -> String {
    let mut h = p.h2(Msg::Limitations);
    h.push_str("<ul>");
    for l in &p.r.limitations {
        h.push_str(&format!("<li>{}</li>", clinical::limitation(p, l)));
    }
    h.push_str("</ul><p>");
    h.push_str(&p.t(Msg::Disclaimer));
    h.push_str("</p>");
    h.push_str(&p.h2(Msg::SignOff));
    h.push_str("<table class=\"signoff\">");
    for m in [Msg::ReviewedBy, Msg::Signature, Msg::DateOfReview] {
        h.push_str(&format!("<tr><th>{}</th><td></td></tr>", p.t(m)));
    }
    h.push_str(&format!(
        "<tr class=\"comments\"><th>{}</th><td></td></tr>",
        p.t(Msg::Comments)
    ));
    h.push_str("</table>");
    h
}

/// The page's `<title>`: patient, sample id and cancer type, so a browser tab, a print and a
/// PDF name the case.
fn page_title(p: &Page<'_>) -> String {
    let r = p.r;
    let sample = r.sample.id.as_deref().unwrap_or(&r.sample.tumor);
    let mut parts: Vec<String> = Vec::new();
    if let Some(x) = &r.case.patient_id {
        parts.push(i18n::f(p.lang, Msg::TitlePatient, &[x]));
    }
    if !sample.is_empty() {
        parts.push(i18n::f(p.lang, Msg::TitleSample, &[&sample]));
    }
    parts.push(r.sample.cancer_type.clone());
    format!("{}: {}", i18n::t(p.lang, Msg::Title), parts.join(" · "))
}

/// Renders the self-contained HTML report in the report's language.
pub fn render_html(r: &Report) -> String {
    let p = Page { r, lang: r.lang };
    let mut h = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{}</title><style>{CSS}</style></head><body>",
        i18n::code(r.lang),
        esc(&page_title(&p))
    );
    h.push_str(&format!("<h1>{}</h1>", p.t(Msg::Title)));
    h.push_str(&format!(
        "<p class=\"muted\">{}</p>",
        p.f(
            Msg::ReportMeta,
            &[&r.report_date, &r.software, &r.kb.version, &r.kb.date]
        )
    ));
    for l in &r.limitations {
        h.push_str(&format!(
            "<div class=\"warn\">{}</div>",
            clinical::limitation(&p, l)
        ));
    }
    h.push_str(&basic_items(&p));
    h.push_str(&sections::qc(&p));
    h.push_str(&clinical::biomarkers(&p));
    h.push_str(&clinical::panel(&p));
    h.push_str(&clinical::findings(&p));
    h.push_str(&clinical::transcripts(&p));
    h.push_str(&sections::structural(&p));
    h.push_str(&sections::germline_and_trials(&p));
    h.push_str(&sections::appendix(&p));
    // an empty plot is left out; its caption names the line only when it is drawn
    if r.variants.iter().any(|v| v.vaf.is_some()) {
        h.push_str(&p.h2(Msg::VafHeading));
        h.push_str(&vaf_plot(&p));
        if r.purity.is_some() {
            h.push_str(&format!("<p class=\"muted\">{}</p>", p.t(Msg::VafExplain)));
        }
    }
    h.push_str(&clinical::level_definitions(&p));
    h.push_str(&software_table(&p));
    h.push_str(&sections::references(&p));
    h.push_str(&closing(&p));
    h.push_str("</body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_stack_names_japanese_fonts_before_the_generic_family() {
        let stack = CSS
            .split("font-family:")
            .nth(1)
            .unwrap()
            .split(';')
            .next()
            .unwrap();
        for font in [
            "Noto Sans CJK JP",
            "IPAexGothic",
            "Yu Gothic",
            "Hiragino Sans",
            "Meiryo",
        ] {
            assert!(stack.contains(font), "{font} missing from {stack}");
        }
        assert!(stack.ends_with("sans-serif"));
    }
}
