"""Ingest: raw exports -> one canonical, stitched, journey-cut event table.

Two entry points:

* :func:`read_events` reads ONE log file (CSV, Parquet, JSON Lines, XES/XES.gz or a journeylog
  store), detects its columns (overridable) and returns canonical events. Every command that reads
  a log goes through it.
* :func:`ingest` does the same for one file, or for a YAML *source map* naming several exports,
  each with its own columns, time format, channel and identity kind, stitched to customers through
  an identity table (see ``docs/sources.md``).

Nothing is dropped or changed silently: rows that cannot be read are an error naming the file,
row and column, or, with ``skip_invalid_rows``, are counted and returned as ``rejects``. Exact
duplicate events are counted and dropped. The result is sorted by (journey, timestamp, input order).

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
>>> _ = p.write_text("case_id,activity,timestamp\\n007,March,2024-01-01 10:00\\n7,Pay,2024-01-02 09:00\\n")
>>> result = ingest(p)
>>> result.events.select("journey_id", "activity", pl.col("timestamp").dt.to_string()).rows()
[('007', 'March', '2024-01-01 10:00:00.000000+00:00'), ('7', 'Pay', '2024-01-02 09:00:00.000000+00:00')]
"""

from __future__ import annotations

import json
import os
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.errors import InvalidInput, UsageError
from journeylog.io.files import atomic_output, local_file
from journeylog.io.tabular import parquet_info, read_csv, read_jsonl, read_parquet, sniff_format

STORE_KEY = "journeylog"
STORE_VERSION = 1
DEFAULT_GAP = timedelta(days=30)
MAX_NAME_LENGTH = 1000

