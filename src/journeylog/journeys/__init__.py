"""The engine-neutral event-level API: order, variants, the process map, channel switches,
per-journey stats, the mergeable :class:`JourneyFigures` and journey selections
(:class:`JourneySelection`: segments, start dates, journey conditions).

Each function takes a frame of canonical events (see :mod:`journeylog.schema`) and runs on the
engine chosen by the frame's type (:func:`journeylog.engine.backend_for`; what an engine provides
is :class:`~journeylog.journeys.protocol.Engine`). No Python loop touches events: pm4py later
sees one trace per *variant* (:func:`variants`) and results are weighted back by ``journeys``.

>>> import polars as pl, datetime as dt
>>> ev = pl.DataFrame({
...     "journey_id": ["j1", "j1", "j2", "j2", "j3"],
...     "timestamp": [dt.datetime(2024, 1, 1, h, tzinfo=dt.timezone.utc) for h in (1, 2, 1, 3, 5)],
...     "input_order": [0, 1, 2, 3, 4],
...     "activity": ["order", "pay", "order", "pay", "order"],
...     "channel": ["web", "web", "app", "phone", "web"],
... })
>>> variants(ev).select("variant_id", "activities", "journeys").rows()
[(1, ['order', 'pay'], 2), (2, ['order'], 1)]
>>> process_map(ev).edges.select("from", "to", "count", "median_seconds").rows()
[('order', 'pay', 2, 5400.0)]
"""

from __future__ import annotations

from journeylog.journeys.figures import PARTS, JourneyFigures, figures_of
from journeylog.journeys.filters import dates_only, filter_events, journeys_following, utc
from journeylog.journeys.ordering import is_ordered, order_keys, ordered
from journeylog.journeys.processmap import ProcessMap, channel_switches, process_map
from journeylog.journeys.protocol import Engine
from journeylog.journeys.selection import (
    JourneyCondition,
    JourneySelection,
    Selected,
    apply_selection,
    parse_condition,
    select_journeys,
)
from journeylog.journeys.simplify import MapView, activities_to_keep, drop_weak_edges, keep_paths
from journeylog.journeys.stats import impact, journey_stats
from journeylog.journeys.variants import journey_sequences, journey_variants, variants

__all__ = [
    "PARTS",
    "Engine",
    "JourneyCondition",
    "JourneySelection",
    "JourneyFigures",
    "MapView",
    "ProcessMap",
    "Selected",
    "apply_selection",
    "activities_to_keep",
    "channel_switches",
    "dates_only",
    "drop_weak_edges",
    "figures_of",
    "filter_events",
    "impact",
    "is_ordered",
    "journey_sequences",
    "journey_stats",
    "journey_variants",
    "journeys_following",
    "keep_paths",
    "order_keys",
    "ordered",
    "parse_condition",
    "process_map",
    "select_journeys",
    "utc",
    "variants",
]
