"""Ingest: raw exports -> one canonical, stitched, journey-cut event table.

Two entry points:

* :func:`read_events` reads ONE log file (CSV, Parquet, JSON Lines, XES/XES.gz or a journeylog
  store), detects its columns (overridable) and returns canonical events. Every command that reads
  a log goes through it.
* :func:`ingest` does the same for one file, or for a YAML *source map* naming several exports,
  each with its own columns, time format, channel and identity kind, stitched to customers through
  an identity table (see ``docs/sources.md``).

Nothing is dropped or changed silently: rows that cannot be read are an error naming the file,
row and column, or, with ``skip_invalid_rows``, are counted and returned as ``rejects``. Exact
duplicate events are counted and dropped. The result is sorted by (journey, timestamp, input order).

The package, in the order of the pipeline: :mod:`~journeylog.ingest.columns` (options, reading a
raw file, column detection), :mod:`~journeylog.ingest.timestamps`,
:mod:`~journeylog.ingest.normalise` (plan, apply, rejects), :mod:`~journeylog.ingest.identity`,
:mod:`~journeylog.ingest.segment` (journeys, duplicates), :mod:`~journeylog.ingest.sources` (source
maps), :mod:`~journeylog.ingest.out_of_core`, :mod:`~journeylog.ingest.event_source` (logs for
analysis, the memory budget), :mod:`~journeylog.ingest.result` and :mod:`~journeylog.ingest.read`
(the entry points). The store format is :mod:`journeylog.io.store`. Ingest sits above the event-level
engine API (:mod:`journeylog.journeys`): :class:`EventSource` batches are ordered by
:func:`journeylog.journeys.ordered` and :meth:`IngestResult.summary` counts with
:class:`journeylog.journeys.JourneyFigures`.

>>> import tempfile, pathlib
>>> import polars as pl
>>> p = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
>>> _ = p.write_text("case_id,activity,timestamp\\n007,March,2024-01-01 10:00\\n7,Pay,2024-01-02 09:00\\n")
>>> result = ingest(p)
>>> result.events.select("journey_id", "activity", pl.col("timestamp").dt.to_string()).rows()
[('007', 'March', '2024-01-01 10:00:00.000000+00:00'), ('7', 'Pay', '2024-01-02 09:00:00.000000+00:00')]
"""

from __future__ import annotations

from journeylog.ingest.columns import (
    CANDIDATES,
    DEFAULT_GAP,
    ColumnMap,
    ReadOptions,
    detect_columns,
)
from journeylog.ingest.event_source import MEMORY_EVENTS, EventSource, memory_events
from journeylog.ingest.identity import normalise_identity
from journeylog.ingest.normalise import MAX_NAME_LENGTH
from journeylog.ingest.read import ingest, open_events, read_events
from journeylog.ingest.result import IngestResult
from journeylog.ingest.segment import cut_journeys, parse_gap
from journeylog.io.store import STORE_KEY, STORE_VERSION, write_events

__all__ = [
    "CANDIDATES",
    "DEFAULT_GAP",
    "MAX_NAME_LENGTH",
    "MEMORY_EVENTS",
    "STORE_KEY",
    "STORE_VERSION",
    "ColumnMap",
    "EventSource",
    "IngestResult",
    "ReadOptions",
    "cut_journeys",
    "detect_columns",
    "ingest",
    "memory_events",
    "normalise_identity",
    "open_events",
    "parse_gap",
    "read_events",
    "write_events",
]
