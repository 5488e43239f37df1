//! `oncostream report`: a VCF from "another caller" (tumor column named with markup) on the
//! annotation fixture, tiered for lung adenocarcinoma; JSON schema, triage, HTML escaping.

use crate::util::{fx, s};

fn vcf(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("other_caller.vcf");
    let egfr = "EGFR__LRG_304__chr7_55014032_55258620";
    let brca2 = "BRCA2__LRG_293__chr13_32310480_32401672";
    let text = format!(
        "##fileformat=VCFv4.2\n##FORMAT=<ID=AF,Number=A,Type=Float,Description=\"AF\">\n##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"DP\">\n\
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\t<script>alert(1)</script>\n\
{egfr}\t177791\t.\tT\tG\t.\tPASS\t.\tAF:DP\t0:40\t0.31:120\n\
{egfr}\t167347\t.\tC\tT\t.\tPASS\t.\tAF:DP\t0:40\t0.12:110\n\
{egfr}\t177800\t.\tA\tC\t.\tweak_evidence\t.\tAF:DP\t0:40\t0.02:100\n\
{brca2}\t5983\t.\tT\tG\t.\tPASS\t.\tAF:DP\t0:40\t0.49:80\n"
    );
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs `report` for `vcf` on the annotation fixture (slices, RefSeq/LRG models, MANE list),
/// cancer type LUAD, with `extra` flags, writing to `out`.
fn fixture_report(
    vcf: &std::path::Path,
    out: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let d = fx("annotation");
    let (fa, gff, mane) = (
        d.join("cancer_genes.GRCh38.slices.fa"),
        d.join("cancer_genes.GRCh38.slices.refseq_lrg.gff3"),
        d.join("mane_select.tsv"),
    );
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
        "LUAD",
        "--outdir",
        s(out),
    ];
    args.extend_from_slice(extra);
    std::process::Command::new(env!("CARGO_BIN_EXE_oncostream"))
        .args(&args)
        .output()
        .unwrap()
}

