"""A streaming, safe XES reader: ``.xes`` / ``.xes.gz`` -> one Polars row per ``<event>``.

The XML goes through :func:`journeylog.io.xml.iterparse_xml` (no DOCTYPE, no entities, no
network, capped decompressed size), and elements are cleared as soon as they are read, so memory
holds one trace at a time plus the growing column lists.

Columns, named as ``pm4py.read_xes`` names them:

* every event attribute ``<key>`` (``concept:name``, ``time:timestamp``, ``org:resource``, ...),
  in order of first appearance;
* every trace attribute as ``case:<key>`` (``case:concept:name``, ``case:channel``, ...);
* ``source_row`` (Int64): the line of the ``<event>`` element in the (decompressed) file.

Types follow the XES element: ``<date>`` -> ``Datetime("us", "UTC")``, ``<int>`` -> Int64,
``<float>`` -> Float64, ``<boolean>`` -> Boolean, ``<string>`` / ``<id>`` -> String.

* Dates are ISO 8601 (parsed like pm4py, with :meth:`datetime.fromisoformat`); an offset is
  converted to UTC, and **a date without an offset is taken as UTC** (as pm4py does) when no
  date of that attribute has one. An attribute mixing dates with and without an offset stays
  text as written: as the timestamp it is an error unless a time zone is given for the naive ones.
* A key written with different XES types in different places becomes a String column holding the
  values exactly as written in the file (no value is converted or lost).
* ``concept:name`` (the case id at trace level, the activity at event level) is always a String
  column holding the value exactly as written, whatever element it uses: ``<int key="concept:name"
  value="007"/>`` gives the case id ``"007"``; ``"NA"`` or ``"null"`` are ordinary ids.
* A ``time:timestamp`` written as ``<string>`` stays a String column; the caller parses it.
* ``<list>`` and ``<container>`` attributes have no scalar value: they give no column, and their
  nested children are skipped (pm4py keeps them as nested dicts). Nested children of an ordinary
  attribute (XES "meta-attributes") are skipped too; the attribute keeps its own value.
* Log-level attributes, ``<extension>``, ``<classifier>`` and ``<global>`` are checked but not
  returned. ``<global>`` default values are **not** applied to events or traces that lack the key,
  matching ``pm4py.read_xes`` (which keeps them aside in ``log.omni_present``).
* Traces without events count in :attr:`XesRead.empty_traces` and give no rows (pm4py drops them
  from its table too).

Refused with :class:`~journeylog.errors.InvalidInput` (path, line and key in the message):
a malformed value (``<date value="not-a-date">``, ``<int value="x">``, ``<boolean value="yes">``,
an int beyond Int64), an attribute element without ``key`` or without ``value``, the same key
twice with different values in one element, a trace **with events** but no ``concept:name`` (pm4py
would give those events an empty case id, which later steps drop silently), an ``<event>``
outside a ``<trace>``, a ``<trace>`` or ``<log>`` nested where it cannot be, any element XES
does not define (``<text>``, ...), and an event attribute whose name is taken by a column this
reader adds (``source_row``, or ``case:x`` when a trace has an attribute ``x``). The XML front-end
adds UnsafeInput / ResourceLimit / syntax errors with lines.

Line numbers (``source_row`` and in errors) are exact for ordinary pretty-printed files, also
beyond line 65,535 where libxml2's own element line numbers stop (see
:func:`journeylog.io.xml.element_line`).

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "tiny.xes"
>>> _ = p.write_text('''<log><trace><string key="concept:name" value="007"/>
... <event><string key="concept:name" value="Call"/><date key="time:timestamp" value="2024-01-02T10:00:00+01:00"/></event>
... </trace><trace><string key="concept:name" value="x"/></trace></log>''')
>>> r = read_xes(p)
>>> r.traces, r.empty_traces
(2, 1)
>>> r.events.rows()
[('Call', datetime.datetime(2024, 1, 2, 9, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC')), '007', 2)]
"""

