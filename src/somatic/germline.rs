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
    pub(crate) const DIPLOID: LocalCn = LocalCn { total: 2, minor: 1 };

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

/// What is expected of one candidate's read count: purity, local copy number, the allele
/// fractions of the germline heterozygous sites around it (when enough are listed in the
/// resource) and the allele-fraction bias of its kind (SNV or indel).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Expect {
    /// Purity.
    pub purity: f64,
    /// Tumor copy number.
    pub cn: LocalCn,
    /// Local major-allele fraction of the listed heterozygous germline sites nearby
    /// (phasing-free BAF, bias removed); None: too few sites, the copy-number model gives it.
    pub local_baf: Option<f64>,
    /// Observed / expected alt fraction of listed heterozygous germline alleles of this kind
    /// (reference bias; indels lower still).
    pub bias: f64,
}

impl Expect {
    /// Diploid, no local BAF, no bias.
    pub fn diploid(purity: f64) -> Expect {
        Expect {
            purity,
            cn: LocalCn::DIPLOID,
            local_baf: None,
            bias: 1.0,
        }
    }
}

/// Per-class log likelihoods of one read count at purity `p` and local copy number `cn`.
#[cfg(test)]
pub(crate) fn class_log_likelihoods(a: u32, n: u32, p: f64, cn: LocalCn) -> [f64; 4] {
    let e = Expect {
        cn,
        ..Expect::diploid(p)
    };
    class_lls(a, n, &e, CONCENTRATION)
}

// METHOD: (docs/methods/somatic-calling.md, "Tumor-only germline classification") the germline
// heterozygous class sits at the local BAF of the listed heterozygous sites when there are
// enough of them (either allele: the phase is unknown), else at the copy-number model's minor
// or major fraction; every class's fraction is multiplied by the kind's learned bias.
fn class_lls(a: u32, n: u32, e: &Expect, conc: f64) -> [f64; 4] {
    let (p, cn, bias) = (e.purity, e.cn, e.bias);
    let c = cn.total as f64;
    let denom = p * c + 2.0 * (1.0 - p);
    let frac = |k: u32, g: u32| (p * k as f64 + (1.0 - p) * g as f64) / denom;
    let het_f: Vec<f64> = match e.local_baf {
        Some(m) => vec![1.0 - m, m],
        None => {
            let mut k = vec![cn.minor, cn.major()];
            k.dedup();
            k.into_iter().map(|k| frac(k, 1)).collect()
        }
    };
    let het: Vec<f64> = het_f
        .iter()
        .map(|&f| ln_betabinom(a, n, f * bias, conc))
        .collect();
    let hom = ln_betabinom(a, n, HOM_VAF, conc);
    let clonal: Vec<f64> = (1..=cn.major().max(1))
        .map(|m| ln_betabinom(a, n, frac(m, 0) * bias, conc))
        .collect();
    let top = frac(1, 0).max(0.011);
    let sub: Vec<f64> = (0..16)
        .map(|i| {
            let f = 0.01 + (top - 0.01) * (i as f64 + 0.5) / 16.0;
            ln_betabinom(a, n, f * bias, conc)
        })
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

/// Fewest listed heterozygous SNVs to learn the bias and the concentration.
pub(crate) const MIN_LISTED_HETS: usize = 20;
/// Fewest listed heterozygous indels to learn the indel bias (else the SNV bias is used).
const MIN_LISTED_INDELS: usize = 10;
/// Listed heterozygous SNVs per local-BAF block.
pub const BLOCK_SITES: usize = 24;
/// A block's BAF is used as imbalanced when it beats 0.5 by this many log-likelihood units.
const BAF_LLR: f64 = 3.0;
/// Shallowest listed site used.
const MIN_LISTED_DEPTH: u32 = 10;
/// Bounds of the learned concentration.
const CONCENTRATION_RANGE: (f64, f64) = (30.0, 2000.0);

/// A block of listed heterozygous SNVs on one contig and its phasing-free BAF.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Block {
    contig: u32,
    start: u64,
    end: u64,
    baf: f64,
    imbalanced: bool,
}

/// What the alleles listed in the resource (germline by the population, so their tumor
/// allele fractions show what a germline allele looks like in this library) teach the
/// classification.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Listed {
    sites: usize,
    bias_snv: Option<f64>,
    bias_indel: Option<f64>,
    concentration: Option<f64>,
    blocks: Vec<Block>,
}

/// (contig, pos, alt, depth) of the listed heterozygous alleles of one kind.
type Site = (u32, u64, u32, u32);

