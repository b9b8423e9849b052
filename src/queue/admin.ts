// `simrun queue <add|status|failed|retry|drain>`: fills and watches the BullMQ queue that
// `simrun worker` processes. Exit codes as in src/cli.ts: 0 success · 2 bad input or usage (an
// unreachable Redis included) · 3 internal error.
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import picomatch from 'picomatch';
import { batchPaths, discoverBatches, outputDir, selectBatches } from '../batch/layout.js';
import { checkOutputsBesideInputs } from '../batch/ownership.js';
import type { SimConfig } from '../config.js';
import { addSettingOptions, flagOf, settingsFromOptions } from '../setting-options.js';
import { validateConfig } from '../validate.js';
import { SimrunError } from '../errors.js';
import { inputsChecksum } from '../sweep.js';
import {
  checkQueueName, checkRedisUrl, connect, DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS, DEFAULT_QUEUE, defaultRedisUrl,
  doneKey, jobConfig, jobIdFor, nonNegativeInt, oneLine, positiveInt, safeUrl, withExitCode, workerName,
  type SimrunJobData, type SimrunJobResult,
} from './common.js';

const fmt = (n: number) => n.toLocaleString('en-US');

interface Conn {
  redis: Redis;
  queue: Queue<SimrunJobData, SimrunJobResult>;
  name: string;
}

async function open(opts: { redis: string; queue: string }): Promise<Conn> {
  const redis = await connect(opts.redis, 'client');
  const queue = new Queue<SimrunJobData, SimrunJobResult>(opts.queue, { connection: redis });
  queue.on('error', () => {}); // surfaced by the awaited calls
  return { redis, queue, name: opts.queue };
}

async function close(c: Conn): Promise<void> {
  await c.queue.close().catch(() => {});
  c.redis.disconnect();
}

async function using<T>(opts: { redis: string; queue: string }, fn: (c: Conn) => Promise<T>): Promise<T> {
  const c = await open(opts);
  try {
    return await fn(c);
  } finally {
    await close(c);
  }
}

/** The batches to add, with the data every worker needs. Batches whose inputs cannot be read are added too: they fail in a worker, visibly. */
function jobsToAdd(opts: Record<string, any>): SimrunJobData[] {
  if (!opts.data) throw new SimrunError('bad-argument', 'give --data <root>: a data root that every worker can read at the same path');
  if (!opts.batch && !opts.all) throw new SimrunError('bad-argument', 'nothing to add: give --batch <glob> or --all');
  const data = path.resolve(opts.data);
  const out = path.resolve(opts.out);
  const batches = opts.all ? discoverBatches(data) : selectBatches(data, opts.batch);
  if (batches.length === 0) throw new SimrunError('bad-argument', `no batches under ${data}`);
  const config: SimConfig = validateConfig(settingsFromOptions(opts), undefined, flagOf, true);
  const addedBy = workerName();
  const addedAt = new Date().toISOString();
  // outputs beside inputs are refused now, not after a worker has tried each batch
  for (const batch of batches) checkOutputsBesideInputs(outputDir(out, batch), [batchPaths(data, batch).dir]);
  return batches.map((batch) => {
    let inputs = '';
    try {
      inputs = inputsChecksum(data, batch, config);
    } catch (e) {
      if (!(e instanceof SimrunError)) throw e;
    }
    return { batch, data, out, compare: !!opts.compare, config: jobConfig(config), inputs, addedBy, addedAt };
  });
}

