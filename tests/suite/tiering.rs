//! Tiering with the shipped knowledge base: the golden cases of `tests/kb_cases/cases.tsv`
//! (alteration x cancer type -> levels, drugs, approval status, cited KB items), real variants
//! annotated from the fixture transcripts, and `kb validate` on good and bad KBs.

use std::collections::BTreeSet;

use oncostream::clinical::{
    kb,
    oncotree::OncoTree,
    tier::{
        tier, tier_observed, AccessRoute, Alteration, AlterationOrigin, Finding, FindingKind,
        Level, Observed,
    },
};

use crate::util::{s, CivicFixture};
use oncostream::types::transcript::{Consequence, Term};

fn shipped() -> (kb::Kb, OncoTree) {
    let tree = OncoTree::bundled();
    (kb::builtin(&tree).unwrap(), tree)
}

fn kind(name: &str) -> FindingKind {
    match name {
        "therapeutic" => FindingKind::Therapeutic,
        "resistance" => FindingKind::Resistance,
        "prognostic" => FindingKind::Prognostic,
        "diagnostic" => FindingKind::Diagnostic,
        k => panic!("unknown finding kind '{k}'"),
    }
}

/// Parses the alteration column of a golden case with its origin: `germline var ...`,
/// `somatic var ...`, or without a prefix (origin unknown, as in a tumor-only analysis).
fn observed(spec: &str) -> Observed {
    let (origin, rest) = match spec.split_once(' ') {
        Some(("germline", r)) => (AlterationOrigin::Germline, r),
        Some(("somatic", r)) => (AlterationOrigin::Somatic, r),
        _ => (AlterationOrigin::Unknown, spec),
    };
    Observed {
        alt: alteration(rest),
        origin,
        note: None,
    }
}

/// Parses the alteration column of a golden case.
fn alteration(spec: &str) -> Alteration {
    let w: Vec<&str> = spec.split(' ').collect();
    match w.as_slice() {
        ["var", gene, tx, pc, csq, loc, hgvs] => {
            let num = |p: &str| loc.strip_prefix(p).map(|n| n.parse::<u32>().unwrap());
            let consequence = Consequence::parse(csq);
            assert!(
                !consequence.terms().is_empty()
                    && consequence.terms().iter().all(|t| matches!(t, Term::So(_))),
                "a golden case names a consequence our annotation does not write: {csq}"
            );
            Alteration::Variant {
                gene: gene.to_string(),
                transcript: tx.to_string(),
                protein_change: (*pc != "-").then(|| pc.to_string()),
                consequence,
                exon: num("exon"),
                intron: num("intron"),
                hgvs_c: hgvs.to_string(),
            }
        }
        ["amp", g] => Alteration::Amplification {
            gene: g.to_string(),
        },
        ["del", g] => Alteration::Deletion {
            gene: g.to_string(),
        },
        ["fusion", a, b] => Alteration::Fusion {
            five: a.to_string(),
            three: b.to_string(),
        },
        ["msi-h"] => Alteration::MsiHigh,
        ["tmb", v] => Alteration::Tmb(v.parse().unwrap()),
        _ => panic!("bad alteration '{spec}'"),
    }
}

fn cited(findings: &[Finding]) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for f in findings {
        ids.extend(f.citations.iter().map(|c| c.id.clone()));
        for t in &f.therapies {
            ids.extend(t.citations.iter().map(|c| c.id.clone()));
        }
    }
    ids
}

