// A pool typed by its task module: names, arguments and results checked by tsc
// (test/types/typed-pool.test.ts runs `tsc --noEmit --strict` over this file: tsc fails
// should any of the ts-expect-error lines below compile without an error).
import { Pool, ProcessPool } from '@weft/core';

type Tasks = typeof import('./tasks.js');

export async function typed(): Promise<void> {
  const pool = new Pool<Tasks>({ filename: new URL('./tasks.js', import.meta.url) });

  const n: number = await pool.run('default', 41);
  const s: string = await pool.run('greet', 'ada', { timeout: 1_000 });
  const t: number = await pool.run('now'); // a task without a parameter needs no argument

  // @ts-expect-error: no export named 'nope'
  await pool.run('nope', 1);
  // @ts-expect-error: greet takes a string
  await pool.run('greet', 42);
  // @ts-expect-error: increment resolves with a number
  const wrong: string = await pool.run('default', 1);
  // @ts-expect-error: 'version' is not a function
  await pool.run('version');

  const queued: Promise<string> = pool.trySubmit('greet', 'bob');
  const waited: Promise<number> = pool.submit('default', 1);
  const id: number = pool.post('greet', 'eve');
  for await (const out of pool.results()) if (out.ok) console.log(out.id, out.value satisfies number | string);
  for await (const m of pool.map('default', [1, 2, 3])) console.log(m.toFixed(1));
  // @ts-expect-error: map's items are increment's arguments (numbers)
  pool.map('default', ['a']);

  const processes = new ProcessPool<Tasks>({ filename: new URL('./tasks.js', import.meta.url) });
  const p: string = await processes.run('greet', 'ada');
  // @ts-expect-error: no export named 'nope'
  await processes.run('nope');

  console.log(n, s, t, wrong, queued, waited, id, p);
}

export async function untyped(): Promise<void> {
  // Without the module's type: any name, any argument; results are unknown until checked.
  const pool = new Pool({ filename: new URL('./tasks.js', import.meta.url) });
  const r: unknown = await pool.run('anything', { any: 'argument' });
  await pool.run('default');
  // @ts-expect-error: an unknown result must be checked or cast before use
  const n: number = await pool.run('default', 1);
  // @ts-expect-error: the name comes first and is a string
  await pool.run(41);
  const typedPool: Pool = new Pool<typeof import('./tasks.js')>({ filename: new URL('./tasks.js', import.meta.url) });
  console.log(r, n, typedPool);
}
