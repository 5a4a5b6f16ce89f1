"""The Spark figures: what :class:`journeylog.engine.spark.SparkEngine` computes from events on the
cluster and brings to the driver as small Polars tables.

A :class:`SparkPartial` is the list of Spark frames it was given (merging two partials is a union,
lazily); :meth:`SparkPartial.finish` does the event-level work in Spark, once, over all of them:

* one window over each journey ordered by (timestamp, input order) gives each event the next
  event's activity, channel and the microseconds to it, and whether it is first or last;
* per group (edge, activity, channel pair) a window ordered by those microseconds numbers the
  values, and only the two values around each quantile position are kept (exact, the same
  integers the Polars engine picks: :func:`journeylog.engine.results.quantile_seconds` does the
  arithmetic on the driver);
* variants are one sorted list of activities per journey, grouped.

What reaches the driver is one row per activity and channel, per edge, per channel pair and per
variant: never an event. The tables are then named and sorted on the driver exactly as the Polars
engine sorts them (:mod:`journeylog.engine._polars_figures`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

import polars as pl
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from journeylog import schema as S
from journeylog.engine._polars_figures import numbered_variants
from journeylog.engine._spark_collect import collect_polars
from journeylog.engine.results import PARTS, Figures, ProcessMap, Summary, quantile_seconds
from journeylog.errors import UsageError
from journeylog.schema import ACTIVITY, CHANNEL, CUSTOMER_ID, JOURNEY_ID, TIMESTAMP

_QUANTILES = ((0.5, "median_seconds"), (0.9, "p90_seconds"))


def tie_key(names: Sequence[str]) -> list[str]:
    """The columns that break ties of equal timestamps within a journey."""
    return [S.INPUT_ORDER] if S.INPUT_ORDER in names else []


def journey_window(names: Sequence[str]) -> Any:
    """The window of a journey's events in time order (timestamp, then input order)."""
    return Window.partitionBy(JOURNEY_ID).orderBy(TIMESTAMP, *tie_key(names))


def micros(column: str | Column) -> Column:
    """Microseconds since the epoch of a timestamp column (time-zone free)."""
    col = F.col(column) if isinstance(column, str) else column
    return F.unix_micros(col.cast("timestamp"))


def distinct_count(column: str) -> Column:
    """Distinct values, a missing value counting as one (as Polars' ``n_unique``)."""
    return F.countDistinct(F.col(column)) + F.max(F.col(column).isNull().cast("int"))


def middle_values(frame: DataFrame, keys: Sequence[str], value: str, quantiles: Sequence[tuple[float, str]]) -> DataFrame:
    """Per group of ``keys``: ``count`` and, per quantile ``(q, name)``, ``{name}_lo`` and
    ``{name}_hi``, the values at positions ``lo`` and ``hi`` of the group's sorted ``value``s as in
    :func:`journeylog.engine._polars_figures.middle_us` (exact; one window per group, no
    approximation)."""
    ordered = Window.partitionBy(*keys).orderBy(value)
    whole = Window.partitionBy(*keys)
    ranked = frame.select(*keys, value).withColumn("_i", F.row_number().over(ordered) - 1).withColumn(
        "_n", F.count(F.lit(1)).over(whole).cast("long"))
    n = F.col("_n")
    picks: list[Column] = []
    aggs: list[Column] = [F.first("_n").alias("count")]
    for q, name in quantiles:
        if q == 0.5:
            lo, hi = F.floor((n - 1) / 2), F.floor(n / 2)
        else:
            lo = F.floor((n - 1).cast("double") * F.lit(q))
            hi = F.least(lo + 1, n - 1)
        picks += [F.col("_i") == lo, F.col("_i") == hi]
        aggs += [F.max(F.when(F.col("_i") == lo, F.col(value))).alias(f"{name}_lo"),
                 F.max(F.when(F.col("_i") == hi, F.col(value))).alias(f"{name}_hi")]
    return ranked.where(reduce(lambda a, b: a | b, picks)).groupBy(*keys).agg(*aggs)


def _with_seconds(table: pl.DataFrame, quantiles: Sequence[tuple[float, str]]) -> pl.DataFrame:
    return table.with_columns(quantile_seconds(table, q, name) for q, name in quantiles)


_U64, _U32 = pl.UInt64(), pl.UInt32()


