//! [`KeyedLimiter`]: one token bucket per key (per user, per IP, per route), each created
//! full on first use and forgotten once it is full again and idle.
//!
//! ```
//! use weft_core::rate::KeyedLimiter;
//! let per_user = KeyedLimiter::new(1.0, 2, 60_000_000_000).unwrap(); // 1/s, burst 2, 60 s idle
//! assert!(per_user.allow("ann", 2));
//! assert!(!per_user.allow("ann", 1));
//! assert!(per_user.allow("bob", 1)); // bob has his own bucket
//! ```
use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

use super::bucket::Bucket;
use super::clock::{monotonic, Clock};
use super::{check_limit, Nanos, Reservation};
use crate::{Error, Result};

/// Slots each call looks at for eviction: more than the one slot a call can add, so idle
/// keys never pile up faster than they go.
const SWEEP_PER_CALL: usize = 2;

/// Token buckets by key, all with the same limit and burst. A key's bucket is evicted once
/// it has been untouched for `idle_ttl` and is full again (so a new bucket for the key
/// would behave the same). Eviction is incremental: each call looks at two slots, in turn,
/// so a call never scans every key; an idle key goes within `idle_ttl` plus one sweep
/// round (half as many calls as there are keys).
///
/// ```
/// use std::sync::Arc;
/// use weft_core::rate::{KeyedLimiter, ManualClock};
/// let clock = Arc::new(ManualClock::new(0));
/// let keyed = KeyedLimiter::with_clock(10.0, 1, 1_000_000_000, clock.clone()).unwrap();
/// assert!(keyed.allow("a", 1));
/// clock.advance(2_000_000_000); // full again and idle for 2 s
/// keyed.allow("b", 1);          // ...so this call's sweep evicts "a"
/// assert_eq!(keyed.len(), 1);
/// ```
pub struct KeyedLimiter {
    clock: Arc<dyn Clock>,
    limit: f64,
    burst: u64,
    idle_ttl: Nanos,
    keys: Mutex<Keys>,
}

struct Keys {
    /// Key to its slot's index.
    index: HashMap<Arc<str>, usize>,
    slots: Vec<Slot>,
    /// The next slot the sweep looks at.
    hand: usize,
}

struct Slot {
    key: Arc<str>,
    bucket: Bucket,
    /// The latest time a call used this key.
    touched: Nanos,
}

impl std::fmt::Debug for KeyedLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyedLimiter")
            .field("limit", &self.limit)
            .field("burst", &self.burst)
            .field("idle_ttl", &self.idle_ttl)
            .field("keys", &self.len())
            .finish()
    }
}

impl KeyedLimiter {
    /// Buckets of `burst` tokens refilled at `limit` per second, evicted after `idle_ttl`
    /// nanoseconds idle, on the monotonic clock. INVALID_ARGUMENT for a NaN or negative
    /// limit or a negative TTL.
    pub fn new(limit: f64, burst: u64, idle_ttl: Nanos) -> Result<KeyedLimiter> {
        KeyedLimiter::with_clock(limit, burst, idle_ttl, monotonic())
    }

    /// [`new`](Self::new) reading `clock`.
    pub fn with_clock(
        limit: f64,
        burst: u64,
        idle_ttl: Nanos,
        clock: Arc<dyn Clock>,
    ) -> Result<KeyedLimiter> {
        check_limit(limit)?;
        if idle_ttl < 0 {
            return Err(Error::invalid_argument(
                "idle_ttl",
                format!("must be >= 0, got {idle_ttl}"),
            ));
        }
        Ok(KeyedLimiter {
            clock,
            limit,
            burst,
            idle_ttl,
            keys: Mutex::new(Keys {
                index: HashMap::new(),
                slots: Vec::new(),
                hand: 0,
            }),
        })
    }

    /// The clock's current time.
    pub fn now(&self) -> Nanos {
        self.clock.now()
    }

    /// Tokens per second, for every key.
    pub fn limit(&self) -> f64 {
        self.limit
    }

    /// Each key's burst.
    pub fn burst(&self) -> u64 {
        self.burst
    }

    /// How long an untouched, full bucket is kept.
    pub fn idle_ttl(&self) -> Nanos {
        self.idle_ttl
    }

    /// Keys with a bucket now (idle ones count until the sweep reaches them).
    pub fn len(&self) -> usize {
        self.keys.lock().slots.len()
    }

    /// Whether no key has a bucket.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes `n` tokens from `key`'s bucket at `t` if it holds them.
    pub fn allow_n(&self, key: &str, t: Nanos, n: u64) -> bool {
        self.with_bucket(key, t, |b| b.allow(t, n))
    }