/// Allele fractions of listed sites taken as heterozygous for the local BAF (homozygous ones
/// sit near 1).
const HET_RANGE: (f64, f64) = (0.05, 0.95);
/// The range of listed indels used for their bias: homozygous indels read well below 1
/// (0.8-0.95 with bwa) and would pull a wider range's mean up.
const INDEL_BIAS_RANGE: (f64, f64) = (0.05, 0.8);

fn listed_hets(calls: &[Call], indel: bool, range: (f64, f64)) -> Vec<Site> {
    calls
        .iter()
        .filter(|c| c.has(Filter::Germline) && (c.kind != VarKind::Snv) == indel)
        .filter(|c| {
            c.tumor.depth >= MIN_LISTED_DEPTH && (range.0..=range.1).contains(&c.tumor.af())
        })
        .map(|c| {
            (
                c.contig.index() as u32,
                c.pos.get(),
                c.tumor.alt_count,
                c.tumor.depth,
            )
        })
        .collect()
}

/// METHOD: the bias is `2 · Σalt / Σdepth` over listed heterozygous sites (SNVs at allele
/// fraction 0.05-0.95, indels 0.05-0.8): whatever the local copy number, a heterozygous allele
/// is on the major or the minor copy with equal chance, so its mean fraction is 0.5 without
/// bias (phasing-free).
fn pooled_bias(sites: &[Site], min: usize) -> Option<f64> {
    if sites.len() < min {
        return None;
    }
    let (a, n) = sites
        .iter()
        .fold((0u64, 0u64), |(a, n), s| (a + s.2 as u64, n + s.3 as u64));
    Some((2.0 * a as f64 / n.max(1) as f64).clamp(0.5, 1.1))
}

/// log-likelihood of a block's sites at major-allele fraction `m` (each allele on the major or
/// the minor copy with equal chance), binomial.
fn block_ll(sites: &[Site], m: f64, bias: f64) -> f64 {
    sites
        .iter()
        .map(|&(_, _, a, n)| {
            let l1 = ln_betabinom(a, n, m * bias, GRID_CONCENTRATION);
            let l2 = ln_betabinom(a, n, (1.0 - m) * bias, GRID_CONCENTRATION);
            let mx = l1.max(l2);
            mx + (0.5 * (l1 - mx).exp() + 0.5 * (l2 - mx).exp()).ln()
        })
        .sum()
}

/// METHOD: local BAF: consecutive listed heterozygous SNVs of a contig in blocks of
/// [`BLOCK_SITES`]; a block's major-allele fraction is the maximum-likelihood value (grid
/// 0.50-0.99) of the two-binomial mixture, used only when it beats 0.5 by [`BAF_LLR`] log units.
fn blocks(sites: &[Site], bias: f64) -> Vec<Block> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < sites.len() {
        let contig = sites[i].0;
        let end = (i..sites.len())
            .find(|&j| sites[j].0 != contig)
            .unwrap_or(sites.len());
        let n = end - i;
        let groups = (n / BLOCK_SITES).max(1);
        for g in 0..groups {
            let (lo, hi) = (i + g * n / groups, i + (g + 1) * n / groups);
            let s = &sites[lo..hi];
            if s.len() < BLOCK_SITES / 2 {
                continue;
            }
            let balanced = block_ll(s, 0.5, bias);
            let (ll, m) = (50..100)
                .map(|k| k as f64 / 100.0)
                .map(|m| (block_ll(s, m, bias), m))
                .fold(
                    (f64::NEG_INFINITY, 0.5),
                    |b, x| if x.0 > b.0 { x } else { b },
                );
            let imbalanced = ll > balanced + BAF_LLR;
            out.push(Block {
                contig,
                start: s[0].1,
                end: s[s.len() - 1].1,
                baf: if imbalanced { m } else { 0.5 },
                imbalanced,
            });
        }
        i = end;
    }
    out
}

/// METHOD: the concentration by the method of moments: with `φ` the mean of
/// `(a - nμ)² / (nμ(1-μ))` over listed heterozygous SNVs (μ the nearer of the block's two
/// fractions) and `n̄` their mean depth, `φ = 1 + (n̄-1)/(c+1)`.
fn concentration(sites: &[Site], blocks: &[Block], bias: f64) -> Option<f64> {
    if sites.len() < MIN_LISTED_HETS {
        return None;
    }
    let (mut phi, mut depth) = (0.0, 0.0);
    for &(contig, pos, a, n) in sites {
        let m = baf_at(blocks, contig, pos).unwrap_or(0.5);
        let f = a as f64 / n as f64;
        let mu = if (f - m * bias).abs() < (f - (1.0 - m) * bias).abs() {
            m * bias
        } else {
            (1.0 - m) * bias
        };
        let mu = mu.clamp(0.01, 0.99);
        phi += (a as f64 - n as f64 * mu).powi(2) / (n as f64 * mu * (1.0 - mu));
        depth += n as f64;
    }
    let k = sites.len() as f64;
    let (phi, depth) = (phi / k, depth / k);
    let (lo, hi) = CONCENTRATION_RANGE;
    if phi <= 1.0 + (depth - 1.0) / (hi + 1.0) {
        return Some(hi);
    }
    Some(((depth - 1.0) / (phi - 1.0) - 1.0).clamp(lo, hi))
}

