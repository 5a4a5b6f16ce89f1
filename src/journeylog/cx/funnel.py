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

Event-level work is Polars expressions; the only Python loops run over steps.

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

from journeylog import journeys as J
from journeylog import schema as S
from journeylog.config.settle import DEFAULT_SETTLE, format_settle
from journeylog.conform import in_progress_journeys
from journeylog.contracts.funnel import FunnelChannel, FunnelDropOff, FunnelOutput, FunnelSegments, FunnelStep
from journeylog.cx.wording import funnel_dropoff_statement, funnel_steps_note, funnel_unseen_step_note
from journeylog.engine import quantile_seconds
from journeylog.engine.polars import middle_us
from journeylog.errors import InvalidInput, UsageError, param
from journeylog.explain.wording import DeviationKind, in_progress_note
from journeylog.mining.paths import main_path as path_search
from journeylog.models import DesignedModel

__all__ = ["CHANNEL_BY", "Funnel", "FunnelOptions", "funnel", "main_path"]

#: the ``by`` value for the breakdown by the channel each step was done on
CHANNEL_BY = "channel"
#: columns that are no journey attribute
_NOT_SEGMENTS = (S.JOURNEY_ID, S.TIMESTAMP, S.INPUT_ORDER, S.SOURCE_ROW)
_POS = "_pos"


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


def funnel(events: pl.DataFrame, model: DesignedModel | None = None, steps: Sequence[str] | None = None,
           options: FunnelOptions | None = None) -> Funnel:
    """The funnel of ``events`` along ``steps``, or along the main path of the designed ``model``
    (see the module docstring for every definition)."""
    opts = options or FunnelOptions()
    if events.height == 0:
        raise InvalidInput("the log has no events")
    if steps is None and model is None:
        raise UsageError(f"give the designed model ({param('model')}) or the steps of the funnel ({param('steps')})")
    columns = _check_by(events, opts)  # the cheap checks first
    notes: list[str] = []
    if steps is not None:
        chosen = _check_steps(events, steps, model)
        source = "steps"
    ev = _positions(events)
    if steps is None and model is not None:
        chosen, left_out = main_path(ev, model)
        notes.append(funnel_steps_note(chosen, left_out))
        source = "model"
    seen = set(ev[S.ACTIVITY].unique().to_list())
    notes += [funnel_unseen_step_note(s) for s in dict.fromkeys(chosen) if s not in seen]
    journeys = ev.select(S.JOURNEY_ID).unique()
    in_progress = in_progress_journeys(J.journey_stats(events), opts.settle)
    if in_progress:
        notes.append(in_progress_note(len(in_progress), format_settle(opts.settle)))
    flags = journeys.with_columns(pl.col(S.JOURNEY_ID).is_in(in_progress).alias("in_progress"))
    reach = _reach(ev, chosen).join(flags, on=S.JOURNEY_ID, how="left")
    has_outcome = S.OUTCOME in ev.columns and ev[S.OUTCOME].null_count() < ev.height  # else: no outcome known
    channels = _channels(ev, reach, chosen, has_outcome) if CHANNEL_BY in opts.by else None
    overall = _steps(ev.with_columns(pl.lit("all").alias("_group")), reach.with_columns(pl.lit("all").alias("_group")),
                     flags.with_columns(pl.lit("all").alias("_group")), chosen, has_outcome)["all"]
    if channels is not None:
        for i, s in enumerate(overall):
            s["channels"] = channels.get(i, [])
    segments = [_segments(ev, reach, flags, chosen, column, has_outcome, opts.max_segments) for column in columns]
    return Funnel(
        steps=tuple(chosen), steps_from=source, model=model.path if model is not None else None,
        journeys=journeys.height, journeys_in_progress=len(in_progress), settle=opts.settle, funnel=overall,
        drop_offs=_drop_offs(overall, flags, reach, chosen), by=opts.by, segments=segments, notes=notes,
    )


# ----------------------------------------------------------------------------------------------
# Steps and breakdowns asked for


