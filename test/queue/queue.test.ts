// The sweep as a BullMQ queue, against a real redis-server on loopback: several worker processes
// share the jobs, each batch's outputs appear exactly once and equal a direct runBatch, a poison
// batch fails visibly without blocking the rest, a worker killed with SIGKILL mid-job has its job
// taken over after stall detection, and re-adding unchanged batches adds nothing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { MARKER_TEXT, OUTPUT_MARKER } from '../../src/batch/ownership.js';
import { readParquetTable } from '../../src/batch/write.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { queueMain, workerMain, type SimrunJobData, type SimrunJobResult } from '../../src/queue/index.js';
import { runBatch } from '../../src/run-batch.js';
import { shutdown } from '../../src/simulate.js';
import { barsTable, cleanupTmpDirs, rng, signalsTable, tmpDir, writeFile, writeTable } from '../batch/fixtures.js';
import { beforeAllOrFail } from '../setup/before-all-or-fail.js';
import { freePort, startRedis, type RedisServer } from '../setup/redis.js';

const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));
const COMPILED = fileURLToPath(new URL('../../dist/src/queue/worker.js', import.meta.url));
const N = 3000;
const OUTPUTS = ['daily_returns.parquet', 'metrics.parquet', 'trades.parquet'];
/** Test data and outputs live in temp dirs: the workers may read and write there. */
const ROOTS = ['--out-root', os.tmpdir(), '--data-root', os.tmpdir()];

let redis: RedisServer | undefined;
let url = '';
const workers = new Set<ChildProcess>(); // every worker process a test started, stopped in afterAll
let data = '';
let good: string[] = [];
const POISON_NAN = 'BAD_long/batch_001';
const POISON_CORRUPT = 'ETH_long/batch_099';
const reference = new Map<string, string>(); // batch → outputs dir of a direct runBatch

