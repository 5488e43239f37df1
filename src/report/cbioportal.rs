//! A cBioPortal study directory from a cohort of runs, in the documented file formats
//! (docs.cbioportal.org, "File Formats"): `meta_study.txt`, the clinical sample file, mutations
//! (the MAF of [`super::maf`]), discrete gene copy number (`data_cna.txt`, -2..2), segments
//! (`data_cna_hg38.seg`), structural variants (`data_sv.txt`) and the case lists
//! (`_sequenced`, `_cna`, `_cnaseq`, `_sv`; `_all` from `add_global_case_list`). Format only:
//! every value comes from the runs' documents.
//!
//! Positions: cBioPortal knows the chromosomes 1-22, X, Y (and MT for mutations); rows on other
//! contigs (alternate haplotypes, decoys, gene slices) are left out and counted in the warnings.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::maf::{maf_chrom, render as render_maf, MafInput};
use super::GeneIds;
use crate::types::cnv::{CnCall, CopyNumberResult};
use crate::types::results::{Mode, RunResults};
use crate::types::sv::{Frame, Fusion, FusionPartner, StructuralVariant, SvResult, SvType};

/// What the study is.
#[derive(Clone, Debug)]
pub struct StudyInfo {
    /// `cancer_study_identifier` (lowercase letters, digits, `_`).
    pub id: String,
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: String,
    /// `type_of_cancer`: an OncoTree code in lowercase, or `mixed`.
    pub type_of_cancer: String,
    /// `NCBI_Build` of the rows (`GRCh38` → reference genome `hg38`; `GRCh37` → `hg19`).
    pub build: String,
}

/// One sample of the study, as the export read it.
#[derive(Clone, Debug)]
pub struct StudySample<'a> {
    /// The run's sample id (`SAMPLE_ID`, MAF barcode, `.seg` ID, SV `Sample_Id`).
    pub id: String,
    /// `PATIENT_ID` (the sample id when the run names no patient).
    pub patient: String,
    /// The run's documents.
    pub results: &'a RunResults,
    /// OncoTree code and name, with a report.
    pub cancer_type: Option<(String, String)>,
    /// The PASS calls as MAF rows (annotated).
    pub maf: Vec<MafInput>,
    /// Every evaluated gene's call (None: gene-level copy number not assessed).
    pub gene_cn: Option<Vec<(String, CnCall)>>,
}

/// One file of the study: path relative to the study directory, and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StudyFile {
    /// Relative path (`meta_study.txt`, `case_lists/cases_sequenced.txt`, ...).
    pub path: String,
    /// Contents.
    pub text: String,
}

/// The chromosomes cBioPortal places segments and breakpoints on (hg19/hg38).
fn chromosome(contig: &str) -> Option<String> {
    let c = maf_chrom(contig);
    let ok = c == "X" || c == "Y" || c.parse::<u32>().is_ok_and(|n| (1..=22).contains(&n));
    ok.then_some(c)
}

/// The reference genome id of a build.
pub fn reference_genome(build: &str) -> Option<&'static str> {
    match build {
        "GRCh38" | "hg38" => Some("hg38"),
        "GRCh37" | "hg19" => Some("hg19"),
        _ => None,
    }
}

/// A meta file: `key: value` lines in order.
fn meta(study: &str, fields: &[(&str, &str)]) -> String {
    let mut s = format!("cancer_study_identifier: {study}\n");
    for (k, v) in fields {
        let _ = writeln!(s, "{k}: {v}");
    }
    s
}

