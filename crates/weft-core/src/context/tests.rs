use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::*;
use crate::wake::{Delivery, Waiter};

fn text(s: &str) -> Value {
    Value::String(s.to_string())
}

#[test]
fn cancel_flows_down_to_every_descendant_and_never_up() {
    let root = Context::background();
    let a = root.with_cancel();
    let b = a.with_value("k", text("v"));
    let c = b.with_cancel();
    let d = c.with_deadline(Instant::now() + Duration::from_secs(3600));
    let sibling = root.with_cancel();
    assert!(c.cancel(Some(text("why"))));
    for ctx in [&c, &d] {
        let err = ctx.err().expect("ended");
        assert_eq!(err.reason, Reason::Canceled);
        assert_eq!(err.cause_value(), Some(&text("why")));
    }
    assert!(a.err().is_none() && b.err().is_none() && sibling.err().is_none());
    assert!(!c.cancel(None), "a second cancel changes nothing");
    assert_eq!(c.err().unwrap().cause_value(), Some(&text("why")));
}

#[test]
fn a_child_of_an_ended_parent_is_born_ended_with_the_parents_cause() {
    let root = Context::background();
    let parent = root.with_cancel();
    parent.cancel(Some(text("gone")));
    let child = parent.with_value("x", Value::Null).with_cancel();
    assert_eq!(child.err().unwrap().cause_value(), Some(&text("gone")));
    assert_eq!(parent.child_count(), 0);
}

#[test]
fn background_and_value_contexts_cannot_be_cancelled() {
    let root = Context::background();
    assert!(!root.cancel(None));
    assert!(!root.with_value("k", Value::Null).cancel(None));
    assert!(root.err().is_none() && !root.is_done());
}

#[test]
fn values_are_found_through_ancestors_nearest_first() {
    let root = Context::background();
    let a = root.with_value("user", text("ann")).with_cancel();
    let b = a
        .with_value("user", text("bob"))
        .with_value("trace", text("t1"));
    assert_eq!(b.value("user"), Some(text("bob")));
    assert_eq!(a.value("user"), Some(text("ann")));
    assert_eq!(b.value("trace"), Some(text("t1")));
    assert_eq!(b.value("missing"), None);
}

/// How long a test waits for something that happens at once unless the machine is
/// starved: a watchdog that turns a hang into a failure, never what decides a pass.
const WATCHDOG: Duration = Duration::from_secs(60);

#[test]
fn a_passed_deadline_ends_the_context_with_deadline_exceeded() {
    let root = Context::background();
    let past = root.with_deadline(Instant::now() - Duration::from_millis(1));
    assert_eq!(past.err().unwrap().reason, Reason::DeadlineExceeded);
    // The waiter must be queued before the deadline fires, and a starved thread can take
    // longer than any short deadline to get from one line to the next: when the deadline
    // won (the context had ended by the time the waiter came), try one twice as long.
    let mut after = Duration::from_millis(20);
    let (soon, child, waiter) = loop {
        let soon = root.with_deadline(Instant::now() + after);
        let child = soon.with_cancel();
        let waiter = Waiter::blocking();
        if !child.wait(&waiter) {
            break (soon, child, waiter);
        }
        assert_eq!(child.err().unwrap().reason, Reason::DeadlineExceeded);
        after *= 2;
        assert!(after < WATCHDOG, "never queued a waiter before a deadline");
    };
    // The timer thread ends it: the waiter wakes without anyone reading err().
    assert_eq!(
        waiter.wait(Some(Instant::now() + WATCHDOG)),
        Some((0, Delivery::Done)),
        "the deadline ({after:?}) did not end the context within {WATCHDOG:?}"
    );
    assert_eq!(child.err().unwrap().reason, Reason::DeadlineExceeded);
    assert_eq!(soon.err().unwrap().reason, Reason::DeadlineExceeded);
}

#[test]
fn a_later_deadline_than_the_parents_changes_nothing() {
    let root = Context::background();
    let early = Instant::now() + Duration::from_secs(10);
    let parent = root.with_deadline(early);
    let child = parent.with_deadline(early + Duration::from_secs(50));
    assert_eq!(child.deadline(), Some(early));
    let tighter = parent.with_deadline(early - Duration::from_secs(5));
    assert_eq!(tighter.deadline(), Some(early - Duration::from_secs(5)));
}

