//! Wrong input is refused, never half-read (issue 19): each defect found by fuzzing and by
//! hand is a regression test here, with its minimised input in `fixtures/robustness/` where a
//! file is needed. Every refusal is one line naming the file (and the record), with a
//! documented exit code.

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::util::{fx, run, s};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a clean refusal: the exit code, one `oncostream: error:` line holding every needle,
/// no panic text.
fn refused(o: &Output, code: i32, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("oncostream: error:"))
        .collect();
    assert_eq!(lines.len(), 1, "one error line expected: {err}");
    for n in needles {
        assert!(lines[0].contains(n), "'{n}' missing from: {}", lines[0]);
    }
    assert!(!err.contains("panicked"), "a panic reached the user: {err}");
}

fn mknod(path: &Path, mode: libc::mode_t, dev: libc::dev_t) -> bool {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mknod only creates a directory entry.
    unsafe { libc::mknod(c.as_ptr(), mode, dev) == 0 }
}

const TUMOR: &str = "nfcore_chr22/test2.paired_end.sorted.bam";

/// `-o /dev/null` as root used to rename a 48 kB regular file over the system's null device
/// (scripts/bench-wgs.sh did exactly this). Tested on a null device of our own (major 1, minor
/// 3) when we may make one, else on /dev/null itself (which an unprivileged run cannot break).
#[test]
fn output_to_a_null_device_leaves_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("null");
    let target: PathBuf = if mknod(&own, libc::S_IFCHR | 0o666, libc::makedev(1, 3)) {
        own
    } else {
        PathBuf::from("/dev/null")
    };
    let o = run(&["pileup", "--bam", s(&fx(TUMOR)), "-o", s(&target)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = std::fs::symlink_metadata(&target).unwrap();
    assert!(
        m.file_type().is_char_device(),
        "{} was replaced",
        target.display()
    );
    let o = run(&["pileup", "--bam", s(&fx(TUMOR)), "-o", "/dev/stdout"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.starts_with(b"contig\tpos\t"));
}

const REF: &str = "reference/hg38_chr2_1-2333275.fa";

fn run_pair(tumor: &str, normal: &str, region: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        "--tumor",
        tumor,
        "--normal",
        normal,
        "-r",
        REF,
        "--region",
        region,
        "--outdir",
        s(out),
        "-t",
        "1",
    ];
    args.extend_from_slice(extra);
    let owned: Vec<String> = args
        .iter()
        .map(|a| {
            if a.ends_with(".bam") || a.ends_with(".fa") {
                s(&fx(a)).to_string()
            } else {
                a.to_string()
            }
        })
        .collect();
    let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
    run(&refs)
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("run_manifest.json")).unwrap()).unwrap()
}

/// Two `run`s of different patients started together into one empty directory both exited 0
/// (11 of 11 tries): one user was told "success" while the directory held the other patient's
/// results. Now the directory's lock lets exactly one of them write; the other is refused.
#[test]
fn two_runs_into_one_outdir_cannot_both_succeed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let a_out = out.clone();
    let a = std::thread::spawn(move || {
        run_pair(
            "sim_tn60/tumor.bam",
            "sim_tn60/normal.bam",
            "chr2:1000001-1150000",
            &a_out,
            &[],
        )
    });
    let b = run_pair(
        "sim_p20/tumor.bam",
        "sim_p20/normal.bam",
        "chr2:1200001-1300000",
        &out,
        &[],
    );
    let a = a.join().unwrap();
    let codes = [a.status.code(), b.status.code()];
    assert!(
        codes == [Some(0), Some(73)] || codes == [Some(73), Some(0)],
        "exactly one run may own the directory: {codes:?}\nA: {}\nB: {}",
        stderr(&a),
        stderr(&b)
    );
    let (winner, loser) = if codes[0] == Some(0) {
        (&a, &b)
    } else {
        (&b, &a)
    };
    let err = stderr(loser);
    assert!(
        err.contains("in use by another oncostream command") || err.contains("another run"),
        "{err}"
    );
    // the directory holds the winner's run, whole
    let m = manifest(&out);
    let want = if std::ptr::eq(winner, &a) {
        "sim_tn60"
    } else {
        "sim_p20"
    };
    let tumor_input = m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["role"] == "tumor")
        .unwrap()["path"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(tumor_input.contains(want), "{tumor_input} vs {want}");
    assert!(
        !out.join(".oncostream.lock").exists(),
        "the lock file is removed at the end"
    );
}

/// A killed run followed by `--force` of another sample kept the killed run's `sv.vcf.gz(.tbi)`,
/// `copy_number.seg` and `copy_number_genes.tsv` (they were missing from the known outputs);
/// and `retier` / `report --results` took a killed run's documents.
#[test]
fn a_killed_runs_files_are_neither_kept_nor_used() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = run_pair(
        "sim_tn60/tumor.bam",
        "sim_tn60/normal.bam",
        "chr2:1000001-1150000",
        &out,
        &["--cancer-type", "LUAD"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // "kill" it: a run writes its manifest last, so a killed run has none
    std::fs::remove_file(out.join("run_manifest.json")).unwrap();
    for what in ["report.json", "results.json"] {
        let o = run(&[
            "retier",
            "--results",
            s(&out.join(what)),
            "-o",
            s(&tmp.path().join("re")),
        ]);
        refused(&o, 65, &["not from a complete run", "run_manifest.json"]);
    }
    let o = run(&[
        "report",
        "--vcf",
        s(&out.join("calls.vcf.gz")),
        "--results",
        s(&out.join("results.json")),
        "-r",
        s(&fx(REF)),
        "--cancer-type",
        "LUAD",
        "--outdir",
        s(&tmp.path().join("rep")),
    ]);
    refused(&o, 65, &["not from a complete run"]);
    for f in ["sv.vcf.gz", "sv.vcf.gz.tbi", "copy_number.seg"] {
        assert!(out.join(f).exists(), "{f}: the fixture run writes it");
    }
    std::fs::write(out.join("copy_number_genes.tsv"), "stale\n").unwrap();
    // another sample with --force, without copy number or SVs
    let o = run_pair(
        "sim_p20/tumor.bam",
        "sim_p20/normal.bam",
        "chr2:1200001-1300000",
        &out,
        &["--force", "--skip-structural"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "sv.vcf.gz",
        "sv.vcf.gz.tbi",
        "copy_number.seg",
        "copy_number_genes.tsv",
        "report.json",
        "report.html",
    ] {
        assert!(
            !out.join(f).exists(),
            "{f} of the killed run survived --force"
        );
    }
    // every file left is listed in the new manifest
    let m = manifest(&out);
    let listed: Vec<&str> = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    for e in std::fs::read_dir(&out).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            name == "run_manifest.json" || listed.contains(&name.as_str()),
            "{name} is not in the manifest"
        );
    }
}
