// A plain, slow statement of vectorbt 1.2.0's `Portfolio.from_signals` as simrun calls it: every
// bar of every column, one step after another, no skipping and no cleverness. It is the second
// oracle that runs without Python: the kernel must agree with it record for record and bit for bit.
//
// Per bar, vectorbt's order: resolve the order price (close or open, also the valuation price) →
// adjust stops (the reference's two-stop adjustment) → loss stop, then take-profit → trail →
// (stop signal per upon_stop_exit | user signals → entry/exit conflicts → direction conflict →
// opposite entry) → signals to a signed size → order execution → stop bookkeeping. Afterwards:
// exit-trade aggregation and the value series.

import { DEFAULT_CONFIG, type SimConfig, type TradeSettings } from '../src/config.js';
import type { ExitReason, TradeDirection, TradeStatus } from '../src/trade-codes.js';

export interface ModelColumn {
  long: ArrayLike<number> | null;
  short: ArrayLike<number> | null;
  /** vectorbt's `exits` (close a long) and `short_exits`; absent or null = none. */
  longExit?: ArrayLike<number> | null;
  shortExit?: ArrayLike<number> | null;
  tp: number;
  sl: number;
  tsl: number;
  /** This column's own settings (params.csv); the rest come from the ModelConfig. */
  settings?: Partial<TradeSettings>;
}

export interface ModelBars {
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
}

/** The batch settings; those left out are simrun's defaults (DEFAULT_CONFIG). */
export type ModelConfig = Pick<SimConfig, 'fees' | 'slippage' | 'initCash' | 'minSize'> & Partial<SimConfig>;

export type Reason = ExitReason;

export interface ModelTrade {
  direction: TradeDirection;
  status: TradeStatus;
  entryIdx: number;
  entryPrice: number;
  entryFees: number;
  exitIdx: number;
  exitPrice: number;
  exitFees: number;
  size: number;
  pnl: number;
  return: number;
  exitReason: Reason;
}

export interface ModelResult {
  trades: ModelTrade[];
  /** vectorbt's `pf.value()` for this column, one per bar. */
  value: number[];
  /** vectorbt's `pf.total_profit()`. */
  totalProfit: number;
  totalFees: number;
  /** Filled orders (vectorbt's order records). */
  orders: number;
}

/** The settings one column runs under: simrun's defaults, the batch's, then the column's own. */
export function effectiveSettings(col: ModelColumn, cfg: ModelConfig): SimConfig {
  return { ...DEFAULT_CONFIG, ...cfg, ...col.settings };
}

// --- vectorbt's tolerance arithmetic -----------------------------------------------------------

const RTOL = 1e-9;
const ATOL = 1e-12;

export function isClose(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  if (a === b) return true;
  return Math.abs(a - b) <= Math.max(RTOL * Math.max(Math.abs(a), Math.abs(b)), ATOL);
}

const isCloseOrLess = (a: number, b: number) => isClose(a, b) || a < b;
const isLess = (a: number, b: number) => !isClose(a, b) && a < b;

function npSign(a: number): number {
  if (Number.isNaN(a)) return NaN;
  return a > 0 ? 1 : a < 0 ? -1 : 0;
}

export function addNb(a: number, b: number): number {
  const zero = npSign(a) !== npSign(b) ? isClose(Math.abs(a), Math.abs(b)) : isClose(a + b, 0);
  return zero ? 0 : a + b;
}

// --- account and orders ------------------------------------------------------------------------

interface Account {
  cash: number;
  position: number;
  debt: number;
  freeCash: number;
}

interface Fill {
  size: number;
  price: number;
  fees: number;
  side: 'buy' | 'sell';
}

/** LongOnly: an order that may only reduce a long; ShortOnly: only a short; Both: anything. */
type OrderDirection = 'longonly' | 'shortonly' | 'both';
type SizeType = TradeSettings['sizeType'];

/** One order as vectorbt's from_signals builds it; `size` is signed (> 0 buys, < 0 sells). */
interface Order {
  size: number;
  sizeType: SizeType;
  direction: OrderDirection;
  price: number;
  slippage: number;
  fees: number;
  fixedFees: number;
  minSize: number;
}

