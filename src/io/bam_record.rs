//! BAM records read from a BGZF stream and validated before the engine sees them.
//!
//! METHOD: the checks htslib's `bam_read1` and `sam_read1` make (and a few it leaves to the
//! reader), each refusing the record with its reason (exit 65 with the record's place, in
//! `alignment`):
//! - `block_size` at least 32 and at most [`MAX_RECORD_BYTES`]; the bytes are read as they
//!   arrive, so a damaged size never allocates more than the stream holds (a block_size of 4 GB
//!   aborted on allocation);
//! - `l_read_name` > 0, the name NUL-terminated, and the name, CIGAR, SEQ and QUAL inside the
//!   block;
//! - `refID` and mate `refID` are -1 or a sequence of the header; `pos` >= -1;
//! - every CIGAR operation is one of `MIDNSHP=X`, and for a mapped read with a sequence the
//!   CIGAR's query length equals `l_seq` (htslib: "CIGAR and query sequence lengths differ";
//!   a CIGAR longer than SEQ added phantom coverage);
//! - the optional fields are well-formed: each a two-character tag, a known type, a value
//!   inside the block (`Z`/`H` NUL-terminated, `B` arrays of the length they claim), and
//!   nothing left over.
//!
//! Mate positions stay advisory: a mate position below -1 (htslib's own `small.bam` has PNEXT
//! -129696966) is read as "no mate position", as before.

use std::io::{self, BufRead, Read};

use crate::types::aln::{op, Aln};

/// Largest BAM record accepted, in bytes (an ultra-long read of 4 Mb with qualities, a long
/// CIGAR and methylation tags stays well below it).
pub const MAX_RECORD_BYTES: u32 = 256 << 20;

/// Why a record was refused.
#[derive(Debug)]
pub enum RecordError {
    /// The stream failed (decompression, I/O).
    Io(io::Error),
    /// The record is malformed; the message says how.
    Bad(String),
}

impl From<io::Error> for RecordError {
    fn from(e: io::Error) -> Self {
        RecordError::Io(e)
    }
}

fn bad<T>(msg: impl Into<String>) -> Result<T, RecordError> {
    Err(RecordError::Bad(msg.into()))
}

/// Reads the next record's bytes (without `block_size`) into `buf`; false at the end of the
/// stream.
pub(crate) fn read_record<R: Read>(r: &mut R, buf: &mut Vec<u8>) -> Result<bool, RecordError> {
    let mut size = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut size[got..]) {
            Ok(0) if got == 0 => return Ok(false),
            Ok(0) => return bad("the stream ends inside a record's block_size"),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let size = u32::from_le_bytes(size);
    if size < 32 {
        return bad(format!(
            "block_size {size} is smaller than a record's 32 fixed bytes"
        ));
    }
    if size > MAX_RECORD_BYTES {
        return bad(format!(
            "block_size {size} exceeds the {MAX_RECORD_BYTES}-byte limit for one record"
        ));
    }
    buf.clear();
    // grows with the bytes actually present, never with the size claimed
    r.take(size as u64).read_to_end(buf)?;
    if buf.len() < size as usize {
        return bad(format!(
            "the stream ends {} bytes into a record of {size} bytes",
            buf.len()
        ));
    }
    Ok(true)
}

/// Where the next record is, for [`peek_record`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// The end of the stream.
    End,
    /// Inside the reader's current buffer: `fill_buf()[4..4 + size]` (consume `4 + size`
    /// after use). Nothing was copied.
    InBuffer(usize),
    /// Spanning buffers: copied into `buf` (and consumed).
    Copied,
}

/// The next record without copying it when it lies inside the reader's buffer (a BGZF block
/// holds ~64 kB, records a few hundred bytes: most do). Same checks as [`read_record`], whose
/// path records that span blocks take.
pub(crate) fn peek_record<R: BufRead>(r: &mut R, buf: &mut Vec<u8>) -> Result<Next, RecordError> {
    let avail = r.fill_buf()?;
    if avail.len() >= 4 {
        let size = u32::from_le_bytes([avail[0], avail[1], avail[2], avail[3]]);
        if (32..=MAX_RECORD_BYTES).contains(&size) && avail.len() - 4 >= size as usize {
            return Ok(Next::InBuffer(size as usize));
        }
    }
    Ok(if read_record(r, buf)? {
        Next::Copied
    } else {
        Next::End
    })
}

