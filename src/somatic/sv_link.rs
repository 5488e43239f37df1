//! Copy number and junctions told together, after both are found: segment boundaries snap to
//! the junction that explains them, a copy-number step without a reported junction looks for
//! one among the candidates below the support thresholds and in the realigned soft clips,
//! and each junction names the copy-number change it explains.
//!
//! METHOD (docs/methods/copy-number-and-fusions.md, "Copy number and junctions together"):
//! - a segment boundary lies within [`UNCERTAINTY_BINS`] bins of where the copy number truly
//!   changes (PELT places it on a bin edge; a bin straddling the change is averaged); a
//!   junction breakend within that distance moves the boundary to the base (a `+` breakend at
//!   `p` ends the copy-number state at `p`, a `-` breakend starts one at `p`), the nearest
//!   precise breakend first;
//! - a segment whose copy number is below (above) both neighbours by at least
//!   [`MIN_STEP_LOG2`] in log2 ratio is a deletion (duplication) whose junction should join its
//!   two ends. When none was reported there, a candidate junction of that class with both
//!   breakends within the uncertainty and at least [`MIN_RESCUE_FRAGMENTS`] tumor fragments
//!   (split reads, realigned clips or discordant pairs) is reported with
//!   `copy_number_supported`; without a candidate, the soft clips at the two ends are
//!   realigned against each other (`sv::clip_votes`), and a placement shown by
//!   [`MIN_RESCUE_FRAGMENTS`] fragments is reported the same way;
//! - a deletion or duplication explains the segment between its breakends; another junction
//!   explains the step at a breakend a boundary snapped to.

use super::sv::{best_vote, clip_votes, Clip, End, Junction};
use super::sv_refine::{normalise, Bnd, RefBases};
use crate::types::cnv::CnSegment;
use crate::types::sv::{Orientation, SvSupport, SvType};
use crate::types::{ContigId, Pos0};

/// A boundary lies within this many bins of its copy-number change.
pub const UNCERTAINTY_BINS: u64 = 2;
/// Smallest log2-ratio step of a segment against both neighbours for a junction search.
pub const MIN_STEP_LOG2: f64 = 0.1;
/// Fewest tumor fragments of a junction reported because a copy-number step matches it.
pub const MIN_RESCUE_FRAGMENTS: u32 = 2;

/// What links a junction to the copy number.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Link {
    /// Reported below the read-support thresholds because a copy-number step matches it.
    pub copy_number_supported: bool,
    /// The segment whose change it explains (index into the segments).
    pub segment: Option<usize>,
    /// The segment on the other side of that change (the flank).
    pub flank: Option<usize>,
}

/// The inputs of [`link`].
pub struct LinkInput<'a> {
    /// Contig id of each segment (same order).
    pub seg_contigs: &'a [ContigId],
    /// Bin size of the segmentation.
    pub bin_size: u64,
    /// Soft clips of both samples (sorted).
    pub clips: &'a [Clip],
    /// Reference bases.
    pub reference: &'a RefBases<'a>,
    /// Whether a matched normal was read (its support vetoes a rescued junction).
    pub has_normal: bool,
}

/// Snaps boundaries, rescues junctions of copy-number steps and links each junction; returns
/// the junctions (reported ones and rescued ones, genome order) with their links.
pub fn link(
    segments: &mut [CnSegment],
    junctions: Vec<Junction>,
    below: &[Junction],
    input: &LinkInput<'_>,
) -> Vec<(Junction, Link)> {
    let mut out: Vec<(Junction, Link)> = junctions
        .into_iter()
        .map(|j| (j, Link::default()))
        .collect();
    let u = UNCERTAINTY_BINS * input.bin_size;
    for (i, k) in steps(segments) {
        let (lo, hi) = (segments[i].start, segments[i].end);
        let contig = input.seg_contigs[i];
        let class = if k < 0 {
            SvType::Deletion
        } else {
            SvType::Duplication
        };
        let explained = out.iter().any(|(j, _)| spans(j, contig, lo, hi, u, class));
        if explained {
            continue;
        }
        let rescued = below
            .iter()
            .filter(|j| spans(j, contig, lo, hi, u, class))
            .filter(|j| !input.has_normal || j.normal.split_reads + j.normal.discordant_pairs == 0)
            .filter(|j| j.tumor.split_reads + j.tumor.discordant_pairs >= MIN_RESCUE_FRAGMENTS)
            .max_by_key(|j| (j.precise, j.tumor.split_reads + j.tumor.discordant_pairs))
            .cloned()
            .or_else(|| realigned_step(contig, lo, hi, class, input));
        if let Some(j) = rescued {
            out.push((
                j,
                Link {
                    copy_number_supported: true,
                    ..Link::default()
                },
            ));
        }
    }
    out.sort_by_key(|(j, _)| (j.a.contig, j.a.pos, j.b.contig, j.b.pos, j.a.ori, j.b.ori));
    snap(segments, &mut out, input);
    out
}

