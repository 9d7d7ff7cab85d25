//! The element types kernels run on (those a JS TypedArray holds), with what the kernels
//! need from each: conversions, the arithmetic a TypedArray store gives, and the orders
//! `sort()` and `Math.min`/`Math.max` use.
//!
//! ```
//! use weft_kernels::element::{Element, Kind};
//! assert_eq!(1.5_f32.to_f64(), 1.5);
//! assert_eq!(<u8 as Element>::KIND, Kind::SmallInt);
//! assert_eq!(200_u8.wrapping_add(100), 44);
//! assert!(f64::NAN.same_value_zero(f64::NAN));
//! ```
use std::fmt::Debug;

/// How a type's values sum and convert: the three families the kernels treat apart.
///
/// ```
/// use weft_kernels::element::{Element, Kind};
/// assert_eq!(<f32 as Element>::KIND, Kind::Float);
/// assert_eq!(<i32 as Element>::KIND, Kind::SmallInt);
/// assert_eq!(<u64 as Element>::KIND, Kind::WideInt);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `f64`, `f32`: IEEE arithmetic, sums in `f64`.
    Float,
    /// Integers of at most 32 bits: every value is exact as an `f64` (a JS number).
    SmallInt,
    /// `i64`, `u64` (BigInt64Array, BigUint64Array): results keep the type, sums are exact.
    WideInt,
}

/// An element type a kernel runs on: `f64`, `f32`, `i32`, `u32`, `i16`, `u16`, `i8`, `u8`,
/// `i64` and `u64`, the elements of the ten TypedArray kinds.
///
/// Integer arithmetic wraps modulo 2^bits, as storing a JS result into an integer
/// TypedArray does (and as `Math.imul`, numpy and BigInt64Array do).
///
/// ```
/// use weft_kernels::Element;
/// assert_eq!(i32::MIN.div_trunc(-1), i32::MIN);
/// assert_eq!(7_u16.div_trunc(0), 0);
/// assert!(1.0_f64.nan_last_lt(f64::NAN));
/// ```
pub trait Element: Copy + Send + Sync + PartialOrd + Debug + Default + 'static {
    /// The type's family.
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert_eq!(<i16 as Element>::KIND, weft_kernels::element::Kind::SmallInt);
    /// ```
    const KIND: Kind;
    /// The JS name of the array that holds this type, for messages.
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert_eq!(<u8 as Element>::ARRAY_NAME, "Uint8Array");
    /// ```
    const ARRAY_NAME: &'static str;
    /// Zero (`+0` for floats).
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert!(<f64 as Element>::ZERO.is_sign_positive());
    /// ```
    const ZERO: Self;
    /// The value no element is below: `-Infinity` for floats, `MIN` for integers.
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert_eq!(<i8 as Element>::LOWEST, -128);
    /// ```
    const LOWEST: Self;
    /// The value no element is above: `Infinity` for floats, `MAX` for integers.
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert_eq!(<f32 as Element>::HIGHEST, f32::INFINITY);
    /// ```
    const HIGHEST: Self;
    /// What [`min`](crate::reduce::min) and [`max`](crate::reduce::max) return: `f64` (a JS
    /// number) for floats and integers of at most 32 bits, the type itself (a JS bigint) for
    /// 64-bit integers.
    ///
    /// ```
    /// use weft_kernels::Element;
    /// let lo: <i64 as Element>::Extreme = i64::MIN; // a bigint
    /// let n: <u32 as Element>::Extreme = 1.5; // a number
    /// ```
    type Extreme: Copy + Send + Sync + Debug + PartialEq + From<Self>;
    /// `Math.min()` and `Math.max()` of nothing (`Infinity`, `-Infinity`) where the result is
    /// a number; `None` for 64-bit integers, whose empty input is refused.
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert_eq!(<u8 as Element>::EMPTY_EXTREMES, Some((f64::INFINITY, f64::NEG_INFINITY)));
    /// assert_eq!(<u64 as Element>::EMPTY_EXTREMES, None);
    /// ```
    const EMPTY_EXTREMES: Option<(Self::Extreme, Self::Extreme)>;
    /// What [`scan`](crate::scan::scan) writes: the type itself for floats and 64-bit
    /// integers, `f64` for integers of at most 32 bits (exact up to 2^53).
    ///
    /// ```
    /// use weft_kernels::Element;
    /// let out: Vec<<i32 as Element>::ScanOut> = vec![0.5_f64]; // Int32Array scans to Float64Array
    /// ```
    type ScanOut: Element;

    /// The value as an `f64`: exact except for 64-bit integers beyond 2^53, which round.
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert_eq!(Element::to_f64(u64::MAX), 2f64.powi(64));
    /// ```
    fn to_f64(self) -> f64;
    /// An `f64` converted as Rust's `as` does (floats round; integers truncate toward zero
    /// and saturate, NaN gives 0).
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert_eq!(<u8 as Element>::from_f64(300.7), 255);
    /// ```
    fn from_f64(x: f64) -> Self;
    /// The value as an `i128`: exact for integers; floats convert as `as` does.
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert_eq!(Element::to_i128(u64::MAX), u64::MAX as i128);
    /// ```
    fn to_i128(self) -> i128;
    /// An `i128` reduced modulo 2^bits for integers; floats round.
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert_eq!(<i8 as Element>::from_i128_wrapping(200), -56);
    /// ```
    fn from_i128_wrapping(x: i128) -> Self;
    /// Whether the value is NaN (never for integers).
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert!(Element::is_nan(f32::NAN) && !Element::is_nan(3_u8));
    /// ```
    fn is_nan(self) -> bool;
    /// `self + other`: IEEE for floats, wrapping for integers.
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert_eq!(Element::wrapping_add(i32::MAX, 1), i32::MIN);
    /// ```
    fn wrapping_add(self, other: Self) -> Self;
    /// `self - other`: IEEE for floats, wrapping for integers.
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert_eq!(Element::wrapping_sub(0_u32, 1), u32::MAX);
    /// ```
    fn wrapping_sub(self, other: Self) -> Self;
    /// `self * other`: IEEE for floats, wrapping for integers.
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert_eq!(Element::wrapping_mul(0x10000_i32, 0x10000), 0);
    /// ```
    fn wrapping_mul(self, other: Self) -> Self;
    /// `self / other`: IEEE for floats; integers truncate toward zero, `MIN / -1` wraps to
    /// `MIN`, and `x / 0` gives 0 (what storing JS's `Infinity` or `NaN` into an integer
    /// array gives; the kernels refuse a zero divisor for 64-bit integers before dividing).
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert_eq!(Element::div_trunc(-7_i16, 2), -3);
    /// assert_eq!(Element::div_trunc(1.0_f64, 0.0), f64::INFINITY);
    /// ```
    fn div_trunc(self, other: Self) -> Self;
    /// The order `TypedArray.prototype.sort` leaves (numeric, NaN last), with `-0` and `+0`
    /// equal: `self < other`, or `other` is NaN and `self` is not.
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert!(f64::INFINITY.nan_last_lt(f64::NAN));
    /// assert!(!(-0.0_f64).nan_last_lt(0.0));
    /// ```
    fn nan_last_lt(self, other: Self) -> bool;
    /// JS's SameValueZero: `==`, except that NaN equals NaN.
    ///
    /// ```
    /// use weft_kernels::Element;
    /// assert!(f32::NAN.same_value_zero(f32::NAN) && (-0.0_f32).same_value_zero(0.0));
    /// ```
    fn same_value_zero(self, other: Self) -> bool;
}

