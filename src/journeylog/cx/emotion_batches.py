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
state is bounded by steps, distinct scores and items, not by events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.cx import metrics as M
from journeylog.cx.emotion_split import DetractorCounts, split_counts
from journeylog.cx.placement import place_events, placement_table
from journeylog.explain.batches import batches
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


def score_facts(source: EventSource, metric: M.Metric, sentiment: bool) -> ScoreFacts:
    """The first pass over ``source`` (see the module docstring)."""
    if not sentiment:
        if metric.column not in source.columns:
            return ScoreFacts()
        scored = sum(int(b[metric.column].is_not_null().sum()) for b in batches(source, [metric.column]))
        return ScoreFacts(scored=scored)
    from journeylog.cx.sentiment import coverage_counts, coverage_of, text_hashes

    if S.TEXT not in source.columns:
        return ScoreFacts()
    counts: list[pl.DataFrame] = []
    hashes: list[pl.Series] = []
    for batch in batches(source, [S.TEXT, S.CHANNEL]):
        counts.append(coverage_counts(batch))
        hashes.append(text_hashes(batch))
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
    out = conf.journey_table.select(cols)
    if split_ids is not None:
        out = out.with_columns(pl.col(S.JOURNEY_ID).is_in(split_ids.implode()).alias("_with"))
    return out.sort(S.JOURNEY_ID)


def _rows_of(journeys: pl.DataFrame, batch: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``journeys`` (sorted by id) in the range of the batch's journey ids."""
    ids = journeys[S.JOURNEY_ID]
    first: Any = batch[S.JOURNEY_ID].min()
    last: Any = batch[S.JOURNEY_ID].max()
    lo, hi = int(ids.search_sorted(first, "left")), int(ids.search_sorted(last, "right"))
    return journeys.slice(lo, hi - lo)


def gather_scores(source: EventSource, conf: Any, metric: M.Metric, *, by: list[str], split_ids: pl.Series | None,
                  detractors: bool, texts: Callable[[pl.DataFrame], pl.DataFrame] | None = None) -> Scores:
    """The second pass over ``source`` (see the module docstring): ``conf`` is the
    :class:`journeylog.conform.Conformance` of the same events (its alignments and journey
    table), ``by`` the groups of a point (``step``, and ``channel``), ``split_ids`` the journeys
    on the split's side (None: no split); ``texts`` adds the metric's column to a batch (the text
    sentiment; None: the log has it)."""
    placement = placement_table(conf.aligned)
    journeys = _journeys(conf, split_ids, detractors)
    value = metric.column
    how: dict[str, int] = {}
    points: list[pl.DataFrame] = []
    split: list[pl.DataFrame] = []
    counted = DetractorCounts() if detractors else None
    wanted = [S.TEXT if texts is not None else value, *([S.CHANNEL] if S.CHANNEL in by else [])]
    for batch in batches(source, wanted):
        if texts is not None:
            batch = texts(batch)
        rows = _rows_of(journeys, batch)
        scored = place_events(batch, rows.select(S.JOURNEY_ID, "variant_id"), placement).filter(
            pl.col(value).is_not_null())
        for kind, n in scored.group_by("how").len().iter_rows():
            how[kind] = how.get(kind, 0) + int(n)
        points.append(M.score_counts(scored.filter(pl.col("how") != "unplaced"), value, by))
        if split_ids is not None:
            split.append(split_counts(scored.join(rows.select(S.JOURNEY_ID, "_with"), on=S.JOURNEY_ID, how="left")
                                      .with_columns(pl.col("_with").fill_null(False)), value))
        if counted is not None:
            counted.add(scored, rows, metric)
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
