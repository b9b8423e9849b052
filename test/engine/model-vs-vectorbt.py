"""Runs random cases through the pinned vectorbt for test/engine/model-vs-vectorbt.test.ts.

Input (JSON file, path in argv[1]): groups of strategy columns; each group shares its bars and
has per column signals, exits, stops and settings (params.csv names). One from_signals call per
group, made as the reference generator makes it (reference-data/refgen/oracle.py: its stop
adjustment, which also records the stop that fires on each bar; refgen/settings.py: the settings
as vectorbt's arguments). Output (stdout, JSON): per group, per column the exit-trade records
(exit reason: the stop of the trade's side that fired on its exit bar, else `signal`; `end` when
open), the order count, total profit and value series. Non-finite floats are written as strings.
"""
from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "reference-data"))
from refgen import settings  # noqa: E402
from refgen.oracle import FIRED_SHORT, REASON_OF, stop_adjust_sl_nb, stop_adjust_tp_nb, stop_args  # noqa: E402

import vectorbt as vbt  # noqa: E402


def floats(values) -> np.ndarray:
    return np.array([float(v) for v in values], dtype=np.float64)


def encode(x: float):
    return x if math.isfinite(x) else str(x)


def run_group(g: dict) -> list:
    n, k = g["n"], len(g["tp"])
    bars = {key: floats(g[key]) for key in ("open", "high", "low", "close")}
    sig = {key: np.array([[ch == "1" for ch in col] for col in g[key]]).T.copy()
           for key in ("long", "short", "long_exit", "short_exit")}
    tp, sl, tsl = (floats(g[key]) for key in ("tp", "sl", "tsl"))
    rows = [{key: (float(v) if key in settings.NUMBERS else v) for key, v in row.items()} for row in g["settings"]]
    args = settings.call_arrays(rows)
    tp_v, sl0, trail0 = stop_args(tp, sl, tsl)
    kind_at = np.zeros((n, k), dtype=np.uint8)
    fired = np.zeros((n, k), dtype=np.uint8)
    fired_price = np.full((n, k), np.nan)
    ohl = (bars["open"], bars["high"], bars["low"])
    idx = pd.date_range("2024-01-01", periods=n, freq="1min")
    series = lambda a: pd.Series(a, index=idx)  # noqa: E731
    frame = lambda a: pd.DataFrame(a, index=idx)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pf = vbt.Portfolio.from_signals(
            series(bars["close"]),
            entries=frame(sig["long"]), exits=frame(sig["long_exit"]),
            short_entries=frame(sig["short"]), short_exits=frame(sig["short_exit"]),
            open=series(bars["open"]), high=series(bars["high"]), low=series(bars["low"]),
            **{key: args[key] for key in settings.COLUMNS},
            tp_stop=tp_v[None, :], sl_stop=sl0[None, :], sl_trail=trail0[None, :],
            adjust_sl_func_nb=stop_adjust_sl_nb,
            adjust_sl_args=(sl, tsl, *ohl, kind_at, fired, fired_price),
            adjust_tp_func_nb=stop_adjust_tp_nb, adjust_tp_args=(*ohl, fired, fired_price),
            freq="1min", group_by=False, cash_sharing=False,
        )
    rec = pf.exit_trades.values
    rec = rec[np.lexsort((rec["id"], rec["col"]))]
    orders = np.bincount(pf.orders.values["col"], minlength=k)
    value = pf.value().to_numpy()
    total_profit = pf.total_profit().to_numpy()
    out = []
    for c in range(k):
        trades = []
        for t in rec[rec["col"] == c]:
            x = int(t["exit_idx"])
            short = t["direction"] == 1
            f = int(fired[x, c])
            if t["status"] == 0:
                reason = "end"
            elif f == 0:
                reason = "signal"
            elif bool(f & FIRED_SHORT) == short:
                reason = REASON_OF[f & ~FIRED_SHORT]
            else:
                reason = "a stop of the other side fired"  # never a model reason: shows as a mismatch
            trades.append({
                "direction": "short" if short else "long",
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
    return out


def main() -> None:
    groups = json.loads(Path(sys.argv[1]).read_text())
    json.dump([run_group(g) for g in groups], sys.stdout)


if __name__ == "__main__":
    main()