/// The BAF of the block holding `pos` (or the nearest block of its contig within a block's
/// span of it).
fn baf_at(blocks: &[Block], contig: u32, pos: u64) -> Option<f64> {
    let k = blocks.partition_point(|b| (b.contig, b.end) < (contig, pos));
    let mut best: Option<(u64, f64)> = None;
    for b in blocks[k.saturating_sub(1)..blocks.len().min(k + 1)].iter() {
        if b.contig != contig {
            continue;
        }
        let d = if pos < b.start {
            b.start - pos
        } else {
            pos.saturating_sub(b.end)
        };
        if d <= (b.end - b.start).max(10_000) && best.is_none_or(|x| d < x.0) {
            best = Some((d, b.baf));
        }
    }
    best.map(|x| x.1)
}

impl Listed {
    /// Learns the biases, the concentration and the local BAF from the listed alleles.
    pub(crate) fn learn(calls: &[Call]) -> Listed {
        let snv = listed_hets(calls, false, HET_RANGE);
        let indel = listed_hets(calls, true, HET_RANGE);
        let bias_snv = pooled_bias(&snv, MIN_LISTED_HETS);
        let bias_indel = pooled_bias(
            &listed_hets(calls, true, INDEL_BIAS_RANGE),
            MIN_LISTED_INDELS,
        );
        let blocks = if bias_snv.is_some() {
            blocks(&snv, bias_snv.unwrap_or(1.0))
        } else {
            Vec::new()
        };
        let concentration = concentration(&snv, &blocks, bias_snv.unwrap_or(1.0));
        Listed {
            sites: snv.len() + indel.len(),
            bias_snv,
            bias_indel,
            concentration,
            blocks,
        }
    }

    fn expect(&self, c: &Call, purity: f64, cn: LocalCn) -> Expect {
        let snv_bias = self.bias_snv.unwrap_or(1.0);
        let bias = if c.kind == VarKind::Snv {
            snv_bias
        } else {
            self.bias_indel.unwrap_or(snv_bias)
        };
        Expect {
            purity,
            cn,
            local_baf: baf_at(&self.blocks, c.contig.index() as u32, c.pos.get()),
            bias,
        }
    }

    fn describe(&self, model: &mut GermlineModel) {
        let r = |x: f64| (x * 1000.0).round() / 1000.0;
        model.listed_het_sites = self.sites;
        model.het_bias_snv = self.bias_snv.map(r);
        model.het_bias_indel = self.bias_indel.map(r);
        model.concentration = self.concentration.unwrap_or(CONCENTRATION).round();
        model.local_baf_blocks = self.blocks.len();
        model.imbalanced_blocks = self.blocks.iter().filter(|b| b.imbalanced).count();
    }
}

