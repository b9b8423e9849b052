// The last check before anything is published: a NaN or an infinity in a trade or a daily value is
// simrun's own failure (inputs and settings are validated), so it is an internal error — exit 3,
// no file — never a SimrunError and never a parquet file with a NaN in it.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkFinite, firstNonFinite } from '../../src/engine/run-kernel.js';
import { reportError, SimrunError } from '../../src/errors.js';
import type { TradeRecords } from '../../src/records.js';

function records(n: number): TradeRecords {
  const f = () => Float64Array.from({ length: n }, (_, i) => 1 + i);
  return {
    length: n, strategy: new Int32Array(n).fill(2), tradeId: new Int32Array(n), direction: new Uint8Array(n),
    status: new Uint8Array(n), exitReason: new Uint8Array(n), entryIdx: new Int32Array(n), exitIdx: new Int32Array(n),
    entryPrice: f(), entryFees: f(), exitPrice: f(), exitFees: f(), size: f(), pnl: f(), return: f(),
    offsets: new Int32Array([0, 0, 0, n]),
  };
}

describe('outputs are checked finite before they are published', () => {
  it('finds the first NaN or ±inf, and only those', () => {
    expect(firstNonFinite(Float64Array.from([1, -0, 1e308, -1e308, 5e-324]))).toBe(-1);
    expect(firstNonFinite(new Float64Array(0))).toBe(-1);
    expect(firstNonFinite(Float64Array.from([1, 2, NaN, Infinity]))).toBe(2);
    expect(firstNonFinite(Float64Array.from([1, -Infinity]))).toBe(1);
  });

  it('an infinite size, a NaN PnL or price, a NaN daily value: an internal error (exit 3) naming the field', () => {
    expect(() => checkFinite(records(5), Float64Array.from([1, 2]))).not.toThrow();
    for (const [field, bad] of [['size', Infinity], ['pnl', NaN], ['entryPrice', NaN], ['exitPrice', -Infinity]] as const) {
      const rec = records(5);
      rec[field][3] = bad;
      let err: unknown;
      try {
        checkFinite(rec, new Float64Array(0));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(SimrunError);
      expect((err as Error).message).toMatch(new RegExp(`produced ${bad} in \\w+ of trade 3 \\(strategy #2\\)`));
      const sink = new PassThrough();
      let text = '';
      sink.on('data', (d) => (text += d));
      expect(reportError(err, sink)).toBe(3);
      expect(text).toMatch(/^simrun: internal error: /);
    }
    expect(() => checkFinite(records(1), Float64Array.from([1, NaN]))).toThrow(/NaN in the daily value at index 1/);
  });
});
