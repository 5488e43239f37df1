//! Output directories that cannot be mistaken for another run's.
//!
//! METHOD: a command that fills an output directory (`run`, `report`, `retier`) claims it
//! after every input has been validated and before anything is written:
//! - an empty (or missing) directory is created and used;
//! - a directory whose `run_manifest.json` names the same run id is reused by `report` /
//!   `retier` of that run (their outputs are replaced, the manifest extended);
//! - anything else (another run's outputs, a half-finished run, unrelated files) is refused
//!   (exit 73) unless `--force`; with `--force` every file oncostream writes there (and every
//!   file the old manifest lists) is removed first, and unrelated files are kept, with a warning.
//!
//! The manifest is written LAST: inputs with sizes and checksums, tool and KB versions, and
//! every output with its checksum. A directory without a manifest is an unfinished run.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::error::{fail, ExitKind};
use crate::io::{
    json::{read_document, write_document},
    output::{create_dir, file_record, list_dir, remove_files},
};
use crate::log;
use crate::types::manifest::{
    ManifestFile, RunManifest, MANIFEST_FILE, MANIFEST_KIND, MANIFEST_SCHEMA_VERSION,
};

/// Every file name oncostream writes into an output directory.
pub const KNOWN_OUTPUTS: &[&str] = &[
    "calls.vcf.gz",
    "calls.vcf.gz.tbi",
    "results.json",
    "metrics.json",
    "msi_histograms.tsv",
    "callable.bed",
    "copy_number.seg",
    "copy_number_segments.tsv",
    "copy_number_genes.tsv",
    "sv.vcf.gz",
    "sv.vcf.gz.tbi",
    "report.json",
    "report.html",
    "report.pdf",
    "retier_diff.tsv",
    crate::report::multiqc::GENERAL_FILE,
    crate::report::multiqc::THROUGHPUT_FILE,
    crate::report::multiqc::MONITOR_FILE,
    crate::types::monitor::MONITOR_FILE,
    "monitor.html",
    "monitor_variants.tsv",
    MANIFEST_FILE,
];

fn is_ours(name: &str) -> bool {
    KNOWN_OUTPUTS.contains(&name)
        || name.contains(".oncostream-tmp-")
        || (name.starts_with("families_") && name.ends_with(".tsv"))
}

