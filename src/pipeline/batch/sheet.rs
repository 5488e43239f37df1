//! The sample sheet of `batch`: an nf-core-style CSV, one row per BAM/CRAM.
//!
//! Columns (header required, any order, case-insensitive): `patient`, `sample`, `status`
//! (0 = normal, 1 = tumor), `bam` (or `cram`; either holds a BAM or a CRAM path), and optionally
//! `bai` / `crai` (the index, which must sit where samtools puts it), `sex` (accepted, unused),
//! `cancer_type` (OncoTree code; default `--cancer-type`), and the report's basic items
//! `specimen_id` (default: the sample id), `specimen_type`, `collection_date`, `tumor_content`,
//! `institution`, `test_name`, `genome_build`. Relative paths are taken from the directory the
//! command runs in (as nf-core pipelines do). Every tumor row becomes one task; its normal is the
//! patient's status-0 row (at most one per patient). Status `2` marks a follow-up plasma
//! (cell-free DNA) sample, with an optional `timepoint` label: the patient's plasma rows go with
//! its first tumor's task, which then also runs `monitor` against that tumor's run.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::error::{fail, ExitKind};
use crate::io::text::read_text;

/// Names a sample may not take (they are directories of the batch itself).
pub(crate) const RESERVED: &[&str] = &["logs", "slurm", "multiqc_data"];

const REQUIRED: &[&str] = &["patient", "sample", "status"];
const OPTIONAL: &[&str] = &[
    "bai",
    "crai",
    "sex",
    "cancer_type",
    "specimen_id",
    "specimen_type",
    "collection_date",
    "tumor_content",
    "institution",
    "test_name",
    "genome_build",
    "timepoint",
];

/// One row of the sheet.
#[derive(Clone, Debug)]
pub struct SheetRow {
    /// 1-based line number.
    pub line: usize,
    /// Patient id.
    pub patient: String,
    /// Sample id.
    pub sample: String,
    /// True for a tumor (status 1).
    pub tumor: bool,
    /// True for a follow-up plasma sample (status 2).
    pub plasma: bool,
    /// The BAM/CRAM (absolute).
    pub bam: PathBuf,
    /// The index named by the sheet (absolute).
    pub index: Option<PathBuf>,
    /// The optional columns that were filled (cancer type and basic items).
    pub fields: BTreeMap<String, String>,
}

/// One tumor sample to analyse: the unit of work (a local job, a Slurm array task).
#[derive(Clone, Debug)]
pub struct Task {
    /// 1-based number in sheet order of the tumor rows.
    pub number: usize,
    /// The tumor's row.
    pub tumor: SheetRow,
    /// The matched normal's row (None: tumor-only).
    pub normal: Option<SheetRow>,
    /// The patient's follow-up plasma rows, in sheet order (the first tumor of a patient only).
    pub plasma: Vec<SheetRow>,
}

impl Task {
    /// The sample id.
    pub fn sample(&self) -> &str {
        &self.tumor.sample
    }

    /// An optional column of the tumor row.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.tumor.fields.get(name).map(String::as_str)
    }
}

fn bad(path: &Path, line: usize, msg: String) -> anyhow::Error {
    fail(
        ExitKind::Data,
        format!("sample sheet '{}', line {line}: {msg}", path.display()),
    )
}

/// The sheet's rule for patient and sample ids (public: the Snakefile and the Slurm scripts
/// rely on it): letters, digits, `_`, `-`, `.`, starting with a letter or digit (an id
/// starting with `-` would be read as an option by the commands it is passed to).
pub fn valid_id(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric)
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn absolute(p: &str) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| PathBuf::from(p))
}

/// Reads and checks the sheet (syntax, ids, duplicates, pairing); files are checked by
/// [`check_files`]. Returns the tasks and warnings.
pub fn read_sheet(path: &Path, require_normal: bool) -> Result<(Vec<Task>, Vec<String>)> {
    let text = read_text(path, "sample sheet")?;
    parse_sheet(path, &text, require_normal)
}

/// [`read_sheet`] on text already read.
pub(crate) fn parse_sheet(
    path: &Path,
    text: &str,
    require_normal: bool,
) -> Result<(Vec<Task>, Vec<String>)> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| bad(path, 1, format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let cols = Columns::of(path, header)?;
    let mut rows: Vec<SheetRow> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
            bad(path, line, format!("{e}"))
        })?;
        if let Some(row) = cols.row(path, &rec)? {
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return Err(fail(
            ExitKind::Data,
            format!("sample sheet '{}' has no samples", path.display()),
        ));
    }
    check_unique(path, &rows)?;
    pair(path, &rows, require_normal)
}

