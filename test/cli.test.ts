// The `simrun` command as a user meets it: runs, outputs, --compare's verdict and exit codes, and a
// catalogue of malformed inputs, each refused with one line naming the file and the problem, a
// non-zero exit, no partial output and no damage to an existing output.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { readParquetTable, tableToParquet } from '../src/batch/write.js';
import { main } from '../src/cli.js';
import { DEFAULT_CONFIG } from '../src/config.js';
import { SETTING_DOCS } from '../src/settings.js';
import { SimrunError } from '../src/errors.js';
import { defaultGroupCols, planMemory } from '../src/engine/memory.js';
import {
  barsTable, boolVector, cleanupTmpDirs, MINUTE_MS, rng, signalsTable, T0_MS, tmpDir, writeFile, writeTable,
} from './batch/fixtures.js';

afterAll(cleanupTmpDirs);

const BATCH = 'BTC_longshort/batch_001';
const N = 400;
const STRATEGIES = ['a', 'b', 'c'];

/** A valid random longshort batch under a fresh data root. */
function makeData(): string {
  const root = tmpDir('simrun-cli-');
  const r = rng(42);
  let p = 100;
  const close = Array.from({ length: N }, () => (p = Math.round(p * (1 + (r() - 0.5) * 0.02) * 100) / 100));
  writeTable(path.join(root, 'BTC/ohlcv.parquet'), barsTable({ n: N, close }));
  const cols: Record<string, number[]> = {};
  for (const s of STRATEGIES) {
    cols[`${s}:long`] = Array.from({ length: N }, () => (r() < 0.05 ? 1 : 0));
    cols[`${s}:short`] = Array.from({ length: N }, () => (r() < 0.05 ? 1 : 0));
  }
  const dir = path.join(root, BATCH);
  writeTable(path.join(dir, 'signals.parquet'), signalsTable(cols));
  writeFile(path.join(dir, 'params.csv'),
    'strategy,tp_stop,sl_stop,tsl_stop,family\na,0.02,0.01,0.005,x\nb,,0.015,,y\nc,0.03,,0.01,z\n');
  return root;
}

async function run(...args: string[]) {
  const out = new PassThrough();
  const err = new PassThrough() as unknown as NodeJS.WriteStream;
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  (err as unknown as PassThrough).on('data', (d: Buffer) => (stderr += d));
  const code = await main(['node', 'simrun', ...args], out, err);
  return { code, stdout, stderr };
}

const outputs = (outRoot: string) => path.join(outRoot, BATCH);

