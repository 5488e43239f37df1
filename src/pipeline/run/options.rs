//! What `run` is asked to do, with the documented defaults, and the digest of the settings that
//! can change its results.

use std::path::{Path, PathBuf};

use crate::pipeline::clinical_inputs::CaseOptions;
use crate::pipeline::prepare::InputOptions;
use crate::somatic::biomarkers::TmbSettings;
use crate::somatic::msi::MsiThresholds;
use crate::types::manifest::InputChecksum;

/// What `run` is asked to do (flags, unvalidated).
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Tumor BAM/CRAM.
    pub tumor: PathBuf,
    /// Matched normal (None: tumor-only).
    pub normal: Option<PathBuf>,
    /// The run's sample id: in every output that names the sample (seg, MAF, cBioPortal, FHIR,
    /// metrics, MultiQC, batch summaries; None: the tumor's sample name).
    pub sample_id: Option<String>,
    /// Name of the matched normal in exports (None: the normal's sample name).
    pub normal_sample_id: Option<String>,
    /// Reference, regions, read filters, threads.
    pub inputs: InputOptions,
    /// Germline population resource (VCF with INFO/AF).
    pub germline_resource: Option<PathBuf>,
    /// Panel of normals.
    pub panel_of_normals: Option<PathBuf>,
    /// Microsatellite site list (None: scan the reference).
    pub ms_sites: Option<PathBuf>,
    /// MSI baseline (tumor-only MSI).
    pub msi_baseline: Option<PathBuf>,
    /// MSI thresholds.
    pub msi: MsiThresholds,
    /// Collect copy number and structural variants (false: `--skip-structural`).
    pub structural: bool,
    /// Copy-number bin size (None: 1 kb up to 200 Mb of regions, else 10 kb).
    pub cnv_bin_size: Option<u64>,
    /// Reference-derived mappability track (BED: mappable intervals, optional score column).
    pub mappability: Option<PathBuf>,
    /// Copy-number reference for tumor-only runs (None: `<pon>.cnv.tsv` beside
    /// `--panel-of-normals` when it exists).
    pub cnv_reference: Option<PathBuf>,
    /// Lowest VAF counted in TMB.
    pub tmb_min_vaf: f64,
    /// Tumor depth of a callable base.
    pub callable_tumor_depth: u32,
    /// Normal depth of a callable base.
    pub callable_normal_depth: u32,
    /// Positions left out of the TMB numerator.
    pub tmb_exclude: Option<PathBuf>,
    /// Also write `callable.bed`.
    pub callable_bed: bool,
    /// Identity concordance below which the pair is flagged.
    pub min_identity: f64,
    /// Population AF from which a call is `germline`.
    pub max_population_af: f64,
    /// Cancer type (OncoTree code): also write the report.
    pub cancer_type: Option<String>,
    /// Transcript models (TMB synonymous split, report annotation).
    pub gff: Option<PathBuf>,
    /// Preferred transcripts.
    pub transcripts: Option<PathBuf>,
    /// KB file (None: the built-in KB).
    pub kb: Option<PathBuf>,
    /// Basic items of the report.
    pub case: CaseOptions,
    /// Report scope (`full`, `cdx`).
    pub scope: String,
    /// Report language (`en`, `ja`).
    pub lang: String,
    /// Trial list for the report.
    pub trials: Option<PathBuf>,
    /// Output directory.
    pub outdir: PathBuf,
    /// Replace another run's outputs in `outdir`.
    pub force: bool,
    /// The whole-file digest of the alignment inputs (computed alongside the pass).
    pub input_checksums: InputChecksum,
    /// Also write the metrics here.
    pub metrics: Option<PathBuf>,
}

impl RunOptions {
    /// Options with the documented defaults for a tumor (and normal) and a reference.
    pub fn new(tumor: &Path, normal: Option<&Path>, reference: &Path, outdir: &Path) -> Self {
        RunOptions {
            tumor: tumor.to_path_buf(),
            normal: normal.map(Path::to_path_buf),
            sample_id: None,
            normal_sample_id: None,
            inputs: InputOptions {
                reference: Some(reference.to_path_buf()),
                ..InputOptions::default()
            },
            germline_resource: None,
            panel_of_normals: None,
            ms_sites: None,
            msi_baseline: None,
            msi: MsiThresholds::default(),
            structural: true,
            cnv_bin_size: None,
            mappability: None,
            cnv_reference: None,
            tmb_min_vaf: TmbSettings::default().min_vaf,
            callable_tumor_depth: TmbSettings::default().min_tumor_depth,
            callable_normal_depth: TmbSettings::default().min_normal_depth,
            tmb_exclude: None,
            callable_bed: false,
            min_identity: crate::somatic::qc::DEFAULT_MIN_IDENTITY,
            max_population_af: crate::somatic::filters::DEFAULT_MAX_POPULATION_AF,
            cancer_type: None,
            gff: None,
            transcripts: None,
            kb: None,
            case: Default::default(),
            scope: "full".into(),
            lang: "en".into(),
            trials: None,
            outdir: outdir.to_path_buf(),
            force: false,
            input_checksums: InputChecksum::default(),
            metrics: None,
        }
    }
}

impl RunOptions {
    /// MD5 of every option that can change the results, with the tool version: the same digest
    /// means the same analysis of the same inputs. Threads, shard size, logging, the output
    /// directory, `--force` and `--metrics` are left out (outputs never depend on them).
    pub(crate) fn settings_digest(&self) -> String {
        let mut o = self.clone();
        o.inputs.threads = None;
        o.inputs.shard_size = None;
        o.inputs.quiet = false;
        o.inputs.progress_interval = 0;
        o.inputs.stall_timeout = None;
        o.outdir = PathBuf::new();
        o.force = false;
        o.metrics = None;
        crate::io::output::md5_hex(
            format!("oncostream {} {o:?}", env!("CARGO_PKG_VERSION")).as_bytes(),
        )
    }
}
