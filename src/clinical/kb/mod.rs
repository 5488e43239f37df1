//! The knowledge base: layered, versioned sources of evidence items, validated with file:line
//! errors, and the matching tables they need.
//!
//! Sources (`data/kb/`, compiled into the binary; `--kb DIR` or `--kb FILE` replaces them):
//! - `approvals_jp.tsv`: Japanese approvals (PMDA package inserts, MHLW notices) — level A
//!   "approved in Japan" for the cancer types of the row, C elsewhere;
//! - `approvals_us.tsv`: FDA approvals — level A "FDA-approved" here, C elsewhere;
//! - `guidelines.tsv`: guideline-level recommendations (A), resistance (R), prognostic and
//!   diagnostic statements, and real-world caveats (`low_benefit`, `greater_benefit`);
//! - `civic.tsv`: built by `oncostream kb build --civic` from the CC0 CIViC dump (levels B-E, R);
//! - `mane_select.tsv`: the MANE Select transcript of every gene a protein-level matcher names;
//! - `civic_known.tsv`: residues, exon classes and loss-of-function genes that `oncogenic_mutation`
//!   matches (built with `civic.tsv`); `known_curated.tsv` adds curated rows with a source each
//!   (tumour suppressors whose labels or studies count truncating variants).
//!
//! Every item file starts with `# file:`, `# version:`, `# date:` and `# licence:` lines, then
//! a header; `-` marks a field that does not apply. The formats are in `data/kb/README.md`.

pub mod cancer;
pub mod civic;
pub mod matcher;

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Result;
use serde::{Deserialize, Serialize};

pub use cancer::{Applies, CancerSet};
pub use matcher::{Alteration, CodonClass, ExonClass, Known, Matcher};

use super::oncotree::OncoTree;
use crate::error::{fail, ExitKind};

/// The shipped knowledge-base files, compiled in (name, text).
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "approvals_jp.tsv",
        include_str!("../../../data/kb/approvals_jp.tsv"),
    ),
    (
        "approvals_us.tsv",
        include_str!("../../../data/kb/approvals_us.tsv"),
    ),
    (
        "guidelines.tsv",
        include_str!("../../../data/kb/guidelines.tsv"),
    ),
    ("civic.tsv", include_str!("../../../data/kb/civic.tsv")),
    (
        "civic_known.tsv",
        include_str!("../../../data/kb/civic_known.tsv"),
    ),
    (
        "known_curated.tsv",
        include_str!("../../../data/kb/known_curated.tsv"),
    ),
    (
        "mane_select.tsv",
        include_str!("../../../data/kb/mane_select.tsv"),
    ),
];

/// How the built-in KB is named in provenance.
pub const BUILTIN_KB_NAME: &str = "builtin:data/kb";

/// Where an item comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A Japanese approval.
    ApprovalJp,
    /// An FDA approval.
    ApprovalUs,
    /// A guideline (or, for caveats and prognosis, a publication).
    Guideline,
    /// A CIViC evidence item.
    Civic,
}

/// Evidence type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceType {
    /// Response to a therapy.
    Predictive,
    /// Outcome.
    Prognostic,
    /// Diagnosis.
    Diagnostic,
}

/// Direction of an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Sensitivity/response.
    Sensitive,
    /// Resistance.
    Resistant,
    /// A caveat: less benefit than the approval suggests (real-world data).
    LowBenefit,
    /// A caveat: more benefit than average.
    GreaterBenefit,
    /// Poor outcome.
    PoorPrognosis,
    /// Better outcome.
    GoodPrognosis,
    /// Supports a diagnosis.
    SupportsDiagnosis,
}

impl Direction {
    fn parse(s: &str) -> Option<Direction> {
        Some(match s {
            "sensitive" => Direction::Sensitive,
            "resistant" => Direction::Resistant,
            "low_benefit" => Direction::LowBenefit,
            "greater_benefit" => Direction::GreaterBenefit,
            "poor_prognosis" => Direction::PoorPrognosis,
            "good_prognosis" => Direction::GoodPrognosis,
            "supports_diagnosis" => Direction::SupportsDiagnosis,
            _ => return None,
        })
    }

