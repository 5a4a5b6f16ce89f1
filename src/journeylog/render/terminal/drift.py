"""The drift report on the terminal, from its JSON form (:func:`journeylog.drift.to_json`):
windows (journeys, fitness, fitting share) and the significant changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.text import Text

from journeylog.render.terminal.console import console, table, text
from journeylog.text import fmt_int, fmt_share

__all__ = ["print_drift_report"]


def print_drift_report(data: Mapping[str, Any], *, show: int = 20, out: Console | None = None) -> None:
    """The drift report on stderr: windows (journeys, fitness, fitting share) and the changes."""
    con = out or console()
    fmt = lambda x: "-" if x is None else f"{x:.4f}"  # noqa: E731
    calendar = data["windowing"] == "calendar"
    changed = {c["window_index"] for c in data["changes"]}
    rows = []
    for w in data["windows"]:
        start = str(w["start"])[:16] if not calendar or "h" in data["window"] else str(w["start"])[:10]
        rows.append([start, fmt_int(w["journeys"]), fmt_int(w.get("journeys_in_progress", 0)), fmt(w["fitness"]),
                     fmt_share(w["fitting_share"]),
                     ("changes" if w["index"] in changed else "no change") if w["tested"] else "not tested"])
    n = len(data['windows'])
    con.print(table(f"journeylog drift: {n} window{'' if n == 1 else 's'} of {data['window']}",
                    [("from", "left"), ("journeys", "right"), ("in progress", "right"), ("fitness", "right"),
                     ("fit", "right"), ("result", "left")], rows))
    if not any(w["tested"] for w in data["windows"][1:]) or sum(w["tested"] for w in data["windows"]) < 2:
        con.print(text(f"fewer than two windows with {data['min_journeys']} journeys or more: nothing to compare "
                       "(use longer windows or --min-journeys)", style="yellow"), soft_wrap=True)
    elif not data["changes"]:
        line = Text()
        line.append(f"no significant change (alpha {data['alpha']:g}, minimum effect {100 * data['min_effect']:.1f} points, "
                    f"{data['tests']} tests)", style="green")
        con.print(line, soft_wrap=True)
    else:
        line = Text()
        line.append(f"{len(data['changes'])} significant change{'s' if len(data['changes']) != 1 else ''} "
                    f"(alpha {data['alpha']:g}, minimum effect {100 * data['min_effect']:.1f} points, {data['tests']} tests):",
                    style="bold yellow")
        con.print(line, soft_wrap=True)
        for c in data["changes"][:show]:
            con.print(text("  " + c["statement"]), soft_wrap=True)
        if len(data["changes"]) > show:
            con.print(text(f"  ... and {len(data['changes']) - show} more (see --json)", style="dim"), soft_wrap=True)
    for note in data.get("notes", []):
        con.print(text("note: " + note, style="dim"), soft_wrap=True)
