//! Transcript models (from GFF3/GTF) and a variant's annotation on one of them.
//!
//! Exons and CDS segments are [`Span`]s, 0-based half-open like every coordinate inside the
//! program: the GFF3/GTF reader converts the files' 1-based closed `start`/`end` once
//! (`Span::from_closed1`), and the annotation works on 0-based positions ([`Pos0`]).
//! Transcript (`n.`) and coding (`c.`) numbering stay 1-based: they are HGVS numbers written
//! for users, not genomic coordinates.
//!
//! [`Pos0`]: super::Pos0

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Span;

/// A transcript model: exons and CDS in transcript order (5' to 3' on the transcript, so
/// descending genomic order on the minus strand), each a 0-based half-open [`Span`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transcript {
    /// Transcript id (e.g. `NM_004333.4`).
    pub id: String,
    /// Gene symbol.
    pub gene: String,
    /// Contig name, as the models' file writes it (the reference may name it with or without
    /// `chr`).
    pub contig: String,
    /// +1 or -1.
    pub strand: i8,
    /// Exons, transcript order.
    pub exons: Vec<Span>,
    /// CDS segments (including the stop codon), transcript order.
    pub cds: Vec<Span>,
    /// Protein coding.
    pub coding: bool,
    /// MANE Select.
    pub mane: bool,
    /// Ensembl canonical.
    pub canonical: bool,
    /// The LRG's primary (t1) transcript.
    pub lrg_primary: bool,
}

impl Transcript {
    /// The genomic span from the first to the last exon base (empty without exons).
    pub fn span(&self) -> Span {
        self.exons
            .iter()
            .copied()
            .reduce(Span::hull)
            .unwrap_or_default()
    }

    /// Bases of the coding sequence (stop codon included).
    pub fn cds_len(&self) -> u64 {
        self.cds.iter().map(|s| s.len()).sum()
    }
}

/// One variant's annotation on one transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Annotation {
    /// Gene symbol.
    pub gene: String,
    /// Transcript id.
    pub transcript: String,
    /// Sequence Ontology consequence terms, `&`-joined as VEP writes them (the first is the
    /// primary one, e.g. `missense_variant&splice_region_variant`).
    #[schemars(with = "String")]
    pub consequence: Consequence,
    /// HGVS c. (or n.) without the transcript prefix, e.g. `c.1799T>A`.
    pub hgvs_c: String,
    /// HGVS p. 3-letter, e.g. `p.Val600Glu` (None outside the CDS).
    pub hgvs_p: Option<String>,
    /// Short protein change, e.g. `V600E`.
    pub protein_change: Option<String>,
    /// `exon 15/18` or `intron 14/17`.
    pub location: Option<String>,
    /// Exon number when exonic.
    pub exon: Option<u32>,
    /// Reference protein (coding changes only; for checks, not serialised).
    #[serde(skip)]
    #[schemars(skip)]
    pub ref_protein: Vec<u8>,
    /// Mutant protein up to its first stop (coding changes only).
    #[serde(skip)]
    #[schemars(skip)]
    pub alt_protein: Vec<u8>,
}

/// Where the transcript models of a run or report came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModelsSource {
    /// The GRCh38 MANE Select models compiled into the binary (`data/transcripts`).
    Builtin,
    /// The user's `--gff`.
    Gff,
}

/// The transcript models a run or report annotated with: what they are, and how many applied to
/// the reference's contigs.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct TranscriptModelsRecord {
    /// `builtin` (shipped) or `gff` (`--gff`).
    pub source: ModelsSource,
    /// `builtin:data/transcripts/mane_select_grch38.gff3.gz`, or the `--gff` path as given.
    pub path: String,
    /// What the models are (the shipped ones: `MANE Select`); None for `--gff`.
    pub name: Option<String>,
    /// Release of the models (the shipped ones: the MANE release, `1.4`).
    pub version: Option<String>,
    /// Genome build of their coordinates (the shipped ones: `GRCh38`).
    pub genome_build: Option<String>,
    /// MD5 of the file (the shipped models: of the compressed bytes).
    pub md5: String,
    /// Transcripts in the file.
    pub transcripts: usize,
    /// Of those, the transcripts on a contig of this reference (names matched with or without
    /// `chr`, `chrM` = `MT`; the shipped models only when the contig has its GRCh38 length).
    pub transcripts_used: usize,
    /// Why none or only some of them were used.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
}

