//! The hot loop: walk each read's CIGAR once and add its bases to per-position tallies.
//!
//! A shard keeps one `Vec<Tally>` per sample covering its core span; a read touching the span
//! adds to the positions it aligns to inside it. There is no per-position read stack: reads are
//! walked once, in file order, and the column view is read off the arrays afterwards.
//!
//! Semantics (chosen to equal `perbase base-depth`, which is htslib's pileup):
//! - `M`/`=`/`X` add the read base (`A`,`C`,`G`,`T`, anything else `N`); a base below
//!   `--min-base-quality` is counted as `N`. `D` adds `del`, `N` adds `ref_skip`.
//! - `ins` is added at the last `M`/`=`/`X` base before an `I` of non-zero length (pads between
//!   them are skipped), as htslib reports `indel > 0` there.
//! - A read failing the [`ReadFilter`] adds `fail` at every position it aligns to (M/=/X/D/N).
//! - Bases past the contig end are not counted (shards never extend past it).
//!
//! Mate overlap (`--mate-overlap dedup`): when both segments of a template align to the same
//! position, only one is counted there (see [`MateStrategy`]). A read whose mate starts inside
//! its own span is held back until the mate arrives; then the pair is resolved position by
//! position. Memory for this is bounded by the reads whose mates are still to come.

use std::collections::VecDeque;

use crate::types::fxhash::FxHashMap;

use super::filter::ReadFilter;
use crate::types::{
    aln::{flag, op},
    Aln, Field, Tally,
};

/// How overlapping mates are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MateOverlap {
    /// Count both mates (samtools depth default, perbase without `--mate-fix`).
    Count,
    /// Count a position covered by both mates once.
    Dedup,
}

/// Which mate's observation is kept where two overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MateStrategy {
    /// A passing read beats a failing one; then higher MAPQ; then first-in-pair (flag 0x40);
    /// then the read met first in the file. perbase's `--mate-fix` default ("original").
    MapqFirst,
    /// As `MapqFirst`, but where both mates have a base, the higher base quality wins first.
    BaseQualFirst,
}

/// Settings of the pileup hot loop.
#[derive(Clone, Copy, Debug)]
pub struct PileupSettings {
    /// Read filter.
    pub filter: ReadFilter,
    /// Bases below this phred quality count as `N`.
    pub min_base_quality: u8,
    /// Mate overlap handling.
    pub mate_overlap: MateOverlap,
    /// Which mate wins an overlap.
    pub mate_strategy: MateStrategy,
}

impl Default for PileupSettings {
    fn default() -> Self {
        PileupSettings {
            filter: ReadFilter::default(),
            min_base_quality: 0,
            mate_overlap: MateOverlap::Count,
            mate_strategy: MateStrategy::MapqFirst,
        }
    }
}

/// Nibble (`=ACMGRSVTWYHKDBN`) to tally field: A, C, G, T, else N.
const NIB2FIELD: [u8; 16] = [4, 0, 1, 4, 2, 4, 4, 4, 3, 4, 4, 4, 4, 4, 4, 4];

const EV_NONE: u8 = 255;
const EV_DEL: u8 = Field::Del as u8;
const EV_SKIP: u8 = Field::RefSkip as u8;

/// One read's observation at one position (pair resolution only).
#[derive(Clone, Copy, Debug)]
struct Ev {
    /// Field index (0-4 base, 5 del, 7 ref_skip) or `EV_NONE`.
    kind: u8,
    qual: u8,
    ins: bool,
}

/// An owned copy of a read held back until its mate arrives.
#[derive(Debug)]
struct Held {
    tid: i32,
    start: i64,
    flags: u16,
    mapq: u8,
    mate_tid: i32,
    mate_start: i64,
    tlen: i64,
    name: Vec<u8>,
    cigar: Vec<u32>,
    seq: Vec<u8>,
    seq_len: usize,
    qual: Vec<u8>,
}

impl Held {
    fn from_aln(a: &Aln<'_>) -> Held {
        Held {
            tid: a.tid,
            start: a.start,
            flags: a.flags,
            mapq: a.mapq,
            mate_tid: a.mate_tid,
            mate_start: a.mate_start,
            tlen: a.tlen,
            name: a.name.to_vec(),
            cigar: a.cigar.to_vec(),
            seq: a.seq.to_vec(),
            seq_len: a.seq_len,
            qual: a.qual.to_vec(),
        }
    }

