//! The read filter: which reads count, which are tallied as `fail`.

use crate::types::{aln::flag, Aln};

/// Default excluded flags: unmapped, secondary, QC-fail, duplicate (`samtools depth` default).
pub(crate) const DEFAULT_EXCLUDE: u16 = flag::UNMAPPED | flag::SECONDARY | flag::QCFAIL | flag::DUP;

/// Flag and mapping-quality filter. Unmapped reads never enter the pileup at all (as in
/// htslib); reads failing this filter are tallied in the `fail` column where they align.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadFilter {
    /// A read with any of these flag bits fails.
    pub exclude_flags: u16,
    /// A read lacking any of these flag bits fails.
    pub include_flags: u16,
    /// A read with MAPQ below this fails (MAPQ 255, "unavailable", passes only when this is 0).
    pub min_mapq: u8,
}

impl Default for ReadFilter {
    fn default() -> Self {
        ReadFilter {
            exclude_flags: DEFAULT_EXCLUDE,
            include_flags: 0,
            min_mapq: 0,
        }
    }
}

impl ReadFilter {
    /// True when the read passes.
    #[inline]
    pub fn pass(&self, a: &Aln<'_>) -> bool {
        a.flags & self.exclude_flags == 0
            && a.flags & self.include_flags == self.include_flags
            && (self.min_mapq == 0 || (a.mapq != 255 && a.mapq >= self.min_mapq))
    }
}
