//! `results.json`: everything one pass measured, as one typed, versioned document.
//!
//! Written by `run` (the pipeline builds it from the stage results), read by `report` and
//! `retier`. Every status is an enum; every block is typed. The JSON Schema generated from
//! these types is committed as `schemas/results.schema.json` (a test keeps it in step).
//!
//! Read one back with [`crate::io::json::read_document`], which checks `kind` and
//! `schema_version` first (another document, or another version's, is refused with a message
//! naming what the file is):
//!
//! ```
//! use std::path::Path;
//! use oncostream::io::json::read_document;
//! use oncostream::pipeline::run::{run, RunOptions};
//! use oncostream::types::results::{Mode, RunResults};
//!
//! let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/nfcore_chr22");
//! let out = tempfile::tempdir()?;
//! let mut opts = RunOptions::new(
//!     &fx.join("test2.paired_end.sorted.bam"),
//!     Some(&fx.join("test.paired_end.sorted.bam")),
//!     &fx.join("genome.fasta"),
//!     &out.path().join("run"),
//! );
//! opts.inputs.quiet = true;
//! run(opts)?;
//! let results: RunResults = read_document(&out.path().join("run/results.json"))?;
//! assert_eq!(results.mode, Mode::TumorNormal);
//! // this 40 kb slice holds only germline variants: every call is filtered
//! assert_eq!(results.calls.pass, results.variants.len());
//! assert!(results.tmb.callable_mb < 1.0);
//! // read as another kind of document (a report), it is refused, not misread
//! let file = out.path().join("run/results.json");
//! assert!(read_document::<oncostream::types::report::Report>(&file).is_err());
//! # Ok::<(), anyhow::Error>(())
//! ```

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::call::VarKind;
use super::msi::MsiResult;
use super::source::InputFormat;
use super::Pos1;

/// Version of the `results.json` layout; bumped whenever a field changes meaning or moves.
pub(crate) const RESULTS_SCHEMA_VERSION: u32 = 4;

/// The `kind` written into every `results.json`, so no other JSON is mistaken for one.
pub(crate) const RESULTS_KIND: &str = "oncostream-results";

/// Analysis mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Mode {
    /// Tumor with a matched normal.
    #[serde(rename = "tumor-normal")]
    TumorNormal,
    /// Tumor without a matched normal.
    #[serde(rename = "tumor-only")]
    TumorOnly,
}

impl Mode {
    /// `tumor-normal` or `tumor-only`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::TumorNormal => "tumor-normal",
            Mode::TumorOnly => "tumor-only",
        }
    }
}

/// TMB class (thresholds in `somatic::biomarkers`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TmbClass {
    /// Below 10 mutations/Mb.
    Low,
    /// 10 to 20 mutations/Mb.
    High,
    /// 20 mutations/Mb or more.
    VeryHigh,
    /// Too little callable sequence for a class (the number is kept for QC only).
    NotEvaluable,
}

impl TmbClass {
    /// `low`, `high`, `very_high` or `not_evaluable`.
    pub fn as_str(self) -> &'static str {
        match self {
            TmbClass::Low => "low",
            TmbClass::High => "high",
            TmbClass::VeryHigh => "very_high",
            TmbClass::NotEvaluable => "not_evaluable",
        }
    }
}

/// Overall QC verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QcVerdict {
    /// Every QC rule passed.
    Pass,
    /// At least one rule failed (the reasons list says which).
    Fail,
}

impl QcVerdict {
    /// `pass` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            QcVerdict::Pass => "pass",
            QcVerdict::Fail => "fail",
        }
    }
}

/// Tumor/normal identity status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentityStatus {
    /// The normal's germline alleles are present in the tumor.
    Match,
    /// Too few of them are: another person's normal, or swapped samples.
    Mismatch,
    /// Too few informative sites to tell.
    InsufficientSites,
}

/// TMB settings.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct TmbSettings {
    /// Lowest tumor allele fraction counted.
    pub min_vaf: f64,
    /// Tumor depth from which a base is callable.
    pub min_tumor_depth: u32,
    /// Normal depth from which a base is callable (tumor-normal mode).
    pub min_normal_depth: u32,
}

impl Default for TmbSettings {
    fn default() -> Self {
        TmbSettings {
            min_vaf: 0.05,
            min_tumor_depth: 20,
            min_normal_depth: 10,
        }
    }
}

