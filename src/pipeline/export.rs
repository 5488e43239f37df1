//! `export --maf`: the PASS somatic SNVs/indels of a batch (or of run directories) as one MAF
//! for cBioPortal and cohort tools (rows: [`crate::report::maf`]).
//!
//! Only complete run directories are read (their manifest checks out,
//! [`super::batch::state::dir_state`]); an incomplete one is an error, or is left out with a
//! warning under `--skip-incomplete`. Counts come from each run's `results.json`; gene,
//! consequence and HGVS from its `report.json` (the report's annotation), or, for runs without
//! a report, from `--gff` on `--reference`. With `--cbioportal-study ID`,
//! `meta_mutations_extended.txt` is written beside the MAF.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::batch::state::{dir_state, DirState};
use crate::clinical::annotate::Annotator;
use crate::error::{fail, ExitKind};
use crate::io::json::read_document;
use crate::io::output::write_atomic;
use crate::io::reference::Reference;
use crate::log;
use crate::report::maf::{render, MafInput};
use crate::types::batch::{BatchSummary, BATCH_SUMMARY_JSON};
use crate::types::manifest::MANIFEST_FILE;
use crate::types::report::Report;
use crate::types::results::RunResults;
use crate::types::transcript::Annotation;

/// Options of `export --maf`.
#[derive(Clone, Debug)]
pub struct ExportOptions {
    /// Batch directories and/or run directories.
    pub dirs: Vec<PathBuf>,
    /// The MAF to write.
    pub maf: PathBuf,
    /// NCBI_Build (None: the report's genome build, else GRCh38).
    pub build: Option<String>,
    /// Leave incomplete directories out (with a warning) instead of failing.
    pub skip_incomplete: bool,
    /// Transcript models for runs without a report.
    pub gff: Option<PathBuf>,
    /// Preferred transcripts for `gff`.
    pub transcripts: Option<PathBuf>,
    /// Reference for `gff` annotation.
    pub reference: Option<PathBuf>,
    /// Also write `meta_mutations_extended.txt` for this cBioPortal study id.
    pub cbioportal_study: Option<String>,
}

/// A run directory with the names the MAF uses.
struct RunDir {
    dir: PathBuf,
    tumor: Option<String>,
    normal: Option<String>,
}

