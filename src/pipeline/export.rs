//! `export`: cohort files from batch or run directories — a MAF (`--maf`), a cBioPortal study
//! directory (`--cbioportal-study`) and one HL7 FHIR R4 Bundle per run (`--fhir`).
//!
//! Steps: the runs are found (a batch's summary lists its samples; a run directory is one run),
//! every one must be complete (its manifest checks out, [`super::batch::state::dir_state`];
//! `--skip-incomplete` leaves the others out with a warning), their documents are read, and
//! their **sample ids** (`results.json` `samples.id`: the sheet's sample, `--sample-id`, or the
//! tumor's SM) must be unique — two runs with one id are refused with both directories named,
//! unless `--rename DIR=ID` renames one. Variants are annotated from each run's `report.json`,
//! else with the transcript models (`--gff`, else the shipped GRCh38 MANE Select models) on the
//! run's reference. Nothing is written until every run has been read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::batch::state::{dir_state, DirState};
use crate::clinical::annotate::Annotator;
use crate::clinical::models::{FittedModels, ModelSet};
use crate::error::{fail, ExitKind};
use crate::io::json::read_document;
use crate::io::output::write_atomic;
use crate::io::reference::Reference;
use crate::log;
use crate::report::cbioportal::{self, StudyInfo, StudySample};
use crate::report::maf::{render, MafInput};
use crate::report::GeneIds;
use crate::types::batch::{BatchSummary, BATCH_SUMMARY_JSON};
use crate::types::cnv::CnCall;
use crate::types::manifest::MANIFEST_FILE;
use crate::types::report::Report;
use crate::types::results::RunResults;
use crate::types::transcript::Annotation;

/// Options of `export`.
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// Batch directories and/or run directories.
    pub dirs: Vec<PathBuf>,
    /// The MAF to write.
    pub maf: Option<PathBuf>,
    /// The cBioPortal study to write.
    pub study: Option<StudyOptions>,
    /// The directory of the FHIR Bundles (one `<sample id>.fhir.json` per run).
    pub fhir: Option<PathBuf>,
    /// NCBI_Build (None: the report's genome build, else GRCh38).
    pub build: Option<String>,
    /// Leave incomplete directories out (with a warning) instead of failing.
    pub skip_incomplete: bool,
    /// Transcript models for runs without a report (None: the shipped GRCh38 models).
    pub gff: Option<PathBuf>,
    /// Preferred transcripts for `gff`.
    pub transcripts: Option<PathBuf>,
    /// Reference of the runs (None: the one each run recorded).
    pub reference: Option<PathBuf>,
    /// `DIR=ID`: the run in DIR is exported as sample ID.
    pub rename: Vec<String>,
}

/// Options of the cBioPortal study.
#[derive(Clone, Debug, Default)]
pub struct StudyOptions {
    /// The study directory (created; must not exist or be empty).
    pub dir: PathBuf,
    /// `cancer_study_identifier` (None: the directory's name).
    pub id: Option<String>,
    /// `name` (None: `oncostream cohort <id>`).
    pub name: Option<String>,
    /// `type_of_cancer` (None: the runs' cancer type when they share one, else `mixed`).
    pub cancer_type: Option<String>,
}

/// What an export wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportSummary {
    /// Runs exported.
    pub samples: usize,
    /// PASS variants (MAF rows).
    pub variants: usize,
    /// Files of the study.
    pub study_files: usize,
    /// FHIR Bundles.
    pub bundles: usize,
}

/// A complete run with its documents and the names the exports use.
struct ExportRun {
    dir: PathBuf,
    id: String,
    results: RunResults,
    report: Option<Report>,
    maf: Vec<MafInput>,
}

