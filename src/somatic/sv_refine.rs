//! Junctions against the reference, after the gather: the placement of a junction along its
//! breakpoint homology, and the local realignment of soft-clipped reads at candidate
//! breakends (split-read candidates, discordant-pair clusters, copy-number steps).
//!
//! METHOD (docs/methods/copy-number-and-fusions.md, "Junctions in repeats"):
//! - **homology**: a junction joining `a` and `b` can be written at every position pair along
//!   the bases the two sides share (microhomology, or a whole tandem-repeat unit); an aligner
//!   may pick any of them, and two reads of one junction may pick different ones. Each split
//!   read's junction is moved to the placement with the smallest first position (the VCF
//!   left-alignment rule) before clustering, and its homology length is the number of other
//!   placements (`HOMLEN`; `CIPOS`/`CIEND` = `0,HOMLEN`);
//! - **realignment**: a soft-clipped read keeps up to [`CLIP_KEEP`] clipped bases next to
//!   its breakend. At a candidate junction the clips on one side are placed base by base
//!   against the reference window of the other side (both strands as the orientations say),
//!   with at most one mismatch per [`BASES_PER_MISMATCH`] bases and a unique best placement
//!   (placements that are one junction along its homology are one). Clips whose placement
//!   agrees (after the homology rule) with the junction support it as split reads; an
//!   imprecise cluster, or a copy-number step, whose clips agree on one placement with
//!   enough fragments becomes a precise junction there. This is DELLY's split-read
//!   refinement reduced to exact placements of the clipped part; no assembly.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::types::source::SequenceSource;
use crate::types::sv::Orientation;
use crate::types::{ContigId, Pos0};

/// Clipped bases kept per soft-clipped read, nearest the breakend (2 bits each in a `u128`).
pub const CLIP_KEEP: usize = 64;
/// Shortest clipped part realigned.
pub(crate) const MIN_REALIGN: usize = 20;
/// At most one mismatch per this many realigned bases.
pub const BASES_PER_MISMATCH: usize = 12;
/// Longest homology walked (bases).
pub(crate) const MAX_HOMOLOGY: u32 = 300;

const BLOCK: u64 = 4096;

/// Reference bases by contig id, fetched in 4 kb blocks and kept (the junctions of a genome
/// touch a few hundred blocks).
pub struct RefBases<'a> {
    src: &'a dyn SequenceSource,
    names: &'a [String],
    cache: RefCell<HashMap<(ContigId, u64), Vec<u8>>>,
}

impl<'a> RefBases<'a> {
    /// Bases of `src`, contigs named by id in `names`.
    pub fn new(src: &'a dyn SequenceSource, names: &'a [String]) -> Self {
        RefBases {
            src,
            names,
            cache: RefCell::new(HashMap::new()),
        }
    }

    /// The uppercase base at `pos` (`N` outside the contig).
    pub fn base(&self, contig: ContigId, pos: Pos0) -> u8 {
        let pos = pos.get();
        let block = pos / BLOCK;
        let mut cache = self.cache.borrow_mut();
        let seq = cache.entry((contig, block)).or_insert_with(|| {
            let mut v = Vec::new();
            if let Some(name) = self.names.get(contig.index()) {
                self.src
                    .fetch_into(name, block * BLOCK, (block + 1) * BLOCK, &mut v);
            }
            v
        });
        seq.get((pos - block * BLOCK) as usize)
            .copied()
            .unwrap_or(b'N')
    }

    fn window(&self, contig: ContigId, lo: Pos0, hi: Pos0) -> Vec<u8> {
        (lo.get()..hi.get())
            .map(|p| self.base(contig, Pos0::new(p)))
            .collect()
    }
}

fn comp(b: u8) -> u8 {
    match b {
        b'A' => b'T',
        b'C' => b'G',
        b'G' => b'C',
        b'T' => b'A',
        x => x,
    }
}

fn same(x: u8, y: u8) -> bool {
    x == y && x != b'N'
}

/// One breakend as the refinement sees it (contig, position, orientation).
pub type Bnd = (ContigId, Pos0, Orientation);

