#!/usr/bin/env node
// Builds weft from a clone: the native addon (cargo, through the napi-rs CLI) and the
// TypeScript facade (tsc for ESM + .d.ts; the CommonJS entry is a thin require() of the ESM build).
//   node scripts/build.mjs            both
//   node scripts/build.mjs --native   the addon only
//   node scripts/build.mjs --ts       the TypeScript only
//   node scripts/build.mjs --release  the shipped addon only (npm run build:release), into
//                                     target/dist-addon/: Cargo profile `dist` (release,
//                                     stripped); on linux-x64-gnu built with napi-rs's cross
//                                     toolchain (--use-napi-cross: glibc 2.17, fetched from
//                                     npm on first use) so it loads on glibc >= 2.17.
// Runs as `prepare`, so `npm install` / `npm ci` in a clone builds everything. Users who
// install the published package (or the packed tarballs) never run it.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const release = args.has('--release');
const all = !args.has('--native') && !args.has('--ts') && !release;

function run(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function bin(name) {
  return join(root, 'node_modules', '.bin', name);
}

function haveCargo() {
  const r = spawnSync('cargo', ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

if (all || args.has('--native') || release) {
  if (!haveCargo()) {
    console.error(
      [
        'weft: cannot build the native addon: `cargo` (the Rust toolchain) is not on PATH.',
        '  A clone of weft builds its addon from source. Install Rust 1.88 or newer (the workspace',
        "  rust-version) with rustfmt and clippy through rustup (https://rustup.rs):",
        '    curl --proto =https --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --component rustfmt,clippy',
        "  (distribution packages are often older: Debian 12's apt cargo is Rust 1.63), then run `npm install` again.",
        '  To use weft without Rust, install the published package or the prebuilt tarballs',
        '  (see README, "Installing prebuilt binaries").',
      ].join('\n'),
    );
    process.exit(1);
  }
}

/** The napi-rs target of the shipped addon for this host, with its cross flags. */
function releaseTarget() {
  if (process.platform === 'linux' && process.arch === 'x64' && process.report?.getReport?.().header?.glibcVersionRuntime) {
    return ['--target', 'x86_64-unknown-linux-gnu', '--use-napi-cross'];
  }
  return [];
}

if (release) {
  // Built into a folder of its own, then renamed into place: a pack reading the previous
  // binary meanwhile (tests pack concurrently) never sees a half-written file.
  const outDir = join(root, 'target', 'dist-addon');
  const staging = join(outDir, `.build-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  try {
    run(bin('napi'), [
      'build',
      '--platform',
      '--profile',
      'dist',
      ...releaseTarget(),
      '--manifest-path',
      'crates/weft-node/Cargo.toml',
      '--package-json-path',
      'package.json',
      '--output-dir',
      staging,
      '--no-js',
      '--dts',
      'binding.d.ts',
    ]);
    for (const file of readdirSync(staging)) renameSync(join(staging, file), join(outDir, file));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (all || args.has('--native')) {
  run(bin('napi'), [
    'build',
    '--platform',
    '--release',
    '--manifest-path',
    'crates/weft-node/Cargo.toml',
    '--package-json-path',
    'package.json',
    '--output-dir',
    '.',
    '--no-js',
    '--dts',
    'js/native/binding.d.ts',
  ]);
}

if (all || args.has('--ts')) {
  // No clean first: a rebuild overwrites in place, so a benchmark or test running from
  // dist/ meanwhile never finds it missing. (A fresh clone has no dist/ to go stale.)
  // ESM, one file per module, with declarations.
  run(bin('tsc'), ['-p', 'tsconfig.json']);
  // tsc does not copy hand-written or generated .d.ts sources; the binding's types are one.
  copyFileSync(join(root, 'js', 'native', 'binding.d.ts'), join(root, 'dist', 'esm', 'native', 'binding.d.ts'));
  // The `weft` bin; npm links it before `prepare` has built it, so set the mode here.
  chmodSync(join(root, 'dist', 'esm', 'cli', 'index.js'), 0o755);
  // CommonJS: a thin entry over the one ESM implementation (require(esm), unflagged on
  // every Node in "engines"), so `import` and `require` share one copy of every class and
  // `instanceof WeftError` holds across them. The ESM entry graph has no top-level await.
  mkdirSync(join(root, 'dist', 'cjs'), { recursive: true });
  writeFileSync(
    join(root, 'dist', 'cjs', 'index.cjs'),
    "'use strict';\n// @weft/core for require(): the ESM build itself (one implementation, one set of classes).\nmodule.exports = require('../esm/index.js');\n",
  );
  run(bin('tsc'), ['-p', 'tsconfig.json', '--emitDeclarationOnly', '--outDir', 'dist/cjs']);
  mkdirSync(join(root, 'dist', 'cjs'), { recursive: true });
  writeFileSync(join(root, 'dist', 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
  copyFileSync(join(root, 'js', 'native', 'binding.d.ts'), join(root, 'dist', 'cjs', 'native', 'binding.d.ts'));
  // The .d.ts files under dist/cjs are CommonJS declarations (type: commonjs above);
  // index.d.cts is what `require` resolution looks for beside index.cjs.
  writeFileSync(join(root, 'dist', 'cjs', 'index.d.cts'), "export * from './index.js';\n");
}
