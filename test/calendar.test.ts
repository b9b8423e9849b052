// The pipeline's day: UTC → America/Chicago, plus 7 hours. Hand-checked cases around the cut
// (17:00 Chicago = 23:00 UTC in winter, 22:00 UTC in summer) and across both DST changes.
import { describe, expect, it } from 'vitest';
import { pipelineDays } from '../src/calendar.js';

const utc = (s: string) => Date.parse(`${s}Z`);
const day = (s: string) => Date.parse(`${s}T00:00:00Z`) / 86_400_000;

describe('pipelineDays', () => {
  it('cuts winter days at 23:00 UTC (17:00 CST)', () => {
    const t = Float64Array.from(['2024-01-15T22:58:00', '2024-01-15T22:59:00', '2024-01-15T23:00:00', '2024-01-16T10:00:00'].map(utc));
    const { days, dayEnds } = pipelineDays(t);
    expect(Array.from(days)).toEqual([day('2024-01-15'), day('2024-01-16')]);
    expect(Array.from(dayEnds)).toEqual([1, 3]);
  });

  it('cuts summer days at 22:00 UTC (17:00 CDT)', () => {
    const t = Float64Array.from(['2024-07-01T21:59:00', '2024-07-01T22:00:00', '2024-07-02T21:59:00'].map(utc));
    const { days, dayEnds } = pipelineDays(t);
    expect(Array.from(days)).toEqual([day('2024-07-01'), day('2024-07-02')]);
    expect(Array.from(dayEnds)).toEqual([0, 2]);
  });

  it('follows both DST changes (2024-03-10 and 2024-11-03)', () => {
    // Saturday 2024-03-09 22:30 UTC is 16:30 CST (day of the 9th); Sunday 2024-03-10 22:30 UTC is
    // 17:30 CDT, already the 11th; on 2024-11-03 22:30 UTC it is 16:30 CST again, still the 3rd.
    const t = Float64Array.from(['2024-03-09T22:30:00', '2024-03-10T22:30:00', '2024-11-03T22:30:00'].map(utc));
    expect(Array.from(pipelineDays(t).days)).toEqual([day('2024-03-09'), day('2024-03-11'), day('2024-11-03')]);
  });

  it('gives one day per bar-carrying day and none for days without bars', () => {
    // 00:00 UTC is 18:00 CST the evening before; +7 h is 01:00 of the same date
    const t = Float64Array.from(['2024-01-01T00:00:00', '2024-01-05T00:00:00'].map(utc));
    const { days, dayEnds } = pipelineDays(t);
    expect(Array.from(days)).toEqual([day('2024-01-01'), day('2024-01-05')]);
    expect(Array.from(dayEnds)).toEqual([0, 1]);
  });
});

describe('pipelineDays on every minute', () => {
  const minutes = (from: string, to: string) => {
    const out: number[] = [];
    for (let t = utc(from); t < utc(to); t += 60_000) out.push(t);
    return Float64Array.from(out);
  };

  it('cuts 2024-03-10 at 22:00 UTC: the offset changes (08:00 UTC) between bars of one day', () => {
    const t = minutes('2024-03-10T00:00:00', '2024-03-11T00:00:00');
    const { days, dayEnds } = pipelineDays(t);
    expect(Array.from(days)).toEqual([day('2024-03-10'), day('2024-03-11')]);
    expect(Array.from(dayEnds)).toEqual([Array.from(t).indexOf(utc('2024-03-10T21:59:00')), t.length - 1]);
  });

  it('cuts 2024-11-03 at 23:00 UTC: the offset changes back (07:00 UTC) between bars of one day', () => {
    const t = minutes('2024-11-02T23:30:00', '2024-11-04T00:00:00');
    const { days, dayEnds } = pipelineDays(t);
    // 2024-11-02 22:00 UTC was the cut (CDT): 23:30 is already the 3rd; the next cut is 23:00 UTC (CST)
    expect(Array.from(days)).toEqual([day('2024-11-03'), day('2024-11-04')]);
    expect(Array.from(dayEnds)).toEqual([Array.from(t).indexOf(utc('2024-11-03T22:59:00')), t.length - 1]);
  });
});
