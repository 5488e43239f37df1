//! Issue 9: whole genomes with the resources labs use — bgzipped references, indexed resources
//! that are never loaded whole, GRCh38-shaped headers, CSI-indexed BAMs, microsatellites scanned
//! per shard. Speed is measured in `scripts/bench-wgs.sh`, not here.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::*;

const REF: &str = "reference/hg38_chr2_1-2333275.fa";
const REGION: &str = "chr2:1000001-1150000";

/// The VCF without the header lines that name files or the run.
fn vcf_body(p: &Path) -> String {
    let bytes = std::fs::read(p).unwrap();
    let mut s = String::new();
    use std::io::Read;
    flate2::read::MultiGzDecoder::new(&bytes[..])
        .read_to_string(&mut s)
        .unwrap();
    s.lines()
        .filter(|l| {
            !l.starts_with("##reference")
                && !l.starts_with("##oncostream_command")
                && !l.starts_with("##oncostream_run_id")
                && !l.starts_with("##oncostream_germline_resource")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn a_bgzipped_reference_gives_the_same_outputs_as_the_plain_one() {
    let tmp = tempfile::tempdir().unwrap();
    let (t, n) = (fx("sim_tn60/tumor.bam"), fx("sim_tn60/normal.bam"));
    // pileup: byte-identical (the ref column comes from the reference)
    let mut outs = Vec::new();
    for (k, r) in [REF, "reference/hg38_chr2_1-2333275.fa.gz"]
        .iter()
        .enumerate()
    {
        let out = tmp.path().join(format!("p{k}.tsv"));
        run_ok(&[
            "pileup",
            "--bam",
            s(&t),
            "-r",
            s(&fx(r)),
            "--region",
            REGION,
            "-o",
            s(&out),
        ]);
        outs.push(std::fs::read(&out).unwrap());
    }
    assert!(outs[0].len() > 1000);
    assert_eq!(
        outs[0], outs[1],
        "pileup differs with the bgzipped reference"
    );
    // run: the same calls, biomarkers and reference identity
    let mut res = Vec::new();
    for (k, r) in [REF, "reference/hg38_chr2_1-2333275.fa.gz"]
        .iter()
        .enumerate()
    {
        let out = tmp.path().join(format!("run{k}"));
        run_ok(&[
            "run",
            "--tumor",
            s(&t),
            "--normal",
            s(&n),
            "-r",
            s(&fx(r)),
            "--region",
            REGION,
            "--outdir",
            s(&out),
        ]);
        res.push((
            vcf_body(&out.join("calls.vcf.gz")),
            json(&out.join("results.json")),
        ));
    }
    assert_eq!(
        res[0].0, res[1].0,
        "calls differ with the bgzipped reference"
    );
    for k in ["tmb", "msi", "purity", "qc", "variants"] {
        assert_eq!(res[0].1[k], res[1].1[k], "{k}");
    }
    let (a, b) = (
        &res[0].1["provenance"]["reference"],
        &res[1].1["provenance"]["reference"],
    );
    assert_eq!(a["digest"], b["digest"], "same sequence, same identity");
    assert_eq!(b["bgzipped"], true);
    // CRAM decoded against a bgzipped reference: identical to the BAM
    let nf = |f: &str| fx(&format!("nfcore_chr22/{f}"));
    let mut outs = Vec::new();
    for (k, (bam, r)) in [
        ("test2.paired_end.sorted.bam", "genome.fasta"),
        ("test2.paired_end.sorted.cram", "genome.fasta.gz"),
    ]
    .iter()
    .enumerate()
    {
        let out = tmp.path().join(format!("c{k}.tsv"));
        run_ok(&[
            "pileup",
            "--bam",
            s(&nf(bam)),
            "-r",
            s(&nf(r)),
            "-o",
            s(&out),
        ]);
        outs.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(
        outs[0], outs[1],
        "CRAM with a bgzipped reference differs from the BAM"
    );
}

#[test]
fn a_gzip_reference_without_gzi_is_refused_with_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let fa = tmp.path().join("ref.fa.gz");
    std::fs::copy(fx("reference/hg38_chr2_1-2333275.fa.gz"), &fa).unwrap();
    let o = run(&[
        "pileup",
        "--bam",
        s(&fx("sim_tn60/tumor.bam")),
        "-r",
        s(&fa),
        "--region",
        REGION,
        "-o",
        s(&tmp.path().join("x.tsv")),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(66), "{err}");
    assert!(err.contains("samtools faidx"), "{err}");
}

/// Tumor-only calls with the germline resource indexed by tabix and by CSI are identical, and
/// the germline filter fires (the resource is read through its index).
#[test]
fn tabix_and_csi_indexed_resources_give_identical_calls() {
    let tmp = tempfile::tempdir().unwrap();
    let csi_res = tmp.path().join("germline.vcf.gz");
    std::fs::copy(fx("sim_tn60/germline_resource.vcf.gz"), &csi_res).unwrap();
    let st = Command::new("bcftools")
        .args(["index", "--csi", s(&csi_res)])
        .status()
        .expect("bcftools (installed by .ci/run)");
    assert!(st.success());
    assert!(!tmp.path().join("germline.vcf.gz.tbi").exists());
    let mut bodies = Vec::new();
    for (k, res) in [fx("sim_tn60/germline_resource.vcf.gz"), csi_res]
        .iter()
        .enumerate()
    {
        let out = tmp.path().join(format!("calls{k}.vcf.gz"));
        run_ok(&[
            "call",
            "--tumor",
            s(&fx("sim_tn60/tumor.bam")),
            "-r",
            s(&fx(REF)),
            "--region",
            REGION,
            "--germline-resource",
            s(res),
            "-o",
            s(&out),
        ]);
        bodies.push(vcf_body(&out));
    }
    assert!(
        bodies[0] == bodies[1],
        "calls differ between the tabix and CSI resources"
    );
    let germline = bodies[0]
        .lines()
        .filter(|l| {
            !l.starts_with('#')
                && l.split('\t')
                    .nth(6)
                    .is_some_and(|f| f.split(';').any(|x| x == "germline"))
        })
        .count();
    assert!(
        germline > 50,
        "the resource filters germline sites: {germline}"
    );
}

#[test]
fn resources_that_are_not_bgzipped_or_not_indexed_are_refused_with_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("gnomad.vcf");
    let bytes = std::fs::read(fx("sim_tn60/germline_resource.vcf.gz")).unwrap();
    let mut text = String::new();
    use std::io::Read;
    flate2::read::MultiGzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .unwrap();
    std::fs::write(&plain, text).unwrap();
    let unindexed = tmp.path().join("unindexed.vcf.gz");
    std::fs::copy(fx("sim_tn60/germline_resource.vcf.gz"), &unindexed).unwrap();
    for (res, code, needle) in [(&plain, 65, "bgzip"), (&unindexed, 66, "tabix -p vcf")] {
        let out = tmp.path().join("x.vcf.gz");
        let o = run(&[
            "call",
            "--tumor",
            s(&fx("sim_tn60/tumor.bam")),
            "-r",
            s(&fx(REF)),
            "--region",
            REGION,
            "--germline-resource",
            s(res),
            "-o",
            s(&out),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{err}");
        assert!(err.contains(needle), "{err}");
        assert!(!out.exists());
    }
}

/// Writes a bgzipped, tabix-indexed resource with one record every `step` bp over the fixture
/// region (multi-allelic every 5th record, AF Number=A).
fn synthetic_resource(path: &Path, step: u64) -> u64 {
    use oncostream::io::output::AtomicOutput;
    let mut o = AtomicOutput::create(path).unwrap();
    writeln!(o, "##fileformat=VCFv4.2\n##contig=<ID=chr2,length=2333275>\n##INFO=<ID=AF,Number=A,Type=Float,Description=\"AF\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO").unwrap();
    let bases = [b'A', b'C', b'G', b'T'];
    let mut n = 0;
    let mut pos = 1_000_001;
    while pos <= 1_150_000 {
        let r = bases[(pos % 4) as usize] as char;
        let a = bases[((pos + 1) % 4) as usize] as char;
        if n % 5 == 0 {
            let b = bases[((pos + 2) % 4) as usize] as char;
            writeln!(o, "chr2\t{pos}\t.\t{r}\t{a},{b}\t.\tPASS\tAF=0.001,0.0002").unwrap();
        } else {
            writeln!(o, "chr2\t{pos}\t.\t{r}\t{a}\t.\tPASS\tAF=0.0001").unwrap();
        }
        n += 1;
        pos += step;
    }
    o.commit().unwrap();
    let ix = noodles::vcf::fs::index(path).unwrap();
    if let noodles::vcf::Index::Tabix(t) = ix {
        noodles::tabix::fs::write(PathBuf::from(format!("{}.tbi", path.display())), &t).unwrap();
    }
    n
}

/// Peak memory does not grow with the resource: 10x the records, within a few MB.
#[test]
fn memory_does_not_grow_with_the_resource() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rss = Vec::new();
    for (k, step) in [10u64, 1].iter().enumerate() {
        let res = tmp.path().join(format!("res{k}.vcf.gz"));
        let records = synthetic_resource(&res, *step);
        let m = tmp.path().join(format!("m{k}.json"));
        run_ok(&[
            "call",
            "--tumor",
            s(&fx("sim_tn60/tumor.bam")),
            "-r",
            s(&fx(REF)),
            "--region",
            REGION,
            "--germline-resource",
            s(&res),
            "-o",
            s(&tmp.path().join(format!("c{k}.vcf.gz"))),
            "--metrics",
            s(&m),
            "--threads",
            "2",
        ]);
        rss.push((records, json(&m)["peak_rss_bytes"].as_f64().unwrap() / 1e6));
    }
    assert!(rss[1].0 >= 10 * rss[0].0 - 10, "{rss:?}");
    let grew = rss[1].1 - rss[0].1;
    assert!(
        grew < 8.0,
        "peak RSS grew by {grew:.1} MB with {}x the records: {rss:?}",
        rss[1].0 / rss[0].0
    );
}

/// The microsatellites `run` scans shard by shard are exactly those `ms-scan` finds on the whole
/// contig (restricted to the processed region), whatever the shard size.
#[test]
fn microsatellites_scanned_per_shard_equal_a_whole_contig_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("sites.tsv");
    run_ok(&["ms-scan", "-r", s(&fx(REF)), "-o", s(&list)]);
    let expected: Vec<(String, u64)> = std::fs::read_to_string(&list)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].parse::<u64>().unwrap())
        })
        .filter(|(_, p)| *p >= 1_000_000 && *p < 1_150_000)
        .collect();
    assert!(expected.len() > 50, "{}", expected.len());
    for shard in ["1000", "7777", "1000000"] {
        let out = tmp.path().join(format!("run{shard}"));
        run_ok(&[
            "run",
            "--tumor",
            s(&fx("sim_tn60/tumor.bam")),
            "--normal",
            s(&fx("sim_tn60/normal.bam")),
            "-r",
            s(&fx(REF)),
            "--region",
            REGION,
            "--outdir",
            s(&out),
            "--shard-size",
            shard,
            "--threads",
            "2",
        ]);
        let mut got: Vec<(String, u64)> = std::fs::read_to_string(out.join("msi_histograms.tsv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f[0].to_string(), f[1].parse::<u64>().unwrap())
            })
            .collect();
        got.dedup();
        assert_eq!(got, expected, "shard size {shard}");
    }
}

