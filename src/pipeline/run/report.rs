//! The report stage of `run --cancer-type`: the typed results and the calls handed to the
//! report builder in memory (no file is re-read), with the germline candidates of the matched
//! normal (or, tumor-only, the calls classified germline).

use anyhow::Result;

use super::{RunPlan, RunStages};
use crate::io::output::file_record;
use crate::io::vcf_input::InputVariant;
use crate::log;
use crate::pipeline::outdir::{Manifest, OutputFile};
use crate::pipeline::report::{build_report, source_from_results, write_report, GermlineInput};
use crate::somatic::{Call, Filter};
use crate::types::report::Report;
use crate::types::results::RunResults;
use crate::types::Pos1;

impl RunPlan {
    /// `report.json` + `report.html` (with a cancer type).
    pub(super) fn report_stage(
        &self,
        results: &RunResults,
        stages: &RunStages,
        manifest: &mut Manifest,
    ) -> Result<Option<Report>> {
        let Some(ctx) = &self.report else {
            return Ok(None);
        };
        let dir = &self.opts.outdir;
        let names = self.inputs.contig_names();
        let calls = &stages.calls.calls;
        let mut src = source_from_results(
            results,
            report_variants(calls, &names),
            file_record(&OutputFile::CallsVcf.path(dir), true)?,
            Some(file_record(&OutputFile::Results.path(dir), true)?),
            results.provenance.gff.clone(),
        );
        src.germline = if results.samples.normal.is_some() {
            GermlineInput::Alleles(germline_candidates(calls, &names, Filter::NormalArtifact))
        } else {
            src.germline_like = germline_candidates(calls, &names, Filter::GermlineAf);
            GermlineInput::TumorOnly
        };
        let rep = build_report(ctx, src, self.reference());
        manifest.kb(&rep.kb.version);
        manifest.input("kb", &rep.kb.path, 0, Some(rep.kb.md5.clone()));
        write_report(dir, &rep, manifest)?;
        log::info(&format!(
            "{} findings; highest level {}; expert panel priority: {}",
            rep.findings.len(),
            rep.highest_level.as_deref().unwrap_or("none"),
            rep.expert_panel.priority.as_str()
        ));
        Ok(Some(rep))
    }
}

/// The PASS calls as a report reads them from the VCF (VAF with the VCF's 4 decimals).
fn report_variants(calls: &[Call], contig_names: &[String]) -> Vec<InputVariant> {
    calls
        .iter()
        .filter(|c| c.is_pass())
        .map(|c| input_variant(c, &c.tumor, contig_names))
        .collect()
}

/// Germline candidates: alleles seen in the matched normal (`normal_artifact`, with the
/// normal's allele fraction and depth), or tumor-only calls filtered `germline_af` (with the
/// tumor's).
fn germline_candidates(
    calls: &[Call],
    contig_names: &[String],
    filter: Filter,
) -> Vec<InputVariant> {
    calls
        .iter()
        .filter(|c| c.has(filter))
        .filter_map(|c| {
            let n = if filter == Filter::NormalArtifact {
                c.normal.as_ref()?
            } else {
                &c.tumor
            };
            Some(input_variant(c, n, contig_names))
        })
        .collect()
}

fn input_variant(
    c: &Call,
    sample: &crate::somatic::SampleSupport,
    contig_names: &[String],
) -> InputVariant {
    InputVariant {
        chrom: contig_names[c.contig.index()].clone(),
        pos: Pos1::new(c.pos.to_pos1().get()).expect("1-based"),
        ref_allele: c.ref_allele.clone(),
        alt: c.alt_allele.clone(),
        vaf: format!("{:.4}", sample.af()).parse().ok(),
        depth: Some(sample.depth),
        prior_annotation: None,
        line: 0,
        ref_mismatch: None,
    }
}
