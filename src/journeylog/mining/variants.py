"""The variant table as pm4py sees it, and per-journey sums weighted back from variants.

Every algorithm in :mod:`journeylog.mining` takes the *variant table* of
:func:`journeylog.journeys.variants` (``variant_id``, ``activities``, ``journeys``): pm4py sees one
trace per variant and every figure is weighted back by ``journeys``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from typing import Any, TypeAlias

import polars as pl

from journeylog.mining.determinism import ACTIVITY_KEY, pm4py_quiet

#: the variant id of every journey in pm4py's trace order, or a function summing per-variant
#: values over the journeys in that order (see :func:`ordered_sum`); None: an exact sum
TraceOrder: TypeAlias = "Iterable[int] | pl.Series | Callable[[Mapping[int, float]], float] | None"

__all__ = ["TraceOrder", "VariantRow", "variant_rows", "variant_log", "variant_counter", "variant_counts", "ordered_sum", "mean"]

#: ``(variant_id, activities, journeys)``
VariantRow = tuple[int, tuple[str, ...], int]


def variant_rows(variant_table: pl.DataFrame) -> list[VariantRow]:
    """``(variant_id, activities, journeys)`` sorted by variant id.

    >>> vt = pl.DataFrame({"variant_id": [2, 1], "activities": [["a"], ["a", "b"]], "journeys": [1, 3]})
    >>> variant_rows(vt)
    [(1, ('a', 'b'), 3), (2, ('a',), 1)]
    """
    missing = [c for c in ("variant_id", "activities", "journeys") if c not in variant_table.columns]
    if missing:
        raise ValueError(f"not a variant table: missing column(s) {', '.join(missing)}")
    table = variant_table.select("variant_id", "activities", "journeys").sort("variant_id")
    out = []
    names: dict[str, str] = {}  # one string object per activity, shared by every variant (millions of variants)
    for vid, acts, count in table.iter_rows():
        out.append((int(vid), tuple(names.setdefault(a, a) for a in acts) if acts else (), int(count)))
    return out


def variant_log(variant_table: pl.DataFrame) -> Any:
    """A pm4py EventLog with one trace per variant (activity key ``concept:name``).

    Traces are in variant-id order; each trace carries ``concept:name`` = the variant id and
    ``journeys`` = how many journeys follow it.
    """
    pm4py_quiet()
    from pm4py.objects.log.obj import Event, EventLog, Trace

    log = EventLog()
    for vid, acts, count in variant_rows(variant_table):
        trace = Trace([Event({ACTIVITY_KEY: a}) for a in acts], attributes={ACTIVITY_KEY: str(vid), "journeys": count})
        log.append(trace)
    return log


def variant_counter(variant_table: pl.DataFrame) -> Counter[tuple[str, ...]]:
    """Journeys per activity sequence, in variant-id order (pm4py's ``UVCL``)."""
    c: Counter[tuple[str, ...]] = Counter()
    for _vid, acts, count in variant_rows(variant_table):
        c[acts] += count
    return c


def variant_counts(variant_table: pl.DataFrame) -> dict[int, int]:
    """Journeys per variant id."""
    return {vid: count for vid, _acts, count in variant_rows(variant_table)}


def ordered_sum(
    values: dict[int, float], trace_order: TraceOrder, counts: dict[int, int]
) -> float | Fraction:
    """Sum per-journey values: pm4py's left-to-right float sum in ``trace_order``, or exactly.
    ``trace_order`` may also be a function that makes that sum of ``values`` where the journeys
    are (an engine holding them, :class:`journeylog.explain.journey_groups.JourneyGroups`).

    Without ``trace_order`` the sum is an exact :class:`~fractions.Fraction`, for :func:`mean`.

    >>> ordered_sum({1: 0.1, 2: 0.2}, [1, 2, 1], {1: 2, 2: 1})
    0.4
    >>> ordered_sum({1: 0.1, 2: 0.2}, None, {1: 2, 2: 1}) == Fraction(0.1) * 2 + Fraction(0.2)
    True
    """
    if callable(trace_order):
        return trace_order(values)
    if trace_order is not None:
        if isinstance(trace_order, pl.Series):
            trace_order = trace_order.to_list()
        total = 0.0
        for vid in trace_order:
            v = values.get(int(vid))
            if v is not None:
                total += v
        return total
    return sum((Fraction(v) * counts[vid] for vid, v in values.items() if v is not None), Fraction(0))


def mean(total: float | Fraction, n: int) -> float:
    """``total / n`` as pm4py computes it (floats), or exactly rounded for an exact total.

    >>> mean(Fraction(1, 3), 1), mean(1.0, 4)
    (0.3333333333333333, 0.25)
    """
    if isinstance(total, Fraction):
        return float(total / n)
    return float(total) / float(n)
