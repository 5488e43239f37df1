//! Tiering golden cases: real variants annotated from the fixture transcripts, tiered with the
//! bundled starter KB (data/kb) for several cancer types.

use oncostream::clinical::{
    kb,
    oncotree::OncoTree,
    tier::{tier, Alteration, Finding},
};

use crate::util::{s, CivicFixture};

/// Annotates a CIViC fixture variant (by gene and CIViC name) into an Alteration.
fn variant(gene: &str, civic_name: &str) -> Alteration {
    let fixture = CivicFixture::load();
    let row = fixture
        .rows
        .iter()
        .find(|r| r["gene"] == gene && r["civic_variant_name"] == civic_name)
        .expect("variant in fixture");
    let a = fixture.annotate(row);
    Alteration::Variant {
        gene: gene.into(),
        protein_change: a.protein_change.clone(),
        consequence: a.consequence.clone(),
        exon: a.exon,
        intron: None,
    }
}

fn tiered(cancer: &str, alts: &[Alteration]) -> Vec<Finding> {
    let tree = OncoTree::bundled();
    let k = kb::parse(kb::BUILTIN_KB, kb::BUILTIN_KB_NAME, &tree).unwrap();
    tier(&k, &tree, cancer, alts)
}

fn level_of<'a>(f: &'a [Finding], alteration: &str, level: &str) -> Option<&'a Finding> {
    f.iter()
        .find(|x| x.alteration == alteration && x.level.as_str() == level)
}

#[test]
fn egfr_l858r_is_a_in_lung_adenocarcinoma_and_c_in_colorectal() {
    let l858r = variant("EGFR", "L858R");
    let lung = tiered("LUAD", std::slice::from_ref(&l858r));
    let a = level_of(&lung, "L858R", "A").expect("A in LUAD (walks up LUAD -> NSCLC)");
    assert!(a.approved_in_japan);
    assert_eq!(a.level_label, "A (approved in Japan)");
    assert!(a.drugs.contains(&"osimertinib".to_string()));
    let crc = tiered("COADREAD", &[l858r]);
    let c = level_of(&crc, "L858R", "C")
        .expect("C in colorectal: approved only in another cancer type");
    assert!(!c.approved_in_japan);
    assert!(crc.iter().all(|f| f.level.as_str() != "A"));
}

#[test]
fn exon19_deletion_matches_by_exon_and_class() {
    let del = variant("EGFR", "E746_A750del");
    let f = tiered("NSCLC", &[del]);
    let a = level_of(&f, "E746_A750del", "A").expect("exon19:inframe_deletion");
    assert!(a.approved_in_japan);
}

#[test]
fn t790m_carries_resistance_to_first_generation_inhibitors() {
    let f = tiered("LUAD", &[variant("EGFR", "T790M")]);
    let a = level_of(&f, "T790M", "A").unwrap();
    assert_eq!(a.drugs, vec!["osimertinib".to_string()]);
    let r = level_of(&f, "T790M", "R").expect("resistance finding");
    assert!(
        r.drugs.contains(&"gefitinib".to_string()) && r.drugs.contains(&"erlotinib".to_string())
    );
}

#[test]
fn braf_v600e_tumor_agnostic_in_japan_except_colorectal() {
    let v600e = variant("BRAF", "V600E");
    // papillary thyroid cancer: no type-specific row; the tumor-agnostic Japanese approval
    // (2023, all solid tumors except colorectal) makes it A (approved in Japan)
    let thyroid = tiered("THPA", std::slice::from_ref(&v600e));
    let a = level_of(&thyroid, "V600E", "A").unwrap();
    assert!(a.approved_in_japan);
    assert_eq!(a.drugs, vec!["dabrafenib+trametinib".to_string()]);
    // colorectal: encorafenib + cetuximab (A, Japan) and resistance to anti-EGFR antibodies;
    // the tumor-agnostic dabrafenib + trametinib row does NOT apply
    let crc = tiered("COAD", &[v600e]);
    let a = level_of(&crc, "V600E", "A").unwrap();
    assert!(a.drugs.iter().any(|d| d.starts_with("encorafenib")));
    assert!(!a.drugs.iter().any(|d| d == "dabrafenib+trametinib"));
    assert!(level_of(&crc, "V600E", "R").is_some());
}

