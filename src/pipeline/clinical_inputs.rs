//! The clinical inputs of a report, loaded and validated before any work: the cancer type
//! (an OncoTree code), the knowledge base (the built-in one, or a file), transcript models.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Result;

use crate::clinical::{
    kb::{self, Kb, BUILTIN_KB_NAME},
    oncotree::OncoTree,
};
use crate::error::{fail, ExitKind};
use crate::io::{
    gff::{read_models, read_transcript_list},
    output::md5_hex,
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
            .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
            .collect();
        names.sort();
        for p in names {
            let text = read_text(&p, "knowledge-base file")?;
            // only KB files (the crosswalk and other TSVs of the directory are not)
            if text
                .lines()
                .next()
                .is_some_and(|l| l.starts_with("# file:"))
                && !text.starts_with("# file: civic_disease_oncotree.tsv")
            {
                files.push((p.display().to_string(), text));
            }
        }
        if files.is_empty() {
            return Err(fail(
                ExitKind::Data,
                format!(
                    "'{}' holds no knowledge-base file (*.tsv starting with '# file:')",
                    path.display()
                ),
            ));
        }
    } else {
        files.push((
            path.display().to_string(),
            read_text(path, "knowledge base")?,
        ));
    }
    for (name, text) in kb::BUILTIN_FILES {
        let tag = format!("# file: {name}");
        let table = name.starts_with("mane")
            || name.starts_with("civic_known")
            || name.starts_with("known_");
        if table && !files.iter().any(|(_, t)| t.starts_with(&tag)) {
            files.push((format!("builtin:data/kb/{name}"), text.to_string()));
        }
    }
    Ok(files)
}

/// Loads and validates the KB at `path` (a directory or a file), or the one compiled into the
/// binary. The MD5 covers every file's bytes, in name order.
pub fn load_kb(path: Option<&Path>, tree: &OncoTree) -> Result<LoadedKb> {
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
pub fn check_cancer_type(tree: &OncoTree, code: &str) -> Result<()> {
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

/// Transcript models (GFF3/GTF) and the preferred-transcript list, both optional.
pub fn load_models(
    gff: Option<&Path>,
    transcripts: Option<&Path>,
) -> Result<(Vec<Transcript>, HashSet<String>)> {
    let models = match gff {
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
            m
        }
        None => Vec::new(),
    };
    Ok((models, read_transcript_list(transcripts)?))
}
