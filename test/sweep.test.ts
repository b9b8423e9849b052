// Sweeps over many batches: resumable through the manifest, idempotent, safe to interrupt at any
// moment (a real kill -9 included), and recomputing batches whose inputs changed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MARKER_TEXT, OUTPUT_MARKER } from '../src/batch/ownership.js';
import { readParquetTable } from '../src/batch/write.js';
import { DEFAULT_CONFIG } from '../src/config.js';
import { shutdown } from '../src/simulate.js';
import { runBatch } from '../src/run-batch.js';
import { inputsChecksum, MANIFEST, readManifest, runSweep } from '../src/sweep.js';
import { validateConfig, type SettingsInput } from '../src/validate.js';
import { barsTable, cleanupTmpDirs, rng, signalsTable, tmpDir, writeFile, writeTable } from './batch/fixtures.js';

afterAll(async () => {
  await shutdown();
  cleanupTmpDirs();
});

const N = 3000;

/** A data root with `count` small long batches of one asset. */
function makeData(count: number): { root: string; batches: string[] } {
  const root = tmpDir('simrun-sweep-');
  const r = rng(7);
  let p = 100;
  const close = Array.from({ length: N }, () => (p = p * (1 + (r() - 0.5) * 0.01)));
  writeTable(path.join(root, 'ETH/ohlcv.parquet'), barsTable({ n: N, close }));
  const batches: string[] = [];
  for (let b = 1; b <= count; b++) {
    const name = `ETH_long/batch_${String(b).padStart(3, '0')}`;
    const cols: Record<string, number[]> = {};
    for (let s = 0; s < 8; s++) cols[`s${s}`] = Array.from({ length: N }, () => (r() < 0.01 ? 1 : 0));
    writeTable(path.join(root, name, 'signals.parquet'), signalsTable(cols));
    writeFile(path.join(root, name, 'params.csv'),
      'strategy,tp_stop,sl_stop,tsl_stop\n' + Object.keys(cols).map((s) => `${s},0.02,0.01,0.005`).join('\n') + '\n');
    batches.push(name);
  }
  return { root, batches };
}

const config = { ...DEFAULT_CONFIG };

function leftovers(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => /\.(tmp|old)-/.test(f));
}

describe('runSweep', () => {
  it('runs every batch once, then skips them all on a rerun', async () => {
    const { root, batches } = makeData(3);
    const out = tmpDir('simrun-sweep-out-');
    const first = await runSweep({ batches, data: root, out, config, threads: 1 });
    expect(first).toMatchObject({ batches: 3, ran: 3, skipped: 0, strategies: 24 });
    const again = await runSweep({ batches, data: root, out, config, threads: 1 });
    expect(again).toMatchObject({ batches: 3, ran: 0, skipped: 3, strategies: 24, trades: first.trades });
    expect(Object.keys(readManifest(out).batches).sort()).toEqual(batches);
  });

  it('resumes after an interruption without redoing or duplicating finished batches', async () => {
    const { root, batches } = makeData(4);
    const out = tmpDir('simrun-sweep-out-');
    const started: string[] = [];
    await expect(runSweep({
      batches, data: root, out, config, threads: 1,
      onBatchStart: (b, i) => {
        if (i === 2) throw new Error('interrupted');
        started.push(b);
      },
    })).rejects.toThrow('interrupted');
    expect(Object.keys(readManifest(out).batches).sort()).toEqual(batches.slice(0, 2));
    const resumed: string[] = [];
    const summary = await runSweep({ batches, data: root, out, config, threads: 1, onBatchStart: (b) => resumed.push(b) });
    expect(resumed).toEqual(batches.slice(2));
    expect(summary).toMatchObject({ ran: 2, skipped: 2 });
  });

  it('recomputes a batch whose inputs changed, and only that one', async () => {
    const { root, batches } = makeData(3);
    const out = tmpDir('simrun-sweep-out-');
    await runSweep({ batches, data: root, out, config, threads: 1 });
    writeFile(path.join(root, batches[1], 'params.csv'), 'strategy,tp_stop,sl_stop,tsl_stop\n' +
      Array.from({ length: 8 }, (_, s) => `s${s},0.03,,`).join('\n') + '\n');
    const ran: string[] = [];
    await runSweep({ batches, data: root, out, config, threads: 1, onBatchStart: (b) => ran.push(b) });
    expect(ran).toEqual([batches[1]]);
    // and a different call (fees) recomputes everything
    const all: string[] = [];
    await runSweep({ batches, data: root, out, config: { ...config, fees: 0.001 }, threads: 1, onBatchStart: (b) => all.push(b) });
    expect(all).toEqual(batches);
  });

  it('removes stale temporaries of dead runs only when simrun made them; never a look-alike user folder', async () => {
    const { root, batches } = makeData(1);
    const out = tmpDir('simrun-sweep-out-');
    const group = path.join(out, 'ETH_long');
    const dead = 2 ** 22 + 12345; // above Linux's pid_max default: no such process
    const ours = path.join(group, `batch_001.tmp-${dead}-aaaaaaaaaaaa`);
    const theirs = path.join(group, `batch_001.old-${dead}-bbbbbbbbbbbb`);
    writeFile(path.join(ours, OUTPUT_MARKER), MARKER_TEXT);
    writeFile(path.join(ours, 'trades.parquet'), 'half');
    writeFile(path.join(theirs, 'notes.txt'), 'a user folder with an unlucky name');
    await runSweep({ batches, data: root, out, config, threads: 1 });
    expect(fs.existsSync(ours)).toBe(false);
    expect(fs.readFileSync(path.join(theirs, 'notes.txt'), 'utf8')).toBe('a user folder with an unlucky name');
  });

  it('pipelines batches with the outputs each batch gets alone', async () => {
    const { root, batches } = makeData(3);
    const out = tmpDir('simrun-sweep-out-');
    const alone = tmpDir('simrun-sweep-alone-');
    const order: string[] = [];
    await runSweep({
      batches, data: root, out, config, threads: 2,
      onBatchStart: (b) => order.push(`start ${b}`),
      onBatchDone: (_r, b) => order.push(`done ${b}`),
    });
    // batch k starts in the kernel before batch k−1's outputs are written
    expect(order).toEqual([
      `start ${batches[0]}`, `start ${batches[1]}`, `done ${batches[0]}`,
      `start ${batches[2]}`, `done ${batches[1]}`, `done ${batches[2]}`,
    ]);
    for (const b of batches) {
      await runBatch({ batch: b, data: root, out: alone, config, threads: 1 });
      for (const f of ['trades.parquet', 'metrics.parquet', 'daily_returns.parquet']) {
        expect(fs.readFileSync(path.join(out, b, f)).equals(fs.readFileSync(path.join(alone, b, f))), `${b} ${f}`).toBe(true);
      }
    }
  });

  it('stops at a bad batch with its error, keeping the batches before it', async () => {
    const { root, batches } = makeData(4);
    writeFile(path.join(root, batches[2], 'signals.parquet'), 'not parquet');
    const out = tmpDir('simrun-sweep-out-');
    const started: string[] = [];
    await expect(runSweep({ batches, data: root, out, config, threads: 2, onBatchStart: (b) => started.push(b) }))
      .rejects.toThrow(/signals\.parquet: not a readable parquet file/);
    expect(started).toEqual(batches.slice(0, 2));
    expect(Object.keys(readManifest(out).batches).sort()).toEqual(batches.slice(0, 2));
    for (const b of batches.slice(0, 2)) expect(fs.existsSync(path.join(out, b, 'trades.parquet'))).toBe(true);
    expect(fs.existsSync(path.join(out, batches[3]))).toBe(false);
    expect(leftovers(out)).toEqual([]);
  });

  it('refuses a manifest it cannot read, naming it', async () => {
    const { root, batches } = makeData(1);
    const out = tmpDir('simrun-sweep-out-');
    writeFile(path.join(out, MANIFEST), '{ not json');
    await expect(runSweep({ batches, data: root, out, config })).rejects.toThrow(/manifest\.json: not a simrun manifest/);
  });
});

