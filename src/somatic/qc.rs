//! Sample QC from the same pass: depth over the processed regions, duplicate and mapping
//! rates, insert size, mate overlap, callable bases (the TMB denominator), and a tumor/normal
//! identity check. An engine observer; partial per shard, combined in order.

use crate::engine::{Column, ColumnObserver, RefSlice};
pub use crate::types::results::SampleQcResult;
use crate::types::results::{Identity, IdentityStatus, QcResult, QcVerdict};
use crate::types::{aln::flag, tally::ACGT_FIELD, Aln, ContigId, Field, Region, Shard};

/// Depth histogram cap (positions deeper count in the last bin).
pub(crate) const DEPTH_CAP: usize = 20_000;
/// Insert-size histogram cap.
pub(crate) const INSERT_CAP: usize = 5_000;

/// Per-sample counters.
#[derive(Clone, Debug, Default)]
pub struct SampleQc {
    /// Reads (owned by the shard, mapped).
    pub reads: u64,
    /// Duplicate-flagged reads.
    pub duplicates: u64,
    /// Insert sizes of first-in-pair reads with a mate on the same contig.
    pub insert: Vec<u64>,
    /// First-in-pair reads whose mate overlaps them.
    pub overlapping_pairs: u64,
    /// First-in-pair reads with a mate on the same contig.
    pub pairs: u64,
    /// Depth histogram (fragment depth, bases) over processed positions.
    pub depth: Vec<u64>,
    /// Passing A/C/G/T bases that equal the reference base (positions with an A/C/G/T reference).
    pub ref_match: u64,
    /// Passing A/C/G/T bases that differ from it.
    pub ref_mismatch: u64,
}

/// The QC observer (sample 0 tumor, 1 normal when present).
pub struct QcObserver {
    /// Samples.
    pub n_samples: usize,
    /// Tumor depth for callable.
    pub min_tumor_depth: u32,
    /// Normal depth for callable.
    pub min_normal_depth: u32,
    /// Per contig: whether its bases can be callable (TMB scope: the primary chromosomes of a
    /// human genome); empty = every contig.
    pub callable_contigs: Vec<bool>,
}

/// A shard's QC partial.
#[derive(Clone, Debug, Default)]
pub struct QcPartial {
    /// Per sample.
    pub samples: Vec<SampleQc>,
    /// Callable intervals (0-based half-open) of this shard, on `contig`.
    pub callable: Vec<(u64, u64)>,
    /// Contig of the shard.
    pub contig: ContigId,
    /// Identity: informative sites (normal carries an allele at >= 30%, both >= 15x).
    pub identity_sites: u64,
    /// Identity: of those, sites where the tumor also carries it (>= 5%).
    pub identity_shared: u64,
}

impl ColumnObserver for QcObserver {
    type Partial = QcPartial;

    fn begin(&self, shard: &Shard, _reference: &RefSlice<'_>) -> QcPartial {
        QcPartial {
            samples: (0..self.n_samples)
                .map(|_| SampleQc {
                    insert: vec![0; INSERT_CAP + 1],
                    depth: vec![0; 1024],
                    ..Default::default()
                })
                .collect(),
            contig: shard.core.contig,
            ..Default::default()
        }
    }

    fn read(&self, p: &mut QcPartial, sample: usize, a: &Aln<'_>, _pass: bool) {
        if a.flags & (flag::SECONDARY | flag::SUPPLEMENTARY) != 0 {
            return;
        }
        let q = &mut p.samples[sample];
        q.reads += 1;
        if a.flags & flag::DUP != 0 {
            q.duplicates += 1;
            return;
        }
        if a.flags & flag::PAIRED != 0
            && a.flags & flag::READ1 != 0
            && a.flags & flag::MATE_UNMAPPED == 0
            && a.mate_tid == a.tid
        {
            q.pairs += 1;
            let end = a.end();
            let (s0, m0) = (a.start, a.mate_start);
            // insert = outer distance of the pair, from the two starts and this read's end
            let ins = if m0 >= s0 {
                (m0 - s0 + a.seq_len as i64).max(end - s0)
            } else {
                end - m0
            };
            q.insert[(ins.max(0) as usize).min(INSERT_CAP)] += 1;
            if m0 >= s0 && m0 < end || m0 < s0 && s0 < m0 + a.seq_len as i64 {
                q.overlapping_pairs += 1;
            }
        }
    }