#[test]
fn biomarkers_are_tiered_like_alterations() {
    let f = tiered("UCEC", &[Alteration::MsiHigh, Alteration::Tmb(12.5)]);
    let msi = level_of(&f, "MSI-H", "A").unwrap();
    assert!(msi.approved_in_japan && msi.drugs == vec!["pembrolizumab".to_string()]);
    assert!(level_of(&f, "TMB-high", "A").unwrap().approved_in_japan);
    assert!(
        tiered("UCEC", &[Alteration::Tmb(8.0)]).is_empty(),
        "TMB 8/Mb is not TMB-high"
    );
    // TPM3::NTRK1 (NTRK1 is the 3' partner) matches the tumor-agnostic `NTRK1 fusion:*` row
    let ntrk = tiered(
        "SARCNOS",
        &[Alteration::Fusion {
            five: "TPM3".into(),
            three: "NTRK1".into(),
        }],
    );
    let f = level_of(&ntrk, "fusion", "A").unwrap();
    assert!(f.approved_in_japan);
    assert_eq!(f.gene, "TPM3::NTRK1");
}

#[test]
fn a_fusion_matches_by_either_partner() {
    // EML4::ALK: the KB row is written on ALK, the 3' partner
    let eml4_alk = Alteration::Fusion {
        five: "EML4".into(),
        three: "ALK".into(),
    };
    let f = tiered("LUAD", std::slice::from_ref(&eml4_alk));
    let a = level_of(&f, "fusion", "A").expect("EML4::ALK is level A in lung adenocarcinoma");
    assert!(a.drugs.iter().any(|d| d == "alectinib"));
    // the reciprocal product ALK::EML4 also carries ALK, and a fusion of two other genes none
    let other = Alteration::Fusion {
        five: "EML4".into(),
        three: "TP53".into(),
    };
    assert!(tiered("LUAD", &[other]).is_empty());
}

#[test]
fn findings_sort_by_level() {
    let f = tiered(
        "LUAD",
        &[
            variant("EGFR", "T790M"),
            Alteration::Tmb(3.0),
            variant("EGFR", "L858R"),
        ],
    );
    let levels: Vec<&str> = f.iter().map(|x| x.level.as_str()).collect();
    assert_eq!(levels, vec!["A", "A", "R"]);
}

#[test]
fn kb_validate_reports_every_bad_row_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("bad.tsv");
    std::fs::write(
        &p,
        "# version: t\n# date: 2026-13-1\ngene\tmatcher\tcancer_type\tdrugs\tlevel\tapproved_japan\tapproved_us\tdirection\tcitation\n\
         EGFR\tL858R\tLUADX\tosimertinib\tA\tyes\tyes\tsensitive\tx\n\
         EGFR\tfoo bar\tLUAD\tx\tB\tno\tno\tsensitive\tc\n\
         BRAF\tV600E\tMEL\tx\tZ\tno\tno\tsensitive\tc\n\
         BRAF\tV600E\tMEL\tx\tA\tno\tno\tsensitive\tc\n",
    )
    .unwrap();
    let kb_cmd = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_oncostream"))
            .args(args)
            .output()
            .unwrap()
    };
    let o = kb_cmd(&["kb", "validate", "--kb", s(&p)]);
    assert_eq!(o.status.code(), Some(65));
    let e = String::from_utf8_lossy(&o.stderr);
    for needle in [
        "bad.tsv:2: date '2026-13-1' is not YYYY-MM-DD",
        "bad.tsv:4: cancer type 'LUADX' is not an OncoTree code",
        "bad.tsv:5: unknown matcher 'foo bar'",
        "bad.tsv:6: level 'Z'",
        "bad.tsv:7: level A needs an approval",
    ] {
        assert!(e.contains(needle), "missing {needle:?} in {e}");
    }
    let ok = kb_cmd(&["kb", "validate"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn exon_range_matchers() {
    let tree = OncoTree::bundled();
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("kb.tsv");
    std::fs::write(
        &p,
        "# version: r\n# date: 2026-11-21\ngene\tmatcher\tcancer_type\tdrugs\tlevel\tapproved_japan\tapproved_us\tdirection\tcitation\n\
         EGFR\texon18-21:missense_variant\tNSCLC\tdrugX\tB\tno\tno\tsensitive\tillustrative test row\n",
    )
    .unwrap();
    let k = kb::parse(&std::fs::read_to_string(&p).unwrap(), "kb.tsv", &tree).unwrap();
    let f = tier(
        &k,
        &tree,
        "LUAD",
        &[variant("EGFR", "L858R"), variant("EGFR", "T790M")],
    );
    assert_eq!(
        f.iter().filter(|x| x.level.as_str() == "B").count(),
        2,
        "exon 21 and exon 20 are inside 18-21"
    );
}