/** Buy (and/or cover a short) `size` units, limited by the cash (times `percent` if given). */
function buy(acc: Account, size: number, o: Order, percent: number): Fill | null {
  const adjPrice = o.price * (1 + o.slippage);
  let cashLimit = acc.cash;
  if (!Number.isNaN(percent)) cashLimit = Math.min(cashLimit, percent * cashLimit);
  if (o.direction === 'longonly' || o.direction === 'both') {
    if (cashLimit === 0) return null;
  } else if (acc.position === 0) {
    return null;
  }
  // a short exit buys back at most the short
  const adjSize = o.direction === 'shortonly' ? Math.min(-acc.position, size) : size;
  if (adjSize === 0) return null;
  const reqCash = adjSize * adjPrice;
  const reqFees = reqCash * o.fees + o.fixedFees;
  const totalReqCash = reqCash + reqFees;
  let finalSize: number;
  let feesPaid: number;
  let finalReqCash: number;
  if (isCloseOrLess(totalReqCash, cashLimit)) {
    finalSize = adjSize;
    feesPaid = reqFees;
    finalReqCash = totalReqCash;
  } else {
    // not enough cash: buy what the cash covers after fees (a partial fill)
    const maxReqCash = addNb(cashLimit, -o.fixedFees) / (1 + o.fees);
    if (maxReqCash <= 0) return null;
    finalSize = maxReqCash / adjPrice;
    feesPaid = cashLimit - maxReqCash;
    finalReqCash = cashLimit;
  }
  if (isClose(adjSize, 0)) return null;
  if (isLess(finalSize, o.minSize)) return null;
  const newCash = addNb(acc.cash, -finalReqCash);
  const newPosition = addNb(acc.position, finalSize);
  if (acc.position < 0) {
    // covering releases the debt of the covered part at the short's average entry price
    const shortSize = newPosition < 0 ? finalSize : Math.abs(acc.position);
    const avgEntryPrice = acc.debt / Math.abs(acc.position);
    const debtDiff = shortSize * avgEntryPrice;
    acc.debt = addNb(acc.debt, -debtDiff);
    acc.freeCash = addNb(acc.freeCash + 2 * debtDiff, -finalReqCash);
  } else {
    acc.freeCash = addNb(acc.freeCash, -finalReqCash);
  }
  acc.cash = newCash;
  acc.position = newPosition;
  return { size: finalSize, price: adjPrice, fees: feesPaid, side: 'buy' };
}

/** Sell (and/or short) `size` units; an infinite size with a percent means "as much as free cash allows". */
function sell(acc: Account, size: number, o: Order, percent: number): Fill | null {
  const adjPrice = o.price * (1 - o.slippage);
  let sizeLimit: number;
  if (o.direction === 'longonly') {
    sizeLimit = Math.min(acc.position, size);
  } else if (!Number.isFinite(size) && !Number.isNaN(percent)) {
    // the long part can be sold outright; the short part is bounded by the free cash
    const longSize = Math.max(acc.position, 0);
    const longCash = longSize * adjPrice * (1 - o.fees);
    const totalFreeCash = addNb(acc.freeCash, longCash);
    let maxSizeLimit: number;
    if (totalFreeCash <= 0) {
      if (acc.position <= 0) return null;
      maxSizeLimit = longSize;
    } else {
      const maxShortSize = addNb(totalFreeCash, -o.fixedFees) / (adjPrice * (1 + o.fees));
      maxSizeLimit = addNb(longSize, maxShortSize);
      if (maxSizeLimit <= 0) return null;
    }
    sizeLimit = maxSizeLimit;
  } else {
    sizeLimit = size;
  }
  if (!Number.isNaN(percent)) sizeLimit = percent * sizeLimit;
  if (o.direction !== 'longonly') {
    if (!Number.isFinite(sizeLimit)) throw new Error('vectorbt: Attempt to go in short direction infinitely');
  } else if (acc.position === 0) {
    return null;
  }
  if (isClose(sizeLimit, 0)) return null;
  if (isLess(sizeLimit, o.minSize)) return null;
  const acqCash = sizeLimit * adjPrice;
  const feesPaid = acqCash * o.fees + o.fixedFees;
  const finalAcqCash = addNb(acqCash, -feesPaid);
  if (finalAcqCash < 0) return null; // the fixed fee eats more than the sale brings
  const newCash = acc.cash + finalAcqCash;
  const newPosition = addNb(acc.position, -sizeLimit);
  if (newPosition < 0) {
    // the newly shorted part becomes debt and binds twice its value of free cash
    const shortSize = acc.position < 0 ? sizeLimit : Math.abs(newPosition);
    const shortValue = shortSize * adjPrice;
    acc.debt = acc.debt + shortValue;
    acc.freeCash = addNb(acc.freeCash, addNb(finalAcqCash, -2 * shortValue));
  } else {
    acc.freeCash = acc.freeCash + finalAcqCash;
  }
  acc.cash = newCash;
  acc.position = newPosition;
  return { size: sizeLimit, price: adjPrice, fees: feesPaid, side: 'sell' };
}

