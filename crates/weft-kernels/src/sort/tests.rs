use std::cmp::Ordering;

use super::*;

/// xorshift64*: deterministic test data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the tests need from an element type: random values, the values that sort
/// specially, and the reference order (`TypedArray.prototype.sort`'s comparator).
trait TestElement: SortElement {
    fn from_bits(bits: u64) -> Self;
    fn special() -> Vec<Self>;
    fn is_nan(self) -> bool;
    /// V8's comparator: numeric, -0 before +0, NaN after everything (NaNs equal).
    fn v8_cmp(a: Self, b: Self) -> Ordering;
    /// Bits for comparing results: every NaN the same.
    fn canonical(self) -> u64;
    fn bits(self) -> u64;
}

macro_rules! int_element {
    ($($t:ty),*) => {$(
        impl TestElement for $t {
            fn from_bits(bits: u64) -> Self {
                bits as $t
            }
            fn special() -> Vec<Self> {
                vec![<$t>::MIN, <$t>::MAX, 0, 1, <$t>::MIN.wrapping_add(1), <$t>::MAX - 1]
            }
            fn is_nan(self) -> bool {
                false
            }
            fn v8_cmp(a: Self, b: Self) -> Ordering {
                a.cmp(&b)
            }
            fn canonical(self) -> u64 {
                self as u64
            }
            fn bits(self) -> u64 {
                self as u64
            }
        }
    )*};
}
int_element!(u8, i8, u16, i16, u32, i32, u64, i64);

macro_rules! float_element {
    ($($t:ty => $u:ty),*) => {$(
        impl TestElement for $t {
            fn from_bits(bits: u64) -> Self {
                <$t>::from_bits(bits as $u)
            }
            fn special() -> Vec<Self> {
                let nan_payload = <$t>::from_bits(<$t>::NAN.to_bits() | 0x15);
                vec![
                    <$t>::NAN,
                    -<$t>::NAN,
                    nan_payload,
                    -nan_payload,
                    <$t>::from_bits(<$u>::MAX),
                    0.0,
                    -0.0,
                    <$t>::INFINITY,
                    <$t>::NEG_INFINITY,
                    <$t>::MIN_POSITIVE,
                    -<$t>::MIN_POSITIVE,
                    <$t>::from_bits(1),
                    -<$t>::from_bits(1),
                    <$t>::MAX,
                    <$t>::MIN,
                    1.0,
                    -1.0,
                ]
            }
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            fn v8_cmp(a: Self, b: Self) -> Ordering {
                match (a.is_nan(), b.is_nan()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Greater,
                    (false, true) => Ordering::Less,
                    _ if a < b => Ordering::Less,
                    _ if a > b => Ordering::Greater,
                    // Equal, so both zeros or the same value.
                    _ => b.is_sign_negative().cmp(&a.is_sign_negative()),
                }
            }
            fn canonical(self) -> u64 {
                if self.is_nan() { u64::MAX } else { self.to_bits() as u64 }
            }
            fn bits(self) -> u64 {
                self.to_bits() as u64
            }
        }
    )*};
}
float_element!(f64 => u64, f32 => u32);

