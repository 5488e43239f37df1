//! Copy-number files: the IGV `.seg` segment file, the gene-level TSV, and the `pon`
//! copy-number reference (written by `pon`, read by tumor-only `run`).

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use super::output::AtomicOutput;
use super::text::read_text;
use crate::error::{fail, ExitKind};
use crate::types::cnv::{CnSegment, CnvReference, GeneCopyNumber};
use crate::types::Contig;

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "NA".into())
}

/// Writes segments as an IGV/DNAcopy segment file: exactly `ID chrom loc.start loc.end num.mark
/// seg.mean` (1-based inclusive, as DNAcopy and GATK write them), so that IGV, which draws the
/// *last* column, and cBioPortal read the value. `seg.mean` is the log2 ratio minus
/// `neutral_log2` (copy-neutral reads 0); the other columns are in [`write_segment_tsv`].
pub(crate) fn write_seg(
    path: &Path,
    sample: &str,
    segments: &[CnSegment],
    neutral_log2: f64,
) -> Result<()> {
    let mut out = AtomicOutput::create(path)?;
    writeln!(out, "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean")?;
    for s in segments {
        writeln!(
            out,
            "{sample}\t{}\t{}\t{}\t{}\t{:.4}",
            s.chrom,
            // 1-based closed: the first base + 1; the exclusive end is the last base
            s.start.to_pos1(),
            s.end,
            s.bins,
            s.log2_ratio - neutral_log2
        )?;
    }
    out.commit()
}

/// Writes every segment with what the `.seg` file leaves out: 0-based half-open spans (BED-like
/// first columns), the centred and raw log2 ratios, copy numbers, BAF, call and LOH.
pub fn write_segment_tsv(path: &Path, segments: &[CnSegment], neutral_log2: f64) -> Result<()> {
    let mut out = AtomicOutput::create(path)?;
    writeln!(
        out,
        "#chrom\tstart\tend\tbins\tlog2_ratio_centred\tlog2_ratio\tcopy_number\ttotal_cn\tmajor_cn\tminor_cn\tbaf\thet_sites\tcall\tloh"
    )?;
    for s in segments {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{:.4}\t{:.4}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            s.chrom,
            s.start,
            s.end,
            s.bins,
            s.log2_ratio - neutral_log2,
            s.log2_ratio,
            opt(s.copy_number),
            opt(s.total_cn),
            opt(s.major_cn),
            opt(s.minor_cn),
            opt(s.baf),
            s.het_sites,
            s.call.as_str(),
            if s.loh { "yes" } else { "no" }
        )?;
    }
    out.commit()
}

/// Writes every evaluated gene (0-based half-open spans, BED-like first columns).
pub fn write_gene_tsv(path: &Path, genes: &[GeneCopyNumber]) -> Result<()> {
    let mut out = AtomicOutput::create(path)?;
    writeln!(
        out,
        "#chrom\tstart\tend\tgene\ttranscript\tmin_copy_number\tmax_copy_number\tmin_log2_ratio\tminor_cn\tcall\tloh\tsegments"
    )?;
    for g in genes {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{:.4}\t{}\t{}\t{}\t{}",
            super::text::cell(&g.chrom),
            g.start,
            g.end,
            super::text::cell(&g.gene),
            super::text::cell(&g.transcript),
            opt(g.min_copy_number),
            opt(g.max_copy_number),
            g.min_log2_ratio,
            opt(g.minor_cn),
            g.call.as_str(),
            if g.loh { "yes" } else { "no" },
            g.segments
        )?;
    }
    out.commit()
}

/// Reads the gene and call of every row of a `copy_number_genes.tsv` ([`write_gene_tsv`]).
pub(crate) fn read_gene_calls(path: &Path) -> Result<Vec<(String, crate::types::cnv::CnCall)>> {
    let text = read_text(path, "gene copy-number table")?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let call = f.get(9).and_then(|c| crate::types::cnv::CnCall::parse(c));
        match (f.get(3), call) {
            (Some(g), Some(c)) if f.len() >= 12 => out.push((g.to_string(), c)),
            _ => {
                return Err(fail(
                    ExitKind::Data,
                    format!(
                        "{}:{}: not a copy_number_genes.tsv row (12 columns, a call in column 10)",
                        path.display(),
                        i + 1
                    ),
                ))
            }
        }
    }
    Ok(out)
}

/// The header line that marks a copy-number reference.
const REF_MAGIC: &str = "##oncostream_cnv_reference=1";

