import fs from 'node:fs';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { Compression, Encoding, ParquetFile } from 'parquet-wasm';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

import { readParquetTable as readFromRead } from '../../src/batch/read.js';
import { publishBatchOutputs, readParquetTable, tableToParquet, tableToParquetInGroups } from '../../src/batch/write.js';
import { MARKER_TEXT, OUTPUT_MARKER } from '../../src/batch/ownership.js';
import { cleanupTmpDirs, expectSimrunError, tmpDir, writeFile } from './fixtures.js';

afterAll(cleanupTmpDirs);
afterEach(() => {
  vi.restoreAllMocks();
});

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Names in `dir` that look like our temporaries. */
function leftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.includes('.tmp-') || n.includes('.old-'));
}

/** The files of an output folder simrun published (its marker checked, then left out). */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const listed = fs.readFileSync(path.join(dir, OUTPUT_MARKER), 'utf8');
  expect(listed.startsWith(MARKER_TEXT)).toBe(true);
  for (const n of fs.readdirSync(dir).sort()) if (n !== OUTPUT_MARKER) out[n] = dec(fs.readFileSync(path.join(dir, n)));
  expect(listed.slice(MARKER_TEXT.length).split('\n').filter(Boolean).sort()).toEqual(Object.keys(out));
  return out;
}

