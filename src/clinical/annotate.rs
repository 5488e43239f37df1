//! Offline consequence annotation: a variant on a transcript model + the reference sequence →
//! consequence class, HGVS c. and p. (3-letter and 1-letter short form), exon/intron number.
//!
//! Conventions (HGVS): c. numbering from the A of the start codon; `-N` 5' UTR, `*N` 3' UTR,
//! `N+k`/`N-k` intronic offsets from the nearest exon base; deletions and duplications are
//! shifted to their most 3' position in transcript orientation; an insertion that copies the
//! preceding bases is a `dup`. p. uses 3-letter amino acids, `Ter` for stop, `fsTer` counting
//! from the first changed residue, `=` for synonymous.

use crate::types::source::SequenceSource;
pub use crate::types::transcript::{Annotation, Consequence, SoTerm, Transcript};
use crate::types::{Pos0, Pos1, Span};

fn comp(b: u8) -> u8 {
    match b {
        b'A' => b'T',
        b'C' => b'G',
        b'G' => b'C',
        b'T' => b'A',
        _ => b'N',
    }
}

/// Reverse complement.
pub(crate) fn revcomp(s: &[u8]) -> Vec<u8> {
    s.iter().rev().map(|&b| comp(b)).collect()
}

/// Standard genetic code; `*` for stop, `X` for anything with N.
pub(crate) fn translate_codon(c: &[u8]) -> u8 {
    let idx = |b: u8| match b {
        b'T' => Some(0),
        b'C' => Some(1),
        b'A' => Some(2),
        b'G' => Some(3),
        _ => None,
    };
    const AA: &[u8; 64] = b"FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG";
    match (idx(c[0]), idx(c[1]), idx(c[2])) {
        (Some(a), Some(b), Some(d)) => AA[a * 16 + b * 4 + d],
        _ => b'X',
    }
}

/// Translates until the first stop (included as `*`) or the end.
pub(crate) fn translate(cds: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(cds.len() / 3);
    for c in cds.chunks_exact(3) {
        let a = translate_codon(c);
        p.push(a);
        if a == b'*' {
            break;
        }
    }
    p
}

/// 3-letter amino-acid code.
pub(crate) fn aa3(a: u8) -> &'static str {
    match a {
        b'A' => "Ala",
        b'R' => "Arg",
        b'N' => "Asn",
        b'D' => "Asp",
        b'C' => "Cys",
        b'Q' => "Gln",
        b'E' => "Glu",
        b'G' => "Gly",
        b'H' => "His",
        b'I' => "Ile",
        b'L' => "Leu",
        b'K' => "Lys",
        b'M' => "Met",
        b'F' => "Phe",
        b'P' => "Pro",
        b'S' => "Ser",
        b'T' => "Thr",
        b'W' => "Trp",
        b'Y' => "Tyr",
        b'V' => "Val",
        b'*' => "Ter",
        _ => "Xaa",
    }
}

fn aas3(s: &[u8]) -> String {
    s.iter().map(|&a| aa3(a)).collect()
}

/// Where an intronic base lies: intron `k` (0-based, between exons `k` and `k + 1` in
/// transcript order) and its distances to the last base of exon `k` and the first base of exon
/// `k + 1` (1 for the bases next to them).
struct IntronPos {
    k: usize,
    /// Distance to the last base of the exon upstream (transcript orientation).
    from_prev: u64,
    /// Distance to the first base of the exon downstream.
    to_next: u64,
    /// The last base of the exon upstream.
    prev_last: Pos0,
    /// The first base of the exon downstream.
    next_first: Pos0,
}

impl Transcript {
    /// Transcript (mRNA, `n.`) position of genomic `g`, 1-based, when exonic; with the exon
    /// index.
    pub(crate) fn tx_pos(&self, g: Pos0) -> Option<(u64, usize)> {
        let mut t = 0;
        for (i, e) in self.exons.iter().enumerate() {
            if e.contains(g) {
                let off = if self.strand > 0 {
                    g - e.start
                } else {
                    e.last() - g
                };
                return Some((t + off + 1, i));
            }
            t += e.len();
        }
        None
    }

    /// Transcript positions of the first and last CDS base.
    pub(crate) fn cds_tx_bounds(&self) -> Option<(u64, u64)> {
        let (first_seg, last_seg) = (self.cds.first()?, self.cds.last()?);
        let (first, last) = if self.strand > 0 {
            (first_seg.start, last_seg.last())
        } else {
            (first_seg.last(), last_seg.start)
        };
        Some((self.tx_pos(first)?.0, self.tx_pos(last)?.0))
    }

    fn exonic_c(&self, t: u64) -> String {
        match self.cds_tx_bounds() {
            Some((cs, ce)) => {
                if t < cs {
                    format!("-{}", cs - t)
                } else if t > ce {
                    format!("*{}", t - ce)
                } else {
                    format!("{}", t - cs + 1)
                }
            }
            None => format!("{t}"),
        }
    }

