//! Renderers: turn engine partials and stage results into files. They format; they never
//! recompute a metric.

pub mod clinical;
pub mod coverage_tsv;
pub mod pileup_tsv;
