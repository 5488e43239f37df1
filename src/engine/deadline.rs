//! A deadline for work that runs before the pass's watchdog exists: opening the inputs (the
//! header, the index, the first record, the first CRAM container) goes through the same
//! decoders as the pass, so damaged data could make them loop there too.
//!
//! METHOD (open-time deadline): the work runs on the calling thread while one watcher thread
//! waits for it, up to the stall limit (`--stall-timeout`, default
//! [`DEFAULT_STALL_LIMIT`](super::DEFAULT_STALL_LIMIT)). When the work has not returned by
//! then, the watcher runs the timeout action; the production action removes temp files and
//! exits with 65 naming the file, because a thread stuck in a decoder can be neither
//! interrupted nor joined. Nothing is written before the pass, so the exit loses nothing.

use std::time::Duration;

use crossbeam_channel::{bounded, RecvTimeoutError};

/// Runs `work` on this thread; when it has not returned after `limit`, `on_timeout` runs on a
/// watcher thread (once). Returns `work`'s value (after `on_timeout`, when that returns).
pub fn with_deadline<T>(
    limit: Duration,
    work: impl FnOnce() -> T,
    on_timeout: impl FnOnce() + Send,
) -> T {
    let (done_tx, done_rx) = bounded::<()>(1);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = done_rx.recv_timeout(limit) {
                on_timeout();
            }
        });
        let value = work();
        // the watcher sees the drop (or the message) at once and returns
        let _ = done_tx.send(());
        value
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn work_past_its_deadline_fires_the_action_and_work_in_time_does_not() {
        let fired = AtomicBool::new(false);
        let v = with_deadline(
            Duration::from_millis(20),
            || {
                std::thread::sleep(Duration::from_millis(300));
                7
            },
            || fired.store(true, Ordering::SeqCst),
        );
        assert_eq!(v, 7);
        assert!(
            fired.load(Ordering::SeqCst),
            "300 ms of work past a 20 ms limit"
        );

        let fired = AtomicBool::new(false);
        let start = std::time::Instant::now();
        let v = with_deadline(
            Duration::from_secs(30),
            || 8,
            || fired.store(true, Ordering::SeqCst),
        );
        assert_eq!(v, 8);
        assert!(!fired.load(Ordering::SeqCst));
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the watcher returns as soon as the work is done, not at the limit"
        );
    }
}
