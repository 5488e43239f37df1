//! CRAM 3 container headers walked from the memory map, and the `.crai` checked against them.
//!
//! METHOD: before a CRAM is read through its `.crai`, every container header of the file is
//! read (a few dozen bytes per container of ~10,000 records; the blocks are not touched) and its
//! CRC32 checked, so the walk follows lengths that are known to be intact. Then:
//! - every container that holds records has at least one `.crai` entry (an empty or truncated
//!   `.crai` made htslib return no reads at all, with exit 0);
//! - every `.crai` entry points at a container start, names the container's reference (for
//!   single-reference containers), lies inside the container's aligned span, and its slice lies
//!   inside the container;
//! - the records per reference sequence are the sum of the single-reference containers'
//!   record counts: what a pass that covers a contig whole must read (`engine` compares them).
//!   Contigs that share a multi-reference container have no such count.
//!
//! The data blocks are checked by htslib as it decodes them (block CRC32).

use std::fmt;

/// Why a CRAM or its index was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CramError(pub String);

impl fmt::Display for CramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, CramError> {
    Err(CramError(msg.into()))
}

/// One container header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    /// Byte offset of the container in the file.
    pub offset: u64,
    /// Bytes of the header.
    pub header_len: u64,
    /// Bytes of the blocks after the header.
    pub len: u64,
    /// Reference sequence id (-1 unmapped, -2 several references).
    pub ref_id: i32,
    /// 1-based first aligned position.
    pub start: i64,
    /// Aligned span.
    pub span: i64,
    /// Records.
    pub records: i64,
    /// Slice offsets (relative to the end of the header).
    pub landmarks: Vec<i64>,
}

/// `start` of the EOF container (the bytes "EOF").
const EOF_START: i64 = 4_542_278;

struct Cur<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Cur<'_> {
    fn byte(&mut self) -> Result<u8, CramError> {
        let v = *self.b.get(self.pos).ok_or_else(|| {
            CramError(format!(
                "truncated: a container header runs past the end of the file at byte {}",
                self.pos
            ))
        })?;
        self.pos += 1;
        Ok(v)
    }

    /// ITF8 (CRAM §2.3).
    fn itf8(&mut self) -> Result<i64, CramError> {
        let b0 = self.byte()?;
        let (n, mut v) = match b0.leading_ones() {
            0 => (0, b0 as u32),
            1 => (1, (b0 & 0x3f) as u32),
            2 => (2, (b0 & 0x1f) as u32),
            3 => (3, (b0 & 0x0f) as u32),
            _ => (4, (b0 & 0x0f) as u32),
        };
        for i in 0..n {
            let b = self.byte()? as u32;
            v = if n == 4 && i == 3 {
                (v << 4) | (b & 0x0f)
            } else {
                (v << 8) | b
            };
        }
        Ok(v as i32 as i64)
    }

    /// LTF8.
    fn ltf8(&mut self) -> Result<i64, CramError> {
        let b0 = self.byte()?;
        let n = b0.leading_ones() as usize;
        let mut v = if n >= 7 { 0 } else { (b0 & (0x7f >> n)) as u64 };
        for _ in 0..n {
            v = (v << 8) | self.byte()? as u64;
        }
        Ok(v as i64)
    }

    fn u32(&mut self) -> Result<u32, CramError> {
        let mut a = [0u8; 4];
        for x in &mut a {
            *x = self.byte()?;
        }
        Ok(u32::from_le_bytes(a))
    }
}

fn header_at(map: &[u8], offset: usize) -> Result<Container, CramError> {
    let mut c = Cur {
        b: map,
        pos: offset,
    };
    let len = c.u32()? as i32;
    let ref_id = c.itf8()?;
    let start = c.itf8()?;
    let span = c.itf8()?;
    let records = c.itf8()?;
    c.ltf8()?; // record counter
    c.ltf8()?; // bases
    c.itf8()?; // blocks
    let n_land = c.itf8()?;
    if !(0..=1 << 20).contains(&n_land) {
        return err(format!(
            "the container at byte {offset} claims {n_land} slices"
        ));
    }
    let mut landmarks = Vec::with_capacity((n_land as usize).min(map.len() - c.pos));
    for _ in 0..n_land {
        landmarks.push(c.itf8()?);
    }
    let body_end = c.pos;
    let crc = c.u32()?;
    let mut h = flate2::Crc::new();
    h.update(&map[offset..body_end]);
    if h.sum() != crc {
        return err(format!(
            "the container header at byte {offset} fails its CRC32 check: the file is damaged"
        ));
    }
    if len < 0 || ref_id < -2 || records < 0 {
        return err(format!(
            "the container header at byte {offset} is malformed (length {len}, reference {ref_id}, {records} records)"
        ));
    }
    Ok(Container {
        offset: offset as u64,
        header_len: (c.pos - offset) as u64,
        len: len as u64,
        ref_id: ref_id as i32,
        start,
        span,
        records,
        landmarks,
    })
}