    /// The intron holding genomic `g`, if any.
    fn intron_at(&self, g: Pos0) -> Option<IntronPos> {
        self.exons.windows(2).enumerate().find_map(|(k, w)| {
            let (a, b) = (w[0], w[1]);
            if self.strand > 0 {
                // a before b on the genome: the intron is [a.end, b.start)
                (g >= a.end && g < b.start).then(|| IntronPos {
                    k,
                    from_prev: g - a.last(),
                    to_next: b.start - g,
                    prev_last: a.last(),
                    next_first: b.start,
                })
            } else {
                // b before a on the genome: the intron is [b.end, a.start)
                (g >= b.end && g < a.start).then(|| IntronPos {
                    k,
                    from_prev: a.start - g,
                    to_next: g - b.last(),
                    prev_last: a.start,
                    next_first: b.last(),
                })
            }
        })
    }

    /// HGVS coordinate of genomic `g` (exonic, UTR or intronic); None outside the transcript.
    pub(crate) fn cpos(&self, g: Pos0) -> Option<String> {
        if let Some((t, _)) = self.tx_pos(g) {
            return Some(self.exonic_c(t));
        }
        let i = self.intron_at(g)?;
        Some(if i.from_prev <= i.to_next {
            format!(
                "{}+{}",
                self.exonic_c(self.tx_pos(i.prev_last)?.0),
                i.from_prev
            )
        } else {
            format!(
                "{}-{}",
                self.exonic_c(self.tx_pos(i.next_first)?.0),
                i.to_next
            )
        })
    }

    /// (intron number, distance to the nearest exon) for intronic `g`.
    fn intron_of(&self, g: Pos0) -> Option<(usize, u64)> {
        self.intron_at(g)
            .map(|i| (i.k + 1, i.from_prev.min(i.to_next)))
    }

    /// Distance of intronic `g` to the nearest splice site, and whether that is the donor (the
    /// end of the exon upstream).
    fn splice_dist(&self, g: Pos0) -> Option<(u64, bool)> {
        self.intron_at(g).map(|i| {
            if i.from_prev <= i.to_next {
                (i.from_prev, true)
            } else {
                (i.to_next, false)
            }
        })
    }
}

/// Accession without its version (`NM_002168.3` → `NM_002168`).
pub fn unversioned(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}

/// Picks the canonical transcript among those overlapping: one listed in `preferred`
/// (unversioned accessions, e.g. a MANE Select list), else MANE Select by GFF tag, else Ensembl
/// canonical, else the LRG primary, else the longest CDS.
pub fn canonical<'a>(
    txs: &[&'a Transcript],
    preferred: &std::collections::HashSet<String>,
) -> Option<&'a Transcript> {
    txs.iter().copied().max_by_key(|t| {
        (
            preferred.contains(unversioned(&t.id)),
            t.mane,
            t.canonical,
            t.lrg_primary,
            t.coding,
            t.cds_len(),
            std::cmp::Reverse(t.id.clone()),
        )
    })
}

/// One transcript per gene (the [`canonical`] choice among the gene's transcripts), in gene
/// order: the transcripts gene-level copy number and fusions are read on.
pub fn canonical_per_gene<'a>(
    models: &'a [Transcript],
    preferred: &std::collections::HashSet<String>,
) -> Vec<&'a Transcript> {
    let mut by_gene: std::collections::BTreeMap<&str, Vec<&Transcript>> = Default::default();
    for t in models.iter().filter(|t| !t.exons.is_empty()) {
        by_gene.entry(t.gene.as_str()).or_default().push(t);
    }
    by_gene
        .into_values()
        .filter_map(|txs| canonical(&txs, preferred))
        .collect()
}

/// Annotates an allele on the canonical transcript among `models` on `contig` that contain
/// its first REF base (see [`canonical`]); None when no transcript covers it. The allele is as
/// [`annotate`] takes it.
pub fn annotate_at(
    models: &[Transcript],
    preferred: &std::collections::HashSet<String>,
    contig: &str,
    pos: Pos1,
    r: &str,
    a: &str,
    ref_at: &dyn Fn(Pos0) -> u8,
) -> Option<Annotation> {
    let covering: Vec<&Transcript> = models
        .iter()
        .filter(|t| t.contig == contig && t.span().contains(pos.to_pos0()))
        .collect();
    canonical(&covering, preferred).map(|t| annotate(t, pos, r, a, ref_at))
}

/// The base at `p` of a whole-contig sequence, `N` outside it.
pub fn base_at(seq: &[u8], p: Pos0) -> u8 {
    usize::try_from(p.get())
        .ok()
        .and_then(|i| seq.get(i))
        .copied()
        .unwrap_or(b'N')
}

