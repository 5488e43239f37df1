//! Copy number and fusions from the one pass (issue 10), against the simulator's truth
//! (`fixtures/sim_structural`: real GRCh38 gene loci, MET amplified to 10 copies, TP53 reduced
//! to one, ETV6::NTRK1 and an EGFR exon 2-7 deletion, purity 0.7) and on cases without any.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::util::{fx, run, run_ok, s};

const SLICES: &str = "annotation/cancer_genes.GRCh38.slices.fa";
const GFF: &str = "annotation/cancer_genes.GRCh38.slices.refseq_lrg.gff3";
const MANE: &str = "annotation/mane_select.tsv";

fn json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// `run` on the structural fixture into `out`, with extra flags.
fn run_structural(out: &Path, tumor_only: bool, extra: &[&str]) -> Value {
    let (t, n, r, g, m) = (
        fx("sim_structural/tumor.cram"),
        fx("sim_structural/normal.cram"),
        fx(SLICES),
        fx(GFF),
        fx(MANE),
    );
    let mut args = vec![
        "run",
        "--tumor",
        s(&t),
        "-r",
        s(&r),
        "--gff",
        s(&g),
        "--transcripts",
        s(&m),
        "--outdir",
        s(out),
    ];
    if !tumor_only {
        args.extend(["--normal", s(&n)]);
    }
    args.extend_from_slice(extra);
    run_ok(&args);
    json(&out.join("results.json"))
}

/// `copy_number.seg` read as IGV (igv.js and desktop) reads a segment file: the first column is
/// the sample, columns 2-4 the span, the value the *last* column. Every value is a number, the
/// sample is the run's sample id, and the segments outside every simulated copy-number change
/// (the simulator's truth) read within 0.1 of 0, so IGV does not colour them as losses.
fn igv_reads_the_segments(seg: &str, results: &Value) {
    let truth = cnv_truth();
    let mut neutral = 0;
    for line in seg.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f[0], results["samples"]["id"].as_str().unwrap(), "{line}");
        let value: f64 = f
            .last()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("IGV takes the last column as the value: {line}"));
        assert!(value.is_finite());
        let (chrom, start, end): (&str, u64, u64) = (
            f[1],
            f[2].parse::<u64>().unwrap() - 1,
            f[3].parse().unwrap(),
        );
        let changed = truth
            .iter()
            .any(|(c, s, e, _)| c == chrom && *s < end && start < *e);
        if !changed {
            assert!(value.abs() < 0.1, "copy-neutral segment at {value}: {line}");
            neutral += 1;
        }
    }
    assert!(neutral > 0, "the fixture has copy-neutral segments");
}

/// (contig, 0-based start, end, copy number) of the simulator's `cnv_truth.bed`.
fn cnv_truth() -> Vec<(String, u64, u64, f64)> {
    std::fs::read_to_string(fx("sim_structural/cnv_truth.bed"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                f[0].to_string(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            )
        })
        .collect()
}

/// The fusion junction (der1) of each truth row in our orientation convention: `tra` joins
/// chrom1[..=pos1] (`+`) to chrom2[pos2..] (`-`); `inv` joins chrom1[..=pos1] (`+`) to the
/// reverse of chrom2[..=pos2] (`+`).
fn fusion_truth() -> Vec<(String, u64, char, String, u64, char)> {
    std::fs::read_to_string(fx("sim_structural/fusions_truth.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("fusion_id"))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let o2 = if f[1] == "inv" { '+' } else { '-' };
            (
                f[2].to_string(),
                f[3].parse().unwrap(),
                '+',
                f[5].to_string(),
                f[6].parse().unwrap(),
                o2,
            )
        })
        .collect()
}

fn sv_matches(v: &Value, t: &(String, u64, char, String, u64, char)) -> bool {
    let end = |c: &str, p: &str, o: &str| {
        (
            v[c].as_str().unwrap().to_string(),
            v[p].as_u64().unwrap(),
            v[o].as_str().unwrap().chars().next().unwrap(),
        )
    };
    let a = end("chrom1", "pos1", "orientation1");
    let b = end("chrom2", "pos2", "orientation2");
    let near = |x: &(String, u64, char), c: &str, p: u64, o: char| {
        x.0 == c && x.1.abs_diff(p) <= 5 && x.2 == o
    };
    (near(&a, &t.0, t.1, t.2) && near(&b, &t.3, t.4, t.5))
        || (near(&b, &t.0, t.1, t.2) && near(&a, &t.3, t.4, t.5))
}

