//! `kb validate` (check a knowledge base: the built-in one, a directory or a file) and
//! `kb build --civic` (the CIViC dump as KB rows).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::clinical_inputs::{load_kb, LoadedKb};
use crate::clinical::kb::{self, civic};
use crate::clinical::oncotree::OncoTree;
use crate::error::{fail, ExitKind};
use crate::io::{
    output::{md5_hex, write_atomic},
    text::{list_dir, read_text},
};

/// Loads and validates a KB (every bad row reported as `file:line: reason`, exit 65).
pub(crate) fn validate_kb(path: Option<&Path>) -> Result<LoadedKb> {
    load_kb(path, &OncoTree::bundled())
}

/// What `kb build` is asked to do.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// The CIViC dump directory (holding `<date>-ClinicalEvidenceSummaries.tsv`).
    pub civic: PathBuf,
    /// The disease crosswalk (default: the shipped one).
    pub crosswalk: Option<PathBuf>,
    /// The MANE Select table (default: the shipped one).
    pub mane: Option<PathBuf>,
    /// Output directory (`civic.tsv`, `civic_known.tsv`, `civic_build.log`).
    pub outdir: PathBuf,
}

/// A shipped KB file's text.
fn builtin_file(name: &str) -> String {
    kb::BUILTIN_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| t.to_string())
        .unwrap_or_default()
}

/// The shipped crosswalk.
pub(crate) const CROSSWALK: &str = include_str!("../../data/kb/civic_disease_oncotree.tsv");

/// Builds `civic.tsv`, `civic_known.tsv` and `civic_build.log` (what was kept and dropped, with
/// counts) from a CIViC dump; returns the build log.
pub(crate) fn build_civic(o: &BuildOptions) -> Result<civic::BuildLog> {
    let tree = OncoTree::bundled();
    let dir = &o.civic;
    let evidence = list_dir(dir, "-ClinicalEvidenceSummaries.tsv", "CIViC dump directory")?
        .into_iter()
        .next()
        .ok_or_else(|| {
            fail(
                ExitKind::NoInput,
                format!("'{}' holds no <date>-ClinicalEvidenceSummaries.tsv (a CIViC nightly or monthly dump)", dir.display()),
            )
        })?;
    let fname = evidence
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    let dump = fname
        .trim_end_matches("-ClinicalEvidenceSummaries.tsv")
        .to_string();
    if civic::civic_date(&dump) == "1970-01-01" {
        return Err(fail(
            ExitKind::Data,
            format!("'{fname}': the dump's name must start with its date, DD-Mon-YYYY (e.g. 01-Aug-2024)"),
        ));
    }
    let text = read_text(&evidence, "CIViC evidence dump")?;
    if !text.starts_with("molecular_profile\t") {
        return Err(fail(
            ExitKind::Data,
            format!("'{}' is not a CIViC ClinicalEvidenceSummaries.tsv (first column molecular_profile)", evidence.display()),
        ));
    }
    let crosswalk = match &o.crosswalk {
        Some(p) => read_text(p, "disease crosswalk")?,
        None => CROSSWALK.to_string(),
    };
    let mane_text = match &o.mane {
        Some(p) => read_text(p, "MANE Select table")?,
        None => builtin_file("mane_select.tsv"),
    };
    let mut mane: HashMap<String, Vec<String>> = HashMap::new();
    for l in mane_text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("gene\t"))
    {
        let f: Vec<&str> = l.split('\t').collect();
        if f.len() >= 3 {
            mane.insert(f[0].to_string(), vec![f[1].to_string(), f[2].to_string()]);
        }
    }
    let activating_text = builtin_file("activating_classes.tsv");
    let activating: BTreeSet<String> = activating_text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("gene\t"))
        .filter_map(|l| l.split('\t').next().map(String::from))
        .collect();
    let md5 = md5_hex(text.as_bytes());
    let crosswalk = civic::read_crosswalk(&crosswalk);
    let built = civic::build(
        &text,
        &civic::BuildInputs {
            crosswalk: &crosswalk,
            mane: &mane,
            activating: &activating,
            tree: &tree,
            dump: &dump,
            dump_md5: &md5,
        },
    );
    // the outputs must load as a KB before they are written
    kb::parse_files(
        &[
            ("civic.tsv".into(), built.civic.clone()),
            ("civic_known.tsv".into(), built.known.clone()),
            ("mane_select.tsv".into(), mane_text),
            ("activating_classes.tsv".into(), activating_text),
        ],
        &tree,
    )?;
    crate::io::output::create_dir(&o.outdir)?;
    write_atomic(&o.outdir.join("civic.tsv"), built.civic.as_bytes())?;
    write_atomic(&o.outdir.join("civic_known.tsv"), built.known.as_bytes())?;
    let mut log_text = format!(
        "# oncostream kb build: CIViC {dump}, md5 {}\n",
        md5_hex(text.as_bytes())
    );
    for l in built.log.lines() {
        log_text.push_str(&l);
        log_text.push('\n');
    }
    write_atomic(&o.outdir.join("civic_build.log"), log_text.as_bytes())?;
    Ok(built.log)
}
