"""Hand-designed scenario batches: tens of bars each, one asset per scenario.

Every scenario pins down one rule of SEMANTICS.md (or one place where vectorbt differs from it).
Prices are round numbers near 100 so the expected outcome can be worked out by hand; the stop
levels quoted in the comments are the long/short levels of SEMANTICS.md. Bars start at
2024-01-02 22:40 UTC (16:40 in Chicago), so most scenarios cross the pipeline-clock day boundary
(17:00 Chicago = 23:00 UTC) and give two daily-return rows.
"""
from __future__ import annotations

import math
import os

import numpy as np

from . import io, settings
from .bars import MINUTE_NS, bars_to_table, check_bars
from .batch import write_batch

START_NS = np.datetime64("2024-01-02T22:40:00", "ns").astype(np.int64)
NAN = math.nan


class Scenario:
    def __init__(self, name, direction, what):
        self.name, self.direction, self.what = name, direction, what
        self.ohlc: list[tuple] = []
        self.gap_before: dict[int, int] = {}
        self.strats: list[dict] = []
        self.notes: dict[int, str] = {}

    # bars --------------------------------------------------------------------
    def bar(self, o, h, l, c, gap=0, note=None) -> int:
        i = len(self.ohlc)
        self.ohlc.append((float(o), float(h), float(l), float(c)))
        if gap:
            self.gap_before[i] = gap
        if note:
            self.notes[i] = note
        return i

    def quiet(self, p, count, wiggle=0.1) -> list[int]:
        """Bars that trigger nothing: open = close = p, range p +- wiggle."""
        return [self.bar(p, p + wiggle, p - wiggle, p) for _ in range(count)]

    def flat(self, p, count) -> list[int]:
        return [self.bar(p, p, p, p) for _ in range(count)]

    # strategies --------------------------------------------------------------
    def strat(self, role, tp=NAN, sl=NAN, tsl=NAN, long=(), short=(), long_exit=None, short_exit=None, **sets):
        """One strategy column: stops, entry bars, exit bars (None = no exit column) and
        from_signals settings by params.csv name (refgen.settings)."""
        bad = [k for k in sets if k not in settings.COLUMNS]
        if bad:
            raise ValueError(f"unknown settings {bad}")
        self.strats.append(dict(role=role, tp=tp, sl=sl, tsl=tsl, long=list(long), short=list(short),
                                long_exit=long_exit, short_exit=short_exit, sets=sets))

    # build -------------------------------------------------------------------
    def inputs(self):
        n = len(self.ohlc)
        steps = np.array([0] + [1 + self.gap_before.get(i, 0) for i in range(1, n)], dtype=np.int64)
        a = np.array(self.ohlc)
        bars = dict(
            timestamp=START_NS + np.cumsum(steps) * MINUTE_NS,
            open=a[:, 0].copy(),
            high=a[:, 1].copy(),
            low=a[:, 2].copy(),
            close=a[:, 3].copy(),
            volume=np.full(n, 1.0),
        )
        check_bars(bars)
        k = len(self.strats)
        long_e = np.zeros((n, k), dtype=bool) if self.direction != "short" else None
        short_e = np.zeros((n, k), dtype=bool) if self.direction != "long" else None
        exits = {side: np.zeros((n, k), dtype=bool) for side in ("long_exit", "short_exit")}
        rows = []
        for j, s in enumerate(self.strats):
            if s["long"]:
                long_e[s["long"], j] = True
            if s["short"]:
                short_e[s["short"], j] = True
            row = dict(strategy=f"s{j:03d}", tp_stop=s["tp"], sl_stop=s["sl"], tsl_stop=s["tsl"], **s["sets"])
            for side in exits:
                row["has_" + side] = s[side] is not None
                if s[side]:
                    exits[side][s[side], j] = True
            row["family"] = s["role"]
            rows.append(row)
        lx, sx = (exits[side] if any(r["has_" + side] for r in rows) else None for side in exits)
        return dict(bars=bars, long=long_e, short=short_e, long_x=lx, short_x=sx, params=rows, direction=self.direction)


