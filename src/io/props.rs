//! Property tests of the text parsers of `io` (issue 19): FASTA + `.fai`, BED, VCF, GFF3.
//! For each: input generated valid parses to what was generated, and arbitrary or mutated
//! input never panics (it parses or is refused with a data error). The BAM record and index
//! parsers have theirs next to their unit tests (`bam_record`, `bam_index`). Bounded
//! (`CASES` per property) so that the whole set runs in seconds in CI.

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::Config;

use crate::error::{exit_kind, ExitKind};
use crate::types::Contig;

/// Cases per property: enough to walk every mutation kind, few enough for CI.
pub(crate) const CASES: u32 = 256;

pub(crate) fn config() -> Config {
    Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    }
}

/// One text mutation, as `scripts/fuzz.py` makes them: a field set to a boundary value, a
/// line dropped, doubled or cut, a byte inserted or flipped.
pub(crate) fn mutate(text: &str, op: u8, at: usize, pick: usize) -> String {
    mutate_sep(text, '\t', op, at, pick)
}

/// [`mutate`] for fields separated by `sep`.
pub(crate) fn mutate_sep(text: &str, sep: char, op: u8, at: usize, pick: usize) -> String {
    const VALUES: [&str; 14] = [
        "",
        ".",
        "-1",
        "0",
        "+5",
        "NaN",
        "4294967296",
        "99999999999999999999",
        "\u{feff}",
        "\t",
        "\0",
        "é",
        "1e309",
        "=HYPERLINK(\"x\")",
    ];
    let mut lines: Vec<String> = text.split('\n').map(String::from).collect();
    let i = at % lines.len();
    match op % 6 {
        0 => {
            let mut f: Vec<String> = lines[i].split(sep).map(String::from).collect();
            let k = pick % f.len();
            f[k] = VALUES[(pick / 7) % VALUES.len()].to_string();
            lines[i] = f.join(&sep.to_string());
        }
        1 => {
            lines.remove(i);
        }
        2 => {
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        3 => {
            let l = &mut lines[i];
            let k = pick % (l.len() + 1);
            let k = (0..=k).rev().find(|k| l.is_char_boundary(*k)).unwrap_or(0);
            l.truncate(k);
        }
        4 => {
            let l = &mut lines[i];
            let k = pick % (l.len() + 1);
            let k = (0..=k).rev().find(|k| l.is_char_boundary(*k)).unwrap_or(0);
            l.insert_str(k, VALUES[pick % VALUES.len()]);
        }
        _ => {
            let j = pick % lines.len();
            lines.swap(i, j);
        }
    }
    lines.join("\n")
}

/// A parse of bad input must be a classified refusal, not an internal error.
fn refused_cleanly(e: &anyhow::Error) -> bool {
    matches!(exit_kind(e), ExitKind::Data | ExitKind::Usage)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

// ---------------------------------------------------------------------------------------------
// FASTA + .fai

/// A FASTA of `seqs` with `width` bases per line, and its `.fai` as `samtools faidx` writes it.
fn fasta(seqs: &[Vec<u8>], width: usize) -> (String, String) {
    let (mut fa, mut fai) = (String::new(), String::new());
    for (i, s) in seqs.iter().enumerate() {
        fa.push_str(&format!(">c{i} some description\n"));
        let offset = fa.len();
        for line in s.chunks(width) {
            fa.push_str(std::str::from_utf8(line).unwrap());
            fa.push('\n');
        }
        fai.push_str(&format!(
            "c{i}\t{}\t{offset}\t{width}\t{}\n",
            s.len(),
            width + 1
        ));
    }
    (fa, fai)
}

fn bases() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(proptest::sample::select(b"ACGTNacgt".to_vec()), 1..300)
}

fn fetch_all(r: &super::reference::Reference) -> Vec<Vec<u8>> {
    r.seqs()
        .iter()
        .map(|s| {
            let mut out = Vec::new();
            r.fetch_into(s, 0, s.len, &mut out);
            out
        })
        .collect()
}

proptest! {
    #![proptest_config(config())]

    /// A valid FASTA and its .fai give back every base (uppercase).
    #[test]
    fn fasta_round_trips(seqs in proptest::collection::vec(bases(), 1..4), width in 1usize..80) {
        let dir = tempfile::tempdir().unwrap();
        let (fa, fai) = fasta(&seqs, width);
        let p = write(dir.path(), "r.fa", fa.as_bytes());
        write(dir.path(), "r.fa.fai", fai.as_bytes());
        let r = super::reference::Reference::open(&p).unwrap();
        let want: Vec<Vec<u8>> = seqs.iter().map(|s| s.to_ascii_uppercase()).collect();
        prop_assert_eq!(fetch_all(&r), want);
        prop_assert!(crate::types::source::SequenceSource::check(&r).is_ok());
    }

    /// One line of the FASTA one base shorter or longer than its .fai says: refused at open,
    /// or every base fetched is right, or the damage is reported (never a wrong base, never a
    /// panic). The .fai mutated instead: the same.
    #[test]
    fn a_fasta_that_disagrees_with_its_fai_never_gives_wrong_bases(
        seqs in proptest::collection::vec(bases(), 1..4),
        width in 1usize..80,
        which in any::<usize>(),
        longer in any::<bool>(),
        fai_op in 0u8..7,
        pick in any::<usize>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (fa, fai) = fasta(&seqs, width);
        let mut lines: Vec<String> = fa.split('\n').map(String::from).collect();
        let seq_lines: Vec<usize> = (0..lines.len())
            .filter(|&i| !lines[i].is_empty() && !lines[i].starts_with('>'))
            .collect();
        let fai = if fai_op < 6 {
            mutate(&fai, fai_op, which, pick)
        } else {
            let i = seq_lines[which % seq_lines.len()];
            if longer { lines[i].push('A') } else { lines[i].pop(); }
            fai
        };
        let fa = if fai_op < 6 { fa } else { lines.join("\n") };
        let p = write(dir.path(), "r.fa", fa.as_bytes());
        write(dir.path(), "r.fa.fai", fai.as_bytes());
        match super::reference::Reference::open(&p) {
            Err(e) => prop_assert!(refused_cleanly(&e) || exit_kind(&e) == ExitKind::NoInput, "{e:#}"),
            Ok(r) => {
                let got = fetch_all(&r);
                let damaged = crate::types::source::SequenceSource::check(&r).is_err();
                for (s, g) in r.seqs().iter().zip(&got) {
                    let Some(i) = s.name.strip_prefix('c').and_then(|i| i.parse::<usize>().ok()) else { continue };
                    let Some(want) = seqs.get(i) else { continue };
                    let want = want.to_ascii_uppercase();
                    // a sequence the .fai makes shorter is a prefix; a longer one is damage
                    let ok = g.len() <= want.len() && g[..] == want[..g.len()];
                    prop_assert!(ok || damaged, "wrong bases for {} without a damage report", s.name);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// BED

fn contigs() -> Vec<Contig> {
    vec![
        Contig {
            name: "chr1".into(),
            len: 100_000,
            md5: None,
        },
        Contig {
            name: "chr2".into(),
            len: 50_000,
            md5: None,
        },
    ]
}

proptest! {
    #![proptest_config(config())]

    /// Disjoint, sorted BED intervals are read as written (0-based, half-open, with names).
    #[test]
    fn bed_round_trips(gaps in proptest::collection::vec((1u64..500, 1u64..500), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from("# targets\ntrack name=x\n");
        let mut want = Vec::new();
        let mut at = 0;
        for (i, (gap, len)) in gaps.iter().enumerate() {
            let (s, e) = (at + gap, at + gap + len);
            at = e;
            text.push_str(&format!("chr1\t{s}\t{e}\tt{i}\n"));
            want.push((s, e, format!("t{i}")));
        }
        let p = write(dir.path(), "t.bed", text.as_bytes());
        let got = super::bed::read_bed(&p, &contigs()).unwrap();
        let got: Vec<(u64, u64, String)> = got
            .iter()
            .map(|b| (b.region.start, b.region.end, b.name.clone().unwrap_or_default()))
            .collect();
        prop_assert_eq!(got, want);
    }

    /// A mutated BED is read or refused with a data error; what is read lies on the contigs.
    #[test]
    fn a_mutated_bed_never_panics(op in any::<u8>(), at in any::<usize>(), pick in any::<usize>()) {
        let dir = tempfile::tempdir().unwrap();
        let text = mutate("chr1\t100\t200\ta\nchr1\t300\t400\tb\nchr2\t0\t50000\tc\n", op, at, pick);
        let p = write(dir.path(), "t.bed", text.as_bytes());
        match super::bed::read_bed(&p, &contigs()) {
            Ok(v) => {
                for b in v {
                    let c = &contigs()[b.region.contig.index()];
                    // BED allows a zero-length feature (start == end: an insertion point)
                    prop_assert!(b.region.start <= b.region.end && b.region.end <= c.len, "{:?}", b.region);
                }
            }
            Err(e) => prop_assert!(refused_cleanly(&e), "{e:#}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// VCF (the somatic VCF of `report`)

const VCF_HEAD: &str = "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=100000>\n##INFO=<ID=DP,Number=1,Type=Integer,Description=\"d\">\n##FILTER=<ID=lowqual,Description=\"l\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";

fn allele() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(b"ACGT".to_vec()), 1..6)
        .prop_map(|b| String::from_utf8(b).unwrap())
}

proptest! {
    #![proptest_config(config())]

    /// PASS records are read as written, in order; others are left out.
    #[test]
    fn vcf_round_trips(recs in proptest::collection::vec((1u64..99_000, allele(), allele(), any::<bool>()), 1..30)) {
        let dir = tempfile::tempdir().unwrap();
        let mut recs = recs;
        recs.sort_by_key(|r| r.0);
        recs.dedup_by_key(|r| r.0);
        let mut text = VCF_HEAD.to_string();
        let mut want = Vec::new();
        for (pos, r, a, pass) in &recs {
            if r == a {
                continue;
            }
            let filter = if *pass { "PASS" } else { "lowqual" };
            text.push_str(&format!("chr1\t{pos}\t.\t{r}\t{a}\t.\t{filter}\tDP=10\n"));
            if *pass {
                want.push((*pos, r.clone(), a.clone()));
            }
        }
        let p = write(dir.path(), "v.vcf", text.as_bytes());
        let v = super::vcf_input::read_input_vcf(&p).unwrap();
        let got: Vec<(u64, String, String)> = v
            .variants
            .iter()
            .map(|x| (x.pos.get(), x.ref_allele.clone(), x.alt.clone()))
            .collect();
        prop_assert_eq!(got, want);
    }

    /// A mutated VCF is read or refused with a data error.
    #[test]
    fn a_mutated_vcf_never_panics(op in any::<u8>(), at in any::<usize>(), pick in any::<usize>()) {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{VCF_HEAD}chr1\t100\t.\tA\tT\t.\tPASS\tDP=3\nchr1\t200\trs1\tAC\tA,ACC\t50\t.\tDP=7\n");
        let text = mutate(&text, op, at, pick);
        let p = write(dir.path(), "v.vcf", text.as_bytes());
        if let Err(e) = super::vcf_input::read_input_vcf(&p) {
            prop_assert!(refused_cleanly(&e), "{e:#}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GFF3

/// A gene with one mRNA on `strand`, its exons and CDS as GFF3 text.
fn gff(strand: char, exons: &[(u64, u64)]) -> String {
    let (s, e) = (exons[0].0, exons.last().unwrap().1);
    let mut t = format!(
        "##gff-version 3\nc1\tt\tgene\t{s}\t{e}\t.\t{strand}\t.\tID=gene:G1;Name=GENE1\n\
         c1\tt\tmRNA\t{s}\t{e}\t.\t{strand}\t.\tID=transcript:NM_1.1;Parent=gene:G1;transcript_id=NM_1.1\n"
    );
    for (a, b) in exons {
        t.push_str(&format!(
            "c1\tt\texon\t{a}\t{b}\t.\t{strand}\t.\tParent=transcript:NM_1.1\n\
             c1\tt\tCDS\t{a}\t{b}\t.\t{strand}\t0\tParent=transcript:NM_1.1\n"
        ));
    }
    t
}

fn exons() -> impl Strategy<Value = Vec<(u64, u64)>> {
    proptest::collection::vec((2u64..300, 1u64..300), 1..12).prop_map(|v| {
        let mut at = 0;
        v.into_iter()
            .map(|(gap, len)| {
                let s = at + gap;
                at = s + len;
                (s, s + len - 1)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(config())]

    /// One transcript of generated exons is read with its strand, exons and CDS in transcript
    /// order.
    #[test]
    fn gff_round_trips(ex in exons(), minus in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let strand = if minus { '-' } else { '+' };
        let p = write(dir.path(), "m.gff3", gff(strand, &ex).as_bytes());
        let t = super::gff::read_gff3(&p).unwrap();
        prop_assert_eq!(t.len(), 1);
        // the file's 1-based closed a..=b is the 0-based half-open [a - 1, b)
        let mut want: Vec<crate::types::Span> = ex
            .iter()
            .map(|&(a, b)| crate::types::Span::new(crate::types::Pos0::new(a - 1), crate::types::Pos0::new(b)))
            .collect();
        if minus {
            want.reverse();
        }
        prop_assert_eq!(t[0].strand, if minus { -1 } else { 1 });
        prop_assert_eq!(&t[0].exons, &want);
        prop_assert_eq!(&t[0].gene, "GENE1");
        prop_assert_eq!(&t[0].id, "NM_1.1");
    }

    /// A mutated GFF3 is read or refused with a data error naming its line; what is read has
    /// a strand of + or - and ordered coordinates.
    #[test]
    fn a_mutated_gff_never_panics(ex in exons(), op in any::<u8>(), at in any::<usize>(), pick in any::<usize>()) {
        let dir = tempfile::tempdir().unwrap();
        let text = mutate(&gff('-', &ex), op, at, pick);
        let p = write(dir.path(), "m.gff3", text.as_bytes());
        match super::gff::read_gff3(&p) {
            Ok(ts) => {
                for t in ts {
                    prop_assert!(t.strand == 1 || t.strand == -1);
                    for s in t.exons.iter().chain(&t.cds) {
                        prop_assert!(s.start < s.end && s.end.get() <= super::gff::MAX_COORDINATE);
                    }
                }
            }
            Err(e) => {
                prop_assert!(refused_cleanly(&e), "{e:#}");
                prop_assert!(e.to_string().contains("m.gff3:"), "{e}");
            }
        }
    }
}
