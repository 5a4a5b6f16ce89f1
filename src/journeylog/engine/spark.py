"""The Apache Spark engine: event-level work on pyspark DataFrames, on the cluster.

It provides what :class:`journeylog.journeys.protocol.Engine` asks for, with the same answers as
the Polars engine (:mod:`journeylog.engine.polars`): the same rows in the same order, and exact
quantiles (:mod:`journeylog.engine._spark_figures`). A Spark frame has no row order: the order of
a journey's events is (timestamp, input order) inside window functions partitioned by journey. A
frame without ``input_order`` gets one (its read order, ``monotonically_increasing_id``)
from :meth:`SparkEngine.ordered`, so that equal timestamps keep the order they were read in.

What comes to the driver (:func:`journeylog.engine._spark_collect.collect_polars`) is small: the
figures' tables, distinct values, per-selection counts, and, per journey (not per event),
:meth:`SparkEngine.journey_stats`, :meth:`SparkEngine.journey_sequences` and
:meth:`SparkEngine.journey_variants`. Importing this module imports pyspark; the engine registry
(:func:`journeylog.engine.backend_for`) imports it only for a Spark frame.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from journeylog.config.rules import Step
from journeylog.engine import _spark_journeys
from journeylog.engine._spark_collect import collect_polars
from journeylog.engine._spark_figures import SparkPartial, journey_window, micros, middle_values, tie_key
from journeylog.engine._spark_select import select_journeys
from journeylog.engine.results import PARTS, Figures
from journeylog.schema import ACTIVITY, CHANNEL, INPUT_ORDER, JOURNEY_ID, TIMESTAMP

__all__ = ["SPARK", "SparkEngine", "SparkPartial"]


def _epoch_us(value: dt.datetime) -> int:
    """Microseconds since the epoch of an aware (UTC) or naive-UTC datetime."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    delta = aware - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _starts(events: DataFrame, starts_from: dt.datetime | None, starts_before: dt.datetime | None) -> DataFrame:
    """The events of the journeys whose first event is in [from, before)."""
    if starts_from is None and starts_before is None:
        return events
    start = F.col("_jl_start")
    cond = F.lit(True)
    if starts_from is not None:
        cond = cond & (start >= F.lit(_epoch_us(starts_from)))
    if starts_before is not None:
        cond = cond & (start < F.lit(_epoch_us(starts_before)))
    return events.withColumn("_jl_start", F.min(micros(TIMESTAMP)).over(Window.partitionBy(JOURNEY_ID))) \
        .where(cond).drop("_jl_start")


