// The return and drawdown accumulators for the metrics, over vectorbt's value series
// (get_return_nb, cum_returns, drawdown), and the daily values. No bars × columns series is ever
// kept: each bar's value goes into one-pass sums.

import {
  STAT_SUM_RET, STAT_SUM_RET_SQ, STAT_SUM_DOWN_SQ, STAT_RET_SHIFT, STAT_MIN_DRAWDOWN, STAT_CUM_PROD,
  STATE_PREV_VALUE, STATE_SUM_RET, STATE_RET_SHIFT,
  STATE_SHIFT_SET, STATE_SHIFT_COUNT, STATE_SUM_RET_SQ0, STATE_SUM_RET_SQ1, STATE_SUM_DOWN_SQ0,
  STATE_SUM_DOWN_SQ1, STATE_CUM_PROD, STATE_CUM_PEAK, STATE_MIN_DD, STATE_MIN_OUT, STATE_DAY,
  STATE_NEXT_DAY_END, STATE_CUM_HUNDRED, STATE_DRAWDOWN_NAN,
} from "./layout/records";
import { sign } from "./tolerance";

export let prevValue: f64 = 0;
// Σ r is a plain sum in bar order, as the release's Rust post-processing takes the mean: where
// returns cancel (a mean near 0) its rounding decides the Sharpe ratio's digits, so it is
// reproduced, not improved on (an exact sum once missed rtol 1e-9: fuzz seed 20261202, group 749).
// A flat bar's return is exactly 0 and leaves it as it is, so skipped bars need not be added.
export let sumRet: f64 = 0; // (the in-position scan adds its pairs' returns: scan.ts)
// The two sums of squares run in two lanes, even bars in lane 0 and odd bars in lane 1, whichever
// path adds a bar (so the in-position loop can add two bars at once, and tiles never change a
// result); the lanes are folded when the column finishes.
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
// The drawdown follows the pinned release's post-processing (vectorbt-rust, engine 'auto'): its
// cumulative returns are a running product that starts at 100 (100·(1+r0)·(1+r1)…, rounded step
// by step: not 100·Π, which numba's path computes and which differs in the last bit), its peak is
// an expanding max that starts at the first bar, and its minimum is NaN once any bar's drawdown is
// (a value of 0 followed by an infinite return, an infinite peak).
let cumHundred: f64 = 100; // the running product from 100
let cumPeak: f64 = NaN; // its expanding max (NaN before the first bar)
let drawdownNaN = false;
// The max drawdown, min over bars of cum / peak − 1, divides lazily: while the peak stays, the
// bar with the lowest cum has the lowest drawdown (x ↦ x / peak − 1 is monotone, rounding
// included, for a finite peak > 0), so only that one is divided, when the peak moves or at the end.
let minDrawdown: f64 = 0; // the minimum over the settled stretches (and any bar under another peak)
let minOut: f64 = Infinity; // the lowest cum since the peak last moved (finite peak > 0)

