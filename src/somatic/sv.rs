//! Structural variants from the one pass: split reads and discordant pairs, clustered into
//! junctions after the gather.
//!
//! Evidence (an observer's `read` hook, so each record is seen once, in the shard owning its
//! start; primary records only, not duplicate or QC-failed, MAPQ >= `min_mapq`):
//! - **split reads**: a record with >= `min_clip` clipped bases and an `SA` tag. Its
//!   alignments (itself and the `SA` parts with MAPQ >= `min_mapq`) are ordered along the
//!   read as sequenced; the junctions next to the primary part become evidence with exact
//!   breakend positions. A record soft-clipped by >= `min_clip` good bases (mean quality >= 20)
//!   without `SA` (its clipped part too short to place) is kept as a clip at the breakend;
//! - **discordant pairs**: a pair the aligner did not mark proper, on two contigs, or on one
//!   contig facing the wrong way or further apart than [`DISCORDANT_SPAN`]. The mate that
//!   starts first (READ1 on ties) gives the evidence: its own breakend (after its end when
//!   forward, before its start when reverse) and its mate's, each within a fragment length of
//!   the junction; a mate with `MQ` below `min_mapq` disqualifies the pair.
//!
//! METHOD (clustering, after the gather): split evidence with the same contigs and
//! orientations and both positions within [`SPLIT_WINDOW`] bases is one junction, placed at
//! the position pair most tumor fragments show; discordant pairs whose two reads lie on the
//! junction's kept sides within the largest fragment length support it; remaining discordant
//! pairs are clustered by single linkage (both breakends within a fragment length) into
//! imprecise junctions. A fragment counts once per junction however many of its reads show
//! it. Somatic = no support in the matched normal (the same rules applied to its reads).
//! This follows the evidence model of Manta (Chen et al. 2016, Bioinformatics 32:1220) and
//! DELLY (Rausch et al. 2012, Bioinformatics 28:i333) without their local assembly.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use crate::engine::{Column, ColumnObserver, RefSlice};
use crate::types::aln::{flag, op};
use crate::types::fxhash::Fx;
use crate::types::sv::{Orientation, SvSupport, SvType};
use crate::types::{Aln, ContigId, Pos0, Pos1, Shard};

use super::sv_refine::{normalise, pack, place, Bnd, ClipSeq, RefBases, CLIP_KEEP};

/// Split positions within this many bases are one junction (microhomology shifts them).
pub const SPLIT_WINDOW: u64 = 5;
/// A same-contig pair facing each other is discordant only when further apart than this.
pub const DISCORDANT_SPAN: i64 = 1000;
/// Largest gap or overlap (read bases) between two parts of a split read at a junction.
pub(crate) const MAX_SPLIT_GAP: i64 = 20;

/// A breakend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct End {
    /// Contig (index in the alignment header).
    pub contig: ContigId,
    /// Position of the breakend base.
    pub pos: Pos0,
    /// Orientation.
    pub ori: Orientation,
}

/// Evidence of one read (or pair) for one junction, breakends in canonical order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// First breakend (lower contig/position).
    pub a: End,
    /// Second breakend.
    pub b: End,
    /// Sample index (0 tumor, 1 normal).
    pub sample: u8,
    /// Fragment (hash of the read name).
    pub frag: u64,
}

fn canonical(a: End, b: End) -> (End, End) {
    if (a.contig, a.pos, a.ori) <= (b.contig, b.pos, b.ori) {
        (a, b)
    } else {
        (b, a)
    }
}

/// The observer.
pub struct SvObserver<'a> {
    /// False: the observer does nothing (`run --skip-structural`).
    pub enabled: bool,
    /// Mapping quality of every alignment used.
    pub min_mapq: u8,
    /// Clipped bases that make a record worth an `SA` lookup.
    pub min_clip: u32,
    /// Contig ids by name (for `SA` entries).
    pub contig_ids: &'a HashMap<Vec<u8>, ContigId>,
    /// Per contig: whether breakends there are used (primary chromosomes); empty = all.
    pub contigs: &'a [bool],
}

/// A read soft-clipped at a possible breakend without an `SA` tag (its clipped part is too
/// short for the aligner to place); compact, since such reads are common.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Clip {
    /// Contig (index in the alignment header).
    pub contig: ContigId,
    /// 0-based position of the last (`+`) or first (`-`) aligned base next to the clip, kept in
    /// 32 bits (a clip is one of millions held until the gather; contigs are < 4 Gb): read it
    /// typed with [`Clip::pos0`].
    pub pos: u32,
    /// Orientation of the kept (aligned) side.
    pub ori: Orientation,
    /// Sample.
    pub sample: u8,
    /// Fragment (low 32 bits of the name hash).
    pub frag: u32,
    /// Up to [`CLIP_KEEP`] clipped bases next to the breakend, 2 bits each, in reference
    /// order (`+`: from the breakend on; `-`: ending at it), for the local realignment.
    pub seq: u128,
    /// Bases in `seq`.
    pub len: u8,
}

impl Clip {
    /// The position, typed.
    #[inline]
    pub fn pos0(&self) -> Pos0 {
        Pos0::new(self.pos as u64)
    }

    /// The clipped bases kept.
    pub fn bases(&self) -> Vec<u8> {
        crate::somatic::sv_refine::unpack(self.seq, self.len)
    }
}

/// A shard's evidence.
#[derive(Debug, Default)]
pub struct SvPartial {
    /// Split-read evidence.
    pub splits: Vec<Evidence>,
    /// Discordant-pair evidence.
    pub pairs: Vec<Evidence>,
    /// Soft clips without `SA`.
    pub clips: Vec<Clip>,
}

/// One alignment of a read: strand, reference span, and query span in sequencing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Part {
    contig: ContigId,
    start: Pos0,
    end: Pos0,
    reverse: bool,
    q0: i64,
    q1: i64,
}

/// (leading clip, aligned query bases, trailing clip, reference bases) of a CIGAR.
fn cigar_shape(ops: impl Iterator<Item = (u32, u32)>) -> (u32, u32, u32, u64) {
    let (mut lead, mut aligned, mut trail, mut rlen) = (0u32, 0u32, 0u32, 0u64);
    let mut seen_aligned = false;
    for (len, o) in ops {
        match o {
            op::SOFT | op::HARD => {
                if seen_aligned {
                    trail += len;
                } else {
                    lead += len;
                }
            }
            _ => {
                if op::consumes_read(o) {
                    aligned += len;
                    seen_aligned = true;
                }
                if op::consumes_ref(o) {
                    rlen += len as u64;
                    seen_aligned = true;
                }
            }
        }
    }
    (lead, aligned, trail, rlen)
}

