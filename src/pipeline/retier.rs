//! `retier`: re-tier a stored report against another knowledge-base version, without the BAMs
//! (the report embeds the annotated variants and biomarkers), and write what changed.

use std::path::PathBuf;

use anyhow::Result;

use super::clinical_inputs::load_kb;
use super::outdir::{check_complete, inspect, now_utc, Manifest, OutputFile};
use super::report::{classify_variants, tierable_biomarkers, write_report};
use crate::clinical::{
    oncotree::OncoTree,
    triage::{highest_level, tier_and_triage, TierInput},
};
use crate::error::{fail, ExitKind};
use crate::io::{
    json::read_document,
    output::{file_record, write_atomic},
};
use crate::log;
use crate::report::diff::render_diff;
use crate::types::report::Report;
use crate::types::results::RunResults;

/// What `retier` is asked to do.
#[derive(Clone, Debug)]
pub struct RetierOptions {
    /// A `report.json`, or the `results.json` of a run whose directory holds its report.
    pub results: PathBuf,
    /// KB (None: the built-in KB).
    pub kb: Option<PathBuf>,
    /// Output directory.
    pub output: PathBuf,
    /// Replace another run's outputs in `output`.
    pub force: bool,
    /// No info lines.
    pub quiet: bool,
}

/// What `retier` returns.
pub struct RetierOutcome {
    /// The report as stored.
    pub old: Report,
    /// The re-tiered report.
    pub new: Report,
    /// Alterations whose levels changed.
    pub changed: usize,
}

/// Finds the stored report: `path` itself, or (for a run's `results.json`) the `report.json`
/// beside it, which must belong to the same run.
pub(crate) fn stored_report(path: &std::path::Path) -> Result<(PathBuf, Report)> {
    let text = crate::io::text::read_text(path, "stored report or results")?;
    let kind = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(String::from));
    if kind.as_deref() == Some(crate::types::results::RESULTS_KIND) {
        let results: RunResults = read_document(path)?;
        let sibling = path.with_file_name("report.json");
        if !sibling.exists() {
            return Err(fail(
                ExitKind::Data,
                format!(
                    "'{}' is a run's results.json without a report.json beside it; store one first with `oncostream report --results {} ...` (or `run --cancer-type`), then re-tier",
                    path.display(),
                    path.display()
                ),
            ));
        }
        let report: Report = read_document(&sibling)?;
        if report.run_id.as_deref() != Some(results.run_id.as_str()) {
            return Err(fail(
                ExitKind::Data,
                format!(
                    "'{}' belongs to run {} but '{}' beside it to run {}: the directory mixes two runs; re-tier the report.json you mean, or re-run the analysis into an empty directory",
                    path.display(),
                    results.run_id,
                    sibling.display(),
                    report.run_id.as_deref().unwrap_or("(none)")
                ),
            ));
        }
        check_complete(path, "results.json")?;
        check_complete(&sibling, "report.json")?;
        return Ok((sibling, report));
    }
    let report: Report = read_document(path)?;
    check_complete(path, "report.json")?;
    Ok((path.to_path_buf(), report))
}

/// Validates, re-tiers, writes `report.json`, `report.html`, `retier_diff.tsv`.
///
/// ```
/// use std::path::Path;
/// use oncostream::pipeline::retier::{retier, RetierOptions};
/// use oncostream::pipeline::run::{run, RunOptions};
///
/// let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/nfcore_chr22");
/// let out = tempfile::tempdir()?;
/// let mut opts = RunOptions::new(
///     &fx.join("test2.paired_end.sorted.bam"),
///     Some(&fx.join("test.paired_end.sorted.bam")),
///     &fx.join("genome.fasta"),
///     &out.path().join("run"),
/// );
/// opts.inputs.quiet = true;
/// opts.cancer_type = Some("LUAD".into());
/// run(opts)?;
/// // months later: the same report against the knowledge base of this build (`kb: None`), or
/// // a newer one (`kb: Some(dir)`), without the BAMs
/// let outcome = retier(&RetierOptions {
///     results: out.path().join("run/report.json"),
///     kb: None,
///     output: out.path().join("retier"),
///     force: false,
///     quiet: true,
/// })?;
/// assert_eq!(outcome.changed, 0);
/// assert_eq!(outcome.new.sample.cancer_type, "LUAD");
/// assert!(out.path().join("retier/retier_diff.tsv").exists());
/// # Ok::<(), anyhow::Error>(())
/// ```
pub fn retier(opts: &RetierOptions) -> Result<RetierOutcome> {
    log::set_quiet(opts.quiet);
    let started = now_utc();
    let (report_path, old) = stored_report(&opts.results)?;
    let tree = OncoTree::bundled();
    let k = load_kb(opts.kb.as_deref(), &tree)?;
    if !tree.contains(&old.sample.cancer_type) {
        return Err(fail(
            ExitKind::Data,
            format!(
                "'{}' names cancer type '{}', which is not in the bundled OncoTree",
                report_path.display(),
                old.sample.cancer_type
            ),
        ));
    }
    let outdir = inspect(&opts.output, opts.force, None)?;
    let mut new = old.clone();
    classify_variants(&mut new.variants, &k.kb);
    let (tmb, msi, not_evaluable) = tierable_biomarkers(old.tmb.as_ref(), old.msi.as_ref());
    let (findings, triage) = tier_and_triage(
        &k.kb,
        &tree,
        &old.sample.cancer_type,
        &TierInput {
            variants: &new.variants,
            copy_number: old.copy_number.as_ref(),
            structural: old.structural_variants.as_ref(),
            tmb,
            msi,
            qc_verdict: old.qc_verdict,
            qc: old.qc.as_ref(),
            purity: old.purity,
            not_evaluable: &not_evaluable,
            paired: old.sample.mode.as_deref() == Some("tumor-normal"),
            germline: &old.germline.findings,
        },
    );
    new.transcripts.rules_not_evaluated =
        crate::clinical::transcripts::rules_not_evaluated(&new.variants, &k.kb);
    new.kb = k.info.clone();
    new.highest_level = highest_level(&findings);
    new.findings = findings;
    new.expert_panel = triage;
    crate::clinical::triage::add_germline_reasons(&mut new.expert_panel, &new.germline);
    outdir.claim(&[])?;
    let id = new.run_id.clone().unwrap_or_else(super::outdir::new_run_id);
    let mut manifest = Manifest::new(&outdir, &id, "retier", &started);
    manifest.samples(&new.sample.tumor, None);
    manifest.kb(&new.kb.version);
    let rec = file_record(&report_path, true)?;
    manifest.input("stored_report", &rec.path, rec.size, rec.md5);
    manifest.input("kb", &new.kb.path, 0, Some(new.kb.md5.clone()));
    write_report(&opts.output, &new, &mut manifest)?;
    let (diff, changed) = render_diff(&old, &new);
    write_atomic(&OutputFile::RetierDiff.path(&opts.output), diff.as_bytes())?;
    manifest.output(OutputFile::RetierDiff)?;
    manifest.finish()?;
    log::info(&format!(
        "{changed} alteration(s) changed level; see retier_diff.tsv"
    ));
    Ok(RetierOutcome { old, new, changed })
}
