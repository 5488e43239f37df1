//! The ground floor: what crosses a stage boundary. No file access, no threads, no statistics.
//!
//! - coordinates ([`ContigId`], [`Pos0`], [`Pos1`], [`Span`], [`Region`], [`Shard`]) and contigs;
//! - the read view ([`Aln`]) and per-position counters ([`Tally`]) of the hot loop;
//! - the sources the engine reads ([`source`]: traits that `io` implements);
//! - calls ([`call`]), microsatellites ([`msi`]), transcript models and annotations
//!   ([`transcript`]);
//! - the versioned documents a run writes and the next stage reads: [`results`] (`results.json`),
//!   [`report`] (`report.json`), [`manifest`] (`run_manifest.json`) and [`metrics`].
//!
//! # Coordinates
//!
//! Coordinates inside the program are **0-based, half-open**: a position is a [`Pos0`], an
//! interval a [`Span`] (`[start, end)`, or a [`Region`] when it carries its contig). This holds
//! for the pileup, calls, copy-number segments and bins, structural-variant copy-number changes
//! and transcript models (exons and CDS). 1-based numbers ([`Pos1`], or a closed `first..=last`)
//! exist only at the edges, converted once where a file is read or written:
//!
//! - read: VCF `POS` (a call's allele is handed to the annotation as a [`Pos1`] and turned
//!   0-based there), GFF3/GTF `start`/`end` (`io::gff`, [`Span::from_closed1`]), DNAcopy `.seg`
//!   and PURPLE gene files (`io::cn_input`), a region typed by a user;
//! - written: VCF, MAF, `copy_number.seg` and cBioPortal `data_cna_<genome>.seg` (`loc.start` =
//!   `start + 1`), breakend and variant positions in `results.json`/`report.json` (typed
//!   [`Pos1`]), locations on the report page.
//!
//! BED-like files and the JSON fields typed [`Pos0`] (`start`/`end` of segments and genes) stay
//! 0-based half-open. HGVS `c.`/`n.` numbers and exon numbers are transcript numbering, 1-based
//! by definition, not genomic coordinates.
//!
//! Contigs: where the alignment header is known (the pileup, calls, copy-number bins,
//! junction clustering) a contig is a [`ContigId`], its index in the header. Where contigs come
//! from another file (transcript models, `report --cnv`/`--sv` inputs) or are serialised
//! (`chrom` in `results.json`), they stay names (`String`): such a file may name contigs the
//! reference lacks, and a document must be readable without the header.

pub mod aln;
pub mod batch;
pub mod call;
pub mod cnv;
pub mod coverage;
pub mod fxhash;
pub mod manifest;
pub mod metrics;
pub mod monitor;
pub mod msi;
pub mod report;
pub mod results;
pub mod source;
pub mod sv;
pub mod tally;
pub mod transcript;

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use aln::Aln;
pub use tally::{Field, Tally};

/// Index of a contig in the alignment header's reference-sequence dictionary (`@SQ` order).
///
/// A newtype, so that a contig index is never mistaken for a position or a count. Index a
/// contig list with it directly: `contigs[id]`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct ContigId(u32);

impl ContigId {
    /// The id of the `i`-th `@SQ` line.
    ///
    /// # Panics
    /// Panics beyond `u32::MAX` contigs (no reference comes close).
    pub fn new(i: usize) -> ContigId {
        ContigId(u32::try_from(i).expect("fewer than 2^32 contigs"))
    }

    /// The position in the header's dictionary.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl std::ops::Index<ContigId> for [Contig] {
    type Output = Contig;
    #[inline]
    fn index(&self, id: ContigId) -> &Contig {
        &self[id.index()]
    }
}

impl std::ops::Index<ContigId> for Vec<Contig> {
    type Output = Contig;
    #[inline]
    fn index(&self, id: ContigId) -> &Contig {
        &self[id.index()]
    }
}

/// A 0-based position on a contig (the internal convention).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Pos0(u64);

impl Pos0 {
    /// Wraps a 0-based offset.
    #[inline]
    pub const fn new(p: u64) -> Pos0 {
        Pos0(p)
    }

    /// The 0-based offset.
    #[inline]
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The same base, 1-based (for VCF, TSV and JSON written for users).
    #[inline]
    pub const fn to_pos1(self) -> Pos1 {
        Pos1(self.0 + 1)
    }

