"""One batch: draw its inputs, run the oracle, write the five files."""
from __future__ import annotations

import gc
import os

import numpy as np
import pyarrow as pa

from . import io
from .oracle import Run
from .params import make_params, params_csv, stop_vectors
from .signals import signal_column_names, strategy_signals

INPUT_FILES = ("signals.parquet", "params.csv")
OUTPUT_FILES = ("trades.parquet", "metrics.parquet", "daily_returns.parquet")


def batch_number(name: str) -> int:
    return int(name.split("_")[1])


def draw_inputs(seed: int, asset: str, direction: str, batch: int, n_bars: int, n_strat: int):
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


def signals_table(rows, direction, long_e, short_e) -> pa.Table:
    names = signal_column_names([r["strategy"] for r in rows], direction)
    cols = []
    for j in range(len(rows)):
        if direction == "long":
            cols.append(long_e[:, j])
        elif direction == "short":
            cols.append(short_e[:, j])
        else:
            cols += [long_e[:, j], short_e[:, j]]
    return io.bool_table(names, cols)


def outputs_exist(batch_dir: str) -> bool:
    return all(os.path.exists(os.path.join(batch_dir, f)) for f in INPUT_FILES + OUTPUT_FILES)


def write_batch(batch_dir, bars, rows, direction, long_e, short_e, log=None) -> dict:
    """Write inputs, run vectorbt, write outputs. Returns a small summary."""
    log = log or (lambda msg: None)
    os.makedirs(batch_dir, exist_ok=True)
    io.write_parquet(signals_table(rows, direction, long_e, short_e), os.path.join(batch_dir, "signals.parquet"))
    io.write_text(params_csv(rows), os.path.join(batch_dir, "params.csv"))
    tp, sl, tsl = stop_vectors(rows)
    names = [r["strategy"] for r in rows]
    log("simulating")
    run = Run(bars, long_e, short_e, tp, sl, tsl, names)
    log("trades")
    trades = run.trades_table()
    log("metrics and daily returns")
    metrics, daily = run.metrics_and_daily()
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
