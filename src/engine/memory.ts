// One memory plan per batch: where every array lives in the shared WASM memory, sized up front.
// wasm32 addresses 4 GiB at most; a batch whose inputs do not fit is refused before any work.
import { availableParallelism } from 'node:os';
import { COL_BYTES, CTL_BYTES, HDR_BYTES, STATE_BYTES, STATS_SLOTS } from '../../assembly/layout/records.js';
import { SimrunError } from '../errors.js';
import { signalBytes } from './signal-bits.js';

export const PAGE = 65536;
export const MAX_PAGES = 65536; // 4 GiB
/** Room for trade records each thread starts with; more is grown on demand. */
export const INITIAL_RECORD_BYTES = 8 * 1024 * 1024;
/**
 * Bars per tile: a tile's open/high/low/close (32 B a bar, 256 KiB) stay in a core's L2 cache
 * (512 KiB on the EPYC this was tuned on) while a group's columns run over them, so the prices
 * come from RAM once per group instead of once per column. (On one thread, 1 Ki to 64 Ki bars
 * measured alike: the kernel is compute-bound; the saving is RAM bandwidth shared by threads.)
 */
export const DEFAULT_TILE_BARS = 8192;
/**
 * Columns per group: a thread takes a group and runs it tile by tile. Bigger groups read the
 * prices less often; smaller ones balance the threads better (groups are taken from a counter).
 */
export const DEFAULT_GROUP_COLS = 16;
/**
 * Groups each thread should get at least, when columns are few: with fewer groups than threads
 * the extra threads sit idle (an 8-column batch was one group of 16: 2 threads ran it on one),
 * and with one group per thread the slowest column sets the time. Smaller groups only cost the
 * prices' cache reuse, which matters little when there are few columns to share a tile.
 */
export const MIN_GROUPS_PER_THREAD = 4;

/**
 * Columns per group by default: DEFAULT_GROUP_COLS, smaller when there are too few columns for the
 * threads that can run at once. Threads past the cores add no speed, only record regions (one per
 * thread that gets a group), so they don't shrink the groups.
 */
export function defaultGroupCols(nCols: number, threads: number): number {
  const running = Math.max(1, Math.min(Math.floor(threads), availableParallelism()));
  const perThread = Math.ceil(nCols / (running * MIN_GROUPS_PER_THREAD));
  return Math.max(1, Math.min(DEFAULT_GROUP_COLS, perThread));
}

export interface MemoryPlan {
  nBars: number;
  nCols: number;
  nDays: number;
  open: number;
  high: number;
  low: number;
  close: number;
  dayEnd: number;
  /** Per column: byte offset of its long/short signal bits, 0 when the batch has no such side. */
  long: number[];
  short: number[];
  /** Per column: byte offset of its exit-signal bits, 0 when the column has no such exits. */
  longExit: number[];
  shortExit: number[];
  /** Per column: byte offset of the OR of its signals' bits on the general path, else 0. */
  anySignal: number[];
  stats: number;
  dailyValues: number;
  /** Per column: [first record chunk, record count] as uint32 pairs (assembly/layout/records.ts). */
  directory: number;
  /** The batch header the kernel reads (HDR_*). */
  header: number;
  /** nCols column-table entries (COL_*). */
  columns: number;
  /** nCols per-column state blocks of STATE_BYTES. */
  state: number;
  /** One control block (CTL_*) per thread, for at most `threads` threads. */
  ctl: number;
  /** Threads with room in this plan: min(asked, column groups). */
  threads: number;
  /** Bars per tile. */
  tileBars: number;
  /** Columns per group, and the number of groups. */
  groupCols: number;
  nGroups: number;
  /** int32 [next group, column-tiles done] counters the threads take work from. */
  counter: number;
  /** First byte after the fixed layout: record regions start here, `recordBytes` per thread. */
  recordsStart: number;
  recordBytes: number;
  /** Bytes the plan needs, with one initial record region per thread. */
  totalBytes: number;
}

const align = (x: number, a: number) => Math.ceil(x / a) * a;

