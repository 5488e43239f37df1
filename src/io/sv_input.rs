//! Structural-variant VCFs of other pipelines, given to `report --sv`: VCF 4.2 breakends
//! (`N[chr2:29223500[`, `]chr2:42522000]N`, one record per junction or a mate pair joined by
//! `MATEID`) and symbolic `<DEL>`, `<DUP>`, `<DUP:TANDEM>`, `<INV>` (with `END`/`SVLEN`, and
//! DELLY's `CT` or Manta's `INV3`/`INV5` for the junction of an inversion), as Manta, DELLY,
//! GRIDSS and `oncostream run` (`sv.vcf.gz`) write them. Plain text or (b)gzip.
//!
//! Read line by line (not through a VCF library) so that a refused record is named by its line.
//!
//! METHOD: breakend orientation, as in `types::sv` (`+`: the kept sequence ends at the
//! position, `-`: it starts there). A bracket ALT gives both (VCF 4.2 §5.4): `t[p[` and `t]p]`
//! keep the sequence left of this breakend (`+`), `]p]t` and `[p[t` the sequence right of it
//! (`-`); a `]` around the mate keeps the mate's left side (`+`), `[` its right side (`-`).
//! Symbolic alleles follow the VCF convention that POS is the base before the event: `<DEL>` of
//! POS+1..END joins POS (`+`) to END+1 (`-`); `<DUP>` of POS+1..END joins END (`+`) back to
//! POS+1 (`-`); `<INV>` of POS+1..END has two junctions, POS/END (`+`/`+`, DELLY `CT=3to3`,
//! Manta `INV3`) and POS+1/END+1 (`-`/`-`, `CT=5to5`, `INV5`), both kept when the record says
//! neither. DELLY's `<TRA>`/`<BND>` without bracket ALT take `CHR2`, `POS2` (else `END`) and `CT`
//! (`3`: `+`, `5`: `-`). Each junction is counted once: a record named by an earlier record's
//! `MATEID`, or joining the same two breakends as an earlier one, is its mate.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::text::read_text_gz;
use crate::error::{fail, ExitKind};
use crate::types::sv::{Orientation, StructuralVariant, SvSupport, SvType};
use crate::types::Pos1;

/// One junction of the file, with the line of the record it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct ExternalJunction {
    /// The junction (genes and copy-number fields empty: filled by the report).
    pub sv: StructuralVariant,
    /// Line of its first record in the file (1-based).
    pub line: u64,
}

/// A structural-variant VCF as `report --sv` needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct ExternalSvVcf {
    /// Path as given.
    pub path: PathBuf,
    /// MD5 of the file as stored.
    pub md5: String,
    /// The caller, from the header (`Manta 1.6.0`, `DELLY v1.1.6`, `GRIDSS`, ...), or
    /// `unknown caller`.
    pub caller: String,
    /// The sample column read supports come from, when the file has sample columns.
    pub tumor_sample: Option<String>,
    /// The other column of a two-sample file (the matched normal).
    pub normal_sample: Option<String>,
    /// Junctions of the kept records, in file order.
    pub junctions: Vec<ExternalJunction>,
    /// Junctions skipped for their FILTER (not `PASS` or `.`).
    pub filtered: usize,
    /// Records folded into their mate's junction.
    pub mates: usize,
    /// Single breakends (`G.`, `.G`): no partner, so no junction.
    pub single_breakends: usize,
    /// Records that are no junction between two loci (`<INS>`, `<CNV>`, sequence alleles
    /// without an SV type, breakends into assembly contigs).
    pub not_junctions: usize,
    /// True when the caller reported read support (split reads or pairs) for some junction.
    pub support_reported: bool,
}

/// A breakend end: contig, 1-based position, orientation.
type End = (String, u64, Orientation);

fn ori(c: u8) -> Option<Orientation> {
    match c {
        b'3' => Some(Orientation::Plus),
        b'5' => Some(Orientation::Minus),
        _ => None,
    }
}

/// DELLY's connection type (`3to5`, ...) as the two orientations.
fn connection(ct: &str) -> Option<(Orientation, Orientation)> {
    let b = ct.as_bytes();
    if b.len() == 4 && &b[1..3] == b"to" {
        Some((ori(b[0])?, ori(b[3])?))
    } else {
        None
    }
}

