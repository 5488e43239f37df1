//! Small text inputs read whole (knowledge bases, ontologies, transcript lists): one place that
//! opens them, with the error naming the file and its role.

use std::path::Path;

use anyhow::Result;

use crate::error::{fail, ExitKind};

/// Reads a UTF-8 text file; `what` names its role in the message (`knowledge base`, ...).
pub fn read_text(path: &Path, what: &str) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot read {what} '{}': {e}", path.display()),
        )
    })?;
    String::from_utf8(bytes).map_err(|_| {
        fail(
            ExitKind::Data,
            format!("{what} '{}' is not UTF-8 text", path.display()),
        )
    })
}

/// Reads a UTF-8 text file that may be gzip or bgzip compressed (by its magic bytes, not its
/// name), with its MD5 (of the file's bytes as stored); `what` names its role in the message.
pub fn read_text_gz(path: &Path, what: &str) -> Result<(String, String)> {
    use std::io::Read;
    let bytes = std::fs::read(path).map_err(|e| {
        fail(
            ExitKind::NoInput,
            format!("cannot read {what} '{}': {e}", path.display()),
        )
    })?;
    let md5 = super::output::md5_hex(&bytes);
    let plain = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|e| {
                fail(
                    ExitKind::Data,
                    format!("{what} '{}' is not valid gzip: {e}", path.display()),
                )
            })?;
        out
    } else {
        bytes
    };
    let text = String::from_utf8(plain).map_err(|_| {
        fail(
            ExitKind::Data,
            format!("{what} '{}' is not UTF-8 text", path.display()),
        )
    })?;
    Ok((text, md5))
}

/// The files of a directory whose names end with `suffix`, sorted by path; `what` names the
/// directory's role in the message.
pub(crate) fn list_dir(dir: &Path, suffix: &str, what: &str) -> Result<Vec<std::path::PathBuf>> {
    let mut out: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            fail(
                ExitKind::NoInput,
                format!("cannot read {what} '{}': {e}", dir.display()),
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(suffix))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// A text cell of a TSV/MAF output, safe to open in a spreadsheet.
///
/// METHOD: a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by
/// spreadsheet programs as a formula (a gene named `=HYPERLINK(...)` reached the MAF); such a
/// cell gets a leading `'`, which spreadsheets show as text (OWASP, "CSV injection"). Numbers
/// (`-0.5`, `+3`) and the placeholders `-` and `+` are left as they are; so are cells that
/// cannot hold free text (allele and strand columns are not passed through this).
pub fn cell(s: &str) -> std::borrow::Cow<'_, str> {
    let risky = s
        .as_bytes()
        .first()
        .is_some_and(|b| matches!(b, b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'));
    if !risky || s == "-" || s == "+" || s.parse::<f64>().is_ok_and(f64::is_finite) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(format!("'{s}"))
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(cell("-2+3"), "'-2+3");
        for keep in ["BRAF", "-", "+", "-0.5", "+3", "p.V600E", "", "c.1799T>A"] {
            assert_eq!(cell(keep), keep);
        }
    }
}
