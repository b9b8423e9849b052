// --compare against a reference written by pyarrow (as vectorbt's are), altered by the smallest
// amounts that matter: one pnl moved by 1 ulp (within rtol: still identical, one float fewer
// bit-identical) and one trade removed (one mismatching record, named in the examples).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

import { runBatch } from '../src/run-batch.js';
import { shutdown } from '../src/simulate.js';
import { cleanupTmpDirs, tmpDir } from './batch/fixtures.js';

const root = (rel: string) => fileURLToPath(new URL(`../reference-data/${rel}`, import.meta.url));
const python = root('.venv/bin/python');
const BATCH = 'BTC_long/batch_001';

afterAll(() => { cleanupTmpDirs(); return shutdown(); });

/** A copy of the committed BTC_long batch whose reference trades.parquet `alter` (python, given `t`) rewrites. */
function alteredData(alter: string): string {
  const data = tmpDir('simrun-compare-');
  fs.cpSync(root('data/BTC'), path.join(data, 'BTC'), { recursive: true });
  fs.cpSync(root(`data/${BATCH}`), path.join(data, BATCH), { recursive: true });
  const file = path.join(data, BATCH, 'trades.parquet');
  const script = [
    'import sys, numpy as np, pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq',
    'f = sys.argv[1]', 't = pq.read_table(f)', alter, 'pq.write_table(t, f)',
  ].join('\n');
  execFileSync(python, ['-c', script, file], { encoding: 'utf8' });
  return data;
}

const compare = async (data: string) => (await runBatch({ batch: BATCH, data, compare: true, write: false, threads: 2 })).compare!;

describe('--compare on an altered pyarrow reference', () => {
  it('counts a pnl 1 ulp away as equal within rtol but not bit-identical', async () => {
    const c = await compare(alteredData([
      'pnl = t.column("pnl").to_numpy().copy()',
      'pnl[5] = np.nextafter(pnl[5], np.inf)',
      't = t.set_column(t.schema.get_field_index("pnl"), "pnl", pa.array(pnl))',
    ].join('\n')));
    expect(c.mismatchedRecords).toBe(0);
    expect(c.examples).toEqual([]);
    expect(c.comparedFloats).toBe(7 * c.referenceTrades);
    expect(c.bitIdenticalFloats).toBe(c.comparedFloats - 1);
    expect(c.ok).toBe(true);
  });

  it('catches one removed trade as one mismatching record of its strategy', async () => {
    // the last trade of s012, so no later trade shifts
    const c = await compare(alteredData([
      'rows = np.flatnonzero(pc.equal(t.column("strategy"), "s012").to_numpy(zero_copy_only=False))',
      'keep = np.ones(t.num_rows, bool); keep[rows[-1]] = False',
      't = t.filter(pa.array(keep))',
    ].join('\n')));
    expect(c.referenceTrades).toBe(c.ourTrades - 1);
    expect(c.mismatchedRecords).toBe(1);
    expect(c.strategiesExact).toBe(c.strategies - 1);
    expect(c.examples).toHaveLength(1);
    expect(c.examples[0]).toMatch(/^s012: (\d+) trades, reference has (\d+)$/);
    const [, ours, ref] = /^s012: (\d+) trades, reference has (\d+)$/.exec(c.examples[0])!;
    expect(Number(ref)).toBe(Number(ours) - 1);
    expect(c.ok).toBe(false);
  });
});
