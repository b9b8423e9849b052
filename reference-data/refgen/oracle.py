"""The vectorbt call (the judge), exit reasons, metrics and daily returns.

vectorbt is called, never copied: everything below uses its public API.
"""
from __future__ import annotations

import gc
import math
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
from numba import njit

from . import settings

FEES = 0.0002
SLIPPAGE = 0.0002
INIT_CASH = 100_000.0
FREQ = "1min"
DAY_TZ = "America/Chicago"
DAY_SHIFT_HOURS = 7

KIND_FIXED = 1  # the fixed stop-loss level was the tighter one on that bar
KIND_TRAIL = 2  # the trailing level was the tighter one on that bar
# fired[i, col]: which stop vectorbt's stop test fires on bar i (0 = none), | FIRED_SHORT when the
# position at the bar's start was short
FIRED_SL, FIRED_TSL, FIRED_TP, FIRED_SHORT = 1, 2, 3, 0x80
REASON_OF = {FIRED_SL: "sl", FIRED_TSL: "tsl", FIRED_TP: "tp"}
ORDER_BUY = 0


@njit
def stop_hit_nb(position, anchor, stop, open_, low, high, hit_below):
    # vectorbt's stop test (get_stop_price_nb), same arithmetic and order: the stop price, or NaN
    if (position > 0 and hit_below) or (position < 0 and not hit_below):
        level = anchor * (1 - stop)
        if open_ <= level:
            return open_
        if low <= level <= high:
            return level
        return np.nan
    if (position < 0 and hit_below) or (position > 0 and not hit_below):
        level = anchor * (1 + stop)
        if level <= open_:
            return open_
        if low <= level <= high:
            return level
        return np.nan
    return np.nan


@njit
def stop_adjust_sl_nb(c, sl_arr, tsl_arr, open_, high, low, kind_at, fired, fired_price):
    # Called by vectorbt at the start of every bar, before its stop test, with the position before
    # the bar. (1) Expresses "sl and tsl both set" with vectorbt's single stop-loss: the tighter of
    # the fixed level entry*(1-sl) and the trailing level peak*(1-tsl) (mirrored for shorts),
    # returned as a stop fraction relative to the running peak/trough, with trailing on. simrun's
    # kernel mirrors this arithmetic bit for bit: do not simplify it. (2) Records whether the
    # stop-loss fires on this bar (the returned stop through vectorbt's test), for exit_reason.
    sl = sl_arr[c.col]
    tsl = tsl_arr[c.col]
    stop, trail = c.curr_stop, c.curr_trail
    if c.position_now == 0:
        return stop, trail
    kind = KIND_TRAIL if np.isnan(sl) else KIND_FIXED
    if not np.isnan(sl) and not np.isnan(tsl):
        trail = True
        if c.position_now > 0:
            fixed = c.init_price * (1 - sl)
            trailing = c.curr_price * (1 - tsl)
            if trailing >= fixed:
                kind, stop = KIND_TRAIL, tsl
            else:
                kind, stop = KIND_FIXED, 1 - fixed / c.curr_price
        else:
            fixed = c.init_price * (1 + sl)
            trailing = c.curr_price * (1 + tsl)
            if trailing <= fixed:
                kind, stop = KIND_TRAIL, tsl
            else:
                kind, stop = KIND_FIXED, fixed / c.curr_price - 1
        kind_at[c.i, c.col] = kind
    if not np.isnan(stop):
        px = stop_hit_nb(c.position_now, c.curr_price, stop, open_[c.i], low[c.i], high[c.i], True)
        if not np.isnan(px):
            fired[c.i, c.col] = kind | (FIRED_SHORT if c.position_now < 0 else 0)
            fired_price[c.i, c.col] = px
    return stop, trail