fn run_dirs(dirs: &[PathBuf]) -> Result<Vec<RunDir>> {
    let mut out = Vec::new();
    for d in dirs {
        if d.join(BATCH_SUMMARY_JSON).is_file() {
            let s: BatchSummary = read_document(&d.join(BATCH_SUMMARY_JSON))?;
            for r in s.samples {
                out.push(RunDir {
                    dir: d.join(&r.outdir),
                    tumor: Some(r.sample),
                    normal: r.normal,
                });
            }
        } else if d.join(MANIFEST_FILE).is_file() || d.join("results.json").is_file() {
            out.push(RunDir {
                dir: d.clone(),
                tumor: None,
                normal: None,
            });
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

/// Writes the MAF; returns the number of rows.
pub fn export_maf(o: &ExportOptions) -> Result<usize> {
    crate::io::output::check_output_path(&o.maf)?;
    let runs = run_dirs(&o.dirs)?;
    // every directory checked before anything is written
    let mut complete = Vec::new();
    for r in runs {
        match dir_state(&r.dir) {
            DirState::Complete(m) => complete.push((r, m)),
            DirState::Empty => {
                let msg = format!("'{}' holds no run", r.dir.display());
                if !o.skip_incomplete {
                    return Err(fail(
                        ExitKind::Data,
                        format!("{msg}; pass --skip-incomplete to leave it out"),
                    ));
                }
                log::warn(&format!("{msg}; left out"));
            }
            DirState::Incomplete(why) => {
                let msg = format!("'{}' is not a complete run ({why})", r.dir.display());
                if !o.skip_incomplete {
                    return Err(fail(
                        ExitKind::Data,
                        format!("{msg}; pass --skip-incomplete to leave it out"),
                    ));
                }
                log::warn(&format!("{msg}; left out"));
            }
        }
    }
    let models = match &o.gff {
        Some(_) => Some(super::clinical_inputs::load_models(
            o.gff.as_deref(),
            o.transcripts.as_deref(),
        )?),
        None => None,
    };
    let reference = match (&o.gff, &o.reference) {
        (Some(_), Some(r)) => Some(Reference::open(r)?),
        (Some(_), None) => {
            return Err(fail(
                ExitKind::Usage,
                "--gff needs --reference (the FASTA of the runs)",
            ))
        }
        _ => None,
    };
    let mut rows = Vec::new();
    for (r, m) in &complete {
        let results: RunResults = read_document(&r.dir.join("results.json"))?;
        let report: Option<Report> = r
            .dir
            .join("report.json")
            .is_file()
            .then(|| read_document(&r.dir.join("report.json")))
            .transpose()?;
        let mut ann: HashMap<(String, u64, String, String), Option<Annotation>> = HashMap::new();
        if let Some(rep) = &report {
            for v in &rep.variants {
                ann.insert(
                    (
                        v.chrom.clone(),
                        v.pos.get(),
                        v.ref_allele.clone(),
                        v.alt.clone(),
                    ),
                    v.annotation.clone(),
                );
            }
        } else if results.variants.is_empty() {
            // nothing to annotate
        } else if let (Some((models, preferred)), Some(refr)) = (&models, &reference) {
            let a = Annotator::new(models, preferred, refr);
            for v in &results.variants {
                ann.insert(
                    (
                        v.chrom.clone(),
                        v.pos.get(),
                        v.ref_allele.clone(),
                        v.alt.clone(),
                    ),
                    a.annotate(&v.chrom, v.pos.get(), &v.ref_allele, &v.alt),
                );
            }
        } else {
            return Err(fail(
                ExitKind::Usage,
                format!(
                    "'{}' has no report.json to take the annotation from; pass --gff and --reference to annotate its variants",
                    r.dir.display()
                ),
            ));
        }
        let tumor = r
            .tumor
            .clone()
            .or(m.sample_id.clone())
            .or(m.tumor_sample.clone())
            .unwrap_or_else(|| results.samples.tumor.clone());
        let normal = r
            .normal
            .clone()
            .or(m.normal_sample.clone())
            .unwrap_or_default();
        let build = o
            .build
            .clone()
            .or(report.as_ref().and_then(|r| r.case.genome_build.clone()))
            .unwrap_or_else(|| "GRCh38".into());
        for v in &results.variants {
            let a = ann
                .get(&(
                    v.chrom.clone(),
                    v.pos.get(),
                    v.ref_allele.clone(),
                    v.alt.clone(),
                ))
                .cloned()
                .flatten();
            rows.push(MafInput {
                tumor: tumor.clone(),
                normal: normal.clone(),
                build: build.clone(),
                chrom: v.chrom.clone(),
                pos: v.pos.get(),
                ref_allele: v.ref_allele.clone(),
                alt: v.alt.clone(),
                gene: a.as_ref().map(|a| a.gene.clone()),
                consequence: a.as_ref().map(|a| a.consequence.clone()),
                hgvs_c: a.as_ref().map(|a| a.hgvs_c.clone()),
                hgvs_p: a.as_ref().and_then(|a| a.hgvs_p.clone()),
                transcript: a.as_ref().map(|a| a.transcript.clone()),
                exon: a.as_ref().and_then(|a| a.exon),
                t_depth: v.tumor_depth,
                t_alt: v.tumor_alt,
                n_counts: v.normal_depth.zip(v.normal_alt),
            });
        }
    }
    write_atomic(&o.maf, render(&rows).as_bytes())?;
    if let Some(study) = &o.cbioportal_study {
        let name = o
            .maf
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let meta = format!(
            "cancer_study_identifier: {study}\ngenetic_alteration_type: MUTATION_EXTENDED\ndatatype: MAF\nstable_id: mutations\nshow_profile_in_analysis_tab: true\nprofile_name: Mutations\nprofile_description: Somatic SNVs and indels (PASS) called by oncostream {}\ndata_filename: {name}\n",
            env!("CARGO_PKG_VERSION")
        );
        let dir = o.maf.parent().unwrap_or(Path::new("."));
        write_atomic(&dir.join("meta_mutations_extended.txt"), meta.as_bytes())?;
    }
    log::info(&format!(
        "wrote {} variant(s) of {} sample(s) to {}",
        rows.len(),
        complete.len(),
        o.maf.display()
    ));
    Ok(rows.len())
}
