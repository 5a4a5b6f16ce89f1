"""Terminal output: rich tables on standard error, data always escaped (never rich markup).

Only the CLI calls these; library functions return data. Activity names and other data go
through :func:`text` so that ``[link=...]`` or ``x[/]`` in a log is printed literally.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from journeylog.text import fmt_duration, fmt_int, fmt_share  # noqa: F401  (re-exported for renderers)

_CONTROL = dict.fromkeys(list(range(0, 32)) + [127], "\ufffd")


def console() -> Console:
    """The stderr console (respects NO_COLOR and non-terminal output)."""
    return Console(stderr=True, highlight=False, soft_wrap=False)


def text(value: Any, style: str | None = None) -> Text:
    """Data as a literal rich Text: no markup, control characters made visible."""
    s = "" if value is None else str(value)
    return Text(s.translate(_CONTROL), style=style or "")


def table(title: str | None, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]], *, caption: str | None = None) -> Table:
    """A rich table; ``columns`` are (header, justify) pairs; cells are escaped."""
    t = Table(title=title, title_justify="left", caption=caption, caption_justify="left", header_style="bold",
              show_header=any(h for h, _ in columns))
    for header, justify in columns:
        t.add_column(header, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        t.add_row(*[c if isinstance(c, Text) else text(c) for c in row])
    return t


def print_ingest_summary(summary: dict[str, Any], out: Console | None = None) -> None:
    """The ingest summary: totals, per source (with identity match rate), per channel, notes."""
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
        rows.append([
            s["name"], s.get("format", ""), fmt_int(s.get("rows")), fmt_int(s.get("events")), fmt_int(s.get("rejected", 0)),
            s.get("identity_kind", "-"), "-" if rate is None else fmt_share(rate),
        ])
    con.print(table("sources", [("source", "left"), ("format", "left"), ("rows", "right"), ("events", "right"),
                                ("rejected", "right"), ("identity", "left"), ("matched", "right")], rows))
    con.print(table("channels", [("channel", "left"), ("events", "right")],
                    [[c["channel"], fmt_int(c["events"])] for c in summary["channels"]]))
    for note in summary.get("notes", []):
        con.print(text("note: " + note, style="dim"))


def path_text(activities: Sequence[str], limit: int = 12) -> str:
    """``A → B → C`` with a middle ellipsis for long paths."""
    acts = [str(a).translate(_CONTROL) for a in activities]
    if len(acts) > limit:
        acts = acts[: limit - 3] + [f"… {len(acts) - limit + 2} more …"] + acts[-2:]
    return " → ".join(acts)


def print_discovery(d: dict[str, Any], *, show: int = 10, out: Console | None = None, variants: int | None = None) -> None:
    """The discover report from its JSON form: summary, variants, edges, start/end, switches, model.
    ``variants``: how many there are in all, when ``d`` lists only the first ones."""
    con = out or console()
    total = len(d["variants"]) if variants is None else variants
    con.print(table("journeylog discover", [("", "left"), ("", "right")], [
        ("events", fmt_int(d["events"])), ("journeys", fmt_int(d["journeys"])), ("customers", fmt_int(d["customers"])),
        ("activities", fmt_int(d["activities"])), ("channels", fmt_int(d["channels"])),
        ("variants", fmt_int(total)), ("time span", f"{d['first']} .. {d['last']}"),
    ]))
    rows = [[str(i + 1), fmt_int(v["journeys"]), fmt_share(v["share"]), fmt_share(v["cumulative_share"]), path_text(v["activities"])]
            for i, v in enumerate(d["variants"][:show])]
    con.print(table(f"top {min(show, total)} of {total:,} variants",
                    [("#", "right"), ("journeys", "right"), ("share", "right"), ("cum.", "right"), ("path", "left")], rows))
    rows = [[e["from"], e["to"], fmt_int(e["count"]), fmt_duration(e["median_seconds"]), fmt_duration(e["p90_seconds"])]
            for e in d["dfg"][: max(show, 15)]]
    con.print(table(f"most frequent steps ({len(d['dfg']):,} in all)",
                    [("from", "left"), ("to", "left"), ("count", "right"), ("median", "right"), ("p90", "right")], rows))
    ends = max(len(d["start"]), len(d["end"]))
    rows = []
    for i in range(min(ends, 5)):
        s = d["start"][i] if i < len(d["start"]) else None
        e = d["end"][i] if i < len(d["end"]) else None
        rows.append([s["activity"] if s else "", fmt_int(s["count"]) if s else "", e["activity"] if e else "", fmt_int(e["count"]) if e else ""])
    con.print(table("start and end", [("starts with", "left"), ("journeys", "right"), ("ends with", "left"), ("journeys", "right")], rows))
    if d["channel_switches"]:
        rows = [[s["from"], s["to"], fmt_int(s["count"]), fmt_duration(s["median_seconds"])] for s in d["channel_switches"][:show]]
        con.print(table("channel switches", [("from", "left"), ("to", "left"), ("count", "right"), ("median gap", "right")], rows))
    model = d.get("model")
    if model:
        con.print(text(f"model: {model.get('algorithm', 'inductive miner')}", style="dim"))


def print_conformance(c: dict[str, Any], *, show: int = 10, out: Console | None = None) -> None:
    """The conform report from its JSON form: figures, deviations, patterns, label check."""
    con = out or console()
    fmt = lambda x: "-" if x is None else f"{x:.4f}"  # noqa: E731
    rows = [("journeys", fmt_int(c["journeys"])), (f"fitness ({c['method']})", fmt(c["fitness"])),
            ("journeys that fit", fmt_share(c["fitting_share"])), ("precision", fmt(c["precision"]))]
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
        items = [a["activity"] + (f"  (did you mean '{a['suggestion']}'?)" if a.get("suggestion") else "") for a in c["unknown_activities"]]
        con.print(text(f"log activities the model never mentions ({len(items)}): " + "; ".join(items[:show]), style="dim"))
    if c["unseen_tasks"]:
        items = [a["task"] + (f"  (did you mean '{a['suggestion']}'?)" if a.get("suggestion") else "") for a in c["unseen_tasks"]]
        con.print(text(f"model tasks never seen in the log ({len(items)}): " + "; ".join(items[:show]), style="yellow"))
    for note in c.get("notes", []):
        con.print(text("note: " + note, style="dim"))
