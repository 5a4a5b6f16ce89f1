"""The drift entry points: :func:`drift` (align once, then find changes), :func:`drift_from_conformance`,
the :class:`Drift` result and its documented JSON (:func:`to_json`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

import polars as pl

from journeylog.contracts.outputs import DriftChange, DriftOutput, DriftWindow
from journeylog.drift.changes import find_changes
from journeylog.drift.data import JourneyData, journey_data
from journeylog.drift.items import FITNESS, FITTING, Item, items_from
from journeylog.drift.statements import describe
from journeylog.drift.windows import DriftOptions
from journeylog.errors import UsageError, param
from journeylog.explain.wording import DeviationKind
from journeylog.ingest import EventSource
from journeylog.window import Window, parse_window

__all__ = ["Drift", "drift", "drift_from_conformance", "to_json"]


@dataclass
class Drift:
    """The result of :func:`drift`; :func:`to_json` is its documented contract."""

    options: DriftOptions
    window: Window
    items: list[Item]
    windows: list[dict[str, Any]]
    changes: list[dict[str, Any]]
    figures: dict[str, Any]
    tests: int
    notes: list[str] = field(default_factory=list)



def drift(events: pl.DataFrame | EventSource, model: Any, conform_options: Any = None,
          options: DriftOptions | None = None) -> Drift:
    """Align ``events`` with ``model`` once and find drift over time (see the module notes).
    ``events``: a frame of canonical events or an :class:`~journeylog.ingest.EventSource` (out of
    core, as :func:`journeylog.conform.conform` reads it)."""
    from journeylog.conform import ConformOptions, conform

    opts = options or DriftOptions()
    opts.check()
    copts = conform_options or ConformOptions()
    if copts.method != "alignments":
        raise UsageError(f"drift needs alignments (per-journey cost); drop {param('method')} tbr")
    copts = replace(copts, precision=False, keep_moves=False, journey_details=False,
                    **({} if opts.settle is None else {"settle": opts.settle}))
    return _drift(conform(events, model, copts), opts, release=True)


def drift_from_conformance(c: Any, options: DriftOptions | None = None) -> Drift:
    """Drift from a :class:`journeylog.conform.Conformance` (alignments); ``c`` is not changed."""
    return _drift(c, options, release=False)


def _drift(c: Any, options: DriftOptions | None, release: bool) -> Drift:
    """Drift from ``c``; ``release``: ``c`` is this call's own, its per-journey tables are freed
    as soon as they are read."""
    opts = options or DriftOptions()
    opts.check()
    window = parse_window(opts.window)
    items = items_from(c)
    data, windows = journey_data(c, items, window, release=release)
    out_windows = _window_rows(data, windows, items, opts.min_journeys)

    found, n_tests = find_changes(data, items, windows, opts)
    changes = describe(data, items, windows, window, found, opts.min_effect)
    notes = list(c.log_notes)  # a model of another log, journeys in progress
    small = [wd for wd in out_windows if wd["journeys"] and not wd["tested"]]
    if small:
        notes.append(f"{len(small)} window{'s' if len(small) != 1 else ''} with fewer than {opts.min_journeys} "
                     "journeys reported but not tested")
    accepted = [it.id for it in items if it.accepted]
    if accepted:
        notes.append(f"{len(accepted)} accepted deviation{'s' if len(accepted) != 1 else ''} or pattern"
                     f"{'s' if len(accepted) != 1 else ''} (allow-list) not tested")
    figures = {
        "journeys": int(c.journeys),
        "journeys_in_progress": int(c.journeys_in_progress),
        "fitness": c.figures.get("fitness"),
        "fitting_share": c.figures.get("fitting_share"),
        "fitting_share_accepted": c.figures.get("fitting_share_accepted"),
    }
    return Drift(options=opts, window=window, items=items, windows=out_windows, changes=changes, figures=figures,
                 tests=n_tests, notes=notes)



def _window_rows(data: JourneyData, windows: list[dict[str, Any]], items: list[Item],
                 min_journeys: int) -> list[dict[str, Any]]:
    """The per-window figures: journeys (and those in progress), fitness, fitting shares and the
    share of every deviation and pattern (a drop-out's over the journeys not in progress)."""
    share_items = [(i, it) for i, it in enumerate(items) if it.kind not in (FITNESS, FITTING)]
    pw = data.per_window
    journeys, aligned, fits, cost, bwc = (pw[k] for k in ("journeys", "aligned", "fits", "cost", "bwc"))
    fits_acc = pw["fits_accepted"]
    counts, n_settled = data.counts, pw["settled"]
    dropped = DeviationKind.DROPPED_OUT.value
    out_windows = []
    for k, win in enumerate(windows):
        n = int(journeys[k])
        n_done = int(n_settled[k])
        out_windows.append({
            "index": k,
            "start": win["start"],
            "end": win["end"],
            "journeys": n,
            "journeys_in_progress": n - n_done,
            "tested": n >= min_journeys,
            "fitness": None if bwc[k] <= 0 else 1.0 - float(cost[k]) / float(bwc[k]),
            # as pm4py: percentage of fitting traces / 100, to the last digit
            "fitting_share": None if aligned[k] <= 0 else (100.0 * float(fits[k])) / float(aligned[k]) / 100.0,
            "fitting_share_accepted": None if aligned[k] <= 0 else (100.0 * float(fits_acc[k])) / float(aligned[k]) / 100.0,
            # a drop-out share is over the journeys that are not in progress
            "shares": {it.id: _share(float(counts[i][k]), n_done if it.kind == dropped else n) for i, it in share_items},
        })

    return out_windows


def _share(count: float, n: int) -> float | None:
    return count / n if n else None


def to_json(d: Drift) -> DriftOutput:
    """The documented JSON contract of ``journeylog drift --json`` (see docs/ci.md)."""
    return {
        "window": d.window.text,
        "windowing": "calendar" if d.window.calendar else "journeys",
        "alpha": d.options.alpha,
        "correction": cast("Literal['holm', 'bh']", d.options.correction),
        "min_effect": d.options.min_effect,
        "min_journeys": d.options.min_journeys,
        "method": "binary segmentation; chi-square (Yates) or Fisher's exact on journey counts, "
                  "Mann-Whitney U on fitness; Bonferroni over positions, " + (
                      "Holm" if d.options.correction == "holm" else "Benjamini-Hochberg") + " per round",
        "journeys": d.figures["journeys"],
        "journeys_in_progress": d.figures["journeys_in_progress"],
        "fitness": d.figures["fitness"],
        "fitting_share": d.figures["fitting_share"],
        "fitting_share_accepted": d.figures["fitting_share_accepted"],
        "tests": d.tests,
        "items": [{"id": it.id, "kind": it.kind, "activity": it.activity, "label": it.label, "accepted": it.accepted}
                  for it in d.items],
        "windows": cast("list[DriftWindow]", d.windows),
        "changes": cast("list[DriftChange]", d.changes),
        "notes": d.notes,
    }
