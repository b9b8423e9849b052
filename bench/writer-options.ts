// parquet-wasm 0.8.0's writer options on a real trades table: time and size per setting, and the
// cost of each step of the output path (records → Arrow table → IPC → wasm table → parquet).
//
//   npm run build && npx tsx bench/writer-options.ts --batch ETH_longshort/batch_001 --data reference-data/full
//
// Writes bench/results/writer-options.md (and prints it). Times are the best of --reps (default 3):
// the machine may be shared. Every written file is read back and checked row count and values.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import {
  Compression, EnabledStatistics, Encoding, Table as WasmTable, WriterPropertiesBuilder, WriterVersion,
  readParquet, writeParquet,
} from 'parquet-wasm';

import { tradesTable } from '../dist/src/records.js';
import { runBatch } from '../dist/src/run-batch.js';
import { readBars } from '../dist/src/batch/read.js';
import { batchPaths } from '../dist/src/batch/layout.js';
import { shutdown } from '../dist/src/simulate.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const batch = arg('--batch', 'ETH_longshort/batch_001');
const data = path.resolve(ROOT, arg('--data', 'reference-data/full'));
const reps = Number(arg('--reps', '3'));
const out = path.resolve(ROOT, arg('--out', 'bench/results/writer-options.md'));
const log = (msg: string) => process.stderr.write(`[writer-options] ${msg}\n`);

function best<T>(fn: () => T): { seconds: number; value: T } {
  let seconds = Infinity;
  let value!: T;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    value = fn();
    seconds = Math.min(seconds, (performance.now() - t) / 1000);
  }
  return { seconds, value };
}

log(`simulating ${batch} …`);
const run = await runBatch({ batch, data, write: false, threads: 2 });
const time = readBars(batchPaths(data, batch).ohlcv).time;
const rows = run.records.length;
log(`${rows.toLocaleString('en-US')} trades`);

const build = best(() => tradesTable(run.records, run.strategies, time));
const table = build.value;
const ipc = best(() => arrow.tableToIPC(table, 'stream'));
const toWasm = best(() => WasmTable.fromIPCStream(ipc.value).free());
log(`table ${build.seconds.toFixed(3)} s, IPC ${ipc.seconds.toFixed(3)} s (${(ipc.value.length / 2 ** 20).toFixed(1)} MiB), into wasm ${toWasm.seconds.toFixed(3)} s`);

interface Setting {
  name: string;
  props: (b: WriterPropertiesBuilder) => WriterPropertiesBuilder;
}

const FLOAT_COLS = ['entry_price', 'entry_fees', 'exit_price', 'exit_fees', 'size', 'pnl', 'return'];
const INT_COLS = ['trade_id', 'entry_idx', 'exit_idx', 'entry_time', 'exit_time'];
const settings: Setting[] = [
  { name: 'zstd (default level), dictionary on, page statistics — the defaults with zstd', props: (b) => b.setCompression(Compression.ZSTD) },
  { name: 'uncompressed', props: (b) => b.setCompression(Compression.UNCOMPRESSED) },
  { name: 'snappy', props: (b) => b.setCompression(Compression.SNAPPY) },
  { name: 'lz4_raw', props: (b) => b.setCompression(Compression.LZ4_RAW) },
  { name: 'gzip (default level)', props: (b) => b.setCompression(Compression.GZIP) },
  { name: 'brotli (default level)', props: (b) => b.setCompression(Compression.BROTLI) },
  { name: 'zstd, dictionary off', props: (b) => b.setCompression(Compression.ZSTD).setDictionaryEnabled(false) },
  {
    name: 'zstd, dictionary on for the 4 string columns only',
    props: (b) => {
      let p = b.setCompression(Compression.ZSTD).setDictionaryEnabled(false);
      for (const c of ['strategy', 'direction', 'status', 'exit_reason']) p = p.setColumnDictionaryEnabled(c, true);
      return p;
    },
  },
  {
    name: 'zstd, strings dictionary, floats BYTE_STREAM_SPLIT, ints DELTA_BINARY_PACKED',
    props: (b) => {
      let p = b.setCompression(Compression.ZSTD).setDictionaryEnabled(false);
      for (const c of ['strategy', 'direction', 'status', 'exit_reason']) p = p.setColumnDictionaryEnabled(c, true);
      for (const c of FLOAT_COLS) p = p.setColumnEncoding(c, Encoding.BYTE_STREAM_SPLIT);
      for (const c of INT_COLS) p = p.setColumnEncoding(c, Encoding.DELTA_BINARY_PACKED);
      return p;
    },
  },
  {
    name: 'lz4_raw, strings dictionary, floats BYTE_STREAM_SPLIT, ints DELTA_BINARY_PACKED',
    props: (b) => {
      let p = b.setCompression(Compression.LZ4_RAW).setDictionaryEnabled(false);
      for (const c of ['strategy', 'direction', 'status', 'exit_reason']) p = p.setColumnDictionaryEnabled(c, true);
      for (const c of FLOAT_COLS) p = p.setColumnEncoding(c, Encoding.BYTE_STREAM_SPLIT);
      for (const c of INT_COLS) p = p.setColumnEncoding(c, Encoding.DELTA_BINARY_PACKED);
      return p;
    },
  },
  { name: 'zstd, statistics off', props: (b) => b.setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.None) },
  { name: 'zstd, chunk statistics only', props: (b) => b.setCompression(Compression.ZSTD).setStatisticsEnabled(EnabledStatistics.Chunk) },
  { name: 'zstd, row groups of 65,536 rows', props: (b) => b.setCompression(Compression.ZSTD).setMaxRowGroupSize(65_536) },
  { name: 'zstd, row groups of 262,144 rows', props: (b) => b.setCompression(Compression.ZSTD).setMaxRowGroupSize(262_144) },
  { name: 'zstd, one row group', props: (b) => b.setCompression(Compression.ZSTD).setMaxRowGroupSize(Math.max(rows, 1)) },
  { name: 'zstd, writer version 2 (v2 data pages)', props: (b) => b.setCompression(Compression.ZSTD).setWriterVersion(WriterVersion.V2) },
];

