//! `kb build --civic`: the CC0 CIViC evidence dump as knowledge-base rows (`civic.tsv`) and the
//! known oncogenic changes `oncogenic_mutation` matches (`civic_known.tsv`).
//!
//! METHOD (mapping, tested; counts in the build log and in the file header; the curation policy
//! itself is `policy`):
//! - accepted evidence only; `Does Not Support` never becomes an item (and never an R);
//! - every item gets its C-CAT level in its own cancer type (`ccat_level`, with the basis in
//!   `notes`): CIViC A → B; CIViC B → B when the statement names a randomised, phase 3,
//!   registrational or meta-analytic design, else C (small trials and series); pan-cancer
//!   diseases → C; CIViC C → D; D and E → E (`policy::ccat_level`);
//! - Predictive `Sensitivity/Response` → `sensitive`; Predictive `Resistance` → `resistant` only
//!   at C-CAT B (strong evidence in that cancer type), else dropped; Prognostic `Poor/Better
//!   Outcome` → `poor_prognosis` / `good_prognosis`; Diagnostic `Positive` →
//!   `supports_diagnosis`; other significances, Predisposing, Oncogenic and Functional evidence
//!   are not items (the last two feed the known changes);
//! - molecular profiles: one variant only (compound `AND`/`OR` profiles dropped); protein changes
//!   → `p.`; a bare residue (`V600`) → `codon:N:missense`; `G12/G13` → both codons; `Exon N
//!   Deletion/Insertion/Mutation/Skipping Mutation` → exon classes; `Mutation` →
//!   `oncogenic_mutation`, except sensitivity items of a gene with curated activating classes
//!   (`activating_classes.tsv`: EGFR), which become `activating_mutation`; `Loss-of-function`,
//!   `Truncating Mutation` → `loss_of_function`; `Amplification`, `Deletion`, `Fusion`,
//!   `FIVE::THREE` fusions kept; expression, methylation, wild type, `Loss` (ambiguous: copy or
//!   protein) and other forms dropped;
//! - diseases through the curated crosswalk `civic_disease_oncotree.tsv`; unmapped diseases and
//!   haematological cancers (out of scope) dropped;
//! - therapies lower-cased; `Combination` (and `Sequential`) joined with `+`, `Substitutes` one row
//!   per drug (`CIVIC-EID<n>.<k>`); procedures, drug classes and compound codes are not drugs
//!   (`policy::non_drug`): a combination naming one is dropped, a substitute list keeps its drugs;
//! - genes without a MANE Select transcript: rows needing one are dropped.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::cancer::NON_SOLID;
use super::policy;
use super::CIVIC_HEADER;
use crate::clinical::oncotree::OncoTree;

/// What a build produced and dropped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BuildLog {
    /// Evidence rows read.
    pub read: usize,
    /// Items written (rows of civic.tsv).
    pub written: usize,
    /// Evidence rows dropped, by reason.
    pub dropped: BTreeMap<String, usize>,
    /// Rows of civic_known.tsv.
    pub known: usize,
}

impl BuildLog {
    fn drop(&mut self, why: &str) {
        *self.dropped.entry(why.to_string()).or_default() += 1;
    }

    /// Lines for the file header and the terminal.
    pub fn lines(&self) -> Vec<String> {
        let mut v = vec![
            format!("evidence rows read: {}", self.read),
            format!("items written: {}", self.written),
            format!("known-change rows: {}", self.known),
        ];
        for (k, n) in &self.dropped {
            v.push(format!("dropped ({k}): {n}"));
        }
        v
    }
}

/// The outputs of a build.
pub struct Built {
    /// `civic.tsv`.
    pub civic: String,
    /// `civic_known.tsv`.
    pub known: String,
    /// Counts.
    pub log: BuildLog,
}

/// One mapped alteration: gene and `alteration` column.
type Mapped = Vec<(String, String)>;

