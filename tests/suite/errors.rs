//! Bad inputs: a one-line message naming the file with a next step, a documented exit code,
//! and no output file left behind.

use std::path::Path;

use crate::util::*;

const NF: &str = "nfcore_chr22";

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        Case {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }
    fn copy(&self, from: &Path, name: &str) -> std::path::PathBuf {
        let to = self.path(name);
        std::fs::copy(from, &to).unwrap();
        to
    }
    /// Runs pileup writing `out.tsv` in the case dir; asserts exit code, message, no output.
    fn fails(&self, args: &[&str], code: i32, needles: &[&str]) {
        let out = self.path("out.tsv");
        let metrics = self.path("run.json");
        let mut a = vec!["pileup"];
        a.extend_from_slice(args);
        a.extend(["-o", s(&out), "--metrics", s(&metrics)]);
        let o = run(&a);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "args {args:?}: stderr {err}");
        for n in needles {
            assert!(err.contains(n), "stderr lacks {n:?}: {err}");
        }
        assert_eq!(
            err.lines().filter(|l| l.contains("error")).count(),
            1,
            "one error line: {err}"
        );
        assert!(!out.exists(), "output left behind");
        assert!(!metrics.exists(), "metrics left behind");
        let leftovers: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("oncostream-tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
    }
}

#[test]
fn missing_index() {
    let c = Case::new();
    let bam = c.copy(&fx(&format!("{NF}/test2.paired_end.sorted.bam")), "t.bam");
    c.fails(
        &["--bam", s(&bam)],
        66,
        &["no index found for", "t.bam", "samtools index"],
    );
}

#[test]
fn missing_file() {
    let c = Case::new();
    c.fails(
        &["--bam", s(&c.path("nope.bam"))],
        66,
        &["cannot open alignment file", "nope.bam"],
    );
}

#[test]
fn truncated_mid_block() {
    let c = Case::new();
    let bam = c.copy(
        &fx("edge_cases/derived/test2.truncated_100000B.bam"),
        "t.bam",
    );
    c.copy(
        &fx(&format!("{NF}/test2.paired_end.sorted.bam.bai")),
        "t.bam.bai",
    );
    c.fails(
        &["--bam", s(&bam)],
        65,
        &["t.bam", "is truncated", "re-copy or regenerate"],
    );
}

#[test]
fn missing_eof_marker_is_an_error_unless_allowed() {
    let c = Case::new();
    let bam = c.copy(&fx("edge_cases/derived/test2.no_eof_block.bam"), "t.bam");
    c.copy(
        &fx(&format!("{NF}/test2.paired_end.sorted.bam.bai")),
        "t.bam.bai",
    );
    c.fails(
        &["--bam", s(&bam)],
        65,
        &["t.bam", "lacks the BGZF EOF marker", "--allow-missing-eof"],
    );
    // with the flag: a warning, and the same rows as the complete file
    let out = c.path("ok.tsv");
    let o = run_ok(&[
        "pileup",
        "--bam",
        s(&bam),
        "--allow-missing-eof",
        "-o",
        s(&out),
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning"));
    let good = c.path("good.tsv");
    run_ok(&[
        "pileup",
        "--bam",
        s(&fx(&format!("{NF}/test2.paired_end.sorted.bam"))),
        "-o",
        s(&good),
    ]);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&good).unwrap());
}

#[test]
fn queryname_sorted_input() {
    let c = Case::new();
    let bam = fx(&format!("{NF}/test2.paired_end.name.sorted.bam"));
    c.fails(
        &["--bam", s(&bam)],
        65,
        &["name.sorted.bam", "not coordinate-sorted", "samtools sort"],
    );
}

#[test]
fn unsorted_records_under_a_coordinate_header_are_caught() {
    // Re-index cannot be faked here, so build: header says coordinate, records out of order,
    // index from the sorted file (the index still points at the same blocks).
    // The mpileup fixture ce_unmap2 has SO:unsorted: refused at open.
    let c = Case::new();
    let bam = fx("edge_cases/samtools_mpileup/ce_unmap2.bam");
    c.fails(
        &["--bam", s(&bam)],
        65,
        &["ce_unmap2.bam", "not coordinate-sorted"],
    );
}

