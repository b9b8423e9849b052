// Many batches in one run, resumable. Each finished batch is recorded in `<out>/manifest.json`
// with the checksums of its inputs; a rerun skips batches whose inputs are unchanged and whose
// outputs are in place, and recomputes the rest. Outputs are published atomically before the
// manifest names them, so an interruption at any moment (even kill -9) loses at most the batch in
// flight, and never leaves a half-written output or a duplicated one.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { batchPaths, outputDir } from './batch/layout.js';
import { checkOwnedFile, isOwnedFolder } from './batch/ownership.js';
import { writeFileAtomic } from './batch/write.js';
import type { SimConfig } from './config.js';
import { SimrunError } from './errors.js';
import { BATCHES_IN_FLIGHT, BatchPipeline } from './batch-pipeline.js';
import { planBatch, type RunBatchResult } from './run-batch.js';

export const MANIFEST = 'manifest.json';

export interface ManifestEntry {
  /** sha256 of ohlcv.parquet, signals.parquet, params.csv and the call's constants. */
  inputs: string;
  strategies: number;
  trades: number;
  seconds: number;
  /** Set when the sweep ran with --compare. */
  identical?: boolean;
  finishedAt: string;
}

export interface Manifest {
  version: 1;
  batches: Record<string, ManifestEntry>;
}

export function readManifest(outRoot: string): Manifest {
  const file = path.join(outRoot, MANIFEST);
  if (!fs.existsSync(file)) return { version: 1, batches: {} };
  // a link is never replaced; the content is checked below ("not a simrun manifest")
  checkOwnedFile(file, '', 'the sweep manifest');
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
    if (m.version !== 1 || typeof m.batches !== 'object') throw new Error('unknown layout');
    return m;
  } catch (e) {
    throw new SimrunError('bad-value', `not a simrun manifest (${(e as Error).message}); move it away to start over`, file);
  }
}

/** The manifest on disk is always whole (batch/write.ts: temporary name, fsync, rename). */
function writeManifest(outRoot: string, manifest: Manifest): void {
  fs.mkdirSync(outRoot, { recursive: true });
  writeFileAtomic(path.join(outRoot, MANIFEST), Buffer.from(JSON.stringify(manifest, null, 1) + '\n', 'utf8'));
}

const fileHashes = new Map<string, string>();

function fileHash(file: string): string {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) throw new SimrunError('missing-file', 'file not found', file);
  const key = `${file}:${stat.size}:${stat.mtimeMs}`;
  let h = fileHashes.get(key);
  if (!h) {
    h = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    fileHashes.set(key, h);
  }
  return h;
}

/** The identity of a batch's inputs: file contents and the constants of the call. */
export function inputsChecksum(dataRoot: string, batch: string, config: SimConfig): string {
  const p = batchPaths(dataRoot, batch);
  const h = createHash('sha256');
  for (const f of [p.ohlcv, p.signals, p.params]) h.update(fileHash(f));
  h.update(JSON.stringify(config));
  return h.digest('hex');
}

/**
 * Temporary and old output directories left by a process that was killed while publishing. Only
 * folders simrun made (its marker inside, or empty) are removed: a user's look-alike name is kept.
 */
