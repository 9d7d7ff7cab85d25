//! Why a kernel did not produce its result.
use std::fmt;

/// Why a kernel refused its input or stopped.
///
/// ```
/// use weft_kernels::KernelError;
/// let e = KernelError::invalid("bins", "must be a positive integer, got 0");
/// assert_eq!(e.to_string(), "bins must be a positive integer, got 0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelError {
    /// Two arrays that must have the same length do not.
    LengthMismatch { left: usize, right: usize },
    /// An argument is out of its domain; `param` names it as the JS API does.
    InvalidArgument {
        param: &'static str,
        message: String,
    },
    /// The kernel's [`Job`](crate::Job) was cancelled before it finished.
    Canceled,
}

impl KernelError {
    /// An [`KernelError::InvalidArgument`] for `param`.
    ///
    /// ```
    /// let e = weft_kernels::KernelError::invalid("k", "must be at most 3, got 9");
    /// assert!(matches!(e, weft_kernels::KernelError::InvalidArgument { param: "k", .. }));
    /// ```
    pub fn invalid(param: &'static str, message: impl Into<String>) -> Self {
        KernelError::InvalidArgument {
            param,
            message: message.into(),
        }
    }
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::LengthMismatch { left, right } => {
                write!(
                    f,
                    "the arrays must have the same length, got {left} and {right}"
                )
            }
            KernelError::InvalidArgument { param, message } => write!(f, "{param} {message}"),
            KernelError::Canceled => write!(f, "the kernel was cancelled"),
        }
    }
}

impl std::error::Error for KernelError {}
