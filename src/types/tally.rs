//! Per-position counters of one sample.

/// The counters kept per position and sample, in the order of the pileup TSV columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Field {
    /// Bases A passing the base-quality threshold.
    A = 0,
    /// Bases C.
    C = 1,
    /// Bases G.
    G = 2,
    /// Bases T.
    T = 3,
    /// Any other base (N, IUPAC, `=`), and every base below the base-quality threshold.
    N = 4,
    /// Reads with a deletion (`D`) over this position; counted in depth.
    Del = 5,
    /// Reads whose last aligned base before an insertion is here; not counted in depth.
    Ins = 6,
    /// Reads with a reference skip (`N`) over this position; not counted in depth.
    RefSkip = 7,
    /// Reads over this position that fail the read filter (flags, mapping quality).
    Fail = 8,
}

/// The tally field (0-3) of an upper-case A/C/G/T reference base; 4 (`N`) for any other byte.
/// A table rather than a `match`: reference bases are random, so a branch per base mispredicts.
pub(crate) const ACGT_FIELD: [u8; 256] = {
    let mut t = [Field::N as u8; 256];
    t[b'A' as usize] = Field::A as u8;
    t[b'C' as usize] = Field::C as u8;
    t[b'G' as usize] = Field::G as u8;
    t[b'T' as usize] = Field::T as u8;
    t
};

/// Number of counters in a [`Tally`].
pub(crate) const N_FIELDS: usize = 9;

/// Counters of one sample at one position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally(pub [u32; N_FIELDS]);

impl Tally {
    /// Reads that pass the filter and place a base or a deletion here
    /// (`A+C+G+T+N+del`; the `DEPTH` of `perbase base-depth`).
    #[inline]
    pub fn depth(&self) -> u32 {
        let c = &self.0;
        c[0] + c[1] + c[2] + c[3] + c[4] + c[5]
    }

    /// Depth without deletions (`samtools depth` without `-J`, mosdepth).
    #[inline]
    pub fn bases(&self) -> u32 {
        let c = &self.0;
        c[0] + c[1] + c[2] + c[3] + c[4]
    }

    /// One counter.
    #[inline]
    pub fn get(&self, f: Field) -> u32 {
        self.0[f as usize]
    }

    /// True when no read touches this position at all (nothing to report).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&v| v == 0)
    }
}
