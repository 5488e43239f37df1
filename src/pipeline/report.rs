//! `report`: annotate and tier a somatic VCF for a cancer type, and write `report.json` +
//! `report.html`. Also the report step at the end of `run --cancer-type`, which hands over its
//! typed results in memory.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::clinical_inputs::{
    check_cancer_type, load_case, load_kb, load_models, models_limitation, CaseOptions, LoadedKb,
};
use super::outdir::{inspect, new_run_id, now_utc, Manifest, OutdirState, OutputFile};
use crate::clinical::germline;
use crate::clinical::models::{FittedModels, ModelSet};
use crate::clinical::oncogenicity::classify;
use crate::clinical::triage::{add_germline_reasons, variant_alteration};
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
use crate::report::i18n::{self, Lang, Msg};
use crate::report::render_html;
use crate::somatic::biomarkers::{tmb_class, LOW_PURITY, MIN_RELIABLE_CALLABLE_MB};
use crate::types::cnv::CopyNumberResult;
use crate::types::msi::MsiStatus;
use crate::types::report::{
    CaseInfo, Evaluability, GermlineResult, GermlineStatus, MsiSummary, Report, ReportInputs,
    ReportSample, ReportVariant, TmbSummary, TrialsResult, ValueSource, REPORT_KIND,
    REPORT_SCHEMA_VERSION,
};
use crate::types::results::{FileRecord, Mode, NotAssessed, QcVerdict, RunResults};
use crate::types::sv::SvResult;
use crate::types::transcript::{Transcript, TranscriptModelsRecord};

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
    /// Basic items of the test.
    pub case: CaseOptions,
    /// `full` or `cdx`.
    pub scope: String,
    /// `en` or `ja`.
    pub lang: String,
    /// Trial list (TSV).
    pub trials: Option<PathBuf>,
    /// Output directory.
    pub outdir: PathBuf,
    /// Replace another run's outputs in `outdir`.
    pub force: bool,
    /// Keep VCF records whose REF disagrees with the reference (flagged, not annotated) instead
    /// of refusing the VCF.
    pub allow_ref_mismatch: bool,
    /// No info lines.
    pub quiet: bool,
    /// Also print report.html to report.pdf with headless Chromium (A4).
    pub pdf: bool,
    /// Structural variants and copy number of another pipeline (`--sv`, `--cnv`).
    pub external: super::external::ExternalOptions,
}

/// How a report is written: basic items, scope, language, trial list (unvalidated).
pub struct ReportSettings<'a> {
    /// Basic items.
    pub case: &'a CaseOptions,
    /// `full` or `cdx`.
    pub scope: &'a str,
    /// `en` or `ja`.
    pub lang: &'a str,
    /// Trial list.
    pub trials: Option<&'a Path>,
}

/// The clinical context of a report: cancer type, KB, transcript models.
pub struct ReportContext {
    /// OncoTree.
    pub tree: OncoTree,
    /// Validated KB.
    pub kb: LoadedKb,
    /// OncoTree code.
    pub cancer_type: String,
    /// Transcript models on the reference's contigs (empty until [`ReportContext::fit_models`]).
    pub models: Vec<Transcript>,
    /// Preferred transcript accessions.
    pub preferred: HashSet<String>,
    /// The model set (`--gff`, else the shipped GRCh38 MANE Select models).
    pub model_set: ModelSet,
    /// What [`ReportContext::fit_models`] used.
    pub models_record: Option<TranscriptModelsRecord>,
    /// What the models could not annotate (a limitation of the report).
    pub models_limitation: Option<String>,
    /// Basic items of the test (validated).
    pub case: CaseInfo,
    /// Report scope: `cdx` leaves secondary (germline) findings out.
    pub scope_cdx: bool,
    /// Language of report.html.
    pub lang: crate::types::report::Lang,
    /// The trial list (validated) with its label (path, MD5).
    pub trials: Option<(crate::clinical::trials::TrialList, String)>,
}