fn part(contig: ContigId, start: Pos0, reverse: bool, shape: (u32, u32, u32, u64)) -> Part {
    let (lead, aligned, trail, rlen) = shape;
    let q0 = if reverse { trail } else { lead } as i64;
    Part {
        contig,
        start,
        end: start + rlen,
        reverse,
        q0,
        q1: q0 + aligned as i64,
    }
}

/// Parses a SAM CIGAR string into (len, op) pairs.
fn parse_cigar(s: &[u8]) -> Option<Vec<(u32, u32)>> {
    let mut out = Vec::new();
    let mut n: u32 = 0;
    let mut any = false;
    for &c in s {
        if c.is_ascii_digit() {
            n = n.checked_mul(10)?.checked_add((c - b'0') as u32)?;
            any = true;
        } else {
            let o = match c {
                b'M' => op::MATCH,
                b'I' => op::INS,
                b'D' => op::DEL,
                b'N' => op::SKIP,
                b'S' => op::SOFT,
                b'H' => op::HARD,
                b'P' => op::PAD,
                b'=' => op::EQ,
                b'X' => op::DIFF,
                _ => return None,
            };
            if !any {
                return None;
            }
            out.push((n, o));
            n = 0;
            any = false;
        }
    }
    (!any).then_some(out)
}

impl SvObserver<'_> {
    fn used(&self, contig: ContigId) -> bool {
        self.contigs.is_empty() || self.contigs.get(contig.index()).copied().unwrap_or(false)
    }

    fn frag(a: &Aln<'_>) -> u64 {
        let mut h = Fx::default();
        a.name.hash(&mut h);
        h.finish()
    }

    /// The alignments of a split read from its `SA` tag (those passing MAPQ).
    fn sa_parts(&self, sa: &[u8]) -> Vec<Part> {
        let mut out = Vec::new();
        for entry in sa.split(|&b| b == b';').filter(|e| !e.is_empty()) {
            let f: Vec<&[u8]> = entry.split(|&b| b == b',').collect();
            if f.len() < 6 {
                continue;
            }
            let Some(&contig) = self.contig_ids.get(f[0]) else {
                continue;
            };
            let num = |x: &[u8]| std::str::from_utf8(x).ok()?.parse::<u64>().ok();
            // SA positions are 1-based, as SAM POS
            let (Some(pos), Some(mapq)) = (num(f[1]).and_then(Pos1::new), num(f[4])) else {
                continue;
            };
            if mapq < self.min_mapq as u64 {
                continue;
            }
            let reverse = match f[2] {
                b"+" => false,
                b"-" => true,
                _ => continue,
            };
            let Some(ops) = parse_cigar(f[3]) else {
                continue;
            };
            out.push(part(
                contig,
                pos.to_pos0(),
                reverse,
                cigar_shape(ops.into_iter()),
            ));
        }
        out
    }

    /// Soft clips of >= `min_clip` bases whose mean base quality is >= 20, as breakend evidence.
    fn clips(&self, p: &mut SvPartial, sample: usize, a: &Aln<'_>, lead: u32, trail: u32) {
        let mean_q = |r: std::ops::Range<usize>| -> f64 {
            let n = r.len().max(1) as f64;
            r.map(|i| a.qual_at(i).min(60) as f64).sum::<f64>() / n
        };
        let frag = Self::frag(a) as u32;
        let base = |i: usize| -> u8 {
            match a.nibble(i) {
                1 => b'A',
                2 => b'C',
                4 => b'G',
                8 => b'T',
                _ => b'N',
            }
        };
        let mut push = |pos: i64, ori: Orientation, bases: std::ops::Range<usize>| {
            if let Ok(pos) = u32::try_from(pos) {
                let (seq, len) = pack(bases.map(base));
                p.clips.push(Clip {
                    contig: ContigId::new(a.tid as usize),
                    pos,
                    ori,
                    sample: sample as u8,
                    frag,
                    seq,
                    len,
                });
            }
        };
        let lead = lead as usize;
        if lead >= self.min_clip as usize && mean_q(0..lead) >= 20.0 {
            push(
                a.start,
                Orientation::Minus,
                lead.saturating_sub(CLIP_KEEP)..lead,
            );
        }
        let (len, trail) = (a.seq_len, trail as usize);
        if trail >= self.min_clip as usize && len >= trail && mean_q(len - trail..len) >= 20.0 {
            let from = len - trail;
            push(
                a.end() - 1,
                Orientation::Plus,
                from..(from + CLIP_KEEP).min(len),
            );
        }
    }

    fn splits(&self, p: &mut SvPartial, sample: usize, a: &Aln<'_>) {
        let parts = a.aux_str(*b"SA").map(|sa| self.sa_parts(sa));
        // no SA, or no SA part placed with MAPQ >= min_mapq: the clip is kept for realignment
        let Some(mut parts) = parts.filter(|v| !v.is_empty()) else {
            let (lead, trail) = a.soft_clips();
            if self.used(ContigId::new(a.tid as usize)) {
                self.clips(p, sample, a, lead, trail);
            }
            return;
        };
        let me = part(
            ContigId::new(a.tid as usize),
            Pos0::new(a.start as u64),
            a.flags & flag::REVERSE != 0,
            cigar_shape(a.cigar.iter().map(|&w| (w >> 4, w & 0xf))),
        );
        parts.push(me);
        parts.sort_by_key(|x| (x.q0, x.q1, x.contig, x.start));
        let Some(i) = parts.iter().position(|x| *x == me) else {
            return;
        };
        let frag = Self::frag(a);
        let mut junction = |x: &Part, y: &Part| {
            if (y.q0 - x.q1).abs() > MAX_SPLIT_GAP || !self.used(x.contig) || !self.used(y.contig) {
                return;
            }
            // read bases aligned by both parts are breakpoint homology: the later part gives
            // them up (the homology rule after the gather places the junction)
            let overlap = (x.q1 - y.q0).max(0) as u64;
            if overlap >= y.end - y.start {
                return;
            }
            let y = &Part {
                start: if y.reverse {
                    y.start
                } else {
                    y.start + overlap
                },
                end: if y.reverse { y.end - overlap } else { y.end },
                ..*y
            };
            let ex = if x.reverse {
                End {
                    contig: x.contig,
                    pos: x.start,
                    ori: Orientation::Minus,
                }
            } else {
                End {
                    contig: x.contig,
                    pos: x.end.saturating_sub(1),
                    ori: Orientation::Plus,
                }
            };
            let ey = if y.reverse {
                End {
                    contig: y.contig,
                    pos: y.end.saturating_sub(1),
                    ori: Orientation::Plus,
                }
            } else {
                End {
                    contig: y.contig,
                    pos: y.start,
                    ori: Orientation::Minus,
                }
            };
            let (a, b) = canonical(ex, ey);
            p.splits.push(Evidence {
                a,
                b,
                sample: sample as u8,
                frag,
            });
        };
        if i > 0 {
            junction(&parts[i - 1], &parts[i]);
        }
        if i + 1 < parts.len() {
            junction(&parts[i], &parts[i + 1]);
        }
    }

    fn discordant(&self, p: &mut SvPartial, sample: usize, a: &Aln<'_>) {
        let f = a.flags;
        if f & flag::PAIRED == 0
            || f & (flag::MATE_UNMAPPED | flag::PROPER_PAIR) != 0
            || a.mate_tid < 0
            || a.mate_start < 0
        {
            return;
        }
        let first = (a.tid, a.start) < (a.mate_tid, a.mate_start)
            || ((a.tid, a.start) == (a.mate_tid, a.mate_start) && f & flag::READ1 != 0);
        if !first
            || !self.used(ContigId::new(a.tid as usize))
            || !self.used(ContigId::new(a.mate_tid as usize))
        {
            return;
        }
        // the mate's mapping quality, when the aligner wrote it (MQ): pairs with a mate in a
        // repeat are the commonest discordant noise
        if a.aux_int(*b"MQ")
            .is_some_and(|mq| mq < self.min_mapq as i64)
        {
            return;
        }
        let rev = f & flag::REVERSE != 0;
        let mate_rev = f & flag::MATE_REVERSE != 0;
        if a.tid == a.mate_tid {
            // `a` is the left read: facing each other = forward then reverse
            let facing = !rev && mate_rev;
            let span = a.mate_start + a.seq_len as i64 - a.start;
            if facing && span <= DISCORDANT_SPAN {
                return;
            }
        }
        let own = if rev {
            End {
                contig: ContigId::new(a.tid as usize),
                pos: Pos0::new(a.start as u64),
                ori: Orientation::Minus,
            }
        } else {
            End {
                contig: ContigId::new(a.tid as usize),
                pos: Pos0::new((a.end() - 1).max(0) as u64),
                ori: Orientation::Plus,
            }
        };
        let mate = if mate_rev {
            End {
                contig: ContigId::new(a.mate_tid as usize),
                pos: Pos0::new(a.mate_start as u64),
                ori: Orientation::Minus,
            }
        } else {
            End {
                contig: ContigId::new(a.mate_tid as usize),
                pos: Pos0::new((a.mate_start + a.seq_len.max(1) as i64 - 1) as u64),
                ori: Orientation::Plus,
            }
        };
        let (x, y) = canonical(own, mate);
        p.pairs.push(Evidence {
            a: x,
            b: y,
            sample: sample as u8,
            frag: Self::frag(a),
        });
    }
}

