//! The main thread's side of the pass: shards' results received in genome order, handed to the
//! sink, counted; the workers watched for progress; the reads counted per contig checked
//! against the inputs' indexes.
//!
//! METHOD (no-progress watchdog): every worker bumps a heartbeat for each record it is handed
//! and every 65,536 positions it observes. While the main thread waits for the next shard, it
//! looks at the heartbeats once a second; a worker that is inside a shard and whose heartbeat
//! has not moved for the stall limit (`--stall-timeout`, default [`DEFAULT_STALL_LIMIT`]) is
//! stuck: a decoder looping on damaged data (htslib spun forever on a damaged CRAM block, at
//! 100% CPU, burning a whole Slurm allocation), or a file system that stopped answering. The
//! pass then fails with exit 65 naming the input and the region. A decoder thread cannot be
//! interrupted or joined, so the process exits at once (temp files removed first).
//!
//! METHOD (index cross-check): for each contig the regions cover whole, the records the pass
//! was handed (mapped + unmapped placed, each counted in the shard that holds its start) must
//! equal what the input's index counts for it (BAI/CSI pseudo-bin, CRAM container headers); a
//! damaged index that drops chunks is then an error, never a short result with exit 0.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use crossbeam_channel::{Receiver, RecvTimeoutError};

use super::progress::Progress;
use super::RunStats;
use crate::error::{fail, ExitKind};
use crate::types::source::AlignmentSource;
use crate::types::{Contig, Region, Shard};

/// How long a worker may go without a record or a position inside one shard before the pass
/// is declared stuck.
pub const DEFAULT_STALL_LIMIT: Duration = Duration::from_secs(600);

/// What one shard produced, with its counts per input.
pub(super) struct ShardDone<P> {
    pub partial: P,
    pub unmapped: Vec<u64>,
    pub reads: Vec<u64>,
    pub bases: Vec<u64>,
    pub read_s: f64,
    pub observe_s: f64,
}

/// A worker's message for one shard: its result, or the text of a panic.
pub(super) type ShardMsg<P> = std::result::Result<Result<ShardDone<P>>, String>;

/// One worker's liveness, shared with the main thread.
#[derive(Debug, Default)]
pub struct Heartbeat {
    /// Bumped for every record handed over and every 65,536 positions observed (by the
    /// owning worker only).
    pub beats: AtomicU64,
    /// Index in `shards` + 1 of the shard being worked on (0: between shards).
    pub shard: AtomicUsize,
    /// The input being read.
    pub input: AtomicUsize,
}

impl Heartbeat {
    /// One step of progress.
    #[inline]
    pub(crate) fn beat(&self) {
        // only the owning worker writes: a load and a store, without the locked add of
        // `fetch_add` on every record
        let n = self.beats.load(Ordering::Relaxed);
        self.beats.store(n.wrapping_add(1), Ordering::Relaxed);
    }
}

/// A worker stuck in a shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stall {
    /// Index of the shard in the plan.
    pub shard: usize,
    /// Index of the input being read.
    pub input: usize,
    /// How long it has been stuck.
    pub for_: Duration,
}

/// Watches the heartbeats of the workers.
pub(super) struct Watchdog<'h> {
    hearts: &'h [Heartbeat],
    seen: Vec<(u64, usize, Instant)>,
    limit: Duration,
}

impl<'h> Watchdog<'h> {
    pub fn new(hearts: &'h [Heartbeat], limit: Duration) -> Self {
        let now = Instant::now();
        Watchdog {
            hearts,
            seen: hearts.iter().map(|_| (0, 0, now)).collect(),
            limit,
        }
    }

    /// A worker inside a shard whose heartbeat has not moved for the limit.
    pub fn check(&mut self, now: Instant) -> Option<Stall> {
        for (h, seen) in self.hearts.iter().zip(&mut self.seen) {
            let beats = h.beats.load(Ordering::Relaxed);
            let shard = h.shard.load(Ordering::Relaxed);
            if beats != seen.0 || shard != seen.1 {
                *seen = (beats, shard, now);
                continue;
            }
            let stuck = now.duration_since(seen.2);
            if shard > 0 && stuck >= self.limit {
                return Some(Stall {
                    shard: shard - 1,
                    input: h.input.load(Ordering::Relaxed),
                    for_: stuck,
                });
            }
        }
        None
    }
}

