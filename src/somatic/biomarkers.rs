//! TMB, purity and their statistics, and the warnings they raise. Pure functions over calls
//! and counts; every threshold is a named constant next to its `METHOD`.

use super::model::ln_gamma;
use super::msi::ScanSettings;
use super::{Call, VarKind};
pub use crate::types::results::{
    GermlinePuritySource, PurityMethod, PurityResult, PuritySource, TmbClass, TmbResult,
    TmbSettings,
};
use crate::types::Region;

/// METHOD: TMB classes follow KEYNOTE-158 / the Japanese TMB-High approval (>= 10 mut/Mb) and
/// the C-CAT real-world stratum of >= 20 mut/Mb, which responded better than 10-20.
pub const TMB_HIGH: f64 = 10.0;
/// See [`TMB_HIGH`].
pub(crate) const TMB_VERY_HIGH: f64 = 20.0;
/// METHOD: panel TMB from less than ~1 Mb of callable sequence is unreliable (the Friends of
/// Cancer Research harmonisation found panels below 0.7-1 Mb deviate strongly from WES).
pub const MIN_RELIABLE_CALLABLE_MB: f64 = 1.0;
/// METHOD: below 30% tumor content TMB and sensitivity collapse (C-CAT, Japanese guidance
/// on panel testing: tumor content >= 30% recommended).
pub const LOW_PURITY: f64 = 0.30;

/// The TMB class of a value per Mb.
pub fn tmb_class(per_mb: f64) -> TmbClass {
    if per_mb >= TMB_VERY_HIGH {
        TmbClass::VeryHigh
    } else if per_mb >= TMB_HIGH {
        TmbClass::High
    } else {
        TmbClass::Low
    }
}

/// Why a TMB over `callable_mb` is not evaluable (None: it is): less than
/// [`MIN_RELIABLE_CALLABLE_MB`] of callable sequence. The sentence the report, results.json and
/// the batch summary share.
pub(crate) fn tmb_not_evaluable(callable_mb: f64, per_mb: f64, ci95: [f64; 2]) -> Option<String> {
    (callable_mb < MIN_RELIABLE_CALLABLE_MB).then(|| {
        format!(
            "TMB not evaluable: {callable_mb:.3} Mb of callable sequence, below the minimum of {MIN_RELIABLE_CALLABLE_MB} Mb (measured {per_mb:.1}/Mb, 95% CI {:.1}-{:.1})",
            ci95[0], ci95[1]
        )
    })
}

/// Where TMB counts: the contigs in scope (per contig; empty = all) minus an exclusion BED.
pub struct TmbScope<'a> {
    /// Per contig: in scope (the primary chromosomes of a human genome).
    pub contigs: &'a [bool],
    /// Regions left out of the numerator (e.g. driver hotspots).
    pub exclude: &'a [Region],
}

impl TmbScope<'_> {
    fn in_contigs(&self, c: &Call) -> bool {
        self.contigs.get(c.contig.index()).copied().unwrap_or(true)
    }

    fn excluded(&self, c: &Call) -> bool {
        self.exclude.iter().any(|r| r.contains(c.contig, c.pos))
    }
}

/// METHOD: TMB over the calls in scope (calls on contigs out of scope, e.g. decoys or chrM, are
/// not counted; the callable bases there are not counted either); calls inside the exclusion
/// BED are left out of the numerator and reported as `excluded`.
pub(crate) fn tmb_excluding(
    calls: &[Call],
    scope: &TmbScope<'_>,
    callable_bases: u64,
    s: TmbSettings,
) -> TmbResult {
    let in_scope: Vec<&Call> = calls.iter().filter(|c| scope.in_contigs(c)).collect();
    let excluded = in_scope
        .iter()
        .filter(|c| c.is_pass() && scope.excluded(c))
        .count() as u64;
    let kept: Vec<&Call> = in_scope
        .into_iter()
        .filter(|c| !scope.excluded(c))
        .collect();
    tmb(&kept, excluded, callable_bases, s)
}

/// The calls TMB counts (PASS, tumor VAF >= `min_vaf`, in scope, outside the exclusion BED),
/// for the synonymous / non-synonymous split.
pub(crate) fn tmb_counted<'a>(
    calls: &'a [Call],
    scope: &TmbScope<'_>,
    min_vaf: f64,
) -> Vec<&'a Call> {
    calls
        .iter()
        .filter(|c| c.is_pass() && c.tumor.af() >= min_vaf)
        .filter(|c| scope.in_contigs(c) && !scope.excluded(c))
        .collect()
}

