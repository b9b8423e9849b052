// Batch inputs: parquet (parquet-wasm → Arrow) and params.csv (csv-parse).
// Every problem a user can cause becomes a one-line SimrunError naming the file.
// The batch readers (bars, signals) take parquet-wasm's decoded buffers through the Arrow C data
// interface (arrow-c.ts) and copy them once into their final arrays; `readParquetTable`, for any
// other parquet file, goes through Arrow IPC, which handles every type.
import fs from 'node:fs';
import * as arrow from 'apache-arrow';
import { parse as parseCsv } from 'csv-parse/sync';
import { ParquetFile, readParquet, wasmMemory, type Table as WasmTable } from 'parquet-wasm';

import { oneLine, SimrunError } from '../errors.js';
import { settingValue, validatePrices } from '../validate.js';
import { SETTING_OF_COLUMN, type SettingOverrides } from '../settings.js';
import type { Bars, Direction, StrategyParams } from '../types.js';
import { firstNullInBitmap, readCArray, readCSchemaChildNames, type CArray } from './arrow-c.js';

// ---------------------------------------------------------------------------------------------
// Generic parquet → Arrow

/**
 * Rows per decoded record batch. parquet-wasm defaults to 1024, which makes decoding several times
 * slower and leaves thousands of chunks; arrow-rs caps the batch at the file's row count, so one
 * huge value means "one batch for the whole file" without allocating for it.
 */
const READ_BATCH_SIZE = 0x7fffffff;

export interface ReadTableOptions {
  /** Only decode these columns (all must exist). */
  columns?: string[];
}

/** The bytes of `file`; 'missing-file' / 'unreadable-file' on failure. */
export function readFileBytes(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SimrunError('missing-file', 'file not found', file);
    if (code === 'EISDIR') throw new SimrunError('unreadable-file', 'is a directory, expected a file', file);
    throw new SimrunError('unreadable-file', `cannot read file (${code ?? oneLine(e)})`, file);
  }
}

function notParquet(e: unknown, file: string): SimrunError {
  return new SimrunError('corrupt-parquet', `not a readable parquet file (${oneLine(e)})`, file);
}

function decodeFailed(e: unknown, file: string): SimrunError {
  return e instanceof SimrunError ? e : new SimrunError('corrupt-parquet', `cannot decode the parquet data (${oneLine(e)})`, file);
}

/**
 * Decodes parquet bytes to an Arrow table; 'corrupt-parquet' (naming `file`) if they are not valid
 * parquet. Note: parquet-wasm's synchronous reader ignores `columns` (it decodes them all).
 */
export function parquetBytesToTable(bytes: Uint8Array, file: string, options: ReadTableOptions = {}): arrow.Table {
  let ipc: Uint8Array;
  try {
    const wasmTable = readParquet(bytes, { batchSize: READ_BATCH_SIZE, columns: options.columns });
    ipc = wasmTable.intoIPCStream();
  } catch (e) {
    throw notParquet(e, file);
  }
  try {
    return arrow.tableFromIPC(ipc);
  } catch (e) {
    throw decodeFailed(e, file);
  }
}

/** Reads a whole parquet file into an Arrow table (one record batch unless the file is huge). */
export function readParquetTable(file: string, options: ReadTableOptions = {}): arrow.Table {
  return parquetBytesToTable(readFileBytes(file), file, options);
}

// ---------------------------------------------------------------------------------------------
// parquet-wasm's buffers as Arrow data (no copy): valid until the next parquet-wasm call

function schemaFromIPC(ipc: Uint8Array): arrow.Schema {
  return arrow.tableFromIPC(ipc).schema;
}

/** Element width in bytes of the fixed-width types the batch readers take (0: not one of them). */
function byteWidth(type: arrow.DataType): number {
  if (arrow.DataType.isTimestamp(type)) return 8;
  if (arrow.DataType.isFloat(type)) return [2, 4, 8][type.precision] ?? 0;
  if (arrow.DataType.isInt(type)) return type.bitWidth / 8;
  return 0;
}

