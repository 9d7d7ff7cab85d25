//! Times `weft_kernels::sort` on 1 and 2 pool threads: median of 5 runs per case.
//!
//! `cargo run -p weft-kernels --release --example sort_timing [cases]`, where `cases` is a
//! comma-separated subset of `f64,u32,f64-1m,sorted,reversed,argsort,top-k` (all by
//! default). Set `RUNS` to change the number of runs.
use std::time::Instant;

use weft_kernels::{pool, sort, Job};

/// xorshift64*: the same data on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in [0, 1), like `numpy.random.random`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn median_ms(runs: usize, mut once: impl FnMut() -> f64) -> f64 {
    let mut ms: Vec<f64> = (0..runs).map(|_| once()).collect();
    ms.sort_by(f64::total_cmp);
    ms[ms.len() / 2]
}

/// Median time to sort a fresh copy of `data` (the copy is not timed).
fn time_sort<T: sort::SortElement>(runs: usize, data: &[T]) -> f64 {
    median_ms(runs, || {
        let mut xs = data.to_vec();
        let start = Instant::now();
        sort::sort(&mut xs, false, &Job::new()).expect("not cancelled");
        let ms = start.elapsed().as_secs_f64() * 1e3;
        assert!(xs
            .windows(2)
            .all(|w| w[0].sort_key(false) <= w[1].sort_key(false)));
        ms
    })
}

fn main() {
    let cases = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "f64,u32,f64-1m,sorted,reversed,argsort,top-k".to_string());
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let wanted = |c: &str| cases.split(',').any(|w| w == c);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let f64s: Vec<f64> = (0..10_000_000).map(|_| rng.unit()).collect();
    let u32s: Vec<u32> = (0..10_000_000).map(|_| rng.next() as u32).collect();
    let f64s_1m: Vec<f64> = f64s[..1_000_000].to_vec();
    let mut sorted = f64s.clone();
    sort::sort(&mut sorted, false, &Job::new()).expect("not cancelled");
    let reversed: Vec<f64> = sorted.iter().rev().copied().collect();
    for threads in [1, 2] {
        pool::set_threads(threads).expect("1 and 2 are valid thread counts");
        let line = |case: &str, ms: f64| {
            println!("{threads} thread(s)  {case:<28} {ms:8.1} ms");
        };
        if wanted("f64") {
            line("sort 10M random f64", time_sort(runs, &f64s));
        }
        if wanted("u32") {
            line("sort 10M random u32", time_sort(runs, &u32s));
        }
        if wanted("f64-1m") {
            line("sort 1M random f64", time_sort(runs, &f64s_1m));
        }
        if wanted("sorted") {
            line("sort 10M sorted f64", time_sort(runs, &sorted));
        }
        if wanted("reversed") {
            line("sort 10M reversed f64", time_sort(runs, &reversed));
        }
        if wanted("argsort") {
            let ms = median_ms(runs, || {
                let start = Instant::now();
                let idx = sort::argsort(&f64s, false, &Job::new()).expect("not cancelled");
                let ms = start.elapsed().as_secs_f64() * 1e3;
                assert_eq!(idx.len(), f64s.len());
                ms
            });
            line("argsort 10M random f64", ms);
        }
        if wanted("top-k") {
            let ms = median_ms(runs, || {
                let start = Instant::now();
                let top = sort::top_k(&f64s, 100, true, &Job::new()).expect("not cancelled");
                let ms = start.elapsed().as_secs_f64() * 1e3;
                assert_eq!(top.len(), 100);
                ms
            });
            line("top_k(100) 10M random f64", ms);
        }
    }
}
