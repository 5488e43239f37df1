//! `monitor.html`: the typed [`MonitorDoc`] as one self-contained page — the tumor-fraction
//! timeline (estimates with 95% interval bars, each sample's limit of detection drawn), the MRD
//! calls, the per-variant table, the new variants, and what could not be evaluated and why.
//! Formats only; every string from an input is escaped.

use std::fmt::Write as _;

use super::esc;
use crate::types::monitor::{MonitorDoc, MonitorSample, MrdStatus, TrackedStatus};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px;max-width:1100px;color:#222}\
h1{font-size:22px}h2{font-size:17px;border-bottom:1px solid #ccc;padding-bottom:3px;margin-top:28px}\
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 7px;text-align:left}\
th{background:#f2f2f2}.detected{background:#f8d7da}.not_detected{background:#d4edda}.not_evaluable{background:#fff3cd}\
.small{font-size:12px;color:#555}.warn{color:#8a5300}";

fn status_label(s: MrdStatus) -> &'static str {
    match s {
        MrdStatus::Detected => "detected",
        MrdStatus::NotDetected => "not detected",
        MrdStatus::NotEvaluable => "not evaluable",
    }
}

fn pct(f: Option<f64>) -> String {
    f.map(|x| format!("{:.4}%", 100.0 * x))
        .unwrap_or_else(|| "n/a".into())
}

fn label(s: &MonitorSample, i: usize) -> String {
    s.timepoint.clone().unwrap_or_else(|| format!("#{}", i + 1))
}

/// y position of a tumor fraction on the log axis (1e-5 .. 1); 0 and below go to the floor.
fn y_of(f: f64, top: f64, h: f64) -> f64 {
    let lo = -5.0f64;
    let l = if f <= 0.0 {
        lo
    } else {
        f.log10().clamp(lo, 0.0)
    };
    top + h * (0.0 - l) / (0.0 - lo)
}

/// The timeline: one column per sample in the given order.
fn timeline(doc: &MonitorDoc) -> String {
    let n = doc.samples.len().max(1);
    let (w, h, left, top) = (720.0, 260.0, 70.0, 20.0);
    let step = (w - left - 30.0) / n as f64;
    let mut s = format!(
        "<svg role=\"img\" aria-label=\"Tumor fraction over time\" width=\"{w}\" height=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\">",
        h + 70.0
    );
    for e in 0..=5 {
        let f = 10f64.powi(-e);
        let y = y_of(f, top, h);
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            w - 20.0,
            left - 6.0,
            y + 4.0,
            if e == 0 { "100%".to_string() } else { format!("{}%", 100.0 * f) }
        );
    }
    let _ = write!(
        s,
        "<text x=\"14\" y=\"{:.1}\" transform=\"rotate(-90 14 {:.1})\" text-anchor=\"middle\">tumor fraction (log)</text>",
        top + h / 2.0,
        top + h / 2.0
    );
    let mut line = Vec::new();
    for (i, smp) in doc.samples.iter().enumerate() {
        let x = left + step * (i as f64 + 0.5);
        let colour = match smp.mrd.status {
            MrdStatus::Detected => "#c0392b",
            MrdStatus::NotDetected => "#2e7d32",
            MrdStatus::NotEvaluable => "#999999",
        };
        if let Some(lod) = smp.mrd.limit_of_detection {
            let y = y_of(lod, top, h);
            let _ = write!(
                s,
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#1f4e8c\" stroke-width=\"2\" stroke-dasharray=\"4 3\"><title>limit of detection {}</title></line>",
                x - step * 0.3,
                x + step * 0.3,
                pct(Some(lod))
            );
        }
        if let (Some(f), Some([lo, hi])) = (smp.tumor_fraction.estimate, smp.tumor_fraction.ci95) {
            let (ylo, yhi, yf) = (y_of(lo, top, h), y_of(hi, top, h), y_of(f, top, h));
            let _ = write!(
                s,
                "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{ylo:.1}\" y2=\"{yhi:.1}\" stroke=\"{colour}\" stroke-width=\"2\"/><line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{yhi:.1}\" y2=\"{yhi:.1}\" stroke=\"{colour}\"/><line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{ylo:.1}\" y2=\"{ylo:.1}\" stroke=\"{colour}\"/><circle cx=\"{x:.1}\" cy=\"{yf:.1}\" r=\"5\" fill=\"{colour}\"><title>{}: {} (95% CI {} to {}), {}</title></circle>",
                x - 5.0,
                x + 5.0,
                x - 5.0,
                x + 5.0,
                esc(&label(smp, i)),
                pct(Some(f)),
                pct(Some(lo)),
                pct(Some(hi)),
                status_label(smp.mrd.status)
            );
            line.push(format!("{x:.1},{yf:.1}"));
        } else {
            let _ = write!(
                s,
                "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#999\">not evaluable</text>",
                top + h / 2.0
            );
        }
        let _ = write!(
            s,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{colour}\">{}</text>",
            top + h + 18.0,
            esc(&label(smp, i)),
            top + h + 34.0,
            status_label(smp.mrd.status)
        );
    }
    if line.len() > 1 {
        let _ = write!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#555\" stroke-opacity=\"0.4\"/>",
            line.join(" ")
        );
    }
    s.push_str("</svg><p class=\"small\">Points: maximum-likelihood tumor fraction with its 95% profile-likelihood interval; dashed blue: the sample's limit of detection (95% detection probability); a point at the floor is an estimate of 0.</p>");
    s
}

