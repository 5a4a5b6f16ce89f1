"""The directly-follows process map and the channel switches of journeys.

>>> import polars as pl, datetime as dt
>>> ev = pl.DataFrame({
...     "journey_id": ["j1", "j1", "j2", "j2", "j3"],
...     "timestamp": [dt.datetime(2024, 1, 1, h, tzinfo=dt.timezone.utc) for h in (1, 2, 1, 3, 5)],
...     "activity": ["order", "pay", "order", "pay", "order"],
...     "channel": ["web", "web", "app", "phone", "web"],
... })
>>> process_map(ev).edges.select("from", "to", "count", "median_seconds").rows()
[('order', 'pay', 2, 5400.0)]
>>> channel_switches(ev).rows()
[('app', 'phone', 1, 1, 7200.0)]
"""

from __future__ import annotations

import polars as pl

from journeylog.engine.results import ProcessMap
from journeylog.journeys.figures import figures_of

__all__ = ["ProcessMap", "channel_switches", "process_map"]


def process_map(events: pl.DataFrame | pl.LazyFrame) -> ProcessMap:
    """Directly-follows counts, median and p90 times, start and end activities (see
    :class:`ProcessMap`)."""
    return figures_of(events, "map").process_map()


def channel_switches(events: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Consecutive events of a journey on different channels: ``from``, ``to``, ``count``,
    ``journeys``, ``median_seconds`` (time between the two events). Sorted by count, then names."""
    return figures_of(events, "switches").channel_switches()