impl ReportContext {
    /// Validates the cancer type, loads the KB and the transcript models.
    pub fn load(
        cancer_type: &str,
        kb: Option<&Path>,
        gff: Option<&Path>,
        transcripts: Option<&Path>,
        settings: &ReportSettings<'_>,
    ) -> Result<ReportContext> {
        let (case, scope, lang, trials) = (
            settings.case,
            settings.scope,
            settings.lang,
            settings.trials,
        );
        let lang = crate::types::report::Lang::parse(lang).ok_or_else(|| {
            fail(
                ExitKind::Usage,
                format!("--lang '{lang}' is not 'en' or 'ja'"),
            )
        })?;
        let scope_cdx = match scope {
            "full" => false,
            "cdx" => true,
            s => {
                return Err(fail(
                    ExitKind::Usage,
                    format!("--scope '{s}' is not 'full' or 'cdx'"),
                ))
            }
        };
        let tree = OncoTree::bundled();
        check_cancer_type(&tree, cancer_type)?;
        let case = load_case(case)?;
        let trials = match trials {
            Some(p) => {
                let text = crate::io::text::read_text(p, "trial list")?;
                let list = crate::clinical::trials::parse(&text, &p.display().to_string(), &tree)?;
                let label = format!(
                    "{} (md5 {})",
                    p.display(),
                    crate::io::output::md5_hex(text.as_bytes())
                );
                Some((list, label))
            }
            None => None,
        };
        let kb = load_kb(kb, &tree)?;
        let (model_set, preferred) = load_models(gff, transcripts)?;
        Ok(ReportContext {
            tree,
            kb,
            cancer_type: cancer_type.to_string(),
            models: Vec::new(),
            preferred,
            model_set,
            models_record: None,
            models_limitation: None,
            case,
            scope_cdx,
            lang,
            trials,
        })
    }
}

impl ReportContext {
    /// Fits the transcript models to the reference's contigs (name, length): the models the
    /// report annotates with, their record and what they cannot annotate.
    pub fn fit_models(&mut self, contigs: &[(String, u64)]) {
        let fitted = self.model_set.fit(contigs);
        self.use_models(&fitted);
    }

    /// Uses models already fitted to the reference (by `run`, which annotates with them too).
    pub(crate) fn use_models(&mut self, fitted: &FittedModels) {
        self.models_limitation = models_limitation(&self.model_set, fitted, &self.kb.kb);
        self.models = fitted.models.clone();
        self.models_record = Some(fitted.record.clone());
    }
}

/// What the report is about, whichever way it arrived (a VCF + flags, or a run in memory).
pub struct ReportSource {
    /// The run id, when known.
    pub run_id: Option<String>,
    /// The run's sample id, when the report comes from a run.
    pub sample_id: Option<String>,
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
    /// Matched normal sample name.
    pub normal: Option<String>,
    /// Germline candidates from the matched normal, or why they were not examined.
    pub germline: GermlineInput,
    /// Tumor-only: calls filtered as germline-like (possibly germline candidates).
    pub germline_like: Vec<InputVariant>,
    /// TMB.
    pub tmb: Option<TmbSummary>,
    /// MSI.
    pub msi: Option<MsiSummary>,
    /// Purity estimate.
    pub purity: Option<f64>,
    /// QC verdict.
    pub qc_verdict: Option<QcVerdict>,
    /// QC metrics of the run.
    pub qc: Option<crate::types::results::QcResult>,
    /// Copy number of the run.
    pub copy_number: Option<CopyNumberResult>,
    /// Structural variants and fusions of the run.
    pub structural: Option<SvResult>,
    /// What the run did not assess.
    pub not_assessed: Vec<NotAssessed>,
    /// Warnings of the run.
    pub limitations: Vec<String>,
}

pub use crate::somatic::biomarkers::{MIN_MSI_SITES, MSI_CONFIDENT_SITES};

/// TMB measured by the run, evaluable from [`MIN_RELIABLE_CALLABLE_MB`] of callable sequence.
pub(crate) fn measured_tmb(t: &crate::types::results::TmbResult) -> TmbSummary {
    let ok = t.callable_mb >= MIN_RELIABLE_CALLABLE_MB;
    TmbSummary {
        per_mb: t.per_mb,
        class: ok.then_some(t.class),
        source: ValueSource::Measured,
        callable_mb: Some(t.callable_mb),
        ci95: Some(t.ci95),
        components: Some(crate::types::report::TmbComponents {
            snv: t.snv,
            snv_per_mb: t.snv_per_mb,
            ms_indels: t.ms_indels,
            ms_indels_per_mb: t.ms_indels_per_mb,
            other_indels: t.other_indels,
            other_indels_per_mb: t.other_indels_per_mb,
            per_mb_without_ms_indels: t.per_mb_without_ms_indels,
        }),
        evaluability: Evaluability {
            evaluable: ok,
            reason: (!ok).then(|| {
                i18n::tmb_not_evaluable(
                    Lang::En,
                    t.callable_mb,
                    MIN_RELIABLE_CALLABLE_MB,
                    t.per_mb,
                    t.ci95,
                )
            }),
        },
    }
}

