/**
 * A cyclic barrier shared across threads: `wait` returns once `parties` callers have
 * arrived, then the barrier resets for the next generation. Exactly one caller of each
 * generation (the last to arrive) is told it was the leader.
 *
 * @example
 * const step = new Barrier(4)             // 4 workers advance a simulation in lockstep
 * for (;;) { compute(); if (await step.wait()) swapBuffers() }
 */
import { WeftError } from '../errors.js';
import { makeShareable, registerHandleType } from '../native/handles.js';
import { loadNative } from '../native/loader.js';
import { nativeCall } from '../rate/call.js';
import { TRIPPED } from '../wait/outcome.js';
import { waitAsync, waitBlocking, type BlockingOptions, type WaitOptions } from './primitive.js';

type NativeBarrier = InstanceType<ReturnType<typeof loadNative>['BarrierHandle']>;

let adopted: NativeBarrier | undefined;

/** A barrier; see the module doc. */
export class Barrier {
  readonly #native: NativeBarrier;

  /** A barrier for `parties` callers per generation (a positive integer). */
  constructor(parties: number) {
    if (adopted === undefined && (!Number.isInteger(parties) || parties < 1 || parties >= 2 ** 32)) {
      throw new WeftError('INVALID_ARGUMENT', `Barrier parties must be a positive integer, got ${String(parties)}`, { details: { option: 'parties' } });
    }
    const handle = adopted;
    adopted = undefined;
    this.#native = handle ?? nativeCall(() => new (loadNative().BarrierHandle)(parties), 'new Barrier');
    makeShareable(this, 'barrier', () => this.#native.pin());
  }

  /** Callers per generation. */
  get parties(): number {
    return nativeCall(() => this.#native.parties, 'Barrier.parties');
  }

  /** Generations completed. */
  get generation(): number {
    return nativeCall(() => this.#native.generation, 'Barrier.generation');
  }

  /**
   * Arrives and waits for the rest of this generation; resolves true for its last
   * arrival (the leader), false for the others. Cancelled or timed out, the arrival is
   * withdrawn, so the generation waits for another caller.
   */
  async wait(options?: WaitOptions): Promise<boolean> {
    const outcome = await waitAsync((token, meta) => this.#native.arrive(token, meta), options, 'Barrier.wait');
    return outcome.status === TRIPPED;
  }

  /** Blocking `wait` for worker threads. */
  waitSync(options?: BlockingOptions): boolean {
    const outcome = waitBlocking((meta, sliceMs) => this.#native.arriveBlocking(meta, sliceMs), options, 'Barrier.waitSync', 'await barrier.wait()');
    return outcome.status === TRIPPED;
  }

  /** @internal */
  static adopt(id: number): Barrier {
    adopted = loadNative().BarrierHandle.adopt(id);
    return new Barrier(1);
  }
}

registerHandleType('barrier', (id) => Barrier.adopt(Number(id)));
