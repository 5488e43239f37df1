//! BAI and CSI indexes, read with bounds and checked against the BAM they index.
//!
//! noodles-csi's reader allocates whatever counts the file claims (one flipped bit in a `.bai`
//! asked for 412 GB and aborted) and its query indexes a bit vector with the stored bin numbers
//! (an out-of-range bin panicked), so the index is read here, every count checked against the
//! bytes that are left before anything is allocated, and queried with the binning scheme of
//! the SAM specification (§5.3; `reg2bins` of htslib).
//!
//! METHOD: what an index must satisfy before a read is trusted to it (each check names what it
//! catches; a failure is exit 65 with `rebuild it with samtools index`):
//! - every count fits in the bytes that follow it; nothing follows the optional unplaced count;
//! - as many reference sequences as the BAM header (else it indexes another file);
//! - every bin number exists in the scheme and starts inside its contig; no bin twice;
//! - every chunk is non-empty and its virtual offsets point inside the BAM;
//! - with the metadata pseudo-bin that samtools writes: the chunks of all bins of a contig,
//!   together, cover exactly its records' span `[ref_beg, ref_end)` without a gap (a chunk
//!   moved, shortened or lost leaves a gap), and its mapped + unmapped counts are what the pass
//!   must read on a contig it covers whole (`engine` compares them after the gather);
//! - at query time (in `alignment`), the record at the start of each chunk lies on the queried
//!   contig and in that chunk's bin or a bin below it (a bin number changed to another valid
//!   one points its chunks at records elsewhere).
//!
//! The linear index (BAI) and the per-bin `loffset` (CSI) only let htslib skip chunks that end
//! before the query; they are bounds-checked but not used: a damaged entry could only make a
//! query skip reads, and reading those few chunks costs little.

use std::fmt;

/// Largest index accepted (bytes, decompressed). The `.bai` of a 100 GB whole-genome BAM is
/// about 10 MB.
pub const MAX_INDEX_BYTES: u64 = 1 << 30;

/// A range of virtual file offsets (`coffset << 16 | uoffset`), end exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Chunk {
    /// First byte (virtual offset).
    pub start: u64,
    /// One past the last byte (virtual offset).
    pub end: u64,
}

#[derive(Clone, Debug)]
struct Bin {
    id: u32,
    chunks: Vec<Chunk>,
}

#[derive(Clone, Debug, Default)]
struct RefIndex {
    /// Sorted by id.
    bins: Vec<Bin>,
    /// The metadata pseudo-bin: the span of the contig's records and (mapped, unmapped).
    span: Option<Chunk>,
    counts: Option<(u64, u64)>,
}

/// Which format an index was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexFormat {
    /// `.bai` (min_shift 14, depth 5).
    Bai,
    /// `.csi`.
    Csi,
}

/// A BAI or CSI index that passed the checks of the module docs.
#[derive(Clone, Debug)]
pub struct BinningIndex {
    /// Format read.
    pub format: IndexFormat,
    min_shift: u32,
    depth: u32,
    refs: Vec<RefIndex>,
}

/// Why an index was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexError(pub String);

impl fmt::Display for IndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, IndexError> {
    Err(IndexError(msg.into()))
}

/// A bounds-checked reader over the index bytes.
struct Bytes<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Bytes<'_> {
    fn left(&self) -> usize {
        self.b.len() - self.pos
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&[u8], IndexError> {
        if n > self.left() {
            return err(format!(
                "truncated: {what} needs {n} bytes at byte {} but {} are left",
                self.pos,
                self.left()
            ));
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u32(&mut self, what: &str) -> Result<u32, IndexError> {
        let s = self.take(4, what)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }

    fn i32(&mut self, what: &str) -> Result<i32, IndexError> {
        Ok(self.u32(what)? as i32)
    }

    fn u64(&mut self, what: &str) -> Result<u64, IndexError> {
        let s = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(u64::from_le_bytes(a))
    }

    /// A count of items of at least `unit` bytes each: refused unless they can all follow.
    fn count(&mut self, what: &str, unit: usize) -> Result<usize, IndexError> {
        let at = self.pos;
        let n = self.i32(what)?;
        if n < 0 {
            return err(format!("{what} at byte {at} is negative ({n})"));
        }
        let n = n as usize;
        if n.saturating_mul(unit) > self.left() {
            return err(format!(
                "{what} at byte {at} claims {n} entries, more than the {} bytes left can hold",
                self.left()
            ));
        }
        Ok(n)
    }
}

/// The contig a reference sequence of the index stands for: name and length from the header.
#[derive(Clone, Copy, Debug)]
pub struct ContigRef<'a> {
    /// Name.
    pub name: &'a str,
    /// Length (bp).
    pub len: u64,
}

/// What the index is checked against.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    /// The header's contigs, in order.
    pub contigs: &'a [ContigRef<'a>],
    /// Size of the BAM file (compressed offsets must lie inside it).
    pub data_len: u64,
}

