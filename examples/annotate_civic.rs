//! Annotates the 174 CIViC variants of fixtures/annotation and prints ours vs CIViC:
//! gene, CIViC name, our short protein change, HGVS c., consequence, transcript, CIViC HGVS c./p.
//! (`cargo run --release --example annotate_civic`).
use oncostream::clinical::annotate::{annotate_at, base_at};
use oncostream::io::{
    gff::{read_gff3, read_transcript_list},
    reference::Reference,
};
use oncostream::types::Pos1;
use std::path::Path;

fn main() {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/annotation");
    let txs = read_gff3(&d.join("cancer_genes.GRCh38.slices.refseq_lrg.gff3")).unwrap();
    let r = Reference::open(&d.join("cancer_genes.GRCh38.slices.fa")).unwrap();
    let mane = read_transcript_list(Some(&d.join("mane_select.tsv"))).unwrap();
    let text =
        std::fs::read_to_string(d.join("civic_01-Aug-2024_variants_in_fixture_genes.tsv")).unwrap();
    let mut lines = text.lines();
    let hdr: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |n: &str| hdr.iter().position(|h| *h == n).unwrap();
    for l in lines {
        let f: Vec<&str> = l.split('\t').collect();
        let rec = f[col("slice_record")];
        let mut seq = Vec::new();
        let rs = r.get(rec).unwrap();
        r.fetch_into(rs, 0, rs.len, &mut seq);
        let pos = Pos1::new(f[col("vcf_slice_pos")].parse().unwrap()).unwrap();
        let Some(a) = annotate_at(
            &txs,
            &mane,
            rec,
            pos,
            f[col("vcf_ref")],
            f[col("vcf_alt")],
            &|p| base_at(&seq, p),
        ) else {
            continue;
        };
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            f[col("gene")],
            f[col("civic_variant_name")],
            a.protein_change.clone().unwrap_or_default(),
            a.hgvs_c,
            a.consequence,
            a.transcript,
            f[col("civic_hgvs_c")],
            f[col("civic_hgvs_p")]
        );
    }
}
