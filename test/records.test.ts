// Kernel records → typed arrays (collectRecords) → the Arrow trades table, and what pyarrow makes of
// the written file.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';

import * as L from '../assembly/layout/records.js';
import { readParquetTable, tableToParquet } from '../src/batch/write.js';
import type { MemoryPlan } from '../src/engine/memory.js';
import { collectRecords, TRADE_LABEL_COLUMNS, tradesTable, type TradeRecords } from '../src/records.js';
import { runBatch } from '../src/run-batch.js';
import { shutdown } from '../src/simulate.js';
import { cleanupTmpDirs, tmpDir, writeFile } from './batch/fixtures.js';

afterAll(async () => {
  cleanupTmpDirs();
  await shutdown();
});

const FLOAT_OFFSETS = [L.REC_ENTRY_PRICE, L.REC_ENTRY_FEES, L.REC_EXIT_PRICE, L.REC_EXIT_FEES, L.REC_SIZE, L.REC_PNL, L.REC_RETURN];

describe('the record layout collectRecords reads', () => {
  it('keeps float fields 8-aligned, int fields 4-aligned, all inside one 8-aligned record', () => {
    expect(L.RECORD_SIZE % 8).toBe(0);
    expect(L.CHUNK_HEADER % 8).toBe(0);
    for (const off of FLOAT_OFFSETS) expect(off % 8 === 0 && off + 8 <= L.RECORD_SIZE).toBe(true);
    for (const off of [L.REC_ENTRY_IDX, L.REC_EXIT_IDX]) expect(off % 4 === 0 && off + 4 <= L.RECORD_SIZE).toBe(true);
    for (const off of [L.REC_DIRECTION, L.REC_STATUS, L.REC_REASON]) expect(off < L.RECORD_SIZE).toBe(true);
  });
});

/** Writes record chunks the way the kernel does: column c's records `values(c, k)` in chains of chunks of `caps`. */
function fakeKernelMemory(counts: number[], caps: number[][]) {
  const memory = new WebAssembly.Memory({ initial: 2 });
  const view = new DataView(memory.buffer);
  const directory = 64;
  let at = directory + counts.length * 8 + 8;
  counts.forEach((count, c) => {
    let prev = -1;
    let k = 0;
    for (const cap of caps[c]) {
      const chunk = (at = Math.ceil(at / 8) * 8);
      at += L.CHUNK_HEADER + cap * L.RECORD_SIZE;
      view.setUint32(chunk, 0, true);
      view.setUint32(chunk + 4, cap, true);
      if (prev < 0) view.setUint32(directory + c * 8, chunk, true);
      else view.setUint32(prev, chunk, true);
      prev = chunk;
      // one array per field: record j's field X at CHUNK_HEADER + cap·REC_X + j·width(X)
      const base = chunk + L.CHUNK_HEADER;
      for (let j = 0; j < cap && k < count; j++, k++) {
        FLOAT_OFFSETS.forEach((off, f) => view.setFloat64(base + cap * off + j * 8, c * 1000 + k + f / 10, true));
        view.setInt32(base + cap * L.REC_ENTRY_IDX + j * 4, c * 100 + k, true);
        view.setInt32(base + cap * L.REC_EXIT_IDX + j * 4, c * 100 + k + 1, true);
        view.setUint8(base + cap * L.REC_DIRECTION + j, k % 2);
        view.setUint8(base + cap * L.REC_STATUS + j, k === count - 1 ? 0 : 1);
        view.setUint8(base + cap * L.REC_REASON + j, k % 5);
      }
    }
    view.setUint32(directory + c * 8 + 4, count, true);
  });
  return { memory, plan: { nCols: counts.length, directory } as MemoryPlan };
}

describe('collectRecords', () => {
  it('copies every field of every chunk chain into one typed array per field, in column order', () => {
    // column 0: 5 records over chunks of 2 + 4 (the last partly filled); column 1: none; column 2: 1
    const { memory, plan } = fakeKernelMemory([5, 0, 1], [[2, 4], [], [3]]);
    const rec = collectRecords(memory, plan);
    expect(rec.length).toBe(6);
    expect([...rec.offsets]).toEqual([0, 5, 5, 6]);
    expect([...rec.strategy]).toEqual([0, 0, 0, 0, 0, 2]);
    expect([...rec.tradeId]).toEqual([0, 1, 2, 3, 4, 0]);
    expect([...rec.entryPrice]).toEqual([0, 1, 2, 3, 4, 2000]);
    expect([...rec.return]).toEqual([0.6, 1.6, 2.6, 3.6, 4.6, 2000.6]);
    expect([...rec.size]).toEqual([0.4, 1.4, 2.4, 3.4, 4.4, 2000.4]);
    expect([...rec.entryIdx]).toEqual([0, 1, 2, 3, 4, 200]);
    expect([...rec.exitIdx]).toEqual([1, 2, 3, 4, 5, 201]);
    expect([...rec.direction]).toEqual([0, 1, 0, 1, 0, 0]);
    expect([...rec.status]).toEqual([1, 1, 1, 1, 0, 0]);
    expect([...rec.exitReason]).toEqual([0, 1, 2, 3, 4, 0]);
  });
});

