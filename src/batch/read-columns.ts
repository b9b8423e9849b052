// Output-shaped parquet files (ours or vectorbt's: trades, metrics, daily returns) read column by
// column through the Arrow C data interface (arrow-c.ts): parquet-wasm decodes one column at a
// time (its heap never shrinks, so it stays one column big), and each column's buffers are copied
// once into JS arrays; strings stay offsets + bytes, with no IPC round trip and no value per row.
// Anything this reader does not handle (other types, sliced arrays, missing columns, a corrupt
// file) goes through `readParquetTable` instead, so errors and results are the same as there.
import * as arrow from 'apache-arrow';
import { ParquetFile, wasmMemory } from 'parquet-wasm';

import { readCArray, readCSchemaFields, type CArray, type CField } from './arrow-c.js';
import { readFileBytes, readParquetTable } from './read.js';

/** Rows per decoded batch: one huge value means "one batch per row group" (see read.ts). */
const READ_BATCH_SIZE = 0x7fffffff;

const TIME_UNITS: Record<string, arrow.TimeUnit> = {
  s: arrow.TimeUnit.SECOND, m: arrow.TimeUnit.MILLISECOND, u: arrow.TimeUnit.MICROSECOND, n: arrow.TimeUnit.NANOSECOND,
};

/** The Arrow JS type of a C format string this reader copies; null for any other. */
function typeOf(format: string): arrow.DataType | null {
  switch (format) {
    case 'g': return new arrow.Float64();
    case 'f': return new arrow.Float32();
    case 'l': return new arrow.Int64();
    case 'i': return new arrow.Int32();
    case 's': return new arrow.Int16();
    case 'c': return new arrow.Int8();
    case 'u': return new arrow.Utf8();
    case 'U': return new arrow.LargeUtf8();
    case 'tdD': return new arrow.DateDay();
  }
  const ts = /^ts([smun]):(.*)$/.exec(format);
  if (ts) return new arrow.Timestamp(TIME_UNITS[ts[1]], ts[2] || null);
  return null;
}

/** Signals "read this file the general way". */
class Unsupported extends Error {}

function copyBytes(memory: ArrayBuffer, at: number, n: number): Uint8Array {
  return new Uint8Array(memory, at, n).slice();
}

/** A copy of one ArrowArray (no offset) of a fixed-width or string `type` as Arrow JS data. */
function copyData(memory: ArrayBuffer, c: CArray, type: arrow.DataType): arrow.Data {
  if (c.offset !== 0) throw new Unsupported('sliced array');
  const n = c.length;
  const validity = c.buffers[0];
  const nullBitmap = validity && c.nullCount !== 0 ? copyBytes(memory, validity, (n + 7) >> 3) : undefined;
  const nullCount = nullBitmap ? -1 : 0; // -1: arrow-js counts when asked
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) {
    const wide = arrow.DataType.isLargeUtf8(type);
    const offsets = wide
      ? new BigInt64Array(memory, c.buffers[1], n + 1).slice()
      : new Int32Array(memory, c.buffers[1], n + 1).slice();
    const from = Number(offsets[0]);
    const to = Number(offsets[n]);
    if (from !== 0) {
      if (offsets instanceof BigInt64Array) for (let i = 0; i <= n; i++) offsets[i] -= BigInt(from);
      else for (let i = 0; i <= n; i++) offsets[i] -= from;
    }
    const data = copyBytes(memory, c.buffers[2] + from, to - from);
    return arrow.makeData({ type: type as arrow.Utf8, length: n, nullCount, nullBitmap, valueOffsets: offsets as Int32Array, data });
  }
  const ArrayType = (type as arrow.Float).ArrayType as unknown as new (b: ArrayBuffer, at: number, n: number) => Float64Array;
  const data = new ArrayType(memory, c.buffers[1], n).slice();
  return arrow.makeData({ type: type as arrow.Float, length: n, nullCount, nullBitmap, data });
}

/** A copy of one ArrowArray of the column `field` (possibly dictionary-encoded). */
function copyColumnData(memory: ArrayBuffer, c: CArray, field: CField): { type: arrow.DataType; data: arrow.Data } {
  if (field.dictionary) {
    const indexType = typeOf(field.format);
    const valueType = typeOf(field.dictionary.format);
    if (!indexType || !arrow.DataType.isInt(indexType) || !valueType || !c.dictionary) throw new Unsupported(field.format);
    const type = new arrow.Dictionary(valueType, indexType as arrow.Int32);
    const values = copyData(memory, readCArray(memory, c.dictionary), valueType);
    const indices = copyData(memory, c, indexType);
    const data = arrow.makeData({
      type, length: indices.length, nullCount: indices.nullCount, nullBitmap: indices.nullBitmap,
      data: indices.values as Int32Array, dictionary: arrow.makeVector(values),
    });
    return { type, data };
  }
  const type = typeOf(field.format);
  if (!type) throw new Unsupported(field.format);
  return { type, data: copyData(memory, c, type) };
}