# ============================================================================== the scenarios
def gapopen():
    s = Scenario("GAPOPEN", "longshort", "a stop gapped through at the open fills at the open (long and short, sl/tsl/tp, also after missing minutes)")
    s.quiet(100, 2)
    e1 = s.bar(100, 100.5, 99.5, 100)  # entries, anchor 100
    s.bar(100, 100.4, 99.6, 100.2)
    s.bar(100.2, 100.5, 99.9, 100.1)
    s.bar(95, 95.5, 94.5, 95.2, gap=5, note="gap down after 5 missing minutes")
    e2 = s.bar(95.2, 95.6, 94.9, 95.0)  # re-entries, anchor 95
    s.bar(95, 95.3, 94.8, 95.1)
    s.bar(99, 99.5, 98.7, 99.2, gap=3, note="gap up after 3 missing minutes")
    s.quiet(99.2, 20)
    s.strat("long sl gap-down at open; then tp gap-up at open", tp=0.03, sl=0.02, long=[e1, e2])
    s.strat("short tp gap-down at open; then sl gap-up at open", tp=0.03, sl=0.02, short=[e1, e2])
    s.strat("long tsl gap-down at open", tsl=0.01, long=[e1])
    s.strat("short tsl gap-up at open (trough from a later bar)", tsl=0.03, short=[e1])
    s.strat("long sl+tsl (fixed tighter) gap-down at open -> sl", sl=0.01, tsl=0.02, long=[e1])
    s.strat("short sl+tsl (trailing tighter) gap-up at open -> tsl", sl=0.01, tsl=0.005, short=[e2])
    return s


def sltpbar():
    s = Scenario("SLTPBAR", "longshort", "loss stop and take-profit both inside one bar: the loss stop wins")
    s.quiet(100, 2)
    e = s.bar(100, 100.3, 99.7, 100)
    s.bar(100, 100.5, 99.5, 100.1)
    s.bar(100.1, 103, 97, 100, note="range covers every level")
    s.quiet(100, 20)
    s.strat("long sl+tp in one bar -> sl", tp=0.02, sl=0.02, long=[e])
    s.strat("short sl+tp in one bar -> sl", tp=0.02, sl=0.02, short=[e])
    s.strat("long tsl+tp in one bar -> tsl", tp=0.02, tsl=0.01, long=[e])
    s.strat("short sl+tsl+tp (tsl<=sl) in one bar -> tsl", tp=0.02, sl=0.02, tsl=0.015, short=[e])
    s.strat("long tp only inside the bar -> tp", tp=0.02, long=[e])
    return s


def tslratchet():
    s = Scenario("TSLRATCHET", "longshort", "trailing level ratchets with each bar's high (low), moves only from the next bar, then is hit")
    s.quiet(100, 2)
    e = s.bar(100, 100.3, 99.7, 100)
    s.bar(100, 101, 99.5, 100.8)  # long level 98.00, peak -> 101
    s.bar(100.8, 102, 100.2, 101.9)  # 98.98, peak -> 102
    s.bar(101.9, 104, 101.5, 103.8)  # 99.96, peak -> 104
    s.bar(103.8, 106, 103.5, 105.5, note="low 103.5 is below 106*0.98 but the new peak counts from the next bar")
    s.bar(105.5, 105.8, 103.8, 104.0, note="long trailing level 103.88 hit")
    s.quiet(104, 1)
    es = s.bar(104, 104.2, 103.9, 104)  # short entry, anchor 104
    s.bar(104, 104.2, 103, 103.1)  # short level 106.08, trough -> 103
    s.bar(103.1, 103.3, 101, 101.2)  # 105.06, trough -> 101
    s.bar(101.2, 101.5, 99, 99.3)  # 103.02, trough -> 99
    s.bar(99.3, 101.2, 99.1, 101, note="short trailing level 100.98 hit")
    s.quiet(101, 12)
    s.strat("long tsl ratchet then hit", tsl=0.02, long=[e])
    s.strat("long sl+tsl (tsl>sl): fixed tighter; then trailing after the run-up -> tsl", sl=0.01, tsl=0.02, long=[e])
    s.strat("long tsl+tp: tp inside the bar that sets the peak -> tp", tp=0.05, tsl=0.02, long=[e])
    s.strat("short tsl ratchet then hit", tsl=0.02, short=[es])
    return s