/// The whole study; the warnings say what was left out.
pub fn render(
    info: &StudyInfo,
    samples: &[StudySample<'_>],
    ids: &dyn GeneIds,
) -> (Vec<StudyFile>, Vec<String>) {
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    let genome = reference_genome(&info.build).unwrap_or("hg38");
    let file = |path: &str, text: String| StudyFile {
        path: path.into(),
        text,
    };
    files.push(file(
        "meta_study.txt",
        format!(
            "type_of_cancer: {}\ncancer_study_identifier: {}\nname: {}\ndescription: {}\nadd_global_case_list: true\nreference_genome: {genome}\n",
            info.type_of_cancer, info.id, info.name, info.description
        ),
    ));
    files.push(file(
        "meta_clinical_sample.txt",
        meta(
            &info.id,
            &[
                ("genetic_alteration_type", "CLINICAL"),
                ("datatype", "SAMPLE_ATTRIBUTES"),
                ("data_filename", "data_clinical_sample.txt"),
            ],
        ),
    ));
    files.push(file("data_clinical_sample.txt", clinical_samples(samples)));
    let (maf, dropped) = mutations(samples);
    if dropped > 0 {
        warnings.push(format!(
            "{dropped} mutation(s) on contigs that are not chromosomes left out of the study"
        ));
    }
    files.push(file(
        "meta_mutations.txt",
        meta(
            &info.id,
            &[
                ("genetic_alteration_type", "MUTATION_EXTENDED"),
                ("datatype", "MAF"),
                ("stable_id", "mutations"),
                ("show_profile_in_analysis_tab", "true"),
                ("profile_name", "Mutations"),
                (
                    "profile_description",
                    "Somatic SNVs and indels (PASS) called by oncostream",
                ),
                ("data_filename", "data_mutations.txt"),
            ],
        ),
    ));
    files.push(file("data_mutations.txt", maf));
    let mut lists = vec![case_list(
        &info.id,
        "sequenced",
        "Samples with mutation data",
        "all_cases_with_mutation_data",
        samples.iter().map(|s| s.id.as_str()),
    )];
    let cn_samples: Vec<&StudySample<'_>> =
        samples.iter().filter(|s| s.gene_cn.is_some()).collect();
    if !cn_samples.is_empty() {
        files.extend(copy_number(info, &cn_samples, ids));
        lists.push(case_list(
            &info.id,
            "cna",
            "Samples with copy-number data",
            "all_cases_with_cna_data",
            cn_samples.iter().map(|s| s.id.as_str()),
        ));
        lists.push(case_list(
            &info.id,
            "cnaseq",
            "Samples with mutation and copy-number data",
            "all_cases_with_mutation_and_cna_data",
            cn_samples.iter().map(|s| s.id.as_str()),
        ));
    }
    files.extend(segment_files(info, samples, genome, &mut warnings));
    let sv_samples: Vec<&StudySample<'_>> = samples
        .iter()
        .filter(|s| s.results.structural_variants.is_some())
        .collect();
    if !sv_samples.is_empty() {
        let (text, dropped) = structural(info, &sv_samples, ids);
        if dropped > 0 {
            warnings.push(format!(
                "{dropped} rearrangement(s) without a gene at either breakend or off the chromosomes left out of the study"
            ));
        }
        files.push(file(
            "meta_sv.txt",
            meta(
                &info.id,
                &[
                    ("genetic_alteration_type", "STRUCTURAL_VARIANT"),
                    ("datatype", "SV"),
                    ("stable_id", "structural_variants"),
                    ("show_profile_in_analysis_tab", "true"),
                    ("profile_name", "Structural variants"),
                    (
                        "profile_description",
                        "Somatic rearrangements and fusions from split reads and discordant pairs (oncostream)",
                    ),
                    ("data_filename", "data_sv.txt"),
                ],
            ),
        ));
        files.push(file("data_sv.txt", text));
        lists.push(case_list(
            &info.id,
            "sv",
            "Samples with structural variant data",
            "all_cases_with_sv_data",
            sv_samples.iter().map(|s| s.id.as_str()),
        ));
    }
    files.extend(lists);
    (files, warnings)
}

/// The segment file and its meta file (none when no sample has copy number).
fn segment_files(
    info: &StudyInfo,
    samples: &[StudySample<'_>],
    genome: &str,
    warnings: &mut Vec<String>,
) -> Vec<StudyFile> {
    let mut files = Vec::new();
    let seg: Vec<(&str, &CopyNumberResult)> = samples
        .iter()
        .filter_map(|s| Some((s.id.as_str(), s.results.copy_number.as_ref()?)))
        .collect();
    if !seg.is_empty() {
        let (text, dropped) = segments(&seg);
        if dropped > 0 {
            warnings.push(format!(
                "{dropped} segment(s) on contigs that are not chromosomes left out of the study"
            ));
        }
        let name = format!("data_cna_{genome}.seg");
        files.push(StudyFile::new(
            &format!("meta_cna_{genome}_seg.txt"),
            meta(
                &info.id,
                &[
                    ("genetic_alteration_type", "COPY_NUMBER_ALTERATION"),
                    ("datatype", "SEG"),
                    ("reference_genome_id", genome),
                    (
                        "description",
                        "Copy-number segments: log2 tumor/reference depth ratio, centred so that copy-neutral is 0 at the fitted purity and ploidy",
                    ),
                    ("data_filename", &name),
                ],
            ),
        ));
        files.push(StudyFile::new(&name, text));
    }
    files
}

impl StudyFile {
    fn new(path: &str, text: String) -> StudyFile {
        StudyFile {
            path: path.into(),
            text,
        }
    }
}

/// One case list file.
fn case_list<'a>(
    study: &str,
    suffix: &str,
    name: &str,
    category: &str,
    ids: impl Iterator<Item = &'a str>,
) -> StudyFile {
    let ids: Vec<&str> = ids.collect();
    StudyFile {
        path: format!("case_lists/cases_{suffix}.txt"),
        text: format!(
            "cancer_study_identifier: {study}\nstable_id: {study}_{suffix}\ncase_list_name: {name}\ncase_list_description: {name} ({} samples)\ncase_list_category: {category}\ncase_list_ids: {}\n",
            ids.len(),
            ids.join("\t")
        ),
    }
}

/// The clinical sample file's attributes: column, display name, description, datatype.
const SAMPLE_ATTRIBUTES: &[(&str, &str, &str, &str)] = &[
    (
        "SAMPLE_ID",
        "Sample Identifier",
        "The run's sample id",
        "STRING",
    ),
    (
        "PATIENT_ID",
        "Patient Identifier",
        "Patient (the sample id when the run names none)",
        "STRING",
    ),
    (
        "ONCOTREE_CODE",
        "OncoTree Code",
        "Cancer type of the report (OncoTree)",
        "STRING",
    ),
    (
        "CANCER_TYPE_DETAILED",
        "Cancer Type Detailed",
        "OncoTree name of the cancer type",
        "STRING",
    ),
    (
        "NORMAL_SAMPLE_ID",
        "Normal Sample",
        "Matched normal (NA: tumor-only)",
        "STRING",
    ),
    (
        "ANALYSIS_MODE",
        "Analysis Mode",
        "tumor-normal or tumor-only",
        "STRING",
    ),
    (
        "TMB_PER_MB",
        "TMB (mut/Mb)",
        "PASS SNVs and indels per callable Mb (NA when not evaluable)",
        "NUMBER",
    ),
    (
        "TMB_STATUS",
        "TMB Status",
        "low, high, very_high or not_evaluable (less than 1 callable Mb)",
        "STRING",
    ),
    (
        "CALLABLE_MB",
        "Callable Mb",
        "Callable megabases (the TMB denominator)",
        "NUMBER",
    ),
    (
        "MSI_SCORE",
        "MSI Score",
        "Percent of tested microsatellites unstable (NA when not evaluable)",
        "NUMBER",
    ),
    (
        "MSI_STATUS",
        "MSI Status",
        "MSI-H, MSS, indeterminate or not_evaluable",
        "STRING",
    ),
    (
        "TUMOR_PURITY",
        "Tumor Purity",
        "Estimated purity (fraction of tumor cells)",
        "NUMBER",
    ),
    ("QC_VERDICT", "QC", "pass or fail", "STRING"),
];

fn or_na(v: Option<String>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or_else(|| "NA".into())
}

/// `data_clinical_sample.txt`: the four header lines, the column line, one row per sample.
fn clinical_samples(samples: &[StudySample<'_>]) -> String {
    let mut s = String::new();
    for k in 0..4 {
        let cells: Vec<String> = SAMPLE_ATTRIBUTES
            .iter()
            .map(|a| match k {
                0 => a.1.to_string(),
                1 => a.2.to_string(),
                2 => a.3.to_string(),
                _ => "1".to_string(),
            })
            .collect();
        let _ = writeln!(s, "#{}", cells.join("\t"));
    }
    let cols: Vec<&str> = SAMPLE_ATTRIBUTES.iter().map(|a| a.0).collect();
    let _ = writeln!(s, "{}", cols.join("\t"));
    for x in samples {
        let r = x.results;
        let msi = r.msi.as_ref();
        let row = [
            x.id.clone(),
            x.patient.clone(),
            or_na(x.cancer_type.as_ref().map(|c| c.0.clone())),
            or_na(x.cancer_type.as_ref().map(|c| c.1.clone())),
            or_na(r.samples.normal_id.clone()),
            r.mode.as_str().to_string(),
            or_na(r.tmb.evaluable.then(|| format!("{:.2}", r.tmb.per_mb))),
            r.tmb.class.as_str().to_string(),
            format!("{:.4}", r.tmb.callable_mb),
            or_na(
                msi.filter(|m| m.evaluable)
                    .map(|m| format!("{:.2}", m.score)),
            ),
            or_na(msi.map(|m| m.status.as_str().to_string())),
            or_na(r.purity.estimate.map(|p| format!("{p:.3}"))),
            r.qc.verdict.as_str().to_string(),
        ];
        let _ = writeln!(s, "{}", row.join("\t"));
    }
    s
}

/// `data_mutations.txt`: the MAF of every sample, rows on chromosomes only; the number left out.
fn mutations(samples: &[StudySample<'_>]) -> (String, usize) {
    let all: Vec<&MafInput> = samples.iter().flat_map(|s| s.maf.iter()).collect();
    let kept: Vec<MafInput> = all
        .iter()
        .filter(|m| chromosome(&m.chrom).is_some() || maf_chrom(&m.chrom) == "MT")
        .map(|m| (*m).clone())
        .collect();
    (render_maf(&kept), all.len() - kept.len())
}

/// The discrete value of a gene call (GISTIC's scale, as cBioPortal reads it).
pub fn discrete(call: CnCall) -> i8 {
    match call {
        CnCall::DeepDeletion => -2,
        CnCall::Loss => -1,
        CnCall::Neutral => 0,
        CnCall::Gain => 1,
        CnCall::Amplification => 2,
    }
}

/// `meta_cna.txt` and `data_cna.txt`: one row per gene evaluated in any sample, NA where a sample
/// did not evaluate it.
fn copy_number(
    info: &StudyInfo,
    samples: &[&StudySample<'_>],
    ids: &dyn GeneIds,
) -> Vec<StudyFile> {
    let mut genes: BTreeMap<&str, Vec<Option<CnCall>>> = BTreeMap::new();
    for (i, s) in samples.iter().enumerate() {
        for (g, call) in s.gene_cn.iter().flatten() {
            genes
                .entry(g.as_str())
                .or_insert_with(|| vec![None; samples.len()])[i] = Some(*call);
        }
    }
    let mut data = String::from("Hugo_Symbol\tEntrez_Gene_Id");
    for s in samples {
        data.push('\t');
        data.push_str(&s.id);
    }
    data.push('\n');
    for (g, calls) in &genes {
        let entrez = ids.entrez(g).map(|e| e.to_string()).unwrap_or_default();
        let cells: Vec<String> = calls
            .iter()
            .map(|c| {
                c.map(|c| discrete(c).to_string())
                    .unwrap_or_else(|| "NA".into())
            })
            .collect();
        let _ = writeln!(data, "{g}\t{entrez}\t{}", cells.join("\t"));
    }
    vec![
        StudyFile {
            path: "meta_cna.txt".into(),
            text: meta(
                &info.id,
                &[
                    ("genetic_alteration_type", "COPY_NUMBER_ALTERATION"),
                    ("datatype", "DISCRETE"),
                    ("stable_id", "cna"),
                    ("show_profile_in_analysis_tab", "true"),
                    ("profile_name", "Copy-number alterations"),
                    (
                        "profile_description",
                        "Gene-level copy number from the purity/ploidy fit (oncostream): -2 deep deletion (fewer than 0.5 copies), -1 loss, 0 neutral, 1 gain, 2 amplification",
                    ),
                    ("data_filename", "data_cna.txt"),
                ],
            ),
        },
        StudyFile {
            path: "data_cna.txt".into(),
            text: data,
        },
    ]
}

/// `data_cna_<genome>.seg`: every sample's segments on chromosomes (seg.mean centred as in
/// `copy_number.seg`); the number left out.
fn segments(samples: &[(&str, &CopyNumberResult)]) -> (String, usize) {
    let mut s = String::from("ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\n");
    let mut dropped = 0;
    for (id, cn) in samples {
        for seg in &cn.segments {
            let Some(c) = chromosome(&seg.chrom) else {
                dropped += 1;
                continue;
            };
            let _ = writeln!(
                s,
                "{id}\t{c}\t{}\t{}\t{}\t{:.4}",
                seg.start.to_pos1(),
                seg.end,
                seg.bins,
                seg.log2_ratio - cn.neutral_log2_ratio
            );
        }
    }
    (s, dropped)
}

/// The columns of `data_sv.txt`.
const SV_COLUMNS: &[&str] = &[
    "Sample_Id",
    "SV_Status",
    "Site1_Hugo_Symbol",
    "Site1_Entrez_Gene_Id",
    "Site1_Ensembl_Transcript_Id",
    "Site1_Region_Number",
    "Site1_Region",
    "Site1_Chromosome",
    "Site1_Contig",
    "Site1_Position",
    "Site1_Description",
    "Site2_Hugo_Symbol",
    "Site2_Entrez_Gene_Id",
    "Site2_Ensembl_Transcript_Id",
    "Site2_Region_Number",
    "Site2_Region",
    "Site2_Chromosome",
    "Site2_Contig",
    "Site2_Position",
    "Site2_Description",
    "Site2_Effect_On_Frame",
    "NCBI_Build",
    "DNA_Support",
    "RNA_Support",
    "Tumor_Split_Read_Count",
    "Tumor_Paired_End_Read_Count",
    "Normal_Split_Read_Count",
    "Normal_Paired_End_Read_Count",
    "Event_Info",
    "Class",
    "SV_Length",
    "Comments",
];

/// One breakend's seven site columns (symbol, Entrez, Ensembl transcript, region number,
/// region, chromosome, contig) plus position and description.
fn site(
    gene: Option<&str>,
    partner: Option<&FusionPartner>,
    chrom: &str,
    pos: u64,
    ids: &dyn GeneIds,
) -> Vec<String> {
    let g = gene.unwrap_or("");
    vec![
        g.to_string(),
        gene.and_then(|g| ids.entrez(g))
            .map(|e| e.to_string())
            .unwrap_or_default(),
        partner
            .and_then(|p| ids.ensembl_transcript(&p.transcript))
            .unwrap_or_default(),
        partner
            .and_then(|p| p.exon)
            .map(|e| e.to_string())
            .unwrap_or_default(),
        partner
            .map(|p| if p.exonic { "EXON" } else { "INTRON" }.to_string())
            .unwrap_or_default(),
        chromosome(chrom).unwrap_or_default(),
        String::new(),
        pos.to_string(),
        partner
            .map(|p| format!("{} {} of {}", p.gene, p.location, p.transcript))
            .unwrap_or_default(),
    ]
}

fn sv_class(t: SvType) -> &'static str {
    match t {
        SvType::Deletion => "DELETION",
        SvType::Duplication => "DUPLICATION",
        SvType::Inversion => "INVERSION",
        SvType::Translocation => "TRANSLOCATION",
    }
}

/// One `data_sv.txt` row of a junction (with its fusion reading, when there is one); None when
/// no breakend lies in a gene or a breakend is off the chromosomes.
fn sv_row(
    sample: &StudySample<'_>,
    sv: &StructuralVariant,
    fusion: Option<&Fusion>,
    build: &str,
    ids: &dyn GeneIds,
) -> Option<String> {
    chromosome(&sv.chrom1)?;
    chromosome(&sv.chrom2)?;
    // a fusion's 5' partner is site 1
    let (s1, s2) = match fusion {
        Some(f) => (
            site(
                Some(&f.five_prime.gene),
                Some(&f.five_prime),
                &f.five_prime.chrom,
                f.five_prime.pos.get(),
                ids,
            ),
            site(
                Some(&f.three_prime.gene),
                Some(&f.three_prime),
                &f.three_prime.chrom,
                f.three_prime.pos.get(),
                ids,
            ),
        ),
        None => {
            if sv.genes1.is_empty() && sv.genes2.is_empty() {
                return None;
            }
            (
                site(
                    sv.genes1.first().map(String::as_str),
                    None,
                    &sv.chrom1,
                    sv.pos1.get(),
                    ids,
                ),
                site(
                    sv.genes2.first().map(String::as_str),
                    None,
                    &sv.chrom2,
                    sv.pos2.get(),
                    ids,
                ),
            )
        }
    };
    let tumor_only = sample.results.mode == Mode::TumorOnly;
    let frame = fusion
        .map(|f| match f.frame {
            Frame::InFrame => "in-frame",
            Frame::OutOfFrame => "frameshift",
            Frame::NotCoding | Frame::Unknown => "",
        })
        .unwrap_or("");
    let event = match fusion {
        Some(f) if f.intragenic => format!("{} intragenic rearrangement", f.five_prime.gene),
        Some(f) => format!("{}-{} fusion", f.five_prime.gene, f.three_prime.gene),
        None => format!("{} {}", sv.id, sv_class(sv.sv_type).to_lowercase()),
    };
    let n = sv.normal.unwrap_or_default();
    let mut cells = vec![
        sample.id.clone(),
        if tumor_only { "" } else { "SOMATIC" }.to_string(),
    ];
    cells.extend(s1);
    cells.extend(s2);
    cells.extend([
        frame.to_string(),
        build.to_string(),
        "Yes".into(),
        "No".into(),
        sv.tumor.split_reads.to_string(),
        sv.tumor.discordant_pairs.to_string(),
        if tumor_only {
            String::new()
        } else {
            n.split_reads.to_string()
        },
        if tumor_only {
            String::new()
        } else {
            n.discordant_pairs.to_string()
        },
        event,
        sv_class(sv.sv_type).into(),
        sv.length.map(|l| l.to_string()).unwrap_or_default(),
        if tumor_only {
            "tumor-only run: germline origin not excluded".into()
        } else {
            format!("oncostream {}", sv.id)
        },
    ]);
    debug_assert_eq!(cells.len(), SV_COLUMNS.len());
    Some(cells.join("\t"))
}

/// `data_sv.txt`: the somatic junctions of every sample that touch a gene; the number left out.
fn structural(
    info: &StudyInfo,
    samples: &[&StudySample<'_>],
    ids: &dyn GeneIds,
) -> (String, usize) {
    let mut s = SV_COLUMNS.join("\t");
    s.push('\n');
    let mut dropped = 0;
    let mut seen = BTreeSet::new();
    for x in samples {
        let Some(sv): Option<&SvResult> = x.results.structural_variants.as_ref() else {
            continue;
        };
        for v in &sv.variants {
            let fusion = sv.fusions.iter().find(|f| f.sv_id == v.id);
            match sv_row(x, v, fusion, &info.build, ids) {
                Some(row) if seen.insert(row.clone()) => {
                    s.push_str(&row);
                    s.push('\n');
                }
                Some(_) => {}
                None => dropped += 1,
            }
        }
    }
    (s, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_chromosomes_are_placed() {
        assert_eq!(chromosome("chr7").as_deref(), Some("7"));
        assert_eq!(chromosome("X").as_deref(), Some("X"));
        assert_eq!(chromosome("chr1_KI270706v1_random"), None);
        assert_eq!(chromosome("EGFR__LRG_304__chr7_55014032_55258620"), None);
        assert_eq!(chromosome("chr23"), None);
        assert_eq!(reference_genome("GRCh38"), Some("hg38"));
        assert_eq!(reference_genome("T2T"), None);
    }

    #[test]
    fn gene_calls_use_the_discrete_scale() {
        let all = [
            CnCall::DeepDeletion,
            CnCall::Loss,
            CnCall::Neutral,
            CnCall::Gain,
            CnCall::Amplification,
        ];
        assert_eq!(all.map(discrete), [-2, -1, 0, 1, 2]);
    }

    #[test]
    fn case_lists_name_the_study() {
        let f = case_list(
            "demo",
            "cna",
            "CNA",
            "all_cases_with_cna_data",
            ["A", "B"].into_iter(),
        );
        assert_eq!(f.path, "case_lists/cases_cna.txt");
        assert!(f.text.contains("stable_id: demo_cna\n"));
        assert!(f.text.ends_with("case_list_ids: A\tB\n"));
    }
}
