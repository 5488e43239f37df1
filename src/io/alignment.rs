//! BAM and CRAM inputs: validated once, then read by every worker through its own reader.
//!
//! [`AlignmentInput::open`] memory-maps the file, checks its container (BGZF framing and EOF
//! marker, CRAM version and EOF container), reads the header, rejects unsorted inputs and finds
//! the index. It is `Sync`; each worker calls [`AlignmentInput::reader`] to get an
//! [`AlnReader`] of its own (a cursor over the shared map), so readers never cross threads.

use std::{
    fs::File,
    io::{self, BufRead, Read, Seek, SeekFrom},
    path::{Path, PathBuf},
    sync::{Arc, OnceLock},
};

use anyhow::Result;
use memmap2::Mmap;
use noodles::{bam, bgzf, cram::crai, sam};

use super::bam_index::{self, BinningIndex, Chunk, ContigRef, Target, MAX_INDEX_BYTES};
use super::bam_record::{self, Next, RecordError};
use super::bgzf_check::{check_bgzf, BgzfTail, CRAM3_EOF};
use super::cram_blocks;
use super::cram_container::{self, Container, CraiEntry};
use super::reference::Reference;
use crate::error::{fail, ExitKind};
use crate::log;
pub use crate::types::source::InputFormat as Format;
use crate::types::source::{AlignmentReader, AlignmentSource, Fields, InputInfo};
use crate::types::{Aln, Contig, Region};

/// Options for opening alignment inputs.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenOptions {
    /// Accept a BAM whose blocks are whole but which lacks the BGZF EOF marker (warn instead).
    pub allow_missing_eof: bool,
}

enum Index {
    /// `.bai` or `.csi`, checked (see `bam_index`).
    Binning(BinningIndex),
    /// `.crai`, checked against the container headers (see `cram_container`).
    Crai(CramIndex),
}

/// A CRAM's `.crai`, its containers, and which containers passed `cram_blocks`.
struct CramIndex {
    crai: Vec<CraiEntry>,
    containers: Vec<Container>,
    /// Per container, the outcome of [`cram_blocks::check_container`], computed once by the
    /// first worker that needs it.
    checked: Vec<OnceLock<std::result::Result<(), String>>>,
}

impl CramIndex {
    /// Runs (once) the memory-safe check of the containers `range` before htslib decodes them.
    fn check(&self, map: &Mmap, range: std::ops::Range<usize>, name: &str) -> Result<()> {
        for k in range {
            let done = self.checked[k].get_or_init(|| {
                let c = &self.containers[k];
                let r = cram_blocks::check_container(map, c).map_err(|e| e.0);
                // the check reads the container through the map; htslib reads the file
                // itself: without this, the checked pages stayed in RSS (the size of the CRAM)
                let at = c.offset as usize;
                release_range(map, at, at.saturating_add((c.header_len + c.len) as usize));
                r
            });
            if let Err(e) = done {
                return Err(fail(
                    ExitKind::Data,
                    format!("'{name}' is damaged: {e}; re-copy or regenerate it"),
                ));
            }
        }
        Ok(())
    }
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
    /// Records per contig as the index counts them (None where it cannot tell).
    index_records: Vec<Option<u64>>,
    cram_reference: Option<PathBuf>,
}

impl AlignmentSource for AlignmentInput {
    fn info(&self) -> &InputInfo {
        &self.info
    }

    fn contigs(&self) -> &[Contig] {
        &self.contigs
    }

    fn reader(&self, fields: Fields) -> Result<Box<dyn AlignmentReader + '_>> {
        Ok(Box::new(self.open_reader(fields)?))
    }

    fn index_records(&self, contig: usize) -> Option<u64> {
        self.index_records.get(contig).copied().flatten()
    }
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

impl AlignmentInput {
    /// Opens and validates `path`. CRAM needs `reference`. A decoder that panics on damaged
    /// data is reported as bad data naming the file (exit 65).
    pub fn open(
        path: &Path,
        reference: Option<&Reference>,
        opts: OpenOptions,
    ) -> Result<AlignmentInput> {
        crate::error::catch(|| Self::open_checked(path, reference, opts)).unwrap_or_else(|what| {
            Err(fail(
                ExitKind::Data,
                format!(
                    "reading '{}' made its decoder fail ({what}); the file is damaged: re-copy or regenerate it",
                    display(path)
                ),
            ))
        })
    }