/** One ArrowArray of a boolean or fixed-width column as Arrow JS data viewing `memory`. */
function viewData(memory: ArrayBuffer, c: CArray, type: arrow.DataType): arrow.Data {
  const [validity, values] = c.buffers;
  const bitBytes = (c.offset + c.length + 7) >> 3;
  const nullBitmap = validity ? new Uint8Array(memory, validity, bitBytes) : undefined;
  const nullCount = c.nullCount === 0 || !validity ? 0 : -1; // -1: arrow-js counts when asked
  if (arrow.DataType.isBool(type)) {
    // booleans: the data's offset is a bit offset into values (arrow-js does not slice them)
    return arrow.makeData({ type, offset: c.offset, length: c.length, nullCount, nullBitmap, data: new Uint8Array(memory, values, bitBytes) });
  }
  const width = byteWidth(type);
  if (width === 0) throw new Error(`no zero-copy view for ${arrowTypeName(type)}`);
  // primitives: values start at the chunk's first row; the bitmap keeps the offset
  const ArrayType = (type as arrow.Float).ArrayType as unknown as new (b: ArrayBuffer, at: number, n: number) => Float64Array;
  const data = new ArrayType(memory, values + c.offset * width, c.length);
  return arrow.makeData({ type: type as arrow.Float, offset: c.offset, length: c.length, nullCount, nullBitmap, data });
}

/**
 * A decoded parquet-wasm table as an Arrow JS table over parquet-wasm's memory, keeping only the
 * fields `keep` accepts (others stay out of JS). Calls `use` with it and releases the decoded data.
 */
function withWasmTable<T>(wasmTable: WasmTable, schema: arrow.Schema, keep: (f: arrow.Field) => boolean,
  use: (table: arrow.Table) => T): T {
  const stream = wasmTable.intoFFI();
  try {
    const memory = wasmMemory().buffer;
    const names = readCSchemaChildNames(memory, stream.schemaAddr());
    // all columns come in schema order; a projection keeps the file's order of the columns asked for
    const fields = names.map((name, i) => {
      const f = names.length === schema.fields.length ? schema.fields[i] : schema.fields.find((x) => x.name === name);
      if (f?.name !== name) throw new Error(`decoded column ${i} "${name}" is not in the schema`);
      return f;
    });
    const kept = fields.map((f, i) => [f, i] as const).filter(([f]) => keep(f));
    const keptSchema = new arrow.Schema(kept.map(([f]) => f));
    const batches: arrow.RecordBatch[] = [];
    for (let b = 0; b < stream.numArrays(); b++) {
      const batch = readCArray(memory, stream.arrayAddr(b));
      const children = kept.map(([f, i]) => viewData(memory, readCArray(memory, batch.children[i]), f.type));
      const struct = arrow.makeData({ type: new arrow.Struct(keptSchema.fields), length: batch.length, nullCount: 0, children });
      batches.push(new arrow.RecordBatch(keptSchema, struct));
    }
    return use(batches.length ? new arrow.Table(keptSchema, batches) : new arrow.Table(keptSchema));
  } finally {
    stream.drop();
  }
}

/** A parquet file opened for decoding column groups: parquet-wasm's async reader honours `columns`. */
interface OpenParquet {
  file: ParquetFile;
  schema: arrow.Schema;
  rows: number;
}