    fn column(&self, p: &mut QcPartial, col: &Column<'_>) {
        // A/C/G/T (either case) 0-3, else 4
        let ref_field = ACGT_FIELD[col.ref_base.to_ascii_uppercase() as usize] as usize;
        for (i, t) in col.samples.iter().enumerate() {
            let d = t.bases() as usize;
            let q = &mut p.samples[i];
            let h = &mut q.depth;
            if d >= h.len() {
                h.resize((d + 1).min(DEPTH_CAP + 1).max(h.len()), 0);
            }
            h[d.min(DEPTH_CAP)] += 1;
            if ref_field < 4 {
                let c = &t.0;
                let acgt = c[0] + c[1] + c[2] + c[3];
                let m = c[ref_field];
                q.ref_match += m as u64;
                q.ref_mismatch += (acgt - m) as u64;
            }
        }
        let td = col.samples[0].bases();
        let in_scope = self
            .callable_contigs
            .get(col.contig.index())
            .copied()
            .unwrap_or(true);
        let callable = in_scope
            && td >= self.min_tumor_depth
            && (self.n_samples < 2 || col.samples[1].bases() >= self.min_normal_depth);
        if callable {
            match p.callable.last_mut() {
                Some(last) if last.1 == col.pos.get() => last.1 = col.pos.get() + 1,
                _ => p.callable.push((col.pos.get(), col.pos.get() + 1)),
            }
        }
        if self.n_samples >= 2 {
            // METHOD: identity = share of the normal's own alleles (>= 30% of >= 15 reads) that the
            // tumor also shows (>= 5%): a germline allele survives any purity; another person's
            // normal carries alleles the tumor lacks.
            let (t, n) = (&col.samples[0], &col.samples[1]);
            let (tn, nn) = (t.bases(), n.bases());
            if tn >= 15 && nn >= 15 && col.ref_base != b'N' {
                // A, C, G: 0-2; anything else counts as T (3)
                let refi = (ACGT_FIELD[col.ref_base as usize] as usize).min(3);
                for b in 0..4 {
                    if b == refi {
                        continue;
                    }
                    let f = [Field::A, Field::C, Field::G, Field::T][b];
                    if n.get(f) as f64 >= 0.3 * nn as f64 {
                        p.identity_sites += 1;
                        if t.get(f) as f64 >= 0.05 * tn as f64 {
                            p.identity_shared += 1;
                        }
                    }
                }
            }
        }
    }

    fn handles_empty(&self, _partial: &Self::Partial) -> bool {
        true
    }

    fn empty_span(&self, p: &mut QcPartial, core: Region) {
        // every position at depth 0 in every sample; nothing callable, no identity site
        for s in &mut p.samples {
            s.depth[0] += core.len();
        }
    }

