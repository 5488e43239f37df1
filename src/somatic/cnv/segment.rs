//! Segmentation of a contig's bins into runs of constant depth ratio and allele balance.
//!
//! METHOD: PELT, Pruned Exact Linear Time (Killick, Fearnhead & Eckley 2012, J Am Stat Assoc
//! 107:1590), the exact minimiser of the penalised cost `sum(cost(segment)) + penalty *
//! (segments - 1)`, with the pruning rule of that paper. The cost of a segment is the
//! Gaussian change-in-mean cost of two tracks at once: the log2 ratios (variance
//! `sigma_r^2` per bin) and the bins' mean major-allele fractions weighted by their number of
//! heterozygous sites (variance `sigma_b^2` per site), as joint segmentation of depth and
//! BAF is done by ASCAT's ASPCF and PURPLE. Segments are at least `min_bins` bins long.

/// One bin's values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// log2 ratio.
    pub r: f64,
    /// Mean major-allele fraction of the bin's heterozygous sites (0 when none).
    pub b: f64,
    /// Heterozygous sites in the bin.
    pub w: f64,
}

struct Prefix {
    s1: Vec<f64>,
    s2: Vec<f64>,
    w: Vec<f64>,
    wb: Vec<f64>,
    wbb: Vec<f64>,
}

impl Prefix {
    fn new(p: &[Point]) -> Prefix {
        let n = p.len();
        let mut x = Prefix {
            s1: vec![0.0; n + 1],
            s2: vec![0.0; n + 1],
            w: vec![0.0; n + 1],
            wb: vec![0.0; n + 1],
            wbb: vec![0.0; n + 1],
        };
        for (i, q) in p.iter().enumerate() {
            x.s1[i + 1] = x.s1[i] + q.r;
            x.s2[i + 1] = x.s2[i] + q.r * q.r;
            x.w[i + 1] = x.w[i] + q.w;
            x.wb[i + 1] = x.wb[i] + q.w * q.b;
            x.wbb[i + 1] = x.wbb[i] + q.w * q.b * q.b;
        }
        x
    }

    /// Cost of bins `s..t` (the pass computes it for all candidates at once in
    /// `Candidates::costs`; this form is the tests' reference).
    #[cfg(test)]
    fn cost(&self, s: usize, t: usize, inv_vr: f64, inv_vb: f64) -> f64 {
        let n = (t - s) as f64;
        let s1 = self.s1[t] - self.s1[s];
        let s2 = self.s2[t] - self.s2[s];
        let mut c = (s2 - s1 * s1 / n).max(0.0) * inv_vr;
        let w = self.w[t] - self.w[s];
        if w > 0.0 {
            let wb = self.wb[t] - self.wb[s];
            let wbb = self.wbb[t] - self.wbb[s];
            c += (wbb - wb * wb / w).max(0.0) * inv_vb;
        }
        c
    }
}

/// PELT's candidate segment starts with their F and prefix sums, one array per value, so that
/// the cost of every candidate at a new end is one loop the compiler vectorises (the same
/// arithmetic, in the same order, as `Prefix::cost`: identical values).
#[derive(Default)]
struct Candidates {
    idx: Vec<usize>,
    start: Vec<f64>,
    f: Vec<f64>,
    s1: Vec<f64>,
    s2: Vec<f64>,
    w: Vec<f64>,
    wb: Vec<f64>,
    wbb: Vec<f64>,
}

impl Candidates {
    fn push(&mut self, s: usize, pre: &Prefix, f: f64) {
        self.idx.push(s);
        self.start.push(s as f64);
        self.f.push(f);
        self.s1.push(pre.s1[s]);
        self.s2.push(pre.s2[s]);
        self.w.push(pre.w[s]);
        self.wb.push(pre.wb[s]);
        self.wbb.push(pre.wbb[s]);
    }

    /// `out[k]` = F(s) + C(s, t) for every candidate `s` (any `t - s >= 1`).
    fn costs(&self, pre: &Prefix, t: usize, inv_vr: f64, inv_vb: f64, out: &mut Vec<f64>) {
        let (tf, t1, t2) = (t as f64, pre.s1[t], pre.s2[t]);
        let (tw, twb, twbb) = (pre.w[t], pre.wb[t], pre.wbb[t]);
        out.clear();
        out.extend(
            self.start
                .iter()
                .zip(&self.f)
                .zip(self.s1.iter().zip(&self.s2))
                .zip(self.w.iter().zip(self.wb.iter().zip(&self.wbb)))
                .map(|(((&s, &f), (&a1, &a2)), (&w, (&wb, &wbb)))| {
                    let n = tf - s;
                    let s1 = t1 - a1;
                    let s2 = t2 - a2;
                    let c = (s2 - s1 * s1 / n).max(0.0) * inv_vr;
                    let w = tw - w;
                    let wb = twb - wb;
                    let wbb = twbb - wbb;
                    let b = (wbb - wb * wb / w).max(0.0) * inv_vb;
                    f + if w > 0.0 { c + b } else { c }
                }),
        );
    }

