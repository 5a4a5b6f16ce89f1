"""Journeys and duplicates: journey ids from a journey column or cut from each customer's
timeline at gaps, exact duplicate events counted (and dropped), canonical types and order.

>>> import polars as pl, datetime as dt
>>> ev = pl.DataFrame({"customer_id": ["c"] * 3, "input_order": [0, 1, 2],
...                    "timestamp": [dt.datetime(2024, 1, d) for d in (1, 2, 20)]})
>>> cut_journeys(ev, parse_gap("7d")).collect()["journey_id"].to_list()
['c#1', 'c#1', 'c#2']
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from journeylog import schema as S
from journeylog.config.yamldoc import parse_duration
from journeylog.errors import UsageError

__all__ = ["cut_journeys", "drop_duplicate_events", "finish", "format_gap", "parse_gap"]


def cut_journeys(events: pl.DataFrame | pl.LazyFrame, gap: timedelta) -> pl.LazyFrame:
    """Cut each customer's timeline into journeys at gaps longer than ``gap``.

    Journey ids are ``<customer_id>#<n>`` with n = 1, 2, ... in time order.
    """
    keys = [S.CUSTOMER_ID, S.TIMESTAMP, S.INPUT_ORDER]
    lf = events.lazy().sort(keys)
    new = (pl.col(S.TIMESTAMP).diff().over(S.CUSTOMER_ID) > pl.lit(gap)).fill_null(True)
    n = new.cast(pl.UInt32).cum_sum().over(S.CUSTOMER_ID)
    return lf.with_columns((pl.col(S.CUSTOMER_ID) + "#" + n.cast(pl.String)).alias(S.JOURNEY_ID))


def _duplicates(events: pl.DataFrame, drop: bool) -> tuple[pl.DataFrame, int]:
    """Count (and with ``drop`` remove) exact duplicate events of a sorted frame.

    Exact duplicates share journey and timestamp, so after the sort they sit in runs of equal
    (journey, timestamp), in input order: only rows of such runs can repeat another row.
    """
    j, t = pl.col(S.JOURNEY_ID), pl.col(S.TIMESTAMP)
    tied = ((j == j.shift(1)) & (t == t.shift(1))).fill_null(False)
    candidates = events.with_row_index("_i").filter(tied | tied.shift(-1).fill_null(False))
    if not candidates.height:
        return events, 0
    content = [c for c in events.columns if c not in (S.SOURCE_ROW, S.INPUT_ORDER)]
    repeated = candidates.filter(~pl.struct(content).is_first_distinct())["_i"]
    if drop and repeated.len():
        events = events.with_row_index("_i").filter(~pl.col("_i").is_in(repeated.implode())).drop("_i")
    return events, repeated.len()


def drop_duplicate_events(events: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """``events`` (sorted by journey, timestamp, input order) without exact duplicate events,
    and how many were dropped."""
    return _duplicates(events, True)


def finish(frames: list[pl.DataFrame], use_case: bool, gap: timedelta, drop_duplicates: bool, *,
           numbered: bool = False) -> tuple[pl.DataFrame, int]:
    """Journeys, duplicates, canonical types and order for normalised rows (``numbered``: the rows
    already carry their ``input_order``). Returns the events and the number of exact duplicates."""
    events = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    if not numbered:
        events = events.with_columns(pl.int_range(0, pl.len(), dtype=pl.UInt64).alias(S.INPUT_ORDER))
    if use_case:
        events = events.with_columns(pl.col("_case").alias(S.JOURNEY_ID), pl.coalesce("_customer", "_case").alias(S.CUSTOMER_ID))
    else:
        events = events.with_columns(pl.col("_customer").alias(S.CUSTOMER_ID))
        events = cut_journeys(events, gap).collect()
    events = events.drop("_case", "_customer")
    attrs = [c for c in events.columns if c not in S.SCHEMA]
    events = events.select([pl.col(c).cast(t) for c, t in S.SCHEMA.items()] + [pl.col(c) for c in attrs])
    return _duplicates(canonical_order(events), drop_duplicates)


def canonical_order(events: pl.DataFrame) -> pl.DataFrame:
    """``events`` as ``events.sort(["journey_id", "timestamp", "input_order"])`` orders them
    (``input_order`` distinct, timestamps present): the frame itself when it is already in that
    order; when its rows come in (timestamp, input order) order, as exports sorted by time do,
    each journey's rows as they come, journey after journey (a group-by on the id keeps its rows'
    order; only the distinct ids are sorted, a missing one first as in that sort); else that sort."""
    if events.height < 2:
        return events
    j, t, i = (pl.col(c) for c in S.SORT_KEYS)

    def after(*keys: pl.Expr) -> pl.Expr:  # each row before the next one by these keys (lexicographic)
        later = keys[-1] < keys[-1].shift(-1)
        for k in reversed(keys[:-1]):
            later = (k < k.shift(-1)) | ((k == k.shift(-1)) & later)
        return later.slice(0, pl.len() - 1).fill_null(False).all()

    in_order, by_time = events.select(after(j, t, i), after(t, i)).row(0)
    if in_order and not events[S.JOURNEY_ID].null_count():
        return events
    if by_time:
        rows = events.select(j).with_row_index("_row").group_by(S.JOURNEY_ID).agg("_row")
        return events[rows.sort(S.JOURNEY_ID)["_row"].explode()]
    return events.sort(list(S.SORT_KEYS))


def format_gap(gap: timedelta) -> str:
    """The gap in the largest whole unit.

    >>> format_gap(timedelta(hours=36)), format_gap(timedelta(days=30))
    ('36h', '30d')
    """
    secs = int(gap.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs % size == 0:
            return f"{secs // size}{unit}"
    return f"{secs}s"


def parse_gap(text: str) -> timedelta:
    """``30d``, ``12h``, ``90min``, ``2w`` -> timedelta (a usage error otherwise).

    >>> parse_gap("30d")
    datetime.timedelta(days=30)
    """
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