/// How a counted mutation changes the protein (decided by the clinical annotation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodingClass {
    /// Synonymous.
    Synonymous,
    /// Missense, nonsense, frameshift, in-frame, splice donor/acceptor, start/stop.
    NonSynonymous,
    /// Outside coding sequence (UTR, intron, intergenic).
    Other,
}

/// METHOD: the synonymous / non-synonymous split of the TMB numerator, on the canonical
/// transcript of each counted call (`classify` is the annotation's verdict).
pub(crate) fn coding_split(
    tmb: &mut TmbResult,
    counted: &[&Call],
    classify: impl Fn(&Call) -> CodingClass,
) {
    let (mut syn, mut non) = (0u64, 0u64);
    for c in counted {
        match classify(c) {
            CodingClass::Synonymous => syn += 1,
            CodingClass::NonSynonymous => non += 1,
            CodingClass::Other => {}
        }
    }
    tmb.synonymous = Some(syn);
    tmb.nonsynonymous = Some(non);
}

/// The low-purity warning, when the estimate is below [`LOW_PURITY`].
pub(crate) fn purity_warning(p: &PurityResult) -> Option<String> {
    p.low_purity.then(|| {
        format!(
            "LOW TUMOR PURITY (estimated {:.2} < {LOW_PURITY:.2}): TMB and variant sensitivity are likely underestimated; a low TMB or a negative result may be a false negative",
            p.estimate.unwrap_or(0.0)
        )
    })
}

/// METHOD: TMB = PASS somatic SNVs + indels with tumor VAF >= min_vaf, divided by the callable
/// bases measured in this sample (tumor >= 20x and normal >= 10x); the 95% interval is the exact
/// (Garwood) Poisson interval on the count, divided by the same denominator.
pub fn tmb(calls: &[&Call], excluded: u64, callable_bases: u64, s: TmbSettings) -> TmbResult {
    let counted: Vec<&&Call> = calls
        .iter()
        .filter(|c| c.is_pass() && c.tumor.af() >= s.min_vaf)
        .collect();
    let snv = counted.iter().filter(|c| c.kind == VarKind::Snv).count() as u64;
    let indel = counted.len() as u64 - snv;
    let ms_indels = counted.iter().filter(|c| is_ms_indel(c)).count() as u64;
    let n = counted.len() as u64;
    let mb = callable_bases as f64 / 1e6;
    let per = |x: f64| if mb > 0.0 { x / mb } else { 0.0 };
    let (lo, hi) = poisson_ci(n, 0.05);
    let per_mb = per(n as f64);
    let r = |x: f64| (x * 100.0).round() / 100.0;
    let callable_mb = (mb * 1e4).round() / 1e4;
    let ci95 = [r(per(lo)), r(per(hi))];
    let not_evaluable = tmb_not_evaluable(callable_mb, r(per_mb), ci95);
    let class = match not_evaluable {
        None => tmb_class(per_mb),
        Some(_) => TmbClass::NotEvaluable,
    };
    let mut warnings = Vec::new();
    if mb < MIN_RELIABLE_CALLABLE_MB {
        warnings.push(format!(
            "callable region is {mb:.3} Mb: TMB from less than ~1 Mb (panels below 0.7-1 Mb) is unreliable"
        ));
    }
    TmbResult {
        per_mb: r(per_mb),
        ci95,
        class,
        evaluable: not_evaluable.is_none(),
        not_evaluable_reason: not_evaluable,
        count: n,
        snv,
        indel,
        snv_per_mb: r(per(snv as f64)),
        ms_indels,
        ms_indels_per_mb: r(per(ms_indels as f64)),
        other_indels: indel - ms_indels,
        other_indels_per_mb: r(per((indel - ms_indels) as f64)),
        per_mb_without_ms_indels: r(per((n - ms_indels) as f64)),
        excluded,
        synonymous: None,
        nonsynonymous: None,
        callable_bases,
        callable_mb,
        settings: s,
        warnings,
    }
}

