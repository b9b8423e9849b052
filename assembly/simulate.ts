// The from_signals state machine, one column at a time. This is the only hot loop of simrun.
//
// It reproduces, bit for bit, the arithmetic the pinned vectorbt release performs for the batch
// pipeline's call (size=inf, fees, slippage, tp/sl/tsl, no cash sharing): order sizing with its
// near-zero snapping, the stop levels, the exit-trade bookkeeping, and the cash/asset series its
// return metrics are built from. See ../../shared/SEMANTICS.md and reference-data/README.md.
//
// The host owns all memory (no allocation here: `--runtime stub`); every pointer below is an
// offset into the shared memory that the host's memory plan laid out.

import {
  RECORD_SIZE, REC_ENTRY_PRICE, REC_ENTRY_FEES, REC_EXIT_PRICE, REC_EXIT_FEES, REC_SIZE, REC_PNL,
  REC_RETURN, REC_ENTRY_IDX, REC_EXIT_IDX, REC_DIRECTION, REC_STATUS, REC_REASON,
  DIRECTION_LONG, DIRECTION_SHORT, STATUS_OPEN, STATUS_CLOSED,
  REASON_SL, REASON_TSL, REASON_TP, REASON_SIGNAL, REASON_END,
  STAT_TOTAL_PROFIT, STAT_TOTAL_FEES, STAT_SUM_RET, STAT_SUM_RET_SQ, STAT_SUM_DOWN_SQ, STAT_RET_SHIFT,
  STAT_MIN_DRAWDOWN, STAT_CUM_PROD, STAT_ORDERS, STAT_RECORDS, STAT_FINAL_VALUE_BARS,
} from "./records";

// ---------------------------------------------------------------------------------------------
// vectorbt's float tolerance helpers (rtol 1e-9, atol 1e-12).

const RTOL: f64 = 1e-9;
const ATOL: f64 = 1e-12;

// @ts-ignore: decorator
@inline function isClose(a: f64, b: f64): bool {
  if (isNaN(a) || isNaN(b)) return false;
  if (!isFinite(a) || !isFinite(b)) return false;
  if (a == b) return true;
  return Math.abs(a - b) <= Math.max(RTOL * Math.max(Math.abs(a), Math.abs(b)), ATOL);
}

// @ts-ignore: decorator
@inline function isCloseOrLess(a: f64, b: f64): bool {
  return isClose(a, b) || a < b;
}

// @ts-ignore: decorator
@inline function isLess(a: f64, b: f64): bool {
  return !isClose(a, b) && a < b;
}

// @ts-ignore: decorator
@inline function sign(a: f64): f64 {
  return a > 0 ? 1.0 : a < 0 ? -1.0 : a; // keeps NaN and ±0 like numpy
}

// addNb(a, 0): what a bar without an order does to a running balance.
// @ts-ignore: decorator
@inline function snapZero(a: f64): f64 {
  return Math.abs(a) <= ATOL ? 0.0 : a;
}

// a + b, snapped to 0 when the sum is within tolerance of zero.
// @ts-ignore: decorator
@inline function addNb(a: f64, b: f64): f64 {
  const zero = sign(a) != sign(b) ? isClose(Math.abs(a), Math.abs(b)) : isClose(a + b, 0.0);
  return zero ? 0.0 : a + b;
}

// ---------------------------------------------------------------------------------------------
// Per-column state. Globals live in this instance (one per worker), never in shared memory.

// account (simulation view)
let cash: f64 = 0;
let position: f64 = 0;
let debt: f64 = 0;
let freeCash: f64 = 0;

// column parameters
let tpParam: f64 = NaN;
let slParam: f64 = NaN;
let tslParam: f64 = NaN;
let twoStop: bool = false;
let sl0: f64 = NaN; // stop handed to vectorbt at entry
let trail0: bool = false;
let singleLossKind: i32 = REASON_SL;
let feesParam: f64 = 0;
let minSizeParam: f64 = 0;

// last order result
let fillSize: f64 = 0;
let fillPrice: f64 = 0;
let fillFees: f64 = 0;
let fillIsBuy: bool = false;

// exit-trade builder
let inTrade: bool = false;
let tradeDirection: i32 = DIRECTION_LONG;
let tradeEntryIdx: i32 = 0;
let entrySizeSum: f64 = 0;
let entryGrossSum: f64 = 0;
let entryFeesSum: f64 = 0;
let recordCount: i32 = 0;
let recordBase: usize = 0;
let recordCap: i32 = 0;

