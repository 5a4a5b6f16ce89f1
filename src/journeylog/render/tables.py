"""Tabular exports (CSV, Parquet) written atomically; CSV cells are protected against formula
injection (OWASP): a text cell starting with ``= + - @`` TAB or CR gets a leading ``'``.

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
from journeylog.io.files import atomic_output

_FORMULA = r"^[=+\-@\t\r]"


def protect_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that a spreadsheet would run as formulas with ``'``."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            text = pl.col(name)
        elif isinstance(dtype, pl.List) and not isinstance(dtype.inner, (pl.List, pl.Struct, pl.Array)):
            text = pl.col(name).cast(pl.List(pl.String)).list.join("; ")
        else:
            continue
        exprs.append(pl.when(text.str.contains(_FORMULA)).then(pl.lit("'") + text).otherwise(text).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def write_csv(frame: pl.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write ``frame`` as UTF-8 CSV atomically, formulas neutralised."""
    safe = protect_formulas(frame)
    # Lists of lists and structs cannot go to CSV as-is: flatten to JSON-ish text.
    nested = [n for n, t in safe.schema.items() if isinstance(t, (pl.Struct, pl.List, pl.Array))]
    if nested:
        safe = safe.with_columns(pl.col(n).map_elements(str, return_dtype=pl.String) for n in nested)
    with atomic_output(path) as tmp:
        safe.write_csv(tmp)


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