/// Checks one clause of a golden case; returns the problem, if any.
fn check(clause: &str, f: &[Finding]) -> Option<String> {
    let w: Vec<&str> = clause.split(' ').collect();
    let regimens = || {
        f.iter()
            .flat_map(|x| x.therapies.iter().map(|t| t.regimen.clone()))
            .collect::<Vec<_>>()
    };
    match w.as_slice() {
        ["none"] => (!f.is_empty()).then(|| "expected no finding".into()),
        ["no", k @ ("therapeutic" | "resistance" | "prognostic" | "diagnostic")] => f
            .iter()
            .any(|x| x.kind == kind(k))
            .then(|| format!("expected no {k} finding")),
        ["no", r] => regimens()
            .iter()
            .any(|x| x == r)
            .then(|| format!("expected no '{r}'")),
        ["absent", k, r @ ..] => {
            let r = r.join(" ");
            f.iter()
                .filter(|x| x.kind == kind(k))
                .any(|x| x.therapies.iter().any(|t| t.regimen == r))
                .then(|| format!("expected no {k} '{r}'"))
        }
        ["fnote", k, text] => {
            let want = text.replace('_', " ");
            (!f.iter()
                .any(|x| x.kind == kind(k) && x.notes.iter().any(|n| n.contains(&want))))
            .then(|| format!("no {k} finding with a note containing '{want}'"))
        }
        ["origin", k, o] => {
            let got = f
                .iter()
                .find(|x| x.kind == kind(k))
                .map(|x| x.origin.as_str());
            (got != Some(*o)).then(|| format!("{k} origin {got:?}, expected {o}"))
        }
        ["best", k, level] => {
            let got = f
                .iter()
                .find(|x| x.kind == kind(k))
                .map(|x| x.level.as_str());
            (got != Some(*level)).then(|| format!("best {k} level {got:?}, expected {level}"))
        }
        [k, level, rest @ ..] => {
            // a regimen may contain spaces (trastuzumab deruxtecan): the words up to the first
            // flag are the regimen
            let flags = ["jp", "us", "gl", "notjp", "notus", "std", "notstd"];
            let n = rest
                .iter()
                .position(|x| flags.contains(x) || x.contains('='))
                .unwrap_or(rest.len());
            let regimen = rest[..n].join(" ");
            let Some(x) = f.iter().find(|x| x.kind == kind(k)) else {
                return Some(format!("no {k} finding"));
            };
            if regimen == "-" {
                return (x.level.as_str() != *level)
                    .then(|| format!("{k} level {}, expected {level}", x.level.as_str()));
            }
            let Some(t) = x.therapies.iter().find(|t| t.regimen == regimen) else {
                return Some(format!("no {k} therapy '{regimen}'"));
            };
            if t.level.as_str() != *level {
                return Some(format!(
                    "'{regimen}' at {}, expected {level}",
                    t.level.as_str()
                ));
            }
            for flag in &rest[n..] {
                let ok = match *flag {
                    "jp" => t.approved_in_japan,
                    "us" => t.approved_us,
                    "gl" => t.guideline,
                    "notjp" => !t.approved_in_japan,
                    "notus" => !t.approved_us,
                    "std" => t.access == AccessRoute::Standard,
                    "notstd" => t.access != AccessRoute::Standard,
                    other => {
                        let (key, want) = other.split_once('=').unwrap_or((other, ""));
                        let want = want.replace('_', " ");
                        match key {
                            "note" => t.notes.iter().any(|n| n.contains(&want)),
                            "label" => t.approvals.iter().any(|a| {
                                a.label_condition
                                    .as_deref()
                                    .is_some_and(|l| l.contains(&want))
                            }),
                            "cdx" => t.approvals.iter().any(|a| {
                                a.companion_diagnostic
                                    .as_deref()
                                    .is_some_and(|l| l.contains(&want))
                            }),
                            "access" => t.access.describe().contains(&want),
                            "elsewhere" => t.approved_elsewhere.iter().any(|e| e.contains(&want)),
                            _ => panic!("unknown flag '{other}'"),
                        }
                    }
                };
                if !ok {
                    return Some(format!("'{regimen}': {flag} does not hold ({t:?})"));
                }
            }
            None
        }
        _ => Some(format!("bad clause '{clause}'")),
    }
}

