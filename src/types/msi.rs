//! Microsatellites and MSI results: sites (as site lists write them), repeat-length histograms,
//! thresholds, per-site and whole-sample results.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ContigId, Pos0};

/// One microsatellite (coordinates 0-based; `start` = first repeat base, msisensor's location).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsSite {
    /// Contig.
    pub contig: ContigId,
    /// 0-based first base of the repeat.
    pub start: Pos0,
    /// Repeat unit.
    pub unit: String,
    /// Units in the reference.
    pub count: u32,
    /// Left flank (bases before `start`).
    pub left: String,
    /// Right flank (bases after the repeat).
    pub right: String,
}

impl MsSite {
    /// Reference span of the repeat.
    pub(crate) fn repeat_len(&self) -> u64 {
        self.unit.len() as u64 * self.count as u64
    }
}

/// Histogram of repeat counts: `counts[k]` = reads with `k` units.
pub type Histogram = Vec<u32>;

/// MSI status of a sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum MsiStatus {
    /// Microsatellite instability-high (score at or above the MSI-H threshold).
    #[serde(rename = "MSI-H")]
    MsiH,
    /// Microsatellite stable (score below the MSS threshold).
    #[serde(rename = "MSS")]
    Mss,
    /// Between the thresholds.
    #[serde(rename = "indeterminate")]
    Indeterminate,
    /// Fewer sites tested than a status needs (the score is kept for QC only).
    #[serde(rename = "not_evaluable")]
    NotEvaluable,
}

impl MsiStatus {
    /// The label as written in results and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            MsiStatus::MsiH => "MSI-H",
            MsiStatus::Mss => "MSS",
            MsiStatus::Indeterminate => "indeterminate",
            MsiStatus::NotEvaluable => "not_evaluable",
        }
    }

    /// Parses a user-typed status; only the spellings written by this program are accepted
    /// (`MSI-H`, `MSS`, `indeterminate`), so a typo is refused instead of silently ignored.
    pub fn parse(s: &str) -> Option<MsiStatus> {
        match s {
            "MSI-H" => Some(MsiStatus::MsiH),
            "MSS" => Some(MsiStatus::Mss),
            "indeterminate" => Some(MsiStatus::Indeterminate),
            _ => None,
        }
    }
}

impl std::fmt::Display for MsiStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the tumor's histograms were compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum MsiMode {
    /// The matched normal.
    #[serde(rename = "paired")]
    Paired,
    /// A baseline pooled from normals (`msi-baseline`), in tumor-only runs.
    #[serde(rename = "tumor-only (baseline)")]
    Baseline,
}

/// Per-site result.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct SiteResult {
    /// `contig:start` (1-based start of the repeat, as msisensor prints).
    pub site: String,
    /// Reads counted in the tumor.
    pub tumor_reads: u32,
    /// Reads counted in the normal (paired) or in the baseline (tumor-only).
    pub reference_reads: u32,
    /// Test p-value.
    pub p_value: f64,
    /// Called unstable.
    pub unstable: bool,
}

/// Status thresholds (percent of tested sites that are unstable).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct MsiThresholds {
    /// Score at or above which the sample is MSI-H.
    pub msi_h: f64,
    /// Score below which the sample is MSS; between the two: indeterminate.
    pub mss: f64,
    /// Fewest reads per sample for a site to be tested.
    pub min_reads: u32,
    /// Per-site p-value threshold.
    pub p_value: f64,
}

impl Default for MsiThresholds {
    fn default() -> Self {
        MsiThresholds {
            msi_h: 20.0,
            mss: 10.0,
            min_reads: 15,
            p_value: 0.01,
        }
    }
}

/// The MSI result block of results.json.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct MsiResult {
    /// Percent of tested sites called unstable.
    pub score: f64,
    /// Sites with enough reads.
    pub sites_tested: u32,
    /// Sites called unstable.
    pub sites_unstable: u32,
    /// `MSI-H`, `MSS`, `indeterminate`, or `not_evaluable` below the minimum of tested sites
    /// (the report, batch summary and MultiQC say the same).
    pub status: MsiStatus,
    /// Whether the status may be interpreted: enough sites tested.
    pub evaluable: bool,
    /// Why not, when not evaluable (the report's sentence).
    pub not_evaluable_reason: Option<String>,
    /// `paired` or `tumor-only (baseline)`.
    pub mode: MsiMode,
    /// Thresholds used.
    pub thresholds: MsiThresholds,
    /// Unstable sites (for review).
    pub unstable_sites: Vec<SiteResult>,
}
