// Which columns the kernel runs on its general path (assembly/general.ts): those with exit signals
// or any from_signals setting beyond the seed pipeline's call. The fast path (assembly/simulate.ts
// runSegment) takes the rest; per-column fees, slippage and initial cash are its too.
import * as L from '../../assembly/layout/records.js';
import type { ColumnSettings } from '../settings.js';

/** The codes the fast path assumes: the pipeline call's (vectorbt's defaults). */
const FAST_CODES = {
  sizeType: L.SIZE_TYPE_AMOUNT, price: L.PRICE_CLOSE, accumulate: L.ACCUMULATE_DISABLED,
  uponOppositeEntry: L.OPPOSITE_REVERSE_REDUCE, uponLongConflict: L.CONFLICT_IGNORE,
  uponShortConflict: L.CONFLICT_IGNORE, uponDirConflict: L.DIR_CONFLICT_IGNORE,
  stopEntryPrice: L.STOP_ENTRY_CLOSE, stopExitPrice: L.STOP_EXIT_STOP_LIMIT, uponStopExit: L.STOP_EXIT_MODE_CLOSE,
} as const satisfies Record<keyof ColumnSettings['codes'], number>;

export function runsGeneral(s: ColumnSettings, col: number, hasExits: boolean): boolean {
  if (hasExits || s.fixedFees[col] !== 0 || s.size[col] !== Infinity) return true;
  for (const [k, code] of Object.entries(FAST_CODES) as [keyof typeof FAST_CODES, number][]) {
    if (s.codes[k][col] !== code) return true;
  }
  return false;
}
