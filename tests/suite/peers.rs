//! Exactness against peer tools on real data (tables in fixtures/expected).

use crate::util::*;

const NF: &str = "nfcore_chr22";

fn pileup_to(args: &[&str]) -> (tempfile::TempDir, Table) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.tsv");
    let mut a: Vec<&str> = args.to_vec();
    a.extend(["-o", s(&out)]);
    let mut full = vec!["pileup"];
    full.extend(a);
    run_ok(&full);
    let t = read_ours(&out);
    (dir, t)
}

#[test]
fn nfcore_equals_perbase_base_depth_f3840() {
    for sample in ["test", "test2"] {
        let bam = fx(&format!("{NF}/{sample}.paired_end.sorted.bam"));
        let reff = fx(&format!("{NF}/genome.fasta"));
        let (_d, ours) = pileup_to(&["--bam", s(&bam), "-r", s(&reff), "-F", "3840"]);
        let theirs = read_perbase(&fx(&format!(
            "expected/{NF}/{sample}.perbase_base_depth_F3840.tsv"
        )));
        assert!(theirs.len() > 1000);
        let d = diff(&ours, &theirs, true);
        assert!(
            d.is_empty(),
            "{sample}: {} mismatches, first: {:?}",
            d.len(),
            &d[..d.len().min(5)]
        );
    }
}

#[test]
fn nfcore_equals_perbase_mate_fix_q13() {
    // perbase -m groups reads of one template at a position and keeps one: passing read first,
    // then higher MAPQ, then first-in-pair; bases below Q13 become N. The normal has a
    // secondary copy of a read (testN:1, flag 387) that perbase groups with its mates.
    for sample in ["test", "test2"] {
        let bam = fx(&format!("{NF}/{sample}.paired_end.sorted.bam"));
        let reff = fx(&format!("{NF}/genome.fasta"));
        let (_d, ours) = pileup_to(&[
            "--bam",
            s(&bam),
            "-r",
            s(&reff),
            "-F",
            "3840",
            "-Q",
            "13",
            "--mate-overlap",
            "dedup",
        ]);
        let theirs = read_perbase(&fx(&format!(
            "expected/{NF}/{sample}.perbase_base_depth_F3840_mQ13.tsv"
        )));
        let d = diff(&ours, &theirs, true);
        assert!(
            d.is_empty(),
            "{sample}: {} mismatches, first: {:?}",
            d.len(),
            &d[..d.len().min(5)]
        );
    }
}

#[test]
fn nfcore_depth_equals_samtools_depth_a_and_s() {
    // samtools depth counts reads with a base (not a deletion): our depth - del.
    for sample in ["test", "test2"] {
        let bam = fx(&format!("{NF}/{sample}.paired_end.sorted.bam"));
        for (mode, file) in [
            ("count", "samtools_depth_a"),
            ("dedup", "samtools_depth_a_s"),
        ] {
            let (_d, ours) = pileup_to(&["--bam", s(&bam), "-a", "--mate-overlap", mode]);
            let sd = read_samtools_depth(&fx(&format!("expected/{NF}/{sample}.{file}.tsv")));
            assert_eq!(ours.len(), 40001, "-a writes every position");
            assert_eq!(sd.len(), 40001);
            for (k, v) in &sd {
                let r = &ours[k];
                assert_eq!(r.counts[0] - r.counts[6], *v, "{sample} {mode} at {k:?}");
            }
        }
    }
}

#[test]
fn nfcore_depth_with_deletions_equals_samtools_depth_j_s() {
    for sample in ["test", "test2"] {
        let bam = fx(&format!("{NF}/{sample}.paired_end.sorted.bam"));
        let (_d, ours) = pileup_to(&["--bam", s(&bam), "-a", "--mate-overlap", "dedup"]);
        let sd = read_samtools_depth(&fx(&format!(
            "expected/{NF}/{sample}.samtools_depth_a_J_s.tsv"
        )));
        for (k, v) in &sd {
            assert_eq!(ours[k].counts[0], *v, "{sample} at {k:?}");
        }
    }
}

