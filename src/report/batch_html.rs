//! `batch_summary.html`: a self-contained page (no script, no external file) for the lab and
//! the expert panel's secretariat: the batch's state, the expert-panel agenda, key biomarkers
//! per sample, and throughput with a bar chart (inline SVG).
//!
//! Only complete samples enter the agenda; failed, interrupted and incomplete ones are listed
//! apart as "not reportable", with the reason — never as if they had a result.

use std::fmt::Write as _;

use super::esc;
use crate::types::batch::{BatchSample, BatchSummary, SampleStatus};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}\
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;font-size:.9em}\
th{background:#f0f0f0}td.num{text-align:right}.bad{background:#fde2e2}.warn{background:#fff4d6}.ok{background:#e6f4ea}\
.note{color:#555;font-size:.9em}h2{margin-top:1.5em;border-bottom:1px solid #ddd}";

fn cell(v: Option<String>) -> String {
    v.map(|s| esc(&s)).unwrap_or_else(|| "&ndash;".into())
}

fn num(v: Option<f64>, digits: usize) -> String {
    v.map(|x| format!("{x:.digits$}"))
        .unwrap_or_else(|| "&ndash;".into())
}

fn status_class(s: SampleStatus) -> &'static str {
    match s {
        SampleStatus::Complete | SampleStatus::Skipped => "ok",
        SampleStatus::Failed => "bad",
        _ => "warn",
    }
}

fn level_rank(l: Option<&str>) -> usize {
    match l {
        Some(l) => super::LEVELS.iter().position(|x| x.0 == l).unwrap_or(99),
        None => 100,
    }
}

/// The agenda order: by priority (`QC failed: re-test`, `actionable: discuss first`,
/// `routine review`), then by highest evidence level (A first), then sheet order.
pub fn agenda(s: &BatchSummary) -> Vec<&BatchSample> {
    let mut v: Vec<&BatchSample> = s
        .samples
        .iter()
        .filter(|r| r.status.is_done() && r.panel_priority.is_some())
        .collect();
    v.sort_by_key(|r| {
        (
            r.panel_priority
                .as_deref()
                .and_then(crate::types::report::Priority::parse)
                .map_or(3, |p| p.rank()),
            level_rank(r.highest_level.as_deref()),
            r.task,
        )
    });
    v
}

fn throughput_svg(s: &BatchSummary) -> String {
    let rows: Vec<(&str, f64)> = s
        .samples
        .iter()
        .filter_map(|r| r.wall_seconds.map(|w| (r.sample.as_str(), w)))
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let max = rows.iter().map(|r| r.1).fold(0.0f64, f64::max).max(1e-9);
    let (bar_h, label_w, width) = (18.0, 160.0, 560.0);
    let h = rows.len() as f64 * (bar_h + 6.0) + 24.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{h}\" role=\"img\" aria-label=\"wall seconds per sample\">",
        label_w + width + 80.0
    );
    for (i, (name, w)) in rows.iter().enumerate() {
        let y = i as f64 * (bar_h + 6.0) + 4.0;
        let len = w / max * width;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{len:.1}\" height=\"{bar_h}\" fill=\"#4a7fb5\"/><text x=\"{:.1}\" y=\"{}\" font-size=\"12\">{w:.1} s</text>",
            label_w - 6.0,
            y + 13.0,
            esc(name),
            label_w + len + 4.0,
            y + 13.0
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{label_w}\" y=\"{}\" font-size=\"11\" fill=\"#555\">wall seconds per sample</text></svg>",
        h - 4.0
    );
    svg
}

