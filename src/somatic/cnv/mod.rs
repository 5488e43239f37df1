//! Copy number from the one pass: bins, corrections, segmentation, purity/ploidy, calls.
//!
//! ```text
//! CnvObserver (per shard) ──▶ BinTable (added in genome order)
//!   ──▶ usable bins: N-, depth- and mappability-filtered, GC-corrected per sample
//!   ──▶ log2 tumor/reference ratio (matched normal, or a `pon` copy-number reference)
//!   ──▶ PELT segmentation of ratio + BAF, per contig          (segment)
//!   ──▶ purity/ploidy grid fit, identifiability               (fit)
//!   ──▶ absolute copy number, major/minor, calls, merged segments; genes (genes)
//! ```
//!
//! Pure: no file is opened here; `pipeline` hands in the table and writes the outputs.

pub mod bins;
pub mod external;
pub mod fit;
pub mod genes;
pub mod segment;

use std::collections::HashMap;

pub use bins::{BinLayout, BinTable, CnvObserver, CnvPartial, HetSite};
use fit::{best_major, copy_number, grid, ploidy_at, BafProfile, Noise, SegmentStats};
use segment::{diff_sd, median, pelt, Point};

use crate::types::cnv::{
    CnCall, CnCallBasis, CnFit, CnPoint, CnReferenceKind, CnSegment, CnvReference, CopyNumberResult,
};
use crate::types::{round, Pos0, Region};

/// Bin size when none is given: 1 kb up to 200 Mb of processed sequence (panels, exomes,
/// regions), 10 kb for whole genomes (about 300,000 bins for GRCh38).
pub(crate) fn auto_bin_size(total_bases: u64) -> u64 {
    if total_bases <= 200_000_000 {
        1_000
    } else {
        10_000
    }
}

/// Settings.
#[derive(Clone, Copy, Debug)]
pub struct CnvSettings {
    /// A gene or segment is amplified at copy number >= `amp_factor * ploidy` (PURPLE: 3).
    pub amp_factor: f64,
    /// PELT penalty per change point, times ln(bins).
    pub penalty: f64,
    /// Shortest segment (bins).
    pub min_bins: usize,
    /// Sites needed for a segment's BAF.
    pub min_het_sites: usize,
    /// Usable bins needed to assess copy number at all.
    pub min_usable_bins: usize,
    /// Lowest mappability (share of MAPQ >= min fragments) of a usable bin.
    pub min_mappability: f64,
}

impl Default for CnvSettings {
    fn default() -> Self {
        CnvSettings {
            amp_factor: 3.0,
            penalty: 3.0,
            min_bins: 3,
            min_het_sites: 10,
            min_usable_bins: 50,
            min_mappability: 0.75,
        }
    }
}

/// What the tumor's depth is compared with.
pub enum Reference<'a> {
    /// Sample `i` of the table (the matched normal).
    Sample(usize),
    /// A `pon` copy-number reference.
    Panel(&'a CnvReference),
}

/// Purity and ploidy chosen for absolute copy numbers, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct PurityChoice {
    /// Purity used.
    pub purity: Option<f64>,
    /// Ploidy used.
    pub ploidy: Option<f64>,
    /// Purity of the copy-number fit alone.
    pub cn_purity: Option<f64>,
    /// Whether that fit was identifiable.
    pub cn_identifiable: bool,
    /// Which estimate won.
    pub source: PuritySource,
    /// The somatic-VAF estimate the choice saw.
    pub vaf_purity: Option<f64>,
    /// Which SNVs it came from.
    pub vaf_scope: VafScope,
}

/// Which somatic SNVs a VAF purity estimate used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VafScope {
    /// Those in copy-neutral, allele-balanced segments.
    CopyNeutral,
    /// All of them.
    All,
}

/// Which purity estimate was used (the one enum of `results.json`).
pub use crate::types::results::PuritySource;

/// A usable bin after filtering and correction.
#[derive(Clone, Debug)]
struct Usable {
    bin: usize,
    r: f64,
    sites: Vec<(u32, u32)>,
}

/// Stratified correction by a covariate in [0, 1] (GC content, mappability): divides each value
/// by the median of its 1 % stratum (pooled with neighbours until 20 bins) relative to the
/// overall median. Zeros (bins without reads: not sequenced, or deleted) take no part in the
/// medians.
// METHOD: stratified median normalisation (as in CNVkit's and Benjamini & Speed 2012's
// bin-level GC correction, and HMMcopy's mappability correction); each sample is corrected on
// its own before the ratio is taken.
pub(crate) fn gc_correct(values: &mut [f64], gc: &[f64]) {
    let n = values.len();
    if n == 0 {
        return;
    }
    let mut strata: Vec<Vec<f64>> = vec![Vec::new(); 101];
    for (v, g) in values.iter().zip(gc) {
        if *v > 0.0 {
            strata[(g * 100.0).round().clamp(0.0, 100.0) as usize].push(*v);
        }
    }
    let mut all: Vec<f64> = values.iter().copied().filter(|v| *v > 0.0).collect();
    let nonzero = all.len();
    let global = median(&mut all);
    if global <= 0.0 {
        return;
    }
    let need = 20.min(nonzero);
    let mut factor = [1.0f64; 101];
    for (s, f) in factor.iter_mut().enumerate() {
        if strata[s].is_empty() {
            continue;
        }
        let mut k = 0usize;
        let mut pool: Vec<f64>;
        loop {
            pool = Vec::new();
            for stratum in &strata[s.saturating_sub(k)..=(s + k).min(100)] {
                pool.extend_from_slice(stratum);
            }
            if pool.len() >= need || k > 100 {
                break;
            }
            k += 1;
        }
        let m = median(&mut pool);
        if m > 0.0 {
            *f = m / global;
        }
    }
    for (v, g) in values.iter_mut().zip(gc) {
        *v /= factor[(g * 100.0).round().clamp(0.0, 100.0) as usize];
    }
}