// value-series accumulators for the metrics. Globals for the generic step; the in-position fast
// loop copies them into locals and writes them back when it leaves.
let prevValue: f64 = 0;
let sumRet: f64 = 0; // Σ r, Neumaier-compensated (returns cancel; 1M terms)
let sumRetC: f64 = 0;
// The variance comes from squares of r − K, K the column's first non-zero return: Σr² − (Σr)²/n
// cancels catastrophically when returns are nearly constant (|mean|/std in the thousands: a 1e-9
// Sharpe error found by fuzzing); shifted by K the terms stay at the spread's own scale. Bars not
// accumulated here (before K, and skipped flat bars) all have r = 0 exactly: each adds K².
let retShift: f64 = 0; // K
let shiftSet = false;
let shiftCount: i32 = 0; // bars accumulated into sumRetSq
let sumRetSq: f64 = 0; // Σ (r − K)² and Σ min(r,0)² add non-negative terms: plain sums
let sumDownSq: f64 = 0;
let cumProd: f64 = 1; // Π (1 + r)
let cumPeak: f64 = 0; // running max of 100·Π
let minDrawdown: f64 = 0;
let day: i32 = 0;
let nextDayEnd: i32 = -1;
let dayEnds: usize = 0;
let dayCount: i32 = 0;
let dailyValues: usize = 0;

// order-flow totals (touched only when an order fills)
let profitCash: f64 = 0; // vectorbt's total_profit keeps its own cash/asset accumulation
let profitAssets: f64 = 0;
let totalFees: f64 = 0;
let orderCount: i32 = 0;

// ---------------------------------------------------------------------------------------------
// Orders. Only the paths this call can take are ported: size in units (possibly ±inf), no fixed
// fees, no granularity, no cash locking, no max size, partial fills allowed.

const DIR_LONG_ONLY: i32 = 0;
const DIR_SHORT_ONLY: i32 = 1;
const DIR_BOTH: i32 = 2;

// Buy (or cover). Returns false when the order is ignored or rejected.
function buy(size: f64, price: f64, direction: i32, slippage: f64, percent: f64): bool {
  const adjPrice = price * (1 + slippage);
  let cashLimit = cash;
  if (!isNaN(percent)) cashLimit = Math.min(cashLimit, percent * cashLimit);
  if (direction == DIR_LONG_ONLY || direction == DIR_BOTH) {
    if (cashLimit == 0) return false;
  } else if (position == 0) {
    return false;
  }
  const adjSize = direction == DIR_SHORT_ONLY ? Math.min(-position, size) : size;
  if (adjSize == 0) return false;

  const reqCash = adjSize * adjPrice;
  const reqFees = reqCash * feesParam;
  const totalReqCash = reqCash + reqFees;
  let finalSize: f64, feesPaid: f64, finalReqCash: f64;
  if (isCloseOrLess(totalReqCash, cashLimit)) {
    finalSize = adjSize;
    feesPaid = reqFees;
    finalReqCash = totalReqCash;
  } else {
    const maxReqCash = addNb(cashLimit, -0.0) / (1 + feesParam);
    if (maxReqCash <= 0) return false;
    finalSize = maxReqCash / adjPrice;
    feesPaid = cashLimit - maxReqCash;
    finalReqCash = cashLimit;
  }
  if (isClose(adjSize, 0)) return false;
  if (isLess(finalSize, minSizeParam)) return false;

  const newCash = addNb(cash, -finalReqCash);
  const newPosition = addNb(position, finalSize);
  if (position < 0) {
    const shortSize = newPosition < 0 ? finalSize : Math.abs(position);
    const avgEntryPrice = debt / Math.abs(position);
    const debtDiff = shortSize * avgEntryPrice;
    debt = addNb(debt, -debtDiff);
    freeCash = addNb(freeCash + 2 * debtDiff, -finalReqCash);
  } else {
    freeCash = addNb(freeCash, -finalReqCash);
  }
  cash = newCash;
  position = newPosition;
  fillSize = finalSize;
  fillPrice = adjPrice;
  fillFees = feesPaid;
  fillIsBuy = true;
  return true;
}

