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
pub mod policy;

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Result;
use serde::{Deserialize, Serialize};

pub use cancer::{Applies, CancerSet};
pub use matcher::{Alteration, CodonClass, ExonClass, Known, Matcher};

use super::oncotree::OncoTree;
use crate::error::{fail, ExitKind};

/// The shipped knowledge-base files, compiled in (name, text).
pub(crate) const BUILTIN_FILES: &[(&str, &str)] = &[
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
    (
        "activating_classes.tsv",
        include_str!("../../../data/kb/activating_classes.tsv"),
    ),
    (
        "standard_jp.tsv",
        include_str!("../../../data/kb/standard_jp.tsv"),
    ),
    (
        "mane_structures.tsv",
        include_str!("../../../data/kb/mane_structures.tsv"),
    ),
];

/// How the built-in KB is named in provenance.
pub(crate) const BUILTIN_KB_NAME: &str = "builtin:data/kb";

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
    /// Calls for germline testing (MSI-H: Lynch syndrome): a note on every finding of the
    /// alteration, and an expert-panel reason.
    GermlineTesting,
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
            "germline_testing" => Direction::GermlineTesting,
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
            EvidenceType::Diagnostic => {
                matches!(
                    self,
                    Direction::SupportsDiagnosis | Direction::GermlineTesting
                )
            }
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
    /// The C-CAT level of a CIViC item in its own cancer type (B-E, `policy::ccat_level`).
    pub ccat_level: Option<char>,
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
    /// Drugs approved in Japan for a cancer type without a biomarker condition
    /// (`standard_jp.tsv`): their access route is never "investigational".
    pub standard_jp: Vec<StandardDrug>,
    /// Exon structures of MANE Select transcripts (`mane_structures.tsv`), for rules whose
    /// transcript the transcript models lack.
    pub structures: HashMap<String, ManeStructure>,
}

/// The exon structure of a gene's MANE Select transcript relative to its start codon.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManeStructure {
    /// Gene.
    pub gene: String,
    /// MANE Select accession.
    pub mane: String,
    /// The model the structure was read from (accession and version).
    pub model: String,
    /// Where (LRG record).
    pub source: String,
    /// Exons, transcript order: start..end relative to the first base of the start codon (0),
    /// in transcript direction.
    pub exons: Vec<(i64, i64)>,
    /// The stop codon's last base, relative.
    pub cds_end: i64,
}

impl ManeStructure {
    fn parse(f: &[&str]) -> Result<ManeStructure, String> {
        let mut exons = Vec::new();
        for e in f[4].split(',') {
            let (a, b) = e
                .split_once("..")
                .ok_or_else(|| format!("exon '{e}' is not start..end"))?;
            let (a, b): (i64, i64) = match (a.parse(), b.parse()) {
                (Ok(a), Ok(b)) if a <= b => (a, b),
                _ => return Err(format!("exon '{e}' is not start..end")),
            };
            if exons.last().is_some_and(|&(_, pe): &(i64, i64)| a <= pe) {
                return Err(format!("exon '{e}' overlaps or precedes the one before"));
            }
            exons.push((a, b));
        }
        let cds_end: i64 = f[5]
            .parse()
            .map_err(|_| format!("cds_end '{}' is not a number", f[5]))?;
        let inside = |p: i64| exons.iter().any(|&(a, b)| a <= p && p <= b);
        if !inside(0) || !inside(cds_end) {
            return Err("the start codon (0) and cds_end must lie in exons".into());
        }
        if !f[1].starts_with("NM_") || !valid_gene(f[0]) {
            return Err(format!(
                "'{} {}' is not a gene and a RefSeq accession",
                f[0], f[1]
            ));
        }
        Ok(ManeStructure {
            gene: f[0].to_string(),
            mane: f[1].to_string(),
            model: f[2].to_string(),
            source: f[3].to_string(),
            exons,
            cds_end,
        })
    }
}

