// Batch outputs: Arrow table → parquet bytes (parquet-wasm, zstd), and publishing a batch's files
// so that they appear whole or not at all.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';

import { oneLine, SimrunError } from '../errors.js';
import { checkReplaceable, MARKER_TEXT, OUTPUT_MARKER } from './ownership.js';

export { readParquetTable } from './read.js';

type Buf = ArrayBufferView | undefined;

/**
 * A copy of `data` in which no buffer shares an ArrayBuffer with a buffer seen before. apache-arrow's
 * IPC writer joins its output chunks with `collapseContiguousByteRanges`, which merges two chunks that
 * are views of the same ArrayBuffer and overlap (the same typed array used for two columns, or views
 * into one big memory such as the kernel's): the stream then misses bytes and cannot be read back.
 */
function unshareData(data: arrow.Data, seen: Set<ArrayBufferLike>): arrow.Data {
  const own = <B extends Buf>(b: B): B => {
    if (!b || b.byteLength === 0) return b;
    if (seen.has(b.buffer)) return (b as unknown as { slice(): B }).slice();
    seen.add(b.buffer);
    return b;
  };
  const b = data.buffers;
  const buffers = [own(b[0]), own(b[1]), own(b[2]), own(b[3])] as unknown as typeof b;
  // (arrow-js leaves a Vector instead of a Data as the child of an empty batch built from an empty vector)
  const children = data.children.map((c) => (c instanceof arrow.Data ? unshareData(c, seen) : c));
  const variadic = data.variadicBuffers.map((v) => own(v));
  const out = data.clone(data.type, data.offset, data.length, data.nullCount, buffers, children, variadic);
  if (data.dictionary) out.dictionary = new arrow.Vector(data.dictionary.data.map((d) => unshareData(d, seen)));
  return out;
}

function unshareBuffers(table: arrow.Table): arrow.Table {
  const seen = new Set<ArrayBufferLike>();
  const batches = table.batches.map((rb) =>
    rb.numRows === 0 ? rb : new arrow.RecordBatch(rb.schema, unshareData(rb.data, seen) as arrow.Data<arrow.Struct>),
  );
  return batches.length > 0 ? new arrow.Table(table.schema, batches) : table;
}

/** Encodes an Arrow table as a zstd-compressed parquet file. */
export function tableToParquet(table: arrow.Table): Uint8Array {
  try {
    const wasmTable = WasmTable.fromIPCStream(arrow.tableToIPC(unshareBuffers(table), 'stream'));
    const props = new WriterPropertiesBuilder().setCompression(Compression.ZSTD).build();
    return writeParquet(wasmTable, props);
  } catch (e) {
    throw new SimrunError('output', `cannot encode parquet (${oneLine(e)})`);
  }
}

function checkFileName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name === OUTPUT_MARKER || /[/\\\0]/.test(name)) {
    throw new Error(`bad output file name "${name}"`);
  }
}

/**
 * Writes `file` whole or not at all: into `<file>.tmp-<pid>-<random>` in the same folder, fsynced,
 * then renamed over `file`. On failure the temporary is removed and the error rethrown.
 */
export function writeFileAtomic(file: string, data: Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  try {
    writeFileSynced(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function writeFileSynced(file: string, data: Uint8Array): void {
  const fd = fs.openSync(file, 'wx');
  try {
    let off = 0;
    while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // some file systems do not support fsync on directories; the data files themselves are synced
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function removeQuietly(p: string): void {
  try {
    fs.rmSync(p, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes `files` (name → bytes) as the whole content of `outDir`: into `<outDir>.tmp-<pid>-<random>`
 * first (simrun's marker, then each file, fsynced), then renamed into place. An existing `outDir` is
 * replaced only if simrun made it (ownership.ts), and only once the new one is complete
 * (old → `<outDir>.old-…`, new → outDir, old removed). On any failure no partial outDir is left, an
 * existing one is kept, and SimrunError('output') names the directory.
 */
export function publishBatchOutputs(outDir: string, files: Record<string, Uint8Array>): void {
  const target = path.resolve(outDir);
  checkReplaceable(target);
  const parent = path.dirname(target);
  const tag = `${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  const tmp = `${target}.tmp-${tag}`;
  const old = `${target}.old-${tag}`;
  let tmpCreated = false;
  try {
    for (const name of Object.keys(files)) checkFileName(name);
    fs.mkdirSync(parent, { recursive: true });
    fs.mkdirSync(tmp);
    tmpCreated = true;
    writeFileSynced(path.join(tmp, OUTPUT_MARKER), Buffer.from(MARKER_TEXT, 'utf8'));
    for (const [name, data] of Object.entries(files)) writeFileSynced(path.join(tmp, name), data);
    fsyncDir(tmp);

    if (exists(target)) {
      fs.renameSync(target, old);
      try {
        fs.renameSync(tmp, target);
      } catch (e) {
        // put the previous outputs back
        try {
          fs.renameSync(old, target);
        } catch {
          // nothing more we can do; the old outputs are still at `old`
        }
        throw e;
      }
      tmpCreated = false;
      removeQuietly(old);
    } else {
      fs.renameSync(tmp, target);
      tmpCreated = false;
    }
    fsyncDir(parent);
  } catch (e) {
    if (tmpCreated) removeQuietly(tmp);
    throw new SimrunError('output', `cannot write outputs (${oneLine(e)})`, outDir);
  }
}