/// The comparator for `descending`: non-NaN reversed, NaN still last.
fn reference_cmp<T: TestElement>(descending: bool) -> impl Fn(&T, &T) -> Ordering {
    move |&a, &b| {
        if descending && !a.is_nan() && !b.is_nan() {
            T::v8_cmp(b, a)
        } else {
            T::v8_cmp(a, b)
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Shape {
    /// Any bit pattern (NaNs of every kind included for floats).
    Random,
    /// Few distinct values: long runs of duplicates.
    Duplicates,
    /// Random values with the special ones sprinkled in.
    Special,
    Sorted,
    Reversed,
    AllEqual,
    /// Small integers: keys differing only in their low bits.
    Small,
}

const SHAPES: [Shape; 7] = [
    Shape::Random,
    Shape::Duplicates,
    Shape::Special,
    Shape::Sorted,
    Shape::Reversed,
    Shape::AllEqual,
    Shape::Small,
];

fn data<T: TestElement>(rng: &mut Rng, shape: Shape, n: usize) -> Vec<T> {
    let special = T::special();
    let mut xs: Vec<T> = match shape {
        Shape::Random | Shape::Sorted | Shape::Reversed => {
            (0..n).map(|_| T::from_bits(rng.next())).collect()
        }
        Shape::Duplicates => {
            let pool: Vec<T> = (0..7).map(|_| T::from_bits(rng.next())).collect();
            (0..n).map(|_| pool[rng.below(7) as usize]).collect()
        }
        Shape::Special => (0..n)
            .map(|_| {
                if rng.below(3) == 0 {
                    special[rng.below(special.len() as u64) as usize]
                } else {
                    T::from_bits(rng.next())
                }
            })
            .collect(),
        Shape::AllEqual => vec![T::from_bits(rng.next()); n],
        Shape::Small => (0..n).map(|_| T::from_bits(rng.below(300))).collect(),
    };
    match shape {
        Shape::Sorted => xs.sort_by(reference_cmp(false)),
        Shape::Reversed => {
            xs.sort_by(reference_cmp(false));
            xs.reverse();
        }
        _ => {}
    }
    xs
}

/// Lengths around every edge: tiny, the insertion leaf, the comparison-sort limit, the
/// parallel threshold, and inputs whose buckets are themselves parallel regions.
fn lengths() -> Vec<usize> {
    let p = PARALLEL_FROM;
    vec![
        0,
        1,
        2,
        3,
        31,
        32,
        33,
        100,
        255,
        256,
        257,
        1000,
        4097,
        p - 1,
        p,
        p + 1,
        3 * p + 7,
    ]
}

/// Shapes worth running at length `n` (the large lengths get the ones that differ).
fn shapes_for(n: usize) -> &'static [Shape] {
    if n > PARALLEL_FROM + 1 {
        &[Shape::Random, Shape::Special, Shape::Small]
    } else {
        &SHAPES
    }
}

/// `got` is `want` up to the order of NaNs, and a permutation of `input`'s bit patterns.
fn assert_sorted_like<T: TestElement>(got: &[T], want: &[T], input: &[T], what: &str) {
    let canon = |v: &[T]| v.iter().map(|x| x.canonical()).collect::<Vec<_>>();
    assert!(canon(got) == canon(want), "{what}: order differs");
    let bits = |v: &[T]| {
        let mut b: Vec<u64> = v.iter().map(|x| x.bits()).collect();
        b.sort_unstable();
        b
    };
    assert!(
        bits(got) == bits(input),
        "{what}: not a permutation of the input"
    );
}

fn check_sort<T: TestElement>(seed: u64) {
    let mut rng = Rng(seed);
    for n in lengths() {
        for &shape in shapes_for(n) {
            let input: Vec<T> = data(&mut rng, shape, n);
            for descending in [false, true] {
                let what = format!(
                    "{} n={n} {shape:?} descending={descending}",
                    std::any::type_name::<T>()
                );
                let mut want = input.clone();
                want.sort_by(reference_cmp(descending));
                let mut got = input.clone();
                let job = Job::new();
                assert_eq!(sort(&mut got, descending, &job), Ok(()), "{what}");
                assert_eq!(job.progress(), (n as u64, n as u64), "{what}: progress");
                assert_sorted_like(&got, &want, &input, &what);
            }
        }
    }
}

fn check_argsort<T: TestElement>(seed: u64) {
    let mut rng = Rng(seed);
    for n in lengths() {
        for &shape in shapes_for(n) {
            let input: Vec<T> = data(&mut rng, shape, n);
            for descending in [false, true] {
                let what = format!(
                    "{} n={n} {shape:?} descending={descending}",
                    std::any::type_name::<T>()
                );
                let cmp = reference_cmp::<T>(descending);
                let mut want: Vec<u32> = (0..n as u32).collect();
                // std's sort_by is stable: ties keep index order.
                want.sort_by(|&a, &b| cmp(&input[a as usize], &input[b as usize]));
                let job = Job::new();
                let got = argsort(&input, descending, &job);
                assert!(got == Ok(Indices::U32(want.clone())), "{what}");
                assert_eq!(job.progress(), (n as u64, n as u64), "{what}: progress");
                // sort_by with values of another width and signedness.
                let mut keys = input.clone();
                let mut values: Vec<i16> = (0..n).map(|i| i as i16).collect();
                sort_by(&mut keys, &mut values, descending, &Job::new()).unwrap();
                let want_values: Vec<i16> = want.iter().map(|&i| i as i16).collect();
                assert!(values == want_values, "{what}: sort_by values");
                // Stable: keys come out exactly (NaN bits too) as the permutation puts them.
                let want_keys: Vec<u64> = want.iter().map(|&i| input[i as usize].bits()).collect();
                let got_keys: Vec<u64> = keys.iter().map(|x| x.bits()).collect();
                assert!(got_keys == want_keys, "{what}: sort_by keys");
            }
        }
    }
}

fn check_select<T: TestElement>(seed: u64) {
    let mut rng = Rng(seed);
    for n in lengths() {
        for &shape in shapes_for(n) {
            let input: Vec<T> = data(&mut rng, shape, n);
            let what = format!("{} n={n} {shape:?}", std::any::type_name::<T>());
            let mut ascending = input.clone();
            ascending.sort_by(reference_cmp(false));
            let cmp = reference_cmp::<T>(false);
            for k in [
                0,
                n / 3,
                n.saturating_sub(1),
                rng.below(n.max(1) as u64) as usize,
            ] {
                if k >= n {
                    continue;
                }
                let mut xs = input.clone();
                let kth = nth_element(&mut xs, k, &Job::new()).unwrap();
                assert_eq!(kth.canonical(), ascending[k].canonical(), "{what} k={k}");
                assert_eq!(xs[k].bits(), kth.bits(), "{what} k={k}");
                assert!(xs[..k].iter().all(|x| cmp(x, &kth) != Ordering::Greater));
                assert!(xs[k + 1..].iter().all(|x| cmp(x, &kth) != Ordering::Less));
                assert_sorted_like(
                    &{
                        xs.sort_by(&cmp);
                        xs
                    },
                    &ascending,
                    &input,
                    &what,
                );
            }
            for largest in [true, false] {
                let mut best = input.clone();
                best.sort_by(reference_cmp(largest));
                for k in [0, 1, 5, n / 2, n] {
                    if k > n {
                        continue;
                    }
                    let got = top_k(&input, k, largest, &Job::new()).unwrap();
                    let canon = |v: &[T]| v.iter().map(|x| x.canonical()).collect::<Vec<_>>();
                    assert!(
                        canon(&got) == canon(&best[..k]),
                        "{what} top_k k={k} largest={largest}"
                    );
                }
            }
        }
    }
}

macro_rules! per_type {
    ($($name:ident: $t:ty, $seed:expr;)*) => {$(
        mod $name {
            use super::*;
            #[test]
            fn sort_matches_the_reference_order() {
                check_sort::<$t>($seed);
            }
            #[test]
            fn argsort_and_sort_by_are_stable_and_match_the_reference() {
                check_argsort::<$t>($seed + 1);
            }
            #[test]
            fn nth_element_and_top_k_match_sorting() {
                check_select::<$t>($seed + 2);
            }
        }
    )*};
}

per_type! {
    f64s: f64, 10;
    f32s: f32, 20;
    i32s: i32, 30;
    u32s: u32, 40;
    i16s: i16, 50;
    u16s: u16, 60;
    i8s: i8, 70;
    u8s: u8, 80;
    i64s: i64, 90;
    u64s: u64, 100;
}

#[test]
fn keys_round_trip_and_order_the_specials() {
    fn round_trip<T: TestElement>() {
        let mut rng = Rng(5);
        let mut xs = T::special();
        xs.extend((0..10_000).map(|_| T::from_bits(rng.next())));
        for descending in [false, true] {
            for &x in &xs {
                let back = T::from_sort_key(x.sort_key(descending), descending);
                assert_eq!(back.bits(), x.bits(), "{x:?}");
            }
            let cmp = reference_cmp::<T>(descending);
            for &a in &xs[..40] {
                for &b in &xs {
                    let keys = a.sort_key(descending).cmp(&b.sort_key(descending));
                    if cmp(&a, &b) != Ordering::Equal {
                        assert_eq!(keys, cmp(&a, &b), "{a:?} {b:?} descending={descending}");
                    }
                    let ties = a.tie_key(descending).cmp(&b.tie_key(descending));
                    assert_eq!(ties, cmp(&a, &b), "{a:?} {b:?} descending={descending}");
                }
            }
        }
    }
    round_trip::<f64>();
    round_trip::<f32>();
    round_trip::<i64>();
    round_trip::<i8>();
    round_trip::<u16>();
}

#[test]
fn bad_arguments_are_refused() {
    let job = Job::new();
    let mut xs = [1.0_f64, 2.0];
    assert!(matches!(
        nth_element(&mut xs, 2, &job),
        Err(KernelError::InvalidArgument { param: "k", .. })
    ));
    assert!(matches!(
        nth_element::<u8>(&mut [], 0, &job),
        Err(KernelError::InvalidArgument { param: "k", .. })
    ));
    assert!(matches!(
        top_k(&xs, 3, true, &job),
        Err(KernelError::InvalidArgument { param: "k", .. })
    ));
    assert_eq!(top_k::<i32>(&[], 0, false, &job), Ok(vec![]));
    assert_eq!(
        sort_by(&mut [1_u8, 2], &mut [1.0_f32], false, &job),
        Err(KernelError::LengthMismatch { left: 2, right: 1 })
    );
    assert_eq!(argsort::<f32>(&[], true, &job), Ok(Indices::U32(vec![])));
}

#[test]
fn a_cancelled_job_stops_every_kernel_and_leaves_the_input_whole() {
    let mut rng = Rng(3);
    for n in [10, PARALLEL_FROM * 3] {
        let input: Vec<f64> = data(&mut rng, Shape::Special, n);
        let job = Job::new();
        job.cancel();
        let mut xs = input.clone();
        assert_eq!(sort(&mut xs, false, &job), Err(KernelError::Canceled));
        assert!(xs
            .iter()
            .zip(&input)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(argsort(&xs, false, &job), Err(KernelError::Canceled));
        let mut values = vec![0_u8; n];
        assert_eq!(
            sort_by(&mut xs, &mut values, false, &job),
            Err(KernelError::Canceled)
        );
        assert!(xs
            .iter()
            .zip(&input)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(nth_element(&mut xs, 1, &job), Err(KernelError::Canceled));
        assert_eq!(top_k(&xs, 1, true, &job), Err(KernelError::Canceled));
        let mut small = vec![3_u16; n];
        assert_eq!(sort(&mut small, false, &job), Err(KernelError::Canceled));
    }
}

#[test]
fn cancelling_midway_leaves_a_permutation_with_every_key_finished_once() {
    let mut rng = Rng(4);
    let n = PARALLEL_FROM * 20;
    let input: Vec<f64> = data(&mut rng, Shape::Random, n);
    let mut keys: Vec<u64> = input.iter().map(|x| x.sort_key(false)).collect();
    let job = Job::new();
    let finished = std::sync::atomic::AtomicUsize::new(0);
    let result = pool::install(|| {
        radix::sort(&mut keys, 0, &job, &radix::keep, &|run: &mut [u64]| {
            for k in run.iter_mut() {
                *k = f64::from_sort_key(*k, false).to_bits();
            }
            // The first finished region cancels the rest.
            finished.fetch_add(run.len(), std::sync::atomic::Ordering::Relaxed);
            job.cancel();
        })
    });
    assert_eq!(result, Err(KernelError::Canceled));
    assert_eq!(finished.into_inner(), n);
    let mut got: Vec<u64> = keys;
    let mut want: Vec<u64> = input.iter().map(|x| x.to_bits()).collect();
    got.sort_unstable();
    want.sort_unstable();
    assert!(got == want, "not a permutation of the input");
    assert!(job.progress().0 < n as u64);
}

#[test]
fn argsort_items_hold_large_indices() {
    // The packing the > u32::MAX path uses, checked on small input.
    let xs = [3_u32, 1, 3, 0];
    let items = arg::sorted_items::<u32, u128>(&xs, false, &Job::new()).unwrap();
    let order: Vec<usize> = items.iter().map(|&i| arg::Item::index(i)).collect();
    assert_eq!(order, [3, 1, 0, 2]);
    let items = arg::sorted_items::<f64, u128>(&[2.0, f64::NAN, -1.0], true, &Job::new()).unwrap();
    let order: Vec<usize> = items.iter().map(|&i| arg::Item::index(i)).collect();
    assert_eq!(order, [0, 2, 1]);
}
