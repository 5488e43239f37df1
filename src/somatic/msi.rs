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
use crate::types::{source::Fields, Aln, Contig, ContigId, Pos0, Region, Shard};

/// Scan settings (the defaults are the `SCAN_*` constants).
#[derive(Clone, Copy, Debug)]
pub struct ScanSettings {
    /// Shortest homopolymer.
    pub min_homopolymer: u32,
    /// Fewest repeats of a 2-5 bp unit.
    pub min_repeats: u32,
    /// Longest tract (bp).
    pub max_len: u32,
    /// Clean flank required on both sides (bp).
    pub flank: usize,
}

impl Default for ScanSettings {
    fn default() -> Self {
        ScanSettings {
            min_homopolymer: SCAN_MIN_HOMOPOLYMER,
            min_repeats: SCAN_MIN_REPEATS,
            max_len: SCAN_MAX_LEN,
            flank: SCAN_FLANK,
        }
    }
}

impl ScanSettings {
    /// Whether `copies` of a `unit`-bp unit (1-5) make a microsatellite: a homopolymer of at
    /// least `min_homopolymer` bases, or a 2-5 bp unit repeated at least `min_repeats` times
    /// (the length cap `max_len` is the scan's own).
    pub fn qualifies(&self, unit: usize, copies: u32) -> bool {
        match unit {
            1 => copies >= self.min_homopolymer,
            2..=5 => copies >= self.min_repeats,
            _ => false,
        }
    }
}

/// The longest qualifying tract starting at `i` (unit length, units), if any: a primitive unit
/// of 1-5 bp that starts a tract here (the previous unit differs), repeated enough times, at
/// most `max_len` bp. Longer tracts win.
fn best_at(seq: &[u8], i: usize, st: &ScanSettings) -> Option<(usize, u32)> {
    let n = seq.len();
    // no unit contains N, so no tract starts at an N: one comparison per base of an assembly
    // gap (GRCh38 has ~150 Mb of them; walking each unit's run through a gap up to the length
    // cap cost ~0.5 us per base, 90% of a run over empty contigs)
    if seq.get(i) == Some(&b'N') {
        return None;
    }
    // A qualifying tract of unit u repeats its first bases u further on: (copies - 1) * u
    // bases equal the base a unit before them. With the thresholds at 8 or more such bases for
    // every unit (defaults: 9 for homopolymers, 8 for dinucleotides), the 8 bytes at i equal the
    // 8 at i + u for some u; one word comparison per unit rejects nearly every position.
    let min_run = (st.min_homopolymer.saturating_sub(1)).min(2 * st.min_repeats.saturating_sub(1));
    if min_run >= 8 && i + 13 <= n {
        let word = |k: usize| u64::from_le_bytes(seq[k..k + 8].try_into().expect("8 bytes"));
        let w = word(i);
        if (w != word(i + 1))
            & (w != word(i + 2))
            & (w != word(i + 3))
            & (w != word(i + 4))
            & (w != word(i + 5))
        {
            return None;
        }
    }
    let mut best: Option<(usize, u32)> = None;
    for u in 1..=5usize {
        if i + u > n {
            continue;
        }
        // most positions start no tract: a second copy needs seq[i + u] == seq[i], so when one
        // copy cannot qualify, one comparison rejects the unit (the scan's per-base cost)
        if !st.qualifies(u, 1) && (i + 2 * u > n || seq[i + u] != seq[i]) {
            continue;
        }
        // copy k equals copy 0 iff every base of copies 1..=k equals the base a unit before it,
        // so the whole copies are 1 + (run of such bases) / u; the run is cut where the tract
        // would exceed the length cap (it then fails the cap anyway)
        let cap = (i + st.max_len as usize + u).min(n);
        let mut j = i + u;
        while j < cap && seq[j] == seq[j - u] {
            j += 1;
        }
        let c = 1 + ((j - i - u) / u) as u32;
        let len = c * u as u32;
        // the tests below are independent: the cheap ones first
        if !st.qualifies(u, c)
            || len > st.max_len
            || best.is_some_and(|(bu, bc)| len <= bu as u32 * bc)
        {
            continue;
        }
        let unit = &seq[i..i + u];
        if unit.contains(&b'N') {
            continue;
        }
        // only primitive units (AA is not a unit) and only tract starts
        if u > 1 && super::normalize::repeat_unit(unit).len() != u {
            continue;
        }
        if i >= u && (0..u).all(|k| seq[i - u + k] == seq[i + k]) {
            continue;
        }
        best = Some((u, c));
    }
    best
}

