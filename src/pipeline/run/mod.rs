//! `run`: the whole pass over tumor (and normal) — somatic calls, TMB, MSI, purity, QC, copy
//! number, structural variants — in ONE read of each BAM, then (with a cancer type) the tiered
//! report, all into one output directory.
//!
//! ```text
//!  RunOptions ──validate──► RunPlan: one plan per stage, every input opened and checked
//!                             │
//!      the one pass ──────────┼── calls ─── msi ─── qc ─── structural ─── (extra stage)
//!      (engine, in order)     │   each stage: observer → partials → state.add(shard, partial)
//!                             ▼
//!  reference check → calls → purity → copy number + SVs → tumor-only reclassification → TMB
//!  → MSI → QC verdict → calls.vcf.gz, msi_histograms.tsv, structural files → results.json
//!  → report.json + report.html → metrics.json, MultiQC → run_manifest.json (last)
//! ```
//!
//! [`RunOptions::validate`] checks every input first (nothing is written and no BAM record is
//! read when one is wrong); [`RunPlan::execute`] makes the pass and writes the outputs. Each
//! analysis is a [`Stage`]: its plan is made at validation, its observer sees the one pass, its
//! state combines the shards in genome order, and its `finish` makes typed results.
//! [`RunPlan::execute_with`] runs one more stage from outside on the same pass.

mod biomarkers;
mod calls;
mod msi;
mod options;
mod outputs;
mod qc;
mod report;
mod stage;
mod validate;

use std::path::PathBuf;

use anyhow::Result;

pub use self::options::RunOptions;
pub use self::stage::{NoStage, PartialOf, Stage};
use self::{
    biomarkers::{Annotation, TmbPlan},
    calls::{CallSet, CallStage, CallState},
    msi::{MsiOutcome, MsiStage},
    outputs::RunIdentity,
    qc::{QcContext, QcStage, QcState},
};
use super::metrics::Clock;
use super::outdir::{OutdirState, OutputFile};
use super::prepare::Inputs;
use super::report::ReportContext;
use super::structural::{StructuralContext, StructuralOutcome, StructuralPlan, StructuralState};
use crate::engine::{self, RunStats};
use crate::io::output::input_digest;
use crate::log;
use crate::somatic::biomarkers::{
    initial_purity, merge_copy_number_purity, purity_warning, vaf_purity_within,
};
use crate::somatic::msi::MsiCounts;
use crate::somatic::pass::RunObserver;
use crate::types::report::Report;
use crate::types::results::{PurityResult, QcResult, RunResults, TmbResult};
use crate::types::Region;

/// A validated run: every input opened and checked, one plan per stage, nothing written yet.
pub struct RunPlan {
    opts: RunOptions,
    inputs: Inputs,
    /// Tumor and normal sample names (the VCF columns).
    names: (String, Option<String>),
    calls: CallStage,
    msi: MsiStage,
    qc: QcStage,
    structural: StructuralPlan,
    tmb: TmbPlan,
    annotation: Annotation,
    report: Option<ReportContext>,
    outdir: OutdirState,
    clock: Clock,
    settings_digest: String,
}

/// What a run returns.
pub struct RunOutcome {
    /// `results.json`.
    pub results: RunResults,
    /// `report.json`, with a cancer type.
    pub report: Option<Report>,
    /// `run_manifest.json`.
    pub manifest: crate::types::manifest::RunManifest,
}

/// Every stage's state after the last shard, with the engine's counters.
struct Gathered<'p, X: Stage + 'p> {
    calls: CallState<'p>,
    msi: MsiCounts,
    qc: QcState,
    structural: StructuralState,
    extra: X::State<'p>,
    stats: RunStats,
    /// The alignment inputs' digests (`--input-checksums`), in input order.
    input_digests: Vec<Option<String>>,
}

/// The finished stages of a run: what its files and documents are made of.
struct RunStages {
    calls: CallSet,
    msi: MsiOutcome,
    structural: StructuralOutcome,
    purity: PurityResult,
    tmb: TmbResult,
    qc: QcResult,
    /// Every warning, in the order the report lists them.
    warnings: Vec<String>,
}

