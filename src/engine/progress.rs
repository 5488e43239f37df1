//! Progress on stderr: an indicatif bar on a terminal, a periodic one-line log otherwise
//! (batch jobs, Slurm logs), nothing with `--quiet`.

use std::{
    io::IsTerminal,
    sync::Mutex,
    time::{Duration, Instant},
};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

enum Mode {
    Bar(ProgressBar),
    Log {
        every: Duration,
        last: Mutex<Instant>,
        done: Mutex<u64>,
    },
    Silent,
}

/// Progress over a known number of reference positions.
pub struct Progress {
    mode: Mode,
    total: u64,
    start: Instant,
}

impl Progress {
    /// A bar when stderr is a terminal, else a log line every `log_every` (none when quiet).
    pub fn new(total_positions: u64, quiet: bool, log_every: Duration) -> Progress {
        let mode = if quiet {
            Mode::Silent
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(
                Some(total_positions),
                ProgressDrawTarget::stderr_with_hz(4),
            );
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:40} {percent:>3}% {msg} (eta {eta})",
                )
                .expect("valid template"),
            );
            Mode::Bar(bar)
        } else {
            Mode::Log {
                every: log_every,
                last: Mutex::new(Instant::now()),
                done: Mutex::new(0),
            }
        };
        Progress {
            mode,
            total: total_positions,
            start: Instant::now(),
        }
    }

    /// Records `positions` more done; `reads` is the running total of reads.
    pub(crate) fn advance(&self, positions: u64, reads: u64) {
        match &self.mode {
            Mode::Bar(b) => {
                b.inc(positions);
                b.set_message(format!("{reads} reads"));
            }
            Mode::Log { every, last, done } => {
                let mut d = done.lock().expect("progress lock");
                *d += positions;
                let mut l = last.lock().expect("progress lock");
                if l.elapsed() >= *every {
                    *l = Instant::now();
                    let pct = if self.total > 0 {
                        100.0 * *d as f64 / self.total as f64
                    } else {
                        100.0
                    };
                    eprintln!(
                        "oncostream: progress {:.1}% ({} of {} positions, {} reads, {:.0} s elapsed)",
                        pct,
                        *d,
                        self.total,
                        reads,
                        self.start.elapsed().as_secs_f64()
                    );
                }
            }
            Mode::Silent => {}
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Mode::Bar(b) = &self.mode {
            b.finish_and_clear();
        }
    }
}
