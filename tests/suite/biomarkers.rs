//! `oncostream run` and MSI: TMB, MSI, purity, QC, identity, one read per BAM (issue 4).

use std::path::Path;

use crate::util::*;

const REF: &str = "reference/hg38_chr2_1-2333275.fa";

fn run_pipeline(
    tumor: &str,
    normal: Option<&str>,
    region: &str,
    extra: &[&str],
) -> (tempfile::TempDir, serde_json::Value, String) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let t = fx(tumor);
    let r = fx(REF);
    let n = normal.map(fx);
    let mut args = vec![
        "run",
        "--tumor",
        s(&t),
        "-r",
        s(&r),
        "--region",
        region,
        "--outdir",
        s(&out),
    ];
    if let Some(n) = &n {
        args.extend(["--normal", s(n)]);
    }
    args.extend_from_slice(extra);
    let o = run_ok(&args);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    (tmp, v, String::from_utf8_lossy(&o.stderr).into_owned())
}

/// Designed somatic variants of a simulator truth (MSI shifts excluded).
fn truth_count(p: &Path) -> usize {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.contains("MSI"))
        .count()
}

#[test]
fn run_p70_tmb_purity_msi_qc_and_one_read_per_bam() {
    let (tmp, r, stderr) = run_pipeline(
        "sim_tn60/tumor.bam",
        Some("sim_tn60/normal.bam"),
        "chr2:1000001-1150000",
        &[],
    );
    let out = tmp.path().join("out");
    for f in [
        "calls.vcf.gz",
        "calls.vcf.gz.tbi",
        "results.json",
        "metrics.json",
        "msi_histograms.tsv",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    assert_eq!(r["schema_version"], 4);
    assert_eq!(r["kind"], "oncostream-results");
    assert_eq!(r["mode"], "tumor-normal");
    // TMB within 10% of the truth count per callable Mb
    let truth = truth_count(&fx("sim_tn60/truth.vcf")) as f64;
    let callable_mb = r["tmb"]["callable_mb"].as_f64().unwrap();
    let per_mb = r["tmb"]["per_mb"].as_f64().unwrap();
    let truth_per_mb = truth / callable_mb;
    assert!(
        (per_mb - truth_per_mb).abs() <= 0.10 * truth_per_mb,
        "TMB {per_mb} vs truth {truth_per_mb}"
    );
    // 0.15 callable Mb: the number is kept for QC, the class is not given (the report's
    // "not evaluable", said in results.json too)
    assert_eq!(r["tmb"]["class"], "not_evaluable");
    assert_eq!(r["tmb"]["evaluable"], false);
    assert!(r["tmb"]["not_evaluable_reason"]
        .as_str()
        .unwrap()
        .contains("below the minimum of 1 Mb"));
    let ci = r["tmb"]["ci95"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() < per_mb && per_mb < ci[1].as_f64().unwrap());
    assert!(
        callable_mb > 0.14 && callable_mb <= 0.15,
        "callable {callable_mb}"
    );
    assert!(r["tmb"]["warnings"][0]
        .as_str()
        .unwrap()
        .contains("less than ~1 Mb"));
    // purity 0.7 +- 0.1, no low-purity warning
    let p = r["purity"]["estimate"].as_f64().unwrap();
    assert!((p - 0.7).abs() <= 0.10, "purity {p}");
    assert!(!stderr.contains("LOW TUMOR PURITY"));
    assert_eq!(r["msi"]["status"], "MSS");
    assert!(r["msi"]["sites_tested"].as_u64().unwrap() >= 20);
    assert_eq!(r["qc"]["identity"]["status"], "match");
    let qc0 = &r["qc"]["samples"][0];
    assert!((qc0["mean_depth"].as_f64().unwrap() - 57.0).abs() < 5.0);
    assert!(
        (qc0["insert_size_median"].as_u64().unwrap() as i64 - 350).abs() < 15,
        "sim fragments 350 +- 80"
    );
    let dup = qc0["duplicate_rate"].as_f64().unwrap();
    assert!(dup > 0.03 && dup < 0.07, "sim --dup-rate 0.05: {dup}");
    for k in ["reference", "inputs"] {
        assert!(r["provenance"].get(k).is_some(), "provenance.{k}");
    }
    // the reference's identity: MD5 of "name\tlength\tM5\n" per contig, with M5 as
    // `samtools dict` computes it (chr2 slice: M5 857e23c56ad670c351b8c2f12a011678)
    assert_eq!(
        r["provenance"]["reference"]["digest"],
        "f114123a733df01dd0def87f89ccf831"
    );
    // one read of each BAM: compressed bytes pulled ~ file size (index windows re-read a little)
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    for inp in m["inputs"].as_array().unwrap() {
        let ratio = inp["bytes_read"].as_f64().unwrap() / inp["size_bytes"].as_f64().unwrap();
        assert!(
            (0.95..=1.25).contains(&ratio),
            "{} read {ratio:.2}x its size",
            inp["path"]
        );
    }
    // every PASS call is carried for tiering
    assert_eq!(
        r["variants"].as_array().unwrap().len() as u64,
        r["calls"]["pass"].as_u64().unwrap()
    );
}

#[test]
fn low_purity_is_estimated_and_warned_everywhere() {
    let (tmp, r, stderr) = run_pipeline(
        "sim_p20/tumor.bam",
        Some("sim_p20/normal.bam"),
        "chr2:1200001-1300000",
        &[],
    );
    let p = r["purity"]["estimate"].as_f64().unwrap();
    assert!((p - 0.2).abs() <= 0.10, "purity {p}");
    assert_eq!(r["purity"]["low_purity"], true);
    assert!(stderr.contains("LOW TUMOR PURITY"), "{stderr}");
    let w: Vec<String> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    assert!(
        w.iter()
            .any(|x| x.contains("LOW TUMOR PURITY") && x.contains("false negative")),
        "{w:?}"
    );
    let vcf = std::process::Command::new("gzip")
        .args(["-dc", s(&tmp.path().join("out/calls.vcf.gz"))])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&vcf.stdout).contains("##oncostream_warning=\"LOW TUMOR PURITY")
    );
    assert_eq!(r["qc"]["verdict"], "fail");
}