describe('simrun runs a batch', () => {
  it('writes the three outputs with the reference columns and exits 0', async () => {
    const data = makeData();
    const out = tmpDir('simrun-out-');
    const r = await run('--batch', BATCH, '--data', data, '--out', out, '-q');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/400 bars × 3 strategies → \d+ trades/);
    const trades = readParquetTable(path.join(outputs(out), 'trades.parquet'));
    expect(trades.schema.fields.map((f) => f.name)).toEqual([
      'strategy', 'trade_id', 'direction', 'status', 'entry_idx', 'entry_time', 'entry_price', 'entry_fees',
      'exit_idx', 'exit_time', 'exit_price', 'exit_fees', 'size', 'pnl', 'return', 'exit_reason']);
    expect(trades.numRows).toBeGreaterThan(0);
    const firstEntry = Number(trades.getChild('entry_idx')!.get(0));
    expect(Number(trades.getChild('entry_time')!.get(0))).toBe(T0_MS + firstEntry * MINUTE_MS);
    const metrics = readParquetTable(path.join(outputs(out), 'metrics.parquet'));
    expect(Array.from({ length: metrics.numRows }, (_, i) => metrics.getChild('strategy')!.get(i))).toEqual(STRATEGIES);
    expect(metrics.getChild('family')!.get(2)).toBe('z'); // extra params columns carried through
    const daily = readParquetTable(path.join(outputs(out), 'daily_returns.parquet'));
    expect(daily.schema.fields.map((f) => f.name)).toEqual(['date', ...STRATEGIES]);
    expect(fs.readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('gives the same outputs with 1 and 2 threads', async () => {
    const data = makeData();
    const [one, two] = [tmpDir('simrun-out-'), tmpDir('simrun-out-')];
    expect((await run('--batch', BATCH, '--data', data, '--out', one, '-q', '--threads', '1')).code).toBe(0);
    expect((await run('--batch', BATCH, '--data', data, '--out', two, '-q', '--threads', '2')).code).toBe(0);
    for (const f of ['trades.parquet', 'metrics.parquet', 'daily_returns.parquet']) {
      const a = readParquetTable(path.join(outputs(one), f));
      const b = readParquetTable(path.join(outputs(two), f));
      expect(a.toArray().map((row) => row.toJSON())).toEqual(b.toArray().map((row) => row.toJSON()));
    }
  });

  it('--json prints a machine-readable summary', async () => {
    const data = makeData();
    const r = await run('--batch', BATCH, '--data', data, '--out', tmpDir('simrun-out-'), '--json');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ batch: BATCH, bars: N, strategies: 3 });
    expect(summary.trades).toBeGreaterThan(0);
    expect(summary.seconds.total).toBeGreaterThan(0);
  });

  it('--help explains the options and exits 0', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--batch <name>');
    expect(r.stdout).toContain('--compare');
    // every from_signals setting, with its default
    const help = r.stdout.replace(/\s+/g, ' ');
    for (const [key, doc] of Object.entries(SETTING_DOCS)) {
      const v = DEFAULT_CONFIG[key as keyof typeof DEFAULT_CONFIG];
      expect(help, key).toMatch(new RegExp(`${doc.flag} <${doc.arg}> .*?\\(default: ${v === Infinity ? 'inf' : String(v)}\\)`));
    }
  });

  it('a setting flag reaches the kernel: --price Open fills at the opens, a run unlike the default one', async () => {
    const data = makeData();
    const [plain, open] = [tmpDir('simrun-out-'), tmpDir('simrun-out-')];
    expect((await run('--batch', BATCH, '--data', data, '--out', plain, '-q')).code).toBe(0);
    expect((await run('--batch', BATCH, '--data', data, '--out', open, '-q', '--price', 'open')).code).toBe(0);
    const entries = (out: string) => {
      const t = readParquetTable(path.join(outputs(out), 'trades.parquet'));
      return { idx: Array.from(t.getChild('entry_idx')!.toArray() as Int32Array),
        price: Array.from(t.getChild('entry_price')!.toArray() as Float64Array) };
    };
    const [a, b] = [entries(plain), entries(open)];
    expect(b.price).not.toEqual(a.price);
    // the first trade enters on the same bar in both, at that bar's close or open (with slippage)
    const bars = readParquetTable(path.join(data, 'BTC/ohlcv.parquet'));
    const [close, opens] = ['close', 'open'].map((c) => bars.getChild(c)!.toArray() as Float64Array);
    expect(b.idx[0]).toBe(a.idx[0]);
    const slip = (p: number) => [p * (1 + 0.0002), p * (1 - 0.0002)];
    expect(slip(close[a.idx[0]])).toContain(a.price[0]);
    expect(slip(opens[b.idx[0]])).toContain(b.price[0]);
  });

  it('a setting flag reaches the kernel: --init-cash and a params.csv init_cash set start_value', async () => {
    const data = makeData();
    const p = path.join(data, BATCH, 'params.csv');
    fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace('family\n', 'family,init_cash\n').replace(/,(x|y|z)\n/g, (m, f) => `,${f},${f === 'y' ? '7000' : ''}\n`));
    const out = tmpDir('simrun-out-');
    const r = await run('--batch', BATCH, '--data', data, '--out', out, '-q', '--init-cash', '2500', '--accumulate', 'false');
    expect(r.code).toBe(0);
    const m = readParquetTable(path.join(outputs(out), 'metrics.parquet'));
    expect(Array.from(m.getChild('start_value')!.toArray() as Float64Array)).toEqual([2500, 7000, 2500]);
    expect(Array.from(m.getChild('init_cash')!.toArray() as Float64Array)).toEqual([2500, 7000, 2500]);
  });
});

