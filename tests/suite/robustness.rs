//! Wrong input is refused, never half-read (issue 19): each defect found by fuzzing and by
//! hand is a regression test here, with its minimised input in `fixtures/robustness/` where a
//! file is needed. Every refusal is one line naming the file (and the record), with a
//! documented exit code.

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::util::{fx, run, s};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a clean refusal: the exit code, one `oncostream: error:` line holding every needle,
/// no panic text.
fn refused(o: &Output, code: i32, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("oncostream: error:"))
        .collect();
    assert_eq!(lines.len(), 1, "one error line expected: {err}");
    for n in needles {
        assert!(lines[0].contains(n), "'{n}' missing from: {}", lines[0]);
    }
    assert!(!err.contains("panicked"), "a panic reached the user: {err}");
}

fn mknod(path: &Path, mode: libc::mode_t, dev: libc::dev_t) -> bool {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mknod only creates a directory entry.
    unsafe { libc::mknod(c.as_ptr(), mode, dev) == 0 }
}

const TUMOR: &str = "nfcore_chr22/test2.paired_end.sorted.bam";

/// `-o /dev/null` as root used to rename a 48 kB regular file over the system's null device
/// (scripts/bench-wgs.sh did exactly this). Tested on a null device of our own (major 1, minor
/// 3) when we may make one, else on /dev/null itself (which an unprivileged run cannot break).
#[test]
fn output_to_a_null_device_leaves_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("null");
    let target: PathBuf = if mknod(&own, libc::S_IFCHR | 0o666, libc::makedev(1, 3)) {
        own
    } else {
        PathBuf::from("/dev/null")
    };
    let o = run(&["pileup", "--bam", s(&fx(TUMOR)), "-o", s(&target)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = std::fs::symlink_metadata(&target).unwrap();
    assert!(m.file_type().is_char_device(), "{} was replaced", target.display());
    let o = run(&["pileup", "--bam", s(&fx(TUMOR)), "-o", "/dev/stdout"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.starts_with(b"contig\tpos\t"));
}
