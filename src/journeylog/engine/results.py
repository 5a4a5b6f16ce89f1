"""The engine-neutral results every event-level engine returns, and the exact quantile arithmetic.

An engine (see :mod:`journeylog.engine`) does the event-level work in its own dataframes; what it
hands back is small (one row per variant, activity, edge or channel pair) and always Polars:
:class:`ProcessMap` and :class:`Figures`. Times are exact whatever the engine: it gathers, per
group, the integer microseconds around the wanted position and :func:`quantile_seconds` does the
arithmetic once, here, in IEEE double precision.

>>> import polars as pl
>>> groups = pl.DataFrame({"count": [2, 5], "m_lo": [1_000_000, 3], "m_hi": [2_000_000, 3]})
>>> quantile_seconds(groups, 0.5, "m").to_list()
[1.5, 3e-06]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypedDict

import polars as pl

__all__ = ["PARTS", "Figures", "ProcessMap", "Summary", "quantile_seconds"]

# The parts of the figures an engine can gather; asking for fewer saves the work of the others.
PARTS = ("summary", "variants", "map", "switches")


@dataclass(frozen=True)
class ProcessMap:
    """The directly-follows process map, with frequency and timing.

    * ``activities``: ``activity``, ``count`` (events), ``journeys`` (journeys containing it),
      ``channel`` (the channel it happens on most; ties by name), ``channels`` (all, by count),
      ``channel_mix`` (``channel``, ``events`` structs, by count then name), ``median_seconds`` and
      ``p90_seconds`` (time from the activity to the next event of its journey; null when it is
      always last).
    * ``edges``: ``from``, ``to``, ``count``, ``median_seconds``, ``p90_seconds``.
    * ``start`` / ``end``: ``activity``, ``count`` (journeys starting / ending with it).
    Frames are sorted by count (descending), then by name.
    """

    activities: pl.DataFrame
    edges: pl.DataFrame
    start: pl.DataFrame
    end: pl.DataFrame


class Summary(TypedDict):
    """Totals of a log: ``first`` and ``last`` are the earliest and latest timestamps."""

    events: int
    journeys: int
    customers: int
    activities: int
    channels: int
    first: dt.datetime | None
    last: dt.datetime | None


@dataclass(frozen=True)
class Figures:
    """The finished figures of a log (see :meth:`journeylog.journeys.protocol.Engine.finish`).

    ``events`` and ``journeys`` are always there; the other fields are None unless their part was
    asked for: ``summary`` and ``channel_counts`` (part ``"summary"``), ``variants`` (``"variants"``),
    ``process_map`` (``"map"``), ``channel_switches`` (``"switches"``).
    """

    events: int
    journeys: int
    summary: Summary | None = None
    channel_counts: pl.DataFrame | None = None
    variants: pl.DataFrame | None = None
    process_map: ProcessMap | None = None
    channel_switches: pl.DataFrame | None = None


def quantile_seconds(frame: pl.DataFrame, q: float, name: str) -> pl.Series:
    """The ``q`` quantile in seconds from the columns ``{name}_lo``, ``{name}_hi`` (the integer
    microseconds around position ``q * (count - 1)`` of each group's sorted values) and ``count``.

    The median is the mean of the two middle values, ``(a + b) / 2``; other quantiles interpolate
    linearly (numpy's default): ``v[i] + (v[i + 1] - v[i]) * f`` at ``q * (n - 1) = i + f``. The
    arithmetic is done here in numpy, in IEEE double precision with one rounding per operation,
    so the figure does not depend on how an engine grouped, batched or optimised the data.
    """
    import numpy as np  # here, not at start-up: ingest never needs it

    lo = frame[f"{name}_lo"].to_numpy().astype(np.int64)
    hi = frame[f"{name}_hi"].to_numpy().astype(np.int64)
    if q == 0.5:
        value = (lo + hi).astype(np.float64) / 2_000_000.0
    else:
        pos = (frame["count"].to_numpy().astype(np.float64) - 1.0) * q
        frac = pos - np.floor(pos)
        value = (lo.astype(np.float64) + (hi - lo).astype(np.float64) * frac) / 1_000_000.0
    return pl.Series(name, value, dtype=pl.Float64)