@dataclass
class SparkPartial:
    """Figures not yet computed: the frames of a log (see the module docstring)."""

    activities: pl.Series
    channels: pl.Series | None
    parts: tuple[str, ...]
    frames: list[DataFrame] = field(default_factory=list)
    finished: Figures | None = None

    @classmethod
    def empty(cls, activities: pl.Series, channels: pl.Series | None, parts: Sequence[str]) -> SparkPartial:
        """No frames yet."""
        unknown = [p for p in parts if p not in PARTS]
        if unknown:
            raise UsageError(f"parts: unknown part {unknown[0]!r}", hint=f"parts: {', '.join(PARTS)}")
        return cls(activities, channels, tuple(parts))

    def merge(self, other: SparkPartial) -> SparkPartial:
        """These frames and those of ``other`` (other journeys of the same log)."""
        if other.parts != self.parts:
            raise UsageError(f"parts: cannot merge figures of {other.parts} into figures of {self.parts}")
        if self.finished is not None or other.finished is not None:
            raise UsageError("partial: figures already finished cannot be merged")
        self.frames += other.frames
        other.frames = []
        return self

    def finish(self) -> Figures:
        """The figures of the parts asked for (computed once)."""
        if self.finished is None:
            self.finished = _Figures(self).figures()
        return self.finished


