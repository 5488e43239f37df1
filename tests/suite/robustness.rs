//! Wrong input is refused, never half-read (issue 19): each defect found by fuzzing and by
//! hand is a regression test here, with its minimised input in `fixtures/robustness/` where a
//! file is needed. Every refusal is one line naming the file (and the record), with a
//! documented exit code.

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::util::{fx, run, s};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a clean refusal: the exit code, one `oncostream: error:` line holding every needle,
/// no panic text.
fn refused(o: &Output, code: i32, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("oncostream: error:"))
        .collect();
    assert_eq!(lines.len(), 1, "one error line expected: {err}");
    for n in needles {
        assert!(lines[0].contains(n), "'{n}' missing from: {}", lines[0]);
    }
    assert!(!err.contains("panicked"), "a panic reached the user: {err}");
}

fn mknod(path: &Path, mode: libc::mode_t, dev: libc::dev_t) -> bool {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mknod only creates a directory entry.
    unsafe { libc::mknod(c.as_ptr(), mode, dev) == 0 }
}

const TUMOR: &str = "nfcore_chr22/test2.paired_end.sorted.bam";

/// `-o /dev/null` as root used to rename a 48 kB regular file over the system's null device
/// (scripts/bench-wgs.sh did exactly this). Tested on a null device of our own (major 1, minor
/// 3) when we may make one, else on /dev/null itself (which an unprivileged run cannot break).
#[test]
fn output_to_a_null_device_leaves_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("null");
    let target: PathBuf = if mknod(&own, libc::S_IFCHR | 0o666, libc::makedev(1, 3)) {
        own
    } else {
        PathBuf::from("/dev/null")
    };
    let o = run(&["pileup", "--bam", s(&fx(TUMOR)), "-o", s(&target)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = std::fs::symlink_metadata(&target).unwrap();
    assert!(
        m.file_type().is_char_device(),
        "{} was replaced",
        target.display()
    );
    let o = run(&["pileup", "--bam", s(&fx(TUMOR)), "-o", "/dev/stdout"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.starts_with(b"contig\tpos\t"));
}

const REF: &str = "reference/hg38_chr2_1-2333275.fa";

fn run_pair(tumor: &str, normal: &str, region: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        "--tumor",
        tumor,
        "--normal",
        normal,
        "-r",
        REF,
        "--region",
        region,
        "--outdir",
        s(out),
        "-t",
        "1",
    ];
    args.extend_from_slice(extra);
    let owned: Vec<String> = args
        .iter()
        .map(|a| {
            if a.ends_with(".bam") || a.ends_with(".fa") {
                s(&fx(a)).to_string()
            } else {
                a.to_string()
            }
        })
        .collect();
    let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
    run(&refs)
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("run_manifest.json")).unwrap()).unwrap()
}

/// Two `run`s of different patients started together into one empty directory both exited 0
/// (11 of 11 tries): one user was told "success" while the directory held the other patient's
/// results. Now the directory's lock lets exactly one of them write; the other is refused.
#[test]
fn two_runs_into_one_outdir_cannot_both_succeed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let a_out = out.clone();
    let a = std::thread::spawn(move || {
        run_pair(
            "sim_tn60/tumor.bam",
            "sim_tn60/normal.bam",
            "chr2:1000001-1150000",
            &a_out,
            &[],
        )
    });
    let b = run_pair(
        "sim_p20/tumor.bam",
        "sim_p20/normal.bam",
        "chr2:1200001-1300000",
        &out,
        &[],
    );
    let a = a.join().unwrap();
    let codes = [a.status.code(), b.status.code()];
    assert!(
        codes == [Some(0), Some(73)] || codes == [Some(73), Some(0)],
        "exactly one run may own the directory: {codes:?}\nA: {}\nB: {}",
        stderr(&a),
        stderr(&b)
    );
    let (winner, loser) = if codes[0] == Some(0) {
        (&a, &b)
    } else {
        (&b, &a)
    };
    let err = stderr(loser);
    assert!(
        err.contains("in use by another oncostream command") || err.contains("another run"),
        "{err}"
    );
    // the directory holds the winner's run, whole
    let m = manifest(&out);
    let want = if std::ptr::eq(winner, &a) {
        "sim_tn60"
    } else {
        "sim_p20"
    };
    let tumor_input = m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["role"] == "tumor")
        .unwrap()["path"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(tumor_input.contains(want), "{tumor_input} vs {want}");
    assert!(
        !out.join(".oncostream.lock").exists(),
        "the lock file is removed at the end"
    );
}

