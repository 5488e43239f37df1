//! Clinical interpretation: consequence annotation (HGVS), and next the knowledge base and
//! tiering. Pure functions over transcripts and sequence; the GFF3/FASTA readers live in `io`.

pub mod annotate;
pub mod kb;
pub mod oncotree;
pub mod tier;
