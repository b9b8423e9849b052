#!/usr/bin/env node
// The `simrun` command: the compiled CLI (npm run build puts it in dist/).
import { warmReadThread } from '../dist/src/batch/read-thread.js';

// Runs of batches (not `report`, `queue`, `worker`, help): the signals reader thread starts loading
// parquet-wasm now, on the other core, while this thread loads the CLI (~0.3 s each).
const sub = process.argv[2];
const help = process.argv.some((a) => a === '--help' || a === '-h' || a === '--version' || a === '-V');
if (!['report', 'queue', 'worker'].includes(sub) && !help) warmReadThread();

const { main } = await import('../dist/src/cli.js');
process.exitCode = await main(process.argv);
