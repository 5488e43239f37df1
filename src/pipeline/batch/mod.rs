//! `batch`: every tumor of a sample sheet through `run`, into `OUTDIR/<sample>/`, resumable.
//!
//! METHOD: the sheet is read and checked first (syntax, ids, pairing), then every sample that
//! will run is validated as `run` validates it (files, indexes, cancer type, KB, ...): nothing
//! starts until the whole sheet is sound. Each sample's directory is then classified
//! ([`state::dir_state`]): complete with the same settings digest → skipped; complete with other
//! settings → refused unless `--force`; anything else → redone from scratch.
//!
//! Execution modes:
//! - local (default): up to `--jobs` samples at once, each a child `oncostream batch --only
//!   <sample>` process with `--threads / --jobs` threads, its stderr appended to
//!   `OUTDIR/logs/<sample>.log`; a failed sample does not stop the others. SIGINT/SIGTERM stop
//!   the children (they also get SIGTERM if the batch process dies, `PR_SET_PDEATHSIG`), and the
//!   summary records them as interrupted; their directories have no manifest and are redone on
//!   the next invocation.
//! - one sample in this process (`--only SAMPLE` or `--task N`, a Slurm array task), under an
//!   exclusive lock `OUTDIR/logs/<sample>.lock` so that two schedulers never write one sample;
//! - `--emit-slurm`: writes an sbatch array ([`slurm`]) instead of running;
//! - `--summary-only`: the summary from what the directories hold.
//!
//! Every mode but `--only`/`--task` ends by writing `batch_summary.{json,tsv,html}`
//! ([`summary`]).

pub mod sheet;
pub mod slurm;
pub mod state;
pub mod summary;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::clinical_inputs::CaseOptions;
use super::run::{run as run_sample, RunOptions};
use crate::error::{fail, ExitKind};
use crate::io::output::{append_file, create_dir, try_lock};
use crate::log;
use crate::types::batch::{BatchSummary, SampleStatus};
use sheet::Task;
use state::DirState;

/// Where a sample's outputs go inside the batch directory.
pub(crate) fn sample_dir(outdir: &Path, sample: &str) -> PathBuf {
    outdir.join(sample)
}

/// The log of a sample inside the batch directory.
pub(crate) fn log_path(outdir: &Path, sample: &str) -> PathBuf {
    outdir.join("logs").join(format!("{sample}.log"))
}

/// What to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchMode {
    /// Run every sample here, `jobs` at a time.
    Local,
    /// Run one sample (by id) in this process.
    Only(String),
    /// Run task N (1-based, sheet order of tumors) in this process.
    Task(usize),
    /// Write the Slurm array for the sheet.
    EmitSlurm(slurm::SlurmOptions),
    /// Write the summary from what is on disk.
    SummaryOnly,
}

/// Options of a batch.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    /// The sample sheet.
    pub samplesheet: PathBuf,
    /// The batch directory.
    pub outdir: PathBuf,
    /// Samples run at once (local mode); the threads of `template` (`--threads`, default: the
    /// cores this process may use) are split between them.
    pub jobs: usize,
    /// Refuse a tumor without a normal.
    pub require_normal: bool,
    /// Redo complete samples made with other settings.
    pub force: bool,
    /// The options every sample shares (`tumor`, `normal`, `outdir`, `sample_id` are set per
    /// sample; `cancer_type` and the basic items are defaults the sheet overrides).
    pub template: RunOptions,
    /// The mode.
    pub mode: BatchMode,
    /// The command line of this batch after the program name (children and the emitted Slurm
    /// scripts repeat it with the per-task flags appended).
    pub command_line: Vec<OsString>,
}

/// How a batch ended.
pub struct BatchOutcome {
    /// The summary (None for a single sample or `--emit-slurm`).
    pub summary: Option<BatchSummary>,
    /// The signal that stopped it.
    pub signal: Option<i32>,
    /// Samples that failed (local mode) or are not complete (`--summary-only`).
    pub failed: usize,
}

/// The per-sample options of `task`.
pub(crate) fn sample_options(o: &BatchOptions, task: &Task) -> RunOptions {
    let mut r = o.template.clone();
    r.tumor = task.tumor.bam.clone();
    r.normal = task.normal.as_ref().map(|n| n.bam.clone());
    r.sample_id = Some(task.sample().to_string());
    r.normal_sample_id = task.normal.as_ref().map(|n| n.sample.clone());
    r.outdir = sample_dir(&o.outdir, task.sample());
    if let Some(ct) = task.field("cancer_type") {
        r.cancer_type = Some(ct.to_string());
    }
    let d = &o.template.case;
    let f = |name: &str, dflt: &Option<String>| task.field(name).map(String::from).or(dflt.clone());
    r.case = CaseOptions {
        file: d.file.clone(),
        patient_id: Some(task.tumor.patient.clone()),
        specimen_id: f("specimen_id", &Some(task.sample().to_string())),
        specimen_type: f("specimen_type", &d.specimen_type),
        collection_date: f("collection_date", &d.collection_date),
        tumor_content: task
            .field("tumor_content")
            .and_then(|v| v.trim_end_matches('%').trim().parse().ok())
            .or(d.tumor_content),
        institution: f("institution", &d.institution),
        test_name: f("test_name", &d.test_name),
        genome_build: f("genome_build", &d.genome_build),
    };
    r
}