/// Segments whose log2 ratio is below (-1) or above (+1) both neighbours on their contig.
fn steps(segments: &[CnSegment]) -> Vec<(usize, i8)> {
    let mut v = Vec::new();
    for i in 1..segments.len().saturating_sub(1) {
        let (l, s, r) = (&segments[i - 1], &segments[i], &segments[i + 1]);
        if l.chrom != s.chrom || r.chrom != s.chrom {
            continue;
        }
        if s.log2_ratio + MIN_STEP_LOG2 <= l.log2_ratio.min(r.log2_ratio) {
            v.push((i, -1));
        } else if s.log2_ratio - MIN_STEP_LOG2 >= l.log2_ratio.max(r.log2_ratio) {
            v.push((i, 1));
        }
    }
    v
}

/// The copy-number boundary a breakend makes: `+` at `p` ends a state after `p`.
pub(crate) fn boundary_of(e: &End) -> Pos0 {
    match e.ori {
        Orientation::Plus => e.pos + 1,
        Orientation::Minus => e.pos,
    }
}

/// Whether junction `j` of `class` joins the two ends of the segment `lo..hi` of `contig`.
fn spans(j: &Junction, contig: ContigId, lo: Pos0, hi: Pos0, u: u64, class: SvType) -> bool {
    j.sv_type() == class
        && j.a.contig == contig
        && boundary_of(&j.a).abs_diff(lo) <= u
        && boundary_of(&j.b).abs_diff(hi) <= u
}

/// A deletion (duplication) junction at the ends of the segment `lo..hi` from the soft clips
/// there realigned against each other.
fn realigned_step(
    contig: ContigId,
    lo: Pos0,
    hi: Pos0,
    class: SvType,
    input: &LinkInput<'_>,
) -> Option<Junction> {
    let u = UNCERTAINTY_BINS * input.bin_size;
    let (oa, ob, pa, pb) = match class {
        SvType::Deletion => (
            Orientation::Plus,
            Orientation::Minus,
            lo.checked_sub(1)?,
            hi,
        ),
        _ => (
            Orientation::Minus,
            Orientation::Plus,
            lo,
            hi.checked_sub(1)?,
        ),
    };
    let a = End {
        contig,
        pos: pa,
        ori: oa,
    };
    let b = End {
        contig,
        pos: pb,
        ori: ob,
    };
    let range = |p: Pos0| (p.saturating_sub(u), p + u);
    let votes = clip_votes(
        input.clips,
        input.reference,
        0,
        (&a, range(pa)),
        (&b, range(pb)),
    );
    let (pair, frags) = best_vote(&votes)?;
    let n = frags.len() as u32;
    if n < MIN_RESCUE_FRAGMENTS {
        return None;
    }
    let normal = clip_votes(
        input.clips,
        input.reference,
        1,
        (&a, range(pa)),
        (&b, range(pb)),
    );
    let ns = normal.get(&pair).map_or(0, |f| f.len() as u32);
    if input.has_normal && ns > 0 {
        return None;
    }
    let (x, y, h) = normalise(input.reference, pair.0, pair.1);
    let end = |b: Bnd| End {
        contig: b.0,
        pos: b.1,
        ori: b.2,
    };
    Some(Junction {
        a: end(x),
        b: end(y),
        precise: true,
        ci: 0,
        homlen: h,
        tumor: SvSupport {
            split_reads: n,
            discordant_pairs: 0,
        },
        normal: SvSupport {
            split_reads: ns,
            discordant_pairs: 0,
        },
    })
}

/// Moves each boundary within the uncertainty of a breakend to it (the nearest precise
/// breakend first) and records which segment each junction explains.
fn snap(segments: &mut [CnSegment], out: &mut [(Junction, Link)], input: &LinkInput<'_>) {
    let u = UNCERTAINTY_BINS * input.bin_size;
    let mut taken = vec![false; segments.len()];
    // (distance, imprecise, junction, which end, boundary index = segment starting there)
    let mut cands: Vec<(u64, bool, usize, u8, usize)> = Vec::new();
    for (k, (j, _)) in out.iter().enumerate() {
        for (w, e) in [(0u8, &j.a), (1u8, &j.b)] {
            let bp = boundary_of(e);
            for i in 1..segments.len() {
                let same = input.seg_contigs[i] == e.contig
                    && input.seg_contigs[i - 1] == e.contig
                    && segments[i - 1].end == segments[i].start;
                let d = segments[i].start.abs_diff(bp);
                if same && d <= u {
                    cands.push((d, !j.precise, k, w, i));
                }
            }
        }
    }
    cands.sort();
    let mut used = vec![[false; 2]; out.len()];
    for (_, _, k, w, i) in cands {
        if taken[i] || used[k][w as usize] {
            continue;
        }
        let e = if w == 0 { out[k].0.a } else { out[k].0.b };
        let bp = boundary_of(&e);
        if bp <= segments[i - 1].start || bp >= segments[i].end {
            continue;
        }
        taken[i] = true;
        used[k][w as usize] = true;
        segments[i - 1].end = bp;
        segments[i].start = bp;
    }
    for (j, l) in out.iter_mut() {
        explain(segments, j, l, input.seg_contigs);
    }
}

