#!/usr/bin/env python3
"""Reference-data generator for simrun: synthetic bars and signals, judged by vectorbt.

    generate.py small      [--out DIR] [--seed N] [--bars N] [--strategies N]
    generate.py full       [--out DIR] [--seed N] [--bars N] [--strategies N] [--batches N]
                           [--assets BTC,ETH] [--directions long,short,longshort] [--force]
    generate.py scenarios  [--out DIR]
    generate.py settings   [--out DIR] [--batch N] [--seed N] [--bars N] [--strategies N]
    generate.py verify     --against DIR --batch NAME [--seed N] [--bars N] [--strategies N]
    generate.py selfcheck  [--tree DIR]
    generate.py fuzz       --out DIR [--seed N] [--cases N] [--group-size K] [--groups 0,5] [--serve]
    generate.py extract    --src DIR --batch NAME --strategy S --out DIR --asset NAME [--start A] [--end B]

See README.md in this folder.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from refgen.io import UserError  # noqa: E402  (light import: no vectorbt yet)

DEFAULT_SEED = 20261123
SMALL_BARS, SMALL_STRATEGIES = 50_000, 24
FULL_BARS, FULL_STRATEGIES = 1_112_627, 179
ASSET_NAMES = ("BTC", "ETH")
DIRECTION_NAMES = ("long", "short", "longshort")


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line on stderr, exit code 2, no usage dump
        sys.stderr.write(f"generate.py: error: {message}\n")
        sys.exit(2)


def positive_int(minimum):
    def conv(s):
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {s!r}") from None
        if v < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {v}")
        return v

    return conv


def int_list(s):
    try:
        return [int(x) for x in s.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of integers: {s!r}") from None


def name_list(allowed, what):
    def conv(s):
        items = [x.strip() for x in s.split(",") if x.strip()]
        if not items:
            raise argparse.ArgumentTypeError(f"empty {what} list")
        for x in items:
            if x not in allowed:
                raise argparse.ArgumentTypeError(f"unknown {what} {x!r} (choose from {', '.join(allowed)})")
        return list(dict.fromkeys(items))

    return conv


def build_parser() -> Parser:
    p = Parser(prog="generate.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", metavar="{small,full,scenarios,settings,verify,selfcheck,fuzz,extract}", parser_class=Parser)
    sub.required = True

    def common(sp, bars, strategies):
        sp.add_argument("--seed", type=positive_int(0), default=DEFAULT_SEED, help=f"default {DEFAULT_SEED}")
        sp.add_argument("--bars", type=positive_int(100), default=bars, help=f"bars per asset (default {bars})")
        sp.add_argument(
            "--strategies", type=positive_int(1), default=strategies, help=f"strategies per batch (default {strategies})"
        )

    sp = sub.add_parser("small", help="the committed small tree")
    sp.add_argument("--out", default=os.path.join(HERE, "data"))
    common(sp, SMALL_BARS, SMALL_STRATEGIES)

    sp = sub.add_parser("full", help="full-size batches (not committed)")
    sp.add_argument("--out", default=os.path.join(HERE, "full"))
    common(sp, FULL_BARS, FULL_STRATEGIES)
    sp.add_argument("--batches", type=positive_int(1), default=1)
    sp.add_argument("--assets", type=name_list(ASSET_NAMES, "asset"), default=list(ASSET_NAMES))
    sp.add_argument("--directions", type=name_list(DIRECTION_NAMES, "direction"), default=list(DIRECTION_NAMES))
    sp.add_argument("--force", action="store_true", help="regenerate batches whose outputs exist")

    sp = sub.add_parser("scenarios", help="hand-designed scenario batches")
    sp.add_argument("--out", default=os.path.join(HERE, "scenarios"))

    sp = sub.add_parser("settings", help="small-tree batches with exit signals and per-strategy settings")
    sp.add_argument("--out", default=os.path.join(HERE, "data"))
    sp.add_argument("--batch", type=positive_int(2), default=2, help="batch number (default 2; batch_001 is the pipeline's)")
    common(sp, SMALL_BARS, SMALL_STRATEGIES)

    sp = sub.add_parser("verify", help="regenerate one committed batch and compare by content")
    sp.add_argument("--against", required=True)
    sp.add_argument("--batch", required=True, help="e.g. BTC_long/batch_001 or GAPOPEN_longshort/batch_001")
    common(sp, SMALL_BARS, SMALL_STRATEGIES)

    sp = sub.add_parser("selfcheck", help="two-stop adjust function vs the plain per-bar loop")
    sp.add_argument("--tree", help="also compare the plain loop with every batch_001 of this tree (e.g. data)")

    sp = sub.add_parser("fuzz", help="random cases for differential fuzzing (driven by `npm run fuzz`)")
    sp.add_argument("--out", required=True, help="where the FZ<g> assets and batches go")
    sp.add_argument("--seed", type=positive_int(0), required=True)
    sp.add_argument("--cases", type=positive_int(1), default=2000)
    sp.add_argument("--group-size", type=positive_int(1), default=100, help="cases (strategy columns) per bar series")
    sp.add_argument("--groups", type=int_list, help="only these group indices (replay), e.g. 3,17")
    sp.add_argument("--serve", action="store_true", help="after the groups, answer extract commands on stdin")

    sp = sub.add_parser("extract", help="one case of a batch, bars cut to [start, end), outputs regenerated")
    sp.add_argument("--src", required=True, help="data root holding the batch")
    sp.add_argument("--batch", required=True, help="e.g. FZ3_long/batch_001")
    sp.add_argument("--strategy", required=True)
    sp.add_argument("--start", type=positive_int(0), default=0)
    sp.add_argument("--end", type=positive_int(1))
    sp.add_argument("--clear-long", type=int_list, default=[], help="bar indices whose long entry is removed")
    sp.add_argument("--clear-short", type=int_list, default=[], help="bar indices whose short entry is removed")
    sp.add_argument("--out", required=True)
    sp.add_argument("--asset", required=True, help="new asset name, ^[A-Z][A-Z0-9]*$")
    sp.add_argument("--note", help="family cell of params.csv (no commas)")
    return p


# ---------------------------------------------------------------------------------------------
def log(msg: str) -> None:
    print(msg, flush=True)


def asset_bars(out, asset, n, seed, force=False):
    """Bars for an asset: reuse an existing file (full runs) or generate and write it."""
    from refgen import io
    from refgen.bars import bars_to_table, make_bars, table_to_bars

    path = os.path.join(out, asset, "ohlcv.parquet")
    if os.path.exists(path) and not force:
        t = io.read_parquet(path)
        if t.num_rows == n:
            return table_to_bars(t)
    bars = make_bars(asset, n, seed)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    io.write_parquet(bars_to_table(bars), path)
    return bars


def generate_tree(out, seed, n_bars, n_strat, assets, directions, batches, force, label):
    from refgen.batch import draw_inputs, outputs_exist, write_batch

    jobs = [(a, d, b) for a in assets for d in directions for b in range(1, batches + 1)]
    t0 = time.time()
    bars_cache = {}
    for j, (asset, direction, b) in enumerate(jobs, 1):
        name = f"{asset}_{direction}/batch_{b:03d}"
        bdir = os.path.join(out, asset + "_" + direction, f"batch_{b:03d}")
        tag = f"[{j}/{len(jobs)}] {name}"
        if outputs_exist(bdir) and not force:
            log(f"{tag}: outputs exist, skipped (use --force to regenerate)")
            continue
        if asset not in bars_cache:
            bars_cache.clear()
            log(f"{tag}: bars ({n_bars:,}) … {time.time() - t0:.1f}s")
            bars_cache[asset] = asset_bars(out, asset, n_bars, seed, force=force or label == "small")
        bars = bars_cache[asset]
        log(f"{tag}: signals ({n_strat} strategies) … {time.time() - t0:.1f}s")
        rows, le, se = draw_inputs(seed, asset, direction, b, n_bars, n_strat)
        step = lambda what: log(f"{tag}: {what}… {time.time() - t0:.1f}s")  # noqa: E731
        s = write_batch(bdir, bars, rows, direction, le, se, log=step)
        del le, se
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(s["reasons"].items()))
        log(f"{tag}: done, {s['trades']} trades ({reasons}), {s['days']} days … {time.time() - t0:.1f}s")


def cmd_small(a):
    from refgen import io

    io.ensure_writable_dir(a.out)
    generate_tree(a.out, a.seed, a.bars, a.strategies, ASSET_NAMES, DIRECTION_NAMES, 1, True, "small")


def cmd_full(a):
    from refgen import io

    io.ensure_writable_dir(a.out)
    generate_tree(a.out, a.seed, a.bars, a.strategies, a.assets, a.directions, a.batches, a.force, "full")


def write_variant_batch(out, asset, direction, b, bars, seed, n_strat, log=None):
    """batch_NNN of <asset>_<direction> with exits and random per-strategy settings."""
    from refgen.batch import draw_variant_inputs, write_batch

    n = len(bars["close"])
    rows, le, se, lx, sx = draw_variant_inputs(seed, asset, direction, b, n, n_strat, float(bars["close"][0]))
    bdir = os.path.join(out, f"{asset}_{direction}", f"batch_{b:03d}")
    return write_batch(bdir, bars, rows, direction, le, se, log=log, long_x=lx, short_x=sx)


def cmd_settings(a):
    from refgen import io

    io.ensure_writable_dir(a.out)
    t0 = time.time()
    for asset in ASSET_NAMES:
        bars = asset_bars(a.out, asset, a.bars, a.seed)
        for direction in DIRECTION_NAMES:
            s = write_variant_batch(a.out, asset, direction, a.batch, bars, a.seed, a.strategies)
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(s["reasons"].items()))
            log(f"{asset}_{direction}/batch_{a.batch:03d}: {s['trades']} trades ({reasons}) … {time.time() - t0:.1f}s")


def has_settings(batch_dir):
    """True when a batch's params.csv has settings columns (made by `settings`, not `small`)."""
    from refgen.settings import COLUMNS

    with open(os.path.join(batch_dir, "params.csv"), encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    return any(c in COLUMNS for c in header)


def cmd_scenarios(a):
    from refgen import io
    from refgen.scenarios import build_all

    io.ensure_writable_dir(a.out)
    build_all(a.out, log=log)


def cmd_selfcheck(a):
    from refgen.plain_model import selfcheck

    if a.tree and not os.path.isdir(a.tree):
        raise UserError(f"--tree {a.tree!r} is not a directory")
    ok = selfcheck(log=log, tree=a.tree)
    sys.exit(0 if ok else 1)


def cmd_fuzz(a):
    from refgen import fuzz

    fuzz.run(a.out, a.seed, a.cases, a.group_size, groups=a.groups, serve=a.serve)


def cmd_extract(a):
    import json
    import re

    from refgen import fuzz

    if not re.fullmatch(r"[A-Z][A-Z0-9]*", a.asset):
        raise UserError(f"--asset must match ^[A-Z][A-Z0-9]*$, got {a.asset!r}")
    if a.note is not None and any(ch in a.note for ch in ',"\r\n'):
        raise UserError("--note must not contain commas, quotes or line breaks")
    if not os.path.isdir(os.path.join(a.src, a.batch)):
        raise UserError(f"no batch {a.batch!r} under {a.src!r}")
    try:
        res = fuzz.extract(a.src, a.batch, a.strategy, a.start, a.end, a.out, a.asset, a.clear_long, a.clear_short, a.note)
    except ValueError as e:
        raise UserError(str(e)) from None
    print(json.dumps(res))


def first_difference(a, b):
    """Row of the first difference between two chunked arrays of one type (NaN == NaN, bitwise), or None."""
    import numpy as np
    import pyarrow as pa

    if a.equals(b):
        return None
    a, b = a.combine_chunks(), b.combine_chunks()
    if pa.types.is_floating(a.type):
        va = np.asarray(a.fill_null(0.0).to_numpy(zero_copy_only=False), dtype=np.float64).view(np.int64)
        vb = np.asarray(b.fill_null(0.0).to_numpy(zero_copy_only=False), dtype=np.float64).view(np.int64)
        na = np.asarray(a.is_null().to_numpy(zero_copy_only=False))
        nb = np.asarray(b.is_null().to_numpy(zero_copy_only=False))
        bad = np.nonzero((va != vb) | (na != nb))[0]
        return int(bad[0]) if len(bad) else None
    for i in range(len(a)):
        if not a[i].equals(b[i]):
            return i
    return 0


def compare_trees(ref_dir, new_dir, rel_files):
    from refgen import io

    for rel in rel_files:
        ref, new = os.path.join(ref_dir, rel), os.path.join(new_dir, rel)
        if not os.path.exists(ref):
            return f"{rel}: missing in {ref_dir}"
        if rel.endswith(".parquet"):
            t_ref, t_new = io.read_parquet(ref), io.read_parquet(new)
            if t_ref.schema != t_new.schema:
                return f"{rel}: schema differs:\n  committed: {t_ref.schema}\n  regenerated: {t_new.schema}"
            if t_ref.num_rows != t_new.num_rows:
                return f"{rel}: {t_ref.num_rows} rows committed, {t_new.num_rows} regenerated"
            if not t_ref.equals(t_new):
                # Table.equals treats NaN as unequal to NaN: compare such columns bit for bit
                for name in t_ref.column_names:
                    i = first_difference(t_ref.column(name), t_new.column(name))
                    if i is not None:
                        a, b = t_ref.column(name)[i].as_py(), t_new.column(name)[i].as_py()
                        return f"{rel}: column {name!r} row {i}: committed {a!r}, regenerated {b!r}"
        else:
            with open(ref, "rb") as f1, open(new, "rb") as f2:
                b1, b2 = f1.read(), f2.read()
            if b1 != b2:
                l1, l2 = b1.decode().splitlines(), b2.decode().splitlines()
                i = next((i for i, (x, y) in enumerate(zip(l1, l2)) if x != y), min(len(l1), len(l2)))
                x = l1[i] if i < len(l1) else "<end>"
                y = l2[i] if i < len(l2) else "<end>"
                return f"{rel}: line {i + 1}: committed {x!r}, regenerated {y!r}"
    return None


def cmd_verify(a):
    from refgen.batch import INPUT_FILES, OUTPUT_FILES, draw_inputs, write_batch
    from refgen import scenarios

    parts = a.batch.strip("/").split("/")
    if len(parts) != 2 or "_" not in parts[0] or not parts[1].startswith("batch_") or not parts[1][6:].isdigit():
        raise UserError(f"--batch must look like ASSET_direction/batch_NNN, got {a.batch!r}")
    asset, direction = parts[0].rsplit("_", 1)
    if direction not in DIRECTION_NAMES:
        raise UserError(f"unknown direction {direction!r} in --batch {a.batch!r}")
    ref_batch = os.path.join(a.against, parts[0], parts[1])
    ref_bars = os.path.join(a.against, asset, "ohlcv.parquet")
    if not os.path.isdir(ref_batch):
        raise UserError(f"verify target missing: {ref_batch}")
    if not os.path.isfile(ref_bars):
        raise UserError(f"verify target missing: {ref_bars}")
    files = [f"{asset}/ohlcv.parquet"] + [f"{parts[0]}/{parts[1]}/{f}" for f in INPUT_FILES + OUTPUT_FILES]
    with tempfile.TemporaryDirectory(prefix="refgen-verify-") as tmp:
        if asset in scenarios.SCENARIOS:
            if parts[1] != "batch_001":
                raise UserError(f"scenario {asset} has only batch_001")
            scenarios.build_one(tmp, asset)
        elif asset in ASSET_NAMES and has_settings(ref_batch):
            bars = asset_bars(tmp, asset, a.bars, a.seed, force=True)
            write_variant_batch(tmp, asset, direction, int(parts[1][6:]), bars, a.seed, a.strategies)
        elif asset in ASSET_NAMES:
            bars = asset_bars(tmp, asset, a.bars, a.seed, force=True)
            b = int(parts[1][6:])
            rows, le, se = draw_inputs(a.seed, asset, direction, b, a.bars, a.strategies)
            write_batch(os.path.join(tmp, parts[0], parts[1]), bars, rows, direction, le, se)
        else:
            raise UserError(f"unknown asset {asset!r} (not BTC, ETH or a scenario name)")
        diff = compare_trees(a.against, tmp, files)
    if diff:
        print(f"DIFFERENT: {diff}")
        sys.exit(1)
    print(f"identical: {a.batch} ({len(files)} files compared by content)")


def main(argv=None):
    a = build_parser().parse_args(argv)
    try:
        {
            "small": cmd_small,
            "full": cmd_full,
            "scenarios": cmd_scenarios,
            "settings": cmd_settings,
            "verify": cmd_verify,
            "selfcheck": cmd_selfcheck,
            "fuzz": cmd_fuzz,
            "extract": cmd_extract,
        }[a.cmd](a)
    except UserError as e:
        sys.stderr.write(f"generate.py: error: {e}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
