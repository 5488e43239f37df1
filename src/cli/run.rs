//! `oncostream run`: the whole pass over tumor (and normal) — somatic calls, TMB, MSI, purity,
//! QC — in ONE read of each BAM, written to `--outdir`.
//!
//! Outputs: `calls.vcf.gz` (+ `.tbi`), `results.json` (schema below), `metrics.json`,
//! `msi_histograms.tsv`, and with `--callable-bed` the callable region as BED.
//!
//! `results.json` (schema_version 1): `tool`, `version`, `created`, `command`, `mode`
//! (`tumor-normal`/`tumor-only`), `samples` {tumor, normal}, `provenance` {reference {path,
//! size, md5}, targets, ms_sites, germline_resource, panel_of_normals, inputs [{path, format,
//! size}]}, `tmb` (see `somatic::biomarkers::TmbResult`), `msi` (`somatic::msi::MsiResult` or
//! null), `purity` (`PurityResult`), `qc` {samples [...], identity {sites, shared, concordance,
//! status}, verdict, reasons}, `calls` {records, pass, pass_snv, pass_indel, vcf}, `variants`
//! (every PASS call: the input of tiering), `warnings` [..].

use std::{collections::HashMap, path::PathBuf, time::Duration};

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use super::common::{prepare_somatic, CommonArgs};
use super::msi::{site_windows, MsiThresholdArgs};
use crate::engine::{self, progress::Progress};
use crate::error::{fail, ExitKind};
use crate::io::{
    bed::read_bed,
    mslist::{read_baseline, read_sites, write_histograms},
    output::{md5_file, write_atomic, AtomicOutput},
    vcf::{read_resources, write_vcf, VcfMeta, VcfOutputType},
};
use crate::log;
use crate::metrics::{Clock, Metrics};
use crate::pipeline::RunObserver;
use crate::somatic::{
    biomarkers::{purity, tmb, PurityResult, TmbResult, TmbSettings},
    evidence::{CallObserver, CallSettings},
    filters::finalize,
    model::phred_to_err,
    msi::{
        histogram_rows, merge_histograms, scan, score, Histogram, MsSite, MsiObserver, MsiResult,
    },
    qc::{combine, summarize, QcObserver, QcPartial, SampleQcResult},
    Call,
};

/// Flags of `oncostream run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Tumor BAM/CRAM.
    #[arg(long)]
    pub tumor: PathBuf,
    /// Matched normal BAM/CRAM (omit for tumor-only).
    #[arg(long)]
    pub normal: Option<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
    /// Germline resource VCF(.gz) with INFO/AF.
    #[arg(long)]
    pub germline_resource: Option<PathBuf>,
    /// Panel of normals VCF(.gz).
    #[arg(long)]
    pub panel_of_normals: Option<PathBuf>,
    /// Microsatellite site list (default: scan the reference over the processed regions).
    #[arg(long)]
    pub ms_sites: Option<PathBuf>,
    /// MSI baseline from `msi-baseline` (tumor-only MSI).
    #[arg(long)]
    pub msi_baseline: Option<PathBuf>,
    #[command(flatten)]
    pub msi: MsiThresholdArgs,
    /// Lowest tumor VAF counted in TMB.
    #[arg(long, default_value_t = 0.05)]
    pub tmb_min_vaf: f64,
    /// Tumor depth for a callable base.
    #[arg(long, default_value_t = 20)]
    pub callable_tumor_depth: u32,
    /// Normal depth for a callable base.
    #[arg(long, default_value_t = 10)]
    pub callable_normal_depth: u32,
    /// BED of positions excluded from the TMB numerator (e.g. driver hotspots).
    #[arg(long)]
    pub tmb_exclude: Option<PathBuf>,
    /// Write the callable region as `callable.bed`.
    #[arg(long)]
    pub callable_bed: bool,
    /// Tumor-normal identity concordance below which the pair is flagged as mismatched.
    #[arg(long, default_value_t = 0.9)]
    pub min_identity: f64,
    /// Population AF from which a call is filtered `germline`.
    #[arg(long, default_value_t = 0.01)]
    pub max_population_af: f64,
    /// Cancer type (OncoTree code): also write report.json + report.html (tiering).
    #[arg(long)]
    pub cancer_type: Option<String>,
    /// GFF3 transcript models for the report's annotation.
    #[arg(long)]
    pub gff: Option<PathBuf>,
    /// Preferred transcripts (gene, accession) for the report, e.g. MANE Select.
    #[arg(long)]
    pub transcripts: Option<PathBuf>,
    /// Knowledge base for the report (default: bundled starter KB).
    #[arg(long)]
    pub kb: Option<PathBuf>,
    /// Output directory (created).
    #[arg(long)]
    pub outdir: PathBuf,
}

