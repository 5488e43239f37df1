//! A memory-safe check of a CRAM container's blocks and records, run before htslib decodes it.
//!
//! METHOD: htslib 1.19.1 (bundled by hts-sys 2.2.1, the newest) trusts the content of a block
//! whose CRC32 matches. A damaged data block with a recomputed CRC32 (a file written wrong or
//! made on purpose; found by `scripts/fuzz.sh`, issue 19) made `cram_decode_seq` copy a soft
//! clip longer than its read to `seq[pos-1]`, past the read's buffer, and the process abort:
//! htslib bounds neither the soft clips, insertions and base stretches (`S`, `I`, `b`: byte
//! arrays of any length) nor the quality stretches (`q`) it copies into a read. So before
//! htslib decodes a container (each container once, by the first worker whose query reaches
//! it), this module reads the same bytes, walking them in safe Rust, and refuses the container
//! when:
//! - a block (compression header, slice header, core, external) is cut short, fails its
//!   CRC32, or names a compression method CRAM 3 does not define; or its codec's own header
//!   (rANS 4x8, rANS Nx16, arithmetic, fqzcomp, name tokenizer) declares another raw size than
//!   the block does; or a block the walk reads does not decompress to exactly its declared raw
//!   size (rANS 4x8 and Nx16, nearly every block htslib writes, by htscodecs: the very
//!   functions htslib calls on the block, so the walk sees the values htslib will copy even
//!   where a damaged stream would read otherwise in another decoder; the other methods by
//!   noodles-cram, safe Rust);
//! - the compression header or a slice header does not parse (an unknown preservation key, a
//!   codec htslib cannot decode, a Huffman table htslib would refuse, slice offsets out of
//!   order, two blocks of a slice with one content id, no core block);
//! - walking every record of every slice in htslib's order (`cram_decode_slice` and
//!   `cram_decode_seq` for CRAM 3: every data series, tag and read feature, from the core bit
//!   stream and the external blocks) runs a stream dry, meets a byte array without its stop
//!   byte, a negative length, an unknown feature code or a feature before the read, or a read
//!   feature that would write outside its read: `S`, `I`, `b` or `q` of `k` bytes at read
//!   position `p` needs `p - 1 + k <= RL`; `i`, `B`, `Q` need `p <= RL`.
//!
//! Only the external blocks read by the data series that steer the walk or bound those writes
//! (`NEEDED`: flags, read length, features, the four byte arrays), and the blocks they share,
//! are decompressed; the rest (qualities, names, tags, mate fields: values htslib copies with
//! a bound of its own, and most of a container's bytes) are left to htslib, whose decoders
//! check their own output size. Limits beyond any real file, refused as damage: more than
//! `4 * RL + 1024` features in one record, or in one slice than 64 per stored byte plus 2^20
//! (codecs of zero bits could otherwise claim billions for no bytes); more than 2^22 records
//! in a slice; encodings nested more than 4 deep; a name-tokenizer block of more than 2^20
//! names; a negative mate distance (NF). Not checked here, because htslib checks it: the reference MD5,
//! positions against the reference, the records against the index.

use std::collections::HashMap;
use std::io::Read;

use super::cram_container::{err, Container, CramError, Cur};

type R<T> = Result<T, CramError>;

const COMPRESSION_HEADER: u8 = 1;
const SLICE_HEADER: u8 = 2;
const EXTERNAL: u8 = 4;
const CORE: u8 = 5;

/// Names of the compression methods (CRAM 3.1 §8), by id.
const METHODS: [&str; 9] = [
    "raw",
    "gzip",
    "bzip2",
    "lzma",
    "rANS 4x8",
    "rANS Nx16",
    "arithmetic",
    "fqzcomp",
    "name tokenizer",
];

/// Most names one name-tokenizer block may declare (its decoder allocates per name).
const MAX_TOKENIZER_NAMES: u64 = 1 << 20;

/// Most records one slice may hold (htslib writes 10,000 by default).
const MAX_SLICE_RECORDS: i64 = 1 << 22;

/// One block as stored: header fields and the compressed bytes.
#[derive(Debug)]
struct RawBlock<'a> {
    /// The whole block as stored (header, data, CRC32).
    bytes: &'a [u8],
    at: usize,
    method: u8,
    ctype: u8,
    id: i32,
    raw: usize,
    data: &'a [u8],
}

/// Reads one block at `c.pos` (bounds, method, CRC32).
fn read_block<'a>(c: &mut Cur<'a>) -> R<RawBlock<'a>> {
    let at = c.pos;
    let method = c.byte()?;
    let ctype = c.byte()?;
    let id = c.itf8()?;
    let comp = c.itf8()?;
    let raw = c.itf8()?;
    if method as usize >= METHODS.len() {
        return err(format!(
            "the block at byte {at} names compression method {method}, which CRAM 3 does not define"
        ));
    }
    if comp < 0 || raw < 0 || comp as usize > c.b.len().saturating_sub(c.pos) {
        return err(format!(
            "the block at byte {at} declares {comp} compressed and {raw} raw bytes, more than its container holds"
        ));
    }
    let data = &c.b[c.pos..c.pos + comp as usize];
    c.pos += comp as usize;
    let end = c.pos;
    let crc = c.u32()?;
    let mut h = flate2::Crc::new();
    h.update(&c.b[at..end]);
    if h.sum() != crc {
        return err(format!("the block at byte {at} fails its CRC32 check"));
    }
    Ok(RawBlock {
        bytes: &c.b[at..c.pos],
        at,
        method,
        ctype,
        id: id as i32,
        raw: raw as usize,
        data,
    })
}

/// htscodecs' uint7: 7 bits a byte, most significant first, high bit = more.
fn uint7(d: &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for (i, &b) in d.iter().take(5).enumerate() {
        v = (v << 7) | (b & 0x7f) as u64;
        if b & 0x80 == 0 {
            return Some(v);
        }
        if i == 4 {
            return None;
        }
    }
    None
}

fn le32(d: &[u8], at: usize) -> Option<u64> {
    d.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64)
}

/// The raw size a block's codec header declares must be the block's (checked before a
/// decoder allocates by it).
fn check_codec_header(b: &RawBlock<'_>) -> R<()> {
    let d = b.data;
    let bad = |what: &str| {
        err(format!(
            "the {} block at byte {} has a malformed codec header ({what})",
            METHODS[b.method as usize], b.at
        ))
    };
    let declared = match b.method {
        0 => Some(d.len() as u64),
        4 => {
            let (Some(clen), Some(ulen)) = (le32(d, 1), le32(d, 5)) else {
                return bad("shorter than 9 bytes");
            };
            if d[0] > 1 {
                return bad("order is neither 0 nor 1");
            }
            if clen != d.len() as u64 - 9 {
                return bad("compressed size differs from the block's");
            }
            Some(ulen)
        }
        5 | 6 => match d.first() {
            None => return bad("empty"),
            Some(f) if f & 0x10 != 0 => None,
            Some(_) => match uint7(&d[1..]) {
                None => return bad("no size"),
                s => s,
            },
        },
        7 => match uint7(d) {
            None => return bad("no size"),
            s => s,
        },
        8 => {
            let (Some(ulen), Some(names)) = (le32(d, 0), le32(d, 4)) else {
                return bad("shorter than 8 bytes");
            };
            if names > ulen || names > MAX_TOKENIZER_NAMES {
                return bad("more names than bytes or than 2^20");
            }
            Some(ulen)
        }
        _ => None,
    };
    match declared {
        Some(n) if n != b.raw as u64 => err(format!(
            "the {} block at byte {} decodes to {n} bytes by its codec header but declares {}",
            METHODS[b.method as usize], b.at, b.raw
        )),
        _ => Ok(()),
    }
}

