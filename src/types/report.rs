//! `report.json`: the tiered, annotated state of one patient's results, as one typed,
//! versioned document. `report` writes it, `retier` reads and rewrites it, and the HTML page is
//! rendered from it (never from anything else). Schema: `schemas/report.schema.json`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::msi::MsiStatus;
use super::results::{FileRecord, QcResult, QcVerdict, ReferenceRecord, TmbClass};
use super::transcript::Annotation;
use super::Pos1;

/// Version of the `report.json` layout.
pub(crate) const REPORT_SCHEMA_VERSION: u32 = 5;

/// The `kind` written into every `report.json`.
pub(crate) const REPORT_KIND: &str = "oncostream-report";

/// Evidence level (JSMO/JSCO/JCA guidance; C-CAT): A (approved / guideline), B, C, D, E, and R
/// for resistance.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Level {
    /// Approved in Japan or the US, or in guidelines, for this cancer type.
    A,
    /// Reliable trials or meta-analyses with expert consensus in this cancer type.
    B,
    /// Approved or strong evidence in another cancer type, or small trials in any type.
    C,
    /// Case reports.
    D,
    /// Preclinical evidence.
    E,
    /// Resistance.
    R,
}

impl Level {
    /// Parses `A`..`E`, `R`.
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "A" => Level::A,
            "B" => Level::B,
            "C" => Level::C,
            "D" => Level::D,
            "E" => Level::E,
            "R" => Level::R,
            _ => return None,
        })
    }

    /// The letter.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::A => "A",
            Level::B => "B",
            Level::C => "C",
            Level::D => "D",
            Level::E => "E",
            Level::R => "R",
        }
    }

    /// Sensitivity levels rank A < B < ... < E; resistance sorts after them.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

/// What a finding is about.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Therapies the alteration makes an option for (levels A-E).
    Therapeutic,
    /// Therapies the alteration makes ineffective (level R).
    Resistance,
    /// Outcome (prognosis).
    Prognostic,
    /// Diagnosis.
    Diagnostic,
}

/// A source a reviewer can open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Citation {
    /// KB item id (`JP-0012`, `US-0040`, `GL-0003`, `CIVIC-EID1409`).
    pub id: String,
    /// The document (package insert, label, guideline, CIViC evidence item).
    pub source: String,
    /// Its URL.
    pub url: String,
    /// `search` (seen in the document), `knowledge` (curator, not re-checked), `civic`.
    pub verified: String,
    /// Cancer types the item covers (OncoTree codes).
    pub cancer_types: String,
    /// Label condition or statement, when given.
    pub statement: Option<String>,
}

/// One regimen of a finding, with its own level and approval status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Therapy {
    /// Drugs joined by `+`.
    pub regimen: String,
    /// Level for this cancer type.
    pub level: Level,
    /// `A (approved in Japan)`, `A (FDA-approved)`, `A (guideline)`, `B`, ... `R`.
    pub level_label: String,
    /// Approved in Japan for this cancer type (with this alteration).
    pub approved_in_japan: bool,
    /// FDA-approved for this cancer type.
    pub approved_us: bool,
    /// Recommended by a guideline for this cancer type.
    pub guideline: bool,
    /// Cancer types where it is approved instead (level C "approved in another cancer type").
    pub approved_elsewhere: Vec<String>,
    /// The access route a panel discusses: approved for this cancer type in Japan; approved
    /// here without a biomarker condition (standard therapy); off-label in Japan (approved for
    /// another type); approved only abroad or in guidelines; investigational; or resistance.
    pub access: AccessRoute,
    /// Caveats from real-world data (C-CAT), settings, conflicting evidence.
    pub notes: Vec<String>,
    /// The items behind it.
    pub citations: Vec<Citation>,
    /// What insurance use needs: the label condition, companion diagnostic, line of therapy and
    /// required variant origin of each approval covering this cancer type.
    #[serde(default)]
    pub approvals: Vec<ApprovalTerms>,
}

