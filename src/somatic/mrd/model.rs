//! Tumor fraction, the aggregated MRD test and the limit of detection (pure functions).
//!
//! METHOD (see `docs/methods/monitoring.md`):
//! - Expected allele fraction. A variant carried by `mc` copies per tumor cell (multiplicity x
//!   cancer cell fraction, from the baseline) at local tumor copy number `cn` shows in plasma of
//!   tumor fraction `f` (the tumor cells' share of the cell-free DNA, at two copies) at
//!   `v(f) = f mc / (f cn + 2 (1 - f))`. A molecule at the site reads alt with probability
//!   `q = v + (1 - v) e`, `e` the sample's background rate of that substitution in its context.
//! - Tumor fraction: the maximum of the binomial log-likelihood `sum a ln q + (n - a) ln(1 - q)`
//!   over the used variants (a grid on a log scale, refined by golden section); the 95%
//!   interval is the profile-likelihood interval `2 (L(f^) - L(f)) <= 3.84` (lower bound 0 when
//!   `f = 0` is inside it).
//! - MRD test: the total alt molecules `T` over the used variants against the background, by a
//!   conditional exact test per substitution class `k` (the 96 contexts where the background
//!   resolves them, else the 6 classes): under "no tumor DNA" the tracked sites and the
//!   background positions of class `k` share one error rate, so of the `S_k` error molecules of
//!   the class seen at either, the number at the tracked sites is Binomial(`S_k`, `N_k / (N_k +
//!   M_k)`) (`N_k`, `M_k` the molecule-bases at the sites and in the background; the binomial is
//!   the Poisson limit of the exact hypergeometric split, and is conservative). `T` is the sum of
//!   these independent binomials; its upper tail is computed exactly (or bounded by Chernoff for
//!   large counts). The false-positive rate on tumor-free samples is therefore at most `alpha`
//!   whenever the tracked sites' error rate is that of the background positions of their class —
//!   it does not depend on how well the rate is estimated.
//! - Limit of detection: the smallest `f` detected with probability 0.95 at this sample's
//!   families, variants and background: the critical count of a Poisson(`sum n e`) null at
//!   `alpha`, reached by a Poisson(`sum n q(f)`) count with probability 0.95.

/// Half the chi-square(1) 95% quantile: the profile-likelihood drop of the 95% interval.
const CI95_DROP: f64 = 1.920_729_410_347_062;
/// Power at which the limit of detection is read.
pub(crate) const LOD_POWER: f64 = 0.95;
/// Largest observed count handled by the exact convolution (Chernoff bound above).
const EXACT_MAX_COUNT: u64 = 4000;

/// One used variant as the model sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SiteData {
    /// Molecules with a consensus base.
    pub families: u64,
    /// Of those, alt.
    pub alt: u64,
    /// Background rate of the substitution.
    pub error: f64,
    /// Mutated copies per tumor cell (multiplicity x cancer cell fraction).
    pub mc: f64,
    /// Local tumor copy number.
    pub cn: f64,
}

/// Expected plasma allele fraction at tumor fraction `f`.
pub(crate) fn expected_vaf(f: f64, mc: f64, cn: f64) -> f64 {
    let d = f * cn + 2.0 * (1.0 - f);
    if d <= 0.0 {
        0.0
    } else {
        (f * mc / d).clamp(0.0, 1.0)
    }
}

fn q_alt(f: f64, s: &SiteData) -> f64 {
    let v = expected_vaf(f, s.mc, s.cn);
    (v + (1.0 - v) * s.error).clamp(1e-15, 1.0 - 1e-12)
}

/// Binomial log-likelihood of tumor fraction `f`.
pub(crate) fn log_likelihood(f: f64, sites: &[SiteData]) -> f64 {
    sites
        .iter()
        .map(|s| {
            let q = q_alt(f, s);
            s.alt as f64 * q.ln() + (s.families - s.alt) as f64 * (1.0 - q).ln()
        })
        .sum()
}

