"""Conform: actual journeys against the designed journey.

:func:`conform` aligns one trace per variant with the designed model (pm4py, via
:mod:`journeylog.mining`), weights the results back by how many journeys follow each variant,
and explains the differences (:mod:`journeylog.explain.deviations`, :mod:`journeylog.explain.patterns`). The
figures equal pm4py's on the full log: ``fitness`` = ``fitness_alignments(...)["log_fitness"]``,
``fitting_share`` = ``percentage_of_fitting_traces / 100``, ``precision`` = ``precision_alignments``.

Journeys whose last event lies within ``settle`` (default 7 days, :mod:`journeylog.config.settle`)
of the log's last event are *in progress* (``journeys_in_progress``, ``in_progress`` in the journey
table): their drop-out is not counted
(the share of a drop-out is over the journeys that are not in progress). The pm4py figures
(``fitness``, ``fitting_share``, ``average_fitness``, ``precision``) stay those of the full log;
``fitting_share_accepted`` counts an in-progress journey whose only deviation is its missing end
as fitting.

When few of the log's events carry a model task label (``label_overlap.events_share`` under
``min_label_overlap``, default 0.5), ``model_fits_log`` is false and a note says so: the
deviations then describe a mismatch of names, not of journeys.

An allow-list (:func:`load_allow`) marks deviations and patterns the team has accepted: they are
reported apart (``accepted: true``) and left out of the figures that checks use
(``fitting_share_accepted``, share thresholds, new-deviation checks).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import polars as pl

from journeylog import mining
from journeylog import schema as S
from journeylog.config import allow as config_allow
from journeylog.config.allow import Allow
from journeylog.config.rules import RuleSet
from journeylog.config.settle import DEFAULT_SETTLE, format_settle
from journeylog.contracts.outputs import (
    ConformOutput,
    Deviation,
    LabelOverlapOutput,
    PatternFound,
    UnknownActivity,
    UnseenTask,
)
from journeylog.errors import InvalidInput, UsageError, param
from journeylog.explain import batches as B
from journeylog.explain import deviations as DV
from journeylog.explain import journey_parts as JP
from journeylog.explain import patterns
from journeylog.explain import wording as W
from journeylog.explain.journey_groups import JourneyGroups, summing
from journeylog.explain.kept import pattern_result
from journeylog.explain.wording import in_progress_note, label_overlap_note
from journeylog.ingest import EventSource
from journeylog.ingest.timestamps import DATES_ONLY_NOTE
from journeylog.mining.variants import TraceOrder
from journeylog.models import DEFAULT_MIN_LABEL_OVERLAP, DesignedModel, LabelOverlap, label_check, label_overlap
from journeylog.text import fmt_duration, fmt_int

__all__ = [
    "JOURNEY_COLUMNS",
    "METHODS",
    "Allow",
    "ConformOptions",
    "Conformance",
    "conform",
    "in_progress_journeys",
    "journey_table",
    "load_allow",
    "to_json",
]

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
    ``precision``: compute alignment precision (can be slow on many variants).
    ``on_progress(stage, done, total)`` hears how far the long steps are
    (:data:`journeylog.mining.Progress`); it never changes a result. ``settle``: journeys whose
    last event lies within this of the log's last event are in progress, not drop-outs
    (``timedelta(0)``: off). ``min_label_overlap``: under this share of events carrying a model
    task label, the model is said not to fit the log. ``cache``: a file of alignments kept between
    runs (:mod:`journeylog.mining.cache`); only sequences not in it are aligned, it is updated
    when the run succeeds, and the result is the same with or without it."""

    method: str = "alignments"
    precision: bool = True
    rules: RuleSet | None = None  # None: the built-ins (journeylog.explain.patterns.Rules)
    allow: Allow = field(default_factory=Allow)
    examples: int = 5
    settle: timedelta = DEFAULT_SETTLE
    min_label_overlap: float = DEFAULT_MIN_LABEL_OVERLAP
    cache: str | None = None
    #: ``(column, label)`` of the score the impact sentences compare instead of ``satisfaction``
    #: (``("metric_csat", "CSAT (1-5)")``; :func:`journeylog.cx.metrics.resolve_metric` gives both)
    impact_metric: tuple[str, str] | None = None
    on_progress: mining.Progress | None = field(default=None, compare=False)
    #: keep the alignments' ``moves`` in :attr:`Conformance.aligned` (the emotion curve places
    #: scores with them); False drops them once the deviations are found (the commands that do
    #: not need them: a million variants' moves are gigabytes)
    keep_moves: bool = True
    #: keep each journey's customer and channels for :attr:`Conformance.journey_table` (``conform --journeys-out``
    #: shows them); False leaves them out (the commands that never show the table: at 10M journeys, gigabytes)
    journey_details: bool = True