/// Japan's access routes to a drug (C-CAT findings; JSMO/JSCO/JCA guidance ed. 2.1, Table 4).
/// Reports of earlier versions wrote the English descriptions; they are read as aliases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccessRoute {
    /// Approved in Japan for this cancer type with this alteration (insurance-covered).
    #[serde(alias = "approved in Japan for this cancer type (insurance-covered)")]
    Approved,
    /// Every drug approved in Japan for this cancer type without a biomarker condition.
    Standard,
    /// Approved in Japan for another cancer type: off-label use.
    #[serde(
        alias = "approved in Japan for another cancer type: off-label use through a clinical trial, patient-proposed healthcare or advanced medical care"
    )]
    OffLabel,
    /// Approved abroad or recommended in guidelines, not approved in Japan.
    #[serde(
        alias = "not approved in Japan (approved abroad or recommended in guidelines): clinical trial or patient-proposed healthcare"
    )]
    Abroad,
    /// Investigational.
    #[serde(alias = "investigational: clinical trial")]
    Investigational,
    /// Expected to be ineffective.
    #[serde(alias = "expected to be ineffective (resistance)")]
    Resistance,
}

impl AccessRoute {
    /// The English description (`report::i18n` has both languages).
    pub fn describe(self) -> &'static str {
        match self {
            AccessRoute::Approved => "approved in Japan for this cancer type (insurance-covered)",
            AccessRoute::Standard => "approved in Japan for this cancer type without a biomarker condition (standard therapy, insurance-covered); the evidence listed concerns this alteration",
            AccessRoute::OffLabel => "approved in Japan for another cancer type: off-label use through a clinical trial, patient-proposed healthcare or advanced medical care",
            AccessRoute::Abroad => "not approved in Japan (approved abroad or recommended in guidelines): clinical trial or patient-proposed healthcare",
            AccessRoute::Investigational => "investigational: clinical trial",
            AccessRoute::Resistance => "expected to be ineffective (resistance)",
        }
    }
}

/// The terms of one approval (package insert or FDA label) for this cancer type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApprovalTerms {
    /// KB item id (`JP-0091`).
    pub id: String,
    /// Japan or the US.
    pub country: ApprovalCountry,
    /// The label condition (germline-only, HER2-negative, prior therapy ...).
    pub label_condition: Option<String>,
    /// Companion diagnostic(s).
    pub companion_diagnostic: Option<String>,
    /// Line of therapy / setting.
    pub line_of_therapy: Option<String>,
    /// The variant origin the label requires.
    pub origin: LabelOrigin,
}

/// Where an approval was granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalCountry {
    /// PMDA / MHLW.
    Japan,
    /// FDA.
    Us,
}

/// The variant origin an approval's label requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LabelOrigin {
    /// A tumour (somatic) test.
    Somatic,
    /// A germline variant (e.g. germline BRCA1/2 for olaparib in breast cancer).
    Germline,
    /// Either.
    SomaticOrGermline,
}

impl LabelOrigin {
    /// Parses the KB's `origin` column.
    pub fn parse(s: &str) -> Option<LabelOrigin> {
        Some(match s {
            "somatic" => LabelOrigin::Somatic,
            "germline" => LabelOrigin::Germline,
            "somatic_or_germline" => LabelOrigin::SomaticOrGermline,
            _ => return None,
        })
    }
}

/// Where an alteration was found.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AlterationOrigin {
    /// In the tumour and not in the matched normal (or a tumour-level finding: copy number,
    /// fusion, biomarker).
    #[default]
    Somatic,
    /// In the matched normal (a germline finding).
    Germline,
    /// Not known (tumor-only analysis, or a VCF that does not say).
    Unknown,
}

impl AlterationOrigin {
    /// `somatic`, `germline`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlterationOrigin::Somatic => "somatic",
            AlterationOrigin::Germline => "germline",
            AlterationOrigin::Unknown => "unknown",
        }
    }
}

