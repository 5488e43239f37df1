//! `oncostream report`: annotate and tier any somatic VCF (ours, Mutect2, Strelka2, DRAGEN)
//! for a cancer type, and write `report.json` + `report.html` (see `pipeline::report`).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::pipeline::report::{report, ReportOptions};

/// Flags of `oncostream report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Somatic VCF(.gz).
    #[arg(long)]
    pub vcf: PathBuf,
    /// Reference FASTA (the VCF's contigs).
    #[arg(long, short = 'r')]
    pub reference: PathBuf,
    /// GFF3 transcript models (without it, variants are reported unannotated and only
    /// biomarkers can be tiered).
    #[arg(long)]
    pub gff: Option<PathBuf>,
    /// Preferred transcripts (TSV: gene, accession), e.g. a MANE Select list.
    #[arg(long)]
    pub transcripts: Option<PathBuf>,
    /// Cancer type (OncoTree code, e.g. LUAD).
    #[arg(long)]
    pub cancer_type: String,
    /// Knowledge base: a directory of KB files or one file (default: data/kb, compiled in).
    #[arg(long)]
    pub kb: Option<PathBuf>,
    /// TMB (mutations/Mb) when not taken from --results; marked as user-supplied.
    #[arg(long)]
    pub tmb: Option<f64>,
    /// MSI status (MSI-H, MSS, indeterminate) when not taken from --results; marked as
    /// user-supplied in the report.
    #[arg(long)]
    pub msi_status: Option<String>,
    /// results.json of `oncostream run` (TMB, MSI, purity, QC, warnings).
    #[arg(long)]
    pub results: Option<PathBuf>,
    /// Output directory (must be empty, or this run's own directory).
    #[arg(long)]
    pub outdir: PathBuf,
    /// Replace the outputs of another run in --outdir.
    #[arg(long)]
    pub force: bool,
    /// Keep VCF records whose REF disagrees with the reference: flag them in the report (not
    /// annotated, not tiered) instead of refusing the VCF (exit 65).
    #[arg(long)]
    pub allow_ref_mismatch: bool,
    /// No info lines on stderr.
    #[arg(long)]
    pub quiet: bool,
    /// Also print the report to report.pdf (A4) with headless Chromium (chromium,
    /// chromium-browser, google-chrome, or ONCOSTREAM_CHROMIUM); refused up front when none runs.
    #[arg(long)]
    pub pdf: bool,
    /// Structural variants of another pipeline: a VCF 4.2 of breakends or symbolic
    /// `<DEL>`/`<DUP>`/`<INV>` (Manta, DELLY, GRIDSS); fusions are derived and tiered as in `run`.
    #[arg(long)]
    pub sv: Option<PathBuf>,
    /// Also read --sv records whose FILTER is not PASS.
    #[arg(long)]
    pub sv_keep_filtered: bool,
    /// Copy number of another pipeline: IGV/DNAcopy .seg, CNVkit .cns or .call.cns, or PURPLE
    /// gene copy number TSV (format from the header); gene amplifications and deletions are
    /// tiered as in `run`.
    #[arg(long)]
    pub cnv: Option<PathBuf>,
    /// Tumor purity (0-1] for a log2-only --cnv file (.seg, .cns): log2 ratios become absolute
    /// copy numbers; without it genes are called from the ratio alone.
    #[arg(long)]
    pub cnv_purity: Option<f64>,
    /// Tumor ploidy for the --cnv file (default 2).
    #[arg(long)]
    pub cnv_ploidy: Option<f64>,
    /// Basic items of the test, scope, language, trial list.
    #[command(flatten)]
    pub case: crate::cli::case::CaseArgs,
}

/// Runs the command.
pub fn run(args: &ReportArgs) -> Result<()> {
    report(ReportOptions {
        vcf: args.vcf.clone(),
        reference: args.reference.clone(),
        gff: args.gff.clone(),
        transcripts: args.transcripts.clone(),
        cancer_type: args.cancer_type.clone(),
        kb: args.kb.clone(),
        tmb: args.tmb,
        msi_status: args.msi_status.clone(),
        results: args.results.clone(),
        case: args.case.options(),
        scope: args.case.scope.clone(),
        lang: args.case.lang.clone(),
        trials: args.case.trials.clone(),
        outdir: args.outdir.clone(),
        force: args.force,
        allow_ref_mismatch: args.allow_ref_mismatch,
        quiet: args.quiet,
        pdf: args.pdf,
        external: crate::pipeline::external::ExternalOptions {
            sv: args.sv.clone(),
            sv_keep_filtered: args.sv_keep_filtered,
            cnv: args.cnv.clone(),
            cnv_purity: args.cnv_purity,
            cnv_ploidy: args.cnv_ploidy,
        },
    })?;
    Ok(())
}