/// Annotates a VCF-style allele (`pos` the VCF `POS` of the first REF base, REF, ALT, forward
/// strand) on `t`; `ref_at(p)` returns the forward-strand base at `p`. The position turns
/// 0-based here, as the transcript's exons are.
pub fn annotate(
    t: &Transcript,
    pos: Pos1,
    r: &str,
    a: &str,
    ref_at: &dyn Fn(Pos0) -> u8,
) -> Annotation {
    let (r, a, pos) = minimal(pos.to_pos0(), r, a);
    let n_exons = t.exons.len();
    // location (exon/intron) of the first affected base
    let probe = if r.is_empty() { back(pos, 1) } else { pos };
    let (consequence, protein) = consequence(t, pos, &r, &a, probe, ref_at);
    let prefix = if t.coding { "c." } else { "n." };
    let mut ann = Annotation {
        gene: t.gene.clone(),
        transcript: t.id.clone(),
        consequence,
        hgvs_c: hgvs_c(t, pos, &r, &a, ref_at, prefix),
        hgvs_p: None,
        protein_change: None,
        location: None,
        exon: None,
        ref_protein: Vec::new(),
        alt_protein: Vec::new(),
    };
    if let Some((_, ei)) = t.tx_pos(probe) {
        ann.exon = Some(ei as u32 + 1);
        ann.location = Some(format!("exon {}/{}", ei + 1, n_exons));
    } else if let Some((k, _)) = t.intron_of(probe) {
        ann.location = Some(format!("intron {k}/{}", n_exons - 1));
    }
    if let Some(p) = protein {
        ann.ref_protein = p.reference;
        ann.alt_protein = p.mutant;
        ann.hgvs_p = Some(p.hgvs_p);
        ann.protein_change = p.short;
    }
    ann
}

/// A coding allele's effect on the protein.
struct ProteinEffect {
    reference: Vec<u8>,
    /// Up to its first stop.
    mutant: Vec<u8>,
    hgvs_p: String,
    short: Option<String>,
}

/// `p` moved `d` bases towards the contig start, stopping at its first base.
fn back(p: Pos0, d: u64) -> Pos0 {
    Pos0::new(p.get().saturating_sub(d))
}

/// The last REF base of a minimal allele at `pos` (`pos` itself for an insertion before it).
fn last_ref_base(pos: Pos0, r: &[u8]) -> Pos0 {
    pos + (r.len() as u64).saturating_sub(1)
}

/// True when the minimal allele lies inside the CDS segment `s`: its REF bases, or for an
/// insertion before `pos` the bases on both sides of it.
fn allele_within(s: Span, pos: Pos0, r: &[u8]) -> bool {
    if r.is_empty() {
        s.start < pos && pos < s.end
    } else {
        s.start <= pos && last_ref_base(pos, r) < s.end
    }
}

/// The consequence of a minimal allele on `t` and, inside the CDS, its protein effect (`probe`
/// is the first affected base: the base before an insertion).
fn consequence(
    t: &Transcript,
    pos: Pos0,
    r: &[u8],
    a: &[u8],
    probe: Pos0,
    ref_at: &dyn Fn(Pos0) -> u8,
) -> (Consequence, Option<ProteinEffect>) {
    let span = t.span();
    let last = last_ref_base(pos, r);
    if last < span.start || pos >= span.end {
        let side = if (pos < span.start) == (t.strand > 0) {
            SoTerm::UpstreamGeneVariant
        } else {
            SoTerm::DownstreamGeneVariant
        };
        return (side.into(), None);
    }
    let splice = intronic_splice(t, back(pos, u64::from(r.is_empty())), last);
    let exonic_splice = exonic_splice(t, pos, last);
    if !t.coding {
        let term = splice.unwrap_or(if t.tx_pos(probe).is_some() {
            SoTerm::NonCodingTranscriptExonVariant
        } else {
            SoTerm::IntronVariant
        });
        return (term.into(), None);
    }
    let in_cds = |g: Pos0| t.cds.iter().any(|s| s.contains(g));
    let within = t.cds.iter().any(|&s| allele_within(s, pos, r));
    let coding_ok = within && (!r.is_empty() || (in_cds(back(pos, 1)) && in_cds(pos)));
    let region = Some(SoTerm::SpliceRegionVariant);
    if !coding_ok {
        let term = match splice {
            Some(s) if splice != region => s,
            _ => {
                if let Some((tp, _)) = t.tx_pos(probe) {
                    let (cs, _) = t.cds_tx_bounds().unwrap_or((0, 0));
                    if tp < cs {
                        SoTerm::FivePrimeUtrVariant
                    } else if in_cds(probe) {
                        SoTerm::CodingSequenceVariant
                    } else {
                        SoTerm::ThreePrimeUtrVariant
                    }
                } else {
                    splice.unwrap_or(SoTerm::IntronVariant)
                }
            }
        };
        return (term.into(), None);
    }
    let (ref_cds, mut_cds) = coding_sequences(t, pos, r, a, ref_at);
    let reference = translate(&ref_cds);
    // translate the mutant through to a stop in the downstream sequence if the frame changes
    let mutant = translate(&mut_cds);
    let (cons, hgvs_p, short) =
        protein_change(&reference, &mutant, r.len() as i64 - a.len() as i64);
    let consequence = match splice {
        Some(s) if splice != region && cons == SoTerm::SynonymousVariant => s.into(),
        _ if exonic_splice || splice == region => {
            Consequence::new(cons).with(SoTerm::SpliceRegionVariant)
        }
        _ => cons.into(),
    };
    let effect = ProteinEffect {
        reference,
        mutant,
        hgvs_p,
        short,
    };
    (consequence, Some(effect))
}

