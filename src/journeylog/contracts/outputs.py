"""The shape of every ``--json`` output, as TypedDicts (keys in the order the commands write them).

One TypedDict per object: :class:`IngestOutput`, :class:`DiscoverOutput`,
:class:`ConformOutput`, :class:`CheckOutput` and :class:`DriftOutput` are the documents, the
others their parts. Times are ISO 8601 strings, NaN and missing figures ``None`` (JSON ``null``).
Keys that are Python keywords (``from``) use the functional TypedDict syntax. docs/json.md
explains the fields; :func:`journeylog.contracts.json_schema` turns these into JSON Schema.
"""

# no `from __future__ import annotations`: TypedDict reads NotRequired from evaluated annotations
from typing import Literal, NotRequired, TypedDict

from journeylog.contracts.emotion import EmotionOutput
from journeylog.contracts.funnel import FunnelOutput

# --- journeylog ingest --json ---------------------------------------------------------------------


class IngestSource(TypedDict):
    """One input: a file, a source of a source map, or a journeylog store read back."""

    name: str
    path: str
    format: str
    rows: int
    identity_kind: NotRequired[str]  # source maps with `identity:` only
    identity_column: NotRequired[str]
    keys: NotRequired[int]  # distinct keys once normalised
    keys_matched: NotRequired[int]  # not for kind customer_id (nothing is looked up)
    events_matched: NotRequired[int]
    match_rate: NotRequired[float | None]  # events matched / events; None for kind customer_id
    unmatched_sample: NotRequired[list[str]]  # a few unmatched keys, most events first
    min_match_rate: NotRequired[float]  # with an identity table: warned about under this
    default_country: NotRequired[str | None]  # phone kinds: the region national numbers are read in
    keys_unparseable: NotRequired[int]  # phone kinds: values that are not phone numbers
    events_unparseable: NotRequired[int]
    events: int
    rejected: NotRequired[int]  # not for a store (nothing is rejected)
    columns: NotRequired[dict[str, str]]  # not for a store: canonical role -> source column ("=web": fixed)
    columns_guessed: NotRequired[list[str]]  # the roles of ``columns`` guessed from the column names


class ChannelCount(TypedDict):
    """Events per channel, most first."""

    channel: str
    events: int


class IngestOutput(TypedDict):
    """``journeylog ingest --json``: totals, per source and per channel, duplicates and rejects."""

    events: int
    journeys: int
    customers: int
    activities: int
    first: str | None
    last: str | None
    journeys_from: Literal["column", "gap", "store"]
    duplicates: int
    duplicates_dropped: bool
    rejected_rows: int
    sources: list[IngestSource]
    channels: list[ChannelCount]
    notes: list[str]
    warnings: list[str]  # e.g. a source matching under its min_match_rate


# --- journeylog discover --json -------------------------------------------------------------------


class Variant(TypedDict):
    """One distinct path: its activities and the journeys that took it."""

    activities: list[str]
    journeys: int
    share: float
    cumulative_share: float


DfgEdge = TypedDict("DfgEdge", {
    "from": str, "to": str, "count": int, "median_seconds": float | None, "p90_seconds": float | None,
})
DfgEdge.__doc__ = "A directly-follows pair of the mapped journeys, with the time between them."

ChannelSwitch = TypedDict("ChannelSwitch", {
    "from": str, "to": str, "kind": NotRequired[Literal["customer", "other", "handoff"]], "count": int,
    "journeys": NotRequired[int], "median_seconds": float | None,
})
ChannelSwitch.__doc__ = """Consecutive events of a journey on different channels. ``kind``: ``customer`` (both
channels customer-facing: web, app, phone, chat, email, sms, store, social), ``handoff`` (an internal
channel, backoffice or field, is involved) or ``other``; listed customer first, then other, then handoff."""


class ActivityCount(TypedDict):
    """Journeys starting (or ending) with an activity."""

    activity: str
    count: int


class ChannelShare(TypedDict):
    """Events of an activity on one channel."""

    channel: str
    events: int


class ActivityStats(TypedDict):
    """Events and journeys per activity, the channel where it happens most, every channel's
    events (most first) and the time from the activity to the next event of its journey."""

    activity: str
    count: int
    journeys: int
    channel: str | None
    # new in 2026-12 (absent from older outputs): the mix and the time to the next event (None when
    # the activity always ends its journey)
    channel_mix: NotRequired[list[ChannelShare]]
    median_seconds: NotRequired[float | None]
    p90_seconds: NotRequired[float | None]


