//! Tumor-only germline / somatic classification (SGZ-style): which candidate alleles of a
//! tumor without a matched normal are inherited, from the allele fraction expected of each
//! origin given the tumor purity and the local copy number, with the population frequency of
//! the allele as a prior.
//!
//! METHOD (docs/methods/somatic-calling.md, "Tumor-only germline classification"; after Sun et al. 2018,
//! "somatic-germline-zygosity"). In a sample of purity `p` whose tumor cells carry `C` copies
//! of the locus (`minor` + `major`) and whose normal cells carry 2, an allele present on `k` of
//! the tumor copies and on `g` of the normal copies has the expected allele fraction
//! `(p·k + (1-p)·g) / (p·C + 2(1-p))`:
//! - germline heterozygous: `g = 1`, `k` = the minor or the major copy number (1 when diploid;
//!   0 or `C` after loss of heterozygosity);
//! - germline homozygous: every copy, fraction ~0.985 (sequencing error);
//! - somatic clonal: `g = 0`, `k = m` for a multiplicity `m` of 1 to the major copy number;
//! - somatic subclonal: any fraction between 1% and the clonal `m = 1` fraction (uniform).
//!
//! Each read count is scored under each class with a beta-binomial (concentration
//! [`CONCENTRATION`], i.e. allele fractions a little more dispersed than binomial, as in real
//! libraries); the class weights (the prior share of each class among the candidates) and,
//! when no copy-number fit gives it, the purity are estimated from the candidates themselves by
//! expectation-maximisation over a purity grid (empirical Bayes; the grid scores binomially,
//! see [`GRID_CONCENTRATION`]). A candidate whose allele is
//! listed in the population resource below the `germline` cut-off has its germline prior odds
//! raised by `carrier frequency / 1.3e-5` (a singleton's carrier frequency in a 76,000-genome
//! resource), never lowered. The posterior probability of germline origin is written as
//! `GERMQ` (phred, as Mutect2); `germline_af` applies when it exceeds 0.5.
//!
//! Too few candidates (< [`MIN_CANDIDATES`] SNVs) to estimate the weights and the purity: the
//! allele-fraction rule of earlier versions is used (AF within 2 s.d. of 0.5, or >= 0.9), and
//! the model block says so. A purity >= 0.9 puts clonal somatic and heterozygous germline
//! variants at the same fraction: the classification then rests on the weights and the
//! population resource, and a warning says so.

use crate::types::call::{Call, Filter, VarKind};
pub use crate::types::results::GermlineModel;
use crate::types::results::{GermlineMethod, GermlinePuritySource};

use super::model::ln_gamma;

/// Beta-binomial concentration of allele fractions when classifying (variance of a fraction `f`
/// at depth `n`: `f(1-f)/n · (1 + (n-1)/(CONCENTRATION+1))`: real libraries spread more than
/// binomially).
pub const CONCENTRATION: f64 = 200.0;
/// The purity grid scores the candidates binomially: with the wider classification spread one
/// somatic component can absorb the heterozygous germline cluster and the likelihood surface
/// flattens over purity (measured: 0.70-0.80 within 4 log units on a clean two-cluster sample).
pub const GRID_CONCENTRATION: f64 = 1e6;
/// Fewest unfiltered SNV candidates for the empirical weights and purity.
pub const MIN_CANDIDATES: usize = 20;
/// Posterior probability of germline origin above which `germline_af` applies.
pub const MAX_GERMLINE_POSTERIOR: f64 = 0.5;
/// Expected fraction of a homozygous germline allele.
const HOM_VAF: f64 = 0.985;
/// Carrier frequency of an allele seen once in a 76,000-genome population resource.
const SINGLETON_CARRIER: f64 = 1.3e-5;
/// Most SNVs used to estimate the purity (evenly spaced over the genome-ordered candidates).
const MAX_PURITY_SNVS: usize = 4000;

/// Copy number of the tumor cells at a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalCn {
    /// Total copies.
    pub total: u32,
    /// Copies of the minor allele.
    pub minor: u32,
}

impl LocalCn {
    /// Two copies, one of each parent.
    pub const DIPLOID: LocalCn = LocalCn { total: 2, minor: 1 };

    fn major(&self) -> u32 {
        self.total.saturating_sub(self.minor)
    }
}

