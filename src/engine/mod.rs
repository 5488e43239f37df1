//! Shard planning, the one thread pool, the ordered gather, and the pileup hot loop.
//!
//! ```text
//!  regions ──plan──▶ shards ──FIFO──▶ workers (own readers) ──one-slot channels──▶ main thread
//!                                      fetch + count + observe                   sink(shard, partial)
//! ```
//! A dispatcher thread walks the shards in genome order; for each it creates a one-slot
//! channel, pushes the receiver into a bounded FIFO (capacity `2 × threads`) and hands the
//! shard with the sender to the workers. The main thread pops receivers in order and calls the
//! sink, so output is in genome order with no reorder map and at most `2 × threads` finished
//! partials in memory. Workers send `Result`s; a panic is caught and becomes an error; every
//! thread is joined (scoped threads) and a missing shard is an error, never a short output.
//!
//! Later stages plug in through [`ColumnObserver`]: they see, per shard, every read of every
//! sample once and then every position with the tallies of all samples side by side
//! (tumor and normal together), and return a partial that the main thread combines in order.
//!
//! The one entry point is [`run`]`(&prepared, &observer, sink)`. The engine reads inputs only
//! through the traits of [`crate::types::source`] (implemented by `io`), so it knows no file
//! format; it is the only module that spawns threads.

pub mod deadline;
pub mod filter;
pub mod gather;
pub mod parallel;
pub mod pileup;
pub mod plan;
pub mod progress;

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use anyhow::Result;
use crossbeam_channel::{bounded, Receiver, Sender};

use crate::error::{fail, ExitKind};
use crate::types::source::{AlignmentReader, AlignmentSource, Fields, SequenceSource};
use crate::types::{aln::flag, Aln, Contig, ContigId, Pos0, Region, Shard, Tally};
pub use deadline::with_deadline;
pub use gather::DEFAULT_STALL_LIMIT;
use gather::{Heartbeat, ShardDone, ShardMsg, Stall, Totals, Watchdog};
pub use pileup::{MateOverlap, MateStrategy, PileupSettings};

/// All samples' tallies at one position.
#[derive(Debug)]
pub struct Column<'a> {
    /// Contig index.
    pub contig: ContigId,
    /// 0-based position.
    pub pos: Pos0,
    /// Uppercase reference base, `N` without a reference.
    pub ref_base: u8,
    /// One tally per input, in input order (e.g. tumor, normal).
    pub samples: &'a [Tally],
}

/// The reference around a shard: `seq[i]` is the base at `start + i` (uppercase).
#[derive(Clone, Copy, Debug)]
pub struct RefSlice<'a> {
    /// 0-based position of `seq[0]` (a plain offset: the slice is hot-loop data).
    pub start: u64,
    /// Bases (empty without a reference).
    pub seq: &'a [u8],
}

impl RefSlice<'_> {
    /// The base at `pos`, `N` outside the slice.
    #[inline]
    pub fn base(&self, pos: i64) -> u8 {
        if pos < self.start as i64 {
            return b'N';
        }
        self.seq
            .get((pos - self.start as i64) as usize)
            .copied()
            .unwrap_or(b'N')
    }
}

/// The narrow interface between the engine and any stage that reads the pileup.
///
/// Called on worker threads (hence `Sync`); each shard gets its own `Partial`, which is sent
/// to the main thread and handed to the sink in genome order.
pub trait ColumnObserver: Sync {
    /// What one shard produces.
    type Partial: Send;