def nostopentry():
    s = Scenario("NOSTOPENTRY", "longshort", "no stop is tested on the bar that opened (or reversed into) the position")
    s.quiet(100, 2)
    e = s.bar(100.5, 110, 90, 100, note="entry bar; its range covers all levels")
    s.bar(100, 100.5, 99.5, 100.2)
    s.quiet(100.2, 2)
    r = s.bar(100.2, 101.5, 96, 100, note="reversal bar: range covers the new short's tp level 97 (and s000's sl 98)")
    s.bar(100, 100.3, 99.7, 99.9)
    s.bar(99.9, 100, 96.5, 96.8, note="short tp 97 hit")
    s.quiet(98.5, 1)
    s.bar(98.5, 98.6, 97.5, 97.8)
    s.quiet(100, 1)
    s.bar(100.5, 102.5, 100.4, 102.2, note="short sl 102 hit")
    s.quiet(102, 14)
    s.strat("long: entry-bar low below sl level -> no stop that bar; sl later", sl=0.02, long=[e])
    s.strat("short: entry-bar high above sl level -> no stop that bar; sl later", sl=0.02, short=[e])
    s.strat("reversal bar covers the new short's tp level -> tp only later", tp=0.03, sl=0.05, long=[e], short=[r])
    return s


def noreentry():
    s = Scenario("NOREENTRY", "long", "no entry on a bar where a stop fired; repeated entries while in a position are ignored")
    s.quiet(100, 2)
    e = s.bar(100, 100.3, 99.7, 100)
    s.bar(100, 100.6, 99.6, 100.4)
    s.bar(100.4, 100.9, 100.1, 100.5)
    x = s.bar(99.5, 99.8, 97.5, 97.9, note="stops fire; entry signals on this bar are ignored")
    y = s.bar(97.9, 98.2, 97.6, 98.0, note="next bar: re-entry")
    s.quiet(98, 20)
    s.strat("sl; entry signals on every bar 2..6 -> one entry; stop; re-entry next bar", sl=0.02, long=[e, e + 1, e + 2, x, y])
    s.strat("sl; signal only on the stop bar -> stays flat", sl=0.02, long=[e, x])
    s.strat("tsl gapped at the open; signal on the stop bar ignored; next bar taken", tsl=0.01, long=[e, x, y])
    return s


def lsconflict():
    s = Scenario("LSCONFLICT", "longshort", "long and short entry on the same bar: nothing happens (flat or in a position)")
    s.quiet(100, 14)
    s.quiet(100, 12, wiggle=0.15)
    s.strat("both flat at 2 (ignored); long 4; both at 6 (no reversal); short 8 (reversal); both 10..11", long=[2, 4, 6, 10, 11], short=[2, 6, 8, 10, 11])
    s.strat("run of conflicts 3..5 then short 6; conflict 7; long 9", sl=0.02, long=[3, 4, 5, 7, 9], short=[3, 4, 5, 6, 7])
    return s


def reversal():
    s = Scenario("REVERSAL", "longshort", "opposite entry reverses the position in one order (stops re-anchored at that close); a stop on that bar wins over the reversal")
    s.quiet(100, 2)
    e = s.bar(100, 100.3, 99.7, 100)
    s.bar(100, 101, 99.8, 100.9)
    s.bar(100.9, 102, 100.8, 101.9)
    r1 = s.bar(101.9, 102, 101.0, 101, note="reversal bar for s000 and s002")
    s.bar(101, 101.2, 100.7, 100.8)
    x = s.bar(100.8, 101, 97.5, 98.5, note="s001: long sl 98 hit, its short signal on this bar ignored")
    s.bar(98.5, 98.8, 98.3, 98.6, note="s001 enters short; s002's short trailing level (from trough 97.5) hit")
    r2 = s.bar(98.6, 98.8, 98.4, 98.7)
    s.quiet(98.7, 2)
    r3 = s.bar(98.7, 98.9, 98.5, 98.8)
    s.quiet(98.8, 16)
    s.strat("no stops: long; short (reverse); long (reverse); short x2 (reverse; ignore) -> open short", long=[e, r2], short=[r1, r3, r3 + 1])
    s.strat("sl 2%: long; short signal on the bar whose low hits sl -> sl exit; no reversal; short next bar", tp=0.03, sl=0.02, long=[e], short=[x, x + 1])
    s.strat("tsl 1% + sl 2%: reversal re-anchors the stops at the reversal close", sl=0.02, tsl=0.01, long=[e], short=[r1])
    return s


