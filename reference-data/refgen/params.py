"""Per-strategy stop parameters and params.csv.

Stops are fractions rounded to 4 decimals: tp 0.015-0.05, sl 0.01-0.03, tsl 0.005-0.02. The first
strategies of every batch walk through all stop combinations (so every batch of >= 11 strategies
has each of them); the rest are drawn at random, mostly with all three stops.
"""
from __future__ import annotations

import math

import numpy as np

from . import settings
from .bars import name_code
from .signals import DIRECTIONS, FAMILY_NAMES

# stop combination kinds: (has_tp, has_sl, has_tsl, relation of tsl to sl)
KINDS = [
    ("tp+sl+tsl", True, True, True, "gt"),  # tsl > sl: the two levels cross while the trade runs
    ("tp+sl+tsl", True, True, True, "le"),  # tsl <= sl: the trailing level is always the tighter
    ("sl+tsl", False, True, True, "gt"),
    ("tp+sl", True, True, False, None),
    ("tp+tsl", True, False, True, None),
    ("sl", False, True, False, None),
    ("tsl", False, False, True, None),
    ("tp", True, False, False, None),
    ("none", False, False, False, None),
    ("sl+tsl", False, True, True, "le"),
    ("tp+sl+tsl", True, True, True, "eq"),  # tsl == sl
]
RANDOM_WEIGHTS = np.array([0.3, 0.3, 0.08, 0.06, 0.06, 0.04, 0.04, 0.03, 0.02, 0.04, 0.03])


def _r4(x: float) -> float:
    return float(round(float(x), 4))


def make_params(seed: int, asset: str, direction: str, batch: int, n: int) -> list[dict]:
    rng = np.random.default_rng([seed, 3, name_code(asset), DIRECTIONS.index(direction), batch])
    rows = []
    for i in range(n):
        k = i if i < len(KINDS) else int(rng.choice(len(KINDS), p=RANDOM_WEIGHTS / RANDOM_WEIGHTS.sum()))
        _, has_tp, has_sl, has_tsl, rel = KINDS[k]
        tp = _r4(rng.uniform(0.015, 0.05)) if has_tp else math.nan
        sl = tsl = math.nan
        if has_sl and has_tsl:
            if rel == "gt":
                sl = _r4(rng.uniform(0.01, 0.0185))
                tsl = _r4(rng.uniform(sl + 0.0005, 0.02))
            elif rel == "le":
                tsl = _r4(rng.uniform(0.005, 0.02))
                sl = _r4(rng.uniform(max(0.01, tsl), 0.03))
            else:
                sl = tsl = _r4(rng.uniform(0.01, 0.02))
        elif has_sl:
            sl = _r4(rng.uniform(0.01, 0.03))
        elif has_tsl:
            tsl = _r4(rng.uniform(0.005, 0.02))
        family = FAMILY_NAMES[int(rng.integers(len(FAMILY_NAMES)))] if i >= 4 else FAMILY_NAMES[i]
        rows.append(dict(strategy=f"s{i:03d}", tp_stop=tp, sl_stop=sl, tsl_stop=tsl, family=family))
    return rows


def _fmt(x: float) -> str:
    return "" if math.isnan(x) else repr(float(x))


INTERNAL = ("has_long_exit", "has_short_exit")  # row keys that say which exit columns exist


def params_csv(rows: list[dict]) -> str:
    """strategy, the stops, the settings columns that any row sets (SPEC14 order, empty cell =
    the batch default), then the other extra columns (e.g. `family`)."""
    stops = ("strategy", "tp_stop", "sl_stop", "tsl_stop")
    used = [k for k in settings.COLUMNS if any(r.get(k) not in (None, "") for r in rows)]
    extra = [k for k in rows[0] if k not in stops and k not in settings.COLUMNS and k not in INTERNAL] if rows else []
    lines = [",".join([*stops, *used, *extra])]
    for r in rows:
        cells = [r["strategy"], _fmt(r["tp_stop"]), _fmt(r["sl_stop"]), _fmt(r["tsl_stop"])]
        cells += [settings.format_cell(k, r.get(k)) for k in used]
        cells += [str(r[k]) for k in extra]
        for c in cells:
            if any(ch in c for ch in ',"\r\n'):
                raise ValueError(f"params.csv cell needs quoting, not allowed: {c!r}")
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def stop_vectors(rows: list[dict]):
    """tp, sl, tsl as float64 arrays (NaN = off), in params order."""
    tp = np.array([r["tp_stop"] for r in rows], dtype=np.float64)
    sl = np.array([r["sl_stop"] for r in rows], dtype=np.float64)
    tsl = np.array([r["tsl_stop"] for r in rows], dtype=np.float64)
    return tp, sl, tsl
