//! [`All`]: several limiters as one (per second AND per minute AND per resource): a take
//! succeeds on every member or on none.
//!
//! ```
//! use std::sync::Arc;
//! use weft_core::rate::{All, Limiter};
//! let per_second = Arc::new(Limiter::new(10.0, 5).unwrap());
//! let per_minute = Arc::new(Limiter::new(1.0, 2).unwrap());
//! let both = All::new([per_second.clone(), per_minute.clone()]).unwrap();
//! assert!(both.allow(2));
//! assert!(!both.allow(1));                  // per_minute is empty...
//! assert!(per_second.tokens() >= 2.9);      // ...so per_second gave nothing
//! ```
use std::sync::Arc;

use super::bucket::Plan;
use super::{Limiter, Nanos, Reservation};
use crate::{Error, Result};

/// Limiters that admit together. Members are locked in one fixed order (by address), so
/// two `All`s sharing members never deadlock, and each take checks every member before it
/// changes any. A limiter listed twice counts once.
///
/// ```
/// use std::sync::Arc;
/// use weft_core::rate::{All, Limiter, INF_DURATION};
/// let a = Arc::new(Limiter::new(10.0, 1).unwrap());
/// let b = Arc::new(Limiter::new(5.0, 1).unwrap());
/// let all = All::new([a, b]).unwrap();
/// let t = 0;
/// assert_eq!(all.reserve_at(t, 1, INF_DURATION).delay_from(t), 0);
/// // the next token: 100 ms away on a, 200 ms on b, so 200 ms for both
/// assert_eq!(all.reserve_at(t, 1, INF_DURATION).delay_from(t), 200_000_000);
/// ```
#[derive(Debug)]
pub struct All {
    members: Vec<Arc<Limiter>>,
}

/// A take from every member of an [`All`]: the members' own reservations, and when the
/// holder may act (the latest of theirs).
#[derive(Debug, Clone, PartialEq)]
pub struct AllReservation {
    /// Whether every member granted its tokens (false: none took any).
    pub ok: bool,
    /// Refused because `n` exceeds some member's burst.
    pub exceeds_burst: bool,
    /// How long the holder waits from the moment of the take (the longest member wait).
    pub delay: Nanos,
    /// One per member, in [`All::members`] order (empty when refused).
    pub parts: Vec<Part>,
}

/// One member's share of an [`AllReservation`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Part {
    /// The member's own reservation (its `time_to_act` is when the member alone would
    /// have let the holder act).
    pub reservation: Reservation,
    /// When the holder acts, on this member's clock: the take time plus the All's delay.
    pub act: Nanos,
}

impl AllReservation {
    /// How long after `now` (on the members' clock) the holder must wait; `INF_DURATION`
    /// when refused. With members on different clocks, ask each [`Part`] instead.
    pub fn delay_from(&self, now: Nanos) -> Nanos {
        if !self.ok {
            return super::INF_DURATION;
        }
        if self.delay == super::INF_DURATION {
            return super::INF_DURATION;
        }
        self.parts
            .iter()
            .map(|p| p.act.saturating_sub(now).max(0))
            .max()
            .unwrap_or(0)
    }
}

impl All {
    /// An `All` over `members` (at least one). INVALID_ARGUMENT when there are none.
    pub fn new(members: impl IntoIterator<Item = Arc<Limiter>>) -> Result<All> {
        let mut members: Vec<Arc<Limiter>> = members.into_iter().collect();
        if members.is_empty() {
            return Err(Error::invalid_argument(
                "members",
                "must hold at least one limiter",
            ));
        }
        // The lock order: by address, so every All sharing members locks them alike.
        members.sort_by_key(|m| Arc::as_ptr(m) as usize);
        members.dedup_by(|a, b| Arc::ptr_eq(a, b));
        Ok(All { members })
    }

    /// The members, in lock order.
    pub fn members(&self) -> &[Arc<Limiter>] {
        &self.members
    }

    /// Takes `n` tokens from every member at `t` if all hold them, else from none.
    pub fn allow_at(&self, t: Nanos, n: u64) -> bool {
        self.take(|_| t, n, 0, false).ok
    }

    /// [`allow_at`](Self::allow_at) now (each member's time read from its own clock).
    pub fn allow(&self, n: u64) -> bool {
        self.take(Limiter::now, n, 0, false).ok
    }

    /// Reserves `n` tokens on every member at `t`, acting once the slowest member allows
    /// it, if that is at most `max_wait` away and `n` fits every burst; else takes nothing.
    pub fn reserve_at(&self, t: Nanos, n: u64, max_wait: Nanos) -> AllReservation {
        self.take(|_| t, n, max_wait, true)
    }

    /// [`reserve_at`](Self::reserve_at) now.
    pub fn reserve(&self, n: u64, max_wait: Nanos) -> AllReservation {
        self.take(Limiter::now, n, max_wait, true)
    }

    /// The holder of `r` (made by this `All`) will not act: each member gives back what
    /// Go's `CancelAt` would at `t`, unless `t` is past the holder's time to act.
    pub fn cancel_at(&self, r: &AllReservation, t: Nanos) {
        self.give_back(r, |_| t);
    }

    /// [`cancel_at`](Self::cancel_at) now (each member's own clock).
    pub fn cancel(&self, r: &AllReservation) {
        self.give_back(r, Limiter::now);
    }

    /// The fewest tokens any member holds now.
    pub fn tokens(&self) -> f64 {
        self.members
            .iter()
            .map(|m| m.tokens())
            .fold(f64::INFINITY, f64::min)
    }

    fn give_back(&self, r: &AllReservation, now: impl Fn(&Limiter) -> Nanos) {
        if !r.ok {
            return;
        }
        for (member, part) in self.members.iter().zip(&r.parts) {
            member.cancel_acting_at(&part.reservation, now(member), part.act);
        }
    }

    /// Locks every member (in order), plans the take on each, and commits all or none.
    fn take(
        &self,
        now: impl Fn(&Limiter) -> Nanos,
        n: u64,
        max_wait: Nanos,
        want_parts: bool,
    ) -> AllReservation {
        // Times are read after locking (as `Limiter::allow` does), so they never go
        // backwards against another thread's take on the same member.
        let mut buckets: Vec<_> = self.members.iter().map(|m| m.lock()).collect();
        let times: Vec<Nanos> = self.members.iter().map(|m| now(m)).collect();
        let plans: Vec<Plan> = buckets
            .iter()
            .zip(&times)
            .map(|(bucket, &t)| bucket.plan(t, n, max_wait))
            .collect();
        if plans.iter().any(|p| !p.ok) {
            return AllReservation {
                ok: false,
                exceeds_burst: plans.iter().any(|p| p.exceeds_burst),
                delay: super::INF_DURATION,
                parts: Vec::new(),
            };
        }
        let delay = plans.iter().map(|p| p.wait).max().unwrap_or(0);
        let mut parts = Vec::with_capacity(if want_parts { plans.len() } else { 0 });
        for ((bucket, plan), &t) in buckets.iter_mut().zip(plans).zip(&times) {
            let reservation = bucket.commit(t, n, plan);
            if want_parts {
                parts.push(Part {
                    reservation,
                    act: t.saturating_add(delay),
                });
            }
        }
        AllReservation {
            ok: true,
            exceeds_burst: false,
            delay,
            parts,
        }
    }
}
