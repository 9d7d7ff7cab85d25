import type { Context } from '../context/context.js';
import { WeftError } from '../errors.js';

/** A task argument sent with its context. @internal */
export interface ContextEnvelope {
  ctx: Context;
  arg: unknown;
}

/**
 * The second argument every task function receives, in a worker thread or a child process.
 *
 * @example
 * // tasks.mjs
 * export async function download(url, { signal }) { return (await fetch(url, { signal })).text() }
 */
export class TaskContext {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  /** The context given to `run` (worker-thread pools), if any: poll `ctx.err` in long loops. */
  ctx: Context | undefined;
  /** @internal */
  constructor(readonly taskId: number) {}
  /**
   * Aborted when the pool cancels the task, it times out (a cooperative stop), or its
   * `ctx` ends (the reason is then `ctx.err`).
   */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = (this.#controller = new AbortController());
      if (this.#aborted) controller.abort(this.#reason);
      const ctx = this.ctx;
      if (ctx !== undefined && !controller.signal.aborted) {
        if (ctx.err !== undefined) controller.abort(ctx.err);
        else ctx.signal.addEventListener('abort', () => this.abort(ctx.err), { once: true });
      }
    }
    return this.#controller.signal;
  }
  /** @internal */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/**
 * The function export `name` of a loaded task module ('default': its default export), in a
 * worker. INVALID_ARGUMENT naming the task and listing the module's function exports when
 * there is none by that name.
 * @internal
 */
export function taskFunction(module: Record<string, unknown>, name: string, fileUrl: string): (arg: unknown, ctx: TaskContext) => unknown {
  const candidate = module[name];
  if (typeof candidate === 'function') return candidate as (arg: unknown, ctx: TaskContext) => unknown;
  const exports = Object.keys(module).filter((key) => typeof module[key] === 'function');
  const listed = exports.length === 0 ? 'it exports no functions' : `its function exports: ${exports.map((e) => `"${e}"`).join(', ')}`;
  throw new WeftError('INVALID_ARGUMENT', `the task module ${fileUrl} has no function export named "${name}" (${listed})`, {
    details: { task: name, exports, fileUrl },
  });
}