#[test]
fn reference_length_mismatch() {
    let c = Case::new();
    let bam = fx("edge_cases/samtools_mpileup/mpileup.1.bam");
    let reff = fx("edge_cases/samtools_mpileup/mpileup.ref.fa");
    c.fails(
        &["--bam", s(&bam), "-r", s(&reff)],
        65,
        &[
            "mpileup.ref.fa",
            "does not match",
            "'17' is 4200 bp",
            "81195210",
        ],
    );
}

#[test]
fn reference_missing_contig() {
    let c = Case::new();
    let bam = fx(&format!("{NF}/test2.paired_end.sorted.bam"));
    let reff = fx("edge_cases/samtools_mpileup/mp.fa");
    c.fails(
        &["--bam", s(&bam), "-r", s(&reff)],
        65,
        &["mp.fa", "has no contig 'chr22'"],
    );
}

#[test]
fn reference_md5_mismatch() {
    // same name and length, one base changed: the CRAM header's M5 catches it
    let c = Case::new();
    let fa = std::fs::read_to_string(fx(&format!("{NF}/genome.fasta"))).unwrap();
    let mut lines: Vec<String> = fa.lines().map(String::from).collect();
    let l = &mut lines[10];
    let first = l.remove(0);
    l.insert(0, if first == 'A' { 'C' } else { 'A' });
    let reff = c.path("bad.fa");
    std::fs::write(&reff, lines.join("\n") + "\n").unwrap();
    let cram = fx(&format!("{NF}/test2.paired_end.sorted.cram"));
    c.fails(
        &["--bam", s(&cram), "-r", s(&reff)],
        65,
        &["bad.fa", "MD5", "M5:1922b52e1af6977302717072ebaca0a1"],
    );
}

#[test]
fn cram_without_reference() {
    let c = Case::new();
    let cram = fx(&format!("{NF}/test2.paired_end.sorted.cram"));
    c.fails(
        &["--bam", s(&cram)],
        64,
        &["paired_end.sorted.cram", "is CRAM", "--reference"],
    );
}

#[test]
fn cram_2_is_refused_with_a_conversion_hint() {
    let c = Case::new();
    let cram = fx("edge_cases/samtools_mpileup/ce_5b.cram");
    let reff = fx("edge_cases/samtools_mpileup/ce.fa");
    c.fails(
        &["--bam", s(&cram), "-r", s(&reff)],
        65,
        &["ce_5b.cram", "CRAM 2.0", "samtools view -C"],
    );
}

#[test]
fn region_on_unknown_contig() {
    let c = Case::new();
    let bam = fx(&format!("{NF}/test2.paired_end.sorted.bam"));
    c.fails(
        &["--bam", s(&bam), "--region", "chr99:1-100"],
        64,
        &["'chr99' is not in the alignment header", "chr22"],
    );
}

#[test]
fn empty_zero_byte_file() {
    let c = Case::new();
    let bam = c.path("empty.bam");
    std::fs::write(&bam, b"").unwrap();
    c.fails(&["--bam", s(&bam)], 65, &["empty.bam", "is empty"]);
}

#[test]
fn output_directory_missing() {
    let c = Case::new();
    let bam = fx(&format!("{NF}/test2.paired_end.sorted.bam"));
    let out = c.path("no/such/dir/out.tsv");
    let o = run(&["pileup", "--bam", s(&bam), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(73));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not exist"));
}

#[test]
fn bad_flag_is_a_usage_error() {
    let o = run(&["pileup", "--bam", "x.bam", "-o", "x", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(64));
}

#[test]
fn header_only_bam_gives_zero_rows_and_exit_0() {
    let c = Case::new();
    let out = c.path("out.tsv");
    let bam = fx("edge_cases/derived/header_only_no_reads.bam");
    run_ok(&["pileup", "--bam", s(&bam), "-o", s(&out)]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 1, "header line only");
}

#[test]
fn broken_pipe_exits_0() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let bam = fx(&format!("{NF}/test2.paired_end.sorted.bam"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_oncostream"))
        .args([
            "pileup",
            "--bam",
            s(&bam),
            "-a",
            "--quiet",
            "--shard-size",
            "100",
            "-o",
            "-",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut r = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    assert!(line.starts_with("contig\tpos"));
    drop(r);
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
