"""What conformance needs of the events, gathered over journey-complete batches.

``conform`` reads a log (in memory: one batch; larger than memory: a sorted store on disk,
:class:`journeylog.ingest.EventSource`) in two passes of batches that never split a journey:

1. :func:`log_facts`: the variant table (what pm4py aligns, one trace per variant), the events
   per activity (label overlap), the last event (journeys in progress) and whether the log has
   dates only;
2. :func:`gather`: the per-journey table (variant, time span, duration, satisfaction and the
   impact score, customer, channels, in progress), the deviation counts that add up over batches
   (:func:`journeylog.explain.counting.batch_counts`: channel and outcome of the event
   each deviation points at) and the pattern matches (:class:`journeylog.explain.patterns.PatternGatherer`).

Each pass is a function of one batch whose results are merged here, in any order
(:func:`map_batches`, on :meth:`journeylog.ingest.EventSource.map_batches`): in memory and out of
core the batches are read here; on a Spark DataFrame the function runs on the executors, one call
per partition of whole journeys, and only its results (per-variant counts, per-journey rows,
deviation counts, pattern matches) reach the driver.

Everything after these passes works on per-journey and per-variant tables, bounded by the number
of journeys, not of events.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import polars as pl

from journeylog import journeys as J
from journeylog import schema as S
from journeylog.engine import default_engine
from journeylog.explain import deviations as DV
from journeylog.explain.counting import OccurrenceIndex, batch_counts, occurrence_index
from journeylog.explain.kept import Kept, gather_kept
from journeylog.explain.patterns import PatternGatherer, PatternPart
from journeylog.ingest import EventSource
from journeylog.ingest.timestamps import dates_only

__all__ = ["Gathered", "LogFacts", "batches", "gather", "in_progress_expr", "journey_table_with",
           "journey_variant_ids", "log_facts", "map_batches", "map_batches_keeping", "variant_keys",
           "with_variant_figures"]

T = TypeVar("T")
_COMPACT = 16  # merge the deviation counts of this many batches into one


def _filtered(fn: Callable[[pl.DataFrame], T], channel: str | None, batch: pl.DataFrame) -> list[T]:
    """``[fn(batch)]`` of the batch's events on ``channel`` (all when None); ``[]`` when none is left."""
    if channel is not None:
        batch = batch.filter(pl.col(S.CHANNEL) == channel)
    return [fn(batch)] if batch.height else []


def map_batches(source: EventSource, fn: Callable[[pl.DataFrame], T], columns: Sequence[str] | None = None,
                journeys: Any = None) -> Iterator[T]:
    """``fn`` of each of the source's journey-complete, ordered batches with its channel filter
    applied (the events on that channel only; :func:`journeylog.ingest.open_events` checked the
    log has it), skipping batches left empty; in no promised order (on Spark ``fn`` runs on the
    executors: it must pickle, and its results should be small). ``journeys``: a per-journey
    table whose columns each event gets (see :meth:`journeylog.ingest.EventSource.map_batches`)."""
    channel = S.normalise_channel_name(source.channel_filter) if source.channel_filter is not None else None
    wanted = None if columns is None else list(dict.fromkeys([*columns, *([S.CHANNEL] if channel else [])]))
    for results in source.map_batches(functools.partial(_filtered, fn, channel), wanted, journeys):
        yield from results


@dataclass
class _KeptApart(Generic[T]):
    """``fn`` (of one batch, returning ``(result, rows)``) with the channel filter applied, in the
    shape :func:`journeylog.ingest.event_source.keep_distributed` runs: ``([result], rows)``."""

    fn: Callable[[pl.DataFrame], tuple[T, pl.DataFrame]]
    channel: str | None

    def __call__(self, batch: pl.DataFrame) -> tuple[list[T], pl.DataFrame | None]:
        if self.channel is not None:
            batch = batch.filter(pl.col(S.CHANNEL) == self.channel)
        if not batch.height:
            return [], None
        result, rows = self.fn(batch)
        return [result], rows