describe('simrun --compare', () => {
  /** A batch whose reference outputs are simrun's own, optionally tampered with. */
  async function withReference(tamper?: (t: arrow.Table) => arrow.Table) {
    const data = makeData();
    const out = tmpDir('simrun-out-');
    expect((await run('--batch', BATCH, '--data', data, '--out', out, '-q')).code).toBe(0);
    for (const f of ['trades.parquet', 'metrics.parquet', 'daily_returns.parquet']) {
      let table = readParquetTable(path.join(outputs(out), f));
      if (f === 'trades.parquet' && tamper) table = tamper(table);
      writeFile(path.join(data, BATCH, f), tableToParquet(table));
    }
    return data;
  }

  it('reports identical outputs and exits 0', async () => {
    const data = await withReference();
    const r = await run('--batch', BATCH, '--data', data, '--out', tmpDir('simrun-out-'), '-q', '--compare');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('identical');
    expect(r.stdout).toContain('strategies matched exactly: 3/3');
    expect(r.stdout).toMatch(/0 mismatching/);
  });

  it('shows a differing record field by field and exits 1', async () => {
    const data = await withReference((t) => {
      const pnl = Float64Array.from(t.getChild('pnl')!.toArray() as Float64Array);
      pnl[0] += 1e-6 * Math.abs(pnl[0]) + 1e-9; // far above rtol 1e-9
      const cols: Record<string, arrow.Vector> = {};
      for (const f of t.schema.fields) cols[f.name] = f.name === 'pnl' ? arrow.makeVector(pnl) : t.getChild(f.name)!;
      return new arrow.Table(cols);
    });
    const r = await run('--batch', BATCH, '--data', data, '--out', tmpDir('simrun-out-'), '-q', '--compare');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('DIFFERENT');
    expect(r.stdout).toMatch(/1 mismatching/);
    expect(r.stdout).toMatch(/a trade 0: pnl .* vs .* \(ours vs reference\)/);
  });
});

// ---- the catalogue of bad input ----------------------------------------------------------------

type Mutation = (data: string) => void;

const batchFile = (data: string, f: string) => path.join(data, BATCH, f);
const ohlcvFile = (data: string) => path.join(data, 'BTC/ohlcv.parquet');
const bars = (spec: Parameters<typeof barsTable>[0]): Mutation => (d) => writeTable(ohlcvFile(d), barsTable({ n: N, ...spec }));
const params = (csv: string): Mutation => (d) => writeFile(batchFile(d, 'params.csv'), csv);
const prices = (col: 'open' | 'high' | 'low' | 'close', row: number, v: number): Mutation => (d) => {
  const close = Array.from({ length: N }, () => 100);
  const spec: Record<string, number[]> = { close, open: [...close], high: close.map(() => 101), low: close.map(() => 99) };
  spec[col][row] = v;
  bars(spec)(d);
};
const signalCols = (mutate: (cols: Record<string, arrow.Vector>) => void, rows = N): Mutation => (d) => {
  const cols: Record<string, arrow.Vector> = {};
  for (const s of STRATEGIES) for (const side of ['long', 'short']) cols[`${s}:${side}`] = boolVector(new Uint8Array(rows));
  mutate(cols);
  writeTable(batchFile(d, 'signals.parquet'), new arrow.Table(cols));
};
const HEADER = 'strategy,tp_stop,sl_stop,tsl_stop\n';

const catalogue: Array<[string, Mutation, string, RegExp]> = [
  ['missing ohlcv.parquet', (d) => fs.rmSync(ohlcvFile(d)), 'ohlcv.parquet', /file not found/],
  ['missing signals.parquet', (d) => fs.rmSync(batchFile(d, 'signals.parquet')), 'signals.parquet', /file not found/],
  ['missing params.csv', (d) => fs.rmSync(batchFile(d, 'params.csv')), 'params.csv', /file not found/],
  ['garbage instead of parquet', (d) => writeFile(batchFile(d, 'signals.parquet'), 'not a parquet file at all'), 'signals.parquet', /parquet/],
  ['truncated parquet', (d) => {
    const bytes = fs.readFileSync(ohlcvFile(d));
    fs.writeFileSync(ohlcvFile(d), bytes.subarray(0, Math.floor(bytes.length / 2)));
  }, 'ohlcv.parquet', /parquet/],
  ['signals shorter than the bars', signalCols(() => {}, N - 1), 'signals.parquet', /rows/],
  ['non-boolean signal column', signalCols((c) => { c['a:long'] = arrow.makeVector(new Int32Array(N)); }), 'signals.parquet', /int32, expected boolean/],
  ['null signal', signalCols((c) => {
    const bits = new Uint8Array(Math.ceil(N / 8)).fill(0xff);
    bits[0] = 0xfe; // row 0 is null
    c['b:short'] = arrow.makeVector(arrow.makeData({ type: new arrow.Bool(), length: N, nullCount: 1, nullBitmap: bits, data: new Uint8Array(Math.ceil(N / 8)) }));
  }), 'signals.parquet', /null/],
  ['missing short column of a longshort strategy', signalCols((c) => { delete c['c:short']; }), 'signals.parquet', /c:short/],
  ['signal column without params', signalCols((c) => { c['zzz:long'] = boolVector(new Uint8Array(N)); c['zzz:short'] = boolVector(new Uint8Array(N)); }), 'signals.parquet', /zzz/],
  ['NaN close', prices('close', 7, NaN), 'ohlcv.parquet', /NaN at row 7/],
  ['infinite high', prices('high', 3, Infinity), 'ohlcv.parquet', /row 3/],
  ['zero open', prices('open', 5, 0), 'ohlcv.parquet', /row 5/],
  ['negative low', prices('low', 9, -1), 'ohlcv.parquet', /row 9/],
  ['high below low', prices('high', 11, 98), 'ohlcv.parquet', /row 11/],
  ['unsorted timestamps', bars({ times: Array.from({ length: N }, (_, i) => T0_MS + (i === 20 ? 18 : i) * MINUTE_MS) }), 'ohlcv.parquet', /row 20/],
  ['duplicate timestamps', bars({ times: Array.from({ length: N }, (_, i) => T0_MS + (i === 30 ? 29 : i) * MINUTE_MS) }), 'ohlcv.parquet', /row 30/],
  ['missing close column', bars({ drop: ['close'] }), 'ohlcv.parquet', /missing column "close"/],
  ['duplicate strategy in params', params(`${HEADER}a,0.02,,\na,0.03,,\nb,,,\nc,,,\n`), 'params.csv', /duplicate strategy "a"/],
  ['strategy with signals but no params row', params(`${HEADER}a,0.02,,\nb,,,\n`), 'params.csv', /"c"/],
  ['stop of zero', params(`${HEADER}a,0,,\nb,,,\nc,,,\n`), 'params.csv', /tp_stop/],
  ['absurd stop', params(`${HEADER}a,,1.5,\nb,,,\nc,,,\n`), 'params.csv', /sl_stop/],
  ['non-numeric stop', params(`${HEADER}a,,,abc\nb,,,\nc,,,\n`), 'params.csv', /tsl_stop/],
  ['wrong params header', params('name,tp,sl,tsl\na,,,\n'), 'params.csv', /header/],
];

