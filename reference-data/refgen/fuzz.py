"""Differential fuzzing: random cases judged by vectorbt, for simrun's `npm run fuzz`.

A *case* is one strategy column. A *group* is one random bar series plus K cases of one direction;
it is written as its own asset `FZ<g>` and batch `FZ<g>_<direction>/batch_001` and costs one
vectorbt call. Everything is a function of (seed, group index): group g draws its bars from
`default_rng([seed, STREAM, g])` and case j from `default_rng([seed, STREAM, g, 1 + j])`, so a group
can be replayed alone and a shorter run is a prefix of a longer one.

What is drawn (see `fuzz_bars`, `fuzz_case`, `inject_touches`):
- bars: 20..4,000 of them; price level from 1e-8 to 1e12; tick-rounded or raw floats; clustered
  volatility from 0.01 % to 3 % a bar; missing minutes and outages of up to three days (gapped
  opens, DST switches and day cuts); limit-like jumps of 3 %..230 % at the open, half of them locked
  (o = h = l = c); flat bars (o = h = l = c = previous close) in runs; extreme bars (range up to
  x4.5); lows/highs set to a stop level of some case (entry close x (1 -/+ stop), the two-stop
  adjust-function level, the trailing level), exactly or one ulp off;
- signals: from none or one-in-2,000 to every bar, regimes and runs of entries; longshort with
  independent sides and some, many or all entries on both sides (same-bar conflicts);
- stops: each of tp/sl/tsl missing with probability 0.35; values from 1e-9 to 0.95 (some rounded
  to 4 decimals); tsl above, below or equal to sl;
- settings (refgen.variants.random_settings): a quarter of the cases keep every default, the others
  set each SPEC14 setting with probability 1/2: fees up to 50 %, slippage up to 60 %, initial cash
  from 5e-4 to 1e15, fixed fees up to twice the initial cash (orders rejected), every enum value,
  sizes in Amount/Value/Percent (inf or finite, also more than the cash buys); combinations for
  which vectorbt would raise on a Percent reversal are turned into Close modes;
- exits (refgen.variants.random_exits): per side no column (40 %) or from none to every bar,
  sometimes on the side's own entry bars (entry/exit conflicts) or on the opposite entries; long
  and short batches sometimes get the other side's exit column too.

The vectorbt call is refgen.oracle's `Run` (`FuzzRun`: absent signal sides are passed as all-False
arrays rather than `False`, same results, so that numba compiles the simulation once per process).
Exit reasons are the oracle's (fired stops recorded by the adjust functions). A case whose records
the oracle's consistency checks reject (an AssertionError naming its strategy) is dropped and
reported.

Protocol (`generate.py fuzz`): one JSON object per line on stdout (library output goes to stderr):
{"event": "group", ...} per group, then {"event": "done", ...}. With --serve the process then reads
JSON commands on stdin, one per line, and answers each with one line:
  {"cmd": "extract", "src": ROOT, "batch": "FZ3_long/batch_001", "strategy": "s007", "start": a,
   "end": b, "clear_long": [...], "clear_short": [...], "out": ROOT2, "asset": "NAME", "note": "..."}
    -> {"event": "extracted", ...} or {"event": "error", "message": ...}
  {"cmd": "quit"}
"""
from __future__ import annotations

import csv
import json
import math
import os
import re
import shutil
import sys
import time

import numpy as np

from . import io
from .bars import MINUTE_NS, bars_to_table, check_bars, table_to_bars
from .oracle import Run
from . import settings
from .batch import write_batch
from .variants import random_exits, random_settings

STREAM = 17
DIRECTIONS = ("long", "short", "longshort")
START_MIN = np.datetime64("2023-01-01T00:00", "m").astype(np.int64)
START_MAX = np.datetime64("2026-12-01T00:00", "m").astype(np.int64)
NAN = math.nan


# ============================================================================================ bars
def _round_tick(x: float, tick: float | None) -> float:
    if tick is None or x < 100 * tick:
        return x
    inv = round(1.0 / tick) if tick < 1 else None
    return float(np.rint(x * inv) / inv) if inv else float(np.rint(x / tick) * tick)


