// Ours vs the reference (vectorbt) outputs of a batch: the exact check (every record, every
// field; floats within rtol 1e-9) and the seed project's looser acceptance criteria.
import type * as arrow from 'apache-arrow';
import { DIRECTION_NAMES, REASON_NAMES, STATUS_NAMES, type TradeRecords } from './records.js';
import { INTEGER_METRICS, METRIC_COLUMNS, type StrategyMetrics } from './metrics.js';
import { SimrunError } from './errors.js';

export const RTOL = 1e-9;

/** Equal within rtol; NaN equals NaN and infinities must match exactly. */
export function closeEnough(a: number, b: number, rtol = RTOL, atol = 0): boolean {
  if (a === b) return true;
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= Math.max(rtol * Math.max(Math.abs(a), Math.abs(b)), atol);
}

const FLOAT_FIELDS = ['entry_price', 'entry_fees', 'exit_price', 'exit_fees', 'size', 'pnl', 'return'] as const;
const OUR_FLOAT: Record<(typeof FLOAT_FIELDS)[number], keyof TradeRecords> = {
  entry_price: 'entryPrice', entry_fees: 'entryFees', exit_price: 'exitPrice', exit_fees: 'exitFees',
  size: 'size', pnl: 'pnl', return: 'return',
};

export interface SeedCriteria {
  /** Strategies whose trade count is within ±5 %, total PnL within ±2 % and first 10 trades equal. */
  passing: number;
  share: number;
  /** share ≥ 95 %: the seed project's bar for a replication. */
  pass: boolean;
}

export interface CompareReport {
  strategies: number;
  strategiesExact: number;
  referenceTrades: number;
  ourTrades: number;
  /** Records that differ in any field, plus records present on one side only. */
  mismatchedRecords: number;
  /** Float fields that are bit-for-bit identical, out of all compared. */
  bitIdenticalFloats: number;
  comparedFloats: number;
  /** The first few differences, field by field. */
  examples: string[];
  seed: SeedCriteria;
  metrics: { compared: number; mismatched: number; examples: string[] } | null;
  dailyReturns: { compared: number; mismatched: number; examples: string[] } | null;
  /** True when every record, metric and daily return matches. */
  ok: boolean;
}

interface RefTrades {
  strategy: string[];
  tradeId: ArrayLike<bigint | number>;
  direction: string[];
  status: string[];
  entryIdx: ArrayLike<bigint | number>;
  exitIdx: ArrayLike<bigint | number>;
  exitReason: string[];
  floats: Record<(typeof FLOAT_FIELDS)[number], Float64Array>;
}

function column(table: arrow.Table, name: string, file: string): arrow.Vector {
  const col = table.getChild(name);
  if (!col) throw new SimrunError('bad-schema', `reference has no column "${name}"`, file);
  return col;
}

const strings = (v: arrow.Vector): string[] => Array.from({ length: v.length }, (_, i) => String(v.get(i)));

function readRefTrades(table: arrow.Table, file: string): RefTrades {
  const floats = {} as RefTrades['floats'];
  for (const f of FLOAT_FIELDS) floats[f] = Float64Array.from(column(table, f, file).toArray() as ArrayLike<number>);
  return {
    strategy: strings(column(table, 'strategy', file)),
    tradeId: column(table, 'trade_id', file).toArray(),
    direction: strings(column(table, 'direction', file)),
    status: strings(column(table, 'status', file)),
    entryIdx: column(table, 'entry_idx', file).toArray(),
    exitIdx: column(table, 'exit_idx', file).toArray(),
    exitReason: strings(column(table, 'exit_reason', file)),
    floats,
  };
}

