//! Clinical interpretation: annotation (consequence, HGVS), the knowledge base, OncoTree,
//! tiering and the expert-panel triage. Pure: reads nothing from disk (texts come from `io`
//! through the pipeline; the knowledge base (data/kb), OncoTree and the GRCh38 MANE Select
//! transcript models (data/transcripts) are compiled in).

pub mod annotate;
pub mod fusion;
pub mod germline;
pub mod kb;
pub mod models;
pub(crate) mod monitoring;
pub mod oncogenicity;
pub mod oncotree;
pub mod tier;
pub mod transcripts;
pub mod triage;
pub mod trials;
