/**
 * Go's `select` over channel cases: waits until one case can proceed and commits exactly
 * that one, choosing uniformly at random among the cases ready at once. With `default`
 * it never waits; with `timeout` or `signal` it gives up (TIMEOUT / CANCELED) and no case
 * happens. An `after(ms)` case (./after.ts, Go's `time.After`) is a timeout that commits
 * like a case instead of rejecting. `selectSync` is the blocking form for worker threads.
 *
 * The result's type follows the cases: `index` tells which committed, and narrows `value`
 * to that case's element type.
 *
 * @example
 * const r = await select([jobs.recvCase(), results.sendCase(last), after(100)])
 * if (r.index === 0 && r.ok) handle(r.value) // r.value: the jobs channel's element type
 * if (r.index === 2) idle()                  // 100 ms with neither case ready
 * const now = await select([jobs.recvCase()], { default: true }) // r.index === -1: nothing ready
 */
import { abandon, encode, encodedKind } from '../native/codec.js';
import { WeftError, abortError, fromNative, isWeftError } from '../errors.js';
import { describeValue } from '../describe.js';
import { loadNative } from '../native/loader.js';
import { blockingWait, type BlockingOptions } from '../wait/blocking.js';
import { checkWaitOptions, notifier, pokeNotifier, type WaitOptions } from '../wait/notifier.js';
import { CHANNEL_DRAINED, READY, REFUSED, RESULT_FIELDS, outcomeAt, type Outcome } from '../wait/outcome.js';
import { isAfterCase, type AfterCase } from './after.js';
import { Channel, caseSpec, closedError, type RecvCase, type SelectCase, type SendCase } from './channel.js';
import { Wire } from '../native/wire.js';

const CASE_FIELDS = Wire.CASE_FIELDS;

/** Options of `select`. */
export interface SelectOptions extends WaitOptions {
  /** Go's `default` case: if no case is ready now, resolve at once with index -1. Default: false. */
  default?: boolean;
}

/** Any case `select` takes: a channel case or an `after(ms)` timer case. */
export type AnyCase = SelectCase | AfterCase;

/** What case `C` at index `I` commits as. */
export type CaseResult<C, I extends number> =
  C extends RecvCase<infer T>
    ? { index: I; value: T; ok: true } | { index: I; value: undefined; ok: false }
    : C extends SendCase<unknown>
      ? { index: I; value: undefined; ok: true }
      : C extends AfterCase
        ? { index: I; value: undefined; ok: true }
        : never;

/** Go's `default` taken: no case was ready. */
export interface DefaultResult {
  index: -1;
  value: undefined;
  ok: false;
}

/** A tuple key (`'0'`, `'1'`, ...) as the number it names; `number` for an array's index type. */
export type IndexOf<K> = K extends `${infer N extends number}` ? N : number;

/**
 * Which case happened: a union over the cases, discriminated by `index` (the case's
 * position; -1 when `default` was taken). For a receive, `value` and `ok` as `recv` gives
 * them; for a send or an `after` case, `ok: true` and no value. Over a plain array of cases
 * (not a tuple), `index` is a number and `value` the union of the element types.
 */
export type SelectResult<Cases extends readonly AnyCase[] = readonly AnyCase[]> =
  | { [K in keyof Cases]: CaseResult<Cases[K], IndexOf<K>> }[number]
  | (number extends Cases['length'] ? DefaultResult : never);

const nowMeta = new Float64Array(RESULT_FIELDS);

/** The plain shape every result has at run time. */
interface Committed {
  index: number;
  value: unknown;
  ok: boolean;
}

const DEFAULT: DefaultResult = Object.freeze({ index: -1, value: undefined, ok: false as const });

/** The abort reason of a select's own `after` timer (never seen outside). */
const TIMER_FIRED = Symbol('weft select after');

/**
 * Waits until one of `cases` proceeds and commits only that one (see the module doc). A
 * send case whose channel is closed rejects with CHANNEL_CLOSED (the value in the error).
 */
export function select<const Cases extends readonly AnyCase[]>(
  cases: Cases,
  options: SelectOptions & { default: true },
): Promise<SelectResult<Cases> | DefaultResult>;
export function select<const Cases extends readonly AnyCase[]>(cases: Cases, options?: SelectOptions): Promise<SelectResult<Cases>>;
export function select(cases: readonly AnyCase[], options: SelectOptions = {}): Promise<Committed> {
  let split: Split;
  try {
    checkWaitOptions(options, 'select');
    split = splitCases(cases, 'select');
  } catch (err) {
    return Promise.reject(fromNative(err, 'select'));
  }
  const { channels, indices, timer } = split;
  // An `after` case is never ready at once: `default` ignores it.
  if (options.default === true) return channels.length === 0 ? Promise.resolve(DEFAULT) : selectNow(channels, indices);
  if (channels.length === 0) return timerOnly(timer!, options);
  if (timer === undefined) return selectWait(channels, indices, options);
  return selectOrTimer(channels, indices, timer, options);
}

