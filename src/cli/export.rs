//! `oncostream export`: cohort files from batch or run directories: a MAF (`--maf`), a
//! cBioPortal study (`--cbioportal-study`), FHIR R4 Bundles (`--fhir`).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::pipeline::export::{export, ExportOptions, StudyOptions};

/// Flags of `oncostream export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Batch directories (with batch_summary.json) and/or run directories.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Write the PASS somatic SNVs/indels as MAF (vcf2maf columns 1-46) here.
    #[arg(long, value_name = "MAF")]
    pub maf: Option<PathBuf>,
    /// Write a cBioPortal study into this new directory (meta and data files of mutations,
    /// discrete copy number, segments, structural variants, clinical samples, case lists).
    #[arg(long, value_name = "DIR")]
    pub cbioportal_study: Option<PathBuf>,
    /// The study's cancer_study_identifier (default: the directory's name, lowercased).
    #[arg(long, value_name = "ID", requires = "cbioportal_study")]
    pub study_id: Option<String>,
    /// The study's name.
    #[arg(long, value_name = "NAME", requires = "cbioportal_study")]
    pub study_name: Option<String>,
    /// The study's type_of_cancer (default: the runs' cancer type when they share one, else
    /// mixed).
    #[arg(long, value_name = "CODE", requires = "cbioportal_study")]
    pub study_cancer_type: Option<String>,
    /// Write one HL7 FHIR R4 Bundle per run (Genomics Reporting IG) into this new directory.
    #[arg(long, value_name = "DIR")]
    pub fhir: Option<PathBuf>,
    /// Export the run in DIR under sample id ID (repeatable): resolves two runs that share a
    /// sample id.
    #[arg(long, value_name = "DIR=ID")]
    pub rename: Vec<String>,
    /// NCBI_Build column (default: the report's genome build, else GRCh38).
    #[arg(long)]
    pub ncbi_build: Option<String>,
    /// Leave out directories whose run is not complete (warned) instead of failing.
    #[arg(long)]
    pub skip_incomplete: bool,
    /// Transcript models (GFF3/GTF) to annotate runs that have no report.json (default: the
    /// shipped GRCh38 MANE Select models).
    #[arg(long)]
    pub gff: Option<PathBuf>,
    /// Preferred transcripts (with --gff).
    #[arg(long)]
    pub transcripts: Option<PathBuf>,
    /// Reference FASTA of the runs, for runs without report.json (default: the one each run
    /// recorded in results.json).
    #[arg(long, short = 'r')]
    pub reference: Option<PathBuf>,
    /// No info lines on stderr (warnings and errors still print).
    #[arg(long)]
    pub quiet: bool,
}

/// Runs the command.
pub fn run(a: &ExportArgs) -> Result<()> {
    crate::log::set_quiet(a.quiet);
    export(&ExportOptions {
        dirs: a.dirs.clone(),
        maf: a.maf.clone(),
        study: a.cbioportal_study.as_ref().map(|dir| StudyOptions {
            dir: dir.clone(),
            id: a.study_id.clone(),
            name: a.study_name.clone(),
            cancer_type: a.study_cancer_type.clone(),
        }),
        fhir: a.fhir.clone(),
        build: a.ncbi_build.clone(),
        skip_incomplete: a.skip_incomplete,
        gff: a.gff.clone(),
        transcripts: a.transcripts.clone(),
        reference: a.reference.clone(),
        rename: a.rename.clone(),
    })?;
    Ok(())
}
