//! `report --pdf`: prints an HTML page to PDF with headless Chromium (A4, the page's print
//! stylesheet), written atomically.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Result;

use crate::error::{fail, ExitKind};

/// The variable that names a Chromium binary; else `chromium`, `chromium-browser`,
/// `google-chrome` on `PATH`.
pub(crate) const CHROMIUM_ENV: &str = "ONCOSTREAM_CHROMIUM";

/// The headless Chromium to print with, or a message that says how to get one.
pub(crate) fn find_chromium() -> Result<PathBuf> {
    let named = std::env::var_os(CHROMIUM_ENV).map(PathBuf::from);
    let candidates: Vec<PathBuf> = match &named {
        Some(p) => vec![p.clone()],
        None => ["chromium", "chromium-browser", "google-chrome"]
            .into_iter()
            .map(PathBuf::from)
            .collect(),
    };
    candidates
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .ok_or_else(|| {
            fail(
                ExitKind::Usage,
                match named {
                    Some(p) => format!(
                        "--pdf: {CHROMIUM_ENV}='{}' does not run (`--version` failed); point it at a Chromium or Chrome binary, or leave out --pdf (report.html prints to A4 from any browser)",
                        p.display()
                    ),
                    None => format!(
                        "--pdf needs headless Chromium: none of chromium, chromium-browser, google-chrome is on PATH; install one (Debian/Ubuntu: apt-get install chromium) or set {CHROMIUM_ENV}, or leave out --pdf (report.html prints to A4 from any browser)"
                    ),
                },
            )
        })
}

/// Prints `html` to `pdf` (A4 from the page's `@page` rule, no header or footer), through a
/// temporary file beside it and a fresh browser profile, with the browser kept off the network.
pub fn print_pdf(chromium: &Path, html: &Path, pdf: &Path) -> Result<()> {
    let html = std::fs::canonicalize(html).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot open '{}': {e}", html.display()),
        )
    })?;
    let dir = pdf.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".report.pdf.oncostream-tmp-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| {
        fail(
            ExitKind::CantCreate,
            format!("cannot create '{}': {e}", tmp.display()),
        )
    })?;
    let result = print_into(chromium, &html, &tmp, pdf);
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

/// [`print_pdf`] through the temporary directory `tmp`.
fn print_into(chromium: &Path, html: &Path, tmp: &Path, pdf: &Path) -> Result<()> {
    let out = tmp.join("report.pdf");
    let o = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", tmp.join("profile").display()))
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .map_err(|e| {
            fail(
                ExitKind::Software,
                format!("cannot start '{}': {e}", chromium.display()),
            )
        })?;
    let ok = o.status.success() && std::fs::read(&out).is_ok_and(|b| b.starts_with(b"%PDF"));
    if !ok {
        let err = String::from_utf8_lossy(&o.stderr);
        return Err(fail(
            ExitKind::Software,
            format!(
                "'{}' did not print '{}' to PDF ({}): {}",
                chromium.display(),
                html.display(),
                o.status,
                err.lines().last().unwrap_or("no message")
            ),
        ));
    }
    std::fs::rename(&out, pdf).map_err(|e| {
        fail(
            ExitKind::CantCreate,
            format!("cannot write '{}': {e}", pdf.display()),
        )
    })?;
    Ok(())
}
