"""Small figures of a per-journey table held by Spark (the Spark engine's side of
:class:`journeylog.explain.journey_groups.JourneyGroups`): the table stays on the executors, the
driver ships small tables to them (variant -> group, variant -> value, broadcast) and receives one
row per group or per variant.

The figures equal the Polars engine's (:mod:`journeylog.engine._polars_journeys`) to the last bit:

* a group's median and mean are computed by Polars itself, on the executor that holds the group
  (``groupBy(...).applyInArrow``): its journeys sorted by journey id with their nulls, as one
  chunk, exactly the series the Polars engine cuts from its sorted table (a float mean depends on
  the order of the values and where the nulls are, so the group is never split);
* the ordered sum is a left-to-right sum (``numpy.cumsum``) of the journeys in journey-id order,
  in one task (a float sum in a given order cannot be split either).

``percentile_approx`` and Spark's own ``avg`` are never used.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from typing import Any

import polars as pl
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from journeylog.engine._polars_journeys import GROUP_SCHEMA
from journeylog.engine._spark_collect import collect_polars
from journeylog.schema import JOURNEY_ID

__all__ = ["group_figures", "ordered_sum", "value_counts", "variant_counts"]


def variant_counts(rows: DataFrame) -> pl.DataFrame:
    """As :func:`journeylog.engine._polars_journeys.variant_counts`: one row per variant."""
    out = collect_polars(rows.groupBy("variant_id").agg(
        F.count(F.lit(1)).alias("journeys"), F.sum(F.col("settled").cast("long")).alias("settled"),
        F.sum(F.col("in_progress").cast("long")).alias("in_progress")))
    return out.select(pl.col("variant_id").cast(pl.UInt32), *(pl.col(c).cast(pl.Int64) for c in
                                                             ("journeys", "settled", "in_progress"))).sort("variant_id")


def _small(rows: DataFrame, frame: pl.DataFrame) -> DataFrame:
    """A small driver-made table on Spark (broadcast to the executors when joined)."""
    return rows.sparkSession.createDataFrame(frame.to_arrow())


def _grouped(grouped: Any, fn: Any, schema: str) -> DataFrame:
    """``grouped.applyInArrow(fn, schema)`` without pyspark's notes about pandas versions (not the user's business)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return grouped.applyInArrow(fn, schema)


def _group_stats(first: int, table: Any) -> Any:
    """One group (``_g``, ``journey_id``, ``_x``, ``_y``) -> its row of figures, in Polars."""
    import pyarrow as pa

    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    frame = frame.sort(JOURNEY_ID).rechunk()
    median, mean = frame["_x"].median(), frame["_y"].mean()
    schema = pa.schema([("group", pa.int32()), ("journeys", pa.int64()), ("median", pa.float64()), ("mean", pa.float64()),
                        ("first", pa.list_(pa.field("element", pa.string())))])
    return pa.table({"group": [frame["_g"][0]], "journeys": [frame.height],
                     "median": [None if median is None else float(median)],  # type: ignore[arg-type]
                     "mean": [None if mean is None else float(mean)],  # type: ignore[arg-type]
                     "first": [frame[JOURNEY_ID].head(first).to_list()]}, schema=schema)


def group_figures(rows: DataFrame, members: pl.DataFrame, flagged: Mapping[int, tuple[str, str]], *,
                  value: str, first: int = 5) -> pl.DataFrame:
    """As :func:`journeylog.engine._polars_journeys.group_figures`, one row per group reaching the driver."""
    parts = []

    def cut(frame: DataFrame, group: Any, x: str) -> DataFrame:
        return frame.select(group.cast("int").alias("_g"), JOURNEY_ID, F.col(x).cast("double").alias("_x"),
                            F.col(value).cast("double").alias("_y"))
    if members.height:
        small = _small(rows, members.select("group", pl.col("variant_id").cast(pl.Int64), "settled_only").unique())
        joined = rows.join(F.broadcast(small), on="variant_id").filter(~F.col("settled_only") | F.col("settled"))
        parts.append(cut(joined, F.col("group"), "duration_seconds"))
    for group, (mask, x) in sorted(flagged.items()):
        parts.append(cut(rows.filter(F.col(mask)), F.lit(group), x))
    if not parts:
        return pl.DataFrame(schema=GROUP_SCHEMA)
    union = functools.reduce(DataFrame.unionByName, parts)
    # a lambda: pyspark reads a function's type hints to pick its kind, and a partial has none to read
    out = _grouped(union.groupBy("_g"), lambda table: _group_stats(first, table),
                   "group int, journeys long, median double, mean double, first array<string>")
    return collect_polars(out).cast(GROUP_SCHEMA).sort("group")  # type: ignore[arg-type]


def _sum_in_order(table: Any) -> Any:
    """All journeys (``journey_id``, ``value``) -> the left-to-right sum of the values in journey-id order."""
    import numpy as np
    import pyarrow as pa

    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    values = frame.sort(JOURNEY_ID)["value"].drop_nulls().to_numpy()
    return pa.table({"total": pa.array([float(np.cumsum(values)[-1]) if len(values) else 0.0], pa.float64())})


def ordered_sum(rows: DataFrame, values: pl.DataFrame) -> float:
    """As :func:`journeylog.engine._polars_journeys.ordered_sum`; the journeys are summed in one task."""
    small = _small(rows, values.select(pl.col("variant_id").cast(pl.Int64), pl.col("value").cast(pl.Float64)))
    per_journey = rows.select(JOURNEY_ID, "variant_id").join(F.broadcast(small), on="variant_id", how="left")
    out = collect_polars(_grouped(per_journey.withColumn("_k", F.lit(0)).groupBy("_k"),
                                  lambda t: _sum_in_order(t.drop_columns(["_k"])), "total double"))
    return float(out["total"][0]) if out.height else 0.0


def value_counts(rows: DataFrame, columns: Mapping[str, tuple[str, str]]) -> pl.DataFrame:
    """As :func:`journeylog.engine._polars_journeys.value_counts`: one row per key and value."""
    parts = [rows.filter(F.col(mask)).groupBy(F.col(col).cast("string").alias("value")).agg(F.count(F.lit(1)).alias("n"))
             .select(F.lit(key).alias("key"), "value", "n") for key, (mask, col) in sorted(columns.items())]
    if not parts:
        return pl.DataFrame(schema={"key": pl.String, "value": pl.String, "n": pl.Int64})
    out = collect_polars(functools.reduce(DataFrame.unionByName, parts))
    return out.cast({"key": pl.String, "value": pl.String, "n": pl.Int64})
