//! Candidate clinical trials from a user-supplied list (`--trials trials.tsv`), matched to the
//! patient's alterations and cancer type like knowledge-base rows (same alteration vocabulary,
//! same cancer-type sets).
//!
//! Format (tab-separated, `#` comments, this header):
//! `id  title  gene  alteration  cancer_types  exclude  phase  status  sites  url` — `gene` and
//! `alteration` as in `data/kb/README.md` (gene `-` with a `biomarker:` alteration),
//! `cancer_types` OncoTree codes or `*`, `exclude` codes or `-`, `url` the registry entry (jRCT,
//! ClinicalTrials.gov). Every bad row is reported as `file:line: reason` (exit 65) before the
//! analysis starts.

use super::kb::{matcher::matches, Alteration, Applies, CancerSet, Kb, Matcher};
use super::oncotree::OncoTree;
use crate::error::{fail, ExitKind};
use crate::types::report::TrialMatch;

const HEADER: &str =
    "id\ttitle\tgene\talteration\tcancer_types\texclude\tphase\tstatus\tsites\turl";

/// One trial of the list.
#[derive(Clone, Debug)]
pub struct Trial {
    id: String,
    title: String,
    gene: Option<String>,
    matcher: Matcher,
    alteration: String,
    cancer: CancerSet,
    phase: String,
    status: String,
    sites: String,
    url: String,
}

/// A validated trial list.
#[derive(Clone, Debug)]
pub struct TrialList {
    /// Where it came from (path).
    pub name: String,
    trials: Vec<Trial>,
}