/// A drug approved in Japan for cancer types without a biomarker condition (cytotoxic
/// chemotherapy, anti-angiogenics, hormone therapy), from its package insert.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StandardDrug {
    /// INN, lowercase.
    pub drug: String,
    /// Cancer types of the package insert's indications.
    pub cancer: CancerSet,
    /// The document (package insert).
    pub source: String,
    /// Its URL.
    pub url: String,
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
                    && !f.name.starts_with("activating_")
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
    Activating,
    StandardJp,
    Structures,
}

const APPROVAL_HEADER: &str = "id\tgene\talteration\tcancer_types\texclude\tregimen\tapproval_date\tline_of_therapy\tlabel_condition\tcompanion_diagnostic\torigin\tsource\tsource_url\tverified\tnotes";
const GUIDELINE_HEADER: &str = "id\tgene\talteration\tcancer_types\texclude\tevidence_type\tregimen\tdirection\tstatement\tguideline\tguideline_version\tsource_url\tverified\tnotes";
/// Header of `civic.tsv`.
pub(crate) const CIVIC_HEADER: &str = "id\tgene\talteration\tcancer_types\texclude\tevidence_type\tregimen\tdirection\tcivic_level\tccat_level\tsignificance\torigin\tdisease\tstatement\tsource\tsource_url\tverified\tnotes";
/// Header of `civic_known.tsv`.
pub(crate) const KNOWN_HEADER: &str = "gene\tkind\tvalue\tcivic_variants";
const KNOWN_CURATED_HEADER: &str = "gene\tkind\tvalue\tsource\tsource_url";
const MANE_HEADER: &str = "gene\trefseq\tensembl\tmane_status";
const ACTIVATING_HEADER: &str = "gene\talteration\tsource\tsource_url";
const STANDARD_HEADER: &str = "drug\tcancer_types\texclude\tsource\tsource_url\tverified\tnotes";
const STRUCTURES_HEADER: &str = "gene\tmane\tmodel\tsource\texons\tcds_end";

/// The file kinds a `# file:` line may name.
const FILE_KINDS: &str = "approvals_jp.tsv, approvals_us.tsv, guidelines.tsv, civic.tsv, civic_known.tsv, known_curated.tsv, mane_select.tsv, activating_classes.tsv, standard_jp.tsv, mane_structures.tsv";

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
            "activating_classes.tsv" => FileKind::Activating,
            "standard_jp.tsv" => FileKind::StandardJp,
            "mane_structures.tsv" => FileKind::Structures,
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
            FileKind::Activating => ACTIVATING_HEADER,
            FileKind::StandardJp => STANDARD_HEADER,
            FileKind::Structures => STRUCTURES_HEADER,
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

    /// Tables other rows need (parsed first).
    fn is_table(self) -> bool {
        matches!(
            self,
            FileKind::Mane
                | FileKind::Known
                | FileKind::KnownCurated
                | FileKind::Activating
                | FileKind::Structures
        )
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

/// The state of one file while it is read: its `#` meta lines, kind and header.
#[derive(Default)]
struct FileState<'a> {
    meta: BTreeMap<&'static str, String>,
    kind: Option<FileKind>,
    header_seen: bool,
    rows: usize,
    ids: HashSet<String>,
    name: &'a str,
}

impl FileState<'_> {
    /// Reads a `#` line before the header; Err when the file names an unknown kind.
    fn meta_line(&mut self, comment: &str, ln: usize) -> Result<(), String> {
        if self.header_seen {
            return Ok(());
        }
        let c = comment.trim();
        for key in ["file", "version", "date", "licence"] {
            if let Some(v) = c.strip_prefix(&format!("{key}:")) {
                self.meta.insert(key, v.trim().to_string());
            }
        }
        if let (None, Some(f)) = (self.kind, self.meta.get("file")) {
            self.kind = FileKind::of(f);
            if self.kind.is_none() {
                return Err(format!(
                    "{}:{ln}: unknown KB file kind '{f}' ({FILE_KINDS})",
                    self.name
                ));
            }
        }
        Ok(())
    }

    /// Checks the header line and the meta lines before it; Err ends the file.
    fn header(&mut self, k: FileKind, line: &str, ln: usize, errors: &mut Vec<String>) -> bool {
        self.header_seen = true;
        let name = self.name;
        if line != k.header() {
            errors.push(format!(
                "{name}:{ln}: expected the header '{}'",
                k.header().replace('\t', " ")
            ));
            return false;
        }
        for key in ["version", "date", "licence"] {
            if !self.meta.contains_key(key) {
                errors.push(format!("{name}: missing '# {key}:' line"));
            }
        }
        if let Some(d) = self.meta.get("date") {
            if !(d.len() == 10 && valid_date(d)) {
                errors.push(format!("{name}: date '{d}' is not YYYY-MM-DD"));
            }
        }
        true
    }
}

