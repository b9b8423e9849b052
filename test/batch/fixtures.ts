// Test fixtures for the batch I/O layer: small parquet/csv files built at test time in temp dirs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';

import { tableToParquet } from '../../src/batch/write.js';

const made: string[] = [];

/** A fresh temp directory, removed by `cleanupTmpDirs`. */
export function tmpDir(prefix = 'simrun-batch-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

export function cleanupTmpDirs(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export function writeFile(file: string, data: Uint8Array | string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return file;
}

export function writeTable(file: string, table: arrow.Table): string {
  return writeFile(file, tableToParquet(table));
}

/** A non-null boolean vector from 0/1 or booleans. */
export function boolVector(values: ArrayLike<number | boolean>): arrow.Vector<arrow.Bool> {
  const n = values.length;
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (values[i]) bits[i >> 3] |= 1 << (i & 7);
  return arrow.makeVector(arrow.makeData({ type: new arrow.Bool(), length: n, nullCount: 0, data: bits }));
}

export const MINUTE_MS = 60_000;
export const T0_MS = 1_704_067_200_000; // 2024-01-01T00:00:00Z

export type Unit = 's' | 'ms' | 'us' | 'ns';

export function timestampType(unit: Unit, tz: string | null = 'UTC'): arrow.Timestamp {
  switch (unit) {
    case 's':
      return new arrow.TimestampSecond(tz);
    case 'ms':
      return new arrow.TimestampMillisecond(tz);
    case 'us':
      return new arrow.TimestampMicrosecond(tz);
    case 'ns':
      return new arrow.TimestampNanosecond(tz);
  }
}

const PER_MS: Record<Unit, bigint> = { s: 0n, ms: 1n, us: 1000n, ns: 1_000_000n };

/** A timestamp vector of the given unit from epoch-ms values (must be whole seconds for unit 's'). */
export function timestampVector(ms: readonly number[], unit: Unit, tz: string | null = 'UTC'): arrow.Vector {
  const raw = new BigInt64Array(ms.length);
  for (let i = 0; i < ms.length; i++) {
    raw[i] = unit === 's' ? BigInt(ms[i] / 1000) : BigInt(ms[i]) * PER_MS[unit];
  }
  return arrow.makeVector(arrow.makeData({ type: timestampType(unit, tz), length: ms.length, nullCount: 0, data: raw }));
}

export interface BarsSpec {
  n?: number;
  unit?: Unit;
  tz?: string | null;
  times?: number[];
  open?: number[];
  high?: number[];
  low?: number[];
  close?: number[];
  /** Drop these columns. */
  drop?: string[];
  /** Replace or add columns. */
  override?: Record<string, arrow.Vector>;
}

/** Valid 1-minute bars (a gentle zig-zag) unless the spec says otherwise. */
export function barsTable(spec: BarsSpec = {}): arrow.Table {
  const n = spec.times?.length ?? spec.close?.length ?? spec.n ?? 10;
  const times = spec.times ?? Array.from({ length: n }, (_, i) => T0_MS + i * MINUTE_MS);
  const close = spec.close ?? Array.from({ length: n }, (_, i) => 100 + (i % 5) - (i % 3) * 0.5);
  const open = spec.open ?? close.map((_, i) => (i === 0 ? close[0] : close[i - 1]));
  const high = spec.high ?? close.map((c, i) => Math.max(c, open[i]) + 0.25);
  const low = spec.low ?? close.map((c, i) => Math.min(c, open[i]) - 0.25);
  const cols: Record<string, arrow.Vector> = {
    timestamp: timestampVector(times, spec.unit ?? 'ns', spec.tz === undefined ? 'UTC' : spec.tz),
    open: arrow.makeVector(Float64Array.from(open)),
    high: arrow.makeVector(Float64Array.from(high)),
    low: arrow.makeVector(Float64Array.from(low)),
    close: arrow.makeVector(Float64Array.from(close)),
    volume: arrow.makeVector(Float64Array.from(close, () => 1.5)),
  };
  for (const d of spec.drop ?? []) delete cols[d];
  Object.assign(cols, spec.override ?? {});
  return new arrow.Table(cols);
}

/** A signals table with the given boolean columns. */
export function signalsTable(columns: Record<string, ArrayLike<number | boolean>>): arrow.Table {
  const cols: Record<string, arrow.Vector> = {};
  for (const [k, v] of Object.entries(columns)) cols[k] = boolVector(v);
  return new arrow.Table(cols);
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Asserts that `fn` throws a SimrunError of `kind` whose message contains every `parts`. */
export function expectSimrunError(
  fn: () => unknown,
  kind: string,
  ...parts: string[]
): { kind: string; message: string; file?: string } {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  return checkSimrunError(err, kind, parts);
}

/** {@link expectSimrunError} for a function that returns a promise. */
export async function expectSimrunErrorAsync(
  fn: () => Promise<unknown>,
  kind: string,
  ...parts: string[]
): Promise<{ kind: string; message: string; file?: string }> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  return checkSimrunError(err, kind, parts);
}

function checkSimrunError(err: unknown, kind: string, parts: string[]): { kind: string; message: string; file?: string } {
  if (!err) throw new Error(`expected a SimrunError(${kind}), nothing was thrown`);
  const e = err as { name?: string; kind?: string; message: string; file?: string };
  if (e.name !== 'SimrunError') throw new Error(`expected a SimrunError(${kind}), got ${String(err)}`);
  if (e.kind !== kind) throw new Error(`expected kind ${kind}, got ${e.kind}: ${e.message}`);
  if (e.message.includes('\n')) throw new Error(`message is not one line: ${JSON.stringify(e.message)}`);
  for (const p of parts) {
    if (!e.message.includes(p)) throw new Error(`message ${JSON.stringify(e.message)} does not contain ${JSON.stringify(p)}`);
  }
  return e as { kind: string; message: string; file?: string };
}
