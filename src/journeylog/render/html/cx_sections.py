"""The report's customer-experience sections: contact classes, the funnel and the emotion curve.

Each view reads one contract (``journeylog contacts --json``, ``funnel --json``, ``emotion
--json``) and returns its partial's context, or None when there is nothing to show. Every string
is data that the template escapes; numbers are worded through :mod:`journeylog.text`. The
emotion curve is drawn here as plain SVG geometry (points, the 95% interval as a band, the
desired curve dashed, thin points hollow): no external chart, nothing to sanitise.

>>> funnel_view({"funnel": [], "drop_offs": []}) is None
True
>>> contacts_view({"contacts": 0, "classes": []}) is None
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from journeylog.render.html.figure import Figure
from journeylog.text import fmt_duration, fmt_int, fmt_share

__all__ = ["compare_view", "contacts_figures", "contacts_view", "emotion_figures", "emotion_view", "explain_view",
           "funnel_figures", "funnel_view"]

DRIVERS = 8  # avoidable-contact drivers listed
REASONS = 8  # contact reasons listed
_COLOURS = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377")  # Paul Tol's bright scheme


def _figure(label: str, value: str, explanation: str) -> Figure:
    return Figure(label, value, explanation)


def _money(amount: Any, currency: str | None) -> str:
    return "-" if amount is None else f"{float(amount):,.0f}" + (f" {currency}" if currency else "")


# --------------------------------------------------------------------------- contacts


def contacts_figures(c: Mapping[str, Any]) -> list[Any]:
    avoidable = c.get("avoidable") or {}
    if not c.get("contacts") or avoidable.get("rate") is None:
        return []
    return [_figure("avoidable contacts", fmt_share(avoidable["rate"]),
                    f"of {fmt_int(c['contacts'])} assisted contacts could have been avoided")]


def contacts_view(c: Mapping[str, Any]) -> dict[str, Any] | None:
    total = int(c.get("contacts") or 0)
    if total == 0:
        return None
    classes = []
    x = 0.0
    for i, k in enumerate(c.get("classes") or []):
        width = 100.0 * int(k["contacts"]) / total
        classes.append({"name": k["class"], "contacts": fmt_int(k["contacts"]), "share": fmt_share(k.get("share")),
                        "x": round(x, 2), "width": round(width, 2), "colour": i % 4})
        x += width
    avoidable = c.get("avoidable") or {}
    drivers = [d["statement"] for d in (avoidable.get("drivers") or [])[:DRIVERS]]
    reasons = [{"reason": r["reason"], "contacts": fmt_int(r["contacts"]),
                "shares": [fmt_share((r.get("shares") or {}).get(k["class"])) for k in c.get("classes") or []]}
               for r in (c.get("by_reason") or [])[:REASONS]]
    repeat, fcr, costs = c.get("repeat") or {}, c.get("first_contact_resolution") or {}, c.get("costs")
    cost = None
    if costs:
        cost = {"total": _money(costs.get("total"), costs.get("currency")),
                "per_month": None if costs.get("per_month") is None else _money(costs["per_month"], costs.get("currency")),
                "statements": list(costs.get("statements") or [])}
    return {
        "contacts": fmt_int(total), "journeys": fmt_int(c.get("journeys")),
        "with_contacts": fmt_int(c.get("journeys_with_contacts")),
        "per_journey": "-" if c.get("contacts_per_journey") is None else f"{float(c['contacts_per_journey']):.2f}",
        "classes": classes, "class_names": [k["name"] for k in classes],
        "avoidable": fmt_int(avoidable.get("contacts")), "avoidable_share": fmt_share(avoidable.get("rate")),
        "drivers": drivers, "reasons": reasons,
        "repeats": fmt_int(repeat.get("repeats")), "repeat_rate": fmt_share(repeat.get("rate")),
        "repeat_window": fmt_duration(repeat.get("window_seconds")),
        "fcr": None if fcr.get("rate") is None else fmt_share(fcr["rate"]), "cost": cost,
    }


# --------------------------------------------------------------------------- funnel


def funnel_figures(f: Mapping[str, Any]) -> list[Any]:
    steps = f.get("steps") or []
    if not f.get("funnel") or not steps:
        return []
    return [_figure("completed", fmt_share(f.get("completed_share")), f"of journeys reached '{steps[-1]}'")]


def funnel_view(f: Mapping[str, Any]) -> dict[str, Any] | None:
    rows = f.get("funnel") or []
    if not rows:
        return None
    top = max([int(r["journeys"]) for r in rows] + [int(f.get("journeys") or 0), 1])
    steps = [{"index": r["index"], "step": r["step"], "journeys": fmt_int(r["journeys"]),
              "share": fmt_share(r.get("share_of_journeys")), "bar": round(100.0 * int(r["journeys"]) / top, 2),
              "conversion": fmt_share(r.get("conversion_from_previous")),
              "stopped": fmt_int(r.get("stopped")) if r.get("stopped") is not None else "-",
              "time": fmt_duration(r.get("median_seconds_from_previous")),
              "failure": fmt_share(r.get("failure_rate"))} for r in rows]
    drops = sorted(f.get("drop_offs") or [], key=lambda d: (-int(d["journeys"]), str(d.get("after")), str(d["before"])))
    biggest = drops[0] if drops and int(drops[0]["journeys"]) > 0 else None
    return {"steps": steps, "journeys": fmt_int(f.get("journeys")), "completed": fmt_int(f.get("completed")),
            "completed_share": fmt_share(f.get("completed_share")), "last": rows[-1]["step"],
            "from_model": f.get("steps_from") == "model", "in_progress": fmt_int(f.get("journeys_in_progress")),
            "drop_offs": [d["statement"] for d in drops if int(d["journeys"]) > 0],
            "biggest": None if biggest is None else biggest["statement"]}


# --------------------------------------------------------------------------- emotion

_EW, _EH, _LEFT, _RIGHT, _TOP, _BOTTOM = 760.0, 290.0, 80.0, 60.0, 16.0, 50.0
_LABEL = 15  # characters per line of a step's label under the curve (two lines at most)


def _value(p: Mapping[str, Any]) -> tuple[float | None, float | None, float | None]:
    """A point's score and 95% interval: the mean, or the NPS for an NPS metric."""
    if p.get("mean") is not None:
        return float(p["mean"]), p.get("ci_low"), p.get("ci_high")
    if p.get("nps") is not None:
        return float(p["nps"]), p.get("nps_ci_low"), p.get("nps_ci_high")
    return None, None, None