/** Turn the order's size type into units (or a percent of the resources), then buy or sell. */
function executeOrder(acc: Account, o: Order, valPrice: number): Fill | null {
  // values within tolerance of zero are zero
  for (const key of ['cash', 'position', 'debt', 'freeCash'] as const) {
    if (isClose(acc[key], 0)) acc[key] = 0;
  }
  if (isClose(valPrice, 0)) valPrice = 0;
  if (Number.isNaN(o.size) || Number.isNaN(o.price)) return null;
  if (acc.cash < 0) throw new Error('vectorbt: cash cannot be NaN and must be greater than 0');
  if (!(o.price > 0) || !Number.isFinite(o.price)) throw new Error('vectorbt: order.price must be finite and greater than 0');

  let size = o.size;
  let sizeType = o.sizeType;
  if (sizeType === 'Value') {
    if (!Number.isFinite(valPrice) || valPrice <= 0) throw new Error('vectorbt: val_price_now must be finite and greater than 0');
    size /= valPrice;
    sizeType = 'Amount';
  }
  if (sizeType === 'Amount' && o.direction !== 'longonly' && size === -Infinity) {
    // an unbounded sell that may open a short: all of the free cash
    size = -1;
    sizeType = 'Percent';
  }
  let percent = NaN;
  if (sizeType === 'Percent') {
    percent = Math.abs(size);
    size = npSign(size) * Infinity;
  }
  return size > 0 ? buy(acc, size, o, percent) : sell(acc, -size, o, percent);
}

// --- signals -----------------------------------------------------------------------------------

interface Signals {
  longEntry: boolean;
  longExit: boolean;
  shortEntry: boolean;
  shortExit: boolean;
}

type Accumulate = TradeSettings['accumulate'];

/** upon_long_conflict / upon_short_conflict: an entry and an exit of one side on the same bar. */
function resolveEntryExitConflict(position: number, entry: boolean, exit: boolean,
  mode: TradeSettings['uponLongConflict']): [boolean, boolean] {
  if (!(entry && exit)) return [entry, exit];
  switch (mode) {
    case 'Entry': return [true, false];
    case 'Exit': return [false, true];
    // from_signals passes LongOnly/ShortOnly here, so "adjacent" keeps the entry and "opposite"
    // the exit whenever a position (of either sign) is open; flat, the bar's signals cancel
    case 'Adjacent': return position === 0 ? [false, false] : [true, false];
    case 'Opposite': return position === 0 ? [false, false] : [false, true];
    default: return [false, false];
  }
}

/** upon_dir_conflict: a long and a short entry on the same bar. */
function resolveDirConflict(position: number, longEntry: boolean, shortEntry: boolean,
  mode: TradeSettings['uponDirConflict']): [boolean, boolean] {
  if (!(longEntry && shortEntry)) return [longEntry, shortEntry];
  switch (mode) {
    case 'Long': return [true, false];
    case 'Short': return [false, true];
    case 'Adjacent': return position > 0 ? [true, false] : position < 0 ? [false, true] : [false, false];
    case 'Opposite': return position > 0 ? [false, true] : position < 0 ? [true, false] : [false, false];
    default: return [false, false];
  }
}

