// runBatch as a library call: batches run at the same time share the kernel's pool one at a time.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { finishBatch, planBatch, readBatch, runBatch, simulateBatch, type RunBatchResult } from '../src/run-batch.js';
import { shutdown } from '../src/simulate.js';
import { barsTable, cleanupTmpDirs, rng, signalsTable, tmpDir, writeFile, writeTable } from './batch/fixtures.js';

afterAll(async () => {
  await shutdown();
  cleanupTmpDirs();
});

const N = 20_000;

function makeData(count: number): { root: string; batches: string[] } {
  const root = tmpDir('simrun-run-batch-');
  const r = rng(3);
  let p = 100;
  const close = Array.from({ length: N }, () => (p = p * (1 + (r() - 0.5) * 0.01)));
  writeTable(path.join(root, 'ETH/ohlcv.parquet'), barsTable({ n: N, close }));
  const batches: string[] = [];
  for (let b = 1; b <= count; b++) {
    const name = `ETH_longshort/batch_${String(b).padStart(3, '0')}`;
    const cols: Record<string, number[]> = {};
    for (let s = 0; s < 6; s++) {
      for (const side of ['long', 'short']) cols[`s${s}:${side}`] = Array.from({ length: N }, () => (r() < 0.02 * b ? 1 : 0));
    }
    writeTable(path.join(root, name, 'signals.parquet'), signalsTable(cols));
    writeFile(path.join(root, name, 'params.csv'), 'strategy,tp_stop,sl_stop,tsl_stop\n' +
      Array.from({ length: 6 }, (_, s) => `s${s},0.0${s + 1},0.01,`).join('\n') + '\n');
    batches.push(name);
  }
  return { root, batches };
}

const rows = (r: RunBatchResult) => r.tradesTable.toArray().map((x) => x.toJSON());

describe('runBatch', () => {
  it('runs batches called at the same time one after another in the kernel, each with its own results', async () => {
    const { root, batches } = makeData(3);
    const alone: RunBatchResult[] = [];
    for (const batch of batches) alone.push(await runBatch({ batch, data: root, write: false, threads: 2 }));
    expect(new Set(alone.map((r) => r.trades)).size).toBe(batches.length); // the batches differ
    // whole calls at once, and the kernel phases of three batches started together
    const together = await Promise.all(batches.map((batch) => runBatch({ batch, data: root, write: false, threads: 2 })));
    const plans = batches.map((batch) => planBatch({ batch, data: root, write: false, threads: 2 }));
    const inputs = await Promise.all(plans.map((plan) => readBatch(plan)));
    const sims = await Promise.all(plans.map((plan, i) => simulateBatch(plan, inputs[i])));
    const phased = await Promise.all(plans.map((plan, i) => finishBatch(plan, inputs[i], sims[i], 0)));
    for (const results of [together, phased]) {
      for (let i = 0; i < batches.length; i++) {
        expect(results[i].trades, batches[i]).toBe(alone[i].trades);
        expect(rows(results[i]), batches[i]).toEqual(rows(alone[i]));
        expect(results[i].metrics, batches[i]).toEqual(alone[i].metrics);
      }
    }
  });
});
