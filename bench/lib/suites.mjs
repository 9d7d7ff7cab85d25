/**
 * Finding, loading and checking suite modules. Shared by the driver (run.mjs) and the
 * per-run child (worker-run.mjs) so both agree on what a suite is and fail the same way.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const benchDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(benchDir, '..');
const suitesDir = join(benchDir, 'suites');

/** An expected failure: printed as a plain message, without a stack trace. */
export class BenchError extends Error {}

/**
 * A run that computed the wrong answer (a checksum, a count, a round trip's value). It
 * fails the whole bench at once and is never retried: a wrong result is a bug to see,
 * not noise to average away. Throw it from `measure()` through `check()`.
 */
export class WrongResult extends BenchError {}

/** Exit status of a run that threw WrongResult, so the driver can tell it from a crash. */
export const WRONG_RESULT_EXIT = 3;

/**
 * Fails the run with WrongResult unless `got === want`.
 *
 *   check('sum of results', sum, n * (n + 1) / 2);
 */
export function check(what, got, want) {
  if (got !== want) throw new WrongResult(`wrong result: ${what}: got ${got}, expected ${want}`);
}

/** Suite names are the .mjs files in bench/suites/. */
export function listSuites() {
  return readdirSync(suitesDir).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4)).sort();
}

/** Suites import dist/, so say how to build it rather than surface ERR_MODULE_NOT_FOUND. */
export function assertBuilt() {
  const missing = ['dist/esm/index.js', 'dist/esm/native/loader.js'].filter((p) => !existsSync(join(repoRoot, p)));
  if (missing.length > 0) {
    throw new BenchError(`weft is not built (missing ${missing.join(', ')}): run \`npm install\` or \`npm run build\` first.`);
  }
}

/** Imports bench/suites/<name>.mjs and checks its description, so mistakes fail before any run. */
export async function loadSuite(name) {
  if (!listSuites().includes(name)) throw new BenchError(`unknown suite "${name}"`);
  assertBuilt();
  const suite = (await import(pathToFileURL(join(suitesDir, `${name}.mjs`)).href)).default;
  const fail = (msg) => { throw new BenchError(`suite ${name}: ${msg}`); };
  if (suite?.name !== name) fail(`must \`export default\` a suite object whose name is "${name}"`);
  if (typeof suite.measure !== 'function') fail('measure(caseDef, impl) must be an (async) function');
  if (!Array.isArray(suite.cases) || suite.cases.length === 0) fail('cases must be a non-empty array');
  if (typeof suite.reference !== 'string') fail('reference must name an impl');
  if (suite.prepare !== undefined && typeof suite.prepare !== 'function') fail('prepare, when given, must be an (async) function');
  for (const key of ['ours', 'baselines']) {
    if (suite[key] !== undefined && !Array.isArray(suite[key])) fail(`${key} must be an array of impl names`);
  }
  for (const known of suite.knownFailures ?? []) {
    if (typeof known.impl !== 'string' || !(known.match instanceof RegExp) || typeof known.why !== 'string') {
      fail('every knownFailures entry needs impl (string), match (RegExp on the run\'s stderr) and why (string)');
    }
    if (known.exitCode !== undefined && !Number.isInteger(known.exitCode)) fail('a knownFailures exitCode must be an integer');
  }
  for (const c of suite.cases) {
    if (!c.name || !c.metric || !c.unit) fail('every case needs name, metric and unit');
    if (c.better !== 'lower' && c.better !== 'higher') fail(`case ${c.name}: better must be 'lower' or 'higher'`);
    if (!Array.isArray(c.impls) || c.impls.length === 0) fail(`case ${c.name}: impls must be a non-empty array`);
    if (c.reference !== undefined && !c.impls.includes(c.reference)) fail(`case ${c.name}: its reference "${c.reference}" is not one of its impls`);
  }
  return suite;
}

/** measure() may return a bare number (the case's own metric) or an array of results. */
export function normalizeResults(caseDef, out) {
  const { metric, unit, better } = caseDef;
  const results = typeof out === 'number' ? [{ metric, unit, value: out, better }] : out;
  if (!Array.isArray(results) || results.length === 0) throw new BenchError('measure() returned no results');
  return results.map((r) => {
    const full = { metric, unit, better, ...r };
    if (!Number.isFinite(full.value)) throw new BenchError(`measure() gave a non-finite value for ${full.metric}`);
    return full;
  });
}

/**
 * The suite's `knownFailures` entry a failed run matches, or undefined. Only a known
 * crash of a named impl (matched on the run's stderr, and on its exit status when the entry
 * names one) qualifies; a wrong result never does.
 *
 *   knownFailureOf(suite, 'poolifier', { wrongResult: false, exitCode: 13, stderr: '' }) // -> entry | undefined
 */
export function knownFailureOf(suite, impl, failure) {
  if (failure.wrongResult) return undefined;
  return suite.knownFailures?.find((k) => k.impl === impl && (k.exitCode === undefined || k.exitCode === failure.exitCode)
    && k.match.test(failure.stderr ?? ''));
}

/**
 * The suite without what its `prepare()` skipped: each `{ case, impl, why }` entry drops that
 * impl (or list of impls) from that case, an entry without `impl` drops the whole case, and so
 * does losing every impl. One line per entry says what is not run and why, for the driver to
 * print.
 *
 *   withoutSkipped(suite, [{ case: 'sort-f64', why: 'not available in this build' }])
 *   // -> { suite: { ...suite, cases: [...without sort-f64] }, lines: ['sort-f64: not available in this build'] }
 */
export function withoutSkipped(suite, skipped = []) {
  const implsOf = (s) => (s.impl === undefined ? [] : [s.impl].flat());
  const lines = skipped.map((s) => `${s.case}${s.impl === undefined ? '' : ` / ${implsOf(s).join(', ')}`}: ${s.why}`);
  const cases = [];
  for (const c of suite.cases) {
    const mine = skipped.filter((s) => s.case === c.name);
    if (mine.some((s) => s.impl === undefined)) continue;
    const impls = c.impls.filter((impl) => !mine.some((s) => implsOf(s).includes(impl)));
    if (impls.length > 0) cases.push({ ...c, impls });
  }
  return { suite: { ...suite, cases }, lines };
}