/// Raw bytes of a header block (compression header, slice header): raw or gzip, as every
/// CRAM writer stores them.
fn header_bytes(b: &RawBlock<'_>) -> R<Vec<u8>> {
    let out = match b.method {
        0 => b.data.to_vec(),
        1 => {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(b.data)
                .take(b.raw as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| CramError(format!("the block at byte {} does not inflate: {e}", b.at)))?;
            out
        }
        m => {
            return err(format!(
                "the header block at byte {} is compressed with {}, which this check does not decode (CRAM writers store it raw)",
                b.at, METHODS[m as usize]
            ))
        }
    };
    if out.len() != b.raw {
        return err(format!(
            "the block at byte {} decompresses to {} bytes but declares {}",
            b.at,
            out.len(),
            b.raw
        ));
    }
    Ok(out)
}

/// A data series or tag encoding (CRAM 3 §13), as htslib decodes it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Enc {
    External(i32),
    Huffman(Huffman),
    ByteArrayLen(Box<Enc>, Box<Enc>),
    ByteArrayStop(u8, i32),
    Beta(i32, u32),
    Subexp(i32, i32),
    Gamma(i32),
}

/// A canonical Huffman code: (length, symbol, code), sorted by length then symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Huffman(Vec<(u32, i32, u32)>);

impl Huffman {
    /// htslib's `cram_huffman_decode_init`: lengths >= 0, the longest shorter than the
    /// number of symbols and than 32 bits, canonical codes that fit their lengths.
    fn new(syms: Vec<i32>, lens: Vec<i32>) -> R<Huffman> {
        let n = syms.len();
        if n == 0 || lens.len() != n {
            return err("a Huffman table is empty or has as many lengths as symbols");
        }
        let max = lens.iter().copied().max().unwrap_or(0);
        if lens.iter().any(|&l| l < 0) || max as usize >= n || max > 31 {
            return err("a Huffman table has a code length out of range");
        }
        let mut codes: Vec<(u32, i32, u32)> = lens
            .iter()
            .zip(&syms)
            .map(|(&l, &s)| (l as u32, s, 0))
            .collect();
        codes.sort_unstable();
        let (mut val, mut last, mut max_val) = (-1i64, 0u32, 0i64);
        for c in &mut codes {
            val += 1;
            if val > max_val {
                return err("a Huffman table's codes overflow their lengths");
            }
            if c.0 > last {
                val <<= c.0 - last;
                last = c.0;
                max_val = (1i64 << c.0) - 1;
            }
            c.2 = val as u32;
        }
        Ok(Huffman(codes))
    }

    fn decode(&self, s: &mut Streams<'_>) -> R<i32> {
        let (mut val, mut len) = (0u32, 0u32);
        for &(l, sym, code) in &self.0 {
            while len < l {
                val = (val << 1) | s.bit()?;
                len += 1;
            }
            if code == val {
                return Ok(sym);
            }
        }
        err("a Huffman-coded value matches no code")
    }
}

/// Reads one encoding (codec id, parameter length, parameters).
fn read_enc(c: &mut Cur<'_>, depth: u32) -> R<Enc> {
    if depth > 4 {
        return err("encodings nest more than 4 deep");
    }
    let id = c.itf8()?;
    let n = c.itf8()?;
    if n < 0 || n as usize > c.b.len().saturating_sub(c.pos) {
        return err("an encoding's parameters run past the compression header");
    }
    let end = c.pos + n as usize;
    let mut p = Cur {
        b: &c.b[..end],
        pos: c.pos,
        what: "an encoding's parameters",
    };
    let int = |p: &mut Cur<'_>| p.itf8().map(|v| v as i32);
    let e = match id {
        1 => Enc::External(int(&mut p)?),
        3 => {
            let n = p.itf8()?;
            if n < 0 || n as usize > p.b.len() {
                return err("a Huffman table claims more symbols than its bytes");
            }
            let syms = (0..n).map(|_| int(&mut p)).collect::<R<Vec<_>>>()?;
            let m = p.itf8()?;
            if m != n {
                return err("a Huffman table has as many lengths as symbols");
            }
            let lens = (0..m).map(|_| int(&mut p)).collect::<R<Vec<_>>>()?;
            Enc::Huffman(Huffman::new(syms, lens)?)
        }
        4 => Enc::ByteArrayLen(
            Box::new(read_enc(&mut p, depth + 1)?),
            Box::new(read_enc(&mut p, depth + 1)?),
        ),
        5 => Enc::ByteArrayStop(p.byte()?, int(&mut p)?),
        6 => {
            let offset = int(&mut p)?;
            let bits = int(&mut p)?;
            if !(0..=32).contains(&bits) {
                return err("a BETA encoding has more than 32 bits");
            }
            Enc::Beta(offset, bits as u32)
        }
        7 => Enc::Subexp(int(&mut p)?, int(&mut p)?),
        9 => Enc::Gamma(int(&mut p)?),
        other => {
            return err(format!(
                "an encoding uses codec {other}, which htslib does not decode in CRAM 3"
            ))
        }
    };
    if p.pos != end {
        return err(format!(
            "an encoding (codec {id}) has {} bytes of parameters but uses {}",
            n,
            p.pos + n as usize - end
        ));
    }
    c.pos = end;
    Ok(e)
}

/// What the record walk needs of the compression header.
#[derive(Debug, Default)]
struct CompHeader {
    /// RN: read names are stored for every record.
    names_included: bool,
    /// Tag lines (TD): each a list of (tag, type) keys as the tag encoding map names them,
    /// with their encodings.
    tag_lines: Vec<Vec<(i32, Option<Enc>)>>,
    /// Data series encodings by [`series_slot`] of their two-letter key.
    series: Vec<Option<Enc>>,
    /// External blocks whose values bound a write (see [`NEEDED`]) or share a block with one.
    tracked: std::collections::HashSet<i32>,
}

/// The data series whose values steer the walk or bound a write of htslib's: flags, read
/// length, read features and the byte arrays htslib copies into a read (`SC`, `IN`, `BB`,
/// `QQ`). An external block that none of them reads holds only values htslib copies with a
/// bound of its own (qualities, names, tags, mate fields): it is not decompressed here.
const NEEDED: [&[u8; 2]; 12] = [
    b"BF", b"CF", b"RL", b"FN", b"FC", b"FP", b"NF", b"TL", b"SC", b"IN", b"BB", b"QQ",
];

