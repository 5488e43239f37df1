//! VCF resources read by the caller: a germline population resource (INFO `AF`, e.g. gnomAD's
//! af-only VCF) and a panel of normals (INFO `NSAMPLES`, from `oncostream pon`).
//!
//! Resources are never loaded whole: they must be bgzipped and indexed (tabix `.tbi` or `.csi`),
//! and a [`ResourceCursor`] reads, for the calls of one shard at a time (in genome order, on the
//! main thread as shards arrive), only the records around them: calls are grouped into clusters
//! (consecutive calls less than [`CLUSTER_GAP`] apart) and each cluster is one index query. Memory
//! is one BGZF block and one cluster's records, whatever the resource's size.
//!
//! Multi-allelic records are split and each allele trimmed to its minimal representation (the
//! caller's alleles are left-normalised and minimal), so a record `ACT>ACTT,A` matches the calls
//! `C>CT` at POS+1 and `ACT>A` at POS. `AF` is `Number=A` (one value per ALT); a record without
//! `AF`, or with `AF=.`, counts as AF 1.0 (see `parse_info`). Contigs the resource lacks have no hits; `chr1` and `1` are aliases.

use std::{fs::File, io::Read, path::Path};

use anyhow::Result;
use noodles::{bgzf, core, csi::BinningIndex, vcf};

use crate::error::{fail, ExitKind};
use crate::types::call::{minimal_alleles, Call};
use crate::types::Contig;

/// Calls closer than this (bp) are looked up with one index query.
pub const CLUSTER_GAP: u64 = 10_000;

/// How far before a call a resource record may start and still match it after trimming (its
/// REF may share a prefix with the ALT): the longest shared prefix considered, in bp.
pub(crate) const MAX_PREFIX: u64 = 200;

/// A validated, indexed VCF resource.
pub struct VcfResource {
    path: std::path::PathBuf,
    header: vcf::Header,
    /// Reference-sequence names as the index lists them.
    names: Vec<String>,
}

/// What a resource says about one allele.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ResourceHit {
    /// Population allele frequency (1.0 when the record has no AF).
    pub af: f64,
    /// INFO `NSAMPLES` (1 when absent).
    pub nsamples: u32,
}

fn index_names(index: &dyn BinningIndex) -> Vec<String> {
    index
        .header()
        .map(|h| {
            h.reference_sequence_names()
                .iter()
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Opens and validates a resource: bgzipped, indexed, a VCF header; warns when it shares no
/// contig name with the alignments (another build or naming).
pub(crate) fn open_resource(path: &Path, role: &str, contigs: &[Contig]) -> Result<VcfResource> {
    let name = path.display().to_string();
    let mut f = File::open(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot open {role} '{name}': {e}"),
        )
    })?;
    let mut magic = [0u8; 4];
    let n = f.read(&mut magic)?;
    if n < 4 || magic[..2] != [0x1f, 0x8b] || magic[3] & 4 == 0 {
        return Err(fail(
            ExitKind::Data,
            format!(
                "{role} '{name}' is not bgzip-compressed; it is read through its index, never loaded whole: compress and index it with `bgzip {name} && tabix -p vcf {name}.gz`"
            ),
        ));
    }
    let index = vcf::fs::read_associated_index(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!(
                "{role} '{name}' has no readable index (.tbi or .csi): {e}; create it with `tabix -p vcf {name}` (or `bcftools index {name}`)"
            ),
        )
    })?;
    let names = index_names(&index);
    let mut reader = vcf::io::Reader::new(bgzf::io::Reader::new(File::open(path)?));
    let header = reader.read_header().map_err(|e| {
        fail(
            ExitKind::Data,
            format!("{role} '{name}' is not a valid VCF (header): {e}"),
        )
    })?;
    if !names.is_empty() && !contigs.iter().any(|c| alias(&names, &c.name).is_some()) {
        crate::log::warn(&format!(
            "{role} '{name}' shares no contig name with the alignments (it has {}...); no call will match it: use the resource of the same genome build and naming",
            names.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(VcfResource {
        path: path.to_path_buf(),
        header,
        names,
    })
}

/// The resource's name for `contig` (`chr1` and `1` are aliases).
fn alias<'a>(names: &'a [String], contig: &str) -> Option<&'a str> {
    if let Some(n) = names.iter().find(|n| *n == contig) {
        return Some(n);
    }
    let alt = match contig.strip_prefix("chr") {
        Some(x) => x.to_string(),
        None => format!("chr{contig}"),
    };
    names.iter().find(|n| **n == alt).map(|s| s.as_str())
}