// A bar's cum into the drawdown.
// @ts-ignore: decorator
@inline function drawdownStep(out: f64): void {
  if (out > cumPeak || isNaN(cumPeak)) {
    settleDrawdown();
    cumPeak = out;
    // this bar's own drawdown, out / out − 1, is 0; NaN for 0, ±inf or NaN
    if (out == 0 || !isFinite(out)) drawdownNaN = true;
  } else if (cumPeak > 0 && cumPeak < Infinity) {
    if (out < minOut) minOut = out;
    else if (isNaN(out)) drawdownNaN = true;
  } else {
    const dd = out / cumPeak - 1; // (any other peak takes each bar as it comes)
    if (isNaN(dd)) drawdownNaN = true;
    else if (dd < minDrawdown) minDrawdown = dd;
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
export let nextDayEnd: i32 = -1;
let dayEnds: usize = 0;
let dayCount: i32 = 0;
let dailyValues: usize = 0;

// @ts-ignore: decorator
@inline function barReturn(prev: f64, value: f64): f64 {
  if (prev == 0) return value == 0 ? 0.0 : Infinity * sign(value);
  const r = (value - prev) / prev;
  return prev < 0 ? -r : r;
}

// Bar i's return into its lane's sums.
// @ts-ignore: decorator
@inline function addReturn(r: f64, i: i32): void {
  const down = Math.min(r, 0); // (f64.min: no branch; 0 for r = +inf, where (r − |r|)/2 is NaN)
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
  sumRet += r;
  if (i & 1) {
    if (r != 0) sumRetSq1 += dev2;
    sumDownSq1 += down * down;
  } else {
    if (r != 0) sumRetSq0 += dev2;
    sumDownSq0 += down * down;
  }
}

// Bar i's value into the accumulators (generic step; the in-position loop does the same).
export function accumulateValue(value: f64, i: i32): void {
  addValue(value, i);
}

// @ts-ignore: decorator
@inline export function addValue(value: f64, i: i32): void {
  const r = barReturn(prevValue, value);
  prevValue = value;
  addReturn(r, i);
  cumProd *= r + 1;
  cumHundred *= r + 1;
  drawdownStep(cumHundred);
}

// The value at a day's last bar; returns the next day's last bar.
export function storeDayValue(value: f64): i32 {
  store<f64>(dailyValues + (<usize>day << 3), value);
  day++;
  nextDayEnd = day < dayCount ? load<i32>(dayEnds + (<usize>day << 2)) : -1;
  return nextDayEnd;
}

// Adds the returns in [from, end) (the scan's, two bars at a time, from an even bar) to the
// accumulators. `constants` holds [1, 1].
export function accumulatePairs(from: usize, end: usize, constants: usize): void {
  const zero = f64x2.splat(0);
  // 1 read back from memory: as a constant, V8 would rebuild it in every iteration
  const one = v128.load(constants);
  let sqV = f64x2.replace_lane(f64x2.splat(sumRetSq0), 1, sumRetSq1);
  let downV = f64x2.replace_lane(f64x2.splat(sumDownSq0), 1, sumDownSq1);
  let shifted = shiftSet;
  let shiftV = f64x2.splat(retShift);
  let counted = i64x2.splat(0); // minus the bars added to the squares, per lane
  let prodV = f64x2.replace_lane(f64x2.splat(cumProd), 1, cumHundred); // [Π, the product from 100]
  // bars under the peak only lower minOut; a new peak (or any peak but a finite one > 0) goes bar by bar
  let peakV = f64x2.splat(cumPeak > 0 && cumPeak < Infinity ? cumPeak : -Infinity);
  let minOutV = f64x2.splat(minOut);
  for (let p = from; p < end; p += 16) {
    const r2 = v128.load(p);
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
    const down2 = f64x2.pmin(r2, zero); // min(r, 0), as addReturn takes it
    downV = f64x2.add(downV, f64x2.mul(down2, down2));
    // Π (1 + r) and the product from 100 side by side, one bar after the other: × a0, then × a1;
    // the drawdown takes the product from 100 after each of the two bars
    const a2 = f64x2.add(r2, one);
    const after0 = f64x2.mul(prodV, v128.shuffle<f64>(a2, a2, 0, 0));
    prodV = f64x2.mul(after0, v128.shuffle<f64>(a2, a2, 1, 1));
    const out2 = v128.shuffle<f64>(after0, prodV, 1, 3);
    // (a NaN cum was flagged where it arose, bar by bar: pmin may pass over it)
    if (v128.any_true(f64x2.gt(out2, peakV))) {
      minOut = minLanes(minOutV);
      drawdownStep(f64x2.extract_lane(out2, 0));
      drawdownStep(f64x2.extract_lane(out2, 1));
      peakV = f64x2.splat(cumPeak > 0 && cumPeak < Infinity ? cumPeak : -Infinity);
      minOutV = f64x2.splat(minOut);
    } else {
      minOutV = f64x2.pmin(minOutV, out2); // out < minOut ? out : minOut, per lane
    }
  }
  sumRetSq0 = f64x2.extract_lane(sqV, 0); sumRetSq1 = f64x2.extract_lane(sqV, 1);
  shiftCount -= <i32>(i64x2.extract_lane(counted, 0) + i64x2.extract_lane(counted, 1));
  sumDownSq0 = f64x2.extract_lane(downV, 0); sumDownSq1 = f64x2.extract_lane(downV, 1);
  cumProd = f64x2.extract_lane(prodV, 0);
  cumHundred = f64x2.extract_lane(prodV, 1);
  minOut = minLanes(minOutV);
}

// The lower lane (neither is NaN).
// @ts-ignore: decorator
@inline function minLanes(v: v128): f64 {
  const a = f64x2.extract_lane(v, 0);
  const b = f64x2.extract_lane(v, 1);
  return b < a ? b : a;
}

// Σ r after the scan's pairs (see scanPairs).
// @ts-ignore: decorator
@inline export function setSumRet(sum: f64): void {
  sumRet = sum;
}

// The scan's last value (see scanPairs).
// @ts-ignore: decorator
@inline export function setPrevValue(value: f64): void {
  prevValue = value;
}

// The column about to run: its day ends and where its daily values go.
export function beginReturns(dayEndPtr: usize, nDays: i32, dailyPtr: usize): void {
  dayEnds = dayEndPtr;
  dayCount = nDays;
  dailyValues = dailyPtr;
}

// A column's accumulators before its first bar.
export function initReturns(st: usize, initCash: f64, dayEndPtr: usize, nDays: i32): void {
  store<f64>(st + STATE_PREV_VALUE, initCash);
  store<f64>(st + STATE_SUM_RET, 0);
  store<f64>(st + STATE_RET_SHIFT, 0);
  store<i32>(st + STATE_SHIFT_SET, 0);
  store<i32>(st + STATE_SHIFT_COUNT, 0);
  store<f64>(st + STATE_SUM_RET_SQ0, 0);
  store<f64>(st + STATE_SUM_RET_SQ1, 0);
  store<f64>(st + STATE_SUM_DOWN_SQ0, 0);
  store<f64>(st + STATE_SUM_DOWN_SQ1, 0);
  store<f64>(st + STATE_CUM_PROD, 1);
  store<f64>(st + STATE_CUM_HUNDRED, 100);
  store<i32>(st + STATE_DRAWDOWN_NAN, 0);
  store<f64>(st + STATE_CUM_PEAK, NaN);
  store<f64>(st + STATE_MIN_DD, Infinity);
  store<f64>(st + STATE_MIN_OUT, Infinity);
  store<i32>(st + STATE_DAY, 0);
  store<i32>(st + STATE_NEXT_DAY_END, nDays > 0 ? load<i32>(dayEndPtr) : -1);
}

export function loadReturns(st: usize): void {
  prevValue = load<f64>(st + STATE_PREV_VALUE);
  sumRet = load<f64>(st + STATE_SUM_RET);
  retShift = load<f64>(st + STATE_RET_SHIFT);
  shiftSet = load<i32>(st + STATE_SHIFT_SET) != 0;
  shiftCount = load<i32>(st + STATE_SHIFT_COUNT);
  sumRetSq0 = load<f64>(st + STATE_SUM_RET_SQ0);
  sumRetSq1 = load<f64>(st + STATE_SUM_RET_SQ1);
  sumDownSq0 = load<f64>(st + STATE_SUM_DOWN_SQ0);
  sumDownSq1 = load<f64>(st + STATE_SUM_DOWN_SQ1);
  cumProd = load<f64>(st + STATE_CUM_PROD);
  cumHundred = load<f64>(st + STATE_CUM_HUNDRED);
  drawdownNaN = load<i32>(st + STATE_DRAWDOWN_NAN) != 0;
  cumPeak = load<f64>(st + STATE_CUM_PEAK);
  minDrawdown = load<f64>(st + STATE_MIN_DD);
  minOut = load<f64>(st + STATE_MIN_OUT);
  day = load<i32>(st + STATE_DAY);
  nextDayEnd = load<i32>(st + STATE_NEXT_DAY_END);
}

export function saveReturns(st: usize): void {
  store<f64>(st + STATE_PREV_VALUE, prevValue);
  store<f64>(st + STATE_SUM_RET, sumRet);
  store<f64>(st + STATE_RET_SHIFT, retShift);
  store<i32>(st + STATE_SHIFT_SET, shiftSet ? 1 : 0);
  store<i32>(st + STATE_SHIFT_COUNT, shiftCount);
  store<f64>(st + STATE_SUM_RET_SQ0, sumRetSq0);
  store<f64>(st + STATE_SUM_RET_SQ1, sumRetSq1);
  store<f64>(st + STATE_SUM_DOWN_SQ0, sumDownSq0);
  store<f64>(st + STATE_SUM_DOWN_SQ1, sumDownSq1);
  store<f64>(st + STATE_CUM_PROD, cumProd);
  store<f64>(st + STATE_CUM_HUNDRED, cumHundred);
  store<i32>(st + STATE_DRAWDOWN_NAN, drawdownNaN ? 1 : 0);
  store<f64>(st + STATE_CUM_PEAK, cumPeak);
  store<f64>(st + STATE_MIN_DD, minDrawdown);
  store<f64>(st + STATE_MIN_OUT, minOut);
  store<i32>(st + STATE_DAY, day);
  store<i32>(st + STATE_NEXT_DAY_END, nextDayEnd);
}

// After the last bar: the accumulators into the column's stats slots.
export function finishReturns(statsPtr: usize, nBars: i32): void {
  settleDrawdown();
  // a new peak's own drawdown is exactly 0; one NaN drawdown makes the minimum NaN (np.min)
  const mdd = drawdownNaN ? NaN : minDrawdown > 0 ? 0 : minDrawdown;
  store<f64>(statsPtr + (STAT_SUM_RET << 3), sumRet);
  store<f64>(statsPtr + (STAT_SUM_RET_SQ << 3),
    (sumRetSq0 + sumRetSq1) + <f64>(nBars - shiftCount) * (retShift * retShift));
  store<f64>(statsPtr + (STAT_RET_SHIFT << 3), retShift);
  store<f64>(statsPtr + (STAT_SUM_DOWN_SQ << 3), sumDownSq0 + sumDownSq1);
  store<f64>(statsPtr + (STAT_MIN_DRAWDOWN << 3), mdd);
  store<f64>(statsPtr + (STAT_CUM_PROD << 3), cumProd);
}
