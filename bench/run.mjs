/**
 * Benchmark driver: `node bench/run.mjs <suite> [--runs N] [--warmup N] [--json FILE]`.
 * Every run is a fresh child process (worker-run.mjs), and impls are interleaved round by
 * round with a rotating order, so machine noise (load, thermals) spreads over all of them.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { renderMarkdown, renderTable, summarize } from './lib/report.mjs';
import { BenchError, WRONG_RESULT_EXIT, benchDir, knownFailureOf, listSuites, loadSuite, withoutSkipped } from './lib/suites.mjs';

const execFileAsync = promisify(execFile);
const workerPath = join(benchDir, 'worker-run.mjs');

const usage = () => `usage: npm run bench -- <suite> [--case NAME]... [--runs N] [--warmup N] [--json FILE] [--markdown FILE]
  --case NAME  run only this case (repeatable; default: every case of the suite)
  --runs N     counted runs per (case, impl), each in a fresh process (default 7)
  --warmup N   uncounted warm-up rounds before them (default 1)
  --json FILE  also write the summary rows as JSON to FILE
  --markdown FILE  also write the table as Markdown (the form the docs quote) to FILE
suites: ${listSuites().join(', ') || '(none)'}`;

/** Reads a non-negative integer option, or fails with a message naming it. */
function intOption(value, name, fallback, min) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new BenchError(`--${name} must be an integer >= ${min}, got "${value}"`);
  return n;
}

/** Runs one (case, impl) in a fresh node process and returns its parsed results. */
async function runOnce(suite, caseDef, impl) {
  const args = [...(suite.nodeArgs ?? []), workerPath, suite.name, caseDef.name, impl];
  const timeout = suite.timeoutMs ?? 120_000;
  try {
    const { stdout } = await execFileAsync(process.execPath, args, { timeout, maxBuffer: 16 << 20 });
    return JSON.parse(stdout.trim().split('\n').at(-1)).results;
  } catch (err) {
    const wrong = err.code === WRONG_RESULT_EXIT;
    const why = err.killed ? `timed out after ${timeout} ms (does measure() stop everything it starts?)`
      : wrong ? 'computed a WRONG RESULT' : `failed (exit status ${err.code ?? err.signal})`;
    const failure = new BenchError(`${suite.name}: case "${caseDef.name}" impl "${impl}" ${why}:\n${err.stderr?.trim() || err.message}`);
    failure.wrongResult = wrong;
    failure.exitCode = typeof err.code === 'number' ? err.code : undefined;
    failure.stderr = err.stderr ?? '';
    throw failure;
  }
}

/**
 * A failed run stops the suite, with one exception: a crash the suite lists in
 * `knownFailures` (a peer library's known failure, matched on its impl and stderr) is
 * retried once; if the retry fails the same way, that one run of the peer is left out
 * (its median comes from the runs that finished). Both are reported under the table. A
 * wrong result is never retried. Returns undefined for a run left out.
 */
async function runOnceRetrying(suite, caseDef, impl, retried) {
  try {
    return await runOnce(suite, caseDef, impl);
  } catch (err) {
    const known = knownFailureOf(suite, impl, err);
    if (!known) throw err;
    process.stderr.write(`bench: retrying once after a known failure of ${impl} (${known.why}):\n${err.message}\n`);
    try {
      const results = await runOnce(suite, caseDef, impl);
      retried.push({ case: caseDef.name, impl, why: known.why, left: false });
      return results;
    } catch (again) {
      if (knownFailureOf(suite, impl, again) !== known) throw again;
      process.stderr.write(`bench: ${impl} failed the same way again: this run of it is left out\n`);
      retried.push({ case: caseDef.name, impl, why: known.why, left: true });
      return undefined;
    }
  }
}