/** Go's `default`: commits a channel case ready now, or resolves DEFAULT. */
function selectNow(cases: readonly SelectCase[], indices: readonly number[]): Promise<Committed> {
  let prepared: Prepared;
  try {
    prepared = prepare(cases);
  } catch (err) {
    return Promise.reject(fromNative(err, 'select'));
  }
  const { spec, values } = prepared;
  let returned: unknown;
  try {
    returned = loadNative().selectNow(spec, cases.length, values, nowMeta);
  } catch (err) {
    abandonUnsent(prepared, NONE);
    return Promise.reject(fromNative(err, 'select'));
  }
  if (nowMeta[0] !== READY) {
    abandonUnsent(prepared, NONE);
    return Promise.resolve(DEFAULT);
  }
  pokeNotifier();
  let outcome: Outcome;
  try {
    outcome = outcomeAt(nowMeta, 1, READY, returned);
  } catch (err) {
    abandonUnsent(prepared, NONE); // a receive happened, and its value could not be made here
    return Promise.reject(fromNative(err, 'select'));
  }
  abandonUnsent(prepared, delivered(outcome));
  return settle(cases, indices, outcome);
}

/** Waits on the channel cases alone. */
function selectWait(cases: readonly SelectCase[], indices: readonly number[], options: WaitOptions): Promise<Committed> {
  let prepared: Prepared;
  let waiting: Promise<Outcome>;
  try {
    prepared = prepare(cases);
  } catch (err) {
    return Promise.reject(fromNative(err, 'select'));
  }
  const { spec, values } = prepared;
  try {
    const native = loadNative();
    waiting = notifier().wait((token, meta) => native.selectAsync(token, spec, cases.length, values, meta), options, 'select');
  } catch (err) {
    abandonUnsent(prepared, NONE); // the wait never started: no case happened
    return Promise.reject(fromNative(err, 'select'));
  }
  return waiting.then(
    (outcome) => {
      pokeNotifier();
      abandonUnsent(prepared, delivered(outcome));
      return settle(cases, indices, outcome);
    },
    (err: unknown) => {
      abandonUnsent(prepared, NONE); // cancelled or timed out: no case happened
      throw err;
    },
  );
}

/**
 * Waits on the channel cases with the `after` case's timer as one more way for the wait to
 * end: the timer withdraws the wait (natively, so a channel case that committed first
 * still wins) and the select commits the timer case. The timer is cleared however it ends.
 */
function selectOrTimer(cases: readonly SelectCase[], indices: readonly number[], timer: Timer, options: SelectOptions): Promise<Committed> {
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(abortError('select was cancelled', signal.reason));
  const ends = new AbortController();
  const forward = (): void => ends.abort(signal!.reason);
  signal?.addEventListener('abort', forward, { once: true });
  const handle = setTimeout(() => ends.abort(TIMER_FIRED), timer.ms);
  const cleanUp = (): void => {
    clearTimeout(handle);
    signal?.removeEventListener('abort', forward);
  };
  const waitOptions: WaitOptions = { signal: ends.signal };
  if (options.timeout !== undefined) waitOptions.timeout = options.timeout;
  return selectWait(cases, indices, waitOptions).then(
    (result) => {
      cleanUp();
      return result;
    },
    (err: unknown) => {
      cleanUp();
      if (err instanceof Error && err.cause === TIMER_FIRED) return timerResult(timer);
      throw err;
    },
  );
}

