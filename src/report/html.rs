//! `report.html`: the typed [`Report`] rendered as a self-contained page. The renderer formats;
//! it never recomputes. Every string from an input file is escaped.

use crate::types::report::Report;
use crate::types::results::FileRecord;

/// Evidence-level definitions shown in every report.
pub const LEVELS: &[(&str, &str)] = &[
    ("A (approved in Japan)", "A drug targeting this alteration is approved in Japan for this cancer type."),
    ("A (US-approved / guideline)", "Approved by the US FDA, or recommended in clinical-practice guidelines, for this cancer type; not approved in Japan."),
    ("B", "Statistically reliable clinical trials or meta-analyses with expert consensus in this cancer type."),
    ("C", "Approved or strong evidence in another cancer type, or small clinical trials in any cancer type."),
    ("D", "Case reports."),
    ("E", "Preclinical evidence."),
    ("R", "Evidence of resistance to the drug(s) listed."),
];

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// A URL for an `href` attribute, escaped; `#` (a link to nowhere) unless it is `http(s):` or a
/// relative path.
///
/// METHOD: a document rendered from stored JSON (`retier` renders a report.json anyone could
/// have edited) must not turn a field into script: `javascript:`, `data:`, `vbscript:` and every
/// other scheme are dropped. Browsers ignore ASCII whitespace and control characters inside a
/// scheme (`java\tscript:` runs), so they are removed before the scheme is read.
pub fn href(url: &str) -> String {
    let squeezed: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect();
    let scheme_end = squeezed.find([':', '/', '?', '#']);
    let safe = match scheme_end {
        Some(i) if squeezed[i..].starts_with(':') => {
            matches!(
                squeezed[..i].to_ascii_lowercase().as_str(),
                "http" | "https"
            )
        }
        _ => true,
    };
    if safe {
        esc(url.trim())
    } else {
        "#".into()
    }
}

