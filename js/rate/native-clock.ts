/**
 * How a limiter's native side reads the same time as its JS clock. The system clock needs
 * nothing (native code reads the monotonic clock). Any other clock gets a native manual
 * clock, made on first use and shared by every limiter on that clock: a `ManualClock`
 * sets it each time it moves; another Clock implementation, which cannot say when it
 * moves, has it set before each limiter call instead (`sync`).
 * @internal
 */
import { ManualClock, systemClock, type Clock } from '../time/clock.js';
import { loadNative } from '../native/loader.js';
import { nativeCall } from './call.js';

type NativeClock = InstanceType<ReturnType<typeof loadNative>['ManualClockHandle']>;

/** A clock as a limiter's native constructor takes it. */
export interface ClockBinding {
  /** The native clock's id (0: the monotonic clock). */
  readonly id: number;
  /** Sets the native clock from the JS one; undefined when it keeps itself in step. */
  readonly sync: (() => void) | undefined;
  /** Keeps the native clock alive as long as the JS clock. */
  readonly native?: NativeClock;
}

const SYSTEM: ClockBinding = { id: 0, sync: undefined };
const bindings = new WeakMap<Clock, ClockBinding>();

/** The binding for `clock` (made once per clock). */
export function bindClock(clock: Clock): ClockBinding {
  if (clock === systemClock) return SYSTEM;
  let binding = bindings.get(clock);
  if (binding !== undefined) return binding;
  const native = nativeCall(() => new (loadNative().ManualClockHandle)(clock.now()), 'a limiter clock');
  const id = nativeCall(() => native.id, 'a limiter clock');
  if (clock instanceof ManualClock) {
    clock.watch((nowMs) => nativeCall(() => native.set(nowMs), 'ManualClock (a limiter on it)'));
    binding = { id, sync: undefined, native };
  } else {
    binding = { id, sync: () => nativeCall(() => native.set(clock.now()), 'a limiter clock'), native };
  }
  bindings.set(clock, binding);
  return binding;
}
