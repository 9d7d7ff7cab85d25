//! The token bucket's state and golang.org/x/time/rate's arithmetic on it, with no lock
//! and no clock: [`Limiter`](super::Limiter), [`All`](super::All) and
//! [`KeyedLimiter`](super::KeyedLimiter) hold a `Bucket` under their own lock and pass
//! the time in. Every method mirrors the Go function of the same role (named in its doc),
//! so the Go tests' expectations hold here unchanged.
use super::{Nanos, INF, INF_DURATION};

const SECOND: Nanos = 1_000_000_000;

/// A limiter's state: Go's `Limiter` fields.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    pub(crate) limit: f64,
    pub(crate) burst: u64,
    pub(crate) tokens: f64,
    /// When `tokens` was last brought up to date. `Nanos::MIN` stands for Go's zero time:
    /// so long ago that the bucket is full.
    pub(crate) last: Nanos,
    /// The latest time to act of any reservation (past or future).
    pub(crate) last_event: Nanos,
}

/// What taking `n` tokens at some time would do, worked out before committing (so
/// [`All`](super::All) can look at every member before it changes any).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub(crate) ok: bool,
    pub(crate) exceeds_burst: bool,
    /// Tokens left after the take (negative: owed, paid by waiting).
    tokens: f64,
    /// How long the caller must wait before acting.
    pub(crate) wait: Nanos,
    /// Whether the limit is infinite (nothing to take, nothing to change).
    unlimited: bool,
}

/// A grant of `tokens` tokens to act at `time_to_act` (Go's `Reservation`, without the
/// pointer to its limiter: pass it back to the limiter that made it). Plain data, so a
/// binding can hand it out and rebuild it.
///
/// ```
/// use weft_core::rate::Limiter;
/// let lim = Limiter::new(10.0, 2).unwrap();
/// let r = lim.reserve_n(0, 3, i64::MAX);
/// assert!(!r.ok && r.exceeds_burst); // 3 tokens can never fit a bucket of 2
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reservation {
    /// Whether the tokens were granted (false: nothing was taken).
    pub ok: bool,
    /// Refused because `n` exceeds the burst (otherwise, refused for the wait it needed).
    pub exceeds_burst: bool,
    /// Tokens taken (0 when refused).
    pub tokens: u64,
    /// When the holder may act, on the limiter's clock (0 when refused).
    pub time_to_act: Nanos,
    /// The limit when the reservation was made (0 for an infinite limit, as in Go).
    pub limit: f64,
}

impl Reservation {
    /// How long after `now` the holder must wait: 0 to act at once,
    /// [`INF_DURATION`] when refused or when the tokens never come (a zero limit; Go's
    /// `DelayFrom` returns the distance to the end of time there).
    ///
    /// ```
    /// use weft_core::rate::Limiter;
    /// let lim = Limiter::new(10.0, 1).unwrap();
    /// assert_eq!(lim.reserve_n(0, 1, i64::MAX).delay_from(0), 0);
    /// assert_eq!(lim.reserve_n(0, 1, i64::MAX).delay_from(0), 100_000_000); // 1 token at 10/s
    /// ```
    pub fn delay_from(&self, now: Nanos) -> Nanos {
        if !self.ok || self.time_to_act == Nanos::MAX {
            return INF_DURATION;
        }
        self.time_to_act.saturating_sub(now).max(0)
    }
}

/// Go's `Limit.durationFromTokens`: how long `tokens` take to accumulate, truncated to
/// whole nanoseconds; [`INF_DURATION`] for a zero or negative limit or past `i64`.
pub(crate) fn duration_from_tokens(limit: f64, tokens: f64) -> Nanos {
    if limit <= 0.0 {
        return INF_DURATION;
    }
    let duration = (tokens / limit) * SECOND as f64;
    if duration > Nanos::MAX as f64 {
        return INF_DURATION;
    }
    // `as` truncates toward zero, as Go's conversion does (and saturates below i64::MIN).
    duration as Nanos
}

/// Go's `Limit.tokensFromDuration`: tokens accumulated over `d` (negative for negative d).
pub(crate) fn tokens_from_duration(limit: f64, d: Nanos) -> f64 {
    // d == 0 would be 0 * Inf = NaN for an infinite limit; Go's Inf is MaxFloat64, for
    // which it is 0.
    if limit <= 0.0 || d == 0 {
        return 0.0;
    }
    seconds(d) * limit
}

/// Go's `Duration.Seconds`: whole and fractional parts converted apart, for precision.
fn seconds(d: Nanos) -> f64 {
    (d / SECOND) as f64 + (d % SECOND) as f64 / 1e9
}

impl Bucket {
    /// A full bucket (Go's `NewLimiter`).
    pub(crate) fn new(limit: f64, burst: u64) -> Bucket {
        Bucket {
            limit,
            burst,
            tokens: burst as f64,
            last: Nanos::MIN,
            last_event: Nanos::MIN,
        }
    }