impl RunPlan {
    /// The pass and every output.
    pub fn execute(self) -> Result<RunOutcome> {
        self.execute_with(NoStage).map(|(outcome, ())| outcome)
    }

    /// The pass with one more stage: its observer sees the same pass, its `finish` gets the
    /// run's results, and its output is written as `<NAME>.json` and recorded in the manifest.
    pub fn execute_with<X>(mut self, extra: X) -> Result<(RunOutcome, X::Output)>
    where
        X: for<'c> Stage<Context<'c> = &'c RunResults>,
        X::Output: serde::Serialize,
    {
        let mut clock = std::mem::take(&mut self.clock);
        let id = RunIdentity::new();
        self.outdir.claim(&[])?;
        clock.lap("validate");
        let g = self.pass(&extra)?;
        clock.lap("pileup");
        self.qc
            .check_reference(&g.qc, &self.input_infos(), self.reference_path())?;
        let mut calls = self.calls.finish(g.calls, ())?;
        let mut purity = initial_purity(&calls.calls, calls.finalized.germline.as_ref());
        let structural = self.structural.finish(
            g.structural,
            StructuralContext {
                contig_names: &self.calls.contig_names,
                vaf_purity: &|within: Option<&[Region]>| {
                    vaf_purity_within(&calls.calls, purity.vaf_estimate, within)
                },
                models: &self.annotation.models,
                preferred: &self.annotation.preferred,
                tumor_qc: g.qc.counts.samples.first(),
                reference: Some(self.reference()),
            },
        )?;
        merge_copy_number_purity(&mut purity, structural.purity.as_ref());
        self.calls
            .reclassify(&mut calls, structural.copy_number.as_ref());
        log::info(&calls.finalized.orientation.describe());
        let tmb = self.tmb.tmb(
            &calls.calls,
            g.qc.callable_bases(),
            &self.annotation,
            self.reference(),
            &self.calls.contig_names,
        );
        clock.lap("structural");
        let msi = self.msi.finish(g.msi, ())?;
        let callable = g.qc.callable.clone();
        let qc = self.qc.finish(
            g.qc,
            QcContext {
                inputs: self.input_infos(),
                unmapped: &g.stats.unmapped,
                damage: &calls.damage,
                filtered: calls.finalized.orientation.filtered,
                low_purity: purity.low_purity,
            },
        )?;
        let stages = self.collect(calls, msi, structural, purity, tmb, qc);
        let mut manifest = self.manifest(&id);
        self.write_pass_outputs(&id, &stages, &callable, &mut manifest)?;
        let provenance = self.provenance(&g.input_digests, &mut manifest)?;
        let results = self.results(&id, &stages, provenance);
        crate::io::json::write_document(&OutputFile::Results.path(&self.opts.outdir), &results)?;
        manifest.output(OutputFile::Results)?;
        clock.lap("finalize");
        log_summary(&results);
        let report = self.report_stage(&results, &stages, &mut manifest)?;
        if report.is_some() {
            clock.lap("report");
        }
        let extra_out = extra.finish(g.extra, &results)?;
        if !X::NAME.is_empty() {
            self.write_extra(X::NAME, &extra_out, &mut manifest)?;
        }
        self.write_metrics(&results, &g.stats, &clock, &mut manifest)?;
        let manifest = manifest.finish()?;
        let outcome = RunOutcome {
            results,
            report,
            manifest,
        };
        Ok((outcome, extra_out))
    }

