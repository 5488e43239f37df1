//! `oncostream pon`: a panel of normals from normal BAM/CRAMs (see `pipeline::pon`).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::common::CommonArgs;
use crate::pipeline::pon::{self, PonOptions};

/// Flags of `oncostream pon`.
#[derive(Args, Debug)]
pub struct PonArgs {
    /// Normal BAM/CRAMs.
    #[arg(long, num_args = 1.., required = true, value_name = "BAM|CRAM")]
    pub normals: Vec<PathBuf>,

    #[command(flatten)]
    pub common: CommonArgs,

    /// Normals an allele must be seen in to enter the panel.
    #[arg(long, default_value_t = 2)]
    pub min_samples: u32,

    /// Lowest TLOD for an allele to count as seen in a normal.
    #[arg(long, default_value_t = 3.0)]
    pub emit_lod: f64,

    /// Output VCF (bgzipped + tabix-indexed when it ends in .gz).
    #[arg(long, short = 'o', value_name = "VCF")]
    pub output: PathBuf,
}

/// Runs the command.
pub fn run(args: &PonArgs) -> Result<()> {
    pon::pon(&PonOptions {
        normals: args.normals.clone(),
        inputs: args.common.options(),
        min_samples: args.min_samples,
        emit_lod: args.emit_lod,
        output: args.output.clone(),
        metrics: args.common.metrics.clone(),
    })?;
    Ok(())
}
