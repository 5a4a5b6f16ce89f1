"""The events of one log for analysis: in memory, or, for logs larger than the memory budget, a
sorted journeylog store on disk read in journey-complete batches (:class:`EventSource`).

The memory budget is :attr:`journeylog.settings.Settings.memory_events` (``JOURNEYLOG_MEMORY_EVENTS``
on the command line); :func:`memory_events` reads it at call time.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from journeylog import schema as S
from journeylog import settings
from journeylog.engine import backend_for
from journeylog.io.files import written_path
from journeylog.io.store import store_table
from journeylog.io.tabular import collect_parquet, parquet_batches
from journeylog.journeys import JourneySelection, Selected, order_keys, ordered, select_journeys
from journeylog.journeys.selection import check_not_empty
from journeylog.settings import MEMORY_EVENTS

__all__ = ["MEMORY_EVENTS", "EventSource", "batch_sizes", "keep_distributed", "memory_events", "select_store",
           "with_journey_columns"]

_BUCKET_EVENTS = 2_000_000  # at most this many events per journey-range bucket when sorting out of core
_READ_BATCH = 500_000  # at most this many raw rows read at a time
_SCAN_BATCH = 2_000_000  # at most this many store events per analysis batch

T = TypeVar("T")


def memory_events() -> int:
    """The event count above which logs are processed out of core: the run's
    :func:`journeylog.settings.current` ``memory_events`` (default :data:`MEMORY_EVENTS`; in memory a
    canonical event takes ~75 bytes plus 2-3 times that while sorting, so 10M events stay
    around 2-3 GB)."""
    return settings.current().memory_events


def batch_sizes() -> tuple[int, int, int]:
    """(bucket, read batch, analysis batch) sizes, in events: fixed caps, smaller when the
    memory budget (:func:`memory_events`) is small.

    >>> settings.use(settings.Settings(memory_events=1000)); batch_sizes()
    (500, 250, 250)
    >>> settings.use(None)
    """
    budget = memory_events()
    return (max(1, min(_BUCKET_EVENTS, budget // 2)), max(1, min(_READ_BATCH, budget // 4)),
            max(1, min(_SCAN_BATCH, budget // 4)))


@dataclass
class EventSource:
    """The canonical events of one log, in memory (``events``) or, for logs larger than memory,
    as a sorted journeylog store on disk (``store``) read in journey-complete batches.

    Use it as a context manager: a store made for the occasion lives in a temporary directory
    removed on exit. ``spill`` is a scratch directory for analyses that spill to disk (None in
    memory).

    >>> import polars as pl, datetime as dt
    >>> ev = pl.DataFrame({"journey_id": ["a", "a"], "timestamp": [dt.datetime(2024, 1, 1, h) for h in (1, 2)],
    ...                    "activity": ["x", "y"]})
    >>> with EventSource(ev) as src:
    ...     [b.height for b in src.batches()]
    [2]
    """

    events: pl.DataFrame | None = None  # or a Spark DataFrame (``--engine spark``)
    store: Path | None = None
    channel_filter: str | None = None
    batch_events: int = field(default_factory=lambda: batch_sizes()[2])
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    def __post_init__(self) -> None:
        if self.store is not None:  # a store this run wrote and has not renamed into place yet
            self.store = written_path(self.store)

    def __enter__(self) -> EventSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the temporary directory (a store made for the occasion, spill files), if any."""
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    @property
    def spill(self) -> Path | None:
        """A scratch directory for analyses that spill to disk (None in memory)."""
        if self.store is None:
            return None
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="journeylog-")
        return Path(self._tmp.name)

    @property
    def columns(self) -> list[str]:
        """The column names of the events."""
        if self.events is not None:
            return list(self.events.columns)
        assert self.store is not None
        return list(pl.read_parquet_schema(self.store))

    @property
    def distributed(self) -> bool:
        """Whether :meth:`map_batches` runs elsewhere (a Spark DataFrame: on the executors, its
        results in no order, ``fn`` pickled); False in memory and out of core, where the
        results come here in journey order."""
        return self.events is not None and not isinstance(self.events, pl.DataFrame | pl.LazyFrame)

    def distinct(self, column: str) -> pl.Series:
        """The distinct values of ``column`` (a streaming scan when on disk)."""
        if isinstance(self.events, pl.DataFrame):
            return self.events[column].unique()
        if self.events is not None:  # a frame of another engine (Spark)
            return backend_for(self.events, "events").distinct(self.events, column)
        assert self.store is not None
        return collect_parquet(pl.scan_parquet(self.store).select(pl.col(column).unique()), self.store)[column]

    def batches(self, columns: Sequence[str] | None = None) -> Iterator[pl.DataFrame]:
        """The events in batches that never split a journey, each sorted by (journey, timestamp,
        input order). In memory: one batch."""
        cols = _columns_of(self.columns, columns)
        if self.events is not None:
            frame = ordered(self.events)  # a Spark frame may gain its read order here
            yield frame.select(list(dict.fromkeys([*order_keys(frame.columns), *cols])))
            return
        assert self.store is not None
        carry: pl.DataFrame | None = None
        for chunk in parquet_batches(self.store, cols, self.batch_events):
            frame = chunk if carry is None else pl.concat([carry, chunk])
            # the last journey may go on in the next chunk: hold its rows back (a journey's
            # rows are contiguous in a store, so they are the frame's tail)
            tail = int((frame[S.JOURNEY_ID] == frame[S.JOURNEY_ID][-1]).sum())
            done, carry = frame.slice(0, frame.height - tail), frame.slice(frame.height - tail)
            if done.height:
                yield ordered(done)
        if carry is not None and carry.height:
            yield ordered(carry)

    def map_batches(self, fn: Callable[[pl.DataFrame], T], columns: Sequence[str] | None = None,
                    journeys: Any = None) -> Iterator[T]:
        """``fn`` of every journey-complete batch of the events (sorted by journey, timestamp and
        input order; ``columns`` and the order keys, all columns when None), in no promised
        order: combine the results with order-independent merges.

        In memory and out of core, ``fn`` runs here on :meth:`batches`. On a Spark DataFrame it
        runs on the executors, one call per partition of whole journeys
        (:func:`journeylog.engine.spark_batches.map_partitions`): only its results, pickled,
        reach the driver, so they should be small (counts, per-variant tables), and ``fn``
        (with what it closes over) must pickle.

        ``journeys``: a per-journey table (``journey_id`` and other columns; a frame of the
        events' engine, sorted by journey id in Polars) whose columns every event of a batch
        gets, those of its journey (a left join). On Spark the join is made there, so the
        table never travels with ``fn``."""
        if self.distributed:
            from journeylog.engine.spark_batches import map_partitions

            frame = backend_for(self.events, "events").ordered(self.events)  # its read order, before any shuffle
            cols = _columns_of(list(frame.columns), columns)
            if journeys is not None:
                frame = frame.join(journeys, on=S.JOURNEY_ID, how="left")
                cols += [c for c in journeys.columns if c not in cols]
            yield from map_partitions(frame, fn, cols, self.batch_events)
            return
        for batch in self.batches(columns):
            yield fn(batch if journeys is None else with_journey_columns(batch, journeys))