/** upon_opposite_entry: an entry against the open position; Close/Reverse switch accumulation off. */
function resolveOppositeEntry(position: number, s: Signals, mode: TradeSettings['uponOppositeEntry'],
  accumulate: Accumulate): Accumulate {
  const against = (position > 0 && s.shortEntry) || (position < 0 && s.longEntry);
  if (!against) return accumulate;
  const dropEntryAndExit = () => {
    if (position > 0) { s.shortEntry = false; s.longExit = true; } else { s.longEntry = false; s.shortExit = true; }
  };
  switch (mode) {
    case 'Ignore':
      if (position > 0) s.shortEntry = false; else s.longEntry = false;
      return accumulate;
    case 'Close': dropEntryAndExit(); return 'Disabled';
    case 'CloseReduce': dropEntryAndExit(); return accumulate;
    case 'Reverse': return 'Disabled';
    default: return accumulate; // ReverseReduce
  }
}

/** upon_stop_exit: which signal a fired stop becomes; Close/Reverse switch accumulation off. */
function stopSignals(position: number, mode: TradeSettings['uponStopExit'], accumulate: Accumulate):
  [Signals, Accumulate] {
  const s: Signals = { longEntry: false, longExit: false, shortEntry: false, shortExit: false };
  if (position === 0) return [s, accumulate];
  const closes = mode === 'Close' || mode === 'CloseReduce';
  if (position > 0) {
    if (closes) s.longExit = true; else s.shortEntry = true;
  } else if (closes) {
    s.shortExit = true;
  } else {
    s.longEntry = true;
  }
  return [s, mode === 'Close' || mode === 'Reverse' ? 'Disabled' : accumulate];
}

/** The signed order size, its type and direction the resolved signals ask for (0 = no order). */
function signalsToSize(position: number, s: Signals, size: number, sizeType: SizeType,
  accumulate: Accumulate, valPrice: number): { size: number; sizeType: SizeType; direction: OrderDirection } {
  if (isLess(size, 0)) throw new Error('vectorbt: Negative size is not allowed');
  const reduces = accumulate === 'Both' || accumulate === 'RemoveOnly';
  const adds = accumulate === 'Both' || accumulate === 'AddOnly';
  /** Close the whole position and open `size` the other way, in units. */
  const reverse = (sign: number) => {
    let units = Math.abs(position);
    if (!Number.isNaN(size)) {
      if (sizeType === 'Percent') throw new Error('vectorbt: SizeType.Percent does not support position reversal using signals');
      units += sizeType === 'Value' ? size / valPrice : size;
    }
    return { size: sign * units, sizeType: 'Amount' as SizeType, direction: 'both' as OrderDirection };
  };
  if (position > 0) {
    if (s.shortEntry) return reduces ? { size: -size, sizeType, direction: 'both' } : reverse(-1);
    if (s.longExit) {
      return reduces ? { size: -size, sizeType, direction: 'longonly' }
        : { size: -position, sizeType: 'Amount', direction: 'longonly' };
    }
    if (s.longEntry) return { size: adds ? size : 0, sizeType, direction: 'longonly' };
  } else if (position < 0) {
    if (s.longEntry) return reduces ? { size, sizeType, direction: 'both' } : reverse(1);
    if (s.shortExit) {
      return reduces ? { size, sizeType, direction: 'shortonly' }
        : { size: -position, sizeType: 'Amount', direction: 'shortonly' };
    }
    if (s.shortEntry) return { size: adds ? -size : 0, sizeType, direction: 'shortonly' };
  } else {
    if (s.longEntry) return { size, sizeType, direction: 'both' };
    if (s.shortEntry) return { size: -size, sizeType, direction: 'both' };
  }
  return { size: 0, sizeType, direction: 'both' };
}

// --- stops -------------------------------------------------------------------------------------

/** Where a stop at `anchor·(1∓stop)` fills on this bar: the open if the bar opens beyond it, the level if inside the range, else NaN. */
function stopPrice(position: number, anchor: number, stop: number, open: number, low: number,
  high: number, hitBelow: boolean): number {
  if ((position > 0 && hitBelow) || (position < 0 && !hitBelow)) {
    const level = anchor * (1 - stop);
    if (open <= level) return open;
    if (low <= level && level <= high) return level;
    return NaN;
  }
  if ((position < 0 && hitBelow) || (position > 0 && !hitBelow)) {
    const level = anchor * (1 + stop);
    if (level <= open) return open;
    if (low <= level && level <= high) return level;
    return NaN;
  }
  return NaN;
}

