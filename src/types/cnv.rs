//! Copy number as `results.json` carries it: segments, gene-level calls, the purity/ploidy fit
//! and a downsampled profile for plots.
//!
//! Coordinates are 0-based half-open ([`Pos0`] `start`, `end`), as in BED; `copy_number.seg`
//! writes them 1-based (`loc.start` = `start` + 1), as DNAcopy and IGV read it. Contigs are
//! names: a segment may come from another tool's file (`report --cnv`), whose contigs the
//! reference need not hold.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Pos0, Span};

/// What a segment or gene is called. `call` fields compare with the tumor's fitted ploidy
/// (see [`CnCallBasis`]); `absolute_call` fields compare the absolute copy number with the two
/// copies of a normal cell.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CnCall {
    /// Copy number below 0.5: no copy left in the tumor cells.
    DeepDeletion,
    /// Fewer copies than the tumor's ploidy (at least one).
    Loss,
    /// As many copies as the tumor's ploidy.
    Neutral,
    /// More copies than the ploidy, below the amplification threshold.
    Gain,
    /// At or above the amplification threshold.
    Amplification,
}

impl CnCall {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            CnCall::DeepDeletion => "deep_deletion",
            CnCall::Loss => "loss",
            CnCall::Neutral => "neutral",
            CnCall::Gain => "gain",
            CnCall::Amplification => "amplification",
        }
    }

    /// The call of a snake_case name.
    pub fn parse(s: &str) -> Option<CnCall> {
        [
            CnCall::DeepDeletion,
            CnCall::Loss,
            CnCall::Neutral,
            CnCall::Gain,
            CnCall::Amplification,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// What a segment's or gene's `call` is relative to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CnCallBasis {
    /// The integer copy number against the fitted ploidy (neutral within 0.7 of it): at ploidy
    /// 2.4, 2 and 3 copies are both neutral.
    FittedPloidy,
    /// No purity/ploidy: the depth ratio alone (gain above log2 0.2, loss below -0.25).
    DepthRatio,
}

/// What the tumor's depth was compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CnReferenceKind {
    /// The matched normal of the same run.
    MatchedNormal,
    /// A copy-number reference built by `oncostream pon` from unrelated normals.
    PanelOfNormals,
    /// Not known here: the copy number was read from another pipeline's file
    /// (`report --cnv`, see `external`).
    External,
}

/// One segment of constant copy number.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct CnSegment {
    /// Contig.
    pub chrom: String,
    /// 0-based start.
    pub start: Pos0,
    /// 0-based exclusive end.
    pub end: Pos0,
    /// Bins in the segment.
    pub bins: u32,
    /// Mean log2 tumor/reference depth ratio (normalised so that the genome-wide mean ratio is 1).
    pub log2_ratio: f64,
    /// Major-allele fraction in the tumor at the normal's heterozygous sites (0.5 = balanced);
    /// None with fewer than 10 sites.
    pub baf: Option<f64>,
    /// Heterozygous sites in the segment.
    pub het_sites: u32,
    /// Absolute copy number in the tumor cells at the fitted purity and ploidy (continuous).
    pub copy_number: Option<f64>,
    /// `copy_number` rounded.
    pub total_cn: Option<u32>,
    /// Copies of the more frequent allele (when the BAF allows).
    pub major_cn: Option<u32>,
    /// Copies of the less frequent allele (when the BAF allows).
    pub minor_cn: Option<u32>,
    /// Segment call, relative to the fitted ploidy (`call_basis`).
    pub call: CnCall,
    /// What `call` is relative to.
    #[serde(default = "ploidy_basis")]
    pub call_basis: CnCallBasis,
    /// The call against two copies (a normal cell): 0 deep deletion, 1 loss, 2 neutral, 3 or
    /// more gain, amplification from the same threshold as `call`; None without a purity.
    #[serde(default)]
    pub absolute_call: Option<CnCall>,
    /// Loss of heterozygosity (minor copy number 0 with at least one copy).
    pub loh: bool,
    /// The junction (`SV` id) this segment's start was placed on.
    #[serde(default)]
    pub start_junction: Option<String>,
    /// The junction this segment's end was placed on.
    #[serde(default)]
    pub end_junction: Option<String>,
}

impl CnSegment {
    /// The bases the segment covers.
    pub fn span(&self) -> Span {
        Span::new(self.start, self.end)
    }
}

impl GeneCopyNumber {
    /// The bases of the gene's transcript.
    pub fn span(&self) -> Span {
        Span::new(self.start, self.end)
    }
}

fn ploidy_basis() -> CnCallBasis {
    CnCallBasis::FittedPloidy
}

