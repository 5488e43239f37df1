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
