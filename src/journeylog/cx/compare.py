"""Compare segments: the same key figures for two or more groups of journeys side by side, and the
differences that are statistically significant, in plain language.

**Segments.** ``by`` a column (a journey or customer attribute: a journey's value is its first
non-empty one, as for ``--segment``, docs/segments.md) gives one segment per value (the
``max_segments`` largest; the rest together as ``(other values)``; journeys without a value as
``(missing)``); ``by`` ``month``, ``week`` (ISO) or ``quarter`` (when the log has no column of that
name) groups journeys by their start (UTC). Or two sides, ``a`` and ``b``, are compared: each
``COLUMN=VALUE`` segments (values of one column are alternatives, columns must all match) or a
period (``month=2026-03``; :func:`side_selection`).

**Figures per segment.** journeys, events, median and p90 duration, mean satisfaction (of the
journeys with a score), and these shares of journeys (the *items*): with a failed step; using each
channel; following each of the log's ``top_variants`` most frequent variants; showing each
cross-channel pattern that occurs; with a model, fitness (pm4py's log fitness over the segment's
journeys), the fitting share and the share with each deviation (a drop-out's over the journeys not
in progress).

**Tests.** Two segments are compared with each other; more than two, each with all other
journeys. Each item's two shares are tested as drift tests them (:func:`journeylog.stats.two_by_two`:
chi-square with Yates' correction, Fisher's exact test for small counts) when both sides have at
least ``min_journeys`` journeys, and every p-value of the run is corrected together (Holm, or
Benjamini-Hochberg with ``correction="bh"``). A difference is reported when its corrected p-value
is below ``alpha`` and the shares differ by at least ``min_effect``. Durations, satisfaction and
fitness are shown, not tested.

**Memory.** The events are a frame or an :class:`~journeylog.ingest.EventSource`; a log larger
than memory is read in journey-complete batches (:mod:`journeylog.cx.compare_batches`: the variant
table, then one row per journey), so only per-journey tables are kept; the results are the same
bytes as in memory.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import polars as pl

from journeylog import schema as S
from journeylog import stats
from journeylog.contracts.outputs import CompareOutput
from journeylog.cx import compare_wording as W
from journeylog.cx.compare_batches import PerJourney, gather_journeys
from journeylog.drift.items import FITTING, Item
from journeylog.errors import InvalidInput, UsageError, param
from journeylog.explain import batches as B
from journeylog.ingest import EventSource
from journeylog.journeys import JourneySelection
from journeylog.journeys.selection import parse_segment
from journeylog.text import fmt_int

__all__ = ["PERIODS", "CompareOptions", "Comparison", "compare", "side_selection", "to_json"]

#: ``by`` values that group journeys by their start (UTC), with the format of a segment's name
PERIODS: dict[str, str] = {"month": "1mo", "week": "1w", "quarter": "1q"}
CORRECTIONS = ("holm", "bh")


@dataclass(frozen=True)
class CompareOptions:
    """What to compare (``by``, or ``a`` and ``b``) and how to test (see the module docs)."""

    by: str | None = None
    a: tuple[str, ...] = ()  # COLUMN=VALUE segments (month=2026-03: journeys starting in that month)
    b: tuple[str, ...] = ()
    alpha: float = 0.01
    min_effect: float = 0.02
    min_journeys: int = 30
    correction: str = "holm"
    top_variants: int = 5
    max_segments: int = 12

    def check(self) -> None:
        """A :class:`~journeylog.errors.UsageError` for a value out of range or a missing choice."""
        if (self.by is None) == (not self.a and not self.b):
            raise UsageError(f"give {param('by')}, or {param('a')} and {param('b')}")
        if self.by is None and (not self.a or not self.b):
            raise UsageError(f"give both {param('a')} and {param('b')}")
        if self.correction not in CORRECTIONS:
            raise UsageError(f"{param('correction')} must be one of {', '.join(CORRECTIONS)}, not {self.correction!r}")
        if not 0 < self.alpha < 1:
            raise UsageError(f"{param('alpha')} must be above 0 and below 1, not {self.alpha:g}")
        if not 0 <= self.min_effect < 1:
            raise UsageError(f"{param('min_effect')} must be from 0 to below 1 (a share), not {self.min_effect:g}")
        if self.min_journeys < 1 or self.top_variants < 0 or self.max_segments < 2:
            raise UsageError(f"{param('min_journeys')} must be at least 1, {param('max_segments')} at least 2")


@dataclass
class Comparison:
    """The result of :func:`compare`; :func:`to_json` is its documented contract."""

    options: CompareOptions
    items: list[dict[str, str]]
    segments: list[dict[str, Any]]
    differences: list[dict[str, Any]]
    journeys: int
    tests: int
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------
# Segments: journey -> segment name
# ------------------------------------------------------------------------------------------


def _by_kind(columns: Sequence[str], by: str) -> str:
    """``period`` when ``by`` groups journeys by their start, ``column`` when it names a column;
    a :class:`~journeylog.errors.UsageError` otherwise."""
    if by not in columns and by in PERIODS:
        return "period"
    if by not in columns:
        import difflib

        close = difflib.get_close_matches(by, list(columns), n=1)
        raise UsageError(f"{param('by')}: the log has no column {by!r} (and it is none of {', '.join(PERIODS)})",
                         hint=(f"did you mean {close[0]!r}? " if close else "") + "columns: "
                         + ", ".join(c for c in columns if c not in (S.SOURCE_ROW, S.INPUT_ORDER)))
    return "column"


def _segments_by(per: PerJourney, by: str, max_segments: int, notes: list[str]) -> pl.DataFrame:
    """journey_id, segment for ``by`` a column or a period (``per.values`` is None)."""
    values = per.values
    if values is None:
        start = pl.col("start")
        name = {"month": start.dt.strftime("%Y-%m"), "quarter": start.dt.year().cast(pl.String) + "-Q"
                + start.dt.quarter().cast(pl.String), "week": start.dt.strftime("%G-W%V")}[by]
        return per.stats.select(S.JOURNEY_ID, name.alias("segment"))
    values = values.with_columns(pl.col("value").fill_null(W.MISSING))
    counts = values.group_by("value").len().sort(["len", "value"], descending=[True, False])
    if counts.height > max_segments:
        keep = counts.head(max_segments - 1)["value"]
        notes.append(f"{by} has {fmt_int(counts.height)} values: the {max_segments - 1} largest are compared, "
                     f"the rest together as {W.OTHER_VALUES}")
        values = values.with_columns(pl.when(pl.col("value").is_in(keep.implode())).then(pl.col("value"))
                                     .otherwise(pl.lit(W.OTHER_VALUES)).alias("value"))
    return values.select(S.JOURNEY_ID, pl.col("value").alias("segment"))


def _side(flag: str) -> str:
    """The parameter token of side ``a`` or ``b``."""
    return param("a") if flag == "a" else param("b")


def _period(value: str, by: str, flag: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of ``2026-03`` (month), ``2026-Q2`` (quarter) or ``2026-W14`` (ISO week), UTC."""
    m = {"month": r"(\d{4})-(\d{2})", "quarter": r"(\d{4})-Q([1-4])", "week": r"(\d{4})-W(\d{2})"}[by]
    found = re.fullmatch(m, value.strip())
    try:
        if found is None:
            raise ValueError
        year, k = int(found.group(1)), int(found.group(2))
        if by == "week":
            start = dt.datetime.fromisocalendar(year, k, 1).replace(tzinfo=dt.UTC)
            return start, start + dt.timedelta(weeks=1)
        first = k if by == "month" else 3 * k - 2
        start = dt.datetime(year, first, 1, tzinfo=dt.UTC)
        months = 1 if by == "month" else 3
        end_month = first + months
        return start, dt.datetime(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1, tzinfo=dt.UTC)
    except ValueError:
        example = {"month": "2026-03", "quarter": "2026-Q2", "week": "2026-W14"}[by]
        raise UsageError(f"{_side(flag)} {by}={value!r}: not a {by}", hint=f"e.g. {by}={example}") from None