/// Per-bin relative densities (GC-corrected, then corrected by the reference-derived
/// `mappability` when given; median 1) of `sample`, with the bins' mappability (the track's, else
/// the sample's share of MAPQ >= min fragments); None for bins without reference composition.
pub(crate) fn relative_density(
    layout: &BinLayout,
    table: &BinTable,
    sample: usize,
    mappability: Option<&[f64]>,
) -> Vec<Option<(f64, f64)>> {
    let mut idx = Vec::new();
    let mut val = Vec::new();
    let mut gcs = Vec::new();
    for (i, b) in layout.bins.iter().enumerate() {
        let (g, acgt) = table.gc[i];
        let len = b.len() as f64;
        if (acgt as f64) < 0.9 * len || acgt == 0 {
            continue;
        }
        idx.push(i);
        val.push(table.fragments(i, sample) as f64 / len);
        gcs.push(g as f64 / acgt as f64);
    }
    gc_correct(&mut val, &gcs);
    if let Some(track) = mappability {
        // only bins the track calls mappable enough take part (the rest are dropped later)
        let maps: Vec<f64> = idx.iter().map(|&i| track[i]).collect();
        let mut kept: Vec<f64> = val
            .iter()
            .zip(&maps)
            .map(|(v, m)| if *m >= 0.5 { *v } else { 0.0 })
            .collect();
        gc_correct(&mut kept, &maps);
        for ((v, k), m) in val.iter_mut().zip(kept).zip(&maps) {
            if *m >= 0.5 {
                *v = k;
            }
        }
    }
    let mut v: Vec<f64> = val.iter().copied().filter(|x| *x > 0.0).collect();
    let m = median(&mut v);
    let mut out = vec![None; layout.len()];
    for (k, &i) in idx.iter().enumerate() {
        let all = table.all_fragments(i, sample);
        let mappability = match mappability {
            Some(track) => track[i],
            None if all == 0 => 0.0,
            None => table.fragments(i, sample) as f64 / all as f64,
        };
        let d = if m > 0.0 { val[k] / m } else { 0.0 };
        out[i] = Some((d, mappability));
    }
    out
}

/// Everything `analyze` needs.
pub struct CnvInput<'a> {
    /// Bins.
    pub layout: &'a BinLayout,
    /// Counts.
    pub table: &'a BinTable,
    /// Reference depth.
    pub reference: Reference<'a>,
    /// Contig names by index.
    pub contig_names: &'a [String],
    /// The somatic-VAF purity estimate from the SNVs inside the given regions (all SNVs for
    /// None), when there are enough.
    pub vaf_purity: &'a dyn Fn(Option<&[Region]>) -> Option<f64>,
    /// Reference-derived mappability per bin (a `--mappability` track), when given.
    pub mappability: Option<&'a [f64]>,
    /// Settings.
    pub settings: CnvSettings,
    /// Copy-number changes the junctions imply (candidate segment boundaries).
    pub junctions: &'a [JunctionSpan],
    /// Threads for the per-contig segmentation (results do not depend on it).
    pub threads: usize,
}

/// A copy-number change a reported junction implies: one boundary at `lo` (`hi` None), or the
/// two ends `lo..hi` of a deletion or duplication (0-based bases).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JunctionSpan {
    /// Contig.
    pub contig: crate::types::ContigId,
    /// First boundary (the first base after it).
    pub lo: Pos0,
    /// Second boundary of a deletion or duplication.
    pub hi: Option<Pos0>,
    /// Standard errors by which the pieces' mean log2 ratios must differ for a split
    /// ([`JUNCTION_SPLIT_Z`] for a reported junction, [`CANDIDATE_SPLIT_Z`] for a candidate
    /// below the read-support thresholds).
    pub min_z: f64,
}

/// A reported junction splits a segment when the two sides' mean log2 ratios differ by this
/// many standard errors (bin noise / sqrt(bins)).
pub const JUNCTION_SPLIT_Z: f64 = 2.5;
/// The same for a deletion or duplication candidate below the read-support thresholds (its
/// reads alone do not make it a junction; the split and the reads together may).
pub const CANDIDATE_SPLIT_Z: f64 = 4.0;
/// Usable bins between a segment boundary and a junction's boundary for the segment boundary
/// to be kept when both sides get the same call (the uncertainty `sv_link` snaps within).
pub const JUNCTION_KEEP_BINS: usize = 2;

/// Per-bin mappability from a track of (interval, score in [0, 1]): the score-weighted share of
/// each bin the intervals cover.
pub(crate) fn bin_mappability(layout: &BinLayout, track: &[(Region, f64)]) -> Vec<f64> {
    let mut covered = vec![0.0f64; layout.len()];
    for (r, score) in track {
        for i in layout.overlapping(r.contig, r.start, r.end) {
            let b = &layout.bins[i];
            let ov = r.end.min(b.end).saturating_sub(r.start.max(b.start));
            covered[i] += ov as f64 * score;
        }
    }
    covered
        .iter()
        .zip(&layout.bins)
        .map(|(c, b)| (c / b.len().max(1) as f64).min(1.0))
        .collect()
}

/// Assessed copy number, or why not.
pub enum CnvOutcome {
    /// The result and the purity choice.
    Assessed(Box<CopyNumberResult>, PurityChoice),
    /// Why copy number could not be assessed.
    NotAssessed(String),
}

