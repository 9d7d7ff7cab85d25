//! Times the sort kernels on 1 and 2 pool threads: the median of 5 runs per case, in wall
//! time and in CPU time of all the process's threads (Linux; other load on the machine
//! inflates it less than wall time).
//!
//! `cargo run -p weft-kernels --release --example sort_timing [cases]`, where `cases` is a
//! comma-separated subset of `f64,u32,f64-1m,sorted,reversed,argsort,top-k` (all by
//! default). `RUNS` sets the number of runs, `THREADS` the pool sizes (default `1,2`).
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

/// Nanoseconds the process's threads have run (Linux), else 0.
fn cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Median wall and CPU milliseconds of `run` over `runs` runs, each on a fresh `prepare()`
/// (not timed).
fn time<X>(runs: usize, prepare: impl Fn() -> X, run: impl Fn(X)) -> (f64, f64) {
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let x = prepare();
        let (start, cpu_start) = (Instant::now(), cpu_ns());
        run(x);
        wall.push(start.elapsed().as_secs_f64() * 1e3);
        cpu.push((cpu_ns() - cpu_start) as f64 / 1e6);
    }
    (median(wall), median(cpu))
}

fn time_sort<T: sort::SortElement>(runs: usize, data: &[T]) -> (f64, f64) {
    time(
        runs,
        || data.to_vec(),
        |mut xs| {
            sort::sort(&mut xs, false, &Job::new()).expect("not cancelled");
            assert!(xs
                .windows(2)
                .all(|w| w[0].sort_key(false) <= w[1].sort_key(false)));
        },
    )
}

fn main() {
    let cases = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "f64,u32,f64-1m,sorted,reversed,argsort,top-k".to_string());
    let env = |name: &str, default: &str| std::env::var(name).unwrap_or(default.to_string());
    let runs: usize = env("RUNS", "5").parse().expect("RUNS is a number");
    let threads: Vec<usize> = env("THREADS", "1,2")
        .split(',')
        .map(|t| t.parse().expect("THREADS is a list of numbers"))
        .collect();
    let wanted = |c: &str| cases.split(',').any(|w| w == c);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let f64s: Vec<f64> = (0..10_000_000).map(|_| rng.unit()).collect();
    let u32s: Vec<u32> = (0..10_000_000).map(|_| rng.next() as u32).collect();
    let f64s_1m: Vec<f64> = f64s[..1_000_000].to_vec();
    let mut sorted = f64s.clone();
    sort::sort(&mut sorted, false, &Job::new()).expect("not cancelled");
    let reversed: Vec<f64> = sorted.iter().rev().copied().collect();
    for threads in threads {
        pool::set_threads(threads).expect("a valid thread count");
        let line = |case: &str, (wall, cpu): (f64, f64)| {
            println!("{threads} thread(s)  {case:<28} {wall:8.1} ms   cpu {cpu:8.1} ms");
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
            let run = |()| {
                let idx = sort::argsort(&f64s, false, &Job::new()).expect("not cancelled");
                assert_eq!(idx.len(), f64s.len());
            };
            line("argsort 10M random f64", time(runs, || (), run));
        }
        if wanted("top-k") {
            let run = |()| {
                let top = sort::top_k(&f64s, 100, true, &Job::new()).expect("not cancelled");
                assert_eq!(top.len(), 100);
            };
            line("top_k(100) 10M random f64", time(runs, || (), run));
        }
    }
}
