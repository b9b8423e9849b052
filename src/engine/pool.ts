// Runs a batch's columns on N threads over one shared WASM memory. Columns are independent, so
// threads simply take the next column group from a shared counter and run it tile by tile. With
// one thread the kernel runs in the calling thread (no worker start-up cost). The pool, its memory and its kernel instances are
// reused from batch to batch: fresh memory would pay first-touch page faults every time.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { threadExecArgv } from '../threads.js';
import * as L from '../../assembly/layout/records.js';
import {
  COL_BYTES, COL_LONG, COL_SHORT, COL_SL, COL_TP, COL_TSL, HDR_BYTES, HDR_CLOSE, HDR_COLUMNS, HDR_DAILY,
  HDR_DAY_END, HDR_DIRECTORY, HDR_HIGH, HDR_LOW, HDR_MIN_SIZE, HDR_N_BARS,
  HDR_N_DAYS, HDR_OPEN, HDR_STATE, HDR_STATS, HDR_TILE_BARS, STATE_BYTES, STATS_SLOTS,
} from '../../assembly/layout/records.js';
import type { SimConfig } from '../config.js';
import type { ColumnSettings, EnumSetting } from '../settings.js';
import { instantiateKernel, kernelModule, type KernelExports } from './kernel.js';
import { createMemory, ensureMemory, INITIAL_RECORD_BYTES, type MemoryPlan } from './memory.js';
import { runColumns, type ColumnJob } from './run-columns.js';

/** Per-batch parameters: the constants of the call, each column's stops and settings. */
export interface RunJob {
  config: SimConfig;
  tp: Float64Array;
  sl: Float64Array;
  tsl: Float64Array;
  settings: ColumnSettings;
}

/** Where each enum setting's code goes in a column-table entry. */
const CODE_OFFSET: Record<EnumSetting, number> = {
  sizeType: L.COL_SIZE_TYPE, price: L.COL_PRICE, accumulate: L.COL_ACCUMULATE,
  uponOppositeEntry: L.COL_UPON_OPPOSITE_ENTRY, uponLongConflict: L.COL_UPON_LONG_CONFLICT,
  uponShortConflict: L.COL_UPON_SHORT_CONFLICT, uponDirConflict: L.COL_UPON_DIR_CONFLICT,
  stopEntryPrice: L.COL_STOP_ENTRY_PRICE, stopExitPrice: L.COL_STOP_EXIT_PRICE, uponStopExit: L.COL_UPON_STOP_EXIT,
};

/** Writes the batch header and the column table, and resets the state blocks and counters. */
function writeControl(memory: WebAssembly.Memory, plan: MemoryPlan, job: RunJob): void {
  const buf = memory.buffer;
  new Uint8Array(buf, plan.header, HDR_BYTES).fill(0);
  const h = new DataView(buf, plan.header, HDR_BYTES);
  const u32 = (at: number, v: number) => h.setUint32(at, v, true);
  u32(HDR_N_BARS, plan.nBars);
  u32(HDR_N_DAYS, plan.nDays);
  u32(HDR_OPEN, plan.open);
  u32(HDR_HIGH, plan.high);
  u32(HDR_LOW, plan.low);
  u32(HDR_CLOSE, plan.close);
  u32(HDR_DAY_END, plan.dayEnd);
  u32(HDR_COLUMNS, plan.columns);
  u32(HDR_STATE, plan.state);
  u32(HDR_STATS, plan.stats);
  u32(HDR_DAILY, plan.dailyValues);
  u32(HDR_DIRECTORY, plan.directory);
  u32(HDR_TILE_BARS, plan.tileBars);
  h.setFloat64(HDR_MIN_SIZE, job.config.minSize, true);
  const cols = new DataView(buf, plan.columns, plan.nCols * COL_BYTES);
  for (let c = 0; c < plan.nCols; c++) {
    const at = c * COL_BYTES;
    cols.setUint32(at + COL_LONG, plan.long[c], true);
    cols.setUint32(at + COL_SHORT, plan.short[c], true);
    cols.setFloat64(at + COL_TP, job.tp[c], true);
    cols.setFloat64(at + COL_SL, job.sl[c], true);
    cols.setFloat64(at + COL_TSL, job.tsl[c], true);
    cols.setUint32(at + L.COL_LONG_EXIT, plan.longExit[c], true);
    cols.setUint32(at + L.COL_SHORT_EXIT, plan.shortExit[c], true);
    cols.setUint32(at + L.COL_ANY_SIGNAL, plan.anySignal[c], true);
    cols.setUint8(at + L.COL_GENERAL, plan.anySignal[c] ? 1 : 0);
    const s = job.settings;
    cols.setFloat64(at + L.COL_FEES, s.fees[c], true);
    cols.setFloat64(at + L.COL_FIXED_FEES, s.fixedFees[c], true);
    cols.setFloat64(at + L.COL_SLIPPAGE, s.slippage[c], true);
    cols.setFloat64(at + L.COL_INIT_CASH, s.initCash[c], true);
    cols.setFloat64(at + L.COL_SIZE, s.size[c], true);
    for (const [k, off] of Object.entries(CODE_OFFSET) as [EnumSetting, number][]) cols.setUint8(at + off, s.codes[k][c]);
  }
  new Uint8Array(buf, plan.state, plan.nCols * STATE_BYTES).fill(0); // every column starts fresh
  new Float64Array(buf, plan.stats, plan.nCols * STATS_SLOTS).fill(0); // (spare slots included)
  new Int32Array(buf, plan.counter, 2).fill(0);
}

