/**
 * End-to-end check of the prebuilt distribution: `npm run pack:prebuilt` makes the root and
 * platform tarballs; installing both into a fresh project, with no Rust toolchain on PATH,
 * gives a @weft/core that loads the prebuilt addon from ESM and CommonJS alike, and the
 * lockfile that install writes is one `npm ci` accepts, with npm 11 and npm 10 alike (the
 * root lists as optional dependency only the platform package packed with it). Installing
 * the root tarball alone (the platform package is not on the registry: a 404 that npm must
 * tolerate for an optional dependency) gives a clear NATIVE_UNAVAILABLE WeftError.
 *
 * Needs `npm run build` first. With the npm registry reachable it installs as a user does:
 * npm asks the registry for each optional platform package and gets a 404 for the
 * unpublished ones. Without it (no network, `npm_config_offline=true`, a registry that does
 * not answer `npm ping`) it installs with `--offline`, where the unpublished packages are
 * simply not in the cache: the tarballs need nothing else, so this passes from any cache.
 * Should an offline install ever need a package the cache lacks, the tests are skipped,
 * saying so, instead of failing on npm's timeouts.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { spawnAsync } from '../fixtures/spawn-async.js';

import { platformTriple } from '@weft/core';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const rootPkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { name: string; version: string };
const INSTALL_TIMEOUT_MS = 240_000;
/** The npm 10 release `npm ci` is also checked with (run through npx). */
const NPM10 = 'npm@10.9.4';

const triple = platformTriple();
const platformPkgName = `${rootPkg.name}-${triple}`;
const binaryFile = `weft.${triple}.node`;
// Only platforms with a platform package in npm/ can be packed.
const supported = existsSync(join(repo, 'npm', triple, 'package.json'));

/**
 * The environment a user without Rust has: no PATH entry holding a `cargo` executable, no
 * Cargo/rustup variables, and none of the per-run variables of an enclosing `npm run`.
 */
function envWithoutRust(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(CARGO|CARGO_.*|RUSTUP_.*|RUSTC|RUSTC_.*|INIT_CWD)$/i.test(key)) continue;
    if (/^npm_(lifecycle_|package_|command$|config_local_prefix$|config_call$)/i.test(key)) continue;
    env[key] = value;
  }
  const cargoNames = process.platform === 'win32' ? ['cargo.exe', 'cargo.cmd', 'cargo'] : ['cargo'];
  for (const key of Object.keys(env).filter((k) => k.toUpperCase() === 'PATH')) {
    env[key] = (env[key] ?? '')
      .split(delimiter)
      .filter((dir) => dir !== '' && !cargoNames.some((name) => existsSync(join(dir, name))))
      .join(delimiter);
  }
  return env;
}

