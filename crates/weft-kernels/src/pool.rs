//! weft's own work-stealing pool for kernels (rayon's global pool is never used: it cannot
//! be resized, and every library in the process would share it).
//!
//! The pool starts at the first parallel kernel with `WEFT_THREADS` threads (a positive
//! integer), else one per core. [`set_threads`] replaces it: kernels already running finish
//! on the old pool, whose threads then exit.
//!
//! ```
//! weft_kernels::pool::set_threads(2).unwrap();
//! assert_eq!(weft_kernels::pool::threads(), 2);
//! assert_eq!(weft_kernels::pool::install(|| rayon::current_num_threads()), 2);
//! ```
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rayon::{ThreadPool, ThreadPoolBuilder};

/// The most threads [`set_threads`] accepts.
pub const MAX_THREADS: usize = 1024;

/// Why the pool could not be (re)built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolError {
    /// The thread count is 0 or above [`MAX_THREADS`].
    BadThreadCount(usize),
    /// The operating system refused to start the threads.
    Spawn(String),
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::BadThreadCount(n) => {
                write!(
                    f,
                    "threads must be an integer from 1 to {MAX_THREADS}, got {n}"
                )
            }
            PoolError::Spawn(why) => write!(f, "could not start the kernel threads: {why}"),
        }
    }
}

impl std::error::Error for PoolError {}

struct State {
    pool: Option<Arc<ThreadPool>>,
    /// The size the pool has, or will have when it starts.
    threads: usize,
}

static STATE: Mutex<State> = Mutex::new(State {
    pool: None,
    threads: 0,
});

fn lock() -> std::sync::MutexGuard<'static, State> {
    // The guarded code never panics midway (it only swaps fields), so a poisoned lock
    // still holds a consistent state.
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The default size: `WEFT_THREADS` when it is an integer in range, else one per core.
fn default_threads() -> usize {
    std::env::var("WEFT_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| (1..=MAX_THREADS).contains(n))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// How many kernel threads are alive, over every pool built so far (old pools' threads
/// exit after their last kernel), so [`shutdown`] can wait for them.
static LIVE: Mutex<usize> = Mutex::new(0);
static LIVE_CHANGED: Condvar = Condvar::new();

fn live() -> std::sync::MutexGuard<'static, usize> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

fn build(threads: usize) -> Result<Arc<ThreadPool>, PoolError> {
    ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("weft-kernel-{i}"))
        .start_handler(|_| *live() += 1)
        .exit_handler(|_| {
            *live() -= 1;
            LIVE_CHANGED.notify_all();
        })
        .build()
        .map(Arc::new)
        .map_err(|e| PoolError::Spawn(e.to_string()))
}

/// How many threads kernels run on (the pool's size, or the size it will start with).
///
/// ```
/// assert!(weft_kernels::pool::threads() >= 1);
/// ```
pub fn threads() -> usize {
    let mut state = lock();
    if state.threads == 0 {
        state.threads = default_threads();
    }
    state.threads
}

/// Resizes the pool to `threads` threads (1 to [`MAX_THREADS`]).
///
/// ```
/// assert!(weft_kernels::pool::set_threads(0).is_err());
/// weft_kernels::pool::set_threads(1).unwrap();
/// ```
pub fn set_threads(threads: usize) -> Result<(), PoolError> {
    if !(1..=MAX_THREADS).contains(&threads) {
        return Err(PoolError::BadThreadCount(threads));
    }
    let mut state = lock();
    if state.threads == threads && state.pool.is_some() {
        return Ok(());
    }
    // Started lazily like the first pool; the old one goes when its last kernel ends.
    state.pool = None;
    state.threads = threads;
    Ok(())
}

/// The pool, started on first use.
fn current() -> Result<Arc<ThreadPool>, PoolError> {
    let mut state = lock();
    if let Some(pool) = &state.pool {
        return Ok(pool.clone());
    }
    if state.threads == 0 {
        state.threads = default_threads();
    }
    let pool = build(state.threads)?;
    state.pool = Some(pool.clone());
    Ok(pool)
}

/// Runs `op` on the kernel pool (its rayon calls fan out over the pool's threads) and
/// returns its result; the calling thread blocks meanwhile. If the pool's threads cannot
/// be started, `op` runs on the calling thread alone.
///
/// ```
/// let n = weft_kernels::pool::install(|| 6 * 7);
/// assert_eq!(n, 42);
/// ```
pub fn install<R: Send>(op: impl FnOnce() -> R + Send) -> R {
    match current() {
        Ok(pool) => pool.install(op),
        Err(_) => op(),
    }
}

/// Runs `op` on one of the pool's threads without waiting for it (the async kernels'
/// entry: `op` sends its result on). If the pool's threads cannot be started, `op` runs on
/// a thread of its own.
///
/// ```
/// let (tx, rx) = std::sync::mpsc::channel();
/// weft_kernels::pool::spawn(move || tx.send(6 * 7).unwrap());
/// assert_eq!(rx.recv().unwrap(), 42);
/// ```
pub fn spawn(op: impl FnOnce() + Send + 'static) {
    match current() {
        Ok(pool) => pool.spawn(op),
        Err(_) => {
            std::thread::spawn(op);
        }
    }
}

/// Stops the pool and waits up to `timeout` for every kernel thread to exit (kernels
/// running now finish first); true when none is left. The next kernel starts a new pool.
/// The binding calls it when the process exits, so no kernel thread outlives the module.
///
/// ```standalone_crate
/// weft_kernels::pool::install(|| ());
/// assert!(weft_kernels::pool::shutdown(std::time::Duration::from_secs(5)));
/// ```
pub fn shutdown(timeout: Duration) -> bool {
    drop(lock().pool.take());
    let deadline = Instant::now() + timeout;
    let mut n = live();
    while *n > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        n = LIVE_CHANGED
            .wait_timeout(n, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pool is process-wide: the tests that resize it run as one.
    #[test]
    fn resizing_takes_effect_for_the_next_kernel_and_bad_sizes_are_refused() {
        assert_eq!(set_threads(0), Err(PoolError::BadThreadCount(0)));
        assert_eq!(
            set_threads(MAX_THREADS + 1),
            Err(PoolError::BadThreadCount(MAX_THREADS + 1))
        );
        set_threads(3).unwrap();
        assert_eq!(threads(), 3);
        assert_eq!(install(rayon::current_num_threads), 3);
        let name = install(|| std::thread::current().name().map(str::to_owned));
        assert!(name.unwrap().starts_with("weft-kernel-"));
        set_threads(1).unwrap();
        assert_eq!(install(rayon::current_num_threads), 1);
        // A kernel nested in another runs on the same pool, not a new one.
        assert_eq!(install(|| install(rayon::current_num_threads)), 1);
    }
}