fn i32_at(b: &[u8], at: usize) -> i32 {
    i32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

/// Validates a record's bytes against a header of `n_ref` sequences and views it; `cigar`
/// receives the CIGAR words.
pub fn view<'a>(
    b: &'a [u8],
    n_ref: usize,
    cigar: &'a mut Vec<u32>,
) -> Result<Aln<'a>, RecordError> {
    if b.len() < 32 {
        return bad("shorter than a record's 32 fixed bytes");
    }
    let tid = i32_at(b, 0);
    let pos = i32_at(b, 4);
    let l_name = b[8] as usize;
    let mapq = b[9];
    let n_cigar = u16_at(b, 12) as usize;
    let flags = u16_at(b, 14);
    let l_seq = i32_at(b, 16);
    let mtid = i32_at(b, 20);
    let mpos = i32_at(b, 24);
    let tlen = i32_at(b, 28);
    let in_header = |t: i32| t == -1 || (t >= 0 && (t as usize) < n_ref);
    if !in_header(tid) {
        return bad(format!(
            "reference id {tid} is not a sequence of the header (it has {n_ref})"
        ));
    }
    if !in_header(mtid) {
        return bad(format!(
            "mate reference id {mtid} is not a sequence of the header (it has {n_ref})"
        ));
    }
    if pos < -1 {
        return bad(format!("position {pos} is below -1"));
    }
    if l_name == 0 {
        return bad("l_read_name is 0 (a read name needs at least its NUL)");
    }
    if l_seq < 0 {
        return bad(format!("l_seq {l_seq} is negative"));
    }
    let l_seq = l_seq as usize;
    let name_end = 32 + l_name;
    let cigar_end = name_end + 4 * n_cigar;
    let seq_end = cigar_end + l_seq.div_ceil(2);
    let qual_end = seq_end + l_seq;
    if qual_end > b.len() {
        return bad(format!(
            "its name, CIGAR, SEQ and QUAL need {qual_end} bytes but the record has {}",
            b.len()
        ));
    }
    let name = &b[32..name_end];
    // a plain loop: names are short, and memchr's set-up cost more than the scan
    if name[l_name - 1] != 0 || !name[..l_name - 1].iter().all(|&c| c != 0) {
        return bad("the read name is not one NUL-terminated string");
    }
    cigar.clear();
    let mut qlen = 0u64;
    for w in b[name_end..cigar_end].chunks_exact(4) {
        let word = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        let o = word & 0xf;
        if o > op::DIFF {
            return bad(format!("CIGAR operation code {o} is not one of MIDNSHP=X"));
        }
        if op::consumes_read(o) {
            qlen += (word >> 4) as u64;
        }
        cigar.push(word);
    }
    if l_seq > 0
        && n_cigar > 0
        && flags & crate::types::aln::flag::UNMAPPED == 0
        && qlen != l_seq as u64
    {
        return bad(format!(
            "its CIGAR covers {qlen} query bases but SEQ has {l_seq} (CIGAR and query sequence lengths differ)"
        ));
    }
    let aux = &b[qual_end..];
    check_aux(aux)?;
    Ok(Aln {
        tid,
        start: pos as i64,
        flags,
        mapq,
        mate_tid: mtid,
        mate_start: (mpos.max(-1)) as i64,
        tlen: tlen as i64,
        name: &name[..l_name - 1],
        cigar,
        seq: &b[cigar_end..seq_end],
        seq_len: l_seq,
        qual: &b[seq_end..qual_end],
        aux,
    })
}

/// The checks of [`view`] that apply to a record another decoder built (htslib's CRAM
/// decoder): references inside the header, CIGAR operations, CIGAR query length, aux data.
pub(crate) fn check_decoded(a: &Aln<'_>, n_ref: usize) -> Result<(), String> {
    let in_header = |t: i32| t == -1 || (t >= 0 && (t as usize) < n_ref);
    if !in_header(a.tid) || !in_header(a.mate_tid) {
        return Err(format!(
            "reference ids {} / {} (mate) are not both sequences of the header (it has {n_ref})",
            a.tid, a.mate_tid
        ));
    }
    let mut qlen = 0u64;
    for w in a.cigar {
        let o = w & 0xf;
        if o > op::DIFF {
            return Err(format!("CIGAR operation code {o} is not one of MIDNSHP=X"));
        }
        if op::consumes_read(o) {
            qlen += (w >> 4) as u64;
        }
    }
    let mapped = a.flags & crate::types::aln::flag::UNMAPPED == 0;
    if a.seq_len > 0 && !a.cigar.is_empty() && mapped && qlen != a.seq_len as u64 {
        return Err(format!(
            "its CIGAR covers {qlen} query bases but SEQ has {} (CIGAR and query sequence lengths differ)",
            a.seq_len
        ));
    }
    check_aux(a.aux).map_err(|e| match e {
        RecordError::Bad(m) => m,
        RecordError::Io(e) => e.to_string(),
    })
}

