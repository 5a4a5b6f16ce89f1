"""Label checks: log activities the model never mentions and model tasks never seen in the log,
each with the closest name on the other side as a suggestion.

>>> check = label_check(["Register request", "Pay"], ["register  request", "pay", "Ship"])
>>> check.unknown_activities  # doctest: +NORMALIZE_WHITESPACE
[{'activity': 'Ship', 'suggestion': None}, {'activity': 'pay', 'suggestion': 'Pay'},
 {'activity': 'register  request', 'suggestion': 'Register request'}]
>>> check.unseen_tasks
[{'task': 'Pay', 'suggestion': 'pay'}, {'task': 'Register request', 'suggestion': 'register  request'}]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["LabelCheck", "label_check"]


@dataclass(frozen=True)
class LabelCheck:
    """Log activities the model never mentions and model tasks never seen in the log.

    Each entry carries a ``suggestion``: the closest name on the other side when the two differ
    only in case, spacing or punctuation, or by a small edit distance; else None. Sorted by name.
    """

    unknown_activities: list[dict[str, str | None]]
    unseen_tasks: list[dict[str, str | None]]

    @property
    def ok(self) -> bool:
        return not self.unknown_activities and not self.unseen_tasks


def _squash(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or ``limit + 1`` once it is certainly larger than ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            best = min(best, cur[j])
        if best > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def _limit(n: int) -> int:
    if n < 4:
        return 0
    if n <= 8:
        return 1
    if n <= 20:
        return 2
    return 3


def _suggest(name: str, candidates: list[str]) -> str | None:
    key = _squash(name)
    if not key:
        return None
    exact = sorted(c for c in candidates if c != name and _squash(c) == key)
    if exact:
        return exact[0]
    best: tuple[int, str] | None = None
    for c in candidates:
        other = _squash(c)
        limit = _limit(min(len(key), len(other)))
        if not limit:
            continue
        d = _distance(key, other, limit)
        if d <= limit and (best is None or (d, c) < best):
            best = (d, c)
    return None if best is None else best[1]


def label_check(tasks: Iterable[str], activities: Iterable[str]) -> LabelCheck:
    """Compare model task labels with log activity names (see :class:`LabelCheck`)."""
    task_set = {str(t) for t in tasks if t is not None}
    act_set = {str(a) for a in activities if a is not None}
    unknown = sorted(act_set - task_set)
    unseen = sorted(task_set - act_set)
    task_list = sorted(task_set)
    act_list = sorted(act_set)
    return LabelCheck(
        unknown_activities=[{"activity": a, "suggestion": _suggest(a, task_list)} for a in unknown],
        unseen_tasks=[{"task": t, "suggestion": _suggest(t, act_list)} for t in unseen],
    )