/// The VAF histogram as inline SVG, with purity/2 (the expected clonal VAF) marked.
fn vaf_plot(r: &Report) -> String {
    let vafs: Vec<f64> = r.variants.iter().filter_map(|v| v.vaf).collect();
    let bins = 20usize;
    let mut h = vec![0usize; bins];
    for v in &vafs {
        h[((v * bins as f64) as usize).min(bins - 1)] += 1;
    }
    let maxc = h.iter().copied().max().unwrap_or(0).max(1);
    let (w, ht, pad) = (480.0, 200.0, 30.0);
    let bw = (w - 2.0 * pad) / bins as f64;
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"Variant allele fraction distribution\" width=\"{w}\" height=\"{}\" viewBox=\"0 0 {w} {}\" xmlns=\"http://www.w3.org/2000/svg\">",
        ht + 40.0,
        ht + 40.0
    );
    for (i, c) in h.iter().enumerate() {
        let bh = (ht - pad) * (*c as f64) / maxc as f64;
        svg.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#4a7ab5\"><title>{:.2}-{:.2}: {c}</title></rect>",
            pad + i as f64 * bw + 1.0,
            ht - bh,
            bw - 2.0,
            bh,
            i as f64 / bins as f64,
            (i + 1) as f64 / bins as f64
        ));
    }
    svg.push_str(&format!(
        "<line x1=\"{pad}\" y1=\"{ht}\" x2=\"{}\" y2=\"{ht}\" stroke=\"#333\"/>",
        w - pad
    ));
    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{t}</text>",
            pad + t * (w - 2.0 * pad),
            ht + 15.0
        ));
    }
    svg.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">tumor VAF (n = {})</text>",
        w / 2.0,
        ht + 32.0,
        vafs.len()
    ));
    if let Some(p) = r.purity {
        let x = pad + (p / 2.0) * (w - 2.0 * pad);
        svg.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"10\" x2=\"{x:.1}\" y2=\"{ht}\" stroke=\"#c0392b\" stroke-dasharray=\"4 3\"/><text x=\"{:.1}\" y=\"20\" font-size=\"11\" fill=\"#c0392b\">purity {p:.2} / 2</text>",
            x + 4.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Up to this many source links show in a table cell; the rest fold into a `<details>`.
const SOURCES_SHOWN: usize = 4;

fn sources(cs: &[crate::types::report::Citation]) -> String {
    let links: Vec<String> = cs
        .iter()
        .map(|c| {
            format!(
                "<a href=\"{}\" title=\"{}{}\">{}</a>",
                href(&c.url),
                esc(&c.source),
                if c.verified == "knowledge" {
                    " (curator knowledge, not re-checked against the document)"
                } else {
                    ""
                },
                esc(&c.id)
            )
        })
        .collect();
    if links.len() <= SOURCES_SHOWN + 1 {
        return links.join(" ");
    }
    format!(
        "{} <details><summary>{} more</summary>{}</details>",
        links[..SOURCES_SHOWN].join(" "),
        links.len() - SOURCES_SHOWN,
        links[SOURCES_SHOWN..].join(" ")
    )
}

/// Findings: one row per drug with its own level and approval status; resistance; prognostic
/// and diagnostic statements.
fn findings_sections(r: &Report) -> String {
    use crate::types::report::FindingKind;
    let mut h = String::new();
    h.push_str("<h2>Alterations by evidence level (one row per drug)</h2><table><tr><th>Level</th><th>Gene</th><th>Alteration</th><th>Drug / regimen</th><th>Status for this cancer type</th><th>Access route in Japan</th><th>Notes</th><th>Sources</th></tr>");
    let mut any = false;
    for f in r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Therapeutic)
    {
        for t in &f.therapies {
            any = true;
            let mut status = Vec::new();
            if t.approved_in_japan {
                status.push("approved in Japan".to_string());
            }
            if t.approved_us {
                status.push("FDA-approved".to_string());
            }
            if t.guideline {
                status.push("guideline".to_string());
            }
            // where else it is approved matters when it is not approved in Japan here (the
            // off-label route the panel discusses)
            if !t.approved_in_japan && !t.approved_elsewhere.is_empty() {
                status.push(format!(
                    "approved for other cancer types: {}",
                    t.approved_elsewhere.join("; ")
                ));
            }
            h.push_str(&format!(
                "<tr class=\"lv{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                t.level.as_str(),
                esc(&t.level_label),
                esc(&f.gene),
                esc(&f.alteration),
                esc(&t.regimen),
                esc(&status.join("; ")),
                esc(&t.access),
                esc(&t.notes.join("; ")),
                sources(&t.citations)
            ));
        }
    }
    if !any {
        h.push_str("<tr><td colspan=\"8\">No alteration with therapeutic evidence in the knowledge base.</td></tr>");
    }
    h.push_str("</table>");
    let res: Vec<&crate::types::report::Finding> = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Resistance)
        .collect();
    if !res.is_empty() {
        h.push_str("<h2>Resistance (level R)</h2><table><tr><th>Gene</th><th>Alteration</th><th>Drug / regimen</th><th>Sources</th></tr>");
        for f in res {
            for t in &f.therapies {
                h.push_str(&format!(
                    "<tr class=\"lvR\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&f.gene),
                    esc(&f.alteration),
                    esc(&t.regimen),
                    sources(&t.citations)
                ));
            }
        }
        h.push_str("</table>");
    }
    let other: Vec<&crate::types::report::Finding> = r
        .findings
        .iter()
        .filter(|f| matches!(f.kind, FindingKind::Prognostic | FindingKind::Diagnostic))
        .collect();
    if !other.is_empty() {
        h.push_str("<h2>Prognostic and diagnostic findings</h2><table><tr><th>Level</th><th>Gene</th><th>Alteration</th><th>Statement</th><th>Sources</th></tr>");
        for f in other {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&f.level_label),
                esc(&f.gene),
                esc(&f.alteration),
                esc(&f.statements.join("; ")),
                sources(&f.citations)
            ));
        }
        h.push_str("</table>");
    }
    h
}

