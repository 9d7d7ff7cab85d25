"""numpy on the data of reduce_timing.rs: medians of 7 runs (ms).

python3 crates/weft-kernels/examples/reduce_timing_numpy.py  (with numpy installed)
"""
import time

import numpy as np

N = 10_000_000
RUNS = 7


def data():
    # The Weyl sequence of reduce_timing.rs (uint64 products wrap).
    i = np.arange(N, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return (i >> np.uint64(11)).astype(np.float64) / float(1 << 53) - 0.5


def median_ms(f):
    f()
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        f()
        times.append((time.perf_counter() - t) * 1e3)
    return sorted(times)[RUNS // 2]


def main():
    a = data()
    b = a[::-1].copy()
    a32 = a.astype(np.float32)
    i32 = (a * 2e6).astype(np.int32)
    out = np.empty_like(a)
    print(f"numpy {np.__version__}, {N} elements, median of {RUNS} runs")
    cases = [
        ("copy f64 (np.copyto)", lambda: np.copyto(out, a), 16 * N),
        ("sum f64", lambda: np.sum(a), 8 * N),
        ("sum f32", lambda: np.sum(a32, dtype=np.float64), 4 * N),
        ("sum i32", lambda: np.sum(i32, dtype=np.int64), 4 * N),
        ("min f64", lambda: np.min(a), 8 * N),
        ("max f64", lambda: np.max(a), 8 * N),
        ("min f32", lambda: np.min(a32), 4 * N),
        ("min i32", lambda: np.min(i32), 4 * N),
        ("dot f64", lambda: np.dot(a, b), 16 * N),
        ("dot f32", lambda: np.dot(a32, a32), 8 * N),
        ("variance f64", lambda: np.var(a), 16 * N),
        ("count_nonzero f64", lambda: np.count_nonzero(a), 8 * N),
        ("histogram f64 100 bins", lambda: np.histogram(a, 100, (-0.5, 0.5)), 8 * N),
        ("histogram f64 auto range", lambda: np.histogram(a, 100), 16 * N),
        ("scan f64", lambda: np.cumsum(a, out=out), 16 * N),
        ("scan f32", lambda: np.cumsum(a32), 8 * N),
        ("scan i32 -> f64", lambda: np.cumsum(i32, dtype=np.float64, out=out), 12 * N),
        ("add f64", lambda: np.add(a, b, out=out), 24 * N),
        ("scale f64", lambda: np.multiply(a, 1.5, out=out), 16 * N),
    ]
    for name, f, nbytes in cases:
        ms = median_ms(f)
        print(f"{name:<24} {ms:8.2f} ms  {nbytes / ms / 1e6:6.1f} GB/s")


main()
