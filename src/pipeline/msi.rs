//! `ms-scan`, `msi` and `msi-baseline`: microsatellite sites, MSI status, and the baseline of
//! normals for tumor-only MSI.

use std::path::PathBuf;

use anyhow::Result;

use super::metrics::{write_metrics, Clock};
use super::prepare::{InputOptions, Inputs};
use crate::engine::{self, MateOverlap, RunStats};
use crate::error::{fail, ExitKind};
use crate::io::{
    json::write_json,
    mslist::{read_baseline, read_sites, write_histograms, write_sites},
    output::check_output_path,
    reference::Reference,
};
use crate::log;
/// Bases scanned per window by `ms-scan`.
const WINDOW: u64 = 1_000_000;

use crate::engine::RefSlice;
use crate::somatic::msi::{
    scan_shard, score, site_windows, MsSite, MsiCounts, MsiObserver, MsiReference, MsiResult,
    MsiThresholds, ScanSettings, SiteSource, READ_WINDOW,
};
use crate::types::{Contig, ContigId, Region};

/// What `ms-scan` is asked to do.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Reference FASTA.
    pub reference: PathBuf,
    /// Shortest homopolymer.
    pub min_homopolymer: u32,
    /// Fewest repeats of a 2-5 bp unit.
    pub min_repeats: u32,
    /// Longest tract.
    pub max_length: u32,
    /// Flank length.
    pub flank: usize,
    /// Output site list.
    pub output: PathBuf,
}

/// Scans a whole reference; returns the sites written.
pub(crate) fn ms_scan(opts: &ScanOptions) -> Result<usize> {
    check_output_path(&opts.output)?;
    let r = Reference::open(&opts.reference)?;
    let contigs: Vec<Contig> = r
        .seqs()
        .iter()
        .map(|s| Contig {
            name: s.name.clone(),
            len: s.len,
            md5: None,
        })
        .collect();
    // window by window (1 Mb plus margins), never a whole contig in memory; the break-point
    // restart of `scan_shard` makes the result identical to one scan of the whole contig
    let st = ScanSettings {
        min_homopolymer: opts.min_homopolymer,
        min_repeats: opts.min_repeats,
        max_len: opts.max_length,
        flank: opts.flank,
    };
    let margin = (opts.max_length as u64 + opts.flank as u64) * 2 + 10;
    let mut sites = Vec::new();
    let mut buf = Vec::new();
    for (i, s) in r.seqs().iter().enumerate() {
        let mut start = 0;
        while start < s.len {
            let end = (start + WINDOW).min(s.len);
            let from = start.saturating_sub(margin);
            buf.clear();
            r.fetch_into(s, from, end + margin, &mut buf);
            let slice = RefSlice {
                start: from,
                seq: &buf,
            };
            let core = Region {
                contig: ContigId::new(i),
                start,
                end,
            };
            sites.extend(scan_shard(&slice, core, &st));
            start = end;
        }
    }
    write_sites(&opts.output, &sites, &contigs)?;
    log::info(&format!("{} microsatellite sites", sites.len()));
    Ok(sites.len())
}

/// What `msi` is asked to do.
#[derive(Clone, Debug)]
pub struct MsiOptions {
    /// Tumor BAM/CRAM.
    pub tumor: PathBuf,
    /// Matched normal (paired mode).
    pub normal: Option<PathBuf>,
    /// Baseline (tumor-only mode).
    pub baseline: Option<PathBuf>,
    /// Site list.
    pub sites: PathBuf,
    /// Reference, regions, filters, threads.
    pub inputs: InputOptions,
    /// Thresholds.
    pub thresholds: MsiThresholds,
    /// Also write the histograms.
    pub histograms: Option<PathBuf>,
    /// Output JSON.
    pub output: PathBuf,
    /// Metrics JSON.
    pub metrics: Option<PathBuf>,
}

