//! `oncostream call`: somatic SNVs and indels, tumor-normal or tumor-only, as VCF 4.2.

use std::{path::PathBuf, time::Duration};

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::common::{prepare_somatic, write_metrics, CommonArgs};
use crate::engine::{self, progress::Progress};
use crate::error::{fail, ExitKind};
use crate::io::vcf::{read_resources, write_vcf, VcfMeta, VcfOutputType};
use crate::log;
use crate::metrics::Clock;
use crate::somatic::{
    evidence::{CallObserver, CallSettings},
    filters::finalize,
    model::phred_to_err,
    Call,
};

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
    #[arg(long, default_value_t = 0.01)]
    pub max_population_af: f64,

    /// Tumor LOD below which a call is filtered `weak_evidence`.
    #[arg(long, default_value_t = 6.3)]
    pub min_tlod: f64,

    /// Normal LOD below which a call is filtered `normal_lod`.
    #[arg(long, default_value_t = 2.2)]
    pub min_nlod: f64,

    /// Lowest TLOD written at all.
    #[arg(long, default_value_t = 3.0)]
    pub emit_lod: f64,

    /// Fewest supporting fragments for an SNV / an indel candidate.
    #[arg(long, default_value_t = 3)]
    pub min_alt_snv: u32,

    /// See --min-alt-snv.
    #[arg(long, default_value_t = 2)]
    pub min_alt_indel: u32,

    /// Output VCF (`.vcf.gz` with `--output-type z`).
    #[arg(long, short = 'o', value_name = "VCF")]
    pub output: PathBuf,

    /// z: bgzip + tabix index (default); v: plain VCF.
    #[arg(long, short = 'O', value_enum, default_value = "z")]
    pub output_type: OutputType,
}

/// Everything `call` produces before writing (used by `run` later too).
pub struct CallResult {
    /// Calls in genome order with all filters.
    pub calls: Vec<Call>,
    /// Pass statistics.
    pub stats: engine::RunStats,
}

/// Runs the command.
pub fn run(args: &CallArgs) -> Result<()> {
    let mut clock = Clock::new();
    let reference = args.common.reference.clone().ok_or_else(|| {
        fail(
            ExitKind::Usage,
            "call needs --reference (the FASTA the reads were aligned to)",
        )
    })?;
    let (common, prep) = prepare_somatic(&args.common, &args.tumor, args.normal.as_deref())?;
    let (tumor_name, normal_name) = prep.tumor_normal_names();
    if args.normal.is_none() {
        log::warn("tumor-only mode: without a matched normal, germline variants are removed only by the population resource and by allele fraction; precision is lower");
    }
    let settings = CallSettings {
        min_base_quality: common.min_base_quality,
        ref_error: phred_to_err(30),
        emit_lod: args.emit_lod,
        min_tlod: args.min_tlod,
        min_nlod: args.min_nlod,
        has_normal: args.normal.is_some(),
        min_alt_reads: args.min_alt_snv,
        min_alt_reads_indel: args.min_alt_indel,
        ..CallSettings::default()
    };
    let observer = CallObserver {
        settings,
        n_samples: prep.inputs.len(),
    };
    clock.lap("validate");
    let resources = read_resources(
        args.germline_resource.as_deref(),
        args.panel_of_normals.as_deref(),
        &prep.contigs,
        &prep.regions,
    )?;
    clock.lap("resources");
    let total: u64 = prep.regions.iter().map(|r| r.len()).sum();
    let progress = Progress::new(
        total,
        common.quiet,
        Duration::from_secs(common.progress_interval),
    );
    let mut calls: Vec<Call> = Vec::new();
    let stats = engine::run(
        &prep.inputs,
        prep.reference.as_ref(),
        &prep.shards,
        &prep.config,
        &observer,
        |_, partial| {
            calls.extend(partial.calls);
            Ok(())
        },
        &progress,
    )?;
    progress.finish();
    clock.lap("pileup");
    let names: Vec<String> = prep.contigs.iter().map(|c| c.name.clone()).collect();
    finalize(&mut calls, &names, &resources, args.max_population_af);
    let mut extra = vec![(
        "oncostream_command".to_string(),
        std::env::args().collect::<Vec<_>>().join(" "),
    )];
    extra.push((
        "oncostream_mode".into(),
        if args.normal.is_some() {
            "tumor-normal".into()
        } else {
            "tumor-only".into()
        },
    ));
    if args.normal.is_none() {
        extra.push((
            "oncostream_warning".into(),
            "\"tumor-only mode: no matched normal; germline variants are filtered by population frequency and allele fraction only, precision is lower\"".into(),
        ));
    }
    if let Some(p) = &args.germline_resource {
        extra.push((
            "oncostream_germline_resource".into(),
            p.display().to_string(),
        ));
    }
    if let Some(p) = &args.panel_of_normals {
        extra.push((
            "oncostream_panel_of_normals".into(),
            p.display().to_string(),
        ));
    }
    let meta = VcfMeta {
        contigs: &prep.contigs,
        reference: &reference,
        tumor: &tumor_name,
        normal: normal_name.as_deref(),
        extra,
    };
    let kind = match args.output_type {
        OutputType::Z => VcfOutputType::Bgzf,
        OutputType::V => VcfOutputType::Plain,
    };
    write_vcf(&args.output, kind, &meta, &calls)?;
    clock.lap("finalize");
    let pass = calls.iter().filter(|c| c.is_pass()).count();
    log::info(&format!("{} records, {pass} PASS", calls.len()));
    write_metrics(&common.metrics, "call", &prep, &stats, &clock)?;
    Ok(())
}