def openend():
    s = Scenario("OPENEND", "longshort", "positions still open after the last bar: status open, valued at the last close, no exit fees")
    s.quiet(100, 3)
    s.quiet(100.5, 10)
    s.quiet(101, 12)
    last = len(s.ohlc) - 1
    s.strat("long from bar 3; no stops", long=[3])
    s.strat("short from bar 5; stops never hit", tp=0.05, sl=0.03, tsl=0.02, short=[5])
    s.strat("long entered on the very last bar", sl=0.01, long=[last])
    s.strat("short entered on the very last bar", tp=0.02, short=[last])
    s.strat("conflict on the last bar -> no trade", long=[last], short=[last])
    return s


def feecash():
    s = Scenario("FEECASH", "longshort", "a short losing ~150 %: the gapped stop cover is cash-limited and only partly filled")
    s.quiet(100, 2)
    e = s.bar(100, 100.3, 99.7, 100)
    s.bar(100, 100.3, 99.6, 100.1)
    s.bar(250, 255, 245, 250, gap=10, note="gap up x2.5 after 10 missing minutes")
    s.quiet(250, 3)
    l1 = s.bar(250, 250.2, 249.8, 250, note="long signal while the stop keeps firing")
    s.bar(99, 99.5, 98.5, 99, note="back below the level")
    s.quiet(99, 2)
    l2 = s.bar(99, 99.2, 98.8, 99, note="long signal with no cash left")
    s.quiet(99, 14)
    s.strat("short sl 3%; gap x2.5 -> partial cover at the open", sl=0.03, short=[e], long=[])
    s.strat("short tp only; same gap; no stop -> open at the end", tp=0.05, short=[e])
    s.strat("short sl 3%; long signals after the partial cover", sl=0.03, short=[e], long=[l1, l2])
    return s


def tslgtsl():
    s = Scenario("TSLGTSL", "longshort", "tsl > sl: the fixed level is tighter at entry, the trailing one after a run-up (levels cross)")
    s.quiet(100, 2)
    a = s.bar(100, 100.3, 99.7, 100)
    s.bar(100, 101.5, 99.6, 101.2)  # fixed 99 vs trail 98 -> fixed; peak -> 101.5
    s.bar(101.2, 102.5, 100.8, 102.3)  # trail 99.47 > 99 -> trailing; peak -> 102.5
    s.bar(102.3, 102.4, 100.3, 100.4, note="long trailing level 100.45 hit")
    b = s.bar(100, 100.3, 99.7, 100)
    s.bar(100, 100.4, 98.7, 98.8, note="long fixed level 99 hit before any crossing")
    c = s.bar(100, 100.3, 99.7, 100)
    s.bar(100, 100.4, 98.5, 98.8)  # short: fixed 101 vs trail 102 -> fixed; trough -> 98.5
    s.bar(98.8, 99.2, 97.5, 97.7)  # trail 100.47 < 101 -> trailing; trough -> 97.5
    s.bar(97.7, 99.6, 97.6, 99.4, note="short trailing level 99.45 hit")
    d = s.bar(100, 100.3, 99.7, 100)
    s.bar(100, 101.3, 99.8, 101.2, note="short fixed level 101 hit")
    s.quiet(101, 14)
    s.strat("long sl 1% tsl 2%: crossing; exit tsl", sl=0.01, tsl=0.02, long=[a])
    s.strat("long sl 1% tsl 2%: exit sl before crossing", sl=0.01, tsl=0.02, long=[b])
    s.strat("short sl 1% tsl 2%: crossing; exit tsl", sl=0.01, tsl=0.02, short=[c])
    s.strat("short sl 1% tsl 2%: exit sl before crossing", sl=0.01, tsl=0.02, short=[d])
    s.strat("long sl 1% tsl 2% tp 2.5%: crossing; tp first", tp=0.025, sl=0.01, tsl=0.02, long=[a])
    return s


