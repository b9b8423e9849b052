// `simrun report --out <dir>`: one self-contained HTML page (<dir>/report.html) about a sweep's
// outputs — summary, metric distributions, top strategies with equity and drawdown, a tp × sl
// heatmap, and the agreement with vectorbt where the data root has reference outputs.
//   exit codes: 0 written · 2 bad input or usage (one line naming the file and the problem) · 3 internal error
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';

import { checkOwnedFile } from '../batch/ownership.js';
import { writeFileAtomic } from '../batch/write.js';
import { reportError, SimrunError } from '../errors.js';
import { positiveInt } from '../options.js';
import { bundledDataRoot } from '../run-batch.js';
import { collectReport, type ReportData } from './collect.js';
import { DEFAULT_REPORT_METRIC, REPORT_METRICS, type ReportMetric } from './data.js';
import { reportHtml, REPORT_SIGNATURE } from './html.js';

export { collectReport, scanOutputs, tradeRecordsFromTable, strategyMetricsFromTable } from './collect.js';
export type { ReportData, Agreement, BatchInfo, Curve, StrategyColumns } from './collect.js';
export {
  REPORT_METRICS, DEFAULT_REPORT_METRIC, equityAndDrawdown, heatmapCells, paramBins, topIndices,
  type ReportMetric, type Heatmap, type HeatmapCell, type EquityCurve,
} from './data.js';
export { reportHtml } from './html.js';

export const REPORT_FILE = 'report.html';
export const DEFAULT_TOP = 10;

export interface WriteReportOptions {
  /** The sweep's output root (what `simrun --out` wrote). The page is written to `<out>/report.html`. */
  out: string;
  /**
   * Data root whose batches have vectorbt's reference outputs to compare with. Default: the bundled
   * reference tree, when it exists; `null`: no comparison.
   */
  data?: string | null;
  /** Metric the page ranks strategies by and colours the heatmap with at first (default `sharpe`). */
  metric?: string;
  /** How many top strategies to show (default 10). */
  top?: number;
}

export interface WriteReportResult {
  file: string;
  bytes: number;
  data: ReportData;
}

function checkMetric(metric: string): ReportMetric {
  if (!(REPORT_METRICS as readonly string[]).includes(metric)) {
    throw new SimrunError('bad-argument', `unknown metric "${metric}" (one of: ${REPORT_METRICS.join(', ')})`);
  }
  return metric as ReportMetric;
}

function dataRoot(data: string | null | undefined): string | null {
  if (data === null) return null;
  if (data === undefined) {
    const bundled = bundledDataRoot();
    return fs.existsSync(bundled) ? bundled : null;
  }
  const stat = fs.statSync(data, { throwIfNoEntry: false });
  if (!stat) throw new SimrunError('missing-file', 'data directory does not exist', data);
  if (!stat.isDirectory()) throw new SimrunError('bad-argument', 'data root is not a directory', data);
  return data;
}

/** The page on disk is always whole (batch/write.ts: temporary name, fsync, rename). */
function writeAtomically(file: string, text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  try {
    writeFileAtomic(file, bytes);
  } catch (e) {
    throw new SimrunError('output', `cannot write the report (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, file);
  }
  return bytes.length;
}

/** Reads the outputs under `out`, compares them with the reference where there is one, writes `<out>/report.html`. */
export async function writeReport(opts: WriteReportOptions): Promise<WriteReportResult> {
  const metric = checkMetric(opts.metric ?? DEFAULT_REPORT_METRIC);
  const top = opts.top ?? DEFAULT_TOP;
  if (!Number.isInteger(top) || top < 1) throw new SimrunError('bad-argument', `top must be a whole number ≥ 1 (got ${top})`);
  const data = await collectReport({ out: opts.out, data: dataRoot(opts.data), metric, top });
  const file = path.join(opts.out, REPORT_FILE);
  checkOwnedFile(file, REPORT_SIGNATURE, 'the report'); // never overwrite a user's report.html
  const bytes = writeAtomically(file, reportHtml(data));
  return { file, bytes, data };
}

function metricChoice(value: string): string {
  if (!(REPORT_METRICS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of: ${REPORT_METRICS.join(', ')}`);
  }
  return value;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** `simrun report …`; `argv` are the words after `report`. */
export async function reportMain(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WriteStream): Promise<number> {
  const program = new Command()
    .name('simrun report')
    .description("write <out>/report.html: a sweep's summary, metric distributions, top strategies, a tp × sl " +
      'heatmap and the agreement with vectorbt — one self-contained page that opens offline')
    .option('-o, --out <dir>', "the sweep's output root (where simrun wrote its outputs)", 'simrun-out')
    .option('-d, --data <root>', "data root with the batches' vectorbt reference outputs (default: the bundled reference tree)")
    .option('--no-compare', 'do not compare with reference outputs')
    .option('-m, --metric <name>', `metric to rank strategies by and colour the heatmap with (${REPORT_METRICS.join(', ')})`,
      metricChoice, DEFAULT_REPORT_METRIC)
    .option('--top <n>', 'how many top strategies to show', positiveInt, DEFAULT_TOP)
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    }
    throw e;
  }
  const opts = program.opts<{ out: string; data?: string; compare: boolean; metric: string; top: number }>();
  try {
    const r = await writeReport({ out: opts.out, data: opts.compare ? opts.data : null, metric: opts.metric, top: opts.top });
    const s = r.data.summary;
    out.write(`report: ${r.file} (${fmt(s.batches)} batch${s.batches === 1 ? '' : 'es'}, ${fmt(s.strategies)} strategies, ` +
      `${fmt(s.trades)} trades` +
      (s.comparedBatches ? `; ${s.identicalBatches}/${s.comparedBatches} compared batches identical to vectorbt` : '') +
      `; ${(r.bytes / 1e6).toFixed(1)} MB)\n`);
    return 0;
  } catch (e) {
    return reportError(e, err);
  }
}
