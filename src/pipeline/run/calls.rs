//! The calling stage of `run`: somatic SNVs and indels from the one pass, the population
//! resource and panel-of-normals lookups in genome order, the genome-wide filters, and (tumor
//! only) the germline/somatic classification, first with diploid copy number and, once the
//! copy-number fit is known, again with its purity and the local copy number.

use anyhow::Result;

use super::stage::{PartialOf, Stage};
use crate::io::resource::{ResourceLookups, VcfResource};
use crate::somatic::{
    cnv::local_copy_number,
    evidence::{CallObserver, CallSettings, DamageCounts},
    filters::{finalize, Finalized, TumorOnly},
    germline::ModelPurity,
    Call,
};
use crate::types::cnv::CopyNumberResult;
use crate::types::Shard;

/// The plan: caller settings and the opened resources.
pub struct CallStage {
    /// Caller settings.
    pub settings: CallSettings,
    /// Samples read (tumor, then normal).
    pub n_samples: usize,
    /// Population resource (`--germline-resource`).
    pub germline: Option<VcfResource>,
    /// Panel of normals.
    pub pon: Option<VcfResource>,
    /// Contig names by id (the resources are keyed by name).
    pub contig_names: Vec<String>,
    /// Population AF from which a call is `germline`.
    pub max_population_af: f64,
}

/// Calls and damage counts gathered so far, with the resource cursors.
pub struct CallState<'s> {
    calls: Vec<Call>,
    damage: Vec<DamageCounts>,
    lookups: ResourceLookups<'s>,
}

/// The calls after the genome-wide filters.
pub struct CallSet {
    /// Every call in genome order, with its filters.
    pub calls: Vec<Call>,
    /// Substitution counts by read orientation per sample (FFPE / oxoG damage).
    pub damage: Vec<DamageCounts>,
    /// The last classification (germline model, orientation model).
    pub finalized: Finalized,
}

impl Stage for CallStage {
    const NAME: &'static str = "calls";
    type Observer<'s> = CallObserver;
    type State<'s> = CallState<'s>;
    type Context<'c> = ();
    type Output = CallSet;

    fn observer(&self) -> CallObserver {
        CallObserver {
            settings: self.settings.clone(),
            n_samples: self.n_samples,
        }
    }

    fn state(&self) -> Result<CallState<'_>> {
        Ok(CallState {
            calls: Vec::new(),
            damage: vec![DamageCounts::default(); self.n_samples],
            lookups: ResourceLookups::new(self.germline.as_ref(), self.pon.as_ref())?,
        })
    }

    fn add<'s>(
        &'s self,
        state: &mut CallState<'s>,
        shard: &Shard,
        mut partial: PartialOf<'s, Self>,
    ) -> Result<()> {
        state.lookups.annotate(
            &self.contig_names[shard.core.contig.index()],
            &mut partial.calls,
        )?;
        state.calls.extend(partial.calls);
        for (d, x) in state.damage.iter_mut().zip(&partial.damage) {
            d.add(x);
        }
        Ok(())
    }

    /// Genome-order filters and resources; tumor-only: the germline classification with
    /// diploid copy number and the purity of the candidates' allele fractions.
    fn finish<'s>(&'s self, state: CallState<'s>, _: ()) -> Result<CallSet> {
        let mut calls = state.calls;
        let diploid = |_: &Call| None;
        let first = TumorOnly {
            purity: ModelPurity::Estimate,
            local_cn: &diploid,
        };
        let tumor_only = !self.settings.has_normal;
        let finalized = finalize(
            &mut calls,
            self.max_population_af,
            tumor_only.then_some(&first),
            state.damage.first(),
        );
        Ok(CallSet {
            calls,
            damage: state.damage,
            finalized,
        })
    }
}

impl CallStage {
    /// Tumor-only with an identifiable copy-number fit: classifies again with its purity and
    /// the local copy number of each call (the first classification assumed diploid).
    pub fn reclassify(&self, set: &mut CallSet, copy_number: Option<&CopyNumberResult>) {
        if self.settings.has_normal {
            return;
        }
        let Some(cn) = copy_number else {
            return;
        };
        let Some(fit) = cn.fit.as_ref().filter(|f| f.identifiable) else {
            return;
        };
        let names = &self.contig_names;
        let local = |c: &Call| local_copy_number(&cn.segments, &names[c.contig.index()], c.pos);
        let second = TumorOnly {
            purity: ModelPurity::Given(fit.purity),
            local_cn: &local,
        };
        set.finalized = finalize(
            &mut set.calls,
            self.max_population_af,
            Some(&second),
            set.damage.first(),
        );
    }
}