/// Runs the post-gather analysis: reference densities, usable bins, noise, segmentation,
/// the purity/ploidy fit, per-segment calls, warnings.
pub fn analyze(input: &CnvInput<'_>) -> CnvOutcome {
    let s = input.settings;
    let layout = input.layout;
    let (reference, kind) = reference_density(input);
    let tumor = relative_density(layout, input.table, 0, input.mappability);
    let mut usable = usable_bins(layout, input.table, &tumor, &reference, &s);
    if usable.len() < s.min_usable_bins {
        return CnvOutcome::NotAssessed(format!(
            "copy number not assessed: {} usable bins of {} (at least {} needed; the processed regions are too small or too shallow)",
            usable.len(),
            layout.len(),
            s.min_usable_bins
        ));
    }
    normalise_mean_ratio(&mut usable);
    let sigma_r = ratio_noise(&usable, layout);
    let (sigma_b, n_sites) = baf_noise(&usable);
    let seg = Segments {
        layout,
        usable: &usable,
        min_het_sites: s.min_het_sites,
    };
    let raw = seg.pelt_segments(sigma_r, sigma_b, &s, input.threads);
    let raw = seg.split_at_junctions(raw, sigma_r, input.junctions);
    let kept = seg.junction_boundaries(&raw, input.junctions);
    let seg_stats: Vec<SegmentStats> = raw.iter().map(|&(a, b)| seg.stats(a, b)).collect();
    let neutral = seg.copy_neutral_regions(&raw, &seg_stats);
    let neutral_vaf = (!neutral.is_empty())
        .then(|| (input.vaf_purity)(Some(&neutral)))
        .flatten();
    let (vaf_purity, vaf_scope) = match neutral_vaf {
        Some(p) => (Some(p), VafScope::CopyNeutral),
        None => ((input.vaf_purity)(None), VafScope::All),
    };
    let noise = Noise { sigma_r };
    let g = grid(&seg_stats, noise);
    let choice = choose_purity(&g, &seg_stats, noise, vaf_purity, vaf_scope);
    let (merged, states) = seg.merge_equal_calls(&raw, &kept, &seg_stats, &choice, &s);
    let segments: Vec<CnSegment> = merged
        .iter()
        .zip(&states)
        .map(|(&(a, b), st)| seg.record(a, b, st, &choice, (input.contig_names, &input.settings)))
        .collect();
    let warnings = cnv_warnings(&choice, sigma_r, &input.reference);
    let profile = downsample(&usable, layout, input.contig_names, 3000);
    let neutral: Vec<(u32, u64)> = segments
        .iter()
        .filter(|s| s.call == CnCall::Neutral)
        .filter_map(|s| Some((s.total_cn?, s.end - s.start)))
        .collect();
    let result = CopyNumberResult {
        reference: kind,
        method: "fragment counts per bin (MAPQ >= 20, one per pair, at the fragment midpoint), GC-stratified median correction per sample, log2 tumor/reference ratio, PELT segmentation of ratio and BAF, purity/ploidy grid fit (ASCAT/PURPLE model)".into(),
        bin_size: layout.size,
        bins_total: layout.len(),
        bins_used: usable.len(),
        het_sites: n_sites,
        noise: round(sigma_r, 4),
        purity: choice.purity.map(|p| round(p, 3)),
        ploidy: choice.ploidy.map(|p| round(p, 2)),
        fit: Some(CnFit {
            purity: round(g.best.purity, 3),
            ploidy: round(g.best.ploidy, 2),
            identifiable: g.identifiable,
            purity_range: (round(g.range.0, 2), round(g.range.1, 2)),
            genome_doubled_alternative: g
                .doubled
                .map(|d| (round(d.purity, 2), round(d.ploidy, 2))),
        }),
        amplification_threshold: round(s.amp_factor * choice.ploidy.unwrap_or(2.0), 2),
        neutral_log2_ratio: round(
            fit::neutral_log2(&neutral, choice.purity, choice.ploidy),
            4,
        ),
        segments,
        genes: Vec::new(),
        genes_evaluated: 0,
        profile,
        warnings,
        external: None,
    };
    CnvOutcome::Assessed(Box::new(result), choice)
}

/// The reference's relative density and mappability per bin: the matched normal's, or the
/// panel of normals' (by bin coordinates); a `--mappability` track overrides mappability.
fn reference_density(input: &CnvInput<'_>) -> (Vec<Option<(f64, f64)>>, CnReferenceKind) {
    let layout = input.layout;
    let (mut reference, kind) = match &input.reference {
        Reference::Sample(i) => (
            relative_density(layout, input.table, *i, input.mappability),
            CnReferenceKind::MatchedNormal,
        ),
        Reference::Panel(p) => {
            let map: HashMap<(&str, u64, u64), (f64, f64)> = p
                .bins
                .iter()
                .map(|(c, a, b, d, m)| ((c.as_str(), *a, *b), (*d, *m)))
                .collect();
            let per_bin = layout
                .bins
                .iter()
                .map(|b| {
                    let name = input.contig_names[b.contig.index()].as_str();
                    map.get(&(name, b.start, b.end)).copied()
                })
                .collect();
            (per_bin, CnReferenceKind::PanelOfNormals)
        }
    };
    if let Some(track) = input.mappability {
        // the reference-derived track decides mappability, whatever the reference's own reads say
        for (i, r) in reference.iter_mut().enumerate() {
            if let Some((_, m)) = r {
                *m = track[i];
            }
        }
    }
    (reference, kind)
}

/// The bins that take part: log2 tumor/reference ratio and the heterozygous sites (>= 8 reads)
/// of each.
fn usable_bins(
    layout: &BinLayout,
    table: &BinTable,
    tumor: &[Option<(f64, f64)>],
    reference: &[Option<(f64, f64)>],
    s: &CnvSettings,
) -> Vec<Usable> {
    let mut sites: Vec<Vec<(u32, u32)>> = vec![Vec::new(); layout.len()];
    for h in &table.het {
        if h.tumor_ref + h.tumor_alt >= 8 {
            sites[h.bin as usize].push((h.tumor_ref, h.tumor_alt));
        }
    }
    let mut usable: Vec<Usable> = Vec::new();
    for i in 0..layout.len() {
        let (Some((t, _)), Some((n, map))) = (tumor[i], reference[i]) else {
            continue;
        };
        // METHOD: a usable bin has reference depth within 0.3-3x of the median (not a
        // germline deletion, collapsed repeat or capture dropout) and mappability >= 0.75
        if !(0.3..=3.0).contains(&n) || map < s.min_mappability {
            continue;
        }
        let eps = 0.5 / layout.bins[i].len() as f64;
        usable.push(Usable {
            bin: i,
            r: ((t + eps) / n).log2(),
            sites: std::mem::take(&mut sites[i]),
        });
    }
    usable
}

/// Normalises the ratios to a mean linear ratio of 1 (the ploidy model's normalisation).
fn normalise_mean_ratio(usable: &mut [Usable]) {
    let mean = usable.iter().map(|u| 2f64.powf(u.r)).sum::<f64>() / usable.len() as f64;
    let shift = mean.log2();
    for u in usable {
        u.r -= shift;
    }
}

/// Ranges `[k, j)` of `usable` on one contig, in order.
fn contig_runs(usable: &[Usable], layout: &BinLayout) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut k = 0;
    while k < usable.len() {
        let c = layout.bins[usable[k].bin].contig;
        let mut j = k;
        while j < usable.len() && layout.bins[usable[j].bin].contig == c {
            j += 1;
        }
        runs.push((k, j));
        k = j;
    }
    runs
}