// Sell (or short). Returns false when the order is ignored or rejected.
function sell(size: f64, price: f64, direction: i32, slippage: f64, percent: f64): bool {
  const adjPrice = price * (1 - slippage);
  let sizeLimit: f64;
  if (direction == DIR_LONG_ONLY) {
    sizeLimit = Math.min(position, size);
  } else if (!isFinite(size) && !isNaN(percent)) {
    const longSize = Math.max(position, 0);
    const longCash = longSize * adjPrice * (1 - feesParam);
    const totalFreeCash = addNb(freeCash, longCash);
    let maxSizeLimit: f64;
    if (totalFreeCash <= 0) {
      if (position <= 0) return false;
      maxSizeLimit = longSize;
    } else {
      const maxShortSize = addNb(totalFreeCash, -0.0) / (adjPrice * (1 + feesParam));
      maxSizeLimit = addNb(longSize, maxShortSize);
      if (maxSizeLimit <= 0) return false;
    }
    sizeLimit = maxSizeLimit;
  } else {
    sizeLimit = size;
  }
  if (!isNaN(percent)) sizeLimit = percent * sizeLimit;
  if (direction == DIR_LONG_ONLY && position == 0) return false;
  if (isClose(sizeLimit, 0)) return false;
  if (isLess(sizeLimit, minSizeParam)) return false;

  const acqCash = sizeLimit * adjPrice;
  const feesPaid = acqCash * feesParam;
  const finalAcqCash = addNb(acqCash, -feesPaid);
  if (finalAcqCash < 0) return false;

  const newCash = cash + finalAcqCash;
  const newPosition = addNb(position, -sizeLimit);
  if (newPosition < 0) {
    const shortSize = position < 0 ? sizeLimit : Math.abs(newPosition);
    const shortValue = shortSize * adjPrice;
    debt = debt + shortValue;
    freeCash = addNb(freeCash, addNb(finalAcqCash, -2 * shortValue));
  } else {
    freeCash = freeCash + finalAcqCash;
  }
  cash = newCash;
  position = newPosition;
  fillSize = sizeLimit;
  fillPrice = adjPrice;
  fillFees = feesPaid;
  fillIsBuy = false;
  return true;
}

// vectorbt's execute step: snap near-zero state, turn an infinite short into "100 % of resources".
function executeOrder(size: f64, price: f64, direction: i32, slippage: f64): bool {
  if (isClose(cash, 0)) cash = 0;
  if (isClose(position, 0)) position = 0;
  if (isClose(debt, 0)) debt = 0;
  if (isClose(freeCash, 0)) freeCash = 0;
  let orderSize = size;
  if (direction == DIR_SHORT_ONLY) orderSize = -orderSize;
  let percent: f64 = NaN;
  if (direction != DIR_LONG_ONLY && orderSize < 0 && !isFinite(orderSize)) {
    percent = 1;
    orderSize = -Infinity;
  }
  if (orderSize > 0) return buy(orderSize, price, direction, slippage, percent);
  return sell(-orderSize, price, direction, slippage, percent);
}

// ---------------------------------------------------------------------------------------------
// Stops.

// The stop price hit on this bar, or NaN. Gapped through at the open fills at the open.
// @ts-ignore: decorator
@inline function stopPrice(pos: f64, anchor: f64, stop: f64, open: f64, low: f64, high: f64, hitBelow: bool): f64 {
  if ((pos > 0 && hitBelow) || (pos < 0 && !hitBelow)) {
    const level = anchor * (1 - stop);
    if (open <= level) return open;
    if (low <= level && level <= high) return level;
    return NaN;
  }
  if ((pos < 0 && hitBelow) || (pos > 0 && !hitBelow)) {
    const level = anchor * (1 + stop);
    if (level <= open) return open;
    if (low <= level && level <= high) return level;
    return NaN;
  }
  return NaN;
}

// ---------------------------------------------------------------------------------------------
// Exit trades, built incrementally from filled orders exactly as vectorbt aggregates them.

function writeRecord(
  size: f64, entryPrice: f64, entryFees: f64, exitIdx: i32, exitPrice: f64, exitFees: f64,
  status: i32, reason: i32,
): void {
  if (recordCount < recordCap) {
    const entryVal = size * entryPrice;
    const exitVal = size * exitPrice;
    let valDiff = addNb(exitVal, -entryVal);
    if (valDiff != 0 && tradeDirection == DIRECTION_SHORT) valDiff = -valDiff;
    const pnl = valDiff - entryFees - exitFees;
    const p = recordBase + <usize>recordCount * RECORD_SIZE;
    store<f64>(p + REC_ENTRY_PRICE, entryPrice);
    store<f64>(p + REC_ENTRY_FEES, entryFees);
    store<f64>(p + REC_EXIT_PRICE, exitPrice);
    store<f64>(p + REC_EXIT_FEES, exitFees);
    store<f64>(p + REC_SIZE, size);
    store<f64>(p + REC_PNL, pnl);
    store<f64>(p + REC_RETURN, pnl / entryVal);
    store<i32>(p + REC_ENTRY_IDX, tradeEntryIdx);
    store<i32>(p + REC_EXIT_IDX, exitIdx);
    store<u8>(p + REC_DIRECTION, <u8>tradeDirection);
    store<u8>(p + REC_STATUS, <u8>status);
    store<u8>(p + REC_REASON, <u8>reason);
  }
  recordCount++; // counted even past the buffer, so the host knows how much room to give
}