def fuzz_bars(rng: np.random.Generator) -> tuple[dict, dict]:
    """Random bars (dict of arrays as refgen.bars) and a short description."""
    n = int(rng.integers(*[(20, 100), (100, 1000), (1000, 4001)][rng.choice(3, p=[0.3, 0.5, 0.2])]))
    u = rng.random()
    level = 10 ** rng.uniform(-8, -3) if u < 0.1 else 10 ** rng.uniform(6, 12) if u < 0.2 else 10 ** rng.uniform(-2, 6)
    tick = 10.0 ** (math.floor(math.log10(level)) - int(rng.integers(1, 6))) if rng.random() < 0.6 else None
    sigma0 = 10 ** rng.uniform(-4, -1.5)
    p_gap = float(rng.choice([0.0, 0.005, 0.05, 0.3]))
    p_outage = float(rng.choice([0.0, 0.002, 0.01]))
    p_open_gap = float(rng.choice([0.0, 0.01, 0.1]))
    p_jump = float(rng.choice([0.0, 0.001, 0.01, 0.05]))
    p_flat = float(rng.choice([0.0, 0.02, 0.2, 0.6]))
    p_extreme = float(rng.choice([0.0, 0.003, 0.02]))

    # timestamps: 1-minute grid with missing minutes and outages
    step = np.ones(n, dtype=np.int64)
    gap = rng.random(n) < p_gap
    step[gap] += rng.geometric(0.3, size=int(gap.sum()))
    out = rng.random(n) < p_outage
    step[out] += rng.integers(30, 3 * 1440, size=int(out.sum()))
    step[0] = 0
    start = int(rng.integers(START_MIN, START_MAX))
    timestamp = (start + np.cumsum(step)) * MINUTE_NS
    step[0] = 1

    # clustered volatility: AR(1) log-volatility
    h = np.empty(n)
    x = rng.normal(0, 0.6)
    eps = rng.normal(0, 0.6 * math.sqrt(1 - 0.98**2), size=n)
    for i in range(n):
        x = 0.98 * x + eps[i]
        h[i] = x
    vol = sigma0 * np.exp(h)
    r = vol * rng.standard_t(4, size=n) * math.sqrt(0.5)
    jump = rng.random(n) < p_jump
    jump_size = rng.choice([-1.0, 1.0], size=n) * rng.uniform(0.03, 1.2, size=n)
    locked = rng.random(n) < 0.5
    open_gap = (rng.random(n) < p_open_gap) | (step > 1)
    gap_size = rng.normal(0, 1, size=n) * vol * np.sqrt(step) * 2
    flat = rng.random(n) < p_flat
    flat_run = rng.random(n) < 0.5  # a flat bar extends into the next bar too
    extreme = rng.random(n) < p_extreme
    up = np.abs(rng.normal(0, 1, size=n)) * vol * 0.8
    dn = np.abs(rng.normal(0, 1, size=n)) * vol * 0.8
    ext_up, ext_dn = rng.uniform(0.05, 1.5, size=n), rng.uniform(0.05, 1.5, size=n)

    o, hi, lo, c = (np.empty(n) for _ in range(4))
    lc = math.log(level)
    centre = lc
    prev = level
    in_flat = False
    for i in range(n):
        if i > 0 and (flat[i] or (in_flat and flat_run[i])) and not jump[i]:
            o[i] = hi[i] = lo[i] = c[i] = prev
            in_flat = True
            continue
        in_flat = False
        g = jump_size[i] if jump[i] else (gap_size[i] if open_gap[i] else 0.0)
        op = prev * math.exp(g) if i > 0 else level
        if jump[i] and locked[i]:
            cl = op
            h_, l_ = op, op
        else:
            lc_new = math.log(op) + r[i] - 0.002 * (math.log(op) - centre)
            cl = math.exp(lc_new)
            h_ = max(op, cl) * math.exp(up[i])
            l_ = min(op, cl) * math.exp(-dn[i])
            if extreme[i]:
                h_ *= math.exp(ext_up[i])
                l_ *= math.exp(-ext_dn[i])
        op, cl, h_, l_ = (_round_tick(v, tick) for v in (op, cl, h_, l_))
        h_ = max(h_, op, cl)
        l_ = min(l_, op, cl)
        if not (l_ > 0 and math.isfinite(h_)):
            op = cl = h_ = l_ = prev
        o[i], hi[i], lo[i], c[i] = op, h_, l_, cl
        prev = cl
    bars = dict(timestamp=timestamp, open=o, high=hi, low=lo, close=c, volume=np.ones(n))
    desc = dict(
        bars=n, level=float(level), tick=tick, sigma=float(sigma0), p_gap=p_gap, p_outage=p_outage,
        p_open_gap=p_open_gap, p_jump=p_jump, p_flat=p_flat, p_extreme=p_extreme,
    )
    return bars, desc