/// What will happen to a sample.
#[derive(Debug)]
enum Decision {
    /// Complete with the same settings.
    Skip(String),
    /// Run (force = redo what the directory holds).
    Run { force: bool, why: Option<String> },
}

fn decide(o: &BatchOptions, task: &Task, opts: &RunOptions) -> Result<Decision> {
    let dir = &opts.outdir;
    Ok(match state::dir_state(dir) {
        DirState::Empty => Decision::Run {
            force: false,
            why: None,
        },
        DirState::Incomplete(why) => Decision::Run {
            force: true,
            why: Some(why),
        },
        DirState::Complete(m) => {
            let digest = opts.settings_digest();
            if m.settings_digest.as_deref() == Some(digest.as_str()) {
                Decision::Skip(m.run_id.clone())
            } else if o.force {
                Decision::Run {
                    force: true,
                    why: Some("complete, made with other settings; redone (--force)".into()),
                }
            } else {
                return Err(fail(
                    ExitKind::CantCreate,
                    format!(
                        "'{}' holds a complete run of sample '{}' made with other settings or another oncostream version (run id {}, {}); pass --force to redo it, or use another --outdir",
                        dir.display(),
                        task.sample(),
                        m.run_id,
                        m.completed
                    ),
                ));
            }
        }
    })
}

fn check_only_options(o: &BatchOptions) -> Result<()> {
    if o.template.metrics.is_some() {
        return Err(fail(
            ExitKind::Usage,
            "batch writes metrics.json for every sample; --metrics is not used with batch",
        ));
    }
    if o.jobs == 0 {
        return Err(fail(ExitKind::Usage, "--jobs must be at least 1"));
    }
    Ok(())
}

/// Runs the batch.
pub fn batch(o: BatchOptions) -> Result<BatchOutcome> {
    check_only_options(&o)?;
    let (tasks, warnings) = sheet::read_sheet(&o.samplesheet, o.require_normal)?;
    match &o.mode {
        BatchMode::Only(id) => {
            let task = tasks.iter().find(|t| t.sample() == id).ok_or_else(|| {
                fail(
                    ExitKind::Usage,
                    format!(
                        "--only '{id}': no tumor of that id in '{}'",
                        o.samplesheet.display()
                    ),
                )
            })?;
            run_one(&o, task)
        }
        BatchMode::Task(n) => {
            let task = tasks.get(n.wrapping_sub(1)).ok_or_else(|| {
                fail(
                    ExitKind::Usage,
                    format!(
                        "--task {n}: the sheet has tasks 1-{} (one per tumor)",
                        tasks.len()
                    ),
                )
            })?;
            run_one(&o, task)
        }
        BatchMode::SummaryOnly => {
            let s = summary::collect(&o, &tasks, &[], false);
            summary::write(&o.outdir, &s)?;
            let failed = s.samples.iter().filter(|x| !x.status.is_done()).count();
            Ok(BatchOutcome {
                summary: Some(s),
                signal: None,
                failed,
            })
        }
        BatchMode::EmitSlurm(so) => {
            for w in &warnings {
                log::warn(w);
            }
            validate_all(&o, &tasks)?;
            slurm::emit(&o, so, &tasks)?;
            Ok(BatchOutcome {
                summary: None,
                signal: None,
                failed: 0,
            })
        }
        BatchMode::Local => {
            for w in &warnings {
                log::warn(w);
            }
            run_local(&o, &tasks)
        }
    }
}

/// Validates every sample that will run (as `run` would), before anything starts. Returns the
/// decisions in task order.
fn validate_all(o: &BatchOptions, tasks: &[Task]) -> Result<Vec<Decision>> {
    let mut out = Vec::new();
    for t in tasks {
        let opts = sample_options(o, t);
        let d = decide(o, t, &opts)?;
        if let Decision::Run { .. } = d {
            sheet::check_files(&o.samplesheet, &t.tumor)?;
            if let Some(n) = &t.normal {
                sheet::check_files(&o.samplesheet, n)?;
            }
            for p in &t.plasma {
                sheet::check_files(&o.samplesheet, p)?;
            }
            let mut check = opts.clone();
            // inspect only: nothing is written until the sample runs
            check.force = true;
            check.validate().map_err(|e| {
                let kind = crate::error::exit_kind(&e);
                fail(kind, format!("sample '{}': {e:#}", t.sample()))
            })?;
        }
        out.push(d);
    }
    Ok(out)
}

