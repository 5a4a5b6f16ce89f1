"""Journey selections on Spark frames (:meth:`journeylog.engine.spark.SparkEngine.select_journeys`),
with the semantics of :mod:`journeylog.engine._polars_select` and :mod:`journeylog.engine.matching`.

One ``groupBy`` over the events gives every journey's start and its value of each segment column
(the first present one in time order: the minimum of (time, order, value) structs, and how many
distinct ones it has); a single-step condition is an ``any`` over the journey's events; a sequence
of steps is matched with window functions over the journey in time order (for each step, the time
of the latest strictly earlier event that completed the previous step). Only counts reach the
driver; the kept events stay a Spark frame (a semi-join with the kept journey ids).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DataType, NumericType, StringType

from journeylog.config.rules import CondValue, Step
from journeylog.engine._spark_collect import collect_polars
from journeylog.engine._spark_figures import journey_window, micros, tie_key
from journeylog.schema import JOURNEY_ID, TIMESTAMP


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def condition(column: str, values: tuple[CondValue, ...], dtype: DataType | None) -> Column:
    """``column`` is any of ``values`` (``None``: missing), as
    :func:`journeylog.engine.matching.condition_expr`: numbers as numbers on a numeric column,
    else text."""
    present = [v for v in values if v is not None]
    if isinstance(dtype, NumericType):
        col = F.col(column).cast("double")
        numbers = [x for x in map(_number, present) if x is not None]
        expr = col.isin(numbers) if numbers else F.lit(False)
    else:
        col = F.col(column).cast("string")
        expr = col.isin(present) if present else F.lit(False)
    if None in values:
        expr = expr | col.isNull()
    return F.coalesce(expr, F.lit(False))


def step_column(step: Step, types: Mapping[str, DataType]) -> Column:
    """Whether an event satisfies every condition and regular expression of ``step``."""
    expr = F.lit(True)
    for column, values in step.conditions.items():
        expr = expr & condition(column, values, types.get(column))
    for column, regex in step.matches.items():
        expr = expr & F.coalesce(F.col(column).cast("string").rlike(regex), F.lit(False))
    return expr


def _sequence_flag(events: DataFrame, steps: Sequence[Step], types: Mapping[str, DataType], name: str) -> DataFrame:
    """journey_id, ``name`` (true) for each journey with a match of the sequence ``steps``."""
    w = journey_window(events.columns)
    before = w.rowsBetween(Window.unboundedPreceding, -1)
    t = micros(TIMESTAMP)
    frame = events.withColumn("_ok", step_column(steps[0], types))
    for step in steps[1:]:
        prev = F.last(F.when(F.col("_ok"), t), ignorenulls=True).over(before)
        ok = step_column(step, types) & prev.isNotNull()
        if step.within is not None:
            ok = ok & ((t - prev) <= F.lit(int(step.within.total_seconds() * 1_000_000)))
        frame = frame.withColumn("_ok", F.coalesce(ok, F.lit(False)))
    return frame.groupBy(JOURNEY_ID).agg(F.max(F.col("_ok").cast("int")).alias(name)).where(F.col(name) == 1) \
        .select(JOURNEY_ID, F.lit(True).alias(name))


def _present(column: str, dtype: DataType) -> Column:
    col = F.col(column)
    return col.isNotNull() & (col != "") if isinstance(dtype, StringType) else col.isNotNull()


def select_journeys(
    events: DataFrame,
    segments: Mapping[str, Sequence[str]],
    starts_from: int | None,
    starts_before: int | None,
    conditions: Sequence[tuple[Sequence[Step], bool]],
) -> tuple[DataFrame, dict[str, Any]]:
    """See :meth:`journeylog.engine.spark.SparkEngine.select_journeys`; times in epoch microseconds."""
    types = {f.name: f.dataType for f in events.schema.fields}
    ties = [F.col(c) for c in tie_key(events.columns)]
    aggs: list[Column] = [F.min(micros(TIMESTAMP)).alias("_start")]
    for i, column in enumerate(segments):
        present = _present(column, types[column])
        if column != JOURNEY_ID:  # the group key is its own value
            first = F.min(F.when(present, F.struct(micros(TIMESTAMP).alias("t"), *ties, F.col(column).alias("v"))))
            aggs.append(first.getField("v").alias(column))
        aggs.append(F.countDistinct(F.when(present, F.col(column))).alias(f"_n{i}"))
    flags: list[tuple[str, bool]] = []
    joins: list[DataFrame] = []
    frame = events
    for k, (steps, negated) in enumerate(conditions):
        name = f"_c{k}"
        if any(c not in types for s in steps for c in s.columns()):
            aggs.append(F.lit(False).alias(name))  # the log cannot show it: no journey has it
        elif len(steps) == 1:
            frame = frame.withColumn(name, step_column(steps[0], types))
            aggs.append(F.max(F.col(name).cast("int")).cast("boolean").alias(name))
        else:
            joins.append(_sequence_flag(events, steps, types, name))
        flags.append((name, negated))
    per = frame.groupBy(JOURNEY_ID).agg(*aggs)
    for matched in joins:
        per = per.join(matched, on=JOURNEY_ID, how="left")
    keep = F.lit(True)
    if segments:
        keep = keep & step_column(Step({c: list(v) for c, v in segments.items()}), types)
    if starts_from is not None:
        keep = keep & (F.col("_start") >= F.lit(starts_from))
    if starts_before is not None:
        keep = keep & (F.col("_start") < F.lit(starts_before))
    for name, negated in flags:
        flag = F.coalesce(F.col(name), F.lit(False))
        keep = keep & (~flag if negated else flag)
    table = per.select(JOURNEY_ID, F.coalesce(keep, F.lit(False)).alias("_keep"),
                       *(f"_n{i}" for i in range(len(segments)))).persist()
    try:
        counts = collect_polars(table.agg(
            F.count(F.lit(1)).alias("journeys"), F.sum(F.col("_keep").cast("long")).alias("kept"),
            *(F.sum((F.col(f"_n{i}") > 1).cast("long")).alias(f"_n{i}") for i in range(len(segments))),
        )).row(0, named=True)
        kept_ids = table.where("_keep").select(JOURNEY_ID)
        kept = events.join(kept_ids, on=JOURNEY_ID, how="left_semi")
        n_events = collect_polars(kept.agg(F.count(F.lit(1)).alias("n")))["n"][0]
    finally:
        table.unpersist()
    varying = {c: int(counts[f"_n{i}"]) for i, c in enumerate(segments) if counts[f"_n{i}"]}
    return kept, {"journeys": int(counts["journeys"]), "kept": int(counts["kept"] or 0), "events": int(n_events or 0),
                  "varying": varying}