# ============================================================================================ cases
def _stop_value(rng: np.random.Generator) -> float:
    u = rng.random()
    if u < 0.1:
        x = 10 ** rng.uniform(-9, -5)
    elif u < 0.85:
        x = 10 ** rng.uniform(-4, -1)
    else:
        x = rng.uniform(0.1, 0.95)
    if rng.random() < 0.3 and round(x, 4) > 0:
        x = round(x, 4)
    return float(x)


def _stops(rng: np.random.Generator) -> tuple[float, float, float, str]:
    tp = _stop_value(rng) if rng.random() < 0.65 else NAN
    sl = _stop_value(rng) if rng.random() < 0.65 else NAN
    tsl = _stop_value(rng) if rng.random() < 0.65 else NAN
    rel = ""
    if not math.isnan(sl) and not math.isnan(tsl):
        rel = str(rng.choice(["gt", "lt", "eq", "any"]))
        if rel == "gt":
            tsl = float(min(sl * rng.uniform(1.01, 3.0), 0.99))
            tsl = tsl if tsl > sl else float(np.nextafter(sl, 1.0))
        elif rel == "lt":
            tsl = float(sl * rng.uniform(0.2, 0.99))
        elif rel == "eq":
            tsl = sl
    return tp, sl, tsl, rel


def _side(rng: np.random.Generator, n: int) -> tuple[np.ndarray, str]:
    p = float(rng.choice([0.0, 0.0005, 0.003, 0.02, 0.1, 0.3, 0.7, 1.0], p=[0.03, 0.1, 0.17, 0.25, 0.2, 0.1, 0.08, 0.07]))
    e = rng.random(n) < p
    tags = [f"p{p:g}"]
    if p < 1 and rng.random() < 0.3:  # quiet/active regimes
        active = np.zeros(n, dtype=np.bool_)
        pos, on = 0, bool(rng.random() < 0.5)
        while pos < n:
            length = int(rng.geometric(1.0 / rng.uniform(5, 200)))
            if on:
                active[pos : pos + length] = True
            pos += length
            on = not on
        e = np.where(active, rng.random(n) < min(1.0, 5 * p + 0.05), e & (rng.random(n) < 0.2))
        tags.append("regime")
    if p < 1 and rng.random() < 0.3:  # runs of consecutive entries
        starts = e & (rng.random(n) < 0.5)
        run_len = rng.integers(1, 11, size=n)
        for k in range(1, 11):
            m = starts & (run_len >= k)
            e[k:] |= m[:-k]
        tags.append("runs")
    if n and rng.random() < 0.05:
        e[0] = True
    if n and rng.random() < 0.05:
        e[-1] = True
    return e, "+".join(tags)


def _entries_and_stops(rng: np.random.Generator, n: int, direction: str):
    tp, sl, tsl, rel = _stops(rng)
    long_e = short_e = None
    if direction == "long":
        long_e, tags = _side(rng, n)
    elif direction == "short":
        short_e, tags = _side(rng, n)
    else:
        long_e, lt = _side(rng, n)
        short_e, st = _side(rng, n)
        mode = str(rng.choice(["indep", "some", "many", "all", "mirror"], p=[0.35, 0.3, 0.15, 0.1, 0.1]))
        if mode in ("some", "many"):
            q = 0.1 if mode == "some" else 0.6
            both = (long_e & (rng.random(n) < q)) | (short_e & (rng.random(n) < q))
            long_e |= both
            short_e |= both
        elif mode == "all":
            short_e = long_e.copy()
        elif mode == "mirror":  # a short entry right after each long one: quick reversals
            short_e = np.zeros(n, dtype=np.bool_)
            short_e[1:] = long_e[:-1] & ~long_e[1:]
        tags = f"L{lt};S{st};{mode}"
    family = f"{tags};{rel}" if rel else tags
    return dict(tp_stop=tp, sl_stop=sl, tsl_stop=tsl, family=family), long_e, short_e


