"""Finding and placing changes in the per-window series of every drift item.

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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from journeylog.drift.data import JourneyData, fitness_of, series, window_sums
from journeylog.drift.items import Item
from journeylog.drift.windows import DriftOptions
from journeylog.stats import adjust, binom_ll, gauss_ll, two_by_two

__all__ = ["find_changes"]

#: A change is placed inside a window only when that split beats the best window start by this
#: log-likelihood margin (a likelihood ratio of about 20): a change exactly at a window start is
#: then placed in the window before it only about 5% of the time (exp(-3)).
_LOCATE_MARGIN = 3.0
#: A weaker change moves to the place of a stronger change of another item when its
#: log-likelihood there is within this of its best (when both truly change at one place, the
#: best is further off than this about 2 exp(-6) = 0.5% of the time).
_ANCHOR_MARGIN = 6.0


@dataclass
class _Segment:
    item: int
    lo: int  # index into the tested-window list
    hi: int  # exclusive


def _best_boundary(data: JourneyData, item_i: int, item: Item, seg: _Segment, members: list[np.ndarray],
                   tested: list[int], min_effect: float) -> tuple[int, float, str] | None:
    """The best boundary k (lo < k < hi) of a segment: (k, Bonferroni-adjusted p, test) or None.
    ``tested``: the window of each tested-window position."""
    ks = list(range(seg.lo + 1, seg.hi))
    if not ks:
        return None
    if item.is_share:
        x_w, n_w = window_sums(data, item_i, item)
        windows = np.array(tested[seg.lo:seg.hi], dtype=np.int64)
        cx, cn = np.cumsum(x_w[windows]), np.cumsum(n_w[windows])
        k_idx = np.array([k - seg.lo for k in ks])
        a, n1 = cx[k_idx - 1], cn[k_idx - 1]
        b, n2 = cx[-1] - a, cn[-1] - n1
        with np.errstate(divide="ignore", invalid="ignore"):
            effect = np.where((n1 > 0) & (n2 > 0), b / np.where(n2 > 0, n2, 1) - a / np.where(n1 > 0, n1, 1), 0.0)
        ok = np.abs(effect) >= min_effect - 1e-12
        if not ok.any():
            return None
        pvals, tests = two_by_two(a[ok], n1[ok], b[ok], n2[ok])
        cand = [(float(pvals[j]), -abs(float(effect[np.flatnonzero(ok)[j]])), int(np.array(ks)[ok][j]), str(tests[j]))
                for j in range(len(pvals))]
    else:
        from scipy import stats

        cand = []
        for k in ks:
            before = np.concatenate([members[w] for w in range(seg.lo, k)])
            after = np.concatenate([members[w] for w in range(k, seg.hi)])
            before = before[data.aligned[before]]
            after = after[data.aligned[after]]
            f1 = fitness_of(data.cost[before], data.bwc[before])
            f2 = fitness_of(data.cost[after], data.bwc[after])
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


def _profile(data: JourneyData, item_i: int, item: Item, order: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The log-likelihood of splitting ``order`` (journey indices, in time order) before each
    position: binomial for shares, Gaussian (common variance) for fitness."""
    if item.is_share:
        x, n = series(data, item_i, item, order)
        x = x * n
        cx, cn = np.concatenate([[0.0], np.cumsum(x)]), np.concatenate([[0.0], np.cumsum(n)])
        tot_x, tot_n = cx[-1], cn[-1]

        def ll(pos: np.ndarray) -> np.ndarray:
            return binom_ll(cx[pos], cn[pos]) + binom_ll(tot_x - cx[pos], tot_n - cn[pos])
        return ll
    f = np.where(data.aligned[order], data.fitness[order], 0.0)
    n = data.aligned[order].astype(float)
    cs, css, cn = (np.concatenate([[0.0], np.cumsum(v)]) for v in (f, f * f, n))
    total_var = max((css[-1] - cs[-1] ** 2 / max(cn[-1], 1)) / max(cn[-1], 1), 1e-12)

    def ll_f(pos: np.ndarray) -> np.ndarray:
        left = gauss_ll(cs[pos], css[pos], cn[pos])
        right = gauss_ll(cs[-1] - cs[pos], css[-1] - css[pos], cn[-1] - cn[pos])
        return (left + right) / total_var
    return ll_f


def _locate(
    data: JourneyData, ll: Callable[[np.ndarray], np.ndarray], order: np.ndarray, offsets: np.ndarray, rel: int
) -> tuple[int, bool]:
    """Where the change found at the boundary before segment window ``rel`` starts: (position in
    ``order``, whether it falls inside a window). See the module notes, step 3."""
    n_w = len(offsets) - 1
    w_first = max(rel - 1, 0)
    w_last = min(rel, n_w - 1)
    boundaries = [int(offsets[w]) for w in range(w_first, w_last + 2) if 0 < offsets[w] < len(order)]
    lo, hi = int(offsets[w_first]), int(offsets[w_last + 1])
    starts = data.start.to_physical().to_numpy()
    p = np.arange(max(lo, 1), min(hi, len(order)), dtype=np.int64)
    interior = p[starts[order[p]] != starts[order[p - 1]]]
    best_b = max(boundaries, key=lambda p: (float(ll(np.array([p]))[0]), -abs(p - int(offsets[rel]))))
    best_b_ll = float(ll(np.array([best_b]))[0])
    if interior.size:
        vals = ll(interior)
        j = int(np.argmax(vals))
        if float(vals[j]) - best_b_ll > _LOCATE_MARGIN and int(interior[j]) not in boundaries:
            return int(interior[j]), True
    return best_b, False


def find_changes(data: JourneyData, items: Sequence[Item], windows: Sequence[dict[str, Any]],
                 options: DriftOptions) -> tuple[list[dict[str, Any]], int]:
    """Binary segmentation with Holm (or Benjamini-Hochberg) per round (see the module notes).

    Longer than most functions: one round's loop (test, adjust, place, anchor, split) reads best
    in one piece, as the module notes describe it.

    One change usually moves several items (a failure that doubles raises a pattern, a repeated
    step and an unexpected contact, and lowers the fitting share). Changes are placed strongest
    first; a weaker change is moved to the place of a stronger one of another item when that place
    is within its own likelihood interval (log-likelihood within :data:`_ANCHOR_MARGIN` of its
    best), so one underlying change is reported in one window.

    Returns the changes (unsorted, raw) and the number of tests run."""
    n_windows = len(windows)
    # journeys are in time order, so a window's journeys are a run of consecutive positions
    bounds = np.searchsorted(data.window, np.arange(n_windows + 1))
    by_window = [np.arange(bounds[w], bounds[w + 1], dtype=np.int64) for w in range(n_windows)]
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
            best = _best_boundary(data, seg.item, items[seg.item], seg, members, tested, options.min_effect)
            # a segment where no boundary reaches the minimum effect is still a hypothesis of the
            # family (with p = 1): leaving it out would let the effect filter, which looks at the
            # same data, shrink the family and inflate false alarms
            results.append((seg, *best) if best is not None else (seg, -1, 1.0, "none"))
        n_tests += len(results)
        if not results:
            break
        q = adjust([r[2] for r in results], options.correction)
        significant = sorted(((r, float(qv)) for r, qv in zip(results, q, strict=True) if qv <= options.alpha and r[1] >= 0),
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
