//! The engine's error type: a stable [`ErrorCode`] plus a human message.
//!
//! Codes are the contract with every binding: `weft-node` turns an [`Error`] into a JS
//! `WeftError` whose `code` is [`ErrorCode::as_str`].
//!
//! ```
//! use weft_core::{Error, ErrorCode};
//! let e = Error::invalid_argument("capacity", "must be a non-negative integer, got -1");
//! assert_eq!(e.code(), ErrorCode::InvalidArgument);
//! assert_eq!(e.to_string(), "INVALID_ARGUMENT: capacity must be a non-negative integer, got -1");
//! ```
use std::fmt;

/// Stable error codes, the same strings in Rust and in JS ("QUEUE_FULL", ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    QueueFull,
    Timeout,
    Canceled,
    DeadlineExceeded,
    ChannelClosed,
    PoolClosed,
    WorkerCrashed,
    Unserializable,
    InvalidArgument,
    Internal,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 10] = [
        ErrorCode::QueueFull,
        ErrorCode::Timeout,
        ErrorCode::Canceled,
        ErrorCode::DeadlineExceeded,
        ErrorCode::ChannelClosed,
        ErrorCode::PoolClosed,
        ErrorCode::WorkerCrashed,
        ErrorCode::Unserializable,
        ErrorCode::InvalidArgument,
        ErrorCode::Internal,
    ];

    /// The code's stable string, e.g. `"QUEUE_FULL"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::QueueFull => "QUEUE_FULL",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::Canceled => "CANCELED",
            ErrorCode::DeadlineExceeded => "DEADLINE_EXCEEDED",
            ErrorCode::ChannelClosed => "CHANNEL_CLOSED",
            ErrorCode::PoolClosed => "POOL_CLOSED",
            ErrorCode::WorkerCrashed => "WORKER_CRASHED",
            ErrorCode::Unserializable => "UNSERIALIZABLE",
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
            ErrorCode::Internal => "INTERNAL",
        }
    }

    /// Whether retrying the same operation later may succeed.
    pub const fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorCode::QueueFull | ErrorCode::Timeout | ErrorCode::WorkerCrashed
        )
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

    #[test]
    fn only_retryable_codes_are_transient() {
        assert!(ErrorCode::QueueFull.is_transient());
        assert!(!ErrorCode::InvalidArgument.is_transient());
        assert!(!ErrorCode::Internal.is_transient());
    }
}