/// The slot of a two-letter data series key (`AA`..`ZZ`), None for any other key.
#[inline(always)]
fn series_slot(k: &[u8; 2]) -> Option<usize> {
    (k[0].is_ascii_uppercase() && k[1].is_ascii_uppercase())
        .then(|| (k[0] - b'A') as usize * 26 + (k[1] - b'A') as usize)
}

impl Enc {
    /// Content ids of the external blocks this encoding reads.
    fn ids(&self, out: &mut Vec<i32>) {
        match self {
            Enc::External(id) | Enc::ByteArrayStop(_, id) => out.push(*id),
            Enc::ByteArrayLen(a, b) => {
                a.ids(out);
                b.ids(out);
            }
            _ => {}
        }
    }
}

/// One of the compression header's three maps: its bytes after the size and count.
fn map_bounds(c: &mut Cur<'_>, what: &str) -> R<(usize, i64)> {
    let size = c.itf8()?;
    let start = c.pos;
    let n = c.itf8()?;
    if size < 0 || n < 0 || size as usize > c.b.len().saturating_sub(start) {
        return err(format!(
            "the compression header's {what} map runs past its block"
        ));
    }
    Ok((start + size as usize, n))
}

fn parse_tag_lines(td: &[u8]) -> R<Vec<Vec<i32>>> {
    let mut lines = Vec::new();
    let mut p = 0;
    while p < td.len() {
        let mut line = Vec::new();
        while td[p] != 0 {
            let Some(k) = td.get(p..p + 3) else {
                return err("the tag dictionary ends inside a tag");
            };
            line.push(((k[0] as i32) << 16) | ((k[1] as i32) << 8) | k[2] as i32);
            p += 3;
            if p >= td.len() {
                return err("the tag dictionary's last line has no terminating NUL");
            }
        }
        p += 1;
        lines.push(line);
    }
    Ok(lines)
}

fn parse_compression_header(b: &[u8]) -> R<CompHeader> {
    let mut c = Cur {
        b,
        pos: 0,
        what: "the compression header",
    };
    let mut h = CompHeader {
        names_included: true,
        series: vec![None; 26 * 26],
        ..Default::default()
    };
    let mut tag_keys = Vec::new();
    let (end, n) = map_bounds(&mut c, "preservation")?;
    for _ in 0..n {
        let key = [c.byte()?, c.byte()?];
        match &key {
            b"RN" => h.names_included = c.byte()? != 0,
            b"AP" | b"RR" => {
                c.byte()?;
            }
            b"SM" => {
                for _ in 0..5 {
                    c.byte()?;
                }
            }
            b"TD" => {
                let len = c.itf8()?;
                if len < 0 || len as usize > b.len() - c.pos {
                    return err("the tag dictionary runs past the compression header");
                }
                tag_keys = parse_tag_lines(&b[c.pos..c.pos + len as usize])?;
                c.pos += len as usize;
            }
            k => {
                return err(format!(
                    "the preservation map has an unknown key {:?}",
                    String::from_utf8_lossy(k)
                ))
            }
        }
    }
    c.pos = c.pos.max(end);
    let (end, n) = map_bounds(&mut c, "data series")?;
    for _ in 0..n {
        let key = [c.byte()?, c.byte()?];
        let e = read_enc(&mut c, 0)?;
        if let Some(k) = series_slot(&key) {
            h.series[k] = Some(e);
        }
    }
    c.pos = c.pos.max(end);
    let (_, n) = map_bounds(&mut c, "tag encoding")?;
    let mut tags = HashMap::new();
    for _ in 0..n {
        let key = c.itf8()? as i32;
        let e = read_enc(&mut c, 0)?;
        tags.insert(key, e);
    }
    h.tag_lines = tag_keys
        .into_iter()
        .map(|line| {
            line.into_iter()
                .map(|k| (k, tags.get(&k).cloned()))
                .collect()
        })
        .collect();
    let mut ids = Vec::new();
    for key in NEEDED {
        if let Some(Some(e)) = series_slot(key).map(|k| &h.series[k]) {
            e.ids(&mut ids);
        }
    }
    h.tracked = ids.into_iter().collect();
    Ok(h)
}

/// An external block, decompressed the first time a value is read from it: a block whose
/// values are only skipped (qualities, unmapped bases, tag values: a count of bytes) is left to
/// htslib's decoder, which bounds those copies itself.
struct Ext<'a> {
    block: RawBlock<'a>,
    /// Read by a data series of [`NEEDED`]: followed by the walk.
    tracked: bool,
    data: Option<std::borrow::Cow<'a, [u8]>>,
    pos: usize,
}

impl<'a> Ext<'a> {
    fn content(&mut self) -> R<&[u8]> {
        if self.data.is_none() {
            self.data = Some(decode_block(&self.block)?);
        }
        Ok(self.data.as_deref().unwrap_or_default())
    }

    /// A value read through a [`Cur`] at the stream position.
    fn read<T>(&mut self, f: impl FnOnce(&mut Cur<'_>) -> R<T>) -> R<T> {
        let pos = self.pos;
        let id = self.block.id;
        let b = self.content()?;
        let mut c = Cur {
            b,
            pos,
            what: "an external block",
        };
        let v = f(&mut c).map_err(|e| CramError(format!("block {id}: {e}")))?;
        self.pos = c.pos;
        Ok(v)
    }

    fn skip(&mut self, n: usize) -> R<()> {
        if self.block.raw - self.pos.min(self.block.raw) < n {
            return err(format!("external block {} runs out", self.block.id));
        }
        self.pos += n;
        Ok(())
    }
}

/// The streams of one slice: the core bit stream and the external blocks, sorted by content
/// id.
struct Streams<'a> {
    core: std::borrow::Cow<'a, [u8]>,
    bit: usize,
    ext: Vec<Ext<'a>>,
    /// For content ids below 256 (all that htslib, Picard and noodles write): the index in
    /// `ext` of the block with that id, or [`NO_BLOCK`]. Larger ids are searched.
    slot: [u32; 256],
    /// Read features the walk may still take: 64 per stored byte of the slice plus 2^20.
    /// Codecs of zero bits (a one-symbol Huffman table) let a damaged slice claim billions of
    /// features for no bytes; htslib would spin through them.
    budget: u64,
}

/// A content id without a block in [`Streams::slot`].
const NO_BLOCK: u32 = u32::MAX;

impl<'a> Streams<'a> {
    /// The streams of a slice, `ext` sorted by content id.
    fn new(core: std::borrow::Cow<'a, [u8]>, ext: Vec<Ext<'a>>, budget: u64) -> Self {
        let mut slot = [NO_BLOCK; 256];
        for (k, e) in ext.iter().enumerate() {
            if let Some(s) = usize::try_from(e.block.id)
                .ok()
                .and_then(|i| slot.get_mut(i))
            {
                *s = k as u32;
            }
        }
        Streams {
            core,
            bit: 0,
            ext,
            slot,
            budget,
        }
    }

