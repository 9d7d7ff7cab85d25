//! golang.org/x/time/rate's rate_test.go, case by case: the same limiters, times and
//! expected results (times in multiples of Go's `d` = 100 ms from `t0`).
use std::sync::Arc;

use super::{d_since, t, D, T0};
use crate::rate::{every, Clock, Limiter, ManualClock, Nanos, Reservation, INF, INF_DURATION};

struct Allow {
    t: Nanos,
    toks: f64,
    n: u64,
    ok: bool,
}

fn allow(t: Nanos, toks: f64, n: u64, ok: bool) -> Allow {
    Allow { t, toks, n, ok }
}

/// Go's `run`: checks `TokensAt` exactly, then `AllowN`.
fn run(lim: &Limiter, allows: &[Allow]) {
    for (i, a) in allows.iter().enumerate() {
        assert_eq!(lim.tokens_at(a.t), a.toks, "step {i}: tokens_at");
        assert_eq!(lim.allow_n(a.t, a.n), a.ok, "step {i}: allow_n({})", a.n);
    }
}

fn lim(limit: f64, burst: u64) -> Limiter {
    Limiter::new(limit, burst).unwrap()
}

/// Go's `runReserveMax`: reserves and checks ok and (when ok) the time to act.
fn reserve_max(lim: &Limiter, at: Nanos, n: u64, act: Nanos, ok: bool, max: Nanos) -> Reservation {
    let r = lim.reserve_n(at, n, max);
    assert_eq!(r.ok, ok, "reserve_n(t{}, {n}) ok", d_since(at));
    if ok {
        assert_eq!(
            d_since(r.time_to_act),
            d_since(act),
            "reserve_n(t{}, {n}) acts at t{} want t{}",
            d_since(at),
            d_since(r.time_to_act),
            d_since(act)
        );
    }
    r
}

fn reserve(lim: &Limiter, at: Nanos, n: u64, act: Nanos, ok: bool) -> Reservation {
    reserve_max(lim, at, n, act, ok, INF_DURATION)
}

#[test]
fn every_converts_intervals_to_limits() {
    let close = |a: f64, b: f64| ((a / b) - 1.0).abs() < 1e-9;
    assert_eq!(every(0), INF);
    assert_eq!(every(-1), INF);
    for (interval, want) in [
        (1, 1e9),
        (1_000, 1e6),
        (1_000_000, 1e3),
        (10_000_000, 100.0),
        (100_000_000, 10.0),
        (1_000_000_000, 1.0),
        (2_000_000_000, 0.5),
        (2_500_000_000, 0.4),
        (4_000_000_000, 0.25),
        (10_000_000_000, 0.1),
        (Nanos::MAX, 1e9 / Nanos::MAX as f64),
    ] {
        assert!(close(every(interval), want), "every({interval})");
    }
}

#[test]
fn limiter_burst_1() {
    run(
        &lim(10.0, 1),
        &[
            allow(t(0), 1.0, 1, true),
            allow(t(0), 0.0, 1, false),
            allow(t(0), 0.0, 1, false),
            allow(t(1), 1.0, 1, true),
            allow(t(1), 0.0, 1, false),
            allow(t(1), 0.0, 1, false),
            allow(t(2), 1.0, 2, false), // burst 1: n = 2 always fails
            allow(t(2), 1.0, 1, true),
            allow(t(2), 0.0, 1, false),
        ],
    );
}

#[test]
fn limiter_burst_3() {
    run(
        &lim(10.0, 3),
        &[
            allow(t(0), 3.0, 2, true),
            allow(t(0), 1.0, 2, false),
            allow(t(0), 1.0, 1, true),
            allow(t(0), 0.0, 1, false),
            allow(t(1), 1.0, 4, false),
            allow(t(2), 2.0, 1, true),
            allow(t(3), 2.0, 1, true),
            allow(t(4), 2.0, 1, true),
            allow(t(4), 1.0, 1, true),
            allow(t(4), 0.0, 1, false),
            allow(t(4), 0.0, 1, false),
            allow(t(9), 3.0, 3, true),
            allow(t(9), 0.0, 0, true),
        ],
    );
}

