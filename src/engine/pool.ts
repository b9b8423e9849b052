// Runs a batch's columns on N threads over one shared WASM memory. Columns are independent, so
// threads simply take the next column from a shared counter. With one thread the kernel runs in
// the calling thread (no worker start-up cost). The pool, its memory and its kernel instances are
// reused from batch to batch: fresh memory would pay first-touch page faults every time.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { instantiateKernel, kernelModule, type KernelExports } from './kernel.js';
import { createMemory, ensureMemory, INITIAL_RECORD_BYTES, type MemoryPlan } from './memory.js';
import { runColumns, type ColumnJob } from './run-columns.js';

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

  constructor(threads: number) {
    this.threads = Math.max(1, Math.floor(threads));
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
  async run(plan: MemoryPlan, job: Omit<ColumnJob, 'plan' | 'regionStart' | 'regionEnd'>,
    onProgress?: ProgressFn): Promise<void> {
    const memory = this.memory!;
    new Int32Array(memory.buffer, plan.counter, 2).fill(0);
    const region = (t: number) => ({
      regionStart: plan.recordsStart + t * plan.recordBytes,
      regionEnd: plan.recordsStart + (t + 1) * plan.recordBytes,
    });
    const learn = (used: number) => { this.recordBytes = Math.max(this.recordBytes, Math.ceil(used * 1.25)); };
    const threads = Math.min(this.threads, plan.nCols);
    if (threads <= 1) {
      this.local ??= instantiateKernel(kernelModule(), memory);
      learn(runColumns(this.local, memory, { plan, ...job, ...region(0) },
        () => onProgress?.(new Int32Array(memory.buffer, plan.counter, 2)[1], plan.nCols)));
      return;
    }
    this.spawn(threads, memory);
    for (const w of this.workers) w.ref();
    const timer = onProgress && setInterval(
      () => onProgress(Atomics.load(new Int32Array(memory.buffer, plan.counter, 2), 1), plan.nCols), 100);
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
        w.postMessage({ type: 'run', job: { plan, ...job, ...region(t) } });
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
      const w = new Worker(workerUrl());
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
