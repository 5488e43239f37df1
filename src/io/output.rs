//! Outputs written atomically: to a hidden temp file beside the target, renamed on success.
//!
//! A run that fails (or is killed) never leaves a file under the final name: the temp file is
//! removed on error, and a kill leaves only `.NAME.oncostream-tmp-PID-N-RANDOM`, which no reader
//! mistakes for a finished output. `-` writes to stdout (no atomicity there: pipes have none).
//!
//! METHOD: what a target path gets, by what it is when the command starts:
//! - nothing, or a regular file: a temp file in the same directory, created with
//!   `O_CREAT|O_EXCL|O_NOFOLLOW` (a planted symlink or a leftover cannot redirect the write),
//!   written, `fsync`ed, renamed over the target, and the directory `fsync`ed, so a crash at any
//!   moment leaves either the old file or the complete new one;
//! - a symbolic link to a regular file: the same, at the link's target (the link keeps working);
//! - anything else that exists, a device, a FIFO or a socket (`/dev/null`, `/dev/stdout`, a named
//!   pipe): opened and written in place, never replaced (renaming a file over `/dev/null` would
//!   replace the system's null device with a regular file);
//! - a directory: refused (exit 73).

use std::{
    fs::{self, File},
    io::{self, BufWriter, Write},
    path::{Path, PathBuf},
    sync::Mutex,
};

use anyhow::Result;
use noodles::bgzf;

use crate::error::{fail, ExitKind};

enum Sink {
    Plain(BufWriter<File>),
    Bgzf(bgzf::io::Writer<BufWriter<File>>),
    Stdout(BufWriter<io::Stdout>),
}

/// Temp files being written by this process (removed by [`remove_pending_temps`] when the
/// process must exit without unwinding).
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending(f: impl FnOnce(&mut Vec<PathBuf>)) {
    let mut g = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    f(&mut g);
}

/// Removes every temp file this process is still writing. For a fatal exit that cannot unwind
/// (a decoder thread that makes no progress cannot be joined): the outputs' `Drop` does this on
/// every other path.
pub fn remove_pending_temps() {
    pending(|v| {
        for p in v.drain(..) {
            let _ = fs::remove_file(p);
        }
    });
}

/// Where the bytes of an [`AtomicOutput`] go.
enum Dest {
    /// Standard output.
    Stdout,
    /// An existing file that is not a regular file (device, FIFO, socket), written in place.
    InPlace,
    /// A temp file renamed to `target` on commit.
    Temp { tmp: PathBuf, target: PathBuf },
}

/// A file being written; becomes visible under its final name only on [`AtomicOutput::commit`].
pub struct AtomicOutput {
    sink: Option<Sink>,
    dest: Dest,
    target: PathBuf,
}

/// What an output path is now (see the module docs).
enum Existing {
    Nothing,
    Regular(PathBuf),
    Special,
}

fn existing(target: &Path) -> Result<Existing> {
    let meta = match fs::symlink_metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Existing::Nothing),
        Err(e) => {
            return Err(fail(
                ExitKind::CantCreate,
                format!("cannot create '{}': {e}", target.display()),
            ))
        }
    };
    let ft = meta.file_type();
    if ft.is_file() {
        return Ok(Existing::Regular(target.to_path_buf()));
    }
    if ft.is_dir() {
        return Err(fail(
            ExitKind::CantCreate,
            format!("cannot create '{}': it is a directory", target.display()),
        ));
    }
    if ft.is_symlink() {
        // a link to a regular file is replaced at its target; a dangling link is refused
        // (following it would create a file wherever it points)
        return match fs::metadata(target) {
            Ok(m) if m.is_file() => Ok(Existing::Regular(
                fs::canonicalize(target).unwrap_or_else(|_| target.to_path_buf()),
            )),
            Ok(m) if m.is_dir() => Err(fail(
                ExitKind::CantCreate,
                format!("cannot create '{}': it is a directory", target.display()),
            )),
            Ok(_) => Ok(Existing::Special),
            Err(e) => Err(fail(
                ExitKind::CantCreate,
                format!(
                    "cannot create '{}': it is a symbolic link to a missing file ({e}); remove the link or give another path",
                    target.display()
                ),
            )),
        };
    }
    Ok(Existing::Special)
}

