//! `oncostream ms-scan`, `msi` and `msi-baseline` (see `pipeline::msi`).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::common::CommonArgs;
use crate::log;
use crate::pipeline::msi::{self, BaselineOptions, MsiOptions, ScanOptions};
use crate::somatic::msi::{MsiThresholds, ScanSettings};

/// Flags of `oncostream ms-scan`.
#[derive(Args, Debug)]
pub struct MsScanArgs {
    /// Reference FASTA.
    #[arg(long, short = 'r')]
    pub reference: PathBuf,
    /// Shortest homopolymer.
    #[arg(long, default_value_t = ScanSettings::default().min_homopolymer)]
    pub min_homopolymer: u32,
    /// Fewest repeats of a 2-5 bp unit.
    #[arg(long, default_value_t = ScanSettings::default().min_repeats)]
    pub min_repeats: u32,
    /// Longest tract (bp).
    #[arg(long, default_value_t = ScanSettings::default().max_len)]
    pub max_length: u32,
    /// Flank length (bp) written and required clean.
    #[arg(long, default_value_t = ScanSettings::default().flank)]
    pub flank: usize,
    /// Output site list (msisensor-pro format).
    #[arg(long, short = 'o')]
    pub output: PathBuf,
    /// No info lines on stderr.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs `ms-scan`.
pub(crate) fn run_scan(args: &MsScanArgs) -> Result<()> {
    log::set_quiet(args.quiet);
    msi::ms_scan(&ScanOptions {
        reference: args.reference.clone(),
        min_homopolymer: args.min_homopolymer,
        min_repeats: args.min_repeats,
        max_length: args.max_length,
        flank: args.flank,
        output: args.output.clone(),
    })?;
    Ok(())
}

/// Flags of `oncostream msi`.
#[derive(Args, Debug)]
pub struct MsiArgs {
    /// Tumor BAM/CRAM.
    #[arg(long)]
    pub tumor: PathBuf,
    /// Matched normal (paired mode).
    #[arg(long, conflicts_with = "baseline")]
    pub normal: Option<PathBuf>,
    /// Baseline from `msi-baseline` (tumor-only mode).
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Site list (`ms-scan`, msisensor or msisensor-pro format).
    #[arg(long)]
    pub sites: PathBuf,
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub thresholds: MsiThresholdArgs,
    /// Also write the per-site repeat-length histograms (TSV).
    #[arg(long)]
    pub histograms: Option<PathBuf>,
    /// Output JSON.
    #[arg(long, short = 'o')]
    pub output: PathBuf,
}

/// MSI thresholds as flags.
#[derive(Args, Debug, Clone)]
pub struct MsiThresholdArgs {
    /// Score (% unstable sites) from which the status is MSI-H.
    #[arg(long, default_value_t = MsiThresholds::default().msi_h)]
    pub msi_h_score: f64,
    /// Score below which the status is MSS (between: indeterminate).
    #[arg(long, default_value_t = MsiThresholds::default().mss)]
    pub mss_score: f64,
    /// Fewest spanning reads per sample for a site to be tested.
    #[arg(long, default_value_t = MsiThresholds::default().min_reads)]
    pub msi_min_reads: u32,
    /// Per-site p-value threshold.
    #[arg(long, default_value_t = MsiThresholds::default().p_value)]
    pub msi_p_value: f64,
}

impl MsiThresholdArgs {
    /// As thresholds.
    pub fn get(&self) -> MsiThresholds {
        MsiThresholds {
            msi_h: self.msi_h_score,
            mss: self.mss_score,
            min_reads: self.msi_min_reads,
            p_value: self.msi_p_value,
        }
    }
}

/// Runs `msi`.
pub(crate) fn run_msi(args: &MsiArgs) -> Result<()> {
    msi::msi(&MsiOptions {
        tumor: args.tumor.clone(),
        normal: args.normal.clone(),
        baseline: args.baseline.clone(),
        sites: args.sites.clone(),
        inputs: args.common.options(),
        thresholds: args.thresholds.get(),
        histograms: args.histograms.clone(),
        output: args.output.clone(),
        metrics: args.common.metrics.clone(),
    })?;
    Ok(())
}

/// Flags of `oncostream msi-baseline`.
#[derive(Args, Debug)]
pub struct MsiBaselineArgs {
    /// Normal BAM/CRAMs.
    #[arg(long, num_args = 1.., required = true)]
    pub normals: Vec<PathBuf>,
    /// Site list.
    #[arg(long)]
    pub sites: PathBuf,
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output baseline (histogram table).
    #[arg(long, short = 'o')]
    pub output: PathBuf,
}

/// Runs `msi-baseline`.
pub(crate) fn run_baseline(args: &MsiBaselineArgs) -> Result<()> {
    msi::msi_baseline(&BaselineOptions {
        normals: args.normals.clone(),
        sites: args.sites.clone(),
        inputs: args.common.options(),
        output: args.output.clone(),
    })?;
    Ok(())
}
