"""The sentences of the emotion curve (numbers through :mod:`journeylog.text`).

>>> gap_sentence("Upload documents", 2.14, 4.0, "CSAT (1-5)", largest=True)
"'Upload documents' scores 2.1 on CSAT (1-5) against a desired 4.0: the largest gap"
>>> extreme_sentence("Place order", 4.43, "CSAT (1-5)", "highest", 120)
"'Place order' scores highest: 4.4 on CSAT (1-5) (120 responses)"
>>> coverage_sentence("chat", 0.613)
'sentiment on 61.3% of chat events'
"""

from __future__ import annotations

from typing import Any

from journeylog.explain.wording import impact_clause
from journeylog.text import fmt_int, fmt_share

__all__ = [
    "coverage_sentence",
    "extreme_sentence",
    "gap_sentence",
    "placement_note",
    "split_sentence",
    "thin_sentence",
]


def _score(x: float) -> str:
    return f"{x:.2f}" if abs(x) < 1 else f"{x:.1f}"


def gap_sentence(step: str, actual: float, desired: float, label: str, largest: bool = False) -> str:
    """One touchpoint against its desired score."""
    tail = ": the largest gap" if largest else ""
    return f"'{step}' scores {_score(actual)} on {label} against a desired {_score(desired)}{tail}"


def extreme_sentence(step: str, mean: float, label: str, which: str, responses: int) -> str:
    """The highest or lowest touchpoint."""
    return f"'{step}' scores {which}: {_score(mean)} on {label} ({fmt_int(responses)} responses)"


def thin_sentence(steps: list[str], minimum: int) -> str:
    """The thin points, drawn hollow."""
    names = ", ".join(f"'{s}'" for s in steps)
    return f"fewer than {fmt_int(minimum)} responses (thin, drawn hollow): {names}"


def split_sentence(step: str, by: str, difference: float, label: str, p: float | None, journeys: int) -> str:
    """One touchpoint of a split curve: how the journeys with ``by`` scored there."""
    clause = impact_clause(None, difference, reference="journeys without it", journeys=journeys, metric=label)
    sig = "" if p is None else (f" (p = {p:.3f})" if p >= 0.001 else " (p < 0.001)")
    return f"At '{step}', journeys with '{by}'{clause.removeprefix('; these journeys').removeprefix('; this journey')}{sig}"


def coverage_sentence(channel: str, share: float) -> str:
    """How much of a channel the sentiment covers."""
    return f"sentiment on {fmt_share(share)} of {channel} events"


def placement_note(after: int, unplaced: int, responses: int) -> str:
    """How many scores were not on a synchronised step."""
    return (f"{fmt_int(after)} of {fmt_int(responses)} scores were on events outside the model and count at the "
            f"nearest preceding step; {fmt_int(unplaced)} could not be placed (before any step of the model)")


def no_split_difference(by: str, level: float) -> str:
    """No touchpoint of a split differs significantly."""
    return f"no touchpoint scores significantly differently with and without '{by}' (p < {level:g})"


def detractor_definition(metric: Any) -> str:
    """Who counts as a detractor for ``metric`` (a :class:`journeylog.cx.metrics.Metric`)."""
    if metric.is_nps:
        return "detractors: NPS 0-6"
    if metric.name == "sentiment":
        return "detractors: text sentiment -0.05 or less"
    if metric.scale is None:
        return f"detractors: {metric.label} 2 or less"
    if metric.lower_is_better:
        return f"detractors: {metric.label} {metric.scale.high - 1:g} or more (the two highest efforts)"
    return f"detractors: {metric.label} {metric.scale.low + 1:g} or less (the two lowest points)"


def path_words(activities: list[str], most: int = 8) -> str:
    """A path, shortened in the middle when long."""
    shown = activities if len(activities) <= most else [*activities[: most - 2], "...", *activities[-1:]]
    return " -> ".join(shown)