/// The TMB block of results.json.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct TmbResult {
    /// Mutations per megabase of callable sequence.
    pub per_mb: f64,
    /// 95% confidence interval (exact Poisson on the count), per Mb.
    pub ci95: [f64; 2],
    /// `low` (< 10/Mb), `high` (10-20/Mb) or `very_high` (>= 20/Mb); `not_evaluable` below the
    /// minimum callable sequence (the report, batch summary and MultiQC say the same).
    pub class: TmbClass,
    /// Whether the TMB may be interpreted: at least 1 Mb of callable sequence.
    pub evaluable: bool,
    /// Why not, when not evaluable (the report's sentence).
    pub not_evaluable_reason: Option<String>,
    /// Mutations counted.
    pub count: u64,
    /// SNVs counted.
    pub snv: u64,
    /// Indels counted.
    pub indel: u64,
    /// SNVs per callable Mb.
    #[serde(default)]
    pub snv_per_mb: f64,
    /// Counted indels in microsatellites (the repeat tract qualifies as a microsatellite by the
    /// `ms-scan` rule: homopolymer >= 10 bp, or a 2-5 bp unit repeated >= 5 times).
    #[serde(default)]
    pub ms_indels: u64,
    /// Microsatellite indels per callable Mb.
    #[serde(default)]
    pub ms_indels_per_mb: f64,
    /// Counted indels outside microsatellites.
    #[serde(default)]
    pub other_indels: u64,
    /// Indels outside microsatellites per callable Mb.
    #[serde(default)]
    pub other_indels_per_mb: f64,
    /// TMB without the microsatellite indels: (SNVs + other indels) per callable Mb.
    #[serde(default)]
    pub per_mb_without_ms_indels: f64,
    /// Calls excluded because they lie in `--tmb-exclude` (e.g. driver hotspots).
    pub excluded: u64,
    /// Counted mutations that are synonymous (when transcript models were given).
    pub synonymous: Option<u64>,
    /// Counted mutations that change the protein (missense, nonsense, frameshift, in-frame,
    /// splice, start/stop), when transcript models were given.
    pub nonsynonymous: Option<u64>,
    /// Callable bases (the measured denominator).
    pub callable_bases: u64,
    /// Callable megabases.
    pub callable_mb: f64,
    /// Settings.
    pub settings: TmbSettings,
    /// Warnings (small callable region).
    pub warnings: Vec<String>,
}

/// The purity block of results.json.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct PurityResult {
    /// Estimated tumor purity (fraction of tumor cells), when it could be estimated: the
    /// estimate of `source`.
    pub estimate: Option<f64>,
    /// How it was estimated: `somatic_vaf_clonal_cluster`, or in tumor-only runs
    /// `tumor_only_germline_somatic_mixture` (jointly with the germline classification).
    pub method: PurityMethod,
    /// Which estimate won.
    pub source: PuritySource,
    /// The somatic-VAF (clonal peak) estimate.
    pub vaf_estimate: Option<f64>,
    /// The copy-number/BAF fit's estimate.
    pub copy_number_estimate: Option<f64>,
    /// Whether the copy-number profile alone determines the purity.
    pub copy_number_identifiable: Option<bool>,
    /// Tumor ploidy of the copy-number fit at the chosen purity.
    pub ploidy: Option<f64>,
    /// VAF of the clonal peak.
    pub clonal_vaf_peak: Option<f64>,
    /// Somatic SNVs used.
    pub variants_used: usize,
    /// True below 0.30.
    pub low_purity: bool,
    /// Explanation when no estimate.
    pub note: Option<String>,
}

/// How a run's purity was estimated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PurityMethod {
    /// The clonal peak of the somatic SNV allele fractions (binomial mixture).
    SomaticVafClonalCluster,
    /// The same, from the SNVs in copy-neutral, allele-balanced segments.
    SomaticVafClonalClusterCopyNeutral,
    /// Tumor-only: jointly with the germline/somatic classification.
    TumorOnlyGermlineSomaticMixture,
    /// The copy-number/BAF fit (identifiable).
    CopyNumberBafFit,
    /// The copy-number/BAF fit's solution nearest the somatic-VAF estimate.
    CopyNumberBafFitVafSelected,
}

/// Which purity estimate a run used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PuritySource {
    /// The clonal peak of somatic SNV allele fractions.
    VafPeak,
    /// The copy-number/BAF fit (it was identifiable).
    CopyNumberFit,
    /// The copy-number/BAF fit, whose equally good solutions the somatic-VAF estimate chose
    /// between.
    CopyNumberFitVafSelected,
    /// No estimate.
    None,
}

