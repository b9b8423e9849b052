// The report's data preparation, on small hand-checked numbers.
import { describe, expect, it } from 'vitest';
import {
  distributionStats, equityAndDrawdown, heatmapCells, median, pageJson, paramBins, quantileSorted, topIndices,
  type HeatmapRow,
} from '../../src/report/data.js';

const close = (xs: number[], ys: number[]) => {
  expect(xs.length).toBe(ys.length);
  xs.forEach((x, i) => expect(x).toBeCloseTo(ys[i], 12));
};

describe('equityAndDrawdown', () => {
  it('compounds daily returns and measures the fall from the running peak', () => {
    // 100 → 110 (+10 %) → 55 (−50 %) → 66 (+20 %): peak 110, drawdowns 0, −50 %, −40 %
    const { equity, drawdown } = equityAndDrawdown([0.1, -0.5, 0.2], 100);
    close(equity, [110, 55, 66]);
    close(drawdown, [0, -0.5, -0.4]);
  });

  it('starts the peak at the initial value: a first-day loss is already a drawdown', () => {
    // 100 → 90 (−10 %) → 94.5 (+5 %): peak stays 100
    const { equity, drawdown } = equityAndDrawdown([-0.1, 0.05], 100);
    close(equity, [90, 94.5]);
    close(drawdown, [-0.1, -0.055]);
  });

  it('sets a new peak and recovers to zero drawdown', () => {
    // 1 → 0.8 → 1.0 → 1.2 → 0.9: drawdowns −20 %, 0, 0, −25 %
    const { equity, drawdown } = equityAndDrawdown([-0.2, 0.25, 0.2, -0.25]);
    close(equity, [0.8, 1, 1.2, 0.9]);
    close(drawdown, [-0.2, 0, 0, -0.25]);
  });

  it('leaves the equity unchanged on a NaN return, and handles no days', () => {
    close(equityAndDrawdown([0.5, NaN, -0.5], 2).equity, [3, 3, 1.5]);
    expect(equityAndDrawdown([], 100)).toEqual({ equity: [], drawdown: [] });
  });
});

describe('paramBins', () => {
  it('keeps few distinct stops one by one, "off" first, with just enough decimals', () => {
    const b = paramBins([0.02, 0.01, NaN, 0.01, 0.025]);
    expect(b.binned).toBe(false);
    expect(b.labels).toEqual(['off', '1.0%', '2.0%', '2.5%']);
    expect([0.01, 0.025, NaN].map(b.of)).toEqual(['1.0%', '2.5%', 'off']);
    expect(paramBins([0.01, 0.02]).labels).toEqual(['1%', '2%']);
  });

  it('groups many distinct stops into equal-width ranges', () => {
    // 0.01 … 0.05 in 5 steps, at most 3 distinct → 2 bins of width 0.02: [1 %, 3 %) and [3 %, 5 %]
    const b = paramBins([0.01, 0.02, 0.03, 0.04, 0.05], 3, 2);
    expect(b.binned).toBe(true);
    expect(b.labels).toEqual(['1.0–3.0%', '3.0–5.0%']);
    expect([0.01, 0.02, 0.0299, 0.03, 0.05].map(b.of)).toEqual(['1.0–3.0%', '1.0–3.0%', '1.0–3.0%', '3.0–5.0%', '3.0–5.0%']);
  });
});

describe('heatmapCells', () => {
  it('takes the median of the finite values per direction × tp × sl cell and counts every strategy', () => {
    const rows: HeatmapRow[] = [
      { direction: 'short', tp: 0.01, sl: 0.02, value: -2 },
      { direction: 'long', tp: 0.01, sl: 0.02, value: 1 },
      { direction: 'long', tp: 0.01, sl: 0.02, value: 3 },
      { direction: 'long', tp: 0.01, sl: 0.02, value: Infinity }, // never trades: counted, not in the median
      { direction: 'long', tp: NaN, sl: 0.02, value: 5 },
      { direction: 'long', tp: NaN, sl: 0.01, value: NaN },
      { direction: 'long', tp: 0.02, sl: 0.01, value: 4 },
      { direction: 'long', tp: 0.02, sl: 0.01, value: 10 },
      { direction: 'long', tp: 0.02, sl: 0.01, value: 7 },
    ];
    const h = heatmapCells(rows);
    expect(h.tpLabels).toEqual(['off', '1%', '2%']);
    expect(h.slLabels).toEqual(['1%', '2%']);
    expect(h.binned).toBe(false);
    expect(h.cells).toEqual([
      { direction: 'long', tp: 'off', sl: '1%', median: null, count: 1, finite: 0 },
      { direction: 'long', tp: 'off', sl: '2%', median: 5, count: 1, finite: 1 },
      { direction: 'long', tp: '1%', sl: '2%', median: 2, count: 3, finite: 2 },
      { direction: 'long', tp: '2%', sl: '1%', median: 7, count: 3, finite: 3 },
      { direction: 'short', tp: '1%', sl: '2%', median: -2, count: 1, finite: 1 },
    ]);
  });

  it('median of sorted values', () => {
    expect(median([1, 2, 10])).toBe(2);
    expect(median([1, 2, 4, 10])).toBe(3);
    expect(median([])).toBeNaN();
  });
});

describe('distributionStats', () => {
  it('quantiles interpolate between ranks at (n − 1)·p, like numpy and d3', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12); // rank 0.75
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantileSorted([7], 0.5)).toBe(7);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });

  it('leaves non-finite values out of the quantiles and counts them', () => {
    const s = distributionStats([NaN, 4, 1, Infinity, 3, 2]);
    expect(s.n).toBe(4);
    expect(s.nonFinite).toBe(2);
    // sorted 1 2 3 4: p05 at rank 0.15, p25 at 0.75, p50 at 1.5, p75 at 2.25, p95 at 2.85
    [[s.p05, 1.15], [s.p25, 1.75], [s.p50, 2.5], [s.p75, 3.25], [s.p95, 3.85]].forEach(([a, b]) => expect(a).toBeCloseTo(b, 12));
    expect(distributionStats([NaN]).p50).toBeNaN();
  });
});

describe('topIndices', () => {
  it('ranks finite values only, best first, ties in row order', () => {
    expect(topIndices([1, NaN, 3, Infinity, 3, -1], 3)).toEqual([2, 4, 0]);
    expect(topIndices([NaN, -Infinity], 5)).toEqual([]);
  });
});

describe('pageJson', () => {
  it('keeps NaN and infinities apart and cannot end the <script> element', () => {
    const s = pageJson({ a: [NaN, Infinity, -Infinity, 1.5], s: '</script><b>', n: 3n });
    expect(s).toBe('{"a":[null,"inf","-inf",1.5],"s":"\\u003c/script>\\u003cb>","n":3}');
    expect(JSON.parse(s).s).toBe('</script><b>');
  });
});