/// Classifies the calls of a tumor-only run: sets `germline_posterior` on every call and the
/// `germline_af` filter on those above [`MAX_GERMLINE_POSTERIOR`] (clearing an earlier
/// classification). `local_cn` gives the tumor copy number at a call. The alleles listed in
/// the resource (filter `germline`, set before) calibrate it (`Listed`).
pub fn classify(
    calls: &mut [Call],
    purity: ModelPurity,
    local_cn: &dyn Fn(&Call) -> Option<LocalCn>,
) -> GermlineModel {
    for c in calls.iter_mut() {
        c.filters.retain(|f| *f != Filter::GermlineAf);
        c.germline_posterior = None;
    }
    let snvs: Vec<usize> = (0..calls.len())
        .filter(|&i| is_candidate(&calls[i]) && calls[i].kind == VarKind::Snv)
        .filter(|&i| calls[i].tumor.depth > 0)
        .collect();
    let listed = Listed::learn(calls);
    let mut model = GermlineModel {
        method: GermlineMethod::SgzPurityCopyNumber,
        purity: None,
        purity_source: GermlinePuritySource::None,
        copy_number_aware: calls.iter().any(|c| local_cn(c).is_some()),
        candidates: snvs.len(),
        germline_share: None,
        classified_germline: 0,
        listed_het_sites: 0,
        het_bias_snv: None,
        het_bias_indel: None,
        concentration: CONCENTRATION,
        local_baf_blocks: 0,
        imbalanced_blocks: 0,
        warning: None,
    };
    listed.describe(&mut model);
    if snvs.len() < MIN_CANDIDATES {
        fraction_rule(calls, &mut model);
        return model;
    }
    let conc = listed.concentration.unwrap_or(CONCENTRATION);
    let cn_of = |c: &Call| local_cn(c).unwrap_or(LocalCn::DIPLOID);
    let lls_at = |p: f64, idx: &[usize], conc: f64| -> Vec<[f64; 4]> {
        idx.iter()
            .map(|&i| {
                let c = &calls[i];
                let e = listed.expect(c, p, cn_of(c));
                class_lls(c.tumor.alt_count, c.tumor.depth, &e, conc)
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
            // the purity grid uses an evenly spaced subset of the SNVs (whole-genome runs)
            let step = snvs.len().div_ceil(MAX_PURITY_SNVS);
            let sample: Vec<usize> = snvs.iter().step_by(step).copied().collect();
            estimate_purity(|p| fit_weights(&lls_at(p, &sample, GRID_CONCENTRATION)).1)
        }
    };
    model.purity = Some((p * 100.0).round() / 100.0);
    let (w, _) = fit_weights(&lls_at(p, &snvs, conc));
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
        let e = listed.expect(c, p, cn_of(c));
        let post = posterior(
            c,
            &class_lls(c.tumor.alt_count, c.tumor.depth, &e, conc),
            &w,
        );
        c.germline_posterior = Some(post);
        if post > MAX_GERMLINE_POSTERIOR {
            c.fail(Filter::GermlineAf);
            model.classified_germline += 1;
        }
    }
    model
}

/// The purity of the grid 0.10-1.00 (step 0.02) with the best log likelihood.
fn estimate_purity(ll_at: impl Fn(f64) -> f64) -> f64 {
    let mut best = (f64::NEG_INFINITY, 1.0);
    for k in 5..=50 {
        let p = k as f64 * 0.02;
        let ll = ll_at(p);
        if ll > best.0 + 1e-9 {
            best = (ll, p);
        }
    }
    best.1
}

/// METHOD: posterior probability of germline origin from the class likelihoods `l` and shares
/// `w`; an allele listed in the resource below the cut-off has its germline odds raised by
/// `carrier frequency / 1.3e-5`, never lowered.
fn posterior(c: &Call, l: &[f64; 4], w: &Weights) -> f64 {
    let m = l.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = (0..4).map(|k| w[k] * (l[k] - m).exp()).collect();
    let carrier = c.pop_af.map_or(0.0, |f| 1.0 - (1.0 - f).powi(2));
    let boost = (carrier / SINGLETON_CARRIER).max(1.0);
    let g = (e[0] + e[1]) * boost;
    let s = e[2] + e[3];
    g / (g + s)
}

