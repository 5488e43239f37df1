//! `monitor` (issue 24): UMI families against UMI-tools, detection and tumor-fraction accuracy
//! on generated cell-free DNA (scripts/make-cfdna.py) at 1% and 0.1%, a tumor-free sample, a
//! sample without UMIs, new variants with the white-cell normal, and the up-front errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

const REF: &str = "reference/hg38_chr2_1-2333275.fa";
const SLICES: &str = "annotation/cancer_genes.GRCh38.slices.fa";
const EGFR: &str = "EGFR__LRG_304__chr7_55014032_55258620";
const TP53: &str = "TP53__LRG_321__chr17_7659779_7692550";

fn tools_present() -> bool {
    let ok = |c: &str| Command::new(c).arg("--version").output().is_ok();
    if ok("samtools") && ok("python3") {
        return true;
    }
    assert!(
        std::env::var("CI").is_err(),
        "samtools and python3 must be installed in CI (.ci/run)"
    );
    eprintln!("samtools/python3 not installed: skipped outside CI");
    false
}

/// Runs the generator into `out`; returns the BAM.
fn generate(out: &Path, args: &[&str]) -> PathBuf {
    let g = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/make-cfdna.py"))
        .arg("-o")
        .arg(out)
        .args(args)
        .output()
        .unwrap();
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    out.join("plasma.bam")
}

fn doc(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("monitor.json")).unwrap()).unwrap()
}

type Group = (String, u64, String, u64);

fn groups(path: &Path, cols: [usize; 4]) -> BTreeMap<Group, usize> {
    let mut m = BTreeMap::new();
    for l in std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip_while(|l| l.starts_with('#'))
        .skip(1)
    {
        let f: Vec<&str> = l.split('\t').collect();
        let key = (
            f[cols[0]].to_string(),
            f[cols[1]].parse().unwrap(),
            f[cols[2]].to_string(),
            f[cols[3]].parse().unwrap(),
        );
        *m.entry(key).or_default() += 1;
    }
    m
}

#[test]
fn umi_families_equal_umi_tools_directional_on_the_duplex_fixture() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("m");
    let d = fx("monitor/umi_duplex");
    run_ok(&[
        "monitor",
        "--variants",
        s(&d.join("baseline.vcf")),
        "--sample",
        s(&d.join("plasma.bam")),
        "-r",
        s(&fx(REF)),
        "--write-families",
        "-o",
        s(&out),
    ]);
    // (contig, UMI-tools position, the group's UMIs, read pairs), as a multiset
    let ours = groups(&out.join("families_1_PLASMA.tsv"), [0, 1, 5, 6]);
    let theirs = groups(&fx("expected/monitor/umi_tools_groups.tsv"), [0, 1, 2, 3]);
    let n: usize = theirs.values().sum();
    assert!(n > 4000, "the fixture has {n} UMI-tools groups");
    assert_eq!(
        ours, theirs,
        "families differ from umi_tools group --method directional"
    );
    let m = doc(&out);
    let umi = &m["samples"][0]["umi"];
    assert_eq!(umi["families"].as_u64().unwrap() as usize, n);
    assert_eq!(umi["mode"], "tag");
    // duplex: the generator sequenced both strands of (strand families - molecules) molecules;
    // a strand family whose UMI reads were all wrong cannot be paired back
    let params: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("params.json")).unwrap()).unwrap();
    let truth = params["strand_families"].as_f64().unwrap() - params["molecules"].as_f64().unwrap();
    let duplex = umi["duplex_families"].as_f64().unwrap();
    assert!(
        duplex <= truth && duplex >= 0.95 * truth,
        "{duplex} duplex molecules of {truth}"
    );
    let molecules = umi["molecules"].as_f64().unwrap();
    assert_eq!(umi["families"].as_f64().unwrap(), molecules + duplex);
}

/// One sample of the 100-site design: 1,050 molecules per site, families of mean 2.
fn cfdna(dir: &Path, name: &str, tf: &str, seed: &str, sites: Option<&Path>) -> PathBuf {
    let mut args = vec![
        "-r",
        REF_ABS.as_str(),
        "--tumor-fraction",
        tf,
        "--molecules",
        "1050",
    ];
    args.extend(["--family-mean", "2", "--seed", seed, "--sample", name]);
    let truth;
    match sites {
        Some(v) => {
            truth = v.display().to_string();
            args.extend(["--truth", truth.as_str()]);
        }
        None => args.extend(["--random-snvs", "100", "--region", "chr2:300001-2300000"]),
    }
    generate(&dir.join(name), &args)
}