/// MSI measured by the run, evaluable from [`MIN_MSI_SITES`] tested sites.
pub fn measured_msi(m: &crate::types::msi::MsiResult) -> MsiSummary {
    let ok = m.sites_tested >= MIN_MSI_SITES;
    let low_confidence = ok && m.status == MsiStatus::MsiH && m.sites_tested < MSI_CONFIDENT_SITES;
    MsiSummary {
        status: ok.then_some(m.status),
        score: Some(m.score),
        sites_tested: Some(m.sites_tested),
        source: ValueSource::Measured,
        low_confidence,
        evaluability: Evaluability {
            evaluable: ok,
            reason: if !ok {
                Some(i18n::msi_not_evaluable(
                    Lang::En,
                    m.sites_tested,
                    MIN_MSI_SITES,
                ))
            } else if low_confidence {
                Some(i18n::msi_low_confidence(
                    Lang::En,
                    m.score,
                    m.sites_tested,
                    MSI_CONFIDENT_SITES,
                ))
            } else if m.status == MsiStatus::Indeterminate {
                Some(i18n::msi_indeterminate(Lang::En, m.score, m.sites_tested))
            } else {
                None
            },
        },
    }
}

const USER_SUPPLIED: &str = "user-supplied value, not measured by this analysis";

/// A TMB typed in with `--tmb`.
pub(crate) fn user_tmb(t: f64) -> TmbSummary {
    TmbSummary {
        per_mb: t,
        class: Some(tmb_class(t)),
        source: ValueSource::UserSupplied,
        callable_mb: None,
        ci95: None,
        components: None,
        evaluability: Evaluability {
            evaluable: true,
            reason: Some(USER_SUPPLIED.into()),
        },
    }
}

/// An MSI status typed in with `--msi-status`.
pub(crate) fn user_msi(s: MsiStatus) -> MsiSummary {
    MsiSummary {
        status: Some(s),
        score: None,
        sites_tested: None,
        source: ValueSource::UserSupplied,
        low_confidence: false,
        evaluability: Evaluability {
            evaluable: true,
            reason: Some(USER_SUPPLIED.into()),
        },
    }
}

/// The biomarker values tiering may use (evaluable only) and the reasons of those it may not
/// (and of a low-confidence MSI-H, which is tiered with its reason as a note).
pub(crate) fn tierable_biomarkers(
    tmb: Option<&TmbSummary>,
    msi: Option<&MsiSummary>,
) -> (Option<f64>, Option<MsiStatus>, Vec<String>) {
    let mut reasons = Vec::new();
    let t = tmb.and_then(|t| {
        if t.evaluability.evaluable {
            Some(t.per_mb)
        } else {
            reasons.extend(t.evaluability.reason.clone());
            None
        }
    });
    let m = msi.and_then(|m| {
        if m.evaluability.evaluable {
            if m.low_confidence {
                reasons.extend(m.evaluability.reason.clone());
            }
            m.status
        } else {
            reasons.extend(m.evaluability.reason.clone());
            None
        }
    });
    (t, m, reasons)
}

/// Oncogenicity of every annotated variant (recomputed by `retier`: it depends on the KB).
pub(crate) fn classify_variants(variants: &mut [ReportVariant], kb: &crate::clinical::kb::Kb) {
    for v in variants {
        // on MANE numbering when the variant was mapped onto the transcript the models lack
        let a = v
            .mane_mapping
            .as_ref()
            .map(|m| &m.annotation)
            .or(v.annotation.as_ref());
        v.oncogenicity = a.map(|a| classify(&variant_alteration(a), kb));
    }
}

/// An input variant with its annotation (oncogenicity is classified later, against the KB).
fn report_variant(
    v: &InputVariant,
    annotation: Option<crate::types::transcript::Annotation>,
) -> ReportVariant {
    ReportVariant {
        chrom: v.chrom.clone(),
        pos: v.pos,
        ref_allele: v.ref_allele.clone(),
        alt: v.alt.clone(),
        vaf: v.vaf,
        depth: v.depth,
        annotation,
        oncogenicity: None,
        ref_mismatch: v.ref_mismatch.clone(),
        mane_mapping: None,
        mane_unmapped: None,
    }
}

/// The matched normal's alleles a report examines for germline findings, or why there are none.
#[derive(Clone, Debug, PartialEq)]
pub enum GermlineInput {
    /// The alleles seen in the matched normal (an oncostream tumor-normal run or its VCF).
    Alleles(Vec<InputVariant>),
    /// Tumor-only analysis: there is no matched normal.
    TumorOnly,
    /// The VCF is not an oncostream tumor-normal VCF: another caller's somatic VCF does not
    /// carry the normal's alleles.
    NotInVcf,
    /// A tumor-normal run's results were given with a VCF that lacks the normal's alleles.
    NormalAllelesMissing,
}

