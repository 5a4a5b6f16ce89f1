"""Drift windows as text: ``1w``, ``2 weeks``, ``1mo`` (calendar, UTC) or ``500`` (journeys).

A bottom-layer module (no Polars, no drift): :mod:`journeylog.config.project` validates
``drift.window`` in journeylog.yaml with it, and :mod:`journeylog.drift` assigns journeys to the
windows it describes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from journeylog.errors import UsageError, param

__all__ = ["Window", "parse_window"]

_UNITS = {"h": "h", "hour": "h", "hours": "h", "d": "d", "day": "d", "days": "d", "w": "w", "week": "w", "weeks": "w",
          "mo": "mo", "month": "mo", "months": "mo", "q": "q", "quarter": "q", "quarters": "q",
          "y": "y", "year": "y", "years": "y"}


@dataclass(frozen=True)
class Window:
    """A window specification: calendar (``every``, a Polars duration) or ``size`` journeys."""

    text: str
    every: str | None = None
    size: int | None = None

    @property
    def calendar(self) -> bool:
        """Calendar windows (``every``), not blocks of journeys."""
        return self.every is not None


def parse_window(text: str) -> Window:
    """``1d``, ``1w``, ``2w``, ``1mo``, ``1q``, ``1y``, ``6h`` (calendar, UTC) or ``500`` (journeys).

    Raises :class:`~journeylog.errors.UsageError` for anything else.

    >>> parse_window("1w"), parse_window("2 weeks").every, parse_window("500").size
    (Window(text='1w', every='1w', size=None), '2w', 500)
    """
    t = str(text).strip().lower()
    m = re.fullmatch(r"(\d+)\s*([a-z]+)", t)
    hint = "a calendar window such as 1d, 1w, 2w, 1mo, or a number of journeys such as 500"
    if m and m.group(2) in _UNITS:
        n = int(m.group(1))
        if n < 1:
            raise UsageError(f"{param('window')} {text!r}: the length must be at least 1", hint=hint)
        return Window(str(text).strip(), every=f"{n}{_UNITS[m.group(2)]}")
    m = re.fullmatch(r"(\d+)(\s*(j|journeys?))?", t)
    if m:
        n = int(m.group(1))
        if n < 2:
            raise UsageError(f"{param('window')} {text!r}: a window needs at least 2 journeys", hint=hint)
        return Window(str(text).strip(), size=n)
    raise UsageError(f"{param('window')} {text!r} is not a window", hint=hint)
