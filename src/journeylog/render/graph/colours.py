"""The colours of a map: the channel palette, the count shades and the time scale.

**Channels.** :data:`PALETTE` holds 12 colours that stay distinguishable for the common forms of
colour blindness: the seven colours of Okabe and Ito (2008, "Color Universal Design"; their
black is left out, it is the colour of the map's lines) followed by five of Paul Tol's "muted"
scheme (indigo, green, wine, olive, purple; https://personal.sron.nl/~pault/). Channels take them
in order of their events on the map (most first, ties by name), so the commonest channel always
gets the same colour and the same log always gives the same colours; ``unknown`` is always
grey and a 13th channel starts the list again (its name is always printed next to the colour).

**Counts.** Frequency maps shade activities by their events in :data:`COUNT_SHADES`, Tol's
sequential light-blue to dark-blue steps, on a log scale.

**Times.** ``--perf`` maps colour activities and paths by time in :data:`TIME_SHADES`, Tol's
"YlOrBr" sequential scheme (pale yellow = quick, dark brown = slow), on a log scale between the
map's shortest and longest median.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from journeylog.schema import UNKNOWN_CHANNEL

PALETTE: tuple[str, ...] = (
    "#0072B2",  # Okabe-Ito blue
    "#E69F00",  # Okabe-Ito orange
    "#009E73",  # Okabe-Ito bluish green
    "#CC79A7",  # Okabe-Ito reddish purple
    "#56B4E9",  # Okabe-Ito sky blue
    "#D55E00",  # Okabe-Ito vermillion
    "#F0E442",  # Okabe-Ito yellow
    "#332288",  # Tol muted indigo
    "#117733",  # Tol muted green
    "#882255",  # Tol muted wine
    "#999933",  # Tol muted olive
    "#AA4499",  # Tol muted purple
)
UNKNOWN_COLOUR = "#BBBBBB"

COUNT_SHADES: tuple[str, ...] = ("#E8ECFB", "#C6DBEF", "#9ECAE1", "#6BAED6", "#3182BD", "#08519C")
TIME_SHADES: tuple[str, ...] = ("#FFFFE5", "#FEE391", "#FEC44F", "#FB9A29", "#EC7014", "#CC4C02", "#8C2D04")


def channel_palette(events: Iterable[tuple[str, int]]) -> dict[str, str]:
    """Channel -> colour from ``(channel, events)`` pairs: by events (descending), ties by name;
    ``unknown`` grey.

    >>> channel_palette([("web", 5), ("app", 9), ("unknown", 20), ("sms", 5)])
    {'app': '#0072B2', 'sms': '#E69F00', 'web': '#009E73', 'unknown': '#BBBBBB'}
    """
    totals: dict[str, int] = {}
    for ch, n in events:
        totals[ch] = totals.get(ch, 0) + int(n)
    ranked = sorted((c for c in totals if c != UNKNOWN_CHANNEL), key=lambda c: (-totals[c], c))
    out = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(ranked)}
    if UNKNOWN_CHANNEL in totals:
        out[UNKNOWN_CHANNEL] = UNKNOWN_COLOUR
    return out


def shade(value: float | None, low: float, high: float, shades: tuple[str, ...]) -> str:
    """The step of ``shades`` for ``value`` on a log scale from ``low`` to ``high``."""
    if value is None or high <= 0:
        return shades[0]
    lo, hi, v = (math.log1p(max(x, 0.0)) for x in (low, high, value))
    if hi <= lo:
        return shades[len(shades) // 2]
    i = int((v - lo) / (hi - lo) * (len(shades) - 1) + 0.5)
    return shades[min(max(i, 0), len(shades) - 1)]


def text_colour(fill: str) -> str:
    """Black or white text, whichever reads better on ``fill`` (WCAG relative luminance)."""
    r, g, b = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    lum = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000000" if lum > 0.22 else "#FFFFFF"