impl GermlineInput {
    /// Why the normal was not examined (None: it was).
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            GermlineInput::Alleles(_) => None,
            GermlineInput::TumorOnly => Some("tumor-only analysis: no matched normal"),
            GermlineInput::NotInVcf => Some("the VCF is not an oncostream tumor-normal VCF: a somatic VCF of another caller does not carry the normal's germline alleles"),
            GermlineInput::NormalAllelesMissing => Some("the VCF given with the tumor-normal run's results does not carry the matched normal's alleles (give the run's own calls.vcf.gz)"),
        }
    }
}

/// Germline findings of a report: examined from the candidates, omitted by scope, or not
/// examined with the reason.
fn germline_result(
    ctx: &ReportContext,
    annotator: &Annotator<'_>,
    candidates: GermlineInput,
    germline_like: &[InputVariant],
) -> GermlineResult {
    let annotate = |c: &[InputVariant]| -> Vec<ReportVariant> {
        c.iter()
            .map(|v| {
                report_variant(
                    v,
                    annotator.annotate(&v.chrom, v.pos, &v.ref_allele, &v.alt),
                )
            })
            .collect()
    };
    let list = format!(
        "{} genes: {} ({})",
        germline::genes().len(),
        germline::GENE_LIST_SOURCE,
        germline::GENE_LIST_URL
    );
    let none = |status, note: String| GermlineResult {
        status,
        note,
        gene_list: list.clone(),
        findings: Vec::new(),
        other_variants: 0,
        possibly_germline: Vec::new(),
    };
    if ctx.scope_cdx {
        return none(
            GermlineStatus::Omitted,
            "omitted: the report's scope is a companion diagnostic (--scope cdx)".into(),
        );
    }
    let candidates = match candidates {
        GermlineInput::Alleles(c) => c,
        other => {
            let why = other.reason().unwrap_or_default();
            let mut g = none(GermlineStatus::NotExamined, format!("not examined: {why}"));
            g.possibly_germline = germline::assess(&annotate(germline_like)).0;
            return g;
        }
    };
    let annotated = annotate(&candidates);
    let (findings, other) = germline::assess(&annotated);
    GermlineResult {
        status: GermlineStatus::Examined,
        note: format!(
            "the matched normal was examined: {} allele(s) seen in the normal (allele fraction >= {}, depth >= {}); {} in the listed genes reported, {} other variant(s) in them not classified as pathogenic{}",
            candidates.len(),
            germline::MIN_NORMAL_AF,
            germline::MIN_NORMAL_DEPTH,
            findings.len(),
            other,
            if ctx.models.is_empty() {
                "; no transcript models applied to this reference: alleles could not be annotated, so none could be classified"
            } else {
                ""
            }
        ),
        gene_list: list,
        findings,
        other_variants: other,
        possibly_germline: Vec::new(),
    }
}

/// The limitations of a report: the source's, the reasons of biomarkers that are not evaluable
/// (replacing the run's softer warning about the same biomarker), failed QC rules, low purity,
/// what was not assessed, VCF records whose REF disagrees with the reference, tumor-only.
fn report_limitations(
    ctx: &ReportContext,
    src: &ReportSource,
    not_evaluable: &[String],
) -> Vec<String> {
    let mut limitations = src.limitations.clone();
    limitations.extend(ctx.models_limitation.clone());
    // a "not evaluable" statement replaces the run's softer warning about the same biomarker
    if not_evaluable
        .iter()
        .any(|r| r.starts_with("TMB not evaluable"))
    {
        limitations.retain(|l| !l.contains("TMB from less than"));
    }
    if not_evaluable
        .iter()
        .any(|r| r.starts_with("MSI not evaluable"))
    {
        limitations.retain(|l| !l.starts_with("MSI indeterminate"));
    }
    for r in not_evaluable {
        if !limitations.contains(r) {
            limitations.push(r.clone());
        }
    }
    if let Some(q) = src.qc.as_ref().filter(|q| q.verdict == QcVerdict::Fail) {
        for r in &q.reasons {
            let l = i18n::f(Lang::En, Msg::LimitQcFailed, &[r]);
            if !limitations.contains(&l) {
                limitations.push(l);
            }
        }
    }
    if let Some(p) = src.purity.filter(|p| *p < LOW_PURITY) {
        limitations.push(i18n::low_purity(Lang::En, p));
    }
    for n in &src.not_assessed {
        if !limitations.iter().any(|l| l == &n.reason) {
            limitations.push(n.reason.clone());
        }
    }
    for v in src.variants.iter().filter(|v| v.ref_mismatch.is_some()) {
        limitations.push(i18n::ref_mismatch(
            Lang::En,
            &v.chrom,
            v.pos.get(),
            &v.ref_allele,
            v.ref_mismatch.as_deref().unwrap_or(""),
        ));
    }
    if src.mode == Some(Mode::TumorOnly) && !limitations.iter().any(|l| l.contains("tumor-only")) {
        limitations.push(i18n::t(Lang::En, Msg::LimitTumorOnly).into());
    }
    limitations
}