async function openParquet(bytes: Uint8Array, file: string): Promise<OpenParquet> {
  let pf: ParquetFile | undefined;
  try {
    pf = await ParquetFile.fromFile(new Blob([bytes as Uint8Array<ArrayBuffer>]));
    const rows = pf.metadata().fileMetadata().numRows();
    return { file: pf, schema: schemaFromIPC(pf.schema().intoIPCStream()), rows };
  } catch (e) {
    pf?.free();
    throw notParquet(e, file);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers on Arrow data

/** pyarrow-style name of an Arrow type, for messages ("int64", "bool", "timestamp[ns, tz=UTC]"). */
export function arrowTypeName(type: arrow.DataType): string {
  if (arrow.DataType.isBool(type)) return 'boolean';
  if (arrow.DataType.isInt(type)) return `${type.isSigned ? 'int' : 'uint'}${type.bitWidth}`;
  if (arrow.DataType.isFloat(type)) {
    return ['float16', 'float32', 'float64'][type.precision] ?? 'float';
  }
  if (arrow.DataType.isUtf8(type)) return 'string';
  if (arrow.DataType.isLargeUtf8(type)) return 'large_string';
  if (arrow.DataType.isBinary(type)) return 'binary';
  if (arrow.DataType.isTimestamp(type)) {
    const unit = ['s', 'ms', 'us', 'ns'][type.unit];
    return `timestamp[${unit}${type.timezone ? `, tz=${type.timezone}` : ''}]`;
  }
  if (arrow.DataType.isDate(type)) return type.unit === arrow.DateUnit.DAY ? 'date32' : 'date64';
  if (arrow.DataType.isNull(type)) return 'null';
  if (arrow.DataType.isDictionary(type)) {
    return `dictionary<values=${arrowTypeName(type.dictionary)}, indices=${arrowTypeName(type.indices)}>`;
  }
  return String(type).toLowerCase();
}

function firstNullRow(column: arrow.Vector): number {
  let base = 0;
  for (const d of column.data) {
    if (d.nullCount > 0) {
      for (let i = 0; i < d.length; i++) if (!d.getValid(i)) return base + i;
    }
    base += d.length;
  }
  return -1;
}

function missingColumn(schema: arrow.Schema, name: string, file: string): SimrunError {
  const have = schema.fields.map((f) => f.name);
  const shown = have.length > 12 ? [...have.slice(0, 12), '…'] : have;
  return new SimrunError('bad-schema', `missing column "${name}" (columns: ${shown.join(', ') || 'none'})`, file);
}

function requireColumn(table: arrow.Table, name: string, file: string): arrow.Vector {
  const col = table.getChild(name);
  if (!col) throw missingColumn(table.schema, name, file);
  return col;
}

function requireNoNulls(col: arrow.Vector, name: string, file: string): void {
  if (col.nullCount > 0) {
    throw new SimrunError('bad-value', `column "${name}" has a null at row ${firstNullRow(col)}`, file);
  }
}

// ---------------------------------------------------------------------------------------------
// Bars

function requireNumeric(type: arrow.DataType, name: string, file: string): void {
  if (!arrow.DataType.isFloat(type) && !arrow.DataType.isInt(type)) {
    throw new SimrunError('bad-schema', `column "${name}" is ${arrowTypeName(type)}, expected float64`, file);
  }
}

function requireTimestamp(type: arrow.DataType, name: string, file: string): asserts type is arrow.Timestamp {
  if (!arrow.DataType.isTimestamp(type)) {
    throw new SimrunError('bad-schema', `column "${name}" is ${arrowTypeName(type)}, expected a timestamp`, file);
  }
}

/** Converts one column of floats (or other numbers) into a fresh Float64Array. */
function numericColumn(table: arrow.Table, name: string, file: string): Float64Array {
  const col = requireColumn(table, name, file);
  const type = col.type;
  requireNumeric(type, name, file);
  requireNoNulls(col, name, file);
  const out = new Float64Array(col.length);
  let pos = 0;
  for (const d of col.data) {
    const n = d.length;
    const values = d.values as ArrayLike<number>;
    if (values instanceof Float64Array) {
      // primitive Data are pre-sliced: values[0] is row 0 of the chunk
      out.set(values.subarray(0, n), pos);
    } else if (values instanceof Float32Array) {
      for (let i = 0; i < n; i++) out[pos + i] = values[i];
    } else {
      const v = arrow.makeVector(d);
      for (let i = 0; i < n; i++) out[pos + i] = Number(v.get(i));
    }
    pos += n;
  }
  return out;
}

const TWO_32 = 4294967296;

/**
 * Timestamp column → UTC epoch ms (exact for whole-millisecond times), checking that it is strictly
 * increasing on the raw 64-bit values. Works on the int64s as (lo, hi) int32 pairs: no BigInt per row.
 */
function timestampColumn(table: arrow.Table, name: string, file: string): Float64Array {
  const col = requireColumn(table, name, file);
  const type = col.type;
  requireTimestamp(type, name, file);
  requireNoNulls(col, name, file);
  // value = hi·2^32 + lo;  ms = value / D = hi·Q + (hi·R + lo) / D  with 2^32 = Q·D + R (all exact in doubles)
  const unit = type.unit;
  const { q, r, d: div, m } = UNIT_CONVERSION[unit];
  const out = new Float64Array(col.length);
  let prevHi = 0;
  let prevLo = 0;
  let pos = 0;
  for (const d of col.data) {
    const n = d.length;
    const v = d.values as BigInt64Array;
    const w = new Int32Array(v.buffer, v.byteOffset, n * 2);
    for (let i = 0; i < n; i++) {
      const lo = w[2 * i] >>> 0;
      const hi = w[2 * i + 1];
      const row = pos + i;
      if (row > 0 && (hi < prevHi || (hi === prevHi && lo <= prevLo))) {
        throw new SimrunError(
          'bad-value',
          `column "${name}" is not strictly increasing at row ${row} (${isoOf(out[row - 1])} then ${isoOf(toMs(hi, lo, unit))})`,
          file,
        );
      }
      // a part below one millisecond has no place in the trades' ms timestamps: refused, not rounded
      if ((hi * r + lo) % div !== 0) {
        throw new SimrunError('bad-value',
          `column "${name}" has a time that is not a whole millisecond at row ${row} (${isoOf(toMs(hi, lo, unit))})`, file);
      }
      out[row] = (hi * q + (hi * r + lo) / div) * m;
      prevHi = hi;
      prevLo = lo;
    }
    pos += n;
  }
  return out;
}

/** Per unit: 2^32 = Q·D + R, then × M (seconds → ms). */
const UNIT_CONVERSION: Record<arrow.TimeUnit, { q: number; r: number; d: number; m: number }> = {
  [arrow.TimeUnit.SECOND]: { q: TWO_32, r: 0, d: 1, m: 1000 },
  [arrow.TimeUnit.MILLISECOND]: { q: TWO_32, r: 0, d: 1, m: 1 },
  [arrow.TimeUnit.MICROSECOND]: { q: 4294967, r: 296, d: 1000, m: 1 },
  [arrow.TimeUnit.NANOSECOND]: { q: 4294, r: 967296, d: 1e6, m: 1 },
};

function toMs(hi: number, lo: number, unit: arrow.TimeUnit): number {
  const { q, r, d, m } = UNIT_CONVERSION[unit];
  return (hi * q + (hi * r + lo) / d) * m;
}

function isoOf(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

const PRICE_COLUMNS = ['open', 'high', 'low', 'close'] as const;
const BAR_COLUMNS = ['timestamp', ...PRICE_COLUMNS] as const;

/**
 * Reads `<ASSET>/ohlcv.parquet`: `timestamp` (any unit, with or without tz) → UTC epoch ms,
 * `open, high, low, close` → Float64Array. `volume` is not needed and not read.
 */
export function readBars(file: string): Bars {
  const bytes = readFileBytes(file);
  let decoded: WasmTable;
  let schema: arrow.Schema;
  try {
    // one decode of the whole file (this reader decodes every column; volume stays in wasm memory)
    decoded = readParquet(bytes, { batchSize: READ_BATCH_SIZE });
    schema = schemaFromIPC(decoded.schema.intoIPCStream());
  } catch (e) {
    throw notParquet(e, file);
  }
  // names and types first, on the schema: only these columns are viewed from wasm memory
  const needed = new Map<string, arrow.Field>();
  try {
    for (const c of BAR_COLUMNS) {
      const f = schema.fields.find((x) => x.name === c);
      if (!f) throw missingColumn(schema, c, file);
      if (c === 'timestamp') requireTimestamp(f.type, c, file);
      else requireNumeric(f.type, c, file);
      needed.set(c, f);
    }
  } catch (e) {
    decoded.free();
    throw e;
  }
  try {
    return withWasmTable(decoded, schema, (f) => needed.get(f.name) === f, (table) => barsFromTable(table, file));
  } catch (e) {
    throw decodeFailed(e, file);
  }
}

/** The checks and conversions of {@link readBars} on an Arrow table already in memory (`file` names it in errors). */
export function barsFromTable(table: arrow.Table, file: string): Bars {
  const time = timestampColumn(table, 'timestamp', file);
  const [open, high, low, close] = PRICE_COLUMNS.map((c) => numericColumn(table, c, file));
  validatePrices({ open, high, low, close }, file);
  return { time, open, high, low, close };
}

// ---------------------------------------------------------------------------------------------
// params.csv

export const PARAMS_HEADER = ['strategy', 'tp_stop', 'sl_stop', 'tsl_stop'] as const;
const STOP_KEYS = ['tpStop', 'slStop', 'tslStop'] as const;
const DECIMAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

interface CsvRecordWithInfo {
  record: string[];
  info: { lines: number };
}

/**
 * Reads `params.csv`: header `strategy,tp_stop,sl_stop,tsl_stop[,more…]`, one row per strategy.
 * Empty stop cell → NaN (stop off); otherwise a number in (0, 1). A column named after a
 * from_signals argument (src/settings.ts: SETTING_OF_COLUMN) sets that setting for the row's
 * strategy (empty cell: the batch's), checked by validate.ts's settingValue; other columns are kept
 * as strings. How the settings combine with the batch's is checked later (checkStrategySettings).
 */
export function readParams(file: string): StrategyParams[] {
  return readParamsFile(file).params;
}

/** A params.csv read: its strategies, and the setting columns its header has, in file order. */
export interface ParamsFile {
  params: StrategyParams[];
  settingColumns: string[];
}

/** {@link readParams}, with the setting columns the file has (carried into metrics.parquet). */
export function readParamsFile(file: string): ParamsFile {
  const bytes = readFileBytes(file);
  let rows: CsvRecordWithInfo[];
  try {
    rows = parseCsv(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      bom: true,
      info: true,
      skip_empty_lines: true,
    }) as unknown as CsvRecordWithInfo[];
  } catch (e) {
    throw new SimrunError('bad-params', `not valid CSV (${oneLine(e)})`, file);
  }
  if (rows.length === 0) {
    throw new SimrunError('bad-params', `is empty (expected header ${PARAMS_HEADER.join(',')})`, file);
  }
  const header = rows[0].record.map((h) => h.trim());
  if (header.length < PARAMS_HEADER.length || PARAMS_HEADER.some((h, i) => header[i] !== h)) {
    throw new SimrunError(
      'bad-params',
      `header must start with ${PARAMS_HEADER.join(',')} (found "${header.join(',').slice(0, 120)}")`,
      file,
    );
  }
  const seenHeader = new Set<string>();
  header.forEach((h, i) => {
    if (h === '') throw new SimrunError('bad-params', `header column ${i + 1} has no name`, file);
    if (seenHeader.has(h)) throw new SimrunError('bad-params', `header has column "${h}" twice`, file);
    seenHeader.add(h);
  });
  if (rows.length === 1) throw new SimrunError('bad-params', 'has no strategy rows', file);

  const out: StrategyParams[] = [];
  const firstLine = new Map<string, number>();
  for (let r = 1; r < rows.length; r++) {
    const { record, info } = rows[r];
    const line = info.lines;
    const strategy = record[0];
    if (strategy.trim() === '') throw new SimrunError('bad-params', `line ${line}: empty strategy name`, file);
    const dup = firstLine.get(strategy);
    if (dup !== undefined) {
      throw new SimrunError('bad-params', `line ${line}: duplicate strategy "${strategy}" (first on line ${dup})`, file);
    }
    firstLine.set(strategy, line);
    const extra = new Map<string, string>();
    const settings: SettingOverrides = {};
    const p: StrategyParams = { strategy, tpStop: NaN, slStop: NaN, tslStop: NaN, settings, extra };
    for (let k = 0; k < 3; k++) {
      const cell = record[k + 1].trim();
      if (cell === '') continue;
      const x = DECIMAL_RE.test(cell) ? Number(cell) : NaN;
      if (!Number.isFinite(x) || !(x > 0 && x < 1)) {
        const what = Number.isFinite(x) ? 'not a fraction in (0, 1)' : 'not a number';
        throw new SimrunError(
          'bad-params',
          `line ${line} (strategy "${strategy}"), column ${PARAMS_HEADER[k + 1]}: "${cell.slice(0, 40)}" is ${what}`,
          file,
        );
      }
      p[STOP_KEYS[k]] = x;
    }
    for (let c = PARAMS_HEADER.length; c < header.length; c++) {
      const key = SETTING_OF_COLUMN.get(header[c]);
      if (key === undefined) {
        extra.set(header[c], record[c]);
        continue;
      }
      const cell = record[c].trim();
      if (cell === '') continue;
      const r = settingValue(key, cell);
      if ('problem' in r) throw new SimrunError('bad-params', `strategy "${strategy}", column "${header[c]}": ${r.problem}`, file);
      (settings as Record<string, unknown>)[key] = r.value;
    }
    out.push(p);
  }
  return { params: out, settingColumns: header.filter((h) => SETTING_OF_COLUMN.has(h)) };
}

// ---------------------------------------------------------------------------------------------
// signals.parquet: boolean columns kept bit-packed

/** A run of Arrow boolean bits: row i of the run is bit (bitOffset + i) of `bits`, LSB first. */
export interface BitChunk {
  bits: Uint8Array;
  /** 0..7 (bits is trimmed to the bytes the run touches). */
  bitOffset: number;
  length: number;
}

/** One boolean column as its Arrow chunks, still bit-packed. */
export type BitColumn = readonly BitChunk[];

/** One strategy's signal columns; null where it has none (an entry side the batch lacks, an exit not given). */
export interface StrategyBits {
  long: BitColumn | null;
  short: BitColumn | null;
  longExit: BitColumn | null;
  shortExit: BitColumn | null;
}

/** Which column of StrategyBits a signal column fills. */
export type SignalSide = keyof StrategyBits;

export interface SignalColumns {
  rows: number;
  /** Keyed by strategy, in params order. */
  columns: Map<string, StrategyBits>;
}

export interface ReadSignalsOptions {
  /** Bar count of the asset (signals must have exactly this many rows); omitted: see checkSignalRows. */
  rows?: number;
  direction: Direction;
  /** Strategy names in params order. */
  strategies: readonly string[];
  /** For messages: the bars file the row count came from. */
  barsFile?: string;
  /** For messages: the params file the strategies came from. */
  paramsFile?: string;
}

/** `col`'s chunks as bit runs; `copy` takes the bits out of memory that will be reused (parquet-wasm's). */
function toBitColumn(col: arrow.Vector, copy: boolean): BitColumn {
  const chunks: BitChunk[] = [];
  for (const d of col.data) {
    if (d.length === 0) continue;
    // Bool data are not sliced by arrow-js: the data's offset is a bit offset into values
    const start = d.offset >> 3;
    const end = (d.offset + d.length + 7) >> 3;
    const values = d.values as Uint8Array;
    const bits = copy ? values.slice(start, end) : values.subarray(start, end);
    chunks.push({ bits, bitOffset: d.offset & 7, length: d.length });
  }
  return chunks;
}

/** Where one signal column goes. */
export interface SignalSlot {
  /** Index of the column in the file's schema. */
  index: number;
  name: string;
  strategy: string;
  side: SignalSide;
}

/** Signals must have a row per bar (for signals read before the bars were known). */
export function checkSignalRows(rows: number, file: string, opts: ReadSignalsOptions & { rows: number }): void {
  if (rows !== opts.rows) {
    throw new SimrunError(
      'shape-mismatch',
      `has ${rows} rows but the bars${opts.barsFile ? ` (${opts.barsFile})` : ''} have ${opts.rows}`,
      file,
    );
  }
}

const EXIT_SUFFIX = /^(.*):(long_exit|short_exit)$/s;
const LONGSHORT_SUFFIX = /^(.*):(long|short|long_exit|short_exit)$/s;
const SIDE_OF_SUFFIX: Record<string, SignalSide> = Object.assign(Object.create(null),
  { long: 'long', short: 'short', long_exit: 'longExit', short_exit: 'shortExit' });

/**
 * Checks the signals' shape and names against the bars and params, from the schema alone. Entries
 * are `<strategy>` (the side of a long or short batch) or `<strategy>:long|short` (longshort, both
 * required); exits `<strategy>:long_exit|short_exit`, optional, in any batch. In a long or short
 * batch a column named exactly like a strategy is that strategy's entries, whatever its suffix.
 */
function planSignals(schema: arrow.Schema, rows: number, file: string, opts: ReadSignalsOptions): SignalSlot[] {
  if (opts.rows !== undefined) checkSignalRows(rows, file, { ...opts, rows: opts.rows });
  const paramsName = opts.paramsFile ?? 'params.csv';
  const known = new Set(opts.strategies);
  const slots: SignalSlot[] = [];
  const present = new Set<string>();
  schema.fields.forEach((field, index) => {
    const name = field.name;
    if (present.has(`\0${name}`)) throw new SimrunError('bad-schema', `column "${name}" appears twice`, file);
    present.add(`\0${name}`);
    let strategy = name;
    let side: SignalSide = opts.direction === 'short' ? 'short' : 'long';
    if (opts.direction === 'longshort') {
      const m = LONGSHORT_SUFFIX.exec(name);
      if (!m) {
        throw new SimrunError('bad-schema', `column "${name}" in a longshort batch must be named <strategy>:long or ` +
          '<strategy>:short (entries), or <strategy>:long_exit or <strategy>:short_exit (exits)', file);
      }
      [strategy, side] = [m[1], SIDE_OF_SUFFIX[m[2]]];
    } else if (!known.has(name)) {
      const m = EXIT_SUFFIX.exec(name);
      if (m) [strategy, side] = [m[1], SIDE_OF_SUFFIX[m[2]]];
    }
    if (!known.has(strategy)) {
      throw new SimrunError('bad-params', `column "${name}": strategy "${strategy}" has no row in ${paramsName}`, file);
    }
    if (!arrow.DataType.isBool(field.type)) {
      throw new SimrunError('bad-schema', `column ${name} is ${arrowTypeName(field.type)}, expected boolean`, file);
    }
    present.add(`${side}\0${strategy}`);
    slots.push({ index, name, strategy, side });
  });
  const need: Array<'long' | 'short'> =
    opts.direction === 'longshort' ? ['long', 'short'] : [opts.direction === 'short' ? 'short' : 'long'];
  for (const s of opts.strategies) {
    for (const side of need) {
      if (!present.has(`${side}\0${s}`)) {
        const colName = opts.direction === 'longshort' ? `${s}:${side}` : s;
        throw new SimrunError('bad-schema', `missing column "${colName}" for strategy "${s}" of ${paramsName}`, file);
      }
    }
  }
  return slots;
}

/** The planned columns' bits, keyed by strategy in params order. */
function assembleSignals(slots: SignalSlot[], bits: BitColumn[], rows: number, opts: ReadSignalsOptions): SignalColumns {
  const sides = new Map<string, StrategyBits>();
  slots.forEach((slot, k) => {
    const entry = sides.get(slot.strategy) ?? { long: null, short: null, longExit: null, shortExit: null };
    entry[slot.side] = bits[k];
    sides.set(slot.strategy, entry);
  });
  const columns = new Map<string, StrategyBits>();
  for (const s of opts.strategies) columns.set(s, sides.get(s)!);
  return { rows, columns };
}

/**
 * Columns per decode of signals.parquet: parquet-wasm's memory grows to hold what one call decodes
 * and never shrinks, so decoding a few columns at a time keeps it to tens of MB. (Per-call cost is
 * small next to decoding a million rows.) A group is also the unit two threads share a file by.
 */
const SIGNAL_COLUMNS_PER_DECODE = 16;

/** Hands out the index of the next group of signal columns to decode (past the last: none left). */
export type ClaimGroup = () => number;

/** The groups of signal columns one reader decoded (their bits copied out of parquet-wasm). */
export interface SignalGroups {
  rows: number;
  /** Where each column of the file goes (the same for every reader of a file). */
  slots: SignalSlot[];
  /** Bits of group g's columns, for the groups this reader claimed. */
  groups: Array<{ group: number; bits: BitColumn[] }>;
}

/** Claims 0, 1, 2, … : one reader decodes every group. */
function claimAll(): ClaimGroup {
  let next = 0;
  return () => next++;
}

/**
 * Checks `signals.parquet` against the params (and the bars' row count when given), then decodes
 * the groups of columns that `claim` hands this reader, until none are left. Several readers (threads)
 * can share one file through a common `claim`; {@link joinSignalGroups} puts their parts together.
 */
export async function readSignalGroups(file: string, opts: ReadSignalsOptions, claim: ClaimGroup): Promise<SignalGroups> {
  const pq = await openParquet(readFileBytes(file), file);
  try {
    const slots = planSignals(pq.schema, pq.rows, file, opts);
    const groups: SignalGroups['groups'] = [];
    for (let g = claim(); g * SIGNAL_COLUMNS_PER_DECODE < slots.length; g = claim()) {
      const group = slots.slice(g * SIGNAL_COLUMNS_PER_DECODE, (g + 1) * SIGNAL_COLUMNS_PER_DECODE);
      let decoded: WasmTable;
      try {
        decoded = await pq.file.read({ columns: group.map((s) => s.name), batchSize: READ_BATCH_SIZE });
      } catch (e) {
        throw decodeFailed(e, file);
      }
      const bits: BitColumn[] = [];
      try {
        withWasmTable(decoded, pq.schema, () => true, (table) => {
          for (const slot of group) {
            const col = table.getChild(slot.name);
            if (!col || col.length !== pq.rows) throw new Error(`column "${slot.name}" decoded to ${col?.length ?? 0} rows`);
            requireNoNulls(col, slot.name, file);
            bits.push(toBitColumn(col, true));
          }
        });
      } catch (e) {
        throw decodeFailed(e, file);
      }
      groups.push({ group: g, bits });
    }
    return { rows: pq.rows, slots, groups };
  } finally {
    pq.file.free();
  }
}

/** The columns of `signals.parquet` from the parts its readers decoded (between them, every group once). */
export function joinSignalGroups(file: string, opts: ReadSignalsOptions, parts: SignalGroups[]): SignalColumns {
  const { rows, slots } = parts[0];
  const bits: BitColumn[] = [];
  for (const part of parts) {
    for (const { group, bits: b } of part.groups) b.forEach((col, k) => { bits[group * SIGNAL_COLUMNS_PER_DECODE + k] = col; });
  }
  for (let k = 0; k < slots.length; k++) {
    if (!bits[k]) throw new Error(`signals column ${k} of ${file} was decoded by no reader`);
  }
  return assembleSignals(slots, bits, rows, opts);
}

/**
 * Reads `signals.parquet` of a batch, checks it against the bars (row count) and params (columns),
 * and returns each strategy's boolean columns still bit-packed (copied out of parquet-wasm once).
 */
export async function readSignals(file: string, opts: ReadSignalsOptions): Promise<SignalColumns> {
  const part = await readSignalGroups(file, opts, claimAll());
  return joinSignalGroups(file, opts, [part]);
}

/** The checks of {@link readSignals} on an Arrow table already in memory (`file` names it in errors). */
export function signalsFromTable(table: arrow.Table, file: string, opts: ReadSignalsOptions): SignalColumns {
  const slots = planSignals(table.schema, table.numRows, file, opts);
  const bits = slots.map((slot) => {
    const col = table.getChildAt(slot.index)!;
    requireNoNulls(col, slot.name, file);
    return toBitColumn(col, false);
  });
  return assembleSignals(slots, bits, table.numRows, opts);
}