impl ColumnObserver for SvObserver<'_> {
    type Partial = SvPartial;

    fn begin(&self, _shard: &Shard, _reference: &RefSlice<'_>) -> SvPartial {
        SvPartial::default()
    }

    fn read(&self, p: &mut SvPartial, sample: usize, a: &Aln<'_>, _pass: bool) {
        if !self.enabled {
            return;
        }
        if a.flags
            & (flag::UNMAPPED | flag::SECONDARY | flag::SUPPLEMENTARY | flag::DUP | flag::QCFAIL)
            != 0
            || a.mapq < self.min_mapq
            || a.mapq == 255
            || a.start < 0
        {
            return;
        }
        let (lead, trail) = a.soft_clips();
        if lead.max(trail) >= self.min_clip
            || a.cigar.first().is_some_and(|&w| w & 0xf == op::HARD)
            || a.cigar.last().is_some_and(|&w| w & 0xf == op::HARD)
        {
            self.splits(p, sample, a);
        }
        self.discordant(p, sample, a);
    }

    fn column(&self, _p: &mut SvPartial, _col: &Column<'_>) {}

    fn handles_empty(&self, _p: &SvPartial) -> bool {
        true
    }
}

/// Settings of the clustering.
#[derive(Clone, Copy, Debug)]
pub struct SvSettings {
    /// Largest fragment a discordant pair may span (from the insert sizes).
    pub max_fragment: u64,
    /// Distinct tumor fragments a junction needs.
    pub min_support: u32,
    /// Tumor discordant pairs an imprecise (no split read) junction needs.
    pub min_pairs_imprecise: u32,
    /// Shortest same-contig event reported (smaller ones are the small-variant caller's).
    pub min_size: u64,
    /// Whether a matched normal was read (sample 1).
    pub has_normal: bool,
}

impl Default for SvSettings {
    fn default() -> Self {
        SvSettings {
            max_fragment: 1000,
            min_support: 4,
            min_pairs_imprecise: 6,
            min_size: 300,
            has_normal: true,
        }
    }
}

/// A clustered junction.
#[derive(Clone, Debug, PartialEq)]
pub struct Junction {
    /// First breakend.
    pub a: End,
    /// Second breakend.
    pub b: End,
    /// Exact (split reads).
    pub precise: bool,
    /// Uncertainty (bases) when imprecise.
    pub ci: u32,
    /// Breakpoint homology (precise): other placements of the same junction to the right of
    /// the one given (`HOMLEN`).
    pub homlen: u32,
    /// Tumor support.
    pub tumor: SvSupport,
    /// Normal support.
    pub normal: SvSupport,
}

impl Junction {
    /// The class of the junction.
    pub fn sv_type(&self) -> SvType {
        SvType::of(self.a.contig == self.b.contig, self.a.ori, self.b.ori)
    }
}

/// What the clustering returns.
#[derive(Debug, Default)]
pub struct SvCalls {
    /// Junctions that passed (somatic with a normal), genome order.
    pub junctions: Vec<Junction>,
    /// Junctions supported in the normal.
    pub germline: usize,
    /// Candidate junctions below the support thresholds.
    pub low_support: usize,
    /// Those candidates (tumor support, not vetoed by the normal), for the copy-number link.
    pub below: Vec<Junction>,
}

fn key(e: &Evidence) -> (ContigId, Orientation, ContigId, Orientation) {
    (e.a.contig, e.a.ori, e.b.contig, e.b.ori)
}

/// Whether a discordant pair fits a junction: each read on the kept side, within a fragment
/// (the junction may lie anywhere along its homology `h`).
fn pair_fits(j_a: &End, j_b: &End, e: &Evidence, max_frag: u64, h: u64) -> bool {
    let slack = SPLIT_WINDOW + h;
    let side = |j: &End, x: &End| -> bool {
        match j.ori {
            Orientation::Plus => x.pos <= j.pos + slack && x.pos + max_frag >= j.pos,
            Orientation::Minus => x.pos + slack >= j.pos && x.pos <= j.pos + max_frag + h,
        }
    };
    (e.a.contig, e.a.ori, e.b.contig, e.b.ori) == (j_a.contig, j_a.ori, j_b.contig, j_b.ori)
        && side(j_a, &e.a)
        && side(j_b, &e.b)
}

