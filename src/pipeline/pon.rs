//! `pon`: a panel of normals from normal BAM/CRAMs.
//!
//! METHOD: each normal is called in tumor-only mode (as GATK builds its panels with Mutect2);
//! every allele emitted (TLOD >= `emit_lod`, whatever its filters) in at least `min_samples`
//! normals becomes a panel site: recurrent sequencing/mapping artifacts and common germline
//! variants. Every normal is opened and validated before the first pass; then one streaming
//! pass per normal.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;

use super::metrics::{Clock, MetricsBuilder};
use super::prepare::{InputOptions, Inputs};
use crate::engine::{self, MateOverlap, RunStats};
use crate::error::{fail, ExitKind};
use crate::io::{json::write_json, output::check_output_path, vcf::write_pon_vcf};
use crate::log;
use crate::somatic::evidence::{CallObserver, CallSettings};
use crate::types::source::InputInfo;
use crate::types::{ContigId, Pos0};

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
    /// Metrics JSON.
    pub metrics: Option<PathBuf>,
}

/// Validates every normal, then builds and writes the panel; returns the number of sites.
pub fn pon(opts: &PonOptions) -> Result<usize> {
    let mut clock = Clock::new();
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
    let mut inputs = opts.inputs.clone();
    if inputs.min_base_quality == 0 {
        inputs.min_base_quality = 10;
    }
    // every normal validated before the first pass
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
    clock.lap("validate");
    let mut seen: BTreeMap<(ContigId, Pos0, String, String), u32> = BTreeMap::new();
    let mut stats_all = RunStats::default();
    for p in &prepared {
        let observer = CallObserver {
            settings: CallSettings {
                min_base_quality: inputs.min_base_quality,
                emit_lod: opts.emit_lod,
                has_normal: false,
                ..CallSettings::default()
            },
            n_samples: 1,
        };
        let mut keys = Vec::new();
        let stats = engine::run(&p.pass, &observer, |_, part| {
            keys.extend(
                part.calls
                    .into_iter()
                    .map(|c| (c.contig, c.pos, c.ref_allele, c.alt_allele)),
            );
            Ok(())
        })?;
        keys.sort();
        keys.dedup();
        for k in keys {
            *seen.entry(k).or_default() += 1;
        }
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
