//! Flags shared by the commands that read alignments, and their validation into one
//! [`Prepared`] run before any thread starts.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};

use crate::engine::{
    filter::ReadFilter, plan::plan_shards, EngineConfig, MateOverlap, MateStrategy, PileupSettings,
};
use crate::error::{fail, ExitKind};
use crate::io::{
    alignment::{AlignmentInput, OpenOptions},
    bed::{merge, read_bed, BedInterval},
    reference::Reference,
    region::parse_region,
};
use crate::log;
use crate::types::{Contig, Region, Shard};

/// `--mate-overlap`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MateOverlapArg {
    /// Count both mates where they overlap.
    Count,
    /// Count a position covered by both mates once.
    Dedup,
}

impl From<MateOverlapArg> for MateOverlap {
    fn from(a: MateOverlapArg) -> MateOverlap {
        match a {
            MateOverlapArg::Count => MateOverlap::Count,
            MateOverlapArg::Dedup => MateOverlap::Dedup,
        }
    }
}

/// Writes `--metrics` when asked.
pub fn write_metrics(
    path: &Option<PathBuf>,
    command: &str,
    prep: &Prepared,
    stats: &crate::engine::RunStats,
    clock: &crate::metrics::Clock,
) -> Result<()> {
    if let Some(m) = path {
        crate::metrics::Metrics::build(
            command,
            prep.config.threads,
            prep.config.shard_size,
            &prep.inputs,
            stats,
            clock,
        )
        .write(m)?;
    }
    Ok(())
}

/// `--mate-strategy`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MateStrategyArg {
    /// Passing read, then higher MAPQ, then first-in-pair (perbase --mate-fix default).
    MapqFirst,
    /// Passing read, then higher base quality, then higher MAPQ, then first-in-pair.
    BaseQualFirst,
}

/// Reference, regions, filters and execution flags shared by every command that reads
/// alignments (the inputs themselves are named by each command).
#[derive(Args, Debug, Clone)]
pub struct CommonArgs {
    /// Reference FASTA (needed for CRAM and for the `ref` column; `.fai` used when present).
    #[arg(long, short = 'r', value_name = "FASTA")]
    pub reference: Option<PathBuf>,

    /// Region(s) to process, samtools syntax, 1-based: chr, chr:start-end (repeatable).
    #[arg(long, value_name = "REGION", conflicts_with = "targets")]
    pub region: Vec<String>,

    /// BED file of target regions to process (merged for processing).
    #[arg(long, value_name = "BED")]
    pub targets: Option<PathBuf>,

    /// Bases below this phred quality count as N.
    #[arg(long, short = 'Q', default_value_t = 0, value_name = "Q")]
    pub min_base_quality: u8,

    /// Reads below this MAPQ are tallied as `fail`.
    #[arg(long, short = 'q', default_value_t = 0, value_name = "Q")]
    pub min_mapping_quality: u8,

    /// Reads with any of these flag bits are tallied as `fail` (default: secondary, QC-fail, duplicate; unmapped reads are always skipped).
    #[arg(long, short = 'F', default_value = "1796", value_parser = parse_flags, value_name = "FLAGS")]
    pub exclude_flags: u16,

    /// Reads lacking any of these flag bits are tallied as `fail`.
    #[arg(long, short = 'f', default_value = "0", value_parser = parse_flags, value_name = "FLAGS")]
    pub include_flags: u16,

    /// Which mate counts where mates overlap (only with --mate-overlap dedup).
    #[arg(long, value_enum, default_value = "mapq-first")]
    pub mate_strategy: MateStrategyArg,

    /// Worker threads (default: the cores this process may use).
    #[arg(long, short = 't', value_name = "N")]
    pub threads: Option<usize>,

    /// Bases per shard, the unit of parallel work (default: 1 Mb, smaller when the regions
    /// would give fewer than 16 shards per thread; output does not depend on it).
    #[arg(long, value_name = "BASES")]
    pub shard_size: Option<u64>,

    /// Read a BAM that lacks the BGZF EOF marker (after a warning) instead of refusing it.
    #[arg(long)]
    pub allow_missing_eof: bool,

    /// Skip the MD5 check of reference sequences against `@SQ M5`.
    #[arg(long)]
    pub no_md5_check: bool,

    /// Write run metrics (JSON) here at the end.
    #[arg(long, value_name = "JSON")]
    pub metrics: Option<PathBuf>,

    /// No progress and no info lines on stderr (warnings and errors still print).
    #[arg(long)]
    pub quiet: bool,

    /// Seconds between progress log lines when stderr is not a terminal.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub progress_interval: u64,
}

/// Parses decimal, `0x` hex, or comma-separated SAM flag names (`UNMAP,SECONDARY`).
pub fn parse_flags(s: &str) -> Result<u16, String> {
    if let Some(h) = s.strip_prefix("0x") {
        return u16::from_str_radix(h, 16).map_err(|e| e.to_string());
    }
    if let Ok(v) = s.parse::<u16>() {
        return Ok(v);
    }
    let mut v = 0u16;
    for name in s.split(',') {
        v |= match name.trim().to_ascii_uppercase().as_str() {
            "PAIRED" => 0x1,
            "PROPER_PAIR" => 0x2,
            "UNMAP" => 0x4,
            "MUNMAP" => 0x8,
            "REVERSE" => 0x10,
            "MREVERSE" => 0x20,
            "READ1" => 0x40,
            "READ2" => 0x80,
            "SECONDARY" => 0x100,
            "QCFAIL" => 0x200,
            "DUP" => 0x400,
            "SUPPLEMENTARY" => 0x800,
            other => return Err(format!("unknown flag name '{other}'")),
        };
    }
    Ok(v)
}

