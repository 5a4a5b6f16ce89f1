"""Small figures of conform's per-journey table, wherever the table is held.

conform's catalogue and pattern impact figures, its journeys in progress, unaligned journeys,
fitting share with accepted deviations and pm4py's average fitness are all figures *of* the
per-journey table: per variant counts, per group of journeys (a deviation's, a pattern's, the
reference journeys) a count, the median duration, the mean satisfaction and the first ids, and one
float sum in journey order. :class:`JourneyGroups` asks the table's engine for exactly those
(:class:`journeylog.journeys.protocol.Engine`, the ``journey_*`` methods): on Polars the table is
in memory and the figures are the computations conform always made; on Spark (conform without
its journey table asked for, :func:`journeylog.explain.batches.gather`) the table stays on the
executors and only these small results reach the driver, bit for bit the same numbers.

>>> import polars as pl
>>> rows = pl.DataFrame({"journey_id": ["a", "b", "c"], "variant_id": [1, 2, 1], "duration_seconds": [10.0, 50.0, 20.0],
...     "satisfaction": [5.0, 2.0, None], "settled": [True, True, False], "in_progress": [False, False, True]})
>>> jf = JourneyGroups(rows, reference_variants=pl.Series([1]))
>>> jf.journeys, jf.settled, jf.in_progress
(3, 2, 1)
>>> figures = jf.groups(pl.DataFrame({"group": ["x"], "variant_id": [2], "settled_only": [False]}))
>>> impact_between(figures["x"], figures[REFERENCE])
{'median_extra_seconds': 35.0, 'satisfaction_delta': -3.0}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from journeylog.engine import backend_for

__all__ = ["REFERENCE", "GroupFigures", "JourneyGroups", "impact_between"]

#: the group of the reference journeys (those that fit the design)
REFERENCE = "\x00reference"


@dataclass(frozen=True)
class GroupFigures:
    """A group of journeys: how many, the median of their durations (or of another value), the
    mean of their satisfaction (or impact score) and their first journey ids (sorted)."""

    journeys: int = 0
    median: float | None = None
    mean: float | None = None
    first: tuple[str, ...] = ()


def impact_between(affected: GroupFigures | None, reference: GroupFigures | None) -> dict[str, float | None]:
    """As :func:`journeylog.explain.impact.impact_of` on the two groups' figures."""
    a, r = affected or GroupFigures(), reference or GroupFigures()
    extra = float(a.median) - float(r.median) if a.journeys and r.journeys and a.median is not None \
        and r.median is not None else None
    delta = None if a.mean is None or r.mean is None else float(a.mean) - float(r.mean)
    return {"median_extra_seconds": extra, "satisfaction_delta": delta}


@dataclass
class JourneyGroups:
    """The per-journey table ``rows`` (an engine's frame, one row per journey: ``journey_id``,
    ``variant_id``, ``duration_seconds``, the ``value`` column, ``settled``, optionally
    ``in_progress``, ``reference`` and boolean mask columns) and what conform needs of it.
    ``reference_variants``: the variants whose journeys are the reference (None: the rows'
    boolean ``reference`` column)."""

    rows: Any
    value: str = "satisfaction"
    reference_variants: pl.Series | None = None
    _counts: pl.DataFrame | None = field(default=None, repr=False)

    @property
    def engine(self) -> Any:
        return backend_for(self.rows, "journeys")

    def variant_counts(self) -> pl.DataFrame:
        """``variant_id``, ``journeys``, ``settled``, ``in_progress`` (one row per variant; computed once)."""
        if self._counts is None:
            rows = self.rows
            if "in_progress" not in rows.columns and isinstance(rows, pl.DataFrame):
                rows = rows.with_columns(pl.lit(False).alias("in_progress"))
            self._counts = self.engine.journey_variant_counts(rows)
        return self._counts

    def _total(self, column: str) -> int:
        return int(self.variant_counts()[column].sum() or 0)

    @property
    def journeys(self) -> int:
        return self._total("journeys")

    @property
    def settled(self) -> int:
        return self._total("settled")

    @property
    def in_progress(self) -> int:
        return self._total("in_progress")

    def unaligned(self, per_variant: pl.DataFrame) -> int:
        """The journeys whose variant has no ``fitness`` in ``per_variant`` (null or absent)."""
        counts = self.variant_counts().join(per_variant.select("variant_id", "fitness"), on="variant_id", how="left")
        return int(counts.filter(pl.col("fitness").is_null())["journeys"].sum() or 0)

    def groups(self, members: pl.DataFrame, flagged: Mapping[str, tuple[str, str]] | None = None,
               first: int = 5) -> dict[str, GroupFigures]:
        """The figures of each group of ``members`` (``group`` name, ``variant_id``, ``settled_only``)
        and ``flagged`` (group -> (boolean column, column whose median is taken)), and of the
        reference journeys (:data:`REFERENCE`). A group without journeys is absent."""
        flagged = dict(flagged or {})
        if self.reference_variants is None:
            flagged[REFERENCE] = ("reference", "duration_seconds")
        # the engines see a number per group: millions of member rows (a categorical id at
        # 100M events) are coded by a join with the few distinct names, never cast to text
        named = members.select("group").unique()
        names = sorted({*(str(g) for g in named["group"].to_list()), *flagged,
                        *([REFERENCE] if self.reference_variants is not None else [])})
        code = {name: i for i, name in enumerate(names)}
        mapping = named.with_columns(pl.col("group").cast(pl.String).replace_strict(code, return_dtype=pl.Int32).alias("_code"))
        coded = members.join(mapping, on="group", how="inner").select(
            pl.col("_code").alias("group"), pl.col("variant_id").cast(pl.UInt32), pl.col("settled_only").cast(pl.Boolean))
        if self.reference_variants is not None:
            ref = pl.DataFrame({"variant_id": self.reference_variants.cast(pl.UInt32)}).select(
                pl.lit(code[REFERENCE], pl.Int32).alias("group"), "variant_id", pl.lit(False).alias("settled_only"))
            coded = pl.concat([coded, ref])
        table = self.engine.journey_group_figures(self.rows, coded, {code[g]: f for g, f in flagged.items()},
                                                  value=self.value, first=first)
        return {names[g]: GroupFigures(int(n), med, mean, tuple(ids or ()))
                for g, n, med, mean, ids in table.select("group", "journeys", "median", "mean", "first").iter_rows()}

    def ordered_sum(self, values: Mapping[int, float]) -> float:
        """pm4py's left-to-right sum of each journey's variant's value, in journey-id order."""
        frame = pl.DataFrame({"variant_id": list(values), "value": list(values.values())},
                             schema={"variant_id": pl.UInt32, "value": pl.Float64})
        return float(self.engine.journey_ordered_sum(self.rows, frame))

    def value_counts(self, columns: Mapping[str, tuple[str, str]]) -> pl.DataFrame:
        """Per key -> (boolean column, value column): ``key``, ``value``, ``n`` journeys."""
        return self.engine.journey_value_counts(self.rows, columns)

    def table(self) -> pl.DataFrame:
        """The table itself, on the driver."""
        return self.engine.journey_rows(self.rows)


def summing(figures: JourneyGroups) -> Callable[[Mapping[int, float]], float]:
    """The ordered sum of ``figures`` as a ``trace_order`` for :mod:`journeylog.mining` (which
    then never sees one id per journey)."""
    return figures.ordered_sum
