use super::*;
use crate::testing::{for_each_type, random, with_edges, Rng, Sample, SIZES};

fn job() -> Job {
    Job::new()
}

/// numpy's results (numpy 2.4), edges as f64 bit patterns.
#[test]
fn matches_numpy_on_recorded_cases() {
    let a = [0.1_f32, 0.2, 0.3, 0.7, 1.0, 0.35, 0.6];
    type Case = ((Vec<u64>, Vec<f64>), (Vec<u64>, Vec<u64>));
    let cases: Vec<Case> = vec![
        (
            histogram(&a, 7, None, &job()).unwrap(),
            (
                vec![2, 2, 0, 1, 1, 0, 1],
                vec![
                    0x3fb99999a0000000,
                    0x3fcd41d400000000,
                    0x3fd6db6da0000000,
                    0x3fdf15f140000000,
                    0x3fe3a83a80000000,
                    0x3fe7c57c40000000,
                    0x3febe2be20000000,
                    0x3ff0000000000000,
                ],
            ),
        ),
        (
            histogram(&a, 3, Some((0.1, 0.7)), &job()).unwrap(),
            (
                vec![2, 2, 2],
                vec![
                    0x3fb99999a0000000,
                    0x3fd3333340000000,
                    0x3fe0000000000000,
                    0x3fe6666660000000,
                ],
            ),
        ),
        (
            histogram(&[0.1_f64, 0.1, 0.1, 0.3], 10, Some((0.1, 0.3)), &job()).unwrap(),
            (
                vec![3, 0, 0, 0, 0, 0, 0, 0, 0, 1],
                vec![
                    0x3fb999999999999a,
                    0x3fbeb851eb851eb8,
                    0x3fc1eb851eb851ec,
                    0x3fc47ae147ae147b,
                    0x3fc70a3d70a3d70a,
                    0x3fc9999999999999,
                    0x3fcc28f5c28f5c28,
                    0x3fceb851eb851eb8,
                    0x3fd0a3d70a3d70a4,
                    0x3fd1eb851eb851eb,
                    0x3fd3333333333333,
                ],
            ),
        ),
        (
            // np.linspace(0, 1, 101, dtype=np.float32)
            histogram(
                &(0..=100)
                    .map(|i| {
                        if i == 100 {
                            1.0
                        } else {
                            (i as f64 * 0.01) as f32
                        }
                    })
                    .collect::<Vec<f32>>(),
                10,
                None,
                &job(),
            )
            .unwrap(),
            (
                vec![10, 10, 10, 10, 10, 10, 10, 10, 11, 10],
                vec![
                    0x0000000000000000,
                    0x3fb99999a0000000,
                    0x3fc99999a0000000,
                    0x3fd3333340000000,
                    0x3fd99999a0000000,
                    0x3fe0000000000000,
                    0x3fe3333340000000,
                    0x3fe6666660000000,
                    0x3fe99999a0000000,
                    0x3feccccce0000000,
                    0x3ff0000000000000,
                ],
            ),
        ),
    ];
    for (i, ((counts, edges), (want_counts, want_bits))) in cases.into_iter().enumerate() {
        assert_eq!(counts, want_counts, "case {i}");
        let bits: Vec<u64> = edges.iter().map(|e| e.to_bits()).collect();
        assert_eq!(bits, want_bits, "case {i}");
    }
    let ints = [1_i64, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert_eq!(
        histogram(&ints, 3, None, &job()),
        Ok((vec![3, 3, 4], vec![1.0, 4.0, 7.0, 10.0]))
    );
    assert_eq!(
        histogram(&[5_u8, 5, 5], 4, None, &job()),
        Ok((vec![0, 0, 3, 0], vec![4.5, 4.75, 5.0, 5.25, 5.5]))
    );
    let p = 2f64.powi(62);
    assert_eq!(
        histogram(&[i64::MIN, i64::MAX], 4, None, &job()),
        Ok((vec![1, 0, 0, 1], vec![-2.0 * p, -p, 0.0, p, 2.0 * p]))
    );
}

/// A straightforward reading of numpy's rules: edges from linspace in `F`, bin `i` holds
/// `edges[i] <= x < edges[i+1]` (the last also `x == hi`), found by a linear search.
fn reference<T: Sample, F: BinFloat>(
    xs: &[T],
    bins: usize,
    range: Option<(f64, f64)>,
) -> Option<(Vec<u64>, Vec<f64>)> {
    let finite: Vec<f64> = xs
        .iter()
        .map(|x| x.to_f64())
        .filter(|x| x.is_finite())
        .collect();
    let edges: Vec<F> = match range {
        Some((lo, hi)) => {
            let (lo, hi) = if lo == hi {
                (lo - 0.5, hi + 0.5)
            } else {
                (lo, hi)
            };
            (0..=bins)
                .map(|i| {
                    if i == bins {
                        F::of(hi)
                    } else {
                        F::of(i as f64 * ((hi - lo) / bins as f64) + lo)
                    }
                })
                .collect()
        }
        None if finite.is_empty() => (0..=bins)
            .map(|i| {
                F::of(if i == bins {
                    1.0
                } else {
                    i as f64 * (1.0 / bins as f64)
                })
            })
            .collect(),
        None => {
            let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            // Integer data: F is f64, and numpy widens only equal integers.
            let same = if T::KIND == Kind::Float {
                F::of(lo) == F::of(hi)
            } else {
                xs.iter().all(|x| x.to_i128() == xs[0].to_i128())
            };
            let (lo, hi) = (F::of(lo), F::of(hi));
            let (lo, hi) = if same {
                (lo - F::of(0.5), hi + F::of(0.5))
            } else {
                (lo, hi)
            };
            let step = (hi - lo) / F::of(bins as f64);
            (0..=bins)
                .map(|i| {
                    if i == bins {
                        hi
                    } else {
                        F::of(i as f64) * step + lo
                    }
                })
                .collect()
        }
    };
    if !(edges[bins] - edges[0]).wide().is_finite() || edges.windows(2).any(|w| w[0] >= w[1]) {
        return None;
    }
    let mut counts = vec![0; bins];
    for x in xs {
        let v = F::of(x.to_f64());
        if !(v >= edges[0] && v <= edges[bins]) {
            continue;
        }
        let i = (0..bins)
            .find(|&i| edges[i] <= v && (v < edges[i + 1] || i == bins - 1))
            .unwrap();
        counts[i] += 1;
    }
    Some((counts, edges.iter().map(|e| e.wide()).collect()))
}

fn matches_the_reference<T: Sample>() {
    let mut rng = Rng(41);
    for n in SIZES {
        let data = [random::<T>(&mut rng, n), with_edges::<T>(&mut rng, n)];
        for xs in &data {
            for bins in [1, 3, 10, 64] {
                let ranges = [
                    None,
                    Some((-1.0, 1.0)),
                    Some((0.0, 0.0)),
                    Some((-3.0, 17.5)),
                    Some((-1e-3, 2e-3)),
                ];
                for range in ranges {
                    let got = histogram(xs, bins, range, &job()).ok();
                    let want = if T::KIND == Kind::Float && std::mem::size_of::<T>() == 4 {
                        reference::<T, f32>(xs, bins, range)
                    } else {
                        reference::<T, f64>(xs, bins, range)
                    };
                    assert_eq!(
                        got,
                        want,
                        "{} n = {n} bins = {bins} range {range:?}",
                        T::ARRAY_NAME
                    );
                }
            }
        }
    }
}

#[test]
fn matches_the_reference_for_every_type() {
    for_each_type!(matches_the_reference);
}

#[test]
fn refuses_bad_bins_and_ranges() {
    let xs = [1.0_f64, 2.0];
    let param = |r: Result<(Vec<u64>, Vec<f64>), KernelError>| match r {
        Err(KernelError::InvalidArgument { param, .. }) => param,
        other => panic!("{other:?}"),
    };
    assert_eq!(param(histogram(&xs, 0, None, &job())), "bins");
    assert_eq!(param(histogram(&xs, MAX_BINS + 1, None, &job())), "bins");
    assert_eq!(param(histogram(&xs, 2, Some((2.0, 1.0)), &job())), "range");
    assert_eq!(
        param(histogram(&xs, 2, Some((f64::NAN, 1.0)), &job())),
        "range"
    );
    assert_eq!(
        param(histogram(&xs, 2, Some((0.0, f64::INFINITY)), &job())),
        "range"
    );
    assert_eq!(
        param(histogram(&xs, 2, Some((-f64::MAX, f64::MAX)), &job())),
        "range"
    );
    // Three bins between two adjacent floats cannot all have a width.
    assert_eq!(
        param(histogram(&xs, 3, Some((1.0, 1.0 + f64::EPSILON)), &job())),
        "bins"
    );
    // Empty and all-NaN inputs use 0..1.
    assert_eq!(
        histogram::<f64>(&[], 2, None, &job()),
        Ok((vec![0, 0], vec![0.0, 0.5, 1.0]))
    );
    assert_eq!(
        histogram(&[f32::NAN], 2, None, &job()),
        Ok((vec![0, 0], vec![0.0, 0.5, 1.0]))
    );
    let job = Job::new();
    job.cancel();
    assert_eq!(histogram(&xs, 2, None, &job), Err(KernelError::Canceled));
}

#[test]
fn parallel_counts_add_up_and_report_progress() {
    let xs: Vec<u8> = (0..PARALLEL_FROM * 3 + 5)
        .map(|i| (i % 256) as u8)
        .collect();
    let job = Job::new();
    let (counts, _) = histogram(&xs, 256, Some((0.0, 256.0)), &job).unwrap();
    let mut want = vec![0_u64; 256];
    xs.iter().for_each(|&x| want[x as usize] += 1);
    assert_eq!(counts, want);
    assert_eq!(job.progress(), (xs.len() as u64, xs.len() as u64));
    let job = Job::new();
    histogram(&xs, 7, None, &job).unwrap();
    assert_eq!(job.progress(), (2 * xs.len() as u64, 2 * xs.len() as u64));
}
