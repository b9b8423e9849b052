// The library call as a program meets it: stateless between calls (the pool's shared memory is
// reused, never its contents), every setting checked, names as data, times as whole milliseconds.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { shutdown, simulate, type SimulateOptions } from '../src/simulate.js';
import { SimrunError } from '../src/errors.js';
import { rng } from './batch/fixtures.js';

afterAll(shutdown);

/** Bars of a random walk and strategies with random entries on the sides asked for. */
function call(seed: number, n: number, sides: Array<'long' | 'short' | 'both' | 'none'>, threads = 1): SimulateOptions {
  const r = rng(seed);
  let p = 100;
  const close = Array.from({ length: n }, () => (p = Math.round(p * (1 + (r() - 0.5) * 0.02) * 100) / 100));
  const open = close.map((c, i) => (i ? close[i - 1] : c));
  const high = close.map((c, i) => Math.max(c, open[i]) * 1.001);
  const low = close.map((c, i) => Math.min(c, open[i]) * 0.999);
  const entries = () => Array.from({ length: n }, () => (r() < 0.04 ? 1 : 0));
  return {
    bars: { open, high, low, close },
    threads,
    strategies: sides.map((side, k) => ({
      name: `s${k}`,
      long: side === 'long' || side === 'both' ? entries() : undefined,
      short: side === 'short' || side === 'both' ? entries() : undefined,
      tpStop: k % 2 ? 0.02 : null,
      slStop: 0.01,
    })),
  };
}

type Plain = Record<string, number[]>;

function plain(rec: Awaited<ReturnType<typeof simulate>>['records']): Plain {
  const out: Plain = {};
  for (const [k, v] of Object.entries(rec)) if (typeof v !== 'number') out[k] = Array.from(v as ArrayLike<number>);
  return out;
}

/** The same call alone in a fresh Node process (compiled library), as plain arrays. */
function inFreshProcess(opts: SimulateOptions): Plain {
  const lib = fileURLToPath(new URL('../dist/src/index.js', import.meta.url));
  const script = `
    import { simulate, shutdown } from ${JSON.stringify(lib)};
    let input = '';
    process.stdin.on('data', (d) => (input += d));
    process.stdin.on('end', async () => {
      const r = await simulate(JSON.parse(input));
      const out = {};
      for (const [k, v] of Object.entries(r.records)) if (typeof v !== 'number') out[k] = Array.from(v);
      process.stdout.write(JSON.stringify(out));
      await shutdown();
    });`;
  const p = spawnSync(process.execPath, ['--input-type=module', '-e', script], { input: JSON.stringify(opts), encoding: 'utf8' });
  if (p.status !== 0) throw new Error(p.stderr);
  return JSON.parse(p.stdout) as Plain;
}

describe('simulate() is stateless between calls (issue 12, defect 2)', () => {
  it('interleaved calls of different shapes and sides each equal the same call in a fresh process', async () => {
    const calls = [
      call(1, 600, ['both', 'both', 'both']),
      call(2, 400, ['short', 'short']), // no long side at all: the previous call's long bytes must not leak
      call(3, 700, ['none', 'long', 'none']),
      call(4, 300, ['long']),
      call(5, 650, ['both', 'none', 'short', 'long'], 2),
      call(2, 400, ['short', 'short']),
    ];
    const results = [];
    for (const c of calls) results.push(plain((await simulate(c)).records));
    for (const [i, c] of calls.entries()) expect(results[i], `call ${i}`).toEqual(inFreshProcess(c));
    // and the facts they must show
    expect(results[1].direction.every((d) => d === 1)).toBe(true); // short-only: no long trades
    expect(results[2].strategy.every((s) => s === 1)).toBe(true); // strategies without signals never trade
    expect(results[1]).toEqual(results[5]);
  });
});