    fn view(&self) -> Aln<'_> {
        Aln {
            tid: self.tid,
            start: self.start,
            flags: self.flags,
            mapq: self.mapq,
            mate_tid: self.mate_tid,
            mate_start: self.mate_start,
            tlen: self.tlen,
            name: &self.name,
            cigar: &self.cigar,
            seq: &self.seq,
            seq_len: self.seq_len,
            qual: &self.qual,
            aux: &[],
        }
    }
}

/// True when an `I` of non-zero length follows cigar op `k` (skipping pads), i.e. htslib
/// would report `indel > 0` at the last base of op `k`.
#[inline]
fn ins_follows(cigar: &[u32], k: usize) -> bool {
    let Some(&next) = cigar.get(k + 1) else {
        return false;
    };
    match next & 0xf {
        op::INS => next >> 4 > 0,
        op::PAD => {
            let mut total = 0u32;
            for &w in &cigar[k + 2..] {
                match w & 0xf {
                    op::MATCH | op::DEL | op::SKIP | op::EQ | op::DIFF => break,
                    op::INS => total += w >> 4,
                    _ => {}
                }
            }
            total > 0
        }
        _ => false,
    }
}

/// Adds one read to `t`, whose first element is position `lo`; positions `>= hi` are ignored.
#[inline]
pub fn count_read(t: &mut [Tally], lo: i64, hi: i64, a: &Aln<'_>, pass: bool, min_bq: u8) {
    let mut r = a.start;
    let mut q = 0usize;
    let full_seq = a.seq_len > 0 && a.qual.len() >= a.seq_len;
    for (k, &w) in a.cigar.iter().enumerate() {
        let o = w & 0xf;
        let len = (w >> 4) as i64;
        match o {
            op::MATCH | op::EQ | op::DIFF => {
                let from = r.max(lo);
                let to = (r + len).min(hi);
                if from < to {
                    let slots = &mut t[(from - lo) as usize..(to - lo) as usize];
                    if !pass {
                        for s in slots {
                            s.0[Field::Fail as usize] += 1;
                        }
                    } else {
                        let q0 = q + (from - r) as usize;
                        if full_seq && q0 + slots.len() <= a.seq_len {
                            let qual = &a.qual[q0..q0 + slots.len()];
                            for (i, (s, &bq)) in slots.iter_mut().zip(qual).enumerate() {
                                let qi = q0 + i;
                                let b = a.seq[qi >> 1];
                                let nib = if qi & 1 == 0 { b >> 4 } else { b & 0xf };
                                let f = if bq < min_bq {
                                    Field::N as usize
                                } else {
                                    NIB2FIELD[nib as usize] as usize
                                };
                                s.0[f] += 1;
                            }
                        } else {
                            for (i, s) in slots.iter_mut().enumerate() {
                                let qi = q0 + i;
                                let f = if a.qual_at(qi) < min_bq {
                                    Field::N as usize
                                } else {
                                    NIB2FIELD[a.nibble(qi) as usize] as usize
                                };
                                s.0[f] += 1;
                            }
                        }
                        let last = r + len - 1;
                        if len > 0 && last >= lo && last < hi && ins_follows(a.cigar, k) {
                            t[(last - lo) as usize].0[Field::Ins as usize] += 1;
                        }
                    }
                }
                r += len;
                q += len as usize;
            }
            op::INS | op::SOFT => q += len as usize,
            op::DEL | op::SKIP => {
                let from = r.max(lo);
                let to = (r + len).min(hi);
                if from < to {
                    let f = if !pass {
                        Field::Fail
                    } else if o == op::DEL {
                        Field::Del
                    } else {
                        Field::RefSkip
                    } as usize;
                    for s in &mut t[(from - lo) as usize..(to - lo) as usize] {
                        s.0[f] += 1;
                    }
                }
                r += len;
            }
            _ => {}
        }
        if r >= hi {
            break;
        }
    }
}

/// Writes one read's observations over `lo..hi` into `ev` (index = position - lo).
fn events(ev: &mut [Ev], lo: i64, hi: i64, a: &Aln<'_>) {
    let mut r = a.start;
    let mut q = 0usize;
    for (k, &w) in a.cigar.iter().enumerate() {
        let o = w & 0xf;
        let len = (w >> 4) as i64;
        match o {
            op::MATCH | op::EQ | op::DIFF => {
                let from = r.max(lo);
                let to = (r + len).min(hi);
                for p in from..to {
                    let qi = q + (p - r) as usize;
                    ev[(p - lo) as usize] = Ev {
                        kind: NIB2FIELD[a.nibble(qi) as usize],
                        qual: a.qual_at(qi),
                        ins: false,
                    };
                }
                let last = r + len - 1;
                if len > 0 && last >= lo && last < hi && ins_follows(a.cigar, k) {
                    ev[(last - lo) as usize].ins = true;
                }
                r += len;
                q += len as usize;
            }
            op::INS | op::SOFT => q += len as usize,
            op::DEL | op::SKIP => {
                let from = r.max(lo);
                let to = (r + len).min(hi);
                let kind = if o == op::DEL { EV_DEL } else { EV_SKIP };
                for p in from..to {
                    ev[(p - lo) as usize] = Ev {
                        kind,
                        qual: 0,
                        ins: false,
                    };
                }
                r += len;
            }
            _ => {}
        }
    }
}