static REF_ABS: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| fx(REF).display().to_string());

#[test]
fn one_and_a_tenth_percent_are_detected_and_estimated_a_tumor_free_sample_is_not() {
    if !tools_present() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let one = cfdna(t, "P1", "0.01", "101", None);
    let baseline = t.join("P1/baseline.vcf");
    let tenth = cfdna(t, "P2", "0.001", "102", Some(&baseline));
    let zero = cfdna(t, "P3", "0", "103", Some(&baseline));
    let out = t.join("m");
    run_ok(&[
        "monitor",
        "--variants",
        s(&baseline),
        "--sample",
        s(&one),
        "--sample",
        s(&tenth),
        "--sample",
        s(&zero),
        "--timepoint",
        "week4",
        "--timepoint",
        "week12",
        "--timepoint",
        "week24",
        "-r",
        s(&fx(REF)),
        "-o",
        s(&out),
    ]);
    let m = doc(&out);
    let smp = m["samples"].as_array().unwrap();
    for (i, (tf, tol)) in [(0.01, 0.30), (0.001, 0.50)].into_iter().enumerate() {
        let s = &smp[i];
        assert_eq!(s["mrd"]["status"], "detected", "{tf}: {}", s["mrd"]);
        assert_eq!(s["tumor_fraction"]["variants_used"], 100);
        let min_families = s["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["families"].as_u64().unwrap())
            .min()
            .unwrap();
        assert!(min_families >= 1000, "{min_families} molecules at a site");
        let est = s["tumor_fraction"]["estimate"].as_f64().unwrap();
        assert!(
            (est - tf).abs() <= tol * tf,
            "tumor fraction {tf}: estimate {est}"
        );
        let ci = s["tumor_fraction"]["ci95"].as_array().unwrap();
        assert!(ci[0].as_f64().unwrap() < est && est < ci[1].as_f64().unwrap());
    }
    let z = &smp[2];
    assert_eq!(z["mrd"]["status"], "not_detected", "{}", z["mrd"]);
    let lod = z["mrd"]["limit_of_detection"].as_f64().unwrap();
    assert!(lod > 1e-5 && lod < 1e-3, "limit of detection {lod}");
    assert_eq!(z["timepoint"], "week24");
    let html = std::fs::read_to_string(out.join("monitor.html")).unwrap();
    for want in [
        "Tumor fraction over time",
        "week12",
        "limit of detection",
        "not detected",
    ] {
        assert!(html.contains(want), "monitor.html lacks {want}");
    }
    let tsv = std::fs::read_to_string(out.join("monitor_variants.tsv")).unwrap();
    assert_eq!(tsv.lines().count(), 1 + 300);
    let mqc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("oncostream_monitor_mqc.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(mqc["data"]["P2_week12"]["mrd_status"], "detected");
    assert!(out.join("run_manifest.json").exists());
}

#[test]
fn a_sample_without_umis_runs_and_says_so() {
    if !tools_present() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let bam = generate(
        &tmp.path().join("n"),
        &[
            "-r",
            s(&fx(REF)),
            "--tumor-fraction",
            "0.02",
            "--random-snvs",
            "30",
            "--region",
            "chr2:300001-2300000",
            "--molecules",
            "400",
            "--no-umi",
            "--seed",
            "5",
        ],
    );
    let out = tmp.path().join("m");
    let o = run(&[
        "monitor",
        "--variants",
        s(&tmp.path().join("n/baseline.vcf")),
        "--sample",
        s(&bam),
        "-r",
        s(&fx(REF)),
        "-o",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("has no RX tags"));
    let m = doc(&out);
    let umi = &m["samples"][0]["umi"];
    assert_eq!(umi["mode"], "coordinates");
    assert!(umi["note"].as_str().unwrap().contains("no UMIs"));
    assert!(std::fs::read_to_string(out.join("monitor.html"))
        .unwrap()
        .contains("no UMIs"));
    // an explicit tag that the reads lack is an error
    let o = run(&[
        "monitor",
        "--variants",
        s(&tmp.path().join("n/baseline.vcf")),
        "--sample",
        s(&bam),
        "-r",
        s(&fx(REF)),
        "--umi-tag",
        "RX",
        "-o",
        s(&tmp.path().join("m2")),
    ]);
    assert_eq!(
        o.status.code(),
        Some(65),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        !tmp.path().join("m2").exists(),
        "nothing is written on a refusal"
    );
}

#[test]
fn new_variants_are_found_tiered_and_told_from_clonal_haematopoiesis() {
    if !tools_present() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let slices = fx(SLICES);
    let t790m = format!("{EGFR}:167347:T:0.02");
    let r273h = format!("{TP53}:14024:T:0.02");
    let r175h = format!("{TP53}:15310:T:0.02");
    // the white cells are sequenced at R175 too, without the variant
    let r175_wt = format!("{TP53}:15310:T:0");
    let region = format!("{EGFR}:1-240000");
    let plasma = generate(
        &tmp.path().join("p"),
        &[
            "-r",
            s(&slices),
            "--tumor-fraction",
            "0.01",
            "--random-snvs",
            "20",
            "--region",
            &region,
            "--molecules",
            "500",
            "--spike",
            &t790m,
            "--spike",
            &r273h,
            "--spike",
            &r175h,
            "--seed",
            "7",
        ],
    );
    let baseline = tmp.path().join("p/baseline.vcf");
    let normal = generate(
        &tmp.path().join("n"),
        &[
            "-r",
            s(&slices),
            "--tumor-fraction",
            "0",
            "--truth",
            s(&baseline),
            "--molecules",
            "500",
            "--spike",
            &r273h,
            "--spike",
            &r175_wt,
            "--seed",
            "8",
            "--sample",
            "WBC",
        ],
    );
    let gff = fx("annotation/cancer_genes.GRCh38.slices.refseq_lrg.gff3");
    let found = |out: &Path, with_normal: bool| -> BTreeMap<String, serde_json::Value> {
        let mut args = vec![
            "monitor",
            "--variants",
            s(&baseline),
            "--sample",
            s(&plasma),
            "-r",
            s(&slices),
            "--gff",
            s(&gff),
            "--cancer-type",
            "LUAD",
            "-o",
            s(out),
        ];
        if with_normal {
            args.extend(["--normal", s(&normal)]);
        }
        run_ok(&args);
        let m = doc(out);
        assert_eq!(m["scan"]["assessed"], true, "{}", m["scan"]);
        m["samples"][0]["new_variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    format!(
                        "{} {}",
                        v["gene"].as_str().unwrap(),
                        v["protein_change"].as_str().unwrap_or("?")
                    ),
                    v.clone(),
                )
            })
            .collect()
    };
    let alone = found(&tmp.path().join("m1"), false);
    // the tracked EGFR variants are annotated from the models (the VCF has no genes)
    let m1 = doc(&tmp.path().join("m1"));
    let genes: Vec<&str> = m1["samples"][0]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["gene"].as_str())
        .collect();
    assert!(
        genes.iter().filter(|g| **g == "EGFR").count() >= 5,
        "{genes:?}"
    );
    assert_eq!(
        alone.keys().cloned().collect::<Vec<_>>(),
        vec!["EGFR T790M", "TP53 R175H", "TP53 R273H"]
    );
    let t = &alone["EGFR T790M"];
    assert_eq!(t["watched_as"], "resistance");
    assert_eq!(t["possibly_haematopoietic"], false);
    let vaf = t["vaf"].as_f64().unwrap();
    assert!((0.01..0.03).contains(&vaf), "T790M at {vaf}");
    assert!(
        t["findings"].as_array().unwrap().iter().any(|f| f["drugs"]
            .to_string()
            .to_lowercase()
            .contains("osimertinib")),
        "T790M is tiered with osimertinib for LUAD: {}",
        t["findings"]
    );
    // TP53 is a clonal-haematopoiesis gene: flagged without a white-cell normal
    assert_eq!(alone["TP53 R273H"]["possibly_haematopoietic"], true);
    assert_eq!(alone["TP53 R175H"]["possibly_haematopoietic"], true);
    // with the normal: R273H is in the white cells, R175H is not
    let both = found(&tmp.path().join("m2"), true);
    assert_eq!(both["TP53 R273H"]["possibly_haematopoietic"], true);
    assert!(
        both["TP53 R273H"]["white_cell_alt_families"]
            .as_u64()
            .unwrap()
            >= 3
    );
    assert_eq!(both["TP53 R175H"]["possibly_haematopoietic"], false);
    assert_eq!(both["TP53 R175H"]["white_cell_alt_families"], 0);
}