fn is_protein_change(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 3 || !b[0].is_ascii_uppercase() || !b[1].is_ascii_digit() {
        return false;
    }
    let ok_chars = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '*');
    let simple = {
        let digits_end = s[1..].find(|c: char| !c.is_ascii_digit()).map(|i| i + 1);
        match digits_end {
            Some(i) => {
                let rest = &s[i..];
                (rest.len() == 1 && (rest.as_bytes()[0].is_ascii_uppercase() || rest == "*"))
                    || rest == "del"
                    || rest == "dup"
                    || rest.starts_with("fs")
                    || rest.starts_with("delins")
                    || rest.starts_with("ins")
                    || rest.starts_with('_')
            }
            None => false,
        }
    };
    ok_chars && simple
}

/// Maps a molecular profile to (gene, alteration) rows, or the reason it is dropped.
pub(crate) fn map_profile(profile: &str) -> Result<Mapped, &'static str> {
    let p = profile.trim();
    if p.contains(" AND ") || p.contains(" OR ") || p.contains(" NOT ") {
        return Err("compound molecular profile");
    }
    let (first, rest) = match p.split_once(' ') {
        Some((a, b)) => (a, b.trim()),
        None => (p, ""),
    };
    if let Some((five, three)) = first.split_once("::") {
        if five.is_empty() || three.is_empty() || five == "v" || three == "v" {
            return Err("fusion without both partners");
        }
        // exon-level fusion variants (EML4::ALK e6-e20) are the same gene pair
        return Ok(vec![(three.to_string(), format!("fusion:{five}"))]);
    }
    let gene = first.to_string();
    let one = |a: String| Ok(vec![(gene.clone(), a)]);
    // a fusion written after the gene (`NTRK3 ETV6::NTRK3`)
    if let Some((five, three)) = rest
        .split_whitespace()
        .next()
        .and_then(|w| w.split_once("::"))
    {
        if five.is_empty() || three.is_empty() || five == "v" || three == "v" {
            return Err("fusion without both partners");
        }
        return Ok(vec![(three.to_string(), format!("fusion:{five}"))]);
    }
    let lower = rest.to_ascii_lowercase();
    match lower.as_str() {
        "amplification" => return one("amplification".into()),
        "deletion" => return one("deletion".into()),
        "mutation" | "mutations" => return one("oncogenic_mutation".into()),
        "loss-of-function"
        | "truncating mutation"
        | "frameshift truncation"
        | "deleterious mutation" => return one("loss_of_function".into()),
        "fusion" | "fusions" | "rearrangement" => return one("fusion".into()),
        _ => {}
    }
    if let Some(x) = lower.strip_prefix("exon ") {
        let (n, what) = x.split_once(' ').unwrap_or((x, ""));
        let Ok(n) = n.parse::<u32>() else {
            return Err("unsupported exon form");
        };
        let class = match what {
            "deletion" | "deletions" => "inframe_deletion",
            "insertion" | "insertions" => "inframe_insertion",
            "mutation" | "mutations" => "any",
            "skipping mutation" | "skipping" => "skipping",
            _ => return Err("unsupported exon form"),
        };
        return one(format!("exon{n}:{class}"));
    }
    if rest.contains('/') {
        // G12/G13 (residues) or Q157P/R (changes at one residue)
        let mut out = Vec::new();
        for r in rest.split('/') {
            let digits: String = r
                .chars()
                .skip(1)
                .take_while(|c| c.is_ascii_digit())
                .collect();
            match (r.as_bytes().first(), digits.parse::<u32>()) {
                (Some(c), Ok(n)) if c.is_ascii_uppercase() => {
                    let a = format!("codon:{n}:missense");
                    if !out.iter().any(|(_, x)| *x == a) {
                        out.push((gene.clone(), a));
                    }
                }
                _ if r.len() == 1 && r.as_bytes()[0].is_ascii_uppercase() && !out.is_empty() => {}
                _ => return Err("unsupported variant form"),
            }
        }
        return Ok(out);
    }
    // indel suffixes in upper case (Y772_A775DUP)
    let rest = &{
        let l = rest.to_ascii_lowercase();
        let mut r = rest.to_string();
        for suf in ["dup", "del"] {
            if l.ends_with(suf) {
                r = format!("{}{suf}", &rest[..rest.len() - 3]);
            }
        }
        r
    };
    let b = rest.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_uppercase() && rest[1..].chars().all(|c| c.is_ascii_digit()) {
        return one(format!("codon:{}:missense", &rest[1..]));
    }
    if is_protein_change(rest) {
        return one(format!("p.{rest}"));
    }
    Err(match rest.as_str() {
        r if r.to_ascii_lowercase().contains("expression") => "expression",
        "Wildtype" | "Wild Type" => "wild type",
        r if r.to_ascii_lowercase().contains("methylation") => "methylation",
        "Loss" => "'Loss' (copy or protein: ambiguous)",
        _ => "unsupported variant form",
    })
}

