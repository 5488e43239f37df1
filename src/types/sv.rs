//! Structural variants and fusions as `results.json` carries them.
//!
//! A junction joins two breakends. Each breakend has an orientation, as in BEDPE: `+` when the
//! sequence kept at the junction lies to the LEFT of (and ends at) `pos`, `-` when it lies to the
//! RIGHT of (and starts at) `pos`. So a deletion is `+`/`-` (pos1 < pos2), a tandem duplication
//! `-`/`+`, an inversion `+`/`+` or `-`/`-`. Breakend positions are 1-based ([`Pos1`], as the VCF
//! writes them); the copy-number change a junction explains is a 0-based half-open span
//! ([`CnChange`] `start`, `end`), as every copy-number segment.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Pos0, Pos1};

/// The class of a rearrangement.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SvType {
    /// Same contig, `+`/`-`.
    Deletion,
    /// Same contig, `-`/`+`.
    Duplication,
    /// Same contig, same orientation.
    Inversion,
    /// Two contigs.
    Translocation,
}

impl SvType {
    /// The class of a junction: two contigs a translocation, else by the orientations of the
    /// lower (`o1`) and upper (`o2`) breakend (see the module docs).
    pub fn of(same_contig: bool, o1: Orientation, o2: Orientation) -> SvType {
        if !same_contig {
            return SvType::Translocation;
        }
        match (o1, o2) {
            (Orientation::Plus, Orientation::Minus) => SvType::Deletion,
            (Orientation::Minus, Orientation::Plus) => SvType::Duplication,
            _ => SvType::Inversion,
        }
    }

    /// The VCF-style short name (`DEL`, `DUP`, `INV`, `TRA`).
    pub fn short(self) -> &'static str {
        match self {
            SvType::Deletion => "DEL",
            SvType::Duplication => "DUP",
            SvType::Inversion => "INV",
            SvType::Translocation => "TRA",
        }
    }
}

/// A breakend orientation.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Orientation {
    /// Kept sequence ends at `pos` (lies to its left).
    #[serde(rename = "+")]
    Plus,
    /// Kept sequence starts at `pos` (lies to its right).
    #[serde(rename = "-")]
    Minus,
}

impl Orientation {
    /// `+` or `-`.
    pub fn symbol(self) -> char {
        match self {
            Orientation::Plus => '+',
            Orientation::Minus => '-',
        }
    }
}

/// Reads supporting a junction in one sample.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct SvSupport {
    /// Fragments with a split read across the junction (`SA` tag, or soft-clipped at the
    /// breakend).
    pub split_reads: u32,
    /// Discordant pairs (not properly paired, placed and oriented for the junction).
    pub discordant_pairs: u32,
}

/// One somatic junction.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct StructuralVariant {
    /// Identifier (`SV1`, ...), as in sv.vcf.gz (`SV1_1`, `SV1_2` for the two breakends).
    pub id: String,
    /// Class.
    pub sv_type: SvType,
    /// First breakend contig.
    pub chrom1: String,
    /// First breakend position.
    pub pos1: Pos1,
    /// First breakend orientation.
    pub orientation1: Orientation,
    /// Second breakend contig.
    pub chrom2: String,
    /// Second breakend position.
    pub pos2: Pos1,
    /// Second breakend orientation.
    pub orientation2: Orientation,
    /// True when split reads give the exact junction; otherwise positions come from discordant
    /// pairs and are within `ci` bases.
    pub precise: bool,
    /// Uncertainty of imprecise positions (bases): the junction lies within `ci` bases beyond
    /// each breakend on its kept side's far side (`CIPOS`/`CIEND` in sv.vcf.gz).
    pub ci: u32,
    /// Breakpoint homology of a precise junction: the same junction can be written up to this
    /// many bases to the right (positions are the leftmost placement; `HOMLEN`).
    #[serde(default)]
    pub homology_length: u32,
    /// Reported below the read-support thresholds because a copy-number step matches it.
    #[serde(default)]
    pub copy_number_supported: bool,
    /// The copy-number change this junction explains (copy number assessed).
    #[serde(default)]
    pub copy_number_change: Option<CnChange>,
    /// Tumor support.
    pub tumor: SvSupport,
    /// Matched-normal support (None tumor-only).
    pub normal: Option<SvSupport>,
    /// Length for same-contig events.
    pub length: Option<u64>,
    /// Genes at the first breakend.
    pub genes1: Vec<String>,
    /// Genes at the second breakend.
    pub genes2: Vec<String>,
}

