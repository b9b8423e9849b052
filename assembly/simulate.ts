// The from_signals state machine, column by column, in tiles of bars across a group of columns
// (see "Tiles" below). This is the only hot loop of simrun.
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
  STAT_MIN_DRAWDOWN, STAT_CUM_PROD, STAT_ORDERS, STAT_RECORDS, STAT_FINAL_VALUE_BARS, STATS_SLOTS,
  HDR_N_BARS, HDR_N_DAYS, HDR_OPEN, HDR_HIGH, HDR_LOW, HDR_CLOSE, HDR_DAY_END, HDR_COLUMNS, HDR_STATE,
  HDR_STATS, HDR_DAILY, HDR_DIRECTORY, HDR_TILE_BARS, HDR_FEES, HDR_SLIPPAGE, HDR_INIT_CASH, HDR_MIN_SIZE,
  COL_BYTES, COL_LONG, COL_SHORT, COL_TP, COL_SL, COL_TSL, STATE_BYTES,
  CTL_FIRST_COL, CTL_COL_COUNT, CTL_TILE_START, CTL_COL_INDEX, CTL_ALLOC_PTR, CTL_ALLOC_END, CTL_NEED_BYTES, CTL_SCRATCH,
  CHUNK_HEADER, CHUNK_MIN_RECORDS, CHUNK_MAX_RECORDS, RUN_DONE, RUN_TILE_DONE, RUN_NEED_ROOM,
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
// The running column's state. Globals live in this instance (one per worker); between tiles a
// column's state rests in its state block in the shared memory (see `runSegment`).

// account (simulation view)
let cash: f64 = 0;
let position: f64 = 0;
let debt: f64 = 0;
let freeCash: f64 = 0;

// batch parameters
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
let recPtr: usize = 0; // where the next record goes, in the column's current chunk
let recLeft: i32 = 0; // records the current chunk still has room for (0: none yet, or full)
let curChunk: usize = 0; // the column's current chunk (0: none yet)
let chunkCap: i32 = 0; // capacity of the column's next chunk
let dirEntry: usize = 0; // the column's directory entry
// this thread's free room for chunks, from its control block
let allocPtr: usize = 0;
let allocEnd: usize = 0;
let needBytes: usize = 0;

// value-series accumulators for the metrics
let prevValue: f64 = 0;
// The three sums run in two lanes, even bars in lane 0 and odd bars in lane 1, whichever path adds
// a bar (so the in-position loop can add two bars at once, and tiles never change a result); the
// lanes are folded when the column finishes.
let sumRet0: f64 = 0; // Σ r, Neumaier-compensated (returns cancel; 1M terms)
let sumRet1: f64 = 0;
let sumRetC0: f64 = 0;
let sumRetC1: f64 = 0;
// The variance comes from squares of r − K, K the column's first non-zero return: Σr² − (Σr)²/n
// cancels catastrophically when returns are nearly constant (|mean|/std in the thousands: a 1e-9
// Sharpe error found by fuzzing); shifted by K the terms stay at the spread's own scale. Only bars
// with r ≠ 0 are added (and counted); every other bar, skipped or not, has r = 0 exactly and adds
// K², all at once when the column finishes. (Any path adds the same bars, in the same lanes.)
let retShift: f64 = 0; // K
let shiftSet = false;
let shiftCount: i32 = 0; // bars added to the squares
let sumRetSq0: f64 = 0; // Σ (r − K)² and Σ min(r,0)² add non-negative terms: plain sums
let sumRetSq1: f64 = 0;
let sumDownSq0: f64 = 0;
let sumDownSq1: f64 = 0;
let cumProd: f64 = 1; // Π (1 + r)
let cumPeak: f64 = 0; // running max of 100·Π
// The max drawdown, min over bars of 100·Π / peak − 1, divides lazily: while the peak stays, the
// bar with the lowest 100·Π has the lowest drawdown (x ↦ x / peak − 1 is monotone, rounding
// included, for a peak > 0), so only that one is divided, when the peak moves or at the end.
let minDrawdown: f64 = 0; // the minimum over the settled stretches (and any bar under a peak ≤ 0)
let minOut: f64 = Infinity; // the lowest 100·Π since the peak last moved (peak > 0)

// A bar's 100·Π into the drawdown.
// @ts-ignore: decorator
@inline function drawdownStep(out: f64): void {
  if (out > cumPeak) {
    settleDrawdown();
    cumPeak = out;
  } else if (cumPeak > 0) {
    if (out < minOut) minOut = out;
  } else {
    const dd = out / cumPeak - 1; // (a peak ≤ 0 takes each bar as it comes)
    if (dd < minDrawdown) minDrawdown = dd;
  }
}

// The stretch under the current peak into minDrawdown.
function settleDrawdown(): void {
  if (minOut < Infinity) {
    const dd = minOut / cumPeak - 1;
    if (dd < minDrawdown) minDrawdown = dd;
    minOut = Infinity;
  }
}
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

// True when executeOrder's snap of x to 0 would leave it as it is.
// @ts-ignore: decorator
@inline function snapIsNoop(x: f64): bool {
  return !isClose(x, 0) || reinterpret<u64>(x) == 0;
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
  // room is made before any step that can write (`ensureRecordRoom`): at most one record a step
  if (recLeft <= 0) unreachable();
  const entryVal = size * entryPrice;
  const exitVal = size * exitPrice;
  let valDiff = addNb(exitVal, -entryVal);
  if (valDiff != 0 && tradeDirection == DIRECTION_SHORT) valDiff = -valDiff;
  const pnl = valDiff - entryFees - exitFees;
  const p = recPtr;
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
  recPtr = p + RECORD_SIZE;
  recLeft--;
  recordCount++;
}

