//! Reference FASTA as labs keep it: plain (memory-mapped) with its `.fai`, or bgzip-compressed
//! with `.fai` + `.gzi` (`samtools faidx ref.fa.gz` writes both). Every read is a region fetch
//! through the index; nothing loads a whole contig.
//!
//! Identity without re-hashing gigabytes: the MD5 of each contig (as `@SQ M5` and
//! `samtools dict` compute it: uppercase bases, no line breaks) comes from, in order, a
//! sequence dictionary next to the FASTA (`ref.dict` / `ref.fa.dict` with `M5:` tags, as GATK
//! requires), then a cache `ref.fa.oncostream-md5` next to the FASTA (or in
//! `$XDG_CACHE_HOME/oncostream/` when that directory is read-only) written the first time, keyed by
//! the FASTA's size and modification time. The reference's [`ReferenceDigest`] is the MD5 of its
//! `name<TAB>length<TAB>md5` lines in `.fai` order.

use std::{
    collections::HashMap,
    fs::File,
    io::{BufRead, BufReader, Read, Seek, SeekFrom},
    path::{Path, PathBuf},
    sync::{Arc, Mutex, OnceLock},
};

use anyhow::{Context, Result};
use memmap2::Mmap;
use noodles::{bgzf, fasta};

use crate::error::{fail, ExitKind};
use crate::types::source::SequenceSource;

/// One sequence of the FASTA index.
#[derive(Clone, Debug)]
pub struct RefSeq {
    /// Sequence name.
    pub name: String,
    /// Length in bases.
    pub len: u64,
    offset: u64,
    line_bases: u64,
    line_width: u64,
}

enum Storage {
    /// Plain text, memory-mapped.
    Plain(Mmap),
    /// bgzip: readers (each a file handle and the `.gzi`) shared through a small pool.
    Bgzf {
        gzi: bgzf::gzi::Index,
        pool: Mutex<Vec<bgzf::io::IndexedReader<File>>>,
    },
}

/// A reference FASTA opened for random access. Cheap to share between threads.
#[derive(Clone)]
pub struct Reference {
    /// Path as given.
    pub path: PathBuf,
    seqs: Arc<Vec<RefSeq>>,
    by_name: Arc<HashMap<String, usize>>,
    storage: Arc<Storage>,
    index: Arc<fasta::fai::Index>,
    md5s: Arc<OnceLock<Vec<String>>>,
    /// The first place where the FASTA's lines did not sit where its `.fai` says (found while
    /// fetching).
    damage: Arc<OnceLock<String>>,
}

impl SequenceSource for Reference {
    fn fetch_into(&self, contig: &str, start: u64, end: u64, out: &mut Vec<u8>) -> bool {
        match self.get(contig) {
            Some(s) => {
                Reference::fetch_into(self, s, start, end, out);
                true
            }
            None => false,
        }
    }

    fn check(&self) -> std::result::Result<(), String> {
        match self.damage.get() {
            Some(why) => Err(why.clone()),
            None => Ok(()),
        }
    }
}

/// What identifies a reference without hashing the whole file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceDigest {
    /// MD5 of `name\tlength\tmd5\n` for every contig, in `.fai` order.
    pub digest: String,
    /// Contigs.
    pub contigs: usize,
    /// Where the per-contig MD5s came from: `dict`, `cache` or `computed`.
    pub source: &'static str,
}

fn push_ext(path: &Path, ext: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(ext);
    PathBuf::from(s)
}

fn is_bgzf(path: &Path) -> Result<bool> {
    let mut f = File::open(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot open reference '{}': {e}", path.display()),
        )
    })?;
    let mut magic = [0u8; 4];
    let n = f.read(&mut magic)?;
    Ok(n == 4 && magic[..2] == [0x1f, 0x8b] && magic[3] & 4 != 0)
}

