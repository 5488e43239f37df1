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
use std::sync::Mutex;

use anyhow::Result;

use crate::error::{fail, ExitKind};
use crate::io::{
    json::{read_document, write_document},
    output::{file_record, list_dir, lock_dir, remove_files, DirLock, LOCK_FILE},
};
use crate::log;
use crate::types::manifest::{
    ManifestFile, RunManifest, MANIFEST_FILE, MANIFEST_KIND, MANIFEST_SCHEMA_VERSION,
};

/// Declares [`OutputFile`] and [`KNOWN_OUTPUTS`] from one list, so the list of files
/// oncostream writes into an output directory cannot differ from what its writers record.
macro_rules! output_files {
    ($($(#[$doc:meta])* $variant:ident => ($name:expr, $role:literal),)*) => {
        /// Every file a command writes into an output directory. A writer records its file
        /// with [`Manifest::output`], which takes only these; [`Manifest::finish`] refuses a
        /// directory that gained any other file (so a new output cannot be forgotten here, and
        /// `--force` removes every output of an older or killed run).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum OutputFile {
            $($(#[$doc])* $variant,)*
        }

        impl OutputFile {
            /// Every output file, in declaration order.
            pub const ALL: &'static [OutputFile] = &[$(OutputFile::$variant,)*];

            /// The file name in the output directory.
            pub const fn name(self) -> &'static str {
                match self {
                    $(OutputFile::$variant => $name,)*
                }
            }

            /// The role recorded in `run_manifest.json`.
            pub const fn role(self) -> &'static str {
                match self {
                    $(OutputFile::$variant => $role,)*
                }
            }
        }

        /// Every file name oncostream writes into an output directory (besides
        /// `run_manifest.json` and the lock file), from [`OutputFile`].
        pub const KNOWN_OUTPUTS: &[&str] = &[$($name,)*];
    };
}

output_files! {
    /// `calls.vcf.gz`: somatic SNVs and indels (VCF 4.2, BGZF).
    CallsVcf => ("calls.vcf.gz", "vcf"),
    /// Its tabix index.
    CallsVcfIndex => ("calls.vcf.gz.tbi", "vcf_index"),
    /// `results.json`.
    Results => ("results.json", "results"),
    /// `metrics.json`.
    Metrics => ("metrics.json", "metrics"),
    /// Repeat-length histograms of the MSI sites.
    MsiHistograms => ("msi_histograms.tsv", "msi_histograms"),
    /// `--callable-bed`.
    CallableBed => ("callable.bed", "callable_bed"),
    /// Copy-number segments (IGV `.seg`).
    CopyNumberSeg => ("copy_number.seg", "copy_number_seg"),
    /// Copy-number segments with every column (the `.seg` keeps IGV's six).
    CopyNumberSegments => ("copy_number_segments.tsv", "copy_number_segments"),
    /// Copy number per gene.
    CopyNumberGenes => ("copy_number_genes.tsv", "copy_number_genes"),
    /// Structural variants (VCF, BGZF).
    SvVcf => ("sv.vcf.gz", "sv_vcf"),
    /// Its tabix index.
    SvVcfIndex => ("sv.vcf.gz.tbi", "sv_vcf_index"),
    /// `report.json`.
    Report => ("report.json", "report"),
    /// `report.html`.
    ReportHtml => ("report.html", "report_html"),
    /// `report --pdf`: the page printed to A4 by headless Chromium.
    ReportPdf => ("report.pdf", "report_pdf"),
    /// What `retier` changed.
    RetierDiff => ("retier_diff.tsv", "retier_diff"),
    /// MultiQC general statistics.
    MultiqcGeneral => (crate::report::multiqc::GENERAL_FILE, "multiqc"),
    /// MultiQC throughput plot.
    MultiqcThroughput => (crate::report::multiqc::THROUGHPUT_FILE, "multiqc"),
    /// `monitor`: the MultiQC table of the monitored samples.
    MultiqcMonitor => (crate::report::multiqc::MONITOR_FILE, "multiqc"),
    /// `monitor`: `monitor.json`.
    Monitor => (crate::types::monitor::MONITOR_FILE, "monitor"),
    /// `monitor`: the page.
    MonitorHtml => ("monitor.html", "monitor_html"),
    /// `monitor`: one row per tracked variant and sample.
    MonitorVariants => ("monitor_variants.tsv", "monitor_variants"),
}

impl OutputFile {
    /// Its path in `dir`.
    pub fn path(self, dir: &Path) -> PathBuf {
        dir.join(self.name())
    }
}

fn is_ours(name: &str) -> bool {
    KNOWN_OUTPUTS.contains(&name)
        || name == MANIFEST_FILE
        || name == LOCK_FILE
        || name.contains(".oncostream-tmp-")
        || (name.starts_with("families_") && name.ends_with(".tsv"))
}

/// A new run id (UUID v4).
pub(crate) fn new_run_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The current UTC time, RFC 3339 to the second (`2026-11-28T09:15:02Z`).
pub(crate) fn now_utc() -> String {
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::now_utc()
        .format(&f)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// What an output directory holds before a command writes into it; holds the directory's lock
/// (one command per output directory) until dropped.
pub struct OutdirState {
    /// The directory.
    pub dir: PathBuf,
    /// Its entries (without the lock file).
    pub entries: Vec<String>,
    /// Its manifest, when present and readable.
    pub manifest: Option<RunManifest>,
    /// What [`OutdirState::claim`] kept (None before the claim).
    kept: Mutex<Option<Vec<String>>>,
    _lock: DirLock,
}

/// Takes the output directory's lock (refusing, exit 73, when another command holds it), then
/// looks at `dir` without changing anything; refuses early (before any input is opened) when
/// it belongs to another run and neither `force` nor `same_run` allows reusing it. The lock is
/// held as long as the returned state lives: for the whole command.
pub(crate) fn inspect(dir: &Path, force: bool, same_run: Option<&str>) -> Result<OutdirState> {
    if dir.exists() && !dir.is_dir() {
        return Err(fail(
            ExitKind::CantCreate,
            format!("output directory '{}' is a file", dir.display()),
        ));
    }
    let lock = lock_dir(dir)?;
    let mut entries = list_dir(dir)?;
    entries.retain(|e| e != LOCK_FILE);
    let manifest = if entries.iter().any(|e| e == MANIFEST_FILE) {
        read_document::<RunManifest>(&dir.join(MANIFEST_FILE)).ok()
    } else {
        None
    };
    let state = OutdirState {
        dir: dir.to_path_buf(),
        entries,
        manifest,
        kept: Mutex::new(None),
        _lock: lock,
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
        remove.retain(|n| n != LOCK_FILE);
        if !remove.is_empty() {
            // the manifest goes first: a directory without one is never taken as complete
            remove.sort_by_key(|n| n != MANIFEST_FILE);
            remove_files(&self.dir, &remove)?;
        }
        let kept = self
            .entries
            .iter()
            .filter(|e| !remove.contains(e))
            .cloned()
            .collect();
        *self.kept.lock().unwrap_or_else(|e| e.into_inner()) = Some(kept);
        Ok(())
    }

    /// The files that may be in the directory without being this command's outputs: what the
    /// claim kept (files oncostream did not write, or the same run's earlier outputs).
    fn kept(&self) -> Vec<String> {
        self.kept
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .unwrap_or_else(|| self.entries.clone())
    }
}

/// Collects what a command read and wrote; written last as `run_manifest.json`.
pub struct Manifest {
    doc: RunManifest,
    dir: PathBuf,
    kept: Vec<String>,
}

impl Manifest {
    /// Starts the manifest of run `run_id` (command `command`) writing into the claimed
    /// directory `outdir`.
    pub fn new(outdir: &OutdirState, run_id: &str, command: &str, started: &str) -> Manifest {
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
            dir: outdir.dir.clone(),
            kept: outdir.kept(),
        }
    }

    /// Continues the manifest of the same run found in the directory (report / retier into a
    /// run's directory): its inputs and outputs are kept, replaced outputs updated.
    pub fn extend(mut previous: RunManifest, outdir: &OutdirState, command: &str) -> Manifest {
        previous.command = format!("{} + {command}", previous.command);
        previous.argv = std::env::args().collect();
        Manifest {
            doc: previous,
            dir: outdir.dir.clone(),
            kept: outdir.kept(),
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
        self.input_with_digests(role, path, size, md5, None);
    }

    /// Records an input file with whichever digests were computed (MD5, BLAKE3).
    pub(crate) fn input_with_digests(
        &mut self,
        role: &str,
        path: &str,
        size: u64,
        md5: Option<String>,
        blake3: Option<String>,
    ) {
        self.doc
            .inputs
            .retain(|f| !(f.role == role && f.path == path));
        self.doc.inputs.push(ManifestFile {
            role: role.into(),
            path: path.into(),
            size,
            md5,
            blake3,
        });
    }

    /// Records an output just written into the directory (its size and MD5 are read now).
    pub fn output(&mut self, file: OutputFile) -> Result<()> {
        self.record(file.role(), file.name())
    }

    /// Records an output whose name is made at run time: `monitor`'s `families_*.tsv` (one per
    /// sample) and the `NAME.json` of an extra run stage (`pipeline::run::execute_with`).
    pub(crate) fn output_named(&mut self, role: &str, name: &str) -> Result<()> {
        self.record(role, name)
    }

    fn record(&mut self, role: &str, name: &str) -> Result<()> {
        let rec = file_record(&self.dir.join(name), true)?;
        self.doc.outputs.retain(|f| f.path != name);
        self.doc.outputs.push(ManifestFile {
            role: role.into(),
            path: name.into(),
            size: rec.size,
            md5: rec.md5,
            blake3: None,
        });
        Ok(())
    }

    /// Files in the directory that are neither recorded outputs nor kept from before: a
    /// writer that bypassed [`Manifest::output`].
    fn unrecorded(&self) -> Result<Vec<String>> {
        Ok(list_dir(&self.dir)?
            .into_iter()
            .filter(|e| {
                e != MANIFEST_FILE
                    && e != LOCK_FILE
                    && !e.contains(".oncostream-tmp-")
                    && !self.kept.contains(e)
                    && !self.doc.outputs.iter().any(|o| &o.path == e)
            })
            .collect())
    }

    /// Writes `run_manifest.json` (last). Refuses (exit 70, a bug) when the directory gained a
    /// file that is not a recorded [`OutputFile`].
    pub fn finish(mut self) -> Result<RunManifest> {
        let strays = self.unrecorded()?;
        if !strays.is_empty() {
            return Err(fail(
                ExitKind::Software,
                format!(
                    "internal error: {} written into '{}' without being recorded as an output (every file a command writes there must be a pipeline::outdir::OutputFile); please report this bug",
                    strays.join(", "),
                    self.dir.display()
                ),
            ));
        }
        self.doc.completed = now_utc();
        write_document(&self.dir.join(MANIFEST_FILE), &self.doc)?;
        Ok(self.doc)
    }
}

/// Refuses a stored document (`results.json`, `report.json`) that is not from a complete run:
/// the directory it is in must hold a `run_manifest.json` (written last by every command) that
/// lists the file under its name with the same MD5. A killed or failed run has no manifest; a
/// document changed or replaced after its run differs from the manifest's MD5 (exit 65).
pub(crate) fn check_complete(path: &Path, what: &str) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mpath = dir.join(MANIFEST_FILE);
    if !mpath.exists() {
        return Err(fail(
            ExitKind::Data,
            format!(
                "'{}' is not from a complete run: '{}' has no {MANIFEST_FILE} (the command that wrote this {what} was killed, failed or is still running, and every command writes its manifest last); re-run it, or keep the {what} with its run's {MANIFEST_FILE}",
                path.display(),
                dir.display()
            ),
        ));
    }
    let m: RunManifest = read_document(&mpath)?;
    let Some(entry) = m.outputs.iter().find(|o| o.path == name) else {
        return Err(fail(
            ExitKind::Data,
            format!(
                "'{}' is not an output of the run in its directory: '{}' does not list '{name}'; keep each {what} in the directory of the run that wrote it",
                path.display(),
                mpath.display()
            ),
        ));
    };
    let rec = file_record(path, true)?;
    if rec.size != entry.size || (entry.md5.is_some() && rec.md5 != entry.md5) {
        return Err(fail(
            ExitKind::Data,
            format!(
                "'{}' differs from what its run wrote (size or MD5 in '{}'): it was changed or replaced after the run; re-run it",
                path.display(),
                mpath.display()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_output_file_is_known_and_distinct() {
        let mut names: Vec<&str> = OutputFile::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(names, KNOWN_OUTPUTS);
        for n in &names {
            assert!(is_ours(n), "{n}");
            assert!(
                !n.contains('/'),
                "{n}: outputs live in the directory itself"
            );
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            names.len(),
            OutputFile::ALL.len(),
            "two outputs share a name"
        );
        // what the issue found left behind by a killed run and kept by --force
        for n in [
            "sv.vcf.gz",
            "sv.vcf.gz.tbi",
            "copy_number.seg",
            "copy_number_genes.tsv",
        ] {
            assert!(is_ours(n), "{n}");
        }
        assert!(is_ours(LOCK_FILE) && !is_ours("notes.txt"));
    }

    #[test]
    fn a_file_written_without_being_recorded_fails_the_manifest() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("notes.txt"), "the lab's").unwrap();
        let state = inspect(&dir, true, None).unwrap();
        state.claim(&[]).unwrap();
        let mut m = Manifest::new(&state, "id", "run", "t");
        std::fs::write(OutputFile::Metrics.path(&dir), "{}").unwrap();
        m.output(OutputFile::Metrics).unwrap();
        std::fs::write(dir.join("fhir.json"), "{}").unwrap();
        let e = m.finish().unwrap_err();
        assert_eq!(crate::error::exit_kind(&e), ExitKind::Software);
        assert!(e.to_string().contains("fhir.json"), "{e}");
        assert!(!dir.join(MANIFEST_FILE).exists());
        std::fs::remove_file(dir.join("fhir.json")).unwrap();
        let mut m = Manifest::new(&state, "id", "run", "t");
        m.output(OutputFile::Metrics).unwrap();
        m.finish().unwrap();
        check_complete(&OutputFile::Metrics.path(&dir), "document").unwrap();
        std::fs::write(OutputFile::Metrics.path(&dir), "{ }").unwrap();
        assert!(check_complete(&OutputFile::Metrics.path(&dir), "document").is_err());
    }

    #[test]
    fn a_second_command_on_a_locked_directory_is_refused_and_a_failed_one_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let first = inspect(&dir, false, None).unwrap();
        assert!(dir.join(LOCK_FILE).exists());
        let e = inspect(&dir, false, None).err().unwrap();
        assert_eq!(crate::error::exit_kind(&e), ExitKind::CantCreate);
        assert!(
            e.to_string()
                .contains("in use by another oncostream command"),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains(&format!("pid {}", std::process::id())),
            "{e}"
        );
        drop(first);
        // the first command never claimed: the directory it created is gone again
        assert!(!dir.exists());
        let again = inspect(&dir, false, None).unwrap();
        again.claim(&[]).unwrap();
        std::fs::write(dir.join("results.json"), "{}").unwrap();
        drop(again);
        assert!(dir.join("results.json").exists() && !dir.join(LOCK_FILE).exists());
    }
}
