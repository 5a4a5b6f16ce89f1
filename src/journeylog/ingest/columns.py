"""How to read one log file (:class:`ReadOptions`), reading it raw, and which source column
plays which canonical role (:func:`detect_columns`): explicit options first, then well-known names.

>>> detect_columns(["case_id", "activity", "ts"], ReadOptions(), "x.csv").timestamp
'ts'
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.config.metrics import MetricSpec
from journeylog.errors import InvalidInput, ResourceLimit, UsageError, param
from journeylog.io.files import local_file
from journeylog.io.store import STORE_KEY
from journeylog.io.tabular import parquet_info, read_csv, read_jsonl, read_parquet, sniff_format
from journeylog.journeys.selection import JourneySelection

__all__ = [
    "CANDIDATES",
    "DEFAULT_GAP",
    "ROLE_TO_COLUMN",
    "ColumnMap",
    "RawFrame",
    "ReadOptions",
    "column_summary",
    "detect_columns",
    "guessed_roles",
    "read_raw",
    "refuse_huge_cells",
]

DEFAULT_GAP = timedelta(days=30)

# Column auto-detection: canonical role -> candidate source names (lower-case), in priority order.
CANDIDATES: dict[str, tuple[str, ...]] = {
    # Disco and Celonis exports: "Case ID", "Activity", "Complete Timestamp" ("Start Timestamp",
    # "Resource" and "Variant" stay attributes), Celonis "_CASE_KEY", "ACTIVITY_EN", "EVENTTIME"
    "case": ("journey_id", "case:concept:name", "case_id", "caseid", "case id", "case", "_case_key", "case key",
             "journey", "session_id", "session"),
    "customer": ("customer_id", "customer", "customerid", "client_id", "client"),
    "activity": ("activity", "concept:name", "event", "action", "activity_name", "activity_en", "task", "step"),
    "timestamp": ("timestamp", "time:timestamp", "complete timestamp", "end timestamp", "eventtime", "event time",
                  "ts", "time", "datetime", "event_time", "date"),
    "channel": ("channel", "case:channel", "medium", "touchpoint"),
    "outcome": ("outcome", "status", "result"),
    "satisfaction": ("satisfaction", "csat", "rating"),
    "contact_reason": ("contact_reason", "reason", "contact reason"),
    "text": ("text", "message", "transcript", "note"),
}
ROLE_TO_COLUMN = {
    "activity": S.ACTIVITY, "timestamp": S.TIMESTAMP, "outcome": S.OUTCOME, "satisfaction": S.SATISFACTION,
    "contact_reason": S.CONTACT_REASON, "text": S.TEXT,
}


@dataclass(frozen=True)
class ReadOptions:
    """How to read one log file. ``None`` means: auto-detect.

    ``channel`` names a channel column; when the file has no column of that name it is a fixed
    channel for every event (``--channel web``) if the file has no channel column at all, and
    otherwise a channel *filter* that commands such as ``discover`` apply (``channel_filter``).
    ``timestamp_format`` is a strftime format
    (``%d/%m/%Y %H:%M``), ``iso``, ``epoch_s`` or ``epoch_ms``. ``timezone`` is the IANA zone of
    naive local times (default UTC).
    """

    case: str | None = None
    customer: str | None = None
    activity: str | None = None
    timestamp: str | None = None
    channel: str | None = None
    outcome: str | None = None
    satisfaction: str | None = None
    contact_reason: str | None = None
    text: str | None = None
    timestamp_format: str | None = None
    timezone: str | None = None
    delimiter: str | None = None
    encoding: str = "utf-8"
    format: str | None = None
    gap: timedelta = DEFAULT_GAP
    skip_invalid_rows: bool = False
    allow_outside_paths: bool = False  # a source map may name files outside its folder
    max_input_bytes: int | None = None
    drop_duplicates: bool = True  # exact duplicate events: drop (ingest) or keep and count (analysis)
    extra_outcomes: dict[str, str] = field(default_factory=dict)  # spelling -> success|failure
    metrics: tuple[MetricSpec, ...] = ()  # named experience metrics -> metric_<name> columns
    #: the journeys analyses read (segments, start dates, journey conditions); None: all.
    #: Applied by read_events and open_events, never by ingest (a store keeps every journey).
    selection: JourneySelection | None = None
    #: called with the :class:`journeylog.ingest.result.IngestResult` once an analysis read is done
    #: (rows skipped, duplicates kept or dropped): how the CLI says it on stderr and writes ``--rejects``
    on_read: Callable[[Any], None] | None = field(default=None, compare=False, repr=False)
    #: the event-level engine of an analysis: ``polars`` (default) or ``spark`` (a store read by
    #: Spark, see :mod:`journeylog.ingest.spark_store`), and the master of a local Spark session
    engine: str = "polars"
    spark_master: str | None = None

    def after(self, ready: Callable[[], Any]) -> ReadOptions:
        """These options with ``ready()`` called before anything is said about the read
        (``on_read``, the selection's ``on_selected``). A command converting its model beside
        the read (:func:`journeylog.models.loading_model`) passes the model's getter, so a broken
        model is reported alone, as when the model was loaded before the log."""
        def first(callback: Callable[[Any], None] | None) -> Callable[[Any], None] | None:
            if callback is None:
                return None
            hear = callback

            def after_ready(arg: Any) -> None:
                ready()
                hear(arg)
            return after_ready

        selection = self.selection
        if selection is not None and selection.on_selected is not None:
            selection = replace(selection, on_selected=first(selection.on_selected))
        return replace(self, on_read=first(self.on_read), selection=selection)


# --------------------------------------------------------------------------------------------
# Reading one raw file
# --------------------------------------------------------------------------------------------


@dataclass
class RawFrame:
    """One file as read: every column as the file has it, plus ``source_row``."""

    frame: pl.DataFrame
    label: str  # the path as given, for messages
    fmt: str
    canonical: bool = False  # a journeylog store


def refuse_too_many_events(rows: int, label: str, *, footer: bool = False) -> None:
    """More rows than the run's ``max_events`` (:class:`journeylog.settings.Settings`) is a
    resource limit, exit 4 (for Parquet from the footer, before anything is loaded)."""
    from journeylog.settings import current

    cap = current().max_events
    if cap is not None and rows > cap:
        raise ResourceLimit(f"the log has {rows:,} {'rows (from its footer)' if footer else 'rows'}, more than "
                            f"the {cap:,} allowed", path=label, hint=f"raise {param('max_events')} if the file is trusted")


def read_raw(path: str | os.PathLike[str], opts: ReadOptions) -> RawFrame:
    """Read one CSV, JSON Lines, Parquet or XES file as it is (no column meaning yet)."""
    raw = _read_raw(path, opts)
    refuse_too_many_events(raw.frame.height, raw.label)
    refuse_huge_cells(raw.frame, raw.label)
    return raw


def refuse_huge_cells(frame: pl.DataFrame, label: str) -> None:
    """A text cell longer than the run's ``max_cell_bytes`` (:class:`journeylog.settings.Settings`)
    is a resource limit, exit 4, at FILE:ROW:COLUMN (the value is not shown)."""
    from journeylog.settings import current

    cap = current().max_cell_bytes
    text = [c for c, t in frame.schema.items() if t == pl.String or isinstance(t, (pl.Categorical, pl.Enum))]
    if not text:
        return
    longest = frame.select(pl.col(c).cast(pl.String).str.len_bytes().max() for c in text).row(0)
    for col, size in zip(text, longest, strict=True):
        if size is not None and size > cap:
            rows = frame.filter(pl.col(col).cast(pl.String).str.len_bytes() > cap)
            row = rows[S.SOURCE_ROW][0] if S.SOURCE_ROW in rows.columns else None
            raise ResourceLimit(f"a cell is longer than the {cap:,}-byte limit", path=label, row=row, column=col,
                                hint=f"raise {param('max_cell_bytes')} if the file is trusted")


def _read_raw(path: str | os.PathLike[str], opts: ReadOptions) -> RawFrame:
    label = os.fspath(path)
    fmt = sniff_format(path, opts.format)
    if fmt == "yaml":
        raise UsageError("a YAML source map is read by `journeylog ingest`, not here", path=label,
                         hint="run `journeylog ingest SOURCES.yaml -o journeys.parquet` first")
    if fmt == "csv":
        delim = opts.delimiter
        if delim is None and label.lower().endswith(".tsv"):
            delim = "\t"
        return RawFrame(read_csv(path, delimiter=delim, encoding=opts.encoding, max_bytes=opts.max_input_bytes), label, fmt)
    if fmt == "jsonl":
        return RawFrame(read_jsonl(path, max_bytes=opts.max_input_bytes), label, fmt)
    if fmt == "parquet":
        try:
            rows = parquet_info(local_file(path))[0]
        except InvalidInput:
            raise
        except Exception:  # noqa: BLE001 - a damaged file is reported by read_parquet
            rows = 0
        refuse_too_many_events(rows, label, footer=True)
        frame, meta = read_parquet(path)
        return RawFrame(frame, label, fmt, canonical=STORE_KEY in meta)
    from journeylog.io.xes import read_xes  # lxml is imported for XES logs only

    xes = read_xes(path, max_bytes=opts.max_input_bytes)
    if xes.events.height == 0:
        raise InvalidInput("the XES log has no events", path=label)
    return RawFrame(xes.events, label, "xes")


# --------------------------------------------------------------------------------------------
# Column detection
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMap:
    """Source column for each canonical role (None: absent). ``channel_value``: a fixed channel."""

    case: str | None
    customer: str | None
    activity: str
    timestamp: str
    channel: str | None
    channel_value: str | None
    outcome: str | None
    satisfaction: str | None
    contact_reason: str | None
    text: str | None
    explicit: frozenset[str]
    channel_filter: str | None = None  # --channel VALUE on a log that has a channel column


def _choose(present: list[str], opts: ReadOptions, label: str) -> tuple[dict[str, str | None], set[str]]:
    """Role -> source column (explicit options, else the first well-known name present), and the
    roles named explicitly."""
    lower = {c.lower().strip(): c for c in reversed(present)}
    chosen: dict[str, str | None] = {}
    explicit: set[str] = set()
    for role in CANDIDATES:
        given = getattr(opts, role)
        if role == "channel" and given is not None and given not in present:
            given = None  # a fixed value or a filter, decided below; still find the channel column
        if given is not None:
            if given not in present:
                raise UsageError(f"no column {given!r} for --{role.replace('_', '-')}", path=label,
                                 hint=f"columns found: {', '.join(present)}")
            chosen[role] = given
            explicit.add(role)
            continue
        chosen[role] = next((lower[c] for c in CANDIDATES[role] if c in lower), None)
        _refuse_case_twins(role, chosen[role], present, label)
    return chosen, explicit


def _refuse_case_twins(role: str, column: str | None, present: list[str], label: str) -> None:
    """A role guessed from a name two columns share up to case ('Activity' and 'activity') is an
    error naming both: which one was meant is not for journeylog to guess."""
    if column is None:
        return
    twins = [c for c in present if c.lower().strip() == column.lower().strip()]
    if len(twins) > 1:
        raise UsageError(f"columns {twins[0]!r} and {twins[1]!r} differ only in case; which is the {role}?",
                         path=label, hint=f"name it with {param(role)}")


def _check_chosen(chosen: dict[str, str | None], identity: str | None, label: str, found: str) -> None:
    """Required roles present, no column in two roles, except case and customer: the customer
    column as the case means one journey per customer."""
    missing = [r for r in ("activity", "timestamp") if chosen[r] is None]
    if chosen["case"] is None and chosen["customer"] is None:
        missing.insert(0, "case or customer")
    if missing:
        raise InvalidInput(
            f"required column missing: {', '.join(missing)}",
            path=label,
            hint=f"columns found: {found}; name them with "
                 f"{param('case')}/{param('customer')}/{param('activity')}/{param('timestamp')}",
        )
    used = [v for v in chosen.values() if v is not None]
    for col in sorted({v for v in used if used.count(v) > 1}):
        roles = [r for r, v in chosen.items() if v == col]
        # the customer column as the case: one journey per customer (a source's identity may be its case too)
        if set(roles) != {"case", "customer"}:
            raise UsageError(f"column {col!r} is used for several roles: {', '.join(roles)}", path=label,
                             hint="name a different column for one of them")


def detect_columns(columns: Sequence[str], opts: ReadOptions, label: str, *, identity: str | None = None) -> ColumnMap:
    """Pick the source column for every role: explicit options first, then well-known names.

    >>> detect_columns(["case:concept:name", "concept:name", "time:timestamp"], ReadOptions(), "x.xes").activity
    'concept:name'
    """
    present = [c for c in columns if c != "source_row"]
    found = ", ".join(present)
    chosen, explicit = _choose(present, opts, label)
    if identity is not None:
        if identity not in present:
            raise InvalidInput(f"identity column {identity!r} not found", path=label, hint=f"columns found: {found}")
        chosen["customer"] = identity
        explicit.add("customer")
    _check_chosen(chosen, identity, label, found)
    channel_value = opts.channel if opts.channel is not None and opts.channel not in present else None
    channel_filter = None
    if channel_value is not None and chosen["channel"] is not None:
        channel_filter, channel_value = channel_value, None
    return ColumnMap(
        case=chosen["case"] if identity is None else (chosen["case"] if chosen["case"] != identity else None),
        customer=chosen["customer"],
        activity=chosen["activity"],  # type: ignore[arg-type]
        timestamp=chosen["timestamp"],  # type: ignore[arg-type]
        channel=chosen["channel"],
        channel_value=channel_value,
        outcome=chosen["outcome"],
        satisfaction=chosen["satisfaction"],
        contact_reason=chosen["contact_reason"],
        text=chosen["text"],
        explicit=frozenset(explicit),
        channel_filter=channel_filter,
    )


def column_summary(cmap: ColumnMap) -> dict[str, str]:
    """Role -> source column for the ingest summary (a fixed channel as ``=VALUE``), roles present only.

    >>> column_summary(detect_columns(["case", "activity", "ts"], ReadOptions(channel="web"), "x.csv"))
    {'case': 'case', 'activity': 'activity', 'timestamp': 'ts', 'channel': '=web'}
    """
    d = {f: getattr(cmap, f) for f in ("case", "customer", "activity", "timestamp", "channel", "outcome",
                                       "satisfaction", "contact_reason", "text")}
    if cmap.channel_value:
        d["channel"] = f"={cmap.channel_value}"
    return {k: v for k, v in d.items() if v is not None}


def guessed_roles(cmap: ColumnMap) -> list[str]:
    """The roles of :func:`column_summary` whose column was guessed from its name, not given.

    >>> guessed_roles(detect_columns(["case", "activity", "ts"], ReadOptions(activity="activity"), "x.csv"))
    ['case', 'timestamp']
    """
    fixed = {"channel"} if cmap.channel_value else set()
    return [r for r in column_summary(cmap) if r not in cmap.explicit and r not in fixed]
