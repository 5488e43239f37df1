//! The worked example of docs/architecture.md, compiled and run: a toy biomarker added as a
//! stage of `run` (its observer sees the one pass; its output lands in the run directory and
//! the manifest), checked against samtools on the same BAM. A second test keeps the docs' code
//! equal to this file's, so the example cannot rot.

use std::process::Command;

use crate::util::fx;

// ANCHOR: toy-stage
use oncostream::engine::{Column, ColumnObserver, RefSlice};
use oncostream::pipeline::run::Stage;
use oncostream::types::results::RunResults;
use oncostream::types::{aln::flag, Aln, Shard};

/// A toy biomarker: the share of the tumor's primary alignments with mapping quality 0.
pub struct Mapq0;

/// Its observer: counts, per shard, the tumor's primary alignments and those with MAPQ 0.
pub struct Mapq0Observer;

impl ColumnObserver for Mapq0Observer {
    type Partial = [u64; 2];

    fn begin(&self, _shard: &Shard, _reference: &RefSlice<'_>) -> [u64; 2] {
        [0, 0]
    }

    // each read once, in the shard that holds its start
    fn read(&self, p: &mut [u64; 2], sample: usize, a: &Aln<'_>, _pass: bool) {
        if sample == 0 && a.flags & (flag::SECONDARY | flag::SUPPLEMENTARY) == 0 {
            p[0] += 1;
            p[1] += u64::from(a.mapq == 0);
        }
    }

    fn column(&self, _p: &mut [u64; 2], _column: &Column<'_>) {}

    // reads only: empty stretches of the genome cost nothing
    fn handles_empty(&self, _p: &[u64; 2]) -> bool {
        true
    }
}

/// What it writes to `mapq0.json`.
#[derive(serde::Serialize)]
pub struct Mapq0Result {
    pub sample: String,
    pub primary: u64,
    pub mapq0: u64,
    pub share: f64,
}

impl Stage for Mapq0 {
    const NAME: &'static str = "mapq0";
    type Observer<'s> = Mapq0Observer;
    type State<'s> = [u64; 2];
    type Context<'c> = &'c RunResults;
    type Output = Mapq0Result;

    fn observer(&self) -> Mapq0Observer {
        Mapq0Observer
    }

    fn state(&self) -> anyhow::Result<[u64; 2]> {
        Ok([0, 0])
    }

    // shards arrive in genome order; sums do not care
    fn add(&self, s: &mut [u64; 2], _shard: &Shard, p: [u64; 2]) -> anyhow::Result<()> {
        s[0] += p[0];
        s[1] += p[1];
        Ok(())
    }

    fn finish(&self, s: [u64; 2], results: &RunResults) -> anyhow::Result<Mapq0Result> {
        Ok(Mapq0Result {
            sample: results.samples.tumor.clone(),
            primary: s[0],
            mapq0: s[1],
            share: s[1] as f64 / s[0].max(1) as f64,
        })
    }
}
// ANCHOR_END: toy-stage

/// `samtools view -c` with extra arguments (None when samtools is missing outside CI).
fn samtools_count(args: &[&str], bam: &std::path::Path) -> Option<u64> {
    let out = match Command::new("samtools")
        .arg("view")
        .arg("-c")
        .args(args)
        .arg(bam)
        .output()
    {
        Ok(o) => o,
        Err(_) => {
            assert!(
                std::env::var("CI").is_err(),
                "samtools must be installed in CI (.ci/run)"
            );
            eprintln!("samtools not installed: skipped outside CI");
            return None;
        }
    };
    assert!(out.status.success());
    Some(
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap(),
    )
}

#[test]
fn a_stage_added_to_run_sees_the_one_pass_and_writes_its_output() {
    use oncostream::pipeline::run::RunOptions;
    let d = fx("nfcore_chr22");
    let tumor = d.join("test2.paired_end.sorted.bam");
    let tmp = tempfile::tempdir().unwrap();
    let mut opts = RunOptions::new(
        &tumor,
        Some(&d.join("test.paired_end.sorted.bam")),
        &d.join("genome.fasta"),
        &tmp.path().join("run"),
    );
    opts.inputs.threads = Some(2);
    opts.inputs.shard_size = Some(7_000);
    opts.inputs.quiet = true;
    let (outcome, toy) = opts.validate().unwrap().execute_with(Mapq0).unwrap();
    assert_eq!(toy.sample, outcome.results.samples.tumor);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("run/mapq0.json")).unwrap())
            .unwrap();
    assert_eq!(written["mapq0"], toy.mapq0);
    assert!(outcome
        .manifest
        .outputs
        .iter()
        .any(|f| f.path == "mapq0.json" && f.role == "mapq0"));
    // the peer: samtools on the same BAM (0x4 unmapped, 0x900 secondary/supplementary)
    let Some(primary) = samtools_count(&["-F", "0x904"], &tumor) else {
        return;
    };
    let above0 = samtools_count(&["-F", "0x904", "-q", "1"], &tumor).unwrap();
    assert!(primary > 1000, "{primary}");
    assert_eq!(toy.primary, primary);
    assert_eq!(toy.mapq0, primary - above0);
}

#[test]
fn the_worked_example_in_the_docs_is_the_tested_code() {
    let this = include_str!("stage_example.rs");
    let anchor = |s: &str, a: &str, b: &str| -> String {
        let from = s.find(a).expect("start marker") + a.len();
        let to = s[from..].find(b).expect("end marker") + from;
        s[from..to].trim().to_string()
    };
    let code = anchor(this, "// ANCHOR: toy-stage\n", "// ANCHOR_END: toy-stage");
    let docs = include_str!("../../docs/architecture.md");
    let shown = anchor(docs, "<!-- toy-stage -->\n```rust\n", "```");
    assert_eq!(
        shown, code,
        "docs/architecture.md's worked example differs from tests/suite/stage_example.rs"
    );
}
