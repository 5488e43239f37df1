//! The clinical inputs of a report, loaded and validated before any work: the cancer type
//! (an OncoTree code), the knowledge base (the built-in one, or a file), transcript models.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Result;

use crate::clinical::models::ModelSet;
use crate::clinical::{
    kb::{self, Kb, BUILTIN_KB_NAME},
    oncotree::OncoTree,
};
use crate::error::{fail, ExitKind};
use crate::io::{
    gff::{read_models, read_transcript_list},
    output::{md5_file, md5_hex},
    text::read_text,
};
use crate::types::report::KbInfo;
use crate::types::transcript::Transcript;

/// A validated knowledge base and how the report names it.
#[derive(Clone, Debug)]
pub struct LoadedKb {
    /// The items.
    pub kb: Kb,
    /// Path (or `builtin:`), version, date, MD5.
    pub info: KbInfo,
}

/// The KB files at `path`: a directory (every `*.tsv` KB file in it; the shipped MANE and
/// known-change tables unless it has its own) or one item file (plus the shipped tables).
/// What a file of a `--kb` directory is.
#[derive(Debug, PartialEq, Eq)]
enum KbDirFile {
    /// A KB table (its text, without a byte-order mark).
    Table(String),
    /// The CIViC disease crosswalk (an input of `kb build`, not of the KB).
    Crosswalk,
    /// Documentation or a build log.
    Documentation,
}

/// METHOD: every file of a `--kb` directory is recognised or refused (a table that was skipped
/// because it was empty, saved with a byte-order mark or began with a comment let the shipped
/// table be used in its place, and `kb validate` said ok): `*.tsv` files must carry a
/// `# file: <kind>.tsv` line among their leading comment lines (a UTF-8 byte-order mark is
/// removed first; an empty file is an error); `*.md`, `*.log` and `*.txt` are documentation;
/// hidden files are ignored; anything else is refused.
fn classify_kb_file(p: &Path) -> Result<KbDirFile> {
    let fname = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let refuse = |why: String| {
        fail(
            ExitKind::Data,
            format!("knowledge-base directory file '{}' {why}", p.display()),
        )
    };
    if [".md", ".log", ".txt"].iter().any(|e| fname.ends_with(e)) {
        return Ok(KbDirFile::Documentation);
    }
    if !fname.ends_with(".tsv") {
        return Err(refuse(
            "is not a KB table (*.tsv) or documentation (*.md, *.log, *.txt); move it out of the directory".into(),
        ));
    }
    let text = read_text(p, "knowledge-base file")?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    if text.trim().is_empty() {
        return Err(refuse(
            "is empty; restore it or remove it from the directory".into(),
        ));
    }
    let kind = text
        .lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty())
        .find_map(|l| {
            l.strip_prefix('#')
                .map(str::trim)
                .and_then(|c| c.strip_prefix("file:"))
        })
        .map(|k| k.trim().to_string());
    match kind.as_deref() {
        Some("civic_disease_oncotree.tsv") => Ok(KbDirFile::Crosswalk),
        Some(_) => Ok(KbDirFile::Table(text)),
        None => Err(refuse(
            "has no '# file: <kind>.tsv' line among its leading comment lines, so it is not a KB table; add the line or move the file out of the directory".into(),
        )),
    }
}

fn kb_files(path: &Path) -> Result<Vec<(String, String)>> {
    let mut files: Vec<(String, String)> = Vec::new();
    if path.is_dir() {
        let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(path)
            .map_err(|e| {
                fail(
                    ExitKind::NoInput,
                    format!(
                        "cannot read knowledge-base directory '{}': {e}",
                        path.display()
                    ),
                )
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                    && !p.is_dir()
            })
            .collect();
        names.sort();
        for p in names {
            if let KbDirFile::Table(text) = classify_kb_file(&p)? {
                files.push((p.display().to_string(), text));
            }
        }
        if files.is_empty() {
            return Err(fail(
                ExitKind::Data,
                format!(
                    "'{}' holds no knowledge-base file (*.tsv with a '# file:' line)",
                    path.display()
                ),
            ));
        }
    } else {
        let text = read_text(path, "knowledge base")?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
        files.push((path.display().to_string(), text));
    }
    for (name, text) in kb::BUILTIN_FILES {
        let tag = format!("# file: {name}");
        let has = |t: &str| {
            t.lines()
                .take_while(|l| l.starts_with('#') || l.trim().is_empty())
                .any(|l| l.trim() == tag)
        };
        let table = name.starts_with("mane")
            || name.starts_with("civic_known")
            || name.starts_with("known_");
        if table && !files.iter().any(|(_, t)| has(t)) {
            files.push((format!("builtin:data/kb/{name}"), text.to_string()));
        }
    }
    Ok(files)
}