/** A select of `after` cases only: the earliest commits, unless the signal or timeout ends it first. */
function timerOnly(timer: Timer, options: SelectOptions): Promise<Committed> {
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(abortError('select was cancelled', signal.reason));
  return new Promise<Committed>((resolve, reject) => {
    let limit: NodeJS.Timeout | undefined;
    const cleanUp = (): void => {
      clearTimeout(handle);
      if (limit !== undefined) clearTimeout(limit);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      cleanUp();
      reject(abortError('select was cancelled', signal!.reason));
    };
    const handle = setTimeout(() => {
      cleanUp();
      resolve(timerResult(timer));
    }, timer.ms);
    const timeout = options.timeout;
    if (timeout !== undefined && timeout !== Infinity) {
      limit = setTimeout(() => {
        cleanUp();
        reject(new WeftError('TIMEOUT', `select timed out after ${timeout} ms`, { details: { timeout } }));
      }, timeout);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function timerResult(timer: Timer): Committed {
  return { index: timer.index, value: undefined, ok: true };
}

const NONE = -1;

/** The case whose value went out, or NONE (a receive happened, or a send was refused). */
function delivered(outcome: Outcome): number {
  return outcome.delivery === REFUSED ? NONE : outcome.case;
}

/** Gives back what every send case's value pinned, except case `sent` (which went out). */
function abandonUnsent({ spec, values }: Prepared, sent: number): void {
  for (let i = 0; i < values.length; i++) {
    const op = spec[i * CASE_FIELDS + 1]!;
    if (i !== sent && op !== -1) abandon(op, values[i]);
  }
}

/**
 * Blocking select for worker threads (`default` is `select(..., { default: true })`). An
 * `after(ms)` case works as in `select`; at least one case must be a channel case.
 */
export function selectSync<const Cases extends readonly AnyCase[]>(cases: Cases, options?: BlockingOptions): SelectResult<Cases>;
export function selectSync(cases: readonly AnyCase[], options?: BlockingOptions): Committed {
  const { channels, indices, timer } = splitCases(cases, 'selectSync');
  if (channels.length === 0) {
    throw new WeftError('INVALID_ARGUMENT', 'selectSync needs at least one channel case (to only wait, use await select([after(ms)]))', {
      details: { param: 'cases', value: cases },
    });
  }
  // The timer case is a blocking timeout that commits instead of throwing.
  const limit = options?.timeout ?? Infinity;
  const timerFirst = timer !== undefined && timer.ms <= limit;
  const blocking: BlockingOptions | undefined = timerFirst ? { timeout: timer.ms } : options;
  const prepared = prepare(channels);
  const { spec, values } = prepared;
  let outcome: Outcome;
  try {
    outcome = blockingWait(
      (meta, sliceMs) => loadNative().selectBlocking(spec, channels.length, values, meta, sliceMs),
      blocking,
      'selectSync',
      'await select()',
    );
  } catch (err) {
    abandonUnsent(prepared, NONE);
    if (timerFirst && isWeftError(err, 'TIMEOUT')) return timerResult(timer);
    throw fromNative(err, 'selectSync');
  }
  abandonUnsent(prepared, delivered(outcome));
  const result = toResult(channels, indices, outcome);
  if (result instanceof Error) throw result;
  return result;
}

/** The earliest `after` case of a select. */
interface Timer {
  index: number;
  ms: number;
}

/** A select's cases: the channel cases with their indices among all cases, and the earliest timer. */
interface Split {
  channels: SelectCase[];
  indices: number[];
  timer: Timer | undefined;
}

function splitCases(cases: readonly AnyCase[], what: string): Split {
  if (!Array.isArray(cases) || cases.length === 0) {
    throw new WeftError('INVALID_ARGUMENT', `${what} needs a non-empty array of cases (channel.sendCase(v), channel.recvCase(), after(ms))`, {
      details: { param: 'cases', value: cases },
    });
  }
  const channels: SelectCase[] = [];
  const indices: number[] = [];
  let timer: Timer | undefined;
  for (const [i, c] of cases.entries()) {
    if (isAfterCase(c)) {
      if (timer === undefined || c.ms < timer.ms) timer = { index: i, ms: c.ms };
      continue;
    }
    if (c === null || typeof c !== 'object' || !(c.channel instanceof Channel) || (c.op !== 'send' && c.op !== 'recv')) {
      throw new WeftError('INVALID_ARGUMENT', `${what} case ${i} is not a select case (use channel.sendCase(v), channel.recvCase() or after(ms)), got ${describeValue(c)}`, {
        details: { param: `cases[${i}]`, value: c },
      });
    }
    channels.push(c);
    indices.push(i);
  }
  return { channels, indices, timer };
}

interface Prepared {
  spec: Float64Array;
  values: unknown[];
}

/** Encodes the channel cases (checked by `splitCases`) into a native select spec. */
function prepare(cases: readonly SelectCase[]): Prepared {
  const kinds: number[] = [];
  const payloads: unknown[] = [];
  try {
    for (const c of cases) {
      if (c.op === 'send') {
        payloads.push(encode(c.value));
        kinds.push(encodedKind);
      } else {
        payloads.push(undefined);
        kinds.push(0);
      }
    }
  } catch (err) {
    payloads.forEach((payload, j) => abandon(kinds[j]!, payload)); // the cases encoded before the bad one
    throw err;
  }
  return caseSpec(
    cases.map((c) => c.channel),
    cases.map((c) => c.op),
    kinds,
    payloads,
  );
}

function settle(cases: readonly SelectCase[], indices: readonly number[], outcome: Outcome): Promise<Committed> {
  const result = toResult(cases, indices, outcome);
  return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
}

/** The result of channel case `outcome.case`, at its index among all the select's cases. */
function toResult(cases: readonly SelectCase[], indices: readonly number[], outcome: Outcome): Committed | WeftError {
  const index = indices[outcome.case]!;
  if (outcome.delivery === REFUSED) return closedError('send on a closed channel (select)', cases[outcome.case]!.value);
  if (outcome.delivery === CHANNEL_DRAINED) return { index, value: undefined, ok: false };
  return { index, value: outcome.value, ok: true };
}