fn summary_table(doc: &MonitorDoc) -> String {
    let mut s = String::from("<table><tr><th>time point</th><th>sample</th><th>MRD</th><th>tumor fraction (95% CI)</th><th>p-value</th><th>limit of detection</th><th>alt / molecules (used variants)</th><th>background alt expected</th><th>families</th><th>mean family size</th><th>duplex</th><th>UMIs</th></tr>");
    for (i, smp) in doc.samples.iter().enumerate() {
        let tf = match (smp.tumor_fraction.estimate, smp.tumor_fraction.ci95) {
            (Some(f), Some([lo, hi])) => {
                format!("{} ({} - {})", pct(Some(f)), pct(Some(lo)), pct(Some(hi)))
            }
            _ => "n/a".into(),
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{tf}</td><td>{}</td><td>{}</td><td>{} / {} ({} variants)</td><td>{:.1}</td><td>{}</td><td>{:.2}</td><td>{}</td><td>{}</td></tr>",
            esc(&label(smp, i)),
            esc(&smp.sample),
            smp.mrd.status.as_str(),
            status_label(smp.mrd.status),
            smp.mrd.p_value.map(|p| format!("{p:.2e}")).unwrap_or_else(|| "n/a".into()),
            pct(smp.mrd.limit_of_detection),
            smp.mrd.alt_families,
            smp.mrd.families,
            smp.tumor_fraction.variants_used,
            smp.mrd.expected_background,
            smp.umi.families,
            smp.umi.mean_family_size,
            smp.umi.duplex_families,
            esc(&format!("{:?}", smp.umi.mode).to_lowercase())
        );
    }
    s.push_str("</table>");
    for (i, smp) in doc.samples.iter().enumerate() {
        if let Some(r) = &smp.mrd.reason {
            let _ = write!(
                s,
                "<p class=\"warn\">{}: {}</p>",
                esc(&label(smp, i)),
                esc(r)
            );
        }
        if smp.umi.mode != crate::types::monitor::UmiMode::Tag {
            let _ = write!(
                s,
                "<p class=\"warn\">{}: {}</p>",
                esc(&label(smp, i)),
                esc(&smp.umi.note)
            );
        }
    }
    s
}

fn status_text(s: TrackedStatus) -> &'static str {
    match s {
        TrackedStatus::Used => "used",
        TrackedStatus::TooFewFamilies => "too few molecules",
        TrackedStatus::PossiblyHaematopoietic => {
            "left out: clonal-haematopoiesis gene, no white-cell normal shows it absent"
        }
        TrackedStatus::InWhiteCells => "left out: present in the white-cell normal",
        TrackedStatus::ReferenceMismatch => "left out: REF differs from the reference",
    }
}

fn variant_table(doc: &MonitorDoc) -> String {
    let Some(first) = doc.samples.first() else {
        return String::new();
    };
    let mut s = String::from("<table><tr><th>variant</th><th>gene</th><th>weight</th>");
    for (i, smp) in doc.samples.iter().enumerate() {
        let _ = write!(s, "<th>{}<br>alt / molecules</th>", esc(&label(smp, i)));
    }
    s.push_str("<th>status (first sample)</th></tr>");
    for (k, v) in first.variants.iter().enumerate() {
        let _ = write!(
            s,
            "<tr><td>{}:{} {}&gt;{}</td><td>{}</td><td>{:.3}</td>",
            esc(&v.chrom),
            v.pos.get(),
            esc(&v.ref_allele),
            esc(&v.alt),
            esc(v.gene.as_deref().unwrap_or("")),
            v.weight
        );
        for smp in &doc.samples {
            let w = &smp.variants[k];
            let _ = write!(s, "<td>{} / {}</td>", w.alt_families, w.families);
        }
        let _ = write!(s, "<td>{}</td></tr>", status_text(v.status));
    }
    s.push_str("</table>");
    s
}

