"""What conformance needs of the events, gathered over journey-complete batches.

``conform`` reads a log (in memory: one batch; larger than memory: a sorted store on disk,
:class:`journeylog.ingest.EventSource`) in two passes of batches that never split a journey:

1. :func:`log_facts`: the variant table (what pm4py aligns, one trace per variant), the events
   per activity (label overlap), the last event (journeys in progress) and whether the log has
   dates only;
2. :func:`gather`: the per-journey table (variant, time span, duration, satisfaction and the
   impact score, customer, channels, in progress), the deviation counts that add up over batches
   (:func:`journeylog.explain.deviations.occurrence_counts`: channel and outcome of the event
   each deviation points at) and the pattern matches (:class:`journeylog.explain.patterns.PatternGatherer`).

Everything after these passes works on per-journey and per-variant tables, bounded by the number
of journeys, not of events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import polars as pl

from journeylog import journeys as J
from journeylog import schema as S
from journeylog.explain import deviations as DV
from journeylog.explain.patterns import PatternGatherer
from journeylog.ingest import EventSource
from journeylog.ingest.timestamps import dates_only

__all__ = ["Gathered", "LogFacts", "batches", "deviation_counts", "gather", "in_progress_expr", "journey_variant_ids",
           "log_facts", "variant_keys"]

_COMPACT = 16  # merge the deviation counts of this many batches into one


def batches(source: EventSource, columns: Sequence[str] | None = None) -> Iterator[pl.DataFrame]:
    """The source's journey-complete, ordered batches with its channel filter applied (the
    events on that channel only; :func:`journeylog.ingest.open_events` checked the log has it)."""
    channel = S.normalise_channel_name(source.channel_filter) if source.channel_filter is not None else None
    wanted = None if columns is None else list(dict.fromkeys([*columns, *([S.CHANNEL] if channel else [])]))
    for batch in source.batches(wanted):
        if channel is not None:
            batch = batch.filter(pl.col(S.CHANNEL) == channel)
        if batch.height:
            yield batch


@dataclass
class LogFacts:
    """What the first pass finds: the variant table, events per activity, the number of events,
    the last event and whether every timestamp is a date."""

    variant_table: pl.DataFrame
    activity_events: dict[str, int]
    events: int
    last: dt.datetime | None
    dates_only: bool


def log_facts(source: EventSource) -> LogFacts:
    """The first pass over ``source`` (see the module docs)."""
    counts: list[pl.DataFrame] = []
    seen = {"events": 0, "dated": 0, "dates": True}
    last: list[dt.datetime] = []

    def tapped() -> Iterator[pl.DataFrame]:
        for batch in batches(source, [S.ACTIVITY]):
            counts.append(batch.group_by(S.ACTIVITY).len())
            seen["events"] += batch.height
            ts = batch[S.TIMESTAMP]
            if ts.drop_nulls().len():
                seen["dated"] += 1
                seen["dates"] = seen["dates"] and dates_only(ts)
                last.append(ts.max())  # type: ignore[arg-type]
            yield batch

    figures = J.JourneyFigures.of_batches(tapped(), activities=source.distinct(S.ACTIVITY), parts=("variants",))
    table = figures.variant_table()
    per_activity = pl.concat(counts).group_by(S.ACTIVITY).agg(pl.col("len").sum()) if counts else None
    return LogFacts(
        variant_table=table,
        activity_events=dict(per_activity.iter_rows()) if per_activity is not None else {},
        events=int(seen["events"]),
        last=max(last) if last else None,
        dates_only=bool(seen["dated"]) and bool(seen["dates"]),
    )


def in_progress_expr(last: dt.datetime | None, settle: dt.timedelta) -> pl.Expr:
    """Whether a journey (its ``end``) is in progress: its last event lies within ``settle`` of
    the log's ``last`` event (inclusive); never when ``settle`` is 0."""
    if settle <= dt.timedelta(0) or last is None:
        return pl.lit(False)
    return pl.col("end") >= pl.lit(last) - pl.lit(settle)


@dataclass
class Gathered:
    """What the second pass gathers: ``journeys`` (one row per journey, sorted by journey id:
    ``journey_id``, ``variant_id``, ``start``, ``end``, ``duration_seconds``, ``satisfaction``,
    ``score`` (the impact metric's mean, else the satisfaction), ``customer_id``, ``channels``,
    ``in_progress``, ``settled``), the merged deviation counts and the pattern matches."""

    journeys: pl.DataFrame
    counts: dict[str, pl.DataFrame] | None = None
    patterns: PatternGatherer | None = None
    _parts: list[dict[str, pl.DataFrame]] = field(default_factory=list)


def _customers_and_channels(events: pl.DataFrame) -> pl.DataFrame:
    """Per journey: its customer (the first one named) and the channels it used, in order of
    first use (events are sorted by journey and time)."""
    names = events.columns
    customer = (pl.col(S.CUSTOMER_ID).drop_nulls().first() if S.CUSTOMER_ID in names
                else pl.lit(None, pl.String)).alias(S.CUSTOMER_ID)
    channels = (pl.col(S.CHANNEL).drop_nulls().unique(maintain_order=True) if S.CHANNEL in names
                else pl.lit([], pl.List(pl.String)).first()).alias("channels")
    return events.group_by(S.JOURNEY_ID).agg(customer, channels)


def _scored(batch: pl.DataFrame, metric: str | None) -> pl.DataFrame:
    """The batch with the ``metric`` column as its satisfaction (the impact figures compare it)."""
    return batch if metric is None else batch.with_columns(pl.col(metric).cast(pl.Float64).alias(S.SATISFACTION))


