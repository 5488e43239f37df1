//! Annotates the 174 CIViC variants of fixtures/annotation and prints ours vs CIViC
//! (`cargo run --release --example annotate_civic`).
use oncostream::clinical::annotate::{annotate, canonical};
use oncostream::io::{gff::read_gff3, reference::Reference};
use std::path::Path;

fn main() {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/annotation");
    let txs = read_gff3(&d.join("cancer_genes.GRCh38.slices.refseq_lrg.gff3")).unwrap();
    let r = Reference::open(&d.join("cancer_genes.GRCh38.slices.fa")).unwrap();
    let text =
        std::fs::read_to_string(d.join("civic_01-Aug-2024_variants_in_fixture_genes.tsv")).unwrap();
    let mut lines = text.lines();
    let hdr: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |n: &str| hdr.iter().position(|h| *h == n).unwrap();
    for l in lines {
        let f: Vec<&str> = l.split('\t').collect();
        let rec = f[col("slice_record")];
        let pos: u64 = f[col("vcf_slice_pos")].parse().unwrap();
        let seq = r.get(rec).unwrap().clone();
        let mut buf = Vec::new();
        r.fetch_into(&seq, 0, seq.len, &mut buf);
        let at = |p: u64| {
            if p >= 1 && p <= buf.len() as u64 {
                buf[(p - 1) as usize]
            } else {
                b'N'
            }
        };
        let cands: Vec<_> = txs
            .iter()
            .filter(|t| t.contig == rec && t.gene == f[col("gene")])
            .collect();
        let mane: std::collections::HashSet<String> =
            std::fs::read_to_string(d.join("mane_select.tsv"))
                .unwrap()
                .lines()
                .filter(|l| !l.starts_with('#'))
                .filter_map(|l| l.split('\t').nth(1))
                .map(String::from)
                .collect();
        let t = canonical(&cands, &mane).unwrap();
        let a = annotate(t, pos, f[col("vcf_ref")], f[col("vcf_alt")], &at);
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            f[col("gene")],
            f[col("civic_variant_name")],
            a.protein_change.clone().unwrap_or_default(),
            a.hgvs_c,
            a.consequence,
            t.id,
            f[col("civic_hgvs_c")],
            f[col("civic_hgvs_p")]
        );
    }
}