# Column auto-detection: canonical role -> candidate source names (lower-case), in priority order.
CANDIDATES: dict[str, tuple[str, ...]] = {
    "case": ("journey_id", "case:concept:name", "case_id", "caseid", "case id", "case", "journey", "session_id", "session"),
    "customer": ("customer_id", "customer", "customerid", "client_id", "client"),
    "activity": ("activity", "concept:name", "event", "action", "activity_name", "task", "step"),
    "timestamp": ("timestamp", "time:timestamp", "ts", "time", "datetime", "event_time", "date"),
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
    otherwise a channel *filter* that commands such as ``discover`` apply (``channel_filter``). ``timestamp_format`` is a strftime format
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
    max_input_bytes: int | None = None
    drop_duplicates: bool = True  # exact duplicate events: drop (ingest) or keep and count (analysis)
    extra_outcomes: dict[str, str] = field(default_factory=dict)  # spelling -> success|failure


@dataclass
class IngestResult:
    """Canonical events plus what happened on the way (see :meth:`summary`)."""

    events: pl.DataFrame | None  # None when written out of core straight to ``store``
    sources: list[dict[str, Any]]
    duplicates: int  # exact duplicate events found (dropped when ReadOptions.drop_duplicates)
    rejects: pl.DataFrame
    notes: list[str]
    journeys_from: str  # "column" or "gap"
    channel_filter: str | None = None  # see ReadOptions.channel
    duplicates_dropped: bool = True
    store: Path | None = None  # the journeylog store written, if any

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary: totals, per source, per channel, duplicates, rejects, identity matches."""
        from journeylog.journeys import JourneyFigures

        with EventSource(self.events) if self.events is not None else EventSource(store=self.store) as source:
            figs = JourneyFigures.of_batches(source.batches([S.CUSTOMER_ID, S.CHANNEL, S.ACTIVITY]),
                                             activities=source.distinct(S.ACTIVITY), channels=source.distinct(S.CHANNEL),
                                             parts=("summary",), spill=source.spill)
            totals = figs.summary()
            per_channel = figs.channel_counts()
        first, last = totals["first"], totals["last"]
        return {
            "events": totals["events"],
            "journeys": totals["journeys"],
            "customers": totals["customers"],
            "activities": totals["activities"],
            "first": first.isoformat() if first else None,
            "last": last.isoformat() if last else None,
            "journeys_from": self.journeys_from,
            "duplicates": self.duplicates,
            "duplicates_dropped": self.duplicates_dropped,
            "rejected_rows": self.rejects.height,
            "sources": self.sources,
            "channels": [{"channel": c, "events": n} for c, n in per_channel.iter_rows()],
            "notes": self.notes,
        }


# --------------------------------------------------------------------------------------------
# Reading one raw file
# --------------------------------------------------------------------------------------------


@dataclass
class _Raw:
    frame: pl.DataFrame
    label: str  # the path as given, for messages
    fmt: str
    canonical: bool = False


def _read_raw(path: str | os.PathLike[str], opts: ReadOptions) -> _Raw:
    label = os.fspath(path)
    fmt = sniff_format(path, opts.format)
    if fmt == "yaml":
        raise UsageError("a YAML source map is read by `journeylog ingest`, not here", path=label,
                         hint="run `journeylog ingest SOURCES.yaml -o journeys.parquet` first")
    if fmt == "csv":
        delim = opts.delimiter
        if delim is None and label.lower().endswith(".tsv"):
            delim = "\t"
        return _Raw(read_csv(path, delimiter=delim, encoding=opts.encoding, max_bytes=opts.max_input_bytes), label, fmt)
    if fmt == "jsonl":
        return _Raw(read_jsonl(path, max_bytes=opts.max_input_bytes), label, fmt)
    if fmt == "parquet":
        frame, meta = read_parquet(path)
        return _Raw(frame, label, fmt, canonical=STORE_KEY in meta)
    from journeylog.io.xes import read_xes

    xes = read_xes(path, max_bytes=opts.max_input_bytes)
    if xes.events.height == 0:
        raise InvalidInput("the XES log has no events", path=label)
    return _Raw(xes.events, label, "xes")


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


def detect_columns(columns: Sequence[str], opts: ReadOptions, label: str, *, identity: str | None = None) -> ColumnMap:
    """Pick the source column for every role: explicit options first, then well-known names.

    >>> detect_columns(["case:concept:name", "concept:name", "time:timestamp"], ReadOptions(), "x.xes").activity
    'concept:name'
    """
    present = [c for c in columns if c != "source_row"]
    lower = {c.lower().strip(): c for c in reversed(present)}
    chosen: dict[str, str | None] = {}
    explicit: set[str] = set()
    found = ", ".join(present)
    for role in CANDIDATES:
        given = getattr(opts, role)
        if role == "channel" and given is not None and given not in present:
            given = None  # a fixed value or a filter, decided below; still find the channel column
        if given is not None:
            if given not in present:
                raise UsageError(f"no column {given!r} for --{role.replace('_', '-')}", path=label,
                                 hint=f"columns found: {found}")
            chosen[role] = given
            explicit.add(role)
            continue
        chosen[role] = next((lower[c] for c in CANDIDATES[role] if c in lower), None)
    if identity is not None:
        if identity not in present:
            raise InvalidInput(f"identity column {identity!r} not found", path=label, hint=f"columns found: {found}")
        chosen["customer"] = identity
        explicit.add("customer")
    missing = [r for r in ("activity", "timestamp") if chosen[r] is None]
    if chosen["case"] is None and chosen["customer"] is None:
        missing.insert(0, "case or customer")
    if missing:
        raise InvalidInput(
            f"required column missing: {', '.join(missing)}",
            path=label,
            hint=f"columns found: {found}; name them with --case/--customer/--activity/--timestamp",
        )
    used = [v for v in chosen.values() if v is not None]
    dup = sorted({v for v in used if used.count(v) > 1})
    if dup:
        roles = [r for r, v in chosen.items() if v == dup[0]]
        if identity is None or set(roles) != {"case", "customer"}:
            raise UsageError(f"column {dup[0]!r} is used for several roles: {', '.join(roles)}", path=label)
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


# --------------------------------------------------------------------------------------------
# Timestamps
# --------------------------------------------------------------------------------------------

_NAIVE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S%.f", "%Y/%m/%d %H:%M", "%Y/%m/%d",
    "%d/%m/%Y %H:%M:%S%.f", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%m/%d/%Y %H:%M:%S%.f", "%m/%d/%Y %H:%M", "%m/%d/%Y",
    "%d.%m.%Y %H:%M:%S%.f", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d-%m-%Y %H:%M:%S%.f", "%d-%m-%Y %H:%M", "%d-%m-%Y",
)
_AWARE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z", "%Y-%m-%d %H:%M%#z",
    "%Y-%m-%dT%H:%M:%S%.f %#z", "%Y-%m-%d %H:%M:%S%.f %#z",
)
_OFFSET_RE = r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|z|[+-]\d{2}(?::?\d{2})?)$"
_SAMPLE = 2000


def _check_timezone(tz: str | None) -> str:
    if tz is None:
        return "UTC"
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {tz!r}", hint="an IANA name such as Europe/Berlin or UTC") from None
    return tz


def _localise(expr: pl.Expr, tz: str) -> pl.Expr:
    if tz == "UTC":
        return expr.dt.replace_time_zone("UTC")
    return expr.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null").dt.convert_time_zone("UTC")


def _pick_formats(values: pl.Series, candidates: Sequence[str]) -> list[str]:
    """The formats that parse the most sampled values (first and last values of the column);
    rows no format parses are reported later, row by row."""
    n = values.len()
    if n > _SAMPLE:
        idx = sorted(set(list(range(_SAMPLE // 2)) + list(range(n - _SAMPLE // 2, n))))
        values = values.gather(idx)
    parsed = {f: values.len() - values.str.to_datetime(f, strict=False, time_unit="us").null_count() for f in candidates}
    best = max(parsed.values(), default=0)
    return [f for f in candidates if best > 0 and parsed[f] == best]


def _timestamp_expr(
    raw: pl.DataFrame, col: str, fmt: str | None, tz: str, label: str, *, tz_given: bool = False
) -> tuple[pl.Expr, str]:
    """An expression giving UTC timestamps for column ``col`` (null where unparseable) and a
    description of the format used. Raises on ambiguity or a column that fits no format."""
    dtype = raw.schema[col]
    c = pl.col(col)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            return _localise(c.cast(pl.Datetime("us")), tz), f"datetime (naive, {tz})"
        return c.dt.convert_time_zone("UTC").cast(S.TIME_DTYPE), "datetime"
    if isinstance(dtype, pl.Date):
        return _localise(c.cast(pl.Datetime("us")), tz), f"date ({tz})"
    if dtype.is_numeric():
        unit = fmt or ""
        if unit not in ("epoch_s", "epoch_ms"):
            mx = raw.select(c.abs().max()).item()
            unit = "epoch_ms" if mx is not None and mx > 1e11 else "epoch_s"
        factor = 1_000_000 if unit == "epoch_s" else 1_000
        return pl.from_epoch((c.cast(pl.Float64) * factor).round(0).cast(pl.Int64), time_unit="us").dt.replace_time_zone("UTC"), unit
    if not (dtype == pl.String):
        raise InvalidInput(f"timestamp column {col!r} has type {dtype}, expected text or a datetime", path=label)
    s = raw[col].str.strip_chars()
    nonempty = s.filter(s.is_not_null() & (s != ""))
    if nonempty.len() == 0:
        raise InvalidInput(f"the timestamp column {col!r} is empty", path=label, column=col)
    if fmt in ("epoch_s", "epoch_ms") or (fmt is None and nonempty.str.contains(r"^\d{9,13}(\.\d+)?$").all()):
        unit = fmt or ("epoch_ms" if nonempty.str.len_chars().max() >= 12 else "epoch_s")  # type: ignore[operator]
        factor = 1_000_000 if unit == "epoch_s" else 1_000
        num = c.str.strip_chars().cast(pl.Float64, strict=False)
        return pl.from_epoch((num * factor).round(0).cast(pl.Int64), time_unit="us").dt.replace_time_zone("UTC"), unit
    stripped = c.str.strip_chars()
    if fmt is not None and fmt != "iso":
        aware = any(z in fmt for z in ("%z", "%#z", "%:z", "%Z"))
        parsed = stripped.str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC" if aware else None)
        return (parsed if aware else _localise(parsed, tz)), fmt + ("" if aware or tz == "UTC" else f" in {tz}")
    has_offset = nonempty.str.contains(_OFFSET_RE)
    n_off = int(has_offset.sum())
    naive_vals, aware_vals = nonempty.filter(~has_offset), nonempty.filter(has_offset)
    if 0 < n_off < nonempty.len() and not tz_given:
        first_naive = raw.with_row_index("_i").filter(
            pl.col(col).str.strip_chars().is_not_null() & ~pl.col(col).str.strip_chars().str.contains(_OFFSET_RE)
            & (pl.col(col).str.strip_chars() != "")
        ).row(0, named=True)
        raise InvalidInput(
            f"timestamps mix values with a UTC offset and values without one ({first_naive[col]!r})",
            path=label,
            row=first_naive.get("source_row"),
            column=col,
            hint="give --timezone for the naive ones (e.g. --timezone Europe/Berlin)",
        )
    parts: list[pl.Expr] = []
    described: list[str] = []
    is_off = stripped.str.contains(_OFFSET_RE)
    if naive_vals.len():
        fmts = _pick_formats(naive_vals, [f for f in _NAIVE_FORMATS if fmt != "iso" or f.startswith("%Y-")])
        fmts = _resolve_ambiguity(raw, col, fmts, label, aware=False)
        parts.append(pl.when(~is_off).then(_localise(stripped.str.to_datetime(fmts[0], strict=False, time_unit="us"), tz)))
        described.append(fmts[0] + ("" if tz == "UTC" else f" in {tz}"))
    if aware_vals.len():
        fmts = _pick_formats(aware_vals, _AWARE_FORMATS)
        fmts = _resolve_ambiguity(raw, col, fmts, label, aware=True)
        parts.append(pl.when(is_off).then(stripped.str.to_datetime(fmts[0], strict=False, time_unit="us", time_zone="UTC")))
        described.append(fmts[0])
    expr = parts[0] if len(parts) == 1 else pl.coalesce(parts)
    return expr.cast(S.TIME_DTYPE), " / ".join(described)



def _resolve_ambiguity(raw: pl.DataFrame, col: str, fmts: list[str], label: str, *, aware: bool) -> list[str]:
    """Of the candidate formats, those parsing the most values of the whole column; two that read
    the same values differently (day/month order) are an error."""
    values = raw[col].str.strip_chars()
    if not fmts:
        first = raw.filter(pl.col(col).is_not_null() & (pl.col(col).str.strip_chars() != "")).row(0, named=True)
        raise InvalidInput(
            f"timestamp {str(first[col])[:80]!r} is not a date and time journeylog recognises",
            path=label, row=first.get("source_row"), column=col,
            hint="give --timestamp-format, e.g. '%d/%m/%Y %H:%M', or epoch_s / epoch_ms",
        )
    parsed = {f: values.str.to_datetime(f, strict=False, time_unit="us") for f in fmts}
    counts = {f: p.len() - p.null_count() for f, p in parsed.items()}
    best = max(counts.values())
    full = [f for f in fmts if counts[f] == best]
    if len(full) > 1 and any(not parsed[full[0]].equals(parsed[f]) for f in full[1:]):
        raise InvalidInput(
            f"timestamps are ambiguous: they read both as {full[0]!r} and as {full[1]!r}",
            path=label, column=col,
            hint="give --timestamp-format to say which (day/month order)",
        )
    return full


def _outcome_expr(col: str, extra: dict[str, str]) -> pl.Expr:
    mapping = {**S.OUTCOME_VALUES, **{k.lower(): v for k, v in extra.items()}}
    key = pl.col(col).cast(pl.String).str.strip_chars().str.to_lowercase()
    return pl.when(key.is_null() | (key == "")).then(None).otherwise(key.replace_strict(mapping, default="\x00?"))


# --------------------------------------------------------------------------------------------
# Normalising one raw frame
# --------------------------------------------------------------------------------------------

_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f]|[\n\t]"


@dataclass
class _Plan:
    """How one source's raw columns become canonical ones: the expressions, the renamed
    attribute columns and the row checks, decided once from the whole column's values."""

    exprs: dict[str, pl.Expr]
    ts_col: str
    attrs: dict[str, str]
    checks: list[tuple[pl.Expr, str, str, str | None]]
    source: str
    label: str


def _plan(frame: pl.DataFrame, label: str, cmap: ColumnMap, opts: ReadOptions, source: str, notes: list[str]) -> _Plan:
    """Decide how to read ``frame`` (or a stand-in holding its decisive values: see
    :func:`_decision_frame`): timestamp format, outcome and satisfaction columns."""
    tz = _check_timezone(opts.timezone)
    ts_expr, ts_desc = _timestamp_expr(frame, cmap.timestamp, opts.timestamp_format, tz, label,
                                       tz_given=opts.timezone is not None)
    notes.append(f"{source}: timestamps read as {ts_desc}")

    exprs: dict[str, pl.Expr] = {}
    str_col = lambda name: pl.col(name).cast(pl.String)  # noqa: E731
    exprs["_case"] = str_col(cmap.case) if cmap.case else pl.lit(None, pl.String)
    exprs["_customer"] = str_col(cmap.customer) if cmap.customer else pl.lit(None, pl.String)
    exprs[S.TIMESTAMP] = ts_expr
    exprs[S.ACTIVITY] = str_col(cmap.activity)
    if cmap.channel is not None:
        exprs[S.CHANNEL] = pl.when(pl.col(cmap.channel).cast(pl.String).str.strip_chars().fill_null("") == "").then(
            pl.lit(S.UNKNOWN_CHANNEL)).otherwise(S.channel_expr(cmap.channel))
    else:
        value = S.normalise_channel_name(cmap.channel_value) if cmap.channel_value else S.UNKNOWN_CHANNEL
        exprs[S.CHANNEL] = pl.lit(value)

    outcome_col = cmap.outcome
    if outcome_col is not None:
        mapped = frame.select(_outcome_expr(outcome_col, opts.extra_outcomes).alias("o"))["o"]
        unknown = mapped == "\x00?"
        if unknown.any() and "outcome" not in cmap.explicit:
            notes.append(f"{source}: column {outcome_col!r} was not used as the outcome (values other than success/failure); kept as an attribute")
            outcome_col = None
    exprs[S.OUTCOME] = _outcome_expr(outcome_col, opts.extra_outcomes) if outcome_col else pl.lit(None, pl.String)

    sat_col = cmap.satisfaction
    if sat_col is not None:
        if not frame.schema[sat_col].is_numeric():
            as_num = frame[sat_col].cast(pl.String).str.strip_chars().replace("", None).cast(pl.Float64, strict=False)
            bad_num = as_num.is_null() & frame[sat_col].cast(pl.String).str.strip_chars().replace("", None).is_not_null()
            if bad_num.any() and "satisfaction" not in cmap.explicit:
                notes.append(f"{source}: column {sat_col!r} is not numeric, not used as satisfaction; kept as an attribute")
                sat_col = None
    if sat_col is not None:
        exprs[S.SATISFACTION] = pl.col(sat_col).cast(pl.String).str.strip_chars().replace("", None).cast(pl.Float64, strict=False)
        exprs["_sat_raw"] = pl.col(sat_col).cast(pl.String).str.strip_chars().replace("", None)
    else:
        exprs[S.SATISFACTION] = pl.lit(None, pl.Float64)
        exprs["_sat_raw"] = pl.lit(None, pl.String)
    for role in ("contact_reason", "text"):
        src = getattr(cmap, role)
        exprs[ROLE_TO_COLUMN[role]] = str_col(src).replace("", None) if src else pl.lit(None, pl.String)

    consumed = {c for c in (cmap.case, cmap.customer, cmap.activity, cmap.timestamp, cmap.channel, outcome_col,
                            sat_col, cmap.contact_reason, cmap.text) if c}
    attrs = [c for c in frame.columns if c not in consumed and c != "source_row"]
    renamed = {c: (f"attr.{c}" if c in S.SCHEMA or c.startswith("_") else c) for c in attrs}

    # Validation: the first failing check per row, in this order.
    id_col = cmap.case or cmap.customer
    checks: list[tuple[pl.Expr, str, str, str | None]] = [
        (pl.col("_case").is_null() & pl.col("_customer").is_null() | (pl.coalesce("_case", "_customer").str.strip_chars() == ""),
         id_col or "", "empty journey/customer id", "fill the id or use --skip-invalid-rows"),
        (pl.coalesce("_case", "_customer").str.contains(_CONTROL), id_col or "", "control character in an id", None),
        (pl.col(S.ACTIVITY).is_null() | (pl.col(S.ACTIVITY).str.strip_chars() == ""), cmap.activity, "empty activity",
         "fill the activity or use --skip-invalid-rows"),
        (pl.col(S.ACTIVITY).str.contains(_CONTROL), cmap.activity, "control character (newline, tab, ...) in the activity name", None),
        (pl.col(S.ACTIVITY).str.len_chars() > MAX_NAME_LENGTH, cmap.activity, f"activity name longer than {MAX_NAME_LENGTH} characters", None),
        (pl.col("_ts_raw").is_null() | (pl.col("_ts_raw").str.strip_chars() == ""), cmap.timestamp, "empty timestamp", None),
        (pl.col(S.TIMESTAMP).is_null(), cmap.timestamp, "timestamp does not parse (or does not exist in the time zone)",
         "give --timestamp-format, --timezone"),
        (pl.col(S.OUTCOME) == "\x00?", outcome_col or "", "outcome is neither a success nor a failure spelling",
         "success/ok/completed or failure/failed/error; map others with `outcomes:` in a source map"),
        (pl.col("_sat_raw").is_not_null() & pl.col(S.SATISFACTION).is_null(), sat_col or "", "satisfaction is not a number", None),
    ]
    return _Plan(exprs, cmap.timestamp, renamed, checks, source, label)


def _apply(plan: _Plan, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Canonical columns for ``frame`` by ``plan``: (good rows, invalid rows with their reason)."""
    out = frame.select(
        *[e.alias(k) for k, e in plan.exprs.items()],
        pl.col(plan.ts_col).cast(pl.String).alias("_ts_raw"),
        pl.col("source_row").alias(S.SOURCE_ROW),
        *[pl.col(c).alias(r) for c, r in plan.attrs.items()],
    ).with_columns(pl.lit(plan.source).alias(S.SOURCE))
    reason = pl.lit(None, pl.String)
    column = pl.lit(None, pl.String)
    for cond, col, msg, _hint in reversed(plan.checks):
        reason = pl.when(cond.fill_null(False)).then(pl.lit(msg)).otherwise(reason)
        column = pl.when(cond.fill_null(False)).then(pl.lit(col)).otherwise(column)
    out = out.with_columns(reason.alias("_reason"), column.alias("_column"))
    bad = out.filter(pl.col("_reason").is_not_null())
    good = out.filter(pl.col("_reason").is_null()).drop("_reason", "_column", "_ts_raw", "_sat_raw") if bad.height else (
        out.drop("_reason", "_column", "_ts_raw", "_sat_raw"))
    return good, bad


def _rejects(plan: _Plan, bad: pl.DataFrame, opts: ReadOptions, *, total: int | None = None) -> pl.DataFrame:
    """The rejects table for ``bad`` rows, or the error for the first of them (``total``: how
    many invalid rows there are in all, when ``bad`` holds only some)."""
    count = bad.height if total is None else total
    if count and not opts.skip_invalid_rows:
        first = bad.row(0, named=True)
        hint = next(h for _c, col, msg, h in plan.checks if msg == first["_reason"])
        value = first["_ts_raw"] if first["_column"] == plan.ts_col else None
        msg = first["_reason"] + (f": {value[:80]!r}" if value else "")
        more = f"{count - 1} more invalid rows" if count > 1 else None
        raise InvalidInput(msg, path=plan.label, row=first[S.SOURCE_ROW], column=first["_column"] or None,
                           hint="; ".join(h for h in (hint, more, "--skip-invalid-rows writes them to a rejects file" if more else None) if h))
    return bad.select(
        pl.lit(plan.source).alias(S.SOURCE), pl.lit(plan.label).alias("file"), pl.col(S.SOURCE_ROW), pl.col("_column").alias("column"),
        pl.col("_reason").alias("reason"),
    )


def _normalise(
    raw: _Raw, cmap: ColumnMap, opts: ReadOptions, source: str, notes: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Raw frame -> canonical columns (journey/customer may still be null) + rejected rows."""
    plan = _plan(raw.frame, raw.label, cmap, opts, source, notes)
    good, bad = _apply(plan, raw.frame)
    return good, _rejects(plan, bad, opts)


# --------------------------------------------------------------------------------------------
# Identities, journeys, duplicates
# --------------------------------------------------------------------------------------------


def normalise_identity(kind: str, value: pl.Expr) -> pl.Expr:
    """How identity values are compared: e-mails case-insensitively, phones by digits (and a
    leading +), everything else trimmed."""
    v = value.cast(pl.String).str.strip_chars()
    k = kind.lower()
    if k in ("email", "e-mail", "mail"):
        return v.str.to_lowercase()
    if k in ("phone", "msisdn", "mobile", "telephone"):
        return v.str.replace_all(r"[^\d+]", "").str.replace(r"^00", "+")
    return v


def cut_journeys(events: pl.DataFrame | pl.LazyFrame, gap: timedelta) -> pl.LazyFrame:
    """Cut each customer's timeline into journeys at gaps longer than ``gap``.

    Journey ids are ``<customer_id>#<n>`` with n = 1, 2, ... in time order.
    """
    keys = [S.CUSTOMER_ID, S.TIMESTAMP, S.INPUT_ORDER]
    lf = events.lazy().sort(keys)
    new = (pl.col(S.TIMESTAMP).diff().over(S.CUSTOMER_ID) > pl.lit(gap)).fill_null(True)
    n = new.cast(pl.UInt32).cum_sum().over(S.CUSTOMER_ID)
    return lf.with_columns((pl.col(S.CUSTOMER_ID) + "#" + n.cast(pl.String)).alias(S.JOURNEY_ID))


def _finish(frames: list[pl.DataFrame], use_case: bool, gap: timedelta, drop_duplicates: bool, *,
            numbered: bool = False) -> tuple[pl.DataFrame, int]:
    """Journeys, duplicates, canonical types and order for normalised rows (``numbered``: the rows
    already carry their ``input_order``)."""
    events = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    if not numbered:
        events = events.with_columns(pl.int_range(0, pl.len(), dtype=pl.UInt64).alias(S.INPUT_ORDER))
    if use_case:
        events = events.with_columns(pl.col("_case").alias(S.JOURNEY_ID), pl.coalesce("_customer", "_case").alias(S.CUSTOMER_ID))
    else:
        events = events.with_columns(pl.col("_customer").alias(S.CUSTOMER_ID))
        events = cut_journeys(events, gap).collect()
    events = events.drop("_case", "_customer")
    attrs = [c for c in events.columns if c not in S.SCHEMA]
    events = events.select([pl.col(c).cast(t) for c, t in S.SCHEMA.items()] + [pl.col(c) for c in attrs])
    events = events.sort(list(S.SORT_KEYS))
    # Exact duplicates share journey and timestamp, so after the sort they sit in runs of equal
    # (journey, timestamp), in input order: only rows of such runs can repeat another row.
    j, t = pl.col(S.JOURNEY_ID), pl.col(S.TIMESTAMP)
    tied = ((j == j.shift(1)) & (t == t.shift(1))).fill_null(False)
    candidates = events.with_row_index("_i").filter(tied | tied.shift(-1).fill_null(False))
    duplicates = 0
    if candidates.height:
        content = [c for c in events.columns if c not in (S.SOURCE_ROW, S.INPUT_ORDER)]
        repeated = candidates.filter(~pl.struct(content).is_first_distinct())["_i"]
        duplicates = repeated.len()
        if drop_duplicates and duplicates:
            events = events.with_row_index("_i").filter(~pl.col("_i").is_in(repeated.implode())).drop("_i")
    return events, duplicates


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def read_events(path: str | os.PathLike[str], options: ReadOptions | None = None) -> pl.DataFrame:
    """Canonical events from one log file (or a journeylog store). Without options every event
    is kept (exact duplicates too, as pm4py keeps them). See :func:`ingest`."""
    events = ingest(path, options or ReadOptions(drop_duplicates=False)).events
    assert events is not None
    return events


def ingest(
    path: str | os.PathLike[str],
    options: ReadOptions | None = None,
    *,
    on_source: Callable[[str, int, int], None] | None = None,
    output: str | os.PathLike[str] | None = None,
) -> IngestResult:
    """Read one log file, a journeylog store, or a YAML source map into canonical events.

    With ``output``, also write them there as a journeylog store (atomically); a Parquet log of
    more than :func:`memory_events` events is then ingested out of core, never whole in memory,
    and the result's ``events`` is None (read the store back with :func:`open_events`).
    """
    opts = options or ReadOptions()
    local_file(path)
    if output is not None and sniff_format(path, opts.format) == "parquet":
        info = _parquet_rows(path)
        if info is not None and info[0] > memory_events() and STORE_KEY not in info[1]:
            big = _ingest_out_of_core(path, opts, Path(output), info[0], on_source, refuse_channel_filter=True)
            if big is not None:
                return big
    result = _ingest_in_memory(path, opts, on_source)
    if output is not None:
        _refuse_channel_filter(result.channel_filter, path)
        assert result.events is not None
        write_events(result.events, output)
        result.store = Path(output)
    return result


def _refuse_channel_filter(channel_filter: str | None, path: str | os.PathLike[str]) -> None:
    if channel_filter:
        raise UsageError(f"the log has a channel column; --channel {channel_filter!r} would overwrite it",
                         path=os.fspath(path), hint="name the channel column with --channel, or leave it out")


def _ingest_in_memory(
    path: str | os.PathLike[str], opts: ReadOptions, on_source: Callable[[str, int, int], None] | None
) -> IngestResult:
    if sniff_format(path, opts.format) == "yaml":
        return _ingest_source_map(path, opts, on_source)
    raw = _read_raw(path, opts)
    name = Path(os.fspath(path)).name
    if raw.canonical:
        events = _validate_store(raw.frame.drop(S.SOURCE_ROW) if S.SOURCE_ROW not in S.SCHEMA else raw.frame, raw.label)
        src = [{"name": name, "path": raw.label, "format": "journeylog", "rows": events.height, "events": events.height}]
        return IngestResult(events, src, 0, _empty_rejects(), [], "store")
    if on_source:
        on_source(name, 0, 1)
    notes: list[str] = []
    cmap = detect_columns(raw.frame.columns, opts, raw.label)
    good, rejects = _normalise(raw, cmap, opts, name, notes)
    use_case = cmap.case is not None
    if not use_case:
        notes.append(f"journeys cut at gaps longer than {_fmt_gap(opts.gap)} (no journey/case column)")
    events, dups = _finish([good], use_case, opts.gap, opts.drop_duplicates)
    src = [{
        "name": name, "path": raw.label, "format": raw.fmt, "rows": raw.frame.height, "events": good.height,
        "rejected": rejects.height, "columns": {k: v for k, v in _cmap_dict(cmap).items() if v is not None},
    }]
    if on_source:
        on_source(name, 1, 1)
    return IngestResult(events, src, dups, rejects, notes, "column" if use_case else "gap", cmap.channel_filter,
                        opts.drop_duplicates)


def _cmap_dict(cmap: ColumnMap) -> dict[str, str | None]:
    d = {f: getattr(cmap, f) for f in ("case", "customer", "activity", "timestamp", "channel", "outcome",
                                       "satisfaction", "contact_reason", "text")}
    if cmap.channel_value:
        d["channel"] = f"={cmap.channel_value}"
    return d


def _empty_rejects() -> pl.DataFrame:
    return pl.DataFrame(schema={S.SOURCE: pl.String, "file": pl.String, S.SOURCE_ROW: pl.Int64, "column": pl.String, "reason": pl.String})


def _validate_store(frame: pl.DataFrame, label: str) -> pl.DataFrame:
    for col, dtype in S.SCHEMA.items():
        if col not in frame.columns:
            raise InvalidInput(f"journeylog store is missing column {col!r}", path=label, hint="re-run journeylog ingest")
        if frame.schema[col] != dtype:
            raise InvalidInput(f"journeylog store column {col!r} has type {frame.schema[col]}, expected {dtype}", path=label)
    return frame


def _fmt_gap(gap: timedelta) -> str:
    secs = int(gap.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs % size == 0:
            return f"{secs // size}{unit}"
    return f"{secs}s"


def parse_gap(text: str) -> timedelta:
    """``30d``, ``12h``, ``90min``, ``2w`` -> timedelta (a usage error otherwise).

    >>> parse_gap("30d")
    datetime.timedelta(days=30)
    """
    from journeylog.config.yamldoc import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def write_events(events: pl.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write canonical events as a journeylog store (Parquet with a schema marker), atomically."""
    import pyarrow.parquet as pq

    with atomic_output(path) as tmp:
        pq.write_table(_store_table(events), tmp, compression="zstd")


# --------------------------------------------------------------------------------------------
# Source maps (YAML)
# --------------------------------------------------------------------------------------------

_SOURCE_KEYS = {"name", "path", "format", "delimiter", "encoding", "channel", "channel_column", "identity", "columns",
                "timestamp_format", "timezone", "outcomes"}
_COLUMN_ROLES = {"journey", "case", "activity", "timestamp", "outcome", "satisfaction", "contact_reason", "text"}


def _load_yaml(path: str | os.PathLike[str]) -> dict[str, Any]:
    import yaml

    label = os.fspath(path)
    p = local_file(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InvalidInput(f"invalid YAML: {getattr(exc, 'problem', exc)}", path=label,
                           row=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None) from None
    except UnicodeDecodeError:
        raise InvalidInput("the YAML file is not UTF-8", path=label) from None
    if not isinstance(doc, dict):
        raise InvalidInput("a source map is a YAML mapping with `sources:`", path=label)
    return doc


def _ingest_source_map(path: str | os.PathLike[str], opts: ReadOptions, on_source) -> IngestResult:
    label = os.fspath(path)
    doc = _load_yaml(path)
    base = Path(label).parent
    unknown = set(doc) - {"version", "identities", "gap", "sources"}
    if unknown:
        raise InvalidInput(f"unknown key(s) in the source map: {', '.join(sorted(unknown))}", path=label,
                           hint="version, identities, gap, sources")
    sources = doc.get("sources")
    if not isinstance(sources, list) or not sources:
        raise InvalidInput("the source map needs a non-empty `sources:` list", path=label)
    gap = parse_gap(doc["gap"]) if doc.get("gap") is not None else opts.gap

    ident = doc.get("identities")
    id_table: pl.DataFrame | None = None
    unmatched = "own_customer"
    if ident is not None:
        if not isinstance(ident, dict) or "path" not in ident:
            raise InvalidInput("`identities:` needs a `path:`", path=label)
        unmatched = str(ident.get("unmatched", "own_customer"))
        if unmatched not in ("own_customer", "reject"):
            raise InvalidInput(f"identities.unmatched must be own_customer or reject, not {unmatched!r}", path=label)
        id_table = _read_identities(base / str(ident["path"]))

    frames: list[pl.DataFrame] = []
    rejects: list[pl.DataFrame] = []
    notes: list[str] = []
    summaries: list[dict[str, Any]] = []
    journey_cols = 0
    for i, entry in enumerate(sources):
        if not isinstance(entry, dict) or "path" not in entry:
            raise InvalidInput(f"sources[{i}] needs at least `path:`", path=label)
        bad_keys = set(entry) - _SOURCE_KEYS
        if bad_keys:
            raise InvalidInput(f"sources[{i}]: unknown key(s) {', '.join(sorted(bad_keys))}", path=label,
                               hint=", ".join(sorted(_SOURCE_KEYS)))
        name = str(entry.get("name") or Path(str(entry["path"])).stem)
        if on_source:
            on_source(name, i, len(sources))
        src_path = base / str(entry["path"])
        columns = entry.get("columns") or {}
        if not isinstance(columns, dict) or set(columns) - _COLUMN_ROLES:
            raise InvalidInput(f"sources[{i}] ({name}): `columns:` maps {', '.join(sorted(_COLUMN_ROLES))} to source columns",
                               path=label)
        identity = entry.get("identity")
        if identity is not None and (not isinstance(identity, dict) or "column" not in identity):
            raise InvalidInput(f"sources[{i}] ({name}): `identity:` needs `column:` and `kind:`", path=label)
        if entry.get("channel") is not None and entry.get("channel_column") is not None:
            raise InvalidInput(f"sources[{i}] ({name}): give `channel:` or `channel_column:`, not both", path=label)
        outcomes = entry.get("outcomes") or {}
        extra = {str(v): k for k, vals in outcomes.items() for v in (vals if isinstance(vals, list) else [vals])}
        if set(outcomes) - {"success", "failure"}:
            raise InvalidInput(f"sources[{i}] ({name}): `outcomes:` has keys success and failure", path=label)
        case_col = columns.get("journey") or columns.get("case")
        src_opts = replace(
            opts,
            case=case_col, customer=None, activity=columns.get("activity"), timestamp=columns.get("timestamp"),
            channel=entry.get("channel_column") or None, outcome=columns.get("outcome"),
            satisfaction=columns.get("satisfaction"), contact_reason=columns.get("contact_reason"), text=columns.get("text"),
            timestamp_format=entry.get("timestamp_format"), timezone=entry.get("timezone"),
            delimiter=entry.get("delimiter"), encoding=entry.get("encoding", "utf-8"), format=entry.get("format"),
            extra_outcomes=extra,
        )
        raw = _read_raw(src_path, src_opts)
        raw.label = os.path.relpath(src_path) if not src_path.is_absolute() else str(src_path)
        id_column = identity["column"] if identity else None
        cmap = detect_columns(raw.frame.columns, src_opts, raw.label, identity=id_column)
        if entry.get("channel") is not None:
            cmap = replace(cmap, channel=None, channel_value=str(entry["channel"]))
        elif entry.get("channel_column") is None:
            cmap = replace(cmap, channel=cmap.channel, channel_value=None)
        good, rej = _normalise(raw, cmap, src_opts, name, notes)
        if case_col:
            journey_cols += 1
        summary: dict[str, Any] = {"name": name, "path": raw.label, "format": raw.fmt, "rows": raw.frame.height}
        if identity is not None:
            kind = str(identity.get("kind", "id"))
            good = good.with_columns(normalise_identity(kind, pl.col("_customer")).alias("_key"))
            if id_table is not None:
                known = id_table.filter(pl.col("id_type") == kind).select(
                    normalise_identity(kind, pl.col("id_value")).alias("_key"), pl.col("customer_id").alias("_cid")
                ).unique("_key")
                good = good.join(known, on="_key", how="left", maintain_order="left")  # keeps input order
            else:
                good = good.with_columns(pl.lit(None, pl.String).alias("_cid"))
            matched = good["_cid"].is_not_null()
            summary.update(identity_kind=kind, identity_column=id_column, keys=good["_key"].n_unique(),
                           keys_matched=good.filter(matched)["_key"].n_unique(),
                           events_matched=int(matched.sum()),
                           match_rate=round(float(matched.mean()), 6) if good.height else None)
            if unmatched == "reject" and id_table is not None:
                rej = pl.concat([rej, good.filter(~matched).select(
                    pl.lit(name).alias(S.SOURCE), pl.lit(raw.label).alias("file"), pl.col(S.SOURCE_ROW),
                    pl.lit(id_column).alias("column"), pl.lit(f"{kind} not in the identity table").alias("reason"))])
                good = good.filter(matched)
            good = good.with_columns(pl.coalesce(pl.col("_cid"), pl.lit(kind + ":") + pl.col("_key")).alias("_customer")).drop("_key", "_cid")
        summary.update(events=good.height, rejected=rej.height)
        summaries.append(summary)
        frames.append(good)
        rejects.append(rej)
    if on_source:
        on_source("", len(sources), len(sources))
    use_case = journey_cols == len(sources)
    if 0 < journey_cols < len(sources):
        notes.append("some sources have a journey column and some do not: journeys are cut by time gap for all")
    if not use_case:
        notes.append(f"journeys cut at gaps longer than {_fmt_gap(gap)}")
    for f in frames:
        if f["_customer"].null_count() and not use_case:
            raise InvalidInput("a source without `identity:` has no customer column", path=label,
                               hint="give each source an identity column (or a journey column in every source)")
    nonempty = [f for f in frames if f.height]
    if not nonempty:
        raise InvalidInput("no events left after reading the sources", path=label)
    events, dups = _finish(nonempty, use_case, gap, opts.drop_duplicates)
    all_rejects = pl.concat(rejects, how="diagonal_relaxed") if rejects else _empty_rejects()
    return IngestResult(events, summaries, dups, all_rejects, notes, "column" if use_case else "gap", None,
                        opts.drop_duplicates)


def _read_identities(path: Path) -> pl.DataFrame:
    label = os.path.relpath(path) if not path.is_absolute() else str(path)
    fmt = sniff_format(path)
    frame = read_csv(path) if fmt == "csv" else read_parquet(path)[0] if fmt == "parquet" else read_jsonl(path)
    missing = [c for c in ("customer_id", "id_type", "id_value") if c not in frame.columns]
    if missing:
        raise InvalidInput(f"identity table lacks column(s) {', '.join(missing)}", path=label,
                           hint=f"columns found: {', '.join(c for c in frame.columns if c != 'source_row')}")
    frame = frame.with_columns(pl.col(c).cast(pl.String) for c in ("customer_id", "id_type", "id_value"))
    empty = frame.filter(pl.any_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in ("customer_id", "id_type", "id_value")))
    if empty.height:
        raise InvalidInput("empty value in the identity table", path=label, row=empty["source_row"][0])
    clash = (
        frame.group_by("id_type", "id_value").agg(pl.col("customer_id").n_unique().alias("n"), pl.col("source_row").min().alias("row"))
        .filter(pl.col("n") > 1).sort("row")
    )
    if clash.height:
        r = clash.row(0, named=True)
        raise InvalidInput(f"{r['id_type']} {r['id_value']!r} belongs to several customers", path=label, row=r["row"],
                           hint="an identity value must map to one customer")
    return frame.select("customer_id", "id_type", "id_value")



# --------------------------------------------------------------------------------------------
# Logs larger than memory: out-of-core ingest and journey-complete batches
# --------------------------------------------------------------------------------------------

#: Logs with more events than this are ingested out of core and analysed in batches
#: (``JOURNEYLOG_MEMORY_EVENTS`` overrides it). In memory a canonical event takes ~75 bytes
#: plus 2-3 times that while sorting, so 10M events stay around 2-3 GB.
MEMORY_EVENTS = 10_000_000
_BUCKET_EVENTS = 2_000_000  # at most this many events per journey-range bucket when sorting out of core
_READ_BATCH = 500_000  # at most this many raw rows read at a time
_SCAN_BATCH = 2_000_000  # at most this many store events per analysis batch


def _sizes() -> tuple[int, int, int]:
    """(bucket, read batch, analysis batch) sizes, in events: fixed caps, smaller when the
    memory budget (:func:`memory_events`) is small."""
    budget = memory_events()
    return (max(1, min(_BUCKET_EVENTS, budget // 2)), max(1, min(_READ_BATCH, budget // 4)),
            max(1, min(_SCAN_BATCH, budget // 4)))


def memory_events() -> int:
    """The event count above which logs are processed out of core (see :data:`MEMORY_EVENTS`)."""
    value = os.environ.get("JOURNEYLOG_MEMORY_EVENTS", "")
    if value.strip():
        try:
            n = int(value)
        except ValueError:
            raise UsageError(f"JOURNEYLOG_MEMORY_EVENTS must be a whole number, got {value!r}") from None
        if n < 1:
            raise UsageError("JOURNEYLOG_MEMORY_EVENTS must be at least 1")
        return n
    return MEMORY_EVENTS


def _parquet_rows(path: str | os.PathLike[str]) -> tuple[int, dict[str, str]] | None:
    """Row count and key-value metadata of a Parquet file (None when it is not readable as one:
    the in-memory reader then reports the problem)."""
    try:
        return parquet_info(local_file(path))
    except Exception:  # noqa: BLE001 - corrupt files are reported by read_parquet
        return None


def _collect_parquet(lf: pl.LazyFrame, path: str | os.PathLike[str], engine: str = "streaming") -> pl.DataFrame:
    """Run a query over a Parquet scan (streaming engine); a file damaged past its footer is
    invalid input, as :func:`journeylog.io.tabular.read_parquet` reports it, not a crash."""
    try:
        return lf.collect(engine=engine)  # type: ignore[arg-type]
    except (pl.exceptions.ComputeError, OSError) as exc:
        raise InvalidInput(f"not a valid Parquet file ({str(exc).splitlines()[0][:200]})", path=os.fspath(path)) from None


def _parquet_batches(path: Path, columns: Sequence[str] | None, rows: int) -> Iterator[pl.DataFrame]:
    """The rows of a Parquet file, ``rows`` at a time, in file order. (Polars slices the scan by
    row group; pyarrow's ``iter_batches`` keeps memory growing over a long file.)"""
    total = parquet_info(path)[0]
    lf = pl.scan_parquet(path)
    if columns:
        lf = lf.select(columns)
    for offset in range(0, total, rows):
        yield _collect_parquet(lf.slice(offset, rows), path, engine="auto")


def _decision_frame(path: Path, schema: pl.Schema, cmap: ColumnMap) -> pl.DataFrame | None:
    """A small frame standing in for the whole file when deciding how to read it: the distinct
    values of the outcome and satisfaction columns, the extremes of a numeric timestamp column,
    every other column empty. None when the timestamps are text (their format is decided over
    every value, so such files are read in memory)."""
    ts_type = schema[cmap.timestamp]
    if ts_type == pl.String:
        return None
    lf = pl.scan_parquet(path)
    values: dict[str, pl.Series] = {}
    for col in {cmap.outcome, cmap.satisfaction} - {None}:
        values[col] = _collect_parquet(lf.select(pl.col(col).unique()), path)[col]  # type: ignore[index]
    if ts_type.is_numeric():
        ext = _collect_parquet(lf.select(pl.col(cmap.timestamp).min().alias("lo"), pl.col(cmap.timestamp).max().alias("hi")), path)
        values[cmap.timestamp] = pl.Series(cmap.timestamp, [ext["lo"][0], ext["hi"][0]], dtype=ts_type)
    height = max([v.len() for v in values.values()] + [1])
    cols = []
    for name, dtype in schema.items():
        v = values.get(name)
        if v is None:
            cols.append(pl.Series(name, [None] * height, dtype=dtype))
        else:
            cols.append(pl.concat([v, pl.Series(name, [None] * (height - v.len()), dtype=dtype)]).alias(name))
    return pl.DataFrame(cols)


def _bucket_bounds(path: Path, key: pl.Expr, rows: int) -> pl.Series:
    """Journey-key boundaries cutting the file into buckets of about ``_BUCKET_EVENTS`` events,
    from a systematic sample of the keys (every ``rows / 200,000``-th row)."""
    buckets = max(1, -(-rows // _sizes()[0]))
    if buckets == 1:
        return pl.Series("b", [], dtype=pl.String)
    step = max(1, rows // 200_000)
    sample = _collect_parquet(pl.scan_parquet(path).select(key.alias("k")).gather_every(step), path)["k"].drop_nulls().sort()
    if sample.len() == 0:
        return pl.Series("b", [], dtype=pl.String)
    picks = [sample[min(sample.len() - 1, sample.len() * i // buckets)] for i in range(1, buckets)]
    return pl.Series("b", picks, dtype=pl.String).unique().sort()


def _ingest_out_of_core(path: str | os.PathLike[str], opts: ReadOptions, output: Path, rows: int,
                        on_progress: Callable[[str, int, int], None] | None = None, *,
                        refuse_channel_filter: bool = False) -> IngestResult | None:
    """Ingest one large Parquet log into a sorted journeylog store at ``output`` without holding
    the log in memory; the same events, order, duplicates and errors as :func:`ingest`.

    Rows are normalised and checked half a million at a time and spread over buckets of journeys (by
    ranges of the journey key, so bucket order is journey order); each bucket is then cut into
    journeys, de-duplicated and sorted in memory and appended to the store. None when the file
    cannot be read this way (text timestamps): the caller reads it in memory.
    """
    import tempfile

    import pyarrow as pa
    import pyarrow.parquet as pq

    label = os.fspath(path)
    p = local_file(path)
    name = Path(label).name
    schema = pl.read_parquet_schema(p)
    cmap = detect_columns(list(schema), opts, label)
    if refuse_channel_filter:
        _refuse_channel_filter(cmap.channel_filter, path)
    decision = _decision_frame(p, pl.Schema(schema), cmap)
    if decision is None:
        return None
    notes: list[str] = []
    plan = _plan(decision, label, cmap, opts, name, notes)
    use_case = cmap.case is not None
    if not use_case:
        notes.append(f"journeys cut at gaps longer than {_fmt_gap(opts.gap)} (no journey/case column)")
    # buckets are ranges of the journey key: the journey id, or the customer id + "#" that
    # starts every journey id cut from that customer's timeline
    key_of = (lambda ids: ids) if use_case else (lambda ids: ids + "#")  # noqa: E731
    bounds = _bucket_bounds(p, key_of(plan.exprs["_case" if use_case else "_customer"]), rows)
    bucket_of = (pl.lit(bounds).search_sorted(key_of(pl.col("_case" if use_case else "_customer")), side="right")
                 .cast(pl.UInt32) if bounds.len() else pl.lit(0, pl.UInt32))

    first_bad: pl.DataFrame | None = None
    bad_total = 0
    bad_frames: list[pl.DataFrame] = []
    with tempfile.TemporaryDirectory(prefix="journeylog-") as tmp:
        writers: dict[int, Any] = {}
        done = good_rows = 0
        for batch in _parquet_batches(p, None, _sizes()[1]):
            if S.SOURCE_ROW not in batch.columns:
                batch = batch.with_columns(pl.int_range(done + 1, done + batch.height + 1, dtype=pl.Int64).alias(S.SOURCE_ROW))
            done += batch.height
            good, bad = _apply(plan, batch)
            if bad.height:
                bad_total += bad.height
                if first_bad is None:
                    first_bad = bad.head(1)
                if opts.skip_invalid_rows:
                    bad_frames.append(_rejects(plan, bad, opts))
            if first_bad is not None and not opts.skip_invalid_rows:
                continue  # only counting the invalid rows from here on
            good = good.with_columns(pl.int_range(good_rows, good_rows + good.height, dtype=pl.UInt64).alias(S.INPUT_ORDER),
                                     bucket_of.alias("_bucket"))
            good_rows += good.height
            for (b,), part in good.partition_by("_bucket", as_dict=True, include_key=False).items():
                table = part.to_arrow()
                if b not in writers:
                    writers[b] = (pa.ipc.new_file(os.path.join(tmp, f"bucket-{b}.arrow"), table.schema, options=pa.ipc.IpcWriteOptions(compression="lz4")), table.schema)
                w, sch = writers[b]
                if table.schema != sch:
                    table = pl.from_arrow(table).cast(pl.Schema(sch)).to_arrow()  # type: ignore[union-attr]
                w.write_table(table)
            if on_progress:
                on_progress(name, done, rows * 2)
        for w, _sch in writers.values():
            w.close()
        if first_bad is not None and not opts.skip_invalid_rows:
            _rejects(plan, first_bad, opts, total=bad_total)  # raises
        if good_rows == 0:
            raise InvalidInput("no valid events in the file", path=label)

        duplicates = 0
        written = 0
        with atomic_output(output) as out_tmp:
            writer = None
            for b in sorted(writers):
                part_path = os.path.join(tmp, f"bucket-{b}.arrow")
                events, dups = _finish([pl.read_ipc(part_path)], use_case, opts.gap, opts.drop_duplicates, numbered=True)
                os.unlink(part_path)
                duplicates += dups
                table = _store_table(events)
                if writer is None:
                    writer = pq.ParquetWriter(out_tmp, table.schema, compression="zstd")
                elif table.schema != writer.schema:
                    table = table.cast(writer.schema)
                writer.write_table(table, row_group_size=1_000_000)
                written += events.height
                del events, table
                if on_progress:
                    on_progress(name, rows + (b + 1) * rows // max(1, len(writers)), rows * 2)
            assert writer is not None
            writer.close()
    rejects = pl.concat(bad_frames) if bad_frames else _empty_rejects()
    src = [{
        "name": name, "path": label, "format": "parquet", "rows": rows, "events": good_rows,
        "rejected": rejects.height, "columns": {k: v for k, v in _cmap_dict(cmap).items() if v is not None},
    }]
    return IngestResult(None, src, duplicates, rejects, notes, "column" if use_case else "gap", cmap.channel_filter,
                        opts.drop_duplicates, store=output)


def _store_table(events: pl.DataFrame) -> Any:
    table = events.to_arrow()
    meta = dict(table.schema.metadata or {})
    meta[STORE_KEY.encode()] = json.dumps({"version": STORE_VERSION, "columns": list(S.SCHEMA)}).encode()
    return table.replace_schema_metadata(meta)


@dataclass
class EventSource:
    """The canonical events of one log, in memory (``events``) or, for logs larger than memory,
    as a sorted journeylog store on disk (``store``) read in journey-complete batches.

    Use it as a context manager: a store made for the occasion lives in a temporary directory
    removed on exit. ``spill`` is a scratch directory for analyses that spill to disk (None in
    memory).

    >>> import polars as pl, datetime as dt
    >>> ev = pl.DataFrame({"journey_id": ["a", "a"], "timestamp": [dt.datetime(2024, 1, 1, h) for h in (1, 2)],
    ...                    "activity": ["x", "y"]})
    >>> with EventSource(ev) as src:
    ...     [b.height for b in src.batches()]
    [2]
    """

    events: pl.DataFrame | None = None
    store: Path | None = None
    channel_filter: str | None = None
    batch_events: int = field(default_factory=lambda: _sizes()[2])
    _tmp: Any = None

    def __enter__(self) -> EventSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    @property
    def spill(self) -> Path | None:
        if self.store is None:
            return None
        if self._tmp is None:
            import tempfile

            self._tmp = tempfile.TemporaryDirectory(prefix="journeylog-")
        return Path(self._tmp.name)

    @property
    def columns(self) -> list[str]:
        if self.events is not None:
            return self.events.columns
        assert self.store is not None
        return list(pl.read_parquet_schema(self.store))

    def distinct(self, column: str) -> pl.Series:
        """The distinct values of ``column`` (a streaming scan when on disk)."""
        if self.events is not None:
            return self.events[column].unique()
        assert self.store is not None
        return _collect_parquet(pl.scan_parquet(self.store).select(pl.col(column).unique()), self.store)[column]

    def batches(self, columns: Sequence[str] | None = None) -> Iterator[pl.DataFrame]:
        """The events in batches that never split a journey, each sorted by (journey, timestamp,
        input order). In memory: one batch."""
        from journeylog.journeys import ordered

        keys = [S.JOURNEY_ID, S.TIMESTAMP] + ([S.INPUT_ORDER] if S.INPUT_ORDER in self.columns else [])
        cols = list(dict.fromkeys([*keys, *(columns or self.columns)]))
        if self.events is not None:
            yield ordered(self.events).select(cols)
            return
        assert self.store is not None
        carry: pl.DataFrame | None = None
        for chunk in _parquet_batches(self.store, cols, self.batch_events):
            frame = chunk if carry is None else pl.concat([carry, chunk])
            # the last journey may go on in the next chunk: hold its rows back (a journey's
            # rows are contiguous in a store, so they are the frame's tail)
            tail = int((frame[S.JOURNEY_ID] == frame[S.JOURNEY_ID][-1]).sum())
            done, carry = frame.slice(0, frame.height - tail), frame.slice(frame.height - tail)
            if done.height:
                yield ordered(done)
        if carry is not None and carry.height:
            yield ordered(carry)


def open_events(path: str | os.PathLike[str], options: ReadOptions | None = None, *,
                on_progress: Callable[[str, int, int], None] | None = None) -> EventSource:
    """The events of one log for analysis: in memory, or, above :func:`memory_events` events of
    Parquet (a raw export or a journeylog store), on disk in journey-complete batches. Without
    options every event is kept, exact duplicates too (as in :func:`read_events`)."""
    opts = options or ReadOptions(drop_duplicates=False)
    local_file(path)
    fmt = sniff_format(path, opts.format)
    if fmt == "parquet":
        info = _parquet_rows(path)
        if info is not None and info[0] > memory_events():
            rows, kv = info
            if STORE_KEY in kv:
                schema = pl.read_parquet_schema(local_file(path))
                _validate_store(pl.DataFrame(schema=schema), os.fspath(path))
                return EventSource(store=Path(path))
            import tempfile

            tmp = tempfile.TemporaryDirectory(prefix="journeylog-")
            try:
                result = _ingest_out_of_core(path, opts, Path(tmp.name) / "events.parquet", rows, on_progress)
            except BaseException:
                tmp.cleanup()
                raise
            if result is not None:
                return EventSource(store=result.store, channel_filter=result.channel_filter, _tmp=tmp)
            tmp.cleanup()
    result = _ingest_in_memory(path, opts, None)
    return EventSource(events=result.events, channel_filter=result.channel_filter)
