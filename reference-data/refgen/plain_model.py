"""A slow, plain per-bar loop of /work/shared/SEMANTICS.md, used to check the vectorbt call.

It is written from SEMANTICS.md, not from vectorbt: one column at a time, one bar at a time, with
plain Python floats. The only thing it shares with the oracle on purpose is the *level arithmetic*
of the two-stop case (LEVELS='adjust'): the tighter level is expressed as a stop fraction relative
to the running peak/trough and the level recomputed from it, which is what vectorbt does with the
adjust function. LEVELS='direct' uses max(entry*(1-sl), peak*(1-tsl)) instead, to show where the
two differ.

Cash and fees follow SEMANTICS.md (fees = fees*size*price, size = cash/(price*(1+fees))); vectorbt's
own formulas differ in the last bits (see README), so floats are compared with rtol 1e-9.
A short that cannot be covered with the cash left (a cash-limited, partial cover) is outside
SEMANTICS.md and raises NotCovered here.
"""
from __future__ import annotations

import math
import os

import numpy as np

NAN = math.nan


class NotCovered(Exception):
    pass


def loss_level(is_long, anchor, peak, sl, tsl, levels):
    """(level, kind) of the loss stop, kind 'sl' or 'tsl'; (nan, None) when neither is set."""
    has_sl, has_tsl = not math.isnan(sl), not math.isnan(tsl)
    if has_sl and not has_tsl:
        return (anchor * (1 - sl) if is_long else anchor * (1 + sl)), "sl"
    if has_tsl and not has_sl:
        return (peak * (1 - tsl) if is_long else peak * (1 + tsl)), "tsl"
    if not has_sl:
        return NAN, None
    if is_long:
        fixed = anchor * (1 - sl)
        trail = peak * (1 - tsl)
        if levels == "direct":
            return (trail, "tsl") if trail >= fixed else (fixed, "sl")
        if trail >= fixed:
            return peak * (1 - tsl), "tsl"
        stop = 1 - fixed / peak
        return peak * (1 - stop), "sl"
    fixed = anchor * (1 + sl)
    trail = peak * (1 + tsl)
    if levels == "direct":
        return (trail, "tsl") if trail <= fixed else (fixed, "sl")
    if trail <= fixed:
        return peak * (1 + tsl), "tsl"
    stop = fixed / peak - 1
    return peak * (1 + stop), "sl"


def fill_below(level, o, h, l):
    """Fill of a level below the price (long loss stop, short take-profit)."""
    if o <= level:
        return o
    if l <= level <= h:
        return level
    return NAN


def fill_above(level, o, h, l):
    """Fill of a level above the price (long take-profit, short loss stop)."""
    if o >= level:
        return o
    if l <= level <= h:
        return level
    return NAN


