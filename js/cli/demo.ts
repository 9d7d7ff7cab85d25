/**
 * `weft demo`: a tour of what weft has today. Each section measures what it prints.
 *
 * @example
 * import { runDemo } from './demo.js'
 * process.exitCode = await runDemo([])
 */
import { fromNative } from '../errors.js';
import { loadNative, nativeOrigin } from '../native.js';
import { version } from '../version.js';

/** Runs the demo; resolves to the process exit code. */
export async function runDemo(_args: string[]): Promise<number> {
  const origin = nativeOrigin();
  console.log(`weft ${version}: native addon ${origin.kind === 'local' ? 'built locally' : 'from the prebuilt package'} (${origin.triple})`);
  nativeCallSection();
  errorSection();
  return 0;
}

function nativeCallSection(): void {
  const native = loadNative();
  const calls = 2_000_000;
  const bytes = new Uint8Array(64 * 1024);
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) native.noop();
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink += native.bufferLength(bytes);
  const t2 = process.hrtime.bigint();
  if (sink !== calls * bytes.length) throw new Error('bufferLength returned a wrong length');
  console.log(`\nCrossing into Rust (${calls.toLocaleString('en-US')} calls each, measured now):`);
  console.log(`  empty native call          ${(Number(t1 - t0) / calls).toFixed(1)} ns/call`);
  console.log(`  passing a 64 KiB buffer    ${(Number(t2 - t1) / calls).toFixed(1)} ns/call (zero-copy)`);
}

function errorSection(): void {
  const native = loadNative();
  console.log('\nErrors are typed (native checks name the parameter, panics never abort):');
  for (const [what, call] of [
    ['checkSize(-1)', () => native.checkSize(-1)],
    ["checkSize('x')", () => native.checkSize('x' as unknown as number)],
  ] as const) {
    try {
      call();
    } catch (err) {
      const e = fromNative(err, 'checkSize');
      console.log(`  ${what.padEnd(16)} -> ${e.code}: ${e.message}`);
    }
  }
}
