"""The ``journeylog explain --json`` contract (see docs/explain.md): :class:`ExplainOutput` and its
parts, the root causes of one deviation or cross-channel pattern."""

# no `from __future__ import annotations`: TypedDict reads NotRequired from evaluated annotations
from typing import Literal, TypedDict

__all__ = ["ExplainOutput"]


class RootCauseSubject(TypedDict):
    """What is explained: a deviation (``id`` as conform lists it) or a cross-channel pattern (its id),
    its name as the sentences say it, and its statement as conform words it."""

    kind: Literal["deviation", "pattern"]
    id: str
    name: str
    statement: str


class RootCauseFactor(TypedDict):
    """One factor "the journey has X" (``kind``: channel, start_channel, contact_reason, activity,
    failed_step, attribute, variant; ``column`` for an attribute; ``steps``: a variant's path), its
    journeys, its support (journeys with X and the deviation), the shares and rates, the lift
    P(deviation | X) / P(deviation | not X) (null: infinite), the two-proportion test and the sentence."""

    id: str
    kind: Literal["channel", "start_channel", "contact_reason", "activity", "failed_step", "attribute", "variant"]
    column: str | None
    value: str
    steps: list[str] | None
    journeys: int
    support: int
    share_with: float
    share_without: float
    rate_with: float
    rate_without: float
    lift: float | None
    p_value: float
    p_adjusted: float
    test: Literal["chi2", "fisher"]
    significant: bool
    statement: str


class SkippedColumn(TypedDict):
    """A log column not used as a factor, and why."""

    column: str
    reason: str


class ExplainOutput(TypedDict):
    """``journeylog explain --json``: the factors over-represented in the journeys with a deviation
    or pattern against those without it, ranked by adjusted p-value, then lift."""

    subject: RootCauseSubject
    journeys: int
    journeys_with: int
    journeys_without: int
    correction: Literal["holm", "bh"]
    alpha: float
    min_support: int
    max_levels: int
    kinds: list[str]  # the kinds of factor considered
    candidates: int
    tests: int
    below_support: int
    over_represented: int
    factors: list[RootCauseFactor]
    skipped_columns: list[SkippedColumn]
    excluded: list[str]
    notes: list[str]

