// A pending wait and the event loop: on the main thread a wait nothing can complete does
// not hold the process open (it exits as with any unsettled promise), while whatever can
// complete it (a worker thread, a timeout's timer) holds the process on its own; in a
// worker thread, a wait holds the worker (the threads that complete it do not hold its loop).
// Each scenario runs in a child process (test/fixtures/pending-waits.mjs) and the test
// waits for its exit event.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const SCENARIOS = fileURLToPath(new URL('../fixtures/pending-waits.mjs', import.meta.url));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs one scenario to its exit. A hang is ended after 20 s so it fails rather than stalls. */
function run(scenario: string): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCENARIOS, scenario], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('pending waits and the event loop', () => {
  it('a receive nothing can complete lets the process exit with code 0', async () => {
    const exit = await run('recv-pending');
    expect(exit).toMatchObject({ code: 0, signal: null, stdout: 'started\n' });
  });

  it('as a top-level await it ends as any unsettled top-level await does (exit 13)', async () => {
    // Node's own rule for a top-level await whose promise can never settle: the loop
    // empties and Node exits 13 (newer Node versions also print a warning). The point is
    // that it exits rather than hangs.
    const exit = await run('recv-top-level');
    expect(exit).toMatchObject({ code: 13, signal: null, stdout: 'started\n' });
  });

  it('a receive that a worker thread completes later still gets its value', async () => {
    const exit = await run('recv-from-worker');
    expect(exit).toMatchObject({ code: 0, signal: null, stdout: 'got from worker\n' });
  });

  it('a worker awaiting a receive stays alive until the main thread sends', async () => {
    const exit = await run('worker-recv');
    expect(exit).toMatchObject({ code: 0, signal: null, stdout: 'worker got from main\n' });
  });

  it('a receive with a timeout rejects with TIMEOUT before the process exits', async () => {
    const exit = await run('recv-timeout');
    expect(exit).toMatchObject({ code: 0, signal: null, stdout: 'rejected TIMEOUT\n' });
  });

  it('a WaitGroup.wait nothing can complete lets the process exit with code 0', async () => {
    const exit = await run('waitgroup-pending');
    expect(exit).toMatchObject({ code: 0, signal: null, stdout: 'started\n' });
  });

  it('a Semaphore.acquire with a timeout rejects with TIMEOUT before the process exits', async () => {
    const exit = await run('semaphore-timeout');
    expect(exit).toMatchObject({ code: 0, signal: null, stdout: 'rejected TIMEOUT\n' });
  });
});