describe('simulate() checks its settings and names', () => {
  const base = () => call(7, 200, ['both', 'long']);
  const refused = async (opts: SimulateOptions, ...parts: string[]) => {
    const e = await simulate(opts).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(SimrunError);
    const msg = (e as SimrunError).message;
    expect(msg).not.toContain('\n');
    expect(msg).toContain('simulate()');
    for (const p of parts) expect(msg).toContain(p);
  };

  it('refuses fees NaN or negative, slippage ≥ 1, init cash out of range, unknown settings, bad threads', async () => {
    await refused({ ...base(), config: { fees: NaN } }, 'fees must be a finite number ≥ 0, got NaN');
    await refused({ ...base(), config: { fees: -0.001 } }, 'fees');
    await refused({ ...base(), config: { slippage: 1 } }, 'slippage');
    await refused({ ...base(), config: { initCash: 1e308 } }, 'initCash');
    await refused({ ...base(), config: { initCash: 0 } }, 'initCash');
    await refused({ ...base(), config: { minSize: Infinity } }, 'minSize');
    await refused({ ...base(), config: { fee: 0.1 } as never }, 'unknown setting "fee"');
    await refused({ ...base(), config: { fees: '0.1' } as never }, 'fees must be a number');
    await refused({ ...base(), threads: 0 }, 'threads');
    await refused({ ...base(), threads: 1.5 }, 'threads');
  });

  it('refuses times that are not whole milliseconds, and a strategy name given twice', async () => {
    const b = base();
    await refused({ ...b, bars: { ...b.bars, time: Array.from({ length: 200 }, (_, i) => i * 60_000 + 0.5) } }, 'row 0', 'whole number');
    await refused({ ...b, strategies: [b.strategies[0], { ...b.strategies[1], name: 's0' }] }, '"s0" is given twice');
  });

  it('takes any string as a strategy name', async () => {
    const b = base();
    const names = ['__proto__', 'constructor'];
    const r = await simulate({ ...b, strategies: b.strategies.map((s, k) => ({ ...s, name: names[k] })) });
    expect(r.strategies).toEqual(names);
    const col = r.trades.getChild('strategy')!;
    expect(new Set(Array.from({ length: r.trades.numRows }, (_, i) => col.get(i)))).toEqual(new Set(names));
  });
});

describe('simulate() takes exits and per-strategy settings (issue 14)', () => {
  const base = () => call(7, 200, ['both', 'long']);
  const refused = async (opts: SimulateOptions, ...parts: string[]) => {
    const e = await simulate(opts).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(SimrunError);
    const msg = (e as SimrunError).message;
    expect(msg).not.toContain('\n');
    expect(msg).toContain('simulate()');
    for (const p of parts) expect(msg).toContain(p);
  };

  it('checks enum names case-insensitively, accumulate as true/false, numbers as numbers', async () => {
    const b = base();
    await refused({ ...b, config: { uponOppositeEntry: 'Flip' } }, 'uponOppositeEntry unknown value "Flip" (one of: Ignore, Close, CloseReduce, Reverse, ReverseReduce)');
    await refused({ ...b, config: { sizeType: 'Percent' } }, 'size must be a fraction in (0, 1] with size type Percent, got Infinity');
    await refused({ ...b, config: { size: '1' } as never }, 'size must be a number, got "1"');
    await refused({ ...b, strategies: [{ ...b.strategies[0], settings: { fees: -1 } }] }, 'strategy "s0" settings.fees must be a finite number ≥ 0, got -1');
    await refused({ ...b, strategies: [{ ...b.strategies[0], settings: { minSize: 1 } }] }, 'strategy "s0": "minSize" is not a per-strategy setting');
    await refused({ ...b, strategies: [{ ...b.strategies[0], longExit: [2] }] }, 'strategy "s0" long exits has 1 rows, the bars have 200');
    // both sides with ReverseReduce can reverse: Percent refused; the long-only strategy may use it
    await refused({ ...b, strategies: [{ ...b.strategies[0], settings: { sizeType: 'percent', size: 0.5 } }] },
      'strategy "s0", setting "settings.sizeType": size type Percent cannot reverse a position');
    const ok = await simulate({ ...b, config: { accumulate: true, price: 'open' },
      strategies: [b.strategies[1], { ...b.strategies[0], name: 'p', short: null, tpStop: null, slStop: null, settings: { sizeType: 'Percent', size: 0.5 } }] });
    expect(ok.strategies).toEqual(['s1', 'p']);
  });

  it('places exit signals: a strategy given all-false exits trades as one given none', async () => {
    const b = base();
    const zeros = new Array(200).fill(0);
    const plainRun = plain((await simulate(b)).records);
    const withExits = plain((await simulate({ ...b, strategies: b.strategies.map((s) => ({ ...s, longExit: zeros, shortExit: [...zeros] })) })).records);
    expect(withExits).toEqual(plainRun);
  });
});
