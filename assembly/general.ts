// The whole from_signals state machine, bar by bar, for a column that uses any of its settings
// beyond the seed pipeline's call: exit signals, conflict and opposite-entry modes, stop entry and
// exit prices, upon_stop_exit, the open as order price, sizes other than all cash, accumulation,
// fixed fees. Columns with the pipeline's settings run simulate.ts's runSegment, which gives the
// same results faster; this one skips flat stretches up to the next entry, and stretches in a
// position up to the next bar with any signal or a stop level reached. Per bar, in vectorbt's order:
//   order price → stops (adjust, loss stop, take-profit, trail) → the stop's signal, else the
//   user's signals through the conflict rules (rules.ts) → one order → stop bookkeeping →
//   exit trades → the bar's value.

import {
  REASON_SL, REASON_TSL, REASON_TP, REASON_SIGNAL,
  HDR_N_BARS, HDR_N_DAYS, HDR_OPEN, HDR_HIGH, HDR_LOW, HDR_CLOSE, HDR_DAY_END, HDR_STATS, HDR_DAILY,
  HDR_DIRECTORY, HDR_MIN_SIZE, HDR_STATE, STATE_BYTES, STATS_SLOTS,
  COL_LONG, COL_SHORT, COL_LONG_EXIT, COL_SHORT_EXIT, COL_TP, COL_SL, COL_TSL, COL_FEES, COL_FIXED_FEES,
  COL_SLIPPAGE, COL_INIT_CASH, COL_SIZE, COL_SIZE_TYPE, COL_PRICE, COL_ACCUMULATE, COL_UPON_OPPOSITE_ENTRY,
  COL_UPON_LONG_CONFLICT, COL_UPON_SHORT_CONFLICT, COL_UPON_DIR_CONFLICT, COL_STOP_ENTRY_PRICE,
  COL_STOP_EXIT_PRICE, COL_UPON_STOP_EXIT, COL_ANY_SIGNAL,
  PRICE_OPEN, STOP_ENTRY_VAL_PRICE, STOP_ENTRY_PRICE, STOP_ENTRY_FILL_PRICE,
  STOP_EXIT_STOP_LIMIT, STOP_EXIT_STOP_MARKET, STOP_EXIT_CLOSE,
  STATE_SL_INIT, STATE_SL_CURR, STATE_SL_STOP, STATE_TP_INIT, STATE_TP_STOP, STATE_SL_TRAIL, STATE_LOSS_KIND,
  STATE_CASH_SERIES, STATE_ASSET_SERIES, STATE_VALUE, STATE_I, STATE_PHASE,
  PHASE_FRESH, PHASE_RUNNING, PHASE_FINISHED,
} from "./layout/records";
import { sign, snapZero, addNb } from "./tolerance";
import {
  position, fillSize, fillPrice, fillFees, fillIsBuy, executeSized, recordOrderTotals,
  setOrderParams, loadAccount,
} from "./orders";
import { stopPrice, trailIsTighter, twoStopFraction, trailStop } from "./stops";
import {
  ensureRecordRoom, addFillToTrades, beginTrades, loadTrades,
} from "./trades";
import {
  nextDayEnd, accumulateValue, addValue, storeDayValue, beginReturns, loadReturns,
} from "./returns";
import { bitAt, nextSignal } from "./signals";
import {
  longEntry, longExit, shortEntry, shortExit, orderSize, orderSizeType, orderDirection,
  setSignals, stopSignals, resolveConflict, resolveDirConflict, resolveOppositeEntry, signalsToSize,
} from "./rules";
import { initState, runPosition, finishColumn, saveColumn } from "./simulate";
import { loopPeak, loopValue } from "./scan";

// @ts-ignore: decorator
@inline function f64At(ptr: usize, i: i32): f64 {
  return load<f64>(ptr + (<usize>i << 3));
}

