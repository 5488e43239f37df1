//! Read-depth bins and heterozygous sites, collected by an observer of the one pass.
//!
//! Bins are fixed tiles of the genome (`size` bases, aligned to multiples of `size`) cut by
//! the processed regions; a region shorter than a tile (a panel target) is one bin of its own.
//! Every fragment is counted once, in the bin holding its midpoint: of a pair on one contig,
//! the mate that starts first (READ1 on ties) counts the pair, at `start + TLEN/2`; a read
//! without a placed mate on the same contig counts at its own midpoint (of a pair split
//! across contigs only READ1 counts). Secondary, supplementary, duplicate, QC-failed and
//! unmapped records never count. Each bin keeps, per sample, the fragments of mapping
//! quality >= `min_mapq` and all fragments (their ratio is the bin's empirical
//! mappability), and, from the reference, its G+C and A+C+G+T bases.
//!
//! Heterozygous sites (for B-allele fractions) are chosen in the reference sample (the
//! matched normal; the tumor itself without one): depth >= `het_min_depth`, the commonest
//! non-reference base at 30-70 % (tumor-only: 20-80 %) and the rest reference. The tumor's
//! reference and alternate counts at those sites are kept.
//!
//! Partials cover the bins that a shard's fragments can reach and are added into one
//! [`BinTable`] after the gather (addition commutes, so the table does not depend on the
//! shard size or the thread count).

use crate::engine::{Column, ColumnObserver, RefSlice};
use crate::types::{aln::flag, tally::ACGT_FIELD, Aln, ContigId, Region, Shard};

/// Longest template (TLEN) whose midpoint is used; longer or odd pairs count at the read.
pub(crate) const MAX_MIDPOINT_TLEN: i64 = 2000;

/// The bins of a run, in genome order.
#[derive(Clone, Debug)]
pub struct BinLayout {
    /// Tile size.
    pub size: u64,
    /// Bins in genome order.
    pub bins: Vec<Region>,
    /// Per contig index: the range of its bins in `bins`.
    by_contig: Vec<(usize, usize)>,
}

impl BinLayout {
    /// Tiles `regions` (sorted, merged) of the contigs where `included[contig]` is true (every
    /// contig when `included` is empty).
    pub fn new(regions: &[Region], n_contigs: usize, size: u64, included: &[bool]) -> BinLayout {
        let size = size.max(1);
        let mut bins = Vec::new();
        for r in regions {
            if !included.is_empty() && !included.get(r.contig.index()).copied().unwrap_or(false) {
                continue;
            }
            if r.len() < size {
                if r.len() >= 50 {
                    bins.push(*r);
                }
                continue;
            }
            let mut t = r.start / size;
            while t * size < r.end {
                let s = (t * size).max(r.start);
                let e = ((t + 1) * size).min(r.end);
                // edge pieces of a region shorter than a quarter tile are too noisy to keep
                if (e - s) * 4 >= size {
                    bins.push(Region {
                        contig: r.contig,
                        start: s,
                        end: e,
                    });
                }
                t += 1;
            }
        }
        let mut by_contig = vec![(0usize, 0usize); n_contigs];
        let mut i = 0;
        while i < bins.len() {
            let c = bins[i].contig.index();
            let mut j = i;
            while j < bins.len() && bins[j].contig.index() == c {
                j += 1;
            }
            if c < n_contigs {
                by_contig[c] = (i, j);
            }
            i = j;
        }
        BinLayout {
            size,
            bins,
            by_contig,
        }
    }

    /// Number of bins.
    pub fn len(&self) -> usize {
        self.bins.len()
    }

    /// True without any bin.
    pub fn is_empty(&self) -> bool {
        self.bins.is_empty()
    }

    /// Indices of the bins of `contig` overlapping `[start, end)`.
    pub fn overlapping(&self, contig: ContigId, start: u64, end: u64) -> std::ops::Range<usize> {
        let Some(&(lo, hi)) = self.by_contig.get(contig.index()) else {
            return 0..0;
        };
        let bins = &self.bins[lo..hi];
        let a = bins.partition_point(|b| b.end <= start);
        let b = bins.partition_point(|b| b.start < end);
        (lo + a)..(lo + b.max(a))
    }

    /// The bin holding `pos`, if any.
    pub fn find(&self, contig: ContigId, pos: u64) -> Option<usize> {
        let r = self.overlapping(contig, pos, pos + 1);
        (r.start < r.end).then_some(r.start)
    }
}

/// A heterozygous site of the reference sample and the tumor's counts there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HetSite {
    /// Bin index.
    pub bin: u32,
    /// 0-based position.
    pub pos: u64,
    /// Tumor reads with the reference base.
    pub tumor_ref: u32,
    /// Tumor reads with the alternate base.
    pub tumor_alt: u32,
}

/// Counts of every bin and the heterozygous sites, over the whole run.
#[derive(Clone, Debug, Default)]
pub struct BinTable {
    /// Samples counted.
    pub n_samples: usize,
    /// `[bin * 2 * n_samples + 2 * sample]`: fragments with MAPQ >= min; `+ 1`: all fragments.
    pub counts: Vec<u32>,
    /// Per bin: G+C bases and A+C+G+T bases of the reference.
    pub gc: Vec<(u32, u32)>,
    /// Heterozygous sites, genome order.
    pub het: Vec<HetSite>,
}

