// Output columns read back as codes and float64s, whatever Arrow shape the file gave them.
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { groupByCode, numbers, requireColumn, stringCodes, strings } from '../src/columns.js';
import { expectSimrunError } from './batch/fixtures.js';

const utf8 = (values: (string | null)[]) => arrow.vectorFromArray(values, new arrow.Utf8());

describe('stringCodes', () => {
  it('maps Utf8 rows to codes into the names, appending unknown values in order of appearance', () => {
    const t = new arrow.Table({ s: utf8(['b', 'b', 'a', 'zz', 'a', 'b', 'y', 'zz', 'b']) });
    const r = stringCodes(t, 's', ['a', 'b'], 'f.parquet');
    expect([...r.codes]).toEqual([1, 1, 0, 2, 0, 1, 3, 2, 1]);
    expect(r.names).toEqual(['a', 'b', 'zz', 'y']);
  });

  it('tells apart values of equal length and reads every chunk and slice', () => {
    const whole = utf8(['ab', 'ab', 'ba', 'ba', 'ab', 'ü', 'ü']);
    const t = new arrow.Table({ s: whole.slice(1, 3).concat(whole.slice(3)) });
    const r = stringCodes(t, 's', ['ab', 'ba'], 'f');
    expect([...r.codes]).toEqual([0, 1, 1, 0, 2, 2]);
    expect(r.names).toEqual(['ab', 'ba', 'ü']);
  });

  it('maps a dictionary column through its values, and nulls to the empty string', () => {
    const dict = arrow.vectorFromArray(['x', 'y', null, 'x', 'y'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
    const r = stringCodes(new arrow.Table({ s: dict }), 's', ['y'], 'f');
    expect(r.codes.length).toBe(5);
    expect(Array.from(r.codes, (c) => r.names[c])).toEqual(['x', 'y', '', 'x', 'y']);
    expect(strings(new arrow.Table({ s: utf8(['p', null, 'q']) }), 's', 'f')).toEqual(['p', '', 'q']);
  });

  it('rejects a non-string column, naming the file', () => {
    const t = new arrow.Table({ s: arrow.makeVector(Float64Array.from([1])) });
    expectSimrunError(() => stringCodes(t, 's', [], 'f.parquet'), 'bad-schema', 'f.parquet', 'column "s" is float64, expected string');
  });
});

describe('numbers', () => {
  it('reads int64 exactly (negative, past 2^32), other ints and floats, nulls as NaN', () => {
    const t = new arrow.Table({
      i: arrow.makeVector(BigInt64Array.from([-1n, 0n, 5_000_000_000n, -(2n ** 52n)])),
      u: arrow.makeVector(Uint32Array.from([0, 4_000_000_000, 7, 1])),
      f: arrow.vectorFromArray([1.5, null, -0, 3], new arrow.Float32()),
    });
    expect([...numbers(t, 'i', 'f')]).toEqual([-1, 0, 5_000_000_000, -(2 ** 52)]);
    expect([...numbers(t, 'u', 'f')]).toEqual([0, 4_000_000_000, 7, 1]);
    expect([...numbers(t, 'f', 'f')]).toEqual([1.5, NaN, -0, 3]);
  });

  it('names the missing column and the file', () => {
    const t = new arrow.Table({ a: utf8(['x']) });
    expectSimrunError(() => numbers(t, 'b', 'f.parquet'), 'bad-schema', 'f.parquet', 'missing column "b" (columns: a)');
    expectSimrunError(() => requireColumn(t, 'c', 'g'), 'bad-schema', 'g', 'missing column "c"');
    expectSimrunError(() => numbers(t, 'a', 'f.parquet'), 'bad-schema', 'f.parquet', 'expected a number');
  });
});

describe('groupByCode', () => {
  it('groups rows by code, keeping file order within a group', () => {
    const { start, rows } = groupByCode(Int32Array.from([2, 0, 2, 1, 0, 2]), 4);
    expect([...start]).toEqual([0, 2, 3, 6, 6]);
    expect([...rows]).toEqual([1, 4, 3, 0, 2, 5]);
  });
});
