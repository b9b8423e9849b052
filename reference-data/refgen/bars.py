"""Synthetic 1-minute OHLCV bars.

Model (per asset, fully determined by the seed):
- log-volatility is an AR(1) process (slow mean reversion, half-life ~8 h) with an intraday
  seasonality and a boost after every jump -> volatility clustering (GARCH-like);
- minute returns are Student-t (df 5) scaled by that volatility, plus rare jumps;
- the log price is mean-reverting around the asset's centre so that it stays in a realistic range
  over two years (BTC ~30,000-60,000, ETH ~1,500-4,000);
- some minutes are missing (gaps in `timestamp`, a few long outages); the bar after a gap opens
  away from the previous close, and a small share of ordinary bars opens gapped as well;
- some bars are flat (open = high = low = close = previous close);
- prices are rounded to the tick (0.01) so exact touches of stop levels can happen.
"""
from __future__ import annotations

import zlib

import numpy as np
import pyarrow as pa
from scipy.signal import lfilter

START_NS = np.datetime64("2024-01-01T00:00:00", "ns").astype(np.int64)  # 2024-01-01 00:00 UTC
MINUTE_NS = 60 * 1_000_000_000

ASSETS = {
    # centre price, base per-minute volatility, stationary sd of log price, tick, volume scale
    "BTC": dict(centre=44_000.0, vol=0.0006, spread=0.085, tick=0.01, volume=4.0),
    "ETH": dict(centre=2_600.0, vol=0.0008, spread=0.10, tick=0.01, volume=60.0),
}


def name_code(name: str) -> int:
    """Stable integer for a name (used to derive random seeds)."""
    return zlib.crc32(name.encode("utf-8"))


def round_tick(x: np.ndarray, tick: float) -> np.ndarray:
    inv = round(1.0 / tick)
    return np.rint(x * inv) / inv


def make_bars(asset: str, n: int, seed: int) -> dict[str, np.ndarray]:
    """Return dict of numpy arrays: timestamp (int64 ns UTC), open, high, low, close, volume."""
    cfg = ASSETS[asset]
    rng = np.random.default_rng([seed, 1, name_code(asset)])
    base_vol, tick = cfg["vol"], cfg["tick"]

    # --- missing minutes: step between consecutive bars (1 = no gap)
    step = np.ones(n, dtype=np.int64)
    u = rng.random(n)
    short_gap = u < 0.004
    step[short_gap] += rng.geometric(0.3, size=int(short_gap.sum()))
    outage = u > 1.0 - 2e-5
    step[outage] += rng.integers(30, 240, size=int(outage.sum()))
    step[0] = 0
    minutes = np.cumsum(step)
    timestamp = START_NS + minutes * MINUTE_NS
    step[0] = 1

    # --- jumps
    jump = rng.random(n) < 2e-4
    jump_size = np.where(jump, rng.standard_t(3, size=n) * 0.004, 0.0)

    # --- log-volatility: AR(1) + jump feedback + intraday seasonality
    phi = 0.9986
    innov = rng.normal(0.0, 0.45 * np.sqrt(1 - phi * phi), size=n) + np.where(jump, 0.9, 0.0)
    h = lfilter([1.0], [1.0, -phi], innov)
    minute_of_day = (minutes + 0) % 1440
    season = 1.0 + 0.35 * np.cos(2 * np.pi * (minute_of_day - 15 * 60) / 1440.0)
    vol = base_vol * np.exp(h - 0.1) * season

    # --- returns and mean-reverting log price
    z = rng.standard_t(5, size=n) * np.sqrt(3.0 / 5.0)
    r = vol * z * np.sqrt(step) + jump_size
    kappa = 0.5 * (1.4 * base_vol / cfg["spread"]) ** 2  # 1.4: realised/base volatility
    d0 = rng.normal(0.0, cfg["spread"] * 0.4)
    r[0] += d0
    d = lfilter([1.0], [1.0, -(1.0 - kappa)], r)
    close_raw = cfg["centre"] * np.exp(d)

    # --- flat bars (no trade in that minute): close stays at the previous close
    flat = rng.random(n) < np.clip(0.03 * (base_vol / vol), 0.0, 0.15)
    flat[0] = False
    close = round_tick(close_raw, tick)
    # carry previous close through flat bars (runs of flats keep the same price)
    idx = np.where(flat, 0, np.arange(n))
    np.maximum.accumulate(idx, out=idx)
    close = close[idx]

    # --- opens: previous close, sometimes gapped (always after missing minutes)
    prev_close = np.empty(n)
    prev_close[0] = close[0]
    prev_close[1:] = close[:-1]
    gapped = (rng.random(n) < 0.01) | (step > 1)
    gap = rng.normal(0.0, 1.0, size=n) * vol * np.sqrt(step) * 0.8
    open_ = np.where(gapped, round_tick(prev_close * np.exp(gap), tick), prev_close)
    open_[0] = round_tick(np.array([close_raw[0] * np.exp(gap[0])]), tick)[0]

    # --- highs/lows around the body
    up = np.abs(rng.normal(0.0, 1.0, size=n)) * vol * 0.7
    dn = np.abs(rng.normal(0.0, 1.0, size=n)) * vol * 0.7
    body_hi = np.maximum(open_, close)
    body_lo = np.minimum(open_, close)
    high = np.maximum(round_tick(body_hi * np.exp(up), tick), body_hi)
    low = np.minimum(round_tick(body_lo * np.exp(-dn), tick), body_lo)

    flat_bar = flat & ~gapped
    open_[flat_bar] = close[flat_bar]
    high[flat_bar] = close[flat_bar]
    low[flat_bar] = close[flat_bar]

    # --- volume
    volume = cfg["volume"] * np.exp(rng.normal(0.0, 0.8, size=n)) * (vol / base_vol) ** 1.5
    volume = np.where(flat_bar, volume * 0.05, volume)
    volume = np.maximum(np.rint(volume * 1e4) / 1e4, 1e-4)

    bars = dict(timestamp=timestamp, open=open_, high=high, low=low, close=close, volume=volume)
    check_bars(bars)
    return bars


