//! VCF output (4.2, bgzip + tabix) and VCF resources (germline population AF, panel of
//! normals).
//!
//! The writer formats text itself: the header is VCF 4.2 on purpose (GATK, Picard and IGV
//! reject 4.4+ headers, and noodles-vcf writes its newest version unless told otherwise).
//! Compression is BGZF (noodles-bgzf) and the index is built with noodles-vcf/tabix after the
//! file is complete, both written atomically.

use std::{
    collections::HashMap,
    fs::File,
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
};

use anyhow::{Context, Result};
use flate2::read::MultiGzDecoder;
use noodles::{csi, tabix, vcf};

use super::output::AtomicOutput;
use crate::error::{fail, ExitKind};
use crate::somatic::{filters::AlleleKey, Call};
use crate::types::{Contig, Region};

/// What the header says about the run.
pub struct VcfMeta<'a> {
    /// Contigs of the alignment header (written as `##contig`).
    pub contigs: &'a [Contig],
    /// Reference path.
    pub reference: &'a Path,
    /// Tumor sample name.
    pub tumor: &'a str,
    /// Normal sample name, in tumor-normal mode.
    pub normal: Option<&'a str>,
    /// Extra `##key=value` lines (command line, resources, warnings).
    pub extra: Vec<(String, String)>,
}

fn header(meta: &VcfMeta<'_>) -> String {
    let mut h = String::new();
    h.push_str("##fileformat=VCFv4.2\n");
    h.push_str(&format!(
        "##source=oncostream-{}\n",
        env!("CARGO_PKG_VERSION")
    ));
    h.push_str(&format!(
        "##reference=file://{}\n",
        meta.reference.display()
    ));
    for c in meta.contigs {
        match &c.md5 {
            Some(m) => h.push_str(&format!(
                "##contig=<ID={},length={},md5={}>\n",
                c.name, c.len, m
            )),
            None => h.push_str(&format!("##contig=<ID={},length={}>\n", c.name, c.len)),
        }
    }
    h.push_str(&format!("##tumor_sample={}\n", meta.tumor));
    if let Some(n) = meta.normal {
        h.push_str(&format!("##normal_sample={n}\n"));
    }
    for (k, v) in &meta.extra {
        h.push_str(&format!("##{k}={v}\n"));
    }
    h.push_str("##FILTER=<ID=PASS,Description=\"All filters passed\">\n");
    for (id, d) in crate::somatic::filters::ALL {
        h.push_str(&format!("##FILTER=<ID={id},Description=\"{d}\">\n"));
    }
    for line in [
        "##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description=\"Somatic candidate (in the tumor, not in the normal)\">",
        "##INFO=<ID=VARTYPE,Number=1,Type=String,Description=\"SNV, INS or DEL\">",
        "##INFO=<ID=TLOD,Number=1,Type=Float,Description=\"Tumor log10 likelihood ratio: allele at its observed fraction vs absent\">",
        "##INFO=<ID=NLOD,Number=1,Type=Float,Description=\"Normal log10 likelihood ratio: reference vs heterozygous\">",
        "##INFO=<ID=POPAF,Number=1,Type=Float,Description=\"Population allele frequency in the germline resource\">",
        "##INFO=<ID=TDP,Number=1,Type=Integer,Description=\"Tumor depth (fragments)\">",
        "##INFO=<ID=TAF,Number=1,Type=Float,Description=\"Tumor alt allele fraction\">",
        "##INFO=<ID=NDP,Number=1,Type=Integer,Description=\"Normal depth (fragments)\">",
        "##INFO=<ID=NAF,Number=1,Type=Float,Description=\"Normal alt allele fraction\">",
        "##INFO=<ID=MBQ,Number=1,Type=Integer,Description=\"Median base quality of alt reads\">",
        "##INFO=<ID=MMQ,Number=1,Type=Integer,Description=\"Median mapping quality of alt reads\">",
        "##INFO=<ID=MPOS,Number=1,Type=Integer,Description=\"Median distance of the alt from the nearer read end\">",
        "##INFO=<ID=RPL,Number=1,Type=Integer,Description=\"Length (bp) of the repeat tract an indel lies in\">",
        "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">",
        "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"Allelic depths for the ref and alt alleles\">",
        "##FORMAT=<ID=AF,Number=A,Type=Float,Description=\"Alt allele fraction\">",
        "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Depth (fragments)\">",
        "##FORMAT=<ID=SB,Number=4,Type=Integer,Description=\"Ref forward, ref reverse, alt forward, alt reverse read counts\">",
    ] {
        h.push_str(line);
        h.push('\n');
    }
    h.push_str("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT");
    if let Some(n) = meta.normal {
        h.push('\t');
        h.push_str(n);
    }
    h.push('\t');
    h.push_str(meta.tumor);
    h.push('\n');
    h
}