/// The placement one base to the left (smaller first position) when it is the same junction:
/// the first side gives up its last kept base and the second side takes the same base.
fn shift_left(r: &RefBases<'_>, a: Bnd, b: Bnd) -> Option<(Bnd, Bnd)> {
    use Orientation::{Minus, Plus};
    let (ca, pa, oa) = a;
    let (cb, pb, ob) = b;
    let pa1 = pa.checked_sub(1)?;
    let (ok, nb) = match (oa, ob) {
        (Plus, Minus) => (same(r.base(ca, pa), r.base(cb, pb.checked_sub(1)?)), pb - 1),
        (Minus, Plus) => (same(r.base(ca, pa1), r.base(cb, pb)), pb.checked_sub(1)?),
        (Plus, Plus) => (same(r.base(ca, pa), comp(r.base(cb, pb + 1))), pb + 1),
        (Minus, Minus) => (same(r.base(ca, pa1), comp(r.base(cb, pb))), pb + 1),
    };
    // a same-contig junction never walks through itself
    (ok && (ca != cb || nb.abs_diff(pa1) >= 2)).then_some(((ca, pa1, oa), (cb, nb, ob)))
}

/// The placement one base to the right.
fn shift_right(r: &RefBases<'_>, a: Bnd, b: Bnd) -> Option<(Bnd, Bnd)> {
    use Orientation::{Minus, Plus};
    let (ca, pa, oa) = a;
    let (cb, pb, ob) = b;
    let (ok, nb) = match (oa, ob) {
        (Plus, Minus) => (same(r.base(ca, pa + 1), r.base(cb, pb)), pb + 1),
        (Minus, Plus) => (same(r.base(ca, pa), r.base(cb, pb + 1)), pb + 1),
        (Plus, Plus) => (
            same(r.base(ca, pa + 1), comp(r.base(cb, pb))),
            pb.checked_sub(1)?,
        ),
        (Minus, Minus) => (
            same(r.base(ca, pa), comp(r.base(cb, pb.checked_sub(1)?))),
            pb - 1,
        ),
    };
    (ok && (ca != cb || nb.abs_diff(pa + 1) >= 2)).then_some(((ca, pa + 1, oa), (cb, nb, ob)))
}

/// The leftmost placement of the junction `a`/`b` (first breakend = the smaller) along its
/// homology, and the homology length (other placements to its right).
pub(crate) fn normalise(r: &RefBases<'_>, a: Bnd, b: Bnd) -> (Bnd, Bnd, u32) {
    let (mut a, mut b) = (a, b);
    for _ in 0..MAX_HOMOLOGY {
        match shift_left(r, a, b) {
            Some((x, y)) => (a, b) = (x, y),
            None => break,
        }
    }
    let (mut x, mut y, mut h) = (a, b, 0);
    while h < MAX_HOMOLOGY {
        match shift_right(r, x, y) {
            Some((p, q)) => {
                (x, y) = (p, q);
                h += 1;
            }
            None => break,
        }
    }
    (a, b, h)
}

/// Packs up to [`CLIP_KEEP`] bases (`A C G T`; anything else as `A`, costing a mismatch at
/// most) into 2 bits each.
pub(crate) fn pack(bases: impl Iterator<Item = u8>) -> (u128, u8) {
    let (mut v, mut n) = (0u128, 0u8);
    for b in bases.take(CLIP_KEEP) {
        let code = match b {
            b'C' => 1,
            b'G' => 2,
            b'T' => 3,
            _ => 0,
        };
        v |= (code as u128) << (2 * n as u32);
        n += 1;
    }
    (v, n)
}

/// The bases of a packed clip.
pub(crate) fn unpack(v: u128, n: u8) -> Vec<u8> {
    (0..n as u32)
        .map(|i| b"ACGT"[((v >> (2 * i)) & 3) as usize])
        .collect()
}

/// A clipped part to place: its kept breakend and its bases in reference order (for a `+`
/// breakend `seq[0]` is next to it; for a `-` breakend the last base is).
pub struct ClipSeq<'s> {
    /// The aligned side's breakend.
    pub at: Bnd,
    /// The clipped bases.
    pub seq: &'s [u8],
}