    /// Distance in bases, either way.
    #[inline]
    pub const fn abs_diff(self, other: Pos0) -> u64 {
        self.0.abs_diff(other.0)
    }

    /// The position `d` bases before, or the contig start.
    #[inline]
    pub const fn saturating_sub(self, d: u64) -> Pos0 {
        Pos0(self.0.saturating_sub(d))
    }

    /// The position `d` bases before; None before the contig start.
    #[inline]
    pub const fn checked_sub(self, d: u64) -> Option<Pos0> {
        match self.0.checked_sub(d) {
            Some(p) => Some(Pos0(p)),
            None => None,
        }
    }
}

impl std::ops::Add<u64> for Pos0 {
    type Output = Pos0;
    #[inline]
    fn add(self, d: u64) -> Pos0 {
        Pos0(self.0 + d)
    }
}

impl std::ops::Sub<Pos0> for Pos0 {
    type Output = u64;
    /// Distance in bases (`self` must not be before `other`).
    #[inline]
    fn sub(self, other: Pos0) -> u64 {
        self.0 - other.0
    }
}

impl std::ops::Sub<u64> for Pos0 {
    type Output = Pos0;
    /// The position `d` bases before (`d` must not exceed the offset).
    #[inline]
    fn sub(self, d: u64) -> Pos0 {
        Pos0(self.0 - d)
    }
}

impl fmt::Display for Pos0 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl JsonSchema for Pos0 {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Pos0".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A 0-based position, as BED writes starts: the first base of a contig is 0.",
            "type": "integer",
            "format": "uint64",
            "minimum": 0
        })
    }
}

/// A 0-based half-open interval `[start, end)` (the internal convention; the contig is kept by
/// whoever holds the span). `start == end` is empty: the point between two bases.
///
/// A 1-based closed interval `first..=last` (GFF/GTF columns 4-5, samtools regions, HGVS `g.`)
/// is the span `[first - 1, last)`: the numbers of `end` and `last` are the same. Convert with
/// [`Span::from_closed1`] when reading and [`Span::to_closed1`] when writing for a user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// First position, inclusive.
    pub start: Pos0,
    /// End, exclusive.
    pub end: Pos0,
}

impl Span {
    /// `[start, end)`.
    ///
    /// # Panics
    /// Panics when `end` is before `start`.
    #[inline]
    pub const fn new(start: Pos0, end: Pos0) -> Span {
        assert!(start.0 <= end.0, "a span cannot end before it starts");
        Span { start, end }
    }

    /// The span of the 1-based closed interval `first..=last` (at least one base).
    ///
    /// # Panics
    /// Panics when `last` is before `first`.
    #[inline]
    pub const fn from_closed1(first: Pos1, last: Pos1) -> Span {
        assert!(
            first.0 <= last.0,
            "a closed interval cannot end before it starts"
        );
        Span {
            start: first.to_pos0(),
            end: Pos0(last.0),
        }
    }

    /// The 1-based closed interval `(first, last)` of the same bases; None when empty.
    #[inline]
    pub fn to_closed1(self) -> Option<(Pos1, Pos1)> {
        if self.is_empty() {
            return None;
        }
        Some((self.start.to_pos1(), Pos1(self.end.0)))
    }

    /// Number of bases.
    #[inline]
    pub const fn len(self) -> u64 {
        self.end.0 - self.start.0
    }

    /// True when the span holds no base.
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.end.0 == self.start.0
    }

    /// The last base inside (`end - 1`).
    ///
    /// # Panics
    /// Panics when the span is empty.
    #[inline]
    pub fn last(self) -> Pos0 {
        assert!(!self.is_empty(), "an empty span has no last base");
        Pos0(self.end.0 - 1)
    }

    /// True when `p` lies inside.
    #[inline]
    pub fn contains(self, p: Pos0) -> bool {
        self.start <= p && p < self.end
    }

    /// True when the two spans share a base.
    #[inline]
    pub fn overlaps(self, other: Span) -> bool {
        self.start < other.end && other.start < self.end && !self.is_empty() && !other.is_empty()
    }

    /// The smallest span holding both.
    #[inline]
    pub fn hull(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

impl fmt::Display for Span {
    /// `[start, end)`, 0-based.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {})", self.start, self.end)
    }
}

/// A 1-based position, as VCF `POS`, samtools regions and HGVS `g.` use; never 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct Pos1(u64);