    fn open_checked(
        path: &Path,
        reference: Option<&Reference>,
        opts: OpenOptions,
    ) -> Result<AlignmentInput> {
        let name = display(path);
        let file = super::open_seekable(path, "alignment file")?;
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
        check_bam_header(&map).map_err(|e| {
            fail(
                ExitKind::Data,
                format!("cannot read the BAM header of '{name}': {e}; the file is damaged, regenerate it"),
            )
        })?;
        let mut reader = bam::io::Reader::new(io::Cursor::new(&map[..]));
        let header = reader.read_header().map_err(|e| {
            fail(
                ExitKind::Data,
                format!("cannot read the BAM header of '{name}': {e}; is it a BAM file?"),
            )
        })?;
        check_sort_order(&header, &name)?;
        let contigs = contigs_of(&header);
        let (index_path, index) = find_bam_index(path, &contigs, size)?;
        let index_records = (0..contigs.len())
            .map(|r| index.placed_records(r))
            .collect();
        let first_record = {
            let mut buf = Vec::new();
            let mut cigar = Vec::new();
            match bam_record::read_record(reader.get_mut(), &mut buf) {
                Ok(true) => match bam_record::view(&buf, contigs.len(), &mut cigar) {
                    Ok(a) => Some((a.name.to_vec(), a.start, a.flags)),
                    Err(e) => return Err(record_error(&name, "the first record", e)),
                },
                Ok(false) => None,
                Err(e) => return Err(record_error(&name, "the first record", e)),
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
            index: Index::Binning(index),
            index_records,
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
        let containers = cram_container::walk(&map).map_err(|e| {
            fail(
                ExitKind::Data,
                format!("'{name}' is damaged: {e}; re-copy or regenerate it"),
            )
        })?;
        let header = cram_header(path, &name)?;
        check_sort_order(&header, &name)?;
        let contigs = contigs_of(&header);
        let candidates = cram_index_candidates(path);
        let index_path = candidates.iter().find(|p| p.exists()).cloned().ok_or_else(|| {
            fail(
                ExitKind::NoInput,
                format!("no index found for '{name}' (looked for {}); create one with `samtools index {name}`", list(&candidates)),
            )
        })?;
        warn_if_stale(path, &index_path);
        let bad_index = |e: String| {
            fail(
                ExitKind::Data,
                format!(
                    "cannot use CRAM index '{}': {e}; rebuild it with `samtools index {name}`",
                    display(&index_path)
                ),
            )
        };
        let crai = read_crai(&index_path).map_err(|e| bad_index(e.to_string()))?;
        let index_records = cram_container::check_index(&containers, &crai, contigs.len())
            .map_err(|e| bad_index(e.to_string()))?;
        let cram = CramIndex {
            crai,
            checked: containers.iter().map(|_| OnceLock::new()).collect(),
            containers,
        };
        // htslib decodes the first data container to read the first record
        cram.check(&map, 0..cram.containers.len().min(1), &name)?;
        let first_record = cram_first_record(path, &reference.path, &name)?;
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
            index: Index::Crai(cram),
            index_records,
        })
    }

    /// A reader of this input for one worker: BAM through noodles over the shared memory map,
    /// CRAM through htslib (its decoder is several times faster than noodles-cram; measured in
    /// `scripts/bench-wgs.sh`), told which of `fields` to decode (BAM records carry them all
    /// at no cost).
    pub(crate) fn open_reader(&self, fields: Fields) -> Result<AlnReader<'_>> {
        let kind = match self.info.format {
            Format::Bam => {
                let cursor = CountingCursor {
                    map: self.map.clone(),
                    pos: 0,
                    bytes: 0,
                    touched: None,
                };
                ReaderKind::Bam(Box::new(bgzf::io::Reader::new(cursor)), Vec::new())
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
                if fields != Fields::ALL {
                    use rust_htslib::bam::Read as _;
                    r.set_cram_options(
                        rust_htslib::htslib::hts_fmt_option_CRAM_OPT_REQUIRED_FIELDS,
                        cram_required_fields(fields),
                    )
                    .map_err(open_err)?;
                }
                ReaderKind::Cram(Box::new(r), rust_htslib::bam::Record::new())
            }
        };
        Ok(AlnReader {
            input: self,
            kind,
            cigar: Vec::new(),
            cram_bytes: 0,
        })
    }

    /// The parsed header.
    pub fn header(&self) -> &sam::Header {
        &self.header
    }
}

