//! The batch summary: one row per tumor from what each sample's directory holds (only a
//! complete directory contributes numbers), written as `batch_summary.json` (schema
//! `schemas/batch_summary.schema.json`), `batch_summary.tsv` and `batch_summary.html`.

use std::path::Path;

use anyhow::Result;

use super::sheet::Task;
use super::state::{dir_state, DirState};
use super::{log_path, sample_dir, BatchOptions, ChildEnd};
use crate::io::json::{read_document, write_document};
use crate::io::output::{last_line_with, write_atomic};
use crate::types::batch::{
    BatchMonitoring, BatchSample, BatchSummary, BatchTotals, SampleStatus, BATCH_KIND,
    BATCH_SCHEMA_VERSION, BATCH_SUMMARY_JSON,
};
use crate::types::metrics::Metrics;
use crate::types::monitor::MonitorDoc;
use crate::types::report::Report;
use crate::types::results::RunResults;

/// What the summary says of a biomarker the report would not interpret.
pub(crate) const NOT_EVALUABLE: &str = "not evaluable";

fn rel(outdir: &Path, p: &Path) -> String {
    p.strip_prefix(outdir).unwrap_or(p).display().to_string()
}

fn empty_row(outdir: &Path, t: &Task) -> BatchSample {
    let log = log_path(outdir, t.sample());
    BatchSample {
        task: t.number,
        sample: t.sample().to_string(),
        patient: t.tumor.patient.clone(),
        normal: t.normal.as_ref().map(|n| n.sample.clone()),
        cancer_type: None,
        status: SampleStatus::NotRun,
        exit_code: None,
        reason: None,
        outdir: rel(outdir, &sample_dir(outdir, t.sample())),
        log: log.exists().then(|| rel(outdir, &log)),
        run_id: None,
        completed: None,
        tmb_per_mb: None,
        tmb_class: None,
        tmb_evaluable: None,
        tmb_callable_mb: None,
        msi_score: None,
        msi_status: None,
        purity: None,
        mean_depth: None,
        duplicate_rate: None,
        identity: None,
        qc: None,
        pass_calls: None,
        highest_level: None,
        findings: None,
        panel_priority: None,
        panel_reasons: Vec::new(),
        wall_seconds: None,
        cpu_seconds: None,
        peak_rss_bytes: None,
        threads: None,
        reads_per_second: None,
        bases_per_second: None,
        bytes_read: None,
        monitoring: Vec::new(),
    }
}

fn fill_from_outputs(row: &mut BatchSample, dir: &Path) {
    if let Ok(r) = read_document::<RunResults>(&dir.join("results.json")) {
        // the report's evaluability rules, also for runs without a report
        let tmb = crate::pipeline::report::measured_tmb(&r.tmb);
        row.tmb_per_mb = Some(r.tmb.per_mb);
        row.tmb_class = Some(
            tmb.class
                .map(|c| c.as_str().to_string())
                .unwrap_or_else(|| NOT_EVALUABLE.into()),
        );
        row.tmb_evaluable = Some(tmb.evaluability.evaluable);
        row.tmb_callable_mb = Some(r.tmb.callable_mb);
        row.msi_score = r.msi.as_ref().map(|m| m.score);
        row.msi_status = r.msi.as_ref().map(|m| {
            crate::pipeline::report::measured_msi(m)
                .status
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|| NOT_EVALUABLE.into())
        });
        row.purity = r.purity.estimate;
        if let Some(t) = r.qc.samples.first() {
            row.mean_depth = Some(t.mean_depth);
            row.duplicate_rate = Some(t.duplicate_rate);
        }
        row.identity = r.qc.identity.as_ref().and_then(|i| i.concordance);
        row.qc = Some(r.qc.verdict.as_str().to_string());
        row.pass_calls = Some(r.calls.pass);
    }
    if let Ok(rep) = read_document::<Report>(&dir.join("report.json")) {
        row.cancer_type = Some(rep.sample.cancer_type.clone());
        row.highest_level = rep.highest_level.clone();
        row.findings = Some(rep.findings.len());
        row.panel_priority = Some(rep.expert_panel.priority.as_str().to_string());
        row.panel_reasons = rep.expert_panel.reasons.clone();
    }
    row.monitoring = monitoring(&dir.join("monitor"));
    if let Ok(m) = read_document::<Metrics>(&dir.join("metrics.json")) {
        row.wall_seconds = Some(m.wall_seconds);
        row.cpu_seconds = Some(m.cpu_seconds);
        row.peak_rss_bytes = Some(m.peak_rss_bytes);
        row.threads = Some(m.threads);
        row.reads_per_second = Some(m.reads_per_second);
        row.bases_per_second = Some(m.bases_per_second);
        row.bytes_read = Some(m.bytes_read);
    }
}