impl Pos1 {
    /// A 1-based position; `None` for 0.
    pub const fn new(p: u64) -> Option<Pos1> {
        if p == 0 {
            None
        } else {
            Some(Pos1(p))
        }
    }

    /// The 1-based value.
    #[inline]
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The same base, 0-based.
    #[inline]
    pub const fn to_pos0(self) -> Pos0 {
        Pos0(self.0 - 1)
    }
}

impl JsonSchema for Pos1 {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Pos1".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A 1-based position (VCF POS); never 0.",
            "type": "integer",
            "minimum": 1
        })
    }
}

impl TryFrom<u64> for Pos1 {
    type Error = String;
    fn try_from(p: u64) -> Result<Pos1, String> {
        Pos1::new(p).ok_or_else(|| "a 1-based position cannot be 0".to_string())
    }
}

impl From<Pos1> for u64 {
    fn from(p: Pos1) -> u64 {
        p.0
    }
}

impl fmt::Display for Pos1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Test helper: xorshift64 (Marsaglia 2003), a deterministic stream of pseudo-random numbers
/// from a non-zero `seed`, for tests that compare two implementations on many inputs.
#[cfg(test)]
pub(crate) fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

/// Test helpers: 1-based numbers as a GFF or HGVS `g.` writes them, as the internal types.
#[cfg(test)]
pub(crate) mod one_based {
    use super::{Pos0, Pos1, Span};

    /// The 0-based position of 1-based `p`.
    pub(crate) fn pos(p: u64) -> Pos0 {
        Pos1::new(p).unwrap().to_pos0()
    }

    /// The span of 1-based closed `a..=b`.
    pub(crate) fn span(a: u64, b: u64) -> Span {
        Span::from_closed1(Pos1::new(a).unwrap(), Pos1::new(b).unwrap())
    }

    /// Spans of 1-based closed intervals.
    pub(crate) fn spans(v: &[(u64, u64)]) -> Vec<Span> {
        v.iter().map(|&(a, b)| span(a, b)).collect()
    }
}

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

/// What a reference sequence is, from its name (GRCh38 / hs38DH / b37 naming conventions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContigClass {
    /// An autosome or sex chromosome: `chr1`..`chr22`, `chrX`, `chrY` (or without `chr`).
    Primary,
    /// The mitochondrial genome: `chrM`, `MT`.
    Mito,
    /// An alternate locus (`*_alt`).
    Alt,
    /// An unlocalized scaffold (`*_random`).
    Random,
    /// An unplaced scaffold (`chrUn_*`, b37 `GL...`/`KI...`).
    Unplaced,
    /// A decoy (`*_decoy`, `hs37d5`).
    Decoy,
    /// An HLA allele (`HLA-*`).
    Hla,
    /// Epstein-Barr virus (`chrEBV`, `NC_007605`).
    Ebv,
    /// Anything else (a non-human genome, a slice, a custom reference).
    Other,
}

impl ContigClass {
    /// Classifies a contig name.
    pub fn of(name: &str) -> ContigClass {
        let n = name.strip_prefix("chr").unwrap_or(name);
        let primary = match n.parse::<u32>() {
            Ok(k) => (1..=22).contains(&k) && !n.starts_with('0'),
            Err(_) => n == "X" || n == "Y",
        };
        if primary {
            ContigClass::Primary
        } else if n == "M" || n == "MT" {
            ContigClass::Mito
        } else if name.ends_with("_alt") {
            ContigClass::Alt
        } else if name.ends_with("_random") {
            ContigClass::Random
        } else if name.ends_with("_decoy") || name == "hs37d5" {
            ContigClass::Decoy
        } else if name.starts_with("HLA-") {
            ContigClass::Hla
        } else if n == "EBV" || name.starts_with("NC_007605") {
            ContigClass::Ebv
        } else if name.starts_with("chrUn_") || name.starts_with("GL") || name.starts_with("KI") {
            ContigClass::Unplaced
        } else {
            ContigClass::Other
        }
    }
}