/// A killed run followed by `--force` of another sample kept the killed run's `sv.vcf.gz(.tbi)`,
/// `copy_number.seg` and `copy_number_genes.tsv` (they were missing from the known outputs);
/// and `retier` / `report --results` took a killed run's documents.
#[test]
fn a_killed_runs_files_are_neither_kept_nor_used() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = run_pair(
        "sim_tn60/tumor.bam",
        "sim_tn60/normal.bam",
        "chr2:1000001-1150000",
        &out,
        &["--cancer-type", "LUAD"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // "kill" it: a run writes its manifest last, so a killed run has none
    std::fs::remove_file(out.join("run_manifest.json")).unwrap();
    for what in ["report.json", "results.json"] {
        let o = run(&[
            "retier",
            "--results",
            s(&out.join(what)),
            "-o",
            s(&tmp.path().join("re")),
        ]);
        refused(&o, 65, &["not from a complete run", "run_manifest.json"]);
    }
    let o = run(&[
        "report",
        "--vcf",
        s(&out.join("calls.vcf.gz")),
        "--results",
        s(&out.join("results.json")),
        "-r",
        s(&fx(REF)),
        "--cancer-type",
        "LUAD",
        "--outdir",
        s(&tmp.path().join("rep")),
    ]);
    refused(&o, 65, &["not from a complete run"]);
    for f in ["sv.vcf.gz", "sv.vcf.gz.tbi", "copy_number.seg"] {
        assert!(out.join(f).exists(), "{f}: the fixture run writes it");
    }
    std::fs::write(out.join("copy_number_genes.tsv"), "stale\n").unwrap();
    // another sample with --force, without copy number or SVs
    let o = run_pair(
        "sim_p20/tumor.bam",
        "sim_p20/normal.bam",
        "chr2:1200001-1300000",
        &out,
        &["--force", "--skip-structural"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "sv.vcf.gz",
        "sv.vcf.gz.tbi",
        "copy_number.seg",
        "copy_number_genes.tsv",
        "report.json",
        "report.html",
    ] {
        assert!(
            !out.join(f).exists(),
            "{f} of the killed run survived --force"
        );
    }
    // every file left is listed in the new manifest
    let m = manifest(&out);
    let listed: Vec<&str> = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    for e in std::fs::read_dir(&out).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            name == "run_manifest.json" || listed.contains(&name.as_str()),
            "{name} is not in the manifest"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Indexes, references and records: each defect of the issue with its input (made here from a
// fixture, or minimised by scripts/make-robustness-fixtures.py into fixtures/robustness/).

const NF_TUMOR: &str = "nfcore_chr22/test2.paired_end.sorted.bam";
const NF_REF: &str = "nfcore_chr22/genome.fasta";

fn pileup(bam: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["pileup", "--bam", s(bam), "-o", s(out), "-t", "1"];
    args.extend_from_slice(extra);
    run(&args)
}

/// The reads a pileup counted (its `--metrics` JSON).
fn reads_counted(metrics: &Path) -> u64 {
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(metrics).unwrap()).unwrap();
    m["inputs"][0]["reads"].as_u64().unwrap()
}

/// One bit flipped in the tumor's 96-byte .bai gave 0 rows with exit 0 (samtools finds every
/// read with the same index); other damage panicked in noodles-csi (exit 70) or aborted
/// allocating 412 GB (exit 134). Now, for every single-bit flip, every truncation and the
/// boundary values 0x7fffffff / 0xffffffff written over every 32-bit word of the index: a clean
/// refusal naming the index (exit 65), or exactly the pristine output.
#[test]
fn every_damage_to_the_bai_is_refused_or_harmless() {
    let tmp = tempfile::tempdir().unwrap();
    let bam = tmp.path().join("t.bam");
    std::os::unix::fs::symlink(fx(NF_TUMOR), &bam).unwrap();
    let bai = tmp.path().join("t.bam.bai");
    let pristine = std::fs::read(fx(&format!("{NF_TUMOR}.bai"))).unwrap();
    std::fs::write(&bai, &pristine).unwrap();
    let want_out = tmp.path().join("want.tsv");
    let o = pileup(&bam, &want_out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let want = std::fs::read(&want_out).unwrap();
    assert!(want.len() > 10_000, "the pristine pileup has rows");
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for bit in 0..pristine.len() * 8 {
        let mut d = pristine.clone();
        d[bit / 8] ^= 1 << (bit % 8);
        cases.push((format!("bit {bit} flipped"), d));
    }
    for n in 0..pristine.len() {
        cases.push((format!("cut to {n} bytes"), pristine[..n].to_vec()));
    }
    for at in (0..pristine.len() - 3).step_by(4) {
        for v in [0x7fff_ffffu32, 0xffff_ffff] {
            let mut d = pristine.clone();
            d[at..at + 4].copy_from_slice(&v.to_le_bytes());
            cases.push((format!("word at {at} = {v:#x}"), d));
        }
    }
    let (mut same, mut refusals) = (0, 0);
    let got_out = tmp.path().join("got.tsv");
    for (what, data) in &cases {
        std::fs::write(&bai, data).unwrap();
        let _ = std::fs::remove_file(&got_out);
        let o = pileup(&bam, &got_out, &[]);
        if o.status.success() {
            assert!(
                std::fs::read(&got_out).unwrap() == want,
                "{what}: exit 0 with another result than the pristine index gives"
            );
            same += 1;
        } else {
            refused(&o, 65, &["t.bam.bai"]);
            assert!(!got_out.exists(), "{what}: a refused run left an output");
            refusals += 1;
        }
    }
    // most damage is detected; the rest lies in bytes that do not change the answer
    // (linear-index entries, unused chunk ends)
    assert!(refusals > cases.len() / 2, "{refusals} of {}", cases.len());
    assert_eq!(same + refusals, cases.len());
}

/// An empty .crai gave 0 reads with exit 0.
#[test]
fn an_empty_crai_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let cram = tmp.path().join("t.cram");
    std::os::unix::fs::symlink(fx("nfcore_chr22/test2.paired_end.sorted.cram"), &cram).unwrap();
    let crai = tmp.path().join("t.cram.crai");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, b"").unwrap();
    for content in [Vec::new(), gz.finish().unwrap()] {
        std::fs::write(&crai, &content).unwrap();
        let o = pileup(&cram, &tmp.path().join("o.tsv"), &["-r", s(&fx(NF_REF))]);
        refused(&o, 65, &["t.cram.crai", "samtools index"]);
    }
}

/// A CRAM with a damaged data block panicked (exit 101); a block whose CRC32 no longer matches
/// is fatal, and a damaged block with a valid CRC gives what htslib decodes from it (samtools
/// 1.16.1 `view -c` reads all 5436 records of `data_block_crc_fixed.cram`), never fewer reads.
#[test]
fn a_damaged_cram_data_block_is_refused_or_read_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let stale = fx("robustness/cram/data_block_crc_stale.cram");
    let o = pileup(&stale, &tmp.path().join("a.tsv"), &["-r", s(&fx(NF_REF))]);
    refused(&o, 65, &["data_block_crc_stale.cram"]);
    let fixed = fx("robustness/cram/data_block_crc_fixed.cram");
    let metrics = tmp.path().join("b.json");
    let o = pileup(
        &fixed,
        &tmp.path().join("b.tsv"),
        &["-r", s(&fx(NF_REF)), "--metrics", s(&metrics)],
    );
    if o.status.success() {
        assert_eq!(reads_counted(&metrics), 5436);
    } else {
        refused(&o, 65, &["data_block_crc_fixed.cram"]);
    }
}

/// A FASTA one line shorter than its .fai panicked (io/reference.rs); one line longer gave 56
/// positions with the wrong reference base, exit 0; a line shorter and a later one longer (the
/// same total size) is caught by the line geometry.
#[test]
fn a_fasta_that_disagrees_with_its_fai_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fx(NF_REF)).unwrap();
    let fai = std::fs::read(fx(&format!("{NF_REF}.fai"))).unwrap();
    let lines: Vec<&str> = text.split('\n').collect();
    let edit = |f: &dyn Fn(&mut Vec<String>)| {
        let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        f(&mut l);
        l.join("\n")
    };
    let cases = [
        (
            "shorter",
            edit(&|l| {
                l[100].pop();
            }),
        ),
        ("longer", edit(&|l| l[100].push('A'))),
        (
            "same_size",
            edit(&|l| {
                l[100].pop();
                l[200].push('A');
            }),
        ),
    ];
    for (what, fasta) in cases {
        let fa = tmp.path().join(format!("{what}.fa"));
        std::fs::write(&fa, fasta).unwrap();
        std::fs::write(tmp.path().join(format!("{what}.fa.fai")), &fai).unwrap();
        for md5 in [true, false] {
            let mut extra = vec!["-r", s(&fa)];
            if !md5 {
                extra.push("--no-md5-check");
            }
            let o = pileup(&fx(NF_TUMOR), &tmp.path().join("o.tsv"), &extra);
            refused(&o, 65, &[&format!("{what}.fa"), "chr22", "samtools faidx"]);
        }
    }
}

