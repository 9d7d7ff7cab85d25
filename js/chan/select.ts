/**
 * Go's `select` over channel cases: waits until one case can proceed and commits exactly
 * that one, choosing uniformly at random among the cases ready at once. With `default`
 * it never waits; with `timeout` or `signal` it gives up (TIMEOUT / CANCELED) and no case
 * happens. `selectSync` is the blocking form for worker threads.
 *
 * @example
 * const r = await select([jobs.recvCase(), results.sendCase(last), quit.recvCase()], { timeout: 100 })
 * if (r.index === 0 && r.ok) handle(r.value)
 * const now = await select([jobs.recvCase()], { default: true }) // r.index === -1: nothing ready
 */
import { abandon, encode, encodedKind } from '../native/codec.js';
import { WeftError, fromNative } from '../errors.js';
import { loadNative } from '../native/loader.js';
import { blockingWait, type BlockingOptions } from '../wait/blocking.js';
import { checkWaitOptions, notifier, pokeNotifier, type WaitOptions } from '../wait/notifier.js';
import { CHANNEL_DRAINED, READY, REFUSED, RESULT_FIELDS, outcomeAt, type Outcome } from '../wait/outcome.js';
import { Channel, caseSpec, closedError, type SelectCase } from './channel.js';
import { Wire } from '../native/wire.js';

const CASE_FIELDS = Wire.CASE_FIELDS;

/** Options of `select`. */
export interface SelectOptions extends WaitOptions {
  /** Go's `default` case: if no case is ready now, resolve at once with index -1. */
  default?: boolean;
}

/** Which case happened. For a receive, `value` and `ok` as `recv` gives them. */
export interface SelectResult {
  /** The index of the case that happened, or -1 when `default` was taken. */
  index: number;
  value: unknown;
  /** For a receive case: false once its channel is closed and drained. True for sends. */
  ok: boolean;
}

const nowMeta = new Float64Array(RESULT_FIELDS);

/**
 * Waits until one of `cases` proceeds and commits only that one (see the module doc). A
 * send case whose channel is closed rejects with CHANNEL_CLOSED (the value in the error).
 */
export function select(cases: readonly SelectCase[], options: SelectOptions = {}): Promise<SelectResult> {
  let prepared: Prepared;
  try {
    checkWaitOptions(options, 'select');
    prepared = prepare(cases);
  } catch (err) {
    return Promise.reject(fromNative(err, 'select'));
  }
  const { spec, values } = prepared;
  if (options.default === true) {
    let returned: unknown;
    try {
      returned = loadNative().selectNow(spec, cases.length, values, nowMeta);
    } catch (err) {
      abandonUnsent(prepared, NONE);
      return Promise.reject(fromNative(err, 'select'));
    }
    if (nowMeta[0] !== READY) {
      abandonUnsent(prepared, NONE);
      return Promise.resolve({ index: -1, value: undefined, ok: false });
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
    return settle(cases, outcome);
  }
  let waiting: Promise<Outcome>;
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
      return settle(cases, outcome);
    },
    (err: unknown) => {
      abandonUnsent(prepared, NONE); // cancelled or timed out: no case happened
      throw err;
    },
  );
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

/** Blocking select for worker threads (`default` is `select(..., { default: true })`). */
export function selectSync(cases: readonly SelectCase[], options?: BlockingOptions): SelectResult {
  const prepared = prepare(cases);
  const { spec, values } = prepared;
  let outcome: Outcome;
  try {
    outcome = blockingWait(
      (meta, sliceMs) => loadNative().selectBlocking(spec, cases.length, values, meta, sliceMs),
      options,
      'selectSync',
      'await select()',
    );
  } catch (err) {
    abandonUnsent(prepared, NONE);
    throw fromNative(err, 'selectSync');
  }
  abandonUnsent(prepared, delivered(outcome));
  const result = toResult(cases, outcome);
  if (result instanceof Error) throw result;
  return result;
}

interface Prepared {
  spec: Float64Array;
  values: unknown[];
}

function prepare(cases: readonly SelectCase[]): Prepared {
  if (!Array.isArray(cases) || cases.length === 0) {
    throw new WeftError('INVALID_ARGUMENT', 'select needs a non-empty array of cases (channel.sendCase(v) / channel.recvCase())');
  }
  const kinds: number[] = [];
  const payloads: unknown[] = [];
  try {
    for (const [i, c] of cases.entries()) {
      if (c === null || typeof c !== 'object' || !(c.channel instanceof Channel) || (c.op !== 'send' && c.op !== 'recv')) {
        throw new WeftError('INVALID_ARGUMENT', `select case ${i} is not a channel case (use channel.sendCase(v) or channel.recvCase())`);
      }
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

function settle(cases: readonly SelectCase[], outcome: Outcome): Promise<SelectResult> {
  const result = toResult(cases, outcome);
  return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
}

function toResult(cases: readonly SelectCase[], outcome: Outcome): SelectResult | WeftError {
  const index = outcome.case;
  if (outcome.delivery === REFUSED) return closedError('send on a closed channel (select)', cases[index]!.value);
  if (outcome.delivery === CHANNEL_DRAINED) return { index, value: undefined, ok: false };
  return { index, value: outcome.value, ok: true };
}
