//! Whether a sample's output directory holds a complete run.
//!
//! METHOD: a run writes `run_manifest.json` last, after every other output, each listed with
//! its size and MD5. A directory is complete when its manifest reads back, comes from `run`,
//! and every output it lists exists with that size and MD5. Anything else — no manifest (the
//! run was stopped or failed), a missing or changed file — is incomplete and is redone from
//! scratch.

use std::path::Path;

use crate::io::json::read_document;
use crate::io::output::{file_record, list_dir, LOCK_FILE};
use crate::types::manifest::{RunManifest, MANIFEST_FILE};

/// What a sample's output directory holds.
#[derive(Debug)]
pub enum DirState {
    /// Missing or empty.
    Empty,
    /// A complete run (its manifest).
    Complete(Box<RunManifest>),
    /// Something, but not a complete run (why).
    Incomplete(String),
}

/// Inspects `dir` (reads every listed output to check its MD5).
pub fn dir_state(dir: &Path) -> DirState {
    let entries = match list_dir(dir) {
        // the lock file of a command that was killed is no output
        Ok(e) => e.into_iter().filter(|e| e != LOCK_FILE).collect::<Vec<_>>(),
        Err(e) => return DirState::Incomplete(format!("{e:#}")),
    };
    if entries.is_empty() {
        return DirState::Empty;
    }
    if !entries.iter().any(|e| e == MANIFEST_FILE) {
        return DirState::Incomplete("no run_manifest.json (the run did not finish)".into());
    }
    let m = match read_document::<RunManifest>(&dir.join(MANIFEST_FILE)) {
        Ok(m) => m,
        Err(e) => return DirState::Incomplete(format!("unreadable manifest: {e:#}")),
    };
    if !m.command.starts_with("run") {
        return DirState::Incomplete(format!(
            "the manifest is from `{}`, not from `run`",
            m.command
        ));
    }
    for o in &m.outputs {
        let p = dir.join(&o.path);
        let rec = match file_record(&p, o.md5.is_some()) {
            Ok(r) => r,
            Err(_) => return DirState::Incomplete(format!("{} is missing", o.path)),
        };
        if rec.size != o.size || (o.md5.is_some() && rec.md5 != o.md5) {
            return DirState::Incomplete(format!(
                "{} differs from the manifest (size or MD5)",
                o.path
            ));
        }
    }
    DirState::Complete(Box::new(m))
}
