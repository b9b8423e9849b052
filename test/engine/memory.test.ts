// The memory plan's column groups: every thread gets work when columns are few.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GROUP_COLS, defaultGroupCols, planMemory } from '../../src/engine/memory.js';

const plan = (nCols: number, threads: number, groupCols?: number) =>
  planMemory({ nBars: 100, nCols, nDays: 1, hasLong: true, hasShort: true, threads, groupCols });

describe('planMemory column groups', () => {
  it('an 8-column batch on 2 threads is split so that both threads run (it was one group of 16)', () => {
    const p = plan(8, 2);
    expect(p.threads).toBe(2);
    expect(p.nGroups).toBeGreaterThanOrEqual(2);
    expect(p.groupCols * p.nGroups).toBeGreaterThanOrEqual(8);
  });

  it('many columns keep the default group size', () => {
    expect(plan(179, 2).groupCols).toBe(DEFAULT_GROUP_COLS);
    expect(plan(179, 1).groupCols).toBe(DEFAULT_GROUP_COLS);
  });

  it('threads past the cores do not shrink the groups (each thread with a group has a record region)', () => {
    expect(defaultGroupCols(179, 600)).toBe(defaultGroupCols(179, availableParallelism()));
  });

  it('a given group size is kept', () => {
    expect(plan(8, 2, 8).groupCols).toBe(8);
    expect(plan(8, 2, 8).threads).toBe(1);
  });
});
