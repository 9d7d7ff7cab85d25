/**
 * Task graphs: named tasks with dependencies, each started as soon as all of its
 * dependencies have succeeded and given their results. Tasks run on this thread (a
 * function) or on a Pool's workers (a task name). A failure stops the graph and names the
 * failed task; cycles and unknown dependencies are refused before anything runs.
 *
 * @example
 * const graph = new TaskGraph()
 *   .add('user', [], (_, ctx) => fetchUser(id, ctx))
 *   .add('orders', ['user'], ({ user }, ctx) => fetchOrders(user, ctx))
 *   .add('avatar', ['user'], { task: 'resizeAvatar' })      // runs on the pool
 *   .add('page', ['orders', 'avatar'], ({ orders, avatar }) => render(orders, avatar))
 * const { page } = await graph.run(ctx, { concurrency: 4, pool })
 */
import { Context, checkContext } from './context.js';
import { WeftError } from '../errors.js';
import type { Pool } from '../pool/pool.js';

/** A task that runs on this thread: gets its dependencies' results by name, and the graph's context. */
export type GraphFunction = (deps: Record<string, unknown>, ctx: Context) => unknown;

/**
 * A task that runs on a Pool: `pool.run(task, deps, { ctx })`, the dependencies' results
 * (by name) as the argument. Without `pool`, the pool given to `run`.
 */
export interface PoolNode {
  /** The name of the task module's export to run (`'default'` for the default export). */
  task: string;
  /** The pool to run it on. Default: the `pool` option of {@link TaskGraph.run}. */
  pool?: Pool;
}

/** Options for {@link TaskGraph.run}. */
export interface GraphRunOptions {
  /** Most tasks running at once (default: Infinity). */
  concurrency?: number;
  /** The pool for tasks given as `{ task }` without a pool of their own. Default: none (such a task is then INVALID_ARGUMENT). */
  pool?: Pool;
  /**
   * Default true: the first failure ends the graph's context (running tasks see it) and
   * starts nothing more. false: only the failed task's dependents are skipped; the rest
   * of the graph runs to the end before `run` rejects.
   */
  failFast?: boolean;
}

interface Node {
  name: string;
  deps: readonly string[];
  work: GraphFunction | PoolNode;
}

/** A task graph; see the module doc. */
export class TaskGraph {
  readonly #nodes = new Map<string, Node>();

