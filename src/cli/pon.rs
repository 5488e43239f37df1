//! `oncostream pon`: a panel of normals from normal BAM/CRAMs.
//!
//! METHOD: each normal is called in tumor-only mode (as GATK builds its panels with Mutect2);
//! every allele emitted (TLOD >= --emit-lod, whatever its filters) in at least
//! `--min-samples` normals becomes a panel site: recurrent sequencing/mapping artifacts and
//! common germline variants. One streaming pass per normal.

use std::{collections::BTreeMap, io::Write, path::PathBuf, time::Duration};

use anyhow::Result;
use clap::Args;

use super::common::CommonArgs;
use crate::engine::{self, progress::Progress, MateOverlap, RunStats};
use crate::error::{fail, ExitKind};
use crate::io::output::AtomicOutput;
use crate::log;
use crate::metrics::{Clock, Metrics};
use crate::somatic::evidence::{CallObserver, CallSettings};

/// Flags of `oncostream pon`.
#[derive(Args, Debug)]
pub struct PonArgs {
    /// Normal BAM/CRAMs.
    #[arg(long, num_args = 1.., required = true, value_name = "BAM|CRAM")]
    pub normals: Vec<PathBuf>,

    #[command(flatten)]
    pub common: CommonArgs,

    /// Normals an allele must be seen in to enter the panel.
    #[arg(long, default_value_t = 2)]
    pub min_samples: u32,

    /// Lowest TLOD for an allele to count as seen in a normal.
    #[arg(long, default_value_t = 3.0)]
    pub emit_lod: f64,

    /// Output VCF (bgzipped + tabix-indexed when it ends in .gz).
    #[arg(long, short = 'o', value_name = "VCF")]
    pub output: PathBuf,
}

/// Runs the command.
pub fn run(args: &PonArgs) -> Result<()> {
    let mut clock = Clock::new();
    if args.common.reference.is_none() {
        return Err(fail(ExitKind::Usage, "pon needs --reference"));
    }
    if args.min_samples as usize > args.normals.len() {
        return Err(fail(
            ExitKind::Usage,
            format!(
                "--min-samples {} is more than the {} normals given",
                args.min_samples,
                args.normals.len()
            ),
        ));
    }
    let mut common = args.common.clone();
    if common.min_base_quality == 0 {
        common.min_base_quality = 10;
    }
    let mut seen: BTreeMap<(usize, u64, String, String), u32> = BTreeMap::new();
    let mut contigs = Vec::new();
    let mut inputs_all = Vec::new();
    let mut stats_all = RunStats::default();
    let mut threads = 1;
    let mut shard_size = 0;
    for normal in &args.normals {
        let prep = common.prepare(std::slice::from_ref(normal), MateOverlap::Dedup)?;
        if contigs.is_empty() {
            contigs = prep.contigs.clone();
        } else if contigs != prep.contigs {
            return Err(fail(
                ExitKind::Data,
                format!(
                    "'{}' has a different contig list from the first normal",
                    normal.display()
                ),
            ));
        }
        let observer = CallObserver {
            settings: CallSettings {
                min_base_quality: common.min_base_quality,
                emit_lod: args.emit_lod,
                has_normal: false,
                ..CallSettings::default()
            },
            n_samples: 1,
        };
        let total: u64 = prep.regions.iter().map(|r| r.len()).sum();
        let progress = Progress::new(
            total,
            common.quiet,
            Duration::from_secs(common.progress_interval),
        );
        let mut keys = Vec::new();
        let stats = engine::run(
            &prep.inputs,
            prep.reference.as_ref(),
            &prep.shards,
            &prep.config,
            &observer,
            |_, part| {
                keys.extend(
                    part.calls
                        .into_iter()
                        .map(|c| (c.contig, c.pos, c.ref_allele, c.alt_allele)),
                );
                Ok(())
            },
            &progress,
        )?;
        progress.finish();
        keys.sort();
        keys.dedup();
        for k in keys {
            *seen.entry(k).or_default() += 1;
        }
        stats_all.reads.extend(stats.reads);
        stats_all.bases.extend(stats.bases);
        stats_all.bytes_read.extend(stats.bytes_read);
        stats_all.positions += stats.positions;
        stats_all.shards += stats.shards;
        threads = prep.config.threads;
        shard_size = prep.config.shard_size;
        inputs_all.extend(prep.inputs);
        log::info(&format!("{}: done", normal.display()));
    }
    clock.lap("pileup");
    let n = args.normals.len();
    let mut out = AtomicOutput::create(&args.output)?;
    let mut h = String::from("##fileformat=VCFv4.2\n");
    h.push_str(&format!(
        "##source=oncostream-{} pon\n",
        env!("CARGO_PKG_VERSION")
    ));
    for c in &contigs {
        h.push_str(&format!("##contig=<ID={},length={}>\n", c.name, c.len));
    }
    h.push_str(&format!(
        "##oncostream_pon_normals={n}\n##oncostream_pon_min_samples={}\n",
        args.min_samples
    ));
    h.push_str("##INFO=<ID=NSAMPLES,Number=1,Type=Integer,Description=\"Normals in which the allele was seen\">\n");
    h.push_str("##INFO=<ID=FRACTION,Number=1,Type=Float,Description=\"Fraction of the normals in which the allele was seen\">\n");
    h.push_str("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    out.write_all(h.as_bytes())?;
    let mut kept = 0;
    for ((contig, pos, r, a), k) in &seen {
        if *k >= args.min_samples {
            kept += 1;
            writeln!(
                out,
                "{}\t{}\t.\t{}\t{}\t.\t.\tNSAMPLES={};FRACTION={:.3}",
                contigs[*contig].name,
                pos + 1,
                r,
                a,
                k,
                *k as f64 / n as f64
            )?;
        }
    }
    out.commit()?;
    if args.output.to_string_lossy().ends_with(".gz") {
        let index = noodles::vcf::fs::index(&args.output)?;
        if let noodles::vcf::Index::Tabix(ix) = index {
            let p = PathBuf::from(format!("{}.tbi", args.output.display()));
            noodles::tabix::fs::write(&p, &ix)?;
        }
    }
    log::info(&format!(
        "panel of normals: {kept} sites seen in >= {} of {n} normals",
        args.min_samples
    ));
    clock.lap("finalize");
    if let Some(m) = &common.metrics {
        Metrics::build("pon", threads, shard_size, &inputs_all, &stats_all, &clock).write(m)?;
    }
    Ok(())
}
