//! VCF resources read by the caller: a germline population resource (INFO `AF`, e.g. gnomAD)
//! and a panel of normals (INFO `NSAMPLES`, from `oncostream pon`). Parsed with noodles-vcf;
//! multi-allelic records are split and each allele trimmed to its minimal representation, so
//! they match the caller's left-normalised alleles.

use std::{fs::File, io::BufReader, path::Path};

use anyhow::Result;
use flate2::read::MultiGzDecoder;
use noodles::vcf;

use crate::error::{fail, ExitKind};
use crate::types::call::{minimal_alleles, Resources};
use crate::types::{Contig, Region};

/// Loads the optional germline resource (AF) and panel of normals for the processed regions.
pub fn read_resources(
    germline: Option<&Path>,
    pon: Option<&Path>,
    contigs: &[Contig],
    regions: &[Region],
) -> Result<Resources> {
    let mut res = Resources::default();
    if let Some(p) = germline {
        for_each_allele(p, contigs, regions, |key, af, _| {
            let e = res.population.entry(key).or_insert(af);
            if af > *e {
                *e = af;
            }
        })?;
    }
    if let Some(p) = pon {
        for_each_allele(p, contigs, regions, |key, _, n| {
            res.pon.insert(key, n);
        })?;
    }
    Ok(res)
}

fn open(path: &Path) -> Result<Box<dyn std::io::BufRead>> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot open VCF resource '{name}': {e}"),
        )
    })?;
    Ok(if name.ends_with(".gz") || name.ends_with(".bgz") {
        Box::new(BufReader::new(MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    })
}

/// Calls `f(key, af, nsamples)` for every allele of `path` within 100 bp of `regions`
/// (AF 1.0 when the record has none; NSAMPLES 1 when absent).
fn for_each_allele(
    path: &Path,
    contigs: &[Contig],
    regions: &[Region],
    mut f: impl FnMut(crate::types::call::AlleleKey, f64, u32),
) -> Result<()> {
    let name = path.display().to_string();
    let mut reader = vcf::io::Reader::new(open(path)?);
    let bad = |line: &str, e: &dyn std::fmt::Display| {
        fail(
            ExitKind::Data,
            format!("'{name}' is not a valid VCF ({line}): {e}"),
        )
    };
    reader.read_header().map_err(|e| bad("header", &e))?;
    let mut record = vcf::Record::default();
    let mut n = 0usize;
    loop {
        n += 1;
        match reader.read_record(&mut record) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err(bad(&format!("record {n}"), &e)),
        }
        let chrom = record.reference_sequence_name();
        let Some(ci) = contigs.iter().position(|c| c.name == chrom) else {
            continue;
        };
        let pos = match record.variant_start() {
            Some(Ok(p)) => p.get() as u64,
            Some(Err(e)) => return Err(bad(&format!("record {n}"), &e)),
            None => continue,
        };
        let inside = regions.iter().any(|r| {
            r.contig.index() == ci && pos > r.start.saturating_sub(100) && pos <= r.end + 100
        });
        if !inside {
            continue;
        }
        let mut afs: Vec<f64> = Vec::new();
        let mut nsamples = 1u32;
        for kv in record.info().as_ref().split(';') {
            if let Some(v) = kv.strip_prefix("AF=") {
                afs = v.split(',').map(|x| x.parse().unwrap_or(0.0)).collect();
            } else if let Some(v) = kv.strip_prefix("NSAMPLES=") {
                nsamples = v.parse().unwrap_or(1);
            }
        }
        let reference = record.reference_bases().to_string();
        for (k, alt) in record.alternate_bases().as_ref().split(',').enumerate() {
            if alt == "."
                || alt == "*"
                || alt.starts_with('<')
                || alt.contains('[')
                || alt.contains(']')
            {
                continue;
            }
            let (p, r, a) = minimal_alleles(pos, &reference, alt);
            let key = (
                chrom.to_string(),
                p,
                r.to_ascii_uppercase(),
                a.to_ascii_uppercase(),
            );
            f(key, afs.get(k).copied().unwrap_or(1.0), nsamples);
        }
    }
    Ok(())
}
