//! Outputs written atomically: to a hidden temp file beside the target, renamed on success.
//!
//! A run that fails (or is killed) never leaves a file under the final name: the temp file is
//! removed on error, and a kill leaves only `.NAME.oncostream-tmp-PID`, which no reader mistakes
//! for a finished output. `-` writes to stdout (no atomicity there: pipes have none).

use std::{
    fs::{self, File},
    io::{self, BufWriter, Write},
    path::{Path, PathBuf},
};

use anyhow::Result;
use noodles::bgzf;

use crate::error::{fail, ExitKind};

enum Sink {
    Plain(BufWriter<File>),
    Bgzf(bgzf::io::Writer<BufWriter<File>>),
    Stdout(BufWriter<io::Stdout>),
}

/// A file being written; becomes visible under its final name only on [`AtomicOutput::commit`].
pub struct AtomicOutput {
    sink: Option<Sink>,
    tmp: Option<PathBuf>,
    target: PathBuf,
}

impl AtomicOutput {
    /// Creates the temp file for `target` (`-` = stdout). A `.gz`/`.bgz` name is written as
    /// BGZF (readable by `zcat`, indexable by `tabix`).
    pub fn create(target: &Path) -> Result<AtomicOutput> {
        if target == Path::new("-") {
            return Ok(AtomicOutput {
                sink: Some(Sink::Stdout(BufWriter::with_capacity(
                    1 << 20,
                    io::stdout(),
                ))),
                tmp: None,
                target: target.to_path_buf(),
            });
        }
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(fail(
                ExitKind::CantCreate,
                format!(
                    "cannot create '{}': directory '{}' does not exist",
                    target.display(),
                    dir.display()
                ),
            ));
        }
        let fname = target
            .file_name()
            .ok_or_else(|| {
                fail(
                    ExitKind::Usage,
                    format!("'{}' is not a file name", target.display()),
                )
            })?
            .to_string_lossy()
            .into_owned();
        let tmp = dir.join(format!(".{fname}.oncostream-tmp-{}", std::process::id()));
        let file = File::create(&tmp).map_err(|e| {
            fail(
                ExitKind::CantCreate,
                format!("cannot create '{}': {e}", target.display()),
            )
        })?;
        let w = BufWriter::with_capacity(1 << 20, file);
        let sink = if fname.ends_with(".gz") || fname.ends_with(".bgz") {
            Sink::Bgzf(bgzf::io::Writer::new(w))
        } else {
            Sink::Plain(w)
        };
        Ok(AtomicOutput {
            sink: Some(sink),
            tmp: Some(tmp),
            target: target.to_path_buf(),
        })
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes, syncs and renames the temp file to the target.
    pub fn commit(mut self) -> Result<()> {
        let sink = self.sink.take().expect("sink present until commit");
        let ctx = |e: io::Error| {
            anyhow::Error::new(e).context(format!("cannot write '{}'", self.target.display()))
        };
        match sink {
            Sink::Plain(w) => {
                let f = w.into_inner().map_err(|e| ctx(e.into_error()))?;
                f.sync_all().map_err(ctx)?;
            }
            Sink::Bgzf(w) => {
                let f = w
                    .finish()
                    .map_err(ctx)?
                    .into_inner()
                    .map_err(|e| ctx(e.into_error()))?;
                f.sync_all().map_err(ctx)?;
            }
            Sink::Stdout(mut w) => {
                w.flush().map_err(ctx)?;
            }
        }
        if let Some(tmp) = self.tmp.take() {
            fs::rename(&tmp, &self.target).map_err(|e| {
                let _ = fs::remove_file(&tmp);
                fail(
                    ExitKind::CantCreate,
                    format!(
                        "cannot move output into place at '{}': {e}",
                        self.target.display()
                    ),
                )
            })?;
        }
        Ok(())
    }
}