/// Bin-to-bin noise of the log2 ratio: the differences' SD per contig (contigs of >= 10 bins,
/// weighted by bins), at least 0.01.
fn ratio_noise(usable: &[Usable], layout: &BinLayout) -> f64 {
    let sds: Vec<(f64, usize)> = contig_runs(usable, layout)
        .into_iter()
        .filter(|(k, j)| j - k >= 10)
        .map(|(k, j)| {
            let rs: Vec<f64> = usable[k..j].iter().map(|u| u.r).collect();
            (diff_sd(&rs), j - k)
        })
        .collect();
    if sds.is_empty() {
        diff_sd(&usable.iter().map(|u| u.r).collect::<Vec<_>>())
    } else {
        sds.iter().map(|(s, n)| s * *n as f64).sum::<f64>()
            / sds.iter().map(|(_, n)| *n as f64).sum::<f64>()
    }
    .max(0.01)
}

/// Per-site BAF noise for the segmentation and the number of sites: at least the binomial SD
/// of an unfolded 0.5 at the sites' median depth (folding shrinks the spread of balanced sites,
/// not of imbalanced ones, so the folded spread alone would over-segment).
fn baf_noise(usable: &[Usable]) -> (f64, usize) {
    let site_mirrored: Vec<f64> = usable
        .iter()
        .flat_map(|u| u.sites.iter())
        .map(|&(r, a)| r.max(a) as f64 / (r + a) as f64)
        .collect();
    let n_sites = site_mirrored.len();
    let mut depths: Vec<f64> = usable
        .iter()
        .flat_map(|u| u.sites.iter())
        .map(|&(r, a)| (r + a) as f64)
        .collect();
    let binomial = 0.5 / median(&mut depths).max(1.0).sqrt();
    let sigma_b = if n_sites >= 20 {
        diff_sd(&site_mirrored).max(binomial)
    } else {
        binomial.max(0.1)
    };
    (sigma_b, n_sites)
}

/// The purity and ploidy used: the fit when identifiable; else the fit's solution nearest the
/// somatic-VAF estimate; else the VAF estimate itself; else none.
fn choose_purity(
    g: &fit::GridFit,
    seg_stats: &[SegmentStats],
    noise: Noise,
    vaf_purity: Option<f64>,
    vaf_scope: VafScope,
) -> PurityChoice {
    let choice = |purity: Option<f64>, ploidy: Option<f64>, source| PurityChoice {
        purity,
        ploidy,
        cn_purity: Some(g.best.purity),
        cn_identifiable: source == PuritySource::CopyNumberFit,
        source,
        vaf_purity,
        vaf_scope,
    };
    if g.identifiable {
        return choice(
            Some(g.best.purity),
            Some(g.best.ploidy),
            PuritySource::CopyNumberFit,
        );
    }
    // METHOD: when several purities fit the profile equally well (e.g. purity 0.5 diploid
    // and purity 1.0 tetraploid with one more copy of each allele), the local optimum of
    // the fit nearest the somatic-VAF estimate (within 0.15 and 35 % of it, and fitting
    // clearly better than the estimate itself) is taken: the VAF chooses
    // among the profile's exact solutions instead of replacing them
    if let Some(sel) = vaf_purity.and_then(|v| fit::nearest_solution(g, v, (0.35 * v).min(0.15))) {
        return choice(
            Some(sel.purity),
            Some(sel.ploidy),
            PuritySource::CopyNumberFitVafSelected,
        );
    }
    match vaf_purity {
        Some(p) => {
            let p = p.clamp(0.1, 1.0);
            choice(
                Some(p),
                Some(ploidy_at(seg_stats, p, noise)),
                PuritySource::VafPeak,
            )
        }
        None => choice(None, None, PuritySource::None),
    }
}

/// The call of a segment: integer copy numbers at the chosen purity/ploidy, or, when the
/// purity is unknown, a call from the depth ratio alone.
fn call_state(st: &SegmentStats, choice: &PurityChoice, s: &CnvSettings) -> CallState {
    let (Some(p), Some(psi)) = (choice.purity, choice.ploidy) else {
        return CallState {
            total: None,
            major: None,
            minor: None,
            call: depth_ratio_call(st.r, s.amp_factor),
        };
    };
    let n = copy_number(st.r, p, psi);
    let k = n.round().max(0.0) as u32;
    let (major, minor) = match &st.baf {
        // a single copy is one allele, whatever the sites show
        _ if k == 1 => (Some(1), Some(0)),
        Some(b) if k >= 1 => {
            let m = best_major(b.ml, k, p);
            (Some(m), Some(k - m))
        }
        _ => (None, None),
    };
    CallState {
        total: Some(k),
        major,
        minor,
        call: ploidy_call(n, psi, s.amp_factor),
    }
}

/// The call of a log2 depth ratio `r` when the purity is unknown (basis
/// [`CnCallBasis::DepthRatio`]): 2 x ratio is a lower bound of the copy number at any purity,
/// so amplification needs ratio >= `amp_factor` (copy number >= 2 x `amp_factor`); gain above
/// log2 0.2, loss below -0.25.
pub fn depth_ratio_call(r: f64, amp_factor: f64) -> CnCall {
    if 2.0 * 2f64.powf(r) >= 2.0 * amp_factor {
        CnCall::Amplification
    } else if r > 0.2 {
        CnCall::Gain
    } else if r < -0.25 {
        CnCall::Loss
    } else {
        CnCall::Neutral
    }
}

/// METHOD: the call of an absolute copy number `n` against the tumor's ploidy `psi` (basis
/// [`CnCallBasis::FittedPloidy`]): neutral = the integer copy numbers within 0.7 of the
/// ploidy (2 for a diploid tumor, 2 and 3 at ploidy 2.5); gain/loss above/below;
/// amplification from `amp_factor` x ploidy (PURPLE); deep deletion below 0.5 copies.
pub fn ploidy_call(n: f64, psi: f64, amp_factor: f64) -> CnCall {
    let k = n.round().max(0.0);
    if n < 0.5 {
        CnCall::DeepDeletion
    } else if n >= amp_factor * psi {
        CnCall::Amplification
    } else if (k - psi).abs() < 0.7 {
        CnCall::Neutral
    } else if k > psi {
        CnCall::Gain
    } else {
        CnCall::Loss
    }
}

