"""Drift: how fitness, the fitting share and every deviation and pattern move over time, and
which changes are real.

:func:`drift` aligns the whole log once (:func:`journeylog.conform.conform`; alignments per variant
are the cost), assigns every journey to a window by its start, and aggregates per window from the
conformance journey table (:func:`drift_from_conformance`):

* **windows**: calendar windows (``1d``, ``1w`` = ISO weeks from Monday, ``2w``, ``1mo``, ``1q``,
  ``1y``, ``6h``; UTC; Polars ``dt.truncate``) or blocks of N consecutive journeys by start time
  (``--window 500``); empty calendar windows in between are listed too;
* **per window**: journeys, fitness = 1 - sum(cost) / sum(bwc) over its journeys (pm4py's
  ``log_fitness`` on that window's sub-log), the share of journeys that fit (pm4py's), the share
  that fit when accepted deviations are ignored, and the share of journeys showing each deviation
  (by id) and each cross-channel pattern (by name).

Finding changes (:func:`find_changes`)
--------------------------------------
Windows with fewer than ``min_journeys`` journeys are reported but not tested. For every item
(fitness, fitting share, each deviation and pattern not on the allow-list), the tested windows
form a series; changes are found by **binary segmentation** with pooled segments:

1. For a segment of consecutive tested windows, every boundary between two consecutive windows is
   a candidate: the journeys before it (in the segment) against the journeys after it. Shares are
   compared as a 2x2 table of journey counts: chi-square with Yates' continuity correction, or
   Fisher's exact test when an expected count is below 5. Fitness is compared with the
   Mann-Whitney U test on per-journey fitness. Only boundaries where the shares differ by at least
   ``min_effect`` (absolute; for fitness, its value) qualify; the best (smallest p) is kept and its
   p-value is multiplied by the number of boundaries in the segment (Bonferroni over positions).
2. All segments tested in one round (every item) form one family, adjusted with Holm's method
   (family-wise error; ``correction="bh"``: Benjamini-Hochberg q-values, false-discovery rate). A
   segment whose adjusted p-value is at most ``alpha`` is split at the change, and both halves are
   tested again in the next round; rounds stop when nothing more is found. Holm is the default
   because one planted change moves a few items while dozens stay put: BH, which lets more through
   once some changes are real, reported an unrelated change in 2 of 100 simulated logs with one
   real change, Holm in none. Every (item, segment) pair is a hypothesis of the family, also
   when no boundary reaches ``min_effect`` (p = 1): leaving those out would let the effect filter,
   which looks at the same data, shrink the family.
3. **Where exactly**: a sudden change rarely falls on a window boundary. Within the two windows next
   to the boundary, the journey-level split that maximises the likelihood (binomial for shares,
   Gaussian for fitness) is compared with the best split at a window start; the change is placed
   inside a window only when that is clearly better (log-likelihood gain above 3, a likelihood
   ratio of 20), otherwise at the window start. One underlying change usually moves several items
   (a failure that doubles raises a pattern, a repeated step and a contact, and lowers the fitting
   share): changes are placed strongest first, and a weaker one moves to the place of a stronger
   one of another item when that place is within its own likelihood interval (log-likelihood
   within 6 of its best), so one change is reported in one window. The reported window is the one
   where the change starts; a window that contains a change point (mixed) is left out of the
   segments tested afterwards.
4. ``before`` and ``after`` are the item's shares over the whole segments on either side of the
   change (between the neighbouring changes of that item).

On a log without drift the chance of any reported change is at most ``alpha`` (the first round
controls the family-wise error, and the Bonferroni factor over positions is conservative); on a
log with real changes, each further round spends at most ``alpha`` again on the segments between
them.

Statements are plain sentences: "From 2026-05-04, 'called after failing on the portal' rose from
8.1% to 15.3% of journeys (p < 0.001)." and, ProDrift-style, "From 2026-05-04, 'Identity check'
is sometimes skipped, while before it was always executed." or "From 2026-05-04, a new step
'Call: appointment' appears (in 6.2% of journeys)."
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from journeylog.render.terminal import fmt_share

from journeylog import schema as S
from journeylog.errors import InvalidInput, UsageError

FITNESS, FITTING = "fitness", "fitting_share"
#: A change is placed inside a window only when that split beats the best window start by this
#: log-likelihood margin (a likelihood ratio of about 20): a change exactly at a window start is
#: then placed in the window before it only about 5% of the time (exp(-3)).
_LOCATE_MARGIN = 3.0
#: A weaker change moves to the place of a stronger change of another item when its
#: log-likelihood there is within this of its best (when both truly change at one place, the
#: best is further off than this about 2 exp(-6) = 0.5% of the time).
_ANCHOR_MARGIN = 6.0
CORRECTIONS = ("holm", "bh")
_UNITS = {"h": "h", "hour": "h", "hours": "h", "d": "d", "day": "d", "days": "d", "w": "w", "week": "w", "weeks": "w",
          "mo": "mo", "month": "mo", "months": "mo", "q": "q", "quarter": "q", "quarters": "q",
          "y": "y", "year": "y", "years": "y"}


# ----------------------------------------------------------------------------------------------
# Options and windows
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A window specification: calendar (``every``, a Polars duration) or ``size`` journeys."""

    text: str
    every: str | None = None
    size: int | None = None

    @property
    def calendar(self) -> bool:
        return self.every is not None


