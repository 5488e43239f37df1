//! Copy-number files of other pipelines, given to `report --cnv`, told apart by their header
//! line (never by the file name):
//!
//! | format | header | coordinates | value |
//! |---|---|---|---|
//! | IGV/DNAcopy `.seg` (also cBioPortal's, and `oncostream run`'s `copy_number.seg`) | `ID chrom loc.start loc.end num.mark seg.mean` (any names: sample, chromosome, start, end, optional marks, the value last) | 1-based inclusive | log2 ratio |
//! | CNVkit `.cns` | `chromosome start end gene log2 ...` (`depth`, `probes`, `weight`, ...) | 0-based half-open | log2 ratio |
//! | CNVkit `.call.cns` | as `.cns` with `cn` (and `cn1`, `cn2`, `baf` when called with a VCF) | 0-based half-open | integer copy number |
//! | PURPLE `*.purple.cnv.gene.tsv` | `chromosome start end gene minCopyNumber maxCopyNumber ...` (`minMinorAlleleCopyNumber`, `transcriptId`) | 1-based inclusive | copy number per gene |
//!
//! Plain text or (b)gzip. A row that does not fit its header is refused with `file:line`.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::text::read_text_gz;
use crate::error::{fail, ExitKind};
use crate::types::{Pos0, Span};

/// The format of a copy-number file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CnFileFormat {
    /// IGV/DNAcopy segments (log2 ratios).
    Seg,
    /// CNVkit segments (log2 ratios).
    Cnvkit,
    /// CNVkit called segments (`cn`).
    CnvkitCall,
    /// PURPLE gene copy number.
    PurpleGene,
}

impl CnFileFormat {
    /// How the report names the format.
    pub fn label(self) -> &'static str {
        match self {
            CnFileFormat::Seg => "IGV/DNAcopy .seg",
            CnFileFormat::Cnvkit => "CNVkit .cns",
            CnFileFormat::CnvkitCall => "CNVkit .call.cns",
            CnFileFormat::PurpleGene => "PURPLE gene copy number",
        }
    }

    /// True when the file carries log2 ratios only (absolute copy number needs a purity).
    pub fn log2_only(self) -> bool {
        matches!(self, CnFileFormat::Seg | CnFileFormat::Cnvkit)
    }
}

/// One row: a segment, or a gene (PURPLE).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CnRow {
    /// Contig.
    pub chrom: String,
    /// The bases, 0-based half-open (1-based files converted on reading).
    pub span: Span,
    /// The gene (PURPLE), or CNVkit's gene list of the segment.
    pub gene: Option<String>,
    /// Transcript (PURPLE `transcriptId`).
    pub transcript: Option<String>,
    /// log2 ratio (`seg.mean`, CNVkit `log2`).
    pub log2: Option<f64>,
    /// Copy number (CNVkit `cn`, PURPLE `minCopyNumber`).
    pub copy_number: Option<f64>,
    /// Highest copy number over the gene (PURPLE `maxCopyNumber`).
    pub max_copy_number: Option<f64>,
    /// Copies of the major and minor allele (CNVkit `cn1`, `cn2`).
    pub allele_cn: Option<(u32, u32)>,
    /// Minor-allele copy number (PURPLE `minMinorAlleleCopyNumber`).
    pub minor_cn: Option<f64>,
    /// B-allele frequency (CNVkit `baf`).
    pub baf: Option<f64>,
    /// Markers, bins or probes (`num.mark`, `probes`).
    pub marks: u32,
    /// Line in the file (1-based).
    pub line: u64,
}

/// A copy-number file as `report --cnv` needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct ExternalCnFile {
    /// Path as given.
    pub path: PathBuf,
    /// MD5 of the file as stored.
    pub md5: String,
    /// Format, from the header.
    pub format: CnFileFormat,
    /// The sample (`.seg` ID column), when the format names it.
    pub sample: Option<String>,
    /// Rows in file order.
    pub rows: Vec<CnRow>,
}

fn norm(h: &str) -> String {
    h.trim().trim_start_matches('#').to_ascii_lowercase()
}