/// The greedy left-to-right scan of `seq` from `from` to `until` (sites starting before
/// `until`): a qualifying tract with clean flanks is a site; the scan continues after any
/// qualifying tract (flanks clean or not), else one base further.
fn scan_range(
    contig: ContigId,
    seq: &[u8],
    offset: u64,
    from: usize,
    until: usize,
    st: &ScanSettings,
) -> Vec<MsSite> {
    let n = seq.len();
    let flank = st.flank;
    let mut out: Vec<MsSite> = Vec::new();
    let mut i = from.max(flank);
    while i + flank < n && i < until {
        if let Some((u, c)) = best_at(seq, i, st) {
            let end = i + u * c as usize;
            if end + flank <= n && i >= flank {
                let left = &seq[i - flank..i];
                let right = &seq[end..end + flank];
                if !left.contains(&b'N') && !right.contains(&b'N') {
                    out.push(MsSite {
                        contig,
                        start: Pos0::new(offset + i as u64),
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

/// Finds microsatellites in a whole sequence (a contig): homopolymers of at least
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
    let st = ScanSettings {
        min_homopolymer,
        min_repeats,
        max_len,
        flank,
    };
    scan_range(ContigId::new(contig), seq, 0, 0, seq.len(), &st)
}

/// METHOD: the sites of one shard, identical to those of a whole-contig [`scan`] (so output
/// never depends on shards). The greedy scan is restarted at a break point `b <= core.start`
/// that no qualifying tract starting before it covers: the whole-contig scan cannot jump over
/// such a point, so both scans agree from `b` on. `reference` must start at least
/// `max_len + flank` bases before the core (where the contig allows) and end `max_len + flank`
/// after it.
pub fn scan_shard(reference: &RefSlice<'_>, core: Region, st: &ScanSettings) -> Vec<MsSite> {
    let seq = reference.seq;
    let off = reference.start;
    if seq.is_empty() || core.start < off {
        return Vec::new();
    }
    let rel = |p: u64| (p - off) as usize;
    let reach = st.max_len as usize;
    let mut b = rel(core.start);
    loop {
        let lo = b.saturating_sub(reach);
        // the leftmost qualifying tract before `b` that reaches past it
        let cover =
            (lo..b).find(|&j| best_at(seq, j, st).is_some_and(|(u, c)| j + u * c as usize > b));
        match cover {
            None => break,
            Some(j) => {
                b = j;
                if j == 0 || (off == 0 && j <= st.flank) {
                    break;
                }
            }
        }
    }
    // at a contig start the whole-contig scan starts at the flank
    let from = if off == 0 { b.max(st.flank) } else { b };
    let until = rel(core.end.min(off + seq.len() as u64));
    scan_range(core.contig, seq, off, from, until, st)
        .into_iter()
        .filter(|s| s.start.get() >= core.start && s.start.get() < core.end)
        .collect()
}

/// msisensor-pro's sequence search: the first occurrence of the left flank that is followed by
/// at least one unit and, right after the units, by the right flank.
pub(crate) fn repeat_count_in_seq(seq: &[u8], site: &MsSite) -> Option<u32> {
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
    memchr::memmem::find(hay, needle)
}

/// Which sites the MSI observer counts.
#[derive(Clone, Copy, Debug)]
pub enum SiteSource<'a> {
    /// A site list (sorted by contig and start).
    List(&'a [MsSite]),
    /// Sites scanned from the reference of each shard ([`scan_shard`], default settings).
    Scan,
}

/// The MSI observer: per site whose repeat starts in the shard core, the repeat-length
/// histogram of each sample (sample index = input index).
pub struct MsiObserver<'a> {
    /// Where the sites come from.
    pub sites: SiteSource<'a>,
    /// Samples fetched.
    pub n_samples: usize,
    /// Minimum mapping quality of a counted read.
    pub min_mapq: u8,
    /// A read counts for a site only if it starts within this many bp of the repeat start.
    pub read_window: u64,
    /// Per contig: whether its sites count for MSI (the primary chromosomes of a human genome);
    /// empty = every contig.
    pub contigs: Vec<bool>,
}

/// Per-shard MSI partial: the shard's sites and, per site, a histogram per sample.
#[derive(Default)]
pub struct MsiPartial {
    /// Sites of the shard, in order.
    pub sites: Vec<MsSite>,
    /// Per site: one histogram per sample.
    pub hist: Vec<Vec<Histogram>>,
    /// Per sample: the first site not yet behind the reads (reads arrive sorted by start).
    cursor: Vec<usize>,
    /// The bases of the read being matched (reused).
    seq: Vec<u8>,
}

/// Every site of a pass with its histograms, in genome order (partials appended in order).
#[derive(Debug, Default)]
pub struct MsiCounts {
    /// Sites.
    pub sites: Vec<MsSite>,
    /// Per site: one histogram per sample.
    pub hist: Vec<Vec<Histogram>>,
}

impl MsiCounts {
    /// Appends a shard's partial (shards arrive in genome order).
    pub fn add(&mut self, p: MsiPartial) {
        self.sites.extend(p.sites);
        self.hist.extend(p.hist);
    }

    /// Rows `(site, sample name, histogram)` in site order, for the histogram table.
    pub fn rows(&self, names: &[String]) -> Vec<(usize, String, Histogram)> {
        let mut rows = Vec::new();
        for (i, hs) in self.hist.iter().enumerate() {
            for (k, h) in hs.iter().enumerate() {
                rows.push((i, names[k].clone(), h.clone()));
            }
        }
        rows
    }
}

/// Histograms keyed by site location (a baseline pooled from normals).
pub type Baseline = HashMap<(ContigId, Pos0), Histogram>;

impl ColumnObserver for MsiObserver<'_> {
    type Partial = MsiPartial;

    fn padding(&self) -> u64 {
        self.read_window
    }

    fn fields(&self) -> Fields {
        // tract lengths come from a read's bases, CIGAR and flags alone
        Fields::BASES
    }

    fn begin(&self, shard: &Shard, reference: &RefSlice<'_>) -> MsiPartial {
        let c = shard.core;
        if !self.contigs.get(c.contig.index()).copied().unwrap_or(true) {
            return MsiPartial::default();
        }
        let sites: Vec<MsSite> = match self.sites {
            SiteSource::List(list) => {
                let lo =
                    list.partition_point(|s| (s.contig, s.start) < (c.contig, Pos0::new(c.start)));
                let hi =
                    list.partition_point(|s| (s.contig, s.start) < (c.contig, Pos0::new(c.end)));
                list[lo..hi].to_vec()
            }
            SiteSource::Scan => scan_shard(reference, c, &ScanSettings::default()),
        };
        MsiPartial {
            hist: vec![vec![Vec::new(); self.n_samples]; sites.len()],
            sites,
            cursor: vec![0; self.n_samples],
            seq: Vec::new(),
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
        if !pass || p.sites.is_empty() || (a.mapq != 255 && a.mapq < self.min_mapq) {
            return;
        }
        let w = self.read_window as i64;
        // sites whose start lies within the read window around the read's start: the first
        // is found by advancing this sample's cursor (reads come sorted by start), or by a
        // search when a read starts before the previous one
        let behind = |s: &MsSite| (s.start.get() as i64) + w < a.start;
        let sites = &p.sites;
        let Some(cursor) = p.cursor.get_mut(sample) else {
            return;
        };
        if *cursor > 0 && !behind(&sites[*cursor - 1]) {
            *cursor = sites.partition_point(behind);
        }
        while *cursor < sites.len() && behind(&sites[*cursor]) {
            *cursor += 1;
        }
        let first = *cursor;
        if first == sites.len() || (sites[first].start.get() as i64) - w > a.start {
            return;
        }
        const NIB: &[u8; 16] = b"=ACMGRSVTWYHKDBN";
        let seq = &mut p.seq;
        seq.clear();
        seq.extend((0..a.seq_len).map(|i| NIB[a.nibble(i) as usize]));
        for (k, s) in sites.iter().enumerate().skip(first) {
            if (s.start.get() as i64) - w > a.start {
                break;
            }
            if let Some(c) = repeat_count_in_seq(seq, s) {
                let h = &mut p.hist[k][sample];
                if h.len() <= c as usize {
                    h.resize(c as usize + 1, 0);
                }
                h[c as usize] += 1;
            }
        }
    }

    fn handles_empty(&self, _partial: &Self::Partial) -> bool {
        true
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
pub(crate) fn site_test(
    tumor: &[u32],
    reference: &[u32],
    t: &MsiThresholds,
) -> Option<(f64, bool)> {
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
pub(crate) const SCAN_MAX_LEN: u32 = 60;
/// See [`SCAN_MIN_HOMOPOLYMER`].
pub(crate) const SCAN_FLANK: usize = 5;
/// METHOD: a read counts for a site only if it starts within 110 bp of it (msisensor-pro).
pub(crate) const READ_WINDOW: u64 = 110;

/// The sites whose repeat starts inside `regions`.
pub(crate) fn sites_in_regions(sites: Vec<MsSite>, regions: &[Region]) -> Vec<MsSite> {
    sites
        .into_iter()
        .filter(|s| regions.iter().any(|r| r.contains(s.contig, s.start)))
        .collect()
}

/// Windows around sites (flanks plus a margin) for restricting a pass to them.
pub(crate) fn site_windows(sites: &[MsSite], contigs: &[Contig]) -> Vec<Region> {
    sites
        .iter()
        .map(|s| Region {
            contig: s.contig,
            start: s.start.get().saturating_sub(200),
            end: (s.start.get() + s.repeat_len() + 200).min(contigs[s.contig].len),
        })
        .collect()
}

/// METHOD: fewest microsatellite sites tested for an MSI status to be read: below 20, one site
/// moves the score by 5 points or more around the 20% MSI-H threshold.
pub const MIN_MSI_SITES: u32 = 20;

/// Why an MSI result from `tested` sites is not evaluable (below [`MIN_MSI_SITES`]).
pub(crate) fn msi_not_evaluable(tested: u32) -> String {
    format!(
        "MSI not evaluable: {tested} microsatellite site(s) tested, below the minimum of {MIN_MSI_SITES}"
    )
}

/// The warning an indeterminate MSI result raises.
pub(crate) fn msi_warning(m: &MsiResult) -> Option<String> {
    (m.status == MsiStatus::Indeterminate).then(|| {
        format!(
            "MSI indeterminate: score {:.2}% over {} sites",
            m.score, m.sites_tested
        )
    })
}

/// What the tumor is compared with.
pub enum MsiReference<'a> {
    /// Another sample of the same pass (the matched normal).
    Sample(usize),
    /// A baseline pooled from normals.
    Baseline(&'a Baseline),
}

/// Combines the per-site histograms of sample `tumor` into the MSI result.
pub fn score(
    counts: &MsiCounts,
    contig_names: &[String],
    tumor: usize,
    reference: MsiReference<'_>,
    t: &MsiThresholds,
) -> MsiResult {
    let mut tested = 0;
    let mut unstable = Vec::new();
    for (i, s) in counts.sites.iter().enumerate() {
        let th = &counts.hist[i][tumor];
        let r = match &reference {
            MsiReference::Sample(k) => Some(&counts.hist[i][*k]),
            MsiReference::Baseline(b) => b.get(&(s.contig, s.start)),
        };
        let Some(r) = r else { continue };
        if let Some((p, u)) = site_test(th, r, t) {
            tested += 1;
            if u {
                unstable.push(SiteResult {
                    site: format!("{}:{}", contig_names[s.contig.index()], s.start.to_pos1()),
                    tumor_reads: th.iter().sum(),
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
    let evaluable = tested >= MIN_MSI_SITES;
    let status = if !evaluable {
        MsiStatus::NotEvaluable
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
        evaluable,
        not_evaluable_reason: (!evaluable).then(|| msi_not_evaluable(tested)),
        mode: match reference {
            MsiReference::Sample(_) => MsiMode::Paired,
            MsiReference::Baseline(_) => MsiMode::Baseline,
        },
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

    /// A sequence dense in overlapping and adjacent repeats (the hard case for restarting a
    /// greedy scan mid-sequence).
    fn repeat_rich(n: usize) -> Vec<u8> {
        let mut x = 7u64;
        let mut rnd = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as usize
        };
        let mut v = Vec::with_capacity(n);
        while v.len() < n {
            match rnd() % 4 {
                0 => {
                    let b = b"ACGT"[rnd() % 4];
                    v.extend(std::iter::repeat_n(b, 5 + rnd() % 20));
                }
                1 => {
                    let u: Vec<u8> = (0..1 + rnd() % 5).map(|_| b"ACGT"[rnd() % 4]).collect();
                    for _ in 0..2 + rnd() % 12 {
                        v.extend_from_slice(&u);
                    }
                }
                _ => v.extend((0..1 + rnd() % 8).map(|_| b"ACGT"[rnd() % 4])),
            }
        }
        v.truncate(n);
        v
    }

    /// The tract search as first written (slice comparisons copy by copy): the oracle of the
    /// run-length form that [`best_at`] uses.
    fn best_at_by_copies(seq: &[u8], i: usize, st: &ScanSettings) -> Option<(usize, u32)> {
        let n = seq.len();
        let mut best: Option<(usize, u32)> = None;
        for u in 1..=5usize {
            if i + u > n || seq[i..i + u].contains(&b'N') {
                continue;
            }
            if u > 1 && crate::somatic::normalize::repeat_unit(&seq[i..i + u]).len() != u {
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
            let len = c * u as u32;
            if st.qualifies(u, c)
                && len <= st.max_len
                && best.is_none_or(|(bu, bc)| len > bu as u32 * bc)
            {
                best = Some((u, c));
            }
        }
        best
    }

    #[test]
    fn the_run_length_tract_search_equals_the_copy_by_copy_one() {
        let mut seq = repeat_rich(40_000);
        // Ns and tracts longer than the cap too
        for k in (0..seq.len()).step_by(997) {
            seq[k] = b'N';
        }
        seq.extend(std::iter::repeat_n(b'A', 200));
        seq.extend(b"CA".repeat(80));
        // an assembly gap, with a tract right after it
        seq.extend(std::iter::repeat_n(b'N', 300));
        seq.extend(b"ACGTTTTTTTTTTTTTGCA");
        let settings = [
            ScanSettings::default(),
            ScanSettings {
                min_homopolymer: 1,
                min_repeats: 1,
                max_len: 12,
                flank: 2,
            },
            ScanSettings {
                min_homopolymer: 3,
                min_repeats: 2,
                max_len: 200,
                flank: 5,
            },
        ];
        for st in &settings {
            for i in 0..seq.len() {
                assert_eq!(
                    best_at(&seq, i, st),
                    best_at_by_copies(&seq, i, st),
                    "at {i} with {st:?}"
                );
            }
        }
    }

    #[test]
    fn scanning_shard_by_shard_equals_scanning_the_whole_contig() {
        let seq = repeat_rich(60_000);
        let whole = scan(0, &seq, 10, 5, 60, 5);
        assert!(whole.len() > 300, "{}", whole.len());
        let st = ScanSettings::default();
        for shard in [97u64, 1000, 7777, 60_000] {
            let mut got = Vec::new();
            let mut start = 0;
            while start < seq.len() as u64 {
                let end = (start + shard).min(seq.len() as u64);
                let from = start.saturating_sub(140);
                let to = (end + 140).min(seq.len() as u64);
                let r = RefSlice {
                    start: from,
                    seq: &seq[from as usize..to as usize],
                };
                let core = Region {
                    contig: ContigId::new(0),
                    start,
                    end,
                };
                got.extend(scan_shard(&r, core, &st));
                start = end;
            }
            assert_eq!(got, whole, "shard size {shard}");
        }
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
