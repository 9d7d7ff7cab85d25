/**
 * The published declarations type-check in a TypeScript consumer under `--strict` with
 * `skipLibCheck: false`, from ESM (.mts, `import`) and CommonJS (.cts, `import = require`).
 * They refer to Node's own types (node:stream, node:worker_threads, NodeJS.Signals), so
 * `@types/node` is an optional peer dependency: with it they check; without it tsc says
 * which Node module it cannot find, rather than passing silently.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const dirs: string[] = [];

const esmConsumer = `import { Channel, WeftError, isWeftError, version } from '@weft/core';
const chan: Channel<number> = new Channel<number>(1);
const err: WeftError = new WeftError('INVALID_ARGUMENT', 'bad input');
const ok: boolean = isWeftError(err, 'INVALID_ARGUMENT');
export const used = [chan, ok, version satisfies string];
`;

const cjsConsumer = `import weft = require('@weft/core');
const chan: weft.Channel<number> = new weft.Channel<number>(1);
const err: weft.WeftError = new weft.WeftError('INVALID_ARGUMENT', 'bad input');
export const used = [chan, weft.isWeftError(err, 'INVALID_ARGUMENT')];
`;

/** A consumer project with @weft/core installed as a copy of the package (package.json + dist). */
function consumer(withNodeTypes: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), `weft-types-${withNodeTypes ? 'node' : 'bare'}-`));
  dirs.push(dir);
  const pkg = join(dir, 'node_modules', '@weft', 'core');
  mkdirSync(pkg, { recursive: true });
  cpSync(join(repo, 'package.json'), join(pkg, 'package.json'));
  cpSync(join(repo, 'dist'), join(pkg, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.map') });
  if (withNodeTypes) {
    mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
    symlinkSync(join(repo, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'), 'dir');
  }
  writeFileSync(join(dir, 'package.json'), '{ "name": "consumer", "private": true, "type": "module" }\n');
  writeFileSync(join(dir, 'esm.mts'), esmConsumer);
  writeFileSync(join(dir, 'cjs.cts'), cjsConsumer);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        module: 'node16',
        moduleResolution: 'node16',
        target: 'ES2022',
        lib: ['ES2022', 'ESNext.Disposable'],
      },
      files: ['esm.mts', 'cjs.cts'],
    }),
  );
  return dir;
}

function typecheck(dir: string) {
  return spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('consumer types', () => {
  it('check under --strict from ESM and CommonJS with @types/node installed', () => {
    const r = typecheck(consumer(true));
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it('need @types/node, and say so, when it is absent', () => {
    const r = typecheck(consumer(false));
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/Cannot find module 'node:(stream|worker_threads)'|Cannot find namespace 'NodeJS'/);
  }, 120_000);

  it('declare @types/node as an optional peer dependency', async () => {
    const { default: pkg } = (await import(join(repo, 'package.json'), { with: { type: 'json' } })) as {
      default: { peerDependencies?: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }> };
    };
    expect(pkg.peerDependencies?.['@types/node']).toBeDefined();
    expect(pkg.peerDependenciesMeta?.['@types/node']).toEqual({ optional: true });
  });
});
