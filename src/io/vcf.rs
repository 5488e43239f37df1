//! VCF output: somatic calls as VCF 4.2, bgzip + tabix.
//!
//! The writer formats text itself: the header is VCF 4.2 on purpose (GATK, Picard and IGV
//! reject 4.4+ headers, and noodles-vcf writes its newest version unless told otherwise).
//! Compression is BGZF (noodles-bgzf) and the index is built with noodles-vcf/tabix after the
//! file is complete, both written atomically.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result};
use noodles::{csi, tabix, vcf};

use super::output::AtomicOutput;
use crate::error::{fail, ExitKind};
use crate::types::call::{Call, Filter, SampleSupport, VarKind};
use crate::types::sv::{Orientation, StructuralVariant};
use crate::types::Contig;

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

/// The first lines of every VCF we write: format, source, reference (an absolute `file://` URI,
/// as GATK writes it).
fn preamble(reference: &std::path::Path) -> String {
    let abs = std::path::absolute(reference).unwrap_or_else(|_| reference.to_path_buf());
    format!(
        "##fileformat=VCFv4.2\n##source=oncostream-{}\n##reference=file://{}\n",
        env!("CARGO_PKG_VERSION"),
        abs.display()
    )
}

fn header(meta: &VcfMeta<'_>) -> String {
    let mut h = String::new();
    h.push_str(&preamble(meta.reference));
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
    for f in Filter::ALL {
        h.push_str(&format!(
            "##FILTER=<ID={},Description=\"{}\">\n",
            f.as_str(),
            f.description()
        ));
    }
    for line in [
        "##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description=\"Somatic candidate (in the tumor, not in the normal)\">",
        "##INFO=<ID=VARTYPE,Number=1,Type=String,Description=\"SNV, INS or DEL\">",
        "##INFO=<ID=TLOD,Number=A,Type=Float,Description=\"Tumor log10 likelihood ratio: allele at its observed fraction vs absent\">",
        "##INFO=<ID=NLOD,Number=A,Type=Float,Description=\"Normal log10 likelihood ratio: reference vs heterozygous\">",
        "##INFO=<ID=POPAF,Number=A,Type=Float,Description=\"Population allele frequency in the germline resource\">",
        "##INFO=<ID=GERMQ,Number=1,Type=Integer,Description=\"Tumor-only: phred-scaled posterior probability that the alt allele is germline (-10 log10 P(germline), capped at 99)\">",
        "##INFO=<ID=ROQ,Number=1,Type=Integer,Description=\"Phred-scaled posterior probability that the call is not a read-orientation (FFPE deamination or oxoG) artifact (C>T, G>A, G>T, C>A SNVs; capped at 99)\">",
        "##INFO=<ID=TDP,Number=1,Type=Integer,Description=\"Tumor depth (fragments)\">",
        "##INFO=<ID=TAF,Number=1,Type=Float,Description=\"Tumor alt allele fraction\">",
        "##INFO=<ID=NDP,Number=1,Type=Integer,Description=\"Normal depth (fragments)\">",
        "##INFO=<ID=NAF,Number=1,Type=Float,Description=\"Normal alt allele fraction\">",
        "##INFO=<ID=MBQ,Number=1,Type=Integer,Description=\"Median base quality of alt reads\">",
        "##INFO=<ID=MMQ,Number=1,Type=Integer,Description=\"Median mapping quality of alt reads\">",
        "##INFO=<ID=MPOS,Number=1,Type=Integer,Description=\"Median distance of the alt from the nearer read end\">",
        "##INFO=<ID=RPL,Number=1,Type=Integer,Description=\"Length (bp) of the repeat tract an indel lies in\">",
        "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">",
        "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"Allelic depths for the ref and alt alleles (fragments: overlapping mates once)\">",
        "##FORMAT=<ID=AF,Number=A,Type=Float,Description=\"Alt allele fraction\">",
        "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Depth (fragments with a base or deletion here, overlapping mates once; includes fragments of other alleles and below-quality bases, so DP >= sum of AD)\">",
        "##FORMAT=<ID=SB,Number=4,Type=Integer,Description=\"Fragments of AD by strand: ref forward, ref reverse, alt forward, alt reverse (sums to AD)\">",
        "##FORMAT=<ID=F1R2,Number=R,Type=Integer,Description=\"Fragments of AD in F1R2 pair orientation (read 1 forward), for the ref and alt alleles\">",
        "##FORMAT=<ID=F2R1,Number=R,Type=Integer,Description=\"Fragments of AD in F2R1 pair orientation (read 1 reverse), for the ref and alt alleles\">",
    ] {
        h.push_str(line);
        h.push('\n');
    }
    // one sample order in every VCF written: tumor, then normal (as sv.vcf.gz)
    h.push_str("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t");
    h.push_str(meta.tumor);
    if let Some(n) = meta.normal {
        h.push('\t');
        h.push_str(n);
    }
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

/// Phred of a posterior probability (of germline origin: GERMQ; of an orientation artifact:
/// ROQ), capped at 99 as Mutect2 writes them.
pub(crate) fn germq(p: f64) -> u32 {
    if p <= 0.0 {
        99
    } else {
        (-10.0 * p.log10()).round().clamp(0.0, 99.0) as u32
    }
}

fn record(c: &Call, contigs: &[Contig]) -> String {
    let mut info = vec![
        "SOMATIC".to_string(),
        format!(
            "VARTYPE={}",
            match c.kind {
                VarKind::Snv => "SNV",
                VarKind::Ins => "INS",
                VarKind::Del => "DEL",
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
    if let Some(a) = c.artifact_posterior {
        info.push(format!("ROQ={}", germq(a)));
    }
    if let Some(g) = c.germline_posterior {
        info.push(format!("GERMQ={}", germq(g)));
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
        c.filters
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(";")
    };
    let sample = |s: &SampleSupport, gt: &str| {
        format!(
            "{gt}:{},{}:{}:{}:{},{},{},{}:{},{}:{},{}",
            s.ref_count,
            s.alt_count,
            fmt_f(s.af()),
            s.depth,
            s.ref_fwd,
            s.ref_rev,
            s.alt_fwd,
            s.alt_rev,
            s.ref_f1r2,
            s.alt_f1r2,
            s.ref_count - s.ref_f1r2.min(s.ref_count),
            s.alt_count - s.alt_f1r2.min(s.alt_count)
        )
    };
    let mut line = format!(
        "{}\t{}\t.\t{}\t{}\t.\t{}\t{}\tGT:AD:AF:DP:SB:F1R2:F2R1",
        contigs[c.contig].name,
        c.pos.to_pos1(),
        c.ref_allele,
        c.alt_allele,
        filter,
        info.join(";")
    );
    line.push('\t');
    line.push_str(&sample(&c.tumor, "0/1"));
    if let Some(n) = &c.normal {
        line.push('\t');
        line.push_str(&sample(n, "0/0"));
    }
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

/// Checks an output VCF name against its type before any work: `.vcf.gz`/`.bgz` for bgzip,
/// no `.gz` for plain text, in an existing directory.
pub(crate) fn check_vcf_output(path: &Path, kind: VcfOutputType) -> Result<()> {
    let name = path.display().to_string();
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
    super::output::check_output_path(path)
}

/// Writes `calls` (sorted) as VCF to `path`; with [`VcfOutputType::Bgzf`] also `path.tbi`.
pub fn write_vcf(
    path: &Path,
    kind: VcfOutputType,
    meta: &VcfMeta<'_>,
    calls: &[Call],
) -> Result<()> {
    let target: PathBuf = path.to_path_buf();
    check_vcf_output(path, kind)?;
    let mut out = AtomicOutput::create(&target)?;
    out.write_all(header(meta).as_bytes())?;
    for c in calls {
        out.write_all(record(c, meta.contigs).as_bytes())?;
    }
    out.commit()?;
    if kind == VcfOutputType::Bgzf {
        index_vcf(&target)?;
    }
    Ok(())
}

/// Writes the tabix (or, for contigs beyond its limits, CSI) index of a bgzipped VCF.
pub(crate) fn index_vcf(target: &Path) -> Result<()> {
    let name = target.display().to_string();
    let index = vcf::fs::index(target).with_context(|| format!("cannot index '{name}'"))?;
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
    o.commit()
}

/// The VCF 4.2 breakend ALT of a breakend at `t` (its reference base) joined to `mate`.
/// `ori`/`mate_ori`: `+` = the kept sequence ends at the breakend (VCF spec 4.2, 5.4).
pub(crate) fn bnd_alt(
    t: char,
    ori: Orientation,
    chrom: &str,
    pos: u64,
    mate_ori: Orientation,
) -> String {
    match (ori, mate_ori) {
        (Orientation::Plus, Orientation::Minus) => format!("{t}[{chrom}:{pos}["),
        (Orientation::Plus, Orientation::Plus) => format!("{t}]{chrom}:{pos}]"),
        (Orientation::Minus, Orientation::Plus) => format!("]{chrom}:{pos}]{t}"),
        (Orientation::Minus, Orientation::Minus) => format!("[{chrom}:{pos}[{t}"),
    }
}

/// Writes somatic structural variants as VCF 4.2 breakend pairs (`SVTYPE=BND`, `MATEID`,
/// `EVENT`), bgzipped with a tabix index. `ref_bases[i]` are the reference bases at the two
/// breakends of `svs[i]`.
pub(crate) fn write_sv_vcf(
    path: &Path,
    meta: &VcfMeta<'_>,
    svs: &[StructuralVariant],
    ref_bases: &[(u8, u8)],
) -> Result<()> {
    check_vcf_output(path, VcfOutputType::Bgzf)?;
    let mut h = String::new();
    h.push_str(&preamble(meta.reference));
    for c in meta.contigs {
        h.push_str(&format!("##contig=<ID={},length={}>\n", c.name, c.len));
    }
    h.push_str(&format!("##tumor_sample={}\n", meta.tumor));
    if let Some(n) = meta.normal {
        h.push_str(&format!("##normal_sample={n}\n"));
    }
    for (k, v) in &meta.extra {
        h.push_str(&format!("##{k}={v}\n"));
    }
    for line in [
        "##ALT=<ID=BND,Description=\"Breakend; the translocation/rearrangement partner is in the ALT\">",
        "##FILTER=<ID=PASS,Description=\"All filters passed\">",
        "##INFO=<ID=SVTYPE,Number=1,Type=String,Description=\"Type of structural variant (BND)\">",
        "##INFO=<ID=MATEID,Number=.,Type=String,Description=\"ID of the mate breakend\">",
        "##INFO=<ID=EVENT,Number=1,Type=String,Description=\"ID of the junction (both breakends)\">",
        "##INFO=<ID=SVCLASS,Number=1,Type=String,Description=\"Class of the junction: DEL, DUP, INV (same contig by orientation) or TRA\">",
        "##INFO=<ID=SVLEN,Number=1,Type=Integer,Description=\"Distance between the breakends of a same-contig junction\">",
        "##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description=\"No support in the matched normal\">",
        "##INFO=<ID=IMPRECISE,Number=0,Type=Flag,Description=\"Position from discordant pairs only\">",
        "##INFO=<ID=CIPOS,Number=2,Type=Integer,Description=\"Confidence interval around POS: imprecise breakends, the side beyond the reads; precise ones, the breakpoint homology\">",
        "##INFO=<ID=CIEND,Number=2,Type=Integer,Description=\"Confidence interval around the mate breakend's position (as CIPOS of the mate record; DELLY's use for BND records)\">",
        "##INFO=<ID=HOMLEN,Number=1,Type=Integer,Description=\"Length of base pair identical micro-homology at event breakpoints (POS is the leftmost placement)\">",
        "##INFO=<ID=CNSUPPORTED,Number=0,Type=Flag,Description=\"Reported below the read-support thresholds because a copy-number step matches the junction\">",
        "##INFO=<ID=CNSEG,Number=1,Type=String,Description=\"Copy-number segment whose change the junction explains (chrom:start-end, 1-based)\">",
        "##INFO=<ID=CN,Number=1,Type=Float,Description=\"Absolute copy number of that segment\">",
        "##INFO=<ID=CNFLANK,Number=1,Type=Float,Description=\"Absolute copy number of the segment on the other side of the change\">",
        "##INFO=<ID=GENES,Number=.,Type=String,Description=\"Genes whose transcript span holds the breakend\">",
        "##FORMAT=<ID=SR,Number=1,Type=Integer,Description=\"Fragments with a split read (SA tag) across the junction\">",
        "##FORMAT=<ID=PR,Number=1,Type=Integer,Description=\"Discordant read pairs supporting the junction\">",
    ] {
        h.push_str(line);
        h.push('\n');
    }
    h.push_str(&format!(
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{}",
        meta.tumor
    ));
    if let Some(n) = meta.normal {
        h.push_str(&format!("\t{n}"));
    }
    h.push('\n');
    let idx = |name: &str| {
        meta.contigs
            .iter()
            .position(|c| c.name == name)
            .unwrap_or(usize::MAX)
    };
    let mut rows: Vec<(usize, u64, String)> = Vec::new();
    for (sv, &(r1, r2)) in svs.iter().zip(ref_bases) {
        let ends = [
            (
                &sv.chrom1,
                sv.pos1.get(),
                sv.orientation1,
                r1,
                &sv.chrom2,
                sv.pos2.get(),
                sv.orientation2,
                &sv.genes1,
                1,
                2,
            ),
            (
                &sv.chrom2,
                sv.pos2.get(),
                sv.orientation2,
                r2,
                &sv.chrom1,
                sv.pos1.get(),
                sv.orientation1,
                &sv.genes2,
                2,
                1,
            ),
        ];
        for (chrom, pos, ori, rb, mchrom, mpos, mori, genes, me, mate) in ends {
            let t = rb as char;
            let mut info = sv_info(sv, mate);
            if !genes.is_empty() {
                info.push_str(&format!(";GENES={}", genes.join(",")));
            }
            let mut line = format!(
                "{chrom}\t{pos}\t{}_{me}\t{t}\t{}\t.\tPASS\t{info}\tSR:PR\t{}:{}",
                sv.id,
                bnd_alt(t, ori, mchrom, mpos, mori),
                sv.tumor.split_reads,
                sv.tumor.discordant_pairs
            );
            if meta.normal.is_some() {
                let n = sv.normal.unwrap_or_default();
                line.push_str(&format!("\t{}:{}", n.split_reads, n.discordant_pairs));
            }
            line.push('\n');
            rows.push((idx(chrom), pos, line));
        }
    }
    rows.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    let mut out = AtomicOutput::create(path)?;
    out.write_all(h.as_bytes())?;
    for (_, _, l) in &rows {
        out.write_all(l.as_bytes())?;
    }
    out.commit()?;
    index_vcf(path)
}

/// The INFO of one breakend record of `sv` whose mate record is `_{mate}` (without `GENES`).
fn sv_info(sv: &StructuralVariant, mate: u8) -> String {
    let mut info = format!(
        "SVTYPE=BND;MATEID={id}_{mate};EVENT={id};SVCLASS={}",
        sv.sv_type.short(),
        id = sv.id
    );
    if let Some(l) = sv.length {
        info.push_str(&format!(";SVLEN={l}"));
    }
    if sv.normal.is_some() {
        info.push_str(";SOMATIC");
    }
    // imprecise: within `ci` either side (beyond the reads, or before them when a mate
    // was placed in another copy of a repeat); precise: anywhere along its homology, to
    // the right of the leftmost placement given (the same for both breakends)
    let own = if sv.precise {
        (0, sv.homology_length as i64)
    } else {
        (-(sv.ci as i64), sv.ci as i64)
    };
    let other = own;
    if !sv.precise {
        info.push_str(";IMPRECISE");
    }
    if !sv.precise || sv.homology_length > 0 {
        info.push_str(&format!(
            ";CIPOS={},{};CIEND={},{}",
            own.0, own.1, other.0, other.1
        ));
    }
    if sv.precise && sv.homology_length > 0 {
        info.push_str(&format!(";HOMLEN={}", sv.homology_length));
    }
    if sv.copy_number_supported {
        info.push_str(";CNSUPPORTED");
    }
    if let Some(c) = &sv.copy_number_change {
        info.push_str(&format!(
            ";CNSEG={}:{}-{}",
            c.chrom,
            c.start.to_pos1(),
            c.end
        ));
        if let Some(n) = c.copy_number {
            info.push_str(&format!(";CN={n}"));
        }
        if let Some(n) = c.flank_copy_number {
            info.push_str(&format!(";CNFLANK={n}"));
        }
    }
    info
}

/// One panel-of-normals site: (contig, 0-based position, REF, ALT) and the normals it was seen in.
pub type PonSite = (
    (crate::types::ContigId, crate::types::Pos0, String, String),
    u32,
);

/// Writes a panel of normals (`oncostream pon`): VCF 4.2, INFO `NSAMPLES` and `FRACTION`;
/// bgzipped and tabix-indexed when the name ends in `.gz`.
pub(crate) fn write_pon_vcf(
    path: &Path,
    contigs: &[Contig],
    sites: &[PonSite],
    normals: usize,
    min_samples: u32,
) -> Result<()> {
    let mut out = AtomicOutput::create(path)?;
    let mut h = String::from("##fileformat=VCFv4.2\n");
    h.push_str(&format!(
        "##source=oncostream-{} pon\n",
        env!("CARGO_PKG_VERSION")
    ));
    for c in contigs {
        h.push_str(&format!("##contig=<ID={},length={}>\n", c.name, c.len));
    }
    h.push_str(&format!(
        "##oncostream_pon_normals={normals}\n##oncostream_pon_min_samples={min_samples}\n"
    ));
    h.push_str("##INFO=<ID=NSAMPLES,Number=1,Type=Integer,Description=\"Normals in which the allele was seen\">\n");
    h.push_str("##INFO=<ID=FRACTION,Number=1,Type=Float,Description=\"Fraction of the normals in which the allele was seen\">\n");
    h.push_str("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    out.write_all(h.as_bytes())?;
    for ((contig, pos, r, a), k) in sites {
        writeln!(
            out,
            "{}\t{}\t.\t{}\t{}\t.\t.\tNSAMPLES={};FRACTION={:.3}",
            contigs[*contig].name,
            pos.to_pos1(),
            r,
            a,
            k,
            *k as f64 / normals as f64
        )?;
    }
    out.commit()?;
    if path.to_string_lossy().ends_with(".gz") {
        let index = vcf::fs::index(path)?;
        if let vcf::Index::Tabix(ix) = index {
            let p = PathBuf::from(format!("{}.tbi", path.display()));
            let mut w = tabix::io::Writer::new(Vec::new());
            w.write_index(&ix)?;
            let bytes = w.into_inner().finish()?;
            let mut o = AtomicOutput::create(&p)?;
            o.write_all(&bytes)?;
            o.commit()?;
        }
    }
    Ok(())
}
