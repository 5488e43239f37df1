//! `oncostream pileup`: per-position base, indel and filter counts.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::common::{CommonArgs, MateOverlapArg};
use crate::engine::MateOverlap;
use crate::pipeline::pileup::{self, PileupOptions};

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
    #[arg(long, default_value_t = crate::pipeline::pileup::DEFAULT_MAX_DEPTH, value_name = "N")]
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
    pileup::pileup(&PileupOptions {
        bams: args.bams.clone(),
        inputs: args.common.options(),
        mate_overlap: MateOverlap::from(args.mate_overlap),
        max_depth: args.max_depth,
        all_positions: args.all_positions,
        output: args.output.clone(),
        metrics: args.common.metrics.clone(),
    })?;
    Ok(())
}
