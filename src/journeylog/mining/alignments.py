"""Alignments: the optimal alignment of every distinct variant, weighted back to journeys.

The search is journeylog's own (:mod:`journeylog.mining.astar`, the default) or pm4py's A*
(``JOURNEYLOG_ALIGNER=pm4py``, :class:`journeylog.settings.Settings`): both find pm4py's optimal
cost, so every figure below is the same; among equally cheap alignments they may choose different
moves.

Exactness against pm4py on the full (one trace per journey) log: ``log_fitness`` and
``fitting_share`` are built from integer sums (cost x journeys), so they equal pm4py's figures to
the last digit; ``average_fitness`` is pm4py's plain left-to-right float sum over the traces *in
log order*: pass ``trace_order`` to :func:`alignment_figures` to reproduce it exactly (see
:mod:`journeylog.mining`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import polars as pl

from journeylog import settings as run_settings
from journeylog.errors import InvalidInput
from journeylog.mining import astar
from journeylog.mining.cache import AlignmentCache, cache_key, model_fingerprint
from journeylog.mining.determinism import ACTIVITY_KEY, params, pm4py_quiet, silenced
from journeylog.mining.fitness import alignment_figures
from journeylog.mining.parallel import Plan, Progress, Workers, chunks, report, worker_model
from journeylog.mining.petri import unpack_model, visible_labels
from journeylog.mining.restore import reduce_variants, restore
from journeylog.settings import Settings

__all__ = [
    "SKIP",
    "LOG_MOVE_COST",
    "DEFAULT_VARIANT_TIMEOUT",
    "DEFAULT_MODEL_TIMEOUT",
    "MAX_ALIGN_LENGTH",
    "MOVE_DTYPE",
    "alignment_variant",
    "best_worst_cost",
    "align",
    "open_cache",
    "alignment_figures",
    "classify",
    "expand_moves",
]

#: pm4py's "no move" marker on one side of an alignment step
SKIP = ">>"
#: pm4py's standard cost of a log move or a visible model move (align_utils.STD_MODEL_LOG_MOVE_COST).
LOG_MOVE_COST = 10000
#: Default time limit for aligning one distinct variant (seconds); a variant that takes longer is
#: reported with null cost/fitness (pm4py then leaves it out of the figures, and so do we).
DEFAULT_VARIANT_TIMEOUT = 60.0
#: The longest sequence (events of the model's activities) that is aligned: pm4py's search on one
#: journey of tens of thousands of events takes minutes and tens of GB. Longer ones are left out
#: of the figures like a variant that hits the time limit, and the result counts them.
MAX_ALIGN_LENGTH = 5000
#: Default time limit for finding the model's cheapest complete run (best-worst cost / soundness).
DEFAULT_MODEL_TIMEOUT = 60.0
#: the type of one alignment move in :func:`align`'s ``moves`` column (categorical names: a million
#: variants of 15 moves as strings took gigabytes)
MOVE_DTYPE = pl.Struct({"kind": pl.Categorical, "log": pl.Categorical, "model": pl.Categorical, "transition": pl.Categorical})

#: one move: ``{kind, log, model, transition}``
Move = dict[str, str | None]
#: one trace's alignment from pm4py: ``alignment`` (label pairs), ``transitions`` (the model
#: transition name of every step, None for log moves), ``cost``, ``bwc``, ``fitness``
Aligned = dict[str, Any]


def alignment_variant() -> Any:
    """pm4py's A* with the state equation when an LP solver is installed, else its Dijkstra variant."""
    pm4py_quiet()
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alg
    from pm4py.util.lp import solver

    if solver.DEFAULT_LP_SOLVER_VARIANT is not None:
        return alg.Variants.VERSION_STATE_EQUATION_A_STAR
    return alg.Variants.VERSION_DIJKSTRA_LESS_MEMORY


