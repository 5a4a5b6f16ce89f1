"""Normalising one raw frame: a :class:`Plan` decided once from the whole column's values
(timestamp format, outcome and satisfaction columns, attribute names, row checks), applied to the
frame (or batch after batch of it), and the rejects table or error for invalid rows.

>>> import polars as pl
>>> from journeylog.ingest.columns import ReadOptions, detect_columns
>>> raw = pl.DataFrame({"case": ["a", "a"], "activity": ["x", ""], "ts": ["2024-01-01", "2024-01-02"],
...                     "source_row": [2, 3]})
>>> opts = ReadOptions(skip_invalid_rows=True)
>>> plan = make_plan(raw, "x.csv", detect_columns(raw.columns, opts, "x.csv"), opts, "x.csv", [])
>>> good, bad = apply_plan(plan, raw)
>>> good.height, rejects_table(plan, bad, opts)["reason"].to_list()
(1, ['empty activity'])
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from journeylog import schema as S
from journeylog.config.metrics import MetricSpec
from journeylog.errors import InvalidInput, ResourceLimit, param
from journeylog.ingest.columns import ROLE_TO_COLUMN, ColumnMap, RawFrame, ReadOptions
from journeylog.ingest.timestamps import DATES_ONLY_NOTE, check_timezone, dates_only, timestamp_expr
from journeylog.settings import MAX_NAME_CHARS, current

__all__ = ["MAX_NAME_LENGTH", "Plan", "apply_plan", "empty_rejects", "make_plan", "normalise", "rejects_table"]

#: the default name length cap (the run's is ``Settings.max_name_chars``)
MAX_NAME_LENGTH = MAX_NAME_CHARS
#: the start of the reason of a name over the cap: a resource limit (exit 4), never a skipped row
NAME_TOO_LONG = "-character name limit"
_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f]|[\n\t]"
_UNKNOWN_OUTCOME = "\x00?"

#: the reason for a timestamp that does not become a UTC time
TIMESTAMP_INVALID = ("timestamp does not parse, is outside the years 1-9999, or is a local time that "
                     "daylight saving skips or repeats in the time zone")

Check = tuple[pl.Expr, str, str, str | None]  # (condition, column, reason, hint)


@dataclass
class Plan:
    """How one source's raw columns become canonical ones: the expressions, the renamed
    attribute columns and the row checks, decided once from the whole column's values."""

    exprs: dict[str, pl.Expr]
    ts_col: str
    attrs: dict[str, str]
    checks: list[Check]
    source: str
    label: str
    #: source column -> the helper column holding its raw text (shown in the error for a bad value)
    raw_values: dict[str, str] | None = None
    #: output column -> the one source column its expression is a function of, value by value
    #: (channel and outcome spellings): :func:`apply_plan` evaluates it once per distinct value
    per_value: dict[str, str] | None = None

    def helpers(self) -> list[str]:
        """The helper columns that :func:`apply_plan` drops from the good rows."""
        return ["_reason", "_column", "_ts_raw", "_sat_raw", *(self.raw_values or {}).values()]


def _outcome_expr(col: str, extra: dict[str, str]) -> pl.Expr:
    mapping = {**S.OUTCOME_VALUES, **{k.lower(): v for k, v in extra.items()}}
    key = pl.col(col).cast(pl.String).str.strip_chars().str.to_lowercase()
    return pl.when(key.is_null() | (key == "")).then(None).otherwise(key.replace_strict(mapping, default=_UNKNOWN_OUTCOME))


def _channel_expr(cmap: ColumnMap) -> pl.Expr:
    if cmap.channel is not None:
        return pl.when(pl.col(cmap.channel).cast(pl.String).str.strip_chars().fill_null("") == "").then(
            pl.lit(S.UNKNOWN_CHANNEL)).otherwise(S.channel_expr(cmap.channel))
    value = S.normalise_channel_name(cmap.channel_value) if cmap.channel_value else S.UNKNOWN_CHANNEL
    return pl.lit(value)


