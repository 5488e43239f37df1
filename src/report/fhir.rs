//! One HL7 FHIR R4 (4.0.1) `Bundle` per run, following the HL7 Genomics Reporting
//! Implementation Guide (STU3) profiles: a `DiagnosticReport` (`genomics-report`) whose results
//! are `Observation`s — `variant` (somatic PASS calls, germline findings, gene copy-number
//! changes, fusions), `tmb`, `msi`, `therapeutic-implication` (one per regimen of a finding, with
//! its evidence level, approval status, the medication and the cancer type) and
//! `diagnostic-implication` (the clinical significance of each germline finding) — with the
//! `Patient` and `Specimen` when the run names a patient. Format only: every value comes from the
//! run's `results.json` and `report.json`.
//!
//! Codes: LOINC for the observations and their components (69548-6 variant, 94076-7 TMB,
//! 81695-9 MSI, 81247-9 the report), the IG's `tbd-codes-cs` where LOINC has none, HGVS
//! (`http://varnomen.hgvs.org`), HGNC gene ids, RefSeq accessions (GRCh38 `NC_` chromosomes),
//! Sequence Ontology consequences. A germline finding carries genomic source class *Germline*
//! and its allelic state; somatic calls carry *Somatic*. The report's status is `preliminary`:
//! it is software output for the expert panel's review, which the hospital system records.
//! Resource ids are UUIDs derived from the run id, so the same run gives the same Bundle.

use serde_json::{json, Value};

use super::maf::MafInput;
use super::GeneIds;
use crate::types::cnv::CnCall;
use crate::types::msi::MsiStatus;
use crate::types::report::{FindingKind, GermlineFinding, Level, Report, Therapy};
use crate::types::results::{Mode, RunResults};

const LOINC: &str = "http://loinc.org";
const TBD: &str = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs";
const PROFILE: &str = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/";
const HGVS: &str = "http://varnomen.hgvs.org";
const REFSEQ: &str = "http://www.ncbi.nlm.nih.gov/refseq";
const HGNC: &str = "http://www.genenames.org/geneId";
const SO: &str = "http://sequenceontology.org";
const UCUM: &str = "http://unitsofmeasure.org";

/// What the Bundle of one run is made of.
pub struct FhirInput<'a> {
    /// The run's sample id (the specimen's identifier when the report names none).
    pub sample_id: &'a str,
    /// `results.json`.
    pub results: &'a RunResults,
    /// `report.json`, when the run was tiered.
    pub report: Option<&'a Report>,
    /// The PASS calls as annotated MAF rows, in `results.variants` order.
    pub maf: &'a [MafInput],
    /// Gene and transcript identifiers.
    pub ids: &'a dyn GeneIds,
}

/// A deterministic UUID (`urn:uuid:` form) for a resource of this run.
fn urn(run_id: &str, key: &str) -> String {
    let h = crate::io::output::md5_hex(format!("{run_id}/{key}").as_bytes());
    format!(
        "urn:uuid:{}-{}-4{}-8{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({"coding": [{"system": system, "code": code, "display": display}]})
}

fn loinc(code: &str, display: &str) -> Value {
    coding(LOINC, code, display)
}

fn text(t: &str) -> Value {
    json!({ "text": t })
}

fn component(code: Value, value_key: &str, value: Value) -> Value {
    let mut c = json!({ "code": code });
    c[value_key] = value;
    c
}

/// The GRCh38 RefSeq accession of a chromosome (`chr7`, `7`).
fn grch38_accession(chrom: &str) -> Option<&'static str> {
    const ACC: [&str; 24] = [
        "NC_000001.11",
        "NC_000002.12",
        "NC_000003.12",
        "NC_000004.12",
        "NC_000005.10",
        "NC_000006.12",
        "NC_000007.14",
        "NC_000008.11",
        "NC_000009.12",
        "NC_000010.11",
        "NC_000011.10",
        "NC_000012.12",
        "NC_000013.11",
        "NC_000014.9",
        "NC_000015.10",
        "NC_000016.10",
        "NC_000017.11",
        "NC_000018.10",
        "NC_000019.10",
        "NC_000020.11",
        "NC_000021.9",
        "NC_000022.11",
        "NC_000023.11",
        "NC_000024.10",
    ];
    let c = chrom.strip_prefix("chr").unwrap_or(chrom);
    match c {
        "X" => Some(ACC[22]),
        "Y" => Some(ACC[23]),
        "M" | "MT" => Some("NC_012920.1"),
        n => n
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=22).contains(n))
            .map(|n| ACC[n - 1]),
    }
}