/** Worker entry: the compiled one next to this file, or dist's when running from TypeScript. */
function workerUrl(): URL {
  const sibling = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const dist = new URL('../../dist/src/engine/worker.js', import.meta.url);
  if (existsSync(fileURLToPath(dist))) return dist;
  throw new Error('dist/src/engine/worker.js not found: run `npm run build` first');
}

export type ProgressFn = (columnsDone: number, columns: number) => void;

export class KernelPool {
  readonly threads: number;
  private memory: WebAssembly.Memory | undefined;
  private local: KernelExports | undefined;
  private workers: Worker[] = [];
  /** Record bytes per thread that earlier batches needed: the next plan reserves this much. */
  recordBytes = INITIAL_RECORD_BYTES;
  /** Settles when the last simulation handed to `exclusive` is over; null when none is running. */
  private turn: Promise<unknown> | null = null;

  constructor(threads: number) {
    this.threads = Math.max(1, Math.floor(threads));
  }

  /**
   * Runs `simulation` once every earlier one has finished: the pool's memory holds one batch at a
   * time, so calls made at the same time (a pipelined sweep, concurrent library calls) queue here.
   */
  exclusive<T>(simulation: () => Promise<T>): Promise<T> {
    // an idle pool starts at once (the caller may count on the kernel running when this returns)
    const mine = this.turn ? this.turn.then(() => simulation()) : simulation();
    const turn = mine.catch(() => {});
    this.turn = turn;
    void turn.then(() => {
      if (this.turn === turn) this.turn = null;
    });
    return mine;
  }

  /** Bytes of WASM memory the pool holds now. */
  get memoryBytes(): number {
    return this.memory?.buffer.byteLength ?? 0;
  }

  /** The shared memory, grown to hold `plan`. Valid until the next `prepare`. */
  prepare(plan: MemoryPlan): WebAssembly.Memory {
    if (!this.memory) this.memory = createMemory(plan.totalBytes);
    else ensureMemory(this.memory, plan.totalBytes);
    return this.memory;
  }

  /** Simulates every column of the prepared plan. */
  async run(plan: MemoryPlan, job: RunJob, onProgress?: ProgressFn): Promise<void> {
    const memory = this.memory!;
    writeControl(memory, plan, job);
    const region = (t: number) => ({
      thread: t,
      regionStart: plan.recordsStart + t * plan.recordBytes,
      regionEnd: plan.recordsStart + (t + 1) * plan.recordBytes,
    });
    const learn = (used: number) => { this.recordBytes = Math.max(this.recordBytes, Math.ceil(used * 1.25)); };
    // column-tiles done → columns done
    const tiles = Math.max(1, Math.ceil(plan.nBars / plan.tileBars));
    const columnsDone = () => Math.floor(Atomics.load(new Int32Array(memory.buffer, plan.counter, 2), 1) / tiles);
    const threads = Math.min(this.threads, plan.threads, plan.nGroups);
    if (threads <= 1) {
      this.local ??= instantiateKernel(kernelModule(), memory);
      let last = -1;
      learn(runColumns(this.local, memory, { plan, ...region(0) }, onProgress && (() => {
        const done = columnsDone();
        if (done !== last) onProgress(last = done, plan.nCols);
      })));
      return;
    }
    this.spawn(threads, memory);
    for (const w of this.workers) w.ref();
    const timer = onProgress && setInterval(() => onProgress(columnsDone(), plan.nCols), 100);
    try {
      await Promise.all(this.workers.slice(0, threads).map((w, t) => new Promise<void>((resolve, reject) => {
        const onMessage = (msg: { type: string; message?: string; used?: number }) => {
          w.off('error', onError);
          if (msg.type === 'done') {
            learn(msg.used ?? 0);
            resolve();
          }
          else reject(new Error(msg.message));
        };
        const onError = (err: Error) => {
          w.off('message', onMessage);
          reject(err);
        };
        w.once('message', onMessage);
        w.once('error', onError);
        const columnJob: ColumnJob = { plan, ...region(t) };
        w.postMessage({ type: 'run', job: columnJob });
      })));
    } finally {
      if (timer) clearInterval(timer);
      for (const w of this.workers) w.unref(); // an idle pool never keeps the process alive
    }
    onProgress?.(plan.nCols, plan.nCols);
  }

  private spawn(threads: number, memory: WebAssembly.Memory): void {
    const module = kernelModule();
    while (this.workers.length < threads) {
      const w = new Worker(workerUrl(), { execArgv: threadExecArgv() });
      w.postMessage({ type: 'init', module, memory });
      w.unref();
      this.workers.push(w);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}
