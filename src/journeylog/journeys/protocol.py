"""What an event-level engine must provide: the seam between the journeys API and a dataframe
library (Polars, :mod:`journeylog.engine.polars`; Apache Spark, :mod:`journeylog.engine.spark`).

The journeys functions (:mod:`journeylog.journeys`) choose an engine by the type of the frame
they are given (:func:`journeylog.engine.backend_for`) and call it through :class:`Engine`. An
engine works on *its* frames; what it returns is small and engine-neutral
(:mod:`journeylog.engine.results`: Polars tables of variants, map edges, per-journey stats).

Figures are gathered as mergeable partial results: ``partial_figures`` over journey-complete,
ordered batches (no journey spans two batches), ``merge`` of two partials of the same log, and
``finish``, which turns a partial into :class:`~journeylog.engine.results.Figures`. However the
log is cut and in whatever order the partials are merged, the finished figures are the same,
down to the last bit of every median (see :func:`journeylog.engine.results.quantile_seconds`).

>>> import polars as pl, datetime as dt
>>> from journeylog.engine import backend_for
>>> t = [dt.datetime(2024, 1, 1, h, tzinfo=dt.timezone.utc) for h in (1, 2, 1, 3, 5)]
>>> ev = pl.DataFrame({"journey_id": ["j1", "j1", "j2", "j2", "j3"], "timestamp": t,
...                    "activity": ["order", "pay", "order", "pay", "order"]})
>>> engine = backend_for(ev, "events")
>>> isinstance(engine, Engine)
True
>>> dicts = {"activities": ev["activity"].unique(), "parts": ("variants", "map")}
>>> a = engine.partial_figures([ev.head(2)], **dicts)   # journey j1
>>> b = engine.partial_figures([ev.tail(3)], **dicts)   # journeys j2 and j3
>>> figures = engine.finish(engine.merge(a, b))
>>> figures.variants.select("activities", "journeys").rows()
[(['order', 'pay'], 2), (['order'], 1)]
>>> figures.process_map.edges.select("from", "to", "count", "median_seconds").rows()
[('order', 'pay', 2, 5400.0)]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import polars as pl

from journeylog.config.rules import Step
from journeylog.engine.results import Figures

__all__ = ["Engine"]


@runtime_checkable
class Engine(Protocol):
    """The event-level operations an engine provides. ``Frame`` below is the engine's own frame
    type (chosen by :func:`journeylog.engine.backend_for`); results are Polars.

    * Ordering: ``is_ordered`` and ``ordered`` (by journey, timestamp, input order).
    * Per journey: ``journey_sequences`` (lazy ``journey_id``, ``activities``),
      ``journey_variants`` (``journey_id`` -> ``variant_id``), ``journey_stats`` (one row per
      journey: on Spark these are per-journey-sized results on the driver).
    * Whole log: ``distinct`` (values of a column), ``dates_only``.
    * Filters: ``filter_events`` (journey start dates, channels, column values, activities),
      ``select_journeys`` (whole journeys by segment, start and journey conditions) and
      ``journeys_following`` (the journeys of some variants).
    * Figures: ``partial_figures`` / ``merge`` / ``finish`` (see the module docstring); a
      partial is opaque to the caller and may hold spilled files until finished.
    * A per-journey table held by the engine (conform's, one row per journey: ``journey_id``,
      ``variant_id``, ``duration_seconds``, the impact value, ``settled``, ``in_progress``, boolean
      masks; :class:`journeylog.explain.journey_groups.JourneyGroups`): ``journey_variant_counts``,
      ``journey_group_figures`` (per group of journeys: count, exact median, mean to the last bit,
      first ids), ``journey_ordered_sum`` (a float sum in journey-id order), ``journey_value_counts``
      and ``journey_rows`` (the table itself, on the driver). Only these small results travel.
    """

    name: str
    frame_types: tuple[type, ...]

    def is_ordered(self, events: Any) -> bool:
        """Whether ``events`` is sorted by (journey, timestamp, input order)."""
        ...

    def ordered(self, events: Any) -> Any:
        """``events`` in that order (the frame itself when it already is)."""
        ...

    def journey_sequences(self, events: Any) -> pl.LazyFrame:
        """One row per journey: ``journey_id``, ``activities`` (in time order)."""
        ...

    def journey_variants(self, events: Any, variant_table: pl.DataFrame) -> pl.DataFrame:
        """``journey_id`` -> ``variant_id`` of ``variant_table``, sorted by journey id."""
        ...

    def journey_stats(self, events: Any) -> pl.DataFrame:
        """One row per journey: start, end, events, satisfaction, duration_seconds."""
        ...

    def distinct(self, events: Any, column: str) -> pl.Series:
        """The distinct values of ``column``."""
        ...

    def dates_only(self, events: Any) -> bool:
        """Whether there is a timestamp and every one is at midnight UTC (a log of dates)."""
        ...

    def filter_events(
        self,
        events: Any,
        *,
        starts_from: dt.datetime | None = None,
        starts_before: dt.datetime | None = None,
        channels: Sequence[str] = (),
        where: Sequence[tuple[str, str]] = (),
        activities: Sequence[str] | None = None,
    ) -> Any:
        """The events of whole journeys starting in [from, before), then those on ``channels``
        whose ``where`` columns equal the values and, unless None, whose activity is one of
        ``activities`` (see :func:`journeylog.journeys.filter_events`)."""
        ...

    def select_journeys(
        self,
        events: Any,
        *,
        segments: Mapping[str, Sequence[str]] = ...,
        starts_from: dt.datetime | None = None,
        starts_before: dt.datetime | None = None,
        conditions: Sequence[tuple[Sequence[Step], bool]] = (),
    ) -> tuple[Any, dict[str, Any]]:
        """Whole journeys by segment, start and journey conditions, and what was kept (see
        :mod:`journeylog.journeys.selection`)."""
        ...

    def journeys_following(self, events: Any, variant_table: pl.DataFrame) -> Any:
        """The events of the journeys whose activity sequence is in ``variant_table``."""
        ...

    def partial_figures(
        self,
        batches: Iterable[Any],
        *,
        activities: pl.Series,
        channels: pl.Series | None = None,
        parts: Sequence[str] = ...,
        spill: Path | None = None,
    ) -> Any:
        """The partial figures of journey-complete, ordered ``batches``; ``activities`` (and
        ``channels``) name every value that can occur, ``parts`` (of ``summary``, ``variants``,
        ``map``, ``switches``) limits the work, ``spill`` is a directory for rows beyond memory."""
        ...

    def merge(self, a: Any, b: Any) -> Any:
        """One partial with the figures of both (of disjoint journeys of one log)."""
        ...

    def finish(self, partial: Any) -> Figures:
        """The finished figures of ``partial``."""
        ...

    def journey_variant_counts(self, rows: Any) -> pl.DataFrame:
        """Per variant of a per-journey table: ``variant_id``, ``journeys``, ``settled``, ``in_progress``."""
        ...

    def journey_group_figures(self, rows: Any, members: pl.DataFrame, flagged: Mapping[int, tuple[str, str]],
                              *, value: str, first: int = 5) -> pl.DataFrame:
        """Per group of journeys (an Int32 code; ``members``: ``group``, ``variant_id``, ``settled_only``;
        ``flagged``: group -> (boolean column, x column)): ``group``, ``journeys``, ``median`` (of
        ``duration_seconds`` or the x column), ``mean`` (of ``value``, as Polars' ``mean`` of the
        group's values in journey-id order), ``first`` (journey ids, sorted)."""
        ...

    def journey_ordered_sum(self, rows: Any, values: pl.DataFrame) -> float:
        """The left-to-right float sum in journey-id order of each journey's variant's ``value``."""
        ...

    def journey_value_counts(self, rows: Any, columns: Mapping[str, tuple[str, str]]) -> pl.DataFrame:
        """Per key -> (boolean column, value column): ``key``, ``value``, ``n`` journeys."""
        ...

    def journey_rows(self, rows: Any) -> pl.DataFrame:
        """The per-journey table as a Polars frame (on Spark: brought to the driver)."""
        ...

    def middle_values(self, rows: Any, group: str | None, label: str, keys: Sequence[str], value: str,
                      quantiles: Sequence[tuple[float, str]]) -> pl.DataFrame:
        """Per group of ``_group`` (the ``group`` column as text; ``label`` for all rows when None)
        and ``keys`` of a table of rows: ``count`` and, per quantile ``(q, name)``, ``{name}_lo``
        and ``{name}_hi``, the integer ``value``s around position ``q * (count - 1)`` of the
        group's sorted values (for :func:`journeylog.engine.quantile_seconds`; exact)."""
        ...

    def journey_flags(self, rows: Any, columns: Sequence[str], flags: Mapping[str, str]) -> Any:
        """``columns`` of a per-journey table and, per new name -> boolean column of ``flags``, that
        column with null as False; a frame of the same engine (on Spark it stays there: a pass over
        the events joins it to them, :meth:`journeylog.ingest.EventSource.map_batches`)."""
        ...
