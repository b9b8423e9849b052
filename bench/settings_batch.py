#!/usr/bin/env python3
"""A settings batch for simrun's benchmark: what the kernel's general path costs at full size.

    settings_batch.py --out DIR [--bars 1112627] [--strategies 64] [--seed 20261123]

Writes DIR/BTC/ohlcv.parquet and DIR/BTC_longshort/batch_002/{signals.parquet, params.csv} plus
vectorbt's reference outputs, exactly as `generate.py settings` draws its batches (refgen.batch
draw_variant_inputs: the generator's bars, entries of every density family, random exit signals
and random per-strategy from_signals settings in params.csv), so `simrun --compare` checks it.

Shape: a longshort batch where most strategies set something beyond the pipeline's call (exits,
conflict and opposite-entry modes, stop prices, sizes, fixed fees), so most columns run the
kernel's general path; a quarter keep every default (the fast path).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "reference-data"))

from refgen import io  # noqa: E402
from refgen.bars import bars_to_table, make_bars  # noqa: E402
from refgen.batch import draw_variant_inputs, write_batch  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--bars", type=int, default=1_112_627)
    p.add_argument("--strategies", type=int, default=64)
    p.add_argument("--seed", type=int, default=20261123)
    a = p.parse_args()
    t0 = time.time()
    bars = make_bars("BTC", a.bars, a.seed)
    path = os.path.join(a.out, "BTC", "ohlcv.parquet")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    io.write_parquet(bars_to_table(bars), path)
    rows, le, se, lx, sx = draw_variant_inputs(a.seed, "BTC", "longshort", 2, a.bars, a.strategies,
                                               float(bars["close"][0]))
    bdir = os.path.join(a.out, "BTC_longshort", "batch_002")
    log = lambda msg: print(f"[settings_batch] {msg} … {time.time() - t0:.1f}s", file=sys.stderr, flush=True)  # noqa: E731
    s = write_batch(bdir, bars, rows, "longshort", le, se, log=log, long_x=lx, short_x=sx)
    log(f"done: {a.bars:,} bars × {len(rows)} strategies, {s['trades']:,} trades ({s['reasons']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