/// Copy number, rearrangements and fusions, and what was not assessed.
fn structural_sections(r: &Report) -> String {
    use crate::types::cnv::CnCall;
    let mut h = String::new();
    h.push_str("<h2>Copy number</h2>");
    match &r.copy_number {
        Some(cn) => {
            h.push_str(&format!(
                "<p>Purity {} and ploidy {} used for absolute copy numbers; {} of {} bins of {} bp used; bin-to-bin noise {:.2}. Amplification: copy number &ge; {:.1} (3 &times; ploidy); deep deletion: &lt; 0.5 copies.{}</p>",
                cn.purity.map(|p| format!("{p:.2}")).unwrap_or_else(|| "unknown".into()),
                cn.ploidy.map(|p| format!("{p:.2}")).unwrap_or_else(|| "unknown".into()),
                cn.bins_used,
                cn.bins_total,
                cn.bin_size,
                cn.noise,
                cn.amplification_threshold,
                cn.fit
                    .as_ref()
                    .and_then(|f| f.genome_doubled_alternative)
                    .map(|(p, q)| format!(" A genome-doubled solution (purity {p:.2}, ploidy {q:.2}) fits the data as well."))
                    .unwrap_or_default()
            ));
            h.push_str(&super::cnv_plot::cnv_plot(cn));
            h.push_str("<table><tr><th>Gene</th><th>Call</th><th>Copy number (min-max)</th><th>Minor allele copies</th><th>LOH</th><th>Region</th></tr>");
            for g in &cn.genes {
                let class = match g.call {
                    CnCall::Amplification => " class=\"lvA\"",
                    CnCall::DeepDeletion => " class=\"lvR\"",
                    _ => "",
                };
                h.push_str(&format!(
                    "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}:{}-{}</td></tr>",
                    esc(&g.gene),
                    g.call.as_str(),
                    match (g.min_copy_number, g.max_copy_number) {
                        (Some(a), Some(b)) => format!("{a:.1}-{b:.1}"),
                        _ => format!("log2 ratio {:.2}", g.min_log2_ratio),
                    },
                    g.minor_cn.map(|m| m.to_string()).unwrap_or_default(),
                    if g.loh { "yes" } else { "" },
                    esc(&g.chrom),
                    g.start + 1,
                    g.end
                ));
            }
            if cn.genes.is_empty() {
                h.push_str(&format!(
                    "<tr><td colspan=\"6\">No gene with a copy-number change ({} genes evaluated).</td></tr>",
                    cn.genes_evaluated
                ));
            }
            h.push_str("</table>");
        }
        None => h.push_str("<p>Not assessed (see below).</p>"),
    }
    h.push_str("<h2>Structural variants and fusions</h2>");
    match &r.structural_variants {
        Some(sv) => {
            h.push_str("<table><tr><th>Fusion</th><th>5' partner</th><th>3' partner</th><th>Frame</th><th>Split reads / pairs</th><th>Known</th></tr>");
            for f in &sv.fusions {
                h.push_str(&format!(
                    "<tr><td>{}{}</td><td>{} {} ({}:{})</td><td>{} {} ({}:{})</td><td>{}</td><td>{} / {}</td><td>{}</td></tr>",
                    esc(&f.name),
                    if f.intragenic { " (intragenic)" } else { "" },
                    esc(&f.five_prime.transcript),
                    esc(&f.five_prime.location),
                    esc(&f.five_prime.chrom),
                    f.five_prime.pos,
                    esc(&f.three_prime.transcript),
                    esc(&f.three_prime.location),
                    esc(&f.three_prime.chrom),
                    f.three_prime.pos,
                    f.frame.as_str().replace('_', "-"),
                    f.tumor.split_reads,
                    f.tumor.discordant_pairs,
                    match &f.known_source {
                        Some(u) => format!("<a href=\"{}\">CIViC</a>", href(u)),
                        None => String::new(),
                    }
                ));
            }
            if sv.fusions.is_empty() {
                h.push_str("<tr><td colspan=\"6\">No fusion.</td></tr>");
            }
            h.push_str("</table>");
            h.push_str(&format!(
                "<p class=\"muted\">{} somatic rearrangement(s) in sv.vcf.gz; {} seen in the matched normal were removed; {} candidate(s) had too little support.</p>",
                sv.variants.len(),
                sv.germline_filtered,
                sv.low_support
            ));
        }
        None => h.push_str("<p>Not assessed (see below).</p>"),
    }
    if !r.not_assessed.is_empty() {
        h.push_str("<h2>Not assessed</h2><ul>");
        for n in &r.not_assessed {
            h.push_str(&format!("<li>{}</li>", esc(&n.reason)));
        }
        h.push_str("</ul>");
    }
    h
}

fn or_dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "not given".into())
}

