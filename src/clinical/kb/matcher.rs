//! Matchers: how a knowledge-base item's `alteration` meets something found in the sample.
//!
//! Vocabulary (`data/kb/README.md`): `p.<change>` (exact protein change on the MANE Select
//! transcript), `codon:<N>:missense|any`, `exon<N>[-<M>]:missense|inframe_deletion|
//! inframe_insertion|inframe_indel|any`, `exon<N>:skipping`, `oncogenic_mutation`,
//! `loss_of_function`, `amplification`, `deletion`, `fusion`, `fusion:<PARTNER>`,
//! `biomarker:MSI-H`, `biomarker:TMB>=<N>`, `biomarker:TMB=<A>-<B>` (a range, for caveats), and
//! `biomarker:dMMR` / `biomarker:HRD` (kept, never matched: not assessable from DNA here).

use serde::{Deserialize, Serialize};

use crate::types::transcript::{Consequence, SoTerm};

/// Something found in the sample that tiering can match.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Alteration {
    /// A small variant with its annotation.
    Variant {
        /// Gene.
        gene: String,
        /// Transcript the annotation used.
        transcript: String,
        /// Short protein change (`V600E`), if coding.
        protein_change: Option<String>,
        /// Consequence (SO terms).
        consequence: Consequence,
        /// Exon number, when exonic.
        exon: Option<u32>,
        /// Intron number, when intronic.
        intron: Option<u32>,
        /// HGVS c. (`c.3082+1G>T`).
        hgvs_c: String,
    },
    /// Copy-number amplification.
    Amplification {
        /// Gene.
        gene: String,
    },
    /// Deep (homozygous) deletion.
    Deletion {
        /// Gene.
        gene: String,
    },
    /// A gene fusion (`five::three`).
    Fusion {
        /// 5' gene.
        five: String,
        /// 3' gene.
        three: String,
    },
    /// MSI-H status.
    MsiHigh,
    /// Tumor mutation burden (mutations per Mb).
    Tmb(f64),
}

impl Alteration {
    /// The gene as a finding shows it (`EML4::ALK` for a fusion, `*` for biomarkers).
    pub fn gene(&self) -> String {
        match self {
            Alteration::Variant { gene, .. }
            | Alteration::Amplification { gene }
            | Alteration::Deletion { gene } => gene.clone(),
            Alteration::Fusion { five, three } => format!("{five}::{three}"),
            _ => "*".into(),
        }
    }

    /// Whether a KB item's gene names this alteration's gene (either partner of a fusion).
    pub(crate) fn has_gene(&self, g: &str) -> bool {
        match self {
            Alteration::Variant { gene, .. }
            | Alteration::Amplification { gene }
            | Alteration::Deletion { gene } => gene == g,
            Alteration::Fusion { five, three } => five == g || three == g,
            _ => false,
        }
    }

    /// Display name (`V600E`, `amplification`, `deletion`, `fusion`, `MSI-H`, `TMB-high`).
    pub fn display(&self) -> String {
        match self {
            Alteration::Variant {
                protein_change,
                consequence,
                hgvs_c,
                ..
            } => protein_change.clone().unwrap_or_else(|| {
                if hgvs_c.is_empty() {
                    consequence.to_string()
                } else {
                    hgvs_c.clone()
                }
            }),
            Alteration::Amplification { .. } => "amplification".into(),
            Alteration::Deletion { .. } => "deletion".into(),
            Alteration::Fusion { .. } => "fusion".into(),
            Alteration::MsiHigh => "MSI-H".into(),
            Alteration::Tmb(_) => "TMB-high".into(),
        }
    }
}

/// Consequence classes of exon matchers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExonClass {
    /// `missense_variant`.
    Missense,
    /// `inframe_deletion`.
    InframeDeletion,
    /// `inframe_insertion`.
    InframeInsertion,
    /// Either in-frame class.
    InframeIndel,
    /// Any protein-altering change.
    Any,
}

/// Codon matcher classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodonClass {
    /// A missense change at the codon.
    Missense,
    /// A missense or in-frame change starting at the codon.
    Any,
}

