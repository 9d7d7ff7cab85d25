#!/usr/bin/env node
// Packs weft for installation without Rust: two tarballs in artifacts/ (gitignored):
//   weft-core-<version>.tgz                 the root package (dist/ + README, no binary)
//   weft-core-<triple>-<version>.tgz        the platform package, holding weft.<triple>.node
// Installing both (`npm install ./weft-core-0.1.0.tgz ./weft-core-linux-x64-gnu-0.1.0.tgz`)
// gives a working @weft/core whose addon is the prebuilt one (nativeOrigin().kind ===
// 'prebuilt'); npm never runs cargo.
//
// Needs `npm run build` first (dist/). The platform package holds the shipped addon,
// target/dist-addon/weft.<triple>.node from `npm run build:release` (stripped; glibc 2.17
// on linux-x64-gnu), which this script runs itself when that binary is missing or older
// than the Rust sources. The platform package
// is packed from a temporary staging folder (npm/<triple>/package.json + README.md + the
// binary), so the binary is never copied into npm/ and the repository stays clean.
// Both packs use --ignore-scripts, from staging folders whose manifests have no scripts:
// packing never builds. (A plain `npm pack` in the repository runs `prepare`, a full
// build from source; use this script instead.)
// The two tarballs go together: the root's only optional dependency is the platform
// package packed with it, so install both in one `npm install`.
//
//   node scripts/pack-prebuilt.mjs          (npm run pack:prebuilt) prints the two paths
//   node scripts/pack-prebuilt.mjs --json   prints {"root": "...", "platform": "..."} on stdout
//   node scripts/pack-prebuilt.mjs --out DIR   writes the tarballs to DIR instead of artifacts/
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const jsonOutput = process.argv.includes('--json');
const outIndex = process.argv.indexOf('--out');
// --out DIR: write the tarballs there instead of artifacts/ (tests pack side by side).
const artifacts = outIndex === -1 ? join(root, 'artifacts') : resolve(process.argv[outIndex + 1] ?? fail('--out needs a folder'));

function fail(message) {
  console.error(`weft pack:prebuilt: ${message}`);
  process.exit(1);
}

