"""The discover report on the terminal, from its JSON form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console

from journeylog.render.terminal.console import console, path_text, table, text
from journeylog.text import fmt_duration, fmt_int, fmt_share

__all__ = ["print_discovery"]


def map_shown_note(m: Mapping[str, Any]) -> str:
    """``map: showing 24 of 70 activities and 61 of 412 paths; --activities 1 --paths 1 for all``."""
    from journeylog.explain.wording import map_shown

    return map_shown(m["activities_shown"], m["activities_total"], m["paths_shown"], m["paths_total"],
                     m["activities_share"], m["paths_share"])


def print_discovery(d: Mapping[str, Any], *, show: int = 10, out: Console | None = None, variants: int | None = None) -> None:
    """The discover report from its JSON form: summary, variants, edges, start/end, switches, model.
    ``variants``: how many there are in all, when ``d`` lists only the first ones."""
    con = out or console()
    total = len(d["variants"]) if variants is None else variants
    con.print(table("journeylog discover", [("", "left"), ("", "right")], [
        ("events", fmt_int(d["events"])), ("journeys", fmt_int(d["journeys"])), ("customers", fmt_int(d["customers"])),
        ("activities", fmt_int(d["activities"])), ("channels", fmt_int(d["channels"])),
        ("variants", fmt_int(total)), ("time span", f"{d['first']} .. {d['last']}"),
    ]))
    rows = [[str(i + 1), fmt_int(v["journeys"]), fmt_share(v["share"]), fmt_share(v["cumulative_share"]),
             path_text(v["activities"])]
            for i, v in enumerate(d["variants"][:show])]
    con.print(table(f"top {min(show, total)} of {total:,} variants",
                    [("#", "right"), ("journeys", "right"), ("share", "right"), ("cum.", "right"), ("path", "left")], rows))
    rows = [[e["from"], e["to"], fmt_int(e["count"]), fmt_duration(e["median_seconds"]), fmt_duration(e["p90_seconds"])]
            for e in d["dfg"][: max(show, 15)]]
    con.print(table(f"most frequent transitions between steps ({len(d['dfg']):,} in all)",
                    [("from step", "left"), ("to step", "left"), ("times", "right"), ("median wait", "right"),
                     ("p90 wait", "right")], rows))
    ends = max(len(d["start"]), len(d["end"]))
    rows = []
    for i in range(min(ends, 5)):
        s = d["start"][i] if i < len(d["start"]) else None
        e = d["end"][i] if i < len(d["end"]) else None
        rows.append([s["activity"] if s else "", fmt_int(s["count"]) if s else "",
                     e["activity"] if e else "", fmt_int(e["count"]) if e else ""])
    con.print(table("start and end",
                    [("starts with", "left"), ("journeys", "right"), ("ends with", "left"), ("journeys", "right")], rows))
    switches = d["channel_switches"]
    for kind, heading in (("customer", "channel switches by the customer"), ("other", "other channel switches"),
                          ("handoff", "internal hand-offs (back office, field)")):
        rows = [[s["from"], s["to"], fmt_int(s["count"]), fmt_duration(s["median_seconds"])]
                for s in switches if s.get("kind", "customer") == kind][:show]
        if rows:
            con.print(table(heading, [("from", "left"), ("to", "left"), ("count", "right"), ("median gap", "right")], rows))
    model = d.get("model")
    if model:
        con.print(text(f"model: {model.get('algorithm', 'inductive miner')}", style="dim"))
    shown = d.get("map")
    if shown:
        con.print(text(map_shown_note(shown), style="dim"), soft_wrap=True)
    for note in d.get("notes", []):
        con.print(text("note: " + note, style="dim"), soft_wrap=True)
