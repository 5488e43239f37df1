//! Tumor-informed monitoring of plasma (cell-free DNA): UMI families, molecule consensus, the
//! sample's own background error, the tumor fraction and the MRD call.
//!
//! The assay this assumes: a panel or exome capture of plasma cell-free DNA with unique
//! molecular identifiers (UMIs, in `RX` or the read name; duplex `A-B` UMIs when the library
//! tags both strands), sequenced deep enough that each tracked site has hundreds to thousands
//! of molecules, and a baseline tumor (an oncostream run, or a VCF) whose somatic SNVs are
//! tracked. Without UMIs, fragments with the same ends stand in for families.
//!
//! - [`umi`]: bundles and UMI-tools' directional grouping (pure);
//! - [`consensus`]: mates merged, family consensus with its quality, duplex pairing (pure);
//! - [`background`]: substitution classes and contexts, the background tallies (pure);
//! - [`model`]: expected allele fractions, tumor-fraction likelihood, interval, the aggregated
//!   conditional test, the limit of detection (pure);
//! - [`assess`]: one sample's rows, test classes and call (pure);
//! - [`observer`]: the [`crate::engine::ColumnObserver`] of the pass.
//!
//! The methods and their limits: `docs/methods/monitoring.md`.

pub(crate) mod assess;
pub(crate) mod background;
pub(crate) mod consensus;
pub(crate) mod model;
pub(crate) mod observer;
pub(crate) mod umi;

use crate::types::monitor::MonitorSettings;

/// METHOD: the significance level of the MRD test. With one test per sample, at most this
/// share of tumor-free samples are called `detected` (a bound, not an estimate; the 100-seed
/// tumor-free run in `docs/methods/monitoring.md` measures it).
pub(crate) const ALPHA: f64 = 0.001;
/// METHOD: a negative test counts as `not_detected` only when the sample could have detected a
/// tumor fraction of 1% (0.01) with 95% probability; otherwise it is `not_evaluable`.
pub(crate) const MAX_NEGATIVE_LOD: f64 = 0.01;
/// METHOD: a tracked site is informative from 20 molecules.
pub(crate) const MIN_SITE_FAMILIES: u32 = 20;
/// METHOD: a molecule's consensus base counts from Q30 (1 error in 1000).
pub(crate) const MIN_CONSENSUS_QUALITY: u8 = 30;
/// Bases below Q10 do not vote in a consensus.
pub(crate) const MIN_BASE_QUALITY: u8 = 10;
/// Reads below MAPQ 20 are not used (paralogous placements mimic variants).
pub(crate) const MIN_MAPPING_QUALITY: u8 = 20;
/// METHOD: the background is read within 100 bases of each site (the positions every
/// molecule overlapping the site also covers, for 167-bp fragments).
pub(crate) const BACKGROUND_FLANK: u64 = 100;
/// METHOD: new variants from a consensus allele fraction of 0.5% ...
pub(crate) const NEW_VARIANT_MIN_VAF: f64 = 0.005;
/// ... and 3 molecules.
pub(crate) const NEW_VARIANT_MIN_FAMILIES: u32 = 3;

impl Default for MonitorSettings {
    fn default() -> Self {
        MonitorSettings {
            umi_tag: "RX".into(),
            umi_from_read_name: false,
            umi_separator: "_".into(),
            min_base_quality: MIN_BASE_QUALITY,
            min_mapping_quality: MIN_MAPPING_QUALITY,
            min_consensus_quality: MIN_CONSENSUS_QUALITY,
            min_family_size: 1,
            min_site_families: MIN_SITE_FAMILIES,
            background_flank: BACKGROUND_FLANK,
            alpha: ALPHA,
            max_negative_lod: MAX_NEGATIVE_LOD,
            new_variant_min_vaf: NEW_VARIANT_MIN_VAF,
            new_variant_min_families: NEW_VARIANT_MIN_FAMILIES,
        }
    }
}
