//! Size arguments (matrix dimensions, counts) given as JS numbers.
use napi::Result;

use crate::errors::invalid_argument;

/// A non-negative integer `n` (a JS number) as a `usize`, else INVALID_ARGUMENT naming
/// `param`.
pub fn dim(n: f64, param: &str) -> Result<usize> {
    if n.fract() == 0.0
        && (0.0..=9_007_199_254_740_991.0).contains(&n)
        && let Ok(n) = usize::try_from(n as u64)
    {
        return Ok(n);
    }
    Err(invalid_argument(
        param,
        format!("must be a non-negative integer, got {n}"),
    ))
}
