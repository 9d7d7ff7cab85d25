//! From the binding's per-type enums to a kernel's generic `T`: each element type knows
//! how to find itself in a [`Slice`] or [`View`], become an [`Owned`] array, and turn a JS
//! scalar (a number, or a bigint for the 64-bit types) into a value of itself.
use weft_kernels::KernelError;

use super::array::{each_element_type, Kind, Owned, Slice, View};
use super::value::KernelValue;

/// A scalar argument as JS gave it.
#[derive(Clone, Copy, Debug)]
pub enum Scalar {
    Number(f64),
    BigInt(i128),
}

/// See the [module documentation](self).
pub trait Typed: weft_kernels::Element {
    /// The binding's name for this type.
    const ARRAY: Kind;
    /// This type's elements, if `s` holds this type.
    fn slice_of(s: Slice<'_>) -> Option<&[Self]>;
    /// This type's elements, if `v` holds this type.
    fn view_of(v: View<'_>) -> Option<&mut [Self]>;
    /// The elements as an array for JS.
    fn owned(xs: Vec<Self>) -> Owned;
    /// A scalar of this type (the facade has already converted it as storing it in an
    /// array of this type would, so the conversion here is exact).
    fn scalar(x: Scalar) -> Self;
    /// One element as a JS value: a number, or a bigint for the 64-bit types.
    #[allow(dead_code)]
    fn value(self) -> KernelValue;
    /// The elements as a [`Slice`].
    fn slice_like(xs: &[Self]) -> Slice<'_>;
    /// The elements as a [`View`].
    fn view_like(xs: &mut [Self]) -> View<'_>;
}

macro_rules! typed {
    ($($v:ident $t:ty, $js:ident $name:literal,)*) => {$(
        impl Typed for $t {
            const ARRAY: Kind = Kind::$v;
            fn slice_of(s: Slice<'_>) -> Option<&[Self]> {
                match s { Slice::$v(xs) => Some(xs), _ => None }
            }
            fn view_of(v: View<'_>) -> Option<&mut [Self]> {
                match v { View::$v(xs) => Some(xs), _ => None }
            }
            fn owned(xs: Vec<Self>) -> Owned {
                Owned::$v(xs)
            }
            fn slice_like(xs: &[Self]) -> Slice<'_> {
                Slice::$v(xs)
            }
            fn view_like(xs: &mut [Self]) -> View<'_> {
                View::$v(xs)
            }
            fn scalar(x: Scalar) -> Self {
                match x {
                    Scalar::Number(n) => <$t as weft_kernels::Element>::from_f64(n),
                    Scalar::BigInt(n) => <$t as weft_kernels::Element>::from_i128_wrapping(n),
                }
            }
            fn value(self) -> KernelValue {
                if matches!(Kind::$v, Kind::I64 | Kind::U64) {
                    KernelValue::BigInt(weft_kernels::Element::to_i128(self))
                } else {
                    KernelValue::Number(weft_kernels::Element::to_f64(self))
                }
            }
        }
    )*};
}
each_element_type!(typed);

/// `param`'s elements as `T` (the type of the first array), else INVALID_ARGUMENT.
pub fn same<'a, T: Typed>(s: Slice<'a>, param: &'static str) -> Result<&'a [T], KernelError> {
    let kind = s.kind();
    T::slice_of(s).ok_or_else(|| mismatch::<T>(param, kind))
}

/// As [`same`], for an array the kernel writes.
pub fn same_mut<'a, T: Typed>(
    v: View<'a>,
    param: &'static str,
) -> Result<&'a mut [T], KernelError> {
    let kind = v.kind();
    T::view_of(v).ok_or_else(|| mismatch::<T>(param, kind))
}

fn mismatch<T: Typed>(param: &'static str, got: Kind) -> KernelError {
    KernelError::invalid(
        param,
        format!(
            "must be {} {} like a, got {}",
            if T::ARRAY.name().starts_with('I') {
                "an"
            } else {
                "a"
            },
            T::ARRAY.name(),
            got.name()
        ),
    )
}
