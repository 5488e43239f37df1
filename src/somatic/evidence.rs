//! [`CallObserver`]: the somatic caller's view of the one pass.
//!
//! For every read of every sample it records only what differs from the reference (a base
//! of quality `>= min_base_quality` that is not the reference base, or an indel, placed at its
//! left-normalised anchor), plus per-position reference strand counts. Columns give the
//! fragment-level depth (overlapping mates once) at the positions that have such evidence.
//! At the end of the shard, candidates are scored (TLOD/NLOD) and the per-site filters are
//! applied. Memory: one observation per non-reference base or indel read, two `u32` per
//! position and sample.

use std::hash::{Hash, Hasher};

use crate::types::fxhash::{Fx, FxHashMap};

use super::model::{binom_two_sided, nlod, phred_to_err, tlod};
use super::normalize::{left_align_del, left_align_ins, repeat_unit, tract_len};
use super::{Allele, Call, Filter, SampleSupport, VarKind};
use crate::engine::{Column, ColumnObserver, RefSlice};
use crate::types::{
    aln::{flag, op},
    Aln, Field, Pos0, Region, Shard, Tally,
};

/// Caller settings (validated by the CLI).
#[derive(Clone, Debug)]
pub struct CallSettings {
    /// Bases below this quality are not evidence (and count as N in depth).
    pub min_base_quality: u8,
    /// Nominal error of a reference read (their qualities are not kept).
    pub ref_error: f64,
    /// Fewest alt fragments for an SNV candidate.
    pub min_alt_reads: u32,
    /// Fewest alt fragments for an indel candidate.
    pub min_alt_reads_indel: u32,
    /// Lowest TLOD written to the VCF at all.
    pub emit_lod: f64,
    /// TLOD below which a call is filtered `weak_evidence`.
    pub min_tlod: f64,
    /// NLOD below which a call is filtered `normal_lod`.
    pub min_nlod: f64,
    /// Normal alt fragments from which a call is filtered `normal_artifact` (with `max_normal_af`).
    pub max_normal_alt: u32,
    /// Normal allele fraction from which `normal_artifact` applies.
    pub max_normal_af: f64,
    /// Median alt base quality below which `base_qual` applies.
    pub min_median_bq: u8,
    /// Median alt mapping quality below which `map_qual` applies.
    pub min_median_mq: u8,
    /// Median alt distance from the read end below which `position` applies.
    pub min_median_end_dist: u16,
    /// Strand-bias binomial p-value below which `strand_bias` applies.
    pub strand_bias_p: f64,
    /// Tumor VAF below which a 1-unit indel in a long repeat is `slippage`.
    pub slippage_max_af: f64,
    /// Whether a matched normal is present (sample 1).
    pub has_normal: bool,
}

impl Default for CallSettings {
    fn default() -> Self {
        CallSettings {
            min_base_quality: 10,
            ref_error: phred_to_err(30),
            min_alt_reads: 3,
            min_alt_reads_indel: 2,
            emit_lod: 3.0,
            min_tlod: 6.3,
            min_nlod: 2.2,
            max_normal_alt: 2,
            max_normal_af: 0.03,
            min_median_bq: 20,
            min_median_mq: 30,
            min_median_end_dist: 5,
            strand_bias_p: 1e-3,
            slippage_max_af: 0.10,
            has_normal: true,
        }
    }
}

#[derive(Clone, Debug)]
struct Obs {
    sample: u8,
    pos: i64,
    allele: Allele,
    bq: u8,
    mq: u8,
    reverse: bool,
    /// F1R2 pair orientation (read 1 forward or read 2 reverse; unpaired: forward).
    f1r2: bool,
    end_dist: u16,
    template: u64,
    fragment: u64,
}

/// The reference slice of a shard packed like BAM sequences (two 4-bit codes per byte), in both
/// phases: `[0]` byte `j` holds bases `2j, 2j+1`; `[1]` holds `2j+1, 2j+2`. A read's aligned
/// block is compared 16 bases at a time against the phase that lines up with its packing, and
/// only chunks that differ are looked at base by base.
fn pack_reference(seq: &[u8]) -> [Vec<u8>; 2] {
    let half = seq.len() / 2 + 2;
    [
        pack_pairs(seq, half),
        pack_pairs(seq.get(1..).unwrap_or(&[]), half),
    ]
}

/// BAM's 4-bit code of an A/C/G/T reference base; 15 for anything else.
const REF_CODE: [u8; 256] = {
    let mut t = [15u8; 256];
    t[b'A' as usize] = 1;
    t[b'C' as usize] = 2;
    t[b'G' as usize] = 4;
    t[b'T' as usize] = 8;
    t
};

/// `seq` two bases per byte (high nibble first), padded with code 15 to `len` bytes.
fn pack_pairs(seq: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let pairs = seq.chunks_exact(2);
    let odd = pairs.remainder().first().copied();
    out.extend(pairs.map(|p| REF_CODE[p[0] as usize] << 4 | REF_CODE[p[1] as usize]));
    if let Some(b) = odd {
        out.push(REF_CODE[b as usize] << 4 | 15);
    }
    out.resize(len, 0xff);
    out
}

/// The length of the leading run (in bases, even) over which the packed read bytes equal the
/// packed reference bytes.
#[inline]
fn equal_prefix(read: &[u8], reference: &[u8]) -> usize {
    let n = read.len().min(reference.len());
    let mut k = 0;
    while k + 8 <= n {
        let a = u64::from_ne_bytes(read[k..k + 8].try_into().expect("8 bytes"));
        let b = u64::from_ne_bytes(reference[k..k + 8].try_into().expect("8 bytes"));
        if a != b {
            break;
        }
        k += 8;
    }
    while k < n && read[k] == reference[k] {
        k += 1;
    }
    2 * k
}