def fuzz_case(rng: np.random.Generator, n: int, direction: str, level: float = 1.0):
    """One case: its params row (stops, settings, has_*_exit), entries and exits (None = absent)."""
    row, long_e, short_e = _entries_and_stops(rng, n, direction)
    any_stop = not all(math.isnan(row[k]) for k in ("tp_stop", "sl_stop", "tsl_stop"))
    both = direction == "longshort"  # simrun's rule: a longshort batch has entries on both sides
    sets, stag = random_settings(rng, level, both, any_stop)
    # the batch direction's exit side mostly; the other side sometimes (acts only after a stop reversal)
    if direction == "longshort":
        long_x, lxt = random_exits(rng, n, long_e, short_e)
        short_x, sxt = random_exits(rng, n, short_e, long_e)
    elif direction == "long":
        long_x, lxt = random_exits(rng, n, long_e, None)
        short_x, sxt = random_exits(rng, n, None, long_e) if rng.random() < 0.3 else (None, "")
    else:
        short_x, sxt = random_exits(rng, n, short_e, None)
        long_x, lxt = random_exits(rng, n, None, short_e) if rng.random() < 0.3 else (None, "")
    row.update(sets)
    row["has_long_exit"], row["has_short_exit"] = long_x is not None, short_x is not None
    xt = ";".join(t for t in (f"LX{lxt}" if lxt else "", f"SX{sxt}" if sxt else "") if t)
    row["family"] = ";".join(t for t in (row["family"], stag.replace(",", "/"), xt) if t)
    return row, long_e, short_e, long_x, short_x


def inject_touches(rng: np.random.Generator, bars: dict, rows: list[dict]) -> int:
    """Set some lows/highs to a stop level of some case, exactly or one ulp off (widening the bar)."""
    o, hi, lo, c = bars["open"], bars["high"], bars["low"], bars["close"]
    n = len(c)
    stops = [(r["tp_stop"], r["sl_stop"], r["tsl_stop"]) for r in rows]
    stops = [s for s in stops if not all(math.isnan(v) for v in s)]
    if n < 3 or not stops or rng.random() < 0.3:
        return 0
    count = int(rng.poisson(max(1.0, n * rng.choice([0.005, 0.02, 0.1]))))
    done = 0
    for _ in range(count):
        i = int(rng.integers(2, n))
        j = int(rng.integers(max(0, i - 40), i))
        tp, sl, tsl = stops[int(rng.integers(len(stops)))]
        peak = max(c[j], hi[j + 1 : i].max()) if i > j + 1 else c[j]
        trough = min(c[j], lo[j + 1 : i].min()) if i > j + 1 else c[j]
        kind = int(rng.integers(8))
        x = [tp, sl, tsl][int(rng.integers(3))]
        if math.isnan(x):
            continue
        with np.errstate(all="ignore"):
            if kind == 0:
                level, side = c[j] * (1 - x), "low"  # long sl / short tp
            elif kind == 1:
                level, side = c[j] * (1 + x), "high"  # short sl / long tp
            elif kind == 2:
                level, side = peak * (1 - x), "low"  # long trailing
            elif kind == 3:
                level, side = trough * (1 + x), "high"  # short trailing
            elif kind in (4, 5) and not math.isnan(sl):
                fixed = c[j] * (1 - sl)
                level, side = peak * (1 - (1 - fixed / peak)), "low"  # long sl+tsl adjust-function level
            elif kind in (6, 7) and not math.isnan(sl):
                fixed = c[j] * (1 + sl)
                level, side = trough * (1 + (fixed / trough - 1)), "high"
            else:
                continue
        ulp = int(rng.integers(-1, 2))
        if ulp:
            level = float(np.nextafter(level, math.inf if ulp > 0 else 0.0))
        if not (level > 0 and math.isfinite(level)):
            continue
        if side == "low" and level <= min(o[i], c[i]):
            lo[i] = min(lo[i], level) if rng.random() < 0.3 else level
            done += 1
        elif side == "high" and level >= max(o[i], c[i]):
            hi[i] = max(hi[i], level) if rng.random() < 0.3 else level
            done += 1
    return done


def make_group(seed: int, g: int, k: int) -> dict:
    rng = np.random.default_rng([seed, STREAM, g])
    direction = DIRECTIONS[int(rng.integers(3))]
    bars, desc = fuzz_bars(rng)
    n = len(bars["close"])
    rows = []
    sig = {name: np.zeros((n, k), dtype=np.bool_, order="F") for name in ("long", "short", "long_x", "short_x")}
    for j in range(k):
        row, *arrs = fuzz_case(np.random.default_rng([seed, STREAM, g, 1 + j]), n, direction, float(bars["close"][0]))
        rows.append({"strategy": f"s{j:03d}", **row})
        for name, a in zip(sig, arrs):
            if a is not None:
                sig[name][:, j] = a
    desc["touches"] = inject_touches(rng, bars, rows)
    check_bars(bars)
    for row in rows:
        # vectorbt takes a valuation price within 1e-12 of 0 as 0 and raises on a Value size
        # ("val_price_now must be finite and greater than 0"); simrun refuses such a batch up front
        if row.get("size_type") == "Value":
            price = bars["open"] if row.get("price") == "Open" else bars["close"]
            if float(np.min(price)) <= settings.VALUE_MIN_PRICE:
                del row["size_type"]
                row.pop("size", None)
                row["family"] += ";value->amount(tiny prices)"
    return dict(asset=f"FZ{g}", direction=direction, bars=bars, rows=rows, desc=desc, **sig)


