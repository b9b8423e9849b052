// The per-thread loop: take the next column group from the shared counter and run it tile by
// tile in the kernel (one call per tile), giving the kernel more room for trade records whenever
// it runs out. Used by worker threads and by the main thread alike.
import {
  CTL_ALLOC_END, CTL_ALLOC_PTR, CTL_BYTES, CTL_COL_COUNT, CTL_COL_INDEX, CTL_FIRST_COL, CTL_NEED_BYTES,
  CTL_TILE_START, RUN_DONE, RUN_NEED_ROOM, RUN_TILE_DONE,
} from '../../assembly/layout/records.js';
import type { KernelExports } from './kernel.js';
import { INITIAL_RECORD_BYTES, MAX_PAGES, PAGE, type MemoryPlan } from './memory.js';

export interface ColumnJob {
  plan: MemoryPlan;
  /** This thread's index: its control block. */
  thread: number;
  /** This thread's first record region. */
  regionStart: number;
  regionEnd: number;
}

/** The highest address a uint32 pointer can hold as a region end. */
const ADDRESS_END = MAX_PAGES * PAGE - PAGE;

/**
 * Runs column groups until none is left. `onTile` is called after each tile of a group. Grows
 * memory for record chunks when the region runs out, and returns the record bytes this thread
 * needed in all, so the pool can plan that much room next time (memory grown here is not reused
 * by later batches: planning ahead keeps that to a few times).
 */
export function runColumns(kernel: KernelExports, memory: WebAssembly.Memory, job: ColumnJob,
  onTile?: () => void): number {
  const { plan } = job;
  const ctl = plan.ctl + job.thread * CTL_BYTES;
  const ctlView = () => new Uint32Array(memory.buffer, ctl, CTL_BYTES / 4);
  const counter = new Int32Array(memory.buffer, plan.counter, 2);
  let v = ctlView();
  let regionStart = job.regionStart;
  let used = 0; // bytes of the regions before the current one that the kernel took
  v[CTL_ALLOC_PTR / 4] = regionStart;
  v[CTL_ALLOC_END / 4] = Math.min(job.regionEnd, ADDRESS_END);
  for (;;) {
    const group = Atomics.add(counter, 0, 1);
    if (group >= plan.nGroups) break;
    const first = group * plan.groupCols;
    const count = Math.min(plan.groupCols, plan.nCols - first);
    v[CTL_FIRST_COL / 4] = first;
    v[CTL_COL_COUNT / 4] = count;
    v[CTL_TILE_START / 4] = 0;
    v[CTL_COL_INDEX / 4] = 0;
    for (;;) {
      const status = kernel.simulateGroup(plan.header, ctl);
      if (status === RUN_NEED_ROOM) {
        // out of room for record chunks: a fresh region at the end of memory, and resume
        const need = v[CTL_NEED_BYTES / 4];
        const pages = Math.ceil(Math.max(need, INITIAL_RECORD_BYTES) / PAGE);
        let firstPage: number;
        try {
          firstPage = memory.grow(pages);
        } catch {
          throw new Error('out of WASM memory for trade records (wasm32 is limited to 4 GiB)');
        }
        const start = firstPage * PAGE;
        const end = Math.min(start + pages * PAGE, ADDRESS_END);
        if (end - start < need) throw new Error('out of WASM memory for trade records (wasm32 is limited to 4 GiB)');
        v = ctlView();
        used += v[CTL_ALLOC_PTR / 4] - regionStart;
        regionStart = start;
        v[CTL_ALLOC_PTR / 4] = start;
        v[CTL_ALLOC_END / 4] = end;
        continue;
      }
      Atomics.add(counter, 1, count); // column-tiles done, for progress
      onTile?.();
      if (status === RUN_DONE) break;
      if (status !== RUN_TILE_DONE) throw new Error(`kernel returned unknown status ${status}`);
    }
  }
  return used + ctlView()[CTL_ALLOC_PTR / 4] - regionStart;
}
