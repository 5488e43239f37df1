//! The docs stay true to the code: every file with a `// METHOD:` note is linked from a page of
//! `docs/` (so a reader of a method finds its code and the other way round), every relative link
//! in README.md and docs/ resolves, and README.md stays a short entry page.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

fn docs_text() -> String {
    let mut pages = Vec::new();
    files(&root().join("docs"), "md", &mut pages);
    pages.sort();
    pages
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_method_note_is_linked_from_the_docs() {
    let docs = docs_text();
    let mut src = Vec::new();
    files(&root().join("src"), "rs", &mut src);
    src.sort();
    let mut missing = Vec::new();
    for f in &src {
        if !std::fs::read_to_string(f).unwrap().contains("METHOD") {
            continue;
        }
        let rel = f.strip_prefix(root()).unwrap().display().to_string();
        if !docs.contains(&rel) {
            missing.push(rel);
        }
    }
    assert!(
        missing.is_empty(),
        "files with METHOD notes that no page of docs/ links (add them to the page of their analysis, section \"In the code\"):\n{}",
        missing.join("\n")
    );
}

/// Relative link targets `](x)` of a Markdown text (no URLs, no anchors-only links).
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = rest[..end].split('#').next().unwrap_or("").to_string();
        if !target.is_empty() && !target.contains("://") && !target.starts_with("mailto:") {
            out.push(target);
        }
    }
    out
}

#[test]
fn relative_links_resolve_and_the_readme_stays_short() {
    let mut pages = vec![root().join("README.md")];
    files(&root().join("docs"), "md", &mut pages);
    let mut broken = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for l in links(&text) {
            let target = page.parent().unwrap().join(&l);
            if !target.exists() {
                broken.push(format!(
                    "{}: {l}",
                    page.strip_prefix(root()).unwrap().display()
                ));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let n = readme.lines().count();
    assert!(
        n <= 250,
        "README.md has {n} lines (at most 250: details go to docs/)"
    );
    // the two commands come first
    let first_block = readme.split("```").nth(1).unwrap_or("");
    assert!(first_block.contains("scripts/example.sh") && first_block.contains("scripts/test.sh"));
}
