//! The copy-number and structural-variant stage of `run`: its plan (bins, copy-number
//! reference, contig lookups) made before the pass, the sink's combine, the analysis after the
//! gather, and its files (`copy_number.seg`, `copy_number_genes.tsv`, `sv.vcf.gz` + `.tbi`).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::outdir::{Manifest, OutputFile};
use super::prepare::Inputs;
use crate::clinical::annotate::canonical_per_gene;
use crate::clinical::fusion::{genes_at, interpret, KnownFusions};
use crate::error::{fail, ExitKind};
use crate::io::{
    bed::read_track,
    cnv::{read_cnv_reference, write_gene_tsv, write_seg, write_segment_tsv},
    reference::Reference,
    vcf::{write_sv_vcf, VcfMeta},
};
use crate::log;
use crate::somatic::cnv::{
    analyze, auto_bin_size, bin_mappability, genes::gene_calls, BinLayout, BinTable, CnvInput,
    CnvObserver, CnvOutcome, CnvPartial, CnvSettings, JunctionSpan, PurityChoice,
    Reference as CnRef, CANDIDATE_SPLIT_Z, JUNCTION_SPLIT_Z,
};
use crate::somatic::qc::SampleQc;
use crate::somatic::sv::{
    cluster, Clip, Evidence, Junction, SvCalls, SvObserver, SvPartial, SvSettings,
};
use crate::somatic::sv_link::{boundary_of, link, Link, LinkInput, MIN_RESCUE_FRAGMENTS};
use crate::somatic::sv_refine::RefBases;
use crate::types::cnv::{CnCall, CnSegment, CnvReference, CopyNumberResult, GeneCopyNumber};
use crate::types::results::NotAssessed;
use crate::types::source::SequenceSource;
use crate::types::sv::{CnChange, StructuralVariant, SvResult, SvType};
use crate::types::transcript::Transcript;
use crate::types::{ContigId, Pos1, Region};

/// Minimum MAPQ of a counted fragment and of every alignment of SV evidence.
pub(crate) const MIN_MAPQ: u8 = 20;

