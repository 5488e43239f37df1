//! One plasma sample assessed: the tracked variants' counts, the background error, the tumor
//! fraction and the MRD call, from the pass's molecule counts (pure).

use std::collections::HashMap;

use super::background::{sub_class, Background, CLASSES};
use super::model::{self, SiteData, TestClass};
use super::observer::TargetCounts;
use crate::types::monitor::{
    BackgroundError, ClassRate, MrdResult, MrdStatus, TrackedStatus, TrackedVariant, TumorFraction,
    WeightBasis,
};
use crate::types::Pos1;

/// A tracked variant as the pass and the model need it.
#[derive(Clone, Debug)]
pub(crate) struct TrackedSite {
    /// Target id in the pass.
    pub id: u32,
    /// Contig name.
    pub chrom: String,
    /// 1-based position.
    pub pos: Pos1,
    /// REF base (uppercase).
    pub ref_base: u8,
    /// ALT base.
    pub alt_base: u8,
    /// Reference triplet around it (from the reference).
    pub tri: [u8; 3],
    /// Gene, when known.
    pub gene: Option<String>,
    /// Mutated copies per tumor cell.
    pub mc: f64,
    /// Local tumor copy number.
    pub cn: f64,
    /// How `mc` was set.
    pub basis: WeightBasis,
    /// Set before the pass or from the white-cell normal: not used, and why.
    pub excluded: Option<TrackedStatus>,
}

/// What decides the call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallSettings {
    /// Molecules a site needs.
    pub min_site_families: u32,
    /// Significance level.
    pub alpha: f64,
    /// Above this limit of detection a negative test is not evaluable.
    pub max_negative_lod: f64,
}

fn code(b: u8) -> usize {
    match b {
        b'A' => 0,
        b'C' => 1,
        b'G' => 2,
        _ => 3,
    }
}

/// The background block of `monitor.json`.
pub(crate) fn background_summary(bg: &Background) -> BackgroundError {
    let total = bg.total_bases();
    let errors: u64 = bg.errors.iter().sum();
    let classes = (0..6u8)
        .map(|c| {
            let (n, e) = bg.class6(c);
            ClassRate {
                class: CLASSES[c as usize].into(),
                rate: if n > 0 { e as f64 / n as f64 } else { 0.0 },
                errors: e,
                molecule_bases: n,
            }
        })
        .collect();
    BackgroundError {
        rate: if total > 0 {
            errors as f64 / total as f64
        } else {
            0.0
        },
        molecule_bases: total,
        classes,
        contexts_resolved: (0..32u8).filter(|&c| bg.resolved(c)).count() as u32,
        positions_excluded: bg.excluded,
    }
}

/// The per-variant rows (every tracked site, used or not) and the model's input of the used.
pub(crate) fn variant_rows(
    sites: &[TrackedSite],
    counts: &HashMap<u32, TargetCounts>,
    bg: &Background,
    min_families: u32,
) -> (Vec<TrackedVariant>, Vec<(usize, SiteData)>) {
    let mut rows = Vec::with_capacity(sites.len());
    let mut used = Vec::new();
    for (i, s) in sites.iter().enumerate() {
        let c = counts.get(&s.id).cloned().unwrap_or_default();
        let families: u64 = c.counts.iter().map(|&x| x as u64).sum();
        let alt = c.counts[code(s.alt_base)] as u64;
        let class = sub_class(s.tri, s.alt_base);
        let error = class.map(|k| bg.rate(k)).unwrap_or(bg.overall_rate());
        let status = match s.excluded {
            Some(x) => x,
            None if families < min_families as u64 || class.is_none() => {
                TrackedStatus::TooFewFamilies
            }
            None => TrackedStatus::Used,
        };
        if status == TrackedStatus::Used {
            used.push((
                i,
                SiteData {
                    families,
                    alt,
                    error,
                    mc: s.mc,
                    cn: s.cn,
                },
            ));
        }
        rows.push(TrackedVariant {
            chrom: s.chrom.clone(),
            pos: s.pos,
            ref_allele: (s.ref_base as char).to_string(),
            alt: (s.alt_base as char).to_string(),
            gene: s.gene.clone(),
            alt_families: alt,
            families,
            alt_duplex: c.duplex[code(s.alt_base)] as u64,
            vaf: (families > 0).then(|| alt as f64 / families as f64),
            background_rate: error,
            weight: model::expected_vaf(1.0, s.mc, s.cn),
            weight_basis: s.basis,
            status,
        });
    }
    (rows, used)
}