/// Something a run did not assess, and why.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct NotAssessed {
    /// What (`copy_number`, `structural_variants`, `fusions`, `msi`, `loh`, ...).
    pub item: String,
    /// Why, in words for the report.
    pub reason: String,
}

/// The QC block of results.json for one sample.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct SampleQcResult {
    /// Sample name.
    pub sample: String,
    /// Mean depth over the processed regions (fragments, bases).
    pub mean_depth: f64,
    /// Median depth.
    pub median_depth: u64,
    /// % of positions at >= 20x.
    pub pct_ge_20x: f64,
    /// Share of passing aligned A/C/G/T bases that differ from the reference base (errors and
    /// variants; a wrong reference gives ~0.5 and stops the run).
    #[serde(default)]
    pub reference_mismatch_rate: Option<f64>,
    /// Read-orientation damage (FFPE deamination, oxoG) measured over every non-reference base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation_bias: Option<OrientationBias>,
    /// Coverage uniformity: % of positions at >= 0.2 x the mean depth.
    #[serde(default)]
    pub pct_ge_0_2x_mean: f64,
    /// % of positions at >= 100x.
    pub pct_ge_100x: f64,
    /// Duplicate-flagged share of primary reads.
    pub duplicate_rate: f64,
    /// Mapped share of records placed in the regions.
    pub mapped_rate: f64,
    /// Median insert size.
    pub insert_size_median: Option<u64>,
    /// Share of pairs whose mates overlap.
    pub mate_overlap_fraction: f64,
}

/// Sample-level read-orientation damage (`somatic::qc::orientation_bias`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct OrientationBias {
    /// Formalin deamination: C>T in F1R2 and G>A in F2R1 reads.
    pub deamination: DamageMetric,
    /// 8-oxoguanine: G>T in F1R2 and C>A in F2R1 reads.
    pub oxog: DamageMetric,
}

/// Fewest substitutions of a damage class from which its orientation share is judged
/// (`somatic::evidence::DamageCounts::damaged`); below it the class is not evaluable.
pub const DAMAGE_MIN_BASES: u64 = 1000;

/// One damage class.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct DamageMetric {
    /// Non-reference bases of the class in the artifact orientation (each read).
    pub artifact_orientation: u64,
    /// The same substitutions in the other orientation (errors and variants: the baseline).
    pub other_orientation: u64,
    /// `artifact / (artifact + other)`: 0.5 without damage.
    pub orientation_ratio: Option<f64>,
    /// `(artifact - other)` per million aligned bases: the damage rate above the baseline.
    pub excess_per_million: Option<f64>,
    /// Whether damage was detected (>= 1000 substitutions of the class, >= 60% of them in the
    /// artifact orientation); the `orientation` filter applies to the class only then.
    pub damaged: bool,
    /// Calls of this class filtered `orientation` (tumor only; 0 for the normal).
    pub calls_filtered: u64,
}

/// Tumor/normal identity check.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Identity {
    /// Informative sites (the normal carries an allele at >= 30% of >= 15 reads).
    pub sites: u64,
    /// Of those, sites where the tumor shows the allele too.
    pub shared: u64,
    /// `shared / sites`, when there are enough sites.
    pub concordance: Option<f64>,
    /// Verdict.
    pub status: IdentityStatus,
}

/// The QC block.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct QcResult {
    /// Per sample (tumor first).
    pub samples: Vec<SampleQcResult>,
    /// Tumor/normal identity (tumor-normal runs).
    pub identity: Option<Identity>,
    /// Verdict.
    pub verdict: QcVerdict,
    /// Every failed rule, in words.
    pub reasons: Vec<String>,
}

/// The tumor-only germline/somatic classification used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GermlineMethod {
    /// Expected allele fractions from purity and local copy number (SGZ-style mixture).
    SgzPurityCopyNumber,
    /// Too few candidates for the mixture: an allele-fraction rule.
    AlleleFractionRule,
}

/// Where the purity of the tumor-only classification came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GermlinePuritySource {
    /// The run's copy-number fit.
    CopyNumber,
    /// Estimated from the candidates' allele fractions.
    AlleleFractions,
    /// None available.
    None,
}

impl GermlinePuritySource {
    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            GermlinePuritySource::CopyNumber => "copy_number",
            GermlinePuritySource::AlleleFractions => "allele_fractions",
            GermlinePuritySource::None => "none",
        }
    }
}

