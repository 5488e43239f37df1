//! `oncostream call`: somatic SNVs and indels, tumor-normal or tumor-only, as VCF 4.2.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::common::CommonArgs;
use crate::io::vcf::VcfOutputType;
use crate::pipeline::call::{self, CallOptions};
use crate::somatic::evidence::CallSettings;

/// `--output-type`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum OutputType {
    /// bgzip-compressed VCF with a tabix index.
    Z,
    /// plain VCF (debugging).
    V,
}

/// Flags of `oncostream call`.
#[derive(Args, Debug)]
pub struct CallArgs {
    /// Tumor BAM/CRAM.
    #[arg(long, value_name = "BAM|CRAM")]
    pub tumor: PathBuf,

    /// Matched normal BAM/CRAM (omit for tumor-only mode: lower precision).
    #[arg(long, value_name = "BAM|CRAM")]
    pub normal: Option<PathBuf>,

    #[command(flatten)]
    pub common: CommonArgs,

    /// Germline resource VCF(.gz) with INFO/AF (e.g. gnomAD): population allele frequencies.
    #[arg(long, value_name = "VCF")]
    pub germline_resource: Option<PathBuf>,

    /// Panel of normals VCF(.gz) from `oncostream pon`.
    #[arg(long, value_name = "VCF")]
    pub panel_of_normals: Option<PathBuf>,

    /// Population AF from which a call is filtered `germline`.
    #[arg(long, default_value_t = crate::somatic::filters::DEFAULT_MAX_POPULATION_AF)]
    pub max_population_af: f64,

    /// Tumor LOD below which a call is filtered `weak_evidence`.
    #[arg(long, default_value_t = CallSettings::default().min_tlod)]
    pub min_tlod: f64,

    /// Normal LOD below which a call is filtered `normal_lod`.
    #[arg(long, default_value_t = CallSettings::default().min_nlod)]
    pub min_nlod: f64,

    /// Lowest TLOD written at all.
    #[arg(long, default_value_t = CallSettings::default().emit_lod)]
    pub emit_lod: f64,

    /// Fewest supporting fragments for an SNV / an indel candidate.
    #[arg(long, default_value_t = CallSettings::default().min_alt_reads)]
    pub min_alt_snv: u32,

    /// See --min-alt-snv.
    #[arg(long, default_value_t = CallSettings::default().min_alt_reads_indel)]
    pub min_alt_indel: u32,

    /// Output VCF (`.vcf.gz` with `--output-type z`).
    #[arg(long, short = 'o', value_name = "VCF")]
    pub output: PathBuf,

    /// z: bgzip + tabix index (default); v: plain VCF.
    #[arg(long, short = 'O', value_enum, default_value = "z")]
    pub output_type: OutputType,
}

/// Runs the command.
pub fn run(args: &CallArgs) -> Result<()> {
    call::call(&CallOptions {
        tumor: args.tumor.clone(),
        normal: args.normal.clone(),
        inputs: args.common.options(),
        germline_resource: args.germline_resource.clone(),
        panel_of_normals: args.panel_of_normals.clone(),
        max_population_af: args.max_population_af,
        min_tlod: args.min_tlod,
        min_nlod: args.min_nlod,
        emit_lod: args.emit_lod,
        min_alt_snv: args.min_alt_snv,
        min_alt_indel: args.min_alt_indel,
        output: args.output.clone(),
        output_type: match args.output_type {
            OutputType::Z => VcfOutputType::Bgzf,
            OutputType::V => VcfOutputType::Plain,
        },
        metrics: args.common.metrics.clone(),
    })?;
    Ok(())
}