class _Figures:
    """The Spark work of :meth:`SparkPartial.finish` (the windowed events are cached while it runs)."""

    def __init__(self, partial: SparkPartial) -> None:
        self.partial = partial
        self.parts = partial.parts
        frames = partial.frames
        names = frames[0].columns if frames else []
        self.has_channel = CHANNEL in names
        self.has_customer = CUSTOMER_ID in names
        self.empty = not frames
        if frames:
            self.events = self._windowed(frames, names)

    def _windowed(self, frames: list[DataFrame], names: Sequence[str]) -> DataFrame:
        ties = tie_key(names)
        cols = [JOURNEY_ID, TIMESTAMP, ACTIVITY, *ties,
                CUSTOMER_ID if self.has_customer else F.col(JOURNEY_ID).alias(CUSTOMER_ID),
                CHANNEL if self.has_channel else F.lit(S.UNKNOWN_CHANNEL).alias(CHANNEL)]
        union = reduce(lambda a, b: a.unionByName(b), [f.select(*cols) for f in frames])
        w = journey_window(names)
        us = micros(TIMESTAMP)
        return union.select(
            JOURNEY_ID, CUSTOMER_ID, ACTIVITY, CHANNEL, us.alias("_t"),
            F.row_number().over(w).alias("_pos"),
            F.lead(ACTIVITY).over(w).alias("_next_a"),
            F.lead(CHANNEL).over(w).alias("_next_c"),
            (F.lead(us).over(w) - us).alias("_us"),
            F.lag(F.lit(True)).over(w).isNull().alias("_first"),
            F.lead(F.lit(True)).over(w).isNull().alias("_last"),
        ).persist()

    def figures(self) -> Figures:
        if self.empty:
            return _empty_figures(self.partial)
        try:
            has = self.parts.__contains__
            counts = self._counts()
            acts = self._activity_channels() if has("summary") or has("map") else None
            return Figures(
                events=counts["events"], journeys=counts["journeys"],
                summary=self._summary(counts, acts) if has("summary") else None,
                channel_counts=self._channel_counts(acts) if has("summary") and acts is not None else None,
                variants=self._variants(counts["journeys"]) if has("variants") else None,
                process_map=self._process_map(acts) if has("map") and acts is not None else None,
                channel_switches=self._switches() if has("switches") else None,
            )
        finally:
            self.events.unpersist()

    # -- the driver receives one row per ... ---------------------------------------------------

    def _counts(self) -> dict[str, Any]:
        """... log: events, journeys, customers, first and last microsecond."""
        row = collect_polars(self.events.agg(
            F.count(F.lit(1)).alias("events"), distinct_count(JOURNEY_ID).alias("journeys"),
            distinct_count(CUSTOMER_ID).alias("customers"), F.min("_t").alias("first"), F.max("_t").alias("last"),
        )).row(0, named=True)
        return {k: (0 if v is None and k in ("events", "journeys", "customers") else v) for k, v in row.items()}

    def _activity_channels(self) -> pl.DataFrame:
        """... activity and channel: ``activity``, ``channel``, ``n`` (events)."""
        return collect_polars(self.events.groupBy(ACTIVITY, CHANNEL).agg(F.count(F.lit(1)).alias("n")))

    def _summary(self, counts: dict[str, Any], acts: pl.DataFrame | None) -> Summary:
        assert acts is not None
        stamp = pl.Series([counts["first"], counts["last"]], dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))
        return {
            "events": int(counts["events"]), "journeys": int(counts["journeys"]),
            "customers": int(counts["customers"]) if self.has_customer else int(counts["journeys"]),
            "activities": acts[ACTIVITY].n_unique(), "channels": acts[CHANNEL].n_unique() if self.has_channel else 0,
            "first": stamp[0], "last": stamp[1],
        }

    def _channel_counts(self, acts: pl.DataFrame) -> pl.DataFrame:
        return (acts.group_by(CHANNEL).agg(pl.col("n").sum().alias("events"))
                .select(pl.col(CHANNEL).cast(pl.String), pl.col("events").cast(pl.Int64))
                .sort(["events", CHANNEL], descending=[True, False]))

    def _variants(self, journeys: int) -> pl.DataFrame:
        """... variant: the activities of each journey in time order, grouped by sequence."""
        seqs = self.events.groupBy(JOURNEY_ID).agg(
            F.array_sort(F.collect_list(F.struct("_pos", ACTIVITY))).alias("_s"))
        table = collect_polars(seqs.select(F.transform("_s", lambda x: x[ACTIVITY]).alias("activities"))
                               .groupBy("activities").agg(F.count(F.lit(1)).alias("journeys")))
        return numbered_variants(table.lazy())

    def _process_map(self, acts: pl.DataFrame) -> ProcessMap:
        """... activity (journeys, starts, ends, outgoing times) and per edge."""
        per_act = collect_polars(self.events.groupBy(ACTIVITY).agg(
            F.countDistinct(JOURNEY_ID).alias("journeys"),
            F.sum(F.col("_first").cast("long")).alias("start"), F.sum(F.col("_last").cast("long")).alias("end")))
        pairs = self.events.where(~F.col("_last")).select(
            F.col(ACTIVITY).alias("from"), F.col("_next_a").alias("to"), "_us")
        edges = _with_seconds(collect_polars(middle_values(pairs, ["from", "to"], "_us", _QUANTILES)), _QUANTILES)
        out = _with_seconds(collect_polars(middle_values(pairs, ["from"], "_us", _QUANTILES)), _QUANTILES)
        edges = edges.select(pl.col("from").cast(pl.String), pl.col("to").cast(pl.String), pl.col("count").cast(_U64),
                             "median_seconds", "p90_seconds").sort(["count", "from", "to"], descending=[True, False, False])
        start, end = (per_act.filter(pl.col(which) > 0).select(pl.col(ACTIVITY).cast(pl.String),
                                                                 pl.col(which).cast(_U64).alias("count"))
                      .sort(["count", ACTIVITY], descending=[True, False]) for which in ("start", "end"))
        per_channel = (
            acts.with_columns(pl.col(CHANNEL).cast(pl.String).alias("_ch"), pl.col("n").cast(_U64))
            .sort(["n", "_ch"], descending=[True, False])
            .group_by(ACTIVITY, maintain_order=True)
            .agg(pl.col("n").sum().alias("count"), pl.col("_ch").first().alias("channel"), pl.col("_ch").alias("channels"),
                 pl.struct(pl.col("_ch").alias("channel"), pl.col("n").alias("events")).alias("channel_mix"))
        )
        outgoing = out.select(pl.col("from").alias(ACTIVITY), "median_seconds", "p90_seconds")
        activities = (
            per_channel.join(per_act.select(ACTIVITY, "journeys"), on=ACTIVITY, how="left", nulls_equal=True)
            .join(outgoing, on=ACTIVITY, how="left", nulls_equal=True)
            .select(pl.col(ACTIVITY).cast(pl.String), pl.col("count").cast(_U64), pl.col("journeys").cast(_U64),
                    "channel", "channels", "channel_mix", "median_seconds", "p90_seconds")
            .sort(["count", ACTIVITY], descending=[True, False])
        )
        return ProcessMap(activities=activities, edges=edges, start=start, end=end)

    def _switches(self) -> pl.DataFrame:
        """... pair of different consecutive channels."""
        pairs = self.events.where(~F.col("_last") & (F.col(CHANNEL) != F.col("_next_c"))).select(
            F.col(CHANNEL).alias("from"), F.col("_next_c").alias("to"), "_us", JOURNEY_ID)
        times = middle_values(pairs, ["from", "to"], "_us", _QUANTILES[:1])
        journeys = pairs.groupBy("from", "to").agg(F.countDistinct(JOURNEY_ID).alias("journeys"))
        table = _with_seconds(collect_polars(times.join(journeys, on=["from", "to"], how="left")), _QUANTILES[:1])
        return table.select(
            pl.col("from").cast(pl.String), pl.col("to").cast(pl.String), pl.col("count").cast(_U64),
            pl.col("journeys").cast(_U64), "median_seconds",
        ).sort(["count", "from", "to"], descending=[True, False, False])


def _empty_figures(partial: SparkPartial) -> Figures:
    """The figures of no events: those of the Polars engine on an empty batch (same shapes)."""
    from journeylog.engine.polars import POLARS

    return POLARS.finish(POLARS.partial_figures([], activities=partial.activities, channels=partial.channels,
                                                parts=partial.parts))