impl BinningIndex {
    /// Reads a `.bai`'s bytes.
    pub(crate) fn from_bai(bytes: &[u8], target: Target<'_>) -> Result<BinningIndex, IndexError> {
        let mut c = Bytes { b: bytes, pos: 0 };
        if c.take(4, "magic")? != b"BAI\x01" {
            return err("not a BAI file (magic bytes)");
        }
        Self::read_refs(c, IndexFormat::Bai, 14, 5, target)
    }

    /// Reads a `.csi`'s bytes (already decompressed from BGZF).
    pub(crate) fn from_csi(bytes: &[u8], target: Target<'_>) -> Result<BinningIndex, IndexError> {
        let mut c = Bytes { b: bytes, pos: 0 };
        if c.take(4, "magic")? != b"CSI\x01" {
            return err("not a CSI file (magic bytes)");
        }
        let min_shift = c.i32("min_shift")?;
        let depth = c.i32("depth")?;
        // htslib writes min_shift 14, depth 5 (BAM default) up to depth 6 for long contigs;
        // 1 << (min_shift + 3 depth) must stay a valid position
        if !(1..=24).contains(&min_shift)
            || !(1..=12).contains(&depth)
            || min_shift + 3 * depth > 50
        {
            return err(format!(
                "min_shift {min_shift} / depth {depth} are out of range"
            ));
        }
        let l_aux = c.count("l_aux", 1)?;
        c.take(l_aux, "aux data")?;
        Self::read_refs(c, IndexFormat::Csi, min_shift as u32, depth as u32, target)
    }

    fn read_refs(
        mut c: Bytes<'_>,
        format: IndexFormat,
        min_shift: u32,
        depth: u32,
        target: Target<'_>,
    ) -> Result<BinningIndex, IndexError> {
        let mut ix = BinningIndex {
            format,
            min_shift,
            depth,
            refs: Vec::new(),
        };
        // a reference takes at least 4 (BAI: 8) bytes
        let n_ref = c.count("n_ref", 4)?;
        if n_ref != target.contigs.len() {
            return err(format!(
                "it lists {n_ref} reference sequences but the BAM header has {}: it is the index of another file",
                target.contigs.len()
            ));
        }
        for contig in target.contigs {
            let r = ix.read_ref(&mut c, contig, target.data_len)?;
            ix.refs.push(r);
        }
        match c.left() {
            0 | 8 => Ok(ix),
            n => err(format!(
                "{n} unexpected bytes after the last reference sequence"
            )),
        }
    }

    /// The metadata pseudo-bin: one past the number of bins (htslib's `META_BIN`).
    fn pseudo_bin(&self) -> u32 {
        self.bin_limit() + 2
    }

    /// The largest real bin number: the scheme has ((1 << 3 (depth + 1)) - 1) / 7 bins.
    fn bin_limit(&self) -> u32 {
        (((1u64 << (3 * (self.depth + 1))) - 1) / 7 - 1) as u32
    }

    /// The first position past what the scheme can index.
    fn max_pos(&self) -> u64 {
        1u64 << (self.min_shift + 3 * self.depth)
    }

    /// The first position a bin covers.
    fn bin_start(&self, bin: u32) -> u64 {
        let mut first = 0u64; // first bin number of the level
        for level in 0..=self.depth {
            let n = 1u64 << (3 * level);
            if (bin as u64) < first + n {
                let shift = self.min_shift + 3 * (self.depth - level);
                return (bin as u64 - first) << shift;
            }
            first += n;
        }
        u64::MAX
    }