function addFillToTrades(i: i32, reason: i32): void {
  if (!inTrade) {
    inTrade = true;
    tradeEntryIdx = i;
    tradeDirection = fillIsBuy ? DIRECTION_LONG : DIRECTION_SHORT;
    entrySizeSum = 0;
    entryGrossSum = 0;
    entryFeesSum = 0;
  }
  const increases = (tradeDirection == DIRECTION_LONG) == fillIsBuy;
  if (increases) {
    entrySizeSum += fillSize;
    entryGrossSum += fillSize * fillPrice;
    entryFeesSum += fillFees;
    return;
  }
  if (isCloseOrLess(fillSize, entrySizeSum)) {
    const closesAll = isClose(fillSize, entrySizeSum);
    const exitSize = closesAll ? entrySizeSum : fillSize;
    const entryPrice = entryGrossSum / entrySizeSum;
    const entryFees = (exitSize / entrySizeSum) * entryFeesSum;
    writeRecord(exitSize, entryPrice, entryFees, i, fillPrice, fillFees, STATUS_CLOSED, reason);
    if (closesAll) {
      inTrade = false;
    } else {
      const remaining = (entrySizeSum - fillSize) / entrySizeSum;
      entrySizeSum *= remaining;
      entryGrossSum *= remaining;
      entryFeesSum *= remaining;
    }
    return;
  }
  // Reversal: one order closes this trade and opens the opposite one; fees split by size.
  const closeSize = entrySizeSum;
  const closeFees = (closeSize / fillSize) * fillFees;
  const entryPrice = entryGrossSum / entrySizeSum;
  const entryFees = (closeSize / entrySizeSum) * entryFeesSum;
  writeRecord(closeSize, entryPrice, entryFees, i, fillPrice, closeFees, STATUS_CLOSED, REASON_SIGNAL);
  entrySizeSum = fillSize - closeSize;
  entryGrossSum = entrySizeSum * fillPrice;
  entryFeesSum = fillFees - closeFees;
  tradeEntryIdx = i;
  tradeDirection = tradeDirection == DIRECTION_LONG ? DIRECTION_SHORT : DIRECTION_LONG;
}


// ---------------------------------------------------------------------------------------------
// Value series and metrics accumulation (vectorbt's get_return_nb, cum_returns, drawdown).

// @ts-ignore: decorator
@inline function barReturn(prev: f64, value: f64): f64 {
  if (prev == 0) return value == 0 ? 0.0 : Infinity * sign(value);
  const r = (value - prev) / prev;
  return prev < 0 ? -r : r;
}

// @ts-ignore: decorator
@inline function neumaierComp(sum: f64, x: f64, comp: f64): f64 {
  const t = sum + x;
  return comp + (Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum);
}

// One bar's value into the accumulators (generic step; the fast loop inlines the same steps).
function accumulateValue(value: f64): void {
  const r = barReturn(prevValue, value);
  prevValue = value;
  sumRetC = neumaierComp(sumRet, r, sumRetC);
  sumRet += r;
  if (!shiftSet && r != 0) {
    retShift = r;
    shiftSet = true;
  }
  if (shiftSet) {
    const dev = r - retShift;
    sumRetSq += dev * dev;
    shiftCount++;
  }
  const down = (r - Math.abs(r)) * 0.5; // min(r, 0) exactly, without a branch
  sumDownSq += down * down;
  cumProd *= r + 1;
  const out = cumProd * 100;
  if (out > cumPeak) cumPeak = out;
  else {
    const dd = out / cumPeak - 1;
    if (dd < minDrawdown) minDrawdown = dd;
  }
}