/// Loads and validates the KB at `path` (a directory or a file), or the one compiled into the
/// binary. The MD5 covers every file's bytes, in name order.
pub(crate) fn load_kb(path: Option<&Path>, tree: &OncoTree) -> Result<LoadedKb> {
    let (files, name) = match path {
        Some(p) => (kb_files(p)?, p.display().to_string()),
        None => (
            kb::BUILTIN_FILES
                .iter()
                .map(|(n, t)| (format!("builtin:data/kb/{n}"), t.to_string()))
                .collect(),
            BUILTIN_KB_NAME.to_string(),
        ),
    };
    let k = kb::parse_files(&files, tree)?;
    let mut sorted: Vec<&(String, String)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut all = Vec::new();
    for (_, t) in sorted {
        all.extend_from_slice(t.as_bytes());
    }
    Ok(LoadedKb {
        info: KbInfo {
            path: name,
            version: k.version(),
            date: k.date(),
            md5: md5_hex(&all),
        },
        kb: k,
    })
}

/// Refuses a cancer type that is not an OncoTree code (exit 64), with examples.
pub(crate) fn check_cancer_type(tree: &OncoTree, code: &str) -> Result<()> {
    if tree.contains(code) {
        return Ok(());
    }
    let upper = code.to_ascii_uppercase();
    let hint = if upper != code && tree.contains(&upper) {
        format!(" (did you mean {upper}?)")
    } else {
        String::new()
    };
    Err(fail(
        ExitKind::Usage,
        format!(
            "--cancer-type '{code}' is not an OncoTree code{hint}; use a code of OncoTree 2025-10-03 such as LUAD, COADREAD, MEL, BRCA, STAD, PAAD"
        ),
    ))
}

/// Transcript models and the preferred-transcript list: `--gff` (GFF3/GTF), else the GRCh38
/// MANE Select models shipped in the binary; fitted to a reference with [`ModelSet::fit`].
pub(crate) fn load_models(
    gff: Option<&Path>,
    transcripts: Option<&Path>,
) -> Result<(ModelSet, HashSet<String>)> {
    let set = match gff {
        Some(g) => {
            let m = read_models(g)?;
            if m.is_empty() {
                return Err(fail(
                    ExitKind::Data,
                    format!(
                        "'{}' holds no transcript with exons: is it a GFF3/GTF of transcript models?",
                        g.display()
                    ),
                ));
            }
            ModelSet::user(m, &g.display().to_string(), md5_file(g)?)
        }
        None => ModelSet::shipped()?,
    };
    Ok((set, read_transcript_list(transcripts)?))
}

/// The gene symbols a knowledge base names: its items' genes, fusion partners and the genes of
/// its MANE table.
pub(crate) fn kb_genes(kb: &Kb) -> Vec<&str> {
    let mut genes: Vec<&str> = kb
        .items
        .iter()
        .filter_map(|i| i.gene.as_deref())
        .chain(
            kb.items
                .iter()
                .filter_map(|i| i.alteration.strip_prefix("fusion:")),
        )
        .chain(kb.mane.keys().map(String::as_str))
        .filter(|g| !g.is_empty() && *g != "-")
        .collect();
    genes.sort_unstable();
    genes.dedup();
    genes
}

/// The report's sentence on what the transcript models could not annotate: no model at all
/// (and why), or the genes of the knowledge base without a model.
pub(crate) fn models_limitation(
    set: &ModelSet,
    fitted: &crate::clinical::models::FittedModels,
    kb: &Kb,
) -> Option<String> {
    if fitted.models.is_empty() {
        return Some(format!(
            "genes and HGVS not annotated: {}",
            fitted
                .record
                .note
                .as_deref()
                .unwrap_or("no transcript models")
        ));
    }
    let missing = set.genes_without_model(&fitted.models, kb_genes(kb));
    // the file's name (not its directory: the report is the same wherever the file lies)
    let file = Path::new(&fitted.record.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| fitted.record.path.clone());
    (!missing.is_empty()).then(|| {
        format!(
            "transcript models ({}): no model for {} gene(s) the knowledge base names ({}); their variants are not annotated and cannot be tiered (pass --gff with models that include them)",
            fitted.record.name.as_deref().unwrap_or(&file),
            missing.len(),
            first_names(&missing, MISSING_SHOWN)
        )
    })
}