/// Reads of one template (same name) that may overlap, waiting to be resolved together.
#[derive(Debug)]
struct Group {
    members: Vec<Held>,
    max_end: i64,
    generation: u64,
}

/// Per-sample tallies of one shard, with the mate-overlap state.
///
/// In `dedup` mode a read whose mate is on the same contig and starts at or before the read's
/// end (perbase's test) joins the group of its template name; groups are resolved once the
/// reads being added start past every member's end, so memory holds only templates still
/// open at the current position.
#[derive(Default)]
pub struct SampleCounter {
    /// Tallies for positions `lo..hi`.
    pub tallies: Vec<Tally>,
    lo: i64,
    hi: i64,
    groups: FxHashMap<Vec<u8>, Group>,
    /// Open groups in creation order: (name, generation, a lower bound of the group's end),
    /// so that most reads need no map lookup to know nothing can be resolved yet.
    order: VecDeque<(Vec<u8>, u64, i64)>,
    generation: u64,
    evs: Vec<Vec<Ev>>,
}

impl SampleCounter {
    /// Clears the tallies for a new core span `lo..hi`. The tallies are zero-filled lazily, by
    /// the first read (a shard without reads costs nothing; see [`SampleCounter::fill`]).
    pub fn reset(&mut self, lo: i64, hi: i64) {
        self.lo = lo;
        self.hi = hi;
        self.tallies.clear();
        self.groups.clear();
        self.order.clear();
    }

    /// True when no read has touched the span since [`SampleCounter::reset`].
    pub fn is_untouched(&self) -> bool {
        self.tallies.is_empty()
    }

    /// Zero-fills the tallies of an untouched span.
    #[inline]
    pub fn fill(&mut self) {
        let n = (self.hi - self.lo) as usize;
        if self.tallies.len() != n {
            self.tallies.clear();
            self.tallies.resize(n, Tally::default());
        }
    }

    /// Adds one (placed, mapped) read.
    #[inline]
    pub fn add(&mut self, a: &Aln<'_>, s: &PileupSettings) {
        self.fill();
        if s.mate_overlap == MateOverlap::Count {
            let pass = s.filter.pass(a);
            count_read(
                &mut self.tallies,
                self.lo,
                self.hi,
                a,
                pass,
                s.min_base_quality,
            );
            return;
        }
        self.flush_before(a.start, s);
        let end = a.end();
        let joins = a.mate_tid == a.tid && a.mate_start >= 0 && a.mate_start <= end;
        if joins {
            if let Some(g) = self.groups.get_mut(a.name) {
                if g.max_end > a.start {
                    g.max_end = g.max_end.max(end);
                    g.members.push(Held::from_aln(a));
                    return;
                }
                // a stale group of the same name that no longer overlaps: resolve it first
                let g = self.groups.remove(a.name).expect("present");
                self.resolve(g, s);
            }
            if a.mate_start >= a.start {
                // the mate is still to come and may overlap this read
                self.generation += 1;
                self.groups.insert(
                    a.name.to_vec(),
                    Group {
                        members: vec![Held::from_aln(a)],
                        max_end: end,
                        generation: self.generation,
                    },
                );
                self.order
                    .push_back((a.name.to_vec(), self.generation, end));
                return;
            }
        }
        let pass = s.filter.pass(a);
        count_read(
            &mut self.tallies,
            self.lo,
            self.hi,
            a,
            pass,
            s.min_base_quality,
        );
    }

    /// Resolves groups that no read starting at `start` or later can overlap.
    fn flush_before(&mut self, start: i64, s: &PileupSettings) {
        while let Some((name, generation, known_end)) = self.order.front_mut() {
            if *known_end > start {
                // the group ends after `start` at the earliest: nothing to resolve yet
                break;
            }
            match self.groups.get(name) {
                Some(g) if g.generation == *generation => {
                    if g.max_end > start {
                        *known_end = g.max_end;
                        break;
                    }
                    let g = self.groups.remove(name).expect("present");
                    self.order.pop_front();
                    self.resolve(g, s);
                }
                _ => {
                    // already resolved as stale
                    self.order.pop_front();
                }
            }
        }
    }

