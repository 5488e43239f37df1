//! Stage timing and the run-metrics document (`--metrics`, `metrics.json`).

use std::time::Instant;
use std::{collections::BTreeMap, path::Path};

use anyhow::Result;

use crate::engine::{Prepared, RunStats};
use crate::types::metrics::{InputMetrics, Metrics};
use crate::types::source::InputInfo;

/// Stage timer: records named spans.
pub struct Clock {
    start: Instant,
    last: Instant,
    last_cpu: f64,
    /// Wall seconds per stage so far.
    pub stages: BTreeMap<String, f64>,
    /// Process CPU seconds per stage so far.
    pub cpu: BTreeMap<String, f64>,
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
            last_cpu: rusage().0,
            stages: BTreeMap::new(),
            cpu: BTreeMap::new(),
        }
    }

    /// Ends the current stage under `name`.
    pub(crate) fn lap(&mut self, name: &str) {
        let now = Instant::now();
        *self.stages.entry(name.to_string()).or_default() += (now - self.last).as_secs_f64();
        self.last = now;
        let cpu = rusage().0;
        *self.cpu.entry(name.to_string()).or_default() += (cpu - self.last_cpu).max(0.0);
        self.last_cpu = cpu;
    }

    /// Seconds since start.
    pub fn wall(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}

/// (cpu seconds, peak RSS bytes) of this process.
pub(crate) fn rusage() -> (f64, u64) {
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

/// Builds the metrics document.
pub struct MetricsBuilder;

impl MetricsBuilder {
    /// Builds the document at the end of a run; `sample` names the analysis.
    pub fn build(
        command: &str,
        sample: &str,
        pass: &Prepared,
        stats: &RunStats,
        clock: &Clock,
    ) -> Metrics {
        let infos: Vec<&InputInfo> = pass.inputs.iter().map(|i| i.info()).collect();
        Self::build_for(
            command,
            sample,
            pass.config.threads,
            pass.config.shard_size,
            &infos,
            stats,
            clock,
        )
    }

    /// Builds the document for inputs processed in several passes (`pon`).
    pub(crate) fn build_for(
        command: &str,
        sample: &str,
        threads: usize,
        shard_size: u64,
        inputs: &[&InputInfo],
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
            kind: crate::types::metrics::METRICS_KIND.into(),
            schema_version: crate::types::metrics::METRICS_SCHEMA_VERSION,
            sample: sample.to_string(),
            tool: "oncostream".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            git_commit: env!("ONCOSTREAM_GIT_COMMIT").into(),
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
            bytes_read: stats.bytes_read.iter().sum(),
            reads_per_second: if wall > 0.0 { reads as f64 / wall } else { 0.0 },
            bases_per_second: if wall > 0.0 { bases as f64 / wall } else { 0.0 },
            positions: stats.positions,
            shards: stats.shards,
            stages,
            stage_cpu_seconds: clock.cpu.clone(),
        }
    }
}

/// Writes the metrics of a single-pass command to `path`, when asked.
pub(crate) fn write_metrics(
    path: Option<&Path>,
    command: &str,
    pass: &Prepared,
    stats: &RunStats,
    clock: &Clock,
) -> Result<()> {
    if let Some(p) = path {
        let sample = pass
            .inputs
            .first()
            .map(|i| i.info().sample.clone())
            .unwrap_or_default();
        crate::io::json::write_document(
            p,
            &MetricsBuilder::build(command, &sample, pass, stats, clock),
        )?;
    }
    Ok(())
}
