//! `pon`: a panel of normals from normal BAM/CRAMs.
//!
//! METHOD: each normal is called in tumor-only mode (as GATK builds its panels with Mutect2);
//! every allele emitted (TLOD >= `emit_lod`, whatever its filters) in at least `min_samples`
//! normals becomes a panel site: recurrent sequencing/mapping artifacts and common germline
//! variants. The same pass counts copy-number bins: `<output stem>.cnv.tsv` is the copy-number
//! reference of tumor-only runs. Every normal is opened and validated before the first pass;
//! then one streaming pass per normal.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;

use super::metrics::{Clock, MetricsBuilder};
use super::prepare::{InputOptions, Inputs};
use super::structural::{companion_cnv_reference, MIN_MAPQ};
use crate::engine::{self, MateOverlap, RunStats};
use crate::error::{fail, ExitKind};
use crate::io::{
    cnv::write_cnv_reference, json::write_json, output::check_output_path, vcf::write_pon_vcf,
};
use crate::log;
use crate::somatic::cnv::{
    auto_bin_size, relative_density, segment::median, BinLayout, BinTable, CnvObserver,
};
use crate::somatic::evidence::{CallObserver, CallSettings};
use crate::types::cnv::CnvReference;
use crate::types::source::InputInfo;
use crate::types::{ContigId, Pos0};

/// Normals an allele must be seen in to enter the panel, by default (recurrent, not one
/// sample's artifact or germline allele).
pub(crate) const DEFAULT_MIN_SAMPLES: u32 = 2;

/// What `pon` is asked to do.
#[derive(Clone, Debug)]
pub struct PonOptions {
    /// Normal BAM/CRAMs.
    pub normals: Vec<PathBuf>,
    /// Reference, regions, filters, threads.
    pub inputs: InputOptions,
    /// Normals an allele must be seen in.
    pub min_samples: u32,
    /// Lowest TLOD for an allele to count as seen.
    pub emit_lod: f64,
    /// Output VCF.
    pub output: PathBuf,
    /// Copy-number bin size (None: as `run` chooses it).
    pub cnv_bin_size: Option<u64>,
    /// Metrics JSON.
    pub metrics: Option<PathBuf>,
}

/// Validates every normal, then builds and writes the panel; returns the number of sites.
pub fn pon(opts: &PonOptions) -> Result<usize> {
    let mut clock = Clock::new();
    let (inputs, prepared) = validate(opts)?;
    clock.lap("validate");
    let first = &prepared[0];
    let bin_size = opts
        .cnv_bin_size
        .unwrap_or_else(|| auto_bin_size(first.pass.total_positions()));
    if bin_size == 0 {
        return Err(fail(ExitKind::Usage, "--cnv-bin-size must be at least 1"));
    }
    let layout = BinLayout::new(
        &first.pass.regions,
        first.pass.contigs.len(),
        bin_size,
        &first.biomarker_contigs,
    );
    let mut seen: BTreeMap<(ContigId, Pos0, String, String), u32> = BTreeMap::new();
    let mut stats_all = RunStats::default();
    let mut densities: Vec<Vec<Option<(f64, f64)>>> = Vec::new();
    for p in &prepared {
        let NormalPass {
            keys,
            density,
            stats,
        } = call_normal(p, &layout, inputs.min_base_quality, opts)?;
        for k in keys {
            *seen.entry(k).or_default() += 1;
        }
        densities.push(density);
        stats_all.reads.extend(stats.reads);
        stats_all.bases.extend(stats.bases);
        stats_all.bytes_read.extend(stats.bytes_read);
        stats_all.positions += stats.positions;
        stats_all.shards += stats.shards;
        log::info(&format!("{}: done", p.info(0).path.display()));
    }
    clock.lap("pileup");
    let n = opts.normals.len();
    let sites: Vec<_> = seen
        .into_iter()
        .filter(|(_, k)| *k >= opts.min_samples)
        .collect();
    write_pon_vcf(
        &opts.output,
        &prepared[0].pass.contigs,
        &sites,
        n,
        opts.min_samples,
    )?;
    let bins = cnv_reference_bins(&layout, &densities, &first.pass.contigs, n);
    let cnv_path = companion_cnv_reference(&opts.output);
    write_cnv_reference(
        &cnv_path,
        &CnvReference {
            bin_size,
            normals: n,
            bins,
        },
    )?;
    log::info(&format!(
        "copy-number reference: {} ({bin_size} bp bins)",
        cnv_path.display()
    ));
    log::info(&format!(
        "panel of normals: {} sites seen in >= {} of {n} normals",
        sites.len(),
        opts.min_samples
    ));
    clock.lap("finalize");
    if let Some(m) = &opts.metrics {
        let infos: Vec<&InputInfo> = prepared.iter().map(|p| p.info(0)).collect();
        let cfg = &prepared[0].pass.config;
        write_json(
            m,
            &MetricsBuilder::build_for(
                "pon",
                "panel-of-normals",
                cfg.threads,
                cfg.shard_size,
                &infos,
                &stats_all,
                &clock,
            ),
        )?;
    }
    Ok(sites.len())
}