async function add(opts: Record<string, any>, out: NodeJS.WritableStream): Promise<number> {
  const jobs = jobsToAdd(opts);
  return using(opts as { redis: string; queue: string }, async ({ queue }) => {
    // jobs not yet run (or failed) for the same batch, output and constants but older inputs are
    // superseded: removed, so that neither a stale run nor a stale failure is left behind
    const sameTarget = (d: SimrunJobData) => JSON.stringify([d.batch, d.out, d.compare, d.config]);
    const pending = new Map<string, Job<SimrunJobData>[]>();
    for (const j of await queue.getJobs(['waiting', 'prioritized', 'delayed', 'failed'], 0, -1)) {
      if (!j?.data?.batch) continue;
      const k = sameTarget(j.data);
      pending.set(k, [...(pending.get(k) ?? []), j as Job<SimrunJobData>]);
    }
    const states: Record<string, number> = {};
    const toAdd: { name: string; data: SimrunJobData; opts: { jobId: string } }[] = [];
    let superseded = 0;
    let forced = 0;
    for (const data of jobs) {
      const jobId = jobIdFor(data);
      let state = await queue.getJobState(jobId);
      if (opts.force && (state === 'completed' || state === 'failed')) {
        await queue.remove(jobId);
        forced++;
        state = 'unknown';
      }
      if (state !== 'unknown') {
        states[state] = (states[state] ?? 0) + 1;
        continue;
      }
      for (const old of pending.get(sameTarget(data)) ?? []) {
        if (old.id !== jobId && (await queue.remove(old.id!)) === 1) superseded++;
      }
      toAdd.push({ name: data.batch, data, opts: { jobId } });
    }
    // one call; BullMQ adds no job whose id exists (a concurrent `add` included)
    if (toAdd.length) {
      await queue.addBulk(toAdd.map((j) => ({
        ...j,
        opts: {
          ...j.opts, attempts: opts.attempts, backoff: { type: 'exponential', delay: opts.backoff },
          removeOnComplete: false, removeOnFail: false,
        },
      })));
    }
    const order = ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'];
    const already = Object.entries(states).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
      .map(([s, n]) => `${n} ${s}`).join(', ');
    out.write(`queue ${queue.name} at ${safeUrl(opts.redis)}: ${toAdd.length} job(s) added` +
      `${already ? `, ${jobs.length - toAdd.length} already there (${already})` : ''}` +
      `${forced ? `, ${forced} finished job(s) replaced (--force)` : ''}` +
      `${superseded ? `, ${superseded} waiting or failed job(s) with older inputs removed` : ''}\n`);
    out.write(`  data: ${jobs[0].data} (every worker must read it at this path)\n  out:  ${jobs[0].out}\n`);
    if (states.failed) {
      out.write(`  ${states.failed} batch(es) already failed with these inputs: see \`simrun queue failed\`, fix them, or \`simrun queue retry\`\n`);
    }
    return 0;
  });
}