/// How an item matches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Matcher {
    /// Exact short protein change (without `p.`).
    Protein(String),
    /// A change at a codon.
    Codon(u32, CodonClass),
    /// A consequence class in an exon range.
    Exon(u32, u32, ExonClass),
    /// Variants that skip exon N (splice-site and splice-region classes).
    ExonSkipping(u32),
    /// A known oncogenic change of the gene (see [`Known`]).
    OncogenicMutation,
    /// An activating change of the gene: one of its curated activating classes
    /// (`activating_classes.tsv`; EGFR: exon 19 deletions, L858R, G719X, L861Q, S768I).
    ActivatingMutation,
    /// Truncating variants, or a deep deletion of the gene.
    LossOfFunction,
    /// Copy-number amplification.
    Amplification,
    /// Deep deletion.
    Deletion,
    /// A fusion involving the gene, with this partner (None: any).
    Fusion(Option<String>),
    /// MSI-H.
    MsiHigh,
    /// TMB at or above N.
    TmbAtLeast(f64),
    /// TMB in [low, high).
    TmbRange(f64, f64),
    /// A biomarker this tool cannot assess from DNA (dMMR by IHC, HRD score): never matched.
    NotAssessable(String),
}

impl Matcher {
    /// Parses the `alteration` column.
    pub fn parse(s: &str) -> Result<Matcher, String> {
        let s = s.trim();
        if let Some(p) = s.strip_prefix("p.") {
            let ok = p.len() >= 3
                && p.as_bytes()[0].is_ascii_uppercase()
                && p.chars().any(|c| c.is_ascii_digit())
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '*');
            return if ok {
                Ok(Matcher::Protein(p.to_string()))
            } else {
                Err(format!(
                    "'{s}' is not a short protein change (p.V600E, p.E746_A750del)"
                ))
            };
        }
        if let Some(rest) = s.strip_prefix("codon:") {
            let (n, class) = rest
                .split_once(':')
                .ok_or_else(|| format!("'{s}': write codon:<N>:missense or codon:<N>:any"))?;
            let n: u32 = n
                .parse()
                .map_err(|_| format!("'{s}': codon '{n}' is not a number"))?;
            let class = match class {
                "missense" => CodonClass::Missense,
                "any" => CodonClass::Any,
                c => return Err(format!("'{s}': codon class '{c}' is not missense or any")),
            };
            return Ok(Matcher::Codon(n, class));
        }
        if let Some(rest) = s.strip_prefix("exon") {
            let (range, class) = rest
                .split_once(':')
                .ok_or_else(|| format!("'{s}': write exon<N>:<class>"))?;
            let (a, b) = match range.split_once('-') {
                Some((a, b)) => (a, b),
                None => (range, range),
            };
            let (a, b): (u32, u32) = match (a.parse(), b.parse()) {
                (Ok(a), Ok(b)) if a >= 1 && a <= b => (a, b),
                _ => return Err(format!("'{s}': exon range '{range}' is not N or N-M")),
            };
            if class == "skipping" {
                if a != b {
                    return Err(format!("'{s}': skipping names one exon"));
                }
                return Ok(Matcher::ExonSkipping(a));
            }
            let class = match class {
                "missense" => ExonClass::Missense,
                "inframe_deletion" => ExonClass::InframeDeletion,
                "inframe_insertion" => ExonClass::InframeInsertion,
                "inframe_indel" => ExonClass::InframeIndel,
                "any" => ExonClass::Any,
                c => {
                    return Err(format!(
                        "'{s}': exon class '{c}' is not missense, inframe_deletion, inframe_insertion, inframe_indel, any or skipping"
                    ))
                }
            };
            return Ok(Matcher::Exon(a, b, class));
        }
        if let Some(p) = s.strip_prefix("fusion:") {
            if p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(format!("'{s}': partner '{p}' is not a gene symbol"));
            }
            return Ok(Matcher::Fusion(Some(p.to_string())));
        }
        if let Some(b) = s.strip_prefix("biomarker:") {
            return match b {
                "MSI-H" => Ok(Matcher::MsiHigh),
                "dMMR" | "HRD" => Ok(Matcher::NotAssessable(b.to_string())),
                _ => {
                    if let Some(t) = b.strip_prefix("TMB>=") {
                        t.parse()
                            .map(Matcher::TmbAtLeast)
                            .map_err(|_| format!("'{s}': TMB threshold '{t}' is not a number"))
                    } else if let Some(r) = b.strip_prefix("TMB=") {
                        let (lo, hi) = r
                            .split_once('-')
                            .ok_or_else(|| format!("'{s}': write TMB=<low>-<high>"))?;
                        match (lo.parse::<f64>(), hi.parse::<f64>()) {
                            (Ok(l), Ok(h)) if l < h => Ok(Matcher::TmbRange(l, h)),
                            _ => Err(format!("'{s}': TMB range '{r}' is not low-high")),
                        }
                    } else {
                        Err(format!(
                            "'{s}': unknown biomarker (MSI-H, TMB>=N, TMB=A-B, dMMR, HRD)"
                        ))
                    }
                }
            };
        }
        match s {
            "oncogenic_mutation" => Ok(Matcher::OncogenicMutation),
            "activating_mutation" => Ok(Matcher::ActivatingMutation),
            "loss_of_function" => Ok(Matcher::LossOfFunction),
            "amplification" => Ok(Matcher::Amplification),
            "deletion" => Ok(Matcher::Deletion),
            "fusion" => Ok(Matcher::Fusion(None)),
            _ => Err(format!("unknown alteration '{s}' (see data/kb/README.md)")),
        }
    }

    /// Whether the matcher reads protein or transcript positions (so it needs the MANE Select
    /// transcript of its gene).
    pub(crate) fn needs_transcript(&self) -> bool {
        matches!(
            self,
            Matcher::Protein(_)
                | Matcher::Codon(..)
                | Matcher::Exon(..)
                | Matcher::ExonSkipping(_)
                | Matcher::OncogenicMutation
                | Matcher::ActivatingMutation
        )
    }

    /// Whether the matcher is a biomarker (gene `-`).
    pub(crate) fn is_biomarker(&self) -> bool {
        matches!(
            self,
            Matcher::MsiHigh
                | Matcher::TmbAtLeast(_)
                | Matcher::TmbRange(..)
                | Matcher::NotAssessable(_)
        )
    }
}