/// Where the purity used by the classification came from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ModelPurity {
    /// Given (the copy-number fit of the run).
    Given(f64),
    /// Estimate it from the candidates' allele fractions.
    Estimate,
}

/// Class weights: germline het, germline hom, somatic clonal, somatic subclonal.
type Weights = [f64; 4];

/// log of the beta-binomial probability of `a` alt of `n` at mean fraction `mu`.
fn ln_betabinom(a: u32, n: u32, mu: f64, concentration: f64) -> f64 {
    let mu = mu.clamp(1e-4, 1.0 - 1e-4);
    let (al, be) = (mu * concentration, (1.0 - mu) * concentration);
    let (a, n) = (a as f64, n as f64);
    let ln_beta = |x: f64, y: f64| ln_gamma(x) + ln_gamma(y) - ln_gamma(x + y);
    // the binomial coefficient is common to every class and cancels in every ratio
    ln_beta(a + al, n - a + be) - ln_beta(al, be)
}

fn ln_mean_exp(v: &[f64]) -> f64 {
    let m = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + (v.iter().map(|x| (x - m).exp()).sum::<f64>() / v.len() as f64).ln()
}

/// Per-class log likelihoods of one read count at purity `p` and local copy number `cn`.
pub fn class_log_likelihoods(a: u32, n: u32, p: f64, cn: LocalCn) -> [f64; 4] {
    class_lls(a, n, p, cn, CONCENTRATION)
}

fn class_lls(a: u32, n: u32, p: f64, cn: LocalCn, conc: f64) -> [f64; 4] {
    let c = cn.total as f64;
    let denom = p * c + 2.0 * (1.0 - p);
    let frac = |k: u32, g: u32| (p * k as f64 + (1.0 - p) * g as f64) / denom;
    let mut het_k = vec![cn.minor, cn.major()];
    het_k.dedup();
    let het: Vec<f64> = het_k
        .iter()
        .map(|&k| ln_betabinom(a, n, frac(k, 1), conc))
        .collect();
    let hom = ln_betabinom(a, n, HOM_VAF, conc);
    let clonal: Vec<f64> = (1..=cn.major().max(1))
        .map(|m| ln_betabinom(a, n, frac(m, 0), conc))
        .collect();
    let top = frac(1, 0).max(0.011);
    let sub: Vec<f64> = (0..16)
        .map(|i| ln_betabinom(a, n, 0.01 + (top - 0.01) * (i as f64 + 0.5) / 16.0, conc))
        .collect();
    [
        ln_mean_exp(&het),
        hom,
        ln_mean_exp(&clonal),
        ln_mean_exp(&sub),
    ]
}

/// EM for the class weights given per-candidate class log likelihoods; returns the weights
/// and the total log likelihood.
fn fit_weights(lls: &[[f64; 4]]) -> (Weights, f64) {
    let mut w: Weights = [0.25; 4];
    let mut total = f64::NEG_INFINITY;
    for _ in 0..200 {
        let mut acc = [0.0f64; 4];
        let mut ll = 0.0;
        for l in lls {
            let m = l.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let r: Vec<f64> = (0..4).map(|c| w[c] * (l[c] - m).exp()).collect();
            let s: f64 = r.iter().sum();
            ll += m + s.ln();
            for c in 0..4 {
                acc[c] += r[c] / s;
            }
        }
        let n = lls.len() as f64;
        for c in 0..4 {
            w[c] = (acc[c] / n).max(1e-6);
        }
        let done = (ll - total).abs() < 1e-6;
        total = ll;
        if done {
            break;
        }
    }
    (w, total)
}

fn is_candidate(c: &Call) -> bool {
    c.pop_af.is_none() && c.filters.iter().all(|f| *f == Filter::GermlineAf)
}

