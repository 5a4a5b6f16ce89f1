"""Run settings: threads, worker processes and resource limits, passed as one value.

The CLI builds a :class:`Settings` from its options and the documented environment variables once,
and hands it to the library; library functions take ``settings=`` (default: :func:`current`) and
never read the environment themselves. The one exception is Polars' thread count, which Polars
reads from ``POLARS_MAX_THREADS`` when it is first imported: :func:`apply_polars_threads` sets it
before that import.

>>> s = Settings(threads=2)
>>> s.worker_processes()
2
>>> Settings.from_environ({"JOURNEYLOG_MEMORY_EVENTS": "5000"}).memory_events
5000
>>> Settings.from_environ({"JOURNEYLOG_MEMORY_EVENTS": "lots"})  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
...
journeylog.errors.UsageError: memory_events must be a whole number, got 'lots'
(hint: set JOURNEYLOG_MEMORY_EVENTS to a number of events)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

from journeylog.errors import UsageError

__all__ = ["Settings", "ALIGNERS", "ENVIRONMENT", "current", "use", "apply_polars_threads"]

#: default event count above which logs are processed out of core
MEMORY_EVENTS = 10_000_000
#: default cap on the (decompressed) size of one input file, in bytes
MAX_INPUT_BYTES = 8 * 1024**3
#: default cap on the characters of one name (activity, journey or customer id) in a log
MAX_NAME_CHARS = 500
#: default cap on the bytes of one cell (any column) of a tabular log, identity or customer table
MAX_CELL_BYTES = 1024 * 1024
#: default cap on the tasks (visible transitions) of a designed model; silent steps may be 4 times as many
MAX_MODEL_TASKS = 500
#: default seconds Graphviz's dot may take for one graph
DOT_TIMEOUT_SECONDS = 120.0
#: default seconds alignment precision may take before it is skipped (with a note)
PRECISION_BUDGET_SECONDS = 60.0
#: default seconds pm4py's alignment search may take in all before journeylog's exact search aligns the rest
ALIGN_BUDGET_SECONDS = 60.0

#: environment variable -> setting (documented in the README; read once, by :meth:`Settings.from_environ`)
ENVIRONMENT = {
    "JOURNEYLOG_PROCESSES": "processes",
    "JOURNEYLOG_MEMORY_EVENTS": "memory_events",
    "JOURNEYLOG_MAX_INPUT_BYTES": "max_input_bytes",
    "JOURNEYLOG_MAX_NAME_CHARS": "max_name_chars",
    "JOURNEYLOG_MAX_CELL_BYTES": "max_cell_bytes",
    "JOURNEYLOG_MAX_MODEL_TASKS": "max_model_tasks",
    "JOURNEYLOG_DOT_TIMEOUT": "dot_timeout",
    "JOURNEYLOG_ALIGNER": "aligner",
    "JOURNEYLOG_PRECISION_BUDGET": "precision_budget",
    "JOURNEYLOG_ALIGN_BUDGET": "align_budget",
}
#: the exact alignment searches (:mod:`journeylog.mining.alignments`): journeylog's own A*
#: (:mod:`journeylog.mining.astar`) or pm4py's
ALIGNERS = ("journeylog", "pm4py")


@dataclass(frozen=True)
class Settings:
    """How much of the machine a run may use.

    ``threads``: Polars threads and alignment worker processes (None = all cores);
    ``processes``: alignment worker processes when set apart from ``threads``;
    ``memory_events``: above this many events logs are processed out of core (a journeylog
    store already above one analysis batch, a quarter of this or 2M events, is read in batches);
    ``max_input_bytes``: larger (decompressed) inputs are refused with exit 4;
    ``max_name_chars``: a longer activity name or journey/customer id is refused with exit 4;
    ``max_cell_bytes``: a longer cell of a tabular input (any column) is refused with exit 4;
    ``max_model_tasks``: a designed model with more tasks (or more than 4 times as many
    transitions) is refused with exit 4, before any alignment (the alignment budget);
    ``dot_timeout``: seconds Graphviz may take for one graph;
    ``max_events``: logs with more events (rows) are refused with exit 4 (None: no cap), a
    Parquet file from its footer before it is loaded;
    ``raw_csv``: CSV outputs keep cells that start like a spreadsheet formula as they are.
    ``aligner``: the exact alignment search, ``"journeylog"`` (default: :mod:`journeylog.mining.astar`,
    12-18x faster per variant, with a documented choice among equally cheap alignments) or ``"pm4py"``
    (pm4py's A*); the same costs, hence the same figures; the deviation catalogue can differ where
    several alignments are equally cheap (see docs/benchmarks.md).
    ``precision_budget``: seconds alignment precision may take; past it precision is skipped and
    the output says why (0: no limit).
    ``align_budget``: seconds pm4py's alignment search may take in all (aligner ``pm4py``); the paths
    left then are aligned with journeylog's exact search (same optimal costs) and the output says so;
    paths still left after as long again (at least 60 s) are not aligned, and counted (0: no limit).
    """

    threads: int | None = None
    processes: int | None = None
    memory_events: int = MEMORY_EVENTS
    max_input_bytes: int = MAX_INPUT_BYTES
    max_name_chars: int = MAX_NAME_CHARS
    max_cell_bytes: int = MAX_CELL_BYTES
    max_model_tasks: int = MAX_MODEL_TASKS
    dot_timeout: float = DOT_TIMEOUT_SECONDS
    max_events: int | None = None
    raw_csv: bool = False
    aligner: str = "journeylog"
    precision_budget: float = PRECISION_BUDGET_SECONDS
    align_budget: float = ALIGN_BUDGET_SECONDS

    def __post_init__(self) -> None:
        for name in ("threads", "processes"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise UsageError(f"{name} must be at least 1, got {value}")
        if self.memory_events < 1:
            raise UsageError(f"memory_events must be at least 1, got {self.memory_events}")
        if self.max_events is not None and self.max_events < 1:
            raise UsageError(f"max_events must be at least 1, got {self.max_events}")
        for name in ("max_input_bytes", "max_name_chars", "max_cell_bytes", "max_model_tasks"):
            if getattr(self, name) < 1:
                raise UsageError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not self.dot_timeout > 0:
            raise UsageError(f"dot_timeout must be above 0, got {self.dot_timeout}")
        for name in ("precision_budget", "align_budget"):
            if not getattr(self, name) >= 0:
                raise UsageError(f"{name} must be 0 (no limit) or more seconds, got {getattr(self, name)}")
        if self.aligner not in ALIGNERS:
            raise UsageError(f"aligner must be one of {', '.join(ALIGNERS)}, got {self.aligner!r}")

    def worker_processes(self) -> int:
        """Worker processes for variant-level work: ``processes``, else ``threads``, else the cores
        this process may run on."""
        if self.processes is not None:
            return self.processes
        if self.threads is not None:
            return self.threads
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except (AttributeError, OSError):
            return max(1, os.cpu_count() or 1)

    def with_(self, **changes: object) -> Settings:
        """A copy with some settings changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from the documented ``JOURNEYLOG_*`` variables, then ``overrides`` (CLI options)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for var, name in ENVIRONMENT.items():
            text = env.get(var, "").strip()
            if not text:
                continue
            if name == "aligner":
                values[name] = text
                continue
            kind = float if name in ("dot_timeout", "precision_budget", "align_budget") else int
            try:
                values[name] = kind(text)
            except ValueError:
                what = "a number of seconds" if kind is float else "a whole number"
                raise UsageError(f"{name} must be {what}, got {text!r}",
                                 hint=f"set {var} to a number" + (" of events" if name == "memory_events" else "")) from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)  # type: ignore[arg-type]
        except UsageError as exc:
            culprit = next((v for v, n in ENVIRONMENT.items() if n in exc.message and v in env), None)
            if culprit and not any(n in exc.message for n in overrides):
                raise UsageError(exc.message, hint=f"check {culprit}") from None
            raise


_CURRENT: Settings | None = None


def current() -> Settings:
    """The settings of this run: those given to :func:`use`, else read from the environment once."""
    global _CURRENT
    if _CURRENT is None:
        _CURRENT = Settings.from_environ()
    return _CURRENT


def use(settings: Settings | None) -> None:
    """Make ``settings`` the run's settings (the CLI calls this once); None reads the environment again."""
    global _CURRENT
    _CURRENT = settings


def apply_polars_threads(settings: Settings) -> None:
    """Polars reads its thread count once, at import: set it before Polars is first imported."""
    if settings.threads is not None:
        os.environ["POLARS_MAX_THREADS"] = str(settings.threads)
