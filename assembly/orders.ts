// Orders: buying and selling with vectorbt's arithmetic (sizing, fees, fixed fees, slippage,
// near-zero snapping). Only the paths from_signals can take with its settings here are ported:
// size as an amount (possibly ±inf), a value or a percent; no granularity, no cash locking, no max
// size, partial fills allowed.
//
// The account lives in globals of this instance (one per worker) while a column runs, and in its
// state block between tiles (loadAccount/saveAccount).

import {
  SIZE_TYPE_AMOUNT, SIZE_TYPE_VALUE, SIZE_TYPE_PERCENT,
  STATE_CASH, STATE_POSITION, STATE_DEBT, STATE_FREE_CASH, STATE_PROFIT_CASH, STATE_PROFIT_ASSETS,
  STATE_TOTAL_FEES, STATE_ORDERS, STAT_TOTAL_PROFIT, STAT_TOTAL_FEES, STAT_ORDERS,
} from "./layout/records";
import { isCloseZero, isCloseOrLess, isLess, addNb } from "./tolerance";

// account (simulation view)
export let cash: f64 = 0;
export let position: f64 = 0;
export let debt: f64 = 0;
export let freeCash: f64 = 0;

// batch parameters
let feesParam: f64 = 0;
let fixedFeesParam: f64 = 0;
export let minSizeParam: f64 = 0;

// last order result
export let fillSize: f64 = 0;
export let fillPrice: f64 = 0;
export let fillFees: f64 = 0;
export let fillIsBuy: bool = false;

// order-flow totals (touched only when an order fills)
let profitCash: f64 = 0; // vectorbt's total_profit keeps its own cash/asset accumulation
let profitAssets: f64 = 0;
let totalFees: f64 = 0;
let orderCount: i32 = 0;


export const DIR_LONG_ONLY: i32 = 0;
export const DIR_SHORT_ONLY: i32 = 1;
export const DIR_BOTH: i32 = 2;

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
  const reqFees = reqCash * feesParam + fixedFeesParam; // (+ 0 leaves every value as it is)
  const totalReqCash = reqCash + reqFees;
  let finalSize: f64, feesPaid: f64, finalReqCash: f64;
  if (isCloseOrLess(totalReqCash, cashLimit)) {
    finalSize = adjSize;
    feesPaid = reqFees;
    finalReqCash = totalReqCash;
  } else {
    const maxReqCash = addNb(cashLimit, -fixedFeesParam) / (1 + feesParam);
    if (maxReqCash <= 0) return false;
    finalSize = maxReqCash / adjPrice;
    feesPaid = cashLimit - maxReqCash;
    finalReqCash = cashLimit;
  }
  if (isCloseZero(adjSize)) return false;
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
      const maxShortSize = addNb(totalFreeCash, -fixedFeesParam) / (adjPrice * (1 + feesParam));
      maxSizeLimit = addNb(longSize, maxShortSize);
      if (maxSizeLimit <= 0) return false;
    }
    sizeLimit = maxSizeLimit;
  } else {
    sizeLimit = size;
  }
  if (!isNaN(percent)) sizeLimit = percent * sizeLimit;
  if (direction == DIR_LONG_ONLY && position == 0) return false;
  if (isCloseZero(sizeLimit)) return false;
  if (isLess(sizeLimit, minSizeParam)) return false;

  const acqCash = sizeLimit * adjPrice;
  const feesPaid = acqCash * feesParam + fixedFeesParam;
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
@inline export function snapIsNoop(x: f64): bool {
  return !isCloseZero(x) || reinterpret<u64>(x) == 0;
}

