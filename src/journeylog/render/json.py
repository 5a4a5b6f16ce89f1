"""Deterministic JSON: the same data always gives the same bytes.

Keys keep the order the library built them in (documented contracts), floats use Python's
shortest round-trip repr, NaN/inf become null, datetimes ISO 8601 in UTC, Polars frames lists of
rows.

>>> import datetime as dt
>>> dumps({"b": 1.5, "a": float("nan"), "t": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)})
'{\\n  "b": 1.5,\\n  "a": null,\\n  "t": "2024-01-01T00:00:00+00:00"\\n}\\n'
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def plain(obj: Any) -> Any:
    """Convert to JSON-ready plain Python (dicts, lists, str, int, float, None)."""
    import polars as pl

    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, pl.DataFrame):
        return [plain(r) for r in obj.iter_rows(named=True)]
    if isinstance(obj, pl.Series):
        return [plain(v) for v in obj.to_list()]
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, dt.datetime):
        return obj.isoformat()
    if isinstance(obj, (dt.date, dt.timedelta)):
        return obj.isoformat() if isinstance(obj, dt.date) else obj.total_seconds()
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        return plain(obj.item())
    return obj


def dumps(obj: Any) -> str:
    """Pretty, deterministic JSON with a trailing newline: the text of ``json.dumps(plain(obj),
    indent=2, ensure_ascii=False)``, made by :func:`_pretty`."""
    return _pretty(obj, "\n") + "\n"


_STRING = json.encoder.encode_basestring  # the C escaper when there is one


def _pretty(obj: Any, newline: str) -> str:
    """``obj`` (as :func:`plain` converts it) as ``json.dumps(..., indent=2, ensure_ascii=False)``
    writes it, nested at ``newline`` (a newline and the current indent). With an indent,
    :mod:`json` encodes in pure Python, a chunk per token; here strings and numbers go through
    its C escaper and the containers are joined once (the 11 MB of ``discover --json`` at 1M
    events: 0.8 s -> 0.3 s; equal to ``json.dumps`` on generated documents, tests/render)."""
    if isinstance(obj, str):
        return str(_STRING(obj))
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if isinstance(obj, int):
        return int.__repr__(obj)
    if isinstance(obj, float):
        return "null" if math.isnan(obj) or math.isinf(obj) else float.__repr__(obj)
    inner = newline + "  "
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        return ("{" + inner + ("," + inner).join(_STRING(str(k)) + ": " + _pretty(v, inner) for k, v in obj.items())
                + newline + "}")
    if isinstance(obj, (list, tuple)):
        if not obj:
            return "[]"
        return "[" + inner + ("," + inner).join(_pretty(v, inner) for v in obj) + newline + "]"
    converted = plain(obj)  # frames, series, dates, numpy scalars
    if converted is obj:
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
    return _pretty(converted, newline)


class Lazy:
    """A list of a JSON document given in pieces: ``pieces()`` yields lists of items, written one
    piece at a time by :func:`write_json` (millions of variants are never one Python list).

    >>> import io
    >>> out = io.StringIO()
    >>> write_json(out.write, {"n": 2, "rows": Lazy(lambda: iter([[{"a": 1}], [{"a": 2}]]))})
    >>> out.getvalue() == dumps({"n": 2, "rows": [{"a": 1}, {"a": 2}]})
    True
    """

    def __init__(self, pieces: Callable[[], Iterable[list[Any]]]) -> None:
        self.pieces = pieces


def _dump(obj: Any, newline: str = "\n") -> str:
    return _pretty(obj, newline)


def write_json(write: Callable[[str], Any], data: Mapping[str, Any]) -> None:
    """Write ``data`` (a dict whose values may be :class:`Lazy` lists) through ``write`` as the
    same bytes :func:`dumps` gives for it with every lazy list made whole, without making them
    whole: each value is rendered on its own and indented one level, each lazy item likewise two
    levels (JSON strings hold no raw newline, so indenting after every newline is exact)."""
    items = list(data.items())
    if not items:
        write("{}\n")
        return
    write("{\n")
    for i, (key, value) in enumerate(items):
        write("  " + json.dumps(str(key), ensure_ascii=False) + ": ")
        if isinstance(value, Lazy):
            _write_lazy(write, value)
        else:
            write(_dump(value, "\n  "))
        write(",\n" if i < len(items) - 1 else "\n")
    write("}\n")


def _write_lazy(write: Callable[[str], Any], value: Lazy) -> None:
    first = True
    for piece in value.pieces():
        for item in piece:
            write(("[\n" if first else ",\n") + "    " + _dump(item, "\n    "))
            first = False
    write("[]" if first else "\n  ]")


def emit_json_streamed(data: Mapping[str, Any], target: str | None) -> None:
    """Write ``data`` (see :func:`write_json`) to ``target`` (a file, written atomically, or ``-``
    for stdout); nothing when None."""
    if target is None:
        return
    import os
    import sys

    from journeylog.io.files import atomic_output

    if os.fspath(target) == "-":
        write_json(lambda text: sys.stdout.buffer.write(text.encode("utf-8")), data)
        sys.stdout.flush()
        return
    with atomic_output(target) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as f:
        write_json(f.write, data)