/// The companion copy-number reference `pon` writes next to its VCF
/// (`pon.vcf.gz` -> `pon.cnv.tsv`).
pub(crate) fn companion_cnv_reference(pon_vcf: &Path) -> PathBuf {
    let name = pon_vcf
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let stem = [".vcf.gz", ".vcf.bgz", ".vcf"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .unwrap_or(&name)
        .to_string();
    pon_vcf.with_file_name(format!("{stem}.cnv.tsv"))
}

/// Made before the pass: bins, reference, lookups.
pub struct StructuralPlan {
    /// Bins.
    pub layout: BinLayout,
    /// Copy-number reference (tumor-only).
    pub cnv_reference: Option<CnvReference>,
    /// Where it came from.
    pub cnv_reference_path: Option<PathBuf>,
    /// Reference-derived mappability per bin (`--mappability`).
    pub mappability: Option<Vec<f64>>,
    contig_ids: HashMap<Vec<u8>, ContigId>,
    contig_mask: Vec<bool>,
    tumor_only: bool,
    n_samples: usize,
    enabled: bool,
    /// Threads for the analysis after the pass.
    threads: usize,
}

impl StructuralPlan {
    /// A plan that collects nothing (`run --skip-structural`).
    pub(crate) fn disabled(inputs: &Inputs, tumor_only: bool) -> StructuralPlan {
        let pass = &inputs.pass;
        StructuralPlan {
            layout: BinLayout::new(&[], pass.contigs.len(), 1000, &[]),
            cnv_reference: None,
            cnv_reference_path: None,
            mappability: None,
            contig_ids: HashMap::new(),
            contig_mask: Vec::new(),
            tumor_only,
            n_samples: pass.inputs.len(),
            enabled: false,
            threads: pass.config.threads,
        }
    }

    /// Validates the copy-number options against the run's inputs.
    pub fn new(
        inputs: &Inputs,
        bin_size: Option<u64>,
        cnv_reference: Option<&Path>,
        mappability: Option<&Path>,
        tumor_only: bool,
    ) -> Result<StructuralPlan> {
        let pass = &inputs.pass;
        let reference = cnv_reference
            .map(|p| read_cnv_reference(p, &pass.contigs))
            .transpose()?;
        let size = match (&reference, bin_size) {
            (Some(r), Some(b)) if r.bin_size != b => {
                return Err(fail(
                    ExitKind::Usage,
                    format!(
                        "--cnv-bin-size {b} differs from the {} bp bins of the copy-number reference; drop --cnv-bin-size or rebuild the reference with it",
                        r.bin_size
                    ),
                ))
            }
            (Some(r), _) => r.bin_size,
            (None, Some(0)) => {
                return Err(fail(ExitKind::Usage, "--cnv-bin-size must be at least 1"))
            }
            (None, Some(b)) => b,
            (None, None) => auto_bin_size(pass.total_positions()),
        };
        let layout = BinLayout::new(
            &pass.regions,
            pass.contigs.len(),
            size,
            &inputs.biomarker_contigs,
        );
        if let (Some(r), Some(p)) = (&reference, cnv_reference) {
            let have: HashSet<(&str, u64, u64)> = r
                .bins
                .iter()
                .map(|(c, s, e, _, _)| (c.as_str(), *s, *e))
                .collect();
            let matched = layout
                .bins
                .iter()
                .filter(|b| have.contains(&(pass.contigs[b.contig].name.as_str(), b.start, b.end)))
                .count();
            if !layout.is_empty() && matched * 2 < layout.len() {
                return Err(fail(
                    ExitKind::Data,
                    format!(
                        "copy-number reference '{}' covers {matched} of this run's {} bins: it was built for other regions (or another --targets/--regions); rebuild it with `oncostream pon` over the same regions",
                        p.display(),
                        layout.len()
                    ),
                ));
            }
        }
        let mappability = match mappability {
            Some(p) => {
                let (track, skipped) = read_track(p, &pass.contigs)?;
                if skipped > 0 {
                    log::info(&format!(
                        "mappability track '{}': {skipped} line(s) on contigs the alignments lack were skipped",
                        p.display()
                    ));
                }
                let scored: Vec<(Region, f64)> = track
                    .into_iter()
                    .map(|b| {
                        let score = match b.name.as_deref().map(str::parse::<f64>) {
                            None | Some(Err(_)) => Ok(1.0),
                            Some(Ok(v)) if (0.0..=1.0).contains(&v) => Ok(v),
                            Some(Ok(v)) => Err(fail(
                                ExitKind::Data,
                                format!(
                                    "mappability track '{}': score {v} is outside 0-1 (column 4 is the interval's mappability)",
                                    p.display()
                                ),
                            )),
                        }?;
                        Ok((b.region, score))
                    })
                    .collect::<Result<_>>()?;
                Some(bin_mappability(&layout, &scored))
            }
            None => None,
        };
        let contig_ids = pass
            .contigs
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.as_bytes().to_vec(), ContigId::new(i)))
            .collect();
        Ok(StructuralPlan {
            layout,
            cnv_reference: reference,
            cnv_reference_path: cnv_reference.map(Path::to_path_buf),
            mappability,
            contig_ids,
            contig_mask: inputs.biomarker_contigs.clone(),
            tumor_only,
            n_samples: pass.inputs.len(),
            enabled: true,
            threads: pass.config.threads,
        })
    }

    /// The copy-number observer.
    pub(crate) fn cnv_observer(&self) -> CnvObserver<'_> {
        CnvObserver {
            layout: &self.layout,
            n_samples: self.n_samples,
            min_mapq: MIN_MAPQ,
            het_sample: self.enabled.then_some(if self.tumor_only { 0 } else { 1 }),
            het_min_depth: if self.tumor_only { 20 } else { 15 },
        }
    }

    /// The structural-variant observer.
    pub(crate) fn sv_observer(&self) -> SvObserver<'_> {
        SvObserver {
            enabled: self.enabled,
            min_mapq: MIN_MAPQ,
            min_clip: 20,
            contig_ids: &self.contig_ids,
            contigs: &self.contig_mask,
        }
    }

    /// An empty accumulator for the sink.
    pub fn state(&self) -> StructuralState {
        StructuralState {
            table: BinTable::new(self.layout.len(), self.n_samples),
            splits: Vec::new(),
            pairs: Vec::new(),
            clips: Vec::new(),
        }
    }
}

impl super::run::Stage for StructuralPlan {
    const NAME: &'static str = "structural";
    type Observer<'s> = (CnvObserver<'s>, SvObserver<'s>);
    type State<'s> = StructuralState;
    type Context<'c> = StructuralContext<'c>;
    type Output = StructuralOutcome;

    fn observer(&self) -> (CnvObserver<'_>, SvObserver<'_>) {
        (self.cnv_observer(), self.sv_observer())
    }