async function status(opts: Record<string, any>, out: NodeJS.WritableStream): Promise<number> {
  return using(opts as { redis: string; queue: string }, async ({ queue, redis }) => {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed');
    const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
    const workers = await queue.getWorkers().catch(() => []);
    const done = Object.values(await redis.hgetall(doneKey(queue.name))).map((s) => JSON.parse(s) as SimrunJobResult);
    // throughput over the jobs that finished in the last 15 minutes
    const now = Date.now();
    const recent = (await queue.getJobs(['completed'], 0, 499, false))
      .filter((j): j is Job<SimrunJobData, SimrunJobResult> => !!j && (j.finishedOn ?? 0) >= now - 15 * 60_000);
    const s = {
      queue: queue.name, redis: safeUrl(opts.redis),
      counts: { waiting, active: counts.active ?? 0, completed: counts.completed ?? 0, failed: counts.failed ?? 0, delayed: counts.delayed ?? 0 },
      workers: workers.length,
      batchesPerMinute: 0, strategiesPerSecond: 0, etaSeconds: null as number | null,
      differing: done.filter((d) => d.identical === false).map((d) => d.batch).sort(),
      byWorker: {} as Record<string, number>,
    };
    for (const d of done) {
      const host = d.worker.replace(/:\d+$/, '');
      s.byWorker[host] = (s.byWorker[host] ?? 0) + 1;
    }
    if (recent.length) {
      // up to now while work is left, else up to the last finish
      const left = waiting + s.counts.active + s.counts.delayed;
      const since = Math.min(...recent.map((j) => j.processedOn ?? j.finishedOn!));
      const until = left ? now : Math.max(...recent.map((j) => j.finishedOn!));
      const secs = Math.max(1, (until - since) / 1000);
      s.batchesPerMinute = (recent.length / secs) * 60;
      s.strategiesPerSecond = recent.reduce((a, j) => a + (j.returnvalue?.strategies ?? 0), 0) / secs;
      s.etaSeconds = left ? (left / s.batchesPerMinute) * 60 : 0;
    }
    const active = (await queue.getActive(0, 49)).filter((j): j is Job<SimrunJobData, SimrunJobResult> => !!j).map((j) => ({
      batch: j.data.batch, worker: j.processedBy ?? null, progress: typeof j.progress === 'number' ? j.progress : 0,
      seconds: j.processedOn ? Math.round((now - j.processedOn) / 1000) : null, attempt: j.attemptsStarted,
    }));
    if (opts.json) {
      out.write(JSON.stringify({ ...s, active }, null, 2) + '\n');
      return 0;
    }
    const c = s.counts;
    out.write(`queue ${s.queue} at ${s.redis}: ${fmt(c.waiting)} waiting, ${fmt(c.active)} active, ` +
      `${fmt(c.completed)} completed, ${fmt(c.failed)} failed, ${fmt(c.delayed)} delayed (retry backoff); ` +
      `${s.workers} worker(s) connected\n`);
    if (recent.length) {
      out.write(`  throughput (last 15 min): ${s.batchesPerMinute.toFixed(2)} batches/min, ${fmt(Math.round(s.strategiesPerSecond))} strategies/s` +
        `${s.etaSeconds ? `; about ${formatDuration(s.etaSeconds)} left` : ''}\n`);
    } else {
      out.write('  throughput: no batch finished in the last 15 minutes\n');
    }
    if (done.length) {
      out.write(`  batches done: ${fmt(done.length)} (${Object.entries(s.byWorker).sort().map(([h, n]) => `${h} ${fmt(n)}`).join(', ')})\n`);
    }
    if (s.differing.length) {
      out.write(`  ${s.differing.length} batch(es) differ from the reference (--compare): ${s.differing.slice(0, 10).join(', ')}` +
        `${s.differing.length > 10 ? ', …' : ''}\n`);
    }
    for (const a of active) {
      out.write(`  active: ${a.batch} on ${a.worker ?? '?'}, ${a.progress} %, for ${a.seconds ?? '?'} s (run ${a.attempt})\n`);
    }
    if (c.failed) out.write(`  ${fmt(c.failed)} failed job(s): \`simrun queue failed\` lists them with their errors\n`);
    return 0;
  });
}

