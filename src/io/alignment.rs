//! BAM and CRAM inputs: validated once, then read by every worker through its own reader.
//!
//! [`AlignmentInput::open`] memory-maps the file, checks its container (BGZF framing and EOF
//! marker, CRAM version and EOF container), reads the header, rejects unsorted inputs and finds
//! the index. It is `Sync`; each worker calls [`AlignmentInput::reader`] to get an
//! [`AlnReader`] of its own (a cursor over the shared map), so readers never cross threads.

use std::{
    fs::File,
    io::{self, Read, Seek, SeekFrom},
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::Result;
use memmap2::Mmap;
use noodles::{
    bam::{self, bai},
    bgzf, core,
    cram::{self, crai},
    csi, sam,
};

use super::bgzf_check::{check_bgzf, BgzfTail, CRAM3_EOF};
use super::reference::Reference;
use crate::error::{fail, ExitKind};
use crate::log;
pub use crate::types::source::InputFormat as Format;
use crate::types::source::{AlignmentReader, AlignmentSource, InputInfo};
use crate::types::{Aln, Contig, Region};

/// Options for opening alignment inputs.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenOptions {
    /// Accept a BAM whose blocks are whole but which lacks the BGZF EOF marker (warn instead).
    pub allow_missing_eof: bool,
}

enum Index {
    Bai(bai::Index),
    Csi(csi::Index),
    Crai(crai::Index),
}

/// A validated, memory-mapped BAM/CRAM with its header and index; shared by all workers.
pub struct AlignmentInput {
    /// Path, format, size, sample, index path, read groups.
    pub info: InputInfo,
    /// Reference sequences of the header, in header order.
    pub contigs: Vec<Contig>,
    /// CRAM version (major, minor), for CRAM inputs.
    pub cram_version: Option<(u8, u8)>,
    /// The first record (name, 0-based position, flags), to tell two files of the same reads.
    pub first_record: Option<(Vec<u8>, i64, u16)>,
    header: sam::Header,
    map: Arc<Mmap>,
    index: Index,
    cram_reference: Option<PathBuf>,
}

impl AlignmentSource for AlignmentInput {
    fn info(&self) -> &InputInfo {
        &self.info
    }

    fn contigs(&self) -> &[Contig] {
        &self.contigs
    }

    fn reader(&self) -> Result<Box<dyn AlignmentReader + '_>> {
        Ok(Box::new(self.open_reader()?))
    }
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

impl AlignmentInput {
    /// Opens and validates `path`. CRAM needs `reference`.
    pub fn open(
        path: &Path,
        reference: Option<&Reference>,
        opts: OpenOptions,
    ) -> Result<AlignmentInput> {
        let name = display(path);
        let file = File::open(path).map_err(|e| {
            fail(
                ExitKind::NoInput,
                format!("cannot open alignment file '{name}': {e}"),
            )
        })?;
        let size = file.metadata()?.len();
        if size == 0 {
            return Err(fail(
                ExitKind::Data,
                format!("'{name}' is empty (0 bytes): it is not a BAM or CRAM file; regenerate it"),
            ));
        }
        // SAFETY: read-only map of a file we do not modify; see docs/architecture.md (memory).
        let map = Arc::new(
            unsafe { Mmap::map(&file) }
                .map_err(|e| fail(ExitKind::Io, format!("cannot memory-map '{name}': {e}")))?,
        );
        if map.len() >= 4 && &map[..4] == b"CRAM" {
            Self::open_cram(path, map, size, reference)
        } else if map.len() >= 2 && map[0] == 0x1f && map[1] == 0x8b {
            Self::open_bam(path, map, size, opts)
        } else {
            Err(fail(
                ExitKind::Data,
                format!("'{name}' is neither BAM nor CRAM (unknown magic bytes); SAM text must be converted with `samtools view -b`"),
            ))
        }
    }