    fn state(&self) -> Result<StructuralState> {
        Ok(StructuralPlan::state(self))
    }

    fn add(
        &self,
        state: &mut StructuralState,
        _shard: &crate::types::Shard,
        (cnv, sv): (CnvPartial, SvPartial),
    ) -> Result<()> {
        state.add(cnv, sv);
        Ok(())
    }

    fn finish(
        &self,
        state: StructuralState,
        ctx: StructuralContext<'_>,
    ) -> Result<StructuralOutcome> {
        Ok(analyze_structural(self, state, &ctx))
    }
}

/// What the sink accumulates.
pub struct StructuralState {
    /// Bin counts and sites.
    pub table: BinTable,
    splits: Vec<Evidence>,
    pairs: Vec<Evidence>,
    clips: Vec<Clip>,
}

impl StructuralState {
    /// Adds one shard's partials (in genome order).
    pub fn add(&mut self, cnv: CnvPartial, sv: SvPartial) {
        self.table.add(cnv);
        self.splits.extend(sv.splits);
        self.pairs.extend(sv.pairs);
        self.clips.extend(sv.clips);
    }
}

/// What the analysis needs besides the accumulated evidence.
pub struct StructuralContext<'a> {
    /// Contig names by index.
    pub contig_names: &'a [String],
    /// Somatic-VAF purity of the SNVs in the given regions (all SNVs for None).
    pub vaf_purity: &'a dyn Fn(Option<&[crate::types::Region]>) -> Option<f64>,
    /// Transcript models (may be empty).
    pub models: &'a [Transcript],
    /// Preferred transcripts.
    pub preferred: &'a HashSet<String>,
    /// The tumor's QC counters (insert sizes).
    pub tumor_qc: Option<&'a SampleQc>,
    /// The reference (junction homology and the realignment of soft clips; None: neither).
    pub reference: Option<&'a dyn SequenceSource>,
}

/// What the stage found.
pub struct StructuralOutcome {
    /// Copy number, when assessed.
    pub copy_number: Option<CopyNumberResult>,
    /// Every evaluated gene (for the TSV).
    pub all_genes: Vec<GeneCopyNumber>,
    /// Purity choice of the copy-number stage.
    pub purity: Option<PurityChoice>,
    /// Structural variants and fusions (None when skipped).
    pub sv: Option<SvResult>,
    /// What could not be assessed.
    pub not_assessed: Vec<NotAssessed>,
}

/// The largest fragment length a discordant pair may span: the 99.5th percentile of the
/// tumor's insert sizes, within 300-3000 (1000 without pairs).
pub fn max_fragment(qc: Option<&SampleQc>) -> u64 {
    let Some(q) = qc else {
        return 1000;
    };
    let total: u64 = q.insert.iter().sum();
    if total < 100 {
        return 1000;
    }
    let want = (total as f64 * 0.995).ceil() as u64;
    let mut acc = 0;
    for (i, n) in q.insert.iter().enumerate() {
        acc += n;
        if acc >= want {
            return (i as u64).clamp(300, 3000);
        }
    }
    1000
}

/// The analysis after the gather.
pub(crate) fn analyze_structural(
    plan: &StructuralPlan,
    state: StructuralState,
    ctx: &StructuralContext<'_>,
) -> StructuralOutcome {
    if !plan.enabled {
        return skipped();
    }
    let mut not_assessed = Vec::new();
    let genes = canonical_per_gene(ctx.models, ctx.preferred);
    let StructuralState {
        table,
        splits,
        pairs,
        mut clips,
    } = state;
    let refb = ctx.reference.map(|r| RefBases::new(r, ctx.contig_names));
    let calls = cluster(
        splits,
        pairs,
        &mut clips,
        &sv_settings(plan, ctx),
        refb.as_ref(),
    );
    let spans = junction_spans(&calls.junctions, &calls.below, !plan.tumor_only);
    let (mut copy_number, purity) = copy_number_of(plan, &table, ctx, &spans, &mut not_assessed);
    let sv = structural_variants_of(
        plan,
        (calls, &clips, refb.as_ref()),
        ctx,
        &genes,
        copy_number.as_mut(),
        &mut not_assessed,
    );
    let all_genes = match (copy_number.as_mut(), purity.as_ref()) {
        (Some(res), Some(choice)) => gene_level(res, choice, &genes, &mut not_assessed),
        _ => Vec::new(),
    };
    if plan.tumor_only && copy_number.is_some() {
        not_assessed.push(NotAssessed {
            item: "loh".into(),
            reason: "loss of heterozygosity not assessed: without a matched normal the heterozygous sites are taken from the tumor itself".into(),
        });
    }
    StructuralOutcome {
        copy_number,
        all_genes,
        purity,
        sv: Some(sv),
        not_assessed,
    }
}

