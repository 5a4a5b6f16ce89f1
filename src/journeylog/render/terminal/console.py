"""The stderr console and the two ways data reaches it: :func:`text` (literal, never rich markup)
and :func:`table` (every cell escaped).

Only the CLI calls the renderers; library functions return data. Activity names and other data go
through :func:`text` so that ``[link=...]`` or ``x[/]`` in a log is printed literally.

>>> text("[link=x]click[/]").plain
'[link=x]click[/]'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from journeylog.text import CONTROL, visible

__all__ = ["console", "text", "table", "path_text", "cache_line", "print_cache", "CONTROL"]



def console() -> Console:
    """The stderr console (respects NO_COLOR and non-terminal output)."""
    return Console(stderr=True, highlight=False, soft_wrap=False)


def text(value: Any, style: str | None = None) -> Text:
    """Data as a literal rich Text: no markup, control characters made visible, no ``::`` that
    could start a GitHub workflow command on a wrapped line (see :func:`journeylog.text.visible`)."""
    return Text("" if value is None else visible(value), style=style or "")


def table(
    title: str | None, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]], *, caption: str | None = None
) -> Table:
    """A rich table; ``columns`` are (header, justify) pairs; cells are escaped."""
    t = Table(title=title, title_justify="left", caption=caption, caption_justify="left", header_style="bold",
              show_header=any(h for h, _ in columns))
    for header, justify in columns:
        t.add_column(header, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        t.add_row(*[c if isinstance(c, Text) else text(c) for c in row])
    return t


def path_text(activities: Sequence[str], limit: int = 12) -> str:
    """``A → B → C`` with a middle ellipsis for long paths."""
    acts = [str(a).translate(CONTROL) for a in activities]
    if len(acts) > limit:
        acts = acts[: limit - 3] + [f"… {len(acts) - limit + 2} more …"] + acts[-2:]
    return " → ".join(acts)


def cache_line(info: dict[str, Any]) -> str:
    """What the alignment cache did, in one line.

    >>> cache_line({"path": "a.cache", "reused": 1200, "aligned": 87, "stale": None})
    'alignment cache a.cache: 1,200 of 1,287 distinct sequences reused, 87 aligned and added'
    >>> cache_line({"path": "a.cache", "reused": 0, "aligned": 3, "stale": "it was made for another model"})
    'alignment cache a.cache: not used (it was made for another model); 3 distinct sequences aligned and written anew'
    >>> cache_line({"path": "a.cache", "reused": 65, "aligned": 0, "stale": None})
    'alignment cache a.cache: all 65 distinct sequences reused, none aligned'
    """
    from journeylog.text import fmt_int

    path = str(info["path"]).translate(CONTROL)
    reused, aligned = int(info["reused"]), int(info["aligned"])
    if info.get("stale"):
        return (f"alignment cache {path}: not used ({info['stale']}); "
                f"{fmt_int(aligned)} distinct sequences aligned and written anew")
    if aligned == 0:
        return f"alignment cache {path}: all {fmt_int(reused)} distinct sequences reused, none aligned"
    return (f"alignment cache {path}: {fmt_int(reused)} of {fmt_int(reused + aligned)} distinct sequences reused, "
            f"{fmt_int(aligned)} aligned and added")


def print_cache(info: dict[str, Any] | None) -> None:
    """:func:`cache_line` on stderr (nothing without a cache)."""
    if info is not None:
        console().print(text(cache_line(info)))
