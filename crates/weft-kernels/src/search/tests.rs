use super::*;
use crate::element::Kind;
use crate::par::PARALLEL_FROM;
use crate::testing::{for_each_type, with_edges, Rng, Sample, SIZES};

fn job() -> Job {
    Job::new()
}

/// Sorted as `sort()` leaves it: numeric, -0 before +0, NaN last.
fn sorted<T: Sample>(mut xs: Vec<T>) -> Vec<T> {
    xs.sort_by(|a, b| {
        if T::KIND == Kind::Float {
            let (a, b) = (a.to_f64(), b.to_f64());
            match (a.is_nan(), b.is_nan()) {
                (true, true) => std::cmp::Ordering::Equal,
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                _ => a.total_cmp(&b),
            }
        } else {
            a.partial_cmp(b).unwrap()
        }
    });
    xs
}

fn is_nan<T: Element>(x: T) -> bool {
    x.to_f64().is_nan()
}

/// `a < b` in sort order with -0 == +0.
fn before<T: Element>(a: T, b: T) -> bool {
    if is_nan(a) {
        false
    } else if is_nan(b) {
        true
    } else {
        a < b
    }
}

fn matches_plain_loops<T: Sample>() {
    let mut rng = Rng(53);
    for n in SIZES.into_iter().filter(|&n| n <= 40_000) {
        let a = sorted(with_edges::<T>(&mut rng, n));
        // unique: keep x unless it equals (SameValueZero) the element before it.
        let want: Vec<T> = a
            .iter()
            .enumerate()
            .filter(|&(i, &x)| i == 0 || !(x == a[i - 1] || (is_nan(x) && is_nan(a[i - 1]))))
            .map(|(_, &x)| x)
            .collect();
        let got = unique(&a, &job()).unwrap();
        assert_eq!(got.len(), want.len(), "{} n = {n}", T::ARRAY_NAME);
        assert!(
            got.iter().zip(&want).all(|(g, w)| g.same(*w)),
            "{}",
            T::ARRAY_NAME
        );
        // search_sorted: count the elements before (left) or not after (right).
        let mut values: Vec<T> = with_edges(&mut rng, 200);
        values.extend(a.iter().step_by(n / 50 + 1).copied());
        let left = search_sorted(&a, &values, Side::Left, &job()).unwrap();
        let right = search_sorted(&a, &values, Side::Right, &job()).unwrap();
        for (i, &v) in values.iter().enumerate() {
            let l = a.iter().filter(|&&x| before(x, v)).count() as u32;
            let r = a.iter().filter(|&&x| !before(v, x)).count() as u32;
            assert_eq!(
                (left[i], right[i]),
                (l, r),
                "{} n = {n} v = {v:?}",
                T::ARRAY_NAME
            );
        }
    }
}

#[test]
fn matches_plain_loops_for_every_type() {
    for_each_type!(matches_plain_loops);
}

#[test]
fn large_inputs_use_the_parallel_path() {
    let a: Vec<u32> = (0..PARALLEL_FROM as u32 * 2).map(|i| i / 3).collect();
    let values: Vec<u32> = (0..PARALLEL_FROM as u32 + 7)
        .map(|i| i * 5 % 100_000)
        .collect();
    let left = search_sorted(&a, &values, Side::Left, &job()).unwrap();
    let right = search_sorted(&a, &values, Side::Right, &job()).unwrap();
    for (i, &v) in values.iter().enumerate() {
        assert_eq!(left[i] as usize, a.partition_point(|&x| x < v));
        assert_eq!(right[i] as usize, a.partition_point(|&x| x <= v));
    }
    let u = unique(&a, &job()).unwrap();
    assert!(u == (0..a.len().div_ceil(3) as u32).collect::<Vec<_>>());
}

#[test]
fn refuses_unsorted_input_anywhere() {
    let param = |r: Result<Vec<u32>, KernelError>| match r {
        Err(KernelError::InvalidArgument { param, .. }) => param,
        other => panic!("{other:?}"),
    };
    for n in [2, 33, PARALLEL_FROM + 1] {
        for at in [0, (n / 2).min(n - 2), n - 2] {
            let mut a: Vec<i32> = (0..n as i32).collect();
            a.swap(at, at + 1);
            assert_eq!(param(search_sorted(&a, &[1], Side::Left, &job())), "a");
            assert!(unique(&a, &job()).is_err());
        }
        // A chunk edge falls between two elements: the pair across it is checked too.
        let mut a: Vec<f64> = (0..n).map(|i| i as f64).collect();
        a[n - 1] = f64::NAN;
        assert!(unique(&a, &job()).is_ok());
        a.swap(n - 2, n - 1);
        assert!(unique(&a, &job()).is_err());
    }
    // -0 and +0 are equal in either order; NaN before a number is not sorted.
    assert!(unique(&[0.0_f64, -0.0, 0.0], &job()).is_ok());
    assert!(unique(&[f32::NAN, 1.0], &job()).is_err());
    let job = Job::new();
    job.cancel();
    assert_eq!(unique(&[1_u8], &job), Err(KernelError::Canceled));
    assert_eq!(
        search_sorted(&[1_u8], &[1], Side::Right, &job),
        Err(KernelError::Canceled)
    );
}
