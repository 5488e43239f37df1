//! Report settings shared by `run --cancer-type` and `report`: the basic items (patient,
//! specimen, test) as flags or a small `key: value` / `key,value` file (`--case-info`), the
//! scope, the language and the trial list; all validated before anything runs.

use std::path::PathBuf;

use clap::Args;

use crate::pipeline::clinical_inputs::CaseOptions;

/// Basic items of the test, as C-CAT's findings report lists them.
#[derive(Args, Debug, Clone)]
pub struct CaseArgs {
    /// File of basic items: `key: value` (YAML-style) or `key,value` lines; keys are the flag
    /// names below without `--` (patient-id, specimen-id, ...). Flags override the file.
    #[arg(long, help_heading = "Report basic items")]
    pub case_info: Option<PathBuf>,
    /// Patient identifier.
    #[arg(long, help_heading = "Report basic items")]
    pub patient_id: Option<String>,
    /// Specimen identifier.
    #[arg(long, help_heading = "Report basic items")]
    pub specimen_id: Option<String>,
    /// Specimen type (e.g. "FFPE tissue", "fresh frozen tissue").
    #[arg(long, help_heading = "Report basic items")]
    pub specimen_type: Option<String>,
    /// Specimen collection date (YYYY-MM-DD).
    #[arg(long, help_heading = "Report basic items")]
    pub collection_date: Option<String>,
    /// Tumor content from pathology, percent (0-100), shown next to the estimate.
    #[arg(long, help_heading = "Report basic items")]
    pub tumor_content: Option<f64>,
    /// Hospital / institution.
    #[arg(long, help_heading = "Report basic items")]
    pub institution: Option<String>,
    /// Test name (e.g. the panel's name, "whole genome").
    #[arg(long, help_heading = "Report basic items")]
    pub test_name: Option<String>,
    /// Genome build of the analysis (e.g. GRCh38).
    #[arg(long, help_heading = "Report basic items")]
    pub genome_build: Option<String>,
    /// Report scope: `full`, or `cdx` for a companion-diagnostic use that leaves secondary
    /// (germline) findings out.
    #[arg(long, default_value = "full", help_heading = "Report")]
    pub scope: String,
    /// Language of report.html: `en`, or `ja` (Japanese labels, C-CAT level names).
    #[arg(long, default_value = "en", help_heading = "Report")]
    pub lang: String,
    /// Clinical-trial list (TSV: id, title, gene, alteration, cancer_types, exclude, phase,
    /// status, sites, url) matched to the patient like knowledge-base rows.
    #[arg(long, help_heading = "Report")]
    pub trials: Option<PathBuf>,
}

impl CaseArgs {
    /// The options, unvalidated.
    pub fn options(&self) -> CaseOptions {
        CaseOptions {
            file: self.case_info.clone(),
            patient_id: self.patient_id.clone(),
            specimen_id: self.specimen_id.clone(),
            specimen_type: self.specimen_type.clone(),
            collection_date: self.collection_date.clone(),
            tumor_content: self.tumor_content,
            institution: self.institution.clone(),
            test_name: self.test_name.clone(),
            genome_build: self.genome_build.clone(),
        }
    }
}
