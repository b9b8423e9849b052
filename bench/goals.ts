// Issue #11's goals in one table, side by side with vectorbt, from one run of this script:
//
//   npm run bench:goals [-- --reps 3]
//
// It runs bench/run.ts on each shape the goals name (BTC_long and ETH_longshort full, the
// order-heavy and few-orders shapes), times a sweep of the full batches through the CLI, and
// writes bench/results/<date>-<host>-goals.{json,md} and latest-goals.md. The per-shape results
// (latest.md, latest-ETH_longshort-batch_001.md, latest-order-heavy.md, latest-few-orders.md) are
// written by bench/run.ts as usual. Nothing is asserted: a goal missed is a row that says so.
// A trade mismatch in any run voids the table, as it voids bench/run.ts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FULL = path.join(ROOT, 'reference-data/full');
const RESULTS = path.join(ROOT, 'bench/results');
const GiB = 2 ** 30;
const log = (msg: string) => process.stderr.write(`[goals] ${msg}\n`);

function parseReps(argv: string[]): number {
  const i = argv.indexOf('--reps');
  const n = i >= 0 ? Number(argv[i + 1]) : 3;
  if (!Number.isInteger(n) || n < 1) throw new Error(`--reps needs a whole number >= 1, got ${argv[i + 1]}`);
  return n;
}

/** Runs bench/run.ts with `args`; returns the JSON it wrote (the newest `*<tag>.json` in bench/results). */
function runBench(args: string[], tag: string): any {
  const started = Date.now();
  log(`npx tsx bench/run.ts ${args.join(' ')}`);
  const r = spawnSync('npx', ['tsx', 'bench/run.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0 && r.status !== 1) throw new Error(`bench/run.ts ${args.join(' ')} exited with ${r.status}`);
  // bench/run.ts names its results <YYYY-MM-DD>-<host><tag>.json
  const files = fs.readdirSync(RESULTS).filter((f) => /^\d{4}-\d{2}-\d{2}-/.test(f) && f.endsWith(`-${os.hostname()}${tag}.json`))
    .map((f) => path.join(RESULTS, f)).filter((f) => fs.statSync(f).mtimeMs >= started);
  if (files.length !== 1) throw new Error(`expected one new result for tag "${tag}", found ${files.length}`);
  return JSON.parse(fs.readFileSync(files[0], 'utf8'));
}

/** A data root holding the given batches of the full tree (files linked, folders real, so discovery sees them). */
function sweepRoot(dir: string, batches: [asset: string, src: string, dst: string][]): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [asset, src, dst] of batches) {
    fs.mkdirSync(path.join(dir, asset), { recursive: true });
    const bars = path.join(dir, asset, 'ohlcv.parquet');
    if (!fs.existsSync(bars)) fs.symlinkSync(path.join(FULL, asset, 'ohlcv.parquet'), bars);
    const to = path.join(dir, dst);
    fs.mkdirSync(to, { recursive: true });
    for (const f of ['signals.parquet', 'params.csv']) fs.symlinkSync(path.join(FULL, src, f), path.join(to, f));
  }
  return dir;
}

/** Best wall seconds and peak RSS of `simrun --all` over `data`, each run in a fresh process with --force. */
function timeSweep(data: string, out: string, reps: number): { wallSeconds: number; maxRssBytes: number } {
  let best = { wallSeconds: Infinity, maxRssBytes: 0 };
  for (let r = 0; r < reps; r++) {
    const timeFile = path.join(os.tmpdir(), `simrun-goals-time-${process.pid}`);
    const t = performance.now();
    const p = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%M', process.execPath, path.join(ROOT, 'bin/simrun.js'),
      '--all', '--data', data, '--out', out, '--force', '-q'], { encoding: 'utf8' });
    const wall = (performance.now() - t) / 1000;
    if (p.status !== 0) throw new Error(`simrun --all --data ${data} exited with ${p.status}: ${p.stderr.slice(0, 500)}`);
    const rss = Number(fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()) * 1024;
    fs.rmSync(timeFile, { force: true });
    if (wall < best.wallSeconds) best = { wallSeconds: wall, maxRssBytes: rss };
  }
  return best;
}

const best = (whole: any[]) => whole.reduce((a, c) => (c.best.wallSeconds < a.best.wallSeconds ? c : a));
const maxRss = (whole: any[]) => Math.max(...whole.map((w) => w.maxRssBytes ?? 0));
const s2 = (x: number) => `${x.toFixed(2)} s`;
const gib = (b: number) => `${(b / GiB).toFixed(3)} GiB`;
const times = (x: number) => `${x.toFixed(1)}×`;