/// Known oncogenic changes of a gene (CIViC-derived, CC0): residues, exon classes, and whether
/// truncation is the gene's known mechanism (a tumour suppressor).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Known {
    /// (gene, codon) with a CIViC-supported activating or sensitising change.
    pub residues: std::collections::BTreeSet<(String, u32)>,
    /// (gene, exon, class).
    pub exon_classes: Vec<(String, u32, ExonClass)>,
    /// Genes whose loss of function is their known oncogenic mechanism.
    pub loss_of_function: std::collections::BTreeSet<String>,
    /// (gene, matcher): the activating classes `activating_mutation` stands for.
    #[serde(default)]
    pub activating: Vec<(String, Matcher)>,
}

/// Consequences that truncate the protein (or abolish it): stop gained, frameshift, canonical
/// splice site, start lost.
pub(crate) const TRUNCATING: &[SoTerm] = &[
    SoTerm::StopGained,
    SoTerm::FrameshiftVariant,
    SoTerm::SpliceDonorVariant,
    SoTerm::SpliceAcceptorVariant,
    SoTerm::StartLost,
];

fn has(consequence: &Consequence, term: SoTerm) -> bool {
    consequence.has(term)
}

/// The codon of a short protein change (`V600E` → 600, `E746_A750del` → 746).
pub(crate) fn codon_of(pc: &str) -> Option<u32> {
    let digits: String = pc
        .chars()
        .skip(1)
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// The intronic offsets of an HGVS c. (`c.3082+1G>T` → `[1]`; `c.3028-14_3028-2del` → `[-14, -2]`).
pub(crate) fn intron_offsets(hgvs_c: &str) -> Vec<i64> {
    let s = hgvs_c.strip_prefix("c.").unwrap_or(hgvs_c);
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if (b[i] == b'+' || b[i] == b'-') && i > 0 && b[i - 1].is_ascii_digit() {
            let sign = if b[i] == b'+' { 1 } else { -1 };
            let mut j = i + 1;
            let mut v: i64 = 0;
            while j < b.len() && b[j].is_ascii_digit() {
                v = v * 10 + (b[j] - b'0') as i64;
                j += 1;
            }
            if j > i + 1 {
                out.push(sign * v);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

fn exon_class_matches(class: ExonClass, consequence: &Consequence) -> bool {
    match class {
        ExonClass::Missense => has(consequence, SoTerm::MissenseVariant),
        ExonClass::InframeDeletion => has(consequence, SoTerm::InframeDeletion),
        ExonClass::InframeInsertion => has(consequence, SoTerm::InframeInsertion),
        ExonClass::InframeIndel => {
            has(consequence, SoTerm::InframeDeletion) || has(consequence, SoTerm::InframeInsertion)
        }
        ExonClass::Any => [
            SoTerm::MissenseVariant,
            SoTerm::InframeDeletion,
            SoTerm::InframeInsertion,
            SoTerm::StopGained,
            SoTerm::FrameshiftVariant,
            SoTerm::StartLost,
            SoTerm::StopLost,
            SoTerm::ProteinAlteringVariant,
        ]
        .iter()
        .any(|t| has(consequence, *t)),
    }
}

/// METHOD: exon-N skipping, as the MET exon 14 skipping classes are described (Frampton et al.
/// 2015, Cancer Discov 5:850; Awad et al. 2016, J Clin Oncol 34:721): any change of the exon's
/// splice donor (intron N, +1 to +6, or the exon's own splice-region bases), of its splice
/// acceptor (intron N-1: a substitution at -1/-2, or an insertion/deletion reaching into the
/// polypyrimidine tract, -1 to -30), or a deletion across either boundary.
fn skips_exon(
    n: u32,
    consequence: &Consequence,
    exon: Option<u32>,
    intron: Option<u32>,
    hgvs: &str,
) -> bool {
    let offsets = intron_offsets(hgvs);
    let is_indel = hgvs.contains("del") || hgvs.contains("ins") || hgvs.contains("dup");
    if intron == Some(n) && offsets.iter().any(|&o| (1..=6).contains(&o)) {
        return true;
    }
    if n >= 2 && intron == Some(n - 1) {
        let near: Vec<i64> = offsets.iter().copied().filter(|o| *o < 0).collect();
        if near.iter().any(|&o| o >= -2) {
            return true;
        }
        if is_indel && near.iter().any(|&o| o >= -30) {
            return true;
        }
    }
    exon == Some(n)
        && (has(consequence, SoTerm::SpliceDonorVariant)
            || has(consequence, SoTerm::SpliceAcceptorVariant)
            || has(consequence, SoTerm::SpliceRegionVariant))
}

/// Whether a variant is protein-altering at a codon (missense or in-frame, not frameshift).
fn codon_matches(n: u32, class: CodonClass, pc: &str, consequence: &Consequence) -> bool {
    if codon_of(pc) != Some(n) {
        return false;
    }
    match class {
        CodonClass::Missense => has(consequence, SoTerm::MissenseVariant),
        CodonClass::Any => {
            has(consequence, SoTerm::MissenseVariant)
                || has(consequence, SoTerm::InframeDeletion)
                || has(consequence, SoTerm::InframeInsertion)
                || has(consequence, SoTerm::ProteinAlteringVariant)
        }
    }
}

/// Whether an item (gene, matcher, MANE transcripts) matches an alteration.
///
/// METHOD: a transcript-dependent matcher (protein, codon, exon, skipping, oncogenic) matches
/// only a variant annotated on the gene's MANE Select transcript (RefSeq or Ensembl accession,
/// version ignored): positions on another transcript are other numbers. A fusion matches by
/// either partner; `fusion:<P>` needs P to be the other partner.
pub fn matches(
    gene: Option<&str>,
    m: &Matcher,
    mane: &[String],
    known: &Known,
    alt: &Alteration,
) -> bool {
    if let Some(g) = gene {
        if !alt.has_gene(g) {
            return false;
        }
    } else if !m.is_biomarker() {
        return false;
    }
    let on_mane = |t: &str| {
        let u = t.split('.').next().unwrap_or(t);
        mane.iter().any(|m| m.split('.').next() == Some(u))
    };
    match (m, alt) {
        (
            Matcher::Protein(p),
            Alteration::Variant {
                protein_change: Some(pc),
                transcript,
                ..
            },
        ) => on_mane(transcript) && p == pc,
        (
            Matcher::Codon(n, class),
            Alteration::Variant {
                protein_change: Some(pc),
                consequence,
                transcript,
                ..
            },
        ) => on_mane(transcript) && codon_matches(*n, *class, pc, consequence),
        (
            Matcher::Exon(a, b, class),
            Alteration::Variant {
                exon: Some(e),
                consequence,
                transcript,
                ..
            },
        ) => {
            on_mane(transcript) && (*a..=*b).contains(e) && exon_class_matches(*class, consequence)
        }
        (
            Matcher::ExonSkipping(n),
            Alteration::Variant {
                consequence,
                exon,
                intron,
                hgvs_c,
                transcript,
                ..
            },
        ) => on_mane(transcript) && skips_exon(*n, consequence, *exon, *intron, hgvs_c),
        (
            Matcher::OncogenicMutation,
            Alteration::Variant {
                gene: g,
                protein_change,
                consequence,
                exon,
                transcript,
                ..
            },
        ) => {
            if !on_mane(transcript) {
                return false;
            }
            // METHOD: an "X mutation-positive" label is matched by the changes known to be
            // oncogenic in X: a missense or in-frame change at a residue with CIViC evidence, an
            // exon class with CIViC evidence (EGFR exon 19 deletions, exon 20 insertions), or, for
            // a gene whose mechanism is loss of function, a truncating variant
            let at_residue = protein_change
                .as_deref()
                .and_then(codon_of)
                .is_some_and(|c| {
                    known.residues.contains(&(g.clone(), c))
                        && codon_matches(
                            c,
                            CodonClass::Any,
                            protein_change.as_deref().unwrap_or(""),
                            consequence,
                        )
                });
            let exon_class = exon.is_some_and(|e| {
                known
                    .exon_classes
                    .iter()
                    .any(|(kg, ke, kc)| kg == g && *ke == e && exon_class_matches(*kc, consequence))
            });
            let truncating = known.loss_of_function.contains(g) && consequence.any(TRUNCATING);
            at_residue || exon_class || truncating
        }
        (Matcher::ActivatingMutation, Alteration::Variant { gene: g, .. }) => known
            .activating
            .iter()
            .filter(|(kg, m)| kg == g && !matches!(m, Matcher::ActivatingMutation))
            .any(|(kg, m)| matches(Some(kg), m, mane, known, alt)),
        (Matcher::LossOfFunction, Alteration::Variant { consequence, .. }) => {
            consequence.any(TRUNCATING)
        }
        (Matcher::LossOfFunction, Alteration::Deletion { .. }) => true,
        (Matcher::Amplification, Alteration::Amplification { .. }) => true,
        (Matcher::Deletion, Alteration::Deletion { .. }) => true,
        (Matcher::Fusion(p), Alteration::Fusion { five, three }) => match (p, gene) {
            (None, _) => true,
            (Some(p), Some(g)) => (g == five && p == three) || (g == three && p == five),
            (Some(p), None) => p == five || p == three,
        },
        (Matcher::MsiHigh, Alteration::MsiHigh) => true,
        (Matcher::TmbAtLeast(t), Alteration::Tmb(v)) => v >= t,
        (Matcher::TmbRange(lo, hi), Alteration::Tmb(v)) => v >= lo && v < hi,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(
        gene: &str,
        pc: Option<&str>,
        csq: &str,
        exon: Option<u32>,
        intron: Option<u32>,
        hgvs: &str,
    ) -> Alteration {
        Alteration::Variant {
            gene: gene.into(),
            transcript: "NM_1.2".into(),
            protein_change: pc.map(String::from),
            consequence: Consequence::parse(csq),
            exon,
            intron,
            hgvs_c: hgvs.into(),
        }
    }

    fn m(s: &str) -> Matcher {
        Matcher::parse(s).unwrap()
    }

    #[test]
    fn parses_the_vocabulary_and_refuses_the_rest() {
        assert_eq!(m("p.V600E"), Matcher::Protein("V600E".into()));
        assert_eq!(
            m("codon:12:missense"),
            Matcher::Codon(12, CodonClass::Missense)
        );
        assert_eq!(
            m("exon18-21:missense"),
            Matcher::Exon(18, 21, ExonClass::Missense)
        );
        assert_eq!(m("exon14:skipping"), Matcher::ExonSkipping(14));
        assert_eq!(m("biomarker:TMB=10-20"), Matcher::TmbRange(10.0, 20.0));
        for bad in [
            "V600E",
            "codon:12",
            "exon19:splice_acceptor_variant",
            "exon21-18:missense",
            "biomarker:MSI-High",
            "truncating",
            "fusion:",
        ] {
            assert!(Matcher::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn transcript_position_matchers_need_the_mane_transcript() {
        let mane = vec!["NM_1.3".to_string(), "ENST1.1".to_string()];
        let k = Known::default();
        let v = var(
            "BRAF",
            Some("V600E"),
            "missense_variant",
            Some(15),
            None,
            "c.1799T>A",
        );
        assert!(matches(Some("BRAF"), &m("p.V600E"), &mane, &k, &v));
        let other = vec!["NM_9.1".to_string()];
        assert!(!matches(Some("BRAF"), &m("p.V600E"), &other, &k, &v));
        // gene `-` never matches a variant
        assert!(!matches(None, &m("p.V600E"), &mane, &k, &v));
    }

    #[test]
    fn codon_matchers_go_by_consequence() {
        let mane = vec!["NM_1".to_string()];
        let k = Known::default();
        let fs = var(
            "KRAS",
            Some("G12fs"),
            "frameshift_variant",
            Some(2),
            None,
            "c.34del",
        );
        assert!(!matches(
            Some("KRAS"),
            &m("codon:12:missense"),
            &mane,
            &k,
            &fs
        ));
        assert!(!matches(Some("KRAS"), &m("codon:12:any"), &mane, &k, &fs));
        let g12c = var(
            "KRAS",
            Some("G12C"),
            "missense_variant",
            Some(2),
            None,
            "c.34G>T",
        );
        assert!(matches(
            Some("KRAS"),
            &m("codon:12:missense"),
            &mane,
            &k,
            &g12c
        ));
    }

    #[test]
    fn met_exon14_skipping_classes() {
        let mane = vec!["NM_1".to_string()];
        let k = Known::default();
        let sk = m("exon14:skipping");
        let hit = |csq: &str, exon, intron, hgvs: &str| {
            matches(
                Some("MET"),
                &sk,
                &mane,
                &k,
                &var("MET", None, csq, exon, intron, hgvs),
            )
        };
        assert!(hit("splice_donor_variant", None, Some(14), "c.3082+1G>T"));
        assert!(hit(
            "splice_region_variant&intron_variant",
            None,
            Some(14),
            "c.3082+5G>A"
        ));
        assert!(!hit("intron_variant", None, Some(14), "c.3082+9G>A"));
        assert!(hit(
            "splice_acceptor_variant",
            None,
            Some(13),
            "c.3028-2A>G"
        ));
        assert!(
            !hit("intron_variant", None, Some(13), "c.3028-12C>T"),
            "an SNV in the tract"
        );
        assert!(
            hit("intron_variant", None, Some(13), "c.3028-24_3028-9del"),
            "a tract deletion"
        );
        assert!(hit(
            "splice_region_variant&synonymous_variant",
            Some(14),
            None,
            "c.3082G>A"
        ));
        assert!(!hit("missense_variant", Some(14), None, "c.3050A>G"));
        assert!(
            !hit("splice_acceptor_variant", None, Some(14), "c.3083-2A>G"),
            "exon 15 acceptor"
        );
    }

    #[test]
    fn oncogenic_mutation_uses_known_residues_classes_and_tumour_suppressors() {
        let mane = vec!["NM_1".to_string()];
        let mut k = Known::default();
        k.residues.insert(("PIK3CA".into(), 1047));
        k.exon_classes
            .push(("EGFR".into(), 19, ExonClass::InframeDeletion));
        k.loss_of_function.insert("PTEN".into());
        let onc = m("oncogenic_mutation");
        let hit = |g: &str, pc: Option<&str>, csq: &str, exon| {
            matches(
                Some(g),
                &onc,
                &mane,
                &k,
                &var(g, pc, csq, exon, None, "c.1A>G"),
            )
        };
        assert!(hit("PIK3CA", Some("H1047R"), "missense_variant", Some(21)));
        assert!(!hit("PIK3CA", Some("H1048R"), "missense_variant", Some(21)));
        assert!(hit(
            "EGFR",
            Some("E746_A750del"),
            "inframe_deletion",
            Some(19)
        ));
        assert!(hit("PTEN", Some("R130*"), "stop_gained", Some(5)));
        assert!(
            !hit("PIK3CA", Some("R88*"), "stop_gained", Some(1)),
            "not a tumour suppressor"
        );
    }

    #[test]
    fn fusions_match_either_partner_and_named_partners() {
        let k = Known::default();
        let f = Alteration::Fusion {
            five: "EML4".into(),
            three: "ALK".into(),
        };
        assert!(matches(Some("ALK"), &m("fusion"), &[], &k, &f));
        assert!(matches(Some("ALK"), &m("fusion:EML4"), &[], &k, &f));
        assert!(matches(Some("EML4"), &m("fusion:ALK"), &[], &k, &f));
        assert!(!matches(Some("ALK"), &m("fusion:KIF5B"), &[], &k, &f));
        assert!(!matches(Some("RET"), &m("fusion"), &[], &k, &f));
    }

    #[test]
    fn hgvs_offsets() {
        assert_eq!(intron_offsets("c.3082+1G>T"), vec![1]);
        assert_eq!(intron_offsets("c.3028-14_3028-2del"), vec![-14, -2]);
        assert_eq!(intron_offsets("c.1799T>A"), Vec::<i64>::new());
        assert_eq!(
            intron_offsets("c.-14C>T"),
            Vec::<i64>::new(),
            "5' UTR is not intronic"
        );
    }
}