/// Too few candidates: the allele-fraction rule of earlier versions, with a warning.
fn fraction_rule(calls: &mut [Call], model: &mut GermlineModel) {
    model.method = GermlineMethod::AlleleFractionRule;
    model.warning = Some(format!(
        "tumor-only germline classification: {} unfiltered SNV candidates (< {MIN_CANDIDATES}) are too few to estimate purity and class shares; variants whose allele fraction is consistent with a germline heterozygous (0.5) or homozygous allele are filtered instead",
        model.candidates
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
        crate::types::call::test_snv(pos, "C", "T", alt, depth)
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

    /// A listed (resource, filter `germline`) heterozygous allele with `alt` of `depth` reads.
    fn listed(pos: u64, alt: u32, depth: u32, indel: bool) -> Call {
        let mut c = call(pos, alt, depth);
        c.pop_af = Some(0.25);
        c.fail(Filter::Germline);
        if indel {
            c.kind = VarKind::Del;
            c.ref_allele = "CA".into();
            c.alt_allele = "C".into();
        }
        c
    }

    #[test]
    fn listed_sites_teach_the_bias_the_dispersion_and_the_local_baf() {
        // 48 listed SNVs at 0.46 (reference bias 0.92) in a balanced region, then 48 in
        // copy-neutral LOH at purity 0.7: (1-p)/2 = 0.15 or (1+p)/2 = 0.85, times the bias
        let mut calls: Vec<Call> = (0..48)
            .map(|i| listed(i * 100, if i % 2 == 0 { 27 } else { 28 }, 60, false))
            .collect();
        calls.extend((0..48).map(|i| {
            let alt = if i % 2 == 0 { 8 } else { 47 };
            listed(100_000 + i * 100, alt, 60, false)
        }));
        // 12 listed indels at 0.33 (indel bias 0.67)
        calls.extend((0..12).map(|i| listed(200_000 + i * 100, 20, 60, true)));
        let l = Listed::learn(&calls);
        assert_eq!(l.sites, 108);
        let b = l.bias_snv.unwrap();
        assert!((b - 0.91).abs() < 0.03, "{b}");
        assert!((l.bias_indel.unwrap() - 0.667).abs() < 0.01);
        // two blocks per region: balanced ones at 0.5, LOH ones near 0.85
        assert_eq!(l.blocks.len(), 4);
        assert!(l.blocks[..2].iter().all(|b| !b.imbalanced && b.baf == 0.5));
        assert!(l.blocks[2..]
            .iter()
            .all(|b| b.imbalanced && (b.baf - 0.85).abs() < 0.04));
        assert_eq!(baf_at(&l.blocks, 0, 102_050), Some(l.blocks[2].baf));
        // near-binomial spread: the concentration goes to its upper bound region
        assert!(l.concentration.unwrap() > 500.0, "{:?}", l.concentration);
    }

    #[test]
    fn local_baf_and_indel_bias_change_the_call() {
        // the LOH region of the test above, seen by `call` (no copy-number fit): an unlisted
        // germline SNV on the lost copy reads 9/60 (0.15) and one on the kept copy 50/60;
        // an unlisted germline indel in the balanced region reads 20/60 (0.33, like listed ones)
        let mut calls: Vec<Call> = (0..48)
            .map(|i| listed(i * 100, if i % 2 == 0 { 27 } else { 28 }, 60, false))
            .collect();
        calls.extend((0..48).map(|i| {
            let alt = if i % 2 == 0 { 8 } else { 47 };
            listed(100_000 + i * 100, alt, 60, false)
        }));
        calls.extend((0..12).map(|i| listed(200_000 + i * 100, 20, 60, true)));
        // somatic candidates: 60 clonal at 0.35 * 0.92 in the balanced region
        calls.extend((0..60).map(|i| call(10_000 + i * 50, 19, 60)));
        calls.push(call(102_030, 9, 60));
        calls.push(call(102_060, 50, 60));
        let mut indel = call(4_010, 20, 60);
        indel.kind = VarKind::Ins;
        calls.push(indel);
        calls.sort_by_key(|c| c.pos.get());
        // the same sample without the listed indels (their bias falls back to the SNVs')
        let mut without: Vec<Call> = calls
            .iter()
            .filter(|c| !(c.has(Filter::Germline) && c.kind != VarKind::Snv))
            .cloned()
            .collect();
        let m = classify(&mut calls, ModelPurity::Given(0.7), &|_| None);
        assert_eq!(m.imbalanced_blocks, 2);
        let at = |v: &[Call], p: u64| v.iter().find(|c| c.pos.get() == p).unwrap().clone();
        assert!(at(&calls, 102_030).has(Filter::GermlineAf));
        assert!(at(&calls, 102_060).has(Filter::GermlineAf));
        let somatic = (0..60)
            .filter(|i| !at(&calls, 10_000 + i * 50).has(Filter::GermlineAf))
            .count();
        assert!(somatic >= 58, "{somatic}");
        // 60 somatic candidates against 2 germline: the learned germline share is small, so the
        // indel's posterior stays below 0.5; its indel bias still raises it tenfold
        classify(&mut without, ModelPurity::Given(0.7), &|_| None);
        let g = |v: &[Call]| at(v, 4_010).germline_posterior.unwrap();
        assert!(
            g(&calls) > 10.0 * g(&without),
            "{} {}",
            g(&calls),
            g(&without)
        );
        // and without the listed sites, the LOH SNV at 0.15 looks subclonal somatic
        let mut bare: Vec<Call> = calls
            .iter()
            .filter(|c| !c.has(Filter::Germline))
            .cloned()
            .collect();
        classify(&mut bare, ModelPurity::Given(0.7), &|_| None);
        assert!(!at(&bare, 102_030).has(Filter::GermlineAf));
    }

    #[test]
    fn too_few_candidates_fall_back_to_the_fraction_rule() {
        let model = classify(&mut [], ModelPurity::Estimate, &|_| None);
        assert_eq!(model.method, GermlineMethod::AlleleFractionRule);
        assert!(model.warning.is_some());
    }
}