def side_selection(texts: Sequence[str], columns: Sequence[str], flag: str) -> JourneySelection:
    """The selection of one side (``a`` or ``b``): ``COLUMN=VALUE`` segments; ``month=2026-03``,
    ``quarter=2026-Q2``, ``week=2026-W14`` (``period=`` means month) select journeys starting in
    that period when the log has no column of that name.

    >>> side_selection(["plan=pro", "month=2026-03"], ["plan"], "a").parts()
    ['plan=pro', 'from 2026-03-01', 'to 2026-04-01']
    """
    segments, start, end = [], None, None
    for item in texts:
        column, value = parse_segment(item)
        key = "month" if column == "period" else column
        if column not in columns and key in PERIODS:
            lo, hi = _period(value, key, flag)
            start, end = max(start or lo, lo), min(end or hi, hi)
            if end <= start:
                raise UsageError(f"{_side(flag)}: the periods given do not overlap")
        else:
            segments.append((column, value))
    return JourneySelection(segments, start, end)


def _side_names(a: Sequence[str], b: Sequence[str]) -> list[str]:
    """The names of the two sides."""
    names = [", ".join(a), ", ".join(b)]
    return [f"A ({names[0]})", f"B ({names[1]})"] if names[0] == names[1] else names


def _segments_ab(per: PerJourney, names: list[str], notes: list[str]) -> pl.DataFrame:
    """journey_id, segment for two sides (a journey in both belongs to both: a note says so)."""
    parts = [per.side(k).with_columns(pl.lit(name).alias("segment")) for k, name in enumerate(names)]
    both = parts[0].join(parts[1], on=S.JOURNEY_ID, how="semi").height
    if both:
        notes.append(f"{fmt_int(both)} journeys belong to both segments; the tests assume they do not")
    return pl.concat(parts)


