// What a worker accepts from a job (src/queue/confine.ts), without Redis, and how a Redis URL with a
// password and TLS reaches ioredis.
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { checkRedisUrl, jobConfig, safeUrl } from '../../src/queue/common.js';
import { confineJob, confinement } from '../../src/queue/confine.js';
import { cleanupTmpDirs, expectSimrunError, tmpDir } from '../batch/fixtures.js';

afterAll(cleanupTmpDirs);

describe('confineJob', () => {
  const roots = () => {
    const data = tmpDir('simrun-confine-data-');
    const out = tmpDir('simrun-confine-out-');
    return { data, out, c: confinement(out, [data]) };
  };
  const job = (data: string, out: string, more: Record<string, unknown> = {}) =>
    ({ batch: 'BTC_long/batch_001', data, out, compare: false, config: { ...DEFAULT_CONFIG }, inputs: 'abc', ...more });

  it('accepts a job under its roots, settings checked and defaults filled in', () => {
    const { data, out, c } = roots();
    const sub = path.join(out, 'sweep-1');
    expect(confineJob(job(data, sub, { config: { fees: 0.001 } }), c, '7')).toEqual({
      batch: 'BTC_long/batch_001', data, out: sub, compare: false, config: { ...DEFAULT_CONFIG, fees: 0.001 }, inputs: 'abc',
    });
  });

  it('takes every setting as `queue add` sends it through JSON (an infinite size as "inf"), and checks it', () => {
    const { data, out, c } = roots();
    const sent = { ...DEFAULT_CONFIG, price: 'Open', sizeType: 'Value', uponStopExit: 'Reverse', fixedFees: 1 } as const;
    const viaJson = JSON.parse(JSON.stringify(jobConfig(sent)));
    expect(viaJson.size).toBe('inf');
    expect(confineJob(job(data, out, { config: viaJson }), c).config).toEqual(sent);
    expect(confineJob(job(data, out, { config: { ...viaJson, size: '10' } }), c).config.size).toBe(10);
    expectSimrunError(() => confineJob(job(data, out, { config: { ...viaJson, price: 'Flip' } }), c), 'bad-argument',
      'price unknown value "Flip" (one of: Close, Open)');
    expectSimrunError(() => confineJob(job(data, out, { config: { ...viaJson, sizeType: 'Percent' } }), c), 'bad-argument',
      'size must be a fraction in (0, 1] with size type Percent, got Infinity');
  });

  it('refuses reads and writes outside its roots, through .. or a symbolic link', () => {
    const { data, out, c } = roots();
    const outside = tmpDir('simrun-confine-outside-');
    const link = path.join(out, 'link');
    fs.symlinkSync(outside, link);
    expectSimrunError(() => confineJob(job(data, outside), c, '1'), 'bad-argument', 'job 1', 'outside this worker\'s output root');
    expectSimrunError(() => confineJob(job(data, path.join(out, '..', path.basename(outside))), c), 'bad-argument', 'output root');
    expectSimrunError(() => confineJob(job(data, path.join(link, 'x')), c), 'bad-argument', 'output root');
    expectSimrunError(() => confineJob(job(outside, out), c), 'bad-argument', 'outside this worker\'s data roots', '--data-root');
    expectSimrunError(() => confineJob(job('/', out), c), 'bad-argument', 'data root / is outside');
  });

  it('refuses malformed jobs and settings', () => {
    const { data, out, c } = roots();
    expectSimrunError(() => confineJob(null, c), 'bad-argument', 'not an object');
    expectSimrunError(() => confineJob(job(data, out, { batch: '../x/batch_001' }), c), 'bad-batch-name');
    expectSimrunError(() => confineJob(job(data, 'rel'), c), 'bad-argument', 'not an absolute path');
    expectSimrunError(() => confineJob(job(data, out, { compare: 'yes' }), c), 'bad-argument', 'compare');
    expectSimrunError(() => confineJob(job(data, out, { config: { fees: -1 } }), c), 'bad-argument', 'fees');
    expectSimrunError(() => confineJob(job(data, out, { config: { slippage: 1 } }), c), 'bad-argument', 'slippage');
    expectSimrunError(() => confineJob(job(data, out, { config: { initCash: 1e308 } }), c), 'bad-argument', 'initCash');
    expectSimrunError(() => confineJob(job(data, out, { config: { rm: 1 } }), c), 'bad-argument', 'unknown setting "rm"');
  });
});

describe('Redis URLs with a password and TLS', () => {
  it('redis:// and rediss:// both carry user and password; rediss:// turns TLS on', () => {
    for (const [url, tls] of [
      ['redis://simrun:s3cret@redis.example:6380/2', false],
      ['rediss://simrun:s3cret@redis.example:6380/2', true],
      ['rediss://:s3cret@redis.example:6380', true],
    ] as const) {
      expect(checkRedisUrl(url)).toBe(url);
      const r = new Redis(url, { lazyConnect: true });
      try {
        expect(r.options.host).toBe('redis.example');
        expect(r.options.port).toBe(6380);
        expect(r.options.password).toBe('s3cret');
        expect(Boolean(r.options.tls), url).toBe(tls);
      } finally {
        r.disconnect();
      }
      expect(safeUrl(url)).not.toContain('s3cret');
    }
  });
});
