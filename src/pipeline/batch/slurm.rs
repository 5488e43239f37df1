//! `batch --emit-slurm`: an sbatch array for a sample sheet, one tumor per array task.
//!
//! Writes into `OUTDIR/slurm/`: `oncostream.sbatch` (the array: each task runs `oncostream
//! batch ... --task $SLURM_ARRAY_TASK_ID --threads $SLURM_CPUS_PER_TASK`, the same command line
//! as the emitting one minus the local-scheduling flags), `summary.sbatch` (the batch summary,
//! run after the array whatever its outcome), `submit.sh` (submits both, the summary with
//! `--dependency=afterany:<array>`), and `tasks.tsv` (task number → sample). Re-submitting after
//! failures re-runs only what is not complete (each task skips a complete sample).
//!
//! Memory per task: `--slurm-mem`, else [`default_mem_mb`] (documented in docs/hpc.md).

use std::ffi::OsString;
use std::path::Path;

use anyhow::Result;

use super::sheet::Task;
use super::BatchOptions;
use crate::error::{fail, ExitKind};
use crate::io::output::{create_dir, write_atomic};

/// Base of the default memory request, MiB.
pub const MEM_BASE_MB: u64 = 2048;
/// Added per CPU of the task, MiB.
pub const MEM_PER_CPU_MB: u64 = 512;

/// Default `--mem` of an array task with `cpus` CPUs: [`MEM_BASE_MB`] + [`MEM_PER_CPU_MB`] ×
/// cpus.
pub fn default_mem_mb(cpus: usize) -> u64 {
    MEM_BASE_MB + MEM_PER_CPU_MB * cpus as u64
}

/// Scheduler settings of the emitted scripts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlurmOptions {
    /// `--cpus-per-task` (= the run's `--threads`).
    pub cpus: usize,
    /// `--mem` in MiB (None: [`default_mem_mb`]).
    pub mem_mb: Option<u64>,
    /// `--time`.
    pub time: String,
    /// `--partition`.
    pub partition: Option<String>,
    /// `--account`.
    pub account: Option<String>,
    /// Most array tasks running at once (`--array=1-N%M`).
    pub max_parallel: Option<usize>,
}

/// Flags of the emitting command line that are not repeated in the array tasks: the local
/// scheduling and emitting flags (with their values) — the tasks add `--task` and `--threads`.
const DROPPED_WITH_VALUE: &[&str] = &["--jobs", "-j", "--threads", "-t", "--only", "--task"];
const DROPPED_FLAGS: &[&str] = &["--emit-slurm", "--summary-only"];

/// The command line of the array tasks: `args` without the dropped flags.
pub(crate) fn task_args(args: &[OsString]) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip_next = false;
    for a in args {
        let a = a.to_string_lossy().into_owned();
        if skip_next {
            skip_next = false;
            continue;
        }
        let name = a.split('=').next().unwrap_or("");
        if DROPPED_FLAGS.contains(&a.as_str()) {
            continue;
        }
        if name.starts_with("--slurm-") || DROPPED_WITH_VALUE.contains(&name) {
            // `--flag value` or `--flag=value`
            skip_next = !a.contains('=');
            continue;
        }
        // short forms glued to their value: -t4, -j2
        if (a.starts_with("-t") || a.starts_with("-j")) && a.len() > 2 && !a.starts_with("--") {
            continue;
        }
        out.push(a);
    }
    out
}

/// Quotes a word for bash (single quotes unless it is plainly safe).
pub(crate) fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn header(
    o: &BatchOptions,
    so: &SlurmOptions,
    name: &str,
    (cpus, mem_mb): (usize, u64),
    cwd: &Path,
    log_pattern: &str,
) -> String {
    let mut h = format!(
        "#!/bin/bash\n#SBATCH --job-name={name}\n#SBATCH --cpus-per-task={cpus}\n#SBATCH --mem={mem_mb}M\n#SBATCH --time={}\n#SBATCH --chdir={}\n",
        so.time,
        shell_quote(&cwd.display().to_string())
    );
    if let Some(p) = &so.partition {
        h.push_str(&format!("#SBATCH --partition={p}\n"));
    }
    if let Some(a) = &so.account {
        h.push_str(&format!("#SBATCH --account={a}\n"));
    }
    h.push_str(&format!(
        "#SBATCH --output={}\n",
        shell_quote(
            &o.outdir
                .join("logs")
                .join(log_pattern)
                .display()
                .to_string()
        )
    ));
    h
}

/// METHOD: no value reaches a line of the emitted scripts unchecked. Scheduler values
/// (`--slurm-time`, `--slurm-partition`, `--slurm-account`) are words of `[A-Za-z0-9_.,:+-]`;
/// every other value (paths, the command line, sample ids) holds no control character (a
/// newline in the sample-sheet path, `--outdir` or a Slurm value became a shell line of the
/// script) and is single-quoted for bash where it is a word of a command.
fn check_values(o: &BatchOptions, so: &SlurmOptions, cwd: &Path, exe: &Path) -> Result<()> {
    let word = |flag: &str, v: &str| {
        if v.is_empty()
            || !v
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.,:+-".contains(c))
        {
            return Err(fail(
                ExitKind::Usage,
                format!("{flag} {v:?} may hold only letters, digits and _ . , : + -"),
            ));
        }
        Ok(())
    };
    word("--slurm-time", &so.time)?;
    if let Some(p) = &so.partition {
        word("--slurm-partition", p)?;
    }
    if let Some(a) = &so.account {
        word("--slurm-account", a)?;
    }
    let plain = |what: &str, v: &str| {
        if v.chars().any(char::is_control) {
            return Err(fail(
                ExitKind::Usage,
                format!("{what} {v:?} holds a control character (a newline, tab or escape); it cannot be written into a job script"),
            ));
        }
        Ok(())
    };
    plain(
        "the sample sheet path",
        &o.samplesheet.display().to_string(),
    )?;
    plain("--outdir", &o.outdir.display().to_string())?;
    plain("the current directory", &cwd.display().to_string())?;
    plain("the oncostream binary's path", &exe.display().to_string())?;
    for a in &o.command_line {
        plain("the command-line value", &a.to_string_lossy())?;
    }
    Ok(())
}

