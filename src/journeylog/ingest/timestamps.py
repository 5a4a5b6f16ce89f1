"""Timestamps: one UTC expression per timestamp column, its format decided once over the whole
column (datetime and date columns, epoch seconds or milliseconds, explicit strftime formats, and
detected ISO-like, day-first and month-first formats, with or without a UTC offset).

>>> import polars as pl
>>> raw = pl.DataFrame({"t": ["31/01/2024 10:00", "01/02/2024 11:30"], "source_row": [2, 3]})
>>> expr, desc = timestamp_expr(raw, "t", None, "UTC", "x.csv")
>>> desc, raw.select(expr.dt.to_string())["t"].to_list()
('%d/%m/%Y %H:%M', ['2024-01-31 10:00:00.000000+00:00', '2024-02-01 11:30:00.000000+00:00'])
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence

import polars as pl

from journeylog import schema as S
from journeylog.errors import InvalidInput, UsageError, param

__all__ = ["DATES_ONLY_NOTE", "check_timezone", "dates_only", "localise", "timestamp_expr"]

#: the note when every timestamp of a source is at midnight (see :func:`dates_only`)
DATES_ONLY_NOTE = ("every timestamp is at midnight (dates only): events of the same day are in file order, "
                   "and durations within a day are 0")

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

#: the timestamps journeylog accepts: the years 1 to 9999 (what every output format can write)
MIN_TIME_US = -62_135_596_800_000_000  # 0001-01-01T00:00:00Z in microseconds since the epoch
MAX_TIME_US = 253_402_300_799_999_999  # 9999-12-31T23:59:59.999999Z
#: epoch values at or above this are milliseconds, below it seconds (1e11 s is the year 5138)
_EPOCH_MS_FROM = 1e11


def check_timezone(tz: str | None) -> str:
    """``tz`` if it is a known IANA zone (``UTC`` when None), else a usage error."""
    if tz is None:
        return "UTC"
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {tz!r}", hint="an IANA name such as Europe/Berlin or UTC") from None
    return tz


def localise(expr: pl.Expr, tz: str) -> pl.Expr:
    """Naive local times in ``tz`` -> UTC. A local time the daylight-saving change skips (the
    gap) or shows twice (the fold) is null: the row is then reported as invalid, never moved."""
    if tz == "UTC":
        return expr.dt.replace_time_zone("UTC")
    return expr.dt.replace_time_zone(tz, ambiguous="null", non_existent="null").dt.convert_time_zone("UTC")


def in_range(expr: pl.Expr) -> pl.Expr:
    """``expr`` (UTC datetimes) where it lies in the years 1 to 9999, else null (reported as an
    invalid timestamp, never a crash in a writer)."""
    micros = expr.cast(pl.Datetime("us", "UTC")).dt.epoch("us")
    return pl.when(micros.is_between(MIN_TIME_US, MAX_TIME_US)).then(expr).otherwise(None)


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


def _epoch(num: pl.Expr, unit: str) -> pl.Expr:
    """Epoch seconds or milliseconds -> UTC; values outside the years 1-9999 (or not finite) -> null."""
    factor = 1_000_000 if unit == "epoch_s" else 1_000
    micros = (num * factor).round(0)
    safe = pl.when(micros.is_between(MIN_TIME_US, MAX_TIME_US)).then(micros).otherwise(None)
    return pl.from_epoch(safe.cast(pl.Int64, strict=False), time_unit="us").dt.replace_time_zone("UTC")


def _refuse_mixed_epoch_units(raw: pl.DataFrame, col: str, magnitude: pl.Expr, label: str) -> None:
    """Epoch seconds and milliseconds in one column (no unit given): an error naming a row of each."""
    marked = raw.select(magnitude.alias("_m"), pl.col(col).cast(pl.String).alias("_v"),
                        (pl.col("source_row") if "source_row" in raw.columns else pl.int_range(1, pl.len() + 1)).alias("_r"))
    marked = marked.filter(pl.col("_m").is_not_null() & pl.col("_m").is_finite())
    ms = marked.filter(pl.col("_m") >= _EPOCH_MS_FROM)
    s = marked.filter(pl.col("_m") < _EPOCH_MS_FROM)
    if ms.height and s.height:
        a, b = s.row(0, named=True), ms.row(0, named=True)
        raise InvalidInput(
            f"epoch timestamps mix seconds (row {a['_r']}: {str(a['_v'])[:40]!r}) and milliseconds "
            f"(row {b['_r']}: {str(b['_v'])[:40]!r})",
            path=label, row=a["_r"], column=col,
            hint=f"give {param('timestamp_format')} epoch_s or epoch_ms if one unit is meant",
        )


def _typed_expr(raw: pl.DataFrame, col: str, fmt: str | None, tz: str, label: str) -> tuple[pl.Expr, str] | None:
    """The expression for a datetime, date or numeric (epoch) column; None for other types."""
    dtype = raw.schema[col]
    c = pl.col(col)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            return localise(c.cast(pl.Datetime("us")), tz), f"datetime (naive, {tz})"
        return c.dt.convert_time_zone("UTC").cast(S.TIME_DTYPE), "datetime"
    if isinstance(dtype, pl.Date):
        return localise(c.cast(pl.Datetime("us")), tz), f"date ({tz})"
    if dtype.is_numeric():
        unit = fmt or ""
        if unit not in ("epoch_s", "epoch_ms"):
            _refuse_mixed_epoch_units(raw, col, c.cast(pl.Float64).abs(), label)
            mx = raw.select(c.cast(pl.Float64).abs().max()).item()
            unit = "epoch_ms" if mx is not None and mx >= _EPOCH_MS_FROM else "epoch_s"
        return _epoch(c.cast(pl.Float64), unit), unit
    return None


def _refuse_mixed_offsets(raw: pl.DataFrame, col: str, label: str) -> None:
    """Values with and without a UTC offset in one column need a time zone for the naive ones."""
    s = pl.col(col).str.strip_chars()
    first_naive = raw.with_row_index("_i").filter(
        s.is_not_null() & ~s.str.contains(_OFFSET_RE) & (s != "")
    ).row(0, named=True)
    raise InvalidInput(
        f"timestamps mix values with a UTC offset and values without one ({first_naive[col]!r})",
        path=label,
        row=first_naive.get("source_row"),
        column=col,
        hint=f"give {param('timezone')} for the naive ones (e.g. {param('timezone')} Europe/Berlin)",
    )


def _detected_expr(raw: pl.DataFrame, col: str, nonempty: pl.Series, iso: bool, tz: str, label: str,
                   tz_given: bool) -> tuple[pl.Expr, str]:
    """Detect the format(s) of a text column: one for the naive values, one for those with an offset."""
    stripped = pl.col(col).str.strip_chars()
    has_offset = nonempty.str.contains(_OFFSET_RE)
    n_off = int(has_offset.sum())
    naive_vals, aware_vals = nonempty.filter(~has_offset), nonempty.filter(has_offset)
    if 0 < n_off < nonempty.len() and not tz_given:
        _refuse_mixed_offsets(raw, col, label)
    parts: list[pl.Expr] = []
    described: list[str] = []
    is_off = stripped.str.contains(_OFFSET_RE)
    if naive_vals.len():
        fmts = _pick_formats(naive_vals, [f for f in _NAIVE_FORMATS if not iso or f.startswith("%Y-")])
        fmts = _resolve_ambiguity(raw, col, fmts, label)
        parts.append(pl.when(~is_off).then(localise(stripped.str.to_datetime(fmts[0], strict=False, time_unit="us"), tz)))
        described.append(fmts[0] + ("" if tz == "UTC" else f" in {tz}"))
    if aware_vals.len():
        fmts = _pick_formats(aware_vals, _AWARE_FORMATS)
        fmts = _resolve_ambiguity(raw, col, fmts, label)
        parts.append(pl.when(is_off).then(stripped.str.to_datetime(fmts[0], strict=False, time_unit="us", time_zone="UTC")))
        described.append(fmts[0])
    expr = parts[0] if len(parts) == 1 else pl.coalesce(parts)
    return expr.cast(S.TIME_DTYPE), " / ".join(described)


def timestamp_expr(
    raw: pl.DataFrame, col: str, fmt: str | None, tz: str, label: str, *, tz_given: bool = False
) -> tuple[pl.Expr, str]:
    """An expression giving UTC timestamps for column ``col`` (null where unparseable) and a
    description of the format used. Raises on ambiguity or a column that fits no format."""
    typed = _typed_expr(raw, col, fmt, tz, label)
    if typed is not None:
        return in_range(typed[0]), typed[1]
    dtype = raw.schema[col]
    if not (dtype == pl.String):
        raise InvalidInput(f"timestamp column {col!r} has type {dtype}, expected text or a datetime", path=label)
    s = raw[col].str.strip_chars()
    nonempty = s.filter(s.is_not_null() & (s != ""))
    if nonempty.len() == 0:
        raise InvalidInput(f"the timestamp column {col!r} is empty", path=label, column=col)
    stripped = pl.col(col).str.strip_chars()
    if fmt in ("epoch_s", "epoch_ms") or (fmt is None and nonempty.str.contains(r"^\d{9,13}(\.\d+)?$").all()):
        if fmt is None:
            _refuse_mixed_epoch_units(raw, col, stripped.cast(pl.Float64, strict=False).abs(), label)
        unit = fmt or ("epoch_ms" if nonempty.str.len_chars().max() >= 12 else "epoch_s")  # type: ignore[operator]
        return _epoch(stripped.cast(pl.Float64, strict=False), unit), unit
    if fmt is not None and fmt != "iso":
        aware = any(z in fmt for z in ("%z", "%#z", "%:z", "%Z"))
        parsed = stripped.str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC" if aware else None)
        return in_range(parsed if aware else localise(parsed, tz)), fmt + ("" if aware or tz == "UTC" else f" in {tz}")
    expr, described = _detected_expr(raw, col, nonempty, fmt == "iso", tz, label, tz_given)
    return in_range(expr), described


def _resolve_ambiguity(raw: pl.DataFrame, col: str, fmts: list[str], label: str) -> list[str]:
    """Of the candidate formats, those parsing the most values of the whole column; two that read
    the same values differently (day/month order) are an error."""
    values = raw[col].str.strip_chars()
    if not fmts:
        first = raw.filter(pl.col(col).is_not_null() & (pl.col(col).str.strip_chars() != "")).row(0, named=True)
        raise InvalidInput(
            f"timestamp {str(first[col])[:80]!r} is not a date and time journeylog recognises",
            path=label, row=first.get("source_row"), column=col,
            hint=f"give {param('timestamp_format')}, e.g. '%d/%m/%Y %H:%M', or epoch_s / epoch_ms",
        )
    parsed = {f: values.str.to_datetime(f, strict=False, time_unit="us") for f in fmts}
    counts = {f: p.len() - p.null_count() for f, p in parsed.items()}
    best = max(counts.values())
    full = [f for f in fmts if counts[f] == best]
    if len(full) > 1 and any(not parsed[full[0]].equals(parsed[f]) for f in full[1:]):
        raise InvalidInput(
            f"timestamps are ambiguous: they read both as {full[0]!r} and as {full[1]!r}",
            path=label, column=col,
            hint=f"give {param('timestamp_format')} to say which (day/month order)",
        )
    return full


def dates_only(timestamps: pl.Series, tz: str = "UTC") -> bool:
    """Whether every (UTC) timestamp is at midnight in ``tz``: a log of dates without times.

    >>> import datetime as dt
    >>> ts = pl.Series([dt.datetime(2024, 1, d, tzinfo=dt.UTC) for d in (1, 2)])
    >>> dates_only(ts), dates_only(ts, "Europe/Paris")
    (True, False)
    """
    dtype = timestamps.dtype
    if not isinstance(dtype, pl.Datetime) or timestamps.null_count() == timestamps.len():
        return False
    if dtype.time_zone is None or tz == "UTC":
        # midnight in UTC (or on a naive clock) is a whole number of days since the epoch: one
        # integer pass, no time-zone arithmetic
        day = 86_400 * {"ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[dtype.time_unit or "us"]
        return bool((timestamps.to_physical() % day == 0).all())
    ts = timestamps.drop_nulls()
    local = ts.dt.convert_time_zone(tz)
    midnight = (local.dt.hour() == 0) & (local.dt.minute() == 0) & (local.dt.second() == 0) & (
        local.dt.microsecond() == 0)
    return bool(midnight.all())