/// Parses one KB file into `kb` (items, MANE, known-change, activating-class and standard-therapy
/// tables); errors are collected as `name:line: reason`.
fn parse_file(
    text: &str,
    name: &str,
    tree: &OncoTree,
    kb: &mut Kb,
    pending: &mut Vec<Item>,
    errors: &mut Vec<String>,
) {
    let mut st = FileState {
        name,
        ..Default::default()
    };
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
            if let Err(e) = st.meta_line(c, ln) {
                errors.push(e);
                return;
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let Some(k) = st.kind else {
            errors.push(format!(
                "{name}:{ln}: no '# file: <kind>.tsv' line before the data"
            ));
            return;
        };
        if !st.header_seen {
            if !st.header(k, line, ln, errors) {
                return;
            }
            continue;
        }
        st.rows += 1;
        let mut bad = |why: String| errors.push(format!("{name}:{ln}: {why}"));
        let Some(f) = split_row(k, line, &mut bad) else {
            continue;
        };
        match k {
            FileKind::ApprovalJp
            | FileKind::ApprovalUs
            | FileKind::Guidelines
            | FileKind::Civic => {
                let row = Row { k, f: &f, name, ln };
                if let Some(item) = parse_item(&row, tree, &mut st.ids, &st.meta, &mut bad) {
                    pending.push(item);
                }
            }
            _ => table_row(k, &f, tree, kb, &mut bad),
        }
    }
    if st.kind.is_none() {
        errors.push(format!("{name}: no '# file: <kind>.tsv' line"));
        return;
    }
    let meta = |k: &str| st.meta.get(k).cloned().unwrap_or_default();
    kb.files.push(SourceFile {
        name: meta("file"),
        path: name.to_string(),
        items: pending.len() - items_before,
        version: meta("version"),
        date: meta("date"),
        licence: meta("licence"),
        rows: st.rows,
    });
}

/// A data row's fields: as many as the header names, none empty or padded.
fn split_row<'a>(k: FileKind, line: &'a str, bad: &mut dyn FnMut(String)) -> Option<Vec<&'a str>> {
    let f: Vec<&str> = line.split('\t').collect();
    let want = k.header().split('\t').count();
    if f.len() != want {
        bad(format!(
            "expected {want} tab-separated columns, found {}",
            f.len()
        ));
        return None;
    }
    if let Some(c) = f.iter().position(|c| c.trim().is_empty() || *c != c.trim()) {
        bad(format!(
            "column '{}' is empty or padded (write - when a field does not apply)",
            k.header().split('\t').nth(c).unwrap_or("?")
        ));
        return None;
    }
    Some(f)
}

/// A row of a table file (MANE, known changes, activating classes, standard therapies).
fn table_row(k: FileKind, f: &[&str], tree: &OncoTree, kb: &mut Kb, bad: &mut dyn FnMut(String)) {
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
        FileKind::Known | FileKind::KnownCurated => known_row(k, f, kb, bad),
        FileKind::Activating => {
            if !f[3].starts_with("https://") {
                bad(format!(
                    "source_url '{}' is not a URL a reviewer can open",
                    f[3]
                ));
            }
            match Matcher::parse(f[1]) {
                Ok(m)
                    if m.needs_transcript()
                        && m != Matcher::ActivatingMutation
                        && m != Matcher::OncogenicMutation =>
                {
                    kb.known.activating.push((f[0].to_string(), m))
                }
                Ok(_) => bad(format!(
                    "activating class '{}' is not a protein, codon or exon matcher",
                    f[1]
                )),
                Err(e) => bad(e),
            }
        }
        FileKind::StandardJp => standard_row(f, tree, kb, bad),
        FileKind::Structures => match ManeStructure::parse(f) {
            Ok(st) => {
                kb.structures.insert(st.gene.clone(), st);
            }
            Err(e) => bad(e),
        },
        _ => unreachable!("table files only"),
    }
}

