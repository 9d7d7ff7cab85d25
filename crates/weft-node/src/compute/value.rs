//! What a kernel hands back to JS: a number, a bigint, a new TypedArray, nothing, or a
//! list of those (the facade shapes lists into objects such as `{ min, max }`).
use napi::bindgen_prelude::{BigInt, ToNapiValue};
use napi::{sys, Result};

use super::array::Owned;

/// A kernel's result, converted on the JS thread.
#[allow(dead_code)]
pub enum KernelValue {
    Undefined,
    Number(f64),
    BigInt(i128),
    /// An unsigned bigint too wide for `BigInt` (an XXH3-128 digest).
    UBigInt(u128),
    Array(Owned),
    List(Vec<KernelValue>),
}

impl ToNapiValue for KernelValue {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        // SAFETY: `env` is the env napi-rs passed for this conversion, on the JS thread.
        unsafe {
            match val {
                KernelValue::Undefined => <()>::to_napi_value(env, ()),
                KernelValue::Number(n) => f64::to_napi_value(env, n),
                KernelValue::BigInt(n) => BigInt::to_napi_value(env, BigInt::from(n)),
                KernelValue::UBigInt(n) => BigInt::to_napi_value(env, BigInt::from(n)),
                KernelValue::Array(a) => Owned::to_napi_value(env, a),
                KernelValue::List(items) => Vec::<KernelValue>::to_napi_value(env, items),
            }
        }
    }
}

impl From<f64> for KernelValue {
    fn from(n: f64) -> Self {
        KernelValue::Number(n)
    }
}

impl From<Owned> for KernelValue {
    fn from(a: Owned) -> Self {
        KernelValue::Array(a)
    }
}

impl From<()> for KernelValue {
    fn from((): ()) -> Self {
        KernelValue::Undefined
    }
}