/// BAM records that htslib refuses were read: a CIGAR longer than SEQ added 40 positions of
/// phantom coverage (exit 0); corrupt aux data, a refID beyond the header and l_read_name 0
/// passed; a block_size of 4 GB aborted on allocation. Each is now refused naming the file,
/// the record (the 11th of 24) and the reason; the same 24 records undamaged are read whole.
#[test]
fn malformed_bam_records_are_refused_with_their_place() {
    let tmp = tempfile::tempdir().unwrap();
    let metrics = tmp.path().join("m.json");
    let o = pileup(
        &fx("robustness/records/pristine.bam"),
        &tmp.path().join("p.tsv"),
        &["--metrics", s(&metrics)],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // samtools 1.16.1 `view -c pristine.bam`: 24
    assert_eq!(reads_counted(&metrics), 24);
    for (file, why) in [
        (
            "cigar_longer_than_seq",
            "CIGAR covers 183 query bases but SEQ has 143",
        ),
        ("corrupt_aux", "optional field RG:Z has no terminating NUL"),
        (
            "refid_beyond_header",
            "reference id 5 is not a sequence of the header",
        ),
        ("l_read_name_0", "l_read_name is 0"),
        ("block_size_4gb", "block_size 4294967295 exceeds"),
    ] {
        let out = tmp.path().join(format!("{file}.tsv"));
        let o = pileup(&fx(&format!("robustness/records/{file}.bam")), &out, &[]);
        refused(&o, 65, &[&format!("{file}.bam"), "record 11 of chr22", why]);
        assert!(!out.exists(), "{file}: a refused run left an output");
    }
}

// ---------------------------------------------------------------------------------------------
// Annotation, knowledge base, germline resource

const ANN: &str = "annotation";

fn report_with_gff(gff: &Path, out: &Path) -> Output {
    run(&[
        "report",
        "--vcf",
        s(&fx(&format!("{ANN}/civic_variants.GRCh38.slice.vcf"))),
        "-r",
        s(&fx(&format!("{ANN}/cancer_genes.GRCh38.slices.fa"))),
        "--gff",
        s(gff),
        "--cancer-type",
        "MEL",
        "--outdir",
        s(out),
    ])
}

/// A GFF strand other than `-` was read as `+` (BRAF V600E became synonymous and the level-A
/// melanoma finding disappeared, exit 0); a CDS end of 4294967296 allocated 4.2 GB and
/// aborted; start > end was accepted. Each is refused naming the file and line.
#[test]
fn bad_gff_features_are_refused_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fx(&format!(
        "{ANN}/cancer_genes.GRCh38.slices.refseq_lrg.gff3"
    )))
    .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // line 4 is BRAF's mRNA NM_004333.4 on the minus strand; find its first CDS
    assert!(lines[3].contains("\tmRNA\t") && lines[3].contains("NM_004333.4"));
    let cds = lines
        .iter()
        .position(|l| l.contains("\tCDS\t") && l.contains("NM_004333.4"))
        .unwrap();
    let set = |ln: usize, col: usize, v: &str| {
        let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        let mut f: Vec<&str> = lines[ln].split('\t').collect();
        f[col] = v;
        l[ln] = f.join("\t");
        l.join("\n") + "\n"
    };
    let end = lines[cds].split('\t').nth(4).unwrap().to_string();
    let cases = [
        (set(3, 6, "."), 4, "strand '.'"),
        (set(3, 6, "?"), 4, "strand '?'"),
        (
            set(cds, 4, "4294967296"),
            cds + 1,
            "end 4294967296 is outside",
        ),
        (
            set(cds, 3, &(end.parse::<u64>().unwrap() + 1).to_string()),
            cds + 1,
            "is after end",
        ),
        (
            {
                let mut l: Vec<&str> = lines.clone();
                let cut = lines[cds].rsplit_once('\t').unwrap().0;
                l[cds] = cut;
                l.join("\n") + "\n"
            },
            cds + 1,
            "8 tab-separated columns",
        ),
    ];
    for (i, (gff, line, why)) in cases.iter().enumerate() {
        let p = tmp.path().join(format!("m{i}.gff3"));
        std::fs::write(&p, gff).unwrap();
        let o = report_with_gff(&p, &tmp.path().join(format!("out{i}")));
        refused(&o, 65, &[&format!("m{i}.gff3:{line}:"), why]);
    }
    // the pristine models give BRAF V600E its missense consequence
    let p = tmp.path().join("ok.gff3");
    std::fs::write(&p, &text).unwrap();
    let o = report_with_gff(&p, &tmp.path().join("ok"));
    assert!(o.status.success(), "{}", stderr(&o));
}