@dataclass
class Conformance:
    """The result of :func:`conform`; :func:`to_json` is its documented contract."""

    figures: dict[str, Any]
    journeys: int
    deviations: pl.DataFrame
    patterns: pl.DataFrame
    #: the per-journey table, or how to build it (built on first use of :attr:`journey_table`:
    #: a run that does not ask for it never holds a deviation list per journey)
    _journeys: pl.DataFrame | Callable[[], pl.DataFrame]
    unknown_activities: list[dict[str, Any]]
    unseen_tasks: list[dict[str, Any]]
    notes: list[str]
    journeys_in_progress: int = 0
    settle: timedelta = DEFAULT_SETTLE
    label_overlap: LabelOverlap | None = None
    model_fits_log: bool = True
    #: the notes about the log as a whole (a model of another log, journeys in progress); also in ``notes``
    log_notes: list[str] = field(default_factory=list)
    #: the label of the score the impact sentences compare (``ConformOptions.impact_metric``); None: satisfaction
    impact_metric: str | None = None
    #: what the alignment cache did (``path``, ``reused``, ``aligned``, ``stale``); None without one
    cache: dict[str, Any] | None = None
    #: the per-variant alignments (:func:`journeylog.mining.align`) and their variant table (emotion places scores with them)
    aligned: pl.DataFrame | None = None
    variant_table: pl.DataFrame | None = None
    #: :attr:`journey_parts`, or how to make them (on Spark the journeys stay there until asked for)
    _parts: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame] | Callable[[], tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]] \
        | None = None
    #: the journeys' rows kept on Spark (:class:`~journeylog.explain.kept.Kept`), the deviation occurrences (as in the parts)
    kept: Any = None
    occurrences: pl.DataFrame | None = None

    @property
    def journey_parts(self) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame] | None:
        """:attr:`journey_table` unbuilt: (journeys, DV.occurrences_table, journey_id -> pattern)."""
        if callable(self._parts):
            self._parts = self._parts()
        return self._parts

    @property
    def journey_table(self) -> pl.DataFrame:
        """One row per journey: its variant, fitness, cost, times, satisfaction, customer,
        channels, sorted ``deviations`` and ``patterns`` lists and whether it is in progress."""
        if callable(self._journeys):
            self._journeys = self._journeys()
        return self._journeys

    @journey_table.setter
    def journey_table(self, table: pl.DataFrame) -> None:
        self._journeys, self._parts = table, None

    def release(self) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame] | None:
        """Hand over :attr:`journey_parts` and forget the per-journey and per-variant tables, for a
        caller that owns this result and needs the memory (``drift`` at 100M events)."""
        parts, self._parts, self._journeys = self.journey_parts, None, _released
        self.variant_table = self.aligned = self.occurrences = None
        return parts


def _released() -> pl.DataFrame:
    raise UsageError("the journey table was released (Conformance.release)")


