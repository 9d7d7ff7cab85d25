/**
 * The shipped linux-x64-gnu addon loads on glibc 2.17 and newer (the napi-rs norm): the
 * highest GLIBC_x.y symbol version among its dynamic symbols, read with `objdump -T` from
 * the binary inside the packed platform tarball, is at most 2.17. The packing builds it
 * with napi-rs's cross toolchain (`npm run build:release`); a native dev build would need
 * the build machine's glibc.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { spawnAsync } from '../fixtures/spawn-async.js';

import { platformTriple } from '@weft/core';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FLOOR = [2, 17] as const;
const isGnu = platformTriple() === 'linux-x64-gnu';
const haveObjdump = isGnu && spawnSync('objdump', ['--version'], { stdio: 'ignore' }).status === 0;
const skipReason = !isGnu ? 'not a linux-x64-gnu host' : 'objdump (binutils) is not installed';

/** The GLIBC_x.y versions that `objdump -T` lists for `file`, highest last. */
function glibcVersions(file: string): [number, number][] {
  const r = spawnSync('objdump', ['-T', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`objdump -T ${file} failed: ${r.stderr}`);
  const found = new Set([...r.stdout.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => `${m[1]}.${m[2]}`));
  return [...found].map((v) => v.split('.').map(Number) as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

describe.skipIf(!haveObjdump)(`packed linux-x64-gnu addon's glibc floor${haveObjdump ? '' : ` (skipped: ${skipReason})`}`, () => {
  it(`needs no glibc newer than ${FLOOR.join('.')}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-glibc-'));
    try {
      // Its own output folder: other suites pack at the same time.
      // Not spawnSync: packing may build the shipped addon (minutes), which must not block
      // this worker's event loop.
      const packed = await spawnAsync(process.execPath, [join(repo, 'scripts', 'pack-prebuilt.mjs'), '--json', '--out', dir], { cwd: repo, timeout: 900_000 });
      expect(packed.status, packed.stderr).toBe(0);
      const { platform } = JSON.parse(packed.stdout.trim().split('\n').at(-1) ?? '') as { platform: string };
      expect(spawnSync('tar', ['xzf', platform, '-C', dir]).status).toBe(0);
      const versions = glibcVersions(join(dir, 'package', 'weft.linux-x64-gnu.node'));
      expect(versions.length).toBeGreaterThan(0);
      const highest = versions.at(-1) ?? [0, 0];
      expect(`GLIBC_${highest.join('.')}`).toSatisfy(
        () => highest[0] < FLOOR[0] || (highest[0] === FLOOR[0] && highest[1] <= FLOOR[1]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 900_000);
});
