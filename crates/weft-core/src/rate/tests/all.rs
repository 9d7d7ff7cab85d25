//! `All`: takes from every member or none, waits for the slowest, and cancels across
//! members.
use std::sync::Arc;

use super::{d_since, t, D, T0};
use crate::rate::{All, Clock, Limiter, ManualClock, INF, INF_DURATION};

fn shared(limit: f64, burst: u64) -> Arc<Limiter> {
    Arc::new(Limiter::new(limit, burst).unwrap())
}

#[test]
fn allow_takes_from_every_member() {
    let (a, b) = (shared(10.0, 3), shared(10.0, 5));
    let all = All::new([a.clone(), b.clone()]).unwrap();
    assert!(all.allow_at(t(0), 2));
    assert_eq!(a.tokens_at(t(0)), 1.0);
    assert_eq!(b.tokens_at(t(0)), 3.0);
}

#[test]
fn a_refusal_by_one_member_takes_nothing_from_the_others() {
    let (a, b, c) = (shared(10.0, 5), shared(10.0, 1), shared(10.0, 5));
    let all = All::new([a.clone(), b.clone(), c.clone()]).unwrap();
    assert!(b.allow_n(t(0), 1)); // b is empty now
    assert!(!all.allow_at(t(0), 1));
    assert_eq!(a.tokens_at(t(0)), 5.0);
    assert_eq!(c.tokens_at(t(0)), 5.0);
    // n above one member's burst: refused for good, still nothing taken
    let r = all.reserve_at(t(5), 2, INF_DURATION);
    assert!(!r.ok && r.exceeds_burst && r.parts.is_empty());
    assert_eq!(a.tokens_at(t(5)), 5.0);
}

#[test]
fn reserve_waits_for_the_slowest_member() {
    let (fast, slow) = (shared(10.0, 1), shared(5.0, 1));
    let all = All::new([fast.clone(), slow.clone()]).unwrap();
    assert_eq!(all.reserve_at(t(0), 1, INF_DURATION).delay_from(t(0)), 0);
    let r = all.reserve_at(t(0), 1, INF_DURATION);
    assert!(r.ok);
    assert_eq!(d_since(T0 + r.delay), 2, "slow needs 200 ms, fast 100 ms");
    assert_eq!(d_since(T0 + r.delay_from(t(1))), 1);
    // a wait bound below the slowest member's wait refuses, taking nothing
    let before = (fast.tokens_at(t(0)), slow.tokens_at(t(0)));
    assert!(!all.reserve_at(t(0), 1, 3 * D).ok);
    assert_eq!((fast.tokens_at(t(0)), slow.tokens_at(t(0))), before);
}

#[test]
fn cancel_gives_every_member_its_tokens_back() {
    let (a, b) = (shared(10.0, 2), shared(5.0, 2));
    let all = All::new([a.clone(), b.clone()]).unwrap();
    assert!(all.allow_at(t(0), 2));
    let r = all.reserve_at(t(0), 2, INF_DURATION);
    assert_eq!(d_since(T0 + r.delay), 4); // b: 2 tokens at 5/s
    all.cancel_at(&r, t(1));
    // as if r had never been made: a has 1 token at t1 (10/s), b has 0.5 (5/s)
    assert!((a.tokens_at(t(1)) - 1.0).abs() < 1e-9);
    assert!((b.tokens_at(t(1)) - 0.5).abs() < 1e-9);
}

#[test]
fn cancel_counts_from_the_all_time_to_act_not_the_members() {
    // a alone would let the holder act at t10, b at t20: at t15 the holder has not acted
    // (it waits for b), so a must still give its token back, though Go's rule for a alone
    // would call t15 too late.
    let (a, b) = (shared(1.0, 1), shared(0.5, 1));
    let all = All::new([a.clone(), b.clone()]).unwrap();
    assert!(all.allow_at(t(0), 1));
    let r = all.reserve_at(t(0), 1, INF_DURATION);
    assert_eq!(d_since(T0 + r.delay), 20);
    assert_eq!(
        d_since(
            r.parts
                .iter()
                .map(|p| p.reservation.time_to_act)
                .min()
                .unwrap()
        ),
        10
    );
    all.cancel_at(&r, t(15));
    assert!(
        (a.tokens_at(t(15)) - 1.0).abs() < 1e-9,
        "a: {}",
        a.tokens_at(t(15))
    );
    assert!(
        (b.tokens_at(t(15)) - 0.75).abs() < 1e-9,
        "b: {}",
        b.tokens_at(t(15))
    );
    // past the holder's time to act, nothing comes back
    let r = all.reserve_at(t(15), 1, INF_DURATION);
    assert_eq!(d_since(T0 + r.delay), 5, "b: 0.25 owed at 0.5/s");
    let act = r.parts[0].act;
    all.cancel_at(&r, act + 1);
    assert!(a.tokens_at(act + 1) < 0.51, "a: {}", a.tokens_at(act + 1));
    assert!(b.tokens_at(act + 1) < 0.01, "b: {}", b.tokens_at(act + 1));
}

#[test]
fn unlimited_members_never_hold_the_others_back() {
    let (free, tight) = (shared(INF, 0), shared(10.0, 1));
    let all = All::new([free, tight.clone()]).unwrap();
    assert!(all.allow_at(t(0), 1));
    assert!(!all.allow_at(t(0), 1));
    assert!(all.allow_at(t(1), 1));
}

#[test]
fn members_are_deduplicated_and_must_not_be_empty() {
    let a = shared(10.0, 4);
    let all = All::new([a.clone(), a.clone()]).unwrap();
    assert_eq!(all.members().len(), 1);
    assert!(all.allow_at(t(0), 2));
    assert_eq!(a.tokens_at(t(0)), 2.0, "listed twice, taken once");
    let err = All::new(Vec::new()).unwrap_err();
    assert_eq!(err.code(), crate::ErrorCode::InvalidArgument);
}

#[test]
fn overlapping_alls_on_threads_never_deadlock_or_over_admit() {
    // Two Alls share members in opposite listing orders; threads hammer both. Lock order
    // by address keeps them deadlock-free, and the shared member caps what both admit.
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(0));
    let mk = |burst| Arc::new(Limiter::with_clock(0.0, burst, clock.clone()).unwrap());
    let (x, y, z) = (mk(1_000), mk(300), mk(1_000));
    let xy = Arc::new(All::new([x.clone(), y.clone()]).unwrap());
    let yz = Arc::new(All::new([z.clone(), y.clone()]).unwrap());
    let admitted: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let all = if i % 2 == 0 { xy.clone() } else { yz.clone() };
                s.spawn(move || (0..400).filter(|_| all.allow(1)).count())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(admitted, 300, "y's burst bounds both Alls together");
    assert_eq!(y.tokens(), 0.0);
    assert_eq!(
        x.tokens() + z.tokens(),
        2_000.0 - 300.0,
        "x and z gave exactly what y admitted"
    );
}