async function waitFor(what: string, ms: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A data root: `count` small ETH long batches, a batch whose asset has a NaN close, and one with a corrupt signals.parquet. */
function makeData(count: number): { root: string; batches: string[] } {
  const root = tmpDir('simrun-queue-data-');
  const r = rng(11);
  let p = 100;
  const close = Array.from({ length: N }, () => (p = p * (1 + (r() - 0.5) * 0.01)));
  writeTable(path.join(root, 'ETH/ohlcv.parquet'), barsTable({ n: N, close }));
  const params = (names: string[]) => 'strategy,tp_stop,sl_stop,tsl_stop\n' + names.map((s) => `${s},0.02,0.01,0.005`).join('\n') + '\n';
  const signals = () => {
    const cols: Record<string, number[]> = {};
    for (let s = 0; s < 6; s++) cols[`s${s}`] = Array.from({ length: N }, () => (r() < 0.01 ? 1 : 0));
    return cols;
  };
  const batches: string[] = [];
  for (let b = 1; b <= count; b++) {
    const name = `ETH_long/batch_${String(b).padStart(3, '0')}`;
    const cols = signals();
    writeTable(path.join(root, name, 'signals.parquet'), signalsTable(cols));
    writeFile(path.join(root, name, 'params.csv'), params(Object.keys(cols)));
    batches.push(name);
  }
  // poison 1: NaN close in its own asset's bars
  const bad = close.slice();
  bad[1234] = NaN;
  writeTable(path.join(root, 'BAD/ohlcv.parquet'), barsTable({ n: N, close: bad }));
  const cols = signals();
  writeTable(path.join(root, POISON_NAN, 'signals.parquet'), signalsTable(cols));
  writeFile(path.join(root, POISON_NAN, 'params.csv'), params(Object.keys(cols)));
  // poison 2: signals.parquet is not a parquet file
  writeFile(path.join(root, POISON_CORRUPT, 'signals.parquet'), 'PAR1 this is not a parquet file');
  writeFile(path.join(root, POISON_CORRUPT, 'params.csv'), params(Object.keys(cols)));
  return { root, batches };
}

function sink(): Writable & { text: string } {
  const w = new Writable({ write(chunk, _enc, cb) { w.text += String(chunk); cb(); } }) as Writable & { text: string };
  w.text = '';
  return w;
}

async function queueCmd(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const code = await queueMain(args, out, err);
  return { code, out: out.text, err: err.text };
}

interface Spawned {
  child: ChildProcess;
  log: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A worker process; locks of 2 s by default so that a killed worker's job is taken over quickly. */
function spawnWorker(queue: string, env: Record<string, string> = {}, args: string[] = [], lockMs = 2000): Spawned {
  const child = spawn(process.execPath, [WORKER, '--redis', url, '--queue', queue, '--threads', '1', ...ROOTS,
    '--lock-duration', String(lockMs), '--stalled-interval', '1000', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  workers.add(child);
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, log: () => log, exited };
}

async function exitOf(w: Spawned, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      w.child.kill('SIGKILL');
      reject(new Error(`worker did not stop within ${ms} ms; its log:\n${w.log()}`));
    }, ms);
  });
  try {
    return await Promise.race([w.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const rows = (file: string) => readParquetTable(file).toArray().map((r) => JSON.stringify(r.toJSON(), (_k, v) => (typeof v === 'bigint' ? String(v) : v)));

/** Every batch's outputs are there once, whole, equal to a direct runBatch; nothing else is in `out`. */
function expectOutputs(out: string, batches: string[]): void {
  const entries = fs.readdirSync(out, { recursive: true }).map(String).sort();
  const expected = batches.flatMap((b) => [b.split('/')[0], b, `${b}/${OUTPUT_MARKER}`, ...OUTPUTS.map((f) => `${b}/${f}`)]);
  expect(entries).toEqual([...new Set(expected)].sort());
  for (const b of batches) {
    for (const f of OUTPUTS) expect(rows(path.join(out, b, f)), `${b}/${f}`).toEqual(rows(path.join(reference.get(b)!, f)));
  }
}

function openQueue(name: string) {
  const q = new Queue<SimrunJobData, SimrunJobResult>(name, { connection: { url } });
  q.on('error', () => {});
  return q;
}

const startedLines = (log: string, batch: string) => log.split('\n').filter((l) => l.includes(` ${batch}: started`)).length;

beforeAllOrFail(async () => {
  if (!fs.existsSync(COMPILED)) throw new Error(`${COMPILED} is missing: run \`npm run build\` first (npm test does)`);
  redis = await startRedis();
  url = redis.url;

  const made = makeData(6);
  data = made.root;
  good = made.batches;
  for (const b of good) {
    const out = tmpDir('simrun-queue-ref-');
    const r = await runBatch({ batch: b, data, out, threads: 1 });
    reference.set(b, r.outDir!);
  }
}, 60_000);

afterAll(async () => {
  // also after a failed test: its workers may still run
  await Promise.all([...workers].filter((w) => w.exitCode === null && w.signalCode === null).map((w) => {
    const gone = new Promise((r) => w.on('exit', r));
    w.kill('SIGKILL');
    return gone;
  }));
  await shutdown();
  await redis?.stop();
  cleanupTmpDirs();
});

describe('simrun queue + simrun worker on a real Redis', () => {
  it('two workers share the jobs: every batch done exactly once, the poison batches failed with their error', async () => {
    const out = tmpDir('simrun-queue-out-');
    const added = await queueCmd('add', '--redis', url, '--queue', 'two', '--all', '--data', data, '--out', out);
    expect(added.err).toBe('');
    expect(added.code).toBe(0);
    expect(added.out).toContain(`${good.length + 2} job(s) added`);

    // each job held 150 ms so that both workers get some
    const env = { SIMRUN_TEST_HOLD_MS: '150' };
    const workers = [spawnWorker('two', env, ['--until-empty'], 10_000), spawnWorker('two', env, ['--until-empty'], 10_000)];
    const exits = await Promise.all(workers.map((w) => exitOf(w, 45_000)));
    const logs = workers.map((w) => w.log());
    expect(exits, logs.join('\n')).toEqual([{ code: 0, signal: null }, { code: 0, signal: null }]);

    const status = await queueCmd('status', '--redis', url, '--queue', 'two', '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out).counts).toEqual({ waiting: 0, active: 0, completed: good.length, failed: 2, delayed: 0 });

    // every batch started once in all (no retries: the poison ones are not retryable)
    for (const b of [...good, POISON_NAN, POISON_CORRUPT]) {
      expect(startedLines(logs.join('\n'), b), `${b}\n${logs.join('\n')}`).toBe(1);
    }
    const q = openQueue('two');
    try {
      const completed = await q.getCompleted(0, -1);
      expect(completed.map((j) => j.data.batch).sort()).toEqual(good);
      expect(new Set(completed.map((j) => j.processedBy)).size, 'both workers took jobs').toBe(2);
      for (const j of completed) {
        expect(j.returnvalue).toMatchObject({ batch: j.data.batch, strategies: 6, outDir: path.join(out, j.data.batch) });
      }
    } finally {
      await q.close();
    }
    expectOutputs(out, good);

    // failed jobs: listed with their one-line errors, after one attempt
    const failed = JSON.parse((await queueCmd('failed', '--redis', url, '--queue', 'two', '--json')).out);
    expect(failed.map((f: { batch: string }) => f.batch)).toEqual([POISON_NAN, POISON_CORRUPT].sort());
    for (const f of failed) {
      expect(f.attempts).toBe(1);
      expect(f.error).not.toContain('\n');
    }
    const byBatch = Object.fromEntries(failed.map((f: { batch: string; error: string }) => [f.batch, f.error]));
    expect(byBatch[POISON_NAN]).toContain(path.join(data, 'BAD/ohlcv.parquet'));
    expect(byBatch[POISON_NAN]).toMatch(/NaN/);
    expect(byBatch[POISON_CORRUPT]).toContain(path.join(data, POISON_CORRUPT, 'signals.parquet'));
    const text = await queueCmd('failed', '--redis', url, '--queue', 'two');
    expect(text.out).toContain(`${POISON_NAN}: ${byBatch[POISON_NAN]}\n`);
  });

  it('a worker killed with SIGKILL mid-job: its job is taken over after stall detection and completes whole', async () => {
    const out = tmpDir('simrun-queue-out-');
    const batches = good.slice(0, 4);
    expect((await queueCmd('add', '--redis', url, '--queue', 'kill', '--batch', 'ETH_long/batch_00[1-4]', '--data', data, '--out', out)).code).toBe(0);

    // A holds its first job for a minute: it is killed while it holds it
    const marker = path.join(tmpDir('simrun-queue-marker-'), 'held');
    const a = spawnWorker('kill', { SIMRUN_TEST_HOLD_FIRST: '60000', SIMRUN_TEST_MARKER: marker });
    await waitFor(`worker A to take a job (log: ${a.log()})`, 20_000, () => fs.existsSync(marker));
    const held = fs.readFileSync(marker, 'utf8');
    expect(batches).toContain(held);
    // as if A had died while publishing: a half-written temporary output of a dead process
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    // what a publish killed half-way leaves: simrun's marker (written first) and a partial file
    writeFile(path.join(out, `${held}.tmp-${deadPid}-x`, OUTPUT_MARKER), MARKER_TEXT);
    writeFile(path.join(out, `${held}.tmp-${deadPid}-x`, 'trades.parquet'), 'half');

    const b = spawnWorker('kill', {}, ['--until-empty']);
    a.child.kill('SIGKILL');
    expect(await exitOf(a, 5_000)).toEqual({ code: null, signal: 'SIGKILL' });
    const exit = await exitOf(b, 40_000);
    expect(exit, b.log()).toEqual({ code: 0, signal: null });
    expect(b.log()).toMatch(/stalled/);

    const q = openQueue('kill');
    try {
      expect(await q.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed'))
        .toEqual({ waiting: 0, active: 0, completed: 4, failed: 0, delayed: 0 });
      const job = (await q.getCompleted(0, -1)).find((j) => j.data.batch === held)!;
      expect(job.processedBy).toContain(`:${b.child.pid}`);
      expect(job.attemptsStarted).toBe(2);
      expect(job.returnvalue.worker).toContain(`:${b.child.pid}`);
    } finally {
      await q.close();
    }
    expect(startedLines(b.log(), held)).toBe(1);
    expectOutputs(out, batches);
  });

  it('SIGTERM finishes the current job and stops; a second SIGTERM releases it back to the queue', async () => {
    const out = tmpDir('simrun-queue-out-');
    expect((await queueCmd('add', '--redis', url, '--queue', 'term', '--batch', 'ETH_long/batch_00[1-3]', '--data', data, '--out', out)).code).toBe(0);
    const q = openQueue('term');
    try {
      const marker = path.join(tmpDir('simrun-queue-marker-'), 'held');
      // one job at a time, so that jobs are left waiting (with the default, the 3 jobs are all in flight)
      const a = spawnWorker('term', { SIMRUN_TEST_HOLD_FIRST: '1500', SIMRUN_TEST_MARKER: marker }, ['--concurrency', '1'], 10_000);
      await waitFor(`worker to take a job (log: ${a.log()})`, 20_000, () => fs.existsSync(marker));
      const first = fs.readFileSync(marker, 'utf8');
      a.child.kill('SIGTERM');
      expect(await exitOf(a, 20_000), a.log()).toEqual({ code: 0, signal: null });
      expect(a.log()).toContain(`${first}: done`);
      expect(await q.getJobCounts('waiting', 'active', 'completed')).toEqual({ waiting: 2, active: 0, completed: 1 });

      fs.rmSync(marker);
      const b = spawnWorker('term', { SIMRUN_TEST_HOLD_FIRST: '60000', SIMRUN_TEST_MARKER: marker }, ['--concurrency', '1'], 10_000);
      await waitFor(`worker to take a job (log: ${b.log()})`, 20_000, () => fs.existsSync(marker));
      const second = fs.readFileSync(marker, 'utf8');
      b.child.kill('SIGTERM');
      await waitFor('the first SIGTERM to be seen', 5_000, () => b.log().includes('SIGTERM: finishing the current job'));
      b.child.kill('SIGTERM');
      expect(await exitOf(b, 10_000), b.log()).toEqual({ code: 143, signal: null });
      expect(b.log()).toContain(`${second}: released back to the queue`);
      expect(await q.getJobCounts('waiting', 'active', 'completed')).toEqual({ waiting: 2, active: 0, completed: 1 });
      expect(fs.existsSync(path.join(out, second))).toBe(false);
    } finally {
      await q.close();
    }
  });

  it('pipelines its jobs (one read while one simulates and one is written, at most 3 held), byte-identical outputs, a bad job failing alone', async () => {
    const out = tmpDir('simrun-queue-out-');
    const added = await queueCmd('add', '--redis', url, '--queue', 'pipe', '--batch', 'ETH_long/*', '--data', data, '--out', out);
    expect(added.code, added.err).toBe(0);
    const log = sink();
    expect(await workerMain(['--redis', url, '--queue', 'pipe', '--threads', '2', '--until-empty', ...ROOTS], sink(), log)).toBe(0);
    expect(log.text).toContain('up to 3 batch(es) in flight');

    const q = openQueue('pipe');
    try {
      expect(await q.getJobCounts('completed', 'failed')).toEqual({ completed: good.length, failed: 1 });
      const [bad] = await q.getFailed(0, -1);
      expect(bad.data.batch).toBe(POISON_CORRUPT);
      expect(bad.attemptsMade).toBe(1);
      expect(bad.failedReason).toContain(path.join(data, POISON_CORRUPT, 'signals.parquet'));
      expect(bad.failedReason).not.toContain('\n');

      // the phases each job's runner recorded, in the order the jobs were read
      const phases = (await q.getCompleted(0, -1)).map((j) => ({ batch: j.data.batch, ...j.returnvalue.phases }))
        .sort((a, b) => a.read![0] - b.read![0]);
      expect(phases.map((p) => p.batch).sort()).toEqual(good);
      for (const p of phases) expect(p.read![1] <= p.simulate![0] && p.simulate![1] <= p.finish![0], p.batch).toBe(true);
      const overlapping = phases.slice(1).filter((p, k) => p.read![0] < phases[k].finish![1]);
      expect(overlapping.length, 'job k+1 read while job k was still in flight').toBeGreaterThan(0);
      for (let k = 1; k < phases.length; k++) {
        // one batch per phase: reads one after another, writes one after another
        expect(phases[k].read![0]).toBeGreaterThanOrEqual(phases[k - 1].read![1]);
        expect(phases[k].finish![0]).toBeGreaterThanOrEqual(phases[k - 1].finish![1]);
        // at most three held: batch k is read only once batch k−3 is written
        if (k >= 3) expect(phases[k].read![0]).toBeGreaterThanOrEqual(phases[k - 3].finish![1]);
      }
    } finally {
      await q.close();
    }
    for (const b of good) {
      for (const f of OUTPUTS) {
        expect(fs.readFileSync(path.join(out, b, f)).equals(fs.readFileSync(path.join(reference.get(b)!, f))), `${b}/${f}`).toBe(true);
      }
    }
  });

  it('re-adding unchanged batches adds no job; a changed batch replaces its waiting or failed job', async () => {
    const out = tmpDir('simrun-queue-out-');
    const { root, batches } = makeData(3);
    const args = ['--redis', url, '--queue', 'readd', '--data', root, '--out', out];
    expect((await queueCmd('add', ...args, '--batch', 'ETH_long/*')).out).toContain('4 job(s) added');
    const again = await queueCmd('add', ...args, '--batch', 'ETH_long/*');
    expect(again.out).toContain('0 job(s) added, 4 already there (4 waiting)');
    expect((await queueCmd('add', ...args, '--all')).out).toContain('1 job(s) added, 4 already there (4 waiting)');
    const q = openQueue('readd');
    try {
      expect(await q.getJobCounts('waiting')).toEqual({ waiting: 5 });
      // the same batch with other constants is another job
      expect((await queueCmd('add', ...args, '--batch', batches[0], '--fees', '0.001')).out).toContain('1 job(s) added');
      expect(await q.getJobCounts('waiting')).toEqual({ waiting: 6 });
      // a batch whose inputs changed: a new job replaces the waiting one
      writeFile(path.join(root, batches[1], 'params.csv'), 'strategy,tp_stop,sl_stop,tsl_stop\n' +
        Array.from({ length: 6 }, (_, s) => `s${s},0.03,,`).join('\n') + '\n');
      const changed = await queueCmd('add', ...args, '--all');
      expect(changed.out).toContain('1 job(s) added, 4 already there (4 waiting), 1 waiting or failed job(s) with older inputs removed');
      expect(await q.getJobCounts('waiting')).toEqual({ waiting: 6 });

      // run them all; then fix the corrupt batch and re-add: its failure is replaced by the new job
      const w = await workerMain(['--redis', url, '--queue', 'readd', '--threads', '1', '--until-empty', '--quiet', ...ROOTS], sink(), sink());
      expect(w).toBe(0);
      expect(await q.getJobCounts('completed', 'failed')).toEqual({ completed: 4, failed: 2 });
      fs.copyFileSync(path.join(root, batches[0], 'signals.parquet'), path.join(root, POISON_CORRUPT, 'signals.parquet'));
      const fixed = await queueCmd('add', ...args, '--all');
      expect(fixed.out).toContain('1 job(s) added, 4 already there (3 completed, 1 failed), 1 waiting or failed job(s) with older inputs removed');
      expect((await q.getFailed(0, -1)).map((j) => j.data.batch)).toEqual([POISON_NAN]);
      // drain removes what is waiting
      expect((await queueCmd('drain', '--redis', url, '--queue', 'readd')).out).toContain('1 waiting or delayed job(s) removed');
      expect(await q.getJobCounts('waiting', 'completed', 'failed')).toEqual({ waiting: 0, completed: 4, failed: 1 });
    } finally {
      await q.close();
    }
  });

  it('a worker is confined: jobs reading or writing outside its roots, or with bad settings, fail with one line (issue 12, defect 7)', async () => {
    const outRoot = tmpDir('simrun-queue-confined-');
    const elsewhere = tmpDir('simrun-queue-elsewhere-');
    const q = openQueue('confined');
    try {
      const base: SimrunJobData = {
        batch: good[0], data, out: outRoot, compare: false, config: { ...DEFAULT_CONFIG }, inputs: '', addedBy: 'test', addedAt: '',
      };
      const jobs: Array<[string, Partial<SimrunJobData> | Record<string, unknown>, RegExp]> = [
        ['out elsewhere', { out: elsewhere }, /output root .* is outside this worker's output root/],
        ['out through ..', { out: path.join(outRoot, '..', path.basename(elsewhere)) }, /outside this worker's output root/],
        ['data elsewhere', { data: '/etc' }, /data root \/etc is outside this worker's data roots/],
        ['relative out', { out: 'x' }, /not an absolute path/],
        ['batch path escape', { batch: '../../etc/batch_001' }, /bad batch name/],
        ['fees null (a NaN sent as JSON)', { config: { ...DEFAULT_CONFIG, fees: null } }, /fees must be a number/],
        ['negative fees', { config: { ...DEFAULT_CONFIG, fees: -1 } }, /fees must be a finite number ≥ 0/],
        ['slippage 1', { config: { ...DEFAULT_CONFIG, slippage: 1 } }, /slippage/],
      ];
      for (const [name, change] of jobs) await q.add(name, { ...base, ...change } as SimrunJobData, { jobId: name, attempts: 3 });
      const w = await workerMain(['--redis', url, '--queue', 'confined', '--threads', '1', '--until-empty', '--quiet',
        '--out-root', outRoot, '--data-root', data], sink(), sink());
      expect(w).toBe(0);
      const failed = await q.getFailed(0, -1);
      expect(failed.map((j) => j.id).sort()).toEqual(jobs.map(([n]) => n).sort());
      for (const [name, , why] of jobs) {
        const j = failed.find((f) => f.id === name)!;
        expect(j.failedReason, name).toMatch(why);
        expect(j.failedReason).not.toContain('\n');
        expect(j.attemptsMade, `${name}: not retried`).toBe(1);
      }
      expect(fs.readdirSync(outRoot)).toEqual([]);
      expect(fs.readdirSync(elsewhere)).toEqual([]);
    } finally {
      await q.close();
    }
  });

  it('refuses bad arguments and an unreachable Redis with one line and exit code 2', async () => {
    const noArgs = await queueCmd('add', '--redis', url, '--queue', 'x', '--data', data);
    expect(noArgs).toMatchObject({ code: 2, err: 'simrun: error: nothing to add: give --batch <glob> or --all\n' });
    const beside = await queueCmd('add', '--redis', url, '--queue', 'x', '--all', '--data', data, '--out', data);
    expect(beside.code).toBe(2);
    expect(beside.err).toMatch(/^simrun: error: [^\n]*is the batch's input folder[^\n]*\n$/);
    const slip = await queueCmd('add', '--redis', url, '--queue', 'x', '--all', '--data', data, '--out', data, '--slippage', '1');
    expect(slip.err).toMatch(/^simrun: error: --slippage must be a fraction/);
    expect((await queueCmd('status', '--redis', 'http://localhost')).code).toBe(2);
    const port = await freePort();
    const down = await queueCmd('status', '--redis', `redis://127.0.0.1:${port}`);
    expect(down.code).toBe(2);
    expect(down.err).toMatch(new RegExp(`^simrun: error: cannot reach Redis at redis://127.0.0.1:${port}/? \\(ECONNREFUSED\\)\\n$`));
    expect(await workerMain(['--concurrency', '0'], sink(), sink())).toBe(2);
  });
});
