//! The MSI stage of `run`: repeat-length histograms of every microsatellite site from the one
//! pass, scored against the matched normal or, tumor-only, against an MSI baseline.

use anyhow::Result;

use super::stage::{PartialOf, Stage};
use crate::somatic::msi::{
    msi_warning, score, Baseline, MsSite, MsiCounts, MsiObserver, MsiReference, MsiThresholds,
    SiteSource, READ_WINDOW,
};
use crate::types::msi::MsiResult;
use crate::types::Shard;

/// Minimum MAPQ of a read counted at a microsatellite site: every mapped read (as
/// msisensor-pro counts them; a site's flanks anchor the read).
const MSI_MIN_MAPQ: u8 = 0;

/// The plan: where the sites come from, the reference of the comparison, the thresholds.
pub struct MsiStage {
    /// The `--ms-sites` list (None: sites scanned per shard).
    pub sites: Option<Vec<MsSite>>,
    /// Tumor-only reference (`--msi-baseline`).
    pub baseline: Option<Baseline>,
    /// Whether a matched normal was read (sample 1).
    pub has_normal: bool,
    /// Score thresholds.
    pub thresholds: MsiThresholds,
    /// Samples read.
    pub n_samples: usize,
    /// Per contig: whether its sites count (primary chromosomes of a human genome).
    pub contigs: Vec<bool>,
    /// Contig names by id.
    pub contig_names: Vec<String>,
}

/// The histograms and their score.
pub struct MsiOutcome {
    /// Every site's histograms (`msi_histograms.tsv`).
    pub counts: MsiCounts,
    /// The score (None: tumor-only without a baseline).
    pub result: Option<MsiResult>,
    /// What the report must say about it.
    pub warnings: Vec<String>,
}

impl Stage for MsiStage {
    const NAME: &'static str = "msi";
    type Observer<'s> = MsiObserver<'s>;
    type State<'s> = MsiCounts;
    type Context<'c> = ();
    type Output = MsiOutcome;

    fn observer(&self) -> MsiObserver<'_> {
        MsiObserver {
            sites: match &self.sites {
                Some(list) => SiteSource::List(list),
                None => SiteSource::Scan,
            },
            n_samples: self.n_samples,
            min_mapq: MSI_MIN_MAPQ,
            read_window: READ_WINDOW,
            contigs: self.contigs.clone(),
        }
    }

    fn state(&self) -> Result<MsiCounts> {
        Ok(MsiCounts::default())
    }

    fn add<'s>(
        &'s self,
        state: &mut MsiCounts,
        _shard: &Shard,
        partial: PartialOf<'s, Self>,
    ) -> Result<()> {
        state.add(partial);
        Ok(())
    }

    fn finish(&self, counts: MsiCounts, _: ()) -> Result<MsiOutcome> {
        let reference = if self.has_normal {
            Some(MsiReference::Sample(1))
        } else {
            self.baseline.as_ref().map(MsiReference::Baseline)
        };
        let mut warnings = Vec::new();
        let result = match reference {
            Some(r) => Some(score(&counts, &self.contig_names, 0, r, &self.thresholds)),
            None => {
                warnings.push("MSI not assessed: tumor-only run without --msi-baseline".into());
                None
            }
        };
        warnings.extend(result.as_ref().and_then(msi_warning));
        Ok(MsiOutcome {
            counts,
            result,
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tumor_only_without_a_baseline_is_not_assessed_and_says_so() {
        let stage = MsiStage {
            sites: Some(Vec::new()),
            baseline: None,
            has_normal: false,
            thresholds: MsiThresholds::default(),
            n_samples: 1,
            contigs: Vec::new(),
            contig_names: vec!["chr1".into()],
        };
        let out = stage.finish(MsiCounts::default(), ()).unwrap();
        assert!(out.result.is_none());
        assert_eq!(
            out.warnings,
            ["MSI not assessed: tumor-only run without --msi-baseline"]
        );
        // with a matched normal it is scored (no site tested here: indeterminate)
        let paired = MsiStage {
            has_normal: true,
            n_samples: 2,
            ..stage
        };
        let out = paired.finish(MsiCounts::default(), ()).unwrap();
        assert_eq!(out.result.unwrap().sites_tested, 0);
    }
}
