//! Element-wise kernels: add, sub, mul, div, scale, clamp and copy into an output array;
//! axpy and fill in place.
use napi::bindgen_prelude::{BigInt, Either, Object, TypedArray};
use napi::{Env, Result};
use napi_derive::napi;
use weft_kernels::elementwise::{self as kernels, BinaryOp};
use weft_kernels::{Job, KernelError};

use super::array::{with_slice, with_view, Held, Region, Slice, Target, View};
use super::job::KernelJob;
use super::run::{run_async, run_sync};
use super::typed::{same, same_mut, Scalar, Typed};
use super::value::KernelValue;
use crate::errors::invalid_argument;

fn binary_op(name: &str) -> Result<BinaryOp> {
    Ok(match name {
        "add" => BinaryOp::Add,
        "sub" => BinaryOp::Sub,
        "mul" => BinaryOp::Mul,
        "div" => BinaryOp::Div,
        _ => {
            return Err(invalid_argument(
                "op",
                format!("is not add, sub, mul or div: {name:?}"),
            ))
        }
    })
}

/// A JS number or bigint scalar.
fn scalar(v: Either<f64, BigInt>) -> Scalar {
    match v {
        Either::A(n) => Scalar::Number(n),
        Either::B(b) => {
            let (signed, words) = (b.sign_bit, b.words);
            let magnitude = words
                .iter()
                .take(2)
                .rev()
                .fold(0_u128, |acc, &w| (acc << 64) | w as u128);
            let n = magnitude as i128;
            Scalar::BigInt(if signed { n.wrapping_neg() } else { n })
        }
    }
}

/// One element-wise operation, decided at the call.
#[derive(Clone, Copy)]
enum Op {
    Binary(BinaryOp),
    Scale(f64),
    Clamp(Scalar, Scalar),
    Copy,
}

impl Op {
    /// The names the JS API gives the input and the output (for messages).
    fn params(self) -> (&'static str, &'static str) {
        match self {
            Op::Copy => ("src", "dst"),
            Op::Scale(_) => ("x", "out"),
            Op::Binary(_) | Op::Clamp(..) => ("a", "out"),
        }
    }

    fn run(
        self,
        a: Slice<'_>,
        b: Option<Slice<'_>>,
        out: View<'_>,
        job: &Job,
    ) -> std::result::Result<(), KernelError> {
        fn typed<T: Typed>(
            op: Op,
            a: &[T],
            b: Option<Slice<'_>>,
            out: View<'_>,
            job: &Job,
        ) -> std::result::Result<(), KernelError> {
            let out = same_mut::<T>(out, "out")?;
            match op {
                Op::Binary(op) => {
                    let b = same::<T>(
                        b.ok_or_else(|| KernelError::invalid("b", "is missing"))?,
                        "b",
                    )?;
                    kernels::binary(op, a, b, out, job)
                }
                Op::Scale(alpha) => match T::ARRAY {
                    super::array::Kind::F64 => {
                        kernels::scale(as_f64(a), alpha, as_f64_mut(out), job)
                    }
                    super::array::Kind::F32 => {
                        kernels::scale(as_f32(a), alpha, as_f32_mut(out), job)
                    }
                    kind => Err(KernelError::invalid(
                        "x",
                        format!(
                            "must be a Float64Array or Float32Array, got {}",
                            kind.name()
                        ),
                    )),
                },
                Op::Clamp(lo, hi) => kernels::clamp(a, T::scalar(lo), T::scalar(hi), out, job),
                Op::Copy => kernels::copy(a, out, job),
            }
        }
        with_slice!(a, xs => typed(self, xs, b, out, job))
    }
}

