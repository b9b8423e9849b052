#!/usr/bin/env python3
"""vectorbt side of simrun's benchmark: times `Portfolio.from_signals` on one batch.

    vectorbt_bench.py --batch BTC_long/batch_001 --data reference-data/full [--reps 3]
                      [--whole-reps 2] [--out DIR] [--measure sim-exact,whole-exact,...]

Prints ONE JSON object on stdout (progress goes to stderr). Every measurement runs in a fresh
Python process (this script with --child), so that its peak RSS (ru_maxrss) and its JIT compile
time are its own.

Measurements (--measure, comma separated):
  sim-exact         the exact reference call (refgen.oracle.Run: from_signals with the custom
                    two-stop adjust_sl_func_nb). One warm-up call on a small slice (JIT compile),
                    then --reps timed calls on the whole batch; exit_trades timed separately.
  sim-plain-numba   a DIFFERENT call: the same arguments without the two-stop adjustment
                    (tp_stop, sl_stop/sl_trail from refgen.oracle.stop_args), engine='numba'.
                    Its trades are not the reference's and are not compared.
  sim-plain-rust    the same different call with engine='rust' (vectorbt-rust).
  whole-exact       read parquet/csv -> exact call -> trades table (refgen's, with exit reasons)
                    -> write trades.parquet, in a fresh process (imports and JIT included);
                    repeated --whole-reps times. The last run's trades are compared with the
                    batch's reference trades.parquet and left in --out for the caller.
  combined          (quick mode) whole-exact once, then --reps warm exact calls and one
                    sim-plain-rust in the same process: one JIT compile instead of three.

The exact call is imported from reference-data/refgen (never copied), so it stays identical to
the one that produced the reference outputs.
"""
from __future__ import annotations

import time

T_PROCESS = time.perf_counter()  # before the heavy imports: 'import' time is part of the whole path

import argparse
import csv
import gc
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "reference-data"))

MEASURES = ("sim-exact", "sim-plain-numba", "sim-plain-rust", "whole-exact", "combined")


def log(msg: str) -> None:
    print(f"[vectorbt_bench] {msg}", file=sys.stderr, flush=True)


def maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


# ---------------------------------------------------------------------------------------------
# Inputs (same files simrun reads)


def batch_paths(data: str, batch: str) -> dict:
    folder, _, num = batch.partition("/")
    asset, _, direction = folder.rpartition("_")
    bdir = os.path.join(data, folder, num)
    return dict(
        asset=asset,
        direction=direction,
        ohlcv=os.path.join(data, asset, "ohlcv.parquet"),
        signals=os.path.join(bdir, "signals.parquet"),
        params=os.path.join(bdir, "params.csv"),
        trades=os.path.join(bdir, "trades.parquet"),
    )


def read_params(path: str):
    """names, stops, and the rows with their from_signals settings (refgen's params reader)."""
    import numpy as np
    from refgen.fuzz import read_params as read_rows

    rows = read_rows(path)
    names = [r["strategy"] for r in rows]
    tp = np.array([r["tp_stop"] for r in rows], dtype=np.float64)
    sl = np.array([r["sl_stop"] for r in rows], dtype=np.float64)
    tsl = np.array([r["tsl_stop"] for r in rows], dtype=np.float64)
    return names, tp, sl, tsl, rows


