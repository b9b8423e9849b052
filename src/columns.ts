// Columns of output tables (ours and vectorbt's) read back as typed arrays and codes, for
// --compare and the report: numbers through typed arrays, strings mapped to codes, no JS value
// per row. Every problem is a one-line SimrunError naming the file.
import * as arrow from 'apache-arrow';

import { SimrunError } from './errors.js';

/** The column `name` of `table`; 'bad-schema' naming the file and the columns it has if missing. */
export function requireColumn(table: arrow.Table, name: string, file: string): arrow.Vector {
  const col = table.getChild(name);
  if (!col) {
    const have = table.schema.fields.map((f) => f.name);
    const shown = have.length > 12 ? [...have.slice(0, 12), '…'] : have;
    throw new SimrunError('bad-schema', `missing column "${name}" (columns: ${shown.join(', ') || 'none'})`, file);
  }
  return col;
}

function typeError(name: string, type: arrow.DataType, expected: string, file: string): SimrunError {
  return new SimrunError('bad-schema', `column "${name}" is ${String(type).toLowerCase()}, expected ${expected}`, file);
}

/**
 * A numeric column as float64 (int64 exact up to 2^53, read as lo/hi int32 words); nulls → NaN.
 * A float64 column in one chunk without nulls comes back as a view, not a copy: callers only read.
 */
export function numbers(table: arrow.Table, name: string, file: string): Float64Array {
  const col = requireColumn(table, name, file);
  const type = col.type;
  if (!arrow.DataType.isFloat(type) && !arrow.DataType.isInt(type)) throw typeError(name, type, 'a number', file);
  const only = col.data.length === 1 ? col.data[0] : null;
  if (only && only.nullCount === 0 && only.values instanceof Float64Array) return only.values.subarray(0, only.length);
  const out = new Float64Array(col.length);
  let pos = 0;
  for (const d of col.data) {
    const n = d.length;
    const values = d.values; // primitive Data are pre-sliced: values[0] is the chunk's row 0
    if (values instanceof Float64Array) {
      out.set(values.subarray(0, n), pos);
    } else if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
      const w = new Int32Array(values.buffer, values.byteOffset, n * 2);
      const signed = values instanceof BigInt64Array;
      for (let i = 0; i < n; i++) {
        const hi = signed ? w[2 * i + 1] : w[2 * i + 1] >>> 0;
        out[pos + i] = hi * 4294967296 + (w[2 * i] >>> 0);
      }
    } else {
      const v = values as ArrayLike<number>; // float32, int8…int32, uint8…uint32
      for (let i = 0; i < n; i++) out[pos + i] = v[i];
    }
    if (d.nullCount > 0) for (let i = 0; i < n; i++) if (!d.getValid(i)) out[pos + i] = NaN;
    pos += n;
  }
  return out;
}

/** A string column as codes into `names`; values not in `names` get new codes, in order of appearance. */
export interface StringCodes {
  codes: Int32Array;
  /** `names`, then the values that were not among them. */
  names: string[];
}

const decoder = new TextDecoder();

/** Distinct values stringCodes compares bytes with before decoding: enough for a code column's names. */
const KNOWN_VALUES = 8;

/**
 * Maps a string column (Utf8, LargeUtf8, or a dictionary of them) to codes into `names` without a
 * string per row: a row's bytes are compared with the previous row's (trade tables come in runs of
 * one strategy), then with the first few distinct values met (direction, status and reason have a
 * handful), and only a value not among them is decoded and looked up. A dictionary's
 * values are mapped once and its indices translated. Nulls map to the code of ''.
 */
