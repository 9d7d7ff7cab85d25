/**
 * Option checks shared by retry, hedge, heartbeat and supervise: each failure is an
 * INVALID_ARGUMENT WeftError whose message names the call and the option
 * (`retry option attempts must be ...`) and whose `details.option` is the option's name.
 * @internal
 */
import { type Clock } from './time/clock.js';
import { Context } from './context/context.js';
import { WeftError } from './errors.js';
import { describeValue } from './describe.js';

export { describeValue };

/** Throws INVALID_ARGUMENT for `scope`'s `option`. */
export function invalidOption(scope: string, option: string, problem: string, value: unknown): never {
  throw new WeftError('INVALID_ARGUMENT', `${scope} option ${option} ${problem}, got ${describeValue(value)}`, {
    details: { option, value },
  });
}

/** The options object itself: undefined means `{}`. */
export function optionsObject<T extends object>(scope: string, options: T | undefined): T {
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null) {
    throw new WeftError('INVALID_ARGUMENT', `${scope} options must be an object, got ${describeValue(options)}`, {
      details: { option: 'options' },
    });
  }
  return options;
}

/** A number of milliseconds (or a count) within bounds (`positive`: > 0); `fallback` when undefined. */
export function numberOption(
  scope: string,
  option: string,
  value: unknown,
  fallback: number,
  { min = 0, positive = false, integer = false, allowInfinity = false }: { min?: number; positive?: boolean; integer?: boolean; allowInfinity?: boolean } = {},
): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && value === Infinity && allowInfinity) return value;
  if (typeof value !== 'number' || !Number.isFinite(value) || (positive ? !(value > 0) : value < min) || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'an integer' : 'a finite number';
    invalidOption(scope, option, `must be ${kind} ${positive ? '> 0' : `>= ${min}`}${allowInfinity ? ' or Infinity' : ''}`, value);
  }
  return value;
}

/** A Context or undefined. */
export function contextOption(scope: string, value: unknown, option = 'ctx'): Context | undefined {
  if (value !== undefined && !(value instanceof Context)) invalidOption(scope, option, 'must be a Context', value);
  return value;
}

/** A Clock (anything with now() and setTimer()); `fallback` when undefined. */
export function clockOption(scope: string, value: unknown, fallback: Clock): Clock {
  if (value === undefined) return fallback;
  const clock = value as Partial<Clock> | null;
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function' || typeof clock.setTimer !== 'function') {
    invalidOption(scope, 'clock', 'must be a Clock (an object with now() and setTimer())', value);
  }
  return clock as Clock;
}

/** A function or undefined. */
export function functionOption<F extends (...args: never[]) => unknown>(scope: string, option: string, value: unknown): F | undefined {
  if (value !== undefined && typeof value !== 'function') invalidOption(scope, option, 'must be a function', value);
  return value as F | undefined;
}