/// A bracket ALT: this breakend's orientation and the mate's end. `Ok(None)` for a breakend
/// into an assembly contig (`<ctg1>`).
fn parse_bnd(alt: &str) -> std::result::Result<Option<(Orientation, End)>, String> {
    let bad = || format!("breakend ALT '{alt}' is not of the form t[p[, t]p], ]p]t or [p[t");
    let first = alt.find(['[', ']']).ok_or_else(bad)?;
    let bracket = alt.as_bytes()[first];
    let last = alt.rfind(bracket as char).ok_or_else(bad)?;
    if last == first || alt[first + 1..last].contains(['[', ']']) {
        return Err(bad());
    }
    let (before, mate, after) = (&alt[..first], &alt[first + 1..last], &alt[last + 1..]);
    let own = match (before.is_empty(), after.is_empty()) {
        (false, true) => Orientation::Plus,
        (true, false) => Orientation::Minus,
        _ => return Err(bad()),
    };
    if mate.starts_with('<') {
        return Ok(None);
    }
    let (chrom, pos) = mate.rsplit_once(':').ok_or_else(bad)?;
    let pos: u64 = pos.parse().map_err(|_| bad())?;
    if chrom.is_empty() || pos == 0 {
        return Err(bad());
    }
    let mate_ori = if bracket == b']' {
        Orientation::Plus
    } else {
        Orientation::Minus
    };
    Ok(Some((own, (chrom.to_string(), pos, mate_ori))))
}

/// The INFO column as key -> value (flags map to "").
fn info_map(info: &str) -> HashMap<&str, &str> {
    info.split(';')
        .filter(|kv| !kv.is_empty() && *kv != ".")
        .map(|kv| kv.split_once('=').unwrap_or((kv, "")))
        .collect()
}

/// What one record describes.
enum Shape {
    Junctions(Vec<(End, End)>),
    Single,
    NotJunction,
}

/// The END of a symbolic record: `END`, else POS + |SVLEN|.
fn end_of(pos: u64, info: &HashMap<&str, &str>) -> std::result::Result<u64, String> {
    let end = match (info.get("END"), info.get("SVLEN")) {
        (Some(e), _) => e
            .parse::<u64>()
            .map_err(|_| format!("END '{e}' is not a position"))?,
        (None, Some(l)) => {
            let l: i64 = l
                .split(',')
                .next()
                .unwrap_or("")
                .parse()
                .map_err(|_| format!("SVLEN '{l}' is not a length"))?;
            pos + l.unsigned_abs()
        }
        (None, None) => return Err("a symbolic SV needs END or SVLEN".into()),
    };
    if end <= pos {
        return Err(format!("END {end} is not after POS {pos}"));
    }
    Ok(end)
}

/// The junctions of a record that is not a bracket breakend.
fn symbolic(
    chrom: &str,
    pos: u64,
    alt: &str,
    info: &HashMap<&str, &str>,
) -> std::result::Result<Shape, String> {
    let kind = match alt.strip_prefix('<').and_then(|a| a.strip_suffix('>')) {
        Some(a) => a.split(':').next().unwrap_or(a).to_string(),
        None => match info.get("SVTYPE") {
            Some(t) => t.to_string(),
            None => return Ok(Shape::NotJunction),
        },
    };
    let at = |p: u64, o: Orientation| (chrom.to_string(), p, o);
    let (plus, minus) = (Orientation::Plus, Orientation::Minus);
    let ct = match info.get("CT") {
        Some(c) => {
            Some(connection(c).ok_or_else(|| format!("CT '{c}' is not 3to3, 5to5, 3to5 or 5to3"))?)
        }
        None => None,
    };
    Ok(Shape::Junctions(match kind.as_str() {
        "DEL" => {
            let end = end_of(pos, info)?;
            vec![(at(pos, plus), at(end + 1, minus))]
        }
        "DUP" => {
            let end = end_of(pos, info)?;
            vec![(at(pos + 1, minus), at(end, plus))]
        }
        "INV" => {
            let end = end_of(pos, info)?;
            let three = (at(pos, plus), at(end, plus));
            let five = (at(pos + 1, minus), at(end + 1, minus));
            match (ct, info.contains_key("INV3"), info.contains_key("INV5")) {
                (Some((Orientation::Plus, Orientation::Plus)), _, _) | (None, true, false) => {
                    vec![three]
                }
                (Some((Orientation::Minus, Orientation::Minus)), _, _) | (None, false, true) => {
                    vec![five]
                }
                (None, _, _) => vec![three, five],
                (Some(_), _, _) => return Err("an <INV> with CT 3to5 or 5to3".into()),
            }
        }
        "TRA" | "BND" => {
            let chr2 = info
                .get("CHR2")
                .ok_or("a <TRA>/<BND> without bracket ALT needs CHR2")?;
            let p2 = info
                .get("POS2")
                .or(info.get("END"))
                .ok_or("a <TRA>/<BND> without bracket ALT needs POS2 or END")?;
            let p2: u64 = p2
                .parse()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("POS2/END '{p2}' is not a position"))?;
            let (o1, o2) = ct.ok_or("a <TRA>/<BND> without bracket ALT needs CT")?;
            vec![(at(pos, o1), (chr2.to_string(), p2, o2))]
        }
        _ => return Ok(Shape::NotJunction),
    }))
}

