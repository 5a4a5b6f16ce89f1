"""The funnel along the designed journey: how many journeys reach each step, in order.

**Steps.** Given (``steps``), or the designed model's *main path* (:func:`main_path`, the rule is
in :mod:`journeylog.mining.paths`): the run of the model from start to end, each step at most once,
whose steps the most journeys all did; optional steps and less-taken branches are left out, the
branches of a parallel block are ordered by where journeys usually do them.

**Reaching a step.** A journey reaches step 1 at its first event of step 1, and step *k* at its
first event of step *k* that comes after the event that reached step *k - 1* (in the journey's
order: time, then input order). So a journey reaches step *k* when steps 1..*k* are a subsequence
of its events in this order; a step done out of order does not count, a repeated step counts once.

**Figures per step** (:class:`journeylog.contracts.funnel.FunnelStep`): journeys that reached it;
conversion from the step before (step 1: from all journeys) and from step 1; the journeys that
*stopped* there (reached it but not the next step), with conform's drop-out semantics: a journey
whose last event lies within ``settle`` of the log's end is *in progress*, counted apart and left
out of the stopped share (:func:`journeylog.conform.in_progress_journeys`); the median and p90 time
from the event that reached the step before to the one that reached this step (the quantiles of
discover: linear interpolation on integer microseconds, :func:`journeylog.engine.quantile_seconds`);
and the failure rate: events of the step's activity with outcome failure over all its events.

**Breakdowns.** ``by`` holds ``channel`` (per step, the channel of the event that reached it) and
journey attribute columns: a journey's value is the first non-null value of the column in its
events; each value gets the whole funnel of its journeys.

**Out of core.** ``events`` may be an :class:`~journeylog.ingest.EventSource`: a log larger than
memory is read in journey-complete batches, twice (:mod:`journeylog.cx.funnel_batches`: the log's
facts and main path, then the counts that add up and the per-journey step times the quantiles are
taken from); in memory the same code runs on one batch, so the figures are the same.

Event-level work is Polars expressions; the only Python loops run over steps and groups.

>>> import polars as pl, datetime as dt
>>> t = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
>>> ev = pl.DataFrame({"journey_id": ["a", "a", "b", "b", "c"], "activity": ["Order", "Pay", "Pay", "Order", "Order"],
...                    "timestamp": [t, t + dt.timedelta(hours=2), t, t + dt.timedelta(hours=1), t]})
>>> f = funnel(ev, steps=["Order", "Pay"], options=FunnelOptions(settle=dt.timedelta(0)))
>>> [(s["step"], s["journeys"], s["stopped"], s["median_seconds_from_previous"]) for s in f.to_json()["funnel"]]
[('Order', 3, 2, None), ('Pay', 1, None, 7200.0)]
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import polars as pl

from journeylog import schema as S
from journeylog.config.settle import DEFAULT_SETTLE, format_settle
from journeylog.contracts.funnel import FunnelChannel, FunnelDropOff, FunnelOutput, FunnelSegments, FunnelStep
from journeylog.cx import funnel_batches as FB
from journeylog.cx.funnel_batches import CHANNEL_BY
from journeylog.cx.wording import funnel_dropoff_statement, funnel_steps_note, funnel_unseen_step_note
from journeylog.errors import InvalidInput, UsageError, param
from journeylog.explain.wording import DeviationKind, in_progress_note
from journeylog.ingest import EventSource
from journeylog.mining.paths import main_path as path_search
from journeylog.models import DesignedModel

__all__ = ["CHANNEL_BY", "Funnel", "FunnelOptions", "funnel", "main_path"]

#: columns that are no journey attribute
_NOT_SEGMENTS = (S.JOURNEY_ID, S.TIMESTAMP, S.INPUT_ORDER, S.SOURCE_ROW)


@dataclass(frozen=True)
class FunnelOptions:
    """``by``: ``channel`` and/or journey attribute columns to break the funnel down by.
    ``settle``: journeys whose last event lies within this of the log's end are in progress,
    not drop-outs (``timedelta(0)``: off). ``max_segments``: a ``by`` column with more distinct
    values than this is refused (it is an identifier, not a segment)."""

    by: tuple[str, ...] = ()
    settle: timedelta = DEFAULT_SETTLE
    max_segments: int = 50


@dataclass
class Funnel:
    """The result of :func:`funnel`; :meth:`to_json` is its documented contract."""

    steps: tuple[str, ...]
    steps_from: str  # "steps" | "model"
    model: str | None
    journeys: int
    journeys_in_progress: int
    settle: timedelta
    funnel: list[FunnelStep]
    drop_offs: list[FunnelDropOff]
    by: tuple[str, ...] = ()
    segments: list[FunnelSegments] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> FunnelOutput:
        """The documented JSON contract of ``journeylog funnel --json`` (docs/funnel.md)."""
        done = self.funnel[-1]["journeys"] if self.funnel else 0
        return {
            "steps": list(self.steps), "steps_from": cast("Any", self.steps_from), "model": self.model,
            "journeys": self.journeys, "journeys_in_progress": self.journeys_in_progress,
            "settle_seconds": self.settle.total_seconds(), "completed": done,
            "completed_share": done / self.journeys if self.journeys else 0.0,
            "funnel": self.funnel, "drop_offs": self.drop_offs, "by": list(self.by), "segments": self.segments,
            "notes": list(self.notes),
        }


def funnel(events: pl.DataFrame | EventSource, model: DesignedModel | None = None, steps: Sequence[str] | None = None,
           options: FunnelOptions | None = None) -> Funnel:
    """The funnel of ``events`` along ``steps``, or along the main path of the designed ``model``
    (see the module docstring for every definition). ``events`` is a frame of canonical events or
    an :class:`~journeylog.ingest.EventSource` (a log larger than memory is read in
    journey-complete batches, twice: :mod:`journeylog.cx.funnel_batches`; the results are the same)."""
    opts = options or FunnelOptions()
    if isinstance(events, pl.DataFrame) and events.height == 0:
        raise InvalidInput("the log has no events")
    if steps is None and model is None:
        raise UsageError(f"give the designed model ({param('model')}) or the steps of the funnel ({param('steps')})")
    source = _source(events)
    columns = _check_by(source.columns, opts)  # the cheap checks first
    facts = FB.log_facts(source, model.tasks if steps is None and model is not None else (), columns)
    if facts.events == 0:
        raise InvalidInput("the log has no events")
    notes: list[str] = []
    if steps is not None:
        chosen = _check_steps(facts.activities, steps, model)
        origin = "steps"
    else:
        assert model is not None
        chosen, left_out = _main_path(facts, model)
        notes.append(funnel_steps_note(chosen, left_out))
        origin = "model"
    notes += [funnel_unseen_step_note(s) for s in dict.fromkeys(chosen) if s not in facts.activities]
    for column in columns:
        _check_segments(column, facts.values[column], opts.max_segments)
    parts = FB.gather(source, facts, chosen, settle=opts.settle, columns=columns, channel=CHANNEL_BY in opts.by)
    everyone = parts.totals[FB.ALL_KEY].row(0, named=True)
    if everyone["in_progress"]:
        notes.append(in_progress_note(everyone["in_progress"], format_settle(opts.settle)))
    overall = _steps(parts, FB.ALL_KEY, chosen)[FB.ALL]
    if CHANNEL_BY in opts.by:
        channels = _channels(parts, chosen)
        for i, s in enumerate(overall):
            s["channels"] = channels.get(i, [])
    segments = [_segments(parts, FB.segment_key(i), chosen, column) for i, column in enumerate(columns)]
    return Funnel(
        steps=tuple(chosen), steps_from=origin, model=model.path if model is not None else None,
        journeys=facts.journeys, journeys_in_progress=everyone["in_progress"], settle=opts.settle, funnel=overall,
        drop_offs=_drop_offs(overall, everyone, chosen), by=opts.by, segments=segments, notes=notes,
    )


def _source(events: pl.DataFrame | EventSource) -> EventSource:
    """``events`` as a source (a Spark DataFrame too: the passes run on its executors)."""
    return events if isinstance(events, EventSource) else EventSource(events)


# ----------------------------------------------------------------------------------------------
# Steps and breakdowns asked for


def main_path(events: pl.DataFrame | EventSource, model: DesignedModel) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(the model's main path, its tasks left out)``: the support of a set of steps is the
    number of journeys with an event of each; a step's position is the median, over the journeys
    that do it, of the 0-based index of its first event (see :mod:`journeylog.mining.paths`)."""
    return _main_path(FB.log_facts(_source(events), model.tasks, ()), model)


