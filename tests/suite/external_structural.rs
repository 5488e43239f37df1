//! `report --sv` and `report --cnv`: other pipelines' structural variants (Manta, DELLY, GRIDSS
//! VCFs) and copy number (CNVkit `.cns`/`.call.cns`, DNAcopy `.seg`, PURPLE gene TSV), written
//! in each tool's documented layout (`fixtures/external/`), are tiered as `run`'s own: EML4
//! intron 13 :: ALK intron 19 (GRCh38, the variant 1 junction) gives alectinib at A in LUAD,
//! ERBB2 amplification trastuzumab at A in breast cancer (BRCA). The reference is GRCh38 chr2
//! and chr17 at their real lengths (all N, bgzip), so the shipped MANE models apply.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{fx, run, run_ok, s};

fn json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn reference() -> PathBuf {
    fx("external/grch38_chr2_chr17_N.fa.gz")
}

/// A somatic VCF without records (the small variants are not what these tests are about).
fn empty_vcf(dir: &Path) -> PathBuf {
    let p = dir.join("empty.vcf");
    std::fs::write(
        &p,
        "##fileformat=VCFv4.2\n##contig=<ID=chr2,length=242193529>\n##contig=<ID=chr17,length=83257441>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
    )
    .unwrap();
    p
}

/// `report` on the empty VCF with `extra` flags; the report.json.
fn report(dir: &Path, name: &str, cancer: &str, extra: &[&str]) -> Value {
    let vcf = empty_vcf(dir);
    let out = dir.join(name);
    let fasta = reference();
    let mut args = vec![
        "report",
        "--vcf",
        s(&vcf),
        "-r",
        s(&fasta),
        "--cancer-type",
        cancer,
        "--outdir",
        s(&out),
    ];
    args.extend_from_slice(extra);
    run_ok(&args);
    json(&out.join("report.json"))
}

