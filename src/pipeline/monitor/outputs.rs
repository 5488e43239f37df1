//! The files `monitor` writes (each atomically; the manifest last).

use std::fmt::Write as _;

use anyhow::Result;

use super::MonitorOptions;
use crate::io::json::{write_document, write_json};
use crate::io::output::write_atomic;
use crate::pipeline::outdir::{Manifest, OutdirState, OutputFile};
use crate::pipeline::prepare::Inputs;
use crate::report::monitor_html::render_monitor_html;
use crate::report::multiqc::monitor_general;
use crate::somatic::mrd::observer::SampleShard;
use crate::types::monitor::MonitorDoc;

fn variants_tsv(doc: &MonitorDoc) -> String {
    let mut s = String::from(
        "sample\ttimepoint\tchrom\tpos\tref\talt\tgene\talt_families\tfamilies\tvaf\tbackground_rate\tweight\tstatus\n",
    );
    for smp in &doc.samples {
        for v in &smp.variants {
            let status = serde_json::to_value(v.status)
                .ok()
                .and_then(|x| x.as_str().map(String::from))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{:.3e}\t{:.4}\t{}",
                smp.sample,
                smp.timepoint.as_deref().unwrap_or("."),
                v.chrom,
                v.pos.get(),
                v.ref_allele,
                v.alt,
                v.gene.as_deref().unwrap_or("."),
                v.alt_families,
                v.families,
                v.vaf
                    .map(|x| format!("{x:.6}"))
                    .unwrap_or_else(|| ".".into()),
                v.background_rate,
                v.weight,
                status
            );
        }
    }
    s
}

/// The families table of one sample: UMI-tools' coordinates (read 1's 5' end, 0-based), strand,
/// TLEN, the representative UMI, every UMI of the group, read pairs, duplex.
fn families_tsv(shard: &SampleShard, inputs: &Inputs) -> String {
    let mut s = String::from("contig\tposition\tstrand\ttlen\tumi\tumis\tread_pairs\tduplex\n");
    let mut rows: Vec<_> = shard.family_rows.iter().collect();
    rows.sort_by(|a, b| (a.contig, a.bundle, &a.umi).cmp(&(b.contig, b.bundle, &b.umi)));
    for f in rows {
        let _ = writeln!(
            s,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            inputs.pass.contigs[f.contig].name,
            f.bundle.pos5,
            if f.bundle.reverse { '-' } else { '+' },
            f.bundle.tlen,
            f.umi,
            f.umis.join(","),
            f.size,
            if f.duplex { "yes" } else { "no" }
        );
    }
    s
}

/// File name of sample `i`'s families table.
pub(crate) fn families_file(i: usize, sample: &str) -> String {
    let clean: String = sample
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("families_{}_{clean}.tsv", i + 1)
}

/// Writes every output and the manifest.
pub(crate) fn write_all(
    o: &MonitorOptions,
    outdir: &OutdirState,
    doc: &MonitorDoc,
    merged: &[SampleShard],
    inputs: &Inputs,
) -> Result<()> {
    let dir = &outdir.dir;
    let mut manifest = Manifest::new(outdir, &doc.run_id, "monitor", &doc.created);
    for i in 0..inputs.len() {
        let info = inputs.info(i);
        let role = if i < o.samples.len() {
            "plasma"
        } else {
            "normal"
        };
        manifest.input(role, &info.path.display().to_string(), info.size, None);
    }
    for (role, p) in [("baseline", &o.baseline), ("variants", &o.variants)] {
        if let Some(p) = p {
            manifest.input(role, &p.display().to_string(), 0, None);
        }
    }
    write_document(&OutputFile::Monitor.path(dir), doc)?;
    manifest.output(OutputFile::Monitor)?;
    write_atomic(
        &OutputFile::MonitorHtml.path(dir),
        render_monitor_html(doc).as_bytes(),
    )?;
    manifest.output(OutputFile::MonitorHtml)?;
    write_atomic(
        &OutputFile::MonitorVariants.path(dir),
        variants_tsv(doc).as_bytes(),
    )?;
    manifest.output(OutputFile::MonitorVariants)?;
    write_json(&OutputFile::MultiqcMonitor.path(dir), &monitor_general(doc))?;
    manifest.output(OutputFile::MultiqcMonitor)?;
    if o.write_families {
        for (i, smp) in doc.samples.iter().enumerate() {
            let name = families_file(i, &smp.sample);
            write_atomic(
                &dir.join(&name),
                families_tsv(&merged[i], inputs).as_bytes(),
            )?;
            manifest.output_named("families", &name)?;
        }
    }
    manifest.finish()?;
    Ok(())
}
