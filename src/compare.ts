// Ours vs the reference (vectorbt) outputs of a batch: the exact check (every record, every
// field; floats within rtol 1e-9) and the seed project's looser acceptance criteria.
import type * as arrow from 'apache-arrow';
import { groupByCode, numbers, requireColumn, stringCodes, strings, type StringCodes } from './columns.js';
import { INTEGER_METRICS, METRIC_COLUMNS, type StrategyMetrics } from './metrics.js';
import type { TradeRecords } from './records.js';
import { DIRECTION_NAMES, REASON_NAMES, STATUS_NAMES } from './trade-codes.js';

export const RTOL = 1e-9;

/** Equal within rtol; NaN equals NaN and infinities must match exactly. */
export function closeEnough(a: number, b: number, rtol = RTOL, atol = 0): boolean {
  if (a === b) return true;
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= Math.max(rtol * Math.max(Math.abs(a), Math.abs(b)), atol);
}

/** The float fields, in the order of `ourFloats`. */
const FLOAT_FIELDS = ['entry_price', 'entry_fees', 'exit_price', 'exit_fees', 'size', 'pnl', 'return'] as const;
const PNL = FLOAT_FIELDS.indexOf('pnl');

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

/** The columns of a reference trades file that {@link compareTrades} reads (others need not be decoded). */
export const REFERENCE_TRADE_COLUMNS: readonly string[] = [
  'strategy', 'trade_id', 'entry_idx', 'exit_idx', 'direction', 'status', 'exit_reason', ...FLOAT_FIELDS,
];

/** The reference's trade rows, column-wise: strings as codes, numbers as float64 (ints exact). */
interface RefTrades {
  length: number;
  /** Codes into `strategyNames`: params order first, then names params.csv lacks. */
  strategy: Int32Array;
  strategyNames: string[];
  tradeId: Float64Array;
  entryIdx: Float64Array;
  exitIdx: Float64Array;
  /** Codes into DIRECTION_NAMES / STATUS_NAMES / REASON_NAMES, then any other values met. */
  direction: StringCodes;
  status: StringCodes;
  exitReason: StringCodes;
  floats: Float64Array[];
}

function readRefTrades(table: arrow.Table, strategies: readonly string[], file: string): RefTrades {
  const strategy = stringCodes(table, 'strategy', strategies, file);
  return {
    length: table.numRows,
    strategy: strategy.codes,
    strategyNames: strategy.names,
    tradeId: numbers(table, 'trade_id', file),
    entryIdx: numbers(table, 'entry_idx', file),
    exitIdx: numbers(table, 'exit_idx', file),
    direction: stringCodes(table, 'direction', DIRECTION_NAMES, file),
    status: stringCodes(table, 'status', STATUS_NAMES, file),
    exitReason: stringCodes(table, 'exit_reason', REASON_NAMES, file),
    floats: FLOAT_FIELDS.map((f) => numbers(table, f, file)),
  };
}

/** The fields of our record `o` and reference row `r` that differ, as "field ours vs reference". */
function describeDiffs(ours: TradeRecords, o: number, k: number, ref: RefTrades, r: number): string[] {
  const diffs: string[] = [];
  const mine = ourFloats(ours);
  const int = (field: string, a: number, b: number) => { if (a !== b) diffs.push(`${field} ${a} vs ${b}`); };
  const str = (field: string, a: string, b: string) => { if (a !== b) diffs.push(`${field} ${a} vs ${b}`); };
  int('trade_id', k, ref.tradeId[r]);
  str('direction', DIRECTION_NAMES[ours.direction[o]], ref.direction.names[ref.direction.codes[r]]);
  str('status', STATUS_NAMES[ours.status[o]], ref.status.names[ref.status.codes[r]]);
  int('entry_idx', ours.entryIdx[o], ref.entryIdx[r]);
  int('exit_idx', ours.exitIdx[o], ref.exitIdx[r]);
  str('exit_reason', REASON_NAMES[ours.exitReason[o]], ref.exitReason.names[ref.exitReason.codes[r]]);
  FLOAT_FIELDS.forEach((f, i) => {
    const a = mine[i][o];
    const b = ref.floats[i][r];
    if (!closeEnough(a, b)) diffs.push(`${f} ${a} vs ${b}`);
  });
  return diffs;
}

const ourFloats = (rec: TradeRecords): Float64Array[] =>
  [rec.entryPrice, rec.entryFees, rec.exitPrice, rec.exitFees, rec.size, rec.pnl, rec.return];