fn parent_dir(target: &Path) -> PathBuf {
    match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Creates `path`, which must not exist: `O_CREAT|O_EXCL|O_NOFOLLOW` (an existing file or a
/// planted symbolic link there is never followed or truncated).
fn open_new(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// Creates a new temp file beside `target`: `O_CREAT|O_EXCL|O_NOFOLLOW`, never an existing path.
fn create_temp(target: &Path, fname: &str) -> Result<(PathBuf, File)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    let dir = parent_dir(target);
    let mut last = None;
    for _ in 0..16 {
        let n = SERIAL.fetch_add(1, Ordering::Relaxed);
        // pid, serial and a random part: not guessable in advance
        let salt = &uuid::Uuid::new_v4().simple().to_string()[..8];
        let tmp = dir.join(format!(
            ".{fname}.oncostream-tmp-{}-{n}-{salt}",
            std::process::id()
        ));
        match open_new(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => {
                return Err(fail(
                    ExitKind::CantCreate,
                    format!("cannot create '{}': {e}", target.display()),
                ))
            }
        }
    }
    Err(fail(
        ExitKind::CantCreate,
        format!(
            "cannot create a temp file beside '{}': {}",
            target.display(),
            last.map(|e| e.to_string()).unwrap_or_default()
        ),
    ))
}

impl AtomicOutput {
    /// Creates the temp file for `target` (`-` = stdout). A `.gz`/`.bgz` name is written as
    /// BGZF (readable by `zcat`, indexable by `tabix`). An existing device, FIFO or socket is
    /// written in place (see the module docs).
    pub fn create(target: &Path) -> Result<AtomicOutput> {
        if target == Path::new("-") {
            return Ok(AtomicOutput {
                sink: Some(Sink::Stdout(BufWriter::with_capacity(
                    1 << 20,
                    io::stdout(),
                ))),
                dest: Dest::Stdout,
                target: target.to_path_buf(),
            });
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
        let (file, dest) = match existing(target)? {
            Existing::Special => {
                let f = fs::OpenOptions::new()
                    .write(true)
                    .open(target)
                    .map_err(|e| {
                        fail(
                            ExitKind::CantCreate,
                            format!("cannot write to '{}': {e}", target.display()),
                        )
                    })?;
                (f, Dest::InPlace)
            }
            found => {
                let real = match found {
                    Existing::Regular(p) => p,
                    _ => target.to_path_buf(),
                };
                let dir = parent_dir(&real);
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
                let real_name = real
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| fname.clone());
                let (tmp, f) = create_temp(&real, &real_name)?;
                pending(|v| v.push(tmp.clone()));
                (f, Dest::Temp { tmp, target: real })
            }
        };
        let w = BufWriter::with_capacity(1 << 20, file);
        let sink = if fname.ends_with(".gz") || fname.ends_with(".bgz") {
            Sink::Bgzf(bgzf::io::Writer::new(w))
        } else {
            Sink::Plain(w)
        };
        Ok(AtomicOutput {
            sink: Some(sink),
            dest,
            target: target.to_path_buf(),
        })
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes, syncs and renames the temp file to the target, then syncs the directory.
    pub fn commit(mut self) -> Result<()> {
        let sink = self.sink.take().expect("sink present until commit");
        let ctx = |e: io::Error| {
            anyhow::Error::new(e).context(format!("cannot write '{}'", self.target.display()))
        };
        let in_place = matches!(self.dest, Dest::InPlace);
        // devices and pipes have nothing to sync (fsync on them fails with EINVAL)
        let sync = |f: &File| if in_place { Ok(()) } else { f.sync_all() };
        match sink {
            Sink::Plain(w) => {
                let f = w.into_inner().map_err(|e| ctx(e.into_error()))?;
                sync(&f).map_err(ctx)?;
            }
            Sink::Bgzf(w) => {
                let f = w
                    .finish()
                    .map_err(ctx)?
                    .into_inner()
                    .map_err(|e| ctx(e.into_error()))?;
                sync(&f).map_err(ctx)?;
            }
            Sink::Stdout(mut w) => {
                w.flush().map_err(ctx)?;
            }
        }
        if let Dest::Temp { tmp, target } = std::mem::replace(&mut self.dest, Dest::InPlace) {
            pending(|v| v.retain(|p| p != &tmp));
            fs::rename(&tmp, &target).map_err(|e| {
                let _ = fs::remove_file(&tmp);
                fail(
                    ExitKind::CantCreate,
                    format!(
                        "cannot move output into place at '{}': {e}",
                        self.target.display()
                    ),
                )
            })?;
            // the rename itself is durable only once the directory is synced
            if let Ok(d) = File::open(parent_dir(&target)) {
                let _ = d.sync_all();
            }
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
        if let Dest::Temp { tmp, .. } = &self.dest {
            pending(|v| v.retain(|p| p != tmp));
            let _ = fs::remove_file(tmp);
        }
    }
}

/// Checks, before any work, that `target` can be created: `-` (stdout), or a file name in an
/// existing directory.
pub(crate) fn check_output_path(target: &Path) -> Result<()> {
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
    existing(target).map(|_| ())
}

/// Checks that `dir` can be made a new output directory: its parent exists, and it does not
/// exist or is empty (an export never mixes its files with others).
pub(crate) fn check_new_dir(dir: &Path) -> Result<()> {
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
pub(crate) fn write_dir_atomic(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
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
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut out = AtomicOutput::create(path)?;
    out.write_all(bytes)?;
    out.commit()
}

/// MD5 (lowercase hex) of bytes in memory (e.g. the knowledge base compiled into the binary).
pub(crate) fn md5_hex(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Path, size and (when asked) MD5 of an input file.
pub(crate) fn file_record(
    path: &Path,
    with_md5: bool,
) -> Result<crate::types::results::FileRecord> {
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
pub(crate) fn list_dir(dir: &Path) -> Result<Vec<String>> {
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
pub(crate) fn remove_files(dir: &Path, names: &[String]) -> Result<()> {
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
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// MD5 of the first and last MiB of a file plus its size: tells identical copies apart from
/// different files without reading gigabytes.
pub(crate) fn quick_fingerprint(path: &Path) -> Result<String> {
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

/// The whole-file digest of an alignment input (lowercase hex; None for
/// [`crate::types::manifest::InputChecksum::None`]).
///
/// The file is hashed from a read-only memory map of the page cache (no second copy through
/// `read`), in 8 MiB windows whose pages are dropped from this process's mapping once hashed
/// (`MADV_DONTNEED`: the page cache keeps them), so RSS stays flat whatever the file size.
/// `run` computes it on a thread beside the pass, which brings the same pages in.
pub(crate) fn input_digest(
    path: &Path,
    algorithm: crate::types::manifest::InputChecksum,
) -> Result<Option<String>> {
    use crate::types::manifest::InputChecksum;
    use md5::Digest;
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    Ok(match algorithm {
        InputChecksum::None => None,
        InputChecksum::Md5 => {
            let mut h = md5::Md5::new();
            for_each_window(path, |w| h.update(w))?;
            Some(hex(&h.finalize()))
        }
        InputChecksum::Blake3 => {
            let mut h = blake3::Hasher::new();
            for_each_window(path, |w| {
                h.update(w);
            })?;
            Some(h.finalize().to_hex().to_string())
        }
    })
}

/// Calls `f` on consecutive 8 MiB windows of a memory map of `path`, releasing each window's
/// pages from the mapping after use.
fn for_each_window(path: &Path, mut f: impl FnMut(&[u8])) -> Result<()> {
    const WINDOW: usize = 8 << 20;
    let file = File::open(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot open '{}': {e}", path.display()),
        )
    })?;
    if file.metadata()?.len() == 0 {
        f(&[]);
        return Ok(());
    }
    // SAFETY: a read-only map of an input this process never writes (as the pass's own map;
    // see docs/architecture.md, memory).
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| {
        fail(
            ExitKind::Io,
            format!("cannot memory-map '{}': {e}", path.display()),
        )
    })?;
    let _ = map.advise(memmap2::Advice::Sequential);
    let mut at = 0;
    while at < map.len() {
        let end = (at + WINDOW).min(map.len());
        f(&map[at..end]);
        // SAFETY: read-only shared file mapping; DONTNEED only unmaps the pages from this
        // process (a later access re-reads the same file pages).
        let _ =
            unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, at, end - at) };
        at = end;
    }
    Ok(())
}

/// MD5 (hex) of a whole file, streamed.
pub(crate) fn md5_file(path: &Path) -> Result<String> {
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
pub(crate) fn try_lock(path: &Path) -> Result<Option<File>> {
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

/// The lock file a command holds in its output directory while it runs (see [`lock_dir`]).
pub(crate) const LOCK_FILE: &str = ".oncostream.lock";

/// An exclusive lock on an output directory, held until dropped (see [`lock_dir`]).
#[derive(Debug)]
pub struct DirLock {
    file: Option<File>,
    path: PathBuf,
    /// The directories this lock created (deepest first), removed again when still empty.
    created: Vec<PathBuf>,
}

impl Drop for DirLock {
    fn drop(&mut self) {
        if let Some(f) = self.file.take() {
            // removed while still locked: a process that opened the old file before the
            // unlink finds, once it gets the lock, that the path no longer names its file and
            // starts over (see `lock_dir`)
            let _ = fs::remove_file(&self.path);
            // only when empty: a directory with outputs stays (and so do its parents)
            for d in &self.created {
                if fs::remove_dir(d).is_err() {
                    break;
                }
            }
            drop(f);
        }
    }
}

fn same_inode(f: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (f.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into our buffer.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "?".into();
    }
    let n = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// Takes the exclusive lock of output directory `dir` (created when missing) for the lifetime
/// of one command: `flock(LOCK_EX|LOCK_NB)` on `dir/.oncostream.lock`, which holds the holder's
/// pid, host and start time. Another command already holding it is refused at once (exit 73)
/// with those details. The lock file is removed when the lock is dropped (and the directories
/// this call created, when nothing was written into them), so a failed validation leaves no
/// trace; the kernel releases the lock of a killed process.
///
/// On a file system without locks (NFS without lockd, Lustre mounted without `flock`) the
/// command goes on after a warning: concurrent commands are then not detected.
pub fn lock_dir(dir: &Path) -> Result<DirLock> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(LOCK_FILE);
    let created: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .map(Path::to_path_buf)
        .collect();
    for _ in 0..8 {
        create_dir(dir)?;
        let mut f = match fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o644)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&path)
        {
            Ok(f) => f,
            // removed between our mkdir and open by a holder cleaning up: try again
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(fail(
                    ExitKind::CantCreate,
                    format!(
                        "cannot create the lock file '{}' of the output directory: {e}",
                        path.display()
                    ),
                ))
            }
        };
        // SAFETY: flock on a descriptor we own; no memory is shared.
        let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let err = io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EWOULDBLOCK) => {
                    use std::io::Read;
                    let mut holder = String::new();
                    let _ = f.read_to_string(&mut holder);
                    let holder = holder.trim();
                    return Err(fail(
                        ExitKind::CantCreate,
                        format!(
                            "output directory '{}' is in use by another oncostream command ({}); wait for it to end, or choose another directory",
                            dir.display(),
                            if holder.is_empty() { "holder unknown" } else { holder }
                        ),
                    ));
                }
                Some(libc::ENOLCK | libc::EOPNOTSUPP | libc::ENOSYS | libc::EINVAL) => {
                    crate::log::warn(&format!(
                        "cannot lock output directory '{}' ({err}): this file system has no locks, so another command writing into the same directory would not be detected",
                        dir.display()
                    ));
                    return Ok(DirLock {
                        file: None,
                        path,
                        created,
                    });
                }
                _ => {
                    return Err(fail(
                        ExitKind::Io,
                        format!("cannot lock '{}': {err}", path.display()),
                    ))
                }
            }
        }
        if !same_inode(&f, &path) {
            // the previous holder removed the file after we opened it: start over
            continue;
        }
        let info = format!(
            "pid {} on {}, since {}",
            std::process::id(),
            hostname(),
            time::OffsetDateTime::now_utc()
                .format(time::macros::format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
                ))
                .unwrap_or_default()
        );
        let _ = f.set_len(0).and_then(|_| f.write_all(info.as_bytes()));
        return Ok(DirLock {
            file: Some(f),
            path,
            created,
        });
    }
    Err(fail(
        ExitKind::CantCreate,
        format!(
            "cannot take the lock of output directory '{}': its lock file keeps changing; another command is starting there",
            dir.display()
        ),
    ))
}

