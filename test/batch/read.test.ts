import fs from 'node:fs';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';

import {
  arrowTypeName,
  barsFromTable,
  readBars,
  readParams,
  readParamsFile,
  readParquetTable,
  readSignals,
  signalsFromTable,
  type BitChunk,
  type BitColumn,
} from '../../src/batch/read.js';
import { bitColumnLength, unpackBits } from './unpack-bits.js';
import { tableToParquet } from '../../src/batch/write.js';
import { SETTING_OF_COLUMN } from '../../src/settings.js';
import {
  barsTable,
  boolVector,
  cleanupTmpDirs,
  expectSimrunError,
  expectSimrunErrorAsync,
  MINUTE_MS,
  rng,
  signalsTable,
  T0_MS,
  timestampVector,
  tmpDir,
  writeFile,
  writeTable,
  type Unit,
} from './fixtures.js';

afterAll(cleanupTmpDirs);

const dir = tmpDir();
let fileNo = 0;
function file(name: string): string {
  return path.join(dir, `${fileNo++}`, name);
}

function unpack(col: BitColumn): number[] {
  const dst = new Uint8Array(bitColumnLength(col));
  unpackBits(col, dst);
  return Array.from(dst);
}

// ---------------------------------------------------------------------------------------------

describe('readParquetTable', () => {
  it('round-trips a table through parquet in one record batch', () => {
    const n = 5000; // more than parquet-wasm's default batch size of 1024
    const f = writeTable(file('t.parquet'), barsTable({ n }));
    const t = readParquetTable(f);
    expect(t.numRows).toBe(n);
    expect(t.batches).toHaveLength(1);
    expect(t.schema.fields.map((x) => x.name)).toEqual(['timestamp', 'open', 'high', 'low', 'close', 'volume']);
  });

  it('reports a missing file', () => {
    const f = path.join(dir, 'nope', 'ohlcv.parquet');
    const e = expectSimrunError(() => readParquetTable(f), 'missing-file', f, 'not found');
    expect(e.file).toBe(f);
  });

  it('reports an unreadable file (a directory)', () => {
    const d = path.join(dir, 'adir.parquet');
    fs.mkdirSync(d, { recursive: true });
    expectSimrunError(() => readParquetTable(d), 'unreadable-file', d);
  });

  it('reports garbage, truncated and empty files as corrupt parquet, in one line', () => {
    const good = tableToParquet(barsTable({ n: 200 }));
    const cases: Record<string, Uint8Array> = {
      'garbage.parquet': new TextEncoder().encode('this is not parquet at all, not even close'),
      'truncated.parquet': good.subarray(0, Math.floor(good.length / 2)),
      'tiny.parquet': new Uint8Array([0x50, 0x41]),
      'empty.parquet': new Uint8Array(0),
      'nofooter.parquet': good.subarray(0, good.length - 4),
      'badfooter.parquet': (() => {
        const b = Uint8Array.from(good);
        b.fill(0xff, b.length - 48, b.length - 8);
        return b;
      })(),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const f = writeFile(file(name), bytes);
      const e = expectSimrunError(() => readParquetTable(f), 'corrupt-parquet', f, 'parquet');
      expect(e.message).not.toMatch(/wasm|\bat /);
    }
    // the decoder still works after errors
    expect(readParquetTable(writeFile(file('ok.parquet'), good)).numRows).toBe(200);
  });

  it('names arrow types pyarrow-style', () => {
    expect(arrowTypeName(new arrow.Int64())).toBe('int64');
    expect(arrowTypeName(new arrow.Uint8())).toBe('uint8');
    expect(arrowTypeName(new arrow.Float64())).toBe('float64');
    expect(arrowTypeName(new arrow.Float32())).toBe('float32');
    expect(arrowTypeName(new arrow.Bool())).toBe('boolean');
    expect(arrowTypeName(new arrow.Utf8())).toBe('string');
    expect(arrowTypeName(new arrow.TimestampNanosecond('UTC'))).toBe('timestamp[ns, tz=UTC]');
    expect(arrowTypeName(new arrow.TimestampMillisecond())).toBe('timestamp[ms]');
  });
});

// ---------------------------------------------------------------------------------------------