/// Annotates, tiers and triages: the typed report.
pub(crate) fn build_report(
    ctx: &ReportContext,
    src: ReportSource,
    reference: &Reference,
) -> Report {
    let annotator = Annotator::new(&ctx.models, &ctx.preferred, reference);
    let variants: Vec<ReportVariant> = src
        .variants
        .iter()
        .map(|v| {
            if v.ref_mismatch.is_some() {
                // annotated from the reference's codon it would be another variant
                return report_variant(v, None);
            }
            let mut annotation = annotator.annotate(&v.chrom, v.pos, &v.ref_allele, &v.alt);
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
            report_variant(v, annotation)
        })
        .collect();
    let mut variants = variants;
    for v in variants.iter_mut() {
        match crate::clinical::transcripts::map_to_mane(&annotator, &ctx.models, &ctx.kb.kb, v) {
            Some(Ok(m)) => v.mane_mapping = Some(m),
            Some(Err(why)) => v.mane_unmapped = Some(why),
            None => {}
        }
    }
    classify_variants(&mut variants, &ctx.kb.kb);
    let (tmb_value, msi_value, not_evaluable) =
        tierable_biomarkers(src.tmb.as_ref(), src.msi.as_ref());
    let limitations = report_limitations(ctx, &src, &not_evaluable);
    let germline = germline_result(ctx, &annotator, src.germline, &src.germline_like);
    let (findings, mut expert_panel) = tier_and_triage(
        &ctx.kb.kb,
        &ctx.tree,
        &ctx.cancer_type,
        &TierInput {
            variants: &variants,
            copy_number: src.copy_number.as_ref(),
            structural: src.structural.as_ref(),
            tmb: tmb_value,
            msi: msi_value,
            qc_verdict: src.qc_verdict,
            qc: src.qc.as_ref(),
            purity: src.purity,
            not_evaluable: &not_evaluable,
            paired: src.mode == Some(Mode::TumorNormal)
                || germline.status == GermlineStatus::Examined,
            germline: &germline.findings,
        },
    );
    add_germline_reasons(&mut expert_panel, &germline);
    let trials = TrialsResult {
        list: ctx.trials.as_ref().map(|(_, label)| label.clone()),
        matches: ctx
            .trials
            .as_ref()
            .map(|(list, _)| {
                crate::clinical::trials::candidates(
                    list,
                    &ctx.kb.kb,
                    &ctx.tree,
                    &ctx.cancer_type,
                    &crate::clinical::triage::alterations(&TierInput {
                        variants: &variants,
                        copy_number: src.copy_number.as_ref(),
                        structural: src.structural.as_ref(),
                        tmb: tmb_value,
                        msi: msi_value,
                        ..Default::default()
                    }),
                )
            })
            .unwrap_or_default(),
    };
    let transcripts = crate::types::report::TranscriptCheck {
        preferred_absent: crate::clinical::transcripts::preferred_absent(&ctx.models, &ctx.kb.kb),
        rules_not_evaluated: crate::clinical::transcripts::rules_not_evaluated(
            &variants, &ctx.kb.kb,
        ),
    };
    Report {
        kind: REPORT_KIND.into(),
        schema_version: REPORT_SCHEMA_VERSION,
        run_id: src.run_id,
        software: format!("oncostream {}", env!("CARGO_PKG_VERSION")),
        kb: ctx.kb.info.clone(),
        report_date: now_utc()[..10].to_string(),
        lang: ctx.lang,
        case: ctx.case.clone(),
        sample: ReportSample {
            id: src.sample_id,
            tumor: src.tumor,
            cancer_type: ctx.cancer_type.clone(),
            cancer_type_name: ctx.tree.name(&ctx.cancer_type).unwrap_or("").to_string(),
            normal: src.normal,
            mode: src.mode.map(|m| match m {
                Mode::TumorNormal => "tumor-normal".to_string(),
                Mode::TumorOnly => "tumor-only".to_string(),
            }),
        },
        inputs: ReportInputs {
            transcript_models: ctx.models_record.clone(),
            ..src.inputs
        },
        tmb: src.tmb,
        msi: src.msi,
        purity: src.purity,
        qc_verdict: src.qc_verdict,
        qc: src.qc,
        germline,
        trials,
        highest_level: highest_level(&findings),
        findings,
        variants,
        copy_number: src.copy_number,
        structural_variants: src.structural,
        not_assessed: src.not_assessed,
        transcripts,
        expert_panel,
        limitations,
    }
}

