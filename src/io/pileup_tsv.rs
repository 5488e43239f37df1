//! The `oncostream pileup` table.
//!
//! Tab-separated, one header line, then one row per position (and per sample when more than
//! one input is given, with a `sample` column). Columns:
//!
//! | column | meaning |
//! |---|---|
//! | `contig` | reference name |
//! | `pos` | 1-based position |
//! | `ref` | reference base (uppercase; `N` without `--reference`) |
//! | `sample` | only with several inputs: sample name (`@RG SM`, else file stem) |
//! | `depth` | `A+C+G+T+N+del`: passing reads with a base or deletion here (= perbase `DEPTH`) |
//! | `A` `C` `G` `T` | bases at or above `--min-base-quality` |
//! | `N` | other bases, and bases below `--min-base-quality` |
//! | `del` | deletions over this position |
//! | `ins` | insertions starting right after this position (not in depth) |
//! | `ref_skip` | reference skips (`N` ops) over this position (not in depth) |
//! | `fail` | reads over this position failing the read filter (not in depth) |
//! | `max_depth` | `1` when `depth >= --max-depth` (counts stay exact; the flag says to be wary) |
//!
//! Without `--all-positions`, positions no read touches are omitted (as perbase does).

use crate::types::{Contig, Tally};

/// The table's format: which columns, and when the `max_depth` flag is set. Rows are
/// formatted on the worker threads (by `somatic::pileup::PileupRows`) into byte blocks that
/// the main thread writes in genome order.
pub struct PileupTsv<'a> {
    /// Contigs (names resolved here, at the writer).
    pub contigs: &'a [Contig],
    /// Sample names; a `sample` column is written when there is more than one.
    pub samples: Vec<String>,
    /// Depth at which the `max_depth` flag is set.
    pub max_depth: u32,
}

impl PileupTsv<'_> {
    /// The header line.
    pub fn header(&self) -> String {
        let mut h = String::from("contig\tpos\tref");
        if self.samples.len() > 1 {
            h.push_str("\tsample");
        }
        h.push_str("\tdepth\tA\tC\tG\tT\tN\tdel\tins\tref_skip\tfail\tmax_depth\n");
        h
    }

    /// Appends one row.
    pub fn row(
        &self,
        out: &mut Vec<u8>,
        name: &[u8],
        pos1: u64,
        ref_base: u8,
        sample: Option<&str>,
        t: &Tally,
    ) {
        let mut ib = itoa::Buffer::new();
        out.extend_from_slice(name);
        out.push(b'\t');
        out.extend_from_slice(ib.format(pos1).as_bytes());
        out.push(b'\t');
        out.push(ref_base);
        if let Some(s) = sample {
            out.push(b'\t');
            out.extend_from_slice(s.as_bytes());
        }
        let depth = t.depth();
        out.push(b'\t');
        out.extend_from_slice(ib.format(depth).as_bytes());
        for &v in &t.0 {
            // most counters of a row are 0-9 (every field but the reference base's)
            if v < 10 {
                out.extend_from_slice(&[b'\t', b'0' + v as u8]);
            } else {
                out.push(b'\t');
                out.extend_from_slice(ib.format(v).as_bytes());
            }
        }
        out.extend_from_slice(if depth >= self.max_depth {
            b"\t1\n"
        } else {
            b"\t0\n"
        });
    }
}
