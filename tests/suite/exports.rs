//! Outputs that open in the software labs use: the sample id every export names a run by,
//! `export` refusing two runs with one id, `results.json` saying what the report says about
//! TMB/MSI, a cBioPortal study in the documented layout (and cBioPortal's own validator when
//! a checkout of it is given), FHIR R4 Bundles validated by the `fhir.resources` models.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// `run` on the nf-core chr22 pair (the 40 kb fixture) into `out`, with extra flags; returns
/// stderr.
fn run_nfcore(out: &Path, extra: &[&str]) -> String {
    let (t, n, r) = (
        fx("nfcore_chr22/test2.paired_end.sorted.bam"),
        fx("nfcore_chr22/test.paired_end.sorted.bam"),
        fx("nfcore_chr22/genome.fasta"),
    );
    let mut args = vec![
        "run",
        "--tumor",
        s(&t),
        "--normal",
        s(&n),
        "-r",
        s(&r),
        "--outdir",
        s(out),
    ];
    args.extend_from_slice(extra);
    let o = Command::new(env!("CARGO_BIN_EXE_oncostream"))
        .args(&args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{err}");
    err
}

/// The 40 kb fixture: 0.001 Mb callable, so TMB is not evaluable — results.json and the stderr
/// summary say so (the number kept for QC); the shipped GRCh38 models do not fit a 40 kb chr22
/// and the run says why. Two runs of tumors that share an SM are refused by `export` with both
/// directories named, and exported apart under `--rename`.
#[test]
fn export_refuses_two_runs_with_one_sample_id_and_results_say_what_the_report_says() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("run_a"), tmp.path().join("run_b"));
    let err = run_nfcore(&a, &[]);
    run_nfcore(&b, &[]);
    let r = json(&a.join("results.json"));
    assert_eq!(r["schema_version"], 4);
    // the sample id: the tumor's SM when neither a sheet nor --sample-id names it
    assert_eq!(r["samples"]["id"], r["samples"]["tumor"]);
    let tmb = &r["tmb"];
    assert_eq!(tmb["evaluable"], false, "{tmb}");
    assert_eq!(tmb["class"], "not_evaluable");
    assert!(tmb["per_mb"].is_number(), "the number is kept for QC");
    let why = tmb["not_evaluable_reason"].as_str().unwrap();
    assert!(
        why.contains("Mb of callable sequence, below the minimum of 1 Mb"),
        "{why}"
    );
    assert!(err.contains("TMB not evaluable ("), "{err}");
    assert!(!err.contains("very_high"), "{err}");
    if let Some(m) = r["msi"].as_object() {
        if m["evaluable"] == false {
            assert_eq!(m["status"], "not_evaluable");
            assert!(m["not_evaluable_reason"]
                .as_str()
                .unwrap()
                .contains("site(s) tested"));
        }
    }
    let models = &r["provenance"]["transcript_models"];
    assert_eq!(models["source"], "builtin");
    assert_eq!(models["version"], "1.4");
    assert_eq!(models["transcripts_used"], 0);
    assert!(models["note"]
        .as_str()
        .unwrap()
        .contains("the reference is not GRCh38"));
    // one id, two runs: refused, both named
    let maf = tmp.path().join("cohort.maf");
    let o = run(&["export", s(&a), s(&b), "--maf", s(&maf)]);
    assert_eq!(o.status.code(), Some(65));
    let msg = String::from_utf8_lossy(&o.stderr);
    assert!(
        msg.contains(s(&a)) && msg.contains(s(&b)) && msg.contains("--rename"),
        "{msg}"
    );
    assert!(!maf.exists(), "nothing written");
    // renamed apart: two samples in the study, two FHIR Bundles
    let rule = format!("{}=NF_B", b.display());
    let study = tmp.path().join("study_nf");
    let fhir = tmp.path().join("fhir");
    run_ok(&[
        "export",
        s(&a),
        s(&b),
        "--rename",
        &rule,
        "--maf",
        s(&maf),
        "--cbioportal-study",
        s(&study),
        "--fhir",
        s(&fhir),
    ]);
    let id = r["samples"]["id"].as_str().unwrap();
    let clinical = std::fs::read_to_string(study.join("data_clinical_sample.txt")).unwrap();
    let ids: BTreeSet<&str> = clinical
        .lines()
        .skip(5)
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(ids, BTreeSet::from([id, "NF_B"]));
    // the not-evaluable biomarkers are NA in the study, not a class
    assert!(
        clinical
            .lines()
            .skip(5)
            .all(|l| l.contains("\tNA\tnot_evaluable\t")),
        "{clinical}"
    );
    assert!(
        fhir.join(format!("{id}.fhir.json")).is_file() && fhir.join("NF_B.fhir.json").is_file()
    );
    // a rule that names no exported run is refused
    let o = run(&[
        "export",
        s(&a),
        "--rename",
        "elsewhere=X",
        "--maf",
        s(&tmp.path().join("x.maf")),
    ]);
    assert_eq!(o.status.code(), Some(64));
}