#[test]
fn report_tiers_another_callers_vcf_and_escapes_html() {
    let tmp = tempfile::tempdir().unwrap();
    let v = vcf(tmp.path());
    let out = tmp.path().join("out");
    let o = fixture_report(&v, &out, &["--tmb", "12.3", "--msi-status", "MSS"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(r["schema_version"], 5);
    assert_eq!(r["kind"], "oncostream-report");
    let kbv = r["kb"]["version"].as_str().unwrap();
    assert!(
        kbv.contains("approvals_jp 2026.11.1") && kbv.contains("civic 01-Aug-2024"),
        "{kbv}"
    );
    assert_eq!(
        r["variants"].as_array().unwrap().len(),
        3,
        "PASS records only"
    );
    let findings = r["findings"].as_array().unwrap();
    let find = |alt: &str, level: &str| {
        findings
            .iter()
            .find(|f| f["alteration"] == alt && f["level"] == level)
    };
    let l858r = find("L858R", "A").expect("L858R level A");
    assert_eq!(l858r["approved_in_japan"], true);
    assert_eq!(l858r["level_label"], "A (approved in Japan)");
    assert!(find("T790M", "R").is_some());
    assert!(find("TMB-high", "A").is_some());
    for f in findings {
        for k in [
            "gene",
            "alteration",
            "level",
            "approved_in_japan",
            "kind",
            "therapies",
            "drugs",
            "citations",
        ] {
            assert!(f.get(k).is_some(), "finding lacks {k}");
        }
    }
    // BRCA2 M1R at VAF 0.49: possible germline in a predisposition gene -> discuss first
    assert_eq!(r["expert_panel"]["priority"], "discuss_first");
    assert!(r["expert_panel"]["statement"]
        .as_str()
        .unwrap()
        .contains("cannot waive"));
    // a TMB typed in is marked as such, and tiered
    assert_eq!(r["tmb"]["source"], "user_supplied");
    assert_eq!(r["msi"]["source"], "user_supplied");
    // every variant carries an oncogenicity class
    for v in r["variants"].as_array().unwrap() {
        assert!(v["oncogenicity"]["class"].is_string(), "{v}");
    }
    let reasons = r["expert_panel"]["reasons"].to_string();
    assert!(
        reasons.contains("BRCA2") && reasons.contains("germline"),
        "{reasons}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<script>"), "sample name must be escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    for section in [
        "Basic items",
        "Quality control",
        "Biomarkers",
        "Expert panel",
        "Alterations by evidence level",
        "Germline findings",
        "Candidate clinical trials",
        "Appendix: somatic variants",
        "References",
        "Sign-off",
        "Evidence-level definitions",
        "Limitations and disclaimer",
        "<svg",
    ] {
        assert!(html.contains(section), "HTML lacks {section}");
    }
    assert!(html.contains("A (approved in Japan)"));
    assert!(html.contains("p.Leu858Arg"));
}

#[test]
fn report_without_actionable_findings_is_routine_but_never_waived() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("empty.vcf");
    std::fs::write(
        &p,
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let d = fx("annotation");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_oncostream"))
        .args([
            "report",
            "--vcf",
            s(&p),
            "-r",
            s(&d.join("cancer_genes.GRCh38.slices.fa")),
            "--gff",
            s(&d.join("cancer_genes.GRCh38.slices.refseq_lrg.gff3")),
            "--cancer-type",
            "LUAD",
            "--outdir",
            s(&out),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(r["expert_panel"]["priority"], "routine");
    assert!(r["expert_panel"]["reasons"]
        .to_string()
        .contains("no alteration with therapeutic evidence"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("cannot waive") && !html.contains("not required"));
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_oncostream"))
        .args([
            "report",
            "--vcf",
            s(&p),
            "-r",
            s(&d.join("cancer_genes.GRCh38.slices.fa")),
            "--gff",
            s(&d.join("cancer_genes.GRCh38.slices.refseq_lrg.gff3")),
            "--cancer-type",
            "NOTATYPE",
            "--outdir",
            s(&out),
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(64));
}

/// Debian's `chromium`, when installed (`.ci/run` installs it; required in CI).
fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|c| {
        std::process::Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "chromium must be installed in CI (.ci/run)"
        );
        eprintln!("chromium not installed: skipped outside CI");
    }
    found
}

/// Runs headless Chromium on a page with `action` (`--screenshot=...`, `--print-to-pdf=...`),
/// a fresh profile, and the flags that keep it off the network.
fn headless(chromium: &str, page: &std::path::Path, action: &str, profile: &std::path::Path) {
    let st = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1100,1600",
            "--no-pdf-header-footer",
            action,
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
}

/// A headless-Chromium screenshot of a page: a real render, not a blank page.
fn screenshot(page: &std::path::Path, png: &std::path::Path) {
    let Some(c) = chromium() else { return };
    headless(
        c,
        page,
        &format!("--screenshot={}", png.display()),
        &png.with_extension("profile"),
    );
    let bytes = std::fs::read(png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG screenshot");
    assert!(
        bytes.len() > 20_000,
        "a blank page would be tiny: {} bytes",
        bytes.len()
    );
}

/// Opens report.html in headless Chromium: a screenshot, and a print to PDF (A4, the print
/// stylesheet) that paginates with rows never split across pages.
#[test]
fn report_html_renders_in_headless_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let v = vcf(tmp.path());
    let out = tmp.path().join("out");
    let o = fixture_report(&v, &out, &[]);
    assert!(o.status.success());
    let page = out.join("report.html");
    screenshot(&page, &tmp.path().join("report.png"));
    let Some(c) = chromium() else { return };
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("@media print") && html.contains("tr,svg,.warn{break-inside:avoid}"));
    let pdf = tmp.path().join("report.pdf");
    headless(
        c,
        &page,
        &format!("--print-to-pdf={}", pdf.display()),
        &tmp.path().join("pdf-profile"),
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "a PDF");
    let text = String::from_utf8_lossy(&bytes);
    let pages = text.matches("/Type /Page\n").count()
        + text.matches("/Type /Page/").count()
        + text.matches("/Type /Page>>").count()
        + text.matches("/Type /Page ").count();
    assert!(pages >= 2, "the report paginates: {pages} page(s)");
}

/// Re-tiering with the same KB reproduces report.json byte for byte; a new KB release changes
/// the levels and `retier_diff.tsv` says, per patient finding and drug, what changed and why.
#[test]
fn retier_reproduces_with_the_same_kb_and_diffs_a_new_kb() {
    let tmp = tempfile::tempdir().unwrap();
    let v = vcf(tmp.path());
    let out = tmp.path().join("out");
    let d = fx("annotation");
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kb");
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_oncostream"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    run(&[
        "report",
        "--vcf",
        s(&v),
        "-r",
        s(&d.join("cancer_genes.GRCh38.slices.fa")),
        "--gff",
        s(&d.join("cancer_genes.GRCh38.slices.refseq_lrg.gff3")),
        "--transcripts",
        s(&d.join("mane_select.tsv")),
        "--cancer-type",
        "LUAD",
        "--kb",
        s(&shipped),
        "--tmb",
        "12.3",
        "--outdir",
        s(&out),
    ]);
    let same = tmp.path().join("same");
    run(&[
        "retier",
        "--results",
        s(&out.join("report.json")),
        "--kb",
        s(&shipped),
        "-o",
        s(&same),
    ]);
    assert_eq!(
        std::fs::read(out.join("report.json")).unwrap(),
        std::fs::read(same.join("report.json")).unwrap(),
        "same KB must reproduce the report exactly"
    );
    assert_eq!(
        std::fs::read(out.join("report.html")).unwrap(),
        std::fs::read(same.join("report.html")).unwrap()
    );
    // the next KB release: the Japanese approvals of osimertinib for L858R are withdrawn (the US
    // approval stays) and the guideline row of T790M resistance to gefitinib is removed (the
    // CIViC items left are below C-CAT level B, which the curation policy needs for R)
    let newkb = tmp.path().join("kb_v2");
    std::fs::create_dir(&newkb).unwrap();
    for e in std::fs::read_dir(&shipped).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&p).unwrap();
        let text = match name.as_str() {
            "approvals_jp.tsv" => text
                .replace("# version: 2026.11.1", "# version: 2026.12.1")
                .lines()
                .filter(|l| !(l.contains("\tEGFR\tp.L858R\t") && l.contains("\tosimertinib\t")))
                .collect::<Vec<_>>()
                .join("\n"),
            "guidelines.tsv" => text
                .lines()
                .filter(|l| !l.starts_with("GL-0027\t"))
                .collect::<Vec<_>>()
                .join("\n"),
            _ => text,
        };
        std::fs::write(newkb.join(name), text + "\n").unwrap();
    }
    let new = tmp.path().join("new");
    let log = run(&[
        "retier",
        "--results",
        s(&out.join("report.json")),
        "--kb",
        s(&newkb),
        "-o",
        s(&new),
    ]);
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(new.join("report.json")).unwrap()).unwrap();
    assert!(r["kb"]["version"]
        .as_str()
        .unwrap()
        .contains("approvals_jp 2026.12.1"));
    let l858r = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["alteration"] == "L858R" && f["kind"] == "therapeutic")
        .unwrap();
    let osi = l858r["therapies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["regimen"] == "osimertinib")
        .unwrap();
    assert_eq!(osi["level_label"], "A (FDA-approved)");
    assert_eq!(osi["approved_in_japan"], false);
    let diff = std::fs::read_to_string(new.join("retier_diff.tsv")).unwrap();
    assert!(
        diff.contains("EGFR\tL858R\ttherapeutic\tosimertinib\tA (approved in Japan)\tA (FDA-approved)\tlevel changed"),
        "{diff}"
    );
    assert!(
        diff.contains("EGFR\tT790M\tresistance\tgefitinib\tR\t-\tremoved (no matching evidence in the new KB)\tGL-0027\t-"),
        "{diff}"
    );
    // unchanged drugs are not listed
    assert!(
        !diff.contains("\tgefitinib\tA (approved in Japan)\tA (approved in Japan)"),
        "{diff}"
    );
    assert!(log.contains("changed"), "{log}");
}

