//! The files of `run`: the calls VCF, the MSI histograms, the callable BED, `results.json`,
//! `metrics.json` and the MultiQC files, each recorded in the manifest as it is written.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::{RunPlan, RunStages};
use crate::engine::RunStats;
use crate::io::{
    json::{write_document, write_json},
    mslist::write_histograms,
    output::{file_record, AtomicOutput},
    vcf::{write_vcf, VcfMeta, VcfOutputType},
};
use crate::pipeline::metrics::{Clock, MetricsBuilder};
use crate::pipeline::outdir::{new_run_id, now_utc, Manifest, OutputFile};
use crate::pipeline::report::{measured_msi, measured_tmb};
use crate::report::multiqc;
use crate::somatic::{Call, VarKind};
use crate::types::manifest::InputChecksum;
use crate::types::results::{
    CallsSummary, InputRecord, Mode, Provenance, RunResults, Samples, VariantRecord, RESULTS_KIND,
    RESULTS_SCHEMA_VERSION,
};
use crate::types::{round, ContigId};

/// Who this run is: its id and start time (in every document it writes).
pub struct RunIdentity {
    /// UUID.
    pub run_id: String,
    /// Start, UTC.
    pub started: String,
}

impl RunIdentity {
    /// A new run.
    pub fn new() -> RunIdentity {
        RunIdentity {
            run_id: new_run_id(),
            started: now_utc(),
        }
    }
}

/// The command line, as recorded in the documents.
fn command_line() -> String {
    std::env::args().collect::<Vec<_>>().join(" ")
}

impl RunPlan {
    /// The manifest of this run, with its samples and settings.
    pub(super) fn manifest(&self, id: &RunIdentity) -> Manifest {
        let mut manifest = Manifest::new(&self.outdir, &id.run_id, "run", &id.started);
        manifest.samples(&self.names.0, self.names.1.as_deref());
        manifest.analysis(self.opts.sample_id.as_deref(), &self.settings_digest);
        manifest
    }

    /// The run's sample id: `--sample-id` (a batch passes the sheet's), else the tumor's SM.
    pub(super) fn sample_id(&self) -> &str {
        self.opts.sample_id.as_deref().unwrap_or(&self.names.0)
    }

    fn mode(&self) -> Mode {
        if self.opts.normal.is_none() {
            Mode::TumorOnly
        } else {
            Mode::TumorNormal
        }
    }