/// Runs every export asked for; returns what was written.
pub fn export(o: &ExportOptions) -> Result<ExportSummary> {
    check_outputs(o)?;
    let renames = parse_renames(&o.rename)?;
    let dirs = complete_runs(&run_dirs(&o.dirs)?, o.skip_incomplete)?;
    let mut runs = load_runs(&dirs)?;
    apply_renames(&mut runs, &renames)?;
    check_unique_ids(&runs)?;
    let shipped = ModelSet::shipped()?;
    annotate_runs(&mut runs, o, &shipped)?;
    let mut summary = ExportSummary {
        samples: runs.len(),
        variants: runs.iter().map(|r| r.maf.len()).sum(),
        ..Default::default()
    };
    if let Some(maf) = &o.maf {
        let rows: Vec<MafInput> = runs.iter().flat_map(|r| r.maf.iter().cloned()).collect();
        write_atomic(maf, render(&rows).as_bytes())?;
        log::info(&format!(
            "wrote {} variant(s) of {} sample(s) to {}",
            rows.len(),
            runs.len(),
            maf.display()
        ));
    }
    if let Some(study) = &o.study {
        summary.study_files = write_study(study, &runs, o, &shipped)?;
    }
    if let Some(dir) = &o.fhir {
        summary.bundles = write_fhir(dir, &runs, &shipped)?;
    }
    Ok(summary)
}

/// At least one output, each of which can be created, before anything is read.
fn check_outputs(o: &ExportOptions) -> Result<()> {
    if o.maf.is_none() && o.study.is_none() && o.fhir.is_none() {
        return Err(fail(
            ExitKind::Usage,
            "export needs an output: --maf FILE, --cbioportal-study DIR and/or --fhir DIR",
        ));
    }
    if let Some(m) = &o.maf {
        crate::io::output::check_output_path(m)?;
    }
    for d in [o.study.as_ref().map(|s| &s.dir), o.fhir.as_ref()]
        .into_iter()
        .flatten()
    {
        crate::io::output::check_new_dir(d)?;
    }
    if let Some(s) = &o.study {
        let id = study_id(s);
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(fail(
                ExitKind::Usage,
                format!("cBioPortal study id '{id}' may hold only lowercase letters, digits and '_' (set it with --study-id)"),
            ));
        }
    }
    Ok(())
}

fn study_id(s: &StudyOptions) -> String {
    s.id.clone().unwrap_or_else(|| {
        s.dir
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase().replace(['-', '.'], "_"))
            .unwrap_or_default()
    })
}

/// `DIR=ID` rules, parsed.
fn parse_renames(rules: &[String]) -> Result<Vec<(PathBuf, String)>> {
    rules
        .iter()
        .map(|r| match r.rsplit_once('=') {
            Some((d, id)) if !d.is_empty() && !id.is_empty() => {
                Ok((PathBuf::from(d), id.to_string()))
            }
            _ => Err(fail(
                ExitKind::Usage,
                format!("--rename '{r}' is not DIR=ID (a run directory and its new sample id)"),
            )),
        })
        .collect()
}

/// The run directories named by `dirs` (a batch directory names every sample's).
fn run_dirs(dirs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for d in dirs {
        if d.join(BATCH_SUMMARY_JSON).is_file() {
            let s: BatchSummary = read_document(&d.join(BATCH_SUMMARY_JSON))?;
            out.extend(s.samples.iter().map(|r| d.join(&r.outdir)));
        } else if d.join(MANIFEST_FILE).is_file() || d.join("results.json").is_file() {
            out.push(d.clone());
        } else {
            return Err(fail(
                ExitKind::NoInput,
                format!(
                    "'{}' is neither a batch directory (no {BATCH_SUMMARY_JSON}) nor a run directory (no {MANIFEST_FILE})",
                    d.display()
                ),
            ));
        }
    }
    Ok(out)
}

/// The complete runs; an incomplete or empty one is an error, or left out with a warning.
fn complete_runs(dirs: &[PathBuf], skip_incomplete: bool) -> Result<Vec<PathBuf>> {
    let mut complete = Vec::new();
    for d in dirs {
        let msg = match dir_state(d) {
            DirState::Complete(_) => {
                complete.push(d.clone());
                continue;
            }
            DirState::Empty => format!("'{}' holds no run", d.display()),
            DirState::Incomplete(why) => {
                format!("'{}' is not a complete run ({why})", d.display())
            }
        };
        if !skip_incomplete {
            return Err(fail(
                ExitKind::Data,
                format!("{msg}; pass --skip-incomplete to leave it out"),
            ));
        }
        log::warn(&format!("{msg}; left out"));
    }
    Ok(complete)
}

