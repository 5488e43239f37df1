//! When the transcript models lack the MANE Select transcript a rule is written on: the rule is
//! evaluated on MANE numbering mapped by exon structure, or listed as not evaluated — never
//! silently dropped.
//!
//! METHOD: a protein, codon, exon or exon-skipping rule is written on its gene's MANE Select
//! transcript (`mane_select.tsv`); a variant annotated on another transcript of the gene (the
//! GFF holds no MANE model: MET NM_001127500 instead of NM_000245, whose exon 10 is 54 bases
//! longer, so every codon after it is numbered 18 higher) would be a VUS for every such rule.
//! The knowledge base carries the MANE transcript's exon structure relative to its start codon
//! (`mane_structures.tsv`, from the LRG records' RefSeq models); the structure is placed on the
//! genome at the start codon of the transcript the GFF gives and accepted only when its CDS,
//! read from the reference, translates from Met to a stop of the expected length with no stop
//! before (the two transcripts share the start codon and the MANE exons lie where the structure
//! says). The variant is then annotated on that placed MANE model by the same annotator (exon,
//! intron, HGVS, protein change, consequence), and tiered with a note naming both transcripts.
//! Without a structure, or when the placement fails, the gene's transcript-dependent rules are
//! listed as not evaluated with the reason.

use super::annotate::Annotator;
use super::kb::{Kb, ManeStructure};
use crate::types::report::{ManeMapping, PreferredAbsent, ReportVariant, RulesNotEvaluated};
use crate::types::transcript::Transcript;
use crate::types::{Pos0, Span};

/// The unversioned accession.
fn base(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}

/// Whether an accession is the gene's MANE Select (RefSeq or Ensembl, version ignored).
pub(crate) fn is_mane(kb: &Kb, gene: &str, transcript: &str) -> bool {
    kb.mane
        .get(gene)
        .is_some_and(|m| m.iter().any(|a| base(a) == base(transcript)))
}

/// The MANE structure placed on the genome at the start codon of `y` (same contig and strand).
/// The structure's offsets are closed (`a..=b` bases from the A of the start codon).
pub fn place(y: &Transcript, s: &ManeStructure) -> Option<Transcript> {
    let first = y.cds.first()?;
    // the A of the start codon: the CDS's first base in transcript orientation
    let atg = if y.strand > 0 {
        first.start
    } else {
        first.last()
    };
    let strand = i64::from(y.strand);
    let at = |rel: i64| -> Option<Pos0> {
        let g = i64::try_from(atg.get()).ok()? + rel * strand;
        u64::try_from(g).ok().map(Pos0::new)
    };
    // the bases from offset a to offset b, both included, in genome order
    let span = |a: i64, b: i64| -> Option<Span> {
        let (ga, gb) = (at(a)?, at(b)?);
        Some(Span::new(ga.min(gb), ga.max(gb) + 1))
    };
    let mut exons = Vec::new();
    let mut cds = Vec::new();
    for &(a, b) in &s.exons {
        exons.push(span(a, b)?);
        let (ca, cb) = (a.max(0), b.min(s.cds_end));
        if ca <= cb {
            cds.push(span(ca, cb)?);
        }
    }
    Some(Transcript {
        id: s.mane.clone(),
        gene: s.gene.clone(),
        contig: y.contig.clone(),
        strand: y.strand,
        exons,
        cds,
        coding: true,
        mane: true,
        canonical: false,
        lrg_primary: false,
    })
}

/// Whether a placed model's CDS reads Met ... stop, with the stop where the structure ends.
fn translates(annotator: &Annotator<'_>, t: &Transcript, s: &ManeStructure) -> bool {
    let p = annotator.translate_cds(t);
    let coding: i64 = s
        .exons
        .iter()
        .map(|&(a, b)| (b.min(s.cds_end) - a.max(0) + 1).max(0))
        .sum();
    coding % 3 == 0
        && p.first() == Some(&b'M')
        && p.last() == Some(&b'*')
        && p.len() as i64 == coding / 3
}

