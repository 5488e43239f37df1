//! The observer of the monitoring pass: every read of a tracked window, per sample, grouped into
//! families and molecules when the shard ends; the shard's partial holds the molecule counts at
//! the tracked and watched sites, the background tallies and the UMI statistics.
//!
//! A shard is one merged window (the pipeline plans one shard per window), so a molecule's
//! reads are all seen together and the families do not depend on threads.

use std::collections::HashMap;

use super::background::Background;
use super::consensus::{duplex_calls, families, family_consensus, pair_strands, Template};
use super::umi::{aligned, bundle_of, template_span, BundleKey, UmiSource};
use crate::engine::{Column, ColumnObserver, RefSlice};
use crate::types::aln::op;
use crate::types::{Aln, ContigId, Region, Shard};

/// How molecules are called.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConsensusSettings {
    /// Bases below this quality do not vote.
    pub min_base_quality: u8,
    /// A consensus base counts from this quality.
    pub min_consensus_quality: u8,
    /// Families with fewer read pairs are dropped.
    pub min_family_size: u32,
}

/// The monitoring observer.
pub(crate) struct MonitorObserver<'a> {
    /// Per contig, the sites (0-based position, target id), sorted.
    pub targets: &'a [Vec<(u64, u32)>],
    /// Per input, where its UMIs are.
    pub sources: Vec<UmiSource>,
    /// Consensus settings.
    pub settings: ConsensusSettings,
    /// Keep one row per family (the families table).
    pub keep_families: bool,
}

/// Molecule counts at one site of one sample.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct TargetCounts {
    /// Target id.
    pub id: u32,
    /// Molecules per consensus base (A, C, G, T).
    pub counts: [u32; 4],
    /// Of those, duplex molecules.
    pub duplex: [u32; 4],
}

/// UMI statistics (additive).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct UmiStats {
    /// Single-strand families.
    pub families: u64,
    /// Molecules (duplex pairs once).
    pub molecules: u64,
    /// Read pairs (templates) in families.
    pub read_pairs: u64,
    /// Families of one read pair.
    pub singletons: u64,
    /// Molecules with both strands.
    pub duplex: u64,
    /// Reads without a UMI (left out).
    pub missing_umi: u64,
    /// Families below the minimum size (left out of the consensus).
    pub small_families: u64,
}

impl UmiStats {
    fn add(&mut self, o: &UmiStats) {
        self.families += o.families;
        self.molecules += o.molecules;
        self.read_pairs += o.read_pairs;
        self.singletons += o.singletons;
        self.duplex += o.duplex;
        self.missing_umi += o.missing_umi;
        self.small_families += o.small_families;
    }
}

/// One family, for the families table (UMI-tools' coordinates).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FamilyRow {
    /// Contig.
    pub contig: ContigId,
    /// Bundle.
    pub bundle: BundleKey,
    /// Representative UMI.
    pub umi: String,
    /// Every UMI of the group, sorted.
    pub umis: Vec<String>,
    /// Read pairs.
    pub size: u32,
    /// Paired with its other strand.
    pub duplex: bool,
}

/// What one sample's shard produced.
#[derive(Clone, Debug, Default)]
pub(crate) struct SampleShard {
    /// Counts at the sites of the shard.
    pub targets: Vec<TargetCounts>,
    /// Background tallies.
    pub background: Background,
    /// UMI statistics.
    pub stats: UmiStats,
    /// Families (when kept).
    pub family_rows: Vec<FamilyRow>,
}

impl SampleShard {
    /// Adds another shard of the same sample.
    pub fn merge(&mut self, o: SampleShard) {
        self.targets.extend(o.targets);
        self.background.merge(&o.background);
        self.stats.add(&o.stats);
        self.family_rows.extend(o.family_rows);
    }
}

#[derive(Default)]
struct Collect {
    templates: Vec<Template>,
    by_name: HashMap<Vec<u8>, u32>,
    umis: HashMap<Vec<u8>, u32>,
    umi_text: Vec<Vec<u8>>,
    missing_umi: u64,
    buf: Vec<(u32, u8, u8)>,
}

/// A shard's partial: reads while collecting, results after `finish`.
pub(crate) struct MonitorPartial {
    core: Region,
    collect: Vec<Collect>,
    /// Per input, the shard's results.
    pub samples: Vec<SampleShard>,
}

fn base_code(nibble: u8) -> u8 {
    match nibble {
        1 => 0,
        2 => 1,
        4 => 2,
        8 => 3,
        _ => 4,
    }
}

/// The bases of `aln` inside `core`: `(offset, base, quality)`, sorted.
fn read_obs(aln: &Aln<'_>, core: Region, min_bq: u8, out: &mut Vec<(u32, u8, u8)>) {
    out.clear();
    let (mut r, mut q) = (aln.start, 0usize);
    let (lo, hi) = (core.start as i64, core.end as i64);
    for &w in aln.cigar {
        let (len, o) = ((w >> 4) as usize, w & 0xf);
        match o {
            op::MATCH | op::EQ | op::DIFF => {
                for k in 0..len {
                    let p = r + k as i64;
                    if p >= lo && p < hi {
                        let b = base_code(aln.nibble(q + k));
                        let bq = aln.qual_at(q + k);
                        if b < 4 && (bq == 255 || bq >= min_bq) {
                            out.push(((p - lo) as u32, b, if bq == 255 { 30 } else { bq }));
                        }
                    }
                }
                r += len as i64;
                q += len;
            }
            op::INS | op::SOFT => q += len,
            op::DEL | op::SKIP => r += len as i64,
            _ => {}
        }
    }
}