    fn open_bam(path: &Path, map: Arc<Mmap>, size: u64, opts: OpenOptions) -> Result<Self> {
        let name = display(path);
        match check_bgzf(&map) {
            BgzfTail::Complete => {}
            BgzfTail::MissingEof => {
                if opts.allow_missing_eof {
                    log::warn(&format!(
                        "'{name}' lacks the BGZF EOF marker; reading it anyway (--allow-missing-eof)"
                    ));
                } else {
                    return Err(fail(
                        ExitKind::Data,
                        format!("'{name}' lacks the BGZF EOF marker, so it may be truncated at a block boundary; re-copy or regenerate it, or pass --allow-missing-eof if you know it is complete"),
                    ));
                }
            }
            BgzfTail::Truncated { block_offset } => {
                return Err(fail(
                    ExitKind::Data,
                    format!("'{name}' is truncated: the BGZF block at byte {block_offset} of {size} is cut short; re-copy or regenerate the file"),
                ));
            }
            BgzfTail::NotBgzf => {
                return Err(fail(
                    ExitKind::Data,
                    format!(
                        "'{name}' is gzip but not BGZF; compress with `bgzip`/`samtools view -b`"
                    ),
                ));
            }
        }
        let mut reader = bam::io::Reader::new(io::Cursor::new(&map[..]));
        let header = reader.read_header().map_err(|e| {
            fail(
                ExitKind::Data,
                format!("cannot read the BAM header of '{name}': {e}; is it a BAM file?"),
            )
        })?;
        check_sort_order(&header, &name)?;
        let (index_path, index) = find_bam_index(path)?;
        let contigs = contigs_of(&header);
        let first_record = {
            let mut rec = bam::Record::default();
            match reader.read_record(&mut rec) {
                Ok(n) if n > 0 => Some((
                    rec.name().map(|n| n.to_vec()).unwrap_or_default(),
                    rec.alignment_start()
                        .transpose()
                        .ok()
                        .flatten()
                        .map(|p| p.get() as i64 - 1)
                        .unwrap_or(-1),
                    u16::from(rec.flags()),
                )),
                _ => None,
            }
        };
        Ok(AlignmentInput {
            info: InputInfo {
                path: path.to_path_buf(),
                format: Format::Bam,
                size,
                sample: sample_of(&header, path),
                index_path,
                read_groups: read_groups_of(&header),
            },
            contigs,
            cram_version: None,
            first_record,
            header,
            map,
            index,
            cram_reference: None,
        })
    }

    fn open_cram(
        path: &Path,
        map: Arc<Mmap>,
        size: u64,
        reference: Option<&Reference>,
    ) -> Result<Self> {
        let name = display(path);
        if map.len() < 26 {
            return Err(fail(
                ExitKind::Data,
                format!("'{name}' is truncated: too short for a CRAM file definition"),
            ));
        }
        let (major, minor) = (map[4], map[5]);
        if major != 3 || minor > 1 {
            return Err(fail(
                ExitKind::Data,
                format!("'{name}' is CRAM {major}.{minor}, which is not supported (CRAM 3.0 and 3.1 are); convert it with `samtools view -C -T ref.fa --output-fmt-option version=3.0`"),
            ));
        }
        if map.len() < CRAM3_EOF.len() || map[map.len() - CRAM3_EOF.len()..] != CRAM3_EOF {
            return Err(fail(
                ExitKind::Data,
                format!("'{name}' lacks the CRAM EOF container, so it is probably truncated; re-copy or regenerate it"),
            ));
        }
        let Some(reference) = reference else {
            return Err(fail(
                ExitKind::Usage,
                format!("'{name}' is CRAM, which needs the reference it was compressed against: pass --reference ref.fa"),
            ));
        };
        let mut reader = cram::io::Reader::new(io::Cursor::new(&map[..]));
        let header = reader.read_header().map_err(|e| {
            fail(
                ExitKind::Data,
                format!("cannot read the CRAM header of '{name}': {e}"),
            )
        })?;
        check_sort_order(&header, &name)?;
        let candidates = cram_index_candidates(path);
        let index_path = candidates.iter().find(|p| p.exists()).cloned().ok_or_else(|| {
            fail(
                ExitKind::NoInput,
                format!("no index found for '{name}' (looked for {}); create one with `samtools index {name}`", list(&candidates)),
            )
        })?;
        warn_if_stale(path, &index_path);
        let index = crai::fs::read(&index_path).map_err(|e| {
            fail(
                ExitKind::Data,
                format!(
                    "cannot read CRAM index '{}': {e}; rebuild it with `samtools index {name}`",
                    display(&index_path)
                ),
            )
        })?;
        let contigs = contigs_of(&header);
        let repository = reference.cram_repository()?;
        let first_record = {
            let mut r = cram::io::reader::Builder::default()
                .set_reference_sequence_repository(repository.clone())
                .build_from_reader(io::Cursor::new(&map[..]));
            let first = r
                .read_header()
                .ok()
                .and_then(|h| r.records(&h).next().and_then(|x| x.ok()));
            first.map(|rec| {
                (
                    rec.name().map(|n| n.to_vec()).unwrap_or_default(),
                    rec.alignment_start()
                        .map(|p| p.get() as i64 - 1)
                        .unwrap_or(-1),
                    u16::from(rec.flags()),
                )
            })
        };
        Ok(AlignmentInput {
            info: InputInfo {
                path: path.to_path_buf(),
                format: Format::Cram,
                size,
                sample: sample_of(&header, path),
                index_path,
                read_groups: read_groups_of(&header),
            },
            contigs,
            cram_version: Some((major, minor)),
            first_record,
            header,
            map,
            cram_reference: Some(reference.path.clone()),
            index: Index::Crai(index),
        })
    }

