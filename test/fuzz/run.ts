// `npm run fuzz -- --cases N --seed S`: differential fuzzing against live vectorbt (see fuzz.ts).
// Exit code 0: no mismatch; 1: mismatches (reduced cases written under test/regressions/); 2: usage.
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { shutdown } from '../../src/simulate.js';
import { DEFAULT_REGRESSIONS, mismatches, runFuzz, summaryLines } from './fuzz.js';

const USAGE = `usage: npm run fuzz -- [--cases N] [--seed S] [--group-size K] [--groups G,G…]
                     [--work DIR] [--keep] [--regressions DIR | --no-reduce] [--max-reduce N] [--threads T]

  --cases N        cases (strategy columns) to draw (default 2000)
  --seed S         seed (default: random, printed); the same seed and cases replay the same run
  --group-size K   cases per bar series, i.e. per vectorbt call (default 100)
  --groups G,…     only these group indices (replay a failing group)
  --work DIR       where the generated batches go (default: a temp dir, removed unless something fails)
  --keep           keep every generated batch
  --regressions D  where reduced failing cases go (default test/regressions)
  --no-reduce      report failing cases without reducing them
  --max-reduce N   reduce at most N failing cases (default 3)
  --threads T      simrun kernel threads (default 1)`;

function fail(msg: string): never {
  process.stderr.write(`fuzz: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function int(name: string, v: string | undefined, def: number, min: number): number {
  if (v === undefined) return def;
  if (!/^\d+$/.test(v)) fail(`--${name} must be a non-negative integer, got "${v}"`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) fail(`--${name} must be >= ${min}, got ${v}`);
  return n;
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      cases: { type: 'string' }, seed: { type: 'string' }, 'group-size': { type: 'string' }, groups: { type: 'string' },
      work: { type: 'string' }, keep: { type: 'boolean' }, regressions: { type: 'string' }, 'no-reduce': { type: 'boolean' },
      'max-reduce': { type: 'string' }, threads: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  }));
} catch (e) {
  fail((e as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const seed = int('seed', values.seed as string | undefined, randomInt(0, 2 ** 31), 0);
const groups = values.groups === undefined ? undefined : (values.groups as string).split(',').filter((x) => x.trim()).map((g) => int('groups', g.trim(), 0, 0));

const summary = await runFuzz({
  cases: int('cases', values.cases as string | undefined, 2000, 1),
  seed,
  groupSize: int('group-size', values['group-size'] as string | undefined, 100, 1),
  groups,
  workDir: values.work === undefined ? undefined : path.resolve(values.work as string),
  keep: Boolean(values.keep),
  regressionsDir: values['no-reduce'] ? null : values.regressions ? path.resolve(values.regressions as string) : DEFAULT_REGRESSIONS,
  maxReduce: int('max-reduce', values['max-reduce'] as string | undefined, 3, 0),
  threads: int('threads', values.threads as string | undefined, 1, 1),
});
for (const line of summaryLines(summary)) console.log(line);
await shutdown();
process.exit(mismatches(summary) ? 1 : 0);