#[test]
fn msi_high_pair_is_msi_h_with_truth_sites() {
    let (_t, r, _) = run_pipeline(
        "sim_msih/tumor.bam",
        Some("sim_msih/normal.bam"),
        "chr2:200001-300000",
        &[],
    );
    assert_eq!(r["msi"]["status"], "MSI-H", "{}", r["msi"]);
    let score = r["msi"]["score"].as_f64().unwrap();
    assert!(score >= 20.0, "score {score}");
    // unstable calls are truth-unstable loci
    let truth = std::fs::read_to_string(fx("sim_msih/msi_truth.tsv")).unwrap();
    let unstable_truth: Vec<u64> = truth
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains("\tunstable\t"))
        .map(|l| l.split('\t').nth(2).unwrap().parse::<u64>().unwrap())
        .collect();
    let called: Vec<u64> = r["msi"]["unstable_sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x["site"]
                .as_str()
                .unwrap()
                .split(':')
                .nth(1)
                .unwrap()
                .parse::<u64>()
                .unwrap()
                - 1
        })
        .collect();
    let hits = called
        .iter()
        .filter(|p| {
            unstable_truth
                .iter()
                .any(|t| (*t as i64 - **p as i64).abs() <= 5)
        })
        .count();
    assert!(
        hits * 10 >= called.len() * 8,
        "{hits} of {} unstable calls are truth-unstable",
        called.len()
    );
}

/// The simulated truth of a pair: (position, is a microsatellite alteration) of every somatic
/// indel (the simulator flags microsatellite length changes with INFO `MSI`).
fn truth_indels(dir: &str) -> Vec<(u64, bool)> {
    std::fs::read_to_string(fx(&format!("{dir}/truth.vcf")))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.contains("VARTYPE=SNV"))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[1].parse().unwrap(), f[7].split(';').any(|k| k == "MSI"))
        })
        .collect()
}