def best_worst_cost(net: Any, im: Any, fm: Any, path: str | None, timeout: float | None) -> int:
    """The cost of the model's cheapest complete run (pm4py's "best worst cost").

    It exists exactly when the final marking is reachable (pm4py's easy soundness), so this is
    also the soundness check, with a time limit.
    """
    variant = alignment_variant().value
    p = params()
    if timeout is not None:
        p["max_align_time_trace"] = float(timeout)
    if not im:
        raise InvalidInput("the model has no initial marking", path=path)
    if not fm:
        raise InvalidInput("the model has no final marking", path=path)
    start = time.monotonic()
    if run_settings.current().aligner == "journeylog":  # journeylog's own search: a failure here is a bug, not the input's
        run = astar.search(astar.compiled(net, im, fm), (), timeout)
        bwc = None if run is None else run["cost"]
    else:
        try:
            with silenced():
                bwc = variant.get_best_worst_cost(net, im, fm, parameters=p)
        except Exception as exc:  # pragma: no cover - pm4py internals
            raise InvalidInput(f"pm4py cannot replay the model: {type(exc).__name__}: {exc}", path=path) from None
    if bwc is None:
        if timeout is not None and time.monotonic() - start >= timeout:
            raise InvalidInput(
                f"no complete run of the model was found within {timeout:g} s",
                path=path,
                hint="the model may be unbounded or too large to align",
            )
        raise InvalidInput(
            "the model cannot reach its final marking from its initial marking, so it cannot be aligned",
            path=path,
            hint="look for dead ends, disconnected parts or a wrong final marking",
        )
    return int(bwc)


#: the search :func:`_align_one` uses (:data:`journeylog.settings.ALIGNERS`); :func:`align` sets it
#: for the length of one call, workers get it with their jobs
_ALIGNER = {"name": "journeylog"}


def _align_one(net: Any, im: Any, fm: Any, seq: tuple[str, ...], bwc0: int, timeout: float | None,
               switch_at: float | None = None) -> Aligned | None:
    """The optimal alignment of one sequence (None when it ran out of time): journeylog's search
    (:mod:`journeylog.mining.astar`) or pm4py's, as :data:`_ALIGNER` says; pm4py's only until ``switch_at``
    (``time.time()``; the run's ``align_budget``), then journeylog's, marked ``fallback`` (same optimal cost)."""
    if _ALIGNER["name"] == "journeylog":
        return _align_own(net, im, fm, seq, bwc0, timeout)
    if switch_at is None:
        return _align_pm4py(net, im, fm, seq, bwc0, timeout)
    left = switch_at - time.time()
    if left > 0:
        res = _align_pm4py(net, im, fm, seq, bwc0, left if timeout is None else min(timeout, left))
        if res is not None or time.time() < switch_at:
            return res
    res = _align_own(net, im, fm, seq, bwc0, timeout)
    if res is not None:
        res["fallback"] = True
    return res


def _align_own(net: Any, im: Any, fm: Any, seq: tuple[str, ...], bwc0: int, timeout: float | None) -> Aligned | None:
    """journeylog's alignment of one sequence, with pm4py's figures: ``bwc`` is 10000 per event
    plus the model's cheapest run, ``fitness`` pm4py's formula on whole 10000s."""
    res = astar.search(astar.compiled(net, im, fm), seq, None if timeout is None else max(0.0, float(timeout)))
    if res is None:
        return None
    bwc = LOG_MOVE_COST * len(seq) + bwc0
    num = res["cost"] // LOG_MOVE_COST
    den = bwc // LOG_MOVE_COST
    res["bwc"] = bwc
    res["fitness"] = 1 - num / den if den > 0 else 0
    return res


