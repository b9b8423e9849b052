// simrun's benchmark: kernel, whole batch, vectorbt, trade agreement, scaling. See bench/README.md.
//
//   npm run bench                       full batch (reference-data/full/BTC_long/batch_001)
//   npm run bench -- --quick            small batch, well under a minute after the build
//   npx tsx bench/run.ts --batch ETH_longshort/batch_001 --data reference-data/full --reps 5
//
// Measures the compiled code in dist/ and build/kernel.wasm (npm run build first). Times are the
// best of --reps repetitions: the machine may be shared. No timing is ever asserted; the only
// failure is a trade mismatch, which voids the benchmark (exit code 1, printed loudly).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { batchPaths, parseBatchName } from '../dist/src/batch/layout.js';
import { readBars, readParams, readParquetTable, readSignals } from '../dist/src/batch/read.js';
import { copyBits } from '../dist/src/engine/signal-bits.js';
import type { BitColumn } from '../dist/src/batch/read.js';
import { pipelineDays } from '../dist/src/calendar.js';
import { compareTrades } from '../dist/src/compare.js';
import { DEFAULT_CONFIG } from '../dist/src/config.js';
import { columnSettings, type SettingOverrides } from '../dist/src/settings.js';
import { KernelPool } from '../dist/src/engine/pool.js';
import { runKernel, type KernelInputs } from '../dist/src/engine/run-kernel.js';
import { collectRecords, type TradeRecords } from '../dist/src/records.js';
import { STAT_ORDERS, STATS_SLOTS } from '../dist/assembly/layout/records.js';
import { runBatch } from '../dist/src/run-batch.js';
import { shutdown } from '../dist/src/simulate.js';
import { tableToParquet } from '../dist/src/batch/write.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = path.join(ROOT, 'reference-data/.venv/bin/python');
const DEFAULT_BATCH = 'BTC_long/batch_001';
const QUICK_BATCH = 'BTC_longshort/batch_001';
/** Generated shapes, each in its own data root under the temp dir (made once, then reused). */
const SHAPES = {
  'order-heavy': { script: 'bench/order_heavy.py', batch: 'BTC_longshort/batch_001', fees: 1e-6, slippage: 1e-6 },
  'few-orders': { script: 'bench/few_orders.py', batch: 'BTC_long/batch_001', fees: undefined, slippage: undefined },
  // exits and per-strategy settings: most columns on the kernel's general path
  settings: { script: 'bench/settings_batch.py', batch: 'BTC_longshort/batch_002', fees: undefined, slippage: undefined },
} as const;
type Shape = keyof typeof SHAPES;
const now = () => performance.now() / 1000;
const fmt = (n: number) => n.toLocaleString('en-US');
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Arguments

interface Args {
  quick: boolean;
  batch: string;
  data: string;
  threads: number;
  reps: number;
  pyReps: number;
  pyWholeReps: number;
  vectorbt: boolean;
  scaling: boolean;
  kernelOnly: boolean;
  /** A generated shape (bench/order_heavy.py: fees and slippage 1e-6; bench/few_orders.py), or null. */
  shape: Shape | null;
  /** fees/slippage for every side of the bench (simrun kernel, CLI, runBatch, vectorbt). */
  config: typeof DEFAULT_CONFIG;
  results: string;
}

function usage(): never {
  process.stdout.write(`usage: npx tsx bench/run.ts [options]
  --quick             small batch (reference-data/data/BTC_longshort/batch_001, or a generated one)
  --batch <name>      <ASSET>_<direction>/batch_<NNN> (default BTC_long/batch_001)
  --data <root>       data root (default reference-data/full)
  --threads <n>       most threads to use (default: all cores, ${os.availableParallelism()})
  --reps <n>          repetitions of each simrun timing, best reported (default 5, quick 3)
  --py-reps <n>       timed vectorbt calls per measurement (default 3, quick 2)
  --py-whole-reps <n> fresh Python processes for the whole path (default 2)
  --no-vectorbt       skip the Python side
  --no-scaling        skip the scaling table
  --kernel-only       only the kernel section, printed; nothing written (quick A/B of kernel builds)
  --order-heavy       an order on most bars: 1M bars × 8 longshort strategies with reversals and tight
                      stops, fees and slippage 1e-6 (bench/order_heavy.py generates it once into the temp
                      dir); vectorbt's warm from_signals + exit trades side by side; results tagged -order-heavy
  --few-orders        few orders, so the batch's fixed cost shows: 1M bars × 8 long strategies with 5-40
                      entries each (bench/few_orders.py generates it once into the temp dir); tagged -few-orders
  --settings          exits and per-strategy settings, most columns on the kernel's general path: 1,112,627 bars
                      × 64 longshort strategies (bench/settings_batch.py generates it once into the temp dir,
                      a few minutes); tagged -settings
  --results <dir>     where to write results (default bench/results)
`);
  process.exit(0);
}

function parseArgs(argv: string[]): Args {
  const a: Partial<Args> & { quick: boolean } = { quick: false, vectorbt: true, scaling: true };
  const num = (v: string | undefined, flag: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a whole number >= 1, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const next = () => argv[++i];
    switch (f) {
      case '--quick': a.quick = true; break;
      case '--batch': a.batch = next(); break;
      case '--data': a.data = next(); break;
      case '--threads': a.threads = num(next(), f); break;
      case '--reps': a.reps = num(next(), f); break;
      case '--py-reps': a.pyReps = num(next(), f); break;
      case '--py-whole-reps': a.pyWholeReps = num(next(), f); break;
      case '--no-vectorbt': a.vectorbt = false; break;
      case '--no-scaling': a.scaling = false; break;
      case '--kernel-only': a.kernelOnly = true; break;
      case '--order-heavy': a.shape = 'order-heavy'; break;
      case '--few-orders': a.shape = 'few-orders'; break;
      case '--settings': a.shape = 'settings'; break;
      case '--results': a.results = next(); break;
      case '-h': case '--help': usage();
      default: throw new Error(`unknown option ${f} (see --help)`);
    }
  }
  if (a.shape) {
    a.batch ??= SHAPES[a.shape].batch;
    a.data ??= path.join(os.tmpdir(), `simrun-${a.shape}`);
  }
  const shape = a.shape ? SHAPES[a.shape] : null;
  return {
    quick: a.quick,
    batch: a.batch ?? (a.quick ? QUICK_BATCH : DEFAULT_BATCH),
    data: path.resolve(a.data ?? (a.quick ? path.join(ROOT, 'reference-data/data') : path.join(ROOT, 'reference-data/full'))),
    threads: a.threads ?? os.availableParallelism(),
    reps: a.reps ?? (a.quick ? 3 : 5),
    pyReps: a.pyReps ?? (a.quick ? 2 : 3),
    pyWholeReps: a.pyWholeReps ?? 2,
    vectorbt: a.vectorbt ?? true,
    scaling: a.scaling ?? true,
    kernelOnly: a.kernelOnly ?? false,
    shape: a.shape ?? null,
    config: { ...DEFAULT_CONFIG, fees: shape?.fees ?? DEFAULT_CONFIG.fees, slippage: shape?.slippage ?? DEFAULT_CONFIG.slippage },
    results: path.resolve(a.results ?? path.join(ROOT, 'bench/results')),
  };
}