/// The Sequence Ontology id of the consequence terms the annotation writes.
fn so_id(term: &str) -> Option<&'static str> {
    if let Some(t) = crate::types::transcript::SoTerm::parse(term) {
        return Some(t.so_id());
    }
    // VEP terms our annotation does not write
    Some(match term {
        "stop_retained_variant" => "SO:0001567",
        "intergenic_variant" => "SO:0001628",
        _ => return None,
    })
}

/// The Bundle's builder: the run's identity and the resources made so far.
struct Builder<'a> {
    x: &'a FhirInput<'a>,
    run_id: String,
    subject: Option<String>,
    specimen: Option<String>,
    entries: Vec<Value>,
    results: Vec<String>,
    /// (what an observation is about — gene, `A::B`, `TMB`, `MSI` —, its alteration, its urn).
    about: Vec<(String, String, String)>,
}

impl Builder<'_> {
    fn add(&mut self, key: &str, mut resource: Value, in_report: bool) -> String {
        let url = urn(&self.run_id, key);
        resource["id"] = json!(url.trim_start_matches("urn:uuid:"));
        self.entries
            .push(json!({ "fullUrl": url, "resource": resource }));
        if in_report {
            self.results.push(url.clone());
        }
        url
    }

    /// An Observation of the genomics profiles: profile, status, category, subject, specimen.
    fn observation(&self, profile: &str, code: Value) -> Value {
        let mut o = json!({
            "resourceType": "Observation",
            "meta": { "profile": [format!("{PROFILE}{profile}")] },
            "status": "preliminary",
            "category": [
                coding("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory", "Laboratory"),
                coding("http://terminology.hl7.org/CodeSystem/v2-0074", "GE", "Genetics")
            ],
            "code": code,
            "effectiveDateTime": self.x.results.created,
        });
        if let Some(s) = &self.subject {
            o["subject"] = json!({ "reference": s });
        }
        if let Some(s) = &self.specimen {
            o["specimen"] = json!({ "reference": s });
        }
        o
    }

    fn gene_component(&self, gene: &str) -> Value {
        let value = match self.x.ids.hgnc(gene) {
            Some(id) => coding(HGNC, &id, gene),
            None => text(gene),
        };
        component(
            loinc("48018-6", "Gene studied [ID]"),
            "valueCodeableConcept",
            value,
        )
    }
}

/// One small variant, somatic (from the calls) or germline (a finding of the normal).
struct SmallVariant<'a> {
    chrom: &'a str,
    pos: u64,
    ref_allele: &'a str,
    alt: &'a str,
    gene: Option<&'a str>,
    transcript: Option<&'a str>,
    hgvs_c: Option<&'a str>,
    hgvs_p: Option<&'a str>,
    consequence: Option<&'a str>,
    vaf: f64,
    alt_reads: Option<u32>,
    germline_zygosity: Option<&'a str>,
}

