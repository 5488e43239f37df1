//! [`Aln`]: the one read representation the engine walks, whatever the input format.
//!
//! It borrows BAM-layout fields: CIGAR ops as `len << 4 | op` words, the sequence packed two
//! bases per byte (`=ACMGRSVTWYHKDBN` nibbles), phred qualities (`0xff` when absent). A BAM
//! record is viewed without copying its sequence; a CRAM record is packed into this layout once.

/// CIGAR op codes (SAM spec §4.2.2).
pub mod op {
    /// `M`
    pub(crate) const MATCH: u32 = 0;
    /// `I`
    pub const INS: u32 = 1;
    /// `D`
    pub const DEL: u32 = 2;
    /// `N`
    pub(crate) const SKIP: u32 = 3;
    /// `S`
    pub(crate) const SOFT: u32 = 4;
    /// `H`
    pub(crate) const HARD: u32 = 5;
    /// `P`
    pub(crate) const PAD: u32 = 6;
    /// `=`
    pub(crate) const EQ: u32 = 7;
    /// `X`
    pub(crate) const DIFF: u32 = 8;

    /// True for ops that consume the reference.
    #[inline]
    pub(crate) fn consumes_ref(op: u32) -> bool {
        matches!(op, MATCH | DEL | SKIP | EQ | DIFF)
    }

    /// True for ops that consume the read.
    #[inline]
    pub(crate) fn consumes_read(op: u32) -> bool {
        matches!(op, MATCH | INS | SOFT | EQ | DIFF)
    }
}

/// SAM flag bits used by the engine.
pub mod flag {
    /// template has multiple segments
    pub const PAIRED: u16 = 0x1;
    /// each segment properly aligned according to the aligner
    pub(crate) const PROPER_PAIR: u16 = 0x2;
    /// segment unmapped
    pub(crate) const UNMAPPED: u16 = 0x4;
    /// next segment unmapped
    pub(crate) const MATE_UNMAPPED: u16 = 0x8;
    /// SEQ reverse complemented
    pub const REVERSE: u16 = 0x10;
    /// SEQ of the next segment reverse complemented
    pub(crate) const MATE_REVERSE: u16 = 0x20;
    /// first segment
    pub const READ1: u16 = 0x40;
    /// Last segment in the template (read 2).
    pub(crate) const READ2: u16 = 0x80;
    /// secondary alignment
    pub const SECONDARY: u16 = 0x100;
    /// not passing quality controls
    pub(crate) const QCFAIL: u16 = 0x200;
    /// PCR or optical duplicate
    pub const DUP: u16 = 0x400;
    /// supplementary alignment
    pub const SUPPLEMENTARY: u16 = 0x800;
}

/// A borrowed alignment record in BAM layout.
#[derive(Clone, Copy, Debug)]
pub struct Aln<'a> {
    /// Reference id, -1 when unplaced.
    pub tid: i32,
    /// 0-based leftmost aligned position, -1 when unplaced.
    pub start: i64,
    /// SAM flags.
    pub flags: u16,
    /// Mapping quality (255 = unavailable).
    pub mapq: u8,
    /// Mate reference id, -1 when unplaced.
    pub mate_tid: i32,
    /// Mate 0-based position, -1 when unplaced.
    pub mate_start: i64,
    /// Observed template length (TLEN), 0 when unavailable.
    pub tlen: i64,
    /// Query name without the trailing NUL.
    pub name: &'a [u8],
    /// CIGAR words, `len << 4 | op`.
    pub cigar: &'a [u32],
    /// Packed sequence, 4 bits per base, first base in the high nibble.
    pub seq: &'a [u8],
    /// Number of bases in `seq` (0 when SEQ is `*`).
    pub seq_len: usize,
    /// Phred base qualities; empty or `0xff` when QUAL is `*`.
    pub qual: &'a [u8],
    /// Optional fields in BAM binary layout (tag, type, value ...); empty when not kept.
    pub aux: &'a [u8],
}

