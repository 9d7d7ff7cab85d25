/**
 * @weft/core: Go-style concurrency and native-accelerated compute for Node.js.
 *
 * @example
 * import { version, WeftError, isWeftError } from '@weft/core'
 */
export {
  ErrorCodes,
  WeftError,
  deserializeError,
  isWeftError,
  serializeError,
  wrap,
  type ErrorCode,
  type SerializedError,
  type WeftErrorOptions,
} from './errors.js';
export { nativeOrigin, platformTriple, type NativeOrigin } from './native/loader.js';
export { nativeVersion, version } from './native/version.js';
export {
  Pool,
  type CloseOptions,
  type LatencyStats,
  type MapOptions,
  type PoolStats,
  type TaskResult,
} from './pool/pool.js';
export type { PoolOptions, RunOptions } from './pool/options.js';
export type { TaskContext } from './pool/task-context.js';
export type { TaskArg, TaskArgs, TaskFunction, TaskName, TaskOutput, UntypedTasks } from './pool/task-types.js';
export { ProcessPool } from './pool/process-pool.js';
export { Channel, type RecvCase, type RecvResult, type SelectCase, type SendCase } from './chan/channel.js';
export { select, selectSync, type AnyCase, type CaseResult, type DefaultResult, type IndexOf, type SelectOptions, type SelectResult } from './chan/select.js';
export { after, type AfterCase } from './chan/after.js';
export { Barrier } from './sync/barrier.js';
export { Cond } from './sync/cond.js';
export { Mutex, type Release } from './sync/mutex.js';
export { Once } from './sync/once.js';
export { RwLock } from './sync/rwlock.js';
export { Semaphore } from './sync/semaphore.js';
export { WaitGroup } from './sync/wait-group.js';
export type { WaitOptions } from './wait/notifier.js';
export type { BlockingOptions } from './wait/blocking.js';
export { revive } from './native/shareable.js';
export { ManualClock, abortReason, sleep, systemClock, type Clock, type SleepOptions, type Timer } from './time/clock.js';
export { AllLimiter, KeyedLimiter, RateLimiter, type KeyedLimiterOptions, type Limiter, type RateLimiterOptions, type Reservation } from './rate/index.js';
export { Context, isContextError, type CancelFunc } from './context/context.js';
export { Group, type GroupFunction, type GroupOptions } from './context/group.js';
export { Deferred, type DeferredOptions, type DeferredState } from './context/deferred.js';
export { TaskGraph, type GraphFunction, type GraphRunOptions, type PoolNode } from './context/task-graph.js';
export { backoff, isRetryable, retry, type BackoffOptions, type Jitter, type RetryAttempt, type RetryOptions } from './resilience/retry.js';
export { hedge, type HedgeOptions, type HedgeResult } from './resilience/hedge.js';
export { Heartbeat, heartbeat, type HeartbeatOptions, type Pulse, type Watch } from './resilience/heartbeat.js';
export { supervise, type SuperviseOptions, type Supervision } from './resilience/supervise.js';
export {
  DEFAULT_PIPELINE_BUFFER,
  Pipeline,
  pipeline,
  type BatchOptions,
  type CallbackSubscribable,
  type PipeToOptions,
  type PipelineOptions,
  type PoolStageOptions,
  type RunArg,
  type StageBufferOptions,
  type StageOptions,
  type ToReadableOptions,
} from './pipeline/pipeline.js';
export type { PipelineIterator, PipelineRunOptions } from './pipeline/run.js';
export { PipelineObservable, type PartialObserver, type PipelineSubscription } from './pipeline/sinks.js';
export type { ObservableLike, ObserverLike, PipelineSource, ReadableLike } from './pipeline/sources.js';
export type { StageInfo } from './pipeline/stages.js';
export {
  compute,
  type AsyncOptions,
  type BigIntArray,
  type Bytes,
  type Digest,
  type ElementOf,
  type FloatArray,
  type HashAlgorithm,
  type Histogram,
  type HistogramOptions,
  type MatmulOptions,
  type NumericArray,
  type OutOptions,
  type ScanOf,
  type ScanOptions,
  type SearchOptions,
  type SortOptions,
  type TopKOptions,
  type VarianceOptions,
} from './compute/index.js';
export type { ProcessPoolOptions } from './pool/process-pool.js';