/** The strategy of our record `o`: the last c with offsets[c] <= o. */
function codeOfPair(offsets: Int32Array, o: number): number {
  let c = 0;
  while (offsets[c + 1] <= o) c++;
  return c;
}

/** The pairs (our record po[p], reference row pr[p]) of the k-th trade (pk[p]) of each strategy on both sides. */
function tradePairs(offsets: Int32Array, start: Int32Array, rows: Int32Array, nStrategies: number) {
  let n = 0;
  for (let c = 0; c < nStrategies; c++) n += Math.min(offsets[c + 1] - offsets[c], start[c + 1] - start[c]);
  const po = new Int32Array(n);
  const pr = new Int32Array(n);
  const pk = new Int32Array(n);
  let p = 0;
  for (let c = 0; c < nStrategies; c++) {
    const pairs = Math.min(offsets[c + 1] - offsets[c], start[c + 1] - start[c]);
    for (let k = 0; k < pairs; k++, p++) {
      po[p] = offsets[c] + k;
      pr[p] = rows[start[c] + k];
      pk[p] = k;
    }
  }
  return { po, pr, pk };
}

type Column = ArrayLike<number>;

/** Flags the pairs whose values differ in an exact (integer or code) field. */
function flagUnequal(bad: Uint8Array, po: Int32Array, pr: Int32Array, ours: Column, ref: Column): void {
  for (let p = 0; p < po.length; p++) if (ours[po[p]] !== ref[pr[p]]) bad[p] = 1;
}

/** Flags the pairs whose floats are not within rtol; returns how many are bit-identical (Object.is). */
function flagNotClose(bad: Uint8Array, po: Int32Array, pr: Int32Array, ours: Float64Array, ref: Float64Array): number {
  let identical = 0;
  for (let p = 0; p < po.length; p++) {
    const a = ours[po[p]];
    const b = ref[pr[p]];
    if (a === b ? a !== 0 || 1 / a === 1 / b : a !== a && b !== b) identical++;
    else if (!closeEnough(a, b)) bad[p] = 1;
  }
  return identical;
}

/** Columns of a reference file on demand: a table holding (at least) the columns asked for. */
export type ReferenceColumns = (columns: readonly string[]) => arrow.Table | Promise<arrow.Table>;

/**
 * Our trade records against the reference's, field by field: the reference's columns are taken
 * one at a time from `refColumns` (a whole table works too), so that with a decoding source
 * nothing of the reference outlives its comparison. Columns are read in a fixed order, so a bad
 * file's error is the one its first bad column gives.
 */
