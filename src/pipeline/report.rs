//! `report`: annotate and tier a somatic VCF for a cancer type, and write `report.json` +
//! `report.html`. Also the report step at the end of `run --cancer-type`, which hands over its
//! typed results in memory.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::clinical_inputs::{check_cancer_type, load_kb, load_models, LoadedKb};
use super::outdir::{inspect, new_run_id, now_utc, Manifest, OutdirState};
use crate::clinical::{
    annotate::{from_csq, Annotator, SNPEFF_FIELDS},
    oncotree::OncoTree,
    triage::{highest_level, tier_and_triage, TierInput},
};
use crate::error::{fail, ExitKind};
use crate::io::{
    json::{read_document, write_document},
    output::{file_record, write_atomic},
    reference::Reference,
    vcf_input::{read_input_vcf, InputVariant, PriorAnnotation},
};
use crate::log;
use crate::report::render_html;
use crate::somatic::biomarkers::tmb_class;
use crate::types::cnv::CopyNumberResult;
use crate::types::msi::MsiStatus;
use crate::types::report::{
    Report, ReportInputs, ReportSample, ReportVariant, TmbSummary, ValueSource, REPORT_KIND,
    REPORT_SCHEMA_VERSION,
};
use crate::types::results::{FileRecord, Mode, NotAssessed, QcVerdict, RunResults};
use crate::types::sv::SvResult;
use crate::types::transcript::Transcript;

/// What `report` is asked to do (flags, unvalidated).
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Somatic VCF.
    pub vcf: PathBuf,
    /// Reference FASTA.
    pub reference: PathBuf,
    /// Transcript models.
    pub gff: Option<PathBuf>,
    /// Preferred transcripts (e.g. MANE Select).
    pub transcripts: Option<PathBuf>,
    /// OncoTree code.
    pub cancer_type: String,
    /// KB file (None: the built-in KB).
    pub kb: Option<PathBuf>,
    /// User-supplied TMB.
    pub tmb: Option<f64>,
    /// User-supplied MSI status.
    pub msi_status: Option<String>,
    /// The run's results.json.
    pub results: Option<PathBuf>,
    /// Output directory.
    pub outdir: PathBuf,
    /// Replace another run's outputs in `outdir`.
    pub force: bool,
    /// No info lines.
    pub quiet: bool,
}

/// The clinical context of a report: cancer type, KB, transcript models.
pub struct ReportContext {
    /// OncoTree.
    pub tree: OncoTree,
    /// Validated KB.
    pub kb: LoadedKb,
    /// OncoTree code.
    pub cancer_type: String,
    /// Transcript models (may be empty).
    pub models: Vec<Transcript>,
    /// Preferred transcript accessions.
    pub preferred: HashSet<String>,
}

impl ReportContext {
    /// Validates the cancer type, loads the KB and the transcript models.
    pub fn load(
        cancer_type: &str,
        kb: Option<&Path>,
        gff: Option<&Path>,
        transcripts: Option<&Path>,
    ) -> Result<ReportContext> {
        let tree = OncoTree::bundled();
        check_cancer_type(&tree, cancer_type)?;
        let kb = load_kb(kb, &tree)?;
        let (models, preferred) = load_models(gff, transcripts)?;
        Ok(ReportContext {
            tree,
            kb,
            cancer_type: cancer_type.to_string(),
            models,
            preferred,
        })
    }
}

/// What the report is about, whichever way it arrived (a VCF + flags, or a run in memory).
pub struct ReportSource {
    /// The run id, when known.
    pub run_id: Option<String>,
    /// Tumor sample name.
    pub tumor: String,
    /// Mode, when known.
    pub mode: Option<Mode>,
    /// PASS variants.
    pub variants: Vec<InputVariant>,
    /// VAF-known prior annotation format.
    pub prior: Option<PriorAnnotation>,
    /// Inputs with checksums.
    pub inputs: ReportInputs,
    /// TMB.
    pub tmb: Option<TmbSummary>,
    /// MSI status.
    pub msi: Option<MsiStatus>,
    /// Purity estimate.
    pub purity: Option<f64>,
    /// QC verdict.
    pub qc_verdict: Option<QcVerdict>,
    /// Copy number of the run.
    pub copy_number: Option<CopyNumberResult>,
    /// Structural variants and fusions of the run.
    pub structural: Option<SvResult>,
    /// What the run did not assess.
    pub not_assessed: Vec<NotAssessed>,
    /// Warnings of the run.
    pub limitations: Vec<String>,
}