    fn finish(&self, _p: &mut QcPartial, _r: &RefSlice<'_>) {}
}

/// Combines QC partials.
pub fn combine(acc: &mut QcPartial, p: QcPartial, callable: &mut Vec<(ContigId, u64, u64)>) {
    if acc.samples.is_empty() {
        acc.samples = p
            .samples
            .iter()
            .map(|s| SampleQc {
                insert: vec![0; s.insert.len()],
                depth: vec![0; 0],
                ..Default::default()
            })
            .collect();
    }
    for (a, b) in acc.samples.iter_mut().zip(p.samples) {
        a.reads += b.reads;
        a.duplicates += b.duplicates;
        a.pairs += b.pairs;
        a.overlapping_pairs += b.overlapping_pairs;
        a.ref_match += b.ref_match;
        a.ref_mismatch += b.ref_mismatch;
        for (x, y) in a.insert.iter_mut().zip(&b.insert) {
            *x += y;
        }
        if a.depth.len() < b.depth.len() {
            a.depth.resize(b.depth.len(), 0);
        }
        for (x, y) in a.depth.iter_mut().zip(&b.depth) {
            *x += y;
        }
    }
    acc.identity_sites += p.identity_sites;
    acc.identity_shared += p.identity_shared;
    for (s, e) in p.callable {
        match callable.last_mut() {
            Some(last) if last.0 == p.contig && last.2 == s => last.2 = e,
            _ => callable.push((p.contig, s, e)),
        }
    }
}

/// METHOD: coverage uniformity as panel QC reports it (e.g. Illumina TSO500 "PCT > 0.2x mean"):
/// the share of positions with at least 0.2 times the mean depth; the threshold is that depth
/// rounded up (a position needs a whole read more than 0.2 x mean).
pub fn uniformity_threshold(mean: f64) -> usize {
    (0.2 * mean).ceil().max(1.0) as usize
}

/// METHOD: share of passing aligned bases that differ from the reference base. Sequencing errors
/// and the sample's own variants keep it near 0.1-2% (0.18-0.30% on the bundled nf-core and
/// simulated pairs, where `samtools stats` gives an error rate of 0.20-0.24%); reads aligned to another reference (a different sequence of the same
/// length, which the `@SQ M5` check cannot catch when the header has no M5) disagree at most
/// positions (~50-75%). Above this share the run stops before writing any result.
pub(crate) const MAX_REFERENCE_MISMATCH: f64 = 0.05;

/// The reference-mismatch share of a sample (None without any base at an A/C/G/T reference).
pub(crate) fn reference_mismatch(q: &SampleQc) -> Option<f64> {
    let n = q.ref_match + q.ref_mismatch;
    (n > 0).then(|| q.ref_mismatch as f64 / n as f64)
}

/// METHOD: the sample-level damage metric (as Picard's CollectSequencingArtifactMetrics, by
/// orientation): every non-reference base of a damage class counts by pair orientation; errors
/// and real variants fall in both orientations alike, damage in one. Reported: the share in the
/// artifact orientation and the excess over the other orientation per million aligned bases;
/// damage is flagged by [`super::evidence::DamageCounts::damaged`] (the rule that also switches
/// the `orientation` filter on).
pub fn orientation_bias(
    counts: &super::evidence::DamageCounts,
    q: &SampleQc,
    filtered: [u64; 2],
) -> crate::types::results::OrientationBias {
    let aligned = q.ref_match + q.ref_mismatch;
    let metric = |class: usize, filtered: u64| {
        let c = counts.class(class);
        let total = c[0] + c[1];
        let ratio = (total > 0).then(|| c[0] as f64 / total as f64);
        let excess = (aligned > 0).then(|| (c[0] as f64 - c[1] as f64) * 1e6 / aligned as f64);
        crate::types::results::DamageMetric {
            artifact_orientation: c[0],
            other_orientation: c[1],
            orientation_ratio: ratio.map(|x| (x * 1e4).round() / 1e4),
            excess_per_million: excess.map(|x| (x * 10.0).round() / 10.0),
            damaged: counts.damaged(class),
            calls_filtered: filtered,
        }
    };
    crate::types::results::OrientationBias {
        deamination: metric(0, filtered[0]),
        oxog: metric(1, filtered[1]),
    }
}

/// Summarises one sample.
pub(crate) fn summarize(name: &str, q: &SampleQc, unmapped: u64) -> SampleQcResult {
    let total: u64 = q.depth.iter().sum();
    let sum: u64 = q.depth.iter().enumerate().map(|(d, n)| d as u64 * n).sum();
    let at = |t: usize| -> f64 {
        if total == 0 {
            0.0
        } else {
            100.0 * q.depth.iter().skip(t).sum::<u64>() as f64 / total as f64
        }
    };
    let median = |h: &[u64]| -> Option<u64> {
        let n: u64 = h.iter().sum();
        if n == 0 {
            return None;
        }
        let mut acc = 0;
        for (k, v) in h.iter().enumerate() {
            acc += v;
            if acc * 2 >= n {
                return Some(k as u64);
            }
        }
        None
    };
    let r2 = |x: f64| (x * 100.0).round() / 100.0;
    let r4 = |x: f64| (x * 10000.0).round() / 10000.0;
    SampleQcResult {
        sample: name.to_string(),
        mean_depth: r2(if total > 0 {
            sum as f64 / total as f64
        } else {
            0.0
        }),
        median_depth: median(&q.depth).unwrap_or(0),
        reference_mismatch_rate: reference_mismatch(q).map(|x| (x * 1e5).round() / 1e5),
        orientation_bias: None,
        pct_ge_20x: r2(at(20)),
        pct_ge_0_2x_mean: r2(if total > 0 {
            at(uniformity_threshold(sum as f64 / total as f64))
        } else {
            0.0
        }),
        pct_ge_100x: r2(at(100)),
        duplicate_rate: r4(if q.reads > 0 {
            q.duplicates as f64 / q.reads as f64
        } else {
            0.0
        }),
        mapped_rate: r4(if q.reads + unmapped > 0 {
            q.reads as f64 / (q.reads + unmapped) as f64
        } else {
            0.0
        }),
        insert_size_median: median(&q.insert),
        mate_overlap_fraction: r4(if q.pairs > 0 {
            q.overlapping_pairs as f64 / q.pairs as f64
        } else {
            0.0
        }),
    }
}

/// METHOD: a tumor below 20x mean depth cannot support the 5-10% VAF sensitivity the caller is
/// tuned for (3 supporting fragments at 5% need ~60x); such a sample fails QC.
pub const MIN_TUMOR_MEAN_DEPTH: f64 = 20.0;
/// METHOD: identity needs at least this many informative sites to say anything.
pub(crate) const MIN_IDENTITY_SITES: u64 = 20;
/// Default concordance below which tumor and normal are flagged as mismatched
/// (`--min-identity`): a germline allele survives any purity, so the same person shows >0.95.
pub(crate) const DEFAULT_MIN_IDENTITY: f64 = 0.90;

/// The identity check from the combined counts, and its warning when mismatched.
pub fn identity(sites: u64, shared: u64, min_identity: f64) -> (Identity, Option<String>) {
    let conc = (sites >= MIN_IDENTITY_SITES).then(|| shared as f64 / sites as f64);
    let (status, warning) = match conc {
        Some(c) if c < min_identity => (
            IdentityStatus::Mismatch,
            Some(format!(
                "TUMOR/NORMAL MISMATCH: only {:.1}% of the normal's germline alleles are present in the tumor (expected >= {:.0}%); the normal may be from another person or the samples swapped",
                c * 100.0,
                min_identity * 100.0
            )),
        ),
        Some(_) => (IdentityStatus::Match, None),
        None => (IdentityStatus::InsufficientSites, None),
    };
    (
        Identity {
            sites,
            shared,
            concordance: conc.map(|c| crate::types::round(c, 4)),
            status,
        },
        warning,
    )
}

/// The warnings of FFPE deamination and oxoG damage found in the samples' orientation metrics.
pub(crate) fn damage_warnings(samples: &[SampleQcResult]) -> Vec<String> {
    let mut warnings = Vec::new();
    for s in samples {
        let Some(b) = &s.orientation_bias else {
            continue;
        };
        for (name, m, what) in [
            ("FFPE deamination", &b.deamination, "C>T/G>A"),
            ("oxidative (8-oxoG)", &b.oxog, "G>T/C>A"),
        ] {
            if m.damaged {
                warnings.push(format!(
                    "{name} damage in '{}': {:.0}% of {what} substitutions in the damaged read orientation, {:.0} excess per million bases; {} calls filtered as orientation artifacts; low-allele-fraction {what} calls need orthogonal confirmation",
                    s.sample,
                    100.0 * m.orientation_ratio.unwrap_or(0.0),
                    m.excess_per_million.unwrap_or(0.0),
                    m.calls_filtered
                ));
            }
        }
    }
    warnings
}

/// METHOD: the QC verdict fails on any of: tumor mean depth below [`MIN_TUMOR_MEAN_DEPTH`],
/// a tumor/normal identity mismatch, purity below `biomarkers::LOW_PURITY`. Each failed rule
/// is a reason, in words.
pub fn verdict(
    samples: Vec<SampleQcResult>,
    identity: Option<(Identity, Option<String>)>,
    low_purity: bool,
) -> QcResult {
    let mut reasons = Vec::new();
    let identity = identity.map(|(id, warning)| {
        if let Some(w) = warning {
            reasons.push(w);
        }
        id
    });
    if let Some(t) = samples.first() {
        if t.mean_depth < MIN_TUMOR_MEAN_DEPTH {
            reasons.push(format!(
                "tumor mean depth {:.1} < {MIN_TUMOR_MEAN_DEPTH:.0}",
                t.mean_depth
            ));
        }
    }
    if low_purity {
        reasons.push(format!(
            "tumor purity below {:.2}",
            super::biomarkers::LOW_PURITY
        ));
    }
    QcResult {
        samples,
        identity,
        verdict: if reasons.is_empty() {
            QcVerdict::Pass
        } else {
            QcVerdict::Fail
        },
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_with_depths(depths: &[(usize, u64)]) -> SampleQc {
        let mut q = SampleQc {
            depth: vec![0; 200],
            ..SampleQc::default()
        };
        for &(d, n) in depths {
            q.depth[d] += n;
        }
        q
    }

    #[test]
    fn summary_reads_the_depth_histogram_as_samtools_depth_would() {
        // 50 positions at 10x, 50 at 30x: mean 20, median 10 (the lower middle), half >= 20x
        let mut q = sample_with_depths(&[(10, 50), (30, 50)]);
        q.reads = 1000;
        q.duplicates = 50;
        q.ref_match = 990;
        q.ref_mismatch = 10;
        let s = summarize("T", &q, 1000);
        assert_eq!(s.mean_depth, 20.0);
        assert_eq!(s.median_depth, 10);
        assert_eq!(s.pct_ge_20x, 50.0);
        assert_eq!(s.pct_ge_100x, 0.0);
        assert_eq!(s.duplicate_rate, 0.05);
        assert_eq!(s.mapped_rate, 0.5);
        assert_eq!(s.reference_mismatch_rate, Some(0.01));
    }

    #[test]
    fn identity_needs_enough_sites_and_flags_a_swap() {
        let (id, w) = identity(10, 2, DEFAULT_MIN_IDENTITY);
        assert_eq!(id.status, IdentityStatus::InsufficientSites);
        assert!(w.is_none());
        let (id, w) = identity(200, 198, DEFAULT_MIN_IDENTITY);
        assert_eq!(id.status, IdentityStatus::Match);
        assert!(w.is_none());
        let (id, w) = identity(200, 60, DEFAULT_MIN_IDENTITY);
        assert_eq!(id.status, IdentityStatus::Mismatch);
        assert!(w.unwrap().contains("30.0%"));
    }

    #[test]
    fn the_verdict_lists_every_failed_rule() {
        let shallow = summarize("T", &sample_with_depths(&[(12, 100)]), 0);
        let (id, w) = identity(200, 60, DEFAULT_MIN_IDENTITY);
        let v = verdict(vec![shallow], Some((id, w)), true);
        assert_eq!(v.verdict, QcVerdict::Fail);
        assert_eq!(v.reasons.len(), 3, "{:?}", v.reasons);
        let deep = summarize("T", &sample_with_depths(&[(60, 100)]), 0);
        assert_eq!(verdict(vec![deep], None, false).verdict, QcVerdict::Pass);
    }

    #[test]
    fn damage_is_warned_about_per_class() {
        let mut s = summarize("T", &sample_with_depths(&[(60, 100)]), 0);
        let q = SampleQc {
            ref_match: 1_000_000,
            ..SampleQc::default()
        };
        let damaged = super::super::evidence::DamageCounts {
            deamination: [9_000, 1_000],
            oxog: [500, 500],
        };
        s.orientation_bias = Some(orientation_bias(&damaged, &q, [12, 0]));
        let w = damage_warnings(&[s]);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("FFPE deamination damage in 'T'")
                && w[0].contains("12 calls filtered")
        );
    }
}
