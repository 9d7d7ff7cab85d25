//! Results do not depend on the pool's size: chunk edges are fixed, so the float
//! reductions and scans round the same way on 1, 2 or 5 threads. Its own process: the
//! pool is global.
use weft_kernels::{histogram, pool, reduce, scan, Job};

#[test]
fn float_results_are_the_same_on_any_number_of_threads() {
    let n = 1_234_567;
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let xs: Vec<f64> = (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * 1e6 - 3e5
        })
        .collect();
    let narrow: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
    let run = || {
        let job = Job::new();
        let mut out = vec![0.0_f32; n];
        scan::scan(&narrow, &mut out, false, &job).unwrap();
        (
            reduce::sum(&xs, &job).unwrap().to_f64().to_bits(),
            reduce::variance(&xs, 1.0, &job).unwrap().to_bits(),
            reduce::dot(&xs, &xs, &job).unwrap().to_bits(),
            out.iter()
                .map(|x| x.to_bits() as u64)
                .fold(0_u64, |h, b| h.rotate_left(5) ^ b),
            histogram::histogram(&narrow, 100, None, &job).unwrap(),
        )
    };
    pool::set_threads(1).unwrap();
    let one = run();
    for threads in [2, 5] {
        pool::set_threads(threads).unwrap();
        assert_eq!(run(), one, "{threads} threads");
    }
}