interface Stops {
  slInitPrice: number;
  slCurrPrice: number;
  slCurrStop: number;
  slCurrTrail: boolean;
  tpInitPrice: number;
  tpCurrStop: number;
}

const noStops = (): Stops => ({
  slInitPrice: NaN, slCurrPrice: NaN, slCurrStop: NaN, slCurrTrail: false,
  tpInitPrice: NaN, tpCurrStop: NaN,
});

/** The reference generator's adjustment for sl + tsl (reference-data/README.md). */
function adjustTwoStop(position: number, stops: Stops, sl: number, tsl: number): 'sl' | 'tsl' {
  let kind: 'sl' | 'tsl';
  if (position > 0) {
    const fixed = stops.slInitPrice * (1 - sl);
    const trail = stops.slCurrPrice * (1 - tsl);
    if (trail >= fixed) {
      stops.slCurrStop = tsl;
      kind = 'tsl';
    } else {
      stops.slCurrStop = 1 - fixed / stops.slCurrPrice;
      kind = 'sl';
    }
  } else {
    const fixed = stops.slInitPrice * (1 + sl);
    const trail = stops.slCurrPrice * (1 + tsl);
    if (trail <= fixed) {
      stops.slCurrStop = tsl;
      kind = 'tsl';
    } else {
      stops.slCurrStop = fixed / stops.slCurrPrice - 1;
      kind = 'sl';
    }
  }
  stops.slCurrTrail = true;
  return kind;
}

// --- exit trades from orders -------------------------------------------------------------------

interface FilledOrder extends Fill {
  idx: number;
  reason: Reason;
}

function tradeStats(size: number, entryPrice: number, entryFees: number, exitPrice: number,
  exitFees: number, direction: TradeDirection) {
  const entryVal = size * entryPrice;
  const exitVal = size * exitPrice;
  let valDiff = addNb(exitVal, -entryVal);
  if (valDiff !== 0 && direction === 'short') valDiff *= -1;
  const pnl = valDiff - entryFees - exitFees;
  return { pnl, ret: pnl / entryVal };
}

/** vectorbt's exit trades: one record per reducing order (a partial exit too), plus the open rest. */
export function exitTrades(orders: FilledOrder[], lastIdx: number, lastClose: number): ModelTrade[] {
  const trades: ModelTrade[] = [];
  let inPosition = false;
  let direction: TradeDirection = 'long';
  let entryIdx = -1;
  let sizeSum = 0;
  let grossSum = 0;
  let feesSum = 0;
  const push = (size: number, exitIdx: number, exitPrice: number, exitFees: number,
    status: TradeStatus, exitReason: Reason) => {
    const entryPrice = grossSum / sizeSum;
    const entryFees = (size / sizeSum) * feesSum;
    const { pnl, ret } = tradeStats(size, entryPrice, entryFees, exitPrice, exitFees, direction);
    trades.push({ direction, status, entryIdx, entryPrice, entryFees, exitIdx, exitPrice, exitFees,
      size, pnl, return: ret, exitReason });
  };
  for (const o of orders) {
    if (!inPosition) {
      inPosition = true;
      entryIdx = o.idx;
      direction = o.side === 'buy' ? 'long' : 'short';
      sizeSum = 0;
      grossSum = 0;
      feesSum = 0;
    }
    const adds = (direction === 'long') === (o.side === 'buy');
    if (adds) {
      sizeSum += o.size;
      grossSum += o.size * o.price;
      feesSum += o.fees;
    } else if (isCloseOrLess(o.size, sizeSum)) {
      const all = isClose(o.size, sizeSum);
      push(all ? sizeSum : o.size, o.idx, o.price, o.fees, 'closed', o.reason);
      if (all) {
        inPosition = false;
      } else {
        // the rest of the position keeps its average entry price and its share of the entry fees
        const fraction = (sizeSum - o.size) / sizeSum;
        sizeSum *= fraction;
        grossSum *= fraction;
        feesSum *= fraction;
      }
    } else {
      // a reversal: the order closes the trade and opens the opposite one, fees split by size
      const closeSize = sizeSum;
      const closeFees = (closeSize / o.size) * o.fees;
      push(closeSize, o.idx, o.price, closeFees, 'closed', o.reason);
      sizeSum = o.size - closeSize;
      grossSum = sizeSum * o.price;
      feesSum = o.fees - closeFees;
      entryIdx = o.idx;
      direction = direction === 'long' ? 'short' : 'long';
    }
  }
  if (inPosition && isLess(-sizeSum, 0)) push(sizeSum, lastIdx, lastClose, 0, 'open', 'end');
  return trades;
}

