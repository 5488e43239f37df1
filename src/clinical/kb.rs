//! The knowledge base: a versioned TSV of evidence items, validated with file:line errors.
//!
//! Format: `#` comment lines, of which `# version: X` and `# date: YYYY-MM-DD` are required;
//! a header line `gene matcher cancer_type drugs level approved_japan approved_us direction
//! citation`; then one evidence item per row. `gene` and `cancer_type` may be `*` (any:
//! tumor-agnostic; `*-COADREAD,...` = any except those); `cancer_type` is an OncoTree code. Matchers: a protein change (`V600E`,
//! `E746_A750del`), `codon:N`, `exonN:<consequence>` or `exonN-M:<consequence>`
//! (`exon19:inframe_deletion`, `exon18-21:missense_variant`),
//! `truncating`, `amplification`, `deletion` (deep deletion), `fusion:<partner or *>` (either partner of
//! a fusion in the gene column), `biomarker:MSI-H`,
//! `biomarker:TMB>=N`. Levels: A B C D E R. `approved_japan`/`approved_us`: yes/no.
//! `direction`: sensitive/resistant.

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::oncotree::OncoTree;
use crate::error::{fail, ExitKind};
use crate::types::report::Level;

/// The starter KB compiled into the binary (so an installed binary needs no data directory).
pub const BUILTIN_KB: &str = include_str!("../../data/kb/oncostream_starter_kb.tsv");

/// How the built-in KB is named in provenance (`path` of the report's `kb` block).
pub const BUILTIN_KB_NAME: &str = "builtin:oncostream_starter_kb.tsv";

/// How an item matches a finding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Matcher {
    /// Exact short protein change.
    Protein(String),
    /// Any change at a codon.
    Codon(u32),
    /// A consequence class in an exon range (or at its splice sites).
    Exon(u32, u32, String),
    /// Stop-gained, frameshift, splice donor/acceptor.
    Truncating,
    /// Copy-number amplification.
    Amplification,
    /// Deep (homozygous) deletion.
    Deletion,
    /// A fusion with a partner (`*` any).
    Fusion(String),
    /// MSI-H.
    MsiHigh,
    /// TMB at or above this many mutations per Mb.
    TmbAtLeast(f64),
}

/// One evidence item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Gene symbol or `*`.
    pub gene: String,
    /// Matcher.
    pub matcher: Matcher,
    /// Matcher text as written.
    pub matcher_text: String,
    /// OncoTree code or `*`.
    pub cancer_type: String,
    /// Drugs (`+` joins a combination).
    pub drugs: Vec<String>,
    /// A, B, C, D, E or R.
    pub level: Level,
    /// Approved in Japan for `cancer_type`.
    pub approved_japan: bool,
    /// Approved in the US for `cancer_type`.
    pub approved_us: bool,
    /// Resistance item.
    pub resistant: bool,
    /// Citation text.
    pub citation: String,
    /// Source line (for messages and diffs).
    pub line: usize,
}

/// A loaded knowledge base.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kb {
    /// `# version:`.
    pub version: String,
    /// `# date:`.
    pub date: String,
    /// Path as given.
    pub path: String,
    /// Items.
    pub items: Vec<Evidence>,
}

fn parse_matcher(s: &str) -> Result<Matcher, String> {
    if let Some(p) = s.strip_prefix("codon:") {
        return p
            .parse()
            .map(Matcher::Codon)
            .map_err(|_| format!("codon '{p}' is not a number"));
    }
    if let Some(rest) = s.strip_prefix("exon") {
        let (n, class) = rest
            .split_once(':')
            .ok_or("exon matcher must be exonN:<consequence> or exonN-M:<consequence>")?;
        let (a, b) = n.split_once('-').unwrap_or((n, n));
        let a: u32 = a
            .parse()
            .map_err(|_| format!("exon number '{a}' is not a number"))?;
        let b: u32 = b
            .parse()
            .map_err(|_| format!("exon number '{b}' is not a number"))?;
        if b < a {
            return Err(format!("exon range {a}-{b} is reversed"));
        }
        return Ok(Matcher::Exon(a, b, class.to_string()));
    }
    if let Some(p) = s.strip_prefix("fusion:") {
        return Ok(Matcher::Fusion(p.to_string()));
    }
    match s {
        "truncating" => return Ok(Matcher::Truncating),
        "amplification" => return Ok(Matcher::Amplification),
        "deletion" => return Ok(Matcher::Deletion),
        "biomarker:MSI-H" => return Ok(Matcher::MsiHigh),
        _ => {}
    }
    if let Some(t) = s.strip_prefix("biomarker:TMB>=") {
        return t
            .parse()
            .map(Matcher::TmbAtLeast)
            .map_err(|_| format!("TMB threshold '{t}' is not a number"));
    }
    let ok = s.len() >= 3
        && s.as_bytes()[0].is_ascii_uppercase()
        && s.chars().skip(1).any(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '*');
    if ok {
        Ok(Matcher::Protein(s.to_string()))
    } else {
        Err(format!("unknown matcher '{s}'"))
    }
}

