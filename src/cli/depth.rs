//! `oncostream depth`: mean depth and callable bases per interval (mosdepth-like `--by`).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::common::{CommonArgs, MateOverlapArg};
use crate::engine::MateOverlap;
use crate::pipeline::pileup::{self, DepthBy, DepthOptions};

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
    let by = match args.by.parse::<u64>() {
        Ok(w) => DepthBy::Window(w),
        Err(_) => DepthBy::Bed(PathBuf::from(&args.by)),
    };
    pileup::depth(&DepthOptions {
        bams: args.bams.clone(),
        inputs: args.common.options(),
        by,
        thresholds: args.thresholds.clone(),
        mate_overlap: MateOverlap::from(args.mate_overlap),
        include_deletions: args.include_deletions,
        output: args.output.clone(),
        metrics: args.common.metrics.clone(),
    })?;
    Ok(())
}