describe('tableToParquet', () => {
  it('writes parquet that reads back with the same columns, types and values', () => {
    const n = 3000;
    const table = new arrow.Table({
      strategy: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => `s${i % 7}`), new arrow.Utf8()),
      trade_id: arrow.makeVector(BigInt64Array.from({ length: n }, (_, i) => BigInt(i))),
      entry_time: arrow.makeVector(
        arrow.makeData({
          type: new arrow.TimestampMillisecond('UTC'),
          length: n,
          nullCount: 0,
          data: BigInt64Array.from({ length: n }, (_, i) => BigInt(1_700_000_000_000 + i * 60_000)),
        }),
      ),
      pnl: arrow.makeVector(Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 100)),
      date: arrow.makeVector(arrow.makeData({ type: new arrow.DateDay(), length: n, nullCount: 0, data: Int32Array.from({ length: n }, (_, i) => 19000 + i) })),
    });
    const bytes = tableToParquet(table);
    expect(dec(bytes.subarray(0, 4))).toBe('PAR1');
    expect(dec(bytes.subarray(bytes.length - 4))).toBe('PAR1');
    const f = writeFile(path.join(tmpDir(), 'x.parquet'), bytes);
    const back = readParquetTable(f);
    expect(back.numRows).toBe(n);
    expect(back.schema.fields.map((x) => `${x.name}:${x.type}`)).toEqual(table.schema.fields.map((x) => `${x.name}:${x.type}`));
    expect(back.getChild('strategy')!.get(9)).toBe('s2');
    expect(back.getChild('trade_id')!.get(2999)).toBe(2999n);
    expect(back.getChild('entry_time')!.get(1)).toBe(1_700_000_060_000);
    expect(Array.from(back.getChild('pnl')!.toArray() as Float64Array)).toEqual(Array.from(table.getChild('pnl')!.toArray() as Float64Array));
    expect(back.getChild('date')!.get(0)).toBe(19000 * 86_400_000);
    // compressed: the repetitive columns take far less than their raw size
    expect(bytes.length).toBeLessThan(n * (8 + 8 + 8 + 4));
  });

  it('writes tables whose columns share memory (same typed array twice, overlapping views, dictionaries)', () => {
    const n = 1000;
    const mem = new Float64Array(2 * n).map((_, i) => i + 0.5);
    const shared = mem.subarray(0, n);
    const strings = Array.from({ length: n }, (_, i) => `k${i % 4}`);
    const table = new arrow.Table({
      a: arrow.makeVector(shared),
      b: arrow.makeVector(shared), // the very same typed array
      c: arrow.makeVector(mem.subarray(n / 2, n / 2 + n)), // overlaps a and b
      d: arrow.vectorFromArray(strings), // dictionary<utf8>
      e: arrow.vectorFromArray(strings),
    });
    const back = readParquetTable(writeFile(path.join(tmpDir(), 's.parquet'), tableToParquet(table)));
    expect(Array.from(back.getChild('a')!.toArray() as Float64Array)).toEqual(Array.from(shared));
    expect(Array.from(back.getChild('b')!.toArray() as Float64Array)).toEqual(Array.from(shared));
    expect(Array.from(back.getChild('c')!.toArray() as Float64Array)).toEqual(Array.from(mem.subarray(n / 2, n / 2 + n)));
    expect(back.getChild('e')!.get(7)).toBe('k3');
    // the input table is left as it was
    expect(table.getChild('a')!.data[0].values).toBe(shared);
  });

  it('re-writes a table that was read from parquet (all columns are views of one buffer)', () => {
    const n = 2000;
    const t = new arrow.Table({
      x: arrow.makeVector(Float64Array.from({ length: n }, (_, i) => i)),
      y: arrow.makeVector(Int32Array.from({ length: n }, (_, i) => -i)),
    });
    const once = readParquetTable(writeFile(path.join(tmpDir(), '1.parquet'), tableToParquet(t)));
    const twice = readParquetTable(writeFile(path.join(tmpDir(), '2.parquet'), tableToParquet(once)));
    expect(twice.getChild('x')!.get(1999)).toBe(1999);
    expect(twice.getChild('y')!.get(1999)).toBe(-1999);
  });

  it('writes an empty table', () => {
    const table = new arrow.Table({ a: arrow.makeVector(new Float64Array(0)) });
    const f = writeFile(path.join(tmpDir(), 'e.parquet'), tableToParquet(table));
    const back = readParquetTable(f);
    expect(back.numRows).toBe(0);
    expect(back.schema.fields.map((x) => x.name)).toEqual(['a']);
  });

  it('encodes each column by type: strings with a dictionary, floats byte-stream-split, integers and times delta', async () => {
    const n = 5000;
    const table = new arrow.Table({
      s: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => `s${i % 3}`), new arrow.Utf8()),
      f: arrow.makeVector(Float64Array.from({ length: n }, (_, i) => i / 7)),
      i: arrow.makeVector(BigInt64Array.from({ length: n }, (_, i) => BigInt(i * 3))),
    });
    const meta = (await ParquetFile.fromFile(new Blob([tableToParquet(table) as Uint8Array<ArrayBuffer>]))).metadata();
    const encodings = meta.rowGroup(0).columns().map((c) => c.encodings());
    expect(encodings[0]).toContain(Encoding.RLE_DICTIONARY);
    expect(encodings[1]).toContain(Encoding.BYTE_STREAM_SPLIT);
    expect(encodings[1]).not.toContain(Encoding.RLE_DICTIONARY);
    expect(encodings[2]).toContain(Encoding.DELTA_BINARY_PACKED);
    expect(meta.rowGroup(0).column(0).compression()).toBe(Compression.SNAPPY);
  });

  it('re-exports the reader', () => {
    expect(readParquetTable).toBe(readFromRead);
  });
});