#[derive(Serialize)]
struct FileInfo {
    path: String,
    size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    md5: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<String>,
}

fn info(p: &std::path::Path, md5: bool) -> Result<FileInfo> {
    Ok(FileInfo {
        path: p.display().to_string(),
        size: std::fs::metadata(p)?.len(),
        md5: if md5 { Some(md5_file(p)?) } else { None },
        format: None,
    })
}

#[derive(Serialize)]
struct Identity {
    sites: u64,
    shared: u64,
    concordance: Option<f64>,
    status: String,
}

#[derive(Serialize)]
struct Qc {
    samples: Vec<SampleQcResult>,
    identity: Option<Identity>,
    verdict: String,
    reasons: Vec<String>,
}

#[derive(Serialize)]
struct CallsSummary {
    records: usize,
    pass: usize,
    pass_snv: usize,
    pass_indel: usize,
    vcf: String,
}

#[derive(Serialize)]
struct Variant<'a> {
    chrom: &'a str,
    pos: u64,
    #[serde(rename = "ref")]
    ref_allele: &'a str,
    alt: &'a str,
    kind: crate::somatic::VarKind,
    tumor_af: f64,
    tumor_depth: u32,
    tumor_alt: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    normal_af: Option<f64>,
    tlod: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    population_af: Option<f64>,
}

#[derive(Serialize)]
struct Results<'a> {
    schema_version: u32,
    tool: &'static str,
    version: &'static str,
    created: String,
    command: String,
    mode: &'static str,
    samples: HashMap<&'static str, String>,
    provenance: HashMap<&'static str, serde_json::Value>,
    tmb: TmbResult,
    msi: Option<MsiResult>,
    purity: PurityResult,
    qc: Qc,
    calls: CallsSummary,
    variants: Vec<Variant<'a>>,
    warnings: Vec<String>,
}

fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = secs / 86400;
    let (y, m, d) = civil(days as i64);
    let s = secs % 86400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Runs the command.
