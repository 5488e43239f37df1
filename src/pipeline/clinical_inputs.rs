//! The clinical inputs of a report, loaded and validated before any work: the cancer type
//! (an OncoTree code), the knowledge base (the built-in one, or a file), transcript models.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Result;

use crate::clinical::{
    kb::{self, Kb, BUILTIN_KB, BUILTIN_KB_NAME},
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

/// Loads and validates the KB at `path`, or the one compiled into the binary.
pub fn load_kb(path: Option<&Path>, tree: &OncoTree) -> Result<LoadedKb> {
    let (text, name) = match path {
        Some(p) => (read_text(p, "knowledge base")?, p.display().to_string()),
        None => (BUILTIN_KB.to_string(), BUILTIN_KB_NAME.to_string()),
    };
    let k = kb::parse(&text, &name, tree)?;
    Ok(LoadedKb {
        info: KbInfo {
            path: name,
            version: k.version.clone(),
            date: k.date.clone(),
            md5: md5_hex(text.as_bytes()),
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