/// A new run id (UUID v4).
pub fn new_run_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The current UTC time, RFC 3339 to the second (`2026-11-28T09:15:02Z`).
pub fn now_utc() -> String {
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::now_utc()
        .format(&f)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// What an output directory holds before a command writes into it.
pub struct OutdirState {
    /// The directory.
    pub dir: PathBuf,
    /// Its entries.
    pub entries: Vec<String>,
    /// Its manifest, when present and readable.
    pub manifest: Option<RunManifest>,
}

/// Looks at `dir` without changing anything; refuses early (before any input is opened) when
/// it belongs to another run and neither `force` nor `same_run` allows reusing it.
pub fn inspect(dir: &Path, force: bool, same_run: Option<&str>) -> Result<OutdirState> {
    if dir.exists() && !dir.is_dir() {
        return Err(fail(
            ExitKind::CantCreate,
            format!("output directory '{}' is a file", dir.display()),
        ));
    }
    let entries = list_dir(dir)?;
    let manifest = if entries.iter().any(|e| e == MANIFEST_FILE) {
        read_document::<RunManifest>(&dir.join(MANIFEST_FILE)).ok()
    } else {
        None
    };
    let state = OutdirState {
        dir: dir.to_path_buf(),
        entries,
        manifest,
    };
    if state.entries.is_empty() || force {
        return Ok(state);
    }
    if let (Some(id), Some(m)) = (same_run, &state.manifest) {
        if m.run_id == id {
            return Ok(state);
        }
    }
    let what = match &state.manifest {
        Some(m) => format!(
            "the outputs of another run (run id {}, {} of tumor sample '{}', {})",
            m.run_id,
            m.command,
            m.tumor_sample.as_deref().unwrap_or("?"),
            m.completed
        ),
        None if state.entries.iter().any(|e| is_ours(e)) => {
            "the outputs of an unfinished or older run (no run_manifest.json)".to_string()
        }
        None => format!("{} unrelated file(s)", state.entries.len()),
    };
    Err(fail(
        ExitKind::CantCreate,
        format!(
            "output directory '{}' is not empty: it holds {what}; choose an empty directory, or pass --force to replace oncostream's files there",
            dir.display()
        ),
    ))
}

impl OutdirState {
    /// Creates the directory and removes what a previous run left (with `--force`, or the
    /// outputs `replace` of the same run). Call only once every input has been validated.
    pub fn claim(&self, replace: &[&str]) -> Result<()> {
        create_dir(&self.dir)?;
        let same_run_reuse = !replace.is_empty();
        let mut remove: Vec<String> = if same_run_reuse {
            replace.iter().map(|s| s.to_string()).collect()
        } else {
            self.entries
                .iter()
                .filter(|e| is_ours(e))
                .cloned()
                .collect()
        };
        if !same_run_reuse {
            if let Some(m) = &self.manifest {
                for o in &m.outputs {
                    if !o.path.contains('/') && !remove.contains(&o.path) {
                        remove.push(o.path.clone());
                    }
                }
            }
            let kept: Vec<&String> = self
                .entries
                .iter()
                .filter(|e| !remove.contains(e))
                .collect();
            if !kept.is_empty() {
                log::warn(&format!(
                    "output directory '{}': keeping {} file(s) oncostream did not write ({})",
                    self.dir.display(),
                    kept.len(),
                    kept.iter()
                        .take(3)
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        if !remove.is_empty() {
            // the manifest goes first: a directory without one is never taken as complete
            remove.sort_by_key(|n| n != MANIFEST_FILE);
            remove_files(&self.dir, &remove)?;
        }
        Ok(())
    }
}

/// Collects what a command read and wrote; written last as `run_manifest.json`.
pub struct Manifest {
    doc: RunManifest,
    dir: PathBuf,
}

impl Manifest {
    /// Starts the manifest of run `run_id` (command `command`) writing into `dir`.
    pub fn new(dir: &Path, run_id: &str, command: &str, started: &str) -> Manifest {
        Manifest {
            doc: RunManifest {
                kind: MANIFEST_KIND.into(),
                schema_version: MANIFEST_SCHEMA_VERSION,
                run_id: run_id.into(),
                tool: "oncostream".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                command: command.into(),
                argv: std::env::args().collect(),
                started: started.into(),
                completed: String::new(),
                tumor_sample: None,
                normal_sample: None,
                sample_id: None,
                settings_digest: None,
                kb_version: None,
                inputs: Vec::new(),
                outputs: Vec::new(),
            },
            dir: dir.to_path_buf(),
        }
    }

    /// Continues the manifest of the same run found in the directory (report / retier into a
    /// run's directory): its inputs and outputs are kept, replaced outputs updated.
    pub fn extend(mut previous: RunManifest, dir: &Path, command: &str) -> Manifest {
        previous.command = format!("{} + {command}", previous.command);
        previous.argv = std::env::args().collect();
        Manifest {
            doc: previous,
            dir: dir.to_path_buf(),
        }
    }

    /// Sets the sample names.
    pub fn samples(&mut self, tumor: &str, normal: Option<&str>) {
        self.doc.tumor_sample = Some(tumor.into());
        self.doc.normal_sample = normal.map(String::from);
    }

    /// Sets the analysis name and the settings digest.
    pub fn analysis(&mut self, sample_id: Option<&str>, digest: &str) {
        self.doc.sample_id = sample_id.map(String::from);
        self.doc.settings_digest = Some(digest.into());
    }

    /// Sets the KB version.
    pub fn kb(&mut self, version: &str) {
        self.doc.kb_version = Some(version.into());
    }

    /// Records an input file (size, and MD5 when given).
    pub fn input(&mut self, role: &str, path: &str, size: u64, md5: Option<String>) {
        self.doc
            .inputs
            .retain(|f| !(f.role == role && f.path == path));
        self.doc.inputs.push(ManifestFile {
            role: role.into(),
            path: path.into(),
            size,
            md5,
        });
    }

    /// Records an output just written into the directory (its size and MD5 are read now).
    pub fn output(&mut self, role: &str, name: &str) -> Result<()> {
        let rec = file_record(&self.dir.join(name), true)?;
        self.doc.outputs.retain(|f| f.path != name);
        self.doc.outputs.push(ManifestFile {
            role: role.into(),
            path: name.into(),
            size: rec.size,
            md5: rec.md5,
        });
        Ok(())
    }

    /// Writes `run_manifest.json` (last).
    pub fn finish(mut self) -> Result<RunManifest> {
        self.doc.completed = now_utc();
        write_document(&self.dir.join(MANIFEST_FILE), &self.doc)?;
        Ok(self.doc)
    }
}