/// Per-shard state of the caller.
pub struct CallPartial {
    packed_ref: [Vec<u8>; 2],
    core: Region,
    obs: Vec<Obs>,
    /// Per sample: forward/reverse strand coverage (a difference array until `finish`).
    ref_fwd: Vec<Vec<i32>>,
    ref_rev: Vec<Vec<i32>>,
    /// Per sample: coverage by reads in F1R2 orientation (a difference array until `finish`).
    ref_f1r2: Vec<Vec<i32>>,
    /// Positions where some allele may reach the evidence thresholds (see
    /// [`candidate_positions`]), sorted; known once every read has been seen.
    cand_pos: Vec<i64>,
    cand_ready: bool,
    cursor: usize,
    tallies: FxHashMap<i64, Vec<Tally>>,
    /// The scored calls of the shard, sorted by position.
    pub calls: Vec<Call>,
    /// Per sample: every non-reference base of the shard by damage class and orientation.
    pub damage: Vec<DamageCounts>,
}

/// Non-reference bases (quality >= the evidence threshold, each read) of one sample by artifact
/// class and pair orientation. METHOD: formalin deamination shows as C>T in F1R2 reads and G>A
/// in F2R1 reads (the damaged strand is the one read 1 reads), 8-oxoguanine as G>T in F1R2 and
/// C>A in F2R1; sequencing errors and true variants fall in either orientation alike.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DamageCounts {
    /// Deamination substitutions (C>T, G>A) in the artifact orientation / the other one.
    pub deamination: [u64; 2],
    /// Oxidation substitutions (G>T, C>A) in the artifact orientation / the other one.
    pub oxog: [u64; 2],
}

/// Share of a damage class's substitutions in the artifact orientation from which the sample
/// is damaged (0.5 without damage; 0.6 = the artifacts are a fifth of them).
pub const DAMAGE_MIN_RATIO: f64 = 0.6;
/// Fewest substitutions of the class to judge (below: too few bases to tell).
pub use crate::types::results::DAMAGE_MIN_BASES;

impl DamageCounts {
    /// The (artifact orientation, other orientation) counts of class 0 (deamination) or 1 (oxoG).
    pub fn class(&self, class: usize) -> [u64; 2] {
        if class == 0 {
            self.deamination
        } else {
            self.oxog
        }
    }

    /// Whether the sample shows damage of the class: >= [`DAMAGE_MIN_BASES`] substitutions and
    /// >= [`DAMAGE_MIN_RATIO`] of them in the artifact orientation.
    pub fn damaged(&self, class: usize) -> bool {
        let [a, o] = self.class(class);
        a + o >= DAMAGE_MIN_BASES && a as f64 >= DAMAGE_MIN_RATIO * (a + o) as f64
    }

    /// Adds another shard's counts.
    pub fn add(&mut self, o: &DamageCounts) {
        for k in 0..2 {
            self.deamination[k] += o.deamination[k];
            self.oxog[k] += o.oxog[k];
        }
    }
}

/// The artifact class of a substitution and whether orientation `f1r2` is the one its
/// artifact shows in: `Some((0 deamination | 1 oxoG, in artifact orientation))`.
pub(crate) fn artifact_class(refb: u8, alt: u8, f1r2: bool) -> Option<(usize, bool)> {
    match (refb, alt) {
        (b'C', b'T') => Some((0, f1r2)),
        (b'G', b'A') => Some((0, !f1r2)),
        (b'G', b'T') => Some((1, f1r2)),
        (b'C', b'A') => Some((1, !f1r2)),
        _ => None,
    }
}

impl CallPartial {
    /// End of the shard's core span.
    pub(crate) fn core_end(&self) -> u64 {
        self.core.end
    }
}

/// The observer: sample 0 is the tumor, sample 1 the normal when present.
pub struct CallObserver {
    /// Settings.
    pub settings: CallSettings,
    /// Number of samples fetched.
    pub n_samples: usize,
}

fn hash_of<T: Hash>(t: &T) -> u64 {
    let mut h = Fx::default();
    t.hash(&mut h);
    h.finish()
}

const NIB2BASE: [u8; 16] = *b"NACNGNNNTNNNNNNN";

/// The positions of the core (sorted) with at least `min` tumor observations (every allele,
/// before the one-per-template reduction): a necessary condition for any allele there to have
/// `min` tumor fragments, so no other position can yield a call.
fn candidate_positions(obs: &[Obs], core: Region, min: usize) -> Vec<i64> {
    let lo = core.start as i64;
    let mut count = vec![0u32; core.len() as usize];
    for o in obs.iter().filter(|o| o.sample == 0) {
        if let Some(c) = usize::try_from(o.pos - lo)
            .ok()
            .and_then(|i| count.get_mut(i))
        {
            *c += 1;
        }
    }
    count
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c as usize >= min)
        .map(|(i, _)| lo + i as i64)
        .collect()
}

impl CallObserver {
    /// Fewest tumor observations at a position for any of its alleles to reach the SNV or
    /// indel fragment threshold (at least one: a position without tumor evidence is no call).
    fn min_tumor_obs(&self) -> usize {
        let s = &self.settings;
        s.min_alt_reads.min(s.min_alt_reads_indel).max(1) as usize
    }

    fn ref_err_of(&self, bq: u8, mq: u8) -> f64 {
        // METHOD: a read's error is the larger of its base error and its mapping error.
        let mq = if mq == 255 { 60 } else { mq };
        phred_to_err(bq.min(mq))
    }

    fn indel_err(&self, repeat_len: u32, unit_len: usize, mq: u8) -> f64 {
        // METHOD: indel error 1e-4 outside repeats; in a repeat tract of L bp it grows like
        // PCR/sequencer slippage, 0.01·(L/10)² (x0.3 for 2-5 bp units), capped at 0.25.
        let mut e = 1e-4f64;
        if repeat_len >= 4 {
            let l = repeat_len as f64 / 10.0;
            let mut s = 0.01 * l * l;
            if unit_len > 1 {
                s *= 0.3;
            }
            e = e.max(s.min(0.25));
        }
        let mq = if mq == 255 { 60 } else { mq };
        e.max(phred_to_err(mq))
    }
}

impl ColumnObserver for CallObserver {
    type Partial = CallPartial;

    fn padding(&self) -> u64 {
        // left-normalisation can move an indel this far back (long repeats)
        1000
    }

