/**
 * numpy as an impl of the compute suite: a virtualenv under bench/.venv (gitignored), made with
 * `python3 -m venv` and filled from bench/compute/requirements.txt on first use, and a runner
 * (numpy_runner.py) that times a case in one Python process the way the suite times the
 * others. Python runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its
 * environment, so OpenBLAS picks its kernels for this CPU by itself.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchDir } from '../lib/suites.mjs';

const execFileAsync = promisify(execFile);
const venvDir = join(benchDir, '.venv');
const requirementsFile = join(benchDir, 'compute', 'requirements.txt');
const installedMarker = join(venvDir, 'weft-bench-requirements.txt');
const runner = join(benchDir, 'compute', 'numpy_runner.py');
const venvPython = process.platform === 'win32' ? join(venvDir, 'Scripts', 'python.exe') : join(venvDir, 'bin', 'python');
/** The interpreter that makes the virtualenv: COMPUTE_BENCH_PYTHON, else python3. */
const basePython = process.env.COMPUTE_BENCH_PYTHON || (process.platform === 'win32' ? 'python' : 'python3');

/** The environment numpy runs in: ours, less the OpenBLAS overrides. */
function pythonEnv() {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/**
 * Makes bench/.venv and installs the pinned requirements unless the installed ones already
 * match. Returns undefined when numpy is ready, else why it is not (for the skip line).
 */
export async function ensureNumpy(log) {
  const wanted = readFileSync(requirementsFile, 'utf8');
  if (existsSync(venvPython) && existsSync(installedMarker) && readFileSync(installedMarker, 'utf8') === wanted) return undefined;
  try {
    if (!existsSync(venvPython)) {
      log(`compute: making a virtualenv for numpy (${basePython} -m venv bench/.venv)`);
      await execFileAsync(basePython, ['-m', 'venv', venvDir], { timeout: 300_000 });
    }
    log('compute: installing numpy into bench/.venv (pip install -r bench/compute/requirements.txt)');
    await execFileAsync(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', requirementsFile], {
      timeout: 600_000,
      maxBuffer: 16 << 20,
    });
    writeFileSync(installedMarker, wanted);
    return undefined;
  } catch (err) {
    const detail = (err.stderr || err.message || String(err)).trim().split('\n').slice(-3).join(' | ');
    return `numpy could not be set up in bench/.venv: ${detail}`;
  }
}

/** numpy's versions, BLAS and threadpool, from the runner's `info` (after ensureNumpy). */
export async function numpyInfo() {
  const { stdout } = await execFileAsync(venvPython, [runner, 'info'], { env: pythonEnv(), timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

/** One line of the suite's setup: numpy, its BLAS and how many threads that runs. */
export function describeNumpy(info) {
  const pools = info.threadpools.map((p) => `${p.internal_api} ${p.version}, ${p.num_threads} thread(s)` +
    `${p.architecture ? `, kernels for ${p.architecture}` : ''}${p.threading_layer ? `, ${p.threading_layer}` : ''}`);
  const blas = [info.blas.name, info.blas.version].filter(Boolean).join(' ');
  return `numpy ${info.numpy} (Python ${info.python}); BLAS: ${blas || 'unknown'}` +
    `${pools.length ? ` (at run time: ${pools.join('; ')})` : ''}; SIMD found: ${info.simd.join(', ') || 'none'}; ` +
    'OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset';
}

/** The runner's dtype name of a typed array. */
function dtypeOf(a) {
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Uint8Array) return 'u8';
  throw new Error(`numpy runner: no dtype for ${a.constructor.name}`);
}

/**
 * Runs one case in numpy. `inputs` are [typedArray, shape] pairs written to temporary files
 * (before any timing); `out`, when given, is a typed array the runner's array result is read
 * into. Returns { times, results } (one entry per timed call).
 */
export async function runNumpy(spec, inputs, out) {
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-numpy-'));
  try {
    const files = inputs.map(([array, shape], i) => {
      const path = join(dir, `in${i}.bin`);
      writeFileSync(path, new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
      return [path, dtypeOf(array), shape];
    });
    const full = { ...spec, inputs: files, out: join(dir, 'out.bin') };
    const { stdout, stderr } = await execFileAsync(venvPython, [runner, 'run', JSON.stringify(full)], {
      env: pythonEnv(),
      timeout: 600_000,
      maxBuffer: 16 << 20,
    });
    if (stderr.trim()) process.stderr.write(stderr);
    const parsed = JSON.parse(stdout.trim().split('\n').at(-1));
    if (out !== undefined) {
      const bytes = readFileSync(full.out);
      if (bytes.byteLength !== out.byteLength) throw new Error(`numpy runner wrote ${bytes.byteLength} bytes, expected ${out.byteLength}`);
      new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes);
    }
    return { times: parsed.times_ms, results: parsed.results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