def map_batches_keeping(source: EventSource, fn: Callable[[pl.DataFrame], tuple[T, pl.DataFrame]],
                        columns: Sequence[str], kept: Sequence[tuple[str, str]],
                        empty: pl.DataFrame) -> tuple[list[T], Any, Callable[[], None]]:
    """As :func:`map_batches` for a function returning ``(result, rows)`` where ``rows`` may be
    as many as the journeys: the results (in no order), all the rows (a frame of the source's
    engine: on Spark they stay on the executors, persisted, ``kept`` naming their columns and
    Spark SQL types; else one Polars frame, ``empty`` when there is none) and what frees them
    once they are read."""
    channel = S.normalise_channel_name(source.channel_filter) if source.channel_filter is not None else None
    wanted = list(dict.fromkeys([*columns, *([S.CHANNEL] if channel else [])]))
    if source.distributed:
        from journeylog.ingest.event_source import keep_distributed

        results, frame, cached = keep_distributed(source, _KeptApart(fn, channel), wanted, kept)
        return [r for part in results for r in part], frame, lambda: cached.unpersist() if cached is not None else None
    out: list[T] = []
    rows: list[pl.DataFrame] = []
    for part, got in map(_KeptApart(fn, channel), source.batches(wanted)):
        out.extend(part)
        if got is not None:
            rows.append(got)
    return out, pl.concat(rows) if rows else empty, lambda: None


def batches(source: EventSource, columns: Sequence[str] | None = None) -> Iterator[pl.DataFrame]:
    """The source's journey-complete, ordered batches with its channel filter applied, read here
    (in memory or out of core), in order. For code that also runs on Spark use :func:`map_batches`."""
    channel = S.normalise_channel_name(source.channel_filter) if source.channel_filter is not None else None
    wanted = None if columns is None else list(dict.fromkeys([*columns, *([S.CHANNEL] if channel else [])]))
    for batch in source.batches(wanted):
        yield from _filtered(lambda b: b, channel, batch)


@dataclass
class LogFacts:
    """What the first pass finds: the variant table, events per activity, the number of events,
    the last event and whether every timestamp is a date."""

    variant_table: pl.DataFrame
    activity_events: dict[str, int]
    events: int
    last: dt.datetime | None
    dates_only: bool


@dataclass
class _FactsPart:
    """One batch's share of :class:`LogFacts`: the engine's partial figures of its variants, its
    events per activity, its events, its last event and whether it has timestamps, all dates."""

    variants: Any
    activity_events: pl.DataFrame
    events: int
    last: dt.datetime | None
    dated: bool
    dates: bool


def _facts_of(activities: pl.Series, batch: pl.DataFrame) -> _FactsPart:
    """The first pass over one batch."""
    ts = batch[S.TIMESTAMP]
    dated = bool(ts.drop_nulls().len())
    variants = default_engine().partial_figures([batch], activities=activities, parts=("variants",))
    return _FactsPart(variants, batch.group_by(S.ACTIVITY).len(), batch.height,
                      ts.max() if dated else None, dated, dates_only(ts) if dated else True)  # type: ignore[arg-type]


def log_facts(source: EventSource) -> LogFacts:
    """The first pass over ``source`` (see the module docs)."""
    activities = source.distinct(S.ACTIVITY)
    parts = list(map_batches(source, functools.partial(_facts_of, activities), [S.ACTIVITY]))
    engine = default_engine()  # every batch is a Polars frame (on Spark's executors too)
    variants = functools.reduce(engine.merge, [p.variants for p in parts]) if parts else \
        engine.partial_figures([], activities=activities, parts=("variants",))
    table = engine.finish(variants).variants
    assert table is not None
    per_activity = (pl.concat([p.activity_events for p in parts]).group_by(S.ACTIVITY).agg(pl.col("len").sum())
                    .sort(S.ACTIVITY) if parts else None)
    dated = [p for p in parts if p.dated]
    return LogFacts(
        variant_table=table,
        activity_events=dict(per_activity.iter_rows()) if per_activity is not None else {},
        events=sum(p.events for p in parts),
        last=max(p.last for p in dated if p.last is not None) if dated else None,
        dates_only=bool(dated) and all(p.dates for p in dated),
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
    ``score`` (the impact metric's mean; only with one), ``customer_id``, ``channels``,
    ``in_progress``, ``settled``), the merged deviation counts and the pattern matches. With
    ``kept`` (on Spark, without details) the journeys and the pattern matches stay on the
    executors: ``journeys`` is empty (its columns only) and ``kept`` holds them."""

    journeys: pl.DataFrame
    counts: dict[str, pl.DataFrame] | None = None
    patterns: PatternGatherer | None = None
    _parts: list[dict[str, pl.DataFrame]] = field(default_factory=list)
    kept: Kept | None = None


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
    step = 100_000  # hashed a slice at a time: hashing a million lists at once held gigabytes
    parts = [variant_table.slice(start, step).select(pl.col("activities").hash().alias("_h"), "variant_id")
             for start in range(0, variant_table.height, step)]
    return pl.concat(parts) if parts else variant_table.select(pl.col("activities").hash().alias("_h"), "variant_id")


def journey_variant_ids(batch: pl.DataFrame, variant_table: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """``journey_id`` -> ``variant_id`` of one journey-complete batch, numbered by the log's
    ``variant_table`` (``keys``: its :func:`variant_keys`), as :func:`journeylog.journeys.journey_variants`
    numbers them, sorted by journey id."""
    return _journey_variants(batch, variant_table, keys)


@dataclass
class _Journeys:
    """How a batch's journeys are told apart: the variant table (with a hash per sequence,
    ``keys``) and the log's last event with the settle window (journeys in progress)."""

    variant_table: pl.DataFrame
    last: dt.datetime | None
    settle: dt.timedelta
    keys: pl.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        self.keys = variant_keys(self.variant_table)

    def settled(self, batch: pl.DataFrame, stats: pl.DataFrame) -> pl.DataFrame:
        """``journey_id``, ``variant_id`` and ``stats`` (per journey, with ``end``), with
        ``in_progress`` and ``settled``."""
        return (_journey_variants(batch, self.variant_table, self.keys).join(stats, on=S.JOURNEY_ID, how="left")
                .with_columns(in_progress_expr(self.last, self.settle).alias("in_progress"))
                .with_columns((~pl.col("in_progress")).alias("settled")))


