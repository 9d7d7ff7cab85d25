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
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// An integer in [-8, 8]: sums of k products of them are exact in f32 for k < 2^18.
    fn small_int(&mut self) -> f64 {
        self.below(17) as f64 - 8.0
    }
    /// A float in [-1, 1).
    fn float(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

/// Conversions the tests need for both element types.
trait TestElement: MatmulElement + std::fmt::Debug + PartialEq {
    const EPSILON: f64;
    fn of(x: f64) -> Self;
    fn wide(self) -> f64;
}

impl TestElement for f32 {
    const EPSILON: f64 = f32::EPSILON as f64;
    fn of(x: f64) -> Self {
        x as f32
    }
    fn wide(self) -> f64 {
        self as f64
    }
}

impl TestElement for f64 {
    const EPSILON: f64 = f64::EPSILON;
    fn of(x: f64) -> Self {
        x
    }
    fn wide(self) -> f64 {
        self
    }
}

/// The triple loop in f64, and the same over absolute values (for error bounds).
fn naive(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut out = vec![0.0; m * n];
    let mut abs = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            for p in 0..k {
                out[i * n + j] += a[i * k + p] * b[p * n + j];
                abs[i * n + j] += (a[i * k + p] * b[p * n + j]).abs();
            }
        }
    }
    (out, abs)
}

/// Fixed edge shapes (0 and 1 dimensions, vectors, odd and non-square sizes) and random ones.
fn shapes() -> Vec<(usize, usize, usize)> {
    let mut rng = Rng(3);
    let mut shapes = vec![
        (0, 0, 0),
        (0, 3, 4),
        (3, 0, 4),
        (3, 4, 0),
        (1, 1, 1),
        (1, 7, 1),
        (7, 1, 5),
        (1, 9, 13),
        (13, 9, 1),
        (16, 16, 16),
        (33, 65, 17),
        (64, 128, 96),
        (129, 3, 257),
        (200, 300, 100),
    ];
    for _ in 0..24 {
        shapes.push((rng.below(90), rng.below(90), rng.below(90)));
    }
    shapes
}

fn random_matrix<T: TestElement>(len: usize, entry: impl FnMut() -> f64) -> (Vec<f64>, Vec<T>) {
    let wide: Vec<f64> = std::iter::repeat_with(entry).take(len).collect();
    let narrow = wide.iter().map(|&x| T::of(x)).collect();
    (wide, narrow)
}

fn integer_products_are_exact<T: TestElement>() {
    let mut rng = Rng(5);
    for (m, k, n) in shapes() {
        let (a, ta) = random_matrix::<T>(m * k, || rng.small_int());
        let (b, tb) = random_matrix::<T>(k * n, || rng.small_int());
        // Stale contents (NaN) must not leak into the result.
        let mut out = vec![T::of(f64::NAN); m * n];
        let job = Job::new();
        matmul(&ta, &tb, &mut out, m, k, n, &job).unwrap();
        let got: Vec<f64> = out.iter().map(|&x| x.wide()).collect();
        assert_eq!(got, naive(&a, &b, m, k, n).0, "{m}x{k} · {k}x{n}");
        assert_eq!(job.progress(), (m as u64, m as u64));
    }
}

#[test]
fn integer_valued_products_are_exact_in_f64() {
    integer_products_are_exact::<f64>();
}

#[test]
fn integer_valued_products_are_exact_in_f32() {
    integer_products_are_exact::<f32>();
}

/// Every entry within the dot-product bound `k·ε·Σ|aᵢₚ·bₚⱼ|` of the exact value.
fn assert_within_bound<T: TestElement>(
    out: &[T],
    a: &[f64],
    b: &[f64],
    m: usize,
    k: usize,
    n: usize,
) {
    let (exact, abs) = naive(a, b, m, k, n);
    for (i, (&got, (&want, &abs))) in out.iter().zip(exact.iter().zip(&abs)).enumerate() {
        let bound = (k as f64 + 1.0) * T::EPSILON * abs;
        assert!(
            (got.wide() - want).abs() <= bound,
            "{m}x{k} · {k}x{n} at {i}: {got:?} vs {want}"
        );
    }
}

fn float_products_are_within_bound<T: TestElement>() {
    let mut rng = Rng(9);
    for (m, k, n) in shapes() {
        // Entries rounded to T first, so the f64 reference multiplies the same values.
        let (_, ta) = random_matrix::<T>(m * k, || rng.float());
        let (_, tb) = random_matrix::<T>(k * n, || rng.float());
        let a: Vec<f64> = ta.iter().map(|&x| x.wide()).collect();
        let b: Vec<f64> = tb.iter().map(|&x| x.wide()).collect();
        let mut out = vec![T::of(f64::NAN); m * n];
        matmul(&ta, &tb, &mut out, m, k, n, &Job::new()).unwrap();
        assert_within_bound(&out, &a, &b, m, k, n);
    }
}