/// The segment a junction explains: between the breakends of a deletion or duplication, else
/// the segment starting at a snapped breakend.
fn explain(segments: &[CnSegment], j: &Junction, l: &mut Link, contigs: &[ContigId]) {
    let at = |contig: ContigId, start: Pos0| {
        (0..segments.len()).find(|&i| contigs[i] == contig && segments[i].start == start)
    };
    match j.sv_type() {
        SvType::Deletion | SvType::Duplication => {
            let (lo, hi) = (boundary_of(&j.a), boundary_of(&j.b));
            if let Some(i) = at(j.a.contig, lo).filter(|&i| segments[i].end == hi) {
                l.segment = Some(i);
                l.flank = i.checked_sub(1).filter(|&f| contigs[f] == j.a.contig);
            }
        }
        _ => {
            for e in [&j.a, &j.b] {
                if let Some(i) = at(e.contig, boundary_of(e)) {
                    // the side the breakend keeps is the flank
                    let (seg, flank) = match e.ori {
                        Orientation::Plus => (i, i.checked_sub(1)),
                        Orientation::Minus => (i.saturating_sub(1), Some(i)),
                    };
                    l.segment = Some(seg);
                    l.flank = flank;
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::cnv::CnCall;

    fn seg(start: u64, end: u64, log2: f64) -> CnSegment {
        CnSegment {
            chrom: "c".into(),
            start: Pos0::new(start),
            end: Pos0::new(end),
            bins: ((end - start) / 1000) as u32,
            log2_ratio: log2,
            baf: None,
            het_sites: 0,
            copy_number: None,
            total_cn: None,
            major_cn: None,
            minor_cn: None,
            call: CnCall::Neutral,
            call_basis: crate::types::cnv::CnCallBasis::DepthRatio,
            absolute_call: None,
            loh: false,
            start_junction: None,
            end_junction: None,
        }
    }

    fn junction(a: u64, oa: Orientation, b: u64, ob: Orientation, split: u32) -> Junction {
        Junction {
            a: End {
                contig: ContigId::new(0),
                pos: Pos0::new(a),
                ori: oa,
            },
            b: End {
                contig: ContigId::new(0),
                pos: Pos0::new(b),
                ori: ob,
            },
            precise: true,
            ci: 0,
            homlen: 0,
            tumor: SvSupport {
                split_reads: split,
                discordant_pairs: 0,
            },
            normal: SvSupport::default(),
        }
    }

    struct NoRef;
    impl crate::types::source::SequenceSource for NoRef {
        fn fetch_into(&self, _: &str, _: u64, _: u64, _: &mut Vec<u8>) -> bool {
            false
        }
    }

    #[test]
    fn boundaries_snap_and_a_below_threshold_deletion_is_rescued_by_its_step() {
        use Orientation::{Minus, Plus};
        // a loss 50_000..80_000 segmented one bin late at both ends; a gain 120_000..150_000
        let mut segs = vec![
            seg(0, 51_000, 0.0),
            seg(51_000, 81_000, -0.6),
            seg(81_000, 119_000, 0.0),
            seg(119_000, 150_000, 0.4),
            seg(150_000, 200_000, 0.0),
        ];
        let names = vec!["c".to_string()];
        let r = RefBases::new(&NoRef, &names);
        let input = LinkInput {
            seg_contigs: &[ContigId::new(0); 5],
            bin_size: 1000,
            clips: &[],
            reference: &r,
            has_normal: true,
        };
        // the deletion is reported; the duplication only had 3 fragments (below 4)
        let del = junction(49_999, Plus, 80_000, Minus, 9);
        let dup = junction(120_000, Minus, 149_999, Plus, 3);
        let out = link(
            &mut segs,
            vec![del.clone()],
            std::slice::from_ref(&dup),
            &input,
        );
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].0, del);
        assert!(!out[0].1.copy_number_supported);
        assert_eq!(out[0].1.segment, Some(1));
        assert_eq!(out[0].1.flank, Some(0));
        assert_eq!(out[1].0, dup);
        assert!(out[1].1.copy_number_supported);
        assert_eq!(out[1].1.segment, Some(3));
        // every boundary now lies on its junction
        assert_eq!((segs[1].start.get(), segs[1].end.get()), (50_000, 80_000));
        assert_eq!((segs[3].start.get(), segs[3].end.get()), (120_000, 150_000));
        // a breakend further than the uncertainty (2 bins) does not move a boundary
        let mut segs = vec![
            seg(0, 55_000, 0.0),
            seg(55_000, 90_000, -0.6),
            seg(90_000, 200_000, 0.0),
        ];
        let input = LinkInput {
            seg_contigs: &[ContigId::new(0); 3],
            ..input
        };
        let out = link(&mut segs, vec![del], &[], &input);
        assert_eq!(segs[1].start.get(), 55_000);
        assert_eq!(out[0].1.segment, None);
    }
}
