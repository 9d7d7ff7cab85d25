// Caught native panics stay off stderr: the addon's panic hook records where the panic
// happened for the INTERNAL error instead of printing Rust's panic message and backtrace.
// With WEFT_PANIC_STDERR=1, the default report comes back (for debugging the addon). Runs
// test/fixtures/panic-quiet.mjs in a child process and waits for its exit.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../fixtures/panic-quiet.mjs', import.meta.url));

function run(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('caught native panics', () => {
  it('print nothing; the INTERNAL error carries the message and, from a guard, where it happened', async () => {
    const env = { ...process.env, RUST_BACKTRACE: '1' }; // no effect without WEFT_PANIC_STDERR
    delete env.WEFT_PANIC_STDERR;
    const out = await run(env);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('');
    const [guarded, failpoint, kernelSync, kernelAsync, after] = out.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { code: string; message: string; location?: string; after?: number[] });
    expect(guarded!.code).toBe('INTERNAL');
    expect(guarded!.message).toMatch(/native panic: invariant xyz broken \(at crates\/weft-node\/src\/diagnostics\.rs:\d+:\d+\)/);
    expect(guarded!.location).toMatch(/^crates\/weft-node\/src\/diagnostics\.rs:\d+:\d+$/);
    expect(failpoint!.code).toBe('INTERNAL');
    // A panic in a kernel, on the kernel pool's threads, is caught there too.
    expect(kernelSync!.code).toBe('INTERNAL');
    expect(kernelSync!.message).toMatch(/failpoint kernel/);
    expect(kernelAsync!.code).toBe('INTERNAL');
    expect(kernelAsync!.message).toMatch(/failpoint kernel/);
    expect(kernelAsync!.location).toMatch(/^crates\/weft-node\/src\/errors\.rs:\d+:\d+$/);
    expect(after!.after).toEqual([1000, 1000]);
  });

  it('with WEFT_PANIC_STDERR=1, Rust reports them on stderr as usual', async () => {
    const out = await run({ ...process.env, WEFT_PANIC_STDERR: '1' });
    expect(out.code).toBe(0);
    expect(out.stderr).toContain('panicked at');
    expect(out.stderr).toContain('invariant xyz broken');
    expect(out.stdout.trim().split('\n')).toHaveLength(5);
  });
});
