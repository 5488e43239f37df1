//! Issue 8: every input checked before the pass, outputs that cannot be mistaken for another
//! run's, and documents that say what they are.
//!
//! "No BAM bytes were read" is shown with a poisoned tumor: a copy of the simulated tumor whose
//! middle BGZF block has a corrupt deflate stream but intact framing, so it passes every
//! open-time check (container, EOF marker, header, index) and fails only when the pass decodes
//! its records (exit 65, "cannot decode"). A bad flag that is reported with ITS code and
//! message instead, and leaves no output, was therefore caught before the first shard.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::util::*;

const REF: &str = "reference/hg38_chr2_1-2333275.fa";
const REGION: &str = "chr2:1000001-1150000";

/// Copies the simulated tumor (and its index) with one corrupt BGZF block in the middle.
fn poisoned_tumor(dir: &Path) -> PathBuf {
    let bytes = std::fs::read(fx("sim_tn60/tumor.bam")).unwrap();
    // walk the BGZF blocks: BSIZE (block size - 1) is at offset 16 of each block
    let mut offsets = Vec::new();
    let mut p = 0usize;
    while p + 18 <= bytes.len() {
        let bsize = u16::from_le_bytes([bytes[p + 16], bytes[p + 17]]) as usize + 1;
        offsets.push((p, bsize));
        p += bsize;
    }
    assert!(
        offsets.len() > 10,
        "enough blocks to poison one in the middle"
    );
    let (start, size) = offsets[offsets.len() / 2];
    let mut out = bytes.clone();
    // first byte of the deflate stream: BFINAL=1, BTYPE=11 (reserved) -> invalid stream
    for b in &mut out[start + 18..(start + 26).min(start + size - 8)] {
        *b = 0xff;
    }
    let bam = dir.join("poisoned_tumor.bam");
    std::fs::write(&bam, out).unwrap();
    std::fs::copy(
        fx("sim_tn60/tumor.bam.bai"),
        dir.join("poisoned_tumor.bam.bai"),
    )
    .unwrap();
    bam
}

fn oncostream(args: &[&str]) -> Output {
    run(args)
}

fn run_args<'a>(tumor: &'a str, normal: Option<&'a str>, out: &'a str, r: &'a str) -> Vec<&'a str> {
    let mut a = vec![
        "run",
        "--tumor",
        tumor,
        "-r",
        r,
        "--region",
        REGION,
        "--outdir",
        out,
        "--threads",
        "2",
    ];
    if let Some(n) = normal {
        a.extend(["--normal", n]);
    }
    a
}

/// Asserts the exit code and message, and that `out` holds nothing new.
fn refused(o: &Output, code: i32, needles: &[&str], out: &Path) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
    assert!(
        !err.contains("cannot decode"),
        "the pass started (the poisoned BAM was read): {err}"
    );
    let files: Vec<String> = std::fs::read_dir(out)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(files.is_empty(), "outputs written: {files:?}");
}

#[test]
fn the_poisoned_tumor_fails_only_in_the_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let t = poisoned_tumor(tmp.path());
    let (n, r) = (fx("sim_tn60/normal.bam"), fx(REF));
    let out = tmp.path().join("out");
    let o = oncostream(&run_args(s(&t), Some(s(&n)), s(&out), s(&r)));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(65), "{err}");
    assert!(err.contains("cannot decode"), "{err}");
    // and the failed run left no results that could be taken for a finished one
    assert!(!out.join("results.json").exists());
    assert!(!out.join("run_manifest.json").exists());
}