/// The junctions of one record.
fn shape(
    chrom: &str,
    pos: u64,
    alt: &str,
    info: &HashMap<&str, &str>,
) -> std::result::Result<Shape, String> {
    if alt.contains(',') {
        return Err(format!(
            "ALT '{alt}' has several alleles (one SV allele per record)"
        ));
    }
    if alt.contains(['[', ']']) {
        let Some((own, mate)) = parse_bnd(alt)? else {
            return Ok(Shape::NotJunction);
        };
        if let Some(c) = info.get("CT") {
            let want =
                connection(c).ok_or_else(|| format!("CT '{c}' is not 3to3, 5to5, 3to5 or 5to3"))?;
            if want != (own, mate.2) {
                return Err(format!("CT={c} disagrees with ALT '{alt}'"));
            }
        }
        return Ok(Shape::Junctions(vec![(
            (chrom.to_string(), pos, own),
            mate,
        )]));
    }
    if alt.len() > 1 && (alt.starts_with('.') || alt.ends_with('.')) {
        return Ok(Shape::Single);
    }
    symbolic(chrom, pos, alt, info)
}

/// The caller named by the header, else by DELLY's `SVMETHOD` or GRIDSS's record ids.
fn caller_of(source: Option<&str>, first_info: &HashMap<String, String>, first_id: &str) -> String {
    if let Some(s) = source {
        if let Some(v) = s.strip_prefix("GenerateSVCandidates") {
            return format!("Manta {}", v.trim()).trim().to_string();
        }
        if s.to_ascii_lowercase().contains("gridss") {
            return "GRIDSS".into();
        }
        if s.to_ascii_lowercase().contains("delly") {
            return "DELLY".into();
        }
        if s.starts_with("oncostream") {
            return s.to_string();
        }
    }
    if let Some(m) = first_info.get("SVMETHOD") {
        if let Some(v) = m.strip_prefix("EMBL.DELLY") {
            return format!("DELLY {v}");
        }
    }
    if first_id.starts_with("gridss") {
        return "GRIDSS".into();
    }
    match source {
        Some(s) => s.to_string(),
        None => "unknown caller".into(),
    }
}

/// Alternate-read count of one FORMAT value: the second of `ref,alt` (Manta's `PR`/`SR`),
/// else the one number (GRIDSS, DELLY, oncostream).
fn alt_count(v: &str) -> Option<u32> {
    let mut it = v.split(',');
    let a = it.next()?;
    match it.next() {
        Some(b) => b.parse().ok(),
        None => a.parse().ok(),
    }
}

/// Split reads and pairs of one sample column (`SR`/`RV`, `PR`/`RP`/`DV`), else the INFO's
/// (`SR`, `PE`, `RP`); None when neither says.
fn support(
    format: Option<&str>,
    column: Option<&str>,
    info: &HashMap<&str, &str>,
) -> Option<SvSupport> {
    let mut found = false;
    let mut get = |keys: &[&str]| -> u32 {
        if let (Some(f), Some(c)) = (format, column) {
            let vals: Vec<&str> = c.split(':').collect();
            for (i, k) in f.split(':').enumerate() {
                if keys.contains(&k) {
                    if let Some(n) = vals.get(i).and_then(|v| alt_count(v)) {
                        found = true;
                        return n;
                    }
                }
            }
        }
        for k in keys {
            if let Some(n) = info.get(k).and_then(|v| alt_count(v)) {
                found = true;
                return n;
            }
        }
        0
    };
    let s = SvSupport {
        split_reads: get(&["SR", "RV"]),
        discordant_pairs: get(&["PR", "RP", "DV", "PE"]),
    };
    found.then_some(s)
}

