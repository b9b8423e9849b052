// The sweep as a queue on Redis (BullMQ): `simrun queue …` fills and watches it, `simrun worker …`
// runs its jobs with runBatch on as many machines as share the Redis server. See README.md here.
export { queueMain } from './admin.js';
export { startWorker, workerMain, type RunningWorker, type WorkerOptions } from './worker.js';
export {
  DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS, DEFAULT_LOCK_DURATION_MS, DEFAULT_MAX_STALLED, DEFAULT_QUEUE, DEFAULT_REDIS,
  DEFAULT_STALLED_INTERVAL_MS, doneKey, jobIdFor, type SimrunJobData, type SimrunJobResult,
} from './common.js';