from __future__ import annotations

import os
import sys
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from journeylog.errors import InvalidInput
from journeylog.io.xml import element_line, iterparse_xml, local_name

__all__ = ["XesRead", "read_xes", "CASE_PREFIX", "SOURCE_ROW"]

CASE_PREFIX = "case:"
SOURCE_ROW = "source_row"
NAME_KEY = "concept:name"

_UTC = UTC
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_ONE_US = timedelta(microseconds=1)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

_SCALAR_TYPES = frozenset({"string", "id", "date", "int", "float", "boolean"})
_NESTED_TYPES = frozenset({"list", "container"})
_ATTRIBUTE_TAGS = _SCALAR_TYPES | _NESTED_TYPES
_LOG_ONLY_TAGS = frozenset({"extension", "classifier", "global"})

_DTYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "id": pl.String(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "boolean": pl.Boolean(),
}


@dataclass(frozen=True)
class XesRead:
    """What :func:`read_xes` found."""

    events: pl.DataFrame  # one row per <event>, in file order
    traces: int  # number of <trace> elements
    empty_traces: int  # traces without events (not in `events`, like pm4py)


# ---------------------------------------------------------------- value parsing


def _parse_date(raw: str) -> int:
    text = raw.strip()
    if not text or not text[0].isdigit():
        raise ValueError(raw)
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_UTC)
    return (dt - _EPOCH) // _ONE_US


def _parse_int(raw: str) -> int:
    if "_" in raw:
        raise ValueError(raw)
    value = int(raw)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise OverflowError(raw)
    return value


def _parse_float(raw: str) -> float:
    if "_" in raw:
        raise ValueError(raw)
    return float(raw)


def _parse_boolean(raw: str) -> bool:
    text = raw.strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError(raw)


intern = sys.intern

_PARSERS = {"date": _parse_date, "int": _parse_int, "float": _parse_float, "boolean": _parse_boolean}
_WHAT = {"date": "date", "int": "integer", "float": "float", "boolean": "boolean"}


# ---------------------------------------------------------------- column building


@dataclass
class _Column:
    """One output column, stored sparsely: row indexes, parsed values, raw strings, XES types."""

    idx: array[int] = field(default_factory=lambda: array("q"))  # 8 bytes per entry, not an int object
    vals: list[Any] = field(default_factory=list)
    raws: list[str] = field(default_factory=list)
    types: set[str] = field(default_factory=set)

    def series(self, name: str, n: int) -> pl.Series:
        if len(self.types) == 1:
            (xes_type,) = self.types
            values = self.vals
        else:  # mixed XES types: keep the text as written
            xes_type, values = "string", self.raws
        if len(self.idx) == n:
            dense = values
        else:
            dense = [None] * n
            for i, v in zip(self.idx, values, strict=True):
                dense[i] = v
        if xes_type == "date" and _mixes_naive_and_offset(self.raws):
            xes_type, dense = "string", _dense(self.idx, self.raws, n)  # the caller decides (needs a time zone)
        if xes_type == "date":
            return (
                pl.Series(name, dense, dtype=pl.Int64)
                .cast(pl.Datetime("us"))
                .dt.replace_time_zone("UTC")
            )
        return pl.Series(name, dense, dtype=_DTYPES[xes_type])


_OFFSET = r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)\s*$"


def _mixes_naive_and_offset(raws: list[str]) -> bool:
    """Whether some dates carry a UTC offset and others do not (then naive is not simply UTC)."""
    has = pl.Series(raws, dtype=pl.String).str.strip_chars().str.contains(_OFFSET)
    return bool(has.any()) and not bool(has.all())


def _dense(idx: array[int], values: list[Any], n: int) -> list[Any]:
    if len(idx) == n:
        return values
    dense: list[Any] = [None] * n
    for i, v in zip(idx, values, strict=True):
        dense[i] = v
    return dense


# An attribute as read: (xes type, raw text, parsed value)
_Attr = tuple[str, str, Any]


