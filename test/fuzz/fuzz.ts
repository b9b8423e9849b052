// Differential fuzzing: random cases through live vectorbt (reference-data/generate.py fuzz, one
// Python process per run) and through simrun (runBatch), compared record for record, metric for
// metric, day for day. A failing case is cut down (one strategy column, fewer bars, fewer entries;
// vectorbt regenerates the outputs of every candidate) and written as a batch under
// test/regressions/, which test/reference.test.ts then runs forever after.
//
// Used by `npm run fuzz` (test/fuzz/run.ts) and by test/fuzz.test.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { batchPaths } from '../../src/batch/layout.js';
import { readParquetTable } from '../../src/batch/read.js';
import { compareMetrics, compareTrades, type CompareReport } from '../../src/compare.js';
import { runBatch } from '../../src/run-batch.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_PYTHON = path.join(REPO_ROOT, 'reference-data/.venv/bin/python');
export const GENERATE_PY = path.join(REPO_ROOT, 'reference-data/generate.py');
export const DEFAULT_REGRESSIONS = path.join(REPO_ROOT, 'test/regressions');

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Cases (strategy columns) per bar series = per vectorbt call. Default 100. */
  groupSize?: number;
  /** Only these group indices (replay of a failing group). */
  groups?: number[];
  /** Where the generated batches go (default: a fresh temp dir, removed at the end). */
  workDir?: string;
  /** Keep every generated batch (default: only failing groups are kept). */
  keep?: boolean;
  /** Where reduced failing cases are written; null = do not reduce. Default test/regressions. */
  regressionsDir?: string | null;
  /** At most this many failing cases are reduced (one per group first). Default 3. */
  maxReduce?: number;
  /** Extract attempts per reduction. Default 80. */
  reduceBudget?: number;
  python?: string;
  /** Threads for simrun's kernel (default 1: vectorbt runs on the other core meanwhile). */
  threads?: number;
  log?: (line: string) => void;
}

export type MismatchKind = 'trades' | 'metrics' | 'daily' | 'error';

export interface FailingCase {
  group: number;
  batch: string;
  strategy: string;
  kinds: MismatchKind[];
  example: string;
}

export interface Regression {
  /** Batch name under the regressions dir, e.g. `R7G3S012_long/batch_001`. */
  batch: string;
  from: FailingCase;
  bars: number;
  entries: number;
  trades: number;
  /** True when the written batch still mismatches (it should: it was chosen for that). */
  reproduces: boolean;
  examples: string[];
}

export interface FuzzSummary {
  seed: number;
  groupSize: number;
  /** Cases drawn (requested, or in the replayed groups). */
  cases: number;
  /** Cases compared (drawn minus dropped). */
  compared: number;
  /** Cases the oracle could not label (refgen.oracle raised naming them): not compared. */
  dropped: number;
  droppedReasons: string[];
  groups: number;
  bars: number;
  tradesCompared: number;
  mismatchedRecords: number;
  mismatchedMetrics: number;
  mismatchedDailyReturns: number;
  /** Cases (compared or not) per setting drawn away from its default, plus `exits` (cases with
   * exit columns) and `default` (the pipeline's call): what the run covered. */
  coverage: Map<string, number>;
  /** Groups where simrun threw instead of producing outputs. */
  errors: number;
  failing: FailingCase[];
  regressions: Regression[];
  pythonSeconds: number;
  seconds: number;
  workDir: string;
  /** The command that replays this run. */
  replay: string;
}

// ---------------------------------------------------------------------------------------------
// the Python side: one process, JSON lines

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Event = Record<string, any>;

class Oracle {
  private child: ChildProcess;
  private queue: (Event | null)[] = [];
  private waiters: ((e: Event | null) => void)[] = [];
  private stderrTail: string[] = [];
  private exitCode: number | null = null;

