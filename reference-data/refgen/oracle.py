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

FEES = 0.0002
SLIPPAGE = 0.0002
INIT_CASH = 100_000.0
FREQ = "1min"
DAY_TZ = "America/Chicago"
DAY_SHIFT_HOURS = 7

KIND_FIXED = 1  # the fixed stop-loss level was the tighter one on that bar
KIND_TRAIL = 2  # the trailing level was the tighter one on that bar


@njit
def two_stop_adjust_nb(c, sl_arr, tsl_arr, kind_at):
    # Expresses "sl and tsl both set" with vectorbt's single stop-loss: each bar, the tighter of
    # the fixed level entry*(1-sl) and the trailing level peak*(1-tsl) (mirrored for shorts) is
    # returned as a stop fraction relative to the running peak/trough, with trailing on.
    # simrun's kernel mirrors this arithmetic bit for bit: do not simplify it.
    sl = sl_arr[c.col]
    tsl = tsl_arr[c.col]
    if c.position_now == 0 or np.isnan(sl) or np.isnan(tsl):
        return c.curr_stop, c.curr_trail
    if c.position_now > 0:
        fixed = c.init_price * (1 - sl)
        trail = c.curr_price * (1 - tsl)
        if trail >= fixed:
            kind_at[c.i, c.col] = 2  # trailing level is the tighter one
            return tsl, True
        kind_at[c.i, c.col] = 1  # fixed level is the tighter one
        return 1 - fixed / c.curr_price, True
    fixed = c.init_price * (1 + sl)
    trail = c.curr_price * (1 + tsl)
    if trail <= fixed:
        kind_at[c.i, c.col] = 2
        return tsl, True
    kind_at[c.i, c.col] = 1
    return fixed / c.curr_price - 1, True


def stop_args(tp: np.ndarray, sl: np.ndarray, tsl: np.ndarray):
    """Per-column tp_stop, sl_stop, sl_trail for the call (see README: 'How the stops are expressed')."""
    has_sl, has_tsl = ~np.isnan(sl), ~np.isnan(tsl)
    sl0 = np.where(has_tsl, tsl, np.where(has_sl, sl, np.nan))
    trail0 = has_tsl.copy()
    return tp.astype(np.float64), sl0.astype(np.float64), trail0