/// The counts of a pass: the run's statistics and the records per input and contig.
pub(super) struct Totals {
    pub stats: RunStats,
    /// `[input][contig]`: records handed over (mapped + unmapped placed).
    pub per_contig: Vec<Vec<u64>>,
    /// Shards handed to the sink.
    pub done: usize,
}

impl Totals {
    pub fn new(inputs: usize, contigs: usize) -> Self {
        Totals {
            stats: RunStats {
                reads: vec![0; inputs],
                bases: vec![0; inputs],
                unmapped: vec![0; inputs],
                bytes_read: vec![0; inputs],
                ..Default::default()
            },
            per_contig: vec![vec![0; contigs]; inputs],
            done: 0,
        }
    }

    fn add<P>(&mut self, shard: &Shard, d: &ShardDone<P>) {
        for i in 0..self.stats.reads.len() {
            self.stats.reads[i] += d.reads[i];
            self.stats.unmapped[i] += d.unmapped[i];
            self.stats.bases[i] += d.bases[i];
            self.per_contig[i][shard.core.contig.index()] += d.reads[i] + d.unmapped[i];
        }
        self.stats.worker_read_seconds += d.read_s;
        self.stats.worker_observe_seconds += d.observe_s;
    }
}

/// Receives each shard's result in genome order (the FIFO holds one receiver per shard, in
/// order), hands it to `sink` and counts it; stops at the first error. While it waits, it
/// checks `dog` every `tick` and calls `stalled` on a stuck worker (which does not return in
/// the binary: see the module docs).
pub(super) fn gather<P, S>(
    shards: &[Shard],
    fifo: &Receiver<Receiver<ShardMsg<P>>>,
    totals: &mut Totals,
    mut sink: S,
    progress: &Progress,
    (dog, tick): (&mut Watchdog<'_>, Duration),
    stalled: &dyn Fn(Stall) -> anyhow::Error,
) -> Result<()>
where
    S: FnMut(&Shard, P) -> Result<()>,
{
    for rx in fifo.iter() {
        let Some(shard) = shards.get(totals.done) else {
            return Err(fail(
                ExitKind::Software,
                "internal error: more shard results than shards",
            ));
        };
        let msg = loop {
            match rx.recv_timeout(tick) {
                Ok(m) => break m,
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(s) = dog.check(Instant::now()) {
                        return Err(stalled(s));
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(fail(
                        ExitKind::Software,
                        format!("internal error: shard {} produced no result", shard.index),
                    ))
                }
            }
        };
        let d = match msg {
            Ok(Ok(d)) => d,
            Ok(Err(e)) => return Err(e),
            Err(what) => {
                return Err(fail(
                    ExitKind::Software,
                    format!(
                        "internal error in a worker (shard {}): {what}; please report this bug",
                        shard.index
                    ),
                ))
            }
        };
        totals.add(shard, &d);
        let t = Instant::now();
        sink(shard, d.partial)?;
        totals.stats.sink_seconds += t.elapsed().as_secs_f64();
        totals.stats.positions += shard.core.len();
        progress.advance(shard.core.len(), totals.stats.reads.iter().sum());
        totals.done += 1;
    }
    if totals.done != shards.len() {
        return Err(fail(
            ExitKind::Software,
            format!(
                "internal error: {} of {} shards arrived",
                totals.done,
                shards.len()
            ),
        ));
    }
    Ok(())
}

/// True when `regions` cover contig `c` (of length `len`) whole.
fn covers_whole(regions: &[Region], c: usize, len: u64) -> bool {
    regions
        .iter()
        .any(|r| r.contig.index() == c && r.start == 0 && r.end >= len)
}

/// The index cross-check of the module docs.
pub(super) fn check_index_counts(
    inputs: &[Box<dyn AlignmentSource>],
    contigs: &[Contig],
    regions: &[Region],
    per_contig: &[Vec<u64>],
) -> Result<()> {
    for (c, contig) in contigs.iter().enumerate() {
        if !covers_whole(regions, c, contig.len) {
            continue;
        }
        for (input, counts) in inputs.iter().zip(per_contig) {
            let Some(want) = input.index_records(c) else {
                continue;
            };
            let got = counts[c];
            if got != want {
                let info = input.info();
                return Err(fail(
                    ExitKind::Data,
                    format!(
                        "'{}': the pass read {got} records on {} but its index '{}' counts {want}: the index is damaged or belongs to another version of the file (or records lie past the contig's end); rebuild it with `samtools index {}`",
                        info.path.display(),
                        contig.name,
                        info.index_path.display(),
                        info.path.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ContigId, Region};
    use crossbeam_channel::bounded;

    fn shards(n: usize) -> Vec<Shard> {
        (0..n)
            .map(|i| Shard {
                index: i,
                core: Region {
                    contig: ContigId::new(i % 2),
                    start: 100 * i as u64,
                    end: 100 * i as u64 + 100,
                },
                first_of_region: i < 2,
                region_index: 0,
            })
            .collect()
    }

    fn done(reads: u64) -> ShardDone<u64> {
        ShardDone {
            partial: reads,
            unmapped: vec![1],
            reads: vec![reads],
            bases: vec![reads * 100],
            read_s: 0.0,
            observe_s: 0.0,
        }
    }

    /// Feeds `msgs` (one per shard, sent out of order by the "workers") and gathers them; a
    /// `None` is a worker that died (its sender dropped).
    fn run(
        n: usize,
        msgs: Vec<Option<ShardMsg<u64>>>,
        hearts: &[Heartbeat],
        limit: Duration,
    ) -> (Result<()>, Totals, Vec<(usize, u64)>) {
        run_with(n, msgs, hearts, limit, false)
    }

    /// [`run`], where with `stuck` a `None` is a worker still inside its shard: its sender
    /// stays alive (a dropped sender is seen at once as a dead worker, before any stall).
    fn run_with(
        n: usize,
        msgs: Vec<Option<ShardMsg<u64>>>,
        hearts: &[Heartbeat],
        limit: Duration,
        stuck: bool,
    ) -> (Result<()>, Totals, Vec<(usize, u64)>) {
        let sh = shards(n);
        let (fifo_tx, fifo_rx) = bounded(n.max(1));
        let mut senders = Vec::new();
        for _ in 0..msgs.len() {
            let (tx, rx) = bounded(1);
            fifo_tx.send(rx).unwrap();
            senders.push(tx);
        }
        drop(fifo_tx);
        // the workers finish in reverse order
        let mut held = Vec::new();
        for (tx, m) in senders.into_iter().zip(msgs).rev() {
            match m {
                Some(m) => tx.send(m).unwrap(),
                None if stuck => held.push(tx),
                None => {}
            }
        }
        let mut totals = Totals::new(1, 2);
        let mut seen = Vec::new();
        let mut dog = Watchdog::new(hearts, limit);
        let progress = Progress::new(0, true, Duration::from_secs(3600));
        let r = gather(
            &sh,
            &fifo_rx,
            &mut totals,
            |s, p| {
                seen.push((s.index, p));
                Ok(())
            },
            &progress,
            (&mut dog, Duration::from_millis(5)),
            &|s| fail(ExitKind::Data, format!("stalled in shard {}", s.shard)),
        );
        (r, totals, seen)
    }

    #[test]
    fn partials_reach_the_sink_in_genome_order_and_are_counted() {
        let msgs = (0..4).map(|i| Some(Ok(Ok(done(i + 1))))).collect();
        let (r, t, seen) = run(4, msgs, &[], DEFAULT_STALL_LIMIT);
        r.unwrap();
        assert_eq!(seen, vec![(0, 1), (1, 2), (2, 3), (3, 4)]);
        assert_eq!(t.done, 4);
        assert_eq!(t.stats.reads, vec![10]);
        assert_eq!(t.stats.unmapped, vec![4]);
        assert_eq!(t.stats.bases, vec![1000]);
        // contig 0 holds shards 0 and 2 (1 + 3 reads, 2 unmapped), contig 1 shards 1 and 3
        assert_eq!(t.per_contig, vec![vec![6, 8]]);
    }

    #[test]
    fn a_missing_shard_a_panic_and_an_error_are_errors_never_a_short_output() {
        // shard 2 never answers (its worker died)
        let msgs = vec![Some(Ok(Ok(done(1)))), Some(Ok(Ok(done(1)))), None];
        let (r, t, _) = run(3, msgs, &[], DEFAULT_STALL_LIMIT);
        assert!(r
            .unwrap_err()
            .to_string()
            .contains("shard 2 produced no result"));
        assert_eq!(t.done, 2);
        // fewer results than shards
        let (r, _, _) = run(3, vec![Some(Ok(Ok(done(1))))], &[], DEFAULT_STALL_LIMIT);
        assert!(r.unwrap_err().to_string().contains("1 of 3 shards arrived"));
        // a panic in a worker: an internal error naming the shard
        let msgs = vec![Some(Ok(Ok(done(1)))), Some(Err("boom at x.rs:1".into()))];
        let (r, _, seen) = run(2, msgs, &[], DEFAULT_STALL_LIMIT);
        let e = r.unwrap_err();
        assert_eq!(crate::error::exit_kind(&e), ExitKind::Software);
        assert!(e.to_string().contains("(shard 1): boom"), "{e}");
        assert_eq!(seen.len(), 1);
        // a data error passes through unchanged
        let msgs = vec![Some(Ok(Err(fail(ExitKind::Data, "bad record"))))];
        let (r, _, _) = run(1, msgs, &[], DEFAULT_STALL_LIMIT);
        assert_eq!(crate::error::exit_kind(&r.unwrap_err()), ExitKind::Data);
    }

    #[test]
    fn a_worker_without_progress_is_declared_stalled() {
        let hearts = [Heartbeat::default(), Heartbeat::default()];
        // worker 1 entered shard 0 and never beats; shard 0 never arrives, but its worker is
        // alive (the sender is held: a dropped sender would be "produced no result" at once)
        hearts[1].shard.store(1, Ordering::Relaxed);
        hearts[1].input.store(1, Ordering::Relaxed);
        let (r, _, _) = run_with(1, vec![None], &hearts, Duration::from_millis(30), true);
        assert!(r.unwrap_err().to_string().contains("stalled in shard 0"));
        // a worker that keeps beating is not stalled
        let mut dog = Watchdog::new(&hearts, Duration::from_millis(30));
        let t0 = Instant::now();
        assert_eq!(dog.check(t0), None);
        hearts[1].beat();
        assert_eq!(dog.check(t0 + Duration::from_millis(40)), None);
        let s = dog.check(t0 + Duration::from_millis(80)).unwrap();
        assert_eq!((s.shard, s.input), (0, 1));
        // an idle worker (between shards) is never stalled
        hearts[1].shard.store(0, Ordering::Relaxed);
        assert_eq!(dog.check(t0 + Duration::from_secs(60)), None);
    }

    #[test]
    fn whole_contig_coverage_is_recognised() {
        let r = |c: usize, s: u64, e: u64| Region {
            contig: ContigId::new(c),
            start: s,
            end: e,
        };
        assert!(covers_whole(&[r(0, 0, 100)], 0, 100));
        assert!(!covers_whole(&[r(0, 0, 99)], 0, 100));
        assert!(!covers_whole(&[r(0, 1, 100)], 0, 100));
        assert!(!covers_whole(&[r(1, 0, 100)], 0, 100));
    }
}