def read_xes(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> XesRead:  # noqa: C901 - long by design: see the docstring
    """Read a local ``.xes`` or gzipped ``.xes.gz`` log into one row per event (see the module doc).

    ``max_bytes`` caps the (decompressed) input size (ResourceLimit, exit 4, beyond it).

    Long by design: one streaming pass over millions of elements, whose state (the open trace,
    the column buffers, the counters) lives in local variables shared by small closures; split
    into methods or modules it would pay an attribute lookup per element on the hot path.
    """
    label = os.fspath(path)
    columns: dict[str, _Column] = {}
    case_columns: dict[str, _Column] = {}
    source_rows: array[int] = array("q")
    row_case: array[int] = array("q")  # per row: the index of its trace in `case_columns`
    n_rows = 0
    n_cases = 0
    n_traces = 0
    n_empty = 0

    names: dict[Any, str] = {}  # tag -> local name cache
    # Structural stack: one entry per open structural element ("log", "trace", "event", "global").
    stack: list[str] = []
    skip_depth = 0  # > 0 while inside the nested children of an attribute (skipped)
    trace_attrs: dict[str, _Attr] = {}
    trace_line = 0
    trace_events: list[tuple[int, dict[str, _Attr]]] = []
    event_attrs: dict[str, _Attr] = {}
    event_line = 0

    def fail(message: str, line: int | None, key: str | None = None, hint: str | None = None) -> InvalidInput:
        return InvalidInput(message, path=label, row=line, column=key, hint=hint)

    def read_attribute(elem: Any, xes_type: str, target: dict[str, _Attr] | None) -> None:
        key = elem.get("key")
        raw = elem.get("value")
        if not key:
            raise fail(f"<{xes_type}> attribute without a key", element_line(elem),
                       hint='write <string key="..." value="..."/>')
        if raw is None:
            if xes_type in _NESTED_TYPES:
                return  # lists and containers: no scalar value, no column (documented)
            raise fail(f"<{xes_type}> attribute without a value", element_line(elem), key)
        value: Any
        if xes_type == "string" or xes_type == "id":
            raw = value = intern(raw)  # repeated values (activities, resources) share one object
        elif xes_type in _NESTED_TYPES:
            return
        else:
            try:
                value = _PARSERS[xes_type](raw)
            except OverflowError:
                raise fail(f"integer {raw!r} is out of the 64-bit range", element_line(elem), key) from None
            except (ValueError, TypeError):
                raise fail(f"invalid {_WHAT[xes_type]} {raw!r}", element_line(elem), key) from None
            if key == NAME_KEY:
                xes_type, value = "string", raw  # ids and activities stay exactly as written
        if target is None:
            return  # log-level or <global>: checked, not returned
        old = target.get(key)
        if old is not None:
            if old[0] != xes_type or old[1] != raw:
                raise fail(f"attribute given twice in one element, with different values ({old[1]!r}, then {raw!r})",
                           element_line(elem), key)
            return
        target[key] = (xes_type, raw, value)

    def flush_trace() -> None:
        nonlocal n_rows, n_empty, n_cases
        if not trace_events:
            n_empty += 1
            return
        if NAME_KEY not in trace_attrs:
            raise fail(
                "<trace> with events but no concept:name (case id)",
                trace_line,
                hint='give every trace a <string key="concept:name" value="..."/>',
            )
        case = n_cases
        n_cases += 1
        for key, attr in trace_attrs.items():  # stored once per trace, repeated per row at the end
            col = case_columns.get(key)
            if col is None:
                col = case_columns[key] = _Column()
            col.idx.append(case)
            col.vals.append(attr[2])
            col.raws.append(attr[1])
            col.types.add(attr[0])
        row = n_rows
        for line, attrs in trace_events:
            for key, attr in attrs.items():
                col = columns.get(key)
                if col is None:
                    if key == SOURCE_ROW or (key.startswith(CASE_PREFIX) and key[len(CASE_PREFIX):] in case_columns):
                        raise clash(key, line)
                    col = columns[key] = _Column()
                col.idx.append(row)
                col.vals.append(attr[2])
                col.raws.append(attr[1])
                col.types.add(attr[0])
            source_rows.append(line)
            row_case.append(case)
            row += 1
        n_rows = row

    def clash(key: str, line: int | None) -> InvalidInput:
        return fail(
            f"event attribute {key!r} clashes with a column journeylog adds ({SOURCE_ROW} or a case: trace attribute)",
            line,
            key,
            hint="rename the attribute",
        )

    for ev, elem in iterparse_xml(path, root="log", max_bytes=max_bytes):
        if skip_depth:
            skip_depth += 1 if ev == "start" else -1
            continue
        tag = elem.tag
        name = names.get(tag)
        if name is None:
            name = names[tag] = local_name(tag)
        if ev == "start":
            top = stack[-1] if stack else None
            if name in _ATTRIBUTE_TAGS:
                skip_depth = 1
                if top == "event":
                    read_attribute(elem, name, event_attrs)
                elif top == "trace":
                    read_attribute(elem, name, trace_attrs)
                else:  # "log" or "global"
                    read_attribute(elem, name, None)
            elif name == "event":
                if top != "trace":
                    where = "outside a <trace>" if top == "log" else f"inside <{top}>"
                    raise fail(f"<event> {where}", element_line(elem), hint="every <event> belongs in a <trace>")
                stack.append("event")
                event_attrs = {}
                event_line = element_line(elem) or 0  # parsed elements always have a line
            elif name == "trace":
                if top != "log":
                    raise fail(f"<trace> inside <{top}>", element_line(elem), hint="<trace> elements belong directly in <log>")
                stack.append("trace")
                n_traces += 1
                trace_attrs = {}
                trace_events = []
                trace_line = element_line(elem) or 0  # parsed elements always have a line
            elif top is None:  # the root, already checked to be <log>
                stack.append("log")
            elif name == "log":
                raise fail(f"<log> inside <{top}>", element_line(elem), hint="a file holds one <log>")
            elif name in _LOG_ONLY_TAGS:
                if top != "log":
                    raise fail(f"<{name}> inside <{top}>", element_line(elem), hint=f"<{name}> belongs directly in <log>")
                if name == "global":
                    stack.append("global")
                else:
                    skip_depth = 1
            elif name == "":
                skip_depth = 1  # a comment or processing instruction
            else:
                raise fail(
                    f"unknown XES element <{name}> inside <{top}>",
                    element_line(elem),
                    hint="XES defines string, date, int, float, boolean, id, list and container attributes",
                )
        else:  # "end" of a structural element (attributes are freed with their parent)
            kind = stack.pop()
            if kind == "event":
                trace_events.append((event_line, event_attrs))
            elif kind == "trace":
                flush_trace()
                trace_events = []
            # keep the tail: the next element's line beyond 65,535 is read from it (element_line)
            elem.clear(keep_tail=True)
            if kind in ("trace", "global"):
                # drop finished siblings under <log> so memory stays bounded
                parent = elem.getparent()
                if parent is not None:
                    while elem.getprevious() is not None:
                        del parent[0]

    for key in case_columns:  # "case:x" as an event attribute in one trace, "x" on another trace
        if CASE_PREFIX + key in columns:
            raise clash(CASE_PREFIX + key, None)
    series = [col.series(key, n_rows) for key, col in columns.items()]
    if case_columns:
        cases = pl.DataFrame([col.series(CASE_PREFIX + key, n_cases) for key, col in case_columns.items()])
        series += cases.select(pl.all().gather(pl.Series(row_case, dtype=pl.Int64))).get_columns()
    series.append(pl.Series(SOURCE_ROW, source_rows, dtype=pl.Int64))
    return XesRead(events=pl.DataFrame(series), traces=n_traces, empty_traces=n_empty)