# ============================================================================================ oracle
class FuzzRun(Run):
    """refgen.oracle.Run with every signal side passed as an array (one numba signature for all
    groups of a run)."""

    ALWAYS_ARRAYS = True


# ============================================================================================ writing
AMBIGUOUS = re.compile(r"strategy (s\d{3,})\b")


def write_case_batch(root: str, asset: str, direction: str, bars: dict, rows: list[dict], long_e, short_e, long_x,
                     short_x):
    """Bars + batch under root, judged by vectorbt. A case whose trades the oracle cannot label
    (refgen.oracle raises naming its strategy, e.g. a stop exit indistinguishable from a reversal)
    is dropped and the batch rewritten without it. Returns (summary or None, dropped)."""
    os.makedirs(os.path.join(root, asset), exist_ok=True)
    io.write_parquet(bars_to_table(bars), os.path.join(root, asset, "ohlcv.parquet"))
    bdir = os.path.join(root, f"{asset}_{direction}", "batch_001")
    dropped = []
    while rows:
        try:
            return write_batch(bdir, bars, rows, direction, long_e, short_e, long_x=long_x, short_x=short_x,
                               run_class=FuzzRun), dropped
        except AssertionError as e:
            m = AMBIGUOUS.search(str(e))
            names = [r["strategy"] for r in rows]
            if not m or m.group(1) not in names:
                raise
            j = names.index(m.group(1))
            dropped.append(dict(strategy=m.group(1), reason=str(e)))
            rows = rows[:j] + rows[j + 1 :]
            long_e, short_e, long_x, short_x = (np.asfortranarray(np.delete(a, j, axis=1)) for a in (long_e, short_e, long_x, short_x))
    shutil.rmtree(bdir, ignore_errors=True)
    return None, dropped


def read_params(path: str) -> list[dict]:
    """params.csv rows: stops as floats (NaN = off), settings parsed (empty = absent), other
    columns as text."""
    with open(path, newline="") as f:
        rd = csv.DictReader(f)
        out = []
        for r in rd:
            row = {"strategy": r["strategy"]}
            for key in ("tp_stop", "sl_stop", "tsl_stop"):
                row[key] = float(r[key]) if r[key].strip() else NAN
            for key, v in r.items():
                if key in settings.COLUMNS:
                    v = settings.parse_cell(key, v)
                    if v is not None:
                        row[key] = v
                elif key not in row:
                    row[key] = v
            out.append(row)
    return out