/// The report source of a run, from its typed results (no re-reading of files).
pub(crate) fn source_from_results(
    results: &RunResults,
    variants: Vec<InputVariant>,
    vcf: FileRecord,
    results_file: Option<FileRecord>,
    gff: Option<FileRecord>,
) -> ReportSource {
    ReportSource {
        run_id: Some(results.run_id.clone()),
        sample_id: Some(results.samples.id.clone()),
        tumor: results.samples.tumor.clone(),
        mode: Some(results.mode),
        variants,
        prior: None,
        inputs: ReportInputs {
            vcf,
            reference: results.provenance.reference.clone(),
            gff,
            results: results_file,
            structural: Vec::new(),
            transcript_models: None,
        },
        normal: results.samples.normal.clone(),
        germline: if results.samples.normal.is_some() {
            GermlineInput::NormalAllelesMissing
        } else {
            GermlineInput::TumorOnly
        },
        germline_like: Vec::new(),
        tmb: Some(measured_tmb(&results.tmb)),
        msi: results.msi.as_ref().map(measured_msi),
        purity: results.purity.estimate,
        qc_verdict: Some(results.qc.verdict),
        qc: Some(results.qc.clone()),
        copy_number: results.copy_number.clone(),
        structural: results.structural_variants.clone(),
        not_assessed: results.not_assessed.clone(),
        limitations: results
            .warnings
            .iter()
            .cloned()
            .chain(
                results
                    .germline_model
                    .as_ref()
                    .and_then(germline_model_limitation),
            )
            .collect(),
    }
}

