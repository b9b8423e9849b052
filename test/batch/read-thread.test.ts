// signals.parquet read on the reader thread: the same columns as in this thread, errors with their kind.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { readSignals, type BitColumn } from '../../src/batch/read.js';
import { bitColumnLength, unpackBits } from './unpack-bits.js';
import { closeReadThread, readSignalsOffThread, startSignalsRead } from '../../src/batch/read-thread.js';
import { cleanupTmpDirs, expectSimrunErrorAsync, rng, signalsTable, tmpDir, writeFile, writeTable } from './fixtures.js';

afterAll(async () => {
  await closeReadThread();
  cleanupTmpDirs();
});

const unpack = (col: BitColumn | null) => {
  if (!col) return null;
  const dst = new Uint8Array(bitColumnLength(col));
  unpackBits(col, dst);
  return Array.from(dst);
};

describe('readSignalsOffThread', () => {
  it('gives the columns readSignals gives, exits included, for several files at once', async () => {
    const dir = tmpDir();
    const r = rng(5);
    const files = [1, 2, 3].map((k) => {
      const cols: Record<string, number[]> = {};
      for (let s = 0; s < 20 * k; s++) {
        for (const side of ['long', 'short']) cols[`s${s}:${side}`] = Array.from({ length: 700 }, () => (r() < 0.1 ? 1 : 0));
        // exits (issue 14) on some strategies, one side alone on some
        if (s % 3 === 0) cols[`s${s}:long_exit`] = Array.from({ length: 700 }, () => (r() < 0.1 ? 1 : 0));
        if (s % 5 === 0) cols[`s${s}:short_exit`] = Array.from({ length: 700 }, () => (r() < 0.1 ? 1 : 0));
      }
      return { file: writeTable(path.join(dir, `${k}`, 'signals.parquet'), signalsTable(cols)), strategies: Array.from({ length: 20 * k }, (_, s) => `s${s}`) };
    });
    const opts = (strategies: string[]) => ({ direction: 'longshort' as const, strategies });
    const there = await Promise.all(files.map((f) => readSignalsOffThread(f.file, opts(f.strategies), 0)));
    for (const [i, f] of files.entries()) {
      const here = await readSignals(f.file, opts(f.strategies));
      expect(there[i].rows).toBe(700);
      expect([...there[i].columns.keys()]).toEqual(f.strategies);
      for (const s of f.strategies) {
        for (const side of ['long', 'short', 'longExit', 'shortExit'] as const) {
          expect(unpack(there[i].columns.get(s)![side]), `${s} ${side}`).toEqual(unpack(here.columns.get(s)![side]));
        }
        expect(there[i].columns.get(s)!.longExit === null, s).toBe(Number(s.slice(1)) % 3 !== 0);
        expect(there[i].columns.get(s)!.shortExit === null, s).toBe(Number(s.slice(1)) % 5 !== 0);
      }
    }
  });

  it('gives the same columns when this thread helps (groups shared between the threads)', async () => {
    const r = rng(9);
    const cols: Record<string, number[]> = {};
    const strategies = Array.from({ length: 150 }, (_, s) => `s${s}`); // 10 groups of 16 columns
    for (const s of strategies) cols[s] = Array.from({ length: 3000 }, () => (r() < 0.2 ? 1 : 0));
    const f = writeTable(path.join(tmpDir(), 'signals.parquet'), signalsTable(cols));
    const opts = { direction: 'long' as const, strategies };
    const here = await readSignals(f, opts);
    for (let k = 0; k < 3; k++) {
      const shared = await startSignalsRead(f, opts, 0).finish(true);
      expect([...shared.columns.keys()]).toEqual(strategies);
      for (const s of strategies) expect(unpack(shared.columns.get(s)!.long), s).toEqual(unpack(here.columns.get(s)!.long));
    }
  });

  it('passes a SimrunError back with its kind, file and message', async () => {
    const f = writeFile(path.join(tmpDir(), 'signals.parquet'), 'garbage');
    const e = await expectSimrunErrorAsync(() => readSignalsOffThread(f, { direction: 'long', strategies: ['a'] }, 0),
      'corrupt-parquet', f, 'not a readable parquet file');
    expect(e.file).toBe(f);
    expect(e.message.startsWith(`${f}: not a readable`)).toBe(true);
    await expectSimrunErrorAsync(() => startSignalsRead(f, { direction: 'long', strategies: ['a'] }, 0).finish(true),
      'corrupt-parquet', f, 'not a readable parquet file');
  });
});