  constructor(python: string, args: string[]) {
    this.child = spawn(python, [GENERATE_PY, ...args], { stdio: ['pipe', 'pipe', 'pipe'], cwd: REPO_ROOT });
    readline.createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let ev: Event;
      try {
        ev = JSON.parse(line) as Event;
      } catch {
        this.stderrTail.push(`(stdout) ${line}`);
        return;
      }
      this.push(ev);
    });
    readline.createInterface({ input: this.child.stderr! }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 40) this.stderrTail.shift();
    });
    this.child.on('error', (e) => {
      this.stderrTail.push(String(e));
      this.push(null);
    });
    this.child.on('close', (code) => {
      this.exitCode = code;
      this.push(null);
    });
  }

  private push(ev: Event | null): void {
    const w = this.waiters.shift();
    if (w) w(ev);
    else this.queue.push(ev);
  }

  /** The next event, or an Error naming the Python failure if the process ended. */
  async next(): Promise<Event> {
    const ev = this.queue.length ? this.queue.shift()! : await new Promise<Event | null>((r) => this.waiters.push(r));
    if (ev === null) {
      this.queue.unshift(null); // stay ended
      throw new Error(`generate.py fuzz ended (exit code ${this.exitCode}):\n${this.stderrTail.join('\n')}`);
    }
    return ev;
  }

  async request(cmd: Event): Promise<Event> {
    this.child.stdin!.write(JSON.stringify(cmd) + '\n');
    return this.next();
  }

  async quit(): Promise<void> {
    if (this.exitCode !== null) return;
    const closed = new Promise<void>((r) => this.child.once('close', () => r()));
    this.child.stdin!.end(JSON.stringify({ cmd: 'quit' }) + '\n');
    await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
    if (this.exitCode === null) this.child.kill();
  }

  kill(): void {
    if (this.exitCode === null) this.child.kill();
  }
}

// ---------------------------------------------------------------------------------------------
// simrun side

const fmt = (n: number) => n.toLocaleString('en-US');

function firstToken(example: string): string {
  return /^([^\s:]+)/.exec(example)?.[1] ?? '';
}

/** Every strategy of a checked batch that mismatches, with the kinds of mismatch. */
async function failingStrategies(root: string, batch: string, r: Awaited<ReturnType<typeof runBatch>>): Promise<Map<string, { kinds: Set<MismatchKind>; example: string }>> {
  const out = new Map<string, { kinds: Set<MismatchKind>; example: string }>();
  const add = (name: string, kind: MismatchKind, example: string) => {
    if (!r.strategies.includes(name)) name = r.strategies[0];
    const e = out.get(name) ?? { kinds: new Set<MismatchKind>(), example };
    e.kinds.add(kind);
    out.set(name, e);
  };
  const c = r.compare!;
  const p = batchPaths(root, batch);
  if (c.mismatchedRecords > 0) {
    const all = await compareTrades(r.records, r.strategies, readParquetTable(p.trades), p.trades, Number.MAX_SAFE_INTEGER);
    for (const ex of all.examples) add(firstToken(ex), 'trades', ex);
  }
  if ((c.metrics?.mismatched ?? 0) > 0) {
    const all = compareMetrics(r.metrics, readParquetTable(p.metrics), p.metrics, Number.MAX_SAFE_INTEGER);
    for (const ex of all.examples) add(firstToken(ex), 'metrics', ex);
  }
  for (const ex of c.dailyReturns?.examples ?? []) add(firstToken(ex), 'daily', ex);
  return out;
}

async function check(root: string, batch: string, threads: number) {
  return runBatch({ batch, data: root, compare: true, write: false, threads });
}

function reproduces(c: CompareReport | null, kind: MismatchKind): boolean {
  if (!c) return false;
  if (kind === 'trades') return c.mismatchedRecords > 0;
  if (kind === 'metrics') return (c.metrics?.mismatched ?? 0) > 0;
  if (kind === 'daily') return (c.dailyReturns?.mismatched ?? 0) > 0;
  return false;
}

function examplesOf(c: CompareReport): string[] {
  return [...c.examples, ...(c.metrics?.examples ?? []), ...(c.dailyReturns?.examples ?? [])];
}

// ---------------------------------------------------------------------------------------------
// reduction

interface Candidate { start: number; end: number; clearLong: number[]; clearShort: number[] }

