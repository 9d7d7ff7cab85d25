/**
 * The child process's side of a process-isolated pool (`isolation: 'process'`): receives
 * the pool's `workerData` in an 'init' message, exposes it as `globalThis.weftWorkerData`
 * (a child process has no `worker_threads.workerData`), imports the task module, then runs
 * one task at a time as the parent sends them over IPC and sends back each outcome.
 *
 * Messages (structured clone, `serialization: 'advanced'`):
 *   parent -> child: { type: 'init', workerData } | { type: 'task', id, name, kind, payload }
 *                    | { type: 'abort', id, reason }
 *   child -> parent: { type: 'ready' } | { type: 'loadError', error }
 *                    | { type: 'result', id, ok, kind, payload, runUs } | { type: 'fatal', error }
 * The child exits when its IPC channel closes (the parent stopped it or exited).
 * @internal
 */
import { performance } from 'node:perf_hooks';

import { decode } from '../../native/codec.js';
import { serializeError } from '../../errors.js';
import { encodeOutcome, encodedKind, isThenable, outcomeOk } from '../outcome.js';
import { TaskContext, taskFunction } from '../task-context.js';
import { taskAbortError, type TaskAbort } from '../executor.js';

/** What the pool passes in `argv[2]` (JSON). */
export interface ProcessWorkerConfig {
  fileUrl: string;
  maxPayload: number;
  /** How often (ms) to send a heartbeat; 0: never (the pool has no stallTimeout). */
  beatMs: number;
}


type TaskFunction = (arg: unknown, ctx: TaskContext) => unknown;

interface TaskMessage {
  type: 'task';
  id: number;
  name: string;
  kind: number;
  payload: unknown;
}

type ParentMessage = { type: 'init'; workerData: unknown } | TaskMessage | { type: 'abort'; id: number; why: TaskAbort };

declare global {
  // eslint-disable-next-line no-var
  var weftWorkerData: unknown;
}

/** Bytes received over IPC as an ArrayBuffer of exactly their extent (what `decode` expects). */
function toArrayBuffer(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) {
    return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
  }
  return value;
}

function send(msg: unknown, then?: () => void): void {
  if (!process.connected) return;
  try {
    process.send!(msg, undefined, undefined, () => then?.());
  } catch {
    then?.();
  }
}

function main(config: ProcessWorkerConfig): void {
  let module: Record<string, unknown> | undefined;
  let current: TaskContext | undefined;
  const queue: TaskMessage[] = [];
  let busy = false;

  process.on('disconnect', () => process.exit(0));
  // An error escaping a task (a throw in a timer, an unhandled rejection) ends this child:
  // report it first so the parent can give it as the crash's cause.
  const fatal = (err: unknown) => {
    send({ type: 'fatal', error: serializeError(err) }, () => process.exit(1));
    setTimeout(() => process.exit(1), 1_000).unref();
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  // Beats run only while this child's event loop runs: a task stuck in synchronous code
  // goes silent, which is what the pool's stallTimeout watches for.
  if (config.beatMs > 0) setInterval(() => send({ type: 'beat' }), config.beatMs).unref();

  const lookup = (name: string): TaskFunction => taskFunction(module!, name, config.fileUrl) as TaskFunction;

  const runNext = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    while (queue.length > 0) {
      const { id, name, kind, payload } = queue.shift()!;
      const ctx = (current = new TaskContext(id));
      const started = performance.now();
      let ok = true;
      let result: unknown;
      try {
        const fn = lookup(name);
        result = fn(decode(kind, toArrayBuffer(payload)), ctx);
        if (isThenable(result)) {
          result = await result;
        }
      } catch (err) {
        ok = false;
        result = err;
      }
      current = undefined;
      const outcome = encodeOutcome(ok, result, config.maxPayload);
      send({ type: 'result', id, ok: outcomeOk, kind: encodedKind, payload: outcome, runUs: (performance.now() - started) * 1000 });
    }
    busy = false;
  };

  process.on('message', (msg: ParentMessage) => {
    if (msg.type === 'init') {
      globalThis.weftWorkerData = msg.workerData;
      import(config.fileUrl).then(
        (loaded: Record<string, unknown>) => {
          module = loaded;
          send({ type: 'ready' });
        },
        (err: unknown) => send({ type: 'loadError', error: serializeError(err) }, () => process.exit(1)),
      );
    } else if (msg.type === 'task') {
      queue.push(msg);
      void runNext();
    } else if (msg.type === 'abort' && current !== undefined && current.taskId === msg.id) {
      current.abort(taskAbortError(msg.why));
    }
  });
}


main(JSON.parse(process.argv[2]!) as ProcessWorkerConfig);