impl VcfResource {
    /// Path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A reader for lookups (one per thread that looks things up).
    pub fn cursor(&self) -> Result<ResourceCursor<'_>> {
        let reader = vcf::io::indexed_reader::Builder::default()
            .build_from_path(&self.path)
            .map_err(|e| {
                fail(
                    ExitKind::NoInput,
                    format!("cannot open '{}': {e}", self.path.display()),
                )
            })?;
        Ok(ResourceCursor {
            resource: self,
            reader,
            record: vcf::Record::default(),
            records: 0,
        })
    }
}

/// Looks up calls in one resource, shard by shard.
pub struct ResourceCursor<'a> {
    resource: &'a VcfResource,
    reader: vcf::io::IndexedReader<bgzf::io::Reader<File>>,
    record: vcf::Record,
    /// Records read so far (for metrics and tests).
    pub records: u64,
}

impl ResourceCursor<'_> {
    /// The resource's entry for each call (same order as `calls`, which must be sorted by
    /// position and lie on `contig`).
    pub fn lookup(&mut self, contig: &str, calls: &[&Call]) -> Result<Vec<Option<ResourceHit>>> {
        let mut out = vec![None; calls.len()];
        let Some(rname) = alias(&self.resource.names, contig).map(String::from) else {
            return Ok(out);
        };
        let name = self.resource.path.display().to_string();
        let bad = |e: std::io::Error| {
            fail(
                ExitKind::Data,
                format!("cannot read '{name}' around {contig}: {e}; the file or its index is corrupt (re-index with `tabix -p vcf`)"),
            )
        };
        let mut i = 0;
        while i < calls.len() {
            // a cluster of calls [i, j)
            let mut j = i + 1;
            while j < calls.len() && calls[j].pos - calls[j - 1].pos < CLUSTER_GAP {
                j += 1;
            }
            let first = calls[i].pos.to_pos1().get();
            let last = calls[j - 1].pos.to_pos1().get();
            let start = core::Position::try_from(first.saturating_sub(MAX_PREFIX).max(1) as usize)?;
            let end = core::Position::try_from(last as usize)?;
            let region = core::Region::new(rname.as_str(), start..=end);
            // the cluster's calls by (1-based POS, REF, ALT)
            let mut keys: std::collections::HashMap<(u64, &str, &str), Vec<usize>> =
                std::collections::HashMap::new();
            for (n, c) in calls[i..j].iter().enumerate() {
                keys.entry((
                    c.pos.to_pos1().get(),
                    c.ref_allele.as_str(),
                    c.alt_allele.as_str(),
                ))
                .or_default()
                .push(i + n);
            }
            // the cluster's call positions, sorted (calls arrive in genome order)
            let mut positions: Vec<u64> =
                calls[i..j].iter().map(|c| c.pos.to_pos1().get()).collect();
            positions.sort_unstable();
            let mut query = self
                .reader
                .query(&self.resource.header, &region)
                .map_err(bad)?;
            let rec = &mut self.record;
            while query.read_record(rec).map_err(bad)? != 0 {
                self.records += 1;
                let pos = match rec.variant_start() {
                    Some(Ok(p)) => p.get() as u64,
                    _ => continue,
                };
                // trimming to minimal alleles only moves POS forward, by less than REF's
                // length: a record with no call in [POS, POS + len(REF)) cannot match one, and
                // is skipped before its INFO and alleles are parsed (most records of a dense
                // population resource)
                let span = rec.reference_bases().len().max(1) as u64;
                let k = positions.partition_point(|&p| p < pos);
                if k == positions.len() || positions[k] >= pos + span {
                    continue;
                }
                let (afs, nsamples) = parse_info(rec.info().as_ref()).map_err(|why| {
                    fail(
                        ExitKind::Data,
                        format!("'{name}': the record at {rname}:{pos} has {why}; fix or regenerate the resource"),
                    )
                })?;
                let reference = rec.reference_bases().to_ascii_uppercase();
                for (k, alt) in rec.alternate_bases().as_ref().split(',').enumerate() {
                    if alt == "." || alt == "*" || alt.starts_with('<') || alt.contains(['[', ']'])
                    {
                        continue;
                    }
                    let (p, r, a) = minimal_alleles(pos, &reference, &alt.to_ascii_uppercase());
                    // a missing AF (no AF key, or `.`) counts as 1.0: a known germline site
                    let af = afs.get(k).copied().flatten().unwrap_or(1.0);
                    if let Some(idx) = keys.get(&(p, r.as_str(), a.as_str())) {
                        for &n in idx {
                            // the highest AF when several records carry the allele
                            if out[n].is_none_or(|h: ResourceHit| af > h.af) {
                                out[n] = Some(ResourceHit { af, nsamples });
                            }
                        }
                    }
                }
            }
            i = j;
        }
        Ok(out)
    }
}