async function reduceCase(oracle: Oracle, workDir: string, regressionsDir: string, fc: FailingCase, bars: number,
  seed: number, threads: number, budget: number, log: (s: string) => void): Promise<Regression | null> {
  const kind: MismatchKind = fc.kinds[0];
  const candRoot = path.join(workDir, 'reduce');
  const direction = fc.batch.split('/')[0].split('_').pop()!;
  let attempts = 0;
  let entries = { long: [] as number[], short: [] as number[] };

  const tryCase = async (cand: Candidate): Promise<boolean> => {
    if (attempts >= budget) return false;
    attempts++;
    const ev = await oracle.request({
      cmd: 'extract', src: workDir, batch: fc.batch, strategy: fc.strategy, start: cand.start, end: cand.end,
      clear_long: cand.clearLong, clear_short: cand.clearShort, out: candRoot, asset: 'CAND',
    });
    if (ev.event !== 'extracted') return false;
    let ok = false;
    try {
      const r = await check(candRoot, `CAND_${direction}/batch_001`, threads);
      ok = reproduces(r.compare, kind);
    } catch {
      ok = kind === 'error';
    }
    if (ok) entries = { long: ev.long as number[], short: ev.short as number[] };
    return ok;
  };

  let best: Candidate = { start: 0, end: bars, clearLong: [], clearShort: [] };
  if (!(await tryCase(best))) {
    log(`[fuzz] reduce ${fc.batch} ${fc.strategy}: does not reproduce as a single column; writing it whole`);
  } else {
    const shrinkBars = async () => {
      // smallest end, then largest start, that still reproduce (binary search; every step verified)
      let lo = best.start + 1;
      let hi = best.end;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (await tryCase({ ...best, end: mid })) hi = mid;
        else lo = mid + 1;
      }
      best = { ...best, end: hi };
      lo = best.start;
      hi = best.end - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (await tryCase({ ...best, start: mid })) lo = mid;
        else hi = mid - 1;
      }
      best = { ...best, start: lo };
    };
    await shrinkBars();
    // fewer entries: drop chunks of the remaining entry bars while the mismatch stays (ddmin-like)
    const inRange = (i: number) => i >= best.start && i < best.end;
    let items = [
      ...entries.long.filter(inRange).map((i) => ({ side: 'long' as const, i })),
      ...entries.short.filter(inRange).map((i) => ({ side: 'short' as const, i })),
    ];
    let chunks = 2;
    while (items.length > 1 && attempts < budget) {
      const size = Math.ceil(items.length / chunks);
      let removed = false;
      for (let k = 0; k < items.length && attempts < budget; k += size) {
        const drop = items.slice(k, k + size);
        const cand = {
          ...best,
          clearLong: [...best.clearLong, ...drop.filter((d) => d.side === 'long').map((d) => d.i)],
          clearShort: [...best.clearShort, ...drop.filter((d) => d.side === 'short').map((d) => d.i)],
        };
        if (await tryCase(cand)) {
          best = cand;
          items = items.filter((d) => !drop.includes(d));
          chunks = Math.max(chunks - 1, 2);
          removed = true;
          break;
        }
      }
      if (!removed) {
        if (size === 1) break;
        chunks = Math.min(chunks * 2, items.length);
      }
    }
    if (attempts < budget) await shrinkBars();
  }

  // the final case, written where the regression tests find it
  const asset = `R${seed}G${fc.group}${fc.strategy.toUpperCase().replace(/[^A-Z0-9]/g, '')}`;
  const note = `fuzz seed ${seed} group ${fc.group} ${fc.strategy} bars ${best.start}:${best.end} (${fc.kinds.join('+')} mismatch)`;
  fs.mkdirSync(regressionsDir, { recursive: true });
  const ev = await oracle.request({
    cmd: 'extract', src: workDir, batch: fc.batch, strategy: fc.strategy, start: best.start, end: best.end,
    clear_long: best.clearLong, clear_short: best.clearShort, out: regressionsDir, asset, note,
  });
  if (ev.event !== 'extracted') {
    log(`[fuzz] reduce ${fc.batch} ${fc.strategy}: could not write the regression case: ${ev.message}`);
    return null;
  }
  const batch = ev.batch as string;
  let repro = false;
  let examples: string[] = [];
  try {
    const r = await check(regressionsDir, batch, threads);
    repro = reproduces(r.compare, kind);
    examples = examplesOf(r.compare!);
  } catch (e) {
    repro = kind === 'error';
    examples = [String(e)];
  }
  const nEntries = (ev.long as number[]).length + (ev.short as number[]).length;
  log(`[fuzz] regression ${path.relative(REPO_ROOT, path.join(regressionsDir, batch)) || batch}: ${ev.bars} bars, ${nEntries} entries, ${ev.trades} trades, ${attempts} reduction steps${repro ? '' : ' (NO LONGER REPRODUCES)'}`);
  for (const ex of examples.slice(0, 3)) log(`[fuzz]   ${ex}`);
  return { batch, from: fc, bars: ev.bars, entries: nEntries, trades: ev.trades, reproduces: repro, examples };
}