/** The pnl column and row count of parquet bytes, through parquet-wasm's reader. */
function readBack(bytes: Uint8Array): { rows: number; pnl: Float64Array } {
  const t = arrow.tableFromIPC(readParquet(bytes, { batchSize: 0x7fffffff, columns: ['pnl'] }).intoIPCStream());
  return { rows: t.numRows, pnl: t.getChild('pnl')!.toArray() as Float64Array };
}

const lines: string[] = [];
for (const s of settings) {
  // writeParquet consumes the wasm table: build a fresh one per write, outside the timing
  let bytes!: Uint8Array;
  let seconds = Infinity;
  try {
    for (let r = 0; r < reps; r++) {
      const wasmTable = WasmTable.fromIPCStream(ipc.value);
      const props = s.props(new WriterPropertiesBuilder()).build();
      const t = performance.now();
      bytes = writeParquet(wasmTable, props);
      seconds = Math.min(seconds, (performance.now() - t) / 1000);
    }
  } catch (e) {
    lines.push(`| ${s.name} | failed: ${(e as Error).message.split('\n')[0]} | | |`);
    continue;
  }
  const back = readBack(bytes);
  const same = back.rows === rows && back.pnl.every((v, i) => Object.is(v, run.records.pnl[i]));
  if (!same) throw new Error(`${s.name}: the file does not read back as written`);
  lines.push(`| ${s.name} | ${seconds.toFixed(3)} | ${(bytes.length / 2 ** 20).toFixed(1)} | ${(bytes.length / rows).toFixed(1)} |`);
  log(lines[lines.length - 1]);
}

const load = os.loadavg().map((x) => x.toFixed(2)).join(', ');
const md = `# parquet-wasm 0.8.0 writer options on a trades table

\`npx tsx bench/writer-options.ts --batch ${batch} --data ${path.relative(ROOT, data)} --reps ${reps}\`, ${new Date().toISOString().slice(0, 16)} UTC,
${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average at the end ${load} (a shared machine: times are the best of ${reps}).

${batch}: ${rows.toLocaleString('en-US')} trades × 16 columns.

Before the writer runs: Arrow table from the records ${build.seconds.toFixed(3)} s, \`tableToIPC\` ${ipc.seconds.toFixed(3)} s
(${(ipc.value.length / 2 ** 20).toFixed(1)} MiB of IPC), \`Table.fromIPCStream\` ${toWasm.seconds.toFixed(3)} s.

| setting | writeParquet s | MiB | bytes/trade |
| --- | ---: | ---: | ---: |
${lines.join('\n')}

parquet-wasm 0.8.0 exposes codecs only as an enum: zstd, gzip and brotli run at arrow-rs's default
level (zstd 1), with no way to set another. Every file was read back and checked (row count, pnl bit for bit).
`;
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, md);
process.stdout.write(md);
await shutdown();