/// The allele without the bases REF and ALT share at either end (VCF padding): (REF, ALT,
/// position of the first REF base).
fn minimal(pos: Pos0, r: &str, a: &str) -> (Vec<u8>, Vec<u8>, Pos0) {
    let (mut r, mut a, mut pos) = (r.as_bytes().to_vec(), a.as_bytes().to_vec(), pos);
    while !r.is_empty() && !a.is_empty() && r.last() == a.last() {
        r.pop();
        a.pop();
    }
    while !r.is_empty() && !a.is_empty() && r[0] == a[0] {
        r.remove(0);
        a.remove(0);
        pos = pos + 1;
    }
    (r, a, pos)
}

/// The splice consequence of the intronic bases `from..=last` touch: donor/acceptor within 2
/// bases of the exon, splice region within 8 (the strongest over the span).
fn intronic_splice(t: &Transcript, from: Pos0, last: Pos0) -> Option<SoTerm> {
    let mut splice: Option<SoTerm> = None;
    for g in (from.get()..=last.get()).map(Pos0::new) {
        if let Some((d, donor)) = t.splice_dist(g) {
            if d <= 2 {
                splice = Some(if donor {
                    SoTerm::SpliceDonorVariant
                } else {
                    SoTerm::SpliceAcceptorVariant
                });
            } else if d <= 8 && splice.is_none() {
                splice = Some(SoTerm::SpliceRegionVariant);
            }
        }
    }
    splice
}

/// True when a base of `pos..=last` is one of the 3 exonic bases next to an intron.
fn exonic_splice(t: &Transcript, pos: Pos0, last: Pos0) -> bool {
    // METHOD: the last/first 3 exonic bases next to an intron are splice_region (SO), reported
    // with the coding consequence (VEP style `missense_variant&splice_region_variant`)
    let n = t.exons.len();
    (pos.get()..=last.max(pos).get()).map(Pos0::new).any(|g| {
        t.exons.iter().enumerate().any(|(k, e)| {
            let (first_internal, last_internal) = (k > 0, k + 1 < n);
            // the exon's first and last base in transcript orientation
            let (start_edge, end_edge) = if t.strand > 0 {
                (e.start, e.last())
            } else {
                (e.last(), e.start)
            };
            e.contains(g)
                && ((first_internal && start_edge.get().abs_diff(g.get()) < 3)
                    || (last_internal && end_edge.get().abs_diff(g.get()) < 3))
        })
    })
}

/// The reference and the mutated coding sequence in transcript orientation (the allele is
/// minimal, REF `r` at `pos`, and lies inside one CDS segment).
fn coding_sequences(
    t: &Transcript,
    pos: Pos0,
    r: &[u8],
    a: &[u8],
    ref_at: &dyn Fn(Pos0) -> u8,
) -> (Vec<u8>, Vec<u8>) {
    let mut ref_cds = Vec::new();
    let mut mut_cds = Vec::new();
    let mut segs: Vec<Span> = t.cds.clone();
    segs.sort();
    for s in segs {
        let seq: Vec<u8> = (s.start.get()..s.end.get())
            .map(|p| ref_at(Pos0::new(p)))
            .collect();
        ref_cds.extend_from_slice(&seq);
        if allele_within(s, pos, r) {
            let i = (pos - s.start) as usize;
            mut_cds.extend_from_slice(&seq[..i]);
            mut_cds.extend_from_slice(a);
            mut_cds.extend_from_slice(&seq[i + r.len()..]);
        } else {
            mut_cds.extend_from_slice(&seq);
        }
    }
    if t.strand < 0 {
        ref_cds = revcomp(&ref_cds);
        mut_cds = revcomp(&mut_cds);
    }
    (ref_cds, mut_cds)
}

/// (consequence, p. 3-letter, short 1-letter form).
fn protein_change(
    pref: &[u8],
    pmut: &[u8],
    del_minus_ins: i64,
) -> (SoTerm, String, Option<String>) {
    let frameshift = del_minus_ins % 3 != 0;
    let mut i = 0;
    while i < pref.len() && i < pmut.len() && pref[i] == pmut[i] {
        i += 1;
    }
    if i == pref.len() && i == pmut.len() {
        // synonymous: report the codon's residue? we know only that the protein is unchanged
        return (SoTerm::SynonymousVariant, "p.(=)".into(), None);
    }
    if i == 0 && pref.first() == Some(&b'M') {
        // HGVS: the effect of losing the start codon is unknown (p.Met1?); the short form
        // keeps the residue change, which is how knowledge bases name it (e.g. BRCA2 M1R)
        let m = pmut.first().copied().unwrap_or(b'X');
        return (
            SoTerm::StartLost,
            "p.Met1?".into(),
            Some(format!("M1{}", m as char)),
        );
    }
    let pos = i + 1;
    let r_aa = pref.get(i).copied().unwrap_or(b'*');
    if !frameshift && pmut.get(i) == Some(&b'*') && r_aa != b'*' {
        return (
            SoTerm::StopGained,
            format!("p.{}{}Ter", aa3(r_aa), pos),
            Some(format!("{}{}*", r_aa as char, pos)),
        );
    }
    if frameshift {
        return frameshift_change(pmut, i, r_aa);
    }
    inframe_change(pref, pmut, i)
}