def parse_window(text: str) -> Window:
    """``1d``, ``1w``, ``2w``, ``1mo``, ``1q``, ``1y``, ``6h`` (calendar, UTC) or ``500`` (journeys).

    >>> parse_window("1w"), parse_window("2 weeks").every, parse_window("500").size
    (Window(text='1w', every='1w', size=None), '2w', 500)
    """
    t = str(text).strip().lower()
    m = re.fullmatch(r"(\d+)\s*([a-z]+)", t)
    hint = "a calendar window such as 1d, 1w, 2w, 1mo, or a number of journeys such as 500"
    if m and m.group(2) in _UNITS:
        n = int(m.group(1))
        if n < 1:
            raise UsageError(f"--window {text!r}: the length must be at least 1", hint=hint)
        return Window(str(text).strip(), every=f"{n}{_UNITS[m.group(2)]}")
    m = re.fullmatch(r"(\d+)(\s*(j|journeys?))?", t)
    if m:
        n = int(m.group(1))
        if n < 2:
            raise UsageError(f"--window {text!r}: a window needs at least 2 journeys", hint=hint)
        return Window(str(text).strip(), size=n)
    raise UsageError(f"--window {text!r} is not a window", hint=hint)


@dataclass(frozen=True)
class DriftOptions:
    """``window``: see :func:`parse_window`. ``alpha``: significance level after the multiple-testing
    ``correction`` (``holm``: family-wise error, default; ``bh``: Benjamini-Hochberg false-discovery rate).
    ``min_effect``: smallest absolute change in a share (or in fitness) worth reporting.
    ``min_journeys``: windows with fewer journeys are reported, not tested."""

    window: str = "1w"
    alpha: float = 0.01
    min_effect: float = 0.02
    min_journeys: int = 30
    correction: str = "holm"

    def check(self) -> None:
        if self.correction not in CORRECTIONS:
            raise UsageError(f"--correction must be one of {', '.join(CORRECTIONS)}, not {self.correction!r}")
        parse_window(self.window)
        if not 0 < self.alpha < 1:
            raise UsageError(f"--alpha must be above 0 and below 1, not {self.alpha:g}")
        if not 0 <= self.min_effect < 1:
            raise UsageError(f"--min-effect must be from 0 to below 1 (a share), not {self.min_effect:g}")
        if self.min_journeys < 1:
            raise UsageError(f"--min-journeys must be at least 1, not {self.min_journeys}")


@dataclass(frozen=True)
class Item:
    """What is tracked: fitness, the fitting share, a deviation (by id) or a pattern (by name)."""

    id: str
    kind: str  # fitness, fitting_share, pattern, or a deviation kind (skipped, unexpected, ...)
    activity: str | None = None
    accepted: bool = False

    @property
    def label(self) -> str:
        """The noun phrase used in statements."""
        a = f"'{self.activity}'"
        return {
            FITNESS: "fitness",
            FITTING: "the share of journeys that fit the designed journey",
            "pattern": f"'{self.id}'",
            "skipped": f"skipping {a}",
            "dropped_out": f"dropping out before {a}",
            "unexpected": f"the unexpected step {a}",
            "repeated": f"repeating {a}",
            "wrong_order": f"doing {a} out of order",
        }.get(self.kind, f"'{self.id}'")

    @property
    def is_share(self) -> bool:
        return self.kind != FITNESS


@dataclass
class Drift:
    """The result of :func:`drift`; :func:`to_json` is its documented contract."""

    options: DriftOptions
    window: Window
    items: list[Item]
    windows: list[dict[str, Any]]
    changes: list[dict[str, Any]]
    figures: dict[str, Any]
    tests: int
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------
# Statistics
# ----------------------------------------------------------------------------------------------


