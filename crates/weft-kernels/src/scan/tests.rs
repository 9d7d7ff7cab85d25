use super::*;
use crate::par::PARALLEL_FROM;
use crate::testing::{finite, for_each_type, random, with_edges, Rng, Sample, SIZES};

fn job() -> Job {
    Job::new()
}

/// A plain running sum: exact (i128) for integers, an f64 loop for floats.
fn reference<T: Sample>(xs: &[T], exclusive: bool) -> Vec<f64> {
    let mut out = Vec::with_capacity(xs.len());
    let mut int = 0_i128;
    let mut float = 0.0_f64;
    for &x in xs {
        if exclusive {
            out.push(if T::KIND == Kind::Float {
                float
            } else {
                int as f64
            });
        }
        int += x.to_i128();
        float += x.to_f64();
        if !exclusive {
            out.push(if T::KIND == Kind::Float {
                float
            } else {
                int as f64
            });
        }
    }
    out
}

fn matches_a_running_sum<T: Sample>()
where
    T::ScanOut: Sample,
{
    let mut rng = Rng(43);
    for n in SIZES {
        for exclusive in [false, true] {
            let xs: Vec<T> = if T::KIND == Kind::WideInt {
                with_edges(&mut rng, n)
            } else {
                finite(&mut rng, n)
            };
            let mut out = vec![T::ScanOut::default(); n];
            scan(&xs, &mut out, exclusive, &job()).unwrap();
            match T::KIND {
                Kind::WideInt => {
                    // Wrapping: compare modulo 2^64 with an exact running sum.
                    let mut acc = 0_i128;
                    for (i, &x) in xs.iter().enumerate() {
                        let before = acc;
                        acc += x.to_i128();
                        let want = T::from_i128_wrapping(if exclusive { before } else { acc });
                        assert_eq!(
                            out[i].to_i128(),
                            want.to_i128(),
                            "{} n = {n} i = {i}",
                            T::ARRAY_NAME
                        );
                    }
                }
                Kind::SmallInt => {
                    let want = reference(&xs, exclusive);
                    let got: Vec<f64> = out.iter().map(|o| o.to_f64()).collect();
                    assert_eq!(got, want, "{} n = {n}", T::ARRAY_NAME);
                }
                Kind::Float => {
                    let want = reference(&xs, exclusive);
                    let mut abs = 0.0;
                    for (i, &x) in xs.iter().enumerate() {
                        abs += x.to_f64().abs();
                        let tol = 1e-12 * abs + T::ScanOut::from_f64(want[i]).to_f64().abs() * 1e-7;
                        let got = out[i].to_f64();
                        assert!(
                            (got - want[i]).abs() <= tol,
                            "{} n = {n} i = {i}: {got} vs {}",
                            T::ARRAY_NAME,
                            want[i]
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn matches_a_running_sum_for_every_type() {
    for_each_type!(matches_a_running_sum);
}

#[test]
fn float_scans_of_exact_values_are_exact_and_in_place_matches() {
    let mut rng = Rng(47);
    for n in SIZES {
        // Small integers: every partial sum is exact, in f32 too.
        let xs: Vec<f32> = (0..n).map(|_| rng.below(7) as f32 - 3.0).collect();
        for exclusive in [false, true] {
            let want: Vec<f32> = reference(&xs, exclusive)
                .iter()
                .map(|&x| x as f32)
                .collect();
            let mut out = vec![0.0_f32; n];
            scan(&xs, &mut out, exclusive, &job()).unwrap();
            assert_eq!(out, want);
            let mut inplace = xs.clone();
            scan_assign(&mut inplace, exclusive, &job()).unwrap();
            assert_eq!(inplace, want);
        }
        let wide: Vec<i64> = random(&mut rng, n);
        let mut out = vec![0_i64; n];
        scan(&wide, &mut out, false, &job()).unwrap();
        let mut inplace = wide.clone();
        scan_assign(&mut inplace, false, &job()).unwrap();
        assert_eq!(inplace, out);
    }
}

#[test]
fn nan_and_infinity_propagate_and_small_ints_stay_exact() {
    let mut xs = vec![1.0_f64; PARALLEL_FROM + 3];
    xs[10] = f64::INFINITY;
    xs[20] = f64::NEG_INFINITY;
    let mut out = vec![0.0; xs.len()];
    scan(&xs, &mut out, false, &job()).unwrap();
    assert_eq!(out[9], 10.0);
    assert_eq!(out[15], f64::INFINITY);
    assert!(out[20].is_nan() && out[xs.len() - 1].is_nan());
    // 2^32-1 summed 2^21 times passes 2^53: exact in the i64 total, rounded once.
    let big = vec![u32::MAX; 1 << 21];
    let mut out = vec![0.0; big.len()];
    scan(&big, &mut out, false, &job()).unwrap();
    for (i, o) in out.iter().enumerate().step_by(4099) {
        assert_eq!(*o, ((i as i128 + 1) * u32::MAX as i128) as f64);
    }
}

#[test]
fn refuses_mismatched_lengths_and_stops_when_cancelled() {
    let mut out = vec![0.0_f64; 2];
    assert_eq!(
        scan(&[1_u8], &mut out, false, &job()),
        Err(KernelError::LengthMismatch { left: 1, right: 2 })
    );
    let job = Job::new();
    job.cancel();
    assert_eq!(
        scan(&[1.0_f64, 2.0], &mut out, false, &job),
        Err(KernelError::Canceled)
    );
    assert_eq!(
        scan_assign(&mut out, false, &job),
        Err(KernelError::Canceled)
    );
    let job = Job::new();
    let xs = vec![1_i16; PARALLEL_FROM + 1];
    let mut out = vec![0.0; xs.len()];
    scan(&xs, &mut out, true, &job).unwrap();
    assert_eq!(job.progress(), (2 * xs.len() as u64, 2 * xs.len() as u64));
}