/// Basic items, in the C-CAT order: patient, specimen, test, cancer type.
fn basic_items(r: &Report) -> String {
    let c = &r.case;
    let mut h = String::from("<h2>Basic items</h2><table>");
    let content = match (c.pathology_tumor_content, r.purity) {
        (Some(p), Some(e)) => format!(
            "{p:.0}% (pathology); {:.0}% (estimated from the data)",
            e * 100.0
        ),
        (Some(p), None) => format!("{p:.0}% (pathology); not estimated from the data"),
        (None, Some(e)) => format!(
            "not given (pathology); {:.0}% (estimated from the data)",
            e * 100.0
        ),
        (None, None) => "not given (pathology); not estimated".into(),
    };
    for (k, v) in [
        ("Patient ID", or_dash(&c.patient_id)),
        ("Institution", or_dash(&c.institution)),
        ("Specimen ID", or_dash(&c.specimen_id)),
        ("Specimen type", or_dash(&c.specimen_type)),
        ("Collection date", or_dash(&c.collection_date)),
        ("Test", or_dash(&c.test_name)),
        ("Genome build", or_dash(&c.genome_build)),
        ("Tumor sample", r.sample.tumor.clone()),
        (
            "Matched normal",
            r.sample.normal.clone().unwrap_or_else(|| "none".into()),
        ),
        (
            "Analysis",
            r.sample.mode.clone().unwrap_or_else(|| "not stated".into()),
        ),
        (
            "Cancer type",
            format!(
                "{} (OncoTree {})",
                r.sample.cancer_type_name, r.sample.cancer_type
            ),
        ),
        ("Tumor content", content),
        (
            "Run id",
            r.run_id
                .clone()
                .unwrap_or_else(|| "none (VCF of another caller)".into()),
        ),
    ] {
        h.push_str(&format!("<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(&v)));
    }
    h.push_str("</table>");
    h
}

/// Quality control: the verdict with every failed rule, per-sample metrics, identity.
fn qc_section(r: &Report) -> String {
    let mut h = String::from("<h2>Quality control</h2>");
    let Some(q) = &r.qc else {
        h.push_str(&format!(
            "<p>QC verdict: {}. No sequencing metrics: this report was made from a VCF without the run's results.json.</p>",
            r.qc_verdict.map(|v| v.as_str()).unwrap_or("not given")
        ));
        return h;
    };
    h.push_str(&format!("<p><b>QC verdict: {}</b></p>", q.verdict.as_str()));
    if !q.reasons.is_empty() {
        h.push_str("<ul>");
        for reason in &q.reasons {
            h.push_str(&format!("<li class=\"fail\">failed: {}</li>", esc(reason)));
        }
        h.push_str("</ul>");
    }
    h.push_str("<table><tr><th>Sample</th><th>Mean depth</th><th>Median depth</th><th>&ge; 20x</th><th>&ge; 100x</th><th>Uniformity (&ge; 0.2&times; mean)</th><th>Duplicates</th><th>Mapped</th><th>Median insert</th></tr>");
    for s in &q.samples {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{:.1}</td><td>{}</td><td>{:.1}%</td><td>{:.1}%</td><td>{:.1}%</td><td>{:.1}%</td><td>{:.1}%</td><td>{}</td></tr>",
            esc(&s.sample),
            s.mean_depth,
            s.median_depth,
            s.pct_ge_20x,
            s.pct_ge_100x,
            s.pct_ge_0_2x_mean,
            s.duplicate_rate * 100.0,
            s.mapped_rate * 100.0,
            s.insert_size_median.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
        ));
    }
    h.push_str("</table>");
    match &q.identity {
        Some(id) => h.push_str(&format!(
            "<p>Tumor/normal identity: {} ({} of {} germline sites of the normal seen in the tumor{}).</p>",
            match id.status {
                crate::types::results::IdentityStatus::Match => "same person",
                crate::types::results::IdentityStatus::Mismatch => "MISMATCH",
                crate::types::results::IdentityStatus::InsufficientSites => "too few sites to tell",
            },
            id.shared,
            id.sites,
            id.concordance.map(|c| format!(", concordance {c:.3}")).unwrap_or_default()
        )),
        None => h.push_str("<p>Tumor/normal identity: not checked (no matched normal).</p>"),
    }
    h.push_str(&damage_table(&q.samples));
    h
}

/// Read-orientation damage per sample (FFPE deamination, oxoG): share of the damage class's
/// substitutions in the damaged orientation, excess per million bases, calls filtered.
fn damage_table(samples: &[crate::types::results::SampleQcResult]) -> String {
    let rows: Vec<String> = samples
        .iter()
        .filter_map(|s| s.orientation_bias.as_ref().map(|b| (s, b)))
        .flat_map(|(s, b)| {
            [
                ("FFPE deamination (C&gt;T / G&gt;A)", &b.deamination),
                ("8-oxoG oxidation (G&gt;T / C&gt;A)", &b.oxog),
            ]
            .into_iter()
            .map(move |(name, m)| {
                format!(
                    "<tr><td>{}</td><td>{name}</td><td>{}</td><td>{}</td><td{}>{}</td><td>{}</td></tr>",
                    esc(&s.sample),
                    m.orientation_ratio
                        .map(|r| format!("{:.1}%", 100.0 * r))
                        .unwrap_or_else(|| "-".into()),
                    m.excess_per_million
                        .map(|e| format!("{e:.0}"))
                        .unwrap_or_else(|| "-".into()),
                    if m.damaged { " class=\"fail\"" } else { "" },
                    if m.damaged {
                        "damage detected".to_string()
                    } else if m.artifact_orientation + m.other_orientation
                        < crate::types::results::DAMAGE_MIN_BASES
                    {
                        format!(
                            "not evaluable (fewer than {} substitutions of the class)",
                            crate::types::results::DAMAGE_MIN_BASES
                        )
                    } else {
                        "not detected".to_string()
                    },
                    m.calls_filtered
                )
            })
        })
        .collect();
    if rows.is_empty() {
        return "<p class=\"muted\">Read-orientation damage: not measured (results from an earlier version).</p>".into();
    }
    format!(
        "<h3>Read-orientation damage</h3><table><tr><th>Sample</th><th>Damage class</th><th>In the damaged orientation (50% = none)</th><th>Excess per million bases</th><th>Status</th><th>Calls filtered (<code>orientation</code>)</th></tr>{}</table><p class=\"muted\">Damage shows as substitutions in one read-pair orientation only; calls carried by that orientation are filtered. Detected damage lowers confidence in low-allele-fraction calls of the class.</p>",
        rows.join("")
    )
}

