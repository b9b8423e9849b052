// The shared layout (assembly/layout/records.ts) guarded: in every block the kernel and the host
// share, the fields don't overlap, are aligned to their width and fit the block's size; codes are
// distinct.
import { describe, expect, it } from 'vitest';
import * as L from '../../assembly/layout/records.js';

const layout = L as unknown as Record<string, number>;

/** The exported constants named `<prefix><something>`, without the listed exceptions. */
function fieldsOf(prefix: string, except: string[] = []): string[] {
  return Object.keys(layout).filter((k) => k.startsWith(prefix) && !except.includes(k)).sort();
}

/** Field widths in bytes, by name; every field of the block must be listed. */
function checkBlock(prefix: string, size: number, widths: Record<string, number>, except: string[] = []) {
  expect(fieldsOf(prefix, except)).toEqual(Object.keys(widths).sort());
  const spans = Object.entries(widths)
    .map(([name, width]) => ({ name, start: layout[name], end: layout[name] + width, width }))
    .sort((a, b) => a.start - b.start);
  for (const s of spans) {
    expect(Number.isInteger(s.start), s.name).toBe(true);
    expect(s.start % Math.min(s.width, 8), `${s.name} aligned to its width`).toBe(0);
    expect(s.start, s.name).toBeGreaterThanOrEqual(0);
    expect(s.end, `${s.name} fits the block`).toBeLessThanOrEqual(size);
  }
  for (let k = 1; k < spans.length; k++) {
    expect(spans[k].start, `${spans[k].name} after ${spans[k - 1].name}`).toBeGreaterThanOrEqual(spans[k - 1].end);
  }
}

const each = (names: string[], width: number) => Object.fromEntries(names.map((n) => [n, width]));

describe('the kernel layout', () => {
  it('trade records: 7 float64, 2 int32, 3 uint8 codes in RECORD_SIZE bytes', () => {
    checkBlock('REC_', L.RECORD_SIZE, {
      ...each(['REC_ENTRY_PRICE', 'REC_ENTRY_FEES', 'REC_EXIT_PRICE', 'REC_EXIT_FEES', 'REC_SIZE', 'REC_PNL',
        'REC_RETURN'], 8),
      ...each(['REC_ENTRY_IDX', 'REC_EXIT_IDX'], 4),
      ...each(['REC_DIRECTION', 'REC_STATUS', 'REC_REASON'], 1),
    });
    expect(L.RECORD_SIZE % 8).toBe(0); // records follow each other in a chunk, float64s aligned
    expect(L.CHUNK_HEADER % 8).toBe(0);
  });

  it('the batch header', () => {
    checkBlock('HDR_', L.HDR_BYTES, {
      ...each(['HDR_N_BARS', 'HDR_N_DAYS', 'HDR_OPEN', 'HDR_HIGH', 'HDR_LOW', 'HDR_CLOSE', 'HDR_DAY_END',
        'HDR_COLUMNS', 'HDR_STATE', 'HDR_STATS', 'HDR_DAILY', 'HDR_DIRECTORY', 'HDR_TILE_BARS'], 4),
      ...each(['HDR_MIN_SIZE'], 8),
    }, ['HDR_BYTES']);
  });

  it('the column table', () => {
    checkBlock('COL_', L.COL_BYTES, {
      ...each(['COL_LONG', 'COL_SHORT', 'COL_LONG_EXIT', 'COL_SHORT_EXIT', 'COL_ANY_SIGNAL'], 4),
      ...each(['COL_TP', 'COL_SL', 'COL_TSL', 'COL_FEES', 'COL_FIXED_FEES', 'COL_SLIPPAGE', 'COL_INIT_CASH',
        'COL_SIZE'], 8),
      ...each(['COL_SIZE_TYPE', 'COL_PRICE', 'COL_ACCUMULATE', 'COL_UPON_OPPOSITE_ENTRY', 'COL_UPON_LONG_CONFLICT',
        'COL_UPON_SHORT_CONFLICT', 'COL_UPON_DIR_CONFLICT', 'COL_STOP_ENTRY_PRICE', 'COL_STOP_EXIT_PRICE',
        'COL_UPON_STOP_EXIT', 'COL_GENERAL'], 1),
    }, ['COL_BYTES']);
  });

  it('the control block: its fields, then the scratch room to the end', () => {
    const scratch = L.CTL_BYTES - L.CTL_SCRATCH;
    expect(scratch).toBeGreaterThan(0);
    checkBlock('CTL_', L.CTL_BYTES, {
      ...each(['CTL_FIRST_COL', 'CTL_COL_COUNT', 'CTL_TILE_START', 'CTL_COL_INDEX', 'CTL_ALLOC_PTR',
        'CTL_ALLOC_END', 'CTL_NEED_BYTES'], 4),
      CTL_SCRATCH: scratch,
    }, ['CTL_BYTES']);
  });

  it('the per-column state block', () => {
    const f64 = ['STATE_CASH', 'STATE_POSITION', 'STATE_DEBT', 'STATE_FREE_CASH', 'STATE_SL_INIT', 'STATE_SL_CURR',
      'STATE_SL_STOP', 'STATE_TP_INIT', 'STATE_TP_STOP', 'STATE_ENTRY_SIZE', 'STATE_ENTRY_GROSS', 'STATE_ENTRY_FEES',
      'STATE_CASH_SERIES', 'STATE_ASSET_SERIES', 'STATE_VALUE', 'STATE_PREV_VALUE', 'STATE_SUM_RET',
      'STATE_RET_SHIFT', 'STATE_SUM_RET_SQ0',
      'STATE_SUM_RET_SQ1', 'STATE_SUM_DOWN_SQ0', 'STATE_SUM_DOWN_SQ1', 'STATE_CUM_PROD', 'STATE_CUM_PEAK',
      'STATE_MIN_DD', 'STATE_MIN_OUT', 'STATE_PROFIT_CASH', 'STATE_PROFIT_ASSETS', 'STATE_TOTAL_FEES', 'STATE_CUM_HUNDRED'];
    const i32 = ['STATE_I', 'STATE_PHASE', 'STATE_SL_TRAIL', 'STATE_LOSS_KIND', 'STATE_IN_TRADE', 'STATE_TRADE_DIR',
      'STATE_TRADE_ENTRY', 'STATE_RECORDS', 'STATE_CHUNK', 'STATE_REC_CAP', 'STATE_REC_LEFT', 'STATE_CHUNK_CAP',
      'STATE_DAY', 'STATE_NEXT_DAY_END', 'STATE_ORDERS', 'STATE_SHIFT_SET', 'STATE_SHIFT_COUNT', 'STATE_DRAWDOWN_NAN'];
    checkBlock('STATE_', L.STATE_BYTES, { ...each(f64, 8), ...each(i32, 4) }, ['STATE_BYTES']);
    expect(L.STATE_BYTES % 64).toBe(0); // blocks are laid out back to back on cache lines
  });

  it('stats slots: distinct, within STATS_SLOTS', () => {
    checkBlock('STAT_', L.STATS_SLOTS, each(fieldsOf('STAT_', ['STATS_SLOTS']), 1), ['STATS_SLOTS']);
  });

  it('codes are distinct within each enum (their names: test/trade-codes.test.ts)', () => {
    for (const group of ['DIRECTION_', 'STATUS_', 'REASON_', 'PHASE_', 'RUN_']) {
      const codes = fieldsOf(group).map((n) => layout[n]);
      expect(new Set(codes).size, group).toBe(codes.length);
    }
    expect(L.PHASE_FRESH).toBe(0); // the host zeroes the state blocks: a zero block is a fresh column
  });
});