#[test]
fn bad_clinical_inputs_are_refused_before_the_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let t = poisoned_tumor(tmp.path());
    let (n, r) = (fx("sim_tn60/normal.bam"), fx(REF));
    let out = tmp.path().join("out");
    let base = run_args(s(&t), Some(s(&n)), s(&out), s(&r));
    let with = |extra: &[&str]| {
        let mut a = base.clone();
        a.extend_from_slice(extra);
        oncostream(&a)
    };
    // an OncoTree typo, as a new user types it
    refused(
        &with(&["--cancer-type", "LUNG_ADENO"]),
        64,
        &["'LUNG_ADENO' is not an OncoTree code"],
        &out,
    );
    refused(
        &with(&["--cancer-type", "luad"]),
        64,
        &["did you mean LUAD?"],
        &out,
    );
    // a KB with a bad row: file:line
    let kb = tmp.path().join("bad_kb.tsv");
    std::fs::write(
        &kb,
        "# file: guidelines.tsv\n# version: x\n# date: 2026-11-21\n# licence: CC0-1.0\n\
         id\tgene\talteration\tcancer_types\texclude\tevidence_type\tregimen\tdirection\tstatement\tguideline\tguideline_version\tsource_url\tverified\tnotes\n\
         GL-0001\tEGFR\tp.L858R\tNOT_A_CODE\t-\tpredictive\tosimertinib\tsensitive\tx\tSome guideline\t2026\thttps://example.org/\tsearch\t-\n",
    )
    .unwrap();
    refused(
        &with(&["--cancer-type", "LUAD", "--kb", s(&kb)]),
        65,
        &["bad_kb.tsv:6", "NOT_A_CODE"],
        &out,
    );
    // transcript models: missing, and not a GFF
    refused(
        &with(&["--gff", s(&tmp.path().join("missing.gff3"))]),
        66,
        &["missing.gff3"],
        &out,
    );
    let empty_gff = tmp.path().join("empty.gff3");
    std::fs::write(&empty_gff, "##gff-version 3\n").unwrap();
    refused(
        &with(&["--gff", s(&empty_gff)]),
        65,
        &["holds no transcript"],
        &out,
    );
    // resources: missing, and not a VCF
    refused(
        &with(&["--germline-resource", s(&tmp.path().join("gnomad.vcf.gz"))]),
        66,
        &["gnomad.vcf.gz"],
        &out,
    );
    let junk = tmp.path().join("junk.vcf");
    std::fs::write(&junk, "this is not a VCF\n").unwrap();
    refused(
        &with(&["--panel-of-normals", s(&junk)]),
        65,
        &["junk.vcf", "not bgzip-compressed", "tabix -p vcf"],
        &out,
    );
    // an exclusion BED on a contig the BAM lacks
    let bed = tmp.path().join("hotspots.bed");
    std::fs::write(&bed, "chr7\t100\t200\n").unwrap();
    refused(
        &with(&["--tmb-exclude", s(&bed)]),
        65,
        &["hotspots.bed:1", "chr7"],
        &out,
    );
    // option values
    refused(
        &with(&["--tmb-min-vaf", "1.5"]),
        64,
        &["--tmb-min-vaf"],
        &out,
    );
}

#[test]
fn a_baseline_of_another_site_list_is_refused_before_the_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let t = poisoned_tumor(tmp.path());
    let r = fx(REF);
    let out = tmp.path().join("out");
    // a baseline whose sites are elsewhere on chr2
    let base = tmp.path().join("baseline.tsv");
    std::fs::write(
        &base,
        "chromosome\tlocation\trepeat_unit_bases\trepeat_times\tsample\thistogram\nchr2\t5\tA\t12\tN1\t12:40\n",
    )
    .unwrap();
    let mut a = run_args(s(&t), None, s(&out), s(&r));
    a.extend(["--msi-baseline", s(&base)]);
    refused(&oncostream(&a), 65, &["covers none"], &out);
}

#[test]
fn a_normal_that_is_the_tumor_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let t = poisoned_tumor(tmp.path());
    let r = fx(REF);
    let out = tmp.path().join("out");
    // the same path
    refused(
        &oncostream(&run_args(s(&t), Some(s(&t)), s(&out), s(&r))),
        64,
        &["are the same file"],
        &out,
    );
    // a copy under another name
    let copy = tmp.path().join("normal_copy.bam");
    std::fs::copy(&t, &copy).unwrap();
    std::fs::copy(
        fx("sim_tn60/tumor.bam.bai"),
        tmp.path().join("normal_copy.bam.bai"),
    )
    .unwrap();
    refused(
        &oncostream(&run_args(s(&t), Some(s(&copy)), s(&out), s(&r))),
        64,
        &["identical copies"],
        &out,
    );
    // the same reads in a file with other bytes: the tumor with one more (empty) BGZF block
    // before its EOF marker (the index stays valid: every offset before it is unchanged)
    let bytes = std::fs::read(fx("sim_tn60/tumor.bam")).unwrap();
    const EOF: [u8; 28] = [
        0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, 0x42, 0x43, 2, 0, 0x1b, 0, 3, 0, 0, 0, 0, 0,
        0, 0, 0, 0,
    ];
    assert_eq!(bytes[bytes.len() - 28..], EOF);
    let mut reblocked = bytes[..bytes.len() - 28].to_vec();
    reblocked.extend_from_slice(&EOF);
    reblocked.extend_from_slice(&EOF);
    let same_reads = tmp.path().join("normal_same_reads.bam");
    std::fs::write(&same_reads, reblocked).unwrap();
    std::fs::copy(
        fx("sim_tn60/tumor.bam.bai"),
        tmp.path().join("normal_same_reads.bam.bai"),
    )
    .unwrap();
    refused(
        &oncostream(&run_args(s(&t), Some(s(&same_reads)), s(&out), s(&r))),
        64,
        &["the same reads"],
        &out,
    );
}