def _align_pm4py(net: Any, im: Any, fm: Any, seq: tuple[str, ...], bwc0: int, timeout: float | None) -> Aligned | None:
    """pm4py's alignment of one sequence (None when it ran out of time)."""
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alg
    from pm4py.objects.log.obj import Event, Trace

    p = params()
    p[alg.Parameters.BEST_WORST_COST_INTERNAL] = bwc0
    p["ret_tuple_as_trans_desc"] = True  # names too: only the output changes, not the search
    if timeout is not None:
        p[alg.Parameters.PARAM_MAX_ALIGN_TIME_TRACE] = max(0.0, float(timeout))
    trace = Trace([Event({ACTIVITY_KEY: a}) for a in seq])
    with silenced():
        ali = alg.apply_trace(trace, net, im, fm, parameters=p, variant=alignment_variant())
    if ali is None:
        return None
    steps = list(ali["alignment"])  # ((trace transition, model transition), (log label, model label))
    return {"alignment": [tuple(labels) for _names, labels in steps],
            "transitions": [None if names[1] == SKIP else str(names[1]) for names, _labels in steps],
            "cost": int(ali["cost"]), "bwc": int(ali["bwc"]), "fitness": ali["fitness"]}


def _worker_align(job: tuple[Any, ...]) -> list[Aligned | None]:
    """In a worker process: align a chunk of sequences with the worker's model."""
    seqs, bwc0, timeout, deadline, aligner, switch_at = job
    _ALIGNER["name"] = aligner
    net, im, fm = worker_model()
    return [_align_one(net, im, fm, seq, bwc0, trace_timeout(timeout, deadline), switch_at) for seq in seqs]


def trace_timeout(timeout: float | None, deadline: float | None) -> float | None:
    """pm4py's rule: min(per-trace limit, half of what is left of the total budget).

    ``deadline`` is wall-clock (``time.time()``) so that worker processes share it."""
    if deadline is None:
        return timeout
    left = max(0.0, (deadline - time.time()) * 0.5)
    return left if timeout is None else min(timeout, left)


def classify(log: str | None, model: str | None, transition: str | None = None) -> Move:
    """One move of a pm4py alignment step ``(log label, model label)``; ``transition``: the name
    of the model transition that moved (None for a log move).

    >>> classify("a", "a")["kind"], classify("a", SKIP)["kind"], classify(SKIP, "b")["kind"], classify(SKIP, None)["kind"]
    ('sync', 'log', 'model', 'silent')
    """
    if log == SKIP:
        return {"kind": "silent" if model is None else "model", "log": None, "model": model, "transition": transition}
    if model == SKIP:
        return {"kind": "log", "log": log, "model": None, "transition": None}
    return {"kind": "sync", "log": log, "model": model, "transition": transition}


def expand_moves(
    acts: tuple[str, ...],
    labels: set[str],
    reduced_alignment: Sequence[tuple[str | None, str | None]],
    transitions: Sequence[str | None] | None = None,
) -> list[Move]:
    """Put back one log move per removed event, right after the move of the event before it
    (``transitions``: the model transition name of every step of ``reduced_alignment``).

    >>> [m["kind"] for m in expand_moves(("a", "x", "b"), {"a", "b"}, [("a", "a"), (SKIP, None), ("b", "b")])]
    ['sync', 'log', 'silent', 'sync']
    """
    steps = list(reduced_alignment)
    names = list(transitions) if transitions is not None else [None] * len(steps)
    out: list[Move] = []
    i = 0
    for act in acts:
        if act not in labels:
            out.append({"kind": "log", "log": act, "model": None})
            continue
        while i < len(steps):
            log_label, model_label = steps[i]
            out.append(classify(log_label, model_label, names[i]))
            i += 1
            if log_label != SKIP:
                break
    while i < len(steps):
        out.append(classify(*steps[i], names[i]))
        i += 1
    return out


