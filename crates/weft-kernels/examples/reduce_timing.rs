//! Times the reductions, histogram, scan and element-wise kernels on 10M elements:
//! medians of 7 runs on 1 and 2 pool threads, with a plain loop and a plain copy (its
//! bandwidth in GB/s) for reference. `reduce_timing_numpy.py` times numpy on the same
//! data.
//!
//! `cargo run -p weft-kernels --release --example reduce_timing`
use std::hint::black_box;
use std::time::Instant;

use weft_kernels::elementwise::{add, axpy, copy, scale};
use weft_kernels::histogram::histogram;
use weft_kernels::scan::scan;
use weft_kernels::{pool, reduce, Job};

const N: usize = 10_000_000;
const RUNS: usize = 7;

fn median_ms(mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[RUNS / 2]
}

fn report(name: &str, ms: f64, bytes: usize) {
    println!(
        "{name:<24} {ms:8.2} ms  {:6.1} GB/s",
        bytes as f64 / ms / 1e6
    );
}

/// The same data as `reduce_timing_numpy.py`: a Weyl sequence in [-0.5, 0.5).
fn data() -> Vec<f64> {
    (0..N as u64)
        .map(|i| (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 11) as f64 / (1u64 << 53) as f64 - 0.5)
        .collect()
}

fn main() {
    let job = Job::new();
    let a = data();
    let b: Vec<f64> = a.iter().rev().copied().collect();
    let a32: Vec<f32> = a.iter().map(|&x| x as f32).collect();
    let i32s: Vec<i32> = a.iter().map(|&x| (x * 2e6) as i32).collect();
    let mut out = vec![0.0_f64; N];
    let mut out32 = vec![0.0_f32; N];
    let (f8, f4) = (8 * N, 4 * N);
    println!("weft-kernels, {N} elements, median of {RUNS} runs");
    let plain = median_ms(|| {
        let mut s = 0.0;
        for &x in black_box(&a) {
            s += x;
        }
        black_box(s);
    });
    report("plain loop sum f64", plain, f8);
    for threads in [1, 2] {
        pool::set_threads(threads).unwrap();
        println!("-- {threads} pool thread(s)");
        let ms = median_ms(|| {
            copy(black_box(&a), &mut out, &job).unwrap();
        });
        report("copy f64 (read+write)", ms, 2 * f8);
        let ms = median_ms(|| out.copy_from_slice(black_box(&a)));
        report("memcpy f64, one thread", ms, 2 * f8);
        macro_rules! time {
            ($name:literal, $bytes:expr, $e:expr) => {{
                let ms = median_ms(|| {
                    black_box($e.unwrap());
                });
                report($name, ms, $bytes);
            }};
        }
        time!("sum f64", f8, reduce::sum(black_box(&a), &job));
        time!("sum f32", f4, reduce::sum(black_box(&a32), &job));
        time!("sum i32", f4, reduce::sum(black_box(&i32s), &job));
        time!("min f64", f8, reduce::min(black_box(&a), &job));
        time!("max f64", f8, reduce::max(black_box(&a), &job));
        time!("min_max f64", f8, reduce::min_max(black_box(&a), &job));
        time!("min f32", f4, reduce::min(black_box(&a32), &job));
        time!("min i32", f4, reduce::min(black_box(&i32s), &job));
        time!("dot f64", 2 * f8, reduce::dot(black_box(&a), &b, &job));
        time!("dot f32", 2 * f4, reduce::dot(black_box(&a32), &a32, &job));
        time!(
            "variance f64",
            2 * f8,
            reduce::variance(black_box(&a), 0.0, &job)
        );
        time!(
            "count_nonzero f64",
            f8,
            reduce::count_nonzero(black_box(&a), &job)
        );
        time!(
            "histogram f64 100 bins",
            f8,
            histogram(black_box(&a), 100, Some((-0.5, 0.5)), &job)
        );
        time!(
            "histogram f64 auto range",
            2 * f8,
            histogram(black_box(&a), 100, None, &job)
        );
        time!(
            "scan f64",
            3 * f8,
            scan(black_box(&a), &mut out, false, &job)
        );
        time!(
            "scan f32",
            3 * f4,
            scan(black_box(&a32), &mut out32, false, &job)
        );
        time!(
            "scan i32 -> f64",
            f4 + 2 * f8,
            scan(black_box(&i32s), &mut out, false, &job)
        );
        time!("add f64", 3 * f8, add(black_box(&a), &b, &mut out, &job));
        time!(
            "scale f64",
            2 * f8,
            scale(black_box(&a), 1.5, &mut out, &job)
        );
        time!("axpy f64", 3 * f8, axpy(0.5, black_box(&a), &mut out, &job));
    }
}
