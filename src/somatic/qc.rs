//! Sample QC from the same pass: depth over the processed regions, duplicate and mapping
//! rates, insert size, mate overlap, callable bases (the TMB denominator), and a tumor/normal
//! identity check. An engine observer; partial per shard, combined in order.

use serde::{Deserialize, Serialize};

use crate::engine::{Column, ColumnObserver, RefSlice};
use crate::types::{aln::flag, Aln, Field, Shard};

/// Depth histogram cap (positions deeper count in the last bin).
pub const DEPTH_CAP: usize = 20_000;
/// Insert-size histogram cap.
pub const INSERT_CAP: usize = 5_000;

/// Per-sample counters.
#[derive(Clone, Debug, Default)]
pub struct SampleQc {
    /// Reads (owned by the shard, mapped).
    pub reads: u64,
    /// Duplicate-flagged reads.
    pub duplicates: u64,
    /// Insert sizes of first-in-pair reads with a mate on the same contig.
    pub insert: Vec<u64>,
    /// First-in-pair reads whose mate overlaps them.
    pub overlapping_pairs: u64,
    /// First-in-pair reads with a mate on the same contig.
    pub pairs: u64,
    /// Depth histogram (fragment depth, bases) over processed positions.
    pub depth: Vec<u64>,
}

/// The QC observer (sample 0 tumor, 1 normal when present).
pub struct QcObserver {
    /// Samples.
    pub n_samples: usize,
    /// Tumor depth for callable.
    pub min_tumor_depth: u32,
    /// Normal depth for callable.
    pub min_normal_depth: u32,
}

/// A shard's QC partial.
#[derive(Clone, Debug, Default)]
pub struct QcPartial {
    /// Per sample.
    pub samples: Vec<SampleQc>,
    /// Callable intervals (0-based half-open) of this shard, on `contig`.
    pub callable: Vec<(u64, u64)>,
    /// Contig of the shard.
    pub contig: usize,
    /// Identity: informative sites (normal carries an allele at >= 30%, both >= 15x).
    pub identity_sites: u64,
    /// Identity: of those, sites where the tumor also carries it (>= 5%).
    pub identity_shared: u64,
}

impl ColumnObserver for QcObserver {
    type Partial = QcPartial;

    fn begin(&self, shard: &Shard) -> QcPartial {
        QcPartial {
            samples: (0..self.n_samples)
                .map(|_| SampleQc {
                    insert: vec![0; INSERT_CAP + 1],
                    depth: vec![0; 1024],
                    ..Default::default()
                })
                .collect(),
            contig: shard.core.contig,
            ..Default::default()
        }
    }

    fn read(&self, p: &mut QcPartial, sample: usize, a: &Aln<'_>, _pass: bool) {
        if a.flags & (flag::SECONDARY | flag::SUPPLEMENTARY) != 0 {
            return;
        }
        let q = &mut p.samples[sample];
        q.reads += 1;
        if a.flags & flag::DUP != 0 {
            q.duplicates += 1;
            return;
        }
        if a.flags & flag::PAIRED != 0
            && a.flags & flag::READ1 != 0
            && a.flags & flag::MATE_UNMAPPED == 0
            && a.mate_tid == a.tid
        {
            q.pairs += 1;
            let end = a.end();
            let (s0, m0) = (a.start, a.mate_start);
            // insert = outer distance of the pair, from the two starts and this read's end
            let ins = if m0 >= s0 {
                (m0 - s0 + a.seq_len as i64).max(end - s0)
            } else {
                end - m0
            };
            q.insert[(ins.max(0) as usize).min(INSERT_CAP)] += 1;
            if m0 >= s0 && m0 < end || m0 < s0 && s0 < m0 + a.seq_len as i64 {
                q.overlapping_pairs += 1;
            }
        }
    }

    fn column(&self, p: &mut QcPartial, col: &Column<'_>) {
        for (i, t) in col.samples.iter().enumerate() {
            let d = t.bases() as usize;
            let h = &mut p.samples[i].depth;
            if d >= h.len() {
                h.resize((d + 1).min(DEPTH_CAP + 1).max(h.len()), 0);
            }
            h[d.min(DEPTH_CAP)] += 1;
        }
        let td = col.samples[0].bases();
        let callable = td >= self.min_tumor_depth
            && (self.n_samples < 2 || col.samples[1].bases() >= self.min_normal_depth);
        if callable {
            match p.callable.last_mut() {
                Some(last) if last.1 == col.pos => last.1 = col.pos + 1,
                _ => p.callable.push((col.pos, col.pos + 1)),
            }
        }
        if self.n_samples >= 2 {
            // METHOD: identity = share of the normal's own alleles (>= 30% of >= 15 reads) that the
            // tumor also shows (>= 5%): a germline allele survives any purity; another person's
            // normal carries alleles the tumor lacks.
            let (t, n) = (&col.samples[0], &col.samples[1]);
            let (tn, nn) = (t.bases(), n.bases());
            if tn >= 15 && nn >= 15 && col.ref_base != b'N' {
                let refi = match col.ref_base {
                    b'A' => 0,
                    b'C' => 1,
                    b'G' => 2,
                    _ => 3,
                };
                for b in 0..4 {
                    if b == refi {
                        continue;
                    }
                    let f = [Field::A, Field::C, Field::G, Field::T][b];
                    if n.get(f) as f64 >= 0.3 * nn as f64 {
                        p.identity_sites += 1;
                        if t.get(f) as f64 >= 0.05 * tn as f64 {
                            p.identity_shared += 1;
                        }
                    }
                }
            }
        }
    }

