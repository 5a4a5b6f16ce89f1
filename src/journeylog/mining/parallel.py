"""Worker processes for variant-level work: when to start them, and the pool that holds the model.

Results never depend on this module: workers make the same pm4py calls, in the same order, and
``Workers.map`` keeps the job order. How many workers: the ``processes`` argument of
:func:`journeylog.mining.align` and :func:`journeylog.mining.precision` when given, else
:meth:`journeylog.settings.Settings.worker_processes` (``processes``, else ``threads``, else one
per core).
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from journeylog import settings as run_settings
from journeylog.mining.determinism import pm4py_quiet
from journeylog.mining.petri import pnml_net_from_root
from journeylog.settings import Settings

__all__ = ["PARALLEL_AFTER_SECONDS", "Plan", "Progress", "Workers", "chunks", "report", "worker_model"]

#: ``on_progress(stage, done, total)``: how long steps say how far they are (``"aligning"``
#: variants, ``"precision"`` prefixes, ``"token replay"`` variants). The library only calls it;
#: the command line draws the bar.
Progress = Callable[[str, int, int], None]


def report(on_progress: Progress | None, stage: str, done: int, total: int) -> None:
    """Call ``on_progress`` when there is one.

    >>> seen = []
    >>> report(lambda *a: seen.append(a), "precision", 3, 10); report(None, "precision", 4, 10); seen
    [('precision', 3, 10)]
    """
    if on_progress is not None:
        on_progress(stage, done, total)

#: Without an explicit process count the work starts in this process; once it has taken this long
#: and enough is left, the rest goes to spawned worker processes (starting them costs about two
#: seconds: pm4py is imported in each): as many as the run's settings allow
#: (:meth:`journeylog.settings.Settings.worker_processes`).
PARALLEL_AFTER_SECONDS = 3.0

T = TypeVar("T")
R = TypeVar("R")

# worker-process state (spawned workers get the model once, through the initializer)
_WORKER: dict[str, tuple[Any, Any, Any]] = {}


def _net_to_bytes(net: Any, im: Any, fm: Any) -> bytes:
    """The model as PNML bytes for worker processes (pickling a net recurses along its arcs and
    fails for long models); names, labels and markings survive the round trip."""
    from lxml import etree
    from pm4py.objects.petri_net.exporter.variants import pnml as pnml_exporter

    return bytes(etree.tostring(pnml_exporter.export_petri_tree(net, im, final_marking=fm)))


def _worker_init(model_pnml: bytes) -> None:
    from lxml import etree

    pm4py_quiet()
    root = etree.fromstring(model_pnml, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    _WORKER["model"] = pnml_net_from_root(root)


def worker_model() -> tuple[Any, Any, Any]:
    """``(net, im, fm)`` inside a worker process of :class:`Workers`."""
    return _WORKER["model"]


def chunks(items: Sequence[T], n: int) -> list[list[T]]:
    """About four chunks per worker, in order.

    >>> chunks(list(range(10)), 2)
    [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]
    """
    size = max(1, math.ceil(len(items) / (n * 4)))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


class Plan:
    """When to hand work to worker processes: at once (``requested`` > 1), never (1), or, by
    default, once the work has run ``PARALLEL_AFTER_SECONDS`` here and at least ``4 x workers``
    items are left, with ``settings.worker_processes()`` workers (default: the run's settings).
    Results never depend on it: the same pm4py calls, in the same order.

    >>> Plan(1).parallel(100), Plan(2).parallel(100), Plan(2).parallel(1)
    (False, True, False)
    >>> Plan(None, Settings(processes=3)).processes
    3
    """

    def __init__(self, requested: int | None, settings: Settings | None = None) -> None:
        self.start = time.monotonic()
        if requested is not None:
            self.processes = max(1, int(requested))
            self.auto = False
        else:
            self.processes = (settings or run_settings.current()).worker_processes()
            self.auto = True

    def parallel(self, items_left: int, done: int = 0) -> bool:
        """Whether the next ``items_left`` items go to worker processes. With ``done`` (items
        finished here so far), not when the rest would take less than ``PARALLEL_AFTER_SECONDS``
        more at the pace so far (starting the workers would cost more than it saves)."""
        if self.processes < 2 or items_left < 2:
            return False
        if not self.auto:
            return True
        elapsed = time.monotonic() - self.start
        if done and elapsed / done * items_left < PARALLEL_AFTER_SECONDS:
            return False
        return items_left >= 4 * self.processes and elapsed > PARALLEL_AFTER_SECONDS


class Workers:
    """A lazily started pool of spawned worker processes that hold the model (spawn, not fork:
    forking a process that runs Polars threads can deadlock). ``map`` keeps the job order."""

    def __init__(self, model: tuple[Any, Any, Any], processes: int) -> None:
        self.model = model
        self.processes = processes
        self.executor: ProcessPoolExecutor | None = None

    def map(self, func: Callable[[T], R], jobs: Sequence[T], on_result: Callable[[R], None] | None = None) -> list[R]:
        """``func`` on every job in the workers (started on first use), results in job order;
        ``on_result`` is called with each result as it arrives (in order)."""
        if self.executor is None:
            ctx = multiprocessing.get_context("spawn")
            self.executor = ProcessPoolExecutor(
                max_workers=self.processes, mp_context=ctx, initializer=_worker_init, initargs=(_net_to_bytes(*self.model),)
            )
        results: list[R] = []
        for result in self.executor.map(func, jobs):
            results.append(result)
            if on_result is not None:
                on_result(result)
        return results

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)

    @contextlib.contextmanager
    def stopped_on(self, kind: type[BaseException]) -> Iterator[Workers]:
        """Like ``with workers:``, except that when ``kind`` is raised (a time budget ran out) the
        worker processes are terminated at once instead of finishing their current jobs."""
        try:
            yield self
        except kind:
            self.stop()
            raise
        finally:
            self.__exit__()

    def stop(self) -> None:
        """Terminate the worker processes now (their current jobs are lost) and drop the pool."""
        if self.executor is None:
            return
        for proc in list((getattr(self.executor, "_processes", None) or {}).values()):
            proc.terminate()
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = None