/// Writes a copy-number reference.
pub(crate) fn write_cnv_reference(path: &Path, r: &CnvReference) -> Result<()> {
    let mut out = AtomicOutput::create(path)?;
    writeln!(out, "{REF_MAGIC}")?;
    writeln!(out, "##bin_size={}", r.bin_size)?;
    writeln!(out, "##normals={}", r.normals)?;
    writeln!(out, "#chrom\tstart\tend\trelative_depth\tmappability")?;
    for (c, s, e, d, m) in &r.bins {
        writeln!(out, "{c}\t{s}\t{e}\t{d:.5}\t{m:.4}")?;
    }
    out.commit()
}

/// Reads a copy-number reference, checking its contigs against the run's.
pub(crate) fn read_cnv_reference(path: &Path, contigs: &[Contig]) -> Result<CnvReference> {
    let name = path.display().to_string();
    let text = read_text(path, "copy-number reference")?;
    let bad = |line: usize, why: &str| {
        fail(
            ExitKind::Data,
            format!("copy-number reference '{name}' line {line}: {why}; rebuild it with `oncostream pon`"),
        )
    };
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, l)) if l.trim_end() == REF_MAGIC => {}
        _ => {
            return Err(fail(
                ExitKind::Data,
                format!("'{name}' is not an oncostream copy-number reference (no `{REF_MAGIC}` line); build one with `oncostream pon ... --output pon.vcf.gz` (it writes pon.cnv.tsv)"),
            ))
        }
    }
    let mut r = CnvReference::default();
    for (i, line) in lines {
        let n = i + 1;
        if let Some(v) = line.strip_prefix("##bin_size=") {
            r.bin_size = v
                .trim()
                .parse()
                .map_err(|_| bad(n, "bin_size is not a number"))?;
            continue;
        }
        if let Some(v) = line.strip_prefix("##normals=") {
            r.normals = v
                .trim()
                .parse()
                .map_err(|_| bad(n, "normals is not a number"))?;
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 5 {
            return Err(bad(n, "expected 5 columns"));
        }
        let num = |s: &str| {
            s.parse::<u64>()
                .map_err(|_| bad(n, "start/end is not a number"))
        };
        let fl = |s: &str| {
            s.parse::<f64>()
                .map_err(|_| bad(n, "value is not a number"))
        };
        let (s, e) = (num(f[1])?, num(f[2])?);
        let Some(c) = contigs.iter().find(|c| c.name == f[0]) else {
            return Err(bad(
                n,
                &format!("contig '{}' is not in the alignments' header", f[0]),
            ));
        };
        if e > c.len || s >= e {
            return Err(bad(n, "bin outside its contig"));
        }
        r.bins.push((f[0].to_string(), s, e, fl(f[3])?, fl(f[4])?));
    }
    if r.bin_size == 0 || r.bins.is_empty() {
        return Err(bad(1, "no bin size or no bins"));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::cnv::{CnCall, CnCallBasis};
    use crate::types::Pos0;

    /// The ERBB2 amplicon of fixtures/external: CNVkit's 0-based `39600000 39800000` is the
    /// DNAcopy `.seg` row `39600001 39800000`.
    fn erbb2() -> CnSegment {
        CnSegment {
            chrom: "chr17".into(),
            start: Pos0::new(39_600_000),
            end: Pos0::new(39_800_000),
            bins: 24,
            log2_ratio: 2.9513,
            baf: None,
            het_sites: 0,
            copy_number: None,
            total_cn: None,
            major_cn: None,
            minor_cn: None,
            call: CnCall::Amplification,
            call_basis: CnCallBasis::DepthRatio,
            absolute_call: None,
            loh: false,
            start_junction: None,
            end_junction: None,
        }
    }

    #[test]
    fn a_segment_is_written_1_based_to_the_seg_and_read_back_as_the_same_span() {
        let dir = tempfile::tempdir().unwrap();
        let seg = dir.path().join("copy_number.seg");
        write_seg(&seg, "TUMOR_01", &[erbb2()], 0.0).unwrap();
        let text = std::fs::read_to_string(&seg).unwrap();
        let row: Vec<&str> = text.lines().nth(1).unwrap().split('\t').collect();
        assert_eq!(
            row,
            ["TUMOR_01", "chr17", "39600001", "39800000", "24", "2.9513"]
        );
        let back = super::super::cn_input::read_cn_file(&seg).unwrap();
        assert_eq!(back.rows.len(), 1);
        assert_eq!(back.rows[0].span, erbb2().span());
        // the TSV beside it keeps the 0-based half-open span
        let tsv = dir.path().join("copy_number_segments.tsv");
        write_segment_tsv(&tsv, &[erbb2()], 0.0).unwrap();
        let text = std::fs::read_to_string(&tsv).unwrap();
        let row: Vec<&str> = text.lines().nth(1).unwrap().split('\t').collect();
        assert_eq!(row[..3], ["chr17", "39600000", "39800000"]);
    }
}
