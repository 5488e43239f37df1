//! Gene-level copy number: each gene's transcript span against the segments.
//!
//! METHOD: as PURPLE's gene copy number: a gene's copy number is the lowest copy number of the
//! segments over its transcript span (`min_copy_number`), so an amplification is called only
//! when the whole gene is amplified, and a deep deletion when any part of it has no copy left
//! (the gene cannot be intact). One transcript per gene, the annotation's canonical choice
//! (`clinical::annotate::canonical_per_gene`).

use crate::types::cnv::{CnCall, CnCallBasis, CnSegment, GeneCopyNumber};
use crate::types::round;
use crate::types::transcript::Transcript;

/// Gene calls from the segments. Genes over no segment (outside the processed regions, or in
/// bins that were filtered out) are left out.
pub(crate) fn gene_calls(
    segments: &[CnSegment],
    genes: &[&Transcript],
    ploidy: Option<f64>,
    amp_factor: f64,
) -> Vec<GeneCopyNumber> {
    let mut out = Vec::new();
    for t in genes {
        let span = t.span();
        let over: Vec<&CnSegment> = segments
            .iter()
            .filter(|s| s.chrom == t.contig && s.span().overlaps(span))
            .collect();
        if over.is_empty() {
            continue;
        }
        let lowest = over
            .iter()
            .min_by(|a, b| {
                a.copy_number
                    .unwrap_or(a.log2_ratio)
                    .total_cmp(&b.copy_number.unwrap_or(b.log2_ratio))
            })
            .expect("non-empty");
        let min_cn = over.iter().filter_map(|s| s.copy_number).reduce(f64::min);
        let max_cn = over.iter().filter_map(|s| s.copy_number).reduce(f64::max);
        let min_r = over
            .iter()
            .map(|s| s.log2_ratio)
            .fold(f64::INFINITY, f64::min);
        let call = match (min_cn, ploidy) {
            (Some(n), Some(psi)) => {
                if n < 0.5 {
                    CnCall::DeepDeletion
                } else if n >= amp_factor * psi {
                    CnCall::Amplification
                } else {
                    lowest.call
                }
            }
            _ => {
                // purity unknown: the lowest segment's ratio-based call
                over.iter()
                    .map(|s| s.call)
                    .min_by_key(|c| match c {
                        CnCall::Amplification => 4,
                        CnCall::Gain => 3,
                        CnCall::Neutral => 2,
                        CnCall::Loss => 1,
                        CnCall::DeepDeletion => 0,
                    })
                    .unwrap_or(CnCall::Neutral)
            }
        };
        out.push(GeneCopyNumber {
            gene: t.gene.clone(),
            transcript: t.id.clone(),
            chrom: t.contig.clone(),
            start: span.start,
            end: span.end,
            min_copy_number: min_cn.map(|v| round(v, 2)),
            max_copy_number: max_cn.map(|v| round(v, 2)),
            min_log2_ratio: round(min_r, 4),
            minor_cn: lowest.minor_cn,
            call,
            call_basis: if min_cn.is_some() && ploidy.is_some() {
                CnCallBasis::FittedPloidy
            } else {
                CnCallBasis::DepthRatio
            },
            absolute_call: match (min_cn, ploidy) {
                (Some(n), Some(psi)) => Some(super::absolute_call(n, amp_factor * psi)),
                _ => None,
            },
            loh: over.iter().any(|s| s.loh),
            segments: over.len() as u32,
        });
    }
    out.sort_by(|a, b| (&a.chrom, a.start, &a.gene).cmp(&(&b.chrom, b.start, &b.gene)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Pos0, Span};

    fn seg(start: u64, end: u64, cn: f64, call: CnCall) -> CnSegment {
        CnSegment {
            chrom: "chr1".into(),
            start: Pos0::new(start),
            end: Pos0::new(end),
            bins: 10,
            log2_ratio: 0.0,
            baf: None,
            het_sites: 0,
            copy_number: Some(cn),
            total_cn: Some(cn.round() as u32),
            major_cn: None,
            minor_cn: None,
            call,
            call_basis: CnCallBasis::FittedPloidy,
            absolute_call: None,
            loh: false,
            start_junction: None,
            end_junction: None,
        }
    }

    fn tx(id: &str, gene: &str, s: u64, e: u64, coding: bool) -> Transcript {
        Transcript {
            id: id.into(),
            gene: gene.into(),
            contig: "chr1".into(),
            strand: 1,
            // 1-based closed s..=s+10 and e-10..=e
            exons: vec![
                Span::new(Pos0::new(s - 1), Pos0::new(s + 10)),
                Span::new(Pos0::new(e - 11), Pos0::new(e)),
            ],
            cds: vec![],
            coding,
            mane: false,
            canonical: false,
            lrg_primary: false,
        }
    }

    #[test]
    fn a_gene_is_amplified_only_when_all_of_it_is() {
        let segs = vec![
            seg(0, 1000, 2.0, CnCall::Neutral),
            seg(1000, 2000, 8.0, CnCall::Amplification),
            seg(2000, 3000, 0.1, CnCall::DeepDeletion),
        ];
        let a = tx("A.1", "A", 1101, 1900, true);
        let b = tx("B.1", "B", 901, 1900, true);
        let c = tx("C.1", "C", 1901, 2100, true);
        let calls = gene_calls(&segs, &[&a, &b, &c], Some(2.0), 3.0);
        let got: Vec<(&str, CnCall)> = calls.iter().map(|g| (g.gene.as_str(), g.call)).collect();
        assert_eq!(
            got,
            vec![
                ("B", CnCall::Neutral),
                ("A", CnCall::Amplification),
                ("C", CnCall::DeepDeletion)
            ]
        );
        assert_eq!(calls[1].min_copy_number, Some(8.0));
    }
}
