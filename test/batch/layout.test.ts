import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import {
  batchPaths,
  discoverBatches,
  isAssetName,
  outputDir,
  parseBatchName,
  selectBatches,
} from '../../src/batch/layout.js';
import { cleanupTmpDirs, expectSimrunError, tmpDir, writeFile } from './fixtures.js';

afterAll(cleanupTmpDirs);

describe('parseBatchName', () => {
  it('parses valid names', () => {
    expect(parseBatchName('BTC_long/batch_001')).toEqual({
      asset: 'BTC',
      direction: 'long',
      batch: 'batch_001',
      name: 'BTC_long/batch_001',
    });
    expect(parseBatchName('ETH_short/batch_1234').direction).toBe('short');
    expect(parseBatchName('X1_longshort/batch_000')).toMatchObject({ asset: 'X1', direction: 'longshort' });
  });

  it.each([
    'btc_long/batch_001',
    'BTC_long/batch_01',
    'BTC_up/batch_001',
    'BTC_long',
    'BTC_long/batch_001/',
    'BTC-long/batch_001',
    '1BTC_long/batch_001',
    'BTC_long/batch_00a',
    'BT_C_long/batch_001',
    '',
  ])('rejects %j', (name) => {
    expectSimrunError(() => parseBatchName(name), 'bad-batch-name', `"${name}"`);
  });

  it('checks asset names', () => {
    expect(isAssetName('BTC')).toBe(true);
    expect(isAssetName('S2')).toBe(true);
    expect(isAssetName('s2')).toBe(false);
    expect(isAssetName('2S')).toBe(false);
  });
});

describe('paths', () => {
  it('maps a name to its files', () => {
    const p = batchPaths('/data', 'BTC_longshort/batch_007');
    expect(p).toEqual({
      dir: path.join('/data', 'BTC_longshort', 'batch_007'),
      ohlcv: path.join('/data', 'BTC', 'ohlcv.parquet'),
      signals: path.join('/data', 'BTC_longshort', 'batch_007', 'signals.parquet'),
      params: path.join('/data', 'BTC_longshort', 'batch_007', 'params.csv'),
      trades: path.join('/data', 'BTC_longshort', 'batch_007', 'trades.parquet'),
      metrics: path.join('/data', 'BTC_longshort', 'batch_007', 'metrics.parquet'),
      dailyReturns: path.join('/data', 'BTC_longshort', 'batch_007', 'daily_returns.parquet'),
    });
    expect(outputDir('out', 'ETH_short/batch_002')).toBe(path.join('out', 'ETH_short', 'batch_002'));
    expectSimrunError(() => batchPaths('/data', 'nope'), 'bad-batch-name');
    expectSimrunError(() => outputDir('/out', 'BTC_long/b1'), 'bad-batch-name');
  });
});

function makeTree(): string {
  const root = tmpDir();
  const batches = [
    'BTC_long/batch_001',
    'BTC_long/batch_002',
    'BTC_long/batch_1000',
    'BTC_long/batch_999',
    'BTC_short/batch_001',
    'BTC_longshort/batch_001',
    'ETH_long/batch_001',
    'ETH_short/batch_003',
  ];
  for (const b of batches) writeFile(path.join(root, b, 'signals.parquet'), 'x');
  // not batches: no signals, bad names, files
  writeFile(path.join(root, 'BTC_long', 'batch_005', 'params.csv'), 'x');
  writeFile(path.join(root, 'BTC_long', 'batch_5', 'signals.parquet'), 'x');
  writeFile(path.join(root, 'btc_long', 'batch_001', 'signals.parquet'), 'x');
  writeFile(path.join(root, 'BTC_sideways', 'batch_001', 'signals.parquet'), 'x');
  writeFile(path.join(root, 'BTC', 'ohlcv.parquet'), 'x');
  writeFile(path.join(root, 'BTC_long', 'batch_004'), 'a file, not a folder');
  return root;
}

describe('discoverBatches', () => {
  it('lists batch folders holding signals.parquet, sorted (batch numbers numerically)', () => {
    const root = makeTree();
    expect(discoverBatches(root)).toEqual([
      'BTC_long/batch_001',
      'BTC_long/batch_002',
      'BTC_long/batch_999',
      'BTC_long/batch_1000',
      'BTC_longshort/batch_001',
      'BTC_short/batch_001',
      'ETH_long/batch_001',
      'ETH_short/batch_003',
    ]);
  });

  it('is empty for an empty root and fails for a missing one', () => {
    expect(discoverBatches(tmpDir())).toEqual([]);
    const missing = path.join(tmpDir(), 'nope');
    expectSimrunError(() => discoverBatches(missing), 'missing-file', missing, 'does not exist');
  });
});

describe('selectBatches', () => {
  const root = makeTree();

  it('selects an exact name', () => {
    expect(selectBatches(root, 'ETH_short/batch_003')).toEqual(['ETH_short/batch_003']);
  });

  it('fails for an exact name that does not exist or is malformed', () => {
    expectSimrunError(() => selectBatches(root, 'ETH_short/batch_004'), 'missing-file', 'ETH_short/batch_004');
    expectSimrunError(() => selectBatches(root, 'ETH_short/batch_4'), 'bad-batch-name', 'ETH_short/batch_4');
  });

  it('selects by glob', () => {
    expect(selectBatches(root, 'BTC_long/*')).toEqual([
      'BTC_long/batch_001',
      'BTC_long/batch_002',
      'BTC_long/batch_999',
      'BTC_long/batch_1000',
    ]);
    expect(selectBatches(root, '*/batch_001')).toEqual([
      'BTC_long/batch_001',
      'BTC_longshort/batch_001',
      'BTC_short/batch_001',
      'ETH_long/batch_001',
    ]);
    expect(selectBatches(root, 'ETH_*/*')).toEqual(['ETH_long/batch_001', 'ETH_short/batch_003']);
    expect(selectBatches(root, '{BTC,ETH}_short/*')).toEqual(['BTC_short/batch_001', 'ETH_short/batch_003']);
    expect(selectBatches(root, '*/*')).toHaveLength(8);
    expect(selectBatches(root, 'BTC_long/batch_00?')).toEqual(['BTC_long/batch_001', 'BTC_long/batch_002']);
  });

  it('unions several patterns without duplicates', () => {
    expect(selectBatches(root, ['ETH_long/batch_001', 'ETH_*/*', 'BTC_short/*'])).toEqual([
      'BTC_short/batch_001',
      'ETH_long/batch_001',
      'ETH_short/batch_003',
    ]);
  });

  it('fails when a glob matches nothing', () => {
    expectSimrunError(() => selectBatches(root, 'SOL_long/*'), 'bad-argument', 'SOL_long/*', 'no batch matches');
    // a glob does not cross folders
    expectSimrunError(() => selectBatches(root, 'BTC_*'), 'bad-argument', 'BTC_*');
    expectSimrunError(() => selectBatches(root, []), 'bad-argument');
  });
});
