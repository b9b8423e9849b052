// `simrun worker`: takes batch jobs from the BullMQ queue and runs them in its runner thread through
// the sweep's pipeline (batch-pipeline.ts: the phases of `simrun --batch`, one job read while one
// simulates and one is written), writing outputs under each job's output root. Delivery is at least once (a
// job whose worker dies is run again elsewhere), which is safe because outputs are published whole
// by rename and a rerun replaces them whole.
import fs from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker as Thread } from 'node:worker_threads';
import { Command, CommanderError } from 'commander';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  checkQueueName, checkRedisUrl, connect, DEFAULT_LOCK_DURATION_MS, DEFAULT_MAX_STALLED, DEFAULT_QUEUE,
  DEFAULT_STALLED_INTERVAL_MS, defaultRedisUrl, doneKey, nonNegativeInt, oneLine, positiveInt, safeUrl,
  withExitCode, workerName, type SimrunJobData, type SimrunJobResult,
} from './common.js';
import type { RunnerError, RunnerMessage, RunnerRequest, RunnerResult, RunnerTask } from './runner.js';
import { confineJob, confinement, type Confinement } from './confine.js';
import { BATCHES_IN_FLIGHT } from '../batch-pipeline.js';
import { SimrunError } from '../errors.js';
import { validateThreads } from '../validate.js';
import { threadExecArgv } from '../threads.js';

export interface WorkerOptions {
  redis: string;
  queue: string;
  /** Kernel threads. */
  threads: number;
  /**
   * Jobs at once, pipelined in the one runner thread: one read while one is in the kernel and one is
   * written. Each job holds its batch in memory from its read to its write, so this bounds memory.
   */
  concurrency: number;
  /** ms a job's lock lasts without renewal: a killed worker's job is taken again after about this plus stalledInterval. */
  lockDuration: number;
  /** ms between this worker's checks for stalled jobs (jobs whose worker stopped renewing the lock). */
  stalledInterval: number;
  /** Times a job may stall (its worker die) before it is failed instead of run again. */
  maxStalled: number;
  /** Where jobs may write and read (confine.ts); a job pointing elsewhere fails with its one-line error. */
  confine: Confinement;
  /** Stop once nothing is waiting, delayed or active in the queue. */
  untilEmpty?: boolean;
  /** Called as a job starts, before its batch runs (tests use it to hold a job). */
  onJobStart?: (job: Job<SimrunJobData, SimrunJobResult>) => Promise<void> | void;
  /** Progress lines. */
  log: (line: string) => void;
}

export interface RunningWorker {
  name: string;
  /** Resolves with the exit code once the worker has stopped. */
  done: Promise<number>;
  /** Jobs being run now. */
  active(): number;
  /** Stop taking jobs and finish the current ones; force: release them back to the queue and return at once (then exit the process). */
  stop(force?: boolean): Promise<void>;
}

const fmt = (n: number) => n.toLocaleString('en-US');
/** Jobs in flight by default: as many as the sweep's pipeline keeps (one per phase). */
const DEFAULT_CONCURRENCY = BATCHES_IN_FLIGHT;

/** The runner thread's module: the compiled one next to this file, or dist's when running from TypeScript. */
function runnerUrl(): URL {
  const sibling = new URL('./runner.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(sibling))) return sibling;
  const dist = new URL('../../dist/src/queue/runner.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(dist))) return dist;
  throw new Error('dist/src/queue/runner.js not found: run `npm run build` first');
}

/** A failure inside a runner thread, with its SimrunError kind if it was one. */
export class RunnerFailure extends Error {
  readonly simrunKind: string | undefined;
  constructor(e: RunnerError) {
    super(e.message);
    this.name = e.simrun ? 'SimrunError' : 'Error';
    this.simrunKind = e.simrun ? e.kind : undefined;
    if (e.stack) this.stack = e.stack;
  }
}

/**
 * The runner thread, several jobs at once (told apart by job id); a thread that dies fails the jobs
 * it held (they are retried) and is replaced for the next job.
 */
class Runner {
  private thread: Thread | undefined;
  private readonly pending = new Map<string, {
    resolve: (r: RunnerResult) => void; reject: (e: Error) => void; onProgress: (done: number, total: number) => void;
  }>();

  private start(): Thread {
    const thread = new Thread(runnerUrl(), { execArgv: threadExecArgv() });
    const failAll = (e: Error) => {
      if (this.thread === thread) this.thread = undefined;
      const jobs = [...this.pending.values()];
      this.pending.clear();
      for (const j of jobs) j.reject(e);
    };
    thread.on('message', (m: RunnerMessage) => {
      const job = this.pending.get(m.id);
      if (!job) return;
      if (m.type === 'progress') return job.onProgress(m.done, m.total);
      this.pending.delete(m.id);
      if (m.type === 'done') job.resolve(m.result);
      else job.reject(new RunnerFailure(m.error));
    });
    thread.on('error', (e) => {
      failAll(new Error(`batch runner thread failed: ${e.message}`));
      void thread.terminate();
    });
    thread.on('exit', (code) => failAll(new Error(`batch runner thread exited (code ${code})`)));
    return thread;
  }

  run(id: string, task: RunnerTask, onProgress: (done: number, total: number) => void): Promise<RunnerResult> {
    const thread = (this.thread ??= this.start());
    return new Promise<RunnerResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      thread.postMessage({ id, task } satisfies RunnerRequest);
    });
  }

  async close(): Promise<void> {
    const t = this.thread;
    this.thread = undefined;
    await t?.terminate();
  }
}