    /// [`allow_n`](Self::allow_n) now (the clock read under the lock, as
    /// [`Limiter::allow`](super::Limiter::allow) does).
    pub fn allow(&self, key: &str, n: u64) -> bool {
        self.with_bucket_now(key, |b, t| b.allow(t, n))
    }

    /// Reserves `n` tokens from `key`'s bucket at `t` ([`Limiter::reserve_n`](super::Limiter::reserve_n)).
    pub fn reserve_n(&self, key: &str, t: Nanos, n: u64, max_wait: Nanos) -> Reservation {
        self.with_bucket(key, t, |b| b.reserve(t, n, max_wait))
    }

    /// [`reserve_n`](Self::reserve_n) now.
    pub fn reserve(&self, key: &str, n: u64, max_wait: Nanos) -> Reservation {
        self.reserve_now(key, n, max_wait).1
    }

    /// [`reserve`](Self::reserve), also returning the time it was made at.
    pub fn reserve_now(&self, key: &str, n: u64, max_wait: Nanos) -> (Nanos, Reservation) {
        self.with_bucket_now(key, |b, t| (t, b.reserve(t, n, max_wait)))
    }

    /// Gives back what Go's `CancelAt` would for `r`, made on `key`. A key evicted since
    /// has nothing to give back to (it was full).
    pub fn cancel_at(&self, key: &str, r: &Reservation, t: Nanos) {
        let mut keys = self.keys.lock();
        if let Some(&i) = keys.index.get(key) {
            keys.slots[i].bucket.cancel(r, t, r.time_to_act);
        }
    }

    /// [`cancel_at`](Self::cancel_at) now.
    pub fn cancel(&self, key: &str, r: &Reservation) {
        let t = self.now();
        self.cancel_at(key, r, t);
    }

    /// Tokens `key` has at `t` (a key with no bucket has a full one).
    pub fn tokens_at(&self, key: &str, t: Nanos) -> f64 {
        let keys = self.keys.lock();
        match keys.index.get(key) {
            Some(&i) => keys.slots[i].bucket.advance(t),
            None => self.burst as f64,
        }
    }

    /// [`tokens_at`](Self::tokens_at) now.
    pub fn tokens(&self, key: &str) -> f64 {
        let t = self.now();
        self.tokens_at(key, t)
    }

    /// Sweeps a little, then runs `f` on `key`'s bucket (made on first use) and marks it
    /// touched at `t`.
    fn with_bucket<R>(&self, key: &str, t: Nanos, f: impl FnOnce(&mut Bucket) -> R) -> R {
        let keys = self.keys.lock();
        self.with_locked_bucket(keys, key, t, |b, _| f(b))
    }

    /// [`with_bucket`](Self::with_bucket) at the time read after locking.
    fn with_bucket_now<R>(&self, key: &str, f: impl FnOnce(&mut Bucket, Nanos) -> R) -> R {
        let keys = self.keys.lock();
        let t = self.now();
        self.with_locked_bucket(keys, key, t, f)
    }

    fn with_locked_bucket<R>(
        &self,
        mut keys: parking_lot::MutexGuard<'_, Keys>,
        key: &str,
        t: Nanos,
        f: impl FnOnce(&mut Bucket, Nanos) -> R,
    ) -> R {
        keys.sweep(t, self.idle_ttl);
        let i = match keys.index.get(key) {
            Some(&i) => i,
            None => {
                let key: Arc<str> = Arc::from(key);
                let i = keys.slots.len();
                keys.slots.push(Slot {
                    key: key.clone(),
                    bucket: Bucket::new(self.limit, self.burst),
                    touched: t,
                });
                keys.index.insert(key, i);
                i
            }
        };
        let slot = &mut keys.slots[i];
        slot.touched = slot.touched.max(t);
        f(&mut slot.bucket, t)
    }
}

impl Keys {
    /// Looks at the next few slots and evicts those idle at `t`.
    fn sweep(&mut self, t: Nanos, idle_ttl: Nanos) {
        for _ in 0..SWEEP_PER_CALL {
            if self.slots.is_empty() {
                self.hand = 0;
                return;
            }
            if self.hand >= self.slots.len() {
                self.hand = 0;
            }
            let slot = &self.slots[self.hand];
            if t.saturating_sub(slot.touched) >= idle_ttl && slot.bucket.is_idle(t) {
                self.evict(self.hand); // the last slot moves here: look at it next
            } else {
                self.hand += 1;
            }
        }
    }

    fn evict(&mut self, i: usize) {
        let gone = self.slots.swap_remove(i);
        self.index.remove(&gone.key);
        if let Some(moved) = self.slots.get(i) {
            self.index.insert(moved.key.clone(), i);
        }
    }
}