/// Where each column of the sheet is.
struct Columns {
    header: Vec<String>,
    bam: usize,
}

impl Columns {
    /// Checks the header: required columns, one of bam/cram, no unknown or repeated column.
    fn of(path: &Path, header: Vec<String>) -> Result<Columns> {
        let col = |name: &str| header.iter().position(|h| h == name);
        for name in REQUIRED {
            if col(name).is_none() {
                return Err(bad(
                    path,
                    1,
                    format!(
                        "no '{name}' column (the header must name patient, sample, status and bam; found: {})",
                        header.join(",")
                    ),
                ));
            }
        }
        let bam =
            match (col("bam"), col("cram")) {
                (Some(b), None) | (None, Some(b)) => b,
                (Some(_), Some(_)) => return Err(bad(
                    path,
                    1,
                    "both 'bam' and 'cram' columns: use one (either may hold BAM or CRAM paths)"
                        .into(),
                )),
                (None, None) => return Err(bad(path, 1, "no 'bam' (or 'cram') column".into())),
            };
        let mut seen_cols = HashSet::new();
        for h in &header {
            if !seen_cols.insert(h.as_str()) {
                return Err(bad(path, 1, format!("column '{h}' appears twice")));
            }
            if !REQUIRED.contains(&h.as_str())
                && !OPTIONAL.contains(&h.as_str())
                && h != "bam"
                && h != "cram"
            {
                return Err(bad(
                    path,
                    1,
                    format!(
                        "unknown column '{h}'; known: {}, bam (or cram), {}",
                        REQUIRED.join(", "),
                        OPTIONAL.join(", ")
                    ),
                ));
            }
        }
        Ok(Columns { header, bam })
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// One data row (None for a blank one).
    fn row(&self, path: &Path, rec: &csv::StringRecord) -> Result<Option<SheetRow>> {
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        if rec.iter().all(str::is_empty) {
            return Ok(None);
        }
        // values reach file names, logs and the emitted Slurm scripts: no control characters
        // (a newline in a quoted CSV field became a shell line of the sbatch script)
        if let Some((i, v)) = rec
            .iter()
            .enumerate()
            .find(|(_, v)| v.chars().any(char::is_control))
        {
            return Err(bad(
                path,
                line,
                format!(
                    "column '{}' holds a control character (a newline, tab or escape) in {v:?}",
                    self.header.get(i).map(String::as_str).unwrap_or("?")
                ),
            ));
        }
        let get = |i: usize| rec.get(i).unwrap_or("").to_string();
        let patient = get(self.col("patient").expect("checked"));
        let sample = get(self.col("sample").expect("checked"));
        for (what, id) in [("patient", &patient), ("sample", &sample)] {
            if !valid_id(id) {
                return Err(bad(path, line, format!("{what} id '{id}' must be letters, digits, '_', '-' or '.', and start with a letter or digit (it names a directory and a command-line value)")));
            }
        }
        if RESERVED.contains(&sample.as_str()) {
            return Err(bad(
                path,
                line,
                format!(
                    "sample id '{sample}' is reserved (the batch uses a directory of that name)"
                ),
            ));
        }
        let (tumor, plasma) = match get(self.col("status").expect("checked")).as_str() {
            "1" => (true, false),
            "0" => (false, false),
            "2" => (false, true),
            other => {
                return Err(bad(
                    path,
                    line,
                    format!(
                        "status '{other}' must be 0 (normal), 1 (tumor) or 2 (follow-up plasma)"
                    ),
                ))
            }
        };
        let bam = get(self.bam);
        if bam.is_empty() {
            return Err(bad(
                path,
                line,
                format!("sample '{sample}' has no bam path"),
            ));
        }
        let index = self
            .col("bai")
            .or(self.col("crai"))
            .map(get)
            .filter(|s| !s.is_empty())
            .map(|s| absolute(&s));
        let mut fields = BTreeMap::new();
        for name in OPTIONAL
            .iter()
            .filter(|n| !matches!(**n, "bai" | "crai" | "sex"))
        {
            if let Some(v) = self.col(name).map(get).filter(|v| !v.is_empty()) {
                fields.insert(name.to_string(), v);
            }
        }
        Ok(Some(SheetRow {
            line,
            patient,
            sample,
            tumor,
            plasma,
            bam: absolute(&bam),
            index,
            fields,
        }))
    }
}

/// No sample id or file twice.
fn check_unique(path: &Path, rows: &[SheetRow]) -> Result<()> {
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut files: HashMap<&Path, usize> = HashMap::new();
    for r in rows {
        if let Some(first) = ids.insert(&r.sample, r.line) {
            return Err(bad(
                path,
                r.line,
                format!("sample id '{}' already used on line {first}", r.sample),
            ));
        }
        if let Some(first) = files.insert(&r.bam, r.line) {
            return Err(bad(
                path,
                r.line,
                format!("'{}' is already the file of line {first}", r.bam.display()),
            ));
        }
    }
    Ok(())
}

/// Each tumor with its patient's normal (at most one per patient); warnings for normals
/// without a tumor.
fn pair(path: &Path, rows: &[SheetRow], require_normal: bool) -> Result<(Vec<Task>, Vec<String>)> {
    let mut normals: HashMap<&str, &SheetRow> = HashMap::new();
    for r in rows.iter().filter(|r| !r.tumor && !r.plasma) {
        if let Some(first) = normals.insert(&r.patient, r) {
            return Err(bad(
                path,
                r.line,
                format!(
                    "patient '{}' has two normals ('{}' on line {} and '{}'); give one",
                    r.patient, first.sample, first.line, r.sample
                ),
            ));
        }
    }
    let mut warnings = Vec::new();
    let mut tasks = Vec::new();
    for r in rows.iter().filter(|r| r.tumor) {
        let normal = normals.get(r.patient.as_str()).map(|n| (*n).clone());
        if normal.is_none() && require_normal {
            return Err(bad(
                path,
                r.line,
                format!("tumor '{}' of patient '{}' has no normal (status 0) and --require-normal is set", r.sample, r.patient),
            ));
        }
        let first_of_patient = !tasks.iter().any(|t: &Task| t.tumor.patient == r.patient);
        let plasma = rows
            .iter()
            .filter(|p| p.plasma && p.patient == r.patient && first_of_patient)
            .cloned()
            .collect();
        tasks.push(Task {
            number: tasks.len() + 1,
            tumor: r.clone(),
            normal,
            plasma,
        });
    }
    let tumor_patients: HashSet<&str> = rows
        .iter()
        .filter(|r| r.tumor)
        .map(|r| r.patient.as_str())
        .collect();
    for p in rows.iter().filter(|r| r.plasma) {
        if !tumor_patients.contains(p.patient.as_str()) {
            warnings.push(format!(
                "sample sheet line {}: plasma '{}' of patient '{}' has no tumor to track; it is not analysed",
                p.line, p.sample, p.patient
            ));
        }
    }
    for n in normals.values() {
        if !tumor_patients.contains(n.patient.as_str()) {
            warnings.push(format!(
                "sample sheet line {}: normal '{}' of patient '{}' has no tumor; it is not analysed",
                n.line, n.sample, n.patient
            ));
        }
    }
    if tasks.is_empty() {
        return Err(fail(
            ExitKind::Data,
            format!(
                "sample sheet '{}' has no tumor (status 1) row",
                path.display()
            ),
        ));
    }
    Ok((tasks, warnings))
}

/// Where oncostream looks for the index of an alignment file (by its extension).
fn index_candidates(bam: &Path) -> Vec<PathBuf> {
    if bam.extension().is_some_and(|e| e == "cram") {
        crate::io::alignment::cram_index_candidates(bam)
    } else {
        crate::io::alignment::bam_index_candidates(bam)
    }
}

/// Checks that a row's alignment file and its index exist (the index where oncostream looks
/// for it).
pub fn check_files(path: &Path, row: &SheetRow) -> Result<()> {
    if !row.bam.is_file() {
        return Err(fail(
            ExitKind::NoInput,
            format!(
                "sample sheet '{}', line {}: '{}' of sample '{}' does not exist",
                path.display(),
                row.line,
                row.bam.display(),
                row.sample
            ),
        ));
    }
    let candidates = index_candidates(&row.bam);
    if let Some(ix) = &row.index {
        if !ix.is_file() {
            return Err(fail(
                ExitKind::NoInput,
                format!(
                    "sample sheet '{}', line {}: index '{}' does not exist",
                    path.display(),
                    row.line,
                    ix.display()
                ),
            ));
        }
        if !candidates.iter().any(|c| c == ix) {
            return Err(fail(
                ExitKind::Usage,
                format!(
                    "sample sheet '{}', line {}: index '{}' must sit beside its file as '{}' (where samtools writes it)",
                    path.display(),
                    row.line,
                    ix.display(),
                    candidates[0].display()
                ),
            ));
        }
    } else if !candidates.iter().any(|c| c.is_file()) {
        return Err(fail(
            ExitKind::NoInput,
            format!(
                "sample sheet '{}', line {}: no index for '{}' (looked for {}); create one with `samtools index`",
                path.display(),
                row.line,
                row.bam.display(),
                candidates[0].display()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, require: bool) -> Result<(Vec<Task>, Vec<String>)> {
        parse_sheet(Path::new("s.csv"), text, require)
    }

    #[test]
    fn pairs_tumors_with_their_patients_normal() {
        let (tasks, warnings) = parse(
            "patient,sample,status,bam,cancer_type\nP1,N1,0,/d/n1.bam,\nP1,T1,1,/d/t1.bam,LUAD\nP2,T2,1,/d/t2.bam,\nP3,N3,0,/d/n3.bam,\n",
            false,
        )
        .unwrap();
        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks[0].sample(), "T1");
        assert_eq!(tasks[0].normal.as_ref().unwrap().sample, "N1");
        assert_eq!(tasks[0].field("cancer_type"), Some("LUAD"));
        assert_eq!(tasks[1].number, 2);
        assert!(tasks[1].normal.is_none());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("N3"));
    }

    #[test]
    fn follow_up_plasma_goes_with_the_patients_first_tumor() {
        let (tasks, warnings) = parse(
            "patient,sample,status,bam,timepoint\nP1,N1,0,/d/n1.bam,\nP1,T1,1,/d/t1.bam,\nP1,C1,2,/d/c1.bam,week4\nP1,C2,2,/d/c2.bam,week12\nP1,T1b,1,/d/t1b.bam,\nP9,C9,2,/d/c9.bam,\n",
            false,
        )
        .unwrap();
        assert_eq!(tasks.len(), 2);
        let ids: Vec<_> = tasks[0].plasma.iter().map(|r| r.sample.as_str()).collect();
        assert_eq!(ids, ["C1", "C2"]);
        assert_eq!(tasks[0].plasma[1].fields["timepoint"], "week12");
        assert!(
            tasks[1].plasma.is_empty(),
            "a second tumor does not repeat the monitoring"
        );
        assert_eq!(
            tasks[0].normal.as_ref().unwrap().sample,
            "N1",
            "plasma is not a normal"
        );
        assert!(warnings.iter().any(|w| w.contains("C9")), "{warnings:?}");
    }

    #[test]
    fn refuses_what_a_lab_gets_wrong() {
        let cases = [
            ("patient,sample,status\nP,T,1\n", "no 'bam'"),
            ("patient,sample,status,bam\nP,T,3,/t.bam\n", "status '3'"),
            (
                "patient,sample,status,bam\nP,T,1,/t.bam\nP,T,1,/u.bam\n",
                "already used on line 2",
            ),
            (
                "patient,sample,status,bam\nP,T,1,/t.bam\nP,U,1,/t.bam\n",
                "already the file",
            ),
            (
                "patient,sample,status,bam\nP,N,0,/n.bam\nP,M,0,/m.bam\nP,T,1,/t.bam\n",
                "two normals",
            ),
            (
                "patient,sample,status,bam,tumour\nP,T,1,/t.bam,x\n",
                "unknown column 'tumour'",
            ),
            (
                "patient,sample,status,bam\nP,a/b,1,/t.bam\n",
                "names a directory",
            ),
            ("patient,sample,status,bam\nP,logs,1,/t.bam\n", "reserved"),
            ("patient,sample,status,bam\nP,N,0,/n.bam\n", "no tumor"),
            // an id that a command would read as an option
            (
                "patient,sample,status,bam\nP,-T1,1,/t.bam\n",
                "start with a letter",
            ),
            (
                "patient,sample,status,bam\n--force,T,1,/t.bam\n",
                "start with a letter",
            ),
            // the id that ran a command in the Snakefile's shell line
            (
                "patient,sample,status,bam\nP,$(touch x)T1,1,/t.bam\n",
                "names a directory",
            ),
            // a newline in a quoted path became a line of the sbatch script
            (
                "patient,sample,status,bam\nP,T,1,\"/t.bam\nrm -rf ~\"\n",
                "control character",
            ),
        ];
        for (text, want) in cases {
            let e = parse(text, false).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
        let e = parse("patient,sample,status,bam\nP,T,1,/t.bam\n", true).unwrap_err();
        assert!(e.to_string().contains("--require-normal"), "{e}");
    }

    #[test]
    fn header_is_case_insensitive_and_cram_column_works() {
        let (tasks, _) = parse(
            "Patient,Sample,Status,CRAM,CRAI\nP,T,1,/t.cram,/t.cram.crai\n",
            false,
        )
        .unwrap();
        assert_eq!(
            tasks[0].tumor.index.as_deref(),
            Some(Path::new("/t.cram.crai"))
        );
    }

    // ---- property tests (issue 19): generated sheets give their tasks; mutated sheets never
    // panic; the id rule is the Snakefile's regular expression

    use proptest::prelude::*;

    /// Distinct ids of the sheet's rule (case-insensitively distinct, never a reserved name).
    fn ids(n: usize) -> impl Strategy<Value = Vec<String>> {
        proptest::collection::hash_set("S[A-Za-z0-9_.-]{0,8}", n..=n).prop_map(|s| {
            let mut seen = std::collections::HashSet::new();
            let mut v: Vec<String> = s
                .into_iter()
                .filter(|x| !RESERVED.contains(&x.to_lowercase().as_str()))
                .filter(|x| seen.insert(x.to_lowercase()))
                .collect();
            v.sort();
            v
        })
    }

    proptest! {
        #![proptest_config(crate::io::props::config())]

        /// One tumor per patient, a normal for some: one task per tumor, paired with its
        /// patient's normal.
        #[test]
        fn a_generated_sheet_gives_its_tasks(ids in ids(12), normals in proptest::collection::vec(any::<bool>(), 6)) {
            let mut text = String::from("patient,sample,status,bam\n");
            let mut want = Vec::new();
            for (p, pair) in ids.chunks(2).enumerate() {
                let tumor = &pair[0];
                text.push_str(&format!("P{p},{tumor},1,/d/{tumor}.bam\n"));
                let normal = (pair.len() == 2 && normals[p % normals.len()]).then(|| pair[1].clone());
                if let Some(n) = &normal {
                    text.push_str(&format!("P{p},{n},0,/d/{n}.bam\n"));
                }
                want.push((tumor.clone(), normal));
            }
            let (tasks, _) = parse(&text, false).unwrap();
            let got: Vec<(String, Option<String>)> = tasks
                .iter()
                .map(|t| (t.sample().to_string(), t.normal.as_ref().map(|n| n.sample.clone())))
                .collect();
            prop_assert_eq!(got, want);
        }

        /// A mutated sheet is read or refused naming the sheet; every id read keeps the rule.
        #[test]
        fn a_mutated_sheet_never_panics(op in any::<u8>(), at in any::<usize>(), pick in any::<usize>()) {
            let text = "patient,sample,status,bam\nP1,T1,1,/d/t.bam\nP1,N1,0,/d/n.bam\nP2,T2,1,/d/u.bam\n";
            let text = crate::io::props::mutate_sep(text, ',', op, at, pick);
            match parse(&text, false) {
                Ok((tasks, _)) => {
                    for t in tasks {
                        prop_assert!(valid_id(t.sample()) && valid_id(&t.tumor.patient), "{}", t.sample());
                    }
                }
                Err(e) => prop_assert!(e.to_string().contains("s.csv"), "{e}"),
            }
        }

        /// `valid_id` is the Snakefile's `[A-Za-z0-9][A-Za-z0-9_.-]*`.
        #[test]
        fn the_id_rule_is_the_snakefiles(s in "[ -~]{0,6}|[A-Za-z0-9][A-Za-z0-9_.-]{0,6}") {
            let b = s.as_bytes();
            let regex = !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b.iter().all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(c));
            prop_assert_eq!(valid_id(&s), regex);
        }
    }
}
