//! Inputs validated into one [`Inputs`] before any thread starts: the reference opened, every
//! alignment input opened and checked (container, index, sort order), the inputs checked against
//! each other and the reference (contig names, lengths, MD5s), regions resolved and merged,
//! shards planned.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;

use crate::engine::{
    filter::ReadFilter, plan::plan_shards, EngineConfig, MateOverlap, MateStrategy, PileupSettings,
    Prepared, ProgressConfig,
};
use crate::error::{fail, ExitKind};
use crate::io::{
    alignment::{AlignmentInput, OpenOptions},
    bed::{merge, read_bed, BedInterval},
    output::{quick_fingerprint, same_file},
    reference::Reference,
    region::parse_region,
};
use crate::log;
use crate::types::source::{AlignmentSource, InputInfo};
use crate::types::{Contig, ContigClass, ContigId, Region};

/// Reference, regions, read filters and execution settings shared by every command that reads
/// alignments (the alignment files themselves are named by each command).
#[derive(Clone, Debug)]
pub struct InputOptions {
    /// Reference FASTA.
    pub reference: Option<PathBuf>,
    /// samtools-style region strings (1-based).
    pub regions: Vec<String>,
    /// Target BED.
    pub targets: Option<PathBuf>,
    /// Regions never processed (an ENCODE-blacklist-style BED).
    pub exclude: Option<PathBuf>,
    /// Without regions or targets: process every contig, not only the primary chromosomes.
    pub all_contigs: bool,
    /// Bases below this quality count as N.
    pub min_base_quality: u8,
    /// Reads below this MAPQ fail the read filter.
    pub min_mapping_quality: u8,
    /// Reads with any of these flags fail.
    pub exclude_flags: u16,
    /// Reads lacking any of these flags fail.
    pub include_flags: u16,
    /// Which mate counts where mates overlap (dedup mode).
    pub mate_strategy: MateStrategy,
    /// Worker threads (None: the cores this process may use).
    pub threads: Option<usize>,
    /// Shard size (None: automatic).
    pub shard_size: Option<u64>,
    /// Read a BAM without the BGZF EOF marker after a warning.
    pub allow_missing_eof: bool,
    /// Check reference contig MD5s against `@SQ M5`.
    pub md5_check: bool,
    /// No progress and no info lines.
    pub quiet: bool,
    /// Seconds between progress log lines when stderr is not a terminal.
    pub progress_interval: u64,
    /// Seconds a worker may go without progress inside one shard before the pass stops (None:
    /// [`crate::engine::DEFAULT_STALL_LIMIT`]).
    pub stall_timeout: Option<u64>,
}

impl Default for InputOptions {
    fn default() -> Self {
        InputOptions {
            reference: None,
            regions: Vec::new(),
            targets: None,
            exclude: None,
            all_contigs: false,
            min_base_quality: 0,
            min_mapping_quality: 0,
            exclude_flags: 1796,
            include_flags: 0,
            mate_strategy: MateStrategy::MapqFirst,
            threads: None,
            shard_size: None,
            allow_missing_eof: false,
            md5_check: true,
            quiet: true,
            progress_interval: 30,
            stall_timeout: None,
        }
    }
}

/// Everything validated: the engine's pass, the concrete reference, the target BED.
pub struct Inputs {
    /// What the engine runs over.
    pub pass: Prepared,
    /// The reference, when given (also inside `pass`, as a trait object).
    pub reference: Option<Reference>,
    /// BED intervals as given (with names), when `--targets` was used.
    pub bed: Option<Vec<BedInterval>>,
    /// Per contig: whether it counts for TMB and MSI (the primary chromosomes when the header
    /// has them; every contig of a header without any).
    pub biomarker_contigs: Vec<bool>,
}

impl Inputs {
    /// Information about input `i` (path, format, size, sample).
    pub fn info(&self, i: usize) -> &InputInfo {
        self.pass.inputs[i].info()
    }

    /// Number of alignment inputs.
    pub fn len(&self) -> usize {
        self.pass.inputs.len()
    }

    /// True without inputs (never, once prepared).
    pub fn is_empty(&self) -> bool {
        self.pass.inputs.is_empty()
    }