macro_rules! float_element {
    ($t:ty, $name:literal) => {
        impl Element for $t {
            const KIND: Kind = Kind::Float;
            const ARRAY_NAME: &'static str = $name;
            const ZERO: Self = 0.0;
            const LOWEST: Self = <$t>::NEG_INFINITY;
            const HIGHEST: Self = <$t>::INFINITY;
            type Extreme = f64;
            const EMPTY_EXTREMES: Option<(f64, f64)> = Some((f64::INFINITY, f64::NEG_INFINITY));
            type ScanOut = $t;

            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_i128(self) -> i128 {
                self as i128
            }
            #[inline(always)]
            fn from_i128_wrapping(x: i128) -> Self {
                x as $t
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                self != self
            }
            #[inline(always)]
            fn wrapping_add(self, other: Self) -> Self {
                self + other
            }
            #[inline(always)]
            fn wrapping_sub(self, other: Self) -> Self {
                self - other
            }
            #[inline(always)]
            fn wrapping_mul(self, other: Self) -> Self {
                self * other
            }
            #[inline(always)]
            fn div_trunc(self, other: Self) -> Self {
                self / other
            }
            #[inline(always)]
            fn nan_last_lt(self, other: Self) -> bool {
                self < other || (other != other && self == self)
            }
            #[inline(always)]
            fn same_value_zero(self, other: Self) -> bool {
                self == other || (self != self && other != other)
            }
        }
    };
}

float_element!(f64, "Float64Array");
float_element!(f32, "Float32Array");

