// A `simrun worker` for the queue tests: the compiled workerMain (npm run build), plus a hook that
// can hold jobs so that a test can kill the worker mid-job or make two workers share the work.
//   SIMRUN_TEST_HOLD_MS     hold every job this long before its batch runs
//   SIMRUN_TEST_HOLD_FIRST  hold the first job this long instead (ms)
//   SIMRUN_TEST_MARKER      a file written with the batch name once a job is held (held jobs only)
import fs from 'node:fs';
import { workerMain } from '../../dist/src/queue/worker.js';

const every = Number(process.env.SIMRUN_TEST_HOLD_MS ?? 0);
const first = Number(process.env.SIMRUN_TEST_HOLD_FIRST ?? 0);
const marker = process.env.SIMRUN_TEST_MARKER;
let jobs = 0;

process.exit(await workerMain(process.argv.slice(2), process.stdout, process.stderr, {
  async onJobStart(job) {
    const ms = jobs++ === 0 && first ? first : every;
    // only a held job is named, whole (renamed into place): other jobs run meanwhile in the pipeline
    if (marker && ms) {
      fs.writeFileSync(`${marker}.tmp`, job.data.batch);
      fs.renameSync(`${marker}.tmp`, marker);
    }
    if (ms) await new Promise((r) => setTimeout(r, ms));
  },
}));
