"""Per-journey figures: duration, events and satisfaction, and how two groups of journeys differ.

>>> import polars as pl, datetime as dt
>>> ev = pl.DataFrame({"journey_id": ["a", "a", "b"], "activity": ["x", "y", "x"],
...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (1, 3, 2)], "satisfaction": [4.0, None, 2.0]})
>>> journey_stats(ev).select("journey_id", "events", "duration_seconds", "satisfaction").rows()
[('a', 2, 7200.0, 4.0), ('b', 1, 0.0, 2.0)]
"""

from __future__ import annotations

import polars as pl

from journeylog.engine import backend_for
from journeylog.schema import JOURNEY_ID

__all__ = ["impact", "journey_stats"]


def journey_stats(events: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """One row per journey: ``journey_id``, ``start``, ``end``, ``duration_seconds``, ``events``,
    ``satisfaction`` (mean of the scores given in the journey, null when none)."""
    return backend_for(events, "events").journey_stats(events)


def impact(stats: pl.DataFrame, affected: pl.Series | list[str], reference: pl.Series | list[str]) -> dict[str, float | None]:
    """How affected journeys differ from reference journeys (usually those that fit the design).

    ``stats`` is the per-journey table of :func:`journey_stats` (whatever engine made it).
    ``median_extra_seconds``: median duration of affected minus median duration of reference.
    ``satisfaction_delta``: mean satisfaction of affected minus that of reference (null when
    either side has no scores).

    >>> import polars as pl
    >>> st = pl.DataFrame({"journey_id": ["a", "b", "c"], "duration_seconds": [10.0, 50.0, 20.0],
    ...                    "satisfaction": [5.0, 2.0, None]})
    >>> impact(st, ["b"], ["a", "c"])
    {'median_extra_seconds': 35.0, 'satisfaction_delta': -3.0}
    """
    aff = stats.filter(pl.col(JOURNEY_ID).is_in(pl.Series(list(affected), dtype=pl.String).implode()))
    ref = stats.filter(pl.col(JOURNEY_ID).is_in(pl.Series(list(reference), dtype=pl.String).implode()))
    extra = None
    if aff.height and ref.height:
        extra = float(aff["duration_seconds"].median()) - float(ref["duration_seconds"].median())  # type: ignore[arg-type]
    a_sat, r_sat = aff["satisfaction"].mean(), ref["satisfaction"].mean()
    delta = None if a_sat is None or r_sat is None else float(a_sat) - float(r_sat)  # type: ignore[arg-type]
    return {"median_extra_seconds": extra, "satisfaction_delta": delta}