/// Up to this many genes without a model are named in the report's sentence.
const MISSING_SHOWN: usize = 10;

/// `a, b, c` or `a, b, c and 7 more`.
fn first_names(names: &[String], shown: usize) -> String {
    if names.len() <= shown {
        return names.join(", ");
    }
    format!(
        "{} and {} more",
        names[..shown].join(", "),
        names.len() - shown
    )
}

/// Refuses transcript models that reach past the end of a contig of `reference`.
pub(crate) fn check_models(
    models: &[Transcript],
    gff: &Path,
    reference: &crate::io::reference::Reference,
) -> Result<()> {
    let contigs: Vec<(String, u64)> = reference
        .seqs()
        .iter()
        .map(|s| (s.name.clone(), s.len))
        .collect();
    crate::io::gff::check_against_contigs(models, gff, &contigs)
}

/// Basic items of a report as given (flags and an optional file), unvalidated.
#[derive(Clone, Debug, Default)]
pub struct CaseOptions {
    /// `key: value` or `key,value` file.
    pub file: Option<std::path::PathBuf>,
    /// `--patient-id`.
    pub patient_id: Option<String>,
    /// `--specimen-id`.
    pub specimen_id: Option<String>,
    /// `--specimen-type`.
    pub specimen_type: Option<String>,
    /// `--collection-date`.
    pub collection_date: Option<String>,
    /// `--tumor-content` (percent).
    pub tumor_content: Option<f64>,
    /// `--institution`.
    pub institution: Option<String>,
    /// `--test-name`.
    pub test_name: Option<String>,
    /// `--genome-build`.
    pub genome_build: Option<String>,
}

