//! Families to molecules, and each molecule's consensus base per position.
//!
//! METHOD (after fgbio's `CallMolecularConsensusReads` / `CallDuplexConsensusReads`):
//! - the two mates of a read pair are one observation where they overlap: equal bases keep the
//!   higher quality, different bases give no base (an error in one of them, unknown which);
//! - a family's consensus at a position is the base with the highest likelihood over its read
//!   pairs' observations (each base right with probability 1 - 10^(-Q/10), wrong bases equally
//!   likely), uniform prior; its error is one minus the posterior of that base, plus an error
//!   before the UMI was attached (`PRE_UMI_ERROR`, fgbio's default Q45); the consensus quality is
//!   that error in phred, and a base counts from `min_consensus_quality`;
//! - duplex: a family whose UMI is `A-B` and whose read 1 is forward pairs with the family of
//!   the same fragment (same aligned ends) whose read 1 is reverse and whose UMI is `B-A` — the
//!   other strand of the same double-stranded molecule (then, among the families left, the one
//!   family of the other strand of the same fragment whose swapped UMI is one base away: a
//!   strand whose UMI reads all carried one error). Where both strands have a consensus base
//!   they must agree (a disagreement is a strand-specific error or damage: no base), the duplex
//!   quality is their sum (capped); where one strand has a base the molecule takes it (simplex).
//!   Each molecule gives at most one base per position: duplex strands are never counted twice.

use std::collections::HashMap;

use super::umi::BundleKey;

/// Error before the UMI was attached (library preparation): Q45, fgbio's default.
pub(crate) const PRE_UMI_ERROR: f64 = 3.162_277_660_168_379_5e-5;
/// Highest consensus quality reported.
const MAX_QUAL: u8 = 90;

/// One template (read pair) of a shard: its molecule identity and its bases in the core.
#[derive(Clone, Debug)]
pub(crate) struct Template {
    /// Read 1's bundle.
    pub bundle: BundleKey,
    /// Interned UMI.
    pub umi: u32,
    /// Aligned span of the fragment (leftmost mapped base, exclusive end).
    pub span: (i64, i64),
    /// Observations `(offset in the core, base 0-3, quality)`, sorted by offset, mates merged.
    pub obs: Vec<(u32, u8, u8)>,
    /// Reads merged into it so far (1 or 2).
    pub reads: u8,
}

impl Template {
    /// Adds a read's observations (sorted by offset), merging where the mate already gave one.
    pub(crate) fn add_read(&mut self, read: &[(u32, u8, u8)]) {
        self.reads = self.reads.saturating_add(1);
        if self.obs.is_empty() {
            self.obs.extend_from_slice(read);
            return;
        }
        let old = std::mem::take(&mut self.obs);
        let (mut i, mut j) = (0, 0);
        while i < old.len() || j < read.len() {
            match (old.get(i), read.get(j)) {
                (Some(a), Some(b)) if a.0 == b.0 => {
                    // METHOD: overlapping mates: agreement keeps the higher quality; a
                    // disagreement is no base
                    if a.1 == b.1 {
                        self.obs.push((a.0, a.1, a.2.max(b.2)));
                    }
                    i += 1;
                    j += 1;
                }
                (Some(a), Some(b)) if a.0 < b.0 => {
                    self.obs.push(*a);
                    i += 1;
                }
                (Some(_), Some(b)) => {
                    self.obs.push(*b);
                    j += 1;
                }
                (Some(a), None) => {
                    self.obs.push(*a);
                    i += 1;
                }
                (None, Some(b)) => {
                    self.obs.push(*b);
                    j += 1;
                }
                (None, None) => break,
            }
        }
    }
}

/// One family: the templates of one UMI group of one bundle.
#[derive(Clone, Debug)]
pub(crate) struct Family {
    /// The bundle.
    pub bundle: BundleKey,
    /// Representative (most frequent) UMI.
    pub umi: u32,
    /// Every UMI of the group.
    pub umis: Vec<u32>,
    /// Its templates (indices).
    pub templates: Vec<u32>,
    /// Fragment span (of its first template).
    pub span: (i64, i64),
}