def label_lines(name: str, width: int = _LABEL) -> list[str]:
    """A step's name on at most two lines of about ``width`` characters (cut with an ellipsis).

    >>> label_lines("Installation completed"), label_lines("Pay"), label_lines("x" * 50, 10)
    (['Installation', 'completed'], ['Pay'], ['xxxxxxxxx…'])
    """
    lines: list[str] = []
    for word in name.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    lines = lines or [name]
    cut = [line if len(line) <= width else line[:width - 1] + "…" for line in lines[:2]]
    if len(lines) > 2 and not cut[1].endswith("…"):
        cut[1] = cut[1][:width - 1] + "…"
    return cut


def _score(v: Any) -> str:
    return "-" if v is None else f"{float(v):.1f}"


def emotion_figures(e: Mapping[str, Any]) -> list[Any]:
    gaps = [g for g in e.get("gaps") or [] if g.get("shortfall") is not None and float(g["shortfall"]) > 0]
    if not gaps:
        return []
    g = gaps[0]
    return [_figure("largest emotion gap", _score(g["shortfall"]),
                    f"points of {e.get('metric_label')} below the desired at '{g['step']}'")]


def emotion_view(e: Mapping[str, Any]) -> dict[str, Any] | None:
    """Long by design: one SVG's geometry (scale, band, lines, points, ticks) in one place."""
    points = list(e.get("points") or [])
    if not any(_value(p)[0] is not None for p in points):
        return None
    steps = list(dict.fromkeys(str(p["step"]) for p in points))
    values = [v for p in points for v in (*_value(p), p.get("desired")) if v is not None]
    if e.get("scale_low") is not None and e.get("scale_high") is not None:
        low, high = float(e["scale_low"]), float(e["scale_high"])
    else:
        low, high = min(values), max(values)
    low, high = min([low, *values]), max([high, *values])
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    step_x = (_EW - _LEFT - _RIGHT) / max(1, len(steps) - 1) if len(steps) > 1 else 0.0

    def x(step: str) -> float:
        return round(_LEFT + (steps.index(step) * step_x if len(steps) > 1 else (_EW - _LEFT - _RIGHT) / 2), 1)

    def y(v: float) -> float:
        return round(_TOP + (_EH - _TOP - _BOTTOM) * (high - float(v)) / (high - low), 1)

    channels = list(dict.fromkeys(p.get("channel") for p in points if _value(p)[0] is not None))  # series with a score
    series = []
    for i, ch in enumerate(channels[:len(_COLOURS)]):
        own = [p for p in points if p.get("channel") == ch]
        dots, band = [], []
        for p in own:
            v, lo, hi = _value(p)
            if lo is not None and hi is not None:
                band.append((x(p["step"]), float(lo), float(hi)))
            if v is not None:
                dots.append({"x": x(p["step"]), "y": y(v), "thin": bool(p.get("thin")), "step": p["step"],
                             "label": f"{p['step']}: {_score(v)} ({fmt_int(p.get('responses'))} responses)"})
        polygon = " ".join(f"{bx},{y(hi)}" for bx, _, hi in band)
        polygon += " " + " ".join(f"{bx},{y(lo)}" for bx, lo, _ in reversed(band))
        series.append({"label": "all channels" if ch is None else str(ch), "colour": _COLOURS[i], "dots": dots,
                       "line": " ".join(f"{d['x']},{d['y']}" for d in dots),
                       "band": polygon.strip() if len(channels) == 1 and len(band) >= 2 else None})
    desired_by_step: dict[str, float] = {}
    for p in points:
        if p.get("desired") is not None:
            desired_by_step.setdefault(str(p["step"]), float(p["desired"]))
    desired = " ".join(f"{x(s)},{y(desired_by_step[s])}" for s in steps if s in desired_by_step)
    grid = [{"y": y(low + (high - low) * k / 4), "label": _score(low + (high - low) * k / 4)} for k in range(5)]
    ticks = [{"x": x(s), "lines": label_lines(s), "full": s} for s in steps]
    rows = [{"step": p["step"], "channel": p.get("channel"), "responses": fmt_int(p.get("responses")),
             "score": _score(_value(p)[0]),
             "interval": "-" if _value(p)[1] is None else f"{_score(_value(p)[1])} – {_score(_value(p)[2])}",
             "desired": _score(p.get("desired")),
             "gap": "-" if p.get("gap") is None else f"{float(p['gap']):+.1f}", "thin": bool(p.get("thin"))}
            for p in points]
    return {"width": _EW, "height": _EH, "left": _LEFT, "right": _EW - _RIGHT, "bottom": _EH - _BOTTOM,
            "series": series, "desired": desired or None, "grid": grid, "ticks": ticks, "rows": rows,
            "by_channel": e.get("by") == "channel", "metric": e.get("metric_label") or e.get("metric"),
            "lower_is_better": bool(e.get("lower_is_better")), "min_responses": fmt_int(e.get("min_responses")),
            "thin": any(r["thin"] for r in rows), "statements": list(e.get("statements") or []),
            "desired_file": e.get("desired") is not None}


