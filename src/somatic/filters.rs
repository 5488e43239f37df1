//! Filters that need the genome in order, external resources or a model learned from the whole
//! sample (read-orientation artifacts; the tumor-only germline classification of
//! [`super::germline`]), and the filter catalogue (VCF `##FILTER` lines).

use super::evidence::DamageCounts;
use super::germline::{classify, GermlineModel, LocalCn, ModelPurity};
pub use crate::types::call::{AlleleKey, Filter};

/// Population allele frequency from which a call is filtered `germline` (Mutect2's default for
/// its germline resource is 0.01 too).
pub(crate) const DEFAULT_MAX_POPULATION_AF: f64 = 0.01;
use crate::types::call::{Call, VarKind};

/// `clustered_events`: three or more events that pass every site filter so far, within
/// `window` bp. Germline sites, normal-supported sites and weak noise do not count: they are
/// not somatic events. Runs on the whole ordered call list, so it does not depend on shards.
pub fn clustered_events(calls: &mut [Call], window: u64) {
    let idx: Vec<usize> = (0..calls.len()).filter(|&i| calls[i].is_pass()).collect();
    let mut flag = vec![false; idx.len()];
    let mut start = 0;
    for end in 0..idx.len() {
        let (e, _) = (&calls[idx[end]], ());
        while calls[idx[start]].contig != e.contig || e.pos - calls[idx[start]].pos > window {
            start += 1;
        }
        if end - start + 1 >= 3 {
            for f in &mut flag[start..=end] {
                *f = true;
            }
        }
    }
    for (k, f) in flag.into_iter().enumerate() {
        if f {
            calls[idx[k]].fail(Filter::ClusteredEvents);
        }
    }
}

/// METHOD: `germline` when the population AF (from the resource, looked up per shard) is at
/// least `max_population_af`; `panel_of_normals` when the panel lists the allele.
pub(crate) fn apply_resources(calls: &mut [Call], max_population_af: f64) {
    for c in calls.iter_mut() {
        if c.pop_af.is_some_and(|af| af >= max_population_af) {
            c.fail(Filter::Germline);
        }
        if c.pon_normals.is_some() {
            c.fail(Filter::PanelOfNormals);
        }
    }
}

/// The tumor-only germline classification's inputs for [`finalize`].
pub struct TumorOnly<'a> {
    /// Purity: given by the copy-number fit, or estimated from the candidates.
    pub purity: ModelPurity,
    /// Tumor copy number at a call (None: diploid).
    pub local_cn: &'a dyn Fn(&Call) -> Option<LocalCn>,
}

/// Everything that runs on the whole ordered call list after the gather: germline and
/// panel-of-normals filters, the tumor-only germline classification (when `tumor_only`), then
/// clustered events (which count only the events still passing), filters in catalogue order.
/// Re-runnable: the filters it owns are cleared first (a run classifies again once the copy
/// number is known).
pub fn finalize(
    calls: &mut [Call],
    max_population_af: f64,
    tumor_only: Option<&TumorOnly<'_>>,
    damage: Option<&DamageCounts>,
) -> Finalized {
    for c in calls.iter_mut() {
        c.filters.retain(|f| {
            !matches!(
                f,
                Filter::ClusteredEvents
                    | Filter::Germline
                    | Filter::PanelOfNormals
                    | Filter::GermlineAf
                    | Filter::Orientation
            )
        });
    }
    apply_resources(calls, max_population_af);
    let model = tumor_only.map(|t| classify(calls, t.purity, t.local_cn));
    let orientation = orientation_bias(calls, damage);
    clustered_events(calls, 50);
    for c in calls.iter_mut() {
        sort_filters(c);
    }
    Finalized {
        germline: model,
        orientation,
    }
}

/// What the genome-wide filters learned.
#[derive(Clone, Debug, PartialEq)]
pub struct Finalized {
    /// The tumor-only germline classification (None in tumor-normal runs).
    pub germline: Option<GermlineModel>,
    /// The orientation-bias model.
    pub orientation: OrientationModel,
}