/// Groups templates into families, bundle by bundle, by the directional method. `umi_text`
/// resolves interned UMIs. Families come out in bundle order, then group order.
pub(crate) fn families(templates: &[Template], umi_text: &[Vec<u8>]) -> Vec<Family> {
    let mut bundles: HashMap<BundleKey, Vec<u32>> = HashMap::new();
    for (i, t) in templates.iter().enumerate() {
        bundles.entry(t.bundle).or_default().push(i as u32);
    }
    let mut keys: Vec<BundleKey> = bundles.keys().copied().collect();
    keys.sort_unstable();
    let mut out = Vec::new();
    for key in keys {
        let members = &bundles[&key];
        let mut counts: HashMap<u32, u32> = HashMap::new();
        for &t in members {
            *counts.entry(templates[t as usize].umi).or_default() += 1;
        }
        let mut umis: Vec<(u32, u32)> = counts.into_iter().collect();
        umis.sort_unstable();
        let view: Vec<(&[u8], u32)> = umis
            .iter()
            .map(|&(u, c)| (umi_text[u as usize].as_slice(), c))
            .collect();
        let group = super::umi::directional_groups(&view);
        let n_groups = group.iter().map(|&g| g + 1).max().unwrap_or(0) as usize;
        let first = out.len();
        for _ in 0..n_groups {
            out.push(Family {
                bundle: key,
                umi: u32::MAX,
                umis: Vec::new(),
                templates: Vec::new(),
                span: (0, 0),
            });
        }
        let mut best: Vec<(u32, &[u8])> = vec![(0, &[][..]); n_groups];
        let of: HashMap<u32, u32> = umis
            .iter()
            .zip(&group)
            .map(|(&(u, _), &g)| (u, g))
            .collect();
        for (&(u, c), &g) in umis.iter().zip(&group) {
            let f = &mut out[first + g as usize];
            f.umis.push(u);
            let text = umi_text[u as usize].as_slice();
            let b = &mut best[g as usize];
            if f.umi == u32::MAX || c > b.0 || (c == b.0 && text < b.1) {
                f.umi = u;
                *b = (c, text);
            }
        }
        for &t in members {
            let f = &mut out[first + of[&templates[t as usize].umi] as usize];
            if f.templates.is_empty() {
                f.span = templates[t as usize].span;
            }
            f.templates.push(t);
        }
    }
    out
}

/// Consensus calls of one family: `(offset, base, quality)` sorted by offset, only where the
/// quality reaches `min_qual`.
pub(crate) fn family_consensus(
    family: &Family,
    templates: &[Template],
    min_qual: u8,
    scratch: &mut Vec<(u32, u8, u8)>,
) -> Vec<(u32, u8, u8)> {
    scratch.clear();
    for &t in &family.templates {
        scratch.extend_from_slice(&templates[t as usize].obs);
    }
    scratch.sort_unstable_by_key(|o| o.0);
    let mut out = Vec::new();
    let mut i = 0;
    while i < scratch.len() {
        let off = scratch[i].0;
        let mut j = i;
        while j < scratch.len() && scratch[j].0 == off {
            j += 1;
        }
        if let Some((b, q)) = consensus_base(&scratch[i..j]) {
            if q >= min_qual {
                out.push((off, b, q));
            }
        }
        i = j;
    }
    out
}

/// The likelihood consensus of observations at one position: (base, phred quality).
pub(crate) fn consensus_base(obs: &[(u32, u8, u8)]) -> Option<(u8, u8)> {
    if obs.is_empty() {
        return None;
    }
    let mut ll = [0f64; 4];
    for &(_, b, q) in obs {
        let e = 10f64.powf(-(q.max(2) as f64) / 10.0).min(0.75);
        let (right, wrong) = ((1.0 - e).ln(), (e / 3.0).ln());
        for (x, l) in ll.iter_mut().enumerate() {
            *l += if x as u8 == b { right } else { wrong };
        }
    }
    let (best, &top) = ll
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.partial_cmp(b.1).unwrap().then(b.0.cmp(&a.0)))?;
    let total: f64 = ll.iter().map(|l| (l - top).exp()).sum();
    let err = (1.0 - 1.0 / total).max(0.0) + PRE_UMI_ERROR;
    Some((best as u8, phred(err)))
}

