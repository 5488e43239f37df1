//! UMI families: which reads come from one source molecule.
//!
//! METHOD (the grouping of UMI-tools, Smith et al. 2017, `--method directional --paired`):
//! reads are first bundled by the position of their template's read 1 — its strand, its 5'
//! end including soft clips (the unclipped start of a forward read, the unclipped end of a
//! reverse one) and the template length — then the UMIs of one bundle are grouped. Each UMI is
//! a node weighted by its number of templates (read pairs); an edge runs from UMI `a` to UMI
//! `b` when they differ at exactly one base and `count(a) >= 2 * count(b) - 1` (an error copy
//! is rarer than half its parent). Starting from the most frequent UMI not yet reached, every
//! UMI reachable along edges joins its group. The groups are the families; their counts agree
//! with `umi_tools group --method directional --paired` on the same BAM (tested on a fixture).
//! Without UMIs (`coordinates` mode) every bundle is one family: what duplicate marking groups.

use std::collections::HashMap;

use crate::types::aln::{flag, op};
use crate::types::Aln;

/// The bundle of a template: read 1's strand, 5' end (with soft clips) and TLEN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct BundleKey {
    /// Read 1 is reverse.
    pub reverse: bool,
    /// Read 1's 5' end, 0-based (UMI-tools' `position`: the unclipped start of a forward read,
    /// the unclipped exclusive end of a reverse one).
    pub pos5: i64,
    /// Read 1's TLEN (0 for unpaired reads).
    pub tlen: i64,
}

/// Where a read's UMI is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UmiSource {
    /// A `Z` tag (`RX`).
    Tag([u8; 2]),
    /// After the last separator of the read name (`umi_tools extract` writes `_`).
    ReadName(u8),
    /// No UMI: families are coordinate groups.
    None,
}

impl UmiSource {
    /// The UMI of `aln` (empty in `None` mode; `None` when the read lacks one).
    pub(crate) fn umi<'b>(&self, aln: &'b Aln<'_>) -> Option<&'b [u8]> {
        match *self {
            UmiSource::Tag(t) => aln.aux_str(t),
            UmiSource::ReadName(sep) => {
                let i = aln.name.iter().rposition(|&b| b == sep)?;
                Some(&aln.name[i + 1..]).filter(|u| !u.is_empty())
            }
            UmiSource::None => Some(&[]),
        }
    }
}

/// Leading and trailing soft clips and the reference length of a SAM CIGAR string (`MC`).
fn cigar_text_shape(c: &[u8]) -> Option<(i64, i64, i64)> {
    let (mut n, mut lead, mut trail, mut rlen, mut seen_m) = (0i64, 0i64, 0i64, 0i64, false);
    for &b in c {
        if b.is_ascii_digit() {
            n = n * 10 + (b - b'0') as i64;
            continue;
        }
        match b {
            b'S' if !seen_m => lead += n,
            b'S' => trail += n,
            b'M' | b'D' | b'N' | b'=' | b'X' => {
                rlen += n;
                seen_m = true;
            }
            b'I' | b'H' | b'P' => {}
            _ => return None,
        }
        n = 0;
    }
    Some((lead, trail, rlen))
}

/// The bundle of `aln`'s template, from read 1 itself or from read 2's mate fields (`MC` for
/// the mate's clips; without it the mate is taken as unclipped, its end from TLEN). `None` for
/// reads UMI-tools leaves out in paired mode: mate unmapped or on another contig.
pub(crate) fn bundle_of(aln: &Aln<'_>) -> Option<BundleKey> {
    let paired = aln.has(flag::PAIRED);
    if paired && (aln.has(flag::MATE_UNMAPPED) || aln.mate_tid != aln.tid) {
        return None;
    }
    if !paired || !aln.has(flag::READ2) {
        let (lead, trail) = aln.soft_clips();
        let reverse = aln.has(flag::REVERSE);
        let pos5 = if reverse {
            aln.end() + trail as i64
        } else {
            aln.start - lead as i64
        };
        let tlen = if paired { aln.tlen } else { 0 };
        return Some(BundleKey {
            reverse,
            pos5,
            tlen,
        });
    }
    let reverse = aln.has(flag::MATE_REVERSE);
    let shape = aln.aux_str(*b"MC").and_then(cigar_text_shape);
    let pos5 = match (reverse, shape) {
        (false, Some((lead, _, _))) => aln.mate_start - lead,
        (false, None) => aln.mate_start,
        (true, Some((_, trail, rlen))) => aln.mate_start + rlen + trail,
        (true, None) => aln.start.min(aln.mate_start) + aln.tlen.abs(),
    };
    Some(BundleKey {
        reverse,
        pos5,
        tlen: -aln.tlen,
    })
}

