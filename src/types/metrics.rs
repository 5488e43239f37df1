//! Run metrics (the document; `pipeline::metrics` builds it) for throughput dashboards and
//! schedulers: `metrics.json` in every `run` output directory, and `--metrics FILE` of any
//! command that reads alignments.
//!
//! Schema (`kind` `oncostream-metrics`, `schema_version` 2; `schemas/metrics.schema.json`):
//! `sample` (the analysis name: `--sample-id`, else the tumor's / first input's sample),
//! `tool`, `version`, `git_commit` (of the build), `command`, `argv`, `threads`, `shard_size`,
//! `inputs[]` (`path`, `format`, `sample`, `size_bytes`, `bytes_read`, `reads`, `bases`),
//! `wall_seconds`, `cpu_seconds` (user + system, all threads), `peak_rss_bytes`, `reads`,
//! `bases`, `bytes_read`, `reads_per_second`, `bases_per_second` (per wall second), `positions`,
//! `shards`, `stages` (wall seconds per stage: `validate`, `pileup` (the parallel pass),
//! `finalize`, `report`; and `worker_read`, `worker_observe`, `sink`: seconds summed over the
//! worker threads) and `stage_cpu_seconds` (process CPU seconds spent in each of the timed
//! stages `validate`, `pileup`, `finalize`, `report`).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::source::InputFormat;

/// One input in the metrics.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct InputMetrics {
    /// Path as given.
    pub path: String,
    /// BAM or CRAM.
    pub format: InputFormat,
    /// Sample name.
    pub sample: String,
    /// File size.
    pub size_bytes: u64,
    /// Compressed bytes read.
    pub bytes_read: u64,
    /// Records read.
    pub reads: u64,
    /// Read bases.
    pub bases: u64,
}

/// The `kind` of a metrics document.
pub(crate) const METRICS_KIND: &str = "oncostream-metrics";

/// The layout version this build writes.
pub(crate) const METRICS_SCHEMA_VERSION: u32 = 2;

/// The metrics document.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Metrics {
    /// Always `oncostream-metrics`.
    #[schemars(extend("const" = "oncostream-metrics"))]
    pub kind: String,
    /// Schema version of this document (2).
    pub schema_version: u32,
    /// The analysis name (`--sample-id`, else the tumor's or first input's sample name).
    pub sample: String,
    /// Always `oncostream`.
    pub tool: String,
    /// Crate version.
    pub version: String,
    /// Git commit the binary was built from (`unknown` outside a git checkout).
    pub git_commit: String,
    /// Subcommand.
    pub command: String,
    /// Full command line.
    pub argv: Vec<String>,
    /// Worker threads.
    pub threads: usize,
    /// Shard size in bases.
    pub shard_size: u64,
    /// Inputs.
    pub inputs: Vec<InputMetrics>,
    /// Wall-clock seconds from start to end.
    pub wall_seconds: f64,
    /// CPU seconds (user + system) of the process.
    pub cpu_seconds: f64,
    /// Peak resident set size.
    pub peak_rss_bytes: u64,
    /// Reads over all inputs.
    pub reads: u64,
    /// Bases over all inputs.
    pub bases: u64,
    /// Compressed bytes read over all inputs.
    pub bytes_read: u64,
    /// Reads per wall second.
    pub reads_per_second: f64,
    /// Bases per wall second.
    pub bases_per_second: f64,
    /// Reference positions visited.
    pub positions: u64,
    /// Shards processed.
    pub shards: usize,
    /// Wall seconds per stage (worker stages: summed over threads).
    pub stages: BTreeMap<String, f64>,
    /// Process CPU seconds (user + system) per timed stage.
    pub stage_cpu_seconds: BTreeMap<String, f64>,
}
