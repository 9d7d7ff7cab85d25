import type { Context } from '../context/context.js';

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