    /// Starts a shard; `reference` covers the core span plus [`ColumnObserver::padding`] on both
    /// sides (empty without a reference).
    fn begin(&self, shard: &Shard, reference: &RefSlice<'_>) -> Self::Partial;

    /// Extra bases fetched past the core end (and reference provided on both sides), for
    /// observers whose events are placed by left-normalisation (indels).
    fn padding(&self) -> u64 {
        0
    }

    /// The optional parts of a record this observer reads (base qualities, optional fields);
    /// the readers may leave the rest undecoded (see [`Fields`]). The default is all of them:
    /// an observer that reads no qualities or tags says so.
    fn fields(&self) -> Fields {
        Fields::ALL
    }

    /// Sees each read once (in the shard that owns its start), before any column of the shard.
    /// `pass` says whether it passed the read filter.
    fn read(&self, _partial: &mut Self::Partial, _sample: usize, _aln: &Aln<'_>, _pass: bool) {}

    /// Sees every read fetched for the shard (overlapping the core span or the padding after
    /// it), in file order per sample. Observers must only record events inside the core span.
    fn overlapping(
        &self,
        _partial: &mut Self::Partial,
        _sample: usize,
        _aln: &Aln<'_>,
        _pass: bool,
        _reference: &RefSlice<'_>,
    ) {
    }

    /// Sees every position of the shard's core span, in order.
    fn column(&self, partial: &mut Self::Partial, column: &Column<'_>);

    /// True when the observer can take a shard without any read in any sample as one
    /// [`ColumnObserver::empty_span`] instead of one empty column per position (the engine then
    /// skips the column loop: large empty stretches of a genome, N gaps, cost nothing).
    fn handles_empty(&self, _partial: &Self::Partial) -> bool {
        false
    }

    /// A whole shard core without any read (called instead of `column` when
    /// [`ColumnObserver::handles_empty`]).
    fn empty_span(&self, _partial: &mut Self::Partial, _core: Region) {}

    /// Ends a shard on the worker (reduce per-position state to the shard's partial result).
    fn finish(&self, _partial: &mut Self::Partial, _reference: &RefSlice<'_>) {}
}

/// Two observers as one (each sees everything; their partials travel together).
impl<A: ColumnObserver, B: ColumnObserver> ColumnObserver for (A, B) {
    type Partial = (A::Partial, B::Partial);

    fn begin(&self, shard: &Shard, reference: &RefSlice<'_>) -> Self::Partial {
        (
            self.0.begin(shard, reference),
            self.1.begin(shard, reference),
        )
    }

    fn padding(&self) -> u64 {
        self.0.padding().max(self.1.padding())
    }

    fn fields(&self) -> Fields {
        self.0.fields().union(self.1.fields())
    }

    fn read(&self, p: &mut Self::Partial, sample: usize, aln: &Aln<'_>, pass: bool) {
        self.0.read(&mut p.0, sample, aln, pass);
        self.1.read(&mut p.1, sample, aln, pass);
    }

    fn overlapping(
        &self,
        p: &mut Self::Partial,
        sample: usize,
        aln: &Aln<'_>,
        pass: bool,
        reference: &RefSlice<'_>,
    ) {
        self.0.overlapping(&mut p.0, sample, aln, pass, reference);
        self.1.overlapping(&mut p.1, sample, aln, pass, reference);
    }

    fn column(&self, p: &mut Self::Partial, column: &Column<'_>) {
        self.0.column(&mut p.0, column);
        self.1.column(&mut p.1, column);
    }

    fn handles_empty(&self, p: &Self::Partial) -> bool {
        self.0.handles_empty(&p.0) && self.1.handles_empty(&p.1)
    }

    fn empty_span(&self, p: &mut Self::Partial, core: Region) {
        self.0.empty_span(&mut p.0, core);
        self.1.empty_span(&mut p.1, core);
    }

    fn finish(&self, p: &mut Self::Partial, reference: &RefSlice<'_>) {
        self.0.finish(&mut p.0, reference);
        self.1.finish(&mut p.1, reference);
    }
}

/// An observer that sees nothing and costs nothing (a stage slot left empty).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObserver;

impl ColumnObserver for NoObserver {
    type Partial = ();

    fn begin(&self, _shard: &Shard, _reference: &RefSlice<'_>) {}

    #[inline]
    fn column(&self, _partial: &mut (), _column: &Column<'_>) {}

    fn handles_empty(&self, _partial: &()) -> bool {
        true
    }

    fn fields(&self) -> Fields {
        Fields::BASES
    }
}

/// How progress is shown while a pass runs.
#[derive(Clone, Copy, Debug)]
pub struct ProgressConfig {
    /// Show nothing.
    pub quiet: bool,
    /// Seconds between log lines when stderr is not a terminal.
    pub interval: Duration,
    /// A worker without progress for this long inside one shard stops the pass (see
    /// [`gather`]).
    pub stall_limit: Duration,
}

impl Default for ProgressConfig {
    fn default() -> Self {
        ProgressConfig {
            quiet: true,
            interval: Duration::from_secs(30),
            stall_limit: DEFAULT_STALL_LIMIT,
        }
    }
}

/// Engine settings (validated before any thread starts).
#[derive(Clone, Copy, Debug)]
pub struct EngineConfig {
    /// Worker threads.
    pub threads: usize,
    /// Core span of a shard, in bases.
    pub shard_size: u64,
    /// Hot-loop settings.
    pub pileup: PileupSettings,
    /// Progress display.
    pub progress: ProgressConfig,
}

/// A validated pass: inputs opened and checked against each other and the reference, regions
/// merged, shards planned. Built by `pipeline::prepare`; the engine only reads it.
pub struct Prepared {
    /// Inputs in order (tumor, then normal, for somatic work).
    pub inputs: Vec<Box<dyn AlignmentSource>>,
    /// The reference, when given.
    pub reference: Option<Arc<dyn SequenceSource>>,
    /// Contigs (of the first input; all inputs agree).
    pub contigs: Vec<Contig>,
    /// Merged regions to process.
    pub regions: Vec<Region>,
    /// Shards in genome order.
    pub shards: Vec<Shard>,
    /// Engine settings.
    pub config: EngineConfig,
}

impl Prepared {
    /// Positions to process.
    pub(crate) fn total_positions(&self) -> u64 {
        self.regions.iter().map(|r| r.len()).sum()
    }

    /// Replaces the processed regions by `windows` (clipped to the current regions) and
    /// re-plans the shards; used by commands that only need reads around known sites.
    pub fn restrict_to(&mut self, windows: Vec<Region>) {
        let windows = plan::merge(windows);
        let mut out = Vec::new();
        for w in &windows {
            for r in &self.regions {
                if r.contig == w.contig && r.start < w.end && w.start < r.end {
                    out.push(Region {
                        contig: w.contig,
                        start: w.start.max(r.start),
                        end: w.end.min(r.end),
                    });
                }
            }
        }
        self.regions = plan::merge(out);
        self.shards = plan::plan_shards(&self.regions, self.config.shard_size);
    }

    /// [`Prepared::restrict_to`] with one shard per merged window, whatever the shard size: for
    /// observers that need every read of a window together (UMI families of a tracked site).
    pub(crate) fn restrict_to_whole_windows(&mut self, windows: Vec<Region>) {
        self.restrict_to(windows);
        let longest = self.regions.iter().map(|r| r.len()).max().unwrap_or(1);
        self.config.shard_size = longest.max(1);
        self.shards = plan::plan_shards(&self.regions, self.config.shard_size);
    }
}

/// Counters a run returns (for metrics).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct RunStats {
    /// Records read per input (each counted once, whatever the shard overlap).
    pub reads: Vec<u64>,
    /// Read bases (SEQ length) per input.
    pub bases: Vec<u64>,
    /// Unmapped records placed in the regions (mate positions), per input.
    pub unmapped: Vec<u64>,
    /// Compressed bytes pulled from each input (over all workers; overhanging reads are
    /// decoded by both shards, so this can exceed the file size slightly).
    pub bytes_read: Vec<u64>,
    /// Shards processed.
    pub shards: usize,
    /// Positions visited.
    pub positions: u64,
    /// Seconds workers spent fetching and counting reads (summed over workers).
    pub worker_read_seconds: f64,
    /// Seconds workers spent in the observers' column pass (summed over workers).
    pub worker_observe_seconds: f64,
    /// Seconds the main thread spent in the sink (ordered combine/write).
    pub sink_seconds: f64,
}

struct Worker<'a> {
    readers: Vec<Box<dyn AlignmentReader + 'a>>,
    counters: Vec<pileup::SampleCounter>,
    refbuf: Vec<u8>,
    column: Vec<Tally>,
}

/// Runs `observer` over the shards of `prep` and feeds each shard's partial to `sink` in
/// genome order, showing progress as `prep.config.progress` says.
pub fn run<O, S>(prep: &Prepared, observer: &O, sink: S) -> Result<RunStats>
where
    O: ColumnObserver,
    S: FnMut(&Shard, O::Partial) -> Result<()>,
{
    let p = &prep.config.progress;
    let progress = progress::Progress::new(prep.total_positions(), p.quiet, p.interval);
    let r = run_shards(prep, observer, sink, &progress);
    progress.finish();
    r
}

/// [`run`], with `side` running on a thread of its own alongside the pass (e.g. checksums of
/// the inputs, which the pass has just brought into the page cache); both results are returned.
pub(crate) fn run_with<O, S, T, F>(
    prep: &Prepared,
    observer: &O,
    sink: S,
    side: F,
) -> Result<(RunStats, T)>
where
    O: ColumnObserver,
    S: FnMut(&Shard, O::Partial) -> Result<()>,
    T: Send,
    F: FnOnce() -> T + Send,
{
    std::thread::scope(|scope| {
        let h = scope.spawn(side);
        let stats = run(prep, observer, sink);
        let side = h.join().map_err(|_| {
            fail(
                ExitKind::Software,
                "internal error: the side task of the pass panicked",
            )
        })?;
        Ok((stats?, side))
    })
}

/// A job for a worker: the shard and where its result goes.
type Job<P> = (Shard, Sender<ShardMsg<P>>);

fn run_shards<O, S>(
    prep: &Prepared,
    observer: &O,
    sink: S,
    progress: &progress::Progress,
) -> Result<RunStats>
where
    O: ColumnObserver,
    S: FnMut(&Shard, O::Partial) -> Result<()>,
{
    let shards = &prep.shards[..];
    let n = prep.inputs.len();
    let threads = prep.config.threads.max(1);
    let cancel = AtomicBool::new(false);
    let hearts: Vec<Heartbeat> = (0..threads).map(|_| Heartbeat::default()).collect();
    let mut totals = Totals::new(n, prep.contigs.len());
    let (job_tx, job_rx) = bounded::<Job<O::Partial>>(threads);
    let (fifo_tx, fifo_rx) = bounded::<Receiver<ShardMsg<O::Partial>>>(2 * threads);
    let (bytes_tx, bytes_rx) = bounded::<Vec<u64>>(threads);
    let result: Result<()> = std::thread::scope(|scope| {
        // Dispatcher: genome order, bounded by the FIFO.
        let dispatcher = scope.spawn(move || {
            for shard in shards {
                let (tx, rx) = bounded(1);
                if fifo_tx.send(rx).is_err() || job_tx.send((*shard, tx)).is_err() {
                    break;
                }
            }
        });
        let workers: Vec<_> = hearts
            .iter()
            .map(|heart| {
                let (job_rx, bytes_tx, cancel) = (job_rx.clone(), bytes_tx.clone(), &cancel);
                scope.spawn(move || work(prep, observer, heart, job_rx, bytes_tx, cancel))
            })
            .collect();
        drop(job_rx);
        drop(bytes_tx);
        let mut dog = Watchdog::new(&hearts, prep.config.progress.stall_limit);
        let mut outcome = gather::gather(
            shards,
            &fifo_rx,
            &mut totals,
            sink,
            progress,
            (&mut dog, Duration::from_secs(1)),
            &|s| stalled(prep, s),
        );
        if outcome.is_err() {
            cancel.store(true, Ordering::Relaxed);
        }
        drop(fifo_rx);
        let _ = dispatcher.join();
        for w in workers {
            if w.join().is_err() && outcome.is_ok() {
                outcome = Err(fail(
                    ExitKind::Software,
                    "internal error: a worker thread panicked",
                ));
            }
        }
        for b in bytes_rx.iter() {
            for (i, v) in b.into_iter().enumerate() {
                totals.stats.bytes_read[i] += v;
            }
        }
        outcome
    });
    result?;
    gather::check_index_counts(
        &prep.inputs,
        &prep.contigs,
        &prep.regions,
        &totals.per_contig,
    )?;
    let mut stats = totals.stats;
    stats.shards = shards.len();
    Ok(stats)
}

/// One worker: its own readers, then shards until the jobs end or the pass is cancelled; each
/// shard's result (or panic) is sent to the shard's channel.
fn work<'p, O: ColumnObserver>(
    prep: &'p Prepared,
    observer: &O,
    heart: &Heartbeat,
    jobs: Receiver<Job<O::Partial>>,
    bytes: Sender<Vec<u64>>,
    cancel: &AtomicBool,
) {
    let n = prep.inputs.len();
    let fields = prep.config.pileup.fields().union(observer.fields());
    let readers = match prep
        .inputs
        .iter()
        .map(|i| i.reader(fields))
        .collect::<Result<Vec<_>>>()
    {
        Ok(r) => r,
        Err(e) => {
            // report the failure on the first job this worker takes; stop
            if let Ok((_, tx)) = jobs.recv() {
                let _ = tx.send(Ok(Err(e)));
            }
            let _ = bytes.send(vec![0; n]);
            return;
        }
    };
    let mut w: Worker<'p> = Worker {
        readers,
        counters: (0..n).map(|_| pileup::SampleCounter::default()).collect(),
        refbuf: Vec::new(),
        column: vec![Tally::default(); n],
    };
    for (shard, tx) in jobs.iter() {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        heart.shard.store(shard.index + 1, Ordering::Relaxed);
        heart.beat();
        let r = crate::error::catch(|| process_shard(&mut w, prep, &shard, observer, heart));
        heart.shard.store(0, Ordering::Relaxed);
        let _ = tx.send(r);
    }
    let _ = bytes.send(w.readers.iter().map(|r| r.bytes_read()).collect());
}

/// The watchdog fired: a decoder thread that can be neither interrupted nor joined. The
/// process exits at once with exit 65, naming the input and the region.
fn stalled(prep: &Prepared, s: Stall) -> anyhow::Error {
    let shard = &prep.shards[s.shard];
    let contig = &prep.contigs[shard.core.contig.index()];
    let file = prep
        .inputs
        .get(s.input)
        .map(|i| i.info().path.display().to_string())
        .unwrap_or_default();
    let msg = format!(
        "no progress for {} s reading '{file}' in {}:{}-{}: the decoder is stuck on damaged data (or the file system stopped answering); the run was stopped (--stall-timeout {})",
        s.for_.as_secs(),
        contig.name,
        shard.core.start + 1,
        shard.core.end,
        prep.config.progress.stall_limit.as_secs()
    );
    crate::io::output::remove_pending_temps();
    crate::error::exit_now(ExitKind::Data, &msg)
}

fn process_shard<O: ColumnObserver>(
    w: &mut Worker<'_>,
    prep: &Prepared,
    shard: &Shard,
    observer: &O,
    heart: &Heartbeat,
) -> Result<ShardDone<O::Partial>> {
    let inputs = &prep.inputs;
    let reference = prep.reference.as_deref();
    let cfg = &prep.config;
    let t0 = Instant::now();
    let n = inputs.len();
    let core = shard.core;
    let (lo, hi) = (core.start as i64, core.end as i64);
    let pad = observer.padding();
    let contig = &inputs[0].contigs()[core.contig];
    let contig_len = contig.len;
    let fetch = Region {
        contig: core.contig,
        start: core.start,
        end: (core.end + pad).min(contig_len),
    };
    let ref_start = core.start.saturating_sub(pad);
    w.refbuf.clear();
    if let Some(r) = reference {
        r.fetch_into(&contig.name, ref_start, fetch.end, &mut w.refbuf);
        r.check().map_err(|why| fail(ExitKind::Data, why))?;
    }
    let refslice = RefSlice {
        start: ref_start,
        seq: &w.refbuf,
    };
    let mut partial = observer.begin(shard, &refslice);
    let core_ref = {
        let from = ((core.start - ref_start) as usize).min(w.refbuf.len());
        let to = (from + (hi - lo) as usize).min(w.refbuf.len());
        Arc::new(pileup::RefCodes::new(lo, &w.refbuf[from..to]))
    };
    let mut reads = vec![0u64; n];
    let mut bases = vec![0u64; n];
    let mut unmapped = vec![0u64; n];
    for i in 0..n {
        let counter = &mut w.counters[i];
        counter.reset(lo, hi);
        counter.set_reference(core_ref.clone());
        let settings = &cfg.pileup;
        heart.input.store(i, Ordering::Relaxed);
        w.readers[i].fetch(fetch, &mut |a| {
            heart.beat();
            if a.flags & flag::UNMAPPED != 0 || a.start < 0 {
                if a.start >= lo && a.start < hi {
                    unmapped[i] += 1;
                }
                return Ok(());
            }
            let pass = settings.filter.pass(a);
            observer.overlapping(&mut partial, i, a, pass, &refslice);
            if a.start >= hi {
                // padding only: not this shard's read and no base in the core
                return Ok(());
            }
            if a.start >= lo || shard.first_of_region {
                reads[i] += 1;
                bases[i] += a.seq_len as u64;
                observer.read(&mut partial, i, a, pass);
            }
            counter.add(a, settings);
            Ok(())
        })?;
        counter.finish(settings);
        w.readers[i].release_pages();
    }
    let t1 = Instant::now();
    let core_off = (core.start - ref_start) as usize;
    if w.counters.iter().all(|c| c.is_untouched()) && observer.handles_empty(&partial) {
        observer.empty_span(&mut partial, core);
        observer.finish(&mut partial, &refslice);
        let t2 = Instant::now();
        return Ok(ShardDone {
            partial,
            unmapped,
            reads,
            bases,
            read_s: (t1 - t0).as_secs_f64(),
            observe_s: (t2 - t1).as_secs_f64(),
        });
    }
    for c in w.counters.iter_mut() {
        c.fill();
    }
    for off in 0..(hi - lo) as usize {
        if off & 0xffff == 0 {
            heart.beat();
        }
        for i in 0..n {
            w.column[i] = w.counters[i].tallies[off];
        }
        let col = Column {
            contig: core.contig,
            pos: Pos0::new(core.start + off as u64),
            ref_base: refslice.seq.get(core_off + off).copied().unwrap_or(b'N'),
            samples: &w.column,
        };
        observer.column(&mut partial, &col);
    }
    observer.finish(&mut partial, &refslice);
    let t2 = Instant::now();
    Ok(ShardDone {
        partial,
        unmapped,
        reads,
        bases,
        read_s: (t1 - t0).as_secs_f64(),
        observe_s: (t2 - t1).as_secs_f64(),
    })
}