#[test]
fn tmb_is_split_into_snvs_microsatellite_indels_and_other_indels() {
    for (dir, region) in [
        ("sim_msih", "chr2:200001-300000"),
        ("sim_tn60", "chr2:1000001-1150000"),
    ] {
        let (_t, r, _) = run_pipeline(
            &format!("{dir}/tumor.bam"),
            Some(&format!("{dir}/normal.bam")),
            region,
            &[],
        );
        let t = &r["tmb"];
        let g = |k: &str| t[k].as_u64().unwrap();
        let mb = t["callable_bases"].as_f64().unwrap() / 1e6;
        // the parts add up, and each rate is its count over the same callable Mb
        assert_eq!(
            g("snv") + g("ms_indels") + g("other_indels"),
            g("count"),
            "{dir}: {t}"
        );
        assert_eq!(g("indel"), g("ms_indels") + g("other_indels"));
        let per = |k: &str| (g(k) as f64 / mb * 100.0).round() / 100.0;
        assert!((t["ms_indels_per_mb"].as_f64().unwrap() - per("ms_indels")).abs() < 0.02);
        let without = ((g("snv") + g("other_indels")) as f64 / mb * 100.0).round() / 100.0;
        assert!((t["per_mb_without_ms_indels"].as_f64().unwrap() - without).abs() < 0.02);
        // against the simulator's truth: the counted PASS indels at true microsatellite
        // alterations are the microsatellite indels, the others are not
        let truth = truth_indels(dir);
        let counted: Vec<&serde_json::Value> = r["variants"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["kind"] != "snv" && v["tumor_af"].as_f64().unwrap() >= 0.05)
            .collect();
        let near_ms = counted
            .iter()
            .filter(|v| {
                let p = v["pos"].as_u64().unwrap();
                truth.iter().any(|(q, ms)| *ms && p.abs_diff(*q) <= 5)
            })
            .count() as u64;
        let planted_ms = truth.iter().filter(|(_, ms)| *ms).count();
        if dir == "sim_msih" {
            assert!(planted_ms >= 10, "{planted_ms}");
            assert!(g("ms_indels") >= 5, "{dir}: {t}");
            // without them the TMB drops by their share
            assert!(
                t["per_mb_without_ms_indels"].as_f64().unwrap() < t["per_mb"].as_f64().unwrap()
            );
        } else {
            assert_eq!(planted_ms, 0);
        }
        assert_eq!(g("ms_indels"), near_ms, "{dir}: {t}");
    }
}

