//! Command-line interface: one file per subcommand; flags are validated into one config before
//! any work starts (see [`common::CommonArgs::prepare`]).

pub mod common;
pub mod depth;
pub mod pileup;

use clap::{Parser, Subcommand};

/// Streaming tumor/normal BAM/CRAM analysis for cancer genomic profiling.
#[derive(Parser, Debug)]
#[command(name = "oncostream", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 ok; 64 usage; 65 bad input data; 66 missing input or index; \
70 internal error; 73 cannot create output; 74 I/O error. See README.md."
)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Per-position base/indel/filter counts for one or more BAM/CRAMs.
    Pileup(pileup::PileupArgs),
    /// Mean depth and callable bases per interval (BED or windows).
    Depth(depth::DepthArgs),
}

/// Runs the parsed command.
pub fn run(cli: &Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Pileup(a) => pileup::run(a),
        Command::Depth(a) => depth::run(a),
    }
}
