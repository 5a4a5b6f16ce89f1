"""The canonical event table written for other tools: CSV (Disco, Celonis, a spreadsheet), XES
(pm4py, ProM), JSON Lines, or a journeylog store (``.parquet``), chosen by the file's suffix.

Every write is atomic. CSV text cells that a spreadsheet would run as a formula get a leading
``'`` (OWASP CSV injection: a cell starting with ``= + - @`` TAB or CR). XES is written with every
key and value escaped, characters XML 1.0 cannot hold replaced by U+FFFD, one trace per journey
(``concept:name`` = journey id), one event per row (``concept:name`` = activity,
``time:timestamp``; ``source_row`` as ``journeylog:source_row``), other columns as typed
attributes; empty values are left out.

>>> protect_formulas(pl.DataFrame({"a": ["=cmd|' /C calc'!A0", "ok", "-1"]}))["a"].to_list()
["'=cmd|' /C calc'!A0", 'ok', "'-1"]
>>> export_format("out.CSV"), export_format("log.xes.gz")
('csv', 'xes')
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import re
from collections.abc import Iterator
from typing import BinaryIO, cast

import polars as pl

from journeylog import schema as S
from journeylog.errors import UsageError
from journeylog.io.files import atomic_output
from journeylog.io.store import write_events
from journeylog.text import WORKFLOW_LINE, no_workflow_commands

__all__ = ["EXPORT_SUFFIXES", "csv_safe", "export_format", "protect_formulas", "write_csv", "write_event_log", "write_xes"]

#: suffix -> format of :func:`write_event_log`
EXPORT_SUFFIXES: dict[str, str] = {".parquet": "parquet", ".csv": "csv", ".xes": "xes", ".xes.gz": "xes",
                                   ".jsonl": "jsonl", ".ndjson": "jsonl"}
_FORMULA = r"^[=+\-@\t\r]"
_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
                              "\t": "&#9;"})
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.6f%:z"


def export_format(path: str | os.PathLike[str]) -> str:
    """The format :func:`write_event_log` writes to ``path`` (by suffix), or a usage error."""
    name = os.fspath(path).lower()
    for suffix in sorted(EXPORT_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return EXPORT_SUFFIXES[suffix]
    raise UsageError("unknown output format", path=os.fspath(path),
                     hint="use .parquet (a journeylog store), .csv, .xes, .xes.gz or .jsonl")


def protect_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that a spreadsheet would run as formulas with ``'``; lists become text."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            text = pl.col(name)
        elif isinstance(dtype, pl.List) and not isinstance(dtype.inner, (pl.List, pl.Struct, pl.Array)):
            text = pl.col(name).cast(pl.List(pl.String)).list.join("; ")  # a joined list is a cell too
        else:
            continue
        exprs.append(pl.when(text.str.contains(_FORMULA)).then(pl.lit("'") + text).otherwise(text).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def _as_text(values: pl.Series) -> pl.Series:
    return pl.Series(values.name, [None if v is None else str(v) for v in values.to_list()], dtype=pl.String)


def csv_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` as :func:`write_csv` writes it: text for categoricals and nested values, formulas
    neutralised in every column and in the header (unless the run's ``raw_csv`` setting,
    ``--raw-csv``, turns that off), never a workflow-command line. Row by row, so a table
    written in parts gives the same bytes."""
    from journeylog import settings

    safe = frame.with_columns(pl.col(n).cast(pl.String) for n, t in frame.schema.items()
                              if isinstance(t, (pl.Categorical, pl.Enum)))
    # Lists of lists and structs cannot go to CSV as-is: flatten to text first, then protect that text.
    nested = [n for n, t in safe.schema.items() if isinstance(t, (pl.Struct, pl.Array)) or (
        isinstance(t, pl.List) and isinstance(t.inner, (pl.List, pl.Struct, pl.Array)))]
    if nested:
        safe = safe.with_columns(pl.col(n).map_batches(_as_text, return_dtype=pl.String) for n in nested)
    flat = [n for n, t in safe.schema.items() if isinstance(t, pl.List)]  # lists of scalars: one joined cell
    safe = safe.with_columns(pl.col(n).cast(pl.List(pl.String)).list.join("; ") for n in flat)
    if not settings.current().raw_csv:
        safe = protect_formulas(safe)
        safe = safe.rename({n: "'" + n for n in safe.columns if re.match(_FORMULA, n)})
    # never a line that starts a GitHub Actions workflow command, --raw-csv or not
    safe = safe.with_columns(pl.col(n).str.replace_all(WORKFLOW_LINE, "${1}${2}:\u200b:")
                             for n, t in safe.schema.items() if t == pl.String)
    return safe.rename({n: no_workflow_commands(n) for n in safe.columns if no_workflow_commands(n) != n})