/// Opens a log file for appending (created when missing).
pub(crate) fn append_file(path: &Path) -> Result<File> {
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
pub(crate) fn last_line_with(path: &Path, prefix: &str) -> Option<String> {
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
pub(crate) fn make_executable(path: &Path) -> Result<()> {
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

    fn mknod(path: &Path, mode: libc::mode_t, dev: libc::dev_t) -> bool {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mknod only creates a directory entry.
        unsafe { libc::mknod(c.as_ptr(), mode, dev) == 0 }
    }

    #[test]
    fn a_named_pipe_is_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("out.tsv");
        assert!(mknod(&fifo, libc::S_IFIFO | 0o600, 0));
        // the reader end opened first, non-blocking (no thread: only `engine` spawns them)
        let mut reader = {
            use std::os::unix::fs::OpenOptionsExt;
            fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&fifo)
                .unwrap()
        };
        write_atomic(&fifo, b"row\n").unwrap();
        let mut got = String::new();
        std::io::Read::read_to_string(&mut reader, &mut got).unwrap();
        assert_eq!(got, "row\n");
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn a_null_device_stays_a_device() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        // a null device of our own (major 1, minor 3) when we may make one (root); else the
        // system's /dev/null, which an unprivileged writer could not replace anyway
        let own = dir.path().join("null");
        let target = if mknod(&own, libc::S_IFCHR | 0o666, libc::makedev(1, 3)) {
            own
        } else {
            PathBuf::from("/dev/null")
        };
        let mut o = AtomicOutput::create(&target).unwrap();
        o.write_all(&[b'x'; 50_000]).unwrap();
        o.commit().unwrap();
        let m = fs::symlink_metadata(&target).unwrap();
        assert!(
            m.file_type().is_char_device(),
            "{} was replaced",
            target.display()
        );
    }

    #[test]
    fn a_planted_symlink_at_a_temp_name_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let planted = dir.path().join(".x.oncostream-tmp-1-0");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let e = open_new(&planted).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
    }

    #[test]
    fn a_link_to_a_regular_file_is_replaced_at_its_target_and_a_dangling_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.tsv");
        fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.tsv");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
        let dangling = dir.path().join("dangling.tsv");
        std::os::unix::fs::symlink(dir.path().join("nowhere/x"), &dangling).unwrap();
        let e = write_atomic(&dangling, b"x").unwrap_err();
        assert_eq!(crate::error::exit_kind(&e), ExitKind::CantCreate);
        assert!(check_output_path(&dangling).is_err());
    }
}