export function removeStaleTemporaries(outDir: string): void {
  const parent = path.dirname(outDir);
  const base = path.basename(outDir);
  if (!fs.existsSync(parent)) return;
  for (const name of fs.readdirSync(parent)) {
    const m = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)-`).exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    let alive = pid === process.pid;
    if (!alive) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (e) {
        alive = (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    const stale = path.join(parent, name);
    if (!alive && isOwnedFolder(stale)) fs.rmSync(stale, { recursive: true, force: true });
  }
}

export interface SweepOptions {
  batches: string[];
  data: string;
  out: string;
  config: SimConfig;
  compare?: boolean;
  threads?: number;
  /** Recompute even batches the manifest says are done. */
  force?: boolean;
  onBatchStart?: (batch: string, index: number) => void;
  onBatchDone?: (result: RunBatchResult | null, batch: string, skipped: boolean) => void;
  onProgress?: (columnsDone: number, columns: number) => void;
}

export interface SweepSummary {
  batches: number;
  skipped: number;
  ran: number;
  strategies: number;
  trades: number;
  seconds: number;
  /** Batches that differ from their reference (with --compare). */
  differing: string[];
}

/**
 * Runs the batches through a {@link BatchPipeline}: while batch k is in the kernel (on the worker
 * threads), the main thread builds and writes batch k−1's outputs and reads batch k+1's inputs (its
 * signals on the reader thread). At most {@link BATCHES_IN_FLIGHT} batches are in flight, which
 * bounds memory. Each batch is entered in the manifest once its outputs are published, in order; an
 * interruption loses at most the batches in flight.
 */
export async function runSweep(opts: SweepOptions): Promise<SweepSummary> {
  const t0 = performance.now();
  const manifest = readManifest(opts.out);
  const summary: SweepSummary = { batches: opts.batches.length, skipped: 0, ran: 0, strategies: 0, trades: 0, seconds: 0, differing: [] };
  const pipeline = new BatchPipeline(true); // stop at the first failure

  /** The next batch to run (recording the skipped ones on the way), or null. */
  let cursor = 0;
  const nextToRun = (): { batch: string; index: number; inputs: string } | null => {
    for (; cursor < opts.batches.length; cursor++) {
      const batch = opts.batches[cursor];
      const inputs = inputsChecksum(opts.data, batch, opts.config);
      const done = manifest.batches[batch];
      const outputsThere = fs.existsSync(path.join(outputDir(opts.out, batch), 'trades.parquet'));
      if (!opts.force && done && done.inputs === inputs && outputsThere && (!opts.compare || done.identical !== undefined)) {
        summary.skipped++;
        summary.strategies += done.strategies;
        summary.trades += done.trades;
        if (done.identical === false) summary.differing.push(batch);
        opts.onBatchDone?.(null, batch, true);
        continue;
      }
      return { batch, index: cursor++, inputs };
    }
    return null;
  };
  type Job = NonNullable<ReturnType<typeof nextToRun>>;
  const start = (job: Job): Promise<RunBatchResult> => {
    const started = performance.now();
    try {
      removeStaleTemporaries(outputDir(opts.out, job.batch));
      const plan = planBatch({
        batch: job.batch, data: opts.data, out: opts.out, compare: opts.compare, threads: opts.threads, config: opts.config,
        onProgress: opts.onProgress,
      });
      return pipeline.run(plan, started, (phase) => {
        if (phase === 'simulate') opts.onBatchStart?.(job.batch, job.index);
      }).result;
    } catch (e) {
      const failed = Promise.reject(e) as Promise<RunBatchResult>;
      failed.catch(() => {}); // surfaces when its turn comes, like a read failure
      return failed;
    }
  };
  const record = (job: Job, result: RunBatchResult) => {
    manifest.batches[job.batch] = {
      inputs: job.inputs, strategies: result.strategies.length, trades: result.trades, seconds: result.seconds.total,
      ...(result.compare ? { identical: result.compare.ok } : {}),
      finishedAt: new Date().toISOString(),
    };
    writeManifest(opts.out, manifest);
    summary.ran++;
    summary.strategies += result.strategies.length;
    summary.trades += result.trades;
    if (result.compare && !result.compare.ok) summary.differing.push(job.batch);
    opts.onBatchDone?.(result, job.batch, false);
  };

  const inFlight: Array<{ job: Job; result: Promise<RunBatchResult> }> = [];
  try {
    for (;;) {
      while (inFlight.length < BATCHES_IN_FLIGHT) {
        const job = nextToRun();
        if (!job) break;
        inFlight.push({ job, result: start(job) });
      }
      const head = inFlight.shift();
      if (!head) break;
      record(head.job, await head.result); // an earlier batch's failure comes first
    }
  } catch (e) {
    // stop cleanly: let the kernel and the writes in flight finish before reporting the first failure
    await Promise.allSettled(inFlight.map((f) => f.result));
    throw e;
  }
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;
}