// The float-only kernels (scale, axpy) need `T: Float`; the binding dispatches on the
// element type and reinterprets the already-checked slices.
fn as_f64<T: Typed>(xs: &[T]) -> &[f64] {
    f64::slice_of(slice_like(xs)).unwrap_or(&[])
}
fn as_f32<T: Typed>(xs: &[T]) -> &[f32] {
    f32::slice_of(slice_like(xs)).unwrap_or(&[])
}
fn as_f64_mut<T: Typed>(xs: &mut [T]) -> &mut [f64] {
    f64::view_of(T::view_like(xs)).unwrap_or(&mut [])
}
fn as_f32_mut<T: Typed>(xs: &mut [T]) -> &mut [f32] {
    f32::view_of(T::view_like(xs)).unwrap_or(&mut [])
}
fn slice_like<T: Typed>(xs: &[T]) -> Slice<'_> {
    T::slice_like(xs)
}

/// `kernels.elementwise(op, a, b, out, p1, p2)`: `out = a op b` (add, sub, mul, div),
/// `out = a * p1` (scale), `out = clamp(a, p1, p2)` (clamp) or `out = a` (copy).
#[napi(catch_unwind, namespace = "kernels")]
pub fn elementwise(
    op: String,
    a: TypedArray<'_>,
    b: Option<TypedArray<'_>>,
    out: TypedArray<'_>,
    p1: Option<Either<f64, BigInt>>,
    p2: Option<Either<f64, BigInt>>,
) -> Result<()> {
    let op = parse(&op, p1, p2)?;
    let (a_name, out_name) = op.params();
    let out = Region::of(&out, out_name)?;
    let a = Held::input_sync(Region::of(&a, a_name)?, Some(&out));
    let b = b
        .map(|b| Region::of(&b, "b").map(|b| Held::input_sync(b, Some(&out))))
        .transpose()?;
    let target = Target::InPlace(out);
    run_sync(move |job| {
        target.write(|out| op.run(a.slice(), b.as_ref().map(Held::slice), out, job))
    })
    .map(|_| ())
}

/// `kernels.elementwiseAsync(op, a, b, out, p1, p2, job)`: as `elementwise`, off the
/// calling thread; resolves to the output as a new array unless `out` lies in a
/// SharedArrayBuffer (written in place: resolves to undefined).
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "elementwiseAsync",
    ts_return_type = "Promise<any>"
)]
#[allow(clippy::too_many_arguments)]
pub fn elementwise_async<'e>(
    env: &'e Env,
    op: String,
    a: TypedArray<'_>,
    b: Option<TypedArray<'_>>,
    out: Option<TypedArray<'_>>,
    p1: Option<Either<f64, BigInt>>,
    p2: Option<Either<f64, BigInt>>,
    job: &KernelJob,
) -> Result<Object<'e>> {
    let op = parse(&op, p1, p2)?;
    let (a_name, out_name) = op.params();
    let ra = Region::of(&a, a_name)?;
    let (kind, len) = (ra.kind(), ra.len());
    let out = out.map(|o| Region::of(&o, out_name)).transpose()?;
    let target = Target::for_async(out, kind, len);
    let a = Held::input_async(ra, target.region());
    let b = b
        .map(|b| Region::of(&b, "b").map(|b| Held::input_async(b, target.region())))
        .transpose()?;
    run_async(env, job, move |job| {
        target.write(|out| op.run(a.slice(), b.as_ref().map(Held::slice), out, job))
    })
}

fn parse(op: &str, p1: Option<Either<f64, BigInt>>, p2: Option<Either<f64, BigInt>>) -> Result<Op> {
    let need = |p: Option<Either<f64, BigInt>>, name: &str| {
        p.map(scalar)
            .ok_or_else(|| invalid_argument(name, "is missing"))
    };
    Ok(match op {
        "scale" => match need(p1, "alpha")? {
            Scalar::Number(alpha) => Op::Scale(alpha),
            Scalar::BigInt(_) => return Err(invalid_argument("alpha", "must be a number")),
        },
        "clamp" => Op::Clamp(need(p1, "lo")?, need(p2, "hi")?),
        "copy" => Op::Copy,
        name => Op::Binary(binary_op(name)?),
    })
}

/// In-place kernels on `a`: axpy (`a += alpha * x`) and fill.
#[derive(Clone, Copy)]
enum InPlace {
    Axpy(f64),
    Fill(Scalar),
}

