//! `report --sv` and `report --cnv`: structural variants and copy number from another
//! pipeline (Manta, DELLY, GRIDSS VCFs; IGV/DNAcopy `.seg`, CNVkit `.cns`/`.call.cns`, PURPLE
//! gene copy number), turned into the `structural_variants` and `copy_number` blocks `run`
//! writes, by the same code: genes at the breakends and fusions from the transcript models
//! (`clinical::fusion`), gene calls from the segments (`somatic::cnv::genes`). Tiering then
//! sees them exactly as a run's.
//!
//! Precedence: a `--results` whose run already assessed copy number (or structural variants)
//! is not overridden: giving `--cnv` (or `--sv`) with it is refused (exit 64). A run that did
//! not assess them (`run --skip-structural`, or copy number not assessable) takes the file's.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::report::ReportSource;
use crate::clinical::annotate::canonical_per_gene;
use crate::clinical::fusion::{genes_at, interpret, KnownFusions};
use crate::error::{fail, ExitKind};
use crate::io::cn_input::{read_cn_file, CnFileFormat, ExternalCnFile};
use crate::io::output::file_record;
use crate::io::reference::Reference;
use crate::io::sv_input::{read_sv_vcf, ExternalSvVcf};
use crate::somatic::cnv::external::{purple_genes, reported, segments, DEFAULT_PLOIDY};
use crate::somatic::cnv::genes::gene_calls;
use crate::somatic::cnv::CnvSettings;
use crate::types::cnv::{CnReferenceKind, CopyNumberResult};
use crate::types::results::{NotAssessed, RunResults};
use crate::types::sv::{StructuralVariant, SvResult};
use crate::types::transcript::Transcript;
use crate::types::Pos0;

/// The flags of `report` about other pipelines' structural files (unvalidated).
#[derive(Clone, Debug, Default)]
pub struct ExternalOptions {
    /// Structural-variant VCF (`--sv`).
    pub sv: Option<PathBuf>,
    /// Keep SV records whose FILTER is not PASS (`--sv-keep-filtered`).
    pub sv_keep_filtered: bool,
    /// Copy-number file (`--cnv`).
    pub cnv: Option<PathBuf>,
    /// Tumor purity for a log2-only copy-number file (`--cnv-purity`).
    pub cnv_purity: Option<f64>,
    /// Tumor ploidy (`--cnv-ploidy`).
    pub cnv_ploidy: Option<f64>,
}

/// The files read and checked, ready to be turned into results.
#[derive(Clone, Debug, Default)]
pub struct ExternalStructural {
    sv: Option<ExternalSvVcf>,
    cn: Option<ExternalCnFile>,
    purity: Option<f64>,
    ploidy: Option<f64>,
}

impl ExternalOptions {
    /// Checks the flags alone (before any file is read): ranges, and flags that need another.
    pub fn check_flags(&self) -> Result<()> {
        let usage = |m: String| Err(fail(ExitKind::Usage, m));
        if self.cnv.is_none() && (self.cnv_purity.is_some() || self.cnv_ploidy.is_some()) {
            return usage(
                "--cnv-purity and --cnv-ploidy describe the --cnv file: give --cnv".into(),
            );
        }
        if self.sv.is_none() && self.sv_keep_filtered {
            return usage("--sv-keep-filtered applies to the --sv file: give --sv".into());
        }
        if let Some(p) = self.cnv_purity {
            if !(p.is_finite() && p > 0.0 && p <= 1.0) {
                return usage(format!(
                    "--cnv-purity {p} is not a tumor fraction in (0, 1]"
                ));
            }
        }
        if let Some(p) = self.cnv_ploidy {
            if !(p.is_finite() && (1.0..=8.0).contains(&p)) {
                return usage(format!("--cnv-ploidy {p} is not a tumor ploidy (1 to 8)"));
            }
        }
        Ok(())
    }