fn distinct(frags: impl Iterator<Item = u64>) -> u32 {
    let mut v: Vec<u64> = frags.collect();
    v.sort_unstable();
    v.dedup();
    v.len() as u32
}

/// Soft clips within 2 bases of a breakend, with its orientation, of `sample`: distinct
/// fragments not in `seen`.
fn clips_at(clips: &[Clip], e: &End, sample: u8, seen: &[u32]) -> Vec<u32> {
    let lo = e.pos.saturating_sub(2).get().min(u32::MAX as u64) as u32;
    let start = clips.partition_point(|c| (c.contig, c.pos) < (e.contig, lo));
    let mut out: Vec<u32> = clips[start..]
        .iter()
        .take_while(|c| c.contig == e.contig && c.pos0() <= e.pos + 2)
        .filter(|c| c.ori == e.ori && c.sample == sample && !seen.contains(&c.frag))
        .map(|c| c.frag)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Clusters all evidence into junctions and applies the support and somatic filters, in four
/// steps: split-read junctions; soft clips and discordant pairs that support them; the
/// remaining pairs as imprecise junctions; support, size and normal filters.
///
/// Soft-clipped reads (no `SA`) at a split junction's breakends count as split reads (the
/// tumor's any; the normal's from two on, as single clipped normal reads are common noise).
pub fn cluster(
    mut splits: Vec<Evidence>,
    mut pairs: Vec<Evidence>,
    clips: &mut [Clip],
    s: &SvSettings,
    reference: Option<&RefBases<'_>>,
) -> SvCalls {
    clips.sort_unstable();
    let clips: &[Clip] = clips;
    if let Some(r) = reference {
        normalise_splits(&mut splits, r);
    }
    let order = |x: &Evidence, y: &Evidence| {
        (key(x), x.a.pos, x.b.pos, x.sample, x.frag).cmp(&(
            key(y),
            y.a.pos,
            y.b.pos,
            y.sample,
            y.frag,
        ))
    };
    splits.sort_by(order);
    pairs.sort_by(order);
    let mut candidates = split_junctions(&splits);
    match reference {
        Some(r) => realign_support(&mut candidates, &splits, clips, r),
        None => add_clip_support(&mut candidates, &splits, clips),
    }
    let used = add_pair_support(&mut candidates, &pairs, s.max_fragment);
    let rest: Vec<Evidence> = pairs
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(e, _)| *e)
        .collect();
    let mut imprecise = imprecise_junctions(&rest, s.max_fragment);
    if let Some(r) = reference {
        for j in imprecise.iter_mut() {
            refine_imprecise(j, clips, r, s.max_fragment);
        }
    }
    candidates.extend(imprecise);
    filter_junctions(candidates, s)
}

fn bnd(e: &End) -> Bnd {
    (e.contig, e.pos, e.ori)
}

fn end_of(b: Bnd) -> End {
    End {
        contig: b.0,
        pos: b.1,
        ori: b.2,
    }
}

/// Step 0 (with the reference): each split read's junction at its leftmost placement along
/// the breakpoint homology, so reads that the aligner split at different placements agree.
fn normalise_splits(splits: &mut [Evidence], r: &RefBases<'_>) {
    for e in splits.iter_mut() {
        let (a, b, _) = normalise(r, bnd(&e.a), bnd(&e.b));
        (e.a, e.b) = (end_of(a), end_of(b));
    }
}

/// Where the kept side of breakend `e` may lie, given a junction placed at `e` with
/// homology `h` (precise) or beyond the reads within `ci` (imprecise).
fn clip_range(e: &End, h: u64, ci: u64, a_side: bool) -> (Pos0, Pos0) {
    if ci == 0 {
        let lo = e.pos.saturating_sub(if a_side { 2 } else { h + 2 });
        return (lo, e.pos + h + 2);
    }
    // the junction lies beyond the reads, but a mate the aligner placed in another copy of a
    // repeat can put the edge past it: both sides are searched
    (e.pos.saturating_sub(ci), e.pos + ci)
}

/// Junction placements of the realigned clips of `sample` near `a` (placed against `b`'s
/// range) and near `b` (placed against `a`'s), with the fragments that show each.
pub fn clip_votes(
    clips: &[Clip],
    r: &RefBases<'_>,
    sample: u8,
    a: (&End, (Pos0, Pos0)),
    b: (&End, (Pos0, Pos0)),
) -> HashMap<(Bnd, Bnd), Vec<u32>> {
    let mut votes: HashMap<(Bnd, Bnd), Vec<u32>> = HashMap::new();
    for (frag, pair) in clip_placements(clips, r, sample, a, b) {
        if let Some(pair) = pair {
            votes.entry(pair).or_default().push(frag);
        }
    }
    for f in votes.values_mut() {
        f.sort_unstable();
        f.dedup();
    }
    votes
}

/// Each clip of `sample` near `a` (placed against `b`'s range) and near `b` (against `a`'s):
/// its fragment and its unique placement, if any.
fn clip_placements(
    clips: &[Clip],
    r: &RefBases<'_>,
    sample: u8,
    a: (&End, (Pos0, Pos0)),
    b: (&End, (Pos0, Pos0)),
) -> Vec<(u32, Option<(Bnd, Bnd)>)> {
    let mut out = Vec::new();
    for (side, other) in [(a, b), (b, a)] {
        let (e, (lo, hi)) = side;
        let lo32 = lo.get().min(u32::MAX as u64) as u32;
        let start = clips.partition_point(|c| (c.contig, c.pos) < (e.contig, lo32));
        for c in clips[start..]
            .iter()
            .take_while(|c| c.contig == e.contig && c.pos0() <= hi)
            .filter(|c| c.ori == e.ori && c.sample == sample)
        {
            let seq = c.bases();
            let clip = ClipSeq {
                at: (c.contig, c.pos0(), c.ori),
                seq: &seq,
            };
            let (o, (olo, ohi)) = other;
            out.push((c.frag, place(r, &clip, o.contig, olo, ohi + 1, o.ori)));
        }
    }
    out
}