// Room for one more record: the current chunk's, else a new chunk from the thread's free room
// (each twice the last, up to CHUNK_MAX_RECORDS), linked after the current one. False when the
// free room is too small: `needBytes` says how much the host must give.
function ensureRecordRoom(): bool {
  if (recLeft > 0) return true;
  const bytes: usize = <usize>CHUNK_HEADER + <usize>chunkCap * <usize>RECORD_SIZE;
  if (allocEnd - allocPtr < bytes) {
    needBytes = bytes;
    return false;
  }
  const c = allocPtr;
  allocPtr += bytes;
  store<u32>(c, 0);
  store<u32>(c + 4, chunkCap);
  store<u32>(curChunk == 0 ? dirEntry : curChunk, <u32>c);
  curChunk = c;
  recPtr = c + CHUNK_HEADER;
  recLeft = chunkCap;
  if (chunkCap < CHUNK_MAX_RECORDS) chunkCap <<= 1;
  return true;
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

// Bar i's return into its lane's sums.
// @ts-ignore: decorator
@inline function addReturn(r: f64, i: i32): void {
  const down = (r - Math.abs(r)) * 0.5; // min(r, 0) exactly, without a branch
  let dev2: f64 = 0;
  if (r != 0) {
    if (!shiftSet) {
      retShift = r;
      shiftSet = true;
    }
    const dev = r - retShift;
    dev2 = dev * dev;
    shiftCount++;
  }
  if (i & 1) {
    sumRetC1 = neumaierComp(sumRet1, r, sumRetC1);
    sumRet1 += r;
    if (r != 0) sumRetSq1 += dev2;
    sumDownSq1 += down * down;
  } else {
    sumRetC0 = neumaierComp(sumRet0, r, sumRetC0);
    sumRet0 += r;
    if (r != 0) sumRetSq0 += dev2;
    sumDownSq0 += down * down;
  }
}

// Bar i's value into the accumulators (generic step; the in-position loop does the same).
function accumulateValue(value: f64, i: i32): void {
  const r = barReturn(prevValue, value);
  prevValue = value;
  addReturn(r, i);
  cumProd *= r + 1;
  drawdownStep(cumProd * 100);
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
// The in-position loop: from bar i, every bar where nothing can happen but the value series,
// until a bar where something may (a stop, an opposite entry) or the tile's end. Returns the bar
// it stopped at. It works on the accumulators' globals (prevValue, the sums, cumProd, cumPeak,
// minDrawdown, the day pointer); the running peak ends in `loopPeak`, the last value in
// `loopValue` (which holds the value before bar i on entry).
//
// Levels are direction-free (see the caller): `lo <= loss || hi >= profit` fires a stop, where a
// long's lo/hi are its low/high and a short's are −high/−low; a new peak is `hi > peak`.
//
// The bars go two at a time (an even bar and the next) in two passes over blocks of up to
// BLOCK_BARS bars. The scan checks each pair and computes its two returns in one division, and
// stops at the first pair where something may happen: a stop level reached, an opposite entry,
// a value ≤ 0 (a return is (v − p)/p only after a positive value), or, while the loss level
// cannot follow the peak by itself, a new peak. A trailing level that is the peak times a fixed
// factor (a trailing stop alone, or the two-stop case once the trail is the tighter) follows the
// peak inside the scan: bar i+1 is tested against max(peak, high_i)·(1 − stop), computed as
// lossLevel computes it. Day ends are stored as they go by. The accumulation pass then adds the
// scanned returns: Σ r, Σ r², Σ min(r,0)² in two lanes (even and odd bars, the lanes every path
// uses), Π (1 + r) and the drawdown bar after bar. A pair the scan stopped at goes bar by bar.
// For shorts the scan compares high/low with the levels in price terms: −high <= loss ⇔
// high >= −loss, exactly. Scan and accumulation are small functions of their own, their state
// in globals between calls: V8 keeps a small loop's values in registers, a big one's on the stack.

const BLOCK_BARS: i32 = 512; // returns kept in the thread's scratch room (8 bytes each)

let loopPeak: f64 = 0;
let loopValue: f64 = 0;
let loopDust = false; // the position is dust (see positionLoop)
let scanExt: v128 = i64x2.splat(0); // the scan's running peak (long) / trough (short), both lanes
let scratch: usize = 0; // this thread's scratch room (CTL_SCRATCH): BLOCK_BARS returns,
let constants: usize = 0; // then [1, 1, 100, 100], then 16 bytes of nothing

// The scan over pairs [j, limit): returns the first pair where something may happen (or limit);
// the returns of the pairs before it are in the scratch room, prevValue/loopValue are the last
// value, scanExt the peak/trough after them.
// @ts-ignore: decorator
@inline function scanPairs(
  long: bool, withOpposite: bool, follows: bool, j: i32, limit: i32,
  stopPtr: usize, peakPtr: usize, closePtr: usize, opposite: usize,
  cashV: v128, assetV: v128, profitV: v128, factorV: v128, fixedV: v128, peakStopV: v128,
): i32 {
  const zero = f64x2.splat(0);
  let extV = scanExt;
  let prevV = f64x2.splat(prevValue); // lane 1: the value before the pair
  let dayEnd = nextDayEnd;
  let out: usize = scratch;
  while (j < limit) {
    const at = <usize>j << 3;
    const stop2 = v128.load(stopPtr + at); // a long's low, a short's high
    const peak2 = v128.load(peakPtr + at);
    const value2 = f64x2.add(cashV, f64x2.mul(assetV, v128.load(closePtr + at)));
    // following: [peak before bar j, peak before bar j+1] and the level each bar is tested against
    const moved = long ? f64x2.pmax(extV, peak2) : f64x2.pmin(extV, peak2);
    const levelV = follows ? f64x2.mul(v128.shuffle<f64>(extV, moved, 0, 2), factorV) : fixedV;
    let event = long
      ? v128.or(f64x2.le(stop2, levelV), f64x2.ge(peak2, profitV))
      : v128.or(f64x2.ge(stop2, levelV), f64x2.le(peak2, profitV));
    if (!follows) event = v128.or(event, long ? f64x2.gt(peak2, peakStopV) : f64x2.lt(peak2, peakStopV));
    if (v128.any_true(v128.or(event, f64x2.le(value2, zero)))) break;
    if (withOpposite && load<u16>(opposite + j) != 0) break;
    if (<u32>(dayEnd - j) < 2) {
      if (dayEnd == j) dayEnd = storeDayValue(f64x2.extract_lane(value2, 0));
      if (dayEnd == j + 1) dayEnd = storeDayValue(f64x2.extract_lane(value2, 1));
    }
    const prev2 = v128.shuffle<f64>(prevV, value2, 1, 2);
    v128.store(out, f64x2.div(f64x2.sub(value2, prev2), prev2));
    if (follows) {
      const swapped = v128.shuffle<f64>(moved, moved, 1, 0);
      extV = long ? f64x2.pmax(moved, swapped) : f64x2.pmin(moved, swapped);
    }
    prevV = value2;
    out += 16;
    j += 2;
  }
  scanExt = extV;
  prevValue = f64x2.extract_lane(prevV, 1);
  loopValue = prevValue;
  return j;
}

// Adds the scanned returns in the scratch room up to `end` to the accumulators.
function accumulatePairs(end: usize): void {
  const zero = f64x2.splat(0);
  // 1 and 100 read back from memory: as constants, V8 would rebuild them in every iteration
  const one = v128.load(constants);
  const hundred = v128.load(constants + 16);
  let sumV = f64x2.replace_lane(f64x2.splat(sumRet0), 1, sumRet1);
  let compV = f64x2.replace_lane(f64x2.splat(sumRetC0), 1, sumRetC1);
  let sqV = f64x2.replace_lane(f64x2.splat(sumRetSq0), 1, sumRetSq1);
  let downV = f64x2.replace_lane(f64x2.splat(sumDownSq0), 1, sumDownSq1);
  let shifted = shiftSet;
  let shiftV = f64x2.splat(retShift);
  let counted = i64x2.splat(0); // minus the bars added to the squares, per lane
  let prodV = f64x2.splat(cumProd);
  // bars under the peak only lower minOut; a new peak (or a peak ≤ 0) goes bar by bar
  let peakV = f64x2.splat(cumPeak > 0 ? cumPeak : -Infinity);
  let minOutV = f64x2.splat(minOut);
  for (let p = scratch; p < end; p += 16) {
    const r2 = v128.load(p);
    // Σ r per lane with the exact rounding error of each addition (TwoSum; the same bits as the
    // bar-by-bar path's Neumaier step, which computes that error too)
    const t = f64x2.add(sumV, r2);
    const bp = f64x2.sub(t, sumV);
    compV = f64x2.add(compV, f64x2.add(f64x2.sub(sumV, f64x2.sub(t, bp)), f64x2.sub(r2, bp)));
    sumV = t;
    if (shifted) {
      // (r − K)² where r ≠ 0; a masked lane adds +0, which leaves its (non-negative) sum as it is
      const nonZero = f64x2.ne(r2, zero);
      const dev2 = f64x2.sub(r2, shiftV);
      sqV = f64x2.add(sqV, v128.and(f64x2.mul(dev2, dev2), nonZero));
      counted = i64x2.add(counted, nonZero);
    } else {
      // until the column's first non-zero return: bar by bar, as addReturn
      let q0 = f64x2.extract_lane(sqV, 0);
      let q1 = f64x2.extract_lane(sqV, 1);
      const r0 = f64x2.extract_lane(r2, 0);
      const r1 = f64x2.extract_lane(r2, 1);
      if (r0 != 0) {
        if (!shiftSet) {
          retShift = r0;
          shiftSet = true;
        }
        const dev = r0 - retShift;
        q0 += dev * dev;
        shiftCount++;
      }
      if (r1 != 0) {
        if (!shiftSet) {
          retShift = r1;
          shiftSet = true;
        }
        const dev = r1 - retShift;
        q1 += dev * dev;
        shiftCount++;
      }
      sqV = f64x2.replace_lane(f64x2.splat(q0), 1, q1);
      shifted = shiftSet;
      shiftV = f64x2.splat(retShift);
    }
    const down2 = f64x2.pmin(r2, zero); // min(r, 0), as (r − |r|)/2 gives it
    downV = f64x2.add(downV, f64x2.mul(down2, down2));
    // Π (1 + r), one bar after the other: [Π·a0, Π·a0] then × [1, a1]
    const a2 = f64x2.add(r2, one);
    let p2 = f64x2.mul(prodV, v128.shuffle<f64>(a2, a2, 0, 0));
    p2 = f64x2.mul(p2, v128.shuffle<f64>(one, a2, 0, 3));
    prodV = v128.shuffle<f64>(p2, p2, 1, 1);
    const out2 = f64x2.mul(p2, hundred);
    if (v128.any_true(f64x2.gt(out2, peakV))) {
      minOut = minLanes(minOutV);
      drawdownStep(f64x2.extract_lane(out2, 0));
      drawdownStep(f64x2.extract_lane(out2, 1));
      peakV = f64x2.splat(cumPeak > 0 ? cumPeak : -Infinity);
      minOutV = f64x2.splat(minOut);
    } else {
      minOutV = f64x2.pmin(minOutV, out2); // out < minOut ? out : minOut, per lane
    }
  }
  sumRet0 = f64x2.extract_lane(sumV, 0); sumRet1 = f64x2.extract_lane(sumV, 1);
  sumRetC0 = f64x2.extract_lane(compV, 0); sumRetC1 = f64x2.extract_lane(compV, 1);
  sumRetSq0 = f64x2.extract_lane(sqV, 0); sumRetSq1 = f64x2.extract_lane(sqV, 1);
  shiftCount -= <i32>(i64x2.extract_lane(counted, 0) + i64x2.extract_lane(counted, 1));
  sumDownSq0 = f64x2.extract_lane(downV, 0); sumDownSq1 = f64x2.extract_lane(downV, 1);
  cumProd = f64x2.extract_lane(prodV, 0);
  minOut = minLanes(minOutV);
}

// The lower lane (neither is NaN).
// @ts-ignore: decorator
@inline function minLanes(v: v128): f64 {
  const a = f64x2.extract_lane(v, 0);
  const b = f64x2.extract_lane(v, 1);
  return b < a ? b : a;
}

// @ts-ignore: decorator
@inline function positionLoop(
  long: bool, withOpposite: bool,
  i: i32, tileEnd: i32, lowPtr: usize, highPtr: usize, closePtr: usize, opposite: usize,
  loss: f64, profit: f64, peak: f64, trailing: bool, cashFlat: f64, assetFlat: f64,
): i32 {
  // a long's stop side is its low and its peak side its high; a short's the other way round
  const stopPtr = long ? lowPtr : highPtr;
  const peakPtr = long ? highPtr : lowPtr;
  const never: f64 = long ? Infinity : -Infinity; // a peak no price moves
  const cashV = f64x2.splat(cashFlat);
  const assetV = f64x2.splat(assetFlat);
  const profitV = f64x2.splat(long ? profit : -profit); // in price terms
  // Dust: a position below the minimum size (left over by a reversal). Its stop exit, an order of
  // its whole size, is rejected whatever the price (sell: size < min_size; cover: a size at most
  // that), and a rejected order changes nothing once executeOrder's near-zero snaps are no-ops
  // (the caller checks that). So a stop bar is an ordinary bar for it, except that the stop still
  // takes the bar's one order: an opposite entry on it is ignored.
  const dust = loopDust;
  let dustHit = false; // the last bar was a dust stop bar: likely the next one too, so bar by bar
  while (i < tileEnd) {
    if ((i & 1) == 0 && i + 2 <= tileEnd && prevValue > 0 && !dustHit) {
      // does the loss level follow the peak by itself from here on?
      const follows = trailing && (!trailTwoStop ||
        trailIsTighter(trailPos, trailInit, long ? peak : -peak, trailSl, trailTsl));
      // the trailing factor, as lossLevel applies it to the peak/trough (trailStop is current)
      const factorV = f64x2.splat(long ? 1 - trailStop : 1 + trailStop);
      const fixedV = f64x2.splat(long ? loss : -loss); // the level otherwise, in price terms
      // a peak that must stop the scan (the level changes in a way only trailLossLevel knows)
      const peakStopV = f64x2.splat(trailing && !follows ? (long ? peak : -peak) : never);
      scanExt = f64x2.splat(follows ? (long ? peak : -peak) : never);
      let stopped = false;
      while (i + 2 <= tileEnd) {
        const limit = i + ((tileEnd - i < BLOCK_BARS ? tileEnd - i : BLOCK_BARS) & ~1);
        const j = scan(long, withOpposite, follows, i, limit, stopPtr, peakPtr, closePtr, opposite,
          cashV, assetV, profitV, factorV, fixedV, peakStopV);
        accumulatePairs(scratch + (<usize>(j - i) << 3));
        i = j;
        if (j < limit) {
          stopped = true;
          break;
        }
      }
      if (follows) {
        // the peak and its level as trailLossLevel would have left them
        const ext = f64x2.extract_lane(scanExt, 0);
        const level = ext * (long ? 1 - trailStop : 1 + trailStop);
        peak = long ? ext : -ext;
        loss = long ? level : -level;
      }
      if (i >= tileEnd) break;
      if (!stopped) continue; // one bar left: below
    }

    // one bar
    const lo = long ? load<f64>(lowPtr + (<usize>i << 3)) : -load<f64>(highPtr + (<usize>i << 3));
    const hi = long ? load<f64>(highPtr + (<usize>i << 3)) : -load<f64>(lowPtr + (<usize>i << 3));
    dustHit = lo <= loss || hi >= profit;
    if (dustHit) {
      if (!dust) break; // a stop fires: the generic step fills it
    } else if (withOpposite && load<u8>(opposite + i) != 0) {
      break; // an entry against the position
    }
    if (trailing && hi > peak) {
      peak = hi;
      loss = long ? trailLossLevel(peak) : -trailLossLevel(-peak);
    }
    const c = load<f64>(closePtr + (<usize>i << 3));
    const value = cashFlat + assetFlat * c;
    loopValue = value;
    const r = barReturn(prevValue, value);
    prevValue = value;
    addReturn(r, i);
    cumProd *= r + 1;
    drawdownStep(cumProd * 100);
    if (i == nextDayEnd) storeDayValue(value);
    i++;
  }
  loopPeak = peak;
  return i;
}

function scanLongWithOppositeFollowing(j: i32, limit: i32, stopPtr: usize, peakPtr: usize, closePtr: usize, opposite: usize,
  cashV: v128, assetV: v128, profitV: v128, factorV: v128, fixedV: v128, peakStopV: v128): i32 {
  return scanPairs(true, true, true, j, limit, stopPtr, peakPtr, closePtr, opposite, cashV, assetV, profitV, factorV, fixedV, peakStopV);
}

function scanLongWithOppositeFixed(j: i32, limit: i32, stopPtr: usize, peakPtr: usize, closePtr: usize, opposite: usize,
  cashV: v128, assetV: v128, profitV: v128, factorV: v128, fixedV: v128, peakStopV: v128): i32 {
  return scanPairs(true, true, false, j, limit, stopPtr, peakPtr, closePtr, opposite, cashV, assetV, profitV, factorV, fixedV, peakStopV);
}

function scanLongOnlyFollowing(j: i32, limit: i32, stopPtr: usize, peakPtr: usize, closePtr: usize, opposite: usize,
  cashV: v128, assetV: v128, profitV: v128, factorV: v128, fixedV: v128, peakStopV: v128): i32 {
  return scanPairs(true, false, true, j, limit, stopPtr, peakPtr, closePtr, opposite, cashV, assetV, profitV, factorV, fixedV, peakStopV);
}

function scanLongOnlyFixed(j: i32, limit: i32, stopPtr: usize, peakPtr: usize, closePtr: usize, opposite: usize,
  cashV: v128, assetV: v128, profitV: v128, factorV: v128, fixedV: v128, peakStopV: v128): i32 {
  return scanPairs(true, false, false, j, limit, stopPtr, peakPtr, closePtr, opposite, cashV, assetV, profitV, factorV, fixedV, peakStopV);
}

function scanShortWithOppositeFollowing(j: i32, limit: i32, stopPtr: usize, peakPtr: usize, closePtr: usize, opposite: usize,
  cashV: v128, assetV: v128, profitV: v128, factorV: v128, fixedV: v128, peakStopV: v128): i32 {
  return scanPairs(false, true, true, j, limit, stopPtr, peakPtr, closePtr, opposite, cashV, assetV, profitV, factorV, fixedV, peakStopV);
}

function scanShortWithOppositeFixed(j: i32, limit: i32, stopPtr: usize, peakPtr: usize, closePtr: usize, opposite: usize,
  cashV: v128, assetV: v128, profitV: v128, factorV: v128, fixedV: v128, peakStopV: v128): i32 {
  return scanPairs(false, true, false, j, limit, stopPtr, peakPtr, closePtr, opposite, cashV, assetV, profitV, factorV, fixedV, peakStopV);
}

function scanShortOnlyFollowing(j: i32, limit: i32, stopPtr: usize, peakPtr: usize, closePtr: usize, opposite: usize,
  cashV: v128, assetV: v128, profitV: v128, factorV: v128, fixedV: v128, peakStopV: v128): i32 {
  return scanPairs(false, false, true, j, limit, stopPtr, peakPtr, closePtr, opposite, cashV, assetV, profitV, factorV, fixedV, peakStopV);
}

function scanShortOnlyFixed(j: i32, limit: i32, stopPtr: usize, peakPtr: usize, closePtr: usize, opposite: usize,
  cashV: v128, assetV: v128, profitV: v128, factorV: v128, fixedV: v128, peakStopV: v128): i32 {
  return scanPairs(false, false, false, j, limit, stopPtr, peakPtr, closePtr, opposite, cashV, assetV, profitV, factorV, fixedV, peakStopV);
}

// The scan, specialised: direction, opposite entries or none, level following the peak or fixed.
// @ts-ignore: decorator
@inline function scan(long: bool, withOpposite: bool, follows: bool, j: i32, limit: i32,
  stopPtr: usize, peakPtr: usize, closePtr: usize, opposite: usize,
  cashV: v128, assetV: v128, profitV: v128, factorV: v128, fixedV: v128, peakStopV: v128): i32 {
  if (long && withOpposite && follows) return scanLongWithOppositeFollowing(j, limit, stopPtr, peakPtr, closePtr, opposite, cashV, assetV, profitV, factorV, fixedV, peakStopV);
  if (long && withOpposite && !follows) return scanLongWithOppositeFixed(j, limit, stopPtr, peakPtr, closePtr, opposite, cashV, assetV, profitV, factorV, fixedV, peakStopV);
  if (long && !withOpposite && follows) return scanLongOnlyFollowing(j, limit, stopPtr, peakPtr, closePtr, opposite, cashV, assetV, profitV, factorV, fixedV, peakStopV);
  if (long && !withOpposite && !follows) return scanLongOnlyFixed(j, limit, stopPtr, peakPtr, closePtr, opposite, cashV, assetV, profitV, factorV, fixedV, peakStopV);
  if (!long && withOpposite && follows) return scanShortWithOppositeFollowing(j, limit, stopPtr, peakPtr, closePtr, opposite, cashV, assetV, profitV, factorV, fixedV, peakStopV);
  if (!long && withOpposite && !follows) return scanShortWithOppositeFixed(j, limit, stopPtr, peakPtr, closePtr, opposite, cashV, assetV, profitV, factorV, fixedV, peakStopV);
  if (!long && !withOpposite && follows) return scanShortOnlyFollowing(j, limit, stopPtr, peakPtr, closePtr, opposite, cashV, assetV, profitV, factorV, fixedV, peakStopV);
  if (!long && !withOpposite && !follows) return scanShortOnlyFixed(j, limit, stopPtr, peakPtr, closePtr, opposite, cashV, assetV, profitV, factorV, fixedV, peakStopV);
  unreachable();
  return j;
}

function longOnly(i: i32, tileEnd: i32, lowPtr: usize, highPtr: usize, closePtr: usize, opposite: usize,
  loss: f64, profit: f64, peak: f64, trailing: bool, cashFlat: f64, assetFlat: f64): i32 {
  return positionLoop(true, false, i, tileEnd, lowPtr, highPtr, closePtr, opposite, loss, profit, peak, trailing, cashFlat, assetFlat);
}

function longWithOpposite(i: i32, tileEnd: i32, lowPtr: usize, highPtr: usize, closePtr: usize, opposite: usize,
  loss: f64, profit: f64, peak: f64, trailing: bool, cashFlat: f64, assetFlat: f64): i32 {
  return positionLoop(true, true, i, tileEnd, lowPtr, highPtr, closePtr, opposite, loss, profit, peak, trailing, cashFlat, assetFlat);
}

function shortOnly(i: i32, tileEnd: i32, lowPtr: usize, highPtr: usize, closePtr: usize, opposite: usize,
  loss: f64, profit: f64, peak: f64, trailing: bool, cashFlat: f64, assetFlat: f64): i32 {
  return positionLoop(false, false, i, tileEnd, lowPtr, highPtr, closePtr, opposite, loss, profit, peak, trailing, cashFlat, assetFlat);
}

function shortWithOpposite(i: i32, tileEnd: i32, lowPtr: usize, highPtr: usize, closePtr: usize, opposite: usize,
  loss: f64, profit: f64, peak: f64, trailing: bool, cashFlat: f64, assetFlat: f64): i32 {
  return positionLoop(false, true, i, tileEnd, lowPtr, highPtr, closePtr, opposite, loss, profit, peak, trailing, cashFlat, assetFlat);
}

// ---------------------------------------------------------------------------------------------
// Tiles. Bars are run in tiles across a group of columns: for each tile, each column of the group
// takes its state from its state block, runs the tile's bars, and puts the state back. A tile's
// open/high/low/close stay in cache while the group's columns go over them, instead of every
// column streaming all bars from RAM. A column's state between tiles is everything its bar loop
// carries (below), so a tile boundary is invisible: the loop resumes at the next bar exactly.

// Per-column state block (byte offsets; STATE_BYTES in records.ts bounds it).
const S_CASH: usize = 0; // float64 slots
const S_POSITION: usize = 8;
const S_DEBT: usize = 16;
const S_FREE_CASH: usize = 24;
const S_SL_INIT: usize = 32;
const S_SL_CURR: usize = 40;
const S_SL_STOP: usize = 48;
const S_TP_INIT: usize = 56;
const S_TP_STOP: usize = 64;
const S_ENTRY_SIZE: usize = 72;
const S_ENTRY_GROSS: usize = 80;
const S_ENTRY_FEES: usize = 88;
const S_CASH_SERIES: usize = 96;
const S_ASSET_SERIES: usize = 104;
const S_VALUE: usize = 112;
const S_PREV_VALUE: usize = 120;
const S_SUM_RET0: usize = 128;
const S_SUM_RET1: usize = 136;
const S_SUM_RET_C0: usize = 144;
const S_SUM_RET_C1: usize = 152;
const S_RET_SHIFT: usize = 160;
const S_SUM_RET_SQ0: usize = 168;
const S_SUM_RET_SQ1: usize = 176;
const S_SUM_DOWN_SQ0: usize = 184;
const S_SUM_DOWN_SQ1: usize = 192;
const S_CUM_PROD: usize = 200;
const S_CUM_PEAK: usize = 208;
const S_MIN_DD: usize = 216;
const S_MIN_OUT: usize = 224;
const S_PROFIT_CASH: usize = 232;
const S_PROFIT_ASSETS: usize = 240;
const S_TOTAL_FEES: usize = 248;
const S_I: usize = 256; // int32 slots: the next bar to run
const S_PHASE: usize = 260; // PHASE_*
const S_SL_TRAIL: usize = 264;
const S_LOSS_KIND: usize = 268;
const S_IN_TRADE: usize = 272;
const S_TRADE_DIR: usize = 276;
const S_TRADE_ENTRY: usize = 280;
const S_RECORDS: usize = 284;
const S_CHUNK: usize = 288;
const S_REC_PTR: usize = 292;
const S_REC_LEFT: usize = 296;
const S_CHUNK_CAP: usize = 300;
const S_DAY: usize = 304;
const S_NEXT_DAY_END: usize = 308;
const S_ORDERS: usize = 312;
const S_SHIFT_SET: usize = 316;
const S_SHIFT_COUNT: usize = 320;
const S_END: usize = 324;

const PHASE_FRESH: i32 = 0; // the host zeroes the blocks: a zero block is a column not yet started
const PHASE_RUNNING: i32 = 1;
const PHASE_FINISHED: i32 = 2;

// A column's state before its first bar.
function initState(st: usize, initCash: f64, dayEndPtr: usize, nDays: i32, dirPtr: usize): void {
  if (S_END > <usize>STATE_BYTES) unreachable(); // (folded away)
  store<f64>(st + S_CASH, initCash);
  store<f64>(st + S_POSITION, 0);
  store<f64>(st + S_DEBT, 0);
  store<f64>(st + S_FREE_CASH, initCash);
  store<f64>(st + S_SL_INIT, NaN);
  store<f64>(st + S_SL_CURR, NaN); // running peak (long) / trough (short) while trailing
  store<f64>(st + S_SL_STOP, NaN);
  store<f64>(st + S_TP_INIT, NaN);
  store<f64>(st + S_TP_STOP, NaN);
  store<f64>(st + S_ENTRY_SIZE, 0);
  store<f64>(st + S_ENTRY_GROSS, 0);
  store<f64>(st + S_ENTRY_FEES, 0);
  // vectorbt's value series: cash and assets rebuilt from order flows, then cash + assets·close
  store<f64>(st + S_CASH_SERIES, initCash);
  store<f64>(st + S_ASSET_SERIES, 0);
  store<f64>(st + S_VALUE, initCash);
  store<f64>(st + S_PREV_VALUE, initCash);
  store<f64>(st + S_SUM_RET0, 0);
  store<f64>(st + S_SUM_RET1, 0);
  store<f64>(st + S_SUM_RET_C0, 0);
  store<f64>(st + S_SUM_RET_C1, 0);
  store<f64>(st + S_RET_SHIFT, 0);
  store<i32>(st + S_SHIFT_SET, 0);
  store<i32>(st + S_SHIFT_COUNT, 0);
  store<f64>(st + S_SUM_RET_SQ0, 0);
  store<f64>(st + S_SUM_RET_SQ1, 0);
  store<f64>(st + S_SUM_DOWN_SQ0, 0);
  store<f64>(st + S_SUM_DOWN_SQ1, 0);
  store<f64>(st + S_CUM_PROD, 1);
  store<f64>(st + S_CUM_PEAK, -Infinity);
  store<f64>(st + S_MIN_DD, Infinity);
  store<f64>(st + S_MIN_OUT, Infinity);
  store<f64>(st + S_PROFIT_CASH, 0);
  store<f64>(st + S_PROFIT_ASSETS, 0);
  store<f64>(st + S_TOTAL_FEES, 0);
  store<i32>(st + S_I, 0);
  store<i32>(st + S_PHASE, PHASE_RUNNING);
  store<i32>(st + S_SL_TRAIL, 0);
  store<i32>(st + S_LOSS_KIND, REASON_SL);
  store<i32>(st + S_IN_TRADE, 0);
  store<i32>(st + S_TRADE_DIR, DIRECTION_LONG);
  store<i32>(st + S_TRADE_ENTRY, 0);
  store<i32>(st + S_RECORDS, 0);
  store<u32>(st + S_CHUNK, 0);
  store<u32>(st + S_REC_PTR, 0);
  store<i32>(st + S_REC_LEFT, 0);
  store<i32>(st + S_CHUNK_CAP, CHUNK_MIN_RECORDS);
  store<i32>(st + S_DAY, 0);
  store<i32>(st + S_NEXT_DAY_END, nDays > 0 ? load<i32>(dayEndPtr) : -1);
  store<i32>(st + S_ORDERS, 0);
  store<u32>(dirPtr, 0);
  store<u32>(dirPtr + 4, 0);
}

// ---------------------------------------------------------------------------------------------
// The column loop.
//
// Per bar, vectorbt's order: adjust stops → loss stop → take-profit → trail → one order (the stop
// exit, else the entry signals) → bookkeeping → the bar's value. The generic step below states
// that in full. Two shortcuts skip bars where provably nothing happens:
//  - flat: nothing moves until the next entry signal; scan for it 16 bars at a time;
//  - in a position: with OHLC valid (low ≤ open, close ≤ high; validatePrices), a long's loss stop
//    fires exactly when low ≤ level and its take-profit when high ≥ level (mirrored for shorts),
//    and the levels only change when the peak/trough does; so a tight loop (positionLoop) tests
//    those two comparisons and the opposite signal, and hands any bar where something could happen
//    to the generic step.
// Both shortcuts stop at the tile's end. The generic step is exact on any bar, so the next tile
// may start with it wherever the previous one stopped; a flat run cut in two accumulates its
// value twice, and the second time is a zero return that leaves every accumulator as it is.

// Runs column `col` from its next bar to `tileEnd` (and finishes it after its last bar). Returns
// false when it stopped early for want of record room; its state then says where to resume.
function runSegment(hdr: usize, col: i32, tileEnd: i32): bool {
  const nBars = load<i32>(hdr + HDR_N_BARS);
  const nDays = load<i32>(hdr + HDR_N_DAYS);
  const openPtr: usize = load<u32>(hdr + HDR_OPEN);
  const highPtr: usize = load<u32>(hdr + HDR_HIGH);
  const lowPtr: usize = load<u32>(hdr + HDR_LOW);
  const closePtr: usize = load<u32>(hdr + HDR_CLOSE);
  const dayEndPtr: usize = load<u32>(hdr + HDR_DAY_END);
  const ct: usize = <usize>load<u32>(hdr + HDR_COLUMNS) + <usize>col * COL_BYTES;
  const st: usize = <usize>load<u32>(hdr + HDR_STATE) + <usize>col * STATE_BYTES;
  const statsPtr: usize = <usize>load<u32>(hdr + HDR_STATS) + <usize>col * (STATS_SLOTS << 3);
  dirEntry = <usize>load<u32>(hdr + HDR_DIRECTORY) + (<usize>col << 3);
  dayEnds = dayEndPtr;
  dayCount = nDays;
  dailyValues = <usize>load<u32>(hdr + HDR_DAILY) + <usize>col * (<usize>nDays << 3);
  feesParam = load<f64>(hdr + HDR_FEES);
  minSizeParam = load<f64>(hdr + HDR_MIN_SIZE);
  const slippage = load<f64>(hdr + HDR_SLIPPAGE);

  let phase = load<i32>(st + S_PHASE);
  if (phase == PHASE_FINISHED) return true;

  // parameters as the reference hands them to vectorbt (sl_stop, sl_trail) plus the adjustment
  const longPtr: usize = load<u32>(ct + COL_LONG); // uint8 0/1 per bar; 0 = no signals on that side
  const shortPtr: usize = load<u32>(ct + COL_SHORT);
  const tp = load<f64>(ct + COL_TP); // fractions; NaN = stop off
  const sl = load<f64>(ct + COL_SL);
  const tsl = load<f64>(ct + COL_TSL);
  const twoStop = !isNaN(sl) && !isNaN(tsl);
  const sl0: f64 = twoStop ? tsl : isNaN(sl) ? tsl : sl; // the stop handed to vectorbt at entry
  const trail0 = twoStop || (isNaN(sl) && !isNaN(tsl));
  if (phase == PHASE_FRESH) {
    initState(st, load<f64>(hdr + HDR_INIT_CASH), dayEndPtr, nDays, dirEntry);
    // the loss stop's kind when only one is on (the two-stop adjustment sets it each bar)
    store<i32>(st + S_LOSS_KIND, isNaN(sl) ? REASON_TSL : REASON_SL);
    phase = PHASE_RUNNING;
  }

  // account (globals: only order execution touches them) and its per-bar mirror
  cash = load<f64>(st + S_CASH);
  position = load<f64>(st + S_POSITION);
  debt = load<f64>(st + S_DEBT);
  freeCash = load<f64>(st + S_FREE_CASH);
  let pos: f64 = position;

  // stops, as vectorbt keeps them
  let slInitPrice = load<f64>(st + S_SL_INIT);
  let slCurrPrice = load<f64>(st + S_SL_CURR); // running peak (long) / trough (short) while trailing
  let slCurrStop = load<f64>(st + S_SL_STOP);
  let slCurrTrail = load<i32>(st + S_SL_TRAIL) != 0;
  let tpInitPrice = load<f64>(st + S_TP_INIT);
  let tpCurrStop = load<f64>(st + S_TP_STOP);
  let lossKind: i32 = load<i32>(st + S_LOSS_KIND);

  // the exit-trade builder and its records
  inTrade = load<i32>(st + S_IN_TRADE) != 0;
  tradeDirection = load<i32>(st + S_TRADE_DIR);
  tradeEntryIdx = load<i32>(st + S_TRADE_ENTRY);
  entrySizeSum = load<f64>(st + S_ENTRY_SIZE);
  entryGrossSum = load<f64>(st + S_ENTRY_GROSS);
  entryFeesSum = load<f64>(st + S_ENTRY_FEES);
  recordCount = load<i32>(st + S_RECORDS);
  curChunk = load<u32>(st + S_CHUNK);
  recPtr = load<u32>(st + S_REC_PTR);
  recLeft = load<i32>(st + S_REC_LEFT);
  chunkCap = load<i32>(st + S_CHUNK_CAP);
  profitCash = load<f64>(st + S_PROFIT_CASH);
  profitAssets = load<f64>(st + S_PROFIT_ASSETS);
  totalFees = load<f64>(st + S_TOTAL_FEES);
  orderCount = load<i32>(st + S_ORDERS);

  // the value series and its accumulators
  let cashSeries = load<f64>(st + S_CASH_SERIES);
  let assetSeries = load<f64>(st + S_ASSET_SERIES);
  let value = load<f64>(st + S_VALUE);
  prevValue = load<f64>(st + S_PREV_VALUE);
  sumRet0 = load<f64>(st + S_SUM_RET0);
  sumRet1 = load<f64>(st + S_SUM_RET1);
  sumRetC0 = load<f64>(st + S_SUM_RET_C0);
  sumRetC1 = load<f64>(st + S_SUM_RET_C1);
  retShift = load<f64>(st + S_RET_SHIFT);
  shiftSet = load<i32>(st + S_SHIFT_SET) != 0;
  shiftCount = load<i32>(st + S_SHIFT_COUNT);
  sumRetSq0 = load<f64>(st + S_SUM_RET_SQ0);
  sumRetSq1 = load<f64>(st + S_SUM_RET_SQ1);
  sumDownSq0 = load<f64>(st + S_SUM_DOWN_SQ0);
  sumDownSq1 = load<f64>(st + S_SUM_DOWN_SQ1);
  cumProd = load<f64>(st + S_CUM_PROD);
  cumPeak = load<f64>(st + S_CUM_PEAK);
  minDrawdown = load<f64>(st + S_MIN_DD);
  minOut = load<f64>(st + S_MIN_OUT);
  day = load<i32>(st + S_DAY);
  nextDayEnd = load<i32>(st + S_NEXT_DAY_END);

  const hasLong = longPtr != 0;
  const hasShort = shortPtr != 0;
  const scanA = hasLong ? longPtr : shortPtr;
  const scanB = hasShort ? shortPtr : longPtr;

  let room = true;
  let i: i32 = load<i32>(st + S_I);
  while (i < tileEnd) {
    // Flat: the value cannot move until the next entry signal, so skip to it. The first skipped
    // bar may snap a near-zero balance; the rest return exactly 0, leaving every accumulator as is.
    if (pos == 0 && assetSeries == 0) {
      let j = i;
      if (hasLong || hasShort) {
        while (j + 16 <= tileEnd && !v128.any_true(v128.or(v128.load(scanA + j), v128.load(scanB + j)))) j += 16;
        while (j < tileEnd && (load<u8>(scanA + j) | load<u8>(scanB + j)) == 0) j++;
      } else {
        j = tileEnd;
      }
      if (j > i) {
        cashSeries = snapZero(cashSeries);
        value = cashSeries;
        accumulateValue(value, i);
        while (nextDayEnd >= 0 && nextDayEnd < j) storeDayValue(value);
        i = j;
        if (i >= tileEnd) break;
      }
    }

    // ---- the generic step: bar i as vectorbt processes it ----
    // it writes at most one record: make room first, or stop here (nothing of bar i done yet)
    if (!ensureRecordRoom()) {
      room = false;
      break;
    }
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
    accumulateValue(value, i);
    if (i == nextDayEnd) storeDayValue(value);
    i++;

    // ---- in a position: run through the bars where nothing can happen ----
    if (pos == 0 || i >= tileEnd) continue;
    // levels as the next bar's adjustment and stop test will see them
    if (twoStop) {
      slCurrStop = twoStopFraction(pos, slInitPrice, slCurrPrice, sl, tsl, trailIsTighter(pos, slInitPrice, slCurrPrice, sl, tsl));
      slCurrTrail = true;
    }
    // The loop is direction-free: a short reads (−high, −low) where a long reads (low, high), and
    // its levels negated, so "stop fires" is always `lo <= loss || hi >= profit` (×−1 is exact).
    const dir: f64 = pos > 0 ? 1 : -1;
    const loss: f64 = isNaN(slCurrStop) ? NaN : dir * lossLevel(pos, slCurrPrice, slCurrStop);
    const profit: f64 = isNaN(tpCurrStop) ? NaN : dir * profitLevel(pos, tpInitPrice, tpCurrStop);
    const trailing = !isNaN(slCurrStop) && slCurrTrail;
    const opposite: usize = pos > 0 ? shortPtr : longPtr;
    trailPos = pos; trailInit = slInitPrice; trailSl = sl; trailTsl = tsl; trailTwoStop = twoStop;
    trailStop = slCurrStop;
    // balances after no-order bars (idempotent snap), committed once a bar goes by
    const cashFlat = snapZero(cashSeries);
    const assetFlat = snapZero(assetSeries);
    const peak = dir * slCurrPrice;
    const start = i;
    loopValue = value;
    loopDust = isLess(Math.abs(position), minSizeParam) &&
      snapIsNoop(cash) && snapIsNoop(position) && snapIsNoop(debt) && snapIsNoop(freeCash);
    if (pos > 0) {
      i = opposite != 0
        ? longWithOpposite(i, tileEnd, lowPtr, highPtr, closePtr, opposite, loss, profit, peak, trailing, cashFlat, assetFlat)
        : longOnly(i, tileEnd, lowPtr, highPtr, closePtr, opposite, loss, profit, peak, trailing, cashFlat, assetFlat);
    } else {
      i = opposite != 0
        ? shortWithOpposite(i, tileEnd, lowPtr, highPtr, closePtr, opposite, loss, profit, peak, trailing, cashFlat, assetFlat)
        : shortOnly(i, tileEnd, lowPtr, highPtr, closePtr, opposite, loss, profit, peak, trailing, cashFlat, assetFlat);
    }
    value = loopValue;
    if (i > start) {
      cashSeries = cashFlat;
      assetSeries = assetFlat;
      slCurrPrice = dir * loopPeak;
      slCurrStop = trailStop;
    }
  }

  if (room && i >= nBars) {
    // a position still held after the last bar becomes an open trade valued at the last close
    const lastClose = load<f64>(closePtr + (<usize>(nBars - 1) << 3));
    const openTrade = inTrade && isLess(-entrySizeSum, 0);
    if (openTrade && !ensureRecordRoom()) {
      room = false;
    } else {
      if (openTrade) {
        const entryPrice = entryGrossSum / entrySizeSum;
        const entryFees = (entrySizeSum / entrySizeSum) * entryFeesSum;
        writeRecord(entrySizeSum, entryPrice, entryFees, nBars - 1, lastClose, 0, STATUS_OPEN, REASON_END);
      }
      settleDrawdown();
      // a new peak's own drawdown is exactly 0
      const mdd = minDrawdown > 0 ? 0 : minDrawdown;
      store<f64>(statsPtr + (STAT_TOTAL_PROFIT << 3), orderCount > 0 ? profitCash + profitAssets * lastClose : 0);
      store<f64>(statsPtr + (STAT_TOTAL_FEES << 3), totalFees);
      // the lanes folded: the odd lane's sum added to the even one's, compensated
      const sum = sumRet0 + sumRet1;
      const comp = sumRetC0 + sumRetC1 + neumaierComp(sumRet0, sumRet1, 0);
      store<f64>(statsPtr + (STAT_SUM_RET << 3), sum + comp);
      store<f64>(statsPtr + (STAT_SUM_RET_SQ << 3),
        (sumRetSq0 + sumRetSq1) + <f64>(nBars - shiftCount) * (retShift * retShift));
      store<f64>(statsPtr + (STAT_RET_SHIFT << 3), retShift);
      store<f64>(statsPtr + (STAT_SUM_DOWN_SQ << 3), sumDownSq0 + sumDownSq1);
      store<f64>(statsPtr + (STAT_MIN_DRAWDOWN << 3), mdd);
      store<f64>(statsPtr + (STAT_CUM_PROD << 3), cumProd);
      store<f64>(statsPtr + (STAT_ORDERS << 3), <f64>orderCount);
      store<f64>(statsPtr + (STAT_RECORDS << 3), <f64>recordCount);
      store<f64>(statsPtr + (STAT_FINAL_VALUE_BARS << 3), value);
      store<u32>(dirEntry + 4, <u32>recordCount);
      phase = PHASE_FINISHED;
    }
  }

  store<f64>(st + S_CASH, cash);
  store<f64>(st + S_POSITION, position);
  store<f64>(st + S_DEBT, debt);
  store<f64>(st + S_FREE_CASH, freeCash);
  store<f64>(st + S_SL_INIT, slInitPrice);
  store<f64>(st + S_SL_CURR, slCurrPrice);
  store<f64>(st + S_SL_STOP, slCurrStop);
  store<f64>(st + S_TP_INIT, tpInitPrice);
  store<f64>(st + S_TP_STOP, tpCurrStop);
  store<f64>(st + S_ENTRY_SIZE, entrySizeSum);
  store<f64>(st + S_ENTRY_GROSS, entryGrossSum);
  store<f64>(st + S_ENTRY_FEES, entryFeesSum);
  store<f64>(st + S_CASH_SERIES, cashSeries);
  store<f64>(st + S_ASSET_SERIES, assetSeries);
  store<f64>(st + S_VALUE, value);
  store<f64>(st + S_PREV_VALUE, prevValue);
  store<f64>(st + S_SUM_RET0, sumRet0);
  store<f64>(st + S_SUM_RET1, sumRet1);
  store<f64>(st + S_SUM_RET_C0, sumRetC0);
  store<f64>(st + S_SUM_RET_C1, sumRetC1);
  store<f64>(st + S_RET_SHIFT, retShift);
  store<i32>(st + S_SHIFT_SET, shiftSet ? 1 : 0);
  store<i32>(st + S_SHIFT_COUNT, shiftCount);
  store<f64>(st + S_SUM_RET_SQ0, sumRetSq0);
  store<f64>(st + S_SUM_RET_SQ1, sumRetSq1);
  store<f64>(st + S_SUM_DOWN_SQ0, sumDownSq0);
  store<f64>(st + S_SUM_DOWN_SQ1, sumDownSq1);
  store<f64>(st + S_CUM_PROD, cumProd);
  store<f64>(st + S_CUM_PEAK, cumPeak);
  store<f64>(st + S_MIN_DD, minDrawdown);
  store<f64>(st + S_MIN_OUT, minOut);
  store<f64>(st + S_PROFIT_CASH, profitCash);
  store<f64>(st + S_PROFIT_ASSETS, profitAssets);
  store<f64>(st + S_TOTAL_FEES, totalFees);
  store<i32>(st + S_I, i);
  store<i32>(st + S_PHASE, phase);
  store<i32>(st + S_SL_TRAIL, slCurrTrail ? 1 : 0);
  store<i32>(st + S_LOSS_KIND, lossKind);
  store<i32>(st + S_IN_TRADE, inTrade ? 1 : 0);
  store<i32>(st + S_TRADE_DIR, tradeDirection);
  store<i32>(st + S_TRADE_ENTRY, tradeEntryIdx);
  store<i32>(st + S_RECORDS, recordCount);
  store<u32>(st + S_CHUNK, <u32>curChunk);
  store<u32>(st + S_REC_PTR, <u32>recPtr);
  store<i32>(st + S_REC_LEFT, recLeft);
  store<i32>(st + S_CHUNK_CAP, chunkCap);
  store<i32>(st + S_DAY, day);
  store<i32>(st + S_NEXT_DAY_END, nextDayEnd);
  store<i32>(st + S_ORDERS, orderCount);
  return room;
}

// Runs one tile of the column group in the thread's control block `ctl`, from where it stopped.
// RUN_TILE_DONE: call again for the next tile; RUN_DONE: the group is finished; RUN_NEED_ROOM:
// the record chunks ran out of room; the host gives [CTL_ALLOC_PTR, CTL_ALLOC_END) at least
// CTL_NEED_BYTES and calls again, and the run resumes where it stopped.
export function simulateGroup(hdr: usize, ctl: usize): i32 {
  const nBars = load<i32>(hdr + HDR_N_BARS);
  const tileBars = load<i32>(hdr + HDR_TILE_BARS);
  const first = load<i32>(ctl + CTL_FIRST_COL);
  const count = load<i32>(ctl + CTL_COL_COUNT);
  const tileStart = load<i32>(ctl + CTL_TILE_START);
  const tileEnd = tileBars >= nBars - tileStart ? nBars : tileStart + tileBars;
  scratch = ctl + CTL_SCRATCH;
  constants = scratch + (<usize>BLOCK_BARS << 3);
  v128.store(constants, f64x2.splat(1));
  v128.store(constants + 16, f64x2.splat(100));
  allocPtr = load<u32>(ctl + CTL_ALLOC_PTR);
  allocEnd = load<u32>(ctl + CTL_ALLOC_END);
  let k = load<i32>(ctl + CTL_COL_INDEX);
  if (k == 0) {
    // Bring the tile's opens into cache: only a stop's bar reads them, one bar here and there,
    // and each would be a miss to RAM (the scans stream the lows, highs and closes).
    const openPtr: usize = load<u32>(hdr + HDR_OPEN);
    let touched = f64x2.splat(0);
    for (let b = tileStart; b < tileEnd; b += 8) touched = v128.or(touched, v128.load(openPtr + (<usize>b << 3)));
    v128.store(constants + 32, touched); // (kept, so the loads are)
  }
  while (k < count) {
    if (!runSegment(hdr, first + k, tileEnd)) {
      store<i32>(ctl + CTL_COL_INDEX, k);
      store<u32>(ctl + CTL_ALLOC_PTR, <u32>allocPtr);
      store<u32>(ctl + CTL_NEED_BYTES, <u32>needBytes);
      return RUN_NEED_ROOM;
    }
    k++;
  }
  store<u32>(ctl + CTL_ALLOC_PTR, <u32>allocPtr);
  store<i32>(ctl + CTL_COL_INDEX, 0);
  store<i32>(ctl + CTL_TILE_START, tileEnd);
  return tileEnd >= nBars ? RUN_DONE : RUN_TILE_DONE;
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
