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
    source::Fields,
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

impl PileupSettings {
    /// The optional record parts the hot loop itself reads: base qualities when a threshold
    /// is set or when base quality decides which mate counts; never optional fields.
    pub fn fields(&self) -> Fields {
        Fields {
            qual: self.min_base_quality > 0 || self.mate_strategy == MateStrategy::BaseQualFirst,
            aux: false,
        }
    }
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
#[derive(Debug, Default)]
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
    /// Copies `a` into this copy's buffers (reused from an earlier read).
    fn refill(&mut self, a: &Aln<'_>) {
        self.tid = a.tid;
        self.start = a.start;
        self.flags = a.flags;
        self.mapq = a.mapq;
        self.mate_tid = a.mate_tid;
        self.mate_start = a.mate_start;
        self.tlen = a.tlen;
        self.seq_len = a.seq_len;
        for (v, from) in [
            (&mut self.name, a.name),
            (&mut self.seq, a.seq),
            (&mut self.qual, a.qual),
        ] {
            v.clear();
            v.extend_from_slice(from);
        }
        self.cigar.clear();
        self.cigar.extend_from_slice(a.cigar);
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

/// A packed sequence byte (two bases) to the tally fields of its high and low nibble.
const BYTE2FIELDS: [[u8; 2]; 256] = {
    let mut t = [[0u8; 2]; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = [NIB2FIELD[b >> 4], NIB2FIELD[b & 0xf]];
        b += 1;
    }
    t
};

/// The field of one base: its own, or `N` below the quality threshold. Masked to 0-7 so that
/// indexing a tally needs no bounds check (fields are 0-4).
#[inline(always)]
fn base_field(field: u8, bq: u8, min_bq: u8) -> usize {
    (if bq < min_bq { Field::N as u8 } else { field }) as usize & 7
}

/// Adds the bases of an aligned block to `slots` (one per base): query bases `q0..` whose
/// qualities are `qual` (`qual.len() == slots.len()`). Walks the packed sequence a byte (two
/// bases) at a time: the per-base cost of the whole pass.
#[inline]
fn count_bases(slots: &mut [Tally], seq: &[u8], qual: &[u8], q0: usize, min_bq: u8) {
    debug_assert_eq!(slots.len(), qual.len());
    let mut first = 0;
    if q0 & 1 == 1 && !slots.is_empty() {
        // a block starting on a low nibble: its first base alone
        slots[0].0[base_field(BYTE2FIELDS[seq[q0 >> 1] as usize][1], qual[0], min_bq)] += 1;
        first = 1;
    }
    let (slots, qual, q) = (&mut slots[first..], &qual[first..], q0 + first);
    let pairs = slots.len() / 2;
    let bytes = &seq[q >> 1..(q >> 1) + pairs];
    let (body, tail) = slots.split_at_mut(2 * pairs);
    for ((s, bq), &b) in body
        .chunks_exact_mut(2)
        .zip(qual.chunks_exact(2))
        .zip(bytes)
    {
        let [hi, lo] = BYTE2FIELDS[b as usize];
        s[0].0[base_field(hi, bq[0], min_bq)] += 1;
        s[1].0[base_field(lo, bq[1], min_bq)] += 1;
    }
    if let Some(s) = tail.first_mut() {
        let b = seq[(q >> 1) + pairs];
        s.0[base_field(BYTE2FIELDS[b as usize][0], qual[2 * pairs], min_bq)] += 1;
    }
}

/// The reference over a shard's core as the counter reads it. Empty without a reference: every
/// base is then counted one by one.
///
/// METHOD (counting, not statistics): a passing base that equals an A/C/G/T reference base with
/// quality >= the threshold is not added where it lies; each aligned block adds one to a
/// difference array instead, and the bases of the block that do not qualify take one back at
/// their position. The reference field of a tally is then the prefix sum there. Most bases
/// equal the reference, so the hot loop compares 16 of them at a time (packed bytes against the
/// reference packed the same way, the 16 qualities against the threshold) and writes nothing.
/// The tallies are identical to counting base by base (tested).
#[derive(Debug, Default)]
pub struct RefCodes {
    /// Position of `field[0]`.
    lo: i64,
    /// Per position: the tally field of the reference base (A, C, G, T: 0-3), else `NO_REF`.
    field: Vec<u8>,
    /// The bases packed like BAM sequences (two nibbles per byte) in both phases: in `[0]` byte
    /// `j` holds positions `2j, 2j+1` (from `lo`), in `[1]` positions `2j+1, 2j+2`.
    packed: [Vec<u8>; 2],
    /// Per position `i`: how many positions before `i` are not A/C/G/T.
    unclean: Vec<u32>,
}

/// [`RefCodes::field`] of a base that is not A/C/G/T.
const NO_REF: u8 = 255;

impl RefCodes {
    /// The reference of positions `lo..lo + seq.len()` (uppercase bases; empty: none).
    pub fn new(lo: i64, seq: &[u8]) -> RefCodes {
        let field: Vec<u8> = seq
            .iter()
            .map(|&b| match crate::types::tally::ACGT_FIELD[b as usize] {
                f @ 0..=3 => f,
                _ => NO_REF,
            })
            .collect();
        let mut unclean = Vec::with_capacity(seq.len() + 1);
        let mut n = 0u32;
        for &f in &field {
            unclean.push(n);
            n += u32::from(f == NO_REF);
        }
        unclean.push(n);
        let code = |i: usize| {
            seq.get(i)
                .map_or(15, |&b| crate::types::aln::ascii_to_nibble(b))
        };
        let half = seq.len() / 2 + 2;
        let packed = [
            (0..half)
                .map(|j| code(2 * j) << 4 | code(2 * j + 1))
                .collect(),
            (0..half)
                .map(|j| code(2 * j + 1) << 4 | code(2 * j + 2))
                .collect(),
        ];
        RefCodes {
            lo,
            field,
            packed,
            unclean,
        }
    }

    fn is_empty(&self) -> bool {
        self.field.is_empty()
    }
}

/// The implicit-reference state of a count: the difference array (indexed from `base`, the
/// position of the tallies' first element) and the reference.
struct Implicit<'a> {
    diff: &'a mut [i32],
    refs: &'a RefCodes,
}

/// Counts the bases of an aligned block of positions `from..from + slots.len()` against the
/// reference (see [`RefCodes`]): qualifying reference bases go to the difference array `diff`
/// (indexed like `slots`, one longer), every other base to its tally.
#[inline]
#[allow(clippy::too_many_arguments)]
fn count_bases_vs_ref(
    slots: &mut [Tally],
    diff: &mut [i32],
    refs: &RefCodes,
    from: i64,
    seq: &[u8],
    qual: &[u8],
    q0: usize,
    min_bq: u8,
) {
    let n = slots.len();
    let r0 = (from - refs.lo) as usize;
    diff[0] += 1;
    diff[n] -= 1;
    // one base: implicit when it is the reference base with enough quality
    let mut one = |i: usize| {
        let (qi, ri) = (q0 + i, r0 + i);
        let b = seq[qi >> 1];
        let nib = if qi & 1 == 0 { b >> 4 } else { b & 0xf };
        let f = base_field(NIB2FIELD[nib as usize], qual[i], min_bq);
        if f != refs.field[ri] as usize {
            slots[i].0[f] += 1;
            diff[i] -= 1;
            diff[i + 1] += 1;
        }
    };
    let mut i = 0usize;
    while i < n {
        let (qi, ri) = (q0 + i, r0 + i);
        let clean = |w: usize| i + w <= n && refs.unclean[ri + w] == refs.unclean[ri];
        // 16 bases (then 8, for the end of a block) against an all-A/C/G/T reference: only
        // those that differ from it or lack quality are looked at one by one
        let (packed, q) = (&refs.packed[ri & 1], &qual[i..]);
        let chunk = if qi & 1 == 1 {
            None
        } else if clean(16) {
            Some(pending::<8>(seq, packed, qi, ri, q, min_bq))
        } else if clean(8) {
            Some(pending::<4>(seq, packed, qi, ri, q, min_bq))
        } else {
            None
        };
        let Some((mut todo, width)) = chunk else {
            one(i);
            i += 1;
            continue;
        };
        while todo != 0 {
            let k = todo.trailing_zeros() as usize;
            todo &= todo - 1;
            one(i + k);
        }
        i += width;
    }
}

/// The `2 * B` bases of a read from query base `qi` (even) against the packed reference from
/// position `ri`: a bit per base that differs from the reference or lacks quality (`qual`
/// starts at the first of them), and how many bases that is.
#[inline(always)]
fn pending<const B: usize>(
    seq: &[u8],
    packed: &[u8],
    qi: usize,
    ri: usize,
    qual: &[u8],
    min_bq: u8,
) -> (u32, usize) {
    let word = |b: &[u8], at: usize| -> u64 {
        let mut w = [0u8; 8];
        w[..B].copy_from_slice(&b[at..at + B]);
        u64::from_le_bytes(w)
    };
    let x = word(seq, qi >> 1) ^ word(packed, ri >> 1);
    let mut todo = 0u32;
    for (k, &bq) in qual[..2 * B].iter().enumerate() {
        todo |= u32::from(bq < min_bq) << k;
    }
    if x != 0 {
        // a differing nibble t (from the low end) is base 2(t/2) + 1 when t is even (the low
        // nibble of its byte), 2(t/2) when odd
        let mut m = x | (x >> 1);
        m |= m >> 2;
        m &= 0x1111_1111_1111_1111;
        while m != 0 {
            let t = m.trailing_zeros() / 4;
            m &= m - 1;
            todo |= 1 << ((t & !1) + 1 - (t & 1));
        }
    }
    (todo, 2 * B)
}

/// Adds one read to `t`, whose first element is position `lo`; positions `>= hi` are ignored.
#[inline]
pub fn count_read(t: &mut [Tally], lo: i64, hi: i64, a: &Aln<'_>, pass: bool, min_bq: u8) {
    count_core(t, None, lo, lo, hi, a, pass, min_bq);
}

/// [`count_read`] over the positions `lo..hi` of tallies whose first element is position
/// `base`; with `implicit`, qualifying reference bases go to its difference array.
#[allow(clippy::too_many_arguments)]
#[inline]
fn count_core(
    t: &mut [Tally],
    mut implicit: Option<Implicit<'_>>,
    base: i64,
    lo: i64,
    hi: i64,
    a: &Aln<'_>,
    pass: bool,
    min_bq: u8,
) {
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
                    let slots = &mut t[(from - base) as usize..(to - base) as usize];
                    if !pass {
                        for s in slots {
                            s.0[Field::Fail as usize] += 1;
                        }
                    } else {
                        let q0 = q + (from - r) as usize;
                        let n = slots.len();
                        let in_ref = implicit.as_ref().is_some_and(|x| {
                            from >= x.refs.lo && (to - x.refs.lo) as usize <= x.refs.field.len()
                        });
                        if full_seq && q0 + n <= a.seq_len && in_ref {
                            let x = implicit.as_mut().expect("in_ref");
                            let d = (from - base) as usize;
                            count_bases_vs_ref(
                                slots,
                                &mut x.diff[d..d + n + 1],
                                x.refs,
                                from,
                                a.seq,
                                &a.qual[q0..q0 + n],
                                q0,
                                min_bq,
                            );
                        } else if full_seq && q0 + n <= a.seq_len {
                            count_bases(slots, a.seq, &a.qual[q0..q0 + n], q0, min_bq);
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
                            t[(last - base) as usize].0[Field::Ins as usize] += 1;
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
                    for s in &mut t[(from - base) as usize..(to - base) as usize] {
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

/// A held copy of `a`, in a spare copy's buffers when there is one.
fn hold(spare: &mut Vec<Held>, a: &Aln<'_>) -> Held {
    let mut h = spare.pop().unwrap_or_default();
    h.refill(a);
    h
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
    /// Held copies and member lists of resolved groups, reused (a tenth of the reads of a
    /// typical library is held: one allocation per buffer each would show in the profile).
    spare: Vec<Held>,
    spare_members: Vec<Vec<Held>>,
    /// Implicit reference bases as a difference array over `lo..hi` (see [`RefCodes`]).
    diff: Vec<i32>,
    /// The reference of the span (empty: every base counted where it lies).
    refs: std::sync::Arc<RefCodes>,
}

impl SampleCounter {
    /// Clears the tallies for a new core span `lo..hi`. The tallies are zero-filled lazily, by
    /// the first read (a shard without reads costs nothing; see [`SampleCounter::fill`]).
    pub fn reset(&mut self, lo: i64, hi: i64) {
        self.lo = lo;
        self.hi = hi;
        self.tallies.clear();
        self.diff.clear();
        self.groups.clear();
        self.order.clear();
    }

    /// The reference of the span set by the last [`SampleCounter::reset`] (from its `lo`;
    /// shared by the samples of a shard). Without one, every base is counted where it lies.
    pub fn set_reference(&mut self, refs: std::sync::Arc<RefCodes>) {
        self.refs = refs;
    }

    /// Counts one read over positions `lo..hi` of the span.
    #[inline]
    fn count(&mut self, a: &Aln<'_>, pass: bool, min_bq: u8, lo: i64, hi: i64) {
        let implicit = (!self.refs.is_empty()).then(|| Implicit {
            diff: &mut self.diff,
            refs: &self.refs,
        });
        count_core(
            &mut self.tallies,
            implicit,
            self.lo,
            lo,
            hi,
            a,
            pass,
            min_bq,
        );
    }

    /// Adds the implicit reference bases to the tallies (once, after the last read).
    fn settle_implicit(&mut self) {
        if self.refs.is_empty() || self.tallies.is_empty() {
            return;
        }
        let off = (self.lo - self.refs.lo) as usize;
        let mut acc = 0i32;
        for (k, t) in self.tallies.iter_mut().enumerate() {
            acc += self.diff[k];
            let f = self.refs.field.get(off + k).copied().unwrap_or(NO_REF);
            if acc > 0 && f != NO_REF {
                t.0[f as usize & 7] += acc as u32;
            }
        }
        self.diff.iter_mut().for_each(|d| *d = 0);
    }

    /// True when no read has touched the span since [`SampleCounter::reset`].
    pub(crate) fn is_untouched(&self) -> bool {
        self.tallies.is_empty()
    }

    /// Zero-fills the tallies of an untouched span.
    #[inline]
    pub fn fill(&mut self) {
        let n = (self.hi - self.lo) as usize;
        if self.tallies.len() != n {
            self.tallies.clear();
            self.tallies.resize(n, Tally::default());
            self.diff.clear();
            self.diff.resize(n + 1, 0);
        }
    }

    /// Adds one (placed, mapped) read.
    #[inline]
    pub fn add(&mut self, a: &Aln<'_>, s: &PileupSettings) {
        self.fill();
        if s.mate_overlap == MateOverlap::Count {
            let pass = s.filter.pass(a);
            self.count(a, pass, s.min_base_quality, self.lo, self.hi);
            return;
        }
        self.flush_before(a.start, s);
        let end = a.end();
        let joins = a.mate_tid == a.tid && a.mate_start >= 0 && a.mate_start <= end;
        if joins {
            if let Some(g) = self.groups.get_mut(a.name) {
                if g.max_end > a.start {
                    g.max_end = g.max_end.max(end);
                    let h = hold(&mut self.spare, a);
                    g.members.push(h);
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
                        members: {
                            let mut m = self.spare_members.pop().unwrap_or_default();
                            m.push(hold(&mut self.spare, a));
                            m
                        },
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
        self.count(a, pass, s.min_base_quality, self.lo, self.hi);
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
        self.settle_implicit();
    }

    /// Resolves a group, then keeps its buffers for the next ones.
    fn resolve(&mut self, mut g: Group, s: &PileupSettings) {
        self.resolve_members(&g, s);
        self.spare.append(&mut g.members);
        self.spare_members.push(g.members);
    }

    fn resolve_members(&mut self, g: &Group, s: &PileupSettings) {
        let min_bq = s.min_base_quality;
        if g.members.len() == 1 {
            let a = g.members[0].view();
            let pass = s.filter.pass(&a);
            self.count(&a, pass, min_bq, self.lo, self.hi);
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
                    self.count(m, pass, min_bq, self.lo, ov_lo);
                }
                if ov_hi < self.hi {
                    self.count(m, pass, min_bq, ov_hi, self.hi);
                }
            }
            if s.mate_strategy == MateStrategy::MapqFirst && ov_lo < ov_hi {
                // both mates have an observation at every position of the overlap and the rule
                // does not look at the base: one mate wins the whole overlap, counted as alone
                let [pa, pb] = [s.filter.pass(a), s.filter.pass(b)];
                let none = Ev {
                    kind: EV_DEL,
                    qual: 0,
                    ins: false,
                };
                let (w, pw) = if choose_a(a, b, none, none, pa, pb, s.mate_strategy) {
                    (a, pa)
                } else {
                    (b, pb)
                };
                self.count(w, pw, min_bq, ov_lo, ov_hi);
                return;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Base by base, as the block loop was first written: the oracle of [`count_bases`].
    fn count_bases_one_by_one(slots: &mut [Tally], seq: &[u8], qual: &[u8], q0: usize, min_bq: u8) {
        for (i, (s, &bq)) in slots.iter_mut().zip(qual).enumerate() {
            let qi = q0 + i;
            let b = seq[qi >> 1];
            let nib = if qi & 1 == 0 { b >> 4 } else { b & 0xf };
            let f = if bq < min_bq {
                Field::N as usize
            } else {
                NIB2FIELD[nib as usize] as usize
            };
            s.0[f] += 1;
        }
    }

    #[test]
    fn counting_two_bases_per_byte_equals_counting_base_by_base() {
        let mut rnd = crate::types::xorshift(11);
        let len: usize = 151;
        let seq: Vec<u8> = (0..len.div_ceil(2)).map(|_| rnd() as u8).collect();
        let qual: Vec<u8> = (0..len).map(|_| (rnd() % 42) as u8).collect();
        for q0 in 0..6 {
            for n in 0..=(len - q0) {
                for min_bq in [0, 13, 30] {
                    let mut fast = vec![Tally::default(); n];
                    let mut slow = vec![Tally::default(); n];
                    count_bases(&mut fast, &seq, &qual[q0..q0 + n], q0, min_bq);
                    count_bases_one_by_one(&mut slow, &seq, &qual[q0..q0 + n], q0, min_bq);
                    assert_eq!(fast, slow, "q0 {q0} n {n} min_bq {min_bq}");
                }
            }
        }
    }

    /// Random reads over a random reference: mismatches, low qualities, N in reads and in the
    /// reference, indels, soft clips, odd and even starts, overlapping mates, failing reads.
    #[test]
    fn counting_reference_bases_implicitly_equals_counting_every_base() {
        use crate::engine::filter::ReadFilter;
        use crate::types::aln::pack_ascii_seq;
        let mut rnd = crate::types::xorshift(5);
        let span = 3_000i64;
        let reference: Vec<u8> = (0..span)
            .map(|i| {
                if i % 997 < 3 {
                    b'N'
                } else {
                    b"ACGT"[(rnd() % 4) as usize]
                }
            })
            .collect();
        struct R {
            start: i64,
            flags: u16,
            mapq: u8,
            mate: i64,
            name: Vec<u8>,
            cigar: Vec<u32>,
            seq: Vec<u8>,
            len: usize,
            qual: Vec<u8>,
        }
        let mut reads: Vec<R> = Vec::new();
        for k in 0..1_500 {
            let start = (rnd() % (span as u64 - 200)) as i64;
            let shape: Vec<(u32, u32)> = match rnd() % 4 {
                0 => vec![(0, 150)],
                1 => vec![(4, 5), (0, 60), (1, 2), (0, 40), (2, 3), (0, 45)],
                2 => vec![(0, 33), (2, 1), (0, 117)],
                _ => vec![(0, 1 + (rnd() % 149) as u32)],
            };
            let mut ascii = Vec::new();
            let mut pos = start;
            for &(o, l) in &shape {
                for _ in 0..l {
                    match o {
                        0 => {
                            let r = reference[pos as usize];
                            ascii.push(match rnd() % 50 {
                                0 => b"ACGT"[(rnd() % 4) as usize],
                                1 => b'N',
                                _ => r,
                            });
                            pos += 1;
                        }
                        1 | 4 => ascii.push(b"ACGT"[(rnd() % 4) as usize]),
                        _ => pos += 1,
                    }
                }
            }
            let mut seq = Vec::new();
            pack_ascii_seq(&ascii, &mut seq);
            let qual = (0..ascii.len()).map(|_| (rnd() % 41) as u8).collect();
            let paired = rnd() % 2 == 0;
            reads.push(R {
                start,
                flags: if paired {
                    flag::PAIRED | flag::READ1
                } else {
                    0
                } | if rnd() % 40 == 0 { flag::DUP } else { 0 },
                mapq: (rnd() % 61) as u8,
                mate: if paired {
                    start + (rnd() % 120) as i64
                } else {
                    -1
                },
                name: format!("t{}", k / 2).into_bytes(),
                cigar: shape.iter().map(|&(o, l)| l << 4 | o).collect(),
                seq,
                len: ascii.len(),
                qual,
            });
        }
        reads.sort_by_key(|r| r.start);
        fn view(r: &R) -> Aln<'_> {
            Aln {
                tid: 0,
                start: r.start,
                flags: r.flags,
                mapq: r.mapq,
                mate_tid: 0,
                mate_start: r.mate,
                tlen: 0,
                name: &r.name,
                cigar: &r.cigar,
                seq: &r.seq,
                seq_len: r.len,
                qual: &r.qual,
                aux: &[],
            }
        }
        for overlap in [MateOverlap::Count, MateOverlap::Dedup] {
            for strategy in [MateStrategy::MapqFirst, MateStrategy::BaseQualFirst] {
                for min_bq in [0, 20] {
                    let s = PileupSettings {
                        filter: ReadFilter::default(),
                        min_base_quality: min_bq,
                        mate_overlap: overlap,
                        mate_strategy: strategy,
                    };
                    // a shard that starts inside the reads, as shards do
                    let (lo, hi) = (101i64, span - 50);
                    let mut with_ref = SampleCounter::default();
                    with_ref.reset(lo, hi);
                    with_ref.set_reference(std::sync::Arc::new(RefCodes::new(
                        lo,
                        &reference[lo as usize..hi as usize],
                    )));
                    let mut plain = SampleCounter::default();
                    plain.reset(lo, hi);
                    for r in reads.iter().filter(|r| r.start < hi) {
                        with_ref.add(&view(r), &s);
                        plain.add(&view(r), &s);
                    }
                    with_ref.finish(&s);
                    plain.finish(&s);
                    assert_eq!(
                        with_ref.tallies, plain.tallies,
                        "{overlap:?} {strategy:?} min_bq {min_bq}"
                    );
                }
            }
        }
    }
}