/// Another person's normal: QC fails; the report's QC section names the failing rule and the
/// identity numbers, and the panel is asked to discuss the case first.
#[test]
fn identity_check_flags_another_persons_normal() {
    let (t, r, stderr) = run_pipeline(
        "sim_tn60/tumor.bam",
        Some("sim_other_normal/normal.bam"),
        "chr2:1000001-1150000",
        &["--cancer-type", "LUAD", "--patient-id", "P-0001"],
    );
    assert_eq!(
        r["qc"]["identity"]["status"], "mismatch",
        "{}",
        r["qc"]["identity"]
    );
    assert!(stderr.contains("TUMOR/NORMAL MISMATCH"));
    assert_eq!(r["qc"]["verdict"], "fail");
    let out = t.path().join("out");
    let rep: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(rep["case"]["patient_id"], "P-0001");
    assert_eq!(rep["expert_panel"]["priority"], "qc_retest");
    let reasons = rep["expert_panel"]["reasons"].to_string();
    assert!(
        reasons.contains("identity mismatch") && reasons.contains("QC failed"),
        "{reasons}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("QC verdict: fail"));
    assert!(
        html.contains("<li class=\"fail\">failed: "),
        "the failing rule is shown"
    );
    assert!(html.contains("MISMATCH"));
}

#[test]
fn tumor_only_msi_against_a_baseline_of_normals() {
    let tmp = tempfile::tempdir().unwrap();
    let sites = tmp.path().join("sites.tsv");
    let r = fx(REF);
    run_ok(&["ms-scan", "-r", s(&r), "-o", s(&sites)]);
    let text = std::fs::read_to_string(&sites).unwrap();
    assert!(text.starts_with("chromosome\tlocation\trepeat_unit_length\trepeat_times"));
    assert!(text.lines().count() > 500);
    for (dir, region, want) in [
        ("sim_msih", "chr2:200001-300000", "MSI-H"),
        ("sim_tn60", "chr2:1000001-1150000", "MSS"),
    ] {
        let base = tmp.path().join(format!("{dir}.baseline.tsv"));
        run_ok(&[
            "msi-baseline",
            "--normals",
            s(&fx(&format!("{dir}/normal.bam"))),
            "--sites",
            s(&sites),
            "-r",
            s(&r),
            "--region",
            region,
            "-o",
            s(&base),
        ]);
        let out = tmp.path().join(format!("{dir}.msi.json"));
        run_ok(&[
            "msi",
            "--tumor",
            s(&fx(&format!("{dir}/tumor.bam"))),
            "--baseline",
            s(&base),
            "--sites",
            s(&sites),
            "-r",
            s(&r),
            "--region",
            region,
            "-o",
            s(&out),
        ]);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(v["status"], want, "{dir}: {v}");
        assert_eq!(v["mode"], "tumor-only (baseline)");
    }
}

#[test]
fn tumor_only_run_warns_and_skips_msi_without_baseline() {
    let (_t, r, stderr) = run_pipeline("sim_tn60/tumor.bam", None, "chr2:1000001-1150000", &[]);
    assert_eq!(r["mode"], "tumor-only");
    assert!(stderr.contains("tumor-only mode"));
    assert!(r["msi"].is_null());
    assert!(r["qc"]["identity"].is_null());
}

#[test]
fn run_with_a_cancer_type_ends_with_the_report() {
    let (tmp, r, _) = run_pipeline(
        "sim_tn60/tumor.bam",
        Some("sim_tn60/normal.bam"),
        "chr2:1000001-1150000",
        &["--cancer-type", "LUAD"],
    );
    let out = tmp.path().join("out");
    let rep: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(rep["sample"]["cancer_type"], "LUAD");
    // the simulated TMB is very high but measured over 0.15 Mb: not evaluable (below 1 Mb of
    // callable sequence), never a class, never tiered; the reason is in the report
    assert_eq!(rep["tmb"]["evaluability"]["evaluable"], false);
    assert!(rep["tmb"]["class"].is_null());
    let why = rep["tmb"]["evaluability"]["reason"].as_str().unwrap();
    assert!(
        why.contains("0.150 Mb") && why.contains("minimum of 1 Mb"),
        "{why}"
    );
    assert!(rep["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["alteration"] != "TMB-high"));
    // a TMB that is not evaluable is a caveat, not a reason to discuss the case first
    assert_eq!(rep["expert_panel"]["priority"], "routine");
    assert!(rep["expert_panel"]["reasons"]
        .to_string()
        .contains("TMB not evaluable"));
    // QC numbers, the normal and the mode reach the report
    assert_eq!(rep["sample"]["mode"], "tumor-normal");
    assert!(rep["sample"]["normal"].is_string());
    assert!(rep["qc"]["samples"][0]["mean_depth"].as_f64().unwrap() > 10.0);
    assert_eq!(
        rep["variants"].as_array().unwrap().len() as u64,
        r["calls"]["pass"].as_u64().unwrap()
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("TMB not evaluable"));
    assert!(!html.contains("not required"), "the panel is never waived");
}

/// With transcript models, the TMB numerator is split into synonymous / non-synonymous.
/// The models here are a synthetic single-exon "gene" over the simulated region (the fixture
/// region has no real transcript models), so only the bookkeeping is checked: both counts
/// exist, and they never exceed the counted mutations.
#[test]
fn tmb_splits_synonymous_and_nonsynonymous_with_transcript_models() {
    let tmp = tempfile::tempdir().unwrap();
    let gff = tmp.path().join("g.gff3");
    std::fs::write(
        &gff,
        "##gff-version 3\nchr2\tt\tgene\t1000001\t1150000\t.\t+\t.\tID=gene:G1;Name=SIMGENE\n\
         chr2\tt\tmRNA\t1000001\t1150000\t.\t+\t.\tID=transcript:T1;Parent=gene:G1;biotype=protein_coding;transcript_id=T1\n\
         chr2\tt\texon\t1000001\t1150000\t.\t+\t.\tParent=transcript:T1\n\
         chr2\tt\tCDS\t1000001\t1149999\t.\t+\t0\tParent=transcript:T1\n",
    )
    .unwrap();
    let (_t, r, _) = run_pipeline(
        "sim_tn60/tumor.bam",
        Some("sim_tn60/normal.bam"),
        "chr2:1000001-1150000",
        &["--gff", s(&gff)],
    );
    let syn = r["tmb"]["synonymous"].as_u64().expect("synonymous count");
    let non = r["tmb"]["nonsynonymous"]
        .as_u64()
        .expect("non-synonymous count");
    assert!(syn + non <= r["tmb"]["count"].as_u64().unwrap());
    assert!(syn + non > 0);
}

#[test]
fn retier_takes_a_runs_results_json() {
    let (tmp, _r, _) = run_pipeline(
        "sim_tn60/tumor.bam",
        Some("sim_tn60/normal.bam"),
        "chr2:1000001-1150000",
        &["--cancer-type", "LUAD"],
    );
    let out = tmp.path().join("out");
    let new = tmp.path().join("new");
    // without --kb: the KB built into the binary, as the run used
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_oncostream"))
        .args([
            "retier",
            "--results",
            s(&out.join("results.json")),
            "-o",
            s(&new),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(out.join("report.json")).unwrap(),
        std::fs::read(new.join("report.json")).unwrap()
    );
}

/// `msi` reads a CRAM without its qualities and tags (its observer reads neither): the same
/// pair as CRAM 3.0 (written here by htslib against the reference) gives the BAM's result.
#[test]
fn msi_of_a_cram_pair_equals_msi_of_its_bams() {
    use rust_htslib::bam::{self, Read as _};
    let tmp = tempfile::tempdir().unwrap();
    let r = fx(REF);
    let sites = tmp.path().join("sites.tsv");
    run_ok(&["ms-scan", "-r", s(&r), "-o", s(&sites)]);
    let to_cram = |name: &str| {
        let out = tmp.path().join(format!("{name}.cram"));
        let mut rd = bam::Reader::from_path(fx(&format!("sim_msih/{name}.bam"))).unwrap();
        let header = bam::Header::from_template(rd.header());
        let mut w = bam::Writer::from_path(&out, &header, bam::Format::Cram).unwrap();
        w.set_reference(&r).unwrap();
        for rec in rd.records() {
            w.write(&rec.unwrap()).unwrap();
        }
        drop(w);
        bam::index::build(&out, None, bam::index::Type::Bai, 1).unwrap();
        out
    };
    let (tc, nc) = (to_cram("tumor"), to_cram("normal"));
    let mut results = Vec::new();
    for (t, n) in [
        (fx("sim_msih/tumor.bam"), fx("sim_msih/normal.bam")),
        (tc, nc),
    ] {
        let out = tmp.path().join(format!("msi.{}.json", results.len()));
        run_ok(&[
            "msi",
            "--tumor",
            s(&t),
            "--normal",
            s(&n),
            "--sites",
            s(&sites),
            "-r",
            s(&r),
            "--region",
            "chr2:200001-300000",
            "-o",
            s(&out),
        ]);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        results.push(v);
    }
    assert_eq!(results[0]["status"], "MSI-H", "{}", results[0]);
    assert!(results[0]["sites_tested"].as_u64().unwrap() >= 20);
    assert_eq!(results[0], results[1]);
}
