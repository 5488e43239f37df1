//! Gene fusions from junctions and transcript models.
//!
//! METHOD: a transcript at a breakend contributes its 5' part when the kept sequence holds its
//! start (forward gene and the kept side to the left of the breakend, or reverse gene and the
//! kept side to the right), otherwise its 3' part; a junction makes a fusion when one side
//! gives a 5' part and the other a 3' part (HGNC notation `FIVE::THREE`). The breakend is
//! numbered on the transcript (exon k, or intron k between exons k and k+1, transcript
//! order). The fusion keeps the reading frame when the coding bases kept of the 5' partner
//! and the coding bases lost from the 3' partner are congruent mod 3 (the 3' exon then starts
//! with the codon phase the 5' side ends with); it is `not_coding` when the 5' side keeps no
//! coding base or all of them (its own stop), or the 3' side keeps none. One transcript per
//! gene is used (see `somatic::cnv::genes::gene_spans`). Known fusions: the gene pairs of
//! CIViC's fusion variants (`data/fusions/civic_fusions.tsv`, CC0).

use std::collections::HashMap;

use crate::types::sv::{Frame, Fusion, FusionPartner, Orientation, StructuralVariant};
use crate::types::transcript::Transcript;
use crate::types::{Pos0, Span};

/// The shipped list of known fusions.
pub(crate) const KNOWN_FUSIONS: &str = include_str!("../../data/fusions/civic_fusions.tsv");

/// Known fusion pairs, with their source URL.
#[derive(Clone, Debug, Default)]
pub struct KnownFusions {
    pairs: HashMap<(String, String), String>,
}

impl KnownFusions {
    /// The shipped list.
    pub fn bundled() -> KnownFusions {
        KnownFusions::parse(KNOWN_FUSIONS)
    }

    /// Parses `five_prime three_prime id url` rows (`#` comments and a header allowed).
    pub fn parse(text: &str) -> KnownFusions {
        let mut pairs = HashMap::new();
        for line in text.lines() {
            if line.starts_with('#') || line.starts_with("five_prime") || line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() >= 4 {
                pairs.insert((f[0].to_string(), f[1].to_string()), f[3].to_string());
            }
        }
        KnownFusions { pairs }
    }

    /// The source of a known pair.
    pub fn source(&self, five: &str, three: &str) -> Option<&str> {
        self.pairs
            .get(&(five.to_string(), three.to_string()))
            .map(String::as_str)
    }

    /// Pairs listed.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

/// Genes (one transcript each) whose span holds `pos`.
pub(crate) fn genes_at<'a>(
    genes: &[&'a Transcript],
    chrom: &str,
    pos: Pos0,
) -> Vec<&'a Transcript> {
    genes
        .iter()
        .filter(|t| t.contig == chrom && t.span().contains(pos))
        .copied()
        .collect()
}

/// Bases of `segs` upstream of `pos` in transcript direction (`inclusive`: `pos` counts).
fn upstream(segs: &[Span], strand: i8, pos: Pos0, inclusive: bool) -> u64 {
    segs.iter()
        .map(|s| {
            if strand >= 0 {
                // the bases of [start, bound): bound is just past the last base kept
                let bound = if inclusive { pos + 1 } else { pos };
                bound.min(s.end).get().saturating_sub(s.start.get())
            } else {
                // the bases of [from, end)
                let from = if inclusive { pos } else { pos + 1 };
                s.end.get().saturating_sub(from.max(s.start).get())
            }
        })
        .sum()
}

/// (location text, exon number kept, exonic) of `pos` on `t`; `five`: the 5' partner (the last
/// exon kept) or the 3' partner (the first exon kept).
fn locate(t: &Transcript, pos: Pos0, five: bool) -> (String, Option<u32>, bool) {
    let n = t.exons.len() as u32;
    for (k, e) in t.exons.iter().enumerate() {
        if e.contains(pos) {
            return (format!("exon {}/{}", k + 1, n), Some(k as u32 + 1), true);
        }
    }
    // intron k lies between exons k and k+1 (transcript order)
    for k in 0..t.exons.len().saturating_sub(1) {
        let (a, b) = (t.exons[k], t.exons[k + 1]);
        let inside = if t.strand >= 0 {
            a.end <= pos && pos < b.start
        } else {
            b.end <= pos && pos < a.start
        };
        if inside {
            let kept = if five { k as u32 + 1 } else { k as u32 + 2 };
            return (format!("intron {}/{}", k + 1, n - 1), Some(kept), false);
        }
    }
    ("outside".into(), None, false)
}

fn is_five(t: &Transcript, ori: Orientation) -> bool {
    matches!(
        (t.strand >= 0, ori),
        (true, Orientation::Plus) | (false, Orientation::Minus)
    )
}

fn partner(t: &Transcript, pos: Pos0, five: bool) -> FusionPartner {
    let (location, exon, exonic) = locate(t, pos, five);
    FusionPartner {
        gene: t.gene.clone(),
        transcript: t.id.clone(),
        chrom: t.contig.clone(),
        pos: pos.to_pos1(),
        strand: if t.strand >= 0 { '+' } else { '-' },
        location,
        exon,
        exonic,
    }
}

