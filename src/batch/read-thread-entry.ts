// The reader thread of read-thread.ts: decodes the groups of signal columns it claims from the
// shared counter and hands their bit buffers over (transferred).
import { parentPort } from 'node:worker_threads';

import { SimrunError } from '../errors.js';
import { readSignalGroups } from './read.js';
import type { ReadReply, ReadRequest } from './read-thread.js';

parentPort!.on('message', async ({ id, file, opts, counter }: ReadRequest) => {
  try {
    const next = new Int32Array(counter);
    const part = await readSignalGroups(file, opts, () => Atomics.add(next, 0, 1));
    const buffers: ArrayBuffer[] = [];
    for (const { bits } of part.groups) for (const col of bits) for (const chunk of col) buffers.push(chunk.bits.buffer as ArrayBuffer);
    parentPort!.postMessage({ id, part } satisfies ReadReply, [...new Set(buffers)]);
  } catch (e) {
    const error = e instanceof SimrunError
      ? { kind: e.kind, file: e.file, message: e.file ? e.message.slice(e.file.length + 2) : e.message }
      : { message: String((e as Error)?.message ?? e) };
    parentPort!.postMessage({ id, error } satisfies ReadReply);
  }
});