def read_inputs(paths: dict):
    """bars dict (refgen layout), long/short entries (n x k bool, Fortran order like refgen), stops,
    names, and `extra`: the settings rows and exit signals for Run when the batch has any (else {},
    the pipeline's call exactly)."""
    import numpy as np
    import pyarrow.parquet as pq
    from refgen.bars import table_to_bars

    bars = table_to_bars(pq.read_table(paths["ohlcv"]))
    names, tp, sl, tsl, rows = read_params(paths["params"])
    sig = pq.read_table(paths["signals"])
    n, k = len(bars["close"]), len(names)
    d = paths["direction"]

    def side(suffix, optional=False):
        out = np.zeros((n, k), dtype=np.bool_, order="F")
        for j, s in enumerate(names):
            if optional and s + suffix not in sig.column_names:
                continue
            out[:, j] = sig.column(s + suffix).to_numpy(zero_copy_only=False)
        return out

    if d == "long":
        le, se = side(""), None
    elif d == "short":
        le, se = None, side("")
    else:
        le, se = side(":long"), side(":short")
    from refgen import settings

    extra = {}
    for r in rows:
        r["has_long_exit"] = r["strategy"] + ":long_exit" in sig.column_names
        r["has_short_exit"] = r["strategy"] + ":short_exit" in sig.column_names
    if any(r["has_long_exit"] or r["has_short_exit"] or not settings.is_default(r) for r in rows):
        lx = side(":long_exit", True) if any(r["has_long_exit"] for r in rows) else None
        sx = side(":short_exit", True) if any(r["has_short_exit"] for r in rows) else None
        extra = dict(rows=rows, long_exits=lx, short_exits=sx)
    return bars, le, se, tp, sl, tsl, names, extra


def head(bars, le, se, rows: int):
    """The first `rows` bars, with arrays laid out like the full ones (so numba reuses its compile)."""
    import numpy as np

    b = {key: np.ascontiguousarray(v[:rows]) for key, v in bars.items()}
    f = lambda a: None if a is None else np.asfortranarray(a[:rows])  # noqa: E731
    return b, f(le), f(se)


# ---------------------------------------------------------------------------------------------
# The calls


def exact_call(bars, le, se, tp, sl, tsl, names, extra):
    """The reference call itself (refgen.oracle.Run wraps from_signals + two_stop_adjust_nb)."""
    from refgen.oracle import Run

    return Run(bars, le, se, tp, sl, tsl, names, **extra)


def plain_call(bars, le, se, tp, sl, tsl, names, extra, engine):
    """NOT the reference call: the same from_signals arguments without the two-stop adjustment."""
    import numpy as np
    import pandas as pd
    import vectorbt as vbt
    from refgen.oracle import FEES, FREQ, INIT_CASH, SLIPPAGE, stop_args

    idx = pd.DatetimeIndex(np.asarray(bars["timestamp"], dtype="datetime64[ns]"), name="timestamp_utc")
    cols = pd.Index(list(names), name="strategy")
    tp_v, sl0, trail0 = stop_args(tp, sl, tsl)
    le_df = pd.DataFrame(le, index=idx, columns=cols, copy=False) if le is not None else False
    se_df = pd.DataFrame(se, index=idx, columns=cols, copy=False) if se is not None else False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return vbt.Portfolio.from_signals(
            pd.Series(bars["close"], index=idx, name="close"),
            entries=le_df,
            short_entries=se_df,
            open=pd.Series(bars["open"], index=idx),
            high=pd.Series(bars["high"], index=idx),
            low=pd.Series(bars["low"], index=idx),
            size=np.inf,
            tp_stop=tp_v[None, :],
            sl_stop=sl0[None, :],
            sl_trail=trail0[None, :],
            fees=FEES,
            slippage=SLIPPAGE,
            init_cash=INIT_CASH,
            freq=FREQ,
            group_by=False,
            cash_sharing=False,
            engine=engine,
        )


