#!/usr/bin/env node
// `npm run test:sanitize`: weft-core's concurrency tests under Miri (undefined behaviour,
// data races and weak-memory effects, over several scheduler seeds), then the whole
// weft-core unit test suite under ThreadSanitizer. Both need a nightly toolchain with the
// `miri` and `rust-src` components; without them this prints how to install them and
// exits 0 (a skip, not a failure). Builds go to target/sanitize, away from the normal
// build.
//
// Options (environment): WEFT_MIRI_SEEDS (default 0..6) is the seed range Miri runs each
// test under; WEFT_SANITIZE=miri or =tsan runs only that half.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const targetDir = join(root, 'target', 'sanitize');
const install = 'rustup toolchain install nightly --component miri rust-src';
const only = process.env.WEFT_SANITIZE;

// The concurrency tests Miri runs (libtest filters): the channel ring (lock-free and
// locked paths racing), the pool's dispatcher and parking, waiters and mailboxes. Tests
// that move millions of values run a few dozen under Miri (`cfg!(miri)`).
const miriFilters = ['chan::ring::tests', 'pool::tests', 'wake::'];
const miriSeeds = process.env.WEFT_MIRI_SEEDS ?? '0..6';
// parking_lot_core casts integers to pointers (its word lock): allow it without a warning.
const miriFlags = [`-Zmiri-many-seeds=${miriSeeds}`, '-Zmiri-permissive-provenance'];

/** Runs a command quietly; its status and output. */
function probe(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
  return { ok: !r.error && r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/** Runs a step with its output shown; exits on failure. Returns its wall time in seconds. */
function step(label, cmd, args, env) {
  const shownEnv = Object.entries(env).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  console.log(`\n> ${[...shownEnv, cmd, ...args].join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const secs = (Date.now() - started) / 1000;
  if (r.error) {
    console.error(`weft: could not run ${cmd}: ${r.error.message}`);
    process.exit(1);
  }
  if (r.status !== 0) {
    console.error(`weft: ${label} failed (exit ${r.status ?? r.signal}) after ${secs.toFixed(0)} s`);
    process.exit(r.status ?? 1);
  }
  console.log(`weft: ${label} passed in ${secs.toFixed(0)} s`);
  return secs;
}

function skip(why) {
  console.log(`weft: skipping the sanitizer runs: ${why}.`);
  console.log(`weft: to run them, install a nightly toolchain with Miri and the std sources:\n  ${install}`);
  process.exit(0);
}

const toolchains = probe('rustup', ['toolchain', 'list']);
if (!toolchains.ok) skip('rustup is not available');
if (!/^nightly\b/m.test(toolchains.out)) skip('no nightly toolchain is installed');

// Miri and rust-src: try to add them once if missing (the dist server may be unreachable).
const hasComponents = () =>
  probe('cargo', ['+nightly', 'miri', '--version']).ok &&
  /^rust-src\b/m.test(probe('rustup', ['+nightly', 'component', 'list', '--installed']).out);
if (!hasComponents()) {
  console.log('weft: adding the nightly miri and rust-src components...');
  const added = probe('rustup', ['+nightly', 'component', 'add', 'miri', 'rust-src']);
  if (!added.ok || !hasComponents()) {
    skip(`the nightly toolchain lacks miri or rust-src, and adding them failed${added.out ? `:\n  ${added.out.split('\n').join('\n  ')}` : ''}`);
  }
}

const times = [];
if (only !== 'tsan') {
  const env = { CARGO_TARGET_DIR: targetDir, MIRIFLAGS: miriFlags.join(' ') };
  step('miri setup', 'cargo', ['+nightly', 'miri', 'setup'], env);
  times.push([
    `Miri (seeds ${miriSeeds}; ${miriFilters.join(', ')})`,
    step('Miri', 'cargo', ['+nightly', 'miri', 'test', '-p', 'weft-core', '--lib', '--', ...miriFilters], env),
  ]);
}
if (only !== 'miri') {
  const host = probe('rustc', ['+nightly', '-vV']).out.match(/^host: (\S+)/m)?.[1] ?? 'x86_64-unknown-linux-gnu';
  const env = {
    CARGO_TARGET_DIR: targetDir,
    RUSTFLAGS: `${process.env.RUSTFLAGS ?? ''} -Zsanitizer=thread`.trim(),
    // Any report fails the run (exit 66), after the suite finishes.
    TSAN_OPTIONS: process.env.TSAN_OPTIONS ?? 'exitcode=66',
  };
  times.push([
    `ThreadSanitizer (${host}, all weft-core unit tests)`,
    step('ThreadSanitizer', 'cargo', ['+nightly', 'test', '-Zbuild-std', '--target', host, '-p', 'weft-core', '--lib'], env),
  ]);
}
console.log('\nweft: sanitizers passed:');
for (const [what, secs] of times) console.log(`  ${what}: ${secs.toFixed(0)} s`);