/// One tiered finding: an alteration (or biomarker) with its evidence for this cancer type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Gene (`EML4::ALK` for a fusion, `*` for biomarkers).
    pub gene: String,
    /// Alteration name.
    pub alteration: String,
    /// Therapeutic, resistance, prognostic or diagnostic.
    pub kind: FindingKind,
    /// The best level of its therapies (R for resistance; for prognostic and diagnostic
    /// findings the level of their best evidence).
    pub level: Level,
    /// A therapy at level A is approved in Japan for this cancer type.
    pub approved_in_japan: bool,
    /// The best therapy's label.
    pub level_label: String,
    /// Every regimen with its own level (best first).
    pub therapies: Vec<Therapy>,
    /// Prognostic/diagnostic statements.
    pub statements: Vec<String>,
    /// All regimens, best first (a summary of `therapies`).
    pub drugs: Vec<String>,
    /// Sources of prognostic/diagnostic findings (therapies carry their own).
    pub citations: Vec<Citation>,
    /// Where the alteration was found (germline: from the matched normal).
    #[serde(default)]
    pub origin: AlterationOrigin,
    /// Notes for the panel on the alteration as a whole (e.g. MSI-H: Lynch syndrome and
    /// germline testing), each with the KB item it comes from.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One annotated PASS variant.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct ReportVariant {
    /// Contig.
    pub chrom: String,
    /// 1-based position.
    pub pos: Pos1,
    /// REF.
    #[serde(rename = "ref")]
    pub ref_allele: String,
    /// ALT.
    pub alt: String,
    /// Tumor VAF, when known.
    pub vaf: Option<f64>,
    /// Tumor depth, when known.
    pub depth: Option<u32>,
    /// Annotation on the canonical transcript (None outside any transcript).
    pub annotation: Option<Annotation>,
    /// Oncogenicity class (rules in `clinical::oncogenicity`), for annotated variants.
    #[serde(default)]
    pub oncogenicity: Option<Oncogenicity>,
    /// The reference's bases where the record's REF disagrees with them (kept with
    /// `--allow-ref-mismatch`): the variant is flagged, not annotated and not tiered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_mismatch: Option<String>,
    /// The annotation on the gene's MANE Select transcript when the transcript models lack it
    /// (mapped by exon structure, `clinical::transcripts`): what tiering uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mane_mapping: Option<ManeMapping>,
    /// Why the variant could not be mapped onto its gene's MANE Select transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mane_unmapped: Option<String>,
}

/// A variant's annotation mapped onto the MANE Select transcript the models lack.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct ManeMapping {
    /// The annotation on MANE numbering (exon, intron, HGVS c., protein change).
    pub annotation: Annotation,
    /// The transcript of the models the variant was annotated on.
    pub from_transcript: String,
    /// Where the MANE exon structure comes from.
    pub structure: String,
    /// The note findings of this variant carry.
    pub note: String,
}

/// A gene whose preferred transcript the models lack.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct PreferredAbsent {
    /// Gene.
    pub gene: String,
    /// Its MANE Select accessions (RefSeq / Ensembl).
    pub preferred: String,
    /// The models of the gene that were given.
    pub models: Vec<String>,
    /// The knowledge base holds the MANE exon structure: rules are evaluated by mapping.
    pub mapped_by_structure: bool,
}

/// Transcript-dependent rules that could not be evaluated for a variant.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct RulesNotEvaluated {
    /// Gene.
    pub gene: String,
    /// The variant (`chrom:pos REF>ALT (transcript:c.)`).
    pub variant: String,
    /// Why not.
    pub reason: String,
    /// The rules (`KB id alteration`).
    pub rules: Vec<String>,
}

/// Transcript checks of a report: preferred transcripts absent from the models, and rules
/// that could not be evaluated.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct TranscriptCheck {
    /// Genes whose preferred (MANE Select) transcript was absent.
    pub preferred_absent: Vec<PreferredAbsent>,
    /// Rules not evaluated, per variant.
    pub rules_not_evaluated: Vec<RulesNotEvaluated>,
}

/// Oncogenicity class of a variant.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OncogenicityClass {
    /// Known oncogenic (hotspot or KB-supported residue, truncating in a tumour suppressor).
    Oncogenic,
    /// Likely oncogenic (truncating in a gene whose loss is oncogenic elsewhere; in-frame change
    /// in a known oncogenic exon class).
    LikelyOncogenic,
    /// Variant of unknown significance (protein-altering, no rule applies).
    Vus,
    /// Not classified (no protein change: synonymous, intronic, UTR, intergenic).
    NotClassified,
}

