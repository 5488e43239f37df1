//! `monitor`: follow a patient's tumor in later plasma samples.
//!
//! Options → `validate` (the output directory, the baseline read and checked against the
//! reference, every BAM/CRAM opened with its index and checked against the reference, the
//! transcript models and knowledge base loaded; no BAM record read) → the pass (one shard per
//! tracked window, only those windows read through the index) → each sample's families,
//! background, tumor fraction, MRD call and new variants → `monitor.json`, `monitor.html`,
//! `monitor_variants.tsv`, MultiQC content, the manifest last.

mod assemble;
mod baseline;
mod outputs;

use std::collections::HashSet;
use std::path::PathBuf;

use anyhow::Result;

use super::clinical_inputs::{check_cancer_type, load_kb, load_models};
use super::outdir::{inspect, new_run_id, now_utc, OutdirState};
use super::prepare::{InputOptions, Inputs};
use crate::clinical::annotate::Annotator;
use crate::clinical::monitoring::{watch_codons, WatchCodon};
use crate::clinical::oncotree::OncoTree;
use crate::engine::{self, MateOverlap};
use crate::error::{fail, ExitKind};
use crate::io::reference::Reference;
use crate::log;
use crate::somatic::mrd::observer::{ConsensusSettings, MonitorObserver, SampleShard};
use crate::somatic::mrd::umi::UmiSource;
use crate::types::aln::flag;
use crate::types::monitor::{
    MonitorDoc, MonitorSettings, NormalInfo, ScanInfo, UmiMode, MONITOR_KIND,
    MONITOR_SCHEMA_VERSION,
};
use crate::types::source::{AlignmentSource, Fields};
use crate::types::{ContigId, Pos0, Region};
use assemble::{apply_white_cells, new_variants, sample_block, umi_summary, NewVariantContext};
use baseline::{read_baseline, Baseline};

/// What `monitor` is asked to do.
#[derive(Clone, Debug)]
pub struct MonitorOptions {
    /// Baseline run directory.
    pub baseline: Option<PathBuf>,
    /// Baseline VCF (the patient's somatic variants).
    pub variants: Option<PathBuf>,
    /// Plasma BAM/CRAMs, in time order.
    pub samples: Vec<PathBuf>,
    /// One label per sample (optional).
    pub timepoints: Vec<String>,
    /// Matched white-cell normal.
    pub normal: Option<PathBuf>,
    /// Reference FASTA.
    pub reference: PathBuf,
    /// Output directory.
    pub outdir: PathBuf,
    /// Replace another run's outputs in `outdir`.
    pub force: bool,
    /// Transcript models (default: the baseline run's `--gff`, when readable).
    pub gff: Option<PathBuf>,
    /// Preferred transcripts.
    pub transcripts: Option<PathBuf>,
    /// OncoTree code (default: the baseline report's).
    pub cancer_type: Option<String>,
    /// Knowledge base (default: built in).
    pub kb: Option<PathBuf>,
    /// Analysis settings.
    pub settings: MonitorSettings,
    /// Take the UMI from this tag and refuse reads without it (None: `RX` when present).
    pub umi_tag_required: bool,
    /// Worker threads.
    pub threads: Option<usize>,
    /// Write one families table per sample.
    pub write_families: bool,
    /// Read a BAM without the BGZF EOF marker.
    pub allow_missing_eof: bool,
    /// Check reference MD5s against `@SQ M5`.
    pub md5_check: bool,
    /// No info lines.
    pub quiet: bool,
    /// Seconds between progress lines.
    pub progress_interval: u64,
}

impl MonitorOptions {
    /// Options with the defaults for `samples` against `baseline` (a run directory).
    pub fn new(
        baseline: Option<PathBuf>,
        variants: Option<PathBuf>,
        samples: Vec<PathBuf>,
        reference: PathBuf,
        outdir: PathBuf,
    ) -> MonitorOptions {
        MonitorOptions {
            baseline,
            variants,
            samples,
            timepoints: Vec::new(),
            normal: None,
            reference,
            outdir,
            force: false,
            gff: None,
            transcripts: None,
            cancer_type: None,
            kb: None,
            settings: MonitorSettings::default(),
            umi_tag_required: false,
            threads: None,
            write_families: false,
            allow_missing_eof: false,
            md5_check: true,
            quiet: true,
            progress_interval: 30,
        }
    }
}

