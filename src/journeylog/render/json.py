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
    """Pretty, deterministic JSON with a trailing newline."""
    return json.dumps(plain(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
