// Arrow bit runs → one 0/1 byte per row: the tests' plain view of a signal column (the kernel reads
// the bits themselves, src/engine/signal-bits.ts).
import type { BitColumn } from '../../src/batch/read.js';

/** LUT[b] holds the 8 bytes (b>>0)&1 … (b>>7)&1 as one float64 bit pattern (never a NaN: bytes are 0/1). */
const LUT = new Float64Array(256);
{
  const bytes = new Uint8Array(LUT.buffer);
  for (let b = 0; b < 256; b++) for (let k = 0; k < 8; k++) bytes[b * 8 + k] = (b >> k) & 1;
}

function unpackChunk(bits: Uint8Array, bitOffset: number, n: number, dst: Uint8Array, pos: number): void {
  let i = 0;
  // head: single bits until the destination is 8-byte aligned
  const mis = (dst.byteOffset + pos) & 7;
  const head = Math.min(n, mis === 0 ? 0 : 8 - mis);
  for (; i < head; i++) {
    const p = bitOffset + i;
    dst[pos + i] = (bits[p >> 3] >> (p & 7)) & 1;
  }
  const groups = (n - i) >> 3;
  if (groups > 0) {
    const out = new Float64Array(dst.buffer, dst.byteOffset + pos + i, groups);
    const p = bitOffset + i;
    const k = p >> 3;
    const s = p & 7;
    if (s === 0) {
      for (let g = 0; g < groups; g++) out[g] = LUT[bits[k + g]];
    } else {
      const t = 8 - s;
      for (let g = 0; g < groups; g++) out[g] = LUT[((bits[k + g] >> s) | (bits[k + g + 1] << t)) & 0xff];
    }
    i += groups * 8;
  }
  for (; i < n; i++) {
    const p = bitOffset + i;
    dst[pos + i] = (bits[p >> 3] >> (p & 7)) & 1;
  }
}

/** Total rows of a bit column. */
export function bitColumnLength(col: BitColumn): number {
  let n = 0;
  for (const c of col) n += c.length;
  return n;
}

/** Writes one 0/1 byte per row of `col` into `dst[0 .. rows)`. */
export function unpackBits(col: BitColumn, dst: Uint8Array): void {
  const total = bitColumnLength(col);
  if (dst.length < total) throw new RangeError(`unpackBits: destination holds ${dst.length} bytes, column has ${total} rows`);
  let pos = 0;
  for (const c of col) {
    unpackChunk(c.bits, c.bitOffset, c.length, dst, pos);
    pos += c.length;
  }
}
