"""The emotion curve on the terminal, from its JSON form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console

from journeylog.render.terminal.console import console, table, text
from journeylog.text import fmt_int, fmt_share

__all__ = ["print_emotion"]


def _n(x: Any, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def print_emotion(e: Mapping[str, Any], *, show: int = 10, out: Console | None = None) -> None:
    """The curve (one row per touchpoint), the sentences, the split and the detractors."""
    con = out or console()
    nps = e["metric"] == "nps"
    cols = [("touchpoint", "left"), ("responses", "right"), ("mean", "right"), ("median", "right"), ("95% CI", "right")]
    top2 = any(p["top2_share"] is not None for p in e["points"])
    cols += [("NPS", "right"), ("promoters", "right"), ("detractors", "right")] if nps else (
        [("top-2", "right")] if top2 else [])
    has_desired = e["desired"] is not None
    if has_desired:
        cols += [("desired", "right"), ("gap", "right")]
    rows = []
    for p in e["points"]:
        name = p["step"] + (f" ({p['channel']})" if p["channel"] else "") + (" (thin)" if p["thin"] else "")
        ci = "-" if p["ci_low"] is None else f"{p['ci_low']:.2f} to {p['ci_high']:.2f}"
        row = [name, fmt_int(p["responses"]), _n(p["mean"]), _n(p["median"], 1), ci]
        if nps:
            row += [_n(p["nps"], 0), fmt_share(p["promoters_share"]) if p["promoters_share"] is not None else "-",
                    fmt_share(p["detractors_share"]) if p["detractors_share"] is not None else "-"]
        elif top2:
            row += [fmt_share(p["top2_share"]) if p["top2_share"] is not None else "-"]
        if has_desired:
            row += [_n(p["desired"], 1), _n(p["gap"])]
        rows.append(row)
    con.print(table(f"journeylog emotion: {e['metric_label']}", cols, rows))
    for s in e["statements"]:
        con.print(text(s))
    split = e.get("split")
    if split:
        srows = [[p["step"], fmt_int(p["with_responses"]), _n(p["with_mean"]), fmt_int(p["without_responses"]),
                  _n(p["without_mean"]), _n(p["difference"]), "-" if p["p"] is None else f"{p['p']:.3f}"]
                 for p in split["points"]]
        con.print(table(f"split by {split['kind']} '{split['by']}': {fmt_int(split['journeys_with'])} journeys with it",
                        [("touchpoint", "left"), ("n with", "right"), ("with", "right"), ("n without", "right"),
                         ("without", "right"), ("difference", "right"), ("p (Welch)", "right")], srows))
        for s in split["statements"]:
            con.print(text(s))
    det = e.get("detractors")
    if det:
        drows = [[d["kind"], d["description"], fmt_int(d["detractor_journeys"]), fmt_share(d["share_of_detractors"]),
                  fmt_share(d["share_of_responding"]), f"{d['lift']:.1f}x"] for d in det["items"][:show]]
        con.print(table(f"over-represented among detractor journeys ({det['definition']}; "
                        f"{fmt_int(det['detractor_journeys'])} of {fmt_int(det['journeys_responding'])})",
                        [("kind", "left"), ("what", "left"), ("detractors", "right"), ("of detractors", "right"),
                         ("of responding", "right"), ("lift", "right")], drows))
    for note in e.get("notes", []):
        con.print(text("note: " + note, style="dim"))