def _main_path(facts: FB.FunnelFacts, model: DesignedModel) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """:func:`main_path` from the first pass's journeys per set of tasks and first-index histogram."""
    medians = FB.median_positions(facts.first_positions)
    label_sets = facts.label_sets

    def support(labels: frozenset[str]) -> int:
        return facts.journeys if not labels else sum(n for s, n in label_sets if labels <= s)

    path = path_search(model, support=support, position=lambda label: float(medians.get(label, float("inf"))))
    return path, tuple(t for t in model.tasks if t not in path)


def _check_steps(activities: frozenset[str], steps: Sequence[str], model: DesignedModel | None) -> tuple[str, ...]:
    """The steps given, each an activity of the log or a task of the model."""
    chosen = tuple(steps)
    if not chosen or any(not s for s in chosen):
        raise UsageError(f"{param('steps')}: give at least one step name, and no empty one")
    known = set(activities) | set(model.tasks if model is not None else ())
    for s in chosen:
        if s not in known:
            close = difflib.get_close_matches(s, sorted(known), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else "steps are activity names, separated by commas"
            where = "an activity of the log nor a task of the model" if model is not None else "an activity of the log"
            raise UsageError(f"{param('steps')}: {s!r} is neither {where}" if model is not None
                             else f"{param('steps')}: {s!r} is not {where}", hint=hint)
    return chosen


def _check_by(names: Sequence[str], opts: FunnelOptions) -> list[str]:
    """The journey attribute columns of ``by`` (``channel`` apart), each a column of the log."""
    out = []
    for column in dict.fromkeys(opts.by):
        if column == CHANNEL_BY:
            continue
        if column not in names or column in _NOT_SEGMENTS:
            usable = sorted(c for c in names if c not in _NOT_SEGMENTS)
            close = difflib.get_close_matches(column, usable, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else "columns: " + ", ".join([CHANNEL_BY, *usable])
            raise UsageError(f"{param('by')}: {column!r} is not a journey attribute column of the log", hint=hint)
        out.append(column)
    return out


def _check_segments(column: str, values: pl.Series, most: int) -> None:
    """Refuse a ``by`` column with more distinct journey values (null one of them) than ``most``."""
    if values.len() > most:
        raise UsageError(f"{param('by')}: {column!r} has {values.len():,} distinct values, more than a segment "
                         f"has ({most})", hint="pick a column such as a plan, a product or a region")


# ----------------------------------------------------------------------------------------------
# The figures, from the tables gathered over batches (loops over groups and steps only)


def _steps(parts: FB.FunnelParts, key: str, steps: Sequence[str]) -> dict[Any, list[FunnelStep]]:
    """The step figures per group of the breakdown ``key`` of ``parts``."""
    groups = parts.totals[key].select("_group", pl.col("journeys").alias("_total"))
    grid = groups.join(pl.DataFrame({"step": list(range(len(steps))), S.ACTIVITY: list(steps)},
                                    schema={"step": pl.Int32, S.ACTIVITY: pl.String}), how="cross")
    table = (grid.join(parts.counts[key], on=["_group", "step"], how="left", nulls_equal=True)
             .join(parts.failures[key], on=["_group", S.ACTIVITY], how="left", nulls_equal=True)
             .with_columns(pl.col("journeys", "continued", "stopped", "stopped_in_progress", "settled", "events")
                           .fill_null(0))
             .sort("_group", "step", nulls_last=True))
    out: dict[Any, list[FunnelStep]] = {}
    last = len(steps) - 1
    for r in table.iter_rows(named=True):
        rows = out.setdefault(r["_group"], [])
        n, total = int(r["journeys"]), int(r["_total"])
        before = int(rows[-1]["journeys"]) if rows else total
        first = int(rows[0]["journeys"]) if rows else n
        end = r["step"] == last
        rows.append({
            "index": int(r["step"]) + 1, "step": r[S.ACTIVITY], "journeys": n,
            "share_of_journeys": n / total if total else 0.0,
            "conversion_from_previous": n / before if before else None,
            "conversion_from_start": n / first if first else None,
            "stopped": None if end else int(r["stopped"]),
            "stopped_in_progress": None if end else int(r["stopped_in_progress"]),
            "stopped_share": None if end or not r["settled"] else int(r["stopped"]) / int(r["settled"]),
            "median_seconds_from_previous": r["median"], "p90_seconds_from_previous": r["p90"],
            "events": int(r["events"]), "failed_events": None if r["failed_events"] is None else int(r["failed_events"]),
            "failure_rate": _rate(r["failed_events"], r["events"]), "channels": None,
        })
    return out


def _rate(failed: int | None, events: int) -> float | None:
    return None if failed is None or not events else int(failed) / int(events)


def _channels(parts: FB.FunnelParts, steps: Sequence[str]) -> dict[int, list[FunnelChannel]]:
    """Step index -> the journeys that reached it per channel, most first (ties by name)."""
    index = pl.DataFrame({"step": list(range(len(steps))), S.ACTIVITY: list(steps)},
                         schema={"step": pl.Int32, S.ACTIVITY: pl.String})
    table = (parts.counts[S.CHANNEL].rename({"_group": S.CHANNEL}).join(index, on="step")
             .join(parts.failures[S.CHANNEL].rename({"_group": S.CHANNEL}), on=[S.CHANNEL, S.ACTIVITY], how="left")
             .with_columns(pl.col("journeys").sum().over("step").alias("_reached"), pl.col("events").fill_null(0))
             .sort(["step", "journeys", S.CHANNEL], descending=[False, True, False]))
    out: dict[int, list[FunnelChannel]] = {}
    last = len(steps) - 1
    for r in table.iter_rows(named=True):
        n = int(r["journeys"])
        out.setdefault(int(r["step"]), []).append({
            "channel": r[S.CHANNEL], "journeys": n, "share": n / int(r["_reached"]),
            "continued": int(r["continued"]), "conversion_to_next": None if r["step"] == last else int(r["continued"]) / n,
            "median_seconds_from_previous": r["median"], "p90_seconds_from_previous": r["p90"],
            "events": int(r["events"]), "failed_events": None if r["failed_events"] is None else int(r["failed_events"]),
            "failure_rate": _rate(r["failed_events"], r["events"]),
        })
    return out


def _segments(parts: FB.FunnelParts, key: str, steps: Sequence[str], column: str) -> FunnelSegments:
    """The funnel per value of ``column`` (a journey's first non-null value), most journeys first."""
    per = _steps(parts, key, steps)
    sizes = dict(parts.totals[key].select("_group", "journeys").rows())
    order = sorted(per, key=lambda v: (-sizes[v], v is None, "" if v is None else v))
    return {"column": column, "segments": [{"value": v, "journeys": int(sizes[v]), "steps": per[v]} for v in order]}


def _drop_offs(steps: list[FunnelStep], everyone: dict[str, Any], names: Sequence[str]) -> list[FunnelDropOff]:
    """Who stopped where, in funnel order: before the first step, then after each but the last
    (``everyone``: the totals of all journeys)."""
    waiting = int(everyone["waiting"])
    settled = int(everyone["journeys"]) - int(everyone["in_progress"])
    out = [_drop(None, names[0], int(everyone["not_started"]) - waiting, settled, waiting)]
    for i, s in enumerate(steps[:-1]):
        out.append(_drop(s["step"], names[i + 1], int(s["stopped"] or 0), None, int(s["stopped_in_progress"] or 0),
                         s["stopped_share"]))
    return out


def _drop(after: str | None, before: str, journeys: int, base: float | int | None, in_progress: int,
          share: float | None = None) -> FunnelDropOff:
    """One drop-off with its statement; ``share`` (else ``journeys / base``) is over the journeys
    that got as far and are not in progress."""
    if share is None and base:
        share = journeys / base
    return {"kind": cast("Any", DeviationKind.DROPPED_OUT.value), "after": after, "before": before,
            "journeys": journeys, "share": share, "in_progress": in_progress,
            "statement": funnel_dropoff_statement(after, before, journeys, share, in_progress)}