# ------------------------------------------------------------------------------------------
# Per-journey indicators: one boolean column per item
# ------------------------------------------------------------------------------------------


def _indicators(per: PerJourney, variant_table: pl.DataFrame, top_variants: int) -> tuple[pl.DataFrame, list[Item], list[str]]:
    """journey_id and one boolean column per item (failure, channels, top variants, patterns);
    the items and their labels."""
    labels = W.item_labels()
    items, names = [Item("failure", "failure")], [labels["failure"]]
    flags = [pl.col("failure")]
    for ch in per.channels:
        flags.append(pl.col(f"channel:{ch}"))
        items.append(Item(f"channel:{ch}", "channel"))
        names.append(labels["channel"].format(x=ch))
    for r in variant_table.head(top_variants).iter_rows(named=True):
        iid = f"variant:{r['variant_id']}"
        flags.append((pl.col("variant_id") == r["variant_id"]).fill_null(False).alias(iid))
        items.append(Item(iid, "variant"))
        names.append(W.variant_label(int(r["variant_id"]), list(r["activities"])))
    table = per.table.select(S.JOURNEY_ID, *flags)
    gatherer = per.matches
    reasons = gatherer.reasons()
    for p in sorted((p for p in gatherer.patterns if reasons[p.id] is None), key=lambda p: p.id):
        pj = gatherer.journeys(p.id)
        if pj.height:
            iid = f"pattern:{p.id}"
            table = table.join(pj.select(S.JOURNEY_ID, pl.lit(True).alias(iid)), on=S.JOURNEY_ID, how="left")
            items.append(Item(iid, "pattern"))
            names.append(f"'{p.name}'")
    cols = [c for c in table.columns if c != S.JOURNEY_ID]
    return table.with_columns(pl.col(cols).fill_null(False)), items, names


def _model_indicators(conformance: Any) -> tuple[pl.DataFrame, list[Item], list[str]]:
    """journey_id, fitting share and deviation indicators, ``_settled``, ``_cost``, ``_bwc`` of a
    conformance result (alignments)."""
    jt = conformance.journey_table
    items, names = [Item(FITTING, FITTING)], ["fitting the designed journey"]
    table = jt.select(
        S.JOURNEY_ID,
        (pl.col("fitness") == 1.0).fill_null(False).alias(FITTING),
        (~pl.col("in_progress") if "in_progress" in jt.columns else pl.lit(True)).alias("_settled"),
        pl.col("cost").alias("_cost"), pl.col("bwc").alias("_bwc"),
    )
    dev = conformance.deviations
    pairs = jt.select(S.JOURNEY_ID, "deviations").explode("deviations").drop_nulls("deviations")
    for r in (dev.select("id", "kind", "activity").sort("id").iter_rows(named=True) if dev.height else []):
        table = table.join(pairs.filter(pl.col("deviations") == r["id"]).select(S.JOURNEY_ID, pl.lit(True).alias(r["id"])),
                           on=S.JOURNEY_ID, how="left")
        item = Item(r["id"], r["kind"], r["activity"])
        items.append(item)
        names.append(item.label)
    flags = [it.id for it in items]
    return table.with_columns(pl.col(flags).fill_null(False)), items, names


