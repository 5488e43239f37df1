//! Error kinds and the process exit codes they map to.
//!
//! Every failure that reaches `main` is an [`anyhow::Error`] whose chain may contain one
//! [`Failure`]; its [`ExitKind`] decides the exit status. Codes follow `sysexits.h` (64-78) so
//! that workflow engines, which retry on 104, 130-145 and 175, never retry a bad input.
//!
//! | code | name | meaning |
//! |---:|---|---|
//! | 0 | OK | success (also: the reader of stdout closed the pipe early) |
//! | 64 | USAGE | bad command line: unknown option, bad region syntax, region on a contig the input lacks, CRAM without `--reference` |
//! | 65 | DATAERR | bad input data: truncated or corrupt BGZF/BAM/CRAM, missing EOF marker, unsorted input, reference that disagrees with the alignment header, a malformed record, a damaged index (or reads that disagree with its counts), a FASTA that disagrees with its `.fai`, a decoder that panics or makes no progress; the full list is in `docs/usage.md` |
//! | 66 | NOINPUT | an input file or its index does not exist or cannot be opened |
//! | 70 | SOFTWARE | internal error (a bug: please report it) |
//! | 73 | CANTCREAT | an output file cannot be created, or the output directory is in use by another command |
//! | 74 | IOERR | an I/O error while reading or writing |

use std::fmt;

/// What kind of failure happened; decides the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitKind {
    /// Bad command line (64).
    Usage,
    /// Bad input data (65).
    Data,
    /// Missing input or index (66).
    NoInput,
    /// Internal error (70).
    Software,
    /// Cannot create an output (73).
    CantCreate,
    /// I/O error (74).
    Io,
}

impl ExitKind {
    /// The process exit status for this kind.
    pub fn code(self) -> i32 {
        match self {
            ExitKind::Usage => 64,
            ExitKind::Data => 65,
            ExitKind::NoInput => 66,
            ExitKind::Software => 70,
            ExitKind::CantCreate => 73,
            ExitKind::Io => 74,
        }
    }
}

/// A classified failure: a one-line message that names the file and says what to do next.
#[derive(Debug)]
pub struct Failure {
    /// Exit class.
    pub kind: ExitKind,
    /// Message, lowercase, without a trailing period.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Builds an [`anyhow::Error`] carrying a [`Failure`] of the given kind.
pub fn fail(kind: ExitKind, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure {
        kind,
        message: message.into(),
    })
}

/// Finds the exit kind of an error chain: the first [`Failure`] in it, else an I/O error maps
/// to [`ExitKind::Io`], else [`ExitKind::Software`].
pub fn exit_kind(err: &anyhow::Error) -> ExitKind {
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return f.kind;
        }
    }
    if err
        .chain()
        .any(|c| c.downcast_ref::<std::io::Error>().is_some())
    {
        return ExitKind::Io;
    }
    ExitKind::Software
}

thread_local! {
    /// Set while [`catch`] runs: a panic inside is recorded here instead of printed.
    static CATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Installs the process's panic hook (the binary calls this first): a panic inside [`catch`]
/// is recorded for the error message that reports it, silently; any other panic is printed as
/// usual (a bug, exit 101).
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if CATCHING.with(|c| c.get()) {
            let what = info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            let at = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{what}{at}")));
        } else {
            default(info);
        }
    }));
}

/// Runs `f`, turning a panic into `Err(message)` (with its location when the hook of
/// [`install_panic_hook`] is installed). For calls into dependencies that may panic on damaged
/// input: the caller reports the message as a data error naming the file.
pub fn catch<R>(f: impl FnOnce() -> R) -> std::result::Result<R, String> {
    let was = CATCHING.with(|c| c.replace(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(was));
    r.map_err(|payload| {
        LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| panic_text(payload.as_ref()))
    })
}

/// The message of a panic payload.
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}

/// Prints `oncostream: error: <msg>` and exits with `kind`'s code, without unwinding. Only for
/// a failure that cannot unwind: a worker thread stuck in a decoder that can be neither
/// interrupted nor joined (the engine's watchdog). The caller removes temp files first.
pub(crate) fn exit_now(kind: ExitKind, msg: &str) -> ! {
    eprintln!("oncostream: error: {msg}");
    std::process::exit(kind.code())
}

/// True when the chain contains a broken pipe (the reader of our stdout went away).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_sysexits_and_never_to_retry_codes() {
        for k in [
            ExitKind::Usage,
            ExitKind::Data,
            ExitKind::NoInput,
            ExitKind::Software,
            ExitKind::CantCreate,
            ExitKind::Io,
        ] {
            let c = k.code();
            assert!((64..=78).contains(&c));
            assert!(c != 104 && !(130..=145).contains(&c) && c != 175);
        }
    }

    #[test]
    fn a_caught_panic_becomes_its_message() {
        let r: std::result::Result<(), String> = catch(|| panic!("bad bin 40000"));
        assert!(r.unwrap_err().contains("bad bin 40000"));
        assert_eq!(catch(|| 7).unwrap(), 7);
    }

    #[test]
    fn failure_is_found_through_context() {
        let e = fail(ExitKind::Data, "bad").context("while reading x");
        assert_eq!(exit_kind(&e), ExitKind::Data);
    }
}
