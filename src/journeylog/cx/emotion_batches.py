"""What the emotion curve needs of the events, gathered over journey-complete batches.

:func:`journeylog.cx.emotion.emotion` reads a log (in memory: one batch; larger than memory: a
sorted store on disk, :class:`journeylog.ingest.EventSource`) in two passes of its own around
the two of :func:`journeylog.conform.conform`:

1. :func:`score_facts`, before the alignments: whether any event has a score (for the text
   sentiment: the events with a text per channel and the distinct texts, counted by a 64-bit
   hash of each text, never kept);
2. :func:`gather_scores`, after them: every event is placed on a model step
   (:func:`journeylog.cx.placement.place_events`, each batch's journeys joined to their
   variants through the conformance's journey table) and only counts are kept: the placed
   scores per step (and channel) and score (:func:`journeylog.cx.metrics.score_counts`), the
   same per step and side of a split, the placement kinds and the detractor journeys per item.

All of them add up over batches, so the figures are the same however the log is cut, and the
state is bounded by steps, distinct scores and items, not by events. Both passes are functions of
one batch merged in any order (:func:`journeylog.explain.batches.map_batches`): on a Spark
DataFrame they run on the executors (the placement table and the journeys' variants, deviations
and patterns shipped with them) and only the counts (and the distinct text hashes) come back.
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
from journeylog.explain.batches import map_batches
from journeylog.ingest import EventSource

__all__ = ["ScoreFacts", "Scores", "gather_scores", "score_facts"]

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


def _journeys(conf: Any, split_ids: pl.Series | None, detractors: bool) -> pl.DataFrame:
    """The conformance's journeys, sorted by id, with what each batch needs of them."""
    cols = [S.JOURNEY_ID, "variant_id", *(["deviations", "patterns"] if detractors else [])]
    parts = getattr(conf, "journey_parts", None)
    # without detractors the journeys and their variants are enough: the journey table (with a
    # deviation list per journey, gigabytes at 10M journeys) is not built for them
    out = (parts[0] if parts is not None and not detractors else conf.journey_table).select(cols)
    if split_ids is not None:
        out = out.with_columns(pl.col(S.JOURNEY_ID).is_in(split_ids.implode()).alias("_with"))
    return out.sort(S.JOURNEY_ID)


def _rows_of(journeys: pl.DataFrame, batch: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``journeys`` (sorted by id) of the batch's journeys: those in the range of its
    journey ids (a batch of a store), only its own when the range holds others (a partition of
    journeys spread by a hash, on Spark)."""
    ids = journeys[S.JOURNEY_ID]
    first: Any = batch[S.JOURNEY_ID].min()
    last: Any = batch[S.JOURNEY_ID].max()
    lo, hi = int(ids.search_sorted(first, "left")), int(ids.search_sorted(last, "right"))
    rows = journeys.slice(lo, hi - lo)
    own = batch[S.JOURNEY_ID].n_unique()
    return rows if rows.height <= own else rows.join(batch.select(S.JOURNEY_ID).unique(), on=S.JOURNEY_ID, how="semi")


@dataclass
class _ScorePart:
    """One batch's share of :class:`Scores`."""

    placement: dict[str, int]
    points: pl.DataFrame
    split: pl.DataFrame | None
    detractors: DetractorCounts | None


@dataclass
class _ScoresOf:
    """The second pass over one batch (pickled to Spark's executors with what it needs: the
    placement table, the journeys' rows of the conformance's journey table)."""

    placement: pl.DataFrame
    journeys: pl.DataFrame
    metric: M.Metric
    by: list[str]
    split: bool
    detractors: bool
    texts: Callable[[pl.DataFrame], pl.DataFrame] | None

    def __call__(self, batch: pl.DataFrame) -> _ScorePart:
        value = self.metric.column
        if self.texts is not None:
            batch = self.texts(batch)
        rows = _rows_of(self.journeys, batch)
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
        return _ScorePart(how, points, split, counted)


def gather_scores(source: EventSource, conf: Any, metric: M.Metric, *, by: list[str], split_ids: pl.Series | None,
                  detractors: bool, texts: Callable[[pl.DataFrame], pl.DataFrame] | None = None) -> Scores:
    """The second pass over ``source`` (see the module docstring): ``conf`` is the
    :class:`journeylog.conform.Conformance` of the same events (its alignments and journey
    table), ``by`` the groups of a point (``step``, and ``channel``), ``split_ids`` the journeys
    on the split's side (None: no split); ``texts`` adds the metric's column to a batch (the text
    sentiment; None: the log has it; it must pickle on Spark). Each batch's counts are added up
    here in any order."""
    value = metric.column
    fn = _ScoresOf(placement_table(conf.aligned), _journeys(conf, split_ids, detractors), metric, by,
                   split_ids is not None, detractors, texts)
    how: dict[str, int] = {}
    points: list[pl.DataFrame] = []
    split: list[pl.DataFrame] = []
    counted = DetractorCounts() if detractors else None
    wanted = [S.TEXT if texts is not None else value, *([S.CHANNEL] if S.CHANNEL in by else [])]
    for part in map_batches(source, fn, wanted):
        for kind, n in part.placement.items():
            how[kind] = how.get(kind, 0) + n
        points.append(part.points)
        if part.split is not None:
            split.append(part.split)
        if counted is not None and part.detractors is not None:
            counted.absorb(part.detractors)
        if len(points) >= _COMPACT:
            points = [M.merge_counts(points, value, by)]
            split = [M.merge_counts(split, value, ["step", "_with"])] if split else split
    split_by = ["step", "_with"]
    return Scores(placement=how, points=_merged(points, value, by),
                  split=_merged(split, value, split_by) if split_ids is not None else None, detractors=counted)


def _merged(parts: list[pl.DataFrame], value: str, by: list[str]) -> pl.DataFrame:
    """The score counts of the parts together (no part: no rows)."""
    if parts:
        return M.merge_counts(parts, value, by)
    return pl.DataFrame(schema={**{c: pl.Boolean if c == "_with" else pl.String for c in by}, value: pl.Float64,
                                "n": pl.Int64})
