//! What crosses a stage boundary: contigs, regions, shards and per-position tallies.
//!
//! Coordinates inside the program are **0-based, half-open** (`start..end`) and typed as
//! [`Pos0`]. They become 1-based only at the edge: a region string typed by a user, a TSV/VCF
//! row written for a user.

pub mod aln;
pub mod tally;

pub use aln::Aln;
pub use tally::{Field, Tally};

/// A 0-based position on a contig.
pub type Pos0 = u64;

/// Index of a contig in the alignment header's reference-sequence dictionary.
pub type ContigId = usize;

/// One reference sequence as declared by the alignment header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contig {
    /// Name as written in `@SQ SN`.
    pub name: String,
    /// Length as written in `@SQ LN`.
    pub len: u64,
    /// `@SQ M5`, lowercase hex, when the header has it.
    pub md5: Option<String>,
}

/// A 0-based half-open interval on one contig.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Region {
    /// Contig index (header order).
    pub contig: ContigId,
    /// First position, 0-based inclusive.
    pub start: Pos0,
    /// End position, 0-based exclusive.
    pub end: Pos0,
}

impl Region {
    /// Number of positions.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// True when the region has no positions.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// A unit of parallel work: a core span whose positions this shard alone emits.
///
/// Reads overlapping the core span are fetched; bases outside it are ignored, so a read that
/// overhangs two shards contributes each base exactly once. Per-read statistics are counted by
/// the shard that holds the read's start (or by the first shard of a region for reads that
/// start before the region).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Sequence number in genome order, 0-based.
    pub index: usize,
    /// The core span.
    pub core: Region,
    /// True for the first shard of a user region (it also owns reads starting before it).
    pub first_of_region: bool,
    /// Index of the user region (target interval) this shard belongs to.
    pub region_index: usize,
}
