//! `pool::shutdown` joins every kernel thread, including those of a pool replaced by
//! `set_threads` while a kernel still ran on it. Its own process: the pool is global.
use std::sync::mpsc;
use std::time::Duration;

use weft_kernels::pool;

#[test]
fn shutdown_waits_for_running_kernels_and_old_pools_then_a_new_pool_starts() {
    pool::set_threads(2).unwrap();
    let (started_tx, started) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    pool::spawn(move || {
        started_tx.send(()).unwrap();
        release_rx.recv().unwrap();
    });
    started.recv().unwrap();
    // The old pool's thread is busy: shutdown cannot finish until the kernel ends.
    pool::set_threads(1).unwrap();
    assert!(!pool::shutdown(Duration::from_millis(50)));
    release.send(()).unwrap();
    assert!(pool::shutdown(Duration::from_secs(10)));
    assert_eq!(pool::install(rayon::current_num_threads), 1);
    assert!(pool::shutdown(Duration::from_secs(10)));
}