fn normalise_drug(d: &str) -> String {
    d.trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == ' ' || *c == '-')
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn clean(s: &str, max: usize) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c == '\t' || c == '\n' || c == '\r' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        return "-".into();
    }
    if t.chars().count() > max {
        let cut: String = t.chars().take(max).collect();
        format!("{cut}...")
    } else {
        t
    }
}

/// Reads the crosswalk (`civic_disease oncotree_code ...`): disease → code (`*` agnostic).
pub(crate) fn read_crosswalk(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for line in text.lines() {
        if line.starts_with('#') || line.starts_with("civic_disease\t") || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() >= 3 && !f[2].is_empty() {
            out.insert(f[0].to_string(), f[2].to_string());
        }
    }
    out
}

fn needs_transcript(alteration: &str) -> bool {
    alteration.starts_with("p.")
        || alteration.starts_with("codon:")
        || alteration.starts_with("exon")
        || alteration == "oncogenic_mutation"
}

/// Column positions of the dump's header.
struct Columns(Vec<Option<usize>>);

/// The dump columns the build reads, in [`Evidence`] order.
const COLUMNS: &[&str] = &[
    "molecular_profile",
    "disease",
    "therapies",
    "therapy_interaction_type",
    "evidence_type",
    "evidence_direction",
    "evidence_level",
    "significance",
    "evidence_statement",
    "citation_id",
    "source_type",
    "evidence_status",
    "evidence_id",
    "variant_origin",
    "evidence_civic_url",
];

/// One evidence row of the dump.
struct Evidence<'a> {
    profile: &'a str,
    disease: &'a str,
    therapies: &'a str,
    interaction: &'a str,
    etype: &'a str,
    direction: &'a str,
    level: &'a str,
    significance: &'a str,
    statement: &'a str,
    citation: &'a str,
    source_type: &'a str,
    status: &'a str,
    eid: &'a str,
    origin: &'a str,
    url: &'a str,
}

impl Columns {
    fn of(header: &str) -> Columns {
        let h: Vec<&str> = header.split('\t').collect();
        Columns(
            COLUMNS
                .iter()
                .map(|n| h.iter().position(|x| x == n))
                .collect(),
        )
    }

    fn row<'a>(&self, line: &'a str) -> Evidence<'a> {
        let f: Vec<&str> = line.split('\t').collect();
        let get = |k: usize| self.0[k].and_then(|i| f.get(i)).copied().unwrap_or("");
        Evidence {
            profile: get(0),
            disease: get(1),
            therapies: get(2),
            interaction: get(3),
            etype: get(4),
            direction: get(5),
            level: get(6),
            significance: get(7),
            statement: get(8),
            citation: get(9),
            source_type: get(10),
            status: get(11),
            eid: get(12),
            origin: get(13),
            url: get(14),
        }
    }
}

/// Known changes collected from single-variant profiles with evidence of activity.
#[derive(Default)]
struct KnownAcc {
    residues: BTreeMap<(String, u32), BTreeSet<String>>,
    exon_classes: BTreeMap<(String, String), BTreeSet<String>>,
    lof: BTreeMap<String, BTreeSet<String>>,
}

