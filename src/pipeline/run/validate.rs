//! [`RunOptions::validate`]: every input opened and checked before any BAM record is read, in
//! order of cost (option values, clinical inputs and the output directory, then the alignments
//! and reference, then the site lists and resources), each stage's plan made from them.

use std::path::PathBuf;

use anyhow::Result;

use super::biomarkers::{Annotation, TmbPlan};
use super::calls::CallStage;
use super::msi::MsiStage;
use super::qc::QcStage;
use super::{RunOptions, RunPlan};
use crate::error::{fail, ExitKind};
use crate::io::{
    bed::read_bed,
    mslist::{read_baseline, read_sites},
    resource::{check_resource_ref, open_resource},
};
use crate::log;
use crate::pipeline::metrics::Clock;
use crate::pipeline::outdir::inspect;
use crate::pipeline::prepare::Inputs;
use crate::pipeline::report::{ReportContext, ReportSettings};
use crate::pipeline::structural::{self, StructuralPlan};
use crate::somatic::biomarkers::TmbSettings;
use crate::somatic::evidence::CallSettings;
use crate::somatic::model::phred_to_err;
use crate::somatic::msi::{sites_in_regions, Baseline, MsSite};

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
    /// Checks every input and option; opens the alignments, the reference and the resources;
    /// reads sites, baseline and the KB. Nothing is written and no BAM record is read.
    pub fn validate(self) -> Result<RunPlan> {
        let clock = Clock::new();
        let settings_digest = self.settings_digest();
        log::set_quiet(self.inputs.quiet);
        self.check_values()?;
        // cheap checks first: the clinical inputs and the output directory
        let mut report = self.report_context()?;
        let (models, preferred) = match &report {
            Some(r) => (r.model_set.clone(), r.preferred.clone()),
            None => crate::pipeline::clinical_inputs::load_models(
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
            crate::pipeline::clinical_inputs::check_models(&models.models, g, r)?;
        }
        let contigs: Vec<(String, u64)> = inputs
            .pass
            .contigs
            .iter()
            .map(|c| (c.name.clone(), c.len))
            .collect();
        let fitted = models.fit(&contigs);
        if let Some(r) = report.as_mut() {
            r.use_models(&fitted);
        }
        let annotation = Annotation {
            models: fitted.models,
            preferred,
            record: fitted.record,
        };
        if let Some(note) = &annotation.record.note {
            log::warn(note);
        }
        let msi = self.msi_stage(&inputs)?;
        let calls = self.call_stage(&inputs, opts_in.min_base_quality)?;
        let tmb = self.tmb_plan(&inputs)?;
        let cnv_reference = self.cnv_reference();
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
        let qc = QcStage {
            n_samples: inputs.len(),
            min_tumor_depth: self.callable_tumor_depth,
            min_normal_depth: self.callable_normal_depth,
            callable_contigs: inputs.biomarker_contigs.clone(),
            min_identity: self.min_identity,
        };
        let mut opts = self;
        opts.inputs = opts_in;
        opts.cnv_reference = cnv_reference;
        Ok(RunPlan {
            opts,
            names: inputs.tumor_normal_names(),
            inputs,
            calls,
            msi,
            qc,
            structural,
            tmb,
            annotation,
            report,
            outdir,
            clock,
            settings_digest,
        })
    }

    /// Option values that need no file.
    fn check_values(&self) -> Result<()> {
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
        Ok(())
    }

    /// The report's inputs (cancer type, KB, transcript models, case items, trials), with a
    /// cancer type.
    fn report_context(&self) -> Result<Option<ReportContext>> {
        match &self.cancer_type {
            Some(ct) => Ok(Some(ReportContext::load(
                ct,
                self.kb.as_deref(),
                self.gff.as_deref(),
                self.transcripts.as_deref(),
                &ReportSettings {
                    case: &self.case,
                    scope: &self.scope,
                    lang: &self.lang,
                    trials: self.trials.as_deref(),
                },
            )?)),
            None => {
                if self.kb.is_some() {
                    log::warn("--kb is used only with --cancer-type (the report); ignored");
                }
                Ok(None)
            }
        }
    }

    /// The caller's settings and the opened population resource and panel of normals.
    fn call_stage(&self, inputs: &Inputs, min_base_quality: u8) -> Result<CallStage> {
        let contigs = &inputs.pass.contigs;
        let germline = self
            .germline_resource
            .as_deref()
            .map(|p| open_resource(p, "germline resource", contigs))
            .transpose()?;
        let pon = self
            .panel_of_normals
            .as_deref()
            .map(|p| open_resource(p, "panel of normals", contigs))
            .transpose()?;
        if let Some(r) = inputs.reference.as_ref() {
            for (res, role) in [(&germline, "germline resource"), (&pon, "panel of normals")] {
                if let Some(x) = res {
                    for w in check_resource_ref(x, r, role)? {
                        log::warn(&w);
                    }
                }
            }
        }
        Ok(CallStage {
            settings: CallSettings {
                min_base_quality,
                ref_error: phred_to_err(30),
                has_normal: self.normal.is_some(),
                ..CallSettings::default()
            },
            n_samples: inputs.len(),
            germline,
            pon,
            contig_names: inputs.contig_names(),
            max_population_af: self.max_population_af,
        })
    }

    /// The microsatellite sites (a list, or scanned per shard) and the tumor-only baseline.
    fn msi_stage(&self, inputs: &Inputs) -> Result<MsiStage> {
        let pass = &inputs.pass;
        let sites = match &self.ms_sites {
            Some(p) => Some(sites_in_regions(
                read_sites(p, &pass.contigs)?.0,
                &pass.regions,
            )),
            None => None,
        };
        let baseline = self.msi_baseline(inputs, sites.as_deref())?;
        Ok(MsiStage {
            sites,
            baseline,
            has_normal: self.normal.is_some(),
            thresholds: self.msi,
            n_samples: inputs.len(),
            contigs: inputs.biomarker_contigs.clone(),
            contig_names: inputs.contig_names(),
        })
    }

    /// `--msi-baseline`, used only without a matched normal, and refused when it covers none of
    /// the run's sites.
    fn msi_baseline(&self, inputs: &Inputs, sites: Option<&[MsSite]>) -> Result<Option<Baseline>> {
        let pass = &inputs.pass;
        match (&self.normal, &self.msi_baseline) {
            (None, Some(b)) => {
                let base = read_baseline(b, &pass.contigs)?;
                let covered = base.keys().filter(|(c, p)| match sites {
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
                Ok(Some(base))
            }
            (Some(_), Some(_)) => {
                log::warn("--msi-baseline is used only without --normal; the matched normal is the MSI reference");
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    /// The copy-number reference of a tumor-only run: `--cnv-reference`, else the one beside
    /// the panel of normals.
    fn cnv_reference(&self) -> Option<PathBuf> {
        match (&self.normal, &self.cnv_reference, &self.panel_of_normals) {
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
        }
    }

    /// TMB settings and the positions left out of its numerator.
    fn tmb_plan(&self, inputs: &Inputs) -> Result<TmbPlan> {
        let exclude = match &self.tmb_exclude {
            Some(p) => read_bed(p, &inputs.pass.contigs)?
                .into_iter()
                .map(|b| b.region)
                .collect(),
            None => Vec::new(),
        };
        Ok(TmbPlan {
            settings: TmbSettings {
                min_vaf: self.tmb_min_vaf,
                min_tumor_depth: self.callable_tumor_depth,
                min_normal_depth: self.callable_normal_depth,
            },
            exclude,
            contigs: inputs.biomarker_contigs.clone(),
        })
    }
}