/// GFF3 phase of the CDS line of `transcript` that starts at `start`.
fn cds_phase(transcript: &str, start: u64) -> u8 {
    std::fs::read_to_string(fx(GFF))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|f| {
            f.len() > 8
                && f[2] == "CDS"
                && f[8].contains(&format!("Parent=transcript:{transcript}"))
                && f[3].parse::<u64>().unwrap() == start
        })
        .map(|f| f[7].parse().unwrap())
        .expect("CDS line")
}

#[test]
fn amplification_loss_and_fusions_match_the_truth() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = run_structural(&out, false, &["--cancer-type", "NSCLC"]);
    let cn = &r["copy_number"];
    assert_eq!(cn["reference"], "matched_normal");
    // every amplification found, copy number within +-1 of the truth
    let genes = cn["genes"].as_array().unwrap();
    for (chrom, start, end, truth) in cnv_truth() {
        let g = genes
            .iter()
            .find(|g| {
                g["chrom"] == chrom.as_str()
                    && g["start"].as_u64().unwrap() >= start
                    && g["end"].as_u64().unwrap() <= end
            })
            .unwrap_or_else(|| panic!("no gene call in the truth segment {chrom}:{start}-{end}"));
        let got = g["min_copy_number"].as_f64().unwrap();
        assert!(
            (got - truth).abs() <= 1.0,
            "{}: CN {got} vs truth {truth}",
            g["gene"]
        );
        if truth >= 6.0 {
            assert_eq!(g["call"], "amplification", "{g}");
        }
        if truth == 1.0 {
            // one copy left: a loss with LOH (the simulator's CN 1 keeps haplotype B only)
            assert_eq!(g["call"], "loss", "{g}");
            assert_eq!(g["loh"], true, "{g}");
        }
    }
    // no other gene is amplified or deleted
    let altered: Vec<&str> = genes
        .iter()
        .filter(|g| g["call"] == "amplification" || g["call"] == "deep_deletion")
        .map(|g| g["gene"].as_str().unwrap())
        .collect();
    assert_eq!(altered, vec!["MET"]);
    // every fusion found: both breakpoints within 5 bp, right orientation
    let svs = r["structural_variants"]["variants"].as_array().unwrap();
    for t in fusion_truth() {
        assert!(
            svs.iter()
                .any(|v| sv_matches(v, &t) && v["precise"] == true),
            "fusion {t:?} not found in {svs:#?}"
        );
    }
    for v in svs {
        assert_eq!(v["normal"]["split_reads"], 0);
        assert_eq!(v["normal"]["discordant_pairs"], 0);
    }
    // ETV6 exon 1-5 :: NTRK1 exon 10-17. The GFF3 phases of the first CDS segment after each
    // junction (ETV6 exon 6, NTRK1 exon 10) are equal, so the reading frame continues.
    assert_eq!(
        cds_phase("NM_001987.4", 239592),
        cds_phase("NM_002529.3", 63822)
    );
    let fusions = r["structural_variants"]["fusions"].as_array().unwrap();
    let etv6 = fusions
        .iter()
        .find(|f| f["name"] == "ETV6::NTRK1")
        .expect("ETV6::NTRK1");
    assert_eq!(etv6["five_prime"]["location"], "intron 5/7");
    assert_eq!(etv6["five_prime"]["exon"], 5);
    assert_eq!(etv6["three_prime"]["exon"], 10);
    assert_eq!(etv6["frame"], "in_frame");
    assert_eq!(etv6["known_fusion"], true);
    // EGFRvIII: exons 2-7 deleted, exon 1 joined in frame to exon 8 (published: in frame)
    let viii = fusions
        .iter()
        .find(|f| {
            f["name"] == "EGFR::EGFR"
                && f["five_prime"]["exon"] == 1
                && f["three_prime"]["exon"] == 8
        })
        .expect("EGFR exon 1 :: exon 8");
    assert_eq!(viii["frame"], "in_frame");
    assert_eq!(viii["intragenic"], true);
    // purity: both estimates reported, the chosen one within 0.1 of the truth
    let p = &r["purity"];
    assert!((p["estimate"].as_f64().unwrap() - 0.7).abs() <= 0.1, "{p}");
    assert!(
        p["vaf_estimate"].is_number() && p["copy_number_estimate"].is_number(),
        "{p}"
    );
    // files users read
    let seg = std::fs::read_to_string(out.join("copy_number.seg")).unwrap();
    assert!(seg.starts_with("ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\n"));
    igv_reads_the_segments(&seg, &r);
    assert!(out.join("copy_number_segments.tsv").exists());
    assert!(out.join("copy_number_genes.tsv").exists());
    assert!(out.join("sv.vcf.gz.tbi").exists());
    if let Ok(o) = Command::new("bcftools")
        .args(["view", "-H", s(&out.join("sv.vcf.gz"))])
        .output()
    {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            text.lines().count(),
            2 * svs.len(),
            "two breakends per junction"
        );
        assert!(text.contains("SVTYPE=BND") && text.contains("MATEID="));
    }
    // the report tiers the fusion by its 3' partner and shows both new sections
    let rep = json(&out.join("report.json"));
    let f = rep["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["gene"] == "ETV6::NTRK1")
        .expect("fusion finding");
    assert_eq!(f["level"], "A");
    assert!(rep["copy_number"]["segments"].is_array());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("ETV6::NTRK1") && html.contains("<svg"),
        "plot and fusion table"
    );
}