function warn(message) {
  console.error(`weft pack:prebuilt: warning: ${message}`);
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Newest modification time of the files under `dir` whose names pass `keep`. */
function newestMtime(dir, keep) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, keep));
    else if (entry.isFile() && keep(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Runs npm with `args` in `cwd`; returns its stdout. Uses the npm that runs this script when there is one. */
function npm(args, cwd) {
  const execPath = process.env.npm_execpath;
  const viaNode = execPath !== undefined && /npm-cli\.c?js$/.test(basename(execPath));
  const [cmd, cmdArgs] = viaNode ? [process.execPath, [execPath, ...args]] : ['npm', args];
  const r = spawnSync(cmd, cmdArgs, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    shell: !viaNode && process.platform === 'win32',
  });
  if (r.error) fail(`could not run npm ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) fail(`npm ${args.join(' ')} (in ${cwd}) exited with ${r.status}:\n${r.stdout}`);
  return r.stdout;
}

/** `npm pack` of `dir` into artifacts/; returns the tarball's absolute path and its file list. */
function pack(dir) {
  const out = npm(['pack', '--json', '--ignore-scripts', '--pack-destination', artifacts], dir);
  let result;
  try {
    [result] = JSON.parse(out);
  } catch {
    fail(`could not read npm pack's JSON output:\n${out}`);
  }
  return { path: join(artifacts, result.filename), files: result.files.map((f) => f.path) };
}

// --- Preconditions ------------------------------------------------------------------

const rootPkg = readJson(join(root, 'package.json'));
const { version } = rootPkg;
const nativeModule = join(root, 'dist', 'esm', 'native', 'loader.js');
if (!existsSync(nativeModule)) fail('missing build output: dist/esm/native/loader.js\nRun `npm run build` first.');
// The loader's own rule for this platform's triple, so packing and loading never disagree.
const { platformTriple } = await import(pathToFileURL(nativeModule).href);
const triple = platformTriple();
const binaryName = rootPkg.napi?.binaryName ?? 'weft';
const binaryFile = `${binaryName}.${triple}.node`;
const releaseDir = join(root, 'target', 'dist-addon');
const binary = join(releaseDir, binaryFile);
const platformDir = join(root, 'npm', triple);
const platformPkgName = `${rootPkg.name}-${triple}`;

const rustSources = Math.max(
  newestMtime(join(root, 'crates'), (n) => n.endsWith('.rs') || n === 'Cargo.toml'),
  statSync(join(root, 'Cargo.toml')).mtimeMs,
  statSync(join(root, 'Cargo.lock')).mtimeMs,
);
if (!existsSync(binary) || statSync(binary).mtimeMs < rustSources) {
  console.error(`weft pack:prebuilt: building the shipped addon (npm run build:release) into ${relative(root, releaseDir)}/`);
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--release'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (r.error || r.status !== 0) fail(`npm run build:release failed (${r.error?.message ?? `exit ${r.status}`}).`);
}

const missing = [binary, join(root, 'dist', 'esm', 'index.js'), join(root, 'dist', 'cjs', 'index.cjs')].filter(
  (p) => !existsSync(p),
);
if (missing.length > 0) {
  fail(`missing build output:\n  - ${missing.map((p) => relative(root, p)).join('\n  - ')}\nRun \`npm run build\` first.`);
}
if (!existsSync(join(platformDir, 'package.json'))) {
  fail(`no platform package for ${triple}: ${relative(root, platformDir)}/package.json does not exist.`);
}

const platformPkg = readJson(join(platformDir, 'package.json'));
if (platformPkg.name !== platformPkgName) {
  fail(`${relative(root, platformDir)}/package.json is named ${platformPkg.name}; expected ${platformPkgName}.`);
}
if (platformPkg.version !== version) {
  fail(`${platformPkgName} is version ${platformPkg.version} but ${rootPkg.name} is ${version}; they must match.`);
}
if (!(platformPkg.files ?? []).includes(binaryFile) || platformPkg.main !== binaryFile) {
  fail(`${relative(root, platformDir)}/package.json must have "main" and "files" naming ${binaryFile}.`);
}

// The loader refuses an addon of another version; refuse to pack one.
let nativeVersion;
try {
  nativeVersion = createRequire(import.meta.url)(binary).nativeVersion();
} catch (err) {
  fail(`could not load ${binaryFile}: ${err.message}`);
}
if (nativeVersion !== version) {
  fail(`${binaryFile} is version ${nativeVersion} but the package is ${version}; run \`npm run build\`.`);
}

const distTime = statSync(join(root, 'dist', 'esm', 'index.js')).mtimeMs;
const tsSources = newestMtime(join(root, 'js'), (n) => n.endsWith('.ts'));
if (tsSources > distTime) warn('dist/ is older than the TypeScript sources in js/; run `npm run build` to refresh it.');

// --- Pack -----------------------------------------------------------------------------

/**
 * The packed root manifest: the repository's package.json without its dev-only fields
 * (devDependencies, overrides, scripts: `prepare` builds from source, which an installed
 * tarball never does, and no script may run on install), plus one optional dependency:
 * the platform package packed alongside it. Listing every napi target's package instead
 * (as `napi pre-publish` does for the registry) breaks a consumer's `npm ci` while those
 * packages are unpublished: npm 11 refuses a lockfile that lacks their entries. So the
 * two tarballs are installed together, in one `npm install`.
 */
function publishedManifest(platformPkgName) {
  const { devDependencies: _dev, scripts: _scripts, overrides: _overrides, ...manifest } = rootPkg;
  manifest.optionalDependencies = { [platformPkgName]: version };
  return manifest;
}

/** Packs the root package from a staging folder holding dist/, README.md and the published manifest. */
function packRoot() {
  const stage = mkdtempSync(join(tmpdir(), 'weft-pack-root-'));
  try {
    cpSync(join(root, 'dist'), join(stage, 'dist'), { recursive: true });
    for (const file of ['README.md', 'LICENSE']) {
      if (existsSync(join(root, file))) copyFileSync(join(root, file), join(stage, file));
    }
    writeFileSync(join(stage, 'package.json'), JSON.stringify(publishedManifest(platformPkgName), null, 2) + '\n');
    return pack(stage);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

mkdirSync(artifacts, { recursive: true });

const rootTarball = packRoot();
const strayBinaries = rootTarball.files.filter((f) => f.endsWith('.node'));
if (strayBinaries.length > 0) {
  fail(`the root tarball must not contain native binaries, but holds: ${strayBinaries.join(', ')}`);
}
for (const required of ['package.json', 'LICENSE', 'dist/esm/index.js', 'dist/cjs/index.cjs']) {
  if (!rootTarball.files.includes(required)) fail(`the root tarball lacks ${required}.`);
}

const staging = mkdtempSync(join(tmpdir(), `weft-pack-${triple}-`));
let platformTarball;
try {
  copyFileSync(join(platformDir, 'package.json'), join(staging, 'package.json'));
  if (existsSync(join(platformDir, 'README.md'))) copyFileSync(join(platformDir, 'README.md'), join(staging, 'README.md'));
  copyFileSync(join(root, 'LICENSE'), join(staging, 'LICENSE'));
  copyFileSync(binary, join(staging, binaryFile));
  platformTarball = pack(staging);
} finally {
  rmSync(staging, { recursive: true, force: true });
}
for (const required of [binaryFile, 'LICENSE']) {
  if (!platformTarball.files.includes(required)) fail(`the platform tarball lacks ${required}.`);
}

if (jsonOutput) {
  console.log(JSON.stringify({ root: rootTarball.path, platform: platformTarball.path, triple, version }));
} else {
  console.log(`${rootPkg.name}@${version}: ${rootTarball.path}`);
  console.log(`${platformPkgName}@${version}: ${platformTarball.path}`);
  console.log(`Install both without Rust: npm install ${rootTarball.path} ${platformTarball.path}`);
}