def with_journey_columns(batch: pl.DataFrame, journeys: pl.DataFrame) -> pl.DataFrame:
    """``batch`` (journey-complete) with the columns of its journeys' rows of ``journeys`` (sorted
    by journey id): the rows in the range of the batch's ids (a batch of a store holds a range),
    joined on the id, the batch's order kept."""
    ids = journeys[S.JOURNEY_ID]
    if not batch.height:
        return batch.join(journeys, on=S.JOURNEY_ID, how="left")
    first: Any = batch[S.JOURNEY_ID].min()
    last: Any = batch[S.JOURNEY_ID].max()
    lo, hi = int(ids.search_sorted(first, "left")), int(ids.search_sorted(last, "right"))
    return batch.join(journeys.slice(lo, hi - lo), on=S.JOURNEY_ID, how="left", maintain_order="left")


def keep_distributed(source: EventSource, fn: Callable[[pl.DataFrame], tuple[T, pl.DataFrame | None]],
                     columns: Sequence[str], kept: Sequence[tuple[str, str]]) -> tuple[list[T], Any, Any]:
    """On a Spark DataFrame (``source.distributed``): ``fn`` of every partition of whole journeys
    returns ``(result, rows)``; the results reach the driver, the rows (``kept``: column, Spark
    SQL type) stay on the executors as a Spark DataFrame, cut from a persisted one (the third
    item; :func:`journeylog.engine.spark_batches.map_partitions_keeping`)."""
    from journeylog.engine.spark_batches import map_partitions_keeping

    frame = backend_for(source.events, "events").ordered(source.events)  # its read order, before any shuffle
    return map_partitions_keeping(frame, fn, _columns_of(list(frame.columns), columns), source.batch_events, kept)


def _columns_of(names: list[str], columns: Sequence[str] | None) -> list[str]:
    """The order keys and ``columns`` (all of ``names`` when None), each once."""
    keys = [S.JOURNEY_ID, S.TIMESTAMP] + ([S.INPUT_ORDER] if S.INPUT_ORDER in names else [])
    return list(dict.fromkeys([*keys, *(columns or names)]))


def select_store(source: EventSource, selection: JourneySelection) -> EventSource:
    """The journeys of an on-disk ``source`` that ``selection`` keeps, as a new temporary store
    (written batch by batch, never whole in memory; journeys are never split across batches, so
    each batch is selected on its own). ``source`` is closed; ``selection.on_selected`` hears the
    counts; no journey kept is an :class:`~journeylog.errors.InvalidInput`."""
    import pyarrow.parquet as pq

    assert source.store is not None
    tmp = tempfile.TemporaryDirectory(prefix="journeylog-")
    path = Path(tmp.name) / "selected.parquet"
    total: Selected | None = None
    writer = None
    columns = source.columns  # the batches put the sort keys first: keep the log's order of columns
    try:
        for batch in source.batches():
            kept, info = select_journeys(batch.select(columns), selection)
            total = info if total is None else total + info
            table = store_table(kept)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table.cast(writer.schema))
        if writer is not None:
            writer.close()
        total = total or Selected(selection, 0, 0, 0)
        if selection.on_selected is not None:
            selection.on_selected(total)
        check_not_empty(total)
    except BaseException:
        tmp.cleanup()
        raise
    finally:
        source.close()
    return EventSource(store=path, channel_filter=source.channel_filter, batch_events=source.batch_events, _tmp=tmp)