/// The python that has `fhir.resources` 6.4 (R4): `ONCOSTREAM_PYTHON` (.ci/run's venv). Outside
/// CI the test is skipped without it; under CI=1 it fails.
fn fhir_python() -> Option<String> {
    let py = std::env::var("ONCOSTREAM_PYTHON").ok().filter(|p| {
        Command::new(p)
            .args(["-c", "import fhir.resources"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if py.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set ONCOSTREAM_PYTHON to a python with fhir.resources==6.4.0 (.ci/run)"
        );
        eprintln!("no python with fhir.resources: skipped outside CI");
    }
    py
}

fn check_fhir(python: &str, bundles: &[PathBuf]) -> std::process::Output {
    let checker = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check_fhir.py");
    Command::new(python)
        .arg(&checker)
        .args(bundles)
        .output()
        .unwrap()
}

/// `run` on the structural fixture (tiered: a fusion, amplifications, deletions) under a sample
/// id, and the nf-core run; then one export writes the MAF, the cBioPortal study and the FHIR
/// Bundles. The study follows cBioPortal's documented file formats (checked here), and passes
/// cBioPortal's own validateData.py when `CBIOPORTAL_CORE` names a checkout of it
/// (scripts/check-cbioportal.sh; the validator is AGPL and not shipped). The FHIR Bundles
/// validate against the FHIR R4 models of `fhir.resources`, and the validator refuses a broken
/// Bundle.
#[test]
fn one_export_writes_a_cbioportal_study_and_fhir_bundles_that_validate() {
    let tmp = tempfile::tempdir().unwrap();
    let st = tmp.path().join("structural");
    let a = fx("annotation");
    run_ok(&[
        "run",
        "--tumor",
        s(&fx("sim_structural/tumor.cram")),
        "--normal",
        s(&fx("sim_structural/normal.cram")),
        "-r",
        s(&a.join("cancer_genes.GRCh38.slices.fa")),
        "--gff",
        s(&a.join("cancer_genes.GRCh38.slices.refseq_lrg.gff3")),
        "--transcripts",
        s(&a.join("mane_select.tsv")),
        "--cancer-type",
        "NSCLC",
        "--sample-id",
        "ST-1",
        "--normal-sample-id",
        "ST-1N",
        "--patient-id",
        "P-ST",
        "--outdir",
        s(&st),
    ]);
    let seg = std::fs::read_to_string(st.join("copy_number.seg")).unwrap();
    assert!(
        seg.lines().skip(1).all(|l| l.starts_with("ST-1\t")),
        "the seg names the run's sample id"
    );
    let nf = tmp.path().join("nfcore");
    run_nfcore(&nf, &["--sample-id", "NF-1", "--cancer-type", "LUAD"]);
    let pl = tmp.path().join("placed");
    run_placed(&pl);
    let study = tmp.path().join("study_demo");
    let fhir = tmp.path().join("fhir");
    let maf = tmp.path().join("cohort.maf");
    run_ok(&[
        "export",
        s(&st),
        s(&nf),
        s(&pl),
        "--maf",
        s(&maf),
        "--cbioportal-study",
        s(&study),
        "--fhir",
        s(&fhir),
    ]);
    check_study_layout(&study, "study_demo", &["ST-1", "NF-1", "PL-1"]);
    check_placed_rows(&study);
    let cna = std::fs::read_to_string(study.join("data_cna.txt")).unwrap();
    let amplified: Vec<&str> = cna
        .lines()
        .filter(|l| l.ends_with("\t2") || l.contains("\t2\t"))
        .collect();
    assert!(
        !amplified.is_empty(),
        "the simulated amplifications are in data_cna.txt:\n{cna}"
    );
    if let Ok(core) = std::env::var("CBIOPORTAL_CORE") {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check-cbioportal.sh");
        let o = Command::new("bash")
            .arg(&script)
            .arg(&study)
            .env("CBIOPORTAL_CORE", core)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(out.contains(", 0 error(s)"), "{out}");
    }
    // FHIR: one Bundle per run, named by the sample id
    let bundles = [fhir.join("ST-1.fhir.json"), fhir.join("NF-1.fhir.json")];
    let b = json(&bundles[0]);
    assert_eq!(b["resourceType"], "Bundle");
    let entries = b["entry"].as_array().unwrap();
    let of = |t: &'static str| -> Vec<&serde_json::Value> {
        entries
            .iter()
            .filter(|e| e["resource"]["resourceType"] == t)
            .collect()
    };
    assert_eq!(of("DiagnosticReport").len(), 1);
    let profiles: BTreeSet<String> = of("Observation")
        .into_iter()
        .flat_map(|e| e["resource"]["meta"]["profile"].as_array().unwrap().iter())
        .map(|p| p.as_str().unwrap().rsplit('/').next().unwrap().to_string())
        .collect();
    for p in ["variant", "tmb", "therapeutic-implication"] {
        assert!(profiles.contains(p), "{p} in {profiles:?}");
    }
    let Some(python) = fhir_python() else { return };
    let o = check_fhir(&python, &bundles);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(out.matches("valid FHIR R4 Bundle").count(), 2, "{out}");
    // the validator is not a rubber stamp: a report issued "yesterday" (not a FHIR instant), a
    // status outside its required value set, a dangling reference
    let dr = entries
        .iter()
        .position(|e| e["resource"]["resourceType"] == "DiagnosticReport")
        .unwrap();
    let mut bad = b.clone();
    bad["entry"][dr]["resource"]["issued"] = "yesterday".into();
    let broken = tmp.path().join("bad.fhir.json");
    std::fs::write(&broken, serde_json::to_string(&bad).unwrap()).unwrap();
    assert!(!check_fhir(&python, std::slice::from_ref(&broken))
        .status
        .success());
    let mut bad = b.clone();
    bad["entry"][dr]["resource"]["status"] = "signed".into();
    std::fs::write(&broken, serde_json::to_string(&bad).unwrap()).unwrap();
    assert!(!check_fhir(&python, std::slice::from_ref(&broken))
        .status
        .success());
    let mut bad = b.clone();
    bad["entry"][dr]["resource"]["subject"] =
        serde_json::json!({"reference": "urn:uuid:00000000-0000-0000-0000-000000000000"});
    std::fs::write(&broken, serde_json::to_string(&bad).unwrap()).unwrap();
    assert!(!check_fhir(&python, &[broken]).status.success());
}

/// `run` on `sim_placed` (the ETV6::NTRK1 pair at GRCh38 positions on chr1 and chr12 of true
/// length) over the two simulated windows, without `--gff`: the shipped models annotate it. The
/// fusion the simulator made (its truth) is a level-A finding with larotrectinib, and its
/// reciprocal (the other product of the translocation) is named in it, not tiered again.
fn run_placed(out: &Path) {
    let p = fx("sim_placed");
    run_ok(&[
        "run",
        "--tumor",
        s(&p.join("tumor.cram")),
        "--normal",
        s(&p.join("normal.cram")),
        "-r",
        s(&p.join("grch38_chr1_chr12_placed.fa.gz")),
        // the simulated windows (regions.bed of the fixture, 1-based)
        "--region",
        "chr12:11846854-11906853",
        "--region",
        "chr1:156844489-156883850",
        "--cancer-type",
        "LUAD",
        "--sample-id",
        "PL-1",
        "--patient-id",
        "P-PL",
        "--outdir",
        s(out),
    ]);
    let report = json(&out.join("report.json"));
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["gene"] == "ETV6::NTRK1")
        .unwrap_or_else(|| panic!("no ETV6::NTRK1 finding: {}", report["findings"]));
    assert_eq!(f["level"], "A");
    assert!(
        f["therapies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["regimen"] == "larotrectinib" && t["level"] == "A"),
        "{f}"
    );
    // both products of the translocation were found; the reciprocal is not a second finding
    assert!(
        f["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("reciprocal NTRK1::ETV6")),
        "{f}"
    );
    assert!(!report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["gene"] == "NTRK1::ETV6"));
    let sv = json(&out.join("results.json"))["structural_variants"]["fusions"].clone();
    assert!(
        sv.as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "NTRK1::ETV6"),
        "the reciprocal stays listed with the structural variants: {sv}"
    );
}

