// The batch runner: a worker's jobs (and their input checksums) in a thread of `simrun worker`, so
// that the worker's main thread stays free to renew its job locks in Redis however long the
// synchronous parts of a batch (reading, checksumming, writing, a one-thread simulation) take.
// Without this, a batch that blocks the event loop longer than the lock lets another worker take
// the job while it still runs. The runner takes several jobs at once (messages carry the job's id)
// and runs them through the sweep's BatchPipeline: one read while one simulates and one is written.
import fs from 'node:fs';
import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import { batchPaths, outputDir } from '../batch/layout.js';
import type { SimrunJobData } from './common.js';
import type { SimConfig } from '../config.js';
import { SimrunError } from '../errors.js';
import { BatchPipeline, type PhaseTimes } from '../batch-pipeline.js';
import { planBatch } from '../run-batch.js';
import { inputsChecksum, removeStaleTemporaries } from '../sweep.js';

/** A job's data as the runner thread needs it, plus the worker's thread count. */
export type RunnerTask = Pick<SimrunJobData, 'batch' | 'data' | 'out' | 'compare' | 'inputs'> & {
  /** The job's settings, as confine.ts validated them. */
  config: SimConfig;
  threads: number;
};

export interface RunnerResult {
  inputs: string;
  outDir: string;
  bars: number;
  strategies: number;
  trades: number;
  seconds: number;
  identical?: boolean;
  /** When the batch's read, simulation and finish (build + write) started and ended, ms since the epoch. */
  phases: PhaseTimes;
}

/** An error crossing the thread boundary: a SimrunError keeps its kind. */
export interface RunnerError {
  simrun: boolean;
  kind?: string;
  message: string;
  stack?: string;
}

/** To the runner: run a job. */
export interface RunnerRequest {
  id: string;
  task: RunnerTask;
}

/** From the runner, about the job `id`. */
export type RunnerMessage = { id: string } & (
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; result: RunnerResult }
  | { type: 'error'; error: RunnerError });

export async function runTask(task: RunnerTask, pipeline: BatchPipeline,
  onProgress?: (done: number, total: number) => void): Promise<RunnerResult> {
  if (!fs.existsSync(task.data)) {
    // a machine problem, not the batch's: another worker may see it
    throw new Error(`data root ${task.data} not found on ${os.hostname()} (every worker must read it at this path)`);
  }
  const inputs = inputsChecksum(task.data, task.batch, task.config);
  if (task.inputs && inputs !== task.inputs) {
    throw new SimrunError('bad-value', `inputs differ from when the job was added (changed since, or another copy on ` +
      `${os.hostname()}): re-add the batch with \`simrun queue add\``, batchPaths(task.data, task.batch).dir);
  }
  const t0 = performance.now();
  removeStaleTemporaries(outputDir(task.out, task.batch));
  const batch = pipeline.run(planBatch({
    batch: task.batch, data: task.data, out: task.out, compare: task.compare, threads: task.threads, config: task.config,
    onProgress,
  }), t0);
  const r = await batch.result;
  return {
    inputs, outDir: r.outDir!, bars: r.bars, strategies: r.strategies.length, trades: r.trades, seconds: r.seconds.total,
    ...(r.compare ? { identical: r.compare.ok } : {}), phases: batch.times,
  };
}

if (parentPort) {
  const port = parentPort;
  const pipeline = new BatchPipeline();
  port.on('message', async ({ id, task }: RunnerRequest) => {
    let last = 0;
    try {
      const result = await runTask(task, pipeline, (done, total) => {
        const now = Date.now();
        if (now - last < 1000) return;
        last = now;
        port.postMessage({ id, type: 'progress', done, total } satisfies RunnerMessage);
      });
      port.postMessage({ id, type: 'done', result } satisfies RunnerMessage);
    } catch (e) {
      const error: RunnerError = e instanceof SimrunError
        ? { simrun: true, kind: e.kind, message: e.message, stack: e.stack }
        : { simrun: false, message: String((e as Error)?.message ?? e), stack: (e as Error)?.stack };
      port.postMessage({ id, type: 'error', error } satisfies RunnerMessage);
    }
  });
}