/// A VCF already annotated by VEP (CSQ) or SnpEff (ANN) is tiered without any GFF.
#[test]
fn report_reads_vep_csq_and_snpeff_ann() {
    let tmp = tempfile::tempdir().unwrap();
    let d = fx("annotation");
    for (name, header, info) in [
        (
            "vep",
            "##INFO=<ID=CSQ,Number=.,Type=String,Description=\"Consequence annotations from Ensembl VEP. Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|CANONICAL|MANE_SELECT\">",
            "CSQ=G|missense_variant|MODERATE|EGFR|ENSG00000146648|Transcript|ENST00000454757|protein_coding|20/27||ENST00000454757.7:c.2420T>G|ENSP00000395243.3:p.Leu807Arg|||,G|missense_variant|MODERATE|EGFR|ENSG00000146648|Transcript|ENST00000275493|protein_coding|21/28||ENST00000275493.7:c.2573T>G|ENSP00000275493.2:p.Leu858Arg|YES|NM_005228.5",
        ),
        (
            "snpeff",
            "##INFO=<ID=ANN,Number=.,Type=String,Description=\"Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p'\">",
            "ANN=G|missense_variant|MODERATE|EGFR|EGFR|transcript|NM_005228.5|protein_coding|21/28|c.2573T>G|p.Leu858Arg",
        ),
    ] {
        let p = tmp.path().join(format!("{name}.vcf"));
        std::fs::write(
            &p,
            format!(
                "##fileformat=VCFv4.2\n{header}\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\nchr7\t55191822\t.\tT\tG\t.\tPASS\t{info}\tAF:DP\t0.3:100\n"
            ),
        )
        .unwrap();
        let out = tmp.path().join(name);
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_oncostream"))
            .args(["report", "--vcf", s(&p), "-r", s(&d.join("cancer_genes.GRCh38.slices.fa")), "--cancer-type", "LUAD", "--outdir", s(&out)])
            .output()
            .unwrap();
        assert!(o.status.success(), "{name}: {}", String::from_utf8_lossy(&o.stderr));
        let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
        let a = &r["variants"][0]["annotation"];
        assert_eq!(a["protein_change"], "L858R", "{name}: {a}");
        assert_eq!(a["hgvs_c"], "c.2573T>G", "{name}");
        assert_eq!(a["exon"], 21, "{name}");
        let f = r["findings"].as_array().unwrap().iter().find(|f| f["alteration"] == "L858R").unwrap();
        assert_eq!(f["level"], "A", "{name}");
    }
}