/** Decodes the column `name` of `pf` alone and copies it out of parquet-wasm's memory: one Data per batch. */
async function readColumn(pf: ParquetFile, name: string): Promise<{ type: arrow.DataType; chunks: arrow.Data[] }> {
  const stream = (await pf.read({ columns: [name], batchSize: READ_BATCH_SIZE })).intoFFI();
  try {
    const memory = wasmMemory().buffer;
    const fields = readCSchemaFields(memory, stream.schemaAddr());
    if (fields.length !== 1 || fields[0].name !== name) throw new Unsupported(`decoded ${fields.length} columns`);
    const chunks: arrow.Data[] = [];
    let type: arrow.DataType | null = null;
    for (let b = 0; b < stream.numArrays(); b++) {
      const batch = readCArray(memory, stream.arrayAddr(b));
      const col = copyColumnData(memory, readCArray(memory, batch.children[0]), fields[0]);
      type = col.type;
      chunks.push(col.data);
    }
    if (!type) throw new Unsupported('no record batches');
    return { type, chunks };
  } finally {
    stream.drop();
  }
}

/** Whether the chunks of a column can be joined by {@link joinChunks}: one chunk, or no nulls and no dictionary. */
function joinable(col: { type: arrow.DataType; chunks: arrow.Data[] }): boolean {
  return col.chunks.length === 1 || (!arrow.DataType.isDictionary(col.type) && col.chunks.every((d) => d.nullCount === 0));
}

/** The chunks (no nulls) of a fixed-width or string column as one Data. */
function joinChunks(chunks: arrow.Data[], type: arrow.DataType): arrow.Data {
  if (chunks.length === 1) return chunks[0];
  const length = chunks.reduce((n, d) => n + d.length, 0);
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) {
    const wide = arrow.DataType.isLargeUtf8(type);
    const offsets = wide ? new BigInt64Array(length + 1) : new Int32Array(length + 1);
    const data = new Uint8Array(chunks.reduce((n, d) => n + d.values.length, 0));
    let row = 0;
    let at = 0;
    for (const d of chunks) {
      const from = d.valueOffsets as Int32Array | BigInt64Array; // starts at 0 (copyData rebased it)
      if (offsets instanceof BigInt64Array) for (let i = 1; i <= d.length; i++) offsets[row + i] = (from[i] as bigint) + BigInt(at);
      else for (let i = 1; i <= d.length; i++) offsets[row + i] = (from[i] as number) + at;
      data.set(d.values as Uint8Array, at);
      row += d.length;
      at += d.values.length;
    }
    return arrow.makeData({ type: type as arrow.Utf8, length, nullCount: 0, valueOffsets: offsets as Int32Array, data });
  }
  const ArrayType = (type as arrow.Float).ArrayType as unknown as new (n: number) => Float64Array;
  const data = new ArrayType(length);
  let row = 0;
  for (const d of chunks) {
    data.set(d.values as Float64Array, row);
    row += d.length;
  }
  return arrow.makeData({ type: type as arrow.Float, length, nullCount: 0, data });
}

/** The column names of a parquet file's schema. */
function columnNames(pf: ParquetFile): string[] {
  return arrow.tableFromIPC(pf.schema().intoIPCStream()).schema.fields.map((f) => f.name);
}

/** Columns of one parquet file, decoded on demand: each call to `read` decodes only those asked for. */
export interface ParquetColumns {
  /** The columns `columns` (all when omitted), in that order, as `readParquetColumns` gives them. */
  read(columns?: readonly string[]): Promise<arrow.Table>;
  /** Releases the file (its bytes and parquet-wasm's reader). */
  close(): void;
}

/** Opens `file` for {@link ParquetColumns.read}; a file parquet-wasm cannot open reads the general way. */
export async function openParquetColumns(file: string): Promise<ParquetColumns> {
  let pf: ParquetFile | undefined;
  let have: string[] = [];
  try {
    pf = await ParquetFile.fromFile(new Blob([readFileBytes(file) as Uint8Array<ArrayBuffer>]));
    have = columnNames(pf);
  } catch {
    pf?.free();
    pf = undefined;
  }
  const read = async (columns?: readonly string[]): Promise<arrow.Table> => {
    try {
      if (!pf) throw new Unsupported('not opened');
      return await readTable(pf, have, columns ?? have);
    } catch {
      // not ours to judge: the general reader gives the one-line error (or reads what we skipped)
      return readParquetTable(file);
    }
  };
  return { read, close: () => { pf?.free(); pf = undefined; } };
}

async function readTable(pf: ParquetFile, have: string[], wanted: readonly string[]): Promise<arrow.Table> {
  if (wanted.length === 0 || wanted.some((c) => !have.includes(c))) throw new Unsupported('missing column');
  const read: { type: arrow.DataType; chunks: arrow.Data[] }[] = [];
  for (const name of wanted) read.push(await readColumn(pf, name));
  // every column was decoded with the same batch size over the same row groups: batches align
  // one chunk per column where possible: the comparisons then read the copies in place
  if (read.every(joinable)) for (const col of read) col.chunks = [joinChunks(col.chunks, col.type)];
  const schema = new arrow.Schema(read.map((col, i) => new arrow.Field(wanted[i], col.type, true)));
  const batches = read[0].chunks.map((first, b) => new arrow.RecordBatch(schema, arrow.makeData({
    type: new arrow.Struct(schema.fields), length: first.length, nullCount: 0, children: read.map((col) => col.chunks[b]),
  })));
  if (batches.some((batch) => batch.data.children.some((d) => d.length !== batch.numRows))) throw new Unsupported('misaligned');
  return new arrow.Table(schema, batches);
}

/**
 * `file` as an Arrow table of the columns `columns` (all when omitted), in that order. Results
 * and errors are those of `readParquetTable(file)` for the columns read.
 */
export async function readParquetColumns(file: string, columns?: readonly string[]): Promise<arrow.Table> {
  const f = await openParquetColumns(file);
  try {
    return await f.read(columns);
  } finally {
    f.close();
  }
}
