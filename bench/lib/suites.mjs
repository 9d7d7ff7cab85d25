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

/** Suite names are the .mjs files in bench/suites/. */
export function listSuites() {
  return readdirSync(suitesDir).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4)).sort();
}

/** Suites import dist/, so say how to build it rather than surface ERR_MODULE_NOT_FOUND. */
export function assertBuilt() {
  const missing = ['dist/esm/index.js', 'dist/esm/native.js'].filter((p) => !existsSync(join(repoRoot, p)));
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
  for (const c of suite.cases) {
    if (!c.name || !c.metric || !c.unit) fail('every case needs name, metric and unit');
    if (c.better !== 'lower' && c.better !== 'higher') fail(`case ${c.name}: better must be 'lower' or 'higher'`);
    if (!Array.isArray(c.impls) || c.impls.length === 0) fail(`case ${c.name}: impls must be a non-empty array`);
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
