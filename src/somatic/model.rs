//! The statistical model: log-likelihood ratios for a somatic allele in the tumor (TLOD) and
//! for the normal being reference rather than heterozygous (NLOD). Pure functions.
//!
//! METHOD (docs/methods/somatic-calling.md, "Model"): each read is an independent observation. A read
//! showing the alt allele with error probability `e` has likelihood `f(1-e) + (1-f)e/3` under
//! "alt present at allele fraction f"; a read showing the reference has `f·e/3 + (1-f)(1-e)`.
//! `TLOD = log10 L(f̂) - log10 L(0)` with `f̂ = alt/(alt+ref)` (Mutect-style). `NLOD =
//! log10 L(0) - log10 L(0.5)` on the normal: how much more the normal looks reference than
//! heterozygous.

/// Probability of error of a phred value.
#[inline]
pub(crate) fn phred_to_err(q: u8) -> f64 {
    10f64.powf(-(q as f64) / 10.0)
}

/// One read's log10 likelihood under allele fraction `f`.
#[inline]
fn ll_alt(f: f64, e: f64) -> f64 {
    (f * (1.0 - e) + (1.0 - f) * e / 3.0).log10()
}

#[inline]
fn ll_ref(f: f64, e: f64) -> f64 {
    (f * e / 3.0 + (1.0 - f) * (1.0 - e)).log10()
}

/// log10 likelihood of `alt_errs` alt reads and `n_ref` reference reads (error `ref_err`).
pub(crate) fn log_lik(f: f64, alt_errs: &[f64], n_ref: u32, ref_err: f64) -> f64 {
    alt_errs.iter().map(|&e| ll_alt(f, e)).sum::<f64>() + n_ref as f64 * ll_ref(f, ref_err)
}

/// Tumor LOD: evidence for the allele at its observed fraction versus absent.
pub fn tlod(alt_errs: &[f64], n_ref: u32, ref_err: f64) -> f64 {
    let n_alt = alt_errs.len() as f64;
    if n_alt == 0.0 {
        return 0.0;
    }
    let f = n_alt / (n_alt + n_ref as f64);
    log_lik(f, alt_errs, n_ref, ref_err) - log_lik(0.0, alt_errs, n_ref, ref_err)
}

/// Normal LOD: evidence that the normal is reference rather than heterozygous for the allele.
pub fn nlod(alt_errs: &[f64], n_ref: u32, ref_err: f64) -> f64 {
    log_lik(0.0, alt_errs, n_ref, ref_err) - log_lik(0.5, alt_errs, n_ref, ref_err)
}

/// Two-sided binomial-tail probability of a split at least as extreme as `k` of `n` under `p`
/// (exact sum for small n, normal approximation above 1000).
pub(crate) fn binom_two_sided(k: u32, n: u32, p: f64) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    if n > 1000 {
        let mean = n as f64 * p;
        let sd = (n as f64 * p * (1.0 - p)).sqrt();
        let z = ((k as f64 - mean).abs() / sd).max(0.0);
        return (2.0 * normal_sf(z)).min(1.0);
    }
    let lp =
        |i: u32| -> f64 { ln_choose(n, i) + i as f64 * p.ln() + (n - i) as f64 * (1.0 - p).ln() };
    let pk = lp(k);
    let mut total = 0.0;
    for i in 0..=n {
        let l = lp(i);
        if l <= pk + 1e-9 {
            total += l.exp();
        }
    }
    total.min(1.0)
}

fn ln_choose(n: u32, k: u32) -> f64 {
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// Lanczos approximation of ln Γ(x) (x > 0).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.5203681218851,
        -1259.1392167224028,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507343278686905,
        -0.13857109526572012,
        9.984_369_578_019_572e-6,
        1.5056327351493116e-7,
    ];
    if x < 0.5 {
        return std::f64::consts::PI.ln()
            - (std::f64::consts::PI * x).sin().ln()
            - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Upper tail of the standard normal.
fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    // Numerical Recipes erfcc, |error| < 1.2e-7
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.26551223
            + t * (1.00002368
                + t * (0.37409196
                    + t * (0.09678418
                        + t * (-0.18628806
                            + t * (0.27886807
                                + t * (-1.13520398
                                    + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlod_grows_with_support_and_quality() {
        let q30 = phred_to_err(30);
        let a = tlod(&[q30; 3], 57, q30);
        let b = tlod(&[q30; 10], 50, q30);
        let c = tlod(&[phred_to_err(10); 3], 57, q30);
        assert!(b > a && a > c, "{a} {b} {c}");
        assert_eq!(tlod(&[], 60, q30), 0.0);
        // hand value: 10 alt of 60 at Q30: f=1/6
        let f: f64 = 1.0 / 6.0;
        let e = q30;
        let want = 10.0 * ((f * (1.0 - e) + (1.0 - f) * e / 3.0).log10() - (e / 3.0).log10())
            + 50.0 * ((f * e / 3.0 + (1.0 - f) * (1.0 - e)).log10() - (1.0 - e).log10());
        assert!((b - want).abs() < 1e-9);
    }

    #[test]
    fn nlod_is_high_for_clean_normal_and_negative_for_het() {
        let q30 = phred_to_err(30);
        assert!(nlod(&[], 30, q30) > 8.0);
        assert!(nlod(&[q30; 15], 15, q30) < -5.0);
    }

    #[test]
    fn binomial_tail_matches_known_values() {
        // P(X<=0 or X>=10 | n=10, p=0.5) = 2/1024
        assert!((binom_two_sided(10, 10, 0.5) - 2.0 / 1024.0).abs() < 1e-9);
        assert!((binom_two_sided(5, 10, 0.5) - 1.0).abs() < 1e-9);
        assert!(binom_two_sided(0, 2000, 0.5) < 1e-10);
    }
}