/// METHOD: a counted indel is a microsatellite indel when the repeat tract it changes qualifies
/// as a microsatellite by the rule of the default scan (`ms-scan`, [`super::msi`]): a
/// homopolymer of at least [`super::msi::SCAN_MIN_HOMOPOLYMER`] bp, or a 2-5 bp unit repeated
/// at least [`super::msi::SCAN_MIN_REPEATS`] times ([`ScanSettings::qualifies`]). The headline TMB counts SNVs and all indels (the definition of
/// the FDA-approved assays behind the >= 10/Mb cut-off, FoundationOne CDx in KEYNOTE-158, which
/// count coding base substitutions and indels); the split (SNVs, microsatellite indels, other
/// indels, and the TMB without microsatellite indels, which PURPLE reports apart) shows how much
/// of a high TMB in an MSI-H tumour is repeat slippage.
pub fn is_ms_indel(c: &Call) -> bool {
    if c.kind == VarKind::Snv {
        return false;
    }
    let unit = c.repeat_unit_len as usize;
    unit > 0 && ScanSettings::default().qualifies(unit, c.repeat_len / unit as u32)
}

/// Exact two-sided Poisson interval for a count `k` at level `1 - alpha`.
pub(crate) fn poisson_ci(k: u64, alpha: f64) -> (f64, f64) {
    let lo = if k == 0 {
        0.0
    } else {
        gamma_inv(alpha / 2.0, k as f64)
    };
    let hi = gamma_inv(1.0 - alpha / 2.0, k as f64 + 1.0);
    (lo, hi)
}