    /// Reads and checks the files: their format, every record, their contigs against the
    /// reference, and that `results` (when given) did not assess the same thing.
    pub fn load(
        &self,
        reference: &Reference,
        results: Option<(&RunResults, &Path)>,
    ) -> Result<ExternalStructural> {
        self.check_flags()?;
        if let Some((r, p)) = results {
            let clash = |flag: &str, what: &str| {
                fail(
                    ExitKind::Usage,
                    format!(
                        "{flag} and --results '{}' both give {what}: run {} assessed them, and a report takes one source; drop {flag}, or drop --results and give --tmb/--msi-status",
                        p.display(),
                        r.run_id
                    ),
                )
            };
            if self.sv.is_some() && r.structural_variants.is_some() {
                return Err(clash("--sv", "structural variants"));
            }
            if self.cnv.is_some() && r.copy_number.is_some() {
                return Err(clash("--cnv", "copy number"));
            }
        }
        let contigs: HashSet<&str> = reference.seqs().iter().map(|s| s.name.as_str()).collect();
        let unknown = |file: &Path, line: u64, chrom: &str| {
            fail(
                ExitKind::Data,
                format!(
                    "{}:{line}: contig '{chrom}' is not in the reference '{}': the file was made on another reference or names contigs otherwise (chr2 / 2); pass the reference it was called on",
                    file.display(),
                    reference.path.display()
                ),
            )
        };
        let sv = match &self.sv {
            Some(p) => {
                let v = read_sv_vcf(p, self.sv_keep_filtered)?;
                for j in &v.junctions {
                    for c in [&j.sv.chrom1, &j.sv.chrom2] {
                        if !contigs.contains(c.as_str()) {
                            return Err(unknown(p, j.line, c));
                        }
                    }
                }
                Some(v)
            }
            None => None,
        };
        let cn = match &self.cnv {
            Some(p) => {
                let f = read_cn_file(p)?;
                if self.cnv_purity.is_some() && !f.format.log2_only() {
                    return Err(fail(
                        ExitKind::Usage,
                        format!(
                            "--cnv-purity applies to log2-only files (.seg, CNVkit .cns); '{}' is a {} whose copy numbers are used as they are",
                            p.display(),
                            f.format.label()
                        ),
                    ));
                }
                if let Some(r) = f.rows.iter().find(|r| !contigs.contains(r.chrom.as_str())) {
                    return Err(unknown(p, r.line, &r.chrom));
                }
                Some(f)
            }
            None => None,
        };
        Ok(ExternalStructural {
            sv,
            cn,
            purity: self.cnv_purity,
            ploidy: self.cnv_ploidy,
        })
    }
}

/// The `structural_variants` block of another pipeline's junctions, with genes and fusions.
fn sv_result(v: &ExternalSvVcf, genes: &[&Transcript]) -> (SvResult, Vec<NotAssessed>) {
    let mut not_assessed = Vec::new();
    let genes_of = |c: &str, p: Pos0| -> Vec<String> {
        let mut g: Vec<String> = genes_at(genes, c, p)
            .iter()
            .map(|t| t.gene.clone())
            .collect();
        g.sort();
        g.dedup();
        g
    };
    let svs: Vec<StructuralVariant> = v
        .junctions
        .iter()
        .map(|j| {
            let mut sv = j.sv.clone();
            sv.genes1 = genes_of(&sv.chrom1, sv.pos1.to_pos0());
            sv.genes2 = genes_of(&sv.chrom2, sv.pos2.to_pos0());
            sv
        })
        .collect();
    let fusions = if genes.is_empty() {
        not_assessed.push(NotAssessed {
            item: "fusions".into(),
            reason: "fusion partners not assessed: no transcript model applies to this reference (pass --gff); the rearrangements are listed without genes".into(),
        });
        Vec::new()
    } else {
        interpret(&svs, genes, &KnownFusions::bundled())
    };
    let mut warnings = vec![format!(
        "structural variants read from the {} VCF '{}': junctions taken as the caller reported them; read support, germline and artefact filtering were not re-checked against the alignments",
        v.caller,
        v.path.display()
    )];
    let skipped = [
        (v.filtered, "junction(s) whose FILTER is not PASS"),
        (v.single_breakends, "single breakend(s) (no partner)"),
        (v.not_junctions, "record(s) that join no two loci (insertions, copy-number records, breakends into assembly contigs)"),
    ];
    for (n, what) in skipped.iter().filter(|(n, _)| *n > 0) {
        warnings.push(format!("{n} {what} of '{}' not assessed", v.path.display()));
    }
    if !v.support_reported && !v.junctions.is_empty() {
        warnings.push(format!(
            "the {} VCF reports no read support (split reads, pairs): shown as 0",
            v.caller
        ));
    }
    let res = SvResult {
        method: format!(
            "junctions read from another pipeline's VCF ({}); genes at the breakends and fusions from the transcript models, as `run` does",
            v.caller
        ),
        variants: svs,
        germline_filtered: 0,
        low_support: 0,
        fusions,
        max_fragment: 0,
        warnings,
        external: Some(format!(
            "{} ({} VCF, md5 {})",
            v.path.display(),
            v.caller,
            v.md5
        )),
    };
    (res, not_assessed)
}

