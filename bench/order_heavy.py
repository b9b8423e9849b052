#!/usr/bin/env python3
"""An order-heavy batch for simrun's benchmark: an order on most bars.

    order_heavy.py --out DIR [--bars 1000000] [--seed 11] [--fees 1e-6] [--slippage 1e-6]

Writes DIR/BTC/ohlcv.parquet and DIR/BTC_longshort/batch_001/{signals.parquet, params.csv} plus
vectorbt's reference outputs (trades, metrics, daily returns) through the same oracle call that
made every committed batch (reference-data/refgen), so `simrun --compare` checks it exactly.

Shape: the generator's BTC minute bars; 8 longshort strategies. On every bar a strategy wants one
side (long or short), and switches side from one bar to the next with a probability of 0.6 to 0.9
(column by column), so an opposite entry reverses the position on most bars; 2 % of bars carry
both sides (they cancel) and 5 % neither. Tight stops (0.1 % to 0.4 %: sl, tp, tsl and the
two-stop cases) add stop exits, and each stop exit is followed by a fresh entry.

Fees and slippage are 1e-6 each by default (simrun and vectorbt_bench.py are called with the
same): with the reference's 0.02 % each, an order on most bars eats the account within ~25,000
orders, after which every order is rejected as below the minimum size and the shape is no longer
order-heavy. (Not 0: a slippage of 0 lets a stop exit fill at the close, and the oracle could not
tell it from a reversal.)
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
# (switch probability, tp, sl, tsl) per strategy
STRATEGIES = [
    (0.9, NAN, NAN, NAN),
    (0.9, NAN, 0.002, NAN),
    (0.8, 0.002, NAN, NAN),
    (0.8, NAN, NAN, 0.0015),
    (0.7, NAN, 0.003, 0.0015),
    (0.7, 0.003, 0.002, NAN),
    (0.6, 0.002, 0.0015, 0.002),
    (0.6, 0.004, NAN, 0.001),
]


def signals(seed: int, j: int, n: int, switch: float):
    rng = np.random.default_rng([seed, 7, j])
    flips = rng.random(n) < switch
    flips[0] = False
    side = (np.cumsum(flips) + int(rng.integers(2))) % 2  # 0 long, 1 short
    long_e = side == 0
    short_e = side == 1
    u = rng.random(n)
    both = u < 0.02
    neither = u > 0.95
    long_e[both] = True
    short_e[both] = True
    long_e[neither] = False
    short_e[neither] = False
    return long_e, short_e


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--bars", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--fees", type=float, default=1e-6)
    p.add_argument("--slippage", type=float, default=1e-6)
    a = p.parse_args()
    import refgen.oracle

    refgen.oracle.FEES = a.fees  # the oracle's call, with this batch's constants
    refgen.oracle.SLIPPAGE = a.slippage
    t0 = time.time()
    bars = make_bars("BTC", a.bars, a.seed)
    path = os.path.join(a.out, "BTC", "ohlcv.parquet")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    io.write_parquet(bars_to_table(bars), path)
    k = len(STRATEGIES)
    long_e = np.zeros((a.bars, k), dtype=np.bool_, order="F")
    short_e = np.zeros((a.bars, k), dtype=np.bool_, order="F")
    rows = []
    for j, (switch, tp, sl, tsl) in enumerate(STRATEGIES):
        long_e[:, j], short_e[:, j] = signals(a.seed, j, a.bars, switch)
        rows.append(dict(strategy=f"oh{j}", tp_stop=tp, sl_stop=sl, tsl_stop=tsl))
    bdir = os.path.join(a.out, "BTC_longshort", "batch_001")
    log = lambda msg: print(f"[order_heavy] {msg} … {time.time() - t0:.1f}s", file=sys.stderr, flush=True)  # noqa: E731
    s = write_batch(bdir, bars, rows, "longshort", long_e, short_e, log=log)
    log(f"done: {a.bars:,} bars × {k} strategies, {s['trades']:,} trades ({s['reasons']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
