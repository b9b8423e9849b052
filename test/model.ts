// A plain, slow statement of SEMANTICS.md as the pinned vectorbt executes it: every bar of every
// column, one step after another, no skipping and no cleverness. It is the second oracle that
// runs without Python: the kernel must agree with it record for record and bit for bit.
//
// Steps follow vectorbt's order: adjust stops → loss stop → take-profit → trail → (stop order |
// entry signals) → order execution → stop bookkeeping → exit-trade aggregation → value series.

import type { ExitReason, TradeDirection, TradeStatus } from '../src/trade-codes.js';

export interface ModelColumn {
  long: ArrayLike<number> | null;
  short: ArrayLike<number> | null;
  tp: number;
  sl: number;
  tsl: number;
}

export interface ModelBars {
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
}

export interface ModelConfig {
  fees: number;
  slippage: number;
  initCash: number;
  minSize: number;
}

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

type OrderDirection = 'longonly' | 'shortonly' | 'both';

function buy(acc: Account, size: number, price: number, dir: OrderDirection, slippage: number,
  percent: number, cfg: ModelConfig): Fill | null {
  const adjPrice = price * (1 + slippage);
  let cashLimit = Math.min(acc.cash, acc.cash);
  if (!Number.isNaN(percent)) cashLimit = Math.min(cashLimit, percent * cashLimit);
  if (dir === 'longonly' || dir === 'both') {
    if (cashLimit === 0) return null;
  } else if (acc.position === 0) {
    return null;
  }
  const adjSize = dir === 'shortonly' ? Math.min(-acc.position, size) : size;
  if (adjSize === 0) return null;
  const reqCash = adjSize * adjPrice;
  const reqFees = reqCash * cfg.fees + 0;
  const totalReqCash = reqCash + reqFees;
  let finalSize: number;
  let feesPaid: number;
  let finalReqCash: number;
  if (isCloseOrLess(totalReqCash, cashLimit)) {
    finalSize = adjSize;
    feesPaid = reqFees;
    finalReqCash = totalReqCash;
  } else {
    const maxReqCash = addNb(cashLimit, -0) / (1 + cfg.fees);
    if (maxReqCash <= 0) return null;
    finalSize = maxReqCash / adjPrice;
    feesPaid = cashLimit - maxReqCash;
    finalReqCash = cashLimit;
  }
  if (isClose(adjSize, 0)) return null;
  if (isLess(finalSize, cfg.minSize)) return null;
  const newCash = addNb(acc.cash, -finalReqCash);
  const newPosition = addNb(acc.position, finalSize);
  if (acc.position < 0) {
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

function sell(acc: Account, size: number, price: number, dir: OrderDirection, slippage: number,
  percent: number, cfg: ModelConfig): Fill | null {
  const adjPrice = price * (1 - slippage);
  let sizeLimit: number;
  if (dir === 'longonly') {
    sizeLimit = Math.min(acc.position, size);
  } else if (!Number.isFinite(size) && !Number.isNaN(percent)) {
    const longSize = Math.max(acc.position, 0);
    const longCash = longSize * adjPrice * (1 - cfg.fees);
    const totalFreeCash = addNb(acc.freeCash, longCash);
    let maxSizeLimit: number;
    if (totalFreeCash <= 0) {
      if (acc.position <= 0) return null;
      maxSizeLimit = longSize;
    } else {
      const maxShortSize = addNb(totalFreeCash, -0) / (adjPrice * (1 + cfg.fees));
      maxSizeLimit = addNb(longSize, maxShortSize);
      if (maxSizeLimit <= 0) return null;
    }
    sizeLimit = maxSizeLimit;
  } else {
    sizeLimit = size;
  }
  if (!Number.isNaN(percent)) sizeLimit = percent * sizeLimit;
  if (dir === 'longonly' && acc.position === 0) return null;
  if (isClose(sizeLimit, 0)) return null;
  if (isLess(sizeLimit, cfg.minSize)) return null;
  const acqCash = sizeLimit * adjPrice;
  const feesPaid = acqCash * cfg.fees + 0;
  const finalAcqCash = addNb(acqCash, -feesPaid);
  if (finalAcqCash < 0) return null;
  const newCash = acc.cash + finalAcqCash;
  const newPosition = addNb(acc.position, -sizeLimit);
  if (newPosition < 0) {
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

function executeOrder(acc: Account, size: number, price: number, dir: OrderDirection,
  slippage: number, cfg: ModelConfig): Fill | null {
  for (const key of ['cash', 'position', 'debt', 'freeCash'] as const) {
    if (isClose(acc[key], 0)) acc[key] = 0;
  }
  let orderSize = dir === 'shortonly' ? -size : size;
  let percent = NaN;
  if (dir !== 'longonly' && orderSize < 0 && !Number.isFinite(orderSize)) {
    percent = 1;
    orderSize = -Infinity;
  }
  return orderSize > 0
    ? buy(acc, orderSize, price, dir, slippage, percent, cfg)
    : sell(acc, -orderSize, price, dir, slippage, percent, cfg);
}

// --- stops -------------------------------------------------------------------------------------

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

/** The reference generator's adjustment for tp + sl + tsl (reference-data/README.md). */
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

interface Order extends Fill {
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

export function exitTrades(orders: Order[], lastIdx: number, lastClose: number): ModelTrade[] {
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
        const fraction = (sizeSum - o.size) / sizeSum;
        sizeSum *= fraction;
        grossSum *= fraction;
        feesSum *= fraction;
      }
    } else {
      const closeSize = sizeSum;
      const closeFees = (closeSize / o.size) * o.fees;
      push(closeSize, o.idx, o.price, closeFees, 'closed', 'signal');
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

export function simulateModel(bars: ModelBars, col: ModelColumn, cfg: ModelConfig): ModelResult {
  const n = bars.close.length;
  const twoStop = !Number.isNaN(col.sl) && !Number.isNaN(col.tsl);
  // what the reference passes to vectorbt as sl_stop / sl_trail
  const sl0 = twoStop ? col.tsl : Number.isNaN(col.sl) ? col.tsl : col.sl;
  const trail0 = twoStop || (Number.isNaN(col.sl) && !Number.isNaN(col.tsl));
  const singleKind: Reason = Number.isNaN(col.sl) ? 'tsl' : 'sl';

  const acc: Account = { cash: cfg.initCash, position: 0, debt: 0, freeCash: cfg.initCash };
  let stops = noStops();
  const orders: Order[] = [];

  for (let i = 0; i < n; i++) {
    const open = bars.open[i];
    const high = bars.high[i];
    const low = bars.low[i];
    const close = bars.close[i];
    const positionNow = acc.position;

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

    let fill: Fill | null = null;
    let reason: Reason = 'signal';
    if (!Number.isNaN(stopFill)) {
      reason = stopReason;
      fill = positionNow > 0
        ? executeOrder(acc, -Math.abs(positionNow), stopFill, 'longonly', 0, cfg)
        : executeOrder(acc, -Math.abs(positionNow), stopFill, 'shortonly', 0, cfg);
    } else {
      let isLong = col.long ? col.long[i] !== 0 : false;
      let isShort = col.short ? col.short[i] !== 0 : false;
      if (isLong && isShort) isLong = isShort = false; // upon_dir_conflict = 'ignore'
      let size = 0;
      if (positionNow > 0) size = isShort ? -Infinity : 0; // same-side entries do not accumulate
      else if (positionNow < 0) size = isLong ? Infinity : 0;
      else size = isLong ? Infinity : isShort ? -Infinity : 0;
      if (size !== 0) fill = executeOrder(acc, size, close, 'both', cfg.slippage, cfg);
    }

    if (fill) {
      if (acc.position === 0) {
        stops = noStops();
      } else if (positionNow === 0 || npSign(acc.position) !== npSign(positionNow)) {
        stops = {
          slInitPrice: close, slCurrPrice: close, slCurrStop: sl0, slCurrTrail: trail0,
          tpInitPrice: close, tpCurrStop: col.tp,
        };
      }
      orders.push({ ...fill, idx: i, reason });
    }
  }

  return {
    trades: exitTrades(orders, n - 1, bars.close[n - 1]),
    value: valueSeries(orders, bars.close, cfg.initCash),
    totalProfit: totalProfit(orders, bars.close[n - 1]),
    totalFees: orders.reduce((s, o) => s + o.fees, 0),
  };
}

/** vectorbt's `pf.value()`: cash and assets rebuilt from order records, then cash + assets·close. */
function valueSeries(orders: Order[], close: ArrayLike<number>, initCash: number): number[] {
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
function totalProfit(orders: Order[], lastClose: number): number {
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
