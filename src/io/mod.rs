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

/// Opens an input that is read by random access (seek, memory map, index) — the alignment
/// files and the reference. A named pipe, device, socket or directory is refused before
/// `open` (which blocks on a FIFO until a writer comes) with exit 66; a missing file is 66 too.
pub(crate) fn open_seekable(path: &std::path::Path, what: &str) -> anyhow::Result<std::fs::File> {
    use crate::error::{fail, ExitKind};
    let name = path.display();
    let meta = std::fs::metadata(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot open {what} '{name}': {e}"),
        )
    })?;
    if !meta.is_file() {
        use std::os::unix::fs::FileTypeExt;
        let ft = meta.file_type();
        let kind = if ft.is_dir() {
            "a directory"
        } else if ft.is_fifo() {
            "a named pipe"
        } else if ft.is_socket() {
            "a socket"
        } else {
            "a device"
        };
        return Err(fail(
            ExitKind::NoInput,
            format!(
                "cannot open {what} '{name}': it is {kind}, not a regular file (it is read by random access through its index; write it to a file first)"
            ),
        ));
    }
    std::fs::File::open(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot open {what} '{name}': {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn pipes_and_directories_are_refused_before_open_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("t.bam");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.map(|s| s.success()).unwrap_or(false) {
            // open(2) of a FIFO without a writer would block this test forever
            let e = super::open_seekable(&fifo, "alignment file").unwrap_err();
            assert!(e.to_string().contains("a named pipe"), "{e}");
            assert_eq!(crate::error::exit_kind(&e).code(), 66);
        }
        let e = super::open_seekable(dir.path(), "reference").unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        let e = super::open_seekable(&dir.path().join("absent.fa"), "reference").unwrap_err();
        assert_eq!(crate::error::exit_kind(&e).code(), 66);
        let f = dir.path().join("x.fa");
        std::fs::write(&f, ">a\nA\n").unwrap();
        assert!(super::open_seekable(&f, "reference").is_ok());
    }
}
