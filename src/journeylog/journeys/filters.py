"""Filters on events: whole journeys by start date, events by channel or column value, and the
journeys of chosen variants.

>>> import polars as pl, datetime as dt
>>> ev = pl.DataFrame({"journey_id": ["a", "a", "b"], "activity": ["x", "y", "x"],
...     "channel": ["web", "phone", "web"],
...     "timestamp": [dt.datetime(2024, 1, d, tzinfo=dt.timezone.utc) for d in (1, 3, 2)]})
>>> filter_events(ev, date_from=dt.datetime(2024, 1, 2))["journey_id"].to_list()
['b']
>>> filter_events(ev, channels=["Phone"])["activity"].to_list()
['y']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from journeylog import schema as S
from journeylog.engine import backend_for

__all__ = ["dates_only", "filter_events", "journeys_following", "utc"]


def utc(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC; a naive value is taken to be UTC already.

    >>> utc(dt.datetime(2024, 1, 1, 12))
    datetime.datetime(2024, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)
    """
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def filter_events(
    events: Any,
    *,
    date_from: dt.datetime | None = None,
    date_to: dt.datetime | None = None,
    channels: Sequence[str] = (),
    where: Sequence[tuple[str, str]] = (),
    activities: Sequence[str] | None = None,
) -> Any:
    """Keep whole journeys that *start* in [``date_from``, ``date_to``), then the events on
    ``channels`` (names as given to ingest; all when empty) whose ``where`` columns equal the
    values (compared as text) and, unless None, whose activity is one of ``activities``."""
    return backend_for(events, "events").filter_events(
        events,
        starts_from=None if date_from is None else utc(date_from),
        starts_before=None if date_to is None else utc(date_to),
        channels=[S.normalise_channel_name(c) for c in channels],
        where=list(where),
        activities=None if activities is None else list(activities),
    )


def journeys_following(events: Any, variant_table: Any) -> Any:
    """The events of the journeys whose activity sequence is one of ``variant_table``'s
    ``activities`` (e.g. the variants kept by :func:`journeylog.discover.select_variants`)."""
    return backend_for(events, "events").journeys_following(events, variant_table)


def dates_only(events: Any) -> bool:
    """Whether ``events`` has a timestamp and every one is at midnight UTC (a log of dates)."""
    return bool(backend_for(events, "events").dates_only(events))
