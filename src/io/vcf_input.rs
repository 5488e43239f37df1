//! Somatic VCFs given to `report` (ours, or another caller's: Mutect2, Strelka2, DRAGEN),
//! read with noodles-vcf: PASS records, the tumor column's VAF and depth, and an existing
//! VEP `CSQ` / SnpEff `ANN` annotation.

use std::{
    fs::File,
    io::BufReader,
    path::{Path, PathBuf},
};

use anyhow::Result;
use flate2::read::MultiGzDecoder;
use noodles::vcf;

use crate::error::{fail, ExitKind};
use crate::types::Pos1;

/// Which annotation a VCF already carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PriorAnnotation {
    /// VEP `CSQ`, with the field names of its `Format:` description.
    Vep(Vec<String>),
    /// SnpEff `ANN` (fixed field order).
    SnpEff,
}

/// One PASS (or unfiltered) record, one ALT allele.
#[derive(Clone, Debug, PartialEq)]
pub struct InputVariant {
    /// Contig name.
    pub chrom: String,
    /// VCF POS.
    pub pos: Pos1,
    /// REF.
    pub ref_allele: String,
    /// One ALT allele.
    pub alt: String,
    /// Tumor VAF: INFO `TAF`, else the tumor column's `AF` (first value).
    pub vaf: Option<f64>,
    /// Tumor depth: INFO `TDP`, else the tumor column's `DP`.
    pub depth: Option<u32>,
    /// The raw `CSQ`/`ANN` value, when present.
    pub prior_annotation: Option<String>,
    /// Line of the record in the VCF (1-based; 0 when the variant did not come from a file).
    pub line: u64,
    /// The reference's bases where REF disagrees with them (`report --allow-ref-mismatch`):
    /// such a record is flagged, never annotated from the reference's codon.
    pub ref_mismatch: Option<String>,
}

/// A VCF record whose REF disagrees with the reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefMismatch {
    /// Contig.
    pub chrom: String,
    /// POS.
    pub pos: u64,
    /// Line in the VCF (0: not known).
    pub line: u64,
    /// REF as written.
    pub vcf_ref: String,
    /// The reference's bases there.
    pub genome: String,
}

impl RefMismatch {
    /// `file:line: chrom:pos REF 'X' but the reference has 'Y'`.
    pub fn describe(&self, file: &str) -> String {
        let at = if self.line > 0 {
            format!("{file}:{}", self.line)
        } else {
            file.to_string()
        };
        format!(
            "{at}: {}:{} REF '{}' but the reference has '{}'",
            self.chrom, self.pos, self.vcf_ref, self.genome
        )
    }
}

/// METHOD: whether a VCF REF agrees with the reference's bases at its position: same length,
/// every base equal ignoring case, `N` on either side matching anything.
pub fn ref_agrees(vcf_ref: &str, genome: &[u8]) -> bool {
    vcf_ref.len() == genome.len()
        && vcf_ref.bytes().zip(genome).all(|(a, b)| {
            let (a, b) = (a.to_ascii_uppercase(), b.to_ascii_uppercase());
            a == b || a == b'N' || b == b'N'
        })
}

/// The records of `variants` whose REF disagrees with `reference` (each record once). A record
/// on a contig the reference lacks is not compared: nothing is annotated from the reference
/// there (only a prior `CSQ`/`ANN` annotation can be read), so no wrong codon can be read.
pub(crate) fn ref_mismatches(
    variants: &[&InputVariant],
    reference: &dyn crate::types::source::SequenceSource,
) -> Vec<RefMismatch> {
    let mut out: Vec<RefMismatch> = Vec::new();
    let mut seq = Vec::new();
    for v in variants {
        let start = v.pos.get() - 1;
        seq.clear();
        let found =
            reference.fetch_into(&v.chrom, start, start + v.ref_allele.len() as u64, &mut seq);
        if !found || ref_agrees(&v.ref_allele, &seq) {
            continue;
        }
        let m = RefMismatch {
            chrom: v.chrom.clone(),
            pos: v.pos.get(),
            line: v.line,
            vcf_ref: v.ref_allele.clone(),
            genome: String::from_utf8_lossy(&seq).to_string(),
        };
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out
}

/// A somatic VCF as `report` needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct InputVcf {
    /// Path as given.
    pub path: PathBuf,
    /// Sample columns.
    pub samples: Vec<String>,
    /// The tumor column: `##tumor_sample`, else the last column.
    pub tumor_sample: Option<String>,
    /// `##oncostream_run_id` (our VCFs).
    pub run_id: Option<String>,
    /// `##oncostream_mode` (our VCFs).
    pub mode: Option<String>,
    /// Prior annotation format, when the header declares one.
    pub prior: Option<PriorAnnotation>,
    /// PASS records, one per ALT allele, in file order.
    pub variants: Vec<InputVariant>,
    /// Alleles our caller saw in the matched normal (FILTER `normal_artifact`; `normal_support` in VCFs of versions before 0.2), with the normal's
    /// allele fraction and depth in `vaf`/`depth`: the germline candidates. None unless the VCF
    /// is an oncostream tumor-normal VCF (other callers' somatic VCFs do not carry them).
    pub germline: Option<Vec<InputVariant>>,
    /// Tumor-only oncostream VCFs: calls filtered `germline_af` (tumor allele fraction in
    /// `vaf`), the *possibly germline* candidates.
    pub germline_like: Vec<InputVariant>,
}

