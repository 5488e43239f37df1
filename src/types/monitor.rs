//! `monitor.json`: tumor-informed monitoring of later plasma (cell-free DNA) samples of one
//! patient against the somatic variants of a baseline tumor — per sample the UMI families, the
//! background error, the variants' family counts, the tumor fraction, the MRD status and the
//! new (resistance, hotspot, clonal-haematopoiesis) variants.
//!
//! Written by `oncostream monitor`; the JSON Schema is `schemas/monitor.schema.json`. Every
//! status is an enum; numbers that could not be measured are `null` with a reason beside them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::report::{Finding, Oncogenicity};
use super::Pos1;

/// Version of the `monitor.json` layout.
pub(crate) const MONITOR_SCHEMA_VERSION: u32 = 1;

/// The `kind` written into every `monitor.json`.
pub(crate) const MONITOR_KIND: &str = "oncostream-monitor";

/// File name of the document.
pub(crate) const MONITOR_FILE: &str = "monitor.json";

/// The MRD call of one sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MrdStatus {
    /// The aggregated test rejects "no tumor DNA" (p below alpha).
    Detected,
    /// The test does not reject, and the sample could have detected tumor DNA at its limit of
    /// detection (at most the evaluable bound).
    NotDetected,
    /// Too few tracked variants or families to say (see `reason`).
    NotEvaluable,
}

impl MrdStatus {
    /// `detected`, `not_detected` or `not_evaluable`.
    pub fn as_str(self) -> &'static str {
        match self {
            MrdStatus::Detected => "detected",
            MrdStatus::NotDetected => "not_detected",
            MrdStatus::NotEvaluable => "not_evaluable",
        }
    }
}

/// Where the reads' molecule identity came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UmiMode {
    /// A UMI tag (`RX` by default).
    Tag,
    /// The last field of the read name.
    ReadName,
    /// No UMIs: fragments with the same ends (what duplicate marking groups) are one family.
    Coordinates,
}

/// What the baseline was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BaselineSource {
    /// An oncostream run directory (`results.json` + its PASS calls).
    RunDirectory,
    /// A VCF of the patient's somatic variants.
    Vcf,
}

/// How a tracked variant's expected allele fraction per unit tumor fraction was set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WeightBasis {
    /// The baseline allele fraction agrees with a clonal heterozygous mutation at the baseline
    /// purity and local copy number.
    Clonal,
    /// Above that: clonal on more than one copy (gain or LOH before the mutation).
    ClonalMultiCopy,
    /// Below that: subclonal (cancer cell fraction estimated from the baseline allele fraction).
    Subclonal,
    /// No baseline purity (a VCF, or a run without an estimate): clonal heterozygous assumed.
    AssumedClonal,
}

/// Whether a tracked variant enters the tumor-fraction estimate and the MRD test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrackedStatus {
    /// Used.
    Used,
    /// Fewer families at the site than the minimum: not informative.
    TooFewFamilies,
    /// In a clonal-haematopoiesis gene and no white-cell normal shows it absent.
    PossiblyHaematopoietic,
    /// Seen in the matched white-cell normal (haematopoietic or germline): excluded.
    InWhiteCells,
    /// The reference base of the sample's reference differs from the variant's REF.
    ReferenceMismatch,
}

/// Why a baseline variant is not tracked at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotTrackedReason {
    /// Indels and multi-base substitutions are not tracked (SNVs only).
    NotAnSnv,
    /// Its contig is not in the plasma BAM's header.
    ContigNotInSample,
}

/// Why a position was scanned for new variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WatchReason {
    /// A known resistance residue (e.g. EGFR T790M/C797S, ESR1 ligand-binding domain).
    Resistance,
    /// A cancer hotspot residue (KRAS/NRAS/BRAF, PIK3CA, ...).
    Hotspot,
    /// A clonal-haematopoiesis hotspot (DNMT3A R882, JAK2 V617F, ...).
    ClonalHaematopoiesis,
}

/// The baseline the samples are compared with.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct BaselineInfo {
    /// Run directory or VCF.
    pub source: BaselineSource,
    /// Path as given.
    pub path: String,
    /// The baseline run's id (run directories and oncostream VCFs).
    pub run_id: Option<String>,
    /// The baseline tumor sample.
    pub tumor_sample: Option<String>,
    /// The baseline purity used for the variants' weights.
    pub purity: Option<f64>,
    /// OncoTree code the new findings are tiered for (baseline `report.json` or
    /// `--cancer-type`).
    pub cancer_type: Option<String>,
    /// Variants in the baseline (PASS).
    pub variants: usize,
    /// Of those, tracked (SNVs on the sample's contigs).
    pub tracked: usize,
    /// The others, with the reason.
    pub not_tracked: Vec<NotTracked>,
}