impl Aln<'_> {
    /// Number of reference bases the alignment spans (M, D, N, =, X).
    #[inline]
    pub(crate) fn ref_len(&self) -> u64 {
        self.cigar
            .iter()
            .filter(|&&w| op::consumes_ref(w & 0xf))
            .map(|&w| (w >> 4) as u64)
            .sum()
    }

    /// 0-based exclusive end on the reference.
    #[inline]
    pub fn end(&self) -> i64 {
        self.start + self.ref_len() as i64
    }

    /// The 4-bit code of base `i` (`=ACMGRSVTWYHKDBN` order), `15` (N) when SEQ is absent.
    #[inline(always)]
    pub fn nibble(&self, i: usize) -> u8 {
        if i >= self.seq_len {
            return 15;
        }
        let b = self.seq[i >> 1];
        if i & 1 == 0 {
            b >> 4
        } else {
            b & 0xf
        }
    }

    /// Phred quality of base `i`, 255 when absent.
    #[inline(always)]
    pub(crate) fn qual_at(&self, i: usize) -> u8 {
        match self.qual.get(i) {
            Some(&q) => q,
            None => 255,
        }
    }

    /// True when the flag bits `f` are all set.
    #[inline]
    pub fn has(&self, f: u16) -> bool {
        self.flags & f == f
    }

    /// The value of a `Z` (string) optional field, e.g. `SA`, without its NUL.
    pub(crate) fn aux_str(&self, tag: [u8; 2]) -> Option<&[u8]> {
        match aux_find(self.aux, tag)? {
            (b'Z', v) => v.split(|&b| b == 0).next(),
            _ => None,
        }
    }

    /// The value of an integer optional field (`c C s S i I`), e.g. `MQ`.
    pub(crate) fn aux_int(&self, tag: [u8; 2]) -> Option<i64> {
        let (ty, v) = aux_find(self.aux, tag)?;
        Some(match ty {
            b'c' => *v.first()? as i8 as i64,
            b'C' => *v.first()? as i64,
            b's' => i16::from_le_bytes(v.get(..2)?.try_into().ok()?) as i64,
            b'S' => u16::from_le_bytes(v.get(..2)?.try_into().ok()?) as i64,
            b'i' => i32::from_le_bytes(v.get(..4)?.try_into().ok()?) as i64,
            b'I' => u32::from_le_bytes(v.get(..4)?.try_into().ok()?) as i64,
            _ => return None,
        })
    }

    /// Soft-clipped bases at the start and at the end of the alignment.
    #[inline]
    pub(crate) fn soft_clips(&self) -> (u32, u32) {
        let clip = |w: Option<&u32>| match w {
            Some(&w) if w & 0xf == op::SOFT => w >> 4,
            _ => 0,
        };
        // a hard clip may sit outside the soft clip
        let lead = self
            .cigar
            .iter()
            .take_while(|&&w| w & 0xf == op::HARD)
            .count();
        let trail = self
            .cigar
            .iter()
            .rev()
            .take_while(|&&w| w & 0xf == op::HARD)
            .count();
        (
            clip(self.cigar.get(lead)),
            clip(
                self.cigar
                    .len()
                    .checked_sub(trail + 1)
                    .and_then(|i| self.cigar.get(i)),
            ),
        )
    }
}

/// Finds optional field `tag` in BAM binary aux data: its type code and the bytes from its
/// value to the end of the data (`None` when absent or when the data are malformed).
fn aux_find(mut d: &[u8], tag: [u8; 2]) -> Option<(u8, &[u8])> {
    while d.len() >= 3 {
        let (t, ty, rest) = ([d[0], d[1]], d[2], &d[3..]);
        if t == tag {
            return Some((ty, rest));
        }
        let size = match ty {
            b'A' | b'c' | b'C' => 1,
            b's' | b'S' => 2,
            b'i' | b'I' | b'f' => 4,
            b'Z' | b'H' => rest.iter().position(|&b| b == 0)? + 1,
            b'B' => {
                let sub = *rest.first()?;
                let n = u32::from_le_bytes(rest.get(1..5)?.try_into().ok()?) as usize;
                let w = match sub {
                    b'c' | b'C' => 1,
                    b's' | b'S' => 2,
                    b'i' | b'I' | b'f' => 4,
                    _ => return None,
                };
                5 + n * w
            }
            _ => return None,
        };
        d = rest.get(size..)?;
    }
    None
}

/// Packs ASCII bases into BAM 4-bit codes (used for CRAM records).
pub fn pack_ascii_seq(ascii: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.reserve(ascii.len().div_ceil(2));
    for pair in ascii.chunks(2) {
        let hi = ascii_to_nibble(pair[0]);
        let lo = if pair.len() > 1 {
            ascii_to_nibble(pair[1])
        } else {
            0
        };
        out.push(hi << 4 | lo);
    }
}

