// Entry signals as the kernel reads them: one bit per bar, bar i at byte i >> 3, bit i & 7 (the
// order Arrow packs booleans in), in buffers the host has zeroed. A full longshort batch takes
// 2 × 179 × 1.1 M bits = 50 MB instead of 400 MB as bytes, and is copied from Arrow's bitmaps
// byte by byte instead of unpacked bar by bar.

/** A run of bits: `length` bits of `bits` from bit `bitOffset` (an Arrow boolean chunk). */
export interface BitRun {
  bits: Uint8Array;
  bitOffset: number;
  length: number;
}

/**
 * Copies the runs one after the other into `dst` from bit 0, at most `limit` bits in all. `dst`
 * must be zeroed: bits are OR-ed in, and no bit past the last copied one is touched.
 */
export function copyBits(runs: readonly BitRun[], dst: Uint8Array, limit = Infinity): void {
  let at = 0;
  for (const r of runs) {
    if (at >= limit) break;
    const n = Math.min(r.length, limit - at);
    if (n === 0) continue;
    if (at + n > dst.length * 8) throw new RangeError(`copyBits: ${at + n} bits do not fit in ${dst.length} bytes`);
    copyRun(r.bits, r.bitOffset, n, dst, at);
    at += n;
  }
}

function copyRun(src: Uint8Array, srcBit: number, n: number, dst: Uint8Array, dstBit: number): void {
  let i = 0;
  // single bits until the destination is at a byte boundary
  for (; i < n && ((dstBit + i) & 7) !== 0; i++) {
    const p = srcBit + i;
    const d = dstBit + i;
    dst[d >> 3] |= ((src[p >> 3] >> (p & 7)) & 1) << (d & 7);
  }
  // whole destination bytes: the source's bytes, shifted into place
  const bytes = (n - i) >> 3;
  const q = (srcBit + i) >> 3;
  const k = (dstBit + i) >> 3;
  const s = (srcBit + i) & 7;
  if (s === 0) {
    dst.set(src.subarray(q, q + bytes), k);
  } else {
    const t = 8 - s;
    for (let b = 0; b < bytes; b++) dst[k + b] = ((src[q + b] >> s) | (src[q + b + 1] << t)) & 0xff;
  }
  i += bytes * 8;
  // the last bits one by one (nothing past bit n is written)
  for (; i < n; i++) {
    const p = srcBit + i;
    const d = dstBit + i;
    dst[d >> 3] |= ((src[p >> 3] >> (p & 7)) & 1) << (d & 7);
  }
}

/** Packs 0/1 values (one per bar) into the zeroed `dst`. */
export function packBits(values: ArrayLike<number>, dst: Uint8Array): void {
  if (values.length > dst.length * 8) throw new RangeError(`packBits: ${values.length} bits do not fit in ${dst.length} bytes`);
  const n = values.length;
  const whole = n >> 3;
  for (let k = 0; k < whole; k++) {
    const i = k << 3;
    dst[k] = (values[i] & 1) | ((values[i + 1] & 1) << 1) | ((values[i + 2] & 1) << 2) | ((values[i + 3] & 1) << 3) |
      ((values[i + 4] & 1) << 4) | ((values[i + 5] & 1) << 5) | ((values[i + 6] & 1) << 6) | ((values[i + 7] & 1) << 7);
  }
  for (let i = whole << 3; i < n; i++) dst[i >> 3] |= (values[i] & 1) << (i & 7);
}

/** Bytes of one column's signal bits: whole 16-byte blocks, plus one more so word loads past the last bar stay inside. */
export function signalBytes(nBars: number): number {
  return Math.ceil(nBars / 128) * 16 + 16;
}