    /// Contig names in header order.
    pub(crate) fn contig_names(&self) -> Vec<String> {
        self.pass.contigs.iter().map(|c| c.name.clone()).collect()
    }

    /// Sample names of the inputs.
    pub(crate) fn sample_names(&self) -> Vec<String> {
        (0..self.len())
            .map(|i| self.info(i).sample.clone())
            .collect()
    }

    /// Tumor and normal column names (the normal is renamed when both carry the same `SM`).
    pub(crate) fn tumor_normal_names(&self) -> (String, Option<String>) {
        let tumor = self.info(0).sample.clone();
        let mut normal = (self.len() > 1).then(|| self.info(1).sample.clone());
        if normal.as_deref() == Some(tumor.as_str()) {
            log::warn("tumor and normal have the same @RG SM; the normal column is renamed");
            normal = Some(format!("{tumor}_normal"));
        }
        (tumor, normal)
    }
}

impl InputOptions {
    /// Validates everything and opens `bams` (tumor first, then normal, for the caller).
    pub fn prepare(&self, bams: &[PathBuf], mate_overlap: MateOverlap) -> Result<Inputs> {
        log::set_quiet(self.quiet);
        let (inputs, reference) = self.open(bams)?;
        self.finish(inputs, reference, mate_overlap)
    }

    fn open(&self, bams: &[PathBuf]) -> Result<(Vec<AlignmentInput>, Option<Reference>)> {
        if self.threads == Some(0) {
            return Err(fail(ExitKind::Usage, "--threads must be at least 1"));
        }
        if self.shard_size == Some(0) {
            return Err(fail(ExitKind::Usage, "--shard-size must be at least 1"));
        }
        let reference = self
            .reference
            .as_deref()
            .map(|p| self.within_limit(p, || Reference::open(p)))
            .transpose()?;
        let opts = OpenOptions {
            allow_missing_eof: self.allow_missing_eof,
        };
        let inputs = bams
            .iter()
            .map(|p| self.within_limit(p, || AlignmentInput::open(p, reference.as_ref(), opts)))
            .collect::<Result<Vec<_>>>()?;
        Ok((inputs, reference))
    }

    /// Opening `path` (header, index, first record) under the stall limit: a decoder that loops
    /// on damaged data stops the process with exit 65 naming the file (see
    /// `engine::deadline`).
    fn within_limit<T>(&self, path: &Path, open: impl FnOnce() -> T) -> T {
        let limit = self
            .stall_timeout
            .unwrap_or(crate::engine::DEFAULT_STALL_LIMIT.as_secs());
        crate::engine::with_deadline(Duration::from_secs(limit), open, || {
            crate::io::output::remove_pending_temps();
            crate::error::exit_now(
                ExitKind::Data,
                &format!(
                    "no progress for {limit} s opening '{}': the decoder is stuck on damaged data (or the file system stopped answering); the run was stopped (--stall-timeout {limit})",
                    path.display()
                ),
            )
        })
    }

