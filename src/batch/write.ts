// Batch outputs: Arrow table → parquet bytes (parquet-wasm, a row group at a time), and publishing a batch's files
// so that they appear whole or not at all.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import {
  Compression, EnabledStatistics, Encoding, Table as WasmTable, WriterPropertiesBuilder, transformParquetStream, writeParquet,
  type WriterProperties,
} from 'parquet-wasm';

import { oneLine, SimrunError } from '../errors.js';
import { checkReplaceable, markerText, OUTPUT_MARKER } from './ownership.js';

export { readParquetTable } from './read.js';

type Buf = ArrayBufferView | undefined;

/**
 * `data` with a copy of each buffer whose bytes overlap a buffer seen before in the same ArrayBuffer;
 * all other buffers are kept as they are. apache-arrow's IPC writer joins its output chunks with
 * `collapseContiguousByteRanges`, which merges two chunks that are views of one ArrayBuffer when the
 * second starts inside the first (the same typed array used for two columns): the stream then misses
 * bytes. Views of one big memory that do not overlap are joined correctly and need no copy.
 */
function unshareData(data: arrow.Data, seen: Map<ArrayBufferLike, [number, number][]>): arrow.Data {
  const own = <B extends Buf>(b: B): B => {
    if (!b || b.byteLength === 0) return b;
    const start = b.byteOffset;
    const end = start + b.byteLength;
    const ranges = seen.get(b.buffer);
    if (!ranges) seen.set(b.buffer, [[start, end]]);
    else if (ranges.some(([s, e]) => start < e && s < end)) return (b as unknown as { slice(): B }).slice();
    else ranges.push([start, end]);
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
  const seen = new Map<ArrayBufferLike, [number, number][]>();
  const batches = table.batches.map((rb) =>
    rb.numRows === 0 ? rb : new arrow.RecordBatch(rb.schema, unshareData(rb.data, seen) as arrow.Data<arrow.Struct>),
  );
  return batches.length > 0 ? new arrow.Table(table.schema, batches) : table;
}

/**
 * Rows per parquet row group, and per slice handed to the writer by tableToParquetInGroups: the
 * writer's memory is bounded by one group. 65,536 rows write as fast as 262,144 and the file is
 * 0.5 % larger (bench/results/writer-options.md), while a full longshort batch's peak RSS drops by
 * ~50 MB, which keeps it clear of 1 GiB rather than 10–20 MB under it.
 */
export const ROW_GROUP_ROWS = 65_536;

/** Columns written without statistics (see writerProperties). */
export interface ParquetOptions {
  noStatistics?: readonly string[];
}

/**
 * The writer settings, chosen per column type (bench/results/writer-options.md): snappy (as fast as
 * no compression here, two thirds of zstd's time for 7 % more bytes, and pyarrow's default);
 * dictionary pages only for strings (a strategy name per trade); floats BYTE_STREAM_SPLIT (prices,
 * fees and returns compress far better byte plane by byte plane); integers, timestamps and dates
 * DELTA_BINARY_PACKED (bar indices and times grow). pandas, polars and duckdb read all of it.
 * Statistics are kept except on `noStatistics`: min/max of strings is most of what statistics
 * cost, and on a column of two or three labels they let a reader skip next to nothing.
 */
function writerProperties(schema: arrow.Schema, rowGroupRows: number, opts: ParquetOptions = {}): WriterProperties {
  let b = new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).setDictionaryEnabled(false)
    .setMaxRowGroupSize(rowGroupRows);
  for (const f of schema.fields) {
    const t = f.type;
    if (arrow.DataType.isUtf8(t) || arrow.DataType.isLargeUtf8(t) || arrow.DataType.isDictionary(t)) {
      b = b.setColumnDictionaryEnabled(f.name, true);
    } else if (arrow.DataType.isFloat(t) && t.precision !== arrow.Precision.HALF) {
      b = b.setColumnEncoding(f.name, Encoding.BYTE_STREAM_SPLIT);
    } else if (arrow.DataType.isInt(t) || arrow.DataType.isTimestamp(t) || arrow.DataType.isDate(t)) {
      b = b.setColumnEncoding(f.name, Encoding.DELTA_BINARY_PACKED);
    }
    if (opts.noStatistics?.includes(f.name)) b = b.setColumnStatisticsEnabled(f.name, EnabledStatistics.None);
  }
  return b.build();
}

const encodeError = (e: unknown) => new SimrunError('output', `cannot encode parquet (${oneLine(e)})`);

/** Encodes an Arrow table as one parquet file in a single call (small tables; see tableToParquetInGroups). */
export function tableToParquet(table: arrow.Table, rowGroupRows = ROW_GROUP_ROWS, opts: ParquetOptions = {}): Uint8Array {
  try {
    const wasmTable = WasmTable.fromIPCStream(arrow.tableToIPC(unshareBuffers(table), 'stream'));
    return writeParquet(wasmTable, writerProperties(table.schema, rowGroupRows, opts));
  } catch (e) {
    throw encodeError(e);
  }
}

/**
 * Encodes an Arrow table as parquet one row group at a time: each slice of `rowGroupRows` rows goes
 * through IPC into the writer's memory, is encoded as one row group and dropped before the next. So
 * the writer never holds a second copy of the whole table, only one group and the compressed file;
 * memory grows with the output, not with the table. The file comes as the writer's chunks, in order
 * (publishBatchOutputs writes them one after another: joining them would copy the whole file).
 */
export async function tableToParquetInGroups(table: arrow.Table, rowGroupRows = ROW_GROUP_ROWS, opts: ParquetOptions = {}):
  Promise<Uint8Array[]> {
  if (table.numRows <= rowGroupRows) return [tableToParquet(table, rowGroupRows, opts)];
  const source = unshareBuffers(table);
  try {
    let at = 0;
    const batches = new ReadableStream({
      pull(controller) {
        if (at >= source.numRows) return controller.close();
        const slice = source.slice(at, Math.min(at + rowGroupRows, source.numRows));
        at += rowGroupRows;
        for (const batch of WasmTable.fromIPCStream(arrow.tableToIPC(slice, 'stream')).recordBatches()) {
          controller.enqueue(batch);
        }
      },
    }, { highWaterMark: 0 });
    const chunks: Uint8Array[] = [];
    const reader = (await transformParquetStream(batches, writerProperties(table.schema, rowGroupRows, opts))).getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value as Uint8Array);
    return chunks;
  } catch (e) {
    throw encodeError(e);
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

/** A file's bytes: whole, or the chunks a streaming writer produced, to be written in order. */
export type FileBytes = Uint8Array | readonly Uint8Array[];

function writeFileSynced(file: string, bytes: FileBytes): void {
  const fd = fs.openSync(file, 'wx');
  try {
    for (const data of bytes instanceof Uint8Array ? [bytes] : bytes) {
      let off = 0;
      while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
    }
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
export function publishBatchOutputs(outDir: string, files: Record<string, FileBytes>): void {
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
    writeFileSynced(path.join(tmp, OUTPUT_MARKER), Buffer.from(markerText(Object.keys(files)), 'utf8'));
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