def conform(events: pl.DataFrame | EventSource, model: DesignedModel, options: ConformOptions | None = None) -> Conformance:
    """Compare ``events`` with the designed ``model`` (a :class:`journeylog.models.DesignedModel`):
    the figures (equal to pm4py's on the full log), the deviation catalogue, the cross-channel
    patterns and the per-journey table. ``events`` is a frame of canonical events or an
    :class:`~journeylog.ingest.EventSource` (a log larger than memory is read in journey-complete
    batches, twice; a Spark DataFrame is read on the executors, :mod:`journeylog.explain.batches`;
    the results are the same).

    Long by design: the steps of the analysis in order (two passes over the events, alignments,
    figures, catalogue, patterns), one call each; apart they would pass a dozen tables around."""
    opts = options or ConformOptions()
    if opts.method not in METHODS:
        raise UsageError(f"{param('method')} must be one of {', '.join(METHODS)}")
    source = events if isinstance(events, EventSource) else EventSource(events)
    metric = _metric_column(source.columns, opts)
    facts = B.log_facts(source)
    if facts.events == 0:
        raise InvalidInput("the log has no events")
    variant_table = facts.variant_table
    labels = label_check(model.tasks, variant_table["activities"].explode().unique().sort().to_list())
    overlap = label_overlap(model.tasks, facts.activity_events)
    cache = mining.open_cache(model, opts.cache) if opts.cache is not None and opts.method == "alignments" else None
    aligned = (mining.align(model, variant_table, on_progress=opts.on_progress, cache=cache)
               if opts.method == "alignments" else None)
    stage = mining.NextSteps(model).stage
    explained: pl.DataFrame | None = None  # tbr: the alignments of what replay does not fit
    replayed = None
    if aligned is None:
        replayed, explained = mining.replay_and_explain(model, variant_table, on_progress=opts.on_progress)
    with_moves = explained if explained is not None else aligned
    assert with_moves is not None
    occ = DV.occurrences_table(with_moves, stage, set(model.tasks))  # once per alignment of the model's activities
    del with_moves  # the moves are dropped below unless kept: no second reference holds them
    aligned = aligned if aligned is None or opts.keep_moves else aligned.drop("moves", strict=False)
    rules = opts.rules if opts.rules is not None else patterns.Rules()
    gathered = B.gather(source, facts, settle=opts.settle, occurrences=occ, metric=metric, examples=opts.examples,
                        details=opts.journey_details, patterns=patterns.PatternGatherer(rules, source.columns))
    kept, label = gathered.kept, opts.impact_metric[1] if opts.impact_metric is not None else None
    jf = kept.figures("score" if metric else "satisfaction") if kept is not None else None  # the journeys stay on Spark
    order = gathered.journeys["variant_id"] if jf is None else summing(jf)  # pm4py's trace order (sorted by case id)
    figures, per_variant = _figures(model, variant_table, order, opts, aligned, replayed)
    if jf is None:
        jt = B.with_variant_figures(gathered.journeys, per_variant)
        gathered.journeys = jt  # one journey table, not two
        score = pl.col("score" if "score" in jt.columns else "satisfaction").alias("satisfaction")  # the impact metric's
        jf = JourneyGroups(jt.select(S.JOURNEY_ID, "variant_id", "duration_seconds", score, "settled", "in_progress",
                                      "reference"))
    else:
        jf.reference_variants = per_variant.filter(pl.col("fitness") >= 1.0)["variant_id"]
    in_progress = jf.in_progress
    notes = _log_notes(facts, overlap, in_progress, opts)
    log_notes = list(notes)
    notes.extend(_alignment_notes(jf.unaligned(per_variant), jf.journeys, variant_table, opts, figures["precision"], aligned,
                                  model))
    counts = gathered.counts
    if replayed is not None:
        notes.append("deviations are explained from alignments; the figures are token-based replay")
        assert explained is not None
        aligned = explained if opts.keep_moves else explained.drop("moves", strict=False)
    assert occ is not None and counts is not None and gathered.patterns is not None
    catalogue = _accepted(DV.catalogue_of(counts, jf, occ, tasks=model.tasks, vocabulary=rules.vocabulary,
                                          metric=label), opts.allow)
    found = (gathered.patterns.result(jf.rows, metric=label) if kept is None
             else pattern_result(gathered.patterns, jf, kept.pattern_ids, metric=label))
    pat, pat_journeys = JP.patterns_found(found, gathered.patterns, opts.allow, notes, kept)

    # journeys whose only deviations are accepted count as fitting for checks
    accepted_ids = set(catalogue.filter(pl.col("accepted"))["id"].to_list()) if catalogue.height else set()
    total = jf.journeys
    bad = DV.journeys_with_deviations(jf.variant_counts(), occ, accepted_ids)
    accepted_share = (100.0 * (total - bad)) / total / 100.0 if total else 0.0  # as fitting_share: nothing accepted, equal
    figures["fitting_share_accepted"] = accepted_share if opts.method == "alignments" else None
    parts = JP.parts_maker(gathered, per_variant, occ, pat_journeys)
    return Conformance(
        figures=figures,
        journeys=total,
        deviations=catalogue,
        patterns=pat,
        _journeys=lambda: B.journey_table_with(parts()[0], DV.journey_deviations(parts()[0], occ), parts()[2]),
        unknown_activities=labels.unknown_activities,
        unseen_tasks=labels.unseen_tasks,
        notes=notes,
        journeys_in_progress=in_progress,
        settle=opts.settle,
        label_overlap=overlap,
        model_fits_log=overlap.fits(opts.min_label_overlap),
        log_notes=log_notes,
        cache=_saved(cache),
        impact_metric=label,
        aligned=aligned,
        variant_table=variant_table, _parts=parts if kept is not None else parts(), kept=kept,
        occurrences=occ)