/// The format a header line declares.
fn detect(cols: &[String]) -> Option<CnFileFormat> {
    let has = |n: &str| cols.iter().any(|c| c == n);
    if has("gene") && has("mincopynumber") && has("maxcopynumber") {
        return Some(CnFileFormat::PurpleGene);
    }
    if cols.len() >= 5 && cols[..5] == ["chromosome", "start", "end", "gene", "log2"] {
        return Some(if has("cn") {
            CnFileFormat::CnvkitCall
        } else {
            CnFileFormat::Cnvkit
        });
    }
    let one_of =
        |i: usize, names: &[&str]| cols.get(i).is_some_and(|c| names.contains(&c.as_str()));
    (cols.len() >= 5
        && one_of(1, &["chrom", "chromosome", "chr", "contig"])
        && one_of(2, &["loc.start", "start", "startpos", "start.pos"])
        && one_of(3, &["loc.end", "end", "endpos", "end.pos"]))
    .then_some(CnFileFormat::Seg)
}

/// Reads a copy-number file (format by its header).
pub fn read_cn_file(path: &Path) -> Result<ExternalCnFile> {
    let name = path.display().to_string();
    let (text, md5) = read_text_gz(path, "copy-number file")?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with("##"));
    let Some((hi, header)) = lines.next() else {
        return Err(fail(
            ExitKind::Data,
            format!("copy-number file '{name}' is empty"),
        ));
    };
    let cols: Vec<String> = header.split('\t').map(norm).collect();
    let Some(format) = detect(&cols) else {
        return Err(fail(
            ExitKind::Data,
            format!(
                "{name}:{}: unknown copy-number format (header '{}'): --cnv reads an IGV/DNAcopy .seg (ID chrom loc.start loc.end num.mark seg.mean), a CNVkit .cns or .call.cns (chromosome start end gene log2 ...) or a PURPLE gene copy-number TSV (chromosome start end gene minCopyNumber maxCopyNumber ...), tab-separated with its header line",
                hi + 1,
                header.chars().take(120).collect::<String>()
            ),
        ));
    };
    let col = |n: &str| cols.iter().position(|c| c == n);
    let mut rows = Vec::new();
    let mut samples: Vec<String> = Vec::new();
    for (i, line) in lines {
        let n = i + 1;
        let f: Vec<&str> = line.split('\t').collect();
        let bad = |why: String| {
            fail(
                ExitKind::Data,
                format!("{name}:{n}: {why} (a {} row)", format.label()),
            )
        };
        if f.len() != cols.len() {
            return Err(bad(format!(
                "{} columns where the header has {}",
                f.len(),
                cols.len()
            )));
        }
        let row = match format {
            CnFileFormat::Seg => {
                if !samples.iter().any(|s| s == f[0]) {
                    samples.push(f[0].to_string());
                }
                seg_row(&f).map_err(bad)?
            }
            CnFileFormat::Cnvkit | CnFileFormat::CnvkitCall => cnvkit_row(&f, &col).map_err(bad)?,
            CnFileFormat::PurpleGene => purple_row(&f, &col).map_err(bad)?,
        };
        rows.push(CnRow {
            line: n as u64,
            ..row
        });
    }
    if samples.len() > 1 {
        return Err(fail(
            ExitKind::Data,
            format!(
                "'{name}' holds segments of {} samples ({}{}): give one sample's segments to --cnv",
                samples.len(),
                samples
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                if samples.len() > 5 { ", ..." } else { "" }
            ),
        ));
    }
    if rows.is_empty() {
        return Err(fail(
            ExitKind::Data,
            format!("copy-number file '{name}' has a header but no rows"),
        ));
    }
    Ok(ExternalCnFile {
        path: path.to_path_buf(),
        md5,
        format,
        sample: samples.pop(),
        rows,
    })
}

fn num(s: &str, what: &str) -> std::result::Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{what} '{s}' is not a number"))
}

fn int(s: &str, what: &str) -> std::result::Result<u64, String> {
    s.trim()
        .parse::<u64>()
        .map_err(|_| format!("{what} '{s}' is not a whole number"))
}

