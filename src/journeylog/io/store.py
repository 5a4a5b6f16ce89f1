"""The journeylog store: canonical events as one Parquet file with a schema marker.

A store is what ``journeylog ingest -o`` writes and every command reads back without detecting
columns again: the canonical columns of :data:`journeylog.schema.SCHEMA` (then attributes),
sorted by (journey, timestamp, input order), and a ``journeylog`` key in the Parquet key-value
metadata naming the store version. Writes are atomic.

>>> import tempfile, pathlib, datetime as dt
>>> from journeylog import schema as S
>>> p = pathlib.Path(tempfile.mkdtemp()) / "events.parquet"
>>> ev = pl.DataFrame({c: pl.Series([], dtype=t) for c, t in S.SCHEMA.items()})
>>> write_events(ev, p)
>>> is_store(p)
True
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from journeylog import schema as S
from journeylog.errors import InvalidInput, ResourceLimit, param
from journeylog.io.files import atomic_output
from journeylog.io.tabular import parquet_info

if TYPE_CHECKING:  # pyarrow is imported when a store is written, not on every start
    import pyarrow as pa

__all__ = ["STORE_KEY", "STORE_MARKER", "STORE_VERSION", "is_store", "is_store_dir", "read_store_dir", "store_marker",
           "store_table", "validate_store", "write_events"]

#: the Parquet key-value metadata key that marks a journeylog store
STORE_KEY = "journeylog"
#: the store layout version written in that key
STORE_VERSION = 1


#: the file marking a folder as a journeylog store written by Spark (``ingest --engine spark``):
#: its Parquet part files (``part-*.parquet``, in name order) hold the events in store order
STORE_MARKER = "_journeylog.json"


def store_marker() -> str:
    """The store marker's JSON text (the footer metadata of a one-file store, the marker file of a
    folder)."""
    return json.dumps({"version": STORE_VERSION, "columns": list(S.SCHEMA)})


def is_store_dir(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a folder holding a journeylog store (its marker file)."""
    p = Path(os.fspath(path))
    return p.is_dir() and (p / STORE_MARKER).is_file()


def read_store_dir(path: str | os.PathLike[str]) -> pl.DataFrame:
    """The events of a store folder (read whole, in store order), with the canonical types
    (Spark has no unsigned integers: ``input_order`` is stored as Int64)."""
    label = os.fspath(path)
    parts = sorted(Path(label).glob("part-*.parquet"))
    if not parts:
        return pl.DataFrame(schema=S.SCHEMA)
    try:
        frame = pl.concat([pl.read_parquet(p) for p in parts], how="vertical_relaxed")
    except (Exception, pl.exceptions.PanicException) as exc:  # pyarrow/polars raise many types
        raise InvalidInput(f"not a valid journeylog store ({str(exc).splitlines()[0][:200]})", path=label) from None
    if S.INPUT_ORDER in frame.columns and frame.schema[S.INPUT_ORDER] == pl.Int64:
        frame = frame.with_columns(pl.col(S.INPUT_ORDER).cast(pl.UInt64))
    return frame


def store_table(events: pl.DataFrame) -> pa.Table:
    """``events`` as an Arrow table carrying the store marker (the one place it is written)."""
    table = events.to_arrow()
    meta = dict(table.schema.metadata or {})
    meta[STORE_KEY.encode()] = store_marker().encode()
    return table.replace_schema_metadata(meta)


#: the row group of a store written whole (pyarrow's default, kept when Polars took over the write)
STORE_ROW_GROUP = 1024 * 1024
#: its zstd level (pyarrow's default, 1; Polars' own is 3, a fifth more CPU for a file 6% smaller)
STORE_ZSTD_LEVEL = 1