/** Starts a worker on the queue; it runs until stop() (or, with untilEmpty, until the queue is empty). */
export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const name = workerName();
  const redis: Redis = await connect(opts.redis, 'worker');
  const stats = { done: 0, failed: 0, strategies: 0, started: performance.now() };
  const holding = new Map<string, { job: Job<SimrunJobData, SimrunJobResult>; token?: string }>();
  let idleSaid = false;
  const runner = new Runner();

  const processor = async (job: Job<SimrunJobData, SimrunJobResult>, token?: string): Promise<SimrunJobResult> => {
    const d = job.data;
    const attempts = job.opts.attempts ?? 1;
    const attempt = `attempt ${job.attemptsMade + 1}/${attempts}`;
    holding.set(job.id!, { job, token });
    idleSaid = false;
    opts.log(`${d.batch}: started (${attempt}${job.stalledCounter ? `, after ${job.stalledCounter} stall(s)` : ''})`);
    try {
      const task = confineJob(d, opts.confine, job.id);
      await opts.onJobStart?.(job);
      let lastProgress = -1;
      const r = await runner.run(job.id!, { ...task, threads: opts.threads }, (done, total) => {
        const pct = total ? Math.floor((done / total) * 100) : 0;
        if (pct !== lastProgress) job.updateProgress((lastProgress = pct)).catch(() => {});
      });
      const result: SimrunJobResult = { batch: d.batch, jobId: job.id!, ...r, worker: name, finishedAt: new Date().toISOString() };
      await redis.hset(doneKey(opts.queue), d.batch, JSON.stringify(result));
      stats.done++;
      stats.strategies += result.strategies;
      const mins = (performance.now() - stats.started) / 60_000;
      opts.log(`${d.batch}: done, ${result.strategies} strategies → ${fmt(result.trades)} trades in ${result.seconds.toFixed(2)} s` +
        `${r.identical === undefined ? '' : r.identical ? ', identical to the reference' : ', DIFFERENT from the reference'}` +
        ` (this worker: ${stats.done} done, ${stats.failed} failed, ${(stats.done / Math.max(mins, 1 / 60)).toFixed(1)} batches/min)`);
      return result;
    } catch (e) {
      const msg = oneLine(e);
      if (e instanceof SimrunError || (e instanceof RunnerFailure && e.simrunKind && e.simrunKind !== 'output')) {
        // bad input: running it again cannot help
        stats.failed++;
        opts.log(`${d.batch}: FAILED, bad input, not retried: ${msg}`);
        throw new UnrecoverableError(msg);
      }
      const last = job.attemptsMade + 1 >= attempts;
      if (last) stats.failed++;
      opts.log(`${d.batch}: ${last ? 'FAILED' : 'failed'} (${attempt}${last ? ', no attempts left' : ', will be retried'}): ${msg}`);
      throw e instanceof Error ? e : new Error(msg);
    } finally {
      holding.delete(job.id!);
    }
  };

  const worker = new Worker<SimrunJobData, SimrunJobResult>(opts.queue, processor, {
    connection: redis, name, concurrency: opts.concurrency, autorun: false,
    lockDuration: opts.lockDuration, stalledInterval: opts.stalledInterval, maxStalledCount: opts.maxStalled,
    drainDelay: 2,
  });
  let lastError = '';
  worker.on('error', (e) => {
    const m = oneLine(e);
    if (m !== lastError) opts.log(`Redis or queue error: ${m}`);
    lastError = m;
  });
  worker.on('stalled', (jobId) => opts.log(`job ${jobId} stalled (its worker stopped renewing the lock: killed or stuck); ` +
    'it goes back to waiting, or fails if it stalled too often'));
  worker.on('drained', () => {
    if (!idleSaid) opts.log('queue empty: waiting for jobs');
    idleSaid = true;
  });

  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => { resolveDone = r; });
  let closing: Promise<void> | undefined;
  let emptyTimer: NodeJS.Timeout | undefined;
  const finish = async (force: boolean, code = 0) => {
    if (emptyTimer) clearInterval(emptyTimer);
    await worker.close(force).catch((e) => opts.log(`closing: ${oneLine(e)}`));
    await counts?.close().catch(() => {});
    redis.disconnect();
    await runner.close();
    opts.log(`stopped (${stats.done} batch(es) done, ${stats.failed} failed by this worker)`);
    resolveDone(code);
  };
  const stop = async (force = false) => {
    if (force) {
      // release held jobs back to the queue now, instead of waiting for stall detection
      for (const { job, token } of holding.values()) {
        try {
          await job.moveToWait(token);
          opts.log(`${job.data.batch}: released back to the queue`);
        } catch (e) {
          opts.log(`${job.data.batch}: could not release (${oneLine(e)}); it is taken again after the stall check`);
        }
      }
      holding.clear();
      // a graceful close may be waiting for the job: do not wait for it
      closing ??= finish(true);
      return;
    }
    closing ??= finish(false);
    await closing;
  };

  const counts = opts.untilEmpty ? new Queue(opts.queue, { connection: redis }) : undefined;
  counts?.on('error', () => {});
  if (counts) {
    emptyTimer = setInterval(async () => {
      if (holding.size || closing) return;
      try {
        const c = await counts.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
        const left = Object.values(c).reduce((a, b) => a + b, 0);
        if (left === 0 && !holding.size && !closing) {
          opts.log('queue empty and nothing active: stopping (--until-empty)');
          void stop();
        }
      } catch {
        // Redis errors are reported by the worker's error event
      }
    }, 500);
  }

  opts.log(`worker on queue ${opts.queue} at ${safeUrl(opts.redis)}: up to ${opts.concurrency} batch(es) in flight ` +
    '(one read while one simulates and one is written), ' +
    `writing under ${opts.confine.outRoot}, reading under ${opts.confine.dataRoots.join(', ')}; ` +
    `${opts.threads} kernel thread(s); ` +
    `lock ${opts.lockDuration} ms, stall check every ${opts.stalledInterval} ms`);
  worker.run().catch((e) => {
    opts.log(`worker stopped on an error: ${oneLine(e)}`);
    closing ??= finish(true, 3);
  });
  return { name, done, stop, active: () => holding.size };
}

