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
    #[arg(long, default_value_t = crate::pipeline::pon::DEFAULT_MIN_SAMPLES)]
    pub min_samples: u32,

    /// Lowest TLOD for an allele to count as seen in a normal.
    #[arg(long, default_value_t = crate::somatic::evidence::CallSettings::default().emit_lod)]
    pub emit_lod: f64,

    /// Output VCF (bgzipped + tabix-indexed when it ends in .gz); the copy-number reference
    /// is written beside it as STEM.cnv.tsv (pon.vcf.gz: pon.cnv.tsv).
    #[arg(long, short = 'o', value_name = "VCF")]
    pub output: PathBuf,

    /// Copy-number bin size in bases (default: 1000 up to 200 Mb of regions, else 10000; the
    /// tumor-only runs use the reference's).
    #[arg(long)]
    pub cnv_bin_size: Option<u64>,
}

/// Runs the command.
pub fn run(args: &PonArgs) -> Result<()> {
    pon::pon(&PonOptions {
        normals: args.normals.clone(),
        inputs: args.common.options(),
        min_samples: args.min_samples,
        emit_lod: args.emit_lod,
        output: args.output.clone(),
        cnv_bin_size: args.cnv_bin_size,
        metrics: args.common.metrics.clone(),
    })?;
    Ok(())
}