/// The clinical side of the new-variant scan.
struct Clinical {
    models: Vec<crate::types::transcript::Transcript>,
    preferred: HashSet<String>,
    kb: crate::pipeline::clinical_inputs::LoadedKb,
    tree: OncoTree,
    cancer: Option<String>,
}

/// Everything validated.
struct Plan {
    outdir: OutdirState,
    inputs: Inputs,
    reference: Reference,
    baseline: Baseline,
    clinical: Clinical,
    codons: Vec<WatchCodon>,
    scan: ScanInfo,
}

fn check_args(o: &MonitorOptions) -> Result<()> {
    if o.samples.is_empty() {
        return Err(fail(ExitKind::Usage, "monitor needs at least one --sample"));
    }
    if !o.timepoints.is_empty() && o.timepoints.len() != o.samples.len() {
        return Err(fail(
            ExitKind::Usage,
            format!(
                "{} --timepoint label(s) for {} --sample(s): give one label per sample, in the same order",
                o.timepoints.len(),
                o.samples.len()
            ),
        ));
    }
    let s = &o.settings;
    if !(s.alpha > 0.0 && s.alpha < 1.0) {
        return Err(fail(ExitKind::Usage, "--alpha must be in (0, 1)"));
    }
    if s.umi_tag.len() != 2 {
        return Err(fail(
            ExitKind::Usage,
            format!("--umi-tag '{}' is not a two-letter SAM tag", s.umi_tag),
        ));
    }
    if s.umi_separator.len() != 1 {
        return Err(fail(
            ExitKind::Usage,
            "--umi-separator must be one character",
        ));
    }
    Ok(())
}

fn input_options(o: &MonitorOptions) -> InputOptions {
    InputOptions {
        reference: Some(o.reference.clone()),
        all_contigs: true,
        min_mapping_quality: o.settings.min_mapping_quality,
        // duplicates are family members here: only unmapped, secondary, QC-fail and
        // supplementary records are left out
        exclude_flags: flag::UNMAPPED | flag::SECONDARY | flag::QCFAIL | flag::SUPPLEMENTARY,
        threads: o.threads,
        allow_missing_eof: o.allow_missing_eof,
        md5_check: o.md5_check,
        quiet: o.quiet,
        progress_interval: o.progress_interval,
        ..InputOptions::default()
    }
}

fn load_clinical(
    o: &MonitorOptions,
    baseline: &Baseline,
    reference: &Reference,
) -> Result<Clinical> {
    let tree = OncoTree::bundled();
    let cancer = o
        .cancer_type
        .clone()
        .or_else(|| baseline.info.cancer_type.clone());
    if let Some(c) = &cancer {
        check_cancer_type(&tree, c)?;
    }
    let kb = load_kb(o.kb.as_deref(), &tree)?;
    let gff = o.gff.clone().or_else(|| baseline.gff.clone());
    let (set, preferred) = load_models(gff.as_deref(), o.transcripts.as_deref())?;
    // --gff, the baseline's, else the shipped GRCh38 models, on this reference's contigs
    let fitted = set.fit(&crate::pipeline::report::reference_contigs(reference));
    Ok(Clinical {
        models: fitted.models,
        preferred,
        kb,
        tree,
        cancer,
    })
}

fn scan_plan(clinical: &Clinical, reference: &Reference) -> (Vec<WatchCodon>, ScanInfo) {
    if clinical.models.is_empty() {
        return (
            Vec::new(),
            ScanInfo {
                assessed: false,
                codons: 0,
                note: "not assessed: no transcript model applies to this reference (pass --gff, or a baseline run made with --gff) to place the resistance and hotspot codons".into(),
            },
        );
    }
    let ref_at = |chrom: &str, p: Pos0| -> u8 {
        let mut b = Vec::new();
        match reference.get(chrom) {
            Some(s) => reference.fetch_into(s, p.get(), p.get() + 1, &mut b),
            None => return b'N',
        }
        b.first().copied().unwrap_or(b'N')
    };
    let (codons, skipped) = watch_codons(&clinical.models, &clinical.preferred, &ref_at);
    let note = format!(
        "{} watched codons scanned ({} residues of the watchlist not placed: {})",
        codons.len(),
        skipped.len(),
        if skipped.is_empty() {
            "none".to_string()
        } else {
            skipped.join("; ")
        }
    );
    let scan = ScanInfo {
        assessed: !codons.is_empty(),
        codons: codons.len(),
        note,
    };
    (codons, scan)
}