/// The options, the outputs' paths and every normal (same contigs), before the first pass.
fn validate(opts: &PonOptions) -> Result<(InputOptions, Vec<Inputs>)> {
    if opts.inputs.reference.is_none() {
        return Err(fail(ExitKind::Usage, "pon needs --reference"));
    }
    if opts.min_samples == 0 || opts.min_samples as usize > opts.normals.len() {
        return Err(fail(
            ExitKind::Usage,
            format!(
                "--min-samples {} must be between 1 and the {} normals given",
                opts.min_samples,
                opts.normals.len()
            ),
        ));
    }
    check_output_path(&opts.output)?;
    check_output_path(&companion_cnv_reference(&opts.output))?;
    let mut inputs = opts.inputs.clone();
    if inputs.min_base_quality == 0 {
        inputs.min_base_quality = 10;
    }
    let mut prepared: Vec<Inputs> = Vec::with_capacity(opts.normals.len());
    for normal in &opts.normals {
        let p = inputs.prepare(std::slice::from_ref(normal), MateOverlap::Dedup)?;
        if let Some(first) = prepared.first() {
            if first.pass.contigs != p.pass.contigs {
                return Err(fail(
                    ExitKind::Data,
                    format!(
                        "'{}' has a different contig list from the first normal '{}'; align all normals to the same reference",
                        normal.display(),
                        opts.normals[0].display()
                    ),
                ));
            }
        }
        prepared.push(p);
    }
    Ok((inputs, prepared))
}

type PonKey = (ContigId, Pos0, String, String);

/// What one normal gives the panel: its distinct alleles, its relative bin densities (with
/// mappability) and the pass counters.
struct NormalPass {
    keys: Vec<PonKey>,
    density: Vec<Option<(f64, f64)>>,
    stats: RunStats,
}

/// One normal called tumor-only, with its copy-number bins.
fn call_normal(
    p: &Inputs,
    layout: &BinLayout,
    min_base_quality: u8,
    opts: &PonOptions,
) -> Result<NormalPass> {
    let observer = (
        CallObserver {
            settings: CallSettings {
                min_base_quality,
                emit_lod: opts.emit_lod,
                has_normal: false,
                ..CallSettings::default()
            },
            n_samples: 1,
        },
        CnvObserver {
            layout,
            n_samples: 1,
            min_mapq: MIN_MAPQ,
            het_sample: None,
            het_min_depth: u32::MAX,
        },
    );
    let mut keys = Vec::new();
    let mut table = BinTable::new(layout.len(), 1);
    let stats = engine::run(&p.pass, &observer, |_, (calls, bins)| {
        keys.extend(
            calls
                .calls
                .into_iter()
                .map(|c| (c.contig, c.pos, c.ref_allele, c.alt_allele)),
        );
        table.add(bins);
        Ok(())
    })?;
    keys.sort();
    keys.dedup();
    Ok(NormalPass {
        keys,
        density: relative_density(layout, &table, 0, None),
        stats,
    })
}

/// METHOD: the copy-number reference of a bin is the median over the normals of their
/// GC-corrected, median-normalised fragment densities (and of their mappabilities); a bin
/// needs a value in at least half of the normals.
fn cnv_reference_bins(
    layout: &BinLayout,
    densities: &[Vec<Option<(f64, f64)>>],
    contigs: &[crate::types::Contig],
    n: usize,
) -> Vec<(String, u64, u64, f64, f64)> {
    let mut bins = Vec::new();
    for (i, b) in layout.bins.iter().enumerate() {
        let vals: Vec<(f64, f64)> = densities.iter().filter_map(|d| d[i]).collect();
        if vals.is_empty() || vals.len() * 2 < n {
            continue;
        }
        let mut d: Vec<f64> = vals.iter().map(|v| v.0).collect();
        let mut m: Vec<f64> = vals.iter().map(|v| v.1).collect();
        let (d, m) = (median(&mut d), median(&mut m));
        if d > 0.0 {
            bins.push((contigs[b.contig].name.clone(), b.start, b.end, d, m));
        }
    }
    bins
}
