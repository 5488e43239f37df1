//! `batch`: a sample sheet validated before anything starts, samples run concurrently, a failed
//! sample not stopping the others, resumability, a kill midway leaving nothing that looks
//! complete, the summary (numbers equal each run's own results), `--emit-slurm` scripts.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::*;

const REF: &str = "reference/hg38_chr2_1-2333275.fa";
// covers the three simulated pairs (sim_msih 200-300 kb, sim_tn60 1.00-1.15 Mb, sim_p20 1.2-1.3 Mb)
const REGION: &str = "chr2:200001-1300000";

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
    .unwrap()
}

/// A sheet of three patients: P1 (sim_tn60, MSS pair), P2 (sim_msih, MSI-H pair, colorectal),
/// P3 (sim_p20 tumor, tumor-only); `extra` rows appended.
fn sheet(dir: &Path, extra: &str) -> PathBuf {
    let p = dir.join("samples.csv");
    let f = |r: &str| fx(r).display().to_string();
    std::fs::write(
        &p,
        format!(
            "patient,sample,status,bam,cancer_type\nP1,P1_N,0,{},\nP1,P1_T,1,{},LUAD\nP2,P2_N,0,{},\nP2,P2_T,1,{},COADREAD\nP3,P3_T,1,{},\n{extra}",
            f("sim_tn60/normal.bam"),
            f("sim_tn60/tumor.bam"),
            f("sim_msih/normal.bam"),
            f("sim_msih/tumor.bam"),
            f("sim_p20/tumor.bam"),
        ),
    )
    .unwrap();
    p
}

fn batch_cmd(sheet: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_oncostream"));
    c.args([
        "batch",
        "--samplesheet",
        s(sheet),
        "--outdir",
        s(out),
        "-r",
        s(&fx(REF)),
        "--region",
        REGION,
        "--cancer-type",
        "NSCLC",
        "--skip-structural",
    ])
    .args(extra)
    .stdin(Stdio::null());
    c
}

/// A copy of a BAM with bytes flipped in the middle: its header and index are sound (it passes
/// validation), its records cannot be decoded (the run fails during the pass).
fn corrupt_copy(src: &Path, dst: &Path) {
    let mut b = std::fs::read(src).unwrap();
    let n = b.len() / 2;
    for x in &mut b[n..n + 200] {
        *x ^= 0x5a;
    }
    std::fs::write(dst, b).unwrap();
    std::fs::copy(
        format!("{}.bai", src.display()),
        format!("{}.bai", dst.display()),
    )
    .unwrap();
}