/// The aligned span of `aln`'s template (leftmost mapped base, exclusive end), from TLEN.
pub(crate) fn template_span(aln: &Aln<'_>) -> (i64, i64) {
    if aln.has(flag::PAIRED) && aln.tlen != 0 {
        let left = aln.start.min(aln.mate_start);
        (left, left + aln.tlen.abs())
    } else {
        (aln.start, aln.end())
    }
}

/// True when `a` and `b` have the same length and differ at exactly one position.
fn one_apart(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).filter(|(x, y)| x != y).count() == 1
}

/// Groups the UMIs of one bundle by UMI-tools' directional method. `umis[i]` is a UMI with its
/// number of templates (distinct UMIs). Returns, per input UMI, its group number; groups are
/// numbered from 0 in the order of their most frequent UMI (count, then UMI bytes), which is
/// the group's representative.
pub(crate) fn directional_groups(umis: &[(&[u8], u32)]) -> Vec<u32> {
    let n = umis.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| umis[b].1.cmp(&umis[a].1).then(umis[a].0.cmp(umis[b].0)));
    let edges = edges(umis);
    let mut group = vec![u32::MAX; n];
    let mut next = 0u32;
    let mut seen = vec![false; n];
    let mut queue = std::collections::VecDeque::new();
    for &root in &order {
        if group[root] != u32::MAX {
            continue;
        }
        // breadth-first over the directed edges; every node reached and not yet grouped joins
        seen.iter_mut().for_each(|s| *s = false);
        seen[root] = true;
        queue.push_back(root);
        while let Some(u) = queue.pop_front() {
            if group[u] == u32::MAX {
                group[u] = next;
            }
            for &v in &edges[u] {
                if !seen[v] {
                    seen[v] = true;
                    queue.push_back(v);
                }
            }
        }
        next += 1;
    }
    group
}

/// Directed edges `a -> b` (one base apart, `count(a) >= 2 count(b) - 1`).
fn edges(umis: &[(&[u8], u32)]) -> Vec<Vec<usize>> {
    let n = umis.len();
    let mut out = vec![Vec::new(); n];
    let linked = |a: usize, b: usize| umis[a].1 as u64 >= (2 * umis[b].1 as u64).saturating_sub(1);
    if n <= 64 {
        for a in 0..n {
            for b in 0..n {
                if a != b && one_apart(umis[a].0, umis[b].0) && linked(a, b) {
                    out[a].push(b);
                }
            }
        }
        return out;
    }
    // many UMIs: look up each one-substitution neighbour over the bytes seen in the bundle
    let index: HashMap<&[u8], usize> = umis.iter().enumerate().map(|(i, u)| (u.0, i)).collect();
    let mut alphabet: Vec<u8> = umis.iter().flat_map(|u| u.0.iter().copied()).collect();
    alphabet.sort_unstable();
    alphabet.dedup();
    let mut buf = Vec::new();
    for a in 0..n {
        buf.clear();
        buf.extend_from_slice(umis[a].0);
        for i in 0..buf.len() {
            let orig = buf[i];
            for &c in &alphabet {
                if c == orig {
                    continue;
                }
                buf[i] = c;
                if let Some(&b) = index.get(&buf[..]) {
                    if linked(a, b) {
                        out[a].push(b);
                    }
                }
            }
            buf[i] = orig;
        }
        out[a].sort_unstable();
    }
    out
}

/// The two halves of a duplex UMI `A-B`, when it has exactly one `-`.
pub(crate) fn duplex_halves(umi: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = umi.iter().position(|&b| b == b'-')?;
    let (a, b) = (&umi[..i], &umi[i + 1..]);
    (!b.contains(&b'-') && !a.is_empty() && !b.is_empty()).then_some((a, b))
}

