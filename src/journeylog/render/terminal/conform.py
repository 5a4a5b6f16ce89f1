"""The conform report on the terminal, from its JSON form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console

from journeylog.render.terminal.console import console, table, text
from journeylog.text import fmt_int, fmt_share

__all__ = ["print_conformance"]


def print_conformance(c: Mapping[str, Any], *, show: int = 10, out: Console | None = None) -> None:
    """The conform report from its JSON form: figures, deviations, patterns, label check."""
    con = out or console()
    fmt = lambda x: "-" if x is None else f"{x:.4f}"  # noqa: E731
    shown = set()
    if c.get("model_fits_log") is False:  # said first and plainly: the rest describes a mismatch of names
        for note in c.get("notes", [])[:1]:
            con.print(text("warning: " + note, style="bold yellow"), soft_wrap=True)
            shown.add(note)
    rows: list[Sequence[str]] = [("journeys", fmt_int(c["journeys"])), (f"fitness ({c['method']})", fmt(c["fitness"])),
            ("journeys that fit", fmt_share(c["fitting_share"])), ("precision", fmt(c["precision"]))]
    if c.get("journeys_in_progress"):
        rows.insert(1, ("in progress at the end of the log", fmt_int(c["journeys_in_progress"])))
    if c.get("fitting_share_accepted") is not None and any(d["accepted"] for d in c["deviations"]):
        rows.append(("fit, counting accepted deviations", fmt_share(c["fitting_share_accepted"])))
    con.print(table("journeylog conform", [("", "left"), ("", "right")], rows))
    active = [d for d in c["deviations"] if not d["accepted"]]
    rows = [[str(i + 1), d["kind"].replace("_", " "), d["statement"]] for i, d in enumerate(active[:show])]
    con.print(table(f"deviations: {min(show, len(active))} of {len(active)}, by journeys affected",
                    [("#", "right"), ("kind", "left"), ("statement", "left")], rows))
    pats = [p for p in c["patterns"] if not p.get("accepted") and p["journeys"] > 0]
    if pats:
        con.print(table("cross-channel patterns", [("statement", "left")], [[p["statement"]] for p in pats[:show]]))
    accepted = [d for d in c["deviations"] if d["accepted"]] + [p for p in c["patterns"] if p.get("accepted")]
    if accepted:
        con.print(table("accepted (allow-list; left out of checks)", [("", "left")],
                        [[d["statement"]] for d in accepted[:show]]))
    if c["unknown_activities"]:
        items = [a["activity"] + (f"  (did you mean '{a['suggestion']}'?)" if a.get("suggestion") else "")
                 for a in c["unknown_activities"]]
        con.print(text(f"log activities the model never mentions ({len(items)}): " + "; ".join(items[:show]), style="dim"))
    if c["unseen_tasks"]:
        items = [a["task"] + (f"  (did you mean '{a['suggestion']}'?)" if a.get("suggestion") else "") for a in c["unseen_tasks"]]
        con.print(text(f"model tasks never seen in the log ({len(items)}): " + "; ".join(items[:show]), style="yellow"))
    for note in c.get("notes", []):
        if note not in shown:
            con.print(text("note: " + note, style="dim"))
