//! Dispatcher behaviour and stress tests: every task is run or cancelled exactly once.
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use super::*;
use crate::Value;

const SPIN: Duration = Duration::from_micros(20);
/// Far longer than any test waits for work that is on its way: a worker that idles out
/// was never woken for work queued meanwhile (a lost wakeup), and fails its test.
const IDLE: Duration = Duration::from_secs(10);
/// The most a parked worker may take to answer new work: woken, it answers within
/// microseconds, while a lost wakeup costs its whole idle deadline.
const ROUND: Duration = Duration::from_secs(5);
/// Tasks for the tests that race many of them: Miri runs a few dozen (each seed another
/// schedule) where a native run races thousands.
const MANY: u32 = if cfg!(miri) { 20 } else { 1000 };

/// A worker thread that runs tasks until the pool closes or stops it; returns how many it
/// ran. It panics if it idles out: the tests that use it always have work on its way, or
/// close the pool, within [`IDLE`].
fn worker_loop(d: Arc<Dispatcher>) -> thread::JoinHandle<usize> {
    worker_loop_spinning(d, SPIN)
}

/// [`worker_loop`] spinning for `spin` before each park.
fn worker_loop_spinning(d: Arc<Dispatcher>, spin: Duration) -> thread::JoinHandle<usize> {
    thread::spawn(move || {
        let me = d.attach_worker();
        let mut ran = 0;
        loop {
            match d.next(me, spin, IDLE) {
                Next::Task(t) => {
                    ran += 1;
                    d.complete(me, t.id, Outcome::Ok(t.arg), 0.0);
                }
                Next::Idle => panic!("idle for {IDLE:?} with work expected: a lost wakeup"),
                Next::Closed | Next::Stopped => break,
            }
        }
        d.detach_worker(me);
        ran
    })
}

/// One task at a time, each submitted only after the previous one's completion arrived,
/// to workers that park without spinning: every task finds the workers parked (or about
/// to park), so each one depends on the submit's wakeup. A lost one leaves the task
/// queued until a worker's idle deadline ([`IDLE`]; its last look then finds it): the
/// round takes far longer than [`ROUND`], which fails the test.
#[test]
fn ping_pong_with_parked_workers_loses_no_wakeup() {
    const ROUNDS: u32 = MANY;
    let d = Arc::new(Dispatcher::new(16));
    let (woken, wakeups) = mpsc::channel();
    d.set_waker(move || {
        let _ = woken.send(());
    });
    let workers: Vec<_> = (0..2)
        .map(|_| worker_loop_spinning(d.clone(), Duration::ZERO))
        .collect();
    for id in 0..ROUNDS {
        d.submit(Task::new(id, 0, 0, Value::Number(id as f64)))
            .unwrap();
        // Wait for its completion the way the owner thread does: drain, and sleep until
        // the waker fires after an empty drain.
        let deadline = Instant::now() + ROUND;
        let done = loop {
            let done = d.drain_completions(usize::MAX);
            if !done.is_empty() {
                break done;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if wakeups.recv_timeout(left).is_err() {
                panic!("task {id} not completed within {ROUND:?}: a lost wakeup");
            }
        };
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].id, id);
        while wakeups.try_recv().is_ok() {}
    }
    d.close();
    let ran: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(ran, ROUNDS as usize);
}

#[test]
fn queue_full_and_closed_hand_the_task_back() {
    let d = Dispatcher::new(2);
    d.submit(Task::new(1, 0, 0, Value::Null)).unwrap();
    d.submit(Task::new(2, 0, 0, Value::Null)).unwrap();
    let (err, task) = d.submit(Task::new(3, 0, 0, Value::Bool(true))).unwrap_err();
    assert_eq!(err.code(), ErrorCode::QueueFull);
    assert_eq!((task.id, task.arg), (3, Value::Bool(true)));
    d.close();
    let (err, task) = d.submit(Task::new(4, 0, 0, Value::Null)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::PoolClosed);
    assert_eq!(task.id, 4);
    assert_eq!(d.drain_queue(), vec![1, 2]);
    assert_eq!(d.stats().queued, 0);
}