/// Classifies the calls of a tumor-only run: sets `germline_posterior` on every call and the
/// `germline_af` filter on those above [`MAX_GERMLINE_POSTERIOR`] (clearing an earlier
/// classification). `local_cn` gives the tumor copy number at a call.
pub fn classify(
    calls: &mut [Call],
    purity: ModelPurity,
    local_cn: &dyn Fn(&Call) -> Option<LocalCn>,
) -> GermlineModel {
    for c in calls.iter_mut() {
        c.filters.retain(|f| *f != Filter::GermlineAf);
        c.germline_posterior = None;
    }
    let cn_of = |c: &Call| local_cn(c).unwrap_or(LocalCn::DIPLOID);
    let snvs: Vec<usize> = (0..calls.len())
        .filter(|&i| is_candidate(&calls[i]) && calls[i].kind == VarKind::Snv)
        .filter(|&i| calls[i].tumor.depth > 0)
        .collect();
    let copy_number_aware = calls.iter().any(|c| local_cn(c).is_some());
    let mut model = GermlineModel {
        method: GermlineMethod::SgzPurityCopyNumber,
        purity: None,
        purity_source: GermlinePuritySource::None,
        copy_number_aware,
        candidates: snvs.len(),
        germline_share: None,
        classified_germline: 0,
        warning: None,
    };
    if snvs.len() < MIN_CANDIDATES {
        model.method = GermlineMethod::AlleleFractionRule;
        model.warning = Some(format!(
            "tumor-only germline classification: {} unfiltered SNV candidates (< {MIN_CANDIDATES}) are too few to estimate purity and class shares; variants whose allele fraction is consistent with a germline heterozygous (0.5) or homozygous allele are filtered instead",
            snvs.len()
        ));
        for c in calls.iter_mut() {
            let n = c.tumor.depth.max(1) as f64;
            let af = c.tumor.af();
            let z = (af - 0.5).abs() / (0.25 / n).sqrt();
            if af >= 0.9 || z < 2.0 {
                c.fail(Filter::GermlineAf);
                model.classified_germline += 1;
            }
        }
        return model;
    }
    // the purity grid uses an evenly spaced subset of the SNVs (whole-genome runs)
    let step = snvs.len().div_ceil(MAX_PURITY_SNVS);
    let sample: Vec<usize> = snvs.iter().step_by(step).copied().collect();
    let lls_at = |p: f64, idx: &[usize], conc: f64| -> Vec<[f64; 4]> {
        idx.iter()
            .map(|&i| {
                let c = &calls[i];
                class_lls(c.tumor.alt_count, c.tumor.depth, p, cn_of(c), conc)
            })
            .collect()
    };
    let p = match purity {
        ModelPurity::Given(p) => {
            model.purity_source = GermlinePuritySource::CopyNumber;
            p.clamp(0.05, 1.0)
        }
        ModelPurity::Estimate => {
            model.purity_source = GermlinePuritySource::AlleleFractions;
            let mut best = (f64::NEG_INFINITY, 1.0);
            for k in 5..=50 {
                let p = k as f64 * 0.02;
                let (_, ll) = fit_weights(&lls_at(p, &sample, GRID_CONCENTRATION));
                if ll > best.0 + 1e-9 {
                    best = (ll, p);
                }
            }
            best.1
        }
    };
    model.purity = Some((p * 100.0).round() / 100.0);
    let (w, _) = fit_weights(&lls_at(p, &snvs, CONCENTRATION));
    model.germline_share = Some(((w[0] + w[1]) * 1000.0).round() / 1000.0);
    if p >= 0.9 {
        model.warning = Some(format!(
            "tumor-only germline classification: purity {p:.2} puts clonal somatic variants at the allele fraction of heterozygous germline variants; the classification rests on the population resource and the class shares, and some germline variants may be reported as somatic"
        ));
    }
    for c in calls.iter_mut() {
        if c.tumor.depth == 0 {
            continue;
        }
        let l = class_log_likelihoods(c.tumor.alt_count, c.tumor.depth, p, cn_of(c));
        let m = l.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = (0..4).map(|k| w[k] * (l[k] - m).exp()).collect();
        let carrier = c.pop_af.map_or(0.0, |f| 1.0 - (1.0 - f).powi(2));
        let boost = (carrier / SINGLETON_CARRIER).max(1.0);
        let g = (e[0] + e[1]) * boost;
        let s = e[2] + e[3];
        let post = g / (g + s);
        c.germline_posterior = Some(post);
        if post > MAX_GERMLINE_POSTERIOR {
            c.fail(Filter::GermlineAf);
            model.classified_germline += 1;
        }
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_fractions_follow_purity_and_copy_number() {
        // 30 of 60 reads: heterozygous germline at any purity when diploid
        let l = class_log_likelihoods(30, 60, 0.7, LocalCn::DIPLOID);
        assert!(l[0] > l[2] + 2.0, "{l:?}");
        // 21 of 60 (0.35): clonal somatic at purity 0.7
        let l = class_log_likelihoods(21, 60, 0.7, LocalCn::DIPLOID);
        assert!(l[2] > l[0] + 1.0, "{l:?}");
        // copy-neutral LOH at purity 0.7: a germline het kept on both tumor copies sits at
        // (2*0.7 + 0.3)/2 = 0.85; a somatic clonal at m=2 at 0.7, at m=1 at 0.35
        let loh = LocalCn { total: 2, minor: 0 };
        let l = class_log_likelihoods(51, 60, 0.7, loh);
        assert!(l[0] > l[2] + 2.0, "{l:?}");
        let l = class_log_likelihoods(42, 60, 0.7, loh);
        assert!(l[2] > l[0] + 1.0, "{l:?}");
    }

    fn call(pos: u64, alt: u32, depth: u32) -> Call {
        use crate::types::call::SampleSupport;
        Call {
            contig: crate::types::ContigId::new(0),
            pos: crate::types::Pos0::new(pos),
            ref_allele: "C".into(),
            alt_allele: "T".into(),
            kind: VarKind::Snv,
            tlod: 50.0,
            nlod: None,
            tumor: SampleSupport {
                depth,
                ref_count: depth - alt,
                alt_count: alt,
                ..SampleSupport::default()
            },
            normal: None,
            alt_median_bq: 35,
            alt_median_mq: 60,
            alt_median_end_dist: 30,
            pop_af: None,
            pon_normals: None,
            repeat_len: 0,
            repeat_unit_len: 0,
            artifact_posterior: None,
            germline_posterior: None,
            filters: Vec::new(),
        }
    }

    /// A sample at purity 0.7: 60 clonal somatic SNVs (21/60), 30 heterozygous germline SNVs
    /// (30/60), and, in a region of copy-neutral LOH (positions >= 1000), 10 germline SNVs on
    /// the lost copy, seen only in the normal cells: (1-p)/2 = 0.15 (9/60).
    fn sample() -> Vec<Call> {
        let mut v: Vec<Call> = (0..60).map(|i| call(i, 21, 60)).collect();
        v.extend((100..130).map(|i| call(i, 30, 60)));
        v.extend((1000..1010).map(|i| call(i, 9, 60)));
        v
    }

    #[test]
    fn purity_is_estimated_and_loh_copy_number_changes_the_call() {
        // diploid everywhere: the purity is found, clonal somatic and germline het separate,
        // and the LOH germline variants at 0.15 look subclonal somatic
        let mut calls = sample();
        let m = classify(&mut calls, ModelPurity::Estimate, &|_| None);
        assert_eq!(m.method, GermlineMethod::SgzPurityCopyNumber);
        assert!((m.purity.unwrap() - 0.7).abs() <= 0.04, "{m:?}");
        let germ = |c: &[Call], r: std::ops::Range<u64>| {
            c.iter()
                .filter(|c| r.contains(&c.pos.get()))
                .filter(|c| c.has(Filter::GermlineAf))
                .count()
        };
        assert_eq!(germ(&calls, 0..60), 0);
        assert_eq!(germ(&calls, 100..130), 30);
        assert_eq!(germ(&calls, 1000..1010), 0);
        // with the copy number of the LOH segment (2 copies, minor 0) they are germline
        let loh = |c: &Call| (c.pos.get() >= 1000).then_some(LocalCn { total: 2, minor: 0 });
        let m = classify(&mut calls, ModelPurity::Given(0.7), &loh);
        assert!(m.copy_number_aware && m.purity_source == GermlinePuritySource::CopyNumber);
        assert_eq!(germ(&calls, 1000..1010), 10);
        assert_eq!(germ(&calls, 0..60), 0);
        assert_eq!(germ(&calls, 100..130), 30);
        // a listed allele's population frequency raises its germline odds
        let mut calls = sample();
        calls[0].pop_af = Some(0.005);
        classify(&mut calls, ModelPurity::Given(0.7), &|_| None);
        assert!(calls[0].germline_posterior.unwrap() > calls[1].germline_posterior.unwrap());
    }

    #[test]
    fn too_few_candidates_fall_back_to_the_fraction_rule() {
        let model = classify(&mut [], ModelPurity::Estimate, &|_| None);
        assert_eq!(model.method, GermlineMethod::AlleleFractionRule);
        assert!(model.warning.is_some());
    }
}
