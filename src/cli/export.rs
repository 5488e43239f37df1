//! `oncostream export`: cohort files from batch or run directories (`--maf`).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::pipeline::export::{export_maf, ExportOptions};

/// Flags of `oncostream export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Batch directories (with batch_summary.json) and/or run directories.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Write the PASS somatic SNVs/indels as MAF (vcf2maf columns 1-46) here.
    #[arg(long, value_name = "MAF")]
    pub maf: PathBuf,
    /// NCBI_Build column (default: the report's genome build, else GRCh38).
    #[arg(long)]
    pub ncbi_build: Option<String>,
    /// Leave out directories whose run is not complete (warned) instead of failing.
    #[arg(long)]
    pub skip_incomplete: bool,
    /// Transcript models (GFF3) to annotate runs that have no report.json.
    #[arg(long)]
    pub gff: Option<PathBuf>,
    /// Preferred transcripts (with --gff).
    #[arg(long)]
    pub transcripts: Option<PathBuf>,
    /// Reference FASTA (with --gff).
    #[arg(long, short = 'r')]
    pub reference: Option<PathBuf>,
    /// Also write meta_mutations_extended.txt beside the MAF for this cBioPortal study id.
    #[arg(long, value_name = "STUDY_ID")]
    pub cbioportal_study: Option<String>,
    /// No info lines on stderr (warnings and errors still print).
    #[arg(long)]
    pub quiet: bool,
}

/// Runs the command.
pub fn run(a: &ExportArgs) -> Result<()> {
    crate::log::set_quiet(a.quiet);
    export_maf(&ExportOptions {
        dirs: a.dirs.clone(),
        maf: a.maf.clone(),
        build: a.ncbi_build.clone(),
        skip_incomplete: a.skip_incomplete,
        gff: a.gff.clone(),
        transcripts: a.transcripts.clone(),
        reference: a.reference.clone(),
        cbioportal_study: a.cbioportal_study.clone(),
    })?;
    Ok(())
}