impl KnownAcc {
    /// Records what a supporting evidence row of sensitivity, oncogenicity or a gain/loss of
    /// function says about the residues, exon classes and loss-of-function genes.
    fn add(&mut self, e: &Evidence<'_>) {
        let activity = e.direction == "Supports"
            && matches!(
                e.significance,
                "Sensitivity/Response" | "Oncogenicity" | "Gain of Function" | "Loss of Function"
            );
        let Ok(mapped) = map_profile(e.profile) else {
            return;
        };
        if !activity {
            return;
        }
        for (g, a) in &mapped {
            if let Some(p) = a.strip_prefix("p.") {
                let single_missense = p.len() >= 3
                    && p.as_bytes()[p.len() - 1].is_ascii_uppercase()
                    && p[1..p.len() - 1].chars().all(|c| c.is_ascii_digit());
                if single_missense && e.significance != "Loss of Function" {
                    if let Ok(c) = p[1..p.len() - 1].parse::<u32>() {
                        self.residues
                            .entry((g.clone(), c))
                            .or_default()
                            .insert(e.profile.to_string());
                    }
                }
            } else if a.starts_with("exon") && !a.ends_with(":any") && !a.ends_with(":skipping") {
                self.exon_classes
                    .entry((g.clone(), a.clone()))
                    .or_default()
                    .insert(e.profile.to_string());
            } else if a == "loss_of_function" {
                self.lof
                    .entry(g.clone())
                    .or_default()
                    .insert(e.profile.to_string());
            }
        }
    }

    /// Rows of `civic_known.tsv` (genes with a MANE Select transcript for residues and exons).
    fn rows(&self, mane: &HashMap<String, Vec<String>>) -> Vec<String> {
        let join = |v: &BTreeSet<String>| v.iter().cloned().collect::<Vec<_>>().join("; ");
        let mut out = Vec::new();
        for ((g, c), v) in &self.residues {
            if mane.contains_key(g) {
                out.push(format!("{g}\tresidue\t{c}\t{}", join(v)));
            }
        }
        for ((g, a), v) in &self.exon_classes {
            if mane.contains_key(g) {
                out.push(format!("{g}\texon_class\t{a}\t{}", join(v)));
            }
        }
        for (g, v) in &self.lof {
            out.push(format!("{g}\tloss_of_function\t-\t{}", join(v)));
        }
        out
    }
}

/// The KB direction of an evidence row, or the reason it is dropped.
fn direction_of(e: &Evidence<'_>) -> Result<&'static str, &'static str> {
    if matches!(e.etype, "Predictive" | "Prognostic" | "Diagnostic") && e.direction != "Supports" {
        return Err("does not support");
    }
    match (e.etype, e.significance) {
        ("Predictive", "Sensitivity/Response") => Ok("sensitive"),
        ("Predictive", "Resistance") => Ok("resistant"),
        ("Prognostic", "Poor Outcome") => Ok("poor_prognosis"),
        ("Prognostic", "Better Outcome") => Ok("good_prognosis"),
        ("Diagnostic", "Positive") => Ok("supports_diagnosis"),
        ("Predictive" | "Prognostic" | "Diagnostic", _) => {
            Err("significance not used (e.g. reduced sensitivity, adverse response, negative)")
        }
        _ => Err("evidence type not used (predisposing, oncogenic, functional)"),
    }
}

/// The regimens of a predictive row (one per drug for substitutes, else one joined with `+`),
/// without procedures, drug classes and compound codes (`policy::non_drug`); Err: the row is
/// dropped with this reason.
fn regimens_of(e: &Evidence<'_>) -> Result<Vec<String>, &'static str> {
    if e.etype != "Predictive" {
        return Ok(vec!["-".into()]);
    }
    let drugs: Vec<String> = e
        .therapies
        .split(',')
        .map(normalise_drug)
        .filter(|d| !d.is_empty())
        .collect();
    if drugs.is_empty() {
        return Err("predictive without a therapy");
    }
    if e.interaction == "Substitutes" {
        let kept: Vec<String> = drugs
            .into_iter()
            .filter(|d| policy::non_drug(d).is_none())
            .collect();
        if kept.is_empty() {
            return Err("non-drug therapy (procedure, drug class or compound code)");
        }
        return Ok(kept);
    }
    if drugs.iter().any(|d| policy::non_drug(d).is_some()) {
        return Err("non-drug therapy (procedure, drug class or compound code)");
    }
    Ok(vec![drugs.join("+")])
}

/// The inputs of a build besides the dump.
pub struct BuildInputs<'a> {
    /// CIViC disease → OncoTree code (`*`: pan-cancer).
    pub crosswalk: &'a HashMap<String, String>,
    /// MANE Select per gene.
    pub mane: &'a HashMap<String, Vec<String>>,
    /// Genes with curated activating classes (`activating_classes.tsv`).
    pub activating: &'a BTreeSet<String>,
    /// OncoTree.
    pub tree: &'a OncoTree,
    /// The dump's name (`01-Aug-2024`).
    pub dump: &'a str,
    /// The dump's MD5.
    pub dump_md5: &'a str,
}

