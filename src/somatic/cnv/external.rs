//! Copy number read from another pipeline's file (`report --cnv`): its rows as segments with
//! calls, or (PURPLE) as gene calls, by the same rules as `run`'s own.
//!
//! METHOD: a log2-only file (`.seg`, CNVkit `.cns`) with a purity `p` (`--cnv-purity`) gives
//! the absolute copy number of each segment as n = (2^log2 x (p x ploidy + 2(1 - p)) - 2(1 - p))
//! / p ([`super::fit::copy_number`], ploidy `--cnv-ploidy`, default 2; at ploidy 2 this is
//! CNVkit's `call --purity` rescaling), called against the ploidy ([`super::ploidy_call`]);
//! without a purity each segment is called from its ratio alone ([`super::depth_ratio_call`]:
//! amplification only where the ratio proves >= 6 copies). CNVkit `.call.cns` gives the copy
//! number (`cn`, and `cn1`/`cn2` for LOH) as CNVkit called it. Genes then take the lowest copy
//! number of the segments over their transcript (`genes::gene_calls`). PURPLE's gene
//! file is already per gene (`minCopyNumber`, `maxCopyNumber`, `minMinorAlleleCopyNumber`): each
//! row is called by the same ploidy rule.

use super::fit::copy_number;
use super::{absolute_call, depth_ratio_call, ploidy_call};
use crate::io::cn_input::{CnFileFormat, CnRow};
use crate::types::cnv::{CnCall, CnCallBasis, CnSegment, GeneCopyNumber};
use crate::types::round;

/// Ploidy assumed when a file and the flags give none (CNVkit's default, a diploid tumor).
pub const DEFAULT_PLOIDY: f64 = 2.0;

/// The segments of a segment file (not PURPLE's gene file), with calls. `purity` is used for
/// log2-only formats; `ploidy` is the tumor's (default [`DEFAULT_PLOIDY`]).
pub fn segments(
    rows: &[CnRow],
    format: CnFileFormat,
    purity: Option<f64>,
    ploidy: Option<f64>,
    amp_factor: f64,
) -> Vec<CnSegment> {
    let psi = ploidy.unwrap_or(DEFAULT_PLOIDY);
    rows.iter()
        .map(|row| {
            let r = row.log2.unwrap_or(0.0);
            let n = match (format, purity) {
                (CnFileFormat::CnvkitCall, _) => row.copy_number,
                (CnFileFormat::Seg | CnFileFormat::Cnvkit, Some(p)) => Some(copy_number(r, p, psi)),
                _ => None,
            };
            let (call, basis) = match n {
                Some(n) => (ploidy_call(n, psi, amp_factor), CnCallBasis::FittedPloidy),
                None => (depth_ratio_call(r, amp_factor), CnCallBasis::DepthRatio),
            };
            let (major, minor) = match row.allele_cn {
                Some((a, b)) => (Some(a.max(b)), Some(a.min(b))),
                None => (None, None),
            };
            CnSegment {
                chrom: row.chrom.clone(),
                start: row.span.start,
                end: row.span.end,
                bins: row.marks,
                log2_ratio: round(r, 4),
                baf: row.baf,
                het_sites: 0,
                copy_number: n.map(|v| round(v, 2)),
                total_cn: n.map(|v| v.round().max(0.0) as u32),
                major_cn: major,
                minor_cn: minor,
                call,
                call_basis: basis,
                absolute_call: n.map(|v| absolute_call(v, amp_factor * psi)),
                loh: minor == Some(0) && n.is_some_and(|v| v >= 0.5),
                start_junction: None,
                end_junction: None,
            }
        })
        .collect()
}

/// The genes of a PURPLE gene copy-number file, called against `ploidy` (default
/// [`DEFAULT_PLOIDY`]). `min_log2_ratio` is log2(min copy number / ploidy), what a pure tumor's
/// depth ratio would be: the file holds no ratio.
pub fn purple_genes(rows: &[CnRow], ploidy: Option<f64>, amp_factor: f64) -> Vec<GeneCopyNumber> {
    let psi = ploidy.unwrap_or(DEFAULT_PLOIDY);
    rows.iter()
        .map(|row| {
            let n = row.copy_number.unwrap_or(0.0);
            let minor = row.minor_cn;
            GeneCopyNumber {
                gene: row.gene.clone().unwrap_or_default(),
                transcript: row.transcript.clone().unwrap_or_default(),
                chrom: row.chrom.clone(),
                start: row.span.start,
                end: row.span.end,
                min_copy_number: Some(round(n, 2)),
                max_copy_number: row.max_copy_number.map(|v| round(v, 2)),
                min_log2_ratio: round((n.max(0.01) / psi).log2(), 4),
                minor_cn: minor.map(|m| m.round() as u32),
                call: ploidy_call(n, psi, amp_factor),
                call_basis: CnCallBasis::FittedPloidy,
                absolute_call: Some(absolute_call(n, amp_factor * psi)),
                loh: minor.is_some_and(|m| m < 0.5) && n >= 0.5,
                segments: 1,
            }
        })
        .collect()
}