/// Share of the alt fragments of a real variant expected in the artifact orientation is the
/// reference fragments' share (0.5 when fewer than this many reference fragments).
const MIN_REF_FOR_ORIENTATION_SHARE: u32 = 10;
/// Bounds of the learned probability that an alt fragment of an artifact site is in the
/// artifact orientation (below 1: sequencing errors and real alleles share the site).
const MIN_ARTIFACT_ORIENTATION: f64 = 0.8;
const MAX_ARTIFACT_ORIENTATION: f64 = 0.99;

/// The orientation class of a tumor SNV: (class 0 deamination | 1 oxoG, alt fragments in the
/// artifact orientation, expected share of a real variant's fragments in that orientation).
fn orientation_evidence(c: &Call) -> Option<(usize, u32, u32, f64)> {
    if c.kind != VarKind::Snv {
        return None;
    }
    let (r, a) = (c.ref_allele.as_bytes()[0], c.alt_allele.as_bytes()[0]);
    let (class, f1r2_is_artifact) = crate::somatic::evidence::artifact_class(r, a, true)?;
    let t = &c.tumor;
    let n = t.alt_count;
    let k = if f1r2_is_artifact {
        t.alt_f1r2
    } else {
        n - t.alt_f1r2.min(n)
    };
    let share = if t.ref_count >= MIN_REF_FOR_ORIENTATION_SHARE {
        let f = t.ref_f1r2 as f64 / t.ref_count as f64;
        if f1r2_is_artifact {
            f
        } else {
            1.0 - f
        }
    } else {
        0.5
    };
    Some((class, k, n, share.clamp(0.2, 0.8)))
}

fn ln_binom(k: u32, n: u32, p: f64) -> f64 {
    // the binomial coefficient is common to both hypotheses and cancels
    k as f64 * p.ln() + (n - k) as f64 * (1.0 - p).ln()
}

/// METHOD: `orientation` (FFPE deamination and oxoG, as Mutect2's read-orientation model). For
/// each C>T/G>A (deamination) and G>T/C>A (oxoG) tumor SNV, the number `k` of its `n` alt
/// fragments in the artifact orientation (C>T and G>T in F1R2, G>A and C>A in F2R1) is binomial
/// with the reference fragments' share of that orientation for a real variant, and with 0.98 for
/// a damage artifact. The share `π` of artifacts among the otherwise passing calls of each
/// class is learned from the sample itself (EM), so a clean sample (π near 0) loses nothing
/// and a damaged one filters calls whose alt fragments sit in the damaged orientation: the
/// posterior `π·L_art / (π·L_art + (1-π)·L_real)` above 0.5 fails `orientation`; `ROQ` in the
/// VCF is its phred complement (Mutect2's). A class is filtered only when the tumor's bases
/// show its damage ([`DamageCounts::damaged`]): with a few dozen calls the shares cannot tell a
/// clean sample's chance orientation skews from damage, the sample's millions of bases can.
pub fn orientation_bias(calls: &mut [Call], damage: Option<&DamageCounts>) -> OrientationModel {
    let mut model = OrientationModel {
        prior: [[0.0; ALT_BINS]; 2],
        orientation: [MAX_ARTIFACT_ORIENTATION; 2],
        candidates: [0; 2],
        assessed: [false; 2],
        filtered: [0; 2],
    };
    for class in 0..2 {
        model.assessed[class] = damage.is_some_and(|d| d.damaged(class));
        if !model.assessed[class] {
            continue;
        }
        let ev: Vec<(u32, u32, f64)> = calls
            .iter()
            .filter(|c| c.is_pass())
            .filter_map(orientation_evidence)
            .filter(|e| e.0 == class)
            .map(|(_, k, n, q)| (k, n, q))
            .collect();
        model.candidates[class] = ev.len();
        if ev.is_empty() {
            continue;
        }
        let (mut pi, mut psi) = ([0.1f64; ALT_BINS], 0.95f64);
        for _ in 0..500 {
            let post: Vec<f64> = ev
                .iter()
                .map(|&(k, n, q)| posterior(pi[alt_bin(n)], psi, k, n, q))
                .collect();
            let overall = post.iter().sum::<f64>() / ev.len() as f64;
            let mut sum = [0.0f64; ALT_BINS];
            let mut count = [0.0f64; ALT_BINS];
            for (e, w) in ev.iter().zip(&post) {
                sum[alt_bin(e.1)] += w;
                count[alt_bin(e.1)] += 1.0;
            }
            // each bin's share, shrunk towards the class's overall share (2 pseudo-calls)
            let new_pi: Vec<f64> = (0..ALT_BINS)
                .map(|b| ((sum[b] + 2.0 * overall) / (count[b] + 2.0)).clamp(1e-6, 1.0 - 1e-6))
                .collect();
            let (num, den) = ev.iter().zip(&post).fold((0.0, 0.0), |(a, b), (e, w)| {
                (a + w * e.0 as f64, b + w * e.1 as f64)
            });
            let new_psi = if den > 0.0 { num / den } else { psi }
                .clamp(MIN_ARTIFACT_ORIENTATION, MAX_ARTIFACT_ORIENTATION);
            let change = (0..ALT_BINS)
                .map(|b| (new_pi[b] - pi[b]).abs())
                .fold((new_psi - psi).abs(), f64::max);
            pi.copy_from_slice(&new_pi);
            psi = new_psi;
            if change < 1e-7 {
                break;
            }
        }
        model.prior[class] = pi;
        model.orientation[class] = psi;
    }
    for c in calls.iter_mut() {
        c.artifact_posterior = None;
        if let Some((class, k, n, q)) = orientation_evidence(c).filter(|e| model.assessed[e.0]) {
            let pi = model.prior[class][alt_bin(n)].max(1e-6);
            let post = posterior(pi, model.orientation[class], k, n, q);
            c.artifact_posterior = Some(post);
            if post > 0.5 {
                c.fail(Filter::Orientation);
                model.filtered[class] += 1;
            }
        }
    }
    model
}

