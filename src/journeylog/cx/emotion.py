"""The emotion curve: how customers score each touchpoint of the designed journey.

:func:`emotion` aligns the log with the designed model (:func:`journeylog.conform.conform`),
places every score on the model step its event is synchronised with
(:mod:`journeylog.cx.placement`), and per step (and channel, with ``by="channel"``) gives the
figures of :func:`journeylog.cx.metrics.point_stats`. With a desired curve it ranks the gaps
worst first; ``split_by`` (a deviation id or a pattern name or id) draws the curve for journeys
with and without it, with Welch's t-test per step; ``detractors`` finds the paths and
deviations most over-represented among detractor journeys. :func:`to_json` is the contract of
``journeylog emotion --json`` (docs/emotion.md).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import polars as pl

from journeylog import schema as S
from journeylog.config.desired import DesiredCurve
from journeylog.config.metrics import Scale
from journeylog.contracts.emotion import (
    EmotionDetractors,
    EmotionOutput,
    EmotionPlacement,
    EmotionPoint,
    EmotionSentiment,
    EmotionSplit,
)
from journeylog.cx import emotion_batches as EB
from journeylog.cx import emotion_wording as W
from journeylog.cx import metrics as M
from journeylog.cx.emotion_split import detractors_table, split_curve, split_journeys
from journeylog.cx.placement import designed_order
from journeylog.errors import InvalidInput, UsageError, param
from journeylog.explain.deviations import refuse_impossible
from journeylog.ingest import EventSource
from journeylog.models import DesignedModel

__all__ = ["BY", "DEFAULT_MIN_RESPONSES", "Emotion", "EmotionOptions", "emotion", "to_json"]

DEFAULT_MIN_RESPONSES = 30
BY = ("channel",)


@dataclass(frozen=True)
class EmotionOptions:
    """``metric``: a metric name (``csat``, ``nps``, ``ces``, ``satisfaction`` or any
    ``metric_<name>`` column; None: ``csat`` when the log has it, else ``satisfaction``);
    ``scale`` overrides its scale; ``sentiment``: the curve of text sentiment instead."""

    metric: str | None = None
    scale: Scale | None = None
    desired: DesiredCurve | None = None
    by: str | None = None
    min_responses: int = DEFAULT_MIN_RESPONSES
    split_by: str | None = None
    detractors: bool = False
    sentiment: bool = False
    language: str = "en"
    on_progress: Any = field(default=None, compare=False)


@dataclass
class Emotion:
    """The result of :func:`emotion`; :func:`to_json` is its contract."""

    metric: M.Metric
    by: str | None
    min_responses: int
    journeys: int
    placement: EmotionPlacement
    points: pl.DataFrame
    desired: DesiredCurve | None
    statements: list[str]
    split: EmotionSplit | None = None
    detractors: EmotionDetractors | None = None
    sentiment: EmotionSentiment | None = None
    notes: list[str] = field(default_factory=list)


def _choose_metric(columns: list[str], opts: EmotionOptions, notes: list[str]) -> M.Metric:
    if opts.sentiment:
        if opts.metric is not None:
            raise UsageError(f"give {param('metric')} or {param('sentiment')}, not both")
        return M.resolve_metric(M.SENTIMENT, columns)
    name = opts.metric
    if name is None:
        name = "csat" if "metric_csat" in columns else S.SATISFACTION
        notes.append(f"metric: {name} (the log has: {', '.join(M.available_metrics(columns)) or 'none'})")
    return M.resolve_metric(name, columns, opts.scale)


def _check_options(opts: EmotionOptions) -> None:
    if opts.by is not None and opts.by not in BY:
        raise UsageError(f"{param('by')} must be one of {', '.join(BY)}, not {opts.by!r}")
    if opts.min_responses < 1:
        raise UsageError(f"{param('min_responses')} must be 1 or more")


def _check_scores(source: EventSource, metric: M.Metric, opts: EmotionOptions) -> EmotionSentiment | None:
    """The first pass (:func:`journeylog.cx.emotion_batches.score_facts`): an error when no
    event has a score (or a text); for the text sentiment, what it covers."""
    facts = EB.score_facts(source, metric, opts.sentiment)
    if opts.sentiment:
        if not facts.coverage:
            raise InvalidInput("no event has a text: there is nothing to score", hint="map a `text:` column in the source map")
        return cast("EmotionSentiment", {"language": opts.language, "texts_scored": facts.texts,
                                         "coverage": facts.coverage})
    if metric.column not in source.columns:  # satisfaction is canonical but optional
        have = ", ".join(M.available_metrics(source.columns)) or "none"
        raise InvalidInput(f"the log has no {metric.label} score (no column {metric.column!r})",
                           hint=f"give {param('metric')}: the log has {have}")
    if facts.scored == 0:
        raise InvalidInput(f"no event has a {metric.label} score")
    return None


def emotion(events: pl.DataFrame | EventSource, model: DesignedModel, options: EmotionOptions | None = None, *,
            conformance: Any = None) -> Emotion:
    """The emotion curve of ``events`` along ``model`` (see the module docstring). ``events`` is
    a frame of canonical events or an :class:`~journeylog.ingest.EventSource` (a log larger than
    memory is read in journey-complete batches: :mod:`journeylog.cx.emotion_batches`; the
    results are the same). ``conformance``: a :class:`journeylog.conform.Conformance` of the
    same events and model whose alignments place the scores (the report passes its own, so the
    log is aligned once); None: aligned here."""
    from journeylog.conform import ConformOptions, conform

    opts = options or EmotionOptions()
    _check_options(opts)
    source = events if isinstance(events, EventSource) else EventSource(events)
    notes: list[str] = []
    metric = _choose_metric(source.columns, opts, notes)
    sentiment = _check_scores(source, metric, opts)
    if sentiment is not None:
        notes.extend(W.coverage_sentence(c["channel"], c["share"]) for c in sentiment["coverage"])
    if opts.split_by is not None and (conformance is None or conformance.aligned is None):  # before aligning: a typo at once
        refuse_impossible(param("split_by"), opts.split_by, {*model.tasks, *source.distinct(S.ACTIVITY).drop_nulls().to_list()})
    conf = conformance if conformance is not None and conformance.aligned is not None else conform(
        source, model, ConformOptions(precision=False, settle=timedelta(0), journey_details=False))
    if conf.aligned is None or conf.variant_table is None:  # pragma: no cover - alignments always give both
        raise InvalidInput("no alignment to place the scores on")
    steps = designed_order(conf.aligned, conf.variant_table, model.tasks)
    if opts.desired is not None:
        opts.desired.check(steps, metric.scale, metric.name)
    split = split_journeys(conf, opts.split_by) if opts.split_by is not None else None
    by = ["step", S.CHANNEL] if opts.by == "channel" else ["step"]
    scores = EB.gather_scores(source, conf, metric, by=by, split=EB.Split(*split) if split else None,
                              detractors=opts.detractors,
                              texts=_texts(opts, progress=not source.distributed) if opts.sentiment else None)
    placement = _placement(scores.placement)
    if placement["after_log_move"] or placement["unplaced"]:
        notes.append(W.placement_note(placement["after_log_move"], placement["unplaced"], placement["responses"]))
    points = _points(scores.points, steps, metric, opts)
    if opts.desired is not None:
        points = _with_desired(points, opts.desired, metric)
    result = Emotion(metric, opts.by, opts.min_responses, conf.journeys, placement, points, opts.desired,
                     _statements(points, metric, opts), sentiment=sentiment, notes=notes)
    if split is not None and scores.split is not None:
        result.split = split_curve(scores.split, metric.column, conf, steps, metric, (split[0], split[1], scores.with_split))
    if scores.detractors is not None:
        result.detractors = detractors_table(scores.detractors, conf, metric)
    return result


def _texts(opts: EmotionOptions, *, progress: bool) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """A batch with the sentiment of its texts (:func:`journeylog.cx.sentiment.score_texts`),
    telling ``opts.on_progress`` when ``progress`` (not on Spark's executors: the function is
    pickled there, and scores each partition's texts)."""
    from journeylog.cx.sentiment import score_texts

    return functools.partial(score_texts, language=opts.language, on_progress=opts.on_progress if progress else None)


def _placement(how: dict[str, int]) -> EmotionPlacement:
    return {"responses": sum(how.values()), "synchronised": int(how.get("sync", 0)),
            "after_log_move": int(how.get("after", 0)), "unplaced": int(how.get("unplaced", 0))}


def _points(counts: pl.DataFrame, steps: list[str], metric: M.Metric, opts: EmotionOptions) -> pl.DataFrame:
    """One row per step (and channel), in designed order, from the score counts of the placed
    scores; steps without a score have 0 responses."""
    by = ["step", S.CHANNEL] if opts.by == "channel" else ["step"]
    stats = M.point_stats(counts, metric.column, by, metric, counted=True)
    order = pl.DataFrame({"step": steps, "_order": list(range(len(steps)))}, schema={"step": pl.String, "_order": pl.Int64})
    if opts.by == "channel":
        frame = order.join(stats, on="step", how="left").with_columns(pl.col("responses").fill_null(0))
        frame = frame.sort("_order", S.CHANNEL, nulls_last=True)
    else:
        frame = order.join(stats, on="step", how="left").with_columns(pl.col("responses").fill_null(0)).sort("_order")
        frame = frame.with_columns(pl.lit(None, pl.String).alias(S.CHANNEL))
    return frame.with_columns((pl.col("responses") < opts.min_responses).alias("thin"))


def _with_desired(points: pl.DataFrame, desired: DesiredCurve, metric: M.Metric) -> pl.DataFrame:
    table = pl.DataFrame({"step": list(desired.points), "desired": list(desired.points.values())},
                         schema={"step": pl.String, "desired": pl.Float64})
    sign = 1.0 if metric.lower_is_better else -1.0
    return points.join(table, on="step", how="left", maintain_order="left").with_columns(
        (pl.col("mean") - pl.col("desired")).alias("gap"),
        (sign * (pl.col("mean") - pl.col("desired"))).alias("shortfall"))


def ranked_gaps(points: pl.DataFrame) -> pl.DataFrame:
    """The points with a desired score and a mean, worst shortfall first (ties by step, channel)."""
    if "shortfall" not in points.columns:
        return points.clear()
    return points.filter(pl.col("shortfall").is_not_null()).sort(
        ["shortfall", "step", S.CHANNEL], descending=[True, False, False], nulls_last=True)


def _statements(points: pl.DataFrame, metric: M.Metric, opts: EmotionOptions) -> list[str]:
    """The largest gaps (up to 3), the highest and the lowest touchpoint, and the thin ones."""
    out: list[str] = []
    gaps = ranked_gaps(points)
    for i, r in enumerate(gaps.head(3).iter_rows(named=True)):
        if r["shortfall"] > 0:
            out.append(W.gap_sentence(_name(r), r["mean"], r["desired"], metric.label, largest=i == 0))
    solid = points.filter(pl.col("mean").is_not_null() & ~pl.col("thin"))
    pool = solid if solid.height >= 2 else points.filter(pl.col("mean").is_not_null())
    if pool.height >= 2:
        ordered = pool.sort(["mean", "step"], descending=[True, False])
        best, worst = ordered.row(0, named=True), ordered.row(-1, named=True)
        if metric.lower_is_better:
            best, worst = worst, best
        out.append(W.extreme_sentence(_name(best), best["mean"], metric.label, "best", best["responses"]))
        out.append(W.extreme_sentence(_name(worst), worst["mean"], metric.label, "worst", worst["responses"]))
    thin = [_name(r) for r in points.filter(pl.col("thin")).iter_rows(named=True)]
    if thin:
        out.append(W.thin_sentence(thin, opts.min_responses))
    return out


def _name(row: dict[str, Any]) -> str:
    return row["step"] if row.get(S.CHANNEL) is None else f"{row['step']} ({row[S.CHANNEL]})"


def _clean(x: Any) -> Any:
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    return x


def _point_json(r: dict[str, Any]) -> EmotionPoint:
    keys = ("ci_low", "ci_high", "top2_share", "nps", "nps_ci_low", "nps_ci_high", "promoters_share",
            "detractors_share", "desired", "gap", "shortfall")
    out: dict[str, Any] = {"step": r["step"], "channel": r.get(S.CHANNEL), "responses": int(r["responses"] or 0),
                           "mean": _clean(r["mean"]), "median": _clean(r["median"])}
    out.update({k: _clean(r.get(k)) for k in keys})
    out["thin"] = bool(r["thin"])
    order = list(EmotionPoint.__annotations__)
    return cast("EmotionPoint", {k: out[k] for k in order})


def to_json(e: Emotion) -> EmotionOutput:
    """The documented contract of ``journeylog emotion --json`` (docs/emotion.md)."""
    points = [_point_json(r) for r in e.points.iter_rows(named=True)]
    gaps = [_point_json(r) for r in ranked_gaps(e.points).iter_rows(named=True)]
    return {
        "metric": e.metric.name, "metric_label": e.metric.label,
        "scale_low": e.metric.scale.low if e.metric.scale else None,
        "scale_high": e.metric.scale.high if e.metric.scale else None,
        "lower_is_better": e.metric.lower_is_better, "by": e.by, "min_responses": e.min_responses,
        "journeys": e.journeys, "placement": e.placement, "points": points,
        "thin_points": [_name(r) for r in e.points.filter(pl.col("thin")).iter_rows(named=True)],
        "desired": e.desired.label if e.desired else None, "gaps": gaps, "statements": e.statements,
        "split": e.split, "detractors": e.detractors, "sentiment": e.sentiment, "notes": e.notes,
    }
