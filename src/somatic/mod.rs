//! Somatic calling: candidates from the one pass, the statistical model, artifact filters.
//!
//! Pure: this module never opens a file. [`evidence::CallObserver`] plugs into the engine
//! (it sees every read of tumor and normal over a shard) and turns each shard into scored
//! [`Call`]s; [`filters`] adds the filters that need the whole genome in order (clustered
//! events) or external resources (population allele frequencies, panel of normals);
//! [`germline`] separates germline from somatic alleles in tumor-only runs.

pub mod biomarkers;
pub mod cnv;
pub mod evidence;
pub mod filters;
pub mod germline;
pub mod model;
pub(crate) mod mrd;
pub mod msi;
pub mod normalize;
pub mod qc;
pub mod sv;
pub mod sv_link;
pub mod sv_refine;

pub mod coverage;
pub mod pass;
pub mod pileup;

pub use crate::types::call::{Allele, Call, Filter, SampleSupport, VarKind};