function records(n: number): TradeRecords {
  const f = () => Float64Array.from({ length: n }, (_, i) => i / 3 - 1);
  return {
    length: n,
    strategy: Int32Array.from({ length: n }, (_, i) => (i < 2 ? 0 : 2)),
    tradeId: Int32Array.from({ length: n }, (_, i) => (i < 2 ? i : i - 2)),
    direction: Uint8Array.from({ length: n }, (_, i) => i % 2),
    status: Uint8Array.from({ length: n }, (_, i) => (i + 1) % 2),
    exitReason: Uint8Array.from({ length: n }, (_, i) => i % 5),
    entryIdx: Int32Array.from({ length: n }, (_, i) => i),
    exitIdx: Int32Array.from({ length: n }, (_, i) => i + 1),
    entryPrice: f(), entryFees: f(), exitPrice: f(), exitFees: f(), size: f(), pnl: f(), return: f(),
    offsets: Int32Array.from([0, 2, 2, n]),
  };
}

describe('tradesTable', () => {
  const rec = records(6);
  // whole ms past 2^32, and one before 1970
  const time = Float64Array.from([1_700_000_000_000, 1_700_000_060_000, -86_400_000, 4_102_444_800_123, 0, 1, 2]);
  const table = tradesTable(rec, ['a', 'b', 'ccc ü'], time);

  it('has SCHEMA.md columns and types, every field nullable as pyarrow writes them', () => {
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}:${f.nullable}`)).toEqual([
      'strategy:Utf8:true', 'trade_id:Int64:true', 'direction:Utf8:true', 'status:Utf8:true',
      'entry_idx:Int64:true', 'entry_time:Timestamp<MILLISECOND, UTC>:true', 'entry_price:Float64:true',
      'entry_fees:Float64:true', 'exit_idx:Int64:true', 'exit_time:Timestamp<MILLISECOND, UTC>:true',
      'exit_price:Float64:true', 'exit_fees:Float64:true', 'size:Float64:true', 'pnl:Float64:true',
      'return:Float64:true', 'exit_reason:Utf8:true',
    ]);
  });

  it('carries the names, ints and times row for row, also through parquet', () => {
    const back = readParquetTable(writeFile(path.join(tmpDir(), 't.parquet'), tableToParquet(table)));
    for (const t of [table, back]) {
      expect(t.getChild('strategy')!.toArray()).toEqual(['a', 'a', 'ccc ü', 'ccc ü', 'ccc ü', 'ccc ü']);
      expect(t.getChild('direction')!.toArray()).toEqual(['long', 'short', 'long', 'short', 'long', 'short']);
      expect(t.getChild('status')!.toArray()).toEqual(['closed', 'open', 'closed', 'open', 'closed', 'open']);
      expect(t.getChild('exit_reason')!.toArray()).toEqual(['sl', 'tsl', 'tp', 'signal', 'end', 'sl']);
      expect([...(t.getChild('trade_id')!.toArray() as BigInt64Array)]).toEqual([0n, 1n, 0n, 1n, 2n, 3n]);
      expect([...(t.getChild('exit_idx')!.toArray() as BigInt64Array)]).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
      const ms = (name: string) => Array.from({ length: 6 }, (_, i) => t.getChild(name)!.data[0].values[i] as bigint);
      expect(ms('entry_time')).toEqual([1_700_000_000_000n, 1_700_000_060_000n, -86_400_000n, 4_102_444_800_123n, 0n, 1n]);
      expect(ms('exit_time')).toEqual([1_700_000_060_000n, -86_400_000n, 4_102_444_800_123n, 0n, 1n, 2n]);
      expect(t.getChild('pnl')!.toArray()).toEqual(rec.pnl);
    }
  });
});

describe('trades.parquet in pyarrow and pandas', () => {
  const python = fileURLToPath(new URL('../reference-data/.venv/bin/python', import.meta.url));
  const data = fileURLToPath(new URL('../reference-data/data', import.meta.url));

  it('concatenates with vectorbt\'s file and reads back as the same pandas columns, strings as plain strings; '
    + 'statistics on all but the label columns', async () => {
    const out = tmpDir('simrun-records-');
    const r = await runBatch({ batch: 'BTC_longshort/batch_001', data, out, threads: 2 });
    const script = [
      'import sys, pyarrow as pa, pyarrow.parquet as pq',
      'ours, ref = pq.read_table(sys.argv[1]), pq.read_table(sys.argv[2])',
      'both = pa.concat_tables([ours, ref])',
      'df, rf = ours.to_pandas(), ref.to_pandas()',
      "strs = [c for c in ('strategy', 'direction', 'status', 'exit_reason') if df[c].dtype != 'category' and isinstance(df[c].iloc[0], str)]",
      "print(both.num_rows, ours.equals(ref), df.dtypes.equals(rf.dtypes), ','.join(strs))",
      'meta = pq.ParquetFile(sys.argv[1]).metadata',
      'groups = [meta.row_group(g) for g in range(meta.num_row_groups)]',
      "print(','.join(c for i, c in enumerate(ours.schema.names) if all(g.column(i).is_stats_set for g in groups)))",
      "print(','.join(c for i, c in enumerate(ours.schema.names) if not any(g.column(i).is_stats_set for g in groups)))",
    ].join('\n');
    const res = execFileSync(python, ['-c', script, path.join(r.outDir!, 'trades.parquet'),
      path.join(data, 'BTC_longshort/batch_001/trades.parquet')], { encoding: 'utf8' }).trim();
    const labels = ['direction', 'status', 'exit_reason'];
    expect(TRADE_LABEL_COLUMNS).toEqual(labels);
    const withStats = r.tradesTable.schema.names.map(String).filter((c) => !labels.includes(c)).join(',');
    expect(res.split('\n')).toEqual([`${2 * r.trades} True True strategy,direction,status,exit_reason`, withStats, labels.join(',')]);
  }, 120_000);
});
