"""The ``journeylog emotion --json`` document (registered in :data:`journeylog.contracts.outputs.OUTPUTS`)."""

# no `from __future__ import annotations`: TypedDict reads NotRequired from evaluated annotations
from typing import TypedDict


class EmotionPlacement(TypedDict):
    """How the scores were placed on the designed journey's steps (docs/emotion.md)."""

    responses: int  # events with a score
    synchronised: int  # on an event the alignment pairs with a model step
    after_log_move: int  # on an event outside the model: counted at the nearest preceding synchronised step
    unplaced: int  # before any synchronised step, or in a variant whose alignment timed out


class EmotionPoint(TypedDict):
    """One touchpoint of the curve (one per step, or per step and channel with --by channel)."""

    step: str
    channel: str | None  # with --by channel
    responses: int
    mean: float | None
    median: float | None
    ci_low: float | None  # 95% t-interval for the mean
    ci_high: float | None
    top2_share: float | None  # scales: share in the two best points
    nps: float | None  # NPS only: % promoters - % detractors, in points
    nps_ci_low: float | None  # 95% Wald interval on the NPS
    nps_ci_high: float | None
    promoters_share: float | None
    detractors_share: float | None
    thin: bool  # fewer responses than min_responses: drawn hollow
    desired: float | None
    gap: float | None  # mean - desired
    shortfall: float | None  # how far the mean falls short of the desired (positive = worse)


class EmotionSplitPoint(TypedDict):
    """One step of a split curve: journeys with the deviation or pattern against those without (Welch's t-test)."""

    step: str
    with_responses: int
    with_mean: float | None
    without_responses: int
    without_mean: float | None
    difference: float | None  # with - without
    t: float | None  # Welch's t
    p: float | None  # two-sided


class EmotionSplit(TypedDict):
    """The curve split by a deviation id or a pattern (--split-by)."""

    by: str  # the deviation id or pattern name
    kind: str  # deviation | pattern
    journeys_with: int
    journeys_without: int
    points: list[EmotionSplitPoint]
    statements: list[str]


class DetractorItem(TypedDict):
    """A path (variant), deviation or pattern and how over-represented it is among detractor journeys."""

    kind: str  # variant | deviation | pattern
    id: str
    description: str
    detractor_journeys: int
    share_of_detractors: float
    share_of_responding: float
    lift: float


class EmotionDetractors(TypedDict):
    """What detractor journeys share (--detractors): who counts as one, and the items by lift."""

    definition: str
    journeys_responding: int
    detractor_journeys: int
    items: list[DetractorItem]


class SentimentCoverage(TypedDict):
    """How many events of a channel carry a text that was scored."""

    channel: str
    events: int
    with_text: int
    share: float


class EmotionSentiment(TypedDict):
    """Text sentiment (--sentiment): VADER's compound score, its language and coverage."""

    language: str
    texts_scored: int
    coverage: list[SentimentCoverage]


class EmotionOutput(TypedDict):
    """journeylog emotion --json: the emotion curve of one metric along the designed journey."""

    metric: str
    metric_label: str
    scale_low: float | None
    scale_high: float | None
    lower_is_better: bool
    by: str | None
    min_responses: int
    journeys: int
    placement: EmotionPlacement
    points: list[EmotionPoint]
    thin_points: list[str]
    desired: str | None  # the desired curve's file
    gaps: list[EmotionPoint]  # points with a desired score, worst shortfall first
    statements: list[str]
    split: EmotionSplit | None
    detractors: EmotionDetractors | None
    sentiment: EmotionSentiment | None
    notes: list[str]
