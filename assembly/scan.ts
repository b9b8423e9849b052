// The block scans: running through the bars where nothing can happen but the value series, with
// SIMD over bar pairs, and the tiles' cache warming. Only the state machine (simulate.ts) calls
// in here, and hands back to its generic step any bar where something may happen.

import { CTL_BYTES, CTL_SCRATCH } from "./layout/records";
import { bitAt, pairAt } from "./signals";
import {
  prevValue, nextDayEnd, storeDayValue, accumulatePairs, addValue, setPrevValue, sumRet, setSumRet,
} from "./returns";
import {
  trailIsTighter, trailLossLevel, trailPos, trailInit, trailSl, trailTsl, trailTwoStop, trailStop,
} from "./stops";

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

export let loopPeak: f64 = 0;
export let loopValue: f64 = 0;
let loopDust = false; // the position is dust (see positionLoop)
let scanExt: v128 = i64x2.splat(0); // the scan's running peak (long) / trough (short), both lanes
let scratch: usize = 0; // this thread's scratch room (CTL_SCRATCH): BLOCK_BARS returns,
let constants: usize = 0; // then [1, 1], 16 spare bytes, then 16 bytes of nothing

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
  let sum = sumRet; // Σ r in bar order (returns.ts), here where the division's latency hides it
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
    if (withOpposite && pairAt(opposite, j) != 0) break;
    if (<u32>(dayEnd - j) < 2) {
      if (dayEnd == j) dayEnd = storeDayValue(f64x2.extract_lane(value2, 0));
      if (dayEnd == j + 1) dayEnd = storeDayValue(f64x2.extract_lane(value2, 1));
    }
    const prev2 = v128.shuffle<f64>(prevV, value2, 1, 2);
    const r2 = f64x2.div(f64x2.sub(value2, prev2), prev2);
    v128.store(out, r2);
    sum = (sum + f64x2.extract_lane(r2, 0)) + f64x2.extract_lane(r2, 1);
    if (follows) {
      const swapped = v128.shuffle<f64>(moved, moved, 1, 0);
      extV = long ? f64x2.pmax(moved, swapped) : f64x2.pmin(moved, swapped);
    }
    prevV = value2;
    out += 16;
    j += 2;
  }
  scanExt = extV;
  setSumRet(sum);
  loopValue = f64x2.extract_lane(prevV, 1);
  setPrevValue(loopValue);
  return j;
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
        accumulatePairs(scratch, scratch + (<usize>(j - i) << 3), constants);
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
    } else if (withOpposite && bitAt(opposite, i) != 0) {
      break; // an entry against the position
    }
    if (trailing && hi > peak) {
      peak = hi;
      loss = long ? trailLossLevel(peak) : -trailLossLevel(-peak);
    }
    const c = load<f64>(closePtr + (<usize>i << 3));
    const value = cashFlat + assetFlat * c;
    loopValue = value;
    addValue(value, i);
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

export function longOnly(i: i32, tileEnd: i32, lowPtr: usize, highPtr: usize, closePtr: usize, opposite: usize,
  loss: f64, profit: f64, peak: f64, trailing: bool, cashFlat: f64, assetFlat: f64): i32 {
  return positionLoop(true, false, i, tileEnd, lowPtr, highPtr, closePtr, opposite, loss, profit, peak, trailing, cashFlat, assetFlat);
}

export function longWithOpposite(i: i32, tileEnd: i32, lowPtr: usize, highPtr: usize, closePtr: usize, opposite: usize,
  loss: f64, profit: f64, peak: f64, trailing: bool, cashFlat: f64, assetFlat: f64): i32 {
  return positionLoop(true, true, i, tileEnd, lowPtr, highPtr, closePtr, opposite, loss, profit, peak, trailing, cashFlat, assetFlat);
}

export function shortOnly(i: i32, tileEnd: i32, lowPtr: usize, highPtr: usize, closePtr: usize, opposite: usize,
  loss: f64, profit: f64, peak: f64, trailing: bool, cashFlat: f64, assetFlat: f64): i32 {
  return positionLoop(false, false, i, tileEnd, lowPtr, highPtr, closePtr, opposite, loss, profit, peak, trailing, cashFlat, assetFlat);
}

export function shortWithOpposite(i: i32, tileEnd: i32, lowPtr: usize, highPtr: usize, closePtr: usize, opposite: usize,
  loss: f64, profit: f64, peak: f64, trailing: bool, cashFlat: f64, assetFlat: f64): i32 {
  return positionLoop(false, true, i, tileEnd, lowPtr, highPtr, closePtr, opposite, loss, profit, peak, trailing, cashFlat, assetFlat);
}

// This thread's scratch room (its control block's CTL_SCRATCH), for the tile about to run.
export function beginScan(scratchPtr: usize): void {
  // BLOCK_BARS returns, the constants and the opens' sink must fit the room (folded away)
  if ((<usize>BLOCK_BARS << 3) + 48 > <usize>(CTL_BYTES - CTL_SCRATCH)) unreachable();
  scratch = scratchPtr;
  constants = scratch + (<usize>BLOCK_BARS << 3);
  v128.store(constants, f64x2.splat(1));
}

// The value before the position loop's first bar, and whether the position is dust.
export function setLoopStart(value: f64, dust: bool): void {
  loopValue = value;
  loopDust = dust;
}

// Brings a tile's opens into cache: only a stop's bar reads them, one bar here and there, and
// each would be a miss to RAM (the scans stream the lows, highs and closes).
export function warmOpens(openPtr: usize, tileStart: i32, tileEnd: i32): void {
  let touched = f64x2.splat(0);
  for (let b = tileStart; b < tileEnd; b += 8) touched = v128.or(touched, v128.load(openPtr + (<usize>b << 3)));
  v128.store(constants + 32, touched); // (kept, so the loads are)
}