/// A two-letter aux tag, formatted only when an error names it.
struct TagText(u8, u8);

impl std::fmt::Display for TagText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.0 as char, self.1 as char)
    }
}

/// The byte size of one value of an aux type (`B` subtypes included).
fn aux_size(t: u8) -> Option<usize> {
    match t {
        b'A' | b'c' | b'C' => Some(1),
        b's' | b'S' => Some(2),
        b'i' | b'I' | b'f' => Some(4),
        _ => None,
    }
}

/// Walks the optional fields: every one well-formed and nothing left over.
pub(crate) fn check_aux(aux: &[u8]) -> Result<(), RecordError> {
    let mut i = 0;
    while i < aux.len() {
        if aux.len() - i < 3 {
            return bad(format!(
                "an optional field is cut short at byte {i} of the aux data"
            ));
        }
        let (t0, t1, ty) = (aux[i], aux[i + 1], aux[i + 2]);
        if !t0.is_ascii_alphabetic() || !t1.is_ascii_alphanumeric() {
            return bad(format!(
                "optional field tag {:?} at byte {i} of the aux data is not [A-Za-z][A-Za-z0-9]",
                String::from_utf8_lossy(&[t0, t1])
            ));
        }
        // the tag as text only for a message (this loop runs for every record)
        let tag = TagText(t0, t1);
        i += 3;
        let need = match ty {
            b'Z' | b'H' => match aux[i..].iter().position(|&c| c == 0) {
                Some(n) => n + 1,
                None => {
                    return bad(format!(
                        "optional field {tag}:{} has no terminating NUL",
                        ty as char
                    ))
                }
            },
            b'B' => {
                if aux.len() - i < 5 {
                    return bad(format!("optional field {tag}:B is cut short"));
                }
                let Some(sz) = aux_size(aux[i]).filter(|_| aux[i] != b'A') else {
                    return bad(format!(
                        "optional field {tag}:B has array type {:?}",
                        aux[i] as char
                    ));
                };
                let n = u32::from_le_bytes([aux[i + 1], aux[i + 2], aux[i + 3], aux[i + 4]]) as u64;
                5 + (n.saturating_mul(sz as u64)).min(u64::MAX - 5) as usize
            }
            t => match aux_size(t) {
                Some(n) => n,
                None => {
                    return bad(format!(
                        "optional field {tag} has unknown type {:?}",
                        t as char
                    ))
                }
            },
        };
        if need > aux.len() - i {
            return bad(format!(
                "optional field {tag}:{} needs {need} bytes but {} are left",
                ty as char,
                aux.len() - i
            ));
        }
        i += need;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record's bytes: tid 0, pos 10, name "r1", CIGAR, SEQ of `l_seq` bases, aux.
    pub(crate) fn record(cigar: &[(u32, u32)], l_seq: usize, aux: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend(0i32.to_le_bytes());
        b.extend(10i32.to_le_bytes());
        b.push(3); // "r1\0"
        b.push(60);
        b.extend(4680u16.to_le_bytes());
        b.extend((cigar.len() as u16).to_le_bytes());
        b.extend(0u16.to_le_bytes());
        b.extend((l_seq as i32).to_le_bytes());
        b.extend((-1i32).to_le_bytes());
        b.extend((-1i32).to_le_bytes());
        b.extend(0i32.to_le_bytes());
        b.extend(b"r1\0");
        for (len, o) in cigar {
            b.extend((len << 4 | o).to_le_bytes());
        }
        b.extend(std::iter::repeat_n(0x11u8, l_seq.div_ceil(2)));
        b.extend(std::iter::repeat_n(30u8, l_seq));
        b.extend_from_slice(aux);
        b
    }

    fn why(b: &[u8]) -> String {
        match view(b, 1, &mut Vec::new()) {
            Ok(_) => "ok".into(),
            Err(RecordError::Bad(m)) => m,
            Err(RecordError::Io(e)) => e.to_string(),
        }
    }

    #[test]
    fn a_well_formed_record_is_viewed() {
        let b = record(&[(100, op::MATCH)], 100, b"NMC\x01XZZabc\0");
        let mut c = Vec::new();
        let a = view(&b, 1, &mut c).unwrap();
        assert_eq!(
            (a.tid, a.start, a.seq_len, a.name),
            (0, 10, 100, &b"r1"[..])
        );
        assert_eq!(a.cigar, &[100 << 4]);
        assert_eq!(a.aux, b"NMC\x01XZZabc\0");
    }

    #[test]
    fn each_defect_is_refused_with_its_reason() {
        // the phantom coverage: a CIGAR 40 bases longer than SEQ
        assert!(why(&record(&[(140, op::MATCH)], 100, b"")).contains("CIGAR covers 140"));
        // corrupt aux data
        assert!(why(&record(&[(100, op::MATCH)], 100, b"XZZabc")).contains("NUL"));
        assert!(why(&record(&[(100, op::MATCH)], 100, b"NMq\x01")).contains("unknown type"));
        assert!(why(&record(&[(100, op::MATCH)], 100, b"XBBi\xff\xff\xff\x7f")).contains("needs"));
        assert!(why(&record(&[(100, op::MATCH)], 100, b"N")).contains("cut short"));
        // refID beyond the header, mate refID too
        let mut b = record(&[(100, op::MATCH)], 100, b"");
        b[0..4].copy_from_slice(&5i32.to_le_bytes());
        assert!(why(&b).contains("reference id 5"));
        let mut b = record(&[(100, op::MATCH)], 100, b"");
        b[20..24].copy_from_slice(&7i32.to_le_bytes());
        assert!(why(&b).contains("mate reference id 7"));
        // l_read_name 0
        let mut b = record(&[(100, op::MATCH)], 100, b"");
        b[8] = 0;
        assert!(why(&b).contains("l_read_name is 0"));
        // a bad CIGAR op, a length past the record
        assert!(why(&record(&[(100, 9)], 100, b"")).contains("operation code 9"));
        let mut b = record(&[(100, op::MATCH)], 100, b"");
        b[16..20].copy_from_slice(&1000i32.to_le_bytes());
        assert!(why(&b).contains("need"));
    }

    #[test]
    fn block_size_is_bounded_and_never_allocated_ahead() {
        let mut buf = Vec::new();
        // 4 GB claimed, 10 bytes present: refused without allocating
        let mut s: &[u8] = &[0xff, 0xff, 0xff, 0xff, 1, 2, 3];
        assert!(
            matches!(read_record(&mut s, &mut buf), Err(RecordError::Bad(m)) if m.contains("limit"))
        );
        let mut s: &[u8] = &[0x00, 0x00, 0x00, 0x01, 1, 2, 3];
        assert!(
            matches!(read_record(&mut s, &mut buf), Err(RecordError::Bad(m)) if m.contains("ends 3 bytes into"))
        );
        assert!(buf.capacity() < 1 << 20);
        let mut s: &[u8] = &[];
        assert!(!read_record(&mut s, &mut buf).unwrap());
    }

    // ---- property tests (issue 19): generated records view to what was generated; arbitrary
    // and damaged bytes never panic

    use proptest::prelude::*;

    /// One well-formed optional field of each type.
    fn aux_field() -> impl Strategy<Value = Vec<u8>> {
        let tag = (
            proptest::sample::select(b"ABCXYZ".to_vec()),
            proptest::sample::select(b"0129AZ".to_vec()),
        );
        let tv = |t: &[u8], v: &[u8]| [t, v].concat();
        let value = prop_oneof![
            any::<u8>().prop_map(move |v| tv(b"A", &[v % 26 + b'A'])),
            any::<i8>().prop_map(move |v| tv(b"c", &v.to_le_bytes())),
            any::<u16>().prop_map(move |v| tv(b"S", &v.to_le_bytes())),
            any::<i32>().prop_map(move |v| tv(b"i", &v.to_le_bytes())),
            any::<f32>().prop_map(move |v| tv(b"f", &v.to_le_bytes())),
            "[ -~]{0,12}".prop_map(move |z| tv(b"Z", &[z.as_bytes(), b"\0"].concat())),
            proptest::collection::vec(any::<i16>(), 0..6).prop_map(|v| {
                let mut b = b"Bs".to_vec();
                b.extend((v.len() as u32).to_le_bytes());
                v.iter().for_each(|x| b.extend(x.to_le_bytes()));
                b
            }),
        ];
        (tag, value).prop_map(|((a, b), v)| [vec![a, b], v].concat())
    }

    /// A generated record: (tid, pos, flags, name, CIGAR, aux).
    #[allow(clippy::type_complexity)]
    fn generated() -> impl Strategy<Value = (i32, i32, u16, String, Vec<(u32, u32)>, Vec<u8>)> {
        (
            -1i32..3,
            -1i32..1_000_000,
            any::<u16>(),
            "[A-Za-z0-9:_]{1,30}",
            proptest::collection::vec((1u32..200, 0u32..9), 0..12),
            proptest::collection::vec(aux_field(), 0..5).prop_map(|v| v.concat()),
        )
    }

    /// The bytes of a generated record, SEQ as long as the CIGAR says.
    fn encode(
        tid: i32,
        pos: i32,
        flags: u16,
        name: &str,
        cigar: &[(u32, u32)],
        aux: &[u8],
    ) -> (Vec<u8>, usize) {
        let l_seq: u32 = cigar
            .iter()
            .filter(|(_, o)| op::consumes_read(*o))
            .map(|(l, _)| l)
            .sum();
        let mut b = Vec::new();
        b.extend(tid.to_le_bytes());
        b.extend(pos.to_le_bytes());
        b.push(name.len() as u8 + 1);
        b.push(60);
        b.extend(0u16.to_le_bytes());
        b.extend((cigar.len() as u16).to_le_bytes());
        b.extend(flags.to_le_bytes());
        b.extend(l_seq.to_le_bytes());
        b.extend(tid.to_le_bytes());
        b.extend(pos.to_le_bytes());
        b.extend(0i32.to_le_bytes());
        b.extend(name.as_bytes());
        b.push(0);
        for (len, o) in cigar {
            b.extend((len << 4 | o).to_le_bytes());
        }
        b.extend(std::iter::repeat_n(0x12u8, (l_seq as usize).div_ceil(2)));
        b.extend(std::iter::repeat_n(30u8, l_seq as usize));
        b.extend_from_slice(aux);
        (b, l_seq as usize)
    }

    proptest! {
        #![proptest_config(crate::io::props::config())]

        #[test]
        fn a_generated_record_views_to_what_was_generated(
            (tid, pos, flags, name, cigar, aux) in generated()
        ) {
            let (b, l_seq) = encode(tid, pos, flags, &name, &cigar, &aux);
            let mut c = Vec::new();
            let a = view(&b, 3, &mut c).unwrap();
            prop_assert_eq!((a.tid, a.start, a.flags, a.seq_len), (tid, pos as i64, flags, l_seq));
            prop_assert_eq!(a.name, name.as_bytes());
            let words: Vec<u32> = cigar.iter().map(|(l, o)| l << 4 | o).collect();
            prop_assert_eq!(a.cigar, &words[..]);
            prop_assert_eq!(a.aux, &aux[..]);
            // framed with its block_size, it is read back whole
            let mut framed = (b.len() as u32).to_le_bytes().to_vec();
            framed.extend(&b);
            let mut buf = Vec::new();
            prop_assert!(read_record(&mut framed.as_slice(), &mut buf).unwrap());
            prop_assert_eq!(buf, b);
        }

        #[test]
        fn a_damaged_record_never_panics(
            (tid, pos, flags, name, cigar, aux) in generated(),
            at in any::<usize>(),
            byte in any::<u8>(),
            cut in any::<bool>(),
        ) {
            let (mut b, _) = encode(tid, pos, flags, &name, &cigar, &aux);
            let i = at % b.len();
            if cut { b.truncate(i) } else { b[i] = byte }
            let mut c = Vec::new();
            if let Ok(a) = view(&b, 3, &mut c) {
                // what is accepted is consistent
                prop_assert!(a.tid >= -1 && a.tid < 3 && a.start >= -1);
                prop_assert!(a.qual.len() == a.seq_len && a.seq.len() == a.seq_len.div_ceil(2));
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut buf = Vec::new();
            let mut c = Vec::new();
            let mut s = bytes.as_slice();
            while let Ok(true) = read_record(&mut s, &mut buf) {
                let _ = view(&buf, 2, &mut c);
            }
            let _ = view(&bytes, 2, &mut c);
            let _ = check_aux(&bytes);
        }
    }
}
