//! The versioned JSON documents (`results.json`, `report.json`, `run_manifest.json`): written
//! atomically as pretty JSON, read back with their `kind` and `schema_version` checked first.

use std::path::Path;

use anyhow::Result;

use super::output::write_atomic;
use crate::error::{fail, ExitKind};
use crate::types::{document_name, Document};

/// Writes `doc` as pretty JSON (one trailing newline), atomically.
pub(crate) fn write_document<D: Document>(path: &Path, doc: &D) -> Result<()> {
    let mut s = serde_json::to_string_pretty(doc)?;
    s.push('\n');
    write_atomic(path, s.as_bytes())
}

/// Writes any serialisable value as pretty JSON, atomically.
pub(crate) fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    write_atomic(path, s.as_bytes())
}

/// Reads a document, refusing another kind of file or another schema version with a message
/// that says what the file is and what to do.
pub fn read_document<D: Document>(path: &Path) -> Result<D> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot read {} '{name}': {e}", D::FILE_NAME),
        )
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        fail(
            ExitKind::Data,
            format!(
                "'{name}' is not JSON ({e}); expected an oncostream {}",
                D::FILE_NAME
            ),
        )
    })?;
    let kind = value.get("kind").and_then(|k| k.as_str());
    match kind {
        Some(k) if k == D::KIND => {}
        Some(k) => {
            let what = document_name(k)
                .map(|n| format!("an oncostream {n}"))
                .unwrap_or_else(|| format!("a document of kind '{k}'"));
            return Err(fail(
                ExitKind::Data,
                format!("'{name}' is {what}, not a {}; pass the {} here", D::FILE_NAME, D::FILE_NAME),
            ));
        }
        None => {
            return Err(fail(
                ExitKind::Data,
                format!(
                    "'{name}' is not an oncostream {} of schema version {} (it has no 'kind' field; files from before version 0.2 are not read): re-run the analysis with this oncostream",
                    D::FILE_NAME,
                    D::SCHEMA_VERSION
                ),
            ))
        }
    }
    let version = value.get("schema_version").and_then(|v| v.as_u64());
    if version != Some(D::SCHEMA_VERSION as u64) {
        return Err(fail(
            ExitKind::Data,
            format!(
                "'{name}' is a {} of schema version {}, but this oncostream ({}) reads version {}: re-run the analysis with this version (or use the oncostream that wrote it)",
                D::FILE_NAME,
                version.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
                env!("CARGO_PKG_VERSION"),
                D::SCHEMA_VERSION
            ),
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        fail(
            ExitKind::Data,
            format!(
                "'{name}' is not a valid {} (schema version {}): {e}",
                D::FILE_NAME,
                D::SCHEMA_VERSION
            ),
        )
    })
}