/// What one evidence row becomes: its rows of `civic.tsv` (sort key, text), or the reason it is
/// dropped.
fn item_rows(e: &Evidence<'_>, inp: &BuildInputs<'_>) -> Result<Vec<(u64, String)>, &'static str> {
    let dir = direction_of(e)?;
    let mut mapped = map_profile(e.profile)?;
    let code = inp
        .crosswalk
        .get(e.disease)
        .ok_or("disease not mapped to OncoTree")?;
    if code != "*" && NON_SOLID.iter().any(|t| inp.tree.is_within(code, t)) {
        return Err("haematological cancer (out of scope)");
    }
    let origin = match e.origin {
        "Somatic" => "somatic",
        "Rare Germline" => "germline",
        "Common Germline" => return Err("common germline (pharmacogenomic)"),
        _ => "unknown",
    };
    let (ccat, basis) = policy::ccat_level(e.level, e.statement, code == "*");
    if dir == "resistant" && ccat != 'B' {
        return Err("resistance not established in a cancer type (below C-CAT level B)");
    }
    // METHOD: "<GENE> Mutation" sensitivity items of a gene with curated activating classes
    // are about its activating mutations (EGFR: exon 19 deletions, L858R, G719X, L861Q, S768I)
    if dir == "sensitive" {
        for (g, a) in mapped.iter_mut() {
            if a == "oncogenic_mutation" && inp.activating.contains(g) {
                *a = "activating_mutation".into();
            }
        }
    }
    let regimens = regimens_of(e)?;
    let eid_n: u64 = e.eid.parse().map_err(|_| "evidence id not a number")?;
    let total = mapped.len() * regimens.len();
    let source = if e.source_type == "PubMed" {
        format!("CIViC evidence item EID{} (PMID {})", e.eid, e.citation)
    } else {
        format!(
            "CIViC evidence item EID{} ({} {})",
            e.eid, e.source_type, e.citation
        )
    };
    let mut rows = Vec::new();
    let mut k = 0usize;
    for (gene, alteration) in &mapped {
        if needs_transcript(alteration) && !inp.mane.contains_key(gene) {
            continue;
        }
        for r in &regimens {
            k += 1;
            let id = if total == 1 {
                format!("CIVIC-EID{}", e.eid)
            } else {
                format!("CIVIC-EID{}.{k}", e.eid)
            };
            let row = [
                id,
                gene.clone(),
                alteration.clone(),
                code.clone(),
                "-".into(),
                e.etype.to_ascii_lowercase(),
                r.clone(),
                dir.into(),
                e.level.into(),
                ccat.to_string(),
                clean(e.significance, 60),
                origin.into(),
                clean(e.disease, 80),
                clean(e.statement, 300),
                source.clone(),
                e.url.to_string(),
                "civic".into(),
                basis.clone(),
            ]
            .join("\t");
            rows.push((eid_n * 100 + k as u64, row));
        }
    }
    if rows.is_empty() {
        return Err("gene without a MANE Select transcript");
    }
    Ok(rows)
}

