"""The sections of the HTML report, as a registry keyed by contract name.

Each analysis's JSON contract (``discover``, ``conform``, ``drift``, ...) has one
:class:`ContractView`: the key figures it contributes to the top of the page and its sections,
each a Jinja2 partial in ``templates/`` with a *view* function that turns the contract into the
partial's context, or returns None when there is nothing to show. A section appears only when its
contract is present and its view returns a context. Adding an analysis to the report is one
partial and one entry in :data:`REGISTRY`.

Views only compute numbers and pick rows; every string they return is data that the template
escapes. Numbers are worded through :mod:`journeylog.text`.

>>> [s.id for s in sections_for({"discover": {"variants": []}})]
[]
>>> [f.label for f in key_figures({"conform": {"fitness": 0.9, "fitting_share": 0.5, "precision": None, "journeys": 10}})]
['fitness', 'journeys that fit']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from journeylog.render.html import cx_sections as X
from journeylog.render.html.figure import Figure
from journeylog.text import fmt_duration, fmt_int, fmt_share

__all__ = ["REGISTRY", "ContractView", "Figure", "Section", "key_figures", "sections_for"]

View = Callable[[Mapping[str, Any]], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Section:
    """One section of the page: its anchor ``id``, heading, partial template and view. A view's
    context may carry ``problem``: a sentence the page shows and the command repeats on stderr."""

    id: str
    title: str
    template: str
    view: View


@dataclass(frozen=True)
class ContractView:
    """What the report shows of one contract."""

    figures: Callable[[Mapping[str, Any]], list[Figure]] = lambda _: []
    sections: tuple[Section, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- discover

TOP_VARIANTS = 10  # variants shown at first; the rest of the contract's list behind a button
MAX_VARIANTS = 100  # variants listed at most (a saved discover --json lists every variant)
TOP_HANDOFFS = 6  # internal hand-offs shown at first; the rest behind a button


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def period(first: str, last: str) -> str:
    """Two ISO dates as a short span (English month names, whatever the locale).

    >>> period("2026-01-02T07:17:30+00:00", "2026-06-30T10:03:16+00:00"), period("2025-12-30", "2026-01-04")
    ('2 Jan – 30 Jun 2026', '30 Dec 2025 – 4 Jan 2026')
    """
    def day(iso: str, year: bool) -> str:
        y, m, d = iso[:10].split("-")
        return f"{int(d)} {_MONTHS[int(m) - 1]}" + (f" {y}" if year else "")

    try:
        return f"{day(first, first[:4] != last[:4])} – {day(last, True)}"
    except (ValueError, IndexError):
        return f"{first[:10]} – {last[:10]}"


def span(first: str, last: str) -> str:
    """The length of a period in days (under two weeks), weeks (under a year) or months.

    >>> span("2026-01-02T07:17:30+00:00", "2026-06-30T10:03:16+00:00"), span("2026-01-01", "2026-01-02")
    ('26 weeks', '1 day')
    >>> span("2024-01-01", "2026-01-01")
    '24 months'
    """
    import datetime as dt

    try:
        days = (dt.date.fromisoformat(last[:10]) - dt.date.fromisoformat(first[:10])).days
    except ValueError:
        return "-"
    if days < 14:
        return f"{days} day" + ("" if days == 1 else "s")
    if days < 365:
        return f"{round(days / 7)} weeks"
    return f"{round(days / 30.44)} months"


def discover_figures(d: Mapping[str, Any]) -> list[Figure]:
    out = [
        Figure("journeys", fmt_int(d.get("journeys")),
               f"by {fmt_int(d.get('customers'))} customers; {fmt_int(d.get('events'))} events"),
        Figure("activities", fmt_int(d.get("activities")), f"distinct steps on {fmt_int(d.get('channels'))} channels"),
    ]
    if d.get("first") and d.get("last"):
        out.append(Figure("period", span(str(d["first"]), str(d["last"])), f"{period(str(d['first']), str(d['last']))} (UTC)"))
    variants = d.get("variants") or []
    if variants:
        k = min(5, len(variants))
        out.append(Figure(f"top {k} paths", fmt_share(variants[k - 1].get("cumulative_share")),
                          f"of journeys take one of the {k} most frequent paths"))
    return out


def map_view(d: Mapping[str, Any]) -> dict[str, Any] | None:
    if not d.get("activity_stats"):
        return None
    from journeylog.errors import JourneylogError
    from journeylog.render.html.svgmap import MAX_DRAWN_PATHS, level_svgs, map_levels

    part = d.get("map") or {}
    ctx: dict[str, Any] = {
        "levels": None, "problem": None, "left_out": None, "journeys": fmt_int(d.get("journeys_in_map")),
        "activities": fmt_int(part.get("activities_shown", len(d["activity_stats"]))),
        "activities_total": fmt_int(part.get("activities_total", len(d["activity_stats"]))),
        "paths": fmt_int(part["paths_shown"]) if "paths_shown" in part else None,
        "paths_total": fmt_int(part["paths_total"]) if "paths_total" in part else None}
    try:
        levels = map_levels(dict(d))
        ctx["levels"] = level_svgs(levels)
    except JourneylogError as exc:  # dot failed or took too long: the page goes on without the map
        ctx["problem"] = f"the map could not be drawn: {exc.message}" + (f" ({exc.hint})" if exc.hint else "")
    else:
        if ctx["levels"] is None:
            ctx["problem"] = "Graphviz is not installed: the map is missing (apt-get install graphviz)"
        undrawn = [lv for lv in levels if not lv.drawn]
        if undrawn and ctx["levels"] is not None:
            ctx["left_out"] = "; ".join(
                f"the map's '{lv.label}' level ({fmt_int(lv.paths)} paths over {fmt_int(lv.activities)} steps) is not drawn"
                for lv in undrawn) + (f": Graphviz takes minutes to lay out more than {fmt_int(MAX_DRAWN_PATHS)} paths "
                                      "(journeylog discover LOG --activities 1 --paths 1 --graph map.dot writes it)")
    return ctx


def variants_view(d: Mapping[str, Any]) -> dict[str, Any] | None:
    variants = (d.get("variants") or [])[:MAX_VARIANTS]
    if not variants:
        return None
    rows = [{"rank": i, "steps": list(v["activities"]), "journeys": fmt_int(v["journeys"]), "share": fmt_share(v["share"]),
             "cumulative": fmt_share(v["cumulative_share"]), "bar": round(100 * float(v["share"]), 2),
             "bar_cumulative": round(100 * float(v["cumulative_share"]), 2), "hidden": i > TOP_VARIANTS}
            for i, v in enumerate(variants, start=1)]
    return {"rows": rows, "more": max(0, len(rows) - TOP_VARIANTS), "coverage": fmt_share(variants[-1]["cumulative_share"])}


def switches_view(d: Mapping[str, Any]) -> dict[str, Any] | None:
    """The customer's own switches (kind ``customer`` or ``other``) as a matrix; internal hand-offs
    (kind ``handoff``: back office, field) listed apart, so the customer's switches come first."""
    every = [s for s in d.get("channel_switches") or [] if s.get("from") is not None and s.get("to") is not None]
    switches = [s for s in every if s.get("kind") != "handoff"]
    handoffs = [{"from": s["from"], "to": s["to"], "count": fmt_int(s["count"]), "median": fmt_duration(s.get("median_seconds")),
                 "hidden": i >= TOP_HANDOFFS}
                for i, s in enumerate(sorted((s for s in every if s.get("kind") == "handoff"),
                                key=lambda s: (-int(s["count"]), s["from"], s["to"])))]
    more = max(0, len(handoffs) - TOP_HANDOFFS)
    if not switches:
        return {"channels": [], "rows": [], "top": None, "handoffs": handoffs, "more": more, "kinds": True} if handoffs else None
    total: dict[str, int] = {}
    for s in switches:
        total[s["from"]] = total.get(s["from"], 0) + int(s["count"])
        total[s["to"]] = total.get(s["to"], 0) + int(s["count"])
    channels = sorted(total, key=lambda c: (-total[c], c))
    cells = {(s["from"], s["to"]): s for s in switches}
    top = max(int(s["count"]) for s in switches)
    rows = []
    for a in channels:
        row: list[dict[str, Any] | None] = []
        for b in channels:
            s = cells.get((a, b))
            if s is None:
                row.append(None)
            else:
                row.append({"count": fmt_int(s["count"]), "level": min(5, 1 + int(5 * int(s["count"]) / (top + 1))),
                            "median": fmt_duration(s.get("median_seconds"))})
        rows.append({"channel": a, "cells": row})
    first = max(switches, key=lambda s: (int(s["count"]), s["from"], s["to"]))
    top_switch = {"from": first["from"], "to": first["to"], "count": fmt_int(first["count"])}
    return {"channels": channels, "rows": rows, "top": top_switch, "handoffs": handoffs, "more": more,
            "kinds": any("kind" in s for s in every)}