impl BinTable {
    /// An empty table for `bins` bins.
    pub fn new(bins: usize, n_samples: usize) -> BinTable {
        BinTable {
            n_samples,
            counts: vec![0; bins * 2 * n_samples],
            gc: vec![(0, 0); bins],
            het: Vec::new(),
        }
    }

    /// Fragments of `sample` in `bin` with MAPQ >= the minimum.
    pub fn fragments(&self, bin: usize, sample: usize) -> u32 {
        self.counts[bin * 2 * self.n_samples + 2 * sample]
    }

    /// All fragments of `sample` in `bin`.
    pub(crate) fn all_fragments(&self, bin: usize, sample: usize) -> u32 {
        self.counts[bin * 2 * self.n_samples + 2 * sample + 1]
    }

    /// Adds a shard's partial.
    pub fn add(&mut self, p: CnvPartial) {
        let w = 2 * self.n_samples;
        for (k, v) in p.counts.iter().enumerate() {
            if *v > 0 {
                self.counts[p.first * w + k] += v;
            }
        }
        for (k, (g, a)) in p.gc.iter().enumerate() {
            let e = &mut self.gc[p.gc_first + k];
            e.0 += g;
            e.1 += a;
        }
        // shards arrive in genome order and own disjoint positions
        self.het.extend(p.het);
    }
}

/// The observer.
pub struct CnvObserver<'a> {
    /// The bins.
    pub layout: &'a BinLayout,
    /// Samples in the pass (tumor first).
    pub n_samples: usize,
    /// Mapping quality of a counted fragment.
    pub min_mapq: u8,
    /// Sample whose genotype picks the heterozygous sites (the normal; the tumor without one);
    /// None: no sites.
    pub het_sample: Option<usize>,
    /// Depth of the het-picking sample at a site.
    pub het_min_depth: u32,
}

/// A shard's bins and sites.
#[derive(Debug)]
pub struct CnvPartial {
    /// First bin index covered by `counts`.
    first: usize,
    /// Bins covered by `counts`.
    n: usize,
    /// Counts, `2 * n_samples` per bin.
    counts: Vec<u32>,
    /// First bin of the shard core (for `gc`).
    gc_first: usize,
    /// G+C, ACGT bases of the core part of each core bin.
    gc: Vec<(u32, u32)>,
    het: Vec<HetSite>,
    core: Region,
    /// Column cursor: the bin index of the last column.
    cursor: usize,
    /// Read cursor: the bin (index into this partial's bins) of the last read's fragment.
    read_bin: usize,
}

impl CnvObserver<'_> {
    fn fragment_pos(a: &Aln<'_>) -> Option<u64> {
        if a.flags
            & (flag::UNMAPPED | flag::SECONDARY | flag::SUPPLEMENTARY | flag::DUP | flag::QCFAIL)
            != 0
            || a.start < 0
        {
            return None;
        }
        let paired = a.flags & flag::PAIRED != 0;
        let mate_placed = paired && a.flags & flag::MATE_UNMAPPED == 0 && a.mate_start >= 0;
        if mate_placed && a.mate_tid != a.tid {
            // a pair split across contigs: counted once, by READ1, at its own midpoint
            return (a.flags & flag::READ1 != 0).then(|| (a.start + a.end()) as u64 / 2);
        }
        if mate_placed {
            let first =
                a.start < a.mate_start || (a.start == a.mate_start && a.flags & flag::READ1 != 0);
            if !first {
                return None;
            }
            let t = a.tlen.abs();
            if t > 0 && t <= MAX_MIDPOINT_TLEN && a.tlen > 0 {
                return Some((a.start + t / 2) as u64);
            }
        }
        Some((a.start + a.end()) as u64 / 2)
    }
}

