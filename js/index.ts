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
export { nativeOrigin, platformTriple, type NativeOrigin } from './native.js';
export { nativeVersion, version } from './version.js';
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
export { ProcessPool } from './pool/process-pool.js';