/// htslib's required-fields mask for `fields`: everything a record's placement, pairing,
/// name, CIGAR and bases need, plus qualities and optional fields when asked for.
fn cram_required_fields(fields: Fields) -> rust_htslib::htslib::sam_fields {
    use rust_htslib::htslib as h;
    let mut m = h::sam_fields_SAM_QNAME
        | h::sam_fields_SAM_FLAG
        | h::sam_fields_SAM_RNAME
        | h::sam_fields_SAM_POS
        | h::sam_fields_SAM_MAPQ
        | h::sam_fields_SAM_CIGAR
        | h::sam_fields_SAM_RNEXT
        | h::sam_fields_SAM_PNEXT
        | h::sam_fields_SAM_TLEN
        | h::sam_fields_SAM_SEQ;
    if fields.qual {
        m |= h::sam_fields_SAM_QUAL;
    }
    if fields.aux {
        m |= h::sam_fields_SAM_AUX;
    }
    m
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
pub(crate) fn cram_index_candidates(path: &Path) -> Vec<PathBuf> {
    vec![
        PathBuf::from(format!("{}.crai", path.display())),
        path.with_extension("crai"),
    ]
}

/// Where a BAM's index is looked for, in order (where samtools writes it first).
pub(crate) fn bam_index_candidates(path: &Path) -> Vec<PathBuf> {
    let name = path.display();
    vec![
        PathBuf::from(format!("{name}.bai")),
        path.with_extension("bai"),
        PathBuf::from(format!("{name}.csi")),
        path.with_extension("csi"),
    ]
}

fn find_bam_index(path: &Path, contigs: &[Contig], size: u64) -> Result<(PathBuf, BinningIndex)> {
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
    let bad = |e: String| {
        fail(
            ExitKind::Data,
            format!(
                "cannot use index '{}': {e}; rebuild it with `samtools index {name}`",
                display(&p)
            ),
        )
    };
    let csi = p.extension().is_some_and(|e| e == "csi");
    let bytes = read_index_bytes(&p, csi).map_err(bad)?;
    let refs: Vec<ContigRef<'_>> = contigs
        .iter()
        .map(|c| ContigRef {
            name: &c.name,
            len: c.len,
        })
        .collect();
    let target = Target {
        contigs: &refs,
        data_len: size,
    };
    let index = if csi {
        BinningIndex::from_csi(&bytes, target)
    } else {
        BinningIndex::from_bai(&bytes, target)
    }
    .map_err(|e| bad(e.0))?;
    Ok((p, index))
}

/// An index file's bytes (a `.csi` decompressed), at most [`MAX_INDEX_BYTES`].
fn read_index_bytes(p: &Path, bgzipped: bool) -> std::result::Result<Vec<u8>, String> {
    let f = File::open(p).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    let r = if bgzipped {
        bgzf::io::Reader::new(f)
            .take(MAX_INDEX_BYTES + 1)
            .read_to_end(&mut bytes)
    } else {
        f.take(MAX_INDEX_BYTES + 1).read_to_end(&mut bytes)
    };
    r.map_err(|e| format!("cannot read it: {e}"))?;
    if bytes.len() as u64 > MAX_INDEX_BYTES {
        return Err(format!("it is larger than {MAX_INDEX_BYTES} bytes"));
    }
    Ok(bytes)
}

/// Walks the BAM header with bounds (noodles allocates the reference-name length the file
/// claims): magic, text, and every reference's name and length.
fn check_bam_header(map: &[u8]) -> std::result::Result<(), String> {
    let mut r = bgzf::io::Reader::new(map);
    let mut word = [0u8; 4];
    let mut u32_of = |r: &mut bgzf::io::Reader<&[u8]>, what: &str| {
        r.read_exact(&mut word)
            .map_err(|e| format!("cannot read {what}: {e}"))
            .map(|_| u32::from_le_bytes(word))
    };
    if u32_of(&mut r, "the magic number")? != u32::from_le_bytes(*b"BAM\x01") {
        return Err("it does not start with the BAM magic number".into());
    }
    let l_text = u32_of(&mut r, "l_text")? as u64;
    let n = io::copy(&mut (&mut r).take(l_text), &mut io::sink())
        .map_err(|e| format!("cannot read the header text: {e}"))?;
    if n < l_text {
        return Err(format!(
            "the header text claims {l_text} bytes but {n} follow"
        ));
    }
    let n_ref = u32_of(&mut r, "n_ref")?;
    for i in 0..n_ref {
        let l_name = u32_of(&mut r, "a reference name length")?;
        // SAM: reference names are at most a few hundred characters
        if l_name == 0 || l_name > 1 << 16 {
            return Err(format!("reference {i} claims a name of {l_name} bytes"));
        }
        let n = io::copy(&mut (&mut r).take(l_name as u64 + 4), &mut io::sink())
            .map_err(|e| format!("cannot read reference {i}: {e}"))?;
        if n < l_name as u64 + 4 {
            return Err(format!(
                "the list of reference sequences ends at reference {i} of {n_ref}"
            ));
        }
    }
    Ok(())
}

/// A CRAM's header, read by htslib (which checks the header container's blocks) and parsed
/// by noodles from its text.
fn cram_header(path: &Path, name: &str) -> Result<sam::Header> {
    use rust_htslib::bam::Read as _;
    let r = rust_htslib::bam::Reader::from_path(path).map_err(|e| {
        fail(
            ExitKind::Data,
            format!("cannot read the CRAM header of '{name}': {e}"),
        )
    })?;
    let text = String::from_utf8_lossy(r.header().as_bytes()).into_owned();
    text.parse::<sam::Header>().map_err(|e| {
        fail(
            ExitKind::Data,
            format!("cannot parse the CRAM header of '{name}': {e}"),
        )
    })
}

fn read_crai(p: &Path) -> std::result::Result<Vec<CraiEntry>, String> {
    let index = crai::fs::read(p).map_err(|e| format!("cannot read it: {e}"))?;
    Ok(index
        .iter()
        .map(|r| CraiEntry {
            ref_id: r.reference_sequence_id(),
            start: r.alignment_start().map(|p| p.get() as u64),
            span: r.alignment_span() as u64,
            offset: r.offset(),
            landmark: r.landmark(),
            slice_len: r.slice_length(),
        })
        .collect())
}

/// The first record of a CRAM (name, 0-based position, flags), decoded by htslib.
fn cram_first_record(
    path: &Path,
    reference: &Path,
    name: &str,
) -> Result<Option<(Vec<u8>, i64, u16)>> {
    use rust_htslib::bam::Read as _;
    let err = |e: rust_htslib::errors::Error| {
        fail(
            ExitKind::Data,
            format!("cannot decode the first record of '{name}': {e}; the file is damaged, or --reference is not the one it was compressed against"),
        )
    };
    let mut r = rust_htslib::bam::Reader::from_path(path).map_err(err)?;
    r.set_reference(reference).map_err(err)?;
    let mut rec = rust_htslib::bam::Record::new();
    match r.read(&mut rec) {
        None => Ok(None),
        Some(Err(e)) => Err(err(e)),
        Some(Ok(())) => Ok(Some((rec.qname().to_vec(), rec.pos(), rec.flags()))),
    }
}

/// A record refused by `bam_record`, as a data error naming the file and where.
fn record_error(name: &str, place: &str, e: RecordError) -> anyhow::Error {
    match e {
        RecordError::Bad(why) => fail(
            ExitKind::Data,
            format!("'{name}': {place} is malformed: {why}; the file is damaged, re-copy or regenerate it"),
        ),
        RecordError::Io(e) => fail(
            ExitKind::Data,
            format!("cannot decode '{name}' at {place}: {e}; the file is corrupt or truncated, re-copy or regenerate it"),
        ),
    }
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
        if let Some((a, b)) = self.touched.take() {
            release_range(&self.map, a, b);
        }
    }
}