/// The BAM 4-bit code of an ASCII base (case-insensitive).
#[inline]
pub(crate) fn ascii_to_nibble(b: u8) -> u8 {
    // a table: reference bases are random, a `match` per base mispredicts
    NIBBLE_OF[b as usize]
}

const NIBBLE_OF: [u8; 256] = {
    let mut t = [15u8; 256];
    let codes = b"=ACMGRSVTWYHKDB";
    let mut i = 0;
    while i < codes.len() {
        t[codes[i] as usize] = i as u8;
        t[codes[i].to_ascii_lowercase() as usize] = i as u8;
        i += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nibble_table_is_the_bam_code_of_every_byte() {
        for b in 0..=255u8 {
            let want = match b.to_ascii_uppercase() {
                b'=' => 0,
                b'A' => 1,
                b'C' => 2,
                b'M' => 3,
                b'G' => 4,
                b'R' => 5,
                b'S' => 6,
                b'V' => 7,
                b'T' => 8,
                b'W' => 9,
                b'Y' => 10,
                b'H' => 11,
                b'K' => 12,
                b'D' => 13,
                b'B' => 14,
                _ => 15,
            };
            assert_eq!(ascii_to_nibble(b), want, "byte {b}");
        }
        for b in 0..=255u8 {
            let want = match b {
                b'A' => 0,
                b'C' => 1,
                b'G' => 2,
                b'T' => 3,
                _ => 4,
            };
            assert_eq!(
                crate::types::tally::ACGT_FIELD[b as usize],
                want,
                "byte {b}"
            );
        }
    }

    #[test]
    fn pack_round_trips_through_nibble() {
        let mut packed = Vec::new();
        pack_ascii_seq(b"ACGTN", &mut packed);
        let a = Aln {
            tid: 0,
            start: 0,
            flags: 0,
            mapq: 60,
            mate_tid: -1,
            mate_start: -1,
            tlen: 0,
            name: b"r",
            cigar: &[5 << 4],
            seq: &packed,
            seq_len: 5,
            qual: &[],
            aux: &[],
        };
        let got: Vec<u8> = (0..5).map(|i| a.nibble(i)).collect();
        assert_eq!(got, vec![1, 2, 4, 8, 15]);
        assert_eq!(a.end(), 5);
        assert_eq!(a.qual_at(0), 255);
        assert_eq!(a.soft_clips(), (0, 0));
    }

    #[test]
    fn aux_fields_are_walked_by_type() {
        // NM:i:3, XB:B:s,2 values, SA:Z:chr1,100,+,50M,60,0;
        let mut aux = Vec::new();
        aux.extend_from_slice(b"NMi");
        aux.extend_from_slice(&3i32.to_le_bytes());
        aux.extend_from_slice(b"XBBs");
        aux.extend_from_slice(&2u32.to_le_bytes());
        aux.extend_from_slice(&[1, 0, 2, 0]);
        aux.extend_from_slice(b"SAZchr1,100,+,50M,60,0;\0");
        let cigar = [
            3 << 4 | op::HARD,
            10 << 4 | op::SOFT,
            90 << 4,
            5 << 4 | op::SOFT,
        ];
        let a = Aln {
            tid: 0,
            start: 0,
            flags: 0,
            mapq: 60,
            mate_tid: -1,
            mate_start: -1,
            tlen: 0,
            name: b"r",
            cigar: &cigar,
            seq: &[],
            seq_len: 0,
            qual: &[],
            aux: &aux,
        };
        assert_eq!(a.aux_str(*b"SA"), Some(&b"chr1,100,+,50M,60,0;"[..]));
        assert_eq!(a.aux_str(*b"NM"), None, "NM is not a string");
        assert_eq!(a.aux_int(*b"NM"), Some(3));
        assert_eq!(a.aux_int(*b"SA"), None);
        assert_eq!(a.aux_str(*b"XA"), None);
        assert_eq!(a.soft_clips(), (10, 5));
        let truncated = Aln {
            aux: &aux[..9],
            ..a
        };
        assert_eq!(truncated.aux_str(*b"SA"), None);
    }
}