    fn begin(&self, shard: &Shard, reference: &RefSlice<'_>) -> CallPartial {
        let n = shard.core.len() as usize;
        CallPartial {
            packed_ref: pack_reference(reference.seq),
            core: shard.core,
            obs: Vec::new(),
            ref_fwd: vec![vec![0; n + 1]; self.n_samples],
            ref_rev: vec![vec![0; n + 1]; self.n_samples],
            ref_f1r2: vec![vec![0; n + 1]; self.n_samples],
            cand_pos: Vec::new(),
            cand_ready: false,
            cursor: 0,
            tallies: FxHashMap::default(),
            calls: Vec::new(),
            damage: vec![DamageCounts::default(); self.n_samples],
        }
    }

    fn overlapping(
        &self,
        p: &mut CallPartial,
        sample: usize,
        a: &Aln<'_>,
        pass: bool,
        rf: &RefSlice<'_>,
    ) {
        if !pass {
            return;
        }
        let (lo, hi) = (p.core.start as i64, p.core.end as i64);
        let mut read = ReadEvidence::new(a, sample, self.settings.min_base_quality);
        // strand coverage as a difference array over aligned blocks (O(blocks) per read);
        // reference-strand counts are this coverage minus the alt reads on that strand
        let mut r = a.start;
        let mut q = 0usize;
        for &w in a.cigar {
            let o = w & 0xf;
            let l = (w >> 4) as i64;
            match o {
                op::MATCH | op::EQ | op::DIFF => {
                    let (from, to) = (r.max(lo), (r + l).min(hi));
                    if from < to {
                        p.add_coverage(sample, read.reverse, read.f1r2, from - lo, to - lo);
                        if read.full {
                            read.mismatches(p, rf, q + (from - r) as usize, from, to);
                        }
                    }
                    r += l;
                    q += l as usize;
                }
                op::DEL => {
                    if l > 0 && r > 0 {
                        let anchor =
                            left_align_del(r - 1, l as u32, rf.start as i64, |x| rf.base(x));
                        if anchor >= lo && anchor < hi {
                            let bq = a.qual_at(q.saturating_sub(1));
                            read.push(p, anchor, Allele::Del(l as u32), bq, q);
                        }
                    }
                    r += l;
                }
                op::INS => {
                    if l > 0 && r > 0 && q > 0 {
                        read.insertion(p, rf, r, q, l as usize, (lo, hi));
                    }
                    q += l as usize;
                }
                op::SOFT => q += l as usize,
                op::SKIP => r += l,
                _ => {}
            }
            if r >= hi + 1000 {
                break;
            }
        }
    }

    fn handles_empty(&self, p: &CallPartial) -> bool {
        // a read starting in the padding may left-align an indel into an empty core
        p.obs.is_empty()
    }

    fn column(&self, p: &mut CallPartial, col: &Column<'_>) {
        if !p.cand_ready {
            p.cand_pos = candidate_positions(&p.obs, p.core, self.min_tumor_obs());
            p.cand_ready = true;
        }
        let pos = col.pos.get() as i64;
        while p.cursor < p.cand_pos.len() && p.cand_pos[p.cursor] < pos {
            p.cursor += 1;
        }
        if p.cursor < p.cand_pos.len() && p.cand_pos[p.cursor] == pos {
            p.tallies.insert(pos, col.samples.to_vec());
        }
    }

    fn finish(&self, p: &mut CallPartial, rf: &RefSlice<'_>) {
        p.prefix_sum_coverage();
        let mut obs = std::mem::take(&mut p.obs);
        count_damage(&obs, rf, &mut p.damage);
        if !p.cand_ready {
            p.cand_pos = candidate_positions(&obs, p.core, self.min_tumor_obs());
        }
        // only candidate positions can be called: the rest (mostly single sequencing errors)
        // skip the sort and the scoring; every observation of a kept position is kept, so the
        // raw counts of the positions scored are unchanged
        let cand = &p.cand_pos;
        obs.retain(|o| cand.binary_search(&o.pos).is_ok());
        let raw_counts = raw_alt_counts(&obs);
        one_per_template(&mut obs);
        let mut calls: Vec<Call> = Vec::new();
        let mut i = 0;
        while i < obs.len() {
            let mut j = i;
            while j < obs.len() && obs[j].pos == obs[i].pos && obs[j].allele == obs[i].allele {
                j += 1;
            }
            calls.extend(self.score(p, &obs[i..j], rf, &raw_counts));
            i = j;
        }
        // multiallelic: each allele stands on its own evidence; see `multiallelic`
        calls.sort_by(|a, b| {
            (a.pos, &a.ref_allele, &a.alt_allele).cmp(&(b.pos, &b.ref_allele, &b.alt_allele))
        });
        let mut k = 0;
        while k < calls.len() {
            let mut m = k;
            while m < calls.len() && calls[m].pos == calls[k].pos {
                m += 1;
            }
            multiallelic(&mut calls[k..m], self.settings.min_tlod);
            k = m;
        }
        p.calls = calls;
        p.ref_fwd = Vec::new();
        p.ref_rev = Vec::new();
        p.ref_f1r2 = Vec::new();
        p.packed_ref = Default::default();
        p.tallies = FxHashMap::default();
        p.cand_pos = Vec::new();
    }
}

/// A read's identity and orientation while its evidence is collected.
struct ReadEvidence<'r, 'a> {
    a: &'r Aln<'a>,
    sample: u8,
    reverse: bool,
    /// F1R2 pair orientation (read 1 forward or read 2 reverse; unpaired: forward).
    f1r2: bool,
    /// Qualities cover the sequence (SNV evidence needs them).
    full: bool,
    min_bq: u8,
    /// (template, fragment) hashes, computed only when the read carries evidence (most reads
    /// carry none).
    ids: Option<(u64, u64)>,
}

