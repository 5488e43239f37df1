//! Microsatellite site lists: msisensor-pro `scan` format (read and written) and the original
//! msisensor format (read), and per-site histogram tables (baselines).
//!
//! msisensor-pro columns: `chromosome location repeat_unit_length repeat_times
//! repeat_unit_bases left_flank_bases right_flank_bases threshold support_num filter`, with
//! `location` the 0-based position of the first repeat base. msisensor's list has
//! `repeat_unit_binary`/`*_flank_binary` columns too; columns are found by header name.

use std::{
    collections::HashMap,
    fs::File,
    io::{BufRead, BufReader, Write},
    path::Path,
};

use anyhow::Result;

use super::output::AtomicOutput;
use crate::error::{fail, ExitKind};
use crate::types::msi::{Histogram, MsSite};
use crate::types::{Contig, ContigId, Pos0};

/// Resolves a contig name, accepting `chr22` for `22` and back.
pub(crate) fn contig_index(contigs: &[Contig], name: &str) -> Option<ContigId> {
    contigs
        .iter()
        .position(|c| c.name == name)
        .or_else(|| {
            let alt = match name.strip_prefix("chr") {
                Some(n) => n.to_string(),
                None => format!("chr{name}"),
            };
            contigs.iter().position(|c| c.name == alt)
        })
        .map(ContigId::new)
}

/// Reads a site list; sites on contigs the alignment header lacks are skipped (counted).
pub(crate) fn read_sites(path: &Path, contigs: &[Contig]) -> Result<(Vec<MsSite>, usize)> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot open microsatellite list '{name}': {e}"),
        )
    })?;
    let mut lines = BufReader::new(file).lines();
    let header = lines.next().transpose()?.ok_or_else(|| {
        fail(
            ExitKind::Data,
            format!("'{name}' is empty: expected an msisensor site list"),
        )
    })?;
    let cols: Vec<&str> = header.split('\t').collect();
    let col = |n: &str| cols.iter().position(|c| *c == n);
    let (Some(c_chr), Some(c_loc), Some(c_times), Some(c_unit), Some(c_left), Some(c_right)) = (
        col("chromosome"),
        col("location"),
        col("repeat_times"),
        col("repeat_unit_bases"),
        col("left_flank_bases"),
        col("right_flank_bases"),
    ) else {
        return Err(fail(
            ExitKind::Data,
            format!("{name}:1: not an msisensor/msisensor-pro site list (needs columns chromosome, location, repeat_times, repeat_unit_bases, left_flank_bases, right_flank_bases)"),
        ));
    };
    let mut sites = Vec::new();
    let mut skipped = 0;
    for (i, line) in lines.enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let bad = |why: &str| fail(ExitKind::Data, format!("{name}:{}: {why}", i + 2));
        let get = |k: usize| f.get(k).copied().ok_or_else(|| bad("too few columns"));
        let Some(contig) = contig_index(contigs, get(c_chr)?) else {
            skipped += 1;
            continue;
        };
        let start: u64 = get(c_loc)?
            .parse()
            .map_err(|_| bad("location is not a number"))?;
        let count: u32 = get(c_times)?
            .parse()
            .map_err(|_| bad("repeat_times is not a number"))?;
        let unit = get(c_unit)?.to_ascii_uppercase();
        if unit.is_empty() || count == 0 {
            return Err(bad("empty repeat unit or zero repeat_times"));
        }
        sites.push(MsSite {
            contig,
            start: Pos0::new(start),
            unit,
            count,
            left: get(c_left)?.to_ascii_uppercase(),
            right: get(c_right)?.to_ascii_uppercase(),
        });
    }
    sites.sort_by_key(|s| (s.contig, s.start));
    sites.dedup_by_key(|s| (s.contig, s.start));
    Ok((sites, skipped))
}

/// Writes sites in msisensor-pro format.
pub(crate) fn write_sites(path: &Path, sites: &[MsSite], contigs: &[Contig]) -> Result<()> {
    let mut out = AtomicOutput::create(path)?;
    writeln!(out, "chromosome\tlocation\trepeat_unit_length\trepeat_times\trepeat_unit_bases\tleft_flank_bases\tright_flank_bases\tthreshold\tsupport_num\tfilter")?;
    for s in sites {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t-1\t-1\tPASS",
            contigs[s.contig].name,
            s.start,
            s.unit.len(),
            s.count,
            s.unit,
            s.left,
            s.right
        )?;
    }
    out.commit()
}

/// Formats a histogram as `units:reads,...` (non-zero entries).
pub(crate) fn fmt_hist(h: &[u32]) -> String {
    let v: Vec<String> = h
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0)
        .map(|(k, n)| format!("{k}:{n}"))
        .collect();
    if v.is_empty() {
        ".".into()
    } else {
        v.join(",")
    }
}

fn parse_hist(s: &str) -> Option<Histogram> {
    let mut h = Vec::new();
    if s == "." {
        return Some(h);
    }
    for kv in s.split(',') {
        let (k, n) = kv.split_once(':')?;
        let (k, n): (usize, u32) = (k.parse().ok()?, n.parse().ok()?);
        if h.len() <= k {
            h.resize(k + 1, 0);
        }
        h[k] = n;
    }
    Some(h)
}

/// Writes per-site histograms: `chromosome location unit repeat_times sample histogram`.
pub(crate) fn write_histograms(
    path: &Path,
    sites: &[MsSite],
    contigs: &[Contig],
    rows: &[(usize, String, Histogram)],
) -> Result<()> {
    let mut out = AtomicOutput::create(path)?;
    writeln!(
        out,
        "chromosome\tlocation\trepeat_unit_bases\trepeat_times\tsample\thistogram"
    )?;
    for (i, sample, h) in rows {
        let s = &sites[*i];
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}",
            contigs[s.contig].name,
            s.start,
            s.unit,
            s.count,
            sample,
            fmt_hist(h)
        )?;
    }
    out.commit()
}

/// Reads a baseline (histogram table, all samples pooled) keyed by site location; rows on
/// contigs the alignment header lacks are skipped.
pub(crate) fn read_baseline(
    path: &Path,
    contigs: &[Contig],
) -> Result<HashMap<(ContigId, Pos0), Histogram>> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot open MSI baseline '{name}': {e}"),
        )
    })?;
    let mut out: HashMap<(ContigId, Pos0), Histogram> = HashMap::new();
    let mut lines = BufReader::new(file).lines();
    match lines.next().transpose()? {
        Some(h) if h.starts_with("chromosome\tlocation") => {}
        _ => {
            return Err(fail(
                ExitKind::Data,
                format!("{name}:1: not an MSI baseline (expected the header of `oncostream msi-baseline`: chromosome, location, ...)"),
            ))
        }
    }
    for (i, line) in lines.enumerate() {
        let line = line?;
        let f: Vec<&str> = line.split('\t').collect();
        let bad = || {
            fail(
                ExitKind::Data,
                format!("{name}:{}: malformed baseline row", i + 2),
            )
        };
        if f.len() < 6 {
            return Err(bad());
        }
        let Some(c) = contig_index(contigs, f[0]) else {
            continue;
        };
        let loc: u64 = f[1].parse().map_err(|_| bad())?;
        let h = parse_hist(f[5]).ok_or_else(bad)?;
        let e = out.entry((c, Pos0::new(loc))).or_default();
        if e.len() < h.len() {
            e.resize(h.len(), 0);
        }
        for (k, v) in h.iter().enumerate() {
            e[k] += v;
        }
    }
    Ok(out)
}