fn known_row(k: FileKind, f: &[&str], kb: &mut Kb, bad: &mut dyn FnMut(String)) {
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
            Ok(Matcher::Exon(a, b, c)) if a == b => kb.known.exon_classes.push((g, a, c)),
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

fn standard_row(f: &[&str], tree: &OncoTree, kb: &mut Kb, bad: &mut dyn FnMut(String)) {
    if !valid_regimen(f[0]) || f[0].contains('+') {
        bad(format!("drug '{}' is not one lowercase drug name", f[0]));
    }
    if let Some(why) = policy::non_drug(f[0]) {
        bad(format!("drug '{}' is {why}", f[0]));
    }
    if !(f[4].starts_with("https://") || f[4].starts_with("http://")) {
        bad(format!(
            "source_url '{}' is not a URL a reviewer can open",
            f[4]
        ));
    }
    if !matches!(f[5], "search" | "knowledge") {
        bad(format!("verified '{}' is not search or knowledge", f[5]));
    }
    match CancerSet::parse(f[1], f[2], tree) {
        Ok(cancer) => kb.standard_jp.push(StandardDrug {
            drug: f[0].to_string(),
            cancer,
            source: f[3].to_string(),
            url: f[4].to_string(),
        }),
        Err(e) => bad(e),
    }
}

/// One data row of an item file.
struct Row<'a> {
    k: FileKind,
    f: &'a [&'a str],
    name: &'a str,
    ln: usize,
}

/// Evidence type, direction, regimen and levels of an item row.
struct Evidence<'a> {
    evidence_type: EvidenceType,
    regimen: &'a str,
    direction: Direction,
    civic_level: Option<char>,
    ccat_level: Option<char>,
}

/// Where an item's statement comes from.
struct Provenance {
    date: Option<String>,
    line_of_therapy: Option<String>,
    statement: Option<String>,
    cdx: Option<String>,
    origin: Option<String>,
    source_text: String,
    url: String,
    verified: String,
}

fn opt(s: &str) -> Option<String> {
    (s != "-").then(|| s.to_string())
}

fn check_id(r: &Row<'_>, ids: &mut HashSet<String>, bad: &mut dyn FnMut(String)) {
    let id = r.f[0];
    let prefix = r.k.id_prefix();
    let num = id.strip_prefix(prefix).unwrap_or("");
    // CIViC items of substitutable therapies are one row per drug: CIVIC-EID123.1, .2
    let (main, sub) = num.split_once('.').unwrap_or((num, "0"));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !id.starts_with(prefix)
        || !digits(main)
        || !digits(sub)
        || (r.k != FileKind::Civic && num.contains('.'))
    {
        bad(format!("id '{id}' must be {prefix}<number>"));
    }
    if !ids.insert(id.to_string()) {
        bad(format!("duplicate id '{id}'"));
    }
}

fn gene_of(f: &[&str], matcher: &Matcher, bad: &mut dyn FnMut(String)) -> Option<String> {
    if f[1] == "-" {
        if !matcher.is_biomarker() {
            bad(format!(
                "gene '-' goes only with a biomarker, not '{}'",
                f[2]
            ));
        }
        return None;
    }
    if !valid_gene(f[1]) {
        bad(format!("'{}' is not a gene symbol", f[1]));
    }
    if matcher.is_biomarker() {
        bad(format!("a biomarker ('{}') takes gene '-'", f[2]));
    }
    Some(f[1].to_string())
}