/// A baseline variant that is not tracked.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct NotTracked {
    /// Contig.
    pub chrom: String,
    /// 1-based position.
    pub pos: Pos1,
    /// REF.
    #[serde(rename = "ref")]
    pub ref_allele: String,
    /// ALT.
    pub alt: String,
    /// Why.
    pub reason: NotTrackedReason,
}

/// The settings of the analysis (the assay design it assumes).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct MonitorSettings {
    /// UMI tag read (`RX`), unless the UMI comes from the read name.
    pub umi_tag: String,
    /// UMI from the read name (after the last `umi_separator`).
    pub umi_from_read_name: bool,
    /// Separator of the UMI in the read name.
    pub umi_separator: String,
    /// Bases below this quality do not vote in a family's consensus.
    pub min_base_quality: u8,
    /// Reads below this mapping quality are not used.
    pub min_mapping_quality: u8,
    /// A molecule's consensus base counts from this consensus quality.
    pub min_consensus_quality: u8,
    /// Families with fewer read pairs do not count.
    pub min_family_size: u32,
    /// Families (molecules) a tracked site needs to be used.
    pub min_site_families: u32,
    /// Bases on each side of a tracked site read for the background error.
    pub background_flank: u64,
    /// Significance level of the MRD test.
    pub alpha: f64,
    /// Above this limit of detection a negative test is `not_evaluable`.
    pub max_negative_lod: f64,
    /// Lowest consensus allele fraction of a new variant.
    pub new_variant_min_vaf: f64,
    /// Fewest alt families of a new variant.
    pub new_variant_min_families: u32,
}

/// UMI families of one sample over the tracked windows.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct UmiSummary {
    /// Where molecule identity came from.
    pub mode: UmiMode,
    /// Single-strand families (UMI groups per read-1 position, strand and insert size: what
    /// `umi_tools group --method directional --paired` counts).
    pub families: u64,
    /// Source molecules: families, with the two strands of a duplex molecule counted once.
    pub molecules: u64,
    /// Read pairs per family.
    pub mean_family_size: f64,
    /// Share of families with one read pair.
    pub singleton_fraction: f64,
    /// Molecules whose two strands were both sequenced (paired `A-B` / `B-A` UMIs).
    pub duplex_families: u64,
    /// Read pairs (templates) used.
    pub read_pairs: u64,
    /// What the mode means for this sample, in words.
    pub note: String,
}

/// Error rate of one substitution class (pyrimidine reference, strand-collapsed).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct ClassRate {
    /// `C>A`, `C>G`, `C>T`, `T>A`, `T>C` or `T>G`.
    pub class: String,
    /// Errors per molecule-base.
    pub rate: f64,
    /// Molecules showing the substitution.
    pub errors: u64,
    /// Molecule-bases with that reference base.
    pub molecule_bases: u64,
}

/// The background error of one sample, measured on its own non-variant positions in the
/// tracked windows.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct BackgroundError {
    /// Any-substitution error rate per molecule-base.
    pub rate: f64,
    /// Molecule-bases measured.
    pub molecule_bases: u64,
    /// Per substitution class.
    pub classes: Vec<ClassRate>,
    /// Trinucleotide contexts with enough molecule-bases to be used on their own (of 32).
    pub contexts_resolved: u32,
    /// Positions left out (a non-reference allele in at least 2% and 3 molecules: germline,
    /// haematopoietic or tumor, not error).
    pub positions_excluded: u64,
}

/// Tumor fraction: maximum likelihood over the used variants with a 95% profile-likelihood
/// interval.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct TumorFraction {
    /// Estimate (share of the cell-free DNA from tumor cells, at two copies).
    pub estimate: Option<f64>,
    /// 95% interval `[lo, hi]`.
    pub ci95: Option<[f64; 2]>,
    /// Variants used.
    pub variants_used: usize,
}

/// The MRD call of one sample.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct MrdResult {
    /// Detected, not detected or not evaluable.
    pub status: MrdStatus,
    /// p-value of the aggregated test (null when not evaluable).
    pub p_value: Option<f64>,
    /// Tumor fraction detected with 95% probability at this sample's families and variants.
    pub limit_of_detection: Option<f64>,
    /// Alt families over the used variants.
    pub alt_families: u64,
    /// Families over the used variants.
    pub families: u64,
    /// Alt families expected from the background alone.
    pub expected_background: f64,
    /// Why not evaluable (or a caveat), in words.
    pub reason: Option<String>,
}

