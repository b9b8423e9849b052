// What a worker accepts from a job. Anyone who can write to Redis can write a job, so nothing in it
// is trusted: the batch must be a batch name, the data root must lie under a data root the worker
// was started with (--data-root), the output root under its --out-root, and the settings must pass
// validateConfig. A job that fails any of these is refused with one line, before any file is read.
import path from 'node:path';

import { parseBatchName } from '../batch/layout.js';
import { isInside, realPathOf } from '../batch/ownership.js';
import { SimrunError } from '../errors.js';
import { validateConfig, type SettingsInput } from '../validate.js';
import type { SimConfig } from '../config.js';
import type { SimrunJobData } from './common.js';

export interface Confinement {
  /** Real path of the only tree this worker writes to. */
  outRoot: string;
  /** Real paths of the trees this worker reads batches from. */
  dataRoots: string[];
}

/** The worker's confinement from its options (relative paths from the current directory, links resolved). */
export function confinement(outRoot: string, dataRoots: readonly string[]): Confinement {
  return { outRoot: realPathOf(outRoot), dataRoots: dataRoots.map(realPathOf) };
}

export type ConfinedJob = Pick<SimrunJobData, 'batch' | 'data' | 'out' | 'compare' | 'inputs'> & { config: SimConfig };

/** The job's data, checked field by field against `c`; SimrunError('bad-argument') naming the job otherwise. */
export function confineJob(data: unknown, c: Confinement, jobId = '?'): ConfinedJob {
  const where = `job ${jobId}`;
  const refuse = (why: string) => new SimrunError('bad-argument', why, where);
  if (typeof data !== 'object' || data === null) throw refuse('job data is not an object');
  const d = data as Record<string, unknown>;
  if (typeof d.batch !== 'string') throw refuse('job has no batch name');
  const batch = parseBatchName(d.batch).name;
  for (const key of ['data', 'out'] as const) {
    if (typeof d[key] !== 'string' || !path.isAbsolute(d[key] as string)) throw refuse(`job's ${key} is not an absolute path`);
  }
  const dataRoot = d.data as string;
  const out = d.out as string;
  const realData = realPathOf(dataRoot);
  if (!c.dataRoots.some((root) => isInside(realData, root))) {
    throw refuse(`data root ${dataRoot} is outside this worker's data roots (${c.dataRoots.join(', ')}); ` +
      'start the worker with --data-root <dir> to allow it');
  }
  const realOut = realPathOf(out);
  if (!isInside(realOut, c.outRoot)) {
    throw refuse(`output root ${out} is outside this worker's output root ${c.outRoot}; start the worker with --out-root <dir> to allow it`);
  }
  if (d.compare !== undefined && typeof d.compare !== 'boolean') throw refuse('job\'s compare is not true or false');
  if (d.inputs !== undefined && typeof d.inputs !== 'string') throw refuse('job\'s inputs checksum is not a string');
  // the job's settings as any door's (JSON carries an infinite size as "inf": text allowed)
  const config = validateConfig(d.config as SettingsInput | undefined, where, undefined, true);
  return { batch, data: dataRoot, out, compare: d.compare === true, config, inputs: (d.inputs as string | undefined) ?? '' };
}
