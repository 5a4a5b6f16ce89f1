"""Event-level analytics in Polars: variants, the directly-follows process map, channel switches.

Everything here is dataframe work on the canonical event table (see :mod:`journeylog.schema`),
which is sorted by (journey, timestamp, input order). No Python loop touches events: pm4py later
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

from dataclasses import dataclass

import polars as pl

from journeylog.schema import ACTIVITY, CHANNEL, CUSTOMER_ID, INPUT_ORDER, JOURNEY_ID, TIMESTAMP

# Separator used only to give variants a total, deterministic order; activity names with
# control characters are rejected at ingest, so it cannot occur inside a name.
_SEQ_SEP = "\x1f"


def _sorted(events: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    lf = events.lazy()
    names = lf.collect_schema().names()
    keys = [JOURNEY_ID, TIMESTAMP] + ([INPUT_ORDER] if INPUT_ORDER in names else [])
    return lf.sort(keys, maintain_order=True)


def journey_sequences(events: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """One row per journey: ``journey_id``, ``activities`` (list, in time order)."""
    return (
        _sorted(events)
        .group_by(JOURNEY_ID, maintain_order=True)
        .agg(pl.col(ACTIVITY).alias("activities"))
    )


def variants(events: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The distinct activity sequences with how many journeys follow each.

    Columns: ``variant_id`` (1 = most frequent), ``activities`` (list[str]), ``journeys``,
    ``share`` (of all journeys), ``cumulative_share``. Sorted by journeys (descending), ties
    broken by the activity sequence, so the order, and the ids, are deterministic.
    """
    seqs = journey_sequences(events)
    out = (
        seqs.group_by("activities")
        .agg(pl.len().alias("journeys"))
        .with_columns(pl.col("activities").list.join(_SEQ_SEP).alias("_key"))
        .sort(["journeys", "_key"], descending=[True, False])
        .drop("_key")
        .collect()
    )
    total = int(out["journeys"].sum()) if out.height else 0
    return out.with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).alias("variant_id"),
        pl.col("journeys").cast(pl.UInt64),
        (pl.col("journeys") / total if total else pl.lit(0.0)).alias("share"),
        (pl.col("journeys").cum_sum() / total if total else pl.lit(0.0)).alias("cumulative_share"),
    ).select("variant_id", "activities", "journeys", "share", "cumulative_share")


def journey_variants(events: pl.DataFrame | pl.LazyFrame, variant_table: pl.DataFrame | None = None) -> pl.DataFrame:
    """``journey_id`` -> ``variant_id`` for every journey, sorted by journey id (the order in
    which pm4py sees the cases of a DataFrame)."""
    table = variants(events) if variant_table is None else variant_table
    return (
        journey_sequences(events)
        .join(table.lazy().select("activities", "variant_id"), on="activities", how="left", maintain_order="left")
        .select(JOURNEY_ID, "variant_id")
        .sort(JOURNEY_ID)
        .collect()
    )


@dataclass(frozen=True)
class ProcessMap:
    """The directly-follows process map, with frequency and timing.

    * ``activities``: ``activity``, ``count`` (events), ``journeys`` (journeys containing it),
      ``channel`` (the channel it happens on most; ties by name), ``channels`` (all, by count).
    * ``edges``: ``from``, ``to``, ``count``, ``median_seconds``, ``p90_seconds``.
    * ``start`` / ``end``: ``activity``, ``count`` (journeys starting / ending with it).
    Frames are sorted by count (descending), then by name.
    """

    activities: pl.DataFrame
    edges: pl.DataFrame
    start: pl.DataFrame
    end: pl.DataFrame


