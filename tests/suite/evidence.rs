//! Evidence an expert panel can act on (issue 18): germline findings tiered as biomarkers and
//! kept by `report --results` and `retier`; VCF records whose REF disagrees with the reference
//! refused (or flagged); rules written on a MANE transcript the models lack evaluated by exon
//! structure; structural calls of other pipelines (`report --sv`, `--cnv`) tiered.

use crate::util::{fx, s};

fn oncostream(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_oncostream"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let o = oncostream(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn json(p: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The annotation fixture: slices FASTA, RefSeq/LRG GFF3, MANE list.
fn annotation() -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let d = fx("annotation");
    (
        d.join("cancer_genes.GRCh38.slices.fa"),
        d.join("cancer_genes.GRCh38.slices.refseq_lrg.gff3"),
        d.join("mane_select.tsv"),
    )
}

/// The therapies of the therapeutic finding of `gene` (regimen, level, approved in Japan).
fn therapies(r: &serde_json::Value, gene: &str) -> Vec<(String, String, bool)> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["gene"] == gene && f["kind"] == "therapeutic")
        .flat_map(|f| f["therapies"].as_array().unwrap().iter())
        .map(|t| {
            (
                t["regimen"].as_str().unwrap().to_string(),
                t["level"].as_str().unwrap().to_string(),
                t["approved_in_japan"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// A germline BRCA2 c.7480C>T (p.Arg2494Ter) in the matched normal of a breast cancer
/// (`fixtures/sim_germline`): olaparib and talazoparib at A (approved in Japan for germline BRCA
/// breast cancer, JP-0092/JP-0105) with origin germline and the label condition and companion
/// diagnostic on the page; `report --results` of the same run and `retier` give the identical
/// germline section and findings.
#[test]
fn a_germline_brca2_variant_is_a_biomarker_in_every_report_of_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (fa, gff, mane) = annotation();
    let run = tmp.path().join("run");
    ok(&[
        "run",
        "--tumor",
        s(&fx("sim_germline/tumor.bam")),
        "--normal",
        s(&fx("sim_germline/normal.bam")),
        "-r",
        s(&fa),
        "--region",
        "BRCA2__LRG_293__chr13_32310480_32401672:38001-54000",
        "--gff",
        s(&gff),
        "--transcripts",
        s(&mane),
        "--cancer-type",
        "BRCA",
        "--outdir",
        s(&run),
        "--quiet",
    ]);
    let r = json(&run.join("report.json"));
    let th = therapies(&r, "BRCA2");
    for drug in ["olaparib", "talazoparib"] {
        assert!(
            th.iter().any(|(d, l, jp)| d == drug && l == "A" && *jp),
            "{drug}: {th:?}"
        );
    }
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["gene"] == "BRCA2" && f["kind"] == "therapeutic")
        .unwrap();
    assert_eq!(f["origin"], "germline");
    let ola = f["therapies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["regimen"] == "olaparib")
        .unwrap();
    let approvals = ola["approvals"].to_string();
    assert!(
        approvals.contains("Germline BRCA mutation-positive, HER2-negative")
            && approvals.contains("BRACAnalysis"),
        "{approvals}"
    );
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    for needle in ["germline", "BRACAnalysis", "HER2-negative"] {
        assert!(html.contains(needle), "report.html lacks {needle}");
    }
    // report --results: the germline section and findings exactly as the run's own report
    let rep = tmp.path().join("report");
    ok(&[
        "report",
        "--vcf",
        s(&run.join("calls.vcf.gz")),
        "--results",
        s(&run.join("results.json")),
        "-r",
        s(&fa),
        "--gff",
        s(&gff),
        "--transcripts",
        s(&mane),
        "--cancer-type",
        "BRCA",
        "--outdir",
        s(&rep),
        "--quiet",
    ]);
    let b = json(&rep.join("report.json"));
    assert_eq!(r["germline"], b["germline"]);
    assert_eq!(r["findings"], b["findings"]);
    assert!(!b["germline"]["note"]
        .as_str()
        .unwrap()
        .contains("set by the caller"));
    // retier with the same KB: the same germline section and findings
    let re = tmp.path().join("retier");
    ok(&[
        "retier",
        "--results",
        s(&run.join("report.json")),
        "--output",
        s(&re),
        "--quiet",
    ]);
    let c = json(&re.join("report.json"));
    assert_eq!(r["germline"], c["germline"]);
    assert_eq!(r["findings"], c["findings"]);
}

fn write_vcf(path: &std::path::Path, records: &[&str]) {
    let mut text =
        String::from("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    for r in records {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

fn report(
    vcf: &std::path::Path,
    out: &std::path::Path,
    cancer: &str,
    extra: &[&str],
) -> std::process::Output {
    let (fa, gff, mane) = annotation();
    let mut args = vec![
        "report",
        "--vcf",
        s(vcf),
        "-r",
        s(&fa),
        "--gff",
        s(&gff),
        "--transcripts",
        s(&mane),
        "--cancer-type",
        cancer,
        "--outdir",
        s(out),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    oncostream(&args)
}

/// EGFR L858R (c.2573T>G, slice position 177791) with a wrong REF: the VCF is refused, exit 65,
/// naming the record by file:line, nothing written; with --allow-ref-mismatch the record is
/// flagged (not annotated from the reference's codon, not tiered) and the other is reported.
#[test]
fn a_record_whose_ref_disagrees_with_the_reference_is_refused_or_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let egfr = "EGFR__LRG_304__chr7_55014032_55258620";
    let v = tmp.path().join("wrong_ref.vcf");
    let good = format!("{egfr}\t177791\t.\tT\tG\t.\tPASS\t.");
    let bad = format!("{egfr}\t177791\t.\tC\tG\t.\tPASS\t.");
    write_vcf(&v, &[&good, &bad]);
    let out = tmp.path().join("refused");
    let o = report(&v, &out, "LUAD", &[]);
    assert_eq!(
        o.status.code(),
        Some(65),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains(&format!(
            "wrong_ref.vcf:4: {egfr}:177791 REF 'C' but the reference has 'T'"
        )),
        "{e}"
    );
    assert!(!out.exists(), "nothing written");
    let out = tmp.path().join("flagged");
    let o = report(&v, &out, "LUAD", &["--allow-ref-mismatch"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = json(&out.join("report.json"));
    let vars = r["variants"].as_array().unwrap();
    let flagged = vars.iter().find(|x| x["ref"] == "C").unwrap();
    assert_eq!(flagged["ref_mismatch"], "T");
    assert!(
        flagged["annotation"].is_null(),
        "never annotated from the reference's codon"
    );
    let kept = vars.iter().find(|x| x["ref"] == "T").unwrap();
    assert_eq!(kept["annotation"]["protein_change"], "L858R");
    assert!(r["limitations"]
        .to_string()
        .contains("REF 'C' disagrees with the reference ('T')"));
}

/// The fixture's GFF has MET NM_001127500 (exon 10 54 bases longer) but not the MANE Select
/// NM_000245: a donor variant of exon 14 (c.3082+1G>T there) is evaluated on MANE numbering
/// (c.3028+1G>T, mapped by exon structure), so capmatinib and tepotinib are A in LUAD, with the
/// mapping as a note; the report lists MET as a gene whose preferred transcript was absent.
#[test]
fn met_exon14_rules_are_evaluated_on_the_mane_structure_when_the_gff_lacks_it() {
    let tmp = tempfile::tempdir().unwrap();
    let v = tmp.path().join("met.vcf");
    write_vcf(
        &v,
        &["MET__LRG_662__chr7_116667405_116800386\t104586\t.\tG\tT\t.\tPASS\t."],
    );
    let out = tmp.path().join("out");
    let o = report(&v, &out, "LUAD", &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = json(&out.join("report.json"));
    let var = &r["variants"][0];
    assert_eq!(var["annotation"]["transcript"], "NM_001127500.1");
    assert_eq!(var["annotation"]["hgvs_c"], "c.3082+1G>T");
    assert_eq!(
        var["mane_mapping"]["annotation"]["transcript"],
        "NM_000245.4"
    );
    assert_eq!(var["mane_mapping"]["annotation"]["hgvs_c"], "c.3028+1G>T");
    assert_eq!(
        var["mane_mapping"]["annotation"]["location"],
        "intron 14/20"
    );
    let th = therapies(&r, "MET");
    for drug in ["capmatinib", "tepotinib"] {
        assert!(
            th.iter().any(|(d, l, jp)| d == drug && l == "A" && *jp),
            "{drug}: {th:?}"
        );
    }
    assert!(r["findings"][0]["notes"]
        .to_string()
        .contains("mapped by exon structure from NM_001127500.1"));
    assert_ne!(var["oncogenicity"]["class"], "vus");
    assert_eq!(r["transcripts"]["preferred_absent"][0]["gene"], "MET");
    assert!(r["transcripts"]["rules_not_evaluated"]
        .as_array()
        .unwrap()
        .is_empty());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("NM_000245.4"),
        "the page names the MANE transcript"
    );
}
