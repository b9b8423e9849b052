// The reader thread of read-thread.ts: reads signals and hands their bit buffers over (transferred).
import { parentPort } from 'node:worker_threads';

import { SimrunError } from '../errors.js';
import { readSignals } from './read.js';
import type { ReadReply, ReadRequest } from './read-thread.js';

parentPort!.on('message', async ({ id, file, opts }: ReadRequest) => {
  try {
    const signals = await readSignals(file, opts);
    const buffers: ArrayBuffer[] = [];
    for (const { long, short } of signals.columns.values()) {
      for (const chunk of [...(long ?? []), ...(short ?? [])]) buffers.push(chunk.bits.buffer as ArrayBuffer);
    }
    parentPort!.postMessage({ id, signals } satisfies ReadReply, [...new Set(buffers)]);
  } catch (e) {
    const error = e instanceof SimrunError
      ? { kind: e.kind, file: e.file, message: e.file ? e.message.slice(e.file.length + 2) : e.message }
      : { message: String((e as Error)?.message ?? e) };
    parentPort!.postMessage({ id, error } satisfies ReadReply);
  }
});