// Runs column `col` from its next bar to `tileEnd` (and finishes it after its last bar), like
// runSegment. Returns false when it stopped early for want of record room.
export function runGeneralSegment(hdr: usize, col: i32, ct: usize, tileEnd: i32): bool {
  const nBars = load<i32>(hdr + HDR_N_BARS);
  const nDays = load<i32>(hdr + HDR_N_DAYS);
  const openPtr: usize = load<u32>(hdr + HDR_OPEN);
  const highPtr: usize = load<u32>(hdr + HDR_HIGH);
  const lowPtr: usize = load<u32>(hdr + HDR_LOW);
  const closePtr: usize = load<u32>(hdr + HDR_CLOSE);
  const dayEndPtr: usize = load<u32>(hdr + HDR_DAY_END);
  const st: usize = <usize>load<u32>(hdr + HDR_STATE) + <usize>col * STATE_BYTES;
  const statsPtr: usize = <usize>load<u32>(hdr + HDR_STATS) + <usize>col * (STATS_SLOTS << 3);
  const dirEntry: usize = <usize>load<u32>(hdr + HDR_DIRECTORY) + (<usize>col << 3);
  beginTrades(dirEntry);
  beginReturns(dayEndPtr, nDays, <usize>load<u32>(hdr + HDR_DAILY) + <usize>col * (<usize>nDays << 3));
  setOrderParams(load<f64>(ct + COL_FEES), load<f64>(ct + COL_FIXED_FEES), load<f64>(hdr + HDR_MIN_SIZE));

  let phase = load<i32>(st + STATE_PHASE);
  if (phase == PHASE_FINISHED) return true;

  // the column's signals (0 = none) and settings
  const longPtr: usize = load<u32>(ct + COL_LONG);
  const shortPtr: usize = load<u32>(ct + COL_SHORT);
  const longExitPtr: usize = load<u32>(ct + COL_LONG_EXIT);
  const shortExitPtr: usize = load<u32>(ct + COL_SHORT_EXIT);
  const anyPtr: usize = load<u32>(ct + COL_ANY_SIGNAL); // the OR of the four
  const slippage = load<f64>(ct + COL_SLIPPAGE);
  const size = load<f64>(ct + COL_SIZE);
  const sizeType: i32 = load<u8>(ct + COL_SIZE_TYPE);
  const atOpen = load<u8>(ct + COL_PRICE) == PRICE_OPEN;
  const accumulateMode: i32 = load<u8>(ct + COL_ACCUMULATE);
  const oppositeMode: i32 = load<u8>(ct + COL_UPON_OPPOSITE_ENTRY);
  const longConflictMode: i32 = load<u8>(ct + COL_UPON_LONG_CONFLICT);
  const shortConflictMode: i32 = load<u8>(ct + COL_UPON_SHORT_CONFLICT);
  const dirConflictMode: i32 = load<u8>(ct + COL_UPON_DIR_CONFLICT);
  const stopEntryMode: i32 = load<u8>(ct + COL_STOP_ENTRY_PRICE);
  const stopExitMode: i32 = load<u8>(ct + COL_STOP_EXIT_PRICE);
  const stopSignalMode: i32 = load<u8>(ct + COL_UPON_STOP_EXIT);

  // stops as the reference hands them to vectorbt (sl_stop, sl_trail), plus the two-stop adjustment
  const tp = load<f64>(ct + COL_TP);
  const sl = load<f64>(ct + COL_SL);
  const tsl = load<f64>(ct + COL_TSL);
  const twoStop = !isNaN(sl) && !isNaN(tsl);
  const sl0: f64 = twoStop ? tsl : isNaN(sl) ? tsl : sl;
  const trail0 = twoStop || (isNaN(sl) && !isNaN(tsl));
  if (phase == PHASE_FRESH) {
    initState(st, load<f64>(ct + COL_INIT_CASH), dayEndPtr, nDays, dirEntry);
    store<i32>(st + STATE_LOSS_KIND, isNaN(sl) ? REASON_TSL : REASON_SL);
    phase = PHASE_RUNNING;
  }

  loadAccount(st);
  loadTrades(st);
  loadReturns(st);
  let slInitPrice = load<f64>(st + STATE_SL_INIT);
  let slCurrPrice = load<f64>(st + STATE_SL_CURR);
  let slCurrStop = load<f64>(st + STATE_SL_STOP);
  let slCurrTrail = load<i32>(st + STATE_SL_TRAIL) != 0;
  let tpInitPrice = load<f64>(st + STATE_TP_INIT);
  let tpCurrStop = load<f64>(st + STATE_TP_STOP);
  let lossKind: i32 = load<i32>(st + STATE_LOSS_KIND);
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
    let pos = position;
    // Flat, nothing held: only an entry can start anything (exits and stops need a position), so
    // skip to the next one, as runSegment does.
    if (pos == 0 && assetSeries == 0) {
      const j = hasLong || hasShort ? nextSignal(scanA, scanB, i, tileEnd) : tileEnd;
      if (j > i) {
        cashSeries = snapZero(cashSeries);
        value = cashSeries;
        accumulateValue(value, i);
        while (nextDayEnd >= 0 && nextDayEnd < j) storeDayValue(value);
        i = j;
        if (i >= tileEnd) break;
      }
    }
    if (!ensureRecordRoom()) {
      room = false;
      break;
    }
    const close = f64At(closePtr, i);
    const open = f64At(openPtr, i);
    // the order price, and the valuation price (vectorbt's val_price=inf: the order price)
    const price = atOpen ? open : close;
    const valPrice = price;

    // 1. stops: the adjustment, the loss stop, the take-profit, the trailing update
    let stopFill: f64 = NaN;
    let stopReason: i32 = REASON_SL;
    if (twoStop && pos != 0) {
      const trailTighter = trailIsTighter(pos, slInitPrice, slCurrPrice, sl, tsl);
      slCurrStop = twoStopFraction(pos, slInitPrice, slCurrPrice, sl, tsl, trailTighter);
      lossKind = trailTighter ? REASON_TSL : REASON_SL;
      slCurrTrail = true;
    }
    if (!isNaN(slCurrStop) || !isNaN(tpCurrStop)) {
      const high = f64At(highPtr, i);
      const low = f64At(lowPtr, i);
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

    // 2. the bar's signals: a stop's (it comes first), else the user's through the conflict rules
    let orderPrice = price;
    let orderSlippage = slippage;
    let reason: i32 = REASON_SIGNAL;
    if (!isNaN(stopFill)) {
      reason = stopReason;
      stopSignals(pos, stopSignalMode, accumulateMode);
      if (stopExitMode == STOP_EXIT_STOP_LIMIT) {
        orderPrice = stopFill;
        orderSlippage = 0;
      } else if (stopExitMode == STOP_EXIT_STOP_MARKET) {
        orderPrice = stopFill;
      } else if (stopExitMode == STOP_EXIT_CLOSE) {
        orderPrice = close;
      } // STOP_EXIT_PRICE: the bar's order price, with slippage
    } else {
      setSignals(
        hasLong && bitAt(longPtr, i) != 0, longExitPtr != 0 && bitAt(longExitPtr, i) != 0,
        hasShort && bitAt(shortPtr, i) != 0, shortExitPtr != 0 && bitAt(shortExitPtr, i) != 0,
        accumulateMode);
      if (longEntry || shortEntry) {
        resolveConflict(pos, true, longConflictMode);
        resolveConflict(pos, false, shortConflictMode);
        resolveDirConflict(pos, dirConflictMode);
        resolveOppositeEntry(pos, oppositeMode);
      }
    }

    // 3. one order
    let filled = false;
    if (longEntry || longExit || shortEntry || shortExit) {
      signalsToSize(pos, size, sizeType, valPrice);
      if (orderSize != 0) {
        filled = executeSized(orderSize, orderSizeType, orderPrice, orderDirection, orderSlippage, valPrice);
      }
    }
    const positionBefore = pos;
    pos = position;

    // 4. bookkeeping of a filled order: stops, the exit trades, the order flows
    if (filled) {
      if (pos == 0) {
        slInitPrice = NaN; slCurrPrice = NaN; slCurrStop = NaN; slCurrTrail = false;
        tpInitPrice = NaN; tpCurrStop = NaN;
      } else {
        // the stops' anchor (stop_entry_price)
        let anchor = close;
        if (stopEntryMode == STOP_ENTRY_VAL_PRICE) anchor = valPrice;
        else if (stopEntryMode == STOP_ENTRY_PRICE) anchor = orderPrice;
        else if (stopEntryMode == STOP_ENTRY_FILL_PRICE) anchor = fillPrice;
        if (positionBefore == 0 || sign(pos) != sign(positionBefore)) {
          // opened or reversed: new stops
          slInitPrice = anchor; slCurrPrice = anchor; slCurrStop = sl0; slCurrTrail = trail0;
          tpInitPrice = anchor; tpCurrStop = tp;
        } else if (Math.abs(pos) > Math.abs(positionBefore)) {
          // added to: each stop set for the column starts over from here (upon_stop_update=Override)
          if (!isNaN(sl0)) {
            slInitPrice = anchor; slCurrPrice = anchor; slCurrStop = sl0; slCurrTrail = trail0;
          }
          if (!isNaN(tp)) {
            tpInitPrice = anchor; tpCurrStop = tp;
          }
        }
      }
      addFillToTrades(i, reason);
      const signed = fillIsBuy ? fillSize : -fillSize;
      cashSeries = addNb(cashSeries, snapZero(-signed * fillPrice - fillFees));
      assetSeries = addNb(assetSeries, snapZero(signed));
      recordOrderTotals();
    } else {
      cashSeries = snapZero(cashSeries);
      assetSeries = snapZero(assetSeries);
    }

    // 5. the bar's value, into the metric accumulators
    value = cashSeries + assetSeries * close;
    addValue(value, i);
    if (i == nextDayEnd) storeDayValue(value);
    i++;

    // In a position: up to the next bar with any signal or a stop level reached, nothing can
    // happen but the value series, so runSegment's scan runs through it (without its shortcut for
    // dust positions, whose stop orders need not be rejected here).
    if (pos == 0 || i >= tileEnd || bitAt(anyPtr, i) != 0) continue;
    const start = i;
    i = runPosition(i, tileEnd, lowPtr, highPtr, closePtr, anyPtr, pos, twoStop, sl, tsl,
      slInitPrice, slCurrPrice, slCurrStop, slCurrTrail, tpInitPrice, tpCurrStop, cashSeries, assetSeries, value, false);
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
