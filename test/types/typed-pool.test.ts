// Runs tsc (--strict, --noEmit) over typed-pool.ts against the built declarations
// (dist/esm): the typed pool's calls compile, and every `@ts-expect-error` there is needed
// (a wrong task name, argument or result use that compiled would leave one unused: an error).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const PROJECT = fileURLToPath(new URL('./tsconfig.json', import.meta.url));

function tsc(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSC, '-p', PROJECT, '--noEmit', '--strict', '--pretty', 'false'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('Pool types', () => {
  it('type a pool by its task module: names, arguments and results are checked', async () => {
    const { code, output } = await tsc();
    expect(output).toBe('');
    expect(code).toBe(0);
  }, 120_000);
});
