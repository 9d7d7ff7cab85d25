// Kernels and the life of threads and the process: exiting while kernels run on the
// kernel pool (from the main thread and a worker) exits cleanly with the code asked for;
// pending async kernels keep the event loop alive until they settle; terminating a worker
// whose kernels run leaves the pool serving the rest of the process. Each scenario runs
// test/fixtures/compute-lifecycle.mjs in a child process and waits for its exit.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../fixtures/compute-lifecycle.mjs', import.meta.url));

function run(scenario: string): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, scenario], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('kernels and the process lifecycle', () => {
  it('process.exit() while kernels run on the main thread and a worker exits cleanly', async () => {
    for (let i = 0; i < 3; i++) {
      const out = await run('exit');
      expect(out).toMatchObject({ code: 0, signal: null, stderr: '' });
    }
  });

  it('pending async kernels keep the event loop alive until they settle', async () => {
    const out = await run('drain');
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout.split('\n').sort()).toEqual(['', 'max 0.5', 'sum 2000000']);
  });

  it('terminating a worker whose kernels run leaves the pool serving the main thread', async () => {
    const out = await run('terminate');
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout).toBe('after 2000000 2000000\n');
  });
});