#[test]
fn limiter_jump_backwards() {
    run(
        &lim(10.0, 3),
        &[
            allow(t(1), 3.0, 1, true), // start at t1
            allow(t(0), 2.0, 1, true), // jump back to t0: two tokens remain
            allow(t(0), 1.0, 1, true),
            allow(t(0), 0.0, 1, false),
            allow(t(0), 0.0, 1, false),
            allow(t(1), 1.0, 1, true), // got a token
            allow(t(1), 0.0, 1, false),
            allow(t(1), 0.0, 1, false),
            allow(t(2), 1.0, 1, true), // got another
            allow(t(2), 0.0, 1, false),
            allow(t(2), 0.0, 1, false),
        ],
    );
}

#[test]
fn no_truncation_errors() {
    assert!(lim(0.7692307692307693, 1).allow(1));
}

#[test]
fn long_running_qps_admits_burst_plus_rate_times_elapsed() {
    let (limit, burst) = (100.0, 100);
    let clock = Arc::new(ManualClock::new(T0));
    let lim = Limiter::with_clock(limit, burst, clock.clone()).unwrap();
    let end = T0 + 5_000_000_000;
    let mut admitted = 0u64;
    while clock.now() < end {
        if lim.allow(1) {
            admitted += 1;
        }
        clock.advance(2_000_000); // offers ~500/s
    }
    let ideal = burst as f64 + limit * (clock.now() - T0) as f64 / 1e9;
    assert!(
        admitted as f64 <= ideal + 1.0,
        "admitted {admitted}, ideal {ideal}"
    );
    // Go's bound, truncated as Go's int32 conversion does
    assert!(
        admitted >= (0.999 * ideal) as u64,
        "admitted {admitted}, ideal {ideal}"
    );
}

#[test]
fn simple_reserve() {
    let lim = lim(10.0, 2);
    reserve(&lim, t(0), 2, t(0), true);
    reserve(&lim, t(0), 2, t(2), true);
    reserve(&lim, t(3), 2, t(4), true);
}

#[test]
fn mix() {
    let lim = lim(10.0, 2);
    reserve(&lim, t(0), 3, t(1), false); // n > burst
    reserve(&lim, t(0), 2, t(0), true);
    run(&lim, &[allow(t(1), 1.0, 2, false)]); // not enough tokens
    reserve(&lim, t(1), 2, t(2), true);
    run(&lim, &[allow(t(1), -1.0, 1, false)]); // owed tokens
    run(&lim, &[allow(t(3), 1.0, 1, true)]);
}

#[test]
fn cancel_invalid() {
    let lim = lim(10.0, 2);
    reserve(&lim, t(0), 2, t(0), true);
    let r = reserve(&lim, t(0), 3, t(3), false);
    lim.cancel_at(&r, t(0)); // no effect
    reserve(&lim, t(0), 2, t(2), true); // no extra tokens
}

#[test]
fn cancel_last() {
    let lim = lim(10.0, 2);
    reserve(&lim, t(0), 2, t(0), true);
    let r = reserve(&lim, t(0), 2, t(2), true);
    lim.cancel_at(&r, t(1)); // 2 tokens back
    reserve(&lim, t(1), 2, t(2), true);
}

#[test]
fn cancel_too_late() {
    let lim = lim(10.0, 2);
    reserve(&lim, t(0), 2, t(0), true);
    let r = reserve(&lim, t(0), 2, t(2), true);
    lim.cancel_at(&r, t(3)); // past its time to act: no effect
    reserve(&lim, t(3), 2, t(4), true);
}

#[test]
fn cancel_0_tokens() {
    let lim = lim(10.0, 2);
    reserve(&lim, t(0), 2, t(0), true);
    let r = reserve(&lim, t(0), 1, t(1), true);
    reserve(&lim, t(0), 1, t(2), true);
    lim.cancel_at(&r, t(0)); // a later reservation counts on its token: 0 back
    reserve(&lim, t(0), 1, t(3), true);
}