describe('readBars', () => {
  const times = [
    T0_MS,
    T0_MS + MINUTE_MS,
    T0_MS + 2 * MINUTE_MS,
    T0_MS + 10 * MINUTE_MS, // a gap
    T0_MS + 11 * MINUTE_MS,
  ];

  for (const unit of ['s', 'ms', 'us', 'ns'] as Unit[]) {
    for (const tz of ['UTC', 'America/Chicago', null]) {
      it(`converts timestamp[${unit}${tz ? `, tz=${tz}` : ''}] to UTC epoch ms`, () => {
        const f = writeTable(file('ohlcv.parquet'), barsTable({ times, unit, tz }));
        const bars = readBars(f);
        expect(Array.from(bars.time)).toEqual(times);
        expect(bars.time).toBeInstanceOf(Float64Array);
        expect(bars.close).toBeInstanceOf(Float64Array);
        expect(bars.close.length).toBe(times.length);
      });
    }
  }

  it('converts exactly far from the epoch, negative and large, in every unit', () => {
    const far = [-62_135_596_800_000, -86_400_000, -1000, 0, 1000, 4_102_444_800_000, 253_402_300_799_000];
    for (const unit of ['s', 'ms', 'us', 'ns'] as Unit[]) {
      const usable = unit === 'ns' ? far.filter((t) => Math.abs(t) < 9.2e12) : far;
      const t = barsTable({ times: usable, unit });
      expect(Array.from(barsFromTable(t, 'mem').time), unit).toEqual(usable);
    }
  });

  it('refuses times that are not whole milliseconds with one bad-value line naming the row', () => {
    // (these once became fractional ms and crashed later with a BigInt RangeError)
    for (const [unit, raw] of [
      ['ns', [1_000_000_000_000_000_000n, 1_000_000_000_001_000_000n, 1_000_000_000_002_500_000n]],
      ['us', [-1_000_000n, -999_000n, -998_001n]],
    ] as const) {
      const type = unit === 'ns' ? new arrow.TimestampNanosecond('UTC') : new arrow.TimestampMicrosecond('UTC');
      const ts = arrow.makeVector(arrow.makeData({ type, length: 3, nullCount: 0, data: new BigInt64Array(raw) }));
      expectSimrunError(() => barsFromTable(barsTable({ n: 3, override: { timestamp: ts } }), 'mem'), 'bad-value',
        'mem', 'not a whole millisecond at row 2');
    }
  });

  it('returns the price columns as float64 and accepts float32 and a missing volume', () => {
    const close = [10, 11, 12.5, 12, 11];
    const t = barsTable({
      close,
      drop: ['volume'],
      override: { close: arrow.makeVector(Float32Array.from(close)) },
    });
    const bars = readBars(writeTable(file('ohlcv.parquet'), t));
    expect(Array.from(bars.close)).toEqual(close);
    expect(Array.from(bars.open)).toEqual([10, 10, 11, 12.5, 12]);
    expect(Array.from(bars.high)).toEqual([10.25, 11.25, 12.75, 12.75, 12.25]);
    expect(Array.from(bars.low)).toEqual([9.75, 9.75, 10.75, 11.75, 10.75]);
  });

  it('finds its columns by name in any order, and takes integer prices as numbers', () => {
    const close = [10, 11, 12, 12, 11];
    const base = barsTable({ close });
    const t = new arrow.Table({
      extra: arrow.vectorFromArray(['a', 'b', 'c', 'd', 'e'], new arrow.Utf8()),
      close: arrow.makeVector(Int32Array.from(close)),
      low: base.getChild('low')!,
      timestamp: base.getChild('timestamp')!,
      high: base.getChild('high')!,
      open: arrow.makeVector(BigInt64Array.from([10, 10, 11, 12, 12], BigInt)),
    });
    const bars = readBars(writeTable(file('ohlcv.parquet'), t));
    expect(Array.from(bars.close)).toEqual(close);
    expect(Array.from(bars.open)).toEqual([10, 10, 11, 12, 12]);
    expect(Array.from(bars.time)).toEqual(Array.from(barsFromTable(base, 'mem').time));
  });

  it('reads multi-chunk tables', () => {
    const t = barsTable({ n: 30 });
    const chunked = new arrow.Table([...t.slice(0, 7).batches, ...t.slice(7, 20).batches, ...t.slice(20).batches]);
    expect(chunked.batches.length).toBe(3);
    const a = barsFromTable(t, 'a');
    const b = barsFromTable(chunked, 'b');
    expect(b).toEqual(a);
  });

  it('rejects missing columns', () => {
    for (const col of ['timestamp', 'open', 'high', 'low', 'close']) {
      const f = writeTable(file('ohlcv.parquet'), barsTable({ drop: [col] }));
      expectSimrunError(() => readBars(f), 'bad-schema', f, `missing column "${col}"`);
    }
  });

  it('rejects columns of the wrong type', () => {
    const n = 10;
    let f = writeTable(
      file('ohlcv.parquet'),
      barsTable({ n, override: { close: arrow.vectorFromArray(Array.from({ length: n }, () => 'x'), new arrow.Utf8()) } }),
    );
    expectSimrunError(() => readBars(f), 'bad-schema', f, 'column "close" is string, expected float64');
    f = writeTable(
      file('ohlcv.parquet'),
      barsTable({ n, override: { timestamp: arrow.makeVector(BigInt64Array.from({ length: n }, (_, i) => BigInt(i))) } }),
    );
    expectSimrunError(() => readBars(f), 'bad-schema', f, 'column "timestamp" is int64, expected a timestamp');
  });

  it('rejects nulls', () => {
    const close = arrow.vectorFromArray([100, 101, 102, null, 101, 100], new arrow.Float64());
    const f = writeTable(file('ohlcv.parquet'), barsTable({ n: 6, override: { close } }));
    expectSimrunError(() => readBars(f), 'bad-value', f, 'column "close" has a null at row 3');
    const ts = arrow.vectorFromArray([new Date(T0_MS), null], new arrow.TimestampMillisecond('UTC'));
    const g = writeTable(file('ohlcv.parquet'), barsTable({ n: 2, override: { timestamp: ts } }));
    expectSimrunError(() => readBars(g), 'bad-value', g, 'column "timestamp" has a null at row 1');
  });

  it('rejects NaN, infinite, zero and negative prices, naming column and row', () => {
    const cases: Array<[string, number, string]> = [
      ['close', NaN, 'a NaN'],
      ['open', Infinity, 'an infinite value (Infinity)'],
      ['high', -Infinity, 'an infinite value (-Infinity)'],
      ['low', 0, 'a non-positive value (0)'],
      ['close', -2, 'a non-positive value (-2)'],
    ];
    for (const [col, value, what] of cases) {
      const t = barsTable({ n: 8 });
      const vals = Float64Array.from(t.getChild(col)!.toArray() as Float64Array);
      vals[6] = value;
      const f = writeTable(file('ohlcv.parquet'), barsTable({ n: 8, override: { [col]: arrow.makeVector(vals) } }));
      expectSimrunError(() => readBars(f), 'bad-value', f, `column "${col}" has ${what} at row 6`);
    }
  });

  it('rejects low above min(open, close) and high below max(open, close)', () => {
    const base = { open: [10, 10, 10], close: [10, 11, 9], high: [10, 11, 10], low: [10, 10, 9] };
    let f = writeTable(file('ohlcv.parquet'), barsTable({ ...base, times: [0, 60e3, 120e3], low: [10, 10, 9.5] }));
    expectSimrunError(() => readBars(f), 'bad-value', f, 'row 2: low 9.5 is above min(open 10, close 9)');
    f = writeTable(file('ohlcv.parquet'), barsTable({ ...base, times: [0, 60e3, 120e3], high: [10, 10.5, 10] }));
    expectSimrunError(() => readBars(f), 'bad-value', f, 'row 1: high 10.5 is below max(open 10, close 11)');
    // equal is fine
    expect(readBars(writeTable(file('ohlcv.parquet'), barsTable({ ...base, times: [0, 60e3, 120e3] }))).close[1]).toBe(11);
  });

  it('rejects timestamps that are not strictly increasing, naming the first offending row', () => {
    const dup = [T0_MS, T0_MS + MINUTE_MS, T0_MS + 2 * MINUTE_MS, T0_MS + 2 * MINUTE_MS, T0_MS + 3 * MINUTE_MS];
    let f = writeTable(file('ohlcv.parquet'), barsTable({ times: dup }));
    expectSimrunError(
      () => readBars(f),
      'bad-value',
      f,
      'column "timestamp" is not strictly increasing at row 3',
      '2024-01-01T00:02:00.000Z then 2024-01-01T00:02:00.000Z',
    );
    const back = [T0_MS, T0_MS + MINUTE_MS, T0_MS - MINUTE_MS];
    f = writeTable(file('ohlcv.parquet'), barsTable({ times: back, unit: 'us' }));
    expectSimrunError(() => readBars(f), 'bad-value', f, 'not strictly increasing at row 2');
    // 1 ms apart in nanoseconds is increasing
    const ns = new BigInt64Array([10n ** 18n, 10n ** 18n + 1_000_000n]);
    const ts = arrow.makeVector(arrow.makeData({ type: new arrow.TimestampNanosecond(), length: 2, nullCount: 0, data: ns }));
    expect(barsFromTable(barsTable({ n: 2, override: { timestamp: ts } }), 'mem').time.length).toBe(2);
    // a step back across the epoch (the high word changes sign) is caught
    const neg = timestampVector([1000, -1000], 'ms');
    expectSimrunError(() => barsFromTable(barsTable({ n: 2, override: { timestamp: neg } }), 'mem'), 'bad-value', 'row 1');
  });

  it('rejects an empty table', () => {
    const f = writeTable(file('ohlcv.parquet'), barsTable({ n: 0 }));
    expectSimrunError(() => readBars(f), 'bad-value', f, 'has no rows');
  });

  it('reports missing and corrupt files', () => {
    const f = path.join(dir, 'missing', 'ohlcv.parquet');
    expectSimrunError(() => readBars(f), 'missing-file', f);
    const g = writeFile(file('ohlcv.parquet'), 'PAR1 nonsense PAR1');
    expectSimrunError(() => readBars(g), 'corrupt-parquet', g);
  });
});

