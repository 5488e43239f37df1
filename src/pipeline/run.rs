//! `run`: the whole pass over tumor (and normal) — somatic calls, TMB, MSI, purity, QC — in ONE
//! read of each BAM, then (with a cancer type) the tiered report, all into one output directory.
//!
//! [`RunOptions::validate`] checks every input first (reference, alignments, tumor/normal
//! distinctness, cancer type, KB, transcript models, microsatellite sites, MSI baseline,
//! resources, exclusion BED, output directory); [`RunPlan::execute`] makes the pass and writes
//! `calls.vcf.gz` (+ `.tbi`), `msi_histograms.tsv`, `callable.bed` (optional), `results.json`,
//! `report.json` + `report.html` (with a cancer type), `metrics.json`, and `run_manifest.json`
//! last.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::metrics::{Clock, MetricsBuilder};
use super::outdir::{inspect, new_run_id, now_utc, Manifest, OutdirState, OutputFile};
use super::prepare::{InputOptions, Inputs};
use super::report::{build_report, source_from_results, write_report, ReportContext};
use super::structural::{
    self, analyze_structural, write_structural, StructuralContext, StructuralPlan,
};
use crate::clinical::annotate::{coding_class, Annotator};
use crate::engine;
use crate::error::{fail, ExitKind};
use crate::io::{
    bed::read_bed,
    json::{write_document, write_json},
    mslist::{read_baseline, read_sites, write_histograms},
    output::{file_record, md5_file, AtomicOutput},
    resource::{open_resource, ResourceLookups, VcfResource},
    vcf::{write_vcf, VcfMeta, VcfOutputType},
    vcf_input::InputVariant,
};
use crate::log;
use crate::somatic::cnv::{PurityChoice, PuritySource, VafScope};
use crate::somatic::{
    biomarkers::{
        coding_split, purity, purity_warning, tmb_counted, tmb_excluding, TmbScope, TmbSettings,
    },
    evidence::{CallObserver, CallSettings, DamageCounts},
    filters::{finalize, TumorOnly},
    germline::{LocalCn, ModelPurity},
    model::phred_to_err,
    msi::{
        msi_warning, score, sites_in_regions, Baseline, MsSite, MsiCounts, MsiObserver,
        MsiReference, MsiThresholds, SiteSource, READ_WINDOW,
    },
    pass::RunObserver,
    qc::{
        combine, identity, orientation_bias as orientation_metric, summarize, verdict, QcObserver,
        QcPartial,
    },
    Call, VarKind,
};
use crate::types::report::Report;
use crate::types::results::{
    CallsSummary, InputRecord, Mode, Provenance, RunResults, Samples, VariantRecord, RESULTS_KIND,
    RESULTS_SCHEMA_VERSION,
};
use crate::types::{round, ContigId, Pos1, Region};

/// What `run` is asked to do (flags, unvalidated).
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Tumor BAM/CRAM.
    pub tumor: PathBuf,
    /// Matched normal (None: tumor-only).
    pub normal: Option<PathBuf>,
    /// Name of the analysis in metrics, MultiQC files and batch summaries (None: the tumor's
    /// sample name).
    pub sample_id: Option<String>,
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
    pub case: super::clinical_inputs::CaseOptions,
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
    /// MD5 of the alignment inputs (computed alongside the pass).
    pub input_checksums: bool,
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
            max_population_af: 0.01,
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
            input_checksums: true,
            metrics: None,
        }
    }
}

/// A validated run: every input opened and checked, nothing written yet.
pub struct RunPlan {
    opts: RunOptions,
    inputs: Inputs,
    /// The `--ms-sites` list (None: sites scanned per shard).
    sites: Option<Vec<MsSite>>,
    baseline: Option<Baseline>,
    germline: Option<VcfResource>,
    pon: Option<VcfResource>,
    exclude: Vec<Region>,
    structural: StructuralPlan,
    report: Option<ReportContext>,
    models: Vec<crate::types::transcript::Transcript>,
    preferred: std::collections::HashSet<String>,
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

fn check_fraction(name: &str, v: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&v) || v.is_nan() {
        return Err(fail(
            ExitKind::Usage,
            format!("{name} {v} must be between 0 and 1"),
        ));
    }
    Ok(())
}