fn fmt_f(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

fn record(c: &Call, contigs: &[Contig]) -> String {
    let mut info = vec![
        "SOMATIC".to_string(),
        format!(
            "VARTYPE={}",
            match c.kind {
                crate::somatic::VarKind::Snv => "SNV",
                crate::somatic::VarKind::Ins => "INS",
                crate::somatic::VarKind::Del => "DEL",
            }
        ),
    ];
    info.push(format!("TLOD={}", fmt_f(c.tlod)));
    if let Some(n) = c.nlod {
        info.push(format!("NLOD={}", fmt_f(n)));
    }
    if let Some(a) = c.pop_af {
        info.push(format!("POPAF={}", fmt_f(a)));
    }
    info.push(format!("TDP={}", c.tumor.depth));
    info.push(format!("TAF={}", fmt_f(c.tumor.af())));
    if let Some(n) = &c.normal {
        info.push(format!("NDP={}", n.depth));
        info.push(format!("NAF={}", fmt_f(n.af())));
    }
    info.push(format!("MBQ={}", c.alt_median_bq));
    info.push(format!("MMQ={}", c.alt_median_mq));
    info.push(format!("MPOS={}", c.alt_median_end_dist));
    if c.repeat_len > 0 {
        info.push(format!("RPL={}", c.repeat_len));
    }
    let filter = if c.filters.is_empty() {
        "PASS".to_string()
    } else {
        c.filters.join(";")
    };
    let sample = |s: &crate::somatic::SampleSupport, gt: &str| {
        format!(
            "{gt}:{},{}:{}:{}:{},{},{},{}",
            s.ref_count,
            s.alt_count,
            fmt_f(s.af()),
            s.depth,
            s.ref_fwd,
            s.ref_rev,
            s.alt_fwd,
            s.alt_rev
        )
    };
    let mut line = format!(
        "{}\t{}\t.\t{}\t{}\t.\t{}\t{}\tGT:AD:AF:DP:SB",
        contigs[c.contig].name,
        c.pos + 1,
        c.ref_allele,
        c.alt_allele,
        filter,
        info.join(";")
    );
    if let Some(n) = &c.normal {
        line.push('\t');
        line.push_str(&sample(n, "0/0"));
    }
    line.push('\t');
    line.push_str(&sample(&c.tumor, "0/1"));
    line.push('\n');
    line
}

/// Output compression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VcfOutputType {
    /// bgzip + tabix index.
    Bgzf,
    /// plain text (debugging).
    Plain,
}

/// Writes `calls` (sorted) as VCF to `path`; with [`VcfOutputType::Bgzf`] also `path.tbi`.
pub fn write_vcf(
    path: &Path,
    kind: VcfOutputType,
    meta: &VcfMeta<'_>,
    calls: &[Call],
) -> Result<()> {
    let target: PathBuf = path.to_path_buf();
    let name = target.display().to_string();
    if kind == VcfOutputType::Bgzf && !(name.ends_with(".gz") || name.ends_with(".bgz")) {
        return Err(fail(
            ExitKind::Usage,
            format!("'{name}': a bgzipped VCF must end in .vcf.gz (or use --output-type v)"),
        ));
    }
    if kind == VcfOutputType::Plain && name.ends_with(".gz") {
        return Err(fail(
            ExitKind::Usage,
            format!("'{name}': --output-type v writes plain text; drop the .gz"),
        ));
    }
    let mut out = AtomicOutput::create(&target)?;
    out.write_all(header(meta).as_bytes())?;
    for c in calls {
        out.write_all(record(c, meta.contigs).as_bytes())?;
    }
    out.commit()?;
    if kind == VcfOutputType::Bgzf {
        let index = vcf::fs::index(&target).with_context(|| format!("cannot index '{name}'"))?;
        let (ext, bytes) = match index {
            vcf::Index::Tabix(ix) => {
                let mut w = tabix::io::Writer::new(Vec::new());
                w.write_index(&ix)?;
                ("tbi", w.into_inner().finish()?)
            }
            vcf::Index::Csi(ix) => {
                let mut w = csi::io::Writer::new(Vec::new());
                w.write_index(&ix)?;
                ("csi", w.into_inner().finish()?)
            }
        };
        let ipath = PathBuf::from(format!("{name}.{ext}"));
        let mut o = AtomicOutput::create(&ipath)?;
        o.write_all(&bytes)?;
        o.commit()?;
    }
    Ok(())
}