def _journey_variants(batch: pl.DataFrame, variant_table: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """``journey_id`` -> ``variant_id`` of one batch (as :func:`journeylog.journeys.journey_variants`),
    joined on a 64-bit hash of each sequence (``keys``: ``_h``, ``variant_id``) instead of on
    the lists (millions of variants are not hashed again per batch); every journey's sequence is
    then compared with its variant's, and a collision falls back to the join on the lists."""
    seqs = J.journey_sequences(batch).collect()
    out = seqs.with_columns(pl.col("activities").hash().alias("_h")).join(keys, on="_h", how="left")
    exact = out.height == seqs.height and bool(out.select(
        (pl.col("activities") == pl.lit(variant_table["activities"]).gather(pl.col("variant_id").cast(pl.Int64) - 1))
        .fill_null(False).all()).item())
    if not exact:
        return J.journey_variants(batch, variant_table)
    return out.select(S.JOURNEY_ID, pl.col("variant_id").cast(variant_table["variant_id"].dtype)).sort(S.JOURNEY_ID)


def variant_keys(variant_table: pl.DataFrame) -> pl.DataFrame:
    """``_h`` (a 64-bit hash of each sequence), ``variant_id``: made once per log for
    :func:`journey_variant_ids`."""
    return variant_table.select(pl.col("activities").hash().alias("_h"), "variant_id")


def journey_variant_ids(batch: pl.DataFrame, variant_table: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """``journey_id`` -> ``variant_id`` of one journey-complete batch, numbered by the log's
    ``variant_table`` (``keys``: its :func:`variant_keys`), as :func:`journeylog.journeys.journey_variants`
    numbers them, sorted by journey id."""
    return _journey_variants(batch, variant_table, keys)


def _journey_rows(batch: pl.DataFrame, variant_table: pl.DataFrame, keys: pl.DataFrame, in_progress: pl.Expr,
                  metric: str | None) -> pl.DataFrame:
    """The per-journey rows of one batch (see :class:`Gathered`)."""
    stats = J.journey_stats(batch).select(S.JOURNEY_ID, "start", "end", "duration_seconds", "satisfaction")
    score = (J.journey_stats(_scored(batch, metric)).select(S.JOURNEY_ID, pl.col("satisfaction").alias("score"))
             if metric is not None else stats.select(S.JOURNEY_ID, pl.col("satisfaction").alias("score")))
    return (
        _journey_variants(batch, variant_table, keys)
        .join(stats, on=S.JOURNEY_ID, how="left")
        .join(score, on=S.JOURNEY_ID, how="left")
        .join(_customers_and_channels(batch), on=S.JOURNEY_ID, how="left")
        .with_columns(in_progress.alias("in_progress"))
        .with_columns((~pl.col("in_progress")).alias("settled"))
    )


def gather(
    source: EventSource,
    facts: LogFacts,
    *,
    settle: dt.timedelta,
    occurrences: pl.DataFrame | None,
    patterns: PatternGatherer | None,
    metric: str | None = None,
    examples: int = 5,
) -> Gathered:
    """The second pass over ``source`` (see the module docs): the per-journey table, and the
    deviation counts of ``occurrences`` (per-variant, :func:`journeylog.explain.deviations.occurrences_table`;
    None: none gathered) and the matches of ``patterns`` (None: none)."""
    in_progress = in_progress_expr(facts.last, settle)
    rows: list[pl.DataFrame] = []
    parts: list[dict[str, pl.DataFrame]] = []
    keys = variant_keys(facts.variant_table)
    wanted = [S.ACTIVITY, S.CUSTOMER_ID, S.CHANNEL, S.OUTCOME, S.SATISFACTION, *([metric] if metric else []),
              *(patterns.wanted if patterns is not None else [])]
    for batch in batches(source, [c for c in dict.fromkeys(wanted) if c in source.columns]):
        jr = _journey_rows(batch, facts.variant_table, keys, in_progress, metric)
        rows.append(jr)
        if occurrences is not None:
            parts.append(DV.occurrence_counts(
                DV.journey_occurrences(jr.select(S.JOURNEY_ID, "variant_id", "settled"), occurrences, batch), examples))
            if len(parts) >= _COMPACT:
                parts = [DV.merge_counts(parts, examples)]
        if patterns is not None:
            patterns.add(_scored(batch, metric))
    journeys = (pl.concat(rows) if len(rows) > 1 else rows[0]).sort(S.JOURNEY_ID).rechunk()
    counts = DV.merge_counts(parts, examples) if parts else None
    return Gathered(journeys, counts, patterns)


def deviation_counts(source: EventSource, journeys: pl.DataFrame, occurrences: pl.DataFrame,
                     examples: int = 5) -> dict[str, pl.DataFrame]:
    """The deviation counts alone (a pass of their own when the alignments come after the
    journey table, as for token replay): ``journeys`` gives each journey's variant and whether
    it is settled."""
    parts: list[dict[str, pl.DataFrame]] = []
    keys = journeys.select(S.JOURNEY_ID, "variant_id", "settled")
    for batch in batches(source, [c for c in (S.CHANNEL, S.OUTCOME) if c in source.columns]):
        jv = keys.join(batch.select(pl.col(S.JOURNEY_ID).unique()), on=S.JOURNEY_ID, how="semi")
        parts.append(DV.occurrence_counts(DV.journey_occurrences(jv, occurrences, batch), examples))
        if len(parts) >= _COMPACT:
            parts = [DV.merge_counts(parts, examples)]
    return DV.merge_counts(parts, examples)