fn new_variant_table(doc: &MonitorDoc) -> String {
    let mut s = format!("<p class=\"small\">{}</p>", esc(&doc.scan.note));
    let rows: Vec<_> = doc
        .samples
        .iter()
        .enumerate()
        .flat_map(|(i, smp)| smp.new_variants.iter().map(move |v| (i, smp, v)))
        .collect();
    if rows.is_empty() {
        s.push_str(if doc.scan.assessed {
            "<p>No new variant at the watched codons (consensus allele fraction at least 0.5%).</p>"
        } else {
            "<p>Not assessed.</p>"
        });
        return s;
    }
    s.push_str("<table><tr><th>time point</th><th>variant</th><th>gene / change</th><th>watched as</th><th>alt / molecules (VAF)</th><th>origin</th><th>oncogenicity</th><th>knowledge base</th></tr>");
    for (i, smp, v) in rows {
        let kb: Vec<String> = v
            .findings
            .iter()
            .map(|f| {
                format!(
                    "{} ({}): {}",
                    f.level_label,
                    esc(&f.alteration),
                    esc(&f.drugs.join(", "))
                )
            })
            .collect();
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}:{} {}&gt;{}</td><td>{} {}</td><td>{}</td><td>{} / {} ({:.2}%)</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&label(smp, i)),
            esc(&v.chrom),
            v.pos.get(),
            esc(&v.ref_allele),
            esc(&v.alt),
            esc(&v.gene),
            esc(v.protein_change.as_deref().unwrap_or("")),
            esc(&format!("{:?}", v.watched_as)),
            v.alt_families,
            v.families,
            100.0 * v.vaf,
            if v.possibly_haematopoietic { "possibly haematopoietic (clonal haematopoiesis)" } else { "tumor (absent from white cells or not a CH gene)" },
            v.oncogenicity.as_ref().map(|o| esc(&o.rule)).unwrap_or_default(),
            if kb.is_empty() { "no matching item".to_string() } else { kb.join("<br>") }
        );
    }
    s.push_str("</table>");
    s
}

fn not_evaluable(doc: &MonitorDoc) -> String {
    let mut s = String::from("<ul>");
    for n in &doc.baseline.not_tracked {
        let _ = write!(
            s,
            "<li>{}:{} {}&gt;{}: not tracked ({})</li>",
            esc(&n.chrom),
            n.pos.get(),
            esc(&n.ref_allele),
            esc(&n.alt),
            esc(&format!("{:?}", n.reason))
        );
    }
    for (i, smp) in doc.samples.iter().enumerate() {
        let left: Vec<_> = smp
            .variants
            .iter()
            .filter(|v| v.status != TrackedStatus::Used)
            .collect();
        if !left.is_empty() {
            let _ = write!(
                s,
                "<li>{}: {} of {} tracked variants not used ({})</li>",
                esc(&label(smp, i)),
                left.len(),
                smp.variants.len(),
                left.iter()
                    .take(8)
                    .map(|v| format!(
                        "{}:{} {}",
                        esc(&v.chrom),
                        v.pos.get(),
                        status_text(v.status)
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
        if smp.mrd.status == MrdStatus::NotEvaluable {
            let _ = write!(
                s,
                "<li>{}: MRD not evaluable: {}</li>",
                esc(&label(smp, i)),
                esc(smp.mrd.reason.as_deref().unwrap_or(""))
            );
        }
    }
    if !doc.scan.assessed {
        let _ = write!(s, "<li>New variants: {}</li>", esc(&doc.scan.note));
    }
    s.push_str("</ul>");
    s
}

/// Renders the page.
pub(crate) fn render_monitor_html(doc: &MonitorDoc) -> String {
    let mut h = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>oncostream monitoring</title><style>{STYLE}</style></head><body><h1>Tumor-informed monitoring (MRD)</h1>"
    );
    let b = &doc.baseline;
    let _ = write!(
        h,
        "<p>Baseline: {} ({}), tumor sample {}, purity {}, cancer type {}; {} variants, {} tracked SNVs. Run {} ({}), oncostream {}.</p>",
        esc(&b.path),
        esc(&format!("{:?}", b.source).to_lowercase()),
        esc(b.tumor_sample.as_deref().unwrap_or("?")),
        b.purity.map(|p| format!("{p:.2}")).unwrap_or_else(|| "not known (clonal heterozygous variants assumed)".into()),
        esc(b.cancer_type.as_deref().unwrap_or("not given")),
        b.variants,
        b.tracked,
        esc(&doc.run_id),
        esc(&doc.created),
        esc(&doc.version)
    );
    if let Some(n) = &doc.normal {
        let _ = write!(
            h,
            "<p>White-cell normal: {} ({})</p>",
            esc(&n.sample),
            esc(&n.path)
        );
    }
    h.push_str("<h2>Tumor fraction over time</h2>");
    h.push_str(&timeline(doc));
    h.push_str("<h2>MRD calls</h2>");
    h.push_str(&summary_table(doc));
    h.push_str("<h2>New variants at resistance and hotspot codons</h2>");
    h.push_str(&new_variant_table(doc));
    h.push_str("<h2>Tracked variants</h2>");
    h.push_str(&variant_table(doc));
    h.push_str("<h2>Not evaluable, and why</h2>");
    h.push_str(&not_evaluable(doc));
    h.push_str("<h2>Limitations</h2><ul>");
    for l in &doc.limitations {
        let _ = write!(h, "<li>{}</li>", esc(l));
    }
    let _ = writeln!(
        h,
        "</ul><p class=\"small\">Method: UMI families (UMI-tools directional), consensus per molecule (duplex when both strands), background error per substitution context measured in this sample, conditional exact test at alpha {}; see docs/methods/monitoring.md. This page supports, and does not replace, the expert panel's review.</p></body></html>",
        doc.settings.alpha
    );
    h
}