impl<'r, 'a> ReadEvidence<'r, 'a> {
    fn new(a: &'r Aln<'a>, sample: usize, min_bq: u8) -> Self {
        let reverse = a.flags & flag::REVERSE != 0;
        let second = a.flags & flag::PAIRED != 0 && a.flags & flag::READ2 != 0;
        ReadEvidence {
            a,
            sample: sample as u8,
            reverse,
            f1r2: reverse == second,
            full: a.seq_len > 0 && a.qual.len() >= a.seq_len,
            min_bq,
            ids: None,
        }
    }

    fn ids(&mut self) -> (u64, u64) {
        let a = self.a;
        let reverse = self.reverse;
        *self.ids.get_or_insert_with(|| {
            let template = hash_of(&a.name);
            let fragment =
                if a.flags & flag::PAIRED != 0 && a.mate_tid == a.tid && a.mate_start >= 0 {
                    hash_of(&(
                        a.start.min(a.mate_start),
                        a.start.max(a.mate_start),
                        a.flags & 0xc0 != 0,
                    ))
                } else {
                    hash_of(&(a.start, reverse))
                };
            (template, fragment)
        })
    }

    /// Distance of query base `q` from the nearer read end.
    fn end_dist(&self, q: usize) -> u16 {
        let len = self.a.seq_len;
        let d = q.min(len.saturating_sub(1 + q));
        d.min(u16::MAX as usize) as u16
    }

    #[inline]
    fn push(&mut self, p: &mut CallPartial, pos: i64, allele: Allele, bq: u8, q: usize) {
        let (template, fragment) = self.ids();
        p.obs.push(Obs {
            sample: self.sample,
            pos,
            allele,
            bq,
            mq: self.a.mapq,
            reverse: self.reverse,
            f1r2: self.f1r2,
            end_dist: self.end_dist(q),
            template,
            fragment,
        });
    }

    /// The non-reference bases of an aligned block `[from, to)` (query offset `q0`) with
    /// quality >= the evidence threshold.
    #[inline]
    fn mismatches(
        &mut self,
        p: &mut CallPartial,
        rf: &RefSlice<'_>,
        q0: usize,
        from: i64,
        to: i64,
    ) {
        let a = self.a;
        let n = (to - from) as usize;
        let rs = (from - rf.start as i64) as usize;
        let refs = rf.seq.get(rs..rs + n).unwrap_or(&[]);
        if refs.len() != n || q0 + n > a.seq_len {
            return;
        }
        let mut i = 0usize;
        while i < n {
            let qi = q0 + i;
            // skip runs equal to the reference, 16 bases at a time
            if qi & 1 == 0 && i + 16 <= n {
                let ri = rs + i;
                let packed = &p.packed_ref[ri & 1][ri >> 1..];
                let read = &a.seq[qi >> 1..(q0 + n) >> 1];
                let same = equal_prefix(read, packed);
                if same > 0 {
                    i += same;
                    continue;
                }
            }
            let refb = refs[i];
            let byte = a.seq[qi >> 1];
            let nib = if qi & 1 == 0 { byte >> 4 } else { byte & 0xf };
            let base = NIB2BASE[nib as usize];
            i += 1;
            if base == refb || base == b'N' || refb == b'N' {
                continue;
            }
            let bq = a.qual[qi];
            if bq < self.min_bq {
                continue;
            }
            self.push(p, from + (i - 1) as i64, Allele::Snv(base), bq, qi);
        }
    }

    /// An insertion of `l` query bases at query offset `q` after reference position `r - 1`,
    /// left-aligned; recorded when its anchor lies in the core `[lo, hi)`.
    fn insertion(
        &mut self,
        p: &mut CallPartial,
        rf: &RefSlice<'_>,
        r: i64,
        q: usize,
        l: usize,
        (lo, hi): (i64, i64),
    ) {
        let a = self.a;
        let mut seq: Vec<u8> = (q..q + l).map(|i| NIB2BASE[a.nibble(i) as usize]).collect();
        if seq.contains(&b'N') {
            return;
        }
        let anchor = left_align_ins(r - 1, &mut seq, rf.start as i64, |x| rf.base(x));
        if anchor >= lo && anchor < hi {
            let bq = (q..q + l).map(|i| a.qual_at(i)).min().unwrap_or(0);
            self.push(p, anchor, Allele::Ins(seq), bq, q);
        }
    }
}

impl CallPartial {
    /// Adds a read's aligned block `[from, to)` (core offsets) to its strand's coverage (and
    /// the F1R2 coverage).
    #[inline]
    fn add_coverage(&mut self, sample: usize, reverse: bool, f1r2: bool, from: i64, to: i64) {
        let strand = if reverse {
            &mut self.ref_rev[sample]
        } else {
            &mut self.ref_fwd[sample]
        };
        strand[from as usize] += 1;
        strand[to as usize] -= 1;
        if f1r2 {
            let orient = &mut self.ref_f1r2[sample];
            orient[from as usize] += 1;
            orient[to as usize] -= 1;
        }
    }

    /// Turns the coverage difference arrays into coverage.
    fn prefix_sum_coverage(&mut self) {
        for arr in self
            .ref_fwd
            .iter_mut()
            .chain(self.ref_rev.iter_mut())
            .chain(self.ref_f1r2.iter_mut())
        {
            let mut acc = 0i32;
            for v in arr.iter_mut() {
                acc += *v;
                *v = acc;
            }
        }
    }
}

/// Every non-reference base of the shard by damage class and pair orientation (before the
/// template de-duplication: a damaged base shows in each read that covers it).
fn count_damage(obs: &[Obs], rf: &RefSlice<'_>, damage: &mut [DamageCounts]) {
    for o in obs {
        if let Allele::Snv(alt) = o.allele {
            if let Some((class, artifact)) = artifact_class(rf.base(o.pos), alt, o.f1r2) {
                let d = &mut damage[o.sample as usize];
                let slot = if class == 0 {
                    &mut d.deamination
                } else {
                    &mut d.oxog
                };
                slot[usize::from(!artifact)] += 1;
            }
        }
    }
}