    /// Keeps the candidates for which `keep(position in the arrays, start)` holds.
    fn retain(&mut self, mut keep: impl FnMut(usize, usize) -> bool) {
        // most steps prune nothing (or only late candidates): nothing moves before the first
        // candidate dropped
        let n = self.idx.len();
        let mut to = 0;
        while to < n && keep(to, self.idx[to]) {
            to += 1;
        }
        if to == n {
            return;
        }
        for k in to + 1..n {
            if keep(k, self.idx[k]) {
                self.idx[to] = self.idx[k];
                self.start[to] = self.start[k];
                self.f[to] = self.f[k];
                self.s1[to] = self.s1[k];
                self.s2[to] = self.s2[k];
                self.w[to] = self.w[k];
                self.wb[to] = self.wb[k];
                self.wbb[to] = self.wbb[k];
                to += 1;
            }
        }
        for v in [
            &mut self.start,
            &mut self.f,
            &mut self.s1,
            &mut self.s2,
            &mut self.w,
            &mut self.wb,
            &mut self.wbb,
        ] {
            v.truncate(to);
        }
        self.idx.truncate(to);
    }
}

/// Segment ends (exclusive bin indices, the last one is `points.len()`).
pub(crate) fn pelt(
    points: &[Point],
    sigma_r: f64,
    sigma_b: f64,
    penalty: f64,
    min_bins: usize,
) -> Vec<usize> {
    let n = points.len();
    if n == 0 {
        return Vec::new();
    }
    let m = min_bins.max(1);
    if n < 2 * m {
        return vec![n];
    }
    let pre = Prefix::new(points);
    let inv_vr = 1.0 / (sigma_r * sigma_r).max(1e-12);
    let inv_vb = 1.0 / (sigma_b * sigma_b).max(1e-12);
    let mut f = vec![f64::INFINITY; n + 1];
    let mut last = vec![0usize; n + 1];
    f[0] = -penalty;
    let mut cand = Candidates::default();
    cand.push(0, &pre, f[0]);
    // F(s) + C(s, t) of each candidate at this t, computed once for the minimum and the pruning
    let mut costs: Vec<f64> = Vec::new();
    for t in m..=n {
        cand.costs(&pre, t, inv_vr, inv_vb, &mut costs);
        let mut best = f64::INFINITY;
        let mut arg = 0usize;
        for (k, &s) in cand.idx.iter().enumerate() {
            if t - s < m || !cand.f[k].is_finite() {
                continue;
            }
            let v = costs[k] + penalty;
            if v < best {
                best = v;
                arg = s;
            }
        }
        f[t] = best;
        last[t] = arg;
        // PELT pruning: s can never be optimal again once F(s) + C(s, t) > F(t)
        let ft = f[t];
        cand.retain(|k, s| t - s < m || costs[k] <= ft);
        if t < n {
            // the start that becomes admissible at t + 1 (its F is final: it is at most t)
            let s = t + 1 - m;
            cand.push(s, &pre, f[s]);
        }
    }
    let mut ends = Vec::new();
    let mut t = n;
    while t > 0 {
        ends.push(t);
        t = last[t];
    }
    ends.reverse();
    ends
}

/// Robust standard deviation of bin-to-bin noise: 1.4826 * MAD of first differences / sqrt(2)
/// (insensitive to the level shifts being looked for).
pub(crate) fn diff_sd(x: &[f64]) -> f64 {
    if x.len() < 3 {
        return 0.0;
    }
    let mut d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    let med = median(&mut d);
    let mut dev: Vec<f64> = d.iter().map(|v| (v - med).abs()).collect();
    1.4826 * median(&mut dev) / std::f64::consts::SQRT_2
}

