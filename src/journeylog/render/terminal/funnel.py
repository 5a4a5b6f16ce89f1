"""The funnel report on the terminal, from its JSON form (:class:`journeylog.contracts.funnel.FunnelOutput`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console

from journeylog.render.terminal.console import console, table, text
from journeylog.text import fmt_duration, fmt_int, fmt_share

__all__ = ["print_funnel"]


def _share(x: float | None) -> str:
    return "-" if x is None else fmt_share(x)


def _time(x: float | None) -> str:
    return "-" if x is None else fmt_duration(x)


def _value(v: str | None) -> str:
    return "(none)" if v is None else v if v.strip() else repr(v)


def print_funnel(f: Mapping[str, Any], *, out: Console | None = None) -> None:
    """The funnel report: the steps, who stopped where, and the breakdowns asked for."""
    con = out or console()
    for note in f["notes"]:
        con.print(text("note: " + note, style="dim"), soft_wrap=True)
    rows = [[str(s["index"]), s["step"], fmt_int(s["journeys"]), _share(s["conversion_from_previous"]),
             _share(s["conversion_from_start"]), "-" if s["stopped"] is None else fmt_int(s["stopped"]),
             _time(s["median_seconds_from_previous"]), _time(s["p90_seconds_from_previous"]), _share(s["failure_rate"])]
            for s in f["funnel"]]
    title = (f"journeylog funnel: {fmt_int(f['journeys'])} journeys, {fmt_int(f['completed'])} "
             f"({fmt_share(f['completed_share'])}) reached the last step in order")
    con.print(table(title, [("#", "right"), ("step", "left"), ("journeys", "right"), ("of previous", "right"),
                            ("of step 1", "right"), ("stopped", "right"), ("median", "right"), ("p90", "right"),
                            ("failed", "right")], rows,
                    caption="median, p90: time from the step before; failed: the step's events with outcome failure"))
    con.print(table("where journeys stop", [("", "left")], [[d["statement"]] for d in f["drop_offs"]]))
    for s in f["funnel"]:
        if s["channels"]:
            crow = [[c["channel"], fmt_int(c["journeys"]), fmt_share(c["share"]), _share(c["conversion_to_next"]),
                     _time(c["median_seconds_from_previous"]), _share(c["failure_rate"])] for c in s["channels"]]
            con.print(table(f"step {s['index']} '{s['step']}' by channel", [
                ("channel", "left"), ("journeys", "right"), ("share", "right"), ("to next step", "right"),
                ("median", "right"), ("failed", "right")], crow))
    for seg in f["segments"]:
        heads = [(f"{s}", "right") for s in f["steps"]]
        srow = [[_value(g["value"]), fmt_int(g["journeys"]),
                 *[f"{fmt_int(s['journeys'])} ({fmt_share(s['share_of_journeys'])})" for s in g["steps"]]]
                for g in seg["segments"]]
        con.print(table(f"by {seg['column']}: journeys reaching each step (share of the segment)",
                        [(seg["column"], "left"), ("journeys", "right"), *heads], srow))
