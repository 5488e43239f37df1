//! Reference FASTA: memory-mapped, indexed by its `.fai` (built in memory when absent).

use std::{
    fs::File,
    path::{Path, PathBuf},
    sync::{Arc, OnceLock},
};

use anyhow::{Context, Result};
use memmap2::Mmap;
use noodles::fasta;

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

/// A reference FASTA opened for random access. Cheap to share between threads.
#[derive(Clone)]
pub struct Reference {
    /// Path as given.
    pub path: PathBuf,
    seqs: Arc<Vec<RefSeq>>,
    map: Arc<Mmap>,
    index: Arc<fasta::fai::Index>,
    repository: Arc<OnceLock<fasta::Repository>>,
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
}

impl Reference {
    /// Opens `path` and its `.fai` (or indexes it in memory when the `.fai` is missing).
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| {
            fail(
                ExitKind::NoInput,
                format!("cannot open reference '{}': {e}", path.display()),
            )
        })?;
        let len = file.metadata()?.len();
        if len == 0 {
            return Err(fail(
                ExitKind::Data,
                format!("reference '{}' is empty", path.display()),
            ));
        }
        // SAFETY: the file is opened read-only; we assume it is not truncated while we run
        // (the same assumption every mmap-based genomics tool makes).
        let map = unsafe { Mmap::map(&file) }
            .with_context(|| format!("cannot map reference '{}'", path.display()))?;
        let fai_path = PathBuf::from(format!("{}.fai", path.display()));
        let index = if fai_path.exists() {
            fasta::fai::fs::read(&fai_path).map_err(|e| {
                fail(
                    ExitKind::Data,
                    format!(
                        "cannot read FASTA index '{}': {e}; rebuild it with `samtools faidx {}`",
                        fai_path.display(),
                        path.display()
                    ),
                )
            })?
        } else {
            fasta::fs::index(path).map_err(|e| {
                fail(
                    ExitKind::Data,
                    format!("'{}' is not a valid FASTA file: {e}", path.display()),
                )
            })?
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
            let last = rs.offset + byte_offset(&rs, rs.len);
            if rs.len > 0 && last > map.len() as u64 + rs.line_width {
                return Err(fail(
                    ExitKind::Data,
                    format!(
                        "FASTA index of '{}' does not match the file (sequence '{}' runs past its end); rebuild it with `samtools faidx`",
                        path.display(),
                        rs.name
                    ),
                ));
            }
            seqs.push(rs);
        }
        Ok(Reference {
            path: path.to_path_buf(),
            seqs: Arc::new(seqs),
            map: Arc::new(map),
            index: Arc::new(index),
            repository: Arc::new(OnceLock::new()),
        })
    }

    /// Sequences in file order.
    pub fn seqs(&self) -> &[RefSeq] {
        &self.seqs
    }

    /// Looks a sequence up by name.
    pub fn get(&self, name: &str) -> Option<&RefSeq> {
        self.seqs.iter().find(|s| s.name == name)
    }

    /// The FASTA index (for CRAM decoding).
    pub fn fai(&self) -> &fasta::fai::Index {
        &self.index
    }

    /// The CRAM reference repository over this FASTA: one per reference, shared by every CRAM
    /// input and worker (its contig cache is built once, as htslib's is).
    pub fn cram_repository(&self) -> Result<fasta::Repository> {
        if let Some(r) = self.repository.get() {
            return Ok(r.clone());
        }
        let file = File::open(&self.path).map_err(|e| {
            fail(
                ExitKind::NoInput,
                format!("cannot open reference '{}': {e}", self.path.display()),
            )
        })?;
        let reader = fasta::io::IndexedReader::new(
            std::io::BufReader::new(file),
            self.index.as_ref().clone(),
        );
        let repo = fasta::Repository::new(fasta::repository::adapters::IndexedReader::new(reader));
        Ok(self.repository.get_or_init(|| repo).clone())
    }

    /// Appends the uppercase bases `start..end` (0-based, clipped to the sequence) to `out`.
    pub fn fetch_into(&self, seq: &RefSeq, start: u64, end: u64, out: &mut Vec<u8>) {
        let end = end.min(seq.len);
        let mut p = start;
        while p < end {
            let line_off = p % seq.line_bases;
            let take = (seq.line_bases - line_off).min(end - p);
            let from = (seq.offset + byte_offset(seq, p)) as usize;
            let to = (from + take as usize).min(self.map.len());
            out.extend(self.map[from..to].iter().map(|b| b.to_ascii_uppercase()));
            p += take;
        }
    }

    /// The whole uppercase sequence of contig `name` (empty when the FASTA lacks it).
    pub fn fetch_contig(&self, name: &str) -> Vec<u8> {
        let mut buf = Vec::new();
        if let Some(s) = self.get(name) {
            self.fetch_into(s, 0, s.len, &mut buf);
        }
        buf
    }

    /// MD5 (lowercase hex) of the whole sequence, as in `@SQ M5`: uppercase, no line breaks.
    pub fn md5(&self, seq: &RefSeq) -> String {
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
    }
}
