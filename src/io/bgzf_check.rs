//! Container-level checks done before any thread starts: BGZF EOF marker, truncation, CRAM
//! version and EOF container.
//!
//! noodles reads a BAM that lacks the 28-byte BGZF EOF block without a word, and a BAM cut in
//! the middle of a block fails only when a query reaches the cut. Both are checked here, once,
//! on the memory-mapped bytes, so that the error names the file and no output is started.

/// The 28-byte BGZF end-of-file block (SAM spec §4.1.2).
pub(crate) const BGZF_EOF: [u8; 28] = [
    0x1f, 0x8b, 0x08, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x06, 0x00, 0x42, 0x43, 0x02, 0x00,
    0x1b, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// The 38-byte CRAM 3.x EOF container (CRAM spec §9).
pub(crate) const CRAM3_EOF: [u8; 38] = [
    0x0f, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xe0, 0x45, 0x4f, 0x46, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x05, 0xbd, 0xd9, 0x4f, 0x00, 0x01, 0x00, 0x06, 0x06, 0x01, 0x00, 0x01, 0x00,
    0x01, 0x00, 0xee, 0x63, 0x01, 0x4b,
];

/// What the tail of a BGZF file says about its completeness.
#[derive(Debug, PartialEq, Eq)]
pub enum BgzfTail {
    /// Ends with the EOF block.
    Complete,
    /// Every block is whole but the EOF block is absent (possibly cut at a block boundary).
    MissingEof,
    /// A block is cut short at this byte offset (its header starts there).
    Truncated {
        /// Offset of the incomplete block.
        block_offset: u64,
    },
    /// Not BGZF at all (first bytes are not a BGZF header).
    NotBgzf,
}

/// Checks the BGZF framing of `data`: cheap (reads 18 bytes per block, no inflate).
pub(crate) fn check_bgzf(data: &[u8]) -> BgzfTail {
    if data.len() >= 28 && data[data.len() - 28..] == BGZF_EOF {
        return BgzfTail::Complete;
    }
    let mut off = 0usize;
    while off < data.len() {
        let rest = &data[off..];
        if rest.len() < 18 {
            return BgzfTail::Truncated {
                block_offset: off as u64,
            };
        }
        if rest[0] != 0x1f || rest[1] != 0x8b || rest[3] & 0x04 == 0 {
            return if off == 0 {
                BgzfTail::NotBgzf
            } else {
                BgzfTail::Truncated {
                    block_offset: off as u64,
                }
            };
        }
        let bsize = u16::from_le_bytes([rest[16], rest[17]]) as usize + 1;
        if bsize > rest.len() {
            return BgzfTail::Truncated {
                block_offset: off as u64,
            };
        }
        off += bsize;
    }
    BgzfTail::MissingEof
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eof_block_alone_is_complete() {
        assert_eq!(check_bgzf(&BGZF_EOF), BgzfTail::Complete);
    }

    #[test]
    fn cut_block_is_truncated_and_whole_blocks_miss_eof() {
        let mut two = BGZF_EOF.to_vec();
        two.extend_from_slice(&BGZF_EOF[..20]);
        assert_eq!(check_bgzf(&two), BgzfTail::Truncated { block_offset: 28 });
        // an EOF-shaped block that is not last: whole blocks, no EOF at the end
        let mut x = BGZF_EOF.to_vec();
        x[24] = 1; // ISIZE != 0: not the EOF block, framing still whole
        assert_eq!(check_bgzf(&x), BgzfTail::MissingEof);
        assert_eq!(
            check_bgzf(b"hello world, not bgzf at all"),
            BgzfTail::NotBgzf
        );
    }
}