/// A variant's oncogenicity and the rule that gave it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Oncogenicity {
    /// Class.
    pub class: OncogenicityClass,
    /// The rule, in words, with its source.
    pub rule: String,
}

/// The language of `report.html` (`report.json` is always English).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Japanese labels (fixed labels only; KB text and reasons stay in English).
    Ja,
}

impl Lang {
    /// Parses `en` / `ja`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "en" => Some(Lang::En),
            "ja" => Some(Lang::Ja),
            _ => None,
        }
    }
}

/// How soon the expert panel should take the case: every case is reviewed (software cannot
/// waive the panel); the priority only orders the discussion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// QC failed or the tumor/normal identity mismatches: re-test before the findings are used.
    QcRetest,
    /// A finding needs the panel's judgement (resistance, germline or possibly germline
    /// findings, only off-label options).
    DiscussFirst,
    /// Nothing of the above (caveats such as low purity or a biomarker that is not evaluable
    /// are listed, but do not raise the priority).
    Routine,
}

impl Priority {
    /// The agenda's words: `QC failed: re-test`, `actionable: discuss first`, `routine review`.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::QcRetest => "QC failed: re-test",
            Priority::DiscussFirst => "actionable: discuss first",
            Priority::Routine => "routine review",
        }
    }

    /// The agenda's order (0 first).
    pub fn rank(self) -> u8 {
        match self {
            Priority::QcRetest => 0,
            Priority::DiscussFirst => 1,
            Priority::Routine => 2,
        }
    }

    /// The priority of its [`Priority::as_str`] words.
    pub fn parse(s: &str) -> Option<Priority> {
        [
            Priority::QcRetest,
            Priority::DiscussFirst,
            Priority::Routine,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// The statement every report carries about the expert panel.
pub const PANEL_STATEMENT: &str = "Every case is reviewed by the expert panel (required for insurance-covered gene-panel testing in Japan); this software cannot waive that review. The priority below only orders the panel's discussion.";

/// Expert-panel triage.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Triage {
    /// Discussion priority.
    pub priority: Priority,
    /// Why (each rule that fired).
    pub reasons: Vec<String>,
    /// [`PANEL_STATEMENT`].
    pub statement: String,
}

/// One germline (secondary) finding from the matched normal.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct GermlineFinding {
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
    /// Transcript of the annotation.
    pub transcript: String,
    /// HGVS c.
    pub hgvs_c: String,
    /// HGVS p.
    pub hgvs_p: Option<String>,
    /// Allele fraction in the normal.
    pub normal_vaf: f64,
    /// Normal depth.
    pub normal_depth: u32,
    /// `heterozygous` or `homozygous`.
    pub zygosity: String,
    /// `pathogenic`, `likely pathogenic`, `likely pathogenic (null variant)`.
    pub class: String,
    /// The rule that gave the class.
    pub rule: String,
    /// The disorder of the gene.
    pub disorder: String,
    /// Japanese disclosure recommendation grade of the gene (AAA, AA, A, B).
    pub disclosure_grade: String,
    /// Source of the class.
    pub source: String,
    /// Its URL.
    pub source_url: String,
    /// The full annotation (what the germline finding is tiered with; `retier` re-tiers it).
    #[serde(default)]
    pub annotation: Option<Annotation>,
}

/// A candidate clinical trial from the user's trial list.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct TrialMatch {
    /// Registry id (jRCT, NCT).
    pub id: String,
    /// Title.
    pub title: String,
    /// Phase.
    pub phase: String,
    /// Recruitment status as listed.
    pub status: String,
    /// Sites.
    pub sites: String,
    /// Registry URL.
    pub url: String,
    /// The patient's gene.
    pub gene: String,
    /// The patient's alteration.
    pub alteration: String,
    /// The trial's criterion that matched.
    pub criterion: String,
}

/// Candidate clinical trials.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct TrialsResult {
    /// The trial list given (path and MD5), if any.
    pub list: Option<String>,
    /// Trials matching an alteration in the patient's cancer type.
    pub matches: Vec<TrialMatch>,
}

