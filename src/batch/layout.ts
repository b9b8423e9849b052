// Batch names ↔ paths. A batch name is `<ASSET>_<direction>/batch_<NNN>`; the asset's bars live in
// `<data root>/<ASSET>/ohlcv.parquet`, the batch's files in `<data root>/<ASSET>_<direction>/batch_<NNN>/`.
import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';

import { SimrunError } from '../errors.js';
import type { Direction } from '../types.js';

export interface BatchName {
  /** `^[A-Z][A-Z0-9]*$`, e.g. `BTC`. */
  asset: string;
  direction: Direction;
  /** The batch folder, e.g. `batch_001`. */
  batch: string;
  /** The whole name, e.g. `BTC_long/batch_001`. */
  name: string;
}

export interface BatchPaths {
  /** The batch folder, `<root>/<ASSET>_<direction>/batch_<NNN>`. */
  dir: string;
  /** `<root>/<ASSET>/ohlcv.parquet`. */
  ohlcv: string;
  signals: string;
  params: string;
  trades: string;
  metrics: string;
  dailyReturns: string;
}

/** File names inside a batch folder (inputs and outputs). */
export const BATCH_FILES = Object.freeze({
  ohlcv: 'ohlcv.parquet',
  signals: 'signals.parquet',
  params: 'params.csv',
  trades: 'trades.parquet',
  metrics: 'metrics.parquet',
  dailyReturns: 'daily_returns.parquet',
});

const ASSET_RE = /^[A-Z][A-Z0-9]*$/;
const GROUP_RE = /^([A-Z][A-Z0-9]*)_(long|short|longshort)$/;
const BATCH_RE = /^batch_\d{3,}$/;
const NAME_RE = /^([A-Z][A-Z0-9]*)_(long|short|longshort)\/(batch_\d{3,})$/;

/** Parses `<ASSET>_<direction>/batch_<NNN>`; SimrunError('bad-batch-name') if it is not one. */
export function parseBatchName(name: string): BatchName {
  const m = NAME_RE.exec(name);
  if (!m) {
    throw new SimrunError(
      'bad-batch-name',
      `bad batch name "${name}": expected <ASSET>_<long|short|longshort>/batch_<NNN> (ASSET like BTC, NNN at least 3 digits)`,
    );
  }
  return { asset: m[1], direction: m[2] as Direction, batch: m[3], name };
}

/** True if `asset` is a valid asset name (`^[A-Z][A-Z0-9]*$`). */
export function isAssetName(asset: string): boolean {
  return ASSET_RE.test(asset);
}

/** Input and reference-output paths of a batch under `dataRoot`. */
export function batchPaths(dataRoot: string, name: string): BatchPaths {
  const b = parseBatchName(name);
  const dir = path.join(dataRoot, `${b.asset}_${b.direction}`, b.batch);
  return {
    dir,
    ohlcv: path.join(dataRoot, b.asset, BATCH_FILES.ohlcv),
    signals: path.join(dir, BATCH_FILES.signals),
    params: path.join(dir, BATCH_FILES.params),
    trades: path.join(dir, BATCH_FILES.trades),
    metrics: path.join(dir, BATCH_FILES.metrics),
    dailyReturns: path.join(dir, BATCH_FILES.dailyReturns),
  };
}

/** Where simrun writes a batch's outputs: `<outRoot>/<ASSET>_<direction>/batch_<NNN>`. */
export function outputDir(outRoot: string, name: string): string {
  const b = parseBatchName(name);
  return path.join(outRoot, `${b.asset}_${b.direction}`, b.batch);
}

function compareBatchNames(a: string, b: string): number {
  const pa = parseBatchName(a);
  const pb = parseBatchName(b);
  if (pa.asset !== pb.asset) return pa.asset < pb.asset ? -1 : 1;
  if (pa.direction !== pb.direction) return pa.direction < pb.direction ? -1 : 1;
  // batch_999 before batch_1000
  const na = pa.batch.length - pb.batch.length;
  if (na !== 0) return na;
  return pa.batch < pb.batch ? -1 : pa.batch > pb.batch ? 1 : 0;
}

function readDirOrThrow(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SimrunError('missing-file', 'data directory does not exist', dir);
    if (code === 'ENOTDIR') throw new SimrunError('bad-argument', 'data root is not a directory', dir);
    throw new SimrunError('unreadable-file', `cannot list directory (${code ?? String(e)})`, dir);
  }
}

function isDir(p: string, entry: fs.Dirent): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Every batch folder under `root` (`<ASSET>_<direction>/batch_<NNN>` directories, symlinks followed),
 * as batch names sorted by asset, direction, then batch number. Unreadable group folders are skipped.
 */
export function batchFolders(root: string): string[] {
  const names: string[] = [];
  for (const group of readDirOrThrow(root)) {
    if (!GROUP_RE.test(group.name)) continue;
    const groupDir = path.join(root, group.name);
    if (!isDir(groupDir, group)) continue;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(groupDir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const batch of entries) {
      if (BATCH_RE.test(batch.name) && isDir(path.join(groupDir, batch.name), batch)) names.push(`${group.name}/${batch.name}`);
    }
  }
  return names.sort(compareBatchNames);
}

/**
 * Every batch under `dataRoot` (folders `<ASSET>_<direction>/batch_<NNN>` that hold signals.parquet),
 * sorted by asset, direction, then batch number.
 */
export function discoverBatches(dataRoot: string): string[] {
  return batchFolders(dataRoot).filter((name) => fs.existsSync(batchPaths(dataRoot, name).signals));
}

const GLOB_CHARS = /[*?[\]{}()!+@]/;

/**
 * The batches selected by `pattern`: an exact batch name, or a glob matched against the discovered
 * batch names (`BTC_long/*`, `*\/batch_001`, `{BTC,ETH}_short/*`). Several patterns select the union.
 * Sorted like discoverBatches. SimrunError if a pattern matches nothing.
 */
export function selectBatches(dataRoot: string, pattern: string | readonly string[]): string[] {
  const patterns = typeof pattern === 'string' ? [pattern] : [...pattern];
  if (patterns.length === 0) throw new SimrunError('bad-argument', 'no batch pattern given');
  let discovered: string[] | undefined;
  const selected = new Set<string>();
  for (const p of patterns) {
    if (!GLOB_CHARS.test(p)) {
      // an exact name: it must be a valid name and its folder must exist
      const b = parseBatchName(p);
      const dir = batchPaths(dataRoot, b.name).dir;
      if (!fs.existsSync(dir)) {
        throw new SimrunError('missing-file', `no batch "${b.name}" (folder does not exist)`, dir);
      }
      selected.add(b.name);
      continue;
    }
    discovered ??= discoverBatches(dataRoot);
    const isMatch = picomatch(p);
    let any = false;
    for (const name of discovered) {
      if (isMatch(name)) {
        selected.add(name);
        any = true;
      }
    }
    if (!any) {
      throw new SimrunError(
        'bad-argument',
        `no batch matches "${p}" (${discovered.length} batch${discovered.length === 1 ? '' : 'es'} found)`,
        dataRoot,
      );
    }
  }
  return [...selected].sort(compareBatchNames);
}
