//! Region strings typed by users (`chr1`, `chr1:100-200`, `chr1:100`, `{chr1:100}:5-10`).
//!
//! Coordinates are 1-based inclusive as in samtools; the result is 0-based half-open.
//! Contig names may themselves contain `:` and `-` (htslib's colons.bam): a string that is
//! both a whole contig name and a `name:range` of another contig is ambiguous and rejected
//! with a hint to use `{}` quoting, as htslib does.

use anyhow::Result;

use crate::error::{fail, ExitKind};
use crate::types::{Contig, ContigId, Region};

fn find(contigs: &[Contig], name: &str) -> Option<ContigId> {
    contigs
        .iter()
        .position(|c| c.name == name)
        .map(ContigId::new)
}

fn parse_range(s: &str, len: u64, whole: &str) -> Result<(u64, u64)> {
    let bad = || {
        fail(
            ExitKind::Usage,
            format!("cannot parse region '{whole}': expected contig, contig:start or contig:start-end (1-based)"),
        )
    };
    let num = |t: &str| -> Result<u64> { t.replace(',', "").parse::<u64>().map_err(|_| bad()) };
    let (s1, e1) = match s.split_once('-') {
        Some((a, "")) => (num(a)?, len),
        Some((a, b)) => (num(a)?, num(b)?),
        None => (num(s)?, len),
    };
    if s1 == 0 || e1 < s1 {
        return Err(fail(
            ExitKind::Usage,
            format!(
                "region '{whole}' is empty or starts at 0 (coordinates are 1-based, start <= end)"
            ),
        ));
    }
    if s1 > len {
        return Err(fail(
            ExitKind::Usage,
            format!("region '{whole}' starts past the end of the contig (length {len})"),
        ));
    }
    Ok((s1 - 1, e1.min(len)))
}

/// Parses one region string against the header's contigs.
pub(crate) fn parse_region(s: &str, contigs: &[Contig]) -> Result<Region> {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('{') {
        let close = rest
            .find('}')
            .ok_or_else(|| fail(ExitKind::Usage, format!("region '{s}': unmatched '{{'")))?;
        let name = &rest[..close];
        let after = &rest[close + 1..];
        let contig = find(contigs, name).ok_or_else(|| unknown(name, contigs))?;
        let len = contigs[contig].len;
        let (start, end) = match after.strip_prefix(':') {
            Some(range) => parse_range(range, len, s)?,
            None if after.is_empty() => (0, len),
            None => return Err(fail(ExitKind::Usage, format!("cannot parse region '{s}'"))),
        };
        return Ok(Region { contig, start, end });
    }
    let whole = find(contigs, s);
    let split = s
        .rsplit_once(':')
        .and_then(|(name, range)| find(contigs, name).map(|c| (c, range)));
    match (whole, split) {
        (Some(_), Some((c, _))) => Err(fail(
            ExitKind::Usage,
            format!(
                "region '{s}' is ambiguous: it is a contig name and also a range on '{}'; write {{{s}}} for the contig or {{{}}}:range for the range",
                contigs[c].name, contigs[c].name
            ),
        )),
        (Some(c), None) => Ok(Region {
            contig: c,
            start: 0,
            end: contigs[c].len,
        }),
        (None, Some((c, range))) => {
            let (start, end) = parse_range(range, contigs[c].len, s)?;
            Ok(Region { contig: c, start, end })
        }
        (None, None) => {
            let name = s.rsplit_once(':').map(|(n, _)| n).unwrap_or(s);
            Err(unknown(name, contigs))
        }
    }
}

fn unknown(name: &str, contigs: &[Contig]) -> anyhow::Error {
    let mut names: Vec<&str> = contigs.iter().take(5).map(|c| c.name.as_str()).collect();
    if contigs.len() > 5 {
        names.push("...");
    }
    fail(
        ExitKind::Usage,
        format!(
            "contig '{name}' is not in the alignment header (it has: {}); check the region and the reference build",
            if names.is_empty() { "no contigs".to_string() } else { names.join(", ") }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contigs() -> Vec<Contig> {
        [
            "chr1",
            "chr1b",
            "chr1:100",
            "chr1:100-200",
            "chr2:100-200",
            "chr1,chr3",
        ]
        .iter()
        .map(|n| Contig {
            name: n.to_string(),
            len: 1000,
            md5: None,
        })
        .collect()
    }

    // The same queries as htslib's colons.bam cases (expected/edge_cases/htslib/colons.region_queries...)
    #[test]
    fn colon_names_resolve_like_htslib() {
        let c = contigs();
        let r = parse_region("chr1", &c).unwrap();
        assert_eq!((r.contig.index(), r.start, r.end), (0, 0, 1000));
        let r = parse_region("{chr1}:100", &c).unwrap();
        assert_eq!((r.contig.index(), r.start, r.end), (0, 99, 1000));
        let r = parse_region("{chr1:100}", &c).unwrap();
        assert_eq!(r.contig.index(), 2);
        assert!(parse_region("chr1:100", &c).is_err()); // ambiguous
        assert!(parse_region("chr1:100-200", &c).is_err()); // ambiguous
        assert_eq!(parse_region("chr2:100-200", &c).unwrap().contig.index(), 4);
        assert_eq!(parse_region("chr1,chr3", &c).unwrap().contig.index(), 5);
        let r = parse_region("chr1b:1,000-1,000", &c).unwrap();
        assert_eq!((r.start, r.end), (999, 1000));
    }

    #[test]
    fn unknown_contig_is_a_usage_error() {
        let e = parse_region("chrZ:1-10", &contigs()).unwrap_err();
        assert_eq!(crate::error::exit_kind(&e), ExitKind::Usage);
        assert!(e
            .to_string()
            .contains("'chrZ' is not in the alignment header"));
    }
}
