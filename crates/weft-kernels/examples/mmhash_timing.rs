//! Timings of `matmul` and the hashes on the kernel pool, with 1 and 2 threads: the median
//! of 5 runs (after one warm-up run) of each.
//!
//! ```text
//! cargo run -p weft-kernels --release --example mmhash_timing
//! ```
use std::time::Instant;

use weft_kernels::hash::{hash, hash_many, HashAlgo};
use weft_kernels::matmul::{matmul, MatmulElement};
use weft_kernels::{pool, Job};

const RUNS: usize = 5;
const THREADS: [usize; 2] = [1, 2];

/// The median wall time of `RUNS` runs of `f`, in seconds, after one warm-up run.
fn median_seconds(mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[RUNS / 2]
}

/// Deterministic values in [0, 1).
fn values(len: usize) -> impl Iterator<Item = f64> {
    (0..len).map(|i| {
        ((i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 11) as f64 / (1u64 << 53) as f64
    })
}

fn time_matmul<T: MatmulElement>(name: &str, n: usize, of: impl Fn(f64) -> T, zero: T) {
    let a: Vec<T> = values(n * n).map(&of).collect();
    let b: Vec<T> = values(n * n).map(|x| of(1.0 - x)).collect();
    let mut out = vec![zero; n * n];
    for threads in THREADS {
        pool::set_threads(threads).unwrap();
        let job = Job::new();
        let s = median_seconds(|| matmul(&a, &b, &mut out, n, n, n, &job).unwrap());
        let gflops = 2.0 * (n as f64).powi(3) / s / 1e9;
        println!(
            "matmul {name} {n}x{n}  threads {threads}: {:7.2} ms  {gflops:6.1} GFLOP/s",
            s * 1e3
        );
    }
}

fn main() {
    time_matmul("f32", 1024, |x| x as f32, 0.0_f32);
    time_matmul("f64", 1024, |x| x, 0.0_f64);

    const BIG: usize = 64 << 20;
    const SMALL: usize = 16 << 10;
    const COUNT: usize = 4096;
    let big: Vec<u8> = (0..BIG).map(|i| (i ^ (i >> 9) ^ (i >> 17)) as u8).collect();
    let small: Vec<&[u8]> = big.chunks(SMALL).take(COUNT).collect();
    let gib = BIG as f64 / (1u64 << 30) as f64;
    for algo in HashAlgo::ALL {
        for threads in THREADS {
            pool::set_threads(threads).unwrap();
            let job = Job::new();
            let one = median_seconds(|| {
                hash(&big, algo, &job).unwrap();
            });
            let many = median_seconds(|| {
                hash_many(&small, algo, &job).unwrap();
            });
            println!(
                "hash {:<8} threads {threads}: 1 x 64 MiB {:6.2} GiB/s   {COUNT} x 16 KiB {:6.2} GiB/s",
                algo.name(),
                gib / one,
                gib / many
            );
        }
    }
}
