// The from_signals state machine, column by column, in tiles of bars across a group of columns:
// per bar, stops → signals → one order → bookkeeping → the bar's value, stated in full in
// `runSegment` below. This is the kernel's entry point and its only hot loop; the pieces it calls
// live along their own seams: orders.ts (buying and selling), stops.ts (levels and tests),
// trades.ts (exit-trade records), returns.ts (the metric accumulators), scan.ts (the block scans
// over bars where nothing can happen). AssemblyScript compiles them as one program.
//
// It reproduces, bit for bit, the arithmetic the pinned vectorbt release performs for the batch
// pipeline's call (size=inf, fees, slippage, tp/sl/tsl, no cash sharing): order sizing with its
// near-zero snapping, the stop levels, the exit-trade bookkeeping, and the cash/asset series its
// return metrics are built from. See ../../shared/SEMANTICS.md and reference-data/README.md.
//
// The host owns all memory (no allocation here: `--runtime stub`); every pointer below is an
// offset into the shared memory that the host's memory plan laid out (layout/records.ts).

import {
  REASON_SL, REASON_TSL, REASON_TP, REASON_SIGNAL, STATS_SLOTS,
  HDR_N_BARS, HDR_N_DAYS, HDR_OPEN, HDR_HIGH, HDR_LOW, HDR_CLOSE, HDR_DAY_END, HDR_COLUMNS, HDR_STATE,
  HDR_STATS, HDR_DAILY, HDR_DIRECTORY, HDR_TILE_BARS, HDR_MIN_SIZE,
  COL_BYTES, COL_LONG, COL_SHORT, COL_TP, COL_SL, COL_TSL, COL_FEES, COL_SLIPPAGE, COL_INIT_CASH, COL_GENERAL,
  STATE_BYTES,
  STATE_SL_INIT, STATE_SL_CURR, STATE_SL_STOP, STATE_TP_INIT, STATE_TP_STOP, STATE_SL_TRAIL, STATE_LOSS_KIND,
  STATE_CASH_SERIES, STATE_ASSET_SERIES, STATE_VALUE, STATE_I, STATE_PHASE,
  PHASE_FRESH, PHASE_RUNNING, PHASE_FINISHED,
  CTL_FIRST_COL, CTL_COL_COUNT, CTL_TILE_START, CTL_COL_INDEX, CTL_ALLOC_PTR, CTL_ALLOC_END, CTL_NEED_BYTES, CTL_SCRATCH,
  RUN_DONE, RUN_TILE_DONE, RUN_NEED_ROOM,
} from "./layout/records";
import { isLess, sign, snapZero, addNb } from "./tolerance";
import {
  position, cash, debt, freeCash, minSizeParam, fillSize, fillPrice, fillFees, fillIsBuy,
  DIR_LONG_ONLY, DIR_SHORT_ONLY, DIR_BOTH, executeOrder, snapIsNoop, recordOrderTotals,
  setOrderParams, initAccount, loadAccount, saveAccount, finishAccount,
} from "./orders";
import {
  stopPrice, trailIsTighter, twoStopFraction, lossLevel, profitLevel, setTrail, trailStop,
} from "./stops";
import {
  ensureRecordRoom, addFillToTrades, finishTrades, setRecordRoom, allocPtr, needBytes,
  beginTrades, initTrades, loadTrades, saveTrades,
} from "./trades";
import {
  nextDayEnd, accumulateValue, addValue, storeDayValue, beginReturns, initReturns, loadReturns, saveReturns,
  finishReturns,
} from "./returns";
import { bitAt, nextSignal } from "./signals";
import { runGeneralSegment } from "./general";
import {
  loopPeak, loopValue, longOnly, longWithOpposite, shortOnly, shortWithOpposite, beginScan,
  setLoopStart, warmOpens,
} from "./scan";

// ---------------------------------------------------------------------------------------------
// Tiles. Bars are run in tiles across a group of columns: for each tile, each column of the group
// takes its state from its state block (layout/records.ts: STATE_*), runs the tile's bars, and
// puts the state back. A tile's open/high/low/close stay in cache while the group's columns go
// over them, instead of every column streaming all bars from RAM. A column's state between tiles
// is everything its bar loop carries, so a tile boundary is invisible: the loop resumes at the
// next bar exactly. Each module keeps its own part of the block (init/load/save); the stops, the
// value series and the bar index are this file's.

