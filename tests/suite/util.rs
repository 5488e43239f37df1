//! Helpers: run the binary, read tables.

use std::io::Read;
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::{Command, Output},
};

pub fn fx(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oncostream"))
        .args(args)
        .arg("--quiet")
        .output()
        .expect("binary runs")
}

pub fn run_ok(args: &[&str]) -> Output {
    let o = run(args);
    assert!(
        o.status.success(),
        "oncostream {:?} failed: {}",
        args,
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Counts per position: ref, depth, A, C, G, T, N, del, ins, ref_skip, fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub ref_base: String,
    pub counts: [u64; 10],
}

pub type Table = BTreeMap<(String, u64), Row>;

/// Reads our pileup TSV (single sample).
pub fn read_ours(path: &Path) -> Table {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "contig\tpos\tref\tdepth\tA\tC\tG\tT\tN\tdel\tins\tref_skip\tfail\tmax_depth"
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let mut c = [0u64; 10];
            for (i, v) in f[3..13].iter().enumerate() {
                c[i] = v.parse().unwrap();
            }
            (
                (f[0].to_string(), f[1].parse().unwrap()),
                Row {
                    ref_base: f[2].to_string(),
                    counts: c,
                },
            )
        })
        .collect()
}

/// Reads a `perbase base-depth` table into the same shape (IUPAC columns folded into N, as
/// perbase only writes them with IUPAC mate strategies).
pub fn read_perbase(path: &Path) -> Table {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let Some(first) = lines.next() else {
        // perbase writes nothing at all for unmapped-only inputs (ce_unmap)
        return Table::new();
    };
    let hdr: Vec<&str> = first.split('\t').collect();
    let col = |name: &str| hdr.iter().position(|h| *h == name);
    lines
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let g = |name: &str| col(name).map(|i| f[i].parse::<u64>().unwrap()).unwrap_or(0);
            let iupac: u64 = ["R", "Y", "S", "W", "K", "M"].iter().map(|n| g(n)).sum();
            let c = [
                g("DEPTH"),
                g("A"),
                g("C"),
                g("G"),
                g("T"),
                g("N") + iupac,
                g("DEL"),
                g("INS"),
                g("REF_SKIP"),
                g("FAIL"),
            ];
            let rb = col("REF_BASE")
                .map(|i| f[i].to_string())
                .unwrap_or_else(|| "N".into());
            (
                (f[0].to_string(), f[1].parse().unwrap()),
                Row {
                    ref_base: rb,
                    counts: c,
                },
            )
        })
        .collect()
}

/// Reads `samtools depth` output: (contig, pos) -> depth.
pub fn read_samtools_depth(path: &Path) -> BTreeMap<(String, u64), u64> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                (f[0].to_string(), f[1].parse().unwrap()),
                f[2].parse().unwrap(),
            )
        })
        .collect()
}

/// Compares two tables; `with_ref` also compares the reference base. Returns mismatches.
pub fn diff(ours: &Table, theirs: &Table, with_ref: bool) -> Vec<String> {
    let mut out = Vec::new();
    for k in ours.keys().chain(theirs.keys()) {
        let (a, b) = (ours.get(k), theirs.get(k));
        let same = match (a, b) {
            (Some(a), Some(b)) => a.counts == b.counts && (!with_ref || a.ref_base == b.ref_base),
            _ => false,
        };
        if !same {
            out.push(format!("{k:?}: ours {a:?} theirs {b:?}"));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The annotation fixture: GRCh38 slices of 14 cancer genes, their RefSeq/LRG models, the
/// MANE accession list and the 174 CIViC truth rows (column name -> value).
pub struct CivicFixture {
    pub models: Vec<oncostream::clinical::annotate::Transcript>,
    pub reference: oncostream::io::reference::Reference,
    pub mane: std::collections::HashSet<String>,
    pub rows: Vec<std::collections::HashMap<String, String>>,
}

impl CivicFixture {
    pub fn load() -> CivicFixture {
        let d = fx("annotation");
        let text =
            std::fs::read_to_string(d.join("civic_01-Aug-2024_variants_in_fixture_genes.tsv"))
                .unwrap();
        let mut lines = text.lines();
        let hdr: Vec<&str> = lines.next().unwrap().split('\t').collect();
        let rows = lines
            .map(|l| {
                hdr.iter()
                    .zip(l.split('\t'))
                    .map(|(h, v)| (h.to_string(), v.to_string()))
                    .collect()
            })
            .collect();
        CivicFixture {
            models: oncostream::io::gff::read_gff3(
                &d.join("cancer_genes.GRCh38.slices.refseq_lrg.gff3"),
            )
            .unwrap(),
            reference: oncostream::io::reference::Reference::open(
                &d.join("cancer_genes.GRCh38.slices.fa"),
            )
            .unwrap(),
            mane: oncostream::io::gff::read_transcript_list(Some(&d.join("mane_select.tsv")))
                .unwrap(),
            rows,
        }
    }

    /// Annotates a truth row on the canonical transcript of its gene.
    pub fn annotate(
        &self,
        row: &std::collections::HashMap<String, String>,
    ) -> oncostream::clinical::annotate::Annotation {
        use oncostream::clinical::annotate::{annotate, base_at, canonical};
        let rec = &row["slice_record"];
        let mut seq = Vec::new();
        let rs = self.reference.get(rec).unwrap();
        self.reference.fetch_into(rs, 0, rs.len, &mut seq);
        let cands: Vec<_> = self
            .models
            .iter()
            .filter(|t| &t.contig == rec && t.gene == row["gene"])
            .collect();
        let t = canonical(&cands, &self.mane).unwrap();
        annotate(
            t,
            oncostream::types::Pos1::new(row["vcf_slice_pos"].parse().unwrap()).unwrap(),
            &row["vcf_ref"],
            &row["vcf_alt"],
            &|p| base_at(&seq, p),
        )
    }
}

/// A text file, gunzipped when it is gzip/BGZF.
pub fn read_text(p: &Path) -> String {
    let bytes = std::fs::read(p).unwrap();
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .unwrap();
        s
    } else {
        String::from_utf8(bytes).unwrap()
    }
}