/// The levels of `regimen` for the finding of `gene`.
fn levels(r: &Value, gene: &str, regimen: &str) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["gene"] == gene)
        .flat_map(|f| f["therapies"].as_array().unwrap().iter())
        .filter(|t| t["regimen"] == regimen)
        .map(|t| t["level"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn eml4_alk_from_manta_delly_and_gridss_gives_alectinib_at_a_in_luad() {
    let tmp = tempfile::tempdir().unwrap();
    for (file, caller) in [
        ("manta.somaticSV.vcf.gz", "Manta 1.6.0"),
        ("delly.somatic.vcf", "DELLY v1.2.6"),
        ("gridss.somatic.vcf", "GRIDSS"),
    ] {
        let sv = fx("external").join(file);
        let r = report(tmp.path(), file, "LUAD", &["--sv", s(&sv)]);
        assert_eq!(levels(&r, "EML4::ALK", "alectinib"), vec!["A"], "{file}");
        let block = &r["structural_variants"];
        let f = &block["fusions"][0];
        assert_eq!(f["name"], "EML4::ALK", "{file}");
        // EML4 exon 13 :: ALK exon 20 (variant 1), in frame on the MANE transcripts
        assert_eq!(f["five_prime"]["transcript"], "NM_019063.5");
        assert_eq!(f["five_prime"]["location"], "intron 13/22");
        assert_eq!(f["five_prime"]["exon"], 13);
        assert_eq!(f["three_prime"]["transcript"], "NM_004304.5");
        assert_eq!(f["three_prime"]["exon"], 20);
        assert_eq!(f["frame"], "in_frame", "{file}");
        assert_eq!(f["known_fusion"], true);
        let ext = block["external"].as_str().unwrap();
        assert!(
            ext.contains(file) && ext.contains(caller) && ext.contains("md5 "),
            "{ext}"
        );
        // provenance: the file with its MD5 in the report's inputs
        let inputs = r["inputs"]["structural"].as_array().unwrap();
        assert_eq!(inputs.len(), 1);
        assert!(inputs[0]["path"].as_str().unwrap().ends_with(file));
        assert_eq!(inputs[0]["md5"].as_str().unwrap().len(), 32);
        // limitations say where the calls came from and what was not re-checked
        let lim: Vec<&str> = r["limitations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        assert!(
            lim.iter()
                .any(|l| l.contains(caller) && l.contains("not re-checked")),
            "{lim:?}"
        );
        // structural variants are assessed now; copy number still is not
        let na: Vec<&str> = r["not_assessed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["item"].as_str().unwrap())
            .collect();
        assert!(
            !na.contains(&"structural_variants") && na.contains(&"copy_number"),
            "{na:?}"
        );
    }
}

#[test]
fn delly_keeps_its_translocation_and_counts_what_was_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let r = report(
        tmp.path(),
        "delly",
        "LUAD",
        &["--sv", s(&fx("external/delly.somatic.vcf"))],
    );
    let v = r["structural_variants"]["variants"].as_array().unwrap();
    let types: Vec<&str> = v.iter().map(|x| x["sv_type"].as_str().unwrap()).collect();
    assert_eq!(types, vec!["inversion", "deletion", "translocation"]);
    assert_eq!(v[0]["genes1"], serde_json::json!(["ALK"]));
    assert_eq!(v[0]["genes2"], serde_json::json!(["EML4"]));
    assert_eq!(v[2]["chrom2"], "chr17");
    let warnings = r["structural_variants"]["warnings"].to_string();
    assert!(
        warnings.contains("1 junction(s) whose FILTER is not PASS"),
        "{warnings}"
    );
    // the page shows the fusion and the file it came from
    let html = std::fs::read_to_string(tmp.path().join("delly/report.html")).unwrap();
    assert!(html.contains("EML4::ALK") && html.contains("delly.somatic.vcf"));
}

#[test]
fn erbb2_amplification_from_cnvkit_gives_trastuzumab_at_a_in_breast_cancer() {
    let tmp = tempfile::tempdir().unwrap();
    let cns = fx("external/cnvkit.tumor.cns");
    let r = report(tmp.path(), "cns", "BRCA", &["--cnv", s(&cns)]);
    assert_eq!(levels(&r, "ERBB2", "trastuzumab"), vec!["A"]);
    let cn = &r["copy_number"];
    assert_eq!(cn["reference"], "external");
    let erbb2 = cn["genes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gene"] == "ERBB2")
        .unwrap();
    // no purity: log2 2.95 proves >= 6 copies by the ratio alone
    assert_eq!(erbb2["call"], "amplification");
    assert_eq!(erbb2["call_basis"], "depth_ratio");
    assert_eq!(erbb2["min_log2_ratio"], 2.9513);
    // the page says the calls are from the ratio alone, not against a ploidy
    let page = std::fs::read_to_string(tmp.path().join("cns/report.html")).unwrap();
    assert!(
        page.contains("No purity given") && !page.contains("(3 × ploidy); deep deletion"),
        "the depth-ratio sentence is on the page"
    );
    assert!(cn["external"].as_str().unwrap().contains("CNVkit .cns"));
    let na = r["not_assessed"].to_string();
    assert!(
        na.contains("\"loh\"") && !na.contains("\"copy_number\""),
        "{na}"
    );
    // with a purity the ratio becomes a copy number: (2^2.9513 x 2 - 2 x 0.6) / 0.4 = 35.67
    let r = report(
        tmp.path(),
        "cns_p40",
        "BRCA",
        &["--cnv", s(&cns), "--cnv-purity", "0.4"],
    );
    let g = &r["copy_number"]["genes"];
    let erbb2 = g
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gene"] == "ERBB2")
        .unwrap();
    assert_eq!(erbb2["min_copy_number"], 35.67);
    assert_eq!(erbb2["call_basis"], "fitted_ploidy");
    assert_eq!(r["copy_number"]["purity"], 0.4);
    assert_eq!(levels(&r, "ERBB2", "trastuzumab"), vec!["A"]);
    let page = std::fs::read_to_string(tmp.path().join("cns_p40/report.html")).unwrap();
    assert!(page.contains("(3 × ploidy)") && !page.contains("No purity given"));
}

#[test]
fn call_cns_seg_and_purple_give_the_same_erbb2_amplification() {
    let tmp = tempfile::tempdir().unwrap();
    let mut calls = Vec::new();
    for file in [
        "cnvkit.tumor.call.cns",
        "dnacopy.tumor.seg",
        "tumor.purple.cnv.gene.tsv",
    ] {
        let r = report(
            tmp.path(),
            file,
            "BRCA",
            &["--cnv", s(&fx("external").join(file))],
        );
        assert_eq!(levels(&r, "ERBB2", "trastuzumab"), vec!["A"], "{file}");
        let genes = r["copy_number"]["genes"].as_array().unwrap().clone();
        let erbb2 = genes.iter().find(|g| g["gene"] == "ERBB2").unwrap();
        calls.push(erbb2["call"].as_str().unwrap().to_string());
        if file == "cnvkit.tumor.call.cns" {
            // CNVkit's cn 15 at the default ploidy 2, and TP53 lost with LOH (cn1 1, cn2 0)
            assert_eq!(erbb2["min_copy_number"], 15.0);
            let tp53 = genes.iter().find(|g| g["gene"] == "TP53").unwrap();
            assert_eq!(
                (&tp53["call"], &tp53["loh"]),
                (&Value::from("loss"), &Value::from(true))
            );
        }
        if file == "tumor.purple.cnv.gene.tsv" {
            assert_eq!(erbb2["min_copy_number"], 14.87);
            assert_eq!(erbb2["max_copy_number"], 15.22);
            assert!(r["copy_number"]["warnings"]
                .to_string()
                .contains("ploidy not given"));
        }
    }
    assert_eq!(calls, vec!["amplification"; 3]);
}

#[test]
fn flags_and_files_are_checked_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let vcf = empty_vcf(tmp.path());
    let base = |out: &str| -> Vec<String> {
        vec![
            "report".into(),
            "--vcf".into(),
            s(&vcf).into(),
            "-r".into(),
            s(&reference()).into(),
            "--cancer-type".into(),
            "BRCA".into(),
            "--outdir".into(),
            s(&tmp.path().join(out)).into(),
        ]
    };
    let code = |extra: &[&str]| -> (i32, String, bool) {
        let mut a = base("x");
        a.extend(extra.iter().map(|x| x.to_string()));
        let args: Vec<&str> = a.iter().map(String::as_str).collect();
        let o = run(&args);
        (
            o.status.code().unwrap(),
            String::from_utf8_lossy(&o.stderr).to_string(),
            tmp.path().join("x/report.json").exists(),
        )
    };
    let cns = fx("external/cnvkit.tumor.cns");
    let call = fx("external/cnvkit.tumor.call.cns");
    for (extra, want, says) in [
        (vec!["--cnv-purity", "0.5"], 64, "give --cnv"),
        (
            vec!["--cnv", s(&cns), "--cnv-purity", "1.5"],
            64,
            "--cnv-purity 1.5",
        ),
        (
            vec!["--cnv", s(&cns), "--cnv-ploidy", "0"],
            64,
            "--cnv-ploidy 0",
        ),
        (
            vec!["--cnv", s(&call), "--cnv-purity", "0.5"],
            64,
            "log2-only",
        ),
    ] {
        let (c, err, written) = code(&extra);
        assert_eq!(c, want, "{extra:?}: {err}");
        assert!(err.contains(says), "{err}");
        assert!(!written);
    }
    // a malformed record: exit 65 naming file:line
    let bad = tmp.path().join("bad.vcf");
    let text = std::fs::read_to_string(fx("external/delly.somatic.vcf")).unwrap();
    std::fs::write(&bad, text.replacen("END=60004000", "END=59990000", 1)).unwrap();
    let (c, err, written) = code(&["--sv", s(&bad)]);
    assert_eq!(c, 65, "{err}");
    assert!(
        err.contains("bad.vcf:47: END 59990000 is not after POS 60000000"),
        "{err}"
    );
    assert!(!written);
    // a contig the reference lacks
    let other = tmp.path().join("other.seg");
    std::fs::write(
        &other,
        "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nS\t17\t1\t100\t5\t0.1\n",
    )
    .unwrap();
    let (c, err, _) = code(&["--cnv", s(&other)]);
    assert_eq!(c, 65, "{err}");
    assert!(
        err.contains("other.seg:2: contig '17' is not in the reference"),
        "{err}"
    );
    // an unknown copy-number format
    let (c, err, _) = code(&["--cnv", s(&fx("external/delly.somatic.vcf"))]);
    assert_eq!(c, 65, "{err}");
    assert!(err.contains("unknown copy-number format"), "{err}");
}