/// The simulator's junction (`fusions_truth.tsv`: chrom1 pos1 = last base kept of ETV6, chrom2
/// pos2 = first base of NTRK1) is a `data_sv.txt` row of PL-1 on chromosomes 12 and 1 at those
/// positions, and PL-1's segments and mutations are on chromosomes 1 and 12 of GRCh38.
fn check_placed_rows(study: &Path) {
    let truth = std::fs::read_to_string(fx("sim_placed/fusions_truth.tsv")).unwrap();
    let t: Vec<&str> = truth
        .lines()
        .find(|l| l.starts_with("FUS1\t"))
        .unwrap()
        .split('\t')
        .collect();
    let (c1, p1, c2, p2) = (t[2], t[3], t[5], t[6]);
    let sv = std::fs::read_to_string(study.join("data_sv.txt")).unwrap();
    let header: Vec<&str> = sv.lines().next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = sv
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|r| r[col("Sample_Id")] == "PL-1")
        .collect();
    let chrom = |c: &str| c.trim_start_matches("chr").to_string();
    let hit = rows.iter().any(|r| {
        r[col("Site1_Hugo_Symbol")] == "ETV6"
            && r[col("Site1_Chromosome")] == chrom(c1)
            && r[col("Site1_Position")] == p1
            && r[col("Site2_Hugo_Symbol")] == "NTRK1"
            && r[col("Site2_Chromosome")] == chrom(c2)
            && r[col("Site2_Position")] == p2
            && r[col("NCBI_Build")] == "GRCh38"
    });
    assert!(
        hit,
        "ETV6 {c1}:{p1} :: NTRK1 {c2}:{p2} not in data_sv.txt:\n{sv}"
    );
    let seg = std::fs::read_to_string(study.join("data_cna_hg38.seg")).unwrap();
    let chroms: BTreeSet<&str> = seg
        .lines()
        .filter(|l| l.starts_with("PL-1\t"))
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    assert_eq!(chroms, BTreeSet::from(["1", "12"]), "{seg}");
}

