"""The ``journeylog funnel --json`` contract (:class:`FunnelOutput`) and its parts; docs/funnel.md
explains every field. Shares are 0 to 1, times in seconds, missing figures ``None``."""

# no `from __future__ import annotations`: TypedDict reads NotRequired from evaluated annotations
from typing import Literal, TypedDict

__all__ = ["FunnelChannel", "FunnelDropOff", "FunnelOutput", "FunnelSegment", "FunnelSegments", "FunnelStep"]


class FunnelChannel(TypedDict):
    """The journeys that reached a step on one channel (the channel of the event that reached it)."""

    channel: str
    journeys: int
    share: float  # of the journeys that reached the step
    continued: int  # of them, reached the next step (0 at the last step)
    conversion_to_next: float | None  # continued / journeys; None at the last step
    median_seconds_from_previous: float | None
    p90_seconds_from_previous: float | None
    events: int  # every event of the step on this channel
    failed_events: int | None  # None: the log has no outcome
    failure_rate: float | None


class FunnelStep(TypedDict):
    """One step of the funnel: the journeys that reached it in order, and what happened next."""

    index: int  # 1 = the first step
    step: str
    journeys: int  # did steps 1..index in this order
    share_of_journeys: float  # journeys / all journeys
    conversion_from_previous: float | None  # journeys / journeys of the step before (step 1: of all journeys)
    conversion_from_start: float | None  # journeys / journeys of step 1
    stopped: int | None  # reached it, not the next step, and not in progress (None at the last step)
    stopped_in_progress: int | None  # reached it, not the next step, still in progress
    stopped_share: float | None  # stopped / the journeys that reached it and are not in progress
    median_seconds_from_previous: float | None  # from the event that reached the step before
    p90_seconds_from_previous: float | None
    events: int  # every event of the step's activity (in the journeys counted)
    failed_events: int | None  # of them, with outcome failure; None: the log has no outcome
    failure_rate: float | None  # failed_events / events
    channels: list[FunnelChannel] | None  # None unless the breakdown by channel was asked for


class FunnelDropOff(TypedDict):
    """Journeys that stopped between two steps (``after`` None: before the first step), with
    conform's drop-out semantics: a journey still in progress at the end of the log is no drop-out."""

    kind: Literal["dropped_out"]
    after: str | None
    before: str
    journeys: int
    share: float | None  # of the journeys that got as far and are not in progress
    in_progress: int
    statement: str


class FunnelSegment(TypedDict):
    """The funnel of the journeys whose segment column has one value (first non-null in the journey)."""

    value: str | None  # None: the column is empty in every event of these journeys
    journeys: int
    steps: list[FunnelStep]


class FunnelSegments(TypedDict):
    """The funnel per value of one journey attribute column, most journeys first."""

    column: str
    segments: list[FunnelSegment]


class FunnelOutput(TypedDict):
    """``journeylog funnel --json``: the funnel along the designed journey (or the steps given)."""

    steps: list[str]
    steps_from: Literal["steps", "model"]
    model: str | None
    journeys: int
    journeys_in_progress: int
    settle_seconds: float
    completed: int  # reached the last step
    completed_share: float
    funnel: list[FunnelStep]
    drop_offs: list[FunnelDropOff]
    by: list[str]
    segments: list[FunnelSegments]
    notes: list[str]