/** Both inputs of the batch with these strategy names (and extra params columns). */
const named = (names: string[], extraHeader = '', extraCell = ''): Mutation => (d) => {
  const cols: Record<string, arrow.Vector> = {};
  for (const s of names) for (const side of ['long', 'short']) cols[`${s}:${side}`] = boolVector(new Uint8Array(N));
  writeTable(batchFile(d, 'signals.parquet'), new arrow.Table(cols));
  const csvCell = (x: string) => (/[",\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x);
  writeFile(batchFile(d, 'params.csv'), `strategy,tp_stop,sl_stop,tsl_stop${extraHeader}\n` +
    names.map((n) => `${csvCell(n)},0.02,,${extraCell}`).join('\n') + '\n');
};
const nsTimes = (raw: (i: number) => bigint): Mutation => (d) => {
  const ns = BigInt64Array.from({ length: N }, (_, i) => raw(i));
  const ts = arrow.makeVector(arrow.makeData({ type: new arrow.TimestampNanosecond('UTC'), length: N, nullCount: 0, data: ns }));
  bars({ override: { timestamp: ts } })(d);
};
const every = (ms: number) => bars({ times: Array.from({ length: N }, (_, i) => T0_MS + i * ms) });

/**
 * Cases where the settings or the output folder are the problem. `args` replaces `--out <out>`;
 * `file` is what the line must name (a function of the data root and the output root).
 */
interface Case {
  what: string;
  mutate?: Mutation;
  args?: (data: string, out: string) => string[];
  file: string | ((data: string, out: string) => string);
  problem: RegExp;
}
const cases: Case[] = [
  ...catalogue.map(([what, mutate, file, problem]): Case => ({ what, mutate, file, problem })),
  // outputs beside inputs (issue 12, defect 1): the seed layout, and every way of pointing at it
  { what: '--out equal to --data (outputs would replace the batch folder)', args: (d) => ['--out', d],
    file: (d) => path.join(d, BATCH), problem: /input folder .*never writes beside its inputs/ },
  { what: '--out a symbolic link to the data root', args: (d, o) => {
    fs.symlinkSync(d, path.join(o, 'link'));
    return ['--out', path.join(o, 'link')];
  }, file: 'link', problem: /input folder/ },
  { what: 'output folder a symbolic link to the batch folder', args: (d, o) => {
    fs.mkdirSync(path.join(o, 'BTC_longshort'));
    fs.symlinkSync(path.join(d, BATCH), path.join(o, BATCH));
    return ['--out', o];
  }, file: BATCH, problem: /input folder/ },
  { what: 'output folder holding files simrun did not write', args: (_d, o) => {
    writeFile(path.join(o, BATCH, 'notes.txt'), 'mine');
    return ['--out', o];
  }, file: BATCH, problem: /holds files simrun did not write \(notes\.txt\)/ },
  { what: 'output folder holding copied reference outputs', args: (d, o) => {
    writeFile(path.join(o, BATCH, 'trades.parquet'), fs.readFileSync(batchFile(d, 'signals.parquet')));
    return ['--out', o];
  }, file: BATCH, problem: /holds files simrun did not write \(trades\.parquet\)/ },
  { what: "a user's file added to simrun's own output folder", args: (d, o) => {
    fs.cpSync(path.join(makeRun(d), BATCH), path.join(o, BATCH), { recursive: true });
    writeFile(path.join(o, BATCH, 'notes.txt'), 'mine');
    return ['--out', o];
  }, file: BATCH, problem: /holds files simrun did not write \(notes\.txt\)/ },
  // settings (defect 4)
  { what: '--slippage 1', args: (_d, o) => ['--out', o, '--slippage', '1'], file: '--slippage', problem: /0 ≤ slippage < 1/ },
  { what: '--slippage 1.5', args: (_d, o) => ['--out', o, '--slippage', '1.5'], file: '--slippage', problem: /got 1\.5/ },
  { what: '--init-cash 1e308', args: (_d, o) => ['--out', o, '--init-cash', '1e308'], file: '--init-cash', problem: /≤ 1000000000000000/ },
  { what: '--init-cash 0', args: (_d, o) => ['--out', o, '--init-cash', '0'], file: '--init-cash', problem: /> 0/ },
  { what: '--fees NaN', args: (_d, o) => ['--out', o, '--fees', 'NaN'], file: '--fees', problem: /finite/ },
  { what: '--fees -0.001', args: (_d, o) => ['--out', o, '--fees=-0.001'], file: '--fees', problem: /≥ 0/ },
  { what: '--min-size -1', args: (_d, o) => ['--out', o, '--min-size=-1'], file: '--min-size', problem: /≥ 0/ },
  { what: '--threads 5000', args: (_d, o) => ['--out', o, '--threads', '5000'], file: '--threads', problem: /from 1 to 1024/ },
  // the from_signals settings of issue 14: every flag, a params.csv column per strategy, and their combinations
  ...([
    ['--fixed-fees', '-1', /--fixed-fees must be a finite number ≥ 0 \(cash per order\), got -1$/],
    ['--size', '0', /--size must be a number > 0 \(inf: as much as cash allows\), got 0$/],
    ['--size', 'big', /--size must be a number > 0.*got "big"$/],
    ['--price', 'NextOpen', /--price unknown value "NextOpen" \(one of: Close, Open\)$/],
    ['--size-type', 'TargetPercent', /--size-type unknown value "TargetPercent" \(one of: Amount, Value, Percent\)$/],
    ['--accumulate', 'maybe', /--accumulate unknown value "maybe" \(one of: Disabled, Both, AddOnly, RemoveOnly, or true\/false\)$/],
    ['--upon-opposite-entry', 'Flip', /--upon-opposite-entry unknown value "Flip" \(one of: Ignore, Close, CloseReduce, Reverse, ReverseReduce\)$/],
    ['--upon-long-conflict', 'Long', /--upon-long-conflict unknown value "Long" \(one of: Ignore, Entry, Exit, Adjacent, Opposite\)$/],
    ['--upon-short-conflict', 'x', /--upon-short-conflict unknown value "x"/],
    ['--upon-dir-conflict', 'Entry', /--upon-dir-conflict unknown value "Entry" \(one of: Ignore, Long, Short, Adjacent, Opposite\)$/],
    ['--stop-entry-price', 'Open', /--stop-entry-price unknown value "Open" \(one of: ValPrice, Price, FillPrice, Close\)$/],
    ['--stop-exit-price', 'Limit', /--stop-exit-price unknown value "Limit" \(one of: StopLimit, StopMarket, Price, Close\)$/],
    ['--upon-stop-exit', 'Ignore', /--upon-stop-exit unknown value "Ignore" \(one of: Close, CloseReduce, Reverse, ReverseReduce\)$/],
  ] as const).map(([flag, value, problem]): Case => ({ what: `${flag} ${value}`, args: (_d, o) => ['--out', o, flag, value], file: flag, problem })),
  { what: '--size-type Percent with the default size inf', args: (_d, o) => ['--out', o, '--size-type', 'percent'], file: '--size',
    problem: /--size must be a fraction in \(0, 1\] with size type Percent, got Infinity$/ },
  { what: 'params.csv column upon_opposite_entry "Flip"', mutate: named(['a', 's3'], ',upon_opposite_entry', ',Flip'), file: 'params.csv',
    problem: /params\.csv: strategy "a", column "upon_opposite_entry": unknown value "Flip" \(one of: Ignore, Close, CloseReduce, Reverse, ReverseReduce\)$/ },
  { what: 'params.csv column init_cash 0', mutate: named(['a'], ',init_cash', ',0'), file: 'params.csv',
    problem: /strategy "a", column "init_cash": must be a number > 0/ },
  { what: 'params.csv size 2 with size_type Percent', mutate: named(['a'], ',size_type,size,upon_opposite_entry', ',Percent,2,Close'),
    file: 'params.csv', problem: /strategy "a", column "size": size must be a fraction in \(0, 1\] with size type Percent, got 2$/ },
  { what: 'params.csv size_type Percent where an opposite entry would reverse', mutate: named(['a'], ',size_type,size', ',Percent,0.5'),
    file: 'params.csv', problem: /strategy "a", column "size_type": size type Percent cannot reverse a position .*upon_opposite_entry ReverseReduce with entries of both sides/ },
  { what: '--size-type Percent where an opposite entry would reverse', args: (_d, o) => ['--out', o, '--size-type', 'Percent', '--size', '1'],
    file: 'params.csv', problem: /strategy "a" \(batch settings\): size type Percent cannot reverse a position/ },
  { what: 'params.csv upon_stop_exit Reverse with size type Percent and a stop', args: (_d, o) => ['--out', o, '--size-type', 'Percent',
    '--size', '0.5', '--upon-opposite-entry', 'Close'], mutate: named(['a'], ',upon_stop_exit', ',reverse'), file: 'params.csv',
  problem: /strategy "a", column "upon_stop_exit": size type Percent cannot reverse a position .*upon_stop_exit Reverse with a stop set/ },
  // names that cannot be represented (defect 3)
  { what: 'strategy named "date"', mutate: named(['a', 'date']), file: 'params.csv', problem: /strategy "date" clashes .*daily_returns/ },
  { what: 'params column named "sharpe"', mutate: named(['a'], ',sharpe', ',9'), file: 'params.csv', problem: /column "sharpe" clashes .*metrics/ },
  { what: 'params column named "closed_trades"', mutate: named(['a'], ',closed_trades', ',9'), file: 'params.csv', problem: /"closed_trades"/ },
  { what: 'params column named "strategy"', mutate: named(['a'], ',strategy', ',x'), file: 'params.csv', problem: /"strategy" twice/ },
  { what: 'params column twice', mutate: named(['a'], ',__proto__,__proto__', ',x,y'), file: 'params.csv', problem: /"__proto__" twice/ },
  // timestamps (defect 5) and bar spacing
  { what: 'timestamps with a sub-millisecond part', mutate: nsTimes((i) => BigInt(T0_MS + i * MINUTE_MS) * 1_000_000n + (i === 5 ? 1n : 0n)),
    file: 'ohlcv.parquet', problem: /not a whole millisecond at row 5/ },
  { what: 'bars 30 seconds apart', mutate: every(30_000), file: 'ohlcv.parquet', problem: /one minute apart.*30 s apart/ },
  { what: 'bars 5 minutes apart', mutate: every(5 * MINUTE_MS), file: 'ohlcv.parquet', problem: /closest are 5 minutes apart/ },
  // prices so low that cash / price leaves float64's range (sizes would be infinite)
  { what: 'prices down to 1e-299', mutate: prices('low', 17, 1e-299), file: 'ohlcv.parquet', problem: /low of 1e-299 at row 17 .*order sizes/ },
];

/** simrun's outputs of the batch under `data`, in a fresh output root (synchronously, through the installed command). */
function makeRun(data: string): string {
  const out = tmpDir('simrun-out-');
  execFileSync(process.execPath, [fileURLToPath(new URL('../bin/simrun.js', import.meta.url)), '--batch', BATCH, '--data', data, '--out', out, '-q']);
  return out;
}

/** sha256 of every file under `root`, by relative path (symbolic links as their target path). */
function hashTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of fs.readdirSync(root, { recursive: true }).map(String).sort()) {
    const p = path.join(root, rel);
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) out[rel] = `-> ${fs.readlinkSync(p)}`;
    else if (st.isFile()) out[rel] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    else out[rel] = 'dir';
  }
  return out;
}