/// The classes of the conditional test: a used site's 96-class where the background resolves
/// its context for every used site of its 6-class, else the 6-class (so that no background
/// molecule is counted in two classes).
pub(crate) fn test_classes(
    sites: &[TrackedSite],
    used: &[(usize, SiteData)],
    bg: &Background,
) -> Vec<TestClass> {
    let mut six_only = [false; 6];
    for (i, _) in used {
        if let Some(k) = sub_class(sites[*i].tri, sites[*i].alt_base) {
            if !bg.resolved(k.context) {
                six_only[k.class6 as usize] = true;
            }
        }
    }
    let mut by: std::collections::BTreeMap<(u8, u8), TestClass> = Default::default();
    for (i, d) in used {
        let Some(k) = sub_class(sites[*i].tri, sites[*i].alt_base) else {
            continue;
        };
        let key = if six_only[k.class6 as usize] {
            (0, k.class6)
        } else {
            (1, k.class96)
        };
        let e = by.entry(key).or_insert_with(|| {
            let (bases, errors) = if key.0 == 0 {
                bg.class6(k.class6)
            } else {
                (bg.bases[k.context as usize], bg.errors[k.class96 as usize])
            };
            TestClass {
                background_bases: bases,
                background_errors: errors,
                ..Default::default()
            }
        });
        e.site_alt += d.alt;
        e.site_bases += d.families;
    }
    by.into_values().collect()
}

/// Tumor fraction and MRD call of the used sites.
pub fn call(
    sites: &[TrackedSite],
    used: &[(usize, SiteData)],
    bg: &Background,
    s: CallSettings,
) -> (TumorFraction, MrdResult) {
    let data: Vec<SiteData> = used.iter().map(|(_, d)| *d).collect();
    let alt: u64 = data.iter().map(|d| d.alt).sum();
    let families: u64 = data.iter().map(|d| d.families).sum();
    let expected: f64 = data
        .iter()
        .map(|d| d.families as f64 * d.error)
        .sum::<f64>()
        + 0.0;
    if data.is_empty() {
        let why = format!(
            "no tracked variant has {} or more molecules in this sample",
            s.min_site_families
        );
        return (
            TumorFraction {
                estimate: None,
                ci95: None,
                variants_used: 0,
            },
            MrdResult {
                status: MrdStatus::NotEvaluable,
                p_value: None,
                limit_of_detection: None,
                alt_families: alt,
                families,
                expected_background: expected,
                reason: Some(why),
            },
        );
    }
    let f = model::mle(&data);
    let ci = model::ci95(&data, f);
    let p = model::conditional_p_value(&test_classes(sites, used, bg));
    let lod = model::limit_of_detection(&data, s.alpha);
    let (status, reason) = if p < s.alpha {
        (MrdStatus::Detected, None)
    } else {
        match lod {
            Some(l) if l <= s.max_negative_lod => (MrdStatus::NotDetected, None),
            Some(l) => (
                MrdStatus::NotEvaluable,
                Some(format!(
                    "not detected, but this sample could only detect tumor fractions from {:.3}% (above the {:.1}% bound for a negative result): too few molecules or variants",
                    100.0 * l,
                    100.0 * s.max_negative_lod
                )),
            ),
            None => (
                MrdStatus::NotEvaluable,
                Some("not detected, and no tumor fraction would be detected with 95% probability at these molecule counts".into()),
            ),
        }
    };
    (
        TumorFraction {
            estimate: Some(f),
            ci95: Some(ci),
            variants_used: data.len(),
        },
        MrdResult {
            status,
            p_value: Some(p),
            limit_of_detection: lod,
            alt_families: alt,
            families,
            expected_background: expected,
            reason,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(id: u32, tri: &[u8; 3], alt: u8) -> TrackedSite {
        TrackedSite {
            id,
            chrom: "chr1".into(),
            pos: Pos1::new(100 + id as u64).unwrap(),
            ref_base: tri[1],
            alt_base: alt,
            tri: *tri,
            gene: None,
            mc: 1.0,
            cn: 2.0,
            basis: WeightBasis::AssumedClonal,
            excluded: None,
        }
    }

    #[test]
    fn unresolved_contexts_fall_back_to_the_six_class_together() {
        let mut bg = Background::default();
        for _ in 0..30 {
            bg.add_position(*b"ACG", [0, 1000, 0, 0]);
        }
        bg.add_position(*b"ACA", [0, 100, 0, 0]);
        let sites = vec![
            site(0, b"ACG", b'T'),
            site(1, b"ACA", b'T'),
            site(2, b"ATA", b'C'),
        ];
        let d = SiteData {
            families: 1000,
            alt: 1,
            error: 1e-5,
            mc: 1.0,
            cn: 2.0,
        };
        let used = vec![(0, d), (1, d), (2, d)];
        let classes = test_classes(&sites, &used, &bg);
        // C>T: ACA unresolved, so both C>T sites share the 6-class; T>C its own 6-class
        assert_eq!(classes.len(), 2);
        assert_eq!(classes[0].site_alt, 2);
        assert_eq!(classes[0].background_bases, 30_100);
    }

    #[test]
    fn no_used_variant_is_not_evaluable() {
        let (tf, mrd) = call(
            &[],
            &[],
            &Background::default(),
            CallSettings {
                min_site_families: 20,
                alpha: 0.001,
                max_negative_lod: 0.05,
            },
        );
        assert_eq!(mrd.status, MrdStatus::NotEvaluable);
        assert!(tf.estimate.is_none());
    }
}