// --- the column ---------------------------------------------------------------------------------

const at = (a: ArrayLike<number> | null | undefined, i: number) => (a ? a[i] !== 0 : false);

export function simulateModel(bars: ModelBars, col: ModelColumn, cfg: ModelConfig): ModelResult {
  const n = bars.close.length;
  const s = effectiveSettings(col, cfg);
  const twoStop = !Number.isNaN(col.sl) && !Number.isNaN(col.tsl);
  // what the reference passes to vectorbt as sl_stop / sl_trail
  const sl0 = twoStop ? col.tsl : Number.isNaN(col.sl) ? col.tsl : col.sl;
  const trail0 = twoStop || (Number.isNaN(col.sl) && !Number.isNaN(col.tsl));
  const singleKind: Reason = Number.isNaN(col.sl) ? 'tsl' : 'sl';

  const acc: Account = { cash: s.initCash, position: 0, debt: 0, freeCash: s.initCash };
  let stops = noStops();
  const orders: FilledOrder[] = [];

  for (let i = 0; i < n; i++) {
    const open = bars.open[i];
    const high = bars.high[i];
    const low = bars.low[i];
    const close = bars.close[i];
    const positionNow = acc.position;
    // the bar's order price, which is also the valuation price (val_price = order price)
    const barPrice = s.price === 'Open' ? open : close;
    const valPrice = barPrice;

    // 1. stops: adjust, test the loss stop then the take-profit, then trail with this bar
    let kind: 'sl' | 'tsl' = singleKind as 'sl' | 'tsl';
    if (twoStop && positionNow !== 0) kind = adjustTwoStop(positionNow, stops, col.sl, col.tsl);
    let stopFill = NaN;
    let stopReason: Reason = 'sl';
    if (!Number.isNaN(stops.slCurrStop) || !Number.isNaN(stops.tpCurrStop)) {
      if (!Number.isNaN(stops.slCurrStop)) {
        stopFill = stopPrice(positionNow, stops.slCurrPrice, stops.slCurrStop, open, low, high, true);
        stopReason = twoStop ? kind : singleKind;
      }
      if (Number.isNaN(stopFill) && !Number.isNaN(stops.tpCurrStop)) {
        stopFill = stopPrice(positionNow, stops.tpInitPrice, stops.tpCurrStop, open, low, high, false);
        stopReason = 'tp';
      }
      if (!Number.isNaN(stops.slCurrStop) && stops.slCurrTrail) {
        if (positionNow > 0 && high > stops.slCurrPrice) stops.slCurrPrice = high;
        else if (positionNow < 0 && low < stops.slCurrPrice) stops.slCurrPrice = low;
      }
    }

    // 2. signals: a fired stop replaces the user's signals for this bar
    let signals: Signals;
    let accumulate = s.accumulate;
    let orderPrice = barPrice;
    let slippage = s.slippage;
    let reason: Reason = 'signal';
    if (positionNow !== 0 && !Number.isNaN(stopFill)) {
      [signals, accumulate] = stopSignals(positionNow, s.uponStopExit, accumulate);
      reason = stopReason;
      switch (s.stopExitPrice) {
        case 'StopLimit': orderPrice = stopFill; slippage = 0; break;
        case 'StopMarket': orderPrice = stopFill; break;
        case 'Close': orderPrice = close; break;
        default: break; // Price: the bar's order price, slipped
      }
    } else {
      signals = {
        longEntry: at(col.long, i), longExit: at(col.longExit, i),
        shortEntry: at(col.short, i), shortExit: at(col.shortExit, i),
      };
      if (signals.longEntry || signals.shortEntry) {
        [signals.longEntry, signals.longExit] = resolveEntryExitConflict(positionNow, signals.longEntry,
          signals.longExit, s.uponLongConflict);
        [signals.shortEntry, signals.shortExit] = resolveEntryExitConflict(positionNow, signals.shortEntry,
          signals.shortExit, s.uponShortConflict);
        [signals.longEntry, signals.shortEntry] = resolveDirConflict(positionNow, signals.longEntry,
          signals.shortEntry, s.uponDirConflict);
        accumulate = resolveOppositeEntry(positionNow, signals, s.uponOppositeEntry, accumulate);
      }
    }

    // 3. the order
    const want = signalsToSize(positionNow, signals, s.size, s.sizeType, accumulate, valPrice);
    let fill: Fill | null = null;
    if (want.size !== 0) {
      fill = executeOrder(acc, {
        size: want.size, sizeType: want.sizeType, direction: want.direction, price: orderPrice, slippage,
        fees: s.fees, fixedFees: s.fixedFees, minSize: s.minSize,
      }, valPrice);
    }

    // 4. stops follow the position: cleared when flat, set when opened or reversed, re-anchored
    // when it grows (upon_stop_update = Override)
    if (fill) {
      const anchor = s.stopEntryPrice === 'ValPrice' ? valPrice
        : s.stopEntryPrice === 'Price' ? orderPrice
          : s.stopEntryPrice === 'FillPrice' ? fill.price
            : close;
      if (acc.position === 0) {
        stops = noStops();
      } else if (positionNow === 0 || npSign(acc.position) !== npSign(positionNow)) {
        stops = {
          slInitPrice: anchor, slCurrPrice: anchor, slCurrStop: sl0, slCurrTrail: trail0,
          tpInitPrice: anchor, tpCurrStop: col.tp,
        };
      } else if (Math.abs(acc.position) > Math.abs(positionNow)) {
        if (!Number.isNaN(sl0)) {
          stops.slInitPrice = stops.slCurrPrice = anchor;
          stops.slCurrStop = sl0;
          stops.slCurrTrail = trail0;
        }
        if (!Number.isNaN(col.tp)) {
          stops.tpInitPrice = anchor;
          stops.tpCurrStop = col.tp;
        }
      }
      orders.push({ ...fill, idx: i, reason });
    }
  }

  return {
    trades: exitTrades(orders, n - 1, bars.close[n - 1]),
    value: valueSeries(orders, bars.close, s.initCash),
    totalProfit: totalProfit(orders, bars.close[n - 1]),
    totalFees: orders.reduce((sum, o) => sum + o.fees, 0),
    orders: orders.length,
  };
}

