//! The published JSON Schemas: committed files equal the ones generated from the code, and the
//! documents a run writes validate against them.

use std::path::Path;

use crate::util::*;

fn committed(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("schemas/{name}.schema.json")),
    )
    .unwrap_or_else(|_| panic!("schemas/{name}.schema.json is committed"))
}

#[test]
fn committed_schemas_match_the_code() {
    for (name, text) in oncostream::types::json_schemas() {
        assert_eq!(
            committed(name),
            text,
            "schemas/{name}.schema.json is stale: regenerate with `cargo run --release -- schema --outdir schemas`"
        );
    }
    // the version constants and the schema's const agree
    use oncostream::types::{report, results, Document};
    for (name, v) in [
        ("results", results::RunResults::SCHEMA_VERSION),
        ("report", report::Report::SCHEMA_VERSION),
    ] {
        let s: serde_json::Value = serde_json::from_str(&committed(name)).unwrap();
        assert_eq!(s["properties"]["schema_version"]["const"], v, "{name}");
    }
}

#[test]
fn a_runs_documents_validate_against_their_schemas() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (t, n, r) = (
        fx("sim_tn60/tumor.bam"),
        fx("sim_tn60/normal.bam"),
        fx("reference/hg38_chr2_1-2333275.fa"),
    );
    run_ok(&[
        "run",
        "--tumor",
        s(&t),
        "--normal",
        s(&n),
        "-r",
        s(&r),
        "--region",
        "chr2:1000001-1150000",
        "--cancer-type",
        "LUAD",
        "--outdir",
        s(&out),
    ]);
    for (file, schema) in [
        ("results.json", "results"),
        ("report.json", "report"),
        ("run_manifest.json", "run_manifest"),
        ("metrics.json", "metrics"),
    ] {
        let schema: serde_json::Value = serde_json::from_str(&committed(schema)).unwrap();
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join(file)).unwrap()).unwrap();
        let v = jsonschema::validator_for(&schema).expect("a valid schema");
        let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{file}: {errors:?}");
        // and a wrong document does not validate (the check can fail)
        let mut bad = doc.clone();
        bad["schema_version"] = serde_json::json!("two");
        assert!(
            !v.is_valid(&bad),
            "{file}: a string schema_version must not validate"
        );
    }
}