def _outcome_column(frame: pl.DataFrame, cmap: ColumnMap, opts: ReadOptions, source: str, notes: list[str]) -> str | None:
    """The outcome column, unless it was only guessed from its name and holds other values."""
    col = cmap.outcome
    if col is not None:
        values = frame.select(pl.col(col).unique())  # the expression is a function of the value: once per value
        unknown = values.select(_outcome_expr(col, opts.extra_outcomes).alias("o"))["o"] == _UNKNOWN_OUTCOME
        if unknown.any() and "outcome" not in cmap.explicit:
            notes.append(f"{source}: column {col!r} was not used as the outcome (values other than success/failure); "
                         "kept as an attribute")
            return None
    return col


def _satisfaction_column(frame: pl.DataFrame, cmap: ColumnMap, source: str, notes: list[str]) -> str | None:
    """The satisfaction column, unless it was only guessed from its name and is not numeric."""
    col = cmap.satisfaction
    if col is not None and not frame.schema[col].is_numeric():
        text = frame[col].cast(pl.String).str.strip_chars().replace("", None)
        bad_num = text.cast(pl.Float64, strict=False).is_null() & text.is_not_null()
        if bad_num.any() and "satisfaction" not in cmap.explicit:
            notes.append(f"{source}: column {col!r} is not numeric, not used as satisfaction; kept as an attribute")
            return None
    return col


def _checks(cmap: ColumnMap, outcome_col: str | None, sat_col: str | None) -> list[Check]:
    """Validation: the first failing check per row, in this order."""
    id_col = cmap.case or cmap.customer
    ident = pl.coalesce("_case", "_customer")
    activity = pl.col(S.ACTIVITY)
    cap = current().max_name_chars
    too_long = f"is longer than the {cap:,}{NAME_TOO_LONG}"
    return [
        (pl.col("_case").str.len_chars() > cap, cmap.case or "", f"a journey id {too_long}", None),
        (pl.col("_customer").str.len_chars() > cap, cmap.customer or "", f"a customer id {too_long}", None),
        (activity.str.len_chars() > cap, cmap.activity, f"an activity name {too_long}", None),
        (pl.col("_case").is_null() & pl.col("_customer").is_null() | (ident.str.strip_chars() == ""),
         id_col or "", "empty journey/customer id", f"fill the id or use {param('skip_invalid_rows')}"),
        (ident.str.contains(_CONTROL), id_col or "", "control character in an id", None),
        (activity.is_null() | (activity.str.strip_chars() == ""), cmap.activity, "empty activity",
         f"fill the activity or use {param('skip_invalid_rows')}"),
        (activity.str.contains(_CONTROL), cmap.activity, "control character (newline, tab, ...) in the activity name", None),
        (pl.col("_ts_raw").is_null() | (pl.col("_ts_raw").str.strip_chars() == ""), cmap.timestamp, "empty timestamp", None),
        (pl.col(S.TIMESTAMP).is_null(), cmap.timestamp, TIMESTAMP_INVALID,
         f"give {param('timestamp_format')}, {param('timezone')}, or times with a UTC offset"),
        (pl.col(S.OUTCOME) == _UNKNOWN_OUTCOME, outcome_col or "", "outcome is neither a success nor a failure spelling",
         "success/ok/completed or failure/failed/error; map others with `outcomes:` in a source map"),
        (pl.col("_sat_raw").is_not_null() & pl.col(S.SATISFACTION).is_null(), sat_col or "",
         "satisfaction is not a number", None),
    ]


def _refuse_nested_roles(frame: pl.DataFrame, cmap: ColumnMap, label: str) -> None:
    """A list, struct or binary column cannot be an id, an activity, a timestamp or any other role."""
    for role in ("case", "customer", "activity", "timestamp", "channel", "outcome", "satisfaction",
                 "contact_reason", "text"):
        col = getattr(cmap, role)
        if col is None or col not in frame.columns:
            continue
        dtype = frame.schema[col]
        if dtype.is_nested() or dtype in (pl.Binary, pl.Object):
            raise InvalidInput(f"column {col!r} holds {dtype} values, which cannot be the {role}",
                               path=label, column=col,
                               hint=f"flatten it before exporting, or name another column with {param(role)}")