/// Builds `civic.tsv` and `civic_known.tsv` from the evidence dump's text.
pub fn build(evidence: &str, inp: &BuildInputs<'_>) -> Built {
    let mut log = BuildLog::default();
    let mut lines = evidence.lines();
    let cols = Columns::of(lines.next().unwrap_or(""));
    let mut rows: Vec<(u64, String)> = Vec::new();
    let mut known = KnownAcc::default();
    for line in lines {
        if line.trim().is_empty() {
            continue;
        }
        log.read += 1;
        let e = cols.row(line);
        if e.status != "accepted" {
            log.drop("not accepted");
            continue;
        }
        known.add(&e);
        match item_rows(&e, inp) {
            Ok(r) => rows.extend(r),
            Err(why) => log.drop(why),
        }
    }
    rows.sort();
    log.written = rows.len();
    let known_rows = known.rows(inp.mane);
    log.known = known_rows.len();
    let date = civic_date(inp.dump);
    let dump = inp.dump;
    let mut civic = format!(
        "# file: civic.tsv\n# version: {dump}\n# date: {date}\n# licence: CC0-1.0 (CIViC, civicdb.org)\n# source: CIViC {dump} ClinicalEvidenceSummaries.tsv, md5 {}\n# built by: oncostream kb build --civic (see src/clinical/kb/civic.rs and policy.rs for the mapping)\n",
        inp.dump_md5
    );
    for l in log.lines() {
        civic.push_str(&format!("# {l}\n"));
    }
    civic.push_str(CIVIC_HEADER);
    civic.push('\n');
    for (_, r) in &rows {
        civic.push_str(r);
        civic.push('\n');
    }
    let mut known_text = format!(
        "# file: civic_known.tsv\n# version: {dump}\n# date: {date}\n# licence: CC0-1.0 (CIViC, civicdb.org)\n# source: single-variant CIViC profiles with supporting evidence of sensitivity, oncogenicity or a gain/loss of function, {dump}\n{}\n",
        super::KNOWN_HEADER
    );
    for r in &known_rows {
        known_text.push_str(r);
        known_text.push('\n');
    }
    Built {
        civic,
        known: known_text,
        log,
    }
}

