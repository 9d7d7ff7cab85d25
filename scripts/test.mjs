#!/usr/bin/env node
// `npm test`: the Rust checks and tests (fmt, clippy -D warnings, cargo test, the loom
// models), the check that js/ has no import cycles, then the vitest suites against the
// built package. Fails on the first failing step.
import { spawnSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `npm run test:loom`: weft-core's loom models (every interleaving, up to two preemptions),
// built in their own target dir so the `--cfg loom` build leaves the normal one alone.
const loomEnv = {
  RUSTFLAGS: `${process.env.RUSTFLAGS ?? ''} --cfg loom`.trim(),
  LOOM_MAX_PREEMPTIONS: process.env.LOOM_MAX_PREEMPTIONS ?? '2',
  CARGO_TARGET_DIR: join(root, 'target', 'loom'),
};
const steps = [
  [process.execPath, [join(root, 'scripts', 'check-cycles.mjs')]],
  ['cargo', ['fmt', '--all', '--check']],
  ['cargo', ['clippy', '--workspace', '--all-targets', '--release', '--', '-D', 'warnings']],
  ['cargo', ['test', '--workspace', '--release']],
  ['cargo', ['test', '-p', 'weft-core', '--release', '--lib', 'loom'], loomEnv],
  [join(root, 'node_modules', '.bin', 'vitest'), ['run', ...process.argv.slice(2)]],
];
const timings = [];
for (const [cmd, args, env] of steps) {
  const started = performance.now();
  const shownEnv = Object.entries(env ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  console.log(`\n> ${[...shownEnv, cmd.replace(root + '/', ''), ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) {
    console.error(`weft: could not run ${cmd}: ${r.error.message}`);
    process.exit(1);
  }
  if (r.status !== 0) process.exit(r.status ?? 1);
  const label = cmd === process.execPath ? basename(args[0]) : [basename(cmd), args[0], env ? 'loom' : ''].join(' ').trim();
  timings.push(`${label} ${((performance.now() - started) / 1000).toFixed(1)}s`);
}
// One line of where the time went, so a slower step shows up.
console.log(`\nweft: npm test steps: ${timings.join(', ')}`);