/// `run`'s own `sv.vcf.gz` and `copy_number.seg`, read back by `report --sv --cnv` without the
/// run's results, give the run's junctions and fusions exactly, and its MET amplification
/// (`fixtures/sim_structural`: ETV6::NTRK1, EGFR exon 2-7 deletion, MET at 10 copies).
#[test]
fn a_runs_own_sv_vcf_and_seg_read_back_give_its_fusions_and_amplification() {
    let tmp = tempfile::tempdir().unwrap();
    let slices = fx("annotation/cancer_genes.GRCh38.slices.fa");
    let gff = fx("annotation/cancer_genes.GRCh38.slices.refseq_lrg.gff3");
    let mane = fx("annotation/mane_select.tsv");
    let out = tmp.path().join("run");
    let (tumor, normal) = (
        fx("sim_structural/tumor.cram"),
        fx("sim_structural/normal.cram"),
    );
    let models = [
        "-r",
        s(&slices),
        "--gff",
        s(&gff),
        "--transcripts",
        s(&mane),
    ];
    let mut args = vec![
        "run",
        "--tumor",
        s(&tumor),
        "--normal",
        s(&normal),
        "--outdir",
        s(&out),
    ];
    args.extend_from_slice(&models);
    run_ok(&args);
    let res = json(&out.join("results.json"));
    let cn = &res["copy_number"];
    let (purity, ploidy) = (cn["purity"].to_string(), cn["ploidy"].to_string());
    let rep = tmp.path().join("rep");
    let (calls, sv, seg) = (
        out.join("calls.vcf.gz"),
        out.join("sv.vcf.gz"),
        out.join("copy_number.seg"),
    );
    let mut args = vec![
        "report",
        "--vcf",
        s(&calls),
        "--sv",
        s(&sv),
        "--cnv",
        s(&seg),
        "--cnv-purity",
        &purity,
        "--cnv-ploidy",
        &ploidy,
        "--cancer-type",
        "LUAD",
        "--outdir",
        s(&rep),
    ];
    args.extend_from_slice(&models);
    run_ok(&args);
    let r = json(&rep.join("report.json"));
    let ours = &res["structural_variants"];
    let back = &r["structural_variants"];
    let key = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| {
                format!(
                    "{} {}:{}{} {}:{}{} {}",
                    x["sv_type"],
                    x["chrom1"],
                    x["pos1"],
                    x["orientation1"],
                    x["chrom2"],
                    x["pos2"],
                    x["orientation2"],
                    x["genes1"]
                )
            })
            .collect()
    };
    assert!(!ours["variants"].as_array().unwrap().is_empty());
    assert_eq!(key(&back["variants"]), key(&ours["variants"]));
    let fusions = |v: &Value| -> Vec<(Value, Value, Value, Value)> {
        v["fusions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["name"].clone(),
                    f["five_prime"]["location"].clone(),
                    f["three_prime"]["location"].clone(),
                    f["frame"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(fusions(back), fusions(ours));
    assert!(fusions(back).iter().any(|f| f.0 == "ETV6::NTRK1"));
    assert!(back["external"].as_str().unwrap().contains("oncostream"));
    // the run's split reads and pairs are read back from its FORMAT SR:PR
    assert_eq!(back["variants"][0]["tumor"], ours["variants"][0]["tumor"]);
    let called = |v: &Value| -> Vec<String> {
        v["genes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["call"] == "amplification")
            .map(|g| g["gene"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(called(&r["copy_number"]), vec!["MET"]);
    assert_eq!(called(&r["copy_number"]), called(cn));
}

/// A run that assessed structural variants keeps them: `--sv` with its `--results` is refused;
/// a run that could not assess copy number (the 40 kb nf-core slice) takes a `--cnv` file's.
#[test]
fn a_runs_results_take_precedence_and_fill_only_what_it_did_not_assess() {
    let tmp = tempfile::tempdir().unwrap();
    let nf = fx("nfcore_chr22");
    let fasta = nf.join("genome.fasta");
    let out = tmp.path().join("run");
    let (tumor, normal) = (
        nf.join("test2.paired_end.sorted.bam"),
        nf.join("test.paired_end.sorted.bam"),
    );
    run_ok(&[
        "run",
        "--tumor",
        s(&tumor),
        "--normal",
        s(&normal),
        "-r",
        s(&fasta),
        "--outdir",
        s(&out),
    ]);
    let res = json(&out.join("results.json"));
    assert!(res["structural_variants"].is_object() && res["copy_number"].is_null());
    let (calls, results) = (out.join("calls.vcf.gz"), out.join("results.json"));
    let report = |name: &str, extra: &[&str]| {
        let mut args = vec![
            "report",
            "--vcf",
            s(&calls),
            "--results",
            s(&results),
            "-r",
            s(&fasta),
            "--cancer-type",
            "LUAD",
            "--outdir",
        ];
        let dir = tmp.path().join(name);
        let dir = dir.to_str().unwrap().to_string();
        args.push(&dir);
        args.extend_from_slice(extra);
        (run(&args), tmp.path().join(name))
    };
    let sv = fx("external/manta.somaticSV.vcf.gz");
    let (o, dir) = report("sv", &["--sv", s(&sv)]);
    assert_eq!(o.status.code(), Some(64));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--sv and --results") && err.contains("structural variants"),
        "{err}"
    );
    assert!(!dir.join("report.json").exists());
    let seg = tmp.path().join("chr22.seg");
    std::fs::write(
        &seg,
        "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\ntestT\tchr22\t1\t40001\t40\t0.02\n",
    )
    .unwrap();
    let (o, dir) = report("cnv", &["--cnv", s(&seg)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = json(&dir.join("report.json"));
    assert!(r["copy_number"]["external"]
        .as_str()
        .unwrap()
        .contains("chr22.seg"));
    assert_eq!(r["copy_number"]["segments"][0]["call"], "neutral");
    let na: Vec<&str> = r["not_assessed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["item"].as_str().unwrap())
        .collect();
    // the slice is not GRCh38: no transcript model, so no gene calls; copy number itself is in
    assert!(
        !na.contains(&"copy_number") && na.contains(&"gene_copy_number"),
        "{na:?}"
    );
    // the run's structural variants stay the run's
    assert!(r["structural_variants"]["external"].is_null());
}