/// Alt-fragment bins over which the artifact share is learned separately (damage artifacts
/// are mostly carried by few fragments): 3 or fewer, 4, 5-6, 7-10, more.
const ALT_BINS: usize = 5;

fn alt_bin(n: u32) -> usize {
    match n {
        0..=3 => 0,
        4 => 1,
        5..=6 => 2,
        7..=10 => 3,
        _ => 4,
    }
}

impl OrientationModel {
    /// One line for the log.
    pub fn describe(&self) -> String {
        let class = |c: usize| {
            if !self.assessed[c] {
                return "not applied (no damage in the tumor's bases)".to_string();
            }
            format!(
                "artifact share by alt fragments (<=3, 4, 5-6, 7-10, >10) {:?}, artifact orientation {:.3}, {} calls",
                self.prior[c].map(|p| (p * 1000.0).round() / 1000.0),
                self.orientation[c],
                self.candidates[c]
            )
        };
        format!(
            "orientation model: deamination {}; oxoG {}",
            class(0),
            class(1)
        )
    }
}

/// What the orientation-bias model learned from the sample.
#[derive(Clone, Debug, PartialEq)]
pub struct OrientationModel {
    /// Per class (deamination, oxoG) and alt-fragment bin: the share of artifacts.
    pub prior: [[f64; ALT_BINS]; 2],
    /// Per class: probability that an artifact site's alt fragment is in the artifact orientation.
    pub orientation: [f64; 2],
    /// Per class: otherwise passing SNVs the shares were learned on.
    pub candidates: [usize; 2],
    /// Per class: whether the tumor's bases show the damage (else the class is not filtered).
    pub assessed: [bool; 2],
    /// Per class: calls filtered `orientation`.
    pub filtered: [u64; 2],
}

fn posterior(pi: f64, psi: f64, k: u32, n: u32, q: f64) -> f64 {
    let la = ln_binom(k, n, psi);
    let lr = ln_binom(k, n, q);
    let m = la.max(lr);
    let a = pi * (la - m).exp();
    let r = (1.0 - pi) * (lr - m).exp();
    a / (a + r)
}

