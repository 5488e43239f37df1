//! `batch_summary.json`: one line per tumor sample of a batch — how its run ended, its key
//! biomarkers, its expert-panel priority and its throughput — for dashboards and the panel's
//! agenda. `batch_summary.tsv` and `batch_summary.html` show the same rows.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `kind` of a batch summary.
pub(crate) const BATCH_KIND: &str = "oncostream-batch-summary";

/// Layout version this build writes.
pub(crate) const BATCH_SCHEMA_VERSION: u32 = 1;

/// File name of the JSON summary inside the batch directory.
pub(crate) const BATCH_SUMMARY_JSON: &str = "batch_summary.json";

/// How a sample's run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SampleStatus {
    /// Ran in this invocation and its outputs check out against its manifest.
    Complete,
    /// Complete from an earlier invocation (same settings); not run again.
    Skipped,
    /// The run exited with an error (see `exit_code` and `log`).
    Failed,
    /// Stopped by a signal before it finished (its outputs are incomplete and are redone on the
    /// next invocation).
    Interrupted,
    /// Not started (the batch was interrupted first, or another process is running it).
    NotRun,
    /// Outputs present but not complete: no manifest, or files that do not match it.
    Incomplete,
}

impl SampleStatus {
    /// The word used in the TSV and HTML.
    pub fn as_str(self) -> &'static str {
        match self {
            SampleStatus::Complete => "complete",
            SampleStatus::Skipped => "skipped",
            SampleStatus::Failed => "failed",
            SampleStatus::Interrupted => "interrupted",
            SampleStatus::NotRun => "not_run",
            SampleStatus::Incomplete => "incomplete",
        }
    }

    /// Whether the sample's outputs are complete.
    pub(crate) fn is_done(self) -> bool {
        matches!(self, SampleStatus::Complete | SampleStatus::Skipped)
    }
}

/// One tumor sample of the batch.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct BatchSample {
    /// 1-based task number (the Slurm array index).
    pub task: usize,
    /// Sample id from the sheet.
    pub sample: String,
    /// Patient id from the sheet.
    pub patient: String,
    /// The matched normal's sample id (None: tumor-only).
    pub normal: Option<String>,
    /// Cancer type (OncoTree code), when the sample is reported.
    pub cancer_type: Option<String>,
    /// How the run stands.
    pub status: SampleStatus,
    /// Exit code of a failed run.
    pub exit_code: Option<i32>,
    /// Why the sample is not complete (the run's last error line, or what is missing).
    pub reason: Option<String>,
    /// Output directory, relative to the batch directory.
    pub outdir: String,
    /// Log file (stderr of the run), relative to the batch directory.
    pub log: Option<String>,
    /// Run id from the manifest.
    pub run_id: Option<String>,
    /// Completion time from the manifest (UTC).
    pub completed: Option<String>,
    /// TMB, mutations per Mb.
    pub tmb_per_mb: Option<f64>,
    /// TMB class (`low`, `high`, `very_high`), or `not evaluable` (too few callable bases; the
    /// report gives it no class and does not tier it).
    pub tmb_class: Option<String>,
    /// Whether the TMB can be interpreted (the report's rule: at least 1 callable Mb).
    pub tmb_evaluable: Option<bool>,
    /// Callable megabases behind the TMB.
    pub tmb_callable_mb: Option<f64>,
    /// MSI score (% unstable sites).
    pub msi_score: Option<f64>,
    /// MSI status, or `not evaluable` (too few sites tested; the report's rule).
    pub msi_status: Option<String>,
    /// Tumor purity estimate.
    pub purity: Option<f64>,
    /// Tumor mean depth.
    pub mean_depth: Option<f64>,
    /// Tumor duplicate rate.
    pub duplicate_rate: Option<f64>,
    /// Tumor/normal identity concordance.
    pub identity: Option<f64>,
    /// QC verdict (`pass`, `warn`, `fail`).
    pub qc: Option<String>,
    /// Somatic PASS calls.
    pub pass_calls: Option<usize>,
    /// Highest evidence level of the report.
    pub highest_level: Option<String>,
    /// Findings in the report.
    pub findings: Option<usize>,
    /// Expert-panel priority (`QC failed: re-test`, `actionable: discuss first`, `routine review`).
    pub panel_priority: Option<String>,
    /// The priority's reasons (and caveats).
    pub panel_reasons: Vec<String>,
    /// Wall seconds of the run.
    pub wall_seconds: Option<f64>,
    /// CPU seconds of the run.
    pub cpu_seconds: Option<f64>,
    /// Peak RSS of the run, bytes.
    pub peak_rss_bytes: Option<u64>,
    /// Threads of the run.
    pub threads: Option<usize>,
    /// Reads per wall second.
    pub reads_per_second: Option<f64>,
    /// Bases per wall second.
    pub bases_per_second: Option<f64>,
    /// Compressed bytes read.
    pub bytes_read: Option<u64>,
    /// The patient's follow-up plasma samples monitored against this tumor (status-2 rows of
    /// the sheet), from a complete `<tumor>/monitor/monitor.json`; empty when there are none
    /// or monitoring did not complete.
    #[serde(default)]
    pub monitoring: Vec<BatchMonitoring>,
}

/// One follow-up plasma sample's result, as `monitor.json` gives it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct BatchMonitoring {
    /// Sample name.
    pub sample: String,
    /// Time-point label.
    pub timepoint: Option<String>,
    /// Detected, not detected or not evaluable.
    pub mrd_status: super::monitor::MrdStatus,
    /// p-value of the aggregated test.
    pub p_value: Option<f64>,
    /// Tumor-fraction estimate.
    pub tumor_fraction: Option<f64>,
    /// Its 95% interval.
    pub tumor_fraction_ci95: Option<[f64; 2]>,
    /// The sample's limit of detection.
    pub limit_of_detection: Option<f64>,
    /// New variants found at the watched resistance/hotspot positions.
    pub new_variants: usize,
}

impl BatchMonitoring {
    /// One short phrase: `week12: detected (TF 1.2%)`.
    pub fn phrase(&self) -> String {
        let label = self.timepoint.as_deref().unwrap_or(&self.sample);
        let tf = match (self.mrd_status, self.tumor_fraction) {
            (super::monitor::MrdStatus::Detected, Some(t)) => format!(" (TF {:.3}%)", t * 100.0),
            _ => String::new(),
        };
        let new = if self.new_variants > 0 {
            format!(", {} new variant(s)", self.new_variants)
        } else {
            String::new()
        };
        format!("{label}: {}{tf}{new}", self.mrd_status.as_str())
    }
}

/// Counts over the batch.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct BatchTotals {
    /// Tumor samples in the sheet.
    pub samples: usize,
    /// Complete (run now or earlier).
    pub complete: usize,
    /// Skipped as complete from an earlier invocation.
    pub skipped: usize,
    /// Failed.
    pub failed: usize,
    /// Interrupted, not run or incomplete.
    pub unfinished: usize,
}

/// The batch summary document.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct BatchSummary {
    /// Always `oncostream-batch-summary`.
    #[schemars(extend("const" = "oncostream-batch-summary"))]
    pub kind: String,
    /// Layout version (1).
    pub schema_version: u32,
    /// Writer version.
    pub version: String,
    /// UTC time the summary was written.
    pub created: String,
    /// The sample sheet (absolute path).
    pub samplesheet: String,
    /// Whether the batch was stopped by a signal.
    pub interrupted: bool,
    /// Counts.
    pub totals: BatchTotals,
    /// Samples in sheet order.
    pub samples: Vec<BatchSample>,
}
