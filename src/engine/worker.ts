// A worker thread: one kernel instance over the shared memory, reused for every batch.
import { parentPort } from 'node:worker_threads';
import { instantiateKernel, type KernelExports } from './kernel.js';
import { runColumns, type ColumnJob } from './run-columns.js';

type Message =
  | { type: 'init'; module: WebAssembly.Module; memory: WebAssembly.Memory }
  | { type: 'run'; job: ColumnJob };

let kernel: KernelExports | undefined;
let memory: WebAssembly.Memory | undefined;

parentPort!.on('message', (msg: Message) => {
  if (msg.type === 'init') {
    memory = msg.memory;
    kernel = instantiateKernel(msg.module, memory);
    return;
  }
  try {
    const used = runColumns(kernel!, memory!, msg.job);
    parentPort!.postMessage({ type: 'done', used });
  } catch (err) {
    parentPort!.postMessage({ type: 'error', message: (err as Error).message });
  }
});
