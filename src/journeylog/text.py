"""Numbers, shares and durations in words: the one place that formats them (no rich, no colour).

Library sentences (deviation and pattern statements, check and drift messages) and every renderer
use these, so a figure reads the same everywhere.

>>> fmt_int(20461), fmt_share(0.0967), fmt_duration(12240)
('20,461', '9.7%', '3.4 h')
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["fmt_int", "fmt_share", "fmt_ratio", "fmt_duration", "human_duration", "CONTROL", "visible",
           "WORKFLOW_LINE", "no_workflow_commands"]

#: Characters that would act on a terminal instead of showing: C0 and C1 controls, DEL, and the
#: bidirectional overrides and isolates (which can make a line read differently from what it holds).
#: Wherever data is printed they become U+FFFD.
CONTROL: dict[int, str] = dict.fromkeys(
    [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)],
    "\ufffd",
)


def visible(value: object) -> str:
    """Text safe to print on a terminal: every :data:`CONTROL` character made visible, and ``::``
    split by a zero-width space, so no line a wrapped report prints can start a GitHub Actions
    workflow command (``::error``, ``::set-output``, ...) from data.

    >>> visible("evil\u202ecod.exe"), visible("line\x85next"), visible("caf\u00e9")
    ('evil\ufffdcod.exe', 'line\ufffdnext', 'café')
    >>> visible("::set-output name=x::1")
    ':\u200b:set-output name=x:\u200b:1'
    """
    return str(value).translate(CONTROL).replace("::", ":\u200b:")


#: ``::`` at the start of a line (after blanks): what a GitHub Actions runner reads as a workflow
#: command. The runner also breaks lines at a lone CR. (A regex both Python and Polars read.)
WORKFLOW_LINE = r"(^|[\r\n\x85\u2028\u2029])([^\S\r\n]*)::"


def no_workflow_commands(text: str) -> str:
    """``text`` (a whole output file) with every line that would start a GitHub Actions workflow
    command split by a zero-width space after its first colon; nothing else changes.

    >>> no_workflow_commands("a::b\\n  ::error::x\\r::warning::y")
    'a::b\\n  :\u200b:error::x\\r:\u200b:warning::y'
    """
    return re.sub(WORKFLOW_LINE, "\\1\\2:\u200b:", text)


def fmt_int(n: Any) -> str:
    return "-" if n is None else f"{int(n):,}"


def fmt_share(x: Any, digits: int = 1) -> str:
    """A share (0..1) as a percentage; tiny non-zero shares as ``<0.1%``; ``-`` for none.

    >>> fmt_share(0.0967), fmt_share(0.0002), fmt_share(0.0), fmt_share(None)
    ('9.7%', '<0.1%', '0.0%', '-')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if 0 < float(x) < 0.5 * 10 ** -(digits + 2):
        return f"<{10 ** -digits:.{digits}f}%"
    return f"{100 * float(x):.{digits}f}%"


def fmt_ratio(x: Any) -> str:
    """How many times as large: two significant figures (``3.4 times``, ``12 times``); ``-`` for
    none or an infinite ratio.

    >>> fmt_ratio(3.4167), fmt_ratio(12.4), fmt_ratio(1.0), fmt_ratio(float("inf"))
    ('3.4 times', '12 times', '1.0 times', '-')
    """
    if x is None or not math.isfinite(float(x)):
        return "-"
    v = float(x)
    return f"{v:.1f} times" if v < 9.95 else f"{v:.0f} times"


def fmt_duration(seconds: Any, none: str = "-") -> str:
    """A duration in the largest unit that keeps it under its next unit (s < 60, min < 60,
    h < 24, then d), with two or three significant figures; ``none`` for no value. The one
    duration wording of journeylog: statements, tables, graphs and reports all use it.

    >>> [fmt_duration(s) for s in (0, 0.01, 4.25, 45, 90, 12 * 60, 3 * 3600 + 1440, 35 * 3600, 2.1 * 86400, None)]
    ['0 s', '0 s', '4.2 s', '45 s', '1.5 min', '12 min', '3.4 h', '1.5 d', '2.1 d', '-']
    >>> fmt_duration(-5400)
    '-1.5 h'
    """
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return none
    s = float(seconds)
    sign = "-" if s < 0 else ""
    s = abs(s)
    units = (("s", 1.0), ("min", 60.0), ("h", 3600.0), ("d", 86400.0))
    limits = (60.0, 60.0, 24.0, math.inf)
    for (name, size), limit in zip(units, limits, strict=True):
        v = s / size
        text = f"{v:.1f}" if v < 9.95 else f"{v:.0f}"
        if float(text) == 0:
            return "0 s"
        if float(text) < limit:
            return f"{sign}{text} {name}"
    raise AssertionError("unreachable")  # pragma: no cover


def human_duration(seconds: float | None) -> str:
    """:func:`fmt_duration` with ``n/a`` for no value (graph labels).

    >>> [human_duration(s) for s in (90, None)]
    ['1.5 min', 'n/a']
    """
    return fmt_duration(seconds, none="n/a")
