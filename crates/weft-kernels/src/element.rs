//! The element types kernels run on, with what reductions need from them.

/// A float element type a kernel can reduce (the elements of `Float64Array` and
/// `Float32Array`). Sums accumulate in `f64`: an `f32` array's sum is exact to `f64`'s
/// precision rather than `f32`'s.
///
/// ```
/// use weft_kernels::Element;
/// assert_eq!(1.5_f32.to_f64(), 1.5);
/// ```
pub trait Element: Copy + Send + Sync + PartialOrd + 'static {
    /// The value as an `f64` (exact for both float widths).
    fn to_f64(self) -> f64;
    /// Whether the value is NaN.
    fn is_nan(self) -> bool;
}

impl Element for f64 {
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline]
    fn is_nan(self) -> bool {
        f64::is_nan(self)
    }
}

impl Element for f32 {
    #[inline]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline]
    fn is_nan(self) -> bool {
        f32::is_nan(self)
    }
}