/// Step 2a (with the reference): soft clips near a split junction's breakends whose clipped
/// bases realign to the same junction (fragments not already counted).
fn realign_support(
    candidates: &mut [Junction],
    splits: &[Evidence],
    clips: &[Clip],
    r: &RefBases<'_>,
) {
    for jn in candidates.iter_mut() {
        let (_, _, h) = normalise(r, bnd(&jn.a), bnd(&jn.b));
        jn.homlen = h;
        let h = h as u64;
        let ra = clip_range(&jn.a, h, 0, true);
        let rb = clip_range(&jn.b, h, 0, false);
        for sample in [0u8, 1u8] {
            let seen: Vec<u32> = splits
                .iter()
                .filter(|e| e.sample == sample && key(e) == key_of(jn))
                .filter(|e| e.a.pos.abs_diff(jn.a.pos) <= SPLIT_WINDOW)
                .filter(|e| e.b.pos.abs_diff(jn.b.pos) <= SPLIT_WINDOW)
                .map(|e| e.frag as u32)
                .collect();
            // a clip at the breakend (along its homology) counts unless its clipped bases
            // place it uniquely at another junction; clips in repeats are often ambiguous
            let mut extra: Vec<u32> = clip_placements(clips, r, sample, (&jn.a, ra), (&jn.b, rb))
                .into_iter()
                .filter(|(_, p)| {
                    p.is_none_or(|p| {
                        p.0 .1.abs_diff(jn.a.pos) <= SPLIT_WINDOW
                            && p.1 .1.abs_diff(jn.b.pos) <= SPLIT_WINDOW
                    })
                })
                .map(|(f, _)| f)
                .filter(|f| !seen.contains(f))
                .collect();
            extra.sort_unstable();
            extra.dedup();
            let n = extra.len() as u32;
            if sample == 0 {
                jn.tumor.split_reads += n;
            } else if n >= 2 {
                jn.normal.split_reads += n;
            }
        }
    }
}

fn key_of(j: &Junction) -> (ContigId, Orientation, ContigId, Orientation) {
    (j.a.contig, j.a.ori, j.b.contig, j.b.ori)
}

/// Fewest fragments whose realigned clips agree on one placement for a junction without
/// split reads to be placed there (precise).
pub const MIN_REALIGNED: u32 = 2;

/// Step 3b (with the reference): an imprecise junction whose breakends' clips realign to one
/// placement (at least [`MIN_REALIGNED`] tumor fragments) becomes precise there.
fn refine_imprecise(j: &mut Junction, clips: &[Clip], r: &RefBases<'_>, mf: u64) {
    // a lone discordant pair is noise in a genome; its clips are not searched
    if j.tumor.discordant_pairs < MIN_REALIGNED {
        return;
    }
    let ra = clip_range(&j.a, 0, mf, true);
    let rb = clip_range(&j.b, 0, mf, false);
    let votes = clip_votes(clips, r, 0, (&j.a, ra), (&j.b, rb));
    let Some((pair, frags)) = best_vote(&votes) else {
        return;
    };
    if (frags.len() as u32) < MIN_REALIGNED {
        return;
    }
    let (_, _, h) = normalise(r, pair.0, pair.1);
    let normal = clip_votes(clips, r, 1, (&j.a, ra), (&j.b, rb));
    j.a = end_of(pair.0);
    j.b = end_of(pair.1);
    j.precise = true;
    j.ci = 0;
    j.homlen = h;
    j.tumor.split_reads = frags.len() as u32;
    j.normal.split_reads = normal.get(&pair).map_or(0, |f| f.len() as u32);
}

/// The placement most fragments show (ties: the smallest).
pub(crate) fn best_vote(votes: &HashMap<(Bnd, Bnd), Vec<u32>>) -> Option<((Bnd, Bnd), &Vec<u32>)> {
    votes
        .iter()
        .map(|(p, f)| (f.len(), std::cmp::Reverse(*p), f))
        .max_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)))
        .map(|(_, std::cmp::Reverse(p), f)| (p, f))
}

/// Groups of `v[i..j]` in which each element's coordinate is within `window` of the previous
/// one (single linkage on a sorted coordinate); `same` says whether two may share a group.
fn linked_runs<T>(
    v: &[T],
    window: u64,
    pos: impl Fn(&T) -> Pos0,
    same: impl Fn(&T, &T) -> bool,
) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i + 1;
        while j < v.len() && same(&v[j], &v[i]) && pos(&v[j]) <= pos(&v[j - 1]) + window {
            j += 1;
        }
        runs.push((i, j));
        i = j;
    }
    runs
}

/// Step 1: split-read junctions, single linkage on the first breakend within one key, then on
/// the second; each at the position pair most tumor fragments show (ties: the smallest).
fn split_junctions(splits: &[Evidence]) -> Vec<Junction> {
    let mut candidates = Vec::new();
    for (i, j) in linked_runs(splits, SPLIT_WINDOW, |e| e.a.pos, |x, y| key(x) == key(y)) {
        let mut group: Vec<Evidence> = splits[i..j].to_vec();
        group.sort_by_key(|e| (e.b.pos, e.a.pos, e.sample, e.frag));
        for (k, l) in linked_runs(&group, SPLIT_WINDOW, |e| e.b.pos, |_, _| true) {
            candidates.push(split_junction(&group[k..l]));
        }
    }
    candidates
}

fn split_junction(sub: &[Evidence]) -> Junction {
    let mut counts: HashMap<(Pos0, Pos0), Vec<u64>> = HashMap::new();
    for e in sub.iter().filter(|e| e.sample == 0) {
        counts.entry((e.a.pos, e.b.pos)).or_default().push(e.frag);
    }
    let best = counts
        .iter()
        .map(|(p, f)| (distinct(f.iter().copied()), std::cmp::Reverse(*p)))
        .max()
        .map(|(_, std::cmp::Reverse(p))| p);
    let Some((pa, pb)) = best else {
        // normal-only split evidence: a germline junction
        let n = distinct(sub.iter().map(|e| e.frag));
        return Junction {
            a: sub[0].a,
            b: sub[0].b,
            precise: true,
            ci: 0,
            homlen: 0,
            tumor: SvSupport::default(),
            normal: SvSupport {
                split_reads: n,
                discordant_pairs: 0,
            },
        };
    };
    let t = distinct(sub.iter().filter(|e| e.sample == 0).map(|e| e.frag));
    let n = distinct(sub.iter().filter(|e| e.sample == 1).map(|e| e.frag));
    Junction {
        a: End {
            pos: pa,
            ..sub[0].a
        },
        b: End {
            pos: pb,
            ..sub[0].b
        },
        precise: true,
        ci: 0,
        homlen: 0,
        tumor: SvSupport {
            split_reads: t,
            discordant_pairs: 0,
        },
        normal: SvSupport {
            split_reads: n,
            discordant_pairs: 0,
        },
    }
}

