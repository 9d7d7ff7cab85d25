/**
 * Loads every class whose objects can travel to other threads, so a thread that receives
 * one (a pool worker decoding a task argument, reviving workerData) can rebuild it.
 * @internal
 */
import '../chan/channel.js';
import '../context/context.js';
import '../rate/all.js';
import '../rate/keyed.js';
import '../rate/limiter.js';
import '../sync/barrier.js';
import '../sync/cond.js';
import '../sync/mutex.js';
import '../sync/once.js';
import '../sync/rwlock.js';
import '../sync/semaphore.js';
import '../sync/wait-group.js';

export { revive } from './handles.js';