/// SAM text to a sorted, indexed BAM with samtools (BAI, or CSI with `csi`).
fn sam_to_bam(sam: &str, bam: &Path, csi: bool) {
    let mut child = Command::new("samtools")
        .args(["sort", "-o", s(bam), "-"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("samtools (installed by .ci/run)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sam.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    let mut idx = Command::new("samtools");
    idx.arg("index");
    if csi {
        idx.arg("-c");
    }
    assert!(idx.arg(s(bam)).status().unwrap().success());
}

/// A deterministic pseudo-random sequence.
fn random_seq(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            b"ACGT"[(x >> 62) as usize]
        })
        .collect()
}

/// Paired reads (100 bp, mates 300 bp apart) tiling `seq` on `contig` from 1-based `from`.
fn sam_reads(contig: &str, seq: &[u8], from: u64, pairs: usize) -> String {
    let mut s = String::new();
    let q = "I".repeat(100);
    for k in 0..pairs {
        let p1 = 1 + (k * 37) % (seq.len() - 500);
        let p2 = p1 + 300;
        let r1 = std::str::from_utf8(&seq[p1 - 1..p1 + 99]).unwrap();
        let r2 = std::str::from_utf8(&seq[p2 - 1..p2 + 99]).unwrap();
        let (a, b) = (from + p1 as u64 - 1, from + p2 as u64 - 1);
        s.push_str(&format!(
            "r{k}\t99\t{contig}\t{a}\t60\t100M\t=\t{b}\t400\t{r1}\t{q}\tRG:Z:t\nr{k}\t147\t{contig}\t{b}\t60\t100M\t=\t{a}\t-400\t{r2}\t{q}\tRG:Z:t\n"
        ));
    }
    s
}

/// A header shaped like GRCh38 full analysis set + decoys + HLA (3,366 contigs): the 25 primary
/// sequences with their real lengths, then unlocalized, unplaced, alternate, EBV, decoy and HLA
/// contigs in GRCh38's naming (HLA names carry `*` and `:`), with representative lengths.
fn grch38_like_header() -> Vec<(String, u64)> {
    let primary: [(&str, u64); 25] = [
        ("chr1", 248956422),
        ("chr2", 242193529),
        ("chr3", 198295559),
        ("chr4", 190214555),
        ("chr5", 181538259),
        ("chr6", 170805979),
        ("chr7", 159345973),
        ("chr8", 145138636),
        ("chr9", 138394717),
        ("chr10", 133797422),
        ("chr11", 135086622),
        ("chr12", 133275309),
        ("chr13", 114364328),
        ("chr14", 107043718),
        ("chr15", 101991189),
        ("chr16", 90338345),
        ("chr17", 83257441),
        ("chr18", 80373285),
        ("chr19", 58617616),
        ("chr20", 64444167),
        ("chr21", 46709983),
        ("chr22", 50818468),
        ("chrX", 156040895),
        ("chrY", 57227415),
        ("chrM", 16569),
    ];
    let mut v: Vec<(String, u64)> = primary.iter().map(|(n, l)| (n.to_string(), *l)).collect();
    for i in 0..42 {
        v.push((
            format!("chr{}_KI27{:04}v1_random", 1 + i % 22, 706 + i),
            40_000 + i * 997,
        ));
    }
    for i in 0..127 {
        v.push((format!("chrUn_KI27{:04}v1", 302 + i), 1_000 + i * 311));
    }
    for i in 0..261 {
        v.push((
            format!("chr{}_KI27{:04}v1_alt", 1 + i % 22, 759 + i),
            100_000 + i * 1_733,
        ));
    }
    v.push(("chrEBV".into(), 171823));
    for i in 0..2385 {
        v.push((
            format!("chrUn_JTFH01{:06}v1_decoy", 1 + i),
            1_000 + (i as u64 * 7) % 20_000,
        ));
    }
    for i in 0..525 {
        let gene = ["A", "B", "C", "DQA1", "DQB1", "DRB1"][i % 6];
        v.push((
            format!(
                "HLA-{gene}*{:02}:{:02}:01:{:02}",
                1 + i / 100,
                (i / 10) % 10 + 1,
                i % 10 + 1
            ),
            3_000 + i as u64 * 13,
        ));
    }
    assert_eq!(v.len(), 3366);
    v
}

/// A GRCh38-shaped header with the reads on one small contig (chrEBV): the default processes
/// the primary chromosomes only (and skips the 3.1 Gb without reads in no time), and a run on
/// the EBV contig writes every contig into the VCF header.
#[test]
fn a_full_grch38_header_with_reads_on_one_small_contig() {
    let tmp = tempfile::tempdir().unwrap();
    let contigs = grch38_like_header();
    let ebv = random_seq(171_823, 38);
    let mut sam = String::from("@HD\tVN:1.6\tSO:coordinate\n");
    for (n, l) in &contigs {
        sam.push_str(&format!("@SQ\tSN:{n}\tLN:{l}\n"));
    }
    sam.push_str("@RG\tID:t\tSM:EBV_TUMOR\n");
    sam.push_str(&sam_reads("chrEBV", &ebv, 1, 3000));
    let bam = tmp.path().join("ebv.bam");
    sam_to_bam(&sam, &bam, false);
    let fa = tmp.path().join("ebv.fa");
    let mut f = std::fs::File::create(&fa).unwrap();
    writeln!(f, ">chrEBV").unwrap();
    for line in ebv.chunks(60) {
        f.write_all(line).unwrap();
        f.write_all(b"\n").unwrap();
    }
    drop(f);
    // default: the 24 primary chromosomes, none of which has a read
    let out = tmp.path().join("primary.tsv");
    let o = run(&["pileup", "--bam", s(&bam), "-o", s(&out), "--threads", "2"]);
    let o = {
        // run() passes --quiet; run again without it to see the info line
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        Command::new(env!("CARGO_BIN_EXE_oncostream"))
            .args(["pileup", "--bam", s(&bam), "-o", s(&out), "--threads", "2"])
            .output()
            .unwrap()
    };
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("processing the 24 primary chromosomes; 3342 other contigs"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap().lines().count(),
        1,
        "header only"
    );
    // --all-contigs: the EBV reads are there
    run_ok(&[
        "pileup",
        "--bam",
        s(&bam),
        "-o",
        s(&out),
        "--all-contigs",
        "--threads",
        "2",
    ]);
    let rows: Vec<String> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .skip(1)
        .map(String::from)
        .collect();
    assert!(rows.iter().all(|r| r.starts_with("chrEBV\t")));
    let depth: u64 = rows
        .iter()
        .map(|r| r.split('\t').nth(3).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(depth, 3000 * 2 * 100, "every base of every read, once");
    // an HLA name with '*' and ':' is a region
    run_ok(&[
        "pileup",
        "--bam",
        s(&bam),
        "-o",
        s(&out),
        "--region",
        "{HLA-A*01:01:01:01}",
    ]);
    // run on the EBV contig: every contig is declared in the VCF
    let run_out = tmp.path().join("run");
    run_ok(&[
        "run",
        "--tumor",
        s(&bam),
        "-r",
        s(&fa),
        "--region",
        "chrEBV",
        "--outdir",
        s(&run_out),
    ]);
    let vcf = vcf_body(&run_out.join("calls.vcf.gz"));
    assert_eq!(
        vcf.lines().filter(|l| l.starts_with("##contig=")).count(),
        3366
    );
    // chrEBV is outside the TMB/MSI scope of a human genome: nothing callable counts there
    let r = json(&run_out.join("results.json"));
    assert_eq!(r["tmb"]["callable_bases"], 0);
}

/// A contig longer than 512 Mb needs a CSI index (BAI cannot address it); reads beyond 512 Mb
/// are found through it.
#[test]
fn a_csi_indexed_bam_with_a_contig_longer_than_512_mb() {
    let tmp = tempfile::tempdir().unwrap();
    let seq = random_seq(20_000, 5);
    let mut sam = String::from(
        "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chrBig\tLN:700000000\n@RG\tID:t\tSM:BIG\n",
    );
    sam.push_str(&sam_reads("chrBig", &seq, 600_000_001, 200));
    let bam = tmp.path().join("big.bam");
    sam_to_bam(&sam, &bam, true);
    assert!(tmp.path().join("big.bam.csi").exists());
    assert!(!tmp.path().join("big.bam.bai").exists());
    let out = tmp.path().join("p.tsv");
    run_ok(&[
        "pileup",
        "--bam",
        s(&bam),
        "-o",
        s(&out),
        "--region",
        "chrBig:600000001-600020000",
    ]);
    let rows = std::fs::read_to_string(&out).unwrap().lines().count() - 1;
    assert!(rows > 5_000, "{rows} positions covered beyond 512 Mb");
}
