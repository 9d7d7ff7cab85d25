//! The deadline timer: one thread, started on first use, that ends contexts whose deadline
//! has passed. Entries are keyed by (deadline, sequence) so a context that ends early (or
//! is dropped) takes its entry out at once instead of leaving it until the deadline.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Weak;
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

use super::{expire, Node};
use crate::Error;

/// A timer entry, for [`unschedule`].
pub(super) type Key = (Instant, u64);

struct Entries {
    by_time: BTreeMap<Key, Weak<Node>>,
    /// When the timer thread will wake by itself (None: only when notified). A new entry
    /// due no sooner needs no wakeup, so making and ending contexts in a loop costs the
    /// timer thread nothing.
    wakes_at: Option<Instant>,
}

struct Timers {
    entries: Mutex<Entries>,
    changed: Condvar,
    next: AtomicU64,
    /// Whether the timer thread runs (it starts on first use).
    started: AtomicBool,
    starting: Mutex<()>,
}

static TIMERS: Timers = Timers {
    entries: Mutex::new(Entries {
        by_time: BTreeMap::new(),
        wakes_at: None,
    }),
    changed: Condvar::new(),
    next: AtomicU64::new(0),
    started: AtomicBool::new(false),
    starting: Mutex::new(()),
};

/// Starts the timer thread unless it runs: an error (INTERNAL) if the system refuses a
/// new thread; the next deadline tries again.
fn ensure_started(spawn: impl FnOnce() -> std::io::Result<()>) -> Result<(), Error> {
    if TIMERS.started.load(Ordering::Acquire) {
        return Ok(());
    }
    let _starting = TIMERS.starting.lock();
    if !TIMERS.started.load(Ordering::Acquire) {
        spawn()
            .map_err(|e| Error::internal(format!("could not start the deadline thread: {e}")))?;
        TIMERS.started.store(true, Ordering::Release);
    }
    Ok(())
}

fn spawn_timer_thread() -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("weft-deadlines".into())
        .spawn(run)
        .map(drop)
}

/// Ends `node` at `at` unless it ends first (then call [`unschedule`]). An error if the
/// timer thread could not be started (the caller ends the context with it).
pub(super) fn schedule(at: Instant, node: Weak<Node>) -> Result<Key, Error> {
    ensure_started(spawn_timer_thread)?;
    let timers = &TIMERS;
    let key = (at, timers.next.fetch_add(1, Ordering::Relaxed));
    let mut entries = timers.entries.lock();
    entries.by_time.insert(key, node);
    if entries.wakes_at.is_none_or(|t| at < t) {
        entries.wakes_at = Some(at);
        timers.changed.notify_one();
    }
    Ok(key)
}

/// Takes an entry out (its context ended or was dropped).
pub(super) fn unschedule(key: Key) {
    TIMERS.entries.lock().by_time.remove(&key);
}

/// The timer thread: sleeps until the earliest deadline, ends that context, repeats.
fn run() {
    let timers = &TIMERS;
    let mut entries = timers.entries.lock();
    loop {
        let Some((&key, _)) = entries.by_time.iter().next() else {
            entries.wakes_at = None;
            timers.changed.wait(&mut entries);
            continue;
        };
        if key.0 > Instant::now() {
            entries.wakes_at = Some(key.0);
            timers.changed.wait_until(&mut entries, key.0);
            continue;
        }
        let node = entries.by_time.remove(&key).and_then(|w| w.upgrade());
        if let Some(node) = node {
            // Ending a context takes its lock (and may unschedule): never under ours.
            drop(entries);
            // A panic must not end this thread: every later deadline would never fire.
            let ended = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| expire(&node)));
            if ended.is_err() {
                eprintln!(
                    "weft: a panic while ending a context at its deadline (the timer goes on)"
                );
            }
            drop(node);
            entries = timers.entries.lock();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_timer_thread_is_an_error_and_is_retried() {
        if TIMERS.started.load(Ordering::Acquire) {
            return; // another test started it: the refusal path is unreachable now
        }
        let refused = ensure_started(|| Err(std::io::Error::other("no threads left")));
        let Err(err) = refused else {
            // Another test started the thread meanwhile: nothing was spawned here.
            return assert!(TIMERS.started.load(Ordering::Acquire));
        };
        assert_eq!(err.code(), crate::ErrorCode::Internal);
        assert!(
            err.message().contains("no threads left"),
            "{}",
            err.message()
        );
        assert!(
            !TIMERS.started.load(Ordering::Acquire),
            "a later deadline tries again"
        );
    }
}