# --------------------------------------------------------------------------- compare, explain (from saved files)

STATEMENTS = 10  # differences or factors listed


def compare_view(c: Mapping[str, Any]) -> dict[str, Any] | None:
    segments = c.get("segments") or []
    if not segments:
        return None
    rows = [{"name": "-" if s.get("name") is None else s["name"], "journeys": fmt_int(s.get("journeys")),
             "share": fmt_share(s.get("share_of_journeys")), "fitness": fmt_share(s.get("fitness")),
             "duration": fmt_duration(s.get("median_duration_seconds")),
             "satisfaction": _score(s.get("satisfaction"))} for s in segments]
    differences = [d["statement"] for d in (c.get("differences") or [])[:STATEMENTS]]
    return {"by": c.get("by"), "rows": rows, "differences": differences, "tests": fmt_int(c.get("tests")),
            "more": max(0, len(c.get("differences") or []) - STATEMENTS)}


def explain_view(e: Mapping[str, Any]) -> dict[str, Any] | None:
    subject = e.get("subject") or {}
    if not subject:
        return None
    factors = [f["statement"] for f in e.get("factors") or [] if f.get("significant")][:STATEMENTS]
    return {"name": subject.get("name"), "statement": subject.get("statement"), "factors": factors,
            "with": fmt_int(e.get("journeys_with")), "without": fmt_int(e.get("journeys_without")),
            "tests": fmt_int(e.get("tests")), "significant": fmt_int(e.get("over_represented"))}