// vectorbt's execute step: snap near-zero state, turn an infinite short into "100 % of resources".
export function executeOrder(size: f64, price: f64, direction: i32, slippage: f64): bool {
  if (isCloseZero(cash)) cash = 0;
  if (isCloseZero(position)) position = 0;
  if (isCloseZero(debt)) debt = 0;
  if (isCloseZero(freeCash)) freeCash = 0;
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

// The general path's order (execute_order_nb's size conversion): `size` is signed (> 0 buys),
// in units of `sizeType`; a value is divided by the valuation price, a percent is of the
// resources the direction allows (all cash to buy, free cash and the long position to sell).
export function executeSized(size: f64, sizeType: i32, price: f64, direction: i32, slippage: f64, valPrice: f64): bool {
  if (isCloseZero(cash)) cash = 0;
  if (isCloseZero(position)) position = 0;
  if (isCloseZero(debt)) debt = 0;
  if (isCloseZero(freeCash)) freeCash = 0;
  let orderSize = size;
  let type = sizeType;
  if (type == SIZE_TYPE_VALUE) {
    orderSize /= valPrice;
    type = SIZE_TYPE_AMOUNT;
  }
  let percent: f64 = NaN;
  if (type == SIZE_TYPE_AMOUNT) {
    if (direction != DIR_LONG_ONLY && orderSize < 0 && !isFinite(orderSize)) {
      percent = 1;
      orderSize = -Infinity;
    }
  } else if (type == SIZE_TYPE_PERCENT) {
    percent = Math.abs(orderSize);
    orderSize = orderSize > 0 ? Infinity : -Infinity;
  }
  if (orderSize > 0) return buy(orderSize, price, direction, slippage, percent);
  return sell(-orderSize, price, direction, slippage, percent);
}

// vectorbt's total_profit and fees, accumulated from the order just filled.
// @ts-ignore: decorator
@inline export function recordOrderTotals(): void {
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

// The column's fees and the batch's minimum size, for the column about to run.
export function setOrderParams(fees: f64, fixedFees: f64, minSize: f64): void {
  feesParam = fees;
  fixedFeesParam = fixedFees;
  minSizeParam = minSize;
}

// A column's account before its first bar.
export function initAccount(st: usize, initCash: f64): void {
  store<f64>(st + STATE_CASH, initCash);
  store<f64>(st + STATE_POSITION, 0);
  store<f64>(st + STATE_DEBT, 0);
  store<f64>(st + STATE_FREE_CASH, initCash);
  store<f64>(st + STATE_PROFIT_CASH, 0);
  store<f64>(st + STATE_PROFIT_ASSETS, 0);
  store<f64>(st + STATE_TOTAL_FEES, 0);
  store<i32>(st + STATE_ORDERS, 0);
}

export function loadAccount(st: usize): void {
  cash = load<f64>(st + STATE_CASH);
  position = load<f64>(st + STATE_POSITION);
  debt = load<f64>(st + STATE_DEBT);
  freeCash = load<f64>(st + STATE_FREE_CASH);
  profitCash = load<f64>(st + STATE_PROFIT_CASH);
  profitAssets = load<f64>(st + STATE_PROFIT_ASSETS);
  totalFees = load<f64>(st + STATE_TOTAL_FEES);
  orderCount = load<i32>(st + STATE_ORDERS);
}

export function saveAccount(st: usize): void {
  store<f64>(st + STATE_CASH, cash);
  store<f64>(st + STATE_POSITION, position);
  store<f64>(st + STATE_DEBT, debt);
  store<f64>(st + STATE_FREE_CASH, freeCash);
  store<f64>(st + STATE_PROFIT_CASH, profitCash);
  store<f64>(st + STATE_PROFIT_ASSETS, profitAssets);
  store<f64>(st + STATE_TOTAL_FEES, totalFees);
  store<i32>(st + STATE_ORDERS, orderCount);
}

// After the last bar: vectorbt's total_profit (its own cash/asset accumulation valued at the last
// close), the fees and the order count into the column's stats slots.
export function finishAccount(statsPtr: usize, lastClose: f64): void {
  store<f64>(statsPtr + (STAT_TOTAL_PROFIT << 3), orderCount > 0 ? profitCash + profitAssets * lastClose : 0);
  store<f64>(statsPtr + (STAT_TOTAL_FEES << 3), totalFees);
  store<f64>(statsPtr + (STAT_ORDERS << 3), <f64>orderCount);
}