function formatDuration(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

async function failed(opts: Record<string, any>, out: NodeJS.WritableStream): Promise<number> {
  return using(opts as { redis: string; queue: string }, async ({ queue }) => {
    const jobs = (await queue.getFailed(0, -1)).filter((j): j is Job<SimrunJobData> => !!j);
    const rows = jobs.map((j) => ({
      batch: j.data?.batch ?? j.name, jobId: j.id, attempts: j.attemptsMade, worker: j.processedBy ?? null,
      failedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : null, error: oneLine(j.failedReason),
    })).sort((a, b) => (a.batch < b.batch ? -1 : a.batch > b.batch ? 1 : 0));
    if (opts.json) {
      out.write(JSON.stringify(rows, null, 2) + '\n');
      return 0;
    }
    out.write(`queue ${queue.name}: ${rows.length} failed job(s)\n`);
    for (const r of rows) {
      out.write(`${r.batch}: ${r.error}\n  (job ${r.jobId}, ${r.attempts} attempt(s), last on ${r.worker ?? '?'} at ${r.failedAt ?? '?'})\n`);
    }
    return 0;
  });
}

async function retry(opts: Record<string, any>, out: NodeJS.WritableStream): Promise<number> {
  return using(opts as { redis: string; queue: string }, async ({ queue }) => {
    const match = opts.batch ? picomatch(opts.batch) : () => true;
    let n = 0;
    for (const j of await queue.getFailed(0, -1)) {
      if (!j || !match(j.data?.batch ?? j.name)) continue;
      await j.retry('failed');
      n++;
    }
    out.write(`queue ${queue.name}: ${n} failed job(s) moved back to waiting\n`);
    return 0;
  });
}

async function drain(opts: Record<string, any>, out: NodeJS.WritableStream): Promise<number> {
  return using(opts as { redis: string; queue: string }, async ({ queue, redis }) => {
    if (opts.all) {
      const active = await queue.getActiveCount();
      if (active) throw new SimrunError('bad-argument', `${active} job(s) are active: stop the workers (or wait) before removing everything`);
      await queue.obliterate();
      await redis.del(doneKey(queue.name));
      out.write(`queue ${queue.name}: removed, with every job, its history and the record of batches done\n`);
      return 0;
    }
    const before = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
    await queue.drain(true);
    const n = Object.values(before).reduce((a, b) => a + b, 0);
    out.write(`queue ${queue.name}: ${n} waiting or delayed job(s) removed; active jobs finish, finished ones stay listed\n`);
    return 0;
  });
}

function common(cmd: Command): Command {
  return cmd
    .option('--redis <url>', 'Redis server (default: $SIMRUN_REDIS_URL, else redis://127.0.0.1:6379)', checkRedisUrl)
    .option('--queue <name>', 'queue name', checkQueueName, DEFAULT_QUEUE);
}

/** `simrun queue …`; argv are the words after `simrun queue`. */
export async function queueMain(argv: string[], out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let action: (() => Promise<number>) | undefined;
  const program = new Command()
    .name('simrun queue')
    .description('the sweep as a queue on Redis (BullMQ): add batches, watch them, list and retry failures')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) });
  const sub = (name: string, description: string) =>
    common(program.command(name).description(description).exitOverride()
      .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) })
      .hook('preAction', (cmd) => { cmd.setOptionValue('redis', cmd.opts().redis ?? defaultRedisUrl()); }));

  addSettingOptions(sub('add', 'enqueue one job per batch (re-adding a batch with unchanged inputs adds nothing)')
    .option('-b, --batch <glob>', 'batches to add: a name or a glob such as "BTC_long/*"')
    .option('--all', 'add every batch under the data root')
    .option('-d, --data <root>', 'data root: a path that every worker can read (a shared mount, or the same copy on each machine)')
    .option('-o, --out <root>', 'output root, written by the workers: a shared mount, or a per-machine path', 'simrun-out')
    .option('-c, --compare', "compare each batch's outputs with its vectorbt reference outputs")
    .option('--attempts <n>', 'runs of a job before it is failed (bad input fails at once)', positiveInt, DEFAULT_ATTEMPTS)
    .option('--backoff <ms>', 'first retry delay, doubled at each retry', nonNegativeInt, DEFAULT_BACKOFF_MS)
    .option('--force', 'replace finished (completed or failed) jobs of these batches and run them again'))
    .action((o) => { action = () => add(o, out); });
  sub('status', 'job counts, workers, throughput and time left')
    .option('--json', 'print JSON')
    .action((o) => { action = () => status(o, out); });
  sub('failed', 'list failed jobs with their errors')
    .option('--json', 'print JSON')
    .action((o) => { action = () => failed(o, out); });
  sub('retry', 'move failed jobs back to waiting')
    .option('-b, --batch <glob>', 'only the failed batches matching this glob')
    .action((o) => { action = () => retry(o, out); });
  sub('drain', 'remove waiting and delayed jobs (active ones finish)')
    .option('--all', 'remove the whole queue: every job, the failed and completed ones too, and the record of batches done')
    .action((o) => { action = () => drain(o, out); });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    throw e;
  }
  if (!action) {
    err.write(program.helpInformation());
    return 2;
  }
  return withExitCode(err, action);
}