/// One observation per template (overlapping mates are one fragment): keeps the best base.
fn one_per_template(obs: &mut Vec<Obs>) {
    obs.sort_unstable_by(|a, b| {
        (a.pos, &a.allele, a.sample, a.template)
            .cmp(&(b.pos, &b.allele, b.sample, b.template))
            .then(b.bq.cmp(&a.bq))
            // total order, so the kept observation never depends on the input order
            .then(b.mq.cmp(&a.mq))
            .then(a.reverse.cmp(&b.reverse))
            .then(a.end_dist.cmp(&b.end_dist))
            .then(a.fragment.cmp(&b.fragment))
    });
    obs.dedup_by(|b, a| {
        a.pos == b.pos && a.allele == b.allele && a.sample == b.sample && a.template == b.template
    });
}

/// An allele's VCF form: kind, REF, ALT, and the repeat tract around an indel (length, unit).
fn vcf_alleles(
    allele: &Allele,
    pos: i64,
    rf: &RefSlice<'_>,
) -> (VarKind, String, String, u32, usize) {
    let refb = rf.base(pos);
    match allele {
        Allele::Snv(b) => (
            VarKind::Snv,
            (refb as char).to_string(),
            (*b as char).to_string(),
            0,
            1,
        ),
        Allele::Del(l) => {
            let del: Vec<u8> = (1..=*l as i64).map(|k| rf.base(pos + k)).collect();
            let unit = repeat_unit(&del).to_vec();
            let tl = tract_len(pos, &unit, |x| rf.base(x));
            let mut r = vec![refb];
            r.extend_from_slice(&del);
            (
                VarKind::Del,
                String::from_utf8_lossy(&r).into_owned(),
                (refb as char).to_string(),
                tl,
                unit.len(),
            )
        }
        Allele::Ins(seq) => {
            let unit = repeat_unit(seq).to_vec();
            let tl = tract_len(pos, &unit, |x| rf.base(x));
            let mut a = vec![refb];
            a.extend_from_slice(seq);
            (
                VarKind::Ins,
                (refb as char).to_string(),
                String::from_utf8_lossy(&a).into_owned(),
                tl,
                unit.len(),
            )
        }
    }
}

fn median_u32(mut v: Vec<u32>) -> u32 {
    v.sort_unstable();
    v[v.len() / 2]
}

/// Fragments of the pileup showing base `b` (A, C, G, T; 0 for any other).
fn base_count(t: &Tally, b: u8) -> u32 {
    match b {
        b'A' => t.get(Field::A),
        b'C' => t.get(Field::C),
        b'G' => t.get(Field::G),
        b'T' => t.get(Field::T),
        _ => 0,
    }
}

/// METHOD: the reference fragments of an SNV's AD. The pileup resolves overlapping mates to one
/// base per fragment (by mapping quality, then read 1), the evidence keeps a fragment's alt base
/// whichever mate shows it; a fragment whose mates disagree (one ref, one alt) is then the
/// pileup's ref and the evidence's alt. Such fragments (the alt fragments beyond the pileup's
/// alt count) are taken out of the reference count, and the reference count never exceeds
/// `DP - alt`, so that `sum(AD) <= DP` holds for every record (DP counts each fragment once).
fn snv_ref_fragments(pileup_ref: u32, pileup_alt: u32, depth: u32, alt: u32) -> u32 {
    let disagreeing = alt.saturating_sub(pileup_alt);
    pileup_ref
        .saturating_sub(disagreeing)
        .min(depth.saturating_sub(alt))
}

/// What one sample shows at a candidate: depth, reference and alt fragments, split by strand
/// and pair orientation.
struct SupportInput<'s> {
    tally: &'s Tally,
    kind: VarKind,
    refb: u8,
    /// Non-reference reads of the sample at the position (fwd, rev, F1R2), every allele.
    raw: (i32, i32, i32),
    /// Reference-strand coverage at the position (fwd, rev, F1R2; both mates).
    coverage: (i32, i32, i32),
}

fn sample_support(x: &SupportInput<'_>, alts: &[&Obs]) -> SampleSupport {
    let t = x.tally;
    let depth = t.depth();
    let alt = alts.len() as u32;
    let ref_count = match (x.kind, alts.first().map(|o| &o.allele)) {
        (VarKind::Snv, Some(Allele::Snv(b))) => {
            snv_ref_fragments(base_count(t, x.refb), base_count(t, *b), depth, alt)
        }
        _ => depth.saturating_sub(alt),
    };
    // strand coverage counts reads (both mates) of any allele: subtract every non-reference
    // read at the position on that strand
    let (nf, nr, n12) = x.raw;
    // METHOD: AD, DP, SB and F1R2/F2R1 all count fragments (overlapping mates once): the alt
    // side by the kept read of each fragment, the reference side by splitting the reference
    // fragments in the strand and orientation shares of the reference reads (strand coverage
    // counts both mates).
    let rf_reads = (x.coverage.0 - nf).max(0) as f64;
    let rr_reads = (x.coverage.1 - nr).max(0) as f64;
    let r12_reads = (x.coverage.2 - n12).max(0) as f64;
    let share = |v: f64| -> u32 {
        let total = rf_reads + rr_reads;
        if total > 0.0 {
            ((ref_count as f64 * v / total).round() as u32).min(ref_count)
        } else {
            0
        }
    };
    let ref_fwd = share(rf_reads);
    SampleSupport {
        depth,
        ref_count,
        alt_count: alt,
        ref_fwd,
        ref_rev: ref_count - ref_fwd,
        alt_fwd: alts.iter().filter(|o| !o.reverse).count() as u32,
        alt_rev: alts.iter().filter(|o| o.reverse).count() as u32,
        ref_f1r2: share(r12_reads),
        alt_f1r2: alts.iter().filter(|o| o.f1r2).count() as u32,
    }
}

