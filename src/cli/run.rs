//! `oncostream run`: the whole pass (see `pipeline::run`): flags → [`RunOptions`] → results.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::common::CommonArgs;
use super::msi::MsiThresholdArgs;
use crate::pipeline::run::{run as run_pipeline, RunOptions};
use crate::somatic::biomarkers::TmbSettings;
use crate::types::manifest::InputChecksum;

/// `--input-checksums`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum InputChecksumArg {
    /// BLAKE3 (`b3sum`), the default.
    Blake3,
    /// MD5 (`md5sum`).
    Md5,
    /// No digest (sizes only).
    None,
}

impl From<InputChecksumArg> for InputChecksum {
    fn from(a: InputChecksumArg) -> InputChecksum {
        match a {
            InputChecksumArg::Blake3 => InputChecksum::Blake3,
            InputChecksumArg::Md5 => InputChecksum::Md5,
            InputChecksumArg::None => InputChecksum::None,
        }
    }
}

/// Flags of `oncostream run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Tumor BAM/CRAM.
    #[arg(long)]
    pub tumor: PathBuf,
    /// Matched normal BAM/CRAM (omit for tumor-only).
    #[arg(long)]
    pub normal: Option<PathBuf>,
    /// The sample id every output names the sample by: copy_number.seg, results.json, the MAF,
    /// cBioPortal and FHIR exports, metrics.json, MultiQC (default: the tumor's read-group SM).
    #[arg(long)]
    pub sample_id: Option<String>,
    /// The matched normal's id in exports (default: the normal's read-group SM).
    #[arg(long, requires = "normal")]
    pub normal_sample_id: Option<String>,
    /// Analysis settings (shared with `batch`).
    #[command(flatten)]
    pub settings: RunSettings,
    /// Basic items, scope, language and trial list of the report (with --cancer-type).
    #[command(flatten)]
    pub case: crate::cli::case::CaseArgs,
    /// Output directory (created; must be empty, or hold only this tool's files with --force).
    #[arg(long)]
    pub outdir: PathBuf,
    /// Replace the outputs of another run in --outdir (they are removed first).
    #[arg(long)]
    pub force: bool,
}

/// The analysis flags of `run`, shared by every sample of a `batch`.
#[derive(Args, Debug, Clone)]
pub struct RunSettings {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Germline resource VCF(.gz) with INFO/AF.
    #[arg(long)]
    pub germline_resource: Option<PathBuf>,
    /// Panel of normals VCF(.gz).
    #[arg(long)]
    pub panel_of_normals: Option<PathBuf>,
    /// Microsatellite site list (default: scan the reference over the processed regions).
    #[arg(long)]
    pub ms_sites: Option<PathBuf>,
    /// MSI baseline from `msi-baseline` (tumor-only MSI).
    #[arg(long)]
    pub msi_baseline: Option<PathBuf>,
    #[command(flatten)]
    pub msi: MsiThresholdArgs,
    /// Skip copy number and structural variants (results.json records them as not assessed).
    #[arg(long)]
    pub skip_structural: bool,
    /// Copy-number bin size in bases (default: 1000 up to 200 Mb of regions, else 10000).
    #[arg(long)]
    pub cnv_bin_size: Option<u64>,
    /// Reference-derived mappability track for the copy-number bins (BED, optionally gzipped:
    /// mappable intervals, e.g. Umap, with an optional score 0-1 in column 4); default: the
    /// share of MAPQ >= 20 fragments in the reference sample.
    #[arg(long)]
    pub mappability: Option<PathBuf>,
    /// Copy-number reference from `pon` for tumor-only runs (default: PON.cnv.tsv beside
    /// --panel-of-normals, when it exists).
    #[arg(long)]
    pub cnv_reference: Option<PathBuf>,
    /// Lowest tumor VAF counted in TMB.
    #[arg(long, default_value_t = TmbSettings::default().min_vaf)]
    pub tmb_min_vaf: f64,
    /// Tumor depth for a callable base.
    #[arg(long, default_value_t = TmbSettings::default().min_tumor_depth)]
    pub callable_tumor_depth: u32,
    /// Normal depth for a callable base.
    #[arg(long, default_value_t = TmbSettings::default().min_normal_depth)]
    pub callable_normal_depth: u32,
    /// BED of positions excluded from the TMB numerator (e.g. driver hotspots).
    #[arg(long)]
    pub tmb_exclude: Option<PathBuf>,
    /// Write the callable region as `callable.bed`.
    #[arg(long)]
    pub callable_bed: bool,
    /// Tumor-normal identity concordance below which the pair is flagged as mismatched.
    #[arg(long, default_value_t = crate::somatic::qc::DEFAULT_MIN_IDENTITY)]
    pub min_identity: f64,
    /// Population AF from which a call is filtered `germline`.
    #[arg(long, default_value_t = crate::somatic::filters::DEFAULT_MAX_POPULATION_AF)]
    pub max_population_af: f64,
    /// Cancer type (OncoTree code): also write report.json + report.html (tiering).
    #[arg(long)]
    pub cancer_type: Option<String>,
    /// GFF3/GTF transcript models for annotation (default: the GRCh38 MANE Select models
    /// shipped in the binary, used when the reference is GRCh38).
    #[arg(long)]
    pub gff: Option<PathBuf>,
    /// Preferred transcripts (gene, accession) for the report, e.g. MANE Select.
    #[arg(long)]
    pub transcripts: Option<PathBuf>,
    /// Knowledge base for the report: a directory or one file (default: data/kb, compiled in).
    #[arg(long)]
    pub kb: Option<PathBuf>,
    /// Whole-file digest of the BAM/CRAM inputs, computed alongside the pass and recorded in
    /// results.json and run_manifest.json: blake3 (verify with `b3sum`), md5 (`md5sum`; about
    /// as much CPU per byte as decoding the BAM), none.
    /// [default: blake3]
    #[arg(long, value_enum, value_name = "ALGORITHM")]
    pub input_checksums: Option<InputChecksumArg>,
    /// Same as --input-checksums none.
    #[arg(long, conflicts_with = "input_checksums")]
    pub no_input_checksums: bool,
}

