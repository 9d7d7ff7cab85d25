use super::*;
use crate::testing::{exact_sum, finite, for_each_type, random, with_edges, Rng, Sample, SIZES};

fn job() -> Job {
    Job::new()
}

fn bound(n: usize, abs_sum: f64) -> f64 {
    let m = 20.0 + (n.div_ceil(BLOCK).max(1) as f64).log2().ceil();
    m * f64::EPSILON / 2.0 * abs_sum
}

/// An integer in [-2^40, 2^40] scaled by 2^-20: exactly representable in f64, with an
/// exact sum in i128 units of 2^-20.
fn fixed_point(rng: &mut Rng) -> (f64, i128) {
    let units = (rng.next() % (1 << 41)) as i128 - (1 << 40);
    (units as f64 / (1u64 << 20) as f64, units)
}

#[test]
fn sums_of_exact_values_are_exact() {
    let mut rng = Rng(7);
    for n in SIZES {
        let (xs, units): (Vec<f64>, Vec<i128>) = (0..n).map(|_| fixed_point(&mut rng)).unzip();
        let exact: i128 = units.iter().sum();
        // Each partial sum stays below 2^53 units of 2^-20, so every addition is exact.
        assert_eq!(
            sum(&xs, &job()),
            Ok(Total::Float(exact as f64 / (1u64 << 20) as f64)),
            "n = {n}"
        );
    }
}

#[test]
fn rounding_error_stays_within_the_documented_bound() {
    let mut rng = Rng(11);
    for n in SIZES.into_iter().chain([1_000_003]) {
        // Random signs and magnitudes over many binades make every addition round.
        let xs: Vec<f64> = (0..n)
            .map(|_| rng.float() * 2f64.powi((rng.next() % 60) as i32 - 30))
            .collect();
        let abs_sum: f64 = xs.iter().map(|x| x.abs()).sum();
        let exact = exact_sum(xs.iter().copied());
        let err = (sum(&xs, &job()).unwrap().to_f64() - exact).abs();
        assert!(
            err <= bound(n, abs_sum),
            "n = {n}: error {err:e} over bound {:e}",
            bound(n, abs_sum)
        );
    }
}

fn float_sums_are_within_the_bound<T: Sample>() {
    if T::KIND != Kind::Float {
        return;
    }
    let mut rng = Rng(13);
    for n in SIZES {
        let xs: Vec<T> = finite(&mut rng, n);
        let wide: Vec<f64> = xs.iter().map(|x| x.to_f64()).collect();
        let abs_sum: f64 = wide.iter().map(|x| x.abs()).sum();
        let got = sum(&xs, &job()).unwrap();
        let Total::Float(got) = got else {
            panic!("float input gave {got:?}")
        };
        assert!(
            (got - exact_sum(wide)).abs() <= bound(n, abs_sum),
            "{n} {}",
            T::ARRAY_NAME
        );
    }
}

fn integer_sums_are_exact<T: Sample>() {
    if T::KIND == Kind::Float {
        return;
    }
    let mut rng = Rng(17);
    for n in SIZES {
        for xs in [random::<T>(&mut rng, n), with_edges::<T>(&mut rng, n)] {
            let exact: i128 = xs.iter().map(|x| x.to_i128()).sum();
            assert_eq!(
                sum(&xs, &job()),
                Ok(Total::Int(exact)),
                "{n} {}",
                T::ARRAY_NAME
            );
        }
    }
    // All at the type's extremes: no intermediate overflows.
    for v in [T::LOWEST, T::HIGHEST] {
        let n = PARALLEL_FROM + 3;
        let xs = vec![v; n];
        assert_eq!(sum(&xs, &job()), Ok(Total::Int(v.to_i128() * n as i128)));
    }
}

#[test]
fn sums_for_every_type() {
    for_each_type!(float_sums_are_within_the_bound);
    for_each_type!(integer_sums_are_exact);
}

#[test]
fn f32_input_accumulates_in_f64() {
    // 2^24 + 1 is not an f32, but the f64 accumulator holds it.
    let xs = vec![1.0_f32; (1 << 24) + 1];
    assert_eq!(sum(&xs, &job()), Ok(Total::Float(((1 << 24) + 1) as f64)));
}