/// The cBioPortal file formats (cBioPortal documentation, "File Formats"), as the importer
/// reads them: the study's meta file; each meta file naming the study, an allowed
/// (genetic_alteration_type, datatype) pair with the fields that pair needs and a data file that
/// exists; the clinical sample file's four header lines; every sample id of every data file and
/// case list declared in the clinical sample file; discrete copy number in -2..2; segments in
/// the six DNAcopy columns on chromosomes 1-22/X/Y with numeric values.
fn check_study_layout(dir: &Path, study: &str, samples: &[&str]) {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let fields = |text: &str| -> BTreeMap<String, String> {
        text.lines()
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let meta = fields(&read("meta_study.txt"));
    for k in [
        "type_of_cancer",
        "cancer_study_identifier",
        "name",
        "description",
    ] {
        assert!(meta.contains_key(k), "meta_study.txt lacks {k}");
    }
    assert_eq!(meta["cancer_study_identifier"], study);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let profiles = [
        ("MUTATION_EXTENDED", "MAF", true),
        ("COPY_NUMBER_ALTERATION", "DISCRETE", true),
        ("COPY_NUMBER_ALTERATION", "SEG", false),
        ("STRUCTURAL_VARIANT", "SV", true),
        ("CLINICAL", "SAMPLE_ATTRIBUTES", false),
    ];
    let mut kinds = BTreeSet::new();
    for m in names
        .iter()
        .filter(|n| n.starts_with("meta_") && *n != "meta_study.txt")
    {
        let f = fields(&read(m));
        assert_eq!(f["cancer_study_identifier"], study, "{m}");
        let (t, d) = (
            f["genetic_alteration_type"].as_str(),
            f["datatype"].as_str(),
        );
        let p = profiles
            .iter()
            .find(|p| p.0 == t && p.1 == d)
            .unwrap_or_else(|| panic!("{m}: {t}/{d} is not a documented pair"));
        if p.2 {
            for k in [
                "stable_id",
                "show_profile_in_analysis_tab",
                "profile_name",
                "profile_description",
            ] {
                assert!(f.contains_key(k), "{m} lacks {k}");
            }
        }
        if d == "SEG" {
            assert!(
                f.contains_key("reference_genome_id") && f.contains_key("description"),
                "{m}"
            );
        }
        assert!(
            dir.join(&f["data_filename"]).is_file(),
            "{m}: {} missing",
            f["data_filename"]
        );
        kinds.insert((t.to_string(), d.to_string(), f["data_filename"].clone()));
    }
    assert_eq!(
        kinds.len(),
        5,
        "mutations, discrete CNA, segments, SVs, clinical: {kinds:?}"
    );
    // the clinical sample file
    let clinical = read("data_clinical_sample.txt");
    let lines: Vec<&str> = clinical.lines().collect();
    let width = lines[4].split('\t').count();
    for l in &lines[..4] {
        assert!(l.starts_with('#') && l.split('\t').count() == width, "{l}");
    }
    let cols: Vec<&str> = lines[4].split('\t').collect();
    assert!(cols.contains(&"SAMPLE_ID") && cols.contains(&"PATIENT_ID"));
    let sid = cols.iter().position(|c| *c == "SAMPLE_ID").unwrap();
    let declared: BTreeSet<&str> = lines[5..]
        .iter()
        .map(|l| l.split('\t').nth(sid).unwrap())
        .collect();
    assert_eq!(declared, samples.iter().copied().collect::<BTreeSet<_>>());
    for id in &declared {
        assert!(
            id.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
            "{id}"
        );
    }
    for l in &lines[5..] {
        assert_eq!(l.split('\t').count(), width, "{l}");
    }
    // the data files
    for (t, d, file) in &kinds {
        let text = read(file);
        let rows: Vec<Vec<&str>> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split('\t').collect())
            .collect();
        let header = &rows[0];
        let col = |n: &str| {
            header
                .iter()
                .position(|h| *h == n)
                .unwrap_or_else(|| panic!("{file} lacks {n}"))
        };
        match (t.as_str(), d.as_str()) {
            ("MUTATION_EXTENDED", _) => {
                let c = col("Tumor_Sample_Barcode");
                for k in [
                    "Hugo_Symbol",
                    "Variant_Classification",
                    "Chromosome",
                    "Start_Position",
                    "End_Position",
                    "Reference_Allele",
                    "Tumor_Seq_Allele2",
                ] {
                    col(k);
                }
                for r in &rows[1..] {
                    assert!(declared.contains(r[c]), "{file}: {}", r[c]);
                    assert_ne!(r[col("Hugo_Symbol")], "", "{r:?}");
                }
            }
            (_, "DISCRETE") => {
                assert_eq!(header[0], "Hugo_Symbol");
                let first = if header.get(1) == Some(&"Entrez_Gene_Id") {
                    2
                } else {
                    1
                };
                for s in &header[first..] {
                    assert!(declared.contains(s), "{file}: {s}");
                }
                for r in &rows[1..] {
                    for v in &r[first..] {
                        assert!(
                            ["-2", "-1", "0", "1", "2", "NA"].contains(v),
                            "{file}: {r:?}"
                        );
                    }
                }
            }
            (_, "SEG") => {
                assert_eq!(
                    header,
                    &[
                        "ID",
                        "chrom",
                        "loc.start",
                        "loc.end",
                        "num.mark",
                        "seg.mean"
                    ]
                );
                for r in &rows[1..] {
                    assert!(declared.contains(r[0]), "{file}: {}", r[0]);
                    let chrom = r[1];
                    assert!(
                        chrom == "X"
                            || chrom == "Y"
                            || chrom.parse::<u32>().is_ok_and(|n| (1..=22).contains(&n)),
                        "{r:?}"
                    );
                    let (a, b): (u64, u64) = (r[2].parse().unwrap(), r[3].parse().unwrap());
                    assert!(a <= b);
                    r[5].parse::<f64>().unwrap();
                }
            }
            ("STRUCTURAL_VARIANT", _) => {
                let c = col("Sample_Id");
                col("SV_Status");
                for r in &rows[1..] {
                    assert!(declared.contains(r[c]), "{file}: {}", r[c]);
                }
            }
            _ => {}
        }
    }
    // case lists
    let lists: Vec<PathBuf> = std::fs::read_dir(dir.join("case_lists"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!lists.is_empty());
    for l in &lists {
        let f = fields(&std::fs::read_to_string(l).unwrap());
        for k in [
            "cancer_study_identifier",
            "stable_id",
            "case_list_name",
            "case_list_description",
            "case_list_ids",
        ] {
            assert!(f.contains_key(k), "{} lacks {k}", l.display());
        }
        assert!(f["stable_id"].starts_with(&format!("{study}_")));
        for id in f["case_list_ids"].split('\t') {
            assert!(declared.contains(id), "{}: {id}", l.display());
        }
    }
}

/// GRCh38 chr13 as a reference of its real length (114,364,328 bp): N except the BRCA2 locus,
/// whose bases are the annotation fixture's GRCh38 slice `BRCA2__LRG_293__chr13_32310480_32401672`
/// (slice position p = chr13:32310479 + p). Returns the FASTA (with its .fai).
fn grch38_chr13_with_brca2(dir: &Path) -> (PathBuf, Vec<u8>) {
    const CHR13: usize = 114_364_328;
    const OFFSET: usize = 32_310_479;
    let slices = std::fs::read_to_string(fx("annotation/cancer_genes.GRCh38.slices.fa")).unwrap();
    let mut brca2 = Vec::new();
    let mut on = false;
    for l in slices.lines() {
        if let Some(name) = l.strip_prefix('>') {
            on = name.starts_with("BRCA2__LRG_293__chr13_32310480_32401672");
        } else if on {
            brca2.extend_from_slice(l.trim().as_bytes());
        }
    }
    assert_eq!(brca2.len(), 32_401_672 - 32_310_480 + 1);
    let mut seq = vec![b'N'; CHR13];
    seq[OFFSET..OFFSET + brca2.len()].copy_from_slice(&brca2);
    let fa = dir.join("chr13.fa");
    let mut text = Vec::with_capacity(CHR13 + CHR13 / 60 + 16);
    text.extend_from_slice(b">chr13\n");
    for line in seq.chunks(60) {
        text.extend_from_slice(line);
        text.push(b'\n');
    }
    std::fs::write(&fa, &text).unwrap();
    std::fs::write(
        dir.join("chr13.fa.fai"),
        format!("chr13\t{CHR13}\t7\t60\t61\n"),
    )
    .unwrap();
    (fa, brca2)
}

/// Without `--gff`, a GRCh38 reference is annotated by the MANE Select models shipped in the
/// binary: BRCA2 variants on a full-length GRCh38 chr13 get the gene, MANE transcript and the
/// same HGVS c./p. that the fixture's RefSeq/LRG models (an independent model file) give on the
/// GRCh38 slice of the locus; results are recorded as the shipped models with their release.
#[test]
fn the_shipped_models_annotate_a_grch38_reference_without_gff() {
    let tmp = tempfile::tempdir().unwrap();
    let (chr13, brca2) = grch38_chr13_with_brca2(tmp.path());
    // the first base of four CDS segments of BRCA2 (slice coordinates; the fixture's GFF3), + 10
    let slice_pos = [5992usize, 8608, 14607, 15632];
    let alt = |r: u8| if r == b'A' { 'G' } else { 'A' };
    let vcf = |contig: &str, shift: usize| {
        let mut t = String::from("##fileformat=VCFv4.2\n##FORMAT=<ID=AF,Number=A,Type=Float,Description=\"AF\">\n##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"DP\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tT1\n");
        for p in slice_pos {
            let r = brca2[p - 1];
            t.push_str(&format!(
                "{contig}\t{}\t.\t{}\t{}\t.\tPASS\t.\tAF:DP\t0.3:100\n",
                p + shift,
                r as char,
                alt(r)
            ));
        }
        t
    };
    let annotations = |out: &Path| -> Vec<(String, String, String)> {
        let r = json(&out.join("report.json"));
        r["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                let a = &v["annotation"];
                (
                    a["gene"].as_str().unwrap_or("-").to_string(),
                    a["hgvs_c"].as_str().unwrap_or("-").to_string(),
                    a["hgvs_p"].as_str().unwrap_or("-").to_string(),
                )
            })
            .collect()
    };
    // the fixture's RefSeq/LRG models on the slice
    let slice_vcf = tmp.path().join("slice.vcf");
    std::fs::write(
        &slice_vcf,
        vcf("BRCA2__LRG_293__chr13_32310480_32401672", 0),
    )
    .unwrap();
    let a = fx("annotation");
    let by_lrg = tmp.path().join("lrg");
    run_ok(&[
        "report",
        "--vcf",
        s(&slice_vcf),
        "-r",
        s(&a.join("cancer_genes.GRCh38.slices.fa")),
        "--gff",
        s(&a.join("cancer_genes.GRCh38.slices.refseq_lrg.gff3")),
        "--cancer-type",
        "BRCA",
        "--outdir",
        s(&by_lrg),
    ]);
    // no --gff, GRCh38 chr13: the shipped models
    let full_vcf = tmp.path().join("chr13.vcf");
    std::fs::write(&full_vcf, vcf("chr13", 32_310_479)).unwrap();
    let shipped = tmp.path().join("shipped");
    run_ok(&[
        "report",
        "--vcf",
        s(&full_vcf),
        "-r",
        s(&chr13),
        "--cancer-type",
        "BRCA",
        "--outdir",
        s(&shipped),
    ]);
    let want = annotations(&by_lrg);
    let got = annotations(&shipped);
    assert_eq!(want.len(), 4);
    assert!(
        want.iter().all(|a| a.0 == "BRCA2" && a.1.starts_with("c.")),
        "{want:?}"
    );
    assert_eq!(got, want);
    let r = json(&shipped.join("report.json"));
    assert_eq!(r["variants"][0]["annotation"]["transcript"], "NM_000059.4");
    let m = &r["inputs"]["transcript_models"];
    assert_eq!(m["source"], "builtin");
    assert_eq!(
        m["name"],
        "MANE Select (NCBI RefSeq + EMBL-EBI Ensembl/GENCODE)"
    );
    assert_eq!(m["version"], "1.4");
    assert!(
        m["transcripts_used"].as_u64().unwrap() > 0 && m["note"].is_null(),
        "{m}"
    );
}