/// One sample in this process (`--only`, `--task`).
fn run_one(o: &BatchOptions, task: &Task) -> Result<BatchOutcome> {
    let mut opts = sample_options(o, task);
    create_dir(&o.outdir.join("logs"))?;
    let lock_path = o
        .outdir
        .join("logs")
        .join(format!("{}.lock", task.sample()));
    let Some(_lock) = try_lock(&lock_path)? else {
        return Err(fail(
            ExitKind::CantCreate,
            format!(
                "sample '{}' is being run by another process (lock '{}'); not started",
                task.sample(),
                lock_path.display()
            ),
        ));
    };
    match decide(o, task, &opts)? {
        Decision::Skip(id) => {
            log::info(&format!(
                "sample '{}': complete (run id {id}); skipped",
                task.sample()
            ));
        }
        Decision::Run { force, why } => {
            if let Some(w) = why {
                log::info(&format!(
                    "sample '{}': {w}; running from scratch",
                    task.sample()
                ));
            }
            sheet::check_files(&o.samplesheet, &task.tumor)?;
            if let Some(n) = &task.normal {
                sheet::check_files(&o.samplesheet, n)?;
            }
            opts.force = force;
            run_sample(opts)?;
        }
    }
    if !task.plasma.is_empty() {
        monitor_plasma(o, task)?;
    }
    Ok(BatchOutcome {
        summary: None,
        signal: None,
        failed: 0,
    })
}

/// Where a tumor's monitoring outputs go: `OUTDIR/<tumor>/monitor/`.
pub(crate) fn monitor_dir(outdir: &Path, sample: &str) -> PathBuf {
    sample_dir(outdir, sample).join("monitor")
}

/// The `monitor` options of a task's follow-up plasma rows: the tumor's run as baseline, the
/// patient's normal as the white-cell normal, the sheet's `timepoint` labels (else the ids).
pub(crate) fn monitor_options(o: &BatchOptions, task: &Task) -> super::monitor::MonitorOptions {
    let r = &o.template;
    let mut m = super::monitor::MonitorOptions::new(
        Some(sample_dir(&o.outdir, task.sample())),
        None,
        task.plasma.iter().map(|p| p.bam.clone()).collect(),
        r.inputs.reference.clone().unwrap_or_default(),
        monitor_dir(&o.outdir, task.sample()),
    );
    m.timepoints = task
        .plasma
        .iter()
        .map(|p| {
            p.fields
                .get("timepoint")
                .cloned()
                .unwrap_or_else(|| p.sample.clone())
        })
        .collect();
    m.normal = task.normal.as_ref().map(|n| n.bam.clone());
    m.gff = r.gff.clone();
    m.transcripts = r.transcripts.clone();
    m.kb = r.kb.clone();
    m.threads = r.inputs.threads;
    m.quiet = r.inputs.quiet;
    m.force = true;
    m
}

/// Runs `monitor` for a task's plasma rows (after its tumor's run is complete).
fn monitor_plasma(o: &BatchOptions, task: &Task) -> Result<()> {
    for p in &task.plasma {
        sheet::check_files(&o.samplesheet, p)?;
    }
    log::info(&format!(
        "sample '{}': monitoring {} follow-up plasma sample(s)",
        task.sample(),
        task.plasma.len()
    ));
    super::monitor::monitor(monitor_options(o, task)).map_err(|e| {
        let kind = crate::error::exit_kind(&e);
        fail(kind, format!("sample '{}': monitor: {e:#}", task.sample()))
    })?;
    Ok(())
}

/// How one local child ended.
#[derive(Clone, Debug)]
pub struct ChildEnd {
    /// Task number.
    pub task: usize,
    /// Status.
    pub status: SampleStatus,
    /// Exit code, when it exited.
    pub exit_code: Option<i32>,
}

/// The signals that stop a local batch (SIGINT, SIGTERM, SIGHUP): the last one received, 0 if
/// none.
fn stop_signal() -> Result<Arc<AtomicUsize>> {
    let got = Arc::new(AtomicUsize::new(0));
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register_usize(sig, Arc::clone(&got), sig as usize).map_err(|e| {
            fail(
                ExitKind::Software,
                format!("cannot install a signal handler: {e}"),
            )
        })?;
    }
    Ok(got)
}