// A column's state before its first bar.
export function initState(st: usize, initCash: f64, dayEndPtr: usize, nDays: i32, dirPtr: usize): void {
  initAccount(st, initCash);
  initTrades(st, dirPtr);
  initReturns(st, initCash, dayEndPtr, nDays);
  store<f64>(st + STATE_SL_INIT, NaN);
  store<f64>(st + STATE_SL_CURR, NaN); // running peak (long) / trough (short) while trailing
  store<f64>(st + STATE_SL_STOP, NaN);
  store<f64>(st + STATE_TP_INIT, NaN);
  store<f64>(st + STATE_TP_STOP, NaN);
  store<i32>(st + STATE_SL_TRAIL, 0);
  store<i32>(st + STATE_LOSS_KIND, REASON_SL);
  store<f64>(st + STATE_CASH_SERIES, initCash);
  store<f64>(st + STATE_ASSET_SERIES, 0);
  store<f64>(st + STATE_VALUE, initCash);
  store<i32>(st + STATE_I, 0);
  store<i32>(st + STATE_PHASE, PHASE_RUNNING);
}


// ---------------------------------------------------------------------------------------------
// The column loop.
//
// Per bar, vectorbt's order: adjust stops → loss stop → take-profit → trail → one order (the stop
// exit, else the entry signals) → bookkeeping → the bar's value. The generic step below states
// that in full. Two shortcuts skip bars where provably nothing happens:
//  - flat: nothing moves until the next entry signal; scan for it 64 bars (one word of bits) a step;
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
  const dirEntry: usize = <usize>load<u32>(hdr + HDR_DIRECTORY) + (<usize>col << 3);
  beginTrades(dirEntry);
  beginReturns(dayEndPtr, nDays, <usize>load<u32>(hdr + HDR_DAILY) + <usize>col * (<usize>nDays << 3));
  setOrderParams(load<f64>(ct + COL_FEES), 0, load<f64>(hdr + HDR_MIN_SIZE));
  const slippage = load<f64>(ct + COL_SLIPPAGE);

  let phase = load<i32>(st + STATE_PHASE);
  if (phase == PHASE_FINISHED) return true;

  // parameters as the reference hands them to vectorbt (sl_stop, sl_trail) plus the adjustment
  const longPtr: usize = load<u32>(ct + COL_LONG); // one bit per bar (signals.ts); 0 = no signals on that side
  const shortPtr: usize = load<u32>(ct + COL_SHORT);
  const tp = load<f64>(ct + COL_TP); // fractions; NaN = stop off
  const sl = load<f64>(ct + COL_SL);
  const tsl = load<f64>(ct + COL_TSL);
  const twoStop = !isNaN(sl) && !isNaN(tsl);
  const sl0: f64 = twoStop ? tsl : isNaN(sl) ? tsl : sl; // the stop handed to vectorbt at entry
  const trail0 = twoStop || (isNaN(sl) && !isNaN(tsl));
  if (phase == PHASE_FRESH) {
    initState(st, load<f64>(ct + COL_INIT_CASH), dayEndPtr, nDays, dirEntry);
    // the loss stop's kind when only one is on (the two-stop adjustment sets it each bar)
    store<i32>(st + STATE_LOSS_KIND, isNaN(sl) ? REASON_TSL : REASON_SL);
    phase = PHASE_RUNNING;
  }

  // the account (orders.ts), the exit trade (trades.ts), the return accumulators (returns.ts)
  loadAccount(st);
  loadTrades(st);
  loadReturns(st);
  let pos: f64 = position; // the account's position, mirrored per bar

  // stops, as vectorbt keeps them
  let slInitPrice = load<f64>(st + STATE_SL_INIT);
  let slCurrPrice = load<f64>(st + STATE_SL_CURR); // running peak (long) / trough (short) while trailing
  let slCurrStop = load<f64>(st + STATE_SL_STOP);
  let slCurrTrail = load<i32>(st + STATE_SL_TRAIL) != 0;
  let tpInitPrice = load<f64>(st + STATE_TP_INIT);
  let tpCurrStop = load<f64>(st + STATE_TP_STOP);
  let lossKind: i32 = load<i32>(st + STATE_LOSS_KIND);

  // vectorbt's value series: cash and assets rebuilt from order flows, then cash + assets·close
  let cashSeries = load<f64>(st + STATE_CASH_SERIES);
  let assetSeries = load<f64>(st + STATE_ASSET_SERIES);
  let value = load<f64>(st + STATE_VALUE);

  const hasLong = longPtr != 0;
  const hasShort = shortPtr != 0;
  const scanA = hasLong ? longPtr : shortPtr;
  const scanB = hasShort ? shortPtr : longPtr;

  let room = true;
  let i: i32 = load<i32>(st + STATE_I);
  while (i < tileEnd) {
    // Flat: the value cannot move until the next entry signal, so skip to it. The first skipped
    // bar may snap a near-zero balance; the rest return exactly 0, leaving every accumulator as is.
    if (pos == 0 && assetSeries == 0) {
      let j = i;
      if (hasLong || hasShort) {
        j = nextSignal(scanA, scanB, i, tileEnd);
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
      const isLong = hasLong && bitAt(longPtr, i) != 0;
      const isShort = hasShort && bitAt(shortPtr, i) != 0;
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
      // (addNb(0, x) is snapZero(x), exactly)
      cashSeries = addNb(cashSeries, snapZero(-signed * fillPrice - fillFees));
      assetSeries = addNb(assetSeries, snapZero(signed));
      recordOrderTotals();
    } else {
      // a bar without an order adds a zero flow to vectorbt's running balances, snapping near-zero ones
      cashSeries = snapZero(cashSeries);
      assetSeries = snapZero(assetSeries);
    }

    // 4. the bar's value, into the metric accumulators
    value = cashSeries + assetSeries * close;
    addValue(value, i);
    if (i == nextDayEnd) storeDayValue(value);
    i++;

    // ---- in a position: run through the bars where nothing can happen ----
    if (pos == 0 || i >= tileEnd) continue;
    // an entry against the position on the next bar stops the loop right there: leave that bar to
    // the generic step at once (exact on any bar), without setting the loop up for nothing
    const opposite: usize = pos > 0 ? shortPtr : longPtr;
    if (opposite != 0 && bitAt(opposite, i) != 0) continue;
    const start = i;
    i = runPosition(i, tileEnd, lowPtr, highPtr, closePtr, opposite, pos, twoStop, sl, tsl,
      slInitPrice, slCurrPrice, slCurrStop, slCurrTrail, tpInitPrice, tpCurrStop, cashSeries, assetSeries, value, true);
    value = loopValue;
    slCurrStop = trailStop;
    if (twoStop) slCurrTrail = true;
    if (i > start) {
      cashSeries = snapZero(cashSeries);
      assetSeries = snapZero(assetSeries);
      slCurrPrice = (pos > 0 ? 1 : -1) * loopPeak;
    }
  }

  if (room && i >= nBars) {
    if (finishColumn(closePtr, nBars, statsPtr)) phase = PHASE_FINISHED;
    else room = false;
  }
  saveColumn(st, slInitPrice, slCurrPrice, slCurrStop, slCurrTrail, tpInitPrice, tpCurrStop, lossKind,
    cashSeries, assetSeries, value, i, phase);
  return room;
}