    fn fits(self, t: EvidenceType) -> bool {
        match t {
            EvidenceType::Predictive => matches!(
                self,
                Direction::Sensitive
                    | Direction::Resistant
                    | Direction::LowBenefit
                    | Direction::GreaterBenefit
            ),
            EvidenceType::Prognostic => {
                matches!(self, Direction::PoorPrognosis | Direction::GoodPrognosis)
            }
            EvidenceType::Diagnostic => self == Direction::SupportsDiagnosis,
        }
    }
}

/// One evidence item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// `JP-0001`, `US-0001`, `GL-0001`, `CIVIC-EID1234`.
    pub id: String,
    /// Source kind.
    pub source: SourceKind,
    /// Gene (None for biomarkers).
    pub gene: Option<String>,
    /// Matcher.
    pub matcher: Matcher,
    /// The `alteration` column as written.
    pub alteration: String,
    /// MANE Select accessions (RefSeq, Ensembl) of the gene, for transcript-dependent matchers.
    pub mane: Vec<String>,
    /// Cancer types covered.
    pub cancer: CancerSet,
    /// Evidence type.
    pub evidence_type: EvidenceType,
    /// Direction.
    pub direction: Direction,
    /// Regimen (drugs joined by `+`), for predictive items.
    pub regimen: Option<String>,
    /// CIViC evidence level (A-E), for CIViC items.
    pub civic_level: Option<char>,
    /// Approval date (approvals).
    pub date: Option<String>,
    /// Line of therapy / setting.
    pub line_of_therapy: Option<String>,
    /// Label condition or statement.
    pub statement: Option<String>,
    /// Companion diagnostics.
    pub companion_diagnostic: Option<String>,
    /// somatic / germline / somatic_or_germline.
    pub origin: Option<String>,
    /// The document a reviewer opens (package insert, label, guideline, CIViC evidence item).
    pub source_text: String,
    /// Its URL.
    pub url: String,
    /// `search` (seen in a document), `knowledge` (curator, not re-checked), `civic`.
    pub verified: String,
    /// File and line.
    pub file: String,
    /// Line number.
    pub line: usize,
}

/// One source file of a KB.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceFile {
    /// File name (its `# file:` kind).
    pub name: String,
    /// Where it was read from (`builtin:data/kb/...` for a table compiled into the binary).
    #[serde(default)]
    pub path: String,
    /// Evidence items it holds (0 for the lookup tables).
    #[serde(default)]
    pub items: usize,
    /// `# version:`.
    pub version: String,
    /// `# date:`.
    pub date: String,
    /// `# licence:`.
    pub licence: String,
    /// Data rows.
    pub rows: usize,
}

/// A loaded knowledge base.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Kb {
    /// Source files.
    pub files: Vec<SourceFile>,
    /// Items.
    pub items: Vec<Item>,
    /// Known oncogenic changes (for `oncogenic_mutation`).
    pub known: Known,
    /// MANE Select per gene.
    pub mane: HashMap<String, Vec<String>>,
}

impl Kb {
    /// The combined version (`approvals_jp 2026.11.1, ..., civic 2024-08-01`).
    pub fn version(&self) -> String {
        self.files
            .iter()
            .filter(|f| {
                !f.name.starts_with("mane")
                    && !f.name.starts_with("civic_known")
                    && !f.name.starts_with("known_")
            })
            .map(|f| format!("{} {}", f.name.trim_end_matches(".tsv"), f.version))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The latest `# date:` of the item files.
    pub fn date(&self) -> String {
        self.files
            .iter()
            .map(|f| f.date.clone())
            .max()
            .unwrap_or_default()
    }
}

/// The kind of an item file, from its `# file:` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FileKind {
    ApprovalJp,
    ApprovalUs,
    Guidelines,
    Civic,
    Known,
    KnownCurated,
    Mane,
}

const APPROVAL_HEADER: &str = "id\tgene\talteration\tcancer_types\texclude\tregimen\tapproval_date\tline_of_therapy\tlabel_condition\tcompanion_diagnostic\torigin\tsource\tsource_url\tverified\tnotes";
const GUIDELINE_HEADER: &str = "id\tgene\talteration\tcancer_types\texclude\tevidence_type\tregimen\tdirection\tstatement\tguideline\tguideline_version\tsource_url\tverified\tnotes";
/// Header of `civic.tsv`.
pub const CIVIC_HEADER: &str = "id\tgene\talteration\tcancer_types\texclude\tevidence_type\tregimen\tdirection\tcivic_level\tsignificance\torigin\tdisease\tstatement\tsource\tsource_url\tverified\tnotes";
/// Header of `civic_known.tsv`.
pub const KNOWN_HEADER: &str = "gene\tkind\tvalue\tcivic_variants";
const KNOWN_CURATED_HEADER: &str = "gene\tkind\tvalue\tsource\tsource_url";
const MANE_HEADER: &str = "gene\trefseq\tensembl\tmane_status";