/// METHOD: INFO `AF` is read strictly, one value per ALT: `.` is a missing value (counted as
/// AF 1.0, like a record without AF: a site known to the population resource whose frequency
/// is not given is treated as common); anything else must be a number in [0, 1] (NaN, negative,
/// above 1 or text are refused with the record's place; `AF=.` used to count as 0 and let 51
/// germline sites through as PASS calls in tumor-only mode). `NSAMPLES` must be a whole number.
fn parse_info(info: &str) -> std::result::Result<(Vec<Option<f64>>, u32), String> {
    let mut afs = Vec::new();
    let mut nsamples = 1u32;
    for kv in info.split(';') {
        if let Some(v) = kv.strip_prefix("AF=") {
            afs = v
                .split(',')
                .map(|x| match x {
                    "." => Ok(None),
                    _ => match x.parse::<f64>() {
                        Ok(af) if (0.0..=1.0).contains(&af) => Ok(Some(af)),
                        _ => Err(format!(
                            "AF '{x}', which is not a frequency in [0, 1] or '.'"
                        )),
                    },
                })
                .collect::<std::result::Result<_, _>>()?;
        } else if let Some(v) = kv.strip_prefix("NSAMPLES=") {
            nsamples = v
                .parse()
                .map_err(|_| format!("NSAMPLES '{v}', which is not a whole number"))?;
        }
    }
    Ok((afs, nsamples))
}

/// The germline resource and the panel of normals of a run, with a cursor each.
pub struct ResourceLookups<'a> {
    /// Germline population resource.
    pub germline: Option<ResourceCursor<'a>>,
    /// Panel of normals.
    pub pon: Option<ResourceCursor<'a>>,
}

impl<'a> ResourceLookups<'a> {
    /// Cursors over the resources that are present.
    pub fn new(germline: Option<&'a VcfResource>, pon: Option<&'a VcfResource>) -> Result<Self> {
        Ok(ResourceLookups {
            germline: germline.map(|r| r.cursor()).transpose()?,
            pon: pon.map(|r| r.cursor()).transpose()?,
        })
    }

    /// Sets `pop_af` and `pon_normals` on the calls of one shard (all on `contig`, sorted).
    pub fn annotate(&mut self, contig: &str, calls: &mut [Call]) -> Result<()> {
        if calls.is_empty() {
            return Ok(());
        }
        let refs: Vec<&Call> = calls.iter().collect();
        let germ = match &mut self.germline {
            Some(c) => Some(c.lookup(contig, &refs)?),
            None => None,
        };
        let pon = match &mut self.pon {
            Some(c) => Some(c.lookup(contig, &refs)?),
            None => None,
        };
        for (k, c) in calls.iter_mut().enumerate() {
            if let Some(h) = germ.as_ref().and_then(|g| g[k]) {
                c.pop_af = Some(h.af);
            }
            if let Some(h) = pon.as_ref().and_then(|p| p[k]) {
                c.pon_normals = Some(h.nsamples);
            }
        }
        Ok(())
    }