/// Places a clipped part against `partner`'s window `lo..hi` (0-based, on `contig`) with
/// partner orientation `ob`: the unique best junction (normalised), if any.
pub fn place(
    r: &RefBases<'_>,
    clip: &ClipSeq<'_>,
    contig: ContigId,
    lo: Pos0,
    hi: Pos0,
    ob: Orientation,
) -> Option<(Bnd, Bnd)> {
    let s = clip.seq;
    let l = s.len();
    if l < MIN_REALIGN || hi <= lo {
        return None;
    }
    let w0 = lo.saturating_sub(l as u64);
    let win = r.window(contig, w0, hi + l as u64);
    let max_mm = l / BASES_PER_MISMATCH;
    let mut hits: Vec<(usize, (Bnd, Bnd))> = Vec::new();
    for b in (lo.get()..hi.get()).map(Pos0::new) {
        let Some(mm) = mismatches(s, clip.at.2, ob, &win, w0, b, max_mm + 2) else {
            continue;
        };
        if mm <= max_mm + 1 {
            let (x, y) = order(clip.at, (contig, b, ob));
            let (x, y, _) = normalise(r, x, y);
            hits.push((mm, (x, y)));
        }
    }
    let best = hits.iter().map(|h| h.0).min()?;
    if best > max_mm {
        return None;
    }
    let mut top: Vec<(Bnd, Bnd)> = hits.iter().filter(|h| h.0 == best).map(|h| h.1).collect();
    top.sort();
    top.dedup();
    // the runner-up must be clearly worse (one more mismatch is not enough in a repeat)
    let close = hits.iter().any(|h| h.0 == best + 1 && !top.contains(&h.1));
    (top.len() == 1 && !close).then(|| top[0])
}

/// Mismatches of the clip placed with its partner breakend at `b` (None when the window does
/// not hold the placement); stops counting at `cap`.
fn mismatches(
    s: &[u8],
    clip_ori: Orientation,
    ob: Orientation,
    win: &[u8],
    w0: Pos0,
    b: Pos0,
    cap: usize,
) -> Option<usize> {
    use Orientation::{Minus, Plus};
    let l = s.len() as i64;
    let at = |p: i64| -> Option<u8> {
        let i = p - w0.get() as i64;
        (i >= 0).then(|| win.get(i as usize).copied()).flatten()
    };
    let b = b.get() as i64;
    let mut mm = 0;
    for i in 0..l {
        // the reference base facing clip base i
        let r = match (clip_ori, ob) {
            (Plus, Minus) => at(b + i)?,
            (Plus, Plus) => comp(at(b - i)?),
            (Minus, Plus) => at(b - l + 1 + i)?,
            (Minus, Minus) => comp(at(b + (l - 1 - i))?),
        };
        if !same(r, s[i as usize]) {
            mm += 1;
            if mm >= cap {
                return Some(mm);
            }
        }
    }
    Some(mm)
}