#[test]
fn cancel_1_token() {
    let lim = lim(10.0, 2);
    reserve(&lim, t(0), 2, t(0), true);
    let r = reserve(&lim, t(0), 2, t(2), true);
    reserve(&lim, t(0), 1, t(3), true);
    lim.cancel_at(&r, t(2)); // 1 token back
    reserve(&lim, t(2), 2, t(4), true);
}

#[test]
fn cancel_multi() {
    let lim = lim(10.0, 4);
    reserve(&lim, t(0), 4, t(0), true);
    let a = reserve(&lim, t(0), 3, t(3), true);
    reserve(&lim, t(0), 1, t(4), true);
    let c = reserve(&lim, t(0), 1, t(5), true);
    lim.cancel_at(&c, t(1)); // 1 token back
    lim.cancel_at(&a, t(1)); // 2 back, as if c had never been reserved
    reserve(&lim, t(1), 3, t(5), true);
}

#[test]
fn reserve_jump_back() {
    let lim = lim(10.0, 2);
    reserve(&lim, t(1), 2, t(1), true); // start at t1
    reserve(&lim, t(0), 1, t(1), true); // violates limit and burst
    reserve(&lim, t(2), 2, t(3), true);
    // n = 3 exceeds the burst: refused, and nothing changes
    reserve(&lim, t(0), 3, 0, false);
    reserve(&lim, t(2), 1, t(4), true);
    // max wait too short: refused, and nothing changes
    reserve_max(&lim, t(0), 2, 0, false, D);
    reserve(&lim, t(2), 1, t(5), true);
}

#[test]
fn reserve_jump_back_cancel() {
    let lim = lim(10.0, 2);
    reserve(&lim, t(1), 2, t(1), true); // start at t1
    let r = reserve(&lim, t(1), 2, t(3), true);
    reserve(&lim, t(1), 1, t(4), true);
    lim.cancel_at(&r, t(0)); // cancel at t0: 1 token back
    reserve(&lim, t(1), 2, t(4), true); // violates limit and burst
}

#[test]
fn reserve_set_limit() {
    let lim = lim(5.0, 2);
    reserve(&lim, t(0), 2, t(0), true);
    reserve(&lim, t(0), 2, t(4), true);
    lim.set_limit_at(t(2), 10.0).unwrap();
    reserve(&lim, t(2), 1, t(4), true); // violates limit and burst
}

#[test]
fn reserve_set_burst() {
    let lim = lim(5.0, 2);
    reserve(&lim, t(0), 2, t(0), true);
    reserve(&lim, t(0), 2, t(4), true);
    lim.set_burst_at(t(3), 4);
    reserve(&lim, t(0), 4, t(9), true); // violates limit and burst
}

#[test]
fn reserve_set_limit_cancel() {
    let lim = lim(5.0, 2);
    reserve(&lim, t(0), 2, t(0), true);
    let r = reserve(&lim, t(0), 2, t(4), true);
    lim.set_limit_at(t(2), 10.0).unwrap();
    lim.cancel_at(&r, t(2)); // 2 tokens back
    reserve(&lim, t(2), 2, t(3), true);
}

#[test]
fn reserve_max_refuses_waits_past_the_bound() {
    let lim = lim(10.0, 2);
    reserve_max(&lim, t(0), 2, t(0), true, D);
    reserve_max(&lim, t(0), 1, t(1), true, D); // close enough
    reserve_max(&lim, t(0), 1, t(2), false, D); // too far ahead
}

// Go's Wait tests, through reserve (the core has no blocking wait; the facade sleeps for
// the delay a reservation reports and cancels it on abort).

#[test]
fn wait_simple_delays() {
    let lim = lim(10.0, 3);
    let r = lim.reserve_n(t(0), 4, INF_DURATION);
    assert!(!r.ok && r.exceeds_burst, "exceed-burst-error");
    assert_eq!(
        lim.reserve_n(t(0), 2, INF_DURATION).delay_from(t(0)),
        0,
        "act-now"
    );
    let later = lim.reserve_n(t(0), 3, INF_DURATION);
    assert_eq!(d_since(T0 + later.delay_from(t(0))), 2, "act-later");
}