def _journey_rows(batch: pl.DataFrame, journeys: _Journeys, metric: str | None, details: bool = True) -> pl.DataFrame:
    """The per-journey rows of one batch (see :class:`Gathered`; without ``details``, no
    ``customer_id`` and ``channels``)."""
    stats = J.journey_stats(batch).select(S.JOURNEY_ID, "start", "end", "duration_seconds", "satisfaction")
    rows = stats if metric is None else stats.join(  # without a metric the score is the satisfaction: not copied
        J.journey_stats(_scored(batch, metric)).select(S.JOURNEY_ID, pl.col("satisfaction").alias("score")),
        on=S.JOURNEY_ID, how="left")
    if details:
        rows = rows.join(_customers_and_channels(batch), on=S.JOURNEY_ID, how="left")
    return journeys.settled(batch, rows)


@dataclass
class _GatherPart:
    """One batch's share of :class:`Gathered`."""

    journeys: pl.DataFrame
    counts: dict[str, pl.DataFrame] | None
    patterns: PatternPart | None


@dataclass
class _Gatherer:
    """The second pass over one batch (pickled to Spark's executors with what it needs)."""

    journeys: _Journeys
    occurrences: OccurrenceIndex | None
    patterns: PatternGatherer | None
    metric: str | None
    examples: int
    details: bool = True

    def __call__(self, batch: pl.DataFrame) -> _GatherPart:
        jr = _journey_rows(batch, self.journeys, self.metric, self.details)
        counts = None if self.occurrences is None else batch_counts(
            jr.select(S.JOURNEY_ID, "variant_id", "settled"), self.occurrences, batch, self.examples)
        pats = self.patterns.part(_scored(batch, self.metric)) if self.patterns is not None else None
        return _GatherPart(jr, counts, pats)


def _merged_counts(parts: Iterator[dict[str, pl.DataFrame]], examples: int) -> dict[str, pl.DataFrame] | None:
    """The deviation counts of ``parts`` merged (a few batches at a time, so that they stay small)."""
    done: list[dict[str, pl.DataFrame]] = []
    for part in parts:
        done.append(part)
        if len(done) >= _COMPACT:
            done = [DV.merge_counts(done, examples)]
    return DV.merge_counts(done, examples) if done else None


