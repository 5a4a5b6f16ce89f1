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

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from journeylog.errors import UsageError
from journeylog.io.export import csv_safe, protect_formulas, write_csv
from journeylog.io.files import atomic_output

__all__ = ["PARTS_ROW_GROUP", "protect_formulas", "table_parts", "write_csv", "write_table"]

#: rows per Parquet row group of :func:`table_parts` (fixed, so the file does not depend on the parts)
PARTS_ROW_GROUP = 262_144


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


@contextlib.contextmanager
def table_parts(path: str | os.PathLike[str]) -> Iterator[Callable[[pl.DataFrame], None]]:
    """Write a table given in parts, in order (each part a frame of the same columns), as
    ``.parquet`` or ``.csv`` by suffix, atomically: the block gets the function that takes one
    part. The bytes do not depend on how the rows are cut into parts (CSV row by row; Parquet in
    row groups of :data:`PARTS_ROW_GROUP` rows), so a table written in batches equals the table
    written whole this way. Give at least one part (an empty one names the columns)."""
    suffix = os.fspath(path).lower()
    if not suffix.endswith((".parquet", ".csv")):
        raise UsageError("unsupported table format", path=os.fspath(path), hint="use .parquet or .csv")
    with atomic_output(path) as tmp:
        if suffix.endswith(".csv"):
            with open(tmp, "wb") as fh:
                seen = {"header": True}

                def csv_part(part: pl.DataFrame) -> None:
                    csv_safe(part).write_csv(fh, include_header=seen["header"])
                    seen["header"] = False

                yield csv_part
        else:
            with _ParquetParts(tmp) as parquet_part:
                yield parquet_part


class _ParquetParts:
    """Parts buffered into row groups of :data:`PARTS_ROW_GROUP` rows (the last one shorter)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pending: list[pl.DataFrame] = []
        self.rows = 0
        self.writer: Any = None  # a pyarrow ParquetWriter, opened with the first row group
        self.schema: pl.DataFrame | None = None

    def __enter__(self) -> Callable[[pl.DataFrame], None]:
        return self.add

    def add(self, part: pl.DataFrame) -> None:
        if self.schema is None:
            self.schema = part.head(0)
        self.pending.append(part)
        self.rows += part.height
        if self.rows >= PARTS_ROW_GROUP:
            whole = pl.concat(self.pending, rechunk=True)
            full = whole.height // PARTS_ROW_GROUP * PARTS_ROW_GROUP
            for start in range(0, full, PARTS_ROW_GROUP):
                self._write(whole.slice(start, PARTS_ROW_GROUP))
            rest = whole.slice(full)
            self.pending, self.rows = [rest], rest.height

    def _write(self, frame: pl.DataFrame) -> None:
        import pyarrow.parquet as pq

        table = frame.to_arrow().combine_chunks()
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        self.writer.write_table(table, row_group_size=max(1, table.num_rows))

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None and self.schema is not None:
            rest_rows = pl.concat(self.pending, rechunk=True) if self.pending else self.schema
            if rest_rows.height or self.writer is None:
                self._write(rest_rows)
        if self.writer is not None:
            self.writer.close()