/// `oncostream kb validate --kb DIR` (it has no `--quiet`).
fn kb_validate(dir: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_oncostream"))
        .args(["kb", "validate", "--kb", s(dir)])
        .output()
        .unwrap()
}

/// In a `--kb` directory, a `.tsv` that was empty, saved with a UTF-8 BOM or began with a
/// comment was skipped and the shipped table used instead; `kb validate` said ok with 1,817 /
/// 359 / 1,749 items instead of 1,935. Now: empty is an error naming the file; a BOM or a
/// leading comment is read, and every table is counted from the directory.
#[test]
fn every_file_of_a_kb_directory_is_read_or_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kb");
    let copy = |name: &str| -> PathBuf {
        let d = tmp.path().join(name);
        std::fs::create_dir(&d).unwrap();
        for e in std::fs::read_dir(&shipped).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "tsv") {
                std::fs::copy(&p, d.join(p.file_name().unwrap())).unwrap();
            }
        }
        d
    };
    let kb = copy("empty");
    std::fs::write(kb.join("guidelines.tsv"), "").unwrap();
    let o = kb_validate(&kb);
    refused(&o, 65, &["guidelines.tsv", "empty"]);

    let kb = copy("bom");
    let t = std::fs::read(kb.join("approvals_us.tsv")).unwrap();
    std::fs::write(
        kb.join("approvals_us.tsv"),
        [b"\xef\xbb\xbf".as_slice(), &t[..]].concat(),
    )
    .unwrap();
    let kb2 = copy("comment");
    let t = std::fs::read_to_string(kb2.join("civic.tsv")).unwrap();
    std::fs::write(
        kb2.join("civic.tsv"),
        format!("# a note from the curator\n{t}"),
    )
    .unwrap();
    let kb3 = copy("unknown");
    std::fs::write(kb3.join("notes.tsv"), "x\n").unwrap();
    let o = kb_validate(&kb3);
    refused(&o, 65, &["notes.tsv", "not a KB table"]);
    for (dir, table, items) in [(&kb, "approvals_us.tsv", 186), (&kb2, "civic.tsv", 1354)] {
        let o = kb_validate(dir);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = String::from_utf8_lossy(&o.stdout);
        // the counts of data/kb (`oncostream kb validate`): 1,714 evidence items in all
        assert!(out.contains("ok, 1714 evidence items"), "{out}");
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{table}:")))
            .unwrap_or_else(|| panic!("{table} is not counted: {out}"));
        assert!(line.contains(&format!("{items} items")), "{line}");
        assert!(
            line.contains(s(dir)),
            "{table} was not read from the directory: {line}"
        );
    }
}

