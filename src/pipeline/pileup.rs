//! `pileup` and `depth`: per-position counts, and coverage per interval.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use super::metrics::{write_metrics, Clock};
use super::prepare::InputOptions;
use crate::engine::{self, MateOverlap, RunStats};
use crate::error::{fail, ExitKind};
use crate::io::{bed::read_bed, depth_tsv, output::AtomicOutput, pileup_tsv::PileupTsv};
use crate::somatic::coverage::{DepthCombiner, DepthObserver, Interval};
use crate::somatic::pileup::PileupRows;
use crate::types::Region;

/// Depth from which a position is flagged `max_depth` by default (counts are never truncated).
pub(crate) const DEFAULT_MAX_DEPTH: u32 = 100_000;

/// What `pileup` is asked to do.
#[derive(Clone, Debug)]
pub struct PileupOptions {
    /// BAM/CRAM inputs.
    pub bams: Vec<PathBuf>,
    /// Reference, regions, filters, threads.
    pub inputs: InputOptions,
    /// Overlapping mates.
    pub mate_overlap: MateOverlap,
    /// Depth at which the `max_depth` flag is set.
    pub max_depth: u32,
    /// Also positions no read touches.
    pub all_positions: bool,
    /// Output TSV (`-` = stdout).
    pub output: PathBuf,
    /// Metrics JSON.
    pub metrics: Option<PathBuf>,
}

/// Validates, counts, writes the table.
pub fn pileup(opts: &PileupOptions) -> Result<RunStats> {
    let mut clock = Clock::new();
    let prep = opts.inputs.prepare(&opts.bams, opts.mate_overlap)?;
    let observer = PileupRows {
        table: PileupTsv {
            contigs: &prep.pass.contigs,
            samples: prep.sample_names(),
            max_depth: opts.max_depth,
        },
        all_positions: opts.all_positions,
    };
    let mut out = AtomicOutput::create(&opts.output)?;
    out.write_all(observer.table.header().as_bytes())?;
    clock.lap("validate");
    let stats = engine::run(&prep.pass, &observer, |_, block| Ok(out.write_all(&block)?))?;
    clock.lap("pileup");
    out.commit()?;
    clock.lap("finalize");
    write_metrics(
        opts.metrics.as_deref(),
        "pileup",
        &prep.pass,
        &stats,
        &clock,
    )?;
    Ok(stats)
}

/// `--by` of `depth`: a BED, or a window size tiling the processed regions.
#[derive(Clone, Debug)]
pub enum DepthBy {
    /// Intervals of a BED file.
    Bed(PathBuf),
    /// Windows of this many bases.
    Window(u64),
}

/// What `depth` is asked to do.
#[derive(Clone, Debug)]
pub struct DepthOptions {
    /// BAM/CRAM inputs.
    pub bams: Vec<PathBuf>,
    /// Reference, regions, filters, threads.
    pub inputs: InputOptions,
    /// Intervals.
    pub by: DepthBy,
    /// Callable-bases thresholds.
    pub thresholds: Vec<u32>,
    /// Overlapping mates.
    pub mate_overlap: MateOverlap,
    /// Count deletions (`samtools depth -J`).
    pub include_deletions: bool,
    /// Output TSV.
    pub output: PathBuf,
    /// Metrics JSON.
    pub metrics: Option<PathBuf>,
}

/// Validates, counts, writes one row per interval.
pub fn depth(opts: &DepthOptions) -> Result<RunStats> {
    let mut clock = Clock::new();
    let mut inputs = opts.inputs.clone();
    if let DepthBy::Bed(p) = &opts.by {
        if inputs.targets.is_none() && inputs.regions.is_empty() {
            // process only the intervals being summarised
            inputs.targets = Some(p.clone());
        }
    }
    if let DepthBy::Window(0) = opts.by {
        return Err(fail(ExitKind::Usage, "--by window size must be at least 1"));
    }
    let prep = inputs.prepare(&opts.bams, opts.mate_overlap)?;
    let mut intervals: Vec<Interval> = match &opts.by {
        DepthBy::Window(w) => prep
            .pass
            .regions
            .iter()
            .flat_map(|r| {
                let mut v = Vec::new();
                let mut s = r.start;
                while s < r.end {
                    let e = (s + w).min(r.end);
                    v.push(Interval {
                        region: Region {
                            contig: r.contig,
                            start: s,
                            end: e,
                        },
                        name: None,
                    });
                    s = e;
                }
                v
            })
            .collect(),
        DepthBy::Bed(p) => read_bed(p, &prep.pass.contigs)?
            .into_iter()
            .map(|b| Interval {
                region: b.region,
                name: b.name,
            })
            .collect(),
    };
    intervals.sort_by_key(|i| (i.region.contig, i.region.start));
    // intervals outside the processed regions would never be filled: reject them
    for iv in &intervals {
        let inside = prep.pass.regions.iter().any(|r| {
            r.contig == iv.region.contig && r.start <= iv.region.start && iv.region.end <= r.end
        });
        if !inside {
            return Err(fail(
                ExitKind::Usage,
                format!(
                    "interval {}:{}-{} of --by lies outside the processed regions (--region/--targets)",
                    prep.pass.contigs[iv.region.contig].name, iv.region.start, iv.region.end
                ),
            ));
        }
    }
    let samples = prep.sample_names();
    let observer = DepthObserver {
        intervals: &intervals,
        thresholds: opts.thresholds.clone(),
        n_samples: prep.len(),
        include_deletions: opts.include_deletions,
    };
    let mut combiner = DepthCombiner::new(&intervals, prep.len(), opts.thresholds.len());
    let mut out = AtomicOutput::create(&opts.output)?;
    out.write_all(depth_tsv::header(&samples, &opts.thresholds).as_bytes())?;
    clock.lap("validate");
    let contigs = &prep.pass.contigs;
    let stats = engine::run(&prep.pass, &observer, |shard, partial| {
        for d in combiner.add(shard, partial.sums) {
            out.write_all(depth_tsv::row(contigs, &intervals, &d).as_bytes())?;
        }
        Ok(())
    })?;
    for d in combiner.finish() {
        out.write_all(depth_tsv::row(contigs, &intervals, &d).as_bytes())?;
    }
    clock.lap("pileup");
    out.commit()?;
    clock.lap("finalize");
    write_metrics(opts.metrics.as_deref(), "depth", &prep.pass, &stats, &clock)?;
    Ok(stats)
}
