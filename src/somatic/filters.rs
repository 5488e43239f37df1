//! Filters that need the genome in order or external resources, and the filter catalogue
//! (VCF `##FILTER` lines).

use std::collections::HashMap;

use super::Call;

/// Every filter name with its VCF header description, in a fixed order.
pub const ALL: &[(&str, &str)] = &[
    ("weak_evidence", "Tumor LOD below --min-tlod: too little evidence that the allele is real"),
    ("normal_lod", "Normal LOD below --min-nlod: the normal is not confidently reference here (variant or too shallow)"),
    ("normal_support", "Alt allele seen in the matched normal (germline or tumor-in-normal)"),
    ("germline", "Population allele frequency in the germline resource at or above --max-population-af"),
    ("germline_af", "Tumor-only: allele fraction consistent with a heterozygous or homozygous germline variant"),
    ("panel_of_normals", "Site and allele present in the panel of normals (recurrent artifact or germline)"),
    ("strand_bias", "Alt reads almost all on one strand while reference reads are not"),
    ("read_position", "Alt bases lie near read ends (median distance below --min-end-distance)"),
    ("base_quality", "Median base quality of alt reads below --min-median-bq"),
    ("mapping_quality", "Median mapping quality of alt reads below --min-median-mq"),
    ("clustered_events", "Three or more otherwise-passing events within 50 bp (misalignment or complex event)"),
    ("slippage", "One-unit indel in a homopolymer/microsatellite at low allele fraction (polymerase slippage)"),
    ("multiallelic", "More than one alt allele with strong evidence at this position"),
    ("duplicate_support", "Alt reads come from few distinct fragments (unmarked PCR duplicates)"),
];

/// Key of an allele in a resource: (contig name, 1-based POS, REF, ALT).
pub type AlleleKey = (String, u64, String, String);

/// `clustered_events`: three or more events that pass every site filter so far, within
/// `window` bp. Germline sites, normal-supported sites and weak noise do not count: they are
/// not somatic events. Runs on the whole ordered call list, so it does not depend on shards.
pub fn clustered_events(calls: &mut [Call], window: u64) {
    let idx: Vec<usize> = (0..calls.len()).filter(|&i| calls[i].is_pass()).collect();
    let mut flag = vec![false; idx.len()];
    let mut start = 0;
    for end in 0..idx.len() {
        let (e, _) = (&calls[idx[end]], ());
        while calls[idx[start]].contig != e.contig || e.pos - calls[idx[start]].pos > window {
            start += 1;
        }
        if end - start + 1 >= 3 {
            for f in &mut flag[start..=end] {
                *f = true;
            }
        }
    }
    for (k, f) in flag.into_iter().enumerate() {
        if f {
            calls[idx[k]].fail("clustered_events");
        }
    }
}

/// Annotates population AF and applies `germline` and `panel_of_normals`.
pub fn apply_resources(
    calls: &mut [Call],
    contig_names: &[String],
    population: &HashMap<AlleleKey, f64>,
    pon: &HashMap<AlleleKey, u32>,
    max_population_af: f64,
) {
    for c in calls.iter_mut() {
        let key = (
            contig_names[c.contig].clone(),
            c.pos + 1,
            c.ref_allele.clone(),
            c.alt_allele.clone(),
        );
        if let Some(&af) = population.get(&key) {
            c.pop_af = Some(af);
            if af >= max_population_af {
                c.fail("germline");
            }
        }
        if pon.contains_key(&key) {
            c.fail("panel_of_normals");
        }
    }
}

/// Germline population frequencies and panel-of-normals sites for the processed regions.
#[derive(Debug, Default)]
pub struct Resources {
    /// Allele -> population AF.
    pub population: HashMap<AlleleKey, f64>,
    /// Allele -> normals it was seen in.
    pub pon: HashMap<AlleleKey, u32>,
}

/// Everything that runs on the whole ordered call list after the gather: clustered events,
/// germline and panel-of-normals filters, then filters in catalogue order.
pub fn finalize(
    calls: &mut [Call],
    contig_names: &[String],
    res: &Resources,
    max_population_af: f64,
) {
    clustered_events(calls, 50);
    apply_resources(
        calls,
        contig_names,
        &res.population,
        &res.pon,
        max_population_af,
    );
    for c in calls.iter_mut() {
        sort_filters(c);
    }
}

/// Sorts a call's filters into catalogue order (stable output).
pub fn sort_filters(c: &mut Call) {
    c.filters
        .sort_by_key(|f| ALL.iter().position(|(n, _)| n == f).unwrap_or(usize::MAX));
}
