//! A running kernel's cancellation flag and progress counter, shared between the kernel's
//! threads and whoever waits for it.
//!
//! Kernels split their work into chunks; between chunks they call [`Job::check`] (which
//! fails once [`Job::cancel`] has been called) and [`Job::advance`] with the elements
//! done, against the total they declared with [`Job::add_total`].
//!
//! ```
//! use weft_kernels::{Job, KernelError};
//! let job = Job::new();
//! job.add_total(100);
//! job.advance(40);
//! assert_eq!(job.progress(), (40, 100));
//! assert_eq!(job.check(), Ok(()));
//! job.cancel();
//! assert_eq!(job.check(), Err(KernelError::Canceled));
//! ```
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::error::KernelError;

/// See the [module documentation](self).
#[derive(Debug, Default)]
pub struct Job {
    canceled: AtomicBool,
    done: AtomicU64,
    total: AtomicU64,
}

impl Job {
    /// A job that is not cancelled and has no progress yet.
    ///
    /// ```
    /// assert_eq!(weft_kernels::Job::new().progress(), (0, 0));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the kernel to stop at its next chunk boundary.
    ///
    /// ```
    /// let job = weft_kernels::Job::new();
    /// job.cancel();
    /// assert!(job.is_canceled());
    /// ```
    pub fn cancel(&self) {
        self.canceled.store(true, Ordering::Relaxed);
    }

    /// Whether [`Job::cancel`] was called.
    ///
    /// ```
    /// assert!(!weft_kernels::Job::new().is_canceled());
    /// ```
    pub fn is_canceled(&self) -> bool {
        self.canceled.load(Ordering::Relaxed)
    }

    /// `Err(Canceled)` once the job is cancelled: kernels call it between chunks and
    /// return the error with `?`.
    ///
    /// ```
    /// assert!(weft_kernels::Job::new().check().is_ok());
    /// ```
    pub fn check(&self) -> Result<(), KernelError> {
        if self.is_canceled() {
            Err(KernelError::Canceled)
        } else {
            Ok(())
        }
    }

    /// Declares `units` more units of work (elements, bytes, rows: the kernel's choice).
    ///
    /// ```
    /// let job = weft_kernels::Job::new();
    /// job.add_total(8);
    /// assert_eq!(job.progress(), (0, 8));
    /// ```
    pub fn add_total(&self, units: u64) {
        self.total.fetch_add(units, Ordering::Relaxed);
    }

    /// Records `units` units of work done.
    ///
    /// ```
    /// let job = weft_kernels::Job::new();
    /// job.add_total(8);
    /// job.advance(8);
    /// assert_eq!(job.progress(), (8, 8));
    /// ```
    pub fn advance(&self, units: u64) {
        self.done.fetch_add(units, Ordering::Relaxed);
    }

    /// `(done, total)` so far; `done <= total` once the kernel declared its total.
    ///
    /// ```
    /// assert_eq!(weft_kernels::Job::new().progress(), (0, 0));
    /// ```
    pub fn progress(&self) -> (u64, u64) {
        (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }
}