/** Round-robin schedule: each round runs every case once per impl, impl order rotated by round. */
async function runRounds(suite, opts, retried) {
  const samples = new Map(); // case -> impl -> metric -> {unit, better, values}
  const total = opts.warmup + opts.runs;
  for (let round = 0; round < total; round++) {
    const counted = round >= opts.warmup;
    const started = Date.now();
    for (const c of suite.cases) {
      const order = c.impls.map((_, i) => c.impls[(i + round) % c.impls.length]);
      for (const impl of order) {
        const results = await runOnceRetrying(suite, c, impl, retried);
        if (!counted || results === undefined) continue;
        if (!samples.has(c.name)) samples.set(c.name, new Map());
        const byImpl = samples.get(c.name);
        if (!byImpl.has(impl)) byImpl.set(impl, new Map());
        for (const { metric, unit, better, value } of results) {
          const byMetric = byImpl.get(impl);
          if (!byMetric.has(metric)) byMetric.set(metric, { unit, better, values: [] });
          byMetric.get(metric).values.push(value);
        }
      }
    }
    const label = counted ? `run ${round - opts.warmup + 1}/${opts.runs}` : `warm-up ${round + 1}/${opts.warmup}`;
    process.stderr.write(`${suite.name}: ${label} done (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }
  return samples;
}

/** The suite restricted to the named cases (all of them when none is named). */
function onlyCases(suite, names) {
  if (!names) return suite;
  const known = suite.cases.map((c) => c.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) throw new BenchError(`${suite.name} has no case ${unknown.map((n) => `"${n}"`).join(', ')} (cases: ${known.join(', ')})`);
  return { ...suite, cases: suite.cases.filter((c) => names.includes(c.name)) };
}

async function main(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      runs: { type: 'string' }, warmup: { type: 'string' }, json: { type: 'string' }, markdown: { type: 'string' },
      case: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' }, list: { type: 'boolean' },
    },
  });
  if (values.help || values.list) return void console.log(usage());
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0 || !listSuites().includes(name)) {
    if (name) console.error(extra.length ? `expected one suite, got: ${positionals.join(' ')}` : `unknown suite "${name}"`);
    console.error(usage());
    return 1;
  }
  const opts = { runs: intOption(values.runs, 'runs', 7, 1), warmup: intOption(values.warmup, 'warmup', 1, 0) };
  const selected = onlyCases(await loadSuite(name), values.case);
  // A suite's prepare() (run once, here) installs what its impls need and says which cases
  // or impls cannot run in this build or on this machine.
  const prepared = (await selected.prepare?.({ cases: selected.cases })) ?? {};
  const { suite, lines: skipLines } = withoutSkipped(selected, prepared.skipped);
  for (const line of skipLines) process.stderr.write(`${suite.name}: not run: ${line}\n`);
  const retried = [];
  const rows = suite.cases.length === 0 ? [] : summarize(suite, await runRounds(suite, opts, retried));
  const title = `suite ${suite.name} · node ${process.version} ${platform()}-${arch()} · ` +
    `${opts.runs} counted run(s) + ${opts.warmup} warm-up per impl, each in a fresh process`;
  const retries = retried.length === 0 ? [] : ['', 'Runs retried after a known failure of a peer:',
    ...retried.map((r) => `- ${r.case} / ${r.impl}: ${r.why}${r.left ? ' (failed again: run left out)' : ''}`)];
  const footer = [
    ...retries,
    ...(skipLines.length === 0 ? [] : ['', 'Not run:', ...skipLines.map((l) => `- ${l}`)]),
    ...((prepared.setup ?? []).length === 0 ? [] : ['', 'Setup:', ...prepared.setup.map((line) => `- ${line}`)]),
  ];
  console.log(`\n${title}\n`);
  console.log(rows.length === 0 ? 'nothing to run: every selected case was skipped' : renderTable(rows, suite.reference));
  if (footer.length > 0) console.log(footer.join('\n'));
  const write = (path, text) => {
    const file = resolve(path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };
  if (values.json) {
    const meta = { node: process.version, date: new Date().toISOString() };
    const file = write(values.json, `${JSON.stringify(rows.map((r) => ({ ...r, ...meta, retried: retried.filter((x) => x.case === r.case && x.impl === r.impl).length })), null, 2)}\n`);
    console.log(`\nwrote ${rows.length} rows to ${file}`);
  }
  if (values.markdown) {
    const command = `npm run bench -- ${process.argv.slice(2).filter((a, i, all) => a !== '--markdown' && all[i - 1] !== '--markdown').join(' ')}`;
    const table = rows.length === 0 ? 'nothing to run: every selected case was skipped' : renderMarkdown(rows, suite.reference);
    const file = write(values.markdown, `\`${command}\` · ${title}\n\n${table}\n${footer.join('\n')}\n`);
    console.log(`wrote the Markdown table to ${file}`);
  }
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  const badArgs = err.code?.startsWith?.('ERR_PARSE_ARGS');
  console.error(err instanceof BenchError || badArgs ? `bench: ${err.message}${badArgs ? ' (see --help)' : ''}` : err);
  process.exitCode = 1;
}
