"""The report's data: every analysis of one log as its JSON contract, in one call.

:func:`report` runs discovery, conformance against the designed journey and, when the log spans
several windows, drift over time (from the same conformance: the log is aligned once), and
returns ``{contract name: contract dict}`` -- exactly what each command writes with ``--json``.
The HTML renderer (:mod:`journeylog.render.html`) reads only these dicts, so a report built here
and one built from saved ``--json`` files (:func:`contracts_from_files`) are the same page.

Adding an analysis: run it here, add its contract under its command's name (``"contacts"``,
``"funnel"``, ...), and add a detector to :data:`DETECTORS` so ``--from`` recognises its file.

>>> kind_of({"dfg": [], "variants": [], "activity_stats": []})
'discover'
>>> kind_of({"method": "alignments", "deviations": [], "patterns": [], "fitness": 0.9})
'conform'
>>> kind_of({"windows": [], "changes": [], "items": []})
'drift'
>>> kind_of({"$schema": "https://example.invalid/journeylog/drift.schema.json"})
'drift'
>>> kind_of({"hello": 1}) is None
True
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from journeylog.errors import InvalidInput, UsageError, param
from journeylog.ingest import EventSource
from journeylog.io.jsonio import loads_checked

__all__ = ["DETECTORS", "ReportOptions", "contracts_from_files", "kind_of", "report"]

# The order in which sections are listed and contracts are run; a detector per contract: the keys
# its document always has (a file's ``$schema`` naming the contract wins over the shape).
DETECTORS: dict[str, frozenset[str]] = {
    "discover": frozenset({"dfg", "variants", "activity_stats"}),
    "conform": frozenset({"method", "deviations", "patterns", "fitness"}),
    "drift": frozenset({"windows", "changes", "items"}),
    "contacts": frozenset({"classes", "avoidable", "repeat", "first_contact_resolution"}),
    "funnel": frozenset({"steps", "funnel", "drop_offs", "completed_share"}),
    "emotion": frozenset({"metric", "points", "placement", "gaps"}),
    "compare": frozenset({"comparison", "segments", "differences"}),  # --from only: report() does not run these
    "explain": frozenset({"subject", "factors", "candidates"}),
}


@dataclass(frozen=True)
class ReportOptions:
    """``variants``: variants kept in the report (most frequent first). ``drift``: also find drift
    over time (from the same alignments) when the log spans at least two ``drift_options`` windows."""

    variants: int = 20
    drift: bool = True
    drift_options: Any = None  # journeylog.drift.DriftOptions; None: its defaults (weekly windows)
    conform_options: Any = None  # journeylog.conform.ConformOptions; None: its defaults
    discover_options: Any = None  # journeylog.discover.DiscoverOptions; None: every variant mapped
    contacts: bool = True  # classify the assisted contacts (the section shows when the log has some)
    contact_rules: Any = None  # journeylog.config.contacts.ContactRules; None: the default rules
    emotion: bool = True  # the emotion curve of one metric (when the log has it)
    emotion_options: Any = None  # journeylog.cx.emotion.EmotionOptions; None: csat when present, else satisfaction
    funnel: bool = True  # the funnel along the designed journey's main path (or funnel_steps)
    funnel_steps: tuple[str, ...] | None = None


def report(events: pl.DataFrame | EventSource, model: Any, options: ReportOptions | None = None,
           omitted: list[str] | None = None) -> dict[str, Any]:
    """Discover, conform and (when the log spans several windows) drift on ``events`` against the
    designed ``model``: ``{"discover": DiscoverOutput, "conform": ConformOutput, "drift":
    DriftOutput}`` (``drift`` absent for a log within one window); then contacts, funnel and
    emotion, each left out when it fails for a reason the user can fix (no channel column, no
    score of the metric, ...): ``omitted`` receives one sentence per analysis left out.
    ``events``: a frame of canonical events or an :class:`~journeylog.ingest.EventSource` (a log
    larger than memory: every analysis reads it in journey-complete batches; the same results)."""
    from journeylog import conform as C
    from journeylog import discover as D
    from journeylog import drift as R

    events = events if isinstance(events, EventSource) else EventSource(events)
    opts = options or ReportOptions()
    if opts.variants < 1:
        raise UsageError(f"{param('variants')} must be at least 1, not {opts.variants}")
    out: dict[str, Any] = {}
    out["discover"] = D.to_json(D.discover(events, opts.discover_options or D.DiscoverOptions()), variants=opts.variants)
    # the page shows no journey table: no customers and channels per journey; the moves only for the emotion curve
    copts = replace(opts.conform_options or C.ConformOptions(), journey_details=False)
    copts = copts if opts.emotion else replace(copts, keep_moves=False)
    conformance = C.conform(events, model, copts)
    out["conform"] = C.to_json(conformance)
    if opts.drift and copts.method == "alignments":
        data = R.to_json(R.drift_from_conformance(conformance, opts.drift_options or R.DriftOptions()))
        if len(data["windows"]) >= 2:
            out["drift"] = data
    for name, run in _customer_analyses(events, model, opts, conformance):
        try:
            out[name] = run()
        except (InvalidInput, UsageError) as exc:
            if omitted is not None:
                omitted.append(f"{name} left out: {exc.one_line()}")
    return out


def _customer_analyses(events: EventSource, model: Any, opts: ReportOptions,
                       conformance: Any = None) -> list[tuple[str, Callable[[], Any]]]:
    """The analyses of the customer experience the options ask for, as (contract name, thunk);
    the emotion curve places its scores with ``conformance``'s alignments (aligned once)."""
    from journeylog.cx import contacts as X
    from journeylog.cx import emotion as E
    from journeylog.cx import funnel as F

    runs: list[tuple[str, Callable[[], Any]]] = []
    if opts.contacts:
        runs.append(("contacts", lambda: X.contacts(events, model, rules=opts.contact_rules).to_json()))
    if opts.funnel:
        runs.append(("funnel", lambda: F.funnel(events, model, opts.funnel_steps).to_json()))
    if opts.emotion:
        runs.append(("emotion", lambda: E.to_json(E.emotion(events, model, opts.emotion_options or E.EmotionOptions(),
                                                                 conformance=conformance))))
    return runs


