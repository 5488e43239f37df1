//! The one shape of every analysis of `run`: a plan made at validation, an observer of the one
//! pass, a state that combines the per-shard partials in genome order, and a finish into typed
//! results.
//!
//! ```text
//!   validate ──► Stage (the plan) ──observer()──► engine workers: one Partial per shard
//!                       │                                   │ (genome order)
//!                       └──state()──► State ◄──add(shard, partial)──┘
//!                                       │
//!                                       └──finish(state, context)──► Output (typed results)
//! ```
//!
//! `run` drives its built-in stages ([`super::calls::CallStage`], [`super::msi::MsiStage`],
//! [`super::qc::QcStage`], [`crate::pipeline::structural::StructuralPlan`]) through this trait,
//! and [`super::RunPlan::execute_with`] takes one more stage from outside: its observer sees the
//! same pass (no extra read of any BAM), and its output is written into the run directory as
//! `<NAME>.json` and recorded in the manifest (`docs/architecture.md` adds a biomarker this way,
//! in a worked example that a test compiles and runs).

use anyhow::Result;

use crate::engine::{ColumnObserver, NoObserver};
use crate::types::Shard;

/// What one shard of a stage's observer produces.
pub type PartialOf<'s, S> = <<S as Stage>::Observer<'s> as ColumnObserver>::Partial;

/// One analysis of the pass.
pub trait Stage {
    /// Its name: an extra stage's output file (`NAME.json`, also its role in the manifest;
    /// an empty name writes no file).
    const NAME: &'static str;
    /// The observer the engine's workers drive over every shard.
    type Observer<'s>: ColumnObserver
    where
        Self: 's;
    /// The partials combined so far (on the main thread, in genome order).
    type State<'s>
    where
        Self: 's;
    /// What `finish` needs from the stages before it.
    type Context<'c>;
    /// The typed result.
    type Output;

    /// The observer of the pass.
    fn observer(&self) -> Self::Observer<'_>;
    /// An empty state.
    fn state(&self) -> Result<Self::State<'_>>;
    /// Adds one shard's partial (called in genome order).
    fn add<'s>(
        &'s self,
        state: &mut Self::State<'s>,
        shard: &Shard,
        partial: PartialOf<'s, Self>,
    ) -> Result<()>;
    /// The result, after the last shard.
    fn finish<'s>(
        &'s self,
        state: Self::State<'s>,
        context: Self::Context<'_>,
    ) -> Result<Self::Output>;
}

/// No extra stage: `run` as it ships.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoStage;

impl Stage for NoStage {
    const NAME: &'static str = "";
    type Observer<'s> = NoObserver;
    type State<'s> = ();
    type Context<'c> = &'c crate::types::results::RunResults;
    type Output = ();

    fn observer(&self) -> NoObserver {
        NoObserver
    }

    fn state(&self) -> Result<()> {
        Ok(())
    }

    fn add(&self, _state: &mut (), _shard: &Shard, _partial: ()) -> Result<()> {
        Ok(())
    }

    fn finish(&self, _state: (), _context: Self::Context<'_>) -> Result<()> {
        Ok(())
    }
}