def two_by_two(a: np.ndarray, n1: np.ndarray, b: np.ndarray, n2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided p-values comparing a/n1 with b/n2, element-wise, and which test gave each.

    Chi-square with Yates' continuity correction; Fisher's exact test where an expected count is
    below 5. Tables without variation (no or every journey shows it) get p = 1.

    >>> p, test = two_by_two(np.array([12]), np.array([150]), np.array([40]), np.array([150]))
    >>> round(float(p[0]), 6), str(test[0])
    (3.8e-05, 'chi2')
    """
    from scipy import stats

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    n1 = np.asarray(n1, dtype=float)
    n2 = np.asarray(n2, dtype=float)
    n = n1 + n2
    col1 = a + b
    col2 = n - col1
    p = np.ones(a.shape, dtype=float)
    test = np.full(a.shape, "none", dtype=object)
    valid = (n1 > 0) & (n2 > 0) & (col1 > 0) & (col2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected_min = np.minimum.reduce([n1 * col1 / n, n1 * col2 / n, n2 * col1 / n, n2 * col2 / n])
        diff = np.abs(a * (n2 - b) - b * (n1 - a))
        yates = np.maximum(diff - n / 2, 0.0)
        chi2 = n * yates ** 2 / (n1 * n2 * col1 * col2)
    chi_mask = valid & (expected_min >= 5)
    p[chi_mask] = stats.chi2.sf(chi2[chi_mask], 1)
    test[chi_mask] = "chi2"
    for i in np.flatnonzero(valid & (expected_min < 5)):
        table = [[int(a[i]), int(n1[i] - a[i])], [int(b[i]), int(n2[i] - b[i])]]
        p[i] = stats.fisher_exact(table, alternative="two-sided")[1]
        test[i] = "fisher"
    return np.clip(p, 0.0, 1.0), test


def adjust(p_values: Sequence[float], method: str = "holm") -> np.ndarray:
    """Adjusted p-values: Holm (family-wise error) or Benjamini-Hochberg (``bh``, q-values).

    >>> [round(float(x), 3) for x in adjust([0.01, 0.04, 0.03])]
    [0.03, 0.06, 0.06]
    >>> [round(float(x), 3) for x in adjust([0.01, 0.04, 0.03], "bh")]
    [0.03, 0.04, 0.04]
    """
    from scipy import stats

    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p
    if method == "bh":
        return stats.false_discovery_control(p, method="bh")
    order = np.argsort(p, kind="stable")
    m = p.size
    adj_sorted = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj_sorted
    return out


def _binom_ll(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Maximised binomial log-likelihood of x successes in n trials (0 log 0 = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, x / np.where(n > 0, n, 1), 0.0)
        t1 = np.where(x > 0, x * np.log(np.where(p > 0, p, 1)), 0.0)
        t2 = np.where(n - x > 0, (n - x) * np.log(np.where(p < 1, 1 - p, 1)), 0.0)
    return t1 + t2


def _gauss_ll(s: np.ndarray, ss: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Gaussian log-likelihood (up to constants, common variance) = -SSE / 2 of a segment."""
    with np.errstate(divide="ignore", invalid="ignore"):
        sse = np.where(n > 0, ss - s * s / np.where(n > 0, n, 1), 0.0)
    return -sse / 2


def fmt_p(p: float) -> str:
    """``p < 0.001`` or ``p = 0.004``."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


# ----------------------------------------------------------------------------------------------
# Aggregation
# ----------------------------------------------------------------------------------------------


@dataclass
class _Data:
    """Journeys in (start, journey_id) order with their window and per-item indicators."""

    start: list[Any]
    window: np.ndarray          # window index of each journey
    aligned: np.ndarray         # bool: has an alignment (cost not null)
    fits: np.ndarray            # bool: fitness == 1 (pm4py's fitting)
    fits_accepted: np.ndarray   # bool: no deviation that is not accepted (aligned only)
    fitness: np.ndarray         # per-journey fitness (nan when not aligned)
    cost: np.ndarray
    bwc: np.ndarray
    indicators: np.ndarray      # items x journeys, bool (deviation and pattern items)


def _items_from(c: Any) -> list[Item]:
    items = [Item(FITNESS, FITNESS), Item(FITTING, FITTING)]
    dev = c.deviations
    if dev.height:
        for r in dev.select("id", "kind", "activity", "accepted").sort("id").iter_rows(named=True):
            items.append(Item(r["id"], r["kind"], r["activity"], bool(r["accepted"])))
    pat = c.patterns
    if pat.height:
        cols = ["name", "journeys"] + (["accepted"] if "accepted" in pat.columns else [])
        for r in pat.select(cols).sort("name").iter_rows(named=True):
            if int(r["journeys"]) > 0:
                items.append(Item(r["name"], "pattern", None, bool(r.get("accepted", False))))
    return items


def _assign_windows(jt: pl.DataFrame, window: Window) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """Sort journeys by start and give each its window index; the list of windows (start, end)."""
    jt = jt.sort(["start", S.JOURNEY_ID])
    if window.calendar:
        every = window.every
        jt = jt.with_columns(pl.col("start").dt.truncate(every).alias("_w"))
        first, last = jt["_w"].min(), jt["_w"].max()
        starts = pl.datetime_range(first, last, every, eager=True, time_zone="UTC")
        # datetime_range steps calendar units from the first truncated start; keep only aligned ones
        starts = starts.filter(starts.dt.truncate(every) == starts).unique().sort()
        ends = starts.dt.offset_by(every)
        index = {v: i for i, v in enumerate(starts.to_list())}
        jt = jt.with_columns(pl.col("_w").replace_strict(index, return_dtype=pl.Int64).alias("_wi"))
        windows = [{"start": s, "end": e} for s, e in zip(starts.to_list(), ends.to_list())]
    else:
        size = window.size
        jt = jt.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) // size).alias("_wi"))
        bounds = jt.group_by("_wi").agg(pl.col("start").min().alias("s"), pl.col("start").max().alias("e")).sort("_wi")
        windows = [{"start": s, "end": e} for s, e in bounds.select("s", "e").iter_rows()]
    return jt, windows


def _data(c: Any, items: Sequence[Item], window: Window) -> tuple[_Data, list[dict[str, Any]]]:
    jt = c.journey_table
    missing = [col for col in ("start", "cost", "bwc", "fitness", "deviations", "patterns") if col not in jt.columns]
    if missing:
        raise InvalidInput(f"the conformance journey table lacks {', '.join(missing)}; drift needs alignments")
    if jt.height == 0:
        raise InvalidInput("the log has no journeys")
    jt, windows = _assign_windows(jt, window)
    accepted = [it.id for it in items if it.accepted and it.kind not in (FITNESS, FITTING, "pattern")]
    jt = jt.with_columns(
        pl.col("cost").is_not_null().alias("_aligned"),
        (pl.col("fitness") == 1.0).fill_null(False).alias("_fits"),
        (pl.col("deviations").list.set_difference(pl.lit(accepted, pl.List(pl.String))).list.len() == 0).alias("_clean"),
    ).with_row_index("_row")
    index = {it.id: i for i, it in enumerate(items)}
    J = jt.height
    ind = np.zeros((len(items), J), dtype=bool)
    for col in ("deviations", "patterns"):
        pairs = jt.select("_row", col).explode(col).drop_nulls(col)
        if pairs.height:
            key = pairs[col].replace_strict(index, default=-1, return_dtype=pl.Int64).to_numpy()
            rows = pairs["_row"].to_numpy().astype(np.int64)
            keep = key >= 0
            ind[key[keep], rows[keep]] = True
    aligned = jt["_aligned"].to_numpy()
    data = _Data(
        start=jt["start"].to_list(),
        window=jt["_wi"].to_numpy().astype(np.int64),
        aligned=aligned,
        fits=jt["_fits"].to_numpy() & aligned,
        fits_accepted=jt["_clean"].to_numpy() & aligned,
        fitness=jt["fitness"].fill_null(float("nan")).to_numpy().astype(float),
        cost=jt["cost"].fill_null(0).to_numpy().astype(np.int64),
        bwc=jt["bwc"].fill_null(0).to_numpy().astype(np.int64),
        indicators=ind,
    )
    return data, windows


def _series(data: _Data, item_index: int, item: Item, journeys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, n) per journey position for a share item: indicator and whether it counts."""
    if item.kind == FITTING:
        return data.fits_accepted[journeys].astype(float), data.aligned[journeys].astype(float)
    return data.indicators[item_index, journeys].astype(float), np.ones(len(journeys))


# ----------------------------------------------------------------------------------------------
# Change detection
# ----------------------------------------------------------------------------------------------


@dataclass
class _Segment:
    item: int
    lo: int  # index into the tested-window list
    hi: int  # exclusive


def _fitness_of(cost: np.ndarray, bwc: np.ndarray) -> float | None:
    total = int(bwc.sum())
    return None if total <= 0 else 1.0 - int(cost.sum()) / total


def _best_boundary(data: _Data, item_i: int, item: Item, seg: _Segment,
                   members: list[np.ndarray], min_effect: float) -> tuple[int, float, str] | None:
    """The best boundary k (lo < k < hi) of a segment: (k, Bonferroni-adjusted p, test) or None."""
    ks = list(range(seg.lo + 1, seg.hi))
    if not ks:
        return None
    if item.is_share:
        xs, ns = [], []
        for w in range(seg.lo, seg.hi):
            x, n = _series(data, item_i, item, members[w])
            xs.append(float((x * n).sum()))
            ns.append(float(n.sum()))
        cx, cn = np.cumsum(xs), np.cumsum(ns)
        k_idx = np.array([k - seg.lo for k in ks])
        a, n1 = cx[k_idx - 1], cn[k_idx - 1]
        b, n2 = cx[-1] - a, cn[-1] - n1
        with np.errstate(divide="ignore", invalid="ignore"):
            effect = np.where((n1 > 0) & (n2 > 0), b / np.where(n2 > 0, n2, 1) - a / np.where(n1 > 0, n1, 1), 0.0)
        ok = np.abs(effect) >= min_effect - 1e-12
        if not ok.any():
            return None
        p, test = two_by_two(a[ok], n1[ok], b[ok], n2[ok])
        cand = [(float(p[j]), -abs(float(effect[np.flatnonzero(ok)[j]])), int(np.array(ks)[ok][j]), str(test[j]))
                for j in range(len(p))]
    else:
        from scipy import stats

        cand = []
        for k in ks:
            before = np.concatenate([members[w] for w in range(seg.lo, k)])
            after = np.concatenate([members[w] for w in range(k, seg.hi)])
            before = before[data.aligned[before]]
            after = after[data.aligned[after]]
            f1 = _fitness_of(data.cost[before], data.bwc[before])
            f2 = _fitness_of(data.cost[after], data.bwc[after])
            if f1 is None or f2 is None or abs(f2 - f1) < min_effect - 1e-12:
                continue
            x, y = data.fitness[before], data.fitness[after]
            if np.all(x == x[0]) and np.all(y == x[0]):
                continue
            p = float(stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic").pvalue)
            cand.append((p if math.isfinite(p) else 1.0, -abs(f2 - f1), k, "mann-whitney"))
    if not cand:
        return None
    p, _neg, k, test = min(cand)
    return k, min(1.0, p * len(ks)), test


def _profile(data: _Data, item_i: int, item: Item, order: np.ndarray):
    """The log-likelihood of splitting ``order`` (journey indices, in time order) before each
    position: binomial for shares, Gaussian (common variance) for fitness."""
    if item.is_share:
        x, n = _series(data, item_i, item, order)
        x = x * n
        cx, cn = np.concatenate([[0.0], np.cumsum(x)]), np.concatenate([[0.0], np.cumsum(n)])
        tot_x, tot_n = cx[-1], cn[-1]

        def ll(pos: np.ndarray) -> np.ndarray:
            return _binom_ll(cx[pos], cn[pos]) + _binom_ll(tot_x - cx[pos], tot_n - cn[pos])
        return ll
    f = np.where(data.aligned[order], data.fitness[order], 0.0)
    n = data.aligned[order].astype(float)
    cs, css, cn = (np.concatenate([[0.0], np.cumsum(v)]) for v in (f, f * f, n))
    total_var = max((css[-1] - cs[-1] ** 2 / max(cn[-1], 1)) / max(cn[-1], 1), 1e-12)

    def ll_f(pos: np.ndarray) -> np.ndarray:
        left = _gauss_ll(cs[pos], css[pos], cn[pos])
        right = _gauss_ll(cs[-1] - cs[pos], css[-1] - css[pos], cn[-1] - cn[pos])
        return (left + right) / total_var
    return ll_f


def _locate(data: _Data, ll: Any, order: np.ndarray, offsets: np.ndarray, rel: int) -> tuple[int, bool]:
    """Where the change found at the boundary before segment window ``rel`` starts: (position in
    ``order``, whether it falls inside a window). See the module notes, step 3."""
    n_w = len(offsets) - 1
    w_first = max(rel - 1, 0)
    w_last = min(rel, n_w - 1)
    boundaries = [int(offsets[w]) for w in range(w_first, w_last + 2) if 0 < offsets[w] < len(order)]
    lo, hi = int(offsets[w_first]), int(offsets[w_last + 1])
    starts = data.start
    interior = np.array([p for p in range(max(lo, 1), min(hi, len(order)))
                         if starts[order[p]] != starts[order[p - 1]]], dtype=np.int64)
    best_b = max(boundaries, key=lambda p: (float(ll(np.array([p]))[0]), -abs(p - int(offsets[rel]))))
    best_b_ll = float(ll(np.array([best_b]))[0])
    if interior.size:
        vals = ll(interior)
        j = int(np.argmax(vals))
        if float(vals[j]) - best_b_ll > _LOCATE_MARGIN and int(interior[j]) not in boundaries:
            return int(interior[j]), True
    return best_b, False


def find_changes(data: _Data, items: Sequence[Item], windows: Sequence[dict[str, Any]],
                 options: DriftOptions) -> tuple[list[dict[str, Any]], int]:
    """Binary segmentation with Benjamini-Hochberg per round (see the module notes).

    One change usually moves several items (a failure that doubles raises a pattern, a repeated
    step and an unexpected contact, and lowers the fitting share). Changes are placed strongest
    first; a weaker change is moved to the place of a stronger one of another item when that place
    is within its own likelihood interval (log-likelihood within :data:`_ANCHOR_MARGIN` of its
    best), so one underlying change is reported in one window.

    Returns the changes (unsorted, raw) and the number of tests run."""
    from scipy import stats

    n_windows = len(windows)
    by_window = [np.flatnonzero(data.window == w) for w in range(n_windows)]
    tested = [w for w in range(n_windows) if len(by_window[w]) >= options.min_journeys]
    members = [by_window[w] for w in tested]
    segments = [_Segment(i, 0, len(tested)) for i, it in enumerate(items) if not it.accepted]
    found: list[dict[str, Any]] = []
    n_tests = 0
    while segments:
        results = []
        for seg in segments:
            if seg.hi - seg.lo < 2:
                continue
            best = _best_boundary(data, seg.item, items[seg.item], seg, members, options.min_effect)
            # a segment where no boundary reaches the minimum effect is still a hypothesis of the
            # family (with p = 1): leaving it out would let the effect filter, which looks at the
            # same data, shrink the family and inflate false alarms
            results.append((seg, *best) if best is not None else (seg, -1, 1.0, "none"))
        n_tests += len(results)
        if not results:
            break
        q = adjust([r[2] for r in results], options.correction)
        significant = sorted(((r, float(qv)) for r, qv in zip(results, q) if qv <= options.alpha and r[1] >= 0),
                             key=lambda rq: (rq[0][2], rq[0][0].item))
        segments = []
        for (seg, k, p, test), qv in significant:
            item = items[seg.item]
            order = np.concatenate([members[w] for w in range(seg.lo, seg.hi)])
            offsets = np.concatenate([[0], np.cumsum([len(members[w]) for w in range(seg.lo, seg.hi)])]).astype(np.int64)
            ll = _profile(data, seg.item, item, order)
            pos, mixed = _locate(data, ll, order, offsets, k - seg.lo)
            best_ll = float(ll(np.array([pos]))[0])
            anchors = []
            for f in found:
                if f["item"] == seg.item:
                    continue
                a = int(np.searchsorted(order, f["journey"]))
                if 0 < a < len(order) and a != pos:
                    anchors.append((float(ll(np.array([a]))[0]), -a, a))
            if anchors:
                a_ll, _neg, a = max(anchors)
                if a_ll >= best_ll - _ANCHOR_MARGIN:
                    pos, mixed = a, a not in set(offsets.tolist())
            journey = int(order[pos])
            w_abs = int(data.window[journey])
            w_rel = tested.index(w_abs)
            found.append({"item": seg.item, "journey": journey, "window": w_abs, "mixed": mixed,
                          "p": float(p), "q": qv, "test": test})
            segments.append(_Segment(seg.item, seg.lo, w_rel))
            segments.append(_Segment(seg.item, w_rel + 1 if mixed else w_rel, seg.hi))
    return found, n_tests


# ----------------------------------------------------------------------------------------------
# Statements
# ----------------------------------------------------------------------------------------------


def _when(dt_value: Any, window: Window) -> str:
    if window.every is not None and window.every.endswith("h"):
        return dt_value.strftime("%Y-%m-%d %H:%M")
    return dt_value.strftime("%Y-%m-%d")


def statement(item: Item, when: str, before: float, after: float, p: float, *,
              never_before: bool = False, never_after: bool = False) -> str:
    """The plain sentence for one change.

    >>> statement(Item("called after failing on the portal", "pattern"), "2026-05-04", 0.081, 0.153, 0.0001)
    "From 2026-05-04, 'called after failing on the portal' rose from 8.1% to 15.3% of journeys (p < 0.001)."
    >>> statement(Item("skipped:Identity check", "skipped", "Identity check"), "2026-05-04", 0.0, 0.06, 0.0001, never_before=True)
    "From 2026-05-04, 'Identity check' is sometimes skipped (in 6.0% of journeys), while before it was always executed (p < 0.001)."
    """
    ps = fmt_p(p)
    a = f"'{item.activity}'" if item.activity is not None else f"'{item.id}'"
    if item.kind == FITNESS:
        verb = "rose" if after > before else "fell"
        return f"From {when}, fitness {verb} from {before:.3f} to {after:.3f} ({ps})."
    if item.kind == FITTING:
        verb = "rose" if after > before else "fell"
        return f"From {when}, the share of journeys that fit the designed journey {verb} from {fmt_share(before)} to {fmt_share(after)} ({ps})."
    if never_before and after > 0:
        text = {
            "skipped": f"{a} is sometimes skipped (in {fmt_share(after)} of journeys), while before it was always executed",
            "unexpected": f"a new step {a} appears in {fmt_share(after)} of journeys",
            "repeated": f"{a} is sometimes repeated (in {fmt_share(after)} of journeys), while before it never was",
            "wrong_order": f"{a} is sometimes done out of order (in {fmt_share(after)} of journeys), while before it never was",
            "dropped_out": f"some journeys ({fmt_share(after)}) drop out before {a}, while before none did",
            "pattern": f"{a} happens (in {fmt_share(after)} of journeys), while before it never did",
        }.get(item.kind)
        if text:
            return f"From {when}, {text} ({ps})."
    if never_after and before > 0:
        text = {
            "skipped": f"{a} is always executed, while before it was sometimes skipped ({fmt_share(before)} of journeys)",
            "unexpected": f"the step {a} no longer appears (it was in {fmt_share(before)} of journeys)",
            "repeated": f"{a} is no longer repeated (it was in {fmt_share(before)} of journeys)",
            "wrong_order": f"{a} is no longer done out of order (it was in {fmt_share(before)} of journeys)",
            "dropped_out": f"no journey drops out before {a} any more (it was {fmt_share(before)})",
            "pattern": f"{a} no longer happens (it was in {fmt_share(before)} of journeys)",
        }.get(item.kind)
        if text:
            return f"From {when}, {text} ({ps})."
    verb = "rose" if after > before else "fell"
    return f"From {when}, {item.label} {verb} from {fmt_share(before)} to {fmt_share(after)} of journeys ({ps})."


# ----------------------------------------------------------------------------------------------
# Entry points
# ----------------------------------------------------------------------------------------------


def drift(events: pl.DataFrame, model: Any, conform_options: Any = None, options: DriftOptions | None = None) -> Drift:
    """Align ``events`` with ``model`` once and find drift over time (see the module notes)."""
    from dataclasses import replace

    from journeylog.conform import ConformOptions, conform

    opts = options or DriftOptions()
    opts.check()
    copts = conform_options or ConformOptions()
    if copts.method != "alignments":
        raise UsageError("drift needs alignments (per-journey cost); drop --method tbr")
    copts = replace(copts, precision=False)
    return drift_from_conformance(conform(events, model, copts), opts)


def drift_from_conformance(c: Any, options: DriftOptions | None = None) -> Drift:
    """Drift from a :class:`journeylog.conform.Conformance` (alignments)."""
    opts = options or DriftOptions()
    opts.check()
    window = parse_window(opts.window)
    items = _items_from(c)
    data, windows = _data(c, items, window)
    n_windows = len(windows)
    share_items = [(i, it) for i, it in enumerate(items) if it.kind not in (FITNESS, FITTING)]

    # per-window figures
    w = data.window
    journeys = np.bincount(w, minlength=n_windows)
    aligned = np.bincount(w, weights=data.aligned, minlength=n_windows)
    fits = np.bincount(w, weights=data.fits, minlength=n_windows)
    fits_acc = np.bincount(w, weights=data.fits_accepted, minlength=n_windows)
    cost = np.bincount(w, weights=data.cost.astype(float), minlength=n_windows)
    bwc = np.bincount(w, weights=data.bwc.astype(float), minlength=n_windows)
    counts = {i: np.bincount(w, weights=data.indicators[i], minlength=n_windows) for i, _ in share_items}
    out_windows = []
    for k, win in enumerate(windows):
        n = int(journeys[k])
        out_windows.append({
            "index": k,
            "start": win["start"],
            "end": win["end"],
            "journeys": n,
            "tested": n >= opts.min_journeys,
            "fitness": None if bwc[k] <= 0 else 1.0 - float(cost[k]) / float(bwc[k]),
            # as pm4py: percentage of fitting traces / 100, to the last digit
            "fitting_share": None if aligned[k] <= 0 else (100.0 * float(fits[k])) / float(aligned[k]) / 100.0,
            "fitting_share_accepted": None if aligned[k] <= 0 else float(fits_acc[k]) / float(aligned[k]),
            "shares": {it.id: (float(counts[i][k]) / n if n else None) for i, it in share_items},
        })

    found, n_tests = find_changes(data, items, windows, opts)
    changes = _describe(data, items, windows, window, found, opts.min_effect)
    notes = []
    small = [wd for wd in out_windows if wd["journeys"] and not wd["tested"]]
    if small:
        notes.append(f"{len(small)} window{'s' if len(small) != 1 else ''} with fewer than {opts.min_journeys} "
                     "journeys reported but not tested")
    accepted = [it.id for it in items if it.accepted]
    if accepted:
        notes.append(f"{len(accepted)} accepted deviation{'s' if len(accepted) != 1 else ''} or pattern"
                     f"{'s' if len(accepted) != 1 else ''} (allow-list) not tested")
    figures = {
        "journeys": int(c.journeys),
        "fitness": c.figures.get("fitness"),
        "fitting_share": c.figures.get("fitting_share"),
        "fitting_share_accepted": c.figures.get("fitting_share_accepted"),
    }
    return Drift(options=opts, window=window, items=items, windows=out_windows, changes=changes, figures=figures,
                 tests=n_tests, notes=notes)


def _describe(data: _Data, items: Sequence[Item], windows: Sequence[dict[str, Any]], window: Window,
              found: list[dict[str, Any]], min_effect: float) -> list[dict[str, Any]]:
    """before/after over the segments between neighbouring changes of each item, and statements."""
    out = []
    by_item: dict[int, list[dict[str, Any]]] = {}
    for f in found:
        by_item.setdefault(f["item"], []).append(f)
    n_journeys = len(data.start)
    for i, changes in by_item.items():
        item = items[i]

        def value(idx: np.ndarray, item: Item = item, i: int = i) -> tuple[float | None, int]:
            if item.kind == FITNESS:
                idx = idx[data.aligned[idx]]
                return _fitness_of(data.cost[idx], data.bwc[idx]), len(idx)
            x, n = _series(data, i, item, idx)
            total = float(n.sum())
            return (float((x * n).sum()) / total if total else None), int(total)

        changes.sort(key=lambda f: f["journey"])
        while True:
            # two change points close together can leave a segment between them with hardly any
            # difference left; drop the weakest such change until every change keeps its effect
            cuts = [0] + [f["journey"] for f in changes] + [n_journeys]
            segs = [np.arange(cuts[j], cuts[j + 1]) for j in range(len(cuts) - 1)]
            vals = [value(s)[0] for s in segs]
            effects = [abs((vals[j + 1] or 0.0) - (vals[j] or 0.0)) for j in range(len(changes))]
            weak = [j for j, e in enumerate(effects) if e < min_effect - 1e-12]
            if not weak:
                break
            changes.pop(min(weak, key=lambda j: (effects[j], j)))
            if not changes:
                break
        for j, f in enumerate(changes):
            # the journeys are in (start, id) order, so positions are journey indices
            before, n_before = value(segs[j])
            after, n_after = value(segs[j + 1])
            if before is None or after is None:
                continue
            never_before = item.is_share and all((value(s)[0] or 0) == 0 for s in segs[: j + 1])
            never_after = item.is_share and all((value(s)[0] or 0) == 0 for s in segs[j + 1:])
            win = windows[f["window"]]
            # calendar windows: the start of the window where the change begins (and, when it
            # begins inside the window, about when); journey windows: the first journey after it
            if not window.calendar:
                when = _when(data.start[f["journey"]], window)
            elif f["mixed"]:
                when = f"about {_when(data.start[f['journey']], window)} (the {window.text} window from {_when(win['start'], window)})"
            else:
                when = _when(win["start"], window)
            out.append({
                "window": win["start"],
                "window_end": win["end"],
                "window_index": f["window"],
                "since": data.start[f["journey"]],
                "within_window": f["mixed"],
                "item": item.id,
                "kind": item.kind,
                "activity": item.activity,
                "direction": "rose" if after > before else "fell",
                "before": before,
                "after": after,
                "journeys_before": n_before,
                "journeys_after": n_after,
                "p_value": f["p"],
                "q_value": f["q"],
                "test": f["test"],
                "statement": statement(item, when, before, after, f["p"], never_before=never_before,
                                       never_after=never_after),
            })
    out.sort(key=lambda c: (c["since"], c["item"]))
    return out


def to_json(d: Drift) -> dict[str, Any]:
    """The documented JSON contract of ``journeylog drift --json`` (see docs/ci.md)."""
    return {
        "window": d.window.text,
        "windowing": "calendar" if d.window.calendar else "journeys",
        "alpha": d.options.alpha,
        "correction": d.options.correction,
        "min_effect": d.options.min_effect,
        "min_journeys": d.options.min_journeys,
        "method": "binary segmentation; chi-square (Yates) or Fisher's exact on journey counts, "
                  "Mann-Whitney U on fitness; Bonferroni over positions, " + (
                      "Holm" if d.options.correction == "holm" else "Benjamini-Hochberg") + " per round",
        "journeys": d.figures["journeys"],
        "fitness": d.figures["fitness"],
        "fitting_share": d.figures["fitting_share"],
        "fitting_share_accepted": d.figures["fitting_share_accepted"],
        "tests": d.tests,
        "items": [{"id": it.id, "kind": it.kind, "activity": it.activity, "label": it.label, "accepted": it.accepted}
                  for it in d.items],
        "windows": d.windows,
        "changes": d.changes,
        "notes": d.notes,
    }


def print_report(data: dict[str, Any], *, show: int = 20, out: Any = None) -> None:
    """The drift report on stderr: windows (journeys, fitness, fitting share) and the changes."""
    from rich.text import Text

    from journeylog.render.terminal import console, fmt_int, fmt_share, table, text

    con = out or console()
    fmt = lambda x: "-" if x is None else f"{x:.4f}"  # noqa: E731
    calendar = data["windowing"] == "calendar"
    changed = {c["window_index"] for c in data["changes"]}
    rows = []
    for w in data["windows"]:
        start = str(w["start"])[:16] if not calendar or "h" in data["window"] else str(w["start"])[:10]
        rows.append([start, fmt_int(w["journeys"]), fmt(w["fitness"]), fmt_share(w["fitting_share"]),
                     ("changes" if w["index"] in changed else "") if w["tested"] else "not tested"])
    con.print(table(f"journeylog drift: {len(data['windows'])} windows of {data['window']}",
                    [("from", "left"), ("journeys", "right"), ("fitness", "right"), ("fit", "right"), ("", "left")], rows))
    if not any(w["tested"] for w in data["windows"][1:]) or sum(w["tested"] for w in data["windows"]) < 2:
        con.print(text(f"fewer than two windows with {data['min_journeys']} journeys or more: nothing to compare "
                       "(use longer windows or --min-journeys)", style="yellow"), soft_wrap=True)
    elif not data["changes"]:
        line = Text()
        line.append(f"no significant change (alpha {data['alpha']:g}, minimum effect {100 * data['min_effect']:.1f} points, "
                    f"{data['tests']} tests)", style="green")
        con.print(line, soft_wrap=True)
    else:
        line = Text()
        line.append(f"{len(data['changes'])} significant change{'s' if len(data['changes']) != 1 else ''} "
                    f"(alpha {data['alpha']:g}, minimum effect {100 * data['min_effect']:.1f} points, {data['tests']} tests):",
                    style="bold yellow")
        con.print(line, soft_wrap=True)
        for c in data["changes"][:show]:
            con.print(text("  " + c["statement"]), soft_wrap=True)
        if len(data["changes"]) > show:
            con.print(text(f"  ... and {len(data['changes']) - show} more (see --json)", style="dim"), soft_wrap=True)
    for note in data.get("notes", []):
        con.print(text("note: " + note, style="dim"), soft_wrap=True)


def github_annotations(data: dict[str, Any], *, level: str = "warning") -> list[str]:
    """GitHub Actions workflow commands, one per change (``::warning title=...::statement``)."""
    from journeylog.check import _gh_data, _gh_property

    return [f"::{level} title={_gh_property('journeylog drift ' + c['item'])}::{_gh_data(c['statement'])}"
            for c in data["changes"]]
