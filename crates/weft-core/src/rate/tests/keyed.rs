//! `KeyedLimiter`: independent buckets per key, created full, evicted incrementally once
//! full and idle.
use std::sync::Arc;

use super::{t, D, T0};
use crate::rate::{KeyedLimiter, ManualClock, INF_DURATION};

const SECOND: i64 = 1_000_000_000;

fn keyed(limit: f64, burst: u64, idle_ttl: i64) -> KeyedLimiter {
    KeyedLimiter::new(limit, burst, idle_ttl).unwrap()
}

#[test]
fn keys_have_independent_buckets() {
    let k = keyed(10.0, 2, 60 * SECOND);
    assert!(k.allow_n("a", t(0), 2));
    assert!(!k.allow_n("a", t(0), 1));
    assert!(
        k.allow_n("b", t(0), 2),
        "b's bucket is its own, and starts full"
    );
    assert_eq!(k.tokens_at("a", t(0)), 0.0);
    assert_eq!(
        k.tokens_at("c", t(0)),
        2.0,
        "an unseen key reports a full bucket"
    );
    assert!(k.allow_n("a", t(1), 1), "a refills at 10/s");
    assert_eq!(k.len(), 2, "tokens_at does not create buckets");
}

#[test]
fn reserve_and_cancel_work_per_key() {
    let k = keyed(10.0, 2, 60 * SECOND);
    assert!(k.allow_n("a", t(0), 2));
    let r = k.reserve_n("a", t(0), 2, INF_DURATION);
    assert_eq!(r.delay_from(t(0)), 2 * D);
    assert!(
        !k.reserve_n("a", t(0), 1, D).ok,
        "a bounded wait is refused"
    );
    k.cancel_at("a", &r, t(1));
    assert_eq!(k.tokens_at("a", t(1)), 1.0, "2 tokens back");
    assert_eq!(k.tokens_at("b", t(1)), 2.0);
    k.cancel_at("gone", &r, t(1)); // a key with no bucket: nothing to do
    assert_eq!(k.len(), 1);
}

#[test]
fn idle_full_keys_are_evicted_a_few_per_call() {
    let k = keyed(10.0, 1, SECOND);
    for i in 0..10 {
        assert!(k.allow_n(&format!("k{i}"), T0, 1));
    }
    assert_eq!(k.len(), 10);
    // 2 s later every bucket is full again and idle past the 1 s TTL; each call looks at
    // two slots, so the ten go over a few calls, never all at once.
    let later = T0 + 2 * SECOND;
    assert!(k.allow_n("fresh", later, 1));
    let after_one = k.len();
    assert!(
        (9..=10).contains(&after_one),
        "one call evicts at most 2, got {after_one} left"
    );
    for _ in 0..10 {
        k.allow_n("fresh", later, 0);
    }
    assert_eq!(k.len(), 1, "only the key in use is left");
}

#[test]
fn keys_that_are_not_full_or_not_idle_stay() {
    let clock = Arc::new(ManualClock::new(T0));
    let k = KeyedLimiter::with_clock(1.0, 5, SECOND, clock.clone()).unwrap();
    assert!(k.allow("draining", 5)); // needs 5 s to refill
    assert!(k.allow("busy", 1));
    for _ in 0..20 {
        clock.advance(SECOND / 2);
        assert!(k.allow("busy", 0)); // touched every half second: never idle
    }
    // 10 s on: "draining" has been full for 5 s and untouched: gone; "busy" stays
    assert_eq!(k.len(), 1);
    assert_eq!(k.tokens("draining"), 5.0);
    assert!(k.allow("busy", 5));
}

#[test]
fn an_evicted_key_comes_back_full_exactly_as_it_would_have_been() {
    let clock = Arc::new(ManualClock::new(T0));
    let k = KeyedLimiter::with_clock(2.0, 3, SECOND, clock.clone()).unwrap();
    assert!(k.allow("a", 3));
    clock.advance(3 * SECOND);
    k.allow("b", 0);
    k.allow("b", 0);
    assert_eq!(k.len(), 1, "a was evicted");
    assert!(
        k.allow("a", 3),
        "and starts full again, as its bucket would be"
    );
    assert!(!k.allow("a", 1));
}

#[test]
fn a_zero_rate_key_is_never_evicted_so_its_burst_is_never_granted_twice() {
    let clock = Arc::new(ManualClock::new(T0));
    let k = KeyedLimiter::with_clock(0.0, 1, 0, clock.clone()).unwrap();
    assert!(k.allow("a", 1));
    for _ in 0..10 {
        clock.advance(3600 * SECOND);
        assert!(!k.allow("a", 1));
    }
    assert_eq!(k.len(), 1);
}

#[test]
fn bad_settings_are_invalid_arguments() {
    assert!(KeyedLimiter::new(-1.0, 1, 0).is_err());
    let err = KeyedLimiter::new(1.0, 1, -1).unwrap_err();
    assert!(err.message().starts_with("idle_ttl"), "{err}");
    let k = keyed(1.0, 2, 5);
    assert_eq!((k.limit(), k.burst(), k.idle_ttl()), (1.0, 2, 5));
    assert!(k.is_empty());
    assert!(k.now() >= 0);
}
