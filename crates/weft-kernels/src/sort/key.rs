//! Order keys: each element type maps onto the unsigned integer of its width so that
//! integer order is `TypedArray.prototype.sort()`'s order, which the radix sort then sorts.
//!
//! Floats: -0 before +0 and every NaN (any sign, any payload) after +Infinity. The map is a
//! bijection on bit patterns, so sorting keys and mapping them back keeps every NaN's bits.
//! Descending keys reverse the order of every non-NaN value and still put NaN last.
//!
//! ```
//! use weft_kernels::sort::SortElement;
//! assert!((-0.0_f64).sort_key(false) < 0.0_f64.sort_key(false));
//! assert!(f64::INFINITY.sort_key(false) < (-f64::NAN).sort_key(false));
//! assert!(f64::INFINITY.sort_key(true) < f64::NAN.sort_key(true));
//! assert_eq!(f32::from_sort_key((-2.5_f32).sort_key(true), true), -2.5);
//! ```
use super::radix::RadixKey;

mod private {
    pub trait Sealed {}
}

/// The unsigned key of one element: `u8`, `u16`, `u32` or `u64`.
///
/// ```
/// use weft_kernels::sort::KeyBits;
/// assert_eq!(<u16 as KeyBits>::to_u64(7), 7);
/// ```
pub trait KeyBits: RadixKey + bytemuck::Pod + private::Sealed {
    /// The largest key (every NaN's [`SortElement::tie_key`]).
    const MAX: Self;
    /// The key widened to `u64`.
    fn to_u64(self) -> u64;
    /// The low bits of `x` as a key.
    fn from_u64(x: u64) -> Self;
}

macro_rules! key_bits {
    ($($t:ty),*) => {$(
        impl private::Sealed for $t {}
        impl KeyBits for $t {
            const MAX: Self = <$t>::MAX;
            #[inline(always)]
            fn to_u64(self) -> u64 {
                self as u64
            }
            #[inline(always)]
            fn from_u64(x: u64) -> Self {
                x as $t
            }
        }
    )*};
}
key_bits!(u8, u16, u32, u64);

/// An element type the sort kernels take (the elements of the ten numeric TypedArrays),
/// with its order key.
///
/// ```
/// use weft_kernels::sort::SortElement;
/// assert!((-1_i32).sort_key(false) < 1_i32.sort_key(false));
/// assert!((-1_i32).sort_key(true) > 1_i32.sort_key(true));
/// ```
pub trait SortElement:
    Copy + Send + Sync + PartialOrd + std::fmt::Debug + bytemuck::Pod + private::Sealed
{
    /// The unsigned integer of the same width.
    type Key: KeyBits;
    /// The key whose integer order is the sort order (ascending, or descending with NaN
    /// still last). A bijection: [`SortElement::from_sort_key`] gives back the same bits.
    ///
    /// ```
    /// use weft_kernels::sort::SortElement;
    /// assert!(1.0_f32.sort_key(false) < 2.0_f32.sort_key(false));
    /// ```
    fn sort_key(self, descending: bool) -> Self::Key;
    /// The element whose [`SortElement::sort_key`] is `key`.
    ///
    /// ```
    /// use weft_kernels::sort::SortElement;
    /// assert_eq!(u8::from_sort_key(200_u8.sort_key(true), true), 200);
    /// ```
    fn from_sort_key(key: Self::Key, descending: bool) -> Self;
    /// [`SortElement::sort_key`] with every NaN mapped to the largest key, so NaNs tie
    /// (stable kernels keep them in index order). Not a bijection for floats.
    ///
    /// ```
    /// use weft_kernels::sort::SortElement;
    /// assert_eq!(f64::NAN.tie_key(false), (-f64::NAN).tie_key(true));
    /// ```
    fn tie_key(self, descending: bool) -> Self::Key;
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl SortElement for $t {
            type Key = $t;
            #[inline(always)]
            fn sort_key(self, descending: bool) -> $t {
                if descending { !self } else { self }
            }
            #[inline(always)]
            fn from_sort_key(key: $t, descending: bool) -> $t {
                if descending { !key } else { key }
            }
            #[inline(always)]
            fn tie_key(self, descending: bool) -> $t {
                self.sort_key(descending)
            }
        }
    )*};
}
unsigned!(u8, u16, u32, u64);

macro_rules! signed {
    ($($t:ty => $u:ty),*) => {$(
        impl private::Sealed for $t {}
        impl SortElement for $t {
            type Key = $u;
            #[inline(always)]
            fn sort_key(self, descending: bool) -> $u {
                let k = (self as $u) ^ (1 << (<$u>::BITS - 1));
                if descending { !k } else { k }
            }
            #[inline(always)]
            fn from_sort_key(key: $u, descending: bool) -> $t {
                let k = if descending { !key } else { key };
                (k ^ (1 << (<$u>::BITS - 1))) as $t
            }
            #[inline(always)]
            fn tie_key(self, descending: bool) -> $u {
                self.sort_key(descending)
            }
        }
    )*};
}
signed!(i8 => u8, i16 => u16, i32 => u32, i64 => u64);

// Floats. `monotone` is the classic map (flip every bit of a negative, the sign bit of a
// positive): increasing over -NaN < -Inf < ... < -0 < +0 < ... < +Inf < +NaN. Subtracting
// the number of negative NaN patterns (wrapping) moves the negative NaNs from the bottom
// to the top, after the positive ones: ascending keys, NaN last, still a bijection.
// Descending keys are `KINF - ascending` (wrapping), where KINF is +Infinity's ascending
// key: non-NaN values reverse, NaNs stay above.
macro_rules! float {
    ($($t:ty => $u:ty, $mant:expr),*) => {$(
        impl private::Sealed for $t {}
        impl SortElement for $t {
            type Key = $u;
            #[inline(always)]
            fn sort_key(self, descending: bool) -> $u {
                const SIGN: $u = 1 << (<$u>::BITS - 1);
                const NEG_NANS: $u = (1 << $mant) - 1;
                const KINF: $u = (<$t>::INFINITY.to_bits() ^ SIGN).wrapping_sub(NEG_NANS);
                let b = self.to_bits();
                let mask = ((b >> (<$u>::BITS - 1)) * <$u>::MAX) | SIGN;
                let k = (b ^ mask).wrapping_sub(NEG_NANS);
                if descending { KINF.wrapping_sub(k) } else { k }
            }
            #[inline(always)]
            fn from_sort_key(key: $u, descending: bool) -> $t {
                const SIGN: $u = 1 << (<$u>::BITS - 1);
                const NEG_NANS: $u = (1 << $mant) - 1;
                const KINF: $u = (<$t>::INFINITY.to_bits() ^ SIGN).wrapping_sub(NEG_NANS);
                let k = if descending { KINF.wrapping_sub(key) } else { key };
                let m = k.wrapping_add(NEG_NANS);
                // m's top bit is set exactly for a positive value.
                let mask = (((m >> (<$u>::BITS - 1)) ^ 1) * <$u>::MAX) | SIGN;
                <$t>::from_bits(m ^ mask)
            }
            #[inline(always)]
            fn tie_key(self, descending: bool) -> $u {
                if self.is_nan() { <$u>::MAX } else { self.sort_key(descending) }
            }
        }
    )*};
}
float!(f64 => u64, 52, f32 => u32, 23);