/// A frameshift whose first changed residue is the 0-based `i` (reference residue `r_aa`).
fn frameshift_change(pmut: &[u8], i: usize, r_aa: u8) -> (SoTerm, String, Option<String>) {
    let pos = i + 1;
    let m_aa = pmut.get(i).copied().unwrap_or(b'X');
    // new stop position counted from the first changed residue
    let ter = if pmut.last() == Some(&b'*') {
        format!("Ter{}", pmut.len() - i)
    } else {
        "Ter?".into()
    };
    let p3 = format!("p.{}{}{}fs{}", aa3(r_aa), pos, aa3(m_aa), ter);
    let p1 = format!(
        "{}{}{}fs*{}",
        r_aa as char,
        pos,
        m_aa as char,
        ter.trim_start_matches("Ter")
    );
    (SoTerm::FrameshiftVariant, p3, Some(p1))
}

/// An in-frame change whose first changed residue is the 0-based `i` (not a start loss, not a
/// stop right at `i`).
fn inframe_change(pref: &[u8], pmut: &[u8], i: usize) -> (SoTerm, String, Option<String>) {
    let pos = i + 1;
    // trim common suffix (3' rule: the change is reported as far C-terminal as possible)
    let (mut re, mut me) = (pref.len(), pmut.len());
    while re > i && me > i && pref[re - 1] == pmut[me - 1] {
        re -= 1;
        me -= 1;
    }
    let del = &pref[i..re];
    let ins = &pmut[i..me];
    if del.len() == 1 && ins.len() == 1 {
        let (ra, ma) = (del[0], ins[0]);
        let cons = if ma == b'*' {
            SoTerm::StopGained
        } else if ra == b'*' {
            SoTerm::StopLost
        } else {
            SoTerm::MissenseVariant
        };
        return (
            cons,
            format!("p.{}{}{}", aa3(ra), pos, aa3(ma)),
            Some(format!("{}{}{}", ra as char, pos, ma as char)),
        );
    }
    if ins.contains(&b'*') && !del.contains(&b'*') {
        let k = ins.iter().position(|&x| x == b'*').unwrap_or(0);
        return (
            SoTerm::StopGained,
            format!(
                "p.{}{}Ter",
                aa3(pref[i + k.min(del.len().saturating_sub(1))]),
                pos + k
            ),
            Some(format!(
                "{}{}*",
                pref[i + k.min(del.len().saturating_sub(1))] as char,
                pos + k
            )),
        );
    }
    let range3 = |a: usize, b: usize| -> String {
        if a == b {
            format!("{}{}", aa3(pref[a - 1]), a)
        } else {
            format!("{}{}_{}{}", aa3(pref[a - 1]), a, aa3(pref[b - 1]), b)
        }
    };
    let range1 = |a: usize, b: usize| -> String {
        if a == b {
            format!("{}{}", pref[a - 1] as char, a)
        } else {
            format!("{}{}_{}{}", pref[a - 1] as char, a, pref[b - 1] as char, b)
        }
    };
    if ins.is_empty() {
        // deletion of residues i+1 ..= re
        let (a, b) = (i + 1, re);
        return (
            SoTerm::InframeDeletion,
            format!("p.{}del", range3(a, b)),
            Some(format!("{}del", range1(a, b))),
        );
    }
    if del.is_empty() {
        // insertion between residues i and i+1; a copy of the residues before is a dup
        let l = ins.len();
        if i >= l && &pref[i - l..i] == ins {
            let (a, b) = (i - l + 1, i);
            return (
                SoTerm::InframeInsertion,
                format!("p.{}dup", range3(a, b)),
                Some(format!("{}dup", range1(a, b))),
            );
        }
        let (a, b) = (i, i + 1);
        return (
            SoTerm::InframeInsertion,
            format!("p.{}ins{}", range3(a, b), aas3(ins)),
            Some(format!(
                "{}ins{}",
                range1(a, b),
                String::from_utf8_lossy(ins)
            )),
        );
    }
    let (a, b) = (i + 1, re);
    let cons = if del.len() > ins.len() {
        SoTerm::InframeDeletion
    } else if del.len() < ins.len() {
        SoTerm::InframeInsertion
    } else {
        SoTerm::MissenseVariant
    };
    (
        cons,
        format!("p.{}delins{}", range3(a, b), aas3(ins)),
        Some(format!(
            "{}delins{}",
            range1(a, b),
            String::from_utf8_lossy(ins)
        )),
    )
}