    /// A reader of this input for one worker: BAM through noodles over the shared memory map,
    /// CRAM through htslib (its decoder is several times faster than noodles-cram; measured in
    /// `scripts/bench-wgs.sh`).
    pub fn open_reader(&self) -> Result<AlnReader<'_>> {
        let kind = match self.info.format {
            Format::Bam => {
                let cursor = CountingCursor {
                    map: self.map.clone(),
                    pos: 0,
                    bytes: 0,
                    touched: None,
                };
                ReaderKind::Bam(Box::new(bam::io::Reader::new(cursor)))
            }
            Format::Cram => {
                let name = display(&self.info.path);
                let open_err = |e: rust_htslib::errors::Error| {
                    fail(
                        ExitKind::Data,
                        format!("cannot open CRAM '{name}' with htslib: {e}"),
                    )
                };
                let mut r = rust_htslib::bam::IndexedReader::from_path_and_index(
                    &self.info.path,
                    &self.info.index_path,
                )
                .map_err(open_err)?;
                if let Some(reference) = &self.cram_reference {
                    r.set_reference(reference).map_err(open_err)?;
                }
                ReaderKind::Cram(Box::new(r), rust_htslib::bam::Record::new())
            }
        };
        Ok(AlnReader {
            input: self,
            kind,
            rec: bam::Record::default(),
            cigar: Vec::new(),
            cram_bytes: 0,
        })
    }

    /// The parsed header.
    pub fn header(&self) -> &sam::Header {
        &self.header
    }
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| display(p))
        .collect::<Vec<_>>()
        .join(", ")
}

fn warn_if_stale(data: &Path, index: &Path) {
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(d), Some(i)) = (mtime(data), mtime(index)) {
        if i < d {
            log::warn(&format!(
                "index '{}' is older than '{}'; if the data changed, re-index it",
                display(index),
                display(data)
            ));
        }
    }
}

/// Where a CRAM's index is looked for, in order (where samtools writes it first).
pub fn cram_index_candidates(path: &Path) -> Vec<PathBuf> {
    vec![
        PathBuf::from(format!("{}.crai", path.display())),
        path.with_extension("crai"),
    ]
}

/// Where a BAM's index is looked for, in order (where samtools writes it first).
pub fn bam_index_candidates(path: &Path) -> Vec<PathBuf> {
    let name = path.display();
    vec![
        PathBuf::from(format!("{name}.bai")),
        path.with_extension("bai"),
        PathBuf::from(format!("{name}.csi")),
        path.with_extension("csi"),
    ]
}

fn find_bam_index(path: &Path) -> Result<(PathBuf, Index)> {
    let name = display(path);
    let candidates = bam_index_candidates(path);
    let Some(p) = candidates.iter().find(|p| p.exists()).cloned() else {
        return Err(fail(
            ExitKind::NoInput,
            format!(
                "no index found for '{name}' (looked for {}); create one with `samtools index {name}`",
                list(&candidates[..3])
            ),
        ));
    };
    warn_if_stale(path, &p);
    let bad = |e: io::Error| {
        fail(
            ExitKind::Data,
            format!(
                "cannot read index '{}': {e}; rebuild it with `samtools index {name}`",
                display(&p)
            ),
        )
    };
    let index = if p.extension().is_some_and(|e| e == "csi") {
        Index::Csi(csi::fs::read(&p).map_err(bad)?)
    } else {
        Index::Bai(bai::fs::read(&p).map_err(bad)?)
    };
    Ok((p, index))
}