/// `01-Aug-2024` → `2024-08-01` (the dump's name is its date).
pub(crate) fn civic_date(dump: &str) -> String {
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let p: Vec<&str> = dump.split('-').collect();
    if let [d, m, y] = p.as_slice() {
        if let Some(mi) = months.iter().position(|x| x == m) {
            return format!("{y}-{:02}-{d}", mi + 1);
        }
    }
    "1970-01-01".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_map_to_the_vocabulary_or_a_reason() {
        let ok = |p: &str| map_profile(p).unwrap();
        assert_eq!(ok("BRAF V600E"), vec![("BRAF".into(), "p.V600E".into())]);
        assert_eq!(
            ok("BRAF V600"),
            vec![("BRAF".into(), "codon:600:missense".into())]
        );
        assert_eq!(
            ok("EGFR Exon 19 Deletion"),
            vec![("EGFR".into(), "exon19:inframe_deletion".into())]
        );
        assert_eq!(
            ok("MET Exon 14 Skipping Mutation"),
            vec![("MET".into(), "exon14:skipping".into())]
        );
        assert_eq!(ok("EML4::ALK"), vec![("ALK".into(), "fusion:EML4".into())]);
        assert_eq!(
            ok("EML4::ALK e6-e20"),
            vec![("ALK".into(), "fusion:EML4".into())]
        );
        assert_eq!(ok("KRAS G12/G13").len(), 2);
        assert_eq!(
            ok("EGFR E746_A750del"),
            vec![("EGFR".into(), "p.E746_A750del".into())]
        );
        assert_eq!(
            ok("PTEN Loss-of-function"),
            vec![("PTEN".into(), "loss_of_function".into())]
        );
        assert_eq!(
            map_profile("EGFR L858R AND EGFR T790M"),
            Err("compound molecular profile")
        );
        assert_eq!(map_profile("ERBB2 Overexpression"), Err("expression"));
        assert_eq!(
            map_profile("PTEN Loss"),
            Err("'Loss' (copy or protein: ambiguous)")
        );
        assert_eq!(
            ok("NTRK3 ETV6::NTRK3"),
            vec![("NTRK3".into(), "fusion:ETV6".into())]
        );
        assert_eq!(
            ok("KIT EXON 11 MUTATION"),
            vec![("KIT".into(), "exon11:any".into())]
        );
        assert_eq!(
            ok("EGFR Y772_A775DUP"),
            vec![("EGFR".into(), "p.Y772_A775dup".into())]
        );
        assert_eq!(
            ok("TP53 Q157P/R"),
            vec![("TP53".into(), "codon:157:missense".into())]
        );
        assert_eq!(
            ok("BRCA2 Deleterious Mutation"),
            vec![("BRCA2".into(), "loss_of_function".into())]
        );
        assert_eq!(civic_date("01-Aug-2024"), "2024-08-01");
    }

    #[test]
    fn evidence_maps_to_levels_directions_and_drops() {
        let tree = OncoTree::bundled();
        let header = "molecular_profile\tdisease\ttherapies\ttherapy_interaction_type\tevidence_type\tevidence_direction\tevidence_level\tsignificance\tevidence_statement\tcitation_id\tsource_type\tevidence_status\tevidence_id\tvariant_origin\tevidence_civic_url";
        let row = |p: &str,
                   d: &str,
                   t: &str,
                   i: &str,
                   ty: &str,
                   dir: &str,
                   l: &str,
                   s: &str,
                   id: u32| {
            format!("{p}\t{d}\t{t}\t{i}\t{ty}\t{dir}\t{l}\t{s}\tstatement\t123\tPubMed\taccepted\t{id}\tSomatic\thttps://civicdb.org/links/evidence_items/{id}")
        };
        let text = [
            header.to_string(),
            row(
                "BRAF V600E",
                "Melanoma",
                "Dabrafenib,Trametinib",
                "Combination",
                "Predictive",
                "Supports",
                "A",
                "Sensitivity/Response",
                1,
            ),
            row(
                "BRAF V600E",
                "Colorectal Cancer",
                "Cetuximab",
                "",
                "Predictive",
                "Supports",
                "A",
                "Resistance",
                2,
            ),
            row(
                "BRAF V600E",
                "Colorectal Cancer",
                "Cetuximab",
                "",
                "Predictive",
                "Does Not Support",
                "B",
                "Resistance",
                3,
            ),
            row(
                "BRAF V600E",
                "Colorectal Cancer",
                "Cetuximab",
                "",
                "Predictive",
                "Supports",
                "C",
                "Resistance",
                4,
            ),
            row(
                "EGFR L858R",
                "Lung Non-small Cell Carcinoma",
                "Gefitinib,Erlotinib",
                "Substitutes",
                "Predictive",
                "Supports",
                "B",
                "Sensitivity/Response",
                5,
            ),
            row(
                "BCR::ABL1",
                "Chronic Myeloid Leukemia",
                "Imatinib",
                "",
                "Predictive",
                "Supports",
                "A",
                "Sensitivity/Response",
                6,
            ),
            row(
                "ERBB2 Overexpression",
                "Breast Cancer",
                "Trastuzumab",
                "",
                "Predictive",
                "Supports",
                "A",
                "Sensitivity/Response",
                7,
            ),
            row(
                "TP53 Mutation",
                "Colorectal Cancer",
                "",
                "",
                "Prognostic",
                "Supports",
                "B",
                "Poor Outcome",
                8,
            ),
        ]
        .join("\n");
        let cw: HashMap<String, String> = [
            ("Melanoma", "MEL"),
            ("Colorectal Cancer", "COADREAD"),
            ("Lung Non-small Cell Carcinoma", "NSCLC"),
            ("Chronic Myeloid Leukemia", "CML"),
            ("Breast Cancer", "BRCA"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let mane: HashMap<String, Vec<String>> = ["BRAF", "EGFR", "TP53"]
            .iter()
            .map(|g| (g.to_string(), vec!["NM_1".into(), "ENST1".into()]))
            .collect();
        let activating = BTreeSet::new();
        let inp = BuildInputs {
            crosswalk: &cw,
            mane: &mane,
            activating: &activating,
            tree: &tree,
            dump: "01-Aug-2024",
            dump_md5: "abc",
        };
        let b = build(&text, &inp);
        let items: Vec<&str> = b
            .civic
            .lines()
            .filter(|l| l.starts_with("CIVIC-"))
            .collect();
        let ids: Vec<&str> = items
            .iter()
            .map(|l| l.split('\t').next().unwrap())
            .collect();
        assert_eq!(
            ids,
            vec![
                "CIVIC-EID1",
                "CIVIC-EID2",
                "CIVIC-EID5.1",
                "CIVIC-EID5.2",
                "CIVIC-EID8"
            ]
        );
        assert!(items[0].contains("\tdabrafenib+trametinib\tsensitive\tA\t"));
        assert!(items[1].contains("\tcetuximab\tresistant\tA\tB\t"));
        assert!(
            items[2].contains("\tgefitinib\tsensitive\tB\tC\t"),
            "a CIViC B item without a strong design is C-CAT C: {}",
            items[2]
        );
        assert!(items[4]
            .contains("\tTP53\toncogenic_mutation\tCOADREAD\t-\tprognostic\t-\tpoor_prognosis\t"));
        let d = &b.log.dropped;
        assert_eq!(d["does not support"], 1);
        assert_eq!(
            d["resistance not established in a cancer type (below C-CAT level B)"],
            1
        );
        assert_eq!(d["haematological cancer (out of scope)"], 1);
        assert_eq!(d["expression"], 1);
        assert!(b.known.contains("BRAF\tresidue\t600\t"));
        // the built file parses as a KB file (header, meta lines, every row valid)
        let mane_text = "# file: mane_select.tsv\n# version: t\n# date: 2024-01-01\n# licence: x\ngene\trefseq\tensembl\tmane_status\nBRAF\tNM_1\tENST1\tMANE Select\nEGFR\tNM_2\tENST2\tMANE Select\nTP53\tNM_3\tENST3\tMANE Select\n";
        let kb = super::super::parse_files(
            &[
                ("civic.tsv".into(), b.civic.clone()),
                ("mane".into(), mane_text.into()),
                ("known".into(), b.known.clone()),
            ],
            &tree,
        )
        .unwrap();
        assert_eq!(kb.items.len(), 5);
        // reproducible: the same dump gives the same bytes
        let again = build(&text, &inp);
        assert_eq!(again.civic, b.civic);
        assert_eq!(again.known, b.known);
    }

    #[test]
    fn the_shipped_crosswalk_names_real_oncotree_codes() {
        let text = include_str!("../../../data/kb/civic_disease_oncotree.tsv");
        let tree = OncoTree::bundled();
        let mut n = 0;
        for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
            let f: Vec<&str> = line.split('\t').collect();
            assert!(f.len() >= 4, "{line}");
            match f[3] {
                "none" => assert!(f[2].is_empty(), "{line}"),
                "agnostic" => assert_eq!(f[2], "*", "{line}"),
                "exact" | "broader" | "narrower" => {
                    assert!(
                        tree.contains(f[2]),
                        "{}: '{}' is not an OncoTree code",
                        f[0],
                        f[2]
                    )
                }
                m => panic!("{}: match '{m}'", f[0]),
            }
            n += 1;
        }
        assert!(n > 250, "{n}");
        let cw = read_crosswalk(text);
        for (disease, code) in [
            ("Lung Non-small Cell Carcinoma", "NSCLC"),
            ("Lung Adenocarcinoma", "LUAD"),
            ("Colorectal Cancer", "COADREAD"),
            ("Melanoma", "MEL"),
            ("Papillary Thyroid Carcinoma", "THPA"),
            ("Solid Tumor", "*"),
        ] {
            assert_eq!(cw.get(disease).map(String::as_str), Some(code), "{disease}");
        }
        assert!(
            !cw.contains_key("Von Hippel-Lindau Disease"),
            "a syndrome is not a tumour type"
        );
    }
}