/// The TMB rows of the biomarker table: the headline value, its basis and components, and, when
/// evaluable, the TMB without microsatellite indels.
fn tmb_rows(
    t: &crate::types::report::TmbSummary,
    src: impl Fn(crate::types::report::ValueSource) -> &'static str,
) -> String {
    let mut h = String::new();
    let result = match (t.evaluability.evaluable, t.class) {
        (true, Some(c)) => {
            format!("{:.1} mut/Mb ({})", t.per_mb, c.as_str().replace('_', " "))
        }
        _ => "not evaluable".into(),
    };
    let mut basis = Vec::new();
    if t.evaluability.evaluable {
        if let Some(mb) = t.callable_mb {
            basis.push(format!("{mb:.3} Mb callable"));
        }
        if let Some(ci) = t.ci95 {
            basis.push(format!("95% CI {:.1}-{:.1}/Mb", ci[0], ci[1]));
        }
    }
    if let Some(reason) = &t.evaluability.reason {
        basis.push(reason.clone());
    }
    if let (true, Some(c)) = (t.evaluability.evaluable, &t.components) {
        basis.push(format!(
                "SNVs {:.1}/Mb, indels outside microsatellites {:.1}/Mb, microsatellite indels {:.1}/Mb ({} / {} / {})",
                c.snv_per_mb, c.other_indels_per_mb, c.ms_indels_per_mb, c.snv, c.other_indels, c.ms_indels
            ));
    }
    h.push_str(&format!(
        "<tr><td>TMB</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        esc(&result),
        esc(&basis.join("; ")),
        src(t.source)
    ));
    if let (true, Some(c)) = (t.evaluability.evaluable, &t.components) {
        h.push_str(&format!(
                "<tr><td>TMB without microsatellite indels</td><td>{:.1} mut/Mb</td><td>{}</td><td>{}</td></tr>",
                c.per_mb_without_ms_indels,
                esc("SNVs and indels outside microsatellites (the headline TMB counts all indels, as the approved assays do; in an MSI-H tumour most indels are repeat slippage)"),
                src(t.source)
            ));
    }
    h
}

/// Biomarkers: TMB and MSI with their evaluability; user-supplied values marked.
fn biomarker_section(r: &Report) -> String {
    use crate::types::report::ValueSource;
    let src = |s: ValueSource| match s {
        ValueSource::Measured => "measured in this analysis",
        ValueSource::UserSupplied => "user-supplied, not measured by this analysis",
    };
    let mut h = String::from("<h2>Biomarkers</h2><table><tr><th>Biomarker</th><th>Result</th><th>Basis</th><th>Source</th></tr>");
    match &r.tmb {
        Some(t) => h.push_str(&tmb_rows(t, src)),
        None => h.push_str("<tr><td>TMB</td><td>not assessed</td><td></td><td></td></tr>"),
    }
    match &r.msi {
        Some(m) => {
            let result = match (m.evaluability.evaluable, m.status) {
                (true, Some(s)) => s.as_str().to_string(),
                _ => "not evaluable".into(),
            };
            let mut basis = Vec::new();
            if let (Some(sc), Some(n), true) = (m.score, m.sites_tested, m.evaluability.evaluable) {
                basis.push(format!("score {sc:.1}% of {n} sites"));
            }
            if let Some(reason) = &m.evaluability.reason {
                basis.push(reason.clone());
            }
            h.push_str(&format!(
                "<tr><td>MSI</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&result),
                esc(&basis.join("; ")),
                src(m.source)
            ));
        }
        None => h.push_str("<tr><td>MSI</td><td>not assessed</td><td></td><td></td></tr>"),
    }
    h.push_str("</table>");
    h
}

