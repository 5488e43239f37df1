//! After the pass: each sample's block of `monitor.json` from its molecule counts — the white
//! cells' verdict on tracked variants, the call, and the new variants at watched codons.

use std::collections::HashMap;

use crate::clinical::annotate::Annotator;
use crate::clinical::monitoring::{interpret, is_ch_gene, WatchCodon};
use crate::somatic::mrd::assess::{
    background_summary, call, variant_rows, CallSettings, TrackedSite,
};
use crate::somatic::mrd::background::{sub_class, Background};
use crate::somatic::mrd::model::poisson_tail;
use crate::somatic::mrd::observer::{SampleShard, TargetCounts};
use crate::types::monitor::{
    MonitorSample, MonitorSettings, NewVariant, TrackedStatus, UmiMode, UmiSummary,
};

/// Molecules the white-cell normal needs at a site to show a variant absent.
pub(crate) const MIN_NORMAL_FAMILIES: u64 = 100;
/// METHOD: a variant is in the white cells when the normal has at least 2 alt molecules and
/// their count is unlikely from its background (Poisson upper tail below this).
pub(crate) const NORMAL_PRESENT_P: f64 = 0.001;
/// METHOD: a new variant must pass a Bonferroni-corrected one-sided test against the
/// background at this family-wise level (over every base and alt of the watched codons).
pub(crate) const NEW_VARIANT_FWER: f64 = 0.01;

/// What the white-cell normal says about a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WhiteCells {
    /// No normal, or too few molecules there.
    Unknown,
    /// Enough molecules, no evidence of the allele.
    Absent,
    /// The allele is there (`alt` molecules).
    Present(u64),
}

fn code(b: u8) -> usize {
    match b {
        b'A' => 0,
        b'C' => 1,
        b'G' => 2,
        _ => 3,
    }
}

/// The white cells' verdict on `alt` at a site with reference triplet `tri`.
pub(crate) fn white_cells(
    normal: Option<(&HashMap<u32, TargetCounts>, &Background)>,
    id: u32,
    tri: [u8; 3],
    alt: u8,
) -> WhiteCells {
    let Some((counts, bg)) = normal else {
        return WhiteCells::Unknown;
    };
    let c = counts.get(&id).cloned().unwrap_or_default();
    let n: u64 = c.counts.iter().map(|&x| x as u64).sum();
    let a = c.counts[code(alt)] as u64;
    let e = sub_class(tri, alt)
        .map(|k| bg.rate(k))
        .unwrap_or(bg.overall_rate());
    if a >= 2 && poisson_tail(n as f64 * e, a) < NORMAL_PRESENT_P {
        WhiteCells::Present(a)
    } else if n >= MIN_NORMAL_FAMILIES {
        WhiteCells::Absent
    } else {
        WhiteCells::Unknown
    }
}

/// The tracked sites with the white cells' exclusions (the same for every sample).
pub(crate) fn apply_white_cells(
    sites: &[TrackedSite],
    normal: Option<(&HashMap<u32, TargetCounts>, &Background)>,
) -> Vec<TrackedSite> {
    sites
        .iter()
        .map(|s| {
            let mut s = s.clone();
            if s.excluded.is_some() {
                return s;
            }
            let wc = white_cells(normal, s.id, s.tri, s.alt_base);
            let ch = s.gene.as_deref().is_some_and(is_ch_gene);
            s.excluded = match wc {
                WhiteCells::Present(_) => Some(TrackedStatus::InWhiteCells),
                WhiteCells::Unknown if ch => Some(TrackedStatus::PossiblyHaematopoietic),
                _ => None,
            };
            s
        })
        .collect()
}

/// The UMI block.
pub(crate) fn umi_summary(mode: UmiMode, shard: &SampleShard, tag: &str) -> UmiSummary {
    let s = &shard.stats;
    let note = match mode {
        UmiMode::Tag => format!("UMIs from the {tag} tag; families grouped by UMI-tools' directional method"),
        UmiMode::ReadName => "UMIs from the read names; families grouped by UMI-tools' directional method".into(),
        UmiMode::Coordinates => format!("no UMIs ({tag} absent): fragments with the same ends (what duplicate marking groups) are taken as one family; distinct molecules with the same ends are merged and errors of single reads are not corrected, so the background is higher and the limit of detection worse than with UMIs"),
    };
    UmiSummary {
        mode,
        families: s.families,
        molecules: s.molecules,
        mean_family_size: if s.families > 0 {
            s.read_pairs as f64 / s.families as f64
        } else {
            0.0
        },
        singleton_fraction: if s.families > 0 {
            s.singletons as f64 / s.families as f64
        } else {
            0.0
        },
        duplex_families: s.duplex,
        read_pairs: s.read_pairs,
        note,
    }
}