describe('bad input: one line naming the file and the problem, exit 2, nothing written, inputs byte-identical', () => {
  for (const c of cases) {
    it(c.what, async () => {
      const data = makeData();
      c.mutate?.(data);
      const out = tmpDir('simrun-out-');
      const outArgs = c.args?.(data, out) ?? ['--out', out];
      const dataBefore = hashTree(data);
      const outBefore = hashTree(out);
      const r = await run('--batch', BATCH, '--data', data, ...outArgs, '-q');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^simrun: error: /);
      expect(lines[0]).toContain(typeof c.file === 'string' ? c.file : c.file(data, out));
      expect(lines[0]).toMatch(c.problem);
      expect(hashTree(data)).toEqual(dataBefore);
      expect(hashTree(out)).toEqual(outBefore);
    });
  }

  it('a malformed batch name', async () => {
    const r = await run('--batch', 'btc-long/1', '--data', makeData(), '-q');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^simrun: error: .*btc-long\/1.*expected/);
  });

  it('a batch that does not exist', async () => {
    const r = await run('--batch', 'ETH_short/batch_007', '--data', makeData(), '-q');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^simrun: error: .*ETH_short\/batch_007/);
  });

  it('an output directory that cannot be written', async () => {
    const blocker = path.join(tmpDir('simrun-out-'), 'a-file');
    fs.writeFileSync(blocker, 'not a directory');
    const r = await run('--batch', BATCH, '--data', makeData(), '--out', blocker, '-q');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^simrun: error: .*a-file/);
  });

  it('a bad option value', async () => {
    const r = await run('--batch', BATCH, '--threads', '0');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--threads');
  });

  it('leaves an existing output untouched when a rerun fails', async () => {
    const data = makeData();
    const out = tmpDir('simrun-out-');
    expect((await run('--batch', BATCH, '--data', data, '--out', out, '-q')).code).toBe(0);
    const before = fs.readFileSync(path.join(outputs(out), 'trades.parquet'));
    prices('close', 1, NaN)(data);
    expect((await run('--batch', BATCH, '--data', data, '--out', out, '-q')).code).toBe(2);
    expect(fs.readFileSync(path.join(outputs(out), 'trades.parquet')).equals(before)).toBe(true);
    expect(fs.readdirSync(path.dirname(outputs(out)))).toEqual(['batch_001']);
  });

  it('an input too large for wasm32 memory is refused before any work', () => {
    let err: unknown;
    try {
      planMemory({ nBars: 1_112_627, nCols: 20_000, nDays: 800, hasLong: true, hasShort: true, threads: 2 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SimrunError);
    expect((err as SimrunError).kind).toBe('too-large');
    expect((err as SimrunError).message).toMatch(/4 GiB/);
  });
});