fn check_sort_order(header: &sam::Header, name: &str) -> Result<()> {
    use sam::header::record::value::map::header::tag::SORT_ORDER;
    if let Some(hd) = header.header() {
        if let Some(so) = hd.other_fields().get(&SORT_ORDER) {
            let so = so.to_string();
            if so != "coordinate" && so != "unknown" {
                return Err(fail(
                    ExitKind::Data,
                    format!("'{name}' is not coordinate-sorted (@HD SO:{so}); sort it with `samtools sort -o sorted.bam {name}` and index it"),
                ));
            }
        }
    }
    Ok(())
}

fn contigs_of(header: &sam::Header) -> Vec<Contig> {
    use sam::header::record::value::map::reference_sequence::tag::MD5_CHECKSUM;
    header
        .reference_sequences()
        .iter()
        .map(|(name, rs)| Contig {
            name: name.to_string(),
            len: rs.length().get() as u64,
            md5: rs
                .other_fields()
                .get(&MD5_CHECKSUM)
                .map(|v| v.to_string().to_ascii_lowercase()),
        })
        .collect()
}

fn read_groups_of(header: &sam::Header) -> Vec<(String, String)> {
    use sam::header::record::value::map::read_group::tag::SAMPLE;
    header
        .read_groups()
        .iter()
        .map(|(id, rg)| {
            (
                id.to_string(),
                rg.other_fields()
                    .get(&SAMPLE)
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

fn sample_of(header: &sam::Header, path: &Path) -> String {
    use sam::header::record::value::map::read_group::tag::SAMPLE;
    header
        .read_groups()
        .values()
        .find_map(|rg| rg.other_fields().get(&SAMPLE).map(|v| v.to_string()))
        .unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "sample".into())
        })
}

/// A read-only cursor over the shared map that counts the bytes it hands out and remembers
/// the byte range touched since the last [`CountingCursor::release`].
struct CountingCursor {
    map: Arc<Mmap>,
    pos: u64,
    bytes: u64,
    touched: Option<(usize, usize)>,
}

/// Bytes of a file mapping a reader may keep resident before releasing them.
const RELEASE_EVERY: usize = 8 << 20;

impl CountingCursor {
    /// Drops this process's mapping of the pages read since the last call.
    ///
    /// Resident pages of a file mapping count in the process's RSS; without this, RSS would
    /// grow to the size of the input. `MADV_DONTNEED` on a read-only shared file mapping only
    /// unmaps the pages from this process: the data stays in the page cache and a later access
    /// (another worker reading a boundary block) faults it back in, unchanged.
    fn release(&mut self) {
        const PAGE: usize = 4096;
        if let Some((a, b)) = self.touched.take() {
            let start = a.div_ceil(PAGE) * PAGE;
            let end = (b / PAGE) * PAGE;
            if end > start {
                // SAFETY: the map is a read-only, shared mapping of a regular file; DONTNEED
                // cannot change what a later read sees (it re-reads the same file pages).
                let _ = unsafe {
                    self.map.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        start,
                        end - start,
                    )
                };
            }
        }
    }
}

impl Read for CountingCursor {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let data: &[u8] = &self.map;
        let start = (self.pos as usize).min(data.len());
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        self.pos += n as u64;
        self.bytes += n as u64;
        if n > 0 {
            self.touched = Some(match self.touched {
                Some((a, b)) => (a.min(start), b.max(start + n)),
                None => (start, start + n),
            });
            // Bound resident pages within one long query too: release every 8 MiB.
            if let Some((a, b)) = self.touched {
                if b - a > RELEASE_EVERY {
                    self.release();
                }
            }
        }
        Ok(n)
    }
}

impl Seek for CountingCursor {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let len = self.map.len() as i64;
        let new = match pos {
            SeekFrom::Start(p) => p as i64,
            SeekFrom::End(d) => len + d,
            SeekFrom::Current(d) => self.pos as i64 + d,
        };
        if new < 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            ));
        }
        self.pos = new as u64;
        Ok(self.pos)
    }
}

enum ReaderKind {
    Bam(Box<bam::io::Reader<bgzf::io::Reader<CountingCursor>>>),
    Cram(
        Box<rust_htslib::bam::IndexedReader>,
        rust_htslib::bam::Record,
    ),
}