#[test]
fn bad_baselines_and_inputs_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let d = fx("monitor/umi_duplex");
    let bam = d.join("plasma.bam");
    let out = tmp.path().join("m");
    let expect = |args: &[&str], code: i32, text: &str| {
        let o = run(args);
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(text), "{args:?}: {err}");
        assert!(!out.exists(), "nothing is written on a refusal");
    };
    // only indels: nothing to track
    let indels = tmp.path().join("indels.vcf");
    std::fs::write(
        &indels,
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr2\t1000\t.\tA\tAT\t.\tPASS\t.\n",
    )
    .unwrap();
    expect(
        &[
            "monitor",
            "--variants",
            s(&indels),
            "--sample",
            s(&bam),
            "-r",
            s(&fx(REF)),
            "-o",
            s(&out),
        ],
        65,
        "no SNV to track",
    );
    // REF bases of another genome
    let text = std::fs::read_to_string(d.join("baseline.vcf")).unwrap();
    let wrong: String = text
        .lines()
        .map(|l| {
            if l.starts_with('#') {
                l.to_string()
            } else {
                let mut f: Vec<String> = l.split('\t').map(String::from).collect();
                f[3] = if f[3] == "A" { "C".into() } else { "A".into() };
                f[4] = "G".into();
                f.join("\t")
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let other = tmp.path().join("other.vcf");
    std::fs::write(&other, wrong + "\n").unwrap();
    expect(
        &[
            "monitor",
            "--variants",
            s(&other),
            "--sample",
            s(&bam),
            "-r",
            s(&fx(REF)),
            "-o",
            s(&out),
        ],
        65,
        "different references",
    );
    // a BAM without its index
    let bare = tmp.path().join("bare.bam");
    std::fs::copy(&bam, &bare).unwrap();
    expect(
        &[
            "monitor",
            "--variants",
            s(&d.join("baseline.vcf")),
            "--sample",
            s(&bare),
            "-r",
            s(&fx(REF)),
            "-o",
            s(&out),
        ],
        66,
        "no index",
    );
    // labels must match the samples
    expect(
        &[
            "monitor",
            "--variants",
            s(&d.join("baseline.vcf")),
            "--sample",
            s(&bam),
            "--timepoint",
            "a",
            "--timepoint",
            "b",
            "-r",
            s(&fx(REF)),
            "-o",
            s(&out),
        ],
        64,
        "--timepoint",
    );
    // a run directory that is not one
    expect(
        &[
            "monitor",
            "--baseline",
            s(tmp.path()),
            "--sample",
            s(&bam),
            "-r",
            s(&fx(REF)),
            "-o",
            s(&out),
        ],
        66,
        "results.json",
    );
}

#[test]
fn a_batch_sheet_with_follow_up_plasma_monitors_it_against_the_tumors_run() {
    if !tools_present() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // plasma of the sim_tn60 patient: its tumor's haplotypes (truth SNVs with their CCF,
    // multiplicity and copy number; germline alleles) at 2% and at 0
    let plasma = |name: &str, tf: &str, seed: &str| {
        generate(
            &t.join(name),
            &[
                "-r",
                s(&fx(REF)),
                "--tumor-fraction",
                tf,
                "--truth",
                s(&fx("sim_tn60/truth.vcf")),
                "--germline",
                s(&fx("sim_tn60/germline.vcf")),
                "--molecules",
                "400",
                "--family-mean",
                "2",
                "--seed",
                seed,
                "--sample",
                name,
            ],
        )
    };
    let c1 = plasma("C1", "0.02", "31");
    let c2 = plasma("C2", "0", "32");
    let sheet = t.join("samples.csv");
    std::fs::write(
        &sheet,
        format!(
            "patient,sample,status,bam,timepoint\nP1,P1_N,0,{},\nP1,P1_T,1,{},\nP1,C1,2,{},week4\nP1,C2,2,{},week12\n",
            s(&fx("sim_tn60/normal.bam")),
            s(&fx("sim_tn60/tumor.bam")),
            s(&c1),
            s(&c2)
        ),
    )
    .unwrap();
    let out = t.join("batch");
    run_ok(&[
        "batch",
        "--samplesheet",
        s(&sheet),
        "--outdir",
        s(&out),
        "-r",
        s(&fx(REF)),
        "--region",
        "chr2:1000001-1150000",
        "--cancer-type",
        "LUAD",
        "--skip-structural",
    ]);
    let m = doc(&out.join("P1_T/monitor"));
    assert_eq!(m["baseline"]["source"], "run_directory");
    assert!(m["baseline"]["purity"].as_f64().unwrap() > 0.5);
    assert_eq!(m["baseline"]["cancer_type"], "LUAD");
    assert_eq!(m["normal"]["sample"], "NORMAL");
    let smp = m["samples"].as_array().unwrap();
    assert_eq!(smp[0]["timepoint"], "week4");
    let used = smp[0]["tumor_fraction"]["variants_used"].as_u64().unwrap();
    assert!(used >= 80, "{used} variants used");
    // the run's clonality weights: some variants are subclonal, most clonal
    let bases: Vec<&str> = smp[0]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["weight_basis"].as_str().unwrap())
        .collect();
    assert!(
        bases.iter().filter(|b| **b == "clonal").count() > bases.len() / 3,
        "{bases:?}"
    );
    assert!(bases.contains(&"subclonal"), "{bases:?}");
    assert_eq!(smp[0]["mrd"]["status"], "detected", "{}", smp[0]["mrd"]);
    let est = smp[0]["tumor_fraction"]["estimate"].as_f64().unwrap();
    assert!(
        (est - 0.02).abs() < 0.4 * 0.02,
        "2% plasma estimated at {est}"
    );
    assert_eq!(smp[1]["mrd"]["status"], "not_detected", "{}", smp[1]["mrd"]);
    assert!(out.join("P1_T/monitor/run_manifest.json").exists());
    // the batch summary carries the follow-up results with the tumor's row
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("batch_summary.json")).unwrap())
            .unwrap();
    let row = &summary["samples"][0];
    assert_eq!(row["sample"], "P1_T");
    let mon = row["monitoring"].as_array().unwrap();
    assert_eq!(mon.len(), 2);
    assert_eq!(mon[0]["timepoint"], "week4");
    assert_eq!(mon[0]["mrd_status"], "detected");
    assert_eq!(
        mon[0]["tumor_fraction"],
        smp[0]["tumor_fraction"]["estimate"]
    );
    assert_eq!(mon[1]["mrd_status"], "not_detected");
    let tsv = std::fs::read_to_string(out.join("batch_summary.tsv")).unwrap();
    assert!(
        tsv.lines().next().unwrap().ends_with("\tmonitoring"),
        "{tsv}"
    );
    assert!(
        tsv.contains("week4: detected (TF ") && tsv.contains("week12: not_detected"),
        "{tsv}"
    );
    let html = std::fs::read_to_string(out.join("batch_summary.html")).unwrap();
    assert!(html.contains("follow-up plasma (MRD)") && html.contains("week12: not_detected"));
}