/// METHOD: the call against two copies (a normal cell), from the absolute copy number `n`:
/// below 0.5 deep deletion, from `amp` amplification, else the rounded copy number against 2.
pub fn absolute_call(n: f64, amp: f64) -> CnCall {
    let k = n.round();
    if n < 0.5 {
        CnCall::DeepDeletion
    } else if n >= amp {
        CnCall::Amplification
    } else if k < 2.0 {
        CnCall::Loss
    } else if k > 2.0 {
        CnCall::Gain
    } else {
        CnCall::Neutral
    }
}

/// What the copy-number block warns about.
fn cnv_warnings(choice: &PurityChoice, sigma_r: f64, reference: &Reference<'_>) -> Vec<String> {
    let mut warnings = Vec::new();
    if choice.purity.is_none() {
        warnings.push("absolute copy number not estimated: the copy-number profile does not determine the purity and no somatic-VAF purity is available; amplification is called only where the depth ratio alone proves copy number >= 6 (ratio >= 3)".into());
    }
    if let Some(p) = choice.purity {
        if p < crate::somatic::biomarkers::LOW_PURITY {
            warnings.push(format!("tumor purity {p:.2} is below {:.2}: losses, deep deletions and LOH are hard to see and may be missed; amplifications of few copies may be missed", crate::somatic::biomarkers::LOW_PURITY));
        }
    }
    if sigma_r > 0.35 {
        warnings.push(format!(
            "noisy copy-number profile (bin-to-bin log2 SD {sigma_r:.2}): small segments are unreliable"
        ));
    }
    if matches!(reference, Reference::Panel(_)) {
        warnings.push("copy number against a panel-of-normals reference (no matched normal): germline copy-number variants appear as somatic; BAF from the tumor's own heterozygous-looking sites, so LOH is not assessed".into());
    }
    warnings
}

/// The usable bins and the segments over them (`[from, to)` ranges of `usable`).
struct Segments<'a> {
    layout: &'a BinLayout,
    usable: &'a [Usable],
    min_het_sites: usize,
}