def _metric_column(columns: list[str], opts: ConformOptions) -> str | None:
    """The column of ``impact_metric`` (the impact figures compare it instead of satisfaction)."""
    if opts.impact_metric is None:
        return None
    column, _label = opts.impact_metric
    if column not in columns:
        raise UsageError(f"{param('impact_metric')}: the log has no column {column!r}")
    return column


def _saved(cache: mining.AlignmentCache | None) -> dict[str, Any] | None:
    """Write the alignment cache (the run succeeded) and say what it did."""
    if cache is None:
        return None
    cache.save()
    return {"path": cache.path, "reused": cache.hits, "aligned": cache.misses, "stale": cache.stale}


def _alignment_notes(unaligned: int, total: int, vt: pl.DataFrame, opts: ConformOptions, precision: Any, aligned: Any,
                     model: Any = None) -> list[str]:
    """Unaligned journeys (of ``total``), paths past pm4py's time budget, precision not computed (too long, out of time)."""
    out_of_time = opts.precision and precision is None and not _too_long_for_precision(vt)
    notes = [W.precision_budget_note(*mining.precision_skipped(vt, model=model))] if out_of_time else []
    notes += [W.align_fallback_note(budget, n) for budget, n in [mining.align_fallbacks(aligned)] if n]
    if unaligned:  # token replay leaves out the same long paths
        notes.append(W.unaligned_note(unaligned, total, mining.MAX_ALIGN_LENGTH))
    if opts.method != "alignments":
        return notes
    if opts.precision and _too_long_for_precision(vt):
        notes.append(f"precision was not computed: a path is longer than {fmt_int(mining.MAX_ALIGN_LENGTH)} events, and "
                     "precision aligns every prefix of every path (quadratic in its length)")
    return notes


def _too_long_for_precision(variant_table: pl.DataFrame) -> bool:
    """Whether a variant is longer than :data:`journeylog.mining.MAX_ALIGN_LENGTH` events."""
    longest = variant_table["activities"].list.len().max() if variant_table.height else 0
    return bool(longest is not None and int(longest) > mining.MAX_ALIGN_LENGTH)  # type: ignore[arg-type]


