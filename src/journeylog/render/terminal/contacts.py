"""The contacts report on the terminal, from its JSON form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console

from journeylog.render.terminal.console import console, table, text
from journeylog.text import fmt_int, fmt_share

__all__ = ["print_contacts"]

_CLASSES = ("mandatory", "avoidable", "selfcare", "assistance")


def _group_rows(groups: list[Mapping[str, Any]], key: str, show: int) -> list[list[str]]:
    return [[g[key], fmt_int(g["contacts"]), *[fmt_share(g["shares"][c]) for c in _CLASSES]] for g in groups[:show]]


def print_contacts(c: Mapping[str, Any], *, show: int = 10, out: Console | None = None) -> None:
    """The contacts report from its JSON form: totals, classes, channels, reasons, drivers, costs."""
    con = out or console()
    fcr = c["first_contact_resolution"]
    rows = [("assisted contacts", fmt_int(c["contacts"])), ("journeys", fmt_int(c["journeys"])),
            ("journeys with a contact", fmt_int(c["journeys_with_contacts"])),
            ("contacts per journey", "-" if c["contacts_per_journey"] is None else f"{c['contacts_per_journey']:.2f}"),
            ("avoidable-contact rate", fmt_share(c["avoidable"]["rate"])),
            (f"repeat-contact rate (within {_days(c['repeat']['window_seconds'])})", fmt_share(c["repeat"]["rate"])),
            ("first-contact resolution (proxy)", fmt_share(fcr["rate"]))]
    con.print(table("journeylog contacts", [("", "left"), ("", "right")], rows))
    con.print(table("classes (in order of precedence)", [("class", "left"), ("contacts", "right"), ("share", "right"),
                                                         ("decided by (most contacts)", "left")],
                    [[k["class"], fmt_int(k["contacts"]), fmt_share(k["share"]),
                      "; ".join(f"{d['decided_by']} ({fmt_int(d['contacts'])})" for d in k["decided_by"][:3])]
                     for k in c["classes"]]))
    headers = [("contacts", "right"), *[(k, "right") for k in _CLASSES]]
    if c["by_channel"]:
        con.print(table("by channel", [("channel", "left"), *headers], _group_rows(c["by_channel"], "channel", show)))
    if c["by_reason"]:
        n = len(c["by_reason"])
        con.print(table(f"by reason: {min(show, n)} of {n}", [("reason", "left"), *headers],
                        _group_rows(c["by_reason"], "reason", show)))
    drivers = c["avoidable"]["drivers"]
    if drivers:
        con.print(table("top drivers of avoidable contacts", [("#", "right"), ("statement", "left")],
                        [[str(i + 1), d["statement"]] for i, d in enumerate(drivers[:show])]))
    costs = c.get("costs")
    if costs and costs["statements"]:
        con.print(table("cost of avoidable and selfcare contacts", [("", "left")],
                        [[s] for s in costs["statements"][:show]]))
    per = ", ".join(f"{p['contacts']}: {fmt_int(p['journeys'])}" for p in c["per_journey"])
    if per:
        con.print(text(f"journeys by number of contacts: {per}", style="dim"), soft_wrap=True)
    con.print(text("first-contact resolution: " + fcr["definition"], style="dim"), soft_wrap=True)
    for note in c.get("notes", []):
        con.print(text("note: " + note, style="dim"), soft_wrap=True)


def _days(seconds: float) -> str:
    days = seconds / 86400
    return f"{days:g}d" if days >= 1 else f"{seconds / 3600:g}h"