/// The frame at a junction of 5' transcript `f` (kept up to `pf`, included) and 3' transcript
/// `t` (kept from `pt`, included).
pub fn frame(f: &Transcript, pf: Pos0, t: &Transcript, pt: Pos0) -> Frame {
    let (total5, total3) = (f.cds_len(), t.cds_len());
    if total5 == 0 || total3 == 0 {
        return Frame::NotCoding;
    }
    let kept5 = upstream(&f.cds, f.strand, pf, true);
    let lost3 = upstream(&t.cds, t.strand, pt, false);
    if kept5 == 0 || kept5 >= total5 || lost3 >= total3 {
        return Frame::NotCoding;
    }
    if kept5 % 3 == lost3 % 3 {
        Frame::InFrame
    } else {
        Frame::OutOfFrame
    }
}

/// Fusions of the somatic junctions.
pub fn interpret(
    svs: &[StructuralVariant],
    genes: &[&Transcript],
    known: &KnownFusions,
) -> Vec<Fusion> {
    let mut out = Vec::new();
    for sv in svs {
        let p1 = sv.pos1.to_pos0();
        let p2 = sv.pos2.to_pos0();
        for t1 in genes_at(genes, &sv.chrom1, p1) {
            for t2 in genes_at(genes, &sv.chrom2, p2) {
                let (f1, f2) = (is_five(t1, sv.orientation1), is_five(t2, sv.orientation2));
                if f1 == f2 {
                    continue;
                }
                let ((f, pf), (t, pt)) = if f1 {
                    ((t1, p1), (t2, p2))
                } else {
                    ((t2, p2), (t1, p1))
                };
                let fr = if sv.precise {
                    frame(f, pf, t, pt)
                } else {
                    Frame::Unknown
                };
                let five_prime = partner(f, pf, true);
                let three_prime = partner(t, pt, false);
                let src = known.source(&f.gene, &t.gene);
                out.push(Fusion {
                    name: format!("{}::{}", f.gene, t.gene),
                    five_prime,
                    three_prime,
                    frame: fr,
                    sv_id: sv.id.clone(),
                    tumor: sv.tumor,
                    intragenic: f.gene == t.gene,
                    known_fusion: src.is_some(),
                    known_source: src.map(str::to_string),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // the numbers below are 1-based, as a GFF writes them
    use crate::types::one_based::{pos as g, spans as c1};

    fn tx(gene: &str, strand: i8, exons: &[(u64, u64)], cds: &[(u64, u64)]) -> Transcript {
        Transcript {
            id: format!("{gene}.1"),
            gene: gene.into(),
            contig: "c".into(),
            strand,
            exons: c1(exons),
            cds: c1(cds),
            coding: !cds.is_empty(),
            mane: false,
            canonical: false,
            lrg_primary: false,
        }
    }

    #[test]
    fn five_and_three_prime_parts_follow_strand_and_orientation() {
        // forward gene A: exons 100-200 (CDS 151-200: 50 bases), 300-400 (CDS 300-400: 101)
        let a = tx("A", 1, &[(100, 200), (300, 400)], &[(151, 200), (300, 400)]);
        // reverse gene B: exons 1300-1400, 1100-1200 (transcript order); CDS 1300-1340 (41), 1100-1200
        let b = tx(
            "B",
            -1,
            &[(1300, 1400), (1100, 1200)],
            &[(1300, 1340), (1100, 1200)],
        );
        // A intron 1 kept to the left (+), B intron 1 kept to the left (+): B's 3' part
        assert!(is_five(&a, Orientation::Plus));
        assert!(!is_five(&b, Orientation::Plus));
        assert_eq!(
            locate(&a, g(250), true),
            ("intron 1/1".into(), Some(1), false)
        );
        assert_eq!(
            locate(&b, g(1250), false),
            ("intron 1/1".into(), Some(2), false)
        );
        // kept CDS of A: 50; lost CDS of B before exon 2: 41 -> 50 % 3 = 2, 41 % 3 = 2: in frame
        assert_eq!(upstream(&a.cds, 1, g(250), true), 50);
        assert_eq!(upstream(&b.cds, -1, g(1250), false), 41);
        assert_eq!(frame(&a, g(250), &b, g(1250)), Frame::InFrame);
        // A's 5' part ending in the 5' UTR keeps no coding base
        assert_eq!(frame(&a, g(120), &b, g(1250)), Frame::NotCoding);
        // an exonic breakend one base further shifts the frame
        assert_eq!(frame(&a, g(301), &b, g(1250)), Frame::OutOfFrame);
    }

    #[test]
    fn bundled_list_knows_etv6_ntrk3() {
        let k = KnownFusions::bundled();
        assert!(k.len() > 100);
        assert!(k
            .source("ETV6", "NTRK3")
            .unwrap()
            .contains("civicdb.org/links/variants/801"));
        assert!(k.source("NTRK3", "ETV6").is_none());
    }
}
