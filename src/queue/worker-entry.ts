// `node dist/src/queue/worker-entry.js <worker options>`: `simrun worker` on its own, for the
// processes that `simrun worker --concurrency N` starts and for tests.
import { workerMain } from './worker.js';

process.exit(await workerMain(process.argv.slice(2)));