/// The `copy_number` block of another pipeline's segments or gene calls.
fn cn_result(
    f: &ExternalCnFile,
    purity: Option<f64>,
    ploidy: Option<f64>,
    genes: &[&Transcript],
) -> (CopyNumberResult, Vec<NotAssessed>) {
    let amp = CnvSettings::default().amp_factor;
    let mut not_assessed = Vec::new();
    let mut warnings = vec![format!(
        "copy number read from the {} file '{}': segments and copy numbers taken as given; depth, segmentation and B-allele fractions were not re-checked",
        f.format.label(),
        f.path.display()
    )];
    let absolute = !f.format.log2_only() || purity.is_some();
    if !absolute {
        warnings.push(format!("absolute copy number not estimated: no purity given for the log2-only {} (--cnv-purity); amplification is called only where the log2 ratio alone proves copy number >= {} (log2 >= {:.2})", f.format.label(), 2.0 * amp, amp.log2()));
    } else if ploidy.is_none() {
        warnings.push(format!("tumor ploidy not given (--cnv-ploidy): {DEFAULT_PLOIDY} assumed; amplification is called from {} copies", amp * DEFAULT_PLOIDY));
    }
    let psi = absolute.then(|| ploidy.unwrap_or(DEFAULT_PLOIDY));
    let (segs, all) = if f.format == CnFileFormat::PurpleGene {
        (Vec::new(), purple_genes(&f.rows, ploidy, amp))
    } else {
        let segs = segments(&f.rows, f.format, purity, ploidy, amp);
        if genes.is_empty() {
            not_assessed.push(NotAssessed {
                item: "gene_copy_number".into(),
                reason: "gene-level copy number (amplifications, deep deletions) not assessed: no transcript model applies to this reference (pass --gff)".into(),
            });
            (segs, Vec::new())
        } else {
            let all = gene_calls(&segs, genes, psi, amp);
            (segs, all)
        }
    };
    let allelic =
        f.format == CnFileFormat::PurpleGene || f.rows.iter().any(|r| r.allele_cn.is_some());
    if !allelic {
        not_assessed.push(NotAssessed {
            item: "loh".into(),
            reason: format!(
                "loss of heterozygosity not assessed: the {} file carries no allele-specific copy number",
                f.format.label()
            ),
        });
    }
    let res = CopyNumberResult {
        reference: CnReferenceKind::External,
        method: format!(
            "read from another pipeline's {} file; {}; gene calls as `run` makes them",
            f.format.label(),
            match (f.format, purity) {
                (CnFileFormat::PurpleGene, _) =>
                    "PURPLE's per-gene copy numbers called against the ploidy".to_string(),
                (CnFileFormat::CnvkitCall, _) =>
                    "CNVkit's called copy numbers (cn) against the ploidy".to_string(),
                (_, Some(p)) => format!(
                    "log2 ratios converted to copy number at purity {p} and ploidy {}",
                    ploidy.unwrap_or(DEFAULT_PLOIDY)
                ),
                (_, None) => "log2 ratios called by ratio alone (no purity)".to_string(),
            }
        ),
        bin_size: 0,
        bins_total: f.rows.len(),
        bins_used: f.rows.len(),
        het_sites: 0,
        noise: 0.0,
        purity: if f.format.log2_only() { purity } else { None },
        ploidy: psi,
        fit: None,
        amplification_threshold: amp * psi.unwrap_or(DEFAULT_PLOIDY),
        neutral_log2_ratio: 0.0,
        segments: segs,
        genes_evaluated: all.len(),
        genes: all.into_iter().filter(reported).collect(),
        profile: Vec::new(),
        warnings,
        external: Some(format!(
            "{} ({}, md5 {})",
            f.path.display(),
            f.format.label(),
            f.md5
        )),
    };
    (res, not_assessed)
}

impl ExternalStructural {
    /// True when neither file was given.
    pub fn is_empty(&self) -> bool {
        self.sv.is_none() && self.cn.is_none()
    }

    /// The files given, for the run manifest: (role, path).
    pub fn files(&self) -> Vec<(&'static str, &Path)> {
        let mut v: Vec<(&'static str, &Path)> = Vec::new();
        if let Some(s) = &self.sv {
            v.push(("sv", &s.path));
        }
        if let Some(c) = &self.cn {
            v.push(("cnv", &c.path));
        }
        v
    }

    /// Puts the files' structural variants and copy number into the report's source, with
    /// their provenance (`inputs.structural`), what they leave unassessed and what limits them.
    pub fn apply(
        &self,
        src: &mut ReportSource,
        models: &[Transcript],
        preferred: &HashSet<String>,
    ) -> Result<()> {
        let genes = canonical_per_gene(models, preferred);
        if let Some(v) = &self.sv {
            let (res, na) = sv_result(v, &genes);
            src.not_assessed
                .retain(|n| n.item != "structural_variants" && n.item != "fusions");
            src.not_assessed.extend(na);
            src.limitations.extend(res.warnings.iter().cloned());
            src.inputs.structural.push(file_record(&v.path, true)?);
            src.structural = Some(res);
        }
        if let Some(f) = &self.cn {
            let (res, na) = cn_result(f, self.purity, self.ploidy, &genes);
            src.not_assessed
                .retain(|n| !matches!(n.item.as_str(), "copy_number" | "gene_copy_number" | "loh"));
            src.not_assessed.extend(na);
            src.limitations.extend(res.warnings.iter().cloned());
            src.inputs.structural.push(file_record(&f.path, true)?);
            src.copy_number = Some(res);
        }
        Ok(())
    }
}
