// The few fields of the Arrow C data interface (ArrowArray / ArrowSchema structs) that the batch
// readers need, read straight out of parquet-wasm's memory (wasm32: pointers are 4 bytes, int64s
// 8-aligned). It lets the readers copy column buffers once into their final typed arrays, with no
// IPC round trip. Views into that memory are valid only until the next parquet-wasm call.

/** One ArrowArray: a column chunk, or a record batch (a struct whose children are the columns). */
export interface CArray {
  length: number;
  /** -1 when the producer did not count. */
  nullCount: number;
  /** In elements (bits for booleans) into every buffer. */
  offset: number;
  /** Buffer addresses (0 = absent); primitives: [validity, values]. */
  buffers: number[];
  /** Addresses of the children's ArrowArray structs. */
  children: number[];
  /** Address of the dictionary's ArrowArray (dictionary-encoded columns), else 0. */
  dictionary: number;
}

function i64(view: DataView, at: number): number {
  return Number(view.getBigInt64(at, true));
}

function pointers(view: DataView, at: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(view.getUint32(at + 4 * i, true));
  return out;
}

/** The ArrowArray at `ptr`. */
export function readCArray(memory: ArrayBuffer, ptr: number): CArray {
  const v = new DataView(memory);
  const nBuffers = i64(v, ptr + 24);
  const nChildren = i64(v, ptr + 32);
  return {
    length: i64(v, ptr),
    nullCount: i64(v, ptr + 8),
    offset: i64(v, ptr + 16),
    buffers: pointers(v, v.getUint32(ptr + 40, true), nBuffers),
    children: pointers(v, v.getUint32(ptr + 44, true), nChildren),
    dictionary: v.getUint32(ptr + 48, true),
  };
}

function cString(memory: ArrayBuffer, ptr: number): string {
  const bytes = new Uint8Array(memory);
  let end = ptr;
  while (bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(ptr, end));
}

/** The names of the children of the (struct) ArrowSchema at `ptr`: a record batch's column names. */
export function readCSchemaChildNames(memory: ArrayBuffer, ptr: number): string[] {
  const v = new DataView(memory);
  const n = i64(v, ptr + 24);
  return pointers(v, v.getUint32(ptr + 32, true), n).map((child) => cString(memory, v.getUint32(child + 4, true)));
}

/** One child of a struct ArrowSchema: its format string ("l", "g", "u", "tdD", …) and dictionary. */
export interface CField {
  name: string;
  format: string;
  /** The dictionary's value schema, for dictionary-encoded columns (format is then the index type). */
  dictionary: CField | null;
}

function readCField(memory: ArrayBuffer, ptr: number): CField {
  const v = new DataView(memory);
  const dict = v.getUint32(ptr + 36, true);
  return {
    name: cString(memory, v.getUint32(ptr + 4, true)),
    format: cString(memory, v.getUint32(ptr, true)),
    dictionary: dict ? readCField(memory, dict) : null,
  };
}

/** The children of the (struct) ArrowSchema at `ptr`: a record batch's columns, with their types. */
export function readCSchemaFields(memory: ArrayBuffer, ptr: number): CField[] {
  const v = new DataView(memory);
  const n = i64(v, ptr + 24);
  return pointers(v, v.getUint32(ptr + 32, true), n).map((child) => readCField(memory, child));
}

/** Row of the first null in a validity bitmap (`offset` in bits), or -1 when there is none. */
export function firstNullInBitmap(memory: ArrayBuffer, validity: number, offset: number, length: number): number {
  if (validity === 0) return -1;
  const bits = new Uint8Array(memory, validity);
  for (let i = 0; i < length; i++) {
    const p = offset + i;
    // whole bytes of ones at once
    if ((p & 7) === 0 && i + 8 <= length && bits[p >> 3] === 0xff) {
      i += 7;
      continue;
    }
    if (((bits[p >> 3] >> (p & 7)) & 1) === 0) return i;
  }
  return -1;
}
