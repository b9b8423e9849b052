"""The from_signals settings a strategy can set in params.csv (shared/SPEC14: names are binding).

A params.csv column named after vectorbt's argument sets it for one strategy; an empty cell (or
no column) means the batch default below, which is the pipeline's call. Enum values are written
by name and passed to vectorbt as its own integer codes (vectorbt.portfolio.enums).
"""
from __future__ import annotations

import math

import numpy as np

# vectorbt's enum codes (vectorbt.portfolio.enums, release 1.2.0); `price` is special: Close = +inf
# (the bar's close), Open = -inf (the bar's open)
ENUMS = {
    "price": {"Close": math.inf, "Open": -math.inf},
    "size_type": {"Amount": 0, "Value": 1, "Percent": 2},
    "accumulate": {"Disabled": 0, "Both": 1, "AddOnly": 2, "RemoveOnly": 3},
    "upon_opposite_entry": {"Ignore": 0, "Close": 1, "CloseReduce": 2, "Reverse": 3, "ReverseReduce": 4},
    "upon_long_conflict": {"Ignore": 0, "Entry": 1, "Exit": 2, "Adjacent": 3, "Opposite": 4},
    "upon_short_conflict": {"Ignore": 0, "Entry": 1, "Exit": 2, "Adjacent": 3, "Opposite": 4},
    "upon_dir_conflict": {"Ignore": 0, "Long": 1, "Short": 2, "Adjacent": 3, "Opposite": 4},
    "stop_entry_price": {"ValPrice": 0, "Price": 1, "FillPrice": 2, "Close": 3},
    "stop_exit_price": {"StopLimit": 0, "StopMarket": 1, "Price": 2, "Close": 3},
    "upon_stop_exit": {"Close": 0, "CloseReduce": 1, "Reverse": 2, "ReverseReduce": 3},
}
NUMBERS = ("fees", "fixed_fees", "slippage", "init_cash", "size")

# params.csv column order (SPEC14's table) and the batch defaults (the pipeline's call)
COLUMNS = (
    "fees", "fixed_fees", "slippage", "init_cash", "price", "size", "size_type", "accumulate",
    "upon_opposite_entry", "upon_long_conflict", "upon_short_conflict", "upon_dir_conflict",
    "stop_entry_price", "stop_exit_price", "upon_stop_exit",
)
DEFAULTS = {
    "fees": 0.0002, "fixed_fees": 0.0, "slippage": 0.0002, "init_cash": 100_000.0, "price": "Close",
    "size": math.inf, "size_type": "Amount", "accumulate": "Disabled", "upon_opposite_entry": "ReverseReduce",
    "upon_long_conflict": "Ignore", "upon_short_conflict": "Ignore", "upon_dir_conflict": "Ignore",
    "stop_entry_price": "Close", "stop_exit_price": "StopLimit", "upon_stop_exit": "Close",
}
REVERSING = ("Reverse", "ReverseReduce")
# vectorbt snaps a valuation price within its atol (1e-12) of 0 to 0, and raises on a Value size there
VALUE_MIN_PRICE = 1e-12


def effective(row: dict) -> dict:
    """All settings of one params row: the row's value where it sets one, else the default."""
    return {k: row[k] if row.get(k) not in (None, "") and not _is_nan(row.get(k)) else DEFAULTS[k] for k in COLUMNS}


def _is_nan(x) -> bool:
    return isinstance(x, float) and math.isnan(x)


def is_default(row: dict) -> bool:
    """True when the row sets no setting to anything but its default."""
    e = effective(row)
    return all(e[k] == DEFAULTS[k] for k in COLUMNS)


def call_arrays(rows: list[dict]) -> dict:
    """Per-column arrays for the from_signals call, shape (1, n_columns) (broadcast along bars)."""
    eff = [effective(r) for r in rows]
    out = {}
    for k in COLUMNS:
        if k in ENUMS:
            codes = [ENUMS[k][e[k]] for e in eff]
            dtype = np.float64 if k == "price" else np.int64
            out[k] = np.array(codes, dtype=dtype)[None, :]
        else:
            out[k] = np.array([float(e[k]) for e in eff], dtype=np.float64)[None, :]
    out["init_cash"] = out["init_cash"][0]  # vectorbt takes one initial cash per column (group)
    return out


def can_raise_percent(e: dict, both_sides: bool, any_stop: bool) -> bool:
    """True when vectorbt may raise "SizeType.Percent does not support position reversal using
    signals" for these settings: size_type Percent and a reversal is possible by a mode that
    reverses: Reverse (it turns accumulation off, whatever `accumulate` says), or ReverseReduce
    while accumulate is Disabled or AddOnly. Stops reverse with any stop set (upon_stop_exit);
    opposite entries reverse (upon_opposite_entry) when a position can face an entry of the
    other side: in a longshort batch (`both_sides`, as simrun decides), or after a stop opened
    the other side (upon_stop_exit Reverse or ReverseReduce: even a "reducing" Percent order can
    flip the position, its percentage being of the long-plus-short exposure). SPEC14's refusal
    rule is the ReverseReduce half with longshort batches; the generators avoid all of it."""
    if e["size_type"] != "Percent":
        return False
    reduces = e["accumulate"] in ("Both", "RemoveOnly")

    def reverses(mode):
        return mode == "Reverse" or (mode == "ReverseReduce" and not reduces)

    other_side = both_sides or (any_stop and e["upon_stop_exit"] in REVERSING)
    return (reverses(e["upon_opposite_entry"]) and other_side) or (reverses(e["upon_stop_exit"]) and any_stop)


def format_cell(key: str, value) -> str:
    """params.csv cell: enum names as they are, numbers in Python's shortest round-trip form,
    the default's absence as an empty cell."""
    if value is None or value == "" or _is_nan(value):
        return ""
    if key in ENUMS:
        if value not in ENUMS[key]:
            raise ValueError(f"{key}: unknown value {value!r}")
        return value
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{key}: {v} cannot be written (leave the cell empty for the default)")
    return repr(v)


def parse_cell(key: str, text: str):
    """The inverse of format_cell (empty -> None)."""
    text = text.strip()
    if not text:
        return None
    if key in ENUMS:
        for name in ENUMS[key]:
            if name.lower() == text.lower():
                return name
        raise ValueError(f"{key}: unknown value {text!r}")
    return float(text)