impl Segments<'_> {
    /// PELT segmentation of ratio and BAF, per contig. Contigs are independent, so they are
    /// segmented on `threads` threads, longest first, and joined in contig order: the segments
    /// do not depend on the thread count.
    fn pelt_segments(
        &self,
        sigma_r: f64,
        sigma_b: f64,
        s: &CnvSettings,
        threads: usize,
    ) -> Vec<(usize, usize)> {
        let penalty = s.penalty * (self.usable.len() as f64).ln();
        let mut runs = contig_runs(self.usable, self.layout);
        // PELT without change points costs ~bins^2: start the longest contigs first
        runs.sort_by_key(|&(k, j)| (std::cmp::Reverse(j - k), k));
        let one = |&(k, j): &(usize, usize)| {
            let pts: Vec<Point> = self.usable[k..j]
                .iter()
                .map(|u| {
                    let w = u.sites.len() as f64;
                    let b = if u.sites.is_empty() {
                        0.0
                    } else {
                        u.sites
                            .iter()
                            .map(|&(r, a)| r.max(a) as f64 / (r + a) as f64)
                            .sum::<f64>()
                            / w
                    };
                    Point { r: u.r, b, w }
                })
                .collect();
            let mut from = k;
            let mut segs = Vec::new();
            for e in pelt(&pts, sigma_r, sigma_b, penalty, s.min_bins) {
                segs.push((from, k + e));
                from = k + e;
            }
            segs
        };
        let per_contig = crate::engine::parallel::map_in_order(threads, &runs, one);
        let mut raw: Vec<(usize, usize)> = per_contig.into_iter().flatten().collect();
        raw.sort_unstable();
        raw
    }

    /// Mean ratio, size and BAF profile of `usable[a..b]`.
    fn stats(&self, a: usize, b: usize) -> SegmentStats {
        let part = &self.usable[a..b];
        let all_sites: Vec<(u32, u32)> = part.iter().flat_map(|u| u.sites.clone()).collect();
        let baf = if all_sites.len() >= self.min_het_sites {
            BafProfile::new(&all_sites)
        } else {
            None
        };
        SegmentStats {
            r: part.iter().map(|u| u.r).sum::<f64>() / part.len() as f64,
            bins: part.len(),
            len: part.iter().map(|u| self.layout.bins[u.bin].len()).sum(),
            baf,
        }
    }

    fn span(&self, a: usize, b: usize) -> Region {
        let bins = &self.layout.bins;
        Region {
            contig: bins[self.usable[a].bin].contig,
            start: bins[self.usable[a].bin].start,
            end: bins[self.usable[b - 1].bin].end,
        }
    }

    /// METHOD: junctions as candidate boundaries (as PURPLE uses structural-variant breakends):
    /// a deletion or duplication whose two ends fall inside one segment splits out its
    /// interior, and a single breakend splits a segment, when the pieces' mean log2 ratios
    /// differ by the span's `min_z` standard errors (each piece >= 2 bins): 2.5 for a reported
    /// junction, 4 for a deletion or duplication candidate below the read-support thresholds.
    /// PELT's penalty is for changes anywhere; a junction says where one is, so a smaller step
    /// is enough there (a one-copy loss of 20 kb at purity 0.3).
    fn split_at_junctions(
        &self,
        mut raw: Vec<(usize, usize)>,
        sigma_r: f64,
        spans: &[JunctionSpan],
    ) -> Vec<(usize, usize)> {
        let mean = |a: usize, b: usize| -> f64 {
            self.usable[a..b].iter().map(|u| u.r).sum::<f64>() / (b - a).max(1) as f64
        };
        let z = |m1: f64, n1: usize, m2: f64, n2: usize| -> f64 {
            (m1 - m2).abs() / (sigma_r.max(1e-6) * (1.0 / n1 as f64 + 1.0 / n2 as f64).sqrt())
        };
        for sp in spans {
            let at = |x: Pos0| -> Option<(usize, usize)> {
                let k = self.usable.partition_point(|u| {
                    let b = &self.layout.bins[u.bin];
                    (b.contig, (b.start + b.end) / 2) < (sp.contig, x.get())
                });
                let i = raw.iter().position(|&(a, b)| {
                    self.contig_of(a) == sp.contig && a + 2 <= k && k + 2 <= b
                })?;
                Some((i, k))
            };
            match (at(sp.lo), sp.hi.and_then(at)) {
                (Some((i, ka)), Some((j, kb))) if i == j && ka + 2 <= kb => {
                    let (a, b) = raw[i];
                    let n_out = (ka - a) + (b - kb);
                    let m_out = (mean(a, ka) * (ka - a) as f64 + mean(kb, b) * (b - kb) as f64)
                        / n_out as f64;
                    if z(mean(ka, kb), kb - ka, m_out, n_out) >= sp.min_z {
                        raw.splice(i..=i, [(a, ka), (ka, kb), (kb, b)]);
                    }
                }
                (x, y) => {
                    for (i, k) in [x, y].into_iter().flatten() {
                        // an earlier split may have moved the segment
                        let Some(i) = raw
                            .iter()
                            .skip(i.saturating_sub(2))
                            .position(|&(a, b)| a + 2 <= k && k + 2 <= b)
                            .map(|p| p + i.saturating_sub(2))
                        else {
                            continue;
                        };
                        let (a, b) = raw[i];
                        if z(mean(a, k), k - a, mean(k, b), b - k) >= sp.min_z {
                            raw.splice(i..=i, [(a, k), (k, b)]);
                        }
                    }
                }
            }
        }
        raw
    }

    /// METHOD: a segment boundary within [`JUNCTION_KEEP_BINS`] usable bins of a junction's
    /// boundary (placed there by `split_at_junctions`, or found by PELT beside it) is kept even
    /// when the segments on both sides round to the same call: the junction says the copy
    /// number changes there (a one-copy gain at purity 0.3 reads 2.3 copies, `neutral` against
    /// a diploid ploidy), and the two segments keep their own log2 ratio and copy number.
    /// Returns the usable-bin index each kept boundary starts a segment at.
    fn junction_boundaries(&self, raw: &[(usize, usize)], spans: &[JunctionSpan]) -> Vec<usize> {
        let mut kept = Vec::new();
        for sp in spans {
            for x in std::iter::once(sp.lo).chain(sp.hi) {
                let k = self.usable.partition_point(|u| {
                    let b = &self.layout.bins[u.bin];
                    (b.contig, (b.start + b.end) / 2) < (sp.contig, x.get())
                });
                kept.extend(raw.iter().skip(1).map(|&(a, _)| a).filter(|&a| {
                    a.abs_diff(k) <= JUNCTION_KEEP_BINS && self.contig_of(a) == sp.contig
                }));
            }
        }
        kept.sort_unstable();
        kept.dedup();
        kept
    }

    fn contig_of(&self, a: usize) -> crate::types::ContigId {
        self.layout.bins[self.usable[a].bin].contig
    }

    /// METHOD: the somatic-VAF purity is taken from SNVs in copy-neutral, allele-balanced
    /// segments (the modal depth ratio, BAF <= 0.56): there a clonal heterozygous mutation sits
    /// at purity / 2, whatever the amplifications and losses elsewhere.
    fn copy_neutral_regions(
        &self,
        raw: &[(usize, usize)],
        seg_stats: &[SegmentStats],
    ) -> Vec<Region> {
        let balanced: Vec<usize> = (0..raw.len())
            .filter(|&i| seg_stats[i].baf.as_ref().is_some_and(|b| b.ml <= 0.56))
            .collect();
        if balanced.is_empty() {
            return Vec::new();
        }
        let mut w: Vec<(f64, u64)> = balanced
            .iter()
            .map(|&i| (seg_stats[i].r, seg_stats[i].len))
            .collect();
        w.sort_by(|a, b| a.0.total_cmp(&b.0));
        let half = w.iter().map(|x| x.1).sum::<u64>() / 2;
        let mut acc = 0;
        let modal = w
            .iter()
            .find(|x| {
                acc += x.1;
                acc >= half
            })
            .map(|x| x.0)
            .unwrap_or(0.0);
        balanced
            .iter()
            .filter(|&&i| (seg_stats[i].r - modal).abs() <= 0.1)
            .map(|&i| self.span(raw[i].0, raw[i].1))
            .collect()
    }

    /// Calls per raw segment; adjacent segments of one contig with the same call are merged
    /// and their call re-derived from the merged statistics.
    fn merge_equal_calls(
        &self,
        raw: &[(usize, usize)],
        kept: &[usize],
        seg_stats: &[SegmentStats],
        choice: &PurityChoice,
        s: &CnvSettings,
    ) -> (Vec<(usize, usize)>, Vec<CallState>) {
        let mut merged: Vec<(usize, usize)> = Vec::new();
        let mut states: Vec<CallState> = Vec::new();
        for (i, &(a, b)) in raw.iter().enumerate() {
            let st = call_state(&seg_stats[i], choice, s);
            if let (Some(&(pa, pb)), Some(last)) = (merged.last(), states.last()) {
                let same = self.contig_of(pa) == self.contig_of(a) && pb == a && *last == st;
                if same && kept.binary_search(&a).is_err() {
                    *merged.last_mut().expect("non-empty") = (pa, b);
                    *states.last_mut().expect("non-empty") =
                        call_state(&self.stats(pa, b), choice, s);
                    continue;
                }
            }
            merged.push((a, b));
            states.push(st);
        }
        (merged, states)
    }

    /// The `results.json` segment of `usable[a..b]`.
    fn record(
        &self,
        a: usize,
        b: usize,
        st: &CallState,
        choice: &PurityChoice,
        (contig_names, settings): (&[String], &CnvSettings),
    ) -> CnSegment {
        let ss = self.stats(a, b);
        let first = &self.layout.bins[self.usable[a].bin];
        let last = &self.layout.bins[self.usable[b - 1].bin];
        let n = match (choice.purity, choice.ploidy) {
            (Some(p), Some(psi)) => Some(round(copy_number(ss.r, p, psi), 2)),
            _ => None,
        };
        let het_sites = ss
            .baf
            .as_ref()
            .map(|b| b.sites as u32)
            .unwrap_or_else(|| self.usable[a..b].iter().map(|u| u.sites.len() as u32).sum());
        CnSegment {
            chrom: contig_names[first.contig.index()].clone(),
            start: Pos0::new(first.start),
            end: Pos0::new(last.end),
            bins: ss.bins as u32,
            log2_ratio: round(ss.r, 4),
            baf: ss.baf.as_ref().map(|b| round(b.ml, 3)),
            het_sites,
            copy_number: n,
            total_cn: st.total,
            major_cn: st.major,
            minor_cn: st.minor,
            call: st.call,
            call_basis: if n.is_some() {
                CnCallBasis::FittedPloidy
            } else {
                CnCallBasis::DepthRatio
            },
            absolute_call: match (n, choice.ploidy) {
                (Some(n), Some(psi)) => Some(absolute_call(n, settings.amp_factor * psi)),
                _ => None,
            },
            loh: st.minor == Some(0) && st.total.unwrap_or(0) >= 1,
            start_junction: None,
            end_junction: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CallState {
    total: Option<u32>,
    major: Option<u32>,
    minor: Option<u32>,
    call: CnCall,
}

fn downsample(
    usable: &[Usable],
    layout: &BinLayout,
    names: &[String],
    max_points: usize,
) -> Vec<CnPoint> {
    let group = usable.len().div_ceil(max_points.max(1)).max(1);
    let mut out = Vec::new();
    let mut k = 0;
    while k < usable.len() {
        let c = layout.bins[usable[k].bin].contig;
        let mut j = k;
        while j < usable.len() && j - k < group && layout.bins[usable[j].bin].contig == c {
            j += 1;
        }
        let part = &usable[k..j];
        let mut rs: Vec<f64> = part.iter().map(|u| u.r).collect();
        let sites: Vec<f64> = part
            .iter()
            .flat_map(|u| u.sites.iter())
            .map(|&(r, a)| r.max(a) as f64 / (r + a) as f64)
            .collect();
        let first = &layout.bins[part[0].bin];
        let last = &layout.bins[part[part.len() - 1].bin];
        out.push(CnPoint {
            chrom: names[c.index()].clone(),
            pos: Pos0::new((first.start + last.end) / 2),
            log2_ratio: round(median(&mut rs), 3),
            baf: (!sites.is_empty())
                .then(|| round(sites.iter().sum::<f64>() / sites.len() as f64, 3)),
        });
        k = j;
    }
    out
}

/// The tumor copy number at a position from the copy-number segments (None outside them or
/// where the segment has no integer copy numbers).
pub(crate) fn local_copy_number(
    segments: &[crate::types::cnv::CnSegment],
    chrom: &str,
    pos: Pos0,
) -> Option<crate::somatic::germline::LocalCn> {
    let s = segments
        .iter()
        .find(|s| s.chrom == chrom && s.span().contains(pos))?;
    let (total, minor) = (s.total_cn?, s.minor_cn?);
    (total > 0).then_some(crate::somatic::germline::LocalCn {
        total,
        minor: minor.min(total),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gc_correction_removes_a_linear_gc_bias() {
        let gc: Vec<f64> = (0..1000)
            .map(|i| 0.3 + 0.4 * (i % 100) as f64 / 100.0)
            .collect();
        let mut v: Vec<f64> = gc.iter().map(|g| 100.0 * (0.5 + g)).collect();
        gc_correct(&mut v, &gc);
        let spread = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
            - v.iter().cloned().fold(f64::INFINITY, f64::min);
        assert!(spread < 1.0, "spread {spread}");
    }

    use crate::types::ContigId;

    /// Two contigs of 100 bins of 1 kb each.
    fn layout() -> BinLayout {
        let regions: Vec<Region> = (0..2)
            .map(|c| Region {
                contig: ContigId::new(c),
                start: 0,
                end: 100_000,
            })
            .collect();
        BinLayout::new(&regions, 2, 1000, &[])
    }

    fn usable(rs: &[f64]) -> Vec<Usable> {
        rs.iter()
            .enumerate()
            .map(|(bin, &r)| Usable {
                bin,
                r,
                sites: Vec::new(),
            })
            .collect()
    }

    #[test]
    fn ratios_are_normalised_to_a_mean_linear_ratio_of_one() {
        let mut u = usable(&[0.0, 1.0, 0.0, 1.0]);
        normalise_mean_ratio(&mut u);
        let mean = u.iter().map(|x| 2f64.powf(x.r)).sum::<f64>() / 4.0;
        assert!((mean - 1.0).abs() < 1e-12);
        assert!(
            (u[1].r - u[0].r - 1.0).abs() < 1e-12,
            "differences are kept"
        );
    }

    #[test]
    fn noise_is_the_bin_to_bin_spread_per_contig() {
        let l = layout();
        // noise on contig 0 (a fixed pseudo-random series), flat 2.0 on contig 1: the step
        // between the contigs is not noise, and each contig weighs by its bins
        let mut x = 12345u64;
        let rs: Vec<f64> = (0..200)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if i < 100 {
                    (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5
                } else {
                    2.0
                }
            })
            .collect();
        let sd = ratio_noise(&usable(&rs), &l);
        let first = diff_sd(&rs[..100]);
        assert!(first > 0.1, "{first}");
        assert!((sd - first * 100.0 / 200.0).abs() < 1e-9, "{sd} {first}");
        assert_eq!(ratio_noise(&usable(&[0.0; 200]), &l), 0.01, "floor");
    }

    #[test]
    fn baf_noise_is_at_least_binomial() {
        // 30 balanced sites at depth 100: at least 0.5/sqrt(100)
        let mut u = usable(&[0.0; 3]);
        for x in &mut u {
            x.sites = vec![(50, 50); 10];
        }
        let (sd, n) = baf_noise(&u);
        assert_eq!(n, 30);
        assert!((sd - 0.05).abs() < 1e-12, "{sd}");
        // few sites: at least 0.1
        u.truncate(1);
        assert_eq!(baf_noise(&u), (0.1, 10));
    }

    fn stats(r: f64, baf: Option<f64>) -> SegmentStats {
        SegmentStats {
            r,
            bins: 10,
            len: 10_000,
            baf: baf.and_then(|f| {
                let d = 200u32;
                let a = (f * d as f64).round() as u32;
                BafProfile::new(&vec![(d - a, a); 40])
            }),
        }
    }

    #[test]
    fn segment_calls_follow_copy_number_at_the_fitted_purity() {
        let s = CnvSettings::default();
        let fit = |p: f64, psi: f64| PurityChoice {
            purity: Some(p),
            ploidy: Some(psi),
            cn_purity: Some(p),
            cn_identifiable: true,
            source: PuritySource::CopyNumberFit,
            vaf_purity: None,
            vaf_scope: VafScope::All,
        };
        let c = fit(1.0, 2.0);
        // at purity 1 and ploidy 2, log2(n/2) for n copies
        assert_eq!(
            call_state(&stats(0.0, Some(0.5)), &c, &s).call,
            CnCall::Neutral
        );
        let one = call_state(&stats((1f64 / 2.0).log2(), Some(1.0)), &c, &s);
        assert_eq!(
            (one.call, one.total, one.minor),
            (CnCall::Loss, Some(1), Some(0))
        );
        let amp = call_state(&stats((8f64 / 2.0).log2(), None), &c, &s);
        assert_eq!((amp.call, amp.total), (CnCall::Amplification, Some(8)));
        assert_eq!(
            call_state(&stats(-6.0, None), &c, &s).call,
            CnCall::DeepDeletion
        );
        // copy-neutral LOH: two copies, BAF 1
        let loh = call_state(&stats(0.0, Some(1.0)), &c, &s);
        assert_eq!(
            (loh.call, loh.major, loh.minor),
            (CnCall::Neutral, Some(2), Some(0))
        );
        // purity unknown: the depth ratio alone
        let none = PurityChoice {
            purity: None,
            ploidy: None,
            ..c
        };
        assert_eq!(call_state(&stats(0.3, None), &none, &s).call, CnCall::Gain);
        assert_eq!(call_state(&stats(-0.3, None), &none, &s).call, CnCall::Loss);
        assert_eq!(
            call_state(&stats(0.0, None), &none, &s).call,
            CnCall::Neutral
        );
        assert_eq!(
            call_state(&stats(1.6, None), &none, &s).call,
            CnCall::Amplification
        );
    }

    #[test]
    fn calls_say_gain_against_the_ploidy_and_against_two_copies() {
        // (copy number, call against ploidy 2.4, call against two copies)
        let choice = |psi: f64| PurityChoice {
            purity: Some(1.0),
            ploidy: Some(psi),
            cn_purity: Some(1.0),
            cn_identifiable: true,
            source: PuritySource::None,
            vaf_purity: None,
            vaf_scope: VafScope::All,
        };
        let s = CnvSettings::default();
        let cases: [(f64, f64, CnCall, CnCall); 8] = [
            (2.4, 3.0, CnCall::Neutral, CnCall::Gain),
            (2.4, 2.0, CnCall::Neutral, CnCall::Neutral),
            (2.4, 1.0, CnCall::Loss, CnCall::Loss),
            (2.4, 5.0, CnCall::Gain, CnCall::Gain),
            (2.4, 7.5, CnCall::Amplification, CnCall::Amplification),
            (2.4, 0.2, CnCall::DeepDeletion, CnCall::DeepDeletion),
            (2.0, 3.0, CnCall::Gain, CnCall::Gain),
            (3.6, 2.0, CnCall::Loss, CnCall::Neutral),
        ];
        for (psi, n, relative, absolute) in cases {
            // purity 1: the ratio is n / ploidy
            let st = call_state(&stats((n / psi).log2(), None), &choice(psi), &s);
            assert_eq!(st.call, relative, "CN {n} at ploidy {psi}");
            assert_eq!(
                absolute_call(n, s.amp_factor * psi),
                absolute,
                "CN {n} against two copies"
            );
        }
    }

    #[test]
    fn adjacent_segments_with_one_call_merge_within_a_contig_only() {
        let l = layout();
        let u = usable(&[0.0; 200]);
        let seg = Segments {
            layout: &l,
            usable: &u,
            min_het_sites: 10,
        };
        let raw = [(0, 40), (40, 100), (100, 150), (150, 200)];
        let st: Vec<SegmentStats> = raw.iter().map(|&(a, b)| seg.stats(a, b)).collect();
        let none = PurityChoice {
            purity: None,
            ploidy: None,
            cn_purity: None,
            cn_identifiable: false,
            source: PuritySource::None,
            vaf_purity: None,
            vaf_scope: VafScope::All,
        };
        let (merged, states) =
            seg.merge_equal_calls(&raw, &[], &st, &none, &CnvSettings::default());
        assert_eq!(merged, [(0, 100), (100, 200)]);
        // a boundary at a junction stays, whatever the calls on its sides
        let (kept_merged, _) =
            seg.merge_equal_calls(&raw, &[40], &st, &none, &CnvSettings::default());
        assert_eq!(kept_merged, [(0, 40), (40, 100), (100, 200)]);
        // which boundaries a junction keeps: within 2 bins of its boundary, on its contig
        let span = |c: usize, lo: u64, hi: Option<u64>| JunctionSpan {
            contig: ContigId::new(c),
            lo: Pos0::new(lo),
            hi: hi.map(Pos0::new),
            min_z: JUNCTION_SPLIT_Z,
        };
        assert_eq!(
            seg.junction_boundaries(&raw, &[span(0, 41_600, None)]),
            [40]
        );
        assert_eq!(
            seg.junction_boundaries(&raw, &[span(0, 44_000, None)]),
            Vec::<usize>::new()
        );
        assert_eq!(
            seg.junction_boundaries(&raw, &[span(0, 39_000, Some(98_500))]),
            [40]
        );
        assert_eq!(
            seg.junction_boundaries(&raw, &[span(1, 40_000, None)]),
            Vec::<usize>::new(),
            "another contig"
        );
        assert!(states.iter().all(|s| s.call == CnCall::Neutral));
        let names = ["chrA".to_string(), "chrB".to_string()];
        let rec = seg.record(0, 100, &states[0], &none, (&names, &CnvSettings::default()));
        assert_eq!(
            (rec.chrom.as_str(), rec.start.get(), rec.end.get(), rec.bins),
            ("chrA", 0, 100_000, 100)
        );
    }
}