def align(
    model: Any,
    variant_table: pl.DataFrame,
    *,
    timeout_per_variant: float | None = DEFAULT_VARIANT_TIMEOUT,
    timeout_total: float | None = None,
    processes: int | None = None,
    settings: Settings | None = None,
    on_progress: Progress | None = None,
    cache: AlignmentCache | None = None,
) -> pl.DataFrame:
    """Align every variant with the model (pm4py's default A* alignments).

    One row per variant: ``variant_id``, ``cost`` (pm4py's raw cost: 10000 per log or visible
    model move, 1 per silent step), ``bwc`` (pm4py's "best worst cost": 10000 per event plus the
    model's cheapest complete run), ``fitness`` (pm4py's per-trace fitness) and ``moves``: a list
    of ``{kind, log, model, transition}`` where ``kind`` is ``sync`` (both), ``log`` (log only,
    model null), ``model`` (a visible model step the journey skipped, log null) or ``silent`` (an
    invisible model step, both null), and ``transition`` is the name of the model transition
    that moved (null for log moves; replayed by :class:`journeylog.mining.stages.NextSteps`).
    A variant that hits the time limit, or whose sequence of model activities is longer than
    :data:`MAX_ALIGN_LENGTH`, has null cost, bwc, fitness, moves (pm4py leaves timed-out traces
    out of its figures, and so do we; ``conform`` counts and says them).

    Events whose activity the model does not contain can only be log moves: they are removed
    before aligning (so variants that differ only there are aligned once) and put back as log
    moves, with their standard cost added to ``cost`` and ``bwc``; pm4py's fitness formula is
    then applied to the restored numbers. Long runs continue in ``processes`` worker processes
    (default: ``settings.worker_processes()`` of the run's settings, once the work has taken
    ``PARALLEL_AFTER_SECONDS``; 1 = never); the result does not depend on it. ``on_progress``
    hears ``("aligning", done, total)`` over the distinct sequences aligned. ``cache``
    (:func:`open_cache`): sequences found there are not aligned again, the others are added to it
    (the caller saves it). pm4py's search gets ``settings.align_budget`` s (0: no limit), then journeylog's exact search, marked
    ``fallback`` (:mod:`journeylog.mining.budgets`); no ``timeout_total``: paths left after as long again (>=60 s) go unaligned.
    """
    pm4py_quiet()
    net, im, fm, path = unpack_model(model)
    table_in = variant_table.select("variant_id", "activities", "journeys").sort("variant_id")
    labels = visible_labels(net)
    bwc0 = best_worst_cost(net, im, fm, path, DEFAULT_MODEL_TIMEOUT if timeout_per_variant is None
                           else max(timeout_per_variant, DEFAULT_MODEL_TIMEOUT))
    numbers, uniques = reduce_variants(table_in, labels)
    plan = Plan(processes, settings)
    run = settings or run_settings.current()
    if timeout_total is None and run.align_budget > 0:  # then journeylog's search as long again, at least a variant's limit
        timeout_total = run.align_budget + max(run.align_budget, DEFAULT_VARIANT_TIMEOUT)
    deadline = None if timeout_total is None else time.time() + float(timeout_total)
    known = [None if cache is None else cache.get(seq) for seq in uniques]
    todo = [seq for seq, res in zip(uniques, known, strict=True) if res is None and len(seq) <= MAX_ALIGN_LENGTH]
    before = _ALIGNER["name"]
    _ALIGNER["name"] = run.aligner
    switch_at = time.time() + run.align_budget if run.align_budget > 0 and run.aligner == "pm4py" else None
    try:
        fresh = iter(_align_distinct((net, im, fm), todo, bwc0, timeout_per_variant, deadline, plan, on_progress, switch_at))
    finally:
        _ALIGNER["name"] = before
    results: list[Aligned | None] = []
    for seq, res in zip(uniques, known, strict=True):
        if res is None and len(seq) <= MAX_ALIGN_LENGTH:
            res = next(fresh)
            if res is not None and cache is not None:
                cache.put(seq, res)
        results.append(res)
    table = _alignment_table(table_in, numbers, uniques, results, labels)
    fell_back = pl.Series([bool(res and res.get("fallback")) for res in results], dtype=pl.Boolean)
    if not fell_back.any():
        return table
    return table.with_columns(fell_back.gather(numbers).alias("fallback"))