impl FileKind {
    fn of(name_line: &str) -> Option<FileKind> {
        Some(match name_line {
            "approvals_jp.tsv" => FileKind::ApprovalJp,
            "approvals_us.tsv" => FileKind::ApprovalUs,
            "guidelines.tsv" => FileKind::Guidelines,
            "civic.tsv" => FileKind::Civic,
            "civic_known.tsv" => FileKind::Known,
            "known_curated.tsv" => FileKind::KnownCurated,
            "mane_select.tsv" => FileKind::Mane,
            _ => return None,
        })
    }

    fn header(self) -> &'static str {
        match self {
            FileKind::ApprovalJp | FileKind::ApprovalUs => APPROVAL_HEADER,
            FileKind::Guidelines => GUIDELINE_HEADER,
            FileKind::Civic => CIVIC_HEADER,
            FileKind::Known => KNOWN_HEADER,
            FileKind::KnownCurated => KNOWN_CURATED_HEADER,
            FileKind::Mane => MANE_HEADER,
        }
    }

    fn id_prefix(self) -> &'static str {
        match self {
            FileKind::ApprovalJp => "JP-",
            FileKind::ApprovalUs => "US-",
            FileKind::Guidelines => "GL-",
            FileKind::Civic => "CIVIC-EID",
            _ => "",
        }
    }
}

fn valid_date(d: &str) -> bool {
    let parts: Vec<&str> = d.split('-').collect();
    let num = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
    match parts.as_slice() {
        [y] => num(y, 4),
        [y, m] => num(y, 4) && num(m, 2),
        [y, m, dd] => num(y, 4) && num(m, 2) && num(dd, 2),
        _ => false,
    }
}

fn valid_gene(g: &str) -> bool {
    !g.is_empty()
        && g.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && g.as_bytes()[0].is_ascii_uppercase()
}

/// Lowercase drug names (INN; two-word names of conjugates such as `trastuzumab deruxtecan`
/// keep their space) joined by `+`.
fn valid_regimen(r: &str) -> bool {
    !r.is_empty()
        && r.split('+').all(|d| {
            !d.is_empty()
                && d == d.trim()
                && !d.contains("  ")
                && d.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == ' ')
        })
}

/// A citation that refers elsewhere instead of naming its source.
fn vague(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    ["as above", "ditto", "same as", "see above", "ibid"]
        .iter()
        .any(|p| l.contains(p))
}

