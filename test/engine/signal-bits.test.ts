// Signal bits for the kernel: copyBits (Arrow bit runs at any offsets, one after the other) and
// packBits (0/1 values) against a plain bit-by-bit statement, bit for bit, writing nothing past
// the last bit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyBits, packBits, signalBytes, type BitRun } from '../../src/engine/signal-bits.js';

const bitOf = (bytes: Uint8Array, i: number) => (bytes[i >> 3] >> (i & 7)) & 1;

/** A run holding `values` from bit `offset` of random bytes (garbage around it, as in Arrow buffers). */
function runOf(values: number[], offset: number, noise: number[]): BitRun {
  const bits = new Uint8Array(Math.ceil((offset + values.length) / 8) + 1);
  for (let k = 0; k < bits.length; k++) bits[k] = noise[k % noise.length];
  values.forEach((v, i) => {
    const p = offset + i;
    bits[p >> 3] = (bits[p >> 3] & ~(1 << (p & 7))) | (v << (p & 7));
  });
  return { bits, bitOffset: offset, length: values.length };
}

describe('copyBits', () => {
  it('copies runs at any bit offsets one after the other, bit for bit, and nothing past them', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ values: fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 90 }), offset: fc.integer({ min: 0, max: 7 }) }),
        { minLength: 1, maxLength: 5 }),
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: 400 }),
      (parts, noise, limit) => {
        const all = parts.flatMap((p) => p.values);
        const runs = parts.map((p) => runOf(p.values, p.offset, noise));
        const dst = new Uint8Array(Math.ceil(all.length / 8) + 2);
        copyBits(runs, dst, limit);
        const n = Math.min(all.length, limit);
        for (let i = 0; i < dst.length * 8; i++) expect(bitOf(dst, i)).toBe(i < n ? all[i] : 0);
      }), { numRuns: 500 });
  });

  it('refuses a destination too small', () => {
    expect(() => copyBits([{ bits: new Uint8Array(3), bitOffset: 0, length: 20 }], new Uint8Array(2))).toThrow(RangeError);
  });
});

describe('packBits', () => {
  it('packs 0/1 values LSB first, nothing past the last', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 200 }), (values) => {
      const dst = new Uint8Array(Math.ceil(values.length / 8) + 1);
      packBits(Uint8Array.from(values), dst);
      for (let i = 0; i < dst.length * 8; i++) expect(bitOf(dst, i)).toBe(i < values.length ? values[i] : 0);
    }), { numRuns: 300 });
  });
});

describe('signalBytes', () => {
  it('leaves room for an 8-byte word load at every bar, in 16-byte blocks', () => {
    for (const n of [1, 63, 64, 65, 127, 128, 129, 1_112_627]) {
      const bytes = signalBytes(n);
      expect(bytes % 16).toBe(0);
      expect(((n - 1) >> 6) * 8 + 8).toBeLessThanOrEqual(bytes);
      expect(bytes).toBeGreaterThanOrEqual(Math.ceil(n / 8));
    }
  });
});