# ------------------------------------------------------------------------------------------
# The comparison
# ------------------------------------------------------------------------------------------


def compare(events: pl.DataFrame | EventSource, options: CompareOptions, *, rules: Any = None,
            conformance: Any = None) -> Comparison:
    """The key figures per segment of ``events`` and the significant differences (module docs).

    ``events``: a frame of canonical events or an :class:`~journeylog.ingest.EventSource` (a log
    larger than memory is read in journey-complete batches; the results are the same).
    ``rules``: the cross-channel patterns (default: the built-ins); ``conformance``: a
    :class:`journeylog.conform.Conformance` of the same events (alignments) for the model figures
    (its variant table spares a pass over the events)."""
    from journeylog.explain.patterns import PatternGatherer, Rules

    options.check()
    source = events if isinstance(events, EventSource) else EventSource(events)
    columns = source.columns
    period = options.by is not None and _by_kind(columns, options.by) == "period"
    sides = [] if options.by is not None else [side_selection(options.a, columns, "a"),
                                               side_selection(options.b, columns, "b")]
    variant_table = conformance.variant_table if conformance is not None else None
    if variant_table is None:
        variant_table = B.log_facts(source).variant_table
    per = gather_journeys(source, variant_table, by_column=options.by if options.by is not None and not period else None,
                          sides=sides, patterns=PatternGatherer(rules if rules is not None else Rules(), columns))
    if per.stats.height == 0:
        raise InvalidInput("the log has no events")
    notes: list[str] = []
    stats_frame = per.stats
    if options.by is not None:
        seg = _segments_by(per, options.by, options.max_segments, notes)
    else:
        seg = _segments_ab(per, _side_names(options.a, options.b), notes)
    ind, items, labels = _indicators(per, variant_table, options.top_variants)
    if conformance is not None:
        mind, mitems, mlabels = _model_indicators(conformance)
        ind = ind.join(mind, on=S.JOURNEY_ID, how="left")
        items, labels = items + mitems, labels + mlabels
    # sorted, so every sum and mean adds in the same order on every run (same input, same bytes)
    table = (seg.join(stats_frame, on=S.JOURNEY_ID, how="left").join(ind, on=S.JOURNEY_ID, how="left")
             .sort("segment", S.JOURNEY_ID))
    names = _segment_order(seg, period)
    if len(names) < 2:
        raise InvalidInput(f"only one segment to compare ({names[0] if names else 'none'})",
                           hint=f"choose another {param('by')}, or give {param('a')} and {param('b')}")
    segments = [_figures(table.filter(pl.col("segment") == name), name, items, stats_frame.height, conformance)
                for name in names]
    phrases = {n: W.segment_phrase(n, options.by, period) for n in names}
    differences, tests = _differences(table, names, items, labels, options, phrases)
    return Comparison(options, [{"id": it.id, "kind": it.kind, "label": lab} for it, lab in zip(items, labels, strict=True)],
                      segments, differences, stats_frame.height, tests, notes)


def _segment_order(seg: pl.DataFrame, by_period: bool) -> list[str]:
    """Periods in time order; other segments by journeys (most first), then name; the lumped
    and missing ones last."""
    counts = seg.group_by("segment").len()
    if by_period:
        return sorted(counts["segment"].to_list())
    last = {W.OTHER_VALUES: 1, W.MISSING: 2}
    rows = sorted(counts.iter_rows(), key=lambda r: (last.get(r[0], 0), -r[1], r[0]))
    return [r[0] for r in rows]


