"""The ingest summary on the terminal: totals, sources (with identity match rate and a few
unmatched keys), channels, notes and warnings."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from journeylog.render.terminal.console import console, table, text
from journeylog.text import fmt_int, fmt_share

__all__ = ["print_ingest_summary"]


def print_ingest_summary(summary: dict[str, Any], out: Console | None = None) -> None:
    """The ingest summary: totals, per source (with identity match rate), per channel, the column
    read for each role per source (guessed ones marked), notes."""
    con = out or console()
    totals = [
        ("events", fmt_int(summary["events"])),
        ("customers", fmt_int(summary["customers"])),
        ("journeys", fmt_int(summary["journeys"]) + f"  (from {summary['journeys_from']})"),
        ("activities", fmt_int(summary["activities"])),
        ("time span", f"{summary['first'] or '-'} .. {summary['last'] or '-'}"),
        ("exact duplicates", fmt_int(summary["duplicates"]) + ("  (dropped)" if summary["duplicates_dropped"] else "  (kept)")),
        ("rejected rows", fmt_int(summary["rejected_rows"])),
    ]
    con.print(table("journeylog ingest", [("", "left"), ("", "right")], totals))
    rows = []
    for s in summary["sources"]:
        rate = s.get("match_rate")
        shown = "direct" if s.get("identity_kind") == "customer_id" else "-" if rate is None else fmt_share(rate)
        rows.append([
            s["name"], s.get("format", ""), fmt_int(s.get("rows")), fmt_int(s.get("events")), fmt_int(s.get("rejected", 0)),
            s.get("identity_kind", "-"), shown,
        ])
    con.print(table("sources", [("source", "left"), ("format", "left"), ("rows", "right"), ("events", "right"),
                                ("rejected", "right"), ("identity", "left"), ("matched", "right")], rows))
    con.print(table("channels", [("channel", "left"), ("events", "right")],
                    [[c["channel"], fmt_int(c["events"])] for c in summary["channels"]]))
    for s in summary["sources"]:
        if s.get("unmatched_sample") and s.get("min_match_rate") is not None:
            unmatched = s["keys"] - s["keys_matched"]
            con.print(text(f"unmatched {s['identity_kind']} keys in {s['name']} ({fmt_int(unmatched)} of "
                           f"{fmt_int(s['keys'])}): " + ", ".join(s["unmatched_sample"][:3])
                           + (", ..." if unmatched > 3 else ""), style="dim"))
        if s.get("columns"):
            guessed = set(s.get("columns_guessed", []))
            roles = ", ".join((f"{role} fixed to {col[1:]}" if col.startswith("=") else f"{role}={col}")
                              + (" (guessed)" if role in guessed else "") for role, col in s["columns"].items())
            con.print(text(f"columns of {s['name']}: {roles}", style="dim"), soft_wrap=True)
    for note in summary.get("notes", []):
        con.print(text("note: " + note, style="dim"))
    for warning in summary.get("warnings", []):
        con.print(text("warning: " + warning, style="yellow"))