/// Annotates, tiers and triages: the typed report.
pub fn build_report(ctx: &ReportContext, src: ReportSource, reference: &Reference) -> Report {
    let annotator = Annotator::new(&ctx.models, &ctx.preferred, reference);
    let variants: Vec<ReportVariant> = src
        .variants
        .iter()
        .map(|v| {
            let mut annotation = annotator.annotate(&v.chrom, v.pos.get(), &v.ref_allele, &v.alt);
            if annotation.is_none() {
                if let (Some(prior), Some(value)) = (&src.prior, &v.prior_annotation) {
                    annotation = match prior {
                        PriorAnnotation::Vep(fields) => from_csq(value, fields, &v.alt, false),
                        PriorAnnotation::SnpEff => {
                            let f: Vec<String> =
                                SNPEFF_FIELDS.iter().map(|s| s.to_string()).collect();
                            from_csq(value, &f, &v.alt, true)
                        }
                    };
                }
            }
            ReportVariant {
                chrom: v.chrom.clone(),
                pos: v.pos,
                ref_allele: v.ref_allele.clone(),
                alt: v.alt.clone(),
                vaf: v.vaf,
                depth: v.depth,
                annotation,
            }
        })
        .collect();
    let (findings, expert_panel) = tier_and_triage(
        &ctx.kb.kb,
        &ctx.tree,
        &ctx.cancer_type,
        &TierInput {
            variants: &variants,
            copy_number: src.copy_number.as_ref(),
            structural: src.structural.as_ref(),
            tmb: src.tmb.as_ref().map(|t| t.per_mb),
            msi: src.msi,
            qc_verdict: src.qc_verdict,
        },
    );
    let mut limitations = src.limitations;
    for n in &src.not_assessed {
        if !limitations.iter().any(|l| l == &n.reason) {
            limitations.push(n.reason.clone());
        }
    }
    if src.mode == Some(Mode::TumorOnly) && !limitations.iter().any(|l| l.contains("tumor-only")) {
        limitations.push(
            "tumor-only analysis: germline variants may remain among the reported variants".into(),
        );
    }
    Report {
        kind: REPORT_KIND.into(),
        schema_version: REPORT_SCHEMA_VERSION,
        run_id: src.run_id,
        software: format!("oncostream {}", env!("CARGO_PKG_VERSION")),
        kb: ctx.kb.info.clone(),
        sample: ReportSample {
            tumor: src.tumor,
            cancer_type: ctx.cancer_type.clone(),
            cancer_type_name: ctx.tree.name(&ctx.cancer_type).unwrap_or("").to_string(),
        },
        inputs: src.inputs,
        tmb: src.tmb,
        msi_status: src.msi,
        purity: src.purity,
        qc_verdict: src.qc_verdict,
        highest_level: highest_level(&findings),
        findings,
        variants,
        copy_number: src.copy_number,
        structural_variants: src.structural,
        not_assessed: src.not_assessed,
        expert_panel,
        limitations,
    }
}

