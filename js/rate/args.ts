/**
 * Argument checks shared by the rate limiters: each failure is a WeftError with code
 * INVALID_ARGUMENT whose message names the call and the argument.
 * @internal
 */
import type { Clock } from '../time/clock.js';
import { WeftError } from '../errors.js';
import { describeValue } from '../option-checks.js';

/** Largest count a limiter takes (the largest integer a double holds exactly). */
const MAX_COUNT = Number.MAX_SAFE_INTEGER;

function invalid(what: string, argument: string, must: string, value: unknown): WeftError {
  return new WeftError('INVALID_ARGUMENT', `${what}: ${argument} must be ${must}, got ${describe(value)}`, {
    details: { argument },
  });
}

function describe(value: unknown): string {
  return describeValue(value);
}

/** Whether `n` is a count a limiter takes: an integer in 0..2^53-1. */
export function isCount(n: unknown): n is number {
  return Number.isInteger(n) && (n as number) >= 0 && (n as number) <= MAX_COUNT;
}

/** A count of tokens (`n`, `burst`): an integer in 0..2^53-1. */
export function checkCount(n: unknown, what: string, argument: string): number {
  if (!isCount(n)) throw invalid(what, argument, 'a non-negative integer', n);
  return n;
}

/** A rate in tokens per second: a number >= 0 (Infinity: no limit). */
export function checkRate(rate: unknown, what: string, argument: string): number {
  if (typeof rate !== 'number' || !(rate >= 0)) throw invalid(what, argument, 'a non-negative number of tokens per second (Infinity: no limit)', rate);
  return rate;
}

/** A span in milliseconds: a number >= 0 (Infinity where allowed). */
export function checkMs(ms: unknown, what: string, argument: string, infinite: boolean): number {
  if (typeof ms !== 'number' || !(ms >= 0) || (!infinite && ms === Infinity)) {
    throw invalid(what, argument, `a non-negative${infinite ? '' : ' finite'} number of milliseconds`, ms);
  }
  return ms;
}

/** A map key: a string. */
export function checkKey(key: unknown, what: string): string {
  if (typeof key !== 'string') throw invalid(what, 'key', 'a string', key);
  return key;
}

/** An options object (or undefined). */
export function checkOptions<T extends object>(options: unknown, what: string): Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw invalid(what, 'options', 'an object', options);
  return options as Partial<T>;
}

/** A Clock (or undefined). */
export function checkClock(clock: unknown, what: string): Clock | undefined {
  if (clock === undefined) return undefined;
  const c = clock as Partial<Clock> | null;
  if (typeof c !== 'object' || c === null || typeof c.now !== 'function' || typeof c.setTimer !== 'function') {
    throw invalid(what, 'options.clock', 'a Clock (now() and setTimer())', clock);
  }
  return clock as Clock;
}