/// With a base-quality threshold, and without one (a CRAM is then decoded without its
/// qualities, as `samtools depth` does) unless base quality picks the mate that counts.
#[test]
fn bam_cram30_and_cram31_give_identical_output() {
    let settings: [&[&str]; 3] = [
        &["-Q", "13"],
        &["-Q", "0"],
        &["-Q", "0", "--mate-strategy", "base-qual-first"],
    ];
    for sample in ["test", "test2"] {
        let reff = fx(&format!("{NF}/genome.fasta"));
        for set in settings {
            let mut outs = Vec::new();
            for input in [
                format!("{NF}/{sample}.paired_end.sorted.bam"),
                format!("{NF}/{sample}.paired_end.sorted.cram"),
                format!("edge_cases/derived/{sample}.paired_end.sorted.v3.1.cram"),
            ] {
                let dir = tempfile::tempdir().unwrap();
                let out = dir.path().join("p.tsv");
                let bam = fx(&input);
                let mut args = vec![
                    "pileup",
                    "--bam",
                    s(&bam),
                    "-r",
                    s(&reff),
                    "-a",
                    "--mate-overlap",
                    "dedup",
                    "-o",
                    s(&out),
                ];
                args.extend(set);
                run_ok(&args);
                outs.push(std::fs::read(&out).unwrap());
            }
            assert_eq!(outs[0], outs[1], "{sample} {set:?}: BAM vs CRAM 3.0");
            assert_eq!(outs[0], outs[2], "{sample} {set:?}: BAM vs CRAM 3.1");
        }
    }
}