/// A Sequence Ontology consequence term our annotation writes (VEP's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SoTerm {
    /// SO:0001583.
    MissenseVariant,
    /// SO:0001819.
    SynonymousVariant,
    /// SO:0001587.
    StopGained,
    /// SO:0001578.
    StopLost,
    /// SO:0002012.
    StartLost,
    /// SO:0001589.
    FrameshiftVariant,
    /// SO:0001821.
    InframeInsertion,
    /// SO:0001822.
    InframeDeletion,
    /// SO:0001818.
    ProteinAlteringVariant,
    /// SO:0001580.
    CodingSequenceVariant,
    /// SO:0001574.
    SpliceAcceptorVariant,
    /// SO:0001575.
    SpliceDonorVariant,
    /// SO:0001630.
    SpliceRegionVariant,
    /// SO:0001623.
    FivePrimeUtrVariant,
    /// SO:0001624.
    ThreePrimeUtrVariant,
    /// SO:0001627.
    IntronVariant,
    /// SO:0001631.
    UpstreamGeneVariant,
    /// SO:0001632.
    DownstreamGeneVariant,
    /// SO:0001792.
    NonCodingTranscriptExonVariant,
}

impl SoTerm {
    /// Every term.
    pub const ALL: [SoTerm; 19] = [
        SoTerm::MissenseVariant,
        SoTerm::SynonymousVariant,
        SoTerm::StopGained,
        SoTerm::StopLost,
        SoTerm::StartLost,
        SoTerm::FrameshiftVariant,
        SoTerm::InframeInsertion,
        SoTerm::InframeDeletion,
        SoTerm::ProteinAlteringVariant,
        SoTerm::CodingSequenceVariant,
        SoTerm::SpliceAcceptorVariant,
        SoTerm::SpliceDonorVariant,
        SoTerm::SpliceRegionVariant,
        SoTerm::FivePrimeUtrVariant,
        SoTerm::ThreePrimeUtrVariant,
        SoTerm::IntronVariant,
        SoTerm::UpstreamGeneVariant,
        SoTerm::DownstreamGeneVariant,
        SoTerm::NonCodingTranscriptExonVariant,
    ];

    /// The SO name (`missense_variant`, `5_prime_UTR_variant`).
    pub fn as_str(self) -> &'static str {
        self.names().0
    }

    /// The SO accession (`SO:0001583`).
    pub(crate) fn so_id(self) -> &'static str {
        self.names().1
    }

    fn names(self) -> (&'static str, &'static str) {
        match self {
            SoTerm::MissenseVariant => ("missense_variant", "SO:0001583"),
            SoTerm::SynonymousVariant => ("synonymous_variant", "SO:0001819"),
            SoTerm::StopGained => ("stop_gained", "SO:0001587"),
            SoTerm::StopLost => ("stop_lost", "SO:0001578"),
            SoTerm::StartLost => ("start_lost", "SO:0002012"),
            SoTerm::FrameshiftVariant => ("frameshift_variant", "SO:0001589"),
            SoTerm::InframeInsertion => ("inframe_insertion", "SO:0001821"),
            SoTerm::InframeDeletion => ("inframe_deletion", "SO:0001822"),
            SoTerm::ProteinAlteringVariant => ("protein_altering_variant", "SO:0001818"),
            SoTerm::CodingSequenceVariant => ("coding_sequence_variant", "SO:0001580"),
            SoTerm::SpliceAcceptorVariant => ("splice_acceptor_variant", "SO:0001574"),
            SoTerm::SpliceDonorVariant => ("splice_donor_variant", "SO:0001575"),
            SoTerm::SpliceRegionVariant => ("splice_region_variant", "SO:0001630"),
            SoTerm::FivePrimeUtrVariant => ("5_prime_UTR_variant", "SO:0001623"),
            SoTerm::ThreePrimeUtrVariant => ("3_prime_UTR_variant", "SO:0001624"),
            SoTerm::IntronVariant => ("intron_variant", "SO:0001627"),
            SoTerm::UpstreamGeneVariant => ("upstream_gene_variant", "SO:0001631"),
            SoTerm::DownstreamGeneVariant => ("downstream_gene_variant", "SO:0001632"),
            SoTerm::NonCodingTranscriptExonVariant => {
                ("non_coding_transcript_exon_variant", "SO:0001792")
            }
        }
    }

    /// The term named `s` (its SO name), if it is one of ours.
    pub fn parse(s: &str) -> Option<SoTerm> {
        SoTerm::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Splice donor, acceptor or region.
    pub fn is_splice(self) -> bool {
        matches!(
            self,
            SoTerm::SpliceAcceptorVariant
                | SoTerm::SpliceDonorVariant
                | SoTerm::SpliceRegionVariant
        )
    }
}

impl std::fmt::Display for SoTerm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One consequence term: one of ours, or another name an external annotator wrote (VEP's
/// `stop_retained_variant`, SnpEff's `conservative_inframe_deletion`), kept verbatim.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Term {
    /// A term our annotation writes.
    So(SoTerm),
    /// Any other name, as read.
    Other(String),
}

impl Term {
    /// The name.
    pub fn as_str(&self) -> &str {
        match self {
            Term::So(t) => t.as_str(),
            Term::Other(s) => s,
        }
    }