/// HGVS c./n. of a minimal allele (3'-shifted in transcript orientation).
fn hgvs_c(
    t: &Transcript,
    pos: Pos0,
    r: &[u8],
    a: &[u8],
    ref_at: &dyn Fn(Pos0) -> u8,
    prefix: &str,
) -> String {
    let c = |g: Pos0| t.cpos(g).unwrap_or_else(|| "?".into());
    let tx = |s: &[u8]| -> String {
        String::from_utf8_lossy(&if t.strand > 0 { s.to_vec() } else { revcomp(s) }).into_owned()
    };
    let range = |lo: Pos0, hi: Pos0| -> String {
        if lo == hi {
            c(lo)
        } else if t.strand > 0 {
            format!("{}_{}", c(lo), c(hi))
        } else {
            format!("{}_{}", c(hi), c(lo))
        }
    };
    if r.len() == 1 && a.len() == 1 {
        return format!("{prefix}{}{}>{}", c(pos), tx(r), tx(a));
    }
    if !r.is_empty() && !a.is_empty() {
        return format!(
            "{prefix}{}delins{}",
            range(pos, last_ref_base(pos, r)),
            tx(a)
        );
    }
    if a.is_empty() {
        // deletion: shift 3' in transcript orientation
        let l = r.len() as u64;
        let mut p = pos;
        if t.strand > 0 {
            while ref_at(p + l) == ref_at(p) && ref_at(p) != b'N' {
                p = p + 1;
            }
        } else {
            while p.get() > 0 && ref_at(p - 1) == ref_at(p + (l - 1)) && ref_at(p - 1) != b'N' {
                p = p - 1;
            }
        }
        return format!("{prefix}{}del", range(p, p + (l - 1)));
    }
    // insertion of `a` before genomic `pos`: shift 3' in transcript orientation
    let mut s = a.to_vec();
    let mut p = pos;
    if t.strand > 0 {
        while ref_at(p) == s[0] {
            s.rotate_left(1);
            p = p + 1;
        }
    } else {
        while p.get() > 0 && ref_at(p - 1) == s[s.len() - 1] {
            s.rotate_right(1);
            p = p - 1;
        }
    }
    let l = s.len() as u64;
    // a copy of the inserted bases just 5' of the insertion (in transcript orientation) = dup
    if t.strand > 0 {
        if p.get() >= l && (0..l).all(|k| ref_at(p - l + k) == s[k as usize]) {
            return format!("{prefix}{}dup", range(p - l, p - 1));
        }
        format!("{prefix}{}ins{}", range(back(p, 1), p), tx(&s))
    } else {
        if (0..l).all(|k| ref_at(p + k) == s[k as usize]) {
            return format!("{prefix}{}dup", range(p, p + (l - 1)));
        }
        format!("{prefix}{}ins{}", range(back(p, 1), p), tx(&s))
    }
}

/// 3-letter protein change to the short form (`p.Val600Glu` → `V600E`, `Ter` → `*`).
pub(crate) fn short_protein(p: &str) -> String {
    let p = p
        .trim_start_matches("p.")
        .trim_start_matches('(')
        .trim_end_matches(')');
    let table: [(&str, char); 22] = [
        ("Ala", 'A'),
        ("Arg", 'R'),
        ("Asn", 'N'),
        ("Asp", 'D'),
        ("Cys", 'C'),
        ("Gln", 'Q'),
        ("Glu", 'E'),
        ("Gly", 'G'),
        ("His", 'H'),
        ("Ile", 'I'),
        ("Leu", 'L'),
        ("Lys", 'K'),
        ("Met", 'M'),
        ("Phe", 'F'),
        ("Pro", 'P'),
        ("Ser", 'S'),
        ("Thr", 'T'),
        ("Trp", 'W'),
        ("Tyr", 'Y'),
        ("Val", 'V'),
        ("Ter", '*'),
        ("Xaa", 'X'),
    ];
    let mut out = String::new();
    let b = p.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if i + 3 <= b.len() {
            if let Some((_, c)) = table.iter().find(|(t, _)| p.get(i..i + 3) == Some(*t)) {
                out.push(*c);
                i += 3;
                continue;
            }
        }
        out.push(b[i] as char);
        i += 1;
    }
    out
}

/// Parses a VEP `CSQ` or SnpEff `ANN` INFO value for `alt`, given the field names from the
/// header (`Format: Allele|Consequence|...` / the ANN standard); picks the canonical/MANE entry
/// (VEP) or the first, most severe one (SnpEff).
pub(crate) fn from_csq(
    value: &str,
    fields: &[String],
    alt: &str,
    snpeff: bool,
) -> Option<Annotation> {
    let idx = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| fields.iter().position(|f| f == n))
    };
    let entries: Vec<Vec<&str>> = value.split(',').map(|e| e.split('|').collect()).collect();
    let get = |e: &Vec<&str>, names: &[&str]| -> String {
        idx(names)
            .and_then(|i| e.get(i))
            .map(|s| s.to_string())
            .unwrap_or_default()
    };
    let for_alt: Vec<&Vec<&str>> = entries
        .iter()
        .filter(|e| {
            e.first()
                .is_some_and(|a| *a == alt || *a == "-" || alt.ends_with(*a))
        })
        .collect();
    let pool = if for_alt.is_empty() {
        entries.iter().collect()
    } else {
        for_alt
    };
    let chosen = if snpeff {
        pool.first().copied()
    } else {
        pool.iter()
            .copied()
            .find(|e| !get(e, &["MANE_SELECT"]).is_empty())
            .or_else(|| {
                pool.iter()
                    .copied()
                    .find(|e| get(e, &["CANONICAL"]) == "YES")
            })
            .or_else(|| pool.first().copied())
    }?;
    let (gene, tx, cons, hc, hp, exon, intron) = if snpeff {
        let rank = get(chosen, &["Rank"]);
        (
            get(chosen, &["Gene_Name"]),
            get(chosen, &["Feature_ID"]),
            get(chosen, &["Annotation"]),
            get(chosen, &["HGVS.c"]),
            get(chosen, &["HGVS.p"]),
            rank,
            String::new(),
        )
    } else {
        (
            get(chosen, &["SYMBOL"]),
            get(chosen, &["Feature"]),
            get(chosen, &["Consequence"]),
            get(chosen, &["HGVSc"]),
            get(chosen, &["HGVSp"]),
            get(chosen, &["EXON"]),
            get(chosen, &["INTRON"]),
        )
    };
    let strip = |h: &str| {
        h.split_once(':')
            .map(|(_, x)| x.to_string())
            .unwrap_or_else(|| h.to_string())
            .replace("%3D", "=")
    };
    let hgvs_p = if hp.is_empty() {
        None
    } else {
        Some(strip(&hp))
    };
    Some(Annotation {
        gene,
        transcript: tx,
        consequence: Consequence::parse(&cons),
        hgvs_c: strip(&hc),
        protein_change: hgvs_p.as_deref().map(short_protein),
        hgvs_p,
        location: if !exon.is_empty() {
            Some(format!("exon {exon}"))
        } else if !intron.is_empty() {
            Some(format!("intron {intron}"))
        } else {
            None
        },
        exon: exon.split('/').next().and_then(|x| x.parse().ok()),
        ref_protein: Vec::new(),
        alt_protein: Vec::new(),
    })
}