/// `--skip-structural`: nothing assessed, each item said so.
fn skipped() -> StructuralOutcome {
    let not_assessed = ["copy_number", "structural_variants", "fusions"]
        .iter()
        .map(|item| NotAssessed {
            item: item.to_string(),
            reason: format!(
                "{} not assessed: the run was made with --skip-structural",
                item.replace('_', " ")
            ),
        })
        .collect();
    StructuralOutcome {
        copy_number: None,
        all_genes: Vec::new(),
        purity: None,
        sv: None,
        not_assessed,
    }
}

type CopyNumberParts = (Option<CopyNumberResult>, Option<PurityChoice>);

/// Segments and the purity/ploidy fit, against the matched normal or (tumor-only) the
/// copy-number reference; what could not be assessed goes to `not_assessed`.
fn copy_number_of(
    plan: &StructuralPlan,
    table: &BinTable,
    ctx: &StructuralContext<'_>,
    junctions: &[JunctionSpan],
    not_assessed: &mut Vec<NotAssessed>,
) -> CopyNumberParts {
    let reference = if !plan.tumor_only {
        Some(CnRef::Sample(1))
    } else {
        plan.cnv_reference.as_ref().map(CnRef::Panel)
    };
    let Some(r) = reference else {
        not_assessed.push(NotAssessed {
            item: "copy_number".into(),
            reason: "copy number not assessed: tumor-only run without a copy-number reference (build one from normals with `oncostream pon`, which writes <pon>.cnv.tsv, and pass it with --cnv-reference)".into(),
        });
        return (None, None);
    };
    let input = CnvInput {
        layout: &plan.layout,
        table,
        reference: r,
        contig_names: ctx.contig_names,
        vaf_purity: ctx.vaf_purity,
        mappability: plan.mappability.as_deref(),
        settings: CnvSettings::default(),
        junctions,
        threads: plan.threads,
    };
    let (res, choice) = match analyze(&input) {
        CnvOutcome::NotAssessed(why) => {
            not_assessed.push(NotAssessed {
                item: "copy_number".into(),
                reason: why,
            });
            return (None, None);
        }
        CnvOutcome::Assessed(res, choice) => (res, choice),
    };
    (Some(*res), Some(choice))
}

/// Gene-level calls from the segments (after their boundaries met the junctions).
fn gene_level(
    res: &mut CopyNumberResult,
    choice: &PurityChoice,
    genes: &[&Transcript],
    not_assessed: &mut Vec<NotAssessed>,
) -> Vec<GeneCopyNumber> {
    let mut all_genes = Vec::new();
    if genes.is_empty() {
        not_assessed.push(NotAssessed {
            item: "gene_copy_number".into(),
            reason: "gene-level copy number (amplifications, deep deletions) not assessed: no transcript model applies to this reference (see gene annotation)".into(),
        });
    } else {
        all_genes = gene_calls(
            &res.segments,
            genes,
            choice.ploidy,
            CnvSettings::default().amp_factor,
        );
        res.genes_evaluated = all_genes.len();
        res.genes = all_genes
            .iter()
            .filter(|g| g.call != CnCall::Neutral || g.loh)
            .cloned()
            .collect();
    }
    all_genes
}