    fn bit(&mut self) -> R<u32> {
        let Some(&byte) = self.core.get(self.bit / 8) else {
            return err("the core data block runs out");
        };
        let v = (byte >> (7 - self.bit % 8)) & 1;
        self.bit += 1;
        Ok(v as u32)
    }

    fn bits(&mut self, n: u32) -> R<u32> {
        let mut v = 0u64;
        for _ in 0..n {
            v = (v << 1) | self.bit()? as u64;
        }
        Ok(v as u32)
    }

    /// The external block `id`; None when the walk does not follow it (not tracked). This runs
    /// for every value the walk reads: a table look-up, not a search (the search over a
    /// slice's ~20 blocks was ~10% of a CRAM pileup).
    fn ext(&mut self, id: i32) -> R<Option<&mut Ext<'a>>> {
        let found = match usize::try_from(id).ok().and_then(|i| self.slot.get(i)) {
            Some(&NO_BLOCK) => None,
            Some(&k) => Some(k as usize),
            None => self.ext.binary_search_by_key(&id, |e| e.block.id).ok(),
        };
        match found {
            Some(k) => Ok(Some(&mut self.ext[k]).filter(|e| e.tracked)),
            None => err(format!("no external block has content id {id}")),
        }
    }
}

impl Enc {
    /// An integer value (htslib's `E_INT`).
    fn int(&self, s: &mut Streams<'_>) -> R<i32> {
        match self {
            Enc::External(id) => match s.ext(*id)? {
                Some(e) => Ok(e.read(|c| c.itf8())? as i32),
                None => Ok(0),
            },
            Enc::Huffman(h) => h.decode(s),
            Enc::Beta(offset, bits) => Ok((s.bits(*bits)? as i32).wrapping_sub(*offset)),
            Enc::Gamma(offset) => {
                let mut nz = 0;
                while s.bit()? == 0 {
                    nz += 1;
                    if nz > 31 {
                        return err("a GAMMA value has more than 31 bits");
                    }
                }
                let v = (1u32 << nz) | s.bits(nz)?;
                Ok((v as i32).wrapping_sub(*offset))
            }
            Enc::Subexp(offset, k) => {
                let mut i = 0;
                while s.bit()? == 1 {
                    i += 1;
                    if i > 31 {
                        return err("a SUBEXP value has more than 31 bits");
                    }
                }
                let tail = if i > 0 { i + *k as i64 - 1 } else { *k as i64 };
                if !(0..=31).contains(&tail) {
                    return err("a SUBEXP value has more than 31 bits");
                }
                let mut v = s.bits(tail as u32)?;
                if i > 0 {
                    v = v.wrapping_add(1 << tail);
                }
                Ok((v as i32).wrapping_sub(*offset))
            }
            _ => err("a byte-array encoding is used for an integer data series"),
        }
    }

    /// A single byte (htslib's `E_BYTE`).
    fn byte(&self, s: &mut Streams<'_>) -> R<u8> {
        match self {
            Enc::External(id) => match s.ext(*id)? {
                Some(e) => e.read(|c| c.byte()),
                None => Ok(0),
            },
            Enc::Huffman(_) | Enc::Beta(..) => Ok(self.int(s)? as u8),
            _ => err("a byte data series has an encoding that gives no bytes"),
        }
    }

    /// `n` bytes whose values do not matter here (qualities, bases, a byte array's content):
    /// from an external block they are counted, not decoded.
    fn bytes(&self, s: &mut Streams<'_>, n: usize) -> R<()> {
        if n == 0 {
            return Ok(());
        }
        match self {
            Enc::External(id) => match s.ext(*id)? {
                Some(e) => e.skip(n),
                None => Ok(()),
            },
            Enc::Huffman(_) | Enc::Beta(..) => (0..n).try_for_each(|_| self.int(s).map(|_| ())),
            _ => err("a byte data series has an encoding that gives no bytes"),
        }
    }

    /// One byte array (htslib's `E_BYTE_ARRAY`, asked for `n` bytes); returns its length.
    fn array(&self, s: &mut Streams<'_>, n: usize) -> R<usize> {
        match self {
            Enc::ByteArrayLen(len, val) => {
                let l = len.int(s)?;
                if l < 0 {
                    return err("a byte array has a negative length");
                }
                val.bytes(s, l as usize)?;
                Ok(l as usize)
            }
            Enc::ByteArrayStop(stop, id) => match s.ext(*id)? {
                Some(e) => e.read(|c| {
                    let rest = &c.b[c.pos.min(c.b.len())..];
                    let Some(k) = rest.iter().position(|b| b == stop) else {
                        return err(format!("a byte array lacks its stop byte {stop:#04x}"));
                    };
                    c.pos += k + 1;
                    Ok(k)
                }),
                None => Ok(0),
            },
            _ => self.bytes(s, n).map(|_| n),
        }
    }
}

/// What the record walk needs of a slice header.
struct SliceHeader {
    ref_id: i64,
    records: i64,
    blocks: i64,
}

fn parse_slice_header(b: &[u8]) -> R<SliceHeader> {
    let mut c = Cur {
        b,
        pos: 0,
        what: "a slice header",
    };
    let ref_id = c.itf8()?;
    c.itf8()?; // start
    c.itf8()?; // span
    let records = c.itf8()?;
    c.ltf8()?; // record counter
    let blocks = c.itf8()?;
    if !(0..=MAX_SLICE_RECORDS).contains(&records) || !(1..=1 << 16).contains(&blocks) {
        return err(format!(
            "a slice header claims {records} records in {blocks} blocks"
        ));
    }
    Ok(SliceHeader {
        ref_id,
        records,
        blocks,
    })
}

/// A data series' encoding, or an error naming the series. Inlined, so that a key written in
/// the walk becomes its slot at compile time.
#[inline(always)]
fn series<'h>(h: &'h CompHeader, key: &[u8; 2]) -> R<&'h Enc> {
    series_slot(key)
        .and_then(|k| h.series.get(k)?.as_ref())
        .ok_or_else(|| {
            CramError(format!(
                "the compression header has no encoding for data series {}",
                String::from_utf8_lossy(key)
            ))
        })
}

/// A read feature's write of `k` bytes at 1-based read position `pos` must stay in the read.
fn inside(what: &str, pos: i64, k: i64, rl: i64) -> R<()> {
    if pos - 1 + k > rl {
        return err(format!(
            "a {what} of {k} at read position {pos} runs past the read's {rl} bases"
        ));
    }
    Ok(())
}

