"""Label checks: log activities the model never mentions and model tasks never seen in the log,
each with the closest name on the other side as a suggestion.

>>> check = label_check(["Register request", "Pay"], ["register  request", "pay", "Ship"])
>>> check.unknown_activities  # doctest: +NORMALIZE_WHITESPACE
[{'activity': 'Ship', 'suggestion': None}, {'activity': 'pay', 'suggestion': 'Pay'},
 {'activity': 'register  request', 'suggestion': 'Register request'}]
>>> check.unseen_tasks
[{'task': 'Pay', 'suggestion': 'pay'}, {'task': 'Register request', 'suggestion': 'register  request'}]

How much of the log the model speaks about (:func:`label_overlap`): the share of the log's
*events* whose activity is, exactly, a model task label (a log of 10 events, 3 of them 'Pay'):

>>> o = label_overlap(["Pay", "Ship"], {"Pay": 3, "Call": 7})
>>> o.events_share, o.log_activities_in_model, o.model_tasks_in_log, o.fits(0.5)
(0.3, 0.5, 0.5, False)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from journeylog.config.checks import DEFAULT_MIN_LABEL_OVERLAP

__all__ = ["DEFAULT_MIN_LABEL_OVERLAP", "LabelCheck", "LabelOverlap", "label_check", "label_overlap"]


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


@dataclass(frozen=True)
class LabelOverlap:
    """How far log and model share activity labels (exact names; suggestions do not count).

    ``events_share``: events whose activity is a model task label / all events (the measure the
    ``min_label_overlap`` check uses: it weighs each activity by how often it happens, so a few
    rare unmapped activities do not count much, while a model named in another vocabulary gives
    0). ``log_activities_in_model``: distinct log activities that are model labels / distinct log
    activities. ``model_tasks_in_log``: distinct model task labels seen in the log / model task
    labels (None for a model without labelled tasks)."""

    events_share: float
    log_activities_in_model: float
    model_tasks_in_log: float | None

    def fits(self, minimum: float = DEFAULT_MIN_LABEL_OVERLAP) -> bool:
        """At least ``minimum`` of the log's events carry a model task label."""
        return self.events_share >= minimum - 1e-12


def label_overlap(tasks: Iterable[str], activity_events: Mapping[str, int]) -> LabelOverlap:
    """The :class:`LabelOverlap` of model ``tasks`` and a log given as activity -> number of events."""
    task_set = {str(t) for t in tasks if t is not None}
    counts = {str(a): int(n) for a, n in activity_events.items() if a is not None and n}
    events = sum(counts.values())
    shared = set(counts) & task_set
    return LabelOverlap(
        events_share=sum(counts[a] for a in shared) / events if events else 0.0,
        log_activities_in_model=len(shared) / len(counts) if counts else 0.0,
        model_tasks_in_log=len(shared) / len(task_set) if task_set else None,
    )