/// Median (sorts `x`); 0 when empty.
pub fn median(x: &mut [f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    x.sort_by(|a, b| a.total_cmp(b));
    let n = x.len();
    if n % 2 == 1 {
        x[n / 2]
    } else {
        (x[n / 2 - 1] + x[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(r: &[f64]) -> Vec<Point> {
        r.iter().map(|&r| Point { r, b: 0.0, w: 0.0 }).collect()
    }

    /// Brute force optimal partition (exponential; small n only).
    fn brute(points: &[Point], s: f64, pen: f64, m: usize) -> (f64, Vec<usize>) {
        let pre = Prefix::new(points);
        let n = points.len();
        let inv = 1.0 / (s * s);
        let mut best = (f64::INFINITY, vec![]);
        // every subset of cut positions
        for mask in 0u32..(1 << (n - 1)) {
            let mut ends: Vec<usize> = (1..n).filter(|i| mask >> (i - 1) & 1 == 1).collect();
            ends.push(n);
            let mut start = 0;
            let mut cost = -pen;
            let mut ok = true;
            for &e in &ends {
                if e - start < m {
                    ok = false;
                    break;
                }
                cost += pre.cost(start, e, inv, 1.0) + pen;
                start = e;
            }
            if ok && cost < best.0 - 1e-9 {
                best = (cost, ends);
            }
        }
        best
    }

    /// PELT as first written (one candidate at a time through `Prefix::cost`): the oracle of
    /// the vectorised candidate loop.
    fn pelt_one_by_one(points: &[Point], sr: f64, sb: f64, penalty: f64, m: usize) -> Vec<usize> {
        let n = points.len();
        let pre = Prefix::new(points);
        let (inv_vr, inv_vb) = (1.0 / (sr * sr), 1.0 / (sb * sb));
        let mut f = vec![f64::INFINITY; n + 1];
        let mut last = vec![0usize; n + 1];
        f[0] = -penalty;
        let mut candidates: Vec<usize> = vec![0];
        for t in m..=n {
            let mut best = f64::INFINITY;
            let mut arg = 0usize;
            for &s in &candidates {
                if t - s < m || !f[s].is_finite() {
                    continue;
                }
                let v = f[s] + pre.cost(s, t, inv_vr, inv_vb) + penalty;
                if v < best {
                    best = v;
                    arg = s;
                }
            }
            f[t] = best;
            last[t] = arg;
            let ft = f[t];
            candidates.retain(|&s| t - s < m || f[s] + pre.cost(s, t, inv_vr, inv_vb) <= ft);
            if t < n {
                candidates.push(t + 1 - m);
            }
        }
        let mut ends = Vec::new();
        let mut t = n;
        while t > 0 {
            ends.push(t);
            t = last[t];
        }
        ends.reverse();
        ends
    }

    #[test]
    fn the_vectorised_candidate_loop_gives_the_same_segments() {
        let mut r = crate::types::xorshift(3);
        let mut rnd = move || (r() % 10_000) as f64 / 10_000.0 - 0.5;
        for trial in 0..6 {
            let pts: Vec<Point> = (0..2_000)
                .map(|i| {
                    let level = match (i / 400 + trial) % 3 {
                        0 => 0.0,
                        1 => 0.4,
                        _ => -0.6,
                    };
                    let w = if i % 7 == 0 { 0.0 } else { (i % 5) as f64 };
                    Point {
                        r: level * f64::from(u8::from(trial % 2 == 0)) + 0.3 * rnd(),
                        b: 0.5 + 0.5 * rnd().abs(),
                        w,
                    }
                })
                .collect();
            for m in [1usize, 3, 10] {
                assert_eq!(
                    pelt(&pts, 0.25, 0.1, 8.0, m),
                    pelt_one_by_one(&pts, 0.25, 0.1, 8.0, m),
                    "trial {trial} min_bins {m}"
                );
            }
        }
    }

    #[test]
    fn pelt_equals_the_exhaustive_optimum() {
        // deterministic pseudo-random data with two level shifts
        let mut r = crate::types::xorshift(7);
        let mut rnd = || (r() % 1000) as f64 / 1000.0 - 0.5;
        for trial in 0..20 {
            let v: Vec<f64> = (0..14)
                .map(|i| {
                    let level = if (4..9).contains(&i) { 1.0 } else { 0.0 };
                    level + 0.4 * rnd() + if trial % 3 == 0 { 0.3 } else { 0.0 }
                })
                .collect();
            let p = pts(&v);
            for m in [1usize, 2, 3] {
                for pen in [0.5, 2.0, 8.0] {
                    let got = pelt(&p, 0.3, 1.0, pen, m);
                    let (_, want) = brute(&p, 0.3, pen, m);
                    assert_eq!(got, want, "trial {trial} m {m} pen {pen}");
                }
            }
        }
    }

    #[test]
    fn finds_a_focal_amplification_and_nothing_in_flat_noise() {
        let mut r = crate::types::xorshift(11);
        let mut noise = || ((r() % 10_000) as f64 / 10_000.0 - 0.5) * 0.3;
        let v: Vec<f64> = (0..400)
            .map(|i| if (200..240).contains(&i) { 1.6 } else { 0.0 } + noise())
            .collect();
        let s = diff_sd(&v);
        assert!((0.05..0.15).contains(&s), "noise {s}");
        let pen = 3.0 * (v.len() as f64).ln();
        assert_eq!(pelt(&pts(&v), s, 1.0, pen, 3), vec![200, 240, 400]);
        let flat: Vec<f64> = (0..400).map(|_| noise()).collect();
        let s = diff_sd(&flat);
        assert_eq!(pelt(&pts(&flat), s, 1.0, pen, 3), vec![400]);
    }

    #[test]
    fn allele_balance_alone_splits_copy_neutral_loh() {
        // same depth everywhere; the middle third has BAF 0.9 instead of 0.5
        let p: Vec<Point> = (0..90)
            .map(|i| Point {
                r: if i % 2 == 0 { 0.02 } else { -0.02 },
                b: if (30..60).contains(&i) { 0.9 } else { 0.55 },
                w: 3.0,
            })
            .collect();
        assert_eq!(pelt(&p, 0.05, 0.08, 3.0 * 90f64.ln(), 3), vec![30, 60, 90]);
    }
}