def tsllesl():
    s = Scenario("TSLLESL", "long", "tsl <= sl: the trailing level is always the tighter one (tsl == sl counts as trailing)")
    s.quiet(100, 2)
    a = s.bar(100, 100.3, 99.7, 100)
    s.bar(100, 100.2, 98.4, 98.6, note="first bar after entry (peak == anchor): 99.0 and 98.5 hit; tsl == sl ties -> tsl")
    b = s.bar(100, 100.3, 99.7, 100)
    s.bar(100, 101.5, 99.8, 101.4)
    s.bar(101.4, 101.6, 100.3, 100.4, note="trailing 1% from 101.5 = 100.485 hit")
    s.quiet(100.4, 18)
    s.strat("sl 2% tsl 1% -> tsl", sl=0.02, tsl=0.01, long=[a])
    s.strat("sl = tsl = 1.5% -> tsl", sl=0.015, tsl=0.015, long=[a])
    s.strat("tp 2% sl 2% tsl 1% after a run-up -> tsl", tp=0.02, sl=0.02, tsl=0.01, long=[b])
    return s


def exacttouch():
    s = Scenario("EXACTTOUCH", "longshort", "a bar's low (high) equal to the stop level to the last bit fills; one ulp away does not; the two-stop level is the adjust function's")
    up = lambda x: float(np.nextafter(x, np.inf))  # noqa: E731
    dn = lambda x: float(np.nextafter(x, -np.inf))  # noqa: E731
    sl, tsl = 0.0137, 0.02
    # long sl only: anchor 123.45, level 123.45*(1-0.0137)
    s.quiet(123.45, 2)
    a = s.bar(123.45, 123.5, 123.4, 123.45)
    L = 123.45 * (1 - sl)
    s.bar(123.45, 123.5, up(L), 123.45, note="low one ulp above the sl level")
    s.bar(123.45, 123.5, L, 123.45, note="low == sl level")
    # long tsl only: peak 125.67
    b = s.bar(123.45, 123.5, 123.4, 123.45)
    s.bar(123.45, 125.67, 123.4, 125.5)
    L = 125.67 * (1 - sl)
    s.bar(125.5, 125.6, up(L), 125.5, note="low one ulp above the tsl level")
    s.bar(125.5, 125.6, L, 125.5, note="low == tsl level")
    # long sl+tsl, fixed tighter; adjust-function level one ulp BELOW entry*(1-sl)
    A, P = 128.58, 129.22
    c = s.bar(A, A + 0.05, A - 0.05, A)
    s.bar(A, P, A - 0.05, P - 0.1)
    fixed = A * (1 - sl)
    lvl = P * (1 - (1 - fixed / P))
    assert lvl < fixed
    s.bar(P - 0.1, P, fixed, P - 0.1, note="low == entry*(1-sl): above the adjust-function level, no fill")
    s.bar(P - 0.1, P - 0.05, lvl, P - 0.1, note="low == adjust-function level: fill")
    # long sl+tsl, fixed tighter; adjust-function level one ulp ABOVE entry*(1-sl)  (sl 1.1 %)
    A, P, sl2 = 258.74, 260.03, 0.011
    d = s.bar(A, A + 0.05, A - 0.05, A)
    s.bar(A, P, A - 0.05, P - 0.1)
    fixed = A * (1 - sl2)
    lvl = P * (1 - (1 - fixed / P))
    assert lvl > fixed
    s.bar(P - 0.1, P, lvl, P - 0.1, note="low == adjust-function level (> entry*(1-sl)): fill")
    # short sl only and short sl+tsl (adjust-function level above / below entry*(1+sl))
    A = 123.45
    e = s.bar(A, A + 0.05, A - 0.05, A)
    H = A * (1 + sl)
    s.bar(A, dn(H), A - 0.05, A, note="high one ulp below the short sl level")
    s.bar(A, H, A - 0.05, A, note="high == short sl level")
    A, P = 123.49, 122.87  # adjust-function level above entry*(1+sl)
    f = s.bar(A, A + 0.05, A - 0.05, A)
    s.bar(A, A + 0.05, P, P + 0.1)
    fixed = A * (1 + sl)
    lvl = P * (1 + (fixed / P - 1))
    assert lvl > fixed
    s.bar(P + 0.1, fixed, P + 0.05, P + 0.1, note="high == entry*(1+sl): below the adjust-function level, no fill")
    s.bar(P + 0.1, lvl, P + 0.05, P + 0.1, note="high == adjust-function level: fill")
    s.quiet(P + 0.1, 8)
    s.strat("long sl exact touch", sl=sl, long=[a])
    s.strat("long tsl exact touch", tsl=sl, long=[b])
    s.strat("long sl+tsl: low == entry*(1-sl) is one ulp above the level used", sl=sl, tsl=tsl, long=[c])
    s.strat("long sl+tsl: level used is one ulp above entry*(1-sl)", sl=sl2, tsl=tsl, long=[d])
    s.strat("short sl exact touch", sl=sl, short=[e])
    s.strat("short sl+tsl: high == entry*(1+sl) is one ulp below the level used", sl=sl, tsl=tsl, short=[f])
    return s