/// Renders the page.
pub fn render(s: &BatchSummary) -> String {
    let t = &s.totals;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>oncostream batch summary</title><style>{STYLE}</style></head><body>"
    );
    let _ = write!(
        h,
        "<h1>Batch summary</h1><p>Sample sheet <code>{}</code>; written {} by oncostream {}.</p>",
        esc(&s.samplesheet),
        esc(&s.created),
        esc(&s.version)
    );
    let state = if s.interrupted {
        "<p class=\"warn\"><b>The batch was stopped by a signal</b>; run the same command again to finish it (complete samples are skipped).</p>"
    } else {
        ""
    };
    let _ = write!(
        h,
        "{state}<table><tr><th>tumor samples</th><th>complete</th><th>of which skipped (complete before)</th><th>failed</th><th>unfinished</th></tr><tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr></table>",
        t.samples, t.complete, t.skipped, t.failed, t.unfinished
    );
    // the agenda
    h.push_str("<h2>Expert-panel agenda</h2><p class=\"note\">Every case goes to the expert panel; this order only suggests which to take first: <b>QC failed: re-test</b> (the findings cannot be relied on), then <b>actionable: discuss first</b> (a finding needs the panel&#39;s judgement), then <b>routine review</b> (the reasons come from each report). Samples without a report (no cancer type) and samples that are not complete are not listed.</p>");
    let ag = agenda(s);
    if ag.is_empty() {
        h.push_str("<p>No complete sample has a report.</p>");
    } else {
        h.push_str("<table><tr><th>#</th><th>sample</th><th>patient</th><th>cancer type</th><th>priority</th><th>highest level</th><th>findings</th><th>why</th><th>report</th></tr>");
        for (i, r) in ag.iter().enumerate() {
            let cls = match r
                .panel_priority
                .as_deref()
                .and_then(crate::types::report::Priority::parse)
            {
                Some(crate::types::report::Priority::QcRetest) => "bad",
                Some(crate::types::report::Priority::DiscussFirst) => "warn",
                _ => "",
            };
            let _ = write!(
                h,
                "<tr class=\"{cls}\"><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td><a href=\"{}/report.html\">report</a></td></tr>",
                i + 1,
                esc(&r.sample),
                esc(&r.patient),
                cell(r.cancer_type.clone()),
                cell(r.panel_priority.clone()),
                cell(r.highest_level.clone()),
                cell(r.findings.map(|x| x.to_string())),
                esc(&r.panel_reasons.join("; ")),
                super::href(&r.outdir)
            );
        }
        h.push_str("</table>");
    }
    // not reportable
    let bad: Vec<&BatchSample> = s.samples.iter().filter(|r| !r.status.is_done()).collect();
    if !bad.is_empty() {
        h.push_str("<h2>Not reportable</h2><p class=\"note\">These samples have no complete result; nothing about them may be read from partial files.</p><table><tr><th>sample</th><th>status</th><th>exit code</th><th>reason</th><th>log</th></tr>");
        for r in bad {
            let _ = write!(
                h,
                "<tr class=\"{}\"><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                status_class(r.status),
                esc(&r.sample),
                r.status.as_str(),
                cell(r.exit_code.map(|c| c.to_string())),
                cell(r.reason.clone()),
                r.log
                    .as_ref()
                    .map(|l| format!("<a href=\"{}\">{}</a>", super::href(l), esc(l)))
                    .unwrap_or_else(|| "&ndash;".into())
            );
        }
        h.push_str("</table>");
    }
    // biomarkers
    h.push_str("<h2>Samples</h2><table><tr><th>sample</th><th>normal</th><th>status</th><th>QC</th><th>TMB /Mb</th><th>TMB class</th><th>callable Mb</th><th>MSI score</th><th>MSI</th><th>purity</th><th>mean depth</th><th>duplicates</th><th>identity</th><th>PASS calls</th><th>follow-up plasma (MRD)</th></tr>");
    for r in &s.samples {
        let qc_cls = match r.qc.as_deref() {
            Some("fail") => "bad",
            Some("warn") => "warn",
            _ => "",
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td class=\"{qc_cls}\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&r.sample),
            cell(r.normal.clone()),
            status_class(r.status),
            r.status.as_str(),
            cell(r.qc.clone()),
            num(r.tmb_per_mb, 2),
            cell(r.tmb_class.clone()),
            num(r.tmb_callable_mb, 3),
            num(r.msi_score, 1),
            cell(r.msi_status.clone()),
            num(r.purity, 2),
            num(r.mean_depth, 1),
            num(r.duplicate_rate, 3),
            num(r.identity, 3),
            cell(r.pass_calls.map(|x| x.to_string())),
            esc(
                &r.monitoring
                    .iter()
                    .map(crate::types::batch::BatchMonitoring::phrase)
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        );
    }
    h.push_str("</table>");
    // throughput
    h.push_str("<h2>Throughput</h2><table><tr><th>sample</th><th>threads</th><th>wall s</th><th>CPU s</th><th>peak RSS MiB</th><th>reads/s</th><th>Mbases/s</th><th>GB read</th></tr>");
    for r in &s.samples {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&r.sample),
            cell(r.threads.map(|x| x.to_string())),
            num(r.wall_seconds, 1),
            num(r.cpu_seconds, 1),
            num(r.peak_rss_bytes.map(|b| b as f64 / 1048576.0), 0),
            num(r.reads_per_second, 0),
            num(r.bases_per_second.map(|b| b / 1e6), 1),
            num(r.bytes_read.map(|b| b as f64 / 1e9), 2)
        );
    }
    h.push_str("</table>");
    h.push_str(&throughput_svg(s));
    h.push_str("<p class=\"note\">Numbers come from each sample's results.json, report.json and metrics.json; a skipped sample shows the figures of the run that completed it. A TMB from less than 1 callable Mb, or an MSI status from fewer than 20 tested sites, is not evaluable (the report's rules): its number is shown for QC only and is not interpreted.</p></body></html>\n");
    h
}