/// True when `aln` has a CIGAR op that consumes the reference (placed and aligned).
pub(crate) fn aligned(aln: &Aln<'_>) -> bool {
    aln.cigar.iter().any(|&w| op::consumes_ref(w & 0xf))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(u: &[(&str, u32)]) -> Vec<u32> {
        let v: Vec<(&[u8], u32)> = u.iter().map(|(s, c)| (s.as_bytes(), *c)).collect();
        directional_groups(&v)
    }

    #[test]
    fn an_error_copy_joins_its_parent() {
        // AAAA(10) -> AAAT(1): 10 >= 2*1-1
        assert_eq!(groups(&[("AAAA", 10), ("AAAT", 1)]), vec![0, 0]);
        // equal counts above one never link (3 >= 5 fails)
        assert_eq!(groups(&[("AAAA", 3), ("AAAT", 3)]), vec![0, 1]);
        // two singletons one apart link both ways
        assert_eq!(groups(&[("AAAA", 1), ("AAAT", 1)]), vec![0, 0]);
        // two apart: separate
        assert_eq!(groups(&[("AAAA", 5), ("AATT", 1)]), vec![0, 1]);
    }

    #[test]
    fn chains_follow_the_edges_but_a_node_joins_the_first_group_reaching_it() {
        // A(8) -> B(4)? 8 >= 7 yes; B(4) -> C(2)? 4 >= 3 yes; D(8) -> C? yes, but C is A's
        let g = groups(&[("AAAA", 8), ("AAAC", 4), ("AACC", 2), ("ACCC", 8)]);
        // D=ACCC is one apart from AACC only; A goes first (tie on 8 broken by bytes)
        assert_eq!(g, vec![0, 0, 0, 1]);
        // B(4) and E(4) both one apart from A(6)? 6 >= 7 fails: three groups
        let g = groups(&[("AAAA", 6), ("AAAC", 4), ("AAAG", 4)]);
        assert_eq!(g, vec![0, 1, 2]);
    }

    #[test]
    fn many_umis_use_the_neighbour_index_with_the_same_result() {
        let mut u: Vec<(String, u32)> = Vec::new();
        for i in 0..100u32 {
            let s: String = (0..6)
                .map(|k| b"ACGT"[((i >> (2 * k)) & 3) as usize] as char)
                .collect();
            u.push((s, 1 + (i * 7919) % 13));
        }
        let v: Vec<(&[u8], u32)> = u.iter().map(|(s, c)| (s.as_bytes(), *c)).collect();
        let fast = directional_groups(&v);
        // the same with the all-pairs edges
        let n = v.len();
        let mut slow_edges = vec![Vec::new(); n];
        for a in 0..n {
            for b in 0..n {
                if a != b && one_apart(v[a].0, v[b].0) && v[a].1 >= (2 * v[b].1).saturating_sub(1) {
                    slow_edges[a].push(b);
                }
            }
        }
        assert_eq!(edges(&v), slow_edges);
        assert_eq!(fast.iter().max().map(|m| m + 1).unwrap() as usize, {
            let mut d = fast.clone();
            d.sort();
            d.dedup();
            d.len()
        });
    }

    fn aln<'a>(name: &'a [u8], flags: u16, aux: &'a [u8], cigar: &'a [u32]) -> Aln<'a> {
        Aln {
            tid: 0,
            start: 100,
            flags,
            mapq: 60,
            mate_tid: 0,
            mate_start: 150,
            tlen: 150,
            name,
            cigar,
            seq: &[],
            seq_len: 0,
            qual: &[],
            aux,
        }
    }

    #[test]
    fn umis_from_a_tag_or_the_read_name_and_bundles_from_either_mate() {
        let cigar = [2 << 4 | op::SOFT, 98 << 4];
        let r1 = aln(
            b"A01:1:2_ACGTACGT",
            0x1 | 0x40,
            b"RXZAAAA-CCCC\0MCZ100M\0",
            &cigar,
        );
        assert_eq!(UmiSource::Tag(*b"RX").umi(&r1), Some(&b"AAAA-CCCC"[..]));
        assert_eq!(UmiSource::ReadName(b'_').umi(&r1), Some(&b"ACGTACGT"[..]));
        assert_eq!(UmiSource::ReadName(b'#').umi(&r1), None);
        assert_eq!(UmiSource::None.umi(&r1), Some(&b""[..]));
        // read 1 forward: its unclipped start; its mate (read 2, reverse) gives the same key
        let k1 = bundle_of(&r1).unwrap();
        assert_eq!(
            k1,
            BundleKey {
                reverse: false,
                pos5: 98,
                tlen: 150
            }
        );
        let mut r2 = aln(b"x", 0x1 | 0x80 | 0x10, b"MCZ2S98M\0", &[100 << 4]);
        r2.start = 150;
        r2.mate_start = 100;
        r2.tlen = -150;
        assert_eq!(bundle_of(&r2).unwrap(), k1);
        // mate on another contig: left out, as UMI-tools does in paired mode
        let mut chimeric = r1;
        chimeric.mate_tid = 1;
        assert!(bundle_of(&chimeric).is_none());
    }

    #[test]
    fn mate_cigar_shape_and_duplex_halves() {
        assert_eq!(cigar_text_shape(b"5S90M5S"), Some((5, 5, 90)));
        assert_eq!(cigar_text_shape(b"100M"), Some((0, 0, 100)));
        assert_eq!(cigar_text_shape(b"10M2D10M3I5M"), Some((0, 0, 27)));
        assert_eq!(
            duplex_halves(b"ACGT-TTGA"),
            Some((&b"ACGT"[..], &b"TTGA"[..]))
        );
        assert_eq!(duplex_halves(b"ACGTTTGA"), None);
    }
}
