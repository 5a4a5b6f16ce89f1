"""What the time budgets of the super-linear steps decided (issue 18), for the notes that say so.

Each budget has a stated fallback, and the result is never silently different:

* the default miner (:func:`journeylog.mining.discover_model`, ``discover --miner-budget``): IM past
  its budget (CPU seconds of its worker, so a busy machine does not change the model) gives way to
  IMd, and the model line says so;
* pm4py's alignment search (wall time; :func:`journeylog.mining.align`, ``Settings.align_budget``,
  ``JOURNEYLOG_ALIGN_BUDGET``): the paths left are aligned by journeylog's exact search (the same
  optimal costs, so the same figures), marked in a ``fallback`` column (:func:`align_fallbacks`);
  that search gets as long again (at least a variant's 60 s limit), and paths still left then are
  not aligned and are counted like timed-out ones (``conform`` says how many; the figures leave them out);
* precision (wall time; :func:`journeylog.mining.precision`, ``Settings.precision_budget``,
  ``conform --precision-budget``): past it precision is not given (:func:`precision_skipped` says why).
"""

from __future__ import annotations

import polars as pl

from journeylog import settings as run_settings
from journeylog.mining.precision import precision_skipped
from journeylog.settings import Settings

__all__ = ["align_fallbacks", "precision_skipped"]


def align_fallbacks(aligned: pl.DataFrame | None, settings: Settings | None = None) -> tuple[float, int]:
    """``(align_budget in seconds, variants aligned by journeylog's search after it)``: :func:`align`
    adds a ``fallback`` column when pm4py's search ran past the run's ``align_budget``.

    >>> align_fallbacks(pl.DataFrame({"variant_id": [1, 2], "fallback": [True, False]}), Settings(align_budget=5))
    (5.0, 1)
    """
    used = int(aligned["fallback"].sum()) if aligned is not None and "fallback" in aligned.columns else 0
    return float((settings or run_settings.current()).align_budget), used
