//! The QC stage of `run`: depth, coverage uniformity, duplicates, insert sizes, the callable
//! bases (the TMB denominator), read-orientation damage, the tumor/normal identity and the
//! verdict; and the check, right after the pass, that the reads were aligned to this reference.

use anyhow::Result;

use super::stage::{PartialOf, Stage};
use crate::error::{fail, ExitKind};
use crate::somatic::evidence::DamageCounts;
use crate::somatic::qc::{
    combine, damage_warnings, identity, orientation_bias, reference_mismatch, summarize, verdict,
    QcObserver, QcPartial, MAX_REFERENCE_MISMATCH,
};
use crate::types::results::QcResult;
use crate::types::source::InputInfo;
use crate::types::{ContigId, Shard};

/// The plan: callable-depth thresholds and the identity threshold.
pub struct QcStage {
    /// Samples read (tumor, then normal).
    pub n_samples: usize,
    /// Tumor depth of a callable base.
    pub min_tumor_depth: u32,
    /// Normal depth of a callable base.
    pub min_normal_depth: u32,
    /// Per contig: whether its bases can be callable.
    pub callable_contigs: Vec<bool>,
    /// Identity concordance below which the pair is flagged.
    pub min_identity: f64,
}

/// The combined QC counts and the callable intervals.
#[derive(Default)]
pub struct QcState {
    /// Counts per sample, identity sites.
    pub counts: QcPartial,
    /// Callable intervals (0-based half-open), in genome order.
    pub callable: Vec<(ContigId, u64, u64)>,
}

impl QcState {
    /// Callable bases (the TMB denominator).
    pub fn callable_bases(&self) -> u64 {
        self.callable.iter().map(|(_, s, e)| e - s).sum()
    }
}

/// What the verdict needs from the other stages.
pub struct QcContext<'c> {
    /// Inputs in order (sample names).
    pub inputs: Vec<&'c InputInfo>,
    /// Unmapped records per input (from the engine).
    pub unmapped: &'c [u64],
    /// Orientation counts per sample (from the caller).
    pub damage: &'c [DamageCounts],
    /// Tumor calls filtered as orientation artifacts, [deamination, oxoG].
    pub filtered: [u64; 2],
    /// Whether the purity estimate is low (a failed rule of the verdict).
    pub low_purity: bool,
}

/// The QC block and what it warns about.
pub struct QcOutcome {
    /// `results.json` `qc`.
    pub result: QcResult,
    /// Damage and identity warnings.
    pub warnings: Vec<String>,
}

impl Stage for QcStage {
    const NAME: &'static str = "qc";
    type Observer<'s> = QcObserver;
    type State<'s> = QcState;
    type Context<'c> = QcContext<'c>;
    type Output = QcOutcome;

    fn observer(&self) -> QcObserver {
        QcObserver {
            n_samples: self.n_samples,
            min_tumor_depth: self.min_tumor_depth,
            min_normal_depth: self.min_normal_depth,
            callable_contigs: self.callable_contigs.clone(),
        }
    }

    fn state(&self) -> Result<QcState> {
        Ok(QcState::default())
    }

    fn add<'s>(
        &'s self,
        state: &mut QcState,
        _shard: &Shard,
        partial: PartialOf<'s, Self>,
    ) -> Result<()> {
        combine(&mut state.counts, partial, &mut state.callable);
        Ok(())
    }

    fn finish(&self, state: QcState, ctx: QcContext<'_>) -> Result<QcOutcome> {
        let q = &state.counts;
        let samples: Vec<_> = (0..self.n_samples)
            .map(|i| {
                let counts = q.samples.get(i).cloned().unwrap_or_default();
                let mut s = summarize(&ctx.inputs[i].sample, &counts, ctx.unmapped[i]);
                let f = if i == 0 { ctx.filtered } else { [0, 0] };
                s.orientation_bias = Some(orientation_bias(&ctx.damage[i], &counts, f));
                s
            })
            .collect();
        let mut warnings = damage_warnings(&samples);
        let ident = (self.n_samples > 1)
            .then(|| identity(q.identity_sites, q.identity_shared, self.min_identity));
        if let Some((_, Some(w))) = &ident {
            warnings.push(w.clone());
        }
        Ok(QcOutcome {
            result: verdict(samples, ident, ctx.low_purity),
            warnings,
        })
    }
}