// After a column's last bar: a position still held becomes an open trade valued at the last
// close, and the accumulators go into the column's stats slots. False when there is no record
// room for the open trade (nothing is finished then; the host makes room and the run resumes).
export function finishColumn(closePtr: usize, nBars: i32, statsPtr: usize): bool {
  const lastClose = load<f64>(closePtr + (<usize>(nBars - 1) << 3));
  if (!finishTrades(nBars - 1, lastClose)) return false;
  finishAccount(statsPtr, lastClose);
  finishReturns(statsPtr, nBars);
  return true;
}

// A column's loop state back into its state block, at the end of a segment (both paths).
export function saveColumn(
  st: usize, slInitPrice: f64, slCurrPrice: f64, slCurrStop: f64, slCurrTrail: bool, tpInitPrice: f64,
  tpCurrStop: f64, lossKind: i32, cashSeries: f64, assetSeries: f64, value: f64, i: i32, phase: i32,
): void {
  saveAccount(st);
  saveTrades(st);
  saveReturns(st);
  store<f64>(st + STATE_SL_INIT, slInitPrice);
  store<f64>(st + STATE_SL_CURR, slCurrPrice);
  store<f64>(st + STATE_SL_STOP, slCurrStop);
  store<f64>(st + STATE_TP_INIT, tpInitPrice);
  store<f64>(st + STATE_TP_STOP, tpCurrStop);
  store<i32>(st + STATE_SL_TRAIL, slCurrTrail ? 1 : 0);
  store<i32>(st + STATE_LOSS_KIND, lossKind);
  store<f64>(st + STATE_CASH_SERIES, cashSeries);
  store<f64>(st + STATE_ASSET_SERIES, assetSeries);
  store<f64>(st + STATE_VALUE, value);
  store<i32>(st + STATE_I, i);
  store<i32>(st + STATE_PHASE, phase);
}