fn validate(o: &MonitorOptions) -> Result<Plan> {
    log::set_quiet(o.quiet);
    check_args(o)?;
    let outdir = inspect(&o.outdir, o.force, None)?;
    let mut bams = o.samples.clone();
    bams.extend(o.normal.clone());
    let inputs = input_options(o).prepare(&bams, MateOverlap::Count)?;
    let reference = inputs
        .reference
        .clone()
        .expect("monitor always opens its reference");
    let mut baseline = read_baseline(
        o.baseline.as_deref(),
        o.variants.as_deref(),
        &reference,
        &inputs.pass.contigs,
    )?;
    if let Some(d) = &baseline.reference_digest {
        let ours = reference.digest()?.digest;
        if &ours != d {
            return Err(fail(
                ExitKind::Data,
                format!(
                    "the baseline run was made on another reference (digest {d}) than --reference '{}' (digest {ours}): baseline and samples must share one reference",
                    o.reference.display()
                ),
            ));
        }
    }
    let clinical = load_clinical(o, &baseline, &reference)?;
    let (codons, scan) = scan_plan(&clinical, &reference);
    annotate_sites(&mut baseline, &clinical, &reference);
    Ok(Plan {
        outdir,
        inputs,
        reference,
        baseline,
        clinical,
        codons,
        scan,
    })
}

/// Per contig, the sites (0-based, target id): tracked ids first, then the codon bases.
/// Genes of the tracked variants the baseline report did not annotate, from the transcript
/// models (the clonal-haematopoiesis rule needs them).
fn annotate_sites(baseline: &mut Baseline, clinical: &Clinical, reference: &Reference) {
    if clinical.models.is_empty() {
        return;
    }
    let annotator = Annotator::new(&clinical.models, &clinical.preferred, reference);
    for s in baseline.sites.iter_mut().filter(|s| s.gene.is_none()) {
        let (r, a) = (
            (s.ref_base as char).to_string(),
            (s.alt_base as char).to_string(),
        );
        s.gene = annotator.annotate(&s.chrom, s.pos, &r, &a).map(|x| x.gene);
    }
}

/// Per contig, the sites of the pass: (0-based position, target id), sorted.
type SitesByContig = Vec<Vec<(u64, u32)>>;

fn targets(plan: &Plan, flank: u64) -> (SitesByContig, Vec<Region>, u32) {
    let contigs = &plan.inputs.pass.contigs;
    let id_of = |name: &str| contigs.iter().position(|c| c.name == name);
    let mut per: Vec<Vec<(u64, u32)>> = vec![Vec::new(); contigs.len()];
    for s in &plan.baseline.sites {
        if let Some(c) = id_of(&s.chrom) {
            per[c].push((s.pos.get() - 1, s.id));
        }
    }
    let first_codon = plan.baseline.sites.len() as u32;
    for (ci, codon) in plan.codons.iter().enumerate() {
        if let Some(c) = id_of(&codon.chrom) {
            for (k, &p) in codon.positions.iter().enumerate() {
                per[c].push((p.get(), first_codon + (ci * 3 + k) as u32));
            }
        }
    }
    let mut windows = Vec::new();
    for (c, v) in per.iter_mut().enumerate() {
        v.sort_unstable();
        v.dedup_by_key(|x| x.0);
        let len = contigs[c].len;
        windows.extend(v.iter().map(|&(p, _)| Region {
            contig: ContigId::new(c),
            start: p.saturating_sub(flank),
            end: (p + flank + 1).min(len),
        }));
    }
    (per, windows, first_codon)
}

