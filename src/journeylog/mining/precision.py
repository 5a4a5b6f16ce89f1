"""Align-ETConformance precision on the variant table, equal to ``pm4py.precision_alignments``.

pm4py counts, for every prefix of every trace, the activities that follow it in the log and the
visible transitions the model enables after it; it aligns each *distinct* prefix once and weights
by how many traces share it. Here the prefix counts come from the variant counts (so the log is
never expanded). Where each prefix's alignment stops is found for all prefixes at once by
:mod:`journeylog.mining.prefix_search` (the same set of markings as pm4py's search, prefixes that
share a beginning sharing its work; pm4py's own search for nets that are not safe), and pm4py's
``get_visible_transitions_eventually_enabled_by_marking`` gives what the model enables there, so
the integer sums, and the result, are identical. One deliberate difference: pm4py joins prefixes with ``","`` and splits
them again, which corrupts activity names containing a comma; journeylog keeps prefixes as tuples.
"""

from __future__ import annotations

import time
from typing import Any

import polars as pl

from journeylog import settings as run_settings
from journeylog.mining.alignments import DEFAULT_MODEL_TIMEOUT, best_worst_cost
from journeylog.mining.determinism import ACTIVITY_KEY, params, pm4py_quiet, silenced
from journeylog.mining.parallel import Plan, Progress, Workers, chunks, report, worker_model
from journeylog.mining.petri import file_names, unpack_model, visible_labels
from journeylog.mining.prefix_search import NotSafe, PrefixTrie, prefix_net
from journeylog.mining.variants import VariantRow, variant_rows
from journeylog.settings import Settings

__all__ = ["precision", "precision_skipped"]

Prefix = tuple[str, ...]

#: prefixes aligned in one go here between two looks at the clock (the budget is checked between them)
INLINE_CHUNK = 32


class _OutOfTime(Exception):
    """The precision budget ran out (caught in :func:`precision`, which then returns None)."""


def _stop_markings(net: Any, im: Any, fm: Any, prefixes: list[Prefix]) -> list[Any]:
    """pm4py's prefix alignments (sync and silent moves only): the markings where each stops."""
    from pm4py.algo.evaluation.precision.variants import align_etconformance as aec
    from pm4py.objects.log.obj import Event, EventLog, Trace

    fake_log = EventLog([Trace([Event({ACTIVITY_KEY: a}) for a in p]) for p in prefixes])
    with silenced():
        return list(aec.align_fake_log_stop_marking(fake_log, net, im, fm, parameters=params()))


def _worker_prefixes(job: list[Prefix]) -> list[Any]:
    """In a worker process: :func:`_stop_markings` of a chunk of prefixes with the worker's model."""
    net, im, fm = worker_model()
    return _stop_markings(net, im, fm, job)


def precision(
    model: Any, variant_table: pl.DataFrame, *, processes: int | None = None, settings: Settings | None = None,
    on_progress: Progress | None = None,
) -> float | None:
    """Align-ETConformance precision, equal to ``pm4py.precision_alignments`` on the full log;
    None when it did not finish within ``settings.precision_budget`` seconds (0: no limit).

    pm4py counts, for every prefix of every trace, the activities that follow it in the log and
    the visible transitions the model enables after it; it aligns each *distinct* prefix once and
    weights by how many traces share it. Here the prefix counts come from the variant counts
    (so the log is never expanded), they form a trie, and :mod:`journeylog.mining.prefix_search`
    finds where each prefix's alignment stops, for all of them in one walk (the same markings as
    pm4py's ``align_fake_log_stop_marking``; pm4py's own search, in ``processes`` workers, for a
    net it does not handle). Prefixes containing an activity the model lacks, or extending a
    prefix the model cannot replay, cannot be replayed either (pm4py aligns them and finds
    nothing). ``settings`` as in :func:`journeylog.mining.align`: the budget (the run's settings
    by default) is checked every few hundred prefixes and, once spent, None is returned (the
    caller says why: see :func:`precision_skipped`). ``on_progress`` hears ``("precision", done,
    total)`` over the distinct prefixes.
    """
    pm4py_quiet()
    from pm4py.objects.petri_net.utils.align_utils import (
        get_visible_transitions_eventually_enabled_by_marking,
    )

    net, im, fm, path = unpack_model(model)
    best_worst_cost(net, im, fm, path, DEFAULT_MODEL_TIMEOUT)
    labels = visible_labels(net)
    rows = variant_rows(variant_table)
    trie, follow, weight = _prefix_trie(rows, labels)
    budget = (settings or run_settings.current()).precision_budget
    deadline = time.monotonic() + budget if budget > 0 else None
    try:
        markings = _prefix_markings((net, im, fm), trie, labels, processes, settings, on_progress, deadline)
    except _OutOfTime:
        return None
    with file_names(net):  # pm4py's silent closure depends on the names (see file_names)
        sum_at, sum_ee = _prefix_sums(net, follow, weight, markings)
        enabled_initially = {t.label for t in get_visible_transitions_eventually_enabled_by_marking(net, im)}

    start_activities = {acts[0] for _vid, acts, _c in rows if acts}
    n_traces = sum(c for _vid, _acts, c in rows)
    sum_at += n_traces * len(enabled_initially)
    sum_ee += n_traces * len(enabled_initially - start_activities)
    if sum_at > 0:
        return 1 - float(sum_ee) / float(sum_at)
    return 1.0


