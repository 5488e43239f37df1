//! What the engine reads, as traits: `io` implements them for BAM/CRAM files and FASTA
//! references; the engine sees only these, so it never depends on a file format (and tests can
//! feed it from memory).

use anyhow::Result;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Aln, Contig, Region};

/// Container format of an alignment input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// BGZF-compressed BAM.
    Bam,
    /// CRAM 3.0 or 3.1.
    Cram,
}

impl InputFormat {
    /// `bam` or `cram`.
    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::Bam => "bam",
            InputFormat::Cram => "cram",
        }
    }
}

/// The optional parts of a record a pass reads. A reader may skip decoding the others: a
/// CRAM reader asks htslib for only these (its required fields, as `samtools depth` does when
/// no base-quality threshold is set), so blocks no observer reads are never decompressed.
/// Placement, flags, MAPQ, name, CIGAR, mate fields and bases are always decoded.
///
/// A record read without `qual` carries `0xff` qualities (BAM's "missing", as a record stored
/// without them); without `aux`, no optional fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fields {
    /// Base qualities.
    pub qual: bool,
    /// Optional fields (tags).
    pub aux: bool,
}

impl Fields {
    /// Everything (the default of every observer that does not say otherwise).
    pub const ALL: Fields = Fields {
        qual: true,
        aux: true,
    };
    /// Neither qualities nor optional fields.
    pub const BASES: Fields = Fields {
        qual: false,
        aux: false,
    };

    /// What either of two readers needs.
    pub const fn union(self, o: Fields) -> Fields {
        Fields {
            qual: self.qual || o.qual,
            aux: self.aux || o.aux,
        }
    }
}

/// What is known about an alignment input once it has been validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputInfo {
    /// Path as given.
    pub path: std::path::PathBuf,
    /// Container format.
    pub format: InputFormat,
    /// File size in bytes.
    pub size: u64,
    /// Sample name: the first `@RG SM`, else the file stem.
    pub sample: String,
    /// Path of the index used.
    pub index_path: std::path::PathBuf,
    /// `@RG` lines of the header (ID and SM), for the tumor/normal sameness check.
    pub read_groups: Vec<(String, String)>,
}

/// A validated alignment input, shared by all workers (`Sync`).
pub trait AlignmentSource: Sync {
    /// Path, format, size and sample.
    fn info(&self) -> &InputInfo;
    /// The header's reference sequences, in header order.
    fn contigs(&self) -> &[Contig];
    /// A reader of its own for one worker (readers never cross threads), decoding at least
    /// `fields`.
    fn reader(&self, fields: Fields) -> Result<Box<dyn AlignmentReader + '_>>;
    /// Records placed on contig `contig` (mapped + unmapped) as the index counts them, when it
    /// does: a pass that covers the contig whole must read exactly these.
    fn index_records(&self, _contig: usize) -> Option<u64> {
        None
    }
}

/// One worker's reader of one input.
pub trait AlignmentReader {
    /// Calls `f` for every record overlapping `region` (placed records only), in file order.
    fn fetch(&mut self, region: Region, f: &mut dyn FnMut(&Aln<'_>) -> Result<()>) -> Result<()>;
    /// Compressed bytes pulled from the file so far.
    fn bytes_read(&self) -> u64;
    /// Drops the reader's hold on data it has read (memory-mapped pages).
    fn release_pages(&mut self);
}

/// A reference genome readable by region.
pub trait SequenceSource: Send + Sync {
    /// Appends the uppercase bases `start..end` (0-based, clipped to the sequence) of `contig`
    /// to `out`; false when the reference has no such contig.
    fn fetch_into(&self, contig: &str, start: u64, end: u64, out: &mut Vec<u8>) -> bool;
    /// An error when a fetch found the reference damaged (its lines not where its index
    /// says); the bases fetched since are not to be used.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}