@njit
def stop_adjust_tp_nb(c, open_, high, low, fired, fired_price):
    # Called right after stop_adjust_sl_nb: vectorbt tests the take-profit only when the stop-loss
    # did not fire. Records a take-profit firing; returns the stop unchanged.
    if c.position_now != 0 and not np.isnan(c.curr_stop) and fired[c.i, c.col] == 0:
        px = stop_hit_nb(c.position_now, c.init_price, c.curr_stop, open_[c.i], low[c.i], high[c.i], False)
        if not np.isnan(px):
            fired[c.i, c.col] = FIRED_TP | (FIRED_SHORT if c.position_now < 0 else 0)
            fired_price[c.i, c.col] = px
    return c.curr_stop


def stop_args(tp: np.ndarray, sl: np.ndarray, tsl: np.ndarray):
    """Per-column tp_stop, sl_stop, sl_trail for the call (see README: 'How the stops are expressed')."""
    has_sl, has_tsl = ~np.isnan(sl), ~np.isnan(tsl)
    sl0 = np.where(has_tsl, tsl, np.where(has_sl, sl, np.nan))
    trail0 = has_tsl.copy()
    return tp.astype(np.float64), sl0.astype(np.float64), trail0


class Run:
    """One vectorbt call over all strategy columns of a batch, plus what is needed to read it.

    `rows`: the params rows (settings columns per refgen.settings; None = every default);
    `long_exits` / `short_exits`: bars x strategies booleans or None (no exit signals at all)."""

    # pass absent signal sides as all-False arrays rather than `False` (same results; one numba
    # signature for every batch, so a long-running process compiles the simulation once)
    ALWAYS_ARRAYS = False

    def __init__(self, bars, long_entries, short_entries, tp, sl, tsl, names, rows=None, long_exits=None,
                 short_exits=None):
        import vectorbt as vbt

        n = len(bars["close"])
        k = len(names)
        self.names = list(names)
        self.bars = bars
        self.tp, self.sl, self.tsl = tp, sl, tsl
        self.n, self.k = n, k
        self.settings = [settings.effective(r) for r in rows] if rows is not None else [dict(settings.DEFAULTS)] * k
        args = settings.call_arrays(self.settings)
        self.init_cash = args["init_cash"]
        # tz-naive UTC index: a tz-aware one makes vectorbt wrap outputs through slow object arrays;
        # results do not depend on the index (freq is given explicitly)
        idx = pd.DatetimeIndex(np.asarray(bars["timestamp"], dtype="datetime64[ns]"), name="timestamp_utc")
        self.kind_at = np.zeros((n, k), dtype=np.uint8)
        self.fired = np.zeros((n, k), dtype=np.uint8)
        self.fired_price = np.full((n, k), np.nan)
        self.long_entries, self.short_entries = long_entries, short_entries
        self.long_exits, self.short_exits = long_exits, short_exits
        tp_v, sl0, trail0 = stop_args(tp, sl, tsl)
        cols = pd.Index(self.names, name="strategy")

        def frame(a):  # `False` broadcasts like an all-False array (same results)
            if a is None and self.ALWAYS_ARRAYS:
                a = np.zeros((n, k), dtype=np.bool_)
            return pd.DataFrame(a, index=idx, columns=cols, copy=False) if a is not None else False

        ohl = tuple(np.ascontiguousarray(bars[f], dtype=np.float64) for f in ("open", "high", "low"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.pf = vbt.Portfolio.from_signals(
                pd.Series(bars["close"], index=idx, name="close"),
                entries=frame(long_entries),
                exits=frame(long_exits),
                short_entries=frame(short_entries),
                short_exits=frame(short_exits),
                open=pd.Series(bars["open"], index=idx),
                high=pd.Series(bars["high"], index=idx),
                low=pd.Series(bars["low"], index=idx),
                price=args["price"],
                size=args["size"],
                size_type=args["size_type"],
                accumulate=args["accumulate"],
                upon_opposite_entry=args["upon_opposite_entry"],
                upon_long_conflict=args["upon_long_conflict"],
                upon_short_conflict=args["upon_short_conflict"],
                upon_dir_conflict=args["upon_dir_conflict"],
                tp_stop=tp_v[None, :],
                sl_stop=sl0[None, :],
                sl_trail=trail0[None, :],
                stop_entry_price=args["stop_entry_price"],
                stop_exit_price=args["stop_exit_price"],
                upon_stop_exit=args["upon_stop_exit"],
                adjust_sl_func_nb=stop_adjust_sl_nb,
                adjust_sl_args=(sl.astype(np.float64), tsl.astype(np.float64), *ohl, self.kind_at, self.fired,
                                self.fired_price),
                adjust_tp_func_nb=stop_adjust_tp_nb,
                adjust_tp_args=(*ohl, self.fired, self.fired_price),
                fees=args["fees"],
                fixed_fees=args["fixed_fees"],
                slippage=args["slippage"],
                init_cash=self.init_cash,
                freq=FREQ,
                group_by=False,
                cash_sharing=False,
            )
        if list(self.pf.wrapper.columns) != self.names:
            raise AssertionError("vectorbt column order differs from params order")

    # ------------------------------------------------------------------ trades
    def trade_records(self) -> np.ndarray:
        rec = self.pf.exit_trades.values
        order = np.lexsort((rec["id"], rec["col"]))
        return rec[order]

    def exit_reasons(self, rec: np.ndarray) -> np.ndarray:
        """open -> `end`; closed on a bar where a stop of the trade's position fired -> that stop
        (`sl`, `tsl`, `tp`; a fired stop skips the bar's signals, so its order is the exit);
        otherwise `signal`. Raises where the records contradict this (see check_orders)."""
        m = len(rec)
        reasons = np.empty(m, dtype=object)
        closed = rec["status"] == 1
        reasons[~closed] = "end"
        x, c = rec["exit_idx"].astype(np.int64), rec["col"].astype(np.int64)
        f = self.fired[x, c]
        short = rec["direction"] == 1
        for j in np.nonzero(closed)[0]:
            fj = int(f[j])
            if fj == 0:
                reasons[j] = "signal"
                continue
            if bool(fj & FIRED_SHORT) != bool(short[j]):
                raise AssertionError(
                    f"strategy {self.names[c[j]]}: a stop of the other direction fired on the exit bar "
                    f"(trade entry_idx={rec['entry_idx'][j]} exit_idx={x[j]})"
                )
            reasons[j] = REASON_OF[fj & ~FIRED_SHORT]
        return reasons

    def _fill_price(self, c: int, i: int, is_buy: bool) -> float:
        """The price vectorbt fills the stop order at on bar i (stop_exit_price, slippage applied
        as in its buy/sell functions)."""
        e = self.settings[c]
        mode = e["stop_exit_price"]
        if mode == "StopLimit":
            return self.fired_price[i, c]
        slip = e["slippage"]
        if mode == "StopMarket":
            p = self.fired_price[i, c]
        elif mode == "Close" or e["price"] == "Close":
            p = self.bars["close"][i]
        else:
            p = self.bars["open"][i]
        return p * (1 + slip) if is_buy else p * (1 - slip)

    def check_orders(self, rec: np.ndarray) -> None:
        """Consistency of the records with the labels; raises naming the strategy:
        - one order per column and bar; one closed trade per exit order, on the side that closes it;
        - every order opens a position, closes (part of) one, or both, except adding orders (in
          columns that accumulate, or where vectorbt's trade builder sees an add);
        - a stop exit's order price is the stop's fill price (stop_exit_price, slippage);
        - a signal exit has a signal that can close it on its bar (an exit of its side or an
          opposite entry)."""
        orders = self.pf.orders.values
        okey = orders["col"].astype(np.int64) * self.n + orders["idx"].astype(np.int64)
        if len(np.unique(okey)) != len(okey):
            raise AssertionError("more than one order on a bar of one column")
        where = {int(k): j for j, k in enumerate(okey)}
        closed = rec[rec["status"] == 1]
        reasons = self.reasons[rec["status"] == 1]
        explained = set(int(v) for v in rec["col"].astype(np.int64) * self.n + rec["entry_idx"].astype(np.int64))
        seen = set()
        for t, why in zip(closed, reasons):
            c, x = int(t["col"]), int(t["exit_idx"])
            name = f"strategy {self.names[c]}, trade entry_idx={t['entry_idx']} exit_idx={x}"
            key = c * self.n + x
            if key in seen:
                raise AssertionError(f"two closed trades from one order ({name})")
            seen.add(key)
            explained.add(key)
            if key not in where:
                raise AssertionError(f"closed trade without an order on its exit bar ({name})")
            o = orders[where[key]]
            is_long = t["direction"] == 0
            if (o["side"] == ORDER_BUY) == is_long:
                raise AssertionError(f"exit order on the wrong side ({name})")
            if why == "signal":
                le = self.long_entries is not None and self.long_entries[x, c]
                se = self.short_entries is not None and self.short_entries[x, c]
                lx = self.long_exits is not None and self.long_exits[x, c]
                sx = self.short_exits is not None and self.short_exits[x, c]
                if not ((lx or se) if is_long else (sx or le)):
                    raise AssertionError(f"signal exit without a closing signal on its bar ({name})")
            else:
                want = self._fill_price(c, x, not is_long)
                if o["price"] != want:
                    raise AssertionError(f"{why} exit at {o['price']!r}, the stop fills at {want!r} ({name})")
        for j in range(len(orders)):
            c, i = int(orders["col"][j]), int(orders["idx"][j])
            if int(okey[j]) in explained or self.settings[c]["accumulate"] in ("Both", "AddOnly"):
                continue
            # vectorbt's trade builder sums the order sizes: after a run of partial (Percent) exits a
            # close can leave a residue it counts as open, and the next entry becomes an add to
            # that trade (the simulation had the position at 0). Accept an order that adds on the
            # side of a trade open across its bar.
            side_long = orders["side"][j] == ORDER_BUY
            across = (rec["col"] == c) & (rec["entry_idx"] < i) & (rec["exit_idx"] >= i) & ((rec["direction"] == 0) == side_long)
            if not across.any():
                raise AssertionError(f"strategy {self.names[c]}: order on bar {i} neither opens nor closes a trade")

    def trades_table(self) -> pa.Table:
        rec = self.trade_records()
        self.reasons = self.exit_reasons(rec)
        self.check_orders(rec)
        col = rec["col"]
        trade_id = np.zeros(len(rec), dtype=np.int64)
        if len(rec):
            starts = np.r_[0, np.nonzero(np.diff(col))[0] + 1]
            for s, e in zip(starts, np.r_[starts[1:], len(rec)]):
                trade_id[s:e] = np.arange(e - s)
        ts_ms = self.bars["timestamp"] // 1_000_000
        ms = pa.timestamp("ms", tz="UTC")
        names = np.array(self.names, dtype=object)
        return pa.table(
            {
                "strategy": pa.array(names[col].tolist() if len(rec) else [], type=pa.string()),
                "trade_id": pa.array(trade_id, type=pa.int64()),
                "direction": pa.array(np.where(rec["direction"] == 0, "long", "short").tolist(), type=pa.string()),
                "status": pa.array(np.where(rec["status"] == 1, "closed", "open").tolist(), type=pa.string()),
                "entry_idx": pa.array(rec["entry_idx"].astype(np.int64), type=pa.int64()),
                "entry_time": pa.array(ts_ms[rec["entry_idx"]], type=pa.int64()).cast(ms),
                "entry_price": pa.array(rec["entry_price"], type=pa.float64()),
                "entry_fees": pa.array(rec["entry_fees"], type=pa.float64()),
                "exit_idx": pa.array(rec["exit_idx"].astype(np.int64), type=pa.int64()),
                "exit_time": pa.array(ts_ms[rec["exit_idx"]], type=pa.int64()).cast(ms),
                "exit_price": pa.array(rec["exit_price"], type=pa.float64()),
                "exit_fees": pa.array(rec["exit_fees"], type=pa.float64()),
                "size": pa.array(rec["size"], type=pa.float64()),
                "pnl": pa.array(rec["pnl"], type=pa.float64()),
                "return": pa.array(rec["return"], type=pa.float64()),
                "exit_reason": pa.array(self.reasons.tolist(), type=pa.string()),
            }
        )

    # ------------------------------------------------------------------ metrics and daily returns
    CELLS_PER_CHUNK = 30_000_000  # bars x columns per metrics chunk (bounds memory at full size)

    def metrics_and_daily(self):
        """metrics.parquet and daily_returns.parquet tables.

        Computed on column slices of the portfolio (`pf.iloc[a:b]`) to bound memory: columns are
        independent (no grouping, no cash sharing) and the slice gives bit-identical results.
        """
        keys = day_keys(self.bars["timestamp"])
        last = np.r_[np.nonzero(keys[1:] != keys[:-1])[0], len(keys) - 1]
        step = max(1, self.CELLS_PER_CHUNK // max(self.n, 1))
        parts, daily = [], []
        for a in range(0, self.k, step):
            b = min(self.k, a + step)
            sub = self.pf if (a == 0 and b == self.k) else self.pf.iloc[a:b]
            parts.append(self._metrics(sub, self.names[a:b]))
            value = sub.value()
            if list(value.columns) != self.names[a:b]:
                raise AssertionError("value(): unexpected column order")
            daily.append(value.to_numpy()[last])
            del value, sub
            gc.collect()  # vectorbt objects hold reference cycles (caches): free the slice now
        metrics = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
        out = {"strategy": pa.array(self.names, type=pa.string())}
        for name, v in metrics.items():
            t = pa.int64() if name in ("closed_trades", "open_trades") else pa.float64()
            out[name] = pa.array(v, type=t)
        v = np.concatenate(daily, axis=1)
        r = np.empty_like(v)
        r[0] = v[0] / self.init_cash - 1
        r[1:] = v[1:] / v[:-1] - 1
        dcols = {"date": pa.array(keys[last].astype(np.int32), type=pa.int32()).cast(pa.date32())}
        for j, name in enumerate(self.names):
            dcols[name] = pa.array(np.ascontiguousarray(r[:, j]), type=pa.float64())
        return pa.table(out), pa.table(dcols)

    @staticmethod
    def _metrics(pf, names):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            trades = pf.exit_trades
            closed = trades.closed
            cols = {
                "start_value": np.asarray(pf.init_cash, dtype=np.float64),
                "end_value": pf.final_value(),
                "total_return": pf.total_return(),
                "total_pnl": pf.total_profit(),
                "total_fees": pf.orders.fees.sum(),
                "closed_trades": closed.count(),
                "open_trades": trades.open.count(),
                "win_rate": closed.win_rate(),
                "best_trade_return": closed.returns.max(),
                "worst_trade_return": closed.returns.min(),
                "profit_factor": closed.profit_factor(),
                "expectancy": closed.expectancy(),
                "max_drawdown": pf.max_drawdown(),
                "sharpe": pf.sharpe_ratio(),
                "sortino": pf.sortino_ratio(),
                "calmar": pf.calmar_ratio(),
            }
        out = {}
        for name, v in cols.items():
            if isinstance(v, pd.Series):
                if list(v.index) != list(names):
                    raise AssertionError(f"metric {name}: unexpected column order")
                v = v.to_numpy()
            dt = np.int64 if name in ("closed_trades", "open_trades") else np.float64
            out[name] = np.asarray(v, dtype=dt)
        return out


def day_keys(timestamp_ns: np.ndarray) -> np.ndarray:
    """Pipeline-clock day of each bar as days since 1970-01-01: UTC -> America/Chicago, + 7 h, date."""
    t = pd.DatetimeIndex(pd.to_datetime(timestamp_ns, unit="ns", utc=True)).tz_convert(DAY_TZ)
    t = t + pd.Timedelta(hours=DAY_SHIFT_HOURS)
    local = t.tz_localize(None)  # wall-clock time in Chicago (+7 h)
    return local.to_numpy().astype("datetime64[D]").astype(np.int64)
