//! Records the git commit the binary is built from (`metrics.json` → `git_commit`), or
//! `unknown` outside a git checkout (e.g. `cargo install` from a package).

use std::path::Path;
use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=ONCOSTREAM_GIT_COMMIT={commit}");
    // rebuild when HEAD moves: HEAD itself, and the branch it points to
    let git = Path::new(".git");
    if git.join("HEAD").is_file() {
        println!("cargo:rerun-if-changed=.git/HEAD");
        if let Ok(head) = std::fs::read_to_string(git.join("HEAD")) {
            if let Some(r) = head.trim().strip_prefix("ref: ") {
                if git.join(r).is_file() {
                    println!("cargo:rerun-if-changed=.git/{r}");
                }
            }
        }
        if git.join("packed-refs").is_file() {
            println!("cargo:rerun-if-changed=.git/packed-refs");
        }
    } else {
        println!("cargo:rerun-if-changed=build.rs");
    }
}