#[test]
fn a_cancelled_task_never_runs_and_frees_its_place() {
    let d = Dispatcher::new(1);
    d.submit_cancellable(Task::new(1, 0, 0, Value::Null))
        .unwrap();
    assert!(d.cancel(1));
    assert!(!d.cancel(1), "cancelling twice reports false");
    d.submit(Task::new(2, 0, 0, Value::Null)).unwrap();
    let w = d.attach_worker();
    match d.next(w, SPIN, IDLE) {
        Next::Task(t) => assert_eq!(t.id, 2),
        other => panic!("expected task 2, got {other:?}"),
    }
    assert!(matches!(
        d.next(w, SPIN, Duration::from_millis(1)),
        Next::Idle
    ));
}

#[test]
fn an_id_submitted_again_while_its_cancelled_entry_is_still_queued_runs_the_new_task() {
    let d = Dispatcher::new(usize::MAX);
    // The cancelled entry waits at a lower priority, so the new one is popped first.
    d.submit_cancellable(Task::new(5, 0, -1, Value::Number(1.0)))
        .unwrap();
    assert!(d.cancel(5));
    d.submit_cancellable(Task::new(5, 0, 0, Value::Number(2.0)))
        .unwrap();
    d.submit_cancellable(Task::new(6, 0, -1, Value::Number(3.0)))
        .unwrap();
    let w = d.attach_worker();
    let mut ran = Vec::new();
    while let Next::Task(t) = d.next(w, SPIN, Duration::from_millis(1)) {
        ran.push((t.id, t.arg));
    }
    assert_eq!(
        ran,
        vec![(5, Value::Number(2.0)), (6, Value::Number(3.0))],
        "the cancelled argument never runs, the new task runs once"
    );
    assert!(!d.cancel(5), "taken: no longer cancellable");
    assert_eq!(d.stats().queued, 0);
}

#[test]
fn a_function_index_out_of_range_is_refused() {
    let d = Dispatcher::new(usize::MAX);
    let (err, task) = d
        .submit(Task::new(1, FLAG_CANCELLABLE | 3, 0, Value::Null))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    assert_eq!(task.id, 1);
    assert_eq!(d.stats().queued, 0);
}

#[test]
fn close_lets_workers_drain_then_stop() {
    let d = Arc::new(Dispatcher::new(usize::MAX));
    for i in 0..MANY {
        d.submit(Task::new(i, 0, 0, Value::Number(i as f64)))
            .unwrap();
    }
    let workers: Vec<_> = (0..2).map(|_| worker_loop(d.clone())).collect();
    d.close();
    let ran: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(ran, MANY as usize);
    assert_eq!(d.drain_completions(usize::MAX).len(), MANY as usize);
}

#[test]
fn a_parked_worker_wakes_for_new_work_and_for_stop() {
    let d = Arc::new(Dispatcher::new(16));
    let w = d.attach_worker();
    let (tx, rx) = std::sync::mpsc::channel();
    let d2 = d.clone();
    let h = thread::spawn(move || {
        tx.send(d2.next(w, Duration::ZERO, Duration::from_secs(30)))
            .unwrap();
        d2.next(w, Duration::ZERO, Duration::from_secs(30))
    });
    while d.stats().parked == 0 {
        thread::yield_now();
    }
    d.submit(Task::new(9, 0, 0, Value::Null)).unwrap();
    // Woken at once, not found by the last look at its 30 s deadline.
    let next = rx
        .recv_timeout(ROUND)
        .expect("a parked worker not woken for new work: a lost wakeup");
    assert!(matches!(next, Next::Task(t) if t.id == 9));
    while d.stats().parked == 0 {
        thread::yield_now();
    }
    d.stop_worker(w);
    assert!(matches!(h.join().unwrap(), Next::Stopped));
}