#[test]
fn outputs_do_not_depend_on_threads_or_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let mut seen: Option<(Value, Value, String)> = None;
    for (threads, shard) in [("1", "1000000"), ("2", "37000"), ("8", "100003")] {
        let out = tmp.path().join(format!("t{threads}_{shard}"));
        let r = run_structural(&out, false, &["--threads", threads, "--shard-size", shard]);
        let seg = std::fs::read_to_string(out.join("copy_number.seg")).unwrap();
        let got = (
            r["copy_number"].clone(),
            r["structural_variants"].clone(),
            seg,
        );
        match &seen {
            None => seen = Some(got),
            Some(first) => assert!(*first == got, "threads {threads} shard {shard} differ"),
        }
    }
}

#[test]
fn tumor_only_uses_a_panel_copy_number_reference() {
    let tmp = tempfile::tempdir().unwrap();
    // without a reference: copy number is reported as not assessed, rearrangements still are
    let out = tmp.path().join("plain");
    let r = run_structural(&out, true, &[]);
    assert!(r["copy_number"].is_null());
    assert!(r["not_assessed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["item"] == "copy_number" && n["reason"].as_str().unwrap().contains("pon")));
    assert!(!r["structural_variants"]["variants"]
        .as_array()
        .unwrap()
        .is_empty());
    // a panel built from the normal gives the reference (pon.cnv.tsv beside pon.vcf.gz)
    let pon = tmp.path().join("pon.vcf.gz");
    let (n, rf) = (fx("sim_structural/normal.cram"), fx(SLICES));
    run_ok(&[
        "pon",
        "--normals",
        s(&n),
        "-r",
        s(&rf),
        "--min-samples",
        "1",
        "-o",
        s(&pon),
    ]);
    let cnv = tmp.path().join("pon.cnv.tsv");
    assert!(std::fs::read_to_string(&cnv)
        .unwrap()
        .starts_with("##oncostream_cnv_reference=1"));
    let out = tmp.path().join("with_pon");
    let r = run_structural(&out, true, &["--panel-of-normals", s(&pon)]);
    let cn = &r["copy_number"];
    assert_eq!(cn["reference"], "panel_of_normals");
    let met = cn["genes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gene"] == "MET")
        .expect("MET");
    assert_eq!(met["call"], "amplification");
    // the tumor-only germline classification takes the fit's purity and each call's segment
    // copy number when the fit is identifiable (else the candidates' allele fractions)
    let gm = &r["germline_model"];
    eprintln!("germline model {gm}, fit {}", cn["fit"]);
    if cn["fit"]["identifiable"] == true {
        assert_eq!(gm["purity_source"], "copy_number", "{gm}");
        assert_eq!(gm["copy_number_aware"], true, "{gm}");
        let fit = cn["fit"]["purity"].as_f64().unwrap();
        assert!(
            (gm["purity"].as_f64().unwrap() - fit).abs() < 0.006,
            "{gm} {fit}"
        );
    } else {
        assert_eq!(gm["purity_source"], "allele_fractions", "{gm}");
    }
    assert_eq!(
        r["provenance"]["cnv_reference"]["path"],
        s(&cnv),
        "the reference used is recorded"
    );
    // a reference of another bin size is refused before the pass
    let o = run(&[
        "run",
        "--tumor",
        s(&fx("sim_structural/tumor.cram")),
        "-r",
        s(&rf),
        "--cnv-reference",
        s(&cnv),
        "--cnv-bin-size",
        "5000",
        "--outdir",
        s(&tmp.path().join("bad")),
    ]);
    assert_eq!(
        o.status.code(),
        Some(64),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!tmp.path().join("bad").join("results.json").exists());
}

#[test]
fn no_amplification_or_fusion_where_there_is_none() {
    let tmp = tempfile::tempdir().unwrap();
    // simulated pair without copy-number changes or fusions
    let out = tmp.path().join("sim");
    let (t, n, r) = (
        fx("sim_tn60/tumor.bam"),
        fx("sim_tn60/normal.bam"),
        fx("reference/hg38_chr2_1-2333275.fa"),
    );
    run_ok(&[
        "run",
        "--tumor",
        s(&t),
        "--normal",
        s(&n),
        "-r",
        s(&r),
        "--region",
        "chr2:1000001-1150000",
        "--outdir",
        s(&out),
    ]);
    let res = json(&out.join("results.json"));
    for seg in res["copy_number"]["segments"].as_array().unwrap() {
        assert_eq!(seg["call"], "neutral", "{seg}");
    }
    assert_eq!(
        res["structural_variants"]["variants"],
        serde_json::json!([])
    );
    // the real nf-core chr22 pair (ENA ERR4467723 tumor / ERR4467726 normal): no somatic
    // rearrangement, no amplification
    let out = tmp.path().join("nfcore");
    let (t, n, r) = (
        fx("nfcore_chr22/test2.paired_end.sorted.bam"),
        fx("nfcore_chr22/test.paired_end.sorted.bam"),
        fx("nfcore_chr22/genome.fasta"),
    );
    run_ok(&[
        "run",
        "--tumor",
        s(&t),
        "--normal",
        s(&n),
        "-r",
        s(&r),
        "--outdir",
        s(&out),
    ]);
    let res = json(&out.join("results.json"));
    assert_eq!(
        res["structural_variants"]["variants"],
        serde_json::json!([])
    );
    let amplified = res["copy_number"]["segments"]
        .as_array()
        .map(|a| a.iter().filter(|s| s["call"] == "amplification").count())
        .unwrap_or(0);
    assert_eq!(amplified, 0);
}

#[test]
fn a_mappability_track_removes_unmappable_bins() {
    let tmp = tempfile::tempdir().unwrap();
    let base = run_structural(&tmp.path().join("plain"), false, &[]);
    // every simulated locus mappable, except the first 50 kb of MET (score 0.2)
    let fai = std::fs::read_to_string(fx(&format!("{SLICES}.fai"))).unwrap();
    let mut bed = String::from("track name=mappability\n");
    for l in fai.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        if f[0].starts_with("MET__") {
            bed.push_str(&format!(
                "{}\t0\t50000\t0.2\n{}\t50000\t{}\t1\n",
                f[0], f[0], f[1]
            ));
        } else {
            bed.push_str(&format!("{}\t0\t{}\t1\n", f[0], f[1]));
        }
    }
    bed.push_str("chrUn_not_in_header\t0\t1000\t1\n");
    let track = tmp.path().join("map.bed");
    std::fs::write(&track, bed).unwrap();
    let r = run_structural(
        &tmp.path().join("track"),
        false,
        &["--mappability", s(&track)],
    );
    let (b0, b1) = (
        base["copy_number"]["bins_used"].as_u64().unwrap(),
        r["copy_number"]["bins_used"].as_u64().unwrap(),
    );
    assert_eq!(b0 - b1, 50, "the 50 bins of MET:0-50000 are dropped");
    let met: Vec<&Value> = r["copy_number"]["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["chrom"].as_str().unwrap().starts_with("MET__"))
        .collect();
    assert_eq!(met[0]["start"], 50000);
    assert_eq!(met[0]["call"], "amplification");
    assert_eq!(r["provenance"]["mappability"]["path"], s(&track));
    // a score outside 0-1 is refused before the pass
    std::fs::write(
        &track,
        "MET__LRG_662__chr7_116667405_116800386\t0\t100\t1.5\n",
    )
    .unwrap();
    let (t, rf) = (fx("sim_structural/tumor.cram"), fx(SLICES));
    let o = run(&[
        "run",
        "--tumor",
        s(&t),
        "-r",
        s(&rf),
        "--mappability",
        s(&track),
        "--outdir",
        s(&tmp.path().join("bad")),
    ]);
    assert_eq!(
        o.status.code(),
        Some(65),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!tmp.path().join("bad").join("results.json").exists());
}
