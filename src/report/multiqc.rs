//! MultiQC custom-content files of a run (`oncostream_general_mqc.json`,
//! `oncostream_throughput_mqc.json`), so that `multiqc <batch dir>` shows every sample.
//!
//! Each file holds one sample; MultiQC merges files with the same `id` into one set of General
//! Statistics columns (`custom_content_oncostream-<key>` in `multiqc_general_stats.txt`) and one
//! table (`multiqc_oncostream_throughput_table.txt`). Every file carries the full `headers`
//! (MultiQC keeps the headers of the last file it reads), values are raw (fractions stay 0-1), and
//! a value that was not measured is left out. MultiQC cleans sample names (it cuts them at
//! suffixes such as `.bam` or `_counts`); use `multiqc --fullnames` for ids that carry them.

use serde_json::{json, Map, Value};

use crate::types::metrics::Metrics;
use crate::types::report::{MsiSummary, TmbSummary};
use crate::types::results::RunResults;

/// File name of the General Statistics file.
pub(crate) const GENERAL_FILE: &str = "oncostream_general_mqc.json";
/// File name of the throughput table file.
pub(crate) const THROUGHPUT_FILE: &str = "oncostream_throughput_mqc.json";

/// Stages shown in the throughput table (wall seconds each).
pub(crate) const STAGES: &[&str] = &["validate", "pileup", "finalize", "report"];

fn put(m: &mut Map<String, Value>, k: &str, v: Option<Value>) {
    if let Some(v) = v {
        m.insert(k.into(), v);
    }
}

/// The General Statistics document of one sample. `tmb` and `msi` are the report's reading of
/// the measured values (evaluability): a TMB that is not evaluable keeps its number with
/// `tmb_evaluable` = `no`; an MSI status that is not evaluable reads `not evaluable`.
pub fn general(sample: &str, r: &RunResults, tmb: &TmbSummary, msi: Option<&MsiSummary>) -> Value {
    let mut d = Map::new();
    put(&mut d, "tmb", Some(json!(r.tmb.per_mb)));
    put(
        &mut d,
        "tmb_evaluable",
        Some(json!(if tmb.evaluability.evaluable {
            "yes"
        } else {
            "no"
        })),
    );
    put(&mut d, "msi_score", r.msi.as_ref().map(|m| json!(m.score)));
    put(
        &mut d,
        "msi_status",
        msi.map(|m| json!(m.status.map(|s| s.as_str()).unwrap_or("not evaluable"))),
    );
    put(&mut d, "purity", r.purity.estimate.map(|p| json!(p)));
    let tumor = r.qc.samples.first();
    put(&mut d, "mean_depth", tumor.map(|t| json!(t.mean_depth)));
    put(&mut d, "dup_rate", tumor.map(|t| json!(t.duplicate_rate)));
    put(
        &mut d,
        "ffpe_deamination",
        tumor
            .and_then(|t| t.orientation_bias.as_ref())
            .and_then(|b| b.deamination.orientation_ratio)
            .map(|x| json!((x * 1000.0).round() / 10.0)),
    );
    put(
        &mut d,
        "identity_concordance",
        r.qc.identity
            .as_ref()
            .and_then(|i| i.concordance)
            .map(|c| json!(c)),
    );
    put(&mut d, "qc_verdict", Some(json!(r.qc.verdict.as_str())));
    json!({
        "id": "oncostream_general",
        "plot_type": "generalstats",
        "namespace": "oncostream",
        "headers": {
            "tmb": {"title": "TMB", "description": "Tumor mutational burden (mutations per Mb of callable bases)", "suffix": " mut/Mb", "format": "{:,.2f}", "min": 0, "scale": "OrRd", "placement": 1010},
            "tmb_evaluable": {"title": "TMB eval.", "description": "Whether the TMB can be interpreted (at least 1 callable Mb; otherwise shown for QC only)", "scale": false, "placement": 1015,
                "cond_formatting_rules": {"no": [{"s_eq": "no"}]},
                "cond_formatting_colours": [{"no": "#f0ad4e"}]},
            "ffpe_deamination": {"title": "C>T orient.", "description": "FFPE deamination: % of the tumor's C>T/G>A substitutions in the damaged read orientation (50% = none; damage flagged at >= 60%)", "suffix": "%", "format": "{:,.1f}", "min": 40, "max": 100, "scale": "OrRd", "placement": 1065},
            "msi_score": {"title": "MSI score", "description": "MSI score: % of tested microsatellite sites that are unstable", "suffix": "%", "format": "{:,.1f}", "min": 0, "max": 100, "scale": "OrRd", "placement": 1020},
            "msi_status": {"title": "MSI", "description": "MSI status", "scale": false, "placement": 1030,
                "cond_formatting_rules": {"msi_h": [{"s_eq": "MSI-H"}], "mss": [{"s_eq": "MSS"}]},
                "cond_formatting_colours": [{"msi_h": "#d9534f"}, {"mss": "#5cb85c"}]},
            "purity": {"title": "Purity", "description": "Estimated tumor purity (fraction 0-1)", "format": "{:,.2f}", "min": 0, "max": 1, "scale": "RdYlGn", "placement": 1040},
            "mean_depth": {"title": "Depth", "description": "Tumor mean depth over the processed regions", "suffix": "x", "format": "{:,.1f}", "min": 0, "scale": "Blues", "placement": 1050},
            "dup_rate": {"title": "Dups", "description": "Tumor duplicate read fraction", "format": "{:,.1%}", "min": 0, "max": 1, "scale": "OrRd", "placement": 1060},
            "identity_concordance": {"title": "T/N identity", "description": "Tumor/normal genotype concordance (absent for tumor-only)", "format": "{:,.3f}", "min": 0, "max": 1, "scale": "RdYlGn", "placement": 1070},
            "qc_verdict": {"title": "QC", "description": "oncostream QC verdict (pass / warn / fail)", "scale": false, "placement": 1080,
                "cond_formatting_rules": {"pass": [{"s_eq": "pass"}], "warn": [{"s_eq": "warn"}], "fail": [{"s_eq": "fail"}]},
                "cond_formatting_colours": [{"pass": "#5cb85c"}, {"warn": "#f0ad4e"}, {"fail": "#d9534f"}]}
        },
        "data": { sample: Value::Object(d) }
    })
}

