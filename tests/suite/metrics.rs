//! `--metrics` for dashboards: fields present, reads counted once, bytes read ~ file size.

use crate::util::*;

#[test]
fn metrics_json_has_the_dashboard_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p.tsv");
    let m = tmp.path().join("run.json");
    let bam = fx("nfcore_chr22/test.paired_end.sorted.bam");
    run_ok(&[
        "pileup",
        "--bam",
        s(&bam),
        "--threads",
        "2",
        "--shard-size",
        "1000",
        "-o",
        s(&out),
        "--metrics",
        s(&m),
    ]);
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&m).unwrap()).unwrap();
    for k in [
        "version",
        "argv",
        "threads",
        "wall_seconds",
        "cpu_seconds",
        "peak_rss_bytes",
        "reads",
        "bases",
        "reads_per_second",
        "bases_per_second",
        "stages",
        "inputs",
    ] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert_eq!(v["threads"], 2);
    // schema 2: kind, sample, git commit of the build, bytes read, CPU per stage
    assert_eq!(v["kind"], "oncostream-metrics");
    assert_eq!(v["schema_version"], 2);
    assert_eq!(v["sample"], "testN");
    let head = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if let Some(h) = head {
        assert_eq!(
            v["git_commit"],
            h.as_str(),
            "the commit the binary was built from"
        );
    }
    assert_eq!(v["bytes_read"], v["inputs"][0]["bytes_read"]);
    for st in ["validate", "pileup", "finalize"] {
        assert!(
            v["stage_cpu_seconds"][st].as_f64().unwrap() >= 0.0,
            "cpu of {st}"
        );
    }
    // samtools flagstat: 5644 records, 2 unmapped; each placed read once despite 41 shards
    assert_eq!(v["reads"], 5642);
    let inp = &v["inputs"][0];
    assert_eq!(inp["size_bytes"], 179552);
    assert_eq!(inp["sample"], "testN");
    let read = inp["bytes_read"].as_u64().unwrap();
    assert!(read > 170_000, "bytes read {read}");
    assert!(v["peak_rss_bytes"].as_u64().unwrap() > 0);
    for st in ["validate", "pileup", "finalize", "worker_read"] {
        assert!(v["stages"].get(st).is_some(), "stage {st}");
    }
}

#[test]
fn progress_is_a_log_line_when_stderr_is_not_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p.tsv");
    let bam = fx("nfcore_chr22/test.paired_end.sorted.bam");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_oncostream"))
        .args([
            "pileup",
            "--bam",
            s(&bam),
            "--shard-size",
            "5000",
            "--progress-interval",
            "0",
            "-o",
            s(&out),
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.lines()
            .any(|l| l.starts_with("oncostream: progress ") && l.contains("positions")),
        "{err}"
    );
    // no terminal escape codes in a log
    assert!(!err.contains('\u{1b}'));
}