    fn read_ref(
        &self,
        c: &mut Bytes<'_>,
        contig: &ContigRef<'_>,
        data_len: u64,
    ) -> Result<RefIndex, IndexError> {
        let name = contig.name;
        let min_bin = if self.format == IndexFormat::Csi {
            16
        } else {
            8
        };
        let n_bin = c.count(&format!("n_bin of '{name}'"), min_bin)?;
        let mut r = RefIndex::default();
        let pseudo = self.pseudo_bin();
        for _ in 0..n_bin {
            let id = c.u32("bin")?;
            if self.format == IndexFormat::Csi {
                let loffset = c.u64("loffset")?;
                check_offset(loffset, data_len, name)?;
            }
            let n_chunk = c.count(&format!("n_chunk of bin {id} of '{name}'"), 16)?;
            if id == pseudo {
                if n_chunk != 2 || r.span.is_some() {
                    return err(format!(
                        "the metadata pseudo-bin of '{name}' is malformed ({n_chunk} chunks)"
                    ));
                }
                let (beg, end) = (c.u64("ref_beg")?, c.u64("ref_end")?);
                let (mapped, unmapped) = (c.u64("n_mapped")?, c.u64("n_unmapped")?);
                if beg > end {
                    return err(format!("the records of '{name}' end before they begin"));
                }
                check_offset(beg, data_len, name)?;
                check_offset(end, data_len, name)?;
                r.span = Some(Chunk { start: beg, end });
                r.counts = Some((mapped, unmapped));
                continue;
            }
            if id > self.bin_limit() {
                return err(format!(
                    "'{name}' has bin {id}, beyond the largest bin {} of the scheme",
                    self.bin_limit()
                ));
            }
            let start = self.bin_start(id);
            if start >= contig.len.max(1) {
                return err(format!(
                    "'{name}' has bin {id}, which starts at {start}, past its end ({} bp)",
                    contig.len
                ));
            }
            let mut chunks = Vec::with_capacity(n_chunk);
            for _ in 0..n_chunk {
                let ch = Chunk {
                    start: c.u64("chunk start")?,
                    end: c.u64("chunk end")?,
                };
                if ch.start >= ch.end {
                    return err(format!(
                        "bin {id} of '{name}' has an empty or reversed chunk {}-{}",
                        vpos(ch.start),
                        vpos(ch.end)
                    ));
                }
                check_offset(ch.start, data_len, name)?;
                check_offset(ch.end, data_len, name)?;
                if chunks.last().is_some_and(|p: &Chunk| p.start > ch.start) {
                    return err(format!(
                        "the chunks of bin {id} of '{name}' are out of order"
                    ));
                }
                chunks.push(ch);
            }
            r.bins.push(Bin { id, chunks });
        }
        if self.format == IndexFormat::Bai {
            let n_intv = c.count(&format!("n_intv of '{name}'"), 8)?;
            for _ in 0..n_intv {
                check_offset(c.u64("linear index")?, data_len, name)?;
            }
        }
        r.bins.sort_unstable_by_key(|b| b.id);
        if r.bins.windows(2).any(|w| w[0].id == w[1].id) {
            return err(format!("'{name}' lists a bin twice"));
        }
        check_cover(&r, name)?;
        Ok(r)
    }

    /// The chunks of the bins that may hold records overlapping `[beg, end)` (0-based) of
    /// contig `r`, each with its bin, sorted by start.
    pub fn query(&self, r: usize, beg: u64, end: u64) -> Vec<(Chunk, u32)> {
        let Some(rix) = self.refs.get(r) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for bin in self.reg2bins(beg, end) {
            if let Ok(k) = rix.bins.binary_search_by_key(&bin, |b| b.id) {
                out.extend(rix.bins[k].chunks.iter().map(|c| (*c, bin)));
            }
        }
        out.sort_unstable();
        out
    }

    /// Every bin overlapping `[beg, end)` (htslib's `reg2bins`).
    fn reg2bins(&self, beg: u64, end: u64) -> Vec<u32> {
        let end = end.min(self.max_pos());
        let mut bins = Vec::new();
        if beg >= end {
            return bins;
        }
        let last = end - 1;
        let mut first = 0u64;
        for level in 0..=self.depth {
            let shift = self.min_shift + 3 * (self.depth - level);
            for b in (first + (beg >> shift))..=(first + (last >> shift)) {
                bins.push(b as u32);
            }
            first += 1u64 << (3 * level);
        }
        bins
    }