def check_bars(b: dict[str, np.ndarray]) -> None:
    o, h, l, c, v = b["open"], b["high"], b["low"], b["close"], b["volume"]
    for name in ("open", "high", "low", "close", "volume"):
        a = b[name]
        if not (np.all(np.isfinite(a)) and np.all(a > 0)):
            raise AssertionError(f"bars: {name} must be finite and > 0")
    if not (np.all(l <= o) and np.all(l <= c) and np.all(o <= h) and np.all(c <= h)):
        raise AssertionError("bars: OHLC inconsistent")
    ts = b["timestamp"]
    if not np.all(np.diff(ts) > 0) or np.any(ts % MINUTE_NS):
        raise AssertionError("bars: timestamps must be strictly increasing on the 1-minute grid")


BARS_SCHEMA = pa.schema(
    [
        ("timestamp", pa.timestamp("ns", tz="UTC")),
        ("open", pa.float64()),
        ("high", pa.float64()),
        ("low", pa.float64()),
        ("close", pa.float64()),
        ("volume", pa.float64()),
    ]
)


def bars_to_table(b: dict[str, np.ndarray]) -> pa.Table:
    arrays = [pa.array(b["timestamp"].astype(np.int64), type=pa.int64()).cast(pa.timestamp("ns", tz="UTC"))]
    arrays += [pa.array(np.asarray(b[k], dtype=np.float64)) for k in ("open", "high", "low", "close", "volume")]
    return pa.Table.from_arrays(arrays, schema=BARS_SCHEMA)


def table_to_bars(t: pa.Table) -> dict[str, np.ndarray]:
    ts = t.column("timestamp").cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64()).to_numpy()
    out = {"timestamp": np.asarray(ts, dtype=np.int64)}
    for k in ("open", "high", "low", "close", "volume"):
        out[k] = t.column(k).to_numpy().astype(np.float64, copy=False)
    return out
