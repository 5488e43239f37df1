//! Transcript models (from GFF3/GTF) and a variant's annotation on one of them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A transcript model (coordinates 1-based inclusive, exons/CDS in transcript order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transcript {
    /// Transcript id (e.g. `NM_004333.4`).
    pub id: String,
    /// Gene symbol.
    pub gene: String,
    /// Contig name.
    pub contig: String,
    /// +1 or -1.
    pub strand: i8,
    /// Exons, transcript order.
    pub exons: Vec<(u64, u64)>,
    /// CDS segments (including the stop codon), transcript order.
    pub cds: Vec<(u64, u64)>,
    /// Protein coding.
    pub coding: bool,
    /// MANE Select.
    pub mane: bool,
    /// Ensembl canonical.
    pub canonical: bool,
    /// The LRG's primary (t1) transcript.
    pub lrg_primary: bool,
}

/// One variant's annotation on one transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Annotation {
    /// Gene symbol.
    pub gene: String,
    /// Transcript id.
    pub transcript: String,
    /// Sequence Ontology term of the most severe consequence.
    pub consequence: String,
    /// HGVS c. (or n.) without the transcript prefix, e.g. `c.1799T>A`.
    pub hgvs_c: String,
    /// HGVS p. 3-letter, e.g. `p.Val600Glu` (None outside the CDS).
    pub hgvs_p: Option<String>,
    /// Short protein change, e.g. `V600E`.
    pub protein_change: Option<String>,
    /// `exon 15/18` or `intron 14/17`.
    pub location: Option<String>,
    /// Exon number when exonic.
    pub exon: Option<u32>,
    /// Reference protein (coding changes only; for checks, not serialised).
    #[serde(skip)]
    #[schemars(skip)]
    pub ref_protein: Vec<u8>,
    /// Mutant protein up to its first stop (coding changes only).
    #[serde(skip)]
    #[schemars(skip)]
    pub alt_protein: Vec<u8>,
}

/// Where the transcript models of a run or report came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModelsSource {
    /// The GRCh38 MANE Select models compiled into the binary (`data/transcripts`).
    Builtin,
    /// The user's `--gff`.
    Gff,
}

/// The transcript models a run or report annotated with: what they are, and how many applied to
/// the reference's contigs.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct TranscriptModelsRecord {
    /// `builtin` (shipped) or `gff` (`--gff`).
    pub source: ModelsSource,
    /// `builtin:data/transcripts/mane_select_grch38.gff3.gz`, or the `--gff` path as given.
    pub path: String,
    /// What the models are (the shipped ones: `MANE Select`); None for `--gff`.
    pub name: Option<String>,
    /// Release of the models (the shipped ones: the MANE release, `1.4`).
    pub version: Option<String>,
    /// Genome build of their coordinates (the shipped ones: `GRCh38`).
    pub genome_build: Option<String>,
    /// MD5 of the file (the shipped models: of the compressed bytes).
    pub md5: String,
    /// Transcripts in the file.
    pub transcripts: usize,
    /// Of those, the transcripts on a contig of this reference (names matched with or without
    /// `chr`, `chrM` = `MT`; the shipped models only when the contig has its GRCh38 length).
    pub transcripts_used: usize,
    /// Why none or only some of them were used.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
}
