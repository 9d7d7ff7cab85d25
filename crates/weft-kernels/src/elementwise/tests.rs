use super::*;
use crate::par::PARALLEL_FROM;
use crate::testing::{for_each_type, with_edges, Rng, Sample, SIZES};

fn job() -> Job {
    Job::new()
}

/// The reference arithmetic: floats through f64 rounded once to `T` (what a JS loop
/// stores; for one operation it equals the type's own IEEE result), integers exactly in
/// i128 and reduced modulo 2^bits.
fn reference<T: Sample>(op: BinaryOp, x: T, y: T) -> Option<T> {
    if T::KIND == Kind::Float {
        let (a, b) = (x.to_f64(), y.to_f64());
        return Some(T::from_f64(match op {
            BinaryOp::Add => a + b,
            BinaryOp::Sub => a - b,
            BinaryOp::Mul => a * b,
            BinaryOp::Div => a / b,
        }));
    }
    let (a, b) = (x.to_i128(), y.to_i128());
    Some(T::from_i128_wrapping(match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a.wrapping_mul(b),
        BinaryOp::Div if b == 0 => return (T::KIND != Kind::WideInt).then_some(T::ZERO),
        // Truncating division; MIN / -1 = 2^(bits-1) wraps to MIN.
        BinaryOp::Div => a / b,
    }))
}

const OPS: [BinaryOp; 4] = [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div];

fn all_same<T: Sample>(got: &[T], want: &[T]) -> bool {
    got.len() == want.len() && got.iter().zip(want).all(|(g, w)| g.same(*w))
}

fn binary_ops_match_the_reference<T: Sample>() {
    let mut rng = Rng(59);
    for n in SIZES {
        let a: Vec<T> = with_edges(&mut rng, n);
        let mut b: Vec<T> = with_edges(&mut rng, n);
        for op in OPS {
            if op == BinaryOp::Div && T::KIND == Kind::WideInt {
                // Zeros are refused: test them apart.
                b.iter_mut()
                    .filter(|y| **y == T::ZERO)
                    .for_each(|y| *y = T::from_f64(3.0));
            }
            let want: Vec<T> = a
                .iter()
                .zip(&b)
                .map(|(&x, &y)| reference(op, x, y).unwrap())
                .collect();
            let mut out = vec![T::default(); n];
            binary(op, &a, &b, &mut out, &job()).unwrap();
            assert!(all_same(&out, &want), "{} {op:?} n = {n}", T::ARRAY_NAME);
            let mut left = a.clone();
            binary_assign(op, &mut left, &b, &job()).unwrap();
            assert!(all_same(&left, &want), "{} {op:?} assign", T::ARRAY_NAME);
            let mut right = b.clone();
            binary_assign_right(op, &a, &mut right, &job()).unwrap();
            assert!(
                all_same(&right, &want),
                "{} {op:?} assign right",
                T::ARRAY_NAME
            );
        }
        // Every pair of edge values.
        let edges = T::edges();
        for op in OPS {
            for &x in &edges {
                for &y in &edges {
                    let mut out = [T::default()];
                    let got = binary(op, &[x], &[y], &mut out, &job());
                    match reference(op, x, y) {
                        Some(w) => {
                            got.unwrap();
                            assert!(
                                out[0].same(w),
                                "{} {x:?} {op:?} {y:?}: {:?}",
                                T::ARRAY_NAME,
                                out[0]
                            );
                        }
                        None => assert!(matches!(
                            got,
                            Err(KernelError::InvalidArgument { param: "b", .. })
                        )),
                    }
                }
            }
        }
    }
}

#[test]
fn binary_ops_for_every_type() {
    for_each_type!(binary_ops_match_the_reference);
}

#[test]
fn wide_division_by_zero_names_the_first_zero_and_writes_nothing() {
    let n = PARALLEL_FROM + 10;
    let a = vec![7_i64; n];
    let mut b = vec![1_i64; n];
    b[n - 3] = 0;
    b[n - 1] = 0;
    let mut out = vec![5_i64; n];
    let err = div(&a, &b, &mut out, &job()).unwrap_err();
    assert_eq!(
        err,
        KernelError::invalid(
            "b",
            format!("contains a zero at index {} (division by zero)", n - 3)
        )
    );
    assert!(out.iter().all(|&o| o == 5));
    let mut left = a.clone();
    assert!(div_assign(&mut left, &b, &job()).is_err());
    assert!(left == a);
    // 32-bit integers give 0 instead.
    let mut q = [9_u32; 2];
    div(&[5, 6], &[0, 3], &mut q, &job()).unwrap();
    assert_eq!(q, [0, 2]);
}

