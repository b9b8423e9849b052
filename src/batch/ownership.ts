// Which folders a run may replace. simrun replaces only what it created itself: an output folder
// carries a marker file written by simrun, and a folder without it (a batch's input folder, a
// user's folder, vectorbt's reference outputs) is never replaced, wherever --out points.
import fs from 'node:fs';
import path from 'node:path';

import { SimrunError } from '../errors.js';

/** Written first into every output folder simrun publishes: "simrun made this folder". */
export const OUTPUT_MARKER = '.simrun-outputs';

export const MARKER_TEXT = 'Outputs written by simrun. simrun replaces this folder whole on the next run of this batch.\n';

/** The marker's content: its first line, then the names of the files simrun wrote beside it. */
export function markerText(files: readonly string[]): string {
  return MARKER_TEXT + files.map((f) => `${f}\n`).join('');
}

/** The files a marker says simrun wrote (a marker without a list: the three batch outputs). */
function markedFiles(dir: string): Set<string> {
  const listed = fs.readFileSync(path.join(dir, OUTPUT_MARKER), 'utf8').split('\n').slice(1).filter((l) => l !== '');
  return new Set(listed.length ? listed : ['trades.parquet', 'metrics.parquet', 'daily_returns.parquet']);
}

/**
 * The real path of `p` even when it does not exist yet: its nearest existing ancestor with
 * symbolic links resolved, then the rest of the path.
 */
export function realPathOf(p: string): string {
  const abs = path.resolve(p);
  const rest: string[] = [];
  let at = abs;
  for (;;) {
    try {
      return path.join(fs.realpathSync(at), ...rest);
    } catch {
      const parent = path.dirname(at);
      if (parent === at) return abs;
      rest.unshift(path.basename(at));
      at = parent;
    }
  }
}

/** True if `inner` is `outer` or lies inside it (both real paths). */
export function isInside(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Refuses outputs that would land in a batch's own input folder (the seed layout, `--out` equal to
 * `--data`): that folder holds signals, params and vectorbt's reference outputs, all inputs.
 */
export function checkOutputsBesideInputs(outDir: string, inputDirs: readonly string[]): void {
  const real = realPathOf(outDir);
  for (const dir of inputDirs) {
    if (real === realPathOf(dir)) {
      throw new SimrunError('not-ours',
        `is the batch's input folder ${dir} (--out is the data root?): simrun never writes beside its inputs; choose another --out`,
        outDir);
    }
  }
}

/**
 * May `dir` be replaced whole by a new output folder? Yes if it does not exist, is empty, or holds
 * simrun's marker and only the files the marker lists; otherwise SimrunError('not-ours') naming
 * what is in it (a file a user added to an output folder is not deleted either). A symbolic link is
 * never replaced (renaming over it would drop the user's link).
 */
export function checkReplaceable(dir: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch {
    return; // nothing there
  }
  if (st.isSymbolicLink()) {
    throw new SimrunError('not-ours', 'is a symbolic link: simrun replaces only output folders it created; choose another --out', dir);
  }
  if (!st.isDirectory()) {
    throw new SimrunError('not-ours', 'is a file, not an output folder: simrun does not replace it; choose another --out', dir);
  }
  let names = fs.readdirSync(dir);
  if (names.includes(OUTPUT_MARKER)) {
    const ours = markedFiles(dir);
    names = names.filter((n) => n !== OUTPUT_MARKER && !ours.has(n));
  }
  if (names.length === 0) return;
  const shown = names.sort().slice(0, 4).join(', ') + (names.length > 4 ? ', …' : '');
  throw new SimrunError('not-ours',
    `holds files simrun did not write (${shown}) and would be replaced: simrun replaces only output folders it created ` +
    `(marked ${OUTPUT_MARKER}); choose another --out`, dir);
}

/** True if `dir` is a folder simrun wrote (holds the marker), e.g. a stale temporary of a killed run. */
export function isOwnedFolder(dir: string): boolean {
  try {
    const st = fs.lstatSync(dir);
    if (!st.isDirectory()) return false;
    const names = fs.readdirSync(dir);
    return names.length === 0 || names.includes(OUTPUT_MARKER);
  } catch {
    return false;
  }
}

/**
 * May the single file `file` be replaced (a report page, a sweep manifest)? Yes if it does not
 * exist, or is a regular file whose first 64 KiB contain `signature`, simrun's mark on that kind
 * of file. Otherwise SimrunError('output'): a user's file of the same name is never overwritten.
 */
export function checkOwnedFile(file: string, signature: string, what: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return;
  }
  if (st.isSymbolicLink() || !st.isFile()) {
    throw new SimrunError('not-ours', `is not a regular file: simrun does not replace it with ${what}; choose another --out`, file);
  }
  const head = Buffer.alloc(Math.min(st.size, 65536));
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (!head.toString('utf8').includes(signature)) {
    throw new SimrunError('not-ours', `was not written by simrun and would be replaced by ${what}: move it or choose another --out`, file);
  }
}