class SparkEngine:
    """The Spark implementation of :class:`journeylog.journeys.protocol.Engine`."""

    name = "spark"
    frame_types: tuple[type, ...] = (DataFrame,)

    def is_ordered(self, events: DataFrame) -> bool:
        """Whether ``events`` carries its order: an ``input_order`` column to
        break ties of equal timestamps (rows of a Spark frame have no order of their own)."""
        return bool(tie_key(events.columns))

    def ordered(self, events: DataFrame) -> DataFrame:
        """``events`` with its order made explicit: the frame itself when it has ``input_order``,
        else with one: the order it is read in. Call it on the frame as read, before any
        shuffle (a join, a sort) could change that order."""
        return events if self.is_ordered(events) else events.withColumn(INPUT_ORDER, F.monotonically_increasing_id())

    def journey_sequences(self, events: DataFrame) -> pl.LazyFrame:
        """One row per journey: ``journey_id``, ``activities`` (in time order); sorted by journey
        id (per journey: on the driver, the size of the journeys, not of the events)."""
        frame = self.ordered(events)
        seqs = frame.select(JOURNEY_ID, F.row_number().over(journey_window(frame.columns)).alias("_pos"), ACTIVITY) \
            .groupBy(JOURNEY_ID).agg(F.array_sort(F.collect_list(F.struct("_pos", ACTIVITY))).alias("_s")) \
            .select(JOURNEY_ID, F.transform("_s", lambda x: x[ACTIVITY]).alias("activities"))
        return collect_polars(seqs).lazy().with_columns(
            pl.col(JOURNEY_ID).cast(pl.String), pl.col("activities").cast(pl.List(pl.String))).sort(JOURNEY_ID)

    def journey_variants(self, events: DataFrame, variant_table: pl.DataFrame) -> pl.DataFrame:
        """``journey_id`` -> ``variant_id`` of ``variant_table``, sorted by journey id."""
        return (self.journey_sequences(events)
                .join(variant_table.lazy().select("activities", "variant_id"), on="activities", how="left",
                      maintain_order="left")
                .select(JOURNEY_ID, "variant_id").sort(JOURNEY_ID).collect())

    def journey_stats(self, events: DataFrame) -> pl.DataFrame:
        """One row per journey (per-journey-sized on the driver): ``journey_id``, ``start``,
        ``end``, ``events``, ``satisfaction``, ``duration_seconds``; sorted by journey id."""
        sat = F.avg("satisfaction") if "satisfaction" in events.columns else F.lit(None).cast("double")
        table = collect_polars(events.groupBy(JOURNEY_ID).agg(
            F.min(micros(TIMESTAMP)).alias("start"), F.max(micros(TIMESTAMP)).alias("end"),
            F.count(F.lit(1)).alias("events"), sat.alias("satisfaction")))
        utc = pl.Datetime("us", "UTC")
        return table.select(
            pl.col(JOURNEY_ID).cast(pl.String), pl.col("start").cast(utc), pl.col("end").cast(utc),
            pl.col("events").cast(pl.UInt64), pl.col("satisfaction").cast(pl.Float64),
            ((pl.col("end") - pl.col("start")).cast(pl.Float64) / 1_000_000).alias("duration_seconds"),
        ).sort(JOURNEY_ID)

    def distinct(self, events: DataFrame, column: str) -> pl.Series:
        """The distinct values of ``column``."""
        return collect_polars(events.select(column).distinct())[column]

    def dates_only(self, events: DataFrame) -> bool:
        """Whether every timestamp is at midnight UTC (and there is one): a log of dates."""
        us = micros(TIMESTAMP)
        row = collect_polars(events.agg(
            F.max((us % 86_400_000_000 != 0).cast("int")).alias("off"), F.count(us).alias("n"))).row(0)
        return bool(row[1]) and not bool(row[0])

    def filter_events(
        self,
        events: DataFrame,
        *,
        starts_from: dt.datetime | None = None,
        starts_before: dt.datetime | None = None,
        channels: Sequence[str] = (),
        where: Sequence[tuple[str, str]] = (),
        activities: Sequence[str] | None = None,
    ) -> DataFrame:
        """As :meth:`journeylog.engine.polars.PolarsEngine.filter_events`, lazily."""
        frame = _starts(events, starts_from, starts_before)
        if channels:
            frame = frame.where(F.col(CHANNEL).isin(list(channels)))
        for col, value in where:
            frame = frame.where(F.col(col).cast("string") == F.lit(value))
        if activities is not None:
            frame = frame.where(F.col(ACTIVITY).isin(list(activities)))
        return frame

    def select_journeys(
        self,
        events: DataFrame,
        *,
        segments: Mapping[str, Sequence[str]] = {},
        starts_from: dt.datetime | None = None,
        starts_before: dt.datetime | None = None,
        conditions: Sequence[tuple[Sequence[Step], bool]] = (),
    ) -> tuple[DataFrame, dict[str, Any]]:
        """As :meth:`journeylog.engine.polars.PolarsEngine.select_journeys` (see
        :mod:`journeylog.engine._spark_select`)."""
        return select_journeys(self.ordered(events), segments, _epoch_us(starts_from) if starts_from else None,
                               _epoch_us(starts_before) if starts_before else None, conditions)

    def journeys_following(self, events: DataFrame, variant_table: pl.DataFrame) -> DataFrame:
        """The events of the journeys whose activity sequence is in ``variant_table`` (the
        sequences go to the executors as a small broadcast table)."""
        frame = self.ordered(events)
        spark = frame.sparkSession
        wanted = spark.createDataFrame([(list(a),) for a in variant_table["activities"].to_list()],
                                       "activities array<string>")
        ids = (frame.select(JOURNEY_ID, F.row_number().over(journey_window(frame.columns)).alias("_pos"), ACTIVITY)
               .groupBy(JOURNEY_ID).agg(F.array_sort(F.collect_list(F.struct("_pos", ACTIVITY))).alias("_s"))
               .select(JOURNEY_ID, F.transform("_s", lambda x: x[ACTIVITY]).alias("activities"))
               .join(F.broadcast(wanted), on="activities", how="left_semi").select(JOURNEY_ID))
        return frame.join(ids, on=JOURNEY_ID, how="left_semi")

    def partial_figures(
        self,
        batches: Iterable[DataFrame],
        *,
        activities: pl.Series,
        channels: pl.Series | None = None,
        parts: Sequence[str] = PARTS,
        spill: Path | None = None,
    ) -> SparkPartial:
        """The frames of ``batches`` (each journey-complete), computed when finished; ``spill``
        is not used (Spark spills by itself)."""
        partial = SparkPartial.empty(activities, channels, parts)
        partial.frames = [self.ordered(b) for b in batches]
        return partial

    def merge(self, a: SparkPartial, b: SparkPartial) -> SparkPartial:
        """``a`` with the frames of ``b``."""
        return a.merge(b)

    def finish(self, partial: SparkPartial) -> Figures:
        """The finished figures of ``partial`` (the Spark jobs run here)."""
        return partial.finish()


    # -- a per-journey table kept on the executors: small figures of it (journeylog.explain.journey_groups)

    def journey_variant_counts(self, rows: DataFrame) -> pl.DataFrame:
        return _spark_journeys.variant_counts(rows)

    def journey_group_figures(self, rows: DataFrame, members: pl.DataFrame, flagged: Mapping[int, tuple[str, str]],
                              *, value: str, first: int = 5) -> pl.DataFrame:
        return _spark_journeys.group_figures(rows, members, flagged, value=value, first=first)

    def journey_ordered_sum(self, rows: DataFrame, values: pl.DataFrame) -> float:
        return _spark_journeys.ordered_sum(rows, values)

    def journey_value_counts(self, rows: DataFrame, columns: Mapping[str, tuple[str, str]]) -> pl.DataFrame:
        return _spark_journeys.value_counts(rows, columns)

    def journey_rows(self, rows: DataFrame) -> pl.DataFrame:
        """The whole table on the driver (one row per journey: only when a caller asks for it)."""
        return collect_polars(rows)

    def middle_values(self, rows: DataFrame, group: str | None, label: str, keys: Sequence[str], value: str,
                      quantiles: Sequence[tuple[float, str]]) -> pl.DataFrame:
        """On the executors: one window per group (:func:`journeylog.engine._spark_figures.middle_values`);
        one row per group reaches the driver."""
        by = (F.lit(label) if group is None else F.col(group).cast("string")).alias("_group")
        table = collect_polars(middle_values(rows.select(by, *keys, value), ["_group", *keys], value, quantiles))
        return table.with_columns(pl.col("_group").cast(pl.String), pl.col("count").cast(pl.UInt32),
                                  *(pl.col(f"{name}_{end}").cast(pl.Int64) for _q, name in quantiles for end in ("lo", "hi")))

    def journey_flags(self, rows: DataFrame, columns: Sequence[str], flags: Mapping[str, str]) -> DataFrame:
        """Lazily, on the executors (nothing reaches the driver)."""
        return rows.select(*columns, *(F.coalesce(F.col(col), F.lit(False)).alias(name) for name, col in flags.items()))


SPARK = SparkEngine()