def kind_of(document: Mapping[str, Any]) -> str | None:
    """The contract a saved ``--json`` document is (a key of :data:`DETECTORS`), or None."""
    schema = document.get("$schema")
    if isinstance(schema, str):
        for name in DETECTORS:
            if f"/{name}." in schema or schema == name:
                return name
    for name, keys in DETECTORS.items():
        if keys <= document.keys():
            return name
    return None


def contracts_from_files(paths: Sequence[str], read: Callable[[str], str] | None = None) -> dict[str, Any]:
    """``{contract name: document}`` from saved ``--json`` files. Invalid JSON is
    :class:`InvalidInput` at FILE:LINE:COL; a document of no known kind, or two of one kind, too."""
    reader = read or _read_text
    out: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for path in paths:
        text = reader(path)
        try:
            document = loads_checked(text, label=path)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"not valid JSON: {exc.msg}", path=path, row=exc.lineno, column=exc.colno) from None
        kind = kind_of(document) if isinstance(document, dict) else None
        if kind is None:
            raise InvalidInput(
                "not a journeylog --json output this report knows", path=path,
                hint="give the --json files of " + ", ".join(DETECTORS),
            )
        if kind in out:
            raise InvalidInput(f"a second {kind} output (the first is {origin[kind]})", path=path,
                               hint="give one file per analysis")
        out[kind], origin[kind] = document, path
    return {name: out[name] for name in DETECTORS if name in out}



def _read_text(path: str) -> str:
    from journeylog.io.files import read_input_bytes

    data = read_input_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not UTF-8 text (byte {exc.start + 1})", path=path,
                           hint="give the file journeylog wrote with --json") from None
