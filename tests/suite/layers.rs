//! The layering of `src/lib.rs`, enforced: a room imports only the rooms below it (listed
//! before it in the table of `lib.rs`), `io` only `types`, `error` and `log`, and no room but
//! `io` opens files nor any room but `engine` spawns threads (the batch runner, which starts
//! child processes, is the one documented exception to neither).

use std::path::{Path, PathBuf};

/// The rooms from the ground floor up.
const ROOMS: [&str; 10] = [
    "error", "log", "types", "io", "engine", "somatic", "clinical", "report", "pipeline", "cli",
];

fn rank(room: &str) -> Option<usize> {
    match room {
        "error" | "log" => Some(0),
        _ => ROOMS.iter().position(|r| *r == room),
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The room a file under `src/` belongs to (None for lib.rs / main.rs).
fn room_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let first = first.trim_end_matches(".rs").to_string();
    rank(&first).map(|_| first)
}

/// The code of a file without comments and string literals (good enough for `crate::x`
/// references and call names).
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        // a file's unit tests (`#[cfg(test)] mod tests` at its end, by convention) are test
        // code: they may make a pipe's reader thread or a scratch file
        if line.trim() == "#[cfg(test)]"
            && lines
                .get(i + 1)
                .is_some_and(|n| n.trim_start().starts_with("mod tests"))
        {
            break;
        }
        let code = match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// Every `crate::room` a file refers to (paths and `use crate::{a, b}` groups).
fn referenced_rooms(code: &str) -> Vec<String> {
    let mut rooms = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                rooms.push(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            rooms.push(name);
        }
    }
    rooms.retain(|r| rank(r).is_some());
    rooms
}

fn violations() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut bad = Vec::new();
    for f in &files {
        let Some(room) = room_of(&src, f) else {
            continue;
        };
        let code = code_of(&std::fs::read_to_string(f).unwrap());
        let name = f.strip_prefix(&src).unwrap().display().to_string();
        for used in referenced_rooms(&code) {
            let up = rank(&used) > rank(&room);
            let io_rule =
                room == "io" && !matches!(used.as_str(), "types" | "error" | "log" | "io");
            if up || io_rule {
                bad.push(format!("src/{name} ({room}) imports crate::{used}"));
            }
        }
        let opens = ["File::open(", "File::create(", "OpenOptions::new("];
        if room != "io" && opens.iter().any(|o| code.contains(o)) {
            bad.push(format!("src/{name} ({room}) opens a file (only io may)"));
        }
        let spawns = ["thread::spawn(", "thread::scope(", ".spawn("];
        let runner = name.starts_with("pipeline/batch/");
        if room != "engine" && !runner && spawns.iter().any(|o| code.contains(o)) {
            bad.push(format!(
                "src/{name} ({room}) spawns a thread (only engine may)"
            ));
        }
    }
    bad.sort();
    bad.dedup();
    bad
}

#[test]
fn no_room_imports_a_room_above_it() {
    let bad = violations();
    assert!(bad.is_empty(), "layering violations:\n{}", bad.join("\n"));
}

#[test]
fn the_checker_finds_an_upward_import() {
    assert_eq!(
        referenced_rooms(
            "use crate::{types::Region, pipeline::run};\nlet x = crate::report::esc(y);"
        ),
        ["types", "pipeline", "report"]
    );
    assert!(rank("pipeline") > rank("somatic"));
}
