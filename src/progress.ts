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