impl Reference {
    /// Opens `path` and its `.fai` (plain FASTA: indexed in memory when the `.fai` is missing;
    /// bgzipped FASTA: `.fai` and `.gzi` are required).
    pub fn open(path: &Path) -> Result<Self> {
        let name = path.display();
        let file = super::open_seekable(path, "reference")?;
        let len = file.metadata()?.len();
        if len == 0 {
            return Err(fail(ExitKind::Data, format!("reference '{name}' is empty")));
        }
        let fai_path = push_ext(path, ".fai");
        let bgzipped = is_bgzf(path)?;
        if fai_path.exists() {
            let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
            if let (Some(f), Some(i)) = (mtime(path), mtime(&fai_path)) {
                if i < f {
                    crate::log::warn(&format!(
                        "FASTA index '{}' is older than '{name}'; if the FASTA changed, rebuild it with `samtools faidx`",
                        fai_path.display()
                    ));
                }
            }
        }
        let read_fai = || {
            fasta::fai::fs::read(&fai_path).map_err(|e| {
                fail(
                    ExitKind::Data,
                    format!(
                        "cannot read FASTA index '{}': {e}; rebuild it with `samtools faidx {name}`",
                        fai_path.display()
                    ),
                )
            })
        };
        let (storage, index) = if bgzipped {
            let gzi_path = push_ext(path, ".gzi");
            if !fai_path.exists() || !gzi_path.exists() {
                return Err(fail(
                    ExitKind::NoInput,
                    format!(
                        "reference '{name}' is bgzip-compressed and needs both '{}' and '{}'; create them with `samtools faidx {name}`",
                        fai_path.display(),
                        gzi_path.display()
                    ),
                ));
            }
            let gzi = bgzf::gzi::fs::read(&gzi_path).map_err(|e| {
                fail(
                    ExitKind::Data,
                    format!(
                        "cannot read '{}': {e}; rebuild it with `samtools faidx {name}`",
                        gzi_path.display()
                    ),
                )
            })?;
            (
                Storage::Bgzf {
                    gzi,
                    pool: Mutex::new(Vec::new()),
                },
                read_fai()?,
            )
        } else {
            let mut head = [0u8; 2];
            let n = File::open(path)?.read(&mut head)?;
            if n == 2 && head == [0x1f, 0x8b] {
                return Err(fail(
                    ExitKind::Data,
                    format!("reference '{name}' is gzip but not bgzip: random access needs bgzip; recompress with `zcat {name} | bgzip > ref.fa.gz && samtools faidx ref.fa.gz`"),
                ));
            }
            // SAFETY: the file is opened read-only; we assume it is not truncated while we run
            // (the same assumption every mmap-based genomics tool makes).
            let map = unsafe { Mmap::map(&file) }
                .with_context(|| format!("cannot map reference '{name}'"))?;
            let index = if fai_path.exists() {
                read_fai()?
            } else {
                fasta::fs::index(path).map_err(|e| {
                    fail(
                        ExitKind::Data,
                        format!("'{name}' is not a valid FASTA file: {e}"),
                    )
                })?
            };
            (Storage::Plain(map), index)
        };
        let mut seqs = Vec::new();
        for r in index.as_ref() {
            let rs = RefSeq {
                name: String::from_utf8_lossy(r.name()).into_owned(),
                len: r.length(),
                offset: r.position(),
                line_bases: r.line_base_count().get(),
                line_width: r.line_width().get(),
            };
            let storage_ref = &storage;
            let path_ref = path;
            let bytes = |from: u64, to: u64| read_span(storage_ref, path_ref, from, to);
            check_geometry(&rs, &bytes, file_len(storage_ref, len)).map_err(|why| {
                fail(
                    ExitKind::Data,
                    format!(
                        "FASTA index '{}' does not match '{name}': sequence '{}' {why}; rebuild it with `samtools faidx {name}`",
                        fai_path.display(),
                        rs.name
                    ),
                )
            })?;
            seqs.push(rs);
        }
        let by_name = seqs
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), i))
            .collect();
        Ok(Reference {
            path: path.to_path_buf(),
            seqs: Arc::new(seqs),
            by_name: Arc::new(by_name),
            storage: Arc::new(storage),
            index: Arc::new(index),
            md5s: Arc::new(OnceLock::new()),
            damage: Arc::new(OnceLock::new()),
        })
    }

    /// True for a bgzip-compressed FASTA.
    pub(crate) fn is_bgzipped(&self) -> bool {
        matches!(*self.storage, Storage::Bgzf { .. })
    }

    /// Sequences in file order.
    pub fn seqs(&self) -> &[RefSeq] {
        &self.seqs
    }

    /// Looks a sequence up by name.
    pub fn get(&self, name: &str) -> Option<&RefSeq> {
        self.by_name.get(name).map(|&i| &self.seqs[i])
    }

    /// The FASTA index (for CRAM decoding).
    pub fn fai(&self) -> &fasta::fai::Index {
        &self.index
    }

    /// Appends the uppercase bases `start..end` (0-based, clipped to the sequence) to `out`.
    pub fn fetch_into(&self, seq: &RefSeq, start: u64, end: u64, out: &mut Vec<u8>) {
        let end = end.min(seq.len);
        if start >= end {
            return;
        }
        match &*self.storage {
            Storage::Plain(map) => {
                let mut p = start;
                while p < end {
                    let line_off = p % seq.line_bases;
                    let take = (seq.line_bases - line_off).min(end - p);
                    let from = ((seq.offset + byte_offset(seq, p)) as usize).min(map.len());
                    let to = (from + take as usize).min(map.len());
                    let bases = &map[from..to];
                    // a line break or a header inside the bases: the lines are not where the
                    // `.fai` says (a line of the FASTA was lengthened or shortened)
                    if bases.len() < take as usize
                        || bases.iter().any(|b| matches!(b, b'\n' | b'\r' | b'>'))
                    {
                        let _ = self.damage.set(format!(
                            "reference '{}': the bases of '{}' at {} are not where its .fai says (a line was lengthened or shortened, or the file was cut); rebuild the index with `samtools faidx`",
                            self.path.display(),
                            seq.name,
                            p + 1
                        ));
                        out.extend(std::iter::repeat_n(b'N', (end - p) as usize));
                        return;
                    }
                    out.extend(bases.iter().map(|b| b.to_ascii_uppercase()));
                    p += take;
                }
            }
            Storage::Bgzf { gzi, pool } => {
                let from = seq.offset + byte_offset(seq, start);
                let to = seq.offset + byte_offset(seq, end - 1) + 1;
                let mut reader = pool.lock().expect("reference pool").pop();
                if reader.is_none() {
                    reader = File::open(&self.path)
                        .ok()
                        .map(|f| bgzf::io::IndexedReader::new(f, gzi.clone()));
                }
                let Some(mut r) = reader else {
                    return;
                };
                let mut buf = vec![0u8; (to - from) as usize];
                if r.seek(SeekFrom::Start(from)).is_ok() && r.read_exact(&mut buf).is_ok() {
                    out.extend(
                        buf.iter()
                            .filter(|b| **b != b'\n' && **b != b'\r')
                            .map(|b| b.to_ascii_uppercase()),
                    );
                }
                pool.lock().expect("reference pool").push(r);
            }
        }
    }

    /// MD5 (lowercase hex) of a whole sequence, as in `@SQ M5`: uppercase, no line breaks; from
    /// the dictionary or cache when available (see the module docs).
    pub fn md5(&self, seq: &RefSeq) -> String {
        let i = self.by_name.get(&seq.name).copied().unwrap_or(0);
        match self.contig_md5s() {
            Ok(v) => v[i].clone(),
            Err(_) => self.compute_md5(seq),
        }
    }

    fn compute_md5(&self, seq: &RefSeq) -> String {
        use md5::{Digest, Md5};
        let mut h = Md5::new();
        let mut buf = Vec::with_capacity(1 << 20);
        let mut p = 0;
        while p < seq.len {
            let e = (p + (1 << 20)).min(seq.len);
            buf.clear();
            self.fetch_into(seq, p, e, &mut buf);
            h.update(&buf);
            p = e;
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn stamp(&self) -> String {
        let m = std::fs::metadata(&self.path).ok();
        let size = m.as_ref().map(|m| m.len()).unwrap_or(0);
        let mtime = m
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs())
            .unwrap_or(0);
        format!("size={size}\tmtime={mtime}")
    }

    fn cache_paths(&self) -> Vec<PathBuf> {
        let mut v = vec![push_ext(&self.path, ".oncostream-md5")];
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
        if let (Some(b), Ok(canon)) = (base, std::fs::canonicalize(&self.path)) {
            use md5::{Digest, Md5};
            let key: String = Md5::digest(canon.to_string_lossy().as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            v.push(b.join("oncostream").join(format!("{key}.md5")));
        }
        v
    }

    fn md5s_in_dict(&self) -> Option<Vec<String>> {
        let candidates = [
            self.path.with_extension("dict"),
            push_ext(&self.path, ".dict"),
        ];
        for p in candidates {
            let Ok(f) = File::open(&p) else { continue };
            let mut m: HashMap<String, String> = HashMap::new();
            for line in BufReader::new(f).lines().map_while(|l| l.ok()) {
                if !line.starts_with("@SQ") {
                    continue;
                }
                let (mut sn, mut m5) = (None, None);
                for field in line.split('\t') {
                    if let Some(v) = field.strip_prefix("SN:") {
                        sn = Some(v.to_string());
                    } else if let Some(v) = field.strip_prefix("M5:") {
                        m5 = Some(v.to_ascii_lowercase());
                    }
                }
                if let (Some(s), Some(x)) = (sn, m5) {
                    m.insert(s, x);
                }
            }
            let v: Option<Vec<String>> =
                self.seqs.iter().map(|s| m.get(&s.name).cloned()).collect();
            if v.is_some() {
                return v;
            }
        }
        None
    }

    fn md5s_in_cache(&self) -> Option<Vec<String>> {
        let stamp = self.stamp();
        for p in self.cache_paths() {
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            let mut lines = text.lines();
            if lines.next() != Some(stamp.as_str()) {
                continue;
            }
            let m: HashMap<&str, &str> = lines
                .filter_map(|l| {
                    let f: Vec<&str> = l.split('\t').collect();
                    (f.len() == 3).then(|| (f[0], f[2]))
                })
                .collect();
            let v: Option<Vec<String>> = self
                .seqs
                .iter()
                .map(|s| m.get(s.name.as_str()).map(|x| x.to_string()))
                .collect();
            if v.is_some() {
                return v;
            }
        }
        None
    }

    fn write_cache(&self, md5s: &[String]) {
        let mut text = self.stamp();
        text.push('\n');
        for (s, m) in self.seqs.iter().zip(md5s) {
            text.push_str(&format!("{}\t{}\t{m}\n", s.name, s.len));
        }
        for p in self.cache_paths() {
            if let Some(d) = p.parent() {
                let _ = std::fs::create_dir_all(d);
            }
            // a cache: when it cannot be written here, the next place is tried
            if super::output::write_atomic(&p, text.as_bytes()).is_ok() {
                return;
            }
        }
    }

    /// Per-contig MD5s in `.fai` order (dictionary, cache, or computed once and cached).
    pub(crate) fn contig_md5s(&self) -> Result<&[String]> {
        if let Some(v) = self.md5s.get() {
            return Ok(v);
        }
        let v = match self.md5s_in_dict().or_else(|| self.md5s_in_cache()) {
            Some(v) => v,
            None => {
                let v: Vec<String> = self.seqs.iter().map(|s| self.compute_md5(s)).collect();
                self.write_cache(&v);
                v
            }
        };
        Ok(self.md5s.get_or_init(|| v))
    }

    /// The provenance record of this reference.
    pub fn record(&self) -> Result<crate::types::results::ReferenceRecord> {
        let d = self.digest()?;
        Ok(crate::types::results::ReferenceRecord {
            path: self.path.display().to_string(),
            size: std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0),
            bgzipped: self.is_bgzipped(),
            contigs: d.contigs,
            digest: d.digest,
            digest_source: d.source.to_string(),
        })
    }

    /// The reference's identity (see [`ReferenceDigest`]).
    pub fn digest(&self) -> Result<ReferenceDigest> {
        use md5::{Digest, Md5};
        let source = if self.md5s.get().is_some() {
            "cache"
        } else if self.md5s_in_dict().is_some() {
            "dict"
        } else if self.md5s_in_cache().is_some() {
            "cache"
        } else {
            "computed"
        };
        let md5s = self.contig_md5s()?;
        let mut h = Md5::new();
        for (s, m) in self.seqs.iter().zip(md5s) {
            h.update(format!("{}\t{}\t{m}\n", s.name, s.len).as_bytes());
        }
        Ok(ReferenceDigest {
            digest: h.finalize().iter().map(|b| format!("{b:02x}")).collect(),
            contigs: self.seqs.len(),
            source,
        })
    }
}

