//! Output must not depend on thread count or shard size.

use crate::util::*;
use proptest::prelude::*;

const NF: &str = "nfcore_chr22";

fn pileup_bytes(extra: &[&str]) -> Vec<u8> {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p.tsv");
    let t = fx(&format!("{NF}/test2.paired_end.sorted.bam"));
    let n = fx(&format!("{NF}/test.paired_end.sorted.bam"));
    let r = fx(&format!("{NF}/genome.fasta"));
    let mut args = vec![
        "pileup",
        "--bam",
        s(&t),
        "--bam",
        s(&n),
        "-r",
        s(&r),
        "--mate-overlap",
        "dedup",
        "-Q",
        "13",
        "-o",
        s(&out),
    ];
    args.extend_from_slice(extra);
    run_ok(&args);
    std::fs::read(&out).unwrap()
}

#[test]
fn tumor_normal_pileup_is_identical_for_threads_and_shard_sizes() {
    let reference = pileup_bytes(&["--threads", "1", "--shard-size", "1000000"]);
    assert!(reference.len() > 50_000);
    for threads in ["1", "2", "8"] {
        for shard in ["1000", "10000", "1000000", "137"] {
            let got = pileup_bytes(&["--threads", threads, "--shard-size", shard]);
            assert!(got == reference, "threads {threads} shard {shard} differ");
        }
    }
}

#[test]
fn depth_is_identical_for_threads_and_shard_sizes() {
    let run_depth = |threads: &str, shard: &str| {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("d.tsv");
        let t = fx(&format!("{NF}/test2.paired_end.sorted.bam"));
        let n = fx(&format!("{NF}/test.paired_end.sorted.bam"));
        run_ok(&[
            "depth",
            "--bam",
            s(&t),
            "--bam",
            s(&n),
            "--by",
            "500",
            "--threads",
            threads,
            "--shard-size",
            shard,
            "-o",
            s(&out),
        ]);
        std::fs::read(&out).unwrap()
    };
    let a = run_depth("1", "1000000");
    for (t, sh) in [("2", "1000"), ("8", "333"), ("2", "10000")] {
        assert!(run_depth(t, sh) == a, "threads {t} shard {sh}");
    }
}

fn full_table() -> &'static Vec<String> {
    static FULL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FULL.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("p.tsv");
        let t = fx(&format!("{NF}/test2.paired_end.sorted.bam"));
        run_ok(&[
            "pileup",
            "--bam",
            s(&t),
            "-a",
            "--mate-overlap",
            "dedup",
            "-o",
            s(&out),
        ]);
        std::fs::read_to_string(&out)
            .unwrap()
            .lines()
            .skip(1)
            .map(String::from)
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Every position of a random region is emitted exactly once, in order, with the counts
    /// of the whole-contig run, for any shard size and thread count.
    #[test]
    fn every_position_exactly_once(start in 1u64..40001, len in 1u64..6000, shard in 1u64..5000, threads in 1usize..5) {
        let end = (start + len - 1).min(40001);
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("p.tsv");
        let t = fx(&format!("{NF}/test2.paired_end.sorted.bam"));
        let region = format!("chr22:{start}-{end}");
        let sh = shard.to_string();
        let th = threads.to_string();
        run_ok(&["pileup", "--bam", s(&t), "-a", "--mate-overlap", "dedup", "--region", &region,
                 "--shard-size", &sh, "--threads", &th, "-o", s(&out)]);
        let got: Vec<String> = std::fs::read_to_string(&out).unwrap().lines().skip(1).map(String::from).collect();
        let positions: Vec<u64> = got.iter().map(|l| l.split('\t').nth(1).unwrap().parse().unwrap()).collect();
        let expected: Vec<u64> = (start..=end).collect();
        prop_assert_eq!(&positions, &expected);
        let full = full_table();
        prop_assert_eq!(&got[..], &full[(start - 1) as usize..end as usize]);
    }
}