impl CallObserver {
    /// Scores one allele at one position (`group`: its de-duplicated observations, tumor and
    /// normal): None below the evidence thresholds.
    fn score(
        &self,
        p: &CallPartial,
        group: &[Obs],
        rf: &RefSlice<'_>,
        raw_counts: &FxHashMap<(u8, i64), (i32, i32, i32)>,
    ) -> Option<Call> {
        let s = &self.settings;
        let tumor: Vec<&Obs> = group.iter().filter(|o| o.sample == 0).collect();
        // METHOD: an SNV needs 3 supporting fragments (2 same-base errors at one position are
        // common genome-wide); an indel 2 (indel errors are rarer outside repeats).
        let min_alt = match group[0].allele {
            Allele::Snv(_) => s.min_alt_reads,
            _ => s.min_alt_reads_indel,
        };
        if (tumor.len() as u32) < min_alt {
            return None;
        }
        let pos = group[0].pos;
        let tallies = p.tallies.get(&pos)?;
        let off = (pos - p.core.start as i64) as usize;
        let (kind, ref_allele, alt_allele, repeat_len, unit_len) =
            vcf_alleles(&group[0].allele, pos, rf);
        if ref_allele.contains('N') {
            return None;
        }
        let support = |sample: usize, alts: &[&Obs]| -> SampleSupport {
            let input = SupportInput {
                tally: &tallies[sample],
                kind,
                refb: rf.base(pos),
                raw: raw_counts
                    .get(&(sample as u8, pos))
                    .copied()
                    .unwrap_or((0, 0, 0)),
                coverage: (
                    p.ref_fwd[sample][off],
                    p.ref_rev[sample][off],
                    p.ref_f1r2[sample][off],
                ),
            };
            sample_support(&input, alts)
        };
        let err_of = |o: &&Obs| match kind {
            VarKind::Snv => self.ref_err_of(o.bq, o.mq),
            _ => self.indel_err(repeat_len, unit_len, o.mq),
        };
        let t_sup = support(0, &tumor);
        let errs: Vec<f64> = tumor.iter().map(err_of).collect();
        let ref_err = match kind {
            VarKind::Snv => s.ref_error,
            _ => self.indel_err(repeat_len, unit_len, 60),
        };
        let t_lod = tlod(&errs, t_sup.ref_count, ref_err);
        if t_lod < s.emit_lod {
            return None;
        }
        let (n_sup, n_lod) = if s.has_normal && self.n_samples > 1 {
            let nalts: Vec<&Obs> = group.iter().filter(|o| o.sample == 1).collect();
            let sup = support(1, &nalts);
            let nerrs: Vec<f64> = nalts.iter().map(err_of).collect();
            let l = nlod(&nerrs, sup.ref_count, ref_err);
            (Some(sup), Some(l))
        } else {
            (None, None)
        };
        let mut call = Call {
            contig: p.core.contig,
            pos: Pos0::new(pos as u64),
            ref_allele,
            alt_allele,
            kind,
            tlod: t_lod,
            nlod: n_lod,
            tumor: t_sup,
            normal: n_sup,
            alt_median_bq: median_u32(tumor.iter().map(|o| o.bq as u32).collect()) as u8,
            alt_median_mq: median_u32(
                tumor
                    .iter()
                    .map(|o| if o.mq == 255 { 60 } else { o.mq as u32 })
                    .collect(),
            ) as u8,
            alt_median_end_dist: median_u32(tumor.iter().map(|o| o.end_dist as u32).collect())
                as u16,
            pop_af: None,
            pon_normals: None,
            repeat_len,
            repeat_unit_len: if kind == VarKind::Snv {
                0
            } else {
                unit_len.min(255) as u8
            },
            artifact_posterior: None,
            germline_posterior: None,
            filters: Vec::new(),
        };
        // duplicate-fragment support: alt reads that are copies of few molecules
        let mut frags: Vec<u64> = tumor.iter().map(|o| o.fragment).collect();
        frags.sort_unstable();
        frags.dedup();
        apply_site_filters(&mut call, s, frags.len() as u32, unit_len);
        Some(call)
    }
}

/// Non-reference reads per (sample, position): forward, reverse and F1R2, before template
/// de-duplication.
fn raw_alt_counts(obs: &[Obs]) -> FxHashMap<(u8, i64), (i32, i32, i32)> {
    let mut m: FxHashMap<(u8, i64), (i32, i32, i32)> = FxHashMap::default();
    for o in obs {
        if matches!(o.allele, Allele::Snv(_)) {
            let e = m.entry((o.sample, o.pos)).or_default();
            if o.reverse {
                e.1 += 1;
            } else {
                e.0 += 1;
            }
            if o.f1r2 {
                e.2 += 1;
            }
        }
    }
    m
}

/// Fragments of the strongest allele of a site that a second allele needs (as a share) to
/// stand on its own rather than be a stutter or misread of it.
pub const MIN_SECOND_ALLELE_SHARE: f64 = 0.2;

/// METHOD: alleles at one position are judged each on its own evidence: its TLOD counts the
/// fragments of every other allele as not-alt, its normal evidence is its own. Among the
/// alleles with TLOD >= `min_tlod` that the normal does not carry (not `normal_lod` /
/// `normal_artifact`: a somatic allele next to a germline one is kept), the strongest stands;
/// a second one stands when it has at least [`MIN_SECOND_ALLELE_SHARE`] of the strongest one's
/// fragments (two somatic alleles, one per haplotype, as at unstable microsatellites);
/// a weaker second one (a stutter or misread of the first) and any third one are
/// `multiallelic` (more than two somatic alleles would need a subclone or a copy gain).
pub fn multiallelic(site: &mut [Call], min_tlod: f64) {
    let mut strong: Vec<usize> = (0..site.len())
        .filter(|&i| {
            site[i].tlod >= min_tlod
                && !site[i].has(Filter::NormalLod)
                && !site[i].has(Filter::NormalArtifact)
        })
        .collect();
    if strong.len() < 2 {
        return;
    }
    strong.sort_by(|&a, &b| {
        site[b]
            .tumor
            .alt_count
            .cmp(&site[a].tumor.alt_count)
            .then(site[b].tlod.total_cmp(&site[a].tlod))
            .then(site[a].alt_allele.cmp(&site[b].alt_allele))
    });
    let top = site[strong[0]].tumor.alt_count as f64;
    for (rank, &i) in strong.iter().enumerate().skip(1) {
        let own = site[i].tumor.alt_count as f64 >= MIN_SECOND_ALLELE_SHARE * top;
        if rank >= 2 || !own {
            site[i].fail(Filter::Multiallelic);
        }
    }
}