/// The follow-up plasma results in a tumor's `monitor/` directory, when its monitoring run is
/// complete (its manifest lists `monitor.json` with the same MD5): a killed or failed monitor
/// contributes nothing.
fn monitoring(dir: &Path) -> Vec<BatchMonitoring> {
    let file = dir.join(crate::types::monitor::MONITOR_FILE);
    if !file.exists() || crate::pipeline::outdir::check_complete(&file, "monitor.json").is_err() {
        return Vec::new();
    }
    let Ok(doc) = read_document::<MonitorDoc>(&file) else {
        return Vec::new();
    };
    doc.samples
        .iter()
        .map(|s| BatchMonitoring {
            sample: s.sample.clone(),
            timepoint: s.timepoint.clone(),
            mrd_status: s.mrd.status,
            p_value: s.mrd.p_value,
            tumor_fraction: s.tumor_fraction.estimate,
            tumor_fraction_ci95: s.tumor_fraction.ci95,
            limit_of_detection: s.mrd.limit_of_detection,
            new_variants: s.new_variants.len(),
        })
        .collect()
}

/// Builds the summary. `ends`: how the samples run by this invocation ended (empty for
/// `--summary-only`, where a complete directory counts as complete); samples not in `ends` that
/// are complete were skipped.
pub fn collect(
    o: &BatchOptions,
    tasks: &[Task],
    ends: &[ChildEnd],
    interrupted: bool,
) -> BatchSummary {
    let local = !matches!(o.mode, super::BatchMode::SummaryOnly);
    let mut rows = Vec::new();
    for t in tasks {
        let mut row = empty_row(&o.outdir, t);
        row.cancer_type = t
            .field("cancer_type")
            .map(String::from)
            .or(o.template.cancer_type.clone());
        let dir = sample_dir(&o.outdir, t.sample());
        let end = ends.iter().find(|e| e.task == t.number);
        let state = dir_state(&dir);
        match (&state, end) {
            (DirState::Complete(m), e) => {
                row.status = match e {
                    Some(_) => SampleStatus::Complete,
                    None if local => SampleStatus::Skipped,
                    None => SampleStatus::Complete,
                };
                row.run_id = Some(m.run_id.clone());
                row.completed = Some(m.completed.clone());
                fill_from_outputs(&mut row, &dir);
            }
            (_, Some(e)) => {
                row.status = if e.status == SampleStatus::Complete {
                    // exited 0 but the directory does not check out
                    SampleStatus::Incomplete
                } else {
                    e.status
                };
                row.exit_code = e.exit_code;
                row.reason = match (&state, e.status) {
                    (_, SampleStatus::Failed) => {
                        last_line_with(&log_path(&o.outdir, t.sample()), "oncostream: error:")
                            .or_else(|| Some("see the log".into()))
                    }
                    (DirState::Incomplete(why), _) => Some(why.clone()),
                    _ => Some("stopped before it finished".into()),
                };
            }
            (DirState::Incomplete(why), None) => {
                row.status = if interrupted {
                    SampleStatus::NotRun
                } else {
                    SampleStatus::Incomplete
                };
                row.reason = Some(why.clone());
            }
            (DirState::Empty, None) => {
                row.status = SampleStatus::NotRun;
                row.reason = Some(if interrupted {
                    "the batch was stopped before this sample started".into()
                } else {
                    "no outputs yet".into()
                });
            }
        }
        rows.push(row);
    }
    let totals = BatchTotals {
        samples: rows.len(),
        complete: rows.iter().filter(|r| r.status.is_done()).count(),
        skipped: rows
            .iter()
            .filter(|r| r.status == SampleStatus::Skipped)
            .count(),
        failed: rows
            .iter()
            .filter(|r| r.status == SampleStatus::Failed)
            .count(),
        unfinished: rows
            .iter()
            .filter(|r| {
                matches!(
                    r.status,
                    SampleStatus::Interrupted | SampleStatus::NotRun | SampleStatus::Incomplete
                )
            })
            .count(),
    };
    BatchSummary {
        kind: BATCH_KIND.into(),
        schema_version: BATCH_SCHEMA_VERSION,
        version: env!("CARGO_PKG_VERSION").into(),
        created: super::super::outdir::now_utc(),
        samplesheet: o.samplesheet.display().to_string(),
        interrupted,
        totals,
        samples: rows,
    }
}