/// The components of a variant Observation.
fn variant_components(b: &Builder<'_>, v: &SmallVariant<'_>) -> Vec<Value> {
    let mut c = Vec::new();
    if let Some(g) = v.gene {
        c.push(b.gene_component(g));
    }
    if let (Some(t), Some(h)) = (v.transcript, v.hgvs_c) {
        let hgvs = format!("{t}:{h}");
        c.push(component(
            loinc("48004-6", "DNA change (c.HGVS)"),
            "valueCodeableConcept",
            coding(HGVS, &hgvs, &hgvs),
        ));
        c.push(component(
            loinc("51958-7", "Transcript reference sequence [ID]"),
            "valueCodeableConcept",
            coding(REFSEQ, t, t),
        ));
    }
    if let (Some(p), Some(np)) = (v.hgvs_p, v.transcript.and_then(|t| b.x.ids.protein(t))) {
        let hgvs = format!("{np}:{}", p.replacen("p.", "p.(", 1) + ")");
        c.push(component(
            loinc("48005-3", "Amino acid change (pHGVS)"),
            "valueCodeableConcept",
            coding(HGVS, &hgvs, &hgvs),
        ));
    }
    if let Some(acc) = grch38_accession(v.chrom) {
        c.push(component(
            loinc("48013-7", "Genomic reference sequence [ID]"),
            "valueCodeableConcept",
            coding(REFSEQ, acc, acc),
        ));
    }
    c.push(component(
        loinc("92822-6", "Genomic coordinate system [Type]"),
        "valueCodeableConcept",
        loinc("LA30102-0", "1-based character counting"),
    ));
    let end = v.pos + v.ref_allele.len() as u64 - 1;
    c.push(component(
        loinc("81254-5", "Variant exact start-end"),
        "valueRange",
        json!({"low": {"value": v.pos}, "high": {"value": end}}),
    ));
    c.push(component(
        loinc("69547-8", "Genomic ref allele [ID]"),
        "valueString",
        json!(v.ref_allele),
    ));
    c.push(component(
        loinc("69551-0", "Genomic alt allele [ID]"),
        "valueString",
        json!(v.alt),
    ));
    let primary = v.consequence.and_then(|c| c.split('&').next());
    if let Some((term, id)) = primary.and_then(|t| Some((t, so_id(t)?))) {
        c.push(component(
            coding(TBD, "molecular-consequence", "Molecular Consequence"),
            "valueCodeableConcept",
            coding(SO, id, term),
        ));
    }
    let source = match v.germline_zygosity {
        Some(_) => loinc("LA6683-2", "Germline"),
        None => loinc("LA6684-0", "Somatic"),
    };
    c.push(component(
        loinc("48002-0", "Genomic source class [Type]"),
        "valueCodeableConcept",
        source,
    ));
    if let Some(z) = v.germline_zygosity {
        let state = if z == "homozygous" {
            loinc("LA6705-3", "Homozygous")
        } else {
            loinc("LA6706-1", "Heterozygous")
        };
        c.push(component(
            loinc("53034-5", "Allelic state"),
            "valueCodeableConcept",
            state,
        ));
    }
    c.push(component(
        loinc("81258-6", "Sample variant allelic frequency [NFr]"),
        "valueQuantity",
        json!({"value": v.vaf, "system": UCUM, "code": "1", "unit": "relative frequency"}),
    ));
    if let Some(n) = v.alt_reads {
        c.push(component(
            loinc("82121-5", "Allelic read depth"),
            "valueQuantity",
            json!({"value": n, "unit": "fragments"}),
        ));
    }
    c
}

/// A variant Observation; returns its urn.
fn add_variant(
    b: &mut Builder<'_>,
    key: &str,
    v: &SmallVariant<'_>,
    note: Option<String>,
) -> String {
    let mut o = b.observation("variant", loinc("69548-6", "Genetic variant assessment"));
    o["valueCodeableConcept"] = loinc("LA9633-4", "Present");
    o["method"] = loinc("LA26398-0", "Sequencing");
    o["component"] = json!(variant_components(b, v));
    if let Some(n) = note {
        o["note"] = json!([{ "text": n }]);
    }
    let url = b.add(key, o, true);
    if let Some(g) = v.gene {
        let alt = v.hgvs_p.or(v.hgvs_c).unwrap_or("").to_string();
        b.about.push((g.to_string(), alt, url.clone()));
    }
    url
}

/// The somatic PASS calls.
fn somatic_variants(b: &mut Builder<'_>) {
    let r = b.x.results;
    let tumor_only = r.mode == Mode::TumorOnly;
    for (i, (v, m)) in r.variants.iter().zip(b.x.maf).enumerate() {
        let sv = SmallVariant {
            chrom: &v.chrom,
            pos: v.pos.get(),
            ref_allele: &v.ref_allele,
            alt: &v.alt,
            gene: m.gene.as_deref(),
            transcript: m.transcript.as_deref(),
            hgvs_c: m.hgvs_c.as_deref(),
            hgvs_p: m.hgvs_p.as_deref(),
            consequence: m.consequence.as_deref(),
            vaf: v.tumor_af,
            alt_reads: Some(v.tumor_alt),
            germline_zygosity: None,
        };
        let note = tumor_only.then(|| {
            "tumor-only analysis: somatic origin inferred from population frequency and allele fraction, not from a matched normal".to_string()
        });
        add_variant(b, &format!("variant/{i}"), &sv, note);
    }
}

