//! The only module that touches file formats: BAM/CRAM, FASTA, BED, region strings, outputs.

pub mod alignment;
pub mod bed;
pub mod bgzf_check;
pub mod gff;
pub mod mslist;
pub mod output;
pub mod reference;
pub mod region;
pub mod vcf;
