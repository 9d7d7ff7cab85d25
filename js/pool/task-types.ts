/**
 * Types that tie a pool to its task module: `new Pool<typeof import('./tasks.js')>(...)`
 * checks each call's task name and argument against the module's exports and gives each
 * call the export's (awaited) result type. A pool made without a module type runs any
 * name with any argument and its results are `unknown` (see {@link UntypedTasks}).
 *
 * @example
 * // tasks.ts: export function add(n: number) { return n + 1 }
 * //           export default async function greet(name: string, { signal }: TaskContext) { return `hi ${name}` }
 * const pool = new Pool<typeof import('./tasks.js')>({ filename: new URL('./tasks.js', import.meta.url) })
 * const n: number = await pool.run('add', 1)
 * const s: string = await pool.run('default', 'ada')
 * pool.run('add', 'one') // does not compile: add takes a number
 */
import type { TaskContext } from './task-context.js';

/**
 * A function a task module can export as a task: called as `fn(arg, taskContext)`, so at
 * most those two parameters may be required.
 */
export type TaskFunction = (arg: never, taskContext: never) => unknown;

/**
 * The task module of a pool made without one: any name, any argument, results `unknown`.
 * `unknown` rather than `any`: a result whose type nobody knows must be checked or cast
 * where it is used, not flow unchecked into the caller's code. Give the pool the module's
 * type (`new Pool<typeof import('./tasks.js')>`) to have the results typed.
 */
export type UntypedTasks = Record<string, (arg?: unknown, taskContext?: TaskContext) => unknown>;

/** The names of `M`'s function exports: the tasks a pool over module `M` can run ('default' for the default export). */
export type TaskName<M> = { [K in keyof M]-?: M[K] extends TaskFunction ? K : never }[keyof M] & string;

/** What task `K` of module `M` takes as its argument (`undefined` for a task with no parameters). */
export type TaskArg<M, K extends TaskName<M>> = M[K] extends (...args: infer P) => unknown ? (P extends [] ? undefined : P[0]) : never;

/** What task `K` of module `M` resolves with: its return type, awaited. */
export type TaskOutput<M, K extends TaskName<M>> = M[K] extends (...args: never) => infer R ? Awaited<R> : never;

/**
 * The arguments after the task name: the task's argument (optional when it accepts
 * `undefined`) and the call's options.
 */
export type TaskArgs<M, K extends TaskName<M>, O> = undefined extends TaskArg<M, K>
  ? [arg?: TaskArg<M, K>, options?: O]
  : [arg: TaskArg<M, K>, options?: O];