/// Every data container of a CRAM 3 file (after the file definition and the header container,
/// before the EOF container), each header CRC-checked.
pub fn walk(map: &[u8]) -> Result<Vec<Container>, CramError> {
    let mut pos = 26usize; // file definition
    let mut out = Vec::new();
    let mut first = true;
    loop {
        if pos == map.len() {
            return err("the file ends without an EOF container: it is truncated");
        }
        let c = header_at(map, pos)?;
        let next = pos as u64 + c.header_len + c.len;
        if next > map.len() as u64 {
            return err(format!(
                "the container at byte {pos} runs past the end of the file ({} of {} bytes): it is truncated",
                next,
                map.len()
            ));
        }
        let eof = c.ref_id == -1 && c.start == EOF_START && c.records == 0;
        if eof {
            if next != map.len() as u64 {
                return err(format!(
                    "{} bytes follow the EOF container",
                    map.len() as u64 - next
                ));
            }
            return Ok(out);
        }
        if !first {
            if c.landmarks
                .iter()
                .any(|&l| l < 0 || l as u64 >= c.len.max(1))
            {
                return err(format!(
                    "a slice offset of the container at byte {pos} lies outside it"
                ));
            }
            out.push(c);
        }
        first = false;
        pos = next as usize;
    }
}

/// One `.crai` line, as read by noodles-cram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CraiEntry {
    /// Reference id (None: unmapped).
    pub ref_id: Option<usize>,
    /// 1-based start (None for unmapped).
    pub start: Option<u64>,
    /// Span.
    pub span: u64,
    /// Container offset.
    pub offset: u64,
    /// Slice offset inside the container's data.
    pub landmark: u64,
    /// Slice length.
    pub slice_len: u64,
}

/// Records per reference sequence from the containers (None where a multi-reference container
/// may hold some).
pub type RecordCounts = Vec<Option<u64>>;

/// Checks the `.crai` against the containers (module docs); returns the records per reference.
pub(crate) fn check_index(
    containers: &[Container],
    crai: &[CraiEntry],
    n_ref: usize,
) -> Result<RecordCounts, CramError> {
    let mut listed = vec![false; containers.len()];
    let mut shared = vec![false; n_ref];
    for e in crai {
        if e.ref_id.is_some_and(|r| r >= n_ref) {
            return err(format!(
                "an entry names reference {} but the header has {n_ref}",
                e.ref_id.unwrap_or(0)
            ));
        }
        let Ok(k) = containers.binary_search_by_key(&e.offset, |c| c.offset) else {
            return err(format!(
                "an entry points at byte {}, which is not the start of a container",
                e.offset
            ));
        };
        let c = &containers[k];
        listed[k] = true;
        let entry_ref = e.ref_id.map_or(-1, |r| r as i32);
        match c.ref_id {
            -2 => {
                if let Some(r) = e.ref_id {
                    shared[r] = true;
                }
            }
            r if r != entry_ref => {
                return err(format!(
                    "the entry for the container at byte {} names reference {entry_ref}, but the container holds reference {r}",
                    e.offset
                ))
            }
            r if r >= 0 => {
                let s = e.start.unwrap_or(0) as i64;
                if s < c.start || s + e.span as i64 > c.start + c.span.max(1) {
                    return err(format!(
                        "the entry for the container at byte {} spans {}-{}, outside the container's {}-{}",
                        e.offset,
                        s,
                        s + e.span as i64,
                        c.start,
                        c.start + c.span
                    ));
                }
            }
            _ => {}
        }
        if !c.landmarks.contains(&(e.landmark as i64))
            || e.slice_len == 0
            || e.landmark + e.slice_len > c.len
        {
            return err(format!(
                "the entry for the container at byte {} names a slice ({} + {} bytes) that is not one of the container's",
                e.offset, e.landmark, e.slice_len
            ));
        }
    }
    if let Some(k) = (0..containers.len()).find(|&k| !listed[k] && containers[k].records > 0) {
        let c = &containers[k];
        return err(format!(
            "it has no entry for the container at byte {} ({} records of reference {}): it is empty, truncated or belongs to another version of the file",
            c.offset, c.records, c.ref_id
        ));
    }
    let mut counts: RecordCounts = vec![Some(0); n_ref];
    for c in containers {
        if c.ref_id >= 0 {
            if let Some(Some(n)) = counts.get_mut(c.ref_id as usize) {
                *n += c.records as u64;
            } else if c.ref_id as usize >= n_ref {
                return err(format!(
                    "the container at byte {} names reference {}, but the header has {n_ref}",
                    c.offset, c.ref_id
                ));
            }
        }
    }
    for (r, s) in shared.iter().enumerate() {
        if *s {
            counts[r] = None;
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn itf8_and_ltf8_decode_the_specifications_examples() {
        let dec = |b: &[u8]| Cur { b, pos: 0 }.itf8().unwrap();
        assert_eq!(dec(&[0x7f]), 127);
        assert_eq!(dec(&[0x80, 0x80]), 128);
        assert_eq!(dec(&[0xc0, 0x40, 0x00]), 0x4000);
        assert_eq!(dec(&[0xff, 0xff, 0xff, 0xff, 0x0f]), -1);
        let l = |b: &[u8]| Cur { b, pos: 0 }.ltf8().unwrap();
        assert_eq!(l(&[0x05]), 5);
        assert_eq!(l(&[0x81, 0x00]), 256);
        assert_eq!(l(&[0xff, 0, 0, 0, 0, 0, 0, 1, 0]), 256);
    }
}