impl GermlineMethod {
    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            GermlineMethod::SgzPurityCopyNumber => "sgz_purity_copy_number",
            GermlineMethod::AlleleFractionRule => "allele_fraction_rule",
        }
    }
}

/// What the tumor-only germline/somatic classification used and found
/// (`somatic::germline`; absent in tumor-normal runs).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct GermlineModel {
    /// `sgz_purity_copy_number`, or `allele_fraction_rule` when too few candidates.
    pub method: GermlineMethod,
    /// Purity used.
    pub purity: Option<f64>,
    /// `copy_number` (the run's fit), `allele_fractions` (estimated from the candidates) or `none`.
    pub purity_source: GermlinePuritySource,
    /// Whether local copy numbers were used (else every call is taken as diploid).
    pub copy_number_aware: bool,
    /// Unfiltered SNV candidates not listed in the population resource (the class shares are
    /// estimated on them).
    pub candidates: usize,
    /// Estimated share of germline alleles among those candidates.
    pub germline_share: Option<f64>,
    /// Calls classified germline (filter `germline_af`).
    pub classified_germline: usize,
    /// Heterozygous germline alleles listed in the resource (at or above the `germline`
    /// cut-off) whose tumor allele fractions calibrate the classification.
    #[serde(default)]
    pub listed_het_sites: usize,
    /// Observed / expected alt fraction of the listed heterozygous SNVs (reference bias; 1 =
    /// none; None: too few listed sites, 1 is used).
    #[serde(default)]
    pub het_bias_snv: Option<f64>,
    /// The same for listed heterozygous indels (aligners see indel alleles less often).
    #[serde(default)]
    pub het_bias_indel: Option<f64>,
    /// Beta-binomial concentration of allele fractions learned from the listed heterozygous
    /// SNVs (larger = closer to binomial; the default when too few are listed).
    #[serde(default)]
    pub concentration: f64,
    /// Blocks of listed heterozygous sites whose local BAF was used.
    #[serde(default)]
    pub local_baf_blocks: usize,
    /// Of those, blocks whose alleles are imbalanced (a copy-number change or LOH).
    #[serde(default)]
    pub imbalanced_blocks: usize,
    /// A caveat when the classification is weak.
    pub warning: Option<String>,
}

/// Counts of the VCF records.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct CallsSummary {
    /// Records written.
    pub records: usize,
    /// PASS records.
    pub pass: usize,
    /// PASS SNVs.
    pub pass_snv: usize,
    /// PASS indels.
    pub pass_indel: usize,
    /// The VCF's file name in the output directory.
    pub vcf: String,
}

/// One PASS call, as tiering reads it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct VariantRecord {
    /// Contig name.
    pub chrom: String,
    /// 1-based position (VCF POS).
    pub pos: Pos1,
    /// VCF REF.
    #[serde(rename = "ref")]
    pub ref_allele: String,
    /// VCF ALT.
    pub alt: String,
    /// Class.
    pub kind: VarKind,
    /// Tumor allele fraction.
    pub tumor_af: f64,
    /// Tumor depth (fragments).
    pub tumor_depth: u32,
    /// Tumor alt fragments.
    pub tumor_alt: u32,
    /// Normal allele fraction (tumor-normal runs).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub normal_af: Option<f64>,
    /// Normal depth (fragments; tumor-normal runs).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub normal_depth: Option<u32>,
    /// Normal alt fragments (tumor-normal runs).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub normal_alt: Option<u32>,
    /// Tumor LOD.
    pub tlod: f64,
    /// Population allele frequency from the germline resource.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub population_af: Option<f64>,
}

/// A file the run read: path, size and checksum.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct FileRecord {
    /// Path as given.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// MD5 (lowercase hex) of the whole file, when computed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub md5: Option<String>,
}

/// The reference genome, identified without hashing the whole file: the MD5 over every contig's
/// name, length and sequence MD5 (`@SQ M5`), in `.fai` order.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct ReferenceRecord {
    /// Path as given.
    pub path: String,
    /// File size in bytes.
    pub size: u64,
    /// bgzip-compressed (`.fai` + `.gzi`).
    pub bgzipped: bool,
    /// Contigs in the `.fai`.
    pub contigs: usize,
    /// MD5 of the `name<TAB>length<TAB>md5` lines of every contig, in `.fai` order.
    pub digest: String,
    /// Where the per-contig MD5s came from: `dict` (a sequence dictionary beside the FASTA),
    /// `cache` (computed by an earlier run) or `computed`.
    pub digest_source: String,
}