/// One worker's reader of one input.
pub struct AlnReader<'i> {
    input: &'i AlignmentInput,
    kind: ReaderKind,
    rec: bam::Record,
    cigar: Vec<u32>,
    /// CRAM: compressed bytes of the slices fetched (from the `.crai`).
    cram_bytes: u64,
}

impl AlignmentReader for AlnReader<'_> {
    fn fetch(&mut self, region: Region, f: &mut dyn FnMut(&Aln<'_>) -> Result<()>) -> Result<()> {
        AlnReader::fetch(self, region, f)
    }

    fn bytes_read(&self) -> u64 {
        AlnReader::bytes_read(self)
    }

    fn release_pages(&mut self) {
        AlnReader::release_pages(self)
    }
}

impl AlnReader<'_> {
    /// Compressed bytes this reader has pulled from the file so far.
    pub fn bytes_read(&self) -> u64 {
        match &self.kind {
            ReaderKind::Bam(r) => r.get_ref().get_ref().bytes,
            ReaderKind::Cram(..) => self.cram_bytes,
        }
    }

    /// Releases the mapped pages read so far (`MADV_DONTNEED`; the page cache keeps them).
    pub fn release_pages(&mut self) {
        match &mut self.kind {
            ReaderKind::Bam(r) => r.get_mut().get_mut().release(),
            ReaderKind::Cram(..) => {}
        }
    }

    /// Calls `f` for every record overlapping `region` (placed records only), in file order.
    ///
    /// Errors name the file. A record that starts before its predecessor is reported as
    /// unsorted input.
    pub fn fetch<F>(&mut self, region: Region, mut f: F) -> Result<()>
    where
        F: FnMut(&Aln<'_>) -> Result<()>,
    {
        let input = self.input;
        let contig = &input.contigs[region.contig];
        let start = core::Position::try_from(region.start as usize + 1)?;
        let end = core::Position::try_from(region.end as usize)?;
        let q = core::Region::new(contig.name.as_str(), start..=end);
        let name = display(&input.info.path);
        let corrupt = |e: io::Error| {
            fail(
                ExitKind::Data,
                format!("cannot decode '{name}' in {}:{}-{}: {e}; the file is corrupt or truncated, re-copy or regenerate it", contig.name, region.start + 1, region.end),
            )
        };
        let mut last_start = i64::MIN;
        let unsorted = |pos: i64| {
            fail(
                ExitKind::Data,
                format!("'{name}' is not coordinate-sorted (a record at {}:{} follows a later one); sort it with `samtools sort` and re-index", contig.name, pos + 1),
            )
        };
        match &mut self.kind {
            ReaderKind::Bam(reader) => {
                use noodles::csi::BinningIndex;
                // the index's chunks read directly, each record kept when it overlaps the region
                // as noodles' own query keeps it (same contig, [start, end] meets the region),
                // judged on the view the pass builds anyway (noodles re-parses the CIGAR of
                // every record through boxed iterators for this)
                let tid = region.contig.index();
                let chunks = match &input.index {
                    Index::Bai(ix) => ix.query(tid, q.interval()),
                    Index::Csi(ix) => ix.query(tid, q.interval()),
                    Index::Crai(_) => unreachable!(),
                }
                .map_err(corrupt)?;
                let rec = &mut self.rec;
                for chunk in chunks {
                    reader.get_mut().seek(chunk.start()).map_err(corrupt)?;
                    while reader.get_ref().virtual_position() < chunk.end() {
                        if reader.read_record(rec).map_err(corrupt)? == 0 {
                            break;
                        }
                        let aln = view_bam(rec, &mut self.cigar).map_err(corrupt)?;
                        if !overlaps(&aln, tid, region) {
                            continue;
                        }
                        if aln.start < last_start {
                            return Err(unsorted(aln.start));
                        }
                        last_start = aln.start;
                        f(&aln)?;
                    }
                }
            }
            ReaderKind::Cram(reader, rec) => {
                let Index::Crai(ix) = &input.index else {
                    unreachable!("CRAM input with a BAM index")
                };
                // bytes of the slices this query touches, for the metrics
                let (lo, hi) = (region.start as i64 + 1, region.end as i64);
                self.cram_bytes += ix
                    .iter()
                    .filter(|r| {
                        r.reference_sequence_id() == Some(region.contig.index())
                            && r.alignment_start().is_some_and(|s| {
                                let s = s.get() as i64;
                                s <= hi && s + r.alignment_span() as i64 > lo
                            })
                    })
                    .map(|r| r.slice_length())
                    .sum::<u64>();
                let hts = |e: rust_htslib::errors::Error| {
                    fail(
                        ExitKind::Data,
                        format!("cannot decode '{name}' in {}:{}-{}: {e}; the file is corrupt or truncated, or --reference is not the one it was compressed against", contig.name, region.start + 1, region.end),
                    )
                };
                reader
                    .fetch((
                        region.contig.index() as i32,
                        region.start as i64,
                        region.end as i64,
                    ))
                    .map_err(hts)?;
                while let Some(r) = rust_htslib::bam::Read::read(reader.as_mut(), rec) {
                    r.map_err(hts)?;
                    let aln = view_hts(rec);
                    if aln.start < last_start {
                        return Err(unsorted(aln.start));
                    }
                    last_start = aln.start;
                    f(&aln)?;
                }
            }
        }
        Ok(())
    }
}

