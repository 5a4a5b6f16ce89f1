"""What the emotion curve needs of the events, gathered over journey-complete batches.

:func:`journeylog.cx.emotion.emotion` reads a log (in memory: one batch; larger than memory: a
sorted store on disk, :class:`journeylog.ingest.EventSource`) in two passes of its own around
the two of :func:`journeylog.conform.conform`:

1. :func:`score_facts`, before the alignments: whether any event has a score (for the text
   sentiment: the events with a text per channel and the distinct texts, counted by a 64-bit
   hash of each text, never kept);
2. :func:`gather_scores`, after them: every event is placed on a model step
   (:func:`journeylog.cx.placement.place_events`, through its journey's variant) and only counts
   are kept: the placed scores per step (and channel) and score
   (:func:`journeylog.cx.metrics.score_counts`), the same per step and side of a split, the
   placement kinds and the detractor journeys per item. Each event comes with its journey's
   columns of the conformance (variant, settled, a flag per reported pattern:
   :func:`journeylog.explain.journey_parts.journey_flags`, joined where the journeys are held);
   a journey's deviations are its variant's (one list per variant travels with the pass).

All of them add up over batches, so the figures are the same however the log is cut, and the
state is bounded by steps, distinct scores and items, not by events. Both passes are functions of
one batch merged in any order (:func:`journeylog.explain.batches.map_batches`): on a Spark
DataFrame they run on the executors (the placement table and the per-variant deviation lists
shipped with them; the journeys' columns joined to the events on Spark, so nothing per journey
travels either way) and only the counts (and the distinct text hashes) come back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.cx import metrics as M
from journeylog.cx.emotion_split import DetractorCounts, split_counts
from journeylog.cx.placement import place_events, placement_table
from journeylog.explain import deviations as DV
from journeylog.explain.batches import map_batches
from journeylog.ingest import EventSource

__all__ = ["ScoreFacts", "Scores", "Split", "gather_scores", "score_facts"]

_COMPACT = 16  # merge the counts of this many batches into one


@dataclass
class ScoreFacts:
    """What the first pass finds: the events with a score (``scored``); for the text sentiment,
    :func:`journeylog.cx.sentiment.coverage` of the log and its distinct texts (``texts``)."""

    scored: int = 0
    coverage: list[dict[str, Any]] = field(default_factory=list)
    texts: int = 0


def _scored_events(column: str, batch: pl.DataFrame) -> int:
    """The events of one batch with a score in ``column``."""
    return int(batch[column].is_not_null().sum())


def _text_facts(batch: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
    """The text coverage counts and the distinct text hashes of one batch."""
    from journeylog.cx.sentiment import coverage_counts, text_hashes

    return coverage_counts(batch), text_hashes(batch)


def score_facts(source: EventSource, metric: M.Metric, sentiment: bool) -> ScoreFacts:
    """The first pass over ``source`` (see the module docstring): per batch, merged in any order
    (sums, the union of the text hashes)."""
    if not sentiment:
        if metric.column not in source.columns:
            return ScoreFacts()
        return ScoreFacts(scored=sum(map_batches(source, functools.partial(_scored_events, metric.column),
                                                 [metric.column])))
    from journeylog.cx.sentiment import coverage_of

    if S.TEXT not in source.columns:
        return ScoreFacts()
    counts: list[pl.DataFrame] = []
    hashes: list[pl.Series] = []
    for count, hashed in map_batches(source, _text_facts, [S.TEXT, S.CHANNEL]):
        counts.append(count)
        hashes.append(hashed)
        if len(hashes) >= _COMPACT:
            counts = [pl.concat(counts).group_by(S.CHANNEL).agg(pl.col("events").sum(), pl.col("with_text").sum())]
            hashes = [pl.concat(hashes).unique()]
    cov = coverage_of(counts)
    texts = pl.concat(hashes).n_unique() if hashes else 0
    return ScoreFacts(scored=sum(c["with_text"] for c in cov), coverage=cov, texts=texts)


@dataclass
class Scores:
    """What the second pass gathers: ``placement`` (scores per placement kind: ``sync``,
    ``after``, ``unplaced``), ``points`` (score counts per step, and channel with ``by``),
    ``split`` (score counts per step and side; None without a split) and ``detractors``
    (None unless asked)."""

    placement: dict[str, int]
    points: pl.DataFrame
    split: pl.DataFrame | None = None
    detractors: DetractorCounts | None = None
    #: the journeys of the pass, and those on the split's side
    journeys: int = 0
    with_split: int = 0


@dataclass(frozen=True)
class Split:
    """The side of the split curve a journey is on: it has deviation ``name`` (``kind``
    ``deviation``) or matched pattern ``name`` (``pattern``)."""

    kind: str
    name: str


@dataclass
class _Journeys:
    """How a batch's journeys get what the pass needs from the columns each event carries
    (``variant_id``, ``settled``, a flag per reported pattern): the deviation ids of their
    variants (``lists``: :func:`journeylog.explain.deviations.deviation_lists`, one row per
    variant; None when not needed), the pattern names of the flags (``patterns``: column, name)."""

    lists: pl.DataFrame | None
    patterns: list[tuple[str, str]]

    @property
    def columns(self) -> list[str]:
        return ["variant_id", "settled", *(col for col, _name in self.patterns)]

    def rows(self, batch: pl.DataFrame) -> pl.DataFrame:
        """One row per journey of ``batch``: ``journey_id``, ``variant_id`` and, when needed,
        ``deviations`` and ``patterns`` (sorted lists, as in conform's journey table)."""
        first = batch[S.JOURNEY_ID].ne_missing(batch[S.JOURNEY_ID].shift(1))
        rows = batch.filter(first).select(S.JOURNEY_ID, *self.columns)
        out = rows.select(S.JOURNEY_ID, "variant_id")
        if self.lists is not None:
            out = out.with_columns(DV.deviations_of_journeys(rows, self.lists)["deviations"])
        if self.patterns:
            names = pl.concat_list([pl.when(pl.col(col)).then(pl.lit(name)) for col, name in self.patterns])
            out = out.with_columns(rows.select(names.list.drop_nulls().list.sort().alias("patterns"))["patterns"])
        else:
            out = out.with_columns(pl.lit([], pl.List(pl.String)).alias("patterns"))
        return out


@dataclass
class _ScorePart:
    """One batch's share of :class:`Scores` (and its journeys, and those on the split's side)."""

    placement: dict[str, int]
    points: pl.DataFrame
    split: pl.DataFrame | None
    detractors: DetractorCounts | None
    journeys: int = 0
    with_split: int = 0


@dataclass
class _ScoresOf:
    """The second pass over one batch (pickled to Spark's executors with what it needs: the
    placement table and the per-variant deviation lists; the journeys' own columns come with
    their events)."""

    placement: pl.DataFrame
    journeys: _Journeys
    metric: M.Metric
    by: list[str]
    split: Split | None
    detractors: bool
    texts: Callable[[pl.DataFrame], pl.DataFrame] | None

    def __call__(self, batch: pl.DataFrame) -> _ScorePart:
        value = self.metric.column
        rows = self.journeys.rows(batch)
        batch = batch.drop(self.journeys.columns)
        if self.texts is not None:
            batch = self.texts(batch)
        if self.split is not None:
            rows = rows.with_columns(pl.col("deviations" if self.split.kind == "deviation" else "patterns")
                                     .list.contains(self.split.name).alias("_with"))
        scored = place_events(batch, rows.select(S.JOURNEY_ID, "variant_id"), self.placement).filter(
            pl.col(value).is_not_null())
        how = {kind: int(n) for kind, n in scored.group_by("how").len().iter_rows()}
        points = M.score_counts(scored.filter(pl.col("how") != "unplaced"), value, self.by)
        split = split_counts(scored.join(rows.select(S.JOURNEY_ID, "_with"), on=S.JOURNEY_ID, how="left")
                             .with_columns(pl.col("_with").fill_null(False)), value) if self.split else None
        counted = None
        if self.detractors:
            counted = DetractorCounts()
            counted.add(scored, rows, self.metric)
        with_split = int(rows["_with"].sum()) if self.split is not None else 0
        return _ScorePart(how, points, split, counted, rows.height, with_split)


def gather_scores(source: EventSource, conf: Any, metric: M.Metric, *, by: list[str], split: Split | None,
                  detractors: bool, texts: Callable[[pl.DataFrame], pl.DataFrame] | None = None) -> Scores:
    """The second pass over ``source`` (see the module docstring): ``conf`` is the
    :class:`journeylog.conform.Conformance` of the same events (its alignments and journeys:
    their columns come with the events, :func:`journeylog.explain.journey_parts.journey_flags`),
    ``by`` the groups of a point (``step``, and ``channel``), ``split`` the split's deviation or
    pattern (None: no split); ``texts`` adds the metric's column to a batch (the text sentiment;
    None: the log has it; it must pickle on Spark). Each batch's counts are added up here in
    any order."""
    from journeylog.explain.journey_parts import journey_flags

    value = metric.column
    need_lists = detractors or (split is not None and split.kind == "deviation")
    reported = conf.patterns.select("id", "name").rows() if conf.patterns.height and (
        detractors or (split is not None and split.kind == "pattern")) else []
    flags = [(f"_jl_pat{k}", pid, name) for k, (pid, name) in enumerate(reported)]
    occ = conf.occurrences if conf.occurrences is not None else conf.journey_parts[1]
    lists = DV.deviation_lists(occ) if need_lists else None
    fn = _ScoresOf(placement_table(conf.aligned), _Journeys(lists, [(c, n) for c, _p, n in flags]), metric, by,
                   split, detractors, texts)
    how: dict[str, int] = {}
    points: list[pl.DataFrame] = []
    split_parts: list[pl.DataFrame] = []
    counted = DetractorCounts() if detractors else None
    journeys = with_split = 0
    wanted = [S.TEXT if texts is not None else value, *([S.CHANNEL] if S.CHANNEL in by else [])]
    for part in map_batches(source, fn, wanted, journeys=journey_flags(conf, flags)):
        for kind, n in part.placement.items():
            how[kind] = how.get(kind, 0) + n
        points.append(part.points)
        journeys += part.journeys
        with_split += part.with_split
        if part.split is not None:
            split_parts.append(part.split)
        if counted is not None and part.detractors is not None:
            counted.absorb(part.detractors)
        if len(points) >= _COMPACT:
            points = [M.merge_counts(points, value, by)]
            split_parts = [M.merge_counts(split_parts, value, ["step", "_with"])] if split_parts else split_parts
    split_by = ["step", "_with"]
    return Scores(placement=how, points=_merged(points, value, by),
                  split=_merged(split_parts, value, split_by) if split is not None else None, detractors=counted,
                  journeys=journeys, with_split=with_split)


def _merged(parts: list[pl.DataFrame], value: str, by: list[str]) -> pl.DataFrame:
    """The score counts of the parts together (no part: no rows)."""
    if parts:
        return M.merge_counts(parts, value, by)
    return pl.DataFrame(schema={**{c: pl.Boolean if c == "_with" else pl.String for c in by}, value: pl.Float64,
                                "n": pl.Int64})
