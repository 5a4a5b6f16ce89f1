"""Discovery: the inductive miner (IM, IMf, IMd) on the variant counts, trees made canonical.

The trees are identical across runs, ``PYTHONHASHSEED`` values and input orders: pm4py's fold and
tree_sort, then the children of every exclusive/parallel/inclusive node sorted by their text.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

import polars as pl

from journeylog.errors import InvalidInput, UsageError
from journeylog.mining.determinism import params, pm4py_quiet, silenced
from journeylog.mining.imd import Tree, imd
from journeylog.mining.imd import canonical as canonical_imd
from journeylog.mining.petri import tree_to_net
from journeylog.mining.variants import variant_counter, variant_rows
from journeylog.text import fmt_int

__all__ = [
    "AUTO_IM_MAX_VARIANTS",
    "AUTO_IM_MAX_ACTIVITIES",
    "DEFAULT_MINER_BUDGET",
    "MINERS",
    "canonical_tree",
    "discover_tree",
    "discover_tree_imd",
    "discover_model",
    "discover_net",
]

#: ``discover_model(miner="auto")`` uses IM up to this many variants and
#: :data:`AUTO_IM_MAX_ACTIVITIES` activities, IMd (directly-follows based, linear in the size of the
#: map) beyond: IM's cut search grows much faster than linearly in the activities (100 activities
#: and 500 variants: over a minute; 400 activities: many minutes).
AUTO_IM_MAX_VARIANTS = 5000
#: see :data:`AUTO_IM_MAX_VARIANTS`
AUTO_IM_MAX_ACTIVITIES = 50
#: ``auto``'s time budget for IM (seconds) on a log above :data:`IM_INLINE_ACTIVITIES` activities:
#: IM then runs in a worker process and, past the budget, IMd is used instead and the model says so.
DEFAULT_MINER_BUDGET = 30.0
#: up to this many activities (and :data:`IM_INLINE_VARIANTS` variants) IM runs here, without a budget
IM_INLINE_ACTIVITIES = 20
#: see :data:`IM_INLINE_ACTIVITIES`
IM_INLINE_VARIANTS = 1000
#: IMd is fast on a few hundred activities but not on thousands (its cut search relates every
#: pair): under ``auto``, beyond this many activities it runs in a worker with the same budget,
#: and past it no model is mined (the result says so; ``miner="imd"`` waits for it).
IMD_INLINE_ACTIVITIES = 150
#: IM's cut search and fall-throughs grow with the length of the paths too: under ``auto`` a log
#: with a path longer than this many events is mined with IMd (a 60,000-event journey among 500
#: short ones kept IM busy for minutes), and IM runs here only when its distinct paths hold at
#: most :data:`IM_INLINE_EVENTS` events in all (else in a worker, with the budget)
AUTO_IM_MAX_PATH = 5000
#: see :data:`AUTO_IM_MAX_PATH`
IM_INLINE_EVENTS = 20_000
#: the ``miner`` values of :func:`discover_model`
MINERS = ("auto", "im", "imd")


#: a directly-follows graph as count dictionaries: ``(edges, start activities, end activities)``
Dfg = tuple[dict[tuple[str, str], int], dict[str, int], dict[str, int]]


def _canonical_tree(tree: Any) -> str:
    """Sort the children of commutative operators by their text, bottom-up; return the text."""
    from pm4py.objects.process_tree.obj import Operator

    for child in tree.children:
        _canonical_tree(child)
    if tree.operator in (Operator.XOR, Operator.PARALLEL, Operator.OR):
        tree.children.sort(key=lambda c: str(c))
    return str(tree)


def _check_noise_threshold(noise_threshold: float) -> None:
    if not 0.0 <= float(noise_threshold) <= 1.0:
        raise UsageError(f"the noise threshold must be between 0 and 1, not {noise_threshold}")


def canonical_tree(tree: Any) -> Any:
    """pm4py's ``fold`` + ``tree_sort``, then children of X/+/O sorted by their text (in place)."""
    pm4py_quiet()
    from pm4py.objects.process_tree.utils import generic as pt_util

    tree = pt_util.fold(tree)
    pt_util.tree_sort(tree)
    _canonical_tree(tree)
    return tree