def write_events(events: pl.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write canonical events as a journeylog store (Parquet with a schema marker), atomically.

    The marker is in the footer's key-value metadata (where journeylog looks, from Polars) and in
    the Arrow schema stored in the file (which pyarrow reads back as the table's schema metadata
    and copies when it rewrites the table). Polars writes the file (zstd at
    :data:`STORE_ZSTD_LEVEL`, row groups of :data:`STORE_ROW_GROUP` rows; its writer encodes
    columns on every core, pyarrow's on one), with that schema from
    :class:`journeylog.io.arrow_schema.MarkedSchema`, when every column is of a type it builds;
    otherwise (nested or dictionary-encoded attribute columns, whose Arrow schema Polars 2.1
    stores without its metadata) pyarrow writes it, as it always did."""
    from journeylog.io.arrow_schema import MarkedSchema

    try:
        schema: MarkedSchema | None = MarkedSchema(events.schema, {STORE_KEY: store_marker()})
    except TypeError:
        schema = None
    with atomic_output(path) as tmp:
        if schema is not None:
            events.write_parquet(tmp, compression="zstd", compression_level=STORE_ZSTD_LEVEL,
                                 row_group_size=STORE_ROW_GROUP, arrow_schema=schema, metadata={STORE_KEY: store_marker()})
        else:
            import pyarrow.parquet as pq

            pq.write_table(store_table(events), tmp, compression="zstd")


def validate_store(frame: pl.DataFrame, label: str) -> pl.DataFrame:
    """``frame`` (a store's events, or an empty frame with its schema) if it has every canonical
    column with its canonical type; otherwise an error naming the column."""
    for col, dtype in S.SCHEMA.items():
        if col not in frame.columns:
            raise InvalidInput(f"journeylog store is missing column {col!r}", path=label, hint="re-run journeylog ingest")
        if frame.schema[col] != dtype:
            raise InvalidInput(f"journeylog store column {col!r} has type {frame.schema[col]}, expected {dtype}", path=label)
    if frame.height:
        check_store_times(frame.lazy(), label)
    return frame


#: the years every output can write (see :mod:`journeylog.ingest.timestamps`)
_MIN_TIME_US, _MAX_TIME_US = -62_135_596_800_000_000, 253_402_300_799_999_999


def check_store_times(events: pl.LazyFrame, label: str) -> None:
    """A store edited by hand may hold missing timestamps or ones outside the years 1-9999, which
    ingest never writes: an error naming the first such row; or a name (activity, journey or
    customer id) longer than the run's ``max_name_chars``: exit 4, as for any log (one streaming
    pass for both)."""
    from journeylog.settings import current

    cap = current().max_name_chars
    micros = pl.col(S.TIMESTAMP).dt.epoch("us")
    bad_time = micros.is_null() | ~micros.is_between(_MIN_TIME_US, _MAX_TIME_US)
    names = [c for c in (S.JOURNEY_ID, S.CUSTOMER_ID, S.ACTIVITY) if c in events.collect_schema().names()]
    too_long = [(pl.col(c).str.len_chars() > cap).fill_null(False).alias(c) for c in names]
    bad = (events.with_row_index("_row", offset=1)
           .filter(pl.any_horizontal(bad_time, *too_long))
           .select("_row", bad_time.alias("_time"), *too_long).head(1).collect(engine="streaming"))
    if not bad.height:
        return
    row = bad.row(0, named=True)
    if row["_time"]:
        raise InvalidInput("timestamp missing or outside the years 1-9999", path=label, row=int(row["_row"]),
                           column=S.TIMESTAMP, hint="re-run journeylog ingest on the export")
    col = next(c for c in names if row[c])
    raise ResourceLimit(f"a name is longer than the {cap:,}-character name limit", path=label, row=int(row["_row"]),
                        column=col, hint=f"raise {param('max_name_chars')} if the file is trusted")


def is_store(path: str | os.PathLike[str] | Path) -> bool:
    """Whether the Parquet file at ``path`` carries the store marker (from its footer)."""
    return STORE_KEY in parquet_info(path)[1]