/// Junctions from the split reads, soft clips and discordant pairs, with the genes at their
/// breakends and the fusions they make.
fn structural_variants_of(
    plan: &StructuralPlan,
    (calls, clips, refb): (SvCalls, &[Clip], Option<&RefBases<'_>>),
    ctx: &StructuralContext<'_>,
    genes: &[&Transcript],
    copy_number: Option<&mut CopyNumberResult>,
    not_assessed: &mut Vec<NotAssessed>,
) -> SvResult {
    let mf = max_fragment(ctx.tumor_qc);
    let names = ctx.contig_names;
    let low_support = calls.low_support;
    let (linked, segments): (Vec<(Junction, Link)>, Option<&mut Vec<CnSegment>>) =
        match (copy_number, refb) {
            (Some(cn), Some(r)) => {
                // segments are made from the bins of the header's contigs: every name is there
                let seg_contigs: Vec<ContigId> = cn
                    .segments
                    .iter()
                    .map(|s| ContigId::new(names.iter().position(|n| *n == s.chrom).unwrap_or(0)))
                    .collect();
                let input = LinkInput {
                    seg_contigs: &seg_contigs,
                    bin_size: cn.bin_size,
                    clips,
                    reference: r,
                    has_normal: !plan.tumor_only,
                };
                let linked = link(&mut cn.segments, calls.junctions, &calls.below, &input);
                (linked, Some(&mut cn.segments))
            }
            (cn, _) => (
                calls
                    .junctions
                    .into_iter()
                    .map(|j| (j, Link::default()))
                    .collect(),
                cn.map(|c| &mut c.segments),
            ),
        };
    let seg_view: &[CnSegment] = segments.as_deref().map_or(&[], |v| v.as_slice());
    let svs: Vec<StructuralVariant> = linked
        .iter()
        .enumerate()
        .map(|(i, (j, l))| sv_record(i, j, l, seg_view, names, genes, plan.tumor_only))
        .collect();
    if let Some(segs) = segments {
        mark_junctions(segs, &linked, &svs, names);
    }
    let mut warnings = Vec::new();
    let fusions = if genes.is_empty() {
        not_assessed.push(NotAssessed {
            item: "fusions".into(),
            reason: "fusion partners not assessed: no transcript model applies to this reference (see gene annotation); rearrangements are listed without genes".into(),
        });
        Vec::new()
    } else {
        interpret(&svs, genes, &KnownFusions::bundled())
    };
    if plan.tumor_only {
        warnings.push("tumor-only: rearrangements cannot be told apart from germline structural variants without a matched normal".into());
    }
    SvResult {
        method: "split reads (SA) and discordant pairs, MAPQ >= 20, clustered into junctions (Manta/DELLY evidence model without assembly) at their leftmost placement along the breakpoint homology; soft clips realigned against the reference around both breakends; segment boundaries snapped to junctions and copy-number steps searched for junctions; somatic = no support in the matched normal".into(),
        variants: svs,
        germline_filtered: calls.germline,
        low_support,
        fusions,
        max_fragment: mf,
        warnings,
        external: None,
    }
}

/// The `results.json` record of junction `j` (the `i`-th), 1-based, with the genes at its
/// breakends.
fn sv_record(
    i: usize,
    j: &Junction,
    l: &Link,
    segments: &[CnSegment],
    names: &[String],
    genes: &[&Transcript],
    tumor_only: bool,
) -> StructuralVariant {
    let copy_number_change = l.segment.map(|k| {
        let s = &segments[k];
        let f = l.flank.map(|f| &segments[f]);
        CnChange {
            chrom: s.chrom.clone(),
            start: s.start,
            end: s.end,
            copy_number: s.copy_number,
            flank_copy_number: f.and_then(|f| f.copy_number),
            log2_ratio: s.log2_ratio,
            flank_log2_ratio: f.map(|f| f.log2_ratio),
            call: s.call,
        }
    });
    let (c1, c2) = (&names[j.a.contig.index()], &names[j.b.contig.index()]);
    let (p1, p2) = (j.a.pos.to_pos1(), j.b.pos.to_pos1());
    let g = |c: &str, p: Pos1| -> Vec<String> {
        let mut v: Vec<String> = genes_at(genes, c, p.to_pos0())
            .iter()
            .map(|t| t.gene.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    StructuralVariant {
        id: format!("SV{}", i + 1),
        sv_type: j.sv_type(),
        chrom1: c1.clone(),
        pos1: p1,
        orientation1: j.a.ori,
        chrom2: c2.clone(),
        pos2: p2,
        orientation2: j.b.ori,
        precise: j.precise,
        ci: j.ci,
        homology_length: j.homlen,
        copy_number_supported: l.copy_number_supported,
        copy_number_change,
        tumor: j.tumor,
        normal: (!tumor_only).then_some(j.normal),
        length: (j.a.contig == j.b.contig).then(|| j.b.pos - j.a.pos),
        genes1: g(c1, p1),
        genes2: g(c2, p2),
    }
}

/// The clustering settings of a run.
fn sv_settings(plan: &StructuralPlan, ctx: &StructuralContext<'_>) -> SvSettings {
    SvSettings {
        max_fragment: max_fragment(ctx.tumor_qc),
        has_normal: !plan.tumor_only,
        ..SvSettings::default()
    }
}

/// The copy-number changes the junctions imply (candidate segment boundaries): every reported
/// junction, and deletion or duplication candidates below the read-support thresholds with
/// [`MIN_RESCUE_FRAGMENTS`] tumor fragments (none in the normal), at a stricter split test.
fn junction_spans(
    junctions: &[Junction],
    below: &[Junction],
    has_normal: bool,
) -> Vec<JunctionSpan> {
    let mut v = Vec::new();
    for j in junctions {
        match j.sv_type() {
            SvType::Deletion | SvType::Duplication => v.push(JunctionSpan {
                contig: j.a.contig,
                lo: boundary_of(&j.a),
                hi: Some(boundary_of(&j.b)),
                min_z: JUNCTION_SPLIT_Z,
            }),
            _ => {
                for e in [&j.a, &j.b] {
                    v.push(JunctionSpan {
                        contig: e.contig,
                        lo: boundary_of(e),
                        hi: None,
                        min_z: JUNCTION_SPLIT_Z,
                    });
                }
            }
        }
    }
    for j in below {
        let tumor = j.tumor.split_reads + j.tumor.discordant_pairs;
        let normal = j.normal.split_reads + j.normal.discordant_pairs;
        if matches!(j.sv_type(), SvType::Deletion | SvType::Duplication)
            && tumor >= MIN_RESCUE_FRAGMENTS
            && (!has_normal || normal == 0)
        {
            v.push(JunctionSpan {
                contig: j.a.contig,
                lo: boundary_of(&j.a),
                hi: Some(boundary_of(&j.b)),
                min_z: CANDIDATE_SPLIT_Z,
            });
        }
    }
    v.sort_by_key(|x| (x.contig, x.lo));
    v
}

/// Names on each segment the junction its start or end was placed on.
fn mark_junctions(
    segments: &mut [CnSegment],
    linked: &[(Junction, Link)],
    svs: &[StructuralVariant],
    names: &[String],
) {
    for ((j, _), sv) in linked.iter().zip(svs) {
        for e in [&j.a, &j.b] {
            let chrom = &names[e.contig.index()];
            let b = boundary_of(e);
            for s in segments.iter_mut().filter(|s| &s.chrom == chrom) {
                if s.start == b && s.start_junction.is_none() {
                    s.start_junction = Some(sv.id.clone());
                }
                if s.end == b && s.end_junction.is_none() {
                    s.end_junction = Some(sv.id.clone());
                }
            }
        }
    }
}

/// Writes `copy_number.seg` (named by the run's `sample_id`), `copy_number_segments.tsv`,
/// `copy_number_genes.tsv` (when assessed) and `sv.vcf.gz` + index.
pub(crate) fn write_structural(
    dir: &Path,
    sample_id: &str,
    outcome: &StructuralOutcome,
    meta: &VcfMeta<'_>,
    reference: &Reference,
    manifest: &mut Manifest,
) -> Result<()> {
    if let Some(cn) = &outcome.copy_number {
        let off = cn.neutral_log2_ratio;
        write_seg(
            &OutputFile::CopyNumberSeg.path(dir),
            sample_id,
            &cn.segments,
            off,
        )?;
        manifest.output(OutputFile::CopyNumberSeg)?;
        write_segment_tsv(&OutputFile::CopyNumberSegments.path(dir), &cn.segments, off)?;
        manifest.output(OutputFile::CopyNumberSegments)?;
        if cn.genes_evaluated > 0 {
            write_gene_tsv(&OutputFile::CopyNumberGenes.path(dir), &outcome.all_genes)?;
            manifest.output(OutputFile::CopyNumberGenes)?;
        }
    }
    let base = |chrom: &str, pos: u64| -> u8 {
        let mut buf = Vec::new();
        match reference.get(chrom) {
            Some(s) => {
                reference.fetch_into(s, pos - 1, pos, &mut buf);
                buf.first().copied().unwrap_or(b'N').to_ascii_uppercase()
            }
            None => b'N',
        }
    };
    let Some(sv) = &outcome.sv else {
        return Ok(());
    };
    let bases: Vec<(u8, u8)> = sv
        .variants
        .iter()
        .map(|v| (base(&v.chrom1, v.pos1.get()), base(&v.chrom2, v.pos2.get())))
        .collect();
    write_sv_vcf(&OutputFile::SvVcf.path(dir), meta, &sv.variants, &bases)?;
    manifest.output(OutputFile::SvVcf)?;
    manifest.output(OutputFile::SvVcfIndex)?;
    if !sv.variants.is_empty() {
        log::info(&format!(
            "{} somatic rearrangement(s), {} fusion(s)",
            sv.variants.len(),
            sv.fusions.len()
        ));
    }
    Ok(())
}
