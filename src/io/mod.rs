//! Every file format, reading and writing, and the only module that opens files. It imports
//! only `types` and `error` (plus `log` for warnings about stale indexes).
//!
//! | file | format |
//! |---|---|
//! | [`alignment`] | BAM/CRAM inputs: memory map, header, index, per-worker readers ([`crate::types::source::AlignmentSource`]) |
//! | [`bam_index`], [`bam_record`], [`cram_container`] | BAI/CSI indexes, BAM records and CRAM container headers, read with bounds and validated |
//! | [`cram_blocks`] | CRAM blocks and records decoded in safe Rust before htslib decodes a container |
//! | [`bgzf_check`] | BGZF framing, EOF marker, truncation |
//! | [`mod@reference`] | FASTA + `.fai` ([`crate::types::source::SequenceSource`]), contig MD5s |
//! | [`bed`], [`region`] | BED targets, samtools region strings |
//! | [`vcf`] | somatic calls as VCF 4.2 (bgzip + tabix) |
//! | [`vcf_input`] | somatic VCFs given to `report` (noodles-vcf) |
//! | [`sv_input`], [`cn_input`] | structural-variant VCFs and copy-number files of other pipelines (`report --sv`, `--cnv`) |
//! | [`resource`] | germline resources and panels of normals (noodles-vcf) |
//! | [`mslist`] | microsatellite site lists, MSI histogram tables and baselines |
//! | [`gff`] | GFF3/GTF transcript models, preferred-transcript lists |
//! | [`pileup_tsv`], [`depth_tsv`] | the `pileup` and `depth` tables |
//! | [`json`] | the versioned JSON documents (`results.json`, `report.json`, `run_manifest.json`) |
//! | [`text`] | small text inputs (knowledge bases) |
//! | [`output`] | atomic outputs, checksums, output directories |

pub mod alignment;
pub mod bam_index;
pub mod bam_record;
pub mod bed;
pub mod bgzf_check;
pub mod cn_input;
pub mod cnv;
pub mod cram_blocks;
pub mod cram_container;
pub mod depth_tsv;
pub mod gff;
pub mod json;
pub mod mslist;
pub mod output;
pub mod pdf;
pub mod pileup_tsv;
#[cfg(test)]
pub(crate) mod props;
pub mod reference;
pub mod region;
pub mod resource;
pub mod sv_input;
pub mod text;
pub mod vcf;
pub mod vcf_input;