  /**
   * Adds task `name` that needs `deps` (names of other tasks, which may be added later).
   * Throws INVALID_ARGUMENT for a duplicate or empty name, bad deps, or bad work.
   */
  add(name: string, deps: readonly string[], work: GraphFunction | PoolNode): this {
    if (typeof name !== 'string' || name === '') throw invalid(`a task name must be a non-empty string, got ${describe(name)}`, 'name');
    if (this.#nodes.has(name)) throw invalid(`task "${name}" is already in the graph`, 'name');
    if (!Array.isArray(deps) || deps.some((d) => typeof d !== 'string')) throw invalid(`task "${name}": deps must be an array of task names`, 'deps');
    if (new Set(deps).size !== deps.length) throw invalid(`task "${name}" lists a dependency twice`, 'deps');
    const isPoolNode = typeof work === 'object' && work !== null && typeof (work as PoolNode).task === 'string';
    if (typeof work !== 'function' && !isPoolNode) {
      throw invalid(`task "${name}": work must be a function or { task, pool? }, got ${describe(work)}`, 'work');
    }
    this.#nodes.set(name, { name, deps: [...deps], work });
    return this;
  }

  /** How many tasks the graph has. */
  get size(): number {
    return this.#nodes.size;
  }

  /**
   * The tasks in an order where each comes after its dependencies. Throws INVALID_ARGUMENT
   * naming an unknown dependency, or the tasks of a cycle in order.
   */
  order(): string[] {
    for (const node of this.#nodes.values()) {
      for (const dep of node.deps) {
        if (!this.#nodes.has(dep)) throw invalid(`task "${node.name}" depends on unknown task "${dep}"`, 'deps', { task: node.name, dep });
      }
    }
    const order: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    // Depth-first with an explicit stack: a long chain must not overflow the JS stack.
    for (const root of this.#nodes.keys()) {
      if (state.has(root)) continue;
      const stack: { name: string; next: number }[] = [{ name: root, next: 0 }];
      state.set(root, 'visiting');
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const deps = this.#nodes.get(top.name)!.deps;
        if (top.next < deps.length) {
          const dep = deps[top.next++]!;
          const seen = state.get(dep);
          if (seen === 'visiting') {
            const cycle = [...stack.slice(stack.findIndex((f) => f.name === dep)).map((f) => f.name), dep];
            throw invalid(`the graph has a cycle: ${cycle.join(' -> ')}`, 'deps', { cycle });
          }
          if (seen === undefined) {
            state.set(dep, 'visiting');
            stack.push({ name: dep, next: 0 });
          }
        } else {
          state.set(top.name, 'done');
          order.push(top.name);
          stack.pop();
        }
      }
    }
    return order;
  }

  /**
   * Runs the graph under `ctx` (default: background) and resolves with every task's
   * result by name. It waits until nothing it started is still running, then: rejects
   * TASK_FAILED (`details.task` names the first task that failed, `cause` is its error)
   * after a failure; rejects with `ctx.err` (CANCELED or DEADLINE_EXCEEDED) when the
   * context ends first; throws INVALID_ARGUMENT before anything runs for a cycle, an
   * unknown dependency, bad options, or a pool task with no pool.
   */
  async run(ctx: Context = Context.background(), options: GraphRunOptions = {}): Promise<Record<string, unknown>> {
    checkContext(ctx, 'ctx');
    const { concurrency = Infinity, pool, failFast = true } = options;
    if (concurrency !== Infinity && !(Number.isInteger(concurrency) && concurrency >= 1)) {
      throw invalid(`concurrency must be a positive integer or Infinity, got ${describe(concurrency)}`, 'concurrency');
    }
    this.order();
    for (const node of this.#nodes.values()) {
      if (typeof node.work !== 'function' && node.work.pool === undefined && pool === undefined) {
        throw invalid(`task "${node.name}" runs on a pool, but neither it nor run() was given one`, 'pool', { task: node.name });
      }
    }
    return new GraphRun(this.#nodes, ctx, concurrency, pool, failFast).promise;
  }
}

/** One run of a graph: the ready queue, the running count, results and failures. */
class GraphRun {
  readonly promise: Promise<Record<string, unknown>>;
  #resolve: (results: Record<string, unknown>) => void = () => {};
  #reject: (err: unknown) => void = () => {};
  readonly #ctx: Context;
  readonly #cancel: (cause?: unknown) => void;
  readonly #waitingOn = new Map<string, number>();
  readonly #dependents = new Map<string, string[]>();
  readonly #ready: string[] = [];
  readonly #results: Record<string, unknown> = {};
  readonly #skipped = new Set<string>();
  readonly #failed: { task: string; err: unknown }[] = [];
  #running = 0;
  #finished = 0;
  /** The context ended from outside (not by a failure here): the run rejects with its err. */
  #endedOutside = false;
  #settled = false;

  constructor(
    readonly nodes: ReadonlyMap<string, Node>,
    parent: Context,
    readonly concurrency: number,
    readonly pool: Pool | undefined,
    readonly failFast: boolean,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    [this.#ctx, this.#cancel] = parent.withCancelCause();
    for (const node of nodes.values()) {
      this.#waitingOn.set(node.name, node.deps.length);
      if (node.deps.length === 0) this.#ready.push(node.name);
      for (const dep of node.deps) {
        const list = this.#dependents.get(dep);
        if (list === undefined) this.#dependents.set(dep, [node.name]);
        else list.push(node.name);
      }
    }
    // Once the context ends nothing new starts; the run settles when the running finish.
    void this.#ctx.done.then(() => this.#pump());
    this.#pump();
  }

  #pump(): void {
    if (this.#settled) return;
    const stopping = this.#ctx.err !== undefined;
    if (stopping && this.#failed.length === 0) this.#endedOutside = true;
    while (!stopping && this.#running < this.concurrency && this.#ready.length > 0) this.#start(this.#ready.shift()!);
    if (this.#running > 0) return;
    if (this.#finished + this.#skipped.size === this.nodes.size || stopping) this.#settle();
  }

  #start(name: string): void {
    const node = this.nodes.get(name)!;
    const deps: Record<string, unknown> = {};
    for (const dep of node.deps) deps[dep] = this.#results[dep];
    this.#running++;
    let result: unknown;
    try {
      const work = node.work;
      result = typeof work === 'function' ? work(deps, this.#ctx) : (work.pool ?? this.pool)!.run(work.task, deps, { ctx: this.#ctx });
    } catch (err) {
      result = Promise.reject(err);
    }
    Promise.resolve(result).then(
      (value) => this.#done(name, true, value),
      (err: unknown) => this.#done(name, false, err),
    );
  }

  #done(name: string, ok: boolean, value: unknown): void {
    this.#running--;
    this.#finished++;
    if (ok) {
      this.#results[name] = value;
      for (const dependent of this.#dependents.get(name) ?? []) {
        const left = this.#waitingOn.get(dependent)! - 1;
        this.#waitingOn.set(dependent, left);
        if (left === 0 && !this.#skipped.has(dependent)) this.#ready.push(dependent);
      }
    } else {
      if (this.#failed.length === 0 && this.#ctx.err !== undefined) this.#endedOutside = true;
      this.#failed.push({ task: name, err: value });
      this.#skipDependents(name);
      if (this.failFast) this.#cancel(value);
    }
    this.#pump();
  }

  /** Marks every task that needs `name`, directly or not, as never to run. */
  #skipDependents(name: string): void {
    const pending = [...(this.#dependents.get(name) ?? [])];
    while (pending.length > 0) {
      const next = pending.pop()!;
      if (this.#skipped.has(next)) continue;
      this.#skipped.add(next);
      pending.push(...(this.#dependents.get(next) ?? []));
    }
  }

  #settle(): void {
    this.#settled = true;
    this.#cancel();
    const first = this.#failed[0];
    const completed = Object.keys(this.#results);
    const notStarted = [...this.nodes.keys()].filter((n) => !(n in this.#results) && !this.#failed.some((f) => f.task === n));
    if (this.#endedOutside) {
      this.#reject(this.#ctx.err);
    } else if (first !== undefined) {
      const message = first.err instanceof Error ? first.err.message : String(first.err);
      this.#reject(
        new WeftError('TASK_FAILED', `task "${first.task}" failed: ${message}`, {
          cause: first.err,
          details: { task: first.task, failed: this.#failed.map((f) => f.task), completed, notStarted },
        }),
      );
    } else if (this.#finished + this.#skipped.size === this.nodes.size) {
      this.#resolve(this.#results);
    }
  }
}

function invalid(message: string, option: string, extra: Record<string, unknown> = {}): WeftError {
  return new WeftError('INVALID_ARGUMENT', message, { details: { option, ...extra } });
}

function describe(value: unknown): string {
  return value === null ? 'null' : typeof value === 'object' || typeof value === 'function' ? typeof value : String(value);
}
