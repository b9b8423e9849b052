// Stop levels and their tests, as vectorbt computes them (get_stop_price_nb), and the reference's
// two-stop adjustment.

// The stop price hit on this bar, or NaN. Gapped through at the open fills at the open.
// @ts-ignore: decorator
@inline export function stopPrice(pos: f64, anchor: f64, stop: f64, open: f64, low: f64, high: f64, hitBelow: bool): f64 {
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

// The reference's two-stop adjustment (reference-data/README.md): each bar, the tighter of the
// fixed level (entry close) and the trailing one (running peak/trough), expressed as a trailing
// fraction of the peak/trough; the level is then recomputed from it, as vectorbt does.

// @ts-ignore: decorator
@inline export function trailIsTighter(pos: f64, init: f64, peak: f64, sl: f64, tsl: f64): bool {
  return pos > 0 ? peak * (1 - tsl) >= init * (1 - sl) : peak * (1 + tsl) <= init * (1 + sl);
}

// @ts-ignore: decorator
@inline export function twoStopFraction(pos: f64, init: f64, peak: f64, sl: f64, tsl: f64, trailTighter: bool): f64 {
  if (trailTighter) return tsl;
  return pos > 0 ? 1 - (init * (1 - sl)) / peak : (init * (1 + sl)) / peak - 1;
}

// The loss-stop and take-profit levels vectorbt tests (get_stop_price_nb), NaN when off.
// @ts-ignore: decorator
@inline export function lossLevel(pos: f64, anchor: f64, stop: f64): f64 {
  return pos > 0 ? anchor * (1 - stop) : anchor * (1 + stop);
}

// @ts-ignore: decorator
@inline export function profitLevel(pos: f64, anchor: f64, stop: f64): f64 {
  return pos > 0 ? anchor * (1 + stop) : anchor * (1 - stop);
}

// The loss level after the running peak/trough moved, for the in-position loop (kept out of its
// body: the loop's registers are better spent on the accumulators).
export let trailPos: f64 = 0;
export let trailInit: f64 = 0;
export let trailSl: f64 = 0;
export let trailTsl: f64 = 0;
export let trailTwoStop = false;
export let trailStop: f64 = 0;

// The levels' inputs for the position about to run through positionLoop.
export function setTrail(pos: f64, init: f64, sl: f64, tsl: f64, twoStop: bool, stop: f64): void {
  trailPos = pos; trailInit = init; trailSl = sl; trailTsl = tsl; trailTwoStop = twoStop;
  trailStop = stop;
}

export function trailLossLevel(peak: f64): f64 {
  if (trailTwoStop) {
    trailStop = twoStopFraction(trailPos, trailInit, peak, trailSl, trailTsl,
      trailIsTighter(trailPos, trailInit, peak, trailSl, trailTsl));
  }
  return lossLevel(trailPos, peak, trailStop);
}
