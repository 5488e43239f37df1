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
    /// Failed filters (empty = PASS), in catalogue order ([`Filter::ALL`]).
    pub filters: Vec<Filter>,
}

impl Call {
    /// True when no filter failed.
    pub(crate) fn is_pass(&self) -> bool {
        self.filters.is_empty()
    }

    /// Adds a filter once.
    pub fn fail(&mut self, filter: Filter) {
        if !self.filters.contains(&filter) {
            self.filters.push(filter);
        }
    }

    /// Whether the call failed `filter`.
    pub fn has(&self, filter: Filter) -> bool {
        self.filters.contains(&filter)
    }
}

/// A VCF FILTER of the caller (a closed set: the compiler lists every place a new one must be
/// handled). Declared in catalogue order, which is the order of a record's FILTER column and of
/// the `##FILTER` header lines; serialised by its VCF name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// Tumor LOD below --min-tlod: too little evidence that the allele is real
    WeakEvidence,
    /// Normal LOD below --min-nlod: the normal is not confidently reference here (variant or too shallow)
    NormalLod,
    /// Alt allele seen in the matched normal (germline or tumor-in-normal)
    NormalArtifact,
    /// Population allele frequency in the germline resource at or above --max-population-af
    Germline,
    /// Tumor-only: germline origin more likely than somatic given the allele fraction, purity, local copy number and population frequency (GERMQ < 3)
    GermlineAf,
    /// Site and allele present in the panel of normals (recurrent artifact or germline)
    PanelOfNormals,
    /// Alt reads almost all on one strand while reference reads are not
    StrandBias,
    /// Alt bases lie near read ends (median distance below --min-end-distance)
    Position,
    /// Median base quality of alt reads below --min-median-bq
    BaseQual,
    /// Median mapping quality of alt reads below --min-median-mq
    MapQual,
    /// Three or more otherwise-passing events within 50 bp (misalignment or complex event)
    ClusteredEvents,
    /// One-unit indel in a homopolymer/microsatellite at low allele fraction (polymerase slippage)
    Slippage,
    /// Another somatic allele at this position is much better supported (this one has < 20% of its fragments: stutter or misread), or a third somatic allele
    Multiallelic,
    /// Alt reads come from few distinct fragments (unmarked PCR duplicates)
    Duplicate,
    /// Alt reads in one pair orientation as FFPE deamination (C>T F1R2, G>A F2R1) or oxoG (G>T F1R2, C>A F2R1) damage shows (ROQ < 3)
    Orientation,
}

impl Filter {
    /// Every filter, in catalogue order.
    pub const ALL: [Filter; 15] = [
        Filter::WeakEvidence,
        Filter::NormalLod,
        Filter::NormalArtifact,
        Filter::Germline,
        Filter::GermlineAf,
        Filter::PanelOfNormals,
        Filter::StrandBias,
        Filter::Position,
        Filter::BaseQual,
        Filter::MapQual,
        Filter::ClusteredEvents,
        Filter::Slippage,
        Filter::Multiallelic,
        Filter::Duplicate,
        Filter::Orientation,
    ];

    /// The VCF name.
    pub fn as_str(self) -> &'static str {
        match self {
            Filter::WeakEvidence => "weak_evidence",
            Filter::NormalLod => "normal_lod",
            Filter::NormalArtifact => "normal_artifact",
            Filter::Germline => "germline",
            Filter::GermlineAf => "germline_af",
            Filter::PanelOfNormals => "panel_of_normals",
            Filter::StrandBias => "strand_bias",
            Filter::Position => "position",
            Filter::BaseQual => "base_qual",
            Filter::MapQual => "map_qual",
            Filter::ClusteredEvents => "clustered_events",
            Filter::Slippage => "slippage",
            Filter::Multiallelic => "multiallelic",
            Filter::Duplicate => "duplicate",
            Filter::Orientation => "orientation",
        }
    }

    /// The `##FILTER` description.
    pub fn description(self) -> &'static str {
        match self {
            Filter::WeakEvidence => "Tumor LOD below --min-tlod: too little evidence that the allele is real",
            Filter::NormalLod => "Normal LOD below --min-nlod: the normal is not confidently reference here (variant or too shallow)",
            Filter::NormalArtifact => "Alt allele seen in the matched normal (germline or tumor-in-normal)",
            Filter::Germline => "Population allele frequency in the germline resource at or above --max-population-af",
            Filter::GermlineAf => "Tumor-only: germline origin more likely than somatic given the allele fraction, purity, local copy number and population frequency (GERMQ < 3)",
            Filter::PanelOfNormals => "Site and allele present in the panel of normals (recurrent artifact or germline)",
            Filter::StrandBias => "Alt reads almost all on one strand while reference reads are not",
            Filter::Position => "Alt bases lie near read ends (median distance below --min-end-distance)",
            Filter::BaseQual => "Median base quality of alt reads below --min-median-bq",
            Filter::MapQual => "Median mapping quality of alt reads below --min-median-mq",
            Filter::ClusteredEvents => "Three or more otherwise-passing events within 50 bp (misalignment or complex event)",
            Filter::Slippage => "One-unit indel in a homopolymer/microsatellite at low allele fraction (polymerase slippage)",
            Filter::Multiallelic => "Another somatic allele at this position is much better supported (this one has < 20% of its fragments: stutter or misread), or a third somatic allele",
            Filter::Duplicate => "Alt reads come from few distinct fragments (unmarked PCR duplicates)",
            Filter::Orientation => "Alt reads in one pair orientation as FFPE deamination (C>T F1R2, G>A F2R1) or oxoG (G>T F1R2, C>A F2R1) damage shows (ROQ < 3)",
        }
    }

    /// The filter of a VCF name.
    pub fn parse(name: &str) -> Option<Filter> {
        Filter::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

impl std::fmt::Display for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tumor SNV for unit tests: `alt_count` of `depth` fragments, PASS, good qualities.
#[cfg(test)]
pub(crate) fn test_snv(pos: u64, ref_allele: &str, alt: &str, alt_count: u32, depth: u32) -> Call {
    Call {
        contig: ContigId::new(0),
        pos: Pos0::new(pos),
        ref_allele: ref_allele.into(),
        alt_allele: alt.into(),
        kind: VarKind::Snv,
        tlod: 50.0,
        nlod: None,
        tumor: SampleSupport {
            depth,
            ref_count: depth - alt_count,
            alt_count,
            ..SampleSupport::default()
        },
        normal: None,
        alt_median_bq: 35,
        alt_median_mq: 60,
        alt_median_end_dist: 30,
        pop_af: None,
        pon_normals: None,
        repeat_len: 0,
        repeat_unit_len: 0,
        artifact_posterior: None,
        germline_posterior: None,
        filters: Vec::new(),
    }
}

/// Key of an allele in a resource: (contig name, 1-based POS, REF, ALT).
pub type AlleleKey = (String, u64, String, String);

/// Trims an allele pair to its minimal representation (common suffix, then common prefix
/// keeping one anchor base), as resources may list multi-allelic records unsplit.
pub(crate) fn minimal_alleles(pos: u64, r: &str, a: &str) -> (u64, String, String) {
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