/// Drops this process's mapping of the whole pages inside bytes `a..b` of a file map
/// (`MADV_DONTNEED`; the page cache keeps them, and a later read faults them back in).
fn release_range(map: &Mmap, a: usize, b: usize) {
    const PAGE: usize = 4096;
    let start = a.div_ceil(PAGE) * PAGE;
    let end = (b.min(map.len()) / PAGE) * PAGE;
    if end > start {
        // SAFETY: the map is a read-only, shared mapping of a regular file; DONTNEED cannot
        // change what a later read sees (it re-reads the same file pages).
        let _ = unsafe {
            map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
        };
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
    /// The BGZF stream and the current record's bytes.
    Bam(Box<bgzf::io::Reader<CountingCursor>>, Vec<u8>),
    Cram(
        Box<rust_htslib::bam::IndexedReader>,
        rust_htslib::bam::Record,
    ),
}

/// One worker's reader of one input.
pub struct AlnReader<'i> {
    input: &'i AlignmentInput,
    kind: ReaderKind,
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
            ReaderKind::Bam(r, _) => r.get_ref().bytes,
            ReaderKind::Cram(..) => self.cram_bytes,
        }
    }

    /// Releases the mapped pages read so far (`MADV_DONTNEED`; the page cache keeps them).
    pub(crate) fn release_pages(&mut self) {
        match &mut self.kind {
            ReaderKind::Bam(r, _) => r.get_mut().release(),
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
        let name = display(&input.info.path);
        let mut last_start = i64::MIN;
        let unsorted = |pos: i64| {
            fail(
                ExitKind::Data,
                format!("'{name}' is not coordinate-sorted (a record at {}:{} follows a later one); sort it with `samtools sort` and re-index", contig.name, pos + 1),
            )
        };
        match &mut self.kind {
            ReaderKind::Bam(reader, buf) => {
                let Index::Binning(ix) = &input.index else {
                    unreachable!("BAM input with a CRAM index")
                };
                let q = BamQuery {
                    input,
                    ix,
                    region,
                    name: &name,
                };
                q.run(reader, buf, &mut self.cigar, &mut |aln| {
                    if aln.start < last_start {
                        return Err(unsorted(aln.start));
                    }
                    last_start = aln.start;
                    f(aln)
                })?;
            }
            ReaderKind::Cram(reader, rec) => {
                let Index::Crai(cram) = &input.index else {
                    unreachable!("CRAM input with a BAM index")
                };
                let ix = &cram.crai;
                let range = cram_container::query_containers(
                    &cram.containers,
                    ix,
                    region.contig.index(),
                    region.start,
                    region.end,
                );
                cram.check(&input.map, range, &name)?;
                // bytes of the slices this query touches, for the metrics
                let (lo, hi) = (region.start as i64 + 1, region.end as i64);
                self.cram_bytes += ix
                    .iter()
                    .filter(|r| {
                        r.ref_id == Some(region.contig.index())
                            && r.start.is_some_and(|s| {
                                let s = s as i64;
                                s <= hi && s + r.span as i64 > lo
                            })
                    })
                    .map(|r| r.slice_len)
                    .sum::<u64>();
                let hts = |e: rust_htslib::errors::Error| {
                    fail(
                        ExitKind::Data,
                        format!("cannot decode '{name}' in {}:{}-{}: {e}; the file is corrupt or truncated, or --reference is not the one it was compressed against", contig.name, region.start + 1, region.end),
                    )
                };
                let crashed = |what: String| {
                    fail(
                        ExitKind::Data,
                        format!("decoding '{name}' in {}:{}-{} made htslib fail ({what}); the file is damaged: re-copy or regenerate it", contig.name, region.start + 1, region.end),
                    )
                };
                crate::error::catch(|| {
                    reader.fetch((
                        region.contig.index() as i32,
                        region.start as i64,
                        region.end as i64,
                    ))
                })
                .map_err(crashed)?
                .map_err(hts)?;
                let n_ref = input.contigs.len();
                let mut n = 0u64;
                loop {
                    let next =
                        crate::error::catch(|| rust_htslib::bam::Read::read(reader.as_mut(), rec))
                            .map_err(crashed)?;
                    let Some(r) = next else { break };
                    r.map_err(hts)?;
                    n += 1;
                    let aln = crate::error::catch(|| view_hts(rec)).map_err(crashed)?;
                    bam_record::check_decoded(&aln, n_ref).map_err(|why| {
                        fail(
                            ExitKind::Data,
                            format!("'{name}': record {n} of {}:{}-{} (read '{}') is malformed: {why}; the file is damaged, re-copy or regenerate it", contig.name, region.start + 1, region.end, String::from_utf8_lossy(aln.name)),
                        )
                    })?;
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

/// The reference bases a record's CIGAR spans (0 for an unmapped record, as htslib's
/// `bam_endpos`).
fn ref_span(aln: &Aln<'_>) -> u64 {
    if aln.flags & crate::types::aln::flag::UNMAPPED != 0 {
        return 0;
    }
    aln.cigar
        .iter()
        .filter(|w| crate::types::aln::op::consumes_ref(*w & 0xf))
        .map(|w| (w >> 4) as u64)
        .sum()
}

/// A virtual offset at the very end of a BGZF block names the same byte as the start of the
/// next block; htslib writes the latter, a reader may report the former. Both become the
/// latter (from the block's `BSIZE` and `ISIZE` in the map).
fn normalize_vpos(map: &[u8], v: u64) -> u64 {
    let (c, u) = ((v >> 16) as usize, v & 0xffff);
    if u == 0 {
        return v;
    }
    let Some(h) = map.get(c..c + 18) else {
        return v;
    };
    if h[..2] != [0x1f, 0x8b] || h[12..14] != *b"BC" {
        return v;
    }
    let bsize = u16::from_le_bytes([h[16], h[17]]) as usize + 1;
    let Some(t) = (bsize >= 4)
        .then(|| map.get(c + bsize - 4..c + bsize))
        .flatten()
    else {
        return v;
    };
    if u == u32::from_le_bytes([t[0], t[1], t[2], t[3]]) as u64 {
        ((c + bsize) as u64) << 16
    } else {
        v
    }
}

/// One region query of a BAM through its checked index (see `bam_index`).
struct BamQuery<'q> {
    input: &'q AlignmentInput,
    ix: &'q BinningIndex,
    region: Region,
    name: &'q str,
}

impl BamQuery<'_> {
    fn place(&self, n: u64, vp: u64) -> String {
        let c = &self.input.contigs[self.region.contig];
        format!(
            "record {n} of {}:{}-{} (BGZF offset {})",
            c.name,
            self.region.start + 1,
            self.region.end,
            bam_index::vpos(vp)
        )
    }

    fn damaged_index(&self, why: String) -> anyhow::Error {
        fail(
            ExitKind::Data,
            format!(
                "index '{}' of '{}' is damaged: {why}; rebuild it with `samtools index {}`",
                display(&self.input.info.index_path),
                self.name,
                self.name
            ),
        )
    }

    /// Calls `f` with every record overlapping the region, in file order: the chunks of the
    /// region's bins merged, each chunk's first record checked against its bin, every record
    /// validated (`bam_record`).
    fn run(
        &self,
        reader: &mut bgzf::io::Reader<CountingCursor>,
        buf: &mut Vec<u8>,
        cigar: &mut Vec<u32>,
        f: &mut dyn FnMut(&Aln<'_>) -> Result<()>,
    ) -> Result<()> {
        let r = self.region.contig.index();
        let map: &[u8] = &self.input.map;
        let chunks = self.ix.query(r, self.region.start, self.region.end);
        let mut checks: Vec<(u64, u32)> = chunks
            .iter()
            .map(|(c, b)| (normalize_vpos(map, c.start), *b))
            .collect();
        checks.sort_unstable();
        let mut ranges: Vec<Chunk> = Vec::new();
        for (c, _) in &chunks {
            let c = Chunk {
                start: normalize_vpos(map, c.start),
                end: normalize_vpos(map, c.end),
            };
            match ranges.last_mut() {
                Some(last) if c.start <= last.end => last.end = last.end.max(c.end),
                _ => ranges.push(c),
            }
        }
        let mut next = 0usize;
        let mut n = 0u64;
        for range in ranges {
            crate::error::catch(|| reader.seek(bgzf::VirtualPosition::from(range.start)))
                .unwrap_or_else(|what| Err(io::Error::other(what)))
                .map_err(|e| {
                    self.damaged_index(format!(
                        "a chunk starts at {}, where no BGZF block can be read ({e})",
                        bam_index::vpos(range.start)
                    ))
                })?;
            loop {
                let vp = normalize_vpos(map, u64::from(reader.virtual_position()));
                if vp >= range.end {
                    break;
                }
                if let Some(&(at, bin)) = checks.get(next).filter(|(at, _)| *at < vp) {
                    return Err(self.damaged_index(format!(
                        "a chunk of bin {bin} starts at {}, inside a record",
                        bam_index::vpos(at)
                    )));
                }
                let first = next;
                while checks.get(next).is_some_and(|(at, _)| *at == vp) {
                    next += 1;
                }
                n += 1;
                let got = crate::error::catch(|| bam_record::peek_record(reader, buf))
                    .unwrap_or_else(|what| Err(RecordError::Io(io::Error::other(what))));
                let (bytes, used): (&[u8], usize) = match got {
                    // a chunk may end at the EOF block, after empty blocks
                    Ok(Next::End) => break,
                    // most records lie inside the current block: viewed there, not copied
                    Ok(Next::InBuffer(size)) => {
                        let block = reader
                            .fill_buf()
                            .map_err(|e| record_error(self.name, &self.place(n, vp), e.into()))?;
                        (&block[4..4 + size], 4 + size)
                    }
                    Ok(Next::Copied) => (&buf[..], 0),
                    Err(e) => return Err(record_error(self.name, &self.place(n, vp), e)),
                };
                let aln = bam_record::view(bytes, self.input.contigs.len(), cigar)
                    .map_err(|e| record_error(self.name, &self.place(n, vp), e))?;
                let start = aln.start.max(0) as u64;
                let end = start + ref_span(&aln).max(1);
                for &(_, bin) in &checks[first..next] {
                    let own = self.ix.reg2bin(start, end);
                    if aln.tid != r as i32 || !self.ix.contains(bin, own) {
                        return Err(self.damaged_index(format!(
                            "its bin {bin} points at {}, a record of reference {} at {} that belongs in bin {own}",
                            bam_index::vpos(vp),
                            aln.tid,
                            aln.start + 1
                        )));
                    }
                }
                if aln.tid == r as i32
                    && aln.start >= 0
                    && start < self.region.end
                    && end > self.region.start
                {
                    f(&aln)?;
                }
                reader.consume(used);
            }
        }
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ContigId;

    /// (name, start, flags, CIGAR, bases, qualities, optional fields) of every record.
    type Rec = (Vec<u8>, i64, u16, Vec<u32>, Vec<u8>, Vec<u8>, Vec<u8>);

    fn records(input: &AlignmentInput, fields: Fields) -> Vec<Rec> {
        let c = input.contigs.iter().position(|c| c.len > 0).unwrap();
        let region = Region {
            contig: ContigId::new(c),
            start: 0,
            end: input.contigs[c].len,
        };
        let mut out = Vec::new();
        let mut r = input.open_reader(fields).unwrap();
        r.fetch(region, &mut |a: &Aln<'_>| {
            let seq = (0..a.seq_len).map(|i| a.nibble(i)).collect();
            out.push((
                a.name.to_vec(),
                a.start,
                a.flags,
                a.cigar.to_vec(),
                seq,
                a.qual.to_vec(),
                a.aux.to_vec(),
            ));
            Ok(())
        })
        .unwrap();
        out
    }

    /// A CRAM read for bases only (the pileup's fields) keeps every record, its placement,
    /// name, CIGAR and bases as the BAM of the same reads has them, with qualities "missing"
    /// (0xff) and no optional fields; asked for everything, the qualities are the BAM's too.
    #[test]
    fn a_cram_reader_decodes_the_fields_asked_for() {
        let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/nfcore_chr22");
        let reference = Reference::open(&fx.join("genome.fasta")).unwrap();
        let open = |f: &str| {
            AlignmentInput::open(&fx.join(f), Some(&reference), OpenOptions::default()).unwrap()
        };
        let bam = records(&open("test2.paired_end.sorted.bam"), Fields::ALL);
        let cram = open("test2.paired_end.sorted.cram");
        let all = records(&cram, Fields::ALL);
        let bases = records(&cram, Fields::BASES);
        let qual = records(
            &cram,
            Fields {
                qual: true,
                aux: false,
            },
        );
        assert!(bam.len() > 1000, "{} records", bam.len());
        for set in [&all, &bases, &qual] {
            assert_eq!(set.len(), bam.len());
            for (r, b) in set.iter().zip(&bam) {
                assert_eq!((&r.0, r.1, r.2, &r.3, &r.4), (&b.0, b.1, b.2, &b.3, &b.4));
            }
        }
        assert!(all.iter().zip(&bam).all(|(r, b)| r.5 == b.5));
        assert!(all.iter().any(|r| !r.6.is_empty()));
        assert!(qual
            .iter()
            .zip(&bam)
            .all(|(r, b)| r.5 == b.5 && r.6.is_empty()));
        assert!(bases
            .iter()
            .all(|r| r.5.iter().all(|&q| q == 0xff) && r.5.len() == r.4.len() && r.6.is_empty()));
    }
}