/// The read features, mapping quality and qualities of a mapped record (htslib's
/// `cram_decode_seq`), with the bounds htslib does not check.
fn walk_mapped(h: &CompHeader, s: &mut Streams<'_>, rl: i64, cf: i32) -> R<()> {
    let n = series(h, b"FN")?.int(s)? as i64;
    if n < 0 || n > 4 * rl + 1024 {
        return err(format!("a read of {rl} bases has {n} read features"));
    }
    let (mut prev, mut seq_pos) = (0i64, 1i64);
    if s.budget < n as u64 {
        return err("the slice's read features outnumber what its bytes can encode");
    }
    s.budget -= n as u64;
    for _ in 0..n {
        let code = series(h, b"FC")?.byte(s)?;
        let pos = prev + series(h, b"FP")?.int(s)? as i64;
        if pos <= 0 {
            return err(format!("a read feature lies at read position {pos}"));
        }
        if pos > seq_pos {
            if pos > rl + 1 {
                return err(format!(
                    "a read feature lies at read position {pos}, past the read's {rl} bases"
                ));
            }
            seq_pos = pos;
        }
        prev = pos;
        let arr =
            |key: &[u8; 2], s: &mut Streams<'_>| series(h, key)?.array(s, 1).map(|k| k as i64);
        match code {
            b'S' | b'I' | b'b' => {
                let (key, what) = match code {
                    b'S' => (b"SC", "soft clip"),
                    b'I' => (b"IN", "insertion"),
                    _ => (b"BB", "base stretch"),
                };
                let k = arr(key, s)?;
                if rl > 0 {
                    inside(what, pos, k, rl)?;
                }
                seq_pos += k;
            }
            b'q' => inside("quality stretch", pos, arr(b"QQ", s)?, rl)?,
            b'X' => {
                series(h, b"BS")?.bytes(s, 1)?;
                seq_pos += 1;
            }
            b'i' | b'B' => {
                series(h, b"BA")?.bytes(s, 1)?;
                if code == b'B' {
                    series(h, b"QS")?.bytes(s, 1)?;
                }
                inside("read base", pos, 1, rl)?;
                seq_pos += 1;
            }
            b'Q' => {
                series(h, b"QS")?.bytes(s, 1)?;
                inside("quality score", pos, 1, rl)?;
            }
            b'D' | b'H' | b'P' | b'N' => {
                let key = match code {
                    b'D' => b"DL",
                    b'H' => b"HC",
                    b'P' => b"PD",
                    _ => b"RS",
                };
                series(h, key)?.int(s)?;
            }
            c => return err(format!("a read feature has the unknown code {c:#04x}")),
        }
    }
    series(h, b"MQ")?.int(s)?;
    if cf & 1 != 0 {
        series(h, b"QS")?.bytes(s, rl as usize)?;
    }
    Ok(())
}

/// One record, in htslib's order (`cram_decode_slice`, CRAM 3).
fn walk_record(h: &CompHeader, sh: &SliceHeader, s: &mut Streams<'_>) -> R<()> {
    let bf = series(h, b"BF")?.int(s)?;
    if !(0..0x1000).contains(&bf) {
        return err(format!("a record has BAM flags {bf}"));
    }
    let cf = series(h, b"CF")?.int(s)? & 0xff;
    if sh.ref_id == -2 {
        series(h, b"RI")?.int(s)?;
    }
    let rl = series(h, b"RL")?.int(s)? as i64;
    if rl < 0 {
        return err(format!("a read has length {rl}"));
    }
    series(h, b"AP")?.int(s)?;
    series(h, b"RG")?.int(s)?;
    if h.names_included {
        series(h, b"RN")?.array(s, 1)?;
    }
    let ts = |s: &mut Streams<'_>| series(h, b"TS")?.int(s).map(|_| ());
    if cf & 2 != 0 {
        series(h, b"MF")?.int(s)?;
        if !h.names_included {
            series(h, b"RN")?.array(s, 1)?;
        }
        series(h, b"NS")?.int(s)?;
        series(h, b"NP")?.int(s)?;
        ts(s)?;
    } else if cf & 4 != 0 {
        if series(h, b"NF")?.int(s)? < 0 {
            return err("a record's mate lies before it (negative NF)");
        }
        if cf & 16 != 0 {
            ts(s)?;
        }
    } else if cf & 16 != 0 {
        ts(s)?;
    }
    let tl = series(h, b"TL")?.int(s)?;
    let Some(line) = usize::try_from(tl).ok().and_then(|t| h.tag_lines.get(t)) else {
        return err(format!(
            "a record names tag line {tl} of {}",
            h.tag_lines.len()
        ));
    };
    for (key, e) in line {
        let Some(e) = e else {
            return err(format!(
                "the compression header has no encoding for tag key {key:#08x}"
            ));
        };
        e.array(s, 1)?;
    }
    if bf & 4 == 0 {
        walk_mapped(h, s, rl, cf)
    } else {
        if rl > 0 {
            series(h, b"BA")?.bytes(s, rl as usize)?;
        }
        if cf & 1 != 0 {
            series(h, b"QS")?.bytes(s, rl as usize)?;
        }
        Ok(())
    }
}

/// The blocks of one slice (`start..end` of the file): parsed and checked, then every record
/// walked (external blocks decompressed as the walk first reads a value from them).
fn check_slice(map: &[u8], (start, end): (usize, usize), h: &CompHeader) -> R<()> {
    let mut c = Cur {
        b: &map[..end],
        pos: start,
        what: "a slice",
    };
    let hb = read_block(&mut c)?;
    if hb.ctype != SLICE_HEADER {
        return err(format!("the block at byte {start} is not a slice header"));
    }
    let sh = parse_slice_header(&header_bytes(&hb)?)?;
    let mut core = None;
    let mut ext: Vec<Ext<'_>> = Vec::new();
    for _ in 0..sh.blocks {
        let b = read_block(&mut c)?;
        check_codec_header(&b)?;
        match b.ctype {
            CORE if core.is_none() => core = Some(decode_block(&b)?),
            EXTERNAL => {
                let data = (b.method == 0).then_some(std::borrow::Cow::Borrowed(b.data));
                let tracked = h.tracked.contains(&b.id);
                ext.push(Ext {
                    block: b,
                    tracked,
                    data,
                    pos: 0,
                });
            }
            t => {
                return err(format!(
                    "the block at byte {} has content type {t} inside a slice",
                    b.at
                ))
            }
        }
    }
    ext.sort_by_key(|e| e.block.id);
    if let Some(w) = ext.windows(2).find(|w| w[0].block.id == w[1].block.id) {
        return err(format!(
            "the block at byte {} has the content id of another block of its slice",
            w[1].block.at
        ));
    }
    let Some(core) = core else {
        return err(format!("the slice at byte {start} has no core data block"));
    };
    let stored = (end - start) as u64;
    let mut s = Streams::new(core, ext, 64 * stored + (1 << 20));
    for r in 0..sh.records {
        walk_record(h, &sh, &mut s).map_err(|e| {
            CramError(format!(
                "record {} of the slice at byte {start}: {e}",
                r + 1
            ))
        })?;
    }
    Ok(())
}

/// ITF8 of `v`.
fn put_itf8(out: &mut Vec<u8>, v: i32) {
    let u = v as u32;
    match u {
        0..0x80 => out.push(u as u8),
        0x80..0x4000 => out.extend([0x80 | (u >> 8) as u8, u as u8]),
        0x4000..0x20_0000 => out.extend([0xc0 | (u >> 16) as u8, (u >> 8) as u8, u as u8]),
        0x20_0000..0x1000_0000 => out.extend([
            0xe0 | (u >> 24) as u8,
            (u >> 16) as u8,
            (u >> 8) as u8,
            u as u8,
        ]),
        _ => out.extend([
            0xf0 | (u >> 28) as u8,
            (u >> 20) as u8,
            (u >> 12) as u8,
            (u >> 4) as u8,
            (u & 0x0f) as u8,
        ]),
    }
}