/// An alignment input of the run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct InputRecord {
    /// `tumor` or `normal`.
    pub role: String,
    /// Path as given.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// `bam` or `cram`.
    pub format: InputFormat,
    /// Sample name (`@RG SM`).
    pub sample: String,
    /// MD5 of the whole file, when computed (`--input-checksums md5`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub md5: Option<String>,
    /// BLAKE3 of the whole file, when computed (`--input-checksums blake3`, the default).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub blake3: Option<String>,
}

/// Where every number came from.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Provenance {
    /// Reference FASTA.
    pub reference: ReferenceRecord,
    /// `--targets` BED.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub targets: Option<FileRecord>,
    /// `--ms-sites` list (absent: sites scanned from the reference).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ms_sites: Option<FileRecord>,
    /// `--msi-baseline`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub msi_baseline: Option<FileRecord>,
    /// `--germline-resource`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub germline_resource: Option<FileRecord>,
    /// `--panel-of-normals`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub panel_of_normals: Option<FileRecord>,
    /// `--cnv-reference` (tumor-only copy-number reference).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cnv_reference: Option<FileRecord>,
    /// `--tmb-exclude`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tmb_exclude: Option<FileRecord>,
    /// `--mappability` (reference-derived mappability track of the copy-number bins).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mappability: Option<FileRecord>,
    /// `--gff` transcript models.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub gff: Option<FileRecord>,
    /// The transcript models the run annotated with: `--gff`, else the GRCh38 MANE Select models
    /// shipped in the binary (name, release, MD5), and how many applied to the reference.
    pub transcript_models: super::transcript::TranscriptModelsRecord,
    /// Alignment inputs (tumor first).
    pub inputs: Vec<InputRecord>,
}

/// Who the run is about: its sample id (the one name every output uses) and the sample names
/// of the VCF columns.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct Samples {
    /// The run's sample id: the sample sheet's tumor sample, else `--sample-id`, else the tumor's
    /// `@RG SM`. `copy_number.seg`, the MAF and cBioPortal study, FHIR, MultiQC and the batch
    /// summary name the sample by it.
    pub id: String,
    /// The matched normal's id: the sample sheet's normal sample, else `--normal-sample-id`, else
    /// the normal's `@RG SM` (tumor-normal runs).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub normal_id: Option<String>,
    /// The patient (the sample sheet's `patient`, else `--patient-id`), when given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub patient_id: Option<String>,
    /// Tumor `@RG SM` (the VCF's tumor column).
    pub tumor: String,
    /// Normal `@RG SM` (tumor-normal runs).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub normal: Option<String>,
}

/// The whole `results.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct RunResults {
    /// Always `oncostream-results`.
    #[schemars(extend("const" = "oncostream-results"))]
    pub kind: String,
    /// Layout version of this document (4 for this build).
    #[schemars(extend("const" = 4))]
    pub schema_version: u32,
    /// Unique id of the run (also in the VCF header, the report and the manifest).
    pub run_id: String,
    /// `oncostream`.
    pub tool: String,
    /// Version of the writer.
    pub version: String,
    /// UTC time the run started (RFC 3339).
    pub created: String,
    /// The command line.
    pub command: String,
    /// Tumor-normal or tumor-only.
    pub mode: Mode,
    /// Sample id and names.
    pub samples: Samples,
    /// Inputs and resources.
    pub provenance: Provenance,
    /// Tumor mutational burden.
    pub tmb: TmbResult,
    /// MSI (absent in tumor-only runs without a baseline).
    pub msi: Option<MsiResult>,
    /// Purity estimate.
    pub purity: PurityResult,
    /// Tumor-only germline/somatic classification (absent in tumor-normal runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub germline_model: Option<GermlineModel>,
    /// Copy number (absent when not assessed; see `not_assessed`).
    pub copy_number: Option<super::cnv::CopyNumberResult>,
    /// Structural variants and fusions.
    pub structural_variants: Option<super::sv::SvResult>,
    /// What this run could not assess, and why.
    pub not_assessed: Vec<NotAssessed>,
    /// QC and identity.
    pub qc: QcResult,
    /// VCF record counts.
    pub calls: CallsSummary,
    /// Every PASS call: the input of tiering.
    pub variants: Vec<VariantRecord>,
    /// Warnings, as printed on stderr and written into the VCF header.
    pub warnings: Vec<String>,
}
