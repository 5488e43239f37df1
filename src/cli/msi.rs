//! `oncostream ms-scan`, `msi` and `msi-baseline`: microsatellite sites, MSI status, and the
//! baseline of normals for tumor-only MSI.

use std::{collections::HashMap, path::PathBuf, time::Duration};

use anyhow::Result;
use clap::Args;

use super::common::{write_metrics, CommonArgs, Prepared};
use crate::engine::{self, progress::Progress, MateOverlap, RunStats};
use crate::error::{fail, ExitKind};
use crate::io::{
    mslist::{read_baseline, read_sites, write_histograms, write_sites},
    output::write_atomic,
    reference::Reference,
};
use crate::log;
use crate::metrics::Clock;
use crate::somatic::msi::{
    histogram_rows, merge_histograms, scan, score, Histogram, MsSite, MsiObserver, MsiResult,
    MsiThresholds,
};
use crate::types::{Contig, Region};

/// Flags of `oncostream ms-scan`.
#[derive(Args, Debug)]
pub struct MsScanArgs {
    /// Reference FASTA.
    #[arg(long, short = 'r')]
    pub reference: PathBuf,
    /// Shortest homopolymer.
    #[arg(long, default_value_t = 10)]
    pub min_homopolymer: u32,
    /// Fewest repeats of a 2-5 bp unit.
    #[arg(long, default_value_t = 5)]
    pub min_repeats: u32,
    /// Longest tract (bp).
    #[arg(long, default_value_t = 60)]
    pub max_length: u32,
    /// Flank length (bp) written and required clean.
    #[arg(long, default_value_t = 5)]
    pub flank: usize,
    /// Output site list (msisensor-pro format).
    #[arg(long, short = 'o')]
    pub output: PathBuf,
    /// No info lines on stderr.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs `ms-scan`.
pub fn run_scan(args: &MsScanArgs) -> Result<()> {
    log::set_quiet(args.quiet);
    let r = Reference::open(&args.reference)?;
    let contigs: Vec<Contig> = r
        .seqs()
        .iter()
        .map(|s| Contig {
            name: s.name.clone(),
            len: s.len,
            md5: None,
        })
        .collect();
    let mut sites = Vec::new();
    for (i, s) in r.seqs().iter().enumerate() {
        let mut seq = Vec::with_capacity(s.len as usize);
        r.fetch_into(s, 0, s.len, &mut seq);
        sites.extend(scan(
            i,
            &seq,
            args.min_homopolymer,
            args.min_repeats,
            args.max_length,
            args.flank,
        ));
    }
    write_sites(&args.output, &sites, &contigs)?;
    log::info(&format!("{} microsatellite sites", sites.len()));
    Ok(())
}

/// Flags of `oncostream msi`.
#[derive(Args, Debug)]
pub struct MsiArgs {
    /// Tumor BAM/CRAM.
    #[arg(long)]
    pub tumor: PathBuf,
    /// Matched normal (paired mode).
    #[arg(long, conflicts_with = "baseline")]
    pub normal: Option<PathBuf>,
    /// Baseline from `msi-baseline` (tumor-only mode).
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Site list (`ms-scan`, msisensor or msisensor-pro format).
    #[arg(long)]
    pub sites: PathBuf,
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub thresholds: MsiThresholdArgs,
    /// Also write the per-site repeat-length histograms (TSV).
    #[arg(long)]
    pub histograms: Option<PathBuf>,
    /// Output JSON.
    #[arg(long, short = 'o')]
    pub output: PathBuf,
}

/// MSI thresholds as flags.
#[derive(Args, Debug, Clone)]
pub struct MsiThresholdArgs {
    /// Score (% unstable sites) from which the status is MSI-H.
    #[arg(long, default_value_t = 20.0)]
    pub msi_h_score: f64,
    /// Score below which the status is MSS (between: indeterminate).
    #[arg(long, default_value_t = 10.0)]
    pub mss_score: f64,
    /// Fewest spanning reads per sample for a site to be tested.
    #[arg(long, default_value_t = 15)]
    pub msi_min_reads: u32,
    /// Per-site p-value threshold.
    #[arg(long, default_value_t = 0.01)]
    pub msi_p_value: f64,
}

impl MsiThresholdArgs {
    /// As thresholds.
    pub fn get(&self) -> MsiThresholds {
        MsiThresholds {
            msi_h: self.msi_h_score,
            mss: self.mss_score,
            min_reads: self.msi_min_reads,
            p_value: self.msi_p_value,
        }
    }
}

/// Windows around sites (flanks plus a margin) for restricting the pass.
pub fn site_windows(sites: &[MsSite], contigs: &[Contig]) -> Vec<Region> {
    sites
        .iter()
        .map(|s| Region {
            contig: s.contig,
            start: s.start.saturating_sub(200),
            end: (s.start + s.repeat_len() + 200).min(contigs[s.contig].len),
        })
        .collect()
}

/// Histograms per sample from one pass over `prep` (restricted to the sites).
pub fn collect(
    prep: &Prepared,
    sites: &[MsSite],
    quiet: bool,
) -> Result<(Vec<HashMap<usize, Histogram>>, RunStats)> {
    let n = prep.inputs.len();
    let observer = MsiObserver {
        sites,
        n_samples: n,
        min_mapq: 0,
        read_window: 110,
    };
    let total: u64 = prep.regions.iter().map(|r| r.len()).sum();
    let progress = Progress::new(total, quiet, Duration::from_secs(30));
    let mut hists: Vec<HashMap<usize, Histogram>> = vec![HashMap::new(); n];
    let stats = engine::run(
        &prep.inputs,
        prep.reference.as_ref(),
        &prep.shards,
        &prep.config,
        &observer,
        |_, part| {
            merge_histograms(&mut hists, part.hist);
            Ok(())
        },
        &progress,
    )?;
    progress.finish();
    Ok((hists, stats))
}

/// Runs `msi`.
pub fn run_msi(args: &MsiArgs) -> Result<()> {
    let mut clock = Clock::new();
    if args.normal.is_none() && args.baseline.is_none() {
        return Err(fail(ExitKind::Usage, "msi needs --normal (paired) or --baseline (tumor-only, from `oncostream msi-baseline`)"));
    }
    let mut bams = vec![args.tumor.clone()];
    if let Some(n) = &args.normal {
        bams.push(n.clone());
    }
    let mut prep = args.common.prepare(&bams, MateOverlap::Count)?;
    let (sites, skipped) = read_sites(&args.sites, &prep.contigs)?;
    if skipped > 0 {
        log::warn(&format!(
            "{skipped} sites are on contigs the alignment header lacks; skipped"
        ));
    }
    prep.restrict_to(site_windows(&sites, &prep.contigs));
    clock.lap("validate");
    let (hists, stats) = collect(&prep, &sites, args.common.quiet)?;
    clock.lap("pileup");
    let names: Vec<String> = prep.contigs.iter().map(|c| c.name.clone()).collect();
    let t = args.thresholds.get();
    let result: MsiResult = match &args.baseline {
        Some(b) => {
            let base = read_baseline(b, &sites, &prep.contigs)?;
            score(
                &sites,
                &names,
                &hists[0],
                &base,
                &t,
                "tumor-only (baseline)",
            )
        }
        None => score(&sites, &names, &hists[0], &hists[1], &t, "paired"),
    };
    if let Some(h) = &args.histograms {
        let rows = histogram_rows(
            &hists,
            &prep
                .inputs
                .iter()
                .map(|i| i.sample.clone())
                .collect::<Vec<_>>(),
        );
        write_histograms(h, &sites, &prep.contigs, &rows)?;
    }
    let mut js = serde_json::to_string_pretty(&result)?;
    js.push('\n');
    write_atomic(&args.output, js.as_bytes())?;
    log::info(&format!(
        "MSI score {:.2}% ({} of {} sites unstable): {}",
        result.score, result.sites_unstable, result.sites_tested, result.status
    ));
    clock.lap("finalize");
    write_metrics(&args.common.metrics, "msi", &prep, &stats, &clock)?;
    Ok(())
}

/// Flags of `oncostream msi-baseline`.
#[derive(Args, Debug)]
pub struct MsiBaselineArgs {
    /// Normal BAM/CRAMs.
    #[arg(long, num_args = 1.., required = true)]
    pub normals: Vec<PathBuf>,
    /// Site list.
    #[arg(long)]
    pub sites: PathBuf,
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output baseline (histogram table).
    #[arg(long, short = 'o')]
    pub output: PathBuf,
}

/// Runs `msi-baseline`: one pass over all normals together; the baseline is their histograms.
pub fn run_baseline(args: &MsiBaselineArgs) -> Result<()> {
    let mut prep = args.common.prepare(&args.normals, MateOverlap::Count)?;
    let (sites, _) = read_sites(&args.sites, &prep.contigs)?;
    prep.restrict_to(site_windows(&sites, &prep.contigs));
    let (hists, _) = collect(&prep, &sites, args.common.quiet)?;
    let rows = histogram_rows(
        &hists,
        &prep
            .inputs
            .iter()
            .map(|i| i.sample.clone())
            .collect::<Vec<_>>(),
    );
    write_histograms(&args.output, &sites, &prep.contigs, &rows)?;
    log::info(&format!(
        "baseline of {} normals over {} sites",
        args.normals.len(),
        sites.len()
    ));
    Ok(())
}