    /// Tokens at `t`, without changing anything (Go's `advance`). A `t` before `last`
    /// counts as no time passed.
    pub(crate) fn advance(&self, t: Nanos) -> f64 {
        let last = self.last.min(t);
        let tokens = self.tokens + tokens_from_duration(self.limit, t.saturating_sub(last));
        let burst = self.burst as f64;
        if tokens > burst {
            burst
        } else {
            tokens
        }
    }

    /// What taking `n` tokens at `t` would do, allowing a wait up to `max_wait` (the
    /// decision half of Go's `reserveN`).
    pub(crate) fn plan(&self, t: Nanos, n: u64, max_wait: Nanos) -> Plan {
        if self.limit == INF {
            return Plan {
                ok: true,
                exceeds_burst: false,
                tokens: 0.0,
                wait: 0,
                unlimited: true,
            };
        }
        let tokens = self.advance(t) - n as f64;
        let wait = if tokens < 0.0 {
            duration_from_tokens(self.limit, -tokens)
        } else {
            0
        };
        let exceeds_burst = n > self.burst;
        Plan {
            ok: !exceeds_burst && wait <= max_wait,
            exceeds_burst,
            tokens,
            wait,
            unlimited: false,
        }
    }

    /// Applies a plan made at `t` for `n` tokens (the update half of Go's `reserveN`).
    pub(crate) fn commit(&mut self, t: Nanos, n: u64, plan: Plan) -> Reservation {
        if !plan.ok {
            return Reservation {
                ok: false,
                exceeds_burst: plan.exceeds_burst,
                tokens: 0,
                time_to_act: 0,
                limit: if plan.unlimited { 0.0 } else { self.limit },
            };
        }
        if plan.unlimited {
            return Reservation {
                ok: true,
                exceeds_burst: false,
                tokens: n,
                time_to_act: t,
                limit: 0.0,
            };
        }
        let time_to_act = t.saturating_add(plan.wait);
        self.last = t;
        self.tokens = plan.tokens;
        self.last_event = time_to_act;
        Reservation {
            ok: true,
            exceeds_burst: false,
            tokens: n,
            time_to_act,
            limit: self.limit,
        }
    }

    /// Go's `reserveN`.
    pub(crate) fn reserve(&mut self, t: Nanos, n: u64, max_wait: Nanos) -> Reservation {
        let plan = self.plan(t, n, max_wait);
        self.commit(t, n, plan)
    }

    /// Go's `AllowN` (a reservation that may not wait), without building the reservation.
    pub(crate) fn allow(&mut self, t: Nanos, n: u64) -> bool {
        let plan = self.plan(t, n, 0);
        if plan.ok && !plan.unlimited {
            self.last = t;
            self.tokens = plan.tokens;
            self.last_event = t.saturating_add(plan.wait);
        }
        plan.ok
    }

    /// Go's `Reservation.CancelAt` at `t`, for a reservation whose holder acts at `act`
    /// (its own `time_to_act`, or later when it is part of an [`All`](super::All) that
    /// waits for a slower member): gives back the tokens that no later reservation has
    /// counted on.
    pub(crate) fn cancel(&mut self, r: &Reservation, t: Nanos, act: Nanos) {
        if !r.ok || self.limit == INF || r.tokens == 0 || act < t {
            return;
        }
        // Reservations made after r pushed last_event past r's time to act by the time
        // their own tokens take: those tokens are theirs, not r's to give back.
        let later = tokens_from_duration(r.limit, self.last_event.saturating_sub(r.time_to_act));
        let restore = r.tokens as f64 - later;
        if restore <= 0.0 {
            return;
        }
        let mut tokens = self.advance(t) + restore;
        let burst = self.burst as f64;
        if tokens > burst {
            tokens = burst;
        }
        self.last = t;
        self.tokens = tokens;
        if r.time_to_act == self.last_event {
            let prev = r
                .time_to_act
                .saturating_add(duration_from_tokens(r.limit, -(r.tokens as f64)));
            if prev >= t {
                self.last_event = prev;
            }
        }
    }

    /// Go's `SetLimitAt`.
    pub(crate) fn set_limit(&mut self, t: Nanos, limit: f64) {
        self.tokens = self.advance(t);
        self.last = t;
        self.limit = limit;
    }

    /// Go's `SetBurstAt`.
    pub(crate) fn set_burst(&mut self, t: Nanos, burst: u64) {
        self.tokens = self.advance(t);
        self.last = t;
        self.burst = burst;
    }

    /// Whether the bucket is back to full at `t` with nothing reserved ahead of `t`: a
    /// fresh bucket would then behave exactly like this one.
    pub(crate) fn is_idle(&self, t: Nanos) -> bool {
        self.last_event <= t && self.advance(t) >= self.burst as f64
    }
}