    /// The bin of a record spanning `[beg, end)` (htslib's `hts_reg2bin`).
    pub(crate) fn reg2bin(&self, beg: u64, end: u64) -> u32 {
        let end = end.max(beg + 1) - 1;
        let mut shift = self.min_shift;
        let mut first = ((1u64 << (3 * self.depth)) - 1) / 7;
        for level in (1..=self.depth).rev() {
            if beg >> shift == end >> shift {
                return (first + (beg >> shift)) as u32;
            }
            shift += 3;
            first -= 1u64 << (3 * (level - 1));
        }
        0
    }

    /// True when `bin` is `ancestor` or lies below it.
    pub fn contains(&self, ancestor: u32, mut bin: u32) -> bool {
        loop {
            if bin == ancestor {
                return true;
            }
            if bin == 0 {
                return false;
            }
            bin = (bin - 1) >> 3;
        }
    }

    /// Mapped + unmapped records placed on contig `r`, from the metadata pseudo-bin (None when
    /// the index has none for it; 0 for a contig without records).
    pub(crate) fn placed_records(&self, r: usize) -> Option<u64> {
        let rix = self.refs.get(r)?;
        match rix.counts {
            Some((m, u)) => Some(m.saturating_add(u)),
            None if rix.bins.is_empty() => Some(0),
            None => None,
        }
    }
}

/// `coffset:uoffset`, as htslib prints virtual offsets.
pub(crate) fn vpos(v: u64) -> String {
    format!("{}:{}", v >> 16, v & 0xffff)
}

fn check_offset(v: u64, data_len: u64, name: &str) -> Result<(), IndexError> {
    if v >> 16 > data_len {
        return err(format!(
            "an offset of '{name}' ({}) points past the end of the BAM ({data_len} bytes)",
            vpos(v)
        ));
    }
    Ok(())
}

