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

/// The module of `src/report/` a file belongs to (`mod` for `report/mod.rs` itself).
fn report_module(rel: &Path) -> String {
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_str()
        .unwrap();
    first.trim_end_matches(".rs").to_string()
}

/// The identifiers after each `prefix` in `code` (`prefix{a, b}` groups give each name).
fn names_after(code: &str, prefix: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        // `super::super::x` is matched once, by its last `super::`
        let before = &rest[..i];
        rest = &rest[i + prefix.len()..];
        if prefix == "super::" && before.ends_with("super::") {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            out.extend(group[..end].split(',').map(ident));
        } else {
            out.push(ident(rest));
        }
    }
    out.retain(|n| !n.is_empty() && n != "super");
    out
}

/// The import edges between the modules of `src/report/`: `from -> to` when `from` names an
/// item of `to` (through `super::`, `crate::report::` or a re-export of `report/mod.rs`).
fn report_edges(files: &[(PathBuf, String)]) -> Vec<(String, String)> {
    let modules: Vec<String> = files.iter().map(|(p, _)| report_module(p)).collect();
    // `pub use x::{a, b};` in report/mod.rs: a and b live in x
    let mut reexports: Vec<(String, String)> = Vec::new();
    for (p, code) in files {
        if p != Path::new("mod.rs") {
            continue;
        }
        for line in code.lines().map(str::trim) {
            let Some(rest) = line.strip_prefix("pub use ") else {
                continue;
            };
            let Some((module, items)) = rest.split_once("::") else {
                continue;
            };
            for item in names_after(&format!("::{items}"), "::") {
                reexports.push((item, module.to_string()));
            }
        }
    }
    let resolve = |name: &str| -> String {
        if modules.iter().any(|m| m == name) {
            name.to_string()
        } else if let Some((_, m)) = reexports.iter().find(|(i, _)| i == name) {
            m.clone()
        } else {
            "mod".to_string()
        }
    };
    let mut edges = Vec::new();
    for (p, code) in files {
        let from = report_module(p);
        // in a file of a sub-directory other than its mod.rs, `super::` is that directory's
        // module and `super::super::` the report root
        let nested = p.components().count() > 1 && !p.ends_with("mod.rs");
        let mut targets = names_after(code, "crate::report::");
        if nested {
            targets.extend(names_after(code, "super::super::"));
        } else {
            targets.extend(names_after(code, "super::"));
        }
        if p == Path::new("mod.rs") {
            for line in code.lines().map(str::trim) {
                if let Some(rest) = line.strip_prefix("pub use ") {
                    targets.push(rest.split("::").next().unwrap_or("").to_string());
                }
            }
        }
        for t in targets {
            let to = resolve(&t);
            if to != from && !edges.contains(&(from.clone(), to.clone())) {
                edges.push((from.clone(), to));
            }
        }
    }
    edges.sort();
    edges
}

/// A circle in a directed graph, if there is one (as the list of its nodes).
fn find_cycle(edges: &[(String, String)]) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        edges: &[(String, String)],
        path: &mut Vec<String>,
        done: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut c = path[i..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.iter().any(|d| d == n) {
            return None;
        }
        path.push(n.to_string());
        for (_, to) in edges.iter().filter(|(f, _)| f == n) {
            if let Some(c) = visit(to, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.push(n.to_string());
        None
    }
    let mut done = Vec::new();
    for (from, _) in edges {
        if let Some(c) = visit(from, edges, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

fn report_files() -> Vec<(PathBuf, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/report");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let code = code_of(&std::fs::read_to_string(&f).unwrap());
            (f.strip_prefix(&dir).unwrap().to_path_buf(), code)
        })
        .collect()
}

/// `report`'s modules form no import circle (html, i18n and cnv_plot once imported each other
/// for `esc`, which now lives in `report/escape.rs` below all three).
#[test]
fn report_modules_import_each_other_without_a_circle() {
    let edges = report_edges(&report_files());
    assert!(
        edges.iter().any(|(f, t)| f == "html" && t == "escape"),
        "the checker sees html's imports: {edges:?}"
    );
    assert_eq!(find_cycle(&edges), None, "edges: {edges:?}");
}

#[test]
fn the_report_checker_finds_a_circle() {
    let files = vec![
        (
            PathBuf::from("mod.rs"),
            "pub use html::{render, LEVELS};\n".to_string(),
        ),
        (
            PathBuf::from("html/mod.rs"),
            "use super::i18n::t;\n".to_string(),
        ),
        (
            PathBuf::from("html/sections.rs"),
            "use super::{esc, Page};\n".to_string(),
        ),
        (
            PathBuf::from("i18n.rs"),
            "let x = super::LEVELS;\n".to_string(),
        ),
    ];
    let edges = report_edges(&files);
    assert!(
        edges.contains(&("i18n".to_string(), "html".to_string())),
        "{edges:?}"
    );
    let cycle = find_cycle(&edges).expect("html -> i18n -> html");
    assert!(cycle.contains(&"html".to_string()) && cycle.contains(&"i18n".to_string()));
}