    fn vcf_meta(&self, extra: Vec<(String, String)>) -> VcfMeta<'_> {
        VcfMeta {
            contigs: &self.inputs.pass.contigs,
            reference: self.reference_path(),
            tumor: &self.names.0,
            normal: self.names.1.as_deref(),
            extra,
        }
    }

    /// `calls.vcf.gz` (+ `.tbi`), `msi_histograms.tsv`, the structural files and, with
    /// `--callable-bed`, `callable.bed`.
    pub(super) fn write_pass_outputs(
        &self,
        id: &RunIdentity,
        s: &RunStages,
        callable: &[(ContigId, u64, u64)],
        manifest: &mut Manifest,
    ) -> Result<()> {
        let dir = &self.opts.outdir;
        let mode = self.mode();
        let mut extra = vec![
            ("oncostream_command".to_string(), command_line()),
            ("oncostream_mode".into(), mode.as_str().into()),
            ("oncostream_run_id".into(), id.run_id.clone()),
        ];
        if let Some(m) = &s.calls.finalized.germline {
            extra.push((
                "oncostream_germline_model".into(),
                crate::pipeline::call::germline_model_header(m),
            ));
        }
        for w in &s.warnings {
            extra.push((
                "oncostream_warning".into(),
                format!("\"{}\"", w.replace('"', "'")),
            ));
        }
        let meta = self.vcf_meta(extra);
        write_vcf(
            &OutputFile::CallsVcf.path(dir),
            VcfOutputType::Bgzf,
            &meta,
            &s.calls.calls,
        )?;
        manifest.output(OutputFile::CallsVcf)?;
        manifest.output(OutputFile::CallsVcfIndex)?;
        let rows = s.msi.counts.rows(&self.inputs.sample_names());
        write_histograms(
            &OutputFile::MsiHistograms.path(dir),
            &s.msi.counts.sites,
            &self.inputs.pass.contigs,
            &rows,
        )?;
        manifest.output(OutputFile::MsiHistograms)?;
        let sv_meta = self.vcf_meta(vec![
            ("oncostream_mode".into(), mode.as_str().into()),
            ("oncostream_run_id".into(), id.run_id.clone()),
        ]);
        crate::pipeline::structural::write_structural(
            dir,
            self.sample_id(),
            &s.structural,
            &sv_meta,
            self.reference(),
            manifest,
        )?;
        if self.opts.callable_bed {
            self.write_callable(callable)?;
            manifest.output(OutputFile::CallableBed)?;
        }
        Ok(())
    }

    fn write_callable(&self, callable: &[(ContigId, u64, u64)]) -> Result<()> {
        use std::io::Write;
        let mut out = AtomicOutput::create(&OutputFile::CallableBed.path(&self.opts.outdir))?;
        for (c, s, e) in callable {
            writeln!(out, "{}\t{s}\t{e}", self.inputs.pass.contigs[*c].name)?;
        }
        out.commit()
    }

    /// Every input with its size and digest (`input_digests`: the alignments', computed
    /// alongside the pass with the `--input-checksums` algorithm), also recorded in the manifest.
    pub(super) fn provenance(
        &self,
        input_digests: &[Option<String>],
        manifest: &mut Manifest,
    ) -> Result<Provenance> {
        let o = &self.opts;
        let tumor_only = o.normal.is_none();
        let with_md5 = |p: &Option<PathBuf>| p.as_deref().map(|p| file_record(p, true)).transpose();
        let only = |p: &Option<PathBuf>, when: bool| if when { with_md5(p) } else { Ok(None) };
        let provenance = Provenance {
            reference: self.reference().record()?,
            targets: with_md5(&o.inputs.targets)?,
            ms_sites: with_md5(&o.ms_sites)?,
            msi_baseline: only(&o.msi_baseline, tumor_only)?,
            germline_resource: with_md5(&o.germline_resource)?,
            panel_of_normals: with_md5(&o.panel_of_normals)?,
            cnv_reference: only(&o.cnv_reference, tumor_only)?,
            tmb_exclude: with_md5(&o.tmb_exclude)?,
            mappability: with_md5(&o.mappability)?,
            gff: with_md5(&o.gff)?,
            transcript_models: self.annotation.record.clone(),
            inputs: (0..self.inputs.len())
                .map(|i| {
                    let info = self.inputs.info(i);
                    InputRecord {
                        role: if i == 0 { "tumor" } else { "normal" }.into(),
                        path: info.path.display().to_string(),
                        size: info.size,
                        format: info.format,
                        sample: info.sample.clone(),
                        md5: (self.opts.input_checksums == InputChecksum::Md5)
                            .then(|| input_digests[i].clone())
                            .flatten(),
                        blake3: (self.opts.input_checksums == InputChecksum::Blake3)
                            .then(|| input_digests[i].clone())
                            .flatten(),
                    }
                })
                .collect(),
        };
        record_inputs(&provenance, manifest);
        Ok(provenance)
    }

    /// `results.json`'s document.
    pub(super) fn results(
        &self,
        id: &RunIdentity,
        s: &RunStages,
        provenance: Provenance,
    ) -> RunResults {
        let (tumor, normal) = self.names.clone();
        let names = self.inputs.contig_names();
        let calls = &s.calls.calls;
        let pass: Vec<&Call> = calls.iter().filter(|c| c.is_pass()).collect();
        RunResults {
            kind: RESULTS_KIND.into(),
            schema_version: RESULTS_SCHEMA_VERSION,
            run_id: id.run_id.clone(),
            tool: "oncostream".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            created: id.started.clone(),
            command: command_line(),
            mode: self.mode(),
            samples: Samples {
                id: self.sample_id().to_string(),
                normal_id: self
                    .opts
                    .normal_sample_id
                    .clone()
                    .or_else(|| normal.clone()),
                patient_id: self.opts.case.patient_id.clone(),
                tumor,
                normal,
            },
            provenance,
            tmb: s.tmb.clone(),
            msi: s.msi.result.clone(),
            purity: s.purity.clone(),
            germline_model: s.calls.finalized.germline.clone(),
            copy_number: s.structural.copy_number.clone(),
            structural_variants: s.structural.sv.clone(),
            not_assessed: self.not_assessed(s),
            qc: s.qc.clone(),
            calls: CallsSummary {
                records: calls.len(),
                pass: pass.len(),
                pass_snv: pass.iter().filter(|c| c.kind == VarKind::Snv).count(),
                pass_indel: pass.iter().filter(|c| c.kind != VarKind::Snv).count(),
                vcf: "calls.vcf.gz".into(),
            },
            variants: pass.iter().map(|c| variant_record(c, &names)).collect(),
            warnings: s.warnings.clone(),
        }
    }

    /// What the run could not assess: the structural stage's items, and gene annotation when no
    /// transcript model applies to the reference.
    fn not_assessed(&self, s: &RunStages) -> Vec<crate::types::results::NotAssessed> {
        let mut v = Vec::new();
        if self.annotation.models.is_empty() {
            v.push(crate::types::results::NotAssessed {
                item: "gene_annotation".into(),
                reason: format!(
                    "genes and HGVS not annotated: {}",
                    self.annotation
                        .record
                        .note
                        .as_deref()
                        .unwrap_or("no transcript models")
                ),
            });
        }
        v.extend(s.structural.not_assessed.iter().cloned());
        v
    }

    /// `metrics.json` (and `--metrics`) and the MultiQC custom-content files.
    pub(super) fn write_metrics(
        &self,
        results: &RunResults,
        stats: &RunStats,
        clock: &Clock,
        manifest: &mut Manifest,
    ) -> Result<()> {
        let dir = &self.opts.outdir;
        let m = MetricsBuilder::build("run", &results.samples.id, &self.inputs.pass, stats, clock);
        write_document(&OutputFile::Metrics.path(dir), &m)?;
        manifest.output(OutputFile::Metrics)?;
        if let Some(p) = &self.opts.metrics {
            write_document(p, &m)?;
        }
        let msi = results.msi.as_ref().map(measured_msi);
        write_json(
            &OutputFile::MultiqcGeneral.path(dir),
            &multiqc::general(
                &m.sample,
                results,
                &measured_tmb(&results.tmb),
                msi.as_ref(),
            ),
        )?;
        manifest.output(OutputFile::MultiqcGeneral)?;
        write_json(
            &OutputFile::MultiqcThroughput.path(dir),
            &multiqc::throughput(&m),
        )?;
        manifest.output(OutputFile::MultiqcThroughput)
    }

    /// An extra stage's output, as `<name>.json` in the run directory.
    pub(super) fn write_extra<T: serde::Serialize>(
        &self,
        name: &str,
        output: &T,
        manifest: &mut Manifest,
    ) -> Result<()> {
        let file = format!("{name}.json");
        write_json(&self.opts.outdir.join(&file), output)?;
        manifest.output_named(name, &file)
    }

    pub(super) fn reference_path(&self) -> &Path {
        self.opts
            .inputs
            .reference
            .as_deref()
            .expect("validated: run has a reference")
    }

    pub(super) fn reference(&self) -> &crate::io::reference::Reference {
        self.inputs
            .reference
            .as_ref()
            .expect("validated: run has a reference")
    }
}

fn record_inputs(p: &Provenance, manifest: &mut Manifest) {
    for i in &p.inputs {
        manifest.input_with_digests(&i.role, &i.path, i.size, i.md5.clone(), i.blake3.clone());
    }
    manifest.input("reference", &p.reference.path, p.reference.size, None);
    for (role, f) in [
        ("targets", &p.targets),
        ("ms_sites", &p.ms_sites),
        ("msi_baseline", &p.msi_baseline),
        ("germline_resource", &p.germline_resource),
        ("panel_of_normals", &p.panel_of_normals),
        ("cnv_reference", &p.cnv_reference),
        ("tmb_exclude", &p.tmb_exclude),
        ("mappability", &p.mappability),
        ("gff", &p.gff),
    ] {
        if let Some(f) = f {
            manifest.input(role, &f.path, f.size, f.md5.clone());
        }
    }
    let m = &p.transcript_models;
    if m.source == crate::types::transcript::ModelsSource::Builtin {
        manifest.input("transcript_models", &m.path, 0, Some(m.md5.clone()));
    }
}

fn variant_record(c: &Call, names: &[String]) -> VariantRecord {
    VariantRecord {
        chrom: names[c.contig.index()].clone(),
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
    }
}
