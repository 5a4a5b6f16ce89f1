"""The settle window: how recent a journey's last event may be, relative to the log's end, for
the journey to count as still *in progress* rather than finished.

A log exported on Monday holds journeys that started on Friday and are simply not over yet. Read
as finished, each one "dropped out" before its next step. A journey whose last event lies within
the settle window of the log's last event is in progress: conform, check and drift count it
apart and leave it out of drop-out shares (fitness figures stay those of the full log, as pm4py's).

The default, 7 days, covers a weekend plus a working week of back-office handling, the usual
wait between two steps of a service journey (an order and its delivery, a claim and its
assessment); longer windows hide real drop-outs of recent weeks from a nightly check. Set it to
your journey gap (``--gap``, 30 days by default) for the strictest reading, ``0`` to turn it off.

>>> parse_settle("7d") == DEFAULT_SETTLE, parse_settle("0"), parse_settle(0)
(True, datetime.timedelta(0), datetime.timedelta(0))
>>> format_settle(parse_settle("36h")), format_settle(parse_settle("0"))
('1d12h', '0')
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from journeylog.config.yamldoc import parse_duration
from journeylog.errors import UsageError, param

__all__ = ["DEFAULT_SETTLE", "format_settle", "parse_settle", "settle_parameter"]

DEFAULT_SETTLE = timedelta(days=7)


def parse_settle(value: Any) -> timedelta:
    """A settle window from text (``7d``, ``48h``, ``2w``; ``0`` = off) or a timedelta; ValueError
    with the reason when it cannot be read or is negative."""
    if isinstance(value, timedelta):
        out = value
    elif _is_zero(value):
        out = timedelta(0)
    else:
        out = parse_duration(value)
    if out < timedelta(0):
        raise ValueError(f"the settle window cannot be negative, not {value!r}")
    return out


def _is_zero(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip() in ("0", "0s", "0d", "off")
    return not isinstance(value, bool) and isinstance(value, (int, float)) and value == 0


def settle_parameter(value: Any) -> timedelta | None:
    """:func:`parse_settle` for a parameter (None stays None: the default applies); a
    :class:`~journeylog.errors.UsageError` naming the ``settle`` parameter when it cannot be read."""
    if value is None:
        return None
    try:
        return parse_settle(value)
    except ValueError as exc:
        raise UsageError(f"{param('settle')}: {exc}", hint="7d, 48h, 2w; 0 turns it off") from None


def format_settle(settle: timedelta) -> str:
    """The settle window as text in days, hours, minutes and seconds (``0`` when off)."""
    seconds = int(settle.total_seconds())
    if seconds <= 0:
        return "0"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts)