def in_progress_journeys(stats: pl.DataFrame, settle: timedelta) -> list[str]:
    """The ids of the journeys whose last event (``end`` of :func:`journeylog.journeys.journey_stats`)
    lies within ``settle`` of the last event of all (inclusive), sorted; none when ``settle`` is 0.

    >>> import datetime as dt
    >>> t = dt.datetime(2026, 5, 31)
    >>> stats = pl.DataFrame({"journey_id": ["a", "b", "c"], "end": [t - dt.timedelta(days=8), t - dt.timedelta(days=7), t]})
    >>> in_progress_journeys(stats, dt.timedelta(days=7)), in_progress_journeys(stats, dt.timedelta(0))
    (['b', 'c'], [])
    """
    if settle <= timedelta(0) or stats.height == 0:
        return []
    last = stats["end"].max()
    return sorted(stats.filter(pl.col("end") >= pl.lit(last) - pl.lit(settle))[S.JOURNEY_ID].to_list())


def _log_notes(facts: B.LogFacts, overlap: LabelOverlap, in_progress: int, opts: ConformOptions) -> list[str]:
    """What the figures assume about the log: a model of another log, journeys still in
    progress at its end, dates without times."""
    notes: list[str] = []
    if not overlap.fits(opts.min_label_overlap):
        activities = len(facts.activity_events)
        notes.append(label_overlap_note(overlap.events_share, opts.min_label_overlap,
                                        round(overlap.log_activities_in_model * activities), activities))
    if in_progress:
        notes.append(in_progress_note(in_progress, format_settle(opts.settle)))
    if facts.dates_only:
        notes.append(DATES_ONLY_NOTE)
    return notes


def _figures(model: DesignedModel, variant_table: pl.DataFrame, order: TraceOrder, opts: ConformOptions,
             aligned: pl.DataFrame | None, replayed: pl.DataFrame | None = None) -> tuple[dict[str, Any], pl.DataFrame]:
    """``(figures, per-variant fitness/cost/bwc)`` by the chosen method (``aligned``: the
    alignments, None for token replay; ``replayed``: the replay's variant rows when already
    computed); cost and bwc let drift recompute pm4py's log fitness on any subset of journeys.
    ``order`` is pm4py's trace order (the journeys' variants sorted by journey id, or a function
    summing in that order), so even the float average matches."""
    if aligned is not None:
        fig = mining.alignment_figures(aligned, variant_table, trace_order=order)
        per_variant = aligned.select("variant_id", "fitness", "cost", "bwc")
    else:
        replay = mining.token_replay(model, variant_table, trace_order=order, on_progress=opts.on_progress,
                                     replayed=replayed)
        fig = {k: replay[k] for k in ("log_fitness", "fitting_share", "average_fitness")}
        per_variant = replay["variants"].select("variant_id", "fitness").with_columns(
            pl.lit(None, pl.Int64).alias("cost"), pl.lit(None, pl.Int64).alias("bwc"))
    figures: dict[str, Any] = {
        "method": opts.method,
        "fitness": fig["log_fitness"],
        "fitting_share": fig["fitting_share"],
        "average_fitness": fig["average_fitness"],
        "precision": mining.precision(model, variant_table, on_progress=opts.on_progress)
        if opts.precision and not _too_long_for_precision(variant_table) else None,
    }
    return figures, per_variant


def _accepted(catalogue: pl.DataFrame, allow: Allow) -> pl.DataFrame:
    """The catalogue with ``accepted`` from the allow-list."""
    if catalogue.height:
        return catalogue.with_columns(pl.col("id").map_elements(allow.accepts, return_dtype=pl.Boolean).alias("accepted"))
    return catalogue.with_columns(pl.lit(False).alias("accepted"))


