// signals.parquet decoded on a thread of its own, so that the main thread meanwhile reads the bars
// (one batch) or builds and writes the previous batch's outputs (a sweep). When the main thread is
// done with that, it can join in: both take groups of columns from one shared counter, so neither
// waits for the other. The thread is started on first use and kept, unref'd, for the next batch.
// Without a compiled entry (dist/ not built), and for a small file while no thread runs yet, the
// signals are read in the calling thread. This module loads no Arrow nor parquet-wasm itself (read.js
// is imported when first needed), so that the CLI can start the thread before it loads them.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { SimrunError, type ErrorKind } from '../errors.js';
import { threadExecArgv } from '../threads.js';
import type { ReadSignalsOptions, SignalColumns, SignalGroups } from './read.js';

export interface ReadRequest {
  id: number;
  file: string;
  opts: ReadSignalsOptions;
  /** One Int32: the next group of columns to claim (shared with the requesting thread). */
  counter: SharedArrayBuffer;
}

export type ReadReply =
  | { id: number; part: SignalGroups }
  | { id: number; error: { kind?: ErrorKind; message: string; file?: string } };

function entryUrl(): URL | null {
  const sibling = new URL('./read-thread-entry.js', import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const dist = new URL('../../dist/src/batch/read-thread-entry.js', import.meta.url);
  return existsSync(fileURLToPath(dist)) ? dist : null;
}

let thread: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, { resolve: (s: SignalGroups) => void; reject: (e: Error) => void }>();

function start(url: URL): Worker {
  const w = new Worker(url, { execArgv: threadExecArgv() });
  w.on('message', (reply: ReadReply) => {
    const wait = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (waiting.size === 0) w.unref();
    if (!wait) return;
    if ('part' in reply) wait.resolve(reply.part);
    else if (reply.error.kind) wait.reject(new SimrunError(reply.error.kind, reply.error.message, reply.error.file));
    else wait.reject(new Error(reply.error.message));
  });
  w.on('error', (err) => {
    thread = undefined;
    for (const wait of waiting.values()) wait.reject(err);
    waiting.clear();
  });
  w.unref();
  return w;
}

/**
 * Below this size signals.parquet decodes in less time than the reader thread takes to start (it
 * loads its own Arrow and parquet-wasm, ~0.2 s of CPU), so a small file is read in the calling thread.
 */
const OFF_THREAD_BYTES = 1 << 20;

/** signals.parquet being read: {@link SignalsRead.finish} gives the columns. */
export interface SignalsRead {
  /**
   * The columns, once read. With `help`, this thread decodes the groups the reader thread has not
   * yet claimed (call it when this thread has nothing better to do).
   */
  finish(help?: boolean): Promise<SignalColumns>;
}

/** Starts reading signals.parquet on the reader thread (a small file: in this thread, at finish). */
export function startSignalsRead(file: string, opts: ReadSignalsOptions, minBytes = OFF_THREAD_BYTES): SignalsRead {
  const url = entryUrl();
  const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  if (!url || (size < minBytes && !thread)) return { finish: async () => (await import('./read.js')).readSignals(file, opts) };
  thread ??= start(url);
  const id = nextId++;
  const counter = new SharedArrayBuffer(4);
  const request: ReadRequest = { id, file, opts, counter };
  thread.ref();
  const there = new Promise<SignalGroups>((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    thread!.postMessage(request);
  });
  there.catch(() => {}); // awaited in finish
  return {
    async finish(help = false) {
      const { joinSignalGroups, readSignalGroups } = await import('./read.js');
      const next = new Int32Array(counter);
      const parts: SignalGroups[] = [];
      if (help) {
        const here = readSignalGroups(file, opts, () => Atomics.add(next, 0, 1));
        // the reader thread's error first (it started first), else this thread's
        const [t, h] = await Promise.allSettled([there, here]);
        if (t.status === 'rejected') throw t.reason;
        if (h.status === 'rejected') throw h.reason;
        parts.push(t.value, h.value);
      } else {
        parts.push(await there);
      }
      return joinSignalGroups(file, opts, parts);
    },
  };
}

/** {@link readSignals} on the reader thread (a small file: in this thread). */
export function readSignalsOffThread(file: string, opts: ReadSignalsOptions, minBytes = OFF_THREAD_BYTES):
  Promise<SignalColumns> {
  return startSignalsRead(file, opts, minBytes).finish();
}

/**
 * Starts the reader thread now (if it can run), so that it loads its Arrow and parquet-wasm while
 * this thread loads its own: the CLI calls it before importing the rest of simrun.
 */
export function warmReadThread(): void {
  const url = entryUrl();
  if (url) thread ??= start(url);
}

/** Stops the reader thread (the process does not wait for it anyway). */
export async function closeReadThread(): Promise<void> {
  const t = thread;
  thread = undefined;
  await t?.terminate();
}
