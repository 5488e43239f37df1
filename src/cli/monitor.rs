//! `oncostream monitor` (see `pipeline::monitor`): flags → [`MonitorOptions`]. Defaults live in
//! the library (`MonitorSettings::default()`); a flag left out keeps them.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::pipeline::monitor::{monitor, MonitorOptions};

/// Flags of `oncostream monitor`.
#[derive(Args, Debug)]
pub struct MonitorArgs {
    /// Baseline: an oncostream run directory (results.json and its PASS calls; purity, copy
    /// number and clonality weight each variant).
    #[arg(long, value_name = "RUN_DIR", required_unless_present = "variants")]
    pub baseline: Option<PathBuf>,
    /// The patient's somatic variants as a VCF (instead of, or with, the run's calls).
    #[arg(long, value_name = "VCF")]
    pub variants: Option<PathBuf>,
    /// Plasma (cell-free DNA) BAM/CRAM; repeat for later samples, in time order.
    #[arg(long, value_name = "BAM", required = true)]
    pub sample: Vec<PathBuf>,
    /// Time-point label of each --sample, in the same order (e.g. `day0`, `2026-03-01`).
    #[arg(long, value_name = "LABEL")]
    pub timepoint: Vec<String>,
    /// Matched white-cell (buffy coat) normal: tells clonal haematopoiesis from tumor.
    #[arg(long, value_name = "BAM")]
    pub normal: Option<PathBuf>,
    /// Reference FASTA (the one the baseline and the samples were aligned to).
    #[arg(long, short = 'r', value_name = "FASTA")]
    pub reference: PathBuf,
    /// Output directory.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub outdir: PathBuf,
    /// Replace another run's outputs in --outdir.
    #[arg(long)]
    pub force: bool,
    /// Transcript models (GFF3/GTF) to place the resistance/hotspot codons (default: the
    /// baseline run's --gff).
    #[arg(long, value_name = "GFF")]
    pub gff: Option<PathBuf>,
    /// Preferred transcripts (e.g. MANE Select accessions), one per line.
    #[arg(long, value_name = "TXT")]
    pub transcripts: Option<PathBuf>,
    /// OncoTree code the new findings are tiered for (default: the baseline report's).
    #[arg(long, value_name = "CODE")]
    pub cancer_type: Option<String>,
    /// Knowledge base (default: built in).
    #[arg(long, value_name = "PATH")]
    pub kb: Option<PathBuf>,
    /// UMI tag (default RX; given explicitly, reads must carry it).
    #[arg(long, value_name = "TAG")]
    pub umi_tag: Option<String>,
    /// Take the UMI from the read name, after the last --umi-separator.
    #[arg(long)]
    pub umi_from_read_name: bool,
    /// Separator before the UMI in read names (default `_`, as umi_tools extract writes).
    #[arg(long, value_name = "CHAR")]
    pub umi_separator: Option<String>,
    /// Bases below this quality do not vote in a consensus (default 10).
    #[arg(long, value_name = "Q")]
    pub min_base_quality: Option<u8>,
    /// Reads below this mapping quality are not used (default 20).
    #[arg(long, value_name = "Q")]
    pub min_mapping_quality: Option<u8>,
    /// A molecule's consensus base counts from this quality (default 30).
    #[arg(long, value_name = "Q")]
    pub min_consensus_quality: Option<u8>,
    /// Families with fewer read pairs are not used (default 1).
    #[arg(long, value_name = "N")]
    pub min_family_size: Option<u32>,
    /// Molecules a tracked site needs (default 20).
    #[arg(long, value_name = "N")]
    pub min_site_families: Option<u32>,
    /// Significance level of the MRD test (default 0.001).
    #[arg(long, value_name = "P")]
    pub alpha: Option<f64>,
    /// Also write one families table per sample (`families_<n>_<sample>.tsv`).
    #[arg(long)]
    pub write_families: bool,
    /// Worker threads (default: the cores this process may use).
    #[arg(long, short = 't', value_name = "N")]
    pub threads: Option<usize>,
    /// Read a BAM that lacks the BGZF EOF marker (after a warning).
    #[arg(long)]
    pub allow_missing_eof: bool,
    /// Skip the MD5 check of reference sequences against `@SQ M5`.
    #[arg(long)]
    pub no_md5_check: bool,
    /// No progress and no info lines on stderr.
    #[arg(long)]
    pub quiet: bool,
    /// Seconds between progress log lines when stderr is not a terminal.
    #[arg(long, value_name = "SECONDS")]
    pub progress_interval: Option<u64>,
}

impl MonitorArgs {
    /// The pipeline's options.
    pub fn options(&self) -> MonitorOptions {
        let mut o = MonitorOptions::new(
            self.baseline.clone(),
            self.variants.clone(),
            self.sample.clone(),
            self.reference.clone(),
            self.outdir.clone(),
        );
        o.timepoints = self.timepoint.clone();
        o.normal = self.normal.clone();
        o.force = self.force;
        o.gff = self.gff.clone();
        o.transcripts = self.transcripts.clone();
        o.cancer_type = self.cancer_type.clone();
        o.kb = self.kb.clone();
        o.threads = self.threads;
        o.write_families = self.write_families;
        o.allow_missing_eof = self.allow_missing_eof;
        o.md5_check = !self.no_md5_check;
        o.quiet = self.quiet;
        if let Some(p) = self.progress_interval {
            o.progress_interval = p;
        }
        let s = &mut o.settings;
        if let Some(t) = &self.umi_tag {
            s.umi_tag = t.clone();
            o.umi_tag_required = true;
        }
        s.umi_from_read_name = self.umi_from_read_name;
        if let Some(x) = &self.umi_separator {
            s.umi_separator = x.clone();
        }
        let set = |dst: &mut u8, v: Option<u8>| {
            if let Some(v) = v {
                *dst = v;
            }
        };
        set(&mut s.min_base_quality, self.min_base_quality);
        set(&mut s.min_mapping_quality, self.min_mapping_quality);
        set(&mut s.min_consensus_quality, self.min_consensus_quality);
        if let Some(v) = self.min_family_size {
            s.min_family_size = v;
        }
        if let Some(v) = self.min_site_families {
            s.min_site_families = v;
        }
        if let Some(v) = self.alpha {
            s.alpha = v;
        }
        o
    }
}

/// Runs `monitor`.
pub fn run(args: &MonitorArgs) -> Result<()> {
    monitor(args.options())?;
    Ok(())
}