/// The tumor and normal columns: `##tumor_sample`/`##normal_sample`, else a column named like
/// a tumor, else the only column, else DELLY's first (tumor before control) or another
/// caller's last (Manta and GRIDSS somatic: normal first).
fn columns(
    samples: &[String],
    declared: (Option<&str>, Option<&str>),
    delly: bool,
) -> (Option<usize>, Option<usize>) {
    let find = |n: &str| samples.iter().position(|s| s == n);
    let tumor = declared
        .0
        .and_then(find)
        .or_else(|| {
            samples.iter().position(|s| {
                let l = s.to_ascii_lowercase();
                l.contains("tumor") || l.contains("tumour")
            })
        })
        .or_else(|| match samples.len() {
            0 => None,
            1 => Some(0),
            _ if delly => Some(0),
            n => Some(n - 1),
        });
    let normal = declared
        .1
        .and_then(find)
        .or_else(|| (samples.len() == 2).then(|| 1 - tumor.unwrap_or(0)));
    (tumor, normal.filter(|n| Some(*n) != tumor))
}

/// What the header says.
#[derive(Default)]
struct Header {
    source: Option<String>,
    tumor: Option<String>,
    normal: Option<String>,
    samples: Vec<String>,
    seen_columns: bool,
}

/// One junction as a [`StructuralVariant`], its breakends in position order.
fn junction(
    id: String,
    (a, b): (End, End),
    info: &HashMap<&str, &str>,
    tumor: Option<SvSupport>,
    normal: Option<SvSupport>,
) -> StructuralVariant {
    let (a, b) = if a.0 == b.0 && b.1 < a.1 {
        (b, a)
    } else {
        (a, b)
    };
    let ci = ["CIPOS", "CIEND"]
        .iter()
        .filter_map(|k| info.get(k))
        .flat_map(|v| v.split(','))
        .filter_map(|x| x.parse::<i64>().ok())
        .map(|x| x.unsigned_abs())
        .max()
        .unwrap_or(0);
    let precise = !info.contains_key("IMPRECISE");
    StructuralVariant {
        id,
        sv_type: SvType::of(a.0 == b.0, a.2, b.2),
        length: (a.0 == b.0).then(|| b.1 - a.1),
        chrom1: a.0,
        pos1: Pos1::new(a.1).expect("positions are checked to be >= 1"),
        orientation1: a.2,
        chrom2: b.0,
        pos2: Pos1::new(b.1).expect("positions are checked to be >= 1"),
        orientation2: b.2,
        precise,
        ci: u32::try_from(ci).unwrap_or(u32::MAX),
        homology_length: info
            .get("HOMLEN")
            .and_then(|v| v.split(',').next()?.parse().ok())
            .unwrap_or(0),
        copy_number_supported: false,
        copy_number_change: None,
        tumor: tumor.unwrap_or_default(),
        normal,
        genes1: Vec::new(),
        genes2: Vec::new(),
    }
}

