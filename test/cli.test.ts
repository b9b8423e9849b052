// The `simrun` command as a user meets it: runs, outputs, --compare's verdict and exit codes, and a
// catalogue of malformed inputs, each refused with one line naming the file and the problem, a
// non-zero exit, no partial output and no damage to an existing output.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { readParquetTable, tableToParquet } from '../src/batch/write.js';
import { main } from '../src/cli.js';
import { SimrunError } from '../src/errors.js';
import { planMemory } from '../src/engine/memory.js';
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

describe('bad input: one line naming the file and the problem, exit 2, nothing written', () => {
  for (const [what, mutate, file, problem] of catalogue) {
    it(what, async () => {
      const data = makeData();
      mutate(data);
      const out = tmpDir('simrun-out-');
      const r = await run('--batch', BATCH, '--data', data, '--out', out, '-q');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^simrun: error: /);
      expect(lines[0]).toContain(file);
      expect(lines[0]).toMatch(problem);
      expect(fs.readdirSync(out)).toEqual([]);
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
      planMemory({ nBars: 1_112_627, nCols: 4000, nDays: 800, hasLong: true, hasShort: true, threads: 2 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SimrunError);
    expect((err as SimrunError).kind).toBe('too-large');
    expect((err as SimrunError).message).toMatch(/4 GiB/);
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