/// Parses and validates a trial list; `name` is used in messages.
pub fn parse(text: &str, name: &str, tree: &OncoTree) -> anyhow::Result<TrialList> {
    let mut errors = Vec::new();
    let mut trials = Vec::new();
    let mut header = false;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, line) in text.lines().enumerate() {
        let ln = i + 1;
        if let Some(c) = line.chars().find(|c| c.is_control() && *c != '\t') {
            errors.push(format!(
                "{name}:{ln}: control character U+{:04X} (save the list as UTF-8 text with LF line ends; fields cannot hold NUL, CR or escape characters)",
                c as u32
            ));
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !header {
            header = true;
            if line != HEADER {
                errors.push(format!(
                    "{name}:{ln}: expected the header '{}'",
                    HEADER.replace('\t', " ")
                ));
                break;
            }
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 10 {
            errors.push(format!(
                "{name}:{ln}: expected 10 tab-separated columns, found {}",
                f.len()
            ));
            continue;
        }
        let matcher = match Matcher::parse(f[3]) {
            Ok(m) => m,
            Err(e) => {
                errors.push(format!("{name}:{ln}: {e}"));
                continue;
            }
        };
        let gene = (f[2] != "-").then(|| f[2].to_string());
        if gene.is_none() != matcher.is_biomarker() {
            errors.push(format!(
                "{name}:{ln}: gene '-' goes with a biomarker alteration, and a biomarker with gene '-'"
            ));
            continue;
        }
        let cancer = match CancerSet::parse(f[4], f[5], tree) {
            Ok(c) => c,
            Err(e) => {
                errors.push(format!("{name}:{ln}: {e}"));
                continue;
            }
        };
        if f[0].is_empty() || f[1].is_empty() {
            errors.push(format!("{name}:{ln}: id and title are required"));
            continue;
        }
        if !f[9].starts_with("https://") && !f[9].starts_with("http://") {
            errors.push(format!("{name}:{ln}: url '{}' is not a URL", f[9]));
            continue;
        }
        trials.push(Trial {
            id: f[0].into(),
            title: f[1].into(),
            gene,
            matcher,
            alteration: f[3].into(),
            cancer,
            phase: f[6].into(),
            status: f[7].into(),
            sites: f[8].into(),
            url: f[9].into(),
        });
    }
    if !header {
        errors.push(format!("{name}: no header line"));
    }
    if !errors.is_empty() {
        return Err(fail(ExitKind::Data, errors.join("\n")));
    }
    Ok(TrialList {
        name: name.to_string(),
        trials,
    })
}

/// The trials open to this patient: an alteration matches and the cancer type is covered.
/// Transcript-dependent matchers use the KB's MANE Select table.
pub fn candidates(
    list: &TrialList,
    kb: &Kb,
    tree: &OncoTree,
    cancer_type: &str,
    alts: &[Alteration],
) -> Vec<TrialMatch> {
    let mut out = Vec::new();
    for t in &list.trials {
        if t.cancer.applies(tree, cancer_type) != Applies::Here {
            continue;
        }
        let mane = t
            .gene
            .as_ref()
            .and_then(|g| kb.mane.get(g))
            .cloned()
            .unwrap_or_default();
        for a in alts {
            if matches(t.gene.as_deref(), &t.matcher, &mane, &kb.known, a) {
                out.push(TrialMatch {
                    id: t.id.clone(),
                    title: t.title.clone(),
                    phase: t.phase.clone(),
                    status: t.status.clone(),
                    sites: t.sites.clone(),
                    url: t.url.clone(),
                    gene: a.gene(),
                    alteration: a.display(),
                    criterion: format!(
                        "{} {} in {}",
                        t.gene.as_deref().unwrap_or("-"),
                        t.alteration,
                        t.cancer.display()
                    ),
                });
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trials_are_validated_and_matched_like_kb_rows() {
        let tree = OncoTree::bundled();
        let kb = crate::clinical::kb::builtin(&tree).unwrap();
        let text = format!("# test list\n{HEADER}\n\
            jRCT0001\tKRAS G12C inhibitor\tKRAS\tp.G12C\tNSCLC\t-\tII\trecruiting\tTokyo\thttps://jrct.niph.go.jp/x\n\
            jRCT0002\tpan-RAS\tKRAS\tcodon:12:missense\t*\tCOADREAD\tI\trecruiting\tOsaka\thttps://jrct.niph.go.jp/y\n\
            jRCT0003\tTMB basket\t-\tbiomarker:TMB>=10\t*\t-\tII\trecruiting\tChiba\thttps://jrct.niph.go.jp/z\n");
        let list = parse(&text, "t.tsv", &tree).unwrap();
        let g12c = Alteration::Variant {
            gene: "KRAS".into(),
            transcript: "NM_004985.5".into(),
            protein_change: Some("G12C".into()),
            consequence: crate::types::transcript::SoTerm::MissenseVariant.into(),
            exon: Some(2),
            intron: None,
            hgvs_c: "c.34G>T".into(),
        };
        let ids = |ct: &str, a: &[Alteration]| -> Vec<String> {
            candidates(&list, &kb, &tree, ct, a)
                .into_iter()
                .map(|m| m.id)
                .collect()
        };
        assert_eq!(
            ids("LUAD", std::slice::from_ref(&g12c)),
            ["jRCT0001", "jRCT0002"]
        );
        assert!(
            ids("COAD", std::slice::from_ref(&g12c)).is_empty(),
            "excluded / other type"
        );
        assert_eq!(ids("PAAD", &[Alteration::Tmb(12.0)]), ["jRCT0003"]);
        let bad = format!("{HEADER}\nX\tt\tKRAS\tG12C\tNSCLC\t-\tII\tr\ts\thttps://x\nY\tt\tKRAS\tp.G12C\tLUNG\t-\tII\tr\ts\tnot-a-url\n");
        let e = parse(&bad, "b.tsv", &tree).unwrap_err().to_string();
        assert!(e.contains("b.tsv:2:") && e.contains("b.tsv:3:"), "{e}");
    }

    // ---- property tests (issue 19): generated lists parse to their rows; mutated lists never
    // panic and are refused naming file and line

    use proptest::prelude::*;

    const ROWS: [&str; 3] = [
        "\tKRAS G12C inhibitor\tKRAS\tp.G12C\tNSCLC\t-\tII\trecruiting\tTokyo\thttps://jrct.niph.go.jp/x",
        "\tpan-RAS\tKRAS\tcodon:12:missense\t*\tCOADREAD\tI\trecruiting\tOsaka\thttps://jrct.niph.go.jp/y",
        "\tTMB basket\t-\tbiomarker:TMB>=10\t*\t-\tII\trecruiting\tChiba\thttps://jrct.niph.go.jp/z",
    ];

    fn list(rows: &[usize]) -> String {
        let mut t = format!("# generated\n{HEADER}\n");
        for (i, r) in rows.iter().enumerate() {
            t.push_str(&format!("jRCT{:07}{}\n", i + 1, ROWS[r % ROWS.len()]));
        }
        t
    }

    proptest! {
        #![proptest_config(crate::io::props::config())]

        #[test]
        fn a_generated_list_parses_to_its_rows(rows in proptest::collection::vec(0usize..3, 1..20)) {
            let l = parse(&list(&rows), "t.tsv", &OncoTree::bundled()).unwrap();
            prop_assert_eq!(l.trials.len(), rows.len());
            for (i, t) in l.trials.iter().enumerate() {
                prop_assert_eq!(&t.id, &format!("jRCT{:07}", i + 1));
            }
        }

        #[test]
        fn a_mutated_list_never_panics(
            rows in proptest::collection::vec(0usize..3, 1..6),
            op in any::<u8>(),
            at in any::<usize>(),
            pick in any::<usize>(),
        ) {
            let text = crate::io::props::mutate(&list(&rows), op, at, pick);
            if let Err(e) = parse(&text, "t.tsv", &OncoTree::bundled()) {
                prop_assert!(e.to_string().contains("t.tsv"), "{e}");
            }
        }
    }
}
