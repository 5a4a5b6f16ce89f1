"""The check report on the terminal: one line per check (status, check, value, threshold,
message), passing per-item baseline checks summed up, and the totals.

>>> from journeylog.check import CheckResult
>>> r = CheckResult("max_share[x]", "max_share", "error", "FAIL", 0.048, 0.04, "Above.", "x")
>>> value_text(r), threshold_text(r)
('4.8%', '<= 4.0%')
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from journeylog.check import FAIL, PASS, SKIP, WARN, CheckResult, exit_code, summary
from journeylog.render.terminal.console import console, text

__all__ = ["print_check_report", "value_text", "threshold_text"]

_STYLE = {PASS: "green", WARN: "yellow", FAIL: "bold red", SKIP: "dim"}


def value_text(r: CheckResult) -> str:
    """A check's value as its report line shows it (``0.8767``, ``4.8%``, ``+2.1 pts``, ``1.30x``)."""
    if r.value is None:
        return "-"
    if r.kind in ("min_fitness", "min_precision", "max_fitness_drop"):
        return f"{r.value:.4f}"
    if r.kind == "max_share_ratio":
        return f"{r.value:.2f}x"
    if r.kind in ("max_share_increase", "max_fitting_share_drop"):
        return f"{100 * r.value:+.1f} pts"
    return f"{100 * r.value:.1f}%"


def threshold_text(r: CheckResult) -> str:
    """A check's threshold with its direction (``>= 0.8500``, ``<= 5.0%``, ``none new``)."""
    t = r.threshold
    if isinstance(t, bool) or t is None:
        return "none new" if r.kind == "new_deviations" else "-"
    if r.kind.startswith("min_"):
        op = ">="
    else:
        op = "<="
    if r.kind in ("min_fitness", "min_precision", "max_fitness_drop"):
        return f"{op} {t:.4f}"
    if r.kind == "max_share_ratio":
        return f"{op} {t:g}x"
    if r.kind in ("max_share_increase", "max_fitting_share_drop"):
        return f"{op} {100 * t:+.1f} pts"
    return f"{op} {100 * t:.1f}%"


def print_check_report(results: Sequence[CheckResult], *, verbose: bool = False, out: Console | None = None) -> None:
    """One line per check on stderr: status, check, value, threshold, message.

    Passing per-item baseline checks (one per deviation and pattern) are summed up in one line
    unless ``verbose``."""
    con = out or console()
    grouped: dict[str, list[CheckResult]] = {}
    for r in results:
        if (not verbose and r.status == PASS and r.item is not None
                and r.kind in ("max_share_increase", "max_share_ratio")):
            grouped.setdefault(r.kind, []).append(r)
            continue
        con.print(_line(r), soft_wrap=True)
    for kind, rows in grouped.items():
        worst = max(rows, key=lambda r: (r.value or 0.0, r.item or ""))
        limit = threshold_text(rows[0]).split(" ", 1)[1]
        if kind == "max_share_increase":
            largest = f"largest rise: {worst.item!r} {value_text(worst)}" if (worst.value or 0) > 0 else "none rose"
        else:
            largest = f"largest ratio: {worst.item!r} {value_text(worst)}"
        line = Text()
        line.append(f"{PASS:<4}", style=_STYLE[PASS])
        line.append_text(text(f"  {kind}: {len(rows)} deviations and patterns within {limit} of the baseline "
                              f"({largest}); --verbose lists them"))
        con.print(line, soft_wrap=True)
    s = summary(results)
    if not results:
        con.print(Text("journeylog check: no checks run"), soft_wrap=True)
        return
    code = exit_code(results)
    tail = Text()
    tail.append(f"journeylog check: {s['passed']} passed, {s['warnings']} warning{'s' if s['warnings'] != 1 else ''}, "
                f"{s['failed']} failed" + (f", {s['skipped']} skipped" if s['skipped'] else ""),
                style="bold red" if code else "bold green")
    con.print(tail, soft_wrap=True)


def _line(r: CheckResult) -> Text:
    line = Text()
    line.append(f"{r.status:<4}", style=_STYLE[r.status])
    line.append("  ")
    line.append_text(text(r.name))
    line.append(f"  {value_text(r)} ({threshold_text(r)})  ", style="dim")
    line.append_text(text(r.message))
    return line