/** vectorbt's `pf.value()`: cash and assets rebuilt from order records, then cash + assets·close. */
function valueSeries(orders: FilledOrder[], close: ArrayLike<number>, initCash: number): number[] {
  const cashFlow = new Array<number>(close.length).fill(0);
  const assetFlow = new Array<number>(close.length).fill(0);
  for (const o of orders) {
    const signed = o.side === 'buy' ? o.size : -o.size;
    cashFlow[o.idx] = addNb(cashFlow[o.idx], -signed * o.price - o.fees);
    assetFlow[o.idx] = addNb(assetFlow[o.idx], signed);
  }
  const value: number[] = [];
  let cash = initCash;
  let assets = 0;
  for (let i = 0; i < close.length; i++) {
    cash = addNb(cash, cashFlow[i]);
    assets = addNb(assets, assetFlow[i]);
    value.push(cash + assets * close[i]);
  }
  return value;
}

/** vectorbt's `pf.total_profit()`, accumulated from order records on its own. */
function totalProfit(orders: FilledOrder[], lastClose: number): number {
  if (orders.length === 0) return 0;
  let cash = 0;
  let assets = 0;
  for (const o of orders) {
    if (o.side === 'buy') {
      assets = addNb(assets, o.size);
      cash = addNb(cash, -(o.size * o.price + o.fees));
    } else {
      assets = addNb(assets, -o.size);
      cash = addNb(cash, o.size * o.price - o.fees);
    }
  }
  return cash + assets * lastClose;
}