fn spawn_child(o: &BatchOptions, task: &Task, threads: usize) -> Result<std::process::Child> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe()
        .map_err(|e| fail(ExitKind::Software, format!("cannot find this program: {e}")))?;
    let log_file = append_file(&log_path(&o.outdir, task.sample()))?;
    {
        use std::io::Write;
        let mut l = &log_file;
        let _ = writeln!(
            l,
            "== oncostream batch: sample {} (task {}), {} thread(s), started {}",
            task.sample(),
            task.number,
            threads,
            super::outdir::now_utc()
        );
    }
    let mut cmd = std::process::Command::new(exe);
    cmd.args(&o.command_line)
        .arg("--only")
        .arg(task.sample())
        .arg("--threads")
        .arg(threads.to_string())
        .arg("--jobs")
        .arg("1")
        .stdin(std::process::Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    // SAFETY: prctl only sets this child's parent-death signal; it allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn().map_err(|e| {
        fail(
            ExitKind::Software,
            format!("cannot start the run of sample '{}': {e}", task.sample()),
        )
    })
}

fn run_local(o: &BatchOptions, tasks: &[Task]) -> Result<BatchOutcome> {
    let decisions = validate_all(o, tasks)?;
    create_dir(&o.outdir.join("logs"))?;
    let total_threads = o
        .template
        .inputs
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let per_job = (total_threads / o.jobs).max(1);
    let todo: Vec<&Task> = tasks
        .iter()
        .zip(&decisions)
        .filter(|(_, d)| matches!(d, Decision::Run { .. }))
        .map(|(t, _)| t)
        .collect();
    let skipped = tasks.len() - todo.len();
    log::info(&format!(
        "batch: {} tumor sample(s); {} complete (skipped), {} to run, {} at a time with {} thread(s) each",
        tasks.len(),
        skipped,
        todo.len(),
        o.jobs.min(todo.len().max(1)),
        per_job
    ));
    let stop = stop_signal()?;
    let mut ends: Vec<ChildEnd> = Vec::new();
    let mut running: Vec<(&Task, std::process::Child, Instant)> = Vec::new();
    let mut next = 0usize;
    let mut signal = None;
    loop {
        let sig = stop.load(Ordering::SeqCst);
        if sig != 0 {
            signal = Some(sig as i32);
            break;
        }
        while running.len() < o.jobs && next < todo.len() {
            let t = todo[next];
            next += 1;
            log::info(&format!(
                "[{}/{}] sample '{}': started (log {})",
                next,
                todo.len(),
                t.sample(),
                log_path(&o.outdir, t.sample()).display()
            ));
            running.push((t, spawn_child(o, t, per_job)?, Instant::now()));
        }
        if running.is_empty() {
            break;
        }
        let mut i = 0;
        while i < running.len() {
            if let Some(st) = running[i].1.try_wait()? {
                let (t, _, started) = running.remove(i);
                let secs = started.elapsed().as_secs_f64();
                let end = if st.success() {
                    log::info(&format!("sample '{}': done in {secs:.0} s", t.sample()));
                    ChildEnd {
                        task: t.number,
                        status: SampleStatus::Complete,
                        exit_code: Some(0),
                    }
                } else {
                    let code = st.code();
                    log::warn(&format!(
                        "sample '{}': failed ({}) after {secs:.0} s; see {}",
                        t.sample(),
                        code.map(|c| format!("exit code {c}"))
                            .unwrap_or_else(|| "killed by a signal".into()),
                        log_path(&o.outdir, t.sample()).display()
                    ));
                    ChildEnd {
                        task: t.number,
                        status: if code.is_some() {
                            SampleStatus::Failed
                        } else {
                            SampleStatus::Interrupted
                        },
                        exit_code: code,
                    }
                };
                ends.push(end);
            } else {
                i += 1;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if let Some(sig) = signal {
        log::warn(&format!(
            "batch: stopped by signal {sig}; stopping {} running sample(s)",
            running.len()
        ));
        for (_, child, _) in &running {
            // SAFETY: kill sends a signal to our own child.
            unsafe {
                libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for (t, mut child, _) in running {
            loop {
                if child.try_wait()?.is_some() {
                    break;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            ends.push(ChildEnd {
                task: t.number,
                status: SampleStatus::Interrupted,
                exit_code: None,
            });
        }
    }
    let s = summary::collect(o, tasks, &ends, signal.is_some());
    summary::write(&o.outdir, &s)?;
    let failed = ends
        .iter()
        .filter(|e| e.status == SampleStatus::Failed)
        .count();
    log::info(&format!(
        "batch: {} complete ({} skipped), {} failed, {} unfinished; summary {}",
        s.totals.complete,
        s.totals.skipped,
        s.totals.failed,
        s.totals.unfinished,
        o.outdir.join("batch_summary.html").display()
    ));
    Ok(BatchOutcome {
        summary: Some(s),
        signal,
        failed,
    })
}
