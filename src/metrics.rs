//! Run metrics for benchmark dashboards and schedulers (`--metrics run.json`).
//!
//! Schema (`schema_version` 1): `tool`, `version`, `command`, `argv`, `threads`, `shard_size`,
//! `inputs[]` (`path`, `format`, `sample`, `size_bytes`, `bytes_read`, `reads`, `bases`),
//! `wall_seconds`, `cpu_seconds` (user + system), `peak_rss_bytes`, `reads`, `bases`,
//! `reads_per_second`, `bases_per_second`, `positions`, `shards`, and `stages` (seconds per
//! stage: `validate`, `pileup` (wall of the parallel pass), `worker_read`, `worker_observe`,
//! `sink`, `finalize`).

use std::{collections::BTreeMap, path::Path, time::Instant};

use anyhow::Result;
use serde::Serialize;

use crate::engine::RunStats;
use crate::io::alignment::{AlignmentInput, Format};

/// One input in the metrics.
#[derive(Debug, Serialize)]
pub struct InputMetrics {
    /// Path as given.
    pub path: String,
    /// BAM or CRAM.
    pub format: Format,
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
#[derive(Debug, Serialize)]
pub struct Metrics {
    /// Schema version of this document.
    pub schema_version: u32,
    /// Always `oncostream`.
    pub tool: &'static str,
    /// Crate version.
    pub version: &'static str,
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

/// Stage timer: records named spans.
pub struct Clock {
    start: Instant,
    last: Instant,
    /// Seconds per stage so far.
    pub stages: BTreeMap<String, f64>,
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock {
    /// Starts the clock.
    pub fn new() -> Clock {
        let now = Instant::now();
        Clock {
            start: now,
            last: now,
            stages: BTreeMap::new(),
        }
    }

    /// Ends the current stage under `name`.
    pub fn lap(&mut self, name: &str) {
        let now = Instant::now();
        *self.stages.entry(name.to_string()).or_default() += (now - self.last).as_secs_f64();
        self.last = now;
    }

    /// Seconds since start.
    pub fn wall(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}

/// (cpu seconds, peak RSS bytes) of this process.
pub fn rusage() -> (f64, u64) {
    // SAFETY: getrusage writes into the zeroed struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } == 0;
    if !ok {
        return (0.0, 0);
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    // Linux reports ru_maxrss in kilobytes.
    (
        tv(ru.ru_utime) + tv(ru.ru_stime),
        ru.ru_maxrss as u64 * 1024,
    )
}

impl Metrics {
    /// Builds the document at the end of a run.
    pub fn build(
        command: &str,
        threads: usize,
        shard_size: u64,
        inputs: &[AlignmentInput],
        stats: &RunStats,
        clock: &Clock,
    ) -> Metrics {
        let wall = clock.wall();
        let (cpu, rss) = rusage();
        let reads: u64 = stats.reads.iter().sum();
        let bases: u64 = stats.bases.iter().sum();
        let mut stages = clock.stages.clone();
        stages.insert("worker_read".into(), stats.worker_read_seconds);
        stages.insert("worker_observe".into(), stats.worker_observe_seconds);
        stages.insert("sink".into(), stats.sink_seconds);
        Metrics {
            schema_version: 1,
            tool: "oncostream",
            version: env!("CARGO_PKG_VERSION"),
            command: command.to_string(),
            argv: std::env::args().collect(),
            threads,
            shard_size,
            inputs: inputs
                .iter()
                .enumerate()
                .map(|(i, inp)| InputMetrics {
                    path: inp.path.display().to_string(),
                    format: inp.format,
                    sample: inp.sample.clone(),
                    size_bytes: inp.size,
                    bytes_read: stats.bytes_read.get(i).copied().unwrap_or(0),
                    reads: stats.reads.get(i).copied().unwrap_or(0),
                    bases: stats.bases.get(i).copied().unwrap_or(0),
                })
                .collect(),
            wall_seconds: wall,
            cpu_seconds: cpu,
            peak_rss_bytes: rss,
            reads,
            bases,
            reads_per_second: if wall > 0.0 { reads as f64 / wall } else { 0.0 },
            bases_per_second: if wall > 0.0 { bases as f64 / wall } else { 0.0 },
            positions: stats.positions,
            shards: stats.shards,
            stages,
        }
    }

    /// Writes the document atomically as pretty JSON.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut s = serde_json::to_string_pretty(self)?;
        s.push('\n');
        crate::io::output::write_atomic(path, s.as_bytes())
    }
}
