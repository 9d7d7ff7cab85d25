/**
 * Child process for ONE counted (or warm-up) run: `node bench/worker-run.mjs <suite> <case> <impl>`.
 * A fresh process per run keeps JIT state, heap and native pools from leaking between runs.
 * Prints exactly one JSON line, `{suite, case, impl, results: [{metric, unit, value, better}]}`,
 * as the last line of stdout; suites should log to stderr. A wrong result (WrongResult)
 * exits with WRONG_RESULT_EXIT, any other failure with 1.
 */
import { BenchError, WRONG_RESULT_EXIT, WrongResult, loadSuite, normalizeResults } from './lib/suites.mjs';

const [suiteName, caseName, impl] = process.argv.slice(2);
try {
  const suite = await loadSuite(suiteName);
  const caseDef = suite.cases.find((c) => c.name === caseName);
  if (!caseDef?.impls.includes(impl)) throw new BenchError(`suite ${suiteName} has no case "${caseName}" with impl "${impl}"`);
  const results = normalizeResults(caseDef, await suite.measure(caseDef, impl));
  process.stdout.write(`${JSON.stringify({ suite: suiteName, case: caseName, impl, results })}\n`);
} catch (err) {
  console.error(err instanceof BenchError ? err.message : err);
  process.exitCode = err instanceof WrongResult ? WRONG_RESULT_EXIT : 1;
}