/// samtools' own pileup edge cases: every table perbase produced (flag filter off: -F 0).
#[test]
fn samtools_edge_cases_equal_perbase() {
    let dir = "edge_cases/samtools_mpileup";
    // (name, input, reference whose lengths agree with the header, or None)
    // Inputs whose @SQ lengths disagree with the FASTA on purpose (truncated references,
    // mpileup.ref.fa = first 4200 bp of chr17) are run without --reference: we refuse a
    // mismatched reference (exit 65), htslib silently reads past it.
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("1read", "1read.bam", None),
        ("anomalous", "bam_from_sam/anomalous.bam", None),
        ("c1_clip", "c1_clip.bam", Some("c1.fa")),
        ("c1_pad1", "c1_pad1.bam", Some("c1.fa")),
        ("c1_pad2", "c1_pad2.bam", None),
        ("c1_pad3", "c1_pad3.bam", None),
        ("ce_5b", "ce_5b.bam", None),
        ("ce_unmap", "ce_unmap.bam", None),
        ("deep", "bam_from_sam/deep.bam", None),
        ("depth_del", "bam_from_sam/depth_del.bam", None),
        ("indels", "bam_from_sam/indels.bam", None),
        ("mod1", "bam_from_sam/mod1.bam", None),
        ("mp_2018", "bam_from_sam/mp_2018.bam", Some("mp_2018.fa")),
        ("mp_D", "bam_from_sam/mp_D.bam", Some("mp.fa")),
        ("mp_DI", "bam_from_sam/mp_DI.bam", Some("mp.fa")),
        ("mp_I", "bam_from_sam/mp_I.bam", Some("mp.fa")),
        ("mp_ID", "bam_from_sam/mp_ID.bam", Some("mp.fa")),
        ("mp_ID_rev", "bam_from_sam/mp_ID_rev.bam", Some("mp.fa")),
        ("mp_N", "bam_from_sam/mp_N.bam", Some("mp.fa")),
        ("mp_N2", "bam_from_sam/mp_N2.bam", Some("mp.fa")),
        ("mp_P", "bam_from_sam/mp_P.bam", Some("mp.fa")),
        ("mpileup-E", "mpileup-E.bam", None),
        ("mpileup.1", "mpileup.1.bam", None),
        ("mpileup.2", "mpileup.2.bam", None),
        ("mpileup.3", "mpileup.3.bam", None),
        ("output-BP", "bam_from_sam/output-BP.bam", None),
        ("overlap", "overlap.bam", None),
        ("overlap50", "bam_from_sam/overlap50.bam", None),
        ("overlapIllumina", "overlapIllumina.bam", None),
        ("xx_depth1", "bam_from_sam/xx_depth1.bam", None),
        ("xx_depth2", "bam_from_sam/xx_depth2.bam", None),
        ("xx_depth3", "bam_from_sam/xx_depth3.bam", None),
        ("xx_depth4", "bam_from_sam/xx_depth4.bam", None),
        ("xx_depth5", "bam_from_sam/xx_depth5.bam", None),
        // zero-length ops (0M, 0I, 0D, 0P, 5H0M5H): no position is touched, so no row (as perbase;
        // samtools depth prints yy:4 with depth 0 from them)
        ("xx_minimal", "xx_minimal.bam", None),
        // a segment running past the 20-bp contig: counted up to the contig end only (as perbase;
        // samtools depth prints positions 21-25, see xx_triplet_stops_at_contig_end)
        ("xx_triplet", "xx_triplet.bam", None),
    ];
    let mut failures = Vec::new();
    for (name, input, reference) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("p.tsv");
        let bam = fx(&format!("{dir}/{input}"));
        let mut args = vec!["pileup", "--bam", s(&bam), "-F", "0", "-o", s(&out)];
        let rf;
        if let Some(r) = reference {
            rf = fx(&format!("{dir}/{r}"));
            args.extend(["-r", s(&rf)]);
        }
        run_ok(&args);
        let ours = read_ours(&out);
        let theirs = read_perbase(&fx(&format!(
            "expected/{dir}/{name}.perbase_base_depth_F0.tsv"
        )));
        let d = diff(&ours, &theirs, reference.is_some());
        if !d.is_empty() {
            failures.push(format!("{name}: {} mismatches, e.g. {}", d.len(), d[0]));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn xx_triplet_stops_at_contig_end() {
    let dir = "edge_cases/samtools_mpileup";
    let (_d, ours) = pileup_to(&["--bam", s(&fx(&format!("{dir}/xx_triplet.bam"))), "-F", "0"]);
    let sd = read_samtools_depth(&fx(&format!(
        "expected/{dir}/xx_triplet.samtools_depth_default.tsv"
    )));
    // samtools reports 21..25 past the 20-bp contig `xx`; we stop at the contig end on purpose
    assert!(sd.keys().any(|(c, p)| c == "xx" && *p > 20));
    assert!(ours.keys().all(|(c, p)| c != "xx" || *p <= 20));
    for ((c, p), v) in &sd {
        if c == "xx" && *p <= 20 {
            let r = &ours[&(c.clone(), *p)];
            assert_eq!(r.counts[0] - r.counts[6], *v, "at {c}:{p}");
        }
    }
}

#[test]
fn htslib_small_bam_equals_samtools_depth_a() {
    let (_d, ours) = pileup_to(&[
        "--bam",
        s(&fx("edge_cases/htslib/small.bam")),
        "-a",
        "-F",
        "1796",
    ]);
    let sd = read_samtools_depth(&fx("expected/edge_cases/htslib/small.samtools_depth_a.tsv"));
    assert!(!sd.is_empty());
    for (k, v) in &sd {
        let r = &ours[k];
        assert_eq!(r.counts[0] - r.counts[6], *v, "at {k:?}");
    }
}

/// From the BAM, and from the CRAM of the same reads (decoded without qualities or tags: the
/// depth reads neither).
#[test]
fn depth_by_bed_equals_mosdepth_regions() {
    let reff = fx(&format!("{NF}/genome.fasta"));
    for (sample, ext) in [
        ("test", "bam"),
        ("test2", "bam"),
        ("test", "cram"),
        ("test2", "cram"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("d.tsv");
        let bam = fx(&format!("{NF}/{sample}.paired_end.sorted.{ext}"));
        let bed = fx(&format!("{NF}/genome.multi_intervals.bed"));
        run_ok(&[
            "depth",
            "--bam",
            s(&bam),
            "-r",
            s(&reff),
            "--by",
            s(&bed),
            "-o",
            s(&out),
        ]);
        let ours = std::fs::read_to_string(&out).unwrap();
        let mos = std::fs::read_to_string(fx(&format!(
            "expected/{NF}/{sample}.mosdepth_multi_intervals.regions.bed"
        )))
        .unwrap();
        let ours_cols: Vec<String> = ours
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                format!("{}\t{}\t{}\t{}", f[0], f[1], f[2], f[4])
            })
            .collect();
        let mos_cols: Vec<String> = mos.lines().map(|l| l.to_string()).collect();
        assert_eq!(ours_cols, mos_cols, "{sample} {ext}");
    }
}