def precision_skipped(variant_table: pl.DataFrame, settings: Settings | None = None, model: Any = None) -> tuple[float, int]:
    """Why :func:`precision` gave None: ``(budget in seconds, distinct prefixes to replay)``. Each
    prefix extends its parent's replay by one step and the silent steps after it: long looping
    paths make them many, silent steps reaching many states make each long. The count is an upper
    bound (prefixes the model cannot replay are skipped); with ``model``, only
    prefixes of its activities are counted, as :func:`precision` aligns them.

    >>> vt = pl.DataFrame({"variant_id": [0, 1], "activities": [["a", "b", "c"], ["a", "b", "b"]], "journeys": [2, 1]})
    >>> precision_skipped(vt, Settings(precision_budget=5))  # prefixes (a) and (a, b)
    (5.0, 2)
    """
    budget = float((settings or run_settings.current()).precision_budget)
    labels = visible_labels(unpack_model(model)[0]) if model is not None else None
    return budget, len(_prefix_trie(variant_rows(variant_table), labels)[0])


def _prefix_trie(rows: list[VariantRow], labels: set[str] | None = None) -> tuple[PrefixTrie, list[set[str]], list[int]]:
    """Every proper prefix of the variants as a :class:`PrefixTrie`, and per node the activities
    that follow the prefix in the log and how many traces share it (index 0, the empty prefix:
    unused).

    With ``labels`` (the model's visible labels), only the prefixes made of labels: a prefix
    holding an activity the model lacks cannot be replayed, nor can any prefix extending it, so
    they add nothing to precision (:func:`_prefix_sums` skips them); not listing them keeps the
    table to what is aligned (a log whose paths are full of steps the design does not have
    otherwise lists every prefix of every variant: gigabytes at a million variants).

    >>> rows = [(1, ("a", "x", "b"), 2), (2, ("a", "b"), 1)]
    >>> trie, follow, weight = _prefix_trie(rows)
    >>> trie.prefixes()[1:], [sorted(f) for f in follow[1:]], weight[1:]
    ([('a',), ('a', 'x')], [['b', 'x'], ['b']], [3, 2])
    >>> len(_prefix_trie(rows, {"a", "b"})[0])  # ("a", "x") holds an activity the model lacks
    1
    """
    trie = PrefixTrie()
    follow: list[set[str]] = [set()]
    weight: list[int] = [0]
    children = trie.children
    for _vid, acts, count in rows:
        end = len(acts)
        if labels is not None:
            end = min(end, next((i for i, a in enumerate(acts) if a not in labels), end) + 1)  # up to the first non-label
        node = 0
        for i in range(end - 1):  # the prefix acts[:i + 1], followed by acts[i + 1]
            nxt = children[node].get(acts[i])
            if nxt is None:
                nxt = trie.child(node, acts[i])
                follow.append(set())
                weight.append(0)
            node = nxt
            weight[node] += count
            follow[node].add(acts[i + 1])
    return trie, follow, weight


def _prefix_markings(
    model: tuple[Any, Any, Any],
    trie: PrefixTrie,
    labels: set[str],
    processes: int | None,
    settings: Settings | None,
    on_progress: Progress | None = None,
    deadline: float | None = None,
) -> list[Any]:
    """The markings (of the original net) where each prefix of ``trie`` (by node) stops its
    alignment; None for prefixes that cannot be replayed: by :func:`prefix_net` when it can, else
    by pm4py's search. Raises :class:`_OutOfTime` (workers stopped) once ``time.monotonic()``
    passes ``deadline``."""
    net, im, fm = model
    try:
        return _prefix_markings_here(net, im, trie, on_progress, deadline)
    except NotSafe:
        pass  # pm4py's own search, below
    names = trie.prefixes()
    found = _prefix_markings_pm4py(model, names[1:], labels, processes, settings, on_progress, deadline)
    return [None] + [found[p] for p in names[1:]]


