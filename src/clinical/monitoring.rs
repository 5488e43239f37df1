//! Monitoring rules: the residues scanned for new variants in plasma, the clonal-haematopoiesis
//! genes, and a new variant's oncogenicity and knowledge-base tiers.
//!
//! METHOD:
//! - watched residues (`data/monitor/watchlist.tsv`, compiled in): known resistance residues
//!   (EGFR T790/C797/L718/G724, KRAS Y96, ESR1 ligand-binding domain, AR ligand-binding domain,
//!   MET D1228/Y1230, ALK G1202/L1196) and hotspots (KRAS/NRAS G12/G13/Q61, BRAF V600, PIK3CA,
//!   EGFR sensitising, TP53) and clonal-haematopoiesis hotspots (DNMT3A R882, JAK2 V617, ...),
//!   each with its source. A residue is mapped to its codon on the gene's canonical transcript
//!   (MANE Select first) and scanned only when the reference codon codes the listed amino acid,
//!   which guards against another isoform's numbering;
//! - clonal haematopoiesis (`data/monitor/ch_genes.tsv`): a plasma variant in one of these genes
//!   may come from blood cells, not the tumor (Razavi et al. 2019); it is flagged possibly
//!   haematopoietic unless a matched white-cell normal was sequenced and lacks it. Tracked
//!   variants in these genes are left out of the MRD test on the same grounds.

use std::collections::{BTreeSet, HashSet};
use std::sync::OnceLock;

use super::annotate::{canonical_per_gene, revcomp, translate_codon};
use super::kb::Kb;
use super::oncogenicity::classify;
use super::oncotree::OncoTree;
use super::tier::tier;
use super::triage::variant_alteration;
use crate::types::monitor::WatchReason;
use crate::types::report::{Finding, Oncogenicity};
use crate::types::transcript::{Annotation, Transcript};
use crate::types::Pos0;

const WATCHLIST: &str = include_str!("../../data/monitor/watchlist.tsv");
const CH_GENES: &str = include_str!("../../data/monitor/ch_genes.tsv");

/// One watched residue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WatchResidue {
    /// Gene symbol.
    pub gene: String,
    /// Reference amino acid (one letter).
    pub aa: u8,
    /// Protein position.
    pub pos: u32,
    /// Why it is watched.
    pub watched_as: WatchReason,
}

fn table(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .map(|l| l.split('\t').collect())
}

/// The compiled watchlist.
pub(crate) fn watchlist() -> &'static [WatchResidue] {
    static W: OnceLock<Vec<WatchResidue>> = OnceLock::new();
    W.get_or_init(|| {
        table(WATCHLIST)
            .map(|f| {
                let residue = f[1].as_bytes();
                WatchResidue {
                    gene: f[0].to_string(),
                    aa: residue[0],
                    pos: f[1][1..].parse().expect("watchlist residues are like T790"),
                    watched_as: match f[2] {
                        "resistance" => WatchReason::Resistance,
                        "hotspot" => WatchReason::Hotspot,
                        "clonal_haematopoiesis" => WatchReason::ClonalHaematopoiesis,
                        other => panic!("watchlist: unknown reason {other}"),
                    },
                }
            })
            .collect()
    })
}

/// Whether `gene` is a clonal-haematopoiesis gene.
pub(crate) fn is_ch_gene(gene: &str) -> bool {
    static G: OnceLock<BTreeSet<String>> = OnceLock::new();
    G.get_or_init(|| table(CH_GENES).map(|f| f[0].to_string()).collect())
        .contains(gene)
}

/// A watched codon on the genome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WatchCodon {
    /// The residue.
    pub residue: WatchResidue,
    /// Transcript used.
    pub transcript: String,
    /// Contig.
    pub chrom: String,
    /// Genomic positions of the codon's three bases (in codon order).
    pub positions: [Pos0; 3],
}

/// Genomic position of CDS offset `o` (0-based, from the A of the start codon) on `t`.
fn cds_to_genome(t: &Transcript, o: u64) -> Option<Pos0> {
    let mut left = o;
    for s in &t.cds {
        if left < s.len() {
            return Some(if t.strand > 0 {
                s.start + left
            } else {
                s.last() - left
            });
        }
        left -= s.len();
    }
    None
}