/// The germline findings of the matched normal, each with its diagnostic implication.
fn germline_findings(b: &mut Builder<'_>, findings: &[GermlineFinding]) {
    for (i, g) in findings.iter().enumerate() {
        let v = SmallVariant {
            chrom: &g.chrom,
            pos: g.pos.get(),
            ref_allele: &g.ref_allele,
            alt: &g.alt,
            gene: Some(&g.gene),
            transcript: Some(&g.transcript),
            hgvs_c: Some(&g.hgvs_c),
            hgvs_p: g.hgvs_p.as_deref(),
            consequence: None,
            vaf: g.normal_vaf,
            alt_reads: None,
            germline_zygosity: Some(&g.zygosity),
        };
        let note = format!(
            "germline finding of the matched normal ({}; {}): to be confirmed by a clinical germline test before disclosure",
            g.disorder, g.rule
        );
        let variant = add_variant(b, &format!("germline/{i}"), &v, Some(note));
        let significance = if g.class.starts_with("pathogenic") {
            loinc("LA6668-3", "Pathogenic")
        } else {
            loinc("LA26332-9", "Likely pathogenic")
        };
        let mut o = b.observation(
            "diagnostic-implication",
            coding(TBD, "diagnostic-implication", "Diagnostic Implication"),
        );
        o["derivedFrom"] = json!([{ "reference": variant }]);
        o["component"] = json!([
            component(
                loinc("53037-8", "Genetic variation clinical significance [Imp]"),
                "valueCodeableConcept",
                significance
            ),
            component(
                loinc("81259-4", "Associated phenotype"),
                "valueCodeableConcept",
                text(&g.disorder)
            ),
        ]);
        o["extension"] = json!([{
            "url": format!("{PROFILE}RelatedArtifact"),
            "valueRelatedArtifact": { "type": "citation", "label": g.source, "url": g.source_url }
        }]);
        b.add(&format!("germline-implication/{i}"), o, true);
    }
}

/// Gene copy-number changes (the run's genes with a call other than neutral).
fn copy_number(b: &mut Builder<'_>) {
    let Some(cn) = &b.x.results.copy_number else {
        return;
    };
    for (i, g) in cn.genes.iter().enumerate() {
        let (so, so_name) = match g.call {
            CnCall::Amplification | CnCall::Gain => ("SO:0001742", "copy_number_gain"),
            CnCall::Loss | CnCall::DeepDeletion => ("SO:0001743", "copy_number_loss"),
            CnCall::Neutral => continue,
        };
        let copies = match g.call {
            CnCall::Amplification | CnCall::Gain => g.max_copy_number,
            _ => g.min_copy_number,
        };
        let mut comps = vec![
            b.gene_component(&g.gene),
            component(
                loinc("48019-4", "DNA change type"),
                "valueCodeableConcept",
                coding(SO, so, so_name),
            ),
            component(
                loinc("48002-0", "Genomic source class [Type]"),
                "valueCodeableConcept",
                loinc("LA6684-0", "Somatic"),
            ),
        ];
        if let Some(c) = copies {
            comps.push(component(
                loinc("82155-3", "Genomic structural variant copy number"),
                "valueQuantity",
                json!({"value": c, "system": UCUM, "code": "1"}),
            ));
        }
        let mut o = b.observation("variant", loinc("69548-6", "Genetic variant assessment"));
        o["valueCodeableConcept"] = loinc("LA9633-4", "Present");
        o["component"] = json!(comps);
        o["note"] = json!([{ "text": format!("{} {} ({}, copy number fit at purity {} and ploidy {})", g.gene, g.call.as_str().replace('_', " "), g.transcript, opt(cn.purity), opt(cn.ploidy)) }]);
        let url = b.add(&format!("copy-number/{i}"), o, true);
        let alteration = match g.call {
            CnCall::Amplification => "amplification",
            CnCall::DeepDeletion => "deletion",
            _ => g.call.as_str(),
        };
        b.about.push((g.gene.clone(), alteration.into(), url));
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x}"))
        .unwrap_or_else(|| "unknown".into())
}

