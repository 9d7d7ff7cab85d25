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
  /** @internal */
  constructor(readonly taskId: number) {}
  /** Aborted when the pool cancels the task or it times out (a cooperative stop). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }
  /** @internal */
  abort(reason: unknown): void {
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