// ---------------------------------------------------------------------------------------------
// the run

export async function runFuzz(opts: FuzzOptions): Promise<FuzzSummary> {
  const t0 = performance.now();
  const log = opts.log ?? ((s: string) => console.log(s));
  const groupSize = opts.groupSize ?? 100;
  const threads = opts.threads ?? 1;
  const python = opts.python ?? DEFAULT_PYTHON;
  if (!fs.existsSync(python)) throw new Error(`no Python at ${python}: run \`bash reference-data/setup.sh\``);
  const ownWorkDir = !opts.workDir;
  const workDir = opts.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `simrun-fuzz-${opts.seed}-`));
  fs.mkdirSync(workDir, { recursive: true });
  const regressionsDir = opts.regressionsDir === undefined ? DEFAULT_REGRESSIONS : opts.regressionsDir;
  const replay = `npm run fuzz -- --cases ${opts.cases} --seed ${opts.seed}${groupSize !== 100 ? ` --group-size ${groupSize}` : ''}`
    + (opts.groups ? ` --groups ${opts.groups.join(',')}` : '');

  const args = ['fuzz', '--out', workDir, '--seed', String(opts.seed), '--cases', String(opts.cases),
    '--group-size', String(groupSize), '--serve'];
  if (opts.groups) args.push('--groups', opts.groups.join(','));
  const oracle = new Oracle(python, args);

  const s: FuzzSummary = {
    seed: opts.seed, groupSize, cases: 0, compared: 0, dropped: 0, droppedReasons: [], groups: 0, bars: 0,
    tradesCompared: 0, mismatchedRecords: 0, mismatchedMetrics: 0, mismatchedDailyReturns: 0, errors: 0,
    failing: [], regressions: [], pythonSeconds: 0, seconds: 0, workDir, replay, coverage: new Map(),
  };
  const failingGroups = new Set<number>();
  const barsOf = new Map<number, number>();
  try {
    const start = await oracle.next();
    const totalGroups = start.todo as number;
    const totalCases = opts.groups
      ? opts.groups.filter((g) => g >= 0 && g < start.groups).reduce((n, g) => n + Math.min(groupSize, opts.cases - g * groupSize), 0)
      : opts.cases;
    log(`[fuzz] seed ${opts.seed}: ${fmt(totalCases)} cases in ${fmt(totalGroups)} groups of up to ${groupSize} (vectorbt: ${path.relative(REPO_ROOT, python)})`);
    for (;;) {
      const ev = await oracle.next();
      if (ev.event === 'done') {
        s.pythonSeconds = ev.seconds;
        break;
      }
      if (ev.event !== 'group') continue;
      s.groups++;
      s.cases += ev.cases + ev.dropped.length;
      s.dropped += ev.dropped.length;
      for (const d of ev.dropped as { strategy: string; reason: string }[]) {
        if (s.droppedReasons.length < 20) s.droppedReasons.push(`group ${ev.g} ${d.strategy}: ${d.reason}`);
      }
      s.bars += ev.desc.bars;
      for (const [k, v] of Object.entries((ev.coverage ?? {}) as Record<string, number>)) s.coverage.set(k, (s.coverage.get(k) ?? 0) + v);
      barsOf.set(ev.g, ev.desc.bars);
      let verdict = 'ok';
      if (ev.batch) {
        try {
          const r = await check(workDir, ev.batch, threads);
          const c = r.compare!;
          s.compared += ev.cases;
          s.tradesCompared += c.referenceTrades;
          s.mismatchedRecords += c.mismatchedRecords;
          s.mismatchedMetrics += c.metrics?.mismatched ?? 0;
          s.mismatchedDailyReturns += c.dailyReturns?.mismatched ?? 0;
          if (!c.ok) {
            failingGroups.add(ev.g);
            const fails = await failingStrategies(workDir, ev.batch, r);
            for (const [strategy, f] of fails) {
              s.failing.push({ group: ev.g, batch: ev.batch, strategy, kinds: [...f.kinds], example: f.example });
            }
            verdict = `MISMATCH in ${fails.size} case(s): ${examplesOf(c)[0] ?? ''}`;
          }
        } catch (e) {
          s.errors++;
          failingGroups.add(ev.g);
          s.failing.push({ group: ev.g, batch: ev.batch, strategy: '', kinds: ['error'], example: String(e) });
          verdict = `ERROR: ${String(e).split('\n')[0]}`;
        }
      }
      if (!failingGroups.has(ev.g) && !opts.keep) {
        fs.rmSync(path.join(workDir, ev.asset), { recursive: true, force: true });
        fs.rmSync(path.join(workDir, `${ev.asset}_${ev.direction}`), { recursive: true, force: true });
      }
      const mism = s.mismatchedRecords + s.mismatchedMetrics + s.mismatchedDailyReturns + s.errors;
      const dropped = ev.dropped.length ? `, ${ev.dropped.length} dropped` : '';
      log(`[fuzz] ${fmt(s.groups)}/${fmt(totalGroups)} ${ev.asset}_${ev.direction} (${fmt(ev.desc.bars)} bars, ${ev.cases} cases${dropped}, ${fmt(ev.trades)} trades) ${verdict}`
        + ` | ${fmt(s.cases)}/${fmt(totalCases)} cases, ${fmt(s.tradesCompared)} trades, ${mism} mismatches, ${((performance.now() - t0) / 1000).toFixed(1)}s`);
    }

    // reduce failing cases: one per group first, at most maxReduce
    if (regressionsDir && s.failing.length) {
      const maxReduce = opts.maxReduce ?? 3;
      const picked: FailingCase[] = [];
      const seenGroups = new Set<number>();
      for (const f of s.failing) {
        if (f.kinds[0] !== 'error' && !seenGroups.has(f.group) && picked.length < maxReduce) {
          picked.push(f);
          seenGroups.add(f.group);
        }
      }
      for (const f of s.failing) {
        if (f.kinds[0] !== 'error' && !picked.includes(f) && picked.length < maxReduce) picked.push(f);
      }
      for (const f of picked) {
        log(`[fuzz] reducing ${f.batch} ${f.strategy} (${f.kinds.join('+')}): ${f.example}`);
        const reg = await reduceCase(oracle, workDir, regressionsDir, f, barsOf.get(f.group)!, opts.seed, threads,
          opts.reduceBudget ?? 80, log);
        if (reg) s.regressions.push(reg);
      }
    }
    await oracle.quit();
  } finally {
    oracle.kill();
    fs.rmSync(path.join(workDir, 'reduce'), { recursive: true, force: true });
    if (ownWorkDir && !opts.keep && failingGroups.size === 0) fs.rmSync(workDir, { recursive: true, force: true });
  }
  s.seconds = (performance.now() - t0) / 1000;
  return s;
}

