"""Conform: actual journeys against the designed journey.

:func:`conform` aligns one trace per variant with the designed model (pm4py, via
:mod:`journeylog.mining`), weights the results back by how many journeys follow each variant,
and explains the differences (:mod:`journeylog.explain.deviations`, :mod:`journeylog.explain.patterns`). The
figures equal pm4py's on the full log: ``fitness`` = ``fitness_alignments(...)["log_fitness"]``,
``fitting_share`` = ``percentage_of_fitting_traces / 100``, ``precision`` =
``precision_alignments``.

An allow-list (:func:`load_allow`) marks deviations and patterns the team has accepted: they are
reported apart (``accepted: true``) and left out of the figures that checks use
(``fitting_share_accepted``, share thresholds, new-deviation checks).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, cast

import polars as pl

from journeylog import journeys as J
from journeylog import mining
from journeylog import schema as S
from journeylog.config import allow as config_allow
from journeylog.config.allow import Allow
from journeylog.config.rules import RuleSet
from journeylog.contracts.outputs import ConformOutput, Deviation, PatternFound, UnknownActivity, UnseenTask
from journeylog.errors import InvalidInput, UsageError, param
from journeylog.explain import deviations as DV
from journeylog.explain import patterns
from journeylog.models import DesignedModel, label_check

__all__ = ["METHODS", "Allow", "ConformOptions", "Conformance", "conform", "load_allow", "to_json"]

METHODS = ("alignments", "tbr")


def load_allow(path: str | os.PathLike[str]) -> Allow:
    """Read an allow-list YAML (:mod:`journeylog.config.allow`)::

        accepted:
          - {kind: repeated, activity: Schedule appointment, reason: rescheduling is fine}
          - {id: "unexpected:Call: question about first bill"}
          - {pattern: chatted after failing in the app}
    """
    return config_allow.load_allow(path, DV.KINDS)


@dataclass(frozen=True)
class ConformOptions:
    """``method``: ``alignments`` (exact, default) or ``tbr`` (pm4py token-based replay).
    ``precision``: compute alignment precision (can be slow on many variants)."""

    method: str = "alignments"
    precision: bool = True
    rules: RuleSet | None = None  # None: the built-ins (journeylog.explain.patterns.Rules)
    allow: Allow = field(default_factory=Allow)
    examples: int = 5


@dataclass
class Conformance:
    """The result of :func:`conform`; :func:`to_json` is its documented contract."""

    figures: dict[str, Any]
    journeys: int
    deviations: pl.DataFrame
    patterns: pl.DataFrame
    journey_table: pl.DataFrame
    unknown_activities: list[dict[str, Any]]
    unseen_tasks: list[dict[str, Any]]
    notes: list[str]


def conform(events: pl.DataFrame, model: DesignedModel, options: ConformOptions | None = None) -> Conformance:
    """Compare ``events`` with the designed ``model`` (a :class:`journeylog.models.DesignedModel`):
    the figures (equal to pm4py's on the full log), the deviation catalogue, the cross-channel
    patterns and the per-journey table."""
    opts = options or ConformOptions()
    if opts.method not in METHODS:
        raise UsageError(f"{param('method')} must be one of {', '.join(METHODS)}")
    if events.height == 0:
        raise InvalidInput("the log has no events")
    variant_table = J.variants(events)
    jv = J.journey_variants(events, variant_table)
    labels = label_check(model.tasks, variant_table["activities"].explode().unique().sort().to_list())
    notes: list[str] = []
    figures, aligned, per_variant = _figures(model, variant_table, jv, opts)
    stats = J.journey_stats(events)
    jt = jv.join(per_variant, on="variant_id", how="left").join(
        stats.select(S.JOURNEY_ID, "start"), on=S.JOURNEY_ID, how="left")
    fitting = jt.filter(pl.col("fitness") >= 1.0)[S.JOURNEY_ID].to_list()

    if aligned is None:  # token replay gives no moves: deviations are explained from alignments
        aligned = mining.align(model, variant_table)
        notes.append("deviations are explained from alignments; the figures are token-based replay")
    rules = opts.rules if opts.rules is not None else patterns.Rules()
    catalogue, journey_devs = _catalogue(aligned, jv, events, fitting, stats, model, rules, opts)
    pat, pat_journeys = _patterns(events, rules, fitting, opts.allow, notes)

    # journeys whose only deviations are accepted count as fitting for checks
    accepted_ids = set(catalogue.filter(pl.col("accepted"))["id"].to_list()) if catalogue.height else set()
    bad = journey_devs.filter(~pl.col("deviation_id").is_in(list(accepted_ids)))[S.JOURNEY_ID].unique()
    total = jv.height
    figures["fitting_share_accepted"] = ((total - bad.len()) / total if total else 0.0) if opts.method == "alignments" else None
    return Conformance(
        figures=figures,
        journeys=total,
        deviations=catalogue,
        patterns=pat,
        journey_table=_with_deviations_and_patterns(jt, journey_devs, pat_journeys),
        unknown_activities=labels.unknown_activities,
        unseen_tasks=labels.unseen_tasks,
        notes=notes,
    )


def _figures(model: DesignedModel, variant_table: pl.DataFrame, jv: pl.DataFrame,
             opts: ConformOptions) -> tuple[dict[str, Any], pl.DataFrame | None, pl.DataFrame]:
    """``(figures, alignments or None, per-variant fitness/cost/bwc)`` by the chosen method; cost
    and bwc let drift recompute pm4py's log fitness on any subset of journeys."""
    if opts.method == "alignments":
        aligned = mining.align(model, variant_table)
        # journeys in pm4py's trace order (sorted by case id), so even the float average matches
        fig = mining.alignment_figures(aligned, variant_table, trace_order=jv["variant_id"])
        per_variant = aligned.select("variant_id", "fitness", "cost", "bwc")
    else:
        replay = mining.token_replay(model, variant_table, trace_order=jv["variant_id"])
        aligned = None
        fig = {k: replay[k] for k in ("log_fitness", "fitting_share", "average_fitness")}
        per_variant = replay["variants"].select("variant_id", "fitness").with_columns(
            pl.lit(None, pl.Int64).alias("cost"), pl.lit(None, pl.Int64).alias("bwc"))
    figures: dict[str, Any] = {
        "method": opts.method,
        "fitness": fig["log_fitness"],
        "fitting_share": fig["fitting_share"],
        "average_fitness": fig["average_fitness"],
        "precision": mining.precision(model, variant_table) if opts.precision else None,
    }
    return figures, aligned, per_variant


def _catalogue(aligned: pl.DataFrame, jv: pl.DataFrame, events: pl.DataFrame, fitting: list[str], stats: pl.DataFrame,
               model: DesignedModel, rules: RuleSet, opts: ConformOptions) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The deviation catalogue (with ``accepted`` from the allow-list) and journey_id -> deviation id."""
    occ = DV.occurrences_table(aligned, mining.NextSteps(model).stage)
    catalogue, journey_devs = DV.catalogue(occ, jv, events, reference=fitting, stats=stats, examples=opts.examples,
                                           tasks=model.tasks, vocabulary=rules.vocabulary)
    if catalogue.height:
        catalogue = catalogue.with_columns(
            pl.col("id").map_elements(opts.allow.accepts, return_dtype=pl.Boolean).alias("accepted"))
    else:
        catalogue = catalogue.with_columns(pl.lit(False).alias("accepted"))
    return catalogue, journey_devs


def _patterns(events: pl.DataFrame, rules: RuleSet, fitting: list[str], allow: Allow,
              notes: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The cross-channel pattern table (with ``accepted``) and journey_id -> pattern name; the
    notes on skipped patterns are added to ``notes``."""
    found = patterns.match_patterns(events, rules, reference=fitting)
    pat = found.table
    notes.extend(found.notes)
    reported = set(pat["id"].to_list()) if pat.height else set()
    pat_journeys = pl.concat(
        [patterns.pattern_journeys(events, p).select(S.JOURNEY_ID, pl.lit(p.name).alias("pattern"))
         for p in rules.patterns if p.id in reported],
        how="vertical",
    ) if reported else pl.DataFrame(schema={S.JOURNEY_ID: pl.String, "pattern": pl.String})
    if pat.height:
        pat = pat.with_columns(pl.col("name").map_elements(allow.accepts_pattern, return_dtype=pl.Boolean).alias("accepted"))
    return pat, pat_journeys


def _with_deviations_and_patterns(jt: pl.DataFrame, journey_devs: pl.DataFrame, pat_journeys: pl.DataFrame) -> pl.DataFrame:
    """The journey table with sorted ``deviations`` and ``patterns`` lists (empty, never null)."""
    devs_per_journey = journey_devs.group_by(S.JOURNEY_ID).agg(pl.col("deviation_id").sort().alias("deviations"))
    pats_per_journey = (pat_journeys.group_by(S.JOURNEY_ID).agg(pl.col("pattern").sort().alias("patterns"))
                        if pat_journeys.height else None)
    jt = jt.join(devs_per_journey, on=S.JOURNEY_ID, how="left").with_columns(
        pl.col("deviations").fill_null(pl.lit([], pl.List(pl.String))))
    if pats_per_journey is not None:
        jt = jt.join(pats_per_journey, on=S.JOURNEY_ID, how="left")
    else:
        jt = jt.with_columns(pl.lit(None, pl.List(pl.String)).alias("patterns"))
    return jt.with_columns(pl.col("patterns").fill_null(pl.lit([], pl.List(pl.String)))).sort(S.JOURNEY_ID)


def _devs_json(frame: pl.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in frame.iter_rows(named=True):
        out.append({
            "id": r["id"], "kind": r["kind"], "statement": r["statement"], "activity": r["activity"],
            "stage": list(r["stage"]) if r["stage"] is not None else None,
            "channel": r["channel"], "journeys": int(r["journeys"]), "share": r["share"],
            "median_extra_seconds": r["median_extra_seconds"], "satisfaction_delta": r["satisfaction_delta"],
            "examples": list(r["examples"]), "context": r["context"], "accepted": bool(r["accepted"]),
        })
    return out


def _patterns_json(frame: pl.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in frame.iter_rows(named=True):
        item: dict[str, Any] = {k: (list(v) if isinstance(v, list) else v) for k, v in r.items()}
        item["journeys"] = int(item["journeys"])
        item["accepted"] = bool(item.get("accepted", False))
        out.append(item)
    return out


def to_json(c: Conformance) -> ConformOutput:
    """The documented JSON contract of ``journeylog conform --json`` (see docs/json.md)."""
    return {
        "method": c.figures["method"],
        "fitness": c.figures["fitness"],
        "fitting_share": c.figures["fitting_share"],
        "average_fitness": c.figures["average_fitness"],
        "precision": c.figures["precision"],
        "fitting_share_accepted": c.figures["fitting_share_accepted"],
        "journeys": c.journeys,
        "deviations": cast("list[Deviation]", _devs_json(c.deviations)),
        "patterns": cast("list[PatternFound]", _patterns_json(c.patterns)),
        "unknown_activities": cast("list[UnknownActivity]", c.unknown_activities),
        "unseen_tasks": cast("list[UnseenTask]", c.unseen_tasks),
        "notes": c.notes,
    }