def simulate_column(o, h, l, c, long_e, short_e, tp, sl, tsl, fees, slip, init_cash, levels="adjust"):
    """Trades of one column as a list of dicts (SEMANTICS.md field names)."""
    n = len(c)
    cash = init_cash
    side = 0  # +1 long, -1 short, 0 flat
    size = 0.0
    trades = []
    cur = None
    anchor = peak = NAN

    def open_pos(i, new_side, price):
        nonlocal cash, side, size, cur, anchor, peak
        s = cash / (price * (1 + fees))
        f = fees * s * price
        cash = cash - s * price - f if new_side > 0 else cash + s * price - f
        side, size = new_side, s
        anchor = peak = c[i]
        cur = dict(direction="long" if new_side > 0 else "short", entry_idx=i, entry_price=price, entry_fees=f, size=s)

    def close_pos(i, price, reason, status="closed"):
        nonlocal cash, side, size, cur
        f = 0.0 if status == "open" else fees * size * price
        if status == "closed":
            if side > 0:
                cash += size * price - f
            else:
                need = size * price + f
                if need > cash * (1 + 1e-9):
                    raise NotCovered(f"bar {i}: short cover needs {need} but cash is {cash}")
                cash -= need
        gross = (price - cur["entry_price"]) * size if side > 0 else (cur["entry_price"] - price) * size
        pnl = gross - cur["entry_fees"] - f
        cur.update(status=status, exit_idx=i, exit_price=price, exit_fees=f, exit_reason=reason, pnl=pnl)
        cur["return"] = pnl / (cur["entry_price"] * size)
        trades.append(cur)
        side, size, cur = 0, 0.0, None

    for i in range(n):
        if side != 0:
            is_long = side > 0
            px, reason = NAN, None
            level, kind = loss_level(is_long, anchor, peak, sl, tsl, levels)
            if kind is not None:
                px = fill_below(level, o[i], h[i], l[i]) if is_long else fill_above(level, o[i], h[i], l[i])
                reason = kind
            if math.isnan(px) and not math.isnan(tp):
                if is_long:
                    px = fill_above(anchor * (1 + tp), o[i], h[i], l[i])
                else:
                    px = fill_below(anchor * (1 - tp), o[i], h[i], l[i])
                reason = "tp"
            if not math.isnan(tsl):  # the bar's extreme moves the trailing level from the next bar on
                if is_long and h[i] > peak:
                    peak = h[i]
                elif not is_long and l[i] < peak:
                    peak = l[i]
            if not math.isnan(px):
                close_pos(i, px, reason)
                continue  # no signals on a bar where a stop fired
        le, se = bool(long_e[i]), bool(short_e[i])
        if le and se:
            continue
        if le and side <= 0:
            price = c[i] * (1 + slip)
            if side < 0:
                close_pos(i, price, "signal")
            open_pos(i, +1, price)
        elif se and side >= 0:
            price = c[i] * (1 - slip)
            if side > 0:
                close_pos(i, price, "signal")
            open_pos(i, -1, price)
    if side != 0:
        close_pos(n - 1, c[n - 1], "end", status="open")
    return trades


def simulate(bars, long_e, short_e, tp, sl, tsl, fees, slip, init_cash, levels="adjust"):
    o, h, l, c = (np.asarray(bars[k], dtype=np.float64).tolist() for k in ("open", "high", "low", "close"))
    n, k = len(c), len(tp)
    out = []
    for j in range(k):
        le = long_e[:, j].tolist() if long_e is not None else [False] * n
        se = short_e[:, j].tolist() if short_e is not None else [False] * n
        out.append(simulate_column(o, h, l, c, le, se, float(tp[j]), float(sl[j]), float(tsl[j]), fees, slip, init_cash, levels))
    return out


# ------------------------------------------------------------------------------------ comparison
INT_FIELDS = ("entry_idx", "exit_idx")
STR_FIELDS = ("direction", "status", "exit_reason")
FLOAT_FIELDS = ("entry_price", "entry_fees", "exit_price", "exit_fees", "size", "pnl", "return")


def close_enough(a, b, scale=0.0, rtol=1e-9):
    if a == b or (math.isnan(a) and math.isnan(b)):
        return True
    return abs(a - b) <= rtol * max(abs(a), abs(b), scale)


def compare(plain, table, names):
    """First difference between plain-model trades and a trades table (pyarrow), or None."""
    rows = table.to_pylist()
    by = {s: [] for s in names}
    for r in rows:
        by[r["strategy"]].append(r)
    for j, s in enumerate(names):
        a, b = plain[j], by[s]
        if len(a) != len(b):
            first = next((t for t, (x, y) in enumerate(zip(a, b)) if x["exit_idx"] != y["exit_idx"]), min(len(a), len(b)))
            return f"{s}: {len(a)} trades (plain) vs {len(b)} (vectorbt); first differing trade #{first}"
        for t, (x, y) in enumerate(zip(a, b)):
            for f in INT_FIELDS + STR_FIELDS:
                if x[f] != y[f]:
                    return f"{s} trade {t}: {f} plain={x[f]!r} vectorbt={y[f]!r}"
            notional = x["entry_price"] * x["size"]
            for f in FLOAT_FIELDS:
                # rtol 1e-9, relative to the trade's notional for pnl and to 1 for return (both can be ~0)
                floor = notional if f == "pnl" else (1.0 if f == "return" else 0.0)
                if not close_enough(x[f], y[f], floor):
                    return f"{s} trade {t}: {f} plain={x[f]!r} vectorbt={y[f]!r}"
    return None


