//! oncostream: one streaming pass over tumor (and normal) BAM/CRAM for cancer genomic profiling.
//!
//! Module map (see README.md, Architecture):
//! - [`types`]: what crosses stage boundaries (regions, shards, tallies, the read view).
//! - [`io`]: the only module touching file formats.
//! - [`engine`]: shard planning, the thread pool with ordered gather, the pileup hot loop.
//! - [`coverage`]: depth/callable aggregation (partial-then-combine) for `depth`.
//! - [`report`]: renderers of tables and documents.
//! - [`metrics`]: run metrics for dashboards.
//! - [`cli`]: flags and commands; [`error`]: exit codes.

pub mod cli;
pub mod clinical;
pub mod coverage;
pub mod engine;
pub mod error;
pub mod io;
pub mod log;
pub mod metrics;
pub mod pipeline;
pub mod report;
pub mod somatic;
pub mod types;
