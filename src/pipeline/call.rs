//! `call`: somatic SNVs and indels, tumor-normal or tumor-only, as VCF 4.2.

use std::path::PathBuf;

use anyhow::Result;

use super::metrics::{write_metrics, Clock};
use super::prepare::InputOptions;
use crate::engine::{self, RunStats};
use crate::error::{fail, ExitKind};
use crate::io::{
    resource::{open_resource, ResourceLookups},
    vcf::{check_vcf_output, write_vcf, VcfMeta, VcfOutputType},
};
use crate::log;
use crate::somatic::{
    evidence::{CallObserver, CallSettings, DamageCounts},
    filters::{finalize, TumorOnly},
    germline::ModelPurity,
    model::phred_to_err,
    Call,
};

/// What `call` is asked to do.
#[derive(Clone, Debug)]
pub struct CallOptions {
    /// Tumor BAM/CRAM.
    pub tumor: PathBuf,
    /// Matched normal (None: tumor-only).
    pub normal: Option<PathBuf>,
    /// Reference, regions, filters, threads.
    pub inputs: InputOptions,
    /// Germline population resource.
    pub germline_resource: Option<PathBuf>,
    /// Panel of normals.
    pub panel_of_normals: Option<PathBuf>,
    /// Population AF from which a call is `germline`.
    pub max_population_af: f64,
    /// TLOD below which a call is `weak_evidence`.
    pub min_tlod: f64,
    /// NLOD below which a call is `normal_lod`.
    pub min_nlod: f64,
    /// Lowest TLOD written.
    pub emit_lod: f64,
    /// Fewest alt fragments for an SNV.
    pub min_alt_snv: u32,
    /// Fewest alt fragments for an indel.
    pub min_alt_indel: u32,
    /// Output VCF.
    pub output: PathBuf,
    /// bgzip + tabix, or plain text.
    pub output_type: VcfOutputType,
    /// Metrics JSON.
    pub metrics: Option<PathBuf>,
}

/// Everything `call` produces.
pub struct CallOutcome {
    /// Calls in genome order with all filters.
    pub calls: Vec<Call>,
    /// Pass statistics.
    pub stats: RunStats,
}

/// Validates, calls, writes the VCF.
pub fn call(opts: &CallOptions) -> Result<CallOutcome> {
    let mut clock = Clock::new();
    let reference = opts.inputs.reference.clone().ok_or_else(|| {
        fail(
            ExitKind::Usage,
            "call needs --reference (the FASTA the reads were aligned to)",
        )
    })?;
    check_vcf_output(&opts.output, opts.output_type)?;
    let (inp, prep) = opts
        .inputs
        .prepare_somatic(&opts.tumor, opts.normal.as_deref())?;
    let (tumor_name, normal_name) = prep.tumor_normal_names();
    let germline = opts
        .germline_resource
        .as_deref()
        .map(|p| open_resource(p, "germline resource", &prep.pass.contigs))
        .transpose()?;
    let pon = opts
        .panel_of_normals
        .as_deref()
        .map(|p| open_resource(p, "panel of normals", &prep.pass.contigs))
        .transpose()?;
    let mut lookups = ResourceLookups::new(germline.as_ref(), pon.as_ref())?;
    let names = prep.contig_names();
    clock.lap("validate");
    if opts.normal.is_none() {
        log::warn("tumor-only mode: without a matched normal, germline variants are removed by the population resource and by their allele fraction given the purity; precision is lower");
    }
    let observer = CallObserver {
        settings: CallSettings {
            min_base_quality: inp.min_base_quality,
            ref_error: phred_to_err(30),
            emit_lod: opts.emit_lod,
            min_tlod: opts.min_tlod,
            min_nlod: opts.min_nlod,
            has_normal: opts.normal.is_some(),
            min_alt_reads: opts.min_alt_snv,
            min_alt_reads_indel: opts.min_alt_indel,
            ..CallSettings::default()
        },
        n_samples: prep.len(),
    };
    let mut calls: Vec<Call> = Vec::new();
    let mut damage = DamageCounts::default();
    let stats = engine::run(&prep.pass, &observer, |shard, mut partial| {
        lookups.annotate(&names[shard.core.contig.index()], &mut partial.calls)?;
        calls.extend(partial.calls);
        if let Some(d) = partial.damage.first() {
            damage.add(d);
        }
        Ok(())
    })?;
    clock.lap("pileup");
    let diploid = |_: &Call| None;
    let tumor_only = TumorOnly {
        purity: ModelPurity::Estimate,
        local_cn: &diploid,
    };
    let finalized = finalize(
        &mut calls,
        opts.max_population_af,
        opts.normal.is_none().then_some(&tumor_only),
        Some(&damage),
    );
    log::info(&finalized.orientation.describe());
    let germline_model = finalized.germline;
    if let Some(w) = germline_model.as_ref().and_then(|m| m.warning.as_ref()) {
        log::warn(w);
    }
    let mut extra = vec![
        (
            "oncostream_command".to_string(),
            std::env::args().collect::<Vec<_>>().join(" "),
        ),
        (
            "oncostream_mode".into(),
            if opts.normal.is_some() {
                "tumor-normal"
            } else {
                "tumor-only"
            }
            .into(),
        ),
    ];
    if opts.normal.is_none() {
        extra.push((
            "oncostream_warning".into(),
            "\"tumor-only mode: no matched normal; germline variants are separated by population frequency and by allele fraction given purity, precision is lower\"".into(),
        ));
    }
    if let Some(m) = &germline_model {
        extra.push(("oncostream_germline_model".into(), germline_model_header(m)));
    }
    if let Some(p) = &opts.germline_resource {
        extra.push((
            "oncostream_germline_resource".into(),
            p.display().to_string(),
        ));
    }
    if let Some(p) = &opts.panel_of_normals {
        extra.push((
            "oncostream_panel_of_normals".into(),
            p.display().to_string(),
        ));
    }
    let meta = VcfMeta {
        contigs: &prep.pass.contigs,
        reference: &reference,
        tumor: &tumor_name,
        normal: normal_name.as_deref(),
        extra,
    };
    write_vcf(&opts.output, opts.output_type, &meta, &calls)?;
    clock.lap("finalize");
    let pass = calls.iter().filter(|c| c.is_pass()).count();
    log::info(&format!("{} records, {pass} PASS", calls.len()));
    write_metrics(opts.metrics.as_deref(), "call", &prep.pass, &stats, &clock)?;
    Ok(CallOutcome { calls, stats })
}

/// The VCF header value describing the tumor-only germline classification.
pub(crate) fn germline_model_header(m: &crate::types::results::GermlineModel) -> String {
    format!(
        "<Method={},Purity={},PuritySource={},CopyNumberAware={},Candidates={},GermlineShare={},ClassifiedGermline={},ListedHetSites={},HetBiasSnv={},HetBiasIndel={},Concentration={},LocalBafBlocks={},ImbalancedBlocks={}>",
        m.method.as_str(),
        m.purity.map_or(".".into(), |p| format!("{p:.2}")),
        m.purity_source.as_str(),
        m.copy_number_aware,
        m.candidates,
        m.germline_share.map_or(".".into(), |p| format!("{p:.3}")),
        m.classified_germline,
        m.listed_het_sites,
        m.het_bias_snv.map_or(".".into(), |p| format!("{p:.3}")),
        m.het_bias_indel.map_or(".".into(), |p| format!("{p:.3}")),
        m.concentration,
        m.local_baf_blocks,
        m.imbalanced_blocks
    )
}