// ---------------------------------------------------------------------------------------------

describe('readParams', () => {
  function params(text: string | Uint8Array): string {
    return writeFile(file('params.csv'), text);
  }

  it('parses stops, empty cells as NaN, and extra columns in order', () => {
    const f = params(
      'strategy,tp_stop,sl_stop,tsl_stop,family,note\n' +
        's000,0.015,,0.02,rsi,"a, quoted ""note"""\n' +
        's001,,,,ema,\n' +
        's002, 0.5 ,1e-3,.25,x,y\n',
    );
    const p = readParams(f);
    expect(p).toHaveLength(3);
    expect(p[0]).toEqual({ strategy: 's000', tpStop: 0.015, slStop: NaN, tslStop: 0.02, settings: {}, extra: new Map([['family', 'rsi'], ['note', 'a, quoted "note"']]) });
    expect(p[1]).toEqual({ strategy: 's001', tpStop: NaN, slStop: NaN, tslStop: NaN, settings: {}, extra: new Map([['family', 'ema'], ['note', '']]) });
    expect(p[2]).toMatchObject({ strategy: 's002', tpStop: 0.5, slStop: 0.001, tslStop: 0.25 });
    expect([...p[0].extra.keys()]).toEqual(['family', 'note']);
  });

  it('accepts CRLF, a BOM, blank lines and no trailing newline', () => {
    const text = '\ufeffstrategy,tp_stop,sl_stop,tsl_stop\r\na,0.1,0.2,0.3\r\n\r\nb,,,0.05';
    const p = readParams(params(text));
    expect(p.map((x) => x.strategy)).toEqual(['a', 'b']);
    expect(p[1].tslStop).toBe(0.05);
    expect(p[0].extra.size).toBe(0);
    // line numbers in messages count the blank lines
    const g = params('strategy,tp_stop,sl_stop,tsl_stop\r\n\r\na,0.1,,\r\n\r\nb,2,,\r\n');
    expectSimrunError(() => readParams(g), 'bad-params', g, 'line 5 (strategy "b")');
  });

  it('rejects a wrong or incomplete header', () => {
    let f = params('name,tp_stop,sl_stop,tsl_stop\na,0.1,0.1,0.1\n');
    expectSimrunError(() => readParams(f), 'bad-params', f, 'header must start with strategy,tp_stop,sl_stop,tsl_stop', 'name,tp_stop');
    f = params('strategy,tp_stop,sl_stop\na,0.1,0.1\n');
    expectSimrunError(() => readParams(f), 'bad-params', f, 'header must start with');
    f = params('strategy,sl_stop,tp_stop,tsl_stop\na,0.1,0.1,0.1\n');
    expectSimrunError(() => readParams(f), 'bad-params', f, 'header must start with');
    f = params('strategy,tp_stop,sl_stop,tsl_stop,x,x\na,0.1,0.1,0.1,1,2\n');
    expectSimrunError(() => readParams(f), 'bad-params', f, 'column "x" twice');
    f = params('strategy,tp_stop,sl_stop,tsl_stop,\na,0.1,0.1,0.1,\n');
    expectSimrunError(() => readParams(f), 'bad-params', f, 'header column 5 has no name');
  });

  it('rejects an empty file and a header without rows', () => {
    let f = params('');
    expectSimrunError(() => readParams(f), 'bad-params', f, 'is empty');
    f = params('strategy,tp_stop,sl_stop,tsl_stop\n');
    expectSimrunError(() => readParams(f), 'bad-params', f, 'no strategy rows');
  });

  it('rejects out-of-range and non-numeric stops, naming line, strategy and column', () => {
    const frac = 'not a fraction in (0, 1)';
    const nan = 'not a number';
    const cases: Array<[string, string]> = [
      ['1', frac],
      ['0', frac],
      ['-0.1', frac],
      ['1.5', frac],
      ['abc', nan],
      ['NaN', nan],
      ['Infinity', nan],
      ['0x1', nan],
      ['5%', nan],
      ['1e400', nan],
    ];
    for (const [cell, what] of cases) {
      const f = params(`strategy,tp_stop,sl_stop,tsl_stop\nok,0.1,0.1,0.1\nbad,${cell},,\n`);
      expectSimrunError(() => readParams(f), 'bad-params', f, `line 3 (strategy "bad"), column tp_stop: "${cell}" is ${what}`);
    }
    const f = params('strategy,tp_stop,sl_stop,tsl_stop\ns,,,2\n');
    expectSimrunError(() => readParams(f), 'bad-params', f, 'line 2 (strategy "s"), column tsl_stop');
    const g = params('strategy,tp_stop,sl_stop,tsl_stop\ns,,1e5,\n');
    expectSimrunError(() => readParams(g), 'bad-params', g, 'column sl_stop: "1e5" is not a fraction');
  });

  it('rejects duplicate and empty strategy names', () => {
    let f = params('strategy,tp_stop,sl_stop,tsl_stop\na,,,\nb,,,\na,,,\n');
    expectSimrunError(() => readParams(f), 'bad-params', f, 'line 4: duplicate strategy "a" (first on line 2)');
    f = params('strategy,tp_stop,sl_stop,tsl_stop\na,,,\n,0.1,,\n');
    expectSimrunError(() => readParams(f), 'bad-params', f, 'line 3: empty strategy name');
    f = params('strategy,tp_stop,sl_stop,tsl_stop\n  ,0.1,,\n');
    expectSimrunError(() => readParams(f), 'bad-params', f, 'empty strategy name');
  });

  it('rejects malformed CSV (ragged rows, open quotes) in one line', () => {
    let f = params('strategy,tp_stop,sl_stop,tsl_stop\na,0.1,0.1\n');
    expectSimrunError(() => readParams(f), 'bad-params', f, 'not valid CSV');
    f = params('strategy,tp_stop,sl_stop,tsl_stop\n"a,0.1,0.1,0.1\n');
    expectSimrunError(() => readParams(f), 'bad-params', f, 'not valid CSV');
  });

  it('reports a missing file', () => {
    const f = path.join(dir, 'none', 'params.csv');
    expectSimrunError(() => readParams(f), 'missing-file', f);
  });
});

