//! A somatic call as the caller produces it and the VCF writer writes it, and the catalogue of
//! its filters (one `##FILTER` line each).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ContigId, Pos0};

/// A non-reference allele as observed in reads, placed at its left-normalised anchor.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Allele {
    /// A substituted base (`A`, `C`, `G` or `T`).
    Snv(u8),
    /// A deletion of this many bases after the anchor.
    Del(u32),
    /// An insertion of these bases after the anchor.
    Ins(Vec<u8>),
}

/// Variant class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum VarKind {
    /// Single-nucleotide variant.
    Snv,
    /// Insertion.
    Ins,
    /// Deletion.
    Del,
}

/// Read support of one sample at a call.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SampleSupport {
    /// Depth (reads with a base or deletion at the position, overlapping mates once).
    pub depth: u32,
    /// Reads supporting the reference.
    pub ref_count: u32,
    /// Fragments supporting the alt allele.
    pub alt_count: u32,
    /// Reference fragments on the forward / reverse strand: `ref_count` split by the strand
    /// shares of the reference reads (both mates), so `ref_fwd + ref_rev = ref_count`.
    pub ref_fwd: u32,
    /// See `ref_fwd`.
    pub ref_rev: u32,
    /// Alt fragments whose kept read is on the forward / reverse strand.
    pub alt_fwd: u32,
    /// See `alt_fwd`.
    pub alt_rev: u32,
    /// Reference fragments in F1R2 orientation (read 1 forward or read 2 reverse): `ref_count`
    /// split by the orientation shares of the reference reads; F2R1 = `ref_count - ref_f1r2`.
    #[serde(default)]
    pub ref_f1r2: u32,
    /// Alt fragments in F1R2 orientation (a pair's property); F2R1 = `alt_count - alt_f1r2`.
    #[serde(default)]
    pub alt_f1r2: u32,
}

impl SampleSupport {
    /// Alt allele fraction `alt / depth` (0 without depth).
    pub fn af(&self) -> f64 {
        if self.depth == 0 {
            0.0
        } else {
            self.alt_count as f64 / self.depth as f64
        }
    }
}

/// A scored somatic candidate, as written to the VCF.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// Contig.
    pub contig: ContigId,
    /// 0-based position of the first base of `ref_allele` (VCF POS - 1).
    pub pos: Pos0,
    /// VCF REF.
    pub ref_allele: String,
    /// VCF ALT.
    pub alt_allele: String,
    /// Class.
    pub kind: VarKind,
    /// Tumor LOD.
    pub tlod: f64,
    /// Normal LOD (tumor-normal mode).
    pub nlod: Option<f64>,
    /// Tumor support.
    pub tumor: SampleSupport,
    /// Normal support (tumor-normal mode).
    pub normal: Option<SampleSupport>,
    /// Median base quality of alt reads (SNV).
    pub alt_median_bq: u8,
    /// Median mapping quality of alt reads.
    pub alt_median_mq: u8,
    /// Median distance of the alt base/event from the nearer read end.
    pub alt_median_end_dist: u16,
    /// Population allele frequency from the germline resource, when listed.
    pub pop_af: Option<f64>,
    /// Normals of the panel of normals that carry the allele, when listed.
    pub pon_normals: Option<u32>,
    /// Repeat tract length (bp) the indel sits in, 0 when none.
    pub repeat_len: u32,
    /// Length (bp) of the unit of that repeat tract (0 for SNVs).
    pub repeat_unit_len: u8,
    /// Posterior probability that the call is a read-orientation (FFPE deamination or oxoG)
    /// artifact (`somatic::filters::orientation_bias`; C>T, G>A, G>T, C>A SNVs only).
    #[serde(default)]
    pub artifact_posterior: Option<f64>,
    /// Tumor-only: posterior probability that the allele is germline (`somatic::germline`).
    #[serde(default)]
    pub germline_posterior: Option<f64>,
    /// Failed filters (empty = PASS), in the order of [`FILTERS`].
    pub filters: Vec<String>,
}

impl Call {
    /// True when no filter failed.
    pub fn is_pass(&self) -> bool {
        self.filters.is_empty()
    }

    /// Adds a filter once.
    pub fn fail(&mut self, name: &str) {
        if !self.filters.iter().any(|f| f == name) {
            self.filters.push(name.to_string());
        }
    }
}

/// Every filter name with its VCF header description, in a fixed order.
pub const FILTERS: &[(&str, &str)] = &[
    ("weak_evidence", "Tumor LOD below --min-tlod: too little evidence that the allele is real"),
    ("normal_lod", "Normal LOD below --min-nlod: the normal is not confidently reference here (variant or too shallow)"),
    ("normal_artifact", "Alt allele seen in the matched normal (germline or tumor-in-normal)"),
    ("germline", "Population allele frequency in the germline resource at or above --max-population-af"),
    ("germline_af", "Tumor-only: germline origin more likely than somatic given the allele fraction, purity, local copy number and population frequency (GERMQ < 3)"),
    ("panel_of_normals", "Site and allele present in the panel of normals (recurrent artifact or germline)"),
    ("strand_bias", "Alt reads almost all on one strand while reference reads are not"),
    ("position", "Alt bases lie near read ends (median distance below --min-end-distance)"),
    ("base_qual", "Median base quality of alt reads below --min-median-bq"),
    ("map_qual", "Median mapping quality of alt reads below --min-median-mq"),
    ("clustered_events", "Three or more otherwise-passing events within 50 bp (misalignment or complex event)"),
    ("slippage", "One-unit indel in a homopolymer/microsatellite at low allele fraction (polymerase slippage)"),
    ("multiallelic", "Another somatic allele at this position is much better supported (this one has < 20% of its fragments: stutter or misread), or a third somatic allele"),
    ("duplicate", "Alt reads come from few distinct fragments (unmarked PCR duplicates)"),
    ("orientation", "Alt reads in one pair orientation as FFPE deamination (C>T F1R2, G>A F2R1) or oxoG (G>T F1R2, C>A F2R1) damage shows (ROQ < 3)"),
];

/// Key of an allele in a resource: (contig name, 1-based POS, REF, ALT).
pub type AlleleKey = (String, u64, String, String);

/// Trims an allele pair to its minimal representation (common suffix, then common prefix
/// keeping one anchor base), as resources may list multi-allelic records unsplit.
pub fn minimal_alleles(pos: u64, r: &str, a: &str) -> (u64, String, String) {
    let (mut r, mut a) = (r.as_bytes().to_vec(), a.as_bytes().to_vec());
    while r.len() > 1 && a.len() > 1 && r.last() == a.last() {
        r.pop();
        a.pop();
    }
    let mut pos = pos;
    while r.len() > 1 && a.len() > 1 && r[0] == a[0] {
        r.remove(0);
        a.remove(0);
        pos += 1;
    }
    (
        pos,
        String::from_utf8_lossy(&r).into_owned(),
        String::from_utf8_lossy(&a).into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_trims_multiallelic_leftovers() {
        assert_eq!(
            minimal_alleles(10, "ACT", "A"),
            (10, "ACT".into(), "A".into())
        );
        assert_eq!(
            minimal_alleles(10, "ACT", "ACTT"),
            (11, "C".into(), "CT".into())
        );
        assert_eq!(
            minimal_alleles(10, "CAT", "CGT"),
            (11, "A".into(), "G".into())
        );
    }
}
