"""Entry signals with varied, clustered density.

Each strategy belongs to a density family; a two-state Markov regime (quiet/active, geometric
durations) scales the per-bar entry probability, so signals cluster. Some entries are extended
into runs of consecutive bars. In longshort batches the long and short sides are drawn
independently and, on top of that, a share of bars gets both sides True (same-bar conflict).
Every strategy column is drawn from its own generator seeded by (seed, asset, direction, batch,
strategy index), so columns can be produced one at a time.
"""
from __future__ import annotations

import numpy as np

from .bars import name_code

DAY = 1440.0
# family -> (entries per bar in the quiet regime, in the active regime,
#            mean quiet duration [bars], mean active duration [bars], share of entries that start a run)
FAMILIES = {
    "monthly": (2.0 / (30 * DAY), 12.0 / (30 * DAY), 5 * DAY, 2 * DAY, 0.0),
    "daily": (1.0 / DAY, 12.0 / DAY, 1.5 * DAY, 6 * 60.0, 0.02),
    "hourly": (1.0 / 60.0, 6.0 / 60.0, 8 * 60.0, 3 * 60.0, 0.10),
    "bursty": (0.5 / DAY, 20.0 / 60.0, 2 * DAY, 45.0, 0.25),
}
FAMILY_NAMES = list(FAMILIES)
DIRECTIONS = ("long", "short", "longshort")


def _regime(rng: np.random.Generator, n: int, quiet_len: float, active_len: float) -> np.ndarray:
    """Boolean active-regime mask from alternating geometric durations."""
    out = np.zeros(n, dtype=np.bool_)
    pos = 0
    active = bool(rng.random() < active_len / (quiet_len + active_len))
    while pos < n:
        length = int(rng.geometric(1.0 / (active_len if active else quiet_len)))
        if active:
            out[pos : pos + length] = True
        pos += length
        active = not active
    return out


def _side(rng: np.random.Generator, n: int, family: str) -> np.ndarray:
    p_quiet, p_active, quiet_len, active_len, run_share = FAMILIES[family]
    active = _regime(rng, n, quiet_len, active_len)
    p = np.where(active, p_active, p_quiet)
    e = rng.random(n) < p
    if run_share > 0:
        starts = e & (rng.random(n) < run_share)
        run_len = rng.integers(1, 6, size=n)  # 1..5 extra consecutive bars
        for k in range(1, 6):
            m = starts & (run_len >= k)
            e[k:] |= m[:-k]
    return e


def strategy_signals(seed: int, asset: str, direction: str, batch: int, index: int, family: str, n: int):
    """Return (long_entries, short_entries) boolean arrays of length n (None for an absent side)."""
    dcode = DIRECTIONS.index(direction)
    rng = np.random.default_rng([seed, 2, name_code(asset), dcode, batch, index])
    if direction == "long":
        return _side(rng, n, family), None
    if direction == "short":
        return None, _side(rng, n, family)
    long_e = _side(rng, n, family)
    short_e = _side(rng, n, family)
    # same-bar conflicts: copy ~8 % of each side's entries onto the other side
    both = (long_e & (rng.random(n) < 0.08)) | (short_e & (rng.random(n) < 0.08))
    long_e |= both
    short_e |= both
    return long_e, short_e


def signal_column_names(strategies: list[str], direction: str) -> list[str]:
    if direction == "longshort":
        return [f"{s}:{side}" for s in strategies for side in ("long", "short")]
    return list(strategies)