impl InPlace {
    /// The name the JS API gives the array written in place (for messages).
    fn param(self) -> &'static str {
        match self {
            InPlace::Axpy(_) => "y",
            InPlace::Fill(_) => "a",
        }
    }

    fn run(
        self,
        a: View<'_>,
        x: Option<Slice<'_>>,
        job: &Job,
    ) -> std::result::Result<(), KernelError> {
        fn typed<T: Typed>(
            op: InPlace,
            a: &mut [T],
            x: Option<Slice<'_>>,
            job: &Job,
        ) -> std::result::Result<(), KernelError> {
            match op {
                InPlace::Fill(v) => kernels::fill(a, T::scalar(v), job),
                InPlace::Axpy(alpha) => {
                    let x = same::<T>(
                        x.ok_or_else(|| KernelError::invalid("x", "is missing"))?,
                        "x",
                    )?;
                    match T::ARRAY {
                        super::array::Kind::F64 => {
                            kernels::axpy(alpha, as_f64(x), as_f64_mut(a), job)
                        }
                        super::array::Kind::F32 => {
                            kernels::axpy(alpha, as_f32(x), as_f32_mut(a), job)
                        }
                        kind => Err(KernelError::invalid(
                            "y",
                            format!(
                                "must be a Float64Array or Float32Array, got {}",
                                kind.name()
                            ),
                        )),
                    }
                }
            }
        }
        with_view!(a, xs => typed(self, xs, x, job))
    }
}

fn in_place_op(op: &str, p: Either<f64, BigInt>) -> Result<InPlace> {
    Ok(match (op, scalar(p)) {
        ("axpy", Scalar::Number(alpha)) => InPlace::Axpy(alpha),
        ("axpy", Scalar::BigInt(_)) => return Err(invalid_argument("alpha", "must be a number")),
        ("fill", v) => InPlace::Fill(v),
        _ => {
            return Err(invalid_argument(
                "op",
                format!("is not axpy or fill: {op:?}"),
            ))
        }
    })
}

/// `kernels.inPlace(op, a, p, x)`: `a += p * x` (axpy: `a` is y) or `a.fill(p)` (fill).
#[napi(catch_unwind, namespace = "kernels", js_name = "inPlace")]
pub fn in_place(
    op: String,
    a: TypedArray<'_>,
    p: Either<f64, BigInt>,
    x: Option<TypedArray<'_>>,
) -> Result<()> {
    let op = in_place_op(&op, p)?;
    let target = Target::InPlace(Region::of(&a, op.param())?);
    let x = x
        .map(|x| Region::of(&x, "x").map(|x| Held::input_sync(x, target.region())))
        .transpose()?;
    run_sync(move |job| target.write(|a| op.run(a, x.as_ref().map(Held::slice), job))).map(|_| ())
}

/// `kernels.inPlaceAsync(op, a, p, x, job)`: as `inPlace`, off the calling thread;
/// resolves to the new contents of `a` for the facade to copy in (undefined when `a`
/// lies in a SharedArrayBuffer and was written in place).
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "inPlaceAsync",
    ts_return_type = "Promise<any>"
)]
pub fn in_place_async<'e>(
    env: &'e Env,
    op: String,
    a: TypedArray<'_>,
    p: Either<f64, BigInt>,
    x: Option<TypedArray<'_>>,
    job: &KernelJob,
) -> Result<Object<'e>> {
    let op = in_place_op(&op, p)?;
    let ra = Region::of(&a, op.param())?;
    let x = x.map(|x| Region::of(&x, "x")).transpose()?;
    if ra.shared() {
        let x = x.map(|x| Held::input_async(x, Some(&ra)));
        let target = Target::InPlace(ra);
        return run_async(env, job, move |job| {
            target.write(|a| op.run(a, x.as_ref().map(Held::slice), job))
        });
    }
    let mut a = Held::take(ra);
    let x = x.map(Held::take);
    run_async(env, job, move |job| {
        op.run(a.view(), x.as_ref().map(Held::slice), job)?;
        Ok(a.into_copy()
            .map_or(KernelValue::Undefined, KernelValue::Array))
    })
}