def timed_sims(call, inputs, reps: int, warm_rows: int, exit_trades) -> dict:
    """Warm-up on the first `warm_rows` bars (JIT), then `reps` timed calls on the whole batch."""
    bars, le, se, tp, sl, tsl, names, extra = inputs
    n, k = len(bars["close"]), len(names)
    wb, wle, wse = head(bars, le, se, min(warm_rows, n))
    wextra = dict(extra)
    for key in ("long_exits", "short_exits"):
        if extra.get(key) is not None:
            wextra[key] = head(bars, extra[key], None, min(warm_rows, n))[1]
    t = time.perf_counter()
    w = call(wb, wle, wse, tp, sl, tsl, names, wextra)
    exit_trades(w)
    warm = time.perf_counter() - t
    del w
    gc.collect()
    sims, trades_s, counts = [], [], set()
    for r in range(reps):
        t = time.perf_counter()
        res = call(bars, le, se, tp, sl, tsl, names, extra)
        sims.append(time.perf_counter() - t)
        t = time.perf_counter()
        counts.add(int(exit_trades(res)))
        trades_s.append(time.perf_counter() - t)
        log(f"  rep {r + 1}/{reps}: from_signals {sims[-1]:.2f} s, exit trades {trades_s[-1]:.2f} s")
        del res
        gc.collect()  # so that one call's arrays are gone before the next: peak RSS = one call
    return dict(
        bars=n,
        columns=k,
        warmup_rows=min(warm_rows, n),
        warmup_seconds=warm,
        sim_seconds=sims,
        sim_best=min(sims),
        ns_per_bar_col=min(sims) / (n * k) * 1e9,
        exit_trades_seconds=trades_s,
        exit_trades_best=min(trades_s),
        trades=sorted(counts)[0] if len(counts) == 1 else sorted(counts),
    )


def exact_trades_count(run) -> int:
    return len(run.trade_records())


def plain_trades_count(pf) -> int:
    return len(pf.exit_trades.values)


def compare_with_reference(table, ref_path: str) -> dict:
    import pyarrow.parquet as pq

    if not os.path.exists(ref_path):
        return dict(reference=ref_path, available=False)
    ref = pq.read_table(ref_path)
    same_schema = ref.schema.remove_metadata() == table.schema.remove_metadata()
    equal = same_schema and ref.num_rows == table.num_rows and ref.equals(table)
    out = dict(reference=ref_path, available=True, rows=table.num_rows, reference_rows=ref.num_rows,
               schema_equal=bool(same_schema), identical=bool(equal))
    if not equal and same_schema:
        diff = {}
        for name in ref.column_names:
            if not ref.column(name).equals(table.column(name)):
                diff[name] = True
        out["differing_columns"] = sorted(diff)
    return out


# ---------------------------------------------------------------------------------------------
# Children


def child(a) -> dict:
    m = a.child
    paths = batch_paths(a.data, a.batch)
    t = time.perf_counter()
    import numpy as np  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401
    import vectorbt  # noqa: F401
    import refgen.oracle  # noqa: F401  (compiles nothing yet: njit is lazy)

    t_import = time.perf_counter() - t
    out = dict(measure=m, import_seconds=t_import, interpreter_start_to_main=T_MAIN - T_PROCESS)

    if m in ("whole-exact", "combined"):
        from refgen import io

        t0 = time.perf_counter()
        inputs = read_inputs(paths)
        t1 = time.perf_counter()
        run = exact_call(*inputs)
        t2 = time.perf_counter()
        table = run.trades_table()
        t3 = time.perf_counter()
        os.makedirs(a.out, exist_ok=True)
        dest = os.path.join(a.out, "trades.parquet")
        io.write_parquet(table, dest)
        t4 = time.perf_counter()
        out["whole"] = dict(
            read_seconds=t1 - t0,
            simulate_seconds=t2 - t1,  # includes numba's JIT compile of the call (fresh process)
            trades_seconds=t3 - t2,  # exit_trades + refgen's exit reasons/order checks -> Arrow table
            write_seconds=t4 - t3,
            total_seconds=t4 - T_PROCESS,  # from interpreter start (imports included)
            trades=table.num_rows,
            trades_file=dest,
            maxrss_bytes=maxrss_bytes(),
        )
        out["agreement"] = compare_with_reference(table, paths["trades"])
        del run, table
        if m == "combined":
            out["sim"] = timed_sims(exact_call, inputs, a.reps, a.warm_rows, exact_trades_count)
            try:
                out["rust_plain"] = timed_sims(
                    lambda *x: plain_call(*x, engine="rust"), inputs, a.reps, a.warm_rows, plain_trades_count)
            except Exception as e:  # vectorbt-rust missing or refusing
                out["rust_plain"] = dict(error=f"{type(e).__name__}: {e}")
    else:
        inputs = read_inputs(paths)
        if m == "sim-exact":
            out["sim"] = timed_sims(exact_call, inputs, a.reps, a.warm_rows, exact_trades_count)
        else:
            engine = "numba" if m == "sim-plain-numba" else "rust"
            out["sim"] = timed_sims(
                lambda *x: plain_call(*x, engine=engine), inputs, a.reps, a.warm_rows, plain_trades_count)
    out["maxrss_bytes"] = maxrss_bytes()
    return out


