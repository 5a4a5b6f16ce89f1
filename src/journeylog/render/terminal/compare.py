"""The compare report on the terminal, from its JSON form (:func:`journeylog.cx.compare.to_json`):
the key figures of each segment side by side, then the significant differences."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.text import Text

from journeylog.render.terminal.console import console, table, text
from journeylog.text import fmt_duration, fmt_int, fmt_share

__all__ = ["print_comparison"]


def _rows(data: Mapping[str, Any], show: int) -> list[list[str]]:
    segs = data["segments"]
    fmt_sat = lambda x: "-" if x is None else f"{x:.2f}"  # noqa: E731
    fmt_fit = lambda x: "-" if x is None else f"{x:.4f}"  # noqa: E731
    rows = [
        ["journeys"] + [f"{fmt_int(s['journeys'])} ({fmt_share(s['share_of_journeys'])})" for s in segs],
        ["events"] + [fmt_int(s["events"]) for s in segs],
        ["median duration"] + [fmt_duration(s["median_duration_seconds"]) for s in segs],
        ["p90 duration"] + [fmt_duration(s["p90_duration_seconds"]) for s in segs],
        ["satisfaction"] + [fmt_sat(s["satisfaction"]) for s in segs],
    ]
    if any(s["fitness"] is not None for s in segs):
        rows.append(["fitness"] + [fmt_fit(s["fitness"]) for s in segs])
    differing = {d["item"] for d in data["differences"]}
    for item in data["items"]:
        # every kind but deviations; deviations only when they differ (there can be hundreds)
        if item["kind"] not in ("failure", "channel", "variant", "pattern", "fitting_share") and item["id"] not in differing:
            continue
        mark = " *" if item["id"] in differing else ""
        rows.append([item["label"] + mark] + [fmt_share(s["shares"].get(item["id"])) for s in segs])
    return rows[: 6 + show * 4]


def print_comparison(data: Mapping[str, Any], *, show: int = 20, out: Console | None = None) -> None:
    """The comparison on stderr: figures side by side (``*``: a significant difference), then
    the differences as sentences."""
    con = out or console()
    segs = data["segments"]
    title = f"journeylog compare: {len(segs)} segments" + (f" by {data['by']}" if data["by"] else "")
    con.print(table(title, [("", "left")] + [(s["name"], "right") for s in segs], _rows(data, show)))
    diffs = data["differences"]
    line = Text()
    settings = f"alpha {data['alpha']:g}, minimum effect {100 * data['min_effect']:.1f} points, {data['tests']} tests"
    if not diffs:
        line.append(f"no significant difference ({settings})", style="green")
        con.print(line, soft_wrap=True)
    else:
        line.append(f"{len(diffs)} significant difference{'s' if len(diffs) != 1 else ''} ({settings}):",
                    style="bold yellow")
        con.print(line, soft_wrap=True)
        for d in diffs[:show]:
            con.print(text("  " + d["statement"]), soft_wrap=True)
        if len(diffs) > show:
            con.print(text(f"  ... and {len(diffs) - show} more (see --json)", style="dim"), soft_wrap=True)
    for note in data.get("notes", []):
        con.print(text("note: " + note, style="dim"), soft_wrap=True)