/// One tracked variant in one sample.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct TrackedVariant {
    /// Contig.
    pub chrom: String,
    /// 1-based position.
    pub pos: Pos1,
    /// REF.
    #[serde(rename = "ref")]
    pub ref_allele: String,
    /// ALT.
    pub alt: String,
    /// Gene, when annotated (baseline report or transcript models).
    pub gene: Option<String>,
    /// Molecules whose consensus is the alt base.
    pub alt_families: u64,
    /// Molecules with a consensus base at the site.
    pub families: u64,
    /// Of the alt molecules, duplex ones.
    pub alt_duplex: u64,
    /// `alt_families / families`.
    pub vaf: Option<f64>,
    /// Background error of this substitution in its context.
    pub background_rate: f64,
    /// Expected plasma allele fraction at a tumor fraction of 1 (clonality x copies / copy
    /// number).
    pub weight: f64,
    /// How the weight was set.
    pub weight_basis: WeightBasis,
    /// Whether it was used.
    pub status: TrackedStatus,
}

/// A variant found at a watched position.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct NewVariant {
    /// Contig.
    pub chrom: String,
    /// 1-based position.
    pub pos: Pos1,
    /// REF.
    #[serde(rename = "ref")]
    pub ref_allele: String,
    /// ALT.
    pub alt: String,
    /// Gene.
    pub gene: String,
    /// Protein change (`T790M`), when the annotation gives one.
    pub protein_change: Option<String>,
    /// Why the position is watched.
    pub watched_as: WatchReason,
    /// Molecules with the alt.
    pub alt_families: u64,
    /// Molecules at the site.
    pub families: u64,
    /// Consensus allele fraction.
    pub vaf: f64,
    /// One-sided binomial p-value against the background.
    pub p_value: f64,
    /// In a clonal-haematopoiesis gene, and not shown absent from white cells.
    pub possibly_haematopoietic: bool,
    /// Alt molecules in the white-cell normal (when given).
    pub white_cell_alt_families: Option<u64>,
    /// Oncogenicity.
    pub oncogenicity: Option<Oncogenicity>,
    /// Knowledge-base findings for the cancer type.
    pub findings: Vec<Finding>,
}

/// Whether the new-variant scan ran.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct ScanInfo {
    /// Scanned.
    pub assessed: bool,
    /// Codons scanned.
    pub codons: usize,
    /// What was scanned, or why not.
    pub note: String,
}

/// One plasma sample.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct MonitorSample {
    /// Sample name (`@RG SM`).
    pub sample: String,
    /// Time-point label (`--timepoint`), when given.
    pub timepoint: Option<String>,
    /// BAM/CRAM path.
    pub path: String,
    /// UMI families.
    pub umi: UmiSummary,
    /// Background error.
    pub background_error: BackgroundError,
    /// Tumor fraction.
    pub tumor_fraction: TumorFraction,
    /// MRD call.
    pub mrd: MrdResult,
    /// Tracked variants.
    pub variants: Vec<TrackedVariant>,
    /// New variants at watched positions.
    pub new_variants: Vec<NewVariant>,
}

/// The white-cell normal.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct NormalInfo {
    /// Sample name.
    pub sample: String,
    /// Path.
    pub path: String,
}

/// The whole `monitor.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct MonitorDoc {
    /// Always `oncostream-monitor`.
    #[schemars(extend("const" = "oncostream-monitor"))]
    pub kind: String,
    /// Layout version (1).
    #[schemars(extend("const" = 1))]
    pub schema_version: u32,
    /// Unique id of this monitoring run.
    pub run_id: String,
    /// `oncostream`.
    pub tool: String,
    /// Version of the writer.
    pub version: String,
    /// UTC time the run started.
    pub created: String,
    /// The command line.
    pub command: String,
    /// The baseline.
    pub baseline: BaselineInfo,
    /// Settings.
    pub settings: MonitorSettings,
    /// The white-cell normal, when given.
    pub normal: Option<NormalInfo>,
    /// The new-variant scan.
    pub scan: ScanInfo,
    /// The samples, in the order given (time order when the labels are).
    pub samples: Vec<MonitorSample>,
    /// What the method cannot see, in words (shown on the page).
    pub limitations: Vec<String>,
    /// Warnings.
    pub warnings: Vec<String>,
}
