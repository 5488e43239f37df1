//! [`PileupRows`]: the `pileup` command's observer. It formats each shard's rows on the worker
//! (in the table format of `io::pileup_tsv`), so the main thread only writes blocks in order.

use crate::engine::{Column, ColumnObserver, RefSlice};
use crate::io::pileup_tsv::PileupTsv;
use crate::types::{source::Fields, Shard, Tally};

/// Formats every column (or only touched ones) into a block of TSV rows per shard.
pub struct PileupRows<'a> {
    /// The table format (contigs, samples, max-depth flag).
    pub table: PileupTsv<'a>,
    /// Emit positions without any read.
    pub all_positions: bool,
}

impl ColumnObserver for PileupRows<'_> {
    type Partial = Vec<u8>;

    fn begin(&self, _shard: &Shard, _reference: &RefSlice<'_>) -> Vec<u8> {
        Vec::new()
    }

    fn fields(&self) -> Fields {
        // the counts come from the engine's columns; no quality or tag is read here
        Fields::BASES
    }

    fn handles_empty(&self, _partial: &Self::Partial) -> bool {
        // an empty position is written only with --all-positions
        !self.all_positions
    }

    #[inline]
    fn column(&self, out: &mut Vec<u8>, col: &Column<'_>) {
        if !self.all_positions && col.samples.iter().all(Tally::is_empty) {
            return;
        }
        let t = &self.table;
        let name = t.contigs[col.contig].name.as_bytes();
        let multi = t.samples.len() > 1;
        for (i, tally) in col.samples.iter().enumerate() {
            let s = if multi {
                Some(t.samples[i].as_str())
            } else {
                None
            };
            t.row(out, name, col.pos.to_pos1().get(), col.ref_base, s, tally);
        }
    }
}