    fn finish(&self, _p: &mut QcPartial, _r: &RefSlice<'_>) {}
}

/// Combines QC partials.
pub fn combine(acc: &mut QcPartial, p: QcPartial, callable: &mut Vec<(usize, u64, u64)>) {
    if acc.samples.is_empty() {
        acc.samples = p
            .samples
            .iter()
            .map(|s| SampleQc {
                insert: vec![0; s.insert.len()],
                depth: vec![0; 0],
                ..Default::default()
            })
            .collect();
    }
    for (a, b) in acc.samples.iter_mut().zip(p.samples) {
        a.reads += b.reads;
        a.duplicates += b.duplicates;
        a.pairs += b.pairs;
        a.overlapping_pairs += b.overlapping_pairs;
        for (x, y) in a.insert.iter_mut().zip(&b.insert) {
            *x += y;
        }
        if a.depth.len() < b.depth.len() {
            a.depth.resize(b.depth.len(), 0);
        }
        for (x, y) in a.depth.iter_mut().zip(&b.depth) {
            *x += y;
        }
    }
    acc.identity_sites += p.identity_sites;
    acc.identity_shared += p.identity_shared;
    for (s, e) in p.callable {
        match callable.last_mut() {
            Some(last) if last.0 == p.contig && last.2 == s => last.2 = e,
            _ => callable.push((p.contig, s, e)),
        }
    }
}

/// The QC block of results.json for one sample.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SampleQcResult {
    /// Sample name.
    pub sample: String,
    /// Mean depth over the processed regions (fragments, bases).
    pub mean_depth: f64,
    /// Median depth.
    pub median_depth: u64,
    /// % of positions at >= 20x.
    pub pct_ge_20x: f64,
    /// % of positions at >= 100x.
    pub pct_ge_100x: f64,
    /// Duplicate-flagged share of primary reads.
    pub duplicate_rate: f64,
    /// Mapped share of records placed in the regions.
    pub mapped_rate: f64,
    /// Median insert size.
    pub insert_size_median: Option<u64>,
    /// Share of pairs whose mates overlap.
    pub mate_overlap_fraction: f64,
}

/// Summarises one sample.
pub fn summarize(name: &str, q: &SampleQc, unmapped: u64) -> SampleQcResult {
    let total: u64 = q.depth.iter().sum();
    let sum: u64 = q.depth.iter().enumerate().map(|(d, n)| d as u64 * n).sum();
    let at = |t: usize| -> f64 {
        if total == 0 {
            0.0
        } else {
            100.0 * q.depth.iter().skip(t).sum::<u64>() as f64 / total as f64
        }
    };
    let median = |h: &[u64]| -> Option<u64> {
        let n: u64 = h.iter().sum();
        if n == 0 {
            return None;
        }
        let mut acc = 0;
        for (k, v) in h.iter().enumerate() {
            acc += v;
            if acc * 2 >= n {
                return Some(k as u64);
            }
        }
        None
    };
    let r2 = |x: f64| (x * 100.0).round() / 100.0;
    let r4 = |x: f64| (x * 10000.0).round() / 10000.0;
    SampleQcResult {
        sample: name.to_string(),
        mean_depth: r2(if total > 0 {
            sum as f64 / total as f64
        } else {
            0.0
        }),
        median_depth: median(&q.depth).unwrap_or(0),
        pct_ge_20x: r2(at(20)),
        pct_ge_100x: r2(at(100)),
        duplicate_rate: r4(if q.reads > 0 {
            q.duplicates as f64 / q.reads as f64
        } else {
            0.0
        }),
        mapped_rate: r4(if q.reads + unmapped > 0 {
            q.reads as f64 / (q.reads + unmapped) as f64
        } else {
            0.0
        }),
        insert_size_median: median(&q.insert),
        mate_overlap_fraction: r4(if q.pairs > 0 {
            q.overlapping_pairs as f64 / q.pairs as f64
        } else {
            0.0
        }),
    }
}