impl RunArgs {
    /// The pipeline's options.
    pub fn options(&self) -> RunOptions {
        let mut o = self.settings.options(
            &self.tumor,
            self.normal.as_deref(),
            self.sample_id.clone(),
            &self.case,
            &self.outdir,
            self.force,
        );
        o.normal_sample_id = self.normal_sample_id.clone();
        o
    }
}

impl RunSettings {
    /// The pipeline's options for one tumor (and normal) written to `outdir`.
    pub fn options(
        &self,
        tumor: &Path,
        normal: Option<&Path>,
        sample_id: Option<String>,
        case: &crate::cli::case::CaseArgs,
        outdir: &Path,
        force: bool,
    ) -> RunOptions {
        RunOptions {
            tumor: tumor.to_path_buf(),
            normal: normal.map(Path::to_path_buf),
            sample_id,
            normal_sample_id: None,
            inputs: self.common.options(),
            germline_resource: self.germline_resource.clone(),
            panel_of_normals: self.panel_of_normals.clone(),
            ms_sites: self.ms_sites.clone(),
            msi_baseline: self.msi_baseline.clone(),
            msi: self.msi.get(),
            structural: !self.skip_structural,
            cnv_bin_size: self.cnv_bin_size,
            mappability: self.mappability.clone(),
            cnv_reference: self.cnv_reference.clone(),
            tmb_min_vaf: self.tmb_min_vaf,
            callable_tumor_depth: self.callable_tumor_depth,
            callable_normal_depth: self.callable_normal_depth,
            tmb_exclude: self.tmb_exclude.clone(),
            callable_bed: self.callable_bed,
            min_identity: self.min_identity,
            max_population_af: self.max_population_af,
            cancer_type: self.cancer_type.clone(),
            gff: self.gff.clone(),
            transcripts: self.transcripts.clone(),
            kb: self.kb.clone(),
            case: case.options(),
            scope: case.scope.clone(),
            lang: case.lang.clone(),
            trials: case.trials.clone(),
            outdir: outdir.to_path_buf(),
            force,
            input_checksums: if self.no_input_checksums {
                InputChecksum::None
            } else {
                self.input_checksums.map(Into::into).unwrap_or_default()
            },
            metrics: self.common.metrics.clone(),
        }
    }
}

/// Runs the command.
pub fn run(args: &RunArgs) -> Result<()> {
    run_pipeline(args.options())?;
    Ok(())
}