export function planMemory(opts: {
  nBars: number; nCols: number; nDays: number; hasLong: boolean; hasShort: boolean; threads: number;
  /** Per column: whether it has long/short exit signals (default: none). */
  longExit?: readonly boolean[];
  shortExit?: readonly boolean[];
  /** Per column: whether it runs the kernel's general path (default: none). */
  general?: readonly boolean[];
  /** Record room per thread (default INITIAL_RECORD_BYTES); a pool passes what earlier batches needed. */
  recordBytes?: number;
  /** Bars per tile and columns per group (defaults above); results never depend on them. */
  tileBars?: number;
  groupCols?: number;
}): MemoryPlan {
  const { nBars, nCols, nDays, hasLong, hasShort } = opts;
  const tileBars = Math.max(1, Math.floor(opts.tileBars ?? DEFAULT_TILE_BARS));
  const groupCols = Math.max(1, Math.floor(opts.groupCols ?? defaultGroupCols(nCols, opts.threads)));
  const nGroups = Math.ceil(nCols / groupCols);
  // a thread takes whole column groups: more threads than groups would sit idle, so no room for them
  const threads = Math.max(1, Math.min(Math.floor(opts.threads), nGroups));
  const recordBytes = Math.max(INITIAL_RECORD_BYTES, align(opts.recordBytes ?? 0, PAGE));
  let at = 64; // offset 0 stays unused: a zero pointer means "no signals"
  const take = (bytes: number, alignment = 16) => {
    at = align(at, alignment);
    const start = at;
    at += bytes;
    return start;
  };
  const f64s = nBars * 8;
  const open = take(f64s);
  const high = take(f64s);
  const low = take(f64s);
  const close = take(f64s);
  const dayEnd = take(nDays * 4);
  // signal bits (signal-bits.ts), padded so the kernel's word loads stay inside the plan
  const sigBytes = signalBytes(nBars);
  const long: number[] = [];
  const short: number[] = [];
  for (let c = 0; c < nCols; c++) {
    long.push(hasLong ? take(sigBytes) : 0);
    short.push(hasShort ? take(sigBytes) : 0);
  }
  const longExit: number[] = [];
  const shortExit: number[] = [];
  for (let c = 0; c < nCols; c++) {
    longExit.push(opts.longExit?.[c] ? take(sigBytes) : 0);
    shortExit.push(opts.shortExit?.[c] ? take(sigBytes) : 0);
  }
  const anySignal = Array.from({ length: nCols }, (_, c) => (opts.general?.[c] ? take(sigBytes) : 0));
  const stats = take(nCols * STATS_SLOTS * 8);
  const dailyValues = take(nCols * nDays * 8);
  const directory = take(nCols * 8);
  const header = take(HDR_BYTES, 64);
  const columns = take(nCols * COL_BYTES, 64);
  const state = take(nCols * STATE_BYTES, 64);
  const ctl = take(threads * CTL_BYTES, 64);
  const counter = take(8, 64);
  const recordsStart = align(at, 64);
  const totalBytes = recordsStart + threads * recordBytes;
  if (totalBytes > MAX_PAGES * PAGE) {
    const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
    const records = threads * recordBytes;
    // advise what actually takes the room: the inputs (fewer strategies) or the per-thread record room
    const advice = recordsStart > MAX_PAGES * PAGE - INITIAL_RECORD_BYTES
      ? 'split the batch into fewer strategies (or fewer bars)'
      : `run with fewer threads (${threads} × ${gib(recordBytes)} of record room), or split the batch into fewer strategies`;
    throw new SimrunError('too-large',
      `batch needs ${gib(totalBytes)} of WASM memory (${nBars} bars × ${nCols} strategies: ${gib(recordsStart)} ` +
      `of inputs and state, ${gib(records)} of trade-record room); wasm32 is limited to 4 GiB: ${advice}`);
  }
  return { nBars, nCols, nDays, open, high, low, close, dayEnd, long, short, longExit, shortExit, anySignal, stats, dailyValues,
    directory, header, columns, state, ctl, threads, tileBars, groupCols, nGroups,
    counter, recordsStart, recordBytes, totalBytes };
}

/** Make `memory` at least `bytes` long. */
export function ensureMemory(memory: WebAssembly.Memory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return;
  const pages = Math.ceil((bytes - have) / PAGE);
  try {
    memory.grow(pages);
  } catch {
    throw new SimrunError('too-large', `cannot grow WASM memory to ${(bytes / 2 ** 30).toFixed(2)} GiB ` +
      '(wasm32 is limited to 4 GiB)');
  }
}

/** A new shared memory big enough for `bytes`, growable to 4 GiB. */
export function createMemory(bytes: number): WebAssembly.Memory {
  const initial = Math.max(1, Math.ceil(bytes / PAGE));
  return new WebAssembly.Memory({ initial, maximum: MAX_PAGES, shared: true });
}