/// Sorts a call's filters into catalogue order (stable output).
pub(crate) fn sort_filters(c: &mut Call) {
    c.filters.sort();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::call::test_snv;

    #[test]
    fn three_passing_events_within_the_window_are_clustered() {
        let mut calls = vec![
            test_snv(100, "C", "T", 20, 100),
            test_snv(120, "C", "T", 20, 100),
            test_snv(149, "C", "T", 20, 100),
            test_snv(300, "C", "T", 20, 100),
        ];
        clustered_events(&mut calls, 50);
        let flagged: Vec<bool> = calls
            .iter()
            .map(|c| c.has(Filter::ClusteredEvents))
            .collect();
        assert_eq!(flagged, [true, true, true, false]);
        // a germline site does not count as a somatic event: two remain, no cluster
        let mut calls = vec![
            test_snv(100, "C", "T", 20, 100),
            test_snv(120, "C", "T", 20, 100),
            test_snv(149, "C", "T", 20, 100),
        ];
        calls[1].fail(Filter::Germline);
        clustered_events(&mut calls, 50);
        assert!(!calls.iter().any(|c| c.has(Filter::ClusteredEvents)));
    }

    #[test]
    fn population_frequency_and_panel_filter_at_their_thresholds() {
        let mut calls = vec![
            test_snv(1, "C", "T", 20, 100),
            test_snv(2, "C", "T", 20, 100),
            test_snv(3, "C", "T", 20, 100),
        ];
        calls[0].pop_af = Some(DEFAULT_MAX_POPULATION_AF);
        calls[1].pop_af = Some(0.009);
        calls[2].pon_normals = Some(2);
        apply_resources(&mut calls, DEFAULT_MAX_POPULATION_AF);
        assert_eq!(calls[0].filters, [Filter::Germline]);
        assert!(calls[1].is_pass());
        assert_eq!(calls[2].filters, [Filter::PanelOfNormals]);
    }

    #[test]
    fn finalize_is_rerunnable_and_keeps_catalogue_order() {
        let mut calls = vec![test_snv(1, "C", "T", 20, 100)];
        calls[0].fail(Filter::PanelOfNormals);
        calls[0].fail(Filter::WeakEvidence);
        calls[0].pon_normals = Some(3);
        finalize(&mut calls, DEFAULT_MAX_POPULATION_AF, None, None);
        finalize(&mut calls, DEFAULT_MAX_POPULATION_AF, None, None);
        assert_eq!(
            calls[0].filters,
            [Filter::WeakEvidence, Filter::PanelOfNormals]
        );
    }

    /// A C>T SNV with `k` of `n` alt fragments in F1R2 (the deamination artifact orientation)
    /// and balanced reference fragments.
    fn ct(pos: u64, k: u32, n: u32) -> Call {
        let mut c = test_snv(pos, "C", "T", n, 100);
        c.tumor.alt_f1r2 = k;
        c.tumor.ref_f1r2 = c.tumor.ref_count / 2;
        c
    }

    #[test]
    fn orientation_filters_damage_only_in_a_damaged_sample() {
        // 40 real variants with balanced orientations, 40 artifacts all in F1R2
        let sample = || -> Vec<Call> {
            let mut v: Vec<Call> = (0..40).map(|i| ct(i * 100, 5, 10)).collect();
            v.extend((0..40).map(|i| ct(10_000 + i * 100, 10, 10)));
            v
        };
        let damaged = DamageCounts {
            deamination: [9_000, 1_000],
            oxog: [500, 500],
        };
        let mut calls = sample();
        let m = orientation_bias(&mut calls, Some(&damaged));
        assert_eq!(m.filtered[0], 40, "{m:?}");
        assert!(calls[..40].iter().all(|c| c.is_pass()));
        assert!(calls[40..].iter().all(|c| c.has(Filter::Orientation)));
        // the same calls in a sample whose bases show no damage: nothing is filtered
        let clean = DamageCounts {
            deamination: [5_000, 5_000],
            oxog: [500, 500],
        };
        let mut calls = sample();
        let m = orientation_bias(&mut calls, Some(&clean));
        assert_eq!(m.filtered, [0, 0]);
        assert!(calls.iter().all(|c| c.is_pass()));
    }
}