macro_rules! int_element {
    ($t:ty, $name:literal, $kind:ident, $extreme:ty, $empty:expr, $scan:ty, $div:ident) => {
        impl Element for $t {
            const KIND: Kind = Kind::$kind;
            const ARRAY_NAME: &'static str = $name;
            const ZERO: Self = 0;
            const LOWEST: Self = <$t>::MIN;
            const HIGHEST: Self = <$t>::MAX;
            type Extreme = $extreme;
            const EMPTY_EXTREMES: Option<($extreme, $extreme)> = $empty;
            type ScanOut = $scan;

            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_i128(self) -> i128 {
                self as i128
            }
            #[inline(always)]
            fn from_i128_wrapping(x: i128) -> Self {
                x as $t
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                false
            }
            #[inline(always)]
            fn wrapping_add(self, other: Self) -> Self {
                <$t>::wrapping_add(self, other)
            }
            #[inline(always)]
            fn wrapping_sub(self, other: Self) -> Self {
                <$t>::wrapping_sub(self, other)
            }
            #[inline(always)]
            fn wrapping_mul(self, other: Self) -> Self {
                <$t>::wrapping_mul(self, other)
            }
            #[inline(always)]
            fn div_trunc(self, other: Self) -> Self {
                $div!(self, other, $t)
            }
            #[inline(always)]
            fn nan_last_lt(self, other: Self) -> bool {
                self < other
            }
            #[inline(always)]
            fn same_value_zero(self, other: Self) -> bool {
                self == other
            }
        }
    };
}

/// Division of integers of at most 32 bits through `f64`, which vectorises: the quotient of
/// two such integers rounds by less than `1/|b|`, so it never crosses an integer and
/// truncating it gives the integer quotient. `i64` then wraps `MIN / -1`; `x / 0` is 0.
macro_rules! div_via_f64 {
    ($a:expr, $b:expr, $t:ty) => {{
        let q = ($a as f64 / $b as f64) as i64;
        if $b == 0 {
            0
        } else {
            q as $t
        }
    }};
}

/// 64-bit division: no vector instruction, so the integer one (the kernels refuse zero).
macro_rules! div_wide {
    ($a:expr, $b:expr, $t:ty) => {{
        if $b == 0 {
            0
        } else {
            <$t>::wrapping_div($a, $b)
        }
    }};
}

const NUMBER_EXTREMES: Option<(f64, f64)> = Some((f64::INFINITY, f64::NEG_INFINITY));

int_element!(
    i32,
    "Int32Array",
    SmallInt,
    f64,
    NUMBER_EXTREMES,
    f64,
    div_via_f64
);
int_element!(
    u32,
    "Uint32Array",
    SmallInt,
    f64,
    NUMBER_EXTREMES,
    f64,
    div_via_f64
);
int_element!(
    i16,
    "Int16Array",
    SmallInt,
    f64,
    NUMBER_EXTREMES,
    f64,
    div_via_f64
);
int_element!(
    u16,
    "Uint16Array",
    SmallInt,
    f64,
    NUMBER_EXTREMES,
    f64,
    div_via_f64
);
int_element!(
    i8,
    "Int8Array",
    SmallInt,
    f64,
    NUMBER_EXTREMES,
    f64,
    div_via_f64
);
int_element!(
    u8,
    "Uint8Array",
    SmallInt,
    f64,
    NUMBER_EXTREMES,
    f64,
    div_via_f64
);
int_element!(i64, "BigInt64Array", WideInt, i64, None, i64, div_wide);
int_element!(u64, "BigUint64Array", WideInt, u64, None, u64, div_wide);

/// The float element types (`f64`, `f32`), for kernels defined on floats only.
///
/// ```
/// fn half<T: weft_kernels::element::Float>(x: T) -> f64 {
///     x.to_f64() / 2.0
/// }
/// assert_eq!(half(3.0_f32), 1.5);
/// ```
pub trait Float: Element {}

impl Float for f64 {}
impl Float for f32 {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_integer_division_through_f64_is_exact_at_the_edges() {
        let edges_i32 = [
            i32::MIN,
            i32::MIN + 1,
            -7,
            -1,
            0,
            1,
            2,
            7,
            i32::MAX - 1,
            i32::MAX,
        ];
        for &a in &edges_i32 {
            for &b in &edges_i32 {
                let want = if b == 0 { 0 } else { a.wrapping_div(b) };
                assert_eq!(a.div_trunc(b), want, "{a} / {b}");
            }
        }
        let edges_u32 = [0, 1, 2, 3, 7, u32::MAX / 2, u32::MAX - 1, u32::MAX];
        for &a in &edges_u32 {
            for &b in &edges_u32 {
                let want = a.checked_div(b).unwrap_or(0);
                assert_eq!(a.div_trunc(b), want, "{a} / {b}");
            }
        }
        for a in i8::MIN..=i8::MAX {
            for b in i8::MIN..=i8::MAX {
                let want = if b == 0 { 0 } else { a.wrapping_div(b) };
                assert_eq!(a.div_trunc(b), want);
            }
        }
    }

    #[test]
    fn nan_sorts_last_and_zeros_are_equal() {
        assert!(!f64::NAN.nan_last_lt(f64::NAN));
        assert!(!f64::NAN.nan_last_lt(1.0));
        assert!(f64::INFINITY.nan_last_lt(f64::NAN));
        assert!(!(-0.0_f64).nan_last_lt(0.0));
        assert!((-0.0_f32).same_value_zero(0.0));
        assert!(!1_u8.same_value_zero(2));
    }
}