/// Whether the matched normal was examined for germline findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GermlineStatus {
    /// The normal was examined.
    Examined,
    /// It could not be (tumor-only, or a VCF without the normal's alleles).
    NotExamined,
    /// The report's scope leaves secondary findings out (`--scope cdx`).
    Omitted,
}

/// Germline (secondary) findings.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct GermlineResult {
    /// Examined, not examined or omitted.
    pub status: GermlineStatus,
    /// Why not examined / omitted, or what was examined.
    pub note: String,
    /// The gene list and its source.
    pub gene_list: String,
    /// Reportable findings (pathogenic / likely pathogenic).
    pub findings: Vec<GermlineFinding>,
    /// Other germline variants seen in the listed genes (not reported: not classified as
    /// pathogenic).
    pub other_variants: usize,
    /// Tumor-only: calls filtered as germline-like by their tumor allele fraction that would be
    /// findings if germline (`normal_vaf` holds the tumor VAF): *possibly germline*, to be
    /// confirmed by a clinical germline test.
    #[serde(default)]
    pub possibly_germline: Vec<GermlineFinding>,
}

/// Basic items of the test (C-CAT order): who, what specimen, which test; given by the user
/// (`--patient-id`, ... or `--case-info FILE`), never guessed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct CaseInfo {
    /// Patient identifier (as the hospital uses it).
    pub patient_id: Option<String>,
    /// Specimen identifier.
    pub specimen_id: Option<String>,
    /// Specimen type (e.g. FFPE tissue, fresh frozen, blood).
    pub specimen_type: Option<String>,
    /// Collection date (YYYY-MM-DD).
    pub collection_date: Option<String>,
    /// Tumor content from pathology, percent.
    pub pathology_tumor_content: Option<f64>,
    /// Hospital / institution.
    pub institution: Option<String>,
    /// Test name (panel, whole genome).
    pub test_name: Option<String>,
    /// Genome build of the analysis (e.g. GRCh38).
    pub genome_build: Option<String>,
    /// Target region (BED) or `whole genome`.
    pub target_region: Option<String>,
}

/// Whether a biomarker value can be read, and why not.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Evaluability {
    /// The value can be interpreted (and is tiered).
    pub evaluable: bool,
    /// Why not, or a caveat.
    pub reason: Option<String>,
}

/// MSI as the report shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct MsiSummary {
    /// Status (None when not evaluable).
    pub status: Option<MsiStatus>,
    /// Percent of tested sites unstable (measured).
    pub score: Option<f64>,
    /// Sites tested (measured).
    pub sites_tested: Option<u32>,
    /// Measured or user-supplied.
    pub source: ValueSource,
    /// Evaluable, and why not.
    pub evaluability: Evaluability,
    /// An MSI-H call from fewer sites than `MSI_CONFIDENT_SITES`: shown and tiered, marked
    /// low-confidence (with the reason in `evaluability.reason`).
    #[serde(default)]
    pub low_confidence: bool,
}

/// The knowledge base a report was tiered with.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct KbInfo {
    /// Path as given, or `builtin:<name>` for the KB compiled into the binary.
    pub path: String,
    /// `# version:` of the KB.
    pub version: String,
    /// `# date:` of the KB.
    pub date: String,
    /// MD5 of the KB file's bytes.
    pub md5: String,
}

/// Who and what the report is about.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct ReportSample {
    /// The run's sample id (`results.json` `samples.id`), when the report comes from a run.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<String>,
    /// Tumor sample name.
    pub tumor: String,
    /// OncoTree code.
    pub cancer_type: String,
    /// OncoTree name.
    pub cancer_type_name: String,
    /// Matched normal sample name (tumor-normal runs).
    #[serde(default)]
    pub normal: Option<String>,
    /// `tumor-normal` or `tumor-only`, when known.
    #[serde(default)]
    pub mode: Option<String>,
}

/// Inputs of the report, with checksums.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct ReportInputs {
    /// The somatic VCF.
    pub vcf: FileRecord,
    /// Reference FASTA.
    pub reference: ReferenceRecord,
    /// Transcript models.
    pub gff: Option<FileRecord>,
    /// The run's `results.json`, when given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub results: Option<FileRecord>,
    /// Structural calls of another pipeline (`--sv`, `--cnv`), when given.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub structural: Vec<FileRecord>,
    /// The transcript models used (shipped or `--gff`), with how many applied to the reference.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub transcript_models: Option<super::transcript::TranscriptModelsRecord>,
}

