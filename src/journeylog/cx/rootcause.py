"""Root causes of a deviation or a cross-channel pattern: what the journeys with it have more often.

:func:`explain` takes the journeys with a deviation of the designed journey (``deviation``, an id
exactly as ``conform --json`` lists it: ``kind:activity``, e.g. ``skipped:Identity check``, or
``dropped_out:A | B`` for a drop-out stage) or with a cross-channel pattern (``pattern``, its id or
name; no model needed), and ranks the candidate factors over-represented in them against the
journeys without it (:mod:`journeylog.cx.rootcause_factors` defines the factors, the figures and
the test). Each ranked factor gets a sentence::

    Skipped 'Identity check' is 3.4 times as common in journeys that started in the app as in
    journeys that started elsewhere (12.0% vs 3.5%, p < 0.001).

The two percentages are the deviation's rate with and without the factor; the ratio is their
quotient (the lift); the p-value is the adjusted one (Holm, or Benjamini-Hochberg q-value).

Which journeys have a deviation comes from conform's alignments, made once per variant and
weighted back to the journeys (the per-journey ``deviations`` of the conformance journey table).
For a drop-out, journeys still in progress at the end of the log are left out of the comparison
(their drop-out cannot be told yet), as conform leaves them out of its share. The deviation's own
activities (and a pattern's single-valued channel, activity and contact-reason conditions) are no
candidates: they are part of its definition.

The events are a frame or an :class:`~journeylog.ingest.EventSource`: a log larger than memory is
read in journey-complete batches (conform's two passes for a deviation, or one pass for a
pattern's matches and the variant table, then one pass counting the factors), keeping only
per-journey and per-factor tables; the results are the same bytes as in memory.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import polars as pl

from journeylog import journeys as J
from journeylog import schema as S
from journeylog.config.rules import Pattern
from journeylog.conform import Conformance, ConformOptions, conform
from journeylog.contracts.explain import ExplainOutput, RootCauseFactor, RootCauseSubject, SkippedColumn
from journeylog.cx import wording as CW
from journeylog.cx.rootcause_factors import FACTOR_KINDS, FactorCounts, rank_factors
from journeylog.drift import CORRECTIONS
from journeylog.engine import default_engine
from journeylog.errors import UsageError, param
from journeylog.explain import batches as B
from journeylog.explain import patterns as P
from journeylog.explain import wording as W
from journeylog.explain.deviations import refuse_impossible
from journeylog.ingest import EventSource
from journeylog.models import DesignedModel
from journeylog.stats import fmt_p
from journeylog.text import fmt_int

__all__ = ["FACTOR_KINDS", "RootCauseOptions", "RootCauses", "explain", "explain_deviation", "explain_journeys", "to_json"]


@dataclass(frozen=True)
class RootCauseOptions:
    """``top``: factors reported (0: all over-represented ones); ``min_support``: journeys with
    the deviation and the factor needed to test it; ``correction``: ``holm`` (family-wise error)
    or ``bh`` (false-discovery rate); ``alpha``: a factor is significant when its adjusted p-value
    is at most this; ``max_levels``: attribute columns with more distinct per-journey values are
    skipped (ids, free text); ``kinds``: the kinds of factor considered (default all,
    :data:`~journeylog.cx.rootcause_factors.FACTOR_KINDS`)."""

    top: int = 10
    min_support: int = 20
    correction: str = "holm"
    alpha: float = 0.05
    max_levels: int = 50
    kinds: tuple[str, ...] = FACTOR_KINDS

    def check(self) -> None:
        """Raise :class:`~journeylog.errors.UsageError` for a value out of range."""
        if self.correction not in CORRECTIONS:
            raise UsageError(f"{param('correction')} must be one of {', '.join(CORRECTIONS)}, not {self.correction!r}")
        if not 0 < self.alpha < 1:
            raise UsageError(f"{param('alpha')} must be above 0 and below 1, not {self.alpha:g}")
        if self.top < 0:
            raise UsageError(f"{param('top')} must be 0 (all) or more, not {self.top}")
        if self.min_support < 1:
            raise UsageError(f"{param('min_support')} must be at least 1, not {self.min_support}")
        for kind in self.kinds:
            if kind not in FACTOR_KINDS:
                close = difflib.get_close_matches(kind, FACTOR_KINDS, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise UsageError(f"{param('kinds')}: no kind of factor {kind!r}", hint=hint + "kinds: " + ", ".join(FACTOR_KINDS))
        if not self.kinds:
            raise UsageError(f"{param('kinds')}: give at least one kind of factor")
        if self.max_levels < 1:
            raise UsageError(f"{param('max_levels')} must be at least 1, not {self.max_levels}")


@dataclass
class RootCauses:
    """The result of :func:`explain`; :func:`to_json` is its documented contract. ``factors``: the
    over-represented tested factors, ranked, with their sentences (all of them: ``to_json`` keeps
    the first ``options.top``)."""

    subject: RootCauseSubject
    counts: dict[str, int]
    factors: pl.DataFrame
    skipped_columns: list[dict[str, str]]
    excluded: list[str]
    options: RootCauseOptions
    notes: list[str] = field(default_factory=list)


def _nearest(given: str, known: Sequence[str], n: int = 3) -> list[str]:
    """The ``n`` known names closest to ``given`` (difflib ratio; ties by name)."""
    scored = sorted(known, key=lambda k: (-difflib.SequenceMatcher(None, given.lower(), k.lower()).ratio(), k))
    return scored[:n]


def _unknown(token: str, given: str, known: Sequence[str], listing: str) -> UsageError:
    """``token``: the :func:`~journeylog.errors.param` of the parameter that named it."""
    close = _nearest(given, known)
    hint = ("did you mean " + " or ".join(repr(c) for c in close) + "?") if close else f"this log has no {listing}"
    return UsageError(f"{token} {given!r}: no such {listing} in this log", hint=hint)


def explain(events: pl.DataFrame | EventSource, model: DesignedModel | None = None, *, deviation: str | None = None,
            pattern: str | None = None, options: RootCauseOptions | None = None,
            conform_options: ConformOptions | None = None, rules: P.Rules | None = None) -> RootCauses:
    """The root causes of one ``deviation`` (needs ``model``; conformance runs with
    ``conform_options``, precision off) or one ``pattern`` (id or name among ``rules``, default the
    built-ins). An id or name the log does not have is a :class:`~journeylog.errors.UsageError`
    listing the nearest ones. ``events``: a frame of canonical events or an
    :class:`~journeylog.ingest.EventSource` (a log larger than memory is read in journey-complete
    batches; the results are the same)."""
    opts = options or RootCauseOptions()
    opts.check()
    source = events if isinstance(events, EventSource) else EventSource(events)
    if (deviation is None) == (pattern is None):
        raise UsageError(f"give one of {param('deviation')} or {param('pattern')}")
    if deviation is not None:
        if model is None:
            raise UsageError(f"{param('deviation')} needs the designed model", hint=f"give {param('model')}")
        copts = conform_options or ConformOptions(precision=False)
        if copts.precision:
            copts = dataclasses.replace(copts, precision=False)
        # before aligning: a step in no task and no activity is a typo, said at once
        refuse_impossible(param("deviation"), deviation, {*model.tasks, *source.distinct(S.ACTIVITY).drop_nulls().to_list()})
        return explain_deviation(source, model, conform(source, model, copts), deviation, opts)
    assert pattern is not None
    return _explain_pattern(source, rules or P.Rules(), pattern, opts)


def explain_deviation(events: pl.DataFrame | EventSource, model: DesignedModel, conformance: Conformance, deviation: str,
                      opts: RootCauseOptions | None = None) -> RootCauses:
    """The root causes of ``deviation`` (an id of ``conformance.deviations``) from a conformance
    result already made (:func:`journeylog.conform.conform` of ``events`` against ``model``)."""
    opts = opts or RootCauseOptions()
    cat = conformance.deviations
    ids = cat["id"].to_list() if cat.height else []
    if deviation not in ids:
        raise _unknown(param("deviation"), deviation, ids, "deviation")
    row = cat.filter(pl.col("id") == deviation).row(0, named=True)
    row["in_model"] = row["activity"] in set(model.tasks)
    jt = conformance.journey_table
    notes = []
    population = jt
    if row["kind"] == W.DeviationKind.DROPPED_OUT.value and "in_progress" in jt.columns:
        population = jt.filter(~pl.col("in_progress"))
        left = jt.height - population.height
        if left:
            notes.append(f"{fmt_int(left)} {W.journeys_word(left)} still in progress left out: "
                         "whether they drop out cannot be told yet")
    affected = population.filter(pl.col("deviations").list.contains(pl.lit(deviation)))[S.JOURNEY_ID]
    activities = list(row["stage"] or []) if row["kind"] == W.DeviationKind.DROPPED_OUT.value else [row["activity"]]
    exclude = [(k, a) for a in activities for k in ("activity", "failed_step")]
    subject: RootCauseSubject = {"kind": "deviation", "id": deviation, "name": CW.deviation_subject(row),
                                 "statement": row["statement"]}
    return explain_journeys(events, population.select(S.JOURNEY_ID, "variant_id"), affected, subject, opts,
                            exclude=exclude, notes=notes, variants=conformance.variant_table)


def _pattern_exclusions(p: Pattern) -> list[tuple[str, str]]:
    """Single-valued channel, activity and contact-reason conditions of a pattern's steps: every
    journey with the pattern has them."""
    out = []
    for step in p.steps:
        for column, values in step.conditions.items():
            if column in (S.CHANNEL, S.ACTIVITY, S.CONTACT_REASON) and len(values) == 1 and values[0] is not None:
                out.append((column if column != S.ACTIVITY else "activity", str(values[0])))
    return sorted(set(out))


@dataclass
class _PatternOf:
    """The pattern pass over one batch: its matches, its journeys' stats and its variants'
    partial figures (pickled to Spark's executors)."""

    gatherer: P.PatternGatherer
    activities: pl.Series

    def __call__(self, batch: pl.DataFrame) -> tuple[P.PatternPart, pl.DataFrame, Any]:
        stats = J.journey_stats(batch.select(self.gatherer.wanted)).select(S.JOURNEY_ID, "duration_seconds", "satisfaction")
        variants = default_engine().partial_figures([batch], activities=self.activities, parts=("variants",))
        return self.gatherer.part(batch), stats, variants


def _pattern_pass(source: EventSource, p: Pattern) -> tuple[P.PatternGatherer, pl.DataFrame, pl.DataFrame]:
    """One pass over ``source``: the matches of ``p``, the per-journey stats (``journey_id``,
    ``duration_seconds``, ``satisfaction``, sorted by journey) and the variant table. Each
    batch's share is merged here in any order."""
    gatherer = P.PatternGatherer([p], source.columns)
    activities = source.distinct(S.ACTIVITY)
    engine = default_engine()  # every batch is a Polars frame (on Spark's executors too)
    stats: list[pl.DataFrame] = []
    variants: Any = None
    for part, rows, partial in B.map_batches(source, _PatternOf(gatherer, activities), [S.ACTIVITY, *gatherer.wanted]):
        gatherer.absorb(part)
        stats.append(rows)
        variants = partial if variants is None else engine.merge(variants, partial)
    if variants is None:
        variants = engine.partial_figures([], activities=activities, parts=("variants",))
    table = engine.finish(variants).variants
    assert table is not None
    journeys = pl.concat(stats).sort(S.JOURNEY_ID) if stats else pl.DataFrame(
        schema={S.JOURNEY_ID: pl.String, "duration_seconds": pl.Float64, "satisfaction": pl.Float64})
    return gatherer, journeys, table


def _explain_pattern(source: EventSource, rules: P.Rules, pattern: str, opts: RootCauseOptions) -> RootCauses:
    by_key = {p.id: p for p in rules.patterns} | {p.name: p for p in rules.patterns}
    if pattern not in by_key:
        raise _unknown(param("pattern"), pattern, sorted({*(p.id for p in rules.patterns), *(p.name for p in rules.patterns)}),
                       "pattern")
    p = by_key[pattern]
    gatherer, journeys, paths = _pattern_pass(source, p)
    found = gatherer.result(journeys)
    if found.table.height == 0 or found.table["journeys"][0] == 0:
        reason = found.skipped["reason"][0] if found.skipped.height else "no journey shows it"
        raise UsageError(f"{param('pattern')} {pattern!r} cannot be explained: {reason}")
    statement = found.table["statement"][0]
    affected = gatherer.journeys(p.id)[S.JOURNEY_ID]
    subject: RootCauseSubject = {"kind": "pattern", "id": p.id, "name": CW.pattern_subject(p.name),
                                 "statement": statement}
    return explain_journeys(source, journeys.select(S.JOURNEY_ID), affected, subject, opts,
                            exclude=_pattern_exclusions(p), vocabulary=rules.vocabulary, variants=paths)


def explain_journeys(events: pl.DataFrame | EventSource, journeys: pl.DataFrame, affected: pl.Series | Sequence[str],
                     subject: RootCauseSubject, options: RootCauseOptions | None = None, *,
                     exclude: Sequence[tuple[str, str]] = (), notes: Sequence[str] = (),
                     vocabulary: Any = None, variants: pl.DataFrame | None = None) -> RootCauses:
    """Rank the factors of the journeys in ``journeys`` (``journey_id``, and ``variant_id`` as
    :func:`journeylog.journeys.journey_variants` numbers them on all of ``events``; without it,
    each batch's journeys are numbered by ``variants``) with the ``affected`` ones against the
    rest: the engine of :func:`explain`, for any set of journeys. ``exclude``: (kind, value)
    pairs never tested (part of what is explained). ``variants``: the log's variant table
    (:func:`journeylog.journeys.variants`; None: a pass over ``events`` makes it). One pass over
    ``events`` counts the factors (:class:`~journeylog.cx.rootcause_factors.FactorCounts`)."""
    opts = options or RootCauseOptions()
    opts.check()
    source = events if isinstance(events, EventSource) else EventSource(events)
    paths = variants if variants is not None else B.log_facts(source).variant_table
    hit = (affected if isinstance(affected, pl.Series) else pl.Series(list(affected), dtype=pl.String)).cast(pl.String)
    population = journeys.select(pl.col(S.JOURNEY_ID).cast(pl.String), *(["variant_id"] if "variant_id" in journeys.columns
                                                                         else [])).unique(S.JOURNEY_ID)
    population = population.with_columns(pl.col(S.JOURNEY_ID).is_in(hit.implode()).alias("dev"))
    counter = FactorCounts(population, source.columns, max_levels=opts.max_levels, kinds=opts.kinds,
                           variant_table=None if "variant_id" in population.columns else paths)
    for part in B.map_batches(source, counter.part):  # counted per batch (on Spark's executors), merged here
        counter.absorb(part)
    factors, skipped = counter.result()
    ranked, counts = rank_factors(factors, population.height, int(population["dev"].sum()), min_support=opts.min_support,
                                  correction=opts.correction, alpha=opts.alpha, exclude=exclude)
    over = ranked.filter(pl.col("over"))
    steps = paths.select(pl.lit("variant").alias("kind"), pl.col("variant_id").cast(pl.String).alias("value"),
                         pl.col("activities").cast(pl.List(pl.String)).alias("steps"))
    over = over.join(steps, on=["kind", "value"], how="left", maintain_order="left")
    statements = []
    for r in over.iter_rows(named=True):  # one sentence per ranked factor (a few hundred at most)
        with_x, without_x = CW.factor_words(r["kind"], r["value"], column=r["column"], steps=r["steps"],
                                           vocabulary=vocabulary)
        lift = r["lift"] if r["lift"] is not None and r["lift"] != float("inf") else None
        statements.append(CW.root_cause_statement(subject["name"], with_x, without_x, lift=lift, rate_with=r["rate_with"],
                                                 rate_without=r["rate_without"], p=fmt_p(r["p_adjusted"])))
    over = over.with_columns(pl.Series("statement", statements, dtype=pl.String))
    counts["over_represented"] = over.height
    all_notes = list(notes)
    if counts["journeys_with"] == counts["journeys"]:
        all_notes.append("every journey compared has it: there is nothing to compare with")
    excluded = [f"{k} {v!r}" for k, v in sorted(set(exclude))]
    return RootCauses(subject, counts, over, skipped, excluded, opts, all_notes)


def _factor_id(kind: str, column: str | None, value: str) -> str:
    """``channel:app``, ``attribute:platform=android``, ``variant:3``."""
    return f"attribute:{column}={value}" if kind == "attribute" else f"{kind}:{value}"


def to_json(r: RootCauses) -> ExplainOutput:
    """The documented JSON contract of ``journeylog explain --json`` (see docs/explain.md)."""
    rows = r.factors if r.options.top == 0 else r.factors.head(r.options.top)
    factors = []
    for f in rows.iter_rows(named=True):
        lift = f["lift"]
        factors.append({
            "id": _factor_id(f["kind"], f["column"], f["value"]), "kind": f["kind"], "column": f["column"],
            "value": f["value"], "steps": f["steps"], "journeys": int(f["journeys"]), "support": int(f["support"]),
            "share_with": f["share_with"], "share_without": f["share_without"], "rate_with": f["rate_with"],
            "rate_without": f["rate_without"], "lift": None if lift is None or lift == float("inf") else lift,
            "p_value": f["p_value"], "p_adjusted": f["p_adjusted"], "test": f["test"], "significant": bool(f["significant"]),
            "statement": f["statement"],
        })
    c = r.counts
    return {
        "subject": r.subject,
        "journeys": c["journeys"],
        "journeys_with": c["journeys_with"],
        "journeys_without": c["journeys"] - c["journeys_with"],
        "correction": cast(Any, r.options.correction),
        "alpha": r.options.alpha,
        "min_support": r.options.min_support,
        "max_levels": r.options.max_levels,
        "kinds": [k for k in FACTOR_KINDS if k in r.options.kinds],
        "candidates": c["candidates"],
        "tests": c["tests"],
        "below_support": c["below_support"],
        "over_represented": c["over_represented"],
        "factors": cast("list[RootCauseFactor]", factors),
        "skipped_columns": cast("list[SkippedColumn]", r.skipped_columns),
        "excluded": r.excluded,
        "notes": r.notes,
    }