# ------------------------------------------------------------------ settings scenarios (issue 14)
def _walk(s, closes, spread=0.3):
    """Bars that open at the previous close and close at each given price (range +- spread)."""
    prev = closes[0]
    for c in closes:
        s.bar(prev, max(prev, c) + spread, min(prev, c) - spread, c)
        prev = c


def _zigzag(count, p0=100.0):
    """A drifting zig-zag: every bar a different close, moves small enough that no stop fires."""
    return [round(p0 + 0.4 * i + (0.9 if i % 3 == 1 else -0.6 if i % 3 == 2 else 0.0), 2) for i in range(count)]


def exitconflict():
    s = Scenario("EXITCONFLICT", "longshort", "exit signals; entry+exit on one bar (upon_long/short_conflict) and long+short entry on one bar (upon_dir_conflict), every mode")
    _walk(s, _zigzag(30))
    acc = dict(accumulate="Both", size_type="Amount", size=100.0)  # so that taking an entry in a position shows
    for mode in ("Ignore", "Entry", "Exit", "Adjacent", "Opposite"):
        s.strat(f"long conflict {mode}: in position at 6; flat at 12 (after exits 9/10) ; while short at 18", long=[3, 6, 12, 18], short=[16], long_exit=[6, 9, 10, 12, 18, 25], short_exit=[21], upon_long_conflict=mode, **acc)
    for mode in ("Ignore", "Entry", "Exit", "Adjacent", "Opposite"):
        s.strat(f"short conflict {mode}: mirror of the long ones", short=[3, 6, 12, 18], long=[16], short_exit=[6, 9, 10, 12, 18, 25], long_exit=[21], upon_short_conflict=mode, **acc)
    for mode in ("Ignore", "Long", "Short", "Adjacent", "Opposite"):
        s.strat(f"dir conflict {mode}: long+short flat at 3; long 6; both while long 9; short 12; both while short 15", long=[3, 6, 9, 15], short=[3, 9, 12, 15], long_exit=[24], short_exit=[22], upon_dir_conflict=mode, **acc)
    s.strat("plain exits all cash: long 3 exit 7 (exit on a flat bar 9 does nothing); short 12 exit 20", long=[3], short=[12], long_exit=[7, 9], short_exit=[20])
    return s


def oppositeentry():
    s = Scenario("OPPOSITEENTRY", "longshort", "upon_opposite_entry, every mode, with all-cash orders and with accumulate=Both and a fixed size (where the Reduce modes differ)")
    _walk(s, _zigzag(30))
    for acc in ("Disabled", "Both"):
        for mode in ("Ignore", "Close", "CloseReduce", "Reverse", "ReverseReduce"):
            extra = dict(size_type="Amount", size=100.0) if acc == "Both" else {}
            s.strat(f"{mode} accumulate {acc}: long 3 4; short 7; short 10; long 13 14; exits 20 22", long=[3, 4, 13, 14], short=[7, 10], long_exit=[22], short_exit=[20], upon_opposite_entry=mode, accumulate=acc, **extra)
    return s


