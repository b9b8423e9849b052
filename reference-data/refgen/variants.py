"""Random per-strategy from_signals settings and exit signals (fuzz cases and the committed
batches that use them, `generate.py settings`)."""
from __future__ import annotations

import numpy as np

from . import settings


def _pick(rng, values, p=None):
    return values[int(rng.choice(len(values), p=p))]


def random_settings(rng: np.random.Generator, level: float, both_sides: bool, any_stop: bool) -> tuple[dict, str]:
    """Random from_signals settings for one case (refgen.settings names; absent = default).
    A quarter of the cases keep every default (simrun's fast path); the others set each setting
    with probability 1/2, from values that reach rare corners: fixed fees that eat the cash or
    reject orders, tiny or huge initial cash, Percent sizes, every mode."""
    if rng.random() < 0.25:
        return {}, "default"
    out = {}
    on = lambda: rng.random() < 0.5  # noqa: E731
    if on():
        out["fees"] = _pick(rng, [0.0, 1e-5, 0.0002, 0.001, 0.01, 0.1, 0.5])
    if on():
        out["slippage"] = _pick(rng, [0.0, 1e-6, 0.0002, 0.001, 0.01, 0.1, 0.6])
    if on():
        # SPEC14: 0 < init_cash <= 1e15
        out["init_cash"] = min(1e15, float(_pick(rng, [1e-3, 1.0, 50.0, 1e4, 1e6, 1e9, 1e15]) * rng.uniform(0.5, 2)))
    cash = out.get("init_cash", settings.DEFAULTS["init_cash"])
    if on():  # cash per order: from nothing to more than the whole initial cash
        out["fixed_fees"] = float(cash * _pick(rng, [0.0, 1e-9, 1e-5, 1e-3, 0.05, 0.5, 2.0]))
    for key in ("price", "accumulate", "upon_opposite_entry", "upon_long_conflict", "upon_short_conflict",
                "upon_dir_conflict", "stop_entry_price", "stop_exit_price", "upon_stop_exit"):
        if on():
            out[key] = _pick(rng, list(settings.ENUMS[key]))
    if on():
        st = _pick(rng, ["Amount", "Value", "Percent"])
        out["size_type"] = st
        u = rng.random()
        if st == "Percent":
            out["size"] = 1.0 if u < 0.2 else float(rng.uniform(0.001, 1.0))
        elif u < 0.25:
            pass  # size inf: all the cash
        else:
            frac = float(10 ** rng.uniform(-3, 0.5))  # of the initial cash (can exceed it)
            out["size"] = cash * frac if st == "Value" else cash * frac / level
    elif on():
        out["size"] = float(cash * 10 ** rng.uniform(-3, 0.5) / level)  # Amount
    e = settings.effective(out)
    if settings.can_raise_percent(e, both_sides, any_stop):
        # not a case simrun accepts (nor vectorbt runs): make the reversing modes close instead
        for key in ("upon_opposite_entry", "upon_stop_exit"):
            if e[key] in settings.REVERSING:
                out[key] = _pick(rng, ["Close", "CloseReduce"])
    tag = ",".join(f"{k}={settings.format_cell(k, v) or 'inf'}" for k, v in out.items() if k in settings.ENUMS)
    return out, tag or "numbers"


def random_exits(rng: np.random.Generator, n: int, entries: np.ndarray | None, opposite: np.ndarray | None):
    """One side's exit signals, or None (no column): sparse to dense, sometimes on the side's own
    entry bars (entry/exit conflicts) or on the opposite entries."""
    if rng.random() < 0.4:
        return None, ""
    p = float(_pick(rng, [0.0, 0.001, 0.01, 0.05, 0.2, 0.6, 1.0], p=[0.05, 0.15, 0.25, 0.2, 0.15, 0.12, 0.08]))
    x = rng.random(n) < p
    tags = [f"x{p:g}"]
    if entries is not None and rng.random() < 0.4:
        x |= entries & (rng.random(n) < _pick(rng, [0.2, 0.7, 1.0]))
        tags.append("onentry")
    if opposite is not None and rng.random() < 0.2:
        x |= opposite & (rng.random(n) < 0.5)
        tags.append("onopp")
    return x, "+".join(tags)