/// Step 2a: soft clips at the split junctions' breakends from fragments not already counted.
fn add_clip_support(candidates: &mut [Junction], splits: &[Evidence], clips: &[Clip]) {
    for jn in candidates.iter_mut() {
        let frags_of = |sample: u8| -> Vec<u32> {
            splits
                .iter()
                .filter(|e| {
                    e.sample == sample
                        && key(e) == (jn.a.contig, jn.a.ori, jn.b.contig, jn.b.ori)
                        && e.a.pos.abs_diff(jn.a.pos) <= SPLIT_WINDOW
                        && e.b.pos.abs_diff(jn.b.pos) <= SPLIT_WINDOW
                })
                .map(|e| e.frag as u32)
                .collect()
        };
        for sample in [0u8, 1u8] {
            let mut seen = frags_of(sample);
            let mut extra = clips_at(clips, &jn.a, sample, &seen);
            seen.extend(&extra);
            extra.extend(clips_at(clips, &jn.b, sample, &seen));
            let n = extra.len() as u32;
            if sample == 0 {
                jn.tumor.split_reads += n;
            } else if n >= 2 {
                jn.normal.split_reads += n;
            }
        }
    }
}

/// Step 2b: discordant pairs that fit a split junction (each pair counted once); returns which
/// pairs were used.
fn add_pair_support(candidates: &mut [Junction], pairs: &[Evidence], mf: u64) -> Vec<bool> {
    let mut used = vec![false; pairs.len()];
    for jn in candidates.iter_mut() {
        let jkey = (jn.a.contig, jn.a.ori, jn.b.contig, jn.b.ori);
        let lo_pos = jn.a.pos.saturating_sub(mf);
        let start = pairs.partition_point(|e| (key(e), e.a.pos) < (jkey, lo_pos));
        let (mut tf, mut nf) = (Vec::new(), Vec::new());
        for (k, e) in pairs.iter().enumerate().skip(start) {
            if key(e) != jkey || e.a.pos > jn.a.pos + mf {
                break;
            }
            if !used[k] && pair_fits(&jn.a, &jn.b, e, mf, jn.homlen as u64) {
                used[k] = true;
                if e.sample == 0 {
                    tf.push(e.frag);
                } else {
                    nf.push(e.frag);
                }
            }
        }
        jn.tumor.discordant_pairs = distinct(tf.into_iter());
        jn.normal.discordant_pairs += distinct(nf.into_iter());
    }
    used
}

/// Step 3: the remaining pairs, linked within a fragment length, as imprecise junctions placed
/// beyond the read nearest to the junction (the tumor's reads when there are any).
fn imprecise_junctions(rest: &[Evidence], mf: u64) -> Vec<Junction> {
    let mut out = Vec::new();
    for (i, j) in linked_runs(rest, mf, |e| e.a.pos, |x, y| key(x) == key(y)) {
        let mut group: Vec<Evidence> = rest[i..j].to_vec();
        group.sort_by_key(|e| (e.b.pos, e.a.pos, e.sample, e.frag));
        for (k, l) in linked_runs(&group, mf, |e| e.b.pos, |_, _| true) {
            let sub = &group[k..l];
            let t: Vec<&Evidence> = sub.iter().filter(|e| e.sample == 0).collect();
            let tn = distinct(t.iter().map(|e| e.frag));
            let nn = distinct(sub.iter().filter(|e| e.sample == 1).map(|e| e.frag));
            let edge = |ends: &mut dyn Iterator<Item = End>, ori: Orientation| -> Pos0 {
                let v: Vec<Pos0> = ends.map(|e| e.pos).collect();
                match ori {
                    Orientation::Plus => v.into_iter().max().unwrap_or_default(),
                    Orientation::Minus => v.into_iter().min().unwrap_or_default(),
                }
            };
            let src: Vec<&Evidence> = if t.is_empty() {
                sub.iter().collect()
            } else {
                t
            };
            let a = End {
                pos: edge(&mut src.iter().map(|e| e.a), sub[0].a.ori),
                ..sub[0].a
            };
            let b = End {
                pos: edge(&mut src.iter().map(|e| e.b), sub[0].b.ori),
                ..sub[0].b
            };
            out.push(Junction {
                a,
                b,
                precise: false,
                ci: mf as u32,
                homlen: 0,
                tumor: SvSupport {
                    split_reads: 0,
                    discordant_pairs: tn,
                },
                normal: SvSupport {
                    split_reads: 0,
                    discordant_pairs: nn,
                },
            });
        }
    }
    out
}

/// Precise candidates that are one junction (same orientations, both positions within
/// [`SPLIT_WINDOW`]: a split-read junction and a discordant cluster its clips placed at the same
/// junction) become one: the pairs add (each pair was used once), the split-read fragments
/// take the larger count (the clips may be the same fragments).
fn merge_same(mut candidates: Vec<Junction>) -> Vec<Junction> {
    candidates.sort_by_key(|j| {
        (
            key_of(j),
            !j.precise,
            j.a.pos,
            j.b.pos,
            std::cmp::Reverse(j.tumor.split_reads),
        )
    });
    let mut out: Vec<Junction> = Vec::with_capacity(candidates.len());
    for j in candidates {
        // sorted by position within a key's precise candidates: look back a window only
        let near = out
            .iter_mut()
            .rev()
            .take_while(|k| {
                key_of(k) == key_of(&j) && k.precise && k.a.pos + SPLIT_WINDOW >= j.a.pos
            })
            .find(|k| j.precise && k.b.pos.abs_diff(j.b.pos) <= SPLIT_WINDOW);
        if let Some(k) = near {
            k.tumor.discordant_pairs += j.tumor.discordant_pairs;
            k.normal.discordant_pairs += j.normal.discordant_pairs;
            k.tumor.split_reads = k.tumor.split_reads.max(j.tumor.split_reads);
            k.normal.split_reads = k.normal.split_reads.max(j.normal.split_reads);
            k.homlen = k.homlen.max(j.homlen);
            continue;
        }
        out.push(j);
    }
    out
}

