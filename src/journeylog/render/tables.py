"""Tabular exports (CSV, Parquet) written atomically; CSV cells are protected against formula
injection (OWASP): a text cell starting with ``= + - @`` TAB or CR gets a leading ``'``
(:func:`journeylog.io.export.protect_formulas`, re-exported here).

>>> import polars as pl
>>> protect_formulas(pl.DataFrame({"a": ["=cmd|' /C calc'!A0", "ok", "-1"]}))["a"].to_list()
["'=cmd|' /C calc'!A0", 'ok', "'-1"]
>>> protect_formulas(pl.DataFrame({"l": [["=1+1", "ok"], ["a", "b"]]}))["l"].to_list()
["'=1+1; ok", 'a; b']
"""

from __future__ import annotations

import os

import polars as pl

from journeylog.errors import UsageError
from journeylog.io.export import protect_formulas, write_csv
from journeylog.io.files import atomic_output

__all__ = ["protect_formulas", "write_csv", "write_table"]


def write_table(frame: pl.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write ``frame`` as ``.parquet`` or ``.csv`` by suffix, atomically."""
    suffix = os.fspath(path).lower()
    if suffix.endswith(".parquet"):
        with atomic_output(path) as tmp:
            frame.write_parquet(tmp)
    elif suffix.endswith(".csv"):
        write_csv(frame, path)
    else:
        raise UsageError("unsupported table format", path=os.fspath(path), hint="use .parquet or .csv")