def _next_event(lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.with_columns(
        pl.col(ACTIVITY).shift(-1).over(JOURNEY_ID).alias("_next_activity"),
        pl.col(TIMESTAMP).shift(-1).over(JOURNEY_ID).alias("_next_timestamp"),
    )


def _seconds(expr: pl.Expr) -> pl.Expr:
    return expr.dt.total_microseconds().cast(pl.Float64) / 1_000_000


def process_map(events: pl.DataFrame | pl.LazyFrame) -> ProcessMap:
    """Directly-follows counts, median and p90 times, start and end activities (all in Polars)."""
    lf = _sorted(events)
    names = lf.collect_schema().names()
    has_channel = CHANNEL in names
    pairs = _next_event(lf).filter(pl.col("_next_activity").is_not_null())
    edges = (
        pairs.with_columns(_seconds(pl.col("_next_timestamp") - pl.col(TIMESTAMP)).alias("_dt"))
        .group_by(pl.col(ACTIVITY).alias("from"), pl.col("_next_activity").alias("to"))
        .agg(
            pl.len().cast(pl.UInt64).alias("count"),
            pl.col("_dt").median().alias("median_seconds"),
            pl.col("_dt").quantile(0.9, interpolation="linear").alias("p90_seconds"),
        )
        .sort(["count", "from", "to"], descending=[True, False, False])
    )
    firsts = lf.group_by(JOURNEY_ID).agg(pl.col(ACTIVITY).first().alias("activity"), pl.col(ACTIVITY).last().alias("_last"))
    start = firsts.group_by("activity").agg(pl.len().cast(pl.UInt64).alias("count")).sort(["count", "activity"], descending=[True, False])
    end = (
        firsts.group_by(pl.col("_last").alias("activity"))
        .agg(pl.len().cast(pl.UInt64).alias("count"))
        .sort(["count", "activity"], descending=[True, False])
    )
    channel_col = pl.col(CHANNEL) if has_channel else pl.lit("unknown")
    per_channel = (
        lf.group_by(ACTIVITY, channel_col.alias("_ch"))
        .agg(pl.len().alias("_n"))
        .sort(["_n", "_ch"], descending=[True, False])
        .group_by(ACTIVITY, maintain_order=True)
        .agg(pl.col("_ch").first().alias("channel"), pl.col("_ch").alias("channels"))
    )
    acts = (
        lf.group_by(ACTIVITY)
        .agg(pl.len().cast(pl.UInt64).alias("count"), pl.col(JOURNEY_ID).n_unique().cast(pl.UInt64).alias("journeys"))
        .join(per_channel, on=ACTIVITY, how="left")
        .sort(["count", ACTIVITY], descending=[True, False])
    )
    a, e, s, en = pl.collect_all([acts, edges, start, end])
    return ProcessMap(activities=a, edges=e, start=s, end=en)


def channel_switches(events: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Consecutive events of a journey on different channels: ``from``, ``to``, ``count``,
    ``journeys``, ``median_seconds`` (time between the two events). Sorted by count, then names."""
    lf = _sorted(events).with_columns(
        pl.col(CHANNEL).shift(-1).over(JOURNEY_ID).alias("_next_channel"),
        pl.col(TIMESTAMP).shift(-1).over(JOURNEY_ID).alias("_next_timestamp"),
    )
    return (
        lf.filter(pl.col("_next_channel").is_not_null() & (pl.col("_next_channel") != pl.col(CHANNEL)))
        .with_columns(_seconds(pl.col("_next_timestamp") - pl.col(TIMESTAMP)).alias("_dt"))
        .group_by(pl.col(CHANNEL).alias("from"), pl.col("_next_channel").alias("to"))
        .agg(
            pl.len().cast(pl.UInt64).alias("count"),
            pl.col(JOURNEY_ID).n_unique().cast(pl.UInt64).alias("journeys"),
            pl.col("_dt").median().alias("median_seconds"),
        )
        .sort(["count", "from", "to"], descending=[True, False, False])
        .collect()
    )


def summary(events: pl.DataFrame | pl.LazyFrame) -> dict[str, object]:
    """Counts and time span: events, journeys, customers, activities, channels, first, last."""
    lf = events.lazy()
    names = lf.collect_schema().names()
    row = lf.select(
        pl.len().alias("events"),
        pl.col(JOURNEY_ID).n_unique().alias("journeys"),
        (pl.col(CUSTOMER_ID).n_unique() if CUSTOMER_ID in names else pl.col(JOURNEY_ID).n_unique()).alias("customers"),
        pl.col(ACTIVITY).n_unique().alias("activities"),
        (pl.col(CHANNEL).n_unique() if CHANNEL in names else pl.lit(0)).alias("channels"),
        pl.col(TIMESTAMP).min().alias("first"),
        pl.col(TIMESTAMP).max().alias("last"),
    ).collect().row(0, named=True)
    return row


def journey_stats(events: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """One row per journey: ``journey_id``, ``start``, ``end``, ``duration_seconds``, ``events``,
    ``satisfaction`` (mean of the scores given in the journey, null when none)."""
    lf = events.lazy()
    names = lf.collect_schema().names()
    sat = pl.col("satisfaction").mean() if "satisfaction" in names else pl.lit(None, pl.Float64)
    return (
        lf.group_by(JOURNEY_ID)
        .agg(
            pl.col(TIMESTAMP).min().alias("start"),
            pl.col(TIMESTAMP).max().alias("end"),
            pl.len().cast(pl.UInt64).alias("events"),
            sat.alias("satisfaction"),
        )
        .with_columns(_seconds(pl.col("end") - pl.col("start")).alias("duration_seconds"))
        .sort(JOURNEY_ID)
        .collect()
    )


def impact(stats: pl.DataFrame, affected: pl.Series | list[str], reference: pl.Series | list[str]) -> dict[str, float | None]:
    """How affected journeys differ from reference journeys (usually those that fit the design).

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