/// True when a gene call belongs in the report's gene list (as `run`'s: not neutral, or LOH).
pub fn reported(g: &GeneCopyNumber) -> bool {
    g.call != CnCall::Neutral || g.loh
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(log2: f64, cn: Option<f64>) -> CnRow {
        CnRow {
            chrom: "chr17".into(),
            span: crate::types::Span::new(
                crate::types::Pos0::new(39_600_000),
                crate::types::Pos0::new(39_800_000),
            ),
            log2: Some(log2),
            copy_number: cn,
            marks: 40,
            ..CnRow::default()
        }
    }

    #[test]
    fn log2_with_a_purity_gives_the_absolute_copy_number() {
        // purity 0.5, ploidy 2: log2 1.5 -> 2^1.5 x 2 = 5.657; (5.657 - 1) / 0.5 = 9.31 copies
        let s = segments(
            &[row(1.5, None)],
            CnFileFormat::Cnvkit,
            Some(0.5),
            None,
            3.0,
        );
        assert_eq!(s[0].copy_number, Some(9.31));
        assert_eq!(s[0].call, CnCall::Amplification);
        assert_eq!(s[0].call_basis, CnCallBasis::FittedPloidy);
        // the same ratio without a purity: 2 x 2^1.5 = 5.66 < 6 copies proven: a gain only
        let s = segments(&[row(1.5, None)], CnFileFormat::Cnvkit, None, None, 3.0);
        assert_eq!((s[0].copy_number, s[0].call), (None, CnCall::Gain));
        assert_eq!(s[0].call_basis, CnCallBasis::DepthRatio);
        // log2(3) = 1.585 proves 6 copies at any purity
        let s = segments(&[row(1.6, None)], CnFileFormat::Seg, None, None, 3.0);
        assert_eq!(s[0].call, CnCall::Amplification);
    }

    #[test]
    fn a_call_cns_uses_cnvkits_copy_number_and_alleles() {
        let mut r = row(-1.0, Some(1.0));
        r.allele_cn = Some((1, 0));
        // --cnv-purity would not change CNVkit's own cn
        let s = segments(&[r], CnFileFormat::CnvkitCall, Some(0.3), None, 3.0);
        assert_eq!((s[0].copy_number, s[0].call), (Some(1.0), CnCall::Loss));
        assert!(s[0].loh);
        assert_eq!((s[0].major_cn, s[0].minor_cn), (Some(1), Some(0)));
    }

    #[test]
    fn purple_genes_are_called_against_the_ploidy() {
        let mut erbb2 = row(0.0, Some(18.4));
        erbb2.gene = Some("ERBB2".into());
        erbb2.max_copy_number = Some(19.0);
        let mut cdkn2a = row(0.0, Some(0.1));
        cdkn2a.gene = Some("CDKN2A".into());
        let mut tp53 = row(0.0, Some(1.9));
        tp53.gene = Some("TP53".into());
        tp53.minor_cn = Some(0.02);
        let g = purple_genes(&[erbb2, cdkn2a, tp53], Some(3.1), 3.0);
        let calls: Vec<CnCall> = g.iter().map(|g| g.call).collect();
        // 18.4 >= 3 x 3.1; 0.1 < 0.5; 2 copies at ploidy 3.1 is a loss, and LOH
        assert_eq!(
            calls,
            vec![CnCall::Amplification, CnCall::DeepDeletion, CnCall::Loss]
        );
        assert!(g[2].loh && !g[0].loh);
        assert_eq!(g[2].minor_cn, Some(0));
        // at ploidy 7 the 18.4 copies are a gain, not an amplification
        assert_eq!(
            purple_genes(&g_rows(), Some(7.0), 3.0)[0].call,
            CnCall::Gain
        );
    }

    fn g_rows() -> Vec<CnRow> {
        let mut r = row(0.0, Some(18.4));
        r.gene = Some("ERBB2".into());
        vec![r]
    }
}