impl QcStage {
    /// Reads aligned to another reference of the same length (no `@SQ M5` to catch it) differ
    /// from it at far more bases than sequencing errors and variants explain: stop before any
    /// result is written.
    pub fn check_reference(
        &self,
        state: &QcState,
        inputs: &[&InputInfo],
        reference: &std::path::Path,
    ) -> Result<()> {
        for (q, info) in state.counts.samples.iter().zip(inputs) {
            let Some(rate) = reference_mismatch(q) else {
                continue;
            };
            if rate > MAX_REFERENCE_MISMATCH {
                return Err(fail(
                    ExitKind::Data,
                    format!(
                        "{:.0}% of the aligned bases of '{}' (sample {}) differ from the reference '{}' (expected below {:.0}%): the reads were aligned to another reference; pass the FASTA they were aligned to (nothing was written)",
                        100.0 * rate,
                        info.path.display(),
                        info.sample,
                        reference.display(),
                        100.0 * MAX_REFERENCE_MISMATCH
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::somatic::qc::SampleQc;
    use crate::types::source::InputFormat;

    fn info(sample: &str) -> InputInfo {
        InputInfo {
            path: format!("{sample}.bam").into(),
            format: InputFormat::Bam,
            size: 1,
            sample: sample.into(),
            index_path: format!("{sample}.bam.bai").into(),
            read_groups: Vec::new(),
        }
    }

    fn stage() -> QcStage {
        QcStage {
            n_samples: 2,
            min_tumor_depth: 20,
            min_normal_depth: 10,
            callable_contigs: Vec::new(),
            min_identity: 0.9,
        }
    }

    fn state(mismatch: [(u64, u64); 2]) -> QcState {
        QcState {
            counts: QcPartial {
                samples: mismatch
                    .iter()
                    .map(|&(m, x)| SampleQc {
                        ref_match: m,
                        ref_mismatch: x,
                        ..SampleQc::default()
                    })
                    .collect(),
                ..QcPartial::default()
            },
            callable: vec![(crate::types::ContigId::new(0), 100, 350)],
        }
    }

    #[test]
    fn reads_of_another_reference_stop_the_run_naming_the_sample() {
        let (t, n) = (info("T"), info("N"));
        let ok = state([(990, 10), (995, 5)]);
        assert!(stage()
            .check_reference(&ok, &[&t, &n], "ref.fa".as_ref())
            .is_ok());
        assert_eq!(ok.callable_bases(), 250);
        // the normal aligned elsewhere: 40% of its bases differ
        let bad = state([(990, 10), (600, 400)]);
        let e = stage()
            .check_reference(&bad, &[&t, &n], "ref.fa".as_ref())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("40% of the aligned bases of 'N.bam' (sample N)"),
            "{e}"
        );
    }

    #[test]
    fn the_verdict_sees_the_purity_and_the_damage() {
        let (t, n) = (info("T"), info("N"));
        let out = stage()
            .finish(
                state([(990, 10), (995, 5)]),
                QcContext {
                    inputs: vec![&t, &n],
                    unmapped: &[0, 0],
                    damage: &[DamageCounts::default(), DamageCounts::default()],
                    filtered: [0, 0],
                    low_purity: true,
                },
            )
            .unwrap();
        assert_eq!(out.result.samples.len(), 2);
        assert!(out.result.reasons.iter().any(|r| r.contains("purity")));
        // no identity sites: insufficient, not a mismatch
        assert!(out.warnings.is_empty());
    }
}