#[test]
fn pon_checks_every_normal_before_the_first_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let poisoned = poisoned_tumor(tmp.path());
    let n = fx("sim_tn60/normal.bam");
    let missing = tmp.path().join("third_normal.bam");
    let out = tmp.path().join("pon.vcf.gz");
    let o = oncostream(&[
        "pon",
        "--normals",
        s(&poisoned),
        s(&n),
        s(&missing),
        "-r",
        s(&fx(REF)),
        "--region",
        REGION,
        "-o",
        s(&out),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(66), "{err}");
    assert!(err.contains("third_normal.bam"), "{err}");
    assert!(
        !err.contains("cannot decode"),
        "a normal was processed: {err}"
    );
    assert!(!out.exists());
}

#[test]
fn an_unknown_msi_spelling_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let vcf = tmp.path().join("v.vcf");
    std::fs::write(
        &vcf,
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
    )
    .unwrap();
    let out = tmp.path().join("rep");
    let o = oncostream(&[
        "report",
        "--vcf",
        s(&vcf),
        "-r",
        s(&fx(REF)),
        "--cancer-type",
        "COADREAD",
        "--msi-status",
        "MSI-High",
        "--outdir",
        s(&out),
    ]);
    refused(&o, 64, &["'MSI-High' is not one of MSI-H, MSS"], &out);
}

fn run_sample(tumor: &str, normal: &str, out: &Path, extra: &[&str]) -> Output {
    let (t, n, r) = (fx(tumor), fx(normal), fx(REF));
    let mut a = run_args(s(&t), Some(s(&n)), s(out), s(&r));
    a.extend_from_slice(extra);
    oncostream(&a)
}

/// The stale-outdir case of the issue: a run into a directory that held another patient's
/// report must not leave that report to be re-tiered as this patient's.
#[test]
fn a_stale_output_directory_fails_safely() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // patient A, with a report
    let a = run_sample(
        "sim_tn60/tumor.bam",
        "sim_tn60/normal.bam",
        &out,
        &["--cancer-type", "LUAD", "--callable-bed"],
    );
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let report_a = std::fs::read(out.join("report.json")).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run_manifest.json")).unwrap())
            .unwrap();
    let run_a = manifest["run_id"].as_str().unwrap().to_string();
    // patient B into the same directory: refused, A's files untouched
    let b = run_sample("sim_p20/tumor.bam", "sim_p20/normal.bam", &out, &[]);
    let err = String::from_utf8_lossy(&b.stderr);
    assert_eq!(b.status.code(), Some(73), "{err}");
    assert!(err.contains("another run") && err.contains(&run_a), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(out.join("report.json")).unwrap(), report_a);
    // with --force: A's outputs are removed before B writes; B has no report
    std::fs::write(out.join("notes.txt"), "the lab's own file").unwrap();
    let b = run_sample(
        "sim_p20/tumor.bam",
        "sim_p20/normal.bam",
        &out,
        &["--force"],
    );
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    for stale in ["report.json", "report.html", "callable.bed"] {
        assert!(!out.join(stale).exists(), "{stale} of patient A survived");
    }
    assert!(
        out.join("notes.txt").exists(),
        "files oncostream did not write are kept"
    );
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_ne!(results["run_id"].as_str().unwrap(), run_a);
    // re-tiering B's results cannot pick up A's report any more
    let new = tmp.path().join("retiered");
    let o = oncostream(&[
        "retier",
        "--results",
        s(&out.join("results.json")),
        "-o",
        s(&new),
    ]);
    assert_eq!(o.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&o.stderr).contains("without a report.json"));
    // the manifest lists every output with its checksum, and is the last file written
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run_manifest.json")).unwrap())
            .unwrap();
    assert_eq!(m["run_id"], results["run_id"]);
    let outputs: Vec<&str> = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    for f in [
        "calls.vcf.gz",
        "results.json",
        "metrics.json",
        "msi_histograms.tsv",
    ] {
        assert!(outputs.contains(&f), "{f} not in the manifest: {outputs:?}");
    }
    assert!(m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["md5"].as_str().is_some_and(|x| x.len() == 32)));
    let tumor = m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["role"] == "tumor")
        .unwrap();
    // the default input checksum is BLAKE3 (`--input-checksums`)
    assert_eq!(
        tumor["blake3"].as_str().unwrap().len(),
        64,
        "input checksum"
    );
}