fn phred(err: f64) -> u8 {
    let q = -10.0 * err.max(1e-12).log10();
    q.round().clamp(0.0, MAX_QUAL as f64) as u8
}

/// Molecule calls of a duplex pair (or one strand): where both strands have a base they must
/// agree; the quality is their sum, capped.
pub(crate) fn duplex_calls(a: &[(u32, u8, u8)], b: &[(u32, u8, u8)]) -> Vec<(u32, u8, u8, bool)> {
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                if x.1 == y.1 {
                    out.push((x.0, x.1, x.2.saturating_add(y.2).min(MAX_QUAL), true));
                }
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x.0 < y.0 => {
                out.push((x.0, x.1, x.2, false));
                i += 1;
            }
            (Some(_), Some(y)) => {
                out.push((y.0, y.1, y.2, false));
                j += 1;
            }
            (Some(x), None) => {
                out.push((x.0, x.1, x.2, false));
                i += 1;
            }
            (None, Some(y)) => {
                out.push((y.0, y.1, y.2, false));
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

/// Pairs the two strands of duplex molecules: `(top, Some(bottom))` for pairs, `(f, None)` for
/// families without a partner. Top = read 1 forward with UMI `A-B`; its partner has read 1
/// reverse, UMI `B-A` and the same fragment ends. A key claimed twice on one strand pairs none.
pub(crate) fn pair_strands(fams: &[Family], umi_text: &[Vec<u8>]) -> Vec<(usize, Option<usize>)> {
    let key = |f: &Family| -> Option<DuplexKey> {
        let (x, y) = super::umi::duplex_halves(&umi_text[f.umi as usize])?;
        let (a, b) = if f.bundle.reverse { (y, x) } else { (x, y) };
        Some((f.span.0, f.span.1, a.to_vec(), b.to_vec()))
    };
    let mut slots: HashMap<DuplexKey, [Vec<usize>; 2]> = HashMap::new();
    for (i, f) in fams.iter().enumerate() {
        if let Some(k) = key(f) {
            slots.entry(k).or_default()[f.bundle.reverse as usize].push(i);
        }
    }
    let mut partner = vec![None; fams.len()];
    for s in slots.values() {
        if s[0].len() == 1 && s[1].len() == 1 {
            partner[s[0][0]] = Some(s[1][0]);
            partner[s[1][0]] = Some(s[0][0]);
        }
    }
    pair_near(fams, &mut partner, &key);
    let mut out = Vec::new();
    for (i, p) in partner.iter().enumerate() {
        match p {
            Some(j) if *j < i => {}
            Some(j) => out.push((i, Some(*j))),
            None => out.push((i, None)),
        }
    }
    out
}

type DuplexKey = (i64, i64, Vec<u8>, Vec<u8>);

/// Second pass of the strand pairing: a family left without a partner pairs with the one
/// unpaired family of the other strand on the same fragment whose (swapped) UMI is one base
/// away — a strand family whose UMI reads all carried the same error (a singleton, mostly).
fn pair_near(
    fams: &[Family],
    partner: &mut [Option<usize>],
    key: &dyn Fn(&Family) -> Option<DuplexKey>,
) {
    type Strands = [Vec<(usize, Vec<u8>)>; 2];
    let mut by_span: HashMap<(i64, i64), Strands> = HashMap::new();
    for (i, f) in fams.iter().enumerate() {
        if partner[i].is_some() {
            continue;
        }
        if let Some((l, r, a, b)) = key(f) {
            let mut u = a;
            u.push(b'-');
            u.extend(b);
            by_span.entry((l, r)).or_default()[f.bundle.reverse as usize].push((i, u));
        }
    }
    let near = |x: &[u8], y: &[u8]| {
        x.len() == y.len() && x.iter().zip(y).filter(|(p, q)| p != q).count() == 1
    };
    let mut spans: Vec<_> = by_span.into_iter().collect();
    spans.sort_unstable_by_key(|(k, _)| *k);
    for (_, [top, bottom]) in spans {
        for (i, u) in &top {
            let cands: Vec<usize> = bottom
                .iter()
                .filter(|(j, v)| partner[*j].is_none() && near(u, v))
                .map(|(j, _)| *j)
                .collect();
            let mutual = cands.len() == 1
                && top
                    .iter()
                    .filter(|(k, w)| {
                        partner[*k].is_none()
                            && near(w, &bottom.iter().find(|(j, _)| *j == cands[0]).unwrap().1)
                    })
                    .count()
                    == 1;
            if mutual {
                partner[*i] = Some(cands[0]);
                partner[cands[0]] = Some(*i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(umi: u32, pos5: i64, obs: &[(u32, u8, u8)]) -> Template {
        Template {
            bundle: BundleKey {
                reverse: false,
                pos5,
                tlen: 167,
            },
            umi,
            span: (pos5, pos5 + 167),
            obs: obs.to_vec(),
            reads: 1,
        }
    }

    #[test]
    fn mates_merge_where_they_overlap() {
        let mut x = t(0, 0, &[(1, 0, 30), (2, 1, 30), (3, 2, 30)]);
        x.add_read(&[(2, 1, 37), (3, 3, 37), (4, 0, 37)]);
        assert_eq!(x.obs, vec![(1, 0, 30), (2, 1, 37), (4, 0, 37)]);
        assert_eq!(x.reads, 2);
    }

    #[test]
    fn consensus_outvotes_one_error_and_two_singletons_disagreeing_give_no_base() {
        let obs = [(0, 2, 37), (0, 2, 37), (0, 1, 37)];
        let (b, q) = consensus_base(&obs).unwrap();
        assert_eq!(b, 2);
        assert!(q > 30 && q < 45, "{q}");
        let (b, q) = consensus_base(&obs[..1]).unwrap();
        // one read pair: its own quality plus the pre-UMI error (Q37 -> Q36)
        assert_eq!((b, q), (2, 36));
        let (_, q) = consensus_base(&[(0, 1, 37), (0, 2, 37)]).unwrap();
        assert!(q < 5, "a tie is no base: {q}");
        // the pre-UMI error caps agreement
        let many: Vec<_> = (0..20).map(|_| (0u32, 3u8, 40u8)).collect();
        assert_eq!(consensus_base(&many).unwrap(), (3, 45));
    }

    #[test]
    fn families_group_umis_and_duplex_strands_pair() {
        let umis: Vec<Vec<u8>> = vec![
            b"AAAA-CCCC".to_vec(),
            b"AAAT-CCCC".to_vec(),
            b"CCCC-AAAA".to_vec(),
        ];
        let mut ts = vec![t(0, 100, &[]), t(0, 100, &[]), t(1, 100, &[])];
        let mut bottom = t(2, 267, &[]);
        bottom.bundle.reverse = true;
        bottom.bundle.tlen = -167;
        bottom.span = (100, 267);
        ts.push(bottom);
        let f = families(&ts, &umis);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].templates, vec![0, 1, 2]);
        assert_eq!(f[0].umi, 0);
        let pairs = pair_strands(&f, &umis);
        assert_eq!(pairs, vec![(0, Some(1))]);
        let calls = duplex_calls(
            &[(5, 1, 40), (6, 2, 40)],
            &[(5, 1, 40), (6, 3, 40), (7, 0, 30)],
        );
        assert_eq!(calls, vec![(5, 1, 80, true), (7, 0, 30, false)]);
    }
}