class ShownMap(TypedDict):
    """The process map as drawn: simplified by the activities and paths knobs, always connected
    (every activity reachable from start and reaching end). Same shapes as the full map."""

    activities_shown: int
    activities_total: int
    paths_shown: int  # arcs, counting those from start and to end
    paths_total: int
    activities_share: float
    paths_share: float
    paths_repaired: int  # arcs added back to keep the map connected
    activity_stats: list[ActivityStats]
    dfg: list[DfgEdge]
    start: list[ActivityCount]
    end: list[ActivityCount]


class MinedModel(TypedDict):
    """The model mined, when one was: what was run, on how many variants, and the tree."""

    algorithm: str
    variants: int
    process_tree: str


class DiscoverOutput(TypedDict):
    """``journeylog discover --json``: counts, variants, the process map and the mined model."""

    events: int
    journeys: int
    customers: int
    activities: int
    channels: int
    first: str | None
    last: str | None
    journeys_in_map: int
    variants: list[Variant]
    dfg: list[DfgEdge]
    start: list[ActivityCount]
    end: list[ActivityCount]
    activity_stats: list[ActivityStats]
    channel_switches: list[ChannelSwitch]
    map: NotRequired[ShownMap]
    model: NotRequired[MinedModel]
    notes: list[str]  # what was assumed about the log (e.g. dates without times)


# --- journeylog conform --json --------------------------------------------------------------------

DeviationKindName = Literal["skipped", "dropped_out", "unexpected", "repeated", "wrong_order"]


class Deviation(TypedDict):
    """One entry of the deviation catalogue (``id`` is ``kind:activity``). For ``dropped_out``,
    ``stage`` lists the steps that could have come next where the journeys stopped (sorted) and
    ``activity`` is them joined by ``" | "``; null for other kinds."""

    id: str
    kind: DeviationKindName
    statement: str
    activity: str
    stage: list[str] | None
    channel: str | None
    journeys: int
    share: float
    median_extra_seconds: float | None
    satisfaction_delta: float | None
    examples: list[str]
    context: str | None
    accepted: bool


class PatternActivity(TypedDict):
    """A failing step involved in a cross-channel pattern."""

    activity: str
    journeys: int


class PatternFound(TypedDict):
    """A cross-channel pattern (built in or from a rules file) and the journeys showing it."""

    id: str
    name: str
    statement: str
    journeys: int
    share: float
    median_seconds_to_contact: float | None
    activities: list[PatternActivity]
    examples: list[str]
    median_extra_seconds: float | None
    satisfaction_delta: float | None
    builtin: bool
    accepted: bool


class UnknownActivity(TypedDict):
    """A log activity the model never mentions, and the closest model task."""

    activity: str
    suggestion: str | None


class UnseenTask(TypedDict):
    """A model task never seen in the log, and the closest log activity."""

    task: str
    suggestion: str | None


class LabelOverlapOutput(TypedDict):
    """How far log and model share activity labels (exact names), see :func:`journeylog.models.label_overlap`."""

    events_share: float
    log_activities_in_model: float
    model_tasks_in_log: float | None


class ConformOutput(TypedDict):
    """``journeylog conform --json``: fitness, precision, deviations and patterns."""

    method: Literal["alignments", "tbr"]
    fitness: float | None
    fitting_share: float | None
    average_fitness: float | None
    precision: float | None
    fitting_share_accepted: float | None
    journeys: int
    deviations: list[Deviation]
    patterns: list[PatternFound]
    unknown_activities: list[UnknownActivity]
    unseen_tasks: list[UnseenTask]
    label_overlap: LabelOverlapOutput | None
    model_fits_log: bool
    journeys_in_progress: int
    settle_seconds: float
    notes: list[str]
    #: the score the deviations' and patterns' ``satisfaction_delta`` compare when it is not the
    #: canonical satisfaction (``conform --metric csat``: "CSAT (1-5)"); absent otherwise
    impact_metric: NotRequired[str]


# --- journeylog check --json ----------------------------------------------------------------------


class CheckSummary(TypedDict):
    """How many checks ran and how they ended."""

    checks: int
    passed: int
    warnings: int
    failed: int
    skipped: int


class CheckFigures(TypedDict):
    """The conformance figures the checks were evaluated on."""

    journeys: int | None
    fitness: float | None
    fitting_share: float | None
    fitting_share_accepted: float | None
    precision: float | None
    journeys_in_progress: int | None
    model_fits_log: bool | None