def stopentryprice():
    s = Scenario("STOPENTRYPRICE", "longshort", "stop_entry_price: which price anchors the stops (fill at the open with 1 % slippage; a stop that reverses anchors the new position)")
    s.quiet(100, 2)
    s.bar(100, 102.3, 99.8, 102, note="entry at the open 100 (fill 101 with slippage), close 102")
    s.bar(102, 102.2, 101.5, 101.8)
    s.bar(101.8, 101.9, 99.6, 99.8, note="low 99.6: below 102*0.98=99.96 only (Close anchor)")
    s.bar(99.8, 100.2, 98.8, 99.0, note="low 98.8: below 101*0.98=98.98 (FillPrice anchor)")
    s.bar(99.0, 99.3, 97.9, 98.2, note="low 97.9: below 100*0.98=98 (Price/ValPrice anchor)")
    s.quiet(98.2, 3)
    _walk(s, [98.2, 99.0, 100.5, 101.2, 102.8, 103.9, 104.6, 105.3, 104.8, 103.7, 102.6, 101.1, 100.2, 99.4, 98.1, 97.3, 96.0])
    for mode in ("ValPrice", "Price", "FillPrice", "Close"):
        s.strat(f"long sl 2% anchored at {mode}; price=Open slippage 1%", sl=0.02, long=[2], stop_entry_price=mode, price="Open", slippage=0.01)
    for mode in ("ValPrice", "Price", "FillPrice", "Close"):
        s.strat(f"long sl 2% then Reverse into a short anchored at {mode} (stop fill vs open vs close; price=Open)", sl=0.02, tp=0.04, long=[2], stop_entry_price=mode, upon_stop_exit="Reverse", slippage=0.01, price="Open")
    return s


def stopexitprice():
    s = Scenario("STOPEXITPRICE", "longshort", "stop_exit_price (StopLimit, StopMarket, Price, Close) and upon_stop_exit (Close, CloseReduce, Reverse, ReverseReduce with accumulate)")
    s.quiet(100, 2)
    s.bar(100, 100.3, 99.7, 100)
    s.bar(100, 101.5, 99.9, 101.2)
    s.bar(101.2, 101.4, 97.5, 98.6, note="sl 2% level 98 hit inside the bar; close 98.6")
    _walk(s, [98.6, 98.1, 97.4, 96.6, 96.9, 97.8, 99.2, 100.1, 101.6, 103.3, 102.9, 101.4, 100.2, 99.1, 98.4, 97.2])
    s.quiet(97.2, 3)
    for mode in ("StopLimit", "StopMarket", "Price", "Close"):
        s.strat(f"long sl 2% exit priced {mode} (slippage 0.5%; price=Open)", sl=0.02, long=[2], stop_exit_price=mode, slippage=0.005, price="Open")
    for mode in ("Close", "CloseReduce", "Reverse", "ReverseReduce"):
        s.strat(f"long 2x100 units sl 2% upon_stop_exit {mode}; accumulate Both", sl=0.02, tp=0.05, long=[2, 3], upon_stop_exit=mode, accumulate="Both", size_type="Amount", size=100.0)
    for mode in ("Close", "CloseReduce", "Reverse", "ReverseReduce"):
        s.strat(f"short tsl 1.5% upon_stop_exit {mode}; all cash", tsl=0.015, short=[6], upon_stop_exit=mode)
    return s


def priceopen():
    s = Scenario("PRICEOPEN", "longshort", "price=Open: signal orders fill at the bar's open (gapped opens after missing minutes), also exits and reversals")
    s.bar(99.5, 100.2, 99.4, 100, note="first bar: opens at 99.5")
    s.quiet(100, 1)
    s.bar(100.5, 101.2, 100.3, 101.0)
    s.bar(101.0, 101.6, 100.8, 101.4)
    s.bar(103.0, 103.5, 102.6, 103.2, gap=4, note="gap up after 4 missing minutes")
    s.bar(103.2, 103.4, 102.5, 102.7)
    s.bar(98.5, 99.2, 98.2, 98.8, gap=2, note="gap down through the sl level 99 of the bar-0 entry")
    _walk(s, [100.4, 100.9, 101.7, 102.2, 101.5, 100.8, 99.9, 99.4, 100.3, 101.1])
    s.quiet(101.1, 3)
    for price in ("Close", "Open"):
        s.strat(f"price={price}: long 2 exit 4; short 5 reversed by long 6; exit 10", long=[2, 6], short=[5], long_exit=[4, 10], price=price)
        s.strat(f"price={price}: long on the first bar; sl 1% filled at the gapped open 98.5; long 8", sl=0.01, long=[0, 8], price=price)
    return s