def _counts(frame: pl.DataFrame, item: Item) -> tuple[int, int]:
    """(journeys with the item, journeys it is a share of) in ``frame``."""
    if item.kind == "dropped_out" and "_settled" in frame.columns:
        frame = frame.filter(pl.col("_settled"))
    if item.kind in (FITTING,) or (item.kind not in ("failure", "channel", "variant", "pattern")):
        frame = frame.filter(pl.col("_cost").is_not_null())  # aligned journeys (all, with alignments)
    return int(frame[item.id].sum()), frame.height


def _figures(frame: pl.DataFrame, name: str, items: list[Item], total: int, conformance: Any) -> dict[str, Any]:
    """The key figures of one segment."""
    dur = frame["duration_seconds"]
    sat = frame["satisfaction"].drop_nulls()
    shares: dict[str, float | None] = {}
    for it in items:
        x, n = _counts(frame, it)
        shares[it.id] = x / n if n else None
    fitness = None
    if conformance is not None:
        bwc = int(frame["_bwc"].fill_null(0).sum())
        fitness = 1.0 - int(frame["_cost"].fill_null(0).sum()) / bwc if bwc > 0 else None
    return {
        "name": name,
        "journeys": frame.height,
        "events": int(frame["events"].sum()),
        "share_of_journeys": frame.height / total if total else 0.0,
        "median_duration_seconds": float(cast(float, dur.median())) if frame.height else None,
        "p90_duration_seconds": float(cast(float, dur.quantile(0.9, "linear"))) if frame.height else None,
        "satisfaction": float(cast(float, sat.mean())) if sat.len() else None,
        "fitness": fitness,
        "shares": shares,
    }


def _differences(table: pl.DataFrame, names: list[str], items: list[Item], labels: list[str],
                 options: CompareOptions, phrases: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
    """Every (segment, item) test, corrected together; the significant differences with their
    statements, most significant first."""
    pairs = [(names[0], names[1])] if len(names) == 2 else [(n, None) for n in names]
    rows = []
    for name, other in pairs:
        inside = table.filter(pl.col("segment") == name)
        outside = table.filter(pl.col("segment") == other) if other is not None else table.filter(
            pl.col("segment") != name).unique(S.JOURNEY_ID, keep="first", maintain_order=True)
        for it, label in zip(items, labels, strict=True):
            a, n1 = _counts(inside, it)
            b, n2 = _counts(outside, it)
            if n1 >= options.min_journeys and n2 >= options.min_journeys:
                rows.append((name, other or W.OTHERS, it, label, a, n1, b, n2))
    if not rows:
        return [], 0
    arr = np.array([r[4:] for r in rows], dtype=float)
    p, test = stats.two_by_two(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])
    q = stats.adjust(p.tolist(), options.correction)
    out: list[dict[str, Any]] = []
    for k, (name, other, it, label, a, n1, b, n2) in enumerate(rows):
        share, share_b = a / n1, b / n2
        if q[k] >= options.alpha or abs(share - share_b) < options.min_effect - 1e-12:
            continue
        out.append({
            "item": it.id, "kind": it.kind, "segment": name, "against": other, "share": share,
            "share_against": share_b, "journeys": n1, "journeys_against": n2,
            "ratio": share / share_b if share_b > 0 else None, "p_value": float(p[k]), "q_value": float(q[k]),
            "test": str(test[k]),
            "statement": W.difference_statement(label, phrases[name], phrases.get(other, other), share, share_b,
                                                float(p[k])),
        })
    out.sort(key=lambda d: (d["q_value"], -abs(d["share"] - d["share_against"]), d["segment"], d["item"]))
    return out, len(rows)


def to_json(c: Comparison) -> CompareOutput:
    """The documented JSON contract of ``journeylog compare --json`` (docs/segments.md)."""
    o = c.options
    return {
        "by": o.by,
        "comparison": "pair" if len(c.segments) == 2 else "each against the rest",
        "alpha": o.alpha,
        "correction": cast(Any, o.correction),
        "min_effect": o.min_effect,
        "min_journeys": o.min_journeys,
        "method": "chi-square (Yates) or Fisher's exact on journey counts, "
                  + ("Holm" if o.correction == "holm" else "Benjamini-Hochberg") + " over every test of the run",
        "journeys": c.journeys,
        "tests": c.tests,
        "items": cast(Any, c.items),
        "segments": cast(Any, c.segments),
        "differences": cast(Any, c.differences),
        "notes": c.notes,
    }
