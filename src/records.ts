// Kernel trade records → a plain typed view and the Arrow `trades` table (reference-data/SCHEMA.md).
import type * as arrow from 'apache-arrow';
import {
  CHUNK_HEADER, REC_ENTRY_PRICE, REC_ENTRY_FEES, REC_EXIT_PRICE, REC_EXIT_FEES, REC_SIZE, REC_PNL,
  REC_RETURN, REC_ENTRY_IDX, REC_EXIT_IDX, REC_DIRECTION, REC_STATUS, REC_REASON,
} from '../assembly/layout/records.js';
import { float64Column, int64Column, tableFromColumns, timestampMsColumn, utf8FromCodes } from './arrow-columns.js';
import type { MemoryPlan } from './engine/memory.js';
import { DIRECTION_NAMES, REASON_NAMES, STATUS_NAMES } from './trade-codes.js';

/** All trades of a run, column-wise; ordered by strategy, then trade id. */
export interface TradeRecords {
  length: number;
  /** Index into the run's strategy list. */
  strategy: Int32Array;
  tradeId: Int32Array;
  direction: Uint8Array;
  status: Uint8Array;
  exitReason: Uint8Array;
  entryIdx: Int32Array;
  exitIdx: Int32Array;
  entryPrice: Float64Array;
  entryFees: Float64Array;
  exitPrice: Float64Array;
  exitFees: Float64Array;
  size: Float64Array;
  pnl: Float64Array;
  return: Float64Array;
  /** Per strategy: index of its first trade, and (at [nStrategies]) the total. */
  offsets: Int32Array;
}

// Field offsets in units of the view that reads them; records and chunks are 8-byte aligned.
const F64 = (off: number) => off / 8;
const I32 = (off: number) => off / 4;

/**
 * Copies every column's records out of the WASM memory into one typed array per field, in column
 * order. A column's records lie in a chain of chunks that hold one array per field
 * (assembly/layout/records.ts): every chunk but the last is full, and each field of a chunk is one
 * typed-array copy.
 */
export function collectRecords(memory: WebAssembly.Memory, plan: MemoryPlan): TradeRecords {
  const buf = memory.buffer;
  const dir = new Uint32Array(buf, plan.directory, plan.nCols * 2);
  const offsets = new Int32Array(plan.nCols + 1);
  for (let c = 0; c < plan.nCols; c++) offsets[c + 1] = offsets[c] + dir[c * 2 + 1];
  const n = offsets[plan.nCols];
  const out: TradeRecords = {
    length: n,
    strategy: new Int32Array(n), tradeId: new Int32Array(n),
    direction: new Uint8Array(n), status: new Uint8Array(n), exitReason: new Uint8Array(n),
    entryIdx: new Int32Array(n), exitIdx: new Int32Array(n),
    entryPrice: new Float64Array(n), entryFees: new Float64Array(n),
    exitPrice: new Float64Array(n), exitFees: new Float64Array(n),
    size: new Float64Array(n), pnl: new Float64Array(n), return: new Float64Array(n),
    offsets,
  };
  const f64 = new Float64Array(buf, 0, buf.byteLength >>> 3);
  const i32 = new Int32Array(buf, 0, buf.byteLength >>> 2);
  const u32 = new Uint32Array(buf, 0, buf.byteLength >>> 2);
  const u8 = new Uint8Array(buf);
  const floats: [Float64Array, number][] = [
    [out.entryPrice, F64(REC_ENTRY_PRICE)], [out.entryFees, F64(REC_ENTRY_FEES)],
    [out.exitPrice, F64(REC_EXIT_PRICE)], [out.exitFees, F64(REC_EXIT_FEES)],
    [out.size, F64(REC_SIZE)], [out.pnl, F64(REC_PNL)], [out.return, F64(REC_RETURN)],
  ];
  const ints: [Int32Array, number][] = [[out.entryIdx, I32(REC_ENTRY_IDX)], [out.exitIdx, I32(REC_EXIT_IDX)]];
  const bytes: [Uint8Array, number][] = [
    [out.direction, REC_DIRECTION], [out.status, REC_STATUS], [out.exitReason, REC_REASON],
  ];
  for (let c = 0; c < plan.nCols; c++) {
    const from = offsets[c];
    const count = offsets[c + 1] - from;
    out.strategy.fill(c, from, from + count);
    for (let k = 0; k < count; k++) out.tradeId[from + k] = k;
    let chunk = dir[c * 2];
    for (let k = 0; k < count;) {
      const inChunk = Math.min(u32[(chunk >>> 2) + 1], count - k);
      const cap = u32[(chunk >>> 2) + 1];
      const first = chunk + CHUNK_HEADER; // byte address of the chunk's field arrays
      const r0 = from + k;
      // one array per field in the chunk (assembly/layout/records.ts): one copy per field
      for (const [dst, off] of floats) {
        const at = (first >>> 3) + cap * off;
        dst.set(f64.subarray(at, at + inChunk), r0);
      }
      for (const [dst, off] of ints) {
        const at = (first >>> 2) + cap * off;
        dst.set(i32.subarray(at, at + inChunk), r0);
      }
      for (const [dst, off] of bytes) {
        const at = first + cap * off;
        dst.set(u8.subarray(at, at + inChunk), r0);
      }
      k += inChunk;
      chunk = u32[chunk >>> 2];
    }
  }
  return out;
}

/** The trades columns that hold one of a few labels: written without statistics (batch/write.ts). */
export const TRADE_LABEL_COLUMNS: readonly string[] = ['direction', 'status', 'exit_reason'];

/**
 * The `trades` table: one row per exit trade, columns as in reference-data/SCHEMA.md, every column
 * made from the records' typed arrays (floats without a copy). `time`: each bar's UTC epoch ms.
 */
export function tradesTable(rec: TradeRecords, strategies: readonly string[], time: Float64Array): arrow.Table {
  return tableFromColumns([
    ['strategy', utf8FromCodes(rec.strategy, strategies)],
    ['trade_id', int64Column(rec.tradeId)],
    ['direction', utf8FromCodes(rec.direction, DIRECTION_NAMES)],
    ['status', utf8FromCodes(rec.status, STATUS_NAMES)],
    ['entry_idx', int64Column(rec.entryIdx)],
    ['entry_time', timestampMsColumn(rec.entryIdx, time)],
    ['entry_price', float64Column(rec.entryPrice)],
    ['entry_fees', float64Column(rec.entryFees)],
    ['exit_idx', int64Column(rec.exitIdx)],
    ['exit_time', timestampMsColumn(rec.exitIdx, time)],
    ['exit_price', float64Column(rec.exitPrice)],
    ['exit_fees', float64Column(rec.exitFees)],
    ['size', float64Column(rec.size)],
    ['pnl', float64Column(rec.pnl)],
    ['return', float64Column(rec.return)],
    ['exit_reason', utf8FromCodes(rec.exitReason, REASON_NAMES)],
  ]);
}
