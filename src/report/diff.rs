//! `retier_diff.tsv`: what changed between two tierings of the same patient's report, per
//! finding and per drug.

use std::collections::BTreeMap;

use crate::types::report::{Finding, Report};

type Key = (String, String, String, String);

fn kind_name(f: &Finding) -> String {
    format!("{:?}", f.kind).to_ascii_lowercase()
}

/// (gene, alteration, kind, regimen or `-`) → (level label, evidence ids).
fn rows(r: &Report) -> BTreeMap<Key, (String, Vec<String>)> {
    let mut m = BTreeMap::new();
    for f in &r.findings {
        if f.therapies.is_empty() {
            m.insert(
                (
                    f.gene.clone(),
                    f.alteration.clone(),
                    kind_name(f),
                    "-".to_string(),
                ),
                (
                    f.level_label.clone(),
                    f.citations.iter().map(|c| c.id.clone()).collect(),
                ),
            );
        }
        for t in &f.therapies {
            m.insert(
                (
                    f.gene.clone(),
                    f.alteration.clone(),
                    kind_name(f),
                    t.regimen.clone(),
                ),
                (
                    t.level_label.clone(),
                    t.citations.iter().map(|c| c.id.clone()).collect(),
                ),
            );
        }
    }
    m
}

/// The diff table: one row per (gene, alteration, kind, drug) whose level or evidence changed.
/// Returns the text and the number of changed rows.
pub(crate) fn render_diff(old: &Report, new: &Report) -> (String, usize) {
    let (a, b) = (rows(old), rows(new));
    let mut keys: Vec<&Key> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = format!(
        "# old KB {} ({}); new KB {} ({})\n",
        old.kb.version, old.kb.date, new.kb.version, new.kb.date
    );
    out.push_str(
        "gene\talteration\tkind\tdrug\told_level\tnew_level\tchange\told_evidence\tnew_evidence\n",
    );
    let mut changed = 0;
    for key in keys {
        let (o, n) = (a.get(key), b.get(key));
        if o == n {
            continue;
        }
        changed += 1;
        let change = match (o, n) {
            (None, Some(_)) => "added",
            (Some(_), None) => "removed (no matching evidence in the new KB)",
            (Some(x), Some(y)) if x.0 != y.0 => "level changed",
            _ => "evidence changed",
        };
        let show = |x: Option<&(String, Vec<String>)>| {
            x.map(|v| (v.0.clone(), v.1.join(",")))
                .unwrap_or_else(|| ("-".into(), "-".into()))
        };
        let ((ol, oe), (nl, ne)) = (show(o), show(n));
        use crate::io::text::cell;
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{change}\t{}\t{}\n",
            cell(&key.0),
            cell(&key.1),
            cell(&key.2),
            cell(&key.3),
            cell(&ol),
            cell(&nl),
            cell(&oe),
            cell(&ne)
        ));
    }
    (out, changed)
}