/// Whether `d` is a calendar date YYYY-MM-DD.
fn calendar_date(d: &str) -> bool {
    let p: Vec<&str> = d.split('-').collect();
    if p.len() != 3 || p[0].len() != 4 || p[1].len() != 2 || p[2].len() != 2 {
        return false;
    }
    let (Ok(y), Ok(m), Ok(day)) = (
        p[0].parse::<u32>(),
        p[1].parse::<u32>(),
        p[2].parse::<u32>(),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    (1..=12).contains(&m) && day >= 1 && day <= days[(m - 1) as usize]
}

/// Validates the basic items (exit 64 for a bad flag, 65 for a bad file line): dates are calendar
/// dates, tumor content is a percentage, text has no control characters, unknown keys are refused.
pub(crate) fn load_case(o: &CaseOptions) -> Result<crate::types::report::CaseInfo> {
    let mut c = crate::types::report::CaseInfo::default();
    let mut content: Option<(f64, String)> = None;
    if let Some(p) = &o.file {
        let text = read_text(p, "case-info file")?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let mut seen = HashSet::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line == "key,value" {
                continue;
            }
            let (k, v) = line
                .split_once(':')
                .filter(|(k, _)| !k.contains(','))
                .or_else(|| line.split_once(','))
                .ok_or_else(|| {
                    fail(
                        ExitKind::Data,
                        format!(
                            "{}:{}: expected 'key: value' or 'key,value'",
                            p.display(),
                            i + 1
                        ),
                    )
                })?;
            let (k, v) = (k.trim(), v.trim().trim_matches('"').to_string());
            let at = format!("{}:{}", p.display(), i + 1);
            // one value per item: a second line for the same item (patient-id twice) would
            // silently replace the first
            let canonical = k.replace('_', "-");
            if !seen.insert(canonical.clone()) {
                return Err(fail(
                    ExitKind::Data,
                    format!("{at}: '{k}' is given twice; give each item once"),
                ));
            }
            match k {
                "patient-id" | "patient_id" => c.patient_id = Some(v),
                "specimen-id" | "specimen_id" => c.specimen_id = Some(v),
                "specimen-type" | "specimen_type" => c.specimen_type = Some(v),
                "collection-date" | "collection_date" => c.collection_date = Some(v),
                "tumor-content" | "tumor_content" => {
                    let x = v.trim_end_matches('%').trim().parse::<f64>().map_err(|_| {
                        fail(ExitKind::Data, format!("{at}: tumor-content '{v}' is not a percentage"))
                    })?;
                    content = Some((x, at));
                }
                "institution" => c.institution = Some(v),
                "test-name" | "test_name" => c.test_name = Some(v),
                "genome-build" | "genome_build" => c.genome_build = Some(v),
                other => {
                    return Err(fail(
                        ExitKind::Data,
                        format!("{at}: unknown key '{other}' (patient-id, specimen-id, specimen-type, collection-date, tumor-content, institution, test-name, genome-build)"),
                    ))
                }
            }
        }
    }
    let set = |slot: &mut Option<String>, v: &Option<String>| {
        if v.is_some() {
            *slot = v.clone();
        }
    };
    set(&mut c.patient_id, &o.patient_id);
    set(&mut c.specimen_id, &o.specimen_id);
    set(&mut c.specimen_type, &o.specimen_type);
    set(&mut c.collection_date, &o.collection_date);
    set(&mut c.institution, &o.institution);
    set(&mut c.test_name, &o.test_name);
    set(&mut c.genome_build, &o.genome_build);
    if let Some(x) = o.tumor_content {
        content = Some((x, "--tumor-content".into()));
    }
    if let Some((x, at)) = content {
        if !(x.is_finite() && (0.0..=100.0).contains(&x)) {
            return Err(fail(
                ExitKind::Usage,
                format!("{at}: tumor content {x} is not a percentage (0-100)"),
            ));
        }
        c.pathology_tumor_content = Some(x);
    }
    if let Some(d) = &c.collection_date {
        if !calendar_date(d) {
            return Err(fail(
                ExitKind::Usage,
                format!("collection date '{d}' is not a date YYYY-MM-DD"),
            ));
        }
    }
    for v in [
        &c.patient_id,
        &c.specimen_id,
        &c.specimen_type,
        &c.institution,
        &c.test_name,
        &c.genome_build,
    ]
    .into_iter()
    .flatten()
    {
        if v.is_empty() || v.chars().any(|ch| ch.is_control()) || v.len() > 200 {
            return Err(fail(
                ExitKind::Usage,
                format!(
                    "basic item '{}' is empty, too long or holds control characters",
                    v.escape_debug()
                ),
            ));
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    // property tests (issue 19): a generated case-information file is read as written; a
    // mutated one never panics and is refused naming the file
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn long_gene_lists_are_cut_with_a_count() {
        let g: Vec<String> = ["A", "B", "C"].map(String::from).to_vec();
        assert_eq!(first_names(&g, 3), "A, B, C");
        assert_eq!(first_names(&g, 2), "A, B and 1 more");
    }

    fn load(text: &str) -> Result<crate::types::report::CaseInfo> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("case.txt");
        std::fs::write(&p, text).unwrap();
        load_case(&CaseOptions {
            file: Some(p),
            ..CaseOptions::default()
        })
    }

    proptest! {
        #![proptest_config(crate::io::props::config())]

        #[test]
        fn a_generated_case_file_is_read_as_written(
            patient in "[A-Za-z0-9][A-Za-z0-9 _./-]{0,20}[A-Za-z0-9]",
            specimen in "[A-Za-z0-9-]{1,12}",
            (y, m, d) in (1990u32..2040, 1u32..13, 1u32..29),
            content in 0u32..=100,
            csv in any::<bool>(),
        ) {
            let date = format!("{y:04}-{m:02}-{d:02}");
            let sep = if csv { "," } else { ": " };
            let text = format!(
                "\u{feff}# case\npatient-id{sep}{patient}\nspecimen_id{sep}{specimen}\ncollection-date{sep}{date}\ntumor-content{sep}{content}%\n"
            );
            let c = load(&text).unwrap();
            prop_assert_eq!(c.patient_id.as_deref(), Some(patient.as_str()));
            prop_assert_eq!(c.specimen_id.as_deref(), Some(specimen.as_str()));
            prop_assert_eq!(c.collection_date.as_deref(), Some(date.as_str()));
            prop_assert_eq!(c.pathology_tumor_content, Some(content as f64));
        }

        #[test]
        fn a_mutated_case_file_never_panics(op in any::<u8>(), at in any::<usize>(), pick in any::<usize>()) {
            let text = "patient-id: P-001\nspecimen-id: S-001\nspecimen-type: FFPE\ncollection-date: 2026-01-05\ntumor-content: 60\ninstitution: Hospital\n";
            let text = crate::io::props::mutate_sep(text, ':', op, at, pick);
            if let Err(e) = load(&text) {
                prop_assert!(matches!(crate::error::exit_kind(&e), ExitKind::Data | ExitKind::Usage), "{e:#}");
            }
        }
    }
}
