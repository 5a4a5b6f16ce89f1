"""Numbers, shares and durations in words: the one place that formats them (no rich, no colour).

Library sentences (deviation and pattern statements, check and drift messages) and every renderer
use these, so a figure reads the same everywhere.

>>> fmt_int(20461), fmt_share(0.0967), fmt_duration(12240)
('20,461', '9.7%', '3.4 h')
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["fmt_int", "fmt_share", "fmt_duration", "human_duration"]


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


def human_duration(seconds: float | None) -> str:
    """Seconds in human units: ``45 s``, ``12 min``, ``3.4 h``, ``2.1 d``; ``n/a`` for no value.

    >>> [human_duration(s) for s in (0, 4.25, 45, 90, 3 * 3600 + 1440, 2.1 * 86400, None)]
    ['0 s', '4.2 s', '45 s', '1.5 min', '3.4 h', '2.1 d', 'n/a']
    """
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "n/a"
    s = float(seconds)
    sign = "-" if s < 0 else ""
    s = abs(s)
    if s == 0:
        return "0 s"
    units = (("s", 1.0), ("min", 60.0), ("h", 3600.0), ("d", 86400.0))
    limits = (60.0, 60.0, 24.0, math.inf)
    for (name, size), limit in zip(units, limits):
        v = s / size
        text = f"{v:.1f}" if v < 9.95 else f"{v:.0f}"
        if float(text) < limit:
            return f"{sign}{text} {name}"
    raise AssertionError("unreachable")  # pragma: no cover