/// Germline findings and clinical trials: what was and was not assessed.
fn germline_and_trials(r: &Report) -> String {
    use crate::types::report::GermlineStatus;
    let g = &r.germline;
    let mut h = String::from("<h2>Germline findings (secondary findings)</h2>");
    h.push_str(&format!("<p>{}.</p>", esc(&g.note)));
    if g.status == GermlineStatus::Examined {
        h.push_str(&format!(
            "<p class=\"muted\">Genes examined: {}.</p>",
            esc(&g.gene_list)
        ));
        if g.findings.is_empty() {
            h.push_str("<p>No pathogenic or likely pathogenic germline variant was found in the listed genes. This does not exclude a hereditary cancer syndrome (copy-number changes, structural variants and variants outside the examined regions are not assessed).</p>");
        } else {
            h.push_str("<table><tr><th>Gene</th><th>Variant</th><th>Zygosity (normal VAF, depth)</th><th>Class</th><th>Disorder</th><th>Disclosure grade (Japan)</th><th>Basis</th></tr>");
            for f in &g.findings {
                h.push_str(&format!(
                    "<tr class=\"lvR\"><td>{}</td><td>{}:{}<br>{}</td><td>{} ({:.2}, {})</td><td>{}</td><td>{}</td><td>{}</td><td>{} <a href=\"{}\">source</a></td></tr>",
                    esc(&f.gene),
                    esc(&f.transcript),
                    esc(&f.hgvs_c),
                    esc(f.hgvs_p.as_deref().unwrap_or("")),
                    esc(&f.zygosity),
                    f.normal_vaf,
                    f.normal_depth,
                    esc(&f.class),
                    esc(&f.disorder),
                    esc(&f.disclosure_grade),
                    esc(&f.rule),
                    href(&f.source_url)
                ));
            }
            h.push_str("</table><p><b>Confirm every germline finding with a clinical germline test before disclosure; offer genetic counselling.</b></p>");
        }
    }
    if !g.possibly_germline.is_empty() {
        h.push_str("<p><b>Possibly germline</b> (tumor-only: these calls were filtered from the somatic results because their tumor allele fraction looks germline; if germline they would be reportable; confirm with a clinical germline test):</p><ul>");
        for f in &g.possibly_germline {
            h.push_str(&format!(
                "<li>{} {} {} (tumor VAF {:.2}; {}; {}, disclosure grade {})</li>",
                esc(&f.gene),
                esc(&f.hgvs_c),
                esc(f.hgvs_p.as_deref().unwrap_or("")),
                f.normal_vaf,
                esc(&f.class),
                esc(&f.disorder),
                esc(&f.disclosure_grade)
            ));
        }
        h.push_str("</ul>");
    }
    let flagged: Vec<&String> = r
        .expert_panel
        .reasons
        .iter()
        .filter(|x| x.contains("possibly germline"))
        .collect();
    if !flagged.is_empty() {
        h.push_str("<p>Somatic calls that may be germline (tumor allele fraction only; confirm with a clinical germline test):</p><ul>");
        for f in flagged {
            h.push_str(&format!("<li>{}</li>", esc(f)));
        }
        h.push_str("</ul>");
    }
    h.push_str("<h2>Candidate clinical trials</h2>");
    match &r.trials.list {
        None => h.push_str("<p>No trial list was given: candidate trials were not searched. Consult jRCT and the C-CAT findings report.</p>"),
        Some(list) if r.trials.matches.is_empty() => h.push_str(&format!(
            "<p>No trial of the list {} matches an alteration of this patient in this cancer type.</p>",
            esc(list)
        )),
        Some(list) => {
            h.push_str(&format!("<p class=\"muted\">From the trial list {}; recruitment status as listed: check the registry.</p><table><tr><th>Trial</th><th>Title</th><th>Phase</th><th>Status</th><th>Sites</th><th>Patient's alteration</th><th>Criterion</th></tr>", esc(list)));
            for t in &r.trials.matches {
                h.push_str(&format!(
                    "<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td></tr>",
                    href(&t.url),
                    esc(&t.id),
                    esc(&t.title),
                    esc(&t.phase),
                    esc(&t.status),
                    esc(&t.sites),
                    esc(&t.gene),
                    esc(&t.alteration),
                    esc(&t.criterion)
                ));
            }
            h.push_str("</table>");
        }
    }
    h
}