/// The report source of a run, from its typed results (no re-reading of files).
pub fn source_from_results(
    results: &RunResults,
    variants: Vec<InputVariant>,
    vcf: FileRecord,
    results_file: Option<FileRecord>,
    gff: Option<FileRecord>,
) -> ReportSource {
    ReportSource {
        run_id: Some(results.run_id.clone()),
        tumor: results.samples.tumor.clone(),
        mode: Some(results.mode),
        variants,
        prior: None,
        inputs: ReportInputs {
            vcf,
            reference: results.provenance.reference.clone(),
            gff,
            results: results_file,
        },
        tmb: Some(TmbSummary {
            per_mb: results.tmb.per_mb,
            class: results.tmb.class,
            source: ValueSource::Measured,
        }),
        msi: results.msi.as_ref().map(|m| m.status),
        purity: results.purity.estimate,
        qc_verdict: Some(results.qc.verdict),
        copy_number: results.copy_number.clone(),
        structural: results.structural_variants.clone(),
        not_assessed: results.not_assessed.clone(),
        limitations: results.warnings.clone(),
    }
}

/// What a report from a VCF alone (no run results) cannot show.
fn vcf_only_not_assessed() -> Vec<NotAssessed> {
    ["copy_number", "structural_variants"]
        .iter()
        .map(|item| NotAssessed {
            item: item.to_string(),
            reason: format!(
                "{} not assessed: this report was made from a VCF without the run's results.json (copy number and fusions come from `oncostream run`)",
                item.replace('_', " ")
            ),
        })
        .collect()
}

/// Writes `report.json` and `report.html` into `dir` and records them in the manifest.
pub fn write_report(dir: &Path, report: &Report, manifest: &mut Manifest) -> Result<()> {
    write_document(&dir.join("report.json"), report)?;
    manifest.output("report", "report.json")?;
    write_atomic(&dir.join("report.html"), render_html(report).as_bytes())?;
    manifest.output("report_html", "report.html")?;
    Ok(())
}

/// A validated `report`: everything checked, nothing written yet.
pub struct ReportPlan {
    opts: ReportOptions,
    ctx: ReportContext,
    reference: Reference,
    vcf: crate::io::vcf_input::InputVcf,
    results: Option<RunResults>,
    outdir: OutdirState,
    msi: Option<MsiStatus>,
}

impl ReportOptions {
    /// Validates every input (cancer type, KB, models, VCF, results, the pairing of VCF and
    /// results, the output directory) before anything is written.
    pub fn validate(self) -> Result<ReportPlan> {
        log::set_quiet(self.quiet);
        let ctx = ReportContext::load(
            &self.cancer_type,
            self.kb.as_deref(),
            self.gff.as_deref(),
            self.transcripts.as_deref(),
        )?;
        let msi = match &self.msi_status {
            Some(s) => Some(MsiStatus::parse(s).ok_or_else(|| {
                fail(
                    ExitKind::Usage,
                    format!("--msi-status '{s}' is not one of MSI-H, MSS, indeterminate"),
                )
            })?),
            None => None,
        };
        if let Some(t) = self.tmb {
            if !(t.is_finite() && t >= 0.0) {
                return Err(fail(
                    ExitKind::Usage,
                    format!("--tmb {t} is not a number of mutations per Mb"),
                ));
            }
        }
        let reference = Reference::open(&self.reference)?;
        let vcf = read_input_vcf(&self.vcf)?;
        let results = match &self.results {
            Some(p) => {
                let r: RunResults = read_document(p)?;
                match &vcf.run_id {
                    Some(id) if *id == r.run_id => {}
                    Some(id) => {
                        return Err(fail(
                            ExitKind::Data,
                            format!(
                                "'{}' belongs to run {id} but '{}' to run {}: they are not from the same run; pass the calls.vcf.gz and results.json of one run",
                                self.vcf.display(),
                                p.display(),
                                r.run_id
                            ),
                        ))
                    }
                    None => {
                        return Err(fail(
                            ExitKind::Data,
                            format!(
                                "'{}' carries no oncostream run id, so it cannot be checked against '{}' (run {}); pass the calls.vcf.gz of that run, or omit --results and give --tmb/--msi-status",
                                self.vcf.display(),
                                p.display(),
                                r.run_id
                            ),
                        ))
                    }
                }
                let rec = reference.record()?;
                if rec.digest != r.provenance.reference.digest {
                    return Err(fail(
                        ExitKind::Data,
                        format!(
                            "--reference '{}' is not the reference of run {} ('{}', digest {}); pass the reference the run used",
                            self.reference.display(),
                            r.run_id,
                            r.provenance.reference.path,
                            r.provenance.reference.digest
                        ),
                    ));
                }
                Some(r)
            }
            None => None,
        };
        let same_run = results
            .as_ref()
            .map(|r| r.run_id.clone())
            .or_else(|| vcf.run_id.clone());
        let outdir = inspect(&self.outdir, self.force, same_run.as_deref())?;
        Ok(ReportPlan {
            opts: self,
            ctx,
            reference,
            vcf,
            results,
            outdir,
            msi,
        })
    }
}