/// Step 4: support and size thresholds, the normal's veto (its evidence near a tumor junction
/// of the same orientation), genome order, and a precise junction wins over an imprecise
/// cluster of the same event.
fn filter_junctions(candidates: Vec<Junction>, s: &SvSettings) -> SvCalls {
    let candidates = merge_same(candidates);
    let mf = s.max_fragment;
    let mut out = SvCalls::default();
    let normal_near: Vec<(End, End)> = candidates
        .iter()
        .filter(|j| j.normal.split_reads + j.normal.discordant_pairs > 0)
        .map(|j| (j.a, j.b))
        .collect();
    let same_key = |a: &End, b: &End, j: &Junction| {
        (a.contig, a.ori, b.contig, b.ori) == (j.a.contig, j.a.ori, j.b.contig, j.b.ori)
    };
    for j in candidates {
        if j.tumor.split_reads + j.tumor.discordant_pairs == 0 {
            continue;
        }
        let size_ok = j.a.contig != j.b.contig || j.b.pos.abs_diff(j.a.pos) >= s.min_size;
        if !size_ok {
            continue;
        }
        let support = j.tumor.split_reads + j.tumor.discordant_pairs;
        let enough = if j.precise {
            support >= s.min_support
        } else {
            j.tumor.discordant_pairs >= s.min_pairs_imprecise
        };
        if !enough {
            out.low_support += 1;
            out.below.push(j);
            continue;
        }
        if s.has_normal {
            let window = mf + SPLIT_WINDOW;
            let vetoed = j.normal.split_reads + j.normal.discordant_pairs > 0
                || normal_near.iter().any(|(a, b)| {
                    same_key(a, b, &j)
                        && a.pos.abs_diff(j.a.pos) <= window
                        && b.pos.abs_diff(j.b.pos) <= window
                });
            if vetoed {
                out.germline += 1;
                continue;
            }
        }
        out.junctions.push(j);
    }
    out.junctions
        .sort_by_key(|j| (j.a.contig, j.a.pos, j.b.contig, j.b.pos, j.a.ori, j.b.ori));
    let precise: Vec<Junction> = out
        .junctions
        .iter()
        .filter(|j| j.precise)
        .cloned()
        .collect();
    out.junctions.retain(|j| {
        j.precise
            || !precise.iter().any(|k| {
                same_key(&k.a, &k.b, j)
                    && k.a.pos.abs_diff(j.a.pos) <= mf
                    && k.b.pos.abs_diff(j.b.pos) <= mf
            })
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(c: u32, pos: u64, ori: Orientation) -> End {
        End {
            contig: ContigId::new(c as usize),
            pos: Pos0::new(pos),
            ori,
        }
    }

    #[test]
    fn sa_cigars_give_query_spans_in_sequencing_order() {
        // 100M50S forward, and its supplementary 100H50M on the reverse strand
        let a = part(
            ContigId::new(0),
            Pos0::new(1000),
            false,
            cigar_shape(parse_cigar(b"100M50S").unwrap().into_iter()),
        );
        assert_eq!(
            (a.q0, a.q1, a.start.get(), a.end.get()),
            (0, 100, 1000, 1100)
        );
        let b = part(
            ContigId::new(1),
            Pos0::new(5000),
            true,
            cigar_shape(parse_cigar(b"100H50M").unwrap().into_iter()),
        );
        // reversed: the 50 aligned bases are the read's first 50 as sequenced... of the
        // reverse complement, i.e. read positions 100..150 of the forward read become 0..50
        assert_eq!((b.q0, b.q1), (0, 50));
        assert_eq!(parse_cigar(b"10M5"), None);
        assert_eq!(parse_cigar(b"M"), None);
    }

    #[test]
    fn a_junction_read_from_either_strand_is_the_same_evidence() {
        let ids: HashMap<Vec<u8>, ContigId> = [
            (b"c1".to_vec(), ContigId::new(0)),
            (b"c2".to_vec(), ContigId::new(1)),
        ]
        .into();
        let obs = SvObserver {
            enabled: true,
            min_mapq: 20,
            min_clip: 20,
            contig_ids: &ids,
            contigs: &[],
        };
        // der: c1[..=1099] + c2[5000..]; read 1 forward: 100M50S on c1, SA c2 5001 + 100S50M
        let cig1 = [100 << 4, 50 << 4 | op::SOFT];
        let aux1 = b"SAZc2,5001,+,100S50M,60,0;\0".to_vec();
        let r1 = Aln {
            tid: 0,
            start: 1000,
            flags: flag::PAIRED | flag::READ1,
            mapq: 60,
            mate_tid: 0,
            mate_start: 800,
            tlen: 0,
            name: b"q1",
            cigar: &cig1,
            seq: &[],
            seq_len: 150,
            qual: &[],
            aux: &aux1,
        };
        let mut p = SvPartial::default();
        obs.read(&mut p, 0, &r1, true);
        assert_eq!(p.splits.len(), 1);
        let e = p.splits[0];
        assert_eq!(
            (e.a, e.b),
            (
                end(0, 1099, Orientation::Plus),
                end(1, 5000, Orientation::Minus)
            )
        );
        // the same junction seen by a read of the other strand whose primary part is on c2:
        // sequenced as revcomp: c2 part first (reverse), then c1 part (reverse)
        let cig2 = [30 << 4 | op::SOFT, 120 << 4];
        let aux2 = b"SAZc1,1071,-,30M120S,60,0;\0".to_vec();
        let r2 = Aln {
            tid: 1,
            start: 5000,
            flags: flag::PAIRED | flag::REVERSE,
            cigar: &cig2,
            aux: &aux2,
            name: b"q2",
            ..r1
        };
        obs.read(&mut p, 0, &r2, true);
        assert_eq!(p.splits.len(), 2);
        let f = p.splits[1];
        assert_eq!((f.a, f.b), (e.a, e.b));
    }

    #[test]
    fn clusters_split_and_pair_evidence_and_vetoes_normal_support() {
        let (a, b) = (
            end(0, 1099, Orientation::Plus),
            end(1, 5000, Orientation::Minus),
        );
        let mut splits = Vec::new();
        for f in 0..3u64 {
            splits.push(Evidence {
                a,
                b,
                sample: 0,
                frag: f,
            });
        }
        // one read shifted by microhomology
        splits.push(Evidence {
            a: End {
                pos: Pos0::new(1101),
                ..a
            },
            b: End {
                pos: Pos0::new(5002),
                ..b
            },
            sample: 0,
            frag: 9,
        });
        let mut pairs = Vec::new();
        for f in 10..14u64 {
            pairs.push(Evidence {
                a: End {
                    pos: Pos0::new(900 + f),
                    ..a
                },
                b: End {
                    pos: Pos0::new(5200 + f),
                    ..b
                },
                sample: 0,
                frag: f,
            });
        }
        let s = SvSettings::default();
        let got = cluster(splits.clone(), pairs.clone(), &mut Vec::new(), &s, None);
        assert_eq!(got.junctions.len(), 1);
        let j = &got.junctions[0];
        assert_eq!((j.a, j.b, j.precise), (a, b, true));
        assert_eq!(
            j.tumor,
            SvSupport {
                split_reads: 4,
                discordant_pairs: 4
            }
        );
        assert_eq!(j.sv_type(), SvType::Translocation);
        // one normal pair on the junction makes it germline
        pairs.push(Evidence {
            a: End {
                pos: Pos0::new(950),
                ..a
            },
            b: End {
                pos: Pos0::new(5300),
                ..b
            },
            sample: 1,
            frag: 99,
        });
        let got = cluster(splits.clone(), pairs.clone(), &mut Vec::new(), &s, None);
        assert!(got.junctions.is_empty());
        assert_eq!(got.germline, 1);
        // without that pair: soft clips at the breakends add split support (a fragment already
        // counted by its SA read is not counted twice); two clipped normal reads veto
        pairs.pop();
        let clip = |pos: u64, ori, sample, frag| Clip {
            contig: ContigId::new(if ori == Orientation::Plus { 0 } else { 1 }),
            pos: pos as u32,
            ori,
            sample,
            frag,
            seq: 0,
            len: 0,
        };
        let clips = vec![
            clip(1099, Orientation::Plus, 0, 50),
            clip(1100, Orientation::Plus, 0, 51),
            clip(5001, Orientation::Minus, 0, 2),
            clip(1099, Orientation::Minus, 0, 52),
        ];
        let got = cluster(splits.clone(), pairs.clone(), &mut clips.clone(), &s, None);
        assert_eq!(
            got.junctions[0].tumor.split_reads, 6,
            "4 SA + 2 clipped, wrong side ignored"
        );
        let mut with_normal = clips;
        with_normal.push(clip(1099, Orientation::Plus, 1, 60));
        let got = cluster(
            splits.clone(),
            pairs.clone(),
            &mut with_normal.clone(),
            &s,
            None,
        );
        assert_eq!(got.junctions.len(), 1, "one clipped normal read is noise");
        with_normal.push(clip(5000, Orientation::Minus, 1, 61));
        let got = cluster(splits, pairs, &mut with_normal.clone(), &s, None);
        assert!(got.junctions.is_empty());
    }

    fn ev(a: End, b: End, sample: u8, frag: u64) -> Evidence {
        Evidence { a, b, sample, frag }
    }

    #[test]
    fn linked_runs_chain_within_the_window_and_the_key() {
        let v = [0u64, 5, 12, 40, 44, 100];
        let runs = linked_runs(&v, 10, |x| Pos0::new(*x), |_, _| true);
        assert_eq!(runs, [(0, 3), (3, 5), (5, 6)]);
        // a key change starts a run even within the window
        let runs = linked_runs(&v, 10, |x| Pos0::new(*x), |x, y| (*x < 30) == (*y < 30));
        assert_eq!(runs, [(0, 3), (3, 5), (5, 6)]);
        let runs = linked_runs(&v, 100, |x| Pos0::new(*x), |x, y| (*x < 30) == (*y < 30));
        assert_eq!(runs, [(0, 3), (3, 6)]);
    }

    #[test]
    fn a_split_junction_sits_where_most_tumor_fragments_put_it() {
        let (a, b) = (
            end(0, 1000, Orientation::Plus),
            end(0, 9000, Orientation::Minus),
        );
        let shifted = (
            End {
                pos: Pos0::new(1002),
                ..a
            },
            End {
                pos: Pos0::new(9002),
                ..b
            },
        );
        let sub = [
            ev(shifted.0, shifted.1, 0, 1),
            ev(a, b, 0, 2),
            ev(a, b, 0, 3),
            ev(a, b, 1, 4),
        ];
        let j = split_junction(&sub);
        assert_eq!(
            (j.a.pos.get(), j.b.pos.get(), j.precise),
            (1000, 9000, true)
        );
        assert_eq!((j.tumor.split_reads, j.normal.split_reads), (3, 1));
        // normal-only evidence: a germline junction with no tumor support
        let j = split_junction(&[ev(a, b, 1, 5), ev(a, b, 1, 6)]);
        assert_eq!((j.tumor.split_reads, j.normal.split_reads), (0, 2));
    }

    #[test]
    fn imprecise_junctions_lie_beyond_the_reads_nearest_them() {
        let (a, b) = (end(0, 0, Orientation::Plus), end(0, 0, Orientation::Minus));
        let rest: Vec<Evidence> = (0..6u64)
            .map(|f| {
                ev(
                    End {
                        pos: Pos0::new(500 + 10 * f),
                        ..a
                    },
                    End {
                        pos: Pos0::new(8000 + 20 * f),
                        ..b
                    },
                    0,
                    f,
                )
            })
            .collect();
        let js = imprecise_junctions(&rest, 1000);
        assert_eq!(js.len(), 1);
        // + side: right of the rightmost read; - side: left of the leftmost
        assert_eq!((js[0].a.pos.get(), js[0].b.pos.get()), (550, 8000));
        assert_eq!(
            (js[0].precise, js[0].ci, js[0].tumor.discordant_pairs),
            (false, 1000, 6)
        );
    }

    #[test]
    fn filters_need_support_size_and_a_clean_normal() {
        let s = SvSettings::default();
        let j = |a: u64, b: u64, split: u32, normal: u32| Junction {
            a: end(0, a, Orientation::Plus),
            b: end(0, b, Orientation::Minus),
            precise: true,
            ci: 0,
            homlen: 0,
            tumor: SvSupport {
                split_reads: split,
                discordant_pairs: 0,
            },
            normal: SvSupport {
                split_reads: normal,
                discordant_pairs: 0,
            },
        };
        let out = filter_junctions(
            vec![
                j(1000, 9000, 5, 0),   // kept
                j(1000, 1100, 5, 0),   // smaller than min_size: the small-variant caller's
                j(20000, 30000, 2, 0), // too little support
                j(40000, 50000, 6, 0), // kept by itself, but ...
                j(40010, 50010, 0, 2), // ... the normal shows the same junction
            ],
            &s,
        );
        assert_eq!(out.junctions.len(), 1);
        assert_eq!(out.junctions[0].a.pos.get(), 1000);
        assert_eq!((out.low_support, out.germline), (1, 1));
    }

    #[test]
    fn one_junction_found_twice_is_reported_once() {
        // a split-read junction and a discordant cluster whose realigned clips placed it at
        // the same position pair (the p90 held-out duplication was reported twice before)
        let split = Junction {
            a: end(0, 706455, Orientation::Minus),
            b: end(0, 736403, Orientation::Plus),
            precise: true,
            ci: 0,
            homlen: 1,
            tumor: SvSupport {
                split_reads: 24,
                discordant_pairs: 8,
            },
            normal: SvSupport::default(),
        };
        let refined = Junction {
            tumor: SvSupport {
                split_reads: 5,
                discordant_pairs: 11,
            },
            ..split.clone()
        };
        let other = Junction {
            a: end(0, 706470, Orientation::Minus),
            ..split.clone()
        };
        let out = filter_junctions(vec![split.clone(), other, refined], &SvSettings::default());
        assert_eq!(out.junctions.len(), 2, "{:?}", out.junctions);
        assert_eq!(
            out.junctions[0].tumor,
            SvSupport {
                split_reads: 24,
                discordant_pairs: 19
            }
        );
    }
}
