"""A function of journey-complete Polars batches run on the executors: :func:`map_partitions`.

This is how an analysis written for :meth:`journeylog.ingest.EventSource.map_batches` (in memory:
one batch; out of core: batches of a store) runs on a Spark DataFrame without the events ever
reaching the driver:

1. the events are repartitioned by journey id into ``max(default parallelism, events / batch)``
   partitions (so a partition holds whole journeys and about a batch's events at most) and sorted
   within each partition by (journey, timestamp, input order), the order of
   :func:`journeylog.journeys.ordered`;
2. ``mapInArrow`` turns each partition's Arrow batches into ONE Polars frame (journey-complete by
   construction), casts the canonical columns to their journeylog types, applies the function and
   returns its result pickled, one binary row per partition;
3. the driver receives those rows only (through :func:`journeylog.engine._spark_collect.collect_polars`)
   and unpickles them.

Which journeys share a partition depends on the partition count: callers combine the results with
order-independent merges (sums, sorted concatenations). The function is pickled (cloudpickle) to
the executors with what it closes over, and journeylog must be importable there.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import polars as pl
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from journeylog import schema as S
from journeylog.engine._spark_collect import collect_polars
from journeylog.engine.polars import POLARS

__all__ = ["map_partitions", "map_partitions_keeping", "partition_count"]

T = TypeVar("T")
_RESULT = "_jl_result"


def partition_count(events: int, batch_events: int, parallelism: int) -> int:
    """How many partitions ``events`` are spread over: enough that none holds more than about
    ``batch_events`` (the memory budget of one batch), and at least ``parallelism``.

    >>> partition_count(10_000, 2_000_000, 4), partition_count(10_000_000, 2_000_000, 4)
    (4, 5)
    """
    return max(1, parallelism, math.ceil(events / max(1, batch_events)))


#: how Spark reads a Parquet UINT64 column (no unsigned 64-bit type in Spark)
_UINT64 = pl.Decimal(20, 0)


def _canonical(frame: pl.DataFrame) -> pl.DataFrame:
    """The canonical columns of ``frame`` in their journeylog types (Spark's ``long`` input order
    is journeylog's UInt64, for example), and the other columns Spark read as ``decimal(20,0)``
    back to the UInt64 the store holds (as Polars reads them: an attribute column such as
    ``attr.input_order`` is then the same column on both engines)."""
    return frame.with_columns(
        *(pl.col(c).cast(S.SCHEMA[c]) for c in frame.columns if c in S.SCHEMA and frame.schema[c] != S.SCHEMA[c]),
        *(pl.col(c).cast(pl.UInt64) for c in frame.columns if c not in S.SCHEMA and frame.schema[c] == _UINT64))


def _runner(fn: Callable[[pl.DataFrame], Any], columns: list[str]) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The function of each partition: its Arrow batches (columns ``_jl0``, ``_jl1``, ... in the
    order of ``columns``) as one ordered Polars frame of ``columns``, ``fn`` of it, pickled."""
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        batch = _partition_frame(batches, columns)
        if batch is None:
            return
        payload = pickle.dumps(fn(batch), protocol=pickle.HIGHEST_PROTOCOL)
        yield pa.RecordBatch.from_arrays([pa.array([payload], type=pa.binary())], names=[_RESULT])

    return run


def _partition_frame(batches: Iterator[Any], columns: list[str]) -> pl.DataFrame | None:
    """A partition's Arrow batches (columns ``_jl0``, ``_jl1``, ...) as one ordered Polars frame of
    ``columns`` in canonical types; None for an empty partition."""
    import pyarrow as pa

    parts = list(batches)
    if not parts or not sum(b.num_rows for b in parts):
        return None
    frame = pl.from_arrow(pa.Table.from_batches(parts))
    assert isinstance(frame, pl.DataFrame)
    # sorted by Spark already; ordered() checks it in one pass (and sorts as Polars would if not)
    frame = frame.rename(dict(zip(_aliases(columns), columns, strict=True))).select(columns)
    return POLARS.ordered(_canonical(frame))


def _keeping_runner(fn: Callable[[pl.DataFrame], tuple[Any, pl.DataFrame | None]], columns: list[str],
                    arrow_schema: Any) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """As :func:`_runner` for a function returning ``(result, rows)``: the result pickled in one
    row (the kept columns null), then the rows in the kept columns (the result null)."""
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        batch = _partition_frame(batches, columns)
        if batch is None:
            return
        result, rows = fn(batch)
        payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        kept = arrow_schema.names[1:]
        yield pa.RecordBatch.from_arrays([pa.array([payload], type=pa.binary()),
                                          *(pa.nulls(1, arrow_schema.field(c).type) for c in kept)], schema=arrow_schema)
        if rows is not None and rows.height:
            table = rows.select(kept).to_arrow()
            table = pa.Table.from_arrays(
                [pa.nulls(rows.height, pa.binary()), *(table.column(c).cast(arrow_schema.field(c).type) for c in kept)],
                schema=arrow_schema)
            yield from table.to_batches()

    return run


def _aliases(columns: Sequence[str]) -> list[str]:
    return [f"_jl{i}" for i in range(len(columns))]


def map_partitions(events: DataFrame, fn: Callable[[pl.DataFrame], T], columns: Sequence[str],
                   batch_events: int) -> list[T]:
    """``fn`` of every partition of ``events`` (each a journey-complete, ordered Polars frame of
    ``columns``), run on the executors; the results, one per non-empty partition, in no
    particular order."""
    spread = _spread(events, columns, batch_events)
    if spread is None:
        return []
    results = collect_polars(spread.mapInArrow(_runner(fn, list(columns)), f"{_RESULT} binary"))
    return received([pickle.loads(b) for b in results[_RESULT].to_list()])


def _spread(events: DataFrame, columns: Sequence[str], batch_events: int) -> DataFrame | None:
    """The events (``columns`` as ``_jl0``, ``_jl1``, ...) repartitioned by journey and sorted
    within each partition; None without events."""
    # plain names on the way to Python: pyspark's mapInArrow resolves every column by its name,
    # which a name with a dot (``attr.input_order``) breaks
    names = dict(zip(columns, _aliases(columns), strict=True))
    frame = events.select(*[F.col(f"`{c}`").alias(names[c]) for c in columns])
    count = frame.count()
    if not count:
        return None
    n = partition_count(count, batch_events, frame.sparkSession.sparkContext.defaultParallelism)
    keys = [names[c] for c in (S.JOURNEY_ID, S.TIMESTAMP, S.INPUT_ORDER) if c in columns]
    return frame.repartition(n, names[S.JOURNEY_ID]).sortWithinPartitions(*keys)


def received(results: list[T]) -> list[T]:
    """The partitions' results as the driver receives them (tests count the rows they carry)."""
    return results


def map_partitions_keeping(events: DataFrame, fn: Callable[[pl.DataFrame], tuple[T, pl.DataFrame | None]],
                           columns: Sequence[str], batch_events: int,
                           kept: Sequence[tuple[str, str]]) -> tuple[list[T], DataFrame, DataFrame | None]:
    """As :func:`map_partitions` for a function returning ``(result, rows)``: the results reach
    the driver (one per non-empty partition), the rows (``kept``: their columns and types, of
    ``string``, ``long``, ``double``, ``boolean``, ``timestamp``) stay on the executors, as a
    persisted Spark DataFrame computed once, by the pass; the third item is the persisted frame
    (``unpersist`` it when the rows are no longer wanted; the session frees it when it ends)."""
    from pyspark import StorageLevel
    from pyspark.sql import types as ST
    from pyspark.sql.pandas.types import to_arrow_schema

    types = {"string": ST.StringType(), "long": ST.LongType(), "double": ST.DoubleType(), "boolean": ST.BooleanType(),
             "timestamp": ST.TimestampType()}
    schema = ST.StructType([ST.StructField(_RESULT, ST.BinaryType()), *(ST.StructField(c, types[t]) for c, t in kept)])
    spread = _spread(events, columns, batch_events)
    if spread is None:
        return [], events.sparkSession.createDataFrame([], ST.StructType(schema.fields[1:])), None
    out = spread.mapInArrow(_keeping_runner(fn, list(columns), to_arrow_schema(schema, timezone="UTC")), schema)
    out = out.persist(StorageLevel.MEMORY_AND_DISK)
    results = collect_polars(out.filter(F.col(_RESULT).isNotNull()).select(_RESULT))
    rows = out.filter(F.col(_RESULT).isNull()).drop(_RESULT)
    return received([pickle.loads(b) for b in results[_RESULT].to_list()]), rows, out