/// The golden cases: every class of row (SNV/indel, exon-level, splice/exon skipping, fusion
/// either partner, amplification, deletion, loss of function, biomarkers, resistance, exclusions,
/// tumour-agnostic approvals, non-solid tumours, guideline-only A, real-world caveats, prognostic,
/// diagnostic, MANE gating), each resting on cited KB items.
#[test]
fn golden_cases_of_the_shipped_kb() {
    let (k, tree) = shipped();
    let text = include_str!("../kb_cases/cases.tsv");
    let mut n = 0;
    let mut problems = Vec::new();
    let mut kinds = BTreeSet::new();
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        assert_eq!(c.len(), 5, "{line}");
        let (name, alt, cancer, expect, sources) = (c[0], c[1], c[2], c[3], c[4]);
        assert!(
            tree.contains(cancer),
            "{name}: {cancer} is not an OncoTree code"
        );
        let obs = observed(alt);
        kinds.insert(
            alt.split(' ')
                .find(|w| !["germline", "somatic"].contains(w))
                .unwrap()
                .to_string(),
        );
        let f = tier_observed(&k, &tree, cancer, &[obs]);
        for clause in expect.split(" ; ") {
            if let Some(p) = check(clause, &f) {
                problems.push(format!("{name}: {p}"));
            }
        }
        let ids = cited(&f);
        for src in sources.split(',') {
            match src.strip_prefix('!') {
                Some(id) if ids.contains(id) => problems.push(format!("{name}: {id} is cited")),
                Some(_) => {}
                None if !ids.contains(src) => {
                    problems.push(format!("{name}: {src} is not cited (cited: {ids:?})"))
                }
                None => {}
            }
            let id = src.trim_start_matches('!');
            assert!(
                k.items.iter().any(|i| i.id == id),
                "{name}: {id} is not in the KB"
            );
        }
        n += 1;
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    // 72 cases before issue 18, 43 added by it
    assert!(n >= 115, "{n} cases");
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["amp", "del", "fusion", "msi-h", "tmb", "var"]
    );
}

/// Every citation of every finding names a document and a URL a reviewer can open.
#[test]
fn every_finding_cites_openable_sources() {
    let (k, tree) = shipped();
    let text = include_str!("../kb_cases/cases.tsv");
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        for f in tier_observed(&k, &tree, c[2], &[observed(c[1])]) {
            let cits = f
                .citations
                .iter()
                .chain(f.therapies.iter().flat_map(|t| t.citations.iter()));
            let mut any = false;
            for cit in cits {
                any = true;
                assert!(cit.url.starts_with("http"), "{}: {:?}", c[0], cit);
                assert!(cit.source.len() > 5, "{}: {:?}", c[0], cit);
            }
            assert!(any, "{}: a finding without sources", c[0]);
        }
    }
}

/// Annotates a CIViC fixture variant (by gene and CIViC name) into an Alteration, on the
/// fixture's MANE transcript (older RefSeq versions: matched without the version).
fn variant(gene: &str, civic_name: &str) -> Alteration {
    let fixture = CivicFixture::load();
    let row = fixture
        .rows
        .iter()
        .find(|r| r["gene"] == gene && r["civic_variant_name"] == civic_name)
        .expect("variant in fixture");
    oncostream::clinical::triage::variant_alteration(&fixture.annotate(row))
}

