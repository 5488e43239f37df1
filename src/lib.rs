//! oncostream: one streaming pass over tumor (and normal) BAM/CRAM for cancer genomic profiling.
//!
//! The rooms, from the ground floor up (a module imports only the ones listed before it):
//!
//! | module | room | may |
//! |---|---|---|
//! | [`error`], [`log`] | exit codes; stderr lines | |
//! | [`types`] | what crosses a stage boundary: coordinates, calls, sites, transcripts, the source traits, the versioned documents (`results.json`, `report.json`, `run_manifest.json`, metrics) | |
//! | [`io`] | every file format, reading and writing | open files |
//! | [`engine`] | shard planning, the thread pool and ordered gather, the pileup hot loop | spawn threads |
//! | [`somatic`] | every observer of the pass, and pure functions: model, filters, TMB, MSI, purity, QC verdict, identity | compute numbers |
//! | [`clinical`] | annotation, knowledge base, OncoTree, tiering, triage | compute findings |
//! | [`report`] | renders HTML/TSV from the typed report; never recomputes | |
//! | [`pipeline`] | orchestration: validate every input, run the pass, write outputs and the manifest | decide what is written |
//! | [`cli`] | flags → pipeline options → exit code | |
//!
//! See docs/architecture.md for the data flow.

pub mod cli;
pub mod clinical;
pub mod engine;
pub mod error;
pub mod io;
pub mod log;
pub mod pipeline;
pub mod report;
pub mod somatic;
pub mod types;