fn put_crc(out: &mut Vec<u8>, from: usize) {
    let mut h = flate2::Crc::new();
    h.update(&out[from..]);
    out.extend(h.sum().to_le_bytes());
}

/// A raw block of `ctype` holding `data`.
fn raw_block(out: &mut Vec<u8>, ctype: u8, id: i32, data: &[u8]) {
    let from = out.len();
    out.extend([0, ctype]);
    put_itf8(out, id);
    put_itf8(out, data.len() as i32);
    put_itf8(out, data.len() as i32);
    out.extend(data);
    put_crc(out, from);
}

/// One block's content, checked against its declared raw size: rANS blocks by htscodecs (see
/// [`rans`]), the others by noodles-cram's decoders (safe Rust).
fn decode_block<'a>(b: &RawBlock<'a>) -> R<std::borrow::Cow<'a, [u8]>> {
    let d = match b.method {
        0 => return Ok(std::borrow::Cow::Borrowed(b.data)),
        4 | 5 => rans(b).ok_or_else(|| {
            CramError(format!(
                "the {} block at byte {} does not decompress",
                METHODS[b.method as usize], b.at
            ))
        })?,
        _ => decode_noodles(b)?,
    };
    if d.len() != b.raw {
        return err(format!(
            "the {} block at byte {} decompresses to {} bytes but declares {}",
            METHODS[b.method as usize],
            b.at,
            d.len(),
            b.raw
        ));
    }
    Ok(std::borrow::Cow::Owned(d))
}

/// The decoders of htscodecs that htslib's `cram_uncompress_block` calls for rANS 4x8 and
/// rANS Nx16 blocks; hts-sys builds them into the binary with htslib.
mod htscodecs {
    extern "C" {
        pub(super) fn rans_uncompress(inp: *mut u8, in_size: u32, out_size: *mut u32) -> *mut u8;
        pub(super) fn rans_uncompress_4x16(
            inp: *mut u8,
            in_size: u32,
            out_size: *mut u32,
        ) -> *mut u8;
    }
}

/// A rANS 4x8 or Nx16 block decompressed by the function htslib calls for it: the values the
/// walk follows are then the values htslib decodes, at htslib's speed (noodles-cram's rANS
/// order-1 decoder, which builds a 1 MiB lookup table per block, took ~12% of a CRAM pileup;
/// htscodecs ~1% on the same blocks). No new code meets the bytes: htslib decompresses every
/// block these series read when it decodes the container. None when it refuses the block.
fn rans(b: &RawBlock<'_>) -> Option<Vec<u8>> {
    let len = u32::try_from(b.data.len()).ok()?;
    // the declared size: read by the Nx16 decoder only for a block without its own (NOSZ)
    let mut n = u32::try_from(b.raw).ok()?;
    let f = match b.method {
        4 => htscodecs::rans_uncompress,
        _ => htscodecs::rans_uncompress_4x16,
    };
    // SAFETY: the decoder reads `len` bytes at `data` and writes none of them (the pointer is
    // `*mut` in its C signature only); it returns NULL or a `malloc`ed buffer of `n` bytes,
    // copied out and freed here.
    unsafe {
        let p = f(b.data.as_ptr().cast_mut(), len, &mut n);
        if p.is_null() {
            return None;
        }
        let out = std::slice::from_raw_parts(p, n as usize).to_vec();
        libc::free(p.cast());
        Some(out)
    }
}

/// A block decompressed by noodles-cram's decoders (safe Rust). noodles decodes whole slices
/// only, so the block is handed to it as the one data block of a one-slice container of our
/// making (the block's bytes and CRC32 as stored; an empty core block before an external one).
fn decode_noodles(b: &RawBlock<'_>) -> R<Vec<u8>> {
    let is_core = b.ctype == CORE;
    let mut sh = Vec::new();
    for v in [-1, 0, 0, 0] {
        put_itf8(&mut sh, v); // reference, start, span, records
    }
    sh.push(0); // record counter (LTF8)
    put_itf8(&mut sh, if is_core { 1 } else { 2 });
    put_itf8(&mut sh, 1);
    put_itf8(&mut sh, b.id);
    put_itf8(&mut sh, -1); // no embedded reference
    sh.extend([0u8; 16]);
    let mut body = Vec::new();
    raw_block(&mut body, SLICE_HEADER, 0, &sh);
    if !is_core {
        raw_block(&mut body, CORE, 0, &[]);
    }
    body.extend(b.bytes);
    let mut out = Vec::with_capacity(body.len() + 64);
    out.extend((body.len() as i32).to_le_bytes());
    for v in [-1, 0, 0, 0] {
        put_itf8(&mut out, v);
    }
    out.extend([0, 0]); // record counter, bases (LTF8)
    for v in [if is_core { 2 } else { 3 }, 1, 0] {
        put_itf8(&mut out, v); // blocks, landmarks: one at 0
    }
    put_crc(&mut out, 0);
    out.extend(body);
    let run = || -> std::io::Result<Vec<u8>> {
        let mut nc = noodles::cram::io::reader::Container::default();
        noodles::cram::io::Reader::new(&out[..]).read_container(&mut nc)?;
        let slice = nc
            .slices()
            .next()
            .ok_or_else(|| std::io::Error::other("no slice"))??;
        let (core, ext) = slice.decode_blocks()?;
        Ok(match ext.into_iter().next() {
            Some((_, d)) => d.into_owned(),
            None => core.into_owned(),
        })
    };
    let name = METHODS[b.method as usize];
    match crate::error::catch(run) {
        Ok(Ok(d)) => Ok(d),
        Ok(Err(e)) => err(format!(
            "the {name} block at byte {} does not decompress: {e}",
            b.at
        )),
        Err(p) => err(format!(
            "the {name} block at byte {} does not decompress ({p})",
            b.at
        )),
    }
}