#[test]
fn a_plasma_cram_gives_what_its_bam_gives() {
    if !tools_present() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = fx("monitor/umi_duplex");
    let cram = tmp.path().join("plasma.cram");
    let ok = |args: &[&str]| {
        let st = Command::new("samtools").args(args).status().unwrap();
        assert!(st.success(), "samtools {args:?}");
    };
    ok(&[
        "view",
        "-C",
        "-T",
        s(&fx(REF)),
        "-o",
        s(&cram),
        s(&d.join("plasma.bam")),
    ]);
    ok(&["index", s(&cram)]);
    let monitor = |input: &Path, out: &Path| {
        run_ok(&[
            "monitor",
            "--variants",
            s(&d.join("baseline.vcf")),
            "--sample",
            s(input),
            "-r",
            s(&fx(REF)),
            "-o",
            s(out),
        ]);
        let mut m = doc(out);
        let smp = m["samples"][0].as_object_mut().unwrap();
        assert!(smp.remove("path").is_some());
        m["samples"][0].clone()
    };
    let from_bam = monitor(&d.join("plasma.bam"), &tmp.path().join("bam"));
    let from_cram = monitor(&cram, &tmp.path().join("cram"));
    assert!(from_bam["umi"]["families"].as_u64().unwrap() > 4000);
    assert_eq!(from_bam, from_cram, "the CRAM of the same reads differs");
}