export function compareTrades(ours: TradeRecords, strategies: readonly string[], refTable: arrow.Table,
  refFile: string, maxExamples = 5): Omit<CompareReport, 'metrics' | 'dailyReturns' | 'ok'> {
  const ref = readRefTrades(refTable, refFile);
  // reference rows per strategy, in file order
  const refRows = new Map<string, number[]>();
  for (let r = 0; r < ref.strategy.length; r++) {
    const list = refRows.get(ref.strategy[r]);
    if (list) list.push(r);
    else refRows.set(ref.strategy[r], [r]);
  }
  const unknown = [...refRows.keys()].filter((s) => !strategies.includes(s));
  const examples: string[] = [];
  const note = (msg: string) => { if (examples.length < maxExamples) examples.push(msg); };
  for (const s of unknown) note(`${s}: in the reference but not in params.csv`);

  let mismatched = unknown.reduce((n, s) => n + refRows.get(s)!.length, 0);
  let exact = 0;
  let passing = 0;
  let bitIdentical = 0;
  let compared = 0;
  strategies.forEach((name, c) => {
    const rows = refRows.get(name) ?? [];
    const from = ours.offsets[c];
    const count = ours.offsets[c + 1] - from;
    let bad = Math.abs(rows.length - count);
    if (rows.length !== count) note(`${name}: ${count} trades, reference has ${rows.length}`);
    let firstTenEqual = true;
    let ourPnl = 0;
    let refPnl = 0;
    for (let k = 0; k < Math.max(count, rows.length); k++) {
      if (k < count) ourPnl += ours.pnl[from + k];
      if (k < rows.length) refPnl += ref.floats.pnl[rows[k]];
      if (k >= count || k >= rows.length) {
        if (k < 10) firstTenEqual = false;
        continue;
      }
      const o = from + k;
      const r = rows[k];
      const diffs: string[] = [];
      const int = (field: string, a: number, b: bigint | number) => {
        if (a !== Number(b)) diffs.push(`${field} ${a} vs ${b}`);
      };
      const str = (field: string, a: string, b: string) => {
        if (a !== b) diffs.push(`${field} ${a} vs ${b}`);
      };
      int('trade_id', k, ref.tradeId[r]);
      str('direction', DIRECTION_NAMES[ours.direction[o]], ref.direction[r]);
      str('status', STATUS_NAMES[ours.status[o]], ref.status[r]);
      int('entry_idx', ours.entryIdx[o], ref.entryIdx[r]);
      int('exit_idx', ours.exitIdx[o], ref.exitIdx[r]);
      str('exit_reason', REASON_NAMES[ours.exitReason[o]], ref.exitReason[r]);
      for (const f of FLOAT_FIELDS) {
        const a = (ours[OUR_FLOAT[f]] as Float64Array)[o];
        const b = ref.floats[f][r];
        compared++;
        if (Object.is(a, b)) bitIdentical++;
        if (!closeEnough(a, b)) diffs.push(`${f} ${a} vs ${b}`);
      }
      if (diffs.length) {
        bad++;
        if (k < 10) firstTenEqual = false;
        note(`${name} trade ${k}: ${diffs.join(', ')} (ours vs reference)`);
      }
    }
    mismatched += bad;
    if (bad === 0) exact++;
    const countOk = rows.length === 0 ? count === 0 : Math.abs(count - rows.length) <= 0.05 * rows.length;
    const pnlOk = Math.abs(ourPnl - refPnl) <= 0.02 * Math.abs(refPnl) || closeEnough(ourPnl, refPnl);
    if (countOk && pnlOk && firstTenEqual) passing++;
  });
  const share = strategies.length ? passing / strategies.length : 1;
  return {
    strategies: strategies.length,
    strategiesExact: exact,
    referenceTrades: ref.strategy.length,
    ourTrades: ours.length,
    mismatchedRecords: mismatched,
    bitIdenticalFloats: bitIdentical,
    comparedFloats: compared,
    examples,
    seed: { passing, share, pass: share >= 0.95 },
  };
}

export function compareMetrics(ours: StrategyMetrics[], refTable: arrow.Table, refFile: string, maxExamples = 5) {
  const names = strings(column(refTable, 'strategy', refFile));
  const byName = new Map(ours.map((m) => [m.strategy, m]));
  const examples: string[] = [];
  let compared = 0;
  let mismatched = 0;
  for (const metric of METRIC_COLUMNS) {
    const values = column(refTable, metric, refFile).toArray() as ArrayLike<number | bigint>;
    names.forEach((name, r) => {
      const m = byName.get(name);
      const ref = Number(values[r]);
      const our = m ? m[metric] : NaN;
      compared++;
      const ok = m !== undefined && (INTEGER_METRICS.has(metric) ? our === ref : closeEnough(our, ref));
      if (!ok) {
        mismatched++;
        if (examples.length < maxExamples) examples.push(`${name} ${metric}: ${our} vs ${ref} (ours vs reference)`);
      }
    });
  }
  if (names.length !== ours.length) {
    mismatched++;
    examples.push(`metrics rows: ${ours.length}, reference has ${names.length}`);
  }
  return { compared, mismatched, examples };
}

export function compareDailyReturns(ours: arrow.Table, refTable: arrow.Table, refFile: string, maxExamples = 5) {
  const examples: string[] = [];
  let compared = 0;
  let mismatched = 0;
  const ourDates = ours.getChild('date')!.toArray() as Int32Array;
  const refDates = column(refTable, 'date', refFile).toArray() as Int32Array;
  if (ourDates.length !== refDates.length || ourDates.some((d, i) => d !== refDates[i])) {
    return { compared: 1, mismatched: 1, examples: [`days: ${ourDates.length}, reference has ${refDates.length} (or different dates)`] };
  }
  for (const field of refTable.schema.fields) {
    if (field.name === 'date') continue;
    const ref = refTable.getChild(field.name)!.toArray() as Float64Array;
    const our = ours.getChild(field.name)?.toArray() as Float64Array | undefined;
    for (let d = 0; d < ref.length; d++) {
      compared++;
      // daily returns sit near zero: compare at the values' own precision (1e-9 of the value ≈ 1e-12 of a return)
      if (!our || !closeEnough(our[d], ref[d], RTOL, 1e-12)) {
        mismatched++;
        if (examples.length < maxExamples) examples.push(`${field.name} day ${d}: ${our?.[d]} vs ${ref[d]} (ours vs reference)`);
      }
    }
  }
  return { compared, mismatched, examples };
}
