//! `oncostream depth`: mean depth and callable bases per interval (mosdepth-like `--by`).

use std::{io::Write, path::PathBuf, time::Duration};

use anyhow::Result;
use clap::Args;

use super::common::{write_metrics, CommonArgs, MateOverlapArg};
use crate::coverage::{DepthCombiner, DepthObserver, Interval};
use crate::engine::{self, progress::Progress, MateOverlap};
use crate::error::{fail, ExitKind};
use crate::io::{bed::read_bed, output::AtomicOutput};
use crate::metrics::Clock;
use crate::report::coverage_tsv;
use crate::types::Region;

/// Flags of `oncostream depth`.
#[derive(Args, Debug)]
pub struct DepthArgs {
    /// BAM or CRAM input (repeatable: --bam T.bam --bam N.bam).
    #[arg(long = "bam", value_name = "BAM|CRAM", required = true)]
    pub bams: Vec<PathBuf>,

    #[command(flatten)]
    pub common: CommonArgs,

    /// Intervals to summarise: a BED file, or a window size in bases tiling the processed regions.
    #[arg(long, value_name = "BED|WINDOW")]
    pub by: String,

    /// Depth thresholds for callable-bases counts (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1,10,20,30,100")]
    pub thresholds: Vec<u32>,

    /// Overlapping mates (mosdepth and `samtools depth -s` count each position once).
    #[arg(long, value_enum, default_value = "dedup")]
    pub mate_overlap: MateOverlapArg,

    /// Count deletions in depth (`samtools depth -J`).
    #[arg(long)]
    pub include_deletions: bool,

    /// Output TSV (`.gz` = BGZF); `-` for stdout.
    #[arg(long, short = 'o', value_name = "TSV")]
    pub output: PathBuf,
}

/// Runs the command.
pub fn run(args: &DepthArgs) -> Result<()> {
    let mut clock = Clock::new();
    let mo = MateOverlap::from(args.mate_overlap);
    let by_window = args.by.parse::<u64>().ok();
    let mut common = args.common.clone();
    let bed_path = if by_window.is_none() {
        let p = PathBuf::from(&args.by);
        if common.targets.is_none() && common.region.is_empty() {
            // process only the intervals being summarised
            common.targets = Some(p.clone());
        }
        Some(p)
    } else {
        None
    };
    if by_window == Some(0) {
        return Err(fail(ExitKind::Usage, "--by window size must be at least 1"));
    }
    let prep = common.prepare(&args.bams, mo)?;
    let mut intervals: Vec<Interval> = match (by_window, bed_path) {
        (Some(w), _) => prep
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
        (None, Some(p)) => read_bed(&p, &prep.contigs)?
            .into_iter()
            .map(|b| Interval {
                region: b.region,
                name: b.name,
            })
            .collect(),
        (None, None) => unreachable!(),
    };
    intervals.sort_by_key(|i| (i.region.contig, i.region.start));
    // intervals outside the processed regions would never be filled: reject them
    for iv in &intervals {
        let inside = prep.regions.iter().any(|r| {
            r.contig == iv.region.contig && r.start <= iv.region.start && iv.region.end <= r.end
        });
        if !inside {
            return Err(fail(
                ExitKind::Usage,
                format!(
                    "interval {}:{}-{} of --by lies outside the processed regions (--region/--targets)",
                    prep.contigs[iv.region.contig].name, iv.region.start, iv.region.end
                ),
            ));
        }
    }
    let samples: Vec<String> = prep.inputs.iter().map(|i| i.sample.clone()).collect();
    let observer = DepthObserver {
        intervals: &intervals,
        thresholds: args.thresholds.clone(),
        n_samples: prep.inputs.len(),
        include_deletions: args.include_deletions,
    };
    let mut combiner = DepthCombiner::new(&intervals, prep.inputs.len(), args.thresholds.len());
    let mut out = AtomicOutput::create(&args.output)?;
    out.write_all(coverage_tsv::header(&samples, &args.thresholds).as_bytes())?;
    clock.lap("validate");
    let total: u64 = prep.regions.iter().map(|r| r.len()).sum();
    let progress = Progress::new(
        total,
        args.common.quiet,
        Duration::from_secs(args.common.progress_interval),
    );
    let stats = engine::run(
        &prep.inputs,
        prep.reference.as_ref(),
        &prep.shards,
        &prep.config,
        &observer,
        |shard, partial| {
            for d in combiner.add(shard, partial.sums) {
                out.write_all(coverage_tsv::row(&prep.contigs, &intervals, &d).as_bytes())?;
            }
            Ok(())
        },
        &progress,
    )?;
    progress.finish();
    for d in combiner.finish() {
        out.write_all(coverage_tsv::row(&prep.contigs, &intervals, &d).as_bytes())?;
    }
    clock.lap("pileup");
    out.commit()?;
    clock.lap("finalize");
    write_metrics(&args.common.metrics, "depth", &prep, &stats, &clock)?;
    Ok(())
}
