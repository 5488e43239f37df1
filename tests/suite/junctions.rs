//! Junctions in repeats and copy number with junctions (issue 23), on held-out pairs made by
//! another simulator and aligner than the rest of the fixtures (`scripts/heldout_pair.py`:
//! wgsim reads aligned with bwa mem; `fixtures/heldout_sv*`, 160 kb slices). The truth is the
//! generator's: junctions at their leftmost placement along the breakpoint homology.

use std::path::Path;

use serde_json::Value;

use crate::util::{fx, run_ok, s};

const REF: &str = "reference/hg38_chr2_1-2333275.fa";

/// (class, pos1, ori1, pos2, ori2, homology) of a fixture's `sv_truth.tsv`.
fn sv_truth(dir: &str) -> Vec<(String, u64, String, u64, String, u32)> {
    std::fs::read_to_string(fx(&format!("{dir}/sv_truth.tsv")))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                f[0].to_string(),
                f[2].parse().unwrap(),
                f[3].to_string(),
                f[4].parse().unwrap(),
                f[5].to_string(),
                f[6].parse().unwrap(),
            )
        })
        .collect()
}

/// (0-based start, end) of the copy-number truth.
fn cn_truth(dir: &str) -> Vec<(u64, u64)> {
    std::fs::read_to_string(fx(&format!("{dir}/cnv_truth.bed")))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[1].parse().unwrap(), f[2].parse().unwrap())
        })
        .collect()
}

fn run_pair(dir: &str, region: &str, out: &Path) -> Value {
    let (t, n, r) = (
        fx(&format!("{dir}/tumor.cram")),
        fx(&format!("{dir}/normal.cram")),
        fx(REF),
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
        region,
        "--outdir",
        s(out),
    ]);
    serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap()
}

#[test]
fn a_deletion_between_tandem_repeats_is_placed_to_the_base_with_its_homology() {
    // purity 0.7: a one-copy deletion from inside one (TG)n repeat to the same phase of another;
    // bwa splits its reads anywhere along the 13 shared bases (before: reported 13 bp off)
    let tmp = tempfile::tempdir().unwrap();
    let r = run_pair("heldout_sv", "chr2:2000001-2160000", tmp.path());
    let truth = sv_truth("heldout_sv");
    assert_eq!(truth.len(), 1);
    let (_, p1, o1, p2, o2, hom) = &truth[0];
    let svs = r["structural_variants"]["variants"].as_array().unwrap();
    assert_eq!(svs.len(), 1, "{svs:?}");
    let v = &svs[0];
    assert_eq!(v["sv_type"], "deletion");
    assert_eq!(
        (v["pos1"].as_u64().unwrap(), v["pos2"].as_u64().unwrap()),
        (*p1, *p2)
    );
    assert_eq!(
        (
            v["orientation1"].as_str().unwrap(),
            v["orientation2"].as_str().unwrap()
        ),
        (o1.as_str(), o2.as_str())
    );
    assert_eq!(v["precise"], true);
    assert_eq!(v["homology_length"].as_u64().unwrap(), *hom as u64);
    // the loss's segment boundaries sit on the junction (within the homology of the truth's)
    let (lo, hi) = cn_truth("heldout_sv")[0];
    let segs = r["copy_number"]["segments"].as_array().unwrap();
    let seg = segs
        .iter()
        .find(|x| x["start"].as_u64().unwrap().abs_diff(lo) <= 1000)
        .expect("a segment starting at the loss");
    assert!(seg["start"].as_u64().unwrap().abs_diff(lo) <= *hom as u64);
    assert!(seg["end"].as_u64().unwrap().abs_diff(hi) <= *hom as u64);
    assert_eq!(seg["call"], "loss");
    assert_eq!(seg["start_junction"], v["id"]);
    assert_eq!(seg["end_junction"], v["id"]);
    // the junction names the change it explains
    let ch = &v["copy_number_change"];
    assert_eq!(ch["start"], seg["start"]);
    assert_eq!(ch["call"], "loss");
    // VCF: HOMLEN and CIPOS/CIEND over the homology, the segment it explains
    let vcf = crate::util::read_text(&tmp.path().join("sv.vcf.gz"));
    let rec = vcf.lines().find(|l| !l.starts_with('#')).unwrap();
    assert!(rec.contains(&format!("HOMLEN={hom}")), "{rec}");
    assert!(
        rec.contains(&format!("CIPOS=0,{hom};CIEND=0,{hom}")),
        "{rec}"
    );
    assert!(rec.contains("CNSEG=chr2:"), "{rec}");
}

#[test]
fn a_deletion_with_too_few_split_reads_is_reported_from_its_copy_number_step() {
    // purity 0.3: a one-copy deletion starting in a homopolymer; 2 split reads and 1 pair are
    // below the thresholds (4 / 6), but the depth drops between its ends
    let tmp = tempfile::tempdir().unwrap();
    let r = run_pair("heldout_sv_p30", "chr2:490001-650000", tmp.path());
    let (_, p1, _, p2, _, _) = sv_truth("heldout_sv_p30")[0].clone();
    let svs = r["structural_variants"]["variants"].as_array().unwrap();
    assert_eq!(svs.len(), 1, "{svs:?}");
    let v = &svs[0];
    assert_eq!(v["sv_type"], "deletion");
    assert!(v["pos1"].as_u64().unwrap().abs_diff(p1) <= 5, "{v}");
    assert!(v["pos2"].as_u64().unwrap().abs_diff(p2) <= 5, "{v}");
    assert_eq!(v["copy_number_supported"], true);
    let t = &v["tumor"];
    assert!(t["split_reads"].as_u64().unwrap() + t["discordant_pairs"].as_u64().unwrap() < 6);
    let vcf = crate::util::read_text(&tmp.path().join("sv.vcf.gz"));
    assert!(vcf.contains(";CNSUPPORTED"));
    let (lo, hi) = cn_truth("heldout_sv_p30")[0];
    let segs = r["copy_number"]["segments"].as_array().unwrap();
    assert!(
        segs.iter()
            .any(|x| x["start"].as_u64().unwrap().abs_diff(lo) <= 5
                && x["end"].as_u64().unwrap().abs_diff(hi) <= 5),
        "{segs:?}"
    );
}
