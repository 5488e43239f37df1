//! The `oncostream depth` table: one row per interval, BED-like.
//!
//! Columns: `contig start end` (0-based half-open, as BED) `name` (BED column 4 or `.`), then
//! per sample `<sample>.mean` (mean depth, 2 decimals, as mosdepth's regions.bed) and
//! `<sample>.ge<T>` (positions with depth `>= T`) for each threshold `T`.

use crate::types::coverage::{Interval, IntervalDepth};
use crate::types::Contig;

/// Header line.
pub fn header(samples: &[String], thresholds: &[u32]) -> String {
    let mut h = String::from("#contig\tstart\tend\tname");
    for s in samples {
        h.push_str(&format!("\t{s}.mean"));
        for t in thresholds {
            h.push_str(&format!("\t{s}.ge{t}"));
        }
    }
    h.push('\n');
    h
}

/// One row.
pub fn row(contigs: &[Contig], intervals: &[Interval], d: &IntervalDepth) -> String {
    let iv = &intervals[d.index];
    let r = iv.region;
    let mut s = format!(
        "{}\t{}\t{}\t{}",
        contigs[r.contig].name,
        r.start,
        r.end,
        iv.name.as_deref().unwrap_or(".")
    );
    let len = r.len().max(1) as f64;
    for x in &d.samples {
        s.push_str(&format!("\t{:.2}", x.depth_sum as f64 / len));
        for v in &x.at_least {
            s.push_str(&format!("\t{v}"));
        }
    }
    s.push('\n');
    s
}