#[test]
fn nan_and_infinities_propagate_like_a_plain_loop() {
    for n in [3, PARALLEL_FROM + 5] {
        let mut xs = vec![1.0_f64; n];
        xs[n / 2] = f64::INFINITY;
        assert_eq!(sum(&xs, &job()), Ok(Total::Float(f64::INFINITY)));
        xs[0] = f64::NEG_INFINITY;
        assert!(sum(&xs, &job()).unwrap().to_f64().is_nan());
        xs[0] = f64::NAN;
        assert!(sum(&xs, &job()).unwrap().to_f64().is_nan());
        assert!(mean(&xs, &job()).unwrap().is_nan());
        assert!(variance(&xs, 0.0, &job()).unwrap().is_nan());
    }
}

fn mean_and_variance_match_a_reference<T: Sample>() {
    let mut rng = Rng(19);
    for n in SIZES {
        let xs: Vec<T> = finite(&mut rng, n);
        let wide: Vec<f64> = xs.iter().map(|x| x.to_f64()).collect();
        let m = mean(&xs, &job()).unwrap();
        let want_mean = match T::KIND {
            Kind::Float => exact_sum(wide.iter().copied()) / n as f64,
            _ => xs.iter().map(|x| x.to_i128()).sum::<i128>() as f64 / n as f64,
        };
        if n == 0 {
            assert!(m.is_nan());
            assert!(variance(&xs, 0.0, &job()).unwrap().is_nan());
            continue;
        }
        let scale: f64 = wide.iter().map(|x| x.abs()).fold(0.0, f64::max);
        assert!(
            (m - want_mean).abs() <= 1e-13 * scale,
            "{} n = {n}: {m} vs {want_mean}",
            T::ARRAY_NAME
        );
        for ddof in [0.0, 1.0, 2.5] {
            // The reference: exact sums of exact-as-possible deviations from the mean.
            let center = want_mean;
            let dev: Vec<f64> = match T::KIND {
                Kind::Float => wide.iter().map(|x| x - center).collect(),
                _ => xs.iter().map(|x| x.to_i128() as f64 - center).collect(),
            };
            let ss = exact_sum(dev.iter().map(|d| d * d));
            let sd = exact_sum(dev.iter().copied());
            let want = (ss - sd * sd / n as f64) / (n as f64 - ddof).max(0.0);
            let got = variance(&xs, ddof, &job()).unwrap();
            if want.is_nan() || want.is_infinite() {
                assert!(
                    got.is_nan() || got == want || (ss - sd * sd / n as f64) < 1e-300,
                    "{} n = {n} ddof {ddof}: {got} vs {want}",
                    T::ARRAY_NAME
                );
                continue;
            }
            let tol = 1e-10 * want.abs() + 1e-12 * scale * scale;
            assert!(
                (got - want).abs() <= tol,
                "{} n = {n} ddof {ddof}: {got} vs {want}",
                T::ARRAY_NAME
            );
            assert_eq!(std(&xs, ddof, &job()).unwrap(), got.sqrt());
        }
    }
}

#[test]
fn mean_and_variance_for_every_type() {
    for_each_type!(mean_and_variance_match_a_reference);
    assert!(variance(&[1.0_f64], f64::NAN, &job()).is_err());
    assert!(variance(&[1.0_f64], f64::INFINITY, &job()).is_err());
    // One element, ddof 1: 0/0.
    assert!(variance(&[5_u8], 1.0, &job()).unwrap().is_nan());
    // Spread over a divisor clamped to 0.
    assert_eq!(variance(&[1_i32, 3], 2.0, &job()), Ok(f64::INFINITY));
}

#[test]
fn variance_is_exact_for_integers_far_from_zero() {
    // Centring on an integer next to the mean keeps the deviations exact where a float
    // mean of values near 2^62 could not.
    let base = 1_i64 << 62;
    let xs: Vec<i64> = (0..1000).map(|i| base + (i % 2)).collect();
    assert_eq!(variance(&xs, 0.0, &job()), Ok(0.25));
    let xs: Vec<u64> = (0..1001).map(|i| u64::MAX - (i % 3)).collect();
    let want = {
        let d: Vec<f64> = (0..1001).map(|i| (i % 3) as f64).collect();
        let m = d.iter().sum::<f64>() / 1001.0;
        d.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / 1001.0
    };
    let got = variance(&xs, 0.0, &job()).unwrap();
    assert!((got - want).abs() < 1e-12 * want, "{got} vs {want}");
}