/// Real variants from the fixture transcript models reach the same levels as the golden cases.
#[test]
fn annotated_fixture_variants_are_tiered() {
    let (k, tree) = shipped();
    let l858r = variant("EGFR", "L858R");
    let f = tier(&k, &tree, "LUAD", std::slice::from_ref(&l858r));
    let t = &f[0];
    assert_eq!(t.kind, FindingKind::Therapeutic);
    assert_eq!(t.level, Level::A);
    assert!(t.approved_in_japan);
    assert!(t
        .therapies
        .iter()
        .any(|x| x.regimen == "osimertinib" && x.approved_in_japan));
    let del = variant("EGFR", "E746_A750del");
    let f = tier(&k, &tree, "NSCLC", &[del]);
    assert!(f[0]
        .therapies
        .iter()
        .any(|x| x.regimen == "osimertinib" && x.level == Level::A));
    let f = tier(&k, &tree, "LUAD", &[variant("EGFR", "T790M")]);
    assert!(f.iter().any(|x| x.kind == FindingKind::Resistance
        && x.therapies.iter().any(|t| t.regimen == "gefitinib")));
    // findings sort therapeutic before resistance, best level first
    let f = tier(
        &k,
        &tree,
        "LUAD",
        &[variant("EGFR", "T790M"), Alteration::Tmb(3.0), l858r],
    );
    let order: Vec<(FindingKind, &str)> = f.iter().map(|x| (x.kind, x.level.as_str())).collect();
    assert_eq!(order.first(), Some(&(FindingKind::Therapeutic, "A")));
    let kinds: Vec<FindingKind> = order.iter().map(|x| x.0).collect();
    let mut sorted = kinds.clone();
    sorted.sort();
    assert_eq!(
        kinds, sorted,
        "therapeutic, resistance, prognostic, diagnostic"
    );
    assert!(kinds.contains(&FindingKind::Resistance));
}

/// Each drug keeps its own level: in colorectal cancer BRAF V600E gives encorafenib + cetuximab
/// (A, Japan) while dabrafenib + trametinib, excluded from the tumour-agnostic approval there,
/// is at most C through its approvals in other cancer types, never A.
#[test]
fn one_level_per_drug_and_exclusions_exclude() {
    let (k, tree) = shipped();
    let v600e = alteration("var BRAF NM_004333.6 V600E missense_variant exon15 c.1799T>A");
    let f = tier(&k, &tree, "COAD", &[v600e]);
    let th = f
        .iter()
        .find(|x| x.kind == FindingKind::Therapeutic)
        .unwrap();
    let dt = th
        .therapies
        .iter()
        .find(|t| t.regimen == "dabrafenib+trametinib")
        .expect("C via approvals elsewhere");
    assert_ne!(dt.level, Level::A);
    assert!(!dt.approved_elsewhere.is_empty(), "{dt:?}");
    assert!(dt
        .citations
        .iter()
        .all(|c| c.id != "JP-0051" && c.id != "US-0061"));
    let levels: BTreeSet<&str> = th.therapies.iter().map(|t| t.level.as_str()).collect();
    assert!(
        levels.len() >= 2,
        "several drugs with their own levels: {levels:?}"
    );
}

fn kb_cmd(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_oncostream"))
        .args(args)
        .output()
        .unwrap()
}