impl ColumnObserver for CnvObserver<'_> {
    type Partial = CnvPartial;

    fn begin(&self, shard: &Shard, _reference: &RefSlice<'_>) -> CnvPartial {
        let c = shard.core;
        // fragments starting in the core reach at most MAX_MIDPOINT_TLEN / 2 past it; a
        // region's first shard also owns reads starting before the region
        let reach = self.layout.overlapping(
            c.contig,
            c.start.saturating_sub(MAX_MIDPOINT_TLEN as u64),
            c.end + MAX_MIDPOINT_TLEN as u64,
        );
        let core = self.layout.overlapping(c.contig, c.start, c.end);
        let n = reach.len();
        CnvPartial {
            first: reach.start,
            n,
            counts: vec![0; n * 2 * self.n_samples],
            gc_first: core.start,
            gc: vec![(0, 0); core.len()],
            het: Vec::new(),
            core: c,
            cursor: core.start,
            read_bin: 0,
        }
    }

    fn read(&self, p: &mut CnvPartial, sample: usize, a: &Aln<'_>, _pass: bool) {
        let Some(mid) = Self::fragment_pos(a) else {
            return;
        };
        if p.n == 0 {
            return;
        }
        let bins = &self.layout.bins[p.first..p.first + p.n];
        // the first bin ending after `mid`, walked to from the last read's: reads come sorted
        // by start and a fragment's midpoint lies at most MAX_MIDPOINT_TLEN / 2 after it, so
        // this moves a few bins (a search per read showed in the profile)
        let mut k = p.read_bin.min(bins.len());
        while k < bins.len() && bins[k].end <= mid {
            k += 1;
        }
        while k > 0 && bins[k - 1].end > mid {
            k -= 1;
        }
        p.read_bin = k;
        if k >= bins.len() || bins[k].start > mid || bins[k].contig != p.core.contig {
            return;
        }
        let at = k * 2 * self.n_samples + 2 * sample;
        p.counts[at + 1] += 1;
        if a.mapq >= self.min_mapq && a.mapq != 255 {
            p.counts[at] += 1;
        }
    }

    fn column(&self, p: &mut CnvPartial, col: &Column<'_>) {
        let Some(s) = self.het_sample else {
            return;
        };
        let t = &col.samples[s];
        let depth = t.bases();
        if depth < self.het_min_depth {
            return;
        }
        let refi = ACGT_FIELD[col.ref_base as usize] as usize;
        if refi > 3 {
            return;
        }
        let r = t.0[refi];
        // fast reject: mostly reference (nearly every position)
        if r * 10 > depth * 8 {
            return;
        }
        let (mut alt, mut a) = (4usize, 0u32);
        for b in 0..4 {
            if b != refi && t.0[b] > a {
                a = t.0[b];
                alt = b;
            }
        }
        if alt == 4 {
            return;
        }
        let (lo, hi) = if s == 0 { (0.2, 0.8) } else { (0.3, 0.7) };
        let d = depth as f64;
        let f = a as f64 / d;
        // the two alleles make up (nearly) all of the reads
        if f < lo || f > hi || ((r + a) as f64) < 0.9 * d {
            return;
        }
        // the site's bin
        let pos = col.pos.get();
        let bins = &self.layout.bins;
        let end = self.layout.overlapping(p.core.contig, pos, p.core.end).end;
        while p.cursor < end && bins[p.cursor].end <= pos {
            p.cursor += 1;
        }
        if p.cursor >= end || bins[p.cursor].start > pos {
            return;
        }
        let tumor = &col.samples[0];
        p.het.push(HetSite {
            bin: p.cursor as u32,
            pos,
            tumor_ref: tumor.0[refi],
            tumor_alt: tumor.0[alt],
        });
    }

    fn handles_empty(&self, _p: &CnvPartial) -> bool {
        // no read in any sample: no count, no site; the reference composition is still taken
        // in `finish`
        true
    }

    fn finish(&self, p: &mut CnvPartial, reference: &RefSlice<'_>) {
        if reference.seq.is_empty() {
            return;
        }
        for (k, slot) in p.gc.iter_mut().enumerate() {
            let b = &self.layout.bins[p.gc_first + k];
            let s = b.start.max(p.core.start);
            let e = b.end.min(p.core.end);
            if s >= e || s < reference.start {
                continue;
            }
            let from = (s - reference.start) as usize;
            let to = ((e - reference.start) as usize).min(reference.seq.len());
            let (mut gc, mut acgt) = (0u32, 0u32);
            // counted without a branch per base (bases are random: a `match` mispredicts)
            for &c in &reference.seq[from.min(to)..to] {
                let f = ACGT_FIELD[c as usize];
                gc += u32::from(f == 1 || f == 2);
                acgt += u32::from(f < 4);
            }
            *slot = (gc, acgt);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(c: usize, s: u64, e: u64) -> Region {
        Region {
            contig: ContigId::new(c),
            start: s,
            end: e,
        }
    }

    #[test]
    fn tiles_follow_the_grid_and_keep_small_targets_whole() {
        let l = BinLayout::new(
            &[r(0, 250, 3100), r(0, 5000, 5120), r(1, 0, 1000)],
            2,
            1000,
            &[],
        );
        let got: Vec<(usize, u64, u64)> = l
            .bins
            .iter()
            .map(|b| (b.contig.index(), b.start, b.end))
            .collect();
        // 250-1000 (750 >= 250 kept), 1000-2000, 2000-3000, 3000-3100 (100 < 250 dropped);
        // the 120 bp target is its own bin
        assert_eq!(
            got,
            vec![
                (0, 250, 1000),
                (0, 1000, 2000),
                (0, 2000, 3000),
                (0, 5000, 5120),
                (1, 0, 1000)
            ]
        );
        assert_eq!(l.find(ContigId::new(0), 1999), Some(1));
        assert_eq!(l.find(ContigId::new(0), 3050), None);
        assert_eq!(l.find(ContigId::new(1), 0), Some(4));
        assert_eq!(l.overlapping(ContigId::new(0), 900, 2100), 0..3);
        let masked = BinLayout::new(&[r(0, 0, 2000), r(1, 0, 1000)], 2, 1000, &[false, true]);
        assert_eq!(masked.len(), 1);
    }
}