#[test]
fn dot_matches_a_plain_loop_and_refuses_mismatched_lengths() {
    let mut rng = Rng(3);
    for n in SIZES {
        let a: Vec<f32> = (0..n).map(|_| rng.float() as f32).collect();
        let b: Vec<f32> = (0..n).map(|_| rng.float() as f32).collect();
        let products: Vec<f64> = a
            .iter()
            .zip(&b)
            .map(|(x, y)| *x as f64 * *y as f64)
            .collect();
        let abs_sum: f64 = products.iter().map(|p| p.abs()).sum();
        let got = dot(&a, &b, &job()).unwrap();
        assert!(
            (got - exact_sum(products.iter().copied())).abs() <= bound(n, abs_sum),
            "n = {n}"
        );
    }
    assert_eq!(
        dot(&[1.0_f64, 2.0], &[1.0], &job()),
        Err(KernelError::LengthMismatch { left: 2, right: 1 })
    );
}

fn dot_for<T: Sample>() {
    let mut rng = Rng(23);
    for n in SIZES {
        let a: Vec<T> = finite(&mut rng, n);
        let b: Vec<T> = finite(&mut rng, n);
        let products: Vec<f64> = a
            .iter()
            .zip(&b)
            .map(|(x, y)| x.to_f64() * y.to_f64())
            .collect();
        let abs_sum: f64 = products.iter().map(|p| p.abs()).sum();
        let got = dot(&a, &b, &job()).unwrap();
        let want = exact_sum(products.iter().copied());
        assert!(
            (got - want).abs() <= bound(n, abs_sum),
            "{} n = {n}: {got} vs {want}",
            T::ARRAY_NAME
        );
    }
}

#[test]
fn dot_for_every_type() {
    for_each_type!(dot_for);
}

/// `Math.min`/`Math.max` over the values as f64 (NaN wins, -0 below +0), or the integer
/// extremes.
fn reference_extremes<T: Sample>(xs: &[T]) -> Option<(T, T)> {
    if xs.iter().any(|x| x.is_nan()) {
        let nan = T::from_f64(f64::NAN);
        return Some((nan, nan));
    }
    let lo = xs.iter().copied().reduce(|a, b| {
        if T::KIND == Kind::Float {
            if b.to_f64().total_cmp(&a.to_f64()).is_lt() {
                b
            } else {
                a
            }
        } else if b < a {
            b
        } else {
            a
        }
    })?;
    let hi = xs.iter().copied().reduce(|a, b| {
        if T::KIND == Kind::Float {
            if b.to_f64().total_cmp(&a.to_f64()).is_gt() {
                b
            } else {
                a
            }
        } else if b > a {
            b
        } else {
            a
        }
    })?;
    Some((lo, hi))
}

fn extremes_match_math_min_and_max<T: Sample>()
where
    T::Extreme: std::fmt::Debug,
{
    let mut rng = Rng(29);
    for n in SIZES {
        for xs in [random::<T>(&mut rng, n), with_edges::<T>(&mut rng, n)] {
            let got = min_max(&xs, &job());
            match reference_extremes(&xs) {
                None => {
                    assert_eq!(got.is_err(), T::EMPTY_EXTREMES.is_none());
                    if let Some(e) = T::EMPTY_EXTREMES {
                        assert_eq!(got, Ok(e));
                        assert_eq!(min(&xs, &job()), Ok(e.0));
                        assert_eq!(max(&xs, &job()), Ok(e.1));
                    }
                }
                Some((lo, hi)) => {
                    let (glo, ghi) = got.unwrap();
                    let same = |g: T::Extreme, w: T| {
                        // Compare through the type: both are exact images of a T.
                        let w = T::Extreme::from(w);
                        format!("{g:?}") == format!("{w:?}")
                    };
                    assert!(
                        same(glo, lo),
                        "{} n = {n}: min {glo:?} vs {lo:?}",
                        T::ARRAY_NAME
                    );
                    assert!(
                        same(ghi, hi),
                        "{} n = {n}: max {ghi:?} vs {hi:?}",
                        T::ARRAY_NAME
                    );
                    assert!(same(min(&xs, &job()).unwrap(), lo));
                    assert!(same(max(&xs, &job()).unwrap(), hi));
                }
            }
        }
    }
}