/// Each run's `results.json` and, when written, `report.json`.
fn load_runs(dirs: &[PathBuf]) -> Result<Vec<ExportRun>> {
    dirs.iter()
        .map(|d| {
            let results: RunResults = read_document(&d.join("results.json"))?;
            let report_path = d.join("report.json");
            let report: Option<Report> = report_path
                .is_file()
                .then(|| read_document(&report_path))
                .transpose()?;
            Ok(ExportRun {
                dir: d.clone(),
                id: results.samples.id.clone(),
                results,
                report,
                maf: Vec::new(),
            })
        })
        .collect()
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Applies `--rename DIR=ID`; a rule that names no exported run is refused.
fn apply_renames(runs: &mut [ExportRun], renames: &[(PathBuf, String)]) -> Result<()> {
    for (dir, id) in renames {
        let Some(r) = runs.iter_mut().find(|r| same_dir(&r.dir, dir)) else {
            return Err(fail(
                ExitKind::Usage,
                format!(
                    "--rename '{}={id}': '{}' is not one of the exported run directories",
                    dir.display(),
                    dir.display()
                ),
            ));
        };
        log::info(&format!(
            "'{}': sample '{}' exported as '{id}'",
            r.dir.display(),
            r.id
        ));
        r.id = id.clone();
    }
    Ok(())
}

/// Two runs with one sample id would be merged into one sample by every cohort tool: refused,
/// with both directories named.
fn check_unique_ids(runs: &[ExportRun]) -> Result<()> {
    let mut seen: HashMap<&str, &Path> = HashMap::new();
    for r in runs {
        if let Some(first) = seen.insert(&r.id, &r.dir) {
            return Err(fail(
                ExitKind::Data,
                format!(
                    "two runs have the sample id '{}': '{}' and '{}'; give each run its own id (batch sample sheet, `run --sample-id`) or rename one with --rename DIR=NEW_ID",
                    r.id,
                    first.display(),
                    r.dir.display()
                ),
            ));
        }
    }
    Ok(())
}

/// Reference and fitted models per reference path (runs of a batch share them).
type ReferenceCache = HashMap<PathBuf, (Reference, FittedModels)>;

/// The reference of a run (`--reference`, else the one it recorded, which must still be
/// readable) with the models fitted to it; its digest must be the run's.
fn reference_for<'c>(
    cache: &'c mut ReferenceCache,
    run: &ExportRun,
    o: &ExportOptions,
    models: &ModelSet,
) -> Result<&'c (Reference, FittedModels)> {
    let recorded = &run.results.provenance.reference;
    let path = o
        .reference
        .clone()
        .unwrap_or_else(|| PathBuf::from(&recorded.path));
    if !cache.contains_key(&path) {
        if o.reference.is_none() && !path.exists() {
            return Err(fail(
                ExitKind::NoInput,
                format!(
                    "'{}' has no report.json to take the annotation from, and the reference it used ('{}') is not readable here; pass --reference",
                    run.dir.display(),
                    path.display()
                ),
            ));
        }
        let reference = Reference::open(&path)?;
        let contigs = super::report::reference_contigs(&reference);
        let fitted = models.fit(&contigs);
        cache.insert(path.clone(), (reference, fitted));
    }
    let entry = &cache[&path];
    let digest = entry.0.record()?.digest;
    if digest != recorded.digest {
        return Err(fail(
            ExitKind::Data,
            format!(
                "reference '{}' is not the reference of '{}' (it used '{}', digest {}); pass the reference the run used",
                path.display(),
                run.dir.display(),
                recorded.path,
                recorded.digest
            ),
        ));
    }
    Ok(entry)
}

type AlleleKey = (String, u64, String, String);

