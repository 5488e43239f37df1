//! TMB of `run`: the counted calls over the callable bases of the one pass, with the coding
//! (synonymous / non-synonymous) split when transcript models are loaded.

use std::collections::HashSet;

use crate::clinical::annotate::{coding_class, Annotator};
use crate::io::reference::Reference;
use crate::somatic::biomarkers::{
    coding_split, tmb_counted, tmb_excluding, CodingClass, TmbScope, TmbSettings,
};
use crate::somatic::Call;
use crate::types::results::TmbResult;
use crate::types::transcript::Transcript;
use crate::types::Region;

/// Transcript models of the run (`--gff`, else the shipped GRCh38 MANE Select models, on the
/// reference's contigs; empty when none applies) and the preferred transcripts.
pub struct Annotation {
    /// Transcript models.
    pub models: Vec<Transcript>,
    /// Preferred transcript accessions (MANE Select).
    pub preferred: HashSet<String>,
    /// What the models are and how many applied (`results.json` provenance).
    pub record: crate::types::transcript::TranscriptModelsRecord,
}

/// TMB settings and scope.
pub struct TmbPlan {
    /// VAF and callable-depth thresholds.
    pub settings: TmbSettings,
    /// Positions left out of the numerator (`--tmb-exclude`).
    pub exclude: Vec<Region>,
    /// Per contig: in scope (the primary chromosomes of a human genome).
    pub contigs: Vec<bool>,
}

impl TmbPlan {
    /// TMB of the final calls over `callable_bases`, split by coding class when `annotation`
    /// has models.
    pub fn tmb(
        &self,
        calls: &[Call],
        callable_bases: u64,
        annotation: &Annotation,
        reference: &Reference,
        contig_names: &[String],
    ) -> TmbResult {
        let scope = TmbScope {
            contigs: &self.contigs,
            exclude: &self.exclude,
        };
        let mut tmb = tmb_excluding(calls, &scope, callable_bases, self.settings);
        if !annotation.models.is_empty() {
            let annotator = Annotator::new(&annotation.models, &annotation.preferred, reference);
            let counted = tmb_counted(calls, &scope, self.settings.min_vaf);
            coding_split(&mut tmb, &counted, |c| {
                annotator
                    .annotate(
                        &contig_names[c.contig.index()],
                        c.pos.to_pos1(),
                        &c.ref_allele,
                        &c.alt_allele,
                    )
                    .map(|a| coding_class(&a))
                    .unwrap_or(CodingClass::Other)
            });
        }
        tmb
    }
}