def main_path(events: pl.DataFrame, model: DesignedModel) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(the model's main path, its tasks left out)``: the support of a set of steps is the
    number of journeys with an event of each; a step's position is the median, over the journeys
    that do it, of the 0-based index of its first event (see :mod:`journeylog.mining.paths`)."""
    ev = (events if _POS in events.columns else _positions(events)).filter(pl.col(S.ACTIVITY).is_in(list(model.tasks)))
    total = events[S.JOURNEY_ID].n_unique()
    sets = (ev.group_by(S.JOURNEY_ID).agg(pl.col(S.ACTIVITY).unique().sort().alias("labels"))
            .group_by("labels").len().rows())
    label_sets = [(frozenset(labels), int(n)) for labels, n in sets]
    first = ev.group_by(S.JOURNEY_ID, S.ACTIVITY).agg(pl.col(_POS).min())
    medians = dict(first.group_by(S.ACTIVITY).agg(pl.col(_POS).median()).rows())

    def support(labels: frozenset[str]) -> int:
        return total if not labels else sum(n for s, n in label_sets if labels <= s)

    path = path_search(model, support=support, position=lambda label: float(medians.get(label, float("inf"))))
    return path, tuple(t for t in model.tasks if t not in path)


def _check_steps(events: pl.DataFrame, steps: Sequence[str], model: DesignedModel | None) -> tuple[str, ...]:
    """The steps given, each an activity of the log or a task of the model."""
    chosen = tuple(steps)
    if not chosen or any(not s for s in chosen):
        raise UsageError(f"{param('steps')}: give at least one step name, and no empty one")
    known = set(events[S.ACTIVITY].unique().to_list()) | set(model.tasks if model is not None else ())
    for s in chosen:
        if s not in known:
            close = difflib.get_close_matches(s, sorted(known), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else "steps are activity names, separated by commas"
            where = "an activity of the log nor a task of the model" if model is not None else "an activity of the log"
            raise UsageError(f"{param('steps')}: {s!r} is neither {where}" if model is not None
                             else f"{param('steps')}: {s!r} is not {where}", hint=hint)
    return chosen


def _check_by(events: pl.DataFrame, opts: FunnelOptions) -> list[str]:
    """The journey attribute columns of ``by`` (``channel`` apart), each a column of the log."""
    out = []
    for column in dict.fromkeys(opts.by):
        if column == CHANNEL_BY:
            continue
        if column not in events.columns or column in _NOT_SEGMENTS:
            usable = sorted(c for c in events.columns if c not in _NOT_SEGMENTS)
            close = difflib.get_close_matches(column, usable, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else "columns: " + ", ".join([CHANNEL_BY, *usable])
            raise UsageError(f"{param('by')}: {column!r} is not a journey attribute column of the log", hint=hint)
        out.append(column)
    return out


# ----------------------------------------------------------------------------------------------
# Event-level work (Polars; loops over steps only)


def _positions(events: pl.DataFrame) -> pl.DataFrame:
    """Events in journey order with their 0-based index in the journey (``_pos``) and a channel."""
    ev = J.ordered(events)
    channel = (pl.col(S.CHANNEL).fill_null(S.UNKNOWN_CHANNEL) if S.CHANNEL in ev.columns
               else pl.lit(S.UNKNOWN_CHANNEL)).alias(S.CHANNEL)
    return ev.with_columns(channel, pl.int_range(pl.len()).over(S.JOURNEY_ID).alias(_POS))


def _reach(ev: pl.DataFrame, steps: Sequence[str]) -> pl.DataFrame:
    """One row per (journey, step reached): ``step`` (0-based), the reaching event's ``_pos``,
    ``timestamp`` and ``channel``, ``delta_us`` from the step before, and ``continued`` (it
    reached the next step too)."""
    parts: list[pl.DataFrame] = []
    prev: pl.DataFrame | None = None
    for k, step in enumerate(steps):
        cand = ev.filter(pl.col(S.ACTIVITY) == step).select(S.JOURNEY_ID, _POS, S.TIMESTAMP, S.CHANNEL)
        if prev is None:
            hit = cand.group_by(S.JOURNEY_ID).agg(pl.all().sort_by(_POS).first()).with_columns(
                pl.lit(None, pl.Int64).alias("delta_us"))
        else:
            hit = (prev.select(S.JOURNEY_ID, pl.col(_POS).alias("_prev"), pl.col(S.TIMESTAMP).alias("_prev_ts"))
                   .join(cand, on=S.JOURNEY_ID).filter(pl.col(_POS) > pl.col("_prev"))
                   .group_by(S.JOURNEY_ID).agg(pl.all().sort_by(_POS).first())
                   .with_columns((pl.col(S.TIMESTAMP) - pl.col("_prev_ts")).dt.total_microseconds().alias("delta_us"))
                   .drop("_prev", "_prev_ts"))
        hit = hit.select(S.JOURNEY_ID, pl.lit(k, pl.Int32).alias("step"), _POS, S.TIMESTAMP, S.CHANNEL, "delta_us")
        parts.append(hit)
        prev = hit
    reach = pl.concat(parts, how="vertical")
    nxt = reach.select(S.JOURNEY_ID, (pl.col("step") - 1).alias("step"), pl.lit(True).alias("continued"))
    return (reach.join(nxt, on=[S.JOURNEY_ID, "step"], how="left")
            .with_columns(pl.col("continued").fill_null(False)).sort(S.JOURNEY_ID, "step"))


def _counts(reach: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per ``keys`` + step: journeys, continued, stopped (not in progress), stopped in progress,
    not in progress, and the median and p90 seconds from the step before."""
    counts = reach.group_by([*keys, "step"]).agg(
        pl.len().alias("journeys"),
        pl.col("continued").sum().alias("continued"),
        (~pl.col("continued") & ~pl.col("in_progress")).sum().alias("stopped"),
        (~pl.col("continued") & pl.col("in_progress")).sum().alias("stopped_in_progress"),
        (~pl.col("in_progress")).sum().alias("settled"),
    )
    times = reach.filter(pl.col("delta_us").is_not_null()).group_by([*keys, "step"]).agg(
        pl.len().alias("count"), *middle_us(pl.col("delta_us"), 0.5, "median"), *middle_us(pl.col("delta_us"), 0.9, "p90"))
    times = times.select(*keys, "step", quantile_seconds(times, 0.5, "median"), quantile_seconds(times, 0.9, "p90"))
    return counts.join(times, on=[*keys, "step"], how="left", nulls_equal=True)


def _failures(ev: pl.DataFrame, steps: Sequence[str], keys: list[str], has_outcome: bool) -> pl.DataFrame:
    """Per ``keys`` + activity of a step: its events and those with outcome failure."""
    failed = (pl.col(S.OUTCOME) == S.FAILURE).sum().cast(pl.Int64) if has_outcome else pl.lit(None, pl.Int64)
    return (ev.filter(pl.col(S.ACTIVITY).is_in(list(dict.fromkeys(steps))))
            .group_by([*keys, S.ACTIVITY]).agg(pl.len().alias("events"), failed.alias("failed_events")))


def _steps(ev: pl.DataFrame, reach: pl.DataFrame, flags: pl.DataFrame, steps: Sequence[str],
           has_outcome: bool) -> dict[Any, list[FunnelStep]]:
    """The step figures per value of ``_group`` (in ``ev``, ``reach`` and ``flags``)."""
    groups = flags.group_by("_group").agg(pl.len().alias("_total"))
    grid = groups.join(pl.DataFrame({"step": list(range(len(steps))), S.ACTIVITY: list(steps)},
                                    schema={"step": pl.Int32, S.ACTIVITY: pl.String}), how="cross")
    table = (grid.join(_counts(reach, ["_group"]), on=["_group", "step"], how="left", nulls_equal=True)
             .join(_failures(ev, steps, ["_group"], has_outcome), on=["_group", S.ACTIVITY], how="left", nulls_equal=True)
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


def _channels(ev: pl.DataFrame, reach: pl.DataFrame, steps: Sequence[str],
              has_outcome: bool) -> dict[int, list[FunnelChannel]]:
    """Step index -> the journeys that reached it per channel, most first (ties by name)."""
    counts = _counts(reach, [S.CHANNEL])
    index = pl.DataFrame({"step": list(range(len(steps))), S.ACTIVITY: list(steps)},
                         schema={"step": pl.Int32, S.ACTIVITY: pl.String})
    table = (counts.join(index, on="step").join(_failures(ev, steps, [S.CHANNEL], has_outcome),
                                                on=[S.CHANNEL, S.ACTIVITY], how="left")
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


def _segments(ev: pl.DataFrame, reach: pl.DataFrame, flags: pl.DataFrame, steps: Sequence[str], column: str,
              has_outcome: bool, most: int) -> FunnelSegments:
    """The funnel per value of ``column`` (a journey's first non-null value), most journeys first."""
    values = ev.group_by(S.JOURNEY_ID).agg(pl.col(column).drop_nulls().first().cast(pl.String).alias("_group"))
    distinct = values["_group"].n_unique()
    if distinct > most:
        raise UsageError(f"{param('by')}: {column!r} has {distinct:,} distinct values, more than a segment "
                         f"has ({most})", hint="pick a column such as a plan, a product or a region")
    flags = flags.join(values, on=S.JOURNEY_ID, how="left")
    per = _steps(ev.join(values, on=S.JOURNEY_ID, how="left"), reach.join(values, on=S.JOURNEY_ID, how="left"),
                 flags, steps, has_outcome)
    sizes = dict(flags.group_by("_group").len().rows())
    order = sorted(per, key=lambda v: (-sizes[v], v is None, "" if v is None else v))
    return {"column": column, "segments": [{"value": v, "journeys": int(sizes[v]), "steps": per[v]} for v in order]}


def _drop_offs(steps: list[FunnelStep], flags: pl.DataFrame, reach: pl.DataFrame,
               names: Sequence[str]) -> list[FunnelDropOff]:
    """Who stopped where, in funnel order: before the first step, then after each but the last."""
    not_started = flags.join(reach.filter(pl.col("step") == 0).select(S.JOURNEY_ID), on=S.JOURNEY_ID, how="anti")
    waiting = int(not_started["in_progress"].sum())
    settled = int((~flags["in_progress"]).sum())
    out = [_drop(None, names[0], not_started.height - waiting, settled, waiting)]
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
