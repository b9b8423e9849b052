// Progress for long work: a bar on a TTY, plain lines otherwise (CI logs, pipes).
import cliProgress from 'cli-progress';

export interface Progress {
  start(label: string, total: number): void;
  update(done: number): void;
  stop(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  if (quiet) return { start() {}, update() {}, stop() {} };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream,
      format: '{label} [{bar}] {value}/{total} strategies | {eta_formatted} left',
      hideCursor: true,
      clearOnComplete: true,
    }, cliProgress.Presets.shades_classic);
    return {
      start: (label, total) => bar.start(total, 0, { label }),
      update: (done) => bar.update(done),
      stop: () => bar.stop(),
    };
  }
  // plain lines: one at the start, one per 25 % step, none repeated
  let label = '';
  let total = 0;
  let lastStep = -1;
  return {
    start(l, t) {
      label = l;
      total = t;
      lastStep = -1;
    },
    update(done) {
      const step = total ? Math.floor((done / total) * 4) : 4;
      if (step > lastStep) {
        lastStep = step;
        stream.write(`${label}: ${done}/${total} strategies\n`);
      }
    },
    stop() {},
  };
}

export interface SweepProgress {
  batchDone(batch: string, strategies: number, skipped: boolean): void;
  stop(): void;
}

const duration = (s: number) => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`);

/** Batches done, strategies per second and time left, over a whole sweep. */
export function createSweepProgress(stream: NodeJS.WriteStream, total: number, quiet = false): SweepProgress {
  if (quiet) return { batchDone() {}, stop() {} };
  const t0 = performance.now();
  let done = 0;
  let strategies = 0;
  let ran = 0;
  const rate = () => strategies / Math.max(1e-9, (performance.now() - t0) / 1000);
  const eta = () => (ran ? duration(((performance.now() - t0) / 1000 / ran) * (total - done)) : '?');
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream,
      format: 'sweep [{bar}] {value}/{total} batches | {rate} strategies/s | {eta_text} left | {batch}',
      hideCursor: true,
    }, cliProgress.Presets.shades_classic);
    bar.start(total, 0, { rate: '-', eta_text: '?', batch: '' });
    return {
      batchDone(batch, n, skipped) {
        done++;
        if (!skipped) { ran++; strategies += n; }
        bar.update(done, { rate: rate().toFixed(0), eta_text: eta(), batch });
      },
      stop: () => bar.stop(),
    };
  }
  return {
    batchDone(batch, n, skipped) {
      done++;
      if (!skipped) { ran++; strategies += n; }
      stream.write(`[${done}/${total}] ${batch}: ${skipped ? 'already done' : `${n} strategies`}; ` +
        `${rate().toFixed(0)} strategies/s, ${eta()} left\n`);
    },
    stop() {},
  };
}
