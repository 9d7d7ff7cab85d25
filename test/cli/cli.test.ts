import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

const cli = join(__dirname, '..', '..', 'dist', 'esm', 'cli', 'index.js');

function weft(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

let demoRun: ReturnType<typeof weft> | undefined;
/** The demo's output, run once for every test that reads it. */
function demo() {
  demoRun ??= weft('demo');
  return demoRun;
}

describe('weft CLI', () => {
  it('doctor says where the native binary was loaded from', () => {
    const r = weft('doctor');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^package\s+@weft\/core \d+\.\d+\.\d+/m);
    expect(r.stdout).toMatch(/^platform\s+linux-x64-gnu$/m);
    expect(r.stdout).toMatch(/^native addon\s+local build, version \d+\.\d+\.\d+$/m);
    expect(r.stdout).toMatch(/^\s+loaded from\s+\/.*weft\.linux-x64-gnu\.node$/m);
    expect(r.stdout).toMatch(/^cpus\s+\d+/m);
    expect(r.stdout).toContain(process.version);
  });

  it('doctor --json reports the same as data', () => {
    const r = weft('doctor', '--json');
    const report = JSON.parse(r.stdout);
    expect(report.native).toMatchObject({ ok: true, from: 'local build' });
    expect(report.platform.triple).toBe('linux-x64-gnu');
    expect(Object.keys(report.optional)).toContain('gpu.js');
  });

  it('demo runs 1,000 tasks on the pool and prints the summary it measured', () => {
    const r = demo();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\s+tasks processed\s+1,000$/m);
    expect(r.stdout).toMatch(/^\s+success rate\s+100\.0%$/m);
    expect(r.stdout).toMatch(/^\s+throughput\s+[\d,]+ tasks\/s$/m);
    // Latency is labelled as what it is: submit to result, queue wait included.
    expect(r.stdout).toMatch(/^\s+queue wait \+ run, mean\s+[\d.]+ ms \(submit to result/m);
    expect(r.stdout).toMatch(/^\s+queue wait \+ run, p99\s+[\d.]+ ms$/m);
    expect(r.stdout).toMatch(/^\s+run time, mean\s+[\d.]+ ms \(the task function alone/m);
    expect(r.stdout).not.toMatch(/^\s+latency /m);
    expect(r.stdout).toMatch(/^\s+peak workers\s+\d+$/m);
    expect(r.stdout).toMatch(/^\s+shutdown time\s+[\d.]+ ms$/m);
    // Not a TTY here: plain progress lines instead of a redrawn bar.
    expect(r.stdout).toContain('progress 1000/1000');
    // The structured-concurrency section checks itself (it throws, and the demo exits
    // non-zero, if the limiter let a 429 through or the deadline stopped nothing).
    expect(r.stdout).toMatch(/^\s+rate limiter\s+429s [1-9]\d* -> 0; all 60 answered/m);
    expect(r.stdout).toMatch(/^\s+hedged requests\s+p99 \d+ ms -> \d+ ms, max .* for \d+ extra calls/m);
    expect(r.stdout).toMatch(/^\s+deadline 60 ms\s+batch done in \d+ ms instead of \d+ ms: \d+ answered, [1-9]\d* slow calls cancelled/m);
    expect(r.stderr).not.toContain('MaxListenersExceededWarning');
  });

  it('demo says why its channel figure differs from the benchmark', () => {
    const r = demo();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\s+throughput\s+[\d,]+ values\/s \(see the note below\)$/m);
    expect(r.stdout).toMatch(/^\s+note: .*`npm run bench -- channel` times sendSync\/recvSync between two worker threads/m);
  });

  it('demo shows typed errors from public calls and prints no internal names', () => {
    const r = demo();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\s+new Channel\(-1\)\s+-> INVALID_ARGUMENT: Channel capacity .*-1$/m);
    expect(r.stdout).toMatch(/^\s+new Pool\(\{ filename, size: -1 \}\)\s+-> INVALID_ARGUMENT: .*size.*-1$/m);
    expect(r.stdout).toMatch(/^\s+new RateLimiter\(-1, 1\)\s+-> INVALID_ARGUMENT: .*perSecond/m);
    for (const internal of ['checkSize', 'probes', 'fromNative', 'bufferLength', 'noop']) expect(r.stdout).not.toContain(internal);
  });

  it('an unknown command exits non-zero with usage', () => {
    const r = weft('frobnicate');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
    expect(r.stderr).toContain('usage: weft');
  });
});