/// Where each input's UMIs are: looks at the first reads of the tracked windows.
fn detect_umis(
    o: &MonitorOptions,
    inputs: &[Box<dyn AlignmentSource>],
    windows: &[Region],
) -> Result<Vec<(UmiSource, UmiMode)>> {
    let s = &o.settings;
    let tag = [s.umi_tag.as_bytes()[0], s.umi_tag.as_bytes()[1]];
    let wanted = if s.umi_from_read_name {
        UmiSource::ReadName(s.umi_separator.as_bytes()[0])
    } else {
        UmiSource::Tag(tag)
    };
    let mut out = Vec::new();
    for input in inputs {
        let mut reader = input.reader(Fields::ALL)?;
        let (mut seen, mut with) = (0u32, 0u32);
        for w in windows.iter().take(50) {
            reader.fetch(*w, &mut |a| {
                if seen < 500 && a.flags & flag::UNMAPPED == 0 {
                    seen += 1;
                    with += wanted.umi(a).is_some() as u32;
                }
                Ok(())
            })?;
            if seen >= 500 {
                break;
            }
        }
        let name = input.info().path.display();
        if seen > 0 && with == 0 {
            if s.umi_from_read_name || o.umi_tag_required {
                return Err(fail(
                    ExitKind::Data,
                    format!(
                        "'{name}': none of the first {seen} reads of the tracked windows has a UMI ({}); check --umi-tag / --umi-from-read-name",
                        if s.umi_from_read_name { format!("after '{}' in the read name", s.umi_separator) } else { format!("tag {}", s.umi_tag) }
                    ),
                ));
            }
            log::warn(&format!(
                "'{name}' has no {} tags: families are fragments with the same ends (duplicate groups); the background and the limit of detection are worse than with UMIs",
                s.umi_tag
            ));
            out.push((UmiSource::None, UmiMode::Coordinates));
        } else if s.umi_from_read_name {
            out.push((wanted, UmiMode::ReadName));
        } else {
            out.push((wanted, UmiMode::Tag));
        }
    }
    Ok(out)
}

/// Runs `monitor`: validates, reads the tracked windows, writes the outputs.
pub fn monitor(o: MonitorOptions) -> Result<MonitorDoc> {
    let started = now_utc();
    let mut plan = validate(&o)?;
    let (per_contig, windows, first_codon) = targets(&plan, o.settings.background_flank);
    // the UMI check reads a few records of each input: still before anything is written
    let umis = detect_umis(&o, &plan.inputs.pass.inputs, &windows)?;
    plan.outdir.claim(&[])?;
    plan.inputs.pass.restrict_to_whole_windows(windows);
    let observer = MonitorObserver {
        targets: &per_contig,
        sources: umis.iter().map(|u| u.0).collect(),
        settings: ConsensusSettings {
            min_base_quality: o.settings.min_base_quality,
            min_consensus_quality: o.settings.min_consensus_quality,
            min_family_size: o.settings.min_family_size,
        },
        keep_families: o.write_families,
    };
    let n = plan.inputs.len();
    let mut merged: Vec<SampleShard> = (0..n).map(|_| SampleShard::default()).collect();
    engine::run(&plan.inputs.pass, &observer, |_, part| {
        for (m, s) in merged.iter_mut().zip(part.samples) {
            m.merge(s);
        }
        Ok(())
    })?;
    let doc = build_document(&o, &plan, &merged, &umis, first_codon, started);
    outputs::write_all(&o, &plan.outdir, &doc, &merged, &plan.inputs)?;
    for s in &doc.samples {
        log::info(&format!(
            "{}{}: MRD {} (tumor fraction {}), {} new variant(s)",
            s.sample,
            s.timepoint
                .as_deref()
                .map(|t| format!(" [{t}]"))
                .unwrap_or_default(),
            s.mrd.status.as_str(),
            s.tumor_fraction
                .estimate
                .map(|f| format!("{:.4}%", 100.0 * f))
                .unwrap_or_else(|| "n/a".into()),
            s.new_variants.len()
        ));
    }
    Ok(doc)
}