/// A gene's copy number (its transcript's span against the segments).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct GeneCopyNumber {
    /// Gene symbol.
    pub gene: String,
    /// Transcript whose span was used.
    pub transcript: String,
    /// Contig.
    pub chrom: String,
    /// 0-based start of the transcript.
    pub start: Pos0,
    /// 0-based exclusive end.
    pub end: Pos0,
    /// Lowest copy number over the gene (PURPLE's `minCopyNumber`).
    pub min_copy_number: Option<f64>,
    /// Highest copy number over the gene.
    pub max_copy_number: Option<f64>,
    /// Lowest log2 ratio of the segments over the gene; for a copy-number-only input (a PURPLE
    /// gene file, `report --cnv`) log2(min copy number / ploidy), a pure tumor's ratio.
    pub min_log2_ratio: f64,
    /// Minor-allele copy number of the segment with the lowest copy number.
    pub minor_cn: Option<u32>,
    /// Call from the lowest copy number (amplification: the whole gene is amplified), relative
    /// to the fitted ploidy (`call_basis`).
    pub call: CnCall,
    /// What `call` is relative to.
    #[serde(default = "ploidy_basis")]
    pub call_basis: CnCallBasis,
    /// The lowest copy number against two copies (see [`CnSegment::absolute_call`]).
    #[serde(default)]
    pub absolute_call: Option<CnCall>,
    /// Loss of heterozygosity over part of the gene.
    pub loh: bool,
    /// Segments overlapping the gene.
    pub segments: u32,
}

/// The purity/ploidy fit of the copy-number profile.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct CnFit {
    /// Purity of the best copy-number/BAF fit (without the VAF estimate).
    pub purity: f64,
    /// Ploidy of that fit.
    pub ploidy: f64,
    /// True when the profile alone pins the purity down (every purity more than 0.1 away fits
    /// clearly worse); a flat diploid profile, or one with only gains, does not.
    pub identifiable: bool,
    /// Purities whose best fit is within the tolerance of the best (low, high).
    pub purity_range: (f64, f64),
    /// A whole-genome-doubled solution (purity, ploidy) that fits as well: the data cannot
    /// tell the two apart; the non-doubled one is used.
    pub genome_doubled_alternative: Option<(f64, f64)>,
}

/// One point of the downsampled genome-wide profile (for plots).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct CnPoint {
    /// Contig.
    pub chrom: String,
    /// 0-based centre of the bins summarised.
    pub pos: Pos0,
    /// Median log2 ratio of the bins.
    pub log2_ratio: f64,
    /// Mean major-allele fraction at heterozygous sites in those bins.
    pub baf: Option<f64>,
}

/// The `copy_number` block of results.json.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct CopyNumberResult {
    /// What the tumor was compared with.
    pub reference: CnReferenceKind,
    /// Method summary.
    pub method: String,
    /// Bin size (bases).
    pub bin_size: u64,
    /// Bins laid over the processed regions.
    pub bins_total: usize,
    /// Bins kept after the N, depth and mappability filters.
    pub bins_used: usize,
    /// Heterozygous sites used for the BAF.
    pub het_sites: usize,
    /// Bin-to-bin noise of the log2 ratio (robust SD of differences / sqrt 2).
    pub noise: f64,
    /// Purity used for absolute copy numbers (see `purity` in results.json for the choice).
    pub purity: Option<f64>,
    /// Ploidy used for absolute copy numbers.
    pub ploidy: Option<f64>,
    /// The copy-number/BAF fit.
    pub fit: Option<CnFit>,
    /// Copy number from which a gene is amplified.
    pub amplification_threshold: f64,
    /// Log2 ratio of the copy-neutral state at the fitted purity and ploidy (0 without a fit):
    /// `copy_number.seg`'s `seg.mean` is `log2_ratio` minus this, so copy-neutral reads 0.
    pub neutral_log2_ratio: f64,
    /// Segments in genome order.
    pub segments: Vec<CnSegment>,
    /// Genes with a call other than neutral (every gene is in `copy_number_genes.tsv`).
    pub genes: Vec<GeneCopyNumber>,
    /// Genes evaluated (transcript models given).
    pub genes_evaluated: usize,
    /// Downsampled profile.
    pub profile: Vec<CnPoint>,
    /// What limits these results.
    pub warnings: Vec<String>,
    /// Read from another pipeline's output (`report --cnv`): the file, its format and MD5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<String>,
}

/// A copy-number reference for tumor-only runs, built by `oncostream pon`: per bin, the
/// median GC-corrected, median-normalised fragment density of the normals and their median
/// mappability (share of fragments with MAPQ >= the minimum).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CnvReference {
    /// Bin size the reference was built with.
    pub bin_size: u64,
    /// Normals it was built from.
    pub normals: usize,
    /// Rows in genome order: contig name, 0-based start, end, relative density, mappability.
    pub bins: Vec<(String, u64, u64, f64, f64)>,
}