// The value at a day's last bar; returns the next day's last bar.
function storeDayValue(value: f64): i32 {
  store<f64>(dailyValues + (<usize>day << 3), value);
  day++;
  nextDayEnd = day < dayCount ? load<i32>(dayEnds + (<usize>day << 2)) : -1;
  return nextDayEnd;
}

// ---------------------------------------------------------------------------------------------
// The reference's two-stop adjustment (reference-data/README.md): each bar, the tighter of the
// fixed level (entry close) and the trailing one (running peak/trough), expressed as a trailing
// fraction of the peak/trough; the level is then recomputed from it, as vectorbt does.

// @ts-ignore: decorator
@inline function trailIsTighter(pos: f64, init: f64, peak: f64, sl: f64, tsl: f64): bool {
  return pos > 0 ? peak * (1 - tsl) >= init * (1 - sl) : peak * (1 + tsl) <= init * (1 + sl);
}

// @ts-ignore: decorator
@inline function twoStopFraction(pos: f64, init: f64, peak: f64, sl: f64, tsl: f64, trailTighter: bool): f64 {
  if (trailTighter) return tsl;
  return pos > 0 ? 1 - (init * (1 - sl)) / peak : (init * (1 + sl)) / peak - 1;
}

// The loss-stop and take-profit levels vectorbt tests (get_stop_price_nb), NaN when off.
// @ts-ignore: decorator
@inline function lossLevel(pos: f64, anchor: f64, stop: f64): f64 {
  return pos > 0 ? anchor * (1 - stop) : anchor * (1 + stop);
}

// @ts-ignore: decorator
@inline function profitLevel(pos: f64, anchor: f64, stop: f64): f64 {
  return pos > 0 ? anchor * (1 + stop) : anchor * (1 - stop);
}

// The loss level after the running peak/trough moved, for the in-position loop (kept out of its
// body: the loop's registers are better spent on the accumulators).
let trailPos: f64 = 0;
let trailInit: f64 = 0;
let trailSl: f64 = 0;
let trailTsl: f64 = 0;
let trailTwoStop = false;
let trailStop: f64 = 0;

function trailLossLevel(peak: f64): f64 {
  if (trailTwoStop) {
    trailStop = twoStopFraction(trailPos, trailInit, peak, trailSl, trailTsl,
      trailIsTighter(trailPos, trailInit, peak, trailSl, trailTsl));
  }
  return lossLevel(trailPos, peak, trailStop);
}

// ---------------------------------------------------------------------------------------------
// The column loop.
//
// Per bar, vectorbt's order: adjust stops → loss stop → take-profit → trail → one order (the stop
// exit, else the entry signals) → bookkeeping → the bar's value. The generic step below states
// that in full. Two shortcuts skip bars where provably nothing happens:
//  - flat: nothing moves until the next entry signal; scan for it 16 bars at a time;
//  - in a position: with OHLC valid (low ≤ open, close ≤ high), a long's loss stop fires exactly
//    when low ≤ level and its take-profit when high ≥ level (mirrored for shorts), and the levels
//    only change when the peak/trough does; so a tight loop tests those two comparisons and the
//    opposite signal, and hands any bar where something could happen to the generic step.

