//! Criterion benches of the per-record path of `run`: the one pass over a tumor/normal pair
//! (BAM decode, the pileup counting and every stage's observer: caller, MSI, QC, copy-number
//! bins, SV evidence; the ordered gather into the stages' states), without the finishing work
//! or any output. Throughput is in records (tumor + normal), so the figure compares directly
//! with the per-record cost `scripts/bench-wgs.sh` reports on whole-genome-style pairs.
//!
//! Run: `cargo bench --bench run` (reports in target/criterion).

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use oncostream::pipeline::run::RunOptions;

fn pass(cr: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let reference = root.join("reference/hg38_chr2_1-2333275.fa");
    let out = std::env::temp_dir().join("oncostream-bench-run");
    let mut g = cr.benchmark_group("run_pass");
    g.sample_size(20);
    for (name, pair, threads) in [
        ("sim_tn60_1_thread", "sim_tn60", 1),
        ("sim_tn60_2_threads", "sim_tn60", 2),
        ("sim_msih_1_thread", "sim_msih", 1),
    ] {
        let dir = root.join(pair);
        let mut opts = RunOptions::new(
            &dir.join("tumor.bam"),
            Some(&dir.join("normal.bam")),
            &reference,
            &out,
        );
        opts.inputs.threads = Some(threads);
        opts.inputs.quiet = true;
        opts.force = true;
        let plan = opts.validate().expect("fixture inputs validate");
        let records: u64 = plan.pass_only().expect("pass").reads.iter().sum();
        g.throughput(Throughput::Elements(records));
        g.bench_function(name, |b| b.iter(|| plan.pass_only().expect("pass")));
    }
    g.finish();
}

criterion_group!(benches, pass);
criterion_main!(benches);
