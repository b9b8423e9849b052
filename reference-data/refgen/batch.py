"""One batch: draw its inputs, run the oracle, write the five files."""
from __future__ import annotations

import gc
import os

import numpy as np
import pyarrow as pa

from . import io
from .oracle import Run
from .params import make_params, params_csv, stop_vectors
from .bars import name_code
from .signals import DIRECTIONS, signal_column_names, strategy_signals
from .variants import random_exits, random_settings

INPUT_FILES = ("signals.parquet", "params.csv")
OUTPUT_FILES = ("trades.parquet", "metrics.parquet", "daily_returns.parquet")


def batch_number(name: str) -> int:
    return int(name.split("_")[1])


def draw_inputs(seed: int, asset: str, direction: str, batch: int, n_bars: int, n_strat: int):
    """The pipeline's inputs: stops and entries (no exits, default settings)."""
    rows = make_params(seed, asset, direction, batch, n_strat)
    k = len(rows)
    long_e = np.zeros((n_bars, k), dtype=np.bool_, order="F") if direction != "short" else None
    short_e = np.zeros((n_bars, k), dtype=np.bool_, order="F") if direction != "long" else None
    for j, r in enumerate(rows):
        le, se = strategy_signals(seed, asset, direction, batch, j, r["family"], n_bars)
        if le is not None:
            long_e[:, j] = le
        if se is not None:
            short_e[:, j] = se
    return rows, long_e, short_e


def draw_variant_inputs(seed: int, asset: str, direction: str, batch: int, n_bars: int, n_strat: int,
                        level: float):
    """draw_inputs plus, per strategy, random settings and exit signals (refgen.variants; the
    strategy's own streams [seed, 4 | 5, asset, direction, batch, strategy]). `level`: a price
    of the bars, scales Amount sizes. Returns rows, entries and exits (None = no strategy has one)."""
    rows, long_e, short_e = draw_inputs(seed, asset, direction, batch, n_bars, n_strat)
    dcode = DIRECTIONS.index(direction)
    exits = {"long": np.zeros((n_bars, len(rows)), dtype=np.bool_, order="F"),
             "short": np.zeros((n_bars, len(rows)), dtype=np.bool_, order="F")}
    for j, r in enumerate(rows):
        rng = np.random.default_rng([seed, 4, name_code(asset), dcode, batch, j])
        le = long_e[:, j] if long_e is not None else None
        se = short_e[:, j] if short_e is not None else None
        any_stop = not all(np.isnan(r[k]) for k in ("tp_stop", "sl_stop", "tsl_stop"))
        both = direction == "longshort"  # simrun's rule: a longshort batch has entries on both sides
        sets, _ = random_settings(rng, level, both, any_stop)
        r.update(sets)
        rng = np.random.default_rng([seed, 5, name_code(asset), dcode, batch, j])
        own, other = ("long", "short") if direction != "short" else ("short", "long")
        e_own, e_other = (le, se) if own == "long" else (se, le)
        x_own, _ = random_exits(rng, n_bars, e_own, e_other)
        # the other side's exits: in longshort like the own side; else sometimes (they act only
        # after a stop reversal opened that side)
        x_other = None
        if direction == "longshort" or rng.random() < 0.3:
            x_other, _ = random_exits(rng, n_bars, e_other, e_own)
        for side, x in ((own, x_own), (other, x_other)):
            r[f"has_{side}_exit"] = x is not None
            if x is not None:
                exits[side][:, j] = x
    long_x = exits["long"] if any(r["has_long_exit"] for r in rows) else None
    short_x = exits["short"] if any(r["has_short_exit"] for r in rows) else None
    return rows, long_e, short_e, long_x, short_x


def signals_table(rows, direction, long_e, short_e, long_x=None, short_x=None) -> pa.Table:
    """Entry columns as before; then, per strategy that has them (`has_long_exit` /
    `has_short_exit` in its row), `<strategy>:long_exit` / `<strategy>:short_exit`."""
    names = signal_column_names([r["strategy"] for r in rows], direction)
    cols = []
    for j in range(len(rows)):
        if direction == "long":
            cols.append(long_e[:, j])
        elif direction == "short":
            cols.append(short_e[:, j])
        else:
            cols += [long_e[:, j], short_e[:, j]]
    for j, r in enumerate(rows):
        for side, arr in (("long_exit", long_x), ("short_exit", short_x)):
            if arr is not None and r.get("has_" + side):
                names.append(f"{r['strategy']}:{side}")
                cols.append(arr[:, j])
    return io.bool_table(names, cols)


def _only_declared(rows, flag, arr):
    """The exit array with the columns of strategies that have no such exit cleared (None when
    no strategy has one: vectorbt then gets `False`, the pipeline's call)."""
    if arr is None or not any(r.get(flag) for r in rows):
        return None
    keep = np.array([bool(r.get(flag)) for r in rows])
    if keep.all():
        return arr
    out = np.asfortranarray(arr.copy())
    out[:, ~keep] = False
    return out


def outputs_exist(batch_dir: str) -> bool:
    return all(os.path.exists(os.path.join(batch_dir, f)) for f in INPUT_FILES + OUTPUT_FILES)


def write_batch(batch_dir, bars, rows, direction, long_e, short_e, log=None, long_x=None, short_x=None,
                run_class=None) -> dict:
    """Write inputs, run vectorbt, write outputs. Returns a small summary.

    `long_x` / `short_x`: exit signals (bars x strategies) or None; a strategy's exit column is
    written (and passed) only where its row says `has_long_exit` / `has_short_exit`."""
    log = log or (lambda msg: None)
    os.makedirs(batch_dir, exist_ok=True)
    long_x = _only_declared(rows, "has_long_exit", long_x)
    short_x = _only_declared(rows, "has_short_exit", short_x)
    tp, sl, tsl = stop_vectors(rows)
    names = [r["strategy"] for r in rows]
    log("simulating")
    run = (run_class or Run)(bars, long_e, short_e, tp, sl, tsl, names, rows=rows, long_exits=long_x,
                             short_exits=short_x)
    log("trades")
    trades = run.trades_table()
    log("metrics and daily returns")
    metrics, daily = run.metrics_and_daily()
    io.write_parquet(signals_table(rows, direction, long_e, short_e, long_x, short_x), os.path.join(batch_dir, "signals.parquet"))
    io.write_text(params_csv(rows), os.path.join(batch_dir, "params.csv"))
    io.write_parquet(trades, os.path.join(batch_dir, "trades.parquet"))
    io.write_parquet(metrics, os.path.join(batch_dir, "metrics.parquet"))
    io.write_parquet(daily, os.path.join(batch_dir, "daily_returns.parquet"))
    reasons = {}
    for r in trades.column("exit_reason").to_pylist():
        reasons[r] = reasons.get(r, 0) + 1
    summary = dict(trades=trades.num_rows, reasons=reasons, days=daily.num_rows)
    del run
    gc.collect()
    return summary