    fn finish(
        &self,
        inputs: Vec<AlignmentInput>,
        reference: Option<Reference>,
        mate_overlap: MateOverlap,
    ) -> Result<Inputs> {
        let threads = match self.threads {
            Some(t) => t,
            None => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
        };
        let contigs = inputs[0].contigs.clone();
        let has_primary = contigs
            .iter()
            .any(|c| ContigClass::of(&c.name) == ContigClass::Primary);
        for other in &inputs[1..] {
            if other.contigs.len() != contigs.len()
                || other
                    .contigs
                    .iter()
                    .zip(&contigs)
                    .any(|(a, b)| a.name != b.name || a.len != b.len)
            {
                return Err(fail(
                    ExitKind::Data,
                    format!(
                        "'{}' and '{}' have different contig lists (@SQ names/lengths); align both samples to the same reference",
                        inputs[0].info.path.display(),
                        other.info.path.display()
                    ),
                ));
            }
        }
        let (regions, bed) = if let Some(t) = &self.targets {
            let bed = read_bed(t, &contigs)?;
            (merge(bed.iter().map(|b| b.region).collect()), Some(bed))
        } else if !self.regions.is_empty() {
            let rs = self
                .regions
                .iter()
                .map(|r| parse_region(r, &contigs))
                .collect::<Result<Vec<_>>>()?;
            (merge(rs), None)
        } else {
            // METHOD: by default the primary chromosomes (chr1-22, X, Y) of a human header;
            // alternate loci, decoys, HLA, EBV, unplaced scaffolds and chrM only with
            // --all-contigs (or named regions). A header without primary chromosomes (another
            // genome, a slice) is processed whole.
            let primary = has_primary && !self.all_contigs;
            let all: Vec<Region> = contigs
                .iter()
                .enumerate()
                .filter(|(_, c)| !primary || ContigClass::of(&c.name) == ContigClass::Primary)
                .map(|(i, c)| Region {
                    contig: ContigId::new(i),
                    start: 0,
                    end: c.len,
                })
                .collect();
            if primary && all.len() < contigs.len() {
                log::info(&format!(
                    "processing the {} primary chromosomes; {} other contigs (alternate loci, decoys, HLA, EBV, unplaced, chrM) are skipped (--all-contigs to include them)",
                    all.len(),
                    contigs.len() - all.len()
                ));
            }
            (merge(all), None)
        };
        let regions = match &self.exclude {
            Some(p) => {
                let ex = merge(
                    read_bed(p, &contigs)?
                        .into_iter()
                        .map(|b| b.region)
                        .collect(),
                );
                let left = subtract(&regions, &ex);
                if left.is_empty() && !regions.is_empty() {
                    return Err(fail(
                        ExitKind::Usage,
                        format!(
                            "--exclude '{}' removes every processed position: nothing left to analyse",
                            p.display()
                        ),
                    ));
                }
                left
            }
            None => regions,
        };
        let biomarker_contigs: Vec<bool> = contigs
            .iter()
            .map(|c| !has_primary || ContigClass::of(&c.name) == ContigClass::Primary)
            .collect();
        if let Some(r) = &reference {
            check_reference(r, &inputs, &contigs, &regions, self.md5_check)?;
        }
        let shard_size = self.shard_size.unwrap_or_else(|| {
            let total: u64 = regions.iter().map(|r| r.len()).sum();
            auto_shard_size(total, threads)
        });
        let shards = plan_shards(&regions, shard_size);
        let config = EngineConfig {
            threads,
            shard_size,
            pileup: PileupSettings {
                filter: ReadFilter {
                    exclude_flags: self.exclude_flags,
                    include_flags: self.include_flags,
                    min_mapq: self.min_mapping_quality,
                },
                min_base_quality: self.min_base_quality,
                mate_overlap,
                mate_strategy: self.mate_strategy,
            },
            progress: ProgressConfig {
                quiet: self.quiet,
                interval: Duration::from_secs(self.progress_interval),
                stall_limit: self
                    .stall_timeout
                    .map(Duration::from_secs)
                    .unwrap_or(crate::engine::DEFAULT_STALL_LIMIT),
            },
        };
        Ok(Inputs {
            pass: Prepared {
                inputs: inputs
                    .into_iter()
                    .map(|i| Box::new(i) as Box<dyn AlignmentSource>)
                    .collect(),
                reference: reference
                    .clone()
                    .map(|r| Arc::new(r) as Arc<dyn crate::types::source::SequenceSource>),
                contigs,
                regions,
                shards,
                config,
            },
            reference,
            bed,
            biomarker_contigs,
        })
    }

    /// Validates and opens a tumor (and optional normal) for somatic work: overlapping mates are
    /// one fragment, and bases below Q10 are not evidence (METHOD) unless `-Q` says otherwise.
    /// A normal that is the tumor itself (same file, a copy, or the same reads) is refused.
    pub(crate) fn prepare_somatic(
        &self,
        tumor: &Path,
        normal: Option<&Path>,
    ) -> Result<(InputOptions, Inputs)> {
        let mut opts = self.clone();
        if opts.min_base_quality == 0 {
            opts.min_base_quality = 10;
        }
        log::set_quiet(opts.quiet);
        let mut bams = vec![tumor.to_path_buf()];
        if let Some(n) = normal {
            bams.push(n.to_path_buf());
        }
        let (inputs, reference) = opts.open(&bams)?;
        if inputs.len() == 2 {
            check_distinct(&inputs[0], &inputs[1])?;
        }
        let prepared = opts.finish(inputs, reference, MateOverlap::Dedup)?;
        Ok((opts, prepared))
    }
}

