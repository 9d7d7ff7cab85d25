//! One limiter shared by many threads enforces one rate: never more admitted than the
//! bucket allows, and concurrent reservations queue one behind another.
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use super::{D, T0};
use crate::rate::{Clock, KeyedLimiter, Limiter, ManualClock, INF_DURATION};

fn frozen(limit: f64, burst: u64) -> Arc<Limiter> {
    Arc::new(Limiter::with_clock(limit, burst, Arc::new(ManualClock::new(T0))).unwrap())
}

/// Runs `per_thread` calls of `f` on each of `threads` threads; returns how many were true.
fn admitted(threads: usize, per_thread: usize, f: impl Fn() -> bool + Sync) -> usize {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| s.spawn(|| (0..per_thread).filter(|_| f()).count()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

#[test]
fn simultaneous_requests_admit_exactly_the_burst() {
    // Go's TestSimultaneousRequests (limit 1, burst 5, 15 requests), with time frozen so
    // no token can arrive mid-test.
    let lim = frozen(1.0, 5);
    assert_eq!(admitted(15, 1, || lim.allow(1)), 5);
}

#[test]
fn many_threads_never_over_admit_a_zero_rate_bucket() {
    let lim = frozen(0.0, 10_000);
    assert_eq!(admitted(8, 5_000, || lim.allow(1)), 10_000);
    assert_eq!(lim.tokens(), 0.0);
}

#[test]
fn threads_admit_at_most_burst_plus_rate_times_elapsed_while_time_moves() {
    let clock = Arc::new(ManualClock::new(T0));
    let lim = Arc::new(Limiter::with_clock(1_000.0, 10, clock.clone()).unwrap());
    let stop = AtomicBool::new(false);
    let count = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                while !stop.load(Ordering::Acquire) {
                    if lim.allow(1) {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        for _ in 0..2_000 {
            clock.advance(D / 1_000); // 100 us steps: 0.1 token each
            std::thread::yield_now();
        }
        stop.store(true, Ordering::Release);
    });
    let elapsed_s = (clock.now() - T0) as f64 / 1e9; // 0.2 s
    let ceiling = 10.0 + 1_000.0 * elapsed_s;
    let got = count.load(Ordering::Relaxed) as f64;
    assert!(got <= ceiling + 1e-6, "admitted {got}, at most {ceiling}");
    // what was not admitted is still in the bucket (capped at the burst)
    assert!(got + lim.tokens() <= ceiling + 1e-6);
}

#[test]
fn concurrent_reservations_queue_one_slot_apart() {
    // Frozen time, 10/s, burst 1: 40 reservations from 4 threads must get the 40 slots
    // t0, t0 + 100 ms, t0 + 200 ms, ... each exactly once.
    let lim = frozen(10.0, 1);
    let acts = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..10 {
                    let r = lim.reserve(1, INF_DURATION);
                    assert!(r.ok);
                    acts.lock().unwrap().push(r.time_to_act);
                }
            });
        }
    });
    let mut acts = acts.into_inner().unwrap();
    acts.sort_unstable();
    for (i, act) in acts.iter().enumerate() {
        let want = T0 + i as i64 * D;
        assert!((act - want).abs() <= 1, "slot {i}: {act} want {want}");
    }
}

#[test]
fn cancelled_reservations_on_threads_are_all_given_back() {
    // Frozen time, zero rate: every token comes from the burst. Threads reserve and cancel
    // at once, over and over; each cancel is of the latest reservation, or of one whose
    // followers were cancelled too, so in the end the bucket is whole again.
    let lim = frozen(0.0, 64);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..1_000 {
                    let r = lim.reserve(4, 0);
                    if r.ok {
                        lim.cancel(&r);
                    }
                }
            });
        }
    });
    assert_eq!(lim.tokens(), 64.0);
}

#[test]
fn a_keyed_limiter_shared_by_threads_keeps_each_key_to_its_burst() {
    let clock = Arc::new(ManualClock::new(T0));
    let keyed = KeyedLimiter::with_clock(0.0, 100, 0, clock).unwrap();
    let keys = ["a", "b", "c"];
    let per_key: Vec<usize> = keys
        .iter()
        .map(|k| admitted(6, 50, || keyed.allow(k, 1)))
        .collect();
    assert_eq!(
        per_key,
        [100, 100, 100],
        "each key admits exactly its burst"
    );
    let mixed = admitted(6, 100, || keys.iter().any(|k| keyed.allow(k, 1)));
    assert_eq!(mixed, 0, "and nothing more, whichever thread asks");
}