/// Appendix: every PASS somatic variant, annotated, with its oncogenicity and evidence.
fn variant_appendix(r: &Report) -> String {
    let mut h = String::from("<h2>Appendix: somatic variants</h2><table><thead><tr><th>Gene</th><th>Position</th><th>HGVS</th><th>Consequence</th><th>Location</th><th>VAF</th><th>Depth</th><th>Oncogenicity</th><th>Evidence</th></tr></thead>");
    if r.variants.is_empty() {
        h.push_str("<tr><td colspan=\"9\">No PASS somatic variant.</td></tr>");
    }
    for v in &r.variants {
        let pos = format!("{}:{} {}>{}", v.chrom, v.pos.get(), v.ref_allele, v.alt);
        let (vaf, depth) = (
            v.vaf.map(|x| format!("{x:.3}")).unwrap_or_default(),
            v.depth.map(|x| x.to_string()).unwrap_or_default(),
        );
        let onc = v
            .oncogenicity
            .as_ref()
            .map(|o| {
                format!(
                    "{} <span class=\"muted\">({})</span>",
                    esc(&format!("{:?}", o.class)
                        .replace("LikelyOncogenic", "likely oncogenic")
                        .replace("NotClassified", "not classified")
                        .replace("Oncogenic", "oncogenic")
                        .replace("Vus", "VUS")),
                    esc(&o.rule)
                )
            })
            .unwrap_or_else(|| "not annotated".into());
        let Some(a) = &v.annotation else {
            h.push_str(&format!(
                "<tr><td></td><td>{}</td><td></td><td>outside the transcript models</td><td></td><td>{vaf}</td><td>{depth}</td><td>{onc}</td><td></td></tr>",
                esc(&pos)
            ));
            continue;
        };
        let ev: Vec<String> = r
            .findings
            .iter()
            .filter(|f| f.gene == a.gene && Some(&f.alteration) == a.protein_change.as_ref())
            .map(|f| {
                let best: Vec<String> = f
                    .therapies
                    .iter()
                    .take(3)
                    .map(|t| format!("{} {}", t.regimen, t.level_label))
                    .collect();
                if best.is_empty() {
                    f.level_label.clone()
                } else {
                    best.join(", ")
                }
            })
            .collect();
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}:{}<br>{}</td><td>{}</td><td>{}</td><td>{vaf}</td><td>{depth}</td><td>{onc}</td><td>{}</td></tr>",
            esc(&a.gene),
            esc(&pos),
            esc(&a.transcript),
            esc(&a.hgvs_c),
            esc(a.hgvs_p.as_deref().unwrap_or("")),
            esc(&a.consequence),
            esc(a.location.as_deref().unwrap_or("")),
            esc(&ev.join("; "))
        ));
    }
    h.push_str("</table>");
    h
}

/// References: every KB item cited by a finding, once.
fn references(r: &Report) -> String {
    let mut seen = std::collections::BTreeMap::new();
    for f in &r.findings {
        for c in f
            .citations
            .iter()
            .chain(f.therapies.iter().flat_map(|t| t.citations.iter()))
        {
            seen.entry(c.id.clone()).or_insert(c);
        }
    }
    let mut h = format!("<h2>References ({})</h2>", seen.len());
    if seen.is_empty() {
        return h + "<p>None.</p>";
    }
    h.push_str("<details><summary>show all</summary><ol>");
    for (id, c) in seen {
        h.push_str(&format!(
            "<li>{}: <a href=\"{}\">{}</a>{}</li>",
            esc(&id),
            href(&c.url),
            esc(&c.source),
            if c.verified == "knowledge" {
                " (curator knowledge, not re-checked against the document)"
            } else {
                ""
            }
        ));
    }
    h.push_str("</ol></details>");
    h
}

