"""The drift sentences: one plain statement per change, ProDrift-style for deviations that
appear or disappear, and the before/after figures behind it.

>>> statement(Item("wrong_order:Pay", "wrong_order", "Pay"), "2026-05-04", 0.0, 0.05, 0.002, never_before=True)
"From 2026-05-04, 'Pay' is sometimes done out of order (in 5.0% of journeys), while before it never was (p = 0.002)."
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from journeylog.drift.data import JourneyData, fitness_of, series
from journeylog.drift.items import FITNESS, FITTING, Item
from journeylog.drift.windows import Window
from journeylog.explain.wording import DeviationKind
from journeylog.stats import fmt_p
from journeylog.text import fmt_share

__all__ = ["statement", "describe"]

_K = DeviationKind
#: A deviation or pattern seen after a change but never before it; ``{a}`` the activity (quoted),
#: ``{share}`` the share after.
_APPEARS: dict[str, str] = {
    _K.SKIPPED.value: "{a} is sometimes skipped (in {share} of journeys), while before it was always executed",
    _K.UNEXPECTED.value: "a new step {a} appears in {share} of journeys",
    _K.REPEATED.value: "{a} is sometimes repeated (in {share} of journeys), while before it never was",
    _K.WRONG_ORDER.value: "{a} is sometimes done out of order (in {share} of journeys), while before it never was",
    _K.DROPPED_OUT.value: "some journeys ({share}) drop out before {a}, while before none did",
    "pattern": "{a} happens (in {share} of journeys), while before it never did",
}
#: One seen before a change but never after it; ``{share}`` the share before.
_DISAPPEARS: dict[str, str] = {
    _K.SKIPPED.value: "{a} is always executed, while before it was sometimes skipped ({share} of journeys)",
    _K.UNEXPECTED.value: "the step {a} no longer appears (it was in {share} of journeys)",
    _K.REPEATED.value: "{a} is no longer repeated (it was in {share} of journeys)",
    _K.WRONG_ORDER.value: "{a} is no longer done out of order (it was in {share} of journeys)",
    _K.DROPPED_OUT.value: "no journey drops out before {a} any more (it was {share})",
    "pattern": "{a} no longer happens (it was in {share} of journeys)",
}


def _when(dt_value: Any, window: Window) -> str:
    if window.every is not None and window.every.endswith("h"):
        return dt_value.strftime("%Y-%m-%d %H:%M")
    return dt_value.strftime("%Y-%m-%d")


def statement(item: Item, when: str, before: float, after: float, p: float, *,
              never_before: bool = False, never_after: bool = False) -> str:
    """The plain sentence for one change.

    >>> statement(Item("called after failing on the portal", "pattern"), "2026-05-04", 0.081, 0.153, 0.0001)
    "From 2026-05-04, 'called after failing on the portal' rose from 8.1% to 15.3% of journeys (p < 0.001)."
    >>> statement(Item("skipped:Identity check", "skipped", "Identity check"), "2026-05-04", 0.0, 0.06, 0.0001,
    ...           never_before=True)  # doctest: +NORMALIZE_WHITESPACE
    "From 2026-05-04, 'Identity check' is sometimes skipped (in 6.0% of journeys), while before it was always
    executed (p < 0.001)."
    """
    ps = fmt_p(p)
    a = f"'{item.activity}'" if item.activity is not None else f"'{item.id}'"
    verb = "rose" if after > before else "fell"
    if item.kind == FITNESS:
        return f"From {when}, fitness {verb} from {before:.3f} to {after:.3f} ({ps})."
    if item.kind == FITTING:
        return (f"From {when}, the share of journeys that fit the designed journey {verb} from {fmt_share(before)} "
                f"to {fmt_share(after)} ({ps}).")
    if never_before and after > 0 and item.kind in _APPEARS:
        return f"From {when}, {_APPEARS[item.kind].format(a=a, share=fmt_share(after))} ({ps})."
    if never_after and before > 0 and item.kind in _DISAPPEARS:
        return f"From {when}, {_DISAPPEARS[item.kind].format(a=a, share=fmt_share(before))} ({ps})."
    return f"From {when}, {item.label} {verb} from {fmt_share(before)} to {fmt_share(after)} of journeys ({ps})."


def describe(data: JourneyData, items: Sequence[Item], windows: Sequence[dict[str, Any]], window: Window,
              found: list[dict[str, Any]], min_effect: float) -> list[dict[str, Any]]:
    """The changes as the JSON lists them: before/after over the segments between neighbouring
    changes of each item, and their statements.

    Longer than most functions: dropping weak changes and describing the rest share the segments."""
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
                return fitness_of(data.cost[idx], data.bwc[idx]), len(idx)
            x, n = series(data, i, item, idx)
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
                when = (f"about {_when(data.start[f['journey']], window)} "
                        f"(the {window.text} window from {_when(win['start'], window)})")
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