/// METHOD: tumor and normal must be different samples. Refused: the same file (same path or
/// inode), an identical copy (same size and MD5 of the first and last MiB), or the same reads
/// (identical `@RG` lines and the same first record), which would make every somatic call
/// vanish and every germline check meaningless.
pub(crate) fn check_distinct(tumor: &AlignmentInput, normal: &AlignmentInput) -> Result<()> {
    let (t, n) = (&tumor.info.path, &normal.info.path);
    let refuse = |why: &str| {
        fail(
            ExitKind::Usage,
            format!(
                "--tumor '{}' and --normal '{}' {why}; pass the matched normal of this patient (or omit --normal for tumor-only)",
                t.display(),
                n.display()
            ),
        )
    };
    if t == n || same_file(t, n) {
        return Err(refuse("are the same file"));
    }
    if tumor.info.size == normal.info.size && quick_fingerprint(t)? == quick_fingerprint(n)? {
        return Err(refuse("are identical copies (same size and checksum)"));
    }
    if !tumor.info.read_groups.is_empty()
        && tumor.info.read_groups == normal.info.read_groups
        && tumor.first_record.is_some()
        && tumor.first_record == normal.first_record
    {
        return Err(refuse(
            "hold the same reads (identical @RG lines and the same first record)",
        ));
    }
    Ok(())
}

/// `regions` minus `exclude` (both merged, in genome order).
pub(crate) fn subtract(regions: &[Region], exclude: &[Region]) -> Vec<Region> {
    let mut out = Vec::new();
    for r in regions {
        let mut start = r.start;
        for e in exclude
            .iter()
            .filter(|e| e.contig == r.contig && e.end > r.start && e.start < r.end)
        {
            if e.start > start {
                out.push(Region {
                    contig: r.contig,
                    start,
                    end: e.start,
                });
            }
            start = start.max(e.end);
        }
        if start < r.end {
            out.push(Region {
                contig: r.contig,
                start,
                end: r.end,
            });
        }
    }
    out
}

/// Default shard size: 1 Mb, but small enough for at least 16 shards per thread so that the
/// last shards do not leave cores idle (a panel or a small genome), and never below 100 kb
/// (smaller shards re-read the BAI 16-kb linear-index window before each start: I/O grows).
pub(crate) fn auto_shard_size(total_bases: u64, threads: usize) -> u64 {
    let per = total_bases / (16 * threads.max(1) as u64);
    per.clamp(100_000, 1_000_000)
}

/// The reference must carry every processed contig with the header's length (and MD5 when the
/// header has `M5`); any contig present in both must agree in length.
fn check_reference(
    r: &Reference,
    inputs: &[AlignmentInput],
    contigs: &[Contig],
    regions: &[Region],
    md5: bool,
) -> Result<()> {
    let rp = r.path.display();
    let bam = inputs[0].info.path.display();
    for c in contigs {
        if let Some(s) = r.get(&c.name) {
            if s.len != c.len {
                return Err(fail(
                    ExitKind::Data,
                    format!(
                        "reference '{rp}' does not match '{bam}': contig '{}' is {} bp in the reference but {} bp in the alignment header; use the reference the reads were aligned to",
                        c.name, s.len, c.len
                    ),
                ));
            }
        }
    }
    let mut checked = std::collections::BTreeSet::new();
    for reg in regions {
        let c = &contigs[reg.contig];
        let Some(s) = r.get(&c.name) else {
            let hint = r
                .seqs()
                .iter()
                .take(3)
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(fail(
                ExitKind::Data,
                format!(
                    "reference '{rp}' has no contig '{}' used by '{bam}' (reference contigs start with: {hint}); use the reference the reads were aligned to",
                    c.name
                ),
            ));
        };
        if md5 && checked.insert(reg.contig) {
            if let Some(m5) = &c.md5 {
                let got = r.md5(s);
                if &got != m5 {
                    return Err(fail(
                        ExitKind::Data,
                        format!(
                            "reference '{rp}' does not match '{bam}': contig '{}' has MD5 {got} but the header says M5:{m5}; use the reference the reads were aligned to (or --no-md5-check)",
                            c.name
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}