    /// Resolves every group still open (end of the shard).
    pub fn finish(&mut self, s: &PileupSettings) {
        self.flush_before(i64::MAX, s);
        for (_, g) in std::mem::take(&mut self.groups) {
            self.resolve(g, s);
        }
        self.order.clear();
    }

    fn resolve(&mut self, g: Group, s: &PileupSettings) {
        let min_bq = s.min_base_quality;
        if g.members.len() == 1 {
            let a = g.members[0].view();
            let pass = s.filter.pass(&a);
            count_read(&mut self.tallies, self.lo, self.hi, &a, pass, min_bq);
            return;
        }
        // METHOD: reads of one template are one fragment: one observation per position.
        let views: Vec<Aln<'_>> = g.members.iter().map(Held::view).collect();
        let (lo, hi) = if views.len() == 2 {
            // two mates (the common case): only where both cover a position is there a choice;
            // elsewhere each mate is counted on its own, as if alone
            let (a, b) = (&views[0], &views[1]);
            let ov_lo = a.start.max(b.start).max(self.lo);
            let ov_hi = a.end().min(b.end()).min(self.hi).max(ov_lo);
            for m in [a, b] {
                let pass = s.filter.pass(m);
                if ov_lo > self.lo {
                    let t = &mut self.tallies[..(ov_lo - self.lo) as usize];
                    count_read(t, self.lo, ov_lo, m, pass, min_bq);
                }
                if ov_hi < self.hi {
                    let t = &mut self.tallies[(ov_hi - self.lo) as usize..];
                    count_read(t, ov_hi, self.hi, m, pass, min_bq);
                }
            }
            (ov_lo, ov_hi)
        } else {
            let lo = views
                .iter()
                .map(|a| a.start)
                .min()
                .unwrap_or(0)
                .max(self.lo);
            let hi = views
                .iter()
                .map(|a| a.end())
                .max()
                .unwrap_or(0)
                .min(self.hi);
            (lo, hi)
        };
        if lo >= hi {
            return;
        }
        let n = (hi - lo) as usize;
        let none = Ev {
            kind: EV_NONE,
            qual: 0,
            ins: false,
        };
        if self.evs.len() < views.len() {
            self.evs.resize_with(views.len(), Vec::new);
        }
        for (ev, a) in self.evs.iter_mut().zip(&views) {
            ev.clear();
            ev.resize(n, none);
            events(ev, lo, hi, a);
        }
        let passes: Vec<bool> = views.iter().map(|a| s.filter.pass(a)).collect();
        for i in 0..n {
            let mut best: Option<usize> = None;
            for m in 0..views.len() {
                if self.evs[m][i].kind == EV_NONE {
                    continue;
                }
                best = Some(match best {
                    None => m,
                    Some(b) => {
                        let (eb, em) = (self.evs[b][i], self.evs[m][i]);
                        if choose_a(
                            &views[b],
                            &views[m],
                            eb,
                            em,
                            passes[b],
                            passes[m],
                            s.mate_strategy,
                        ) {
                            b
                        } else {
                            m
                        }
                    }
                });
            }
            let Some(b) = best else { continue };
            let e = self.evs[b][i];
            let slot = &mut self.tallies[(lo - self.lo) as usize + i];
            if !passes[b] {
                slot.0[Field::Fail as usize] += 1;
                continue;
            }
            let f = if e.kind <= Field::N as u8 && e.qual < min_bq {
                Field::N as usize
            } else {
                e.kind as usize
            };
            slot.0[f] += 1;
            if e.ins {
                slot.0[Field::Ins as usize] += 1;
            }
        }
    }
}

/// Pair resolution at one position where both mates have an observation.
#[inline]
fn choose_a(
    a: &Aln<'_>,
    b: &Aln<'_>,
    ea: Ev,
    eb: Ev,
    pa: bool,
    pb: bool,
    strategy: MateStrategy,
) -> bool {
    if pa != pb {
        return pa;
    }
    if !pa {
        return true;
    }
    if strategy == MateStrategy::BaseQualFirst
        && ea.kind <= Field::N as u8
        && eb.kind <= Field::N as u8
        && ea.qual != eb.qual
    {
        return ea.qual > eb.qual;
    }
    if a.mapq != b.mapq {
        return a.mapq > b.mapq;
    }
    if a.flags & flag::READ1 != 0 {
        return true;
    }
    b.flags & flag::READ1 == 0
}