/// `retier` refuses a report.json that does not belong to the results beside it, and
/// `report` refuses a VCF and results.json of different runs.
#[test]
fn documents_of_different_runs_are_not_combined() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for (dir, t, n) in [
        (&a, "sim_tn60/tumor.bam", "sim_tn60/normal.bam"),
        (&b, "sim_p20/tumor.bam", "sim_p20/normal.bam"),
    ] {
        let o = run_sample(t, n, dir, &["--cancer-type", "LUAD"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // mix: B's report beside A's results
    std::fs::copy(b.join("report.json"), a.join("report.json")).unwrap();
    let new = tmp.path().join("new");
    let o = oncostream(&[
        "retier",
        "--results",
        s(&a.join("results.json")),
        "-o",
        s(&new),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(65), "{err}");
    assert!(err.contains("mixes two runs"), "{err}");
    assert!(!new.exists(), "nothing written");
    // report: A's results with B's VCF
    let rep = tmp.path().join("rep");
    let o = oncostream(&[
        "report",
        "--vcf",
        s(&b.join("calls.vcf.gz")),
        "--results",
        s(&a.join("results.json")),
        "-r",
        s(&fx(REF)),
        "--cancer-type",
        "LUAD",
        "--outdir",
        s(&rep),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(65), "{err}");
    assert!(err.contains("not from the same run"), "{err}");
    // a results.json given where a report is expected, and an old-format file
    let o = oncostream(&[
        "retier",
        "--results",
        s(&a.join("metrics.json")),
        "-o",
        s(&new),
    ]);
    assert_eq!(o.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("is an oncostream metrics.json, not a report.json"));
    let old = tmp.path().join("old_results.json");
    std::fs::write(&old, "{\"tmb\": {\"per_mb\": 3.1}}\n").unwrap();
    let o = oncostream(&["retier", "--results", s(&old), "-o", s(&new)]);
    assert_eq!(o.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no 'kind' field"));
    let o = oncostream(&[
        "report",
        "--vcf",
        s(&a.join("calls.vcf.gz")),
        "--results",
        s(&a.join("report.json")),
        "-r",
        s(&fx(REF)),
        "--cancer-type",
        "LUAD",
        "--outdir",
        s(&rep),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(65), "{err}");
    assert!(
        err.contains("is an oncostream report.json, not a results.json"),
        "{err}"
    );
}

/// `report` into the directory of its own run adds the report to that run's manifest.
#[test]
fn report_into_its_own_runs_directory_extends_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = run_sample("sim_tn60/tumor.bam", "sim_tn60/normal.bam", &out, &[]);
    assert!(o.status.success());
    let o = oncostream(&[
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
        s(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run_manifest.json")).unwrap())
            .unwrap();
    let outputs: Vec<&str> = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert!(outputs.contains(&"results.json") && outputs.contains(&"report.json"));
    assert_eq!(m["command"], "run + report");
}

/// An installed binary (copied away from the source tree, run from another directory) finds
/// its knowledge base: it is compiled in.
#[test]
fn an_installed_binary_finds_its_knowledge_base() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin/oncostream");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_oncostream"), &bin).unwrap();
    let o = std::process::Command::new(&bin)
        .args(["kb", "validate"])
        .current_dir(tmp.path())
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("builtin:data/kb: ok"), "{text}");
    // the built-in KB is byte for byte the shipped data files (MD5 over them in name order)
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kb");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "tsv") && !p.ends_with("civic_disease_oncotree.tsv")
        })
        .collect();
    names.sort();
    let mut shipped = Vec::new();
    for p in names {
        shipped.extend(std::fs::read(p).unwrap());
    }
    let vcf = tmp.path().join("v.vcf");
    std::fs::write(
        &vcf,
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
    )
    .unwrap();
    let out = tmp.path().join("rep");
    let o = std::process::Command::new(&bin)
        .args([
            "report",
            "--vcf",
            s(&vcf),
            "-r",
            s(&fx(REF)),
            "--cancer-type",
            "COADREAD",
            "--msi-status",
            "MSI-H",
            "--outdir",
            s(&out),
            "--quiet",
        ])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(r["kb"]["path"], "builtin:data/kb");
    use md5::{Digest, Md5};
    let md5: String = Md5::digest(&shipped)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(r["kb"]["md5"], md5);
    assert!(r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["alteration"] == "MSI-H"));
}

/// Basic items are validated before anything is written: a calendar date, a percentage, known
/// keys in a case-info file (file:line).
#[test]
fn bad_basic_items_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let vcf = tmp.path().join("v.vcf");
    std::fs::write(
        &vcf,
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
    )
    .unwrap();
    let out = tmp.path().join("rep");
    let reference = fx(REF);
    let report = |extra: &[&str]| {
        let mut a = vec![
            "report",
            "--vcf",
            s(&vcf),
            "-r",
            s(&reference),
            "--cancer-type",
            "COADREAD",
            "--outdir",
            s(&out),
        ];
        a.extend_from_slice(extra);
        oncostream(&a)
    };
    refused(
        &report(&["--collection-date", "2026-02-30"]),
        64,
        &["'2026-02-30' is not a date"],
        &out,
    );
    refused(
        &report(&["--tumor-content", "130"]),
        64,
        &["not a percentage"],
        &out,
    );
    let info = tmp.path().join("case.yaml");
    std::fs::write(
        &info,
        "patient-id: P-1\nspecimen-type: FFPE tissue\nward: 5\n",
    )
    .unwrap();
    refused(
        &report(&["--case-info", s(&info)]),
        65,
        &["case.yaml:3: unknown key 'ward'"],
        &out,
    );
    // a good file, with a flag overriding it
    std::fs::write(
        &info,
        "# basic items\npatient-id: P-1\nspecimen-type: FFPE tissue\ncollection-date: 2026-10-01\ntumor-content: 40%\n",
    )
    .unwrap();
    let o = report(&["--case-info", s(&info), "--patient-id", "P-2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(r["case"]["patient_id"], "P-2");
    assert_eq!(r["case"]["specimen_type"], "FFPE tissue");
    assert_eq!(r["case"]["pathology_tumor_content"], 40.0);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("40% (pathology)") && html.contains("2026-10-01"));
}

/// Reads aligned to another reference of the same length (no `@SQ M5` in these BAMs to catch it):
/// the mismatch share is far above sequencing error, the run stops with exit 65 and writes no
/// result. On the right reference the share is what `samtools stats` reports as its error rate.
#[test]
fn a_wrong_reference_without_md5_tags_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let fx22 = fx("nfcore_chr22");
    let (t, n) = (
        fx22.join("test2.paired_end.sorted.bam"),
        fx22.join("test.paired_end.sorted.bam"),
    );
    // the same contig names and lengths, every base complemented
    let right = std::fs::read_to_string(fx22.join("genome.fasta")).unwrap();
    let wrong: String = right
        .lines()
        .map(|l| {
            if l.starts_with('>') {
                l.to_string()
            } else {
                l.chars()
                    .map(|c| match c {
                        'A' | 'a' => 'T',
                        'C' | 'c' => 'G',
                        'G' | 'g' => 'C',
                        'T' | 't' => 'A',
                        o => o,
                    })
                    .collect()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    let wrong_fa = tmp.path().join("wrong.fa");
    std::fs::write(&wrong_fa, wrong).unwrap();
    let out = tmp.path().join("out");
    let o = oncostream(&[
        "run",
        "--tumor",
        s(&t),
        "--normal",
        s(&n),
        "-r",
        s(&wrong_fa),
        "--outdir",
        s(&out),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(65), "{err}");
    assert!(
        err.contains("differ from the reference") && err.contains("testT"),
        "{err}"
    );
    assert!(!out.join("results.json").exists() && !out.join("run_manifest.json").exists());
    // the right reference: the share equals samtools stats' "error rate" (mismatches / bases
    // mapped) within 15% (samtools counts NM, which also holds indel bases, over every read)
    let o = oncostream(&[
        "run",
        "--tumor",
        s(&t),
        "--normal",
        s(&n),
        "-r",
        s(&fx22.join("genome.fasta")),
        "--outdir",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    // samtools 1.16 stats: tumor 2.382428e-03, normal 2.014930e-03
    for (i, want) in [(0, 2.382428e-03), (1, 2.014930e-03)] {
        let got = r["qc"]["samples"][i]["reference_mismatch_rate"]
            .as_f64()
            .unwrap();
        assert!(
            (got - want).abs() / want < 0.15,
            "sample {i}: {got} vs samtools {want}"
        );
    }
}
