//! `oncostream pileup`: per-position base, indel and filter counts.

use std::{io::Write, path::PathBuf, time::Duration};

use anyhow::Result;
use clap::Args;

use super::common::{write_metrics, CommonArgs, MateOverlapArg};
use crate::engine::{self, progress::Progress, MateOverlap};
use crate::io::output::AtomicOutput;
use crate::metrics::Clock;
use crate::report::pileup_tsv::PileupTsv;

/// Flags of `oncostream pileup`.
#[derive(Args, Debug)]
pub struct PileupArgs {
    /// BAM or CRAM input (repeatable: --bam T.bam --bam N.bam).
    #[arg(long = "bam", value_name = "BAM|CRAM", required = true)]
    pub bams: Vec<PathBuf>,

    #[command(flatten)]
    pub common: CommonArgs,

    /// Overlapping mates: count both, or count each position once per fragment.
    #[arg(long, value_enum, default_value = "count")]
    pub mate_overlap: MateOverlapArg,

    /// Flag positions whose depth reaches this (counts are never truncated).
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub max_depth: u32,

    /// Also write positions that no read touches.
    #[arg(long, short = 'a')]
    pub all_positions: bool,

    /// Output TSV (`.gz` = BGZF); `-` for stdout.
    #[arg(long, short = 'o', value_name = "TSV")]
    pub output: PathBuf,
}

/// Runs the command.
pub fn run(args: &PileupArgs) -> Result<()> {
    let mut clock = Clock::new();
    let mo = MateOverlap::from(args.mate_overlap);
    let prep = args.common.prepare(&args.bams, mo)?;
    let observer = PileupTsv {
        contigs: &prep.contigs,
        samples: prep.inputs.iter().map(|i| i.sample.clone()).collect(),
        all_positions: args.all_positions,
        max_depth: args.max_depth,
    };
    let mut out = AtomicOutput::create(&args.output)?;
    out.write_all(observer.header().as_bytes())?;
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
        |_, block| Ok(out.write_all(&block)?),
        &progress,
    )?;
    progress.finish();
    clock.lap("pileup");
    out.commit()?;
    clock.lap("finalize");
    write_metrics(&args.common.metrics, "pileup", &prep, &stats, &clock)?;
    Ok(())
}