/// Bytes `from..to` of the FASTA (decompressed), clipped to the file.
fn read_span(storage: &Storage, path: &Path, from: u64, to: u64) -> Vec<u8> {
    match storage {
        Storage::Plain(map) => {
            let (a, b) = ((from as usize).min(map.len()), (to as usize).min(map.len()));
            map[a..b].to_vec()
        }
        Storage::Bgzf { gzi, .. } => {
            let Ok(f) = File::open(path) else {
                return Vec::new();
            };
            let mut r = bgzf::io::IndexedReader::new(f, gzi.clone());
            let mut buf = Vec::new();
            if r.seek(SeekFrom::Start(from)).is_ok() {
                let _ = (&mut r).take(to.saturating_sub(from)).read_to_end(&mut buf);
            }
            buf
        }
    }
}

/// The FASTA's length in bytes (decompressed; unknown, u64::MAX, for bgzip).
fn file_len(storage: &Storage, len: u64) -> u64 {
    match storage {
        Storage::Plain(_) => len,
        Storage::Bgzf { .. } => u64::MAX,
    }
}

/// METHOD: a `.fai` entry is checked against its FASTA like an index against its BAM, at the
/// places that show where the lines really are: the header line just before the offset names
/// the sequence; the first line holds `line_bases` bases then its line break; the last base
/// sits where the length and line geometry put it, followed by a line break and then the next
/// header or the end of the file. A FASTA one line shorter or longer than its `.fai` (which
/// panicked, or gave 56 positions with the wrong reference base and exit 0) fails the last two
/// checks; a line changed inside a sequence is caught when its bases are fetched.
fn check_geometry(
    rs: &RefSeq,
    bytes: &dyn Fn(u64, u64) -> Vec<u8>,
    file_len: u64,
) -> std::result::Result<(), String> {
    let (lb, lw) = (rs.line_bases, rs.line_width);
    if lw <= lb || lw > lb + 2 {
        return Err(format!(
            "has {lb} bases per line but {lw} bytes per line (a line ends with \\n or \\r\\n)"
        ));
    }
    if rs.offset == 0 || rs.offset > file_len {
        return Err(format!("starts at byte {}, outside the file", rs.offset));
    }
    let before = bytes(rs.offset.saturating_sub(4096), rs.offset);
    if before.last() != Some(&b'\n') {
        return Err("does not start right after a header line".into());
    }
    let head = &before[..before.len() - 1];
    if let Some(i) = head
        .iter()
        .rposition(|&b| b == b'\n')
        .map(|i| i + 1)
        .or((before.len() < 4096).then_some(0))
    {
        let line = String::from_utf8_lossy(&head[i..]);
        let line = line.trim_end_matches('\r');
        let named = line
            .strip_prefix('>')
            .and_then(|h| h.split_whitespace().next());
        if named != Some(rs.name.as_str()) {
            return Err(format!(
                "is not preceded by its header line ('>{}')",
                rs.name
            ));
        }
    }
    if rs.len == 0 {
        return Ok(());
    }
    let first = bytes(rs.offset, rs.offset + lw.min(rs.len + (lw - lb)));
    let n = lb.min(rs.len) as usize;
    if first.len() < n || first[..n].iter().any(|b| matches!(b, b'\n' | b'\r' | b'>')) {
        return Err("has a first line shorter than its .fai says".into());
    }
    if rs.len > lb && !matches!(first.get(n), Some(b'\n' | b'\r')) {
        return Err("has a first line longer than its .fai says".into());
    }
    let last = rs.offset + byte_offset(rs, rs.len - 1);
    if last >= file_len {
        return Err(format!(
            "ends at byte {last}, past the end of the file (the FASTA is shorter than its .fai says)"
        ));
    }
    let tail = bytes(last, last + 4 + lw);
    match tail.first() {
        Some(b) if !matches!(b, b'\n' | b'\r' | b'>') => {}
        _ => {
            return Err(format!(
                "has no base at byte {last}, where its .fai puts its last base (the FASTA is shorter than its .fai says)"
            ))
        }
    }
    let rest: Vec<u8> = tail[1..]
        .iter()
        .copied()
        .skip_while(|b| matches!(b, b'\n' | b'\r'))
        .collect();
    if !matches!(tail.get(1), None | Some(b'\n' | b'\r'))
        || !matches!(rest.first(), None | Some(b'>'))
    {
        return Err(format!(
            "goes on after byte {last}, where its .fai ends it (the FASTA is longer than its .fai says)"
        ));
    }
    Ok(())
}