export function stringCodes(table: arrow.Table, name: string, names: readonly string[], file: string): StringCodes {
  const col = requireColumn(table, name, file);
  const all = [...names];
  const index = new Map(all.map((s, i) => [s, i]));
  const codeOf = (s: string) => {
    let c = index.get(s);
    if (c === undefined) {
      c = all.length;
      all.push(s);
      index.set(s, c);
    }
    return c;
  };
  const codes = new Int32Array(col.length);
  let pos = 0;
  for (const d of col.data) {
    const n = d.length;
    if (arrow.DataType.isDictionary(d.type)) {
      const dict = d.dictionary!;
      const valueCodes = Int32Array.from({ length: dict.length }, (_, k) => codeOf(String(dict.get(k) ?? '')));
      const idx = d.values as ArrayLike<number | bigint>;
      for (let i = 0; i < n; i++) codes[pos + i] = valueCodes[Number(idx[i])];
    } else if (arrow.DataType.isUtf8(d.type) || arrow.DataType.isLargeUtf8(d.type)) {
      const offsets = d.valueOffsets as Int32Array | BigInt64Array;
      // large strings: offsets narrowed once (a chunk's bytes are far below 2^31 here), so the loop sees one type
      const at = offsets instanceof BigInt64Array ? Int32Array.from(offsets, Number) : offsets;
      utf8Codes(at, d.values as Uint8Array, n, codes.subarray(pos, pos + n), codeOf);
    } else {
      throw typeError(name, d.type, 'string', file);
    }
    if (d.nullCount > 0) {
      const empty = codeOf('');
      for (let i = 0; i < n; i++) if (!d.getValid(i)) codes[pos + i] = empty;
    }
    pos += n;
  }
  return { codes, names: all };
}

/**
 * Codes of `n` strings given as offsets + bytes: a row's bytes are compared with the previous
 * row's, then with the first few distinct values met; only other values are decoded.
 */
function utf8Codes(at: Int32Array, bytes: Uint8Array, n: number, codes: Int32Array, codeOf: (s: string) => number): void {
  const known: Uint8Array[] = [];
  const knownCodes: number[] = [];
  let prevStart = 0;
  let prevLen = -1;
  let prevCode = -1;
  let start = at[0];
  for (let i = 0; i < n; i++) {
    const end = at[i + 1];
    const len = end - start;
    let code = -1;
    if (len === prevLen) {
      let p = 0;
      while (p < len && bytes[start + p] === bytes[prevStart + p]) p++;
      if (p === len) code = prevCode;
    }
    for (let k = 0; code < 0 && k < known.length; k++) {
      const v = known[k];
      if (v.length !== len) continue;
      let p = 0;
      while (p < len && bytes[start + p] === v[p]) p++;
      if (p === len) code = knownCodes[k];
    }
    if (code < 0) {
      const value = bytes.subarray(start, end);
      code = codeOf(decoder.decode(value));
      if (known.length < KNOWN_VALUES) {
        known.push(value);
        knownCodes.push(code);
      }
    }
    codes[i] = code;
    prevStart = start;
    prevLen = len;
    prevCode = code;
    start = end;
  }
}

/**
 * A string column as JS strings, one per row: for per-strategy tables only (metrics, params), whose
 * rows are names anyway. Nulls → ''.
 */
export function strings(table: arrow.Table, name: string, file: string): string[] {
  const { codes, names } = stringCodes(table, name, [], file);
  return Array.from(codes, (c) => names[c]);
}

/**
 * Rows grouped by code (a stable counting sort): the rows of code c, in file order, are
 * `rows[start[c]]…rows[start[c + 1] - 1]`. Codes must lie in [0, nCodes).
 */
export function groupByCode(codes: Int32Array, nCodes: number): { start: Int32Array; rows: Int32Array } {
  const start = new Int32Array(nCodes + 1);
  for (let r = 0; r < codes.length; r++) start[codes[r] + 1]++;
  for (let c = 0; c < nCodes; c++) start[c + 1] += start[c];
  const next = start.slice(0, nCodes);
  const rows = new Int32Array(codes.length);
  for (let r = 0; r < codes.length; r++) rows[next[codes[r]]++] = r;
  return { start, rows };
}