fn other(header: &vcf::Header, key: &str) -> Option<String> {
    match header.get(key)? {
        vcf::header::record::value::Collection::Unstructured(v) => v.first().cloned(),
        _ => None,
    }
}

/// One [`InputVariant`] per ALT allele of `record`.
fn push_alleles(
    out: &mut Vec<InputVariant>,
    record: &vcf::Record,
    pos: Pos1,
    vaf: Option<f64>,
    depth: Option<u32>,
    prior_annotation: Option<String>,
    line: u64,
) {
    for alt in record.alternate_bases().as_ref().split(',') {
        out.push(InputVariant {
            chrom: record.reference_sequence_name().to_string(),
            pos,
            ref_allele: record.reference_bases().to_string(),
            alt: alt.to_string(),
            vaf,
            depth,
            prior_annotation: prior_annotation.clone(),
            line,
            ref_mismatch: None,
        });
    }
}

/// How many lines the VCF's header takes (the `#` lines before the first record), so that a
/// record's number gives its line.
fn header_lines(path: &Path) -> u64 {
    use std::io::BufRead;
    let Ok(file) = File::open(path) else {
        return 0;
    };
    let mut magic = [0u8; 2];
    {
        use std::io::Read;
        let _ = File::open(path).and_then(|mut f| f.read(&mut magic));
    }
    let inner: Box<dyn BufRead> = if magic == [0x1f, 0x8b] {
        Box::new(BufReader::new(MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    inner
        .lines()
        .map_while(|l| l.ok())
        .take_while(|l| l.starts_with('#'))
        .count() as u64
}

/// The tumor column: `##tumor_sample` (which must name a column), else the only column, else
/// a column named `TUMOR` (Strelka2), else the last column unless its name says it is the
/// normal (it was taken as the tumor even when named NORMAL).
fn tumor_column(
    declared: &Option<String>,
    samples: &[String],
) -> std::result::Result<Option<String>, String> {
    if let Some(t) = declared {
        if !samples.contains(t) {
            return Err(format!(
                "##tumor_sample={t} names no sample column (columns: {})",
                samples.join(", ")
            ));
        }
        return Ok(Some(t.clone()));
    }
    if let Some(t) = samples.iter().find(|s| s.eq_ignore_ascii_case("tumor")) {
        return Ok(Some(t.clone()));
    }
    match samples.last() {
        Some(last) if samples.len() > 1 && last.to_ascii_lowercase().contains("normal") => Err(format!(
            "it has no ##tumor_sample line and its last column is '{last}', a normal by its name: say which column is the tumor with a ##tumor_sample=<name> header line"
        )),
        other => Ok(other.cloned()),
    }
}

/// REF is DNA; each ALT is DNA, `*`, `.`, a symbolic allele or a breakend.
fn check_alleles(record: &vcf::Record) -> std::result::Result<(), String> {
    let dna = |a: &str| !a.is_empty() && a.bytes().all(|b| b"ACGTNacgtn".contains(&b));
    let r = record.reference_bases();
    if !dna(r) {
        return Err(format!("REF '{r}' is not a DNA allele"));
    }
    for a in record.alternate_bases().as_ref().split(',') {
        let symbolic = a.len() > 2 && a.starts_with('<') && a.ends_with('>');
        let breakend =
            a.contains(['[', ']']) || (a.len() > 1 && (a.starts_with('.') || a.ends_with('.')));
        if !(dna(a) || a == "*" || a == "." || symbolic || breakend) {
            return Err(format!("ALT '{a}' is not an allele"));
        }
    }
    Ok(())
}

/// Reads a VCF (plain or bgzip/gzip) and keeps its PASS (`PASS` or `.`) records.
pub(crate) fn read_input_vcf(path: &Path) -> Result<InputVcf> {
    let name = path.display().to_string();
    let file = File::open(path)
        .map_err(|e| fail(ExitKind::NoInput, format!("cannot read VCF '{name}': {e}")))?;
    let mut magic = [0u8; 2];
    {
        use std::io::Read;
        let _ = File::open(path).and_then(|mut f| f.read(&mut magic));
    }
    let inner: Box<dyn std::io::BufRead> = if magic == [0x1f, 0x8b] {
        Box::new(BufReader::new(MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    let mut reader = vcf::io::Reader::new(inner);
    let bad = |what: String| {
        fail(
            ExitKind::Data,
            format!("'{name}' is not a valid VCF: {what}"),
        )
    };
    let header = reader
        .read_header()
        .map_err(|e| bad(format!("header: {e}")))?;
    let samples: Vec<String> = header.sample_names().iter().cloned().collect();
    let tumor_sample = tumor_column(&other(&header, "tumor_sample"), &samples).map_err(bad)?;
    let tcol = tumor_sample
        .as_ref()
        .and_then(|t| samples.iter().position(|s| s == t));
    let prior = if let Some(info) = header.infos().get("CSQ") {
        let fields = info
            .description()
            .split("Format: ")
            .nth(1)
            .unwrap_or("")
            .trim_matches(|c| c == '"' || c == '>' || c == ' ')
            .split('|')
            .map(|x| x.trim().to_string())
            .collect();
        Some(PriorAnnotation::Vep(fields))
    } else if header.infos().get("ANN").is_some() {
        Some(PriorAnnotation::SnpEff)
    } else {
        None
    };
    let prior_key = match prior {
        Some(PriorAnnotation::Vep(_)) => Some("CSQ="),
        Some(PriorAnnotation::SnpEff) => Some("ANN="),
        None => None,
    };
    let head = header_lines(path);
    let mut variants = Vec::new();
    let ours_paired = other(&header, "oncostream_mode").as_deref() == Some("tumor-normal");
    let ours_single = other(&header, "oncostream_mode").as_deref() == Some("tumor-only");
    let mut germline_like = Vec::new();
    let mut germline = Vec::new();
    let ncol = tcol.and_then(|t| (samples.len() == 2).then_some(1 - t));
    let mut record = vcf::Record::default();
    let mut n = 0usize;
    loop {
        n += 1;
        match reader.read_record(&mut record) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err(bad(format!("record {n}: {e}"))),
        }
        // every record is checked, whatever its FILTER (a broken record used to pass
        // unseen when it was not PASS)
        let pos = match record.variant_start() {
            Some(Ok(p)) => Pos1::new(p.get() as u64).expect("noodles positions are 1-based"),
            Some(Err(e)) => return Err(bad(format!("record {n}: POS: {e}"))),
            None => return Err(bad(format!("record {n}: POS is missing"))),
        };
        check_alleles(&record).map_err(|why| {
            bad(format!(
                "record {n} ({}:{pos}): {why}",
                record.reference_sequence_name()
            ))
        })?;
        let filter = record.filters().as_ref().to_string();
        let germline_candidate = ours_paired
            && filter
                .split(';')
                .any(|f| f == "normal_artifact" || f == "normal_support");
        let germline_like_call = ours_single && filter.split(';').any(|f| f == "germline_af");
        if filter != "PASS"
            && filter != "."
            && !filter.is_empty()
            && !germline_candidate
            && !germline_like_call
        {
            continue;
        }
        let info = record.info().as_ref().to_string();
        let info_get = |k: &str| {
            info.split(';')
                .find_map(|kv| kv.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
                .map(String::from)
        };
        let fmt_col = |key: &str, col: Option<usize>| -> Option<String> {
            let s = record.samples();
            let keys: Vec<&str> = s.keys().iter().collect();
            let i = keys.iter().position(|k| *k == key)?;
            let sample = s.get_index(col?)?;
            sample.as_ref().split(':').nth(i).map(String::from)
        };
        let fmt_get = |key: &str| fmt_col(key, tcol);
        let line = head + n as u64;
        if germline_candidate {
            let vaf = info_get("NAF")
                .or_else(|| fmt_col("AF", ncol))
                .and_then(|v| v.split(',').next()?.parse::<f64>().ok());
            let depth = info_get("NDP")
                .or_else(|| fmt_col("DP", ncol))
                .and_then(|v| v.parse::<u32>().ok());
            push_alleles(&mut germline, &record, pos, vaf, depth, None, line);
            continue;
        }
        let vaf = info_get("TAF")
            .or_else(|| fmt_get("AF"))
            .and_then(|v| v.split(',').next()?.parse::<f64>().ok());
        let depth = info_get("TDP")
            .or_else(|| fmt_get("DP"))
            .and_then(|v| v.parse::<u32>().ok());
        let prior_annotation = prior_key.and_then(|k| {
            info.split(';')
                .find_map(|kv| kv.strip_prefix(k))
                .map(String::from)
        });
        let target = if germline_like_call {
            &mut germline_like
        } else {
            &mut variants
        };
        push_alleles(target, &record, pos, vaf, depth, prior_annotation, line);
    }
    Ok(InputVcf {
        path: path.to_path_buf(),
        samples,
        tumor_sample,
        run_id: other(&header, "oncostream_run_id"),
        mode: other(&header, "oncostream_mode"),
        prior,
        variants,
        germline: ours_paired.then_some(germline),
        germline_like,
    })
}