/// Fusions (the 5' and 3' genes of each).
fn fusions(b: &mut Builder<'_>) {
    let Some(sv) = &b.x.results.structural_variants else {
        return;
    };
    for (i, f) in sv.fusions.iter().enumerate() {
        let mut o = b.observation("variant", loinc("69548-6", "Genetic variant assessment"));
        o["valueCodeableConcept"] = loinc("LA9633-4", "Present");
        o["component"] = json!([
            b.gene_component(&f.five_prime.gene),
            b.gene_component(&f.three_prime.gene),
            component(
                loinc("48002-0", "Genomic source class [Type]"),
                "valueCodeableConcept",
                loinc("LA6684-0", "Somatic")
            ),
        ]);
        o["note"] = json!([{ "text": format!(
            "{} fusion: {} {} of {} at {}:{} :: {} {} of {} at {}:{} ({}; {} split reads, {} discordant pairs; {})",
            f.name, f.five_prime.gene, f.five_prime.location, f.five_prime.transcript, f.five_prime.chrom, f.five_prime.pos,
            f.three_prime.gene, f.three_prime.location, f.three_prime.transcript, f.three_prime.chrom, f.three_prime.pos,
            f.frame.as_str(), f.tumor.split_reads, f.tumor.discordant_pairs, f.sv_id
        ) }]);
        let url = b.add(&format!("fusion/{i}"), o, true);
        b.about.push((f.name.clone(), "fusion".into(), url));
    }
}

/// TMB and MSI, with "not evaluable" as the absence of a value and the reason.
fn biomarkers(b: &mut Builder<'_>) {
    let t = &b.x.results.tmb;
    let mut o = b.observation(
        "tmb",
        loinc("94076-7", "Mutations/Megabase [# Ratio] in Tumor"),
    );
    if t.evaluable {
        o["valueQuantity"] = json!({"value": t.per_mb, "unit": "Mutations/Megabase", "system": UCUM, "code": "1/1000000{Base}"});
        let (code, display) = if t.class == crate::types::results::TmbClass::Low {
            ("L", "Low")
        } else {
            ("H", "High")
        };
        o["interpretation"] = json!([coding(
            "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
            code,
            display
        )]);
        o["note"] = json!([{ "text": format!("{:.3} callable Mb, 95% CI {:.1}-{:.1}/Mb; class {}", t.callable_mb, t.ci95[0], t.ci95[1], t.class.as_str()) }]);
    } else {
        o["dataAbsentReason"] = coding(
            "http://terminology.hl7.org/CodeSystem/data-absent-reason",
            "unknown",
            "Unknown",
        );
        o["note"] = json!([{ "text": t.not_evaluable_reason.clone().unwrap_or_default() }]);
    }
    let url = b.add("tmb", o, true);
    b.about.push(("*".into(), "TMB-high".into(), url));
    let Some(m) = &b.x.results.msi else {
        return;
    };
    let mut o = b.observation(
        "msi",
        loinc(
            "81695-9",
            "Microsatellite instability [Interpretation] in Cancer specimen Qualitative",
        ),
    );
    match m.status {
        MsiStatus::MsiH => o["valueCodeableConcept"] = loinc("LA26203-2", "MSI-H"),
        MsiStatus::Mss => o["valueCodeableConcept"] = loinc("LA14122-8", "Stable"),
        MsiStatus::Indeterminate => o["valueCodeableConcept"] = loinc("LA11884-6", "Indeterminate"),
        MsiStatus::NotEvaluable => {
            o["dataAbsentReason"] = coding(
                "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                "unknown",
                "Unknown",
            )
        }
    }
    let note = match &m.not_evaluable_reason {
        Some(r) => r.clone(),
        None => format!(
            "score {:.2}% ({} of {} sites unstable; {})",
            m.score,
            m.sites_unstable,
            m.sites_tested,
            match m.mode {
                crate::types::msi::MsiMode::Paired => "against the matched normal",
                crate::types::msi::MsiMode::Baseline => "against a baseline of normals",
            }
        ),
    };
    o["note"] = json!([{ "text": note }]);
    let url = b.add("msi", o, true);
    b.about.push(("*".into(), "MSI-H".into(), url));
}

/// The observations a finding derives from: those about its gene and alteration, else those
/// about its gene.
fn derived_from(b: &Builder<'_>, gene: &str, alteration: &str) -> Vec<String> {
    let exact: Vec<String> = b
        .about
        .iter()
        .filter(|(g, a, _)| {
            g == gene
                && (a == alteration || a.ends_with(alteration) || short_protein(a) == alteration)
        })
        .map(|x| x.2.clone())
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    b.about
        .iter()
        .filter(|(g, _, _)| g == gene)
        .map(|x| x.2.clone())
        .collect()
}

/// `p.Val600Glu` → `V600E` (the findings' spelling).
fn short_protein(p: &str) -> String {
    super::maf::hgvsp_short(Some(p), None, "")
        .trim_start_matches("p.")
        .to_string()
}