/// The copy-number change a junction explains: a deletion or duplication the segment between
/// its breakends, another junction the segment starting at a breakend.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct CnChange {
    /// Contig of the segment.
    pub chrom: String,
    /// 0-based start of the segment.
    pub start: Pos0,
    /// 0-based exclusive end.
    pub end: Pos0,
    /// Copy number of the segment (None without a purity).
    pub copy_number: Option<f64>,
    /// Copy number of the flanking segment on the other side of the change.
    pub flank_copy_number: Option<f64>,
    /// log2 ratio of the segment.
    pub log2_ratio: f64,
    /// log2 ratio of the flank.
    pub flank_log2_ratio: Option<f64>,
    /// The segment's call (relative to the fitted ploidy).
    pub call: super::cnv::CnCall,
}

/// Whether a fusion keeps the reading frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Frame {
    /// The 3' partner's codons continue in frame.
    InFrame,
    /// The frame shifts at the junction.
    OutOfFrame,
    /// One side holds no coding sequence at the junction (UTR or non-coding transcript).
    NotCoding,
    /// The junction is imprecise (discordant pairs only): the exon boundary is not known.
    Unknown,
}

impl Frame {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Frame::InFrame => "in_frame",
            Frame::OutOfFrame => "out_of_frame",
            Frame::NotCoding => "not_coding",
            Frame::Unknown => "unknown",
        }
    }
}

/// One partner of a fusion.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct FusionPartner {
    /// Gene symbol.
    pub gene: String,
    /// Transcript used.
    pub transcript: String,
    /// Contig.
    pub chrom: String,
    /// Breakend position.
    pub pos: Pos1,
    /// Gene strand (`+`/`-`).
    pub strand: char,
    /// `exon 5/8` or `intron 5/7` (transcript order).
    pub location: String,
    /// Last exon kept (5' partner) or first exon kept (3' partner).
    pub exon: Option<u32>,
    /// True when the breakend lies in an exon.
    pub exonic: bool,
}

/// A gene fusion read from a junction and the transcript models.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Fusion {
    /// `FIVE::THREE` (HGNC fusion notation).
    pub name: String,
    /// 5' partner.
    pub five_prime: FusionPartner,
    /// 3' partner.
    pub three_prime: FusionPartner,
    /// Frame at the junction.
    pub frame: Frame,
    /// The structural variant (`id`).
    pub sv_id: String,
    /// Tumor support.
    pub tumor: SvSupport,
    /// Both partners are the same gene (an intragenic rearrangement, e.g. EGFRvIII).
    pub intragenic: bool,
    /// The pair is in the shipped list of known fusions (CIViC).
    pub known_fusion: bool,
    /// Where the known-fusion entry comes from (a URL), when known.
    pub known_source: Option<String>,
}

/// The `structural_variants` block of results.json.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct SvResult {
    /// Method summary.
    pub method: String,
    /// Somatic junctions (tumor-only: every junction that passed the support filters).
    pub variants: Vec<StructuralVariant>,
    /// Junctions seen in the tumor and dropped because the normal supports them.
    pub germline_filtered: usize,
    /// Junction candidates below the support thresholds.
    pub low_support: usize,
    /// Fusions (need transcript models).
    pub fusions: Vec<Fusion>,
    /// Largest fragment length a discordant pair may span (from the insert-size distribution).
    pub max_fragment: u64,
    /// What limits these results.
    pub warnings: Vec<String>,
    /// Read from another pipeline's VCF (`report --sv`): the file, its caller and MD5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<String>,
}