def open_cache(model: Any, path: str) -> AlignmentCache:
    """The alignment cache in ``path`` for ``model`` (:mod:`journeylog.mining.cache`): entries
    made for another model, other costs, another pm4py or alignment code are not used."""
    pm4py_quiet()
    import pm4py

    net, im, fm, _path = unpack_model(model)
    aligner = run_settings.current().aligner
    variant = astar.SEARCH_VERSION if aligner == "journeylog" else str(alignment_variant().name)
    key = cache_key(model_fingerprint(net, im, fm), costs=(LOG_MOVE_COST, LOG_MOVE_COST, 1),
                    pm4py_version=str(pm4py.__version__), variant=variant)
    return AlignmentCache.open(path, key)


def align_unfit(model: Any, variant_table: pl.DataFrame, fit: Sequence[int], *,
                on_progress: Progress | None = None) -> pl.DataFrame:
    """The moves that explain deviations when token replay has already run (``conform`` with
    ``tbr``): only the variants not in ``fit`` are aligned (:func:`align`). A variant token replay
    fits is a run of the model once the activities the model lacks are set aside (pm4py's replay
    passes over them), so its best alignment is synchronous moves and silent steps: its ``moves``
    are those synchronous moves with a log move for each activity the model lacks, found without a
    search; its ``cost``, ``bwc`` and ``fitness`` are null (token replay has the figures).
    """
    fit_ids = pl.Series(list(fit), dtype=pl.UInt32).implode()
    aligned = align(model, variant_table.filter(~pl.col("variant_id").is_in(fit_ids)), on_progress=on_progress)
    labels = visible_labels(unpack_model(model)[0])
    fitting = variant_table.filter(pl.col("variant_id").is_in(fit_ids)).select("variant_id", "activities").sort("variant_id")
    numbers, uniques = reduce_variants(fitting, labels)
    runs: list[Aligned | None] = [{"alignment": [(a, a) for a in seq], "cost": None, "bwc": None, "fitness": None}
                                  for seq in uniques]
    replayed = restore(fitting, numbers, uniques, runs, labels, MOVE_DTYPE).select("variant_id", "moves")
    return pl.concat([aligned, replayed], how="diagonal_relaxed").sort("variant_id")


def _align_distinct(
    model: tuple[Any, Any, Any],
    uniques: list[tuple[str, ...]],
    bwc0: int,
    timeout_per_variant: float | None,
    deadline: float | None,
    plan: Plan,
    on_progress: Progress | None = None,
    switch_at: float | None = None,
) -> list[Aligned | None]:
    """Align the distinct sequences in order: here, until ``plan`` hands the rest to workers
    (``switch_at``: see :func:`_align_one`)."""
    net, im, fm = model
    results: list[Aligned | None] = []
    total = len(uniques)
    report(on_progress, "aligning", 0, total)

    def arrived(part: list[Aligned | None]) -> None:
        results.extend(part)
        report(on_progress, "aligning", len(results), total)

    with Workers(model, plan.processes) as workers:
        while len(results) < total:
            rest = uniques[len(results) :]
            if plan.parallel(len(rest), done=len(results)):
                jobs = [(chunk, bwc0, timeout_per_variant, deadline, _ALIGNER["name"], switch_at)
                        for chunk in chunks(rest, plan.processes)]
                workers.map(_worker_align, jobs, on_result=arrived)
            else:
                arrived([_align_one(net, im, fm, rest[0], bwc0, trace_timeout(timeout_per_variant, deadline), switch_at)])
    return results


def _alignment_table(
    variant_table: pl.DataFrame, numbers: pl.Series, uniques: list[tuple[str, ...]], results: list[Aligned | None],
    labels: set[str],
) -> pl.DataFrame:
    """:func:`align`'s table: one row per variant (of ``variant_table``, sorted by id), the
    alignment of its reduced sequence (``uniques[numbers[i]]``, aligned as ``results[...]``)
    restored (:func:`journeylog.mining.restore.restore`, a slice of variants at a time)."""
    return restore(variant_table, numbers, uniques, results, labels, MOVE_DTYPE)
