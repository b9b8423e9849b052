import path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';

import { parquetRowCount } from '../../src/batch/metadata.js';
import { tableToParquet } from '../../src/batch/write.js';
import { cleanupTmpDirs, tmpDir, writeFile } from './fixtures.js';

afterAll(cleanupTmpDirs);

async function rejection(p: Promise<unknown>): Promise<{ name: string; kind: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { name: string; kind: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('parquetRowCount', () => {
  it('gives the row count from the footer', async () => {
    const dir = tmpDir();
    const t = new arrow.Table({ x: arrow.makeVector(Float64Array.from({ length: 12_345 }, (_, i) => i)) });
    expect(await parquetRowCount(writeFile(path.join(dir, 'a.parquet'), tableToParquet(t)))).toBe(12_345);
    const empty = new arrow.Table({ x: arrow.makeVector(new Float64Array(0)) });
    expect(await parquetRowCount(writeFile(path.join(dir, 'e.parquet'), tableToParquet(empty)))).toBe(0);
  });

  it('names a missing or unreadable file', async () => {
    const dir = tmpDir();
    const missing = await rejection(parquetRowCount(path.join(dir, 'none.parquet')));
    expect([missing.name, missing.kind]).toEqual(['SimrunError', 'missing-file']);
    const bad = await rejection(parquetRowCount(writeFile(path.join(dir, 'b.parquet'), 'not parquet')));
    expect([bad.name, bad.kind]).toEqual(['SimrunError', 'corrupt-parquet']);
    expect(bad.message).toContain('b.parquet');
  });
});
