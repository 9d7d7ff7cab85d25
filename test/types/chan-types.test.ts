// Compiles test/types/chan-select.check.ts with tsc --strict against the built package's
// types: RecvResult narrows on `ok`, select's result is discriminated by the case index.
// Every `@ts-expect-error` line there must be needed (tsc reports an unused one).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const CHECK = fileURLToPath(new URL('./chan-select.check.ts', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

describe('channel and select types', () => {
  it('type-checks under --strict, each @ts-expect-error needed', async () => {
    const args = [TSC, '--strict', '--noEmit', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--skipLibCheck', CHECK];
    const out = await new Promise<{ code: number; text: string }>((resolve) => {
      execFile(process.execPath, args, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, text: stdout + stderr }));
    });
    expect(out.text).toBe('');
    expect(out.code).toBe(0);
  }, 120_000);
});