/// A 0-based half-open interval on one contig.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Region {
    /// Contig (header order).
    pub contig: ContigId,
    /// First position, 0-based inclusive.
    pub start: u64,
    /// End position, 0-based exclusive.
    pub end: u64,
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

    /// True when `pos` (0-based) lies inside on `contig`.
    pub fn contains(&self, contig: ContigId, pos: Pos0) -> bool {
        self.contig == contig && self.start <= pos.get() && pos.get() < self.end
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

/// Sorts regions in header order and merges overlapping or touching ones.
pub fn merge_regions(mut regions: Vec<Region>) -> Vec<Region> {
    regions.sort();
    let mut out: Vec<Region> = Vec::with_capacity(regions.len());
    for r in regions {
        if r.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.contig == r.contig && r.start <= last.end => {
                last.end = last.end.max(r.end);
            }
            _ => out.push(r),
        }
    }
    out
}

/// Rounds to `digits` decimals (the precision every JSON number is written with).
pub fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// A versioned JSON document this program writes and reads back (`results.json`,
/// `report.json`, `run_manifest.json`). Each carries `kind` and `schema_version`, checked on
/// reading so that another file, or another version's, is refused with a clear message.
pub trait Document: Serialize + serde::de::DeserializeOwned + JsonSchema {
    /// The `kind` field.
    const KIND: &'static str;
    /// The `schema_version` this build writes and reads.
    const SCHEMA_VERSION: u32;
    /// The usual file name, for messages.
    const FILE_NAME: &'static str;
}

impl Document for results::RunResults {
    const KIND: &'static str = results::RESULTS_KIND;
    const SCHEMA_VERSION: u32 = results::RESULTS_SCHEMA_VERSION;
    const FILE_NAME: &'static str = "results.json";
}

impl Document for report::Report {
    const KIND: &'static str = report::REPORT_KIND;
    const SCHEMA_VERSION: u32 = report::REPORT_SCHEMA_VERSION;
    const FILE_NAME: &'static str = "report.json";
}

impl Document for metrics::Metrics {
    const KIND: &'static str = metrics::METRICS_KIND;
    const SCHEMA_VERSION: u32 = metrics::METRICS_SCHEMA_VERSION;
    const FILE_NAME: &'static str = "metrics.json";
}

impl Document for batch::BatchSummary {
    const KIND: &'static str = batch::BATCH_KIND;
    const SCHEMA_VERSION: u32 = batch::BATCH_SCHEMA_VERSION;
    const FILE_NAME: &'static str = batch::BATCH_SUMMARY_JSON;
}

impl Document for monitor::MonitorDoc {
    const KIND: &'static str = monitor::MONITOR_KIND;
    const SCHEMA_VERSION: u32 = monitor::MONITOR_SCHEMA_VERSION;
    const FILE_NAME: &'static str = monitor::MONITOR_FILE;
}

impl Document for manifest::RunManifest {
    const KIND: &'static str = manifest::MANIFEST_KIND;
    const SCHEMA_VERSION: u32 = manifest::MANIFEST_SCHEMA_VERSION;
    const FILE_NAME: &'static str = manifest::MANIFEST_FILE;
}

/// The JSON Schema (draft 2020-12) of every document this program writes, by file name stem:
/// `results`, `report`, `run_manifest`, `metrics`. Committed under `schemas/`; a test keeps the
/// committed files equal to these.
pub fn json_schemas() -> Vec<(&'static str, String)> {
    fn pretty(s: schemars::Schema) -> String {
        let mut t = serde_json::to_string_pretty(&s).expect("a schema serialises");
        t.push('\n');
        t
    }
    vec![
        (
            "results",
            pretty(schemars::schema_for!(results::RunResults)),
        ),
        ("report", pretty(schemars::schema_for!(report::Report))),
        (
            "run_manifest",
            pretty(schemars::schema_for!(manifest::RunManifest)),
        ),
        ("metrics", pretty(schemars::schema_for!(metrics::Metrics))),
        (
            "batch_summary",
            pretty(schemars::schema_for!(batch::BatchSummary)),
        ),
        (
            "monitor",
            pretty(schemars::schema_for!(monitor::MonitorDoc)),
        ),
    ]
}