/// Histograms per sample from one pass over `prep` (restricted to the sites).
pub fn collect(prep: &Inputs, sites: &[MsSite]) -> Result<(MsiCounts, RunStats)> {
    let observer = MsiObserver {
        sites: SiteSource::List(sites),
        n_samples: prep.len(),
        min_mapq: 0,
        read_window: READ_WINDOW,
        contigs: prep.biomarker_contigs.clone(),
    };
    let mut counts = MsiCounts::default();
    let stats = engine::run(&prep.pass, &observer, |_, part| {
        counts.add(part);
        Ok(())
    })?;
    Ok((counts, stats))
}

/// Validates, counts, scores, writes the JSON (and the histograms).
pub fn msi(opts: &MsiOptions) -> Result<MsiResult> {
    let mut clock = Clock::new();
    if opts.normal.is_none() && opts.baseline.is_none() {
        return Err(fail(ExitKind::Usage, "msi needs --normal (paired) or --baseline (tumor-only, from `oncostream msi-baseline`)"));
    }
    check_output_path(&opts.output)?;
    if let Some(h) = &opts.histograms {
        check_output_path(h)?;
    }
    let mut bams = vec![opts.tumor.clone()];
    if let Some(n) = &opts.normal {
        bams.push(n.clone());
    }
    let mut prep = opts.inputs.prepare(&bams, MateOverlap::Count)?;
    let (sites, skipped) = read_sites(&opts.sites, &prep.pass.contigs)?;
    if skipped > 0 {
        log::warn(&format!(
            "{skipped} sites are on contigs the alignment header lacks; skipped"
        ));
    }
    let base = match &opts.baseline {
        Some(b) => Some(read_baseline(b, &prep.pass.contigs)?),
        None => None,
    };
    let windows = site_windows(&sites, &prep.pass.contigs);
    prep.pass.restrict_to(windows);
    clock.lap("validate");
    let (counts, stats) = collect(&prep, &sites)?;
    clock.lap("pileup");
    let names = prep.contig_names();
    let t = &opts.thresholds;
    let result = match &base {
        Some(base) => score(&counts, &names, 0, MsiReference::Baseline(base), t),
        None => score(&counts, &names, 0, MsiReference::Sample(1), t),
    };
    if let Some(h) = &opts.histograms {
        let rows = counts.rows(&prep.sample_names());
        write_histograms(h, &counts.sites, &prep.pass.contigs, &rows)?;
    }
    write_json(&opts.output, &result)?;
    log::info(&format!(
        "MSI score {:.2}% ({} of {} sites unstable): {}",
        result.score, result.sites_unstable, result.sites_tested, result.status
    ));
    clock.lap("finalize");
    write_metrics(opts.metrics.as_deref(), "msi", &prep.pass, &stats, &clock)?;
    Ok(result)
}

/// What `msi-baseline` is asked to do.
#[derive(Clone, Debug)]
pub struct BaselineOptions {
    /// Normal BAM/CRAMs.
    pub normals: Vec<PathBuf>,
    /// Site list.
    pub sites: PathBuf,
    /// Reference, regions, filters, threads.
    pub inputs: InputOptions,
    /// Output baseline.
    pub output: PathBuf,
}

/// One pass over all normals together; the baseline is their histograms.
pub fn msi_baseline(opts: &BaselineOptions) -> Result<usize> {
    check_output_path(&opts.output)?;
    let mut prep = opts.inputs.prepare(&opts.normals, MateOverlap::Count)?;
    let (sites, _) = read_sites(&opts.sites, &prep.pass.contigs)?;
    let windows = site_windows(&sites, &prep.pass.contigs);
    prep.pass.restrict_to(windows);
    let (counts, _) = collect(&prep, &sites)?;
    let rows = counts.rows(&prep.sample_names());
    write_histograms(&opts.output, &counts.sites, &prep.pass.contigs, &rows)?;
    log::info(&format!(
        "baseline of {} normals over {} sites",
        opts.normals.len(),
        sites.len()
    ));
    Ok(sites.len())
}
