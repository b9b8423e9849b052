// What `simrun queue …` and `simrun worker …` share: the job's data and result, job ids, the Redis
// connection, defaults, and the one-line error handling of the CLI (exit codes as in src/cli.ts).
import { createHash } from 'node:crypto';
import os from 'node:os';
import { InvalidArgumentError } from 'commander';
import { Redis } from 'ioredis';
import type { PhaseTimes } from '../batch-pipeline.js';
import type { SimConfig } from '../config.js';
import type { SettingsInput } from '../validate.js';
import { reportError, SimrunError } from '../errors.js';

export const DEFAULT_QUEUE = 'simrun';
export const DEFAULT_REDIS = 'redis://127.0.0.1:6379';
/** The Redis URL when --redis is not given. */
export const defaultRedisUrl = (): string => process.env.SIMRUN_REDIS_URL || DEFAULT_REDIS;

/** Job options (`simrun queue add`). */
export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 5_000;
/** Worker options (`simrun worker`): how fast a killed worker's job goes back to the queue. */
export const DEFAULT_LOCK_DURATION_MS = 30_000;
export const DEFAULT_STALLED_INTERVAL_MS = 15_000;
export const DEFAULT_MAX_STALLED = 2;

/** What `simrun queue add` puts in a job: everything a worker needs, nothing machine-local. */
export interface SimrunJobData {
  /** `<ASSET>_<direction>/batch_<NNN>`. */
  batch: string;
  /** Absolute data root; every worker must be able to read it at this path. */
  data: string;
  /** Absolute output root; outputs go to `<out>/<batch>/`. */
  out: string;
  compare: boolean;
  /** The batch settings, validated when added and again by the worker (jobConfig: JSON-safe). */
  config: SettingsInput;
  /** inputsChecksum() when the job was added ('' if the inputs could not be read then). */
  inputs: string;
  addedBy: string;
  addedAt: string;
}

/** A job's return value, also kept per batch in the `done` hash (see doneKey). */
export interface SimrunJobResult {
  batch: string;
  jobId: string;
  inputs: string;
  outDir: string;
  bars: number;
  strategies: number;
  trades: number;
  seconds: number;
  /** Set when the job ran with compare. */
  identical?: boolean;
  /** When the batch's read, simulation (from asking for the kernel) and finish (build + write) started and ended, ms since the epoch. */
  phases?: PhaseTimes;
  /** `<host>:<pid>` of the worker that ran it. */
  worker: string;
  finishedAt: string;
}

/** A config as a job carries it: JSON has no Infinity, so an infinite size travels as "inf" (validateConfig reads it back). */
export function jobConfig(config: SimConfig): SettingsInput {
  return { ...config, size: config.size === Infinity ? 'inf' : config.size };
}

/** `<host>:<pid>`, the name under which a worker takes jobs and logs. */
export const workerName = (): string => `${os.hostname()}:${process.pid}`;

/**
 * A job's id: the batch name and a digest of what the job computes and where it writes (inputs
 * checksum, output root, compare). Re-adding an unchanged batch gives the same id, which BullMQ
 * does not add twice; a changed input gives a new job.
 */
export function jobIdFor(d: Pick<SimrunJobData, 'batch' | 'inputs' | 'out' | 'compare'>): string {
  const key = createHash('sha256').update(`${d.inputs}\0${d.out}\0${d.compare ? 1 : 0}`).digest('hex');
  return `${d.batch}@${key.slice(0, 16)}`;
}

/** Redis hash `simrun:<queue>:done`: batch → JSON SimrunJobResult of its last finished run. */
export const doneKey = (queue: string): string => `simrun:${queue}:done`;

export function checkQueueName(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new InvalidArgumentError('letters, digits, "_", "." and "-" only');
  return name;
}

export function checkRedisUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidArgumentError('expected a URL such as redis://host:6379');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new InvalidArgumentError('expected redis:// or rediss://');
  return url;
}

export { nonNegativeInt, positiveInt } from '../options.js';

/** The URL without its password, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * A Redis connection. `worker` connections retry for ever (a Redis restart must not kill a sweep)
 * and have no per-request retry limit, as BullMQ requires; the others give up after a few
 * seconds so that `simrun queue …` fails with a message instead of hanging.
 */
export async function connect(url: string, role: 'worker' | 'client'): Promise<Redis> {
  const redis = new Redis(url, role === 'worker'
    ? { maxRetriesPerRequest: null, connectionName: `simrun-worker:${workerName()}` }
    : {
      maxRetriesPerRequest: 1, connectTimeout: 5_000, connectionName: 'simrun-queue',
      retryStrategy: (times: number) => (times > 3 ? null : 250 * times),
    });
  let lastError: Error | undefined;
  const onError = (e: Error) => { lastError = e; };
  redis.on('error', onError);
  const deadline = Date.now() + (role === 'worker' ? 15_000 : 6_000);
  while (redis.status !== 'ready') {
    if (redis.status === 'end' || Date.now() > deadline) {
      redis.disconnect();
      const why = lastError ? ((lastError as NodeJS.ErrnoException).code ?? lastError.message) : 'timed out';
      throw new SimrunError('bad-argument', `cannot reach Redis at ${safeUrl(url)} (${why})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  redis.off('error', onError);
  return redis;
}

export { oneLine } from '../errors.js';

/** Runs a command body with the CLI's error handling: SimrunError → 2, anything else → 3. */
export async function withExitCode(err: NodeJS.WritableStream, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    return reportError(e, err);
  }
}