/// With the pseudo-bin: the chunks of all bins cover `[ref_beg, ref_end)` with no gap.
fn check_cover(r: &RefIndex, name: &str) -> Result<(), IndexError> {
    let Some(span) = r.span else {
        return Ok(());
    };
    let mut chunks: Vec<Chunk> = r
        .bins
        .iter()
        .flat_map(|b| b.chunks.iter().copied())
        .collect();
    chunks.sort_unstable();
    let gap = |a: u64, b: u64| {
        err(format!(
            "its chunks of '{name}' leave records {}-{} out of every bin (a chunk was moved, shortened or lost)",
            vpos(a),
            vpos(b)
        ))
    };
    let Some(first) = chunks.first() else {
        return if span.start == span.end {
            Ok(())
        } else {
            gap(span.start, span.end)
        };
    };
    if first.start != span.start {
        return gap(span.start.min(first.start), span.start.max(first.start));
    }
    let mut reach = first.end;
    for c in &chunks[1..] {
        if c.start > reach {
            return gap(reach, c.start);
        }
        reach = reach.max(c.end);
    }
    if reach != span.end {
        return gap(reach.min(span.end), reach.max(span.end));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bai() -> BinningIndex {
        BinningIndex {
            format: IndexFormat::Bai,
            min_shift: 14,
            depth: 5,
            refs: Vec::new(),
        }
    }

    #[test]
    fn the_bai_scheme_matches_the_sam_specification() {
        let ix = bai();
        assert_eq!(ix.bin_limit(), 37448);
        assert_eq!(ix.pseudo_bin(), 37450);
        assert_eq!(ix.max_pos(), 1 << 29);
        // SAM spec §5.3 reg2bin: a read in the first 16 kb is in bin 4681; one crossing
        // 16 kb is in the 128 kb bin 585; one crossing 128 kb in 73
        assert_eq!(ix.reg2bin(0, 100), 4681);
        assert_eq!(ix.reg2bin(16_300, 16_500), 585);
        assert_eq!(ix.reg2bin(131_000, 131_200), 73);
        assert_eq!(ix.reg2bin(0, 1 << 29), 0);
        assert_eq!(ix.bin_start(4681), 0);
        assert_eq!(ix.bin_start(4682), 16384);
        assert_eq!(ix.bin_start(1), 0);
        assert_eq!(ix.bin_start(2), 1 << 26);
        // reg2bins of [0, 1): one bin per level
        assert_eq!(ix.reg2bins(0, 1), vec![0, 1, 9, 73, 585, 4681]);
        assert!(ix.contains(585, 4681) && ix.contains(0, 4681) && !ix.contains(586, 4681));
    }

    fn bai_bytes(bins: &[(u32, Vec<(u64, u64)>)], n_intv: u32) -> Vec<u8> {
        let mut b = b"BAI\x01".to_vec();
        b.extend(1u32.to_le_bytes());
        b.extend((bins.len() as u32).to_le_bytes());
        for (id, chunks) in bins {
            b.extend(id.to_le_bytes());
            b.extend((chunks.len() as u32).to_le_bytes());
            for (s, e) in chunks {
                b.extend(s.to_le_bytes());
                b.extend(e.to_le_bytes());
            }
        }
        b.extend(n_intv.to_le_bytes());
        for _ in 0..n_intv {
            b.extend(0u64.to_le_bytes());
        }
        b
    }

    fn target() -> Target<'static> {
        const C: &[ContigRef<'static>] = &[ContigRef {
            name: "chr1",
            len: 40_000,
        }];
        Target {
            contigs: C,
            data_len: 10_000,
        }
    }

    const V: u64 = 1 << 16;

    #[test]
    fn a_good_index_reads_and_its_counts_are_the_pseudo_bins() {
        let b = bai_bytes(
            &[
                (4681, vec![(100 * V, 200 * V)]),
                (4682, vec![(200 * V, 300 * V + 5)]),
                (37450, vec![(100 * V, 300 * V + 5), (7, 2)]),
            ],
            3,
        );
        let ix = BinningIndex::from_bai(&b, target()).unwrap();
        assert_eq!(ix.placed_records(0), Some(9));
        let q = ix.query(0, 0, 20_000);
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].1, 4681);
    }

    #[test]
    fn damage_is_refused_with_the_reason() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            // a chunk start moved: records 100-150 are in no bin
            (
                bai_bytes(
                    &[
                        (4681, vec![(150 * V, 200 * V)]),
                        (37450, vec![(100 * V, 200 * V), (7, 2)]),
                    ],
                    0,
                ),
                "out of every bin",
            ),
            // a bin number past the contig's end
            (
                bai_bytes(
                    &[
                        (4700, vec![(100 * V, 200 * V)]),
                        (37450, vec![(100 * V, 200 * V), (7, 2)]),
                    ],
                    0,
                ),
                "past its end",
            ),
            // a bin number outside the scheme (panicked in noodles-csi)
            (
                bai_bytes(&[(40000, vec![(100 * V, 200 * V)])], 0),
                "beyond the largest bin",
            ),
            // an offset past the end of the BAM
            (
                bai_bytes(&[(4681, vec![(100 * V, 20_000 * V)])], 0),
                "past the end of the BAM",
            ),
            // an empty chunk
            (
                bai_bytes(&[(4681, vec![(100 * V, 100 * V)])], 0),
                "empty or reversed",
            ),
        ];
        for (b, want) in cases {
            let e = BinningIndex::from_bai(&b, target()).unwrap_err();
            assert!(e.0.contains(want), "{want}: {e}");
        }
        // counts that cannot fit: refused before anything is allocated (aborted on 412 GB)
        let mut b = bai_bytes(&[(4681, vec![(100 * V, 200 * V)])], 0);
        b[8..12].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        let e = BinningIndex::from_bai(&b, target()).unwrap_err();
        assert!(e.0.contains("more than the"), "{e}");
        // another file's index
        let mut b = bai_bytes(&[], 0);
        b[4..8].copy_from_slice(&2u32.to_le_bytes());
        assert!(BinningIndex::from_bai(&b, target())
            .unwrap_err()
            .0
            .contains("another file"));
    }

    // ---- property tests (issue 19): a generated index reads back and finds every record of
    // every region; damaged and arbitrary bytes never panic

    use proptest::prelude::*;

    /// The .bai of records at sorted positions `pos` (100 bp each) on one contig of `len` bp,
    /// record i at virtual offset (7 i) << 16; with the records' (start, end, voffset).
    #[allow(clippy::type_complexity)]
    fn generated_bai(len: u64, pos: &[u64]) -> (Vec<u8>, Vec<(u64, u64, u64)>) {
        let ix = bai();
        let v = |i: usize| ((7 * i) as u64) << 16;
        let recs: Vec<(u64, u64, u64)> = pos
            .iter()
            .enumerate()
            .map(|(i, p)| (*p, (*p + 100).min(len), v(i)))
            .collect();
        let mut bins: Vec<(u32, Vec<(u64, u64)>)> = Vec::new();
        for (i, r) in recs.iter().enumerate() {
            let bin = ix.reg2bin(r.0, r.1);
            let k = match bins.iter().position(|b| b.0 == bin) {
                Some(k) => k,
                None => {
                    bins.push((bin, Vec::new()));
                    bins.len() - 1
                }
            };
            match bins[k].1.last_mut() {
                Some(c) if c.1 == v(i) => c.1 = v(i + 1),
                _ => bins[k].1.push((v(i), v(i + 1))),
            }
        }
        if !recs.is_empty() {
            bins.push((37450, vec![(v(0), v(recs.len())), (recs.len() as u64, 0)]));
        }
        (bai_bytes(&bins, 1), recs)
    }

    fn target_of(len: u64, n: usize) -> (Vec<ContigRef<'static>>, u64) {
        (vec![ContigRef { name: "c1", len }], 7 * n as u64 + 10)
    }

    fn positions() -> impl Strategy<Value = (u64, Vec<u64>)> {
        (1_000u64..2_000_000).prop_flat_map(|len| {
            (
                Just(len),
                proptest::collection::vec(0..len, 0..200).prop_map(|mut v| {
                    v.sort_unstable();
                    v
                }),
            )
        })
    }

    proptest! {
        #![proptest_config(crate::io::props::config())]

        #[test]
        fn a_generated_index_finds_every_record_of_every_region(
            (len, pos) in positions(),
            regions in proptest::collection::vec((0u64..2_000_000, 1u64..300_000), 1..8),
        ) {
            let (b, recs) = generated_bai(len, &pos);
            let (contigs, data_len) = target_of(len, recs.len());
            let ix = BinningIndex::from_bai(&b, Target { contigs: &contigs, data_len }).unwrap();
            prop_assert_eq!(ix.placed_records(0), Some(recs.len() as u64));
            for (beg, span) in regions {
                let (beg, end) = (beg % len, (beg % len + span).min(len));
                let chunks = ix.query(0, beg, end);
                for r in recs.iter().filter(|r| r.0 < end && r.1 > beg) {
                    prop_assert!(
                        chunks.iter().any(|(c, _)| c.start <= r.2 && r.2 < c.end),
                        "record at {} missed by the query {}-{}", r.0, beg, end
                    );
                }
            }
        }

        #[test]
        fn a_damaged_index_never_panics(
            (len, pos) in positions(),
            at in any::<usize>(),
            how in 0u8..4,
            byte in any::<u8>(),
        ) {
            let (mut b, recs) = generated_bai(len, &pos);
            let (contigs, data_len) = target_of(len, recs.len());
            let i = at % b.len();
            match how {
                0 => b[i] ^= 1 << (byte % 8),
                1 => b[i] = byte,
                2 => b.truncate(i),
                _ => {
                    let i = i.min(b.len().saturating_sub(4));
                    let v = [0u32, 1, 0x7fff_ffff, 0xffff_ffff][byte as usize % 4];
                    b[i..i + 4].copy_from_slice(&v.to_le_bytes());
                }
            }
            if let Ok(ix) = BinningIndex::from_bai(&b, Target { contigs: &contigs, data_len }) {
                let _ = ix.query(0, 0, len);
                let _ = ix.placed_records(0);
            }
            // the same bytes as a CSI body never panic either
            let mut csi = b"CSI\x01".to_vec();
            csi.extend(14i32.to_le_bytes());
            csi.extend(5i32.to_le_bytes());
            csi.extend(0i32.to_le_bytes());
            csi.extend(&b[4.min(b.len())..]);
            let _ = BinningIndex::from_csi(&csi, Target { contigs: &contigs, data_len });
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let contigs = [ContigRef { name: "c1", len: 1 << 20 }];
            let t = Target { contigs: &contigs, data_len: 1 << 20 };
            let mut bai = b"BAI\x01".to_vec();
            bai.extend(&bytes);
            let _ = BinningIndex::from_bai(&bai, t);
            let mut csi = b"CSI\x01".to_vec();
            csi.extend(&bytes);
            let _ = BinningIndex::from_csi(&csi, t);
        }
    }
}
