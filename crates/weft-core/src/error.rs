//! The engine's error type: a stable [`ErrorCode`] plus a human message.
//!
//! Codes are the contract with every binding: `weft-node` turns an [`Error`] into a JS
//! `WeftError` whose `code` is [`ErrorCode::as_str`]. Only the codes of failures the
//! engine itself decides are here; a binding adds those it decides on its side (the JS
//! facade's TIMEOUT, CANCELED, DEADLINE_EXCEEDED, WORKER_CRASHED, UNSERIALIZABLE, ...:
//! timers, aborts, worker exits and structured clone are all JS's).
//!
//! ```
//! use weft_core::{Error, ErrorCode};
//! let e = Error::invalid_argument("capacity", "must be a non-negative integer, got -1");
//! assert_eq!(e.code(), ErrorCode::InvalidArgument);
//! assert_eq!(e.to_string(), "INVALID_ARGUMENT: capacity must be a non-negative integer, got -1");
//! ```
use std::fmt;

/// Stable error codes the engine produces, the same strings in Rust and in JS
/// ("QUEUE_FULL", ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A bounded queue has no room (the pool's `maxQueue`).
    QueueFull,
    /// An operation on a closed channel.
    ChannelClosed,
    /// A submit to (or a task of) a closed pool.
    PoolClosed,
    /// A bad argument from the caller.
    InvalidArgument,
    /// A broken invariant: a bug in weft.
    Internal,
    /// The operation was cancelled (a compute kernel's job); the facade adds the reason.
    Canceled,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 6] = [
        ErrorCode::QueueFull,
        ErrorCode::ChannelClosed,
        ErrorCode::PoolClosed,
        ErrorCode::InvalidArgument,
        ErrorCode::Internal,
        ErrorCode::Canceled,
    ];

    /// The code's stable string, e.g. `"QUEUE_FULL"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::QueueFull => "QUEUE_FULL",
            ErrorCode::ChannelClosed => "CHANNEL_CLOSED",
            ErrorCode::PoolClosed => "POOL_CLOSED",
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::Canceled => "CANCELED",
        }
    }

    /// Whether retrying the same operation later may succeed (as the JS `WeftError`'s
    /// `transient` default for the same code).
    pub const fn is_transient(self) -> bool {
        matches!(self, ErrorCode::QueueFull)
    }
}

impl AsRef<str> for ErrorCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An engine error: a code and a message meant for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
}

/// `Result` with the engine's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error with any code.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }

    /// A bad argument; the message starts with the parameter's name.
    pub fn invalid_argument(param: &str, problem: impl fmt::Display) -> Self {
        Error::new(ErrorCode::InvalidArgument, format!("{param} {problem}"))
    }

    /// A broken invariant: a bug in weft, not in the caller.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Internal, message)
    }

    /// The error's stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The message without the code.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

/// Runs `f` where nothing can be returned or thrown (a finalizer, a thread-local's
/// destructor, an env cleanup hook): a panic is reported on stderr instead of unwinding
/// further, which would abort the process there.
///
/// ```
/// weft_core::error::contain("a finalizer", || {}); // a panic inside would be printed
/// ```
pub fn contain(what: &str, f: impl FnOnce()) {
    if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        eprintln!("weft: native panic in {what}: {}", panic_text(&*payload));
    }
}

/// The message a panic carried (its `&str` or `String` payload).
///
/// ```
/// let payload = std::panic::catch_unwind(|| panic!("boom")).unwrap_err();
/// assert_eq!(weft_core::error::panic_text(&*payload), "boom");
/// ```
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_upper_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(s.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
        }
    }

    /// `ALL` holds every variant once: the match fails to compile when a variant is added,
    /// and the count below catches one missing from `ALL`.
    #[test]
    fn all_lists_every_code() {
        let position = |code: ErrorCode| match code {
            ErrorCode::QueueFull => 0,
            ErrorCode::ChannelClosed => 1,
            ErrorCode::PoolClosed => 2,
            ErrorCode::InvalidArgument => 3,
            ErrorCode::Internal => 4,
            ErrorCode::Canceled => 5,
        };
        let positions: Vec<usize> = ErrorCode::ALL.iter().map(|&c| position(c)).collect();
        assert_eq!(positions, (0..ErrorCode::ALL.len()).collect::<Vec<_>>());
    }

    /// The codes the engine decides, and only those: the JS facade's list holds these
    /// plus the ones it decides itself (test/errors.test.ts checks them against each other
    /// through the addon's `errorCodes()`).
    #[test]
    fn the_engine_produces_exactly_these_codes() {
        let strings: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            strings,
            [
                "QUEUE_FULL",
                "CHANNEL_CLOSED",
                "POOL_CLOSED",
                "INVALID_ARGUMENT",
                "INTERNAL",
                "CANCELED"
            ]
        );
    }

    #[test]
    fn only_retryable_codes_are_transient() {
        assert!(ErrorCode::QueueFull.is_transient());
        assert!(!ErrorCode::ChannelClosed.is_transient());
        assert!(!ErrorCode::PoolClosed.is_transient());
        assert!(!ErrorCode::InvalidArgument.is_transient());
        assert!(!ErrorCode::Internal.is_transient());
    }
}
