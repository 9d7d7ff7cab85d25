/**
 * One implementation for `import` and `require`: the CommonJS entry is a thin require() of
 * the ESM build, so both give the same module objects, `instanceof` holds across them, and
 * loading it prints no warning (require(esm) is unflagged on every Node in "engines").
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Runs in a child so that the package is loaded the way a user's process loads it.
const script = `
import { createRequire } from 'node:module';
const esm = await import('@weft/core');
const cjs = createRequire(import.meta.url)('@weft/core');
const names = ['WeftError', 'Channel', 'Pool', 'ProcessPool', 'select', 'isWeftError'];
const same = Object.fromEntries(names.map((n) => [n, n in esm && esm[n] === cjs[n]]));
const err = new cjs.WeftError('INVALID_ARGUMENT', 'from require');
const chan = new esm.Channel(1);
console.log(JSON.stringify({
  same,
  allKeysSame: Object.keys(esm).filter((k) => k !== 'default').every((k) => esm[k] === cjs[k]),
  errorAcross: err instanceof esm.WeftError,
  channelAcross: chan instanceof cjs.Channel,
}));
chan.close?.();
`;

describe('dual package', () => {
  it('gives import and require the same classes and functions, without warnings', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
    expect(out).toEqual({
      same: { WeftError: true, Channel: true, Pool: true, ProcessPool: true, select: true, isWeftError: true },
      allKeysSame: true,
      errorAcross: true,
      channelAcross: true,
    });
  });

  it('ships a CommonJS entry that is a require() of the ESM build, not a second copy', () => {
    const cjs = readFileSync(join(repo, 'dist', 'cjs', 'index.cjs'), 'utf8');
    expect(cjs).toContain("require('../esm/index.js')");
    expect(cjs.split('\n').length).toBeLessThan(10);
  });
});
