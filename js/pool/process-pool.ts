/**
 * `ProcessPool`: the `Pool` whose tasks run in child processes, under a name of its own.
 * `new ProcessPool(options)` is `new Pool({ ...options, isolation: 'process' })` made as a
 * subclass: either way `pool.isolation` is `'process'` (`instanceof ProcessPool` holds for
 * pools made with `new ProcessPool` only). How tasks run there, and what differs from
 * worker threads, is in js/pool/process/executor.ts.
 *
 * @example
 * const pool = new ProcessPool<typeof import('./tasks.mjs')>({ filename: new URL('./tasks.mjs', import.meta.url), size: 2 })
 * await pool.run('render', page, { timeout: 5_000 })
 * await pool.close()
 */
import { checkIsolation, type PoolOptions } from './options.js';
import { Pool } from './pool.js';
import type { UntypedTasks } from './task-types.js';

/** Pool options with the isolation choice. */
export interface ProcessPoolOptions extends PoolOptions {
  /** Checked, but a ProcessPool always runs tasks in child processes ('process'). */
  isolation?: 'thread' | 'process';
}

/** A pool of child processes; `M` types its task module as for {@link Pool}. See the module doc. */
export class ProcessPool<M extends object = UntypedTasks> extends Pool<M> {
  /** Starts `min` children (the size, for a fixed size). Throws INVALID_ARGUMENT for a bad option. */
  constructor(options: ProcessPoolOptions) {
    super(inProcesses(options));
  }
}

/**
 * Builds the process-isolated pool that `new Pool({ isolation: 'process' })` stands for.
 *
 * @example
 * await using pool = createProcessPool({ filename: TASKS, isolation: 'process', size: 1 })
 */
export function createProcessPool<M extends object = UntypedTasks>(options: PoolOptions & { isolation: 'process' }): ProcessPool<M> {
  return new ProcessPool<M>(options);
}

function inProcesses(options: ProcessPoolOptions): PoolOptions {
  if (typeof options !== 'object' || options === null) return options; // the Pool constructor says why
  checkIsolation(options.isolation);
  return { ...options, isolation: 'process' };
}