/// The clinical context of new findings.
pub(crate) struct NewVariantContext<'a> {
    /// Watched codons; their target ids start at `first_id`.
    pub codons: &'a [WatchCodon],
    /// Id of the first codon base.
    pub first_id: u32,
    /// Reference triplets of the codon bases (3 per codon).
    pub tri: &'a [[u8; 3]],
    /// Annotator over the transcript models.
    pub annotator: &'a Annotator<'a>,
    /// Knowledge base.
    pub kb: &'a crate::clinical::kb::Kb,
    /// OncoTree.
    pub tree: &'a crate::clinical::oncotree::OncoTree,
    /// Cancer type.
    pub cancer: Option<&'a str>,
}

/// New variants of one sample at the watched codons.
pub(crate) fn new_variants(
    ctx: &NewVariantContext<'_>,
    counts: &HashMap<u32, TargetCounts>,
    bg: &Background,
    normal: Option<(&HashMap<u32, TargetCounts>, &Background)>,
    settings: &MonitorSettings,
) -> Vec<NewVariant> {
    let tests = (ctx.codons.len() * 9).max(1) as f64;
    let mut out = Vec::new();
    for (ci, codon) in ctx.codons.iter().enumerate() {
        for k in 0..3 {
            let id = ctx.first_id + (ci * 3 + k) as u32;
            let tri = ctx.tri[ci * 3 + k];
            let c = counts.get(&id).cloned().unwrap_or_default();
            let n: u64 = c.counts.iter().map(|&x| x as u64).sum();
            for (b, &alt_base) in b"ACGT".iter().enumerate() {
                let a = c.counts[b] as u64;
                if alt_base == tri[1] || n == 0 || a < settings.new_variant_min_families as u64 {
                    continue;
                }
                let vaf = a as f64 / n as f64;
                let e = sub_class(tri, alt_base).map(|s| bg.rate(s)).unwrap_or(1.0);
                let p = poisson_tail(n as f64 * e, a);
                if vaf < settings.new_variant_min_vaf || p >= NEW_VARIANT_FWER / tests {
                    continue;
                }
                let pos = codon.positions[k];
                let (r, al) = ((tri[1] as char).to_string(), (alt_base as char).to_string());
                let ann = ctx.annotator.annotate(&codon.chrom, pos.to_pos1(), &r, &al);
                let (onc, findings) = match &ann {
                    Some(a) => {
                        let (o, f) = interpret(a, ctx.kb, ctx.tree, ctx.cancer);
                        (Some(o), f)
                    }
                    None => (None, Vec::new()),
                };
                let wc = white_cells(normal, id, tri, alt_base);
                let gene = codon.residue.gene.clone();
                out.push(NewVariant {
                    chrom: codon.chrom.clone(),
                    pos: pos.to_pos1(),
                    ref_allele: r,
                    alt: al,
                    possibly_haematopoietic: is_ch_gene(&gene) && wc != WhiteCells::Absent,
                    gene,
                    protein_change: ann.as_ref().and_then(|a| a.protein_change.clone()),
                    watched_as: codon.residue.watched_as,
                    alt_families: a,
                    families: n,
                    vaf,
                    p_value: p,
                    white_cell_alt_families: normal
                        .map(|(nc, _)| nc.get(&id).map(|c| c.counts[b] as u64).unwrap_or(0)),
                    oncogenicity: onc,
                    findings,
                });
            }
        }
    }
    out
}

/// One sample's block (without new variants).
pub(crate) fn sample_block(
    shard: &SampleShard,
    sites: &[TrackedSite],
    settings: &MonitorSettings,
    umi: UmiSummary,
    name: (String, Option<String>, String),
) -> (MonitorSample, HashMap<u32, TargetCounts>) {
    let counts: HashMap<u32, TargetCounts> =
        shard.targets.iter().map(|t| (t.id, t.clone())).collect();
    let bg = &shard.background;
    let (rows, used) = variant_rows(sites, &counts, bg, settings.min_site_families);
    let (tf, mrd) = call(
        sites,
        &used,
        bg,
        CallSettings {
            min_site_families: settings.min_site_families,
            alpha: settings.alpha,
            max_negative_lod: settings.max_negative_lod,
        },
    );
    let (sample, timepoint, path) = name;
    (
        MonitorSample {
            sample,
            timepoint,
            path,
            umi,
            background_error: background_summary(bg),
            tumor_fraction: tf,
            mrd,
            variants: rows,
            new_variants: Vec::new(),
        },
        counts,
    )
}