/** `simrun worker …`; argv are the words after `simrun worker`. */
export async function workerMain(argv: string[], out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr, hooks: Pick<WorkerOptions, 'onJobStart'> = {}): Promise<number> {
  const program = new Command()
    .name('simrun worker')
    .description('run batch jobs from the queue (see `simrun queue add`) until stopped; Ctrl-C or SIGTERM finishes the ' +
      'current jobs and stops, a second one releases them back to the queue and exits')
    .option('--redis <url>', 'Redis server (default: $SIMRUN_REDIS_URL, else redis://127.0.0.1:6379)', checkRedisUrl)
    .option('--queue <name>', 'queue name', checkQueueName, DEFAULT_QUEUE)
    .option('-t, --threads <n>', 'kernel threads (default: all cores)', positiveInt)
    .option('--concurrency <n>', 'jobs in flight in this worker, pipelined: one is read while one simulates and one is ' +
      'written; each holds its batch in memory (1: one job at a time)', positiveInt, DEFAULT_CONCURRENCY)
    .option('--lock-duration <ms>', 'job lock, renewed while a batch runs; a dead worker\'s job is taken again after about ' +
      'this plus --stalled-interval', positiveInt, DEFAULT_LOCK_DURATION_MS)
    .option('--stalled-interval <ms>', 'how often to look for jobs of dead workers', positiveInt, DEFAULT_STALLED_INTERVAL_MS)
    .option('--max-stalled <n>', 'times a job may lose its worker before it is failed', nonNegativeInt, DEFAULT_MAX_STALLED)
    .option('--out-root <dir>', 'write outputs only under this folder: a job whose output root is elsewhere fails ' +
      '(default: the current directory)')
    .option('--data-root <dir>', 'read batches only under this folder (repeatable): a job whose data root is elsewhere ' +
      'fails (default: the current directory)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--until-empty', 'stop once nothing is waiting, delayed or active')
    .option('-q, --quiet', 'no progress lines')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const o = program.opts();
  o.redis ??= defaultRedisUrl();
  const threads: number = o.threads ?? availableParallelism();

  return withExitCode(err, async () => {
    validateThreads(threads, undefined, '--threads');
    const name = workerName();
    const log = o.quiet ? () => {} : (line: string) => err.write(`${new Date().toISOString()} ${name} ${line}\n`);
    const w = await startWorker({
      redis: o.redis, queue: o.queue, threads, concurrency: o.concurrency, lockDuration: o.lockDuration, stalledInterval: o.stalledInterval,
      maxStalled: o.maxStalled, untilEmpty: !!o.untilEmpty, onJobStart: hooks.onJobStart, log,
      confine: confinement(o.outRoot ?? process.cwd(), o.dataRoot ?? [process.cwd()]),
    });
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals === 1) {
        log(w.active() ? `${sig}: finishing the current job(s), then stopping (${sig} again releases them and exits now)` : `${sig}: stopping`);
        void w.stop(false);
      } else {
        log(`${sig} again: releasing the current job(s) and exiting`);
        void w.stop(true).then(() => process.exit(sig === 'SIGINT' ? 130 : 143));
      }
    };
    const onInt = () => onSignal('SIGINT');
    const onTerm = () => onSignal('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    try {
      return await w.done;
    } finally {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    }
  });
}