/// Each run's PASS calls as MAF rows: annotated from its report, else with the models.
fn annotate_runs(runs: &mut [ExportRun], o: &ExportOptions, shipped: &ModelSet) -> Result<()> {
    let models = match &o.gff {
        Some(_) => Some(super::clinical_inputs::load_models(
            o.gff.as_deref(),
            o.transcripts.as_deref(),
        )?),
        None => None,
    };
    let (set, preferred) = match &models {
        Some((s, p)) => (s, p.clone()),
        None => (shipped, Default::default()),
    };
    let mut cache = ReferenceCache::new();
    for run in runs.iter_mut() {
        let mut ann: HashMap<AlleleKey, Option<Annotation>> = HashMap::new();
        if let Some(rep) = &run.report {
            for v in &rep.variants {
                let key = (
                    v.chrom.clone(),
                    v.pos.get(),
                    v.ref_allele.clone(),
                    v.alt.clone(),
                );
                ann.insert(key, v.annotation.clone());
            }
        } else if !run.results.variants.is_empty() {
            let (reference, fitted) = reference_for(&mut cache, run, o, set)?;
            let a = Annotator::new(&fitted.models, &preferred, reference);
            for v in &run.results.variants {
                let key = (
                    v.chrom.clone(),
                    v.pos.get(),
                    v.ref_allele.clone(),
                    v.alt.clone(),
                );
                ann.insert(key, a.annotate(&v.chrom, v.pos, &v.ref_allele, &v.alt));
            }
        }
        run.maf = maf_rows(run, &ann, o, shipped);
    }
    Ok(())
}

/// The MAF rows of one run.
fn maf_rows(
    run: &ExportRun,
    ann: &HashMap<AlleleKey, Option<Annotation>>,
    o: &ExportOptions,
    shipped: &ModelSet,
) -> Vec<MafInput> {
    let r = &run.results;
    let build = o
        .build
        .clone()
        .or(run
            .report
            .as_ref()
            .and_then(|r| r.case.genome_build.clone()))
        .unwrap_or_else(|| "GRCh38".into());
    r.variants
        .iter()
        .map(|v| {
            let key = (
                v.chrom.clone(),
                v.pos.get(),
                v.ref_allele.clone(),
                v.alt.clone(),
            );
            let a = ann.get(&key).cloned().flatten();
            MafInput {
                tumor: run.id.clone(),
                normal: r.samples.normal_id.clone().unwrap_or_default(),
                build: build.clone(),
                chrom: v.chrom.clone(),
                pos: v.pos.get(),
                ref_allele: v.ref_allele.clone(),
                alt: v.alt.clone(),
                gene: a.as_ref().map(|a| a.gene.clone()),
                entrez: a.as_ref().and_then(|a| shipped.entrez_of(&a.gene)),
                consequence: a.as_ref().map(|a| a.consequence.to_string()),
                hgvs_c: a.as_ref().map(|a| a.hgvs_c.clone()),
                hgvs_p: a.as_ref().and_then(|a| a.hgvs_p.clone()),
                transcript: a.as_ref().map(|a| a.transcript.clone()),
                exon: a.as_ref().and_then(|a| a.exon),
                t_depth: v.tumor_depth,
                t_alt: v.tumor_alt,
                n_counts: v.normal_depth.zip(v.normal_alt),
            }
        })
        .collect()
}

impl GeneIds for ModelSet {
    fn entrez(&self, gene: &str) -> Option<u32> {
        self.entrez_of(gene)
    }

    fn hgnc(&self, gene: &str) -> Option<String> {
        self.hgnc_of(gene).map(String::from)
    }

    fn ensembl_transcript(&self, transcript: &str) -> Option<String> {
        self.ensembl.get(transcript).cloned()
    }

    fn protein(&self, transcript: &str) -> Option<String> {
        self.protein.get(transcript).cloned()
    }
}

/// Every evaluated gene's call of a run (None: gene-level copy number not assessed).
fn gene_calls(run: &ExportRun) -> Result<Option<Vec<(String, CnCall)>>> {
    match &run.results.copy_number {
        Some(cn) if cn.genes_evaluated > 0 => Ok(Some(crate::io::cnv::read_gene_calls(
            &run.dir.join("copy_number_genes.tsv"),
        )?)),
        _ => Ok(None),
    }
}

