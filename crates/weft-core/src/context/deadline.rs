//! The deadline timer: one thread, started on first use, that ends contexts whose deadline
//! has passed. Entries are keyed by (deadline, sequence) so a context that ends early (or
//! is dropped) takes its entry out at once instead of leaving it until the deadline.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{OnceLock, Weak};
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

use super::{expire, Node};

/// A timer entry, for [`unschedule`].
pub(super) type Key = (Instant, u64);

#[derive(Default)]
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
}

fn timers() -> &'static Timers {
    static TIMERS: OnceLock<Timers> = OnceLock::new();
    TIMERS.get_or_init(|| {
        std::thread::Builder::new()
            .name("weft-deadlines".into())
            .spawn(run)
            .expect("spawning the deadline thread");
        Timers {
            entries: Mutex::new(Entries::default()),
            changed: Condvar::new(),
            next: AtomicU64::new(0),
        }
    })
}

/// Ends `node` at `at` unless it ends first (then call [`unschedule`]).
pub(super) fn schedule(at: Instant, node: Weak<Node>) -> Key {
    let timers = timers();
    let key = (at, timers.next.fetch_add(1, Ordering::Relaxed));
    let mut entries = timers.entries.lock();
    entries.by_time.insert(key, node);
    if entries.wakes_at.is_none_or(|t| at < t) {
        entries.wakes_at = Some(at);
        timers.changed.notify_one();
    }
    key
}

/// Takes an entry out (its context ended or was dropped).
pub(super) fn unschedule(key: Key) {
    timers().entries.lock().by_time.remove(&key);
}

/// The timer thread: sleeps until the earliest deadline, ends that context, repeats.
fn run() {
    let timers = timers();
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
            expire(&node);
            drop(node);
            entries = timers.entries.lock();
        }
    }
}