/// The kinds of document, to name a file given in the wrong place.
pub(crate) fn document_name(kind: &str) -> Option<&'static str> {
    match kind {
        results::RESULTS_KIND => Some("results.json"),
        report::REPORT_KIND => Some("report.json"),
        manifest::MANIFEST_KIND => Some("run_manifest.json"),
        metrics::METRICS_KIND => Some("metrics.json"),
        batch::BATCH_KIND => Some(batch::BATCH_SUMMARY_JSON),
        monitor::MONITOR_KIND => Some(monitor::MONITOR_FILE),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_convert_at_the_edge_only() {
        let p = Pos0::new(99);
        assert_eq!(p.to_pos1().get(), 100);
        assert_eq!(p.to_pos1().to_pos0(), p);
        assert!(Pos1::new(0).is_none());
        let j: Result<Pos1, _> = serde_json::from_str("0");
        assert!(j.is_err(), "0 is not a 1-based position");
        let contigs = [Contig {
            name: "chr1".into(),
            len: 10,
            md5: None,
        }];
        assert_eq!(contigs[..][ContigId::new(0)].name, "chr1");
    }

    fn p1(p: u64) -> Pos1 {
        Pos1::new(p).unwrap()
    }

    #[test]
    fn a_closed_1_based_interval_is_one_half_open_0_based_span() {
        // GFF3 spec: columns 4-5 are 1-based, closed; BRAF exon 15 (CDS) of MANE NM_004333.6
        // in data/transcripts is chr7 140753275 140753393, 119 bases, and holds V600E
        // (VCF POS 140753336)
        let s = Span::from_closed1(p1(140_753_275), p1(140_753_393));
        assert_eq!((s.start.get(), s.end.get()), (140_753_274, 140_753_393));
        assert_eq!(s.len(), 119);
        assert_eq!(s.to_closed1(), Some((p1(140_753_275), p1(140_753_393))));
        assert_eq!(s.last().to_pos1(), p1(140_753_393));
        assert!(s.contains(p1(140_753_336).to_pos0()));
        // the first and last base are in, the bases either side are not
        assert!(s.contains(p1(140_753_275).to_pos0()) && s.contains(p1(140_753_393).to_pos0()));
        assert!(!s.contains(p1(140_753_274).to_pos0()) && !s.contains(Pos0::new(140_753_393)));
        // one base: 1-based 1..=1 is [0, 1)
        let one = Span::from_closed1(p1(1), p1(1));
        assert_eq!(
            (one.start, one.end, one.len()),
            (Pos0::new(0), Pos0::new(1), 1)
        );
        assert_eq!(one.last(), Pos0::new(0));
        assert_eq!(one.to_string(), "[0, 1)");
        // round trips both ways
        for (a, b) in [(1, 1), (1, 10), (99, 100), (5, 5)] {
            let sp = Span::from_closed1(p1(a), p1(b));
            assert_eq!(sp.to_closed1(), Some((p1(a), p1(b))));
            let half = Span::new(Pos0::new(a - 1), Pos0::new(b));
            assert_eq!(half, sp);
        }
    }

    #[test]
    fn empty_spans_and_overlap_edges() {
        let e = Span::new(Pos0::new(10), Pos0::new(10));
        assert_eq!((e.is_empty(), e.len(), e.to_closed1()), (true, 0, None));
        assert!(!e.contains(Pos0::new(10)));
        let a = Span::new(Pos0::new(0), Pos0::new(10));
        let b = Span::new(Pos0::new(10), Pos0::new(20));
        // half-open: touching spans share no base
        assert!(!a.overlaps(b) && !b.overlaps(a));
        let c = Span::new(Pos0::new(9), Pos0::new(11));
        assert!(a.overlaps(c) && b.overlaps(c));
        // an empty span overlaps nothing, even inside another
        assert!(!a.overlaps(Span::new(Pos0::new(5), Pos0::new(5))));
        assert_eq!(a.hull(b), Span::new(Pos0::new(0), Pos0::new(20)));
        assert!(std::panic::catch_unwind(|| Span::new(Pos0::new(2), Pos0::new(1))).is_err());
        assert!(std::panic::catch_unwind(|| e.last()).is_err());
        assert_eq!(Pos0::new(7) - 2, Pos0::new(5));
        assert_eq!(Pos0::new(7).abs_diff(Pos0::new(9)), 2);
        assert_eq!(Pos0::new(0).checked_sub(1), None);
    }

    #[test]
    fn positions_have_schemas_that_name_their_base() {
        let s0 = serde_json::to_value(schemars::schema_for!(Pos0)).unwrap();
        assert_eq!(s0["minimum"], 0);
        assert!(s0["description"].as_str().unwrap().contains("0-based"));
        let s1 = serde_json::to_value(schemars::schema_for!(Pos1)).unwrap();
        assert_eq!(s1["minimum"], 1);
        // serde transparent: a Pos0 is its number
        assert_eq!(serde_json::to_string(&Pos0::new(5)).unwrap(), "5");
    }
}
