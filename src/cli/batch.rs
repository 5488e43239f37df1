//! `oncostream batch`: every tumor of a sample sheet through `run` (see `pipeline::batch`).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::case::CaseArgs;
use super::run::RunSettings;
use crate::pipeline::batch::{batch, slurm::SlurmOptions, BatchMode, BatchOptions};

/// Flags of `oncostream batch`. A flag given twice keeps its last value (how the batch hands
/// each sample to a child process).
#[derive(Args, Debug)]
#[command(args_override_self = true)]
pub struct BatchArgs {
    /// Sample sheet (CSV: patient,sample,status,bam[,cancer_type,...]; status 0 normal, 1 tumor).
    #[arg(long)]
    pub samplesheet: PathBuf,
    /// Batch directory: one subdirectory per tumor, logs/, batch_summary.{json,tsv,html}.
    #[arg(long)]
    pub outdir: PathBuf,
    /// Samples run at once; --threads (default: all cores) is split between them.
    #[arg(long, short = 'j', default_value_t = 1)]
    pub jobs: usize,
    /// Refuse the sheet when a tumor has no normal (paired analysis only).
    #[arg(long)]
    pub require_normal: bool,
    /// Redo samples that are complete but were made with other settings or another version.
    #[arg(long)]
    pub force: bool,
    /// Run only this sample (in this process).
    #[arg(long, conflicts_with_all = ["task", "emit_slurm", "summary_only"])]
    pub only: Option<String>,
    /// Run only task N (1-based, the N-th tumor of the sheet; a Slurm array index).
    #[arg(long, conflicts_with_all = ["emit_slurm", "summary_only"])]
    pub task: Option<usize>,
    /// Write batch_summary.{json,tsv,html} from what the directories hold; run nothing.
    #[arg(long, conflicts_with = "emit_slurm")]
    pub summary_only: bool,
    /// Write an sbatch array for the sheet into OUTDIR/slurm/ instead of running.
    #[arg(long)]
    pub emit_slurm: bool,
    /// Slurm: CPUs per array task (= the threads of each run).
    #[arg(long, default_value_t = 8, help_heading = "Slurm (--emit-slurm)")]
    pub slurm_cpus: usize,
    /// Slurm: memory per array task in MiB (default: 2048 + 512 per CPU).
    #[arg(long, help_heading = "Slurm (--emit-slurm)")]
    pub slurm_mem: Option<u64>,
    /// Slurm: time limit per array task.
    #[arg(
        long,
        default_value = "24:00:00",
        help_heading = "Slurm (--emit-slurm)"
    )]
    pub slurm_time: String,
    /// Slurm: partition.
    #[arg(long, help_heading = "Slurm (--emit-slurm)")]
    pub slurm_partition: Option<String>,
    /// Slurm: account.
    #[arg(long, help_heading = "Slurm (--emit-slurm)")]
    pub slurm_account: Option<String>,
    /// Slurm: most array tasks running at once.
    #[arg(long, help_heading = "Slurm (--emit-slurm)")]
    pub slurm_max_parallel: Option<usize>,
    /// Analysis settings shared by every sample.
    #[command(flatten)]
    pub settings: RunSettings,
    /// Report defaults (the sheet's columns override them per sample).
    #[command(flatten)]
    pub case: CaseArgs,
}

/// Exit status of a batch: 0 when every sample is complete; the number of failed (or, with
/// --summary-only, unfinished) samples up to 63; 128 + N when stopped by signal N.
pub(crate) fn exit_status(failed: usize, signal: Option<i32>) -> i32 {
    match signal {
        Some(s) => 128 + s,
        None => failed.min(63) as i32,
    }
}

/// Runs the command; returns the exit status.
pub fn run(args: &BatchArgs) -> Result<i32> {
    let mode = if let Some(s) = &args.only {
        BatchMode::Only(s.clone())
    } else if let Some(n) = args.task {
        BatchMode::Task(n)
    } else if args.summary_only {
        BatchMode::SummaryOnly
    } else if args.emit_slurm {
        BatchMode::EmitSlurm(SlurmOptions {
            cpus: args.slurm_cpus,
            mem_mb: args.slurm_mem,
            time: args.slurm_time.clone(),
            partition: args.slurm_partition.clone(),
            account: args.slurm_account.clone(),
            max_parallel: args.slurm_max_parallel,
        })
    } else {
        BatchMode::Local
    };
    let outdir = std::path::absolute(&args.outdir).unwrap_or_else(|_| args.outdir.clone());
    let samplesheet =
        std::path::absolute(&args.samplesheet).unwrap_or_else(|_| args.samplesheet.clone());
    // placeholders: the batch sets tumor, normal, sample id and outdir per sample
    let template = args
        .settings
        .options(&PathBuf::new(), None, None, &args.case, &outdir, false);
    let out = batch(BatchOptions {
        samplesheet,
        outdir,
        jobs: args.jobs,
        require_normal: args.require_normal,
        force: args.force,
        template,
        mode,
        command_line: std::env::args_os().skip(1).collect(),
    })?;
    Ok(exit_status(out.failed, out.signal))
}