def discover_tree(variant_table: pl.DataFrame, noise_threshold: float = 0.0) -> Any:
    """The inductive miner (IM, or IMf when ``noise_threshold`` > 0) on the variant counts.

    pm4py's ``inductive_miner.apply`` only accepts a log or its own ``UVCL`` alias, so the miner
    class is called on a Counter of variants built in variant-id order (the counts matter for
    IMf). The result is made canonical: pm4py's fold and tree_sort, then the children of every
    exclusive/parallel/inclusive node sorted by their text, so it is identical across runs,
    ``PYTHONHASHSEED`` values and input orders.
    """
    _check_noise_threshold(noise_threshold)
    pm4py_quiet()
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL
    from pm4py.algo.discovery.inductive.variants.im import IMUVCL
    from pm4py.algo.discovery.inductive.variants.imf import IMFUVCL

    uvcl = variant_counter(variant_table)
    if not uvcl:
        raise InvalidInput("no journeys to discover a model from")
    p = params(noise_threshold=float(noise_threshold), disable_fallthroughs=False)
    miner = IMFUVCL(p) if noise_threshold > 0 else IMUVCL(p)
    with silenced():
        tree = miner.apply(IMDataStructureUVCL(uvcl), p)
    return canonical_tree(tree)


def _dfg_from_variants(variant_table: pl.DataFrame) -> Dfg:
    graph: Counter[tuple[str, str]] = Counter()
    start: Counter[str] = Counter()
    end: Counter[str] = Counter()
    for _vid, acts, count in variant_rows(variant_table):
        if not acts:
            continue
        start[acts[0]] += count
        end[acts[-1]] += count
        for a, b in zip(acts, acts[1:], strict=False):
            graph[(a, b)] += count
    return dict(graph), dict(start), dict(end)


def _dfg_from_map(process_map: Any) -> Dfg:
    graph = {(a, b): int(c) for a, b, c in process_map.edges.select("from", "to", "count").iter_rows()}
    start = {a: int(c) for a, c in process_map.start.select("activity", "count").iter_rows()}
    end = {a: int(c) for a, c in process_map.end.select("activity", "count").iter_rows()}
    return graph, start, end


def discover_tree_imd(graph: dict[tuple[str, str], int], start: dict[str, int], end: dict[str, int]) -> Tree:
    """The directly-follows based inductive miner (IMd) on a DFG given as count dictionaries.

    :mod:`journeylog.mining.imd` runs pm4py's IMd step for step without importing pm4py (seconds
    saved) and with a direct concurrency cut; the tree, made canonical (see :func:`discover_tree`),
    is the one pm4py's ``IMD`` gives, as a :class:`journeylog.mining.imd.Tree` (``str`` is pm4py's
    text; ``to_pm4py()`` converts it; :func:`journeylog.models.write_model` takes it)."""
    if not start:
        raise InvalidInput("no journeys to discover a model from")
    return canonical_imd(imd(graph, start, end))


def discover_model(
    variant_table: pl.DataFrame,
    noise_threshold: float = 0.0,
    miner: str = "auto",
    process_map: Any = None,
    budget: float | None = DEFAULT_MINER_BUDGET,
) -> tuple[Any, dict[str, Any]]:
    """Discover a process tree and describe how: ``(tree, info)``.

    ``miner``: ``im`` (the inductive miner on the variant counts, :func:`discover_tree`; IMf with
    a noise threshold), ``imd`` (the directly-follows based inductive miner on the process map:
    fast on very many variants or activities, no noise filtering; from ``process_map`` when given,
    a :class:`journeylog.journeys.ProcessMap`, else from the variant table) or ``auto``: ``im`` up
    to :data:`AUTO_IM_MAX_VARIANTS` variants and :data:`AUTO_IM_MAX_ACTIVITIES` activities, else
    ``imd``. Under ``auto``, IM on more than :data:`IM_INLINE_ACTIVITIES` activities or
    :data:`IM_INLINE_VARIANTS` variants runs in a worker process with a time ``budget`` (seconds;
    None: no limit); past it IMd is used and the line says so; IMd on more than
    :data:`IMD_INLINE_ACTIVITIES` activities gets the same budget, past which the tree is None
    and ``info["note"]`` says why. ``info`` is ``{"algorithm": one
    readable line}`` (the ``model`` object of ``discover --json``, see docs/json.md): it always
    names the miner used and, when ``auto`` chose IMd, why.
    """
    if miner not in MINERS:
        raise UsageError(f"unknown miner {miner!r}", hint="use " + ", ".join(MINERS))
    _check_noise_threshold(noise_threshold)
    n = variant_table.height
    activities = _activity_count(variant_table)
    lengths = variant_table["activities"].list.len()
    longest, events = (int(lengths.max() or 0), int(lengths.sum())) if n else (0, 0)  # type: ignore[arg-type]
    chosen, why = miner, ""
    if miner == "auto":
        chosen, why = _auto_choice(n, activities, longest)
    if chosen == "im":
        inline = miner == "im" or (activities <= IM_INLINE_ACTIVITIES and n <= IM_INLINE_VARIANTS
                                   and events <= IM_INLINE_EVENTS)
        if inline or budget is None:
            tree = discover_tree(variant_table, noise_threshold)
        else:
            tree = _within(_im_worker, (variant_rows(variant_table), float(noise_threshold)), budget)
        if tree is not None:
            name = f"IMf, noise {float(noise_threshold):g}" if noise_threshold > 0 else "IM"
            return tree, {"algorithm": f"inductive miner ({name}) on {n} variants"}
        why = (f"the inductive miner (IM) did not finish within {budget:g} s on {fmt_int(activities)} activities "
               f"and {fmt_int(n)} variants")
    source = "process map" if process_map is not None else f"directly-follows graph of {n} variants"
    dfg = _dfg_from_map(process_map) if process_map is not None else _dfg_from_variants(variant_table)
    if miner == "auto" and budget is not None and activities > IMD_INLINE_ACTIVITIES:
        tree = _within(discover_tree_imd, dfg, budget)
        if tree is None:
            return None, {"algorithm": None, "note": (
                f"no model was mined: IMd did not finish within {budget:g} s on {fmt_int(activities)} activities "
                f"(miner imd waits for it)")}
    else:
        tree = discover_tree_imd(*dfg)
    algorithm = f"inductive miner, directly-follows based (IMd) on the {source}"
    if why:
        algorithm += f" ({why}; miner im waits for IM)"
    if noise_threshold > 0:
        algorithm += " (IMd does not filter noise)"
    return tree, {"algorithm": algorithm}


