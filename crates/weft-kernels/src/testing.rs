//! Test data for every element type: seeded random values mixed with each type's edge
//! values, and the sizes around every block, chunk and parallel edge.
use crate::element::{Element, Kind};
use crate::par::{PARALLEL_FROM, TASK};

/// xorshift64*: deterministic test data without a dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in [-1, 1).
    pub fn float(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Sizes: empty, one, partial and whole lane groups and blocks, chunks, the parallel
/// threshold and a partial last chunk above it.
pub const SIZES: [usize; 16] = [
    0,
    1,
    2,
    7,
    31,
    32,
    33,
    127,
    128,
    129,
    5_000,
    TASK - 1,
    TASK + 1,
    PARALLEL_FROM - 1,
    PARALLEL_FROM,
    PARALLEL_FROM + TASK + 17,
];

/// What the tests need from each type.
pub trait Sample: Element {
    /// A random value: random bits for integers, mixed magnitudes for floats.
    fn random(rng: &mut Rng) -> Self;
    /// The type's edge values (extremes, zeros, and for floats NaN and the infinities).
    fn edges() -> Vec<Self>;
    /// Equal as bit patterns (so -0 differs from +0; NaN equals NaN).
    fn same(self, other: Self) -> bool;
}

macro_rules! int_sample {
    ($($t:ty),*) => {$(
        impl Sample for $t {
            fn random(rng: &mut Rng) -> Self {
                // Mostly small values (many repeats), sometimes any bits.
                if rng.below(4) == 0 { rng.next() as $t } else { (rng.below(41) as i64 - 20) as $t }
            }
            fn edges() -> Vec<Self> {
                vec![<$t>::MIN, <$t>::MAX, 0, 1, <$t>::MIN.wrapping_add(1), <$t>::MAX - 1, (0 as $t).wrapping_sub(1)]
            }
            fn same(self, other: Self) -> bool {
                self == other
            }
        }
    )*};
}
int_sample!(i32, u32, i16, u16, i8, u8, i64, u64);

macro_rules! float_sample {
    ($($t:ty),*) => {$(
        impl Sample for $t {
            fn random(rng: &mut Rng) -> Self {
                let x = rng.float() * 2f64.powi(rng.below(40) as i32 - 20);
                // Some repeats and small integers, for ties and exact sums.
                if rng.below(5) == 0 { (rng.below(9) as f64 - 4.0) as $t } else { x as $t }
            }
            fn edges() -> Vec<Self> {
                vec![<$t>::NAN, <$t>::INFINITY, <$t>::NEG_INFINITY, 0.0, -0.0, <$t>::MAX, <$t>::MIN,
                     <$t>::MIN_POSITIVE, -<$t>::MIN_POSITIVE, 1.0, -1.0]
            }
            fn same(self, other: Self) -> bool {
                self.to_bits() == other.to_bits() || (self.is_nan() && other.is_nan())
            }
        }
    )*};
}
float_sample!(f64, f32);

/// `n` random values.
pub fn random<T: Sample>(rng: &mut Rng, n: usize) -> Vec<T> {
    (0..n).map(|_| T::random(rng)).collect()
}

/// `n` random values with edge values sprinkled in (about one in 16).
pub fn with_edges<T: Sample>(rng: &mut Rng, n: usize) -> Vec<T> {
    let edges = T::edges();
    (0..n)
        .map(|_| {
            if rng.below(16) == 0 {
                edges[rng.below(edges.len() as u64) as usize]
            } else {
                T::random(rng)
            }
        })
        .collect()
}

/// `n` random finite values (no NaN or infinity), for sums with an error bound.
pub fn finite<T: Sample>(rng: &mut Rng, n: usize) -> Vec<T> {
    (0..n)
        .map(|_| loop {
            let x = T::random(rng);
            if T::KIND != Kind::Float || x.to_f64().is_finite() {
                break x;
            }
        })
        .collect()
}

/// Runs a generic test body for every element type.
macro_rules! for_each_type {
    ($f:ident) => {
        $f::<f64>();
        $f::<f32>();
        $f::<i32>();
        $f::<u32>();
        $f::<i16>();
        $f::<u16>();
        $f::<i8>();
        $f::<u8>();
        $f::<i64>();
        $f::<u64>();
    };
}
pub(crate) use for_each_type;

/// An exact sum (rounded once at the end) by Shewchuk's expansions, as Python's fsum.
pub fn exact_sum(xs: impl IntoIterator<Item = f64>) -> f64 {
    let mut partials: Vec<f64> = Vec::new();
    for x in xs {
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