fn build_document(
    o: &MonitorOptions,
    plan: &Plan,
    merged: &[SampleShard],
    umis: &[(UmiSource, UmiMode)],
    first_codon: u32,
    started: String,
) -> MonitorDoc {
    let n_samples = o.samples.len();
    let normal = o.normal.as_ref().map(|_| {
        let s = &merged[n_samples];
        (
            s.targets.iter().map(|t| (t.id, t.clone())).collect(),
            s.background.clone(),
        )
    });
    let normal_ref = normal.as_ref().map(|(c, b)| (c, b));
    let sites = apply_white_cells(&plan.baseline.sites, normal_ref);
    let annotator = Annotator::new(
        &plan.clinical.models,
        &plan.clinical.preferred,
        &plan.reference,
    );
    let tri = codon_triplets(&plan.codons, &plan.reference);
    let ctx = NewVariantContext {
        codons: &plan.codons,
        first_id: first_codon,
        tri: &tri,
        annotator: &annotator,
        kb: &plan.clinical.kb.kb,
        tree: &plan.clinical.tree,
        cancer: plan.clinical.cancer.as_deref(),
    };
    let samples = (0..n_samples)
        .map(|i| {
            let info = plan.inputs.info(i);
            let umi = umi_summary(umis[i].1, &merged[i], &o.settings.umi_tag);
            let name = (
                info.sample.clone(),
                o.timepoints.get(i).cloned(),
                info.path.display().to_string(),
            );
            let (mut block, counts) = sample_block(&merged[i], &sites, &o.settings, umi, name);
            block.new_variants = new_variants(
                &ctx,
                &counts,
                &merged[i].background,
                normal_ref,
                &o.settings,
            );
            block
        })
        .collect();
    let mut baseline = plan.baseline.info.clone();
    baseline.cancer_type = plan.clinical.cancer.clone();
    MonitorDoc {
        kind: MONITOR_KIND.into(),
        schema_version: MONITOR_SCHEMA_VERSION,
        run_id: new_run_id(),
        tool: "oncostream".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        created: started,
        command: std::env::args().collect::<Vec<_>>().join(" "),
        baseline,
        settings: o.settings.clone(),
        normal: o.normal.as_ref().map(|p| NormalInfo {
            sample: plan.inputs.info(n_samples).sample.clone(),
            path: p.display().to_string(),
        }),
        scan: plan.scan.clone(),
        samples,
        limitations: limitations(o, plan),
        warnings: Vec::new(),
    }
}

fn codon_triplets(codons: &[WatchCodon], reference: &Reference) -> Vec<[u8; 3]> {
    let mut out = Vec::new();
    let mut b = Vec::new();
    for c in codons {
        for &p in &c.positions {
            // the base before, the base, the base after
            let p = p.get();
            b.clear();
            if let Some(s) = reference.get(&c.chrom) {
                reference.fetch_into(s, p.saturating_sub(1), p + 2, &mut b);
            }
            out.push(if b.len() == 3 && p >= 1 {
                [b[0], b[1], b[2]]
            } else {
                [b'N'; 3]
            });
        }
    }
    out
}

fn limitations(o: &MonitorOptions, plan: &Plan) -> Vec<String> {
    let mut l = vec![
        "Only the baseline's somatic SNVs are tracked; indels, copy-number changes and fusions are not.".to_string(),
        "The MRD test assumes the tracked sites have the error rate of the background positions of the same substitution class and context in the same sample; an artifact specific to a tracked site (a paralog, a damaged position) can raise its false-positive rate.".to_string(),
        "The tumor fraction is the share of cell-free DNA from tumor cells at two copies, weighted by each variant's baseline clonality and copy number; tumor evolution since the baseline (lost clones) lowers it.".to_string(),
        "A negative result means no tumor DNA above the limit of detection, not its absence.".to_string(),
    ];
    if o.normal.is_none() {
        l.push("No white-cell normal: variants in clonal-haematopoiesis genes are left out of the MRD test and new ones are flagged possibly haematopoietic.".into());
    }
    if !plan.scan.assessed {
        l.push(format!("New variants: {}", plan.scan.note));
    }
    l
}
