//! Logging: everything human-readable goes to stderr, prefixed with the program name.
//!
//! `--quiet` silences info lines; warnings are always printed.

use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Silences [`info`] lines.
pub(crate) fn set_quiet(q: bool) {
    QUIET.store(q, Ordering::Relaxed);
}

/// Prints a warning line on stderr.
pub fn warn(msg: &str) {
    eprintln!("oncostream: warning: {msg}");
}

/// Prints an information line on stderr unless quiet.
pub fn info(msg: &str) {
    if !QUIET.load(Ordering::Relaxed) {
        eprintln!("oncostream: {msg}");
    }
}