/// Writes `text` as a bgzipped, tabix-indexed VCF at `path`.
fn bgzip_and_index(text: &str, path: &Path) {
    let mut w = noodles::bgzf::io::Writer::new(std::fs::File::create(path).unwrap());
    std::io::Write::write_all(&mut w, text.as_bytes()).unwrap();
    w.finish().unwrap();
    let noodles::vcf::Index::Tabix(index) = noodles::vcf::fs::index(path).unwrap() else {
        panic!("a short contig is indexed as tabix");
    };
    let mut tbi = path.as_os_str().to_owned();
    tbi.push(".tbi");
    noodles::tabix::fs::write(PathBuf::from(tbi), &index).unwrap();
}

/// The FILTER column of a call VCF.
fn filters(vcf: &Path) -> Vec<String> {
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(vcf).unwrap()),
        &mut text,
    )
    .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            format!("{}:{}", f[1], f[6])
        })
        .collect()
}

/// `AF=.` in the germline resource counted as 0 (a record without AF counts as 1.0), so
/// germline variants passed as somatic (tumor-only PASS calls 240 instead of 189); NaN,
/// negative and > 1 were accepted. Now `.` is missing (the same calls as no AF at all, and not
/// those of AF=0), and a value outside [0, 1] is refused naming the file and the record.
#[test]
fn germline_resource_af_is_read_strictly() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::MultiGzDecoder::new(
            std::fs::File::open(fx("nfcore_chr22/gnomAD.r2.1.1.vcf.gz")).unwrap(),
        ),
        &mut text,
    )
    .unwrap();
    let with_af = |v: Option<&str>| -> String {
        text.lines()
            .map(|l| {
                if l.starts_with('#') {
                    return l.to_string();
                }
                let mut f: Vec<String> = l.split('\t').map(String::from).collect();
                let info: Vec<String> = f[7]
                    .split(';')
                    .filter_map(|kv| match (kv.starts_with("AF="), v) {
                        (true, None) => None,
                        (true, Some(v)) => Some(format!("AF={v}")),
                        _ => Some(kv.to_string()),
                    })
                    .collect();
                f[7] = info.join(";");
                f.join("\t")
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    };
    let call = |name: &str, v: Option<&str>| -> (Output, PathBuf) {
        let res = tmp.path().join(format!("{name}.vcf.gz"));
        bgzip_and_index(&with_af(v), &res);
        let out = tmp.path().join(format!("{name}.calls.vcf.gz"));
        let o = run(&[
            "call",
            "--tumor",
            s(&fx(NF_TUMOR)),
            "-r",
            s(&fx(NF_REF)),
            "--germline-resource",
            s(&res),
            "-o",
            s(&out),
            "-t",
            "1",
        ]);
        (o, out)
    };
    for (name, v) in [("nan", "NaN"), ("negative", "-0.1"), ("above", "1.5")] {
        let (o, _) = call(name, Some(v));
        refused(
            &o,
            65,
            &[
                &format!("{name}.vcf.gz"),
                "the record at chr22:",
                &format!("AF '{v}'"),
            ],
        );
    }
    let (o, dot) = call("dot", Some("."));
    assert!(o.status.success(), "{}", stderr(&o));
    let (o, none) = call("none", None);
    assert!(o.status.success(), "{}", stderr(&o));
    let (o, zero) = call("zero", Some("0"));
    assert!(o.status.success(), "{}", stderr(&o));
    let (dot, none, zero) = (filters(&dot), filters(&none), filters(&zero));
    assert_eq!(dot, none, "AF=. must read as a record without AF");
    assert_ne!(dot, zero, "AF=. must not read as AF=0");
    assert!(
        dot.iter().any(|f| f.contains("germline")),
        "a resource hit filters a germline call: {dot:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Generated scripts and sheets

/// A sample id `$(touch x)T1` ran a command through the Snakefile's unquoted `--only`, and a
/// newline in `--outdir` or a Slurm value became a line of the sbatch script; ids starting
/// with `-` were read as options. Now the sheet refuses such ids (naming the line), a control
/// character or a non-Slurm value is a usage error, and a path with shell syntax in it is
/// passed to the command as data.
#[test]
fn no_value_of_a_batch_runs_as_a_command() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let t = fx(NF_TUMOR);
    let n = fx("nfcore_chr22/test.paired_end.sorted.bam");
    for id in [
        "$(touch pwned)T1",
        "-T1",
        "--force",
        "T1;touch pwned",
        "T 1",
    ] {
        let sheet = d.join("hostile.csv");
        std::fs::write(
            &sheet,
            format!("patient,sample,status,bam\nP1,\"{id}\",1,{}\n", s(&t)),
        )
        .unwrap();
        let o = run(&[
            "batch",
            "--samplesheet",
            s(&sheet),
            "--outdir",
            s(&d.join("o1")),
            "--emit-slurm",
            "-r",
            s(&fx(NF_REF)),
        ]);
        refused(&o, 65, &["hostile.csv', line 2", "sample id"]);
    }
    let sheet = d.join("ok.csv");
    std::fs::write(
        &sheet,
        format!(
            "patient,sample,status,bam\nP1,T1,1,{}\nP1,N1,0,{}\n",
            s(&t),
            s(&n)
        ),
    )
    .unwrap();
    let reference = fx(NF_REF);
    let emit = |out: &str, extra: &[&str]| -> Output {
        let mut a = vec![
            "batch",
            "--samplesheet",
            s(&sheet),
            "--outdir",
            out,
            "--emit-slurm",
            "-r",
            s(&reference),
        ];
        a.extend_from_slice(extra);
        run(&a)
    };
    let o = emit(&format!("{}/o2\nrm -rf x", s(d)), &[]);
    refused(&o, 64, &["--outdir", "control character"]);
    for flag in ["--slurm-partition", "--slurm-account", "--slurm-time"] {
        let o = emit(s(&d.join("o3")), &[flag, "p\ntouch pwned"]);
        refused(&o, 64, &[flag]);
    }
    // shell syntax in a path is data: run the emitted array task with a stand-in binary that
    // prints its arguments
    let out = d.join("o4 $(touch pwned) `touch pwned2` ;touch pwned3");
    let o = emit(s(&out), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stub = d.join("argv.sh");
    std::fs::write(
        &stub,
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n",
    )
    .unwrap();
    std::fs::set_permissions(&stub, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let p = std::process::Command::new("bash")
        .arg(out.join("slurm/oncostream.sbatch"))
        .current_dir(d)
        .env("ONCOSTREAM", &stub)
        .env("SLURM_ARRAY_TASK_ID", "1")
        .output()
        .unwrap();
    assert!(p.status.success(), "{}", String::from_utf8_lossy(&p.stderr));
    let argv = String::from_utf8_lossy(&p.stdout).into_owned();
    let argv: Vec<&str> = argv.lines().collect();
    let at = argv.iter().position(|a| *a == "--outdir").unwrap();
    assert!(
        out.ends_with(argv[at + 1]) || argv[at + 1] == s(&out),
        "--outdir reached the command as {:?}",
        argv[at + 1]
    );
    for f in ["pwned", "pwned2", "pwned3"] {
        assert!(!d.join(f).exists(), "the emitted script ran `touch {f}`");
    }
}

/// The Snakefile's `--only {wildcards.sample}` was unquoted. Every value interpolated into a
/// shell line is quoted (`:q`), except `{threads}` (a number Snakemake sets) and `{FLAGS}` (the
/// user's own flag string, documented as such); and the Snakefile's id rule is the sheet's.
#[test]
fn the_snakefile_quotes_every_value_of_its_shell_lines() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("workflow/Snakefile"))
            .unwrap();
    let mut shell_lines = 0;
    let mut in_shell = false;
    for line in text.lines() {
        let t = line.trim();
        if t == "shell:" {
            in_shell = true;
            continue;
        }
        if in_shell && !t.starts_with('"') {
            in_shell = false;
        }
        if !in_shell {
            continue;
        }
        shell_lines += 1;
        let mut rest = t;
        while let Some(i) = rest.find('{') {
            let j = rest[i..].find('}').unwrap() + i;
            let field = &rest[i + 1..j];
            assert!(
                field.ends_with(":q") || field == "threads" || field == "FLAGS",
                "unquoted {{{field}}} in a shell line: {t}"
            );
            rest = &rest[j + 1..];
        }
    }
    assert!(shell_lines >= 3, "the shell lines were found");
    assert!(
        text.contains(r#"ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")"#),
        "the Snakefile's id rule is the sheet's (sheet::valid_id)"
    );
}

/// Found by `scripts/fuzz.sh` (kind `cram`, seed 19): one byte of an external rANS 4x8 block
/// (the soft clips) changed and its CRC32 recomputed. The block still decodes to its 817 bytes,
/// but its last soft clip lost its NUL stop byte, and htslib 1.19.1 (bundled by hts-sys 2.2.1,
/// the newest) copied it past the read's buffer and aborted (SIGABRT, exit 134). The
/// memory-safe check of `io/cram_blocks.rs` walks the container before htslib decodes it and
/// refuses the file (exit 65, one line naming it, the record and the block).
#[test]
fn a_damaged_rans_block_with_a_valid_crc_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let o = pileup(
        &fx("robustness/cram/rans_block_abort.cram"),
        &tmp.path().join("o.tsv"),
        &["-r", s(&fx(NF_REF))],
    );
    refused(&o, 65, &["rans_block_abort.cram", "lacks its stop byte"]);
}

/// Two more inputs of the class, from a 5-minute `cram` run of main's binary (6208931, seed
/// 19): byte 135 of the same soft-clip block set to 0xFF, or byte 113 set to 0. htslib 1.19.1
/// aborted on both ("corrupted size vs. prev_size", exit 134). Decoded as htslib decodes them
/// (htscodecs' rANS: a state renormalises by at most two bytes, and a stream that runs out
/// stops feeding its states rather than failing), both blocks keep 817 bytes and give record
/// 4247 a soft clip that ends past its 143-base read: the write htslib does not bound.
/// (noodles-cram's decoder, the check's until stop 30, read them otherwise: a clip of 149 at
/// position 1 for the first, a stream that "does not decompress" for the second.)
#[test]
fn a_soft_clip_past_its_read_and_a_short_rans_stream_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let metrics = tmp.path().join("m.json");
    for (f, why) in [
        (
            "soft_clip_past_read.cram",
            "record 4247 of the slice at byte 888: a soft clip of 9 at read position 136 runs past the read's 143 bases",
        ),
        (
            "rans_block_short.cram",
            "record 4247 of the slice at byte 888: a soft clip of 31 at read position 136 runs past the read's 143 bases",
        ),
    ] {
        let o = pileup(
            &fx(&format!("robustness/cram/{f}")),
            &tmp.path().join("o.tsv"),
            &["-r", s(&fx(NF_REF)), "--metrics", s(&metrics)],
        );
        refused(&o, 65, &[f, why]);
    }
}