/// The field order of a SnpEff `ANN` value (fixed by SnpEff; VEP declares its own in the header).
pub(crate) const SNPEFF_FIELDS: &[&str] = &[
    "Allele",
    "Annotation",
    "Annotation_Impact",
    "Gene_Name",
    "Gene_ID",
    "Feature_Type",
    "Feature_ID",
    "Transcript_BioType",
    "Rank",
    "HGVS.c",
    "HGVS.p",
];

/// How an annotated variant changes the protein (the TMB synonymous / non-synonymous split).
pub(crate) fn coding_class(a: &Annotation) -> crate::somatic::biomarkers::CodingClass {
    use crate::somatic::biomarkers::CodingClass;
    if a.consequence.is(SoTerm::SynonymousVariant) {
        CodingClass::Synonymous
    } else if a.hgvs_p.is_some()
        || a.consequence
            .any(&[SoTerm::SpliceDonorVariant, SoTerm::SpliceAcceptorVariant])
    {
        CodingClass::NonSynonymous
    } else {
        CodingClass::Other
    }
}

/// Annotates variants on the canonical transcript of transcript models, reading the reference
/// through a [`SequenceSource`]: for each variant only the span of the transcripts covering it
/// (plus [`Annotator::MARGIN`] bases on each side, for 3' shifting) is fetched, and the last
/// window is cached, so no whole contig is ever loaded.
pub struct Annotator<'a> {
    models: &'a [Transcript],
    preferred: &'a std::collections::HashSet<String>,
    reference: &'a dyn SequenceSource,
    /// (contig, first position of the window, bases)
    cache: std::cell::RefCell<(String, Pos0, Vec<u8>)>,
}

impl<'a> Annotator<'a> {
    /// Bases fetched beyond the covering transcripts on each side.
    pub const MARGIN: u64 = 1_000;