#[test]
fn cancel_before_the_deadline_keeps_the_cancel_reason() {
    // The cancel must come before the deadline (a starved thread may reach it late: then
    // the deadline won, and a deadline twice as long is tried), and the deadline must pass
    // afterwards, so it is short.
    let mut after = Duration::from_millis(30);
    let (ctx, deadline) = loop {
        let deadline = Instant::now() + after;
        let ctx = Context::background().with_deadline(deadline);
        if ctx.cancel(None) {
            break (ctx, deadline);
        }
        assert_eq!(ctx.err().unwrap().reason, Reason::DeadlineExceeded);
        after *= 2;
        assert!(after < WATCHDOG, "never cancelled before a deadline");
    };
    let waiter = Waiter::blocking();
    assert!(ctx.wait(&waiter), "already ended: nothing queued");
    // Past the deadline (plus a little, for the timer thread), it is still cancelled.
    thread::sleep(deadline.saturating_duration_since(Instant::now()) + Duration::from_millis(10));
    assert_eq!(ctx.err().unwrap().reason, Reason::Canceled);
}

#[test]
fn ended_and_dropped_children_detach_from_their_parent() {
    let parent = Context::background().with_cancel();
    for _ in 0..10_000 {
        let child = parent.with_cancel();
        let grandchild = child.with_deadline(Instant::now() + Duration::from_secs(3600));
        child.cancel(None);
        drop(grandchild);
    }
    assert_eq!(parent.child_count(), 0);
    let kept: Vec<Context> = (0..100).map(|_| parent.with_cancel()).collect();
    assert_eq!(parent.child_count(), 100);
    drop(kept);
    assert_eq!(
        parent.child_count(),
        0,
        "dropped without cancel: detached by Drop"
    );
}

#[test]
fn a_withdrawn_waiter_is_not_woken() {
    let ctx = Context::background().with_cancel();
    let waiter = Waiter::blocking();
    assert!(!ctx.wait(&waiter));
    assert!(waiter.try_cancel());
    ctx.forget(&waiter);
    ctx.cancel(None);
    assert!(waiter.wait(Some(Instant::now())).is_none());
}

#[test]
fn a_deep_chain_cancels_without_overflowing_the_stack() {
    let root = Context::background().with_cancel();
    let mut leaf = root.clone();
    let mut chain = Vec::new();
    for _ in 0..200_000 {
        leaf = leaf.with_cancel();
        chain.push(leaf.clone());
    }
    root.cancel(None);
    assert!(leaf.is_done());
    // Dropping a long chain node by node must not overflow either.
    while let Some(ctx) = chain.pop() {
        drop(ctx);
    }
}

#[test]
fn concurrent_cancels_and_child_creation_never_leave_a_live_child_under_an_ended_parent() {
    for _ in 0..200 {
        let parent = Context::background().with_cancel();
        let makers: Vec<_> = (0..2)
            .map(|_| {
                let parent = parent.clone();
                thread::spawn(move || (0..200).map(|_| parent.with_cancel()).collect::<Vec<_>>())
            })
            .collect();
        let canceller = {
            let parent = parent.clone();
            thread::spawn(move || parent.cancel(Some(Value::Number(1.0))))
        };
        assert!(canceller.join().unwrap());
        for maker in makers {
            for child in maker.join().unwrap() {
                let err = child.err().expect("every child ends with its parent");
                assert_eq!(err.cause_value(), Some(&Value::Number(1.0)));
            }
        }
    }
}

#[test]
fn waiters_on_other_threads_all_wake_once() {
    let ctx = Context::background()
        .with_cancel()
        .with_value("k", Value::Null);
    let waiters: Vec<Arc<Waiter>> = (0..8).map(|_| Waiter::blocking()).collect();
    let threads: Vec<_> = waiters
        .iter()
        .map(|w| {
            assert!(!ctx.wait(w));
            let w = w.clone();
            thread::spawn(move || w.wait(None).map(|(case, _)| case))
        })
        .collect();
    let root = ctx.0.canceller().map(|_| ()).is_some();
    assert!(root);
    // Cancel through the cancellable parent (value contexts cannot be cancelled).
    let parent = Context(ctx.0.parent.clone().unwrap());
    assert!(parent.cancel(None));
    for t in threads {
        assert_eq!(t.join().unwrap(), Some(0));
    }
}