# --------------------------------------------------------------------------- conform


def conform_figures(c: Mapping[str, Any]) -> list[Figure]:
    out = []
    if c.get("fitness") is not None:
        out.append(Figure("fitness", fmt_share(c["fitness"]),
                          "how closely journeys follow the design (100%: exactly)"))
    if c.get("fitting_share") is not None:
        out.append(Figure("journeys that fit", fmt_share(c["fitting_share"]),
                          f"of {fmt_int(c.get('journeys'))} journeys follow the design exactly"))
    if c.get("precision") is not None:
        out.append(Figure("precision", fmt_share(c["precision"]),
                          "of what the design allows is actually done (low: too loose)"))
    return out


def _impact(row: Mapping[str, Any]) -> dict[str, str]:
    extra, delta = row.get("median_extra_seconds"), row.get("satisfaction_delta")
    return {"extra": "-" if extra is None else ("+" if extra >= 0 else "") + fmt_duration(extra),
            "satisfaction": "-" if delta is None else ("0.0" if abs(delta) < 0.05 else f"{delta:+.1f}")}


def deviations_view(c: Mapping[str, Any], limit: int = 15) -> dict[str, Any] | None:
    devs = [d for d in c.get("deviations") or [] if not d.get("accepted")]
    pats = [p for p in c.get("patterns") or [] if p.get("journeys")]
    if not devs and not pats:
        return None
    top = max([float(x["share"]) for x in devs[:limit] + pats] + [1e-9])  # bars relative to the largest share shown
    dev_rows = [{"statement": d["statement"], "kind": d["kind"].replace("_", " "), "journeys": fmt_int(d["journeys"]),
                 "share": fmt_share(d["share"]), "bar": round(100 * float(d["share"]) / top, 2), **_impact(d)}
                for d in devs[:limit]]
    pat_rows = [{"name": p["name"], "statement": p["statement"], "journeys": fmt_int(p["journeys"]),
                 "share": fmt_share(p["share"]), "bar": round(100 * float(p["share"]) / top, 2), **_impact(p)} for p in pats]
    return {"deviations": dev_rows, "more": max(0, len(devs) - limit), "patterns": pat_rows,
            "accepted": sum(1 for d in c.get("deviations") or [] if d.get("accepted")), "notes": list(c.get("notes") or [])}