def make_plan(frame: pl.DataFrame, label: str, cmap: ColumnMap, opts: ReadOptions, source: str, notes: list[str]) -> Plan:
    """Decide how to read ``frame`` (or a stand-in holding its decisive values: see
    :func:`journeylog.ingest.out_of_core.decision_frame`): timestamp format, outcome and
    satisfaction columns. Notes on what was decided are appended to ``notes``."""
    _refuse_nested_roles(frame, cmap, label)
    tz = check_timezone(opts.timezone)
    ts_expr, ts_desc = timestamp_expr(frame, cmap.timestamp, opts.timestamp_format, tz, label,
                                      tz_given=opts.timezone is not None)
    notes.append(f"{source}: timestamps read as {ts_desc}")

    def str_col(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.String)

    exprs: dict[str, pl.Expr] = {
        "_case": str_col(cmap.case) if cmap.case else pl.lit(None, pl.String),
        "_customer": str_col(cmap.customer) if cmap.customer else pl.lit(None, pl.String),
        S.TIMESTAMP: ts_expr,
        S.ACTIVITY: str_col(cmap.activity),
        S.CHANNEL: _channel_expr(cmap),
    }
    outcome_col = _outcome_column(frame, cmap, opts, source, notes)
    exprs[S.OUTCOME] = _outcome_expr(outcome_col, opts.extra_outcomes) if outcome_col else pl.lit(None, pl.String)
    sat_col = _satisfaction_column(frame, cmap, source, notes)
    if sat_col is not None:
        sat_text = pl.col(sat_col).cast(pl.String).str.strip_chars().replace("", None)
        exprs[S.SATISFACTION] = sat_text.cast(pl.Float64, strict=False)
        exprs["_sat_raw"] = sat_text
    else:
        exprs[S.SATISFACTION] = pl.lit(None, pl.Float64)
        exprs["_sat_raw"] = pl.lit(None, pl.String)
    raw_values = _metric_exprs(frame, opts.metrics, label, exprs)
    for role in ("contact_reason", "text"):
        src = getattr(cmap, role)
        exprs[ROLE_TO_COLUMN[role]] = str_col(src).replace("", None) if src else pl.lit(None, pl.String)

    consumed = {c for c in (cmap.case, cmap.customer, cmap.activity, cmap.timestamp, cmap.channel, outcome_col,
                            sat_col, cmap.contact_reason, cmap.text, *(m.column for m in opts.metrics)) if c}
    attrs = [c for c in frame.columns if c not in consumed and c != "source_row"]
    renamed = {c: (f"attr.{c}" if c in S.SCHEMA or c.startswith("_") else c) for c in attrs}
    checks = _checks(cmap, outcome_col, sat_col) + _metric_checks(opts.metrics, raw_values)
    per_value = {k: c for k, c in ((S.CHANNEL, cmap.channel), (S.OUTCOME, outcome_col)) if c is not None}
    return Plan(exprs, cmap.timestamp, renamed, checks, source, label, raw_values, per_value)


def _metric_exprs(frame: pl.DataFrame, metrics: tuple[MetricSpec, ...], label: str,
                  exprs: dict[str, pl.Expr]) -> dict[str, str]:
    """Add a Float64 ``metric_<name>`` expression (and its raw text helper) per metric to
    ``exprs``; returns source column -> raw helper column."""
    raw_values: dict[str, str] = {}
    for spec in metrics:
        if spec.column not in frame.columns:
            raise InvalidInput(f"metric {spec.name!r}: column {spec.column!r} is not in the file", path=label,
                               hint="columns: " + ", ".join(c for c in frame.columns if c != "source_row")[:300])
        text = pl.col(spec.column).cast(pl.String).str.strip_chars().replace("", None)
        exprs[spec.event_column] = text.cast(pl.Float64, strict=False)
        raw_values[spec.column] = exprs_raw = f"_raw.{spec.event_column}"
        exprs[exprs_raw] = text
    return raw_values


