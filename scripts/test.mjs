#!/usr/bin/env node
// `npm test`: the Rust checks and tests (fmt, clippy -D warnings, cargo test), then the
// vitest suites against the built package. Fails on the first failing step.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const steps = [
  ['cargo', ['fmt', '--all', '--check']],
  ['cargo', ['clippy', '--workspace', '--all-targets', '--release', '--', '-D', 'warnings']],
  ['cargo', ['test', '--workspace', '--release']],
  [join(root, 'node_modules', '.bin', 'vitest'), ['run', ...process.argv.slice(2)]],
];
for (const [cmd, args] of steps) {
  console.log(`\n> ${[cmd.replace(root + '/', ''), ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.error) {
    console.error(`weft: could not run ${cmd}: ${r.error.message}`);
    process.exit(1);
  }
  if (r.status !== 0) process.exit(r.status ?? 1);
}