/// The variant's annotation on MANE numbering, or why it cannot be had (None: the variant is
/// already on its gene's MANE transcript, or the gene has none in the KB).
pub(crate) fn map_to_mane(
    annotator: &Annotator<'_>,
    models: &[Transcript],
    kb: &Kb,
    v: &ReportVariant,
) -> Option<Result<ManeMapping, String>> {
    let a = v.annotation.as_ref()?;
    if !kb.mane.contains_key(&a.gene) || is_mane(kb, &a.gene, &a.transcript) {
        return None;
    }
    let preferred = kb.mane[&a.gene].join(" / ");
    let Some(s) = kb.structures.get(&a.gene) else {
        return Some(Err(format!(
            "the transcript models have no {preferred} (MANE Select) and the knowledge base has no exon structure of it"
        )));
    };
    let Some(y) = models
        .iter()
        .find(|t| t.id == a.transcript && !t.cds.is_empty())
    else {
        return Some(Err(format!(
            "{} is not a coding model: its start codon cannot place {preferred}",
            a.transcript
        )));
    };
    let placed = match place(y, s) {
        Some(t) if translates(annotator, &t, s) => t,
        _ => {
            return Some(Err(format!(
                "{}'s start codon does not place {} (MANE Select) on the reference: the transcripts differ at their start",
                a.transcript, s.mane
            )))
        }
    };
    let mapped = annotator.annotate_on(&placed, &v.chrom, v.pos, &v.ref_allele, &v.alt);
    Some(Ok(ManeMapping {
        note: format!(
            "evaluated on {} (MANE Select, absent from the transcript models: mapped by exon structure from {}, {}{})",
            s.mane,
            a.transcript,
            mapped.hgvs_c,
            mapped
                .protein_change
                .as_deref()
                .map(|p| format!(" p.{p}"))
                .unwrap_or_default()
        ),
        annotation: mapped,
        from_transcript: a.transcript.clone(),
        structure: format!("{} exon structure from {}", s.model, s.source),
    }))
}

/// Genes whose preferred (MANE Select) transcript the models lack while they hold another
/// model of the gene, with whether the KB can map onto it.
pub fn preferred_absent(models: &[Transcript], kb: &Kb) -> Vec<PreferredAbsent> {
    let mut by_gene: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for t in models {
        by_gene
            .entry(t.gene.as_str())
            .or_default()
            .push(t.id.as_str());
    }
    by_gene
        .into_iter()
        .filter(|(g, ids)| kb.mane.contains_key(*g) && !ids.iter().any(|id| is_mane(kb, g, id)))
        .map(|(g, ids)| PreferredAbsent {
            gene: g.to_string(),
            preferred: kb.mane[g].join(" / "),
            models: ids.iter().map(|s| s.to_string()).collect(),
            mapped_by_structure: kb.structures.contains_key(g),
        })
        .collect()
}

/// The transcript-dependent rules that could not be evaluated for each variant annotated on
/// a non-MANE transcript without a mapping (the reason kept from the mapping attempt).
pub fn rules_not_evaluated(variants: &[ReportVariant], kb: &Kb) -> Vec<RulesNotEvaluated> {
    let mut out = Vec::new();
    for v in variants {
        let Some(a) = &v.annotation else { continue };
        if v.mane_mapping.is_some()
            || !kb.mane.contains_key(&a.gene)
            || is_mane(kb, &a.gene, &a.transcript)
        {
            continue;
        }
        let rules: Vec<String> = kb
            .items
            .iter()
            .filter(|i| i.gene.as_deref() == Some(a.gene.as_str()) && i.matcher.needs_transcript())
            .map(|i| format!("{} {}", i.id, i.alteration))
            .collect();
        if rules.is_empty() {
            continue;
        }
        out.push(RulesNotEvaluated {
            gene: a.gene.clone(),
            variant: format!(
                "{}:{} {}>{} ({}:{})",
                v.chrom,
                v.pos.get(),
                v.ref_allele,
                v.alt,
                a.transcript,
                a.hgvs_c
            ),
            reason: v.mane_unmapped.clone().unwrap_or_else(|| {
                format!(
                    "annotated on {}, not on {} (MANE Select)",
                    a.transcript,
                    kb.mane[&a.gene].join(" / ")
                )
            }),
            rules,
        });
    }
    out
}
