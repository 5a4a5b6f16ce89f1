"""Feelings tied to paths: the curve split by a deviation or a pattern, and what detractors share.

* :func:`split_curve`: per step, the mean score of journeys with the deviation (its id, as
  ``conform --json`` prints it) or the pattern (its name or id) against the journeys without it,
  the difference (with - without) and Welch's unequal-variances t-test (two-sided);
* :func:`detractors_table`: a journey is a *detractor journey* when one of its scores is a
  detractor's (:func:`journeylog.cx.metrics.detractor_expr`); for every variant, deviation and
  pattern, the share of detractor journeys that have it against the share of all responding
  journeys that have it, and their ratio (*lift*). Items with fewer than
  :data:`MIN_DETRACTOR_JOURNEYS` detractor journeys are left out; the rest go by lift, then
  detractor journeys, then id.

Both are built from counts that add up over parts of a log (:func:`split_counts`,
:class:`DetractorCounts`), gathered by :mod:`journeylog.cx.emotion_batches`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, cast

import polars as pl

from journeylog import schema as S
from journeylog.contracts.emotion import DetractorItem, EmotionDetractors, EmotionSplit, EmotionSplitPoint
from journeylog.cx import emotion_wording as W
from journeylog.cx import metrics as M
from journeylog.errors import UsageError, param

__all__ = ["MIN_DETRACTOR_JOURNEYS", "SIGNIFICANCE", "TOP_DETRACTOR_ITEMS", "DetractorCounts", "detractors_table",
           "split_counts", "split_curve", "split_journeys"]

MIN_DETRACTOR_JOURNEYS = 5
TOP_DETRACTOR_ITEMS = 10
SIGNIFICANCE = 0.05
_COMPACT = 16  # merge the item counts of this many parts into one


def split_journeys(conf: Any, by: str) -> tuple[str, str]:
    """``(kind, name)`` for a deviation id, a pattern name or a pattern id of ``conf``; which
    journeys have it is found in the pass over the events (:func:`journeylog.cx.emotion_batches.gather_scores`)."""
    dev_ids = conf.deviations["id"].to_list() if conf.deviations.height else []
    pats = conf.patterns.select("id", "name").rows() if conf.patterns.height else []
    if by in dev_ids:
        return "deviation", by
    for pid, name in pats:
        if by in (pid, name):
            return "pattern", name
    known = dev_ids + [n for _i, n in pats]
    close = difflib.get_close_matches(by, known, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}?" if close else "the ids that `journeylog conform --json` prints, or a pattern name"
    raise UsageError(f"{param('split_by')} {by!r} is neither a deviation nor a pattern found in the log", hint=hint)


def split_counts(placed: pl.DataFrame, value: str) -> pl.DataFrame:
    """The score counts (:func:`journeylog.cx.metrics.score_counts`) per step and side
    (``_with``: the journey has the split's deviation or pattern) of the placed scores of a
    part of the log; the counts of its parts add up."""
    return M.score_counts(placed.filter(pl.col("how") != "unplaced"), value, ["step", "_with"])


def split_curve(counts: pl.DataFrame, value: str, conf: Any, steps: list[str], metric: M.Metric,
                split: tuple[str, str, int]) -> EmotionSplit:
    """The curve with and without the deviation or pattern ``split`` (``(kind, name, journeys
    with it)``) from the :func:`split_counts` of the whole log (see the module docstring)."""
    kind, name, with_n = split
    stats = M.point_stats(counts, value, ["step", "_with"], metric, counted=True)
    table = {(r["step"], r["_with"]): r for r in stats.iter_rows(named=True)}
    points: list[EmotionSplitPoint] = []
    significant: list[tuple[float, str, EmotionSplitPoint]] = []
    for step in steps:  # a loop over steps
        a, b = table.get((step, True)), table.get((step, False))
        na, nb = (int(a["responses"]) if a else 0), (int(b["responses"]) if b else 0)
        ma, mb = (a["mean"] if a else None), (b["mean"] if b else None)
        t = p = diff = None
        if a and b and ma is not None and mb is not None:
            t, p = M.welch_test(ma, a["sd"] or 0.0, na, mb, b["sd"] or 0.0, nb)
            diff = ma - mb
        point: EmotionSplitPoint = {"step": step, "with_responses": na, "with_mean": ma, "without_responses": nb,
                                    "without_mean": mb, "difference": diff, "t": t, "p": p}
        points.append(point)
        if p is not None and p < SIGNIFICANCE and point["difference"] is not None:
            significant.append((-abs(point["difference"]), step, point))
    statements = [W.split_sentence(pt["step"], name, cast("float", pt["difference"]), metric.label, pt["p"],
                                   with_n) for _d, _s, pt in sorted(significant, key=lambda x: (x[0], x[1]))]
    if not statements:
        statements.append(W.no_split_difference(name, SIGNIFICANCE))
    total = conf.journeys
    return {"by": name, "kind": kind, "journeys_with": with_n, "journeys_without": total - with_n,
            "points": points, "statements": statements}


@dataclass
class DetractorCounts:
    """What :func:`detractors_table` needs, added up over parts of a log: per item (``kind``,
    ``id``) the detractor journeys (``d``) and the responding journeys (``all``) that have it,
    and the responding and detractor journeys."""

    items: list[pl.DataFrame] = field(default_factory=list)
    responding: int = 0
    detractors: int = 0

    def add(self, scored: pl.DataFrame, journeys: pl.DataFrame, metric: M.Metric) -> None:
        """Count the journeys of one part of the log: ``scored``, its events with a score;
        ``journeys``, their rows of the journey table (``variant_id``, ``deviations``, ``patterns``)."""
        per_journey = scored.group_by(S.JOURNEY_ID).agg(
            M.detractor_expr(metric, pl.col(metric.column)).any().alias("det"))
        jt = journeys.join(per_journey, on=S.JOURNEY_ID, how="inner")
        self.responding += jt.height
        self.detractors += int(jt["det"].sum())
        features = pl.concat([
            jt.select("det", pl.lit("variant").alias("kind"), pl.col("variant_id").cast(pl.String).alias("id")),
            jt.select("det", pl.lit("deviation").alias("kind"), pl.col("deviations").alias("id")).explode("id"),
            jt.select("det", pl.lit("pattern").alias("kind"), pl.col("patterns").alias("id")).explode("id"),
        ]).drop_nulls("id")
        self.items.append(features.group_by("kind", "id").agg(pl.col("det").sum().cast(pl.Int64).alias("d"),
                                                              pl.len().cast(pl.Int64).alias("all")))
        if len(self.items) >= _COMPACT:
            self.items = [self.merged()]

    def absorb(self, other: DetractorCounts) -> None:
        """Add the counts of another part of the log (in any order)."""
        self.responding += other.responding
        self.detractors += other.detractors
        self.items.extend(other.items)
        if len(self.items) >= _COMPACT:
            self.items = [self.merged()]

    def merged(self) -> pl.DataFrame:
        """The item counts together."""
        if not self.items:
            return pl.DataFrame(schema={"kind": pl.String, "id": pl.String, "d": pl.Int64, "all": pl.Int64})
        return pl.concat(self.items).group_by("kind", "id").agg(pl.col("d").sum(), pl.col("all").sum())


def detractors_table(counts: DetractorCounts, conf: Any, metric: M.Metric) -> EmotionDetractors:
    """Paths, deviations and patterns over-represented among detractor journeys."""
    n_resp, n_det = counts.responding, counts.detractors
    items: list[DetractorItem] = []
    if n_det and n_resp:
        counted = (counts.merged().filter(pl.col("d") >= MIN_DETRACTOR_JOURNEYS)
                   .with_columns((pl.col("d") / n_det).alias("sd"), (pl.col("all") / n_resp).alias("sa"))
                   .with_columns((pl.col("sd") / pl.col("sa")).alias("lift"))
                   .sort(["lift", "d", "kind", "id"], descending=[True, True, False, False]).head(TOP_DETRACTOR_ITEMS))
        describe = _descriptions(conf)
        for r in counted.iter_rows(named=True):
            items.append({"kind": r["kind"], "id": r["id"], "description": describe.get((r["kind"], r["id"]), r["id"]),
                          "detractor_journeys": int(r["d"]), "share_of_detractors": r["sd"],
                          "share_of_responding": r["sa"], "lift": r["lift"]})
    return {"definition": W.detractor_definition(metric), "journeys_responding": n_resp, "detractor_journeys": n_det,
            "items": items}


def _descriptions(conf: Any) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    if conf.variant_table is not None:
        for vid, acts in conf.variant_table.select("variant_id", "activities").iter_rows():
            out[("variant", str(vid))] = W.path_words(list(acts))
    return out