describe('tableToParquetInGroups', () => {
  const n = 2500;
  const table = new arrow.Table({
    strategy: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => `s${Math.floor(i / 300)}`), new arrow.Utf8()),
    idx: arrow.makeVector(BigInt64Array.from({ length: n }, (_, i) => BigInt(i))),
    pnl: arrow.makeVector(Float64Array.from({ length: n }, (_, i) => Math.cos(i))),
  });

  it('writes one row group per slice and reads back as the whole table', async () => {
    const chunks = await tableToParquetInGroups(table, 1000);
    expect(chunks.length).toBeGreaterThan(1);
    const bytes = Buffer.concat(chunks);
    const meta = (await ParquetFile.fromFile(new Blob([bytes]))).metadata();
    expect(meta.rowGroups().map((g) => g.numRows())).toEqual([1000, 1000, 500]);
    const back = readParquetTable(writeFile(path.join(tmpDir(), 'g.parquet'), bytes));
    expect(back.getChild('strategy')!.toArray()).toEqual(table.getChild('strategy')!.toArray());
    expect(back.getChild('idx')!.toArray()).toEqual(table.getChild('idx')!.toArray());
    expect(back.getChild('pnl')!.toArray()).toEqual(table.getChild('pnl')!.toArray());
  });

  it('writes small and empty tables in one call', async () => {
    const small = Buffer.concat(await tableToParquetInGroups(table, n));
    expect(readParquetTable(writeFile(path.join(tmpDir(), 's.parquet'), small)).numRows).toBe(n);
    const empty = Buffer.concat(await tableToParquetInGroups(table.slice(0, 0)));
    expect(readParquetTable(writeFile(path.join(tmpDir(), 'e.parquet'), empty)).numRows).toBe(0);
  });

  it('writes columns that are views of one buffer, overlapping or not', async () => {
    const mem = new Float64Array(4 * n).map((_, i) => i * 0.25);
    const t = new arrow.Table({
      a: arrow.makeVector(mem.subarray(0, n)),
      b: arrow.makeVector(mem.subarray(n, 2 * n)), // right after a: no copy needed
      c: arrow.makeVector(mem.subarray(n / 2, n / 2 + n)), // overlaps a and b
    });
    const back = readParquetTable(writeFile(path.join(tmpDir(), 'v.parquet'), Buffer.concat(await tableToParquetInGroups(t, 1000))));
    for (const [name, from] of [['a', 0], ['b', n], ['c', n / 2]] as const) {
      expect(Array.from(back.getChild(name)!.toArray() as Float64Array)).toEqual(Array.from(mem.subarray(from, from + n)));
    }
  });

});