/// Inverse of the regularized lower incomplete gamma P(a, x) in x (bisection).
fn gamma_inv(p: f64, a: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, a + 50.0 * a.sqrt() + 50.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if gamma_p(a, mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Regularized lower incomplete gamma P(a, x) (series / continued fraction, Numerical Recipes).
pub(crate) fn gamma_p(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let gln = ln_gamma(a);
    if x < a + 1.0 {
        let (mut ap, mut sum) = (a, 1.0 / a);
        let mut del = sum;
        for _ in 0..10_000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        sum * (-x + a * x.ln() - gln).exp()
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-15 {
                break;
            }
        }
        1.0 - (-x + a * x.ln() - gln).exp() * h
    }
}

/// Fits a mixture of binomials to (alt, depth) counts: `k` components with free fractions in
/// 0.01-0.70 and weights, by EM from quantile starts. Returns (log-likelihood, [(mean, weight)]).
pub(crate) fn binomial_mixture(obs: &[(u32, u32)], k: usize) -> (f64, Vec<(f64, f64)>) {
    let n = obs.len();
    let mut vafs: Vec<f64> = obs.iter().map(|&(a, d)| a as f64 / d as f64).collect();
    vafs.sort_by(|a, b| a.total_cmp(b));
    let mut comps: Vec<(f64, f64)> = (0..k)
        .map(|j| {
            let q = vafs[((2 * j + 1) * n / (2 * k)).min(n - 1)];
            (q.clamp(0.01, 0.7), 1.0 / k as f64)
        })
        .collect();
    let loglik =
        |a: u32, d: u32, m: f64| -> f64 { a as f64 * m.ln() + (d - a) as f64 * (1.0 - m).ln() };
    let mut resp = vec![vec![0.0f64; k]; n];
    let mut ll = f64::NEG_INFINITY;
    for _ in 0..300 {
        // E step
        let mut total = 0.0;
        for (i, &(a, d)) in obs.iter().enumerate() {
            let l: Vec<f64> = comps
                .iter()
                .map(|&(m, w)| w.max(1e-12).ln() + loglik(a, d, m))
                .collect();
            let mx = l.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = l.iter().map(|x| (x - mx).exp()).sum();
            for j in 0..k {
                resp[i][j] = (l[j] - mx).exp() / z;
            }
            total += mx + z.ln();
        }
        // M step
        for (j, c) in comps.iter_mut().enumerate() {
            let w: f64 = resp.iter().map(|r| r[j]).sum();
            let alt: f64 = obs
                .iter()
                .zip(&resp)
                .map(|(&(a, _), r)| r[j] * a as f64)
                .sum();
            let dep: f64 = obs
                .iter()
                .zip(&resp)
                .map(|(&(_, d), r)| r[j] * d as f64)
                .sum();
            if dep > 0.0 {
                c.0 = (alt / dep).clamp(0.01, 0.7);
            }
            c.1 = w / n as f64;
        }
        if (total - ll).abs() < 1e-6 {
            ll = total;
            break;
        }
        ll = total;
    }
    comps.sort_by(|a, b| a.0.total_cmp(&b.0));
    (ll, comps)
}

/// METHOD: purity from the clonal cluster of somatic SNV allele fractions. A clonal heterozygous
/// mutation in a diploid region has VAF = purity / 2. The (alt, depth) counts of PASS SNVs with
/// tumor depth >= 20 and VAF <= 0.7 are fitted by mixtures of 1-3 binomials (EM; the number of
/// clusters chosen by BIC), so each variant's sampling noise is its own depth's (as in
/// sciClone/PyClone-style clustering); the clonal cluster is the one with the highest fraction
/// among those holding >= 20 % of the variants (subclones sit lower; germline leaks and LOH, above
/// 0.7, are left out); purity = min(1, 2 x its fraction).
pub fn purity(calls: &[&Call]) -> PurityResult {
    let obs: Vec<(u32, u32)> = calls
        .iter()
        .filter(|c| c.is_pass() && c.kind == VarKind::Snv && c.tumor.depth >= 20)
        .filter(|c| c.tumor.af() <= 0.7)
        .map(|c| (c.tumor.alt_count.min(c.tumor.depth), c.tumor.depth))
        .collect();
    let method = PurityMethod::SomaticVafClonalCluster;
    if obs.len() < 10 {
        return PurityResult {
            estimate: None,
            method,
            source: PuritySource::None,
            vaf_estimate: None,
            copy_number_estimate: None,
            copy_number_identifiable: None,
            ploidy: None,
            clonal_vaf_peak: None,
            variants_used: obs.len(),
            low_purity: false,
            note: Some(format!(
                "only {} PASS SNVs with depth >= 20: too few to estimate purity from allele fractions",
                obs.len()
            )),
        };
    }
    let n = obs.len() as f64;
    let best = (1..=3usize)
        .filter(|&k| obs.len() >= 10 * k)
        .map(|k| {
            let (ll, comps) = binomial_mixture(&obs, k);
            let bic = -2.0 * ll + (2 * k - 1) as f64 * n.ln();
            (bic, comps)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
        .expect("at least one mixture");
    let peak = best
        .iter()
        .filter(|(_, w)| *w >= 0.2)
        .map(|(m, _)| *m)
        .fold(0.0f64, f64::max);
    let peak = (peak * 1000.0).round() / 1000.0;
    let est = (2.0 * peak).min(1.0);
    let est = (est * 100.0).round() / 100.0;
    PurityResult {
        estimate: Some(est),
        method,
        source: PuritySource::VafPeak,
        vaf_estimate: Some(est),
        copy_number_estimate: None,
        copy_number_identifiable: None,
        ploidy: None,
        clonal_vaf_peak: Some(peak),
        variants_used: obs.len(),
        low_purity: est < LOW_PURITY,
        note: None,
    }
}

pub use super::msi::MIN_MSI_SITES;

/// METHOD: fewest sites for a confident MSI-H call: below 62, the 95% binomial interval of a
/// score at the 20% MSI-H threshold is wider than +-10 points (1.96 * sqrt(0.2 * 0.8 / n) > 0.10),
/// so it reaches the MSS threshold (10%) by sampling alone; such a call is shown and tiered but
/// marked low-confidence, with a note on the finding and an expert-panel reason.
pub const MSI_CONFIDENT_SITES: u32 = 62;

/// The purity block of a run before the copy-number fit: the clonal peak of the somatic SNVs
/// (`calls`); in tumor-only runs the germline/somatic classification's joint estimate replaces
/// it (the PASS calls alone lose the somatic variants it filtered), so the run reports one
/// number. The copy-number fit is added by [`merge_copy_number_purity`].
pub fn initial_purity(
    calls: &[Call],
    germline: Option<&crate::types::results::GermlineModel>,
) -> PurityResult {
    let all: Vec<&Call> = calls.iter().collect();
    let mut pur = purity(&all);
    if let Some(m) = germline {
        if let (Some(p), GermlinePuritySource::AlleleFractions) = (m.purity, m.purity_source) {
            pur.estimate = Some(p);
            pur.vaf_estimate = Some(p);
            pur.clonal_vaf_peak = Some((p * 50.0).round() / 100.0);
            pur.variants_used = m.candidates;
            pur.method = PurityMethod::TumorOnlyGermlineSomaticMixture;
            pur.low_purity = p < LOW_PURITY;
            pur.note = Some("tumor-only: estimated with the germline/somatic classification, from the clonal somatic allele fraction beside the germline heterozygous (0.5) and homozygous ones".into());
        }
    }
    pur
}

/// The somatic-VAF purity of the SNVs inside `within` (all SNVs for None: the run's estimate
/// `genome_wide`); the copy-number fit asks for the SNVs of copy-neutral segments.
pub(crate) fn vaf_purity_within(
    calls: &[Call],
    genome_wide: Option<f64>,
    within: Option<&[Region]>,
) -> Option<f64> {
    match within {
        None => genome_wide,
        Some(regions) => {
            let inside: Vec<&Call> = calls
                .iter()
                .filter(|c| regions.iter().any(|r| r.contains(c.contig, c.pos)))
                .collect();
            purity(&inside).estimate
        }
    }
}

/// METHOD: records the copy-number fit in the purity block and lets it win when it was
/// identifiable; when the fit cannot choose between solutions, the one nearest the somatic-VAF
/// estimate is used; the clonal peak of SNVs in copy-neutral segments replaces the genome-wide
/// one (amplified and lost segments shift allele fractions).
pub fn merge_copy_number_purity(pur: &mut PurityResult, cn: Option<&super::cnv::PurityChoice>) {
    use super::cnv::VafScope;
    use PuritySource as S;
    let Some(c) = cn else {
        return;
    };
    pur.copy_number_estimate = c.cn_purity.map(|p| crate::types::round(p, 2));
    pur.copy_number_identifiable = Some(c.cn_identifiable);
    pur.ploidy = c.ploidy.map(|p| crate::types::round(p, 2));
    if c.vaf_scope == VafScope::CopyNeutral {
        pur.vaf_estimate = c.vaf_purity.map(|p| crate::types::round(p, 2));
        pur.method = PurityMethod::SomaticVafClonalClusterCopyNeutral;
        if pur.source == S::VafPeak {
            pur.estimate = pur.vaf_estimate;
        }
    }
    let chosen = c.purity.map(|p| crate::types::round(p, 2));
    match c.source {
        S::CopyNumberFit => {
            pur.estimate = chosen;
            pur.source = S::CopyNumberFit;
            pur.method = PurityMethod::CopyNumberBafFit;
            pur.note = Some(match pur.vaf_estimate {
                Some(v) => format!("the copy-number/BAF fit determines the purity; the somatic-VAF estimate is {v:.2}"),
                None => "the copy-number/BAF fit determines the purity; too few somatic SNVs for a VAF estimate".into(),
            });
        }
        S::CopyNumberFitVafSelected => {
            pur.estimate = chosen;
            pur.source = S::CopyNumberFitVafSelected;
            pur.method = PurityMethod::CopyNumberBafFitVafSelected;
            pur.note = Some(format!(
                "the copy-number profile fits several purities equally well; the one nearest the somatic-VAF estimate ({:.2}) is used",
                c.vaf_purity.unwrap_or(0.0)
            ));
        }
        S::VafPeak => {
            pur.estimate = chosen;
            pur.note = Some(format!(
                "the copy-number profile does not determine the purity (best fit {:.2}, not identifiable); the somatic-VAF estimate is used",
                c.cn_purity.unwrap_or(0.0)
            ));
        }
        S::None => {}
    }
    pur.low_purity = pur.estimate.is_some_and(|p| p < LOW_PURITY);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clonal_cluster_is_found_under_subclones() {
        // 60 clonal variants at 0.25 (purity 0.5) and 40 subclonal at 0.10, depth 60
        let mut obs = Vec::new();
        for i in 0..60u32 {
            obs.push((15 + i % 5 - 2, 60));
        }
        for i in 0..40u32 {
            obs.push((6 + i % 3 - 1, 60));
        }
        let (_, comps) = binomial_mixture(&obs, 2);
        assert!((comps[1].0 - 0.25).abs() < 0.01, "{comps:?}");
        assert!((comps[0].0 - 0.10).abs() < 0.01, "{comps:?}");
        assert!((comps[1].1 - 0.6).abs() < 0.05, "{comps:?}");
    }

    #[test]
    fn poisson_interval_matches_published_table() {
        // Garwood exact 95% limits: k=0 -> (0, 3.689), k=10 -> (4.795, 18.390)
        let (l, h) = poisson_ci(0, 0.05);
        assert_eq!(l, 0.0);
        assert!((h - 3.689).abs() < 1e-3, "{h}");
        let (l, h) = poisson_ci(10, 0.05);
        assert!((l - 4.795).abs() < 1e-3, "{l}");
        assert!((h - 18.390).abs() < 1e-3, "{h}");
    }
}
