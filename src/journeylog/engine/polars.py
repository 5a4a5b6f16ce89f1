"""The Polars engine: event-level work on Polars DataFrames and LazyFrames.

It provides what :class:`journeylog.journeys.protocol.Engine` asks for. Everything is dataframe
work on the canonical event table (see :mod:`journeylog.schema`), sorted by (journey, timestamp,
input order); no Python loop touches events. The mergeable figures are in
:mod:`journeylog.engine._polars_figures`.

>>> import polars as pl, datetime as dt
>>> ev = pl.DataFrame({"journey_id": ["b", "a"], "timestamp": [dt.datetime(2024, 1, 1)] * 2,
...                    "activity": ["x", "y"]})
>>> POLARS.is_ordered(ev), POLARS.ordered(ev)["journey_id"].to_list()
(False, ['a', 'b'])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from journeylog.config.rules import Step
from journeylog.engine import _polars_journeys
from journeylog.engine._polars_figures import PolarsPartial, middle_us
from journeylog.engine._polars_select import select_journeys
from journeylog.engine.results import PARTS, Figures
from journeylog.schema import ACTIVITY, CHANNEL, INPUT_ORDER, JOURNEY_ID, TIMESTAMP

__all__ = ["POLARS", "PolarsEngine", "PolarsPartial", "middle_us", "order_keys"]


def order_keys(names: Sequence[str]) -> list[str]:
    """The columns events are ordered by: journey, timestamp and, when there, input order.

    >>> order_keys(["journey_id", "timestamp", "activity"])
    ['journey_id', 'timestamp']
    """
    return [JOURNEY_ID, TIMESTAMP] + ([INPUT_ORDER] if INPUT_ORDER in names else [])


def _seconds(expr: pl.Expr) -> pl.Expr:
    return expr.dt.total_microseconds().cast(pl.Float64) / 1_000_000


class PolarsEngine:
    """The Polars implementation of :class:`journeylog.journeys.protocol.Engine`."""

    name = "polars"
    frame_types: tuple[type, ...] = (pl.DataFrame, pl.LazyFrame)

    def is_ordered(self, events: pl.DataFrame) -> bool:
        """Whether ``events`` is sorted by :func:`order_keys`: one linear pass, much cheaper than
        a sort; the order is the one ``DataFrame.sort`` gives."""
        if events.height < 2:
            return True
        keys = order_keys(events.columns)
        if any(events[k].null_count() for k in keys):
            return False
        later = pl.lit(False)
        for k in reversed(keys):  # lexicographic "row > previous row", built from the last key out
            cur, prev = pl.col(k), pl.col(k).shift(1)
            later = (cur > prev) | ((cur == prev) & later) if k != keys[-1] else (cur >= prev)
        return bool(events.select(later.slice(1).all()).item())

    def ordered(self, events: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
        """``events`` sorted by :func:`order_keys`: the frame itself when it already is, else a
        stably sorted copy."""
        frame = events.collect() if isinstance(events, pl.LazyFrame) else events
        if self.is_ordered(frame):
            return frame
        return frame.sort(order_keys(frame.columns), maintain_order=True)

    def journey_sequences(self, events: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
        """One row per journey: ``journey_id``, ``activities`` (list, in time order)."""
        return (
            self.ordered(events).lazy()
            .group_by(JOURNEY_ID, maintain_order=True)
            .agg(pl.col(ACTIVITY).alias("activities"))
        )

    def journey_variants(self, events: pl.DataFrame | pl.LazyFrame, variant_table: pl.DataFrame) -> pl.DataFrame:
        """``journey_id`` -> ``variant_id`` of ``variant_table``, sorted by journey id."""
        return (
            self.journey_sequences(events)
            .join(variant_table.lazy().select("activities", "variant_id"), on="activities", how="left", maintain_order="left")
            .select(JOURNEY_ID, "variant_id")
            .sort(JOURNEY_ID)
            .collect()
        )

    def journey_stats(self, events: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
        """One row per journey: ``journey_id``, ``start``, ``end``, ``events``, ``satisfaction``,
        ``duration_seconds``; sorted by journey id."""
        lf = events.lazy()
        names = lf.collect_schema().names()
        sat = pl.col("satisfaction").mean() if "satisfaction" in names else pl.lit(None, pl.Float64)
        return (
            lf.group_by(JOURNEY_ID)
            .agg(
                pl.col(TIMESTAMP).min().alias("start"),
                pl.col(TIMESTAMP).max().alias("end"),
                pl.len().cast(pl.UInt64).alias("events"),
                sat.alias("satisfaction"),
            )
            .with_columns(_seconds(pl.col("end") - pl.col("start")).alias("duration_seconds"))
            .sort(JOURNEY_ID)
            .collect()
        )

    def distinct(self, events: pl.DataFrame | pl.LazyFrame, column: str) -> pl.Series:
        """The distinct values of ``column``."""
        return events.lazy().select(pl.col(column).unique()).collect()[column]

    def filter_events(
        self,
        events: pl.DataFrame | pl.LazyFrame,
        *,
        starts_from: dt.datetime | None = None,
        starts_before: dt.datetime | None = None,
        channels: Sequence[str] = (),
        where: Sequence[tuple[str, str]] = (),
        activities: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        """The events of journeys starting in [``starts_from``, ``starts_before``), on
        ``channels`` (all when empty), whose columns equal the ``where`` values (as text) and,
        unless None, whose activity is one of ``activities``."""
        lf = events.lazy()
        if starts_from is not None or starts_before is not None:
            starts = lf.group_by(JOURNEY_ID).agg(pl.col(TIMESTAMP).min().alias("_start"))
            cond = pl.lit(True)
            if starts_from is not None:
                cond = cond & (pl.col("_start") >= starts_from)
            if starts_before is not None:
                cond = cond & (pl.col("_start") < starts_before)
            keep = starts.filter(cond).select(JOURNEY_ID)
            lf = lf.join(keep, on=JOURNEY_ID, how="semi", maintain_order="left")
        if channels:
            lf = lf.filter(pl.col(CHANNEL).is_in(list(channels)))
        for col, value in where:
            lf = lf.filter(pl.col(col).cast(pl.String) == value)
        if activities is not None:
            lf = lf.filter(pl.col(ACTIVITY).is_in(pl.Series(list(activities), dtype=pl.String).implode()))
        return lf.collect()

    def dates_only(self, events: pl.DataFrame | pl.LazyFrame) -> bool:
        """Whether there is a timestamp and every one is at midnight UTC (a log of dates)."""
        ts = pl.col(TIMESTAMP)
        off = ((ts.dt.hour() != 0) | (ts.dt.minute() != 0) | (ts.dt.second() != 0) | (ts.dt.microsecond() != 0)).any()
        row = events.lazy().select(off.alias("off"), ts.is_not_null().any().alias("any")).collect().row(0)
        return bool(row[1]) and not bool(row[0])

    def select_journeys(
        self,
        events: pl.DataFrame | pl.LazyFrame,
        *,
        segments: Mapping[str, Sequence[str]] = {},
        starts_from: dt.datetime | None = None,
        starts_before: dt.datetime | None = None,
        conditions: Sequence[tuple[Sequence[Step], bool]] = (),
    ) -> tuple[pl.DataFrame, dict[str, Any]]:
        """The events of the journeys that belong to every segment (column -> values; a journey's
        value is its first neither missing nor empty one), start in [from, before) and satisfy
        every condition (steps matched as a pattern; ``True``: must not match); and the counts
        ``journeys``, ``kept``, ``events`` (kept) and ``varying`` (segment column -> journeys in
        which it takes more than one value). See :mod:`journeylog.journeys.selection`."""
        return select_journeys(self.ordered(events), segments, starts_from, starts_before, conditions)

    def journeys_following(self, events: pl.DataFrame, variant_table: pl.DataFrame) -> pl.DataFrame:
        """The events of the journeys whose activity sequence is in ``variant_table``."""
        ids = (self.journey_sequences(events).join(variant_table.lazy().select("activities"), on="activities", how="semi")
               .select(JOURNEY_ID).collect())
        return events.filter(pl.col(JOURNEY_ID).is_in(ids[JOURNEY_ID].implode()))

    def partial_figures(
        self,
        batches: Iterable[pl.DataFrame],
        *,
        activities: pl.Series,
        channels: pl.Series | None = None,
        parts: Sequence[str] = PARTS,
        spill: Path | None = None,
    ) -> PolarsPartial:
        """Figures of ordered, journey-complete ``batches`` (one partial, gathered batch by batch)."""
        partial = PolarsPartial.empty(activities, channels, parts, spill)
        for batch in batches:
            partial.add(batch)
        return partial

    def merge(self, a: PolarsPartial, b: PolarsPartial) -> PolarsPartial:
        """``a`` with the figures of ``b`` added (both are used up)."""
        return a.merge(b)

    def finish(self, partial: PolarsPartial) -> Figures:
        """The finished figures of ``partial``."""
        return partial.finish()


    # -- a per-journey table (conform's): small figures of it, see journeylog.explain.journey_groups

    def journey_variant_counts(self, rows: pl.DataFrame) -> pl.DataFrame:
        return _polars_journeys.variant_counts(rows)

    def journey_group_figures(self, rows: pl.DataFrame, members: pl.DataFrame, flagged: Mapping[int, tuple[str, str]],
                              *, value: str, first: int = 5) -> pl.DataFrame:
        return _polars_journeys.group_figures(rows, members, flagged, value=value, first=first)

    def journey_ordered_sum(self, rows: pl.DataFrame, values: pl.DataFrame) -> float:
        return _polars_journeys.ordered_sum(rows, values)

    def journey_value_counts(self, rows: pl.DataFrame, columns: Mapping[str, tuple[str, str]]) -> pl.DataFrame:
        return _polars_journeys.value_counts(rows, columns)

    def journey_rows(self, rows: pl.DataFrame) -> pl.DataFrame:
        return rows

    def middle_values(self, rows: pl.DataFrame, group: str | None, label: str, keys: Sequence[str], value: str,
                      quantiles: Sequence[tuple[float, str]]) -> pl.DataFrame:
        by = (pl.lit(label) if group is None else pl.col(group).cast(pl.String)).alias("_group")
        return rows.group_by(by, *keys).agg(pl.len().alias("count"),
                                            *(e for q, name in quantiles for e in middle_us(pl.col(value), q, name)))

    def journey_flags(self, rows: pl.DataFrame, columns: Sequence[str], flags: Mapping[str, str]) -> pl.DataFrame:
        return rows.select(*columns, *(pl.col(col).fill_null(False).alias(name) for name, col in flags.items()))


POLARS = PolarsEngine()