/** A generated shape's tree, made once (inputs and vectorbt's reference outputs, with the shape's fees and slippage). */
function shapeData(args: Args, shape: Shape): void {
  const p = batchPaths(args.data, args.batch);
  if (fs.existsSync(p.signals) && fs.existsSync(p.trades)) return;
  const { script, fees, slippage } = SHAPES[shape];
  log(`${p.dir} not found: generating the ${shape} batch (${script}; once, about a minute)`);
  execFileSync(PYTHON, [path.join(ROOT, script), '--out', args.data,
    ...(fees !== undefined ? ['--fees', String(fees), '--slippage', String(slippage)] : [])],
  { stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Quick mode without the committed small tree: a tiny generated one, kept in the temp dir. */
function quickData(args: Args): void {
  const p = batchPaths(args.data, args.batch);
  if (fs.existsSync(p.signals) && fs.existsSync(p.trades)) return;
  const tmp = path.join(os.tmpdir(), 'simrun-bench-quick-data');
  const tp = batchPaths(tmp, args.batch);
  if (!(fs.existsSync(tp.signals) && fs.existsSync(tp.trades))) {
    log(`${p.dir} not found: generating a small tree into ${tmp} (once; reused next time)`);
    execFileSync(PYTHON, [path.join(ROOT, 'reference-data/generate.py'), 'small', '--out', tmp,
      '--bars', '20000', '--strategies', '8'], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  args.data = tmp;
}

// ---------------------------------------------------------------------------------------------
// Machine and versions

function machine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch { /* not Linux */ }
  return {
    hostname: os.hostname(), cpu, cores: os.cpus().length, availableParallelism: os.availableParallelism(),
    ramGiB: +(os.totalmem() / 2 ** 30).toFixed(1), os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavgAtStart: os.loadavg().map((x) => +x.toFixed(2)),
  };
}

function simrunVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  let git = '';
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim();
    git = ` (git ${sha}${dirty ? '+dirty' : ''})`;
  } catch { /* not a checkout */ }
  return `${pkg.version}${git}`;
}

function commandLine(argv: string[]): string {
  const rest = argv.length ? ` ${argv.join(' ')}` : '';
  return process.env.npm_lifecycle_event === 'bench' ? `npm run bench${rest ? ` --${rest}` : ''}` : `npx tsx bench/run.ts${rest}`;
}

// ---------------------------------------------------------------------------------------------
// The batch in memory

interface Batch {
  name: string;
  bars: ReturnType<typeof readBars>;
  strategies: string[];
  /** params.csv `family` column when present (the generator's signal-density family). */
  families: string[];
  tp: Float64Array;
  sl: Float64Array;
  tsl: Float64Array;
  /** Each strategy's params.csv settings (src/settings.ts). */
  overrides: SettingOverrides[];
  hasLong: boolean;
  hasShort: boolean;
  signals: Map<string, { long: BitColumn | null; short: BitColumn | null; longExit: BitColumn | null; shortExit: BitColumn | null }>;
  dayEnds: Int32Array;
  refTrades: string;
  readSeconds: number;
  /** The read split by file/step. */
  readSteps: Record<string, number>;
}

async function loadBatch(data: string, batch: string): Promise<Batch> {
  const t = now();
  const steps: Record<string, number> = {};
  const step = <T>(what: string, f: () => T): T => {
    const s = now();
    const v = f();
    steps[what] = now() - s;
    return v;
  };
  const name = parseBatchName(batch);
  const p = batchPaths(data, batch);
  const bars = step('ohlcv.parquet', () => readBars(p.ohlcv));
  const params = step('params.csv', () => readParams(p.params));
  const strategies = params.map((x) => x.strategy);
  const signalsStart = now();
  const signals = await readSignals(p.signals, { rows: bars.close.length, direction: name.direction, strategies });
  steps['signals.parquet'] = now() - signalsStart;
  const days = step('calendar', () => pipelineDays(bars.time));
  return {
    name: batch, bars, strategies, families: params.map((x) => x.extra.get('family') ?? ''),
    tp: Float64Array.from(params, (x) => x.tpStop), sl: Float64Array.from(params, (x) => x.slStop),
    tsl: Float64Array.from(params, (x) => x.tslStop),
    overrides: params.map((x) => x.settings),
    hasLong: name.direction !== 'short', hasShort: name.direction !== 'long',
    signals: signals.columns, dayEnds: days.dayEnds, refTrades: p.trades, readSeconds: now() - t,
    readSteps: steps,
  };
}

function kernelInputs(b: Batch, config: typeof DEFAULT_CONFIG): KernelInputs {
  return {
    open: b.bars.open, high: b.bars.high, low: b.bars.low, close: b.bars.close, dayEnds: b.dayEnds,
    nCols: b.strategies.length, hasLong: b.hasLong, hasShort: b.hasShort, tp: b.tp, sl: b.sl, tsl: b.tsl,
    config: { ...config },
    settings: columnSettings(config, b.strategies.length, b.overrides),
    longExit: b.strategies.map((s) => b.signals.get(s)!.longExit !== null),
    shortExit: b.strategies.map((s) => b.signals.get(s)!.shortExit !== null),
    placeSignals(col, long, short, longExit, shortExit) {
      const s = b.signals.get(b.strategies[col])!;
      if (long && s.long) copyBits(s.long, long);
      if (short && s.short) copyBits(s.short, short);
      if (longExit && s.longExit) copyBits(s.longExit, longExit);
      if (shortExit && s.shortExit) copyBits(s.shortExit, shortExit);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// runKernel, instrumented: the pool is wrapped so that we see when runKernel hands over to
// pool.run (everything before = copy-in: plan, prepare, copy bars, unpack signals; everything
// after = collecting records) and can replay the exact pool.run calls it made, on inputs already
// in memory: the kernel alone. This relies only on runKernel calling pool.prepare/pool.run.

interface Instrumented {
  out: Awaited<ReturnType<typeof runKernel>>;
  memory: WebAssembly.Memory;
  runCalls: unknown[][];
  copyIn: number;
  run: number;
  collect: number;
  total: number;
}

async function instrumentedRunKernel(pool: KernelPool, input: KernelInputs): Promise<Instrumented> {
  const runCalls: unknown[][] = [];
  let memory: WebAssembly.Memory | undefined;
  let runStart = NaN;
  let runEnd = NaN;
  const proxy = new Proxy(pool, {
    get(target, prop) {
      if (prop === 'prepare') {
        return (...a: unknown[]) => (memory = (target.prepare as (...x: unknown[]) => WebAssembly.Memory)(...a));
      }
      if (prop === 'run') {
        return async (...a: unknown[]) => {
          if (Number.isNaN(runStart)) runStart = now();
          runCalls.push(a);
          await (target.run as (...x: unknown[]) => Promise<void>)(...a);
          runEnd = now();
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const t0 = now();
  const out = await runKernel(proxy, input);
  const t1 = now();
  if (!memory || !runCalls.length) throw new Error('runKernel did not call pool.prepare/pool.run: update bench/run.ts');
  return { out, memory, runCalls, copyIn: runStart - t0, run: runEnd - runStart, collect: t1 - runEnd, total: t1 - t0 };
}

/** Replays runKernel's pool.run calls: the kernel alone, inputs already in WASM memory. */
async function replay(pool: KernelPool, calls: unknown[][]): Promise<void> {
  for (const a of calls) await (pool.run as (...x: unknown[]) => Promise<void>)(...a);
}

/** Best seconds per kernel call; short calls are repeated to `minSample` seconds per sample. */
async function timeReplay(pool: KernelPool, calls: unknown[][], reps: number, minSample: number) {
  let t = now();
  await replay(pool, calls); // warm-up, and a first estimate of the call's length
  const first = now() - t;
  const n = Math.max(1, Math.min(1000, Math.ceil(minSample / Math.max(first, 1e-6))));
  const samples: number[] = [];
  const cpu: number[] = []; // process CPU seconds (all threads): steadier than wall time on a loaded machine
  for (let r = 0; r < reps; r++) {
    t = now();
    const u = process.cpuUsage();
    for (let c = 0; c < n; c++) await replay(pool, calls);
    samples.push((now() - t) / n);
    const d = process.cpuUsage(u);
    cpu.push((d.user + d.system) / 1e6 / n);
  }
  return { best: Math.min(...samples), samples, calls: n, cpuBest: Math.min(...cpu) };
}

// ---------------------------------------------------------------------------------------------
// 1. Kernel alone on the whole batch

interface KernelResult {
  threads: number;
  /** First runKernel on a fresh pool: cold memory, workers starting. */
  coldRunKernel: { copyIn: number; run: number; collect: number; total: number };
  copyInSeconds: number[];
  collectSeconds: number[];
  runKernelSeconds: number[];
  runKernelBest: number;
  kernelSeconds: number[];
  kernelBest: number;
  nsPerBarCol: number;
  /** Best process CPU seconds of a kernel run (all threads), and per bar·column per thread. */
  kernelCpuBest: number;
  cpuNsPerBarCol: number;
  /** Filled orders (the kernel's STAT_ORDERS, all columns), and kernel ns per order. */
  orders: number;
  nsPerOrder: number;
  trades: number;
  memoryBytes: number;
  memoryGrewDuringReps: number;
  replayedRecordsIdentical: boolean;
  records: TradeRecords;
}

function sameRecords(a: TradeRecords, b: TradeRecords): boolean {
  if (a.length !== b.length) return false;
  for (const key of Object.keys(a) as (keyof TradeRecords)[]) {
    const x = a[key];
    const y = b[key];
    if (typeof x === 'number') continue;
    const xs = x as ArrayLike<number>;
    const ys = y as ArrayLike<number>;
    if (xs.length !== ys.length) return false;
    for (let i = 0; i < xs.length; i++) if (!Object.is(xs[i], ys[i])) return false;
  }
  return true;
}

async function benchKernel(b: Batch, threads: number, reps: number, config: typeof DEFAULT_CONFIG): Promise<KernelResult> {
  const pool = new KernelPool(threads);
  const input = kernelInputs(b, config);
  const N = b.bars.close.length * b.strategies.length;
  try {
    const cold = await instrumentedRunKernel(pool, input);
    const copyInSeconds: number[] = [];
    const collectSeconds: number[] = [];
    const runKernelSeconds: number[] = [];
    let last = cold;
    // at least `reps` calls, and enough of them to fill 0.5 s (short batches are noisy)
    const calls = Math.max(reps, Math.min(200, Math.ceil(0.5 / Math.max(cold.total, 1e-6))));
    for (let r = 0; r < calls; r++) {
      last = await instrumentedRunKernel(pool, input);
      copyInSeconds.push(last.copyIn);
      collectSeconds.push(last.collect);
      runKernelSeconds.push(last.total);
    }
    const before = last.memory.buffer.byteLength;
    const k = await timeReplay(pool, last.runCalls, Math.max(2 * reps, 6), 0.2);
    const grew = last.memory.buffer.byteLength - before;
    // the records left by the replayed runs must be the ones runKernel returned
    const replayed = collectRecords(last.memory, last.out.plan);
    let orders = 0;
    for (let c = 0; c < b.strategies.length; c++) orders += last.out.stats[c * STATS_SLOTS + STAT_ORDERS];
    return {
      threads: pool.threads,
      coldRunKernel: { copyIn: cold.copyIn, run: cold.run, collect: cold.collect, total: cold.total },
      copyInSeconds, collectSeconds, runKernelSeconds, runKernelBest: Math.min(...runKernelSeconds),
      kernelSeconds: k.samples, kernelBest: k.best, nsPerBarCol: (k.best / N) * 1e9,
      kernelCpuBest: k.cpuBest, cpuNsPerBarCol: (k.cpuBest / N) * 1e9,
      orders, nsPerOrder: orders ? (k.best / orders) * 1e9 : NaN,
      trades: last.out.records.length, memoryBytes: last.memory.buffer.byteLength, memoryGrewDuringReps: grew,
      replayedRecordsIdentical: sameRecords(replayed, last.out.records), records: last.out.records,
    };
  } finally {
    await pool.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Scaling: slices of the batch, kernel only

interface ScalingCell { bars: number; cols: number; threads: number; seconds: number; nsPerBarCol: number; callsPerSample: number }

/**
 * `count` columns of the batch, spread evenly over its columns ordered by signal family (params.csv
 * `family`, when there is one): every subset then mixes the families in the batch's proportions.
 */
function pickColumns(b: Batch, count: number): number[] {
  const order = b.strategies.map((_, i) => i);
  order.sort((x, y) => (b.families[x] < b.families[y] ? -1 : b.families[x] > b.families[y] ? 1 : x - y));
  const picked = Array.from({ length: count }, (_, j) => order[Math.floor(((j + 0.5) * order.length) / count)]);
  return picked.sort((x, y) => x - y);
}

async function benchScaling(b: Batch, threadsList: number[], reps: number): Promise<ScalingCell[]> {
  const n = b.bars.close.length;
  const k = b.strategies.length;
  const barSizes = [...new Set([10_000, 100_000, n].filter((x) => x <= n))];
  const colSizes = [...new Set([1, 16, k].filter((x) => x <= k))];
  const setup = async (pool: KernelPool, bars: number, dayEnds: Int32Array, pick: number[]) => {
    const input: KernelInputs = {
      open: b.bars.open.subarray(0, bars), high: b.bars.high.subarray(0, bars), low: b.bars.low.subarray(0, bars),
      close: b.bars.close.subarray(0, bars), dayEnds, nCols: pick.length,
      hasLong: b.hasLong, hasShort: b.hasShort,
      tp: Float64Array.from(pick, (c) => b.tp[c]), sl: Float64Array.from(pick, (c) => b.sl[c]),
      tsl: Float64Array.from(pick, (c) => b.tsl[c]),
      config: { ...DEFAULT_CONFIG },
      placeSignals(col, long, short) {
        const s = b.signals.get(b.strategies[pick[col]])!;
        if (long && s.long) copyBits(s.long, long, bars);
        if (short && s.short) copyBits(s.short, short, bars);
      },
    };
    return (await instrumentedRunKernel(pool, input)).runCalls;
  };
  const cells: ScalingCell[] = [];
  for (const threads of threadsList) {
    const pool = new KernelPool(threads);
    try {
      for (const bars of barSizes) {
        const dayEnds = pipelineDays(b.bars.time.subarray(0, bars)).dayEnds;
        for (const cols of colSizes) {
          const runCalls = await setup(pool, bars, dayEnds, pickColumns(b, cols));
          const { best, calls } = await timeReplay(pool, runCalls, reps, 0.05);
          cells.push({ bars, cols, threads: pool.threads, seconds: best, nsPerBarCol: (best / (bars * cols)) * 1e9,
            callsPerSample: calls });
          log(`  scaling ${fmt(bars)} bars × ${cols} cols, ${pool.threads} thread(s): ` +
            `${((best / (bars * cols)) * 1e9).toFixed(2)} ns/bar·col`);
        }
      }
    } finally {
      await pool.close();
    }
  }
  return cells;
}

// ---------------------------------------------------------------------------------------------
// 3a. Whole batch in-process (no node start-up), to split the CLI's stages further

interface InProcessResult {
  threads: number;
  runs: Record<string, number>[];
  best: Record<string, number>;
  tradesParquetSeconds: number;
  tradesParquetBytes: number;
}

async function benchInProcess(args: Args, threads: number, reps: number, out: string): Promise<InProcessResult> {
  const runs: Record<string, number>[] = [];
  let last: Awaited<ReturnType<typeof runBatch>> | null = null;
  for (let r = 0; r < reps; r++) {
    const t = now();
    last = await runBatch({ batch: args.batch, data: args.data, out, threads, config: args.config });
    runs.push({ ...last.seconds, wall: now() - t });
  }
  await shutdown();
  const t = now();
  const bytes = tableToParquet(last!.tradesTable);
  const tradesParquetSeconds = now() - t;
  const best = runs.reduce((a, b) => (b.total < a.total ? b : a));
  return { threads, runs, best, tradesParquetSeconds, tradesParquetBytes: bytes.byteLength };
}

// ---------------------------------------------------------------------------------------------
// 3. Whole batch through the CLI, one fresh process per repetition

interface CliRun { wallSeconds: number; maxRssBytes: number | null; json: Record<string, unknown>; exitCode: number }

function runCli(args: Args, threads: number, out: string, compare: boolean): CliRun {
  const cli = [path.join(ROOT, 'bin/simrun.js'), '--batch', args.batch, '--data', args.data, '--out', out, '-q',
    '--json', '--threads', String(threads), '--fees', String(args.config.fees), '--slippage', String(args.config.slippage),
    ...(compare ? ['--compare'] : [])];
  const timeFile = path.join(out, `.time-${process.pid}`);
  fs.mkdirSync(out, { recursive: true });
  const useTime = fs.existsSync('/usr/bin/time');
  const t = now();
  const r = useTime
    ? spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%e %M', process.execPath, ...cli], { encoding: 'utf8', maxBuffer: 1 << 28 })
    : spawnSync(process.execPath, cli, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wall = now() - t;
  let maxRss: number | null = null;
  if (useTime && fs.existsSync(timeFile)) {
    const last = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!;
    const [, kib] = last.split(/\s+/);
    maxRss = Number(kib) * 1024;
    fs.rmSync(timeFile);
  }
  if (r.status !== 0 && r.status !== 1) {
    throw new Error(`simrun exited with ${r.status}: ${r.stderr.slice(0, 2000)}`);
  }
  return { wallSeconds: wall, maxRssBytes: maxRss, json: JSON.parse(r.stdout), exitCode: r.status ?? -1 };
}

interface WholeResult {
  threads: number;
  runs: { wallSeconds: number; maxRssBytes: number | null; seconds: Record<string, number> }[];
  best: { wallSeconds: number; maxRssBytes: number | null; seconds: Record<string, number> };
  maxRssBytes: number | null;
}

function benchWhole(args: Args, threads: number, reps: number, out: string): WholeResult {
  const runs = [];
  for (let r = 0; r < reps; r++) {
    const res = runCli(args, threads, out, false);
    const seconds = res.json.seconds as Record<string, number>;
    runs.push({ wallSeconds: res.wallSeconds, maxRssBytes: res.maxRssBytes, seconds });
    log(`  simrun CLI, ${threads} thread(s), rep ${r + 1}/${reps}: ${res.wallSeconds.toFixed(2)} s wall ` +
      `(read ${seconds.read.toFixed(2)}, simulate ${seconds.simulate.toFixed(2)}, write ${seconds.write.toFixed(2)}), ` +
      `peak RSS ${mib(res.maxRssBytes)}`);
  }
  const best = runs.reduce((a, b) => (b.wallSeconds < a.wallSeconds ? b : a));
  const rss = runs.map((r) => r.maxRssBytes).filter((x): x is number => x !== null);
  return { threads, runs, best, maxRssBytes: rss.length ? Math.max(...rss) : null };
}

// ---------------------------------------------------------------------------------------------
// 4. vectorbt (bench/vectorbt_bench.py)

async function benchVectorbt(args: Args, out: string): Promise<Record<string, any> | { error: string }> {
  if (!fs.existsSync(PYTHON)) return { error: `${PYTHON} not found: run npm run reference:setup` };
  const measure = args.quick ? 'combined' : args.shape ? 'sim-exact,whole-exact'
    : 'sim-exact,sim-plain-numba,sim-plain-rust,whole-exact';
  const pyArgs = [path.join(ROOT, 'bench/vectorbt_bench.py'), '--batch', args.batch, '--data', args.data,
    '--fees', String(args.config.fees), '--slippage', String(args.config.slippage),
    '--reps', String(args.pyReps), '--whole-reps', String(args.pyWholeReps), '--measure', measure, '--out', out];
  log(`vectorbt: ${path.relative(ROOT, PYTHON)} ${pyArgs.map((x) => path.isAbsolute(x) ? path.relative(ROOT, x) || '.' : x).join(' ')}`);
  return await new Promise((resolve) => {
    const child = spawn(PYTHON, pyArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.on('close', (code) => {
      if (code !== 0) resolve({ error: `vectorbt_bench.py exited with ${code}` });
      else {
        try { resolve(JSON.parse(stdout)); } catch (e) { resolve({ error: `bad JSON from vectorbt_bench.py: ${e}` }); }
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Report

const mib = (b: number | null | undefined) => (b == null ? 'n/a' : `${fmt(Math.round(b / 2 ** 20))} MiB`);
const sec = (s: number | null | undefined, d = 3) => (s == null || !Number.isFinite(s) ? 'n/a' : `${s.toFixed(d)} s`);
const ns = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? 'n/a' : x.toFixed(2));
const times = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(1)}×` : 'n/a');

interface Check { what: string; ok: boolean; detail: string }

async function agreementChecks(b: Batch, kernels: KernelResult[], cliCompare: CliRun | null, py: any): Promise<Check[]> {
  const checks: Check[] = [];
  if (cliCompare) {
    const c = cliCompare.json.compare as any;
    checks.push({
      what: 'simrun CLI `--compare` vs reference trades/metrics/daily returns',
      ok: !!c?.ok && cliCompare.exitCode === 0,
      detail: c ? `${c.strategiesExact}/${c.strategies} strategies exact; ${fmt(c.ourTrades)} trades vs ${fmt(c.referenceTrades)} ` +
        `reference, ${fmt(c.mismatchedRecords)} mismatching records; ${fmt(c.bitIdenticalFloats)}/${fmt(c.comparedFloats)} float ` +
        `fields bit-identical; metrics ${c.metrics ? `${c.metrics.mismatched} mismatching of ${c.metrics.compared}` : 'n/a'}; ` +
        `daily returns ${c.dailyReturns ? `${c.dailyReturns.mismatched} mismatching of ${c.dailyReturns.compared}` : 'n/a'}`
        : 'no compare report',
    });
  }
  for (const k of kernels) {
    checks.push({
      what: `replayed kernel runs (${k.threads} thread${k.threads > 1 ? 's' : ''}) leave runKernel's records`,
      ok: k.replayedRecordsIdentical,
      detail: k.replayedRecordsIdentical ? 'bit-identical (the timed replays compute the same trades)' : 'records differ after replaying pool.run',
    });
  }
  const hasRef = fs.existsSync(b.refTrades);
  for (const k of kernels) {
    if (!hasRef) break;
    const c = await compareTrades(k.records, b.strategies, readParquetTable(b.refTrades), b.refTrades);
    checks.push({
      what: `bench kernel records (${k.threads} thread${k.threads > 1 ? 's' : ''}) vs reference trades.parquet`,
      ok: c.mismatchedRecords === 0 && c.ourTrades === c.referenceTrades,
      detail: `${c.strategiesExact}/${c.strategies} strategies exact, ${fmt(c.ourTrades)} vs ${fmt(c.referenceTrades)} trades, ` +
        `${fmt(c.mismatchedRecords)} mismatching` + (c.examples.length ? `; e.g. ${c.examples[0]}` : ''),
    });
  }
  const whole = py?.measurements?.['whole-exact'] ?? (py?.measurements?.combined ? [py.measurements.combined] : null);
  const last = Array.isArray(whole) ? whole[whole.length - 1] : null;
  if (last?.agreement) {
    const a = last.agreement;
    checks.push({
      what: "vectorbt bench's trades (this run's exact call) vs reference trades.parquet",
      ok: !!a.identical,
      detail: a.available ? `${fmt(a.rows)} vs ${fmt(a.reference_rows)} rows, ${a.identical ? 'identical tables' : `DIFFERENT (${(a.differing_columns ?? []).join(', ') || 'schema'})`}` : 'no reference',
    });
  }
  if (last?.whole?.trades_file && fs.existsSync(last.whole.trades_file) && kernels.length) {
    const c = await compareTrades(kernels[0].records, b.strategies, readParquetTable(last.whole.trades_file), last.whole.trades_file);
    checks.push({
      what: "bench kernel records vs the vectorbt bench's own trades",
      ok: c.mismatchedRecords === 0 && c.ourTrades === c.referenceTrades,
      detail: `${c.strategiesExact}/${c.strategies} strategies exact, ${fmt(c.ourTrades)} vs ${fmt(c.referenceTrades)} trades, ` +
        `${fmt(c.mismatchedRecords)} mismatching, ${fmt(c.bitIdenticalFloats)}/${fmt(c.comparedFloats)} float fields bit-identical` +
        (c.examples.length ? `; e.g. ${c.examples[0]}` : ''),
    });
  }
  if (!checks.length) checks.push({ what: 'trade agreement', ok: false, detail: 'nothing to compare with (no reference trades)' });
  return checks;
}

/** log(time ratio) / log(size ratio) from the smallest to the largest size (in columns: from the smallest K > 1). */
function exponent(cells: ScalingCell[], key: 'bars' | 'cols', fixed: number, threads: number): number {
  const other = key === 'bars' ? 'cols' : 'bars';
  let row = cells.filter((c) => c[other] === fixed && c.threads === threads).sort((a, b) => a[key] - b[key]);
  if (key === 'cols' && row.filter((c) => c.cols > 1).length >= 2) row = row.filter((c) => c.cols > 1);
  if (row.length < 2) return NaN;
  const a = row[0];
  const z = row[row.length - 1];
  return Math.log(z.seconds / a.seconds) / Math.log(z[key] / a[key]);
}

/** Which strategies (and families) each column count of the scaling table used. */
function scalingColumns(b: Batch, cells: ScalingCell[]): Record<number, { strategies: string[]; families: Record<string, number> }> {
  const out: Record<number, { strategies: string[]; families: Record<string, number> }> = {};
  for (const k of new Set(cells.map((c) => c.cols))) {
    const pick = pickColumns(b, k);
    const families: Record<string, number> = {};
    for (const c of pick) if (b.families[c]) families[b.families[c]] = (families[b.families[c]] ?? 0) + 1;
    out[k] = { strategies: pick.map((c) => b.strategies[c]), families };
  }
  return out;
}

function scalingTables(cells: ScalingCell[]): string[] {
  const lines: string[] = [];
  const threadsList = [...new Set(cells.map((c) => c.threads))];
  const bars = [...new Set(cells.map((c) => c.bars))].sort((a, b) => a - b);
  const cols = [...new Set(cells.map((c) => c.cols))].sort((a, b) => a - b);
  const e = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
  const multi = cols.filter((c) => c > 1);
  const colSpan = multi.length >= 2 ? `${multi[0]} → ${multi[multi.length - 1]}` : `${cols[0]} → ${cols[cols.length - 1]}`;
  for (const t of threadsList) {
    lines.push('', `**${t} thread${t > 1 ? 's' : ''}**: ns per bar·column (seconds per call)`, '');
    lines.push(`| bars \\ columns | ${cols.map(String).join(' | ')} | time exponent in columns (${colSpan}) |`);
    lines.push(`| ---: | ${cols.map(() => '---:').join(' | ')} | ---: |`);
    for (const b of bars) {
      const row = cols.map((c) => {
        const cell = cells.find((x) => x.bars === b && x.cols === c && x.threads === t);
        if (!cell) return '';
        const s = cell.seconds < 0.01 ? `${(cell.seconds * 1000).toFixed(2)} ms` : `${cell.seconds.toFixed(3)} s`;
        return `${ns(cell.nsPerBarCol)} (${s})`;
      });
      lines.push(`| ${fmt(b)} | ${row.join(' | ')} | ${e(exponent(cells, 'cols', b, t))} |`);
    }
    lines.push(`| time exponent in bars (${fmt(bars[0])} → ${fmt(bars[bars.length - 1])}) | ${cols.map((c) => e(exponent(cells, 'bars', c, t))).join(' | ')} | |`);
  }
  lines.push('', 'Time exponent: log(time ratio) / log(size ratio) between the smallest and the largest size of a row or ' +
    'column (in columns, from the smallest K > 1); 1.00 = cost grows linearly. With several threads, fewer columns than threads leave cores idle, and ' +
    'very short calls pay the workers\' hand-off.');
  return lines;
}

function markdown(r: any): string {
  const L: string[] = [];
  const b = r.batch;
  const m = r.machine;
  const v = r.versions;
  const vb = r.vectorbt;
  const bad = r.agreement.some((c: Check) => !c.ok);
  L.push(`# simrun benchmark: ${b.name}${r.quick ? ' (quick)' : ''}`, '');
  L.push(`${fmt(b.bars)} bars × ${b.columns} strategies = ${fmt(b.bars * b.columns)} bar·columns; ${fmt(b.trades)} trades.`, '');
  L.push(`- Date: ${r.date}; took ${r.benchSeconds.toFixed(0)} s`);
  L.push(`- Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.os} (host ${m.hostname}); load average at start ${m.loadavgAtStart.join(' ')}, at end ${m.loadavgAtEnd.join(' ')}`);
  L.push(`- Versions: node ${v.node}, simrun ${v.simrun}, python ${v.python ?? 'n/a'}, vectorbt ${v.vectorbt ?? 'n/a'}, ` +
    `vectorbt-rust ${v['vectorbt-rust'] ?? 'n/a'}, numba ${v.numba ?? 'n/a'}, numpy ${v.numpy ?? 'n/a'}, pandas ${v.pandas ?? 'n/a'}`);
  L.push(`- Command: \`${r.command}\` (data: \`${path.relative(ROOT, b.data) || b.data}\`)`);
  L.push(`- Times are the best of ${r.reps} repetitions (simrun) / ${r.pyReps} calls (vectorbt): the machine is shared, other processes may load the CPU.`);
  L.push('');
  if (bad) {
    L.push('## !!! TRADE MISMATCH: THIS BENCHMARK IS VOID !!!', '');
  }
  L.push('## Trade agreement', '', '| check | result | detail |', '| --- | --- | --- |');
  for (const c of r.agreement as Check[]) L.push(`| ${c.what} | ${c.ok ? 'identical' : '**MISMATCH**'} | ${c.detail} |`);

  const N = b.bars * b.columns;
  L.push('', '## Simulation alone', '');
  L.push('| engine | call | threads | seconds | ns per bar·column | peak RSS | notes |', '| --- | --- | ---: | ---: | ---: | ---: | --- |');
  for (const k of r.kernel) {
    L.push(`| simrun kernel (\`pool.run\`) | exact | ${k.threads} | ${sec(k.kernelBest)} | ${ns(k.nsPerBarCol)} | — | inputs already in WASM memory |`);
  }
  for (const k of r.kernel) {
    L.push(`| simrun \`runKernel\` | exact | ${k.threads} | ${sec(k.runKernelBest)} | ${ns((k.runKernelBest / N) * 1e9)} | — | copy-in + kernel + collect records |`);
  }
  const k0 = r.kernel[0];
  if (k0) {
    for (const k of r.kernel) {
      L.push(`| simrun copy-in | — | ${k.threads} | ${sec(Math.min(...k.copyInSeconds))} | ${ns((Math.min(...k.copyInSeconds) / N) * 1e9)} | — | ` +
        `runKernel before \`pool.run\`: plan, prepare memory, copy bars, unpack signal bits; first call on a fresh pool ` +
        `${sec(k.coldRunKernel.copyIn)}; collecting records after the run ${sec(Math.min(...k.collectSeconds))} |`);
    }
  }
  const sims: [string, string, any][] = [];
  if (vb && !vb.error) {
    const ms = vb.measurements ?? {};
    const exact = ms['sim-exact']?.sim ?? ms.combined?.sim;
    const combined = !ms['sim-exact'] && !!ms.combined;
    const exactRss = ms['sim-exact']?.maxrss_bytes ?? ms.combined?.maxrss_bytes ?? null;
    if (exact) sims.push(['vectorbt numba', 'exact (custom `adjust_sl_func_nb`)', { ...exact, rss: exactRss }]);
    if (ms['sim-plain-numba']?.sim) sims.push(['vectorbt numba', 'plain: no two-stop adjust (DIFFERENT call, trades not compared)', { ...ms['sim-plain-numba'].sim, rss: ms['sim-plain-numba'].maxrss_bytes }]);
    const rust = ms['sim-plain-rust']?.sim ?? ms.combined?.rust_plain;
    if (rust) sims.push(['vectorbt rust', 'plain: no two-stop adjust (DIFFERENT call, trades not compared)', { ...rust, rss: ms['sim-plain-rust']?.maxrss_bytes ?? ms.combined?.maxrss_bytes ?? null }]);
    for (const [engine, call, s] of sims) {
      if (s.error) { L.push(`| ${engine} | ${call} | 1 | n/a | n/a | n/a | ${s.error} |`); continue; }
      L.push(`| ${engine} | ${call} | 1 | ${sec(s.sim_best)} | ${ns(s.ns_per_bar_col)} | ${mib(s.rss)} | ` +
        `\`from_signals\` only; + exit trades ${sec(s.exit_trades_best)}; ` +
        (combined ? 'same process as the python whole path below (JIT paid there; peak RSS of that process); '
          : `first call (JIT compile, ${fmt(s.warmup_rows)}-bar warm-up) ${sec(s.warmup_seconds, 1)}; `) +
        `${fmt(Array.isArray(s.trades) ? s.trades[0] : s.trades)} trades |`);
    }
  } else if (vb?.error) {
    L.push(`| vectorbt | — | — | n/a | n/a | n/a | ${vb.error} |`);
  }
  const exactSim = sims.find((s) => s[1].startsWith('exact'))?.[2];
  const kMax = r.kernel[r.kernel.length - 1];
  if (exactSim && k0 && !exactSim.error) {
    L.push('', `Exact call, simulation alone: simrun kernel is ${times(exactSim.sim_best, k0.kernelBest)} faster on 1 thread` +
      (kMax && kMax !== k0 ? `, ${times(exactSim.sim_best, kMax.kernelBest)} on ${kMax.threads} threads` : '') +
      ` than vectorbt's \`from_signals\` (numba, 1 thread, JIT excluded).`);
  }

  L.push('', '## Whole batch: read → simulate → write', '');
  L.push('| tool | threads | wall seconds | read | simulate | write | peak RSS | notes |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const w of r.whole as WholeResult[]) {
    const s = w.best.seconds;
    L.push(`| simrun CLI | ${w.threads} | ${sec(w.best.wallSeconds, 2)} | ${sec(s.read, 2)} | ${sec(s.simulate, 2)} | ${sec(s.write, 2)} | ${mib(w.maxRssBytes)} | ` +
      `fresh \`node\` process, best of ${w.runs.length}; simulate = kernel + trades table + metrics + daily returns; writes trades, metrics, daily_returns |`);
  }
  const wholePy = vb?.measurements?.['whole-exact'] ?? (vb?.measurements?.combined ? [vb.measurements.combined] : null);
  let pyBest: any = null;
  if (Array.isArray(wholePy)) {
    const ok = wholePy.filter((x: any) => x.whole);
    if (ok.length) {
      pyBest = ok.reduce((a: any, c: any) => (c.wall_seconds < a.wall_seconds ? c : a));
      const w = pyBest.whole;
      const rss = Math.max(...ok.map((x: any) => x.whole.maxrss_bytes));
      L.push(`| python + vectorbt (exact call) | 1 | ${sec(pyBest.wall_seconds, 2)} | ${sec(w.read_seconds, 2)} | ${sec(w.simulate_seconds, 2)} | ` +
        `${sec(w.write_seconds, 2)} | ${mib(rss)} | fresh process, best of ${ok.length}; imports ${sec(pyBest.import_seconds, 1)}; ` +
        `simulate includes numba JIT; + trades table (exit trades + exit reasons) ${sec(w.trades_seconds, 2)}; writes trades only |`);
    }
  }
  if (r.inProcess) {
    const ip = r.inProcess as InProcessResult;
    const kT = (r.kernel as KernelResult[]).find((k) => k.threads === ip.threads);
    const steps = Object.entries(r.batch.readSteps as Record<string, number>).map(([k, v]) => `${k} ${sec(v, 2)}`).join(', ');
    L.push('', `Where the whole-batch time goes (simrun \`runBatch\` in-process, ${ip.threads} thread${ip.threads > 1 ? 's' : ''}, best of ${ip.runs.length}: ` +
      `total ${sec(ip.best.total, 2)}):`, '',
      `- read ${sec(ip.best.read, 2)} (in the bench: ${steps})`,
      `- simulate ${sec(ip.best.simulate, 2)}, of which \`runKernel\` ${kT ? sec(kT.runKernelBest, 2) : 'n/a'} (kernel alone ${kT ? sec(kT.kernelBest, 2) : 'n/a'}); ` +
        'the rest builds the trades table, metrics and daily returns from the records',
      `- write ${sec(ip.best.write, 2)}, of which encoding trades.parquet ${sec(ip.tradesParquetSeconds, 2)} (${mib(ip.tradesParquetBytes)})`);
  }
  const wAll = (r.whole as WholeResult[]).reduce((a: WholeResult | null, c) => (!a || c.best.wallSeconds < a.best.wallSeconds ? c : a), null);
  const exactWarm = sims.find((x) => x[1].startsWith('exact'))?.[2];
  if (exactWarm && !exactWarm.error && wAll) {
    const warm = exactWarm.sim_best + exactWarm.exit_trades_best;
    L.push('', `Whole batch against vectorbt's warm \`from_signals\` + exit trades on the same arrays (${sec(warm, 2)}; ` +
      `JIT, reading and writing excluded on its side): simrun's whole batch in a fresh process (${sec(wAll.best.wallSeconds, 2)}) ` +
      (wAll.best.wallSeconds <= warm ? `is ${times(warm, wAll.best.wallSeconds)} faster.`
        : `takes ${times(wAll.best.wallSeconds, warm)} as long.`));
  }
  if (k0?.orders) {
    L.push('', `Orders: ${fmt(k0.orders)} filled (${(k0.orders / N).toFixed(3)} per bar·column); simrun kernel ` +
      `${ns(k0.nsPerOrder)} ns per order on 1 thread (kernel time / orders, everything included).`);
  }
  if (pyBest && wAll) {
    L.push('', `Whole batch: simrun (${wAll.threads} thread${wAll.threads > 1 ? 's' : ''}) is ${times(pyBest.wall_seconds, wAll.best.wallSeconds)} faster than ` +
      `python + vectorbt (which also writes less: trades only, no metrics or daily returns).`);
  }

  if (r.scaling?.cells?.length) {
    L.push('', '## Scaling (kernel only, slices of the batch: first N bars × K of its columns)');
    L.push(...scalingTables(r.scaling.cells));
    const fam = Object.entries(r.scaling.columns as Record<string, { strategies: string[]; families: Record<string, number> }>)
      .map(([k, v]) => `${k} → ${k === '1' ? v.strategies[0] + ' ' : ''}${Object.keys(v.families).length
        ? `(${Object.entries(v.families).map(([f, n]) => `${f} ${n}`).join(', ')})` : ''}`);
    L.push('', `Columns used (signal-density families): ${fam.join('; ')}. Cost per bar·column depends on the ` +
      'strategy (bars spent flat are scanned 16 at a time, bars in a position are simulated one by one), so a single ' +
      'column is not representative; the K-column subsets are spread over the batch sorted by family, so that they mix ' +
      'the families in the batch\'s proportions.');
  }
  L.push('', '## What the numbers mean', '',
    '- ns per bar·column = seconds / (bars × columns) × 1e9; with several threads it is wall time, so it falls as threads are added.',
    '- simrun kernel: `KernelPool.run` over inputs already copied into the shared WASM memory (what one batch costs once read).',
    '- vectorbt exact: `refgen.oracle.Run`, i.e. the call that produced the reference outputs; "plain" rows drop the two-stop',
    '  adjustment so that the Rust engine can run at all (with a callback, `from_signals` runs numba whatever `engine`\n  says) — they are a different simulation, whose trades are not compared.',
    '- Whole batch wall seconds: process start to exit, measured by the parent; peak RSS from `/usr/bin/time` (simrun) or',
    '  `ru_maxrss` (python). Stage seconds are the programs\' own breakdown.',
  );
  return L.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const t0 = now();
  if (args.quick) quickData(args);
  if (args.shape) shapeData(args, args.shape);
  const threadsList = [...new Set([1, args.threads])];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'simrun-bench-'));
  const m = machine();
  log(`${args.batch} from ${args.data}; ${m.cpu}, ${m.cores} cores; threads ${threadsList.join(', ')}; reps ${args.reps}`);

  log('reading the batch');
  const b = await loadBatch(args.data, args.batch);
  const N = b.bars.close.length * b.strategies.length;
  log(`  ${fmt(b.bars.close.length)} bars × ${b.strategies.length} strategies read in ${b.readSeconds.toFixed(2)} s`);

  const kernels: KernelResult[] = [];
  for (const t of threadsList) {
    log(`kernel alone, ${t} thread(s)`);
    const k = await benchKernel(b, t, args.reps, args.config);
    log(`  best ${k.kernelBest.toFixed(3)} s = ${k.nsPerBarCol.toFixed(2)} ns/bar·col (CPU ${k.kernelCpuBest.toFixed(3)} s = ` +
      `${k.cpuNsPerBarCol.toFixed(2)} ns/bar·col per thread); copy-in ${Math.min(...k.copyInSeconds).toFixed(3)} s ` +
      `(cold ${k.coldRunKernel.copyIn.toFixed(3)} s); runKernel ${k.runKernelBest.toFixed(3)} s; ${fmt(k.trades)} trades; ` +
      `${fmt(k.orders)} orders (${(k.orders / N).toFixed(3)} per bar·col), ${k.nsPerOrder.toFixed(1)} ns per order (kernel time / orders)` +
      (k.memoryGrewDuringReps ? `; memory grew ${mib(k.memoryGrewDuringReps)} during reps` : ''));
    kernels.push(k);
  }
  if (args.kernelOnly) {
    log(`load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    return 0;
  }

  let scaling: ScalingCell[] = [];
  if (args.scaling) {
    log('scaling (kernel only)');
    scaling = await benchScaling(b, threadsList, args.reps);
  }

  log('whole batch through the CLI');
  const cliReps = args.quick ? 1 : Math.min(args.reps, 3);
  const whole: WholeResult[] = [];
  for (const t of [...threadsList].reverse()) whole.push(benchWhole(args, t, cliReps, path.join(tmp, `cli-${t}`)));
  log('  in-process runBatch (stage split without node start-up)');
  const inProcess = await benchInProcess(args, args.threads, cliReps, path.join(tmp, 'in-process'));
  log(`  best ${inProcess.best.total.toFixed(2)} s (read ${inProcess.best.read.toFixed(2)}, simulate ${inProcess.best.simulate.toFixed(2)}, ` +
    `write ${inProcess.best.write.toFixed(2)}); trades.parquet encode ${inProcess.tradesParquetSeconds.toFixed(2)} s`);
  log('  simrun --compare');
  const cliCompare = fs.existsSync(b.refTrades) ? runCli(args, args.threads, path.join(tmp, 'cli-compare'), true) : null;

  let vb: any = null;
  if (args.vectorbt) {
    log('vectorbt (bench/vectorbt_bench.py; every measurement in a fresh Python process)');
    vb = await benchVectorbt(args, path.join(tmp, 'py'));
  }

  const agreement = await agreementChecks(b, kernels, cliCompare, vb);
  const bad = agreement.filter((c) => !c.ok);
  const date = new Date();
  const ymd = `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
  const result = {
    date: date.toISOString(), quick: args.quick, command: commandLine(argv), benchSeconds: now() - t0,
    reps: args.reps, pyReps: args.pyReps,
    machine: { ...m, loadavgAtEnd: os.loadavg().map((x) => +x.toFixed(2)) },
    versions: { node: process.version, simrun: simrunVersion(), ...(vb?.versions ?? {}) },
    batch: { name: args.batch, data: args.data, bars: b.bars.close.length, columns: b.strategies.length,
      trades: kernels[0]?.trades ?? null, readSecondsInBench: b.readSeconds, readSteps: b.readSteps },
    agreement, valid: bad.length === 0,
    kernel: kernels.map(({ records, ...k }) => ({ ...k, nsPerBarColRunKernel: (k.runKernelBest / N) * 1e9 })),
    whole, inProcess, cliCompare: cliCompare && { wallSeconds: cliCompare.wallSeconds, maxRssBytes: cliCompare.maxRssBytes,
      exitCode: cliCompare.exitCode, seconds: cliCompare.json.seconds, compare: cliCompare.json.compare },
    scaling: { cells: scaling, columns: scalingColumns(b, scaling) },
    vectorbt: vb,
  };
  const md = markdown(result);
  fs.mkdirSync(args.results, { recursive: true });
  // default batch: <date>-<host>.{json,md} + latest.md; quick: …-quick; any other batch: …-<ASSET_dir>-<batch_NNN>
  const tag = args.quick ? '-quick' : args.shape ? `-${args.shape}`
    : args.batch === DEFAULT_BATCH ? '' : `-${args.batch.replace(/\//g, '-')}`;
  const base = path.join(args.results, `${ymd}-${os.hostname()}${tag}`);
  const latest = path.join(args.results, `latest${tag}.md`);
  fs.writeFileSync(`${base}.json`, JSON.stringify(result, null, 2) + '\n');
  fs.writeFileSync(`${base}.md`, md);
  fs.writeFileSync(latest, md);
  fs.rmSync(tmp, { recursive: true, force: true });
  process.stdout.write(md);
  log(`wrote ${path.relative(ROOT, base)}.json, .md and ${path.basename(latest)} in ${(now() - t0).toFixed(0)} s`);
  if (bad.length) {
    const banner = '!'.repeat(78);
    process.stderr.write(`\n${banner}\n!!! TRADE MISMATCH between simrun and vectorbt: THIS BENCHMARK IS VOID\n` +
      bad.map((c) => `!!!   ${c.what}: ${c.detail}`).join('\n') + `\n${banner}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
