//! `oncostream retier`: re-tier a stored report against another knowledge-base version, without
//! the BAMs (see `pipeline::retier`).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::pipeline::retier::{retier, RetierOptions};

/// Flags of `oncostream retier`.
#[derive(Args, Debug)]
pub struct RetierArgs {
    /// A stored `report.json` (from `report`), or the `results.json` of a `run --cancer-type`
    /// whose directory holds its `report.json` (both must belong to the same run).
    #[arg(long)]
    pub results: PathBuf,
    /// The knowledge base to tier against (default: the one built into this binary).
    #[arg(long)]
    pub kb: Option<PathBuf>,
    /// Output directory (report.json, report.html, retier_diff.tsv, run_manifest.json).
    #[arg(long, short = 'o')]
    pub output: PathBuf,
    /// Replace the outputs of another run in the output directory.
    #[arg(long)]
    pub force: bool,
    /// No info lines on stderr.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs the command.
pub fn run(args: &RetierArgs) -> Result<()> {
    retier(&RetierOptions {
        results: args.results.clone(),
        kb: args.kb.clone(),
        output: args.output.clone(),
        force: args.force,
        quiet: args.quiet,
    })?;
    Ok(())
}