    /// The one read of each BAM: every stage's observer over every shard, each shard's
    /// partials added to the stages' states in genome order; the inputs' MD5s alongside.
    fn pass<'p, X: Stage>(&'p self, extra: &'p X) -> Result<Gathered<'p, X>> {
        if self.opts.normal.is_none() {
            log::warn("tumor-only mode: without a matched normal, germline variants are removed by the population resource and by their allele fraction given the purity and copy number; precision is lower");
        }
        let observer = RunObserver {
            call: self.calls.observer(),
            msi: self.msi.observer(),
            qc: self.qc.observer(),
            structural: self.structural.observer(),
            extra: extra.observer(),
        };
        let mut calls = self.calls.state()?;
        let mut msi = self.msi.state()?;
        let mut qc = self.qc.state()?;
        let mut structural = Stage::state(&self.structural)?;
        let mut x = extra.state()?;
        let paths: Vec<PathBuf> = self.input_infos().iter().map(|i| i.path.clone()).collect();
        let algorithm = self.opts.input_checksums;
        let (stats, input_md5) = engine::run_with(
            &self.inputs.pass,
            &observer,
            |shard, part| {
                self.calls.add(&mut calls, shard, part.call)?;
                self.msi.add(&mut msi, shard, part.msi)?;
                self.qc.add(&mut qc, shard, part.qc)?;
                self.structural
                    .add(&mut structural, shard, part.structural)?;
                extra.add(&mut x, shard, part.extra)
            },
            move || -> Result<Vec<Option<String>>> {
                paths.iter().map(|p| input_digest(p, algorithm)).collect()
            },
        )?;
        Ok(Gathered {
            calls,
            msi,
            qc,
            structural,
            extra: x,
            stats,
            input_digests: input_md5?,
        })
    }

    /// The one pass alone (every stage's observer over every shard and the in-order gather,
    /// none of the finishing work nor any output): what `benches/run.rs` times per record.
    #[doc(hidden)]
    pub fn pass_only(&self) -> Result<RunStats> {
        Ok(self.pass(&NoStage)?.stats)
    }

    /// The finished stages with their warnings, in the order the report lists them.
    fn collect(
        &self,
        calls: CallSet,
        msi: MsiOutcome,
        structural: StructuralOutcome,
        purity: PurityResult,
        tmb: TmbResult,
        qc: qc::QcOutcome,
    ) -> RunStages {
        let mut warnings: Vec<String> = Vec::new();
        if self.opts.normal.is_none() {
            warnings.push("tumor-only mode: no matched normal; germline variants are separated by population frequency and by allele fraction given purity and copy number, precision is lower".into());
        }
        warnings.extend(purity_warning(&purity));
        if let Some(cn) = &structural.copy_number {
            warnings.extend(cn.warnings.iter().cloned());
        }
        if let Some(sv) = &structural.sv {
            warnings.extend(sv.warnings.iter().cloned());
        }
        if let Some(w) = calls
            .finalized
            .germline
            .as_ref()
            .and_then(|m| m.warning.clone())
        {
            warnings.push(w);
        }
        warnings.extend(tmb.warnings.iter().cloned());
        warnings.extend(msi.warnings.iter().cloned());
        warnings.extend(qc.warnings);
        for w in &warnings {
            log::warn(w);
        }
        RunStages {
            calls,
            msi,
            structural,
            purity,
            tmb,
            qc: qc.result,
            warnings,
        }
    }

    fn input_infos(&self) -> Vec<&crate::types::source::InputInfo> {
        (0..self.inputs.len())
            .map(|i| self.inputs.info(i))
            .collect()
    }
}

/// The stderr line that sums a run up: what the report says (a biomarker that is not evaluable
/// is called so, its number marked as QC only).
fn log_summary(results: &RunResults) {
    let t = &results.tmb;
    let tmb = if t.evaluable {
        format!("TMB {:.2}/Mb ({})", t.per_mb, t.class.as_str())
    } else {
        format!(
            "TMB not evaluable ({:.2}/Mb over {:.3} callable Mb, for QC only)",
            t.per_mb, t.callable_mb
        )
    };
    let msi = match &results.msi {
        Some(m) if m.evaluable => format!("MSI {}", m.status.as_str()),
        Some(m) => format!("MSI not evaluable ({} site(s) tested)", m.sites_tested),
        None => "MSI not assessed".into(),
    };
    log::info(&format!(
        "{tmb}, {msi}, purity {}, QC {}",
        results
            .purity
            .estimate
            .map(|p| format!("{p:.2}"))
            .unwrap_or_else(|| "n/a".into()),
        results.qc.verdict.as_str()
    ));
}

/// Validates, then runs.
pub fn run(opts: RunOptions) -> Result<RunOutcome> {
    opts.validate()?.execute()
}
