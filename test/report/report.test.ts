// `simrun report`: the page for a real sweep's outputs, opened in headless Chromium (Debian's
// package, which npm test installs: test/setup/): every plot drawn, no console error, no request but
// the file itself, the summary equal to the outputs'; a screenshot goes to test-output/report.png.
// Plus the CLI's exit codes and the trades adapter the comparison uses.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readParquetTable } from '../../src/batch/read.js';
import { compareTrades } from '../../src/compare.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { runBatch } from '../../src/run-batch.js';
import { shutdown } from '../../src/simulate.js';
import { readManifest, runSweep } from '../../src/sweep.js';
import { reportMain, tradeRecordsFromTable, writeReport, type ReportData } from '../../src/report/index.js';
import { beforeAllOrFail } from '../setup/before-all-or-fail.js';
import { requireTool } from '../setup/system-tools.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TEST_OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));
const BATCHES = ['BTC_long/batch_001', 'ETH_longshort/batch_001'];

const tmpDirs: string[] = [];
function tmpDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

/** Captures what a stream receives. */
function sink() {
  let text = '';
  const stream = { write: (s: string) => { text += s; return true; } } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

let out: string;
const expected = { strategies: 0, trades: 0, perBatch: new Map<string, { strategies: number; trades: number }>() };

beforeAll(async () => {
  out = tmpDir('simrun-report-');
  await runSweep({
    batches: BATCHES, data: fileURLToPath(new URL('../../reference-data/data', import.meta.url)), out,
    config: { ...DEFAULT_CONFIG }, threads: 2,
    onBatchDone: (r, batch) => {
      expected.perBatch.set(batch, { strategies: r!.strategies.length, trades: r!.trades });
      expected.strategies += r!.strategies.length;
      expected.trades += r!.trades;
    },
  });
}, 120_000);

afterAll(async () => {
  await shutdown();
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('writeReport', () => {
  let data: ReportData;

  it('summarises the outputs and compares them with the bundled reference outputs', async () => {
    const r = await writeReport({ out });
    data = r.data;
    expect(r.file).toBe(path.join(out, 'report.html'));
    expect(fs.readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(data.summary).toMatchObject({
      batches: 2, strategies: expected.strategies, trades: expected.trades, manifest: true, timedBatches: 2,
      comparedBatches: 2, identicalBatches: 2, seedPassingBatches: 2,
    });
    const manifest = readManifest(out);
    expect(data.summary.seconds).toBeCloseTo(BATCHES.reduce((s, b) => s + manifest.batches[b].seconds, 0), 9);
    for (const b of data.batches) expect(expected.perBatch.get(b.name)).toEqual({ strategies: b.strategies, trades: b.trades });
    for (const a of data.agreement) {
      expect(a).toMatchObject({ ok: true, mismatchedRecords: 0, strategiesExact: a.strategies, metricsMismatched: 0, dailyMismatched: 0 });
    }
    // the top list: 10 finite Sharpe ratios, best first, each with its equity curve
    const sharpe = data.top.sharpe.map((row) => data.strategies.metrics.sharpe[row]);
    expect(sharpe).toHaveLength(10);
    expect([...sharpe].sort((a, b) => b - a)).toEqual(sharpe);
    for (const row of data.top.sharpe) expect(data.curves.some((c) => c.row === row)).toBe(true);
    // the page is self-contained: nothing loaded from elsewhere
    const html = fs.readFileSync(r.file, 'utf8');
    expect(html.match(/<script[^>]*\ssrc=|<link\b|<iframe\b|<img\b/gi)).toBeNull();
    expect(html).toContain("default-src 'none'"); // and the page's CSP forbids loading anything
  });

  it('the equity curve of the best strategy compounds its daily returns to its end value', () => {
    const row = data.top.total_return[0];
    const curve = data.curves.find((c) => c.row === row)!;
    const endValue = data.strategies.metrics.end_value[row];
    expect(curve.equity[curve.equity.length - 1] / endValue).toBeCloseTo(1, 6);
    // end-of-day values miss intraday lows: never deeper than the bar-by-bar max drawdown
    expect(Math.min(...curve.drawdown)).toBeLessThanOrEqual(0);
    expect(Math.min(...curve.drawdown)).toBeGreaterThanOrEqual(data.strategies.metrics.max_drawdown[row] - 1e-3);
  });

  it('shows differences when the outputs are not vectorbt\'s (other fees)', async () => {
    const other = tmpDir('simrun-report-fees-');
    await runBatch({ batch: BATCHES[0], out: other, config: { fees: 0.001 }, threads: 1 });
    const r = await writeReport({ out: other, metric: 'total_return' });
    expect(r.data.summary).toMatchObject({ batches: 1, manifest: false, seconds: null, comparedBatches: 1, identicalBatches: 0 });
    const [a] = r.data.agreement;
    expect(a.ok).toBe(false);
    expect(a.mismatchedRecords).toBeGreaterThan(0);
    expect(a.examples.length).toBeGreaterThan(0);
  });
});

describe('tradeRecordsFromTable', () => {
  it('reads our trades.parquet back into the records compareTrades takes, in any row order', async () => {
    const r = await runBatch({ batch: BATCHES[0], write: false, threads: 1 });
    const file = path.join(out, BATCHES[0], 'trades.parquet');
    const table = readParquetTable(file);
    const rec = tradeRecordsFromTable(table, r.strategies, file);
    expect(Array.from(rec.offsets)).toEqual(Array.from(r.records.offsets));
    for (const k of ['pnl', 'entryIdx', 'exitReason', 'status', 'direction', 'size'] as const) {
      expect(Array.from(rec[k])).toEqual(Array.from(r.records[k]));
    }
    // the strategies listed in reverse: rows regroup by the list's order
    const reversed = [...r.strategies].reverse();
    const rec2 = tradeRecordsFromTable(table, reversed, file);
    expect(await compareTrades(rec2, reversed, table, file)).toMatchObject({ mismatchedRecords: 0, strategiesExact: 24 });
  });
});

describe('reportMain', () => {
  it('writes the page and prints one line (exit 0)', async () => {
    const o = sink();
    const e = sink();
    expect(await reportMain(['--out', out, '--metric', 'calmar', '--top', '5'], o.stream, e.stream)).toBe(0);
    expect(o.text()).toMatch(/^report: .*report\.html \(2 batches, 48 strategies, [\d,]+ trades; 2\/2 compared batches identical/);
    expect(e.text()).toBe('');
  });

  it('exit 2 with one line naming the directory or file and the problem', async () => {
    const run = async (argv: string[]) => {
      const o = sink();
      const e = sink();
      const code = await reportMain(argv, o.stream, e.stream);
      return { code, err: e.text() };
    };
    const missing = path.join(os.tmpdir(), 'simrun-report-no-such-dir');
    expect(await run(['--out', missing])).toEqual({ code: 2, err: `simrun: error: ${missing}: output directory does not exist\n` });

    const empty = tmpDir('simrun-report-empty-');
    const r1 = await run(['--out', empty]);
    expect(r1.code).toBe(2);
    expect(r1.err).toMatch(new RegExp(`^simrun: error: ${empty}: no simrun outputs found .*\\n$`));

    const corrupt = tmpDir('simrun-report-corrupt-');
    const dir = path.join(corrupt, 'BTC_long', 'batch_001');
    fs.mkdirSync(dir, { recursive: true });
    for (const f of ['trades', 'daily_returns']) fs.copyFileSync(path.join(out, BATCHES[0], `${f}.parquet`), path.join(dir, `${f}.parquet`));
    fs.writeFileSync(path.join(dir, 'metrics.parquet'), 'not parquet');
    const r2 = await run(['--out', corrupt]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(new RegExp(`^simrun: error: ${dir}/metrics.parquet: not a readable parquet file .*\\n$`));

    fs.rmSync(path.join(dir, 'trades.parquet'));
    const r3 = await run(['--out', corrupt]);
    expect(r3).toEqual({ code: 2, err: `simrun: error: ${dir}/trades.parquet: batch output incomplete: file not found\n` });

    const r4 = await run(['--out', out, '--data', missing]);
    expect(r4).toEqual({ code: 2, err: `simrun: error: ${missing}: data directory does not exist\n` });

    const r5 = await run(['--out', out, '--metric', 'luck']);
    expect(r5.code).toBe(2);
    expect(r5.err).toMatch(/option '-m, --metric <name>' argument 'luck' is invalid\. expected one of: sharpe, /);
    expect(fs.readdirSync(corrupt)).not.toContain('report.html');
  });
});

describe('the page in headless Chromium', () => {
  let context: BrowserContext;
  let page: Page;
  const consoleProblems: string[] = [];
  const requests: string[] = [];
  let url: string;

  // A failed setup (no Chromium, most likely) fails every test below with its message: none is skipped.
  beforeAllOrFail(async () => {
    const executablePath = requireTool('chromium');
    const r = await writeReport({ out });
    url = pathToFileURL(r.file).href;
    context = await chromium.launchPersistentContext(tmpDir('simrun-chromium-'), {
      executablePath, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 },
    });
    await context.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.request().url() === url ? route.continue() : route.abort();
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleProblems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleProblems.push(`pageerror: ${e.message}`));
    await page.goto(url);
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 20_000 });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
  });

  const count = (selector: string) => page.locator(selector).count();

  it('renders without console errors or warnings, and requests nothing but the file itself', () => {
    expect(consoleProblems).toEqual([]);
    expect(requests).toEqual([url]);
  });

  it('shows the summary numbers of the outputs', async () => {
    const card = async (key: string) => (await page.locator(`[data-summary="${key}"]`).textContent())!.replace(/,/g, '');
    expect(await card('batches')).toBe('2');
    expect(await card('strategies')).toBe(String(expected.strategies));
    expect(await card('trades')).toBe(String(expected.trades));
    expect(await card('seconds')).toMatch(/^\d+\.\d s$/);
    expect(await card('agreement')).toBe('2/2');
    expect(await count('#batch-table tbody tr')).toBe(2);
    const rows = await page.locator('#batch-table tbody tr').allTextContents();
    for (const [name, b] of expected.perBatch) {
      expect(rows.some((t) => t.includes(name) && t.includes(b.trades.toLocaleString('en-US')))).toBe(true);
    }
  });

  it('draws the metric distributions: one tick per strategy with a finite value', async () => {
    for (const m of ['total_return', 'sharpe', 'max_drawdown', 'win_rate']) {
      const fig = `[data-plot="dist-${m}"] svg`;
      const ticks = await count(`${fig} g[aria-label="tick"] line`);
      // strategies' ticks plus one median tick per asset · direction group (2)
      expect(ticks, m).toBeGreaterThan(expected.strategies * 0.8);
      expect(await count(`${fig} g[aria-label="bar"] rect`), m).toBe(2);
    }
  });

  it('draws the top strategies: a table row, an equity and a drawdown line each', async () => {
    expect(await count('#top-strategies tbody tr')).toBe(10);
    for (const id of ['equity', 'drawdown']) {
      const paths = page.locator(`#${id} svg g[aria-label="line"] path`);
      expect(await paths.count(), id).toBe(10);
      const d = (await paths.first().getAttribute('d')) ?? '';
      expect(d.split(/[LM]/).length, id).toBeGreaterThan(10); // one vertex per day
    }
  });

  it('draws the tp × sl heatmap in several colours, and redraws it for another metric', async () => {
    const fills = async () => new Set(await page.locator('#heatmap-plot svg g[aria-label="cell"] rect')
      .evaluateAll((rects) => rects.map((r) => r.getAttribute('fill') ?? '')));
    const before = await fills();
    expect(before.size).toBeGreaterThan(5);
    expect(await count('#heatmap-plot svg g[aria-label="text"] text')).toBeGreaterThan(10);
    expect(await page.locator('#top h2').textContent()).toBe('Top strategies by Sharpe ratio');
    await page.selectOption('#metric', 'win_rate');
    expect(await page.locator('#heatmap h2').textContent()).toContain('Win rate');
    expect(await page.locator('#top h2').textContent()).toBe('Top strategies by Win rate');
    const after = await fills();
    expect(after.size).toBeGreaterThan(5);
    expect(after).not.toEqual(before);
    await page.selectOption('#metric', 'sharpe');
    expect(consoleProblems).toEqual([]);
  });

  it('shows the agreement with vectorbt per batch', async () => {
    const rows = await page.locator('#agreement-table tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    for (const t of rows) expect(t).toMatch(/identical24\/24.*PASS/);
    expect(await count('[data-plot="agreement"] svg g[aria-label="bar"] rect')).toBe(2);
  });

  it('saves a screenshot to test-output/report.png', async () => {
    fs.mkdirSync(TEST_OUTPUT, { recursive: true });
    const file = path.join(TEST_OUTPUT, 'report.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(fs.statSync(file).size).toBeGreaterThan(50_000);
    expect(requests).toEqual([url]);
  });
});
