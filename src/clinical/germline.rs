//! Germline (secondary) findings from the matched normal: variants the normal carries in the
//! genes Japanese guidance lists for disclosure, classified by rules that need no online
//! database.
//!
//! METHOD:
//! - candidates: alleles the caller saw in the matched normal (`normal_artifact`) at an allele
//!   fraction of at least [`MIN_NORMAL_AF`] over at least [`MIN_NORMAL_DEPTH`] reads — the
//!   somatic calls and TMB never count them (they are filtered there);
//! - genes: `data/germline/secondary_findings_jp.tsv` (the AMED/MHLW Kosugi-group list of
//!   secondary findings to disclose, with its recommendation grade);
//! - classes: *pathogenic* / *likely pathogenic* when the variant is on the shipped list of
//!   CIViC P/LP germline variants (`known_pathogenic.tsv`, matched by gene and HGVS c. on the
//!   MANE Select transcript); *likely pathogenic (null variant)* for a stop-gain, frameshift,
//!   canonical splice-site or start-loss variant in a gene whose disorder is caused by loss of
//!   function (ACMG/AMP PVS1; the last-exon and NMD-escape exceptions are not assessed here);
//!   every other variant in those genes is counted, not reported (variants of unknown
//!   significance are not returned as secondary findings).
//!
//! Every finding must be confirmed by a clinical germline test before it is disclosed.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::kb::matcher::TRUNCATING;
use crate::types::report::{GermlineFinding, ReportVariant};

/// Fewest normal reads for a germline candidate.
pub const MIN_NORMAL_DEPTH: u32 = 10;
/// Lowest normal allele fraction for a germline candidate (a heterozygous allele sits near 0.5).
pub const MIN_NORMAL_AF: f64 = 0.20;
/// From this normal allele fraction a germline allele is called homozygous.
pub(crate) const HOMOZYGOUS_AF: f64 = 0.85;

const GENES: &str = include_str!("../../data/germline/secondary_findings_jp.tsv");
const KNOWN: &str = include_str!("../../data/germline/known_pathogenic.tsv");

/// Where the gene list comes from (shown in the report).
pub(crate) const GENE_LIST_SOURCE: &str = "AMED/MHLW research group (Kosugi group) list of secondary findings of cancer gene-panel testing to disclose, by recommendation grade (data/germline/secondary_findings_jp.tsv)";
/// Its URL.
pub(crate) const GENE_LIST_URL: &str = "https://www.amed.go.jp/news/seika/kenkyu/20211020-01.html";

/// One gene of the list.
#[derive(Clone, Debug)]
pub struct Gene {
    /// Disorder.
    pub disorder: String,
    /// Recommendation grade (AAA, AA, A, B).
    pub grade: String,
    /// `loss_of_function` or `gain_of_function`.
    pub mechanism: String,
}

fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .skip(1)
        .map(|l| l.split('\t').collect::<Vec<_>>())
}

/// The gene list.
pub fn genes() -> &'static BTreeMap<String, Gene> {
    static G: OnceLock<BTreeMap<String, Gene>> = OnceLock::new();
    G.get_or_init(|| {
        rows(GENES)
            .map(|f| {
                (
                    f[0].to_string(),
                    Gene {
                        disorder: f[1].to_string(),
                        grade: f[2].to_string(),
                        mechanism: f[4].to_string(),
                    },
                )
            })
            .collect()
    })
}

/// (gene, HGVS c.) → (significance, source, url).
type KnownTable = BTreeMap<(String, String), (String, String, String)>;

fn known() -> &'static KnownTable {
    static K: OnceLock<KnownTable> = OnceLock::new();
    K.get_or_init(|| {
        rows(KNOWN)
            .map(|f| {
                (
                    (f[0].to_string(), f[1].to_string()),
                    (
                        f[3].replace('_', " "),
                        format!("CIViC {}", f[4]),
                        f[5].to_string(),
                    ),
                )
            })
            .collect()
    })
}

