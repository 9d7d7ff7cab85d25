"""numpy's side of the compute bench suite (bench/suites/compute.mjs).

    python numpy_runner.py info
    python numpy_runner.py run '<spec json>'

`info` prints one JSON line: Python and numpy versions, numpy's BLAS (numpy.show_config) and the
BLAS threadpool it runs (threadpoolctl). `run` times one case the way the suite times its other
impls: the inputs are read from the files the suite wrote (the same bytes every impl gets)
before any timing, then `warmup` untimed calls, then `reps` timed calls, each preceded by an
untimed `before` step; it prints one JSON line, {"times_ms": [...], "results": [...]}, the
scalar result of every timed call, and writes an array result of the last call to spec["out"],
so the suite checks numpy's results with the same checks as everyone else's.
"""

import json
import platform
import sys
import time

import numpy as np

DTYPES = {"f64": np.float64, "f32": np.float32, "u32": np.uint32, "u8": np.uint8}


def info():
    config = np.show_config(mode="dicts")
    blas = config.get("Build Dependencies", {}).get("blas", {})
    try:
        from threadpoolctl import threadpool_info

        pools = [
            {k: p.get(k) for k in ("internal_api", "version", "num_threads", "threading_layer", "architecture")}
            for p in threadpool_info()
        ]
    except ImportError:
        pools = []
    simd = config.get("SIMD Extensions", {})
    print(
        json.dumps(
            {
                "python": platform.python_version(),
                "numpy": np.__version__,
                "blas": {k: blas.get(k) for k in ("name", "version", "openblas configuration")},
                "threadpools": pools,
                "simd": simd.get("found", []),
            }
        )
    )


def load(spec, i):
    path, dtype, shape = spec["inputs"][i]
    return np.fromfile(path, dtype=DTYPES[dtype]).reshape(shape)


def case(spec):
    """(before, call, result) for the spec's kind; call() is the timed work."""
    kind = spec["kind"]
    a = load(spec, 0)
    noop = lambda: None  # noqa: E731
    if kind == "copy":
        out = np.empty_like(a)
        return noop, lambda: np.copyto(out, a), out
    if kind == "sort":
        work = np.empty_like(a)
        return lambda: np.copyto(work, a), lambda: work.sort(), work
    if kind == "sum":
        return noop, lambda: float(np.sum(a)), None
    if kind == "min":
        return noop, lambda: float(np.min(a)), None
    if kind == "max":
        return noop, lambda: float(np.max(a)), None
    if kind == "dot":
        b = load(spec, 1)
        return noop, lambda: float(np.dot(a, b)), None
    if kind == "histogram":
        bins = spec["bins"]
        return noop, lambda: np.histogram(a, bins=bins)[0], None
    if kind == "scan":
        out = np.empty_like(a)
        return noop, lambda: np.cumsum(a, out=out), out
    if kind == "matmul":
        b = load(spec, 1)
        out = np.empty((a.shape[0], b.shape[1]), dtype=a.dtype)
        return noop, lambda: np.matmul(a, b, out=out), out
    raise SystemExit(f"numpy_runner: unknown kind {kind!r}")


def run(spec):
    before, call, out = case(spec)
    times, results = [], []
    for i in range(spec["warmup"] + spec["reps"]):
        before()
        t0 = time.perf_counter_ns()
        r = call()
        t1 = time.perf_counter_ns()
        if i >= spec["warmup"]:
            times.append((t1 - t0) / 1e6)
            # converted after the clock stopped (a histogram's counts to a list)
            results.append(None if out is not None else r.tolist() if isinstance(r, np.ndarray) else r)
    if out is not None:
        out.tofile(spec["out"])
    print(json.dumps({"times_ms": times, "results": results}))


if __name__ == "__main__":
    if sys.argv[1:] == ["info"]:
        info()
    elif len(sys.argv) == 3 and sys.argv[1] == "run":
        run(json.loads(sys.argv[2]))
    else:
        raise SystemExit(__doc__)