/** npm's CLI script, so npm runs under this Node whatever the stripped PATH holds. */
function npmCli(): string {
  const candidates: string[] = [];
  if (process.env.npm_execpath) candidates.push(process.env.npm_execpath);
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const npm = join(dir, 'npm');
    if (dir !== '' && existsSync(npm)) candidates.push(realpathSync(npm));
  }
  const nodeDir = dirname(process.execPath);
  candidates.push(
    join(nodeDir, '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    join(nodeDir, 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  );
  const found = candidates.find((c) => /npm-cli\.c?js$/.test(basename(c)) && existsSync(c));
  if (found === undefined) throw new Error(`cannot find npm-cli.js; looked at:\n  ${candidates.join('\n  ')}`);
  return found;
}

/** An npm setting as the installs see it (from the environment or an .npmrc). */
function npmConfig(env: NodeJS.ProcessEnv, key: string): string {
  const r = spawnSync(process.execPath, [npmCli(), 'config', 'get', key], { cwd: repo, env, encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? r.stdout.trim() : '';
}

/**
 * Why npm cannot use its registry now, or undefined when it can: npm's own `offline`
 * setting, else `npm ping` with the installs' config and environment, failing fast (no
 * retries) instead of npm's minutes of retrying an address that does not answer.
 */
function registryProblem(env: NodeJS.ProcessEnv): string | undefined {
  if (npmConfig(env, 'offline') === 'true') return 'npm is configured offline';
  const args = [npmCli(), 'ping', '--fetch-retries=0', '--fetch-timeout=15000'];
  const r = spawnSync(process.execPath, args, { cwd: repo, env, encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0 && !r.error) return undefined;
  const said = `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((line) => line.replace(/^npm (error|ERR!) ?/, '').trim())
    .find((line) => /\b(E[A-Z0-9_]{3,}|request to|timed? ?out|unreachable)\b/i.test(line));
  const why = r.error?.message ?? said ?? `exit ${r.status}`;
  return `npm ping ${npmConfig(env, 'registry') || 'of the registry'} failed: ${why}`;
}

function describeRun(what: string, r: SpawnSyncReturns<string>): string {
  return `${what} exited with ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

function check(what: string, r: SpawnSyncReturns<string>): SpawnSyncReturns<string> {
  if (r.error || r.status !== 0) throw new Error(describeRun(what, r));
  return r;
}

/** A fresh npm project in the OS temp folder (real path: the loader reports real paths). */
function makeProject(label: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `weft-prebuilt-${label}-`)));
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `weft-prebuilt-${label}`, version: '0.0.0', private: true }, null, 2)}\n`,
  );
  for (const ext of ['mjs', 'cjs']) {
    copyFileSync(join(repo, 'test', 'fixtures', `prebuilt-smoke.${ext}`), join(dir, `smoke.${ext}`));
  }
  return dir;
}

/** What stops an offline install: a package it needs is not in npm's cache. */
class NotInCache extends Error {}

function npmInstall(project: string, tarballs: string[], env: NodeJS.ProcessEnv, offline: boolean): SpawnSyncReturns<string> {
  const args = [npmCli(), 'install', '--no-audit', '--no-fund', '--ignore-scripts=false', ...(offline ? ['--offline'] : []), ...tarballs];
  const r = spawnSync(process.execPath, args, { cwd: project, env, encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS });
  if (offline && r.status !== 0 && /ENOTCACHED/.test(`${r.stderr}\n${r.stdout}`)) {
    const wanted = /request to (\S+) failed/.exec(`${r.stderr}\n${r.stdout}`)?.[1] ?? 'a package it needs';
    throw new NotInCache(`${wanted} is not in the npm cache`);
  }
  return check(`npm install${offline ? ' --offline' : ''} in ${project}`, r);
}

/** `npm ci` in `project` with the npm that runs the tests, or (`npm10`) with npm 10 through npx. */
function npmCi(project: string, env: NodeJS.ProcessEnv, offline: boolean, npm10: boolean): SpawnSyncReturns<string> {
  const ciArgs = ['ci', '--no-audit', '--no-fund', ...(offline ? ['--offline'] : [])];
  const args = npm10
    ? [join(dirname(npmCli()), 'npx-cli.js'), '--yes', ...(offline ? ['--offline'] : []), NPM10, ...ciArgs]
    : [npmCli(), ...ciArgs];
  const r = spawnSync(process.execPath, args, { cwd: project, env, encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS });
  const what = `${npm10 ? NPM10 : 'npm'} ci${offline ? ' --offline' : ''} in ${project}`;
  if (offline && r.status !== 0 && /ENOTCACHED/.test(`${r.stderr}\n${r.stdout}`)) {
    throw new NotInCache(`${npm10 ? NPM10 : 'a package npm ci needs'} is not in the npm cache`);
  }
  return check(what, r);
}

interface SmokeResult {
  format: 'esm' | 'cjs';
  resolved: string;
  version: string;
  weftErrorRecognised: boolean;
  cargoOnPath: boolean;
  nativeVersion?: string;
  origin?: { kind: string; path: string; triple: string };
  loadError?: { isWeftError: boolean; code?: string; message: string };
}

function smoke(project: string, ext: 'mjs' | 'cjs', env: NodeJS.ProcessEnv): SmokeResult {
  const r = check(
    `smoke.${ext} in ${project}`,
    spawnSync(process.execPath, [`smoke.${ext}`], { cwd: project, env, encoding: 'utf8', timeout: 60_000 }),
  );
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as SmokeResult;
}

const env = envWithoutRust();
// Asked once, before the suite is named: the name says which way the installs go.
const offlineBecause = supported ? registryProblem(env) : undefined;
const offline = offlineBecause !== undefined;

describe.skipIf(!supported)(`prebuilt install (${triple}, ${offline ? `offline: ${offlineBecause}` : 'registry reachable'})`, () => {
  const projects: string[] = [];
  let tarballs: { root: string; platform: string };
  let full: string;
  let rootOnly: string;
  let rootOnlyInstall: SpawnSyncReturns<string>;
  /** `npm ci` of the full project's lockfile, by npm major, each followed by a version check. */
  const ciRuns: { npm: string; version: string; lockBefore: string; lockAfter: string }[] = [];
  /** Set when an offline install could not go ahead: the install tests are then skipped, saying why. */
  let cannotInstall: string | undefined;

  beforeAll(async () => {
    const packed = check(
      'node scripts/pack-prebuilt.mjs --json',
      // Packing builds the shipped addon first when it is missing or stale: minutes, so
      // not under spawnSync, which would block this worker's event loop meanwhile.
      (await spawnAsync(process.execPath, [join(repo, 'scripts', 'pack-prebuilt.mjs'), '--json'], { cwd: repo, timeout: 900_000 })) as SpawnSyncReturns<string>,
    );
    const lines = packed.stdout.trim().split('\n');
    tarballs = JSON.parse(lines[lines.length - 1] ?? '') as { root: string; platform: string };

    try {
      full = makeProject('full');
      projects.push(full);
      npmInstall(full, [tarballs.root, tarballs.platform], env, offline);
      // The lockfile that install wrote must be one `npm ci` accepts, with npm 10 and npm 11;
      // npm 11's ci runs last, so the load tests below use what it installed.
      for (const npm10 of [true, false]) {
        const lockBefore = readFileSync(join(full, 'package-lock.json'), 'utf8');
        npmCi(full, env, offline, npm10);
        const version = check(
          'npm --version',
          npm10
            ? spawnSync(process.execPath, [join(dirname(npmCli()), 'npx-cli.js'), '--yes', ...(offline ? ['--offline'] : []), NPM10, '--version'], { cwd: full, env, encoding: 'utf8' })
            : spawnSync(process.execPath, [npmCli(), '--version'], { cwd: full, env, encoding: 'utf8' }),
        ).stdout.trim();
        ciRuns.push({ npm: npm10 ? NPM10 : 'npm', version, lockBefore, lockAfter: readFileSync(join(full, 'package-lock.json'), 'utf8') });
      }

      rootOnly = makeProject('root-only');
      projects.push(rootOnly);
      rootOnlyInstall = npmInstall(rootOnly, [tarballs.root], env, offline);
    } catch (err) {
      if (!(err instanceof NotInCache)) throw err;
      cannotInstall = `skipped: the npm registry is unavailable (${offlineBecause}) and ${err.message}`;
    }
  }, INSTALL_TIMEOUT_MS * 4 + 900_000);

  afterAll(() => {
    for (const dir of projects) rmSync(dir, { recursive: true, force: true });
  });

  it('packs the root package without a binary and the platform package with one', () => {
    expect(basename(tarballs.root)).toBe(`weft-core-${rootPkg.version}.tgz`);
    expect(basename(tarballs.platform)).toBe(`weft-core-${triple}-${rootPkg.version}.tgz`);
    const list = (tgz: string) => check(`tar tzf ${tgz}`, spawnSync('tar', ['tzf', tgz], { encoding: 'utf8' })).stdout;
    expect(list(tarballs.root)).not.toMatch(/\.node$/m);
    expect(list(tarballs.platform)).toMatch(new RegExp(`^package/${binaryFile.replace(/\./g, '\\.')}$`, 'm'));
    // Packing stages the binary in a temp folder: nothing is left in npm/<triple>.
    expect(readdirSync(join(repo, 'npm', triple)).filter((f) => f.endsWith('.node'))).toEqual([]);
  });

  describe('installed into fresh projects', () => {
    // Skipped (saying why) when an offline install could not go ahead; packing above needs
    // no install and runs anyway.
    beforeEach((ctx) => {
      if (cannotInstall !== undefined) ctx.skip(cannotInstall);
    });

    it('runs without cargo on PATH', () => {
      expect(spawnSync('cargo', ['--version'], { env, stdio: 'ignore' }).error).toBeDefined();
      // The installed root package carries no addon of its own, so a load is a prebuilt load.
      const installed = join(full, 'node_modules', '@weft', 'core');
      expect(readdirSync(installed).filter((f) => f.endsWith('.node'))).toEqual([]);
    });

    it('reinstalls from its lockfile with `npm ci`, with npm 10 and npm 11', () => {
      expect(ciRuns.map((r) => r.version.split('.')[0])).toEqual(['10', expect.stringMatching(/^\d+$/)]);
      expect(Number(ciRuns[1]?.version.split('.')[0])).toBeGreaterThanOrEqual(11);
      for (const run of ciRuns) expect(run.lockAfter).toBe(run.lockBefore);
      const lock = JSON.parse(ciRuns[0]?.lockBefore ?? '{}') as { packages: Record<string, unknown> };
      expect(Object.keys(lock.packages).filter((p) => p.includes('@weft/core-')).sort()).toEqual([
        `node_modules/@weft/core-${triple}`,
      ]);
      expect(existsSync(join(full, 'node_modules', '@weft', `core-${triple}`, binaryFile))).toBe(true);
    });

    for (const [ext, entry] of [
      ['mjs', join('dist', 'esm', 'index.js')],
      ['cjs', join('dist', 'cjs', 'index.cjs')],
    ] as const) {
      it(`loads the prebuilt addon via ${ext === 'mjs' ? 'import (ESM)' : 'require (CommonJS)'}`, () => {
        const result = smoke(full, ext, env);
        expect(result.cargoOnPath).toBe(false);
        expect(result.resolved).toBe(join(full, 'node_modules', '@weft', 'core', entry));
        expect(result.loadError).toBeUndefined();
        expect(result.version).toBe('0.1.0');
        expect(result.version).toBe(rootPkg.version);
        expect(result.nativeVersion).toBe(rootPkg.version);
        expect(result.weftErrorRecognised).toBe(true);
        expect(result.origin).toEqual({
          kind: 'prebuilt',
          path: join(full, 'node_modules', '@weft', `core-${triple}`, binaryFile),
          triple,
        });
      });
    }

    it('type-checks the typed-pool example under tsc --strict against the installed declarations', () => {
      // The README's typed pool (test/types/typed-pool.ts and its task module), compiled in
      // the consumer against what the tarball installed; @types/node is the optional peer.
      const types = join(full, 'types-check');
      mkdirSync(types, { recursive: true });
      for (const file of ['typed-pool.ts', 'tasks.ts', 'tsconfig.json']) copyFileSync(join(repo, 'test', 'types', file), join(types, file));
      writeFileSync(join(types, 'package.json'), '{ "type": "module" }\n');
      const nodeTypes = join(full, 'node_modules', '@types', 'node');
      mkdirSync(dirname(nodeTypes), { recursive: true });
      if (!existsSync(nodeTypes)) symlinkSync(join(repo, 'node_modules', '@types', 'node'), nodeTypes, 'dir');
      const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
      const r = spawnSync(process.execPath, [tsc, '-p', join(types, 'tsconfig.json'), '--skipLibCheck', 'false'], { cwd: types, env, encoding: 'utf8' });
      expect(r.status, describeRun('tsc', r)).toBe(0);
      // It resolved the installed package, not the repository's.
      const trace = spawnSync(process.execPath, [tsc, '-p', join(types, 'tsconfig.json'), '--listFiles'], { cwd: types, env, encoding: 'utf8' });
      expect(trace.stdout).toContain(join(full, 'node_modules', '@weft', 'core', 'dist', 'esm', 'index.d.ts'));
    });

    // Online the unpublished platform package is a 404 from the registry; offline it is not
    // in the cache. Either way npm must skip the optional dependency, not fail.
    it('tolerates the unpublished optional platform package when the root is installed alone', () => {
      expect(rootOnlyInstall.status).toBe(0);
      expect(existsSync(join(rootOnly, 'node_modules', '@weft', 'core', 'package.json'))).toBe(true);
      expect(existsSync(join(rootOnly, 'node_modules', '@weft', `core-${triple}`))).toBe(false);
    });

    for (const ext of ['mjs', 'cjs'] as const) {
      it(`reports NATIVE_UNAVAILABLE naming ${triple} without the platform package (${ext})`, () => {
        const result = smoke(rootOnly, ext, env);
        expect(result.cargoOnPath).toBe(false);
        expect(result.version).toBe(rootPkg.version);
        expect(result.weftErrorRecognised).toBe(true);
        expect(result.nativeVersion).toBeUndefined();
        expect(result.loadError).toMatchObject({ isWeftError: true, code: 'NATIVE_UNAVAILABLE' });
        expect(result.loadError?.message).toContain(triple);
        expect(result.loadError?.message).toContain(platformPkgName);
      });
    }
  });
});