# --------------------------------------------------------------------------- drift

_LINE_COLOURS = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377")  # Paul Tol's bright scheme
_W, _H, _PAD = 720.0, 220.0, 36.0


def drift_figures(r: Mapping[str, Any]) -> list[Figure]:
    windows = r.get("windows") or []
    if len(windows) < 2:
        return []
    n = len(r.get("changes") or [])
    return [Figure("changes over time", fmt_int(n),
                   f"significant, across {fmt_int(len(windows))} windows of {r.get('window')}")]


def _share(window: Mapping[str, Any], item: str) -> float | None:
    v = window.get("fitting_share") if item == "fitting_share" else (window.get("shares") or {}).get(item)
    return None if v is None else float(v)


def drift_view(r: Mapping[str, Any]) -> dict[str, Any] | None:
    windows = r.get("windows") or []
    if len(windows) < 2:
        return None
    changed = []
    for ch in r.get("changes") or []:
        if ch["item"] not in changed and ch["item"] not in ("fitness", "fitting_share"):
            changed.append(ch["item"])
    labels = {i["id"]: i["label"] for i in r.get("items") or []}
    series = [("fitting_share", "journeys that fit")]
    series += [(item, labels.get(item, item)) for item in changed[:len(_LINE_COLOURS) - 1]]
    values = [_share(w, item) for w in windows for item, _ in series]
    top = max([0.05] + [v for v in values if v is not None])
    step = (_W - 2 * _PAD) / (len(windows) - 1)

    def y(v: float) -> float:
        return round(_H - _PAD - (_H - 2 * _PAD) * v / top, 1)

    lines = []
    for (item, label), colour in zip(series, _LINE_COLOURS, strict=False):
        pts = []
        for i, w in enumerate(windows):
            v = _share(w, item)
            if v is not None and w.get("journeys"):
                pts.append(f"{round(_PAD + i * step, 1)},{y(float(v))}")
        lines.append({"label": label, "colour": colour, "points": " ".join(pts)})
    marks = sorted({int(ch["window_index"]) for ch in r.get("changes") or []})
    ticks = [{"x": round(_PAD + i * step, 1), "label": str(w["start"])[:10]} for i, w in enumerate(windows)
             if i % max(1, len(windows) // 6) == 0]
    grid = [{"y": y(top * k / 4), "label": fmt_share(top * k / 4, 0)} for k in range(5)]
    changes = [{"statement": ch["statement"], "direction": ch["direction"]} for ch in r.get("changes") or []]
    return {"width": _W, "height": _H, "pad": _PAD, "lines": lines, "ticks": ticks, "grid": grid, "changes": changes,
            "marks": [round(_PAD + i * step, 1) for i in marks], "windows": len(windows), "window": r.get("window"),
            "alpha": r.get("alpha"), "tests": fmt_int(r.get("tests"))}


# --------------------------------------------------------------------------- the registry

REGISTRY: dict[str, ContractView] = {
    "discover": ContractView(discover_figures, (
        Section("map", "Process map", "_map.html.j2", map_view),
        Section("variants", "Top paths", "_variants.html.j2", variants_view),
        Section("switches", "Channel switches", "_switches.html.j2", switches_view),
    )),
    "conform": ContractView(conform_figures, (
        Section("deviations", "Deviations and cross-channel patterns", "_deviations.html.j2", deviations_view),
    )),
    "drift": ContractView(drift_figures, (
        Section("drift", "Drift over time", "_drift.html.j2", drift_view),
    )),
    "contacts": ContractView(X.contacts_figures, (
        Section("contacts", "Contact classes", "_contacts.html.j2", X.contacts_view),
    )),
    "funnel": ContractView(X.funnel_figures, (
        Section("funnel", "Funnel", "_funnel.html.j2", X.funnel_view),
    )),
    "emotion": ContractView(X.emotion_figures, (
        Section("emotion", "Emotion curve", "_emotion.html.j2", X.emotion_view),
    )),
    "compare": ContractView(sections=(Section("compare", "Segments compared", "_compare.html.j2", X.compare_view),)),
    "explain": ContractView(sections=(Section("explain", "Root causes", "_explain.html.j2", X.explain_view),)),
}
"""Contract name -> its figures and sections, in page order."""


@dataclass(frozen=True)
class Shown:
    """A section with its context, ready for its template."""

    id: str
    title: str
    template: str
    context: dict[str, Any]


def sections_for(contracts: Mapping[str, Any]) -> list[Shown]:
    """The sections that have data, in registry order."""
    out = []
    for name, view in REGISTRY.items():
        if name not in contracts:
            continue
        for s in view.sections:
            ctx = s.view(contracts[name])
            if ctx is not None:
                out.append(Shown(s.id, s.title, s.template, ctx))
    return out


def key_figures(contracts: Mapping[str, Any]) -> list[Figure]:
    """Every contract's key figures, in registry order."""
    return [f for name, view in REGISTRY.items() if name in contracts for f in view.figures(contracts[name])]
