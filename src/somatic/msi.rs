//! Microsatellite instability: site lists, repeat-length histograms from reads, per-site tests,
//! the MSI score and status. Pure functions and one engine observer (no file access).
//!
//! METHOD: a read counts for a site as msisensor-pro counts it (so that histograms agree with
//! it exactly): the read must start within `read_window` bp of the repeat start (110 in
//! msisensor-pro), and its sequence must contain the left flank immediately followed by whole
//! repeat units and then the right flank; the number of units is the read's allele. Indels in
//! the tract change the count; reads ending inside the tract are not used.

use std::collections::HashMap;

use super::model::binom_two_sided;
use crate::engine::{Column, ColumnObserver, RefSlice};
pub use crate::types::msi::{
    Histogram, MsSite, MsiMode, MsiResult, MsiStatus, MsiThresholds, SiteResult,
};
use crate::types::source::SequenceSource;
use crate::types::{Aln, Contig, ContigId, Pos0, Region, Shard};

/// Finds microsatellites in `seq` (0-based offset `offset`): homopolymers of at least
/// `min_homopolymer` bases and 2-5 bp units repeated at least `min_repeats` times, at most
/// `max_len` bp, with `flank` clean (non-N) flanking bases. Longer tracts win overlaps.
pub fn scan(
    contig: usize,
    seq: &[u8],
    min_homopolymer: u32,
    min_repeats: u32,
    max_len: u32,
    flank: usize,
) -> Vec<MsSite> {
    let n = seq.len();
    let mut out: Vec<MsSite> = Vec::new();
    let mut i = flank;
    while i + flank < n {
        let mut best: Option<(usize, u32)> = None; // (unit len, count)
        for u in 1..=5usize {
            if i + u > n || seq[i..i + u].contains(&b'N') {
                continue;
            }
            // only primitive units (AA is not a unit) and only tract starts
            if u > 1 && super::normalize::repeat_unit(&seq[i..i + u]).len() != u {
                continue;
            }
            if i >= u && seq[i - u..i] == seq[i..i + u] {
                continue;
            }
            let mut c = 1u32;
            while i + (c as usize + 1) * u <= n
                && seq[i + c as usize * u..i + (c as usize + 1) * u] == seq[i..i + u]
            {
                c += 1;
            }
            let need = if u == 1 { min_homopolymer } else { min_repeats };
            let len = c * u as u32;
            if c >= need && len <= max_len && best.is_none_or(|(bu, bc)| len > bu as u32 * bc) {
                best = Some((u, c));
            }
        }
        if let Some((u, c)) = best {
            let end = i + u * c as usize;
            if end + flank <= n && i >= flank {
                let left = &seq[i - flank..i];
                let right = &seq[end..end + flank];
                if !left.contains(&b'N') && !right.contains(&b'N') {
                    out.push(MsSite {
                        contig: ContigId::new(contig),
                        start: Pos0::new(i as u64),
                        unit: String::from_utf8_lossy(&seq[i..i + u]).into_owned(),
                        count: c,
                        left: String::from_utf8_lossy(left).into_owned(),
                        right: String::from_utf8_lossy(right).into_owned(),
                    });
                }
            }
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// msisensor-pro's sequence search: the first occurrence of the left flank that is followed by
/// at least one unit and, right after the units, by the right flank.
pub fn repeat_count_in_seq(seq: &[u8], site: &MsSite) -> Option<u32> {
    let (left, unit, right) = (
        site.left.as_bytes(),
        site.unit.as_bytes(),
        site.right.as_bytes(),
    );
    if left.is_empty() || seq.len() < left.len() {
        return None;
    }
    let mut from = 0;
    while let Some(off) = find(&seq[from..], left) {
        let start = from + off;
        let mut q = start + left.len();
        let mut c = 0u32;
        while seq.len() >= q + unit.len() && &seq[q..q + unit.len()] == unit {
            c += 1;
            q += unit.len();
        }
        if c > 0 && seq.len() >= q + right.len() && &seq[q..q + right.len()] == right {
            return Some(c);
        }
        from = start + 1;
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Adds a shard's per-site histograms (`(site, per-sample)`) into per-sample maps.
pub fn merge_histograms(acc: &mut [HashMap<usize, Histogram>], part: Vec<(usize, Vec<Histogram>)>) {
    for (i, hs) in part {
        for (k, h) in hs.into_iter().enumerate() {
            let e = acc[k].entry(i).or_default();
            if e.len() < h.len() {
                e.resize(h.len(), 0);
            }
            for (j, v) in h.iter().enumerate() {
                e[j] += v;
            }
        }
    }
}

/// Rows `(site, sample name, histogram)` in site order, for the histogram table.
pub fn histogram_rows(
    hists: &[HashMap<usize, Histogram>],
    names: &[String],
) -> Vec<(usize, String, Histogram)> {
    let mut idx: Vec<usize> = hists.iter().flat_map(|h| h.keys().copied()).collect();
    idx.sort_unstable();
    idx.dedup();
    let mut rows = Vec::new();
    for i in idx {
        for (k, hs) in hists.iter().enumerate() {
            if let Some(x) = hs.get(&i) {
                rows.push((i, names[k].clone(), x.clone()));
            }
        }
    }
    rows
}

/// The MSI observer: per site fully inside the shard core (by start), the tumor and normal
/// histograms (sample index = input index).
pub struct MsiObserver<'a> {
    /// Sites sorted by (contig, start).
    pub sites: &'a [MsSite],
    /// Samples fetched.
    pub n_samples: usize,
    /// Minimum mapping quality of a counted read.
    pub min_mapq: u8,
    /// A read counts for a site only if it starts within this many bp of the repeat start.
    pub read_window: u64,
}

/// Per-shard MSI partial: site index -> histogram per sample.
#[derive(Default)]
pub struct MsiPartial {
    range: (usize, usize),
    /// (site index, histograms per sample)
    pub hist: Vec<(usize, Vec<Histogram>)>,
}

impl ColumnObserver for MsiObserver<'_> {
    type Partial = MsiPartial;

    fn padding(&self) -> u64 {
        self.read_window
    }

    fn begin(&self, shard: &Shard) -> MsiPartial {
        let c = shard.core;
        let lo = self
            .sites
            .partition_point(|s| (s.contig, s.start) < (c.contig, Pos0::new(c.start)));
        let hi = self
            .sites
            .partition_point(|s| (s.contig, s.start) < (c.contig, Pos0::new(c.end)));
        MsiPartial {
            range: (lo, hi),
            hist: (lo..hi)
                .map(|i| (i, vec![Vec::new(); self.n_samples]))
                .collect(),
        }
    }

    fn overlapping(
        &self,
        p: &mut MsiPartial,
        sample: usize,
        a: &Aln<'_>,
        pass: bool,
        _r: &RefSlice<'_>,
    ) {
        if !pass || p.range.0 == p.range.1 || (a.mapq != 255 && a.mapq < self.min_mapq) {
            return;
        }
        let (lo, hi) = p.range;
        let w = self.read_window as i64;
        // sites whose start lies within the read window around the read's start
        let first = self.sites[lo..hi].partition_point(|s| (s.start.get() as i64) + w < a.start);
        let mut seq: Option<Vec<u8>> = None;
        const NIB: &[u8; 16] = b"=ACMGRSVTWYHKDBN";
        for k in first..(hi - lo) {
            let s = &self.sites[lo + k];
            if (s.start.get() as i64) - w > a.start {
                break;
            }
            let seq = seq
                .get_or_insert_with(|| (0..a.seq_len).map(|i| NIB[a.nibble(i) as usize]).collect());
            if let Some(c) = repeat_count_in_seq(seq, s) {
                let h = &mut p.hist[k].1[sample];
                if h.len() <= c as usize {
                    h.resize(c as usize + 1, 0);
                }
                h[c as usize] += 1;
            }
        }
    }

    fn column(&self, _p: &mut MsiPartial, _c: &Column<'_>) {}
}

/// METHOD: per-site instability test. The tumor's repeat-length distribution is compared with
/// the reference distribution (the matched normal, or the baseline pooled from normals): the
/// share of tumor reads at lengths the reference rarely shows (each such length below 5% of
/// reference reads, i.e. outside the reference's stutter) is tested against the reference's
/// own share at those lengths (binomial, one-sided via the two-sided tail). This asks "does the
/// tumor carry new alleles", which is what instability is, and is robust to stutter present in
/// both samples.
pub fn site_test(tumor: &[u32], reference: &[u32], t: &MsiThresholds) -> Option<(f64, bool)> {
    let nt: u32 = tumor.iter().sum();
    let nr: u32 = reference.iter().sum();
    if nt < t.min_reads || nr < t.min_reads {
        return None;
    }
    let len = tumor.len().max(reference.len());
    let rget = |k: usize| reference.get(k).copied().unwrap_or(0) as f64;
    let tget = |k: usize| tumor.get(k).copied().unwrap_or(0);
    let novel: Vec<usize> = (0..len).filter(|&k| rget(k) < 0.05 * nr as f64).collect();
    let t_novel: u32 = novel.iter().map(|&k| tget(k)).sum();
    let r_novel: f64 = novel.iter().map(|&k| rget(k)).sum();
    // reference share of novel lengths, with a pseudo-count so that 0 is not impossible
    let p0 = ((r_novel + 0.5) / (nr as f64 + 1.0)).min(0.5);
    let expected = p0 * nt as f64;
    let p = if (t_novel as f64) <= expected {
        1.0
    } else {
        binom_two_sided(t_novel, nt, p0) / 2.0
    };
    // also require a material shift: at least 10% of tumor reads at novel lengths
    let unstable = p < t.p_value && t_novel as f64 >= 0.10 * nt as f64;
    Some((p, unstable))
}

/// METHOD: default microsatellite scan (`ms-scan` and `run` without `--ms-sites`): homopolymers
/// >= 10 bp and 2-5 bp units repeated >= 5 times, at most 60 bp, with 5 clean flanking bases.
pub const SCAN_MIN_HOMOPOLYMER: u32 = 10;
/// See [`SCAN_MIN_HOMOPOLYMER`].
pub const SCAN_MIN_REPEATS: u32 = 5;
/// See [`SCAN_MIN_HOMOPOLYMER`].
pub const SCAN_MAX_LEN: u32 = 60;
/// See [`SCAN_MIN_HOMOPOLYMER`].
pub const SCAN_FLANK: usize = 5;
/// METHOD: a read counts for a site only if it starts within 110 bp of it (msisensor-pro).
pub const READ_WINDOW: u64 = 110;

/// Scans the reference over `regions` (plus 100 bp around each) with the default settings.
pub fn scan_regions(
    reference: &dyn SequenceSource,
    contigs: &[Contig],
    regions: &[Region],
) -> Vec<MsSite> {
    let mut v = Vec::new();
    for reg in regions {
        let name = &contigs[reg.contig].name;
        let from = reg.start.saturating_sub(100);
        let mut buf = Vec::new();
        if !reference.fetch_into(name, from, reg.end + 100, &mut buf) {
            continue;
        }
        for mut s in scan(
            reg.contig.index(),
            &buf,
            SCAN_MIN_HOMOPOLYMER,
            SCAN_MIN_REPEATS,
            SCAN_MAX_LEN,
            SCAN_FLANK,
        ) {
            s.start = s.start + from;
            v.push(s);
        }
    }
    v.sort_by_key(|s| (s.contig, s.start));
    v.dedup_by_key(|s| (s.contig, s.start));
    v
}

/// The sites whose repeat starts inside `regions`.
pub fn sites_in_regions(sites: Vec<MsSite>, regions: &[Region]) -> Vec<MsSite> {
    sites
        .into_iter()
        .filter(|s| regions.iter().any(|r| r.contains(s.contig, s.start)))
        .collect()
}

/// Windows around sites (flanks plus a margin) for restricting a pass to them.
pub fn site_windows(sites: &[MsSite], contigs: &[Contig]) -> Vec<Region> {
    sites
        .iter()
        .map(|s| Region {
            contig: s.contig,
            start: s.start.get().saturating_sub(200),
            end: (s.start.get() + s.repeat_len() + 200).min(contigs[s.contig].len),
        })
        .collect()
}

/// The warning an indeterminate MSI result raises.
pub fn msi_warning(m: &MsiResult) -> Option<String> {
    (m.status == MsiStatus::Indeterminate).then(|| {
        format!(
            "MSI indeterminate: score {:.2}% over {} sites",
            m.score, m.sites_tested
        )
    })
}

/// Combines per-site histograms into the MSI result. `reference` maps a site index to the
/// reference histogram (normal or baseline).
pub fn score(
    sites: &[MsSite],
    contig_names: &[String],
    tumor: &HashMap<usize, Histogram>,
    reference: &HashMap<usize, Histogram>,
    t: &MsiThresholds,
    mode: MsiMode,
) -> MsiResult {
    let mut tested = 0;
    let mut unstable = Vec::new();
    let mut idx: Vec<&usize> = tumor.keys().collect();
    idx.sort();
    for &i in idx {
        let Some(r) = reference.get(&i) else { continue };
        if let Some((p, u)) = site_test(&tumor[&i], r, t) {
            tested += 1;
            if u {
                let s = &sites[i];
                unstable.push(SiteResult {
                    site: format!("{}:{}", contig_names[s.contig.index()], s.start.to_pos1()),
                    tumor_reads: tumor[&i].iter().sum(),
                    reference_reads: r.iter().sum(),
                    p_value: p,
                    unstable: true,
                });
            }
        }
    }
    let score = if tested > 0 {
        100.0 * unstable.len() as f64 / tested as f64
    } else {
        0.0
    };
    let status = if tested == 0 {
        MsiStatus::Indeterminate
    } else if score >= t.msi_h {
        MsiStatus::MsiH
    } else if score < t.mss {
        MsiStatus::Mss
    } else {
        MsiStatus::Indeterminate
    };
    MsiResult {
        score: (score * 100.0).round() / 100.0,
        sites_tested: tested,
        sites_unstable: unstable.len() as u32,
        status,
        mode,
        thresholds: *t,
        unstable_sites: unstable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_homopolymers_and_strs_with_flanks() {
        let seq = b"ACGTCAAAAAAAAAAAGTCAGTCACACACACACAGGTTCAGT";
        let sites = scan(0, seq, 10, 5, 60, 5);
        assert_eq!(sites.len(), 2, "{sites:?}");
        assert_eq!(
            (sites[0].start.get(), sites[0].unit.as_str(), sites[0].count),
            (5, "A", 11)
        );
        assert_eq!(sites[0].left, "ACGTC");
        assert_eq!(sites[0].right, "GTCAG");
        assert_eq!((sites[1].unit.as_str(), sites[1].count), ("CA", 6));
    }

    #[test]
    fn sequence_search_counts_units_between_flanks_like_msisensor() {
        let site = MsSite {
            contig: ContigId::new(0),
            start: Pos0::new(100),
            unit: "T".into(),
            count: 12,
            left: "AAAGC".into(),
            right: "CTCTT".into(),
        };
        assert_eq!(
            repeat_count_in_seq(b"GGAAAGCTTTTTTTTTTCTCTTGG", &site),
            Some(10)
        );
        // the first flank occurrence is not followed by the repeat: the next one is used
        assert_eq!(repeat_count_in_seq(b"AAAGCGGAAAGCTTTCTCTT", &site), Some(3));
        // read ends inside the tract: not counted
        assert_eq!(repeat_count_in_seq(b"GGAAAGCTTTTTTT", &site), None);
        let di = MsSite {
            unit: "CA".into(),
            left: "GGTTC".into(),
            right: "AGGTT".into(),
            ..site
        };
        assert_eq!(repeat_count_in_seq(b"GGTTCCACACACACAAGGTT", &di), Some(5));
    }

    #[test]
    fn identical_distributions_are_stable_and_new_alleles_unstable() {
        let t = MsiThresholds::default();
        let normal = vec![0, 0, 0, 0, 0, 0, 0, 0, 2, 5, 40, 3];
        assert!(!site_test(&normal, &normal, &t).unwrap().1);
        let tumor = vec![0, 0, 0, 0, 0, 0, 0, 10, 12, 5, 20, 3];
        assert!(site_test(&tumor, &normal, &t).unwrap().1);
        assert!(site_test(&[0, 3], &normal, &t).is_none(), "too few reads");
    }
}