def _metric_checks(metrics: tuple[MetricSpec, ...], raw_values: dict[str, str]) -> list[Check]:
    """A metric must be a number on its scale (NaN is not)."""
    out: list[Check] = []
    for spec in metrics:
        value, raw = pl.col(spec.event_column), pl.col(raw_values[spec.column])
        out.append((raw.is_not_null() & value.is_null(), spec.column, f"{spec.name} is not a number", None))
        out.append((value.is_not_null() & ~value.is_between(spec.scale.low, spec.scale.high), spec.column,
                    f"{spec.name} is outside its scale {spec.scale}",
                    f"scores on {spec.scale} only; fix the value or declare the scale in the source map's `metrics:`"))
    return out


#: :func:`apply_plan` maps a per-value expression through its distinct values when there are at
#: most this share of the rows (hashing them costs about a third of evaluating it row by row)
_PER_VALUE_SHARE = 0.25
#: source dtypes whose text is never empty when the value is not null: the empty-timestamp check
#: then needs only the nulls, not every timestamp formatted as text
_NEVER_EMPTY_TEXT = (pl.Datetime, pl.Date, pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32,
                     pl.UInt64, pl.Float32, pl.Float64)


def _per_value(expr: pl.Expr, src: str, frame: pl.DataFrame) -> pl.Expr:
    """``expr`` (a function of column ``src``, value by value) as a lookup of its result for each
    distinct value of ``src``: the same column, without evaluating string functions a million
    times for a handful of spellings."""
    values = frame.select(pl.col(src).unique(maintain_order=True))
    if values.height > max(16, _PER_VALUE_SHARE * frame.height):
        return expr
    table = values.with_columns(expr.alias("_v"))
    dtype = table.schema["_v"]
    if table.schema[src] in (pl.String, pl.Categorical) and dtype == pl.String and table.select(
            pl.col(src).cast(pl.String).eq_missing(pl.col("_v")).all()).item():
        return pl.col(src).cast(pl.String)  # every spelling is already its own result (null's too)
    known = table.filter(pl.col(src).is_not_null())
    mapped = pl.col(src).replace_strict(known[src], known["_v"], return_dtype=dtype)
    if known.height < table.height:  # the null's own result
        null = table.filter(pl.col(src).is_null())["_v"]
        mapped = pl.when(pl.col(src).is_null()).then(pl.lit(null[0], dtype)).otherwise(mapped)
    return mapped


def _canonical_columns(plan: Plan, frame: pl.DataFrame, *, ts_text: bool) -> pl.DataFrame:
    """The canonical and helper columns of ``frame`` by ``plan``; ``ts_text``: the raw timestamp
    as text (for the messages), else only its nulls where the text of a value is never empty."""
    exprs = dict(plan.exprs)
    for out, src in (plan.per_value or {}).items():
        exprs[out] = _per_value(exprs[out], src, frame)
    ts = pl.col(plan.ts_col)
    if ts_text or not isinstance(frame.schema[plan.ts_col], _NEVER_EMPTY_TEXT):
        ts_raw = ts.cast(pl.String)
    else:
        ts_raw = pl.when(ts.is_null()).then(pl.lit(None, pl.String)).otherwise(pl.lit("-"))
    return frame.select(
        *[e.alias(k) for k, e in exprs.items()],
        ts_raw.alias("_ts_raw"),
        pl.col("source_row").alias(S.SOURCE_ROW),
        *[pl.col(c).alias(r) for c, r in plan.attrs.items()],
    ).with_columns(pl.lit(plan.source).alias(S.SOURCE))


def _any_failing(checks: list[Check], out: pl.DataFrame) -> bool:
    """Whether a row of ``out`` fails a check. The checks that read only the activity (a
    vocabulary: few distinct names) are evaluated once per distinct activity when there are at
    most :data:`_PER_VALUE_SHARE` as many as rows: a row fails one iff its activity does."""
    per_row = [cond for cond, _col, _msg, _hint in checks if set(cond.meta.root_names()) != {S.ACTIVITY}]
    per_name = [cond for cond, _col, _msg, _hint in checks if set(cond.meta.root_names()) == {S.ACTIVITY}]
    if per_name:
        names = out.select(pl.col(S.ACTIVITY).unique())
        if names.height <= _PER_VALUE_SHARE * out.height:
            if names.select(pl.any_horizontal([c.fill_null(False) for c in per_name]).any()).item():
                return True
        else:
            per_row += per_name
    return bool(per_row) and bool(out.select(pl.any_horizontal([c.fill_null(False) for c in per_row]).any()).item())