/// The breakends in canonical order (contig, position).
pub fn order(x: Bnd, y: Bnd) -> (Bnd, Bnd) {
    if (x.0, x.1, x.2) <= (y.0, y.1, y.2) {
        (x, y)
    } else {
        (y, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Orientation::{Minus, Plus};

    /// A breakend on contig 0.
    fn at(p: u64, o: Orientation) -> Bnd {
        (ContigId::new(0), Pos0::new(p), o)
    }

    struct Seq(Vec<u8>);
    impl SequenceSource for Seq {
        fn fetch_into(&self, _: &str, start: u64, end: u64, out: &mut Vec<u8>) -> bool {
            let e = (end as usize).min(self.0.len());
            let s = (start as usize).min(e);
            out.extend_from_slice(&self.0[s..e]);
            true
        }
    }

    /// A pseudo-random sequence (no repeats beyond chance) with `insert` written at `at`.
    fn genome(len: usize, edits: &[(usize, &[u8])]) -> Vec<u8> {
        let mut rnd = crate::types::xorshift(0x9e3779b97f4a7c15);
        let mut v: Vec<u8> = (0..len).map(|_| b"ACGT"[(rnd() % 4) as usize]).collect();
        for (at, s) in edits {
            v[*at..*at + s.len()].copy_from_slice(s);
        }
        v
    }

    #[test]
    fn a_deletion_in_a_tandem_repeat_is_placed_leftmost_with_its_homology() {
        // CACACA...(20 units) at 1000; a deletion of 3 units inside it: written at any phase
        let rep: Vec<u8> = b"CA".repeat(20);
        let g = genome(5000, &[(1000, &rep)]);
        let names = vec!["c".to_string()];
        let src = Seq(g.clone());
        let r = RefBases::new(&src, &names);
        // keep ..=1020, resume at 1027 (6 bases = 3 units deleted); and the same junction
        // written 8 bases further right
        let (a, b, h) = normalise(&r, at(1020, Plus), at(1027, Minus));
        let (a2, b2, h2) = normalise(&r, at(1028, Plus), at(1035, Minus));
        assert_eq!((a, b), (a2, b2));
        assert_eq!(h, h2);
        // the repeat starts at 1000: the leftmost junction keeps at most ..=999 (a random
        // base before the repeat may extend it) and still skips 6 bases
        assert!(a.1.get() <= 999 && b.1 - a.1 == 7, "{a:?} {b:?}");
        assert!(shift_left(&r, a, b).is_none());
        // the placements run at least to the end of the repeat (kept end 1033)
        assert!(a.1.get() + h as u64 >= 1033, "{h}");
    }

    #[test]
    fn inversion_homology_uses_the_reverse_strand() {
        let g = genome(6000, &[]);
        let names = vec!["c".to_string()];
        let src = Seq(g.clone());
        let r = RefBases::new(&src, &names);
        // a ++ junction keeps ..=a and continues with revcomp(..=b): homology when
        // g[a] == comp(g[b+1])
        let (a, b) = (2000u64, 4000u64);
        let (x, y, h) = normalise(&r, at(a, Plus), at(b, Plus));
        assert!(x.1.get() <= a && y.1.get() >= b);
        let mut k = 0;
        while g[(a - k) as usize] == comp(g[(b + 1 + k) as usize]) {
            k += 1;
        }
        assert_eq!(a - x.1.get(), k);
        assert!(h as u64 >= a - x.1.get());
    }

    #[test]
    fn a_clip_is_placed_on_either_strand_and_ambiguous_ones_are_not() {
        let g = genome(8000, &[]);
        let names = vec!["c".to_string()];
        let src = Seq(g.clone());
        let r = RefBases::new(&src, &names);
        // deletion: read keeps ..=3000 then continues at 3600 (clip = g[3600..3640])
        let clip: Vec<u8> = g[3600..3640].to_vec();
        let c = ClipSeq {
            at: at(3000, Plus),
            seq: &clip,
        };
        let (x, y) = place(
            &r,
            &c,
            ContigId::new(0),
            Pos0::new(3300),
            Pos0::new(4000),
            Minus,
        )
        .unwrap();
        let want = normalise(&r, at(3000, Plus), at(3600, Minus));
        assert_eq!((x, y), (want.0, want.1));
        // inversion ++: the clip is the reverse complement of ..=5000
        let clip: Vec<u8> = g[4961..=5000].iter().rev().map(|&b| comp(b)).collect();
        let c = ClipSeq {
            at: at(3000, Plus),
            seq: &clip,
        };
        let (_, y) = place(
            &r,
            &c,
            ContigId::new(0),
            Pos0::new(4500),
            Pos0::new(5500),
            Plus,
        )
        .unwrap();
        assert!(y.1.get().abs_diff(5000) <= 3, "{y:?}");
        // a clip that is all one repeat unit has many placements in a repeat: none
        let g = genome(8000, &[(3600, &b"AT".repeat(40))]);
        let src = Seq(g);
        let r = RefBases::new(&src, &names);
        let clip = b"AT".repeat(15);
        let c = ClipSeq {
            at: at(3000, Plus),
            seq: &clip,
        };
        assert!(place(
            &r,
            &c,
            ContigId::new(0),
            Pos0::new(3300),
            Pos0::new(4000),
            Minus
        )
        .is_none());
    }

    #[test]
    fn packing_round_trips() {
        let s = b"ACGTTGCA".repeat(8);
        let (v, n) = pack(s.iter().copied());
        assert_eq!(unpack(v, n), s);
    }
}