#[test]
fn float_products_are_within_the_rounding_bound_in_f64() {
    float_products_are_within_bound::<f64>();
}

#[test]
fn float_products_are_within_the_rounding_bound_in_f32() {
    float_products_are_within_bound::<f32>();
}

#[test]
fn any_panel_height_gives_the_same_product() {
    let mut rng = Rng(13);
    let (m, k, n) = (23, 31, 19);
    let (a, ta) = random_matrix::<f64>(m * k, || rng.small_int());
    let (b, tb) = random_matrix::<f64>(k * n, || rng.small_int());
    let exact = naive(&a, &b, m, k, n).0;
    for panel in [1, 2, 3, 5, 22, 23, 24, usize::MAX] {
        let mut out = vec![f64::NAN; m * n];
        let job = Job::new();
        job.add_total(m as u64);
        in_panels(&ta, &tb, &mut out, k, n, panel, &job).unwrap();
        assert_eq!(out, exact, "panel of {panel} rows");
        assert_eq!(job.progress(), (m as u64, m as u64));
    }
}

#[test]
fn panels_hold_a_few_milliseconds_of_work_and_at_least_the_minimum_rows() {
    assert_eq!(panel_rows(1024, 1024), 512);
    assert_eq!(panel_rows(1 << 20, 1 << 20), MIN_PANEL_ROWS);
    assert_eq!(panel_rows(1, 1), PANEL_WORK);
}

#[test]
fn gemm_threads_split_the_work_without_changing_the_product() {
    // A pool of our own, so the multi-threaded path runs whatever size the kernel pool has.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let mut rng = Rng(17);
    for (m, k, n) in [(300, 200, 150), (97, 513, 61), (1, 2000, 999)] {
        let (a, ta) = random_matrix::<f32>(m * k, || rng.small_int());
        let (b, tb) = random_matrix::<f32>(k * n, || rng.small_int());
        let mut out = vec![f32::NAN; m * n];
        pool.install(|| multiply_panel(&ta, &tb, &mut out, m, k, n, gemm::Parallelism::Rayon(4)));
        let got: Vec<f64> = out.iter().map(|&x| x as f64).collect();
        assert_eq!(got, naive(&a, &b, m, k, n).0, "{m}x{k} · {k}x{n}");
    }
}

#[test]
fn an_empty_inner_dimension_gives_zeros() {
    let mut out = [f32::NAN; 6];
    matmul(&[], &[], &mut out, 2, 0, 3, &Job::new()).unwrap();
    assert_eq!(out, [0.0; 6]);
}

#[test]
fn wrong_lengths_name_the_array() {
    let job = Job::new();
    let err = |a: usize, b: usize, out: usize| {
        matmul(
            &vec![0.0_f64; a],
            &vec![0.0; b],
            &mut vec![0.0; out],
            2,
            3,
            4,
            &job,
        )
        .unwrap_err()
    };
    assert_eq!(
        err(5, 12, 8),
        KernelError::invalid("a", "has 5 elements, but m*k = 6")
    );
    assert_eq!(
        err(6, 13, 8),
        KernelError::invalid("b", "has 13 elements, but k*n = 12")
    );
    assert_eq!(
        err(6, 12, 0),
        KernelError::invalid("out", "has 0 elements, but m*n = 8")
    );
}

#[test]
fn overflowing_sizes_are_refused() {
    let job = Job::new();
    let big = usize::MAX / 2;
    let err = |m, k, n| matmul::<f32>(&[], &[], &mut [], m, k, n, &job).unwrap_err();
    assert_eq!(
        err(big, 3, 0),
        KernelError::invalid("m", format!("and k, n give m*k = {big}*3, which overflows"))
    );
    assert_eq!(
        err(0, big, 3),
        KernelError::invalid("m", format!("and k, n give k*n = {big}*3, which overflows"))
    );
    assert_eq!(
        err(big, 0, 3),
        KernelError::invalid("m", format!("and k, n give m*n = {big}*3, which overflows"))
    );
    // Huge but empty: nothing to multiply.
    assert_eq!(
        matmul::<f32>(&[], &[], &mut [], usize::MAX, 0, 0, &job),
        Ok(())
    );
}

#[test]
fn a_cancelled_job_stops_before_writing() {
    let job = Job::new();
    job.cancel();
    let mut out = [7.0_f64; 4];
    assert_eq!(
        matmul(&[1.0; 4], &[1.0; 4], &mut out, 2, 2, 2, &job),
        Err(KernelError::Canceled)
    );
    assert_eq!(out, [7.0; 4]);
    assert_eq!(job.progress(), (0, 2));
}