describe('single files simrun writes are replaced only when simrun wrote them', () => {
  it("simrun report never overwrites a user's report.html, and replaces its own", async () => {
    const data = makeData();
    const out = tmpDir('simrun-out-');
    expect((await run('--batch', BATCH, '--data', data, '--out', out, '-q')).code).toBe(0);
    const page = path.join(out, 'report.html');
    fs.writeFileSync(page, '<html>my own notes</html>');
    const r = await run('report', '--out', out, '--data', data);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^simrun: error: .*report\.html: was not written by simrun and would be replaced by the report/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(fs.readFileSync(page, 'utf8')).toBe('<html>my own notes</html>');
    fs.rmSync(page);
    expect((await run('report', '--out', out, '--data', data)).code).toBe(0);
    expect((await run('report', '--out', out, '--data', data)).code).toBe(0); // its own page is replaced
  });

  it('a sweep never replaces a manifest.json that is a symbolic link', async () => {
    const data = makeData();
    const out = tmpDir('simrun-out-');
    const mine = path.join(tmpDir('simrun-mine-'), 'manifest.json');
    fs.writeFileSync(mine, '{"version": 1, "batches": {}}');
    fs.symlinkSync(mine, path.join(out, 'manifest.json'));
    fs.cpSync(path.join(data, BATCH), path.join(data, 'BTC_longshort/batch_002'), { recursive: true }); // two batches: a sweep
    const r = await run('--batch', 'BTC_*/*', '--data', data, '--out', out, '-q');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^simrun: error: .*manifest\.json: is not a regular file/);
    expect(fs.lstatSync(path.join(out, 'manifest.json')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(mine, 'utf8')).toBe('{"version": 1, "batches": {}}');
  });
});