/// What the reader of a tumor-only report must know about how germline and somatic alleles
/// were told apart (the allele-fraction fallback carries its own warning).
fn germline_model_limitation(m: &crate::types::results::GermlineModel) -> Option<String> {
    let purity = m.purity?;
    (m.method == crate::types::results::GermlineMethod::SgzPurityCopyNumber).then(|| {
        format!(
            "tumor-only: germline and somatic origin were told apart by allele fraction at a purity of {:.0}% ({}; {}){}; a germline variant can still be reported as somatic, and a somatic variant at a germline-like allele fraction is filtered (listed as possibly germline when relevant)",
            purity * 100.0,
            if m.purity_source == crate::types::results::GermlinePuritySource::CopyNumber {
                "from the copy-number fit"
            } else {
                "estimated from the variants' allele fractions"
            },
            if m.copy_number_aware {
                "local copy number used"
            } else {
                "copy number not used: every locus taken as diploid"
            },
            m.germline_share
                .map(|g| format!(", estimated germline share among variants absent from the population resource {:.0}%", g * 100.0))
                .unwrap_or_default()
        )
    })
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
pub(crate) fn write_report(dir: &Path, report: &Report, manifest: &mut Manifest) -> Result<()> {
    write_document(&OutputFile::Report.path(dir), report)?;
    manifest.output(OutputFile::Report)?;
    write_atomic(
        &OutputFile::ReportHtml.path(dir),
        render_html(report).as_bytes(),
    )?;
    manifest.output(OutputFile::ReportHtml)?;
    Ok(())
}

/// METHOD: every record the report reads (PASS calls, the normal's germline alleles, the
/// germline-like calls) must carry the reference's bases as REF; a VCF from another build or a
/// mis-normalised record would otherwise be annotated from the reference's codon (EGFR L858R
/// with a wrong REF becomes "synonymous"). Refused with every record as `file:line` (exit 65);
/// with `allow` each is flagged and left unannotated.
fn check_refs(
    vcf: &mut crate::io::vcf_input::InputVcf,
    reference: &Reference,
    allow: bool,
) -> Result<()> {
    use crate::io::vcf_input::ref_mismatches;
    let all: Vec<&InputVariant> = vcf
        .variants
        .iter()
        .chain(vcf.germline.iter().flatten())
        .chain(vcf.germline_like.iter())
        .collect();
    let bad = ref_mismatches(&all, reference);
    if bad.is_empty() {
        return Ok(());
    }
    let name = vcf.path.display().to_string();
    if !allow {
        let shown: Vec<String> = bad.iter().take(20).map(|m| m.describe(&name)).collect();
        return Err(fail(
            ExitKind::Data,
            format!(
                "{}{}\n{} record(s) of '{name}' carry a REF that disagrees with the reference: the VCF was made on another reference (genome build) or is not normalised; nothing was annotated. Pass the reference the VCF was called on, or --allow-ref-mismatch to report the other records and flag these",
                shown.join("\n"),
                if bad.len() > 20 { format!("\n... and {} more", bad.len() - 20) } else { String::new() },
                bad.len()
            ),
        ));
    }
    let flag = |v: &mut InputVariant| {
        if let Some(m) = bad
            .iter()
            .find(|m| m.chrom == v.chrom && m.pos == v.pos.get() && m.vcf_ref == v.ref_allele)
        {
            v.ref_mismatch = Some(m.genome.clone());
        }
    };
    vcf.variants.iter_mut().for_each(flag);
    vcf.germline.iter_mut().flatten().for_each(flag);
    vcf.germline_like.iter_mut().for_each(flag);
    log::warn(&format!(
        "{} record(s) of '{name}' carry a REF that disagrees with the reference: flagged in the report, not annotated (--allow-ref-mismatch)",
        bad.len()
    ));
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
    /// The Chromium that prints report.pdf (`--pdf`).
    chromium: Option<std::path::PathBuf>,
    /// Other pipelines' structural variants and copy number (`--sv`, `--cnv`), checked.
    external: super::external::ExternalStructural,
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
            &ReportSettings {
                case: &self.case,
                scope: &self.scope,
                lang: &self.lang,
                trials: self.trials.as_deref(),
            },
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
        self.external.check_flags()?;
        let chromium = if self.pdf {
            Some(crate::io::pdf::find_chromium()?)
        } else {
            None
        };
        let reference = Reference::open(&self.reference)?;
        if let Some(g) = &self.gff {
            super::clinical_inputs::check_models(&ctx.model_set.models, g, &reference)?;
        }
        let mut ctx = ctx;
        ctx.fit_models(&reference_contigs(&reference));
        let mut vcf = read_input_vcf(&self.vcf)?;
        check_refs(&mut vcf, &reference, self.allow_ref_mismatch)?;
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
                super::outdir::check_complete(p, "results.json")?;
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
        let external = self
            .external
            .load(&reference, results.as_ref().zip(self.results.as_deref()))?;
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
            chromium,
            external,
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
            Some(r) => {
                let mut src = source_from_results(
                    r,
                    self.vcf.variants.clone(),
                    vcf_rec.clone(),
                    results_rec,
                    gff_rec.clone(),
                );
                // the run's VCF carries the normal's alleles (tumor-normal) or the germline-like
                // calls (tumor-only): the germline section is the run's own
                if let Some(g) = &self.vcf.germline {
                    src.germline = GermlineInput::Alleles(g.clone());
                }
                src.germline_like = self.vcf.germline_like.clone();
                src
            }
            None => ReportSource {
                run_id: self.vcf.run_id.clone(),
                sample_id: None,
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
                    structural: Vec::new(),
                    transcript_models: None,
                },
                normal: None,
                germline: match &self.vcf.germline {
                    Some(g) => GermlineInput::Alleles(g.clone()),
                    None => GermlineInput::NotInVcf,
                },
                germline_like: self.vcf.germline_like.clone(),
                tmb: None,
                msi: None,
                purity: None,
                qc_verdict: None,
                qc: None,
                copy_number: None,
                structural: None,
                not_assessed: vcf_only_not_assessed(),
                limitations: Vec::new(),
            },
        };
        src.prior = self.vcf.prior.clone();
        if let Some(t) = o.tmb {
            src.tmb = Some(user_tmb(t));
        }
        if let Some(m) = self.msi {
            src.msi = Some(user_msi(m));
        }
        self.external
            .apply(&mut src, &self.ctx.models, &self.ctx.preferred)?;
        let report = build_report(&self.ctx, src, &self.reference);
        let reuse = self
            .outdir
            .manifest
            .as_ref()
            .filter(|m| Some(&m.run_id) == report.run_id.as_ref() && !o.force)
            .cloned();
        let mut manifest = match reuse {
            Some(m) => {
                self.outdir.claim(&[
                    OutputFile::Report.name(),
                    OutputFile::ReportHtml.name(),
                    OutputFile::ReportPdf.name(),
                ])?;
                Manifest::extend(m, &self.outdir, "report")
            }
            None => {
                self.outdir.claim(&[])?;
                let id = report.run_id.clone().unwrap_or_else(new_run_id);
                Manifest::new(&self.outdir, &id, "report", &started)
            }
        };
        manifest.samples(&report.sample.tumor, None);
        manifest.kb(&report.kb.version);
        manifest.input("vcf", &vcf_rec.path, vcf_rec.size, vcf_rec.md5.clone());
        manifest.input("kb", &report.kb.path, 0, Some(report.kb.md5.clone()));
        for (role, f) in self.external.files() {
            if let Some(r) = report
                .inputs
                .structural
                .iter()
                .find(|r| Path::new(&r.path) == f)
            {
                manifest.input(role, &r.path, r.size, r.md5.clone());
            }
        }
        write_report(&o.outdir, &report, &mut manifest)?;
        if let Some(c) = &self.chromium {
            crate::io::pdf::print_pdf(
                c,
                &OutputFile::ReportHtml.path(&o.outdir),
                &OutputFile::ReportPdf.path(&o.outdir),
            )?;
            manifest.output(OutputFile::ReportPdf)?;
        }
        manifest.finish()?;
        log::info(&format!(
            "{} findings; highest level {}; expert panel priority: {}",
            report.findings.len(),
            report.highest_level.as_deref().unwrap_or("none"),
            report.expert_panel.priority.as_str()
        ));
        Ok(report)
    }
}