impl Write for AtomicOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.sink.as_mut() {
            Some(Sink::Plain(w)) => w.write(buf),
            Some(Sink::Bgzf(w)) => w.write(buf),
            Some(Sink::Stdout(w)) => w.write(buf),
            None => Err(io::Error::other("output already committed")),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self.sink.as_mut() {
            Some(Sink::Plain(w)) => w.write_all(buf),
            Some(Sink::Bgzf(w)) => w.write_all(buf),
            Some(Sink::Stdout(w)) => w.write_all(buf),
            None => Err(io::Error::other("output already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.sink.as_mut() {
            Some(Sink::Plain(w)) => w.flush(),
            Some(Sink::Bgzf(w)) => w.flush(),
            Some(Sink::Stdout(w)) => w.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicOutput {
    fn drop(&mut self) {
        // Not committed: discard the partial file so nothing half-written survives.
        drop(self.sink.take());
        if let Some(tmp) = self.tmp.take() {
            let _ = fs::remove_file(tmp);
        }
    }
}

/// Checks, before any work, that `target` can be created: `-` (stdout), or a file name in an
/// existing directory.
pub fn check_output_path(target: &Path) -> Result<()> {
    if target == Path::new("-") {
        return Ok(());
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(fail(
            ExitKind::CantCreate,
            format!(
                "cannot create '{}': directory '{}' does not exist",
                target.display(),
                dir.display()
            ),
        ));
    }
    if target.is_dir() {
        return Err(fail(
            ExitKind::CantCreate,
            format!("cannot create '{}': it is a directory", target.display()),
        ));
    }
    Ok(())
}

/// Checks that `dir` can be made a new output directory: its parent exists, and it does not
/// exist or is empty (an export never mixes its files with others).
pub fn check_new_dir(dir: &Path) -> Result<()> {
    let parent = match dir.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(fail(
            ExitKind::CantCreate,
            format!(
                "cannot create '{}': directory '{}' does not exist",
                dir.display(),
                parent.display()
            ),
        ));
    }
    if dir.exists() && (!dir.is_dir() || !list_dir(dir)?.is_empty()) {
        return Err(fail(
            ExitKind::CantCreate,
            format!(
                "'{}' exists and is not an empty directory; give a new directory",
                dir.display()
            ),
        ));
    }
    Ok(())
}

/// Writes a directory of files (`(relative path, bytes)`, subdirectories allowed) atomically:
/// into `.NAME.oncostream-tmp-PID` beside it, renamed to `dir` when complete (an empty `dir` is
/// replaced), so a failure leaves no partial directory under the final name.
pub fn write_dir_atomic(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    check_new_dir(dir)?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.with_file_name(format!(".{name}.oncostream-tmp-{}", std::process::id()));
    let cant = |what: &str, p: &Path, e: std::io::Error| {
        fail(
            ExitKind::CantCreate,
            format!("cannot {what} '{}': {e}", p.display()),
        )
    };
    let result = (|| -> Result<()> {
        fs::create_dir_all(&tmp).map_err(|e| cant("create", &tmp, e))?;
        for (rel, bytes) in files {
            let p = tmp.join(rel);
            if let Some(d) = p.parent() {
                fs::create_dir_all(d).map_err(|e| cant("create", d, e))?;
            }
            fs::write(&p, bytes).map_err(|e| cant("write", &p, e))?;
        }
        if dir.exists() {
            fs::remove_dir(dir).map_err(|e| cant("replace", dir, e))?;
        }
        fs::rename(&tmp, dir).map_err(|e| cant("create", dir, e))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

/// Writes `bytes` atomically to `path` (small outputs: JSON, metrics).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut out = AtomicOutput::create(path)?;
    out.write_all(bytes)?;
    out.commit()
}

/// MD5 (lowercase hex) of bytes in memory (e.g. the knowledge base compiled into the binary).
pub fn md5_hex(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Path, size and (when asked) MD5 of an input file.
pub fn file_record(path: &Path, with_md5: bool) -> Result<crate::types::results::FileRecord> {
    let size = fs::metadata(path)
        .map_err(|e| {
            fail(
                ExitKind::NoInput,
                format!("cannot read '{}': {e}", path.display()),
            )
        })?
        .len();
    Ok(crate::types::results::FileRecord {
        path: path.display().to_string(),
        size,
        md5: if with_md5 {
            Some(md5_file(path)?)
        } else {
            None
        },
    })
}

/// Creates an output directory (and its parents).
pub fn create_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| {
        fail(
            ExitKind::CantCreate,
            format!("cannot create output directory '{}': {e}", dir.display()),
        )
    })
}

/// Names of the entries of a directory (empty when it does not exist).
pub fn list_dir(dir: &Path) -> Result<Vec<String>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut names = Vec::new();
    for e in fs::read_dir(dir).map_err(|e| {
        fail(
            ExitKind::CantCreate,
            format!("cannot read output directory '{}': {e}", dir.display()),
        )
    })? {
        names.push(e?.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// Removes files of an output directory (missing ones are fine).
pub fn remove_files(dir: &Path, names: &[String]) -> Result<()> {
    for n in names {
        let p = dir.join(n);
        match fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(fail(
                    ExitKind::CantCreate,
                    format!("cannot remove the previous run's '{}': {e}", p.display()),
                ))
            }
        }
    }
    Ok(())
}

/// True when `a` and `b` name the same file (same device and inode).
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// MD5 of the first and last MiB of a file plus its size: tells identical copies apart from
/// different files without reading gigabytes.
pub fn quick_fingerprint(path: &Path) -> Result<String> {
    use md5::{Digest, Md5};
    use std::io::{Read, Seek, SeekFrom};
    let mut f = File::open(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot open '{}': {e}", path.display()),
        )
    })?;
    let size = f.metadata()?.len();
    let mut h = Md5::new();
    h.update(size.to_le_bytes());
    let mut buf = vec![0u8; 1 << 20];
    let n = f.read(&mut buf)?;
    h.update(&buf[..n]);
    if size > 2 << 20 {
        f.seek(SeekFrom::End(-(1 << 20)))?;
        let n = f.read(&mut buf)?;
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// MD5 (hex) of a whole file, streamed.
pub fn md5_file(path: &Path) -> Result<String> {
    use md5::{Digest, Md5};
    use std::io::Read;
    let mut f = File::open(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot open '{}': {e}", path.display()),
        )
    })?;
    let mut h = Md5::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Takes an exclusive advisory lock (`flock`) on `path` (created when missing) without waiting.
/// Returns the open file (the lock lasts as long as it lives), or None when another process
/// holds it.
pub fn try_lock(path: &Path) -> Result<Option<File>> {
    use std::os::fd::AsRawFd;
    let f = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| {
            fail(
                ExitKind::CantCreate,
                format!("cannot create lock file '{}': {e}", path.display()),
            )
        })?;
    // SAFETY: flock on a descriptor we own; no memory is shared.
    let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        Ok(Some(f))
    } else if io::Error::last_os_error().raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(None)
    } else {
        Err(fail(
            ExitKind::Io,
            format!(
                "cannot lock '{}': {}",
                path.display(),
                io::Error::last_os_error()
            ),
        ))
    }
}