def sizing():
    s = Scenario("SIZING", "longshort", "size with size_type Amount, Value, Percent; accumulate Disabled, Both, AddOnly, RemoveOnly with repeated entries and exits")
    _walk(s, _zigzag(30, 50.0))
    s.strat("Amount 300 units", long=[2], long_exit=[8], short=[12], short_exit=[16], size_type="Amount", size=300.0)
    s.strat("Value 20000 cash", long=[2], long_exit=[8], short=[12], short_exit=[16], size_type="Value", size=20000.0)
    s.strat("Percent 40 % (exits close; opposite entries would only close: Percent cannot reverse)", long=[2], long_exit=[8], short=[12], short_exit=[16], size_type="Percent", size=0.4, upon_opposite_entry="Close")
    s.strat("Amount more than the cash buys: partial fill", long=[2], long_exit=[8], size_type="Amount", size=5000.0)
    s.strat("Value inf = all cash", long=[2], long_exit=[8], short=[12], short_exit=[16], size_type="Value")
    for acc in ("Disabled", "Both", "AddOnly", "RemoveOnly"):
        s.strat(f"accumulate {acc}: Amount 200; entries 2 4 6; exits 9 11; short 14 reduces; entries 17 18", long=[2, 4, 6, 17, 18], long_exit=[9, 11], short=[14], accumulate=acc, size_type="Amount", size=200.0)
    s.strat("Percent 50 % accumulate Both: each entry buys half the remaining cash; exits sell half the position", long=[2, 4, 6], long_exit=[9, 11], accumulate="Both", size_type="Percent", size=0.5)
    return s


def costs():
    s = Scenario("COSTS", "long", "per-strategy fees, fixed_fees, slippage and init_cash; fixed fees larger than the cash reject the order")
    _walk(s, _zigzag(24))
    sig = dict(long=[2, 9, 15], long_exit=[6, 12, 20])
    s.strat("the pipeline's costs", **sig)
    s.strat("fees 1 %", fees=0.01, **sig)
    s.strat("no fees; no slippage", fees=0.0, slippage=0.0, **sig)
    s.strat("slippage 2 %", slippage=0.02, **sig)
    s.strat("fixed fee 25 per order", fixed_fees=25.0, **sig)
    s.strat("init cash 500 and fixed fee 200: the second round trip cannot pay", init_cash=500.0, fixed_fees=200.0, **sig)
    s.strat("init cash 100 and fixed fee 150: every order rejected", init_cash=100.0, fixed_fees=150.0, **sig)
    s.strat("init cash 1e12", init_cash=1e12, **sig)
    s.strat("init cash 0.01: tiny positions", init_cash=0.01, **sig)
    return s


SETTINGS_BUILDERS = [exitconflict, oppositeentry, stopentryprice, stopexitprice, priceopen, sizing, costs]


BUILDERS = [gapopen, sltpbar, tslratchet, nostopentry, noreentry, lsconflict, reversal, openend, feecash, tslgtsl, tsllesl,
            exacttouch, *SETTINGS_BUILDERS]
SCENARIOS = {b().name: b for b in BUILDERS}


def build_inputs(name):
    s = SCENARIOS[name]()
    inp = s.inputs()
    inp["scenario"] = s
    return inp


def build_one(out, name, log=None):
    inp = build_inputs(name)
    s = inp["scenario"]
    os.makedirs(os.path.join(out, name), exist_ok=True)
    io.write_parquet(bars_to_table(inp["bars"]), os.path.join(out, name, "ohlcv.parquet"))
    bdir = os.path.join(out, f"{name}_{s.direction}", "batch_001")
    return write_batch(bdir, inp["bars"], inp["params"], s.direction, inp["long"], inp["short"], long_x=inp["long_x"],
                       short_x=inp["short_x"])


def build_all(out, log=print):
    for name in SCENARIOS:
        summary = build_one(out, name)
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(summary["reasons"].items()))
        log(f"{name}: {summary['trades']} trades ({reasons})")
