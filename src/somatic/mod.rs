//! Somatic calling: candidates from the one pass, the statistical model, artifact filters.
//!
//! Pure: this module never opens a file. [`evidence::CallObserver`] plugs into the engine
//! (it sees every read of tumor and normal over a shard) and turns each shard into scored
//! [`Call`]s; [`filters`] adds the filters that need the whole genome in order (clustered
//! events) or external resources (population allele frequencies, panel of normals).

pub mod biomarkers;
pub mod evidence;
pub mod filters;
pub mod model;
pub mod msi;
pub mod normalize;
pub mod qc;

use serde::{Deserialize, Serialize};

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Reference reads on the forward / reverse strand (mates counted separately).
    pub ref_fwd: u32,
    /// See `ref_fwd`.
    pub ref_rev: u32,
    /// Alt fragments whose kept read is on the forward / reverse strand.
    pub alt_fwd: u32,
    /// See `alt_fwd`.
    pub alt_rev: u32,
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
    /// Contig index.
    pub contig: usize,
    /// 0-based position of the first base of `ref_allele` (VCF POS - 1).
    pub pos: u64,
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
    /// Repeat tract length (bp) the indel sits in, 0 when none.
    pub repeat_len: u32,
    /// Failed filters (empty = PASS), in the order of [`filters::ALL`].
    pub filters: Vec<String>,
}

impl Call {
    /// True when no filter failed.
    pub fn is_pass(&self) -> bool {
        self.filters.is_empty()
    }

    /// Adds a filter once.
    pub fn fail(&mut self, name: &str) {
        if !self.filters.iter().any(|f| f == name) {
            self.filters.push(name.to_string());
        }
    }
}