/// Parses and validates a KB's text (`name` is its path, for messages); every problem is
/// reported as `name:line: reason` (all of them).
pub fn parse(text: &str, name: &str, tree: &OncoTree) -> Result<Kb> {
    let mut version = None;
    let mut date = None;
    let mut header_seen = false;
    let mut errors = Vec::new();
    let mut items = Vec::new();
    const HEADER: &str = "gene\tmatcher\tcancer_type\tdrugs\tlevel\tapproved_japan\tapproved_us\tdirection\tcitation";
    for (i, line) in text.lines().enumerate() {
        let ln = i + 1;
        if let Some(c) = line.strip_prefix('#') {
            let c = c.trim();
            if let Some(v) = c.strip_prefix("version:") {
                version = Some(v.trim().to_string());
            } else if let Some(v) = c.strip_prefix("date:") {
                let v = v.trim();
                let valid = v.len() == 10
                    && v.as_bytes()[4] == b'-'
                    && v.as_bytes()[7] == b'-'
                    && v.replace('-', "").chars().all(|c| c.is_ascii_digit());
                if !valid {
                    errors.push(format!("{name}:{ln}: date '{v}' is not YYYY-MM-DD"));
                }
                date = Some(v.to_string());
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        if !header_seen {
            if line != HEADER {
                errors.push(format!(
                    "{name}:{ln}: expected the header line '{}'",
                    HEADER.replace('\t', " ")
                ));
            }
            header_seen = true;
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 9 {
            errors.push(format!(
                "{name}:{ln}: expected 9 tab-separated columns, found {}",
                f.len()
            ));
            continue;
        }
        let mut bad = |why: String| errors.push(format!("{name}:{ln}: {why}"));
        let matcher = match parse_matcher(f[1]) {
            Ok(m) => m,
            Err(e) => {
                bad(e);
                continue;
            }
        };
        if f[0].is_empty() {
            bad("empty gene (use * for any)".into());
        }
        for code in f[2]
            .trim_start_matches('*')
            .trim_start_matches('-')
            .split(',')
            .filter(|c| !c.is_empty())
        {
            if !tree.contains(code) {
                bad(format!("cancer type '{code}' is not an OncoTree code"));
            }
        }
        let Some(level) = Level::parse(f[4]) else {
            bad(format!("level '{}' is not one of A B C D E R", f[4]));
            continue;
        };
        let yn = |v: &str| match v {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        let (Some(jp), Some(us)) = (yn(f[5]), yn(f[6])) else {
            bad(format!(
                "approved_japan/approved_us must be yes or no, found '{}'/'{}'",
                f[5], f[6]
            ));
            continue;
        };
        let resistant = match f[7] {
            "sensitive" => false,
            "resistant" => true,
            other => {
                bad(format!("direction '{other}' is not sensitive or resistant"));
                continue;
            }
        };
        if resistant != (level == Level::R) {
            bad("level R goes with direction resistant (and only with it)".into());
        }
        if level == Level::A && !jp && !us {
            bad("level A needs an approval (approved_japan or approved_us) or a guideline citation; use B or C otherwise".into());
        }
        if f[8].trim().is_empty() {
            bad("citation is empty".into());
        }
        if f[3].trim().is_empty() {
            bad("drugs is empty".into());
        }
        items.push(Evidence {
            gene: f[0].to_string(),
            matcher,
            matcher_text: f[1].to_string(),
            cancer_type: f[2].to_string(),
            drugs: f[3]
                .split(';')
                .map(|d| d.trim().to_string())
                .filter(|d| !d.is_empty())
                .collect(),
            level,
            approved_japan: jp,
            approved_us: us,
            resistant,
            citation: f[8].to_string(),
            line: ln,
        });
    }
    if version.is_none() {
        errors.push(format!("{name}: missing '# version:' line"));
    }
    if date.is_none() {
        errors.push(format!("{name}: missing '# date:' line"));
    }
    if !errors.is_empty() {
        return Err(fail(ExitKind::Data, errors.join("\n")));
    }
    Ok(Kb {
        version: version.unwrap_or_default(),
        date: date.unwrap_or_default(),
        path: name.to_string(),
        items,
    })
}