def write_csv(frame: pl.DataFrame, path: str | os.PathLike[str], *, datetime_format: str | None = None) -> None:
    """Write ``frame`` as UTF-8 CSV atomically (:func:`csv_safe`); times in Polars' default format
    unless ``datetime_format`` is given."""
    safe = csv_safe(frame)
    with atomic_output(path) as tmp:
        safe.write_csv(tmp, datetime_format=datetime_format)


def _xml(value: str) -> str:
    return _XML_INVALID.sub("\ufffd", value).translate(_XML_ESCAPES)


def _attribute(key: str, value: object) -> str | None:
    """One XES attribute element (None for an empty value)."""
    if value is None:
        return None
    if isinstance(value, bool):
        tag, text = "boolean", "true" if value else "false"
    elif isinstance(value, int):
        tag, text = "int", str(value)
    elif isinstance(value, float):
        if value != value:  # NaN: no value
            return None
        tag, text = "float", repr(value)
    elif isinstance(value, dt.datetime):
        tag, text = "date", (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat(timespec="microseconds")
    else:
        tag, text = "string", str(value)
    return f'<{tag} key="{_xml(key)}" value="{_xml(text)}"/>'


def _xes_lines(events: pl.DataFrame) -> Iterator[str]:
    """The XES document, line by line (events sorted by journey, one trace per journey)."""
    yield '<?xml version="1.0" encoding="UTF-8"?>'
    yield '<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">'
    yield '  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>'
    yield '  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>'
    # source_row is a column every reader adds (journeylog's XES reader refuses it as an attribute)
    rename = {S.ACTIVITY: "concept:name", S.TIMESTAMP: "time:timestamp", S.SOURCE_ROW: "journeylog:source_row"}
    others = [c for c in events.columns if c not in (S.JOURNEY_ID, S.INPUT_ORDER)]
    journey: str | None = None
    for row in events.select(S.JOURNEY_ID, *others).iter_rows(named=True):
        if row[S.JOURNEY_ID] != journey:
            if journey is not None:
                yield "  </trace>"
            journey = row[S.JOURNEY_ID]
            yield "  <trace>"
            yield "    " + (_attribute("concept:name", journey) or "")
        yield "    <event>"
        for col in others:
            attr = _attribute(rename.get(col, col), row[col])
            if attr is not None:
                yield "      " + attr
        yield "    </event>"
    if journey is not None:
        yield "  </trace>"
    yield "</log>"


def write_xes(events: pl.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write canonical events as an XES log (gzipped for ``.xes.gz``), atomically."""
    ordered = events.sort(list(S.SORT_KEYS)) if S.INPUT_ORDER in events.columns else events.sort(
        S.JOURNEY_ID, S.TIMESTAMP, maintain_order=True)
    with atomic_output(path) as tmp:
        raw: BinaryIO
        if os.fspath(path).lower().endswith(".gz"):
            raw = cast(BinaryIO, gzip.open(tmp, "wb"))  # noqa: SIM115 - closed by the with below
        else:
            raw = open(tmp, "wb")  # noqa: SIM115 - closed by the with below
        with raw:
            for line in _xes_lines(ordered):
                raw.write(line.encode("utf-8") + b"\n")


def write_event_log(events: pl.DataFrame, path: str | os.PathLike[str]) -> str:
    """Write canonical events to ``path`` in the format of its suffix (see :func:`export_format`):
    a journeylog store, CSV, XES or JSON Lines. Returns the format written."""
    fmt = export_format(path)
    if fmt == "parquet":
        write_events(events, path)
    elif fmt == "csv":
        write_csv(events, path, datetime_format=_TIME_FORMAT)
    elif fmt == "xes":
        write_xes(events, path)
    else:
        with atomic_output(path) as tmp:
            events.write_ndjson(tmp)
    return fmt
