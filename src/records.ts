// Kernel trade records → a plain typed view and the Arrow `trades` table (reference-data/SCHEMA.md).
import * as arrow from 'apache-arrow';
import {
  CHUNK_HEADER, RECORD_SIZE, REC_ENTRY_PRICE, REC_ENTRY_FEES, REC_EXIT_PRICE, REC_EXIT_FEES, REC_SIZE, REC_PNL,
  REC_RETURN, REC_ENTRY_IDX, REC_EXIT_IDX, REC_DIRECTION, REC_STATUS, REC_REASON,
} from '../assembly/records.js';
import type { MemoryPlan } from './engine/memory.js';

/** Names of the kernel's codes, indexed by code (assembly/records.ts). */
export const DIRECTION_NAMES = ['long', 'short'] as const;
export const STATUS_NAMES = ['open', 'closed'] as const;
export const REASON_NAMES = ['sl', 'tsl', 'tp', 'signal', 'end'] as const;

export type TradeDirection = (typeof DIRECTION_NAMES)[number];
export type TradeStatus = (typeof STATUS_NAMES)[number];
export type ExitReason = (typeof REASON_NAMES)[number];

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

/**
 * Copies every column's records out of the WASM memory, in column order. A column's records lie in
 * a chain of chunks (assembly/records.ts): every chunk but the last is full.
 */
export function collectRecords(memory: WebAssembly.Memory, plan: MemoryPlan): TradeRecords {
  const dir = new Uint32Array(memory.buffer, plan.directory, plan.nCols * 2);
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
  const view = new DataView(memory.buffer);
  for (let c = 0; c < plan.nCols; c++) {
    const count = dir[c * 2 + 1];
    let chunk = dir[c * 2];
    let k = 0;
    while (k < count) {
      const inChunk = Math.min(view.getUint32(chunk + 4, true), count - k);
      for (let j = 0; j < inChunk; j++, k++) {
        const p = chunk + CHUNK_HEADER + j * RECORD_SIZE;
        const r = offsets[c] + k;
        out.strategy[r] = c;
        out.tradeId[r] = k;
        out.entryPrice[r] = view.getFloat64(p + REC_ENTRY_PRICE, true);
        out.entryFees[r] = view.getFloat64(p + REC_ENTRY_FEES, true);
        out.exitPrice[r] = view.getFloat64(p + REC_EXIT_PRICE, true);
        out.exitFees[r] = view.getFloat64(p + REC_EXIT_FEES, true);
        out.size[r] = view.getFloat64(p + REC_SIZE, true);
        out.pnl[r] = view.getFloat64(p + REC_PNL, true);
        out.return[r] = view.getFloat64(p + REC_RETURN, true);
        out.entryIdx[r] = view.getInt32(p + REC_ENTRY_IDX, true);
        out.exitIdx[r] = view.getInt32(p + REC_EXIT_IDX, true);
        out.direction[r] = view.getUint8(p + REC_DIRECTION);
        out.status[r] = view.getUint8(p + REC_STATUS);
        out.exitReason[r] = view.getUint8(p + REC_REASON);
      }
      chunk = view.getUint32(chunk, true);
    }
  }
  return out;
}

const f64 = (values: Float64Array) => arrow.makeVector(values);

function int64(values: Int32Array): arrow.Vector {
  return arrow.makeVector(BigInt64Array.from(values, (v) => BigInt(v)));
}

function millis(idx: Int32Array, time: Float64Array): arrow.Vector {
  const data = new BigInt64Array(idx.length);
  for (let k = 0; k < idx.length; k++) data[k] = BigInt(time[idx[k]]);
  const type = new arrow.TimestampMillisecond('UTC');
  return arrow.makeVector(arrow.makeData({ type, length: idx.length, nullCount: 0, data }));
}

function strings(codes: ArrayLike<number>, names: readonly string[]): arrow.Vector {
  return arrow.vectorFromArray(Array.from(codes, (c) => names[c]), new arrow.Utf8());
}

/** The `trades` table: one row per exit trade, columns as in reference-data/SCHEMA.md. */
export function tradesTable(rec: TradeRecords, strategies: readonly string[], time: Float64Array): arrow.Table {
  return new arrow.Table({
    strategy: strings(rec.strategy, strategies),
    trade_id: int64(rec.tradeId),
    direction: strings(rec.direction, DIRECTION_NAMES),
    status: strings(rec.status, STATUS_NAMES),
    entry_idx: int64(rec.entryIdx),
    entry_time: millis(rec.entryIdx, time),
    entry_price: f64(rec.entryPrice),
    entry_fees: f64(rec.entryFees),
    exit_idx: int64(rec.exitIdx),
    exit_time: millis(rec.exitIdx, time),
    exit_price: f64(rec.exitPrice),
    exit_fees: f64(rec.exitFees),
    size: f64(rec.size),
    pnl: f64(rec.pnl),
    return: f64(rec.return),
    exit_reason: strings(rec.exitReason, REASON_NAMES),
  });
}
