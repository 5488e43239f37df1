//! Coverage over intervals (`oncostream depth`): mean depth and bases at or above thresholds,
//! per interval and sample, as partial-then-combine over shards.
//!
//! Depth here is the number of passing reads with a base at the position (deletions not
//! counted), with overlapping mates counted once by default: the definition of mosdepth and of
//! `samtools depth -s`. Memory: per worker one `u32` per position and sample of the shard, plus
//! one accumulator per interval that is still open (intervals are written as soon as the
//! ordered gather has passed their end).

use crate::engine::{Column, ColumnObserver, RefSlice};
pub use crate::types::coverage::{Interval, IntervalDepth, SampleSums};
use crate::types::{source::Fields, Region, Shard};

/// The observer: intervals must be sorted by (contig, start).
pub struct DepthObserver<'a> {
    /// Sorted intervals.
    pub intervals: &'a [Interval],
    /// Depth thresholds (callable-bases counts).
    pub thresholds: Vec<u32>,
    /// Number of samples.
    pub n_samples: usize,
    /// Count deletions in depth (`samtools depth -J`).
    pub include_deletions: bool,
}

/// A shard's partial: its per-position depths, reduced to interval sums at `finish`.
pub struct DepthPartial {
    core: Region,
    depth: Vec<Vec<u32>>,
    /// Sums of the intervals overlapping the shard.
    pub sums: Vec<IntervalDepth>,
}

impl DepthObserver<'_> {
    /// Indices of intervals overlapping `r` (intervals sorted by start; overlaps allowed).
    fn overlapping(&self, r: &Region) -> impl Iterator<Item = usize> + '_ {
        let r = *r;
        // all intervals with (contig, start) < (r.contig, r.end) are candidates
        let hi = self
            .intervals
            .partition_point(|iv| (iv.region.contig, iv.region.start) < (r.contig, r.end));
        let lo = self.intervals[..hi].partition_point(|iv| iv.region.contig < r.contig);
        (lo..hi).filter(move |&i| {
            let iv = &self.intervals[i].region;
            iv.contig == r.contig && iv.end > r.start && iv.start < r.end
        })
    }
}

impl ColumnObserver for DepthObserver<'_> {
    type Partial = DepthPartial;

    fn begin(&self, shard: &Shard, _reference: &RefSlice<'_>) -> DepthPartial {
        DepthPartial {
            core: shard.core,
            depth: vec![Vec::with_capacity(shard.core.len() as usize); self.n_samples],
            sums: Vec::new(),
        }
    }

    fn fields(&self) -> Fields {
        // the counts come from the engine's columns; no quality or tag is read here
        Fields::BASES
    }

    fn handles_empty(&self, _partial: &Self::Partial) -> bool {
        true
    }

    fn empty_span(&self, p: &mut DepthPartial, core: Region) {
        for d in &mut p.depth {
            d.resize(core.len() as usize, 0);
        }
    }

    #[inline]
    fn column(&self, p: &mut DepthPartial, col: &Column<'_>) {
        for (i, t) in col.samples.iter().enumerate() {
            p.depth[i].push(if self.include_deletions {
                t.depth()
            } else {
                t.bases()
            });
        }
    }

    fn finish(&self, p: &mut DepthPartial, _reference: &crate::engine::RefSlice<'_>) {
        let core = p.core;
        let idx: Vec<usize> = self.overlapping(&core).collect();
        for i in idx {
            let iv = self.intervals[i].region;
            let a = (iv.start.max(core.start) - core.start) as usize;
            let b = (iv.end.min(core.end) - core.start) as usize;
            let samples = p
                .depth
                .iter()
                .map(|d| {
                    let mut s = SampleSums {
                        depth_sum: 0,
                        at_least: vec![0; self.thresholds.len()],
                    };
                    for &v in &d[a..b] {
                        s.depth_sum += v as u64;
                        for (k, &t) in self.thresholds.iter().enumerate() {
                            if v >= t {
                                s.at_least[k] += 1;
                            }
                        }
                    }
                    s
                })
                .collect();
            p.sums.push(IntervalDepth { index: i, samples });
        }
        p.depth = Vec::new();
    }
}

/// Combines shard partials in genome order and releases intervals once complete.
pub struct DepthCombiner<'a> {
    intervals: &'a [Interval],
    open: std::collections::BTreeMap<usize, IntervalDepth>,
    next: usize,
    n_samples: usize,
    n_thresholds: usize,
}

impl<'a> DepthCombiner<'a> {
    /// A combiner over the same sorted intervals as the observer.
    pub fn new(intervals: &'a [Interval], n_samples: usize, n_thresholds: usize) -> Self {
        DepthCombiner {
            intervals,
            open: Default::default(),
            next: 0,
            n_samples,
            n_thresholds,
        }
    }

    fn empty(&self, index: usize) -> IntervalDepth {
        IntervalDepth {
            index,
            samples: vec![
                SampleSums {
                    depth_sum: 0,
                    at_least: vec![0; self.n_thresholds]
                };
                self.n_samples
            ],
        }
    }

    /// Adds a shard's sums; returns the intervals now complete, in order.
    pub fn add(&mut self, shard: &Shard, sums: Vec<IntervalDepth>) -> Vec<IntervalDepth> {
        for s in sums {
            let e = self.open.entry(s.index).or_insert_with(|| IntervalDepth {
                index: s.index,
                samples: s
                    .samples
                    .iter()
                    .map(|x| SampleSums {
                        depth_sum: 0,
                        at_least: vec![0; x.at_least.len()],
                    })
                    .collect(),
            });
            for (acc, x) in e.samples.iter_mut().zip(s.samples) {
                acc.depth_sum += x.depth_sum;
                for (a, b) in acc.at_least.iter_mut().zip(x.at_least) {
                    *a += b;
                }
            }
        }
        let mut done = Vec::new();
        let here = (shard.core.contig, shard.core.end);
        while self.next < self.intervals.len() {
            let iv = self.intervals[self.next].region;
            if (iv.contig, iv.end) <= here || iv.contig < here.0 {
                let d = self
                    .open
                    .remove(&self.next)
                    .unwrap_or_else(|| self.empty(self.next));
                done.push(d);
                self.next += 1;
            } else {
                break;
            }
        }
        done
    }

    /// Releases every remaining interval (end of run).
    pub fn finish(&mut self) -> Vec<IntervalDepth> {
        let mut done = Vec::new();
        while self.next < self.intervals.len() {
            let d = self
                .open
                .remove(&self.next)
                .unwrap_or_else(|| self.empty(self.next));
            done.push(d);
            self.next += 1;
        }
        done
    }
}