/// A span: 1-based inclusive (`one_based`) or 0-based half-open, as 0-based half-open.
fn span(s: &str, e: &str, one_based: bool) -> std::result::Result<Span, String> {
    let (s, e) = (int(s, "start")?, int(e, "end")?);
    let start = if one_based {
        s.checked_sub(1)
            .ok_or("start 0 in a 1-based file".to_string())?
    } else {
        s
    };
    if e <= start {
        return Err(format!("end {e} is not after start {s}"));
    }
    Ok(Span::new(Pos0::new(start), Pos0::new(e)))
}

fn seg_row(f: &[&str]) -> std::result::Result<CnRow, String> {
    let span = span(f[2], f[3], true)?;
    let value = f[f.len() - 1];
    let log2 = if value == "NA" || value == "NaN" {
        return Err("seg.mean is NA".into());
    } else {
        num(value, "seg.mean")?
    };
    let marks = if f.len() >= 6 {
        int(f[4], "num.mark")? as u32
    } else {
        0
    };
    Ok(CnRow {
        chrom: f[1].to_string(),
        span,
        log2: Some(log2),
        marks,
        ..CnRow::default()
    })
}

fn cnvkit_row(
    f: &[&str],
    col: &dyn Fn(&str) -> Option<usize>,
) -> std::result::Result<CnRow, String> {
    let span = span(f[1], f[2], false)?;
    let opt_num = |n: &str| -> std::result::Result<Option<f64>, String> {
        match col(n).map(|i| f[i].trim()) {
            None | Some("") | Some("NA") | Some("nan") | Some("NaN") => Ok(None),
            Some(v) => num(v, n).map(Some),
        }
    };
    let copy_number = opt_num("cn")?;
    if copy_number.is_some_and(|c| c < 0.0) {
        return Err("cn is negative".into());
    }
    let allele_cn = match (opt_num("cn1")?, opt_num("cn2")?) {
        (Some(a), Some(b)) if a >= 0.0 && b >= 0.0 => Some((a as u32, b as u32)),
        _ => None,
    };
    Ok(CnRow {
        chrom: f[0].to_string(),
        span,
        gene: Some(f[3].to_string()).filter(|g| !g.is_empty() && g != "-"),
        log2: Some(num(f[4], "log2")?),
        copy_number,
        allele_cn,
        baf: opt_num("baf")?,
        marks: opt_num("probes")?.map(|p| p as u32).unwrap_or(0),
        ..CnRow::default()
    })
}