    /// An annotator over `models` (canonical choice helped by the `preferred` accessions).
    pub fn new(
        models: &'a [Transcript],
        preferred: &'a std::collections::HashSet<String>,
        reference: &'a dyn SequenceSource,
    ) -> Annotator<'a> {
        Annotator {
            models,
            preferred,
            reference,
            cache: std::cell::RefCell::new((String::new(), Pos0::new(0), Vec::new())),
        }
    }

    /// The annotation of a VCF allele (`pos` its VCF `POS`) on its gene's canonical transcript;
    /// `None` outside every transcript.
    pub fn annotate(&self, chrom: &str, pos: Pos1, r: &str, a: &str) -> Option<Annotation> {
        let covering: Vec<&Transcript> = self
            .models
            .iter()
            .filter(|t| t.contig == chrom && t.span().contains(pos.to_pos0()))
            .collect();
        let t = canonical(&covering, self.preferred)?;
        Some(self.annotate_on(t, chrom, pos, r, a))
    }

    /// The annotation of a VCF allele on a given transcript model (on `chrom`).
    pub(crate) fn annotate_on(
        &self,
        t: &Transcript,
        chrom: &str,
        pos: Pos1,
        r: &str,
        a: &str,
    ) -> Annotation {
        let span = t.span();
        let p0 = pos.to_pos0();
        // the transcript and the allele's REF bases, with a margin each side
        let (lo, end) = (
            back(span.start.min(p0), Self::MARGIN),
            span.end.max(p0 + r.len() as u64 + 1) + Self::MARGIN,
        );
        let mut cache = self.cache.borrow_mut();
        let covered = cache.0 == chrom && cache.1 <= lo && cache.1 + cache.2.len() as u64 >= end;
        if !covered {
            let mut seq = Vec::new();
            self.reference
                .fetch_into(chrom, lo.get(), end.get(), &mut seq);
            *cache = (chrom.to_string(), lo, seq);
        }
        let window = Span::new(cache.1, cache.1 + cache.2.len() as u64);
        let seq = &cache.2;
        let at = |p: Pos0| {
            if window.contains(p) {
                seq[(p - window.start) as usize]
            } else {
                b'N'
            }
        };
        annotate(t, pos, r, a, &at)
    }

    /// The protein a coding model's CDS encodes on the reference (stop included as `*`).
    pub(crate) fn translate_cds(&self, t: &Transcript) -> Vec<u8> {
        let mut cds = Vec::new();
        let mut seq = Vec::new();
        for s in &t.cds {
            seq.clear();
            self.reference
                .fetch_into(&t.contig, s.start.get(), s.end.get(), &mut seq);
            if t.strand < 0 {
                cds.extend(revcomp(&seq));
            } else {
                cds.extend_from_slice(&seq);
            }
        }
        translate(&cds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // the numbers below are 1-based, as a GFF writes them
    use crate::types::one_based::{pos as g, span as c1};

    fn tx(id: &str, gene: &str, end: u64, coding: bool) -> Transcript {
        Transcript {
            id: id.into(),
            gene: gene.into(),
            contig: "c".into(),
            strand: 1,
            exons: vec![c1(100, 200), c1(300, end)],
            cds: if coding {
                vec![c1(150, 200), c1(300, end)]
            } else {
                vec![]
            },
            coding,
            mane: false,
            canonical: false,
            lrg_primary: false,
        }
    }

    #[test]
    fn the_minimal_allele_drops_shared_padding_at_both_ends() {
        assert_eq!(
            minimal(g(10), "CAT", "CGT"),
            (b"A".to_vec(), b"G".to_vec(), g(11))
        );
        assert_eq!(
            minimal(g(10), "CA", "C"),
            (b"A".to_vec(), Vec::new(), g(11))
        );
        assert_eq!(
            minimal(g(10), "C", "CTT"),
            (Vec::new(), b"TT".to_vec(), g(11))
        );
    }

    #[test]
    fn splice_classes_follow_the_distance_to_the_exon() {
        // exons 100-200 and 300-400 on +: intron 201..=299
        let t = tx("NM_1.1", "G", 400, true);
        assert_eq!(
            intronic_splice(&t, g(201), g(201)),
            Some(SoTerm::SpliceDonorVariant)
        );
        assert_eq!(
            intronic_splice(&t, g(202), g(202)),
            Some(SoTerm::SpliceDonorVariant)
        );
        assert_eq!(
            intronic_splice(&t, g(203), g(203)),
            Some(SoTerm::SpliceRegionVariant)
        );
        assert_eq!(
            intronic_splice(&t, g(208), g(208)),
            Some(SoTerm::SpliceRegionVariant)
        );
        assert_eq!(intronic_splice(&t, g(209), g(209)), None);
        assert_eq!(
            intronic_splice(&t, g(299), g(299)),
            Some(SoTerm::SpliceAcceptorVariant)
        );
        // the strongest class over a span
        assert_eq!(
            intronic_splice(&t, g(196), g(203)),
            Some(SoTerm::SpliceDonorVariant)
        );
        assert!(exonic_splice(&t, g(198), g(198)) && exonic_splice(&t, g(300), g(302)));
        assert!(!exonic_splice(&t, g(197), g(197)) && !exonic_splice(&t, g(303), g(303)));
        // the transcript's outer ends are not next to an intron
        assert!(!exonic_splice(&t, g(100), g(100)) && !exonic_splice(&t, g(400), g(400)));
    }

    #[test]
    fn the_coding_sequences_carry_the_allele_in_transcript_orientation() {
        let mut t = tx("NM_1.1", "G", 305, true);
        t.cds = vec![c1(150, 152), c1(300, 305)];
        // the base at 1-based p is ACGT[p % 4]
        let seq = |p: Pos0| b"ACGT"[(p.to_pos1().get() % 4) as usize];
        let (r, m) = coding_sequences(&t, g(301), b"C", b"T", &seq);
        // 150..=152 is GTA, 300..=305 ACGTAC
        assert_eq!(r, b"GTAACGTAC".to_vec());
        assert_eq!(m, b"GTAATGTAC".to_vec());
        t.strand = -1;
        let (r, m) = coding_sequences(&t, g(301), b"C", b"T", &seq);
        assert_eq!(r, revcomp(b"GTAACGTAC"));
        assert_eq!(m, revcomp(b"GTAATGTAC"));
        // a deletion inside the second segment
        t.strand = 1;
        let (_, m) = coding_sequences(&t, g(302), b"GT", b"", &seq);
        assert_eq!(m, b"GTAACAC".to_vec());
    }

    #[test]
    fn one_canonical_transcript_per_gene() {
        let models = vec![
            tx("NM_1.1", "G", 5000, false),
            tx("NM_2.3", "G", 2000, true),
            tx("NM_3.1", "G", 900, true),
            tx("NM_9.1", "H", 400, true),
        ];
        let none = std::collections::HashSet::new();
        let ids: Vec<&str> = canonical_per_gene(&models, &none)
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        // coding before non-coding, then the longest CDS
        assert_eq!(ids, vec!["NM_2.3", "NM_9.1"]);
        // a preferred accession is matched without its version
        let pref: std::collections::HashSet<String> = ["NM_3".to_string()].into();
        let ids: Vec<&str> = canonical_per_gene(&models, &pref)
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        assert_eq!(ids, vec!["NM_3.1", "NM_9.1"]);
    }
}