/// A reference's contigs as (name, length), for fitting transcript models.
pub(crate) fn reference_contigs(reference: &Reference) -> Vec<(String, u64)> {
    reference
        .seqs()
        .iter()
        .map(|s| (s.name.clone(), s.len))
        .collect()
}

/// Validates, then builds and writes the report.
pub fn report(opts: ReportOptions) -> Result<Report> {
    opts.validate()?.execute()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::msi::{MsiMode, MsiResult, MsiThresholds};

    fn msi(status: MsiStatus, sites: u32, score: f64) -> MsiResult {
        MsiResult {
            score,
            sites_tested: sites,
            sites_unstable: (score / 100.0 * f64::from(sites)).round() as u32,
            status,
            mode: MsiMode::Paired,
            thresholds: MsiThresholds::default(),
            unstable_sites: Vec::new(),
            evaluable: sites >= MIN_MSI_SITES,
            not_evaluable_reason: (sites < MIN_MSI_SITES)
                .then(|| crate::somatic::msi::msi_not_evaluable(sites)),
        }
    }

    #[test]
    fn an_msi_h_call_from_few_sites_is_tiered_but_marked_low_confidence() {
        // 31 sites (the clinical review's case): MSI-H, evaluable, low confidence with a reason
        let s = measured_msi(&msi(MsiStatus::MsiH, 31, 32.3));
        assert!(s.evaluability.evaluable && s.low_confidence);
        assert_eq!(s.sites_tested, Some(31));
        let reason = s.evaluability.reason.clone().unwrap();
        assert!(
            reason.starts_with(crate::clinical::triage::MSI_LOW_CONFIDENCE),
            "{reason}"
        );
        let (_, status, reasons) = tierable_biomarkers(None, Some(&s));
        assert_eq!(status, Some(MsiStatus::MsiH), "still tiered");
        assert_eq!(reasons, vec![reason]);
        // from MSI_CONFIDENT_SITES on: confident; MSS is never low-confidence
        let s = measured_msi(&msi(MsiStatus::MsiH, MSI_CONFIDENT_SITES, 32.3));
        assert!(!s.low_confidence && s.evaluability.reason.is_none());
        assert!(!measured_msi(&msi(MsiStatus::Mss, 31, 3.2)).low_confidence);
        // below MIN_MSI_SITES: not evaluable, not tiered
        let s = measured_msi(&msi(MsiStatus::MsiH, MIN_MSI_SITES - 1, 40.0));
        assert!(!s.evaluability.evaluable && s.status.is_none());
    }

    #[test]
    fn a_report_without_the_normals_alleles_says_why() {
        assert_eq!(GermlineInput::Alleles(Vec::new()).reason(), None);
        for g in [
            GermlineInput::TumorOnly,
            GermlineInput::NotInVcf,
            GermlineInput::NormalAllelesMissing,
        ] {
            let r = g.reason().unwrap();
            assert!(!r.contains("set by the caller") && !r.is_empty());
        }
    }
}