/// Parses one KB file into `kb` (items, MANE or known-change tables); errors are collected as
/// `name:line: reason`.
fn parse_file(
    text: &str,
    name: &str,
    tree: &OncoTree,
    kb: &mut Kb,
    pending: &mut Vec<Item>,
    errors: &mut Vec<String>,
) {
    let mut meta: BTreeMap<&str, String> = BTreeMap::new();
    let mut kind: Option<FileKind> = None;
    let mut header_seen = false;
    let mut rows = 0usize;
    let mut ids: HashSet<String> = HashSet::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let items_before = pending.len();
    for (i, line) in text.lines().enumerate() {
        let ln = i + 1;
        if let Some(c) = line.chars().find(|c| c.is_control() && *c != '\t') {
            errors.push(format!(
                "{name}:{ln}: control character U+{:04X} (save the file as UTF-8 text with LF line ends; fields cannot hold NUL, CR or escape characters)",
                c as u32
            ));
            continue;
        }
        if let Some(c) = line.strip_prefix('#') {
            if header_seen {
                continue;
            }
            let c = c.trim();
            for key in ["file", "version", "date", "licence"] {
                if let Some(v) = c.strip_prefix(&format!("{key}:")) {
                    meta.insert(key, v.trim().to_string());
                }
            }
            if let Some(f) = meta.get("file") {
                if kind.is_none() {
                    kind = FileKind::of(f);
                    if kind.is_none() {
                        errors.push(format!(
                            "{name}:{ln}: unknown KB file kind '{f}' (approvals_jp.tsv, approvals_us.tsv, guidelines.tsv, civic.tsv, civic_known.tsv, known_curated.tsv, mane_select.tsv)"
                        ));
                        return;
                    }
                }
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let Some(k) = kind else {
            errors.push(format!(
                "{name}:{ln}: no '# file: <kind>.tsv' line before the data"
            ));
            return;
        };
        if !header_seen {
            header_seen = true;
            if line != k.header() {
                errors.push(format!(
                    "{name}:{ln}: expected the header '{}'",
                    k.header().replace('\t', " ")
                ));
                return;
            }
            for key in ["version", "date", "licence"] {
                if !meta.contains_key(key) {
                    errors.push(format!("{name}: missing '# {key}:' line"));
                }
            }
            if let Some(d) = meta.get("date") {
                if !(d.len() == 10 && valid_date(d)) {
                    errors.push(format!("{name}: date '{d}' is not YYYY-MM-DD"));
                }
            }
            continue;
        }
        rows += 1;
        let f: Vec<&str> = line.split('\t').collect();
        let want = k.header().split('\t').count();
        let mut bad = |why: String| errors.push(format!("{name}:{ln}: {why}"));
        if f.len() != want {
            bad(format!(
                "expected {want} tab-separated columns, found {}",
                f.len()
            ));
            continue;
        }
        if let Some(c) = f.iter().position(|c| c.trim().is_empty() || *c != c.trim()) {
            bad(format!(
                "column '{}' is empty or padded (write - when a field does not apply)",
                k.header().split('\t').nth(c).unwrap_or("?")
            ));
            continue;
        }
        match k {
            FileKind::Mane => {
                if !valid_gene(f[0]) {
                    bad(format!("'{}' is not a gene symbol", f[0]));
                }
                if !f[1].starts_with("NM_") || !f[2].starts_with("ENST") {
                    bad("refseq must be NM_..., ensembl ENST...".into());
                }
                if f[3] != "MANE Select" {
                    bad(format!("mane_status '{}' is not MANE Select", f[3]));
                }
                kb.mane
                    .insert(f[0].to_string(), vec![f[1].to_string(), f[2].to_string()]);
            }
            FileKind::Known | FileKind::KnownCurated => {
                if k == FileKind::KnownCurated && !f[4].starts_with("https://") {
                    bad(format!(
                        "source_url '{}' is not a URL a reviewer can open",
                        f[4]
                    ));
                }
                let g = f[0].to_string();
                match f[1] {
                    "residue" => match f[2].parse::<u32>() {
                        Ok(c) => {
                            kb.known.residues.insert((g, c));
                        }
                        Err(_) => bad(format!("residue '{}' is not a codon number", f[2])),
                    },
                    "exon_class" => match Matcher::parse(f[2]) {
                        Ok(Matcher::Exon(a, b, c)) if a == b => {
                            kb.known.exon_classes.push((g, a, c))
                        }
                        _ => bad(format!("exon_class '{}' is not exon<N>:<class>", f[2])),
                    },
                    "loss_of_function" => {
                        kb.known.loss_of_function.insert(g);
                    }
                    other => bad(format!(
                        "kind '{other}' is not residue, exon_class or loss_of_function"
                    )),
                }
            }
            _ => {
                if let Some(item) = parse_item(k, &f, name, ln, tree, &mut ids, &meta, &mut bad) {
                    pending.push(item);
                }
            }
        }
    }
    if kind.is_none() {
        errors.push(format!("{name}: no '# file: <kind>.tsv' line"));
        return;
    }
    kb.files.push(SourceFile {
        name: meta.get("file").cloned().unwrap_or_default(),
        path: name.to_string(),
        items: pending.len() - items_before,
        version: meta.get("version").cloned().unwrap_or_default(),
        date: meta.get("date").cloned().unwrap_or_default(),
        licence: meta.get("licence").cloned().unwrap_or_default(),
        rows,
    });
}

#[allow(clippy::too_many_arguments)]
fn parse_item(
    k: FileKind,
    f: &[&str],
    name: &str,
    ln: usize,
    tree: &OncoTree,
    ids: &mut HashSet<String>,
    meta: &BTreeMap<&str, String>,
    bad: &mut dyn FnMut(String),
) -> Option<Item> {
    let opt = |s: &str| (s != "-").then(|| s.to_string());
    let id = f[0];
    let prefix = k.id_prefix();
    let num = id.strip_prefix(prefix).unwrap_or("");
    // CIViC items of substitutable therapies are one row per drug: CIVIC-EID123.1, .2
    let (main, sub) = num.split_once('.').unwrap_or((num, "0"));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !id.starts_with(prefix)
        || !digits(main)
        || !digits(sub)
        || (k != FileKind::Civic && num.contains('.'))
    {
        bad(format!("id '{id}' must be {prefix}<number>"));
    }
    if !ids.insert(id.to_string()) {
        bad(format!("duplicate id '{id}'"));
    }
    let matcher = match Matcher::parse(f[2]) {
        Ok(m) => m,
        Err(e) => {
            bad(e);
            return None;
        }
    };
    let gene = if f[1] == "-" {
        if !matcher.is_biomarker() {
            bad(format!(
                "gene '-' goes only with a biomarker, not '{}'",
                f[2]
            ));
        }
        None
    } else {
        if !valid_gene(f[1]) {
            bad(format!("'{}' is not a gene symbol", f[1]));
        }
        if matcher.is_biomarker() {
            bad(format!("a biomarker ('{}') takes gene '-'", f[2]));
        }
        Some(f[1].to_string())
    };
    let cancer = match CancerSet::parse(f[3], f[4], tree) {
        Ok(c) => c,
        Err(e) => {
            bad(e);
            return None;
        }
    };
    let file_date = meta.get("date").cloned().unwrap_or_default();
    let (evidence_type, regimen, direction, civic_level) = match k {
        FileKind::ApprovalJp | FileKind::ApprovalUs => {
            (EvidenceType::Predictive, f[5], Direction::Sensitive, None)
        }
        FileKind::Guidelines | FileKind::Civic => {
            let t = match f[5] {
                "predictive" => EvidenceType::Predictive,
                "prognostic" => EvidenceType::Prognostic,
                "diagnostic" => EvidenceType::Diagnostic,
                other => {
                    bad(format!(
                        "evidence_type '{other}' is not predictive, prognostic or diagnostic"
                    ));
                    return None;
                }
            };
            let Some(d) = Direction::parse(f[7]) else {
                bad(format!("direction '{}' is not a known direction", f[7]));
                return None;
            };
            if !d.fits(t) {
                bad(format!(
                    "direction '{}' does not fit evidence_type '{}'",
                    f[7], f[5]
                ));
            }
            let level = if k == FileKind::Civic {
                let l = f[8].chars().next().filter(|c| ('A'..='E').contains(c));
                if l.is_none() || f[8].len() != 1 {
                    bad(format!("civic_level '{}' is not A-E", f[8]));
                }
                if d == Direction::Resistant && !matches!(l, Some('A') | Some('B')) {
                    bad("CIViC resistance below level B cannot make an R finding".into());
                }
                l
            } else {
                None
            };
            (t, f[6], d, level)
        }
        _ => unreachable!("item files only"),
    };
    let regimen = match (evidence_type, regimen) {
        (EvidenceType::Predictive, "-") => {
            bad("a predictive item needs a regimen".into());
            None
        }
        (EvidenceType::Predictive, r) => {
            if !valid_regimen(r) {
                bad(format!(
                    "regimen '{r}' is not lowercase drug names joined by +"
                ));
            }
            Some(r.to_string())
        }
        (_, "-") => None,
        (_, r) => {
            bad(format!(
                "regimen '{r}' on a {:?} item (write -)",
                evidence_type
            ));
            None
        }
    };
    let (date, line_of_therapy, statement, cdx, origin, source_text, url, verified) = match k {
        FileKind::ApprovalJp | FileKind::ApprovalUs => {
            if !valid_date(f[6]) {
                bad(format!("approval_date '{}' is not YYYY[-MM[-DD]]", f[6]));
            } else if f[6] > file_date.as_str() {
                bad(format!(
                    "approval_date {} is after the file's date {file_date}",
                    f[6]
                ));
            }
            if !matches!(f[10], "somatic" | "germline" | "somatic_or_germline") {
                bad(format!(
                    "origin '{}' is not somatic, germline or somatic_or_germline",
                    f[10]
                ));
            }
            (
                Some(f[6].to_string()),
                opt(f[7]),
                opt(f[8]),
                opt(f[9]),
                opt(f[10]),
                f[11].to_string(),
                f[12].to_string(),
                f[13].to_string(),
            )
        }
        FileKind::Civic if !matches!(f[10], "somatic" | "germline" | "unknown") => {
            bad(format!(
                "origin '{}' is not somatic, germline or unknown",
                f[10]
            ));
            return None;
        }
        FileKind::Guidelines => (
            None,
            None,
            opt(f[8]),
            None,
            None,
            format!("{} ({})", f[9], f[10]),
            f[11].to_string(),
            f[12].to_string(),
        ),
        FileKind::Civic => (
            None,
            None,
            opt(f[12]),
            None,
            opt(f[10]),
            f[13].to_string(),
            f[14].to_string(),
            f[15].to_string(),
        ),
        _ => unreachable!(),
    };
    if !matches!(verified.as_str(), "search" | "knowledge" | "civic") {
        bad(format!(
            "verified '{verified}' is not search, knowledge or civic"
        ));
    }
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        bad(format!(
            "source_url '{url}' is not a URL a reviewer can open"
        ));
    }
    if vague(&source_text) || source_text.len() < 5 {
        bad(format!("source '{source_text}' does not name a document"));
    }
    Some(Item {
        id: id.to_string(),
        source: match k {
            FileKind::ApprovalJp => SourceKind::ApprovalJp,
            FileKind::ApprovalUs => SourceKind::ApprovalUs,
            FileKind::Guidelines => SourceKind::Guideline,
            _ => SourceKind::Civic,
        },
        gene,
        matcher,
        alteration: f[2].to_string(),
        mane: Vec::new(),
        cancer,
        evidence_type,
        direction,
        regimen,
        civic_level,
        date,
        line_of_therapy,
        statement,
        companion_diagnostic: cdx,
        origin,
        source_text,
        url,
        verified,
        file: name.to_string(),
        line: ln,
    })
}

/// Parses and validates a KB from its files (name, text): every problem of every file is
/// reported as `file:line: reason` (exit 65). Items are attached to their gene's MANE Select
/// transcript; a transcript-dependent matcher on a gene without one is an error.
pub fn parse_files(files: &[(String, String)], tree: &OncoTree) -> Result<Kb> {
    let mut kb = Kb::default();
    let mut errors = Vec::new();
    let mut pending = Vec::new();
    // tables first (items need them), then items, in a fixed order
    let mut ordered: Vec<&(String, String)> = files.iter().collect();
    ordered.sort_by_key(|(n, t)| {
        let table = ["mane_select.tsv", "civic_known.tsv", "known_curated.tsv"]
            .iter()
            .any(|k| t.contains(&format!("# file: {k}")));
        (!table, n.clone())
    });
    for (name, text) in ordered {
        parse_file(text, name, tree, &mut kb, &mut pending, &mut errors);
    }
    for mut item in pending {
        if item.matcher.needs_transcript() {
            match item.gene.as_ref().and_then(|g| kb.mane.get(g)) {
                Some(m) => item.mane = m.clone(),
                None => errors.push(format!(
                    "{}:{}: gene '{}' has no MANE Select transcript in mane_select.tsv (needed by '{}')",
                    item.file,
                    item.line,
                    item.gene.as_deref().unwrap_or("-"),
                    item.alteration
                )),
            }
        }
        kb.items.push(item);
    }
    if !errors.is_empty() {
        return Err(fail(ExitKind::Data, errors.join("\n")));
    }
    if kb.items.is_empty() {
        return Err(fail(
            ExitKind::Data,
            "the knowledge base holds no evidence item",
        ));
    }
    Ok(kb)
}

/// The KB compiled into the binary.
pub fn builtin(tree: &OncoTree) -> Result<Kb> {
    let files: Vec<(String, String)> = BUILTIN_FILES
        .iter()
        .map(|(n, t)| (format!("data/kb/{n}"), t.to_string()))
        .collect();
    parse_files(&files, tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANE: &str = "# file: mane_select.tsv\n# version: t\n# date: 2026-01-01\n# licence: public domain\ngene\trefseq\tensembl\tmane_status\nBRAF\tNM_004333.6\tENST00000646891.2\tMANE Select\n";

    fn jp(rows: &str) -> String {
        format!("# file: approvals_jp.tsv\n# version: t\n# date: 2026-01-01\n# licence: CC0-1.0\n{APPROVAL_HEADER}\n{rows}")
    }

    #[test]
    fn the_builtin_kb_is_valid() {
        let kb = builtin(&OncoTree::bundled()).unwrap();
        assert!(kb.items.len() > 300, "{}", kb.items.len());
        assert!(kb.version().contains("approvals_jp"));
    }

    #[test]
    fn every_error_class_is_reported_with_file_and_line() {
        let tree = OncoTree::bundled();
        let good = "JP-0001\tBRAF\tp.V600E\tMEL\t-\tdabrafenib+trametinib\t2016-03\tany\tBRAF V600 melanoma\tTHxID\tsomatic\tPackage insert of Tafinlar\thttps://www.pmda.go.jp/\tsearch\t-";
        let ok = parse_files(&[("m".into(), MANE.into()), ("a".into(), jp(good))], &tree);
        assert!(ok.is_ok(), "{ok:?}");
        let cases = [
            (
                good.replace("\tMEL\t", "\tMEL,LUNG_ADENO\t"),
                "not an OncoTree",
            ),
            (good.replace("p.V600E", "V600E"), "unknown alteration"),
            (good.replace("\tBRAF\t", "\t-\t"), "biomarker"),
            (
                good.replace("dabrafenib+trametinib", "Dabrafenib"),
                "regimen",
            ),
            (
                good.replace("2016-03", "2027-01-01"),
                "after the file's date",
            ),
            (
                good.replace("Package insert of Tafinlar", "(as above)"),
                "does not name a document",
            ),
            (good.replace("https://www.pmda.go.jp/", "pmda"), "not a URL"),
            (good.replace("\tsearch\t", "\tguess\t"), "verified"),
            (good.replace("\tsomatic\t", "\t\t"), "empty or padded"),
            (good.replace("JP-0001", "X-1"), "id"),
            (good.replace("\tBRAF\t", "\tKRAS\t"), "no MANE Select"),
        ];
        for (row, want) in cases {
            let e = parse_files(&[("m".into(), MANE.into()), ("a".into(), jp(&row))], &tree)
                .unwrap_err()
                .to_string();
            assert!(e.contains("a:6:") && e.contains(want), "{want}: {e}");
        }
        let dup = format!("{good}\n{good}");
        let e = parse_files(&[("m".into(), MANE.into()), ("a".into(), jp(&dup))], &tree)
            .unwrap_err()
            .to_string();
        assert!(e.contains("a:7: duplicate id"), "{e}");
    }

    // ---- property tests (issue 19): a mutated table of the shipped KB never panics and is
    // refused naming file and line; a data row dropped is exactly one item fewer

    use proptest::prelude::*;

    fn shipped() -> Vec<(String, String)> {
        BUILTIN_FILES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect()
    }

    proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 48,
            failure_persistence: None,
            ..Default::default()
        })]

        #[test]
        fn a_mutated_kb_table_never_panics(
            file in 0usize..64,
            op in any::<u8>(),
            at in any::<usize>(),
            pick in any::<usize>(),
        ) {
            let tree = OncoTree::bundled();
            let mut files = shipped();
            let k = file % files.len();
            files[k].1 = crate::io::props::mutate(&files[k].1, op, at, pick);
            if let Err(e) = parse_files(&files, &tree) {
                prop_assert_eq!(crate::error::exit_kind(&e), ExitKind::Data);
                let msg = e.to_string();
                prop_assert!(
                    msg.lines().all(|l| l.contains(':')) && !msg.is_empty(),
                    "{msg}"
                );
            }
        }

        #[test]
        fn a_dropped_approval_row_is_one_item_fewer(row in any::<usize>()) {
            let tree = OncoTree::bundled();
            let all = parse_files(&shipped(), &tree).unwrap().items.len();
            let mut files = shipped();
            let k = files.iter().position(|(n, _)| n == "approvals_jp.tsv").unwrap();
            let lines: Vec<&str> = files[k].1.lines().collect();
            let data: Vec<usize> = (0..lines.len())
                .filter(|&i| !lines[i].starts_with('#') && lines[i].starts_with("JP-"))
                .collect();
            let drop = data[row % data.len()];
            let text: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != drop)
                .map(|(_, l)| *l)
                .collect();
            files[k].1 = text.join("\n") + "\n";
            prop_assert_eq!(parse_files(&files, &tree).unwrap().items.len(), all - 1);
        }
    }
}