impl ColumnObserver for MonitorObserver<'_> {
    type Partial = MonitorPartial;

    fn begin(&self, shard: &Shard, _reference: &RefSlice<'_>) -> MonitorPartial {
        MonitorPartial {
            core: shard.core,
            collect: (0..self.sources.len())
                .map(|_| Collect::default())
                .collect(),
            samples: Vec::new(),
        }
    }

    fn overlapping(
        &self,
        p: &mut MonitorPartial,
        sample: usize,
        aln: &Aln<'_>,
        pass: bool,
        _reference: &RefSlice<'_>,
    ) {
        if !pass || !aligned(aln) {
            return;
        }
        let c = &mut p.collect[sample];
        let Some(umi) = self.sources[sample].umi(aln) else {
            c.missing_umi += 1;
            return;
        };
        let Some(bundle) = bundle_of(aln) else { return };
        let next = c.umi_text.len() as u32;
        let umi_id = *c.umis.entry(umi.to_vec()).or_insert_with(|| next);
        if umi_id == next {
            c.umi_text.push(umi.to_vec());
        }
        let mut buf = std::mem::take(&mut c.buf);
        read_obs(aln, p.core, self.settings.min_base_quality, &mut buf);
        let n = c.templates.len() as u32;
        let t = *c.by_name.entry(aln.name.to_vec()).or_insert(n);
        if t == n {
            c.templates.push(Template {
                bundle,
                umi: umi_id,
                span: template_span(aln),
                obs: Vec::new(),
                reads: 0,
            });
        }
        c.templates[t as usize].add_read(&buf);
        c.buf = buf;
    }

    fn column(&self, _p: &mut MonitorPartial, _column: &Column<'_>) {}

    fn handles_empty(&self, _p: &MonitorPartial) -> bool {
        true
    }

    fn finish(&self, p: &mut MonitorPartial, reference: &RefSlice<'_>) {
        let core = p.core;
        let sites: Vec<(u64, u32)> = self.targets[core.contig.index()]
            .iter()
            .filter(|(pos, _)| *pos >= core.start && *pos < core.end)
            .copied()
            .collect();
        for c in std::mem::take(&mut p.collect) {
            p.samples
                .push(self.sample_shard(c, core, &sites, reference));
        }
    }
}

impl MonitorObserver<'_> {
    fn sample_shard(
        &self,
        c: Collect,
        core: Region,
        sites: &[(u64, u32)],
        reference: &RefSlice<'_>,
    ) -> SampleShard {
        let fams = families(&c.templates, &c.umi_text);
        let len = core.len() as usize;
        let mut counts = vec![[0u32; 4]; len];
        let mut duplex = vec![[0u32; 4]; len];
        let mut stats = UmiStats {
            missing_umi: c.missing_umi,
            ..Default::default()
        };
        let min_q = self.settings.min_consensus_quality;
        let big = |i: usize| fams[i].templates.len() as u32 >= self.settings.min_family_size;
        let mut scratch = Vec::new();
        let pairs = pair_strands(&fams, &c.umi_text);
        let mut paired = vec![false; fams.len()];
        for &(a, b) in &pairs {
            let calls_of = |i: usize, s: &mut Vec<(u32, u8, u8)>| {
                if big(i) {
                    family_consensus(&fams[i], &c.templates, min_q, s)
                } else {
                    Vec::new()
                }
            };
            let ca = calls_of(a, &mut scratch);
            let cb = b.map(|b| calls_of(b, &mut scratch)).unwrap_or_default();
            if let Some(b) = b {
                paired[a] = true;
                paired[b] = true;
                stats.duplex += 1;
            }
            stats.molecules += 1;
            for (off, base, _, dup) in duplex_calls(&ca, &cb) {
                counts[off as usize][base as usize] += 1;
                if dup {
                    duplex[off as usize][base as usize] += 1;
                }
            }
        }
        let mut rows = Vec::new();
        for (i, f) in fams.iter().enumerate() {
            let size = f.templates.len() as u64;
            stats.families += 1;
            stats.read_pairs += size;
            stats.singletons += (size == 1) as u64;
            stats.small_families += (!big(i)) as u64;
            if self.keep_families {
                let text = |u: u32| String::from_utf8_lossy(&c.umi_text[u as usize]).into_owned();
                let mut umis: Vec<String> = f.umis.iter().map(|&u| text(u)).collect();
                umis.sort();
                rows.push(FamilyRow {
                    contig: core.contig,
                    bundle: f.bundle,
                    umi: text(f.umi),
                    umis,
                    size: size as u32,
                    duplex: paired[i],
                });
            }
        }
        let mut out = SampleShard {
            stats,
            family_rows: rows,
            ..Default::default()
        };
        let mut is_site = vec![false; len];
        for &(pos, id) in sites {
            let off = (pos - core.start) as usize;
            is_site[off] = true;
            out.targets.push(TargetCounts {
                id,
                counts: counts[off],
                duplex: duplex[off],
            });
        }
        for off in 0..len {
            if is_site[off] {
                continue;
            }
            let p = (core.start + off as u64) as i64;
            let tri = [
                reference.base(p - 1),
                reference.base(p),
                reference.base(p + 1),
            ];
            out.background.add_position(tri, counts[off]);
        }
        out
    }
}
