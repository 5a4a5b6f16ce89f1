"""Variants: the distinct activity sequences of journeys, and which journey follows which.

pm4py later sees one trace per variant and results are weighted back by ``journeys``.

>>> import polars as pl, datetime as dt
>>> ev = pl.DataFrame({
...     "journey_id": ["j1", "j1", "j2", "j2", "j3"],
...     "timestamp": [dt.datetime(2024, 1, 1, h, tzinfo=dt.timezone.utc) for h in (1, 2, 1, 3, 5)],
...     "activity": ["order", "pay", "order", "pay", "order"],
... })
>>> variants(ev).select("variant_id", "activities", "journeys").rows()
[(1, ['order', 'pay'], 2), (2, ['order'], 1)]
>>> journey_variants(ev).rows()
[('j1', 1), ('j2', 1), ('j3', 2)]
"""

from __future__ import annotations

import polars as pl

from journeylog.engine import backend_for
from journeylog.journeys.figures import figures_of

__all__ = ["journey_sequences", "journey_variants", "variants"]


def journey_sequences(events: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """One row per journey: ``journey_id``, ``activities`` (list, in time order)."""
    return backend_for(events, "events").journey_sequences(events)


def variants(events: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The distinct activity sequences with how many journeys follow each.

    Columns: ``variant_id`` (1 = most frequent), ``activities`` (list[str]), ``journeys``,
    ``share`` (of all journeys), ``cumulative_share``. Sorted by journeys (descending), ties
    broken by the activity sequence, so the order, and the ids, are deterministic.
    """
    return figures_of(events, "variants").variant_table()


def journey_variants(events: pl.DataFrame | pl.LazyFrame, variant_table: pl.DataFrame | None = None) -> pl.DataFrame:
    """``journey_id`` -> ``variant_id`` for every journey, sorted by journey id (the order in
    which pm4py sees the cases of a DataFrame)."""
    table = variants(events) if variant_table is None else variant_table
    return backend_for(events, "events").journey_variants(events, table)