class CheckEntry(TypedDict):
    """One check: what it is about, its value against its threshold, and why it ended so."""

    name: str
    kind: str
    item: str | None
    severity: Literal["error", "warn"]
    status: Literal["PASS", "WARN", "FAIL", "SKIP"]
    value: float | None
    threshold: float | bool | None
    baseline: float | None
    p_value: float | None
    message: str


class CheckOutput(TypedDict):
    """``journeylog check --json``: the verdict, the figures and every check."""

    status: Literal["pass", "fail"]
    exit_code: int
    summary: CheckSummary
    figures: CheckFigures
    config: str | None
    baseline: str | None
    checks: list[CheckEntry]


# --- journeylog drift --json ----------------------------------------------------------------------


class DriftItem(TypedDict):
    """What is tracked over time: fitness, the fitting share, a deviation or a pattern."""

    id: str
    kind: str
    activity: str | None
    label: str
    accepted: bool


class DriftWindow(TypedDict):
    """One window: its journeys, figures and the share of each tracked deviation or pattern."""

    index: int
    start: str
    end: str
    journeys: int
    journeys_in_progress: int
    tested: bool
    fitness: float | None
    fitting_share: float | None
    fitting_share_accepted: float | None
    shares: dict[str, float | None]


class DriftChange(TypedDict):
    """A significant change: where it starts, the value before and after, and the test."""

    window: str
    window_end: str
    window_index: int
    since: str
    within_window: bool
    item: str
    kind: str
    activity: str | None
    direction: Literal["rose", "fell"]
    before: float
    after: float
    journeys_before: int
    journeys_after: int
    p_value: float
    q_value: float | None
    test: Literal["chi2", "fisher", "mann-whitney"]
    statement: str


class DriftOutput(TypedDict):
    """``journeylog drift --json``: the windows, the tests made and the changes found."""

    window: str
    windowing: Literal["calendar", "journeys"]
    alpha: float
    correction: Literal["holm", "bh"]
    min_effect: float
    min_journeys: int
    method: str
    journeys: int
    journeys_in_progress: int
    fitness: float | None
    fitting_share: float | None
    fitting_share_accepted: float | None
    tests: int
    items: list[DriftItem]
    windows: list[DriftWindow]
    changes: list[DriftChange]
    notes: list[str]


from journeylog.contracts.contacts import ContactsOutput  # noqa: E402  (its own module: outputs.py stays small)
from journeylog.contracts.explain import ExplainOutput  # noqa: E402  (its own module: outputs.py stays small)


class CompareItem(TypedDict):
    """A share compared between segments: the failure rate, a channel, a top variant, a pattern,
    the fitting share or a deviation."""

    id: str
    kind: str  # failure, channel, variant, pattern, fitting_share, or a deviation kind
    label: str


class CompareSegment(TypedDict):
    """The key figures of one segment."""

    name: str
    journeys: int
    events: int
    share_of_journeys: float
    median_duration_seconds: float | None
    p90_duration_seconds: float | None
    satisfaction: float | None
    fitness: float | None
    shares: dict[str, float | None]


class CompareDifference(TypedDict):
    """A significant difference in one share between a segment and another (or the rest)."""

    item: str
    kind: str
    segment: str
    against: str
    share: float
    share_against: float
    journeys: int
    journeys_against: int
    ratio: float | None
    p_value: float
    q_value: float
    test: Literal["chi2", "fisher"]
    statement: str


class CompareOutput(TypedDict):
    """``journeylog compare --json``: the same key figures per segment, and the significant differences."""

    by: str | None
    comparison: Literal["pair", "each against the rest"]
    alpha: float
    correction: Literal["holm", "bh"]
    min_effect: float
    min_journeys: int
    method: str
    journeys: int
    tests: int
    items: list[CompareItem]
    segments: list[CompareSegment]
    differences: list[CompareDifference]
    notes: list[str]


OUTPUTS: dict[str, type] = {
    "ingest": IngestOutput,
    "discover": DiscoverOutput,
    "conform": ConformOutput,
    "check": CheckOutput,
    "drift": DriftOutput,
    "contacts": ContactsOutput,
    "explain": ExplainOutput,
    "emotion": EmotionOutput,
    "compare": CompareOutput,
    "funnel": FunnelOutput,
}
"""Command name -> the TypedDict of its ``--json`` document."""