    /// Records read from both resources.
    pub fn records(&self) -> u64 {
        self.germline.as_ref().map_or(0, |c| c.records) + self.pon.as_ref().map_or(0, |c| c.records)
    }
}

/// Records of the start of a resource compared with the reference (see [`check_resource_ref`]).
pub const REF_SAMPLE_RECORDS: usize = 2000;

/// METHOD: a resource built on another reference (genome build) matches no call and filters
/// nothing, silently. Before the pass, the REF of the first [`REF_SAMPLE_RECORDS`] records on
/// contigs the reference has (`chr1` and `1` aliased) is compared with the reference
/// (`vcf_input::ref_agrees`): more than 1% disagreeing refuses the resource (exit 65, the
/// records named); fewer are returned, each named, as warnings.
pub fn check_resource_ref(
    res: &VcfResource,
    reference: &dyn crate::types::source::SequenceSource,
    role: &str,
) -> Result<Vec<String>> {
    use crate::io::vcf_input::{ref_agrees, RefMismatch};
    let name = res.path.display().to_string();
    let mut reader = vcf::io::Reader::new(bgzf::io::Reader::new(File::open(&res.path)?));
    reader.read_header()?;
    let mut rec = vcf::Record::default();
    let (mut checked, mut bad, mut seq) = (0usize, Vec::new(), Vec::new());
    while checked < REF_SAMPLE_RECORDS && reader.read_record(&mut rec)? != 0 {
        let Some(Ok(pos)) = rec.variant_start() else {
            continue;
        };
        let (chrom, r) = (rec.reference_sequence_name(), rec.reference_bases());
        let start = pos.get() as u64 - 1;
        let end = start + r.len() as u64;
        let other = chrom
            .strip_prefix("chr")
            .map(String::from)
            .unwrap_or_else(|| format!("chr{chrom}"));
        seq.clear();
        if !reference.fetch_into(chrom, start, end, &mut seq) {
            seq.clear();
            if !reference.fetch_into(&other, start, end, &mut seq) {
                continue;
            }
        }
        checked += 1;
        if !ref_agrees(r, &seq) {
            bad.push(RefMismatch {
                chrom: chrom.to_string(),
                pos: pos.get() as u64,
                line: 0,
                vcf_ref: r.to_string(),
                genome: String::from_utf8_lossy(&seq).to_string(),
            });
        }
    }
    let named: Vec<String> = bad.iter().take(10).map(|m| m.describe(&name)).collect();
    if !bad.is_empty() && bad.len() * 100 > checked {
        return Err(fail(
            ExitKind::Data,
            format!(
                "{}\n{} of the first {checked} records of {role} '{name}' carry a REF that disagrees with the reference: it was built on another reference (genome build); use the {role} of the reference the reads were aligned to",
                named.join("\n"),
                bad.len()
            ),
        ));
    }
    Ok(named
        .into_iter()
        .map(|n| format!("{role}: {n} (record ignored: it cannot match a call)"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::parse_info;

    #[test]
    fn af_is_read_strictly() {
        assert_eq!(parse_info("AF=0.25").unwrap(), (vec![Some(0.25)], 1));
        // `.` is missing (1.0 at the lookup), never 0
        assert_eq!(
            parse_info("DP=3;AF=.,0.5").unwrap().0,
            vec![None, Some(0.5)]
        );
        assert_eq!(parse_info("NSAMPLES=4").unwrap(), (vec![], 4));
        for bad in [
            "AF=nan",
            "AF=-0.1",
            "AF=1.5",
            "AF=x",
            "AF=",
            "AF=inf",
            "NSAMPLES=two",
        ] {
            assert!(parse_info(bad).is_err(), "{bad}");
        }
    }
}