/// Whether a record overlaps `region` as noodles' BAM query decides it: placed on the region's
/// contig, with its 1-based `[start, start + reference span - 1]` meeting the region's 1-based
/// `[start + 1, end]` (an end before position 1 never does).
fn overlaps(a: &Aln<'_>, tid: usize, region: Region) -> bool {
    if a.tid < 0 || a.tid as usize != tid || a.start < 0 {
        return false;
    }
    let start = a.start + 1;
    let end = start + a.ref_len() as i64 - 1;
    end >= 1 && (region.start as i64) < end && start <= region.end as i64
}

fn view_bam<'a>(rec: &'a bam::Record, cigar: &'a mut Vec<u32>) -> io::Result<Aln<'a>> {
    let tid = match rec.reference_sequence_id().transpose()? {
        Some(t) => t as i32,
        None => -1,
    };
    let start = match rec.alignment_start().transpose()? {
        Some(p) => p.get() as i64 - 1,
        None => -1,
    };
    // Mate fields are advisory: out-of-range values (htslib's small.bam has PNEXT
    // -129696966) mean "no usable mate position", not a corrupt record.
    let mate_tid = match rec.mate_reference_sequence_id() {
        Some(Ok(t)) => t as i32,
        _ => -1,
    };
    let mate_start = match rec.mate_alignment_start() {
        Some(Ok(p)) => p.get() as i64 - 1,
        _ => -1,
    };
    cigar.clear();
    cigar.extend(
        rec.cigar()
            .as_bytes()
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
    );
    let seq = rec.sequence();
    let name: &[u8] = rec.name().map(|n| n.as_ref()).unwrap_or(b"*");
    Ok(Aln {
        tid,
        start,
        flags: u16::from(rec.flags()),
        mapq: rec.mapping_quality().map(u8::from).unwrap_or(255),
        mate_tid,
        mate_start,
        tlen: i64::from(rec.template_length()),
        name,
        cigar,
        seq: seq.as_bytes(),
        seq_len: seq.len(),
        qual: rec.quality_scores().as_bytes(),
        aux: rec.data().as_bytes(),
    })
}

/// Views an htslib record in place: htslib keeps records in BAM layout in memory (CIGAR words,
/// 4-bit packed sequence, phred qualities), so nothing is copied.
fn view_hts(rec: &rust_htslib::bam::Record) -> Aln<'_> {
    let seq = rec.seq();
    let b = rec.inner();
    let l_seq = b.core.l_qseq.max(0) as usize;
    let aux_at = b.core.l_qname as usize + 4 * b.core.n_cigar as usize + l_seq.div_ceil(2) + l_seq;
    let data: &[u8] = if b.data.is_null() || b.l_data <= 0 {
        &[]
    } else {
        // SAFETY: htslib keeps `l_data` initialised bytes at `data` for the record's lifetime
        // (qname, CIGAR, SEQ, QUAL, then the optional fields), borrowed here with `rec`.
        unsafe { std::slice::from_raw_parts(b.data, b.l_data as usize) }
    };
    Aln {
        tid: rec.tid(),
        start: rec.pos(),
        flags: rec.flags(),
        mapq: rec.mapq(),
        mate_tid: rec.mtid(),
        mate_start: rec.mpos(),
        tlen: rec.insert_size(),
        name: rec.qname(),
        cigar: rec.raw_cigar(),
        seq: seq.encoded,
        seq_len: rec.seq_len(),
        qual: rec.qual(),
        aux: data.get(aux_at..).unwrap_or(&[]),
    }
}