def run_child(a, measure: str, out_dir: str) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", measure, "--batch", a.batch, "--data", a.data,
           "--reps", str(a.reps), "--warm-rows", str(a.warm_rows), "--out", out_dir]
    for flag, v in (("--fees", a.fees), ("--slippage", a.slippage)):
        if v is not None:
            cmd += [flag, repr(v)]
    log(f"{measure}: {' '.join(cmd[2:])}")
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=None, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        return dict(measure=measure, error=f"exit code {p.returncode}", wall_seconds=wall)
    res = json.loads(p.stdout.strip().splitlines()[-1])
    res["wall_seconds"] = wall  # process start to exit, as seen by the parent
    if "whole" in res:
        log(f"{measure}: whole path {res['whole']['total_seconds']:.2f} s in-process, {wall:.2f} s wall")
    return res


def versions() -> dict:
    import importlib.metadata as md

    v = dict(python=platform.python_version())
    for pkg in ("vectorbt", "vectorbt-rust", "numba", "numpy", "pandas", "pyarrow"):
        try:
            v[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            v[pkg] = None
    return v


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch", default="BTC_long/batch_001")
    p.add_argument("--data", default=os.path.join(ROOT, "reference-data", "full"))
    p.add_argument("--reps", type=int, default=3, help="timed calls per sim measurement (best is reported)")
    p.add_argument("--whole-reps", type=int, default=2, help="fresh processes for whole-exact")
    p.add_argument("--warm-rows", type=int, default=2000, help="bars in the warm-up (JIT) call")
    p.add_argument("--measure", default="sim-exact,sim-plain-numba,sim-plain-rust,whole-exact")
    p.add_argument("--out", help="where the whole path writes trades.parquet (default: a temp dir)")
    p.add_argument("--fees", type=float, help="the call's fees (default: the reference's, refgen.oracle.FEES)")
    p.add_argument("--slippage", type=float, help="the call's slippage (default: refgen.oracle.SLIPPAGE)")
    p.add_argument("--child", choices=MEASURES, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.reps < 1 or a.whole_reps < 1:
        p.error("--reps and --whole-reps must be >= 1")
    a.data = os.path.abspath(a.data)

    if a.child:
        import refgen.oracle

        # a batch made with other fees/slippage (bench/order_heavy.py): the same call with those
        if a.fees is not None:
            refgen.oracle.FEES = a.fees
        if a.slippage is not None:
            refgen.oracle.SLIPPAGE = a.slippage
        print(json.dumps(child(a)))
        return 0

    measures = [m.strip() for m in a.measure.split(",") if m.strip()]
    for m in measures:
        if m not in MEASURES:
            p.error(f"unknown measure {m!r} (choose from {', '.join(MEASURES)})")
    out_root = a.out or tempfile.mkdtemp(prefix="simrun-bench-py-")
    paths = batch_paths(a.data, a.batch)
    for f in ("ohlcv", "signals", "params"):
        if not os.path.exists(paths[f]):
            p.error(f"missing {paths[f]}")
    result = dict(batch=a.batch, data=a.data, reps=a.reps, whole_reps=a.whole_reps, versions=versions(),
                  command=" ".join([os.path.relpath(sys.executable)] + sys.argv), measurements={})
    for m in measures:
        if m == "whole-exact":
            runs = [run_child(a, m, os.path.join(out_root, f"whole-{i + 1}")) for i in range(a.whole_reps)]
            result["measurements"][m] = runs
        else:
            result["measurements"][m] = run_child(a, m, os.path.join(out_root, m))
    print(json.dumps(result, indent=1))
    return 0


T_MAIN = time.perf_counter()

if __name__ == "__main__":
    sys.exit(main())
