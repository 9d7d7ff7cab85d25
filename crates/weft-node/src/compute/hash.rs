//! `hash` and `hashMany`: XXH3-64, XXH3-128, SHA-256 and BLAKE3 over bytes.
use napi::bindgen_prelude::{Object, TypedArray};
use napi::{Env, Result};
use napi_derive::napi;
use weft_kernels::hash::{hash as hash_one, hash_many as hash_all, Digest, HashAlgo};

use super::array::{Held, Owned, Region, Slice};
use super::job::KernelJob;
use super::run::{run_async, run_sync};
use super::value::KernelValue;
use crate::errors::invalid_argument;

fn algo(name: &str) -> Result<HashAlgo> {
    name.parse::<HashAlgo>()
        .map_err(|e| invalid_argument("algo", e))
}

fn digest(d: Digest) -> KernelValue {
    match d {
        Digest::U64(v) => KernelValue::BigInt(v.into()),
        Digest::U128(v) => KernelValue::UBigInt(v),
        Digest::Bytes(b) => KernelValue::Array(Owned::U8(b.to_vec())),
    }
}

/// The bytes of a view (the facade passes a Uint8Array over the caller's bytes).
fn bytes<'a>(
    view: Slice<'a>,
    param: &'static str,
) -> std::result::Result<&'a [u8], weft_kernels::KernelError> {
    match view {
        Slice::U8(b) => Ok(b),
        other => Err(weft_kernels::KernelError::invalid(
            param,
            format!("must be a Uint8Array, got {}", other.kind().name()),
        )),
    }
}

/// `kernels.hash(bytes, algo)`: bigint for xxh3-64 / xxh3-128, a 32-byte Uint8Array for
/// sha256 / blake3.
#[napi(
    catch_unwind,
    namespace = "kernels",
    ts_return_type = "bigint | Uint8Array"
)]
pub fn hash(data: TypedArray<'_>, algo_name: String) -> Result<KernelValue> {
    let algo = algo(&algo_name)?;
    let data = Region::of(&data, "data")?;
    // SAFETY: sync form (see `Region::view`); read only.
    run_sync(move |job| hash_one(bytes(unsafe { data.slice() }, "data")?, algo, job).map(digest))
}

/// `kernels.hashAsync(bytes, algo, job)`: as `hash`, off the calling thread.
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "hashAsync",
    ts_return_type = "Promise<bigint | Uint8Array>"
)]
pub fn hash_async<'e>(
    env: &'e Env,
    data: TypedArray<'_>,
    algo_name: String,
    job: &KernelJob,
) -> Result<Object<'e>> {
    let algo = algo(&algo_name)?;
    let data = Held::take(Region::of(&data, "data")?);
    run_async(env, job, move |job| {
        hash_one(bytes(data.slice(), "data")?, algo, job).map(digest)
    })
}

/// Hashes every held buffer.
fn hash_held(
    held: &[Held],
    algo: HashAlgo,
    job: &weft_kernels::Job,
) -> std::result::Result<KernelValue, weft_kernels::KernelError> {
    let views: Vec<&[u8]> = held
        .iter()
        .map(|h| bytes(h.slice(), "bufs"))
        .collect::<std::result::Result<_, _>>()?;
    Ok(KernelValue::List(
        hash_all(&views, algo, job)?
            .into_iter()
            .map(digest)
            .collect(),
    ))
}

/// `kernels.hashMany(bufs, algo)`: one digest per buffer, computed in parallel.
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "hashMany",
    ts_return_type = "Array<bigint | Uint8Array>"
)]
pub fn hash_many(bufs: Vec<TypedArray<'_>>, algo_name: String) -> Result<KernelValue> {
    let algo = algo(&algo_name)?;
    // Sync form: each buffer is read in place (`Held::input_sync` with no output).
    let held: Vec<Held> = bufs
        .iter()
        .map(|b| Region::of(b, "bufs").map(|r| Held::input_sync(r, None)))
        .collect::<Result<_>>()?;
    run_sync(move |job| hash_held(&held, algo, job))
}

/// `kernels.hashManyAsync(bufs, algo, job)`: as `hashMany`, off the calling thread.
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "hashManyAsync",
    ts_return_type = "Promise<Array<bigint | Uint8Array>>"
)]
pub fn hash_many_async<'e>(
    env: &'e Env,
    bufs: Vec<TypedArray<'_>>,
    algo_name: String,
    job: &KernelJob,
) -> Result<Object<'e>> {
    let algo = algo(&algo_name)?;
    let held: Vec<Held> = bufs
        .iter()
        .map(|b| Region::of(b, "bufs").map(Held::take))
        .collect::<Result<_>>()?;
    run_async(env, job, move |job| hash_held(&held, algo, job))
}