def _activity_count(variant_table: pl.DataFrame) -> int:
    return int(variant_table["activities"].explode().drop_nulls().n_unique()) if variant_table.height else 0


def _auto_choice(variants: int, activities: int, longest: int = 0) -> tuple[str, str]:
    """``auto``'s miner and, for IMd, why.

    >>> _auto_choice(200, 12)
    ('im', '')
    >>> _auto_choice(1199, 398)
    ('imd', '398 activities: IM is slow beyond 50')
    >>> _auto_choice(501, 20, 60_000)
    ('imd', 'a path of 60,000 events: IM is slow beyond 5,000')
    """
    if variants > AUTO_IM_MAX_VARIANTS:
        return "imd", f"{fmt_int(variants)} variants: IM is slow beyond {fmt_int(AUTO_IM_MAX_VARIANTS)}"
    if activities > AUTO_IM_MAX_ACTIVITIES:
        return "imd", f"{fmt_int(activities)} activities: IM is slow beyond {AUTO_IM_MAX_ACTIVITIES}"
    if longest > AUTO_IM_MAX_PATH:
        return "imd", f"a path of {fmt_int(longest)} events: IM is slow beyond {fmt_int(AUTO_IM_MAX_PATH)}"
    return "im", ""


def _im_worker(rows: list[tuple[int, tuple[str, ...], int]], noise_threshold: float) -> Any:
    """In a worker process: IM on the variant counts (the rows of :func:`variant_rows`)."""
    table = pl.DataFrame({"variant_id": [v for v, _a, _c in rows], "activities": [list(a) for _v, a, _c in rows],
                          "journeys": [c for _v, _a, c in rows]},
                         schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt32})
    return discover_tree(table, noise_threshold)


#: the miner's worker is stopped after this many times its budget in wall time, whatever its CPU time
WALL_FACTOR = 10.0


def worker_cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds of process ``pid`` (from ``/proc``), or None where the system
    does not say (then budgets fall back to wall time).

    >>> import os
    >>> cpu = worker_cpu_seconds(os.getpid())
    >>> cpu is None or cpu >= 0
    True
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _within(func: Any, args: tuple[Any, ...], budget: float) -> Any:
    """``func(*args)`` in a spawned worker process, or None when it uses more than ``budget``
    seconds of CPU (the worker is then stopped). CPU time, not wall time, so that a busy machine
    does not change the model (wall time where the system does not report a process's CPU time;
    and never more than :data:`WALL_FACTOR` times the budget in wall time). The worker gets the same
    inputs in the same order, so the tree is the one the call gives here; it is made canonical
    again on arrival."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures import TimeoutError as FutureTimeout

    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    started = time.monotonic()
    try:
        future = executor.submit(func, *args)
        while True:
            try:
                tree = future.result(timeout=min(0.2, budget))
                break
            except FutureTimeout:
                procs = list(getattr(executor, "_processes", {}).values())
                cpu = [worker_cpu_seconds(p.pid) for p in procs if p.pid is not None]
                wall = time.monotonic() - started
                used = sum(c for c in cpu if c is not None) if cpu and None not in cpu else wall
                if used > budget or wall > budget * WALL_FACTOR:
                    for proc in procs:
                        proc.terminate()
                    return None
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    return tree if isinstance(tree, Tree) else canonical_tree(tree)  # journeylog's IMd tree is canonical


def discover_net(variant_table: pl.DataFrame, noise_threshold: float = 0.0) -> tuple[Any, Any, Any]:
    """:func:`discover_tree` converted to a Petri net with deterministic names: ``(net, im, fm)``."""
    return tree_to_net(discover_tree(variant_table, noise_threshold))