/// The throughput-table document of one sample.
pub fn throughput(m: &Metrics) -> Value {
    let mut headers = Map::new();
    let mut d = Map::new();
    for s in STAGES {
        let key = format!("{s}_s");
        headers.insert(
            key.clone(),
            json!({"title": s, "description": format!("Wall seconds in stage '{s}'"), "suffix": " s", "format": "{:,.2f}", "min": 0}),
        );
        put(&mut d, &key, m.stages.get(*s).map(|v| json!(v)));
    }
    for (key, title, desc, suffix, fmt, v) in [
        (
            "total_wall_s",
            "Total wall",
            "Wall-clock seconds of the run",
            " s",
            "{:,.2f}",
            json!(m.wall_seconds),
        ),
        (
            "cpu_s",
            "CPU",
            "User + system CPU seconds",
            " s",
            "{:,.2f}",
            json!(m.cpu_seconds),
        ),
        (
            "threads",
            "Threads",
            "Worker threads",
            "",
            "{:,.0f}",
            json!(m.threads),
        ),
        (
            "peak_rss_mb",
            "Peak RSS",
            "Peak resident set size (MiB)",
            " MiB",
            "{:,.1f}",
            json!(m.peak_rss_bytes as f64 / 1048576.0),
        ),
        (
            "reads_per_s",
            "Reads/s",
            "Reads per wall second",
            "",
            "{:,.0f}",
            json!(m.reads_per_second),
        ),
        (
            "mbases_per_s",
            "Mbases/s",
            "Read bases per wall second (millions)",
            "",
            "{:,.1f}",
            json!(m.bases_per_second / 1e6),
        ),
    ] {
        headers.insert(
            key.into(),
            json!({"title": title, "description": desc, "suffix": suffix, "format": fmt, "min": 0}),
        );
        d.insert(key.into(), v);
    }
    json!({
        "id": "oncostream_throughput",
        "section_name": "oncostream throughput",
        "description": "Wall seconds per stage, CPU seconds, peak memory and read throughput of each oncostream run (from metrics.json).",
        "plot_type": "table",
        "pconfig": {"id": "oncostream_throughput_table", "title": "oncostream: throughput", "col1_header": "Sample", "no_violin": true},
        "headers": Value::Object(headers),
        "data": { m.sample.clone(): Value::Object(d) }
    })
}