// ---------------------------------------------------------------------------------------------

describe('readParams: from_signals settings columns', () => {
  const params = (text: string) => writeFile(file('params.csv'), text);

  it('parses each setting column per strategy (empty cell: absent), names in vectorbt spelling, not as extra', () => {
    const f = params(
      'strategy,tp_stop,sl_stop,tsl_stop,family,fees,upon_opposite_entry,accumulate,size,price,init_cash\n' +
        's0,,,,a,0.001,close,TRUE,inf,open,5000\n' +
        's1,,,,b,,,,,,\n' +
        's2,,,,c, 0 ,reverseREDUCE,addonly,0.5,Close,1e6\n',
    );
    const { params: p, settingColumns } = readParamsFile(f);
    expect(settingColumns).toEqual(['fees', 'upon_opposite_entry', 'accumulate', 'size', 'price', 'init_cash']);
    expect(p[0].settings).toEqual({ fees: 0.001, uponOppositeEntry: 'Close', accumulate: 'Both', size: Infinity, price: 'Open', initCash: 5000 });
    expect(p[1].settings).toEqual({});
    expect(p[2].settings).toEqual({ fees: 0, uponOppositeEntry: 'ReverseReduce', accumulate: 'AddOnly', size: 0.5, price: 'Close', initCash: 1e6 });
    for (const x of p) expect([...x.extra.keys()]).toEqual(['family']);
    // every per-strategy setting has its column
    const all = [...SETTING_OF_COLUMN.keys()];
    expect(all.sort()).toEqual(['accumulate', 'fees', 'fixed_fees', 'init_cash', 'price', 'size', 'size_type', 'slippage',
      'stop_entry_price', 'stop_exit_price', 'upon_dir_conflict', 'upon_long_conflict', 'upon_opposite_entry',
      'upon_short_conflict', 'upon_stop_exit']);
  });

  it('refuses a bad value in one line naming the file, the strategy and the column', () => {
    const cases: Array<[column: string, cell: string, problem: string]> = [
      ['upon_opposite_entry', 'Flip', 'unknown value "Flip" (one of: Ignore, Close, CloseReduce, Reverse, ReverseReduce)'],
      ['accumulate', 'yes', 'unknown value "yes" (one of: Disabled, Both, AddOnly, RemoveOnly, or true/false)'],
      ['price', 'NextOpen', 'unknown value "NextOpen" (one of: Close, Open)'],
      ['size_type', 'TargetAmount', 'unknown value "TargetAmount" (one of: Amount, Value, Percent)'],
      ['upon_long_conflict', 'Long', 'unknown value "Long"'],
      ['upon_dir_conflict', 'Entry', 'unknown value "Entry"'],
      ['stop_entry_price', 'Open', 'unknown value "Open"'],
      ['stop_exit_price', 'Limit', 'unknown value "Limit"'],
      ['upon_stop_exit', 'Ignore', 'unknown value "Ignore"'],
      ['fees', '-0.1', 'must be a finite number ≥ 0, got -0.1'],
      ['fees', 'inf', 'must be a finite number ≥ 0, got Infinity'],
      ['fixed_fees', 'abc', 'must be a finite number ≥ 0 (cash per order), got "abc"'],
      ['slippage', '1', 'must be a fraction with 0 ≤ slippage < 1, got 1'],
      ['init_cash', '0', 'must be a number > 0 and ≤ 1000000000000000'],
      ['init_cash', '1e16', 'must be a number > 0 and ≤ 1000000000000000 (larger cash overflows float64 sizes and values), got 10000000000000000'],
      ['size', '-1', 'must be a number > 0'],
      ['size', 'nan', 'must be a number > 0'],
    ];
    for (const [column, cell, problem] of cases) {
      const f = params(`strategy,tp_stop,sl_stop,tsl_stop,${column}\ns0,,,,\ns3,0.1,,,${cell}\n`);
      expectSimrunError(() => readParams(f), 'bad-params', f, `strategy "s3", column "${column}": ${problem}`);
    }
  });
});

