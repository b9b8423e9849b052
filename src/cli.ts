// `simrun`: parses arguments, calls the library, prints, sets the exit code.
//   0 success · 1 outputs differ from the reference (--compare) · 2 bad input or usage
import { Command, CommanderError } from 'commander';
import { availableParallelism } from 'node:os';
import { discoverBatches, selectBatches } from './batch/layout.js';
import type { CompareReport } from './compare.js';
import type { SimConfig } from './config.js';
import { reportError, SimrunError } from './errors.js';
import { positiveInt } from './options.js';
import { createProgress, createSweepProgress } from './progress.js';
import { bundledDataRoot, runBatch, type RunBatchResult } from './run-batch.js';
import { shutdown } from './simulate.js';
import { MANIFEST, runSweep } from './sweep.js';
import { addSettingOptions, flagOf, settingsFromOptions } from './setting-options.js';
import { validateConfig, validateThreads } from './validate.js';

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export function compareLines(c: CompareReport): string[] {
  const lines = [
    `  strategies matched exactly: ${c.strategiesExact}/${c.strategies}`,
    `  trade records: ${fmt(c.ourTrades)} ours, ${fmt(c.referenceTrades)} reference, ` +
      `${fmt(c.mismatchedRecords)} mismatching (${fmt(c.bitIdenticalFloats)} of ${fmt(c.comparedFloats)} float fields bit-identical)`,
  ];
  for (const e of c.examples) lines.push(`    ${e}`);
  if (c.metrics) {
    lines.push(`  metrics: ${fmt(c.metrics.compared)} compared, ${fmt(c.metrics.mismatched)} mismatching`);
    for (const e of c.metrics.examples) lines.push(`    ${e}`);
  }
  if (c.dailyReturns) {
    lines.push(`  daily returns: ${fmt(c.dailyReturns.compared)} compared, ${fmt(c.dailyReturns.mismatched)} mismatching`);
    for (const e of c.dailyReturns.examples) lines.push(`    ${e}`);
  }
  lines.push(`  seed criteria (trades ±5 %, PnL ±2 %, first 10 trades exact): ${c.seed.passing}/${c.strategies} ` +
    `strategies pass (${pct(c.seed.share)}; the seed project needs 95 %): ${c.seed.pass ? 'PASS' : 'FAIL'}`);
  return lines;
}

function summaryLines(r: RunBatchResult): string[] {
  const s = r.seconds;
  const lines = [
    `${r.batch}: ${fmt(r.bars)} bars × ${r.strategies.length} strategies → ${fmt(r.trades)} trades in ` +
      `${s.total.toFixed(2)} s (read ${s.read.toFixed(2)}, simulate ${s.simulate.toFixed(2)}, write ${s.write.toFixed(2)}` +
      `${r.compare ? `, compare ${s.compare.toFixed(2)}` : ''})`,
  ];
  if (r.outDir) lines.push(`  outputs: ${r.outDir}/{trades,metrics,daily_returns}.parquet`);
  if (r.compare) {
    lines.push(`  compared with vectorbt's outputs: ${r.compare.ok ? 'identical' : 'DIFFERENT'}`);
    lines.push(...compareLines(r.compare));
  }
  return lines;
}

function jsonSummary(r: RunBatchResult) {
  return {
    batch: r.batch, outDir: r.outDir, bars: r.bars, strategies: r.strategies.length, trades: r.trades,
    seconds: r.seconds, compare: r.compare,
  };
}

