// Arrow columns straight from typed arrays (makeData over buffers): no JS value per row. Every
// field is nullable, as pyarrow writes them, so our files concatenate with vectorbt's.
import * as arrow from 'apache-arrow';

const utf8 = new TextEncoder();

/** A float64 column over `values` itself (no copy). */
export function float64Column(values: Float64Array): arrow.Data<arrow.Float64> {
  return arrow.makeData({ type: new arrow.Float64(), length: values.length, nullCount: 0, data: values });
}

/** int32 values widened to an int64 column: lo/hi int32 pairs written into the int64 buffer. */
export function int64Column(values: Int32Array): arrow.Data<arrow.Int64> {
  const n = values.length;
  const data = new BigInt64Array(n);
  const words = new Int32Array(data.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    words[2 * i] = v;
    words[2 * i + 1] = v >> 31;
  }
  return arrow.makeData({ type: new arrow.Int64(), length: n, nullCount: 0, data });
}

/**
 * A `timestamp[ms, tz=UTC]` column of `timeMs[idx[i]]` (whole epoch milliseconds held in float64,
 * exact below 2^53), written as lo/hi int32 pairs.
 */
export function timestampMsColumn(idx: Int32Array, timeMs: Float64Array): arrow.Data<arrow.TimestampMillisecond> {
  const n = idx.length;
  const data = new BigInt64Array(n);
  const words = new Int32Array(data.buffer);
  for (let i = 0; i < n; i++) {
    const ms = timeMs[idx[i]];
    words[2 * i] = ms % 4294967296; // ToInt32 keeps the low 32 bits, also for negative times
    words[2 * i + 1] = Math.floor(ms / 4294967296);
  }
  return arrow.makeData({ type: new arrow.TimestampMillisecond('UTC'), length: n, nullCount: 0, data });
}

/**
 * A Utf8 column whose row i is `names[codes[i]]`, built from offsets and bytes: each name is
 * encoded once, then copied byte by byte (names are short; a loop beats `set` per row).
 */
export function utf8FromCodes(codes: ArrayLike<number>, names: readonly string[]): arrow.Data<arrow.Utf8> {
  const encoded = names.map((s) => utf8.encode(s));
  const starts = new Int32Array(names.length + 1);
  encoded.forEach((b, k) => { starts[k + 1] = starts[k] + b.length; });
  const pool = new Uint8Array(starts[names.length]);
  encoded.forEach((b, k) => pool.set(b, starts[k]));
  const n = codes.length;
  const valueOffsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    total += starts[c + 1] - starts[c];
    valueOffsets[i + 1] = total;
  }
  if (total > 0x7fffffff) throw new RangeError(`string column of ${total} bytes exceeds Utf8's int32 offsets`);
  const data = new Uint8Array(total);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    for (let p = starts[c], end = starts[c + 1]; p < end; p++) data[o++] = pool[p];
  }
  return arrow.makeData({ type: new arrow.Utf8(), length: n, nullCount: 0, valueOffsets, data });
}

/** A table of one record batch from named columns of equal length; every field nullable. */
export function tableFromColumns(columns: readonly (readonly [string, arrow.Data])[]): arrow.Table {
  const fields = columns.map(([name, d]) => new arrow.Field(name, d.type, true));
  const length = columns.length ? columns[0][1].length : 0;
  for (const [name, d] of columns) {
    if (d.length !== length) throw new RangeError(`column "${name}" has ${d.length} rows, expected ${length}`);
  }
  const schema = new arrow.Schema(fields);
  const struct = arrow.makeData({
    type: new arrow.Struct(fields), length, nullCount: 0, children: columns.map(([, d]) => d),
  });
  return new arrow.Table(schema, new arrow.RecordBatch(schema, struct));
}