/// Maximum-likelihood tumor fraction in [0, 1].
pub(crate) fn mle(sites: &[SiteData]) -> f64 {
    let mut grid = vec![0.0];
    grid.extend((0..=140).map(|i| 10f64.powf(-7.0 + i as f64 * 0.05)));
    let ll: Vec<f64> = grid.iter().map(|&f| log_likelihood(f, sites)).collect();
    let best = (0..grid.len())
        .max_by(|&a, &b| {
            ll[a]
                .partial_cmp(&ll[b])
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .unwrap_or(0);
    if best == 0 {
        return 0.0;
    }
    let lo = grid[best - 1];
    let hi = grid[(best + 1).min(grid.len() - 1)];
    golden_max(|f| log_likelihood(f, sites), lo, hi)
}

fn golden_max(g: impl Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    const R: f64 = 0.618_033_988_749_895;
    let (mut c, mut d) = (b - R * (b - a), a + R * (b - a));
    let (mut gc, mut gd) = (g(c), g(d));
    for _ in 0..80 {
        if gc >= gd {
            b = d;
            d = c;
            gd = gc;
            c = b - R * (b - a);
            gc = g(c);
        } else {
            a = c;
            c = d;
            gc = gd;
            d = a + R * (b - a);
            gd = g(d);
        }
    }
    (a + b) / 2.0
}

/// 95% profile-likelihood interval around `f_hat`.
pub(crate) fn ci95(sites: &[SiteData], f_hat: f64) -> [f64; 2] {
    let target = log_likelihood(f_hat, sites) - CI95_DROP;
    let bisect = |mut inside: f64, mut outside: f64| {
        for _ in 0..100 {
            let m = (inside + outside) / 2.0;
            if log_likelihood(m, sites) >= target {
                inside = m;
            } else {
                outside = m;
            }
        }
        (inside + outside) / 2.0
    };
    let lo = if log_likelihood(0.0, sites) >= target {
        0.0
    } else {
        bisect(f_hat, 0.0)
    };
    let hi = if log_likelihood(1.0, sites) >= target {
        1.0
    } else {
        bisect(f_hat, 1.0)
    };
    [lo, hi]
}

/// One class of the conditional test.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct TestClass {
    /// Alt molecules at the tracked sites of the class.
    pub site_alt: u64,
    /// Molecule-bases at those sites.
    pub site_bases: u64,
    /// Error molecules of the class in the background.
    pub background_errors: u64,
    /// Molecule-bases of the class's context(s) in the background.
    pub background_bases: u64,
}

/// p-value of the aggregated test: `P(T >= observed)` under the null.
pub(crate) fn conditional_p_value(classes: &[TestClass]) -> f64 {
    let t: u64 = classes.iter().map(|c| c.site_alt).sum();
    if t == 0 {
        return 1.0;
    }
    let parts: Vec<(u64, f64)> = classes
        .iter()
        .filter(|c| c.site_alt + c.background_errors > 0)
        .map(|c| {
            let n = c.site_bases as f64;
            let m = c.background_bases as f64;
            let pi = if n + m > 0.0 { n / (n + m) } else { 1.0 };
            (c.site_alt + c.background_errors, pi)
        })
        .collect();
    let work: u64 = parts.iter().map(|&(s, _)| s.min(t) * t).sum();
    if t > EXACT_MAX_COUNT || work > 50_000_000 {
        return chernoff_tail(&parts, t);
    }
    binomial_sum_tail(&parts, t)
}

/// Binomial(n, p) probabilities for k = 0..=n (log-space recurrence).
fn binomial_pmf(n: u64, p: f64) -> Vec<f64> {
    if p <= 0.0 {
        let mut v = vec![0.0; n as usize + 1];
        v[0] = 1.0;
        return v;
    }
    if p >= 1.0 {
        let mut v = vec![0.0; n as usize + 1];
        v[n as usize] = 1.0;
        return v;
    }
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    let mut out = Vec::with_capacity(n as usize + 1);
    let mut lc = 0.0; // ln C(n, k)
    for k in 0..=n {
        if k > 0 {
            lc += ((n - k + 1) as f64).ln() - (k as f64).ln();
        }
        out.push((lc + k as f64 * lp + (n - k) as f64 * lq).exp());
    }
    out
}

/// Exact `P(sum_k Binomial(s_k, p_k) >= t)`: a convolution truncated at `t`.
fn binomial_sum_tail(parts: &[(u64, f64)], t: u64) -> f64 {
    let t = t as usize;
    let mut dp = vec![0.0f64; t + 1];
    dp[0] = 1.0;
    for &(s, p) in parts {
        let pmf = binomial_pmf(s, p);
        // survival: tail[m] = P(K >= m), summed from the top so small tails stay exact
        let mut tail = vec![0.0; pmf.len() + 1];
        for k in (0..pmf.len()).rev() {
            tail[k] = tail[k + 1] + pmf[k];
        }
        let mut next = vec![0.0f64; t + 1];
        next[t] = dp[t];
        for (i, &mass) in dp.iter().enumerate().take(t) {
            if mass == 0.0 {
                continue;
            }
            let room = t - i;
            for (k, &pk) in pmf.iter().enumerate().take(room) {
                next[i + k] += mass * pk;
            }
            if room < tail.len() {
                next[t] += mass * tail[room];
            }
        }
        dp = next;
    }
    dp[t].clamp(0.0, 1.0)
}

/// Chernoff bound on `P(sum Binomial(s_k, p_k) >= t)` (an upper bound: conservative).
fn chernoff_tail(parts: &[(u64, f64)], t: u64) -> f64 {
    let mean: f64 = parts.iter().map(|&(s, p)| s as f64 * p).sum();
    if (t as f64) <= mean {
        return 1.0;
    }
    let log_bound = |theta: f64| -> f64 {
        -theta * t as f64
            + parts
                .iter()
                .map(|&(s, p)| s as f64 * (1.0 - p + p * theta.exp()).ln())
                .sum::<f64>()
    };
    let theta = golden_max(|th| -log_bound(th), 0.0, 60.0);
    log_bound(theta).min(0.0).exp()
}

/// `P(Poisson(lambda) >= t)`.
pub(crate) fn poisson_tail(lambda: f64, t: u64) -> f64 {
    if t == 0 {
        return 1.0;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    // 1 - P(X <= t-1), summed in log space; for a far upper tail sum the tail itself
    if (t as f64) > lambda {
        let mut term = (t as f64 * lambda.ln() - lambda - ln_factorial(t)).exp();
        let mut sum = 0.0;
        let mut k = t;
        while term > sum * 1e-17 && k < t + 100_000 {
            sum += term;
            k += 1;
            term *= lambda / k as f64;
        }
        return sum.min(1.0);
    }
    let mut term = (-lambda).exp();
    let mut cdf = 0.0;
    for k in 0..t {
        if k > 0 {
            term *= lambda / k as f64;
        }
        cdf += term;
    }
    (1.0 - cdf).clamp(0.0, 1.0)
}

fn ln_factorial(n: u64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    let x = n as f64 + 1.0;
    // Stirling series for ln Gamma(x)
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x.powi(3))
}

/// Smallest count whose Poisson(`lambda`) upper tail is at most `alpha`.
pub(crate) fn critical_count(lambda: f64, alpha: f64) -> u64 {
    let mut t = lambda.floor() as u64;
    while poisson_tail(lambda, t) > alpha {
        t += 1;
    }
    t.max(1)
}

/// The tumor fraction detected with probability [`LOD_POWER`] (None: not even at 1).
pub(crate) fn limit_of_detection(sites: &[SiteData], alpha: f64) -> Option<f64> {
    if sites.is_empty() {
        return None;
    }
    let lambda0: f64 = sites.iter().map(|s| s.families as f64 * s.error).sum();
    let t = critical_count(lambda0, alpha);
    let power = |f: f64| -> f64 {
        let lambda: f64 = sites.iter().map(|s| s.families as f64 * q_alt(f, s)).sum();
        poisson_tail(lambda, t)
    };
    if power(1.0) < LOD_POWER {
        return None;
    }
    let (mut lo, mut hi) = (-9.0f64, 0.0f64);
    for _ in 0..60 {
        let m = (lo + hi) / 2.0;
        if power(10f64.powf(m)) >= LOD_POWER {
            hi = m;
        } else {
            lo = m;
        }
    }
    Some(10f64.powf(hi))
}

/// Cellular copies of a variant from its baseline allele fraction.
///
/// METHOD: with baseline purity `p` and local copy number `cn`, a clonal heterozygous
/// mutation has allele fraction `v1 = p / (p cn + 2 (1 - p))`. When the baseline alt count is
/// consistent with `v1` (two-sided binomial, normal approximation, |z| < 1.96) the variant is
/// clonal on one copy (`mc = 1`); above, clonal on `round(mc^)` copies (at most `cn`); below,
/// subclonal with `mc = mc^` (the cancer cell fraction), at least 0.05.
pub(crate) fn baseline_copies(
    alt: u32,
    depth: u32,
    purity: f64,
    cn: f64,
) -> (f64, crate::types::monitor::WeightBasis) {
    use crate::types::monitor::WeightBasis;
    let p = purity.clamp(0.01, 1.0);
    let denom = p * cn + 2.0 * (1.0 - p);
    let v1 = p / denom;
    if depth == 0 {
        return (1.0, WeightBasis::Clonal);
    }
    let vaf = alt as f64 / depth as f64;
    let sd = (v1 * (1.0 - v1) / depth as f64).sqrt().max(1e-9);
    let z = (vaf - v1) / sd;
    let mc_hat = vaf * denom / p;
    if z.abs() < 1.96 {
        (1.0, WeightBasis::Clonal)
    } else if z > 0.0 {
        (
            mc_hat.round().clamp(1.0, cn.max(1.0)),
            WeightBasis::ClonalMultiCopy,
        )
    } else {
        (mc_hat.max(0.05), WeightBasis::Subclonal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites(n: usize, fam: u64, alt: u64, e: f64) -> Vec<SiteData> {
        (0..n)
            .map(|_| SiteData {
                families: fam,
                alt,
                error: e,
                mc: 1.0,
                cn: 2.0,
            })
            .collect()
    }

    #[test]
    fn mle_recovers_the_fraction_of_clean_counts() {
        // 100 sites x 1000 molecules, 5 alt each = VAF 0.005 = f/2 at f = 0.01
        let s = sites(100, 1000, 5, 1e-6);
        let f = mle(&s);
        assert!((f - 0.01).abs() < 2e-4, "{f}");
        let [lo, hi] = ci95(&s, f);
        assert!(lo < f && f < hi && lo > 0.008 && hi < 0.012, "{lo} {hi}");
        // nothing: 0 with an interval from 0
        let z = sites(100, 1000, 0, 1e-5);
        assert_eq!(mle(&z), 0.0);
        assert_eq!(ci95(&z, 0.0)[0], 0.0);
    }

    #[test]
    fn the_test_is_exact_in_a_small_case_and_calibrated() {
        // one class, half the bases at the sites: T ~ Binomial(S, 0.5)
        let c = TestClass {
            site_alt: 3,
            site_bases: 1000,
            background_errors: 1,
            background_bases: 1000,
        };
        // P(Bin(4, .5) >= 3) = 5/16
        assert!((conditional_p_value(&[c]) - 5.0 / 16.0).abs() < 1e-12);
        // two classes: the sum of two binomials
        let d = TestClass {
            site_alt: 0,
            site_bases: 1000,
            background_errors: 2,
            background_bases: 1000,
        };
        // S = 4 + 2 = 6 at p = .5: P(Bin(6, .5) >= 3) = 42/64
        assert!((conditional_p_value(&[c, d]) - 42.0 / 64.0).abs() < 1e-12);
        // the Chernoff bound is above the exact tail
        let parts = [(4000u64, 0.01), (3000, 0.02)];
        let exact = binomial_sum_tail(&parts, 150);
        let bound = chernoff_tail(&parts, 150);
        assert!(
            bound >= exact && bound < 50.0 * exact.max(1e-300),
            "{exact} {bound}"
        );
    }

    #[test]
    fn poisson_tails_and_the_limit_of_detection() {
        assert!((poisson_tail(2.0, 1) - (1.0 - (-2f64).exp())).abs() < 1e-12);
        assert!((poisson_tail(3.0, 10) - 0.001_102_488_1).abs() < 1e-8);
        let t = critical_count(5.0, 0.001);
        assert!(poisson_tail(5.0, t) <= 0.001 && poisson_tail(5.0, t - 1) > 0.001);
        // more molecules, lower limit
        let few = limit_of_detection(&sites(100, 100, 0, 5e-5), 0.001).unwrap();
        let many = limit_of_detection(&sites(100, 2000, 0, 5e-5), 0.001).unwrap();
        assert!(many < few, "{many} {few}");
        assert!(many > 1e-5 && many < 1e-3, "{many}");
    }

    #[test]
    fn baseline_copies_follow_the_allele_fraction() {
        use crate::types::monitor::WeightBasis;
        // purity 0.5, cn 2: v1 = 0.25
        assert_eq!(
            baseline_copies(25, 100, 0.5, 2.0),
            (1.0, WeightBasis::Clonal)
        );
        let (mc, b) = baseline_copies(50, 100, 0.5, 2.0);
        assert_eq!((mc, b), (2.0, WeightBasis::ClonalMultiCopy));
        let (mc, b) = baseline_copies(5, 100, 0.5, 2.0);
        assert_eq!(b, WeightBasis::Subclonal);
        assert!((mc - 0.2).abs() < 1e-9);
    }
}