/// File name of `monitor`'s General Statistics file.
pub(crate) const MONITOR_FILE: &str = "oncostream_monitor_mqc.json";

/// `monitor`'s General Statistics: one row per plasma sample (named `sample` or
/// `sample_timepoint`): tumor fraction, MRD status, limit of detection, families.
pub(crate) fn monitor_general(doc: &crate::types::monitor::MonitorDoc) -> Value {
    let mut data = Map::new();
    for s in &doc.samples {
        let mut d = Map::new();
        put(
            &mut d,
            "tumor_fraction",
            s.tumor_fraction.estimate.map(|f| json!(100.0 * f)),
        );
        put(&mut d, "mrd_status", Some(json!(s.mrd.status.as_str())));
        put(
            &mut d,
            "mrd_lod",
            s.mrd.limit_of_detection.map(|f| json!(100.0 * f)),
        );
        put(&mut d, "umi_families", Some(json!(s.umi.families)));
        put(
            &mut d,
            "mean_family_size",
            Some(json!(s.umi.mean_family_size)),
        );
        put(
            &mut d,
            "duplex_families",
            Some(json!(s.umi.duplex_families)),
        );
        put(&mut d, "new_variants", Some(json!(s.new_variants.len())));
        let id = match &s.timepoint {
            Some(t) => format!("{}_{t}", s.sample),
            None => s.sample.clone(),
        };
        data.insert(id, Value::Object(d));
    }
    json!({
        "id": "oncostream_monitor",
        "plot_type": "generalstats",
        "namespace": "oncostream monitor",
        "headers": {
            "tumor_fraction": {"title": "ctDNA TF", "description": "Tumor fraction of the cell-free DNA (maximum likelihood over the tracked variants)", "suffix": "%", "format": "{:,.4f}", "min": 0, "scale": "OrRd", "placement": 1100},
            "mrd_status": {"title": "MRD", "description": "MRD status: detected / not_detected / not_evaluable", "scale": false, "placement": 1110,
                "cond_formatting_rules": {"detected": [{"s_eq": "detected"}], "not_detected": [{"s_eq": "not_detected"}], "not_evaluable": [{"s_eq": "not_evaluable"}]},
                "cond_formatting_colours": [{"detected": "#d9534f"}, {"not_detected": "#5cb85c"}, {"not_evaluable": "#f0ad4e"}]},
            "mrd_lod": {"title": "LoD", "description": "Tumor fraction detected with 95% probability in this sample", "suffix": "%", "format": "{:,.4f}", "min": 0, "scale": "Blues", "placement": 1120},
            "umi_families": {"title": "Families", "description": "UMI families (single-strand) over the tracked windows", "format": "{:,.0f}", "min": 0, "scale": "Greens", "placement": 1130},
            "mean_family_size": {"title": "Fam. size", "description": "Read pairs per family", "format": "{:,.2f}", "min": 0, "scale": "Greens", "placement": 1140},
            "duplex_families": {"title": "Duplex", "description": "Molecules with both strands sequenced", "format": "{:,.0f}", "min": 0, "scale": "Purples", "placement": 1150},
            "new_variants": {"title": "New var.", "description": "New variants at watched resistance/hotspot codons", "format": "{:,.0f}", "min": 0, "scale": "OrRd", "placement": 1160}
        },
        "data": Value::Object(data)
    })
}