describe('publishBatchOutputs', () => {
  it('creates the output directory (and parents) with exactly the given files', () => {
    const root = tmpDir();
    const out = path.join(root, 'BTC_long', 'batch_001');
    publishBatchOutputs(out, { 'trades.parquet': enc('T'), 'metrics.parquet': enc('M'), 'daily_returns.parquet': enc('D') });
    expect(contents(out)).toEqual({ 'daily_returns.parquet': 'D', 'metrics.parquet': 'M', 'trades.parquet': 'T' });
    expect(leftovers(path.dirname(out))).toEqual([]);
  });

  it('writes a file given as chunks, in order', () => {
    const out = path.join(tmpDir(), 'c');
    publishBatchOutputs(out, { 'a.parquet': [enc('ab'), enc(''), enc('cde')], 'b.parquet': enc('f') });
    expect(contents(out)).toEqual({ 'a.parquet': 'abcde', 'b.parquet': 'f' });
  });

  it('replaces an existing output directory whole (stale files go away)', () => {
    const root = tmpDir();
    const out = path.join(root, 'o');
    publishBatchOutputs(out, { 'a.parquet': enc('old a'), 'stale.parquet': enc('old') });
    publishBatchOutputs(out, { 'a.parquet': enc('new a'), 'b.parquet': enc('new b') });
    expect(contents(out)).toEqual({ 'a.parquet': 'new a', 'b.parquet': 'new b' });
    expect(leftovers(root)).toEqual([]);
  });

  it('leaves an existing output intact and no temporaries when writing a file fails', () => {
    const root = tmpDir();
    const out = path.join(root, 'o');
    publishBatchOutputs(out, { 'a.parquet': enc('old') });
    const real = fs.writeSync;
    let calls = 0;
    vi.spyOn(fs, 'writeSync').mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      if (++calls === 2) {
        const e = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
        e.code = 'ENOSPC';
        throw e;
      }
      return (real as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync);
    const e = expectSimrunError(
      () => publishBatchOutputs(out, { 'a.parquet': enc('new'), 'b.parquet': enc('new') }),
      'output',
      out,
      'ENOSPC',
    );
    expect(e.file).toBe(out);
    expect(contents(out)).toEqual({ 'a.parquet': 'old' });
    expect(leftovers(root)).toEqual([]);
  });

  it('leaves no partial output when there was none before', () => {
    const root = tmpDir();
    const out = path.join(root, 'o');
    vi.spyOn(fs, 'fsyncSync').mockImplementation(() => {
      throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    });
    expectSimrunError(() => publishBatchOutputs(out, { 'a.parquet': enc('x') }), 'output', out, 'EIO');
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('restores the previous output when the final rename fails', () => {
    const root = tmpDir();
    const out = path.join(root, 'o');
    publishBatchOutputs(out, { 'a.parquet': enc('old') });
    const real = fs.renameSync;
    vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      if (String(from).includes('.tmp-')) {
        throw Object.assign(new Error('EXDEV: cross-device link not permitted, rename'), { code: 'EXDEV' });
      }
      real(from, to);
    });
    expectSimrunError(() => publishBatchOutputs(out, { 'a.parquet': enc('new') }), 'output', out, 'EXDEV');
    expect(contents(out)).toEqual({ 'a.parquet': 'old' });
    expect(leftovers(root)).toEqual([]);
  });

  it('fails with an output error naming the directory when the parent cannot be created', () => {
    const root = tmpDir();
    const blocker = writeFile(path.join(root, 'file'), 'not a directory');
    const out = path.join(blocker, 'BTC_long', 'batch_001');
    expectSimrunError(() => publishBatchOutputs(out, { 'a.parquet': enc('x') }), 'output', out, 'cannot write outputs');
    expect(fs.readdirSync(root)).toEqual(['file']);
  });

  it('rejects file names that are not plain names, writing nothing', () => {
    const root = tmpDir();
    const out = path.join(root, 'o');
    publishBatchOutputs(out, { 'a.parquet': enc('old') });
    for (const bad of ['../escape.parquet', 'sub/x.parquet', '', '..', OUTPUT_MARKER]) {
      expectSimrunError(() => publishBatchOutputs(out, { 'ok.parquet': enc('x'), [bad]: enc('x') }), 'output', out);
    }
    expect(contents(out)).toEqual({ 'a.parquet': 'old' });
    expect(fs.readdirSync(root)).toEqual(['o']);
  });

  it('never replaces a folder it did not create: inputs, reference outputs and user files stay byte-identical', () => {
    const root = tmpDir();
    const out = path.join(root, 'BTC_long', 'batch_001');
    const inputs = { 'signals.parquet': 'S', 'params.csv': 'P', 'trades.parquet': 'vectorbt T' };
    for (const [n, v] of Object.entries(inputs)) writeFile(path.join(out, n), v);
    expectSimrunError(() => publishBatchOutputs(out, { 'trades.parquet': enc('ours') }), 'not-ours', out,
      'holds files simrun did not write (params.csv, signals.parquet, trades.parquet)');
    for (const [n, v] of Object.entries(inputs)) expect(fs.readFileSync(path.join(out, n), 'utf8')).toBe(v);
    expect(fs.readdirSync(out).sort()).toEqual(Object.keys(inputs).sort());
    expect(leftovers(path.dirname(out))).toEqual([]);
  });

  it("never deletes a file a user added to simrun's own output folder", () => {
    const root = tmpDir();
    const out = path.join(root, 'o');
    publishBatchOutputs(out, { 'a.parquet': enc('old') });
    writeFile(path.join(out, 'notes.txt'), 'my notes');
    expectSimrunError(() => publishBatchOutputs(out, { 'a.parquet': enc('new') }), 'not-ours', out, '(notes.txt)');
    expect(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8')).toBe('my notes');
    expect(fs.readFileSync(path.join(out, 'a.parquet'), 'utf8')).toBe('old');
  });

  it('never replaces a symbolic link or a file, and takes over an empty folder', () => {
    const root = tmpDir();
    const target = path.join(root, 'target');
    publishBatchOutputs(target, { 'a.parquet': enc('mine') });
    const link = path.join(root, 'link');
    fs.symlinkSync(target, link);
    expectSimrunError(() => publishBatchOutputs(link, { 'a.parquet': enc('x') }), 'not-ours', link, 'symbolic link');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(contents(target)).toEqual({ 'a.parquet': 'mine' });
    const file = writeFile(path.join(root, 'f'), 'user data');
    expectSimrunError(() => publishBatchOutputs(file, { 'a.parquet': enc('x') }), 'not-ours', file, 'is a file');
    expect(fs.readFileSync(file, 'utf8')).toBe('user data');
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    publishBatchOutputs(empty, { 'a.parquet': enc('new') });
    expect(contents(empty)).toEqual({ 'a.parquet': 'new' });
  });
});
