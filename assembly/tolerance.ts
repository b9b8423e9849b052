// vectorbt's float tolerance helpers (rtol 1e-9, atol 1e-12) and its near-zero snapping (add_nb).

const RTOL: f64 = 1e-9;
const ATOL: f64 = 1e-12;

// numpy's isclose without NaN/inf matches: |a − b| <= max(rtol·max(|a|, |b|), atol), both finite.
// (A NaN makes the difference NaN and the test false; equal infinities too; only unequal ones need
// the finiteness test, so it comes last, after the cheap comparison.)
// @ts-ignore: decorator
@inline export function isClose(a: f64, b: f64): bool {
  return Math.abs(a - b) <= Math.max(RTOL * Math.max(Math.abs(a), Math.abs(b)), ATOL) && isFinite(a) && isFinite(b);
}

// isClose(a, 0), exactly: for a ≠ 0, |a| <= rtol·|a| never holds, so only atol is left (a NaN or an
// infinity fails the comparison itself).
// @ts-ignore: decorator
@inline export function isCloseZero(a: f64): bool {
  return Math.abs(a) <= ATOL;
}

// @ts-ignore: decorator
@inline export function isCloseOrLess(a: f64, b: f64): bool {
  return isClose(a, b) || a < b;
}

// @ts-ignore: decorator
@inline export function isLess(a: f64, b: f64): bool {
  return !isClose(a, b) && a < b;
}

// @ts-ignore: decorator
@inline export function sign(a: f64): f64 {
  return a > 0 ? 1.0 : a < 0 ? -1.0 : a; // keeps NaN and ±0 like numpy
}

// addNb(a, 0): what a bar without an order does to a running balance.
// @ts-ignore: decorator
@inline export function snapZero(a: f64): f64 {
  return Math.abs(a) <= ATOL ? 0.0 : a;
}

// a + b, snapped to 0 when the sum is within tolerance of zero.
// @ts-ignore: decorator
@inline export function addNb(a: f64, b: f64): f64 {
  const zero = sign(a) != sign(b) ? isClose(Math.abs(a), Math.abs(b)) : isCloseZero(a + b);
  return zero ? 0.0 : a + b;
}
