"""The order of events: by journey, timestamp and input order, as ingest leaves them.

Every event-level figure reads the events in this order; :func:`ordered` makes sure of it at the
cost of one linear check when the frame already is (every frame from :mod:`journeylog.ingest`
is).

>>> import polars as pl, datetime as dt
>>> ev = pl.DataFrame({"journey_id": ["b", "a"], "timestamp": [dt.datetime(2024, 1, 1)] * 2})
>>> is_ordered(ev), ordered(ev)["journey_id"].to_list()
(False, ['a', 'b'])
"""

from __future__ import annotations

import polars as pl

from journeylog.engine import backend_for
from journeylog.engine.polars import order_keys

__all__ = ["is_ordered", "order_keys", "ordered"]


def is_ordered(events: pl.DataFrame) -> bool:
    """Whether ``events`` is sorted by (journey, timestamp, input order), as ingest leaves it.

    One linear pass, much cheaper than a sort; the order is the one ``DataFrame.sort`` gives.
    """
    return backend_for(events, "events").is_ordered(events)


def ordered(events: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """``events`` sorted by (journey, timestamp, input order): the frame itself when it already is
    (every frame from :mod:`journeylog.ingest` is), else a stably sorted copy."""
    return backend_for(events, "events").ordered(events)
