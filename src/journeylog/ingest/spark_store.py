"""A journeylog store (or a folder of Parquet files of canonical events) read by Spark, for
``--engine spark`` (:func:`open_spark_events`).

The events stay a Spark DataFrame, on the cluster; the analysis (:mod:`journeylog.journeys`)
picks the Spark engine by the frame's type. Local paths are checked here; ``s3a://``,
``abfss://``, ``hdfs://``, ``gs://`` and ``dbfs:/`` paths go to Spark as they are (the cluster
holds the credentials). Raw exports (CSV, XES, JSONL) are not read by Spark yet: ingest them
into a store first. Importing this module imports no pyspark.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from journeylog import schema as S
from journeylog.errors import InvalidInput, UsageError, param
from journeylog.ingest.columns import ReadOptions
from journeylog.ingest.store_options import check_channel, store_plan

__all__ = ["REMOTE", "open_spark_events", "refuse_spark"]

#: the schemes of the stores Spark reads itself (the cluster is configured for them)
REMOTE = re.compile(r"^(s3a|s3|abfss|abfs|wasbs|hdfs|gs|dbfs):/", re.IGNORECASE)


def refuse_spark(opts: ReadOptions | None, what: str = "read_events") -> None:
    """A usage error when ``opts`` ask for the Spark engine where it does not run (``read_events``
    returns a Polars frame in memory)."""
    if opts is not None and opts.engine == "spark":
        raise UsageError(f"{param('engine')} spark: {what} gives a Polars frame in memory, not Spark's events",
                         hint="open_events(path, ReadOptions(engine='spark')) gives them on Spark, as the commands "
                              "read them")


#: a catalogue table or view name: ``events``, ``schema.events``, ``catalog.schema.events``
_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")
_SUFFIXES = ("csv", "tsv", "txt", "parquet", "pq", "jsonl", "ndjson", "json", "xes", "gz", "yaml", "yml")


def _table_name(path: str) -> bool:
    """Whether ``path`` may name a table of the session's catalogue: no such local path, no
    scheme, no file suffix, one to three plain names joined by dots.

    >>> _table_name("lake.cx.journeys"), _table_name("journeys"), _table_name("journeys.parquet")
    (True, True, False)
    """
    return (not REMOTE.match(path) and not os.path.exists(path) and bool(_TABLE.match(path))
            and ("." not in path or path.rsplit(".", 1)[-1].lower() not in _SUFFIXES))


def _read_frame(spark: Any, label: str) -> Any:
    """The store at ``label`` as Spark reads it: a catalogue table (or view) when ``label`` is
    no path and the session's catalogue has it, else a Parquet file or folder."""
    if _table_name(label):
        from pyspark.errors import AnalysisException

        try:
            found = spark.catalog.tableExists(label)
        except AnalysisException:  # a name the catalogue cannot hold (three parts in a two-level one)
            found = False
        if not found:
            raise UsageError("no such file or folder, nor a table of the Spark session's catalogue", path=label,
                             hint="a journeylog store (a Parquet file or folder), a path the cluster reads (s3a://, "
                                  "abfss://, hdfs://) or a table name (schema.table)")
        return spark.table(label)
    _check_path(label)
    return spark.read.parquet(label if REMOTE.match(label) else str(Path(label).resolve()))


def _check_path(path: str) -> None:
    if REMOTE.match(path):
        return
    p = Path(path)
    if not p.exists():
        raise UsageError("no such file or folder", path=path)
    if p.is_file() and p.suffix.lower() != ".parquet":
        raise UsageError(f"{param('engine')} spark reads a journeylog store (Parquet), not a raw export", path=path,
                         hint=f"journeylog ingest {path} -o events.parquet, then analyse events.parquet")


def open_spark_events(path: str | os.PathLike[str], opts: ReadOptions) -> tuple[Any, str | None]:
    """The events of the store at ``path`` as a Spark DataFrame, with ``opts.selection`` applied
    (on Spark), and the channel filter of ``--channel`` (None when not given). ``path`` may
    also name a table (or view) of the session's catalogue holding a journeylog store's
    columns (``lake.cx.journeys``): read with ``spark.table``."""
    from journeylog.engine.spark_session import spark_session
    from journeylog.journeys import apply_selection

    label = os.fspath(path)
    if not _table_name(label):
        _check_path(label)  # before a session is started
    frame = _read_frame(spark_session(opts.spark_master), label)
    missing = [c for c in S.REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInput(f"not a journeylog store: no column {missing[0]!r}", path=label,
                           hint=f"journeylog ingest the export first; columns: {', '.join(frame.columns)}")
    if dict(frame.dtypes).get(S.TIMESTAMP) not in ("timestamp", "timestamp_ntz"):
        raise InvalidInput(f"not a journeylog store: {S.TIMESTAMP!r} is {dict(frame.dtypes)[S.TIMESTAMP]}, "
                           "not a timestamp", path=label)
    plan = store_plan(list(frame.columns), opts, label)
    if plan.rewrites:
        raise UsageError(f"re-mapping columns or dropping duplicates of a store is not supported with {param('engine')} "
                         "spark", path=label,
                         hint=f"leave out {param('case')}/{param('customer')}/{param('activity')}/"
                              f"{param('drop_duplicates')}, or use {param('engine')} polars")
    if S.INPUT_ORDER not in frame.columns:
        from pyspark.sql import functions as F

        frame = frame.withColumn(S.INPUT_ORDER, F.monotonically_increasing_id())  # the order it is read in
    if plan.channel_filter is not None and S.CHANNEL in frame.columns:
        from journeylog.engine import backend_for

        check_channel(plan.channel_filter, backend_for(frame).distinct(frame, S.CHANNEL).to_list(), label)
    return apply_selection(frame, opts.selection), plan.channel_filter
