"""Runs random cases through the pinned vectorbt for test/engine/model-vs-vectorbt.test.ts.

Input (JSON file, path in argv[1]): k columns, each with its own bars (all n long), signals, stops
and from_signals settings (vectorbt's enum ints). One from_signals call over all columns, made as
reference-data/refgen/oracle.py makes it (its two-stop adjust function), plus every other setting
per column. Output (stdout, JSON): per column the exit-trade records (for each closed trade the stop
that fired on its exit bar, if any, recorded inside the adjust functions with vectorbt's own stop
test: its exit reason), the order count, total profit and the value series. Non-finite floats are written as strings.
"""
from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from numba import njit

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "reference-data"))
from refgen.oracle import KIND_TRAIL, stop_args, two_stop_adjust_nb  # noqa: E402

import vectorbt as vbt  # noqa: E402
from vectorbt.portfolio.nb import get_stop_price_nb  # noqa: E402

FIRED_NONE, FIRED_LOSS, FIRED_TP = 0, 1, 2


@njit
def adjust_sl_nb(c, sl_arr, tsl_arr, kind_at, sl_now):
    # the reference's adjustment; remember the stop it leaves for this bar's test
    stop, trail = two_stop_adjust_nb(c, sl_arr, tsl_arr, kind_at)
    sl_now[c.col, 0] = stop
    sl_now[c.col, 1] = c.curr_price
    return stop, trail


@njit
def adjust_tp_nb(c, open_, high, low, sl_now, fired):
    # called right after adjust_sl_nb, before vectorbt's stop test: run the same test
    if c.position_now == 0:
        return c.curr_stop
    i, col = c.i, c.col
    hit = np.nan
    if not np.isnan(sl_now[col, 0]):
        hit = get_stop_price_nb(c.position_now, sl_now[col, 1], sl_now[col, 0], open_[i, col], low[i, col], high[i, col], True)
        if not np.isnan(hit):
            fired[i, col] = FIRED_LOSS
    if np.isnan(hit) and not np.isnan(c.curr_stop):
        hit = get_stop_price_nb(c.position_now, c.init_price, c.curr_stop, open_[i, col], low[i, col], high[i, col], False)
        if not np.isnan(hit):
            fired[i, col] = FIRED_TP
    return c.curr_stop


def floats(values) -> np.ndarray:
    return np.array([float(v) for v in values], dtype=np.float64)


def encode(x: float):
    return x if math.isfinite(x) else str(x)


def main() -> None:
    case = json.loads(Path(sys.argv[1]).read_text())
    n, k = case["n"], case["k"]
    bars = {key: np.array([floats(col) for col in case[key]]).T.copy() for key in ("open", "high", "low", "close")}
    sig = {key: np.array([[ch == "1" for ch in col] for col in case[key]]).T.copy()
           for key in ("long", "short", "long_exit", "short_exit")}
    tp, sl, tsl = (floats(case[key]) for key in ("tp", "sl", "tsl"))
    tp_v, sl0, trail0 = stop_args(tp, sl, tsl)
    s = case["settings"]
    row = lambda key, dtype=np.float64: np.array([s[key]], dtype=dtype)  # noqa: E731  (1, k): per column
    kind_at = np.zeros((n, k), dtype=np.uint8)
    fired = np.zeros((n, k), dtype=np.uint8)
    sl_now = np.full((k, 2), np.nan)
    idx = pd.date_range("2024-01-01", periods=n, freq="1min")
    frame = lambda a: pd.DataFrame(a, index=idx)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pf = vbt.Portfolio.from_signals(
            frame(bars["close"]),
            entries=frame(sig["long"]), exits=frame(sig["long_exit"]),
            short_entries=frame(sig["short"]), short_exits=frame(sig["short_exit"]),
            open=frame(bars["open"]), high=frame(bars["high"]), low=frame(bars["low"]),
            size=row("size"), size_type=row("size_type", np.int64), price=row("price"),
            fees=row("fees"), fixed_fees=row("fixed_fees"), slippage=row("slippage"),
            init_cash=np.array(s["init_cash"], dtype=np.float64),
            accumulate=row("accumulate", np.int64),
            upon_long_conflict=row("upon_long_conflict", np.int64),
            upon_short_conflict=row("upon_short_conflict", np.int64),
            upon_dir_conflict=row("upon_dir_conflict", np.int64),
            upon_opposite_entry=row("upon_opposite_entry", np.int64),
            stop_entry_price=row("stop_entry_price", np.int64),
            stop_exit_price=row("stop_exit_price", np.int64),
            upon_stop_exit=row("upon_stop_exit", np.int64),
            tp_stop=tp_v[None, :], sl_stop=sl0[None, :], sl_trail=trail0[None, :],
            adjust_sl_func_nb=adjust_sl_nb, adjust_sl_args=(sl, tsl, kind_at, sl_now),
            adjust_tp_func_nb=adjust_tp_nb, adjust_tp_args=(bars["open"], bars["high"], bars["low"], sl_now, fired),
            freq="1min", group_by=False, cash_sharing=False,
        )
    rec = pf.exit_trades.values
    rec = rec[np.lexsort((rec["id"], rec["col"]))]
    orders = np.bincount(pf.orders.values["col"], minlength=k)
    value = pf.value().to_numpy()
    total_profit = pf.total_profit().to_numpy()
    out = []
    for c in range(k):
        r = rec[rec["col"] == c]
        trades = []
        for t in r:
            x = int(t["exit_idx"])
            if t["status"] == 0:
                reason = "end"
            elif fired[x, c] == FIRED_TP:
                reason = "tp"
            elif fired[x, c] == FIRED_LOSS:
                if not math.isnan(sl[c]) and not math.isnan(tsl[c]):
                    reason = "tsl" if kind_at[x, c] == KIND_TRAIL else "sl"
                else:
                    reason = "sl" if not math.isnan(sl[c]) else "tsl"
            else:
                reason = "signal"
            trades.append({
                "direction": "long" if t["direction"] == 0 else "short",
                "status": "open" if t["status"] == 0 else "closed",
                "entryIdx": int(t["entry_idx"]), "entryPrice": encode(float(t["entry_price"])),
                "entryFees": encode(float(t["entry_fees"])), "exitIdx": x,
                "exitPrice": encode(float(t["exit_price"])), "exitFees": encode(float(t["exit_fees"])),
                "size": encode(float(t["size"])), "pnl": encode(float(t["pnl"])),
                "return": encode(float(t["return"])), "exitReason": reason,
            })
        out.append({
            "orders": int(orders[c]), "trades": trades, "totalProfit": encode(float(total_profit[c])),
            "value": [encode(float(v)) for v in value[:, c]],
        })
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
