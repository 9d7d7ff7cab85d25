/**
 * What `npm run pack:prebuilt` ships: LICENSE in both tarballs, the package metadata, a
 * manifest with no scripts (an install never builds) whose only optional dependency is the
 * platform package packed alongside it, and source maps that carry their sources (the
 * js/ they point at is not shipped).
 *
 * Needs `npm run build` first (as pack:prebuilt does).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { spawnAsync } from '../fixtures/spawn-async.js';

import { platformTriple } from '@weft/core';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const triple = platformTriple();
const supported = existsSync(join(repo, 'npm', triple, 'package.json'));

interface Manifest {
  name: string;
  version: string;
  scripts?: Record<string, string>;
  devDependencies?: Record<string, string>;
  overrides?: unknown;
  optionalDependencies?: Record<string, string>;
  repository?: unknown;
  homepage?: string;
  bugs?: unknown;
  keywords?: string[];
  license?: string;
}

function run(cmd: string, args: string[], cwd = repo): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 900_000 });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe.skipIf(!supported)('packed tarballs', () => {
  let unpacked: string;
  let rootDir: string;
  let platformDir: string;

  beforeAll(async () => {
    unpacked = mkdtempSync(join(tmpdir(), 'weft-packed-'));
    // Its own output folder: other suites pack at the same time.
    const out = join(unpacked, 'tarballs');
    const packed = await spawnAsync(process.execPath, [join(repo, 'scripts', 'pack-prebuilt.mjs'), '--json', '--out', out], { cwd: repo, timeout: 900_000 });
    if (packed.error || packed.status !== 0) throw new Error(`pack-prebuilt failed: ${packed.error?.message ?? packed.stderr}`);
    const lines = packed.stdout.trim().split('\n');
    const { root, platform } = JSON.parse(lines.at(-1) ?? '') as { root: string; platform: string };
    rootDir = join(unpacked, 'root');
    platformDir = join(unpacked, 'platform');
    for (const [tgz, dir] of [
      [root, rootDir],
      [platform, platformDir],
    ] as const) {
      run('mkdir', ['-p', dir]);
      run('tar', ['xzf', tgz, '-C', dir]);
    }
  }, 900_000);

  afterAll(() => {
    if (unpacked !== undefined) rmSync(unpacked, { recursive: true, force: true });
  });

  it('ships the MIT LICENSE in both tarballs', () => {
    for (const dir of [rootDir, platformDir]) {
      const license = readFileSync(join(dir, 'package', 'LICENSE'), 'utf8');
      expect(license).toContain('MIT License');
      expect(license).toContain('Copyright (c) 2026 the weft authors');
    }
  });

  it('has repository metadata and no install-time scripts or dev-only fields', () => {
    const pkg = JSON.parse(readFileSync(join(rootDir, 'package', 'package.json'), 'utf8')) as Manifest;
    expect(pkg.license).toBe('MIT');
    expect(pkg.repository).toEqual({ type: 'git', url: 'git+https://github.com/weft-js/weft.git' });
    expect(pkg.homepage).toBe('https://github.com/weft-js/weft#readme');
    expect(pkg.bugs).toEqual({ url: 'https://github.com/weft-js/weft/issues' });
    expect(pkg.keywords).toEqual(expect.arrayContaining(['worker pool', 'channels', 'select', 'concurrency', 'napi']));
    expect(pkg.scripts).toBeUndefined();
    expect(pkg.devDependencies).toBeUndefined();
    expect(pkg.overrides).toBeUndefined();
  });

  it('lists as optional dependency only the platform package packed alongside it', () => {
    const pkg = JSON.parse(readFileSync(join(rootDir, 'package', 'package.json'), 'utf8')) as Manifest;
    const platform = JSON.parse(readFileSync(join(platformDir, 'package', 'package.json'), 'utf8')) as Manifest;
    expect(platform.name).toBe(`@weft/core-${triple}`);
    expect(pkg.optionalDependencies).toEqual({ [platform.name]: pkg.version });
  });

  it('ships source maps only with their sources inlined', () => {
    const maps = filesUnder(join(rootDir, 'package')).filter((f) => f.endsWith('.map'));
    const withoutSources = maps.filter((file) => {
      const map = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      return map.sourcesContent?.length !== map.sources.length || map.sourcesContent.some((s) => typeof s !== 'string');
    });
    expect(withoutSources.map((f) => f.slice(rootDir.length))).toEqual([]);
  });
});