fn float_kernels_match_the_reference<T: Sample + Float>() {
    let mut rng = Rng(61);
    for n in SIZES {
        let x: Vec<T> = with_edges(&mut rng, n);
        let y: Vec<T> = with_edges(&mut rng, n);
        for alpha in [0.0, -1.5, 0.1, f64::INFINITY] {
            let want: Vec<T> = x
                .iter()
                .zip(&y)
                .map(|(a, b)| T::from_f64(b.to_f64() + alpha * a.to_f64()))
                .collect();
            let mut got = y.clone();
            axpy(alpha, &x, &mut got, &job()).unwrap();
            assert!(all_same(&got, &want), "axpy {} n = {n}", T::ARRAY_NAME);
            let want: Vec<T> = x.iter().map(|a| T::from_f64(a.to_f64() * alpha)).collect();
            let mut out = vec![T::default(); n];
            scale(&x, alpha, &mut out, &job()).unwrap();
            assert!(all_same(&out, &want), "scale {}", T::ARRAY_NAME);
            let mut inplace = x.clone();
            scale_assign(&mut inplace, alpha, &job()).unwrap();
            assert!(all_same(&inplace, &want));
        }
    }
}

#[test]
fn axpy_and_scale_for_both_float_types() {
    float_kernels_match_the_reference::<f64>();
    float_kernels_match_the_reference::<f32>();
    assert_eq!(
        axpy(1.0, &[1.0_f64], &mut [], &job()),
        Err(KernelError::LengthMismatch { left: 1, right: 0 })
    );
}

fn clamp_fill_copy_match_plain_loops<T: Sample>() {
    let mut rng = Rng(67);
    for n in SIZES {
        let xs: Vec<T> = with_edges(&mut rng, n);
        let (lo, hi) = (T::from_f64(-3.0), T::from_f64(5.0));
        let (lo, hi) = if lo > hi { (hi, lo) } else { (lo, hi) };
        let want: Vec<T> = xs
            .iter()
            .map(|&x| {
                if x.to_f64().is_nan() {
                    x
                } else if x < lo {
                    lo
                } else if x > hi {
                    hi
                } else {
                    x
                }
            })
            .collect();
        let mut out = vec![T::default(); n];
        clamp(&xs, lo, hi, &mut out, &job()).unwrap();
        assert!(all_same(&out, &want), "clamp {} n = {n}", T::ARRAY_NAME);
        let mut inplace = xs.clone();
        clamp_assign(&mut inplace, lo, hi, &job()).unwrap();
        assert!(all_same(&inplace, &want));
        let mut dst = vec![T::default(); n];
        copy(&xs, &mut dst, &job()).unwrap();
        assert!(all_same(&dst, &xs));
        let v = T::edges()[1];
        fill(&mut dst, v, &job()).unwrap();
        assert!(dst.iter().all(|d| d.same(v)));
    }
    assert!(matches!(
        clamp_assign(&mut [T::ZERO], T::HIGHEST, T::LOWEST, &job()),
        Err(KernelError::InvalidArgument { param: "lo", .. })
    ));
}

#[test]
fn clamp_fill_and_copy_for_every_type() {
    for_each_type!(clamp_fill_copy_match_plain_loops);
    assert!(clamp(&[1.0_f64], f64::NAN, 1.0, &mut [0.0], &job()).is_err());
    assert!(matches!(
        clamp(&[1.0_f32], 0.0, f32::NAN, &mut [0.0], &job()),
        Err(KernelError::InvalidArgument { param: "hi", .. })
    ));
    let mut out = [1.0_f64];
    clamp(&[-0.0], 0.0, 1.0, &mut out, &job()).unwrap();
    assert!(out[0] == 0.0 && out[0].is_sign_negative());
    assert_eq!(
        copy(&[1_u8, 2], &mut [0], &job()),
        Err(KernelError::LengthMismatch { left: 2, right: 1 })
    );
}

#[test]
fn a_cancelled_job_stops_every_elementwise_kernel() {
    let job = Job::new();
    job.cancel();
    let c = Err(KernelError::Canceled);
    let a = vec![1.0_f64; 8];
    let mut out = vec![0.0_f64; 8];
    assert_eq!(add(&a, &a, &mut out, &job), c);
    assert_eq!(mul_assign(&mut out, &a, &job), c);
    assert_eq!(binary_assign_right(BinaryOp::Div, &a, &mut out, &job), c);
    assert_eq!(axpy(2.0, &a, &mut out, &job), c);
    assert_eq!(scale(&a, 2.0, &mut out, &job), c);
    assert_eq!(clamp(&a, 0.0, 1.0, &mut out, &job), c);
    assert_eq!(fill(&mut out, 1.0, &job), c);
    assert_eq!(copy(&a, &mut out, &job), c);
    assert!(out.iter().all(|&o| o == 0.0));
    let job = Job::new();
    let big = vec![2_u64; PARALLEL_FROM + 1];
    let mut q = vec![0_u64; big.len()];
    div(&big, &big, &mut q, &job).unwrap();
    assert!(q.iter().all(|&x| x == 1));
    assert_eq!(job.progress(), (2 * big.len() as u64, 2 * big.len() as u64));
}
