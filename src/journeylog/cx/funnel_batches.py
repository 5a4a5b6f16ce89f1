"""What the funnel needs of the events, gathered over journey-complete batches.

:func:`journeylog.cx.funnel.funnel` reads a log (in memory: one batch; larger than memory: a
sorted store on disk, :class:`journeylog.ingest.EventSource`) in two passes of batches that never
split a journey:

1. :func:`log_facts`: the events and journeys, the log's last event (journeys in progress), its
   activities and channels, whether any outcome is known, the distinct journey values of each
   ``by`` column (the ``max_segments`` refusal sees the whole log) and, for the main path, the
   journeys per set of model tasks done and a histogram of the index of each task's first event;
2. :func:`gather`: per breakdown (all journeys, ``channel``, each journey attribute column) and
   group, the journeys (in progress, not started), the counts per step and the events and
   failures per step activity, all of which add up over batches; and one row per journey and
   step reached after the first (step, microseconds from the step before, channel and attribute
   values as enum codes), from which the exact quantiles are taken at the end.

Both passes are functions of one batch whose results merge in any order
(:func:`journeylog.explain.batches.map_batches`): on a Spark DataFrame they run on the executors,
one call per partition of whole journeys, and their results reach the driver; the per-journey
times of the second pass stay on the executors (persisted while their exact quantiles are picked
there: one row per group and step comes back).

What is kept is bounded by the journeys (times the steps), never by the events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from journeylog import journeys as J
from journeylog import schema as S
from journeylog.engine import backend_for, quantile_seconds
from journeylog.explain.batches import in_progress_expr, map_batches, map_batches_keeping
from journeylog.ingest import EventSource

__all__ = ["ALL", "ALL_KEY", "CHANNEL_BY", "POS", "FunnelFacts", "FunnelParts", "gather", "log_facts", "median_positions",
           "positions", "reach", "segment_key"]

#: the breakdown of all journeys (one group, named so)
ALL = "all"
#: the ``by`` value for the breakdown by the channel each step was done on
CHANNEL_BY = "channel"
POS = "_pos"
JOURNEY = "_j"
TASK = "_t"
#: the key of the breakdown of all journeys in :class:`FunnelParts` (the channel's is ``channel``)
ALL_KEY = "__funnel_all"
_COMPACT = 16  # merge the partial tables of this many batches into one
_SUMS = ("journeys", "continued", "stopped", "stopped_in_progress", "settled")


def positions(events: pl.DataFrame) -> pl.DataFrame:
    """Events in journey order with a journey code (``_j``: 0, 1, ... in journey order, a run id:
    a journey's events are contiguous), their 0-based index in the journey (``_pos``) and a channel."""
    ev = J.ordered(events)
    channel = (pl.col(S.CHANNEL).fill_null(S.UNKNOWN_CHANNEL) if S.CHANNEL in ev.columns
               else pl.lit(S.UNKNOWN_CHANNEL)).alias(S.CHANNEL)
    row = pl.int_range(pl.len())
    first_row = pl.when(pl.col(JOURNEY) != pl.col(JOURNEY).shift(1).fill_null(-1)).then(row).forward_fill()
    return ev.with_columns(channel, pl.col(S.JOURNEY_ID).rle_id().alias(JOURNEY)).with_columns(
        (row - first_row).alias(POS))


def reach(ev: pl.DataFrame, steps: Sequence[str]) -> pl.DataFrame:
    """One row per (journey, step reached) of :func:`positions`' events: ``_j``, ``step``
    (0-based), the reaching event's ``_pos``, ``timestamp`` and ``channel``, ``delta_us`` from
    the step before, and ``continued`` (it reached the next step too)."""
    parts: list[pl.DataFrame] = []
    prev: pl.DataFrame | None = None
    for k, step in enumerate(steps):
        cand = ev.filter(pl.col(S.ACTIVITY) == step).select(JOURNEY, POS, S.TIMESTAMP, S.CHANNEL)
        if prev is None:
            hit = cand.group_by(JOURNEY).agg(pl.all().sort_by(POS).first()).with_columns(
                pl.lit(None, pl.Int64).alias("delta_us"))
        else:
            hit = (prev.select(JOURNEY, pl.col(POS).alias("_prev"), pl.col(S.TIMESTAMP).alias("_prev_ts"))
                   .join(cand, on=JOURNEY).filter(pl.col(POS) > pl.col("_prev"))
                   .group_by(JOURNEY).agg(pl.all().sort_by(POS).first())
                   .with_columns((pl.col(S.TIMESTAMP) - pl.col("_prev_ts")).dt.total_microseconds().alias("delta_us"))
                   .drop("_prev", "_prev_ts"))
        hit = hit.select(JOURNEY, pl.lit(k, pl.Int32).alias("step"), POS, S.TIMESTAMP, S.CHANNEL, "delta_us")
        parts.append(hit)
        prev = hit
    out = pl.concat(parts, how="vertical")
    nxt = out.select(JOURNEY, (pl.col("step") - 1).alias("step"), pl.lit(True).alias("continued"))
    return (out.join(nxt, on=[JOURNEY, "step"], how="left")
            .with_columns(pl.col("continued").fill_null(False)))


# ----------------------------------------------------------------------------------------------
# Pass 1


@dataclass
class FunnelFacts:
    """What the first pass finds (see the module docs). ``values``: per ``by`` column, its
    distinct journey values (a journey's first non-null value; null for a journey without one);
    ``label_sets``: journeys per set of model tasks done (journeys doing none left out);
    ``first_positions``: ``activity``, ``_pos``, ``len``: how many journeys did the task first
    at that index."""

    events: int
    journeys: int
    last: dt.datetime | None
    activities: frozenset[str]
    outcome_known: bool
    channels: tuple[str, ...]
    values: dict[str, pl.Series]
    label_sets: list[tuple[frozenset[str], int]]
    first_positions: pl.DataFrame


def _journey_value(column: str, name: str) -> pl.Expr:
    """A journey's value of ``column``: its first non-null one, as text."""
    return pl.col(column).drop_nulls().first().cast(pl.String).alias(name)


def _merge(frames: list[pl.DataFrame], keys: list[str]) -> list[pl.DataFrame]:
    """``frames`` as one, summed per ``keys`` (every other column a count)."""
    if len(frames) <= 1:
        return frames
    return [pl.concat(frames).group_by(keys).agg(pl.exclude(keys).sum())]


@dataclass
class _FactsPart:
    """One batch's share of :class:`FunnelFacts` (``sets``: journeys per set of task codes;
    ``firsts``: the first-index histogram; None without tasks)."""

    events: int
    journeys: int
    last: dt.datetime | None
    activities: set[str]
    known: int
    channels: set[str]
    values: dict[str, pl.Series]
    sets: pl.DataFrame | None
    firsts: pl.DataFrame | None


@dataclass
class _FactsOf:
    """The first pass over one batch (pickled to Spark's executors)."""

    tasks: tuple[str, ...]
    columns: tuple[str, ...]

    def __call__(self, batch: pl.DataFrame) -> _FactsPart:
        ev = positions(batch)
        dated = batch[S.TIMESTAMP].drop_nulls().len() > 0
        channels = (batch[S.CHANNEL].fill_null(S.UNKNOWN_CHANNEL).unique().to_list() if S.CHANNEL in batch.columns
                    else [S.UNKNOWN_CHANNEL])
        part = _FactsPart(
            events=batch.height, journeys=int(ev[JOURNEY][-1]) + 1,
            last=batch[S.TIMESTAMP].max() if dated else None,  # type: ignore[arg-type]
            activities=set(batch[S.ACTIVITY].unique().to_list()),
            known=batch.height - batch[S.OUTCOME].null_count() if S.OUTCOME in batch.columns else 0,
            channels=set(channels),
            values={c: ev.group_by(JOURNEY).agg(_journey_value(c, c))[c].unique() for c in self.columns},
            sets=None, firsts=None)
        if self.tasks:
            first = _first_task_events(ev, pl.Enum(list(self.tasks)))
            part.sets = first.group_by(JOURNEY).agg(pl.col(TASK).to_physical().sort().alias("labels")) \
                .group_by("labels").len()
            part.firsts = first.group_by(TASK, POS).len()
        return part


def log_facts(source: EventSource, tasks: Sequence[str], columns: Sequence[str]) -> FunnelFacts:
    """The first pass over ``source``: see :class:`FunnelFacts`; ``tasks`` are the model's (none:
    no main path is looked for), ``columns`` the journey attribute columns to break down by.
    Each batch's share is merged here in any order (sums, unions, counts added per key)."""
    wanted = [c for c in (S.ACTIVITY, S.CHANNEL, S.OUTCOME, *columns) if c in source.columns]
    counts = {"events": 0, "journeys": 0, "known": 0}
    last: list[dt.datetime] = []
    activities: set[str] = set()
    channels: set[str] = set()
    values: dict[str, list[pl.Series]] = {c: [] for c in columns}
    sets: list[pl.DataFrame] = []
    firsts: list[pl.DataFrame] = []
    task = pl.Enum(list(dict.fromkeys(tasks)))
    fn = _FactsOf(tuple(dict.fromkeys(tasks)), tuple(columns))
    for part in map_batches(source, fn, wanted):
        counts["events"] += part.events
        counts["journeys"] += part.journeys
        counts["known"] += part.known
        if part.last is not None:
            last.append(part.last)
        activities.update(part.activities)
        channels.update(part.channels)
        for c in columns:
            values[c] = [pl.concat([*values[c], part.values[c]]).unique()]
        if part.sets is not None and part.firsts is not None:
            sets = _merge([*sets, part.sets], ["labels"])
            firsts.append(part.firsts)
            if len(firsts) >= _COMPACT:
                firsts = _merge(firsts, [TASK, POS])
    firsts = _merge(firsts, [TASK, POS])
    return FunnelFacts(
        events=counts["events"], journeys=counts["journeys"], last=max(last) if last else None,
        activities=frozenset(activities), outcome_known=counts["known"] > 0, channels=tuple(sorted(channels)),
        values={c: v[0] if v else pl.Series(c, [], pl.String) for c, v in values.items()},
        label_sets=[(frozenset(task.categories[i] for i in codes), int(n)) for codes, n in sets[0].rows()] if sets else [],
        first_positions=(firsts[0] if firsts else pl.DataFrame(schema={TASK: task, POS: pl.Int64, "len": pl.UInt32}))
        .select(pl.col(TASK).cast(pl.String).alias(S.ACTIVITY), POS, "len"),
    )


def _first_task_events(ev: pl.DataFrame, task: pl.Enum) -> pl.DataFrame:
    """The first event of each task in each journey of :func:`positions`' events: ``_j``, the
    task (``_t``, of the enum ``task``) and ``_pos``."""
    n = len(task.categories)
    ev = ev.filter(pl.col(S.ACTIVITY).is_in(task.categories.implode())).select(
        JOURNEY, pl.col(S.ACTIVITY).cast(task).alias(TASK), POS)
    code = pl.col(JOURNEY).cast(pl.Int64) * n + pl.col(TASK).to_physical().cast(pl.Int64)
    return ev.filter(code.is_first_distinct())  # journey order: the first is the earliest


def median_positions(histogram: pl.DataFrame) -> dict[str, float]:
    """Per activity, the median of the index of its first event over the journeys that did it,
    from the histogram (``activity``, ``_pos``, ``len``): the mean of the two middle values, as
    the median of the values themselves.

    >>> median_positions(pl.DataFrame({"activity": ["a", "a", "b"], "_pos": [0, 3, 2], "len": [1, 1, 5]}))
    {'a': 1.5, 'b': 2.0}
    """
    h = histogram.sort(S.ACTIVITY, POS).with_columns(
        pl.col("len").cast(pl.Int64).cum_sum().over(S.ACTIVITY).alias("_cum"),
        pl.col("len").cast(pl.Int64).sum().over(S.ACTIVITY).alias("_n"))

    def at(rank: pl.Expr, name: str) -> pl.DataFrame:
        return h.filter(pl.col("_cum") > rank).group_by(S.ACTIVITY).agg(pl.col(POS).min().alias(name))

    both = at((pl.col("_n") - 1) // 2, "lo").join(at(pl.col("_n") // 2, "hi"), on=S.ACTIVITY)
    return {a: (lo + hi) / 2 for a, lo, hi in both.sort(S.ACTIVITY).rows()}


# ----------------------------------------------------------------------------------------------
# Pass 2


def segment_key(index: int) -> str:
    """The key of the breakdown by the ``index``-th journey attribute column in :class:`FunnelParts`."""
    return f"__funnel_by{index}"


@dataclass
class FunnelParts:
    """What the second pass gathers, per breakdown (keyed :data:`ALL_KEY`, ``channel``,
    :func:`segment_key`): ``totals``
    (``_group``: ``journeys``, ``in_progress``, ``not_started``, ``waiting``: not started and in
    progress; not for ``channel``), ``counts`` (``_group``, ``step``: journeys, continued,
    stopped, stopped in progress, settled, and the ``median`` and ``p90`` seconds from the step
    before) and ``failures`` (``_group``, ``activity``: ``events``, ``failed_events``, null when
    the log knows no outcome). Groups are text."""

    totals: dict[str, pl.DataFrame]
    counts: dict[str, pl.DataFrame]
    failures: dict[str, pl.DataFrame]


@dataclass
class _GatherPart:
    """One batch's share of :class:`FunnelParts`: per breakdown key its totals, counts and
    failures, and the times from the step before (one row per journey and step reached after
    the first)."""

    totals: dict[str, pl.DataFrame]
    counts: dict[str, pl.DataFrame]
    failures: dict[str, pl.DataFrame]
    times: pl.DataFrame


@dataclass
class _GatherOf:
    """The second pass over one batch (pickled to Spark's executors with what it needs)."""

    steps: tuple[str, ...]
    columns: tuple[str, ...]
    keys: tuple[str, ...]
    enums: dict[str, pl.Enum]
    last: dt.datetime | None
    settle: dt.timedelta

    def __call__(self, batch: pl.DataFrame) -> _GatherPart:
        """Long by design: one group-by per breakdown for each of the three tables, side by side."""
        steps, enums = self.steps, self.enums
        step = pl.UInt16 if len(steps) < 2**16 else pl.Int32  # narrow: one row per journey and step reached
        ev = positions(batch)
        flags = ev.group_by(JOURNEY).agg(
            pl.col(S.TIMESTAMP).max().alias("end"), *[_journey_value(c, segment_key(i)) for i, c in enumerate(self.columns)],
        ).with_columns(in_progress_expr(self.last, self.settle).alias("in_progress")).drop("end")
        flags = flags.with_columns(pl.col(k).cast(e) for k, e in enums.items() if k != S.CHANNEL)
        hits = reach(ev, steps).join(flags, on=JOURNEY, how="left")
        flags = flags.with_columns(pl.col(JOURNEY).is_in(
            hits.filter(pl.col("step") == 0)[JOURNEY].implode()).alias("_started"))
        ev = ev.filter(pl.col(S.ACTIVITY).is_in(list(dict.fromkeys(steps)))).join(
            flags.drop("in_progress", "_started"), on=JOURNEY, how="left")
        failed = (pl.col(S.OUTCOME) == S.FAILURE).sum() if S.OUTCOME in ev.columns else pl.lit(0)
        out = _GatherPart({}, {}, {}, hits.filter(pl.col("delta_us").is_not_null()).select(
            pl.col("step").cast(step), "delta_us", *[pl.col(k).cast(e) for k, e in enums.items()]))
        for key in self.keys:
            group = (pl.lit(ALL) if key == ALL_KEY else pl.col(key)).alias("_group")  # text after grouping
            if key != S.CHANNEL:
                out.totals[key] = flags.group_by(group).agg(
                    pl.len().cast(pl.Int64).alias("journeys"), pl.col("in_progress").sum().cast(pl.Int64),
                    (~pl.col("_started")).sum().cast(pl.Int64).alias("not_started"),
                    (~pl.col("_started") & pl.col("in_progress")).sum().cast(pl.Int64).alias("waiting")).pipe(_text)
            out.counts[key] = hits.group_by(group, "step").agg(
                pl.len().cast(pl.Int64).alias("journeys"),
                pl.col("continued").sum().cast(pl.Int64).alias("continued"),
                (~pl.col("continued") & ~pl.col("in_progress")).sum().cast(pl.Int64).alias("stopped"),
                (~pl.col("continued") & pl.col("in_progress")).sum().cast(pl.Int64).alias("stopped_in_progress"),
                (~pl.col("in_progress")).sum().cast(pl.Int64).alias("settled")).pipe(_text)
            out.failures[key] = ev.group_by(group, S.ACTIVITY).agg(
                pl.len().cast(pl.Int64).alias("events"), failed.cast(pl.Int64).alias("failed_events")).pipe(_text)
        return out


def gather(source: EventSource, facts: FunnelFacts, steps: Sequence[str], *, settle: dt.timedelta,
           columns: Sequence[str], channel: bool) -> FunnelParts:
    """The second pass over ``source`` (see the module docs and :class:`FunnelParts`); each
    batch's tables are added up here in any order (the times are concatenated: their quantiles
    do not depend on the order)."""
    enums = {segment_key(i): pl.Enum(sorted(v for v in facts.values[c].to_list() if v is not None))
             for i, c in enumerate(columns)}
    if channel:
        enums[S.CHANNEL] = pl.Enum(list(facts.channels))
    keys = [ALL_KEY, *([S.CHANNEL] if channel else []), *(segment_key(i) for i in range(len(columns)))]
    wanted = [c for c in (S.ACTIVITY, S.CHANNEL, S.OUTCOME, *columns) if c in source.columns]
    totals: dict[str, list[pl.DataFrame]] = {key: [] for key in keys if key != S.CHANNEL}
    counts: dict[str, list[pl.DataFrame]] = {key: [] for key in keys}
    failures: dict[str, list[pl.DataFrame]] = {key: [] for key in keys}
    step = pl.UInt16 if len(steps) < 2**16 else pl.Int32
    fn = _GatherOf(tuple(steps), tuple(columns), tuple(keys), enums, facts.last, settle)
    kept = [("step", "long"), ("delta_us", "long"), *((k, "string") for k in enums)]
    empty = pl.DataFrame(schema={"step": step, "delta_us": pl.Int64, **dict.fromkeys(enums, pl.String)})
    parts, spent, release = map_batches_keeping(source, _TimesApart(fn), wanted, kept, empty)
    for part in parts:
        for key in keys:
            if key in totals:
                totals[key] = _merge([*totals[key], part.totals[key]], ["_group"])
            counts[key] = _merge([*counts[key], part.counts[key]], ["_group", "step"])
            failures[key] = _merge([*failures[key], part.failures[key]], ["_group", S.ACTIVITY])
    try:
        with_times = {key: _with_times(frames[0], spent, key) for key, frames in counts.items()}
    finally:
        release()
    return FunnelParts(
        totals={key: frames[0] for key, frames in totals.items()},
        counts=with_times,
        failures={key: frames[0].with_columns(pl.col("failed_events") if facts.outcome_known
                                              else pl.lit(None, pl.Int64).alias("failed_events"))
                  for key, frames in failures.items()},
    )


@dataclass
class _TimesApart:
    """The pass with its times apart, as :func:`journeylog.explain.batches.map_batches_keeping`
    wants them (on Spark they stay on the executors): one row per journey and step reached
    after the first, its groups as text."""

    fn: _GatherOf

    def __call__(self, batch: pl.DataFrame) -> tuple[_GatherPart, pl.DataFrame]:
        part = self.fn(batch)
        times = part.times.with_columns(pl.col(k).cast(pl.String) for k in self.fn.enums)
        part.times = times.clear()
        return part, times


def _text(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its ``_group`` as text."""
    return frame.with_columns(pl.col("_group").cast(pl.String))


def _with_times(counts: pl.DataFrame, times: Any, key: str) -> pl.DataFrame:
    """``counts`` with the median and p90 seconds from the step before per group and step (the
    quantiles of discover: :func:`journeylog.engine.quantile_seconds`) of ``times`` (a frame of
    any engine: on Spark the values are picked there, one row per group and step comes back)."""
    per = backend_for(times, "funnel times").middle_values(
        times, None if key == ALL_KEY else key, ALL, ["step"], "delta_us", [(0.5, "median"), (0.9, "p90")])
    per = per.with_columns(pl.col("step").cast(pl.Int32))
    per = per.select("_group", "step", quantile_seconds(per, 0.5, "median"), quantile_seconds(per, 0.9, "p90"))
    return counts.join(per, on=["_group", "step"], how="left", nulls_equal=True)
