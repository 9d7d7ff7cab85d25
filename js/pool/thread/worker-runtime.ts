/**
 * The worker thread's side of a Pool: imports the task module, then loops taking tasks
 * from the native dispatcher, calling the named export, and reporting results. Sync tasks
 * run back to back without returning to the event loop; an async task is awaited (the
 * event loop runs, heartbeats beat, abort messages arrive).
 * @internal
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';

import { decode, fromSlot, KIND_SERIALIZED, needsBeside, slotNumber } from '../../native/codec.js';
import { fromNative } from '../../errors.js';
import { loadNative } from '../../native/loader.js';
import { argSlot, slotCalls } from '../../native/slot.js';
import { holdsHandles, mayHoldHandles, revive } from '../../native/handles.js';
import { encodeOutcome, encodedKind, isThenable, outcomeOk } from '../outcome.js';
import { SharedBuffers } from '../shared-memory.js';
import { TaskContext, taskFunction, type ContextEnvelope } from '../task-context.js';
import { taskAbortError, type TaskAbort } from '../executor.js';
import { Wire } from '../../native/wire.js';

const TAKE_TASK = Wire.TAKE_TASK;
const TAKE_IDLE = Wire.TAKE_IDLE;
const TAKE_FIELDS = Wire.TAKE_FIELDS;
const PACKED_INDEX_MASK = Wire.PACKED_INDEX_MASK;
const FLAG_WITH_CONTEXT = Wire.FLAG_WITH_CONTEXT;
const COMPLETE_FIELDS = Wire.COMPLETE_FIELDS;

/** What the pool passes in `argv[2]` (JSON): `workerData` stays the user's. */
export interface WorkerConfig {
  poolId: number;
  fileUrl: string;
  spinMicros: number;
  idleSliceMs: number;
  idleTimeout: number;
  beatMs: number;
  maxPayload: number;
}



let shareableLoaded = false;
async function loadShareable(): Promise<void> {
  await import('../../native/shareable.js');
  shareableLoaded = true;
}

type TaskFunction = (arg: unknown, ctx: TaskContext) => unknown;

async function main(config: WorkerConfig): Promise<void> {
  // Channels, mutexes... in workerData become live handles before the task module runs.
  // Their classes load only when some handle arrives: they cost a worker ~2 MB of RSS.
  if (holdsHandles(workerData)) {
    await loadShareable();
    revive(workerData);
  }
  const module = (await import(config.fileUrl)) as Record<string, unknown>;
  const native = loadNative();
  let workerId: number;
  try {
    workerId = native.workerAttach(config.poolId, config.spinMicros, config.idleSliceMs);
  } catch (err) {
    throw fromNative(err, 'Pool worker start');
  }
  const functions: (TaskFunction | undefined)[] = [];
  let current: TaskContext | undefined;

  const onMessage = (msg: { type: string; id?: number; why?: TaskAbort }): void => {
    if (msg.type === 'abort' && current !== undefined && current.taskId === msg.id) current.abort(taskAbortError(msg.why!));
  };
  // SharedArrayBuffers in task values arrive by id; the buffers come as messages, read
  // synchronously when an id is not known yet (this thread may not be in its event loop).
  const shared = new SharedBuffers(() => receiveMessageOnPort(parentPort!)?.message, (msg) => onMessage(msg as { type: string }));
  parentPort!.on('message', (msg: { type: string; id?: number; why?: TaskAbort }) => {
    if (!shared.apply(msg)) onMessage(msg);
  });
  // Runs only while this thread's event loop runs (an awaited task, an idle slice): a
  // thread busy in synchronous code goes silent, which is what the steward watches for.
  // A beat that fails is only a beat missed (a warning, once per run of failures): throwing
  // here would end the worker.
  let beatFailed = false;
  setInterval(() => {
    try {
      native.workerBeat();
      beatFailed = false;
    } catch (err) {
      if (!beatFailed) process.emitWarning(fromNative(err, 'Pool worker heartbeat'));
      beatFailed = true;
    }
  }, config.beatMs).unref();
  parentPort!.postMessage({ type: 'ready', workerId });

  const lookup = (func: number): TaskFunction => {
    let name: string;
    try {
      name = native.workerFuncName(func);
    } catch (err) {
      throw fromNative(err, 'Pool.run (finding the task function)');
    }
    return (functions[func] = taskFunction(module, name, config.fileUrl) as TaskFunction);
  };

  // take() fills `meta` ([status, id, func, kind, number]) and returns other values;
  // complete() reads [id, ok, kind, number] from `done` (the run time is measured natively,
  // from take to complete). Both go through
  // this thread's argument slot when there is one (no typed-array argument to convert).
  const slot = argSlot();
  const meta = slot ?? new Float64Array(TAKE_FIELDS);
  const done = slot ?? new Float64Array(COMPLETE_FIELDS);
  const calls = slot ? slotCalls() : undefined;
  const take = calls ? () => calls.workerTakeSlot() : () => native.workerTake(meta);
  const complete = calls
    ? (beside: unknown) => (beside === undefined ? calls.workerCompleteSlot() : native.workerCompleteSlotWith(beside))
    : (beside: unknown) => native.workerComplete(done, beside);
  let idleFor = 0;
  for (;;) {
    // A take or complete that fails natively ends this worker (the pool replaces it, and the
    // task it was running fails with WORKER_CRASHED, this error as its cause).
    let value: unknown;
    try {
      value = take();
    } catch (err) {
      throw fromNative(err, 'Pool worker take');
    }
    const status = meta[0]!;
    if (status !== TAKE_TASK) {
      if (status !== TAKE_IDLE) break; // closed and drained, or asked to stop
      idleFor += config.idleSliceMs;
      if (idleFor >= config.idleTimeout) {
        idleFor = -Infinity; // report once per idle stretch
        parentPort!.postMessage({ type: 'idle' });
      }
      // Let this thread's own timers and messages run between parks.
      await new Promise<void>((resolve) => setImmediate(resolve));
      continue;
    }
    idleFor = 0;
    // Read everything now: the slot is this thread's scratch, and the await below (or the
    // task itself) may use it.
    const id = meta[1]!;
    let func = meta[2]!;
    const kind = meta[3]!;
    const payload = fromSlot(kind, meta[4]!, value);
    if (kind === KIND_SERIALIZED && !shareableLoaded && mayHoldHandles(new Uint8Array(value as ArrayBuffer))) await loadShareable();
    const ctx = (current = new TaskContext(id));
    let ok = true;
    let result: unknown;
    try {
      let arg = decode(kind, payload, shared);
      if ((func & FLAG_WITH_CONTEXT) !== 0) {
        func &= PACKED_INDEX_MASK;
        const envelope = arg as ContextEnvelope;
        ctx.ctx = envelope.ctx;
        arg = envelope.arg;
      }
      const fn = functions[func] ?? lookup(func);
      result = fn(arg, ctx);
      if (isThenable(result)) {
        result = await result;
      }
    } catch (err) {
      ok = false;
      result = err;
    }
    current = undefined;
    const outcome = encodeOutcome(ok, result, config.maxPayload, shared);
    done[0] = id;
    done[1] = outcomeOk ? 1 : 0;
    done[2] = encodedKind;
    done[3] = slotNumber(encodedKind, outcome);
    try {
      complete(needsBeside(encodedKind) ? outcome : undefined);
    } catch (err) {
      throw fromNative(err, 'Pool worker complete');
    }
  }
  process.exit(0);
}


await main(JSON.parse(process.argv[2]!) as WorkerConfig);
