// Several batches through run-batch.ts's phases at once, one batch per phase: while batch k is in
// the kernel, batch k+1 is read and batch k−1's outputs are built and written. The sweep
// (src/sweep.ts) and the queue worker's runner (src/queue/runner.ts) both run their batches here.
//
// Each phase takes one batch at a time, in the order the batches were handed in (see run() for the
// turns; simulations also queue on KernelPool.exclusive). A batch holds its inputs from its read
// until its finish; the turns keep at most three batches held (one being read, one in the kernel,
// one being written) plus the bars of the last asset read (BarsCache), and the callers hand in at
// most three at a time.
import { BarsCache, finishBatch, readBatch, simulateBatch, type BatchPlan, type RunBatchResult } from './run-batch.js';

/** Batches in flight at once: one being read, one in the kernel, one being written. */
export const BATCHES_IN_FLIGHT = 3;

export type Phase = 'read' | 'simulate' | 'finish';

/** When a batch's phases started and ended, in ms since the epoch (comparable across threads). */
export type PhaseTimes = Partial<Record<Phase, [start: number, end: number]>>;

const epochMs = () => performance.timeOrigin + performance.now();

export interface PipelinedBatch {
  result: Promise<RunBatchResult>;
  /** Filled in as the phases run. */
  times: PhaseTimes;
}

/** A batch in the pipeline, as the batches after it wait for it. */
interface Slot {
  /** Settles once the batch is handed to the kernel (or failed before): the next batch's read may start. */
  handoff: Promise<void>;
  /** Settles once the batch is finished (or failed). */
  finished: Promise<void>;
  /** The next batch's handoff, once it is handed in. */
  next?: Promise<void>;
}

export class BatchPipeline {
  private readonly bars = new BarsCache();
  private last: Slot | undefined;
  private beforeLast: Slot | undefined;
  /** Batches handed in so far; the number of the first that failed. */
  private count = 0;
  private firstFailed = Infinity;

  /**
   * @param stopOnFailure after a batch fails, fail the batches handed in after it before their next phase
   *   (a sweep stops at its first failure); otherwise each batch fails alone (queue jobs).
   */
  constructor(private readonly stopOnFailure = false) {}

  /**
   * Hands a planned batch to the pipeline. Batch j's read starts once batch j−1 is in the kernel;
   * it enters the kernel once read and once batch j−2 is written (so at most three batches are held:
   * one read, one in the kernel, one written); it is written once batch j−1 is written and batch
   * j+1, if handed in by then, is in the kernel (the kernel is kept busy first). `t0` is when the
   * batch started, for its total.
   */
  run(plan: BatchPlan, t0 = performance.now(), onPhase?: (phase: Phase) => void): PipelinedBatch {
    const times: PhaseTimes = {};
    const seq = this.count++;
    const timed = async <T>(phase: Phase, work: () => Promise<T>): Promise<T> => {
      if (this.stopOnFailure && this.firstFailed < seq) throw new Error(`${plan.opts.batch}: not run, an earlier batch failed`);
      const start = epochMs();
      onPhase?.(phase);
      try {
        return await work();
      } finally {
        times[phase] = [start, epochMs()];
      }
    };
    const [prev, prevPrev] = [this.last, this.beforeLast];
    let handedOff!: () => void;
    let finished!: () => void;
    const me: Slot = {
      handoff: new Promise<void>((r) => { handedOff = r; }),
      finished: new Promise<void>((r) => { finished = r; }),
    };
    if (prev) prev.next = me.handoff;
    [this.beforeLast, this.last] = [prev, me];

    const inputs = (prev?.handoff ?? Promise.resolve()).then(() => timed('read', () => readBatch(plan, this.bars)));
    const sim = inputs.then(async (read) => {
      await prevPrev?.finished;
      return timed('simulate', () => {
        const simulating = simulateBatch(plan, read); // in the pool's queue now: the next read may start
        handedOff();
        return simulating;
      });
    });
    const result = sim.then(async (s) => {
      await prev?.finished;
      // a turn of the event loop, so that a batch handed in meanwhile (a queue job's message) is seen
      await new Promise((resolve) => setImmediate(resolve));
      await me.next;
      return timed('finish', async () => finishBatch(plan, await inputs, s, t0));
    });
    const failed = () => {
      this.firstFailed = Math.min(this.firstFailed, seq);
      handedOff();
      finished();
    };
    sim.catch(failed); // a failed read or simulation hands off at once
    result.then(() => finished(), failed);
    return { result, times };
  }
}