    /// A splice term (ours, or another name with `splice` in it).
    pub fn is_splice(&self) -> bool {
        match self {
            Term::So(t) => t.is_splice(),
            Term::Other(s) => s.contains("splice"),
        }
    }
}

/// The consequences of an allele on one transcript: the primary term first, then the terms
/// that go with it (`missense_variant&splice_region_variant`); serialised `&`-joined, as VEP
/// writes them. Empty when an external annotation named none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consequence(Vec<Term>);

impl Consequence {
    /// One term.
    pub fn new(primary: SoTerm) -> Consequence {
        Consequence(vec![Term::So(primary)])
    }

    /// These consequences and `also`.
    pub fn with(mut self, also: SoTerm) -> Consequence {
        if !self.has(also) {
            self.0.push(Term::So(also));
        }
        self
    }

    /// The primary term (what a MAF's Variant_Classification and FHIR's molecular consequence
    /// are made from).
    pub fn primary(&self) -> Option<&Term> {
        self.0.first()
    }

    /// True when the primary term is `term`.
    pub fn is(&self, term: SoTerm) -> bool {
        self.primary() == Some(&Term::So(term))
    }

    /// Every term, primary first.
    pub fn terms(&self) -> &[Term] {
        &self.0
    }

    /// True when `term` is one of the terms.
    pub fn has(&self, term: SoTerm) -> bool {
        self.0.contains(&Term::So(term))
    }

    /// True when one of `terms` is one of the terms.
    pub fn any(&self, terms: &[SoTerm]) -> bool {
        terms.iter().any(|t| self.has(*t))
    }

    /// True when a term is a splice term.
    pub fn is_splice(&self) -> bool {
        self.0.iter().any(Term::is_splice)
    }

    /// The terms of an `&`-joined list (names that are not ours are kept as [`Term::Other`]).
    pub fn parse(s: &str) -> Consequence {
        Consequence(
            s.split('&')
                .filter(|x| !x.is_empty())
                .map(|x| SoTerm::parse(x).map_or_else(|| Term::Other(x.to_string()), Term::So))
                .collect(),
        )
    }

    /// The names joined with `sep` (`&` in documents, `, ` on the page).
    pub fn join(&self, sep: &str) -> String {
        let names: Vec<&str> = self.0.iter().map(Term::as_str).collect();
        names.join(sep)
    }
}

impl From<SoTerm> for Consequence {
    fn from(t: SoTerm) -> Consequence {
        Consequence::new(t)
    }
}

impl std::fmt::Display for Consequence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.join("&"))
    }
}

impl PartialEq<&str> for Consequence {
    fn eq(&self, other: &&str) -> bool {
        let mut rest = *other;
        for (i, t) in self.0.iter().enumerate() {
            if i > 0 {
                match rest.strip_prefix('&') {
                    Some(r) => rest = r,
                    None => return false,
                }
            }
            match rest.strip_prefix(t.as_str()) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest.is_empty()
    }
}

impl Serialize for Consequence {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Consequence {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Consequence, D::Error> {
        Ok(Consequence::parse(&String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_term_round_trips_through_its_name() {
        for t in SoTerm::ALL {
            assert_eq!(SoTerm::parse(t.as_str()), Some(t));
            assert!(t.so_id().starts_with("SO:") && t.so_id().len() == 10);
        }
        let ids: std::collections::HashSet<_> = SoTerm::ALL.iter().map(|t| t.so_id()).collect();
        assert_eq!(ids.len(), SoTerm::ALL.len(), "one accession per term");
    }

    #[test]
    fn consequences_serialise_as_vep_writes_them() {
        let c = Consequence::new(SoTerm::MissenseVariant).with(SoTerm::SpliceRegionVariant);
        assert_eq!(c.to_string(), "missense_variant&splice_region_variant");
        assert!(c == "missense_variant&splice_region_variant");
        assert!(c != "missense_variant" && c != "missense_variant&splice" && c != "");
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            "\"missense_variant&splice_region_variant\""
        );
        let back: Consequence =
            serde_json::from_str("\"missense_variant&splice_region_variant\"").unwrap();
        assert_eq!(back, c);
        assert!(back.is(SoTerm::MissenseVariant));
        assert!(back.is_splice() && back.has(SoTerm::SpliceRegionVariant));
        // another annotator's names are kept as written
        let snpeff = Consequence::parse("conservative_inframe_deletion&splice_region_variant");
        assert_eq!(
            snpeff.primary(),
            Some(&Term::Other("conservative_inframe_deletion".into()))
        );
        assert!(!snpeff.has(SoTerm::InframeDeletion) && snpeff.has(SoTerm::SpliceRegionVariant));
        assert_eq!(
            snpeff.to_string(),
            "conservative_inframe_deletion&splice_region_variant"
        );
        assert!(Consequence::parse("").terms().is_empty());
        assert_eq!(c.join(", "), "missense_variant, splice_region_variant");
    }
}
