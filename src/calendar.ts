// The pipeline's clock: a bar belongs to the calendar day of (UTC → America/Chicago) + 7 hours,
// so a "day" runs from 17:00 to 17:00 Chicago time. Offsets come from the runtime's time-zone
// database (Intl), looked up once per UTC hour since DST changes on whole hours.
import { DAY_SHIFT_HOURS, PIPELINE_TIME_ZONE } from './config.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Hours over which an unchanged offset is taken to hold throughout (see pipelineDays). */
const SPAN_HOURS = 6;

function zoneOffsetFinder(timeZone: string): (ms: number) => number {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
    hour: 'numeric', minute: 'numeric',
  });
  const cache = new Map<number, number>();
  return (ms: number) => {
    const hour = Math.floor(ms / HOUR);
    let offset = cache.get(hour);
    if (offset === undefined) {
      const at = hour * HOUR;
      const p: Record<string, number> = {};
      for (const part of fmt.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
      offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - at;
      cache.set(hour, offset);
    }
    return offset;
  };
}

export interface PipelineDays {
  /** Day number (days since 1970-01-01, Arrow date32) of each day that has bars. */
  days: Int32Array;
  /** Index of the last bar of each day. */
  dayEnds: Int32Array;
}

/** Cuts bars (UTC epoch ms, increasing) into pipeline days. */
export function pipelineDays(time: Float64Array, timeZone = PIPELINE_TIME_ZONE,
  shiftHours = DAY_SHIFT_HOURS): PipelineDays {
  const offsetAt = zoneOffsetFinder(timeZone);
  const days: number[] = [];
  const ends: number[] = [];
  let current = NaN;
  // Bars are increasing, and one offset lookup costs ~5 µs (Intl), so the offset is taken once per
  // span the bars enter: a span of SPAN_HOURS whose two ends have the same offset (no zone changes
  // its offset and back within hours), or else a single hour.
  let spanStart = Infinity;
  let spanEnd = -Infinity;
  let shift = 0;
  for (let i = 0; i < time.length; i++) {
    const t = time[i];
    if (!(t >= spanStart && t < spanEnd)) {
      spanStart = Math.floor(t / HOUR) * HOUR;
      const offset = offsetAt(spanStart);
      spanEnd = spanStart + (offsetAt(spanStart + SPAN_HOURS * HOUR) === offset ? SPAN_HOURS : 1) * HOUR;
      shift = offset + shiftHours * HOUR;
    }
    const day = Math.floor((t + shift) / DAY);
    if (day !== current) {
      if (i > 0) ends.push(i - 1);
      days.push(day);
      current = day;
    }
  }
  if (time.length > 0) ends.push(time.length - 1);
  return { days: Int32Array.from(days), dayEnds: Int32Array.from(ends) };
}