describe('readSignals', () => {
  const a = [1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0];
  const b = [0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0];
  const c = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const rows = a.length;

  it('reads a long batch in params order, short side null', async () => {
    const f = writeTable(file('signals.parquet'), signalsTable({ b, a }));
    const s = await readSignals(f, { rows, direction: 'long', strategies: ['a', 'b'] });
    expect(s.rows).toBe(rows);
    expect([...s.columns.keys()]).toEqual(['a', 'b']);
    expect(s.columns.get('a')!.short).toBeNull();
    expect(unpack(s.columns.get('a')!.long!)).toEqual(a);
    expect(unpack(s.columns.get('b')!.long!)).toEqual(b);
    // kept bit-packed: one byte holds 8 rows
    const chunk = s.columns.get('a')!.long![0];
    expect(chunk.bits.length).toBe(Math.ceil(rows / 8));
  });

  it('reads a short batch into the short side', async () => {
    const f = writeTable(file('signals.parquet'), signalsTable({ a }));
    const s = await readSignals(f, { rows, direction: 'short', strategies: ['a'] });
    expect(s.columns.get('a')!.long).toBeNull();
    expect(unpack(s.columns.get('a')!.short!)).toEqual(a);
  });

  it('reads a longshort batch', async () => {
    const f = writeTable(file('signals.parquet'), signalsTable({ 'x:long': a, 'x:short': b, 'y:short': c, 'y:long': b }));
    const s = await readSignals(f, { rows, direction: 'longshort', strategies: ['y', 'x'] });
    expect([...s.columns.keys()]).toEqual(['y', 'x']);
    expect(unpack(s.columns.get('x')!.long!)).toEqual(a);
    expect(unpack(s.columns.get('x')!.short!)).toEqual(b);
    expect(unpack(s.columns.get('y')!.long!)).toEqual(b);
    expect(unpack(s.columns.get('y')!.short!)).toEqual(c);
  });

  it('rejects a row count that differs from the bars, naming both counts and files', async () => {
    const f = writeTable(file('signals.parquet'), signalsTable({ a }));
    await expectSimrunErrorAsync(
      () => readSignals(f, { rows: 12, direction: 'long', strategies: ['a'], barsFile: 'data/BTC/ohlcv.parquet' }),
      'shape-mismatch',
      f,
      'has 11 rows but the bars (data/BTC/ohlcv.parquet) have 12',
    );
  });

  it('rejects non-boolean columns', async () => {
    const t = new arrow.Table({ s001: boolVector(a), s003: arrow.makeVector(BigInt64Array.from(a, BigInt)) });
    const f = writeTable(file('signals.parquet'), t);
    await expectSimrunErrorAsync(
      () => readSignals(f, { rows, direction: 'long', strategies: ['s001', 's003'] }),
      'bad-schema',
      f,
      'column s003 is int64, expected boolean',
    );
  });

  it('rejects nulls', async () => {
    const withNull = arrow.vectorFromArray([true, false, null, true], new arrow.Bool());
    const f = writeTable(file('signals.parquet'), new arrow.Table({ s: withNull }));
    await expectSimrunErrorAsync(
      () => readSignals(f, { rows: 4, direction: 'long', strategies: ['s'] }),
      'bad-value',
      f,
      'column "s" has a null at row 2',
    );
  });

  it('rejects a strategy without its columns', async () => {
    let f = writeTable(file('signals.parquet'), signalsTable({ a }));
    await expectSimrunErrorAsync(
      () => readSignals(f, { rows, direction: 'long', strategies: ['a', 'b'], paramsFile: 'p/params.csv' }),
      'bad-schema',
      f,
      'missing column "b" for strategy "b" of p/params.csv',
    );
    f = writeTable(file('signals.parquet'), signalsTable({ 'a:long': a, 'a:short': b, 'b:long': c }));
    await expectSimrunErrorAsync(
      () => readSignals(f, { rows, direction: 'longshort', strategies: ['a', 'b'] }),
      'bad-schema',
      f,
      'missing column "b:short" for strategy "b"',
    );
  });

  it('rejects a signal column without a params row', async () => {
    let f = writeTable(file('signals.parquet'), signalsTable({ a, zz: b }));
    await expectSimrunErrorAsync(
      () => readSignals(f, { rows, direction: 'long', strategies: ['a'] }),
      'bad-params',
      f,
      'column "zz": strategy "zz" has no row in params.csv',
    );
    // a long batch does not take longshort names
    f = writeTable(file('signals.parquet'), signalsTable({ 'a:long': a }));
    await expectSimrunErrorAsync(() => readSignals(f, { rows, direction: 'long', strategies: ['a'] }), 'bad-params', f, '"a:long"');
    f = writeTable(file('signals.parquet'), signalsTable({ 'a:long': a, 'a:short': b, 'q:short': b }));
    await expectSimrunErrorAsync(() => readSignals(f, { rows, direction: 'longshort', strategies: ['a'] }), 'bad-params', f, 'strategy "q"');
  });

  it('reads exit columns in any batch, optional per strategy, one side alone too', async () => {
    // long batch: a has both exits, b only a short exit (harmless in a long batch), c none
    let f = writeTable(file('signals.parquet'), signalsTable({ a, 'a:long_exit': b, b, 'b:short_exit': c, 'a:short_exit': c, c }));
    let s = await readSignals(f, { rows, direction: 'long', strategies: ['a', 'b', 'c'] });
    expect(unpack(s.columns.get('a')!.long!)).toEqual(a);
    expect(unpack(s.columns.get('a')!.longExit!)).toEqual(b);
    expect(unpack(s.columns.get('a')!.shortExit!)).toEqual(c);
    expect(s.columns.get('b')!.longExit).toBeNull();
    expect(unpack(s.columns.get('b')!.shortExit!)).toEqual(c);
    expect(s.columns.get('c')).toMatchObject({ short: null, longExit: null, shortExit: null });
    // longshort: x with a long exit only
    f = writeTable(file('signals.parquet'), signalsTable({ 'x:long': a, 'x:short': b, 'x:long_exit': c, 'y:long': b, 'y:short': a }));
    s = await readSignals(f, { rows, direction: 'longshort', strategies: ['x', 'y'] });
    expect(unpack(s.columns.get('x')!.longExit!)).toEqual(c);
    expect(s.columns.get('x')!.shortExit).toBeNull();
    expect(s.columns.get('y')!.longExit).toBeNull();
    // short batch; a strategy whose own name ends like an exit column is an entry column
    f = writeTable(file('signals.parquet'), signalsTable({ 'p:short_exit': a, p: b, 'q:long_exit': c }));
    s = await readSignals(f, { rows, direction: 'short', strategies: ['p', 'q:long_exit'] });
    expect(unpack(s.columns.get('p')!.shortExit!)).toEqual(a);
    expect(unpack(s.columns.get('p')!.short!)).toEqual(b);
    expect(unpack(s.columns.get('q:long_exit')!.short!)).toEqual(c);
    expect(s.columns.get('q:long_exit')!.longExit).toBeNull();
  });

  it('rejects misnamed, unknown and duplicated exit columns in one line', async () => {
    let f = writeTable(file('signals.parquet'), signalsTable({ a, 'zz:long_exit': b }));
    await expectSimrunErrorAsync(() => readSignals(f, { rows, direction: 'long', strategies: ['a'] }), 'bad-params', f,
      'column "zz:long_exit": strategy "zz" has no row in params.csv');
    f = writeTable(file('signals.parquet'), signalsTable({ a, 'a:exit': b }));
    await expectSimrunErrorAsync(() => readSignals(f, { rows, direction: 'long', strategies: ['a'] }), 'bad-params', f,
      'column "a:exit": strategy "a:exit" has no row');
    f = writeTable(file('signals.parquet'), signalsTable({ 'a:long': a, 'a:short': b, 'a:longexit': c }));
    await expectSimrunErrorAsync(() => readSignals(f, { rows, direction: 'longshort', strategies: ['a'] }), 'bad-schema', f,
      'column "a:longexit" in a longshort batch must be named <strategy>:long or <strategy>:short (entries), or <strategy>:long_exit or <strategy>:short_exit (exits)');
    // an exit without the strategy's entries is still a missing entry column
    f = writeTable(file('signals.parquet'), signalsTable({ 'a:long_exit': a }));
    await expectSimrunErrorAsync(() => readSignals(f, { rows, direction: 'long', strategies: ['a'] }), 'bad-schema', f,
      'missing column "a" for strategy "a"');
  });

  it('rejects unsuffixed columns in a longshort batch', async () => {
    const f = writeTable(file('signals.parquet'), signalsTable({ 'a:long': a, a: b }));
    await expectSimrunErrorAsync(
      () => readSignals(f, { rows, direction: 'longshort', strategies: ['a'] }),
      'bad-schema',
      f,
      'column "a" in a longshort batch must be named <strategy>:long or <strategy>:short',
    );
  });

  it('reports missing and corrupt files', async () => {
    const f = path.join(dir, 'gone', 'signals.parquet');
    await expectSimrunErrorAsync(() => readSignals(f, { rows, direction: 'long', strategies: ['a'] }), 'missing-file', f);
    const g = writeFile(file('signals.parquet'), new Uint8Array(100));
    await expectSimrunErrorAsync(() => readSignals(g, { rows, direction: 'long', strategies: ['a'] }), 'corrupt-parquet', g);
  });

  it('decodes many columns in groups, whatever their names, in params order', async () => {
    const r = rng(11);
    const n = 300;
    const names = Array.from({ length: 40 }, (_, i) => [`s${i}`, `rsi.${i}`, `a b ${i}`, `é"${i}'`][i % 4]);
    const values = new Map(names.map((name) => [name, Array.from({ length: n }, () => (r() < 0.2 ? 1 : 0))]));
    const t = new arrow.Table(Object.fromEntries(names.map((name) => [name, boolVector(values.get(name)!)])));
    const f = writeTable(file('signals.parquet'), t);
    const order = [...names].reverse();
    const s = await readSignals(f, { rows: n, direction: 'long', strategies: order });
    expect([...s.columns.keys()]).toEqual(order);
    for (const name of names) expect(unpack(s.columns.get(name)!.long!), name).toEqual(values.get(name));
    // a null in a column of a later group is still found, with its row
    const withNull = arrow.vectorFromArray(values.get(names[37])!.map((v, i) => (i === 250 ? null : v === 1)), new arrow.Bool());
    const g = writeTable(file('signals.parquet'), new arrow.Table(Object.fromEntries(names.map((name, i) => [name, i === 37 ? withNull : t.getChild(name)!]))));
    await expectSimrunErrorAsync(
      () => readSignals(g, { rows: n, direction: 'long', strategies: names }),
      'bad-value',
      g,
      `column "${names[37]}" has a null at row 250`,
    );
  });

  it('keeps multi-chunk booleans with bit offsets and unpacks them exactly', () => {
    const r = rng(7);
    const n = 1000;
    const x = Array.from({ length: n }, () => (r() < 0.3 ? 1 : 0));
    const y = Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
    const vx = boolVector(x);
    const vy = boolVector(y);
    // cut at odd places so that chunks start mid-byte
    const cuts = [0, 3, 13, 200, 201, 517, 999, 1000];
    const batches: arrow.RecordBatch[] = [];
    for (let k = 0; k + 1 < cuts.length; k++) {
      const [s, e] = [cuts[k], cuts[k + 1]];
      batches.push(new arrow.Table({ x: vx.slice(s, e), y: vy.slice(s, e) }).batches[0]);
    }
    const table = new arrow.Table(batches);
    expect(table.batches.length).toBe(cuts.length - 1);
    const sig = signalsFromTable(table, 'mem', { rows: n, direction: 'long', strategies: ['x', 'y'] });
    const colX = sig.columns.get('x')!.long!;
    expect(colX.length).toBe(cuts.length - 1);
    expect(colX.some((ch) => ch.bitOffset !== 0)).toBe(true);
    for (const ch of colX) expect(ch.bitOffset).toBeLessThan(8);
    expect(unpack(colX)).toEqual(x);
    expect(unpack(sig.columns.get('y')!.long!)).toEqual(y);
  });
});