/// The filters decided from one site's evidence alone.
fn apply_site_filters(c: &mut Call, s: &CallSettings, distinct_fragments: u32, unit_len: usize) {
    if c.tlod < s.min_tlod {
        c.fail(Filter::WeakEvidence);
    }
    if let (Some(n), Some(nl)) = (c.normal.clone(), c.nlod) {
        if nl < s.min_nlod {
            c.fail(Filter::NormalLod);
        }
        if n.alt_count >= s.max_normal_alt && n.af() >= s.max_normal_af {
            c.fail(Filter::NormalArtifact);
        }
    }
    let t = c.tumor.clone();
    // METHOD: strand bias = alt strand split implausible under the reference reads' split.
    if t.alt_count >= 4 {
        let ref_total = t.ref_fwd + t.ref_rev;
        let p_fwd = if ref_total >= 10 {
            t.ref_fwd as f64 / ref_total as f64
        } else {
            0.5
        };
        let p = binom_two_sided(t.alt_fwd, t.alt_count, p_fwd.clamp(0.05, 0.95));
        if p < s.strand_bias_p && t.alt_fwd.min(t.alt_rev) as f64 <= 0.1 * t.alt_count as f64 {
            c.fail(Filter::StrandBias);
        }
    }
    if c.alt_median_end_dist < s.min_median_end_dist {
        c.fail(Filter::Position);
    }
    if c.kind == VarKind::Snv && c.alt_median_bq < s.min_median_bq {
        c.fail(Filter::BaseQual);
    }
    if c.alt_median_mq < s.min_median_mq {
        c.fail(Filter::MapQual);
    }
    if c.kind != VarKind::Snv {
        let unit_tract = if unit_len == 1 {
            7
        } else {
            5 * unit_len as u32
        };
        let one_unit = (c.ref_allele.len() as i64 - c.alt_allele.len() as i64).unsigned_abs()
            as usize
            == unit_len;
        if one_unit && c.repeat_len >= unit_tract && t.af() < s.slippage_max_af {
            c.fail(Filter::Slippage);
        }
    }
    if t.alt_count >= 4 && distinct_fragments * 2 <= t.alt_count {
        c.fail(Filter::Duplicate);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::call::test_snv;

    fn obs(template: u64, bq: u8, reverse: bool, f1r2: bool) -> Obs {
        Obs {
            sample: 0,
            pos: 100,
            allele: Allele::Snv(b'T'),
            bq,
            mq: 60,
            reverse,
            f1r2,
            end_dist: 20,
            template,
            fragment: template,
        }
    }

    /// The packed reference in both phases equals its definition, base by base (every
    /// length parity, non-A/C/G/T bases, and the padding past the end).
    #[test]
    fn the_packed_reference_follows_its_definition() {
        let code = |b: Option<&u8>| match b {
            Some(b'A') => 1u8,
            Some(b'C') => 2,
            Some(b'G') => 4,
            Some(b'T') => 8,
            _ => 15,
        };
        for seq in [&b""[..], b"A", b"ACGTN", b"acgtRYACGT", b"GGCCAATTNNAC"] {
            let [p0, p1] = pack_reference(seq);
            let half = seq.len() / 2 + 2;
            assert_eq!((p0.len(), p1.len()), (half, half));
            for j in 0..half {
                let at = |i: usize| code(seq.get(i));
                assert_eq!(
                    p0[j],
                    at(2 * j) << 4 | at(2 * j + 1),
                    "{seq:?} phase 0 byte {j}"
                );
                assert_eq!(
                    p1[j],
                    at(2 * j + 1) << 4 | at(2 * j + 2),
                    "{seq:?} phase 1 byte {j}"
                );
            }
        }
    }

    #[test]
    fn overlapping_mates_are_one_fragment_with_the_better_base() {
        // read 1 and read 2 of template 7 both show the T (Q20 and Q35); template 8 once
        let mut v = vec![
            obs(7, 20, false, true),
            obs(8, 30, true, false),
            obs(7, 35, true, false),
        ];
        one_per_template(&mut v);
        assert_eq!(v.len(), 2);
        let kept = v.iter().find(|o| o.template == 7).unwrap();
        assert_eq!(kept.bq, 35);
        // the kept observation does not depend on the input order
        let mut w = vec![
            obs(7, 35, true, false),
            obs(8, 30, true, false),
            obs(7, 20, false, true),
        ];
        one_per_template(&mut w);
        assert_eq!(
            w.iter().map(|o| (o.template, o.bq)).collect::<Vec<_>>(),
            [(7, 35), (8, 30)]
        );
    }

    #[test]
    fn damage_counts_follow_the_pair_orientation() {
        // reference ...C at 100 (slice starts at 100)
        let rf = RefSlice {
            start: 100,
            seq: b"CG",
        };
        let mut ct_f1r2 = obs(1, 30, false, true);
        ct_f1r2.allele = Allele::Snv(b'T');
        let mut ct_f2r1 = obs(2, 30, true, false);
        ct_f2r1.allele = Allele::Snv(b'T');
        let mut ca_f2r1 = obs(3, 30, true, false);
        ca_f2r1.allele = Allele::Snv(b'A');
        let mut ga_f1r2 = obs(4, 30, false, true);
        ga_f1r2.pos = 101;
        ga_f1r2.allele = Allele::Snv(b'A');
        let mut damage = vec![DamageCounts::default()];
        count_damage(&[ct_f1r2, ct_f2r1, ca_f2r1, ga_f1r2], &rf, &mut damage);
        // C>T in F1R2 is the deamination artifact orientation; G>A in F1R2 is not
        assert_eq!(damage[0].deamination, [1, 2]);
        // C>A in F2R1 is the oxoG artifact orientation
        assert_eq!(damage[0].oxog, [1, 0]);
    }

    #[test]
    fn indel_alleles_carry_their_repeat_tract() {
        // A CACACA T: deleting one CA after the anchor A at 0
        let rf = RefSlice {
            start: 0,
            seq: b"ACACACAT",
        };
        let (kind, r, a, tract, unit) = vcf_alleles(&Allele::Del(2), 0, &rf);
        assert_eq!((kind, r.as_str(), a.as_str()), (VarKind::Del, "ACA", "A"));
        assert_eq!((tract, unit), (6, 2));
        let (kind, r, a, tract, unit) = vcf_alleles(&Allele::Ins(b"CA".to_vec()), 0, &rf);
        assert_eq!((kind, r.as_str(), a.as_str()), (VarKind::Ins, "A", "ACA"));
        assert_eq!((tract, unit), (6, 2));
        let (kind, r, a, tract, _) = vcf_alleles(&Allele::Snv(b'G'), 7, &rf);
        assert_eq!(
            (kind, r.as_str(), a.as_str(), tract),
            (VarKind::Snv, "T", "G", 0)
        );
    }

    #[test]
    fn reference_fragments_split_by_the_reference_reads_strand_share() {
        let mut t = Tally::default();
        t.0[Field::A as usize] = 10;
        t.0[Field::T as usize] = 2;
        let alts = [obs(1, 30, false, true), obs(2, 30, true, false)];
        let alt_refs: Vec<&Obs> = alts.iter().collect();
        // coverage counts reads of every allele (8 forward, 4 reverse; 6 F1R2); one forward
        // and one reverse read are the alt reads
        let s = sample_support(
            &SupportInput {
                tally: &t,
                kind: VarKind::Snv,
                refb: b'A',
                raw: (1, 1, 1),
                coverage: (8, 4, 6),
            },
            &alt_refs,
        );
        assert_eq!((s.depth, s.ref_count, s.alt_count), (12, 10, 2));
        // 7 of the 10 reference reads are forward: 7 of the 10 reference fragments
        assert_eq!((s.ref_fwd, s.ref_rev), (7, 3));
        assert_eq!((s.alt_fwd, s.alt_rev, s.alt_f1r2), (1, 1, 1));
        assert_eq!(
            s.ref_fwd + s.ref_rev + s.alt_fwd + s.alt_rev,
            s.ref_count + s.alt_count
        );
        assert_eq!(s.ref_f1r2, 5);
    }

    #[test]
    fn site_filters_name_each_failed_rule() {
        let s = CallSettings::default();
        let mut weak = test_snv(10, "C", "T", 3, 100);
        weak.tlod = 5.0;
        apply_site_filters(&mut weak, &s, 3, 1);
        assert_eq!(weak.filters, [Filter::WeakEvidence]);
        // 8 alt reads from 2 molecules: unmarked duplicates
        let mut dup = test_snv(10, "C", "T", 8, 100);
        dup.tumor.alt_fwd = 4;
        dup.tumor.alt_rev = 4;
        dup.tumor.ref_fwd = 46;
        dup.tumor.ref_rev = 46;
        apply_site_filters(&mut dup, &s, 2, 1);
        assert_eq!(dup.filters, [Filter::Duplicate]);
        // a normal with 3 of 30 alt fragments
        let mut na = test_snv(10, "C", "T", 20, 100);
        na.tumor.alt_fwd = 10;
        na.tumor.alt_rev = 10;
        na.normal = Some(SampleSupport {
            depth: 30,
            ref_count: 27,
            alt_count: 3,
            ..SampleSupport::default()
        });
        na.nlod = Some(1.0);
        apply_site_filters(&mut na, &s, 20, 1);
        assert_eq!(na.filters, [Filter::NormalLod, Filter::NormalArtifact]);
        // a one-unit deletion in a 12 bp homopolymer at 4%
        let mut slip = test_snv(10, "AA", "A", 4, 100);
        slip.kind = VarKind::Del;
        slip.repeat_len = 12;
        slip.tumor.alt_fwd = 2;
        slip.tumor.alt_rev = 2;
        apply_site_filters(&mut slip, &s, 4, 1);
        assert_eq!(slip.filters, [Filter::Slippage]);
    }

    #[test]
    fn a_weak_second_allele_is_multiallelic_a_strong_one_stands() {
        let min_tlod = CallSettings::default().min_tlod;
        let mut site = vec![
            test_snv(5, "C", "T", 40, 100),
            test_snv(5, "C", "A", 5, 100),
        ];
        multiallelic(&mut site, min_tlod);
        assert!(site[0].is_pass());
        assert_eq!(site[1].filters, [Filter::Multiallelic]);
        // two somatic alleles of similar support (one per haplotype) both stand
        let mut site = vec![
            test_snv(5, "C", "T", 30, 100),
            test_snv(5, "C", "A", 25, 100),
        ];
        multiallelic(&mut site, min_tlod);
        assert!(site.iter().all(|c| c.is_pass()));
        // a third allele never stands
        let mut site = vec![
            test_snv(5, "C", "T", 30, 100),
            test_snv(5, "C", "A", 25, 100),
            test_snv(5, "C", "G", 24, 100),
        ];
        multiallelic(&mut site, min_tlod);
        assert_eq!(site[2].filters, [Filter::Multiallelic]);
    }

    #[test]
    fn allelic_depths_never_exceed_the_depth() {
        // 30 fragments: 20 ref and 9 alt in the pileup, 1 N; the evidence keeps 10 alt
        // fragments (one fragment's mates disagree: the pileup took its ref mate)
        assert_eq!(snv_ref_fragments(20, 9, 30, 10), 19);
        // no disagreement: the pileup's counts stand
        assert_eq!(snv_ref_fragments(20, 10, 30, 10), 20);
        // every fragment ref or alt: ref + alt = depth exactly
        assert_eq!(snv_ref_fragments(21, 9, 30, 10), 20);
        for (r, a, d, alt) in [(0, 0, 0, 3), (5, 0, 5, 7), (100, 3, 104, 4), (7, 7, 14, 9)] {
            let rf = snv_ref_fragments(r, a, d, alt);
            assert!(rf + alt <= d.max(alt), "{r} {a} {d} {alt}: {rf}");
        }
    }
}