impl ReportPlan {
    /// Builds and writes the report.
    pub fn execute(self) -> Result<Report> {
        let started = now_utc();
        let o = &self.opts;
        let vcf_rec = file_record(&o.vcf, true)?;
        let gff_rec = o.gff.as_deref().map(|g| file_record(g, true)).transpose()?;
        let results_rec = o
            .results
            .as_deref()
            .map(|p| file_record(p, true))
            .transpose()?;
        let mut src = match &self.results {
            Some(r) => source_from_results(
                r,
                self.vcf.variants.clone(),
                vcf_rec.clone(),
                results_rec,
                gff_rec.clone(),
            ),
            None => ReportSource {
                run_id: self.vcf.run_id.clone(),
                tumor: self.vcf.tumor_sample.clone().unwrap_or_default(),
                mode: match self.vcf.mode.as_deref() {
                    Some("tumor-only") => Some(Mode::TumorOnly),
                    Some("tumor-normal") => Some(Mode::TumorNormal),
                    _ => None,
                },
                variants: self.vcf.variants.clone(),
                prior: None,
                inputs: ReportInputs {
                    vcf: vcf_rec.clone(),
                    reference: self.reference.record()?,
                    gff: gff_rec,
                    results: None,
                },
                tmb: None,
                msi: None,
                purity: None,
                qc_verdict: None,
                copy_number: None,
                structural: None,
                not_assessed: vcf_only_not_assessed(),
                limitations: Vec::new(),
            },
        };
        src.prior = self.vcf.prior.clone();
        if let Some(t) = o.tmb {
            src.tmb = Some(TmbSummary {
                per_mb: t,
                class: tmb_class(t),
                source: ValueSource::UserSupplied,
            });
        }
        if self.msi.is_some() {
            src.msi = self.msi;
        }
        let report = build_report(&self.ctx, src, &self.reference);
        let reuse = self
            .outdir
            .manifest
            .as_ref()
            .filter(|m| Some(&m.run_id) == report.run_id.as_ref() && !o.force)
            .cloned();
        let mut manifest = match reuse {
            Some(m) => {
                self.outdir.claim(&["report.json", "report.html"])?;
                Manifest::extend(m, &o.outdir, "report")
            }
            None => {
                self.outdir.claim(&[])?;
                let id = report.run_id.clone().unwrap_or_else(new_run_id);
                Manifest::new(&o.outdir, &id, "report", &started)
            }
        };
        manifest.samples(&report.sample.tumor, None);
        manifest.kb(&report.kb.version);
        manifest.input("vcf", &vcf_rec.path, vcf_rec.size, vcf_rec.md5.clone());
        manifest.input("kb", &report.kb.path, 0, Some(report.kb.md5.clone()));
        write_report(&o.outdir, &report, &mut manifest)?;
        manifest.finish()?;
        log::info(&format!(
            "{} findings; highest level {}; expert panel {}",
            report.findings.len(),
            report.highest_level.as_deref().unwrap_or("none"),
            if report.expert_panel.recommended {
                "recommended"
            } else {
                "not required"
            }
        ));
        Ok(report)
    }
}

/// Validates, then builds and writes the report.
pub fn report(opts: ReportOptions) -> Result<Report> {
    opts.validate()?.execute()
}
