//! Filters that need the genome in order or external resources, and the filter catalogue
//! (VCF `##FILTER` lines).

use crate::types::call::Call;
pub use crate::types::call::{AlleleKey, FILTERS as ALL};

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

/// METHOD: `germline` when the population AF (from the resource, looked up per shard) is at
/// least `max_population_af`; `panel_of_normals` when the panel lists the allele.
pub fn apply_resources(calls: &mut [Call], max_population_af: f64) {
    for c in calls.iter_mut() {
        if c.pop_af.is_some_and(|af| af >= max_population_af) {
            c.fail("germline");
        }
        if c.pon_normals.is_some() {
            c.fail("panel_of_normals");
        }
    }
}

/// Everything that runs on the whole ordered call list after the gather: clustered events,
/// germline and panel-of-normals filters, then filters in catalogue order.
pub fn finalize(calls: &mut [Call], max_population_af: f64) {
    clustered_events(calls, 50);
    apply_resources(calls, max_population_af);
    for c in calls.iter_mut() {
        sort_filters(c);
    }
}

/// Sorts a call's filters into catalogue order (stable output).
pub fn sort_filters(c: &mut Call) {
    c.filters
        .sort_by_key(|f| ALL.iter().position(|(n, _)| n == f).unwrap_or(usize::MAX));
}