// In a position, from bar i: runs through the bars where nothing can happen but the value series
// (scan.ts), up to the first bar where something may (a stop level reached, a bit of `opposite`)
// or the tile's end, and returns that bar. Afterwards `loopValue` is the last value, `trailStop`
// the loss stop's fraction, and, if it moved, `loopPeak` the running peak/trough (×−1 for a short)
// and the balances are the snapped ones. `dustExits`: a position below the minimum size may skip
// its stop bars (their exit order is rejected: true for the pipeline's call, not in general).
export function runPosition(
  i: i32, tileEnd: i32, lowPtr: usize, highPtr: usize, closePtr: usize, opposite: usize, pos: f64,
  twoStop: bool, sl: f64, tsl: f64, slInitPrice: f64, slCurrPrice: f64, slCurrStop: f64, slCurrTrail: bool,
  tpInitPrice: f64, tpCurrStop: f64, cashSeries: f64, assetSeries: f64, value: f64, dustExits: bool,
): i32 {
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
  setTrail(pos, slInitPrice, sl, tsl, twoStop, slCurrStop);
  // balances after no-order bars (idempotent snap), committed once a bar goes by
  const cashFlat = snapZero(cashSeries);
  const assetFlat = snapZero(assetSeries);
  const peak = dir * slCurrPrice;
  setLoopStart(value, dustExits && isLess(Math.abs(position), minSizeParam) &&
    snapIsNoop(cash) && snapIsNoop(position) && snapIsNoop(debt) && snapIsNoop(freeCash));
  if (pos > 0) {
    return opposite != 0
      ? longWithOpposite(i, tileEnd, lowPtr, highPtr, closePtr, opposite, loss, profit, peak, trailing, cashFlat, assetFlat)
      : longOnly(i, tileEnd, lowPtr, highPtr, closePtr, opposite, loss, profit, peak, trailing, cashFlat, assetFlat);
  }
  return opposite != 0
    ? shortWithOpposite(i, tileEnd, lowPtr, highPtr, closePtr, opposite, loss, profit, peak, trailing, cashFlat, assetFlat)
    : shortOnly(i, tileEnd, lowPtr, highPtr, closePtr, opposite, loss, profit, peak, trailing, cashFlat, assetFlat);
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
  beginScan(ctl + CTL_SCRATCH);
  setRecordRoom(load<u32>(ctl + CTL_ALLOC_PTR), load<u32>(ctl + CTL_ALLOC_END));
  let k = load<i32>(ctl + CTL_COL_INDEX);
  if (k == 0) warmOpens(load<u32>(hdr + HDR_OPEN), tileStart, tileEnd);
  const columns: usize = load<u32>(hdr + HDR_COLUMNS);
  while (k < count) {
    const col = first + k;
    const ct = columns + <usize>col * COL_BYTES;
    const done = load<u8>(ct + COL_GENERAL) != 0
      ? runGeneralSegment(hdr, col, ct, tileEnd)
      : runSegment(hdr, col, tileEnd);
    if (!done) {
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