# ------------------------------------------------------------------------------------ self-check
def _crossing_batch(seed, direction, n_bars, n_strat):
    """Bars and signals where sl and tsl are both set and the two levels cross (mostly tsl > sl)."""
    from .bars import make_bars
    from .signals import strategy_signals

    rng = np.random.default_rng([seed, 9, len(direction)])
    bars = make_bars("ETH", n_bars, seed + 7)
    tp = np.full(n_strat, np.nan)
    sl = np.empty(n_strat)
    tsl = np.empty(n_strat)
    for j in range(n_strat):
        if j % 5 == 4:  # tsl <= sl
            tsl[j] = round(rng.uniform(0.003, 0.012), 4)
            sl[j] = round(rng.uniform(tsl[j], 0.02), 4)
        else:  # tsl > sl: the fixed level is tighter at entry, the trailing one after a run-up
            sl[j] = round(rng.uniform(0.003, 0.012), 4)
            tsl[j] = round(rng.uniform(sl[j] + 0.001, 0.025), 4)
        if j % 3 == 0:
            tp[j] = round(rng.uniform(0.01, 0.05), 4)
    long_e = np.zeros((n_bars, n_strat), dtype=bool) if direction != "short" else None
    short_e = np.zeros((n_bars, n_strat), dtype=bool) if direction != "long" else None
    for j in range(n_strat):
        le, se = strategy_signals(seed, "XCHK", direction, 1, j, "daily", n_bars)
        if le is not None:
            long_e[:, j] = le
        if se is not None:
            short_e[:, j] = se
    return bars, long_e, short_e, tp, sl, tsl


def _kind_switches(kind_at, rec):
    """Trades during which the tighter level switched from fixed to trailing (levels crossed)."""
    n = 0
    for r in rec:
        ks = kind_at[r["entry_idx"] + 1 : r["exit_idx"] + 1, r["col"]]
        ks = ks[ks > 0]
        if len(ks) and (ks == 1).any() and (ks == 2).any():
            n += 1
    return n


def _ulp_census(seed, count=200_000):
    """How often the adjust-function level differs in bits from the direct entry*(1-sl) level."""
    rng = np.random.default_rng([seed, 10])
    anchor = np.round(rng.uniform(1500, 60000, count), 2)
    sl = np.round(rng.uniform(0.01, 0.03, count), 4)
    peak = np.round(anchor * rng.uniform(1.0, 1.02, count), 2)
    fixed = anchor * (1 - sl)
    via_stop = peak * (1 - (1 - fixed / peak))
    return int(np.sum(via_stop != fixed)), int(np.sum(via_stop > fixed)), count


