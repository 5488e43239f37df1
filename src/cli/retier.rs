//! `oncostream retier`: re-tier a stored report against another knowledge-base version, without
//! the BAMs (the report embeds the annotated variants and biomarkers), and write what changed.

use std::{collections::BTreeMap, io::Write, path::PathBuf};

use anyhow::Result;
use clap::Args;

use super::report::tier_and_triage;
use crate::clinical::{kb, oncotree::OncoTree};
use crate::error::{fail, ExitKind};
use crate::io::output::{md5_file, write_atomic, AtomicOutput};
use crate::log;
use crate::report::clinical::{render_html, Report};

/// Flags of `oncostream retier`.
#[derive(Args, Debug)]
pub struct RetierArgs {
    /// A stored `report.json` (from `report`), or the `results.json` of a `run --cancer-type`
    /// whose directory holds its `report.json`.
    #[arg(long)]
    pub results: PathBuf,
    /// The knowledge base to tier against.
    #[arg(long)]
    pub kb: PathBuf,
    /// Output directory (report.json, report.html, retier_diff.tsv).
    #[arg(long, short = 'o')]
    pub output: PathBuf,
}

/// Runs the command.
pub fn run(args: &RetierArgs) -> Result<()> {
    let mut path = args.results.clone();
    let mut text = std::fs::read_to_string(&path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot read '{}': {e}", path.display()),
        )
    })?;
    if text.contains("\"callable_bases\"") && !text.contains("\"findings\"") {
        // a run's results.json: the annotated, tiered state lives in report.json beside it
        let sibling = path.with_file_name("report.json");
        text = std::fs::read_to_string(&sibling).map_err(|_| {
            fail(
                ExitKind::Data,
                format!(
                    "'{}' is a run's results.json without a report.json beside it; store one first with `oncostream report --results {} ...` (or `run --cancer-type`), then re-tier",
                    path.display(),
                    path.display()
                ),
            )
        })?;
        path = sibling;
    }
    let old: Report = serde_json::from_str(&text).map_err(|e| {
        fail(
            ExitKind::Data,
            format!(
                "'{}' is not an oncostream report.json (schema 1): {e}",
                path.display()
            ),
        )
    })?;
    let tree = OncoTree::bundled();
    let k = kb::load(&args.kb, &tree)?;
    let cancer = old.sample["cancer_type"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let tmb = old.tmb.as_ref().and_then(|t| t["per_mb"].as_f64());
    let (findings, triage) = tier_and_triage(
        &k,
        &tree,
        &cancer,
        &old.variants,
        tmb,
        old.msi_status.as_deref(),
        old.qc_verdict.as_deref(),
    );
    let mut new = old.clone();
    new.kb = serde_json::json!({"path": k.path, "version": k.version, "date": k.date, "md5": md5_file(&args.kb)?});
    new.highest_level = findings
        .iter()
        .find(|f| f.level != "R")
        .map(|f| f.level_label.clone());
    new.findings = findings;
    new.expert_panel = triage;
    std::fs::create_dir_all(&args.output).map_err(|e| {
        fail(
            ExitKind::CantCreate,
            format!("cannot create '{}': {e}", args.output.display()),
        )
    })?;
    let mut js = serde_json::to_string_pretty(&new)?;
    js.push('\n');
    write_atomic(&args.output.join("report.json"), js.as_bytes())?;
    write_atomic(
        &args.output.join("report.html"),
        render_html(&new).as_bytes(),
    )?;
    // diff: levels per (gene, alteration)
    let levels = |r: &Report| -> BTreeMap<(String, String), Vec<String>> {
        let mut m: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for f in &r.findings {
            m.entry((f.gene.clone(), f.alteration.clone()))
                .or_default()
                .push(f.level_label.clone());
        }
        m
    };
    let (a, b) = (levels(&old), levels(&new));
    let mut keys: Vec<&(String, String)> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = AtomicOutput::create(&args.output.join("retier_diff.tsv"))?;
    writeln!(
        out,
        "# old KB {} ({}); new KB {} ({})",
        old.kb["version"], old.kb["date"], new.kb["version"], new.kb["date"]
    )?;
    writeln!(
        out,
        "gene\talteration\told_levels\tnew_levels\tchange\tnew_evidence"
    )?;
    let mut changed = 0;
    for key in keys {
        let (o, n) = (
            a.get(key).cloned().unwrap_or_default(),
            b.get(key).cloned().unwrap_or_default(),
        );
        if o == n {
            continue;
        }
        changed += 1;
        let why: Vec<String> = new
            .findings
            .iter()
            .filter(|f| (f.gene.clone(), f.alteration.clone()) == *key)
            .map(|f| {
                format!(
                    "{}: KB lines {:?}: {}",
                    f.level_label,
                    f.kb_lines,
                    f.citations.join(" | ")
                )
            })
            .collect();
        let change = match (o.is_empty(), n.is_empty()) {
            (true, false) => "added",
            (false, true) => "removed (no matching evidence in the new KB)",
            _ => "level changed",
        };
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{change}\t{}",
            key.0,
            key.1,
            o.join(";"),
            n.join(";"),
            why.join(" || ")
        )?;
    }
    out.commit()?;
    log::info(&format!(
        "{changed} alteration(s) changed level; see retier_diff.tsv"
    ));
    Ok(())
}