/// Writes the scripts; returns the directory.
pub fn emit(o: &BatchOptions, so: &SlurmOptions, tasks: &[Task]) -> Result<std::path::PathBuf> {
    if so.cpus == 0 {
        return Err(fail(ExitKind::Usage, "--slurm-cpus must be at least 1"));
    }
    let dir = o.outdir.join("slurm");
    let cwd = std::env::current_dir().map_err(|e| {
        fail(
            ExitKind::Io,
            format!("cannot read the current directory: {e}"),
        )
    })?;
    let exe = std::env::current_exe()
        .map_err(|e| fail(ExitKind::Software, format!("cannot find this program: {e}")))?;
    check_values(o, so, &cwd, &exe)?;
    create_dir(&dir)?;
    create_dir(&o.outdir.join("logs"))?;
    let args: Vec<String> = task_args(&o.command_line)
        .iter()
        .map(|a| shell_quote(a))
        .collect();
    let args = args.join(" ");
    let mem = so.mem_mb.unwrap_or_else(|| default_mem_mb(so.cpus));
    let n = tasks.len();
    let throttle = so.max_parallel.map(|m| format!("%{m}")).unwrap_or_default();
    let exe_line = format!(
        "# the oncostream binary (override with ONCOSTREAM=/path/to/oncostream)\nONCOSTREAM=${{ONCOSTREAM:-{}}}\n",
        shell_quote(&exe.display().to_string())
    );
    let array = format!(
        "{}#SBATCH --array=1-{n}{throttle}\n# One tumor of {} per array task (task number -> sample: tasks.tsv). A task whose\n# sample is complete exits at once; re-submit after failures to redo only the rest.\nset -euo pipefail\n{exe_line}exec \"$ONCOSTREAM\" {args} --task \"$SLURM_ARRAY_TASK_ID\" --threads \"${{SLURM_CPUS_PER_TASK:-{}}}\"\n",
        header(o, so, "oncostream", (so.cpus, mem), &cwd, "slurm-%A_%a.out"),
        o.samplesheet.display(),
        so.cpus
    );
    let summary = format!(
        "{}# The batch summary (batch_summary.json/.tsv/.html), after the array whatever its outcome.\nset -euo pipefail\n{exe_line}exec \"$ONCOSTREAM\" {args} --summary-only\n",
        header(o, so, "oncostream-summary", (1, 1024), &cwd, "slurm-summary-%j.out"),
    );
    let submit = "#!/bin/bash\n# Submits the array, then the summary once every task has ended (afterany).\nset -euo pipefail\ncd \"$(dirname \"$0\")\"\narray=$(sbatch --parsable oncostream.sbatch)\narray=${array%%;*}\nsummary=$(sbatch --parsable --dependency=afterany:\"$array\" summary.sbatch)\nsummary=${summary%%;*}\necho \"submitted array job $array and summary job $summary\"\n".to_string();
    let mut tsv = String::from("task\tsample\tpatient\tnormal\n");
    for t in tasks {
        tsv.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            t.number,
            t.sample(),
            t.tumor.patient,
            t.normal.as_ref().map(|n| n.sample.as_str()).unwrap_or("")
        ));
    }
    write_atomic(&dir.join("oncostream.sbatch"), array.as_bytes())?;
    write_atomic(&dir.join("summary.sbatch"), summary.as_bytes())?;
    write_atomic(&dir.join("submit.sh"), submit.as_bytes())?;
    write_atomic(&dir.join("tasks.tsv"), tsv.as_bytes())?;
    crate::io::output::make_executable(&dir.join("submit.sh"))?;
    crate::log::info(&format!(
        "wrote {n} array task(s) ({} CPU(s), {mem} MiB each) to {}; submit with: bash {}",
        so.cpus,
        dir.display(),
        dir.join("submit.sh").display()
    ));
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn task_args_drop_local_scheduling_flags_only() {
        let got = task_args(&os(&[
            "batch",
            "--samplesheet",
            "s.csv",
            "--jobs",
            "4",
            "-t8",
            "--threads=2",
            "--emit-slurm",
            "--slurm-cpus",
            "4",
            "--slurm-time=1:00:00",
            "-r",
            "ref fa.fasta",
            "--region",
            "chr1",
            "-q",
            "20",
        ]));
        assert_eq!(
            got,
            vec![
                "batch",
                "--samplesheet",
                "s.csv",
                "-r",
                "ref fa.fasta",
                "--region",
                "chr1",
                "-q",
                "20"
            ]
        );
    }

    #[test]
    fn quoting_survives_bash() {
        assert_eq!(shell_quote("a/b.bam"), "a/b.bam");
        assert_eq!(shell_quote("it's here"), r"'it'\''s here'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn memory_formula() {
        assert_eq!(default_mem_mb(8), 6144);
    }
}
