//! Small text inputs read whole (knowledge bases, ontologies, transcript lists): one place that
//! opens them, with the error naming the file and its role.

use std::path::Path;

use anyhow::Result;

use crate::error::{fail, ExitKind};

/// Reads a UTF-8 text file; `what` names its role in the message (`knowledge base`, ...).
pub fn read_text(path: &Path, what: &str) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot read {what} '{}': {e}", path.display()),
        )
    })?;
    String::from_utf8(bytes).map_err(|_| {
        fail(
            ExitKind::Data,
            format!("{what} '{}' is not UTF-8 text", path.display()),
        )
    })
}

/// The files of a directory whose names end with `suffix`, sorted by path; `what` names the
/// directory's role in the message.
pub fn list_dir(dir: &Path, suffix: &str, what: &str) -> Result<Vec<std::path::PathBuf>> {
    let mut out: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            fail(
                ExitKind::NoInput,
                format!("cannot read {what} '{}': {e}", dir.display()),
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(suffix))
        })
        .collect();
    out.sort();
    Ok(out)
}