/// Checks one data container (module docs): every block, then every record of every slice.
pub(crate) fn check_container(map: &[u8], c: &Container) -> Result<(), CramError> {
    let body = (c.offset + c.header_len) as usize;
    let end = body + c.len as usize;
    let at = |e: CramError| CramError(format!("the container at byte {}: {e}", c.offset));
    let mut cur = Cur {
        b: &map[..end],
        pos: body,
        what: "a compression header block",
    };
    let hb = read_block(&mut cur).map_err(at)?;
    if hb.ctype != COMPRESSION_HEADER {
        return Err(at(CramError(
            "its first block is not a compression header".into(),
        )));
    }
    let h = header_bytes(&hb)
        .and_then(|b| parse_compression_header(&b))
        .map_err(at)?;
    let mut starts: Vec<usize> = c.landmarks.iter().map(|&l| body + l as usize).collect();
    if starts.first().is_some_and(|&s| s < cur.pos) || starts.windows(2).any(|w| w[0] >= w[1]) {
        return Err(at(CramError(
            "its slice offsets overlap the compression header or are out of order".into(),
        )));
    }
    starts.push(end);
    for w in starts.windows(2) {
        check_slice(map, (w[0], w[1]), &h).map_err(at)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::cram_container::walk;

    const PRISTINE: &[u8] =
        include_bytes!("../../fixtures/nfcore_chr22/test2.paired_end.sorted.cram");
    const V31: &[u8] =
        include_bytes!("../../fixtures/edge_cases/derived/test2.paired_end.sorted.v3.1.cram");
    const ABORT: &[u8] = include_bytes!("../../fixtures/robustness/cram/rans_block_abort.cram");

    /// The blocks of the first data container: compression header, then the first slice's.
    fn first_blocks(map: &[u8]) -> Vec<RawBlock<'_>> {
        blocks(map, &walk(map).unwrap()[0])
    }

    /// Every block of container `c`, in file order.
    fn blocks<'a>(map: &'a [u8], c: &Container) -> Vec<RawBlock<'a>> {
        let end = (c.offset + c.header_len + c.len) as usize;
        let mut cur = Cur {
            b: &map[..end],
            pos: (c.offset + c.header_len) as usize,
            what: "a test",
        };
        let mut out = Vec::new();
        while cur.pos < end {
            out.push(read_block(&mut cur).unwrap());
        }
        out
    }

    fn ext(id: i32, data: &'static [u8]) -> Ext<'static> {
        let block = RawBlock {
            bytes: data,
            at: 0,
            method: 0,
            ctype: EXTERNAL,
            id,
            raw: data.len(),
            data,
        };
        Ext {
            block,
            tracked: true,
            data: Some(std::borrow::Cow::Borrowed(data)),
            pos: 0,
        }
    }

    #[test]
    fn every_container_of_the_fixtures_passes() {
        for map in [PRISTINE, V31] {
            let cs = walk(map).unwrap();
            assert!(!cs.is_empty());
            for c in &cs {
                check_container(map, c).unwrap();
            }
        }
    }

    /// The nf-core tumor CRAM's first container (samtools 1.16.1): a raw compression header,
    /// then the slice header, an empty core block and 19 external blocks; external block 14
    /// (the soft clips, rANS 4x8 order 0) holds 817 bytes: 25 soft clips, each ended by NUL.
    #[test]
    fn a_good_block_reads_and_decodes_to_its_raw_size() {
        let b = first_blocks(PRISTINE);
        assert_eq!(b.len(), 22);
        assert_eq!((b[0].ctype, b[0].method), (COMPRESSION_HEADER, 0));
        assert_eq!((b[2].ctype, b[2].raw), (CORE, 0));
        let sc = &b[5];
        assert_eq!((sc.method, sc.id, sc.raw, sc.data.len()), (4, 14, 817, 283));
        check_codec_header(sc).unwrap();
        let d = decode_block(sc).unwrap();
        assert_eq!(d.len(), 817);
        assert!(d.starts_with(b"NTNAANAANNTNN\0"));
        assert_eq!(d.iter().filter(|&&x| x == 0).count(), 25);
        assert_eq!(d.last(), Some(&0));
    }

    /// htscodecs (the decoder htslib runs) and noodles-cram (the check's decoder before)
    /// give the same bytes for every rANS block of the fixtures: 4x8 in the CRAM 3.0 file of
    /// samtools 1.16.1, Nx16 in its CRAM 3.1 copy. Damaged streams are where they part: there
    /// the check must follow htslib's reading (see the robustness tests).
    #[test]
    fn htscodecs_and_noodles_decode_every_rans_block_alike() {
        for (map, method) in [(PRISTINE, 4), (V31, 5)] {
            let mut n = 0;
            for c in &walk(map).unwrap() {
                for b in blocks(map, c).iter().filter(|b| b.method == method) {
                    let ours = rans(b).unwrap();
                    assert_eq!(ours.len(), b.raw);
                    assert_eq!(ours, decode_noodles(b).unwrap(), "block at byte {}", b.at);
                    n += 1;
                }
            }
            assert!(n >= 9, "{n} rANS blocks of method {method}");
        }
    }

    extern "C" {
        fn rans_compress(inp: *mut u8, in_size: u32, out_size: *mut u32, order: i32) -> *mut u8;
        fn rans_compress_4x16(
            inp: *mut u8,
            in_size: u32,
            out_size: *mut u32,
            order: i32,
        ) -> *mut u8;
    }

    /// Data compressed by htscodecs' own rANS encoders (order 0 and 1; Nx16 also with its
    /// run-length, bit-packing and stripe options) decodes alike by htscodecs and noodles:
    /// short and long, two symbols to all 256, skewed and flat.
    #[test]
    fn rans_streams_of_every_shape_decode_alike() {
        let mut next = crate::types::xorshift(0x9e37_79b9_7f4a_7c15);
        let mut n = 0;
        for len in [1usize, 3, 4, 5, 17, 255, 4096, 70_001] {
            for alphabet in [2u64, 5, 40, 256] {
                let data: Vec<u8> = (0..len)
                    .map(|_| {
                        let r = next();
                        // skewed: small symbols far more often than large ones
                        ((r % alphabet) * (r >> 32 & 3) / 3) as u8
                    })
                    .collect();
                for (method, order) in [
                    (4u8, 0),
                    (4, 1),
                    (5, 0),
                    (5, 1),
                    (5, 0x41),
                    (5, 0x81),
                    (5, 0x09),
                ] {
                    let mut clen = 0u32;
                    // SAFETY: the encoders read `len` bytes and return a malloc'd buffer or NULL.
                    let comp = unsafe {
                        let f = if method == 4 {
                            rans_compress
                        } else {
                            rans_compress_4x16
                        };
                        let p = f(data.as_ptr().cast_mut(), len as u32, &mut clen, order);
                        assert!(!p.is_null());
                        let v = std::slice::from_raw_parts(p, clen as usize).to_vec();
                        libc::free(p.cast());
                        v
                    };
                    let mut bytes = vec![method, EXTERNAL];
                    put_itf8(&mut bytes, 7);
                    put_itf8(&mut bytes, comp.len() as i32);
                    put_itf8(&mut bytes, len as i32);
                    bytes.extend(&comp);
                    put_crc(&mut bytes, 0);
                    let b = read_block(&mut Cur {
                        b: &bytes,
                        pos: 0,
                        what: "a test block",
                    })
                    .unwrap();
                    check_codec_header(&b).unwrap();
                    let what = format!(
                        "{len} bytes of {alphabet} symbols, method {method} order {order:#x}"
                    );
                    assert_eq!(rans(&b).as_deref(), Some(&data[..]), "{what}");
                    assert_eq!(decode_noodles(&b).unwrap(), data, "{what}");
                    n += 1;
                }
            }
        }
        assert_eq!(n, 8 * 4 * 7);
    }

    #[test]
    fn a_truncated_or_altered_block_is_refused() {
        let b = first_blocks(PRISTINE);
        let sc = &b[5];
        let bytes = sc.bytes;
        let short = &bytes[..bytes.len() - 1];
        let e = read_block(&mut Cur {
            b: short,
            pos: 0,
            what: "a block",
        })
        .unwrap_err();
        assert!(e.0.contains("runs past its end"), "{e}");
        let cut = &bytes[..bytes.len() - 10];
        let e = read_block(&mut Cur {
            b: cut,
            pos: 0,
            what: "a block",
        })
        .unwrap_err();
        assert!(e.0.contains("more than its container holds"), "{e}");
        let mut flipped = bytes.to_vec();
        flipped[20] ^= 1;
        let e = read_block(&mut Cur {
            b: &flipped,
            pos: 0,
            what: "a block",
        })
        .unwrap_err();
        assert!(e.0.contains("CRC32"), "{e}");
    }

    #[test]
    fn a_block_that_declares_another_raw_size_is_refused() {
        let b = first_blocks(PRISTINE);
        let sc = &b[5];
        // the block says 816 raw bytes; its rANS 4x8 header still says 817
        let wrong = RawBlock { raw: 816, ..*sc };
        let e = check_codec_header(&wrong).unwrap_err();
        assert!(
            e.0.contains("817 bytes by its codec header but declares 816"),
            "{e}"
        );
        // a raw block whose data is one byte short of its declared size
        let raw = RawBlock {
            method: 0,
            raw: 3,
            data: b"ab",
            ..*sc
        };
        assert!(check_codec_header(&raw).is_err());
        // gzip data of 5 bytes declared as 6
        let mut gz = Vec::new();
        let mut enc = flate2::write::GzEncoder::new(&mut gz, flate2::Compression::default());
        std::io::Write::write_all(&mut enc, b"hello").unwrap();
        enc.finish().unwrap();
        let g = RawBlock {
            method: 1,
            raw: 6,
            data: &gz,
            ..*sc
        };
        let e = header_bytes(&g).unwrap_err();
        assert!(
            e.0.contains("decompresses to 5 bytes but declares 6"),
            "{e}"
        );
    }

    #[test]
    fn a_byte_array_without_its_stop_byte_is_refused() {
        let stop = Enc::ByteArrayStop(0, 7);
        let mut s = Streams::new(
            std::borrow::Cow::Borrowed(&[]),
            vec![ext(7, b"ACGT\0TT")],
            0,
        );
        assert_eq!(stop.array(&mut s, 1).unwrap(), 4);
        let e = stop.array(&mut s, 1).unwrap_err();
        assert!(e.0.contains("lacks its stop byte"), "{e}");
        // the fuzzer's input: the soft-clip block decodes to 817 bytes, but its last clip
        // lost the NUL that ends it
        let c = &walk(ABORT).unwrap()[0];
        let e = check_container(ABORT, c).unwrap_err();
        assert!(
            e.0.contains("record 5436") && e.0.contains("lacks its stop byte 0x00"),
            "{e}"
        );
    }

    /// Blocks are found by content id through the table below 256 and by search above it; an
    /// id without a block (also a negative one) is an error, never another block.
    #[test]
    fn external_blocks_are_found_by_content_id() {
        let blocks: [(i32, &'static [u8]); 5] = [
            (0, b"a"),
            (3, b"b"),
            (255, b"c"),
            (256, b"d"),
            (70_000, b"e"),
        ];
        let mut s = Streams::new(
            std::borrow::Cow::Borrowed(&[]),
            blocks.iter().map(|&(id, d)| ext(id, d)).collect(),
            0,
        );
        for (id, want) in blocks {
            let e = s.ext(id).unwrap().unwrap();
            assert_eq!(e.content().unwrap(), want, "id {id}");
        }
        for id in [-1, 1, 254, 257, 69_999, i32::MAX] {
            let e = s.ext(id).err().unwrap();
            assert!(e
                .0
                .contains(&format!("no external block has content id {id}")));
        }
    }

    /// htslib copies a soft clip of k bases to seq[p-1] unchecked: k = 8 at p = 1 fits a read
    /// of 8 bases and not one of 5.
    #[test]
    fn a_soft_clip_longer_than_its_read_is_refused() {
        let mut h = CompHeader {
            series: vec![None; 26 * 26],
            ..Default::default()
        };
        for (k, id) in [(b"FN", 1), (b"FP", 2), (b"MQ", 3)] {
            h.series[series_slot(k).unwrap()] = Some(Enc::External(id));
        }
        h.series[series_slot(b"FC").unwrap()] = Some(Enc::External(4));
        h.series[series_slot(b"SC").unwrap()] = Some(Enc::ByteArrayStop(0, 5));
        let streams = || {
            Streams::new(
                std::borrow::Cow::Borrowed(&[]),
                vec![
                    ext(1, &[1]),
                    ext(2, &[1]),
                    ext(3, &[60]),
                    ext(4, b"S"),
                    ext(5, b"ACGTACGT\0"),
                ],
                1,
            )
        };
        walk_mapped(&h, &mut streams(), 8, 0).unwrap();
        let mut spent = streams();
        spent.budget = 0;
        let e = walk_mapped(&h, &mut spent, 8, 0).unwrap_err();
        assert!(e.0.contains("outnumber"), "{e}");
        let e = walk_mapped(&h, &mut streams(), 5, 0).unwrap_err();
        assert!(
            e.0.contains("soft clip of 8 at read position 1 runs past the read's 5 bases"),
            "{e}"
        );
    }

    /// CRAM 3 §13.4: canonical codes by (length, symbol); A:1, B:2, C:2 bits give A = 0,
    /// B = 10, C = 11. The core bits 0 10 11 then BETA(offset 1, 3 bits) of 101 read A, B, C, 4.
    #[test]
    fn core_bit_codecs_decode_as_the_specification_says() {
        let h = Huffman::new(vec![67, 65, 66], vec![2, 1, 2]).unwrap();
        let core: &[u8] = &[0b0101_1101, 0b0100_0000];
        let mut s = Streams::new(std::borrow::Cow::Borrowed(core), Vec::new(), 0);
        let got: Vec<i32> = (0..3).map(|_| h.decode(&mut s).unwrap()).collect();
        assert_eq!(got, [65, 66, 67]);
        assert_eq!(Enc::Beta(1, 3).int(&mut s).unwrap(), 4);
        assert!(
            Huffman::new(vec![1, 2], vec![1, 2]).is_err(),
            "2 bits >= 2 symbols"
        );
        assert_eq!(
            Huffman::new(vec![9], vec![0])
                .unwrap()
                .decode(&mut s)
                .unwrap(),
            9
        );
    }

    #[test]
    fn itf8_written_reads_back() {
        for v in [
            0,
            127,
            128,
            0x3fff,
            0x4000,
            0x1f_ffff,
            0x20_0000,
            0x0fff_ffff,
            0x1000_0000,
            -1,
            i32::MIN,
        ] {
            let mut b = Vec::new();
            put_itf8(&mut b, v);
            let back = Cur {
                b: &b,
                pos: 0,
                what: "a test",
            }
            .itf8()
            .unwrap();
            assert_eq!(back as i32, v);
        }
    }
}