/// `kb validate` passes on the shipped KB (what CI checks) and reports every class of error
/// with file:line, exit 65.
#[test]
fn kb_validate_checks_the_shipped_kb_and_reports_every_bad_row() {
    let ok = kb_cmd(&["kb", "validate"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let out = String::from_utf8_lossy(&ok.stdout);
    assert!(
        out.contains("approvals_jp.tsv") && out.contains("civic.tsv"),
        "{out}"
    );
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kb");
    let ok = kb_cmd(&["kb", "validate", "--kb", s(&data)]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    let tmp = tempfile::tempdir().unwrap();
    let head = "# file: approvals_jp.tsv\n# version: t\n# date: 2026-11-01\n# licence: CC0-1.0\nid\tgene\talteration\tcancer_types\texclude\tregimen\tapproval_date\tline_of_therapy\tlabel_condition\tcompanion_diagnostic\torigin\tsource\tsource_url\tverified\tnotes\n";
    let good = "JP-0001\tBRAF\tp.V600E\tMEL\t-\tdabrafenib+trametinib\t2016-03\tany\tlabel\t-\tsomatic\tPackage insert of Tafinlar\thttps://www.pmda.go.jp/\tsearch\t-";
    let rows = [
        good.replace("\tMEL\t", "\tMEL,LUNG_ADENO\t"),
        good.replace("JP-0001\tBRAF\tp.V600E", "JP-0002\t-\tp.V600E"),
        good.replace("JP-0001\tBRAF\tp.V600E", "JP-0003\tBRAF\tcodon:600"),
        good.replace(
            "JP-0001\tBRAF\tp.V600E",
            "JP-0004\tBRAF\texon15:splice_acceptor_variant",
        ),
        good.replace("JP-0001", "JP-0005")
            .replace("2016-03", "2027-01"),
        good.replace("JP-0001", "JP-0006")
            .replace("Package insert of Tafinlar", "(as above)"),
        good.replace("JP-0001", "JP-0007")
            .replace("\tMEL\t-\t", "\t*\tCOAD,XYZ\t"),
        good.replace("JP-0001\tBRAF\tp.V600E", "JP-0008\t-\tbiomarker:MSI-High"),
        good.replace("JP-0001\tBRAF", "JP-0009\tZZZ3"),
        good.to_string(),
        good.to_string(),
    ];
    let p = tmp.path().join("approvals_jp.tsv");
    std::fs::write(&p, format!("{head}{}\n", rows.join("\n"))).unwrap();
    let o = kb_cmd(&["kb", "validate", "--kb", s(&p)]);
    assert_eq!(o.status.code(), Some(65));
    let e = String::from_utf8_lossy(&o.stderr);
    for needle in [
        "approvals_jp.tsv:6: cancer type 'LUNG_ADENO' is not an OncoTree",
        "approvals_jp.tsv:7: gene '-' goes only with a biomarker",
        "approvals_jp.tsv:8: 'codon:600': write codon:<N>:missense",
        "approvals_jp.tsv:9: 'exon15:splice_acceptor_variant': exon class",
        "approvals_jp.tsv:10: approval_date 2027-01 is after the file's date",
        "approvals_jp.tsv:11: source '(as above)' does not name a document",
        "approvals_jp.tsv:12: cancer type 'XYZ'",
        "approvals_jp.tsv:13: 'biomarker:MSI-High': unknown biomarker",
        "approvals_jp.tsv:14: gene 'ZZZ3' has no MANE Select",
        "approvals_jp.tsv:16: duplicate id 'JP-0001'",
    ] {
        assert!(e.contains(needle), "missing {needle:?} in {e}");
    }
}

/// `kb build --civic` on the CIViC 01-Aug-2024 dump (fixtures/civic, CC0) reproduces the shipped
/// `civic.tsv` and `civic_known.tsv` byte for byte, and its log counts what was dropped.
#[test]
fn civic_build_is_reproducible_and_matches_the_shipped_kb() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    for run in ["a", "b"] {
        let out = tmp.path().join(run);
        let o = kb_cmd(&[
            "kb",
            "build",
            "--civic",
            s(&root.join("fixtures/civic")),
            "-o",
            s(&out),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        for f in ["civic.tsv", "civic_known.tsv", "civic_build.log"] {
            assert_eq!(
                std::fs::read(out.join(f)).unwrap(),
                std::fs::read(root.join("data/kb").join(f)).unwrap(),
                "{f} differs from data/kb/{f}"
            );
        }
        let log = String::from_utf8_lossy(&o.stdout);
        for needle in [
            "evidence rows read: 4375",
            "dropped (does not support): 454",
            "dropped (expression): 306",
            "dropped (compound molecular profile): 296",
            "dropped (non-drug therapy (procedure, drug class or compound code)): 88",
            "dropped (resistance not established in a cancer type (below C-CAT level B)): 341",
        ] {
            assert!(log.contains(needle), "{needle} not in {log}");
        }
    }
    // a directory without a dump is refused before anything is written
    let o = kb_cmd(&[
        "kb",
        "build",
        "--civic",
        s(tmp.path()),
        "-o",
        s(&tmp.path().join("c")),
    ]);
    assert_eq!(
        o.status.code(),
        Some(66),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!tmp.path().join("c").exists());
}
