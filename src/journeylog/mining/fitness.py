"""The whole log's alignment fitness figures from the per-variant alignments of
:func:`journeylog.mining.align`, as pm4py's ``fitness_alignments`` computes them on the full log
(one variant standing for all its journeys)."""

from __future__ import annotations

from typing import Any

import polars as pl

from journeylog.mining.variants import TraceOrder, mean, ordered_sum, variant_counts

__all__ = ["alignment_figures"]


def alignment_figures(
    aligned: pl.DataFrame, variant_table: pl.DataFrame, *, trace_order: TraceOrder = None
) -> dict[str, Any]:
    """pm4py's alignment fitness figures for the whole log, from the per-variant alignments.

    ``log_fitness`` (1 - total cost / total bwc), ``fitting_share`` (pm4py's percentage of fitting
    traces / 100) and ``average_fitness`` equal ``pm4py.fitness_alignments`` on the full log; for
    ``average_fitness`` to the last digit give ``trace_order`` (see :mod:`journeylog.mining`). Also
    ``journeys`` (aligned), ``fitting_journeys`` and ``timed_out_journeys``.
    """
    counts = variant_counts(variant_table)
    sum_cost = 0
    sum_bwc = 0
    n = 0
    fit = 0
    timed_out = 0
    fitness: dict[int, float] = {}
    for vid, cost, bwc, f in aligned.select("variant_id", "cost", "bwc", "fitness").iter_rows():
        c = counts.get(int(vid), 0)
        if cost is None:
            timed_out += c
            continue
        n += c
        sum_cost += int(cost) * c
        sum_bwc += int(bwc) * c
        fitness[int(vid)] = f
        if f == 1.0:
            fit += c
    perc = 0.0
    average = 0.0
    log_fitness = 0.0
    if n > 0:
        perc = (100.0 * float(fit)) / float(n)
        average = mean(ordered_sum(fitness, trace_order, counts), n)
        log_fitness = float(sum_cost) / float(sum_bwc) if sum_bwc > 0 else 0
        log_fitness = 1.0 - log_fitness
    return {
        "log_fitness": log_fitness,
        "fitting_share": perc / 100.0,
        "average_fitness": average,
        "journeys": n,
        "fitting_journeys": fit,
        "timed_out_journeys": timed_out,
    }
