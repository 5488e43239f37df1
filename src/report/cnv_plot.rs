//! The genome-wide copy-number plot of the HTML report: log2 ratio and B-allele fraction per
//! (downsampled) bin, segments drawn over them, amplified and deleted genes labelled. Inline SVG,
//! drawn from the typed [`CopyNumberResult`] only.

use std::collections::BTreeMap;

use super::escape::esc;
use crate::types::cnv::{CnCall, CopyNumberResult};

const W: f64 = 960.0;
const LEFT: f64 = 46.0;
const RIGHT: f64 = 10.0;
const TOP_H: f64 = 200.0;
const BAF_H: f64 = 90.0;
const GAP: f64 = 30.0;
const R_MIN: f64 = -2.0;
const R_MAX: f64 = 3.0;

/// Contig offsets along the x axis, in the order contigs first appear.
fn layout(cn: &CopyNumberResult) -> (Vec<(String, u64, u64)>, u64) {
    let mut ends: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    let mut order = 0usize;
    let mut note = |c: &str, e: u64| {
        let ent = ends.entry(c.to_string()).or_insert_with(|| {
            order += 1;
            (order, 0)
        });
        ent.1 = ent.1.max(e);
    };
    for s in &cn.segments {
        note(&s.chrom, s.end.get());
    }
    for p in &cn.profile {
        note(&p.chrom, p.pos.get() + 1);
    }
    let mut v: Vec<(usize, String, u64)> = ends.into_iter().map(|(c, (o, e))| (o, c, e)).collect();
    v.sort();
    let mut off = 0u64;
    let mut out = Vec::new();
    for (_, c, e) in v {
        out.push((c, off, e));
        off += e;
    }
    (out, off.max(1))
}

/// The SVG.
pub fn cnv_plot(cn: &CopyNumberResult) -> String {
    let (contigs, total) = layout(cn);
    let offset = |c: &str| contigs.iter().find(|x| x.0 == c).map(|x| x.1).unwrap_or(0);
    let x = |c: &str, pos: u64| LEFT + (W - LEFT - RIGHT) * (offset(c) + pos) as f64 / total as f64;
    let yr = |r: f64| 10.0 + TOP_H * (R_MAX - r.clamp(R_MIN, R_MAX)) / (R_MAX - R_MIN);
    let baf_top = 10.0 + TOP_H + GAP;
    let yb = |b: f64| baf_top + BAF_H * (1.0 - b.clamp(0.5, 1.0)) / 0.5;
    let h = baf_top + BAF_H + 40.0;
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"Genome-wide copy number: log2 ratio and B-allele fraction\" width=\"{W}\" height=\"{h}\" viewBox=\"0 0 {W} {h}\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"10\">"
    );
    // contig bands and labels
    for (i, (c, off, len)) in contigs.iter().enumerate() {
        let x0 = LEFT + (W - LEFT - RIGHT) * *off as f64 / total as f64;
        let wd = (W - LEFT - RIGHT) * *len as f64 / total as f64;
        if i % 2 == 0 {
            svg.push_str(&format!(
                "<rect x=\"{x0:.1}\" y=\"10\" width=\"{wd:.1}\" height=\"{:.1}\" fill=\"#f3f5f8\"/>",
                baf_top + BAF_H - 10.0
            ));
        }
        // as much of the name as fits the contig's band (about 6 px per character)
        let fit = ((wd / 6.0) as usize).min(14);
        let label: String = c.chars().take(fit).collect();
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}<title>{}</title></text>",
            x0 + wd / 2.0,
            baf_top + BAF_H + 14.0,
            esc(&label),
            esc(c)
        ));
    }
    // axes
    for r in [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0] {
        svg.push_str(&format!(
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{}\" stroke-width=\"0.5\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{r}</text>",
            W - RIGHT,
            if r == 0.0 { "#888" } else { "#ddd" },
            LEFT - 4.0,
            yr(r) + 3.0,
            y = yr(r)
        ));
    }
    for b in [0.5, 0.75, 1.0] {
        svg.push_str(&format!(
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\" stroke-width=\"0.5\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{b}</text>",
            W - RIGHT,
            LEFT - 4.0,
            yb(b) + 3.0,
            y = yb(b)
        ));
    }
    svg.push_str(&format!(
        "<text x=\"12\" y=\"{:.1}\" transform=\"rotate(-90 12 {:.1})\" text-anchor=\"middle\">log2 ratio</text>",
        10.0 + TOP_H / 2.0,
        10.0 + TOP_H / 2.0
    ));
    svg.push_str(&format!(
        "<text x=\"12\" y=\"{:.1}\" transform=\"rotate(-90 12 {:.1})\" text-anchor=\"middle\">BAF</text>",
        baf_top + BAF_H / 2.0,
        baf_top + BAF_H / 2.0
    ));
    // points
    for p in &cn.profile {
        let px = x(&p.chrom, p.pos.get());
        svg.push_str(&format!(
            "<circle cx=\"{px:.1}\" cy=\"{:.1}\" r=\"1.3\" fill=\"#7f8c9d\"/>",
            yr(p.log2_ratio)
        ));
        if let Some(b) = p.baf {
            svg.push_str(&format!(
                "<circle cx=\"{px:.1}\" cy=\"{:.1}\" r=\"1.3\" fill=\"#9b7fb5\"/>",
                yb(b)
            ));
        }
    }
    // segments
    for s in &cn.segments {
        let colour = match s.call {
            CnCall::Amplification => "#c0392b",
            CnCall::Gain => "#e67e22",
            CnCall::Loss => "#2e86c1",
            CnCall::DeepDeletion => "#1b4f72",
            CnCall::Neutral => "#222",
        };
        let (x0, x1) = (x(&s.chrom, s.start.get()), x(&s.chrom, s.end.get()));
        let title = format!(
            "{}:{}-{} log2 {:.2}{}{}",
            s.chrom,
            s.start.to_pos1(),
            s.end,
            s.log2_ratio,
            s.copy_number
                .map(|c| format!(", CN {c:.1}"))
                .unwrap_or_default(),
            if s.loh { ", LOH" } else { "" }
        );
        svg.push_str(&format!(
            "<line x1=\"{x0:.1}\" x2=\"{x1:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{colour}\" stroke-width=\"2.5\"><title>{}</title></line>",
            esc(&title),
            y = yr(s.log2_ratio)
        ));
        if let Some(b) = s.baf {
            svg.push_str(&format!(
                "<line x1=\"{x0:.1}\" x2=\"{x1:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#5b2c6f\" stroke-width=\"2\"/>",
                y = yb(b)
            ));
        }
    }
    // labelled genes
    for g in cn
        .genes
        .iter()
        .filter(|g| matches!(g.call, CnCall::Amplification | CnCall::DeepDeletion))
    {
        let gx = x(&g.chrom, (g.start.get() + g.end.get()) / 2);
        svg.push_str(&format!(
            "<line x1=\"{gx:.1}\" x2=\"{gx:.1}\" y1=\"14\" y2=\"{:.1}\" stroke=\"#c0392b\" stroke-dasharray=\"2 2\"/><text x=\"{:.1}\" y=\"22\" fill=\"#c0392b\" font-weight=\"bold\">{}</text>",
            yr(g.min_log2_ratio),
            gx + 3.0,
            esc(&format!(
                "{} {}",
                g.gene,
                g.min_copy_number
                    .map(|c| format!("CN {c:.1}"))
                    .unwrap_or_else(|| g.call.as_str().to_string())
            ))
        ));
    }
    svg.push_str("</svg>");
    svg
}