def selfcheck(log=print, seed=20261123, tree=None) -> bool:
    from .oracle import FEES, INIT_CASH, SLIPPAGE, Run
    from . import scenarios

    ok = True
    log("selfcheck 1: two-stop adjust function (vectorbt) vs plain per-bar loop, crossing levels")
    log("  (MATCH = every trade: integer and string fields exact, floats within rtol 1e-9)")
    for direction in ("long", "short", "longshort"):
        bars, le, se, tp, sl, tsl = _crossing_batch(seed, direction, 20_000, 20)
        names = [f"x{j:02d}" for j in range(len(tp))]
        run = Run(bars, le, se, tp, sl, tsl, names)
        table = run.trades_table()
        rec = run.trade_records()
        crossed = _kind_switches(run.kind_at, rec)
        reasons = {}
        for r in table.column("exit_reason").to_pylist():
            reasons[r] = reasons.get(r, 0) + 1
        diff = compare(simulate(bars, le, se, tp, sl, tsl, FEES, SLIPPAGE, INIT_CASH, "adjust"), table, names)
        ddiff = compare(simulate(bars, le, se, tp, sl, tsl, FEES, SLIPPAGE, INIT_CASH, "direct"), table, names)
        log(
            f"  {direction:9s}: {table.num_rows} trades, {crossed} with crossing levels, reasons {reasons}: "
            f"adjust-arithmetic loop {'MATCH' if diff is None else 'DIFFERS: ' + diff}; "
            f"direct max() loop {'identical' if ddiff is None else 'differs: ' + ddiff}"
        )
        ok &= diff is None
    diffbits, above, count = _ulp_census(seed)
    log(
        f"  level census: entry*(1-sl) recomputed as peak*(1-(1-entry*(1-sl)/peak)) differs in the last bits "
        f"in {diffbits}/{count} random cases ({above} higher, {diffbits - above} lower)"
    )

    log("selfcheck 2: plain loop vs vectorbt on every scenario")
    for name in scenarios.SCENARIOS:
        sc = scenarios.build_inputs(name)
        names = [r["strategy"] for r in sc["params"]]
        from .params import stop_vectors
        from .settings import is_default

        if sc["long_x"] is not None or sc["short_x"] is not None or not all(is_default(r) for r in sc["params"]):
            log(f"  {name:12s}: skipped (exit signals or non-default settings: the plain loop knows only the pipeline's call)")
            continue
        tp, sl, tsl = stop_vectors(sc["params"])
        run = Run(sc["bars"], sc["long"], sc["short"], tp, sl, tsl, names)
        table = run.trades_table()
        try:
            diff = compare(simulate(sc["bars"], sc["long"], sc["short"], tp, sl, tsl, FEES, SLIPPAGE, INIT_CASH), table, names)
        except NotCovered as e:
            log(f"  {name:12s}: outside SEMANTICS.md (plain loop: {e}) - expected for {name}" if name == "FEECASH" else f"  {name}: {e}")
            ok &= name == "FEECASH"
            continue
        try:
            ddiff = compare(
                simulate(sc["bars"], sc["long"], sc["short"], tp, sl, tsl, FEES, SLIPPAGE, INIT_CASH, "direct"), table, names
            )
        except NotCovered:
            ddiff = "not covered"
        log(
            f"  {name:12s}: {table.num_rows} trades: {'MATCH' if diff is None else 'DIFFERS: ' + diff}"
            + ("" if ddiff is None else f" (direct max() levels would differ: {ddiff})")
        )
        ok &= diff is None

    if tree:
        import pyarrow.parquet as pq

        from .bars import table_to_bars
        from .params import stop_vectors

        log(f"selfcheck 3: plain loop vs committed trades in {tree}")
        from .settings import COLUMNS

        batches = [(d, b) for d in sorted(os.listdir(tree)) if "_" in d and os.path.isdir(os.path.join(tree, d))
                   for b in sorted(os.listdir(os.path.join(tree, d))) if b.startswith("batch_")]
        for d, b in batches:
            bdir = os.path.join(tree, d, b)
            asset, direction = d.rsplit("_", 1)
            with open(os.path.join(bdir, "params.csv"), encoding="utf-8") as f:
                header = f.readline().strip().split(",")
            sig_cols = pq.read_schema(os.path.join(bdir, "signals.parquet")).names
            if any(c in COLUMNS for c in header) or any(c.endswith("_exit") for c in sig_cols):
                log(f"  {d}/{b}: skipped (exit signals or settings columns: the plain loop knows only the pipeline's call)")
                continue
            bars = table_to_bars(pq.read_table(os.path.join(tree, asset, "ohlcv.parquet")))
            import csv

            with open(os.path.join(bdir, "params.csv"), newline="") as f:
                rows = list(csv.DictReader(f))
            names = [r["strategy"] for r in rows]
            tp, sl, tsl = (np.array([float(r[k]) if r[k] else np.nan for r in rows]) for k in ("tp_stop", "sl_stop", "tsl_stop"))
            sig = pq.read_table(os.path.join(bdir, "signals.parquet"))
            get = lambda col: np.column_stack([sig.column(c).to_numpy(zero_copy_only=False) for c in col])  # noqa: E731
            le = get([f"{s}:long" for s in names] if direction == "longshort" else names) if direction != "short" else None
            se = get([f"{s}:short" for s in names] if direction == "longshort" else names) if direction != "long" else None
            table = pq.read_table(os.path.join(bdir, "trades.parquet"))
            diff = compare(simulate(bars, le, se, tp, sl, tsl, FEES, SLIPPAGE, INIT_CASH), table, names)
            log(f"  {d}/{b}: {table.num_rows} trades: {'MATCH' if diff is None else 'DIFFERS: ' + diff}")
            ok &= diff is None
    log("selfcheck: " + ("PASS" if ok else "FAIL"))
    return ok