export function mismatches(s: FuzzSummary): number {
  return s.mismatchedRecords + s.mismatchedMetrics + s.mismatchedDailyReturns + s.errors;
}

export function summaryLines(s: FuzzSummary): string[] {
  const lines = [
    `[fuzz] summary: seed ${s.seed}, ${fmt(s.cases)} cases (${fmt(s.compared)} compared, ${fmt(s.dropped)} dropped), `
      + `${fmt(s.groups)} groups, ${fmt(s.bars)} bars, ${fmt(s.tradesCompared)} trades compared, `
      + `mismatches: ${fmt(s.mismatchedRecords)} records, ${fmt(s.mismatchedMetrics)} metrics, `
      + `${fmt(s.mismatchedDailyReturns)} daily returns, ${s.errors} errors (${s.failing.length} failing cases); `
      + `${s.seconds.toFixed(1)}s (vectorbt process ${s.pythonSeconds.toFixed(1)}s)`,
  ];
  if (s.coverage.size) {
    lines.push(`[fuzz] cases drawn with: ${[...s.coverage].map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
  }
  if (s.dropped) lines.push(`[fuzz] dropped (the oracle cannot label their trades): ${s.droppedReasons.slice(0, 3).join('; ')}`);
  for (const f of s.failing.slice(0, 10)) lines.push(`[fuzz] failing: group ${f.group} ${f.batch} ${f.strategy}: ${f.example}`);
  if (s.failing.length > 10) lines.push(`[fuzz] … ${s.failing.length - 10} more failing cases`);
  for (const r of s.regressions) lines.push(`[fuzz] regression case written: ${r.batch} (${r.bars} bars, ${r.entries} entries${r.reproduces ? '' : ', does not reproduce'})`);
  if (mismatches(s)) lines.push(`[fuzz] replay: ${s.replay}   (failing groups kept in ${s.workDir})`);
  return lines;
}
