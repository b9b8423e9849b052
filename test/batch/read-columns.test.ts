// readParquetColumns (C data interface, column by column) must give what readParquetTable (IPC)
// gives: on vectorbt's committed outputs, and on the types pyarrow may write (dictionary and large
// strings, nulls, several row groups); anything else, and every error, goes the general way.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';

import { readParquetColumns } from '../../src/batch/read-columns.js';
import { readParquetTable } from '../../src/batch/read.js';
import { numbers, requireColumn, stringCodes } from '../../src/columns.js';
import { REFERENCE_TRADE_COLUMNS } from '../../src/compare.js';
import { cleanupTmpDirs, tmpDir, writeFile } from './fixtures.js';

const root = (rel: string) => fileURLToPath(new URL(`../../reference-data/${rel}`, import.meta.url));
const python = root('.venv/bin/python');

afterAll(cleanupTmpDirs);

/** Every column of `got` holds the values of the same column of `want` (strings as decoded text). */
function expectSameColumns(got: arrow.Table, want: arrow.Table, file: string): void {
  expect(got.numRows).toBe(want.numRows);
  for (const f of got.schema.fields) {
    const w = requireColumn(want, f.name, file);
    if (arrow.DataType.isDate(w.type)) {
      expect(Array.from(got.getChild(f.name)!.toArray() as Int32Array)).toEqual(Array.from(w.toArray() as Int32Array));
    } else if (arrow.DataType.isInt(w.type) || arrow.DataType.isFloat(w.type)) {
      expect(Array.from(numbers(got, f.name, file))).toEqual(Array.from(numbers(want, f.name, file)));
    } else {
      const a = stringCodes(got, f.name, [], file);
      const b = stringCodes(want, f.name, [], file);
      expect(Array.from(a.codes, (c) => a.names[c])).toEqual(Array.from(b.codes, (c) => b.names[c]));
    }
  }
}

describe('readParquetColumns', () => {
  const batch = root('data/ETH_longshort/batch_001');

  it('reads vectorbt\'s trades (only the columns asked for), metrics and daily returns as the IPC path does', async () => {
    const trades = path.join(batch, 'trades.parquet');
    const got = await readParquetColumns(trades, REFERENCE_TRADE_COLUMNS);
    expect(got.schema.fields.map((f) => f.name)).toEqual([...REFERENCE_TRADE_COLUMNS]);
    expectSameColumns(got, readParquetTable(trades), trades);
    for (const name of ['metrics.parquet', 'daily_returns.parquet']) {
      const file = path.join(batch, name);
      const all = await readParquetColumns(file);
      const want = readParquetTable(file);
      expect(all.schema.fields.map((f) => f.name)).toEqual(want.schema.fields.map((f) => f.name));
      expectSameColumns(all, want, file);
    }
  });

  it('copies dictionary and large strings, nulls and several row groups', async () => {
    const file = path.join(tmpDir('simrun-readcols-'), 'mixed.parquet');
    execFileSync(python, ['-c', [
      'import sys, datetime, pyarrow as pa, pyarrow.parquet as pq',
      'n = 5000',
      'names = ["s%03d" % (i // 700) if i % 37 else None for i in range(n)]',
      't = pa.table({',
      '  "dict": pa.array(names).dictionary_encode(),',
      '  "large": pa.array(["é" * (i % 5) if i % 11 else None for i in range(n)], pa.large_string()),',
      '  "plain": pa.array(names),',
      '  "i64": pa.array([i * 3 - 7000 if i % 13 else None for i in range(n)], pa.int64()),',
      '  "i32": pa.array([i - 2500 for i in range(n)], pa.int32()),',
      '  "f64": pa.array([i / 7 if i % 17 else None for i in range(n)], pa.float64()),',
      '  "day": pa.array([datetime.date(2020, 1, 1) + datetime.timedelta(days=i) for i in range(n)], pa.date32()),',
      '})',
      'pq.write_table(t, sys.argv[1], row_group_size=1200)',
    ].join('\n'), file]);
    const got = await readParquetColumns(file);
    expect(got.batches.length).toBeGreaterThan(1);
    expect(arrow.DataType.isDictionary(got.getChild('dict')!.type)).toBe(true);
    expect(got.getChild('f64')!.nullCount).toBeGreaterThan(0);
    expectSameColumns(got, readParquetTable(file), file);
  });

  it('leaves a missing column and a corrupt file to the general reader\'s one-line errors', async () => {
    const trades = path.join(batch, 'trades.parquet');
    const got = await readParquetColumns(trades, ['strategy', 'no_such_column']);
    expect(() => requireColumn(got, 'no_such_column', trades)).toThrow(/missing column "no_such_column" \(columns: strategy, trade_id/);
    const bad = writeFile(path.join(tmpDir('simrun-readcols-'), 'trades.parquet'), 'not parquet at all');
    await expect(readParquetColumns(bad)).rejects.toThrow(/trades\.parquet.*not a readable parquet file/);
  });
});