// Simulates one column over all bars. Returns the number of trade records produced; when that is
// more than `recCap`, only the first `recCap` were written and the host re-runs the column with
// a buffer at least that large (runs are deterministic, so nothing is lost or duplicated).
export function simulateColumn(
  nBars: i32,
  openPtr: usize, highPtr: usize, lowPtr: usize, closePtr: usize,
  longPtr: usize, shortPtr: usize, // uint8 0/1 per bar; 0 = no signals on that side
  tp: f64, sl: f64, tsl: f64, // fractions; NaN = stop off
  fees: f64, slippage: f64, initCash: f64, minSize: f64,
  recPtr: usize, recCap: i32,
  dayEndPtr: usize, nDays: i32, dailyValuePtr: usize, // int32 last bar of each day; float64 out
  statsPtr: usize,
): i32 {
  // parameters as the reference hands them to vectorbt (sl_stop, sl_trail) plus the adjustment
  const twoStop = !isNaN(sl) && !isNaN(tsl);
  const sl0: f64 = twoStop ? tsl : isNaN(sl) ? tsl : sl;
  const trail0 = twoStop || (isNaN(sl) && !isNaN(tsl));
  const singleLossKind: i32 = isNaN(sl) ? REASON_TSL : REASON_SL;
  feesParam = fees;
  minSizeParam = minSize;

  // account (globals: only order execution touches them) and its per-bar mirror
  cash = initCash;
  position = 0;
  debt = 0;
  freeCash = initCash;
  let pos: f64 = 0;

  // stops, as vectorbt keeps them
  let slInitPrice: f64 = NaN;
  let slCurrPrice: f64 = NaN; // running peak (long) / trough (short) while trailing
  let slCurrStop: f64 = NaN;
  let slCurrTrail = false;
  let tpInitPrice: f64 = NaN;
  let tpCurrStop: f64 = NaN;
  let lossKind: i32 = singleLossKind;

  inTrade = false;
  recordCount = 0;
  recordBase = recPtr;
  recordCap = recCap;
  profitCash = 0;
  profitAssets = 0;
  totalFees = 0;
  orderCount = 0;

  // vectorbt's value series: cash and assets rebuilt from order flows, then cash + assets·close
  let cashSeries: f64 = initCash;
  let assetSeries: f64 = 0;
  let value: f64 = initCash;
  prevValue = initCash;
  sumRet = 0; sumRetC = 0; sumRetSq = 0; sumDownSq = 0;
  retShift = 0; shiftSet = false; shiftCount = 0;
  cumProd = 1;
  cumPeak = -Infinity;
  minDrawdown = Infinity;
  day = 0;
  dayEnds = dayEndPtr;
  dayCount = nDays;
  dailyValues = dailyValuePtr;
  nextDayEnd = nDays > 0 ? load<i32>(dayEndPtr) : -1;

  const hasLong = longPtr != 0;
  const hasShort = shortPtr != 0;
  const scanA = hasLong ? longPtr : shortPtr;
  const scanB = hasShort ? shortPtr : longPtr;

  let i: i32 = 0;
  while (i < nBars) {
    // Flat: the value cannot move until the next entry signal, so skip to it. The first skipped
    // bar may snap a near-zero balance; the rest return exactly 0, leaving every accumulator as is.
    if (pos == 0 && assetSeries == 0) {
      let j = i;
      if (hasLong || hasShort) {
        while (j + 16 <= nBars && !v128.any_true(v128.or(v128.load(scanA + j), v128.load(scanB + j)))) j += 16;
        while (j < nBars && (load<u8>(scanA + j) | load<u8>(scanB + j)) == 0) j++;
      } else {
        j = nBars;
      }
      if (j > i) {
        cashSeries = snapZero(cashSeries);
        value = cashSeries;
        accumulateValue(value);
        while (nextDayEnd >= 0 && nextDayEnd < j) storeDayValue(value);
        i = j;
        if (i >= nBars) break;
      }
    }

    // ---- the generic step: bar i as vectorbt processes it ----
    const close = load<f64>(closePtr + (<usize>i << 3));
    const positionBefore = pos;
    let stopFill: f64 = NaN;
    let stopReason: i32 = REASON_SL;

    // 1. stops: the adjustment, then the loss stop, then the take-profit, then the trailing update
    if (twoStop && pos != 0) {
      const trailTighter = trailIsTighter(pos, slInitPrice, slCurrPrice, sl, tsl);
      slCurrStop = twoStopFraction(pos, slInitPrice, slCurrPrice, sl, tsl, trailTighter);
      lossKind = trailTighter ? REASON_TSL : REASON_SL;
      slCurrTrail = true;
    }
    if (!isNaN(slCurrStop) || !isNaN(tpCurrStop)) {
      const open = load<f64>(openPtr + (<usize>i << 3));
      const high = load<f64>(highPtr + (<usize>i << 3));
      const low = load<f64>(lowPtr + (<usize>i << 3));
      if (!isNaN(slCurrStop)) {
        stopFill = stopPrice(pos, slCurrPrice, slCurrStop, open, low, high, true);
        stopReason = lossKind;
      }
      if (isNaN(stopFill) && !isNaN(tpCurrStop)) {
        stopFill = stopPrice(pos, tpInitPrice, tpCurrStop, open, low, high, false);
        stopReason = REASON_TP;
      }
      if (!isNaN(slCurrStop) && slCurrTrail) {
        if (pos > 0) {
          if (high > slCurrPrice) slCurrPrice = high;
        } else if (pos < 0) {
          if (low < slCurrPrice) slCurrPrice = low;
        }
      }
    }

    // 2. one order per bar: the stop exit (at the stop, no slippage), else the entry signals
    let filled = false;
    let reason: i32 = REASON_SIGNAL;
    if (!isNaN(stopFill)) {
      reason = stopReason;
      filled = executeOrder(-Math.abs(pos), stopFill, pos > 0 ? DIR_LONG_ONLY : DIR_SHORT_ONLY, 0);
    } else {
      const isLong = hasLong && load<u8>(longPtr + i) != 0;
      const isShort = hasShort && load<u8>(shortPtr + i) != 0;
      if (isLong != isShort) { // both on one bar cancel (upon_dir_conflict='ignore')
        if (pos > 0) {
          if (isShort) filled = executeOrder(-Infinity, close, DIR_BOTH, slippage); // reverse
        } else if (pos < 0) {
          if (isLong) filled = executeOrder(Infinity, close, DIR_BOTH, slippage); // reverse
        } else {
          filled = executeOrder(isLong ? Infinity : -Infinity, close, DIR_BOTH, slippage);
        }
      }
    }
    pos = position; // execution may also have snapped a near-zero position

    // 3. bookkeeping of a filled order: stops, the exit trades, the order flows
    if (filled) {
      if (pos == 0) {
        slInitPrice = NaN; slCurrPrice = NaN; slCurrStop = NaN; slCurrTrail = false;
        tpInitPrice = NaN; tpCurrStop = NaN;
      } else if (positionBefore == 0 || sign(pos) != sign(positionBefore)) {
        // opened or reversed: stops anchored at this bar's close
        slInitPrice = close; slCurrPrice = close; slCurrStop = sl0; slCurrTrail = trail0;
        tpInitPrice = close; tpCurrStop = tp;
      }
      addFillToTrades(i, reason);
      const signed = fillIsBuy ? fillSize : -fillSize;
      cashSeries = addNb(cashSeries, addNb(0.0, -signed * fillPrice - fillFees));
      assetSeries = addNb(assetSeries, addNb(0.0, signed));
      recordOrderTotals();
    } else {
      // a bar without an order adds a zero flow to vectorbt's running balances, snapping near-zero ones
      cashSeries = snapZero(cashSeries);
      assetSeries = snapZero(assetSeries);
    }

    // 4. the bar's value, into the metric accumulators
    value = cashSeries + assetSeries * close;
    accumulateValue(value);
    if (i == nextDayEnd) storeDayValue(value);
    i++;

    // ---- in a position: run through the bars where nothing can happen ----
    if (pos == 0 || i >= nBars) continue;
    // levels as the next bar's adjustment and stop test will see them
    if (twoStop) {
      slCurrStop = twoStopFraction(pos, slInitPrice, slCurrPrice, sl, tsl, trailIsTighter(pos, slInitPrice, slCurrPrice, sl, tsl));
      slCurrTrail = true;
    }
    // The loop is direction-free: a short reads (−high, −low) where a long reads (low, high), and
    // its levels negated, so "stop fires" is always `lo <= loss || hi >= profit` (×−1 is exact).
    const dir: f64 = pos > 0 ? 1 : -1;
    const loPtr = pos > 0 ? lowPtr : highPtr;
    const hiPtr = pos > 0 ? highPtr : lowPtr;
    let loss: f64 = isNaN(slCurrStop) ? NaN : dir * lossLevel(pos, slCurrPrice, slCurrStop);
    const profit: f64 = isNaN(tpCurrStop) ? NaN : dir * profitLevel(pos, tpInitPrice, tpCurrStop);
    const trailing = !isNaN(slCurrStop) && slCurrTrail;
    const opposite: usize = pos > 0 ? shortPtr : longPtr;
    trailPos = pos; trailInit = slInitPrice; trailSl = sl; trailTsl = tsl; trailTwoStop = twoStop;
    trailStop = slCurrStop;
    // balances after no-order bars (idempotent snap), committed once a bar goes by
    const cashFlat = snapZero(cashSeries);
    const assetFlat = snapZero(assetSeries);
    let peak = dir * slCurrPrice;
    let prev = prevValue;
    let sum = sumRet, sumC = sumRetC, sumSq = sumRetSq, downSq = sumDownSq;
    let shift = retShift, shifted = shiftSet, shiftN = shiftCount;
    let prod = cumProd, prodPeak = cumPeak, mdd = minDrawdown;
    // 100·Π below this may be a new max drawdown (1e-9 of margin, far above rounding); above it,
    // out/peak − 1 ≥ the current minimum for certain, and the division is skipped
    let ddBelow = isFinite(mdd) ? prodPeak * (1 + mdd + 1e-9) : Infinity;
    let dayEnd = nextDayEnd;
    const start = i;
    while (i < nBars) {
      const lo = dir * load<f64>(loPtr + (<usize>i << 3));
      const hi = dir * load<f64>(hiPtr + (<usize>i << 3));
      if (lo <= loss || hi >= profit) break; // a stop fires: the generic step fills it
      if (opposite != 0 && load<u8>(opposite + i) != 0) break; // an entry against the position
      if (trailing && hi > peak) {
        peak = hi;
        loss = dir * trailLossLevel(dir * peak);
      }
      const c = load<f64>(closePtr + (<usize>i << 3));
      value = cashFlat + assetFlat * c;
      const r = barReturn(prev, value);
      prev = value;
      sumC = neumaierComp(sum, r, sumC);
      sum += r;
      if (shifted) {
        const dev = r - shift;
        sumSq += dev * dev;
        shiftN++;
      } else if (r != 0) {
        shift = r;
        shifted = true;
        shiftN++;
      }
      const down = (r - Math.abs(r)) * 0.5; // min(r, 0) exactly, without a branch
      downSq += down * down;
      prod *= r + 1;
      const out = prod * 100;
      if (out > prodPeak) {
        prodPeak = out;
        ddBelow = prodPeak * (1 + mdd + 1e-9);
      } else if (out < ddBelow) {
        // only a bar this far below the peak can set a new minimum: divide exactly, as vectorbt does
        const dd = out / prodPeak - 1;
        if (dd < mdd) {
          mdd = dd;
          ddBelow = prodPeak * (1 + mdd + 1e-9);
        }
      }
      if (i == dayEnd) dayEnd = storeDayValue(value);
      i++;
    }
    if (i > start) {
      cashSeries = cashFlat;
      assetSeries = assetFlat;
      slCurrPrice = dir * peak;
      slCurrStop = trailStop;
      prevValue = prev;
      sumRet = sum; sumRetC = sumC; sumRetSq = sumSq; sumDownSq = downSq;
      retShift = shift; shiftSet = shifted; shiftCount = shiftN;
      cumProd = prod; cumPeak = prodPeak; minDrawdown = mdd;
    }
  }
  if (minDrawdown > 0) minDrawdown = 0; // a new peak's own drawdown is exactly 0

  // a position still held after the last bar becomes an open trade valued at the last close
  const lastClose = load<f64>(closePtr + (<usize>(nBars - 1) << 3));
  if (inTrade && isLess(-entrySizeSum, 0)) {
    const entryPrice = entryGrossSum / entrySizeSum;
    const entryFees = (entrySizeSum / entrySizeSum) * entryFeesSum;
    writeRecord(entrySizeSum, entryPrice, entryFees, nBars - 1, lastClose, 0, STATUS_OPEN, REASON_END);
  }

  store<f64>(statsPtr + (STAT_TOTAL_PROFIT << 3), orderCount > 0 ? profitCash + profitAssets * lastClose : 0);
  store<f64>(statsPtr + (STAT_TOTAL_FEES << 3), totalFees);
  store<f64>(statsPtr + (STAT_SUM_RET << 3), sumRet + sumRetC);
  store<f64>(statsPtr + (STAT_SUM_RET_SQ << 3), sumRetSq + <f64>(nBars - shiftCount) * (retShift * retShift));
  store<f64>(statsPtr + (STAT_RET_SHIFT << 3), retShift);
  store<f64>(statsPtr + (STAT_SUM_DOWN_SQ << 3), sumDownSq);
  store<f64>(statsPtr + (STAT_MIN_DRAWDOWN << 3), minDrawdown);
  store<f64>(statsPtr + (STAT_CUM_PROD << 3), cumProd);
  store<f64>(statsPtr + (STAT_ORDERS << 3), <f64>orderCount);
  store<f64>(statsPtr + (STAT_RECORDS << 3), <f64>recordCount);
  store<f64>(statsPtr + (STAT_FINAL_VALUE_BARS << 3), value);
  return recordCount;
}

// vectorbt's total_profit and fees, accumulated from the order just filled.
function recordOrderTotals(): void {
  if (fillIsBuy) {
    profitCash = addNb(profitCash, -(fillSize * fillPrice + fillFees));
    profitAssets = addNb(profitAssets, fillSize);
  } else {
    profitCash = addNb(profitCash, fillSize * fillPrice - fillFees);
    profitAssets = addNb(profitAssets, -fillSize);
  }
  totalFees += fillFees;
  orderCount++;
}