/// Columns of `batch_summary.tsv`.
pub(crate) const TSV_COLUMNS: &[&str] = &[
    "task",
    "sample",
    "patient",
    "normal",
    "cancer_type",
    "status",
    "exit_code",
    "tmb_per_mb",
    "tmb_class",
    "tmb_callable_mb",
    "msi_score",
    "msi_status",
    "purity",
    "mean_depth",
    "duplicate_rate",
    "identity",
    "qc",
    "pass_calls",
    "highest_level",
    "findings",
    "panel_priority",
    "wall_seconds",
    "cpu_seconds",
    "peak_rss_mb",
    "threads",
    "reads_per_second",
    "run_id",
    "reason",
    "monitoring",
];

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

fn f(v: Option<f64>, digits: usize) -> String {
    v.map(|x| format!("{x:.digits$}")).unwrap_or_default()
}

/// The TSV text.
pub fn tsv(s: &BatchSummary) -> String {
    let mut out = TSV_COLUMNS.join("\t");
    out.push('\n');
    for r in &s.samples {
        use crate::io::text::cell;
        let cells = [
            r.task.to_string(),
            cell(&r.sample).into_owned(),
            cell(&r.patient).into_owned(),
            cell(&opt(&r.normal)).into_owned(),
            cell(&opt(&r.cancer_type)).into_owned(),
            r.status.as_str().to_string(),
            opt(&r.exit_code),
            f(r.tmb_per_mb, 2),
            opt(&r.tmb_class),
            f(r.tmb_callable_mb, 3),
            f(r.msi_score, 2),
            opt(&r.msi_status),
            f(r.purity, 3),
            f(r.mean_depth, 1),
            f(r.duplicate_rate, 4),
            f(r.identity, 4),
            opt(&r.qc),
            opt(&r.pass_calls),
            opt(&r.highest_level),
            opt(&r.findings),
            opt(&r.panel_priority),
            f(r.wall_seconds, 1),
            f(r.cpu_seconds, 1),
            r.peak_rss_bytes
                .map(|b| format!("{:.0}", b as f64 / 1048576.0))
                .unwrap_or_default(),
            opt(&r.threads),
            f(r.reads_per_second, 0),
            opt(&r.run_id),
            r.reason.as_deref().unwrap_or("").replace(['\t', '\n'], " "),
            cell(
                &r.monitoring
                    .iter()
                    .map(BatchMonitoring::phrase)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .into_owned(),
        ];
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    out
}

/// Writes `batch_summary.json`, `.tsv` and `.html` into the batch directory (atomically).
pub fn write(outdir: &Path, s: &BatchSummary) -> Result<()> {
    crate::io::output::create_dir(outdir)?;
    write_document(&outdir.join(BATCH_SUMMARY_JSON), s)?;
    write_atomic(&outdir.join("batch_summary.tsv"), tsv(s).as_bytes())?;
    write_atomic(
        &outdir.join("batch_summary.html"),
        crate::report::batch_html::render(s).as_bytes(),
    )?;
    Ok(())
}
