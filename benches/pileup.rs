//! Criterion benches of the hot loop (CIGAR walk + counting) on realistic and adversarial
//! read sets, and of the whole engine (decode + count + format) on the real nf-core BAM.
//!
//! Run: `cargo bench --bench pileup` (reports in target/criterion).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use oncostream::engine::{
    pileup::{MateOverlap, PileupSettings, RefCodes, SampleCounter},
    MateStrategy,
};
use oncostream::types::aln::{flag, pack_ascii_seq, Aln};

/// An owned read the benches view as [`Aln`].
struct Read {
    start: i64,
    flags: u16,
    mate_start: i64,
    name: Vec<u8>,
    cigar: Vec<u32>,
    seq: Vec<u8>,
    len: usize,
    qual: Vec<u8>,
}

impl Read {
    fn view(&self) -> Aln<'_> {
        Aln {
            tid: 0,
            start: self.start,
            flags: self.flags,
            mapq: 60,
            mate_tid: 0,
            mate_start: self.mate_start,
            tlen: 0,
            name: &self.name,
            cigar: &self.cigar,
            seq: &self.seq,
            seq_len: self.len,
            qual: &self.qual,
            aux: &[],
        }
    }
}

/// Deterministic xorshift so benches are repeatable.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn make_read(
    rng: &mut Rng,
    i: usize,
    start: i64,
    cigar: &[(u32, u32)],
    flags: u16,
    mate_start: i64,
) -> Read {
    let len: usize = cigar
        .iter()
        .filter(|(op, _)| matches!(op, 0 | 1 | 4 | 7 | 8))
        .map(|(_, l)| *l as usize)
        .sum();
    let ascii: Vec<u8> = (0..len)
        .map(|_| b"ACGT"[(rng.next() % 4) as usize])
        .collect();
    let mut seq = Vec::new();
    pack_ascii_seq(&ascii, &mut seq);
    let qual = (0..len).map(|_| 10 + (rng.next() % 30) as u8).collect();
    Read {
        start,
        flags,
        mate_start,
        name: format!("r{i}").into_bytes(),
        cigar: cigar.iter().map(|(op, l)| l << 4 | op).collect(),
        seq,
        len,
        qual,
    }
}

/// Reads sorted by start over `span` bases at `depth`x, 150 bp, with the given CIGAR shape.
fn read_set(span: i64, depth: u64, cigar: &[(u32, u32)], seed: u64) -> Vec<Read> {
    let mut rng = Rng(seed);
    let n = (span as u64 * depth / 150) as usize;
    let mut starts: Vec<i64> = (0..n)
        .map(|_| (rng.next() % (span as u64 - 200)) as i64)
        .collect();
    starts.sort_unstable();
    starts
        .iter()
        .enumerate()
        .map(|(i, &s)| make_read(&mut rng, i, s, cigar, 0, -1))
        .collect()
}

/// Fully overlapping pairs (fragment = read length), as in the nf-core fixture.
fn overlapping_pairs(span: i64, depth: u64, seed: u64) -> Vec<Read> {
    let mut rng = Rng(seed);
    let n = (span as u64 * depth / 300) as usize;
    let mut starts: Vec<i64> = (0..n)
        .map(|_| (rng.next() % (span as u64 - 200)) as i64)
        .collect();
    starts.sort_unstable();
    let mut out = Vec::new();
    for (i, &s) in starts.iter().enumerate() {
        let f1 = flag::PAIRED | flag::READ1;
        let f2 = flag::PAIRED | 0x80 | flag::REVERSE;
        out.push(make_read(&mut rng, i, s, &[(0, 150)], f1, s));
        let mut r2 = make_read(&mut rng, i, s, &[(0, 150)], f2, s);
        r2.name = out.last().unwrap().name.clone();
        out.push(r2);
    }
    out
}

fn count_all(reads: &[Read], span: i64, s: &PileupSettings, c: &mut SampleCounter) -> u32 {
    c.reset(0, span);
    count_reads(reads, span, s, c)
}

