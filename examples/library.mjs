// simrun as a library: in-memory arrays in, vectorbt-identical trades out; then a whole batch.
import { simulate, runBatch, REASON_NAMES, shutdown } from 'simrun';

// Five 1-minute bars, one strategy that goes long on bar 0 with a 2 % take-profit.
const close = [100, 101, 102.5, 101, 99];
const result = await simulate({
  bars: { open: close, high: close.map((c) => c * 1.001), low: close.map((c) => c * 0.999), close },
  strategies: [{ name: 'breakout', long: [1, 0, 0, 0, 0], tpStop: 0.02 }],
});
const r = result.records;
for (let k = 0; k < r.length; k++) {
  console.log(`trade ${k}: bars ${r.entryIdx[k]}→${r.exitIdx[k]}, pnl ${r.pnl[k].toFixed(2)}, ` +
    `exit ${REASON_NAMES[r.exitReason[k]]}`);
}
console.log(result.trades.schema.fields.map((f) => f.name).join(', ')); // an Arrow table too

// A whole batch from the bundled reference tree, compared with vectorbt's own outputs.
const batch = await runBatch({ batch: 'BTC_long/batch_001', compare: true, write: false });
console.log(`${batch.trades} trades, identical to vectorbt: ${batch.compare.ok}`);
await shutdown();