def _prefix_markings_here(net: Any, im: Any, trie: PrefixTrie, on_progress: Progress | None,
                          deadline: float | None) -> list[Any]:
    """:func:`_prefix_markings` by :func:`prefix_net` (every prefix at once, sharing beginnings);
    raises :class:`NotSafe` for a net it does not handle."""
    from pm4py.objects.petri_net.obj import Marking

    total = len(trie)

    def tick(done: int) -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise _OutOfTime
        if done % 4096 == 0:
            report(on_progress, "precision", done, total)

    report(on_progress, "precision", 0, total)
    pn, found = prefix_net(net, im, trie, tick)
    as_marking: dict[Any, Any] = {}
    markings: list[Any] = []
    for ms in found:
        if ms is None:
            markings.append(None)
            continue
        listed = []
        for m in ms:
            mk = as_marking.get(m)
            if mk is None:
                mk = as_marking[m] = Marking(pn.marking(m))
            listed.append(mk)
        markings.append(listed)
    report(on_progress, "precision", total, total)
    return markings


def _prefix_markings_pm4py(
    model: tuple[Any, Any, Any],
    prefixes: list[Prefix],
    labels: set[str],
    processes: int | None,
    settings: Settings | None,
    on_progress: Progress | None = None,
    deadline: float | None = None,
) -> dict[Prefix, Any]:
    """:func:`_prefix_markings` by pm4py's own prefix alignments, one search per prefix, level by level."""
    from pm4py.algo.evaluation.precision.variants import align_etconformance as aec

    net, im, fm = model
    # distinct prefixes, shortest first; skip those that cannot be replayed
    ordered = sorted(prefixes, key=len)
    markings: dict[Prefix, Any] = {}
    level: list[Prefix] = []
    plan = Plan(processes, settings)
    workers = Workers(model, plan.processes)

    def check_clock(_result: object = None) -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise _OutOfTime

    def flush(batch: list[Prefix]) -> None:
        if not batch:
            return
        if plan.parallel(len(batch)):
            parts = workers.map(_worker_prefixes, chunks(batch, plan.processes), on_result=check_clock)
            raw = [r for part in parts for r in part]
        else:
            raw = []
            for start in range(0, len(batch), INLINE_CHUNK):
                check_clock()
                raw.extend(_stop_markings(net, im, fm, batch[start : start + INLINE_CHUNK]))
        for prefix, mk in zip(batch, aec.transform_markings_from_sync_to_original_net(raw, net), strict=True):
            markings[prefix] = mk

    total = len(ordered)
    report(on_progress, "precision", 0, total)
    with workers.stopped_on(_OutOfTime):
        current_len = None
        for prefix in ordered:
            if current_len is not None and len(prefix) != current_len:
                flush(level)
                level = []
                report(on_progress, "precision", len(markings), total)
            current_len = len(prefix)
            if prefix[-1] not in labels or (len(prefix) > 1 and markings.get(prefix[:-1], 0) is None):
                markings[prefix] = None
                continue
            level.append(prefix)
        flush(level)
    report(on_progress, "precision", total, total)
    return markings


def _prefix_sums(net: Any, follow: list[set[str]], weight: list[int], markings: list[Any]) -> tuple[int, int]:
    """``(activated, escaping)``: visible labels the model enables after each replayable prefix,
    and those of them the log never takes there, weighted by the prefix's traces."""
    from pm4py.objects.petri_net.utils.align_utils import (
        get_visible_transitions_eventually_enabled_by_marking,
    )

    enabled_cache: dict[Any, frozenset[str]] = {}

    def enabled_labels(m: Any) -> frozenset[str]:
        hit = enabled_cache.get(m)
        if hit is None:
            hit = frozenset(t.label for t in get_visible_transitions_eventually_enabled_by_marking(net, m) if t.label is not None)
            enabled_cache[m] = hit
        return hit

    sum_ee = 0
    sum_at = 0
    for node in range(1, len(follow)):
        mks = markings[node]
        if mks is None:
            continue
        activated: set[str] = set()
        for m in mks:
            activated |= enabled_labels(m)
        escaping = activated - follow[node]
        sum_at += len(activated) * weight[node]
        sum_ee += len(escaping) * weight[node]
    return sum_at, sum_ee