/// The watched codons on `models` (canonical transcript per gene); `ref_at(chrom, pos)` gives
/// the forward-strand base at `pos`. Returns the codons and the residues skipped (no
/// transcript, or another amino acid at that position), in words.
pub(crate) fn watch_codons(
    models: &[Transcript],
    preferred: &HashSet<String>,
    ref_at: &dyn Fn(&str, Pos0) -> u8,
) -> (Vec<WatchCodon>, Vec<String>) {
    let canon = canonical_per_gene(models, preferred);
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for r in watchlist() {
        let name = format!("{} {}{}", r.gene, r.aa as char, r.pos);
        let Some(t) = canon.iter().find(|t| t.gene == r.gene && t.coding) else {
            skipped.push(format!("{name}: no transcript model"));
            continue;
        };
        let o = (r.pos as u64 - 1) * 3;
        let pos: Option<Vec<Pos0>> = (0..3).map(|k| cds_to_genome(t, o + k)).collect();
        let Some(pos) = pos else {
            skipped.push(format!("{name}: beyond the CDS of {}", t.id));
            continue;
        };
        let mut codon: Vec<u8> = pos.iter().map(|&p| ref_at(&t.contig, p)).collect();
        if t.strand < 0 {
            codon = revcomp(&codon);
            // revcomp reverses the order; the codon is read 5'->3' on the transcript, which on
            // the minus strand is the complement of each base in the order of `pos`
            codon.reverse();
        }
        let aa = translate_codon(&codon);
        if aa != r.aa {
            skipped.push(format!(
                "{name}: {} codes {} there (another isoform's numbering?)",
                t.id, aa as char
            ));
            continue;
        }
        out.push(WatchCodon {
            residue: r.clone(),
            transcript: t.id.clone(),
            chrom: t.contig.clone(),
            positions: [pos[0], pos[1], pos[2]],
        });
    }
    (out, skipped)
}

/// Oncogenicity and knowledge-base findings of an annotated new variant (findings need a
/// cancer type).
pub(crate) fn interpret(
    a: &Annotation,
    kb: &Kb,
    tree: &OncoTree,
    cancer: Option<&str>,
) -> (Oncogenicity, Vec<Finding>) {
    let alt = variant_alteration(a);
    let onc = classify(&alt, kb);
    let findings = match cancer {
        Some(c) => tier(kb, tree, c, std::slice::from_ref(&alt)),
        None => Vec::new(),
    };
    (onc, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    // the numbers below are 1-based, as a GFF writes them
    use crate::types::one_based::{pos as g, spans as c1};

    #[test]
    fn the_tables_parse() {
        let w = watchlist();
        assert!(w
            .iter()
            .any(|r| r.gene == "EGFR" && r.pos == 790 && r.aa == b'T'));
        assert!(w
            .iter()
            .any(|r| r.gene == "DNMT3A" && r.watched_as == WatchReason::ClonalHaematopoiesis));
        assert!(is_ch_gene("DNMT3A") && is_ch_gene("TET2") && !is_ch_gene("EGFR"));
    }

    #[test]
    fn codons_map_on_both_strands() {
        let plus = Transcript {
            id: "T1".into(),
            gene: "G".into(),
            contig: "c".into(),
            strand: 1,
            exons: c1(&[(1, 100)]),
            cds: c1(&[(10, 14), (20, 40)]),
            coding: true,
            mane: true,
            canonical: false,
            lrg_primary: false,
        };
        // codon 2 = CDS offsets 3,4,5 = 13, 14, 20
        assert_eq!(cds_to_genome(&plus, 3), Some(g(13)));
        assert_eq!(cds_to_genome(&plus, 5), Some(g(20)));
        let minus = Transcript {
            strand: -1,
            cds: c1(&[(30, 40), (10, 14)]),
            ..plus
        };
        assert_eq!(cds_to_genome(&minus, 0), Some(g(40)));
        assert_eq!(cds_to_genome(&minus, 11), Some(g(14)));
    }
}