fn byte_offset(seq: &RefSeq, p: u64) -> u64 {
    (p / seq.line_bases) * seq.line_width + p % seq.line_bases
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn fetch_crosses_lines_and_md5_matches_samtools_dict() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.fa");
        let mut f = File::create(&p).unwrap();
        // two sequences, 4 bases per line, lowercase mixed in
        write!(f, ">a desc\nACGT\nacgt\nAC\n>b\nTTTT\n").unwrap();
        drop(f);
        let r = Reference::open(&p).unwrap();
        let a = r.get("a").unwrap().clone();
        assert_eq!(a.len, 10);
        let mut out = Vec::new();
        r.fetch_into(&a, 2, 9, &mut out);
        assert_eq!(out, b"GTACGTA");
        // md5 of "ACGTACGTAC" (printf ACGTACGTAC | md5sum)
        assert_eq!(r.md5(&a), "45aff2fecf7615d56bc0567dffab9fa8");
        // the cache was written next to the FASTA and is used by the next open
        assert!(dir.path().join("r.fa.oncostream-md5").exists());
        let again = Reference::open(&p).unwrap();
        assert_eq!(again.digest().unwrap().source, "cache");
        assert_eq!(again.digest().unwrap(), {
            let mut d = r.digest().unwrap();
            d.source = "cache";
            d
        });
    }
}