fn count_reads(reads: &[Read], span: i64, s: &PileupSettings, c: &mut SampleCounter) -> u32 {
    for r in reads {
        c.add(&r.view(), s);
    }
    c.finish(s);
    c.tallies[span as usize / 2].depth()
}

fn hot_loop(cr: &mut Criterion) {
    let count = PileupSettings {
        min_base_quality: 13,
        ..PileupSettings::default()
    };
    let dedup = PileupSettings {
        mate_overlap: MateOverlap::Dedup,
        mate_strategy: MateStrategy::MapqFirst,
        ..count
    };
    let cases: Vec<(&str, i64, Vec<Read>, PileupSettings)> = vec![
        (
            "clean_30x",
            1_000_000,
            read_set(1_000_000, 30, &[(0, 150)], 1),
            count,
        ),
        (
            "panel_5000x",
            4_000,
            read_set(4_000, 5000, &[(4, 5), (0, 145)], 2),
            count,
        ),
        (
            "indel_rich_30x",
            200_000,
            read_set(
                200_000,
                30,
                &[(0, 30), (1, 3), (0, 40), (2, 6), (0, 50), (1, 2), (0, 25)],
                3,
            ),
            count,
        ),
        (
            "overlapping_mates_dedup_1000x",
            20_000,
            overlapping_pairs(20_000, 1000, 4),
            dedup,
        ),
        (
            "overlapping_mates_count_1000x",
            20_000,
            overlapping_pairs(20_000, 1000, 4),
            count,
        ),
    ];
    let mut g = cr.benchmark_group("hot_loop");
    for (name, span, reads, settings) in &cases {
        let bases: u64 = reads.iter().map(|r| r.len as u64).sum();
        g.throughput(Throughput::Elements(bases));
        let mut c = SampleCounter::default();
        g.bench_with_input(BenchmarkId::from_parameter(name), reads, |b, reads| {
            b.iter(|| count_all(reads, *span, settings, &mut c))
        });
    }
    // the same clean 30x reads over a reference they match but for ~0.5% of their bases: the
    // pass's case (reference bases counted 16 at a time, implicitly)
    let span = 1_000_000i64;
    let mut rng = Rng(7);
    let reference: Vec<u8> = (0..span)
        .map(|_| b"ACGT"[(rng.next() % 4) as usize])
        .collect();
    let reads: Vec<Read> = read_set(span, 30, &[(0, 150)], 1)
        .into_iter()
        .map(|mut r| {
            let ascii: Vec<u8> = (0..r.len)
                .map(|i| {
                    let b = reference[r.start as usize + i];
                    if rng.next() % 200 == 0 {
                        b"ACGT"[(rng.next() % 4) as usize]
                    } else {
                        b
                    }
                })
                .collect();
            pack_ascii_seq(&ascii, &mut r.seq);
            r
        })
        .collect();
    let refs = std::sync::Arc::new(RefCodes::new(0, &reference));
    let bases: u64 = reads.iter().map(|r| r.len as u64).sum();
    g.throughput(Throughput::Elements(bases));
    let mut c = SampleCounter::default();
    g.bench_function("clean_30x_with_reference", |b| {
        b.iter(|| {
            c.reset(0, span);
            c.set_reference(refs.clone());
            count_reads(&reads, span, &count, &mut c)
        })
    });
    g.finish();
}

fn end_to_end(cr: &mut Criterion) {
    let bin = env!("CARGO_BIN_EXE_oncostream");
    let root = env!("CARGO_MANIFEST_DIR");
    let bam = format!("{root}/fixtures/nfcore_chr22/test2.paired_end.sorted.bam");
    let out = std::env::temp_dir().join("oncostream-bench.tsv");
    let mut g = cr.benchmark_group("end_to_end");
    g.sample_size(20);
    g.bench_function("pileup_nfcore_tumor_bam", |b| {
        b.iter(|| {
            let st = std::process::Command::new(bin)
                .args(["pileup", "--bam", &bam, "--quiet", "--threads", "1", "-o"])
                .arg(&out)
                .status()
                .unwrap();
            assert!(st.success());
        })
    });
    g.finish();
}

criterion_group!(benches, hot_loop, end_to_end);
criterion_main!(benches);