/// Runs `run --cancer-type BRCA` on the simulated pair with a planted germline BRCA2
/// c.7480C>T (p.Arg2494Ter) in tumor and normal (`fixtures/sim_germline`), with `extra` flags.
fn germline_run(out: &std::path::Path, tumor_only: bool, extra: &[&str]) -> serde_json::Value {
    let d = fx("annotation");
    let (t, n) = (fx("sim_germline/tumor.bam"), fx("sim_germline/normal.bam"));
    let (fa, gff, mane) = (
        d.join("cancer_genes.GRCh38.slices.fa"),
        d.join("cancer_genes.GRCh38.slices.refseq_lrg.gff3"),
        d.join("mane_select.tsv"),
    );
    let mut args = vec![
        "run",
        "--tumor",
        s(&t),
        "-r",
        s(&fa),
        "--region",
        "BRCA2__LRG_293__chr13_32310480_32401672:38001-54000",
        "--cancer-type",
        "BRCA",
        "--gff",
        s(&gff),
        "--transcripts",
        s(&mane),
        "--outdir",
        s(out),
        "--quiet",
    ];
    if !tumor_only {
        args.extend(["--normal", s(&n)]);
    }
    args.extend_from_slice(extra);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_oncostream"))
        .args(&args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

/// The matched normal is examined for germline findings: the planted BRCA2 null variant is
/// reported in its own section (heterozygous, likely pathogenic, disclosure grade AAA, "confirm
/// with a clinical germline test"), kept out of the somatic variants and TMB, and makes the case
/// `discuss first`; `--scope cdx` omits the section; tumor-only says it was not examined.
#[test]
fn germline_findings_from_the_matched_normal() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tn");
    let r = germline_run(&out, false, &[]);
    assert_eq!(r["germline"]["status"], "examined");
    let f = r["germline"]["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["gene"], "BRCA2");
    assert_eq!(f[0]["hgvs_c"], "c.7480C>T");
    assert_eq!(f[0]["hgvs_p"], "p.Arg2494Ter");
    assert_eq!(f[0]["zygosity"], "heterozygous");
    assert_eq!(f[0]["class"], "likely pathogenic (null variant)");
    assert_eq!(f[0]["disclosure_grade"], "AAA");
    let nvaf = f[0]["normal_vaf"].as_f64().unwrap();
    assert!((0.25..=0.75).contains(&nvaf), "{nvaf}");
    // not a somatic call, not in TMB
    assert!(r["variants"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["pos"] != 45993));
    let res: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let truth = std::fs::read_to_string(fx("sim_germline/truth.vcf")).unwrap();
    let somatic = truth.lines().filter(|l| !l.starts_with('#')).count() as u64;
    assert!(res["tmb"]["count"].as_u64().unwrap() <= somatic);
    assert_eq!(r["expert_panel"]["priority"], "discuss_first");
    let reasons = r["expert_panel"]["reasons"].to_string();
    assert!(
        reasons.contains("germline finding BRCA2 p.Arg2494Ter"),
        "{reasons}"
    );
    assert!(
        !reasons.contains("possibly germline"),
        "a paired run checked the normal: {reasons}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for needle in [
        "Germline findings (secondary findings)",
        "c.7480C&gt;T",
        "AAA",
        "Confirm every germline finding with a clinical germline test",
    ] {
        assert!(html.contains(needle), "HTML lacks {needle}");
    }
    // companion-diagnostic scope: the section is omitted, and says so
    let cdx = germline_run(&tmp.path().join("cdx"), false, &["--scope", "cdx"]);
    assert_eq!(cdx["germline"]["status"], "omitted");
    assert!(cdx["germline"]["findings"].as_array().unwrap().is_empty());
    // tumor-only: not examined, with the reason
    let to = germline_run(&tmp.path().join("to"), true, &[]);
    assert_eq!(to["germline"]["status"], "not_examined");
    assert!(to["germline"]["note"]
        .as_str()
        .unwrap()
        .contains("tumor-only"));
}

/// `--lang ja`: the page's fixed labels in Japanese (C-CAT level names), report.json unchanged
/// but for `lang`; an unknown language is refused before anything is written.
#[test]
fn report_in_japanese() {
    let tmp = tempfile::tempdir().unwrap();
    let v = vcf(tmp.path());
    let out = tmp.path().join("ja");
    let o = fixture_report(&v, &out, &["--lang", "ja", "--tmb", "12.3"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for needle in [
        "<html lang=\"ja\">",
        "<h2>基本項目（患者・医療機関・検査に関する情報）</h2>",
        "<h2>エキスパートパネル</h2>",
        "A（国内承認薬あり）",
        "当該がん種で国内承認（保険診療）",
        "本ソフトウェアはその検討を省略できない",
        "<h2>二次的所見（Germline findings）</h2>",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(r["lang"], "ja");
    let bad = fixture_report(&v, &tmp.path().join("jp"), &["--lang", "jp"]);
    assert_eq!(bad.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--lang 'jp'"));
    assert!(!tmp.path().join("jp").exists());
}

/// A user-supplied trial list is validated up front (file:line, exit 65, nothing written) and
/// matched like knowledge-base rows: by alteration, in the patient's cancer type only.
#[test]
fn candidate_trials_from_a_trial_list() {
    let tmp = tempfile::tempdir().unwrap();
    let v = vcf(tmp.path());
    let list = tmp.path().join("trials.tsv");
    let head = "id\ttitle\tgene\talteration\tcancer_types\texclude\tphase\tstatus\tsites\turl\n";
    // test entries (not real trials): an EGFR L858R trial in NSCLC, the same in colorectal
    // cancer, and a TMB basket
    std::fs::write(
        &list,
        format!(
            "# test list\n{head}TEST-0001\tEGFR-mutant NSCLC study\tEGFR\tp.L858R\tNSCLC\t-\tII\trecruiting\tTokyo\thttps://example.org/t1\n\
             TEST-0002\tEGFR in colorectal cancer\tEGFR\tp.L858R\tCOADREAD\t-\tII\trecruiting\tOsaka\thttps://example.org/t2\n\
             TEST-0003\tTMB-high basket\t-\tbiomarker:TMB>=10\t*\t-\tII\trecruiting\tChiba\thttps://example.org/t3\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = fixture_report(&v, &out, &["--trials", s(&list), "--tmb", "12.3"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let ids: Vec<&str> = r["trials"]["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["TEST-0001", "TEST-0003"],
        "LUAD: not the colorectal trial"
    );
    assert!(std::fs::read_to_string(out.join("report.html"))
        .unwrap()
        .contains("EGFR-mutant NSCLC study"));
    // without a list, the section says none was searched
    let none = tmp.path().join("none");
    assert!(fixture_report(&v, &none, &[]).status.success());
    assert!(std::fs::read_to_string(none.join("report.html"))
        .unwrap()
        .contains("No trial list was given"));
    // a bad row: refused before anything is written
    std::fs::write(
        &list,
        format!("{head}TEST-9\tx\tEGFR\tL858R\tNSCLC\t-\tII\tr\ts\thttps://example.org/\n"),
    )
    .unwrap();
    let bad = tmp.path().join("bad");
    let o = fixture_report(&v, &bad, &["--trials", s(&list)]);
    assert_eq!(o.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&o.stderr).contains("trials.tsv:2:"));
    assert!(!bad.exists());
}

/// report.json without what changes from run to run or machine to machine (date, run id, tool
/// and KB versions, input paths and checksums).
fn stable(mut r: serde_json::Value) -> serde_json::Value {
    let o = r.as_object_mut().unwrap();
    for k in ["report_date", "run_id", "software", "kb", "inputs"] {
        o.remove(k);
    }
    r
}

/// The three cases of the expert-panel report — the bundled example (real nf-core chr22 pair,
/// too small for TMB/MSI), a simulated pair with a germline BRCA2 null variant in the normal,
/// and the same tumor without its normal — each against its golden report.json
/// (`fixtures/golden/report_<case>.json`; `UPDATE_GOLDEN=1` rewrites them) and rendered in
/// headless Chromium. No report says the panel is "not required".
#[test]
fn three_report_cases_match_their_goldens_and_render() {
    let tmp = tempfile::tempdir().unwrap();
    let a = fx("annotation");
    let (fa, gff, mane) = (
        a.join("cancer_genes.GRCh38.slices.fa"),
        a.join("cancer_genes.GRCh38.slices.refseq_lrg.gff3"),
        a.join("mane_select.tsv"),
    );
    let nf = fx("nfcore_chr22");
    let (nt, nn, nref, gnomad) = (
        nf.join("test2.paired_end.sorted.bam"),
        nf.join("test.paired_end.sorted.bam"),
        nf.join("genome.fasta"),
        nf.join("gnomAD.r2.1.1.vcf.gz"),
    );
    let (gt, gn) = (fx("sim_germline/tumor.bam"), fx("sim_germline/normal.bam"));
    let brca2 = "BRCA2__LRG_293__chr13_32310480_32401672:38001-54000";
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "example",
            vec![
                "--tumor",
                s(&nt),
                "--normal",
                s(&nn),
                "-r",
                s(&nref),
                "--germline-resource",
                s(&gnomad),
                "--cancer-type",
                "LUAD",
            ],
        ),
        (
            "germline",
            vec![
                "--tumor",
                s(&gt),
                "--normal",
                s(&gn),
                "-r",
                s(&fa),
                "--region",
                brca2,
                "--gff",
                s(&gff),
                "--transcripts",
                s(&mane),
                "--cancer-type",
                "BRCA",
                "--patient-id",
                "DEMO-001",
                "--tumor-content",
                "60",
            ],
        ),
        (
            "tumor_only",
            vec![
                "--tumor",
                s(&gt),
                "-r",
                s(&fa),
                "--region",
                brca2,
                "--gff",
                s(&gff),
                "--transcripts",
                s(&mane),
                "--cancer-type",
                "BRCA",
            ],
        ),
    ];
    let update = std::env::var("UPDATE_GOLDEN").is_ok();
    for (name, flags) in cases {
        let out = tmp.path().join(name);
        let mut args = vec!["run", "--outdir", s(&out), "--quiet"];
        args.extend(flags);
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_oncostream"))
            .args(&args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap())
                .unwrap();
        let got = serde_json::to_string_pretty(&stable(r.clone())).unwrap() + "\n";
        let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("fixtures/golden/report_{name}.json"));
        if update {
            std::fs::write(&golden, &got).unwrap();
        }
        let want = std::fs::read_to_string(&golden).unwrap();
        assert!(
            got == want,
            "{name}: report.json differs from {} (UPDATE_GOLDEN=1 rewrites it after review)",
            golden.display()
        );
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        assert!(!html.contains("not required"), "{name}");
        assert!(html.contains("cannot waive"), "{name}");
        match name {
            "example" => {
                assert_eq!(r["tmb"]["evaluability"]["evaluable"], false);
                assert_eq!(r["msi"]["evaluability"]["evaluable"], false);
                assert!(html.contains("TMB not evaluable") && html.contains("MSI not evaluable"));
            }
            "germline" => assert_eq!(r["germline"]["findings"][0]["hgvs_c"], "c.7480C>T"),
            _ => {
                assert_eq!(r["germline"]["status"], "not_examined");
                // the germline null variant is filtered from the somatic calls by its tumor
                // VAF, and listed as possibly germline
                assert_eq!(r["germline"]["possibly_germline"][0]["hgvs_c"], "c.7480C>T");
                assert!(html.contains("Possibly germline"));
            }
        }
        screenshot(
            &out.join("report.html"),
            &tmp.path().join(format!("{name}.png")),
        );
    }
}

/// What headless Chromium measures on a page at a window width: the document's scroll width,
/// the viewport width and the right edge of the widest element. With `print`, the page's
/// `@media print` rules are applied first (as when printing), so the width is A4's printable
/// width (210 mm - 2 x 14 mm margins = 688 CSS px).
fn measure_page(chromium: &str, page: &std::path::Path, width: u32, print: bool) -> [f64; 3] {
    let dir = page.parent().unwrap();
    let script = format!(
        "<script>(function(){{if({print}){{for(const sh of document.styleSheets){{for(const r of Array.from(sh.cssRules)){{if(r.media&&r.media.mediaText.indexOf('print')>=0){{for(const x of Array.from(r.cssRules)){{sh.insertRule(x.cssText,sh.cssRules.length);}}}}}}}}}}let right=0;for(const e of document.querySelectorAll('body *')){{right=Math.max(right,e.getBoundingClientRect().right);}}const p=document.createElement('pre');p.id='measure';p.textContent='MEASURE '+document.documentElement.scrollWidth+' '+window.innerWidth+' '+Math.ceil(right)+' END';document.body.appendChild(p);}})();</script>"
    );
    let html = std::fs::read_to_string(page).unwrap();
    let wrapped = dir.join(format!("measure_{width}_{print}.html"));
    std::fs::write(
        &wrapped,
        html.replace("</body>", &format!("{script}</body>")),
    )
    .unwrap();
    let o = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--dump-dom",
        ])
        .arg(format!("--window-size={width},1000"))
        .arg(format!(
            "--user-data-dir={}",
            dir.join(format!("profile_{width}_{print}")).display()
        ))
        .arg(format!("file://{}", wrapped.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&o.stdout);
    let mark = "<pre id=\"measure\">MEASURE ";
    let at = dom.find(mark).expect("the measuring script ran") + mark.len();
    let v: Vec<f64> = dom[at..dom[at..].find(" END").unwrap() + at]
        .split(' ')
        .map(|x| x.parse().unwrap())
        .collect();
    [v[0], v[1], v[2]]
}

/// The page in a 1280 px window has no horizontal overflow; with the print stylesheet at A4's
/// printable width no element reaches past the page (long contig and transcript names wrap, the
/// Evidence column is not cut); `report --pdf` prints A4 pages through headless Chromium; the
/// title names the sample; the sign-off table leaves room to sign. Before the fix the variant
/// appendix was 1387-1456 px wide and the Evidence column was cut on every appendix page.
#[test]
fn report_page_fits_a_1280_px_window_and_a4_and_prints_to_pdf() {
    let tmp = tempfile::tempdir().unwrap();
    let v = tmp.path().join("page.vcf");
    let text = std::fs::read_to_string(vcf(tmp.path())).unwrap();
    std::fs::write(&v, text.replace("<script>alert(1)</script>", "P7_T")).unwrap();
    let out = tmp.path().join("out");
    let Some(c) = chromium() else {
        // without Chromium, --pdf is refused up front with what to install
        let o = fixture_report(&v, &out, &["--pdf", "--patient-id", "P-7"]);
        assert_eq!(o.status.code(), Some(64));
        assert!(String::from_utf8_lossy(&o.stderr).contains("needs headless Chromium"));
        return;
    };
    let o = fixture_report(&v, &out, &["--pdf", "--patient-id", "P-7"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = out.join("report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains(
            "<title>Cancer genomic profiling report: patient P-7 · sample P7_T · LUAD</title>"
        ),
        "{}",
        &html[..300]
    );
    // the sign-off: labels in a narrow column, a tall row for comments
    assert!(html.contains(".signoff th{width:11em}") && html.contains("<th>Signature</th>"));
    let [scroll, inner, right] = measure_page(c, &page, 1280, false);
    assert!((inner - 1280.0).abs() <= 20.0, "window {inner} px");
    assert!(
        scroll <= inner && right <= inner,
        "1280 px: scroll width {scroll}, widest element ends at {right}"
    );
    let [scroll, inner, right] = measure_page(c, &page, 688, true);
    assert!((inner - 688.0).abs() <= 20.0, "window {inner} px");
    assert!(
        scroll <= inner && right <= inner,
        "A4 print: scroll width {scroll}, widest element ends at {right}"
    );
    // report.pdf: A4 pages (595 x 842 pt), more than one, recorded in the manifest
    let bytes = std::fs::read(out.join("report.pdf")).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let text = String::from_utf8_lossy(&bytes);
    let boxes: Vec<Vec<f64>> = text
        .match_indices("/MediaBox [")
        .map(|(i, _)| {
            let inner = &text[i + 11..];
            inner[..inner.find(']').unwrap()]
                .split_whitespace()
                .map(|x| x.parse().unwrap())
                .collect()
        })
        .collect();
    assert!(boxes.len() >= 2, "{} page(s)", boxes.len());
    for n in &boxes {
        assert!(
            (n[2] - 595.0).abs() < 2.0 && (n[3] - 842.0).abs() < 2.0,
            "not A4: {n:?}"
        );
    }
    let manifest = std::fs::read_to_string(out.join("run_manifest.json")).unwrap();
    assert!(manifest.contains("report.pdf"));
}
