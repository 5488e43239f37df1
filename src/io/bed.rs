//! BED target files: parsed, checked against the alignment header, sorted and merged.

use std::{
    fs::File,
    io::{BufRead, BufReader},
    path::Path,
};

use anyhow::Result;
use flate2::read::MultiGzDecoder;

use crate::error::{fail, ExitKind};
use crate::types::{Contig, ContigId, Region};

/// One named BED interval (name is column 4 when present).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BedInterval {
    /// The interval (0-based half-open, as BED).
    pub region: Region,
    /// Column 4, when present.
    pub name: Option<String>,
}

/// Reads a BED (optionally gzipped) and resolves contigs against `contigs`.
///
/// Lines starting with `#`, `track` or `browser` are skipped. An interval on a contig the
/// header lacks, with `end < start`, or past the contig end is an error naming file:line. A
/// zero-length interval (`start == end`, an insertion point in BED) is read: it adds nothing to
/// the processed regions, and a `depth --by` row for it has depth 0.
pub fn read_bed(path: &Path, contigs: &[Contig]) -> Result<Vec<BedInterval>> {
    read_bed_with(path, contigs, false).map(|(v, _)| v)
}

/// A genome-wide track (e.g. a mappability BED): like [`read_bed`], but lines on contigs the
/// header lacks are skipped and counted instead of refused.
pub(crate) fn read_track(path: &Path, contigs: &[Contig]) -> Result<(Vec<BedInterval>, usize)> {
    read_bed_with(path, contigs, true)
}

fn read_bed_with(
    path: &Path,
    contigs: &[Contig],
    skip_unknown: bool,
) -> Result<(Vec<BedInterval>, usize)> {
    let name = path.display().to_string();
    let mut skipped = 0usize;
    let file = File::open(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot open BED file '{name}': {e}"),
        )
    })?;
    let reader: Box<dyn BufRead> = if name.ends_with(".gz") {
        Box::new(BufReader::new(MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line?;
        let lineno = i + 1;
        let t = line.trim_end();
        if t.is_empty() || t.starts_with('#') || t.starts_with("track") || t.starts_with("browser")
        {
            continue;
        }
        let cols: Vec<&str> = t.split('\t').collect();
        let bad = |why: &str| fail(ExitKind::Data, format!("{name}:{lineno}: {why}"));
        if cols.len() < 3 {
            return Err(bad(
                "expected at least 3 tab-separated columns (contig, start, end)",
            ));
        }
        let Some(contig) = contigs
            .iter()
            .position(|c| c.name == cols[0])
            .map(ContigId::new)
        else {
            if skip_unknown {
                skipped += 1;
                continue;
            }
            return Err(bad(&format!(
                "contig '{}' is not in the alignment header; check the BED matches the reference build",
                cols[0]
            )));
        };
        // digits only: Rust's integer parser takes a leading `+` (a BED start `+5` was read
        // as 5), which no BED tool writes
        let coord = |s: &str, what: &str| -> Result<u64> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(&format!("{what} '{s}' is not a non-negative integer")));
            }
            s.parse()
                .map_err(|_| bad(&format!("{what} '{s}' is too large")))
        };
        let start = coord(cols[1], "start")?;
        let end = coord(cols[2], "end")?;
        if end < start {
            return Err(bad(&format!("end {end} is before start {start}")));
        }
        if end > contigs[contig].len {
            return Err(bad(&format!(
                "end {end} is past the end of '{}' (length {})",
                cols[0], contigs[contig].len
            )));
        }
        out.push(BedInterval {
            region: Region { contig, start, end },
            name: cols.get(3).map(|s| s.to_string()),
        });
    }
    Ok((out, skipped))
}

pub use crate::types::merge_regions as merge;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_sorts_and_joins() {
        let r = |c, s, e| Region {
            contig: ContigId::new(c),
            start: s,
            end: e,
        };
        let got = merge(vec![
            r(1, 5, 10),
            r(0, 10, 20),
            r(0, 0, 10),
            r(0, 30, 40),
            r(1, 8, 12),
        ]);
        assert_eq!(got, vec![r(0, 0, 20), r(0, 30, 40), r(1, 5, 12)]);
    }
}