/** Several batches: resumable through the output's manifest, with overall progress. */
async function sweep(batches: string[], data: string, config: SimConfig, opts: Record<string, any>,
  out: NodeJS.WritableStream, err: NodeJS.WriteStream): Promise<number> {
  const progress = createSweepProgress(err, batches.length, opts.quiet || opts.json);
  const summary = await runSweep({
    batches, data, out: opts.out, config, compare: opts.compare, threads: opts.threads, force: opts.force,
    onBatchDone: (result, batch, skipped) => progress.batchDone(batch, result?.strategies.length ?? 0, skipped),
  });
  progress.stop();
  if (opts.json) {
    out.write(JSON.stringify(summary, null, 2) + '\n');
  } else {
    out.write(`${summary.batches} batches (${summary.ran} run, ${summary.skipped} already done), ` +
      `${fmt(summary.strategies)} strategies, ${fmt(summary.trades)} trades in ${summary.seconds.toFixed(2)} s` +
      `${opts.compare ? `; ${summary.differing.length} batch(es) differ from the reference` : ''}\n`);
    for (const b of summary.differing) out.write(`  differs: ${b} (run it alone with --compare for details)\n`);
  }
  return summary.differing.length ? 1 : 0;
}

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WriteStream = process.stderr): Promise<number> {
  // subcommands own their options; everything else is a run of batches
  const sub = argv[2];
  if (sub === 'report') return (await import('./report/index.js')).reportMain(argv.slice(3), out, err);
  if (sub === 'queue') return (await import('./queue/index.js')).queueMain(argv.slice(3), out, err);
  if (sub === 'worker') return (await import('./queue/index.js')).workerMain(argv.slice(3), out, err);
  const program = addSettingOptions(new Command()
    .name('simrun')
    .description("vectorbt's Portfolio.from_signals, trade for trade, on WASM\n\n" +
      'Other commands:\n  simrun report --out <dir>   an HTML page of a sweep\'s outputs (simrun report --help)\n' +
      '  simrun queue add|status|failed|retry|drain …   a sweep as a BullMQ queue on Redis\n' +
      '  simrun worker --redis <url>                    run queued batches (several machines can)')
    .option('-b, --batch <name>', 'batch to run: <ASSET>_<direction>/batch_<NNN>, or a glob such as "BTC_long/*"')
    .option('--all', 'run every batch under the data root')
    .option('-d, --data <root>', 'data root (default: the bundled reference tree)')
    .option('-o, --out <dir>', 'output root', 'simrun-out')
    .option('-c, --compare', "compare the outputs with the batch's vectorbt reference outputs")
    .option('-t, --threads <n>', 'threads to use', positiveInt, availableParallelism())
    .option('--json', 'print a JSON summary on stdout instead of text')
    .option('-q, --quiet', 'no progress output')
    .option('--force', `with several batches: recompute batches that ${MANIFEST} says are done`))
    // then the from_signals settings, batch-wide (params.csv columns set them per strategy)
    .exitOverride()
    // commander's own usage errors get the same "simrun: error: …" line as every other error
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s.startsWith('error:') ? `simrun: ${s}` : s) });

  try {
    program.parse(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    }
    throw e;
  }
  const opts = program.opts();
  const data: string = opts.data ?? bundledDataRoot();
  try {
    if (!opts.batch && !opts.all) {
      throw new SimrunError('bad-argument', 'nothing to run: give --batch <ASSET>_<direction>/batch_<NNN> or --all');
    }
    const batches = opts.all ? discoverBatches(data) : selectBatches(data, opts.batch);
    if (batches.length === 0) throw new SimrunError('bad-argument', `no batches under ${data}`);
    const config = validateConfig(settingsFromOptions(opts), undefined, flagOf, true);
    validateThreads(opts.threads, undefined, '--threads');
    const cores = availableParallelism();
    if (opts.threads > cores && !opts.quiet && !opts.json) {
      err.write(`simrun: note: --threads ${opts.threads} is more than this machine's ${cores} cores; ` +
        'at most one thread per 16-strategy column group runs, and threads beyond the cores only add overhead\n');
    }
    const progress = createProgress(err, opts.quiet || opts.json);
    if (batches.length > 1) return await sweep(batches, data, config, opts, out, err);
    const [batch] = batches;
    let started = false;
    const result = await runBatch({
      batch, data, out: opts.out, compare: opts.compare, threads: opts.threads, config,
      onProgress: (done, total) => {
        // the first report may already count finished columns (threads report on a timer)
        if (!started) progress.start(batch, total);
        started = true;
        progress.update(done);
      },
    });
    progress.stop();
    out.write(opts.json ? JSON.stringify(jsonSummary(result), null, 2) + '\n' : summaryLines(result).join('\n') + '\n');
    return result.compare && !result.compare.ok ? 1 : 0;
  } catch (e) {
    return reportError(e, err);
  } finally {
    await shutdown();
  }
}
