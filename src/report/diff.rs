//! `retier_diff.tsv`: what changed between two tierings of the same patient's report.

use std::collections::BTreeMap;

use crate::types::report::Report;

fn levels(r: &Report) -> BTreeMap<(String, String), Vec<String>> {
    let mut m: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for f in &r.findings {
        m.entry((f.gene.clone(), f.alteration.clone()))
            .or_default()
            .push(f.level_label.clone());
    }
    m
}

/// The diff table: one row per (gene, alteration) whose levels changed, with the new evidence's
/// KB lines and citations. Returns the text and the number of changed alterations.
pub fn render_diff(old: &Report, new: &Report) -> (String, usize) {
    let (a, b) = (levels(old), levels(new));
    let mut keys: Vec<&(String, String)> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = format!(
        "# old KB {} ({}); new KB {} ({})\n",
        old.kb.version, old.kb.date, new.kb.version, new.kb.date
    );
    out.push_str("gene\talteration\told_levels\tnew_levels\tchange\tnew_evidence\n");
    let mut changed = 0;
    for key in keys {
        let (o, n) = (
            a.get(key).cloned().unwrap_or_default(),
            b.get(key).cloned().unwrap_or_default(),
        );
        if o == n {
            continue;
        }
        changed += 1;
        let why: Vec<String> = new
            .findings
            .iter()
            .filter(|f| (f.gene.clone(), f.alteration.clone()) == *key)
            .map(|f| {
                format!(
                    "{}: KB lines {:?}: {}",
                    f.level_label,
                    f.kb_lines,
                    f.citations.join(" | ")
                )
            })
            .collect();
        let change = match (o.is_empty(), n.is_empty()) {
            (true, false) => "added",
            (false, true) => "removed (no matching evidence in the new KB)",
            _ => "level changed",
        };
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{change}\t{}\n",
            key.0,
            key.1,
            o.join(";"),
            n.join(";"),
            why.join(" || ")
        ));
    }
    (out, changed)
}