describe('simrun --all, killed with SIGKILL mid-sweep', () => {
  it('finishes on rerun with every batch exactly once and nothing half-written', async () => {
    const { root, batches } = makeData(6);
    const out = tmpDir('simrun-sweep-out-');
    const bin = fileURLToPath(new URL('../bin/simrun.js', import.meta.url));
    // reference: an uninterrupted sweep into another directory
    const clean = tmpDir('simrun-sweep-out-');
    await runSweep({ batches, data: root, out: clean, config, threads: 1 });

    const child = spawn(process.execPath, [bin, '--all', '--data', root, '--out', out, '--threads', '1'], { stdio: 'ignore' });
    const manifest = path.join(out, MANIFEST);
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (fs.existsSync(manifest) && Object.keys(readManifest(out).batches).length >= 1) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 5);
      child.on('exit', () => { clearInterval(timer); resolve(); });
      child.on('error', reject);
    });
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.on('exit', resolve)));
    const finishedBefore = Object.keys(readManifest(out).batches).length;
    expect(finishedBefore).toBeGreaterThanOrEqual(1);

    const ran: string[] = [];
    const summary = await runSweep({ batches, data: root, out, config, threads: 1, onBatchStart: (b) => ran.push(b) });
    expect(summary.ran + summary.skipped).toBe(batches.length);
    expect(new Set(ran).size).toBe(ran.length);
    expect(summary.skipped).toBeGreaterThanOrEqual(finishedBefore);
    expect(Object.keys(readManifest(out).batches).sort()).toEqual(batches);
    expect(leftovers(out)).toEqual([]);
    // the interrupted-then-resumed outputs equal the uninterrupted ones, batch for batch
    for (const b of batches) {
      const a = readParquetTable(path.join(out, b, 'trades.parquet'));
      const c = readParquetTable(path.join(clean, b, 'trades.parquet'));
      expect(a.toArray().map((r) => r.toJSON())).toEqual(c.toArray().map((r) => r.toJSON()));
    }
  });
});

describe('inputsChecksum', () => {
  it('changes when any setting changes (a sweep reruns a batch under new settings)', () => {
    const data = fileURLToPath(new URL('../reference-data/data', import.meta.url));
    const batch = 'BTC_long/batch_001';
    const base = inputsChecksum(data, batch, validateConfig({}, 'test'));
    expect(inputsChecksum(data, batch, validateConfig({}, 'test'))).toBe(base);
    const changed: SettingsInput[] = [
      { fees: 0.001 }, { fixedFees: 1 }, { slippage: 0 }, { initCash: 5000 }, { price: 'Open' }, { size: 10 },
      { sizeType: 'Value' }, { accumulate: 'Both' }, { uponOppositeEntry: 'Close' }, { uponLongConflict: 'Entry' },
      { uponShortConflict: 'Exit' }, { uponDirConflict: 'Long' }, { stopEntryPrice: 'Price' }, { stopExitPrice: 'StopMarket' },
      { uponStopExit: 'Reverse' }, { minSize: 1e-6 },
    ];
    expect(new Set(changed.flatMap((c) => Object.keys(c)))).toEqual(new Set(Object.keys(DEFAULT_CONFIG)));
    const sums = changed.map((c) => inputsChecksum(data, batch, validateConfig(c, 'test')));
    expect(new Set([base, ...sums]).size).toBe(changed.length + 1);
  });
});