/// Renders the self-contained HTML report.
pub fn render_html(r: &Report) -> String {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>oncostream report</title><style>");
    h.push_str("body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}h1{font-size:1.5em}h2{border-bottom:2px solid #4a7ab5;padding-bottom:.2em;font-size:1.15em}table{border-collapse:collapse;width:100%;font-size:.9em}td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top;overflow-wrap:break-word}details summary{cursor:pointer;color:#4a7ab5}th{background:#eef3f9}.lvA{background:#d4efdf}.lvB{background:#e8f6d4}.lvC{background:#fdf2d0}.lvR{background:#f8d7da}.warn{background:#fff3cd;border:1px solid #e0c36c;padding:.6em;margin:.5em 0}.muted{color:#666;font-size:.85em}.signoff td{height:2.2em}@page{size:A4;margin:14mm}@media print{body{max-width:none;margin:0;font-size:10pt}h2{break-after:avoid}tr,svg,.warn{break-inside:avoid}thead{display:table-header-group}a{color:#222;text-decoration:none}}");
    h.push_str("</style></head><body>");
    h.push_str("<h1>Cancer genomic profiling report</h1>");
    h.push_str(&format!(
        "<p class=\"muted\">Report date {} · {} · knowledge base {} ({})</p>",
        esc(&r.report_date),
        esc(&r.software),
        esc(&r.kb.version),
        esc(&r.kb.date)
    ));
    for l in &r.limitations {
        h.push_str(&format!("<div class=\"warn\">{}</div>", esc(l)));
    }
    h.push_str(&basic_items(r));
    h.push_str(&qc_section(r));
    h.push_str(&biomarker_section(r));
    h.push_str(&format!(
        "<h2>Expert panel</h2><p>{}</p><p><b>Discussion priority: {}</b></p><ul>",
        esc(&r.expert_panel.statement),
        esc(r.expert_panel.priority.as_str())
    ));
    for reason in &r.expert_panel.reasons {
        h.push_str(&format!("<li>{}</li>", esc(reason)));
    }
    h.push_str("</ul>");
    h.push_str(&findings_sections(r));
    h.push_str(&structural_sections(r));
    h.push_str(&germline_and_trials(r));
    h.push_str(&variant_appendix(r));
    h.push_str("<h2>Variant allele fractions</h2>");
    h.push_str(&vaf_plot(r));
    h.push_str("<p class=\"muted\">A clonal heterozygous mutation in a diploid region has VAF = purity / 2 (dashed line).</p>");
    h.push_str("<h2>Evidence-level definitions</h2><table>");
    for (k, d) in LEVELS {
        h.push_str(&format!("<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(d)));
    }
    h.push_str("</table>");
    h.push_str("<h2>Software, knowledge base and inputs</h2><table><tr><th>Item</th><th>File</th><th>Size (bytes)</th><th>MD5</th></tr>");
    let row = |h: &mut String, what: &str, f: &FileRecord| {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(what),
            esc(&f.path),
            f.size,
            esc(f.md5.as_deref().unwrap_or("not computed"))
        ));
    };
    h.push_str(&format!(
        "<tr><td>Software</td><td>{}</td><td></td><td></td></tr>",
        esc(&r.software)
    ));
    h.push_str(&format!(
        "<tr><td>Knowledge base {} ({})</td><td>{}</td><td></td><td><code>{}</code></td></tr>",
        esc(&r.kb.version),
        esc(&r.kb.date),
        esc(&r.kb.path),
        esc(&r.kb.md5)
    ));
    row(&mut h, "Somatic VCF", &r.inputs.vcf);
    h.push_str(&format!(
        "<tr><td>Reference ({} contigs{})</td><td>{}</td><td>{}</td><td><code>digest {}</code></td></tr>",
        r.inputs.reference.contigs,
        if r.inputs.reference.bgzipped { ", bgzip" } else { "" },
        esc(&r.inputs.reference.path),
        r.inputs.reference.size,
        esc(&r.inputs.reference.digest)
    ));
    if let Some(g) = &r.inputs.gff {
        row(&mut h, "Transcript models", g);
    }
    if let Some(x) = &r.inputs.results {
        row(&mut h, "Run results", x);
    }
    h.push_str("</table>");
    h.push_str(&references(r));
    h.push_str("<h2>Limitations and disclaimer</h2><ul>");
    for l in &r.limitations {
        h.push_str(&format!("<li>{}</li>", esc(l)));
    }
    h.push_str("</ul><p>");
    h.push_str("This report is produced by software for review by the expert panel (molecular tumour board), which reviews every case. Evidence levels follow the JSMO/JSCO/JCA guidance as implemented by the knowledge base version shown; drug availability and approval status must be confirmed against current package inserts. Variants are somatic calls; a variant that may be germline must be confirmed by a clinical germline test before it is disclosed as such.");
    h.push_str("</p><h2>Sign-off</h2><table class=\"signoff\"><tr><th>Reviewed by (expert panel)</th><td></td></tr><tr><th>Date of review</th><td></td></tr><tr><th>Comments</th><td></td></tr></table>");
    h.push_str("</body></html>\n");
    super::i18n::translate(h, r.lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_evaluable_tmb_is_shown_with_and_without_microsatellite_indels() {
        use crate::types::report::{Evaluability, TmbComponents, TmbSummary, ValueSource};
        let mut t = TmbSummary {
            per_mb: 937.68,
            class: None,
            source: ValueSource::Measured,
            callable_mb: Some(0.016),
            ci95: Some([524.8, 1546.5]),
            evaluability: Evaluability {
                evaluable: false,
                reason: Some("TMB not evaluable: 0.016 Mb".into()),
            },
            components: Some(TmbComponents {
                snv: 13,
                snv_per_mb: 812.65,
                ms_indels: 0,
                ms_indels_per_mb: 0.0,
                other_indels: 2,
                other_indels_per_mb: 125.02,
                per_mb_without_ms_indels: 937.68,
            }),
        };
        let src = |_| "measured";
        // not evaluable: no components, no second row
        let h = tmb_rows(&t, src);
        assert!(
            h.contains("not evaluable") && !h.contains("without microsatellite"),
            "{h}"
        );
        t.evaluability.evaluable = true;
        t.class = Some(crate::types::results::TmbClass::VeryHigh);
        let h = tmb_rows(&t, src);
        assert!(
            h.contains("TMB without microsatellite indels</td><td>937.7 mut/Mb"),
            "{h}"
        );
        assert!(
            h.contains("microsatellite indels 0.0/Mb (13 / 2 / 0)"),
            "{h}"
        );
    }

    #[test]
    fn only_web_and_relative_links_are_rendered() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
        ] {
            assert_eq!(href(bad), "#", "{bad:?}");
        }
        assert_eq!(href("https://civicdb.org/e/1"), "https://civicdb.org/e/1");
        assert_eq!(href("HTTP://x.org/?a=1&b=2"), "HTTP://x.org/?a=1&amp;b=2");
        assert_eq!(href("P1_T/report.html"), "P1_T/report.html");
        assert_eq!(href("logs/P1_T.log"), "logs/P1_T.log");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
    }
}
