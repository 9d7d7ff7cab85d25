/**
 * The demo's structured-concurrency section: one simulated slow service (a latency tail
 * and a quota it enforces with "429"s), called three ways, each pattern measured against
 * the plain way in the same run.
 *
 * @example
 * await patternsSection()
 */
import { Context } from '../context/context.js';
import { WeftError } from '../errors.js';
import { hedge } from '../resilience/hedge.js';
import { RateLimiter } from '../rate/index.js';
import { sleep } from '../time/clock.js';

const REQUESTS = 60;
/** The service's quota: it answers 429 to a call beyond this many in its last second. */
const QUOTA_PER_SECOND = 100;
const QUOTA_BURST = 10;
/** Latency: most calls 4-12 ms, one in ten 150 ms (a slow replica, a GC pause...). */
const FAST_MS = [4, 12] as const;
const SLOW_MS = 150;
const SLOW_EVERY = 10;

/** A deterministic generator (mulberry32), so every run of the demo sees the same service. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The slow service: answers after a drawn latency unless its caller's context ends first. */
class SlowService {
  readonly #random: () => number;
  readonly #quota: boolean;
  readonly #recent: number[] = [];
  calls = 0;
  throttled = 0;
  cancelled = 0;

  /** `quota` false: no 429s (the hedging and deadline parts look at latency alone). */
  constructor({ quota = true, seed = 7 }: { quota?: boolean; seed?: number } = {}) {
    this.#quota = quota;
    this.#random = seeded(seed);
  }

  async call(id: number, ctx: Context): Promise<string> {
    this.calls++;
    if (this.#quota) this.#admit();
    const slow = this.#random() < 1 / SLOW_EVERY;
    const latency = slow ? SLOW_MS : FAST_MS[0] + this.#random() * (FAST_MS[1] - FAST_MS[0]);
    try {
      await sleep(latency, { signal: ctx.signal });
    } catch (err) {
      this.cancelled++;
      throw err;
    }
    return `answer ${id}`;
  }

  /** The service's own token bucket: a call over quota is refused with a "429". */
  #admit(): void {
    const now = performance.now();
    while (this.#recent.length > 0 && now - this.#recent[0]! > 1000) this.#recent.shift();
    const tokens = QUOTA_BURST + (this.#recent.length > 0 ? ((now - this.#recent[0]!) / 1000) * QUOTA_PER_SECOND : 0);
    if (this.#recent.length >= tokens) {
      this.throttled++;
      throw new WeftError('QUEUE_FULL', '429: over quota');
    }
    this.#recent.push(now);
  }
}

interface Outcome {
  ok: number;
  failed: number;
  latencies: number[];
  wallMs: number;
}

/** Runs `one(i)` for every request, all started together; times each one. */
async function batch(one: (i: number) => Promise<unknown>): Promise<Outcome> {
  const started = performance.now();
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: REQUESTS }, async (_, i) => {
      const t0 = performance.now();
      try {
        await one(i);
        ok++;
        latencies.push(performance.now() - t0);
      } catch {
        failed++;
      }
    }),
  );
  return { ok, failed, latencies: latencies.sort((a, b) => a - b), wallMs: performance.now() - started };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (n: number): string => `${n.toFixed(0)} ms`;

/** Prints the section; throws if a pattern did not do what it claims (the demo checks itself). */
export async function patternsSection(): Promise<void> {
  console.log(
    `\nStructured concurrency: ${REQUESTS} calls to a simulated service (quota ${QUOTA_PER_SECOND}/s, burst ${QUOTA_BURST}; ` +
      `1 call in ${SLOW_EVERY} takes ${SLOW_MS} ms, the rest ${FAST_MS[0]}-${FAST_MS[1]} ms)`,
  );
  const bg = Context.background();

  // 1. Rate limiter: fire-at-once gets 429s; a limiter shaped like the quota gets none.
  const plainService = new SlowService();
  const plain = await batch((i) => plainService.call(i, bg));
  const limiter = new RateLimiter(QUOTA_PER_SECOND, QUOTA_BURST);
  const limitedService = new SlowService();
  const limited = await batch(async (i) => {
    await limiter.wait(1);
    return limitedService.call(i, bg);
  });
  console.log(
    `  rate limiter     429s ${plainService.throttled} -> ${limitedService.throttled}; ` +
      `all ${REQUESTS} answered in ${ms(limited.wallMs)} (fire-at-once: ${plain.ok} answered in ${ms(plain.wallMs)})`,
  );
  if (limitedService.throttled !== 0 || limited.ok !== REQUESTS) throw new Error('the rate-limited calls were throttled');

  // 2. Hedged requests: a second replica after 20 ms cuts the slow tail.
  const singleService = new SlowService({ quota: false });
  const single = await batch((i) => singleService.call(i, bg));
  const hedged = new SlowService({ quota: false });
  let extra = 0;
  const hedgedRun = await batch(async (i) => {
    const result = await hedge([(c) => hedged.call(i, c), (c) => hedged.call(i, c)], { delay: 20, ctx: bg });
    extra += result.started - 1;
  });
  console.log(
    `  hedged requests  p99 ${ms(percentile(single.latencies, 99))} -> ${ms(percentile(hedgedRun.latencies, 99))}, ` +
      `max ${ms(single.latencies.at(-1)!)} -> ${ms(hedgedRun.latencies.at(-1)!)} for ${extra} extra calls (+${Math.round((extra / REQUESTS) * 100)}%); ` +
      `${hedged.cancelled} losing replicas cancelled`,
  );

  // 3. A deadline: the whole batch gets 60 ms; slow calls are cancelled, not waited for.
  const [budget, cancel] = bg.withTimeout(60);
  const deadlined = new SlowService({ quota: false });
  let timedOut = 0;
  const bounded = await batch((i) =>
    deadlined.call(i, budget).catch((err: unknown) => {
      if (budget.err !== undefined) timedOut++;
      throw err;
    }),
  );
  cancel();
  const unboundedService = new SlowService({ quota: false });
  const unbounded = await batch((i) => unboundedService.call(i, bg));
  console.log(
    `  deadline 60 ms   batch done in ${ms(bounded.wallMs)} instead of ${ms(unbounded.wallMs)}: ` +
      `${bounded.ok} answered, ${timedOut} slow calls cancelled (DEADLINE_EXCEEDED) and their work stopped`,
  );
  if (deadlined.cancelled !== timedOut) throw new Error('the deadline did not stop the slow calls');
}
