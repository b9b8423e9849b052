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
  STAT_TOTAL_PROFIT, STAT_TOTAL_FEES, STAT_SUM_RET, STAT_SUM_RET_SQ, STAT_SUM_DOWN_SQ,
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
// The column loop. Everything touched on every bar lives in locals: V8 keeps wasm globals in
// memory, and a loop-carried global costs about three times a local.

// Neumaier-compensated running sum, as an (sum, compensation) pair held by the caller.
// @ts-ignore: decorator
@inline function neumaierComp(sum: f64, x: f64, comp: f64): f64 {
  const t = sum + x;
  return comp + (Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum);
}

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

  // trades
  inTrade = false;
  recordCount = 0;
  recordBase = recPtr;
  recordCap = recCap;

  // vectorbt's value series (cash and assets rebuilt from order flows) and return accumulators
  profitCash = 0;
  profitAssets = 0;
  totalFees = 0;
  orderCount = 0;
  let cashSeries: f64 = initCash;
  let assetSeries: f64 = 0;
  let value: f64 = initCash;
  let prevValue: f64 = initCash;
  let sumRet: f64 = 0, sumRetC: f64 = 0;
  let sumRetSq: f64 = 0, sumRetSqC: f64 = 0;
  let sumDownSq: f64 = 0, sumDownSqC: f64 = 0;
  let cumProd: f64 = 1;
  let cumPeak: f64 = -Infinity;
  let minDrawdown: f64 = Infinity;

  const hasLong = longPtr != 0;
  const hasShort = shortPtr != 0;
  const scanA = hasLong ? longPtr : shortPtr;
  const scanB = hasShort ? shortPtr : longPtr;
  let day: i32 = 0;
  let nextDayEnd: i32 = nDays > 0 ? load<i32>(dayEndPtr) : -1;

  let i: i32 = 0;
  while (i < nBars) {
    // Flat: the value cannot move until the next entry signal, so skip to it 16 bars at a time.
    // The first skipped bar may snap a near-zero balance; the rest return exactly 0, which leaves
    // every sum, the product and the drawdown unchanged.
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
        // (a flat stretch after a zero value would be 0/0 in vectorbt too: returns stay as defined below)
        let r: f64 = prevValue == 0 ? (value == 0 ? 0.0 : Infinity * sign(value)) : (value - prevValue) / prevValue;
        if (prevValue < 0) r = -r;
        prevValue = value;
        if (r != 0) {
          sumRetC = neumaierComp(sumRet, r, sumRetC); sumRet += r;
          sumRetSqC = neumaierComp(sumRetSq, r * r, sumRetSqC); sumRetSq += r * r;
          if (r < 0) { sumDownSqC = neumaierComp(sumDownSq, r * r, sumDownSqC); sumDownSq += r * r; }
          cumProd *= r + 1;
        }
        const out = cumProd * 100;
        if (out > cumPeak) cumPeak = out;
        const dd = out / cumPeak - 1;
        if (dd < minDrawdown) minDrawdown = dd;
        while (nextDayEnd >= 0 && nextDayEnd < j) {
          store<f64>(dailyValuePtr + (<usize>day << 3), value);
          day++;
          nextDayEnd = day < nDays ? load<i32>(dayEndPtr + (<usize>day << 2)) : -1;
        }
        i = j;
        if (i >= nBars) break;
      }
    }

    const close = load<f64>(closePtr + (<usize>i << 3));
    const positionBefore = pos;
    let stopFill: f64 = NaN;
    let stopReason: i32 = REASON_SL;

    // 1. stops: the adjustment, then the loss stop, then the take-profit, then the trailing update
    if (twoStop && pos != 0) {
      // the reference's two-stop adjustment (reference-data/README.md): the tighter of the fixed
      // and trailing levels, expressed as a trailing fraction of the running peak/trough
      if (pos > 0) {
        const fixed = slInitPrice * (1 - sl);
        const trail = slCurrPrice * (1 - tsl);
        if (trail >= fixed) { slCurrStop = tsl; lossKind = REASON_TSL; }
        else { slCurrStop = 1 - fixed / slCurrPrice; lossKind = REASON_SL; }
      } else {
        const fixed = slInitPrice * (1 + sl);
        const trail = slCurrPrice * (1 + tsl);
        if (trail <= fixed) { slCurrStop = tsl; lossKind = REASON_TSL; }
        else { slCurrStop = fixed / slCurrPrice - 1; lossKind = REASON_SL; }
      }
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

    // 4. this bar's value and its return (vectorbt's get_return_nb), accumulated for the metrics
    value = cashSeries + assetSeries * close;
    let r: f64 = prevValue == 0 ? (value == 0 ? 0.0 : Infinity * sign(value)) : (value - prevValue) / prevValue;
    if (prevValue < 0) r = -r;
    prevValue = value;
    const r2 = r * r;
    sumRetC = neumaierComp(sumRet, r, sumRetC); sumRet += r;
    sumRetSqC = neumaierComp(sumRetSq, r2, sumRetSqC); sumRetSq += r2;
    if (r < 0) { sumDownSqC = neumaierComp(sumDownSq, r2, sumDownSqC); sumDownSq += r2; }
    cumProd *= r + 1;
    const out = cumProd * 100;
    if (out > cumPeak) cumPeak = out;
    else {
      const dd = out / cumPeak - 1;
      if (dd < minDrawdown) minDrawdown = dd;
    }
    if (i == nextDayEnd) {
      store<f64>(dailyValuePtr + (<usize>day << 3), value);
      day++;
      nextDayEnd = day < nDays ? load<i32>(dayEndPtr + (<usize>day << 2)) : -1;
    }
    i++;
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
  store<f64>(statsPtr + (STAT_SUM_RET_SQ << 3), sumRetSq + sumRetSqC);
  store<f64>(statsPtr + (STAT_SUM_DOWN_SQ << 3), sumDownSq + sumDownSqC);
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