export async function compareTrades(ours: TradeRecords, strategies: readonly string[], refColumns: arrow.Table | ReferenceColumns,
  refFile: string, maxExamples = 5): Promise<Omit<CompareReport, 'metrics' | 'dailyReturns' | 'ok'>> {
  const source: ReferenceColumns = typeof refColumns === 'function' ? refColumns : () => refColumns;
  const strategy = stringCodes(await source(['strategy']), 'strategy', strategies, refFile);
  const referenceTrades = strategy.codes.length;
  const { start, rows } = groupByCode(strategy.codes, strategy.names.length);
  // the examples: messages, or pairs whose differences are described once all is compared
  const notes: (string | number)[] = [];
  const note = (msg: string | number) => { if (notes.length < maxExamples) notes.push(msg); };
  let mismatched = 0;
  for (let c = strategies.length; c < strategy.names.length; c++) {
    note(`${strategy.names[c]}: in the reference but not in params.csv`);
    mismatched += start[c + 1] - start[c];
  }

  // Pairs (our record, reference row) of the k-th trade of each strategy on both sides, then one
  // tight pass per field over all pairs (typed arrays, no closure per row), then the per-strategy
  // verdicts and messages in strategy and trade order.
  const { po, pr, pk } = tradePairs(ours.offsets, start, rows, strategies.length);
  const bad = new Uint8Array(po.length);
  const tradeId = numbers(await source(['trade_id']), 'trade_id', refFile);
  for (let p = 0; p < pk.length; p++) if (pk[p] !== tradeId[pr[p]]) bad[p] = 1;
  flagUnequal(bad, po, pr, ours.entryIdx, numbers(await source(['entry_idx']), 'entry_idx', refFile));
  flagUnequal(bad, po, pr, ours.exitIdx, numbers(await source(['exit_idx']), 'exit_idx', refFile));
  const codes = async (field: string, names: readonly string[]) => stringCodes(await source([field]), field, names, refFile).codes;
  flagUnequal(bad, po, pr, ours.direction, await codes('direction', DIRECTION_NAMES));
  flagUnequal(bad, po, pr, ours.status, await codes('status', STATUS_NAMES));
  flagUnequal(bad, po, pr, ours.exitReason, await codes('exit_reason', REASON_NAMES));
  const mine = ourFloats(ours);
  let bitIdentical = 0;
  const refPnl = new Float64Array(strategies.length);
  for (let i = 0; i < FLOAT_FIELDS.length; i++) {
    const theirs = numbers(await source([FLOAT_FIELDS[i]]), FLOAT_FIELDS[i], refFile);
    bitIdentical += flagNotClose(bad, po, pr, mine[i], theirs);
    if (i !== PNL) continue;
    for (let c = 0; c < strategies.length; c++) {
      let sum = 0;
      for (let r = start[c]; r < start[c + 1]; r++) sum += theirs[rows[r]];
      refPnl[c] = sum;
    }
  }
  const compared = po.length * FLOAT_FIELDS.length;

  let exact = 0;
  let passing = 0;
  let p = 0;
  for (let c = 0; c < strategies.length; c++) {
    const name = strategies[c];
    const refCount = start[c + 1] - start[c];
    const from = ours.offsets[c];
    const count = ours.offsets[c + 1] - from;
    let badCount = Math.abs(refCount - count);
    if (refCount !== count) note(`${name}: ${count} trades, reference has ${refCount}`);
    let firstTenEqual = Math.min(count, refCount) >= Math.min(10, Math.max(count, refCount));
    let ourPnl = 0;
    for (let k = 0; k < count; k++) ourPnl += ours.pnl[from + k];
    const pairs = Math.min(count, refCount);
    for (let k = 0; k < pairs; k++, p++) {
      if (bad[p] === 0) continue;
      badCount++;
      if (k < 10) firstTenEqual = false;
      note(p);
    }
    mismatched += badCount;
    if (badCount === 0) exact++;
    const countOk = refCount === 0 ? count === 0 : Math.abs(count - refCount) <= 0.05 * refCount;
    const pnlOk = Math.abs(ourPnl - refPnl[c]) <= 0.02 * Math.abs(refPnl[c]) || closeEnough(ourPnl, refPnl[c]);
    if (countOk && pnlOk && firstTenEqual) passing++;
  }
  // only when records differ: all compared columns again, for the few rows the examples describe
  const ref = notes.some((n) => typeof n === 'number')
    ? readRefTrades(await source(REFERENCE_TRADE_COLUMNS), strategies, refFile) : null;
  const examples = notes.map((n) => typeof n === 'string' ? n
    : `${strategies[codeOfPair(ours.offsets, po[n])]} trade ${pk[n]}: ${describeDiffs(ours, po[n], pk[n], ref!, pr[n]).join(', ')} (ours vs reference)`);
  const share = strategies.length ? passing / strategies.length : 1;
  return {
    strategies: strategies.length,
    strategiesExact: exact,
    referenceTrades,
    ourTrades: ours.length,
    mismatchedRecords: mismatched,
    bitIdenticalFloats: bitIdentical,
    comparedFloats: compared,
    examples,
    seed: { passing, share, pass: share >= 0.95 },
  };
}

export function compareMetrics(ours: StrategyMetrics[], refTable: arrow.Table, refFile: string, maxExamples = 5) {
  const names = strings(refTable, 'strategy', refFile);
  const byName = new Map(ours.map((m) => [m.strategy, m]));
  const examples: string[] = [];
  let compared = 0;
  let mismatched = 0;
  for (const metric of METRIC_COLUMNS) {
    const values = numbers(refTable, metric, refFile);
    names.forEach((name, r) => {
      const m = byName.get(name);
      const ref = values[r];
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
  const refDates = requireColumn(refTable, 'date', refFile).toArray() as Int32Array;
  if (ourDates.length !== refDates.length || ourDates.some((d, i) => d !== refDates[i])) {
    return { compared: 1, mismatched: 1, examples: [`days: ${ourDates.length}, reference has ${refDates.length} (or different dates)`] };
  }
  for (const field of refTable.schema.fields) {
    if (field.name === 'date') continue;
    const ref = numbers(refTable, field.name, refFile);
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