/// The study directory; returns the number of files.
fn write_study(
    s: &StudyOptions,
    runs: &[ExportRun],
    o: &ExportOptions,
    shipped: &ModelSet,
) -> Result<usize> {
    let id = study_id(s);
    let build = o.build.clone().unwrap_or_else(|| "GRCh38".into());
    if cbioportal::reference_genome(&build).is_none() {
        return Err(fail(
            ExitKind::Usage,
            format!("a cBioPortal study needs NCBI build GRCh38 or GRCh37, not '{build}'"),
        ));
    }
    let codes: Vec<Option<&str>> = runs
        .iter()
        .map(|r| r.report.as_ref().map(|p| p.sample.cancer_type.as_str()))
        .collect();
    let type_of_cancer = s
        .cancer_type
        .clone()
        .unwrap_or_else(|| match codes.first() {
            Some(Some(c)) if codes.iter().all(|x| x == &Some(*c)) => c.to_lowercase(),
            _ => "mixed".into(),
        });
    let mut samples = Vec::new();
    for r in runs {
        samples.push(StudySample {
            id: r.id.clone(),
            patient: r
                .results
                .samples
                .patient_id
                .clone()
                .unwrap_or_else(|| r.id.clone()),
            results: &r.results,
            cancer_type: r.report.as_ref().map(|p| {
                (
                    p.sample.cancer_type.clone(),
                    p.sample.cancer_type_name.clone(),
                )
            }),
            maf: r.maf.clone(),
            gene_cn: gene_calls(r)?,
        });
    }
    let info = StudyInfo {
        name: s.name.clone().unwrap_or_else(|| format!("oncostream cohort {id}")),
        description: format!(
            "{} sample(s) analysed by oncostream {} (tumor/normal BAM or CRAM to somatic variants, copy number and rearrangements)",
            runs.len(),
            env!("CARGO_PKG_VERSION")
        ),
        id,
        type_of_cancer,
        build,
    };
    let (files, warnings) = cbioportal::render(&info, &samples, shipped);
    for w in &warnings {
        log::warn(w);
    }
    let files: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|f| (f.path, f.text.into_bytes()))
        .collect();
    crate::io::output::write_dir_atomic(&s.dir, &files)?;
    log::info(&format!(
        "wrote the cBioPortal study '{}' ({} sample(s), {} files) to {}",
        info.id,
        runs.len(),
        files.len(),
        s.dir.display()
    ));
    Ok(files.len())
}

/// One FHIR Bundle per run; returns their number.
fn write_fhir(dir: &Path, runs: &[ExportRun], shipped: &ModelSet) -> Result<usize> {
    let mut files = Vec::new();
    for r in runs {
        let bundle = crate::report::fhir::bundle(&crate::report::fhir::FhirInput {
            sample_id: &r.id,
            results: &r.results,
            report: r.report.as_ref(),
            maf: &r.maf,
            ids: shipped,
        });
        let mut text = serde_json::to_string_pretty(&bundle)?;
        text.push('\n');
        files.push((format!("{}.fhir.json", r.id), text.into_bytes()));
    }
    crate::io::output::write_dir_atomic(dir, &files)?;
    log::info(&format!(
        "wrote {} FHIR R4 Bundle(s) to {}",
        files.len(),
        dir.display()
    ));
    Ok(files.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rename_rules_are_dir_equals_id() {
        let r = parse_renames(&["out/a=P1_T".into(), "x=y=Z".into()]).unwrap();
        assert_eq!(r[0], (PathBuf::from("out/a"), "P1_T".to_string()));
        assert_eq!(r[1], (PathBuf::from("x=y"), "Z".to_string()));
        assert!(parse_renames(&["noequals".into()]).is_err());
        assert!(parse_renames(&["dir=".into()]).is_err());
    }

    #[test]
    fn the_study_id_defaults_to_the_directory_name() {
        let s = StudyOptions {
            dir: PathBuf::from("/tmp/My-Study.v2"),
            ..Default::default()
        };
        assert_eq!(study_id(&s), "my_study_v2");
    }
}