/// Reads a structural-variant VCF. Records whose FILTER is neither `PASS` nor `.` are
/// checked and counted in `filtered`, and kept only with `keep_filtered`.
pub fn read_sv_vcf(path: &Path, keep_filtered: bool) -> Result<ExternalSvVcf> {
    let name = path.display().to_string();
    let (text, md5) = read_text_gz(path, "structural-variant VCF")?;
    let bad = |line: usize, why: String| {
        fail(
            ExitKind::Data,
            format!("{name}:{line}: {why} (not a VCF 4.2 structural-variant record)"),
        )
    };
    let mut h = Header::default();
    let mut out = ExternalSvVcf {
        path: path.to_path_buf(),
        md5,
        caller: String::new(),
        tumor_sample: None,
        normal_sample: None,
        junctions: Vec::new(),
        filtered: 0,
        mates: 0,
        single_breakends: 0,
        not_junctions: 0,
        support_reported: false,
    };
    // MATEID -> whether the junction of the record naming it was kept
    let mut mate_of: HashMap<String, bool> = HashMap::new();
    let mut seen: HashSet<(End, End)> = HashSet::new();
    let mut cols: (Option<usize>, Option<usize>) = (None, None);
    let mut first: Option<(HashMap<String, String>, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if let Some(meta) = line.strip_prefix("##") {
            if let Some(v) = meta.strip_prefix("source=") {
                h.source.get_or_insert_with(|| v.trim().to_string());
            } else if let Some(v) = meta.strip_prefix("tumor_sample=") {
                h.tumor = Some(v.trim().to_string());
            } else if let Some(v) = meta.strip_prefix("normal_sample=") {
                h.normal = Some(v.trim().to_string());
            }
            continue;
        }
        if let Some(head) = line.strip_prefix("#CHROM") {
            h.samples = head.split('\t').skip(9).map(str::to_string).collect();
            h.seen_columns = true;
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        if !h.seen_columns {
            return Err(bad(n, "a record before the #CHROM header line".into()));
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 8 {
            return Err(bad(n, format!("{} columns (at least 8)", f.len())));
        }
        let (chrom, id, alt, filter) = (f[0], f[2], f[4], f[6]);
        let pos: u64 = f[1]
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad(n, format!("POS '{}' is not a position", f[1])))?;
        let info = info_map(f[7]);
        if first.is_none() {
            let owned = info
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            first = Some((owned, id.to_string()));
            let (fi, fid) = first.as_ref().expect("just set");
            out.caller = caller_of(h.source.as_deref(), fi, fid);
            cols = columns(
                &h.samples,
                (h.tumor.as_deref(), h.normal.as_deref()),
                out.caller.starts_with("DELLY"),
            );
        }
        let ends = match shape(chrom, pos, alt, &info).map_err(|why| bad(n, why))? {
            Shape::Junctions(j) => j,
            Shape::Single => {
                out.single_breakends += 1;
                continue;
            }
            Shape::NotJunction => {
                out.not_junctions += 1;
                continue;
            }
        };
        if let Some(kept) = mate_of.remove(id).filter(|_| id != ".") {
            if kept {
                out.mates += 1;
            }
            continue;
        }
        let pass = matches!(filter, "PASS" | "." | "");
        let keep = pass || keep_filtered;
        if let Some(m) = info.get("MATEID") {
            mate_of.insert(m.to_string(), keep);
        }
        let fmt = f.get(8).copied();
        let col = |c: Option<usize>| c.and_then(|c| f.get(9 + c).copied());
        let tumor = support(fmt, col(cols.0), &info);
        let normal = cols
            .1
            .and_then(|_| support(fmt, col(cols.1), &HashMap::new()));
        let many = ends.len() > 1;
        for (k, e) in ends.into_iter().enumerate() {
            let key = if (&e.0 .0, e.0 .1) <= (&e.1 .0, e.1 .1) {
                (e.0.clone(), e.1.clone())
            } else {
                (e.1.clone(), e.0.clone())
            };
            if !seen.insert(key) {
                if keep {
                    out.mates += 1;
                }
                continue;
            }
            if !keep {
                out.filtered += 1;
                continue;
            }
            out.support_reported |= tumor.is_some();
            let sv_id = match (id, many) {
                (".", _) => format!("line{n}"),
                (_, true) => format!("{id}:{}", if k == 0 { "3to3" } else { "5to5" }),
                (_, false) => id.to_string(),
            };
            out.junctions.push(ExternalJunction {
                sv: junction(sv_id, e, &info, tumor, normal),
                line: n as u64,
            });
        }
    }
    if !h.seen_columns {
        return Err(fail(
            ExitKind::Data,
            format!("'{name}' is not a VCF: no #CHROM header line"),
        ));
    }
    if out.caller.is_empty() {
        out.caller = caller_of(h.source.as_deref(), &HashMap::new(), "");
    }
    out.tumor_sample = cols.0.and_then(|c| h.samples.get(c).cloned());
    out.normal_sample = cols.1.and_then(|c| h.samples.get(c).cloned());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/external")
            .join(name)
    }

    const HEAD: &str = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";

    fn parse(records: &str) -> Result<ExternalSvVcf> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sv.vcf");
        std::fs::write(&p, format!("{HEAD}{records}")).unwrap();
        read_sv_vcf(&p, false)
    }

    fn ends(v: &ExternalSvVcf) -> Vec<(String, u64, char, String, u64, char)> {
        v.junctions
            .iter()
            .map(|j| {
                let s = &j.sv;
                (
                    s.chrom1.clone(),
                    s.pos1.get(),
                    s.orientation1.symbol(),
                    s.chrom2.clone(),
                    s.pos2.get(),
                    s.orientation2.symbol(),
                )
            })
            .collect()
    }

    #[test]
    fn the_four_bracket_forms_give_the_vcf_specs_orientations() {
        // VCF 4.2 section 5.4: t[p[ (+,-), t]p] (+,+), ]p]t (-,+), [p[t (-,-)
        for (alt, o1, o2) in [
            ("G[chr2:500[", Orientation::Plus, Orientation::Minus),
            ("G]chr2:500]", Orientation::Plus, Orientation::Plus),
            ("]chr2:500]G", Orientation::Minus, Orientation::Plus),
            ("[chr2:500[G", Orientation::Minus, Orientation::Minus),
        ] {
            let (own, mate) = parse_bnd(alt).unwrap().unwrap();
            assert_eq!((own, mate.2), (o1, o2), "{alt}");
            assert_eq!((mate.0.as_str(), mate.1), ("chr2", 500));
        }
        // inserted bases, a contig with ':' in its name, a breakend into an assembly contig
        assert_eq!(
            parse_bnd("NTG]HLA-A*01:01:01:01:120]")
                .unwrap()
                .unwrap()
                .1
                 .0,
            "HLA-A*01:01:01:01"
        );
        assert_eq!(parse_bnd("N[<ctg1>:5[").unwrap(), None);
        for bad in [
            "N[chr2:500]",
            "[chr2:500[G[",
            "N[chr2[",
            "N[chr2:0[",
            "[chr2:5[",
        ] {
            assert!(parse_bnd(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn manta_mates_make_one_junction_and_filtered_pairs_are_counted_once() {
        let v = read_sv_vcf(&fixture("manta.somaticSV.vcf.gz"), false).unwrap();
        assert_eq!(v.caller, "Manta 1.6.0");
        assert_eq!(v.tumor_sample.as_deref(), Some("TUMOR"));
        assert_eq!(v.normal_sample.as_deref(), Some("NORMAL"));
        assert_eq!(
            ends(&v),
            vec![
                (
                    "chr2".into(),
                    29_224_000,
                    '+',
                    "chr2".into(),
                    42_296_000,
                    '+'
                ),
                // <DEL> of 60000001-60004000: POS (+) to END+1 (-)
                (
                    "chr2".into(),
                    60_000_000,
                    '+',
                    "chr2".into(),
                    60_004_001,
                    '-'
                ),
            ]
        );
        let alk = &v.junctions[0].sv;
        assert_eq!(alk.sv_type, SvType::Inversion);
        // TUMOR PR 21,11 and SR 19,9: the alt counts
        assert_eq!((alk.tumor.split_reads, alk.tumor.discordant_pairs), (9, 11));
        assert_eq!(alk.normal, Some(SvSupport::default()));
        assert_eq!((v.junctions[0].line, v.mates, v.filtered), (32, 1, 1));
        let del = &v.junctions[1].sv;
        assert!(!del.precise && del.ci == 150 && del.sv_type == SvType::Deletion);
        // --sv-keep-filtered keeps the MinSomaticScore pair, still as one junction
        let all = read_sv_vcf(&fixture("manta.somaticSV.vcf.gz"), true).unwrap();
        assert_eq!((all.junctions.len(), all.mates, all.filtered), (3, 2, 0));
    }

    #[test]
    fn delly_ct_inversions_and_bnd_translocations() {
        let v = read_sv_vcf(&fixture("delly.somatic.vcf"), false).unwrap();
        assert_eq!(v.caller, "DELLY v1.2.6");
        // DELLY writes the tumor column first
        assert_eq!(v.tumor_sample.as_deref(), Some("tumor"));
        assert_eq!(
            ends(&v),
            vec![
                // <INV> CT=3to3: POS and END, both +
                (
                    "chr2".into(),
                    29_224_000,
                    '+',
                    "chr2".into(),
                    42_296_000,
                    '+'
                ),
                (
                    "chr2".into(),
                    60_000_000,
                    '+',
                    "chr2".into(),
                    60_004_001,
                    '-'
                ),
                (
                    "chr2".into(),
                    100_000_000,
                    '+',
                    "chr17".into(),
                    10_000_000,
                    '-'
                ),
            ]
        );
        // FORMAT RV (junction reads) and DV (pairs) of the tumor column
        let inv = &v.junctions[0].sv;
        assert_eq!((inv.tumor.split_reads, inv.tumor.discordant_pairs), (9, 12));
        assert_eq!((inv.homology_length, inv.ci), (2, 2));
        assert_eq!(v.junctions[2].sv.sv_type, SvType::Translocation);
        assert_eq!(v.filtered, 1);
    }

    #[test]
    fn gridss_pairs_and_single_breakends() {
        let v = read_sv_vcf(&fixture("gridss.somatic.vcf"), false).unwrap();
        assert_eq!(v.caller, "GRIDSS");
        assert_eq!(v.tumor_sample.as_deref(), Some("tumor"));
        assert_eq!(
            ends(&v),
            vec![(
                "chr2".into(),
                29_224_000,
                '+',
                "chr2".into(),
                42_296_000,
                '+'
            )]
        );
        assert_eq!(v.junctions[0].sv.id, "gridss37fb_1290o");
        assert_eq!(
            (
                v.junctions[0].sv.tumor.split_reads,
                v.junctions[0].sv.tumor.discordant_pairs
            ),
            (8, 10)
        );
        assert_eq!((v.mates, v.single_breakends), (1, 1));
    }

    #[test]
    fn symbolic_alleles_follow_the_vcf_convention() {
        let v = parse(concat!(
            "chr1\t100\tdup\tN\t<DUP:TANDEM>\t.\tPASS\tSVTYPE=DUP;END=200\n",
            "chr1\t1000\tinv\tN\t<INV>\t.\tPASS\tSVTYPE=INV;END=2000\n",
            "chr1\t3000\tinv3\tN\t<INV>\t.\tPASS\tSVTYPE=INV;END=4000;INV3\n",
            "chr1\t5000\tinv5\tN\t<INV>\t.\tPASS\tSVTYPE=INV;END=6000;INV5\n",
            "chr1\t7000\tdel\tN\t<DEL>\t.\t.\tSVTYPE=DEL;SVLEN=-50\n",
            "chr1\t8000\ttra\tN\t<TRA>\t.\tPASS\tSVTYPE=TRA;CHR2=chr3;END=900;CT=5to3\n",
            "chr1\t9000\tins\tN\t<INS>\t.\tPASS\tSVTYPE=INS;SVLEN=300\n",
            "chr1\t9500\tsnv\tA\tG\t.\tPASS\t.\n",
        ))
        .unwrap();
        let c = |p1, o1, p2, o2| ("chr1".to_string(), p1, o1, "chr1".to_string(), p2, o2);
        let mut want = vec![
            c(101, '-', 200, '+'),
            c(1000, '+', 2000, '+'),
            c(1001, '-', 2001, '-'),
            c(3000, '+', 4000, '+'),
            c(5001, '-', 6001, '-'),
            c(7000, '+', 7051, '-'),
        ];
        want.push(("chr1".into(), 8000, '-', "chr3".into(), 900, '+'));
        assert_eq!(ends(&v), want);
        assert_eq!(v.junctions[0].sv.sv_type, SvType::Duplication);
        assert_eq!(v.junctions[1].sv.id, "inv:3to3");
        assert_eq!(v.not_junctions, 2);
        assert!(!v.support_reported);
        assert_eq!(v.caller, "unknown caller");
    }

    #[test]
    fn malformed_records_are_refused_with_file_and_line() {
        for (rec, why) in [
            ("chr1\tx\t.\tN\t<DEL>\t.\tPASS\tEND=5\n", "POS 'x'"),
            (
                "chr1\t10\t.\tN\t<DEL>\t.\tPASS\tSVTYPE=DEL\n",
                "END or SVLEN",
            ),
            ("chr1\t10\t.\tN\t<DEL>\t.\tPASS\tEND=5\n", "not after POS"),
            ("chr1\t10\t.\tN\tN[chr2:5]\t.\tPASS\t.\n", "breakend ALT"),
            ("chr1\t10\t.\tN\tN]chr2:5]\t.\tPASS\tCT=3to5\n", "disagrees"),
            (
                "chr1\t10\t.\tN\t<TRA>\t.\tPASS\tCHR2=chr2;POS2=5\n",
                "needs CT",
            ),
            (
                "chr1\t10\t.\tN\t<INV>\t.\tq10\tEND=50;CT=3to4\n",
                "CT '3to4'",
            ),
            ("chr1\t10\t.\tN\n", "4 columns"),
        ] {
            let e = parse(rec).unwrap_err();
            assert_eq!(crate::error::exit_kind(&e), ExitKind::Data);
            let m = e.to_string();
            assert!(m.contains("sv.vcf:3: ") && m.contains(why), "{m}");
        }
    }
}