pub fn run(args: &RunArgs) -> Result<()> {
    let mut clock = Clock::new();
    let reference_path = args
        .common
        .reference
        .clone()
        .ok_or_else(|| fail(ExitKind::Usage, "run needs --reference"))?;
    std::fs::create_dir_all(&args.outdir).map_err(|e| {
        fail(
            ExitKind::CantCreate,
            format!(
                "cannot create output directory '{}': {e}",
                args.outdir.display()
            ),
        )
    })?;
    let (common, prep) = prepare_somatic(&args.common, &args.tumor, args.normal.as_deref())?;
    let tumor_only = args.normal.is_none();
    let n_samples = prep.inputs.len();
    let contig_names: Vec<String> = prep.contigs.iter().map(|c| c.name.clone()).collect();
    // microsatellite sites inside the processed regions
    let sites: Vec<MsSite> = match &args.ms_sites {
        Some(p) => read_sites(p, &prep.contigs)?.0,
        None => {
            let r = prep.reference.as_ref().expect("reference checked");
            let mut v = Vec::new();
            for reg in &prep.regions {
                let name = &prep.contigs[reg.contig].name;
                if let Some(seq) = r.get(name) {
                    let from = reg.start.saturating_sub(100);
                    let mut buf = Vec::new();
                    r.fetch_into(seq, from, reg.end + 100, &mut buf);
                    for mut s in scan(reg.contig, &buf, 10, 5, 60, 5) {
                        s.start += from;
                        v.push(s);
                    }
                }
            }
            v.sort_by_key(|s| (s.contig, s.start));
            v.dedup_by_key(|s| (s.contig, s.start));
            v
        }
    };
    let sites: Vec<MsSite> = sites
        .into_iter()
        .filter(|s| {
            prep.regions
                .iter()
                .any(|r| r.contig == s.contig && r.start <= s.start && s.start < r.end)
        })
        .collect();
    let _ = site_windows;
    let observer = RunObserver {
        call: CallObserver {
            settings: CallSettings {
                min_base_quality: common.min_base_quality,
                ref_error: phred_to_err(30),
                has_normal: !tumor_only,
                ..CallSettings::default()
            },
            n_samples,
        },
        msi: MsiObserver {
            sites: &sites,
            n_samples,
            min_mapq: 0,
            read_window: 110,
        },
        qc: QcObserver {
            n_samples,
            min_tumor_depth: args.callable_tumor_depth,
            min_normal_depth: args.callable_normal_depth,
        },
    };
    let resources = read_resources(
        args.germline_resource.as_deref(),
        args.panel_of_normals.as_deref(),
        &prep.contigs,
        &prep.regions,
    )?;
    let exclude = match &args.tmb_exclude {
        Some(p) => read_bed(p, &prep.contigs)?,
        None => Vec::new(),
    };
    clock.lap("validate");
    if tumor_only {
        log::warn("tumor-only mode: without a matched normal, germline variants are removed only by the population resource and by allele fraction; precision is lower");
    }
    let total: u64 = prep.regions.iter().map(|r| r.len()).sum();
    let progress = Progress::new(
        total,
        common.quiet,
        Duration::from_secs(common.progress_interval),
    );
    let mut calls: Vec<Call> = Vec::new();
    let mut hists: Vec<HashMap<usize, Histogram>> = vec![HashMap::new(); n_samples];
    let mut qc = QcPartial::default();
    let mut callable: Vec<(usize, u64, u64)> = Vec::new();
    let stats = engine::run(
        &prep.inputs,
        prep.reference.as_ref(),
        &prep.shards,
        &prep.config,
        &observer,
        |_, part| {
            calls.extend(part.call.calls);
            merge_histograms(&mut hists, part.msi.hist);
            combine(&mut qc, part.qc, &mut callable);
            Ok(())
        },
        &progress,
    )?;
    progress.finish();
    clock.lap("pileup");

    // genome-order filters and resources
    finalize(
        &mut calls,
        &contig_names,
        &resources,
        args.max_population_af,
    );
    let mut warnings: Vec<String> = Vec::new();
    if tumor_only {
        warnings.push("tumor-only mode: no matched normal; germline variants are filtered by population frequency and allele fraction only, precision is lower".into());
    }
    // TMB
    let in_exclude = |c: &Call| {
        exclude
            .iter()
            .any(|b| b.region.contig == c.contig && b.region.start <= c.pos && c.pos < b.region.end)
    };
    let excluded = calls
        .iter()
        .filter(|c| c.is_pass() && in_exclude(c))
        .count() as u64;
    let tmb_calls: Vec<&Call> = calls.iter().filter(|c| !in_exclude(c)).collect();
    let callable_bases: u64 = callable.iter().map(|(_, s, e)| e - s).sum();
    let tmb_res = tmb(
        &tmb_calls,
        excluded,
        callable_bases,
        TmbSettings {
            min_vaf: args.tmb_min_vaf,
            min_tumor_depth: args.callable_tumor_depth,
            min_normal_depth: args.callable_normal_depth,
        },
    );
    let mut tmb_res = tmb_res;
    if let Some(g) = &args.gff {
        // METHOD: the synonymous / non-synonymous split of the TMB numerator, on the canonical
        // transcript of each counted call (report.rs picks transcripts the same way)
        let models = crate::io::gff::read_models(g)?;
        let preferred = crate::io::gff::read_transcript_list(args.transcripts.as_deref())?;
        let r = prep.reference.as_ref().expect("run has a reference");
        let (mut syn, mut non) = (0u64, 0u64);
        let mut seq: (usize, Vec<u8>) = (usize::MAX, Vec::new());
        for c in tmb_calls
            .iter()
            .filter(|c| c.is_pass() && c.tumor.af() >= args.tmb_min_vaf)
        {
            let name = &contig_names[c.contig];
            if seq.0 != c.contig {
                seq = (c.contig, r.fetch_contig(name));
            }
            let at = |p: u64| crate::clinical::annotate::base_at(&seq.1, p);
            let Some(a) = crate::clinical::annotate::annotate_at(
                &models,
                &preferred,
                name,
                c.pos + 1,
                &c.ref_allele,
                &c.alt_allele,
                &at,
            ) else {
                continue;
            };
            if a.consequence.starts_with("synonymous_variant") {
                syn += 1;
            } else if a.hgvs_p.is_some()
                || a.consequence.contains("splice_donor")
                || a.consequence.contains("splice_acceptor")
            {
                non += 1;
            }
        }
        tmb_res.synonymous = Some(syn);
        tmb_res.nonsynonymous = Some(non);
    }
    warnings.extend(tmb_res.warnings.iter().cloned());
    // purity
    let all: Vec<&Call> = calls.iter().collect();
    let pur = purity(&all);
    if pur.low_purity {
        warnings.push(format!(
            "LOW TUMOR PURITY (estimated {:.2} < 0.30): TMB and variant sensitivity are likely underestimated; a low TMB or a negative result may be a false negative",
            pur.estimate.unwrap_or(0.0)
        ));
    }
    // MSI
    let t = args.msi.get();
    let msi: Option<MsiResult> = if !tumor_only {
        Some(score(
            &sites,
            &contig_names,
            &hists[0],
            &hists[1],
            &t,
            "paired",
        ))
    } else if let Some(b) = &args.msi_baseline {
        let base = read_baseline(b, &sites, &prep.contigs)?;
        Some(score(
            &sites,
            &contig_names,
            &hists[0],
            &base,
            &t,
            "tumor-only (baseline)",
        ))
    } else {
        warnings.push("MSI not assessed: tumor-only run without --msi-baseline".into());
        None
    };
    if let Some(m) = &msi {
        if m.status == "indeterminate" {
            warnings.push(format!(
                "MSI indeterminate: score {:.2}% over {} sites",
                m.score, m.sites_tested
            ));
        }
    }
    // QC
    let samples: Vec<SampleQcResult> = prep
        .inputs
        .iter()
        .enumerate()
        .map(|(i, inp)| {
            summarize(
                &inp.sample,
                &qc.samples.get(i).cloned().unwrap_or_default(),
                stats.unmapped[i],
            )
        })
        .collect();
    let mut reasons = Vec::new();
    let identity = if tumor_only {
        None
    } else {
        let conc = if qc.identity_sites >= 20 {
            Some(qc.identity_shared as f64 / qc.identity_sites as f64)
        } else {
            None
        };
        let status = match conc {
            Some(c) if c < args.min_identity => {
                let msg = format!(
                    "TUMOR/NORMAL MISMATCH: only {:.1}% of the normal's germline alleles are present in the tumor (expected >= {:.0}%); the normal may be from another person or the samples swapped",
                    c * 100.0,
                    args.min_identity * 100.0
                );
                reasons.push(msg.clone());
                warnings.push(msg);
                "mismatch"
            }
            Some(_) => "match",
            None => "insufficient_sites",
        };
        Some(Identity {
            sites: qc.identity_sites,
            shared: qc.identity_shared,
            concordance: conc.map(|c| (c * 10000.0).round() / 10000.0),
            status: status.into(),
        })
    };
    if samples[0].mean_depth < 20.0 {
        reasons.push(format!(
            "tumor mean depth {:.1} < 20",
            samples[0].mean_depth
        ));
    }
    if pur.low_purity {
        reasons.push("tumor purity below 0.30".into());
    }
    let verdict = if reasons.is_empty() { "pass" } else { "fail" }.to_string();
    // outputs
    let vcf_path = args.outdir.join("calls.vcf.gz");
    let mut extra = vec![
        (
            "oncostream_command".to_string(),
            std::env::args().collect::<Vec<_>>().join(" "),
        ),
        (
            "oncostream_mode".into(),
            if tumor_only {
                "tumor-only".into()
            } else {
                "tumor-normal".into()
            },
        ),
    ];
    for w in &warnings {
        extra.push((
            "oncostream_warning".into(),
            format!("\"{}\"", w.replace('"', "'")),
        ));
    }
    let (tumor_name, normal_name) = prep.tumor_normal_names();
    write_vcf(
        &vcf_path,
        VcfOutputType::Bgzf,
        &VcfMeta {
            contigs: &prep.contigs,
            reference: &reference_path,
            tumor: &tumor_name,
            normal: normal_name.as_deref(),
            extra,
        },
        &calls,
    )?;
    let rows = histogram_rows(
        &hists,
        &prep
            .inputs
            .iter()
            .map(|i| i.sample.clone())
            .collect::<Vec<_>>(),
    );
    write_histograms(
        &args.outdir.join("msi_histograms.tsv"),
        &sites,
        &prep.contigs,
        &rows,
    )?;
    if args.callable_bed {
        use std::io::Write;
        let mut o = AtomicOutput::create(&args.outdir.join("callable.bed"))?;
        for (c, s, e) in &callable {
            writeln!(o, "{}\t{s}\t{e}", prep.contigs[*c].name)?;
        }
        o.commit()?;
    }
    let pass: Vec<&Call> = calls.iter().filter(|c| c.is_pass()).collect();
    let mut provenance: HashMap<&'static str, serde_json::Value> = HashMap::new();
    provenance.insert(
        "reference",
        serde_json::to_value(info(&reference_path, true)?)?,
    );
    if let Some(p) = &common.targets {
        provenance.insert("targets", serde_json::to_value(info(p, true)?)?);
    }
    if let Some(p) = &args.ms_sites {
        provenance.insert("ms_sites", serde_json::to_value(info(p, true)?)?);
    }
    if let Some(p) = &args.germline_resource {
        provenance.insert("germline_resource", serde_json::to_value(info(p, true)?)?);
    }
    if let Some(p) = &args.panel_of_normals {
        provenance.insert("panel_of_normals", serde_json::to_value(info(p, true)?)?);
    }
    let inputs: Vec<FileInfo> = prep
        .inputs
        .iter()
        .map(|i| FileInfo {
            path: i.path.display().to_string(),
            size: i.size,
            md5: None,
            format: Some(format!("{:?}", i.format).to_lowercase()),
        })
        .collect();
    provenance.insert("inputs", serde_json::to_value(inputs)?);
    let mut sample_names = HashMap::new();
    sample_names.insert("tumor", tumor_name.clone());
    if let Some(n) = &normal_name {
        sample_names.insert("normal", n.clone());
    }
    let results = Results {
        schema_version: 1,
        tool: "oncostream",
        version: env!("CARGO_PKG_VERSION"),
        created: now_utc(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        mode: if tumor_only {
            "tumor-only"
        } else {
            "tumor-normal"
        },
        samples: sample_names,
        provenance,
        tmb: tmb_res,
        msi,
        purity: pur,
        qc: Qc {
            samples,
            identity,
            verdict,
            reasons,
        },
        calls: CallsSummary {
            records: calls.len(),
            pass: pass.len(),
            pass_snv: pass
                .iter()
                .filter(|c| c.kind == crate::somatic::VarKind::Snv)
                .count(),
            pass_indel: pass
                .iter()
                .filter(|c| c.kind != crate::somatic::VarKind::Snv)
                .count(),
            vcf: "calls.vcf.gz".into(),
        },
        variants: pass
            .iter()
            .map(|c| Variant {
                chrom: &contig_names[c.contig],
                pos: c.pos + 1,
                ref_allele: &c.ref_allele,
                alt: &c.alt_allele,
                kind: c.kind,
                tumor_af: (c.tumor.af() * 10000.0).round() / 10000.0,
                tumor_depth: c.tumor.depth,
                tumor_alt: c.tumor.alt_count,
                normal_af: c
                    .normal
                    .as_ref()
                    .map(|n| (n.af() * 10000.0).round() / 10000.0),
                tlod: (c.tlod * 100.0).round() / 100.0,
                population_af: c.pop_af,
            })
            .collect(),
        warnings: warnings.clone(),
    };
    let mut js = serde_json::to_string_pretty(&results)?;
    js.push('\n');
    write_atomic(&args.outdir.join("results.json"), js.as_bytes())?;
    clock.lap("finalize");
    for w in &warnings {
        log::warn(w);
    }
    log::info(&format!(
        "TMB {:.2}/Mb ({}), MSI {}, purity {}, QC {}",
        results.tmb.per_mb,
        results.tmb.class,
        results
            .msi
            .as_ref()
            .map(|m| m.status.as_str())
            .unwrap_or("not assessed"),
        results
            .purity
            .estimate
            .map(|p| format!("{p:.2}"))
            .unwrap_or_else(|| "n/a".into()),
        results.qc.verdict
    ));
    if let Some(ct) = &args.cancer_type {
        super::report::run(&super::report::ReportArgs {
            vcf: vcf_path.clone(),
            reference: reference_path.clone(),
            gff: args.gff.clone(),
            transcripts: args.transcripts.clone(),
            cancer_type: ct.clone(),
            kb: args.kb.clone(),
            tmb: None,
            msi_status: None,
            results: Some(args.outdir.join("results.json")),
            outdir: args.outdir.clone(),
        })?;
        clock.lap("report");
    }
    let m = Metrics::build(
        "run",
        prep.config.threads,
        prep.config.shard_size,
        &prep.inputs,
        &stats,
        &clock,
    );
    m.write(&args.outdir.join("metrics.json"))?;
    if let Some(p) = &common.metrics {
        m.write(p)?;
    }
    Ok(())
}