def extract(src: str, batch: str, strategy: str, start: int, end: int | None, out: str, asset: str,
            clear_long=(), clear_short=(), note: str | None = None) -> dict:
    """One case of a batch, bars [start, end) (original indices), entries at the given original bar
    indices cleared, written as asset `asset` (batch `<asset>_<direction>/batch_001`) under `out`,
    with fresh vectorbt outputs."""
    group, bname = batch.strip("/").split("/")
    src_asset, direction = group.rsplit("_", 1)
    if direction not in DIRECTIONS:
        raise ValueError(f"bad batch name {batch!r}")
    bars = table_to_bars(io.read_parquet(os.path.join(src, src_asset, "ohlcv.parquet")))
    bdir = os.path.join(src, group, bname)
    rows = [r for r in read_params(os.path.join(bdir, "params.csv")) if r["strategy"] == strategy]
    if not rows:
        raise ValueError(f"no strategy {strategy!r} in {bdir}/params.csv")
    sig = io.read_parquet(os.path.join(bdir, "signals.parquet"))
    n = len(bars["close"])
    end = n if end is None else int(end)
    start = int(start)
    if not (0 <= start < end <= n):
        raise ValueError(f"bad bar range [{start}, {end}) of {n} bars")

    def side(name, clear=()):
        col = f"{strategy}:{name}" if direction == "longshort" or name.endswith("exit") else strategy
        if (direction == "long" and name == "short") or (direction == "short" and name == "long"):
            return np.zeros(end - start, dtype=np.bool_)
        if col not in sig.column_names:
            return np.zeros(end - start, dtype=np.bool_)
        e = np.asarray(sig.column(col).to_numpy(zero_copy_only=False), dtype=np.bool_).copy()
        idx = np.asarray([i for i in clear if start <= i < end], dtype=np.int64)
        e[idx] = False
        return e[start:end]

    le, se = side("long", clear_long), side("short", clear_short)
    lx, sx = side("long_exit"), side("short_exit")
    cut = {k: np.ascontiguousarray(v[start:end]) for k, v in bars.items()}
    row = dict(rows[0])
    row["has_long_exit"] = f"{strategy}:long_exit" in sig.column_names
    row["has_short_exit"] = f"{strategy}:short_exit" in sig.column_names
    if note is not None:
        row["family"] = note
    col = lambda a: a[:, None].copy(order="F")  # noqa: E731
    summary, dropped = write_case_batch(out, asset, direction, cut, [row], col(le), col(se), col(lx), col(sx))
    if summary is None:
        raise ValueError(f"the oracle cannot label this case: {dropped[0]['reason']}")
    return dict(
        batch=f"{asset}_{direction}/batch_001", bars=end - start, start=start, end=end,
        long=(np.nonzero(le)[0] + start).tolist() if direction != "short" else [],
        short=(np.nonzero(se)[0] + start).tolist() if direction != "long" else [],
        trades=summary["trades"], reasons=summary["reasons"],
    )


def coverage(rows: list[dict]) -> dict:
    """How many of the cases set each setting to a non-default value (`<setting>`) and how many
    have exit columns (`exits`), or leave everything at the pipeline's call (`default`)."""
    out = {k: 0 for k in settings.COLUMNS}
    out["exits"] = out["default"] = 0
    for r in rows:
        e = settings.effective(r)
        changed = [k for k in settings.COLUMNS if e[k] != settings.DEFAULTS[k]]
        for k in changed:
            out[k] += 1
        exits = bool(r.get("has_long_exit") or r.get("has_short_exit"))
        out["exits"] += exits
        out["default"] += not changed and not exits
    return out


# ============================================================================================ driver
class Protocol:
    """JSON lines on the real stdout; anything libraries print goes to stderr."""

    def __init__(self):
        self.out = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr

    def send(self, obj: dict) -> None:
        self.out.write(json.dumps(obj, allow_nan=False, default=_json_default) + "\n")
        self.out.flush()


def _json_default(x):
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    raise TypeError(type(x))


def run(out: str, seed: int, cases: int, group_size: int, groups=None, serve: bool = False) -> None:
    proto = Protocol()
    t0 = time.time()
    io.ensure_writable_dir(out)
    n_groups = -(-cases // group_size)
    todo = list(range(n_groups)) if groups is None else [g for g in groups if 0 <= g < n_groups]
    proto.send(dict(event="start", seed=seed, cases=cases, group_size=group_size, groups=n_groups, todo=len(todo)))
    for g in todo:
        t = time.time()
        k = min(group_size, cases - g * group_size)
        grp = make_group(seed, g, k)
        summary, dropped = write_case_batch(out, grp["asset"], grp["direction"], grp["bars"], grp["rows"], grp["long"],
                                            grp["short"], grp["long_x"], grp["short_x"])
        proto.send(dict(
            event="group", g=g, asset=grp["asset"], direction=grp["direction"],
            batch=f"{grp['asset']}_{grp['direction']}/batch_001" if summary else None,
            cases=k - len(dropped), dropped=dropped, trades=summary["trades"] if summary else 0,
            desc=grp["desc"], coverage=coverage(grp["rows"]), seconds=round(time.time() - t, 3),
        ))
    proto.send(dict(event="done", seconds=round(time.time() - t0, 3)))
    if not serve:
        return
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
            if cmd.get("cmd") == "quit":
                break
            if cmd.get("cmd") != "extract":
                raise ValueError(f"unknown command {cmd.get('cmd')!r}")
            res = extract(cmd["src"], cmd["batch"], cmd["strategy"], cmd.get("start", 0), cmd.get("end"), cmd["out"],
                          cmd["asset"], cmd.get("clear_long", ()), cmd.get("clear_short", ()), cmd.get("note"))
            proto.send(dict(event="extracted", **res))
        except Exception as e:  # noqa: BLE001  (reported to the driver, which decides)
            proto.send(dict(event="error", message=f"{type(e).__name__}: {e}"))