/// Opens a log file for appending (created when missing).
pub fn append_file(path: &Path) -> Result<File> {
    fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| {
            fail(
                ExitKind::CantCreate,
                format!("cannot open log file '{}': {e}", path.display()),
            )
        })
}

/// The last non-empty line of a text file that starts with `prefix` (e.g. the error line of a
/// log), reading at most its last 64 KiB.
pub fn last_line_with(path: &Path, prefix: &str) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = File::open(path).ok()?;
    let size = f.metadata().ok()?.len();
    f.seek(SeekFrom::Start(size.saturating_sub(64 << 10)))
        .ok()?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf).ok()?;
    String::from_utf8_lossy(&buf)
        .lines()
        .rev()
        .find(|l| l.starts_with(prefix))
        .map(|l| l.trim().to_string())
}

/// Sets the executable bits (0755) of a file this program wrote.
pub fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).map_err(|e| {
        fail(
            ExitKind::CantCreate,
            format!("cannot make '{}' executable: {e}", path.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_output_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.tsv");
        {
            let mut o = AtomicOutput::create(&p).unwrap();
            o.write_all(b"partial").unwrap();
        }
        assert!(!p.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut o = AtomicOutput::create(&p).unwrap();
        o.write_all(b"done\n").unwrap();
        o.commit().unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "done\n");
    }
}
