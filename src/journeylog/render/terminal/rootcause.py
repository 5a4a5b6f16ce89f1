"""The root-cause report on the terminal, from its JSON form (:func:`journeylog.cx.rootcause.to_json`):
what is explained, the ranked factors with their figures, and their sentences."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console

from journeylog.render.terminal.console import console, table, text
from journeylog.stats import fmt_p
from journeylog.text import fmt_int, fmt_ratio, fmt_share

__all__ = ["print_root_causes"]


def print_root_causes(data: Mapping[str, Any], *, out: Console | None = None) -> None:
    """The root-cause report on stderr: the subject, a table of the ranked factors, the sentences
    of the significant ones, the columns not used and the notes."""
    con = out or console()
    subject = data["subject"]
    con.print(text(f"journeylog explain: {subject['id']}", style="bold"), soft_wrap=True)
    con.print(text(subject["statement"]), soft_wrap=True)
    con.print(text(f"{fmt_int(data['journeys_with'])} journeys with it against {fmt_int(data['journeys_without'])} "
                   f"without; {fmt_int(data['tests'])} factors tested (support at least {data['min_support']}; "
                   f"{fmt_int(data['below_support'])} below), {data['correction']} correction, alpha {data['alpha']:g}",
                   style="dim"), soft_wrap=True)
    factors = data["factors"]
    if factors:
        rows = [[str(i), f["id"], fmt_int(f["support"]), fmt_share(f["rate_with"]), fmt_share(f["rate_without"]),
                 "only with" if f["lift"] is None else fmt_ratio(f["lift"]).replace(" times", "x"),
                 fmt_p(f["p_adjusted"]).removeprefix("p ") + ("" if f["significant"] else " (ns)")]
                for i, f in enumerate(factors, 1)]
        con.print(table("over-represented factors (rate: share of journeys with the deviation)",
                        [("#", "right"), ("factor", "left"), ("support", "right"), ("rate with", "right"),
                         ("without", "right"), ("lift", "right"), ("adj. p", "right")], rows))
    significant = [f for f in factors if f["significant"]]
    if significant:
        for f in significant:
            con.print(text("  " + f["statement"]), soft_wrap=True)
    else:
        con.print(text("no factor is significantly over-represented in these journeys", style="yellow"), soft_wrap=True)
    if data["over_represented"] > len(factors):
        con.print(text(f"  ... and {fmt_int(data['over_represented'] - len(factors))} more over-represented factors "
                       "(see --top, --json)", style="dim"), soft_wrap=True)
    if data["skipped_columns"]:
        skipped = "; ".join(f"{s['column']} ({s['reason']})" for s in data["skipped_columns"])
        con.print(text("not used as factors: " + skipped, style="dim"), soft_wrap=True)
    if data["excluded"]:
        con.print(text("left out as part of what is explained: " + ", ".join(data["excluded"]), style="dim"),
                  soft_wrap=True)
    for note in data.get("notes", []):
        con.print(text("note: " + note, style="dim"), soft_wrap=True)
