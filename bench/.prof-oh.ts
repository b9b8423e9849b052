// temporary profiling driver (not committed)
import { batchPaths, parseBatchName } from '../src/batch/layout.js';
import { readBars, readParams, readSignals } from '../src/batch/read.js';
import { copyBits } from '../src/engine/signal-bits.js';
import { pipelineDays } from '../src/calendar.js';
import { DEFAULT_CONFIG } from '../src/config.js';
import { KernelPool } from '../src/engine/pool.js';
import { runKernel } from '../src/engine/run-kernel.js';
const data = process.argv[2], batch = process.argv[3], fees = Number(process.argv[4] ?? 0.0002), reps = Number(process.argv[5] ?? 3);
const p = batchPaths(data, batch);
const name = parseBatchName(batch);
const bars = readBars(p.ohlcv);
const params = readParams(p.params);
const strategies = params.map((x) => x.strategy);
const sig = await readSignals(p.signals, { rows: bars.close.length, direction: name.direction, strategies });
const days = pipelineDays(bars.time);
const pool = new KernelPool(1);
const input = {
  open: bars.open, high: bars.high, low: bars.low, close: bars.close, dayEnds: days.dayEnds,
  nCols: strategies.length, hasLong: name.direction !== 'short', hasShort: name.direction !== 'long',
  tp: Float64Array.from(params, (x) => x.tpStop), sl: Float64Array.from(params, (x) => x.slStop), tsl: Float64Array.from(params, (x) => x.tslStop),
  config: { ...DEFAULT_CONFIG, fees, slippage: fees },
  placeSignals(col: number, long: Uint8Array | null, short: Uint8Array | null) {
    const s = sig.columns.get(strategies[col])!;
    if (long && s.long) copyBits(s.long, long);
    if (short && s.short) copyBits(s.short, short);
  },
};
for (let r = 0; r < reps; r++) {
  const t = performance.now(); const u = process.cpuUsage();
  const out = await runKernel(pool, input as any);
  const d = process.cpuUsage(u);
  console.log(`runKernel ${(performance.now() - t).toFixed(0)} ms wall, ${((d.user + d.system) / 1000).toFixed(0)} ms cpu, ${out.records.length} records`);
}
await pool.close();