#: The columns of :func:`journey_table`, in order, with what they hold (docs/cli.md lists them).
JOURNEY_COLUMNS: dict[str, str] = {
    "journey_id": "the journey",
    "customer_id": "its customer",
    "first_event": "when its first event happened (UTC)",
    "last_event": "when its last event happened (UTC)",
    "duration_seconds": "last minus first event, in seconds",
    "duration": "the same in words (2.1 d)",
    "satisfaction": "mean of the scores given in the journey (empty when none)",
    "channels": "the channels it used, in order of first use",
    "fitness": "how well it follows the designed journey, 0 to 1",
    "fits": "true when it follows the designed journey exactly",
    "in_progress": "true when its last event lies within the settle window of the log's end "
                   "(it may go on: a missing end is no drop-out)",
    "deviations": "the ids of its deviations (as in the deviation catalogue)",
    "patterns": "the cross-channel patterns found in it",
    "alignment_cost": "pm4py's raw alignment cost (10000 per log or model move; empty for tbr)",
    "alignment_worst_cost": "pm4py's best worst cost for the journey (empty for tbr)",
}


def journey_table(c: Conformance) -> pl.DataFrame:
    """The per-journey table for people (``conform --journeys-out``): one row per journey with
    the columns of :data:`JOURNEY_COLUMNS`; pm4py's internal cost units only as
    ``alignment_cost`` and ``alignment_worst_cost``.

    >>> import polars as pl, datetime as dt
    >>> t = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    >>> jt = pl.DataFrame({"journey_id": ["a"], "variant_id": [1], "fitness": [1.0], "cost": [2], "bwc": [40002],
    ...     "start": [t], "end": [t + dt.timedelta(hours=3)], "duration_seconds": [10800.0], "satisfaction": [None],
    ...     "customer_id": ["c1"], "channels": [["web", "phone"]], "deviations": [[]], "patterns": [[]]})
    >>> c = Conformance({}, 1, pl.DataFrame(), pl.DataFrame(), jt, [], [], [])
    >>> row = journey_table(c).row(0, named=True)
    >>> row["duration"], row["fits"], row["channels"], row["alignment_cost"]
    ('3.0 h', True, ['web', 'phone'], 2)
    """
    jt = c.journey_table
    if S.CUSTOMER_ID not in jt.columns:
        raise UsageError("the journey table was left out of this run",
                         hint="conform with ConformOptions(journey_details=True), as `conform --journeys-out` does")
    return jt.select(
        pl.col(S.JOURNEY_ID),
        pl.col(S.CUSTOMER_ID),
        pl.col("start").alias("first_event"),
        pl.col("end").alias("last_event"),
        pl.col("duration_seconds"),
        pl.col("duration_seconds").map_elements(fmt_duration, return_dtype=pl.String).alias("duration"),
        pl.col("satisfaction"),
        pl.col("channels"),
        pl.col("fitness"),
        (pl.col("fitness") >= 1.0).alias("fits"),
        pl.col("in_progress") if "in_progress" in jt.columns else pl.lit(False).alias("in_progress"),
        pl.col("deviations"),
        pl.col("patterns"),
        pl.col("cost").alias("alignment_cost"),
        pl.col("bwc").alias("alignment_worst_cost"),
    )


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
    out: ConformOutput = {
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
        "label_overlap": _overlap_json(c.label_overlap),
        "model_fits_log": c.model_fits_log,
        "journeys_in_progress": c.journeys_in_progress,
        "settle_seconds": c.settle.total_seconds(),
        "notes": c.notes,
    }
    if c.impact_metric is not None:
        out["impact_metric"] = c.impact_metric
    return out


def _overlap_json(o: LabelOverlap | None) -> LabelOverlapOutput | None:
    if o is None:
        return None
    return {"events_share": o.events_share, "log_activities_in_model": o.log_activities_in_model,
            "model_tasks_in_log": o.model_tasks_in_log}