class Run:
    """One vectorbt call over all strategy columns of a batch, plus what is needed to read it."""

    def __init__(self, bars, long_entries, short_entries, tp, sl, tsl, names):
        import vectorbt as vbt

        n = len(bars["close"])
        k = len(names)
        self.names = list(names)
        self.bars = bars
        self.tp, self.sl, self.tsl = tp, sl, tsl
        self.n, self.k = n, k
        # tz-naive UTC index: a tz-aware one makes vectorbt wrap outputs through slow object arrays;
        # results do not depend on the index (freq is given explicitly)
        idx = pd.DatetimeIndex(np.asarray(bars["timestamp"], dtype="datetime64[ns]"), name="timestamp_utc")
        self.kind_at = np.zeros((n, k), dtype=np.uint8)
        self.long_entries = long_entries
        self.short_entries = short_entries
        tp_v, sl0, trail0 = stop_args(tp, sl, tsl)
        cols = pd.Index(self.names, name="strategy")
        le = pd.DataFrame(long_entries, index=idx, columns=cols, copy=False) if long_entries is not None else False
        se = pd.DataFrame(short_entries, index=idx, columns=cols, copy=False) if short_entries is not None else False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.pf = vbt.Portfolio.from_signals(
                pd.Series(bars["close"], index=idx, name="close"),
                entries=le,
                short_entries=se,
                open=pd.Series(bars["open"], index=idx),
                high=pd.Series(bars["high"], index=idx),
                low=pd.Series(bars["low"], index=idx),
                size=np.inf,
                tp_stop=tp_v[None, :],
                sl_stop=sl0[None, :],
                sl_trail=trail0[None, :],
                adjust_sl_func_nb=two_stop_adjust_nb,
                adjust_sl_args=(sl.astype(np.float64), tsl.astype(np.float64), self.kind_at),
                fees=FEES,
                slippage=SLIPPAGE,
                init_cash=INIT_CASH,
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
        close, open_, high, low = self.bars["close"], self.bars["open"], self.bars["high"], self.bars["low"]
        m = len(rec)
        reasons = np.empty(m, dtype=object)
        col, status = rec["col"], rec["status"]
        same_next = np.zeros(m, dtype=np.bool_)
        if m > 1:
            same_next[:-1] = (
                (col[1:] == col[:-1])
                & (rec["entry_idx"][1:] == rec["exit_idx"][:-1])
                & (rec["parent_id"][1:] != rec["parent_id"][:-1])
            )
        for j in range(m):
            c = int(col[j])
            if status[j] == 0:
                reasons[j] = "end"
                continue
            if same_next[j]:
                reasons[j] = "signal"
                continue
            tp, sl, tsl = self.tp[c], self.sl[c], self.tsl[c]
            e, x = int(rec["entry_idx"][j]), int(rec["exit_idx"][j])
            px, is_long = rec["exit_price"][j], rec["direction"][j] == 0
            where = f"strategy {self.names[c]}, trade entry_idx={e} exit_idx={x}"
            if not (px == open_[x] or low[x] <= px <= high[x]):
                raise AssertionError(f"stop exit price outside the bar ({where})")
            self._check_not_signal(c, x, is_long, px, where)
            if not math.isnan(tp) and (
                (is_long and px >= close[e] * (1 + tp)) or (not is_long and px <= close[e] * (1 - tp))
            ):
                reasons[j] = "tp"
            elif not math.isnan(sl) and math.isnan(tsl):
                reasons[j] = "sl"
            elif math.isnan(sl) and not math.isnan(tsl):
                reasons[j] = "tsl"
            elif not math.isnan(sl) and not math.isnan(tsl):
                kind = self.kind_at[x, c]
                if kind == 0:
                    raise AssertionError(f"no stop kind recorded on the exit bar ({where})")
                reasons[j] = "tsl" if kind == KIND_TRAIL else "sl"
            else:
                raise AssertionError(f"closed trade fits no exit reason ({where})")
        return reasons

    def _check_not_signal(self, c, x, is_long, px, where):
        """A stop exit must not be confusable with a (partially filled) reversal order."""
        le = self.long_entries[x, c] if self.long_entries is not None else False
        se = self.short_entries[x, c] if self.short_entries is not None else False
        opposite = (se and not le) if is_long else (le and not se)
        if opposite:
            slipped = self.bars["close"][x] * (1 - SLIPPAGE) if is_long else self.bars["close"][x] * (1 + SLIPPAGE)
            if px == slipped:
                raise AssertionError(f"cannot tell a stop exit from a reversal order ({where})")

    def check_orders(self, rec: np.ndarray) -> None:
        """Every order is an entry, a trade exit, or both (a reversal): nothing else closes trades."""
        orders = self.pf.orders.values
        n_orders = np.bincount(orders["col"], minlength=self.k)
        positions = np.zeros(self.k, dtype=np.int64)
        for c in range(self.k):
            positions[c] = len(np.unique(rec["parent_id"][rec["col"] == c]))
        closed = np.bincount(rec["col"][rec["status"] == 1], minlength=self.k)
        reasons = self.reasons
        reversals = np.bincount(rec["col"][reasons == "signal"], minlength=self.k)
        expect = positions + closed - reversals
        bad = np.nonzero(n_orders != expect)[0]
        if len(bad):
            c = int(bad[0])
            raise AssertionError(
                f"strategy {self.names[c]}: {n_orders[c]} orders but {expect[c]} entries/exits explained"
            )

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
        r[0] = v[0] / INIT_CASH - 1
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
                "start_value": np.full(len(names), INIT_CASH),
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
