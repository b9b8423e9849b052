#!/usr/bin/env python3
"""A few-orders batch for simrun's benchmark: what a batch costs when there is little to simulate.

    few_orders.py --out DIR [--bars 1000000] [--seed 13]

Writes DIR/BTC/ohlcv.parquet and DIR/BTC_long/batch_001/{signals.parquet, params.csv} plus
vectorbt's reference outputs (trades, metrics, daily returns) through the same oracle call that
made every committed batch (reference-data/refgen), so `simrun --compare` checks it exactly.

Shape: the generator's BTC minute bars; 8 long strategies with 5 to 40 entries each over the
whole series and the reference call's fees, slippage and stops (some with none): almost every
bar is flat, so the batch's time is its fixed cost (start-up, reading and checking the inputs,
writing the outputs), not the simulation.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "reference-data"))

from refgen import io  # noqa: E402
from refgen.bars import bars_to_table, make_bars  # noqa: E402
from refgen.batch import write_batch  # noqa: E402

NAN = math.nan
# (entries, tp, sl, tsl) per strategy
STRATEGIES = [
    (5, NAN, NAN, NAN),
    (10, 0.02, NAN, NAN),
    (15, NAN, 0.01, NAN),
    (20, NAN, NAN, 0.015),
    (25, 0.03, 0.01, NAN),
    (30, 0.02, 0.015, 0.01),
    (35, NAN, 0.02, 0.01),
    (40, 0.05, NAN, 0.02),
]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--bars", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=13)
    a = p.parse_args()
    t0 = time.time()
    bars = make_bars("BTC", a.bars, a.seed)
    path = os.path.join(a.out, "BTC", "ohlcv.parquet")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    io.write_parquet(bars_to_table(bars), path)
    k = len(STRATEGIES)
    long_e = np.zeros((a.bars, k), dtype=np.bool_, order="F")
    rows = []
    for j, (entries, tp, sl, tsl) in enumerate(STRATEGIES):
        rng = np.random.default_rng([a.seed, 5, j])
        long_e[rng.choice(a.bars, size=entries, replace=False), j] = True
        rows.append(dict(strategy=f"fo{j}", tp_stop=tp, sl_stop=sl, tsl_stop=tsl))
    bdir = os.path.join(a.out, "BTC_long", "batch_001")
    log = lambda msg: print(f"[few_orders] {msg} … {time.time() - t0:.1f}s", file=sys.stderr, flush=True)  # noqa: E731
    s = write_batch(bdir, bars, rows, "long", long_e, None, log=log)
    log(f"done: {a.bars:,} bars × {k} strategies, {s['trades']:,} trades ({s['reasons']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
