"""Drift: how fitness, the fitting share and every deviation and pattern move over time, and
which changes are real.

:func:`drift` aligns the whole log once (:func:`journeylog.conform.conform`; alignments per variant
are the cost), assigns every journey to a window by its start, and aggregates per window from the
conformance journey table (:func:`drift_from_conformance`):

* **windows**: calendar windows (``1d``, ``1w`` = ISO weeks from Monday, ``2w``, ``1mo``, ``1q``,
  ``1y``, ``6h``; UTC; Polars ``dt.truncate``) or blocks of N consecutive journeys by start time
  (``--window 500``); empty calendar windows in between are listed too;
* **per window**: journeys, fitness = 1 - sum(cost) / sum(bwc) over its journeys (pm4py's
  ``log_fitness`` on that window's sub-log), the share of journeys that fit (pm4py's), the share
  that fit when accepted deviations are ignored, and the share of journeys showing each deviation
  (by id) and each cross-channel pattern (by name).

How changes are found and placed: :mod:`journeylog.drift.changes`. Modules: ``items`` (what is
tracked), ``windows`` (options, windows), ``data`` (the per-journey arrays; deviations held per
variant and patterns by their journeys, so memory follows the variants, not items x journeys),
``changes``, ``statements`` (the sentences), ``api`` (the entry points and the JSON).

On a log without drift the chance of any reported change is at most ``alpha`` (the first round
controls the family-wise error, and the Bonferroni factor over positions is conservative); on a
log with real changes, each further round spends at most ``alpha`` again on the segments between
them.

Statements are plain sentences: "From 2026-05-04, 'called after failing on the portal' rose from
8.1% to 15.3% of journeys (p < 0.001)." and, ProDrift-style, "From 2026-05-04, 'Identity check'
is sometimes skipped, while before it was always executed." or "From 2026-05-04, a new step
'Call: appointment' appears (in 6.2% of journeys)."
"""

from journeylog.drift.api import Drift, drift, drift_from_conformance, to_json
from journeylog.drift.changes import find_changes
from journeylog.drift.items import FITNESS, FITTING, Item
from journeylog.drift.statements import statement
from journeylog.drift.windows import CORRECTIONS, DriftOptions
from journeylog.stats import adjust, fmt_p, two_by_two
from journeylog.window import Window, parse_window

__all__ = [
    "CORRECTIONS", "FITNESS", "FITTING", "Drift", "DriftOptions", "Item", "Window", "adjust", "drift",
    "drift_from_conformance", "find_changes", "fmt_p", "parse_window", "statement", "to_json", "two_by_two",
]
