//! Run metrics (the document; `pipeline::metrics` builds it) for benchmark dashboards and schedulers (`--metrics run.json`).
//!
//! Schema (`schema_version` 1): `tool`, `version`, `command`, `argv`, `threads`, `shard_size`,
//! `inputs[]` (`path`, `format`, `sample`, `size_bytes`, `bytes_read`, `reads`, `bases`),
//! `wall_seconds`, `cpu_seconds` (user + system), `peak_rss_bytes`, `reads`, `bases`,
//! `reads_per_second`, `bases_per_second`, `positions`, `shards`, and `stages` (seconds per
//! stage: `validate`, `pileup` (wall of the parallel pass), `worker_read`, `worker_observe`,
//! `sink`, `finalize`).

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

/// The metrics document.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Metrics {
    /// Schema version of this document.
    pub schema_version: u32,
    /// Always `oncostream`.
    pub tool: String,
    /// Crate version.
    pub version: String,
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
    /// Reads per wall second.
    pub reads_per_second: f64,
    /// Bases per wall second.
    pub bases_per_second: f64,
    /// Reference positions visited.
    pub positions: u64,
    /// Shards processed.
    pub shards: usize,
    /// Seconds per stage.
    pub stages: BTreeMap<String, f64>,
}