/// Where a biomarker value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValueSource {
    /// Measured by oncostream in this run (`results.json`).
    Measured,
    /// Typed in by the user (`--tmb`, `--msi-status`).
    UserSupplied,
}

/// TMB as the report shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct TmbSummary {
    /// Mutations per Mb.
    pub per_mb: f64,
    /// Class (None when not evaluable).
    pub class: Option<TmbClass>,
    /// Measured or user-supplied.
    pub source: ValueSource,
    /// Callable megabases (measured).
    pub callable_mb: Option<f64>,
    /// 95% confidence interval per Mb (measured).
    pub ci95: Option<[f64; 2]>,
    /// Evaluable, and why not.
    pub evaluability: Evaluability,
    /// SNVs, microsatellite indels and other indels per Mb, and the TMB without microsatellite
    /// indels (measured values only).
    #[serde(default)]
    pub components: Option<TmbComponents>,
}

/// What a measured TMB is made of (`results.json` `tmb`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct TmbComponents {
    /// SNVs counted.
    pub snv: u64,
    /// SNVs per Mb.
    pub snv_per_mb: f64,
    /// Indels in microsatellites counted.
    pub ms_indels: u64,
    /// Microsatellite indels per Mb.
    pub ms_indels_per_mb: f64,
    /// Other indels counted.
    pub other_indels: u64,
    /// Other indels per Mb.
    pub other_indels_per_mb: f64,
    /// (SNVs + other indels) per Mb.
    pub per_mb_without_ms_indels: f64,
}

/// The whole `report.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Report {
    /// Always `oncostream-report`.
    #[schemars(extend("const" = "oncostream-report"))]
    pub kind: String,
    /// Layout version of this document (5 for this build).
    #[schemars(extend("const" = 5))]
    pub schema_version: u32,
    /// The run this report belongs to (from `results.json` or the VCF header); absent for a
    /// report of a VCF from another caller.
    pub run_id: Option<String>,
    /// `oncostream <version>`.
    pub software: String,
    /// Knowledge base version and date.
    pub kb: KbInfo,
    /// Report date (UTC, YYYY-MM-DD); a re-tier keeps the date of the report it re-tiers.
    pub report_date: String,
    /// Language of report.html.
    #[serde(default)]
    pub lang: Lang,
    /// Basic items of the test.
    pub case: CaseInfo,
    /// Sample and cancer type.
    pub sample: ReportSample,
    /// Input files with md5.
    pub inputs: ReportInputs,
    /// TMB per Mb and class, when known.
    pub tmb: Option<TmbSummary>,
    /// MSI, when known.
    pub msi: Option<MsiSummary>,
    /// Purity estimate, when known.
    pub purity: Option<f64>,
    /// QC verdict, when known.
    pub qc_verdict: Option<QcVerdict>,
    /// The run's QC metrics (depth, coverage, duplicates, insert size, identity), when known.
    pub qc: Option<QcResult>,
    /// Highest evidence level among findings.
    pub highest_level: Option<String>,
    /// Tiered findings, sorted by level.
    pub findings: Vec<Finding>,
    /// All PASS variants with annotation.
    pub variants: Vec<ReportVariant>,
    /// Germline (secondary) findings from the matched normal.
    pub germline: GermlineResult,
    /// Candidate clinical trials (from a user-supplied list).
    #[serde(default)]
    pub trials: TrialsResult,
    /// Copy number (from the run), when assessed.
    pub copy_number: Option<super::cnv::CopyNumberResult>,
    /// Structural variants and fusions (from the run), when assessed.
    pub structural_variants: Option<super::sv::SvResult>,
    /// What was not assessed, and why.
    pub not_assessed: Vec<super::results::NotAssessed>,
    /// Preferred transcripts absent from the models; rules not evaluated.
    #[serde(default)]
    pub transcripts: TranscriptCheck,
    /// Expert-panel triage.
    pub expert_panel: Triage,
    /// Limitations and warnings.
    pub limitations: Vec<String>,
}