/// md5sum of a file (coreutils: an independent check of the manifest).
fn md5sum(p: &Path) -> String {
    let o = Command::new("md5sum").arg(p).output().unwrap();
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// True when the directory's manifest exists and every output it lists has its size and MD5.
fn checks_out(dir: &Path) -> bool {
    let m = dir.join("run_manifest.json");
    if !m.exists() {
        return false;
    }
    let v = json(&m);
    v["outputs"].as_array().unwrap().iter().all(|o| {
        let p = dir.join(o["path"].as_str().unwrap());
        p.exists()
            && std::fs::metadata(&p).unwrap().len() == o["size"].as_u64().unwrap()
            && o["md5"].as_str().is_none_or(|h| md5sum(&p) == h)
    })
}

#[test]
fn a_sheet_runs_concurrently_a_failure_stops_nothing_and_a_rerun_skips_what_is_done() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("corrupt.bam");
    corrupt_copy(&fx("sim_p20/normal.bam"), &bad);
    let sh = sheet(tmp.path(), &format!("P4,P4_T,1,{},\n", bad.display()));
    let out = tmp.path().join("out");
    let o = batch_cmd(&sh, &out, &["--jobs", "2", "--threads", "2"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    // exit code = number of failed samples
    assert_eq!(o.status.code(), Some(1), "{err}");
    let sum = json(&out.join("batch_summary.json"));
    assert_eq!(sum["kind"], "oncostream-batch-summary");
    assert_eq!(sum["totals"]["samples"], 4);
    assert_eq!(sum["totals"]["complete"], 3);
    assert_eq!(sum["totals"]["failed"], 1);
    let rows = sum["samples"].as_array().unwrap();
    let row = |id: &str| rows.iter().find(|r| r["sample"] == id).unwrap().clone();
    for id in ["P1_T", "P2_T", "P3_T"] {
        let r = row(id);
        assert_eq!(r["status"], "complete", "{id}: {r}");
        let dir = out.join(id);
        assert!(checks_out(&dir), "{id}");
        // the summary repeats each run's own results
        let res = json(&dir.join("results.json"));
        assert_eq!(r["tmb_per_mb"], res["tmb"]["per_mb"], "{id}");
        assert_eq!(r["purity"], res["purity"]["estimate"], "{id}");
        assert_eq!(r["qc"], res["qc"]["verdict"], "{id}");
        // a TMB from less than 1 callable Mb is not evaluable (the report's rule), here
        // ~0.1-0.15 Mb: the number stays for QC, the class says so
        let callable = res["tmb"]["callable_mb"].as_f64().unwrap();
        assert!(callable < 1.0);
        assert_eq!(r["tmb_callable_mb"], res["tmb"]["callable_mb"]);
        assert_eq!(r["tmb_evaluable"], false, "{id}");
        assert_eq!(r["tmb_class"], "not evaluable", "{id}");
        let mq = json(&dir.join("oncostream_general_mqc.json"));
        assert_eq!(mq["data"][id]["tmb_evaluable"], "no");
        assert_eq!(mq["data"][id]["tmb"], res["tmb"]["per_mb"]);
        let met = json(&dir.join("metrics.json"));
        assert_eq!(met["sample"], id);
        // two jobs share the two threads
        assert_eq!(met["threads"], 1, "{id}");
        assert_eq!(r["wall_seconds"], met["wall_seconds"]);
        // the report carries the sheet's ids
        let rep = json(&dir.join("report.json"));
        assert_eq!(rep["case"]["patient_id"], r["patient"]);
        assert_eq!(rep["case"]["specimen_id"], id);
    }
    // sheet cancer types override the batch default; the simulated MSI status is found
    assert_eq!(row("P1_T")["cancer_type"], "LUAD");
    assert_eq!(row("P2_T")["cancer_type"], "COADREAD");
    assert_eq!(row("P3_T")["cancer_type"], "NSCLC");
    assert_eq!(row("P1_T")["msi_status"], "MSS");
    assert_eq!(row("P2_T")["msi_status"], "MSI-H");
    assert!(row("P1_T")["identity"].as_f64().unwrap() > 0.9);
    assert!(
        row("P3_T")["identity"].is_null(),
        "tumor-only has no identity"
    );
    assert!(row("P3_T")["normal"].is_null());
    let p4 = row("P4_T");
    assert_eq!(p4["status"], "failed");
    assert_eq!(p4["exit_code"], 65);
    assert!(
        p4["reason"].as_str().unwrap().contains("cannot decode"),
        "{p4}"
    );
    assert!(!out.join("P4_T/run_manifest.json").exists());
    let log = std::fs::read_to_string(out.join("logs/P4_T.log")).unwrap();
    assert!(log.contains("oncostream: error:"), "{log}");
    // TSV and HTML hold the same rows; the failed sample is never on the panel's agenda
    let tsv = std::fs::read_to_string(out.join("batch_summary.tsv")).unwrap();
    assert_eq!(tsv.lines().count(), 5);
    assert!(
        tsv.lines()
            .any(|l| l.starts_with("4\tP4_T\tP4\t\tNSCLC\tfailed\t65\t")),
        "{tsv}"
    );
    let html = std::fs::read_to_string(out.join("batch_summary.html")).unwrap();
    let agenda =
        &html[html.find("Expert-panel agenda").unwrap()..html.find("Not reportable").unwrap()];
    assert!(agenda.contains("P1_T") && agenda.contains("P2_T") && !agenda.contains("P4_T"));
    assert!(html.contains("<svg"), "throughput chart");
    // MultiQC files: one per sample, keyed by the sheet's id
    let mq = json(&out.join("P2_T/oncostream_general_mqc.json"));
    assert_eq!(mq["data"]["P2_T"]["msi_status"], "MSI-H");

    // re-run: the complete samples are skipped (untouched), the failed one is tried again
    let before = std::fs::read_to_string(out.join("P1_T/run_manifest.json")).unwrap();
    let o = batch_cmd(&sh, &out, &["--jobs", "2", "--threads", "2"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        before,
        std::fs::read_to_string(out.join("P1_T/run_manifest.json")).unwrap()
    );
    let sum = json(&out.join("batch_summary.json"));
    assert_eq!(sum["totals"]["skipped"], 3);
    assert_eq!(sum["totals"]["failed"], 1);

    // a half-finished sample (manifest gone, a file changed) is redone from scratch
    std::fs::remove_file(out.join("P2_T/run_manifest.json")).unwrap();
    let o = batch_cmd(&sh, &out, &["--only", "P2_T"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(checks_out(&out.join("P2_T")));

    // other settings over complete outputs: refused before anything runs, unless --force
    let o = batch_cmd(&sh, &out, &["--only", "P1_T", "--min-mapping-quality", "5"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(73));
    assert!(String::from_utf8_lossy(&o.stderr).contains("made with other settings"));
    assert_eq!(
        before,
        std::fs::read_to_string(out.join("P1_T/run_manifest.json")).unwrap()
    );
}

#[test]
fn a_bad_sheet_is_refused_before_any_sample_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let cases: [(&str, &str, i32); 4] = [
        ("P9,P9_T,1,/nonexistent/t.bam,\n", "P9_T", 66),
        ("P1,P1_T2,1,FILE,LUNG_ADENO\n", "LUNG_ADENO", 64),
        ("P1,P1_N2,0,FILE,\n", "two normals", 65),
        ("P1,P1_T,1,FILE,\n", "already used", 65),
    ];
    for (extra, want, code) in cases {
        let extra = extra.replace("FILE", s(&fx("sim_other_normal/normal.bam")));
        let sh = sheet(tmp.path(), &extra);
        let o = batch_cmd(&sh, &out, &[]).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{extra}: {err}");
        assert!(err.contains(want), "{extra}: {err}");
        assert!(!out.exists(), "nothing may start: {extra}");
    }
    // paired mode: a tumor without a normal
    let sh = sheet(tmp.path(), "");
    let o = batch_cmd(&sh, &out, &["--require-normal"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&o.stderr).contains("P3_T"));
    assert!(!out.exists());
}

fn wait_for(p: &Path, limit: Duration) -> bool {
    let t = Instant::now();
    while t.elapsed() < limit {
        if p.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn a_batch_killed_midway_leaves_nothing_that_looks_complete_and_a_rerun_finishes() {
    let tmp = tempfile::tempdir().unwrap();
    let sh = sheet(tmp.path(), "");
    let out = tmp.path().join("out");
    let ids = ["P1_T", "P2_T", "P3_T"];
    // SIGTERM while the first sample runs, then SIGKILL while the next one runs
    for (sig, first) in [(libc::SIGTERM, "P1_T"), (libc::SIGKILL, "P2_T")] {
        let mut child = batch_cmd(&sh, &out, &["--jobs", "1", "--threads", "1"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = wait_for(
            &out.join("logs").join(format!("{first}.log")),
            Duration::from_secs(60),
        );
        assert!(started, "{first} never started");
        // SAFETY: signal to our own child.
        unsafe {
            libc::kill(child.id() as i32, sig);
        }
        let st = child.wait().unwrap();
        if sig == libc::SIGTERM && st.code() != Some(0) {
            // stopped (not finished before the signal): 128 + 15, and a summary that says so
            assert_eq!(st.code(), Some(143));
            let sum = json(&out.join("batch_summary.json"));
            assert_eq!(sum["interrupted"], true);
            assert!(sum["totals"]["unfinished"].as_u64().unwrap() >= 1);
        }
        // the batch's children end with it (PR_SET_PDEATHSIG); give them a moment
        std::thread::sleep(Duration::from_millis(500));
        for id in ids {
            let dir = out.join(id);
            if dir.join("run_manifest.json").exists() {
                assert!(
                    checks_out(&dir),
                    "{id}: a manifest whose outputs do not check out"
                );
            }
        }
    }
    let done_before: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| out.join(id).join("run_manifest.json").exists())
        .collect();
    let o = batch_cmd(&sh, &out, &["--jobs", "2", "--threads", "2"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sum = json(&out.join("batch_summary.json"));
    assert_eq!(sum["totals"]["complete"], 3);
    assert_eq!(sum["totals"]["skipped"], done_before.len());
    for id in ids {
        assert!(checks_out(&out.join(id)), "{id}");
    }
}

#[test]
fn emit_slurm_writes_an_array_that_repeats_the_command() {
    let tmp = tempfile::tempdir().unwrap();
    let sh = sheet(tmp.path(), "");
    let out = tmp.path().join("out");
    let o = batch_cmd(
        &sh,
        &out,
        &[
            "--emit-slurm",
            "--slurm-cpus",
            "4",
            "--slurm-partition",
            "short",
            "--slurm-max-parallel",
            "2",
            "--jobs",
            "3",
        ],
    )
    .output()
    .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sb = std::fs::read_to_string(out.join("slurm/oncostream.sbatch")).unwrap();
    for want in [
        "#SBATCH --array=1-3%2",
        "#SBATCH --cpus-per-task=4",
        // 2048 + 512 per CPU
        "#SBATCH --mem=4096M",
        "#SBATCH --partition=short",
        "--task \"$SLURM_ARRAY_TASK_ID\" --threads \"${SLURM_CPUS_PER_TASK:-4}\"",
        "--cancer-type NSCLC",
    ] {
        assert!(sb.contains(want), "missing {want:?} in\n{sb}");
    }
    assert!(!sb.contains("--jobs") && !sb.contains("--emit-slurm") && !sb.contains("--slurm-"));
    let tasks = std::fs::read_to_string(out.join("slurm/tasks.tsv")).unwrap();
    assert_eq!(
        tasks,
        "task\tsample\tpatient\tnormal\n1\tP1_T\tP1\tP1_N\n2\tP2_T\tP2\tP2_N\n3\tP3_T\tP3\t\n"
    );
    for f in ["oncostream.sbatch", "summary.sbatch", "submit.sh"] {
        let st = Command::new("bash")
            .arg("-n")
            .arg(out.join("slurm").join(f))
            .status()
            .unwrap();
        assert!(st.success(), "{f} is not valid bash");
    }
    // nothing ran
    assert!(!out.join("P1_T").exists());
    // a task runs exactly its sample, as the array would
    let o = batch_cmd(&sh, &out, &["--task", "3", "--threads", "1"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(checks_out(&out.join("P3_T")));
    assert!(!out.join("P1_T").exists());
    let o = batch_cmd(&sh, &out, &["--task", "4"]).output().unwrap();
    assert_eq!(o.status.code(), Some(64));
    // the summary from disk: one complete, two not run; exit code = 2 unfinished
    let o = batch_cmd(&sh, &out, &["--summary-only"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let sum = json(&out.join("batch_summary.json"));
    assert_eq!(sum["totals"]["complete"], 1);
    assert_eq!(sum["totals"]["unfinished"], 2);
}

#[test]
fn export_maf_of_a_batch_follows_the_maf_specification() {
    let tmp = tempfile::tempdir().unwrap();
    let a = fx("annotation");
    let sh = tmp.path().join("s.csv");
    std::fs::write(
        &sh,
        format!(
            "patient,sample,status,bam,cancer_type\nG1,G1_N,0,{},\nG1,G1_T,1,{},BRCA\n",
            fx("sim_germline/normal.bam").display(),
            fx("sim_germline/tumor.bam").display()
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_oncostream"))
        .args([
            "batch",
            "--samplesheet",
            s(&sh),
            "--outdir",
            s(&out),
            "-r",
            s(&a.join("cancer_genes.GRCh38.slices.fa")),
            "--region",
            "BRCA2__LRG_293__chr13_32310480_32401672:38001-54000",
            "--gff",
            s(&a.join("cancer_genes.GRCh38.slices.refseq_lrg.gff3")),
            "--transcripts",
            s(&a.join("mane_select.tsv")),
            "--skip-structural",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let maf = tmp.path().join("cohort.maf");
    let study = tmp.path().join("demo_study");
    run_ok(&[
        "export",
        s(&out),
        "--maf",
        s(&maf),
        "--cbioportal-study",
        s(&study),
    ]);
    let text = std::fs::read_to_string(&maf).unwrap();
    let mut lines = text.lines();
    // the MAF specification (GDC) and cBioPortal's validator, as vcf2maf writes it
    assert_eq!(lines.next(), Some("#version 2.4"));
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    assert_eq!(header.len(), 46);
    assert_eq!(
        &header[..4],
        ["Hugo_Symbol", "Entrez_Gene_Id", "Center", "NCBI_Build"]
    );
    assert_eq!(header[15], "Tumor_Sample_Barcode");
    assert_eq!(header[36], "HGVSp_Short");
    assert_eq!(header[45], "all_effects");
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let res = json(&out.join("G1_T/results.json"));
    let calls = res["variants"].as_array().unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), calls.len(), "one row per PASS call");
    assert!(!rows.is_empty());
    let classes = [
        "Frame_Shift_Del",
        "Frame_Shift_Ins",
        "In_Frame_Del",
        "In_Frame_Ins",
        "Missense_Mutation",
        "Nonsense_Mutation",
        "Silent",
        "Splice_Site",
        "Translation_Start_Site",
        "Nonstop_Mutation",
        "3'UTR",
        "3'Flank",
        "5'UTR",
        "5'Flank",
        "IGR",
        "Intron",
        "RNA",
        "Targeted_Region",
        "Splice_Region",
    ];
    let mut genes = std::collections::BTreeSet::new();
    for (r, c) in rows.iter().zip(calls) {
        assert_eq!(r.len(), 46, "{r:?}");
        for req in [
            "Hugo_Symbol",
            "Tumor_Sample_Barcode",
            "Variant_Classification",
            "Chromosome",
            "Start_Position",
            "End_Position",
            "Reference_Allele",
            "Tumor_Seq_Allele1",
            "Tumor_Seq_Allele2",
            "Variant_Type",
            "NCBI_Build",
        ] {
            assert!(!r[col(req)].is_empty(), "{req} empty in {r:?}");
        }
        assert_eq!(r[col("Tumor_Sample_Barcode")], "G1_T");
        assert_eq!(r[col("Matched_Norm_Sample_Barcode")], "G1_N");
        assert_eq!(r[col("Strand")], "+");
        assert!(classes.contains(&r[col("Variant_Classification")]), "{r:?}");
        let short = r[col("HGVSp_Short")];
        assert!(!short.contains(',') && !short.contains(';'));
        let (start, end): (u64, u64) = (
            r[col("Start_Position")].parse().unwrap(),
            r[col("End_Position")].parse().unwrap(),
        );
        let (rf, t1, t2) = (
            r[col("Reference_Allele")],
            r[col("Tumor_Seq_Allele1")],
            r[col("Tumor_Seq_Allele2")],
        );
        assert_eq!(rf, t1, "heterozygous somatic: allele 1 is the reference");
        for al in [rf, t2] {
            assert!(al.chars().all(|ch| "ACGT-".contains(ch)), "{al}");
        }
        match r[col("Variant_Type")] {
            "SNP" => assert!(start == end && rf.len() == 1 && t2.len() == 1),
            "INS" => assert!(rf == "-" && end == start + 1),
            "DEL" => assert!(t2 == "-" && end - start + 1 == rf.len() as u64),
            other => panic!("type {other}"),
        }
        // the row is the call of results.json: position (VCF POS = Start, or Start - 1 for a
        // deletion's anchor) and counts
        let pos = c["pos"].as_u64().unwrap();
        match r[col("Variant_Type")] {
            "DEL" => assert_eq!(start, pos + 1),
            _ => assert_eq!(start, pos),
        }
        let (td, ta) = (
            c["tumor_depth"].as_u64().unwrap(),
            c["tumor_alt"].as_u64().unwrap(),
        );
        assert_eq!(r[col("t_depth")], td.to_string());
        assert_eq!(r[col("t_alt_count")], ta.to_string());
        assert_eq!(r[col("t_ref_count")], (td - ta).to_string());
        assert_eq!(
            r[col("n_depth")],
            c["normal_depth"].as_u64().unwrap().to_string()
        );
        genes.insert(r[col("Hugo_Symbol")].to_string());
    }
    // the simulated variants lie in BRCA2 (annotated from the report)
    assert!(genes.contains("BRCA2"), "{genes:?}");
    let meta = std::fs::read_to_string(study.join("meta_mutations.txt")).unwrap();
    assert!(meta.contains("genetic_alteration_type: MUTATION_EXTENDED\ndatatype: MAF\n"));
    assert!(meta.contains("data_filename: data_mutations.txt"));
    // an incomplete run is refused, or left out on request
    std::fs::remove_file(out.join("G1_T/run_manifest.json")).unwrap();
    let o = run(&["export", s(&out), "--maf", s(&maf)]);
    assert_eq!(o.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a complete run"));
}
