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

_CONTROL = dict.fromkeys(list(range(0, 32)) + [127], "\ufffd")


def console() -> Console:
    """The stderr console (respects NO_COLOR and non-terminal output)."""
    return Console(stderr=True, highlight=False, soft_wrap=False)


def text(value: Any, style: str | None = None) -> Text:
    """Data as a literal rich Text: no markup, control characters made visible."""
    s = "" if value is None else str(value)
    return Text(s.translate(_CONTROL), style=style or "")


def fmt_int(n: Any) -> str:
    return "-" if n is None else f"{int(n):,}"


def fmt_share(x: Any, digits: int = 1) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * float(x):.{digits}f}%"


def fmt_duration(seconds: Any) -> str:
    """Human units: 45 s, 12 min, 3.4 h, 2.1 d.

    >>> fmt_duration(12240)
    '3.4 h'
    """
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    s = float(seconds)
    sign = "-" if s < 0 else ""
    s = abs(s)
    if s < 90:
        return f"{sign}{s:.0f} s"
    if s < 90 * 60:
        return f"{sign}{s / 60:.0f} min"
    if s < 36 * 3600:
        return f"{sign}{s / 3600:.1f} h"
    return f"{sign}{s / 86400:.1f} d"


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
        ("duplicates dropped", fmt_int(summary["duplicates_dropped"])),
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