#[test]
fn extremes_for_every_type() {
    for_each_type!(extremes_match_math_min_and_max);
}

#[test]
fn signed_zeros_and_nan_follow_math_min_and_max_across_chunks() {
    assert_eq!(min::<f64>(&[], &job()), Ok(f64::INFINITY));
    assert_eq!(max::<f64>(&[], &job()), Ok(f64::NEG_INFINITY));
    assert!(min::<i64>(&[], &job()).is_err());
    for n in [4, PARALLEL_FROM * 2 + 1] {
        let mut xs = vec![0.0_f64; n];
        assert!(min(&xs, &job()).unwrap().is_sign_positive());
        xs[n - 1] = -0.0; // a -0 in the last parallel chunk still wins
        let lo = min(&xs, &job()).unwrap();
        assert!(lo.is_sign_negative() && lo == 0.0);
        assert!(max(&xs, &job()).unwrap().is_sign_positive());
        let all_negative = vec![-0.0_f32; n];
        assert!(max(&all_negative, &job()).unwrap().is_sign_negative());
        xs[n / 3] = f64::NAN;
        assert!(min(&xs, &job()).unwrap().is_nan() && max(&xs, &job()).unwrap().is_nan());
    }
}

fn counts_match_a_plain_loop<T: Sample>() {
    let mut rng = Rng(31);
    for n in SIZES {
        let xs: Vec<T> = with_edges(&mut rng, n);
        let nonzero = xs.iter().filter(|&&x| x != T::ZERO).count() as u64;
        let nan = xs.iter().filter(|x| x.to_f64().is_nan()).count() as u64;
        assert_eq!(count_nonzero(&xs, &job()), Ok(nonzero), "{}", T::ARRAY_NAME);
        assert_eq!(count_nan(&xs, &job()), Ok(nan));
    }
}

#[test]
fn counts_for_every_type() {
    for_each_type!(counts_match_a_plain_loop);
    assert_eq!(count_nonzero(&[-0.0_f64, 0.0, f64::NAN], &job()), Ok(1));
}

#[test]
fn a_cancelled_job_stops_every_reduction() {
    let job = Job::new();
    job.cancel();
    let xs = vec![1.0_f64; PARALLEL_FROM + 1];
    let c = Err(KernelError::Canceled);
    assert_eq!(sum(&xs, &job), c.clone().map(|()| Total::Float(0.0)));
    assert_eq!(mean(&xs, &job), c.clone().map(|()| 0.0));
    assert_eq!(variance(&xs, 0.0, &job), c.clone().map(|()| 0.0));
    assert_eq!(min(&xs, &job), c.clone().map(|()| 0.0));
    assert_eq!(min_max(&xs[..3], &job), c.clone().map(|()| (0.0, 0.0)));
    assert_eq!(dot(&xs, &xs, &job), c.clone().map(|()| 0.0));
    assert_eq!(count_nonzero(&xs, &job), c.clone().map(|()| 0));
    assert_eq!(count_nan(&[1_u8], &job), c.clone().map(|()| 0));
}

#[test]
fn progress_reaches_the_declared_total() {
    let xs = vec![1_u16; PARALLEL_FROM + 99];
    let job = Job::new();
    sum(&xs, &job).unwrap();
    assert_eq!(job.progress(), (xs.len() as u64, xs.len() as u64));
    let job = Job::new();
    variance(&xs, 0.0, &job).unwrap();
    assert_eq!(job.progress(), (2 * xs.len() as u64, 2 * xs.len() as u64));
    let job = Job::new();
    min_max(&xs, &job).unwrap();
    assert_eq!(job.progress(), (xs.len() as u64, xs.len() as u64));
}
