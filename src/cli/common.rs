//! Flags shared by the commands that read alignments, mapped to the pipeline's
//! [`InputOptions`] (validated by the pipeline before any thread starts).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::engine::{MateOverlap, MateStrategy};
use crate::pipeline::InputOptions;

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

    /// BED of regions never processed (e.g. the ENCODE blacklist).
    #[arg(long, value_name = "BED")]
    pub exclude: Option<PathBuf>,

    /// Without --region/--targets, process every contig of a human header (default: the primary
    /// chromosomes chr1-22, X, Y; alternate loci, decoys, HLA, EBV and chrM are skipped).
    #[arg(long)]
    pub all_contigs: bool,

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

    /// Stop the run (exit 65) when opening an input, or a worker inside one shard, makes no
    /// progress for this long: a decoder looping on damaged data, or a file system that
    /// stopped answering (default: 600).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub stall_timeout: Option<u64>,
}

/// Parses decimal, `0x` hex, or comma-separated SAM flag names (`UNMAP,SECONDARY`).
pub(crate) fn parse_flags(s: &str) -> Result<u16, String> {
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

impl CommonArgs {
    /// The validated-later options of the pipeline.
    pub fn options(&self) -> InputOptions {
        InputOptions {
            reference: self.reference.clone(),
            regions: self.region.clone(),
            targets: self.targets.clone(),
            exclude: self.exclude.clone(),
            all_contigs: self.all_contigs,
            min_base_quality: self.min_base_quality,
            min_mapping_quality: self.min_mapping_quality,
            exclude_flags: self.exclude_flags,
            include_flags: self.include_flags,
            mate_strategy: match self.mate_strategy {
                MateStrategyArg::MapqFirst => MateStrategy::MapqFirst,
                MateStrategyArg::BaseQualFirst => MateStrategy::BaseQualFirst,
            },
            threads: self.threads,
            shard_size: self.shard_size,
            allow_missing_eof: self.allow_missing_eof,
            md5_check: !self.no_md5_check,
            quiet: self.quiet,
            progress_interval: self.progress_interval,
            stall_timeout: self.stall_timeout,
        }
    }
}