fn purple_row(
    f: &[&str],
    col: &dyn Fn(&str) -> Option<usize>,
) -> std::result::Result<CnRow, String> {
    let get = |n: &str| col(n).map(|i| f[i]);
    let span = span(
        get("start").ok_or("no start column")?,
        get("end").ok_or("no end column")?,
        true,
    )?;
    let min = num(get("mincopynumber").unwrap_or(""), "minCopyNumber")?;
    let max = num(get("maxcopynumber").unwrap_or(""), "maxCopyNumber")?;
    let gene = get("gene").unwrap_or("").trim();
    if gene.is_empty() {
        return Err("the gene is empty".into());
    }
    Ok(CnRow {
        chrom: get("chromosome").ok_or("no chromosome column")?.to_string(),
        span,
        gene: Some(gene.to_string()),
        transcript: get("transcriptid")
            .map(str::to_string)
            .filter(|t| !t.is_empty()),
        // PURPLE's copy numbers are fitted values that can dip below 0
        copy_number: Some(min.max(0.0)),
        max_copy_number: Some(max.max(0.0)),
        minor_cn: get("minminoralleleCopyNumber".to_ascii_lowercase().as_str())
            .and_then(|v| v.parse::<f64>().ok())
            .map(|v| v.max(0.0)),
        ..CnRow::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/external")
            .join(name)
    }

    fn parse(text: &str) -> Result<ExternalCnFile> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cn.txt");
        std::fs::write(&p, text).unwrap();
        read_cn_file(&p)
    }

    #[test]
    fn each_format_is_told_by_its_header_and_read_to_0_based_spans() {
        let cns = read_cn_file(&fixture("cnvkit.tumor.cns")).unwrap();
        assert_eq!(cns.format, CnFileFormat::Cnvkit);
        let erbb2 = &cns.rows[3];
        // CNVkit is 0-based half-open already
        assert_eq!(
            (erbb2.span.start.get(), erbb2.span.end.get(), erbb2.log2),
            (39_600_000, 39_800_000, Some(2.9513))
        );
        assert_eq!((erbb2.marks, erbb2.copy_number, erbb2.line), (24, None, 5));
        let call = read_cn_file(&fixture("cnvkit.tumor.call.cns")).unwrap();
        assert_eq!(call.format, CnFileFormat::CnvkitCall);
        assert_eq!(call.rows[1].copy_number, Some(1.0));
        assert_eq!(call.rows[1].allele_cn, Some((1, 0)));
        assert_eq!(call.rows[1].baf, Some(0.981));
        let seg = read_cn_file(&fixture("dnacopy.tumor.seg")).unwrap();
        assert_eq!(
            (seg.format, seg.sample.as_deref()),
            (CnFileFormat::Seg, Some("TUMOR_01"))
        );
        // 1-based loc.start 39600001 is 0-based 39600000: the same spans as the .cns
        let spans = |f: &ExternalCnFile| -> Vec<Span> { f.rows.iter().map(|r| r.span).collect() };
        assert_eq!(spans(&seg), spans(&cns));
        let purple = read_cn_file(&fixture("tumor.purple.cnv.gene.tsv")).unwrap();
        assert_eq!(purple.format, CnFileFormat::PurpleGene);
        let e = &purple.rows[2];
        assert_eq!(e.gene.as_deref(), Some("ERBB2"));
        assert_eq!(
            (e.span.start.get(), e.span.end.get()),
            (39_687_913, 39_730_426)
        );
        assert_eq!(
            (e.copy_number, e.max_copy_number),
            (Some(14.8731), Some(15.2201))
        );
        assert_eq!(purple.rows[1].minor_cn, Some(0.0121));
        assert_eq!(e.transcript.as_deref(), Some("ENST00000269571"));
        // the same layout under other column names, and PURPLE's older '#chromosome'
        let g = parse(
            "Sample\tChromosome\tStart\tEnd\tNum_Probes\tSegment_Mean\nS\tchr1\t1\t100\t5\t-0.3\n",
        )
        .unwrap();
        assert_eq!(
            (g.format, g.rows[0].span.start.get(), g.rows[0].log2),
            (CnFileFormat::Seg, 0, Some(-0.3))
        );
        let p = parse(
            "#chromosome\tstart\tend\tgene\tminCopyNumber\tmaxCopyNumber\n1\t10\t20\tX\t3\t4\n",
        )
        .unwrap();
        assert_eq!(p.format, CnFileFormat::PurpleGene);
    }

    #[test]
    fn unknown_formats_and_bad_rows_are_refused() {
        let e = parse("chrom\tpos\tvalue\nchr1\t5\t1\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("cn.txt:1: unknown copy-number format"),
            "{e}"
        );
        for (text, why) in [
            ("ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nS\tchr1\t0\t100\t5\t0.1\n", "cn.txt:2: start 0"),
            ("ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nS\tchr1\t1\t100\t5\tx\n", "cn.txt:2: seg.mean 'x'"),
            ("ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nS\tchr1\t1\t100\t5\n", "cn.txt:2: 5 columns where the header has 6"),
            ("chromosome\tstart\tend\tgene\tlog2\tdepth\tprobes\tweight\nchr1\t100\t50\tA\t0.1\t1\t1\t1\n", "cn.txt:2: end 50 is not after start 100"),
            ("ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nA\tchr1\t1\t9\t5\t0.1\nB\tchr1\t1\t9\t5\t0.1\n", "2 samples (A, B)"),
            ("ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\n", "no rows"),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(crate::error::exit_kind(&e), ExitKind::Data);
            assert!(e.to_string().contains(why), "{e}");
        }
    }
}