impl RunOptions {
    /// MD5 of every option that can change the results, with the tool version: the same digest
    /// means the same analysis of the same inputs. Threads, shard size, logging, the output
    /// directory, `--force` and `--metrics` are left out (outputs never depend on them).
    pub fn settings_digest(&self) -> String {
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

    /// Checks every input and option; opens the alignments, the reference and the resources;
    /// reads sites, baseline and the KB. Nothing is written and no BAM record is read.
    pub fn validate(self) -> Result<RunPlan> {
        let clock = Clock::new();
        let settings_digest = self.settings_digest();
        log::set_quiet(self.inputs.quiet);
        if self.inputs.reference.is_none() {
            return Err(fail(
                ExitKind::Usage,
                "run needs --reference (the FASTA the reads were aligned to)",
            ));
        }
        check_fraction("--tmb-min-vaf", self.tmb_min_vaf)?;
        check_fraction("--min-identity", self.min_identity)?;
        check_fraction("--max-population-af", self.max_population_af)?;
        if self.msi.mss > self.msi.msi_h {
            return Err(fail(
                ExitKind::Usage,
                format!(
                    "--mss-score {} must not exceed --msi-h-score {}",
                    self.msi.mss, self.msi.msi_h
                ),
            ));
        }
        // cheap checks first: the clinical inputs and the output directory
        let report = match &self.cancer_type {
            Some(ct) => Some(ReportContext::load(
                ct,
                self.kb.as_deref(),
                self.gff.as_deref(),
                self.transcripts.as_deref(),
                &super::report::ReportSettings {
                    case: &self.case,
                    scope: &self.scope,
                    lang: &self.lang,
                    trials: self.trials.as_deref(),
                },
            )?),
            None => {
                if self.kb.is_some() {
                    log::warn("--kb is used only with --cancer-type (the report); ignored");
                }
                None
            }
        };
        let (models, preferred) = match &report {
            Some(r) => (r.models.clone(), r.preferred.clone()),
            None => super::clinical_inputs::load_models(
                self.gff.as_deref(),
                self.transcripts.as_deref(),
            )?,
        };
        let outdir = inspect(&self.outdir, self.force, None)?;
        // the alignments, reference and regions
        let (opts_in, inputs) = self
            .inputs
            .prepare_somatic(&self.tumor, self.normal.as_deref())?;
        if let (Some(g), Some(r)) = (&self.gff, &inputs.reference) {
            super::clinical_inputs::check_models(&models, g, r)?;
        }
        let pass = &inputs.pass;
        let sites = match &self.ms_sites {
            Some(p) => Some(sites_in_regions(
                read_sites(p, &pass.contigs)?.0,
                &pass.regions,
            )),
            None => None,
        };
        let baseline = match (&self.normal, &self.msi_baseline) {
            (None, Some(b)) => {
                let base = read_baseline(b, &pass.contigs)?;
                let covered = base.keys().filter(|(c, p)| match &sites {
                    Some(list) => list.iter().any(|s| s.contig == *c && s.start == *p),
                    None => pass.regions.iter().any(|r| r.contains(*c, *p)),
                });
                if covered.count() == 0 {
                    return Err(fail(
                        ExitKind::Data,
                        format!(
                            "MSI baseline '{}' covers none of the microsatellite sites of this run (none of its sites lies in the processed regions{}): it was built for other regions or another site list; rebuild it with `oncostream msi-baseline`",
                            b.display(),
                            if sites.is_some() { " and the --ms-sites list" } else { "" }
                        ),
                    ));
                }
                Some(base)
            }
            (Some(_), Some(_)) => {
                log::warn("--msi-baseline is used only without --normal; the matched normal is the MSI reference");
                None
            }
            _ => None,
        };
        let germline = self
            .germline_resource
            .as_deref()
            .map(|p| open_resource(p, "germline resource", &pass.contigs))
            .transpose()?;
        let pon = self
            .panel_of_normals
            .as_deref()
            .map(|p| open_resource(p, "panel of normals", &pass.contigs))
            .transpose()?;
        let exclude = match &self.tmb_exclude {
            Some(p) => read_bed(p, &pass.contigs)?
                .into_iter()
                .map(|b| b.region)
                .collect(),
            None => Vec::new(),
        };
        let cnv_reference = match (&self.normal, &self.cnv_reference, &self.panel_of_normals) {
            (Some(_), Some(_), _) => {
                log::warn("--cnv-reference is used only without --normal; the matched normal is the copy-number reference");
                None
            }
            (None, Some(p), _) => Some(p.clone()),
            (None, None, Some(pon)) => {
                let c = structural::companion_cnv_reference(pon);
                c.exists().then(|| {
                    log::info(&format!(
                        "copy-number reference: {} (beside the panel of normals)",
                        c.display()
                    ));
                    c
                })
            }
            _ => None,
        };
        let structural = if self.structural {
            StructuralPlan::new(
                &inputs,
                self.cnv_bin_size,
                cnv_reference.as_deref(),
                self.mappability.as_deref(),
                self.normal.is_none(),
            )?
        } else {
            StructuralPlan::disabled(&inputs, self.normal.is_none())
        };
        let mut opts = self;
        opts.inputs = opts_in;
        opts.cnv_reference = cnv_reference;
        Ok(RunPlan {
            opts,
            inputs,
            sites,
            baseline,
            germline,
            pon,
            exclude,
            structural,
            report,
            models,
            preferred,
            outdir,
            clock,
            settings_digest,
        })
    }
}

impl RunPlan {
    /// The pass and every output.
    pub fn execute(mut self) -> Result<RunOutcome> {
        let o = &self.opts;
        let started = now_utc();
        let run_id = new_run_id();
        let tumor_only = o.normal.is_none();
        let pass = &self.inputs.pass;
        let n_samples = pass.inputs.len();
        let contig_names = self.inputs.contig_names();
        let reference_path = o.inputs.reference.clone().expect("validated");
        self.outdir.claim(&[])?;
        self.clock.lap("validate");
        if tumor_only {
            log::warn("tumor-only mode: without a matched normal, germline variants are removed by the population resource and by their allele fraction given the purity and copy number; precision is lower");
        }
        let observer = RunObserver {
            call: CallObserver {
                settings: CallSettings {
                    min_base_quality: o.inputs.min_base_quality,
                    ref_error: phred_to_err(30),
                    has_normal: !tumor_only,
                    ..CallSettings::default()
                },
                n_samples,
            },
            msi: MsiObserver {
                sites: match &self.sites {
                    Some(list) => SiteSource::List(list),
                    None => SiteSource::Scan,
                },
                n_samples,
                min_mapq: 0,
                read_window: READ_WINDOW,
                contigs: self.inputs.biomarker_contigs.clone(),
            },
            qc: QcObserver {
                n_samples,
                min_tumor_depth: o.callable_tumor_depth,
                min_normal_depth: o.callable_normal_depth,
                callable_contigs: self.inputs.biomarker_contigs.clone(),
            },
            cnv: self.structural.cnv_observer(),
            sv: self.structural.sv_observer(),
        };
        let mut sv_state = self.structural.state();
        let mut calls: Vec<Call> = Vec::new();
        let mut damage = vec![DamageCounts::default(); n_samples];
        let mut msi_counts = MsiCounts::default();
        let mut qc = QcPartial::default();
        let mut callable: Vec<(ContigId, u64, u64)> = Vec::new();
        let paths: Vec<PathBuf> = (0..n_samples)
            .map(|i| self.inputs.info(i).path.clone())
            .collect();
        let want_md5 = o.input_checksums;
        let mut lookups = ResourceLookups::new(self.germline.as_ref(), self.pon.as_ref())?;
        let (stats, input_md5) = engine::run_with(
            pass,
            &observer,
            |shard, mut part| {
                lookups.annotate(
                    &contig_names[shard.core.contig.index()],
                    &mut part.call.calls,
                )?;
                calls.extend(part.call.calls);
                for (d, x) in damage.iter_mut().zip(&part.call.damage) {
                    d.add(x);
                }
                msi_counts.add(part.msi);
                combine(&mut qc, part.qc, &mut callable);
                sv_state.add(part.cnv, part.sv);
                Ok(())
            },
            move || -> Result<Vec<Option<String>>> {
                paths
                    .iter()
                    .map(|p| want_md5.then(|| md5_file(p)).transpose())
                    .collect()
            },
        )?;
        let input_md5 = input_md5?;
        self.clock.lap("pileup");
        // reads against another reference of the same length (no @SQ M5 to catch it): stop
        // before any result is written
        for (i, q) in qc.samples.iter().enumerate() {
            if let Some(rate) = crate::somatic::qc::reference_mismatch(q) {
                if rate > crate::somatic::qc::MAX_REFERENCE_MISMATCH {
                    let info = self.inputs.info(i);
                    return Err(fail(
                        ExitKind::Data,
                        format!(
                            "{:.0}% of the aligned bases of '{}' (sample {}) differ from the reference '{}' (expected below {:.0}%): the reads were aligned to another reference; pass the FASTA they were aligned to (nothing was written)",
                            100.0 * rate,
                            info.path.display(),
                            info.sample,
                            o.inputs
                                .reference
                                .as_deref()
                                .map(|p| p.display().to_string())
                                .unwrap_or_default(),
                            100.0 * crate::somatic::qc::MAX_REFERENCE_MISMATCH
                        ),
                    ));
                }
            }
        }

        // genome-order filters and resources; tumor-only: germline classification, first
        // with diploid copy number and the purity of the candidates' allele fractions
        let diploid = |_: &Call| None;
        let first = TumorOnly {
            purity: ModelPurity::Estimate,
            local_cn: &diploid,
        };
        let mut finalized = finalize(
            &mut calls,
            o.max_population_af,
            tumor_only.then_some(&first),
            damage.first(),
        );
        let mut warnings: Vec<String> = Vec::new();
        if tumor_only {
            warnings.push("tumor-only mode: no matched normal; germline variants are separated by population frequency and by allele fraction given purity and copy number, precision is lower".into());
        }
        // purity (somatic VAF), then copy number and rearrangements, whose fit may replace it
        let all: Vec<&Call> = calls.iter().collect();
        let mut pur = purity(&all);
        // tumor-only: the classification estimated the purity jointly with the germline
        // clusters (the PASS calls alone lose the somatic variants it filtered); one number
        if let Some(m) = finalized.germline.as_ref() {
            if let (Some(p), "allele_fractions") = (m.purity, m.purity_source.as_str()) {
                pur.estimate = Some(p);
                pur.vaf_estimate = Some(p);
                pur.clonal_vaf_peak = Some((p * 50.0).round() / 100.0);
                pur.variants_used = m.candidates;
                pur.method = "tumor_only_germline_somatic_mixture".into();
                pur.low_purity = p < crate::somatic::biomarkers::LOW_PURITY;
                pur.note = Some("tumor-only: estimated with the germline/somatic classification, from the clonal somatic allele fraction beside the germline heterozygous (0.5) and homozygous ones".into());
            }
        }
        let vaf_purity = |within: Option<&[Region]>| -> Option<f64> {
            match within {
                None => pur.vaf_estimate,
                Some(regions) => {
                    let inside: Vec<&Call> = calls
                        .iter()
                        .filter(|c| regions.iter().any(|r| r.contains(c.contig, c.pos)))
                        .collect();
                    purity(&inside).estimate
                }
            }
        };
        let structural = analyze_structural(
            &self.structural,
            sv_state,
            &StructuralContext {
                contig_names: &contig_names,
                vaf_purity: &vaf_purity,
                models: &self.models,
                preferred: &self.preferred,
                tumor_qc: qc.samples.first(),
            },
        );
        merge_purity(&mut pur, structural.purity.as_ref());
        warnings.extend(purity_warning(&pur));
        if let Some(cn) = &structural.copy_number {
            warnings.extend(cn.warnings.iter().cloned());
        }
        if let Some(sv) = &structural.sv {
            warnings.extend(sv.warnings.iter().cloned());
        }
        // tumor-only with an identifiable copy-number fit: classify again with its purity and
        // the local copy number of each call
        if tumor_only {
            if let Some(cn) = structural.copy_number.as_ref() {
                if let Some(fit) = cn.fit.as_ref().filter(|f| f.identifiable) {
                    let local = |c: &Call| {
                        local_copy_number(
                            &cn.segments,
                            &contig_names[c.contig.index()],
                            c.pos.get(),
                        )
                    };
                    let second = TumorOnly {
                        purity: ModelPurity::Given(fit.purity),
                        local_cn: &local,
                    };
                    finalized = finalize(
                        &mut calls,
                        o.max_population_af,
                        Some(&second),
                        damage.first(),
                    );
                }
            }
        }
        log::info(&finalized.orientation.describe());
        let germline_model = finalized.germline.clone();
        if let Some(w) = germline_model.as_ref().and_then(|m| m.warning.clone()) {
            warnings.push(w);
        }
        // TMB
        let settings = TmbSettings {
            min_vaf: o.tmb_min_vaf,
            min_tumor_depth: o.callable_tumor_depth,
            min_normal_depth: o.callable_normal_depth,
        };
        let callable_bases: u64 = callable.iter().map(|(_, s, e)| e - s).sum();
        let scope = TmbScope {
            contigs: &self.inputs.biomarker_contigs,
            exclude: &self.exclude,
        };
        let mut tmb = tmb_excluding(&calls, &scope, callable_bases, settings);
        if !self.models.is_empty() {
            let r = self.inputs.reference.as_ref().expect("run has a reference");
            let annotator = Annotator::new(&self.models, &self.preferred, r);
            let counted = tmb_counted(&calls, &scope, o.tmb_min_vaf);
            coding_split(&mut tmb, &counted, |c| {
                annotator
                    .annotate(
                        &contig_names[c.contig.index()],
                        c.pos.to_pos1().get(),
                        &c.ref_allele,
                        &c.alt_allele,
                    )
                    .map(|a| coding_class(&a))
                    .unwrap_or(crate::somatic::biomarkers::CodingClass::Other)
            });
        }
        warnings.extend(tmb.warnings.iter().cloned());
        self.clock.lap("structural");
        // MSI
        let msi = if !tumor_only {
            Some(score(
                &msi_counts,
                &contig_names,
                0,
                MsiReference::Sample(1),
                &o.msi,
            ))
        } else if let Some(base) = &self.baseline {
            Some(score(
                &msi_counts,
                &contig_names,
                0,
                MsiReference::Baseline(base),
                &o.msi,
            ))
        } else {
            warnings.push("MSI not assessed: tumor-only run without --msi-baseline".into());
            None
        };
        if let Some(m) = &msi {
            warnings.extend(msi_warning(m));
        }
        // QC
        let filtered = finalized.orientation.filtered;
        let samples: Vec<_> = (0..n_samples)
            .map(|i| {
                let q = qc.samples.get(i).cloned().unwrap_or_default();
                let mut s = summarize(&self.inputs.info(i).sample, &q, stats.unmapped[i]);
                let f = if i == 0 { filtered } else { [0, 0] };
                s.orientation_bias = Some(orientation_metric(&damage[i], &q, f));
                s
            })
            .collect();
        for s in &samples {
            if let Some(b) = &s.orientation_bias {
                for (name, m, what) in [
                    ("FFPE deamination", &b.deamination, "C>T/G>A"),
                    ("oxidative (8-oxoG)", &b.oxog, "G>T/C>A"),
                ] {
                    if m.damaged {
                        warnings.push(format!(
                            "{name} damage in '{}': {:.0}% of {what} substitutions in the damaged read orientation, {:.0} excess per million bases; {} calls filtered as orientation artifacts; low-allele-fraction {what} calls need orthogonal confirmation",
                            s.sample,
                            100.0 * m.orientation_ratio.unwrap_or(0.0),
                            m.excess_per_million.unwrap_or(0.0),
                            m.calls_filtered
                        ));
                    }
                }
            }
        }
        let ident =
            (!tumor_only).then(|| identity(qc.identity_sites, qc.identity_shared, o.min_identity));
        if let Some((_, Some(w))) = &ident {
            warnings.push(w.clone());
        }
        let qc = verdict(samples, ident, pur.low_purity);
        // outputs
        let dir = &o.outdir;
        let mut manifest = Manifest::new(&self.outdir, &run_id, "run", &started);
        let (tumor_name, normal_name) = self.inputs.tumor_normal_names();
        manifest.samples(&tumor_name, normal_name.as_deref());
        manifest.analysis(o.sample_id.as_deref(), &self.settings_digest);
        let mode = if tumor_only {
            Mode::TumorOnly
        } else {
            Mode::TumorNormal
        };
        let mut extra = vec![
            (
                "oncostream_command".to_string(),
                std::env::args().collect::<Vec<_>>().join(" "),
            ),
            ("oncostream_mode".into(), mode.as_str().into()),
            ("oncostream_run_id".into(), run_id.clone()),
        ];
        if let Some(m) = &germline_model {
            extra.push((
                "oncostream_germline_model".into(),
                super::call::germline_model_header(m),
            ));
        }
        for w in &warnings {
            extra.push((
                "oncostream_warning".into(),
                format!("\"{}\"", w.replace('"', "'")),
            ));
        }
        write_vcf(
            &OutputFile::CallsVcf.path(dir),
            VcfOutputType::Bgzf,
            &VcfMeta {
                contigs: &pass.contigs,
                reference: &reference_path,
                tumor: &tumor_name,
                normal: normal_name.as_deref(),
                extra,
            },
            &calls,
        )?;
        manifest.output(OutputFile::CallsVcf)?;
        manifest.output(OutputFile::CallsVcfIndex)?;
        let rows = msi_counts.rows(&self.inputs.sample_names());
        write_histograms(
            &OutputFile::MsiHistograms.path(dir),
            &msi_counts.sites,
            &pass.contigs,
            &rows,
        )?;
        manifest.output(OutputFile::MsiHistograms)?;
        write_structural(
            dir,
            &structural,
            &VcfMeta {
                contigs: &pass.contigs,
                reference: &reference_path,
                tumor: &tumor_name,
                normal: normal_name.as_deref(),
                extra: vec![
                    ("oncostream_mode".into(), mode.as_str().into()),
                    ("oncostream_run_id".into(), run_id.clone()),
                ],
            },
            self.inputs.reference.as_ref().expect("run has a reference"),
            &mut manifest,
        )?;
        if o.callable_bed {
            use std::io::Write;
            let mut out = AtomicOutput::create(&OutputFile::CallableBed.path(dir))?;
            for (c, s, e) in &callable {
                writeln!(out, "{}\t{s}\t{e}", pass.contigs[*c].name)?;
            }
            out.commit()?;
            manifest.output(OutputFile::CallableBed)?;
        }
        // provenance
        let with_md5 = |p: &Option<PathBuf>| p.as_deref().map(|p| file_record(p, true)).transpose();
        let provenance = Provenance {
            reference: self
                .inputs
                .reference
                .as_ref()
                .expect("run has a reference")
                .record()?,
            targets: with_md5(&o.inputs.targets)?,
            ms_sites: with_md5(&o.ms_sites)?,
            msi_baseline: if tumor_only {
                with_md5(&o.msi_baseline)?
            } else {
                None
            },
            germline_resource: with_md5(&o.germline_resource)?,
            panel_of_normals: with_md5(&o.panel_of_normals)?,
            cnv_reference: if tumor_only {
                with_md5(&o.cnv_reference)?
            } else {
                None
            },
            tmb_exclude: with_md5(&o.tmb_exclude)?,
            mappability: with_md5(&o.mappability)?,
            gff: with_md5(&o.gff)?,
            inputs: (0..n_samples)
                .map(|i| {
                    let info = self.inputs.info(i);
                    InputRecord {
                        role: if i == 0 { "tumor" } else { "normal" }.into(),
                        path: info.path.display().to_string(),
                        size: info.size,
                        format: info.format,
                        sample: info.sample.clone(),
                        md5: input_md5[i].clone(),
                    }
                })
                .collect(),
        };
        for i in &provenance.inputs {
            manifest.input(&i.role, &i.path, i.size, i.md5.clone());
        }
        manifest.input(
            "reference",
            &provenance.reference.path,
            provenance.reference.size,
            None,
        );
        for (role, f) in [
            ("targets", &provenance.targets),
            ("ms_sites", &provenance.ms_sites),
            ("msi_baseline", &provenance.msi_baseline),
            ("germline_resource", &provenance.germline_resource),
            ("panel_of_normals", &provenance.panel_of_normals),
            ("cnv_reference", &provenance.cnv_reference),
            ("tmb_exclude", &provenance.tmb_exclude),
            ("mappability", &provenance.mappability),
            ("gff", &provenance.gff),
        ] {
            if let Some(f) = f {
                manifest.input(role, &f.path, f.size, f.md5.clone());
            }
        }
        let pass_calls: Vec<&Call> = calls.iter().filter(|c| c.is_pass()).collect();
        let results = RunResults {
            kind: RESULTS_KIND.into(),
            schema_version: RESULTS_SCHEMA_VERSION,
            run_id: run_id.clone(),
            tool: "oncostream".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            created: started.clone(),
            command: std::env::args().collect::<Vec<_>>().join(" "),
            mode,
            samples: Samples {
                tumor: tumor_name.clone(),
                normal: normal_name.clone(),
            },
            provenance,
            tmb,
            msi,
            purity: pur,
            germline_model,
            copy_number: structural.copy_number.clone(),
            structural_variants: structural.sv.clone(),
            not_assessed: structural.not_assessed.clone(),
            qc,
            calls: CallsSummary {
                records: calls.len(),
                pass: pass_calls.len(),
                pass_snv: pass_calls.iter().filter(|c| c.kind == VarKind::Snv).count(),
                pass_indel: pass_calls.iter().filter(|c| c.kind != VarKind::Snv).count(),
                vcf: "calls.vcf.gz".into(),
            },
            variants: pass_calls
                .iter()
                .map(|c| VariantRecord {
                    chrom: contig_names[c.contig.index()].clone(),
                    pos: c.pos.to_pos1(),
                    ref_allele: c.ref_allele.clone(),
                    alt: c.alt_allele.clone(),
                    kind: c.kind,
                    tumor_af: round(c.tumor.af(), 4),
                    tumor_depth: c.tumor.depth,
                    tumor_alt: c.tumor.alt_count,
                    normal_af: c.normal.as_ref().map(|n| round(n.af(), 4)),
                    normal_depth: c.normal.as_ref().map(|n| n.depth),
                    normal_alt: c.normal.as_ref().map(|n| n.alt_count),
                    tlod: round(c.tlod, 2),
                    population_af: c.pop_af,
                })
                .collect(),
            warnings: warnings.clone(),
        };
        write_document(&OutputFile::Results.path(dir), &results)?;
        manifest.output(OutputFile::Results)?;
        self.clock.lap("finalize");
        for w in &warnings {
            log::warn(w);
        }
        log::info(&format!(
            "TMB {:.2}/Mb ({}), MSI {}, purity {}, QC {}",
            results.tmb.per_mb,
            results.tmb.class.as_str(),
            results
                .msi
                .as_ref()
                .map(|m| m.status.as_str())
                .unwrap_or("not assessed"),
            results
                .purity
                .estimate
                .map(|p| format!("{p:.2}"))
                .unwrap_or_else(|| "n/a".into()),
            results.qc.verdict.as_str()
        ));
        let report = match &self.report {
            Some(ctx) => {
                let vcf_rec = file_record(&OutputFile::CallsVcf.path(dir), true)?;
                let mut src = source_from_results(
                    &results,
                    report_variants(&calls, &contig_names),
                    vcf_rec,
                    Some(file_record(&OutputFile::Results.path(dir), true)?),
                    results.provenance.gff.clone(),
                );
                src.germline = if results.samples.normal.is_some() {
                    Ok(germline_candidates(
                        &calls,
                        &contig_names,
                        "normal_artifact",
                    ))
                } else {
                    src.germline_like = germline_candidates(&calls, &contig_names, "germline_af");
                    Err("tumor-only analysis: no matched normal".into())
                };
                let r = self.inputs.reference.as_ref().expect("run has a reference");
                let rep = build_report(ctx, src, r);
                manifest.kb(&rep.kb.version);
                manifest.input("kb", &rep.kb.path, 0, Some(rep.kb.md5.clone()));
                write_report(dir, &rep, &mut manifest)?;
                log::info(&format!(
                    "{} findings; highest level {}; expert panel priority: {}",
                    rep.findings.len(),
                    rep.highest_level.as_deref().unwrap_or("none"),
                    rep.expert_panel.priority.as_str()
                ));
                self.clock.lap("report");
                Some(rep)
            }
            None => None,
        };
        let m = MetricsBuilder::build(
            "run",
            o.sample_id.as_deref().unwrap_or(&tumor_name),
            pass,
            &stats,
            &self.clock,
        );
        write_document(&OutputFile::Metrics.path(dir), &m)?;
        manifest.output(OutputFile::Metrics)?;
        if let Some(p) = &o.metrics {
            write_document(p, &m)?;
        }
        use crate::report::multiqc;
        write_json(
            &OutputFile::MultiqcGeneral.path(dir),
            &multiqc::general(
                &m.sample,
                &results,
                &super::report::measured_tmb(&results.tmb),
                results
                    .msi
                    .as_ref()
                    .map(super::report::measured_msi)
                    .as_ref(),
            ),
        )?;
        manifest.output(OutputFile::MultiqcGeneral)?;
        write_json(
            &OutputFile::MultiqcThroughput.path(dir),
            &multiqc::throughput(&m),
        )?;
        manifest.output(OutputFile::MultiqcThroughput)?;
        let manifest = manifest.finish()?;
        Ok(RunOutcome {
            results,
            report,
            manifest,
        })
    }
}

/// The tumor copy number at a position from the copy-number segments (None outside them or
/// where the segment has no integer copy numbers).
fn local_copy_number(
    segments: &[crate::types::cnv::CnSegment],
    chrom: &str,
    pos: u64,
) -> Option<LocalCn> {
    let s = segments
        .iter()
        .find(|s| s.chrom == chrom && s.start <= pos && pos < s.end)?;
    let (total, minor) = (s.total_cn?, s.minor_cn?);
    (total > 0).then_some(LocalCn {
        total,
        minor: minor.min(total),
    })
}

/// Records the copy-number fit in the purity block and lets it win when it was identifiable.
fn merge_purity(pur: &mut crate::types::results::PurityResult, cn: Option<&PurityChoice>) {
    use crate::types::results::PuritySource as S;
    let Some(c) = cn else {
        return;
    };
    pur.copy_number_estimate = c.cn_purity.map(|p| round(p, 2));
    pur.copy_number_identifiable = Some(c.cn_identifiable);
    pur.ploidy = c.ploidy.map(|p| round(p, 2));
    if c.vaf_scope == VafScope::CopyNeutral {
        // the clonal peak of SNVs in copy-neutral segments replaces the genome-wide one
        pur.vaf_estimate = c.vaf_purity.map(|p| round(p, 2));
        pur.method = "somatic_vaf_clonal_cluster_copy_neutral".into();
        if pur.source == S::VafPeak {
            pur.estimate = pur.vaf_estimate;
        }
    }
    match c.source {
        PuritySource::CopyNumberFit => {
            pur.estimate = c.purity.map(|p| round(p, 2));
            pur.source = S::CopyNumberFit;
            pur.method = "copy_number_baf_fit".into();
            pur.note = Some(match pur.vaf_estimate {
                Some(v) => format!("the copy-number/BAF fit determines the purity; the somatic-VAF estimate is {v:.2}"),
                None => "the copy-number/BAF fit determines the purity; too few somatic SNVs for a VAF estimate".into(),
            });
        }
        PuritySource::CopyNumberFitVafSelected => {
            pur.estimate = c.purity.map(|p| round(p, 2));
            pur.source = S::CopyNumberFitVafSelected;
            pur.method = "copy_number_baf_fit_vaf_selected".into();
            pur.note = Some(format!(
                "the copy-number profile fits several purities equally well; the one nearest the somatic-VAF estimate ({:.2}) is used",
                c.vaf_purity.unwrap_or(0.0)
            ));
        }
        PuritySource::VafPeak => {
            pur.estimate = c.purity.map(|p| round(p, 2));
            pur.note = Some(format!(
                "the copy-number profile does not determine the purity (best fit {:.2}, not identifiable); the somatic-VAF estimate is used",
                c.cn_purity.unwrap_or(0.0)
            ));
        }
        PuritySource::None => {}
    }
    pur.low_purity = pur
        .estimate
        .is_some_and(|p| p < crate::somatic::biomarkers::LOW_PURITY);
}

/// The PASS calls as a report reads them from the VCF (VAF with the VCF's 4 decimals).
fn report_variants(calls: &[Call], contig_names: &[String]) -> Vec<InputVariant> {
    calls
        .iter()
        .filter(|c| c.is_pass())
        .map(|c| InputVariant {
            chrom: contig_names[c.contig.index()].clone(),
            pos: Pos1::new(c.pos.to_pos1().get()).expect("1-based"),
            ref_allele: c.ref_allele.clone(),
            alt: c.alt_allele.clone(),
            vaf: format!("{:.4}", c.tumor.af()).parse().ok(),
            depth: Some(c.tumor.depth),
            prior_annotation: None,
        })
        .collect()
}

/// Germline candidates: alleles seen in the matched normal (`normal_artifact`, with the
/// normal's allele fraction and depth), or tumor-only calls filtered `germline_af` (with the
/// tumor's).
fn germline_candidates(calls: &[Call], contig_names: &[String], filter: &str) -> Vec<InputVariant> {
    calls
        .iter()
        .filter(|c| c.filters.iter().any(|f| f == filter))
        .filter_map(|c| {
            let n = if filter == "normal_artifact" {
                c.normal.as_ref()?
            } else {
                &c.tumor
            };
            Some(InputVariant {
                chrom: contig_names[c.contig.index()].clone(),
                pos: Pos1::new(c.pos.to_pos1().get()).expect("1-based"),
                ref_allele: c.ref_allele.clone(),
                alt: c.alt_allele.clone(),
                vaf: format!("{:.4}", n.af()).parse().ok(),
                depth: Some(n.depth),
                prior_annotation: None,
            })
        })
        .collect()
}

/// Validates, then runs.
pub fn run(opts: RunOptions) -> Result<RunOutcome> {
    opts.validate()?.execute()
}
