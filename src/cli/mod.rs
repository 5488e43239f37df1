//! Command-line interface: one file per subcommand. Each maps its flags to the options of a
//! [`crate::pipeline`] function and calls it; `main` maps the error to an exit code.

pub mod batch;
pub mod call;
pub mod case;
pub mod common;
pub mod depth;
pub mod export;
pub mod kb;
pub mod monitor;
pub mod msi;
pub mod pileup;
pub mod pon;
pub mod report;
pub mod retier;
pub mod run;
pub mod schema;

use clap::{Parser, Subcommand};

/// Streaming tumor/normal BAM/CRAM analysis for cancer genomic profiling.
#[derive(Parser, Debug)]
#[command(name = "oncostream", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 ok; 64 usage; 65 bad input data; 66 missing input or index; \
70 internal error; 73 cannot create output; 74 I/O error. See docs/usage.md."
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
    /// Somatic SNVs and indels (tumor-normal or tumor-only) as VCF 4.2.
    Call(call::CallArgs),
    /// Panel of normals from normal BAM/CRAMs (artifact sites for `--panel-of-normals`, and the
    /// copy-number reference of tumor-only runs).
    Pon(pon::PonArgs),
    /// Find microsatellites in a reference (msisensor-pro site-list format).
    MsScan(msi::MsScanArgs),
    /// MSI score and status, paired (--normal) or tumor-only (--baseline).
    Msi(msi::MsiArgs),
    /// Baseline of repeat-length histograms from normals, for tumor-only MSI.
    MsiBaseline(msi::MsiBaselineArgs),
    /// The whole pass: somatic calls, copy number, fusions, TMB, MSI, purity and QC in one read
    /// of each BAM.
    Run(Box<run::RunArgs>),
    /// Every tumor of a sample sheet through `run`: locally (--jobs), as a Slurm array
    /// (--emit-slurm), or one task of it (--task); resumable; writes a batch summary.
    Batch(Box<batch::BatchArgs>),
    /// Cohort files from batch or run directories: MAF for cBioPortal (`--maf`).
    Export(export::ExportArgs),
    /// Knowledge-base tools (`kb validate`).
    Kb(kb::KbArgs),
    /// Annotate and tier a somatic VCF for a cancer type: report.json + report.html.
    Report(Box<report::ReportArgs>),
    /// Re-tier a stored report.json against another knowledge-base version (no BAMs).
    Retier(retier::RetierArgs),
    /// Follow a patient in later plasma samples: tumor-informed MRD (tumor fraction, MRD status)
    /// and new resistance/hotspot variants from the baseline's somatic variants.
    Monitor(Box<monitor::MonitorArgs>),
    /// Print the JSON Schema of results.json, report.json, run_manifest.json or metrics.json.
    Schema(schema::SchemaArgs),
}

/// Runs the parsed command.
pub fn run(cli: &Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Pileup(a) => pileup::run(a),
        Command::Depth(a) => depth::run(a),
        Command::Call(a) => call::run(a),
        Command::Pon(a) => pon::run(a),
        Command::MsScan(a) => msi::run_scan(a),
        Command::Msi(a) => msi::run_msi(a),
        Command::MsiBaseline(a) => msi::run_baseline(a),
        Command::Run(a) => run::run(a),
        Command::Batch(a) => {
            let code = batch::run(a)?;
            if code != 0 {
                std::process::exit(code);
            }
            Ok(())
        }
        Command::Export(a) => export::run(a),
        Command::Kb(a) => kb::run(a),
        Command::Report(a) => report::run(a),
        Command::Retier(a) => retier::run(a),
        Command::Monitor(a) => monitor::run(a),
        Command::Schema(a) => schema::run(a),
    }
}