/// One therapeutic implication per regimen of each therapeutic or resistance finding.
fn implications(b: &mut Builder<'_>, report: &Report) {
    let cancer = format!(
        "{} ({}, OncoTree)",
        report.sample.cancer_type, report.sample.cancer_type_name
    );
    for (i, f) in report.findings.iter().enumerate() {
        if !matches!(f.kind, FindingKind::Therapeutic | FindingKind::Resistance) {
            continue;
        }
        let mut from = derived_from(b, &f.gene, &f.alteration);
        if from.is_empty() {
            // an alteration no observation above describes: the finding's own variant record
            let mut o = b.observation("variant", loinc("69548-6", "Genetic variant assessment"));
            o["valueCodeableConcept"] = loinc("LA9633-4", "Present");
            o["note"] = json!([{ "text": format!("{} {}", f.gene, f.alteration) }]);
            from.push(b.add(&format!("finding/{i}"), o, true));
        }
        for (k, t) in f.therapies.iter().enumerate() {
            let o = implication(b, t, &cancer, &from);
            b.add(&format!("implication/{i}/{k}"), o, true);
        }
    }
}

/// The therapeutic-implication Observation of one regimen.
fn implication(b: &Builder<'_>, t: &Therapy, cancer: &str, from: &[String]) -> Value {
    let efficacy = match t.level {
        Level::R => loinc("LA6676-6", "Resistant"),
        Level::A | Level::B => loinc("LA6677-4", "Responsive"),
        _ => loinc("LA9661-5", "Presumed responsive"),
    };
    let mut approval = Vec::new();
    if t.approved_in_japan {
        approval.push("approved in Japan for this cancer type".to_string());
    }
    if t.approved_us {
        approval.push("FDA-approved for this cancer type".into());
    }
    if t.guideline {
        approval.push("in guidelines for this cancer type".into());
    }
    if !t.approved_elsewhere.is_empty() {
        approval.push(format!("approved for {}", t.approved_elsewhere.join(", ")));
    }
    approval.push(format!("access: {}", t.access.describe()));
    let mut o = b.observation(
        "therapeutic-implication",
        coding(TBD, "therapeutic-implication", "Therapeutic Implication"),
    );
    o["derivedFrom"] = json!(from
        .iter()
        .map(|u| json!({ "reference": u }))
        .collect::<Vec<_>>());
    o["component"] = json!([
        component(
            loinc("51963-7", "Medication assessed [ID]"),
            "valueCodeableConcept",
            text(&t.regimen)
        ),
        component(
            loinc("93044-6", "Level of evidence"),
            "valueCodeableConcept",
            text(&format!("{} (JSMO/JSCO/JCA evidence level)", t.level_label))
        ),
        component(
            loinc("51961-1", "Genetic variation's effect on drug efficacy"),
            "valueCodeableConcept",
            efficacy
        ),
        component(
            coding(TBD, "associated-cancer", "Associated Cancer"),
            "valueCodeableConcept",
            text(cancer)
        ),
        component(
            text("Approval status"),
            "valueCodeableConcept",
            text(&approval.join("; "))
        ),
    ]);
    if let Some(c) = t.citations.first() {
        o["extension"] = json!([{
            "url": format!("{PROFILE}RelatedArtifact"),
            "valueRelatedArtifact": { "type": "citation", "label": format!("{} {}", c.id, c.source), "url": c.url }
        }]);
    }
    if !t.notes.is_empty() {
        o["note"] = json!(t
            .notes
            .iter()
            .map(|n| json!({ "text": n }))
            .collect::<Vec<_>>());
    }
    o
}

/// The Patient and Specimen, when the run names a patient.
fn patient_and_specimen(b: &mut Builder<'_>) {
    let case = b.x.report.map(|r| &r.case);
    let patient =
        b.x.results
            .samples
            .patient_id
            .clone()
            .or_else(|| case.and_then(|c| c.patient_id.clone()));
    let Some(patient) = patient else {
        return;
    };
    let p = json!({ "resourceType": "Patient", "identifier": [{ "value": patient }] });
    let subject = b.add("patient", p, false);
    let specimen_id = case
        .and_then(|c| c.specimen_id.clone())
        .unwrap_or_else(|| b.x.sample_id.to_string());
    let mut s = json!({
        "resourceType": "Specimen",
        "meta": { "profile": [format!("{PROFILE}specimen")] },
        "identifier": [{ "value": specimen_id }],
        "subject": { "reference": subject },
    });
    if let Some(t) = case.and_then(|c| c.specimen_type.clone()) {
        s["type"] = text(&t);
    }
    if let Some(d) = case.and_then(|c| c.collection_date.clone()) {
        s["collection"] = json!({ "collectedDateTime": d });
    }
    b.specimen = Some(b.add("specimen", s, false));
    b.subject = Some(subject);
}

