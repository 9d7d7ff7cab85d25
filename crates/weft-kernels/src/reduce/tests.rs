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
    /// An integer in [-2^40, 2^40] scaled by 2^-20: exactly representable in f64, with
    /// an exact sum in i128 units of 2^-20.
    fn fixed_point(&mut self) -> (f64, i128) {
        let units = (self.next() % (1 << 41)) as i128 - (1 << 40);
        (units as f64 / (1u64 << 20) as f64, units)
    }
    fn float(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

fn bound(n: usize, abs_sum: f64) -> f64 {
    let m = 20.0 + (n.div_ceil(BLOCK).max(1) as f64).log2().ceil();
    m * f64::EPSILON / 2.0 * abs_sum
}

/// Sizes around every edge: empty, one, a partial block, a block, a partial task, the
/// parallel threshold and a partial last task.
const SIZES: [usize; 10] = [
    0,
    1,
    7,
    127,
    128,
    129,
    5_000,
    PARALLEL_FROM - 1,
    PARALLEL_FROM,
    1_000_003,
];

#[test]
fn sums_of_exact_values_are_exact() {
    let mut rng = Rng(7);
    for n in SIZES {
        let (xs, units): (Vec<f64>, Vec<i128>) = (0..n).map(|_| rng.fixed_point()).unzip();
        let exact: i128 = units.iter().sum();
        // Each partial sum stays below 2^53 units of 2^-20, so every addition is exact.
        assert_eq!(sum(&xs), exact as f64 / (1u64 << 20) as f64, "n = {n}");
    }
}

#[test]
fn rounding_error_stays_within_the_documented_bound() {
    let mut rng = Rng(11);
    for n in SIZES {
        // Random signs and magnitudes over many binades make every addition round.
        let xs: Vec<f64> = (0..n)
            .map(|_| rng.float() * 2f64.powi((rng.next() % 60) as i32 - 30))
            .collect();
        let abs_sum: f64 = xs.iter().map(|x| x.abs()).sum();
        let exact = exact_sum(&xs);
        let err = (sum(&xs) - exact).abs();
        assert!(
            err <= bound(n, abs_sum),
            "n = {n}: error {err:e} over bound {:e}",
            bound(n, abs_sum)
        );
    }
}

/// An exact sum (rounded once at the end) by Shewchuk's expansions, as Python's fsum.
fn exact_sum(xs: &[f64]) -> f64 {
    let mut partials: Vec<f64> = Vec::new();
    for &x in xs {
        let mut x = x;
        let mut kept = 0;
        for i in 0..partials.len() {
            let y = partials[i];
            let (big, small) = if x.abs() < y.abs() { (y, x) } else { (x, y) };
            let hi = big + small;
            let lo = small - (hi - big);
            if lo != 0.0 {
                partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        partials.truncate(kept);
        partials.push(x);
    }
    partials.iter().rev().fold(0.0, |acc, p| acc + p)
}

#[test]
fn f32_input_accumulates_in_f64() {
    // 2^24 + 1 is not an f32, but the f64 accumulator holds it.
    let xs = vec![1.0_f32; (1 << 24) + 1];
    assert_eq!(sum(&xs), ((1 << 24) + 1) as f64);
}

#[test]
fn nan_and_infinities_propagate_like_a_plain_loop() {
    for n in [3, PARALLEL_FROM + 5] {
        let mut xs = vec![1.0_f64; n];
        xs[n / 2] = f64::INFINITY;
        assert_eq!(sum(&xs), f64::INFINITY);
        xs[0] = f64::NEG_INFINITY;
        assert!(sum(&xs).is_nan());
        xs[0] = f64::NAN;
        assert!(sum(&xs).is_nan());
    }
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
        let got = dot(&a, &b).unwrap();
        assert!(
            (got - exact_sum(&products)).abs() <= bound(n, abs_sum),
            "n = {n}"
        );
    }
    assert_eq!(
        dot(&[1.0_f64, 2.0], &[1.0]),
        Err(KernelError::LengthMismatch { left: 2, right: 1 })
    );
}

#[test]
fn min_and_max_follow_math_min_and_max() {
    let mut rng = Rng(5);
    for n in SIZES.into_iter().filter(|&n| n > 0) {
        let xs: Vec<f64> = (0..n).map(|_| rng.float()).collect();
        let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(min(&xs), lo, "n = {n}");
        assert_eq!(max(&xs), hi, "n = {n}");
        let narrow: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
        assert_eq!(min(&narrow), lo as f32 as f64);
    }
    assert_eq!(min::<f64>(&[]), f64::INFINITY);
    assert_eq!(max::<f64>(&[]), f64::NEG_INFINITY);
    for n in [4, PARALLEL_FROM * 2 + 1] {
        let mut xs = vec![0.0_f64; n];
        assert!(min(&xs).is_sign_positive());
        xs[n - 1] = -0.0; // a -0 in the last parallel task still wins
        assert!(min(&xs).is_sign_negative() && min(&xs) == 0.0);
        assert!(max(&xs).is_sign_positive());
        let all_negative = vec![-0.0_f64; n];
        assert!(max(&all_negative).is_sign_negative());
        xs[n / 3] = f64::NAN;
        assert!(min(&xs).is_nan() && max(&xs).is_nan());
    }
}