describe('names are data (issue 12, defect 3)', () => {
  it('strategies and params columns with any name run end to end and read back', async () => {
    const names = ['constructor', 'toString', '__proto__', 'a,b', 'say "hi"', 'hasOwnProperty', 'ünïcödé 📈', 'x:long'];
    const data = makeData();
    // alternating entries so that every strategy trades
    const cols: Record<string, arrow.Vector> = {};
    names.forEach((s, k) => {
      cols[`${s}:long`] = boolVector(Uint8Array.from({ length: N }, (_, i) => (i % 40 === k ? 1 : 0)));
      cols[`${s}:short`] = boolVector(Uint8Array.from({ length: N }, (_, i) => (i % 40 === k + 20 ? 1 : 0)));
    });
    writeTable(batchFile(data, 'signals.parquet'), new arrow.Table(cols));
    const q = (x: string) => `"${x.replace(/"/g, '""')}"`;
    writeFile(batchFile(data, 'params.csv'), 'strategy,tp_stop,sl_stop,tsl_stop,__proto__,constructor,"x,y"\n' +
      names.map((n, k) => `${q(n)},0.02,,,p${k},c${k},${q(`v"${k}`)}`).join('\n') + '\n');
    const out = tmpDir('simrun-out-');
    const r = await run('--batch', BATCH, '--data', data, '--out', out, '-q');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const daily = readParquetTable(path.join(outputs(out), 'daily_returns.parquet'));
    expect(daily.schema.fields.map((f) => f.name)).toEqual(['date', ...names]);
    expect(daily.numRows).toBeGreaterThan(0);
    const metrics = readParquetTable(path.join(outputs(out), 'metrics.parquet'));
    const col = (t: arrow.Table, c: string) => Array.from({ length: t.numRows }, (_, i) => t.getChildAt(t.schema.fields.findIndex((f) => f.name === c))!.get(i));
    expect(col(metrics, 'strategy')).toEqual(names);
    expect(metrics.schema.fields.map((f) => f.name).slice(-6)).toEqual(['tp_stop', 'sl_stop', 'tsl_stop', '__proto__', 'constructor', 'x,y']);
    expect(col(metrics, '__proto__')).toEqual(names.map((_, k) => `p${k}`));
    expect(col(metrics, 'constructor')).toEqual(names.map((_, k) => `c${k}`));
    expect(col(metrics, 'x,y')).toEqual(names.map((_, k) => `v"${k}`));
    expect(col(metrics, 'closed_trades').every((n) => Number(n) > 0)).toBe(true);
    const trades = readParquetTable(path.join(outputs(out), 'trades.parquet'));
    expect(new Set(col(trades, 'strategy'))).toEqual(new Set(names));
  });
});

describe('settings and threads', () => {
  it('--threads 600 runs (one record region per column group, not per thread) with a note past the cores', async () => {
    const data = makeData();
    const [a, b] = [tmpDir('simrun-out-'), tmpDir('simrun-out-')];
    const r = await run('--batch', BATCH, '--data', data, '--out', a, '--threads', '600');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^simrun: note: --threads 600 is more than this machine's \d+ cores/);
    expect((await run('--batch', BATCH, '--data', data, '--out', b, '-q', '--threads', '1')).code).toBe(0);
    for (const f of ['trades.parquet', 'metrics.parquet', 'daily_returns.parquet']) {
      expect(fs.readFileSync(path.join(outputs(a), f)).equals(fs.readFileSync(path.join(outputs(b), f))), f).toBe(true);
    }
    const plan = planMemory({ nBars: 1_112_627, nCols: 179, nDays: 800, hasLong: true, hasShort: true, threads: 600 });
    expect(plan.threads).toBe(Math.ceil(179 / defaultGroupCols(179, 600)));
  });

  it('on a non-terminal stderr, progress names the batch and counts out of the real total', async () => {
    for (const threads of ['1', '2']) {
      const r = await run('--batch', BATCH, '--data', makeData(), '--out', tmpDir('simrun-out-'), '--threads', threads);
      expect(r.code).toBe(0);
      const lines = r.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('simrun: note'));
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l).toMatch(/^BTC_longshort\/batch_001: [0-3]\/3 strategies$/);
    }
  });
});

describe('the installed command', () => {
  it('runs as a process and reports its exit code', () => {
    const bin = fileURLToPath(new URL('../bin/simrun.js', import.meta.url));
    const data = makeData();
    const out = tmpDir('simrun-out-');
    const ok = execFileSync(process.execPath, [bin, '--batch', BATCH, '--data', data, '--out', out], { encoding: 'utf8' });
    expect(ok).toContain(`${BATCH}: 400 bars × 3 strategies`);
    const bad = spawnSync(process.execPath, [bin, '--batch', 'nope', '--data', data], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^simrun: error: /);
  });
});