/// Evidence type, direction and levels (approvals: predictive, sensitive).
fn evidence_of<'a>(r: &Row<'a>, bad: &mut dyn FnMut(String)) -> Option<Evidence<'a>> {
    let f = r.f;
    if matches!(r.k, FileKind::ApprovalJp | FileKind::ApprovalUs) {
        return Some(Evidence {
            evidence_type: EvidenceType::Predictive,
            regimen: f[5],
            direction: Direction::Sensitive,
            civic_level: None,
            ccat_level: None,
        });
    }
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
    let (civic_level, ccat_level) = if r.k == FileKind::Civic {
        let letter = |s: &str, allowed: std::ops::RangeInclusive<char>| {
            s.chars()
                .next()
                .filter(|c| s.len() == 1 && allowed.contains(c))
        };
        let civic = letter(f[8], 'A'..='E');
        let ccat = letter(f[9], 'B'..='E');
        if civic.is_none() {
            bad(format!("civic_level '{}' is not A-E", f[8]));
        }
        if ccat.is_none() {
            bad(format!("ccat_level '{}' is not B-E", f[9]));
        }
        if let (Some(c), Some(l)) = (civic, ccat) {
            if let Some(p) = policy::civic_level_problem(c, l, d == Direction::Resistant) {
                bad(p);
            }
        }
        (civic, ccat)
    } else {
        (None, None)
    };
    Some(Evidence {
        evidence_type: t,
        regimen: f[6],
        direction: d,
        civic_level,
        ccat_level,
    })
}

/// The regimen of a predictive item (lowercase drugs, no procedures, classes or codes).
fn regimen_of(e: &Evidence<'_>, bad: &mut dyn FnMut(String)) -> Option<String> {
    match (e.evidence_type, e.regimen) {
        (EvidenceType::Predictive, "-") => {
            bad("a predictive item needs a regimen".into());
            None
        }
        (EvidenceType::Predictive, r) => {
            if !valid_regimen(r) {
                bad(format!(
                    "regimen '{r}' is not lowercase drug names joined by +"
                ));
            } else if let Some((d, why)) = policy::non_drug_regimen(r) {
                bad(format!(
                    "regimen '{r}': '{d}' is {why} (therapy tables name drugs only; see the curation policy)"
                ));
            }
            Some(r.to_string())
        }
        (_, "-") => None,
        (t, r) => {
            bad(format!("regimen '{r}' on a {t:?} item (write -)"));
            None
        }
    }
}