// ---------------------------------------------------------------------------------------------

describe('unpackBits', () => {
  function naive(col: BitColumn): number[] {
    const out: number[] = [];
    for (const c of col) for (let i = 0; i < c.length; i++) out.push((c.bits[(c.bitOffset + i) >> 3] >> ((c.bitOffset + i) & 7)) & 1);
    return out;
  }

  function randomColumn(r: () => number, maxChunks: number, maxLen: number): BitColumn {
    const chunks: BitChunk[] = [];
    const k = Math.floor(r() * (maxChunks + 1));
    for (let j = 0; j < k; j++) {
      const length = Math.floor(r() * (maxLen + 1));
      const bitOffset = Math.floor(r() * 8);
      const slack = Math.floor(r() * 3); // sometimes extra bytes after the run
      const bits = new Uint8Array(((bitOffset + length + 7) >> 3) + slack);
      const density = r();
      for (let b = 0; b < bits.length; b++) {
        let v = 0;
        for (let t = 0; t < 8; t++) if (r() < density) v |= 1 << t;
        bits[b] = v;
      }
      chunks.push({ bits, bitOffset, length });
    }
    return chunks;
  }

  it('matches a naive unpacker for every bit offset, length 0..80 and destination alignment', () => {
    const r = rng(1);
    for (let bitOffset = 0; bitOffset < 8; bitOffset++) {
      for (let length = 0; length <= 80; length++) {
        for (let dstOff = 0; dstOff < 8; dstOff++) {
          const bits = new Uint8Array(((bitOffset + length + 7) >> 3) + 1);
          for (let b = 0; b < bits.length; b++) bits[b] = Math.floor(r() * 256);
          const col: BitColumn = [{ bits, bitOffset, length }];
          const backing = new Uint8Array(length + 24).fill(0xee);
          const dst = backing.subarray(dstOff, dstOff + length);
          unpackBits(col, dst);
          expect(Array.from(dst)).toEqual(naive(col));
          // nothing written outside dst
          expect(backing.subarray(0, dstOff).every((v) => v === 0xee)).toBe(true);
          expect(backing.subarray(dstOff + length).every((v) => v === 0xee)).toBe(true);
        }
      }
    }
  });

  it('matches a naive unpacker on random multi-chunk columns', () => {
    const r = rng(2);
    for (let trial = 0; trial < 3000; trial++) {
      const col = randomColumn(r, 6, trial % 10 === 0 ? 3000 : 70);
      const n = bitColumnLength(col);
      const dstOff = Math.floor(r() * 16);
      const backing = new Uint8Array(n + 32).fill(0xee);
      const dst = backing.subarray(dstOff, dstOff + n);
      unpackBits(col, dst);
      const want = naive(col);
      expect(dst.length).toBe(want.length);
      for (let i = 0; i < n; i++) if (dst[i] !== want[i]) expect({ trial, i, got: dst[i] }).toEqual({ trial, i, got: want[i] });
      expect(backing.subarray(dstOff + n).every((v) => v === 0xee)).toBe(true);
    }
  });

  it('writes all-ones and all-zeros bytes exactly', () => {
    const n = 1000;
    const ones: BitColumn = [{ bits: new Uint8Array(126).fill(255), bitOffset: 3, length: n }];
    const dst = new Uint8Array(n).fill(7);
    unpackBits(ones, dst);
    expect(dst.every((v) => v === 1)).toBe(true);
    unpackBits([{ bits: new Uint8Array(126), bitOffset: 5, length: n }], dst);
    expect(dst.every((v) => v === 0)).toBe(true);
  });

  it('writes into a view of a larger buffer (like the kernel memory) and rejects a short destination', () => {
    const mem = new WebAssembly.Memory({ initial: 1 });
    const dst = new Uint8Array(mem.buffer, 1001, 77);
    const col: BitColumn = [{ bits: Uint8Array.from({ length: 10 }, (_, i) => i * 37), bitOffset: 1, length: 77 }];
    unpackBits(col, dst);
    expect(Array.from(dst)).toEqual(naive(col));
    expect(() => unpackBits(col, new Uint8Array(76))).toThrow(RangeError);
  });
});