/// Trims an allele pair to its minimal representation (common suffix, then common prefix
/// keeping one anchor base), as resources may list multi-allelic records unsplit.
pub fn minimal(pos: u64, r: &str, a: &str) -> (u64, String, String) {
    let (mut r, mut a) = (r.as_bytes().to_vec(), a.as_bytes().to_vec());
    while r.len() > 1 && a.len() > 1 && r.last() == a.last() {
        r.pop();
        a.pop();
    }
    let mut pos = pos;
    while r.len() > 1 && a.len() > 1 && r[0] == a[0] {
        r.remove(0);
        a.remove(0);
        pos += 1;
    }
    (
        pos,
        String::from_utf8_lossy(&r).into_owned(),
        String::from_utf8_lossy(&a).into_owned(),
    )
}

/// Loads the optional germline resource (AF) and panel of normals for the processed regions.
pub fn read_resources(
    germline: Option<&Path>,
    pon: Option<&Path>,
    contigs: &[Contig],
    regions: &[Region],
) -> Result<crate::somatic::filters::Resources> {
    Ok(crate::somatic::filters::Resources {
        population: match germline {
            Some(p) => read_resource(p, contigs, regions)?.0,
            None => Default::default(),
        },
        pon: match pon {
            Some(p) => read_resource(p, contigs, regions)?.1,
            None => Default::default(),
        },
    })
}

/// Reads a VCF(.gz) resource, keeping records inside `regions`; returns allele -> INFO AF
/// (1.0 when the record has no AF) and allele -> INFO `NSAMPLES` (or 1).
pub fn read_resource(
    path: &Path,
    contigs: &[Contig],
    regions: &[Region],
) -> Result<(HashMap<AlleleKey, f64>, HashMap<AlleleKey, u32>)> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot open VCF resource '{name}': {e}"),
        )
    })?;
    let reader: Box<dyn BufRead> = if name.ends_with(".gz") || name.ends_with(".bgz") {
        Box::new(BufReader::new(MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    let mut af = HashMap::new();
    let mut ns = HashMap::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| {
            fail(
                ExitKind::Data,
                format!("{name}:{}: cannot read: {e}", i + 1),
            )
        })?;
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.splitn(9, '\t').collect();
        if f.len() < 8 {
            return Err(fail(
                ExitKind::Data,
                format!("{name}:{}: fewer than 8 VCF columns", i + 1),
            ));
        }
        let Some(ci) = contigs.iter().position(|c| c.name == f[0]) else {
            continue;
        };
        let pos: u64 = f[1].parse().map_err(|_| {
            fail(
                ExitKind::Data,
                format!("{name}:{}: POS '{}' is not a number", i + 1, f[1]),
            )
        })?;
        let inside = regions
            .iter()
            .any(|r| r.contig == ci && pos > r.start.saturating_sub(100) && pos <= r.end + 100);
        if !inside {
            continue;
        }
        let mut afs: Vec<f64> = Vec::new();
        let mut nsamples = 1u32;
        for kv in f[7].split(';') {
            if let Some(v) = kv.strip_prefix("AF=") {
                afs = v.split(',').map(|x| x.parse().unwrap_or(0.0)).collect();
            } else if let Some(v) = kv.strip_prefix("NSAMPLES=") {
                nsamples = v.parse().unwrap_or(1);
            }
        }
        for (k, alt) in f[4].split(',').enumerate() {
            if alt == "." || alt == "*" || alt.starts_with('<') {
                continue;
            }
            let (p, r, a) = minimal(pos, f[3], alt);
            let key = (
                f[0].to_string(),
                p,
                r.to_ascii_uppercase(),
                a.to_ascii_uppercase(),
            );
            let v = afs.get(k).copied().unwrap_or(1.0);
            let e = af.entry(key.clone()).or_insert(v);
            if v > *e {
                *e = v;
            }
            ns.insert(key, nsamples);
        }
    }
    Ok((af, ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_trims_multiallelic_leftovers() {
        assert_eq!(minimal(10, "ACT", "A"), (10, "ACT".into(), "A".into()));
        assert_eq!(minimal(10, "ACT", "ACTT"), (11, "C".into(), "CT".into()));
        assert_eq!(minimal(10, "CAT", "CGT"), (11, "A".into(), "G".into()));
    }
}