/// Everything validated: opened inputs, reference, regions and shards.
pub struct Prepared {
    /// Opened inputs.
    pub inputs: Vec<AlignmentInput>,
    /// Reference, when given.
    pub reference: Option<Reference>,
    /// Contigs (of the first input; all inputs agree).
    pub contigs: Vec<Contig>,
    /// BED intervals as given (with names), when `--targets` was used.
    pub bed: Option<Vec<BedInterval>>,
    /// Merged regions to process.
    pub regions: Vec<Region>,
    /// Shards.
    pub shards: Vec<Shard>,
    /// Engine settings.
    pub config: EngineConfig,
}

impl CommonArgs {
    /// Validates everything and opens `bams` (tumor first, then normal, for the caller).
    /// `mate_overlap` comes from the command.
    pub fn prepare(&self, bams: &[PathBuf], mate_overlap: MateOverlap) -> Result<Prepared> {
        log::set_quiet(self.quiet);
        let threads = match self.threads {
            Some(0) => return Err(fail(ExitKind::Usage, "--threads must be at least 1")),
            Some(t) => t,
            None => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
        };
        if self.shard_size == Some(0) {
            return Err(fail(ExitKind::Usage, "--shard-size must be at least 1"));
        }
        let reference = self.reference.as_deref().map(Reference::open).transpose()?;
        let opts = OpenOptions {
            allow_missing_eof: self.allow_missing_eof,
        };
        let inputs = bams
            .iter()
            .map(|p| AlignmentInput::open(p, reference.as_ref(), opts))
            .collect::<Result<Vec<_>>>()?;
        let contigs = inputs[0].contigs.clone();
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
                        inputs[0].path.display(),
                        other.path.display()
                    ),
                ));
            }
        }
        let (regions, bed) = if let Some(t) = &self.targets {
            let bed = read_bed(t, &contigs)?;
            (merge(bed.iter().map(|b| b.region).collect()), Some(bed))
        } else if !self.region.is_empty() {
            let rs = self
                .region
                .iter()
                .map(|r| parse_region(r, &contigs))
                .collect::<Result<Vec<_>>>()?;
            (merge(rs), None)
        } else {
            let all = contigs
                .iter()
                .enumerate()
                .map(|(i, c)| Region {
                    contig: i,
                    start: 0,
                    end: c.len,
                })
                .collect();
            (merge(all), None)
        };
        if let Some(r) = &reference {
            check_reference(r, &inputs, &contigs, &regions, !self.no_md5_check)?;
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
                mate_strategy: match self.mate_strategy {
                    MateStrategyArg::MapqFirst => MateStrategy::MapqFirst,
                    MateStrategyArg::BaseQualFirst => MateStrategy::BaseQualFirst,
                },
            },
        };
        Ok(Prepared {
            inputs,
            reference,
            contigs,
            bed,
            regions,
            shards,
            config,
        })
    }
}

/// Validates and opens a tumor (and optional normal) for somatic work: overlapping mates are one
/// fragment, and bases below Q10 are not evidence (METHOD) unless `-Q` says otherwise.
pub fn prepare_somatic(
    common: &CommonArgs,
    tumor: &std::path::Path,
    normal: Option<&std::path::Path>,
) -> Result<(CommonArgs, Prepared)> {
    let mut bams = vec![tumor.to_path_buf()];
    if let Some(n) = normal {
        bams.push(n.to_path_buf());
    }
    let mut common = common.clone();
    if common.min_base_quality == 0 {
        common.min_base_quality = 10;
    }
    let prep = common.prepare(&bams, MateOverlap::Dedup)?;
    Ok((common, prep))
}

impl Prepared {
    /// Tumor and normal column names (the normal is renamed when both carry the same `SM`).
    pub fn tumor_normal_names(&self) -> (String, Option<String>) {
        let tumor = self.inputs[0].sample.clone();
        let mut normal = self.inputs.get(1).map(|i| i.sample.clone());
        if normal.as_deref() == Some(tumor.as_str()) {
            crate::log::warn("tumor and normal have the same @RG SM; the normal column is renamed");
            normal = Some(format!("{tumor}_normal"));
        }
        (tumor, normal)
    }

    /// Replaces the processed regions by `windows` (clipped to the current regions) and
    /// re-plans the shards; used by commands that only need reads around known sites.
    pub fn restrict_to(&mut self, windows: Vec<Region>) {
        let windows = merge(windows);
        let mut out = Vec::new();
        for w in &windows {
            for r in &self.regions {
                if r.contig == w.contig && r.start < w.end && w.start < r.end {
                    out.push(Region {
                        contig: w.contig,
                        start: w.start.max(r.start),
                        end: w.end.min(r.end),
                    });
                }
            }
        }
        self.regions = merge(out);
        self.shards = plan_shards(&self.regions, self.config.shard_size);
    }
}

/// Default shard size: 1 Mb, but small enough for at least 16 shards per thread so that the
/// last shards do not leave cores idle (a panel or a small genome), and never below 100 kb
/// (smaller shards re-read the BAI 16-kb linear-index window before each start: I/O grows).
pub fn auto_shard_size(total_bases: u64, threads: usize) -> u64 {
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
    let bam = inputs[0].path.display();
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