def gather(
    source: EventSource,
    facts: LogFacts,
    *,
    settle: dt.timedelta,
    occurrences: pl.DataFrame | None,
    patterns: PatternGatherer | None,
    metric: str | None = None,
    examples: int = 5,
    details: bool = True,
) -> Gathered:
    """The second pass over ``source`` (see the module docs): the per-journey table (without
    ``details``, no ``customer_id`` and ``channels``: at 10M journeys they are gigabytes), and the
    deviation counts of ``occurrences`` (per-variant, :func:`journeylog.explain.deviations.occurrences_table`;
    None: none gathered) and the matches of ``patterns`` (None: none)."""
    wanted = [S.ACTIVITY, *([S.CUSTOMER_ID] if details else []), S.CHANNEL, S.OUTCOME, S.SATISFACTION,
              *([metric] if metric else []), *(patterns.wanted if patterns is not None else [])]
    occ = occurrence_index(occurrences) if occurrences is not None else None  # once, not per batch
    fn = _Gatherer(_Journeys(facts.variant_table, facts.last, settle), occ, patterns, metric, examples, details)
    rows: list[pl.DataFrame] = []

    def tapped() -> Iterator[dict[str, pl.DataFrame]]:
        for part in map_batches(source, fn, [c for c in dict.fromkeys(wanted) if c in source.columns]):
            rows.append(part.journeys)
            if patterns is not None and part.patterns is not None:
                patterns.absorb(part.patterns)
            if part.counts is not None:
                yield part.counts

    if source.distributed and not details:
        return _gather_kept(source, fn, [c for c in dict.fromkeys(wanted) if c in source.columns], metric)
    counts = _merged_counts(tapped(), examples)
    return Gathered(_in_journey_order(rows), counts, patterns)


def with_variant_figures(journeys: pl.DataFrame, per_variant: pl.DataFrame) -> pl.DataFrame:
    """``journeys`` (sorted by journey id) with their variant's figures (``fitness``, ``cost``,
    ``bwc``, ...) and ``reference`` (fits). Only the new columns are made: the journey table's
    own columns are shared, not copied by a join (at 10M journeys they are gigabytes)."""
    if not journeys[S.JOURNEY_ID].is_sorted():
        journeys = journeys.sort(S.JOURNEY_ID)
    added = journeys.select("variant_id").join(per_variant, on="variant_id", how="left", maintain_order="left")
    return journeys.hstack(added.drop("variant_id").get_columns()).with_columns(
        (pl.col("fitness") >= 1.0).fill_null(False).alias("reference"))


def _in_journey_order(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """The per-journey rows of all batches, sorted by journey id. Batches read from a store come
    in journey order: then they are only put together, not copied (at 10M journeys a sort and a
    rechunk each held a second copy of the table); on Spark they come in any order and are sorted."""
    table = pl.concat(parts, rechunk=False) if len(parts) > 1 else parts[0]
    parts.clear()
    return table if table[S.JOURNEY_ID].is_sorted() else table.sort(S.JOURNEY_ID)


def journey_table_with(jt: pl.DataFrame, journey_devs: pl.DataFrame, pat_journeys: pl.DataFrame) -> pl.DataFrame:
    """The journey table (``jt`` with its variant figures) with sorted ``deviations``
    (:func:`journeylog.explain.deviations.journey_deviations`) and ``patterns`` lists (empty, never
    null), in its documented columns (``customer_id`` and ``channels`` when ``jt`` has them)."""
    pats_per_journey = (pat_journeys.group_by(S.JOURNEY_ID).agg(pl.col("pattern").sort().alias("patterns"))
                        if pat_journeys.height else None)
    jt = jt.join(journey_devs, on=S.JOURNEY_ID, how="left")
    if pats_per_journey is not None:
        jt = jt.join(pats_per_journey, on=S.JOURNEY_ID, how="left")
    else:
        jt = jt.with_columns(pl.lit(None, pl.List(pl.String)).alias("patterns"))
    details = [c for c in (S.CUSTOMER_ID, "channels") if c in jt.columns]
    return jt.with_columns(pl.col("patterns").fill_null(pl.lit([], pl.List(pl.String)))).select(
        S.JOURNEY_ID, "variant_id", "fitness", "cost", "bwc", "start", "end", "duration_seconds", "satisfaction",
        *details, "deviations", "patterns", "in_progress").sort(S.JOURNEY_ID)


def _gather_kept(source: EventSource, fn: _Gatherer, columns: list[str], metric: str | None) -> Gathered:
    """:func:`gather` on Spark without details: the journeys and pattern matches stay there (:mod:`journeylog.explain.kept`)."""
    channel = S.normalise_channel_name(source.channel_filter) if source.channel_filter is not None else None
    if channel is not None:
        columns = list(dict.fromkeys([*columns, S.CHANNEL]))
    parts, kept = gather_kept(source, fn, columns, channel, metric)
    patterns = fn.patterns
    for part in parts:
        if patterns is not None and part.patterns is not None:
            patterns.absorb(part.patterns)
    counts = _merged_counts(iter([p.counts for p in parts if p.counts is not None]), fn.examples)
    return Gathered(kept.empty, counts, patterns, kept=kept)
