"""The shape of every ``--json`` output, as TypedDicts (keys in the order the commands write them).

One TypedDict per object: :class:`IngestOutput`, :class:`DiscoverOutput`,
:class:`ConformOutput`, :class:`CheckOutput` and :class:`DriftOutput` are the documents, the
others their parts. Times are ISO 8601 strings, NaN and missing figures ``None`` (JSON ``null``).
Keys that are Python keywords (``from``) use the functional TypedDict syntax. docs/json.md
explains the fields; :func:`journeylog.contracts.json_schema` turns these into JSON Schema.
"""

# no `from __future__ import annotations`: TypedDict reads NotRequired from evaluated annotations
from typing import Literal, NotRequired, TypedDict

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
    "from": str, "to": str, "count": int, "median_seconds": float | None,
})
ChannelSwitch.__doc__ = "Consecutive events of a journey on different channels."


class ActivityCount(TypedDict):
    """Journeys starting (or ending) with an activity."""

    activity: str
    count: int


class ActivityStats(TypedDict):
    """Events and journeys per activity, and the channel where it happens most."""

    activity: str
    count: int
    journeys: int
    channel: str | None


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


# --- journeylog contacts --json -------------------------------------------------------------------


class ClassCounts(TypedDict):
    """Contacts per class."""

    mandatory: int
    avoidable: int
    selfcare: int
    assistance: int


class ClassShares(TypedDict):
    """Each class's share of the contacts of a group (0 to 1; None when the group has none)."""

    mandatory: float | None
    avoidable: float | None
    selfcare: float | None
    assistance: float | None


class ContactsPerJourney(TypedDict):
    """How many journeys had this many contacts (0 included)."""

    contacts: int
    journeys: int


class DecidedBy(TypedDict):
    """How many contacts of a class one test decided (``rule: NAME``, ``model step``, ...)."""

    decided_by: str
    contacts: int


ContactClass = TypedDict("ContactClass", {
    "class": str, "contacts": int, "share": float | None, "decided_by": list[DecidedBy],
})
ContactClass.__doc__ = "One class: its contacts, their share of all contacts, and the tests that decided them."


class ChannelContacts(TypedDict):
    """The contacts on one channel, per class."""

    channel: str
    contacts: int
    classes: ClassCounts
    shares: ClassShares


class ReasonContacts(TypedDict):
    """The contacts on one reason (contact_reason, else the activity), per class."""

    reason: str
    contacts: int
    classes: ClassCounts
    shares: ClassShares


class ContactDriver(TypedDict):
    """A driver of avoidable contacts. ``kind``: failure (``activity`` failed on ``channel``
    before the contact), repeat (on ``reason``) or rule (``rule``)."""

    kind: Literal["failure", "repeat", "rule"]
    contact_channel: str
    activity: str | None
    channel: str | None
    reason: str | None
    rule: str | None
    contacts: int
    share: float
    statement: str


class AvoidableContacts(TypedDict):
    """Avoidable contacts: how many, their share of all contacts, and the top drivers."""

    contacts: int
    rate: float | None
    drivers: list[ContactDriver]


class RepeatContacts(TypedDict):
    """Contacts that repeat an earlier contact of the journey on the same reason within the window."""

    window_seconds: float
    repeats: int
    rate: float | None


class FirstContactResolution(TypedDict):
    """The first-contact-resolution proxy (``definition`` says how it is counted)."""

    definition: str
    contacts_considered: int
    resolved: int
    rate: float | None


ContactCost = TypedDict("ContactCost", {
    "class": str, "channel": str, "contacts": int, "cost_per_contact": float, "total": float,
    "per_month": float | None, "statement": str,
})
ContactCost.__doc__ = "The cost of one class's contacts on one channel (channels with a cost only)."

ClassCost = TypedDict("ClassCost", {"class": str, "contacts": int, "total": float, "per_month": float | None})
ClassCost.__doc__ = "The cost of one class's contacts on all channels with a cost."


class ContactCosts(TypedDict):
    """Costs from the rules file's ``costs`` (per contact, per channel)."""

    currency: str | None
    per_contact: dict[str, float]
    months: float | None
    total: float
    per_month: float | None
    classes: list[ClassCost]
    items: list[ContactCost]
    statements: list[str]


class ContactSettings(TypedDict):
    """What decided which events are contacts and their classes."""

    rules_file: str | None
    model: str | None
    channels: list[str]
    inbound_channels: list[str]
    direction_column: str
    self_service_channels: list[str]
    precedence: list[str]
    design: str
    failure_window_seconds: float
    repeat_window_seconds: float
    selfcare_from_log: bool
    rules: list[str]


class ContactsOutput(TypedDict):
    """``journeylog contacts --json``: assisted contacts, their classes and what drives them."""

    contacts: int
    journeys: int
    journeys_with_contacts: int
    contacts_per_journey: float | None
    first: str | None
    last: str | None
    per_journey: list[ContactsPerJourney]
    classes: list[ContactClass]
    by_channel: list[ChannelContacts]
    by_reason: list[ReasonContacts]
    avoidable: AvoidableContacts
    repeat: RepeatContacts
    first_contact_resolution: FirstContactResolution
    costs: ContactCosts | None
    settings: ContactSettings
    notes: list[str]


OUTPUTS: dict[str, type] = {
    "ingest": IngestOutput,
    "discover": DiscoverOutput,
    "conform": ConformOutput,
    "check": CheckOutput,
    "drift": DriftOutput,
    "contacts": ContactsOutput,
}
"""Command name -> the TypedDict of its ``--json`` document."""