fn provenance_of(r: &Row<'_>, file_date: &str, bad: &mut dyn FnMut(String)) -> Option<Provenance> {
    let f = r.f;
    let p = match r.k {
        FileKind::ApprovalJp | FileKind::ApprovalUs => {
            if !valid_date(f[6]) {
                bad(format!("approval_date '{}' is not YYYY[-MM[-DD]]", f[6]));
            } else if f[6] > file_date {
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
            Provenance {
                date: Some(f[6].to_string()),
                line_of_therapy: opt(f[7]),
                statement: opt(f[8]),
                cdx: opt(f[9]),
                origin: opt(f[10]),
                source_text: f[11].to_string(),
                url: f[12].to_string(),
                verified: f[13].to_string(),
            }
        }
        FileKind::Guidelines => Provenance {
            date: None,
            line_of_therapy: None,
            statement: opt(f[8]),
            cdx: None,
            origin: None,
            source_text: format!("{} ({})", f[9], f[10]),
            url: f[11].to_string(),
            verified: f[12].to_string(),
        },
        FileKind::Civic => {
            if !matches!(f[11], "somatic" | "germline" | "unknown") {
                bad(format!(
                    "origin '{}' is not somatic, germline or unknown",
                    f[11]
                ));
                return None;
            }
            Provenance {
                date: None,
                line_of_therapy: None,
                statement: opt(f[13]),
                cdx: None,
                origin: opt(f[11]),
                source_text: f[14].to_string(),
                url: f[15].to_string(),
                verified: f[16].to_string(),
            }
        }
        _ => unreachable!("item files only"),
    };
    if !matches!(p.verified.as_str(), "search" | "knowledge" | "civic") {
        bad(format!(
            "verified '{}' is not search, knowledge or civic",
            p.verified
        ));
    }
    if !(p.url.starts_with("https://") || p.url.starts_with("http://")) {
        bad(format!(
            "source_url '{}' is not a URL a reviewer can open",
            p.url
        ));
    }
    if vague(&p.source_text) || p.source_text.len() < 5 {
        bad(format!(
            "source '{}' does not name a document",
            p.source_text
        ));
    }
    Some(p)
}

fn parse_item(
    r: &Row<'_>,
    tree: &OncoTree,
    ids: &mut HashSet<String>,
    meta: &BTreeMap<&str, String>,
    bad: &mut dyn FnMut(String),
) -> Option<Item> {
    let f = r.f;
    check_id(r, ids, bad);
    let matcher = match Matcher::parse(f[2]) {
        Ok(m) => m,
        Err(e) => {
            bad(e);
            return None;
        }
    };
    let gene = gene_of(f, &matcher, bad);
    let cancer = match CancerSet::parse(f[3], f[4], tree) {
        Ok(c) => c,
        Err(e) => {
            bad(e);
            return None;
        }
    };
    let e = evidence_of(r, bad)?;
    let regimen = regimen_of(&e, bad);
    let file_date = meta.get("date").cloned().unwrap_or_default();
    let p = provenance_of(r, &file_date, bad)?;
    Some(Item {
        id: f[0].to_string(),
        source: match r.k {
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
        evidence_type: e.evidence_type,
        direction: e.direction,
        regimen,
        civic_level: e.civic_level,
        ccat_level: e.ccat_level,
        date: p.date,
        line_of_therapy: p.line_of_therapy,
        statement: p.statement,
        companion_diagnostic: p.cdx,
        origin: p.origin,
        source_text: p.source_text,
        url: p.url,
        verified: p.verified,
        file: r.name.to_string(),
        line: r.ln,
    })
}

/// Attaches each pending item to its gene's MANE Select transcript (an error for a
/// transcript-dependent matcher on a gene without one, or an `activating_mutation` of a gene
/// without activating classes) and adds it to the KB.
fn attach_items(kb: &mut Kb, pending: Vec<Item>, errors: &mut Vec<String>) {
    for mut item in pending {
        let gene = item.gene.as_deref().unwrap_or("-");
        if item.matcher.needs_transcript() {
            match item.gene.as_ref().and_then(|g| kb.mane.get(g)) {
                Some(m) => item.mane = m.clone(),
                None => errors.push(format!(
                    "{}:{}: gene '{gene}' has no MANE Select transcript in mane_select.tsv (needed by '{}')",
                    item.file, item.line, item.alteration
                )),
            }
        }
        if item.matcher == Matcher::ActivatingMutation
            && !kb.known.activating.iter().any(|(g, _)| g == gene)
        {
            errors.push(format!(
                "{}:{}: gene '{gene}' has no activating classes in activating_classes.tsv (needed by 'activating_mutation')",
                item.file, item.line
            ));
        }
        kb.items.push(item);
    }
}

/// Parses and validates a KB from its files (name, text): every problem of every file is
/// reported as `file:line: reason` (exit 65), including violations of the curation policy
/// (`policy`: non-drug regimens, CIViC levels, a regimen both A/B and R for the same alteration
/// and cancer type). Items are attached to their gene's MANE Select transcript; a
/// transcript-dependent matcher on a gene without one is an error.
pub(crate) fn parse_files(files: &[(String, String)], tree: &OncoTree) -> Result<Kb> {
    let mut kb = Kb::default();
    let mut errors = Vec::new();
    let mut pending = Vec::new();
    // tables first (items need them), then items, in a fixed order
    let mut ordered: Vec<&(String, String)> = files.iter().collect();
    ordered.sort_by_key(|(n, t)| {
        let table = t.lines().take(5).any(|l| {
            l.strip_prefix("# file:")
                .and_then(|k| FileKind::of(k.trim()))
                .is_some_and(FileKind::is_table)
        });
        (!table, n.clone())
    });
    for (name, text) in ordered {
        parse_file(text, name, tree, &mut kb, &mut pending, &mut errors);
    }
    attach_items(&mut kb, pending, &mut errors);
    errors.extend(policy::conflicts(&kb, tree));
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