#[test]
fn depth_thresholds_count_callable_bases() {
    // positions >= 1x must equal the number of non-zero positions of samtools depth -a -s
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("d.tsv");
    let bam = fx(&format!("{NF}/test.paired_end.sorted.bam"));
    run_ok(&[
        "depth",
        "--bam",
        s(&bam),
        "--by",
        "40001",
        "--thresholds",
        "1,10,100",
        "-o",
        s(&out),
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    let row: Vec<&str> = text.lines().nth(1).unwrap().split('\t').collect();
    let sd = read_samtools_depth(&fx(&format!("expected/{NF}/test.samtools_depth_a_s.tsv")));
    let ge = |t: u64| sd.values().filter(|&&v| v >= t).count().to_string();
    assert_eq!(row[4], "8.86"); // mosdepth summary mean
    assert_eq!(row[5], ge(1));
    assert_eq!(row[6], ge(10));
    assert_eq!(row[7], ge(100));
}

#[test]
fn targets_restrict_positions_to_the_bed() {
    // genome.multi_intervals.bed: chr22 1-15000 and 20000-40001 (0-based half-open)
    let bam = fx(&format!("{NF}/test.paired_end.sorted.bam"));
    let bed = fx(&format!("{NF}/genome.multi_intervals.bed"));
    let (_d, ours) = pileup_to(&["--bam", s(&bam), "-a", "--targets", s(&bed)]);
    assert_eq!(ours.len(), 14999 + 20001);
    assert!(!ours.contains_key(&("chr22".to_string(), 1)));
    assert!(ours.contains_key(&("chr22".to_string(), 2)));
    assert!(!ours.contains_key(&("chr22".to_string(), 15001)));
    assert!(ours.contains_key(&("chr22".to_string(), 20001)));
    let sd = read_samtools_depth(&fx(&format!("expected/{NF}/test.samtools_depth_a.tsv")));
    for (k, r) in &ours {
        assert_eq!(r.counts[0] - r.counts[6], sd[k], "at {k:?}");
    }
}

/// The run's QC depth metrics (mean, median, % >= 20x, coverage uniformity = % >= 0.2 x mean)
/// equal those computed from `samtools depth -a -J -s` over the same region.
#[test]
fn qc_depth_metrics_equal_samtools_depth() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (t, n, r) = (
        fx(&format!("{NF}/test2.paired_end.sorted.bam")),
        fx(&format!("{NF}/test.paired_end.sorted.bam")),
        fx(&format!("{NF}/genome.fasta")),
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
    let res: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    for (i, sample) in ["test2", "test"].iter().enumerate() {
        let sd = read_samtools_depth(&fx(&format!(
            "expected/{NF}/{sample}.samtools_depth_a_J_s.tsv"
        )));
        let mut d: Vec<u64> = sd.values().copied().collect();
        d.sort_unstable();
        let n = d.len() as f64;
        let mean = d.iter().sum::<u64>() as f64 / n;
        let pct = |t: u64| 100.0 * d.iter().filter(|x| **x >= t).count() as f64 / n;
        let thr = oncostream::somatic::qc::uniformity_threshold(mean) as u64;
        let q = &res["qc"]["samples"][i];
        let close = |a: f64, b: f64| (a - b).abs() < 0.01;
        assert!(
            close(q["mean_depth"].as_f64().unwrap(), mean),
            "{sample} mean {q}"
        );
        assert_eq!(
            q["median_depth"].as_u64().unwrap(),
            d[d.len() / 2],
            "{sample}"
        );
        assert!(
            close(q["pct_ge_20x"].as_f64().unwrap(), pct(20)),
            "{sample} {q}"
        );
        assert!(
            close(q["pct_ge_0_2x_mean"].as_f64().unwrap(), pct(thr)),
            "{sample} {q}"
        );
    }
}