async function main(): Promise<number> {
  const reps = parseReps(process.argv.slice(2));
  const t0 = performance.now();
  const loadStart = os.loadavg();
  const R = String(reps);

  const btc = runBench(['--batch', 'BTC_long/batch_001', '--data', FULL, '--no-scaling', '--reps', R,
    '--py-reps', '1', '--py-whole-reps', '1'], '');
  const eth = runBench(['--batch', 'ETH_longshort/batch_001', '--data', FULL, '--no-scaling', '--no-vectorbt',
    '--reps', R], '-ETH_longshort-batch_001');
  const heavy = runBench(['--order-heavy', '--no-scaling', '--reps', R, '--py-reps', '2', '--py-whole-reps', '1'], '-order-heavy');
  const few = runBench(['--few-orders', '--no-scaling', '--no-vectorbt', '--reps', R], '-few-orders');

  log('sweeps of the full batches (simrun --all, fresh process, --force)');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'simrun-goals-'));
  const one = timeSweep(sweepRoot(path.join(tmp, 'one'), [['BTC', 'BTC_long/batch_001', 'BTC_long/batch_001']]),
    path.join(tmp, 'out-one'), reps);
  const twoLong = timeSweep(sweepRoot(path.join(tmp, 'two-long'), [['BTC', 'BTC_long/batch_001', 'BTC_long/batch_001'],
    ['BTC', 'BTC_long/batch_001', 'BTC_long/batch_002']]), path.join(tmp, 'out-two-long'), reps);
  const pair = timeSweep(sweepRoot(path.join(tmp, 'pair'), [['BTC', 'BTC_long/batch_001', 'BTC_long/batch_001'],
    ['ETH', 'ETH_longshort/batch_001', 'ETH_longshort/batch_001']]), path.join(tmp, 'out-pair'), reps);
  fs.rmSync(tmp, { recursive: true, force: true });
  // marginal cost of one more batch inside a sweep: a long/short batch from two vs one long batch,
  // a longshort batch (with its asset's bars read once) from the pair vs one long batch
  const marginalLong = twoLong.wallSeconds - one.wallSeconds;
  const marginalLongshort = pair.wallSeconds - one.wallSeconds;
  const nLongshort = Math.round(640 / 3);
  const projection = one.wallSeconds + (640 - nLongshort - 1) * marginalLong + nLongshort * marginalLongshort;
  const pairStrategies = 179 * 2;

  const bW = best(btc.whole);
  const eW = best(eth.whole);
  const hW = best(heavy.whole);
  const fW = best(few.whole);
  const vbWhole = Math.min(...(btc.vectorbt?.measurements?.['whole-exact'] ?? []).map((w: any) => w.wall_seconds));
  const hSim = heavy.vectorbt?.measurements?.['sim-exact']?.sim;
  const hWarm = hSim ? hSim.sim_best + hSim.exit_trades_best : NaN;
  const k1 = btc.kernel.find((k: any) => k.threads === 1);
  const kN = btc.kernel.reduce((a: any, k: any) => (k.threads > a.threads ? k : a));
  const compareAdds = eth.cliCompare?.seconds?.compare ?? NaN;
  const valid = [btc, eth, heavy, few].every((r) => r.valid);

  const rows: [string, string, string, string, boolean][] = [
    ['BTC_long full: whole batch, fresh process', '≤ 1.0 s', s2(bW.best.wallSeconds), '—', bW.best.wallSeconds <= 1.0],
    ['BTC_long full: against vectorbt\'s exact whole path', '≥ 40×', times(vbWhole / bW.best.wallSeconds),
      `${s2(vbWhole)} (fresh Python process: imports, JIT, read, exact call, trades, write)`, vbWhole / bW.best.wallSeconds >= 40],
    ['ETH_longshort full: whole batch, fresh process', '≤ 2.0 s', s2(eW.best.wallSeconds), '—', eW.best.wallSeconds <= 2.0],
    ['BTC_long full: peak RSS (max over runs)', '≤ 1 GiB', gib(maxRss(btc.whole)), '—', maxRss(btc.whole) <= GiB],
    ['ETH_longshort full: peak RSS (max over runs)', '≤ 1 GiB', gib(maxRss(eth.whole)), '—', maxRss(eth.whole) <= GiB],
    ['Order-heavy 1M × 8: whole batch against vectorbt\'s warm from_signals + exit trades', '≥ 10×',
      `${times(hWarm / hW.best.wallSeconds)} (${s2(hW.best.wallSeconds)})`, `${s2(hWarm)} warm (JIT, read, write excluded)`,
      hWarm / hW.best.wallSeconds >= 10],
    ['Few-orders 1M × 8: whole batch, fresh process', '≤ 0.3 s', s2(fW.best.wallSeconds), '—', fW.best.wallSeconds <= 0.3],
    ['Kernel on BTC_long: ns per bar·column per thread, 1 thread (wall)', '≤ 1.0 ns', `${k1.nsPerBarCol.toFixed(2)} ns`,
      `${(btc.vectorbt?.measurements?.['sim-exact']?.sim?.ns_per_bar_col ?? NaN).toFixed(1)} ns (numba, exact call)`, k1.nsPerBarCol <= 1.0],
    [`Kernel on BTC_long: ${kN.threads} threads, CPU ns per bar·column per thread`, '≤ 1.0 ns', `${kN.cpuNsPerBarCol.toFixed(2)} ns`,
      '—', kN.cpuNsPerBarCol <= 1.0],
    ['Sweep: 640 batches (⅓ longshort), projected', '≤ 15 min', `${(projection / 60).toFixed(1)} min`, '—', projection <= 15 * 60],
    ['`--compare` on ETH_longshort full: added seconds', '≤ 1 s', s2(compareAdds), '—', compareAdds <= 1],
  ];
  const result = {
    date: new Date().toISOString(), command: `npm run bench:goals -- --reps ${reps}`, seconds: (performance.now() - t0) / 1000,
    machine: { ...btc.machine, loadavgAtStart: loadStart.map((x) => +x.toFixed(2)), loadavgAtEnd: os.loadavg().map((x) => +x.toFixed(2)) },
    versions: btc.versions, valid,
    rows: rows.map(([goal, target, measured, vectorbt, met]) => ({ goal, target, measured, vectorbt, met })),
    sweep: { one, twoLong, pair, marginalLong, marginalLongshort, projectionSeconds: projection,
      pairStrategiesPerSecond: pairStrategies / pair.wallSeconds },
    sources: { btc: btc.command, eth: eth.command, heavy: heavy.command, few: few.command },
  };
  const m = result.machine;
  const md = [
    '# simrun against issue #11\'s goals', '',
    valid ? '' : '**BENCHMARK IS VOID: a trade mismatch with vectorbt in one of the runs (see the per-shape results).**\n',
    `- Date: ${result.date}; took ${result.seconds.toFixed(0)} s; command \`${result.command}\``,
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.os} (host ${m.hostname}); load average at start ` +
      `${m.loadavgAtStart.join(' ')}, at end ${m.loadavgAtEnd.join(' ')}`,
    `- Versions: ${Object.entries(result.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `- simrun times are the best of ${reps} fresh processes; vectorbt's come from bench/vectorbt_bench.py in the same runs.`, '',
    '| goal | target | simrun | vectorbt | met |', '| --- | --- | ---: | --- | :---: |',
    ...result.rows.map((r) => `| ${r.goal} | ${r.target} | ${r.measured} | ${r.vectorbt} | ${r.met ? 'yes' : 'no'} |`), '',
    '## Sweep', '',
    `\`simrun --all --force\` in a fresh process over data roots linking the full batches: one BTC_long batch ` +
      `${s2(one.wallSeconds)}; two BTC_long batches ${s2(twoLong.wallSeconds)}; BTC_long + ETH_longshort ${s2(pair.wallSeconds)} ` +
      `(${(pairStrategies / pair.wallSeconds).toFixed(1)} strategies/s, peak RSS ${gib(pair.maxRssBytes)}).`,
    `Marginal cost inside a sweep: a long/short batch ${s2(marginalLong)}, a longshort batch ${s2(marginalLongshort)} ` +
      `(its asset's bars included once). 640 batches with ${nLongshort} longshort: ${s2(one.wallSeconds)} + ` +
      `${640 - nLongshort - 1} × ${s2(marginalLong)} + ${nLongshort} × ${s2(marginalLongshort)} = ${(projection / 60).toFixed(1)} min.`, '',
    '## Where the rows come from', '',
    ...Object.entries(result.sources).map(([k, v]) => `- ${k}: \`${v}\``),
    '- The per-shape tables (stage split, kernel, agreement with vectorbt): latest.md, latest-ETH_longshort-batch_001.md, ' +
      'latest-order-heavy.md, latest-few-orders.md.', '',
  ].join('\n');
  const d = new Date();
  const ymd = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  const base = path.join(RESULTS, `${ymd}-${os.hostname()}-goals`);
  fs.writeFileSync(`${base}.json`, JSON.stringify(result, null, 2) + '\n');
  fs.writeFileSync(`${base}.md`, md);
  fs.writeFileSync(path.join(RESULTS, 'latest-goals.md'), md);
  process.stdout.write(md);
  return valid ? 0 : 1;
}

process.exitCode = await main();
