// The per-thread loop: take the next column from the shared counter, run the kernel on it, note
// where its records went. Used by worker threads and by the main thread alike.
import { RECORD_SIZE, STATS_SLOTS } from '../../assembly/records.js';
import type { SimConfig } from '../config.js';
import type { KernelExports } from './kernel.js';
import { PAGE, type MemoryPlan } from './memory.js';

export interface ColumnJob {
  plan: MemoryPlan;
  config: SimConfig;
  tp: Float64Array;
  sl: Float64Array;
  tsl: Float64Array;
  /** This thread's first record region. */
  regionStart: number;
  regionEnd: number;
}

/**
 * Runs columns until none is left. Grows memory for records when the region runs out, and returns
 * the record bytes this thread needed in all, so the pool can plan that much room next time
 * (memory grown here is not reused by later batches: planning ahead keeps that to a few times).
 */
export function runColumns(kernel: KernelExports, memory: WebAssembly.Memory, job: ColumnJob,
  onColumn?: (col: number) => void): number {
  let used = 0;
  const { plan, config } = job;
  let cursor = job.regionStart;
  let end = job.regionEnd;
  const counter = new Int32Array(memory.buffer, plan.counter, 2);
  for (;;) {
    const col = Atomics.add(counter, 0, 1);
    if (col >= plan.nCols) break;
    const run = (recPtr: number, recCap: number) => kernel.simulateColumn(
      plan.nBars, plan.open, plan.high, plan.low, plan.close, plan.long[col], plan.short[col],
      job.tp[col], job.sl[col], job.tsl[col],
      config.fees, config.slippage, config.initCash, config.minSize,
      recPtr, recCap, plan.dayEnd, plan.nDays, plan.dailyValues + col * plan.nDays * 8,
      plan.stats + col * STATS_SLOTS * 8);
    let count = run(cursor, Math.floor((end - cursor) / RECORD_SIZE));
    if (count * RECORD_SIZE > end - cursor) {
      // out of room: take a fresh region at the end of memory and run the column again there
      const bytes = Math.max(count * RECORD_SIZE, 8 * 1024 * 1024);
      const pages = Math.ceil(bytes / PAGE);
      let first: number;
      try {
        first = memory.grow(pages);
      } catch {
        throw new Error(`out of WASM memory for trade records (column ${col} needs ${count} records; ` +
          'wasm32 is limited to 4 GiB)');
      }
      cursor = first * PAGE;
      end = cursor + pages * PAGE;
      count = run(cursor, Math.floor((end - cursor) / RECORD_SIZE));
    }
    const dir = new Uint32Array(memory.buffer, plan.directory, plan.nCols * 2);
    dir[col * 2] = cursor;
    dir[col * 2 + 1] = count;
    cursor += count * RECORD_SIZE;
    used += count * RECORD_SIZE;
    Atomics.add(counter, 1, 1); // columns finished, for progress
    onColumn?.(col);
  }
  return used;
}