#[test]
fn the_waker_fires_once_per_batch_of_completions() {
    let d = Dispatcher::new(16);
    let wakes = Arc::new(AtomicUsize::new(0));
    let w2 = wakes.clone();
    d.set_waker(move || {
        w2.fetch_add(1, Ordering::SeqCst);
    });
    let w = d.attach_worker();
    for id in 0..5 {
        d.complete(w, id, Outcome::Ok(Value::Null), 0.0);
    }
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
    assert_eq!(d.drain_completions(usize::MAX).len(), 5);
    // The owner is still polling: no wakeup while completions keep coming.
    d.complete(w, 5, Outcome::Ok(Value::Null), 0.0);
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
    assert_eq!(d.drain_completions(usize::MAX).len(), 1);
    // An empty drain re-arms: the next completion wakes the owner.
    assert_eq!(d.drain_completions(usize::MAX).len(), 0);
    d.complete(w, 6, Outcome::Ok(Value::Null), 0.0);
    assert_eq!(wakes.load(Ordering::SeqCst), 2);
}

#[test]
fn a_worker_attaching_after_another_detached_reuses_its_slot() {
    let d = Dispatcher::new(16);
    let first = d.attach_worker();
    d.detach_worker(first);
    let second = d.attach_worker();
    assert_eq!(second, first);
    assert_eq!(d.stats().workers, 1);
}

#[test]
fn a_detached_worker_reports_the_task_it_was_running() {
    let d = Dispatcher::new(16);
    let w = d.attach_worker();
    d.submit(Task::new(77, 0, 0, Value::Null)).unwrap();
    assert!(matches!(d.next(w, SPIN, IDLE), Next::Task(_)));
    assert_eq!(d.worker_state(w).unwrap().0, Some(77));
    assert_eq!(d.detach_worker(w), Some(77));
    assert_eq!(d.stats().workers, 0);
}

#[test]
fn silence_counts_from_the_first_look_that_saw_the_last_heartbeat() {
    let d = Dispatcher::new(16);
    let w = d.attach_worker();
    d.submit(Task::new(5, 0, 0, Value::Null)).unwrap();
    assert!(matches!(d.next(w, SPIN, IDLE), Next::Task(_))); // a beat
    let (running, silent) = d.worker_state(w).unwrap();
    assert_eq!(
        (running, silent),
        (Some(5), 0),
        "a beat since the last look: heard just now"
    );
    std::thread::sleep(Duration::from_millis(30));
    let (_, later) = d.worker_state(w).unwrap();
    assert!(
        later >= 30,
        "no beat since: silent for the time between looks ({later} ms)"
    );
    d.beat(w);
    assert_eq!(d.worker_state(w).unwrap().1, 0, "a beat resets it");
}

/// Many submitters, cancels racing with workers taking the same tasks: each task ends up
/// exactly once either completed or cancelled.
#[test]
fn stress_cancel_racing_with_take_settles_each_task_exactly_once() {
    let d = Arc::new(Dispatcher::new(usize::MAX));
    let workers: Vec<_> = (0..3).map(|_| worker_loop(d.clone())).collect();
    let per = if cfg!(miri) { 10 } else { 20_000 };
    let submitters: Vec<_> = (0..3u32)
        .map(|s| {
            let d = d.clone();
            thread::spawn(move || {
                let mut cancelled = Vec::new();
                for i in 0..per {
                    let id = s * per + i;
                    d.submit_cancellable(Task::new(id, 0, (i % 3) as i32 - 1, Value::Null))
                        .unwrap();
                    // Cancel an earlier task: it may be queued, running or done.
                    if i % 2 == 1 {
                        let victim = id - 1;
                        if d.cancel(victim) {
                            cancelled.push(victim);
                        }
                    }
                }
                cancelled
            })
        })
        .collect();
    let cancelled: Vec<u32> = submitters
        .into_iter()
        .flat_map(|s| s.join().unwrap())
        .collect();
    d.close();
    let ran: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let completed: Vec<u32> = d
        .drain_completions(usize::MAX)
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ran, completed.len());
    let completed_set: HashSet<u32> = completed.iter().copied().collect();
    assert_eq!(
        completed_set.len(),
        completed.len(),
        "a task completed twice"
    );
    for id in &cancelled {
        assert!(
            !completed_set.contains(id),
            "task {id} was cancelled and ran"
        );
    }
    assert_eq!(completed.len() + cancelled.len(), (3 * per) as usize);
    assert_eq!(d.stats().queued, 0);
}
