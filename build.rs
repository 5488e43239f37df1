//! Records the git commit the binary is built from (`metrics.json` → `git_commit`), or
//! `unknown` outside a git checkout (e.g. `cargo install` from a package).

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn main() {
    let commit = git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=ONCOSTREAM_GIT_COMMIT={commit}");
    // rebuild when HEAD moves: HEAD itself, the branch it points to and the packed refs. In a
    // clone `.git` is the directory; in a `git worktree` it is a file naming the worktree's own
    // git directory (HEAD there), whose branches live in the common directory.
    let (Some(git_dir), Some(common)) = (
        git(&["rev-parse", "--git-dir"]).map(PathBuf::from),
        git(&["rev-parse", "--git-common-dir"]).map(PathBuf::from),
    ) else {
        println!("cargo:rerun-if-changed=build.rs");
        return;
    };
    let watch = |p: &Path| {
        if p.is_file() {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    };
    let head = git_dir.join("HEAD");
    watch(&head);
    if let Ok(text) = std::fs::read_to_string(&head) {
        if let Some(r) = text.trim().strip_prefix("ref: ") {
            watch(&common.join(r));
        }
    }
    watch(&common.join("packed-refs"));
}