/// Classifies germline candidates (annotated; `vaf`/`depth` are the normal's). Returns the
/// reportable findings and how many other variants in the listed genes were seen.
pub fn assess(candidates: &[ReportVariant]) -> (Vec<GermlineFinding>, usize) {
    let mut out = Vec::new();
    let mut other = 0;
    for v in candidates {
        let Some(a) = &v.annotation else { continue };
        let Some(g) = genes().get(&a.gene) else {
            continue;
        };
        if v.vaf.is_none_or(|f| f < MIN_NORMAL_AF) || v.depth.is_none_or(|d| d < MIN_NORMAL_DEPTH) {
            continue;
        }
        let listed = known().get(&(a.gene.clone(), a.hgvs_c.clone()));
        let null = a.consequence.any(TRUNCATING);
        let (class, rule, source, url) = if let Some((sig, src, url)) = listed {
            (
                sig.clone(),
                "listed as pathogenic / likely pathogenic germline variant".to_string(),
                src.clone(),
                url.clone(),
            )
        } else if null && g.mechanism == "loss_of_function" {
            (
                "likely pathogenic (null variant)".to_string(),
                format!(
                    "{} in {}, whose loss of function causes {} (ACMG/AMP PVS1; last-exon and NMD-escape exceptions not assessed)",
                    a.consequence.join(", "),
                    a.gene,
                    g.disorder
                ),
                GENE_LIST_SOURCE.to_string(),
                GENE_LIST_URL.to_string(),
            )
        } else {
            other += 1;
            continue;
        };
        let vaf = v.vaf.unwrap_or(0.0);
        out.push(GermlineFinding {
            chrom: v.chrom.clone(),
            pos: v.pos,
            ref_allele: v.ref_allele.clone(),
            alt: v.alt.clone(),
            gene: a.gene.clone(),
            transcript: a.transcript.clone(),
            hgvs_c: a.hgvs_c.clone(),
            hgvs_p: a.hgvs_p.clone(),
            normal_vaf: vaf,
            normal_depth: v.depth.unwrap_or(0),
            zygosity: if vaf >= HOMOZYGOUS_AF {
                "homozygous".into()
            } else {
                "heterozygous".into()
            },
            class,
            rule,
            disorder: g.disorder.clone(),
            disclosure_grade: g.grade.clone(),
            source,
            source_url: url,
            annotation: Some(a.clone()),
        });
    }
    (out, other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::transcript::Annotation;
    use crate::types::Pos1;

    fn cand(gene: &str, csq: &str, hgvs: &str, vaf: f64, depth: u32) -> ReportVariant {
        ReportVariant {
            chrom: "chr".into(),
            pos: Pos1::new(100).unwrap(),
            ref_allele: "C".into(),
            alt: "T".into(),
            vaf: Some(vaf),
            depth: Some(depth),
            annotation: Some(Annotation {
                gene: gene.into(),
                transcript: "NM_1.1".into(),
                consequence: crate::types::transcript::Consequence::parse(csq),
                hgvs_c: hgvs.into(),
                hgvs_p: None,
                protein_change: None,
                location: None,
                exon: None,
                ref_protein: Vec::new(),
                alt_protein: Vec::new(),
            }),
            oncogenicity: None,
            ref_mismatch: None,
            mane_mapping: None,
            mane_unmapped: None,
        }
    }

    #[test]
    fn null_variants_in_listed_lof_genes_and_known_variants_are_reported() {
        assert!(genes().len() >= 50 && genes()["BRCA2"].grade == "AAA");
        let (f, other) = assess(&[
            cand("BRCA2", "stop_gained", "c.7480C>T", 0.45, 30),
            cand("BRCA2", "missense_variant", "c.7481G>A", 0.5, 30),
            cand("VHL", "missense_variant", "c.500G>A", 0.5, 30),
            cand("KRAS", "stop_gained", "c.1A>T", 0.5, 30),
            cand("BRCA1", "frameshift_variant", "c.68_69del", 0.1, 30),
            cand("RET", "stop_gained", "c.100C>T", 0.5, 30),
        ]);
        let genes: Vec<&str> = f.iter().map(|x| x.gene.as_str()).collect();
        assert_eq!(genes, ["BRCA2", "VHL"]);
        assert_eq!(f[0].class, "likely pathogenic (null variant)");
        assert_eq!(f[0].zygosity, "heterozygous");
        assert_eq!(f[1].class, "pathogenic");
        // the BRCA2 missense and the RET nonsense (gain-of-function gene) are counted, not
        // reported; KRAS is not a listed gene; BRCA1 at 0.1 is no germline candidate
        assert_eq!(other, 2);
    }
}
