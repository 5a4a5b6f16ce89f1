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
"""

from __future__ import annotations

import difflib
from typing import Any, cast

import polars as pl

from journeylog import schema as S
from journeylog.contracts.emotion import DetractorItem, EmotionDetractors, EmotionSplit, EmotionSplitPoint
from journeylog.cx import emotion_wording as W
from journeylog.cx import metrics as M
from journeylog.errors import UsageError, param

__all__ = ["MIN_DETRACTOR_JOURNEYS", "SIGNIFICANCE", "TOP_DETRACTOR_ITEMS", "detractors_table", "split_curve"]

MIN_DETRACTOR_JOURNEYS = 5
TOP_DETRACTOR_ITEMS = 10
SIGNIFICANCE = 0.05


def _split_journeys(conf: Any, by: str) -> tuple[str, str, pl.Series]:
    """``(kind, name, journey ids with it)`` for a deviation id, a pattern name or a pattern id."""
    jt = conf.journey_table
    dev_ids = conf.deviations["id"].to_list() if conf.deviations.height else []
    pats = conf.patterns.select("id", "name").rows() if conf.patterns.height else []
    if by in dev_ids:
        return "deviation", by, jt.filter(pl.col("deviations").list.contains(by))[S.JOURNEY_ID]
    for pid, name in pats:
        if by in (pid, name):
            return "pattern", name, jt.filter(pl.col("patterns").list.contains(name))[S.JOURNEY_ID]
    known = dev_ids + [n for _i, n in pats]
    close = difflib.get_close_matches(by, known, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}?" if close else "the ids that `journeylog conform --json` prints, or a pattern name"
    raise UsageError(f"{param('split_by')} {by!r} is neither a deviation nor a pattern found in the log", hint=hint)


def split_curve(scored: pl.DataFrame, conf: Any, steps: list[str], metric: M.Metric, by: str) -> EmotionSplit:
    """The curve with and without ``by`` (see the module docstring)."""
    kind, name, with_ids = _split_journeys(conf, by)
    v = pl.col(metric.column)
    side = pl.col(S.JOURNEY_ID).is_in(with_ids.implode())
    stats = (scored.filter(pl.col("how") != "unplaced").with_columns(side.alias("_with"))
             .group_by("step", "_with").agg(v.len().alias("n"), v.mean().alias("mean"), v.std().alias("sd")))
    table = {(r["step"], r["_with"]): r for r in stats.iter_rows(named=True)}
    points: list[EmotionSplitPoint] = []
    significant: list[tuple[float, str, EmotionSplitPoint]] = []
    for step in steps:  # a loop over steps
        a, b = table.get((step, True)), table.get((step, False))
        na, nb = (int(a["n"]) if a else 0), (int(b["n"]) if b else 0)
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
                                   with_ids.len()) for _d, _s, pt in sorted(significant, key=lambda x: (x[0], x[1]))]
    if not statements:
        statements.append(W.no_split_difference(name, SIGNIFICANCE))
    total = conf.journey_table.height
    return {"by": name, "kind": kind, "journeys_with": with_ids.len(), "journeys_without": total - with_ids.len(),
            "points": points, "statements": statements}


def detractors_table(scored: pl.DataFrame, conf: Any, metric: M.Metric) -> EmotionDetractors:
    """Paths, deviations and patterns over-represented among detractor journeys."""
    per_journey = scored.group_by(S.JOURNEY_ID).agg(M.detractor_expr(metric, pl.col(metric.column)).any().alias("det"))
    jt = conf.journey_table.join(per_journey, on=S.JOURNEY_ID, how="inner")
    n_resp = jt.height
    n_det = int(jt["det"].sum())
    features = pl.concat([
        jt.select(S.JOURNEY_ID, "det", pl.lit("variant").alias("kind"), pl.col("variant_id").cast(pl.String).alias("id")),
        jt.select(S.JOURNEY_ID, "det", pl.lit("deviation").alias("kind"), pl.col("deviations").alias("id")).explode("id"),
        jt.select(S.JOURNEY_ID, "det", pl.lit("pattern").alias("kind"), pl.col("patterns").alias("id")).explode("id"),
    ]).drop_nulls("id")
    items: list[DetractorItem] = []
    if n_det and n_resp:
        counted = (features.group_by("kind", "id").agg(pl.col("det").sum().alias("d"), pl.len().alias("all"))
                   .filter(pl.col("d") >= MIN_DETRACTOR_JOURNEYS)
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