def apply_plan(plan: Plan, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Canonical columns for ``frame`` by ``plan``: (good rows, invalid rows with their reason).

    Every check runs once over the rows; only when one fails are the reason and column of each
    invalid row worked out (the first failing check, in order) with the raw timestamps as text."""
    out = _canonical_columns(plan, frame, ts_text=False)
    if not plan.checks or not _any_failing(plan.checks, out):
        bad = out.head(0).with_columns(pl.lit(None, pl.String).alias("_reason"), pl.lit(None, pl.String).alias("_column"))
        return out.drop(plan.helpers(), strict=False), bad
    out = _canonical_columns(plan, frame, ts_text=True)
    reason = pl.lit(None, pl.String)
    column = pl.lit(None, pl.String)
    for cond, col, msg, _hint in reversed(plan.checks):
        reason = pl.when(cond.fill_null(False)).then(pl.lit(msg)).otherwise(reason)
        column = pl.when(cond.fill_null(False)).then(pl.lit(col)).otherwise(column)
    out = out.with_columns(reason.alias("_reason"), column.alias("_column"))
    bad = out.filter(pl.col("_reason").is_not_null())
    good = out.filter(pl.col("_reason").is_null()).drop(plan.helpers())
    return good, bad


_SKIP_HINT = f"{param('skip_invalid_rows')} writes them to a rejects file"


def rejects_table(plan: Plan, bad: pl.DataFrame, opts: ReadOptions, *, total: int | None = None) -> pl.DataFrame:
    """The rejects table for ``bad`` rows, or the error for the first of them (``total``: how
    many invalid rows there are in all, when ``bad`` holds only some)."""
    count = bad.height if total is None else total
    limit = bad.filter(pl.col("_reason").str.contains(NAME_TOO_LONG, literal=True))
    if limit.height:  # a resource limit, whatever skip_invalid_rows says
        first = limit.row(0, named=True)
        raise ResourceLimit(first["_reason"], path=plan.label, row=first[S.SOURCE_ROW],
                            column=first["_column"] or None,
                            hint=f"raise {param('max_name_chars')} if the file is trusted")
    if count and not opts.skip_invalid_rows:
        first = bad.row(0, named=True)
        hint = next(h for _c, col, msg, h in plan.checks if msg == first["_reason"])
        raw_col = (plan.raw_values or {}).get(first["_column"] or "")
        value = first["_ts_raw"] if first["_column"] == plan.ts_col else (first[raw_col] if raw_col else None)
        msg = first["_reason"] + (f": {value[:80]!r}" if value else "")
        more = f"{count - 1} more invalid rows" if count > 1 else None
        raise InvalidInput(msg, path=plan.label, row=first[S.SOURCE_ROW], column=first["_column"] or None,
                           hint="; ".join(h for h in (hint, more, _SKIP_HINT if more else None) if h))
    return bad.select(
        pl.lit(plan.source).alias(S.SOURCE), pl.lit(plan.label).alias("file"), pl.col(S.SOURCE_ROW),
        pl.col("_column").alias("column"),
        pl.col("_reason").alias("reason"),
    )


def empty_rejects() -> pl.DataFrame:
    """A rejects table with no rows (source, file, source_row, column, reason)."""
    return pl.DataFrame(schema={S.SOURCE: pl.String, "file": pl.String, S.SOURCE_ROW: pl.Int64, "column": pl.String,
                                "reason": pl.String})


def normalise(
    raw: RawFrame, cmap: ColumnMap, opts: ReadOptions, source: str, notes: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Raw frame -> canonical columns (journey/customer may still be null) + rejected rows."""
    plan = make_plan(raw.frame, raw.label, cmap, opts, source, notes)
    good, bad = apply_plan(plan, raw.frame)
    rejects = rejects_table(plan, bad, opts)
    if dates_only(good[S.TIMESTAMP], check_timezone(opts.timezone)):
        notes.append(f"{source}: {DATES_ONLY_NOTE}")
    return good, rejects
