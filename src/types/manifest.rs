//! `run_manifest.json`: written LAST by every command that fills an output directory. It names
//! the run, its inputs (sizes and checksums), the tool and KB versions, and every output with its
//! checksum, so that an output directory can never be mistaken for another run's (and a batch
//! re-run can tell a complete sample from a half-finished one).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version of the manifest layout.
pub(crate) const MANIFEST_SCHEMA_VERSION: u32 = 1;

/// The `kind` of a manifest.
pub(crate) const MANIFEST_KIND: &str = "oncostream-run-manifest";

/// The manifest's file name inside an output directory.
pub(crate) const MANIFEST_FILE: &str = "run_manifest.json";

/// The whole-file digest that identifies the BAM/CRAM inputs (`--input-checksums`), computed
/// alongside the pass from the pages the pass reads.
///
/// BLAKE3 is the default: a cryptographic hash at several GB/s per core (`b3sum FILE` verifies
/// it), where MD5 costs about as much CPU per byte as decoding the BAM itself. MD5 is there for
/// laboratories whose records (an archive's or a sequencing provider's `.md5`) are in MD5.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum InputChecksum {
    /// BLAKE3, lowercase hex (`b3sum`).
    #[default]
    Blake3,
    /// MD5, lowercase hex (`md5sum`).
    Md5,
    /// No digest of the alignment inputs (sizes only).
    None,
}

/// One file the run read or wrote.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct ManifestFile {
    /// What it is (`tumor`, `normal`, `reference`, `kb`, `results`, `vcf`, ...).
    pub role: String,
    /// Inputs: path as given. Outputs: file name relative to the output directory.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// MD5 (lowercase hex), when computed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub md5: Option<String>,
    /// BLAKE3 (lowercase hex), when computed (the alignment inputs' default digest).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub blake3: Option<String>,
}

/// The whole manifest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct RunManifest {
    /// Always `oncostream-run-manifest`.
    #[schemars(extend("const" = "oncostream-run-manifest"))]
    pub kind: String,
    /// Layout version of this document (1 for this build).
    #[schemars(extend("const" = 1))]
    pub schema_version: u32,
    /// Unique id of the run.
    pub run_id: String,
    /// `oncostream`.
    pub tool: String,
    /// Version of the writer.
    pub version: String,
    /// The subcommand (`run`, `report`, `retier`).
    pub command: String,
    /// The full command line.
    pub argv: Vec<String>,
    /// UTC start time (RFC 3339).
    pub started: String,
    /// UTC end time (RFC 3339).
    pub completed: String,
    /// Tumor sample name, when the run has one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tumor_sample: Option<String>,
    /// Normal sample name, when the run has one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub normal_sample: Option<String>,
    /// The analysis name (`--sample-id`; a batch's sample id), when given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sample_id: Option<String>,
    /// MD5 of every setting that can change the results (inputs, options, tool version; not
    /// threads, shard size or the output directory): a batch re-run skips a complete sample only
    /// when this matches.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub settings_digest: Option<String>,
    /// Knowledge-base version, when a report was tiered.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kb_version: Option<String>,
    /// Files read.
    pub inputs: Vec<ManifestFile>,
    /// Files written (relative to the output directory), in the order written.
    pub outputs: Vec<ManifestFile>,
}