/// The DiagnosticReport over every observation.
fn diagnostic_report(b: &mut Builder<'_>) {
    let r = b.x.results;
    let mut conclusion = vec![format!(
        "sample {} ({}), QC {}",
        b.x.sample_id,
        r.mode.as_str(),
        r.qc.verdict.as_str()
    )];
    if let Some(rep) = b.x.report {
        conclusion.push(format!(
            "{}: highest evidence level {}; expert-panel priority {}",
            rep.sample.cancer_type,
            rep.highest_level.as_deref().unwrap_or("none"),
            rep.expert_panel.priority.as_str()
        ));
        conclusion.extend(rep.expert_panel.reasons.iter().cloned());
    }
    conclusion.extend(r.qc.reasons.iter().map(|q| format!("QC failed: {q}")));
    let mut d = json!({
        "resourceType": "DiagnosticReport",
        "meta": { "profile": [format!("{PROFILE}genomics-report")] },
        "identifier": [{ "system": "urn:ietf:rfc:3986", "value": format!("urn:uuid:{}", r.run_id) }],
        "status": "preliminary",
        "category": [coding("http://terminology.hl7.org/CodeSystem/v2-0074", "GE", "Genetics")],
        "code": loinc("81247-9", "Master HL7 genetic variant reporting panel"),
        "effectiveDateTime": r.created,
        "issued": r.created,
        "result": b.results.iter().map(|u| json!({ "reference": u })).collect::<Vec<_>>(),
        "conclusion": conclusion.join("; "),
    });
    if let Some(s) = &b.subject {
        d["subject"] = json!({ "reference": s });
    }
    if let Some(s) = &b.specimen {
        d["specimen"] = json!([{ "reference": s }]);
    }
    b.add("report", d, false);
}

/// The Bundle of one run.
pub fn bundle(x: &FhirInput<'_>) -> Value {
    let mut b = Builder {
        x,
        run_id: x.results.run_id.clone(),
        subject: None,
        specimen: None,
        entries: Vec::new(),
        results: Vec::new(),
        about: Vec::new(),
    };
    patient_and_specimen(&mut b);
    somatic_variants(&mut b);
    if let Some(rep) = x.report {
        germline_findings(&mut b, &rep.germline.findings);
    }
    copy_number(&mut b);
    fusions(&mut b);
    biomarkers(&mut b);
    if let Some(rep) = x.report {
        implications(&mut b, rep);
    }
    diagnostic_report(&mut b);
    json!({
        "resourceType": "Bundle",
        "id": urn(&b.run_id, "bundle").trim_start_matches("urn:uuid:"),
        "identifier": { "system": "urn:ietf:rfc:3986", "value": urn(&b.run_id, "bundle") },
        "type": "collection",
        "timestamp": x.results.created,
        "entry": b.entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromosome_accessions_are_grch38() {
        assert_eq!(grch38_accession("chr7"), Some("NC_000007.14"));
        assert_eq!(grch38_accession("17"), Some("NC_000017.11"));
        assert_eq!(grch38_accession("chrX"), Some("NC_000023.11"));
        assert_eq!(grch38_accession("MT"), Some("NC_012920.1"));
        assert_eq!(grch38_accession("chr23"), None);
        assert_eq!(grch38_accession("BRAF__LRG_299"), None);
    }

    #[test]
    fn ids_are_uuids_fixed_by_the_run() {
        let a = urn("run-1", "variant/0");
        assert_eq!(a, urn("run-1", "variant/0"));
        assert_ne!(a, urn("run-1", "variant/1"));
        let u = a.trim_start_matches("urn:uuid:");
        let parts: Vec<usize> = u.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
        assert!(u.chars().all(|c| c.is_ascii_hexdigit() || c == '-'));
    }

    #[test]
    fn protein_changes_match_the_findings_spelling() {
        assert_eq!(short_protein("p.Val600Glu"), "V600E");
        assert_eq!(so_id("missense_variant"), Some("SO:0001583"));
    }
}