#[test]
fn wait_cancel_returns_the_tokens() {
    let lim = lim(10.0, 3);
    assert_eq!(lim.reserve_n(t(0), 2, INF_DURATION).delay_from(t(0)), 0); // 1 token left
    let r = lim.reserve_n(t(0), 3, INF_DURATION);
    assert_eq!(d_since(T0 + r.delay_from(t(0))), 2);
    lim.cancel_at(&r, t(1)); // cancelled after 1 d: 3 back, 2 tokens at t1
    assert_eq!(lim.tokens_at(t(1)), 2.0);
    assert_eq!(lim.reserve_n(t(1), 2, INF_DURATION).delay_from(t(1)), 0);
}

#[test]
fn wait_timeout_refuses_a_longer_wait() {
    let lim = lim(10.0, 3);
    assert!(lim.reserve_n(t(0), 2, D).ok);
    let r = lim.reserve_n(t(0), 3, D);
    assert!(!r.ok && !r.exceeds_burst);
    assert_eq!(r.delay_from(t(0)), INF_DURATION);
    assert_eq!(lim.tokens_at(t(0)), 1.0, "a refusal takes nothing");
}

#[test]
fn wait_inf_ignores_the_burst() {
    let lim = lim(INF, 0);
    let r = lim.reserve_n(t(0), 3, INF_DURATION);
    assert!(r.ok);
    assert_eq!(r.delay_from(t(0)), 0);
    assert!(lim.allow_n(t(0), 1_000_000));
}

#[test]
fn zero_limit_allows_the_burst_once() {
    let lim = lim(0.0, 1);
    assert!(lim.allow(1));
    assert!(!lim.allow(1));
}

#[test]
fn set_after_zero_limit() {
    let clock = Arc::new(ManualClock::new(T0));
    let lim = Limiter::with_clock(0.0, 1, clock.clone()).unwrap();
    assert!(lim.allow(1)); // starts full
    assert!(!lim.allow(1)); // never refilled
    lim.set_limit(10.0).unwrap();
    // at 10/s the next token is 100 ms away
    let r = lim.reserve(1, INF_DURATION);
    assert!(r.ok);
    assert_eq!(d_since(T0 + r.delay_from(T0)), 1);
}

#[test]
fn tiny_limit_does_not_overflow() {
    let lim = lim(1e-10, 1);
    assert!(lim.allow(1));
    assert!(!lim.allow(1));
}

#[test]
fn zero_limit_reservation_waits_forever_and_cancels_whole() {
    let lim = lim(0.0, 2);
    assert!(lim.allow_n(t(0), 2));
    let r = lim.reserve_n(t(0), 1, INF_DURATION);
    assert!(r.ok);
    assert_eq!(r.delay_from(t(0)), INF_DURATION, "the token never comes");
    assert!(
        !lim.reserve_n(t(0), 1, 10 * D).ok,
        "a bounded wait is refused"
    );
    lim.cancel_at(&r, t(1));
    assert_eq!(lim.tokens_at(t(1)), 0.0);
}

#[test]
fn negative_or_nan_limits_are_invalid_arguments() {
    for bad in [-1.0, f64::NAN, f64::NEG_INFINITY] {
        let err = Limiter::new(bad, 1).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::InvalidArgument);
        assert!(err.message().starts_with("limit "), "{err}");
        let lim = lim(1.0, 1);
        assert!(lim.set_limit(bad).is_err());
        assert_eq!(lim.limit(), 1.0, "a refused set_limit changes nothing");
    }
}

#[test]
fn set_burst_mid_stream_changes_what_fits() {
    let lim = lim(10.0, 1);
    assert!(lim.allow_n(t(0), 1));
    lim.set_burst_at(t(0), 3);
    assert!(
        !lim.allow_n(t(0), 1),
        "a bigger burst adds no tokens by itself"
    );
    assert!(lim.allow_n(t(3), 3), "300 ms at 10/s: 3 tokens now fit");
    lim.set_burst_at(t(3), 1);
    assert_eq!(lim.tokens_at(t(9)), 1.0, "a smaller burst caps the bucket");
    assert!(!lim.allow_n(t(9), 2));
}
